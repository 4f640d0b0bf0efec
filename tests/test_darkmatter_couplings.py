"""The electroweak couplings bridge.assembly hands to the dark-matter module, checked by routes
that do not use the assembly's formulas: the Higgs coupling of the singlet–doublet candidate by
the Hellmann–Feynman theorem (finite differences of the Takagi masses in v) and by the
characteristic polynomial of the mass matrix, and the Z coupling of a real scalar pair through
Γ(Z → H A) of the inert doublet."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from models import model

from bridge import assembly
from bridge.card import parse_inputs, read_card
from bridge.darkmatter import invisible
from bridge.fields import (
    Fermion,
    ModelDescription,
    Quartic,
    Scalar,
    Yukawa,
    coupling,
    flavour_couplings,
    mass,
)
from bridge.model import ModelInputs
from bridge.sm import SMInputs

SM = SMInputs(GF=1.1663788e-05, alpha_e_bsll=0.007569084895987922,
              alpha_e_0=0.0072973525692838015, s2w=0.23121, m_W=80.379, m_Z=91.1876,
              m_e=0.00051099895, m_mu=0.1056583755, m_tau=1.77686, m_s=0.09247, m_b=4.195,
              m_t=172.5, lambda_t_re=-0.04119293936908705, lambda_t_im=0.0007457752431333196)


def f_ib(changes=None):
    desc = model("F_Ib").description
    path = Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha"
    inputs = parse_inputs(read_card(path), model("F_Ib").info())
    return desc, inputs.with_values(changes) if changes else inputs


def sm_with_vev(v):
    """The SM inputs with G_F chosen so that (√2 G_F)^{−1/2} = v."""
    return SM.replace(GF=1 / (math.sqrt(2) * v * v))


@pytest.mark.parametrize("changes", [None, {"MINPAR": {1: 700.0, 2: 500.0}},
                                     {"MINPAR": {1: 300.0, 2: 320.0, 5: -0.8, 6: 0.4}}])
def test_singlet_doublet_higgs_coupling_is_dm_dv(changes):
    """Hellmann–Feynman: for L ⊃ −½ h F̄ (Y P_L + Y* P_R) F (bridge.engine.HiggsCouplings) the
    diagonal Re Y_aa equals ∂m_a/∂v of the physical (Takagi) masses. Finite differences of the
    assembled masses at v ± δ (O(δ²) error) against the assembly's Y at v."""
    desc, inputs = f_ib(changes)
    plan = assembly.plan(desc)
    sector = assembly.assemble(plan, inputs, SM).sector
    v, d = SM.vev, 1e-3
    up = assembly.assemble(plan, inputs, sm_with_vev(v + d)).sector
    dn = assembly.assemble(plan, inputs, sm_with_vev(v - d)).sector
    y = np.asarray(sector.higgs.fermion)
    for a, F in enumerate(sector.fermions):
        if not F.majorana:
            continue
        dm_dv = (float(up.fermions[a].mass) - float(dn.fermions[a].mass)) / (2 * d)
        assert y[a, a].real == pytest.approx(dm_dv, rel=1e-6, abs=1e-9)


def test_singlet_doublet_higgs_coupling_closed_form():
    """The lightest state of M = [[M_S, a, b], [a, 0, M_D], [b, M_D, 0]] (a, b = λ_{L,R} v/√2,
    the seed's Eq. (6)) is a root of P(m, v) = (M_S − m)(m² − M_D²) + (a² + b²) m + 2ab M_D
    (expanded here by hand), so dm/dv = −∂_v P/∂_m P with ∂_v P = (2/v)[(a² + b²) m + 2ab M_D],
    ∂_m P = M_D² − m² + 2m(M_S − m) + a² + b² — the construction of Cheung & Sanford,
    arXiv:1311.5896 (the h χχ coupling from the characteristic polynomial), written out here.
    The card's point: λ_L = 0.5, λ_R = 0.3, M_S = 200, M_D = 1000, m_1 = 188.6 GeV."""
    desc, inputs = f_ib()
    sector = assembly.assemble(assembly.plan(desc), inputs, SM).sector
    ms, md, lam_l, lam_r = 200.0, 1000.0, 0.5, 0.3
    v = SM.vev
    a, b = lam_l * v / math.sqrt(2), lam_r * v / math.sqrt(2)
    m = float(sector.fermions[0].mass)
    p = (ms - m) * (m * m - md * md) + (a * a + b * b) * m + 2 * a * b * md
    assert abs(p) < 1e-6 * md**3  # m is the root
    dp_dv = 2 / v * ((a * a + b * b) * m + 2 * a * b * md)
    dp_dm = md * md - m * m + 2 * m * (ms - m) + a * a + b * b
    assert float(np.real(sector.higgs.fermion[0, 0])) == pytest.approx(-dp_dv / dp_dm, rel=1e-9)
    # the sizeable coupling behind σ_SI ≈ 5e-45 cm² at this point: |y| ≈ 0.09, no blind spot
    assert abs(-dp_dv / dp_dm) > 0.08


def inert_doublet():
    """An inert doublet η (1,2)_{1/2} split by λ5 (V ⊃ ½ λ5 (H†η)² + h.c.), with a Majorana
    singlet N (the description needs a fermion; its Yukawa couplings are zero)."""
    return ModelDescription(
        "ID", "inert doublet", (
            Fermion("N", mass("MINPAR", 1, "M_N"), majorana=True),
            Scalar("eta", mass("MINPAR", 2, "m_eta"), su2=2, Y=0.5)),
        (Yukawa("L", "N", "eta*", flavour_couplings("YIN", "y")),),
        (Quartic((("H*", "eta"), ("H*", "eta")), coupling("MINPAR", 3, "lambda5"), factor=0.5),))


def test_real_scalar_z_coupling_gives_the_inert_doublet_width():
    """Γ(Z → H A) = G_F m_Z³ λ^{3/2}(1, m_H²/m_Z², m_A²/m_Z²)/(24√2 π) (vertex (g/2c_W)(p_H − p_A),
    e.g. Barbieri, Hall, Rychkov, hep-ph/0603188, whose LEP bound m_H + m_A > m_Z it enforces),
    from the assembly's ZCouplings.scalar read as (scalar[B, A] − scalar[A, B])(p_A − p_B).
    Also: no Z → H H or A A (a real state has no diagonal vector current)."""
    desc = inert_doublet()
    inputs = ModelInputs({"MINPAR": {1: 500.0, 2: 30.0, 3: 0.01}, "YIN": {1: 0j, 2: 0j, 3: 0j}})
    sector = assembly.assemble(assembly.plan(desc), inputs, SM).sector
    neutral = [s for s in sector.scalars if s.charge == 0]
    assert len(neutral) == 2 and all(s.real for s in neutral)
    m_h, m_a = sorted(float(s.mass) for s in neutral)
    # m² = m_η² ∓ λ5 v²/2
    assert m_a**2 - m_h**2 == pytest.approx(0.01 * SM.vev**2, rel=1e-9)
    res = invisible.invisible_widths(sector, SM)
    z = {k: v for k, v in res.channels.items() if k.startswith("Z")}
    assert len(z) == 1
    mz = SM.m_Z
    lam = (1 - (m_h + m_a) ** 2 / mz**2) * (1 - (m_h - m_a) ** 2 / mz**2)
    expect = SM.GF * mz**3 * lam**1.5 / (24 * math.sqrt(2) * math.pi)
    assert next(iter(z.values())) == pytest.approx(expect, rel=1e-12)
    assert res.gamma_z_inv == pytest.approx(expect, rel=1e-12)
