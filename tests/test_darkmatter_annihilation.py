"""Annihilation amplitudes: closed forms from the literature and independent |M|² integrals.

Each channel is compared (i) with a closed form exact in s where the literature has one, or with
the velocity expansion of a cited closed form in the v → 0 limit, and (ii) with scipy's adaptive
quadrature over cos θ of a squared amplitude written independently of bridge.darkmatter (trace
formulas from the literature), to ≤ 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import helicity as H
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings

SMC = A.SMCouplings.from_sm(SM)
ALPHA = SMC.e2 / (4 * math.pi)


def sigma_v(W, sqrt_s, m1, m2):
    """σ v_Møller = W/(4 E1 E2) in the CM frame."""
    e1 = (sqrt_s**2 + m1**2 - m2**2) / (2 * sqrt_s)
    return W / (4 * e1 * (sqrt_s - e1))


def sqrt_s_at(v, m):
    """√s of two equal masses with relative velocity v (v_Møller = 2p/E in the CM)."""
    return 2 * m / math.sqrt(1 - v**2 / 4)


def w_from_quad(msq, sqrt_s, m3, m4, average, symmetry=1.0):
    """W = k/(8π√s) ∫ dcos θ ⟨|M|²⟩ S with adaptive quadrature."""
    k = float(H.two_body_momentum(sqrt_s, m3, m4))
    val, _ = quad(msq, -1, 1, epsabs=0, epsrel=1e-11, limit=200)
    return k / (8 * math.pi * sqrt_s) * val * average * symmetry


# -------------------------------------------------------------------------------------------
def test_spinors_complete_and_charge_conjugate():
    p = np.array([5.0, 1.0, -2.0, 3.0])
    m = math.sqrt(H.dot(p, p))
    u, v = H.u_spinors(p), H.v_spinors(p)
    su = sum(np.outer(u[s], H.bar(u)[s]) for s in range(2))
    sv = sum(np.outer(v[s], H.bar(v)[s]) for s in range(2))
    assert np.allclose(su, H.slash(p) + m * H.ONE)
    assert np.allclose(sv, H.slash(p) - m * H.ONE)
    # Dirac equation
    assert np.allclose((H.slash(p) - m * H.ONE) @ u.T, 0)
    assert np.allclose((H.slash(p) + m * H.ONE) @ v.T, 0)


@pytest.mark.parametrize("sqrt_s", [200.5, 250.0, 420.0, 600.0])
def test_fermion_pair_to_photons_dirac_formula(sqrt_s):
    """Dirac's exact pair-annihilation cross section (Heitler, "The Quantum Theory of
    Radiation", §27; Berestetskii–Lifshitz–Pitaevskii §88): σ = π r²/(γ+1) [(γ²+4γ+1)/(γ²−1)
    ln(γ+√(γ²−1)) − (γ+3)/√(γ²−1)], r = αQ²/m, γ = s/2m² − 1."""
    m = 100.0
    W = A.fermion_pair_to_photons(SMC, m, -1.0, np.array([sqrt_s]))[0]
    p = math.sqrt(sqrt_s**2 / 4 - m**2)
    sigma = W / (4 * p * sqrt_s)
    g = sqrt_s**2 / (2 * m**2) - 1
    r = ALPHA / m
    exact = math.pi * r**2 / (g + 1) * ((g * g + 4 * g + 1) / (g * g - 1) * math.log(g + math.sqrt(g * g - 1))
                                        - (g + 3) / math.sqrt(g * g - 1))
    assert sigma == pytest.approx(exact, rel=1e-6)


def test_scalar_pair_to_photons_threshold_and_gauge_invariance():
    """S S̄ → γγ: σv → 2πα²Q⁴/m² at threshold (e.g. Jungman et al., Phys. Rept. 267 (1996) 195,
    slepton/squark annihilation into photons); the amplitude vanishes for ε₁ → k₁; and W agrees
    with quad over the textbook spin-summed |M|² of scalar QED."""
    m, q = 150.0, -1.0
    rs = 2 * m * (1 + 1e-9)
    W = A.scalar_pair_to_photons(SMC, m, q, np.array([rs]))[0]
    assert sigma_v(W, rs, m, m) == pytest.approx(2 * math.pi * ALPHA**2 * q**4 / m**2, rel=1e-6)
    # gauge invariance: replace ε1 by k1
    rs = 420.0
    _, _, k1, k2 = A._kinematics(np.array([rs]), m, m, 0.0, 0.0)
    e2 = H.polarisations(k2, False)
    e1 = np.broadcast_to(k1[..., None, :], e2.shape)
    amp = A.scalar_photon_amplitude(SMC, m, q, np.array([rs]), pols=(e1, e2))
    assert np.max(np.abs(amp)) < 1e-12 * 2 * SMC.e2
    # independent spin sum, the textbook scalar-QED result (crossed scalar Compton scattering):
    # Σ|M|² = 4e⁴Q⁴ [1 + (1 − 2X)²], X = m² s/((t − m²)(u − m²))

    def msq(c):
        p1, _, k1, k2 = H.cm_momenta(np.array([rs]), m, m, 0.0, 0.0, np.array([c]))
        t, u = H.dot(p1 - k1, p1 - k1)[0, 0], H.dot(p1 - k2, p1 - k2)[0, 0]
        x = m**2 * rs**2 / ((t - m**2) * (u - m**2))
        return 4 * SMC.e2**2 * q**4 * (1 + (1 - 2 * x) ** 2)

    w_quad = w_from_quad(msq, rs, 0.0, 0.0, 1.0, 0.5)
    assert A.scalar_pair_to_photons(SMC, m, q, np.array([rs]))[0] == pytest.approx(w_quad, rel=1e-6)


# -------------------------------------------------------------------------------------------
def lepton_portal(m=100.0, M=150.0, y=1.0):
    """Majorana singlet χ with a charged scalar S⁻ coupled to μ_R (seed F_Ib, M_Ψ ≪ M_Ψ')."""
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", M, -1.0),),
                     right={"mu": np.array([[y]])})
    chi = A.Species("chi", "F", 0, m, 0.0, 1, 2, True)
    return sec, chi


