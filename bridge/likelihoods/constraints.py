"""Constraint terms: one observable each, added to any likelihood.

``bridge fit CARD --likelihood seed2023 --constraint mu_egamma --constraint bsgamma ...`` (or
the named combinations ``seed2023-constrained``, ``seed2021-constrained``, ``constraints``)
adds to the likelihood one term per constraint, so that a fit cannot land where the bridge
computes an observable far outside its experimental limit (the seed papers kept MEG, b→sγ,
B_s mixing and B→K(*)νν̄ as constraints).

The experimental side is the measurement set of the ``flavio`` likelihood, read as in the
``bridge run`` table (:mod:`bridge.likelihoods.experiment`): an upper limit gives a one-sided
term (half-normal at zero, χ² = 2.71 at a 90% CL limit), a measurement a Gaussian term; the
prediction is flavio's at the point, and σ_th is flavio's SM uncertainty of the run table
(shipped for the default settings). The terms:

``mu_egamma``
    BR(μ→eγ) < 1.5×10⁻¹³ at 90% CL, MEG II, arXiv:2504.15711 (one-sided).
``b_kstarnunu``
    BR(B⁰→K*⁰νν̄) < 1.8×10⁻⁵ at 90% CL, Belle, Grygier et al., PRD 96 (2017) 091101,
    arXiv:1702.03224 (one-sided; the tightest of the set's three limits, the others Belle
    2013, arXiv:1303.3719, and BaBar 2013, arXiv:1303.7465).
``b_knunu``
    BR(B⁺→K⁺νν̄): Belle II 2023, arXiv:2311.14647, (2.3 +0.7 −0.6)×10⁻⁵ — a measurement, not
    a limit, so the term is two-sided — combined with the Belle (arXiv:1702.03224,
    arXiv:1303.3719) and BaBar (arXiv:1303.7465, arXiv:1009.1529) analyses as the ``flavio``
    likelihood does: (1.31 ± 0.30)×10⁻⁵.
``bsgamma``
    BR(B→X_sγ)_{E_γ>1.6 GeV} = (3.27 ± 0.14)×10⁻⁴, the world average of flavio's
    "B->Xgamma WA 2017" (INSPIRE Misiak:2017bgg), ⊕ σ_th.
``deltams``
    ΔM_s = 17.757 ± 0.021 ps⁻¹, HFLAV summer 2015 (INSPIRE Amhis:2014hma), ⊕ σ_th (≈ 4%,
    which dominates).
``g_minus_2``
    Δa_μ = a_μ^exp − a_μ^SM = (38.5 ± 63.7)×10⁻¹¹: the 2025 world average of the Muon g−2
    experiment, 116 592 071.5(14.5)×10⁻¹¹ (INSPIRE Muong-2:2025xyk), minus the Theory
    Initiative's 2025 SM value 116 592 033(62)×10⁻¹¹ (arXiv:2505.21476), whose error is σ_th
    here; the model side is flavio's a_μ shift (QED-run C7_mumu, ~5% below the one-loop value).

**Adding a term.** A term is an object with ``name``, ``description``, ``references``,
``constrains`` (observable labels or quantities, for the double-counting check) and
``evaluate(point, context) -> Term``, ``sm_chi2(context) -> float``; register a factory in
:data:`TERMS` (the dark-matter ``relic`` term of :mod:`bridge.darkmatter` fits this: its
point is the :class:`~bridge.likelihoods.point.ModelPoint`, whose ``sector`` holds the dark
sector). A term given twice, or one whose observable a chosen likelihood already holds (the
``flavio`` likelihood has all of the above; ``seed2023`` has Δa_μ), is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bridge.errors import InputError
from bridge.likelihoods.base import Likelihood
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.result import LikelihoodResult, Term
from bridge.observable import Observable


class Context:
    """What the terms of one evaluation share: flavio's predictions at the point and at the
    SM (computed once per observable), σ_th and the experiments of the measurement set."""

    def __init__(self, point: ModelPoint | None, overrides: dict, cache: dict):
        self.point, self.overrides, self._cache = point, dict(overrides or {}), cache
        self._np: dict[str, float] = {}
        self._wc = None

    def _par(self) -> dict:
        key = ("par", json.dumps(self.overrides, sort_keys=True))
        if key not in self._cache:
            from bridge.flavio_setup import parameter_constraints

            self._cache[key] = parameter_constraints(self.overrides).get_central_all()
        return self._cache[key]

    def sm(self, obs: Observable) -> float:
        """flavio's SM prediction (cached across points)."""
        key = ("sm", obs.label, json.dumps(self.overrides, sort_keys=True))
        if key not in self._cache:
            import flavio

            self._cache[key] = float(flavio.Observable[obs.name].prediction_par(
                self._par(), flavio.WilsonCoefficients(), *obs.args))
        return self._cache[key]

    def prediction(self, obs: Observable) -> float:
        """flavio's prediction at the point (the SM without a point)."""
        if self.point is None:
            return self.sm(obs)
        if obs.label not in self._np:
            import flavio

            from bridge.flavio_setup import make_wilson

            if self._wc is None:
                w = make_wilson(self.point.coefficients, self.point.scale)
                self._wc = flavio.WilsonCoefficients.from_wilson(w, self._par())
            self._np[obs.label] = float(flavio.Observable[obs.name].prediction_par(
                self._par(), self._wc, *obs.args))
        return self._np[obs.label]

    def sigma_th(self, obs: Observable) -> float:
        """flavio's SM uncertainty, as in the `bridge run` table (defaults: shipped)."""
        key = ("sigma_th", json.dumps(self.overrides, sort_keys=True))
        if key not in self._cache:
            from bridge.observables import CORE_OBSERVABLES, sm_uncertainty_draws

            # the SM values this context computes (not a second flavio pass inside)
            sm_values = {s.observable.label: self.sm(s.observable) for s in CORE_OBSERVABLES}
            self._cache[key] = sm_uncertainty_draws(CORE_OBSERVABLES, self.overrides, 50, 1,
                                                    sm_values, self._experiments())[0]
        return self._cache[key][obs.label]

    def _experiments(self) -> dict:
        if "experiments" not in self._cache:
            from bridge.observables import CORE_OBSERVABLES, row_experiments

            self._cache["experiments"] = row_experiments(CORE_OBSERVABLES)
        return self._cache["experiments"]

    def experiment(self, obs: Observable):
        return self._experiments()[obs.label]


