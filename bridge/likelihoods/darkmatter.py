"""The dark-matter likelihoods ``relic``, ``direct-detection`` and ``invisible``.

They read the point's dark-matter summary (:mod:`bridge.darkmatter.summary`, in
``ModelPoint.dark_matter``); a point evaluated without it gets it computed here from its card
when the ModelPoint knows the card (``bridge run``, ``bridge fit`` and ``bridge scan`` ask the
pipeline for it when one of these likelihoods is chosen: ``needs_dark_matter``).

* ``relic``: Ωh² against Planck 2018, 0.120 ± 0.001, with a 10% theory error in quadrature
  (:mod:`bridge.darkmatter.likelihood` says why 10%); χ²_SM is not defined (no dark matter in
  the SM) and is reported as the χ² of Ωh² = 0.
* ``direct-detection``: the published 90% CL upper limits are read as one-sided Gaussians of
  zero mean, χ² = (1.2816 σ/σ_lim)² per term (1.2816: the 90% quantile). Two terms, one per
  independent interaction: SI (σ_SI the xenon-weighted per-nucleon cross section, σ_lim the
  strongest published SI limit at the candidate's mass, LZ 2024 or XENONnT 2025) and SD
  (XENONnT 2025's proton-only and neutron-only curves, which come from the same xenon events,
  combined into one ratio ``sd_ratio``, :mod:`bridge.darkmatter.direct`). Taking the strongest
  curve per interaction, not a product over experiments, never counts one coupling twice
  (:mod:`bridge.darkmatter.limits`: the published curves, their sources, where they are valid).
* ``invisible``: Γ(h → inv) against BR(h → inv) < 0.107 (95% CL, ATLAS, arXiv:2301.10731)
  and ΔΓ_Z^inv < 2.0 MeV (95% CL, LEP, hep-ex/0509008), each χ² = (1.645 Γ/Γ_lim)².

A point without a neutral candidate (charged lightest dark state) gets χ² = ∞ from ``relic``
and a note saying why.
"""

from __future__ import annotations

import math

# the standard library's quantile (Wichura's AS241, ~1e-16): scipy.stats would cost every scan
# worker ~1-5 s and 40 MiB of imports (the likelihood registry imports this module)
from statistics import NormalDist

from bridge.darkmatter import constants as C
from bridge.darkmatter.likelihood import THEORY_REL_ERROR, relic_chi2, relic_sigma
from bridge.likelihoods.base import Likelihood
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.result import LikelihoodResult, Term

#: One-sided Gaussian quantiles of the 90% and 95% CL limits (1.2816, 1.6449).
Z90, Z95 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.95)


def dark_matter_of(point: ModelPoint) -> dict:
    """The point's dark-matter summary, computed from its own dark sector if the point lacks it
    (never from its card: a fit's or scan's point is not the card's)."""
    if point.dark_matter is not None:
        return point.dark_matter
    if point.sector is None or point.sm is None:
        raise ValueError("this model point carries no dark-matter summary and no dark sector to "
                         "compute it (evaluate it with dark_matter=True)")
    from bridge.darkmatter.summary import summary

    point.dark_matter = summary(point.sector, point.sm)
    return point.dark_matter


class DarkMatterLikelihood(Likelihood):
    needs_dark_matter = True
    cost = "0.1-0.5 s per point (the dark-matter summary), nothing once it is computed"


