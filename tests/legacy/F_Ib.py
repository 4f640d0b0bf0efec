"""Model F_Ib: singlet–doublet fermionic dark matter (arXiv:2104.03228, PRL 127 061802).

Fields (SU(3), SU(2))_Y: Majorana singlet Ψ (1,1)_0, vector-like doublet
Ψ' = (Ψ'^0, Ψ'^−) (1,2)_{−1/2}, scalars Φ_q = (Φ_q^{2/3}, Φ_q^{−1/3}) (3,2)_{1/6}
and Φ_ℓ = (Φ_ℓ^0, Φ_ℓ^−) (1,2)_{−1/2}. Lagrangian (seed, Results section):

    L ⊃ Γ^Q_i Q̄_i P_R Ψ Φ_q + Γ^L_i L̄_i P_R Ψ Φ_ℓ + Γ^E_i Ē_i P_L Ψ'·Φ_ℓ
        + λ^H_L Ψ̄ P_L Ψ'·H + λ^H_R Ψ̄ P_R Ψ'·H + h.c.,   Ψ'·Φ = Ψ'^0 Φ^− − Ψ'^− Φ^0.

Neutral states, basis ξ = (Ψ_L, Ψ'^0_L, (Ψ'^0_R)^c): the mass matrix is the seed's
Eq. (6) with M_Ψ' in the (2,3) and (3,2) entries (the printed M_Ψ there is a typo:
those entries are the Dirac mass of Ψ'; with M_Ψ the doublet mass would not
appear at all), i.e. the seed's λ_L, λ_R are defined by this matrix:

    M = [[M_Ψ, λ_L v/√2, λ_R v/√2], [λ_L v/√2, 0, M_Ψ'], [λ_R v/√2, M_Ψ', 0]],

Takagi-diagonalised, ξ = V F_L, Vᵀ M V = diag(m_1 < m_2 < m_3), m_j > 0 (V complex
where an eigenvalue of M is negative). The charged Ψ'^− has mass M_Ψ'.

Couplings in the mass basis (generic form f̄ (l P_R + r P_L) F S, see bridge.engine):
d_{Li}–F_j–Φ_q^{−1/3}: l = Γ^Q_i V_{1j}^*;  e_{Li}–F_j–Φ_ℓ^−: l = Γ^L_i V_{1j}^*;
ν_i–F_j–Φ_ℓ^0: l = Γ^L_i V_{1j}^*;  e_{Ri}–F_j–Φ_ℓ^−: r = Γ^E_i V_{2j};
e_{Ri}–Ψ'^−–Φ_ℓ^0: r = −Γ^E_i. Z couplings of the F_j: G_ij = ½(V_2i^* V_2j − V_3i^* V_3j)
(Denner rules for Majorana fermions: g^L = G, g^R = −G^*); Φ_q^{−1/3} has
g^S = −½ + s_W²/3.

Sign convention (checked in tests/test_F_Ib.py): the engine's box coefficient has
the opposite overall sign to the seed's printed δC9, δC10 (equivalently
Γ_s^{Q*}Γ_b^Q → −Γ_s^{Q*}Γ_b^Q), and its mass-insertion part carries m_i m_j, i.e.
D̃(x, y, z; m_i/m_j) instead of the printed D(x, y, z); the two agree for i = j.
So the seed's Fig. 2 (Γ_s^{Q*}Γ_b^Q = 0.15) corresponds here to Γ_s Γ_b^* = −0.15.

Block MASS codes written for this model:
9900001-9900003 F^0_{1,2,3}; 9900011 Ψ'^−; 9900021 Φ_q^{2/3}; 9900022 Φ_q^{−1/3};
9900031 Φ_ℓ^0; 9900032 Φ_ℓ^−. Mixing block FIBNMIX (+IMFIBNMIX) holds V.
"""

from __future__ import annotations

import math

import numpy as np

from bridge import hookimpl, matching
from bridge.engine import LEPTONS, NEUTRINOS, QUARKS, DarkFermion, DarkScalar, DarkSector, ZCouplings
from bridge.linalg import takagi
from bridge.model import Mixing, ModelInfo, Particle, Spectrum
from legacy._class_f import class_f_blocks

