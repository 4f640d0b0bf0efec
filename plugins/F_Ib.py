"""Model F_Ib: singlet–doublet fermionic dark matter (arXiv:2104.03228, PRL 127 061802).

Row F_Ib of the seed's Table II (see plugins/_table2.py): Majorana singlet Ψ (1,1)_0,
vector-like doublet Ψ' = (Ψ'^0, Ψ'^−) (1,2)_{−1/2}, scalars Φ_q (3,2)_{1/6} and
Φ_ℓ = (Φ_ℓ^0, Φ_ℓ^−) (1,2)_{−1/2}. Lagrangian (seed, Results section):

    L ⊃ Γ^Q_i Q̄_i P_R Ψ Φ_q + Γ^L_i L̄_i P_R Ψ Φ_ℓ + Γ^E_i Ē_i P_L Ψ'·Φ_ℓ
        + λ^H_L Ψ̄ P_L Ψ'·H + λ^H_R Ψ̄ P_R Ψ'·H + h.c.,   Ψ'·Φ = Ψ'^0 Φ^− − Ψ'^− Φ^0.

The core (bridge.assembly) builds from this description the neutral mass matrix in the basis
ξ = (Ψ_L, Ψ'^0_L, (Ψ'^0_R)^c), the seed's Eq. (6) with M_Ψ' in the (2,3) and (3,2) entries
(the printed M_Ψ there is a typo: with it the doublet mass would not appear at all),

    M = [[M_Ψ, λ_L v/√2, λ_R v/√2], [λ_L v/√2, 0, M_Ψ'], [λ_R v/√2, M_Ψ', 0]],

Takagi-diagonalised, ξ = V F, Vᵀ M V = diag(m_1 < m_2 < m_3) (Block FIBNMIX), and the
couplings d_{Li}–F_j–Φ_q^{−1/3}: l = Γ^Q_i V_{1j}^*, e_{Li}–F_j–Φ_ℓ^−: l = Γ^L_i V_{1j}^*,
ν_i–F_j–Φ_ℓ^0: l = Γ^L_i V_{1j}^*, e_{Ri}–F_j–Φ_ℓ^−: r = Γ^E_i V_{2j}, e_{Ri}–Ψ'^−–Φ_ℓ^0:
r = −Γ^E_i, with the Z couplings G_ij = ½(V_2i^* V_2j − V_3i^* V_3j) of the F_j.

Sign convention (checked in tests/test_F_Ib.py): the engine's box coefficient has the
opposite overall sign to the seed's printed δC9, δC10 (equivalently Γ_s^{Q*}Γ_b^Q →
−Γ_s^{Q*}Γ_b^Q), and its mass-insertion part carries m_i m_j, i.e. D̃(x, y, z; m_i/m_j) instead
of the printed D(x, y, z); the two agree for i = j. So the seed's Fig. 2
(Γ_s^{Q*}Γ_b^Q = 0.15) corresponds here to Γ_s Γ_b^* = −0.15.

Block MASS codes: 9900001-9900003 F0_{1,2,3}; 9900011 Ψ'^−; 9900021 Φ_q^{2/3};
9900022 Φ_q^{−1/3}; 9900031 Φ_ℓ^0; 9900032 Φ_ℓ^−.
"""

from __future__ import annotations

from bridge import hookimpl
from bridge_plugins._table2 import class_f

DESCRIPTION = class_f(
    "Ib", code=9900000, self_conjugate={"Psi": True}, mixing_blocks={"F0": "FIBNMIX"},
    description="Majorana singlet + doublet fermion dark matter, scalars Phi_q, Phi_l (F_Ib)")


@hookimpl
def bridge_model_description():
    return DESCRIPTION
