"""Coloured dark pairs and fermion–scalar coannihilation (bridge.darkmatter.coloured).

Each channel against a closed form from the literature (time-reversed heavy-quark and squark
pair production, exact in s, via detailed balance) or an independently written spin-summed
|M|² (Dirac traces in the Dirac basis, polarisation sums −g_μν (+ kk/m²), no spinors) integrated
with adaptive quadrature, ≤ 1e-6; the Ward identity for every gluon and photon; colour factors
against explicit SU(3) generators; Ωh² of a coloured-coannihilation toy across a channel
threshold and the coannihilation window.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import bosons as B
from bridge.darkmatter import coloured as CO
from bridge.darkmatter import helicity as H
from bridge.darkmatter import relic as relic_module
from bridge.darkmatter.relic import relic_density
from bridge.engine import COLOUR_DIM, DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings

SMC = A.SMCouplings.from_sm(SM)
G = B.Gauge.from_sm(SM)
AS = 0.1  # α_s of the closed-form comparisons (any value: W ∝ α_s²)


def p_cm(rs, m1, m2):
    return float(H.two_body_momentum(np.array(rs), m1, m2))


# -------------------------------------------------------------------------------------------
# SU(3) generators, written out (Gell-Mann matrices / 2 and the adjoint from f^{abc})
# -------------------------------------------------------------------------------------------
def gell_mann():
    lam = np.zeros((8, 3, 3), complex)
    lam[0][0, 1] = lam[0][1, 0] = 1
    lam[1][0, 1], lam[1][1, 0] = -1j, 1j
    lam[2][0, 0], lam[2][1, 1] = 1, -1
    lam[3][0, 2] = lam[3][2, 0] = 1
    lam[4][0, 2], lam[4][2, 0] = -1j, 1j
    lam[5][1, 2] = lam[5][2, 1] = 1
    lam[6][1, 2], lam[6][2, 1] = -1j, 1j
    lam[7] = np.diag([1, 1, -2]) / math.sqrt(3)
    return lam / 2


def adjoint():
    t = gell_mann()
    f = np.zeros((8, 8, 8))
    for a, b, c in itertools.product(range(8), repeat=3):  # f^{abc} = −2i Tr([T^a, T^b] T^c)
        f[a, b, c] = np.real(-2j * np.trace((t[a] @ t[b] - t[b] @ t[a]) @ t[c]))
    return -1j * f  # (T^a_adj)_{bc} = −i f^{abc}


GENERATORS = {3: gell_mann(), 8: adjoint()}


@pytest.mark.parametrize("rep", [3, 8])
def test_colour_factors_against_explicit_generators(rep):
    t = GENERATORS[rep]
    c1 = sum(np.trace(t[a] @ t[b] @ t[b] @ t[a]) for a in range(8) for b in range(8)).real
    c2 = sum(np.trace(t[a] @ t[b] @ t[a] @ t[b]) for a in range(8) for b in range(8)).real
    assert (c1, c2) == pytest.approx(CO.gluon_pair_colour(rep), rel=1e-12)
    assert sum(np.trace(t[a] @ t[a]) for a in range(8)).real == pytest.approx(
        CO.CASIMIR[rep] * COLOUR_DIM[rep], rel=1e-12)
    if rep == 8:  # F S → ℓ g with an (8, 8) pair: Σ |f^{abc}|² (FS_COLOUR)
        assert np.sum(np.abs(t) ** 2) == pytest.approx(CO.FS_COLOUR[(8, 8, False)][2])
    else:
        assert np.sum(np.abs(t) ** 2) == pytest.approx(CO.FS_COLOUR[(1, 3, True)][2])


def test_fierz_split_of_a_colourless_t_channel():
    """δ_ci δ_dj = 2 T^a_ji T^a_cd + δ_ij δ_cd/3, with the two structures orthogonal and
    normalised as in coloured_pair_to_fermions (4 T_R and 3 d_R)."""
    t = GENERATORS[3]
    d = np.eye(3)
    t_ch = np.einsum("ci,dj->ijcd", d, d)
    octet = np.einsum("aji,acd->ijcd", t, t)
    singlet = np.einsum("ij,cd->ijcd", d, d)
    assert np.allclose(t_ch, 2 * octet + singlet / 3)
    assert np.sum(np.abs(octet) ** 2) == pytest.approx(4 * CO.INDEX[3])
    assert np.sum(np.abs(singlet) ** 2) == pytest.approx(9)
    assert abs(np.sum(octet * singlet.conj())) < 1e-12


# -------------------------------------------------------------------------------------------
# X X̄ → g g
# -------------------------------------------------------------------------------------------
def _momentum_for(which):
    def pols(k1, k2):
        e1, e2 = H.polarisations(k1, False), H.polarisations(k2, False)
        return (k1[..., None, :], e2) if which == 0 else (e1, k2[..., None, :])
    return pols


@pytest.mark.parametrize("partials", [CO.scalar_gluon_partials, CO.fermion_gluon_partials])
@pytest.mark.parametrize("which", [0, 1])
def test_gluon_ward_identity(partials, which):
    """ε_i → k_i (the other gluon physical): each colour-ordered amplitude vanishes."""
    rs = np.array([420.0, 650.0, 1500.0])
    m_ba, m_ab = partials(200.0, rs, pols=_momentum_for(which))
    ref = np.max(np.abs(partials(200.0, rs)[0]))
    assert np.max(np.abs(m_ba)) < 1e-11 * ref
    assert np.max(np.abs(m_ab)) < 1e-11 * ref


def _w_from_gg_production(sigma_gg, rs, m, g_x):
    """W of X X̄ → g g from σ(g g → X X̄) (detailed balance: the same Σ|M|², averaged over
    16 × 16 gluon states or g_X² dark states; S = ½ for the gluon pair)."""
    p, k = p_cm(rs, m, m), rs / 2
    sigma = sigma_gg * (16 / g_x) ** 2 * (k / p) ** 2 * 0.5
    return 4 * p * rs * sigma


@pytest.mark.parametrize("rs", [400.2, 430.0, 600.0, 900.0])
def test_squark_pair_to_gluons_exact_in_s(rs):
    """Complex scalar triplet: σ(gg → q̃ q̃*) at LO for one squark, (πα_s²/48s³)[s β(5s + 62m²)
    − 16m²(m² + 4s) artanh β] (the integral of Dawson, Eichten, Quigg, Phys. Rev. D31 (1985)
    1581, Eq. (3.24) over t, halved for one of their two degenerate chiralities; e.g. Beenakker
    et al., Nucl. Phys. B492 (1997) 51, hep-ph/9610490), reversed by detailed balance; and the
    differential form of DEQ integrated with quad."""
    m = 200.0
    s = rs * rs
    beta = math.sqrt(1 - 4 * m * m / s)
    bracket = s * beta * (62 * m * m + 5 * s) - 16 * m * m * (m * m + 4 * s) * math.atanh(beta)
    sig = math.pi * AS**2 * bracket / (48 * s**3)
    W = CO.scalar_pair_to_gluons(m, 3, np.array([rs]), AS)[0]
    assert W == pytest.approx(_w_from_gg_production(sig, rs, m, 3), rel=1e-6)
    p, k = p_cm(rs, m, m), rs / 2

    def dsig_dt(c):  # DEQ Eq. (3.24) per squark (½ of their L + R sum)
        t = m * m - 2 * k * (rs / 2) + 2 * p * k * c
        u = 2 * m * m - s - t
        return 0.5 * math.pi * AS**2 / s**2 * (7 / 48 + 3 * (u - t) ** 2 / (16 * s * s)) * (
            1 + 2 * m * m * t / (t - m * m) ** 2 + 2 * m * m * u / (u - m * m) ** 2
            + 4 * m**4 / ((t - m * m) * (u - m * m)))

    sig_quad = quad(dsig_dt, -1, 1, epsabs=0, epsrel=1e-12)[0] * 2 * p * k
    assert W == pytest.approx(_w_from_gg_production(sig_quad, rs, m, 3), rel=1e-6)


@pytest.mark.parametrize("rs", [400.2, 430.0, 600.0, 900.0])
def test_heavy_quark_pair_to_gluons_exact_in_s(rs):
    """Dirac triplet: σ(gg → QQ̄) = (πα_s²/3s)[(1 + ρ + ρ²/16) ln((1+β)/(1−β)) − β(7/4 + 31ρ/16)],
    ρ = 4m²/s (Glück, Owens, Reya, Phys. Rev. D17 (1978) 2324; Combridge, Nucl. Phys. B151
    (1979) 429; PDG "Cross-section formulae for specific processes"), reversed."""
    m = 200.0
    s = rs * rs
    rho, beta = 4 * m * m / s, math.sqrt(1 - 4 * m * m / s)
    sig = math.pi * AS**2 / (3 * s) * ((1 + rho + rho**2 / 16) * math.log((1 + beta) / (1 - beta))
                                       - beta * (7 / 4 + 31 * rho / 16))
    W = CO.fermion_pair_to_gluons(m, 3, np.array([rs]), AS)[0]
    assert W == pytest.approx(_w_from_gg_production(sig, rs, m, 6), rel=1e-6)


def test_threshold_sigma_v_of_coloured_triplets():
    """σv(S S̄ → gg) → 14πα_s²/(27m²), σv(F F̄ → gg) → 7πα_s²/(27m²) at v → 0 (the s-wave
    coefficients used for coloured coannihilation, e.g. de Simone, Giudice, Strumia,
    arXiv:1402.6287, Sect. 2)."""
    m = 300.0
    rs = np.array([2 * m * (1 + 1e-10)])
    unit = math.pi * AS**2 / m**2
    assert CO.scalar_pair_to_gluons(m, 3, rs, AS)[0] / (4 * m * m) == pytest.approx(14 / 27 * unit, rel=1e-7)
    assert CO.fermion_pair_to_gluons(m, 3, rs, AS)[0] / (4 * m * m) == pytest.approx(7 / 27 * unit, rel=1e-7)


@pytest.mark.parametrize("kind", ["S", "F"])
def test_octet_colour_sum_by_brute_force(kind):
    """Octets: Σ over a, b, i, j of |(T^bT^a)_ji M_ba + (T^aT^b)_ji M_ab|² with the adjoint
    generators written out equals the (c₁, c₂) form the W uses."""
    m, rs = 250.0, np.array([640.0])
    partials = CO.scalar_gluon_partials if kind == "S" else CO.fermion_gluon_partials
    m_ba, m_ab = partials(m, rs)
    t = GENERATORS[8]
    ba = np.einsum("bjk,aki->abji", t, t)  # (T^b T^a)_ji
    ab = np.einsum("ajk,bki->abji", t, t)
    total = np.einsum("abji,...->...abji", ba, m_ba) + np.einsum("abji,...->...abji", ab, m_ab)
    brute = np.sum(np.abs(total) ** 2, axis=(-4, -3, -2, -1))  # colours
    axes = (-2, -1) if kind == "S" else (-4, -3, -2, -1)  # spins and helicities
    expected = CO._colour_summed_gluons(m_ba, m_ab, 8, axes)
    assert np.sum(brute, axis=axes) == pytest.approx(expected, rel=1e-12)


# -------------------------------------------------------------------------------------------
# coloured pairs → q q̄
# -------------------------------------------------------------------------------------------
def _massless_u():
    return dataclasses.replace(SMC, mass={**SMC.mass, "u": 0.0})


def _species(name, kind, m, charge, colour, conj=False):
    g = (2 if kind == "F" else 1) * COLOUR_DIM[colour]
    q = -charge if conj else charge
    return A.Species(name + ("~" if conj else ""), kind, 0, m, q, colour, g, False, conj)


@pytest.mark.parametrize("rs", [401.0, 450.0, 800.0])
@pytest.mark.parametrize("kind", ["F", "S"])
def test_coloured_pair_to_light_quarks_via_gluon(rs, kind):
    """Neutral triplet pair → u ū through the s-channel gluon alone: σ(qq̄ → QQ̄) =
    (8πα_s²/27s) β(1 + ρ/2) (PDG cross-section formulae) and σ(qq̄ → q̃q̃*) = (2πα_s²/27s) β³
    (Dawson, Eichten, Quigg, Eq. (3.26), one squark), reversed (g_q = 6, g_X = 6 or 3)."""
    m = 200.0
    smc = _massless_u()
    if kind == "F":
        sec = DarkSector((DarkFermion("Q", m, 0.0, colour=3),), (DarkScalar("S", 900.0, 0.0),))
    else:
        sec = DarkSector((DarkFermion("F", 900.0, 0.0),), (DarkScalar("Q", m, 0.0, colour=3),))
    x, xb = _species("Q", kind, m, 0.0, 3), _species("Q", kind, m, 0.0, 3, conj=True)
    W = CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", np.array([rs]), AS)[0]
    s = rs * rs
    beta = math.sqrt(1 - 4 * m * m / s)
    sig_prod = (8 * math.pi * AS**2 / (27 * s) * beta * (1 + 2 * m * m / s) if kind == "F"
                else 2 * math.pi * AS**2 / (27 * s) * beta**3)
    g_x = 6 if kind == "F" else 3
    p = p_cm(rs, m, m)
    sigma = sig_prod * (6 / g_x) ** 2 * (rs / 2 / p) ** 2
    assert W == pytest.approx(4 * p * rs * sigma, rel=1e-6)


def test_coloured_pair_to_b_quarks_colour_decomposition_by_brute_force():
    """A triplet Dirac F with a colourless t-channel S into b b̄, plus s-channel γ and gluon:
    W against the explicit colour sum of δ_ci δ_dj M_t + T^a_ji T^a_cd M_g + δ_ij δ_cd M_γ over
    i, j, c, d (the colour-stripped pieces from annihilation.fermion_pair_amplitude)."""
    m, M, rs = 200.0, 260.0, np.array([470.0])
    sec = DarkSector((DarkFermion("Q", m, -1 / 3, colour=3),), (DarkScalar("S", M, 0.0),),
                     right={"b": np.array([[0.8]])}, left={"b": np.array([[0.3]])})
    x, xb = _species("Q", "F", m, -1 / 3, 3), _species("Q", "F", m, -1 / 3, 3, conj=True)
    W = CO.coloured_pair_to_fermions(sec, SMC, x, xb, "b", "b", rs, AS)[0]
    cos, wcos = np.polynomial.legendre.leggauss(40)
    full = A.fermion_pair_amplitude(sec, SMC, x, xb, "b", "b", rs, cos)
    t_only = A.fermion_pair_amplitude(dataclasses.replace(sec, z=None, higgs=None), SMC,
                                      dataclasses.replace(x, charge=0.0), dataclasses.replace(xb, charge=0.0),
                                      "b", "b", rs, cos)
    m_g = 4 * math.pi * AS * CO._gluon_s_channel(True, m, m, SMC.mass["b"], rs, cos)
    t = GENERATORS[3]
    d = np.eye(3)
    c_t = np.einsum("ci,dj->ijcd", d, d)
    c_g = np.einsum("aji,acd->ijcd", t, t)
    c_1 = np.einsum("ij,cd->ijcd", d, d)
    amp = (np.einsum("ijcd,...->...ijcd", c_t, t_only) + np.einsum("ijcd,...->...ijcd", c_g, m_g)
           + np.einsum("ijcd,...->...ijcd", c_1, full - t_only))
    msq = np.sum(np.abs(amp) ** 2, axis=tuple(range(2, amp.ndim)))  # (n_s, n_cos)
    k = p_cm(rs[0], SMC.mass["b"], SMC.mass["b"])
    expected = k / (8 * math.pi * rs[0]) * (msq @ wcos)[0] * 0.25 / 9
    assert W == pytest.approx(expected, rel=1e-9)


# -------------------------------------------------------------------------------------------
# F S → f V: independent Dirac traces (Dirac basis)
# -------------------------------------------------------------------------------------------
_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_SIG = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
GD = [np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)] + [np.block([[_Z2, s], [-s, _Z2]]).astype(complex)
                                                           for s in _SIG]
G5 = np.block([[_Z2, _I2], [_I2, _Z2]]).astype(complex)
PRD, PLD = (np.eye(4) + G5) / 2, (np.eye(4) - G5) / 2
METRIC = np.diag([1.0, -1, -1, -1])


def sl(p):
    return p[0] * GD[0] - p[1] * GD[1] - p[2] * GD[2] - p[3] * GD[3]


def mdot(a, b):
    return a[0] * b[0] - a[1:] @ b[1:]


def dbar(o):
    return GD[0] @ o.conj().T @ GD[0]


def fs_kinematics(rs, mF, mS, mf, mV, c):
    s = rs * rs
    p, k = p_cm(rs, mF, mS), p_cm(rs, mf, mV)
    e1, e3 = (s + mF**2 - mS**2) / (2 * rs), (s + mf**2 - mV**2) / (2 * rs)
    sn = math.sqrt(1 - c * c)
    p1 = np.array([e1, 0, 0, p])
    p2 = np.array([rs - e1, 0, 0, -p])
    k1 = np.array([e3, k * sn, 0, k * c])
    k2 = np.array([rs - e3, -k * sn, 0, -k * c])
    return p1, p2, k1, k2


def msq_fs_vector(rs, c, mF, mS, mf, mV, gam, s_vert, t_vert, c_u):
    """Σ|M|² of F S → f V with O^μ = s_vert^μ (q̸ + m_f)Γ/(s − m_f²) + Γ(q̸' + m_F) t_vert^μ/(t − m_F²)
    + c_u Γ (2p₂ − k₂)^μ/(u − M²) (vertices γ^μ(a P_L + b P_R) given as (a, b)), summed over
    polarisations with −g + kk/m_V²."""
    p1, p2, k1, k2 = fs_kinematics(rs, mF, mS, mf, mV, c)
    q, qt, qu = p1 + p2, p1 - k2, p2 - k2
    ops = []
    for mu in range(4):
        gmu = GD[mu]
        v_s, v_t = s_vert[0] * PLD + s_vert[1] * PRD, t_vert[0] * PLD + t_vert[1] * PRD
        o = gmu @ v_s @ (sl(q) + mf * np.eye(4)) @ gam / (mdot(q, q) - mf * mf)
        o = o + gam @ (sl(qt) + mF * np.eye(4)) @ gmu @ v_t / (mdot(qt, qt) - mF**2)
        o = o + c_u * gam * (2 * p2 - k2)[mu] / (mdot(qu, qu) - mS**2)
        ops.append(o)
    total = 0.0
    for mu in range(4):
        for nu in range(4):
            pol = -METRIC[mu, nu] + (k2[mu] * k2[nu] / mV**2 if mV > 0 else 0.0)
            if pol == 0:
                continue
            # upper-index currents: contract O^μ O^ν* with the polarisation sum (lower indices)
            tr = np.trace((sl(k1) + mf * np.eye(4)) @ ops[mu] @ (sl(p1) + mF * np.eye(4)) @ dbar(ops[nu]))
            total += (METRIC[mu, mu] * METRIC[nu, nu] * pol * tr).real
    return total


def w_quad(msq, rs, mF, mS, mf, mV, average):
    k = p_cm(rs, mf, mV)
    return k / (8 * math.pi * rs) * quad(msq, -1, 1, epsabs=0, epsrel=1e-11, limit=200)[0] * average


def _fs_species(F, S, sec):
    f = A.Species(F.name, "F", 0, F.mass, F.charge, F.colour, 2 * abs(F.colour), F.majorana)
    s = A.Species(S.name, "S", 0, S.mass, S.charge, S.colour, abs(S.colour), S.real)
    return f, s


FS_PHOTON_CASES = {
    # (F, S, f, l, r, m_f): charge on S only (neutralino–slepton-like), on F only, on both
    "S-charged": (DarkFermion("chi", 150.0, 0.0), DarkScalar("S-", 170.0, -1.0), "mu", 0.7, 0.3, 5.0),
    "F-charged": (DarkFermion("F-", 150.0, -1.0), DarkScalar("S0", 170.0, 0.0), "mu", 0.7, 0.3 + 0.2j, 5.0),
    "both": (DarkFermion("F", 150.0, -0.5), DarkScalar("S", 170.0, -0.5), "mu", 0.4, 0.9, 5.0),
}


@pytest.mark.parametrize("case", list(FS_PHOTON_CASES))
@pytest.mark.parametrize("rs", [321.0, 400.0, 700.0])
def test_fermion_scalar_to_fermion_photon(case, rs):
    """F S → f γ (Compton-like): Ward identity and W against the Dirac-trace |M|² (massive f,
    both chiralities, complex couplings) integrated with quad."""
    F, S, f, lv, rv, mf = FS_PHOTON_CASES[case]
    sec = DarkSector((F,), (S,), left={f: np.array([[lv]])}, right={f: np.array([[rv]])})
    cp = B.Couplings(sec, G, SM.s2w)
    smc = dataclasses.replace(SMC, mass={**SMC.mass, f: mf})
    amp = CO.fermion_scalar_amplitude(sec, cp, f, mf, "a", 0, 0, np.array([rs]))
    ward = CO.fermion_scalar_amplitude(sec, cp, f, mf, "a", 0, 0, np.array([rs]),
                                       pols=lambda k: k[..., None, :])
    assert np.max(np.abs(ward)) < 1e-12 * rs * np.max(np.abs(amp))  # k ~ √s replaces ε ~ 1
    sf, ss = _fs_species(F, S, sec)
    W = CO.fermion_scalar_to_fermion_boson(sec, smc, cp, sf, ss, f, "a", np.array([rs]))[0]
    gam = lv * PRD + rv * PLD
    e = G.e
    qf, qF, qS = -1.0, F.charge, S.charge

    def msq(c):
        return msq_fs_vector(rs, c, F.mass, S.mass, mf, 0.0, gam, (e * qf, e * qf), (e * qF, e * qF), e * qS)

    assert W == pytest.approx(w_quad(msq, rs, F.mass, S.mass, mf, 0.0, 0.5), rel=1e-6)


@pytest.mark.parametrize("rs", [330.0, 520.0])
def test_fermion_scalar_to_massless_fermion_photon_closed_form(rs):
    """Neutral F, charged S, massless f, one chirality: Σ|M|² = e²Q²|l|²[4 p₁·k₂/s
    − 4(M² + u) k₁·p₁/(u − M²)² − 4((k₁·v)(q·p₁) − (k₁·q)(v·p₁) + (k₁·p₁)(v·q))/(s (u − M²))],
    v = 2p₂ − k₂ (traces by hand, γ^μ a̸b̸c̸γ_μ = −2c̸b̸a̸; the mass of F drops out of a chiral
    vertex)."""
    mF, mS, lv = 150.0, 170.0, 0.8
    sec = DarkSector((DarkFermion("chi", mF, 0.0, majorana=True),), (DarkScalar("S-", mS, -1.0),),
                     right={"nu_e": np.zeros((1, 1))}, left={"mu": np.array([[lv]])})
    smc = dataclasses.replace(SMC, mass={**SMC.mass, "mu": 0.0})
    cp = B.Couplings(sec, G, SM.s2w)
    sf, ss = _fs_species(sec.fermions[0], sec.scalars[0], sec)
    W = CO.fermion_scalar_to_fermion_boson(sec, smc, cp, sf, ss, "mu", "a", np.array([rs]))[0]

    def msq(c):
        p1, p2, k1, k2 = fs_kinematics(rs, mF, mS, 0.0, 0.0, c)
        q, v = p1 + p2, 2 * p2 - k2
        s, u = mdot(q, q), mdot(p2 - k2, p2 - k2)
        return G.e**2 * lv**2 * (4 * mdot(p1, k2) / s - 4 * (mS**2 + u) * mdot(k1, p1) / (u - mS**2) ** 2
                                 - 4 * (mdot(k1, v) * mdot(q, p1) - mdot(k1, q) * mdot(v, p1)
                                        + mdot(k1, p1) * mdot(v, q)) / (s * (u - mS**2)))

    # Majorana F with complex S: F S → μ γ and its conjugate F S* → μ̄ γ are both counted once
    # each by the pair (χ, S); the species pair (χ, S) alone has the direct process only.
    assert W == pytest.approx(w_quad(msq, rs, mF, mS, 0.0, 0.0, 0.5), rel=1e-6)


def test_fermion_scalar_to_fermion_gluon_is_the_photon_with_colour():
    """(F, S) = (1, 3) into b g: the colour-stripped amplitude is the photon's with eQ → g_s
    (Q_f = Q_S, Q_F = 0), the colour sum Σ|T^a_ci|² = 4 over 3 initial colours; Ward identity."""
    mF, mS, rs = 150.0, 170.0, np.array([340.0, 600.0])
    sec = DarkSector((DarkFermion("chi", mF, 0.0, majorana=True),), (DarkScalar("Sq", mS, -1 / 3, colour=3),),
                     left={"b": np.array([[0.7]])}, right={"b": np.array([[0.2]])})
    cp = B.Couplings(sec, G, SM.s2w)
    sf, ss = _fs_species(sec.fermions[0], sec.scalars[0], sec)
    w_g = CO.fermion_scalar_to_fermion_boson(sec, SMC, cp, sf, ss, "b", "g", rs, AS)
    w_a = CO.fermion_scalar_to_fermion_boson(sec, SMC, cp, sf, ss, "b", "a", rs)
    ratio = (4 * math.pi * AS * 4 / 3) / (G.e**2 / 9 * 3 / 3)
    assert w_g == pytest.approx(ratio * w_a, rel=1e-12)
    amp = CO.fermion_scalar_amplitude(sec, cp, "b", SMC.mass["b"], "g", 0, 0, rs, colour_charges=(1, 0, 1))
    ward = CO.fermion_scalar_amplitude(sec, cp, "b", SMC.mass["b"], "g", 0, 0, rs,
                                       pols=lambda k: k[..., None, :], colour_charges=(1, 0, 1))
    assert np.max(np.abs(ward)) < 1e-12 * rs[-1] * np.max(np.abs(amp))


@pytest.mark.parametrize("rs", [330.0, 600.0])
def test_fermion_scalar_to_fermion_z_against_traces(rs):
    """F S → μ Z with off-diagonal dark Z couplings (two fermions, two scalars exchanged in the
    t- and u-channels): W against the Dirac-trace |M|² with −g + kk/m_Z²."""
    F = (DarkFermion("F-", 150.0, -1.0), DarkFermion("F2", 190.0, -1.0))
    S = (DarkScalar("S0", 170.0, 0.0), DarkScalar("S2", 210.0, 0.0))
    lq = np.array([[0.7, 0.2], [0.4, -0.3]])
    rq = np.array([[0.1, 0.5], [0.2, 0.6]])
    zl = np.array([[-0.3, 0.1], [0.1, -0.2]])
    zr = np.array([[-0.25, 0.05], [0.05, 0.15]])
    zs = np.array([[0.4, 0.2j], [-0.2j, -0.1]])
    sec = DarkSector(F, S, left={"mu": lq}, right={"mu": rq}, z=ZCouplings(zl, zr, zs))
    cp = B.Couplings(sec, G, SM.s2w)
    sf, ss = _fs_species(F[0], S[0], sec)
    W = CO.fermion_scalar_to_fermion_boson(sec, SMC, cp, sf, ss, "mu", "Z", np.array([rs]))[0]
    mf, mz, gz = SMC.mass["mu"], G.m_z, G.gz
    shift = SM.s2w - G.s2w  # the dark couplings' −s²Q moved to the on-shell s² (bosons.Couplings)
    zl_os, zr_os = zl + shift * np.diag([-1.0, -1.0]), zr + shift * np.diag([-1.0, -1.0])
    gl, gr = -0.5 + G.s2w, G.s2w

    def msq(c):
        p1, p2, k1, k2 = fs_kinematics(rs, 150.0, 170.0, mf, mz, c)
        q, qu = p1 + p2, p2 - k2
        total = 0.0
        ops = []
        for mu in range(4):
            gmu = GD[mu]
            yuk = lq[0, 0] * PRD + rq[0, 0] * PLD
            o = gz * gmu @ (gl * PLD + gr * PRD) @ (sl(q) + mf * np.eye(4)) @ yuk / (mdot(q, q) - mf * mf)
            for k in range(2):
                qt = p1 - k2
                o = o + (lq[k, 0] * PRD + rq[k, 0] * PLD) @ (sl(qt) + F[k].mass * np.eye(4)) @ gmu \
                    @ (gz * (zl_os[k, 0] * PLD + zr_os[k, 0] * PRD)) / (mdot(qt, qt) - F[k].mass ** 2)
            for b in range(2):
                o = o + gz * zs[b, 0] * (lq[0, b] * PRD + rq[0, b] * PLD) * (2 * p2 - k2)[mu] \
                    / (mdot(qu, qu) - S[b].mass ** 2)
            ops.append(o)
        for mu in range(4):
            for nu in range(4):
                pol = -METRIC[mu, nu] + k2[mu] * k2[nu] / mz**2
                spin_f, spin_F = sl(k1) + mf * np.eye(4), sl(p1) + 150.0 * np.eye(4)
                tr = np.trace(spin_f @ ops[mu] @ spin_F @ dbar(ops[nu]))
                total += (METRIC[mu, mu] * METRIC[nu, nu] * pol * tr).real
        return total

    assert W == pytest.approx(w_quad(msq, rs, 150.0, 170.0, mf, mz, 0.5), rel=1e-6)


@pytest.mark.parametrize("rs", [450.0, 800.0])
def test_fermion_scalar_to_fermion_higgs_against_traces(rs):
    """F S → τ h: s-channel τ (m_τ/v), t-channel dark fermions (h F F' Yukawas), u-channel dark
    scalars (h S S' couplings), against the Dirac trace."""
    F = (DarkFermion("F-", 150.0, -1.0), DarkFermion("F2", 190.0, -1.0))
    S = (DarkScalar("S0", 170.0, 0.0), DarkScalar("S2", 210.0, 0.0))
    lq = np.array([[0.7, 0.2], [0.4, -0.3]])
    rq = np.array([[0.1, 0.5], [0.2, 0.6]])
    y = np.array([[0.3, 0.2 + 0.1j], [0.5, -0.4]])
    hs = np.array([[40.0, 15.0], [15.0, -20.0]])
    sec = DarkSector(F, S, left={"tau": lq}, right={"tau": rq}, higgs=HiggsCouplings(y, hs))
    cp = B.Couplings(sec, G, SM.s2w)
    sf, ss = _fs_species(F[0], S[0], sec)
    W = CO.fermion_scalar_to_fermion_boson(sec, SMC, cp, sf, ss, "tau", "h", np.array([rs]))[0]
    mf, mh = SMC.mass["tau"], G.m_h

    def msq(c):
        p1, p2, k1, k2 = fs_kinematics(rs, 150.0, 170.0, mf, mh, c)
        q, qt, qu = p1 + p2, p1 - k2, p2 - k2
        o = mf / G.vev * (sl(q) + mf * np.eye(4)) @ (lq[0, 0] * PRD + rq[0, 0] * PLD) / (mdot(q, q) - mf * mf)
        for k in range(2):  # h F_0 → F_k: (Y*[0,k] P_L + Y[k,0] P_R) for Dirac states
            o = o + (lq[k, 0] * PRD + rq[k, 0] * PLD) @ (sl(qt) + F[k].mass * np.eye(4)) \
                @ (np.conj(y[0, k]) * PLD + y[k, 0] * PRD) / (mdot(qt, qt) - F[k].mass ** 2)
        for b in range(2):
            o = o + hs[b, 0] * (lq[0, b] * PRD + rq[0, b] * PLD) / (mdot(qu, qu) - S[b].mass ** 2)
        return np.trace((sl(k1) + mf * np.eye(4)) @ o @ (sl(p1) + 150.0 * np.eye(4)) @ dbar(o)).real

    assert W == pytest.approx(w_quad(msq, rs, 150.0, 170.0, mf, mh, 0.5), rel=1e-6)


# -------------------------------------------------------------------------------------------
# relic density with coloured coannihilation
# -------------------------------------------------------------------------------------------
def toy(m, M, y=0.5, f="t"):
    """Majorana singlet χ and a coloured scalar triplet coupled to the right-handed quark f
    (the F_Ib/F_Ia quark side with M_Φq near M_Ψ)."""
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),),
                      (DarkScalar("Sq", M, SM_CHARGE_Q[f], colour=3),), right={f: np.array([[y]])})


