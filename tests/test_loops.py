"""Tests of bridge.loops.

Each function is checked against (i) scipy.integrate.quad of its integral representation,
(ii) an independent mpmath reference (exact divided differences / closed forms / definitions,
evaluated with enough working digits that >= 50 digits survive the cancellations) at a few
hundred random points including exact and near degeneracies, (iii) closed-form limits and the
reference values of physics.md §14, (iv) continuity across every internal branch switch and
(v) hypothesis property tests (symmetry, scaling, bounds).

The mpmath reference and the point samplers are reused by benchmarks/loops_precision.py.
"""

from __future__ import annotations

import math
import time

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from bridge import loops as L

# --------------------------------------------------------------------------------------------
# mpmath reference

# Near-degenerate float inputs can cancel up to ~16 digits per divided-difference level (3 levels);
# 120 working digits leave >= 70 correct digits.
MP_DPS = 120


def _mp_taylor(kind, m, x, s):
    """f^(m)(x)/m! for f = u ln u ('u1'), u² ln u ('u2'), u(u + 2s) ln u ('h')."""
    ln = mp.log(x)
    if kind == "u1":
        low = {0: x * ln, 1: ln + 1}
        return low[m] if m < 2 else mp.mpf(-1) ** m / (m * (m - 1) * x ** (m - 1))
    if kind == "u2":
        low = {0: x * x * ln, 1: 2 * x * ln + x, 2: ln + mp.mpf(3) / 2}
        return low[m] if m < 3 else 2 * mp.mpf(-1) ** (m - 1) / (m * (m - 1) * (m - 2) * x ** (m - 2))
    return _mp_taylor("u2", m, x, s) + 2 * s * _mp_taylor("u1", m, x, s)


def mp_divdiff(points, kind, s=0.0):
    """Confluent divided difference by the plain Newton recursion in high precision."""
    with mp.workdps(MP_DPS):
        xs = sorted(mp.mpf(float(p)) for p in points)
        sm = mp.mpf(float(s))

        def dd(i, j):
            if xs[i] == xs[j]:
                return _mp_taylor(kind, j - i, xs[i], sm)
            return (dd(i + 1, j) - dd(i, j - 1)) / (xs[j] - xs[i])

        return +dd(0, len(xs) - 1)


def ref_I2(*a):
    return mp_divdiff(a, "u2")


def ref_I1(*a):
    return -mp_divdiff(a, "u1")


def ref_F(x, y):
    return ref_I2(1.0, 1.0, x, y)


def ref_G(x, y):
    return -ref_I1(1.0, 1.0, x, y)


def ref_D_tilde(x, y, z, s):
    return mp_divdiff((x, y, z, 1.0), "h", s)


def ref_D(x, y, z):
    return ref_D_tilde(x, y, z, 1.0)


def ref_dd2_u2logu(a, b, c):
    return mp_divdiff((a, b, c), "u2")


def ref_dd2_ulogu(a, b, c):
    return mp_divdiff((a, b, c), "u1")


def ref_scoto_g(u, M):
    with mp.workdps(MP_DPS):
        u, M = mp.mpf(float(u)), mp.mpf(float(M))
        return mp.mpf(1) if u == M else u * mp.log(u / M) / (u - M)


def ref_scoto_kernel(a, b, M):
    """The definition (g(a) − g(b))/(a − b), with g′ at a = b (physics.md §10.1)."""
    with mp.workdps(MP_DPS):
        a, b, M = (mp.mpf(float(v)) for v in (a, b, M))
        if a != b:
            return (ref_scoto_g(a, M) - ref_scoto_g(b, M)) / (a - b)
        if a == M:
            return 1 / (2 * M)
        return (a - M - M * mp.log(a / M)) / (a - M) ** 2


# Feynman-parameter integrands (physics.md §7, §8); plain arithmetic, so float or mpf.
FEYNMAN = {
    "f_N1": lambda u, x: u * (1 - u) ** 2 / (1 - u + x * u),
    "f_C1": lambda u, x: u * (1 - u) ** 2 / ((1 - u) * x + u),
    "f_N2": lambda u, x: 2 * u * (1 - u) / (1 - u + x * u),
    "f_C2": lambda u, x: 2 * (1 - u) ** 2 / ((1 - u) * x + u),
    "seed_H_tilde": lambda u, x: u * (1 - u) / (4 * (1 - u + x * u)),
    "j_S": lambda u, x: (1 - u) ** 3 / (6 * (u * x + 1 - u)),
    "j_F": lambda u, x: (1 - u) ** 3 / 6 * (2 / ((1 - u) * x + u) + x / ((1 - u) * x + u) ** 2),
}

# Closed forms as printed in physics.md §7, §7.2, §8.
CLOSED = {
    "f_N1": lambda x, ln: (1 - 6 * x + 3 * x**2 + 2 * x**3 - 6 * x**2 * ln(x)) / (6 * (1 - x) ** 4),
    "f_C1": lambda x, ln: (2 + 3 * x - 6 * x**2 + x**3 + 6 * x * ln(x)) / (6 * (1 - x) ** 4),
    "f_N2": lambda x, ln: (1 - x**2 + 2 * x * ln(x)) / (1 - x) ** 3,
    "f_C2": lambda x, ln: (-3 + 4 * x - x**2 - 2 * ln(x)) / (1 - x) ** 3,
    "seed_H_tilde": lambda x, ln: (x**2 - 1 - 2 * x * ln(x)) / (8 * (x - 1) ** 3),
    "j_S": lambda x, ln: (2 - 9 * x + 18 * x**2 - 11 * x**3 + 6 * x**3 * ln(x)) / (36 * (1 - x) ** 4),
    "j_F": lambda x, ln: -(16 - 45 * x + 36 * x**2 - 7 * x**3 + 6 * (2 - 3 * x) * ln(x))
    / (36 * (1 - x) ** 4),
}
ONE_VAR = tuple(FEYNMAN)


