"""Sommerfeld factors of coloured dark pairs (bridge.darkmatter.sommerfeld and its use in
bridge.darkmatter.coloured).

S(x) against the Coulomb radial Schrödinger equation integrated numerically (|ψ(0)|² of the
scattering state normalised to a unit incoming amplitude), attractive and repulsive; the colour
potentials and the X X̄ → g g weights per representation against projectors built from the
Gell-Mann matrices (eigenspaces of the two-body Casimir operator); the threshold shares of
de Simone, Giudice, Strumia (arXiv:1402.6287, §2: g g 2/7 singlet, 5/7 octet; q q̄ only from the
octet); the limit α_s → 0 of the potential gives back the tree-level W of every channel; the
thermal average of S against an independent non-relativistic Maxwell–Boltzmann integral.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad, solve_ivp
from test_darkmatter_coloured import GENERATORS, SMC, _species, toy

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import bosons as B
from bridge.darkmatter import coloured as CO
from bridge.darkmatter import freezeout
from bridge.darkmatter import relic as R
from bridge.darkmatter import sommerfeld as SF
from bridge.engine import DarkFermion, DarkScalar, DarkSector


# -------------------------------------------------------------------------------------------
# S(x) from the Schrödinger equation
# -------------------------------------------------------------------------------------------
def schroedinger_factor(eta: float, rho_max: float = 600.0) -> float:
    """|ψ(0)|² of the l = 0 scattering state in V = −κα/r, relative to the plane wave: in ρ = kr,
    u'' + (1 + 2η/ρ) u = 0 with η = κα μ/k, u = ρ − ηρ² + … regular at 0 (u'(0) = 1), integrated
    outwards; at large ρ, u = A sin(φ) with A² = p u² + u'²/p, p = √(1 + 2η/ρ) (WKB, error
    O(η/ρ²)); the plane wave has u = sin ρ, so S = 1/A²."""
    rho0 = 1e-6

    def rhs(rho, y):
        return [y[1], -(1 + 2 * eta / rho) * y[0]]

    u0 = rho0 - eta * rho0**2
    du0 = 1 - 2 * eta * rho0
    sol = solve_ivp(rhs, (rho0, rho_max), [u0, du0], method="DOP853", rtol=1e-11, atol=1e-14)
    u, du = sol.y[:, -1]
    p = math.sqrt(1 + 2 * eta / rho_max)
    return 1.0 / (p * u * u + du * du / p)


@pytest.mark.parametrize("x", [-2.0, -0.5, -0.1, 0.1, 0.5, 1.0, 3.0])
def test_coulomb_factor_against_the_radial_schroedinger_equation(x):
    """S(x) = πx/(1 − e^{−πx}) with x = κα/β and β half the relative velocity: η = κα μ/k
    = κα/v_rel = x/2."""
    assert SF.factor(x) == pytest.approx(schroedinger_factor(x / 2), rel=2e-4)


def test_coulomb_factor_limits():
    x = np.array([0.0, 1e-10, -1e-10, 50.0, -5.0])
    s = SF.factor(x)
    assert s[0] == 1.0
    assert s[1:3] == pytest.approx(1 + math.pi * x[1:3] / 2, rel=1e-15)
    assert s[3] == pytest.approx(math.pi * 50, rel=1e-15)
    assert s[4] == pytest.approx(5 * math.pi * math.exp(-5 * math.pi), rel=1e-6)
    assert SF.factor(-1e4) == 0.0  # no overflow warning turned into NaN


def test_velocity_is_the_reduced_mass_velocity():
    """β = k/(2μ) = v_rel/2 of the non-relativistic two-body problem, k exact in √s."""
    m1, m2, rs = 200.0, 260.0, 470.0
    k = float(A.H.two_body_momentum(np.array(rs), m1, m2))
    assert SF.velocity(rs, m1, m2) == pytest.approx(k / 2 * (1 / m1 + 1 / m2), rel=1e-14)
    m = 300.0  # equal masses, β ≪ 1: the velocity of each particle in the CM frame
    rs = 2 * m * (1 + 1e-6)
    beta_cm = math.sqrt(1 - 4 * m * m / rs**2)
    assert SF.velocity(rs, m, m) == pytest.approx(beta_cm, rel=1e-5)
    assert SF.velocity(np.array([2 * m, 100.0]), m, m).tolist() == [0.0, 0.0]


# -------------------------------------------------------------------------------------------
# colour: Casimir eigenspaces of R ⊗ R̄ from explicit generators
# -------------------------------------------------------------------------------------------
def casimir_projectors(rep):
    """{C_Q: projector} on the d×d colour matrices t_ji of X_i X̄_j: the two-body Casimir acts
    as t → Σ_a [T^a, [T^a, t]] (𝟙 → 0, T^c → C_A T^c); its eigenspaces are the Q of R ⊗ R̄."""
    t = GENERATORS[rep]
    d = t.shape[-1]
    basis = np.eye(d * d).reshape(d * d, d, d)
    cas = np.array([sum((ta @ (ta @ e - e @ ta) - (ta @ e - e @ ta) @ ta) for ta in t).reshape(-1)
                    for e in basis]).T
    vals, vecs = np.linalg.eigh((cas + cas.conj().T) / 2)
    out = {}
    for c in np.unique(np.round(vals, 9)):
        v = vecs[:, np.abs(vals - c) < 1e-6]
        out[float(c)] = v @ v.conj().T
    return out


@pytest.mark.parametrize("rep, casimirs", [(3, {0.0: 1, 3.0: 8}), (8, {0.0: 1, 3.0: 16, 6.0: 20, 8.0: 27})])
def test_colour_channels_and_potentials(rep, casimirs):
    proj = casimir_projectors(rep)
    assert {c: round(np.trace(p).real) for c, p in proj.items()} == casimirs
    dims = {0.0: 1, 3.0: 8, 6.0: 10, 8.0: 27}
    for c in casimirs:
        assert SF.CASIMIR[dims[c]] == pytest.approx(c, abs=1e-9)
    assert SF.strength(3, -3, 1) == pytest.approx(4 / 3) and SF.strength(3, -3, 8) == pytest.approx(-1 / 6)
    assert SF.strength(8, 8, 1) == 3 and SF.strength(8, 8, 8) == 1.5 and SF.strength(8, 8, 27) == -1


@pytest.mark.parametrize("rep", [3, 8])
def test_gluon_pair_weights_against_projectors(rep):
    """Σ_ab |P_Q (M_ba T^bT^a + M_ab T^aT^b)|² over the colour matrices, for random complex
    M_ba, M_ab, equals w_S(Q)|Σ|² + w_A(Q)|A|² of GLUON_PAIR_WEIGHTS (8_S and 8_A share C = 3)."""
    t = GENERATORS[rep]
    proj = casimir_projectors(rep)
    dims = {0.0: 1, 3.0: 8, 8.0: 27}
    rng = np.random.default_rng(4)
    for _ in range(3):
        m_ba, m_ab = rng.normal(size=2) + 1j * rng.normal(size=2)
        states = np.array([(m_ba * t[b] @ t[a] + m_ab * t[a] @ t[b]).reshape(-1)
                           for a in range(8) for b in range(8)])
        sym, anti = abs((m_ba + m_ab) / 2) ** 2, abs((m_ba - m_ab) / 2) ** 2
        for c, p in proj.items():
            brute = np.sum(np.abs(states @ p.T) ** 2)
            if c not in dims:
                assert brute < 1e-12  # the 10, 10̄ of 8 ⊗ 8 are not reached from g g
                continue
            w_s, w_a = SF.GLUON_PAIR_WEIGHTS[rep][dims[c]]
            assert brute == pytest.approx(w_s * sym + w_a * anti, rel=1e-12)


class Indicator:
    """A stand-in for sommerfeld.Coulomb: 1 on the representation ``q``, 0 on the others."""

    def __init__(self, q):
        self.q = q

    def __call__(self, rs, q):
        return np.full(np.shape(rs), float(q == self.q))


@pytest.mark.parametrize("kind", ["S", "F"])
def test_threshold_gluon_shares_of_triplets(kind):
    """X X̄ → g g at threshold: 2/7 from the singlet, 5/7 from the octet (de Simone, Giudice,
    Strumia, arXiv:1402.6287, §2); octets (Dirac/complex): 1/6, 1/3, 1/2 from 1, 8, 27 (the
    weights' ratio at M_ba = M_ab, an s-wave at rest)."""
    fn = CO.scalar_pair_to_gluons if kind == "S" else CO.fermion_pair_to_gluons
    m = 300.0
    rs = np.array([2 * m * (1 + 1e-8)])
    for rep, shares in ((3, {1: 2 / 7, 8: 5 / 7}), (8, {1: 1 / 6, 8: 1 / 3, 27: 1 / 2})):
        total = fn(m, rep, rs, 0.1)[0]
        for q, share in shares.items():
            assert fn(m, rep, rs, 0.1, Indicator(q))[0] / total == pytest.approx(share, rel=1e-6)
    # away from threshold the shares move (p-wave with M_ba ≠ M_ab) but still add up
    rs = np.array([900.0])
    total = fn(m, 3, rs, 0.1)[0]
    parts = [fn(m, 3, rs, 0.1, Indicator(q))[0] for q in (1, 8)]
    assert sum(parts) == pytest.approx(total, rel=1e-12)
    assert parts[0] / total != pytest.approx(2 / 7, rel=1e-3)


def test_quark_pairs_only_from_the_octet_through_the_gluon():
    """A neutral triplet pair without Yukawa couplings → u ū (s-channel gluon alone): all octet;
    with a colourless t-channel and the photon (b b̄) the singlet and octet parts add up."""
    m = 200.0
    smc = A.SMCouplings.from_sm(SM)
    sec = DarkSector((DarkFermion("Q", m, 0.0, colour=3),), (DarkScalar("S", 900.0, 0.0),))
    x, xb = _species("Q", "F", m, 0.0, 3), _species("Q", "F", m, 0.0, 3, conj=True)
    rs = np.array([420.0, 600.0])
    total = CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", rs, 0.1)
    assert CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", rs, 0.1, coulomb=Indicator(8)) \
        == pytest.approx(total, rel=1e-13)
    assert np.all(CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", rs, 0.1, coulomb=Indicator(1)) == 0)
    sec = DarkSector((DarkFermion("Q", m, -1 / 3, colour=3),), (DarkScalar("S", 260.0, 0.0),),
                     right={"b": np.array([[0.8]])}, left={"b": np.array([[0.3]])})
    x, xb = _species("Q", "F", m, -1 / 3, 3), _species("Q", "F", m, -1 / 3, 3, conj=True)
    total = CO.coloured_pair_to_fermions(sec, smc, x, xb, "b", "b", rs, 0.1)
    one, eight = (CO.coloured_pair_to_fermions(sec, smc, x, xb, "b", "b", rs, 0.1, coulomb=Indicator(q))
                  for q in (1, 8))
    assert np.all(one > 0) and np.all(eight > 0)
    assert one + eight == pytest.approx(total, rel=1e-12)


# -------------------------------------------------------------------------------------------
# α_s → 0 and switching off
# -------------------------------------------------------------------------------------------
def _pair_ws(sector, sommerfeld, rs):
    species = R.dark_species(sector)
    smc = A.SMCouplings.from_sm(SM)
    g = B.Gauge.from_sm(SM)
    gauge = (g, B.Couplings(sector, g, SM.s2w))
    out = {}
    for i, si in enumerate(species):
        for sj in species[i:]:
            for name, fn in R.pair_channels(sector, smc, si, sj, gauge, sommerfeld)[0]:
                out[name] = fn(rs)
    return out


def coloured_pairs():
    """A stop-like toy (scalar triplet coupled to t_R) and a Dirac triplet F with a (3, 3̄) scalar
    coupled to μ (coloured F S into μ γ, μ g)."""
    fermions = (DarkFermion("chi", 150.0, 0.0, majorana=True), DarkFermion("Fq", 160.0, -1 / 3, colour=3))
    lepton = DarkSector(fermions, (DarkScalar("Sq", 170.0, -2 / 3, colour=-3),),
                        left={"mu": np.array([[0.0], [0.6]])}, right={"mu": np.array([[0.0], [0.2]])})
    return [toy(200.0, 215.0), lepton]


@pytest.mark.parametrize("case", [0, 1])
def test_vanishing_potential_gives_the_tree_level_w(case, monkeypatch):
    sector = coloured_pairs()[case]
    rs = np.array([431.0, 520.0, 900.0])
    tree = _pair_ws(sector, False, rs)
    monkeypatch.setattr(SF, "running_alpha", lambda mu, a: np.zeros(np.shape(mu)))
    with_zero = _pair_ws(sector, True, rs)
    assert with_zero.keys() == tree.keys()
    for name, w in tree.items():
        assert with_zero[name] == pytest.approx(w, rel=1e-12, abs=0), name
    monkeypatch.undo()
    dressed = _pair_ws(sector, True, rs)
    changed = [n for n in tree if not np.allclose(dressed[n], tree[n], rtol=1e-6)]
    coloured_both = [n for n in tree if n.split(" -> ")[0].count("q") == 2]
    assert changed and set(changed) == {n for n in coloured_both if np.any(tree[n])}


def test_potential_follows_the_cards_alpha_s():
    """The potential's α_s runs from the card's α_s(M_Z) (SMCouplings.alpha_s_mz): at √s with
    k > p_B it is α_s(k); raising α_s(M_Z) strengthens the attractive singlet and the repulsive
    octet."""
    m, rs = 300.0, np.array([620.0])
    k = float(A.H.two_body_momentum(rs, m, m)[0])
    low, high = SF.Coulomb(m, m, 3, 3, 0.112), SF.Coulomb(m, m, 3, 3, 0.125)
    assert k > low.bohr_momentum(1)
    from bridge.couplings import alpha_s
    assert low.alpha_s(rs, 1)[0] == pytest.approx(alpha_s(k, 5, 0.112), rel=1e-4)  # interpolated
    assert high(rs, 1)[0] > low(rs, 1)[0] > 1 > low(rs, 8)[0] > high(rs, 8)[0]
    smc = A.SMCouplings.from_sm(SM.replace(alpha_s_mz=0.125))
    sector = toy(200.0, 215.0)
    species = R.dark_species(sector)
    g = B.Gauge.from_sm(SM)
    gauge = (g, B.Couplings(sector, g, SM.s2w))
    chans = dict(R.pair_channels(sector, smc, species[1], species[2], gauge)[0])
    ref = SF.Coulomb(215.0, 215.0, 3, 3, 0.125)
    tree = dict(R.pair_channels(sector, smc, species[1], species[2], gauge, sommerfeld=False)[0])
    rs = np.array([460.0])
    w = chans["Sq Sq~ -> g a"](rs) / tree["Sq Sq~ -> g a"](rs)  # an octet channel
    assert w == pytest.approx(ref(rs, 8), rel=1e-12)


def test_relic_default_is_sommerfeld_and_it_can_be_switched_off():
    sector = toy(200.0, 215.0)
    on, off = R.relic_density(sector, SM), R.relic_density(sector, SM, sommerfeld=False)
    assert R.SOMMERFELD is True
    # stop-like partner at 1.075 m: the attractive singlet outweighs the repulsive octet
    assert on.omega_h2 < off.omega_h2
    assert on.shares["Sq Sq~ -> g g"] > off.shares["Sq Sq~ -> g g"]


# -------------------------------------------------------------------------------------------
# thermal average
# -------------------------------------------------------------------------------------------
def test_thermal_average_against_a_non_relativistic_integral():
    """⟨σv S⟩/⟨σv⟩ of a stop-like pair's g g (s-wave) with a fixed α_s = 0.1 of the potential:
    the Gondolo–Gelmini average of freezeout.sigma_v_on_grid against ∫ dv v² e^{−x v²/4} S(v)
    σv(v) / ∫ dv v² e^{−x v²/4} σv(v) over the Maxwell–Boltzmann relative velocity v = 2β (the
    σv(v) of the code's W, non-relativistic in the weight): equal up to O(1/x) relativistic
    terms; at x = 25 the triplet's colour-averaged enhancement of g g is 1.38 (2/7 of an
    attractive S₁ ≈ 2.5, 5/7 of a repulsive S₈ ≈ 0.93 at α = 0.1)."""
    m = 500.0
    p = freezeout.momentum_grid(m, (), [2 * m], n_threshold=32)
    rs = 2 * np.sqrt(p**2 + m * m)
    coulomb = SF.Coulomb(m, m, 3, 3, SMC.alpha_s_mz, alpha=0.1)
    tree = CO.scalar_pair_to_gluons(m, 3, rs, 0.1)
    dressed = CO.scalar_pair_to_gluons(m, 3, rs, 0.1, coulomb)
    sv = freezeout.sigma_v_on_grid(p, m, np.array([m]), np.array([1.0]), np.array([tree, dressed]).T)
    ratio = sv[:, 1] / sv[:, 0]
    x_all = freezeout.x_grid()

    def sigma_v(v, dress):  # σ v_rel ∝ W/E² at √s = 2E, E = m/√(1 − β²), β = v/2
        root_s = 2 * m / math.sqrt(1 - v * v / 4)
        w = CO.scalar_pair_to_gluons(m, 3, np.array([root_s]), 0.1, coulomb if dress else None)[0]
        return w / root_s**2

    for x in (20.0, 25.0, 60.0, 200.0):
        top = min(12 / math.sqrt(x), 1.99)  # the weight beyond is below e^{−x}
        num, den = (quad(lambda v, x=x, dress=dress: v * v * math.exp(-x * v * v / 4) * sigma_v(v, dress),
                         0, top, epsabs=0, epsrel=1e-9, limit=200)[0] for dress in (True, False))
        code = float(np.interp(math.log(x), np.log(x_all), ratio))
        # measured: −0.54%, −0.43% at x = 20, 25 (×x ≈ 0.11: the O(1/x) difference of the
        # Maxwell–Jüttner and Maxwell–Boltzmann weights), −0.10%, +0.17% at x = 60, 200
        assert code == pytest.approx(num / den, rel=7e-3 if x < 50 else 3e-3), x
    assert 1.2 < float(np.interp(math.log(25.0), np.log(x_all), ratio)) < 1.45


# -------------------------------------------------------------------------------------------
# the published s-wave Sommerfeld factors
# -------------------------------------------------------------------------------------------
def published_s_wave_ratio(process, b, alpha):
    """σ_Sommerfeld/σ of the s-wave of X X̄ → g g and F F̄ → q q̄ (X of mass m, b = k/m) in the
    form of El Hedri, Kaminska, de Vries, arXiv:1612.02825 (their Sommerfeld-corrected s-wave
    terms; the same colour weights as de Simone et al. 1402.6287, §2): triplets g g
    (2/7) S(4α/3b) + (5/7) S(−α/6b); octets g g (1/6) S(3α/b) + (1/3) S(3α/2b) + (1/2) S(−α/b);
    triplet fermions q q̄ S(−α/6b) (octet only). S(x) = πx/(1 − e^{−πx}) written out here."""
    def s(x):
        return math.pi * x / (1 - math.exp(-math.pi * x))
    if process == "gg3":
        return 2 / 7 * s(4 * alpha / (3 * b)) + 5 / 7 * s(-alpha / (6 * b))
    if process == "gg8":
        return s(3 * alpha / b) / 6 + s(1.5 * alpha / b) / 3 + s(-alpha / b) / 2
    return s(-alpha / (6 * b))


@pytest.mark.parametrize("beta", [0.02, 0.05])
@pytest.mark.parametrize("process, kind",
                         [("gg3", "S"), ("gg3", "F"), ("gg8", "S"), ("gg8", "F"), ("qq3", "F")])
def test_near_threshold_against_the_published_s_wave_factors(process, kind, beta):
    """W with the Sommerfeld factors over the tree-level W near threshold (β = 0.02, 0.05) against
    the published s-wave ratio at the same k/m; they differ by the p-wave terms the exact W
    keeps, O(β²) (measured: 0.34 β² for triplets into g g, 0.06 β² for octets; 1e-15 for q q̄,
    a pure octet)."""
    m, alpha = 400.0, 0.1
    rs = np.array([2 * m / math.sqrt(1 - beta * beta)])
    k = float(A.H.two_body_momentum(rs, m, m)[0])
    rep = 8 if process == "gg8" else 3
    coulomb = SF.Coulomb(m, m, rep, rep, SMC.alpha_s_mz, alpha=alpha)
    if process.startswith("gg"):
        fn = CO.scalar_pair_to_gluons if kind == "S" else CO.fermion_pair_to_gluons
        ratio = fn(m, rep, rs, 0.1, coulomb)[0] / fn(m, rep, rs, 0.1)[0]
    else:
        smc = A.SMCouplings.from_sm(SM)
        sec = DarkSector((DarkFermion("Q", m, 0.0, colour=3),), (DarkScalar("S", 2000.0, 0.0),))
        x, xb = _species("Q", "F", m, 0.0, 3), _species("Q", "F", m, 0.0, 3, conj=True)
        ratio = (CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", rs, 0.1, coulomb=coulomb)[0]
                 / CO.coloured_pair_to_fermions(sec, smc, x, xb, "u", "u", rs, 0.1)[0])
    assert ratio == pytest.approx(published_s_wave_ratio(process, k / m, alpha), rel=beta**2)


def test_octet_and_gluon_z_channels_carry_their_factors():
    """G G → g g of a gluino-like octet equals the Dirac octet's per-representation sum with the
    same Coulomb factors; Q Q̄ → g Z of a neutral triplet is an octet (S₈ < 1 multiplies it)."""
    from bridge.darkmatter import annihilation as A
    from bridge.engine import ZCouplings

    rs = np.array([2 * 315.0 * 1.001, 2 * 315.0 * 1.05])
    coulomb = SF.Coulomb(315.0, 315.0, 8, 8, 0.118)
    dressed = CO.self_conjugate_octet_to_gluons("F", 315.0, rs, 0.1, coulomb)
    tree = CO.self_conjugate_octet_to_gluons("F", 315.0, rs, 0.1)
    parts = sum(coulomb(rs, q) * CO.fermion_pair_to_gluons(315.0, 8, rs, 0.1, Indicator(q))
                for q in SF.GLUON_PAIR_WEIGHTS[8])
    assert dressed == pytest.approx(parts, rel=1e-12)
    assert np.all(dressed > tree)  # the attractive singlet dominates near threshold

    sec = DarkSector((DarkFermion("chi", 300.0, 0.0, majorana=True), DarkFermion("Q", 310.0, 0.0, colour=3)),
                     (DarkScalar("S", 700.0, 0.0, colour=-3), DarkScalar("E", 900.0, -1.0)),
                     left={"mu": np.array([[0.0, 0.9], [0.0, 0.0]])},
                     z=ZCouplings(np.diag([0.0, 0.3]), np.diag([0.0, 0.3]), np.zeros((2, 2))))
    rs = np.array([2 * 310.0 * 1.01 + 91.2, 900.0])
    on, off = _pair_ws(sec, True, rs), _pair_ws(sec, False, rs)
    s8 = SF.Coulomb(310.0, 310.0, 3, -3, A.SMCouplings.from_sm(SM).alpha_s_mz)(rs, 8)
    assert np.all(s8 < 1)
    assert on["Q Q~ -> g Z"] == pytest.approx(off["Q Q~ -> g Z"] * s8, rel=1e-12)
