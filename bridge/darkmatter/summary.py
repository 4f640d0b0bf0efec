"""The dark-matter summary of one point (or a batch): what `bridge run` prints, the JSON and the
SLHA Block DARKMATTER carry, the ``relic``, ``direct-detection`` and ``invisible`` likelihoods
use and `bridge scan --dark-matter` stores (columns ``dm:NAME``).

Numbers (:data:`NUMBERS`, also the entries of Block DARKMATTER, in this order):

====  ===============  =====================================================================
  1   omega_h2         relic density Ωh² (freeze-out with coannihilation, :mod:`.relic`)
  2   x_f              m_χ/T_f, where Y = 2.5 Y_eq
  3   mass             candidate mass [GeV]
  4   sigma_v_xf       ⟨σ_eff v⟩ at x_f [cm³/s]
  5   sigma_si_p       SI cross section per proton [cm²] (:mod:`.direct`; ``direct_method``)
  6   sigma_si_n       SI per neutron [cm²]
  7   sigma_sd_p       SD per proton [cm²]
  8   sigma_sd_n       SD per neutron [cm²]
  9   si_limit         90% CL SI limit at the candidate's mass [cm²]: the strongest of LZ 2024 and
                       XENONnT 2025 there (``si_experiment`` names it; :func:`.direct.exclusion`)
 10   si_ratio         xenon-weighted σ_SI / limit (> 1: excluded)
 11   gamma_h_inv      Γ(h → dark pairs) [GeV] (:mod:`.invisible`)
 12   br_h_inv         BR(h → inv)
 13   gamma_z_inv      Γ(Z → dark pairs) [GeV]
 14   h_inv_ratio      Γ(h → inv) / its 95% CL limit
 15   z_inv_ratio      Γ(Z → inv) / its 95% CL limit
 16   sd_p_limit       90% CL SD proton-only limit [cm²] (XENONnT 2025; ``sd_experiment``)
 17   sd_n_limit       90% CL SD neutron-only limit [cm²] (XENONnT 2025)
 18   sd_p_ratio       σ_SD^p / sd_p_limit
 19   sd_n_ratio       σ_SD^n / sd_n_limit
 20   sd_ratio         both together on xenon, (√sd_p_ratio ± √sd_n_ratio)², the sign of a_p a_n
                       (:mod:`.direct`): what the ``direct-detection`` likelihood uses
====  ===============  =====================================================================

(16-20 were added after 1-15, which keep their codes.) Plus ``si_experiment``, ``sd_experiment``
(which collaboration's curve gave the limits), ``direct_method`` (which chain gave σ_SI, σ_SD:
"native tree level", with the reason when DirectDM was asked for but not used, or
"DirectDM <version>", :mod:`.directdm_handover`),
``shares`` (channel → fraction of the annihilation after freeze-out; Block DMCHANNELS
lists those above 0.1%), ``candidate``, ``coannihilators``, ``missing`` (channels not
implemented at this point) and ``error`` (the one-line reason when there is no result, e.g. a
charged lightest dark state).
"""

from __future__ import annotations

import math

import numpy as np

from bridge.errors import ModelError

NUMBERS = ("omega_h2", "x_f", "mass", "sigma_v_xf", "sigma_si_p", "sigma_si_n", "sigma_sd_p", "sigma_sd_n",
           "si_limit", "si_ratio", "gamma_h_inv", "br_h_inv", "gamma_z_inv", "h_inv_ratio", "z_inv_ratio",
           "sd_p_limit", "sd_n_limit", "sd_p_ratio", "sd_n_ratio", "sd_ratio")


def summary(sector, sm, direct: str = "native") -> dict:
    """The dark-matter summary of one (unbatched) DarkSector; never raises for a model that has
    no candidate (``error`` says why, the numbers are NaN). ``direct``: the direct-detection
    chain, "native" or "auto" (DirectDM when installed; :func:`.direct.direct_detection`)."""
    return summaries(sector, sm, direct)[0]