def test_majorana_t_u_channel_swave_and_pwave():
    """χχ → μ⁺μ⁻ via t/u S⁻: s-wave σv = y⁴ m_μ² β/(32π (m² + M² − m_μ²)²) (helicity
    suppressed; Kopp, Michaels, Smirnov, arXiv:1401.6457, Eq. (4)) and p-wave
    σv = y⁴ v² m²(m⁴ + M⁴)/(48π (m² + M²)⁴) (Bai, Berger, arXiv:1402.6696, Eq. (2))."""
    m, M, y = 100.0, 150.0, 1.0
    sec, chi = lepton_portal(m, M, y)
    mf = SMC.mass["mu"]

    def sv(v):
        rs = sqrt_s_at(v, m)
        w = A.fermion_pair_to_fermions(sec, SMC, chi, chi, "mu", "mu", np.array([rs]))[0]
        return sigma_v(w, rs, m, m)

    a = y**4 * mf**2 * math.sqrt(1 - mf**2 / m**2) / (32 * math.pi * (m**2 + M**2 - mf**2) ** 2)
    b = y**4 * m**2 * (m**4 + M**4) / (48 * math.pi * (m**2 + M**2) ** 4)
    v = 1e-5
    assert sv(v) == pytest.approx(a, rel=1e-5)
    v = 1e-2
    assert (sv(v) - a) / v**2 == pytest.approx(b, rel=2e-4)  # m_μ²/m² corrections to b


@pytest.mark.parametrize("sqrt_s", [200.01, 230.0, 320.0, 500.0])
def test_majorana_full_msq_against_trace_formula(sqrt_s):
    """Massless final state: Σ|M|² = y⁴ [(m² − t)²/(t − M²)² + (m² − u)²/(u − M²)²
    − 2 m² s/((t − M²)(u − M²))] (single chirality; e.g. Jungman et al. Phys. Rept. 267,
    sfermion exchange in neutralino annihilation), integrated with quad. Uses ν (massless)."""
    m, M, y = 100.0, 140.0, 0.7
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S0", M, 0.0),),
                     left={"nu_mu": np.array([[y]])})
    chi = A.Species("chi", "F", 0, m, 0.0, 1, 2, True)
    W = A.fermion_pair_to_fermions(sec, SMC, chi, chi, "nu_mu", "nu_mu", np.array([sqrt_s]))[0]
    s = sqrt_s**2
    p = math.sqrt(s / 4 - m**2)
    k = sqrt_s / 2

    def msq(c):
        t = m**2 - 2 * (sqrt_s / 2) * k + 2 * p * k * c
        u = 2 * m**2 - s - t
        return y**4 * ((m**2 - t) ** 2 / (t - M**2) ** 2 + (m**2 - u) ** 2 / (u - M**2) ** 2
                       - 2 * m**2 * s / ((t - M**2) * (u - M**2)))

    assert W == pytest.approx(w_from_quad(msq, sqrt_s, 0, 0, 0.25), rel=1e-6)


