"""Quark flavour beyond b→s (bridge.matching pair functions, ckm_rotated) against SM anchors,
closed forms and symmetries.

* B_d and K mixing: the top–Goldstone box with l_q = g m_t V_tq^*/(√2 M_W) tends to flavio's SM
  C_VLL = −(G_F² M_W²/4π²) ξ_t² S_0(x_t) (Inami & Lim; flavio's mesonmixing/wilsoncoefficient.py,
  its top–top term for K) as x_t → ∞, as the B_s anchor of tests/test_engine.py;
* b→d C9 = −C10 against the arXiv:1608.07832 single-pair closed form with 𝒩_bd;
* equal couplings of d and s: the physical amplitudes (coefficient × CKM normalisation) of b→d
  and b→s are equal (C9, C7, C8, CVLL);
* s→dνν: flavio's CL_sd multiplies (s̄ d) with V_td V_ts^*, C9_sd (d̄ s) with V_ts V_td^*: in
  the SU(2) limit hermiticity gives CL_sdνν = (C9^box_sd)^*;
* D mixing: the CKM rotation of Q-doublet couplings (l_j = Σ_i V_ji l_i) and the closed form
  CVLL = −(l_c l_u^*)² F(x, x)/(128π² M_F²);
* flavio: a positive real CVLL_bdbd lowers ΔM_d (the sign of the B_s case, physics.md §1.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import engine, loops, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector

pytestmark = pytest.mark.flavio


def top_sector(m_t, m_scalar, couplings):
    return DarkSector((DarkFermion("t", m_t, 2 / 3, colour=3),), (DarkScalar("H-", m_scalar, -1.0),),
                      {q: [[c]] for q, c in couplings.items()})


@pytest.mark.parametrize(("pair", "q_bar", "q"), [("bdbd", "d", "b"), ("sdsd", "d", "s")])
def test_bd_and_k_mixing_goldstone_box_reproduces_the_sm(sm, pair, q_bar, q):
    from flavio.physics.mesonmixing.wilsoncoefficient import S0_box

    g_over = 2.0 * math.sqrt(math.sqrt(2.0) * sm.GF)
    xi = sm.xi_t(q_bar, q)
    v = sm.ckm
    col = {"d": 0, "s": 1, "b": 2}
    deviations = []
    for m_t in (2.0e4, 8.0e4, 3.0e5):
        coup = g_over * m_t / math.sqrt(2.0)
        sector = top_sector(m_t, sm.m_W, {q_bar: coup * np.conj(v[2, col[q_bar]]),
                                          q: coup * np.conj(v[2, col[q]])})
        got = matching.meson_mixing(sector)[f"CVLL_{pair}"]
        x_t = (m_t / sm.m_W) ** 2
        expected = -(sm.GF**2 * sm.m_W**2) / (4 * math.pi**2) * xi**2 * S0_box(x_t, x_t, 0.0)
        deviation = abs(got / expected - 1)
        assert deviation < 8 * (2 * math.log(x_t) - 3) / x_t  # the W boxes left out
        deviations.append(deviation)
    assert deviations[0] > deviations[1] > deviations[2]


def test_b_to_d_c9_single_pair_closed_form(sm):
    """C9_bd = −C10_bd = −𝒩_bd l_d l_b^* |l_μ|² [F(x_q,x_l) + 2G(x_q,x_l)]/(32πα M_F²)."""
    sector = DarkSector((DarkFermion("F", 900.0, 0.0, majorana=True),),
                        (DarkScalar("Sq", 1400.0, -1 / 3, colour=3), DarkScalar("Sl", 600.0, -1.0)),
                        {"d": [[0.6 - 0.1j, 0]], "b": [[-0.5, 0]], "mu": [[0, 1.3]]})
    wc = matching.semileptonic(sector, sm, pair="bd")
    x_q, x_l = (1400.0 / 900.0) ** 2, (600.0 / 900.0) ** 2
    loop = loops.arnan_F(x_q, x_l) + 2 * loops.arnan_G(x_q, x_l)
    norm_bd = 1 / (4 * sm.GF / math.sqrt(2) * sm.xi_t("d", "b"))
    expected = -norm_bd * (0.6 - 0.1j) * -0.5 * 1.3**2 * loop / (32 * math.pi * sm.alpha_e_bsll * 900.0**2)
    box = wc["C9_bdmumu"] - matching.photon_c9(sector, sm, "L", "d", "b")
    assert box == pytest.approx(expected, rel=1e-12)
    assert wc["C10_bdmumu"] == pytest.approx(-expected, rel=1e-12)


def test_equal_d_and_s_couplings_give_equal_amplitudes(sm):
    """b→d and b→s with the same couplings: coefficient × CKM prefactor is the same."""
    coup = {"d": [[0.6 - 0.1j, 0]], "s": [[0.6 - 0.1j, 0]], "b": [[-0.5, 0]], "mu": [[0, 1.3]]}
    sector = DarkSector((DarkFermion("F", 900.0, 0.0),),
                        (DarkScalar("Sq", 1400.0, -1 / 3, colour=3), DarkScalar("Sl", 600.0, -1.0)), coup)
    bs = matching.quark_coefficients(sector, sm)
    bd = matching.down_quark_coefficients(sector, sm.replace(m_d=sm.m_s))
    lam_s, lam_d = sm.lambda_t, sm.xi_t("d", "b")
    for name in ("C9_{}mumu", "C10_{}mumu", "C7_{}", "C8_{}"):
        assert bd[name.format("bd")] * lam_d == pytest.approx(bs[name.format("bs")] * lam_s, rel=1e-12)
    assert bd["CVLL_bdbd"] == pytest.approx(bs["CVLL_bsbs"], rel=1e-12)


def test_s_to_d_nunu_is_the_conjugate_of_the_charged_lepton_box_in_the_su2_limit(sm):
    """Neutrino and muon coupling alike through degenerate scalars: CL_sdν_μν_μ (s̄ d, V_td V_ts^*)
    = (C9_sdμμ^box)^* (d̄ s, V_ts V_td^*), the hermitian conjugate operator."""
    lep = 1.1 + 0.4j
    sector = DarkSector((DarkFermion("F", 800.0, 0.0, majorana=True),),
                        (DarkScalar("Sq", 1300.0, -1 / 3, colour=3), DarkScalar("Sl", 500.0, -1.0),
                         DarkScalar("Sn", 500.0, 0.0)),
                        {"d": [[0.5 + 0.3j, 0, 0]], "s": [[-0.7 + 0.2j, 0, 0]],
                         "mu": [[0, lep, 0]], "nu_mu": [[0, 0, lep]]})
    parts: dict = {}
    wc = matching.semileptonic(sector, sm, parts, pair="sd")
    assert wc["CL_sdnumunumu"] == pytest.approx(np.conj(parts["C9_sdmumu_box"]), rel=1e-12)
    assert parts["C9_sdmumu_box"] == pytest.approx(-parts["C10_sdmumu_box"], rel=1e-12)


def test_ckm_rotation_of_up_type_couplings_and_d_mixing_closed_form(sm):
    """Only the second Q family couples (interaction basis): ū_j couples with V_js y, and
    CVLL_ucuc = −(V_cs V_us^* y²)² F(x,x)/(128π² M_F²) for a Dirac F and a scalar S."""
    y, m_f, m_s = 0.8, 1000.0, 1500.0
    sector = DarkSector((DarkFermion("F", m_f, 0.0),), (DarkScalar("S", m_s, 2 / 3, colour=3),),
                        {"c": [[y]]})
    rotated = matching.ckm_rotated(sector, sm)
    v = sm.ckm
    for k, u in enumerate(engine.UP_QUARKS):
        assert rotated.l(u)[0, 0] == pytest.approx(v[k, 1] * y, rel=1e-14)
    assert sector.l("u")[0, 0] == 0  # the original is untouched
    x = (m_s / m_f) ** 2
    coupling = (v[1, 1] * y) * np.conj(v[0, 1] * y)
    expected = -coupling**2 * loops.arnan_F(x, x) / (128 * math.pi**2 * m_f**2)
    got = matching.meson_mixing(sector, rotated)["CVLL_ucuc"]
    assert got == pytest.approx(expected, rel=1e-12)


def test_positive_cvll_bdbd_lowers_delta_m_d():
    import flavio

    from bridge.flavio_setup import make_wilson

    sm_value = flavio.sm_prediction("DeltaM_d")
    np_value = flavio.np_prediction("DeltaM_d", make_wilson({"CVLL_bdbd": 2e-12}, 160.0))
    assert np_value < sm_value


def test_ckm_rotated_copy_does_not_reuse_the_originals_penguins(sm):
    """The engine caches penguins by particle names only; the rotated copy shares the mass
    tensors with the original but not the penguins of its other up-type couplings: a c→u
    photon penguin asked of the original first, then of the copy, is the copy's own (before,
    the copy handed back the original's zero)."""
    y, m_f, m_s = 0.8, 1000.0, 1500.0
    sector = DarkSector((DarkFermion("F", m_f, 0.0),), (DarkScalar("S", m_s, 2 / 3, colour=3),),
                        {"c": [[y]]})
    assert engine.photon_penguin(sector, "L", "u", "c") == 0  # ū couples to nothing here
    rotated = matching.ckm_rotated(sector, sm)
    alone = matching.ckm_rotated(DarkSector(sector.fermions, sector.scalars, {"c": [[y]]}), sm)
    got = engine.photon_penguin(rotated, "L", "u", "c")
    assert got != 0 and got == engine.photon_penguin(alone, "L", "u", "c")
    assert engine.z_penguin(rotated, sm, "L", "u", "c") == engine.z_penguin(alone, sm, "L", "u", "c")
