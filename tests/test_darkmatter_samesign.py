"""Same-sign fermion final states (bridge.darkmatter.samesign): S S → f f' via Majorana exchange
and F F → f f' of Dirac fermions via real-scalar exchange, and their antiparticle pairs.

Checked against a squared amplitude written here independently of bridge.darkmatter.helicity:
explicit 4×4 γ matrices in the Dirac (not the chiral) representation, Dirac-basis spinors, the
charge-conjugation matrix C = iγ²γ⁰ of that basis for v = C ūᵀ, and every diagram in its natural
fermion-flow orientation with Denner's (−1)^P (Denner, Eck, Hahn, Küblbeck, Nucl. Phys. B387
(1992) 467) — the u-channel of the scalar case as −ū(k₂) … v(k₁), not reversed — integrated
over cos θ with scipy's adaptive quadrature (≤ 1e-6); against a closed s-wave (derived here, see
:func:`test_scalar_swave_closed_form`); and through the Majorana limit (M_N → 0 with chiral
couplings: no same-sign amplitude without the mass insertion).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import pairs, relic, samesign
from bridge.engine import DarkFermion, DarkScalar, DarkSector

SMC = A.SMCouplings.from_sm(SM)

# --- an independent Dirac-representation toolkit -------------------------------------------
_S = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]),
      np.array([[1, 0], [0, -1]], complex)]
_I, _O = np.eye(2), np.zeros((2, 2))
G = [np.block([[_I, _O], [_O, -_I]])] + [np.block([[_O, s], [-s, _O]]) for s in _S]
G5 = np.block([[_O, _I], [_I, _O]])
CC = 1j * G[2] @ G[0]
PR_, PL_ = (np.eye(4) + G5) / 2, (np.eye(4) - G5) / 2


def sl(p):
    return p[0] * G[0] - p[1] * G[1] - p[2] * G[2] - p[3] * G[3]


def mdot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def u_dirac(p, m):
    """u(p, s) = √(E + m) (ξ_s, σ·p ξ_s/(E + m)), s = 0, 1 (Dirac representation)."""
    e = p[0]
    sp = sum(p[i + 1] * _S[i] for i in range(3))
    out = []
    for xi in (np.array([1, 0], complex), np.array([0, 1], complex)):
        out.append(math.sqrt(e + m) * np.concatenate([xi, sp @ xi / (e + m)]))
    return out


def ubar(u):
    return u.conj() @ G[0]


def v_dirac(p, m):
    return [CC @ ubar(u) for u in u_dirac(p, m)]


def momenta(sqrt_s, m1, m2, m3, m4, c):
    def mom(a, b):
        return math.sqrt(max((sqrt_s**2 - (a + b) ** 2) * (sqrt_s**2 - (a - b) ** 2), 0)) / (2 * sqrt_s)
    p, k = mom(m1, m2), mom(m3, m4)
    e1, e3 = (sqrt_s**2 + m1**2 - m2**2) / (2 * sqrt_s), (sqrt_s**2 + m3**2 - m4**2) / (2 * sqrt_s)
    s = math.sqrt(1 - c * c)
    return (np.array([e1, 0, 0, p]), np.array([sqrt_s - e1, 0, 0, -p]),
            np.array([e3, k * s, 0, k * c]), np.array([sqrt_s - e3, -k * s, 0, -k * c]))


def gam(lc, rc, anti):
    """Γ = l P_R + r P_L, or Γ̄ = l* P_L + r* P_R of the h.c. vertex."""
    return np.conj(lc) * PL_ + np.conj(rc) * PR_ if anti else lc * PR_ + rc * PL_


def colour_sum(t, u, d):
    """Σ over the colours of |δ_ci δ_dj T + δ_cj δ_di U|², averaged over the d² initial ones (an
    explicit loop over i, j, c, d; d = 1: |T + U|²)."""
    total = 0.0
    for i in range(d):
        for j in range(d):
            for c in range(d):
                for e in range(d):
                    total += abs((c == i and e == j) * t + (c == j and e == i) * u) ** 2
    return total / d**2


def msq_scalars(sec, A_, B_, f, fp, anti, sqrt_s, c, d=1, colour=None):
    """Σ|M|² of S_A S_B → f f' (S̄ S̄ → f̄ f̄'): natural orientation of each diagram; ``d``: both
    scalars colour triplets (f, f' quarks, colourless exchange), colour-averaged by ``colour``
    (t, u, d) (default :func:`colour_sum`)."""
    colour = colour or colour_sum
    mS1, mS2 = sec.scalars[A_].mass, sec.scalars[B_].mass
    m3, m4 = SMC.mass[f], SMC.mass[fp]
    p1, _, k1, k2 = momenta(sqrt_s, mS1, mS2, m3, m4, c)
    total = 0.0
    for s3, ub3 in enumerate(ubar(u) for u in u_dirac(k1, m3)):
        for s4, v4 in enumerate(v_dirac(k2, m4)):
            ub4, v3 = ubar(u_dirac(k2, m4)[s4]), v_dirac(k1, m3)[s3]
            t_amp = u_amp = 0j
            for a, F in enumerate(sec.fermions):
                if not F.majorana:
                    continue
                def prop(q, M=F.mass):
                    return (sl(q) + M * np.eye(4)) / (mdot(q, q) - M * M)
                gf = lambda X, a=a: gam(sec.l(f)[a, X], sec.r(f)[a, X], anti)  # noqa: E731
                gfp = lambda X, a=a: gam(sec.l(fp)[a, X], sec.r(fp)[a, X], anti)  # noqa: E731
                # f(k1) at S_A, f'(k2) at S_B: ū(k1) Γ^f_A S(k1 − p1) Γ^f'_B v(k2)
                t_amp += ub3 @ gf(A_) @ prop(k1 - p1) @ gfp(B_) @ v4
                # f'(k2) at S_A, f(k1) at S_B, natural orientation ū(k2) … v(k1): spinors swapped, −1
                u_amp -= ub4 @ gfp(A_) @ prop(k2 - p1) @ gf(B_) @ v3
            total += colour(t_amp, u_amp, d)
    return total


def msq_fermions(sec, a, b, f, fp, anti, sqrt_s, c, d=1):
    """Σ|M|² of F_a F_b → f f' (F̄ F̄ → f̄ f̄') via real scalars: two lines, t minus u; ``d``: both
    fermions colour triplets (colourless scalars, f, f' quarks), colour-averaged."""
    m1, m2 = sec.fermions[a].mass, sec.fermions[b].mass
    m3, m4 = SMC.mass[f], SMC.mass[fp]
    p1, p2, k1, k2 = momenta(sqrt_s, m1, m2, m3, m4, c)
    t, u = mdot(p1 - k1, p1 - k1), mdot(p1 - k2, p1 - k2)
    if anti:
        ins = [[ubar(v) for v in v_dirac(p1, m1)], [ubar(v) for v in v_dirac(p2, m2)]]
        outs = [v_dirac(k1, m3), v_dirac(k2, m4)]
        br = lambda i, o, G_: i @ G_ @ o  # noqa: E731  v̄(p) Γ̄ v(k)
    else:
        ins = [u_dirac(p1, m1), u_dirac(p2, m2)]
        outs = [[ubar(x) for x in u_dirac(k1, m3)], [ubar(x) for x in u_dirac(k2, m4)]]
        br = lambda i, o, G_: o @ G_ @ i  # noqa: E731  ū(k) Γ u(p)
    total = 0.0
    for s1 in range(2):
        for s2 in range(2):
            for s3 in range(2):
                for s4 in range(2):
                    t_amp = u_amp = 0j
                    for S, X in enumerate(sec.scalars):
                        if not X.real:
                            continue
                        g = lambda ff, i, S=S: gam(sec.l(ff)[i, S], sec.r(ff)[i, S], anti)  # noqa: E731
                        i1, i2, o3, o4 = ins[0][s1], ins[1][s2], outs[0][s3], outs[1][s4]
                        t_amp += br(i1, o3, g(f, a)) * br(i2, o4, g(fp, b)) / (t - X.mass**2)
                        u_amp -= br(i1, o4, g(fp, a)) * br(i2, o3, g(f, b)) / (u - X.mass**2)
                    total += colour_sum(t_amp, u_amp, d)
    return total


def w_quad(msq, sqrt_s, m1, m2, m3, m4, average, symmetry):
    k = math.sqrt(max((sqrt_s**2 - (m3 + m4) ** 2) * (sqrt_s**2 - (m3 - m4) ** 2), 0)) / (2 * sqrt_s)
    val, _ = quad(msq, -1, 1, epsabs=0, epsrel=1e-11, limit=200)
    return k / (8 * math.pi * sqrt_s) * val * average * symmetry


# --- toy sectors ----------------------------------------------------------------------------
def scoto(M=300.0, m=200.0, m2=230.0):
    """Two Majorana N and two complex charged scalars η₁⁻, η₂⁻ with complex, non-chiral couplings
    to μ and τ (and e for η₂): η⁻η⁻ → ℓ⁻ℓ'⁻ and η⁺η⁺ → ℓ⁺ℓ'⁺ through N exchange."""
    fermions = (DarkFermion("N1", M, 0.0, majorana=True), DarkFermion("N2", 1.7 * M, 0.0, majorana=True))
    scalars = (DarkScalar("eta1-", m, -1.0), DarkScalar("eta2-", m2, -1.0))
    left = {"mu": np.array([[0.7, 0.2j], [0.3 - 0.4j, 0.5]]), "tau": np.array([[0.4j, 0.0], [0.6, 0.1]]),
            "e": np.array([[0.0, 0.3], [0.0, 0.0]])}
    right = {"mu": np.array([[0.2 + 0.1j, 0.0], [0.0, 0.3j]]), "tau": np.array([[0.0, 0.5], [0.25, 0.0]])}
    return DarkSector(fermions, scalars, left, right)


def dirac_pair():
    """Two Dirac fermions ψ₁⁻, ψ₂⁻ and two real neutral scalars coupled to e, μ:
    ψ⁻ψ⁻ → ℓ⁻ℓ'⁻ (ψ⁺ψ⁺ → ℓ⁺ℓ'⁺) through the real scalars."""
    fermions = (DarkFermion("psi1", 250.0, -1.0), DarkFermion("psi2", 280.0, -1.0))
    scalars = (DarkScalar("s1", 320.0, 0.0, real=True), DarkScalar("s2", 410.0, 0.0, real=True))
    left = {"mu": np.array([[0.6, 0.3j], [0.2, 0.4 - 0.2j]]), "e": np.array([[0.0, 0.5], [0.3j, 0.0]])}
    right = {"mu": np.array([[0.1j, 0.2], [0.5, 0.0]]), "tau": np.array([[0.3, 0.0], [0.0, 0.2]])}
    return DarkSector(fermions, scalars, left, right)


def species(sec, kind, i, anti):
    X = (sec.scalars if kind == "S" else sec.fermions)[i]
    g = 1 if kind == "S" else 2
    return A.Species(X.name + ("~" if anti else ""), kind, i, X.mass, -X.charge if anti else X.charge, 1, g,
                     False, anti)


CASES = [("S", 0, 0, "mu", "mu"), ("S", 0, 1, "mu", "tau"), ("S", 1, 1, "tau", "tau"),
         ("S", 0, 1, "e", "mu"), ("F", 0, 0, "mu", "mu"), ("F", 0, 1, "e", "mu"), ("F", 1, 1, "mu", "tau")]


@pytest.mark.parametrize("anti", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_against_independent_dirac_chain(case, anti):
    """W of the code against quad over the independent Σ|M|² (natural orientation, Dirac basis),
    ≤ 1e-6, at three energies (near threshold, moderate, fast)."""
    kind, i, j, f, fp = case
    sec = scoto() if kind == "S" else dirac_pair()
    si, sj = species(sec, kind, i, anti), species(sec, kind, j, anti)
    msq = msq_scalars if kind == "S" else msq_fermions
    ave = 1.0 if kind == "S" else 0.25
    sym = 0.5 if f == fp else 1.0
    for factor in (1.0005, 1.2, 2.5):
        rs = factor * (si.mass + sj.mass)
        got = samesign.same_sign_w(sec, SMC, si, sj, f, fp, np.array([rs]))[0]
        ref = w_quad(lambda c, rs=rs: msq(sec, i, j, f, fp, anti, rs, c), rs, si.mass, sj.mass,
                     SMC.mass[f], SMC.mass[fp], ave, sym)
        assert ref > 0
        assert got == pytest.approx(ref, rel=1e-6)


def test_dirac_chain_is_antisymmetric():
    """The independent reference itself: for f = f', S_A = S_B its amplitude changes sign under
    k₁ ↔ k₂ (Fermi statistics) — guards the reference's relative minus sign, which the code's
    same-orientation + sign has to reproduce."""
    sec = scoto()
    m, M = sec.scalars[0].mass, sec.fermions[0].mass
    p1, _, k1, k2 = momenta(470.0, m, m, SMC.mass["mu"], SMC.mass["mu"], 0.3)
    ga = gam(sec.l("mu")[0, 0], sec.r("mu")[0, 0], False)
    prop = lambda q: (sl(q) + M * np.eye(4)) / (mdot(q, q) - M * M)  # noqa: E731
    mm = SMC.mass["mu"]

    def amp(ka, kb, sa, sb):
        ua, va = ubar(u_dirac(ka, mm)[sa]), v_dirac(ka, mm)[sa]
        ub, vb = ubar(u_dirac(kb, mm)[sb]), v_dirac(kb, mm)[sb]
        return ua @ ga @ prop(ka - p1) @ ga @ vb - ub @ ga @ prop(kb - p1) @ ga @ va

    for sa in range(2):
        for sb in range(2):
            assert amp(k1, k2, sa, sb) == pytest.approx(-amp(k2, k1, sb, sa), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("f", ["mu", "tau"])
def test_scalar_swave_closed_form(f):
    """S S → f f via one Majorana N (mass M) with a chiral coupling l (r = 0), at threshold.

    Derived here (not from a paper): at rest t = u = m_f² − m², only the mass insertion survives,
    M = −2 l² M/(m² + M² − m_f²) ū(k₁) P_R v(k₂), Σ|ū P_R v|² = Tr[(k̸₁ + m_f) P_R (k̸₂ − m_f) P_L]
    = 2 k₁·k₂ = s − 2m_f², so with the ½ of identical fermions

        σv(v → 0) = β_f l⁴ M² (1 − m_f²/(2m²)) / (4π (m² + M² − m_f²)²),   β_f = √(1 − m_f²/m²).

    For m_f → 0 this is the s-wave l⁴M²/(4π(m² + M²)²) of the Majorana-mediated ν̃ν̃ → νν of
    sneutrino dark matter (one neutralino, the same topology; Falk, Olive, Srednicki,
    hep-ph/9409270), not compared number by number with that paper here."""
    m, M, y = 200.0, 300.0, 0.7
    sec = DarkSector((DarkFermion("N", M, 0.0, majorana=True),), (DarkScalar("eta-", m, -1.0),),
                     left={f: np.array([[y]])})
    s = species(sec, "S", 0, False)
    mf = SMC.mass[f]
    rs = 2 * m * (1 + 1e-10)
    W = samesign.same_sign_w(sec, SMC, s, s, f, f, np.array([rs]))[0]
    d = m**2 + M**2 - mf**2
    expected = math.sqrt(1 - mf**2 / m**2) * y**4 * M**2 * (1 - mf**2 / (2 * m**2)) / (4 * math.pi * d**2)
    assert W / (4 * m**2) == pytest.approx(expected, rel=1e-6)


def test_majorana_limit_needs_the_mass_insertion():
    """Chiral couplings (l only): the same-sign amplitude is the mass insertion alone, so W ∝ M_N²
    at M_N ≪ m (W(M_N)/M_N² constant), so W → 0 as M_N → 0; with l and r both present the q̸ part
    survives and W stays finite."""
    m = 200.0

    def w(M, right):
        sec = DarkSector((DarkFermion("N", M, 0.0, majorana=True),), (DarkScalar("eta-", m, -1.0),),
                         left={"mu": np.array([[0.7]])}, right={"mu": np.array([[0.4 if right else 0.0]])})
        s = species(sec, "S", 0, False)
        return samesign.same_sign_w(sec, SMC, s, s, "mu", "mu", np.array([450.0]))[0]

    assert w(1e-3, False) / 1e-6 == pytest.approx(w(1e-2, False) / 1e-4, rel=1e-6)
    assert w(1e-6, False) < 1e-12 * w(300.0, False)  # (M_N ratio)² ~ 1e-17 times propagators
    assert w(1e-6, True) > 1e-3 * w(300.0, True)


def test_dirac_mediator_gives_no_same_sign_state():
    """A Dirac N (fermion number conserved) or a complex scalar exchanged: no same-sign state."""
    sec = DarkSector((DarkFermion("N", 300.0, 0.0),), (DarkScalar("eta-", 200.0, -1.0),),
                     left={"mu": np.array([[0.7]])})
    s = species(sec, "S", 0, False)
    assert pairs.same_sign_final_states(sec, s, s) == []
    sec = DarkSector((DarkFermion("psi", 250.0, -1.0),), (DarkScalar("s", 320.0, 0.0),),
                     left={"mu": np.array([[0.6]])})
    f = species(sec, "F", 0, False)
    assert pairs.same_sign_final_states(sec, f, f) == []
    sec = scoto()
    anti = species(sec, "S", 0, True), species(sec, "S", 1, True)
    assert [x[:2] for x in pairs.same_sign_final_states(sec, *anti)] == [
        ("e", "mu"), ("e", "tau"), ("mu", "mu"), ("mu", "tau"), ("tau", "tau")]


def test_relic_wiring_scotogenic_like():
    """A Majorana candidate with a charged complex scalar inside the window: η⁻η⁻ and η⁺η⁺ get
    same-sign channels (no ``missing`` entry), which lower Ωh²."""
    sec = DarkSector((DarkFermion("N1", 200.0, 0.0, majorana=True),), (DarkScalar("eta-", 205.0, -1.0),),
                     left={"mu": np.array([[1.0]])})
    res = relic.relic_density(sec, SM)
    assert res.missing == ()
    names = set(res.shares)
    assert "eta- eta- -> mu mu" in names and "eta-~ eta-~ -> mu~ mu~" in names
    assert res.shares["eta- eta- -> mu mu"] > 0.01
    # the two CP-conjugate pairs annihilate at the same rate (tree level)
    assert res.shares["eta- eta- -> mu mu"] == pytest.approx(res.shares["eta-~ eta-~ -> mu~ mu~"], rel=1e-9)


def squarks():
    """Two colour-triplet scalars (charge −1/3) and a colourless Majorana N coupled to b and s:
    q̃ q̃ → q q', whose t- and u-channel colour structures interfere with weight 1/3."""
    fermions = (DarkFermion("N", 260.0, 0.0, majorana=True),)
    scalars = (DarkScalar("q1", 300.0, -1 / 3, colour=3), DarkScalar("q2", 340.0, -1 / 3, colour=3))
    left = {"b": np.array([[0.8, 0.3j]]), "s": np.array([[0.0, 0.5]])}
    right = {"b": np.array([[0.2, 0.0]])}
    return DarkSector(fermions, scalars, left, right)


@pytest.mark.parametrize("anti", [False, True])
@pytest.mark.parametrize("i, j, f, fp", [(0, 0, "b", "b"), (0, 1, "s", "b"), (1, 1, "b", "s")])
def test_triplet_colour_interference(i, j, f, fp, anti):
    """Two triplets: samesign.pair_channels' W (weight 1/3 on T U*) against quad over the
    independent Σ|M|² with the colour sum done by an explicit loop over δ_ci δ_dj and δ_cj δ_di."""
    sec = squarks()
    X = [A.Species(s.name + ("~" if anti else ""), "S", k, s.mass, -s.charge if anti else s.charge, s.colour,
                   3, False, anti) for k, s in enumerate(sec.scalars)]
    channels, missing = samesign.pair_channels(sec, SMC, X[i], X[j], "pair")
    assert missing == []
    names = dict(channels)
    key = f"pair -> {samesign.label(*sorted((f, fp), key=['d', 's', 'b'].index), anti)}"
    rs = 1.3 * (X[i].mass + X[j].mass)
    got = names[key](np.array([rs]))[0]
    ref = w_quad(lambda c: msq_scalars(sec, i, j, f, fp, anti, rs, c, 3), rs, X[i].mass, X[j].mass,
                 SMC.mass[f], SMC.mass[fp], 1.0, 0.5 if f == fp else 1.0)
    assert got == pytest.approx(ref, rel=1e-6)


def test_relic_coloured_same_sign_computed():
    """Majorana χ with a b_R-coupled triplet inside the window (relic_speed's coloured case):
    S S → b b and S̄ S̄ → b̄ b̄ are channels now, nothing is missing."""
    sec = DarkSector((DarkFermion("chi", 200.0, 0.0, majorana=True),),
                     (DarkScalar("Sq", 215.0, -1 / 3, colour=3),), right={"b": np.array([[0.5]])})
    res = relic.relic_density(sec, SM)
    assert res.missing == ()
    assert res.shares["Sq Sq -> b b"] > 0 and res.shares["Sq~ Sq~ -> b~ b~"] > 0


@pytest.mark.parametrize("anti", [False, True])
def test_dirac_triplets_colour_interference(anti):
    """Two Dirac colour triplets F F → u c (F̄ F̄ → ū c̄) through a real colourless scalar: W of
    samesign.pair_channels against the independent Σ|M|² with the explicit colour loop."""
    fermions = (DarkFermion("T1", 400.0, 2 / 3, colour=3), DarkFermion("T2", 430.0, 2 / 3, colour=3))
    scalars = (DarkScalar("s", 500.0, 0.0, real=True),)
    sec = DarkSector(fermions, scalars, {"u": np.array([[0.7], [0.2j]]), "c": np.array([[0.3], [0.6]])},
                     {"c": np.array([[0.4], [0.0]])})
    X = [A.Species(F.name + ("~" if anti else ""), "F", k, F.mass, -F.charge if anti else F.charge, 3, 6,
                   False, anti) for k, F in enumerate(fermions)]
    channels, missing = samesign.pair_channels(sec, SMC, X[0], X[1], "pair")
    assert missing == []
    fn = dict(channels)[f"pair -> {samesign.label('u', 'c', anti)}"]
    rs = 1.25 * (X[0].mass + X[1].mass)
    ref = w_quad(lambda c: msq_fermions(sec, 0, 1, "u", "c", anti, rs, c, 3), rs, X[0].mass, X[1].mass,
                 SMC.mass["u"], SMC.mass["c"], 0.25, 1.0)
    assert fn(np.array([rs]))[0] == pytest.approx(ref, rel=1e-6)


def colour_projected(t, u, d, part):
    """Σ over colours of |P M|² for the projector P onto the symmetric (``part`` = +1) or
    antisymmetric (−1) states of two colour indices, M = δ_ci δ_dj T + δ_cj δ_di U, averaged over
    the d² initial colours (explicit matrices on the d²-dimensional colour space)."""
    eye = np.eye(d * d)
    swap = np.zeros((d * d, d * d))
    for i in range(d):
        for j in range(d):
            swap[i * d + j, j * d + i] = 1.0
    proj = (eye + part * swap) / 2
    m = t * eye + u * swap
    return float(np.sum(np.abs(proj @ m) ** 2)) / d**2


class Indicator:
    """A stand-in for sommerfeld.Coulomb: 1 on the representation ``q``, 0 on the others."""

    def __init__(self, q):
        self.q = q

    def __call__(self, rs, q):
        return np.full(np.shape(rs), float(q == self.q))


@pytest.mark.parametrize("anti", [False, True])
@pytest.mark.parametrize("i, j, f, fp", [(0, 0, "b", "b"), (0, 1, "s", "b")])
def test_triplet_colour_representations(i, j, f, fp, anti):
    """The symmetric (6, 6̄) and antisymmetric (3̄, 3) parts that the Sommerfeld factors multiply:
    each against the independent Σ|M|² projected with explicit colour projectors; they add up to
    the 1/d-weighted total."""
    sec = squarks()
    X = [A.Species(s.name + ("~" if anti else ""), "S", k, s.mass, -s.charge if anti else s.charge, s.colour,
                   3, False, anti) for k, s in enumerate(sec.scalars)]
    rs = 1.3 * (X[i].mass + X[j].mass)
    sym_q, anti_q = (6, 3) if anti else (6, -3)
    parts = {q: samesign.same_sign_w(sec, SMC, X[i], X[j], f, fp, np.array([rs]), coulomb=Indicator(q))[0]
             for q in (sym_q, anti_q)}
    total = samesign.same_sign_w(sec, SMC, X[i], X[j], f, fp, np.array([rs]), 1 / 3)[0]
    assert parts[sym_q] > 0 and parts[anti_q] > 0
    assert parts[sym_q] + parts[anti_q] == pytest.approx(total, rel=1e-12)
    for q, part in ((sym_q, 1), (anti_q, -1)):
        def projected(t, u, d, part=part):
            return colour_projected(t, u, d, part)
        ref = w_quad(lambda c, projected=projected: msq_scalars(sec, i, j, f, fp, anti, rs, c, 3, projected),
                     rs, X[i].mass, X[j].mass, SMC.mass[f], SMC.mass[fp], 1.0, 0.5 if f == fp else 1.0)
        assert parts[q] == pytest.approx(ref, rel=1e-6)


def test_triplet_sommerfeld_signs():
    """With the pair's Coulomb factors the 3̄ part rises and the 6 part falls (κ = 2/3, −1/3)."""
    from bridge.darkmatter import sommerfeld as SF

    sec = squarks()
    X = [A.Species(s.name, "S", k, s.mass, s.charge, s.colour, 3, False, False)
         for k, s in enumerate(sec.scalars)]
    rs = np.array([1.02 * 2 * X[0].mass])
    coulomb = SF.Coulomb(X[0].mass, X[0].mass, 3, 3, 0.118)
    assert coulomb(rs, -3)[0] > 1 > coulomb(rs, 6)[0]
    tree = {q: samesign.same_sign_w(sec, SMC, X[0], X[0], "b", "b", rs, coulomb=Indicator(q))[0]
            for q in (6, -3)}
    dressed = samesign.same_sign_w(sec, SMC, X[0], X[0], "b", "b", rs, coulomb=coulomb)[0]
    assert dressed == pytest.approx(coulomb(rs, 6)[0] * tree[6] + coulomb(rs, -3)[0] * tree[-3], rel=1e-12)


# --- colour-octet exchange between two triplets ---------------------------------------------
def gell_mann_t():
    """T^a = λ^a/2, the eight Gell-Mann matrices written out (Gell-Mann, Phys. Rev. 125 (1962) 1067)."""
    r3 = 1 / math.sqrt(3)
    lam = [[[0, 1, 0], [1, 0, 0], [0, 0, 0]], [[0, -1j, 0], [1j, 0, 0], [0, 0, 0]],
           [[1, 0, 0], [0, -1, 0], [0, 0, 0]], [[0, 0, 1], [0, 0, 0], [1, 0, 0]],
           [[0, 0, -1j], [0, 0, 0], [1j, 0, 0]], [[0, 0, 0], [0, 0, 1], [0, 1, 0]],
           [[0, 0, 0], [0, 0, -1j], [0, 1j, 0]], [[r3, 0, 0], [0, r3, 0], [0, 0, -2 * r3]]]
    return [np.array(x, complex) / 2 for x in lam]


@functools.cache
def exchange_colour(colour, anti):
    """(C_t, C_u)[c, d, i, j] of one exchanged state between triplets i (at p₁), j (at p₂) into quarks
    c (at k₁), d (at k₂), by explicit loops: δ_ci δ_dj, δ_cj δ_di for a singlet; for an octet the
    vertex tensors Y_{c a i} = (√3/2) T^a_ci (bridge's normalisation Σ Y Y† = 1, coloured.
    quark_colour_tensor) contracted over the octet index a, Σ_a Y_{cai} Y_{daj} (t), Σ_a Y_{dai} Y_{caj}
    (u); the anti-pair's vertices carry Y*."""
    ct, cu = np.zeros((3, 3, 3, 3), complex), np.zeros((3, 3, 3, 3), complex)
    gens = gell_mann_t()
    for c in range(3):
        for d in range(3):
            for i in range(3):
                for j in range(3):
                    if colour == 1:
                        ct[c, d, i, j], cu[c, d, i, j] = (c == i) * (d == j), (c == j) * (d == i)
                    else:
                        ct[c, d, i, j] = sum(0.75 * T[c, i] * T[d, j] for T in gens)
                        cu[c, d, i, j] = sum(0.75 * T[d, i] * T[c, j] for T in gens)
    return (ct.conj(), cu.conj()) if anti else (ct, cu)


def colour_loop(amps, part=0):
    """Σ over c, d, i, j of |Σ_X (t_X C_t,X + u_X C_u,X)|² / 9, amps [(t_X, u_X, C_t,X, C_u,X)]; ``part``
    ±1: the amplitude first projected onto the symmetric / antisymmetric initial colour states
    (explicit projector (1 ± swap)/2 on the 9-dimensional (i, j) space)."""
    m = sum(t * ct + u * cu for t, u, ct, cu in amps).reshape(9, 9)
    if part:
        swap = np.zeros((9, 9))
        for i in range(3):
            for j in range(3):
                swap[i * 3 + j, j * 3 + i] = 1.0
        m = m @ (np.eye(9) + part * swap) / 2
    return float(np.sum(np.abs(m) ** 2)) / 9


def msq_scalars_colour(sec, A_, B_, f, fp, anti, sqrt_s, c, part=0):
    """Σ|M|² of S_A S_B → q q' (S̄ S̄ → q̄ q̄') of two triplets, each Majorana F_a with its own colour
    tensors (:func:`exchange_colour`), summed over all colours by :func:`colour_loop`: per F_a the
    Dirac chain of :func:`msq_scalars` (natural orientation, u-channel with −1)."""
    m3, m4 = SMC.mass[f], SMC.mass[fp]
    p1, _, k1, k2 = momenta(sqrt_s, sec.scalars[A_].mass, sec.scalars[B_].mass, m3, m4, c)
    total = 0.0
    for s3, ub3 in enumerate(ubar(u) for u in u_dirac(k1, m3)):
        for s4, v4 in enumerate(v_dirac(k2, m4)):
            ub4, v3 = ubar(u_dirac(k2, m4)[s4]), v_dirac(k1, m3)[s3]
            amps = []
            for a, F in enumerate(sec.fermions):
                if not F.majorana:
                    continue
                def prop(q, M=F.mass):
                    return (sl(q) + M * np.eye(4)) / (mdot(q, q) - M * M)
                gf = lambda X, a=a: gam(sec.l(f)[a, X], sec.r(f)[a, X], anti)  # noqa: E731
                gfp = lambda X, a=a: gam(sec.l(fp)[a, X], sec.r(fp)[a, X], anti)  # noqa: E731
                t_amp = ub3 @ gf(A_) @ prop(k1 - p1) @ gfp(B_) @ v4
                u_amp = -(ub4 @ gfp(A_) @ prop(k2 - p1) @ gf(B_) @ v3)
                amps.append((t_amp, u_amp, *exchange_colour(F.colour, anti)))
            total += colour_loop(amps, part)
    return total


def msq_fermions_colour(sec, a, b, f, fp, anti, sqrt_s, c):
    """Σ|M|² of two Dirac triplets F_a F_b → q q' (F̄ F̄ → q̄ q̄') through real scalars of colour 1 or
    8, each with its colour tensors, summed over all colours by :func:`colour_loop`."""
    m3, m4 = SMC.mass[f], SMC.mass[fp]
    p1, p2, k1, k2 = momenta(sqrt_s, sec.fermions[a].mass, sec.fermions[b].mass, m3, m4, c)
    t, u = mdot(p1 - k1, p1 - k1), mdot(p1 - k2, p1 - k2)
    if anti:
        ins = [[ubar(v) for v in v_dirac(p1, sec.fermions[a].mass)],
               [ubar(v) for v in v_dirac(p2, sec.fermions[b].mass)]]
        outs = [v_dirac(k1, m3), v_dirac(k2, m4)]
        br = lambda i, o, G_: i @ G_ @ o  # noqa: E731
    else:
        ins = [u_dirac(p1, sec.fermions[a].mass), u_dirac(p2, sec.fermions[b].mass)]
        outs = [[ubar(x) for x in u_dirac(k1, m3)], [ubar(x) for x in u_dirac(k2, m4)]]
        br = lambda i, o, G_: o @ G_ @ i  # noqa: E731
    total = 0.0
    for s1, s2, s3, s4 in np.ndindex(2, 2, 2, 2):
        i1, i2, o3, o4 = ins[0][s1], ins[1][s2], outs[0][s3], outs[1][s4]
        amps = []
        for S, X in enumerate(sec.scalars):
            if not X.real:
                continue
            g = lambda ff, i, S=S: gam(sec.l(ff)[i, S], sec.r(ff)[i, S], anti)  # noqa: E731
            t_amp = br(i1, o3, g(f, a)) * br(i2, o4, g(fp, b)) / (t - X.mass**2)
            u_amp = -br(i1, o4, g(fp, a)) * br(i2, o3, g(f, b)) / (u - X.mass**2)
            amps.append((t_amp, u_amp, *exchange_colour(X.colour, anti)))
        total += colour_loop(amps)
    return total


def squarks_gluino():
    """:func:`squarks` plus a gluino-like Majorana octet coupled to both triplets and b, s (complex,
    both chiralities): q̃ q̃ → q q' through the colourless N and the octet, interfering."""
    fermions = (DarkFermion("N", 260.0, 0.0, majorana=True),
                DarkFermion("go", 520.0, 0.0, majorana=True, colour=8))
    scalars = (DarkScalar("q1", 300.0, -1 / 3, colour=3), DarkScalar("q2", 340.0, -1 / 3, colour=3))
    left = {"b": np.array([[0.8, 0.3j], [0.9, 0.4 - 0.5j]]), "s": np.array([[0.0, 0.5], [0.6j, 0.0]])}
    right = {"b": np.array([[0.2, 0.0], [0.3j, 0.7]]), "s": np.array([[0.0, 0.0], [0.2, 0.1]])}
    return DarkSector(fermions, scalars, left, right)


def triplet_species(sec, kind, anti):
    states = sec.scalars if kind == "S" else sec.fermions
    g = 3 if kind == "S" else 6
    return [A.Species(x.name + ("~" if anti else ""), kind, k, x.mass, -x.charge if anti else x.charge,
                      x.colour, g, False, anti) for k, x in enumerate(states)]


OCTET_CASES = [(0, 0, "b", "b"), (0, 1, "s", "b"), (1, 1, "b", "s"), (1, 1, "s", "s")]


@pytest.mark.parametrize("anti", [False, True])
@pytest.mark.parametrize("i, j, f, fp", OCTET_CASES)
def test_octet_exchange_against_explicit_colour_loop(i, j, f, fp, anti):
    """Two squark-like triplets exchanging a colourless Majorana N and a gluino-like octet (their
    diagrams interfere): pair_channels' W against quad over the independent Σ|M|² whose colour sum
    is an explicit loop over c, d, i, j with Gell-Mann matrices, ≤ 1e-6, near threshold and above."""
    sec = squarks_gluino()
    X = triplet_species(sec, "S", anti)
    channels, missing = samesign.pair_channels(sec, SMC, X[i], X[j], "pair")
    assert missing == []
    key = f"pair -> {samesign.label(*sorted((f, fp), key=['d', 's', 'b'].index), anti)}"
    fn = dict(channels)[key]
    for factor in (1.001, 1.3):
        rs = factor * (X[i].mass + X[j].mass)
        ref = w_quad(lambda c, rs=rs: msq_scalars_colour(sec, i, j, f, fp, anti, rs, c), rs, X[i].mass,
                     X[j].mass, SMC.mass[f], SMC.mass[fp], 1.0, 0.5 if f == fp else 1.0)
        assert ref > 0
        assert fn(np.array([rs]))[0] == pytest.approx(ref, rel=1e-6)


def test_octet_exchange_changes_the_rate():
    """The octet's diagrams matter: the W with the gluino-like octet differs from the one with the
    octet's couplings switched off (the colourless-only W of the earlier code) by more than 10%."""
    sec = squarks_gluino()
    X = triplet_species(sec, "S", False)
    off = DarkSector(sec.fermions, sec.scalars, {k: v * np.array([[1], [0]]) for k, v in sec.left.items()},
                     {k: v * np.array([[1], [0]]) for k, v in sec.right.items()})
    rs = np.array([1.3 * 2 * X[0].mass])
    with_octet = samesign.same_sign_w(sec, SMC, X[0], X[0], "b", "b", rs, 1 / 3)[0]
    without = samesign.same_sign_w(off, SMC, X[0], X[0], "b", "b", rs, 1 / 3)[0]
    assert abs(with_octet / without - 1) > 0.1


@pytest.mark.parametrize("anti", [False, True])
def test_dirac_triplets_octet_scalar(anti):
    """Two Dirac triplets F F → u c (F̄ F̄ → ū c̄) through a real colourless scalar and a real octet
    scalar: W against the independent Σ|M|² with the explicit colour loop."""
    fermions = (DarkFermion("T1", 400.0, 2 / 3, colour=3), DarkFermion("T2", 430.0, 2 / 3, colour=3))
    scalars = (DarkScalar("s", 500.0, 0.0, real=True), DarkScalar("s8", 650.0, 0.0, real=True, colour=8))
    sec = DarkSector(fermions, scalars, {"u": np.array([[0.7, 0.5], [0.2j, 0.3 + 0.3j]]),
                                         "c": np.array([[0.3, 0.0], [0.6, 0.8j]])},
                     {"c": np.array([[0.4, 0.2], [0.0, 0.5]])})
    X = triplet_species(sec, "F", anti)
    channels, missing = samesign.pair_channels(sec, SMC, X[0], X[1], "pair")
    assert missing == []
    fn = dict(channels)[f"pair -> {samesign.label('u', 'c', anti)}"]
    rs = 1.25 * (X[0].mass + X[1].mass)
    ref = w_quad(lambda c: msq_fermions_colour(sec, 0, 1, "u", "c", anti, rs, c), rs, X[0].mass, X[1].mass,
                 SMC.mass["u"], SMC.mass["c"], 0.25, 1.0)
    assert fn(np.array([rs]))[0] == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("anti", [False, True])
def test_fierz_recombination(anti):
    """fierz_recombine's (A, B) against the explicit colour tensors: for random complex colour-stripped
    amplitudes, t1 δ_ci δ_dj + u1 δ_cj δ_di + t8 C_t + u8 C_u (C of :func:`exchange_colour`, Gell-Mann
    loops) equals A δ_ci δ_dj + B δ_cj δ_di entry by entry."""
    rng = np.random.default_rng(7)
    t1, u1, t8, u8 = rng.normal(size=4) + 1j * rng.normal(size=4)
    (c1t, c1u), (c8t, c8u) = exchange_colour(1, anti), exchange_colour(8, anti)
    explicit = t1 * c1t + u1 * c1u + t8 * c8t + u8 * c8u
    a, b = samesign.fierz_recombine(t1, u1, t8, u8)
    np.testing.assert_allclose(a * c1t + b * c1u, explicit, rtol=0, atol=1e-14)


@pytest.mark.parametrize("anti", [False, True])
def test_octet_exchange_colour_representations(anti):
    """With the octet exchanged, the symmetric (6) and antisymmetric (3̄) parts that the Sommerfeld
    factors multiply (A ± B) against the independent Σ|M|² projected on the explicit colour states."""
    sec = squarks_gluino()
    X = triplet_species(sec, "S", anti)
    rs = 1.2 * (X[0].mass + X[1].mass)
    sym_q, anti_q = (6, 3) if anti else (6, -3)
    for q, part in ((sym_q, 1), (anti_q, -1)):
        got = samesign.same_sign_w(sec, SMC, X[0], X[1], "s", "b", np.array([rs]), coulomb=Indicator(q))[0]
        ref = w_quad(lambda c, part=part: msq_scalars_colour(sec, 0, 1, "s", "b", anti, rs, c, part), rs,
                     X[0].mass, X[1].mass, SMC.mass["s"], SMC.mass["b"], 1.0, 1.0)
        assert ref > 0
        assert got == pytest.approx(ref, rel=1e-6)


def test_octet_pair_into_leptons_stays_missing():
    """Two complex colour-octet scalars exchanging a Majorana octet into leptons (ℓ̄ F₈ S₈): a pair of
    colours 8 8, whose colour algebra is not implemented, so it stays in ``missing``."""
    sec = DarkSector((DarkFermion("go", 500.0, 0.0, majorana=True, colour=8),),
                     (DarkScalar("S8", 300.0, -1.0, colour=8),), left={"mu": np.array([[0.8]])})
    s8 = A.Species("S8", "S", 0, 300.0, -1.0, 8, 8, False)
    channels, missing = samesign.pair_channels(sec, SMC, s8, s8, "S8 S8")
    assert channels == [] and len(missing) == 1 and missing[0].startswith("S8 S8 -> mu mu: same-sign")


def test_relic_squark_gluino_same_sign_computed():
    """Majorana χ, a squark-like triplet 5% above and a heavier gluino-like octet, all coupled to b_R:
    S S → b b and S̄ S̄ → b̄ b̄ through χ and the octet are channels now, nothing is missing."""
    sec = DarkSector((DarkFermion("chi", 200.0, 0.0, majorana=True),
                      DarkFermion("go", 600.0, 0.0, majorana=True, colour=8)),
                     (DarkScalar("Sq", 210.0, -1 / 3, colour=3),), right={"b": np.array([[0.5], [1.0]])})
    res = relic.relic_density(sec, SM)
    assert res.missing == ()
    assert res.shares["Sq Sq -> b b"] > 0.005
    assert res.shares["Sq Sq -> b b"] == pytest.approx(res.shares["Sq~ Sq~ -> b~ b~"], rel=1e-9)
