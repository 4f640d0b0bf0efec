"""bridge.scan.quadpack against scipy's quad (QUADPACK QAGS) on integrands whose bisection
depends on a parameter: the same value where QAGS stops within two levels, NaN (and ``deeper``)
exactly where it goes further. No flavio."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from bridge.scan import quadpack


def _peak(c, w):
    return lambda x: 1.0 / ((x - c) ** 2 + w) + 0.1 * x


@pytest.mark.parametrize("epsrel", [0.005, 0.0005])
def test_two_levels_of_qags_as_scipy(epsrel):
    a, b = 1.1, 6.0
    xs = np.array(quadpack.nodes(a, b))
    assert xs.size == 3 * quadpack.PER_INTERVAL
    cases = [(c, w) for c in np.linspace(-3.0, 9.0, 25) for w in (0.05, 0.5, 3.0, 30.0)]
    values = np.array([_peak(c, w)(xs) for c, w in cases])
    ours, deeper = quadpack.qags(values, a, b, 0.0, epsrel, 50)
    levels = []
    for k, (c, w) in enumerate(cases):
        ref, _, info = integrate.quad(_peak(c, w), a, b, epsabs=0.0, epsrel=epsrel, limit=50,
                                      full_output=1)[:3]
        levels.append(info["last"])
        if info["last"] <= 2:
            assert not deeper[k]
            assert ours[k] == pytest.approx(ref, rel=1e-15, abs=0), (c, w)
        else:
            assert deeper[k] and np.isnan(ours[k]), (c, w)
    # the cases span all three: one interval, the two halves, further bisection
    assert {1, 2} <= set(levels) and max(levels) > 2


def test_nodes_are_the_abscissae_qags_asks_for():
    """The integrand is asked for exactly the first 21 nodes (then the 42 of the halves)."""
    a, b = 2.5, 4.0
    asked = []

    def f(x):
        asked.append(x)
        return 1.0 / (x - 2.4)

    integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-3)
    xs = quadpack.nodes(a, b)
    assert sorted(asked[:21]) == sorted(xs[:21])
    assert sorted(asked[21:63]) == sorted(xs[21:])


def _dqk21_scalar(f, a, b):
    """DQK21 for one point, transcribed loop by loop with Python floats (QUADPACK's order of
    every sum): the reference the row-wise reductions of quadpack.qk21_rows must equal bit for bit."""
    xgk, wgk, wg = quadpack.XGK, quadpack.WGK, quadpack.WG
    hlgth = (b - a) * 0.5
    dhlgth = abs(hlgth)
    fc, fv1, fv2 = f[0], f[1:11], f[11:21]
    resg = 0.0
    resk = wgk[10] * fc
    resabs = abs(resk)
    for j in range(1, 6):
        k = 2 * j - 1
        resg += wg[j - 1] * (fv1[k] + fv2[k])
        resk += wgk[k] * (fv1[k] + fv2[k])
        resabs += wgk[k] * (abs(fv1[k]) + abs(fv2[k]))
    for j in range(1, 6):
        k = 2 * j - 2
        resk += wgk[k] * (fv1[k] + fv2[k])
        resabs += wgk[k] * (abs(fv1[k]) + abs(fv2[k]))
    reskh = resk * 0.5
    resasc = wgk[10] * abs(fc - reskh)
    for k in range(10):
        resasc += wgk[k] * (abs(fv1[k] - reskh) + abs(fv2[k] - reskh))
    assert len(xgk) == 11
    result = resk * hlgth
    resabs *= dhlgth
    resasc *= dhlgth
    abserr = abs((resk - resg) * hlgth)
    if resasc != 0 and abserr != 0:
        abserr = resasc * min(1.0, (abserr * 200.0 / resasc) ** 1.5)
    if resabs > quadpack.UFLOW / (quadpack.EPMACH * 50.0):
        abserr = max(quadpack.EPMACH * 50.0 * resabs, abserr)
    return result, abserr, resabs, resasc


@pytest.mark.parametrize("n", [1, 2, 3, 13, 64])
def test_qk21_rows_is_dqk21_point_by_point(n):
    """The reductions over rows add in DQK21's order: every output equals the scalar loop's."""
    rng = np.random.default_rng(n)
    g = rng.normal(size=(21, n)) * np.exp(3 * rng.normal(size=(21, 1)))
    if n > 1:
        g[:, -1] = 0.0  # a point with zero values (abserr = 0 branch)
    ours = quadpack.qk21_rows(np.ascontiguousarray(g), 0.1, 1.1)
    for p in range(n):
        ref = _dqk21_scalar([float(x) for x in g[:, p]], 0.1, 1.1)
        assert tuple(float(o[p]) for o in ours) == ref


@pytest.mark.parametrize("n", [1, 2, 13, 64])
def test_qk21_rows_of_positive_values_is_dqk21_point_by_point(n):
    """Positive node values (a rate's integrand) take resabs from resk (|f| = f: the same terms
    in the same order): every output equals the scalar loop's, which sums |f| itself, and the
    bits the call gives when one more point with a negative value sends every point through
    DQK21's own sum of |f|."""
    rng = np.random.default_rng(100 + n)
    g = np.exp(3 * rng.normal(size=(21, n)))
    ours = quadpack.qk21_rows(np.ascontiguousarray(g), 0.1, 1.1)
    mixed = np.concatenate([g, -g[:, :1]], axis=1)
    summed = quadpack.qk21_rows(mixed, 0.1, 1.1)
    for o, s in zip(ours, summed, strict=True):
        assert np.array_equal(o.view(np.int64), s[:n].view(np.int64))
    for p in range(n):
        ref = _dqk21_scalar([float(x) for x in g[:, p]], 0.1, 1.1)
        assert tuple(float(o[p]) for o in ours) == ref


