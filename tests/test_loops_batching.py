"""The loop functions' batched routes give the numbers of the routes they replace, bit for bit.

* :func:`bridge.loops._divdiffs` sums the cluster series of all the clustered entries of an
  order in one call: against each element's table alone (a batch of one, where every
  clustered entry is a call of its own), on random points with exact ties, near ties (1e-9),
  clusters (< _CLUSTER) and chains of them;
* :func:`bridge.loops._horner_rows` (the series of several one-variable functions at once)
  against :func:`_horner` per row, and the shared evaluations :func:`dipole_functions`,
  :func:`penguin_functions` against the single functions, around the series switch at x = 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridge import loops as L


def _one_by_one(pts, kinds, s=None):
    """The table of each element alone: a batch of one, whose clustered entries are each summed
    in a call of their own, as the recursion with a call per entry did (the route the merged
    series replaced), and whose other routes (_log_ratio_close's share, the ties) see no other
    element."""
    alone = [L._divdiffs(pts[:, [c]].copy(), kinds, None if s is None else s[[c]])
             for c in range(pts.shape[1])]
    return {kind: np.concatenate([np.atleast_1d(a[kind]) for a in alone]) for kind in kinds}


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
    pts = _degenerate_points(rng, npts, 600)
    s = rng.uniform(-2.0, 2.0, pts.shape[1]) if "h" in kinds else None
    want = _one_by_one(pts, kinds, s)
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
        want = _one_by_one(pts, ("u2", "u1"))
        got = L._divdiffs(pts.copy(), ("u2", "u1"))
        for kind in ("u2", "u1"):
            assert np.array_equal(got[kind], want[kind])


def test_horner_rows_equal_horner_per_row():
    rng = np.random.default_rng(3)
    t = rng.uniform(-0.3, 0.3, 1000)
    coeffs = np.stack([L._SER_N1, L._SER_C1, L._SER_N2, L._SER_C2, L._SER_JS, L._SER_JF])
    rows = L._horner_rows(coeffs, t)
    for row, c in zip(rows, coeffs, strict=True):
        assert np.array_equal(row, L._horner(c, t))
    assert L._horner_rows(coeffs, t[:0]).shape == (6, 0)


def test_shared_one_variable_functions_equal_the_single_ones():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(0.69, 1.31, 3000), np.exp(rng.uniform(-9, 9, 3000)),
                        [1.0, 0.7, 1.3, np.nextafter(0.7, 1), np.nextafter(1.3, 1)]])
    for shape in (x.shape, (x.size // 3, 3)):
        xs = x[: np.prod(shape)].reshape(shape)
        for shared, singles in ((L.dipole_functions, (L.f_N1, L.f_C1, L.f_N2, L.f_C2)),
                                (L.penguin_functions, (L.j_S, L.j_F))):
            for got, single in zip(shared(xs), singles, strict=True):
                assert np.array_equal(got, single(xs))
    for scalar in (1.0, 0.9, 5.0):
        assert L.dipole_functions(scalar)[2] == L.f_N2(scalar)
