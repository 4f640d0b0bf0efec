"""Model F_IIb: real scalar singlet dark matter with a vector-like doublet–singlet fermion pair.

Field content: Table II of arXiv:2104.03228 (Arcadi, Calibbi, Fedele, Mescia, PRL 127
(2021) 061802), row F_IIb. The seed studies this model only in its Supplemental Material,
which we do not have; everything below is derived from the seed's class-F Lagrangian
L_F^{ΨΨ'} (Minimal models section) with this field content, and the generic one-loop
formulas of bridge.engine (../shared/physics.md §4–§9, structure of arXiv:1608.07832,
arXiv:1904.05890; classification of arXiv:2103.09835). physics.md §11.2 is a first
derivation of the same model; it agrees with what follows (checked entry by entry).

Fields (SU(3), SU(2))_Y, Q = T3 + Y:
Φ_q (3,1)_{2/3} complex scalar; Φ_ℓ (1,1)_0 real scalar (the dark-matter candidate);
Ψ = (Ψ^0, Ψ^−) (1,2)_{−1/2} and Ψ' (1,1)_{−1}, vector-like Dirac fermions.

Lagrangian (seed L_F^{ΨΨ'}):

    L ⊃ Γ^Q_i Q̄_i P_R Ψ Φ_q + Γ^L_i L̄_i P_R Ψ Φ_ℓ + Γ^E_i Ē_i P_L Ψ' Φ_ℓ + (Higgs terms) + h.c.

SU(2): Φ_q and Φ_ℓ are singlets, so Q̄^a Ψ_a and L̄^a Ψ_a are contracted directly
(Y: −1/6 − 1/2 + 2/3 = 0, 1/2 − 1/2 + 0 = 0): Q̄Ψ = ū_L Ψ^0 + d̄_L Ψ^−,
L̄Ψ = ν̄ Ψ^0 + ē_L Ψ^−. The Higgs terms Ψ̄^a H_a Ψ' give, with ⟨H^0⟩ = v/√2, a Ψ^−–Ψ'
mass mixing. With ψ = (Ψ^−, Ψ') and L ⊃ −ψ̄_L M ψ_R + h.c. the charged mass matrix is
the seed's Eq. (7) with M_Ψ' in the (2,2) entry,

    M = [[M_Ψ, λ_R v/√2], [λ_L v/√2, M_Ψ']],

which defines λ_L ≡ λ^H_L and λ_R ≡ λ^H_R here, as for F_Ib (the seed calls its matrices
"schematic"). Spelled out: −λ_R (v/√2) Ψ̄^−_L Ψ'_R − λ_L (v/√2) Ψ̄'_L Ψ^−_R + h.c.; relative
to the seed's "+λ^H_L Ψ̄ P_L Ψ' H + λ^H_R Ψ̄ P_R Ψ' H" this is λ^H_R → −λ_R, λ^H_L → −λ_L^*
(for real λ: an overall sign, equivalent to Ψ' → −Ψ' with Γ^E → −Γ^E, which flips the sign
of the chirally enhanced Δa_μ; the sign convention is the one of the mass matrix above).
Bi-unitary diagonalisation (bridge.linalg.biunitary): M = U_L diag(m_1 ≤ m_2) U_R†,
ψ_L = U_L F_L, ψ_R = U_R F_R. Ψ^0 does not mix (mass M_Ψ).

Couplings in the mass basis, engine form f̄ (l P_R + r P_L) F S + h.c. (bridge.engine):
P_R Ψ^− = (ψ_R)_1 = Σ_k (U_R)_{1k} F_{kR} and P_L Ψ' = (ψ_L)_2 = Σ_k (U_L)_{2k} F_{kL}, so

    vertex              coupling                    scalar   Q_F + Q_S
    d_{Li} – F_k^−      l = Γ^Q_i (U_R)_{1k}        Φ_q      −1 + 2/3
    e_{Li} – F_k^−      l = Γ^L_i (U_R)_{1k}        Φ_ℓ      −1 + 0
    e_{Ri} – F_k^−      r = Γ^E_i (U_L)_{2k}        Φ_ℓ      −1 + 0
    ν_i    – Ψ^0        l = Γ^L_i                   Φ_ℓ       0 + 0
    (u_{Li} – Ψ^0       l = Γ^Q_i                   Φ_q; not used by the engine)

Z couplings (physics.md §9 convention, T3 − s_W² Q per component, both chiralities since
Ψ, Ψ' are vector-like): gauge basis diag(−½ + s_W², s_W²) for (Ψ^−, Ψ'); mass basis
g^L = s_W² 1 − ½ U_L† diag(1, 0) U_L, g^R = s_W² 1 − ½ U_R† diag(1, 0) U_R, non-diagonal
once λ ≠ 0 (the doublet component mixes with the singlet); Ψ^0: ½; Φ_q: g^S = −⅔ s_W²;
Φ_ℓ real: no Z current. The divergent part of the Z penguin cancels,
½[(−½ + s_W²) − ⅔ s_W² − (−½ + s_W²/3)] = 0 (the engine checks this numerically).

Diagrams and coefficients (all at one loop, leading order in m_SM/M_dark):
* C9, C10 (b→sℓℓ): fermion-mediated boxes with F_a, F_b ∈ {F_1^−, F_2^−}, Φ_q on the quark
  side and Φ_ℓ on the lepton side (physics.md §4). Dirac fermions: direct boxes only.
  The real Φ_ℓ adds no contraction: both lepton vertices are of the type ℓ̄ F Φ_ℓ and its
  h.c. (the fermion line from b can only end on the ℓ^−, F carries charge −1), and ⟨Φ_ℓΦ_ℓ⟩
  equals the propagator of a complex scalar; crossed boxes need ⟨F Fᵀ⟩ ≠ 0 (Majorana).
  LL box ∝ Γ_sΓ_b^* |Γ^L|² Σ_ab |U_R1a|²|U_R1b|² I_2 ⇒ C9 = −C10 when Γ^E = 0; the LR box
  ∝ Γ_sΓ_b^* |Γ^E|² Σ_ab U_R1a U_L2a^* U_L2b U_R1b^* m_a m_b I_1 breaks it.
  Plus the photon penguin (lepton-universal C9, photon on F and on Φ_q, physics.md §8) and
  the Z penguin (universal C9, C10 ∝ mixing², physics.md §9).
* C7_bs, C8_bs: dipoles with F_k^− and Φ_q, photon on both, gluon on Φ_q (physics.md §7);
  C7p_bs, C8p_bs ∝ m_s only (no right-handed quark couplings, no chiral enhancement).
* CVLL_bsbs: direct ΔF=2 boxes with two Φ_q (physics.md §6); no Majorana suppression,
  constructive with the SM for real couplings.
* CL_bsν_iν_i: Z penguin only (lepton universal, flavour diagonal). There is no νν box:
  quarks couple to the charged F_k^−, neutrinos only to Ψ^0.
* Δa_μ (C7_mumu) and μ→eγ (Cgamma_mue, Cgamma_emu): F_k^− with the neutral Φ_ℓ, photon on
  the fermion. The chirally enhanced part is Σ_k m_k Re(l^k r^{k*}) f_C2(m_k²/M_Φℓ²)
  = Re(Γ^L Γ^{E*} [f_C2(M†M/M_Φℓ²) M†]_{12}); it vanishes for λ_L = λ_R = 0 (then the
  m_μ² terms with f_C1 are all that is left).

Absent at one loop (and why):
* C9p, C10p, CVRR_bsbs, CVLR_bsbs, CR_bsνν, scalar/tensor b→s operators: no couplings to
  right-handed quarks. The gauge-invariant Γ^D D̄ P_R Ψ' Φ_q is set to zero, as the seed
  does for class F ("we are assuming [them] to be suppressed").
* CL_bsν_iν_j with i ≠ j and any b→sνν box: see above (only the flavour-diagonal Z penguin).
* C10 from the photon penguin: the photon couples vectorially.
* Neutrino masses: lepton number is conserved (L(Ψ) = L(Ψ') = 1, L(Φ_q) = −1, Φ_ℓ = 0).

Sign convention: as in F_Ib, the engine's box C9 has the opposite overall sign to the
seed's printed class-F formulas (physics.md §4.2), i.e. the seed's Γ_s^{Q*}Γ_b^Q > 0
corresponds here to Γ_s Γ_b^* < 0. C9 < 0 from the LL box needs Γ^Q_2 Γ^Q_3* < 0.

Block MASS codes: 9920001, 9920002 F^−_{1,2}; 9920011 Ψ^0; 9920021 Φ_q; 9920031 Φ_ℓ.
Mixing blocks FIIBUL, FIIBUR (+ IM parts when complex) hold U_L and U_R.
"""