@pytest.mark.parametrize("m", [1, 5, 40])
def test_both_halves_in_one_call_equal_one_call_per_half(m):
    """qags_rows runs DQK21 once over the two halves side by side ((21, 2, m), an interval per
    half): the same bits as a call per half on its own (2, m) contiguous rows."""
    rng = np.random.default_rng(m)
    a, b = 0.1, 1.1
    values = rng.normal(size=(m, 42)) * np.exp(2 * rng.normal(size=(1, 42)))
    (a1, b1), (a2, b2) = quadpack.halves(a, b)
    for v in (values, np.abs(values)):  # DQK21's own resabs and the positive shortcut
        stacked = quadpack.qk21_rows(quadpack.side_by_side(v), np.array([[a1], [a2]]),
                                     np.array([[b1], [b2]]))
        one = quadpack.qk21_rows(np.ascontiguousarray(v[:, :21].T), a1, b1)
        two = quadpack.qk21_rows(np.ascontiguousarray(v[:, 21:].T), a2, b2)
        for s, x, y in zip(stacked, one, two, strict=True):
            assert np.array_equal(s[0].view(np.int64), x.view(np.int64))
            assert np.array_equal(s[1].view(np.int64), y.view(np.int64))


def test_certain_decides_as_quadpack_on_linear_families():
    """quadpack.certain on node values linear in coefficients c (f = c W, W of smooth functions
    of x at the 63 nodes: a constant, powers, a pole, a peak, an oscillation; c of sizes from
    1e-3 to 30 times the constant's, of either sign: rates, cancellations, integrands changing
    sign), against QUADPACK's second level on the node values (quadpack.qags, the exact
    arithmetic): where it is sure, QUADPACK accepts the halves and its value is within dev of
    certain's; the decisions it leaves open include both outcomes (the family crosses QUADPACK's
    boundary) and it is sure at most accepted points."""
    rng = np.random.default_rng(12)
    a, b, epsrel = 1.1, 6.0, 5e-4
    x = np.array(quadpack.nodes(a, b))
    basis = np.array([np.ones_like(x), x, x ** 2, 1.0 / (x - 0.9), 1.0 / ((x - 3.0) ** 2 + 0.3),
                      np.sin(3.0 * x), np.exp(-x)])
    n, k = 20000, basis.shape[0]
    scale = 10.0 ** rng.uniform(-3.0, 1.5, size=(n, 1))
    c = np.concatenate([np.ones((n, 1)), scale * rng.normal(size=(n, k - 1))], axis=1)
    f = c @ basis
    value, deeper = quadpack.qags(f, a, b, 0.0, epsrel, 50)
    cols, m = quadpack.certainty_columns(basis[:, 21:], a, b, basis[0, 21:])
    dev = quadpack.rounding_bound(np.abs(c) @ m, k)
    (result, abserr, done) = (x[0] for x in quadpack._first_level(np.ascontiguousarray(f[:, :21].T)[:, None],
                                                                  [(a, b, 0.0, epsrel, 50)]))
    todo = ~done
    short, sure = quadpack.certain((c @ cols).T[:, todo], dev[todo], result[todo], abserr[todo], a, b, 0.0,
                                   epsrel)
    accepted = ~deeper[todo]
    assert np.all(accepted[sure])
    assert np.all(np.abs(short[sure] - value[todo][sure]) <= dev[todo][sure])
    assert accepted.any() and (~accepted).any() and (accepted & ~sure).any()
    assert sure.sum() >= 0.9 * accepted.sum()


