"""The remaining coloured channels (bridge.darkmatter.coloured, issue 15): quark couplings of two
coloured dark states (explicit colour tensors), g g and q q̄ of self-conjugate colour octets.

Colour factors against hand-derived values and explicit sums over Gell-Mann matrices written
out in tests/test_darkmatter_coloured.py; each W against a closed form from the literature in a
limit (by detailed balance from the production cross sections) or an explicit colour sum of
the colour-stripped amplitudes with tensors built here, ≤ 1e-6.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from models import SM
from test_darkmatter_coloured import GENERATORS, SMC, _massless_u, p_cm

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import coloured as CO
from bridge.darkmatter.relic import relic_density
from bridge.engine import DarkFermion, DarkScalar, DarkSector

AS = 0.1


def _sp(name, kind, m, charge, colour, conj=False, sc=False, index=0):
    g = (2 if kind == "F" else 1) * abs(colour) if colour != -3 else (2 if kind == "F" else 1) * 3
    return A.Species(name + ("~" if conj else ""), kind, index, m, -charge if conj else charge, colour, g,
                     sc, conj)


# -------------------------------------------------------------------------------------------
# colour tensors
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rep", [3, 8])
def test_generators_are_the_written_out_ones(rep):
    assert np.allclose(CO.generators(rep), GENERATORS[rep], atol=1e-14)
    t = CO.generators(-3)  # 3̄: −T^T satisfies the same algebra, Casimir 4/3
    comm = np.einsum("aij,bjk->abik", t, t) - np.einsum("bij,ajk->abik", t, t)
    f = np.real(-2j * np.einsum("abik,cki->abc", np.einsum("aij,bjk->abik", GENERATORS[3], GENERATORS[3])
                                - np.einsum("bij,ajk->abik", GENERATORS[3], GENERATORS[3]), GENERATORS[3]))
    assert np.allclose(comm, 1j * np.einsum("abc,cik->abik", f, t))
    assert np.allclose(np.einsum("aij,ajk->ik", t, t), 4 / 3 * np.eye(3))


@pytest.mark.parametrize("pair", [(1, 3), (3, 1), (-3, -3), (3, 8), (8, 3)])
def test_quark_colour_tensors_normalised_and_invariant(pair):
    """Σ_{αβ} Y_{cαβ} Y*_{c'αβ} = δ_{cc'} (the module's convention), and Y is an invariant
    tensor: T^a_q Y = Y T^a_F + Y T^a_S on the dark indices (q̄ F S a colour singlet)."""
    y = CO.quark_colour_tensor(*pair)
    assert np.allclose(np.einsum("cab,dab->cd", y, y.conj()), np.eye(3))
    gen = {1: np.zeros((8, 1, 1)), 3: GENERATORS[3], -3: -np.swapaxes(GENERATORS[3], 1, 2), 8: GENERATORS[8]}
    tf, ts = gen[pair[0]], gen[pair[1]]
    lhs = np.einsum("xce,eab->xcab", GENERATORS[3], y)
    rhs = np.einsum("cgb,xga->xcab", y, tf) + np.einsum("cag,xgb->xcab", y, ts)
    assert np.allclose(lhs, rhs)


def _kmat(p, q, k_colour, gluon=True):
    tensors = [CO._exchange_tensor(p, q, k_colour, False)]
    if gluon:
        tensors.append(CO._gluon_tensor(p.colour))
    d = 3 if p.colour == -3 else abs(p.colour)
    tensors.append(np.einsum("ab,cd->abcd", np.eye(d), np.eye(3)))
    flat = [c.reshape(-1) for c in tensors]
    return np.array([[np.sum(x * np.conj(y)) for y in flat] for x in flat])


def test_colour_matrices_by_hand():
    """K_{DD'} = Σ C_D C_D'* for (t, gluon, singlet), derived by hand:
    triplet pair with a colourless exchange, C_t = δ_cα δ_dβ: K = [[9, 4, 3], [4, 2, 0], [3, 0, 9]]
    (Σ_a Tr T^aT^a = 4, Σ_ab Tr(T^aT^b)² = 2); anti-triplet pair with a 3̄ exchange,
    C_t = ½ ε_cαγ ε_dβγ = ½(δ_cd δ_αβ − δ_cβ δ_αd): K_tt = ¼(9 + 9 − 2·3) = 3,
    K_t1 = ½(9 − 3) = 3, K_tg = +½ Σ_a Tr T^aT^a = 2 (the δδ term is traceless against T);
    octet pair with a triplet exchange, C_t = ¾ (T^aT^b)_cd: K_tt = (9/16) Σ Tr(T^aT^bT^bT^a) =
    (9/16)(16/3) = 3, K_t1 = ¾ Σ_a Tr T^aT^a = 3, K_tg = ¾ Σ (−i f^{xba}) Tr(T^aT^bT^x) = (3/4)(3/2)·4
    = 4.5, K_gg = Σ Tr(T_adj^x T_adj^y) Tr(T^x T^y) = 3 · ½ · 8 = 12."""
    trip, trip_b = _sp("Q", "F", 1, 0, 3), _sp("Q", "F", 1, 0, 3, conj=True)
    assert np.allclose(_kmat(trip, trip_b, 1), [[9, 4, 3], [4, 2, 0], [3, 0, 9]])
    anti, anti_b = _sp("Q", "F", 1, 0, -3), _sp("Q", "F", 1, 0, -3, conj=True)
    k = _kmat(anti, anti_b, -3)
    assert np.allclose(k[0], [3, 2, 3])
    octet, octet_b = _sp("G", "F", 1, 0, 8), _sp("G", "F", 1, 0, 8, conj=True)
    k = _kmat(octet, octet_b, 3)
    assert np.allclose(k[0], [3, 4.5, 3]) and k[1, 1] == pytest.approx(12) and abs(k[1, 2]) < 1e-12


# -------------------------------------------------------------------------------------------
# the general colour sum against the Fierz split of coloured_pair_to_fermions
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["F", "S"])
def test_colour_matrix_equals_the_fierz_split(kind):
    """Triplet pair, colourless exchange, b b̄ with the s-channel gluon, photon and the t-channel:
    the explicit colour-tensor sum equals the octet/singlet split of the existing channel."""
    m, M, rs = 200.0, 260.0, np.array([401.0, 470.0, 900.0])
    if kind == "F":
        sec = DarkSector((DarkFermion("Q", m, -1 / 3, colour=3),), (DarkScalar("S", M, 0.0),),
                         right={"b": np.array([[0.8]])}, left={"b": np.array([[0.3]])})
    else:
        sec = DarkSector((DarkFermion("N", M, 0.0),), (DarkScalar("Q", m, -1 / 3, colour=3),),
                         right={"b": np.array([[0.8]])}, left={"b": np.array([[0.3]])})
    x, xb = _sp("Q", kind, m, -1 / 3, 3), _sp("Q", kind, m, -1 / 3, 3, conj=True)
    old = CO.coloured_pair_to_fermions(sec, SMC, x, xb, "b", "b", rs, AS)
    new = CO.colour_matrix_pair_to_quarks(sec, SMC, x, xb, "b", "b", rs, AS)
    assert np.all(old > 0)
    assert new == pytest.approx(old, rel=1e-12)


# -------------------------------------------------------------------------------------------
# self-conjugate octets
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rs", [600.01, 650.0, 900.0, 2000.0])
def test_gluino_pair_to_gluons_exact_in_s(rs):
    """Majorana octet: σ(gg → g̃g̃) = (πα_s²/s)[(9/4 + 9x − 9x²) ln((1+β)/(1−β)) − β(3 + 51x/4)],
    x = m²/s (Born term of Beenakker, Höpker, Spira, Zerwas, Nucl. Phys. B492 (1997) 51,
    hep-ph/9610490; identical gluinos), reversed: g̃g̃ → gg has the ½ of identical gluons,
    gg → g̃g̃ that of identical gluinos, both averaged over 16 × 16 states."""
    m = 300.0
    s = rs * rs
    x, beta = m * m / s, math.sqrt(1 - 4 * m * m / s)
    sig = math.pi * AS**2 / s * ((9 / 4 + 9 * x - 9 * x * x) * math.log((1 + beta) / (1 - beta))
                                 - beta * (3 + 51 * x / 4))
    p, k = p_cm(rs, m, m), rs / 2
    W = CO.self_conjugate_octet_to_gluons("F", m, np.array([rs]), AS)[0]
    assert W == pytest.approx(4 * p * rs * sig * (k / p) ** 2, rel=1e-6)


@pytest.mark.parametrize("rs", [600.01, 650.0, 900.0, 1400.0])
def test_real_scalar_octet_pair_to_gluons_exact_in_s(rs):
    """Real scalar octet from the colour decomposition Σ|M|² = g⁴[c₁ S + 2c₂ I] (S, I the same
    for every representation): two closed forms fix S and I — one squark, σ₃ = (πα_s²/48s³)
    [sβ(5s + 62m²) − 16m²(m² + 4s) artanh β] (Dawson, Eichten, Quigg 1985, Eq. (3.24)), and
    scalar QED, σ_γγ = (2πα²/s)[β(2 − β²) − ½(1 − β⁴) ln((1+β)/(1−β))] (γγ → π⁺π⁻, e.g.
    Berestetskii, Lifshitz, Pitaevskii §88 at α → α_s) — so that with (c₁, c₂) = (16/3, −2/3)
    for 3 and (72, 36) for 8, σ₈ = 6σ₃ + (5/8)σ_γγ for a complex octet, = (πα_s²/s)
    [β(15/8 + 51x/4) − 9x(1 − x) ln((1+β)/(1−β))], half of it for a real one (identical),
    reversed (g_g = 16, g_S = 8)."""
    m = 300.0
    s = rs * rs
    x, beta = m * m / s, math.sqrt(1 - 4 * m * m / s)
    log = math.log((1 + beta) / (1 - beta))
    sig3 = math.pi * AS**2 / (48 * s**3) * (s * beta * (5 * s + 62 * m * m)
                                            - 16 * m * m * (m * m + 4 * s) * math.atanh(beta))
    sig_qed = 2 * math.pi * AS**2 / s * (beta * (2 - beta**2) - 0.5 * (1 - beta**4) * log)
    sig8 = 6 * sig3 + 5 / 8 * sig_qed
    assert sig8 == pytest.approx(math.pi * AS**2 / s * (beta * (15 / 8 + 51 * x / 4) - 9 * x * (1 - x) * log))
    p, k = p_cm(rs, m, m), rs / 2
    W = CO.self_conjugate_octet_to_gluons("S", m, np.array([rs]), AS)[0]
    # 16 gluon, 8 octet states
    assert W == pytest.approx(4 * p * rs * (sig8 / 2) * (16 / 8) ** 2 * (k / p) ** 2, rel=1e-6)


@pytest.mark.parametrize("rs", [601.0, 700.0, 1500.0])
def test_gluino_pair_to_light_quarks_via_the_gluon(rs):
    """Majorana octet without Yukawas → u ū through the s-channel gluon alone: σ(qq̄ → g̃g̃) =
    (8πα_s²/9s) β(1 + 2m²/s) (the m_q̃ → ∞ limit of the Born term of Beenakker et al.,
    hep-ph/9610490; = 6 × the heavy-quark σ(qq̄ → QQ̄) = (8πα_s²/27s)β(1 + 2m²/s) by the colour
    sums 12 against 2, halved for identical gluinos), reversed (g_q = 6, g_g̃ = 16)."""
    m = 300.0
    smc = _massless_u()
    sec = DarkSector((DarkFermion("G", m, 0.0, colour=8, majorana=True),), (DarkScalar("S", 900.0, 0.0),))
    g = _sp("G", "F", m, 0.0, 8, sc=True)
    W = CO.colour_matrix_pair_to_quarks(sec, smc, g, g, "u", "u", np.array([rs]), AS)[0]
    s = rs * rs
    beta = math.sqrt(1 - 4 * m * m / s)
    sig_prod = 8 * math.pi * AS**2 / (9 * s) * beta * (1 + 2 * m * m / s)
    p = p_cm(rs, m, m)
    sigma = sig_prod * (6 / 16) ** 2 * (rs / 2 / p) ** 2 * 2
    assert W == pytest.approx(4 * p * rs * sigma, rel=1e-6)


# -------------------------------------------------------------------------------------------
# coloured exchanges: explicit colour sums written here
# -------------------------------------------------------------------------------------------
def _colour_sum_w(pieces, tensors, rs, m1, m2, mf, average, wcos, axes):
    amp = sum(np.einsum("abcd,...->...abcd", c, mm) for c, mm in zip(tensors, pieces, strict=True))
    msq = np.sum(np.abs(amp) ** 2, axis=(-4, -3, -2, -1))
    msq = np.sum(msq, axis=axes)
    k = p_cm(rs, mf, mf)
    return k / (8 * math.pi * rs) * (msq @ wcos)[0] * average


def test_octet_fermion_pair_with_triplet_exchange_by_explicit_colour_sum():
    """Dirac octet F with a triplet scalar S, u q̄ (√3/2) T^a F^a S: F F̄ → u ū by t-channel S
    (colour (3/4) Σ_γ T^a_cγ T^b_γd) and the s-channel gluon ((T^x_adj)_ba T^x_cd), summed over
    a, b, c, d with generators written out in the test."""
    m, M, rs = 300.0, 380.0, np.array([720.0])
    smc = _massless_u()
    sec = DarkSector((DarkFermion("G", m, 0.0, colour=8),), (DarkScalar("Su", M, 2 / 3, colour=3),),
                     left={"u": np.array([[0.7]])}, right={"u": np.array([[0.4]])})
    g, gb = _sp("G", "F", m, 0.0, 8), _sp("G", "F", m, 0.0, 8, conj=True)
    W = CO.colour_matrix_pair_to_quarks(sec, smc, g, gb, "u", "u", rs, AS)[0]
    cos, wcos = np.polynomial.legendre.leggauss(40)
    m_t = A.fermion_pair_amplitude(sec, smc, g, gb, "u", "u", rs, cos)
    m_g = 4 * math.pi * AS * CO._gluon_s_channel(True, m, m, 0.0, rs, cos)
    t3 = GENERATORS[3]
    c_t = 0.75 * np.einsum("acg,bdg->abcd", np.transpose(t3, (0, 1, 2)), np.conj(t3))
    c_g = np.einsum("xba,xcd->abcd", GENERATORS[8], t3)
    expected = _colour_sum_w([m_t, m_g], [c_t, c_g], rs[0], m, m, 0.0, 0.25 / 64, wcos, (-4, -3, -2, -1))
    assert W == pytest.approx(expected, rel=1e-6)  # 40 nodes here, 12 in the module


def test_majorana_singlet_and_gluino_into_quarks_t_and_u_channels():
    """A Majorana singlet χ and a Majorana octet G sharing a triplet scalar (u q̄ (χ + (√3/2)T^aG^a)
    S): χ G → u ū by t- and u-channel S with colours δ… T^a (t: Y^χ_c Y^G*_d, u: Y^G_c Y^χ*_d),
    against the explicit sum; and the u-channel really present (≠ the t-only W)."""
    m1, m2, M, rs = 300.0, 320.0, 400.0, np.array([700.0])
    smc = _massless_u()
    sec = DarkSector((DarkFermion("chi", m1, 0.0, majorana=True),
                      DarkFermion("G", m2, 0.0, colour=8, majorana=True)),
                     (DarkScalar("Su", M, 2 / 3, colour=3),),
                     left={"u": np.array([[0.7], [0.5]])}, right={"u": np.array([[0.2], [0.6]])})
    chi = _sp("chi", "F", m1, 0.0, 1, sc=True)
    gl = _sp("G", "F", m2, 0.0, 8, sc=True, index=1)
    W = CO.colour_matrix_pair_to_quarks(sec, smc, chi, gl, "u", "u", rs, AS)[0]
    cos, wcos = np.polynomial.legendre.leggauss(40)
    flat = [dataclasses.replace(x, self_conjugate=False) for x in (chi, gl)]
    m_t = A.fermion_pair_amplitude(sec, smc, *flat, "u", "u", rs, cos)
    m_u = A.fermion_pair_amplitude(sec, smc, chi, gl, "u", "u", rs, cos) - m_t
    y_chi = np.eye(3)[:, None, :]  # (c, α, γ)
    y_g = np.transpose(GENERATORS[3] * math.sqrt(3) / 2, (1, 0, 2))  # (c, a, γ)
    c_t = np.einsum("cag,dbg->abcd", y_chi, y_g.conj())
    c_u = np.einsum("cbg,dag->abcd", y_g, y_chi.conj())
    expected = _colour_sum_w([m_t, m_u], [c_t, c_u], rs[0], m1, m2, 0.0, 0.25 / 8, wcos, (-4, -3, -2, -1))
    assert W == pytest.approx(expected, rel=1e-6)
    t_only = _colour_sum_w([m_t], [c_t], rs[0], m1, m2, 0.0, 0.25 / 8, wcos, (-4, -3, -2, -1))
    assert abs(W / t_only - 1) > 1e-2


# -------------------------------------------------------------------------------------------
# channel selection: what disappears from `missing`
# -------------------------------------------------------------------------------------------
def test_self_conjugate_octet_and_coloured_exchange_channels_computed():
    """A Majorana singlet χ with a gluino-like octet G 5% above it and a triplet scalar S coupled
    to both through u: G G → g g and u ū, χ G → u ū are channels, nothing is missing; Ωh² falls
    against the octet far away (coloured coannihilation)."""
    def sector(m_g):
        return DarkSector((DarkFermion("chi", 300.0, 0.0, majorana=True),
                           DarkFermion("G", m_g, 0.0, colour=8, majorana=True)),
                          (DarkScalar("Su", 700.0, 2 / 3, colour=3),),
                          left={"u": np.array([[0.3], [0.5]])}, right={"u": np.array([[0.0], [0.0]])})
    r = relic_density(sector(315.0), SM)
    assert r.missing == ()
    for name in ("G G -> g g", "G G -> u u~", "chi G -> u u~"):
        assert r.shares[name] > 0
    assert r.omega_h2 < 0.5 * relic_density(sector(3000.0), SM).omega_h2


def test_anti_triplet_pair_with_anti_triplet_exchange_is_a_channel():
    """(3̄, 3̄) quark coupling: a Dirac 3̄ F near the candidate, exchanging a 3̄ scalar into d:
    F F̄ → d d̄ computed (was `missing`)."""
    sec = DarkSector((DarkFermion("chi", 300.0, 0.0, majorana=True),
                      DarkFermion("F", 310.0, 1 / 3, colour=-3)),
                     (DarkScalar("S", 600.0, -2 / 3, colour=-3), DarkScalar("E", 900.0, -1.0)),
                     left={"d": np.array([[0.0, 0.0], [0.8, 0.0]]), "mu": np.array([[0.0, 0.9], [0.0, 0.0]])})
    r = relic_density(sec, SM)
    assert not any("two coloured" in x for x in r.missing)
    assert r.shares["F F~ -> d d~"] > 0


# -------------------------------------------------------------------------------------------
# g Z of a neutral coloured state
# -------------------------------------------------------------------------------------------
def _z_sector(kind, charge, zl, zr=None):
    from bridge.engine import ZCouplings

    if kind == "F":
        return DarkSector((DarkFermion("Q", 250.0, charge, colour=3),), (DarkScalar("S", 900.0, 0.0),),
                          z=ZCouplings(np.array([[zl]]), np.array([[zl if zr is None else zr]]),
                                       np.zeros((1, 1))))
    return DarkSector((DarkFermion("N", 900.0, 0.0),), (DarkScalar("Q", 250.0, charge, colour=3),),
                      z=ZCouplings(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[zl]])))


@pytest.mark.parametrize("kind", ["F", "S"])
def test_gluon_z_of_a_charged_triplet_equals_the_photon_rescaling(kind):
    """For a charged triplet the g Z rate from the colour-stripped couplings equals the Zγ
    channel with e Q → g_s (× C_R d_R / d_R², :func:`coloured._gluon_photon`): two routes."""
    from bridge.darkmatter import bosons as B

    sm_s2w = SM.s2w
    q = -1 / 3
    sec = _z_sector(kind, q, 0.3 - q * sm_s2w, -q * sm_s2w)
    gauge = B.Gauge.from_sm(SM)
    cp = B.Couplings(sec, gauge, sm_s2w)
    x, xb = _sp("Q", kind, 250.0, q, 3), _sp("Q", kind, 250.0, q, 3, conj=True)
    rs = np.array([520.0, 700.0, 1200.0])
    new = CO.coloured_pair_to_gluon_z(sec, cp, x, xb, rs, AS)
    ew = [(n, f) for n, f in CO.P.boson_channels((gauge, cp), x, xb, "Q Q~") if n.endswith("Z a")]
    old = dict(CO._gluon_photon(ew, (gauge, cp), x, AS))["Q Q~ -> g Z"](rs)
    assert np.all(old > 0)
    assert new == pytest.approx(old, rel=1e-10)


@pytest.mark.parametrize("rs", [520.0, 800.0])
def test_gluon_z_of_a_neutral_triplet_in_the_massless_z_limit(rs):
    """Neutral Dirac triplet with a pure vector Z coupling c (L = R = c): with m_Z → 0 the
    amplitude is the γγ one with e²Q² → g_s T^a g_Z c, so W(g Z) = 2 (g_s g_Z c)² C_R d_R/d_R²
    × W(γγ; e²Q² = 1) (no identical-boson ½): against annihilation.fermion_pair_to_photons
    (tested against Breit–Wheeler); non-zero, so g Z is a channel and not `missing`."""
    from bridge.darkmatter import bosons as B

    c = 0.4
    sec = _z_sector("F", 0.0, c)
    gauge = dataclasses.replace(B.Gauge.from_sm(SM), m_z=1e-4)
    cp = B.Couplings(sec, gauge, gauge.s2w)
    x, xb = _sp("Q", "F", 250.0, 0.0, 3), _sp("Q", "F", 250.0, 0.0, 3, conj=True)
    W = CO.coloured_pair_to_gluon_z(sec, cp, x, xb, np.array([rs]), AS)[0]
    unit = dataclasses.replace(SMC, e2=1.0)
    w_aa = A.fermion_pair_to_photons(unit, 250.0, 1.0, np.array([rs]))[0]
    expected = 2 * 4 * math.pi * AS * (gauge.gz * c) ** 2 * (4 / 3 * 3) / 9 * w_aa
    assert W > 0
    assert W == pytest.approx(expected, rel=1e-6)


def test_gluon_z_is_a_channel_of_a_neutral_coloured_pair():
    """A neutral triplet with a Z coupling 3% above a singlet candidate: g Z is computed (was
    `missing`)."""
    from bridge.engine import ZCouplings

    sec = DarkSector((DarkFermion("chi", 300.0, 0.0, majorana=True),
                      DarkFermion("Q", 310.0, 0.0, colour=3)),
                     (DarkScalar("S", 700.0, 0.0, colour=-3), DarkScalar("E", 900.0, -1.0)),
                     left={"mu": np.array([[0.0, 0.9], [0.0, 0.0]])},
                     z=ZCouplings(np.diag([0.0, 0.3]), np.diag([0.0, 0.3]), np.zeros((2, 2))))
    r = relic_density(sec, SM)
    assert not any("g Z" in x for x in r.missing)
    assert r.shares["Q Q~ -> g Z"] > 0


@pytest.mark.parametrize("rs", [601.0, 760.0, 1300.0])
def test_gluino_pair_to_quarks_with_squark_exchange_against_dawson_eichten_quigg(rs):
    """Majorana octet G with a triplet scalar q̃_L coupled to u_L with the supersymmetric
    strength (−√2 g_s ū T^a P_R G^a q̃_L, i.e. l = 2√2 g_s/√3 in the (√3/2) T^a normalisation of
    quark_colour_tensor): G G → u ū by t- and u-channel q̃_L and the s-channel gluon, against
    dσ/dt(q q̄ → g̃ g̃) of Dawson, Eichten, Quigg, Phys. Rev. D31 (1985) 1581 (as written out in
    PYTHIA 8's SigmaSUSY, with one squark chirality: ½ σ_Q̃ for the average over the quark
    helicity, m_q̃R → ∞): (πα_s²/s²)(8/3)·½·[(t_g² + u_g² + 2m²s)/s² + ½{(4/9)(t_g²/t_q² +
    u_g²/u_q²) + (1/9)m²s/(t_q u_q) + (t_g² + m²s)/(s t_q) + (u_g² + m²s)/(s u_q)}], t_g = t − m²,
    t_q = t − M²; integrated with quad, reversed (g_u = 6, g_G = 16, identical gluinos). The
    t–s interference is ∝ |l|², so this fixes the relative sign of the gluon and squark
    diagrams, the Majorana u-channel and the colour factors at once."""
    from scipy.integrate import quad

    m, M = 300.0, 450.0
    smc = _massless_u()
    g_s = math.sqrt(4 * math.pi * AS)
    sec = DarkSector((DarkFermion("G", m, 0.0, colour=8, majorana=True),),
                     (DarkScalar("uL", M, 2 / 3, colour=3),),
                     left={"u": np.array([[2 * math.sqrt(2) * g_s / math.sqrt(3)]])})
    gl = _sp("G", "F", m, 0.0, 8, sc=True)
    W = CO.colour_matrix_pair_to_quarks(sec, smc, gl, gl, "u", "u", np.array([rs]), AS)[0]
    s = rs * rs
    beta = math.sqrt(1 - 4 * m * m / s)

    def dsig_dcos(c):
        t = m * m - s / 2 * (1 - beta * c)
        u = 2 * m * m - s - t
        tg, ug, tq, uq = t - m * m, u - m * m, t - M * M, u - M * M
        sig_s = (tg**2 + ug**2 + 2 * m * m * s) / s**2
        sig_q = (4 / 9 * (tg**2 / tq**2 + ug**2 / uq**2) + m * m * s / (9 * tq * uq)
                 + (tg**2 + s * m * m) / (s * tq) + (ug**2 + s * m * m) / (s * uq))
        return math.pi * AS**2 / s**2 * 8 / 3 * 0.5 * (sig_s + 0.5 * sig_q) * s * beta / 2

    sig_prod = quad(dsig_dcos, -1, 1, epsabs=0, epsrel=1e-12)[0]
    p = p_cm(rs, m, m)
    sigma = sig_prod * (6 / 16) ** 2 * (rs / 2 / p) ** 2 * 2
    assert W == pytest.approx(4 * p * rs * sigma, rel=1e-6)
