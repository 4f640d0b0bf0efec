"""Two-boson final states (bridge.darkmatter.bosons): closed forms from the literature, gauge
invariance (photon Ward identity, no E²/m_W² growth of longitudinal amplitudes) and the angular
rule against adaptive quadrature."""

from __future__ import annotations

import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad

from bridge import assembly
from bridge.darkmatter import annihilation as A
from bridge.darkmatter import bosons as B
from bridge.darkmatter import helicity as H
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, WCouplings, ZCouplings
from bridge.model import ModelInputs

G = B.Gauge.from_sm(SM)


def wino(m, m_plus=None):
    """A Majorana neutral state and a Dirac charged one of an SU(2) triplet (Y = 0): T⁺ on the
    T3 = −1 component is √2, the charged state's Z coupling T3 − s²Q = −c_W²."""
    m_plus = m if m_plus is None else m_plus
    cw2 = 1 - G.s2w
    zd = np.diag([0.0, -cw2]).astype(complex)
    z = ZCouplings(zd, zd.copy(), np.zeros((1, 1)))
    wl = np.zeros((2, 2), complex)
    wl[0, 1] = math.sqrt(2)
    return DarkSector((DarkFermion("chi0", m, 0.0, majorana=True), DarkFermion("chi-", m_plus, -1.0)),
                      (DarkScalar("S", 20 * m, 0.0),), z=z, w=WCouplings(wl, wl.copy(), np.zeros((1, 1))))


def sigma_v(W, rs, m1, m2):
    e1 = (rs**2 + m1**2 - m2**2) / (2 * rs)
    return W / (4 * e1 * (rs - e1))


def test_wino_to_ww_swave():
    """Pure wino χ⁰χ⁰ → W⁺W⁻ at v → 0: σv = 2πα₂² (1 − x)^{3/2}/(m² (1 − x/2)²), x = m_W²/m²
    (Hisano, Matsumoto, Nojiri, Saito, hep-ph/0412403, tree level; t/u-channel χ^± only)."""
    m = 500.0
    cp = B.Couplings(wino(m), G, G.s2w)
    rs = 2 * m / math.sqrt(1 - 1e-8 / 4)
    sv = sigma_v(B.w_fermions(cp, (0, 1), (0, 1), "W+", "W-", np.array([rs]))[0], rs, m, m)
    x = G.m_w**2 / m**2
    alpha2 = G.g**2 / (4 * math.pi)
    expect = 2 * math.pi * alpha2**2 * (1 - x) ** 1.5 / (m * m * (1 - x / 2) ** 2)
    assert sv == pytest.approx(expect, rel=1e-7)


@pytest.mark.parametrize("rs", [1000.5, 1300.0, 3000.0])
def test_charged_pair_to_photons_is_dirac_formula(rs):
    """χ⁺χ⁻ → γγ through the generic t/u-channel code equals Dirac's pair annihilation formula
    exact in s (the QED routine of annihilation.py, tested against Heitler's closed form)."""
    m = 500.0
    cp = B.Couplings(wino(m), G, G.s2w)
    smc = A.SMCouplings.from_sm(SM)
    w = B.w_fermions(cp, (1, 1), (1, 1), "a", "a", np.array([rs]))[0]
    dirac = A.fermion_pair_to_photons(smc, m, -1.0, np.array([rs]))[0] * (G.e**2 / smc.e2) ** 2
    assert w == pytest.approx(dirac, rel=1e-10)


def _photon_as_momentum(monkeypatch):
    orig = B._polarisations

    def pol(b, k):
        return k[..., None, :].copy() if b == "a" else orig(b, k)

    monkeypatch.setattr(B, "_polarisations", pol)


@pytest.mark.parametrize("start, end, X, Y", [((1, 1), (0, 1), "W-", "a"), ((1, 1), (1, 1), "Z", "a"),
                                              ((1, 1), (1, 1), "a", "a")])
def test_photon_ward_identity_fermions(monkeypatch, start, end, X, Y):
    """ε_γ → k_γ annuls the sum of t, u and s-channel (γWW vertex) diagrams: this fixes the
    sign of the triple gauge vertex relative to the dark currents."""
    cp = B.Couplings(wino(500.0, 520.0), G, G.s2w)
    _photon_as_momentum(monkeypatch)
    rs, cos = np.array([1500.0]), np.array([0.3, -0.7])
    total, momenta = B.fermion_pair_amplitude(cp, start, end, X, Y, rs, cos)
    amp = B._sandwich_fermions(total, momenta)
    assert np.max(np.abs(amp)) < 1e-12 * G.e**2 * rs[0]  # each diagram alone is O(e² √s)