@dataclass(frozen=True)
class ObservableTerm:
    """A term on one observable of the `bridge run` table, against the measurement set."""

    name: str
    observable: Observable
    description: str
    references: tuple[str, ...]
    shift_sm: bool = False  # compare the NP shift (a_mu → Δa_μ)
    also_constrains: tuple[str, ...] = ()  # quantities of other likelihoods that are the same

    @property
    def constrains(self) -> tuple[str, ...]:
        return (self.observable.label, *self.also_constrains)

    def evaluate(self, point: ModelPoint | None, context: Context) -> Term:
        exp = context.experiment(self.observable)
        sigma_th = context.sigma_th(self.observable)
        shift = context.sm(self.observable) if self.shift_sm else 0.0
        value = context.prediction(self.observable) - shift
        sm_value = context.sm(self.observable) - shift
        sigma = (exp.sigma**2 + sigma_th**2) ** 0.5
        pull = exp.pull(value, sigma_th, shift)
        central = None if exp.is_limit else exp.central - shift
        return Term(self.name, value, central, sigma, pull, exp.chi2(value, sigma_th, shift),
                    f"{exp.describe(shift)}: {exp.source()}", sm=sm_value)

    def sm_chi2(self, context: Context) -> float:
        return self.evaluate(None, context).chi2


def _term(name, obs, description, refs, **kw) -> Callable[[], ObservableTerm]:
    return lambda: ObservableTerm(name, obs, description, tuple(refs), **kw)


