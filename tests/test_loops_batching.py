"""The loop functions' batched routes give the numbers of the routes they replace, bit for bit.

* :func:`bridge.loops._divdiffs` sums the cluster series of all the clustered entries of an
  order in one call: against the recursion with a call per entry it replaced
  (:func:`_divdiffs_entrywise` below, that code), on random points with exact ties, near ties
  (1e-9), clusters (< _CLUSTER) and chains of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridge import loops as L


def _divdiffs_entrywise(pts, kinds, s=None):
    """The divided-difference table with a cluster-series call per entry (before the merged series)."""
    x = L._sorted(pts)
    npts = x.shape[0]
    last = npts - 1
    size = x.shape[1]
    logs = np.log(x)
    if last == 0:
        return {kind: L._fvalue(kind, x[0], s, logs[0]) for kind in kinds}
    tables = {kind: {} for kind in kinds}
    for i in range(last):
        first = L._firsts(kinds, x[i], x[i + 1], logs[i], s, logs[i + 1])
        for kind in kinds:
            tables[kind][i, i + 1] = first[kind]
    if last == 1:
        return {kind: tables[kind][0, 1] for kind in kinds}
    clus = {(i, j): x[j] - x[i] <= L._CLUSTER * x[i] for i in range(npts) for j in range(i + 2, npts)}
    need = {(0, last): np.ones(size, dtype=bool)}
    for order in range(last, 2, -1):
        for i in range(npts - order):
            j = i + order
            rec = need[i, j] & ~clus[i, j]
            for key in ((i + 1, j), (i, j - 1)):
                need[key] = need[key] | rec if key in need else rec
    for order in range(2, npts):
        for i in range(npts - order):
            j = i + order
            gap = x[j] - x[i]
            with np.errstate(divide="ignore", invalid="ignore"):
                for kind in kinds:
                    t = tables[kind]
                    t[i, j] = (t[i + 1, j] - t[i, j - 1]) / gap
            ser = need.get((i, j), np.zeros(size, dtype=bool)) & clus[i, j]
            if ser.any():
                series = L._cluster_series(kinds, x[i:j + 1, ser], None if s is None else s[ser])
                for kind in kinds:
                    tables[kind][i, j][ser] = series[kind]
    return {kind: tables[kind][0, last] for kind in kinds}


def _degenerate_points(rng, npts: int, size: int) -> np.ndarray:
    """(npts, size) points, each after the first equal to, 1e-9 from, within 20% of the one
    before it, or anywhere in (1e-3, 1) (chains, pairs, triples and spread sets); shuffled."""
    x = np.exp(rng.uniform(np.log(1e-3), 0.0, (npts, size)))
    pick = rng.integers(0, 4, (npts, size))
    for r in range(1, npts):
        x[r] = np.select([pick[r] == 0, pick[r] == 1, pick[r] == 2],
                         [x[r - 1], x[r - 1] * (1 + rng.uniform(-1e-9, 1e-9, size)),
                          x[r - 1] * (1 + rng.uniform(-0.2, 0.2, size))], x[r])
    return rng.permuted(x, axis=0)


@pytest.mark.parametrize("npts", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("kinds", [("u2",), ("u1",), ("u2", "u1"), ("u1", "u2"), ("h",)])
def test_merged_series_equal_a_call_per_entry(npts, kinds):
    rng = np.random.default_rng(100 * npts + len(kinds[0]) + len(kinds))
    pts = _degenerate_points(rng, npts, 6000)
    s = rng.uniform(-2.0, 2.0, pts.shape[1]) if "h" in kinds else None
    want = _divdiffs_entrywise(pts.copy(), kinds, s)
    got = L._divdiffs(pts.copy(), kinds, s)
    for kind in kinds:
        assert np.array_equal(got[kind], want[kind]), kind
    if npts >= 3:  # the tight clusters reached the series (else the test misses its route)
        c = L._sorted(pts.copy())
        assert np.any(c[-1] - c[0] <= L._CLUSTER * c[0])


def test_merged_series_of_one_element():
    """Batches of one element: all equal, two clusters, none."""
    for pts in ([[0.5], [0.5], [0.5], [0.5]], [[0.1], [0.11], [0.9], [0.91]], [[0.2], [0.9], [0.5]]):
        pts = np.array(pts, dtype=float)
        want = _divdiffs_entrywise(pts.copy(), ("u2", "u1"))
        got = L._divdiffs(pts.copy(), ("u2", "u1"))
        for kind in ("u2", "u1"):
            assert np.array_equal(got[kind], want[kind])
