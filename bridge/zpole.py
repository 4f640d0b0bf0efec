"""Z couplings of the leptons at one loop and flavio's Z-pole observables.

The dark loops shift the Z couplings of the leptons. The engine's Z penguin (physics.md §9,
bridge.engine.z_penguin) with a flavour-diagonal pair gives L ⊃ (g/c_W) Y_X/(16π²) Z_μ
(ℓ̄ γ^μ P_X ℓ) at q² = 0, and the SM term is −(g/c_W) Z_μ ℓ̄ γ^μ (g_L P_L + g_R P_R) ℓ, so

    δg_X^ℓ = −Y_X^ℓ/(16π²),   δg_L^ν = −Y_L^ν/(16π²).

The Z penguin is physics.md §9 (derived there; tested against the charged-Higgs closed form in
tests/test_lfv.py and tests/test_zpole.py). flavio computes the Z-pole observables (Γ(Z→ℓℓ), R_ℓ,
A_ℓ, ...) from SMEFT Warsaw coefficients at M_Z with the Z-coupling shifts of Brivio and Trott,
arXiv:1706.08945, Appendix A.1 (flavio/physics/zdecays/smeftew.py, which cites it):
δg_V^ℓ = −(C_φe + C_φl¹ + C_φl³)/(4√2 G_F), δg_V^ν =
−(C_φl¹ − C_φl³)/(4√2 G_F), the convention v² = 1/(√2 G_F)); the shifts above are that with

    C_φl¹ + C_φl³ = −2√2 G_F δg_L^ℓ,   C_φl¹ − C_φl³ = −2√2 G_F δg_L^ν,   C_φe = −2√2 G_F δg_R^ℓ.

The bridge hands its WET coefficients to wilson below the electroweak scale, where there is no Z;
these SMEFT coefficients are a separate wilson object used only for the Z-pole rows of the
`bridge run` table (:data:`Z_POLE_OBSERVABLES`).

Scope: the vertex at q² = 0: O(M_Z²/M²) corrections of the q² = M_Z² vertex are left out (1% for
M = 1 TeV, more for light states), as are the oblique corrections (S, T of the dark multiplets)
and the dipole and photon-penguin terms, which do not contribute at the Z pole at this order.
The Z penguin needs the sector's Z couplings (None: nothing is computed).
"""

from __future__ import annotations

import math

import numpy as np

from bridge import engine
from bridge.engine import LEPTONS, NEUTRINOS, DarkSector

#: flavio's family index of the leptons in Warsaw names (phil1_22: the muon doublet).
FAMILY = {"e": 1, "mu": 2, "tau": 3, "nu_e": 1, "nu_mu": 2, "nu_tau": 3}
#: The Z-pole observables of the `bridge run` table (flavio computes them from SMEFT at M_Z).
Z_POLE_OBSERVABLES = ("R_e", "R_mu", "R_tau")
#: Scale of the SMEFT coefficients handed to flavio for the Z-pole observables.
Z_SCALE = 91.1876


def vertex_shifts(sector: DarkSector, sm) -> dict[str, complex]:
    """δg_L, δg_R of e, μ, τ and δg_L of the neutrinos (names dgL_Z_mu, dgR_Z_mu, dgL_Z_nu_mu),
    zeros dropped; empty without Z couplings."""
    if sector.z is None:
        return {}
    out = {}
    for lep in LEPTONS:
        for x in ("L", "R"):
            out[f"dg{x}_Z_{lep}"] = -engine.z_penguin(sector, sm, x, lep, lep) / (16.0 * math.pi**2)
    for nu in NEUTRINOS:
        out[f"dgL_Z_{nu}"] = -engine.z_penguin(sector, sm, "L", nu, nu) / (16.0 * math.pi**2)
    return {k: v for k, v in out.items() if np.any(v != 0)}


def warsaw_coefficients(shifts: dict, sm) -> dict[str, float]:
    """phil1_ii, phil3_ii, phie_ii (GeV⁻², real parts: the flavour-diagonal couplings of a
    hermitian Lagrangian are real) reproducing the shifts in flavio's smeftew."""
    norm = -2.0 * math.sqrt(2.0) * sm.GF
    out = {}
    for lep, nu in zip(LEPTONS, NEUTRINOS, strict=True):
        i = FAMILY[lep]
        g_l = complex(shifts.get(f"dgL_Z_{lep}", 0)).real
        g_r = complex(shifts.get(f"dgR_Z_{lep}", 0)).real
        g_nu = complex(shifts.get(f"dgL_Z_{nu}", 0)).real
        plus, minus = norm * g_l, norm * g_nu  # C1 + C3, C1 − C3
        values = {f"phil1_{i}{i}": 0.5 * (plus + minus), f"phil3_{i}{i}": 0.5 * (plus - minus),
                  f"phie_{i}{i}": norm * g_r}
        out.update({k: v for k, v in values.items() if v != 0})
    return out


def z_pole_wilson(coefficients: dict[str, float]):
    """A wilson.Wilson in the SMEFT Warsaw basis at M_Z holding the coefficients (may be empty)."""
    import wilson

    return wilson.Wilson({k: v for k, v in coefficients.items() if v != 0}, scale=Z_SCALE,
                         eft="SMEFT", basis="Warsaw")
