"""Invisible widths Γ(h → dark pairs), Γ(Z → dark pairs) and their limits.

Two-body widths with the couplings of bridge.engine (HiggsCouplings, ZCouplings) into pairs of
neutral colourless dark states (the ones a detector does not see):

* h → F_a F_b, vertex −i(A P_L + B P_R):  Γ = k/(8π m_h²) [(|A|²+|B|²)(m_h² − m_a² − m_b²)
  − 4 m_a m_b Re(A B*)] S, with S = ½ for identical particles and k the CM momentum
  (standard two-body formula, e.g. PDG "Kinematics" Eq. (49.17) with the spin sum worked out);
  Majorana: A = Y_ba, B = Y_ba*; Dirac F_b F̄_a: A = Y*_ab, B = Y_ba.
* h → S_A S_B, vertex −i c:  Γ = |c|² k/(8π m_h²) S.
* Z → dark fermion pairs: Σ|M|² evaluated with explicit spinors and polarisation vectors
  (:mod:`.helicity`), Γ = k/(8π m_Z²) · ⅓ Σ|M|² · S (tested against G_F m_Z³/(12√2π) for ν ν̄).
* Z → S_A S_B (scalars), vertex −i(g/c_W) c (p_A − p_B)^μ with c = scalar[B, A] for complex
  states and c = scalar[B, A] − scalar[A, B] for real ones (bridge.engine.ZCouplings: only the
  antisymmetric part of a real sector's matrix couples): Σ_pol |ε·(p_A − p_B)|² = 4k² in the Z
  rest frame, so Γ = (g/c_W)² |c|² k³/(6π m_Z²) (for the inert doublet's H A, |c| = ½, this is
  G_F m_Z³ λ^{3/2}/(24√2 π), half a neutrino species at zero mass).

Limits: BR(h → inv) < 0.107 at 95% CL (ATLAS, Phys. Lett. B 842 (2023) 137963,
arXiv:2301.10731), with Γ_h^SM = 4.088 MeV, i.e. Γ_inv < 0.107/(1 − 0.107) Γ_h^SM;
ΔΓ_Z^inv < 2.0 MeV at 95% CL (ALEPH, DELPHI, L3, OPAL, SLD, Phys. Rept. 427 (2006) 257,
arXiv:hep-ex/0509008, Sec. 7.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import constants as C
from bridge.darkmatter import helicity as H

BR_H_INV_MAX = 0.107
DGAMMA_Z_INV_MAX = 2.0e-3  # GeV


@dataclass
class InvisibleResult:
    """Widths in GeV, per channel and summed, with the ratios to the limits (> 1: excluded)."""

    gamma_h_inv: float
    gamma_z_inv: float
    br_h_inv: float
    ratio_h: float
    ratio_z: float
    channels: dict[str, float] = field(default_factory=dict)


def _invisible_states(sector):
    from bridge.darkmatter.relic import dark_species

    return [s for s in dark_species(sector) if s.charge == 0 and s.colour == 1]


def higgs_width_fermions(m_h, m_a, m_b, a_coup, b_coup, identical: bool) -> float:
    """Γ(h → F_a F_b) for the vertex −i(A P_L + B P_R) (module docstring)."""
    if m_a + m_b >= m_h:
        return 0.0
    k = float(H.two_body_momentum(m_h, m_a, m_b))
    msq = 2 * ((abs(a_coup) ** 2 + abs(b_coup) ** 2) * (m_h**2 - m_a**2 - m_b**2)
               - 4 * m_a * m_b * (a_coup * np.conj(b_coup)).real)
    return k / (8 * math.pi * m_h**2) * msq / 2 * (0.5 if identical else 1.0)


def z_width_fermions(smc: A.SMCouplings, m_a, m_b, zl, zr, identical: bool) -> float:
    """Γ(Z → F_a F̄_b) for the vertex −i(g/c_W)γ^μ(z_L P_L + z_R P_R), by explicit spin sums."""
    m_z = smc.m_z
    if m_a + m_b >= m_z:
        return 0.0
    k = float(H.two_body_momentum(m_z, m_a, m_b))
    cos = np.array([0.3])
    _, _, k1, k2 = H.cm_momenta(np.array([m_z]), m_z / 2, m_z / 2, m_a, m_b, cos)
    q = k1 + k2
    eps = H.polarisations(_z_at_rest(q), True)
    cur = H.vector_current(H.bar(H.u_spinors(k1)), zl * H.PL + zr * H.PR, H.v_spinors(k2))
    amp = np.einsum("...srm,mn,...ln->...lsr", cur, H.METRIC, eps)
    msq = smc.g_z2 * float(np.sum(np.abs(amp) ** 2))
    return k / (8 * math.pi * m_z**2) * msq / 3 * (0.5 if identical else 1.0)


def _z_at_rest(q):
    """A momentum along z with the Z mass and zero spatial part stand-in (polarisations at rest)."""
    m = np.sqrt(H.dot(q, q))
    tiny = 1e-9 * m
    return np.stack([np.sqrt(m**2 + tiny**2), 0 * m, 0 * m, tiny], axis=-1)


def invisible_widths(sector, sm) -> InvisibleResult:
    """Γ(h → inv), Γ(Z → inv) from the dark sector and the ratios to the limits."""
    smc = A.SMCouplings.from_sm(sm)
    states = _invisible_states(sector)
    channels = {}
    for i, si in enumerate(states):
        for sj in states[i:]:
            if si.kind != sj.kind or not (si.particle_like and sj.anti_like):
                continue
            same = si is sj
            label = f"{si.name} {sj.name}"
            if si.kind == "F":
                a, b = si.index, sj.index
                if sector.higgs is not None:
                    y = np.asarray(sector.higgs.fermion)
                    if si.self_conjugate:
                        ca, cb = y[b, a], np.conj(y[b, a])
                    else:
                        ca, cb = np.conj(y[a, b]), y[b, a]
                    ident = same and si.self_conjugate
                    w = higgs_width_fermions(smc.m_h, si.mass, sj.mass, ca, cb, ident)
                    if w:
                        channels[f"h -> {label}"] = w
                if sector.z is not None:
                    zl, zr = np.asarray(sector.z.left)[b, a], np.asarray(sector.z.right)[b, a]
                    w = z_width_fermions(smc, si.mass, sj.mass, zl, zr, same and si.self_conjugate)
                    if w:
                        channels[f"Z -> {label}"] = w
            else:
                if sector.z is not None:
                    zs = np.asarray(sector.z.scalar)
                    a, b = si.index, sj.index
                    c = zs[b, a] - zs[a, b] if si.self_conjugate else zs[b, a]
                    if c != 0 and si.mass + sj.mass < smc.m_z:
                        k = float(H.two_body_momentum(smc.m_z, si.mass, sj.mass))
                        channels[f"Z -> {label}"] = smc.g_z2 * abs(c) ** 2 * k**3 / (6 * math.pi * smc.m_z**2)
                if sector.higgs is not None:
                    c = np.asarray(sector.higgs.scalar)[sj.index, si.index]
                    if c != 0 and si.mass + sj.mass < smc.m_h:
                        k = float(H.two_body_momentum(smc.m_h, si.mass, sj.mass))
                        ident = same and si.self_conjugate
                        sym = 0.5 if ident else 1.0
                        channels[f"h -> {label}"] = abs(c) ** 2 * k / (8 * math.pi * smc.m_h**2) * sym
    gh = sum(v for k, v in channels.items() if k.startswith("h"))
    gz = sum(v for k, v in channels.items() if k.startswith("Z"))
    br = gh / (C.GAMMA_HIGGS_SM + gh)
    limit_h = BR_H_INV_MAX / (1 - BR_H_INV_MAX) * C.GAMMA_HIGGS_SM
    return InvisibleResult(gh, gz, br, gh / limit_h, gz / DGAMMA_Z_INV_MAX, channels)