SM_CHARGE_Q = {"t": 2 / 3, "b": -1 / 3}


def test_coloured_coannihilation_channels_and_no_missing_pairs():
    r = relic_density(toy(200.0, 215.0), SM)
    assert r.coannihilators == ("Sq", "Sq~")
    for name in ("Sq Sq~ -> g g", "chi Sq -> t g", "chi Sq~ -> t~ g", "Sq Sq~ -> u u~", "Sq Sq~ -> g a"):
        assert r.shares[name] > 0
    assert all("same-sign" in m for m in r.missing)  # q q from S S: the only ones left
    far = relic_density(toy(200.0, 1000.0), SM)
    assert r.omega_h2 < 0.1 * far.omega_h2


def _no_jump(omega_of, threshold, delta):
    """Ω across a threshold (±δ) changes no more than over a δ-step on either side of it."""
    om = {k: omega_of(threshold + k * delta) for k in (-3, -1, 1, 3)}
    step = max(abs(om[-1] - om[-3]), abs(om[3] - om[1]))
    assert abs(om[1] - om[-1]) < 3 * step
    return om


def test_omega_continuous_where_the_top_channels_open():
    """χχ → t t̄ opens at m_χ = m_t; χ S → t g (S coloured) at m_χ + M_S = m_t, below which the
    s-channel top resonates (t → χ S open; top width in its propagator): no jump at either."""
    om = _no_jump(lambda m: relic_density(toy(m, 1.08 * m), SM).omega_h2, SM.m_t, 0.05)
    assert abs(om[1] / om[-1] - 1) < 0.02
    _no_jump(lambda m: relic_density(toy(m, 1.1 * m), SM).omega_h2, SM.m_t / 2.1, 0.01)


