"""From the one-loop coefficients at the matching scale to the coefficients handed to wilson.

The engine's one-loop coefficients are μ-independent at this order and belong at a matching
scale μ_M of the order of the dark masses (bridge.running.matching_scale: the heaviest dark
state). :func:`to_handover` runs them with bridge.running (leading-log QCD for C7/C8 and ΔF = 2,
QED for the lepton dipoles, six flavours above m_t) from μ_M to the hand-over scale μ_0
(Block BRIDGE entry 2, default 160 GeV), where wilson takes over, and keeps both sets. The route
of every point is bridge.running.route (today always leading-log WET; the reason is stated).

* μ_M ≤ μ_0 (all dark states light): nothing runs above μ_0; the coefficients are handed over
  as matched.
* Lepton dipoles (C7_ℓℓ, Cgamma): the flavio normalisation of C7_ℓℓ at μ_M divides by the
  running m_ℓ(μ_M), the mass whose running is the 6 of wilson's γ = 16
  (bridge.running.lepton_mass_ratio, ≈ 0.975 m_ℓ at 1 TeV); the external-mass (non-enhanced)
  terms of the dipole use the same m_ℓ(μ_M). The dipole is linear in the lepton masses at fixed
  dark sector, c(λ m) = c(m) + (λ − 1)(c(2m) − c(m)), so two engine evaluations give it at
  λ = m_ℓ(μ_M)/m_ℓ for every point of a batch. Only for dipoles the engine computed (not a
  plugin's ``bridge_dipoles`` hook).
* A coefficient without a leading-log rule in bridge.running (a plugin's scalar operator, say)
  is handed over unrun and named in :attr:`Handover.unrun`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge import engine, lfv, matching, running

#: Coefficients whose flavio normalisation or matching involves the lepton masses.
LEPTON_MASS_DEPENDENT = ("C7_ee", "C7_mumu", "C7_tautau")
#: The lepton dipoles of matching.lepton_dipoles and lfv.tau_dipoles (the engine's).
_ENGINE_DIPOLE_NAMES = (*LEPTON_MASS_DEPENDENT, "Cgamma_mue", "Cgamma_emu", *lfv.TAU_DIPOLES)


@dataclass
class Handover:
    """The coefficients at both scales (numbers, or arrays (N,) for a batch)."""

    matching_scale: float | np.ndarray  # μ_M (≥ μ_0: the scale the run starts from)
    handover_scale: float  # μ_0, where wilson takes over
    route: str
    matching: dict[str, complex]  # at μ_M
    coefficients: dict[str, complex]  # at μ_0
    unrun: list[str] = field(default_factory=list)


def dark_masses(spectrum) -> np.ndarray:
    """Masses of the dark states (the sector's if the spectrum has one), shape (n,) or (n, N)."""
    sector = spectrum.sector
    states = (*sector.fermions, *sector.scalars) if sector is not None else spectrum.particles
    return np.array(np.broadcast_arrays(*(np.asarray(p.mass, dtype=float) for p in states)))


def matching_scales(masses: np.ndarray, handover: float) -> np.ndarray | float:
    """μ_M = the heaviest |mass| (bridge.running.matching_scale), at least the hand-over scale."""
    heaviest = np.max(np.abs(masses), axis=0)
    return np.maximum(heaviest, handover) if np.ndim(heaviest) else max(float(heaviest), handover)


def to_handover(coefficients: dict, spectrum, sm, handover: float, *, engine_dipoles: bool,
                par=None) -> Handover:
    """Run ``coefficients`` (at μ_M) to ``handover``; ``engine_dipoles``: the lepton dipoles
    are the engine's (renormalised with m_ℓ(μ_M)); ``par``: α_s(M_Z), α_e(M_Z) under flavio's
    names (bridge.couplings.inputs), None: flavio's defaults."""
    masses = dark_masses(spectrum)
    mu_m = matching_scales(masses, handover)
    # the route's reason names the lightest state (of the batch's lightest point)
    route = running.route(np.abs(masses).reshape(masses.shape[0], -1).min(axis=1))
    at_mu_m = dict(coefficients)
    if engine_dipoles and spectrum.sector is not None:
        # the engine's dipoles at the physical masses are already in ``coefficients``
        at_mu_m.update(lepton_dipoles_at(spectrum.sector, sm, running.lepton_mass_ratio(mu_m, par),
                                         set(coefficients), at_masses=coefficients))
    ruled = {k: v for k, v in at_mu_m.items() if _has_rule(k)}
    unrun = sorted(set(at_mu_m) - set(ruled))
    if np.ndim(mu_m):
        ran = running.run_batch(ruled, mu_m, handover, par) if ruled else {}
    elif mu_m > handover:
        ran = running.run_coefficients(ruled, mu_m, handover, par)
    else:
        ran = dict(ruled)
    ran.update({k: at_mu_m[k] for k in unrun})
    if not np.ndim(mu_m) and mu_m <= handover:
        route = (f"no running above the hand-over scale: the heaviest dark state is below "
                 f"{handover:g} GeV")
    return Handover(mu_m, handover, route, at_mu_m, ran, unrun)


def _has_rule(name: str) -> bool:
    try:
        running.sector_of(name)
    except ValueError:
        return False
    return True


def lepton_dipoles_at(sector, sm, ratio, names: set[str], at_masses: dict | None = None) -> dict:
    """C7_ℓℓ and Cgamma with every lepton mass m_ℓ → ratio × m_ℓ (in the dipole and in the
    C7_ℓℓ normalisation), for the names present; ``ratio`` a number or an array (N,).
    ``at_masses``: the engine's values at the physical masses (matching.lepton_dipoles and
    lfv.tau_dipoles of the same sector, as the pipeline has them); None: computed here.

    The dipole of Hisano et al. (hep-ph/9510309; physics.md §7, bridge.engine.dipole) at fixed
    dark sector is c = m_in X + m_out Y + F: linear in the external masses with the chirality
    flip F = c(m_ℓ = 0) (the l_o r_i^* m_a term) independent of them, so
    c(λ m) = c + (λ − 1)(c − F). F is an engine evaluation at zero lepton masses, and only where
    the flip couplings (l of the outgoing, r of the incoming lepton) are not all zero (F = 0
    exactly otherwise: the scotogenic model's C7_ee, Cgamma and τ dipoles whose leptons couple to
    N and η with one chirality; its leptoquark gives the others a flip), on the distinct points
    of what the leptons couple to (lfv.lepton_points)."""
    if at_masses is None:
        one = {**matching.lepton_dipoles(sector, sm), **lfv.tau_dipoles(sector, sm)}
    else:
        one = {k: v for k, v in at_masses.items() if k in _ENGINE_DIPOLE_NAMES}
    flip = _chirality_flips(sector, sm, [name for name in names if name in one])
    out = {}
    for name in names:
        if name not in one:
            continue
        c1, f = one[name], flip.get(name, 0.0)
        moving = c1 - f if name in flip else c1  # the part ∝ the lepton masses
        if name in LEPTON_MASS_DEPENDENT:  # C7 = c/(N m): C7(λ) = [C7 + (λ−1)(C7 − F/(N m))]/λ
            out[name] = (c1 + (ratio - 1.0) * moving) / ratio
        else:  # Cgamma: dimensionful, c(λ) = c + (λ − 1)(c − F)
            out[name] = c1 + (ratio - 1.0) * moving
    return out


#: The (outgoing, incoming) leptons of each engine dipole name.
_DIPOLE_LEPTONS = {"C7_ee": ("e", "e"), "C7_mumu": ("mu", "mu"), "C7_tautau": ("tau", "tau"),
                   "Cgamma_mue": ("e", "mu"), "Cgamma_emu": ("mu", "e"),
                   **lfv.TAU_DIPOLES}


def _chirality_flips(sector, sm, names) -> dict:
    """F of :func:`lepton_dipoles_at` in each name's normalisation, for the names whose flip
    couplings l_out, r_in are not all zero (the others have F = 0 exactly): the names' values
    with every lepton mass set to zero (the C7_ℓℓ normalisation keeps the physical m_ℓ)."""
    # on the distinct points of what the leptons couple to (lfv.lepton_points, cached on the
    # sector; each point computed alone, so the same numbers), spread to the batch
    lep, spread = lfv.lepton_points(sector)
    flipping = [name for name in names
                if np.any(lep.l(_DIPOLE_LEPTONS[name][0])) and np.any(lep.r(_DIPOLE_LEPTONS[name][1]))]
    if not flipping:
        return {}
    e0 = math.sqrt(4.0 * math.pi * sm.alpha_e_0)  # Cgamma = e c_R (matching.lepton_dipoles)
    out = {}
    for name in flipping:
        f_out, f_in = _DIPOLE_LEPTONS[name]
        c_r, _ = engine.dipole(lep, f_out, f_in, 0.0, 0.0, chiralities="R")
        c_r = spread(c_r)
        if name in LEPTON_MASS_DEPENDENT:  # C7_ℓℓ = c_R/(4 G_F/√2 m_ℓ/(16π²)), physical m_ℓ
            m = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau}[f_out]
            out[name] = c_r / (4.0 * sm.GF / math.sqrt(2.0) * m / (16.0 * math.pi**2))
        else:
            out[name] = e0 * c_r
    return out