from __future__ import annotations

import math

import numpy as np

from bridge import hookimpl, matching
from bridge.engine import LEPTONS, NEUTRINOS, QUARKS, DarkFermion, DarkScalar, DarkSector, ZCouplings
from bridge.errors import InputError
from bridge.linalg import biunitary
from bridge.model import Mixing, ModelInfo, Particle, Spectrum
from legacy._class_f import class_f_blocks

NAME = "F_IIb"
DOWN, CHARGED = QUARKS, LEPTONS

#: Indices of the states in the engine sector.
I_F1, I_F2, I_PSI0 = 0, 1, 2
I_PHIQ, I_PHIL = 0, 1




INFO = ModelInfo(
    name=NAME,
    description="Real scalar singlet dark matter, VL doublet + singlet fermions, scalar Phi_q (F_IIb)",
    blocks=class_f_blocks(
        psi="doublet Dirac mass",
        psi_prime="singlet Dirac mass",
        phi_q="coloured scalar singlet mass",
        phi_l="real scalar singlet (DM) mass",
        lam_l="M_21 = lambda_L v/sqrt2 (Psi'_L-Psi-_R)",
        lam_r="M_12 = lambda_R v/sqrt2 (Psi-_L-Psi'_R)",
    ),
    references=("Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228",
                "Arcadi, Calibbi, Fedele, Mescia, arXiv:2103.09835",
                "Arnan, Crivellin, Fedele, Mescia, JHEP 06 (2019) 118, arXiv:1904.05890",
                "Arnan, Hofer, Mescia, Crivellin, JHEP 04 (2017) 043, arXiv:1608.07832"),
)