def ref_one_var(name, x):
    with mp.workdps(MP_DPS):
        xm = mp.mpf(float(x))
        if xm == 1:
            return mp.quad(lambda u: FEYNMAN[name](u, xm), [0, 1])
        return CLOSED[name](xm, mp.log)


# --------------------------------------------------------------------------------------------
# random points: log-uniform, with exact and near ties (reused by the benchmark)


def _near(rng, v):
    """v (1 ± 10^U(−14, −1)): near degeneracy."""
    return v * (1.0 + rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-14, -1))


def sample_points(rng, n, k, lo=-8.0, hi=8.0, anchor_one=False):
    """n tuples of k positive numbers, 10^U(lo, hi), a third of them free, the rest grouped
    into exactly or nearly coincident clusters (optionally clustered at 1)."""
    out = 10.0 ** rng.uniform(lo, hi, (n, k))
    for row in out[n // 3:]:
        ngroups = rng.integers(1, k + 1)
        centres = 10.0 ** rng.uniform(lo, hi, ngroups)
        if anchor_one and rng.random() < 0.5:
            centres[0] = 1.0
        mode = rng.integers(0, 3)  # exact ties, near ties, mixed
        for i, lab in enumerate(rng.integers(0, ngroups, k)):
            perturb = mode == 1 or (mode == 2 and rng.random() < 0.5)
            row[i] = _near(rng, centres[lab]) if perturb else centres[lab]
    return out


def sample_x(rng, n):
    """One-variable functions: log-uniform, exactly 1, near 1, moderate, and near the switch."""
    parts = [
        10.0 ** rng.uniform(-8, 8, n - 4 * (n // 5)),
        np.ones(n // 5 // 4),
        np.array([_near(rng, 1.0) for _ in range(n // 5 - n // 5 // 4)]),
        10.0 ** rng.uniform(-1, 1, n // 5),
        1.0 + rng.choice([-1.0, 1.0], n // 5) * L._NEAR1 * (1 + rng.uniform(-1e-3, 1e-3, n // 5)),
        np.array([_near(rng, 1.0) for _ in range(n // 5)]),
    ]
    return np.concatenate(parts)[:, None]


def sample_D_tilde(rng, n):
    """(x, y, z, s): half physical (z = s², s signed), half generic; s = 1 often."""
    xyz = sample_points(rng, n, 3, anchor_one=True)
    s = rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-4, 4, n)
    s[rng.random(n) < 0.25] = 1.0
    phys = rng.random(n) < 0.5
    xyz[phys, 2] = s[phys] ** 2
    return np.column_stack([xyz, s])


def _scale_D_tilde(x, y, z, s):
    return ref_I2(x, y, z, 1.0) + 2 * abs(s) * ref_I1(x, y, z, 1.0)


def _scale_dd2_u2(a, b, c):
    return max(abs(math.log(v)) for v in (a, b, c)) + 1.5


# name -> (function, reference, sampler, scale for sign-changing functions or None)
CASES = {
    "box_I2": (L.box_I2, ref_I2, lambda r, n: sample_points(r, n, 4), None),
    "box_I1": (L.box_I1, ref_I1, lambda r, n: sample_points(r, n, 4), None),
    "arnan_F": (L.arnan_F, ref_F, lambda r, n: sample_points(r, n, 2, anchor_one=True), None),
    "arnan_G": (L.arnan_G, ref_G, lambda r, n: sample_points(r, n, 2, anchor_one=True), None),
    "seed_D": (L.seed_D, ref_D, lambda r, n: sample_points(r, n, 3, anchor_one=True),
               lambda x, y, z: _scale_D_tilde(x, y, z, 1.0)),
    "seed_D_tilde": (L.seed_D_tilde, ref_D_tilde, sample_D_tilde, _scale_D_tilde),
    "dd2_u2logu": (L.dd2_u2logu, ref_dd2_u2logu, lambda r, n: sample_points(r, n, 3), _scale_dd2_u2),
    "dd2_ulogu": (L.dd2_ulogu, ref_dd2_ulogu, lambda r, n: sample_points(r, n, 3), None),
    "scoto_g": (L.scoto_g, ref_scoto_g, lambda r, n: sample_points(r, n, 2, 2, 10), None),
    "scoto_kernel": (L.scoto_kernel, ref_scoto_kernel, lambda r, n: sample_points(r, n, 3, 2, 10), None),
}
for _name in ONE_VAR:
    CASES[_name] = (getattr(L, _name), lambda x, _n=_name: ref_one_var(_n, x), sample_x, None)


def compare(name, pts):
    """Errors of CASES[name] on pts (n, nargs): relative, tolerance-normalised, scale-relative.

    The normalised error is |err| / (1e-9 |ref| + 1e-13 scale) for sign-changing functions
    (only absolute accuracy is meaningful at their zeros) and |err| / (1e-9 |ref|) otherwise;
    <= 1 means within the 1e-9 requirement. The scale-relative error |err|/scale is NaN for
    functions without a scale.
    """
    func, ref, _, scale = CASES[name]
    vals = func(*pts.T)
    rel, norm, scaled = (np.full(len(pts), np.nan) for _ in range(3))
    for i, (row, v) in enumerate(zip(pts, vals, strict=True)):
        r = ref(*row)
        err = abs(mp.mpf(float(v)) - r)
        rel[i] = float(err / abs(r)) if r != 0 else float(err)
        sc = scale(*row) if scale else 0
        if scale:
            scaled[i] = float(err / sc)
        tol = 1e-9 * abs(r) + 1e-13 * sc
        norm[i] = float(err / tol) if tol != 0 else (0.0 if err == 0 else math.inf)
    return rel, norm, scaled


# --------------------------------------------------------------------------------------------
# reference self-checks (the mpmath reference itself is independent of the implementation)


@pytest.mark.parametrize("kind", ["u1", "u2", "h"])
@pytest.mark.parametrize("x", [0.3, 2.5])
def test_reference_taylor_coefficients_match_mpmath_diff(kind, x):
    s = mp.mpf("0.7")

    def f(u):
        return u * u * mp.log(u) if kind == "u2" else (
            u * mp.log(u) if kind == "u1" else u * (u + 2 * s) * mp.log(u))

    with mp.workdps(40):
        for m in range(6):
            exact = _mp_taylor(kind, m, mp.mpf(x), s)
            assert mp.almosteq(exact, mp.diff(f, mp.mpf(x), m) / mp.factorial(m), rel_eps=mp.mpf(10) ** -30)


@pytest.mark.parametrize("a", [(1, 2, 3, 4), (1, 1, 2, 2), (0.5, 0.5, 0.5, 3), (2, 2, 2, 2),
                               (1e-3, 1, 1, 50)])
def test_reference_divdiff_matches_mpmath_quad(a):
    with mp.workdps(30):
        am = [mp.mpf(v) for v in a]
        brk = [0, *sorted(set(am)), mp.inf]
        i2 = mp.quad(lambda t: t**2 / mp.fprod(t + v for v in am), brk)
        i1 = mp.quad(lambda t: t / mp.fprod(t + v for v in am), brk)
        assert mp.almosteq(ref_I2(*a), i2, rel_eps=mp.mpf(10) ** -25)
        assert mp.almosteq(ref_I1(*a), i1, rel_eps=mp.mpf(10) ** -25)


# --------------------------------------------------------------------------------------------
# reference values of physics.md §14 (independent numbers, 10 significant digits)

BOX_REF = [
    ((1, 1, 1, 1), 0.3333333333, 0.1666666667),
    ((1, 1, 2, 3), 0.1992889273, 0.06233514462),
    ((1, 1, 4, 4), 0.1448016708, 0.03449895576),
    ((1, 1, 0.25, 0.25), 0.5792066831, 0.5519832922),
    ((2, 3, 4, 5), 0.09729359148, 0.01452108906),
    ((0.3, 1, 5, 5), 0.1386326552, 0.03592491773),
    ((1, 1.000001, 1.5, 1.5), 0.2688373463, 0.1093021119),
    ((1, 1, 1, 1.0001), 0.3333250003, 0.1666583338),
    ((25, 1, 16, 0.09), 0.04349324123, 0.005096925294),
    ((1, 1, 0.01, 100), 0.03679309573, 0.009263211764),
]
FG_REF = [
    (1, 1, 0.3333333333, -0.1666666667, 0),
    (2, 3, 0.1992889273, -0.06233514462, 0.07461863803),
    (4, 4, 0.1448016708, -0.03449895576, 0.07580375925),
    (0.25, 0.25, 0.5792066831, -0.5519832922, -0.5247599013),
    (1, 0.3025, 0.4174922155, -0.2727530065, -0.1280137974),
    (1.0001, 1, 0.3333250003, -0.1666583338, 8.332666717e-6),
    (9, 9.0001, 0.07900347549, -0.01166445158, 0.05567457232),
    (100, 100, 0.009355843882, -0.0002752988396, 0.008805246203),
    (0.01, 4, 0.2810924392, -0.1705054582, -0.0599184772),
]
D_REF = [
    (4, 9, 1, 1, 0.06540936102, 0.06540936102),
    (1, 1, 1, 1, 0, 0),
    (4, 9, 0.25, 0.5, 0.06170180034, 0.08969968179),
    (4, 9, 0.25, -0.5, 0.06170180034, 0.1456954447),
    (16, 4, 2.25, 1.5, 0.05232898768, 0.04289589676),
    (1.0001, 1, 1, 1, 8.332666717e-6, 8.332666717e-6),
]
# x, fN1, fC1, fN2, fC2, H̃, JS, JF
DIPOLE_REF = [
    (0.001, 0.1663384311, 0.3282355523, 0.9891479669, 10.85203311, 0.1236434959, 0.05552783248, 1.863378111),
    (0.1, 0.1448344017, 0.2183226501, 0.7263141034, 2.736858966, 0.09078926293, 0.05314164886, 0.4925302693),
    (0.5, 0.1059220556, 0.1214892222, 0.4548225555, 1.090354889, 0.05685281944, 0.04672871759, 0.2019740185),
    (0.999999, 0.08333336667, 0.08333338333, 0.3333335, 0.6666671667, 0.0416666875, 0.041666675,
     0.1250000917),
    (1, 0.08333333333, 0.08333333333, 0.3333333333, 0.6666666667, 0.04166666667, 0.04166666667, 0.125),
    (1.000001, 0.0833333, 0.08333328333, 0.3333331667, 0.6666661667, 0.04166664583, 0.04166665833,
     0.1249999083),
    (1.5, 0.06992277477, 0.06449592793, 0.2688374054, 0.4874417297, 0.03360467568, 0.03807486186,
     0.09198960961),
    (4, 0.04097889163, 0.03142194376, 0.1448016708, 0.2137995823, 0.01810020885, 0.02823629447,
     0.04087025434),
    (25, 0.01050167164, 0.006246599801, 0.03349654288, 0.03866013828, 0.00418706786, 0.0117985904,
     0.007484456348),
    (400, 0.0008070362101, 0.0004146490761, 0.002443370572, 0.002493891574, 0.0003054213216,
     0.001753141551, 0.000484756775),
]
KERNEL_REF = [  # masses in GeV, M_N = 1000 GeV, result in GeV^-2
    (550, 550, 1.023982737e-6),
    (550, 600, 9.760846799e-7),
    (800, 1200, 4.999727114e-7),
    (1000, 1000, 5.0e-7),
    (999.999, 1000.001, 5.0e-7),
]
REF_REL = 1e-9  # the tables carry 10 significant digits


@pytest.mark.parametrize(("a", "i2", "i1"), BOX_REF)
def test_box_reference_values(a, i2, i1):
    assert L.box_I2(*a) == pytest.approx(i2, rel=REF_REL)
    assert L.box_I1(*a) == pytest.approx(i1, rel=REF_REL)


@pytest.mark.parametrize(("x", "y", "f", "g", "fp2g"), FG_REF)
def test_arnan_reference_values(x, y, f, g, fp2g):
    assert L.arnan_F(x, y) == pytest.approx(f, rel=REF_REL)
    assert L.arnan_G(x, y) == pytest.approx(g, rel=REF_REL)
    assert L.arnan_F(x, y) + 2 * L.arnan_G(x, y) == pytest.approx(fp2g, rel=1e-8, abs=1e-15)


@pytest.mark.parametrize(("x", "y", "z", "s", "d", "dt"), D_REF)
def test_seed_D_reference_values(x, y, z, s, d, dt):
    assert L.seed_D(x, y, z) == pytest.approx(d, rel=REF_REL, abs=1e-16)
    assert L.seed_D_tilde(x, y, z, s) == pytest.approx(dt, rel=REF_REL, abs=1e-16)


@pytest.mark.parametrize("row", DIPOLE_REF, ids=[str(r[0]) for r in DIPOLE_REF])
def test_dipole_penguin_reference_values(row):
    x, *vals = row
    funcs = [L.f_N1, L.f_C1, L.f_N2, L.f_C2, L.seed_H_tilde, L.j_S, L.j_F]
    for func, ref in zip(funcs, vals, strict=True):
        assert func(x) == pytest.approx(ref, rel=REF_REL), func.__name__


@pytest.mark.parametrize(("ma", "mb", "ref"), KERNEL_REF)
def test_scoto_kernel_reference_values(ma, mb, ref):
    assert L.scoto_kernel(ma**2, mb**2, 1000.0**2) == pytest.approx(ref, rel=REF_REL)


# --------------------------------------------------------------------------------------------
# scipy.integrate.quad of the integral representations

QUAD_REL = 1e-9


def quad_t(numerator, masses):
    """∫_0^∞ dt numerator(t)/Π(t + m) in v = ln t, split at the ln m."""
    masses = [float(m) for m in masses]
    logs = sorted({math.log(m) for m in masses})

    def integrand(v):
        t = math.exp(v)
        return t * numerator(t) / math.prod(t + m for m in masses)

    val, _ = integrate.quad(integrand, logs[0] - 45, logs[-1] + 45, points=logs,
                            limit=400, epsabs=0, epsrel=1e-12)
    return val


BOX_QUAD_POINTS = [
    (1, 1, 1, 1), (1, 2, 3, 4), (1e-6, 1, 1, 1e6), (1, 1, 1, 1 + 1e-9), (0.3, 0.3, 7, 7),
    (1e-8, 1e-8, 1e-8, 1), (2, 2, 2, 1e8), (1, 1 + 1e-6, 1 + 2e-6, 5), (1e-4, 3e-4, 1e4, 3e4),
    (5e3, 5e3 * (1 + 1e-11), 2e-3, 2e-3),
]


@pytest.mark.parametrize("a", BOX_QUAD_POINTS)
def test_boxes_vs_quad(a):
    assert L.box_I2(*a) == pytest.approx(quad_t(lambda t: t * t, a), rel=QUAD_REL)
    assert L.box_I1(*a) == pytest.approx(quad_t(lambda t: t, a), rel=QUAD_REL)


@pytest.mark.parametrize("xy", [(1, 1), (2, 3), (0.25, 0.25), (1, 0.3025), (1 + 1e-10, 1), (1e-7, 1e7),
                                (9, 9.0001), (1e-3, 1e-3)])
def test_arnan_vs_quad(xy):
    a = (1, 1, *xy)
    assert L.arnan_F(*xy) == pytest.approx(quad_t(lambda t: t * t, a), rel=QUAD_REL)
    assert L.arnan_G(*xy) == pytest.approx(-quad_t(lambda t: t, a), rel=QUAD_REL)


@pytest.mark.parametrize("xyzs", [(4, 9, 1, 1), (4, 9, 0.25, 0.5), (4, 9, 0.25, -0.5), (16, 4, 2.25, 1.5),
                                  (1e-4, 30, 1e2, 10), (2, 2, 2, -1.2), (0.5, 1, 1, 1), (1e3, 1e-3, 1, 1)])
def test_seed_D_vs_quad(xyzs):
    x, y, z, s = xyzs
    a = (x, y, z, 1)
    assert L.seed_D_tilde(*xyzs) == pytest.approx(quad_t(lambda t: t * (t - 2 * s), a), rel=QUAD_REL)
    assert L.seed_D(x, y, z) == pytest.approx(quad_t(lambda t: t * (t - 2), a), rel=QUAD_REL)


@pytest.mark.parametrize("abc", [(1, 2, 3), (0.5, 0.5, 0.5), (1e-4, 1e-4, 1e4), (7, 7 * (1 + 1e-10), 7.5),
                                 (1e6, 1e-6, 3.3), (2.5e5, 3.6e5, 1e6)])
def test_dd2_vs_quad(abc):
    # (u² ln u)[a,b,c] = ∫ [1/(t+1) − t²/Π(t+a)], (u ln u)[a,b,c] = ∫ t/Π(t+a)
    u2 = quad_t(lambda t: math.prod(t + m for m in abc) / (t + 1) - t * t, abc)
    assert L.dd2_u2logu(*abc) == pytest.approx(u2, rel=QUAD_REL, abs=1e-12)
    assert L.dd2_ulogu(*abc) == pytest.approx(quad_t(lambda t: t, abc), rel=QUAD_REL)


@pytest.mark.parametrize("abm", [(550**2, 550**2, 1e6), (550**2, 600**2, 1e6), (1e6, 1e6, 1e6),
                                 (1e6 * (1 - 1e-9), 1e6 * (1 + 1e-9), 1e6), (1e2, 1e10, 3e5)])
def test_scoto_vs_quad_and_definition(abm):
    a, b, m = abm
    kernel = L.scoto_kernel(a, b, m)
    assert kernel == pytest.approx(quad_t(lambda t: t, abm), rel=QUAD_REL)
    for u in (a, b):
        assert L.scoto_g(u, m) == pytest.approx(u * quad_t(lambda t: 1.0, (u, m)), rel=QUAD_REL)
    if abs(a - b) > 1e-3 * a:  # the definition itself, where it does not cancel
        assert kernel == pytest.approx((L.scoto_g(a, m) - L.scoto_g(b, m)) / (a - b), rel=1e-12)


@pytest.mark.parametrize("name", ONE_VAR)
@pytest.mark.parametrize("x", [1e-6, 1e-3, 0.1, 0.5, 0.7, 0.9, 1.0, 1 + 1e-9, 1.1, 1.3, 2.0, 10.0, 1e3, 1e6])
def test_dipole_penguin_vs_feynman_quad(name, x):
    brk = sorted(p for p in (x, 1 / x, 10 * x, 10 / x, 0.1 * x, 0.1 / x) if 0 < p < 1)
    val, _ = integrate.quad(FEYNMAN[name], 0, 1, args=(x,), points=brk or None, limit=400,
                            epsabs=0, epsrel=1e-12)
    assert getattr(L, name)(x) == pytest.approx(val, rel=QUAD_REL)


# --------------------------------------------------------------------------------------------
# a few hundred random points per function against the mpmath reference

N_RANDOM = 300


@pytest.mark.parametrize("name", list(CASES))
def test_random_points_vs_mpmath(name):
    rng = np.random.default_rng(20240531 + list(CASES).index(name))
    pts = CASES[name][2](rng, N_RANDOM)
    rel, norm, _ = compare(name, pts)
    worst = int(np.argmax(norm))
    assert norm[worst] <= 1.0, f"{name}{tuple(pts[worst])}: rel err {rel[worst]:.3e}"


# --------------------------------------------------------------------------------------------
# degenerate limits in closed form


@pytest.mark.parametrize("a", [1e-8, 0.37, 1.0, 3.0, 1e8])
def test_box_all_equal(a):
    assert L.box_I2(a, a, a, a) == pytest.approx(1 / (3 * a), rel=1e-14)
    assert L.box_I1(a, a, a, a) == pytest.approx(1 / (6 * a * a), rel=1e-14)


def test_arnan_degenerate_point():
    assert L.arnan_F(1, 1) == pytest.approx(1 / 3, rel=1e-15)
    assert L.arnan_G(1, 1) == pytest.approx(-1 / 6, rel=1e-15)
    assert abs(L.arnan_F(1, 1) + 2 * L.arnan_G(1, 1)) < 1e-16


@pytest.mark.parametrize("x", [1e-6, 0.01, 0.3025, 3.0, 50.0, 1e6])
def test_arnan_confluent_limits(x):
    lx = math.log(x)
    assert L.arnan_F(x, x) == pytest.approx((x * x - 2 * x * lx - 1) / (x - 1) ** 3, rel=1e-12)
    assert L.arnan_G(x, x) == pytest.approx((2 * x - (x + 1) * lx - 2) / (x - 1) ** 3, rel=1e-12)
    assert L.arnan_F(1, x) == pytest.approx((2 * x * x * lx - 3 * x * x + 4 * x - 1) / (2 * (x - 1) ** 3),
                                            rel=1e-12)
    assert L.arnan_G(1, x) == pytest.approx((-x * x + 2 * x * lx + 1) / (2 * (x - 1) ** 3), rel=1e-12)
    assert L.arnan_F(x, x) == pytest.approx(L.f_N2(x), rel=1e-13)
    # y → 0 limits, reached up to O((y/x) ln y)
    y = 1e-14 * min(x, 1.0)
    assert L.arnan_F(x, y) == pytest.approx((x * lx - x + 1) / (x - 1) ** 2, rel=1e-8)
    assert L.arnan_G(x, y) == pytest.approx((-x + lx + 1) / (x - 1) ** 2, rel=1e-8)


def test_seed_D_identities():
    assert L.seed_D(1, 1, 1) == 0.0
    rng = np.random.default_rng(7)
    x, y, z = 10 ** rng.uniform(-3, 3, (3, 50))
    s = rng.uniform(-3, 3, 50)
    assert np.array_equal(L.seed_D(x, y, z), L.seed_D_tilde(x, y, z, 1.0))
    combo = L.box_I2(x, y, z, 1.0) - 2 * s * L.box_I1(x, y, z, 1.0)
    scale = L.box_I2(x, y, z, 1.0) + 2 * abs(s) * L.box_I1(x, y, z, 1.0)
    assert np.all(np.abs(L.seed_D_tilde(x, y, z, s) - combo) <= 1e-13 * scale)
    # the printed three-term formula, at distinct arguments
    xs, ys, zs = 4.0, 9.0, 0.25
    printed = sum(u * (u + 2) * math.log(u) / ((u - 1) * (u - v) * (u - w))
                  for u, v, w in ((xs, ys, zs), (ys, xs, zs), (zs, xs, ys)))
    assert L.seed_D(xs, ys, zs) == pytest.approx(printed, rel=1e-13)


def test_seed_D_near_one_is_linear():
    # D(1+e, 1, 1) = D''''-term e/...: relative precision is kept although D → 0
    for e in (1e-4, 1e-8, 1e-12):
        ref = float(ref_D(1 + e, 1.0, 1.0))
        assert L.seed_D(1 + e, 1.0, 1.0) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize(("name", "at1", "d1", "d2"), [
    ("f_N1", 1 / 12, -1 / 30, 1 / 60), ("f_C1", 1 / 12, -1 / 20, 1 / 30), ("f_N2", 1 / 3, -1 / 6, 1 / 10),
    ("f_C2", 2 / 3, -1 / 2, 2 / 5), ("j_S", 1 / 24, -1 / 120, 1 / 360), ("j_F", 1 / 8, -11 / 120, 13 / 180),
    ("seed_H_tilde", 1 / 24, -1 / 48, 1 / 80),
])
def test_one_var_expansion_at_one(name, at1, d1, d2):
    func = getattr(L, name)
    assert func(1.0) == pytest.approx(at1, rel=1e-15)
    for e in (1e-4, -1e-4, 1e-3):
        assert func(1 + e) == pytest.approx(at1 + d1 * e + d2 * e * e, rel=abs(e) ** 3 + 1e-14)


def test_one_var_limits_zero_and_infinity():
    tiny, huge = 1e-8, 1e8
    assert L.f_N1(tiny) == pytest.approx(1 / 6, rel=1e-6)
    assert L.f_C1(tiny) == pytest.approx(1 / 3, rel=1e-6)
    assert L.f_N2(tiny) == pytest.approx(1.0, rel=1e-6)
    assert L.f_C2(tiny) == pytest.approx(-2 * math.log(tiny) - 3, rel=1e-6)
    assert L.j_S(tiny) == pytest.approx(1 / 18, rel=1e-6)
    assert L.j_F(tiny) == pytest.approx(-(16 + 12 * math.log(tiny)) / 36, rel=1e-6)
    assert huge * L.f_N1(huge) == pytest.approx(1 / 3, rel=1e-6)
    assert huge * L.f_C1(huge) == pytest.approx(1 / 6, rel=1e-6)
    assert huge * L.f_N2(huge) == pytest.approx(1.0, rel=1e-6)
    assert huge * L.f_C2(huge) == pytest.approx(1.0, rel=1e-6)
    assert huge * L.j_S(huge) == pytest.approx((6 * math.log(huge) - 11) / 36, rel=1e-6)
    assert huge * L.j_F(huge) == pytest.approx(7 / 36, rel=1e-6)
    assert L.seed_H_tilde(1.0) == pytest.approx(1 / 24, rel=1e-15)
    assert L.seed_H_tilde(3.7) == pytest.approx(L.f_N2(3.7) / 8, rel=1e-15)


@pytest.mark.parametrize("a", [1e-6, 0.2231, 1.0, 4e6])
def test_dd2_confluent(a):
    assert L.dd2_u2logu(a, a, a) == pytest.approx(math.log(a) + 1.5, rel=1e-14, abs=1e-15)
    assert L.dd2_ulogu(a, a, a) == pytest.approx(1 / (2 * a), rel=1e-14)


@pytest.mark.parametrize("m2", [1e2, 3.0e5, 1e6, 1e10])
def test_scoto_confluent(m2):
    mn2 = 1e6
    gprime = 1 / (2 * mn2) if m2 == mn2 else (m2 - mn2 - mn2 * math.log(m2 / mn2)) / (m2 - mn2) ** 2
    assert L.scoto_kernel(m2, m2, mn2) == pytest.approx(gprime, rel=1e-12)
    assert L.scoto_g(mn2, mn2) == 1.0


# --------------------------------------------------------------------------------------------
# continuity across the internal switches (each side is also checked against mpmath)


def _across(t):
    return t * (1 - 1e-12), t * (1 + 1e-12)


@pytest.mark.parametrize("name", ONE_VAR)
@pytest.mark.parametrize("t", [1 - L._NEAR1, 1 + L._NEAR1])
def test_one_var_continuity_at_series_switch(name, t):
    lo, hi = _across(t)
    func = getattr(L, name)
    assert func(lo) == pytest.approx(func(hi), rel=1e-11)
    for x in (lo, hi, np.nextafter(t, 0), t, np.nextafter(t, 2)):
        assert func(x) == pytest.approx(float(ref_one_var(name, x)), rel=1e-11)


CLUSTER_EDGE = 1 + L._CLUSTER


@pytest.mark.parametrize("pattern", [
    lambda e: (1, 1, 1, e), lambda e: (1, e, 5, 7), lambda e: (1, 1.15, e, 9), lambda e: (1, e, e, e),
    lambda e: (0.2, 1, 1 + 1e-9, e), lambda e: (1, 1, e, e),
])
def test_box_continuity_at_cluster_switch(pattern):
    lo, hi = _across(CLUSTER_EDGE)
    for func, ref in ((L.box_I2, ref_I2), (L.box_I1, ref_I1)):
        assert func(*pattern(lo)) == pytest.approx(func(*pattern(hi)), rel=1e-11)
        for e in (lo, hi):
            assert func(*pattern(e)) == pytest.approx(float(ref(*pattern(e))), rel=1e-12)


@pytest.mark.parametrize("ratio", [0.5, 2.0])
def test_scoto_g_continuity(ratio):
    lo, hi = _across(ratio)
    assert L.scoto_g(lo, 1.0) == pytest.approx(L.scoto_g(hi, 1.0), rel=1e-11)
    for r in (lo, hi):
        assert L.scoto_g(r, 1.0) == pytest.approx(float(ref_scoto_g(r, 1.0)), rel=1e-14)


# --------------------------------------------------------------------------------------------
# hypothesis properties

HYP = settings(max_examples=150, deadline=None, database=None)
exponent = st.floats(min_value=-8, max_value=8, allow_nan=False, allow_infinity=False)
positive = exponent.map(lambda e: 10.0**e)


@st.composite
def tuples_with_ties(draw, k):
    """k positive numbers, some of them exactly or nearly equal to earlier ones."""
    vals = []
    for _ in range(k):
        choice = draw(st.sampled_from(["new", "tie", "near"])) if vals else "new"
        if choice == "new":
            vals.append(draw(positive))
        else:
            base = draw(st.sampled_from(vals))
            shift = draw(st.floats(min_value=-14, max_value=-1)) if choice == "near" else None
            vals.append(base if shift is None else base * (1 + 10.0**shift))
    return vals


@HYP
@given(tuples_with_ties(4), st.permutations(range(4)))
def test_box_permutation_symmetry(a, perm):
    b = [a[i] for i in perm]
    assert L.box_I2(*b) == pytest.approx(L.box_I2(*a), rel=1e-14)
    assert L.box_I1(*b) == pytest.approx(L.box_I1(*a), rel=1e-14)


@HYP
@given(tuples_with_ties(4), st.floats(min_value=-6, max_value=6))
def test_box_scaling(a, log_lam):
    lam = 10.0**log_lam
    b = [lam * v for v in a]
    assert L.box_I2(*b) == pytest.approx(L.box_I2(*a) / lam, rel=1e-11)
    assert L.box_I1(*b) == pytest.approx(L.box_I1(*a) / lam**2, rel=1e-11)


@HYP
@given(tuples_with_ties(4))
def test_box_positive_and_hermite_genocchi_bounds(a):
    # I_2 = 2 ∫_simplex 1/u, I_1 = ∫_simplex 1/u², simplex volume 1/6
    lo, hi = min(a), max(a)
    i2, i1 = L.box_I2(*a), L.box_I1(*a)
    assert 0 < i2 and 0 < i1
    assert 1 / (3 * hi) * (1 - 1e-13) <= i2 <= 1 / (3 * lo) * (1 + 1e-13)
    assert 1 / (6 * hi * hi) * (1 - 1e-13) <= i1 <= 1 / (6 * lo * lo) * (1 + 1e-13)


@HYP
@given(tuples_with_ties(2))
def test_arnan_symmetry_and_sign(xy):
    x, y = xy
    assert L.arnan_F(x, y) == pytest.approx(L.arnan_F(y, x), rel=1e-14)
    assert L.arnan_G(x, y) == pytest.approx(L.arnan_G(y, x), rel=1e-14)
    assert L.arnan_F(x, y) > 0 > L.arnan_G(x, y)


@HYP
@given(tuples_with_ties(3), st.permutations(range(3)), st.floats(min_value=-6, max_value=6))
def test_dd2_symmetry_and_scaling(abc, perm, log_lam):
    pabc = [abc[i] for i in perm]
    assert L.dd2_ulogu(*pabc) == pytest.approx(L.dd2_ulogu(*abc), rel=1e-14)
    scale = _scale_dd2_u2(*abc)
    assert abs(L.dd2_u2logu(*pabc) - L.dd2_u2logu(*abc)) <= 1e-14 * scale
    lam = 10.0**log_lam
    b = [lam * v for v in abc]
    assert L.dd2_ulogu(*b) == pytest.approx(L.dd2_ulogu(*abc) / lam, rel=1e-11)
    assert abs(L.dd2_u2logu(*b) - L.dd2_u2logu(*abc) - math.log(lam)) <= 1e-11 * (scale + abs(log_lam) * 2.31)
    assert L.dd2_ulogu(*abc) > 0


@HYP
@given(tuples_with_ties(3))
def test_scoto_kernel_symmetry(abm):
    a, b, m = abm
    assert L.scoto_kernel(a, b, m) == L.scoto_kernel(b, a, m)
    assert L.scoto_kernel(a, b, m) > 0


@HYP
@given(positive)
def test_one_var_positive(x):
    for name in ONE_VAR:
        assert getattr(L, name)(x) > 0


# --------------------------------------------------------------------------------------------
# interface: broadcasting, scalar results, validation, speed


def test_broadcasting_and_scalar_results():
    x = np.array([[0.5], [2.0]])
    y = np.array([1.0, 3.0, 7.0])
    out = L.arnan_F(x, y)
    assert out.shape == (2, 3) and out.dtype == np.float64
    loop = np.array([[L.arnan_F(float(xi), float(yj)) for yj in y] for xi in x[:, 0]])
    np.testing.assert_allclose(out, loop, rtol=1e-15, atol=0)
    for value in (L.box_I2(1, 2, 3, 4), L.f_N1(0.5), L.seed_D_tilde(2, 3, 4, -2), L.scoto_kernel(1, 2, 3),
                  L.dd2_u2logu(1, 2, 3), L.scoto_g(1.0, 2.0)):
        assert isinstance(value, float) and np.ndim(value) == 0
    assert L.j_F([0.5, 1.0, 2.0]).shape == (3,)
    assert L.seed_D_tilde(2.0, 3.0, 4.0, np.array([-1.0, 1.0])).shape == (2,)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_invalid_arguments_raise(bad):
    with pytest.raises(ValueError):
        L.box_I2(1, 2, 3, bad)
    with pytest.raises(ValueError):
        L.f_C2(bad)
    with pytest.raises(ValueError):
        L.scoto_kernel(1, bad, 3)
    if not math.isfinite(bad):
        with pytest.raises(ValueError):
            L.seed_D_tilde(1, 2, 3, bad)


def test_box_speed():
    rng = np.random.default_rng(3)
    a = sample_points(rng, 2000, 4)
    a = np.tile(a, (50, 1))  # 1e5 points with the test mixture of ties
    start = time.perf_counter()
    L.box_I2(*a.T)
    assert time.perf_counter() - start < 1.0


def test_a_points_loop_integrals_do_not_depend_on_its_batch():
    """Box integrals and second divided differences of one point equal, bit for bit, the same
    point's inside a larger batch (exact, near- and far-from-degenerate points mixed): a scan
    splits and resumes chunks anywhere, and its stored values must not move with the split
    (a single-element einsum over the series terms once summed them in another order)."""
    rng = np.random.default_rng(0)
    n = 200
    pts = rng.uniform(0.1, 10.0, size=(4, n))
    pts[1, :50] = pts[0, :50]
    pts[1, 50:100] = pts[0, 50:100] * (1 + rng.uniform(-1e-3, 1e-3, 50))
    pts[3, 100:150] = pts[2, 100:150] * (1 + rng.uniform(-1e-6, 1e-6, 50))
    pts[:, 150:] = pts[0, 150:] * (1 + rng.uniform(-0.05, 0.05, (4, 50)))
    for f, k in ((L.box_integrals, 4), (L.dd2_pair, 3), (L.dd2_u2logu, 3)):
        whole = f(*pts[:k])
        whole = whole if isinstance(whole, tuple) else (whole,)
        for size in (1, 3):
            for i in range(0, n, size):
                part = f(*pts[:k, i:i + size])
                part = part if isinstance(part, tuple) else (part,)
                for w, p in zip(whole, part, strict=True):
                    np.testing.assert_array_equal(np.asarray(p).view(np.int64),
                                                  np.asarray(w)[i:i + size].view(np.int64))


def test_cluster_series_one_pass_equals_groups(monkeypatch):
    """The cluster series summed in one pass of the largest term count (an element's terms
    beyond its own count set to 0) gives, bit for bit, the values of the pass per term-count
    group: both ways are forced (the call-cost weight of the choice set to its extremes) and
    seen to be taken (one _series_group call against several)."""
    rng = np.random.default_rng(5)
    n = 600
    base = rng.uniform(0.5, 5.0, n)
    # spreads from exact ties to the cluster edge: every term-count group is populated
    spread = np.concatenate([np.zeros(60), 10.0 ** rng.uniform(-9, np.log10(0.12), n - 60)])
    pts = np.sort(base * (1 + spread * rng.uniform(0, 1, (4, n))), axis=0)
    pts[:, :60] = base[:60]
    calls = []
    group = L._series_group

    def counted(*args, **kw):
        calls.append(args[3].shape[1])
        return group(*args, **kw)

    monkeypatch.setattr(L, "_series_group", counted)
    out = {}
    for cost in (0, 10**12):
        monkeypatch.setattr(L, "_CALL_COST", cost)
        calls.clear()
        out[cost] = [L._cluster_series(kinds, pts[:k], None) for kinds, k in
                     ((("u2", "u1"), 4), (("u2", "u1"), 3), (("u2",), 3))]
        out[cost, "calls"] = list(calls)
    assert len(out[0, "calls"]) > 3 * len(out[10**12, "calls"])  # the two ways were taken
    assert all(size == n for size in out[10**12, "calls"])
    for grouped, single in zip(out[0], out[10**12], strict=True):
        for kind in grouped:
            np.testing.assert_array_equal(single[kind].view(np.int64), grouped[kind].view(np.int64))