def _longitudinal(cp, start, end, X, Y, rs, kind):
    """Σ|M|² with every massive vector longitudinal (polarisation index 2; h has one)."""
    lx, ly = (0 if b == "h" else 2 for b in (X, Y))
    rs, cos = np.array([rs]), np.array([0.3])
    if kind == "F":
        total, momenta = B.fermion_pair_amplitude(cp, start, end, X, Y, rs, cos)
        amp = B._sandwich_fermions(total, momenta)
        return float(np.sum(np.abs(amp[..., lx, ly, :, :]) ** 2))
    return float(np.sum(np.abs(B.scalar_pair_amplitude(cp, start, end, X, Y, rs, cos)[..., lx, ly]) ** 2))


def inert_doublet_sector(m=500.0, lam5=0.05):
    from test_darkmatter_couplings import SM as SM2
    from test_darkmatter_couplings import inert_doublet

    inputs = ModelInputs({"MINPAR": {1: 3000.0, 2: m, 3: lam5}, "YIN": {1: 0j, 2: 0j, 3: 0j}})
    return assembly.assemble(assembly.plan(inert_doublet()), inputs, SM2).sector


@pytest.mark.parametrize("case", ["wino +-", "wino 00", "wino -0 -> W-Z", "inert doublet HH", "inert +- ",
                                  "inert H+ -> W+ h", "singlet-doublet"])
def test_longitudinal_amplitudes_do_not_grow(case):
    """|M(W_L W_L)|² at √s = 10 and 100 TeV: each diagram grows like s²/m_W⁴, their sum must
    not (tree unitarity; Lee–Quigg–Thacker). The sector's Z, W and h couplings come from the
    assembly for the inert doublet (λ5 splitting) and the singlet–doublet F_Ib."""
    if case.startswith("wino"):
        cp, kind = B.Couplings(wino(500.0), G, G.s2w), "F"
        start, end, X, Y = {"wino +-": ((1, 1), (1, 1), "W+", "W-"), "wino 00": ((0, 1), (0, 1), "W+", "W-"),
                            "wino -0 -> W-Z": ((1, 1), (0, 1), "W-", "Z")}[case]
    elif case.startswith("inert"):
        sec = inert_doublet_sector()
        cp, kind = B.Couplings(sec, G, SM.s2w), "S"
        names = [s.name for s in sec.scalars]
        neutral = [k for k, s in enumerate(sec.scalars) if s.charge == 0]
        ch = next(k for k, s in enumerate(sec.scalars) if s.charge != 0)
        qch = sec.scalars[ch].charge
        if case == "inert doublet HH":
            start, end, X, Y = (neutral[0], 1), (neutral[0], 1), "W+", "W-"
        elif case == "inert +- ":
            start, end, X, Y = (ch, 1), (ch, 1), "W+", "W-"
        else:  # the charged state with a neutral one, into W h
            W = "W+" if qch > 0 else "W-"
            start, end, X, Y = (ch, 1), (neutral[0], 1), W, "h"
        assert names
    else:
        from test_darkmatter_couplings import SM as SM2
        from test_darkmatter_couplings import f_ib

        desc, inputs = f_ib({"MINPAR": {1: 400.0, 2: 450.0}})
        sec = assembly.assemble(assembly.plan(desc), inputs, SM2).sector
        cp, kind = B.Couplings(sec, G, SM2.s2w), "F"
        start, end, X, Y = (0, 1), (0, 1), "W+", "W-"
    low = _longitudinal(cp, start, end, X, Y, 1e4, kind)
    high = _longitudinal(cp, start, end, X, Y, 1e5, kind)
    # a single diagram would grow by (10)^4; the sum levels off (or falls)
    assert high < 1.5 * low + 1e-12


def higgs_portal(ms, lam):
    """Real singlet S, V ⊃ ½ λ H†H S²: hSS vertex λv, hhSS λ (HiggsCouplings.scalar, scalar2)."""
    return DarkSector((DarkFermion("F", 10 * ms, 0.0, majorana=True),),
                      (DarkScalar("S", ms, 0.0, real=True),),
                      higgs=HiggsCouplings(np.zeros((1, 1)), np.array([[lam * G.vev]]), np.array([[lam]])))