def summaries(sector, sm, direct: str = "native") -> list[dict]:
    """:func:`summary` at every point of a batched DarkSector (one point for an unbatched one);
    the relic densities of all points come from :func:`.relic.relic_densities` together."""
    from bridge.darkmatter.direct import direct_detection
    from bridge.darkmatter.invisible import invisible_widths
    from bridge.darkmatter.relic import point, relic_densities

    relics = relic_densities(sector, sm)
    out = []
    for k, r in enumerate(relics):
        dm: dict = dict.fromkeys(NUMBERS, math.nan)
        dm.update(shares={}, candidate="", coannihilators=[], missing=[], error="", direct_method="",
                  si_experiment="", sd_experiment="")
        out.append(dm)
        if isinstance(r, ModelError):
            dm["error"] = str(r)
            continue
        one = point(sector, k) if sector.batched else sector
        dm.update(omega_h2=r.omega_h2, x_f=r.x_f, mass=r.mass, sigma_v_xf=r.sigma_v_xf,
                  shares={k: float(v) for k, v in sorted(r.shares.items(), key=lambda kv: -kv[1])},
                  candidate=r.candidate, coannihilators=list(r.coannihilators), missing=list(r.missing))
        d = direct_detection(one, sm, direct)
        dm.update(sigma_si_p=float(d.sigma_si_p), sigma_si_n=float(d.sigma_si_n),
                  sigma_sd_p=float(d.sigma_sd_p), sigma_sd_n=float(d.sigma_sd_n), direct_method=d.method)
        dm.update({k: (v if isinstance(v, str) else float(v)) for k, v in vars(d.exclusion).items()})
        inv = invisible_widths(one, sm)
        dm.update(gamma_h_inv=float(inv.gamma_h_inv), br_h_inv=float(inv.br_h_inv),
                  gamma_z_inv=float(inv.gamma_z_inv), h_inv_ratio=float(inv.ratio_h),
                  z_inv_ratio=float(inv.ratio_z))
    return out


def summary_batch(sector, sm, direct: str = "native") -> dict[str, np.ndarray]:
    """The numbers of :func:`summary` over a batched DarkSector (:func:`summaries`), as arrays;
    direct detection with the native formulas by default (0.4 ms of CPU a point; DirectDM with
    ``direct="auto"``: 30-90 ms, benchmarks/directdm_speed.py)."""
    rows = summaries(sector, sm, direct)
    return {name: np.array([row[name] for row in rows], float) for name in NUMBERS}


def report_lines(dm: dict) -> list[str]:
    """The `bridge run` table."""
    if dm.get("error"):
        return ["dark matter: " + dm["error"]]
    lines = [f"dark matter: candidate {dm['candidate']} (m = {dm['mass']:.2f} GeV)"
             + (f", coannihilating with {', '.join(dm['coannihilators'])}" if dm["coannihilators"] else ""),
             f"  Omega h^2 = {dm['omega_h2']:.4g}   x_f = {dm['x_f']:.2f}   "
             f"<sigma v>(x_f) = {dm['sigma_v_xf']:.3e} cm^3/s   (Planck: 0.120 +- 0.001)"]
    shown = [(k, v) for k, v in dm["shares"].items() if v >= 0.01]
    lines.append("  channels: " + ", ".join(f"{k.split(' -> ', 1)[-1] if ' -> ' in k else k} "
                                             f"[{k.split(' -> ')[0]}] {100 * v:.1f}%" for k, v in shown))
    lines.append(f"  sigma_SI(p) = {dm['sigma_si_p']:.3e} cm^2, sigma_SI(n) = {dm['sigma_si_n']:.3e} cm^2, "
                 f"{dm.get('si_experiment') or 'no'} limit {dm['si_limit']:.3e} cm^2 "
                 f"-> ratio {dm['si_ratio']:.3g}")
    lines.append(f"  sigma_SD(p) = {dm['sigma_sd_p']:.3e} cm^2, sigma_SD(n) = {dm['sigma_sd_n']:.3e} cm^2")
    lines.append(f"    {dm.get('sd_experiment') or 'no'} SD limits: proton-only {dm['sd_p_limit']:.3e} cm^2 "
                 f"-> ratio {dm['sd_p_ratio']:.3g}, neutron-only {dm['sd_n_limit']:.3e} cm^2 -> ratio "
                 f"{dm['sd_n_ratio']:.3g}, together on xenon {dm['sd_ratio']:.3g}")
    if dm.get("direct_method"):
        lines.append(f"  (direct detection: {dm['direct_method']})")
    lines.append(f"  Gamma(h -> inv) = {dm['gamma_h_inv']:.3e} GeV (BR {dm['br_h_inv']:.3g}, "
                 f"ratio to limit {dm['h_inv_ratio']:.3g}), Gamma(Z -> inv) = {dm['gamma_z_inv']:.3e} GeV "
                 f"(ratio {dm['z_inv_ratio']:.3g})")
    if dm["missing"]:
        lines.append("  not implemented here (Omega h^2 is an upper estimate): " + "; ".join(dm["missing"]))
    return lines


def slha_rows(dm: dict) -> list[tuple]:
    """Rows (key, value, comment) of Block DARKMATTER (NaN where not computed)."""
    return [(k + 1, dm[name], name) for k, name in enumerate(NUMBERS)]