def charged_mass_matrix(m_psi: float, m_psi_prime: float, lam_l: float, lam_r: float,
                        vev: float) -> np.ndarray:
    """Seed Eq. (7) ("M^D") with M_Ψ' in the (2,2) entry: L ⊃ −ψ̄_L M ψ_R, ψ = (Ψ^−, Ψ')."""
    return np.array([[m_psi, lam_r * vev / math.sqrt(2.0)],
                     [lam_l * vev / math.sqrt(2.0), m_psi_prime]], dtype=complex)


def z_couplings(u_l: np.ndarray, u_r: np.ndarray, s2w: float) -> ZCouplings:
    """Z couplings of (F_1^−, F_2^−, Ψ^0) and (Φ_q, Φ_ℓ), physics.md §9 convention."""
    doublet = np.diag([1.0, 0.0]).astype(complex)
    left = np.zeros((3, 3), complex)
    right = np.zeros((3, 3), complex)
    # T3 − s²Q rotated: Ψ^− has T3 = −½, Ψ' has T3 = 0, both Q = −1, both chiralities
    left[:2, :2] = s2w * np.eye(2) - 0.5 * u_l.conj().T @ doublet @ u_l
    right[:2, :2] = s2w * np.eye(2) - 0.5 * u_r.conj().T @ doublet @ u_r
    left[I_PSI0, I_PSI0] = right[I_PSI0, I_PSI0] = 0.5  # Ψ^0: T3 = ½, Q = 0
    # Φ_q: T3 = 0, Q = 2/3; a real Φ_ℓ has no current i(S∂S − ∂S S) = 0
    scalar = np.diag([-2.0 / 3.0 * s2w, 0.0]).astype(complex)
    return ZCouplings(left, right, scalar)


