"""The minimal dark-loop models of arXiv:2104.03228 (Arcadi, Calibbi, Fedele, Mescia, PRL 127
(2021) 061802), Table II, as model descriptions.

Each row gives the gauge quantum numbers (SU(3), SU(2))_Y of the five columns
Φ_q/Ψ_q, Φ_ℓ/Ψ_ℓ, Ψ/Φ, Φ'_ℓ/Ψ'_ℓ, Ψ'/Φ' (Table I: Y = 1/6 − X, −1/2 − X, X, −1 − X, −1/2 + X);
rows "a" carry the fourth column, rows "b" and "c" the fifth. Class F takes a fermion flavour
mediator Ψ with scalars Φ_q, Φ_ℓ and Φ'_ℓ or a fermion Ψ'; class S the mirror, a scalar
mediator Φ with fermions Ψ_q, Ψ_ℓ and Ψ'_ℓ or a scalar Φ'. The Lagrangians are the seed's
L_F^{Φ_ℓΦ'_ℓ}, L_F^{ΨΨ'} (Eq. (4) and the one below Table II; its "Γ^E Ē P_L Ψ Φ'_ℓ" in the
ΨΨ' case reads Ē P_L Ψ' Φ_ℓ, as in its F_Ib Lagrangian), L_S^{Ψ_ℓΨ'_ℓ} and L_S^{ΦΦ'}.

Card conventions (those of F_Ib and F_IIb): Block MINPAR 1 the mediator mass, 2 the mass of the
fourth field, 3 the mass of the quark-side field, 4 of the lepton-side field, 5 and 6 the Higgs
couplings λ^H_L, λ^H_R (fermion pairs) or 5 the trilinear a_H [GeV] (scalar pairs); Blocks
GAMMAQIN, GAMMALIN, GAMMAEIN hold Γ^Q_i, Γ^L_i, Γ^E_i (imaginary parts in IM…).
"""

from __future__ import annotations

from fractions import Fraction

from bridge.fields import (
    Fermion,
    FermionMixing,
    ModelDescription,
    Scalar,
    Trilinear,
    Yukawa,
    coupling,
    flavour_couplings,
    mass,
    trilinear,
)

F = Fraction
#: Table II of arXiv:2104.03228: (colour, SU(2), Y) of the columns q, l, mediator, l', m'.
TABLE_II = {
    "Ia": ((3, 2, F(1, 6)), (1, 2, F(-1, 2)), (1, 1, F(0)), (1, 1, F(-1)), None),
    "Ib": ((3, 2, F(1, 6)), (1, 2, F(-1, 2)), (1, 1, F(0)), None, (1, 2, F(-1, 2))),
    "Ic": ((3, 2, F(7, 6)), (1, 2, F(1, 2)), (1, 1, F(-1)), (1, 1, F(0)), None),
    "IIa": ((3, 1, F(2, 3)), (1, 1, F(0)), (1, 2, F(-1, 2)), (1, 2, F(-1, 2)), None),
    "IIb": ((3, 1, F(2, 3)), (1, 1, F(0)), (1, 2, F(-1, 2)), None, (1, 1, F(-1))),
    "IIc": ((3, 1, F(-1, 3)), (1, 1, F(-1)), (1, 2, F(1, 2)), None, (1, 1, F(0))),
    "Va": ((3, 3, F(2, 3)), (1, 1, F(0)), (1, 2, F(-1, 2)), (1, 2, F(-1, 2)), None),
    "Vb": ((3, 3, F(2, 3)), (1, 1, F(0)), (1, 2, F(-1, 2)), None, (1, 1, F(-1))),
    "Vc": ((3, 3, F(-1, 3)), (1, 1, F(-1)), (1, 2, F(1, 2)), None, (1, 1, F(0))),
}

REFERENCES = ("Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228",
              "Arcadi, Calibbi, Fedele, Mescia, arXiv:2103.09835",
              "Arnan, Hofer, Mescia, Crivellin, JHEP 04 (2017) 043, arXiv:1608.07832",
              "Arnan, Crivellin, Fedele, Mescia, JHEP 06 (2019) 118, arXiv:1904.05890")