@pytest.mark.parametrize("X, delta", [("W+", 1.0), ("Z", 0.5)])
@pytest.mark.parametrize("rs", [400.0, 700.0, 2500.0])
def test_higgs_portal_to_vector_pairs_exact_in_s(X, delta, rs):
    """SS → VV through h: σ v_rel = λ² s δ_V |D_h|² (1 − 4x + 12x²) √(1 − 4x)/(8π), x = m_V²/s,
    δ_W = 1, δ_Z = ½ (Cline, Scott, Kainulainen, Weniger, arXiv:1306.4710, App. A)."""
    ms, lam = 190.0, 0.2
    cp = B.Couplings(higgs_portal(ms, lam), G, G.s2w)
    Y = "W-" if X == "W+" else "Z"
    w = B.w_scalars(cp, (0, 1), (0, 1), X, Y, np.array([rs]))[0]
    s = rs * rs
    x = G.mass(X) ** 2 / s
    d2 = 1 / ((s - G.m_h**2) ** 2)  # above threshold: no width in the boson channels
    expect = lam**2 * s * delta * d2 * (1 - 4 * x + 12 * x * x) * math.sqrt(1 - 4 * x) / (8 * math.pi)
    assert sigma_v(w, rs, ms, ms) == pytest.approx(expect, rel=1e-10)


@pytest.mark.parametrize("rs", [300.0, 520.0, 900.0])
def test_higgs_portal_to_hh_against_quadrature(rs):
    """SS → hh: contact, s-channel h (hhh = 3m_h²/v) and t/u-channel S, written out by hand,
    M = −λ[1 + 3m_h² D_h(s) + λv²/(t − m_S²) + λv²/(u − m_S²)], integrated with quad, ≤ 1e-6 up
    to √s = 6.4 m_S, the end of the relic grid (√s = 2√10 m₁); the 24-node rule drifts to ~2e-5
    at √s = 11 m_S on this forward-peaked t-channel, beyond the grid."""
    ms, lam = 140.0, 0.3
    cp = B.Couplings(higgs_portal(ms, lam), G, G.s2w)
    w = B.w_scalars(cp, (0, 1), (0, 1), "h", "h", np.array([rs]))[0]
    s, mh, v = rs * rs, G.m_h, G.vev
    p = math.sqrt(s / 4 - ms * ms)
    k = math.sqrt(s / 4 - mh * mh)

    def msq(c):
        t = ms * ms + mh * mh - 2 * (rs / 2) ** 2 + 2 * p * k * c
        u = 2 * ms * ms + 2 * mh * mh - s - t
        amp = -lam * (1 + 3 * mh**2 / (s - mh**2) + lam * v * v / (t - ms**2) + lam * v * v / (u - ms**2))
        return amp * amp

    val, _ = quad(msq, -1, 1, epsabs=0, epsrel=1e-12)
    expect = k / (8 * math.pi * rs) * val * 0.5
    assert w == pytest.approx(expect, rel=1e-6)


@pytest.mark.parametrize("rs", [1010.0, 1400.0, 3000.0])
def test_gauss_legendre_against_quadrature_for_ww(rs):
    """The production angular rule (24 Gauss–Legendre nodes) against adaptive quadrature of the
    same Σ|M|² for wino-like χ⁺χ⁻ → W⁺W⁻ (t-channel χ⁰, s-channel γ, Z), ≤ 1e-6."""
    cp = B.Couplings(wino(500.0), G, G.s2w)
    w = B.w_fermions(cp, (1, 1), (1, 1), "W+", "W-", np.array([rs]))[0]

    def msq(c):
        amp = B._sandwich_fermions(*B.fermion_pair_amplitude(cp, (1, 1), (1, 1), "W+", "W-", np.array([rs]),
                                                             np.array([c])))
        return float(np.sum(np.abs(amp) ** 2))

    val, _ = quad(msq, -1, 1, epsabs=0, epsrel=1e-10, limit=200)
    k = float(H.two_body_momentum(rs, G.m_w, G.m_w))
    assert w == pytest.approx(k / (8 * math.pi * rs) * val * 0.25, rel=1e-6)