#: name → factory of a constraint term (see the module docstring; add new kinds here).
TERMS: dict[str, Callable[[], object]] = {
    "mu_egamma": _term("mu_egamma", Observable("BR(mu->egamma)"),
                       "BR(mu->e gamma) < 1.5e-13 (90% CL), MEG II 2025, one-sided",
                       ["MEG II, arXiv:2504.15711"]),
    "b_kstarnunu": _term("b_kstarnunu", Observable("BR(B0->K*nunu)"),
                         "BR(B0->K*0 nu nu) < 1.8e-5 (90% CL), Belle 2017, one-sided",
                         ["Belle, Grygier et al., PRD 96 (2017) 091101, arXiv:1702.03224"]),
    "b_knunu": _term("b_knunu", Observable("BR(B+->Knunu)"),
                     "BR(B+->K+ nu nu): Belle II 2023 with the Belle/BaBar analyses (Gaussian)",
                     ["Belle II, arXiv:2311.14647", "Belle, arXiv:1702.03224, arXiv:1303.3719",
                      "BaBar, arXiv:1303.7465, arXiv:1009.1529"]),
    "bsgamma": _term("bsgamma", Observable("BR(B->Xsgamma)"),
                     "BR(B->X_s gamma) = (3.27 +- 0.14)e-4 (+) SM theory error (Gaussian)",
                     ["world average in flavio 'B->Xgamma WA 2017', INSPIRE Misiak:2017bgg"]),
    "deltams": _term("deltams", Observable("DeltaM_s"),
                     "Delta M_s = 17.757 +- 0.021 ps^-1 (+) SM theory error (Gaussian)",
                     ["HFLAV summer 2015, INSPIRE Amhis:2014hma"]),
    "g_minus_2": _term("g_minus_2", Observable("a_mu"),
                       "Delta a_mu = (38.5 +- 63.7)e-11: Muon g-2 2025 minus the WP25 SM (Gaussian)",
                       ["Muon g-2, INSPIRE Muong-2:2025xyk", "SM: Aliberti et al., arXiv:2505.21476"],
                       shift_sm=True, also_constrains=("Delta_a_mu",)),
}

#: The terms of the named combinations (``constraints`` is all of them).
FLAVOUR_LIMITS = ("mu_egamma", "b_kstarnunu", "b_knunu", "bsgamma", "deltams")


class ConstraintLikelihood(Likelihood):
    """The sum of constraint terms (each term one :class:`Term` of the result)."""

    needs_flavio = True
    cost = "~0.1-1 s per point (flavio predictions of the constrained observables)"

    def __init__(self, names, name: str = "constraints", origin: str = ""):
        names = list(names)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"constraint {dup[0]!r} given twice")
        unknown = [n for n in names if n not in TERMS]
        if unknown:
            raise InputError(f"unknown constraint {unknown[0]!r} (known: {', '.join(TERMS)})")
        if not names:
            raise InputError("no constraint given")
        self.terms = [TERMS[n]() for n in names]
        self.name = name
        self.origin = origin or " ".join(f"--constraint {n}" for n in names)
        self.description = "constraint terms: " + ", ".join(names)
        self.references = tuple(r for t in self.terms for r in t.references)
        self._cache: dict = {}

    def __getstate__(self):
        return {**self.__dict__, "_cache": {}}

    def constrains(self) -> set[str]:
        return {c for t in self.terms for c in t.constrains}

    def describe(self) -> list[str]:
        return [f"{t.name}: {t.description}" for t in self.terms]

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        context = Context(point, point.overrides, self._cache)
        terms = [t.evaluate(point, context) for t in self.terms]
        key = ("chi2_sm", json.dumps(point.overrides or {}, sort_keys=True))
        if key not in self._cache:
            sm_context = Context(None, point.overrides, self._cache)
            self._cache[key] = float(sum(t.sm_chi2(sm_context) for t in self.terms))
        notes = ["one-sided terms (upper limits): chi2 = (max(x, 0)/sigma)^2 with sigma^2 = "
                 "(limit/z_CL)^2 + sigma_th^2; Gaussian terms: sigma^2 = sigma_exp^2 + sigma_th^2"]
        return LikelihoodResult(self.name, float(sum(t.chi2 for t in terms)), self._cache[key],
                                terms, notes)
