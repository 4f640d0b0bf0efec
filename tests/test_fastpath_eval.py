"""The fast path's evaluation (bridge.scan.fastpath) computes what its definition says, bit for
bit: the scan's compact route (FastPath.units / evaluate_units: only the columns of u the
observables read) equals the full one (to_units / evaluate) on every shipped observable, and a
quadrature equals α · QAGS[φ(y) W] + β with φ = (1, y_i, y_i y_j (i ≤ j)) written out: QUADPACK's
decisions everywhere, its value bit for bit where the halves' node values are computed, and
within the proved rounding bound where quadpack.certain decides without them. These are the
numbers the results file re-derives from its wc: columns (bridge.scan.store), so a faster
evaluation must not move them. No flavio: the shipped representations are read."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.scan import fastpath as fpm
from bridge.scan import quadpack


def _coefficients(n: int, seed: int) -> dict:
    """Random complex coefficients (of their design sizes) for every fast-path coefficient but
    a few left out (zero columns: the groups' active-variable selection), one identically zero,
    and one the fast path does not hold at some points."""
    rng = np.random.default_rng(seed)
    names = list(fpm.COEFFICIENTS)
    out = {}
    for k, name in enumerate(names):
        if k % 7 == 3:
            continue
        step = fpm.COEFFICIENTS[name]
        out[name] = step * 0.3 * (rng.normal(size=n) + 1j * rng.normal(size=n))
    out[names[3]] = np.zeros(n, complex)
    out["CSL_bsmumu"] = np.where(rng.random(n) < 0.2, 0.1, 0.0)  # outside the fast path
    return out


def _same(a, b) -> bool:
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("n", [1, 777, 3000])
def test_compact_units_equal_the_full_evaluation_bit_for_bit(shipped, n):
    coefficients = _coefficients(n, n)
    u, outside = fpm.to_units(coefficients, n)
    compact, outside_c = shipped.units(coefficients, n)
    assert np.array_equal(outside, outside_c) and (n == 1 or outside.any())
    assert compact.shape[1] < fpm.N_VARIABLES
    full = shipped.evaluate(u)
    short = shipped.evaluate_units(compact)
    assert sorted(full) == sorted(short) and len(full) > 30
    for label, v in full.items():
        assert _same(short[label], v), label
    # and the points on the fast path only, as the scan and the results file evaluate them (the
    # same rows: BLAS may round a row differently in a matrix of another height)
    rows = ~outside
    sub, sub_full = shipped.evaluate_units(compact[rows]), shipped.evaluate(u[rows])
    for label, v in sub_full.items():
        assert _same(sub[label], v), label


@pytest.mark.parametrize("n", [1, 777])
def test_labels_alone_or_in_any_subset_equal_all_of_them_bit_for_bit(shipped, n):
    """FastPath.evaluate(u, labels) (a results file's reader that wants a few obs: columns)
    gives each label's values as the evaluation of every observable does, bit for bit: each
    label alone, and a random third of them; labels it does not hold are left out."""
    u, _ = fpm.to_units(_coefficients(n, 11 + n), n)
    full = shipped.evaluate(u)
    labels = sorted(full)
    assert any(isinstance(c, fpm.Quadrature) for label in labels
               for c in shipped.representations[label].components)
    for label in labels:
        assert _same(shipped.evaluate(u, [label])[label], full[label]), label
    assert list(shipped.evaluate(u, labels[0])) == [labels[0]]  # a string: one label
    some = list(np.random.default_rng(n).permutation(labels)[: len(labels) // 3])
    part = shipped.evaluate(u, [*some, "not an observable"])
    assert sorted(part) == sorted(some)
    for label in some:
        assert _same(part[label], full[label]), label


def _quads(shipped):
    return [c for r in shipped.representations.values() if r.fast for c in r.components
            if isinstance(c, fpm.Quadrature)]


@pytest.mark.parametrize("size", [1.0, 10.0, 100.0])
def test_quadrature_is_qags_of_its_node_polynomials(shipped, size, monkeypatch):
    """φ, the node values and the QUADPACK value against the definition written out (the
    products through fpm.point_rows, the padding that makes a row's value independent of its
    batch): the 21 first node values bit for bit (riding on one product with the 7 columns of
    quadpack.certain); NaN (QUADPACK bisects beyond its second level) exactly where the exact
    replay (quadpack.qags_lazy on the halves' node values at every bisected point) has it; the
    exact replay's value bit for bit where the halves were computed; elsewhere within α·dev,
    the bound quadpack.certain proves for |Â − (area1 + area2)| (dev = (K + 64) ε Σ_k |φ_k|
    m_k: a few ulp of the sum of the terms' magnitudes, ~ (K + 64)·2.2e-16 relative for a
    rate without cancellation; measured: the largest |Â − area12| is ~7 ε M). Coefficients of
    their design sizes, and 10, 100 times those (bins not bisected at some points, points
    beyond the second level: NaN, points whose decision the bound leaves open)."""
    quads = _quads(shipped)
    assert any(q.beta.zero for q in quads) and any(not q.beta.zero for q in quads)
    u, _ = fpm.to_units({k: size * v for k, v in _coefficients(1000, 5).items()}, 1000)
    asked = []
    own = fpm.Quadrature._halves

    def spy(self, phi):
        halves = own(self, phi)

        def counted(todo):
            asked.append(todo)
            return halves(todo)
        return counted

    monkeypatch.setattr(fpm.Quadrature, "_halves", spy)
    shortcut = fallback = nan = 0
    for q in quads:
        y = fpm.point_rows(u[:, q.index], q.proj.T)
        iu, ju = np.triu_indices(y.shape[1])
        phi = np.concatenate([np.ones((y.shape[0], 1)), y, y[:, iu] * y[:, ju]], axis=1)
        assert _same(q._phi(u), phi)
        # held by column, as Quadrature._phi holds it: BLAS multiplies a matrix by row and one
        # by column with different kernels, whose last bits differ on some CPUs (OpenBLAS's
        # SkylakeX kernels, AVX-512), so the definition takes the code's layout
        phi = np.asfortranarray(phi)
        nodes = fpm.point_rows(phi, q.weights)
        assert _same(q.node_values(u), nodes)
        first, cols, dev = q._levels(q._phi(u))
        assert _same(first, fpm.point_rows(phi, q.weights[:, :21]))
        assert _same(cols, fpm.point_rows(phi, q._certainty[0][:, 21:]).T)

        # the exact replay: the 21 first nodes everywhere, the halves' 42 where QUADPACK bisects
        def halves(todo, phi=phi, q=q):  # the rows gathered by column too (fastpath._rows_at)
            at = phi if todo.size == phi.shape[0] else np.asfortranarray(phi[todo])
            return fpm.point_rows(at, q.weights[:, 21:])

        value, deeper = quadpack.qags_lazy(fpm.point_rows(phi, q.weights[:, :21]), halves, q.a, q.b,
                                           q.epsabs, q.epsrel, q.limit)
        exact = q.alpha * value + q.beta(u)
        assert _same(q.exact(u), exact)
        asked.clear()
        ours = q(u)
        assert np.array_equal(np.isnan(ours), deeper)
        computed = np.zeros(u.shape[0], dtype=bool)
        for todo in asked:
            computed[todo] = True
        assert _same(ours[computed], exact[computed])
        rest = ~computed & ~deeper
        assert np.all(np.abs(ours[rest] - exact[rest]) <= abs(q.alpha) * dev[rest])
        differs = ours[rest] != exact[rest]
        shortcut += int(differs.sum())
        fallback += int(computed.sum())
        nan += int(deeper.sum())
    # the shortcut moves values (it is exercised), and at 10 and 100 times the design sizes the
    # fallback and NaN occur
    assert shortcut > 0
    assert size == 1.0 or (fallback > 0 and nan > 0)


def test_a_points_fast_path_values_do_not_depend_on_its_batch():
    """point_rows gives each row the value it has in any other batch, bit for bit: rows of
    products of odd-sized batches (the last row of N = 17, 333 through OpenBLAS's tail
    kernels) equal the same rows inside a batch of 4096, at the start of a batch and inside
    one."""
    from bridge.scan.fastpath import point_rows

    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(4096, 30)), rng.normal(size=(30, 30))
    full = point_rows(a, b)
    for n in (1, 17, 200, 333, 1001, 1003):
        np.testing.assert_array_equal(point_rows(a[:n], b).view(np.int64), full[:n].view(np.int64))
        np.testing.assert_array_equal(point_rows(a[n:n + 37], b).view(np.int64),
                                      full[n:n + 37].view(np.int64))


def test_groups_kept_restrictions_follow_the_active_variables(shipped):
    """_Group keeps b', Q' per set of active variables across calls: chunks with other zero
    columns, one after another, get the values a fresh fast path (nothing kept) gives them."""
    compact, _ = shipped.units(_coefficients(300, 11), 300)
    fewer = compact.copy()
    fewer[:, ::3] = 0.0  # other active variables, the same points otherwise
    first = shipped.evaluate_units(compact)
    second = shipped.evaluate_units(fewer)
    again = shipped.evaluate_units(compact)
    fresh = fpm.FastPath(shipped.observables, shipped.scale, shipped.overrides, shipped.representations)
    fresh_second = fresh.evaluate_units(fewer)
    assert any(not np.array_equal(first[k], second[k], equal_nan=True) for k in first)
    for label in first:
        assert _same(again[label], first[label]), label
        assert _same(second[label], fresh_second[label]), label


@pytest.mark.parametrize("rows", [(0, 777), (5, 1006), (1000, 1001), (3000, 4096)])
def test_fast_path_values_of_any_batch_equal_those_of_a_batch_of_4096(shipped, rows):
    """Batches of any size, not only multiples of fpm.ROW_BLOCK, give a point's observables the
    bits it has in a chunk of 4096 (evaluate_units pads u once, so φ keeps its row layout in
    every product; the results file re-derives the observables in batches of its own)."""
    compact, _ = shipped.units(_coefficients(4096, 3), 4096)
    full = shipped.evaluate_units(compact)
    part = shipped.evaluate_units(compact[rows[0]:rows[1]])
    for label, v in part.items():
        assert _same(v, full[label][rows[0]:rows[1]]), label


@pytest.mark.parametrize("n", [3, 300, 2048])
def test_quadratures_together_equal_each_on_its_own(shipped, n, monkeypatch):
    """fpm.quadratures (QUADPACK's first level for several bins at once, quadpack.qags_many;
    the second level by quadpack.certain where it proves the decision) gives each quadrature's
    own value (Quadrature.__call__) bit for bit, and NaN exactly where QUADPACK's exact replay
    (Quadrature.exact) has it: batches of several bins (n = 3, 300) and one by one (2048);
    coefficients of their design sizes (bins bisected at every point) and 10 times those (bins
    bisected at some points, some points beyond QUADPACK's second level: NaN, the halves' node
    values computed at part of the points)."""
    quads = _quads(shipped)
    many = quadpack.qags_many
    bisected, calls, shortcuts, nan = [], [], [], []

    def spy(first, halves_at, integrals, shortcut_at=None):
        calls.append(len(integrals))
        shortcuts.append(shortcut_at is not None)

        def counted(k, todo):
            bisected.append(todo.size)
            return halves_at(k, todo)
        return many(first, counted, integrals, shortcut_at)

    monkeypatch.setattr(quadpack, "qags_many", spy)
    for size in (1.0, 10.0):
        u, _ = fpm.to_units({k: size * v for k, v in _coefficients(n, 40 + n).items()}, n)
        calls.clear()
        shortcuts.clear()
        together = fpm.quadratures(quads, u)
        assert len(together) == len(quads) and sum(calls) == len(quads) and all(shortcuts)
        assert max(calls) == min(len(quads), max(1, fpm.QUADRATURE_BATCH // n))
        for q, v in zip(quads, together, strict=True):
            assert _same(v, q(u))
            assert np.array_equal(np.isnan(v), np.isnan(q.exact(u)))
            nan.append(np.isnan(v).any())
    assert n == 3 or any(0 < k < n for k in bisected)
    assert n == 3 or any(nan)


def _second_level_exactly(q, phi):
    """QUADPACK's own quantities after the first bisection at every point, from the halves'
    node values (DQK21 of each half, quadpack.qk21_rows, checked against the scalar loop in
    tests/test_quadpack.py): (result, abserr, bisected, error1 + error2, area12, errsum,
    errbnd1) as DQAGSE computes them."""
    first = np.ascontiguousarray(fpm.point_rows(phi, q.weights[:, :21]).T)[:, None]
    result, abserr, done = (x[0] for x in quadpack._first_level(first, [(q.a, q.b, q.epsabs, q.epsrel,
                                                                         q.limit)]))
    bisected = ~done
    (a1, b1), (a2, b2) = quadpack.halves(q.a, q.b)
    v = quadpack.side_by_side(fpm.point_rows(phi, q.weights[:, 21:]))
    area, error, _, _ = quadpack.qk21_rows(v, np.array([[a1], [a2]]), np.array([[b1], [b2]]))
    area12 = area[0] + area[1]
    errsum = abserr + (error[0] + error[1]) - abserr
    errbnd1 = np.maximum(q.epsabs, q.epsrel * np.abs(result + area12 - result))
    return result, abserr, bisected, error[0] + error[1], area12, errsum, errbnd1


@pytest.mark.parametrize("size", [0.3, 1.0, 3.0, 10.0, 100.0])
def test_certainty_bounds_hold_against_quadpacks_own_errors(shipped, size):
    """The bounds quadpack.certain decides by, against QUADPACK's own numbers computed from the
    halves' node values at every bisected point: error1 + error2 and errsum below U (errsum ≤
    (1 + 14u) U), errbnd1 above L ((1 − 3u) L), |area12 − Â| ≤ dev; and the bound is not
    vacuous: at up to the design size it proves every decision (measured: all of them, and all
    on the four models' scan grids); ≥ 97.5% of random points at 3–100 times the design size
    (measured 98.1–99.8%)."""
    u, _ = fpm.to_units({k: size * v for k, v in _coefficients(1500, 21).items()}, 1500)
    eps = quadpack.EPMACH
    proved = total = 0
    for q in _quads(shipped):
        phi = q._phi(u)
        result, abserr, bisected, e12, area12, errsum, errbnd1 = _second_level_exactly(q, phi)
        _, cols, dev = q._levels(phi)
        upper, lower = quadpack.bounds(cols, dev, result, abserr, q.epsabs, q.epsrel)
        b = bisected
        assert np.all(e12[b] <= upper[b]) and np.all(errsum[b] <= upper[b] * (1 + 7 * eps))
        assert np.all(errbnd1[b] >= lower[b] * (1 - 1.5 * eps))
        assert np.all(np.abs(area12[b] - cols[0][b]) <= dev[b])
        _, sure = quadpack.certain(cols, dev, result, abserr, q.a, q.b, q.epsabs, q.epsrel)
        assert np.all(errsum[b & sure] <= errbnd1[b & sure])
        proved += int((sure & b).sum())
        total += int(b.sum())
    assert total > 0 and proved >= (1.0 if size <= 1.0 else 0.975) * total


def test_decisions_at_quadpacks_boundary_are_quadpacks(shipped):
    """Points on QUADPACK's decision boundary: along rays t·u of coefficient space, the scale t
    at which a bin's second level flips between accepted and 'bisect further' (bisection on t
    with the exact replay, Quadrature.exact, to ~1e-15), then points within 1e-6 of it on
    either side: Quadrature.__call__ (quadpack.certain, with its fallback) gives NaN exactly
    where the exact replay does, and its value bit for bit there (the bound cannot prove a
    decision this close: the fallback computes the halves)."""
    n = 400
    u0, _ = fpm.to_units(_coefficients(n, 77), n)
    checked = 0
    grid = np.geomspace(1.0, 100.0, 25)
    for q in _quads(shipped):
        flags = np.array([np.isnan(q.exact(u0 * t)) for t in grid])  # (25, n)
        flips = flags[1:] != flags[:-1]
        rays = flips.any(axis=0)
        if not rays.any():
            continue
        k = np.argmax(flips[:, rays], axis=0)  # the first flip along each ray
        lo, hi, ray = grid[k], grid[k + 1], u0[rays]
        nan_lo = flags[k, np.flatnonzero(rays)]
        for _ in range(55):
            mid = 0.5 * (lo + hi)
            same = np.isnan(q.exact(ray * mid[:, None])) == nan_lo
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
        ts = np.concatenate([lo, hi, *(lo * (1 + d) for d in (-1e-6, -1e-9, 1e-9, 1e-6))])
        pts = np.concatenate([ray] * 6) * ts[:, None]
        exact, ours = q.exact(pts), q(pts)
        assert np.array_equal(np.isnan(ours), np.isnan(exact))
        assert _same(ours[:2 * lo.size], exact[:2 * lo.size])
        assert np.isnan(exact[:2 * lo.size]).any() and not np.isnan(exact[:2 * lo.size]).all()
        checked += lo.size
    assert checked > 20
