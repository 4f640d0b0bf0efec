"""The order in which a results file stores the points of a random chunk, and the prediction
of a column's value at a point from its values at neighbouring points (the ``B`` transform of
:mod:`bridge.scan.store`).

A random or Latin-hypercube sample scatters a chunk's points over the box: consecutive ids
are far apart, so a column's difference from the previous point is as large as the column
(a scotogenic chunk stored ~380 B/point, against ~150 for a grid). Stored along a Hilbert
curve through the chunk's points (Hilbert, Math. Ann. 38 (1891) 459; the index of a cell as
in Butz, IEEE Trans. Comput. C-20 (1971) 424, in the iterative form of Warren, "Hacker's
Delight", 2nd ed., ch. 16), neighbours in the file are neighbours in the box. The order
is computed again when the file is read, from the points' parameters (drawn again from the
sampler's seed and checked against the CRC-32 the writer stored): it costs no bytes.

The ``B`` transform predicts a column by interpolation in a hierarchy over that order (the
lifting scheme, Sweldens, SIAM J. Math. Anal. 29 (1998) 511): the point at position i, with
h the largest power of two dividing i, is predicted from positions i - h, i + h and i - 3h
or i + 3h (multiples of 2h: decoded one level earlier; of the two triangles the one with the
smaller weights), with the barycentric weights of its parameters in that triangle: exact
for a column linear in the two parameters, leaving the curvature times the squared spacing
otherwise, where the difference with one neighbour leaves the
gradient times the spacing. Decoding runs level by level (log2 n vectorised rounds). Weights
use only IEEE-rounded elementwise arithmetic (+ - * /), so every process computes the same
prediction bit for bit; the residual is the float64 bits of the value minus those of the
prediction, lossless whatever the prediction's quality.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Bits per axis of the cells the Hilbert index is computed on (2**16 cells: a 4096-point
#: chunk has a few points sharing a cell, kept in id order).
HILBERT_BITS = 8
#: Largest sum of the barycentric weights' magnitudes taken (a flat triangle extrapolates
#: far: its weights are large and cancel); above, the point on the segment (i - h, i + h).
MAX_WEIGHT = 4.0


def unit_coordinates(space, values: np.ndarray) -> np.ndarray:
    """The points ``values`` (n, axes) scaled to [0, 1] per axis (linearly, also on a log axis:
    the order and weights need no logarithm, whose last bit differs between libm builds)."""
    lo = np.array([a.lo for a in space.axes], dtype=np.float64)
    hi = np.array([a.hi for a in space.axes], dtype=np.float64)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (np.asarray(values, dtype=np.float64) - lo) / span


def _hilbert_index(x: np.ndarray, y: np.ndarray, bits: int) -> np.ndarray:
    """Index along the Hilbert curve of the cells (x, y), integers in [0, 2**bits)."""
    x, y = x.astype(np.int64), y.astype(np.int64)
    d = np.zeros(x.shape, dtype=np.int64)
    side = 1 << bits
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx) ^ ry)
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return d


def chunk_order(u: np.ndarray) -> np.ndarray | None:
    """The storage order (a permutation of the chunk's points) for unit coordinates ``u``
    (n, axes): along the Hilbert curve for two axes, sorted for one; None for more axes (the
    points stay in id order)."""
    n, d = u.shape
    if d not in (1, 2) or n < 4:
        return None
    if d == 1:
        return np.argsort(u[:, 0], kind="stable")
    cells = 1 << HILBERT_BITS
    q = np.clip(np.floor(u * cells), 0, cells - 1).astype(np.int64)
    # the index of every cell from one table (the loop above, once per process) and a stable
    # sort of 16-bit keys (numpy's radix sort): the same permutation as sorting the indices
    # computed point by point, at a fifth of the CPU
    return np.argsort(_cell_indices()[(q[:, 0] << HILBERT_BITS) | q[:, 1]], kind="stable")


@lru_cache(maxsize=1)
def _cell_indices() -> np.ndarray:
    """The Hilbert index of every cell (x, y) at ``(x << HILBERT_BITS) | y`` (uint16: the
    index of a cell is below 2**(2 * HILBERT_BITS))."""
    side = 1 << HILBERT_BITS
    x, y = np.divmod(np.arange(side * side, dtype=np.int64), side)
    table = _hilbert_index(x, y, HILBERT_BITS).astype(np.uint16)
    table.flags.writeable = False  # shared by every call (cached)
    return table


def finite(p: np.ndarray) -> np.ndarray:
    """``p`` with its non-finite entries (NaN, ±inf) set to 0.0, in place. A finite sum means
    every entry is finite (a NaN or an infinity makes the sum NaN or infinite): one read of
    ``p`` instead of three passes where, as almost always, there is nothing to set."""
    with np.errstate(all="ignore"):
        if np.isfinite(np.add.reduce(p, axis=None)):
            return p
    p[~np.isfinite(p)] = 0.0
    return p


class Lifting:
    """Neighbours and weights of the ``B`` prediction of every position of a chunk stored in
    :func:`chunk_order` (``u``: unit coordinates in that order); ``levels``: the positions
    predicted in each round, coarse first (position 0 is stored as it is)."""

    def __init__(self, u: np.ndarray):
        n, d = u.shape
        self.n = n
        self.levels: list[np.ndarray] = []
        h = 1
        while 2 * h < n:
            h *= 2
        while h >= 1:
            self.levels.append(np.arange(h, n, 2 * h))
            h //= 2
        # every position at once: h = the lowest set bit of i
        i = np.arange(n, dtype=np.int64)
        h = i & -i
        a = i - h
        has_b = i + h < n
        b = np.where(has_b, i + h, a)
        has_c = has_b & (i - 3 * h >= 0)
        c = np.where(has_c, i - 3 * h, a)
        has_d = i + 3 * h < n  # the other side's third point (the better triangle is taken)
        c2 = np.where(has_d, i + 3 * h, a)
        if d == 2:  # the two axes as contiguous arrays (a third of the time of u[:, 0])
            x, y = np.ascontiguousarray(u.T)
            ex, ey = x[b] - x[a], y[b] - y[a]
            qx, qy = x - x[a], y - y[a]
            ee = ex * ex + ey * ey
            qe = qx * ex + qy * ey
        else:
            e, q = u[b] - u[a], u - u[a]
            ee = np.einsum("kj,kj->k", e, e)
            qe = np.einsum("kj,kj->k", q, e)
        with np.errstate(all="ignore"):
            t = qe / ee
        segment = has_b & (ee > 0) & np.isfinite(t) & (np.abs(t) <= MAX_WEIGHT)
        wb = np.where(segment, t, 0.0)
        wa = 1.0 - wb
        wc = np.zeros(n)
        if d == 2:
            best = np.full(n, np.inf)
            for third, has in ((c, has_c), (c2, has_b & has_d)):
                fx, fy = x[third] - x[a], y[third] - y[a]
                with np.errstate(all="ignore"):
                    det = ex * fy - ey * fx
                    lb = (qx * fy - qy * fx) / det
                    lc = (ex * qy - ey * qx) / det
                    la = 1.0 - lb - lc
                    size = np.abs(la) + np.abs(lb) + np.abs(lc)
                tri = has & np.isfinite(size) & (size <= MAX_WEIGHT) & (size < best)
                best = np.where(tri, size, best)
                wa, wb, wc = np.where(tri, la, wa), np.where(tri, lb, wb), np.where(tri, lc, wc)
                c = np.where(tri, third, c)
        wa[0] = wb[0] = wc[0] = 0.0  # position 0: stored as it is
        self.a, self.b, self.c = a, b, c
        self.wa, self.wb, self.wc = wa, wb, wc

    def predict(self, table: np.ndarray, pos) -> np.ndarray:
        """The bits of the prediction of ``table``'s rows at positions ``pos`` (float64
        products and sums in a fixed order; 0.0 where not finite)."""
        a, b, c = self.a[pos], self.b[pos], self.c[pos]
        # np.take: a quarter of the time of table[:, a] (numpy 2.4); one scratch array for the
        # b and c terms (the same products and sums as p + take(b) * wb + take(c) * wc)
        p = np.take(table, a, axis=1)
        term = np.take(table, b, axis=1)
        with np.errstate(all="ignore"):  # inf * 0 and inf - inf: NaN, set to 0.0 below
            p *= self.wa[pos]
            term *= self.wb[pos]
            p += term
            np.take(table, c, axis=1, out=term, mode="clip")  # "raise" with out= copies
            term *= self.wc[pos]
            p += term
        return finite(p).view(np.int64)

    def residuals(self, bits: np.ndarray, inplace: bool = False) -> np.ndarray:
        """``bits`` (rows, n) minus the bits of their prediction (position 0: as they are);
        ``inplace``: overwriting ``bits`` (a copy the caller made)."""
        r = bits if inplace else bits.copy()
        if self.n > 1:
            r[:, 1:] -= self.predict(bits.view(np.float64), slice(1, None))
        return r

    def restore(self, r: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`residuals`: the levels in turn, coarse first."""
        out = np.empty_like(r)
        out[:, 0] = r[:, 0]
        table = out.view(np.float64)
        for i in self.levels:
            out[:, i] = r[:, i] + self.predict(table, i)
        return out
