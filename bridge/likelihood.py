"""Named likelihoods of a model point: flavio's data, today's data, the seed papers' own χ².

A likelihood turns a model point (Wilson coefficients at the hand-over scale, the
one-loop dipoles and the plugin's breakdown of the coefficients) into a χ² with one
:class:`Term` per observable: prediction, central value, σ, pull. The total reports
χ², χ²_SM (the same likelihood at the SM point), Δχ² = χ²_SM − χ² (> 0: better than
the SM) and the p-value of χ² for the number of terms (minus fitted parameters).

Registered names (``bridge likelihoods`` lists them, :func:`get_likelihood` builds them):

``flavio``
    flavio's FastLikelihood for the observables of :data:`FLAVIO_OBSERVABLES` (the
    ``bridge run`` table plus b→sμμ branching ratios and P5'), with the measurements of
    :data:`MEASUREMENTS_TODAY`: flavio 2.7.1's data plus ``bridge/data/measurements.yml``
    (Belle II 2023 B⁺→K⁺νν̄, arXiv:2311.14647; MEG II 2025 μ→eγ, arXiv:2504.15711, which
    replaces MEG 2016). Theory and experimental uncertainties are combined into one
    multivariate Gaussian (flavio's FastLikelihood: SM covariance from N seeded parameter
    draws, experimental covariance from Nexp seeded draws). Both covariances are cached on
    disk (``$BRIDGE_CACHE_DIR`` or ``~/.cache/bridge``), keyed by flavio version, observables,
    measurements, the overlay file, N, Nexp, seed and SMINPUTS overrides, so only the first
    use pays (~3–5 min for N = 100 on 2 busy cores); a point then costs ~1–3 s. The
    covariances of the default ``flavio`` and ``flavio-2.7.1`` (flavio 2.7.1, N = 100,
    Nexp = 5000, seed 1, no overrides) ship in ``bridge/data/flavio_covariances.json``
    (:func:`write_shipped_covariances`), so even the first use is fast with those settings.
``flavio-2.7.1``
    the same with flavio 2.7.1's measurements only (:data:`MEASUREMENTS_FLAVIO`).
``seed2023``
    seed 001 (Cepedello, Escribano, Vicente, PRD 107 (2023) 035034), Eqs. (2), (9), (12):
    Gaussian terms for C9^V_μ, C10^V_μ, C9^U, C10^U (scenario 5 of Algueró et al.,
    EPJC 82 (2022) 326) and Δa_μ = (2.51 ± 0.59)×10⁻⁹, with σ = (σ₊ + σ₋)/2 and C9^U, C10^U
    counted as two terms. At the SM point χ²_SM = 22.7537, so the seed's χ²_min = 1.52
    gives its Δχ² = 21.23 (physics.md §12; asymmetric errors would give 22.48).
``seed2021``
    seed 000 (Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228):
    Δa_μ = 251(59)×10⁻¹¹ (its Eq. (1)) and the 2021 b→sμμ fit it draws as "B anomalies at
    2σ" (Fig. 2; it cites the global fits [33–43]). The fit used is Altmannshofer & Stangl,
    arXiv:2103.13370 (its ref. [42]), scenario C9^bsμμ = −C10^bsμμ: best fit −0.39 (read
    from the paper's abstract with the search tool). The 1σ error 0.07 (1σ range
    [−0.46, −0.32]) is the value of the paper's one-parameter fit table as recalled, which
    could NOT be read from the paper text with the search tool; treat it as unverified.
    The model side is C_LL = Re(C9_bsmumu − C10_bsmumu)/2, the component along
    C9 = −C10 (equal to δC9 for a point with δC9 = −δC10; the orthogonal C9 + C10 is not
    constrained by this one-dimensional fit).
``smelli`` (only with ``pip install smelli``)
    smelli's global likelihood in WET (Aebischer, Kumar, Stangl, Straub,
    arXiv:1810.07698): χ² = −2 Δlog L against the SM (χ²_SM = 0), ~10 s per point.

Conventions of the seed likelihoods (no flavio needed; < 1 ms per point):

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
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from bridge.errors import InputError
from bridge.observable import Observable

# ---------------------------------------------------------------------------
# model points
# ---------------------------------------------------------------------------


@dataclass
class ModelPoint:
    """What a likelihood needs of one evaluated parameter point."""

    coefficients: dict[str, complex]  # quark sector + lepton dipoles, flavio WET basis, at `scale`
    scale: float
    contributions: dict = field(default_factory=dict)  # spectrum.data["contributions"]
    one_loop: dict = field(default_factory=dict)  # bridge.run.one_loop_summary
    overrides: dict = field(default_factory=dict)  # flavio parameters from SMINPUTS
    model: str = ""
    source: str = ""

    @classmethod
    def from_result(cls, result) -> ModelPoint:
        """From a :class:`bridge.run.PointResult` (``run_card(..., predictions=False)`` suffices)."""
        from bridge.sm import sminputs_overrides

        return cls(dict(result.coefficients), result.scale,
                   dict(result.spectrum.data.get("contributions", {})), dict(result.one_loop),
                   sminputs_overrides(result.sminputs), result.model.name, str(result.card_path))

    @classmethod
    def from_card(cls, path, pm=None) -> ModelPoint:
        from bridge.run import run_card

        return cls.from_result(run_card(str(path), predictions=False, pm=pm))


def as_point(x, pm=None) -> ModelPoint:
    """A card path, a PointResult or a ModelPoint as a :class:`ModelPoint`."""
    if isinstance(x, ModelPoint):
        return x
    if isinstance(x, (str, os.PathLike)):
        return ModelPoint.from_card(x, pm)
    if hasattr(x, "coefficients") and hasattr(x, "spectrum"):
        return ModelPoint.from_result(x)
    raise TypeError(f"expected a card path, a PointResult or a ModelPoint, got {type(x).__name__}")


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


@dataclass
class Term:
    """One observable of a likelihood at a point."""

    name: str
    prediction: float | None
    central: float | None
    sigma: float | None  # total 1σ used (experiment ⊕ theory where the likelihood has both)
    pull: float  # (prediction − central)/σ
    chi2: float | None  # contribution to χ² (None where terms are correlated)
    source: str = ""
    sm: float | None = None  # the prediction at the SM point

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LikelihoodResult:
    """χ² of one likelihood at one point; ``n_free`` > 0 for a best-fit point."""

    name: str
    chi2: float
    chi2_sm: float
    terms: list[Term]
    notes: list[str] = field(default_factory=list)
    n_free: int = 0
    relative: bool = False  # χ² relative to the SM only (smelli): no goodness of fit

    @property
    def delta_chi2(self) -> float:
        """χ²_SM − χ² (positive: the point describes the data better than the SM)."""
        return self.chi2_sm - self.chi2

    @property
    def dof(self) -> int:
        return len(self.terms) - self.n_free

    @property
    def p_value(self) -> float | None:
        """P(χ²_dof ≥ χ²); None without degrees of freedom or for a relative χ² (smelli)."""
        if self.dof <= 0 or not math.isfinite(self.chi2) or self.relative:
            return None
        from scipy.stats import chi2

        return float(chi2.sf(self.chi2, self.dof))

    def as_dict(self) -> dict:
        return {"name": self.name, "chi2": self.chi2, "chi2_sm": self.chi2_sm,
                "delta_chi2": self.delta_chi2, "dof": self.dof, "n_free": self.n_free,
                "p_value": self.p_value, "notes": list(self.notes),
                "terms": [t.as_dict() for t in self.terms]}


# ---------------------------------------------------------------------------
# base class
# ---------------------------------------------------------------------------


class Likelihood:
    """A named likelihood. ``chi2(card_or_point)`` for quick use, ``evaluate`` for the terms."""

    name: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    cost: str = ""
    needs_flavio: bool = False

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        raise NotImplementedError

    def chi2(self, card_or_point, pm=None) -> float:
        """χ² at a card (path), a :class:`bridge.run.PointResult` or a :class:`ModelPoint`."""
        return self.evaluate(as_point(card_or_point, pm)).chi2

    def bind(self, card, free: Iterable[str], fixed: Iterable[str] = (), pm=None):
        """χ² as a function of the free card entries: a :class:`bridge.fit.Objective`.

        ``f = lik.bind("cards/scotogenic.slha", ["YSIN:2*YSIN:3", "CASASIBARRA:1"])``;
        ``f(0.6, 0.25)`` is the χ²; ``iminuit.Minuit(f, *f.start, name=f.names)`` fits it.
        """
        from bridge.fit import Objective

        return Objective(card, list(free), self, fixed=list(fixed), pm=pm)

    def describe(self) -> list[str]:
        """One line per term (``bridge likelihoods -v``)."""
        return []

    def prepare(self, overrides: dict | None = None) -> None:
        """Do the one-time work now (flavio: covariances); a no-op for the others."""


class CombinedLikelihood(Likelihood):
    """The sum of independent likelihoods (the user vouches that they do not overlap)."""

    def __init__(self, parts: list[Likelihood]):
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.description = "sum of " + ", ".join(p.name for p in self.parts)
        self.needs_flavio = any(p.needs_flavio for p in self.parts)

    def evaluate_all(self, point: ModelPoint) -> list[LikelihoodResult]:
        return [p.evaluate(point) for p in self.parts]

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        return merge_results(self.evaluate_all(point), self.name)

    def prepare(self, overrides=None) -> None:
        for p in self.parts:
            p.prepare(overrides)


def merge_results(results: list[LikelihoodResult], name: str) -> LikelihoodResult:
    if len(results) == 1:
        return results[0]
    terms = [Term(**{**t.as_dict(), "name": f"{r.name}: {t.name}"}) for r in results for t in r.terms]
    notes = [f"{r.name}: {n}" for r in results for n in r.notes]
    return LikelihoodResult(name, sum(r.chi2 for r in results), sum(r.chi2_sm for r in results),
                            terms, notes, n_free=results[0].n_free,
                            relative=any(r.relative for r in results))


# ---------------------------------------------------------------------------
# seed likelihoods (Gaussian terms on quantities the bridge computes without flavio)
# ---------------------------------------------------------------------------


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

    def describe(self) -> list[str]:
        return [f"{t.name}: {t.central:g} +{t.error_up:g} -{t.error_down:g} (sigma {t.sigma:g}; "
                f"{t.source})" for t in self.terms]


def _data_text(name: str) -> str:
    return resources.files("bridge").joinpath("data", name).read_text(encoding="utf-8")


def _seed_likelihood(name: str) -> GaussianLikelihood:
    import yaml

    spec = yaml.safe_load(_data_text("seed_likelihoods.yml"))[name]
    terms = [GaussianTerm(t["name"], t["quantity"], float(t["central"]), float(t["error_up"]),
                          float(t["error_down"]), t.get("source", "")) for t in spec["terms"]]
    return GaussianLikelihood(name, terms, " ".join(spec["description"].split()),
                              tuple(spec.get("references", ())))


# ---------------------------------------------------------------------------
# flavio FastLikelihood
# ---------------------------------------------------------------------------


#: Observables whose terms are shown relative to flavio's SM prediction.
SHIFTED = {"a_mu": "Delta a_mu (a_mu - SM)"}


def _obs(name, *q2) -> Observable:
    return Observable(name, q2)


#: Observables of the ``flavio`` likelihoods: those of ``bridge run`` (R_K, R_K* in the bins
#: of LHCb 2022, B→X_sγ, ΔM_s, B→K(*)νν̄, B_s→μμ, a_μ, μ→eγ) plus b→sμμ: the wide-bin
#: branching ratios [1.1,6] and high q² of B⁺→K⁺μμ, B⁰→K*⁰μμ, B_s→φμμ (LHCb) and P5' of
#: B⁰→K*⁰μμ in the bins of LHCb 2020 where the anomaly sits. 21 observables, ~1–3 s per point.
FLAVIO_OBSERVABLES = (
    _obs("<Rmue>(B+->Kll)", 0.1, 1.1), _obs("<Rmue>(B+->Kll)", 1.1, 6.0),
    _obs("<Rmue>(B0->K*ll)", 0.1, 1.1), _obs("<Rmue>(B0->K*ll)", 1.1, 6.0),
    _obs("BR(B->Xsgamma)"), _obs("DeltaM_s"),
    _obs("BR(B+->Knunu)"), _obs("BR(B0->K*nunu)"),
    _obs("BR(Bs->mumu)"), _obs("a_mu"), _obs("BR(mu->egamma)"),
    _obs("<dBR/dq2>(B+->Kmumu)", 1.1, 6.0), _obs("<dBR/dq2>(B+->Kmumu)", 15.0, 22.0),
    _obs("<dBR/dq2>(B0->K*mumu)", 1.1, 6.0), _obs("<dBR/dq2>(B0->K*mumu)", 15.0, 19.0),
    _obs("<dBR/dq2>(Bs->phimumu)", 1.1, 6.0), _obs("<dBR/dq2>(Bs->phimumu)", 15.0, 19.0),
    _obs("<P5p>(B0->K*mumu)", 1.1, 2.5), _obs("<P5p>(B0->K*mumu)", 2.5, 4.0),
    _obs("<P5p>(B0->K*mumu)", 4.0, 6.0), _obs("<P5p>(B0->K*mumu)", 15.0, 19.0),
)

#: One measurement (or one set of independent ones) per observable, so nothing counts twice:
#: flavio 2.7.1 holds several overlapping B_s→μμ combinations and R_K updates.
MEASUREMENTS_FLAVIO = (
    "LHCb RK RK* 2022",  # R_K, R_K* [0.1,1.1], [1.1,6] (arXiv:2212.09152)
    "B->Xgamma WA 2017",  # Misiak et al. world average
    "HFAG osc summer 2015",  # ΔM_s
    # B→K(*)νν̄: the four Belle/BaBar analyses smelli uses (measurements_bqnunu.yaml)
    "Belle B->hnunu SL 2017", "Belle B->hnunu had 2013", "BaBar B->Knunu had 2013",
    "BaBar B->Knunu SL 2010",
    "GSSS combination Bs->mumu 2022",  # Greljo, Salko, Smolkovic, Stangl combination
    "FNAL g-2 combination 2025",  # a_μ, with flavio's WP25 SM value
    "PDG 2017 mu LFV",  # MEG 2016: BR(μ→eγ) < 4.2e-13
    "LHCb B+->Kmumu BR 2014", "LHCb B0->K*mumu BR 2016", "LHCb Bs->phimumu BR 2021",
    "LHCb B->K*mumu 2020 P 1.1-2.5", "LHCb B->K*mumu 2020 P 2.5-4", "LHCb B->K*mumu 2020 P 4-6",
    "LHCb B->K*mumu 2020 P 15-19",
)
#: The bridge's overlay (bridge/data/measurements.yml): Belle II 2023 joins the Belle/BaBar
#: B→Kνν̄ analyses; MEG II 2025 replaces MEG 2016.
OVERLAY_FILE = "measurements.yml"
MEASUREMENTS_TODAY = (*(m for m in MEASUREMENTS_FLAVIO if m != "PDG 2017 mu LFV"),
                      "Belle II B+->Knunu 2023", "MEG II mu->egamma 2025")

#: flavio's own warning that a multi-bin measurement is marginalised over the bins not
#: used: exact for FastLikelihood, whose experimental covariance is sampled from the full
#: distribution and then restricted to the observables used.
_PROFILE_WARNING = r".*of the measurements in the likelihood constrain both"


def register_overlay() -> list[str]:
    """Register the measurements of bridge/data/measurements.yml with flavio (idempotent)."""
    import flavio

    path = resources.files("bridge").joinpath("data", OVERLAY_FILE)
    with resources.as_file(path) as p:
        names = flavio.measurements.read_file(str(p))
    return list(names)


def _cache_dir() -> Path:
    from bridge.observables import _cache_dir as cache_dir

    return cache_dir()


@dataclass
class _FlavioState:
    """A built FastLikelihood and the arrays the bridge evaluates with."""

    fast: object  # flavio.statistics.likelihood.FastLikelihood
    par: dict
    central: np.ndarray
    cov_exp: np.ndarray
    cov_sm: np.ndarray
    cov: np.ndarray
    sm_predictions: np.ndarray
    chi2_sm: float
    measurements: dict  # observable key → measurement names
    cache_files: tuple[str, str]
    cold: bool  # the covariances were drawn now
    seconds: float
    shipped: bool = False  # ... or taken from bridge/data/flavio_covariances.json


class FlavioLikelihood(Likelihood):
    """flavio's FastLikelihood over ``observables`` with ``measurements``.

    ``samples`` (N) and ``exp_samples`` (Nexp) are flavio's ``make_measurement`` sample
    sizes; both draws are seeded with ``seed`` (numpy's global RNG, restored afterwards),
    and the two covariances are cached on disk, so a result reproduces exactly.
    """

    needs_flavio = True

    def __init__(self, name: str, observables=FLAVIO_OBSERVABLES, measurements=MEASUREMENTS_TODAY,
                 *, overlay: bool = True, samples: int = 100, exp_samples: int = 5000, seed: int = 1,
                 threads: int = 1, description: str = "", references: tuple[str, ...] = ()):
        self.name = name
        self.observables = tuple(observables)
        self.measurements = tuple(measurements)
        self.overlay = overlay
        self.samples, self.exp_samples, self.seed, self.threads = samples, exp_samples, seed, threads
        self.description = description or f"flavio FastLikelihood, {len(self.observables)} observables"
        self.references = references
        self.cost = (f"~1-3 s per point; covariances (N={samples}): shipped for the defaults, "
                     "else computed on first use (~3-5 min for 21 observables) and cached")
        self._states: dict[str, _FlavioState] = {}

    # pickling (T4 of ecosystem.md): flavio's pseudo-measurement lives in a per-process
    # registry, so a worker rebuilds the state (from the disk cache) instead of unpickling it
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_states"] = {}
        return state

    def with_options(self, **options) -> FlavioLikelihood:
        """A copy with other sample sizes, seed or threads (e.g. small N in tests)."""
        kw = dict(observables=self.observables, measurements=self.measurements, overlay=self.overlay,
                  samples=self.samples, exp_samples=self.exp_samples, seed=self.seed,
                  threads=self.threads, description=self.description, references=self.references)
        kw.update(options)
        return FlavioLikelihood(self.name, **kw)

    def describe(self) -> list[str]:
        lines = [f"observable {o.label}" for o in self.observables]
        lines += [f"measurement {m}" for m in self.measurements]
        return lines

    def cache_key(self, overrides: dict | None = None) -> dict:
        from importlib.metadata import version

        ident = {"flavio": version("flavio"), "observables": [o.label for o in self.observables],
                 "measurements": sorted(self.measurements), "N": self.samples,
                 "Nexp": self.exp_samples, "seed": self.seed,
                 "overrides": {k: float(v) for k, v in sorted((overrides or {}).items())}}
        if self.overlay:
            ident["overlay_sha256"] = hashlib.sha256(_data_text(OVERLAY_FILE).encode()).hexdigest()
        return ident

    def cache_files(self, overrides: dict | None = None) -> tuple[Path, Path]:
        key = json.dumps(self.cache_key(overrides), sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        base = _cache_dir() / f"flavio-likelihood-{digest}"
        return base.with_suffix(".sm.p"), base.with_suffix(".exp.p")

    def prepare(self, overrides: dict | None = None) -> _FlavioState:
        key = json.dumps(overrides or {}, sort_keys=True)
        if key not in self._states:
            self._states[key] = self._build(overrides or {})
        return self._states[key]

    def _build(self, overrides: dict) -> _FlavioState:
        import flavio
        from flavio.statistics.likelihood import FastLikelihood

        from bridge.observables import parameter_constraints

        start = time.perf_counter()
        if self.overlay:
            register_overlay()
        missing = [m for m in self.measurements if m not in flavio.Measurement.instances]
        if missing:
            raise InputError(f"likelihood {self.name}: flavio {flavio.__version__} has no "
                             f"measurement {missing[0]!r}")
        par_obj = parameter_constraints(overrides)
        keys = [o.key for o in self.observables]
        sm_file, exp_file = self.cache_files(overrides)
        digest = sm_file.name.split(".")[0].rsplit("-", 1)[-1]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PROFILE_WARNING)
            fast = FastLikelihood(f"bridge {self.name} {digest}", par_obj=par_obj, observables=keys,
                                  include_measurements=list(self.measurements))
        cold = not (sm_file.exists() and exp_file.exists())
        if not cold:
            try:
                fast.sm_covariance.load(str(sm_file))
                fast.exp_covariance.load(str(exp_file))
            except (OSError, ValueError, KeyError, EOFError, AssertionError):
                cold = True  # unreadable or foreign cache entry: recompute
        shipped = False
        if cold:
            shipped = self._load_shipped(fast, overrides)
        if cold and not shipped:
            print(f"bridge: computing the covariances of likelihood {self.name} (N={self.samples}, "
                  "first use only; minutes)", file=sys.stderr)
            self._compute_covariances(fast)
        if cold:
            self._save(fast, sm_file, exp_file)
        fast.make_measurement()  # both covariances are present: nothing is drawn here
        central, cov_exp = fast.exp_covariance.get(force=False)
        cov_sm = np.atleast_2d(fast.sm_covariance.get(force=False))
        central, cov_exp = np.atleast_1d(central), np.atleast_2d(cov_exp)
        par = par_obj.get_central_all()
        sm_pred = np.array([_predict(o, par, flavio.WilsonCoefficients()) for o in self.observables])
        cov = cov_exp + cov_sm
        resid = sm_pred - central
        chi2_sm = float(resid @ np.linalg.solve(cov, resid))
        used = fast.full_measurement_likelihood.get_measurements
        measured = {o.key: sorted(m for m in used if o.key in flavio.Measurement[m].all_parameters)
                    for o in self.observables}
        return _FlavioState(fast, par, central, cov_exp, cov_sm, cov, sm_pred, chi2_sm, measured,
                            (str(sm_file), str(exp_file)), cold and not shipped,
                            time.perf_counter() - start, shipped)

    def _load_shipped(self, fast, overrides: dict) -> bool:
        """Fill the covariances from bridge/data/flavio_covariances.json if it has this key."""
        entry = shipped_covariances().get(json.dumps(self.cache_key(overrides), sort_keys=True))
        if entry is None:
            return False
        keys = [o.key for o in self.observables]
        fast.sm_covariance.load_dict({"observables": keys,
                                      "covariance": np.array(entry["sm_covariance"])})
        fast.exp_covariance.load_dict({"observables": keys, "central": np.array(entry["exp_central"]),
                                       "covariance": np.array(entry["exp_covariance"])})
        return True

    def shipped_entry(self, overrides: dict | None = None) -> dict:
        """This likelihood's covariances as an entry of bridge/data/flavio_covariances.json."""
        st = self.prepare(overrides)
        return {"key": self.cache_key(overrides), "observables": [o.label for o in self.observables],
                "sm_covariance": st.cov_sm.tolist(), "exp_central": st.central.tolist(),
                "exp_covariance": st.cov_exp.tolist()}

    def _compute_covariances(self, fast) -> None:
        """What flavio's make_measurement draws (experiment first, then SM), with numpy's
        global RNG seeded (and restored) and the measurements in a fixed order."""
        keys = [o.key for o in self.observables]
        state = np.random.get_state()
        try:
            np.random.seed(self.seed)
            central, cov = experimental_covariance(fast.full_measurement_likelihood, self.exp_samples)
            fast.exp_covariance.load_dict({"observables": keys, "central": central, "covariance": cov})
            fast.sm_covariance.get(N=self.samples, threads=self.threads, force=True)
        finally:
            np.random.set_state(state)

    @staticmethod
    def _save(fast, sm_file: Path, exp_file: Path) -> None:
        try:
            sm_file.parent.mkdir(parents=True, exist_ok=True)
            for cov, path in ((fast.sm_covariance, sm_file), (fast.exp_covariance, exp_file)):
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                cov.save(str(tmp))
                os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache only costs time

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        from bridge.observables import make_wilson

        st = self.prepare(point.overrides)
        w = make_wilson(point.coefficients, point.scale)
        # flavio sets this option itself and thereby empties wilson's cache once per point
        w.set_option("parameters", {k: st.par[k] for k in ("Vus", "Vcb", "Vub", "gamma")})
        loglike = st.fast.log_likelihood(st.par, w, delta=True)
        preds = st.fast.likelihood.measurement_likelihood.get_predictions_par(st.par, w)
        pred = np.array([float(preds[o.key]) for o in self.observables])
        sigma = np.sqrt(np.diag(st.cov))
        pulls = (pred - st.central) / sigma
        terms = []
        for i, o in enumerate(self.observables):
            # a_mu is shown as a_mu - a_mu^SM (flavio's SM value), as in `bridge run`
            shift = float(st.sm_predictions[i]) if o.name in SHIFTED else 0.0
            terms.append(Term(SHIFTED.get(o.name, o.label), float(pred[i]) - shift,
                              float(st.central[i]) - shift, float(sigma[i]), float(pulls[i]), None,
                              ", ".join(st.measurements[o.key]), sm=float(st.sm_predictions[i]) - shift))
        notes = ["correlated Gaussian (flavio FastLikelihood): pull = (prediction - central)/sigma "
                 "with sigma^2 = experiment + SM theory; chi2 includes the correlations",
                 "one-sided limits (mu->e gamma, B->K* nu nu) enter as Gaussians with the mean and "
                 "spread of their distribution (FastLikelihood), so a zero prediction has a pull",
                 f"covariances N={self.samples}, Nexp={self.exp_samples}, seed={self.seed}"]
        return LikelihoodResult(self.name, float(-2.0 * loglike), st.chi2_sm, terms, notes)

    def chi2_direct(self, point: ModelPoint) -> float:
        """χ² = rᵀ C⁻¹ r from the cached arrays (a cross-check of flavio's own value)."""
        st = self.prepare(point.overrides)
        res = self.evaluate(point)
        r = np.array([t.prediction - t.central for t in res.terms])
        return float(r @ np.linalg.solve(st.cov, r))


def experimental_covariance(ml, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Central values and covariance of the measurements of ``ml`` (a flavio
    MeasurementLikelihood) from ``n`` random draws each, combined by inverse-covariance
    weighting: flavio 2.7.1's ``MeasurementCovariance.compute``, but drawing the measurements
    in sorted order. flavio iterates a ``set`` of names there, whose order changes with
    PYTHONHASHSEED, so even with numpy seeded its result differed between processes."""
    import flavio

    obs = list(ml.observables)
    means, weights = [], []
    for name in sorted(ml.get_measurements):
        m = flavio.Measurement[name]
        ours = set(m.all_parameters) & set(obs)
        draws = m.get_random_all(size=n)
        arr = np.zeros((len(obs), n))
        for i, o in enumerate(obs):
            if o in ours:
                arr[i] = draws[o]
        mean, cov = np.mean(arr, axis=1), np.atleast_2d(np.cov(arr))
        free = [i for i, o in enumerate(obs) if o not in ours]
        cov[free, :] = 0.0
        cov[:, free] = 0.0
        # an unmeasured observable has infinite variance, i.e. zero weight
        weight = np.zeros_like(cov)
        idx = [i for i in range(len(obs)) if i not in free]
        weight[np.ix_(idx, idx)] = np.linalg.inv(cov[np.ix_(idx, idx)])
        means.append(mean)
        weights.append(weight)
    total = np.linalg.inv(np.sum(weights, axis=0))
    central = total @ np.sum([w @ m for w, m in zip(weights, means, strict=True)], axis=0)
    return central, total


SHIPPED_FILE = "flavio_covariances.json"


def shipped_covariances() -> dict[str, dict]:
    """Covariances shipped with the bridge, by cache key (empty if the file is absent)."""
    try:
        doc = json.loads(_data_text(SHIPPED_FILE))
    except (FileNotFoundError, ValueError):
        return {}
    return {json.dumps(e["key"], sort_keys=True): e for e in doc.get("entries", [])}


def write_shipped_covariances(names_: Iterable[str] = ("flavio", "flavio-2.7.1"),
                              path: str | os.PathLike | None = None) -> Path:
    """Compute (or take from the disk cache) the default covariances and write them to the
    package's data file, so that a new installation skips the slow first step. Run after
    changing the observables, measurements, overlay or flavio version:
    ``python -c "from bridge.likelihood import write_shipped_covariances as w; w()"``."""
    entries = [get_likelihood(n).shipped_entry() for n in names_]
    doc = {"description": "flavio FastLikelihood covariances of the bridge's default flavio "
                          "likelihoods (bridge.likelihood.write_shipped_covariances); used when "
                          "the key matches exactly", "entries": entries}
    path = Path(path) if path else Path(__file__).parent / "data" / SHIPPED_FILE
    path.write_text(json.dumps(doc, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _predict(obs: Observable, par: dict, wc) -> float:
    import flavio

    return float(flavio.Observable[obs.name].prediction_par(par, wc, *obs.args))


# ---------------------------------------------------------------------------
# smelli (optional)
# ---------------------------------------------------------------------------


class SmelliLikelihood(Likelihood):
    """smelli's GlobalLikelihood in WET (optional dependency; ~10 s per point).

    χ² is −2 Δlog L relative to the SM, so χ²_SM = 0 and Δχ² = 2 Δlog L; one term per
    smelli likelihood file (no central value or σ: ``central``, ``sigma`` are None and
    ``pull`` is the signed √|Δχ²| of the file). −inf (ecosystem.md T8) is clipped to 1e6.
    """

    needs_flavio = True
    cost = "~10-13 s per point, ~10 s and 1 GB to construct (pip install smelli)"

    def __init__(self):
        self.name = "smelli"
        self.description = "smelli global likelihood in WET (optional: pip install smelli)"
        self.references = ("Aebischer, Kumar, Stangl, Straub, arXiv:1810.07698",)
        self._gl = None

    def __getstate__(self):
        return {**self.__dict__, "_gl": None}

    @staticmethod
    def available() -> bool:
        import importlib.util

        return importlib.util.find_spec("smelli") is not None

    def prepare(self, overrides=None):
        if not self.available():
            raise InputError("likelihood smelli needs smelli: pip install smelli")
        if self._gl is None:
            import smelli

            self._gl = smelli.GlobalLikelihood(eft="WET", basis="flavio")
        return self._gl

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        from bridge.observables import make_wilson

        gl = self.prepare()
        pp = gl.parameter_point(make_wilson(point.coefficients, point.scale))
        terms = []
        for name, dll in sorted(pp.log_likelihood_dict().items()):
            if name == "global":
                continue
            d = float(-2.0 * dll) if math.isfinite(dll) else 1e6
            terms.append(Term(name, None, None, None, math.copysign(math.sqrt(abs(d)), d), d,
                              "smelli"))
        total = float(sum(t.chi2 for t in terms))
        glob = pp.log_likelihood_global()
        if math.isfinite(glob):
            total = float(-2.0 * glob)
        return LikelihoodResult(self.name, total, 0.0, terms,
                                ["chi2 = -2 Delta log L relative to the SM (smelli)"], relative=True)


# ---------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------

_REFS_FLAVIO = ("Straub, flavio: a Python package for flavour and precision phenomenology, "
                "arXiv:1810.08132",)

#: name → factory. Factories are cheap (flavio is imported on first evaluation).
REGISTRY: dict[str, Callable[[], Likelihood]] = {
    "flavio": lambda: FlavioLikelihood(
        "flavio", FLAVIO_OBSERVABLES, MEASUREMENTS_TODAY, overlay=True,
        description="flavio FastLikelihood, 21 observables (R_K(*), b->s gamma, Delta M_s, "
                    "B->K(*)nunu, Bs->mumu, a_mu, mu->e gamma, b->s mumu BRs, P5'), flavio 2.7.1 "
                    "data + Belle II 2023 B->K nunu + MEG II 2025 mu->e gamma",
        references=(*_REFS_FLAVIO, "Belle II, arXiv:2311.14647", "MEG II, arXiv:2504.15711")),
    "flavio-2.7.1": lambda: FlavioLikelihood(
        "flavio-2.7.1", FLAVIO_OBSERVABLES, MEASUREMENTS_FLAVIO, overlay=False,
        description="as flavio, with flavio 2.7.1's measurements only (MEG 2016, no Belle II)",
        references=_REFS_FLAVIO),
    "seed2023": lambda: _seed_likelihood("seed2023"),
    "seed2021": lambda: _seed_likelihood("seed2021"),
    "smelli": SmelliLikelihood,
}


def names() -> list[str]:
    return list(REGISTRY)


def get_likelihood(name: str) -> Likelihood:
    """The likelihood registered as ``name`` (an InputError naming the known ones otherwise)."""
    try:
        factory = REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown likelihood {name!r} (known: {', '.join(REGISTRY)})") from None
    lik = factory()
    if isinstance(lik, SmelliLikelihood) and not lik.available():
        raise InputError("likelihood smelli needs smelli, which is not installed: pip install smelli")
    return lik


def get_likelihoods(names_: Iterable[str]) -> Likelihood:
    """One likelihood, or the sum of several (a name given twice is an error)."""
    names_ = list(names_)
    if not names_:
        raise InputError("no likelihood given (see `bridge likelihoods`)")
    dup = sorted({n for n in names_ if names_.count(n) > 1})
    if dup:
        raise InputError(f"likelihood {dup[0]!r} given twice")
    parts = [get_likelihood(n) for n in names_]
    return parts[0] if len(parts) == 1 else CombinedLikelihood(parts)


def evaluate_all(likelihood: Likelihood, point: ModelPoint, n_free: int = 0) -> list[LikelihoodResult]:
    """Per-likelihood results (a CombinedLikelihood gives one result per part)."""
    if isinstance(likelihood, CombinedLikelihood):
        results = likelihood.evaluate_all(point)
    else:
        results = [likelihood.evaluate(point)]
    for r in results:
        r.n_free = n_free
    return results


def _fmt(x, spec: str = " .4e") -> str:
    return "-" if x is None else format(x, spec)


def format_results(results: list[LikelihoodResult]) -> str:
    """The text table printed by ``bridge run --likelihood`` and ``bridge fit``."""
    lines = []
    for r in results:
        p = "-" if r.p_value is None else f"{r.p_value:.3g}"
        lines.append(f"likelihood {r.name}: chi2 = {r.chi2:.4g}, chi2_SM = {r.chi2_sm:.4g}, "
                     f"Delta chi2 = chi2_SM - chi2 = {r.delta_chi2:+.4g}, dof = {r.dof}, p = {p}")
        lines.append(f"  {'term':<30s} {'model':>12s} {'SM':>12s} {'central':>12s} {'sigma':>10s} "
                     f"{'pull':>7s}")
        for t in r.terms:
            lines.append(f"  {t.name:<30s} {_fmt(t.prediction):>12s} {_fmt(t.sm):>12s} "
                         f"{_fmt(t.central):>12s} {_fmt(t.sigma, '10.3e'):>10s} {t.pull:+7.2f}")
        for note in r.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)
