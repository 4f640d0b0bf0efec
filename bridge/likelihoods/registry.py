"""The named likelihoods: ``bridge likelihoods`` lists them, :func:`get_likelihood` builds them.

A likelihood turns a model point (Wilson coefficients at the hand-over scale, the
one-loop dipoles and the plugin's breakdown of the coefficients) into a χ² with one
term per observable: prediction, central value, σ, pull. The total reports
χ², χ²_SM (the same likelihood at the SM point), Δχ² = χ²_SM − χ² (> 0: better than
the SM) and the p-value of χ² for the number of terms (minus fitted parameters).

Registered names:

``flavio``
    flavio's FastLikelihood for the 21 observables of ``FLAVIO_OBSERVABLES`` (the
    ``bridge run`` table plus b→sμμ branching ratios and P5') with flavio 2.7.1's data plus
    ``bridge/data/measurements.yml`` (Belle II 2023 B⁺→K⁺νν̄, MEG II 2025 μ→eγ); theory and
    experiment in one multivariate Gaussian, covariances cached (and shipped for the
    defaults): :mod:`bridge.likelihoods.flavio_fast`.
``flavio-2.7.1``
    the same with flavio 2.7.1's measurements only (:data:`MEASUREMENTS_FLAVIO`).
``flavio-lfv``
    charged-lepton flavour violation: BR(μ→3e) (SINDRUM 1988), CR(μ→e) in Au and Ti
    (SINDRUM II 2006, 1993), BR(τ→μγ) (Belle 2021), BR(τ→eγ) (BaBar 2010), BR(τ→3μ)
    (Belle II 2024), BR(τ→3e) (Belle 2010); μ→eγ stays in ``flavio``, so the two add.
``flavio-lfv-projected``
    the coming reach: MEG II design, Mu3e phase I, Mu2e Run I (bridge/data/
    measurements_projected.yml) with today's τ limits; instead of ``flavio-lfv`` and ``flavio``.
``flavio-quark``
    quark flavour beyond b→s: ΔM_d, S_ψK, B⁰→μμ, B⁺→π⁺μμ, ε_K, K⁺→π⁺νν̄ (E949, NA62 2024),
    K_L→π⁰νν̄ (KOTO 2024), x12Im_D (HFLAV).
``flavio-bsmumu``
    the b→sμμ observables of ``flavio`` alone (R_K(*), B_s→μμ, branching ratios, P5'), for
    a b→sμμ band beside the a_μ term of ``flavio`` (examples/table2_fig2.sh).
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
``relic``, ``direct-detection``, ``invisible``
    the dark-matter terms (:mod:`bridge.likelihoods.darkmatter`): Ωh² against Planck with a
    10% theory error, σ_SI against the strongest SI limit (LZ 2024 or XENONnT 2025), σ_SD
    against XENONnT 2025, the invisible Higgs and Z widths; they
    need the point's dark-matter summary, which run, fit and scan then compute.
``smelli`` (only with ``pip install smelli``)
    smelli's global likelihood in WET (Aebischer, Kumar, Stangl, Straub,
    arXiv:1810.07698): χ² = −2 Δlog L against the SM (χ²_SM = 0), ~10 s per point.
``constraints``
    every constraint term of :mod:`bridge.likelihoods.constraints` (MEG II μ→eγ, B→K(*)νν̄,
    B→X_sγ, ΔM_s, g−2), against the measurement set of ``flavio``.
``seed2023-constrained``, ``seed2021-constrained``
    the seed likelihood plus the constraints the seed papers kept (μ→eγ, B→K(*)νν̄, b→sγ,
    B_s mixing: :data:`~bridge.likelihoods.constraints.FLAVOUR_LIMITS`).

Single terms are added with ``--constraint NAME`` (:func:`get_likelihoods`); a term whose
observable a chosen likelihood already holds is refused, as is any other double counting.

The conventions of the seed likelihoods are in :mod:`bridge.likelihoods.gaussian`, the
flavio ones in :mod:`bridge.likelihoods.flavio_fast`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bridge.errors import InputError
from bridge.likelihoods.base import CombinedLikelihood, Likelihood, check_overlap
from bridge.likelihoods.constraints import FLAVOUR_LIMITS, TERMS, ConstraintLikelihood
from bridge.likelihoods.flavio_fast import (
    flavio_2_7_1,
    flavio_bsmumu,
    flavio_lfv,
    flavio_lfv_projected,
    flavio_quark,
    flavio_today,
)
from bridge.likelihoods.gaussian import seed_likelihood
from bridge.likelihoods.smelli import SmelliLikelihood


def dark_matter(class_name: str):
    """Factory of a dark-matter likelihood, imported when asked for: bridge.darkmatter imports
    scipy.special and scipy.stats (~0.4 CPU-s), which a command naming other likelihoods
    (a seed fit) does not need."""
    def make():
        from bridge.likelihoods import darkmatter

        return getattr(darkmatter, class_name)()
    return make


def constrained(base: str, terms=FLAVOUR_LIMITS):
    """Factory of the named combination ``<base>-constrained``: the likelihood plus the terms."""
    def make():
        return CombinedLikelihood([get_likelihood(base), ConstraintLikelihood(
            terms, origin=f"likelihood {base}-constrained")])
    return make


#: name → factory. Factories are cheap (flavio is imported on first evaluation).
REGISTRY: dict[str, Callable[[], Likelihood]] = {
    "flavio": flavio_today,
    "flavio-2.7.1": flavio_2_7_1,
    "flavio-lfv": flavio_lfv,
    "flavio-lfv-projected": flavio_lfv_projected,
    "flavio-quark": flavio_quark,
    "flavio-bsmumu": flavio_bsmumu,
    "seed2023": lambda: seed_likelihood("seed2023"),
    "seed2021": lambda: seed_likelihood("seed2021"),
    "smelli": SmelliLikelihood,
    "relic": dark_matter("RelicLikelihood"),
    "direct-detection": dark_matter("DirectDetectionLikelihood"),
    "invisible": dark_matter("InvisibleLikelihood"),
    "constraints": lambda: ConstraintLikelihood(list(TERMS), origin="likelihood constraints"),
    "seed2023-constrained": constrained("seed2023"),
    "seed2021-constrained": constrained("seed2021"),
}


def needs_dark_matter(likelihood) -> bool:
    """Whether a likelihood (or any part of a sum) reads the dark-matter summary."""
    parts = likelihood.parts if isinstance(likelihood, CombinedLikelihood) else [likelihood]
    return any(getattr(p, "needs_dark_matter", False) for p in parts)


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


def get_likelihoods(names_: Iterable[str], constraints: Iterable[str] = ()) -> Likelihood:
    """One likelihood, or the sum of several, plus the constraint terms ``constraints``
    (``--constraint``). A name given twice, or two parts constraining the same observable,
    is an error."""
    names_, constraints = list(names_), list(constraints)
    if not names_ and not constraints:
        raise InputError("no likelihood given (see `bridge likelihoods`)")
    dup = sorted({n for n in names_ if names_.count(n) > 1})
    if dup:
        raise InputError(f"likelihood {dup[0]!r} given twice")
    parts = [get_likelihood(n) for n in names_]
    if constraints:
        parts.append(ConstraintLikelihood(constraints))
    notes = check_overlap(parts, strict=lambda lik: isinstance(lik, ConstraintLikelihood))
    flat = [q for p in parts for q in (p.parts if isinstance(p, CombinedLikelihood) else [p])]
    return flat[0] if len(flat) == 1 else CombinedLikelihood(flat, notes)