def build_sector(masses_c, u_l, u_r, m_psi, m_phi_q, m_phi_l, gamma_q, gamma_l, gamma_e,
                 s2w) -> DarkSector:
    """The F_IIb dark sector in the mass basis (coupling table of the module docstring)."""
    fermions = (DarkFermion("F-_1", float(masses_c[0]), -1.0),
                DarkFermion("F-_2", float(masses_c[1]), -1.0),
                DarkFermion("Psi0", m_psi, 0.0))
    scalars = (DarkScalar("Phi_q", m_phi_q, 2 / 3, colour=3),
               DarkScalar("Phi_l", m_phi_l, 0.0))
    shape = (len(fermions), len(scalars))
    left, right = {}, {}
    for i in range(3):
        c = np.zeros(shape, complex)
        c[:2, I_PHIQ] = gamma_q[i] * u_r[0, :]
        left[DOWN[i]] = c
        c = np.zeros(shape, complex)
        c[:2, I_PHIL] = gamma_l[i] * u_r[0, :]
        left[CHARGED[i]] = c
        c = np.zeros(shape, complex)
        c[I_PSI0, I_PHIL] = gamma_l[i]
        left[NEUTRINOS[i]] = c
        c = np.zeros(shape, complex)
        c[:2, I_PHIL] = gamma_e[i] * u_l[1, :]
        right[CHARGED[i]] = c
    return DarkSector(fermions, scalars, left, right, z_couplings(u_l, u_r, s2w))


@hookimpl
def bridge_model_info() -> ModelInfo:
    return INFO


@hookimpl
def bridge_spectrum(inputs, sm) -> Spectrum:
    minpar = inputs["MINPAR"]
    m_psi, m_psi_prime, m_phi_q, m_phi_l = (minpar[k] for k in (1, 2, 3, 4))
    mass_matrix = charged_mass_matrix(m_psi, m_psi_prime, minpar[5], minpar[6], sm.vev)
    masses_c, u_l, u_r = biunitary(mass_matrix)
    if not masses_c[0] > 1e-9 * masses_c[1]:
        # det M = M_Ψ M_Ψ' − λ_L λ_R v²/2 = 0 leaves a massless charged fermion
        raise InputError("M_Psi M_Psi' = lambda_L lambda_R v^2/2 (entries 1, 2, 5, 6) gives a "
                         "massless charged fermion", file=inputs.source or None, block="MINPAR")
    sector = build_sector(masses_c, u_l, u_r, m_psi, m_phi_q, m_phi_l,
                          inputs.vector("GAMMAQIN", 3), inputs.vector("GAMMALIN", 3),
                          inputs.vector("GAMMAEIN", 3), sm.s2w)
    particles = [Particle(9920001, "F-_1", float(masses_c[0])),
                 Particle(9920002, "F-_2", float(masses_c[1])),
                 Particle(9920011, "Psi0", m_psi),
                 Particle(9920021, "Phi_q", m_phi_q),
                 Particle(9920031, "Phi_l", m_phi_l)]
    rows_l, rows_r, cols = ("Psi-_L", "Psi'_L"), ("Psi-_R", "Psi'_R"), ("F-_1", "F-_2")
    mixings = [Mixing("FIIBUL", u_l, "charged fermions, left: psi_L = U_L F_L, M = U_L diag(m) U_R^+",
                      rows=rows_l, columns=cols),
               Mixing("FIIBUR", u_r, "charged fermions, right: psi_R = U_R F_R",
                      rows=rows_r, columns=cols)]
    return Spectrum(particles, mixings, data={"sector": sector, "mass_matrix": mass_matrix,
                                              "U_L": u_l, "U_R": u_r})


@hookimpl
def bridge_wilson_coefficients(spectrum, sm) -> dict:
    return matching.spectrum_quark_coefficients(spectrum, sm)


@hookimpl
def bridge_dipoles(spectrum, sm) -> dict:
    return matching.spectrum_lepton_dipoles(spectrum, sm)