def _shortcut_and_exact(basis, c, a, b, epsabs, epsrel):
    """qags_many on node values c·basis with quadpack.certain's shortcut (dev as
    bridge.scan.fastpath.Quadrature computes it) and without: (shortcut value, exact value, dev)."""
    cols, m = quadpack.certainty_columns(basis[:, 21:], a, b, basis[0, 21:])
    dev = quadpack.rounding_bound(np.abs(c) @ m, basis.shape[0])
    first = np.ascontiguousarray((c @ basis[:, :21]).T)[:, None]
    integral = [(a, b, epsabs, epsrel, 50)]

    def halves(k, todo):
        return quadpack.side_by_side(c[todo] @ basis[:, 21:])

    def checks(k, todo):
        return (c @ cols).T[:, todo], dev[todo]

    short = quadpack.qags_many(first, halves, integral, checks)[0][0]
    return short, quadpack.qags_many(first, halves, integral)[0][0], dev


def test_certain_is_not_fooled_by_a_reversed_interval_a_negative_epsrel_or_subnormal_values():
    """Three inputs QUADPACK accepts on which a review found the shortcut wrong (the shipped fast
    path has none of them: a < b, epsrel > 0, epsabs = 0): a reversed interval (half-lengths
    negative: dev must use |h| as DQK21's dhlgth), epsrel < 0 with epsabs > 0 (errbnd1 is then
    epsabs), and subnormal node values (Â's rounding no longer relative). Each oscillating or
    cancelling integrand here needs more than two levels (exact route: NaN), or, for the
    subnormal ones, is evaluated exactly by the fallback."""
    x = np.array(quadpack.nodes(6.0, 1.0))
    t = 3.540201005025126 * (x - 3.5)
    basis = np.stack([np.sin(t) + 0.37 * np.cos(t), np.ones(63)])
    short, exact, dev = _shortcut_and_exact(basis, np.array([[1.0, 0.0]]), 6.0, 1.0, 1e-300, 1e-12)
    assert np.isnan(exact[0]) and np.isnan(short[0]) and dev[0] > 0

    x = np.array(quadpack.nodes(1.0, 6.0))
    basis = np.stack([np.ones(63), np.abs(x - 3.2)])
    cols, _ = quadpack.certainty_columns(basis[:, 21:], 1.0, 6.0, basis[0, 21:])
    c = np.array([[-cols[1, 0] / cols[0, 0], 1.0]])  # the halves' area ≈ 0
    short, exact, _ = _shortcut_and_exact(basis, c, 1.0, 6.0, 1e-300, -1e14)
    assert np.isnan(exact[0]) and np.isnan(short[0])

    basis = np.stack([3.0 * np.sin(x) + np.abs(x - 2.0)])
    c = np.geomspace(1e-322, 1e-305, 400)[:, None]
    short, exact, dev = _shortcut_and_exact(basis, c, 1.0, 6.0, 1.49e-8, 0.005)
    ok = np.isfinite(exact)
    assert ok.sum() > 300
    assert np.all((short[ok] == exact[ok]) | (np.abs(short[ok] - exact[ok]) <= dev[ok]))
