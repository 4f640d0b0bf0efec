"""The encoder's passes that were rewritten for speed (issue 12: the store's share of a scan's
CPU) against their definitions: the residuals row by row against the transforms applied to
gathered rows (:func:`store._apply`, :func:`store._predicted`, :func:`store._combined`), the
plane statistics counted in words against the byte planes taken apart (:func:`store._planes`),
and a chunk whose columns are encoded where the scan left them (a reused choice, no stacked
copy) against the same chunk stacked. Every check is bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_scan_store_order import _bits

from bridge.scan import store
from bridge.scan.space import Axis, Space


def _rows(n: int, seed: int = 7) -> np.ndarray:
    """Float64 bits of smooth rows, a noisy one, one with NaN, ±inf and -0.0 and one of random
    bit patterns (rows x n int64)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    odd = rng.standard_normal(n)
    for i, v in zip(range(1, 5), (np.nan, np.inf, -np.inf, -0.0), strict=True):
        if i < n:
            odd[i] = v
    table = np.array([np.sin(3 * t) + 2.0, np.exp(-t) * 1e-300, 3.7 * np.cos(5 * t),
                      rng.standard_normal(n) * 1e3, odd,
                      rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64).view("<f8")])
    return np.ascontiguousarray(table).view(np.int64)


def _reference(bits: np.ndarray, codes: list[str], width: int) -> np.ndarray:
    """The zigzagged residuals of the rows not ``V`` by the transforms' definitions, one row at a
    time from gathered copies."""
    table = bits.view(np.float64)
    out = []
    for k, c in enumerate(codes):
        if c == "V":
            continue
        if c.startswith("L"):
            r = bits[k] - store._combined(table, store._linear_terms(c))
        elif c.startswith("R"):
            j, ratio = store._ratio_code(c)
            r = bits[k] - store._predicted(table, [j], [ratio])[0]
        else:
            r = store._apply(bits[k:k + 1].copy(), c, width)[0]
        out.append(store._zigzag(r))
    return np.array(out, dtype=np.uint64).reshape(len(out), bits.shape[1])


@pytest.mark.parametrize("n,width", [(1, 0), (2, 0), (16, 4), (256, 16), (1000, 0), (4096, 64),
                                     (4096, 5000)])
def test_the_residuals_row_by_row_are_the_transforms_of_their_definition(n, width):
    bits = _rows(n)
    codes = ["", "1", "11", "1W", "11W", "V", "R0:3.25", "L0:1.5,2:-0.25,4:1e-3", "R5:-1.0",
             "L3:2.0", "11W"]
    table = bits[[0, 1, 2, 0, 2, 3, 0, 0, 5, 0, 4]]  # rows repeated so that each code has one
    want = _reference(table, codes, width)
    got = store._residuals(table, codes, width)
    np.testing.assert_array_equal(got, want)
    # the rows of a list (views of the scan's columns, strided or broadcast) give the same
    wide = np.repeat(table, 2, axis=1)
    views = [wide[k, ::2] for k in range(len(codes))]
    views[5] = np.broadcast_to(table[5, :1], (n,))
    table[5] = table[5, 0]
    np.testing.assert_array_equal(store._residuals(views, codes, width),
                                  _reference(table, codes, width))


@pytest.mark.parametrize("k", [0, 1, 7, 127, 128, 129, 255, 256, 257, 1024, 1031])
def test_the_plane_statistics_are_those_of_the_byte_planes(k):
    rng = np.random.default_rng(k)
    s = rng.integers(0, 2**64 - 1, (5, k), dtype=np.uint64, endpoint=True)
    s[1] = np.uint64(2**64 - 1)  # every byte 255: the largest sums of the lanes
    s[2] &= np.uint64(0x00FF0000000000FF)  # planes of zeros between non-zero ones
    s[3] = 0
    s[4, ::3] = 0
    planes = store._planes(np.ascontiguousarray(s))
    np.testing.assert_array_equal(store._plane_counts(s), np.count_nonzero(planes, axis=1))
    np.testing.assert_array_equal(store._plane_sums(s), planes.sum(axis=1, dtype=np.int64))
    if k:
        np.testing.assert_array_equal(store._plane_counts(s) / k, store._nonzero(planes))