def test_dirac_pair_t_channel_only_and_no_u_channel():
    """A Dirac χχ̄ pair has no u-channel: Σ|M|² = y⁴ (m² − t)²/(t − M²)² (massless f)."""
    m, M, y, rs = 100.0, 140.0, 0.7, 260.0
    sec = DarkSector((DarkFermion("chi", m, 0.0),), (DarkScalar("S0", M, 0.0),),
                     left={"nu_mu": np.array([[y]])})
    chi = A.Species("chi", "F", 0, m, 0.0, 1, 2, False)
    chibar = A.Species("chi~", "F", 0, m, 0.0, 1, 2, False, True)
    W = A.fermion_pair_to_fermions(sec, SMC, chi, chibar, "nu_mu", "nu_mu", np.array([rs]))[0]
    p, k = math.sqrt(rs**2 / 4 - m**2), rs / 2

    def msq(c):
        t = m**2 - 2 * (rs / 2) * k + 2 * p * k * c
        return y**4 * (m**2 - t) ** 2 / (t - M**2) ** 2

    assert W == pytest.approx(w_from_quad(msq, rs, 0, 0, 0.25), rel=1e-6)


@pytest.mark.parametrize("sqrt_s", [210.0, 300.0, 700.0])
def test_charged_dirac_pair_photon_s_channel(sqrt_s):
    """F⁺F⁻ → μ⁺μ⁻ via γ only: σ = (4πα²Q_F²Q_f²/3s)(β_f/β_F)(1 + 2m_F²/s)(1 + 2m_f²/s)
    (e⁺e⁻ → μ⁺μ⁻ with both masses, Peskin & Schroeder Eq. (5.13) and problem 5.2)."""
    m = 100.0
    sec = DarkSector((DarkFermion("F-", m, -1.0),), (DarkScalar("S", 500.0, 0.0),))
    f = A.Species("F-", "F", 0, m, -1.0, 1, 2, False)
    fb = A.Species("F-~", "F", 0, m, 1.0, 1, 2, False, True)
    W = A.fermion_pair_to_fermions(sec, SMC, f, fb, "mu", "mu", np.array([sqrt_s]))[0]
    s = sqrt_s**2
    mf = SMC.mass["mu"]
    bF, bf = math.sqrt(1 - 4 * m**2 / s), math.sqrt(1 - 4 * mf**2 / s)
    sigma = 4 * math.pi * ALPHA**2 / (3 * s) * bf / bF * (1 + 2 * m**2 / s) * (1 + 2 * mf**2 / s)
    p = math.sqrt(s / 4 - m**2)
    assert W / (4 * p * sqrt_s) == pytest.approx(sigma, rel=1e-6)


@pytest.mark.parametrize("sqrt_s", [60.0, 91.0, 150.0])
def test_vector_z_s_channel_massless(sqrt_s):
    """Dirac pair with a vector Z coupling z into ν ν̄ (massless, left-handed only): the spin sum
    of e⁺e⁻ → μ⁺μ⁻ with one massive pair (Peskin & Schroeder Eq. (5.10)),
    8e⁴[(m² − t)² + (m² − u)² + 2m² s]/s², with e²/s → (g/c_W)² z g_L × Breit–Wigner and a
    factor ½ for the single chirality (the q^μq^ν term vanishes on massless ν)."""
    m, z = 25.0, 0.3
    sec = DarkSector((DarkFermion("F0", m, 0.0),), (DarkScalar("S", 500.0, 0.0),),
                     z=ZCouplings(np.array([[z]]), np.array([[z]]), np.zeros((1, 1))))
    f = A.Species("F0", "F", 0, m, 0.0, 1, 2, False)
    fb = A.Species("F0~", "F", 0, m, 0.0, 1, 2, False, True)
    W = A.fermion_pair_to_fermions(sec, SMC, f, fb, "nu_e", "nu_e", np.array([sqrt_s]))[0]
    s = sqrt_s**2
    gl = 0.5
    bw2 = 1 / ((s - SMC.m_z**2) ** 2 + SMC.m_z**2 * SMC.gamma_z**2)
    p, k = math.sqrt(s / 4 - m**2), sqrt_s / 2
    c2 = SMC.g_z2**2 * z**2 * gl**2 * bw2

    def msq(c):
        t = m**2 - 2 * (sqrt_s / 2) * k + 2 * p * k * c
        u = 2 * m**2 - s - t
        return 8 * c2 * ((m**2 - t) ** 2 + (m**2 - u) ** 2 + 2 * m**2 * s) / 2

    assert W == pytest.approx(w_from_quad(msq, sqrt_s, 0, 0, 0.25), rel=1e-6)