NAME = "F_Ib"
DOWN, CHARGED = QUARKS, LEPTONS




INFO = ModelInfo(
    name=NAME,
    description="Majorana singlet + doublet fermion dark matter, scalars Phi_q, Phi_l (F_Ib)",
    blocks=class_f_blocks(
        psi="Majorana singlet mass",
        psi_prime="doublet Dirac mass",
        phi_q="coloured scalar doublet mass",
        phi_l="lepton-side scalar doublet mass",
        lam_l="Psi-bar P_L Psi'.H coupling",
        lam_r="Psi-bar P_R Psi'.H coupling",
    ),
    references=("Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228",
                "Arnan, Hofer, Mescia, Crivellin, JHEP 04 (2017) 043, arXiv:1608.07832"),
)


def neutral_mass_matrix(m_psi: float, m_psi_prime: float, lam_l: float, lam_r: float,
                        vev: float) -> np.ndarray:
    """Seed Eq. (6), with M_Ψ' in the (2,3)/(3,2) entries (see module docstring)."""
    off_l, off_r = lam_l * vev / math.sqrt(2.0), lam_r * vev / math.sqrt(2.0)
    return np.array([[m_psi, off_l, off_r],
                     [off_l, 0.0, m_psi_prime],
                     [off_r, m_psi_prime, 0.0]], dtype=complex)


def build_sector(masses_f0, v_mix, m_psi_prime, m_phi_q, m_phi_l, gamma_q, gamma_l, gamma_e,
                 s2w) -> DarkSector:
    """The F_Ib dark sector in the mass basis (couplings of the module docstring).

    Also for a batch of N points (``bridge_batch_spectrum``): masses_f0 (N, 3), v_mix
    (N, 3, 3), the other masses (N,) or numbers, the Γ vectors (N, 3) or (3,).
    """
    fermions = (*(DarkFermion(f"F0_{j + 1}", m, 0.0, majorana=True)
                  for j, m in enumerate(np.moveaxis(np.asarray(masses_f0), -1, 0))),
                DarkFermion("Psi'-", m_psi_prime, -1.0))
    scalars = (DarkScalar("Phi_q(2/3)", m_phi_q, 2 / 3, colour=3),
               DarkScalar("Phi_q(-1/3)", m_phi_q, -1 / 3, colour=3),
               DarkScalar("Phi_l0", m_phi_l, 0.0),
               DarkScalar("Phi_l-", m_phi_l, -1.0))
    nf, ns = len(fermions), len(scalars)
    batch = np.shape(v_mix)[:-2]
    i_phiq_d, i_phil0, i_phil_m, i_psi_m = 1, 2, 3, 3
    left, right = {}, {}
    v_singlet = v_mix[..., 0, :].conj()
    for i in range(3):
        gq, gl, ge = (np.asarray(g)[..., i, None] for g in (gamma_q, gamma_l, gamma_e))
        c = np.zeros((*batch, nf, ns), complex)
        c[..., :3, i_phiq_d] = gq * v_singlet
        left[DOWN[i]] = c
        c = np.zeros((*batch, nf, ns), complex)
        c[..., :3, i_phil_m] = gl * v_singlet
        left[CHARGED[i]] = c
        c = np.zeros((*batch, nf, ns), complex)
        c[..., :3, i_phil0] = gl * v_singlet
        left[NEUTRINOS[i]] = c
        c = np.zeros((*batch, nf, ns), complex)
        c[..., :3, i_phil_m] = ge * v_mix[..., 1, :]
        c[..., i_psi_m, i_phil0] = -ge[..., 0]
        right[CHARGED[i]] = c
    v2, v3 = v_mix[..., 1, :], v_mix[..., 2, :]
    g_mix = 0.5 * (v2.conj()[..., :, None] * v2[..., None, :] - v3.conj()[..., :, None] * v3[..., None, :])
    z_left = np.zeros((*batch, nf, nf), complex)
    z_right = np.zeros((*batch, nf, nf), complex)
    z_left[..., :3, :3] = g_mix
    z_right[..., :3, :3] = -g_mix.conj()
    # Ψ'^−: vector-like doublet component, T3 = −½, Q = −1, both chiralities
    z_left[..., 3, 3] = z_right[..., 3, 3] = -0.5 + s2w
    z_scalar = np.diag([0.5 - 2 / 3 * s2w, -0.5 + s2w / 3, 0.5, -0.5 + s2w]).astype(complex)
    return DarkSector(fermions, scalars, left, right, ZCouplings(z_left, z_right, z_scalar))