def test_a_chunk_reusing_a_choice_encodes_its_columns_where_they_lie():
    """A grid chunk packed after one that chose (its transforms reused, its columns encoded as
    the scan's arrays, not stacked) gives the bytes of the same chunk with its columns as fresh
    contiguous copies, and reads back bit for bit; strided and broadcast columns too."""
    axes = [Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
            Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)]
    space = Space(axes, "grid")

    def columns(ids, strided):
        v = space.values(ids)
        x, y = v[:, 0] / 2000.0, v[:, 1] / 2000.0
        cols = {"par:MINPAR:1": v[:, 0], "par:MINPAR:4": v[:, 1],
                "wc:C9:re": np.sin(3 * x) * y, "wc:C9:im": 0.25 * np.sin(3 * x) * y,
                "wc:C10:re": np.exp(-x * y), "obs:a": np.sin(3 * x) * y + 2.0 * np.exp(-x * y),
                "chi2:seed": np.random.default_rng(ids[0]).standard_normal(ids.size),
                "mass:h": np.full(ids.size, 125.0)}
        if strided:  # views into a wider array, one broadcast
            wide = {k: np.repeat(a, 2) for k, a in cols.items()}
            cols = {k: a[::2] for k, a in wide.items()}
            cols["mass:h"] = np.broadcast_to(np.float64(125.0), (ids.size,))
        return cols

    def packed(strided):
        store._CHOICE_CACHE.clear()
        store._LINEAR_CACHE.clear()
        out = []
        for start in (0, 1024, 2048):
            ids = np.arange(start, start + 1024)
            cols = columns(ids, strided)
            p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
            _, back, *_ = store.unpack(p, space)
            for name, a in cols.items():
                np.testing.assert_array_equal(_bits(back[name]), _bits(np.asarray(a)), err_msg=name)
            out.append((p.layout, p.data, p.routes))
        return out

    plain = packed(False)
    assert store._CHOICE_CACHE and next(iter(store._CHOICE_CACHE.values()))[2] == 2  # reused
    assert packed(True) == plain


def _spikes_by_mask(z, counts, reach):
    """The spikes of :func:`store._spikes` as their definition finds them: a table of each
    candidate row's comparison with its limit, counted, then searched."""
    m, n = z.shape
    dense = (counts > store.SPIKE_SAMPLE).reshape(8, m)
    b = np.where(dense.any(axis=0), 8 - np.argmax(dense[::-1], axis=0), 0)
    top = np.count_nonzero(reach[:, None] >= store._BYTE_LIMITS[None, :], axis=1)
    cand = np.flatnonzero(top - b >= store.SPIKE_PLANES)
    limits = store._BYTE_LIMITS[b[cand]]
    mask = z[cand] >= limits[:, None]
    count = mask.sum(axis=1)
    ok = (count > 0) & (count <= store.SPIKE_COUNT * n)
    cand, limits = cand[ok], limits[ok]
    rows, at = np.divmod(np.flatnonzero(mask[ok]), n)
    k = cand[rows]
    values = z[k, at]
    low = values & (limits[rows] - np.uint64(1))
    z[k, at] = low
    reach[cand] &= limits - np.uint64(1)
    return k * n + at, values - low


@pytest.mark.parametrize("seed", range(6))
def test_the_spikes_are_those_of_their_definition(seed):
    """Rows of small residuals with a few large ones (a grid's row starts), rows with too many
    large ones to be spikes, rows of noise and of zeros: the same positions, high bytes, rows
    left and ORs as the definition's."""
    rng = np.random.default_rng(seed)
    m, n = 12, 2048
    z = rng.integers(0, 200, (m, n)).astype(np.uint64)
    z[0, ::512] = rng.integers(2**20, 2**40, 4).astype(np.uint64)  # spikes, 3-5 bytes up
    z[1, rng.choice(n, 100, replace=False)] = np.uint64(2**30)  # 100 of 2048: above 1/32
    z[2] = rng.integers(0, 2**63, n).astype(np.uint64)  # noise
    z[3] = 0
    z[4, ::7] = np.uint64(2**56) + np.uint64(seed)  # 293 large ones
    z[5, [0, n - 1]] = np.uint64(2**63 + 5)  # the first and the last point
    z[6:] = rng.integers(0, 2**16, (m - 6, n)).astype(np.uint64)
    z[7, 100] = np.uint64(2**48)
    sample = np.ascontiguousarray(z[:, 4::8])
    counts = store._plane_counts(sample) / sample.shape[1]
    reach = np.bitwise_or.reduce(z, axis=1)
    z_ref, reach_ref = z.copy(), reach.copy()
    got = store._spikes(z, counts, reach)
    want = _spikes_by_mask(z_ref, counts, reach_ref)
    assert got[0].size  # some were found
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(z, z_ref)
    np.testing.assert_array_equal(reach, reach_ref)
