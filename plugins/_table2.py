"""The minimal dark-loop models of arXiv:2104.03228 (Arcadi, Calibbi, Fedele, Mescia, PRL 127
(2021) 061802), Table II, classes F and S, as model descriptions.

Each row gives the gauge quantum numbers (SU(3), SU(2))_Y of the five columns
Φ_q/Ψ_q, Φ_ℓ/Ψ_ℓ, Ψ/Φ, Φ'_ℓ/Ψ'_ℓ, Ψ'/Φ' (Table I: Y = 1/6 − X, −1/2 − X, X, −1 − X, −1/2 + X);
rows Ia, Ic, IIa, Va carry the fourth column, rows Ib, IIb, IIc, Vb, Vc the fifth. Class F takes a
fermion flavour mediator Ψ with scalars Φ_q, Φ_ℓ and Φ'_ℓ or a fermion Ψ'; class S the mirror, a
scalar mediator Φ with fermions Ψ_q, Ψ_ℓ and Ψ'_ℓ or a scalar Φ'. The Lagrangians are the seed's

    L_F^{Φ_ℓΦ'_ℓ} ⊃ Γ^Q Q̄ P_R Ψ Φ_q + Γ^L L̄ P_R Ψ Φ_ℓ + Γ^E Ē P_L Ψ Φ'_ℓ + a_H Φ_ℓ† Φ'_ℓ H,
    L_F^{ΨΨ'}     ⊃ Γ^Q Q̄ P_R Ψ Φ_q + Γ^L L̄ P_R Ψ Φ_ℓ + Γ^E Ē P_L Ψ' Φ_ℓ + λ^H Ψ̄ Ψ' H,
    L_S^{Ψ_ℓΨ'_ℓ} ⊃ Γ^Q Q̄ P_R Ψ_q Φ + Γ^L L̄ P_R Ψ_ℓ Φ + Γ^E Ē P_L Ψ'_ℓ Φ + λ^H Ψ̄_ℓ Ψ'_ℓ H,
    L_S^{ΦΦ'}     ⊃ Γ^Q Q̄ P_R Ψ_q Φ + Γ^L L̄ P_R Ψ_ℓ Φ + Γ^E Ē P_L Ψ_ℓ Φ' + a_H Φ† Φ' H

(+ h.c.; Eq. (4), the equation below Table II — its "Γ^E Ē P_L Ψ Φ'_ℓ" in the ΨΨ' case reads
Ē P_L Ψ' Φ_ℓ, as in its F_Ib Lagrangian — and the two class-S equations). So the fourth column
takes the place of the lepton-side field (column 2) in the Γ^E term and mixes with it; the fifth
takes the place of the mediator (column 3). H or H̃ and the SU(2) contractions follow from the
hypercharges (bridge.fields, bridge.su2: δ for 2̄ × 2, ε for 2 × 2, and for a triplet the
invariant normalised to first entry +1, i.e. Q̄ σ^a Ψ Φ_q^a for Q̄ Ψ Φ_q with Φ_q a triplet and
−(1/√2) Q̄ σ^a Ψ_q^a Φ for Q̄ Ψ_q Φ with Ψ_q a triplet; Γ^Q multiplies these).

Dark matter (the seed's requirements: a neutral SU(2) singlet coupling to muons, Majorana, real,
or one component of a complex scalar split by more than ~100 keV; or mixed with a doublet):
every neutral SU(2) singlet of a row is self-conjugate — a Majorana fermion or a real scalar —
except the mediator Φ (1,1)_0 of S_Ia and S_Ib. There a real Φ would cancel the b→sμμ box
exactly: with Φ = Φ* the crossed contraction (Φ from the s̄ vertex to the μ̄ vertex) reverses the
lepton line, −k̸ for k̸, and cancels the direct box at any masses (and the B_s box likewise), so
δC9 = −δC10 could not come from the box (tests/test_table2.py checks it). S_Ia and S_Ib therefore
take a complex Φ, the seed's third option, with the splitting term V ⊃ ½ λ_Φ (H†H) Φ² + h.c.
(MINPAR 7, default 0): m²(Φ_R) − m²(Φ_I) = λ_Φ v². See :data:`DARK_MATTER` for each row.

Card conventions (those of F_Ib and F_IIb): Block MINPAR 1 the mediator mass (Ψ or Φ), 2 the mass
of the fourth field, 3 of the quark-side field (Φ_q or Ψ_q), 4 of the lepton-side field (Φ_ℓ or
Ψ_ℓ), 5 and 6 the Higgs couplings λ^H_L, λ^H_R (fermion pairs) or 5 the trilinear a_H [GeV]
(scalar pairs), 7 λ_Φ (S_Ia, S_Ib); Blocks GAMMAQIN, GAMMALIN, GAMMAEIN hold Γ^Q_i, Γ^L_i, Γ^E_i
(imaginary parts in IM…).

Left-handed limit (Γ^E = 0, no Higgs mixing), group factors and closed forms: with χ_ff' =
Σ_{a,b,A,B} c^f_{aA} c^{f*}_{bA} c^{f'*}_{aB} c^{f'}_{bB} over the SU(2) components (c^f_{aA} the
Clebsch–Gordan coefficient of f̄, fermion component a, scalar component A; class S sums over the
scalar on each line instead), arXiv:1608.07832's boxes read, in our sign convention,

    class F: δC9 = −δC10 = −𝒩 Γ_sΓ_b^*|Γ_μ|² [χ_μ F(x_q, x_ℓ) + 2 χ^M_μ G(x_q, x_ℓ)] / (32πα M_Ψ²)
    class S: δC9 = −δC10 = −𝒩 Γ_sΓ_b^*|Γ_μ|² χ_μ F(y_q, y_ℓ) / (32πα M_Φ²)   (complex Φ)

(𝒩⁻¹ = (4G_F/√2) V_tb V_ts^*, x = M_{Φq,ℓ}²/M_Ψ², y = M_{Ψq,ℓ}²/M_Φ², χ^M only for Majorana Ψ):
χ_μ = 1 for every class-F row and for S_I, S_II; χ_μ = 1/2 for S_V (the −1/√2 above). The two
classes have the same sign: the class-S box is the class-F loop with the propagator types
exchanged, and the (V−A)⊗(V−A) Fierz rearrangement the class-F box needs is +1 for anticommuting
fields. So δC9 < 0 needs Γ_sΓ_b^* < 0 in both (λ_t < 0). b→sνν (χ_ν) and B_s mixing (χ_BB)
take the same forms; χ_ν = 1, 0, 2 (F_I, F_II, F_V), 1, 0, 1 (S_I, S_II, S_V); χ_BB = 1, 1, 5
(F), 1, 1, 5/4 (S). tests/test_table2.py derives these from the components by hand and checks
every row against them, and the relation S_X = (χ_S/χ_F) F_X with the masses exchanged.
"""