def _spectrum(masses_f0, v_mix, m_psi_prime, m_phi_q, m_phi_l, sector, mass_matrix) -> Spectrum:
    """Block MASS entries and FIBNMIX (numbers for one point, arrays for a batch)."""
    particles = [Particle(9900001 + j, f"F0_{j + 1}", m) for j, m in enumerate(masses_f0)]
    particles += [Particle(9900011, "Psi'-", m_psi_prime),
                  Particle(9900021, "Phi_q(2/3)", m_phi_q),
                  Particle(9900022, "Phi_q(-1/3)", m_phi_q),
                  Particle(9900031, "Phi_l0", m_phi_l),
                  Particle(9900032, "Phi_l-", m_phi_l)]
    mixing = Mixing("FIBNMIX", v_mix, "neutral fermion mixing V: xi = V F0, V^T M V = diag(m)",
                    rows=("Psi_L", "Psi'0_L", "(Psi'0_R)^c"), columns=("F0_1", "F0_2", "F0_3"))
    return Spectrum(particles, [mixing], data={"sector": sector, "mass_matrix": mass_matrix})


@hookimpl
def bridge_model_info() -> ModelInfo:
    return INFO


@hookimpl
def bridge_spectrum(inputs, sm) -> Spectrum:
    minpar = inputs["MINPAR"]
    m_psi, m_psi_prime, m_phi_q, m_phi_l = (minpar[k] for k in (1, 2, 3, 4))
    mass_matrix = neutral_mass_matrix(m_psi, m_psi_prime, minpar[5], minpar[6], sm.vev)
    masses_f0, v_mix = takagi(mass_matrix)
    sector = build_sector(masses_f0, v_mix, m_psi_prime, m_phi_q, m_phi_l,
                          inputs.vector("GAMMAQIN", 3), inputs.vector("GAMMALIN", 3),
                          inputs.vector("GAMMAEIN", 3), sm.s2w)
    return _spectrum([float(m) for m in masses_f0], v_mix, m_psi_prime, m_phi_q, m_phi_l,
                     sector, mass_matrix)


@hookimpl
def bridge_batch_spectrum(inputs, sm) -> Spectrum:
    """The spectrum of N points at once (``bridge scan``): entries of ``inputs`` are numbers or
    arrays (N,); masses come back as arrays (N,), FIBNMIX as (N, 3, 3), and the sector is a
    batched DarkSector, which the two hooks below turn into arrays of coefficients."""
    from bridge.linalg import takagi as takagi_real_batch

    minpar = inputs["MINPAR"]
    m_psi, m_psi_prime, m_phi_q, m_phi_l, lam_l, lam_r = (np.asarray(minpar[k], dtype=float)
                                                          for k in range(1, 7))
    n = inputs.size
    mass_matrix = np.zeros((n, 3, 3))
    off_l, off_r = lam_l * sm.vev / math.sqrt(2.0), lam_r * sm.vev / math.sqrt(2.0)
    mass_matrix[:, 0, 0] = m_psi
    mass_matrix[:, 0, 1] = mass_matrix[:, 1, 0] = off_l
    mass_matrix[:, 0, 2] = mass_matrix[:, 2, 0] = off_r
    mass_matrix[:, 1, 2] = mass_matrix[:, 2, 1] = m_psi_prime
    masses_f0, v_mix = takagi_real_batch(mass_matrix)
    m_psi_prime, m_phi_q, m_phi_l = (np.broadcast_to(m, (n,)) for m in (m_psi_prime, m_phi_q, m_phi_l))
    sector = build_sector(masses_f0, v_mix, m_psi_prime, m_phi_q, m_phi_l,
                          inputs.vector("GAMMAQIN", 3), inputs.vector("GAMMALIN", 3),
                          inputs.vector("GAMMAEIN", 3), sm.s2w)
    return _spectrum([masses_f0[:, j] for j in range(3)], v_mix, m_psi_prime, m_phi_q, m_phi_l,
                     sector, mass_matrix)