def test_lepton_coupled_triplet_pair_gluon_ward_and_species_counting():
    """(F, S) = (3, 3̄) coupled to μ: F S → μ g has colour charges (0, 1, −1) (the generator of
    the 3̄ is −T^T): Ward identity; an anti-triplet state counts 3 colours in the bath."""
    from bridge.darkmatter.relic import dark_species

    fermions = (DarkFermion("chi", 150.0, 0.0, majorana=True), DarkFermion("Fq", 160.0, -1 / 3, colour=3))
    sec = DarkSector(fermions,
                     (DarkScalar("Sq", 170.0, -2 / 3, colour=-3),),
                     left={"mu": np.array([[0.0], [0.6]])}, right={"mu": np.array([[0.0], [0.2]])})
    cp = B.Couplings(sec, G, SM.s2w)
    rs = np.array([350.0, 700.0])
    kw = dict(colour_charges=CO.FS_COLOUR[(3, -3, False)][1])
    amp = CO.fermion_scalar_amplitude(sec, cp, "mu", SMC.mass["mu"], "g", 1, 0, rs, **kw)
    ward = CO.fermion_scalar_amplitude(sec, cp, "mu", SMC.mass["mu"], "g", 1, 0, rs,
                                       pols=lambda k: k[..., None, :], **kw)
    assert np.max(np.abs(amp)) > 0
    assert np.max(np.abs(ward)) < 1e-12 * rs[-1] * np.max(np.abs(amp))
    assert {s.name: s.g for s in dark_species(sec)} == {"chi": 2, "Fq": 6, "Fq~": 6, "Sq": 3, "Sq~": 3}


