"""Inputs shared by the class-F models with a Ψ–Ψ' pair (arXiv:2104.03228, L_F^{ΨΨ'}).

F_Ib and F_IIb have the same Lagrangian shape, Γ^Q Q̄ P_R Ψ Φ_q + Γ^L L̄ P_R Ψ Φ_ℓ
+ Γ^E Ē P_L Ψ' Φ_ℓ + λ^H_L Ψ̄ P_L Ψ' H + λ^H_R Ψ̄ P_R Ψ' H + h.c., and so the same card
blocks; only the representations (and hence the descriptions) differ.
"""

from __future__ import annotations

from bridge.model import Entry, InputBlock, flavour_vector_block


def class_f_blocks(psi: str, psi_prime: str, phi_q: str, phi_l: str, lam_l: str,
                   lam_r: str) -> tuple[InputBlock, ...]:
    """MINPAR (1 M_Ψ, 2 M_Ψ', 3 M_Φq, 4 M_Φℓ, 5 λ^H_L, 6 λ^H_R) and GAMMAQIN/LIN/EIN."""
    minpar = InputBlock("MINPAR", description="masses and Higgs couplings", entries=(
        Entry(1, "M_Psi", "GeV", positive=True, description=psi),
        Entry(2, "M_Psi_prime", "GeV", positive=True, description=psi_prime),
        Entry(3, "M_Phi_q", "GeV", positive=True, description=phi_q),
        Entry(4, "M_Phi_l", "GeV", positive=True, description=phi_l),
        Entry(5, "lambda_L^H", "", 0.0, description=lam_l),
        Entry(6, "lambda_R^H", "", 0.0, description=lam_r),
    ))
    return (minpar,
            flavour_vector_block("GAMMAQIN", "Gamma^Q", "Q_i to Psi Phi_q"),
            flavour_vector_block("GAMMALIN", "Gamma^L", "L_i to Psi Phi_l"),
            flavour_vector_block("GAMMAEIN", "Gamma^E", "E_i to Psi' Phi_l"))