# -------------------------------------------------------------------------------------------
def f_iib_like(ms=100.0, M=150.0, y=1.0, lam_v=0.0, lepton="mu"):
    """Real scalar singlet S with a vector-like charged fermion F⁻ (seed F_IIb)."""
    higgs = HiggsCouplings(np.zeros((1, 1)), np.array([[lam_v]])) if lam_v else None
    sec = DarkSector((DarkFermion("F-", M, -1.0),), (DarkScalar("S", ms, 0.0, real=True),),
                     left={lepton: np.array([[y]])}, higgs=higgs)
    return sec, A.Species("S", "S", 0, ms, 0.0, 1, 1, True)


def test_real_scalar_swave_and_dwave():
    """SS → f f̄ via t/u F: s-wave σv = y⁴ m_f² (1 − m_f²/m²)^{3/2}/(4π m⁴ (1 + r² − m_f²/m²)²)
    (Toma, arXiv:1307.6181, Eq. (2)); d-wave σv = y⁴ v⁴/(60π m² (1 + r²)⁴) for m_f → 0
    (Giacchino, Lopez-Honorez, Tytgat, arXiv:1307.6480, Eq. (8)), r = M_F/m."""
    ms, M, y = 100.0, 150.0, 1.0
    sec, S = f_iib_like(ms, M, y, lepton="mu")
    mf = SMC.mass["mu"]
    x, r = mf**2 / ms**2, M / ms

    def sv(sec, f, v):
        rs = sqrt_s_at(v, ms)
        return sigma_v(A.scalar_pair_to_fermions(sec, SMC, S, S, f, f, np.array([rs]))[0], rs, ms, ms)

    a = y**4 * mf**2 / (4 * math.pi * ms**4) * (1 - x) ** 1.5 / (1 + r * r - x) ** 2
    assert sv(sec, "mu", 1e-5) == pytest.approx(a, rel=1e-7)
    sec_e, _ = f_iib_like(ms, M, y, lepton="e")
    d = y**4 / (60 * math.pi * ms**2) / (1 + r * r) ** 4
    me2 = SMC.mass["e"] ** 2 / ms**2
    a_e = y**4 * me2 / (4 * math.pi * ms**2) * (1 - me2) ** 1.5 / (1 + r * r - me2) ** 2
    v = 0.02
    assert (sv(sec_e, "e", v) - a_e) / v**4 == pytest.approx(d, rel=2e-3)  # O(v²) corrections


@pytest.mark.parametrize("sqrt_s", [210.0, 250.0, 400.0])
def test_higgs_portal_exact_in_s(sqrt_s):
    """SS → b b̄ through h alone: σ v_rel = 2 λ² v² |D_h|² Γ_h(√s)/√s with
    Γ_h(√s) = N_c m_b² √s β³/(8π v²) (Cline, Scott, Kainulainen, Weniger, arXiv:1306.4710,
    Eq. (A.5) and after, λ_hs v = the hSS vertex)."""
    ms, lam_v = 100.0, 30.0
    sec, S = f_iib_like(ms, 150.0, 0.0, lam_v=lam_v)
    sec.left = {}
    W = A.scalar_pair_to_fermions(sec, SMC, S, S, "b", "b", np.array([sqrt_s]))[0]
    s = sqrt_s**2
    mb = SMC.mass["b"]
    beta = math.sqrt(1 - 4 * mb**2 / s)
    gam = 3 * mb**2 * sqrt_s * beta**3 / (8 * math.pi * SMC.vev**2)
    d2 = 1 / ((s - SMC.m_h**2) ** 2 + SMC.m_h**2 * SMC.gamma_h**2)
    lam = lam_v / SMC.vev
    expect = 2 * lam**2 * SMC.vev**2 * d2 * gam / sqrt_s
    assert sigma_v(W, sqrt_s, ms, ms) == pytest.approx(expect, rel=1e-6)


def test_gauss_legendre_matches_adaptive_quadrature_for_coannihilating_pair():
    """The production angular rule against quad for a mixed pair (t-channel + photon)."""
    m, M, rs = 100.0, 130.0, 330.0
    sec = DarkSector((DarkFermion("F-", m, -1.0),), (DarkScalar("S0", M, 0.0),),
                     left={"mu": np.array([[0.8]])})
    f = A.Species("F-", "F", 0, m, -1.0, 1, 2, False)
    fb = A.Species("F-~", "F", 0, m, 1.0, 1, 2, False, True)
    W = A.fermion_pair_to_fermions(sec, SMC, f, fb, "mu", "mu", np.array([rs]))[0]
    mf = SMC.mass["mu"]

    def msq(c):
        old = A._COS
        try:
            A._COS = np.array([c])
            amp = A.fermion_pair_amplitude(sec, SMC, f, fb, "mu", "mu", np.array([rs]))
        finally:
            A._COS = old
        return float(np.sum(np.abs(amp) ** 2))

    assert W == pytest.approx(w_from_quad(msq, rs, mf, mf, 0.25), rel=1e-6)