from __future__ import annotations

from fractions import Fraction

from bridge.fields import (
    Fermion,
    FermionMixing,
    ModelDescription,
    Quartic,
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
ROWS = tuple(TABLE_II)
#: The columns of Table II (the roles of a description's fields).
COLUMNS = ("Phi_q/Psi_q", "Phi_l/Psi_l", "Psi/Phi", "Phi_l'/Psi_l'", "Psi'/Phi'")
#: Field names of the columns per class, their spin (True: fermion) and MINPAR mass entries.
NAMES = {"F": ("Phi_q", "Phi_l", "Psi", "Phi_l'", "Psi'"),
         "S": ("Psi_q", "Psi_l", "Phi", "Psi_l'", "Phi'")}
FERMION = {"F": (False, False, True, False, True), "S": (True, True, False, True, False)}
SYMBOLS = {"Phi_q": r"\Phi_q", "Phi_l": r"\Phi_\ell", "Psi": r"\Psi", "Phi_l'": r"\Phi_\ell'",
           "Psi'": r"\Psi'", "Psi_q": r"\Psi_q", "Psi_l": r"\Psi_\ell", "Phi": r"\Phi",
           "Psi_l'": r"\Psi_\ell'", "Phi'": r"\Phi'"}
MASS_KEY = (3, 4, 1, 2, 2)
MASS_TEXT = ("quark-side", "lepton-side", "flavour mediator", "mixes with the lepton-side field",
             "mixes with the mediator")

#: Block MASS bases: 99gl000 with g = 0, 2, 4 (class F rows I, II, V), 5, 6, 7 (class S) and
#: l = 1, 0, 2 for a, b, c (F_Ib and F_IIb keep the 9900000 and 9920000 they always had).
CODES = {(cls, row): 9900000 + 10000 * g + 1000 * {"a": 1, "b": 0, "c": 2}[row[-1]]
         for cls, groups in (("F", (0, 2, 4)), ("S", (5, 6, 7)))
         for g, stem in zip(groups, ("I", "II", "V"), strict=True)
         for row in (stem + "a", stem + "b", stem + "c")}

#: The dark-matter choice of every row: the self-conjugate fields, the candidate and why.
DARK_MATTER = {
    ("F", "Ia"): ({"Psi": True}, "Majorana singlet Psi (singlet DM)",
                  "Psi (1,1)_0 is the only neutral singlet and couples to muons"),
    ("F", "Ib"): ({"Psi": True}, "Majorana singlet Psi mixed with the doublet Psi'^0 (singlet-doublet DM)",
                  "the seed's own choice (Fig. 2)"),
    ("F", "Ic"): ({"Phi_l'": True}, "real singlet Phi_l' mixed with Re Phi_l^0 (singlet-doublet DM)",
                  "Phi_l' (1,1)_0 is the only neutral singlet; a_H mixes it with the doublet"),
    ("F", "IIa"): ({"Phi_l": True}, "real singlet Phi_l mixed with Re Phi_l'^0 (singlet-doublet DM)",
                   "Phi_l (1,1)_0 couples to muons; a_H mixes it with the doublet Phi_l'"),
    ("F", "IIb"): ({"Phi_l": True}, "real singlet Phi_l (singlet DM)",
                   "the seed's supplement: real scalar DM"),
    ("F", "IIc"): ({"Psi'": True}, "Majorana singlet Psi' mixed with the doublet Psi^0 (singlet-doublet DM)",
                   "the seed's illustration of L_F^{PsiPsi'}: Psi' a Majorana singlet"),
    ("F", "Va"): ({"Phi_l": True}, "real singlet Phi_l mixed with Re Phi_l'^0 (singlet-doublet DM)",
                  "as F_IIa, with a triplet Phi_q"),
    ("F", "Vb"): ({"Phi_l": True}, "real singlet Phi_l (singlet DM)", "as F_IIb, with a triplet Phi_q"),
    ("F", "Vc"): ({"Psi'": True}, "Majorana singlet Psi' mixed with the doublet Psi^0 (singlet-doublet DM)",
                  "as F_IIc, with a triplet Phi_q"),
    ("S", "Ia"): ({}, "lighter component of the complex singlet Phi (singlet DM)",
                  "a real Phi would cancel the C9 = -C10 box exactly; a complex Phi split by "
                  "lambda_Phi (MINPAR 7) is the seed's third option"),
    ("S", "Ib"): ({}, "lighter component of the complex singlet Phi mixed with Phi'^0 "
                      "(singlet-doublet DM)", "as S_Ia; a_H mixes Phi with the doublet Phi'"),
    ("S", "Ic"): ({"Psi_l'": True}, "Majorana singlet Psi_l' mixed with the doublet Psi_l^0 "
                                    "(singlet-doublet DM)",
                  "Psi_l' (1,1)_0 is the only neutral singlet; lambda^H mixes it with the doublet"),
    ("S", "IIa"): ({"Psi_l": True}, "Majorana singlet Psi_l mixed with the doublet Psi_l'^0 "
                                    "(singlet-doublet DM)",
                   "Psi_l (1,1)_0 couples to muons; lambda^H mixes it with the doublet Psi_l'"),
    ("S", "IIb"): ({"Psi_l": True}, "Majorana singlet Psi_l (singlet DM)",
                   "Psi_l (1,1)_0 is the only neutral singlet and couples to muons"),
    ("S", "IIc"): ({"Phi'": True}, "real singlet Phi' mixed with Re Phi^0 (singlet-doublet DM)",
                   "Phi' (1,1)_0 is the only neutral singlet; a_H mixes it with the doublet Phi"),
    ("S", "Va"): ({"Psi_l": True}, "Majorana singlet Psi_l mixed with the doublet Psi_l'^0 "
                                   "(singlet-doublet DM)", "as S_IIa, with a triplet Psi_q"),
    ("S", "Vb"): ({"Psi_l": True}, "Majorana singlet Psi_l (singlet DM)", "as S_IIb, with a triplet Psi_q"),
    ("S", "Vc"): ({"Phi'": True}, "real singlet Phi' mixed with Re Phi^0 (singlet-doublet DM)",
                  "as S_IIc, with a triplet Psi_q"),
}

REFERENCES = ("Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228",
              "Arcadi, Calibbi, Fedele, Mescia, arXiv:2103.09835",
              "Arnan, Hofer, Mescia, Crivellin, JHEP 04 (2017) 043, arXiv:1608.07832",
              "Arnan, Crivellin, Fedele, Mescia, JHEP 06 (2019) 118, arXiv:1904.05890")

MINPAR = "MINPAR"
_SM_CHIRALITY = {"Q": "P_R", "L": "P_R", "E": "P_L"}


def class_f(row: str, **kwargs) -> ModelDescription:
    """Class F, row ``row``: fermion mediator Ψ, scalars Φ_q, Φ_ℓ, and Φ'_ℓ or Ψ' (see
    :func:`table_ii_model` for the keywords)."""
    return table_ii_model("F", row, **kwargs)


def class_s(row: str, **kwargs) -> ModelDescription:
    """Class S, row ``row``: scalar mediator Φ, fermions Ψ_q, Ψ_ℓ, and Ψ'_ℓ or Φ' (see
    :func:`table_ii_model` for the keywords)."""
    return table_ii_model("S", row, **kwargs)


def table_ii_model(cls: str, row: str, *, code: int | None = None,
                   self_conjugate: dict[str, bool] | None = None, description: str = "",
                   mixing_blocks: dict | None = None, sector_names: dict | None = None,
                   name: str | None = None) -> ModelDescription:
    """Row ``row`` of class ``cls`` ("F" or "S") of Table II as a description.

    ``self_conjugate`` marks the neutral singlets that are Majorana (fermions) or real (scalars),
    e.g. {"Psi": True} for the Majorana Ψ of F_Ib; default: the choice of :data:`DARK_MATTER`.
    A neutral singlet scalar left complex gets the splitting term ½ λ_Φ (H†H) φ² + h.c.
    (MINPAR 7). ``code`` defaults to :data:`CODES`, ``name`` to "F_Ia" etc.
    """
    columns = TABLE_II[row]
    names, spins = NAMES[cls], FERMION[cls]
    default_sc, dm_text, _ = DARK_MATTER[(cls, row)]
    sc = default_sc if self_conjugate is None else self_conjugate
    fields, roles, split = [], {}, []
    for k, rep in enumerate(columns):
        if rep is None:
            continue
        colour, dim, y = rep
        field_name = names[k]
        param = mass(MINPAR, MASS_KEY[k], f"M_{field_name}", MASS_TEXT[k])
        if spins[k]:
            fields.append(Fermion(field_name, param, colour=colour, su2=dim, Y=y,
                                  majorana=sc.get(field_name, False), symbol=SYMBOLS[field_name]))
        else:
            real = sc.get(field_name, False)
            fields.append(Scalar(field_name, param, colour=colour, su2=dim, Y=y, real=real,
                                 symbol=SYMBOLS[field_name]))
            if not real and colour == 1 and dim == 1 and y == 0:
                split.append(field_name)
        roles[field_name] = COLUMNS[k]
    fourth = 3 if columns[3] is not None else 4
    # Γ^Q, Γ^L couple the mediator (column 3) with columns 1, 2; Γ^E with the fourth column in
    # place of the lepton-side field (rows a) or of the mediator (rows b, c)
    pairs = {"Q": (0, 2), "L": (1, 2), "E": (3, 2) if fourth == 3 else (1, 4)}
    blocks = {"Q": ("GAMMAQIN", "Gamma^Q"), "L": ("GAMMALIN", "Gamma^L"), "E": ("GAMMAEIN", "Gamma^E")}
    yukawas = []
    for sm, (i, j) in pairs.items():
        fermion, scalar = (names[i], names[j]) if spins[i] else (names[j], names[i])
        block, symbol = blocks[sm]
        text = f"{sm}_i-bar {_SM_CHIRALITY[sm]} {fermion} {scalar}"
        yukawas.append(Yukawa(sm, fermion, scalar, flavour_couplings(block, symbol, text)))
    a, b = (1, 3) if fourth == 3 else (2, 4)
    if spins[a]:
        mixings = [FermionMixing(names[a], names[b],
                                 coupling(MINPAR, 5, "lambda_L^H",
                                          description=f"-(lambda_L {names[a]}-bar P_L {names[b]} H) in L"),
                                 coupling(MINPAR, 6, "lambda_R^H",
                                          description=f"-(lambda_R {names[a]}-bar P_R {names[b]} H) in L"))]
    else:
        higgs = _higgs(columns[a], columns[b])
        mixings = [Trilinear((names[a] + "*", names[b], higgs),
                             trilinear(MINPAR, 5, "a_H",
                                       description=f"a_H {names[a]}^+ {names[b]} {higgs} in V"))]
    for s in split:
        mixings.append(Quartic((("H*", "H"), (s, s)), coupling(
            MINPAR, 7, "lambda_Phi", description=f"1/2 lambda_Phi (H^+H) {s}^2 + h.c. in V"), factor=0.5))
    return ModelDescription(
        name=name or f"{cls}_{row}", description=description or _describe(cls, row, fields, dm_text),
        fields=tuple(sorted(fields, key=lambda f: MASS_KEY[names.index(f.name)])),
        yukawas=tuple(yukawas), mixings=tuple(mixings), references=REFERENCES,
        code=CODES[(cls, row)] if code is None else code, mixing_blocks=mixing_blocks or {},
        sector_names=sector_names or {}, classification=(cls, row), roles=roles,
        dark_matter=dm_text if sc == default_sc else "")


def _describe(cls: str, row: str, fields, dm_text: str) -> str:
    """One line: the field content and the dark-matter choice."""
    kinds = {"dirac": "", "majorana": " Majorana", "complex": "", "real": " real"}
    content = ", ".join(f"{f.name}{kinds[f.kind]} {f.representation()}" for f in fields)
    return f"{content}; DM: {dm_text.split(' (')[0]}"


def _higgs(a, b) -> str:
    """H or H* in a Φ_a† Φ_b H-type trilinear: the one that conserves hypercharge."""
    return "H" if -a[2] + b[2] + F(1, 2) == 0 else "H*"


def all_models() -> dict[str, ModelDescription]:
    """The 18 rows by name (F_Ib and F_IIb with the mixing-block names they always had)."""
    from bridge_plugins import F_Ib, F_IIb

    out = {}
    for cls in ("F", "S"):
        for row in ROWS:
            name = f"{cls}_{row}"
            out[name] = {"F_Ib": F_Ib.DESCRIPTION, "F_IIb": F_IIb.DESCRIPTION}.get(name) \
                or table_ii_model(cls, row)
    return out
