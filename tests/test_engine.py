"""The generic one-loop engine against independent results and limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import engine, loops, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings

pytestmark = pytest.mark.flavio


def one_pair_sector(m_f, m_q, m_l, l_s, l_b, l_mu, r_mu=0.0, majorana=True):
    """One neutral fermion, a coloured Q=-1/3 quark-side scalar and a Q=-1 lepton-side scalar."""
    fermions = (DarkFermion("F", m_f, 0.0, majorana=majorana),)
    scalars = (DarkScalar("Sq", m_q, -1 / 3, colour=3), DarkScalar("Sl", m_l, -1.0))
    left = {"s": [[l_s, 0]], "b": [[l_b, 0]], "mu": [[0, l_mu]]}
    right = {"mu": [[0, r_mu]]} if r_mu else {}
    return DarkSector(fermions, scalars, left, right)


def top_sector(m_t, m_scalar, coupling_s, coupling_b, z=None):
    """A Dirac 'top' (Q=2/3, colour 3) and a charged colourless scalar (Q=-1)."""
    return DarkSector((DarkFermion("t", m_t, 2 / 3, colour=3),),
                      (DarkScalar("H-", m_scalar, -1.0),),
                      {"s": [[coupling_s]], "b": [[coupling_b]]}, {}, z)


def test_bs_mixing_dirac_box_reproduces_flavio_sm_goldstone_limit(sm):
    """Sign and normalisation of the ΔF=2 box, fixed by the SM.

    With Goldstone couplings l_q = g m_t V_tq^*/(√2 M_W) (Dirac top, Q=2/3) the box
    must tend to flavio's SM C_VLL = −(G_F² M_W²/4π²) λ_t² S_0(x_t) for x_t → ∞
    (flavio/physics/mesonmixing/wilsoncoefficient.py; Inami & Lim 1981), where the
    Goldstone box dominates: the remaining W boxes are O(ln x_t / x_t).
    """
    from flavio.physics.mesonmixing.wilsoncoefficient import S0_box

    m_w = sm.m_W
    g_over = 2.0 * math.sqrt(math.sqrt(2.0) * sm.GF)  # g/M_W with g² = 4√2 G_F M_W²
    lam = sm.lambda_t
    deviations = []
    for m_t in (2.0e4, 8.0e4, 3.0e5):
        coup = g_over * m_t / math.sqrt(2.0)
        # l_s l_b^* = coupling² V_ts^* V_tb = coupling² λ_t
        sector = top_sector(m_t, m_w, coup * lam, coup)
        got = engine.box_bsbs(sector)
        x_t = (m_t / m_w) ** 2
        flavio_sm = -(sm.GF**2 * m_w**2) / (4 * math.pi**2) * lam**2 * S0_box(x_t, x_t, 0.0)
        deviation = abs(got / flavio_sm - 1)
        # the W boxes the Goldstone box leaves out are ~ 8(2 ln x_t − 3)/x_t of S_0
        assert deviation < 8 * (2 * math.log(x_t) - 3) / x_t
        deviations.append(deviation)
        assert got.real * (lam**2).real < 0  # constructive with the SM
    assert deviations[0] > deviations[1] > deviations[2]


def test_bs_mixing_single_pair_closed_form():
    """C_VLL = −(l_s l_b^*)² [F(x,x) + 2κ G(x,x)]/(128π² M_F²)  (arXiv:1608.07832 form)."""
    l_s, l_b = 0.7 + 0.2j, -0.4 + 0.1j
    for majorana in (False, True):
        for m_f, m_s in ((1000.0, 1500.0), (800.0, 300.0), (1000.0, 1000.0)):
            sector = DarkSector((DarkFermion("F", m_f, 0.0, majorana=majorana),),
                                (DarkScalar("S", m_s, -1 / 3, colour=3),),
                                {"s": [[l_s]], "b": [[l_b]]})
            x = (m_s / m_f) ** 2
            kappa = 1.0 if majorana else 0.0
            loop = loops.arnan_F(x, x) + 2 * kappa * loops.arnan_G(x, x)
            expected = -((l_s * np.conj(l_b)) ** 2) * loop \
                / (128 * math.pi**2 * m_f**2)
            assert engine.box_bsbs(sector) == pytest.approx(expected, rel=1e-12)


def test_majorana_crossed_box_cancels_bs_mixing_at_degeneracy():
    """F(1,1) + 2G(1,1) = 0: a Majorana fermion degenerate with the scalar gives no B_s mixing."""
    dirac = DarkSector((DarkFermion("F", 1000.0, 0.0),), (DarkScalar("S", 1000.0, -1 / 3, colour=3),),
                       {"s": [[0.8]], "b": [[0.75]]})
    majorana = DarkSector((DarkFermion("F", 1000.0, 0.0, majorana=True),),
                          (DarkScalar("S", 1000.0, -1 / 3, colour=3),), {"s": [[0.8]], "b": [[0.75]]})
    assert abs(engine.box_bsbs(majorana)) < 1e-14 * abs(engine.box_bsbs(dirac))


def test_c9_c10_single_pair_closed_form(sm):
    """C9 = −C10 = −𝒩 l_s l_b^* |l_μ|² [F(x_q,x_l) + 2κ G(x_q,x_l)]/(32πα M_F²) (physics.md §4.1)."""
    for majorana in (False, True):
        sector = one_pair_sector(900.0, 1400.0, 600.0, 0.6, -0.5, 1.3, majorana=majorana)
        wc = matching.semileptonic(sector, sm)
        x_q, x_l = (1400.0 / 900.0) ** 2, (600.0 / 900.0) ** 2
        kappa = 1.0 if majorana else 0.0
        loop = loops.arnan_F(x_q, x_l) + 2 * kappa * loops.arnan_G(x_q, x_l)
        expected = -sm.norm_bs * 0.6 * -0.5 * 1.3**2 * loop \
            / (32 * math.pi * sm.alpha_e_bsll * 900.0**2)
        box = wc["C9_bsmumu"] - matching.photon_c9(sector, sm)
        assert box == pytest.approx(expected, rel=1e-12)
        assert wc["C10_bsmumu"] == pytest.approx(-expected, rel=1e-12)
        assert wc["CL_bsnumunumu"] == 0  # no neutrino coupling in this sector


def test_boxes_decouple_as_inverse_mass_squared(sm):
    base = one_pair_sector(900.0, 1400.0, 600.0, 0.6, -0.5, 1.3, r_mu=0.3)
    heavy = one_pair_sector(9000.0, 14000.0, 6000.0, 0.6, -0.5, 1.3, r_mu=0.3)
    for name in ("C10_bsmumu", "C7_bs", "C8_bs"):
        lo = matching.quark_coefficients(base, sm)[name]
        hi = matching.quark_coefficients(heavy, sm)[name]
        assert hi == pytest.approx(lo / 100, rel=1e-10)
    assert engine.box_bsbs(heavy) == pytest.approx(engine.box_bsbs(base) / 100, rel=1e-10)


def ciuchini_f7_1(y):
    """F_7^(1)(y) of hep-ph/9710335 (2HDM charged Higgs, cot²β term)."""
    return (y * (7 - 5 * y - 8 * y**2) / (24 * (y - 1) ** 3)
            + y**2 * (3 * y - 2) * math.log(y) / (4 * (y - 1) ** 4))


def ciuchini_f7_2(y):
    return y * (3 - 5 * y) / (12 * (y - 1) ** 2) + y * (3 * y - 2) * math.log(y) / (6 * (y - 1) ** 3)


def ciuchini_f8_1(y):
    return y * (2 + 5 * y - y**2) / (8 * (y - 1) ** 3) - 3 * y**2 * math.log(y) / (4 * (y - 1) ** 4)


def ciuchini_f8_2(y):
    return y * (3 - y) / (4 * (y - 1) ** 2) - y * math.log(y) / (2 * (y - 1) ** 3)


@pytest.mark.parametrize("m_h", [300.0, 600.0, 1500.0])
def test_dipoles_reproduce_2hdm_charged_higgs(sm, m_h):
    """C7, C8 of a type-II charged Higgs: C7 = (A_u²/3) F7^(1)(y) − A_u A_d F7^(2)(y) and
    C8 likewise (Ciuchini, Degrassi, Gambino, Giudice, hep-ph/9710335), y = m_t²/M_H²,
    with H⁺ couplings (g/√2M_W) ū V (A_u m_u P_L − A_d m_d P_R) d H⁺.
    Fixes sign and normalisation of the dipole functions relative to the SM."""
    tan_beta = 3.0
    a_u, a_d = 1 / tan_beta, -tan_beta
    g_over = 2.0 * math.sqrt(math.sqrt(2.0) * sm.GF)
    m_t = sm.m_t
    lam = sm.lambda_t
    pre = g_over / math.sqrt(2.0)
    # d̄ (V^* A_u m_t P_R − V^* A_d m_d P_L) t H⁻ : l_d = pre V_td^* A_u m_t, r_d = −pre V_td^* A_d m_d
    v_ts_conj, v_tb_conj = lam, 1.0  # only the product V_ts^* V_tb = λ_t matters
    sector = DarkSector((DarkFermion("t", m_t, 2 / 3, colour=3),), (DarkScalar("H-", m_h, -1.0),),
                        {"s": [[pre * v_ts_conj * a_u * m_t]], "b": [[pre * v_tb_conj * a_u * m_t]]},
                        {"b": [[-pre * v_tb_conj * a_d * sm.m_b]]})  # m_s → 0, as in the paper
    got = matching.quark_dipoles(sector, sm.replace(m_s=0.0))
    y = (m_t / m_h) ** 2
    c7 = a_u**2 / 3 * ciuchini_f7_1(y) - a_u * a_d * ciuchini_f7_2(y)
    c8 = a_u**2 / 3 * ciuchini_f8_1(y) - a_u * a_d * ciuchini_f8_2(y)
    assert got["C7_bs"] == pytest.approx(c7, rel=1e-9)
    assert got["C8_bs"] == pytest.approx(c8, rel=1e-9)


def charged_higgs_z_sector(sm, m_t, m_h, coup_s, coup_b, charges=False):
    """Top + H⁻ with their Z couplings (or, with charges=True, photon charges instead)."""
    s2 = sm.s2w
    if charges:
        z = ZCouplings(np.array([[2 / 3]]), np.array([[2 / 3]]), np.array([[-1.0]]))
    else:
        z = ZCouplings(np.array([[0.5 - 2 / 3 * s2]]), np.array([[-2 / 3 * s2]]), np.array([[-0.5 + s2]]))
    return top_sector(m_t, m_h, coup_s, coup_b, z)


@pytest.mark.parametrize("m_h", [200.0, 800.0])
def test_z_penguin_reproduces_2hdm_charged_higgs(sm, m_h):
    """Y = −½ l_s l_b^* y(y − 1 − ln y)/(y − 1)², y = m_t²/M_H²: the H± Z penguin of the
    2HDM, C10 = −cot²β x_t/(8 s_W²) · y(y−1−ln y)/(y−1)² (e.g. Logan & Nierste,
    hep-ph/0004139), here independent of the dim-reg constants of physics.md §9."""
    coup_s, coup_b = 0.9 + 0.1j, 0.7
    sector = charged_higgs_z_sector(sm, sm.m_t, m_h, coup_s, coup_b)
    y = (sm.m_t / m_h) ** 2
    expected = -0.5 * coup_s * np.conj(coup_b) * y * (y - 1 - math.log(y)) / (y - 1) ** 2
    assert engine.z_penguin(sector, sm) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("masses", [(400.0, 900.0), (900.0, 400.0), (500.0, 500.0)])
def test_z_penguin_vanishes_for_photon_couplings(sm, masses):
    """Ward identity: with the Z couplings replaced by electric charges (g^L = g^R = Q_F,
    g^S = Q_S, and g_L^d = −½ + s²/3 = Q_d for s² = ½) the q² = 0 vertex vanishes
    for any masses; this tests the constants −½, −3/2 of physics.md §9."""
    sector = charged_higgs_z_sector(sm, *masses, 0.5, -0.3, charges=True)
    assert abs(engine.z_penguin(sector, sm.replace(s2w=0.5))) < 1e-14


def test_z_penguin_refuses_non_gauge_invariant_couplings(sm):
    sector = top_sector(400.0, 900.0, 0.5, 0.3,
                        ZCouplings(np.array([[0.3]]), np.array([[0.1]]), np.array([[0.2]])))
    with pytest.raises(ValueError, match="gauge invariant"):
        engine.z_penguin(sector, sm)


def test_charge_violating_coupling_is_rejected():
    with pytest.raises(ValueError, match="charge"):
        DarkSector((DarkFermion("F", 100.0, 0.0),), (DarkScalar("S", 200.0, 0.0),), {"b": [[1.0]]})


def test_mixed_quark_chiralities_are_refused(sm):
    sector = DarkSector((DarkFermion("F", 100.0, 0.0),), (DarkScalar("S", 200.0, -1 / 3, colour=3),),
                        {"s": [[1.0]], "b": [[1.0]]}, {"b": [[0.5]]})
    with pytest.raises(NotImplementedError, match="both chiralities"):
        matching.quark_coefficients(sector, sm)


def test_lepton_dipole_neutral_fermion_charged_scalar(sm):
    """Chirally enhanced Δa_μ = −m_μ m_F Re(l r^*) f_N2(x)/(16π² M_S²) (physics.md §7.2),
    and the non-enhanced part −m_μ²(|l|²+|r|²) f_N1(x)/(16π² M_S²)."""
    m_f, m_s, l_mu, r_mu = 300.0, 700.0, 1.1, -0.2
    sector = one_pair_sector(m_f, 2000.0, m_s, 0.0, 0.0, l_mu, r_mu=r_mu)
    x = (m_f / m_s) ** 2
    m = sm.m_mu
    expected = -(m * m_f * l_mu * r_mu * loops.f_N2(x) + m**2 * (l_mu**2 + r_mu**2) * loops.f_N1(x)) \
        / (16 * math.pi**2 * m_s**2)
    assert engine.delta_a_lepton(sector, "mu", m) == pytest.approx(expected, rel=1e-12)
    wc = matching.lepton_dipoles(sector, sm)
    assert matching.delta_a_from_c7(wc["C7_mumu"], m, sm) == pytest.approx(expected, rel=1e-12)


def test_semileptonic_box_is_the_distinguishable_bs_mixing_box():
    """The ΔF=1 box with the lepton pair carrying the quark couplings (through a copy of the
    quark-side scalar) is the ΔF=2 box without the ½ of two identical currents:
    C[(s̄b)(ē μ)] = 2 C_VLL(bsbs) for a Dirac fermion. This ties the sign of δC9 to the sign of
    the B_s-mixing box, which test_bs_mixing_dirac_box_reproduces_flavio_sm_goldstone_limit
    fixes against the SM."""
    l_s, l_b = 0.7 + 0.2j, -0.4 + 0.1j
    for m_f, m_s in ((1000.0, 1500.0), (700.0, 300.0)):
        mixing = DarkSector((DarkFermion("F", m_f, 0.0),), (DarkScalar("S", m_s, -1 / 3, colour=3),),
                            {"s": [[l_s]], "b": [[l_b]]})
        copy = DarkSector((DarkFermion("F", m_f, 0.0),),
                          (DarkScalar("S", m_s, -1 / 3, colour=3), DarkScalar("S'", m_s, -1.0)),
                          {"s": [[l_s, 0]], "b": [[l_b, 0]], "e": [[0, l_s]], "mu": [[0, l_b]]})
        semileptonic = engine.box_semileptonic(copy, "L", "L", lep_bar="e", lep="mu")
        assert semileptonic == pytest.approx(2 * engine.box_bsbs(mixing), rel=1e-12)