@pytest.mark.parametrize("edge", [1.2, 1.0 + relic_module.WINDOW_COLOURED])
def test_omega_continuous_across_the_window_edges_with_a_coloured_partner(edge):
    """A coloured partner stays in the bath up to WINDOW_COLOURED (with the 20% window of
    colourless states Ωh² of this toy doubled at 1.2 m: 0.300 → 0.605): no jump at 1.2 m, and
    at the coloured edge a jump below 0.5% (the partner's weight there is ~e^{−Δ x_f})."""
    m, h = 200.0, 2e-3
    om = {k: relic_density(toy(m, m * (edge + k * h), f="b"), SM).omega_h2 for k in (-2, -0.5, 0.5, 2)}
    step = max(abs(om[-0.5] - om[-2]), abs(om[2] - om[0.5])) / 1.5
    assert abs(om[0.5] - om[-0.5]) < 2 * step + 5e-3 * om[0.5]


def inert_lepton_doublet(y=0.8, m=150.0, M=170.0):
    """Singlet Majorana χ, scalar doublet Φ = (φ⁰, φ⁻) of Y = −1/2 (degenerate), y L̄ P_R χ Φ
    (the F_Ib lepton side without mixing): W couplings T⁺[φ⁰, φ⁻] = 1."""
    from bridge.engine import WCouplings

    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),),
                      (DarkScalar("phi0", M, 0.0), DarkScalar("phi-", M, -1.0)),
                      left={"nu_mu": np.array([[y, 0.0]]), "mu": np.array([[0.0, y]])},
                      w=WCouplings(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[0.0, 1.0], [0.0, 0.0]])))