class RelicLikelihood(DarkMatterLikelihood):
    name = "relic"
    description = ("relic density Omega h^2 (freeze-out with coannihilation) against Planck 2018, "
                   "0.120 +- 0.001, with a 10% theory error")
    references = ("Planck 2018, arXiv:1807.06209", "Edsjo & Gondolo, hep-ph/9704361")

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        dm = dark_matter_of(point)
        omega = dm["omega_h2"]
        finite = math.isfinite(omega)
        sigma = relic_sigma(omega) if finite else math.nan
        pull = (omega - C.OMEGA_H2_PLANCK) / sigma if finite else math.inf
        chi2 = pull**2 if finite else math.inf
        notes = [dm["error"]] if dm.get("error") else []
        if dm.get("missing"):
            notes.append("channels not implemented here: " + "; ".join(dm["missing"]))
        term = Term("Omega h^2", omega, C.OMEGA_H2_PLANCK, sigma, pull, chi2,
                    "Planck 2018 (arXiv:1807.06209) + 10% theory", sm=0.0)
        return LikelihoodResult(self.name, chi2, relic_chi2(0.0), [term], notes)

    def describe(self) -> list[str]:
        return [f"Omega h^2: {C.OMEGA_H2_PLANCK} +- {C.OMEGA_H2_PLANCK_ERR} (Planck 2018) "
                f"+ {100 * THEORY_REL_ERROR:g}% theory, in quadrature"]


class DirectDetectionLikelihood(DarkMatterLikelihood):
    name = "direct-detection"
    description = ("spin-independent and spin-dependent direct detection against the strongest "
                   "published 90% CL limits (LZ 2024, XENONnT 2025; one-sided Gaussians)")
    references = ("LZ, PRL 135 (2025) 011802, arXiv:2410.17036",
                  "XENONnT, PRL 135 (2025) 221003, arXiv:2502.18005",
                  "Tovey et al., PLB 488 (2000) 17, hep-ph/0005041")

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        dm = dark_matter_of(point)
        notes = [dm["error"]] if dm.get("error") else []
        terms = []
        for name, key, who_key in (("sigma_SI / limit", "si_ratio", "si_experiment"),
                                   ("sigma_SD (p and n on xenon) / limit", "sd_ratio", "sd_experiment")):
            ratio = dm.get(key, math.nan)
            if not math.isfinite(ratio):
                notes.append(f"{name}: no limit at this mass (below the curves' range) or no candidate: "
                             "term left at 0")
                ratio = 0.0
            pull = Z90 * ratio
            source = f"{dm.get(who_key) or 'no curve'} 90% CL"
            terms.append(Term(name, ratio, 0.0, 1 / Z90, pull, pull**2, source, sm=0.0))
        return LikelihoodResult(self.name, sum(t.chi2 for t in terms), 0.0, terms, notes)

    def describe(self) -> list[str]:
        return ["sigma_SI (xenon-weighted, per nucleon) / strongest SI 90% CL limit (LZ 2024, XENONnT 2025): "
                "chi2 = (1.28 ratio)^2",
                "sigma_SD (proton and neutron combined on xenon) / XENONnT 2025 SD 90% CL limits: "
                "chi2 = (1.28 ratio)^2"]


class InvisibleLikelihood(DarkMatterLikelihood):
    name = "invisible"
    description = "invisible Higgs and Z widths against BR(h->inv) < 0.107 and dGamma_Z^inv < 2 MeV (95% CL)"
    references = ("ATLAS, PLB 842 (2023) 137963, arXiv:2301.10731", "LEP, Phys. Rept. 427 (2006) 257")

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        dm = dark_matter_of(point)
        terms, z95 = [], Z95
        for name, key, src in (("Gamma(h->inv) / limit", "h_inv_ratio", "ATLAS 2023, BR < 0.107 (95%)"),
                               ("Gamma(Z->inv) / limit", "z_inv_ratio", "LEP, < 2.0 MeV (95%)")):
            r = dm[key] if math.isfinite(dm[key]) else 0.0
            terms.append(Term(name, r, 0.0, 1 / z95, z95 * r, (z95 * r) ** 2, src, sm=0.0))
        notes = [dm["error"]] if dm.get("error") else []
        return LikelihoodResult(self.name, sum(t.chi2 for t in terms), 0.0, terms, notes)

    def describe(self) -> list[str]:
        return ["Gamma(h->inv)/limit and Gamma(Z->inv)/limit, each chi2 = (1.645 ratio)^2"]