MINPAR = "MINPAR"


def class_f(row: str, *, code: int, self_conjugate: dict[str, bool], description: str,
            mixing_blocks: dict | None = None) -> ModelDescription:
    """Class F, row ``row``: fermion mediator Ψ, scalars Φ_q, Φ_ℓ, and Φ'_ℓ or Ψ'.

    ``self_conjugate`` marks the neutral singlets that are Majorana (fermions) or real
    (scalars), e.g. {"Psi": True} for the Majorana Ψ of F_Ib.
    """
    q, lep, med, lep2, med2 = TABLE_II[row]
    sc = self_conjugate
    fields = [
        Fermion("Psi", mass(MINPAR, 1, "M_Psi", "flavour mediator"), colour=med[0], su2=med[1],
                Y=med[2], majorana=sc.get("Psi", False), symbol=r"\Psi"),
    ]
    if med2 is not None:
        fields.append(Fermion("Psi'", mass(MINPAR, 2, "M_Psi'", "fermion mixing with Psi"),
                              colour=med2[0], su2=med2[1], Y=med2[2],
                              majorana=sc.get("Psi'", False), symbol=r"\Psi'"))
    else:
        fields.append(Scalar("Phi_l'", mass(MINPAR, 2, "M_Phi_l'", "scalar mixing with Phi_l"),
                             colour=lep2[0], su2=lep2[1], Y=lep2[2], real=sc.get("Phi_l'", False),
                             symbol=r"\Phi_\ell'"))
    fields += [
        Scalar("Phi_q", mass(MINPAR, 3, "M_Phi_q", "quark-side scalar"), colour=q[0], su2=q[1],
               Y=q[2], symbol=r"\Phi_q"),
        Scalar("Phi_l", mass(MINPAR, 4, "M_Phi_l", "lepton-side scalar"), colour=lep[0],
               su2=lep[1], Y=lep[2], real=sc.get("Phi_l", False), symbol=r"\Phi_\ell"),
    ]
    yukawas = [
        Yukawa("Q", "Psi", "Phi_q", flavour_couplings("GAMMAQIN", "Gamma^Q", "Q_i-bar P_R Psi Phi_q")),
        Yukawa("L", "Psi", "Phi_l", flavour_couplings("GAMMALIN", "Gamma^L", "L_i-bar P_R Psi Phi_l")),
    ]
    if med2 is not None:
        yukawas.append(Yukawa("E", "Psi'", "Phi_l",
                              flavour_couplings("GAMMAEIN", "Gamma^E", "E_i-bar P_L Psi' Phi_l")))
        mixings = (FermionMixing("Psi", "Psi'", coupling(MINPAR, 5, "lambda_L^H", description=
                                                         "-(lambda_L Psi-bar P_L Psi' H) in L"),
                                 coupling(MINPAR, 6, "lambda_R^H",
                                          description="-(lambda_R Psi-bar P_R Psi' H) in L")),)
        roles = {"Psi'": "Psi'/Phi'"}
    else:
        yukawas.append(Yukawa("E", "Psi", "Phi_l'",
                              flavour_couplings("GAMMAEIN", "Gamma^E", "E_i-bar P_L Psi Phi_l'")))
        mixings = (Trilinear(("Phi_l*", "Phi_l'", _higgs(lep, lep2)),
                             trilinear(MINPAR, 5, "a_H", description="a_H Phi_l^+ Phi_l' H in V")),)
        roles = {"Phi_l'": "Phi_l'/Psi_l'"}
    roles.update({"Psi": "Psi/Phi", "Phi_q": "Phi_q/Psi_q", "Phi_l": "Phi_l/Psi_l"})
    return ModelDescription(
        name=f"F_{row}", description=description, fields=tuple(fields), yukawas=tuple(yukawas),
        mixings=mixings, references=REFERENCES, code=code, mixing_blocks=mixing_blocks or {},
        classification=("F", row), roles=roles)


def _higgs(a, b) -> str:
    """H or H* in a Φ_a† Φ_b H-type trilinear: the one that conserves hypercharge."""
    return "H" if -a[2] + b[2] + F(1, 2) == 0 else "H*"