def test_fermion_scalar_to_fermion_w_longitudinal_growth_cancels():
    """χ φ⁰ → μ⁻ W⁺_L: the s-channel ν and the u-channel φ⁻ each grow like √s/m_W; their sum
    falls (Goldstone equivalence: χ φ⁰ → μ G⁺ vanishes for m_μ = 0 and a degenerate doublet)."""
    sec = inert_lepton_doublet()

    def longitudinal(rs, sector=sec):
        def pols(k):  # the longitudinal polarisation only
            return B._polarisations("W+", k)[..., 2:3, :]

        amp = CO.fermion_scalar_amplitude(sector, B.Couplings(sector, G, SM.s2w), "mu", 0.0, "W+", 0, 0,
                                          np.array([rs]), pols=pols)
        return np.max(np.abs(amp))

    s_only = DarkSector(sec.fermions, sec.scalars, left={"nu_mu": sec.left["nu_mu"]})
    assert longitudinal(1e4) < 2e-3 * longitudinal(1e4, s_only)
    assert longitudinal(1e5) < longitudinal(1e4) < longitudinal(1e3)


@pytest.mark.parametrize("rs", [400.0, 900.0])
def test_fermion_scalar_to_fermion_w_against_traces(rs):
    """χ φ⁰ → μ W⁺ (massless μ, ν): W against the Dirac trace with −g + kk/m_W² (s-channel ν with
    (g/√2) γ^μ P_L, u-channel φ⁻ with (g/√2)(p + p')^μ)."""
    sec = inert_lepton_doublet()
    cp = B.Couplings(sec, G, SM.s2w)
    smc = dataclasses.replace(SMC, mass={**SMC.mass, "mu": 0.0, "nu_mu": 0.0})
    sf = A.Species("chi", "F", 0, 150.0, 0.0, 1, 2, True)
    ss = A.Species("phi0", "S", 0, 170.0, 0.0, 1, 1, False)
    W = CO.fermion_scalar_to_fermion_boson(sec, smc, cp, sf, ss, "mu", "W+", np.array([rs]))[0]
    gw = G.g / math.sqrt(2)

    def msq(c):
        return msq_fs_vector(rs, c, 150.0, 170.0, 0.0, G.m_w, 0.8 * PRD, (gw, 0.0), (0.0, 0.0), gw)

    assert W == pytest.approx(w_quad(msq, rs, 150.0, 170.0, 0.0, G.m_w, 0.5), rel=1e-6)


