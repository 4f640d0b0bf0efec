"""Direct detection (tree level, per nucleon) and invisible widths against textbook formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from models import SM

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import constants as C
from bridge.darkmatter import direct, invisible
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings

SMC = A.SMCouplings.from_sm(SM)


def f_n_prime(nucleon):
    """Σ_{u,d,s} f_Tq + (2/9) f_TG with DirectDM's σ terms."""
    mn = direct.M_NUCLEON[nucleon]
    ftq = sum(direct.SIGMA_Q[nucleon][q] for q in "uds") / mn
    return ftq + 2 / 9 * (1 - ftq)


def test_scalar_higgs_portal_si_textbook():
    """Real scalar singlet, Higgs exchange only: σ_SI = λ_hs² f_N² μ² m_N²/(4π m_h⁴ m_S²)
    (Cline, Scott, Kainulainen, Weniger, arXiv:1306.4710, Eq. (3.2); the hSS vertex is λ_hs v)."""
    ms, lam = 300.0, 0.1
    sec = DarkSector((DarkFermion("F-", 500.0, -1.0),), (DarkScalar("S", ms, 0.0, real=True),),
                     higgs=HiggsCouplings(np.zeros((1, 1)), np.array([[lam * SMC.vev]])))
    res = direct.direct_detection(sec, SM)
    mn = C.M_PROTON
    mu = ms * mn / (ms + mn)
    expect = lam**2 * f_n_prime("p") ** 2 * mu**2 * mn**2 / (4 * math.pi * SMC.m_h**4 * ms**2)
    assert res.sigma_si_p == pytest.approx(expect * C.GEV2_TO_CM2, rel=1e-12)
    assert res.sigma_sd_p == 0.0


def test_majorana_and_dirac_higgs_exchange_agree():
    """The same h χχ vertex (−i Re Y) gives the same σ_SI for a Majorana and a Dirac χ: the
    Majorana ½ in L and its two Wick contractions cancel (the κ = 4 bookkeeping)."""
    m, y = 200.0, 0.05
    maj = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S", 900.0, 0.0),),
                     higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    dirac = DarkSector((DarkFermion("chi", m, 0.0),), (DarkScalar("S", 900.0, 0.0),),
                       higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    a, b = direct.direct_detection(maj, SM), direct.direct_detection(dirac, SM)
    assert a.sigma_si_p == pytest.approx(b.sigma_si_p, rel=1e-12)
    mn = C.M_PROTON
    mu = m * mn / (m + mn)
    expect = y**2 * mu**2 * (mn * f_n_prime("p")) ** 2 / (math.pi * SMC.vev**2 * SMC.m_h**4)
    assert a.sigma_si_p == pytest.approx(expect * C.GEV2_TO_CM2, rel=1e-12)


def test_dirac_z_exchange_goodman_witten():
    """Dirac χ with the Z couplings of a neutrino (z_L = ½): σ_χN = G_F² μ² Q_W²/(8π) with
    Q_W = 1 per neutron and −(1 − 4 s_W²) per proton (Goodman & Witten, Phys. Rev. D31 (1985)
    3059, Eq. (2))."""
    m = 100.0
    sec = DarkSector((DarkFermion("chi", m, 0.0),), (DarkScalar("S", 900.0, 0.0),),
                     z=ZCouplings(np.array([[0.5]]), np.zeros((1, 1)), np.zeros((1, 1))))
    res = direct.direct_detection(sec, SM)
    for sigma, mn, qw in ((res.sigma_si_n, C.M_NEUTRON, 1.0), (res.sigma_si_p, C.M_PROTON, 1 - 4 * SM.s2w)):
        mu = m * mn / (m + mn)
        assert sigma == pytest.approx(SM.GF**2 * mu**2 * qw**2 / (8 * math.pi) * C.GEV2_TO_CM2, rel=1e-12)


def test_majorana_sd_from_coloured_mediator_and_z_interfere():
    """Majorana χ coupled to s_L through a coloured scalar, plus an axial Z coupling: SD is
    non-zero, SI vanishes at tree level, and the two SD pieces add coherently (a = a_S + a_Z)."""
    m = 300.0

    def sector(gamma, G):
        return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),),
                          (DarkScalar("Phi", 1000.0, -1 / 3, colour=3),), left={"s": np.array([[gamma]])},
                          z=ZCouplings(np.array([[G]]), np.array([[-G]]), np.zeros((1, 1))))

    s_only = direct.direct_detection(sector(0.5, 0.0), SM).sigma_sd_p
    z_only = direct.direct_detection(sector(0.0, 0.01), SM).sigma_sd_p
    both = direct.direct_detection(sector(0.5, 0.01), SM).sigma_sd_p
    assert s_only > 0 and z_only > 0
    assert direct.direct_detection(sector(0.5, 0.01), SM).sigma_si_p == 0.0
    amp = math.sqrt(both)
    assert amp == pytest.approx(math.sqrt(s_only) + math.sqrt(z_only)) \
        or amp == pytest.approx(abs(math.sqrt(s_only) - math.sqrt(z_only)))


def test_z_to_neutrinos_width_textbook():
    """Γ(Z → ν ν̄) = G_F m_Z³/(12√2 π) (PDG, Electroweak model review) from the explicit sums."""
    width = invisible.z_width_fermions(SMC, 0.0, 0.0, 0.5, 0.0, False)
    assert width == pytest.approx(SM.GF * SM.m_Z**3 / (12 * math.sqrt(2) * math.pi), rel=1e-12)


def test_higgs_to_majorana_pair_width():
    """h → χχ with L ⊃ −½ y h χ̄χ: Γ = y² m_h β³/(16π), half the Dirac h → f f̄ with the same
    y (Djouadi, Phys. Rept. 457 (2008) 1, Eq. (2.6): Γ = (m_f/v)² N_c m_h β³/(8π))."""
    m, y = 20.0, 0.02
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S", 500.0, 0.0),),
                     higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    res = invisible.invisible_widths(sec, SM)
    beta = math.sqrt(1 - 4 * m**2 / SMC.m_h**2)
    assert res.gamma_h_inv == pytest.approx(y**2 * SMC.m_h * beta**3 / (16 * math.pi), rel=1e-12)
    dirac = DarkSector((DarkFermion("chi", m, 0.0),), (DarkScalar("S", 500.0, 0.0),),
                       higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    assert invisible.invisible_widths(dirac, SM).gamma_h_inv == pytest.approx(2 * res.gamma_h_inv, rel=1e-12)
    assert res.ratio_h == pytest.approx(res.gamma_h_inv / (0.107 / 0.893 * C.GAMMA_HIGGS_SM))


def test_z_to_majorana_pair_is_p_wave():
    """Z → χχ (Majorana, axial G): vanishes as β³ at threshold (no vector current)."""
    G = 0.2
    w1 = invisible.z_width_fermions(SMC, 45.0, 45.0, G, -G, True)
    w2 = invisible.z_width_fermions(SMC, 44.0, 44.0, G, -G, True)
    b1, b2 = (math.sqrt(1 - 4 * m**2 / SMC.m_z**2) for m in (45.0, 44.0))
    assert w1 / w2 == pytest.approx((b1 / b2) ** 3, rel=1e-9)
