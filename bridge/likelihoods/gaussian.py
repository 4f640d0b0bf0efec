"""The seed papers' likelihoods: independent Gaussian terms on quantities computed without flavio.

The terms and their sources are in bridge/data/seed_likelihoods.yml (``seed2023``: seed 001,
Cepedello, Escribano, Vicente, PRD 107 (2023) 035034, Eqs. (2), (9), (12); ``seed2021``:
seed 000, arXiv:2104.03228, with the b→sμμ fit of Altmannshofer & Stangl, arXiv:2103.13370).
Conventions (< 1 ms per point):

* Δa_μ is the one-loop value at the matching scale (``one_loop_summary``), as both seeds
  used; flavio's value (QED running of C7_mumu to the muon scale) is ~5% lower.
* C9^U = C9_photon_penguin + C9_Z_penguin, C10^U = C10_Z_penguin, C9^V_μ = C9_bsmumu_box,
  C10^V_μ = C10_bsmumu_box, from ``spectrum.data["contributions"]`` (the breakdown
  ``bridge.matching.spectrum_quark_coefficients`` stores; all built-in plugins use it; keys
  C9V_mu, C10V_mu, C9U, C10U are accepted too). For a plugin that stores no breakdown the
  fallback is C9^U = C9_bsee, C10^U = C10_bsee, C9^V_μ = C9_bsmumu − C9_bsee,
  C10^V_μ = C10_bsmumu − C10_bsee (the same unless the model has an electron box); the
  result's notes say which was used. Real parts at the hand-over scale (C9, C10 do not run
  in QCD).
* σ = (σ₊ + σ₋)/2 (seed 001's χ²_SM = 22.7537 with this convention; physics.md §12).
* ``C_LL_mu`` = Re(C9_bsmumu − C10_bsmumu)/2, the component along C9 = −C10 that a
  one-dimensional C9 = −C10 fit constrains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridge.likelihoods.base import Likelihood
from bridge.likelihoods.data import data_text
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.result import LikelihoodResult, Term


def _re(z) -> float:
    return float(complex(z).real)


#: Breakdowns of C9, C10 into universal (U) and muon-specific (V) parts, by preference.
_BREAKDOWNS = (
    ("contributions (matching breakdown: boxes, photon and Z penguins)",
     ("C9_bsmumu_box", "C10_bsmumu_box", "C9_photon_penguin", "C9_Z_penguin", "C10_Z_penguin"),
     lambda c: {"C9V_mu": c["C9_bsmumu_box"], "C10V_mu": c["C10_bsmumu_box"],
                "C9U": c["C9_photon_penguin"] + c["C9_Z_penguin"], "C10U": c["C10_Z_penguin"]}),
    ("contributions (plugin's C9V_mu, C10V_mu, C9U, C10U)",
     ("C9V_mu", "C10V_mu", "C9U", "C10U"),
     lambda c: {k: c[k] for k in ("C9V_mu", "C10V_mu", "C9U", "C10U")}),
)


def seed_coefficients(point: ModelPoint) -> tuple[dict[str, float], str]:
    """(C9V_mu, C10V_mu, C9U, C10U) as real numbers, and which breakdown gave them."""
    contrib = point.contributions or {}
    for label, needed, build in _BREAKDOWNS:
        if all(k in contrib for k in needed):
            return {k: _re(v) for k, v in build(contrib).items()}, label
    wc = point.coefficients
    c9e, c10e = wc.get("C9_bsee", 0j), wc.get("C10_bsee", 0j)
    values = {"C9V_mu": wc.get("C9_bsmumu", 0j) - c9e, "C10V_mu": wc.get("C10_bsmumu", 0j) - c10e,
              "C9U": c9e, "C10U": c10e}
    return ({k: _re(v) for k, v in values.items()},
            "fallback (no breakdown stored): C9U = C9_bsee, C9V_mu = C9_bsmumu - C9_bsee, same for C10")


def _c_ll_mu(point: ModelPoint) -> tuple[float, str]:
    wc = point.coefficients
    value = _re(wc.get("C9_bsmumu", 0j) - wc.get("C10_bsmumu", 0j)) / 2
    return value, "C_LL = Re(C9_bsmumu - C10_bsmumu)/2 at the hand-over scale"


def _delta_a_mu(point: ModelPoint) -> tuple[float, str]:
    return float(point.one_loop.get("Delta_a_mu", 0.0)), "Delta a_mu: one loop at the matching scale"


def _seed_quantity(name: str) -> Callable[[ModelPoint], tuple[float, str]]:
    def get(point):
        values, label = seed_coefficients(point)
        return values[name], label
    return get


#: Model-side quantities of the seed likelihoods: point → (value, how it was obtained).
QUANTITIES: dict[str, Callable[[ModelPoint], tuple[float, str]]] = {
    "C9V_mu": _seed_quantity("C9V_mu"), "C10V_mu": _seed_quantity("C10V_mu"),
    "C9U": _seed_quantity("C9U"), "C10U": _seed_quantity("C10U"),
    "C_LL_mu": _c_ll_mu, "Delta_a_mu": _delta_a_mu,
}


@dataclass(frozen=True)
class GaussianTerm:
    name: str
    quantity: str
    central: float
    error_up: float
    error_down: float
    source: str = ""

    @property
    def sigma(self) -> float:
        """Symmetrised error (σ₊ + σ₋)/2: the convention that gives seed 001's χ²_SM = 22.75."""
        return 0.5 * (self.error_up + self.error_down)


class GaussianLikelihood(Likelihood):
    """Independent Gaussian terms on NP-only quantities (each is 0 at the SM point)."""

    cost = "< 1 ms per point (no flavio)"

    def __init__(self, name: str, terms: list[GaussianTerm], description: str = "",
                 references: tuple[str, ...] = ()):
        unknown = [t.quantity for t in terms if t.quantity not in QUANTITIES]
        if unknown:
            raise ValueError(f"likelihood {name}: unknown quantity {unknown[0]!r}")
        self.name, self.terms = name, list(terms)
        self.description, self.references = description, tuple(references)

    @property
    def chi2_sm(self) -> float:
        return float(sum((t.central / t.sigma) ** 2 for t in self.terms))

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        terms, notes = [], []
        for t in self.terms:
            value, how = QUANTITIES[t.quantity](point)
            if how not in notes:
                notes.append(how)
            pull = (value - t.central) / t.sigma
            terms.append(Term(t.name, value, t.central, t.sigma, pull, pull**2, t.source, sm=0.0))
        return LikelihoodResult(self.name, float(sum(x.chi2 for x in terms)), self.chi2_sm, terms, notes)

    def constrains(self) -> set[str]:
        return {t.quantity for t in self.terms}

    def describe(self) -> list[str]:
        return [f"{t.name}: {t.central:g} +{t.error_up:g} -{t.error_down:g} (sigma {t.sigma:g}; "
                f"{t.source})" for t in self.terms]


def seed_likelihood(name: str) -> GaussianLikelihood:
    """The seed likelihood ``name`` of bridge/data/seed_likelihoods.yml."""
    import yaml

    spec = yaml.safe_load(data_text("seed_likelihoods.yml"))[name]
    terms = [GaussianTerm(t["name"], t["quantity"], float(t["central"]), float(t["error_up"]),
                          float(t["error_down"]), t.get("source", "")) for t in spec["terms"]]
    return GaussianLikelihood(name, terms, " ".join(spec["description"].split()),
                              tuple(spec.get("references", ())))