@pytest.mark.parametrize("rs", [380.0, 700.0])
def test_singlet_and_triplet_scalar_pair_to_lepton_and_quark(rs):
    """S⁰ S̄_q → μ b̄ through the t-channel of a colourless Dirac Ψ⁻ (a colourless and a coloured
    scalar, as F_Ic's S0_1 with Φ_q): Σ|M|² = |l_μ l_b|² 2[2(k₁·q)(k₂·q) − q² k₁·k₂]/(q² − M_Ψ²)²,
    q = k₁ − p₁ (Tr[k̸₁ q̸ P_L k̸₂ q̸]), colour δ_cj: Σ = 3 over 3 initial colours."""
    from bridge.darkmatter.relic import pair_channels

    m0, mq, mpsi, l_mu, l_b = 180.0, 190.0, 260.0, 0.9, 0.4
    sec = DarkSector((DarkFermion("Psi", mpsi, -1.0),),
                     (DarkScalar("S0", m0, 0.0), DarkScalar("Sq", mq, 2 / 3, colour=3)),
                     left={"mu": np.array([[l_mu, 0.0]]), "b": np.array([[0.0, l_b]])})
    smc = dataclasses.replace(SMC, mass={**SMC.mass, "mu": 0.0, "b": 0.0})
    s0 = A.Species("S0", "S", 0, m0, 0.0, 1, 1, False)
    sq_bar = A.Species("Sq~", "S", 1, mq, -2 / 3, 3, 3, False, True)
    channels, missing = pair_channels(sec, smc, s0, sq_bar, (G, B.Couplings(sec, G, SM.s2w)))
    assert [name for name, _ in channels] == ["S0 Sq~ -> mu b~"] and not missing
    W = channels[0][1](np.array([rs]))[0]
    p, k = p_cm(rs, m0, mq), rs / 2
    e1 = (rs * rs + m0 * m0 - mq * mq) / (2 * rs)

    def msq(c):
        p1 = np.array([e1, 0, 0, p])
        k1 = np.array([k, k * math.sqrt(1 - c * c), 0, k * c])
        k2 = np.array([k, -k * math.sqrt(1 - c * c), 0, -k * c])
        q = k1 - p1
        return (l_mu * l_b) ** 2 * 2 * (2 * mdot(k1, q) * mdot(k2, q) - mdot(q, q) * mdot(k1, k2)) \
            / (mdot(q, q) - mpsi**2) ** 2

    assert W == pytest.approx(w_quad(msq, rs, m0, mq, 0.0, 0.0, 1.0), rel=1e-6)
