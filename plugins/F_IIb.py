"""Model F_IIb: real scalar singlet dark matter with a vector-like doublet–singlet fermion pair.

Row F_IIb of Table II of arXiv:2104.03228 (see plugins/_table2.py); the seed studies it only
in its Supplemental Material, which we do not have: everything follows from the seed's class-F
Lagrangian L_F^{ΨΨ'} with this field content.

Fields (SU(3), SU(2))_Y: Φ_q (3,1)_{2/3} complex scalar; Φ_ℓ (1,1)_0 real scalar (the
dark-matter candidate); Ψ = (Ψ^0, Ψ^−) (1,2)_{−1/2} and Ψ' (1,1)_{−1}, vector-like Dirac
fermions. L ⊃ Γ^Q Q̄ P_R Ψ Φ_q + Γ^L L̄ P_R Ψ Φ_ℓ + Γ^E Ē P_L Ψ' Φ_ℓ − λ_L Ψ̄ P_L Ψ' H
− λ_R Ψ̄ P_R Ψ' H + h.c.; SU(2) contractions Q̄Ψ = ū_L Ψ^0 + d̄_L Ψ^−, Ψ̄^a H_a.

With ψ = (Ψ^−, Ψ') and L ⊃ −ψ̄_L M ψ_R + h.c. the charged mass matrix is the seed's Eq. (7)
with M_Ψ' in the (2,2) entry, M = [[M_Ψ, λ_R v/√2], [λ_L v/√2, M_Ψ']] (for real λ; λ_L enters
conjugated), diagonalised as M = U_L diag(m_1 ≤ m_2) U_R† (Blocks FIIBUL, FIIBUR); Ψ^0 does
not mix. Couplings d_{Li}–F_k^−: l = Γ^Q_i (U_R)_{1k}; e_{Li}–F_k^−: l = Γ^L_i (U_R)_{1k};
e_{Ri}–F_k^−: r = Γ^E_i (U_L)_{2k}; ν_i–Ψ^0: l = Γ^L_i. No b→sνν box (quarks couple to the
charged F_k^−, neutrinos only to Ψ^0): CL_bsνν comes from the Z penguin alone. The real Φ_ℓ
adds no contraction to the boxes (the b-line fermion is charged) and has no Z current.

Block MASS codes: 9920001-9920002 F-_{1,2}; 9920011 Ψ^0; 9920021 Φ_q; 9920031 Φ_ℓ.
"""

from __future__ import annotations

from bridge import hookimpl
from bridge_plugins._table2 import class_f

DESCRIPTION = class_f(
    "IIb", code=9920000, self_conjugate={"Phi_l": True}, mixing_blocks={"F-": "FIIBU"},
    description="Real scalar singlet dark matter, VL doublet + singlet fermions, scalar Phi_q (F_IIb)")


@hookimpl
def bridge_model_description():
    return DESCRIPTION