@hookimpl
def bridge_wilson_coefficients(spectrum, sm) -> dict:
    return matching.spectrum_quark_coefficients(spectrum, sm)


@hookimpl
def bridge_dipoles(spectrum, sm) -> dict:
    return matching.spectrum_lepton_dipoles(spectrum, sm)


# ---------------------------------------------------------------------------
# the seed's closed formulas, for comparison (tests/test_F_Ib.py)
# ---------------------------------------------------------------------------
def seed_delta_c9_c10(masses_signed, v_real, gamma_s, gamma_b, gamma_l_mu, gamma_e_mu,
                      m_phi_q, m_phi_l, sm, *, corrected: bool = False):
    """δC9, δC10 as printed in arXiv:2104.03228 (Results, F_Ib), real orthogonal V.

    δC9 = 𝒩 Γ_s^{Q*}Γ_b^Q/(32πα) Σ_ij V_1i V_1j/m_j² (|Γ^L|² V_1i V_1j − |Γ^E|² V_2i V_2j)
          × D(x_Qj, x_ℓj, x_ij),
    δC10 = −(same with + between the two terms); x_Qj = (M_Φq/m_j)², x_ℓj = (M_Φℓ/m_j)², x_ij = (m_i/m_j)².
    ``masses_signed`` are the eigenvalues of M (real V). With ``corrected=True`` the
    overall sign is flipped and D is replaced by D̃(…; m_i/m_j) (this project's result).
    """
    from bridge import loops

    pre = sm.norm_bs * gamma_s.conjugate() * gamma_b / (32 * math.pi * sm.alpha_e_bsll)
    c9 = c10 = 0j
    for i in range(3):
        for j in range(3):
            mi, mj = masses_signed[i], masses_signed[j]
            x_q, x_l, x_ij = (m_phi_q / mj) ** 2, (m_phi_l / mj) ** 2, (mi / mj) ** 2
            if corrected:
                d = loops.seed_D_tilde(x_q, x_l, x_ij, mi / mj)
            else:
                d = loops.seed_D(x_q, x_l, x_ij)
            w = v_real[0, i] * v_real[0, j] / mj**2 * d
            ll = abs(gamma_l_mu) ** 2 * v_real[0, i] * v_real[0, j]
            rr = abs(gamma_e_mu) ** 2 * v_real[1, i] * v_real[1, j]
            c9 += w * (ll - rr)
            c10 += -w * (ll + rr)
    sign = -1.0 if corrected else 1.0
    return sign * pre * c9, sign * pre * c10


def seed_delta_a_mu(masses_signed, v_real, gamma_l_mu, gamma_e_mu, m_phi_l, m_mu):
    """Dominant Δa_μ of arXiv:2104.03228 (F_Ib results):

    Δa_μ = −m_μ/(2π² M_Φℓ²) Σ_j m_j Re(Γ^L Γ^E V_1j V_2j) H̃(m_j²/M_Φℓ²).

    (The seed writes H̃(x_ℓj^{-1}) with x_ℓj = M_Φℓ²/m_j².) Real V, signed masses.
    """
    from bridge import loops

    total = 0.0
    for j in range(3):
        x = (masses_signed[j] / m_phi_l) ** 2
        total += masses_signed[j] * (gamma_l_mu * gamma_e_mu * v_real[0, j] * v_real[1, j]).real \
            * loops.seed_H_tilde(x)
    return -m_mu / (2 * math.pi**2 * m_phi_l**2) * total
