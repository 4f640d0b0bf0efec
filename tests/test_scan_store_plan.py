"""A chunk that reuses an earlier chunk's choice of transforms reuses its plane decisions too
(the kinds of its byte-plane rows; spikes where a residual reaches a plane the plan leaves
out): :func:`store._replanned` against its definition (every ZERO row all zero, every packed
row's bytes within its bits, the spikes taken out and put back), chunks whose residuals no
longer fit the plan (a proportional column that stops being one, a plane the plan left out
reached) read back bit for bit, the residuals zigzagged a block of rows at a time equal to row
by row, and the bytes of a sequence of grid chunks: those format 8 wrote without the reuse
(PLANE_REUSE off), and those with it. Every check is bit for bit, or a property that could
fail.
"""

from __future__ import annotations

import hashlib
import json
import zlib

import numpy as np
import pytest
from test_scan_store_order import _bits, _space, chunk_columns, without_avx512

from bridge.scan import store
from bridge.scan.space import Axis, Space


def _grid() -> Space:
    axes = [Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
            Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)]
    return Space(axes, "grid")


def _planes_of(z: np.ndarray) -> np.ndarray:
    """The byte planes of ``z`` taken apart (:func:`store._planes`: rows b * m + row)."""
    return store._planes(np.ascontiguousarray(z))


def _check_plan(z_before: np.ndarray, z: np.ndarray, kinds: np.ndarray, spikes) -> None:
    """What a chunk's plane kinds must satisfy for its bytes to decode: a ZERO row all zero,
    a packed row's bytes below 2**bits; and the spikes' high bytes put back give the residuals
    as they were before the spikes were taken out."""
    planes = _planes_of(z)
    for i, kind in enumerate(kinds.tolist()):
        if kind == store.ZERO:
            assert not planes[i].any(), i
        elif kind in store._PACK_BITS:
            assert planes[i].max() < 2 ** store._PACK_BITS[kind], i
        else:
            assert kind in (store.RAW, store.DEFLATED), (i, kind)
    back = z.copy()
    back.reshape(-1)[spikes[0]] |= spikes[1]
    np.testing.assert_array_equal(back, z_before)


def _residuals(seed: int, n: int = 2048, m: int = 6) -> np.ndarray:
    """Zigzagged residuals of m rows: small ones (a byte or two), a few large ones (a grid's
    row starts), and a row of noise."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 200, (m, n), dtype=np.uint64)
    z[1] = rng.integers(0, 4, n, dtype=np.uint64)  # a row of 2-bit bytes
    z[2] = rng.integers(0, 2**40, n, dtype=np.uint64)
    z[3, ::64] = rng.integers(2**30, 2**34, n // 64, dtype=np.uint64)  # row starts
    z[4] = 0
    z[5] = rng.integers(0, 2**63, n, dtype=np.uint64)
    return z


def _plan(z: np.ndarray) -> np.ndarray:
    """The kinds :func:`store._planned` gives ``z`` (its own samples, as _encode takes them)."""
    z = z.copy()
    reach = np.bitwise_or.reduce(z, axis=1)
    late, early = np.ascontiguousarray(z[:, 4::8]), np.ascontiguousarray(z[:, ::8])
    kinds, _, plan = store._planned(z, reach, late, early, z.shape[1], 0)
    np.testing.assert_array_equal(plan, kinds)
    return kinds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_reused_plan_keeps_what_the_residuals_allow_and_changes_what_they_break(seed):
    """The plan of one chunk's residuals applied to another's: every ZERO row all zero, every
    packed row's bytes within its bits, spikes put back exactly; a ZERO row now reached, a
    packed row whose bytes no longer fit and a row that reaches above the planned planes are
    each changed (the plan taken as it is would lose bits: checked first)."""
    z0 = _residuals(seed)
    kinds = _plan(z0)
    m, n = z0.shape
    assert kinds[4] == store.ZERO and kinds[1] == store.PACK2 and kinds[3 * m + 3] == store.ZERO
    z = _residuals(seed + 10)
    z[4, 7] = 1  # a row that was all zero: one byte now
    z[1, 100:110] = 9  # the 2-bit row: 4 bits at a few points
    z[3, 5::64] = 2**36  # more row starts, above the planned planes
    z[0, 3] = 2**50  # one residual far above a row of one-byte residuals
    before = z.copy()
    planes = _planes_of(z)
    broken = [i for i, k in enumerate(kinds.tolist()) if
              (k == store.ZERO and planes[i].any()) or
              (k in store._PACK_BITS and planes[i].max() >= 2 ** store._PACK_BITS[k])]
    assert {4, 1, 3 * m + 3, 6 * m} <= set(broken), broken
    reach = np.bitwise_or.reduce(z, axis=1)
    new, spikes = store._replanned(z, reach, kinds, 0)
    _check_plan(before, z, new, spikes)
    np.testing.assert_array_equal(reach, np.bitwise_or.reduce(z, axis=1))  # reach updated
    assert new[1] == store.PACK4  # packed wider
    assert new[4] == store.DEFLATED or 4 * n + 7 in spikes[0].tolist()
    assert {3 * n + 5, 3 * n + 69, 3} <= set(spikes[0].tolist())  # above the planned planes
    assert new[6 * m] == store.ZERO  # the far residual a spike: its plane still left out
    unchanged = [i for i in range(8 * m) if i not in broken and planes[i].any()]
    np.testing.assert_array_equal(new[unchanged], kinds[unchanged])


def test_a_plan_row_that_fits_no_packing_is_deflated_and_many_spikes_are_not_taken(monkeypatch):
    """A packed row whose bytes reach 16 or more is deflated (stored raw if its bytes are
    dense, within the budget); a row whose residuals reach above the planned planes at more
    than SPIKE_COUNT of its points keeps them (no spikes), its planes deflated where the plan
    left them out."""
    z0 = _residuals(4)
    kinds = _plan(z0)
    m, n = z0.shape
    z = _residuals(5)
    z[1, ::5] = 77  # the 2-bit row (dense): bytes of 7 bits at a fifth of the points
    z[0, ::2] = 2**20  # the one-byte row: three bytes at half of the points
    before = z.copy()
    new, spikes = store._replanned(z, np.bitwise_or.reduce(z, axis=1), kinds, 0)
    _check_plan(before, z, new, spikes)
    assert new[1] == store.RAW
    monkeypatch.setattr(store, "BYTE_BUDGET", 1.0)
    z = before.copy()
    tight, spikes = store._replanned(z, np.bitwise_or.reduce(z, axis=1), kinds, 0)
    _check_plan(before, z, tight, spikes)
    assert tight[1] == store.DEFLATED
    assert not np.isin(spikes[0] // n, [0]).any()
    assert new[2 * m] in (store.DEFLATED, store.RAW) and kinds[2 * m] == store.ZERO


def test_a_deflated_row_grown_dense_is_stored_raw_within_the_budget(monkeypatch):
    """A plane row deflated in the plan whose sampled bytes are dense now (DEFLATE_NONZERO) is
    stored raw while the budget allows, deflated when it does not."""
    z0 = _residuals(6)
    z0[0, ::13] = 200 * 256  # plane 1 of row 0: sparse bytes of 200, deflated
    kinds = _plan(z0)
    m = z0.shape[0]
    assert kinds[m] == store.DEFLATED
    z = _residuals(7)
    z[0] += np.uint64(256)  # plane 1 of row 0: every byte non-zero
    new, _ = store._replanned(z.copy(), np.bitwise_or.reduce(z, axis=1), kinds, 0)
    assert new[m] == store.RAW
    monkeypatch.setattr(store, "BYTE_BUDGET", 1.0)
    new, _ = store._replanned(z.copy(), np.bitwise_or.reduce(z, axis=1), kinds, 0)
    assert new[m] == store.DEFLATED


def _chunk_table(n: int, drift: float, seed: int) -> np.ndarray:
    """A chunk's columns in a grid's order: smooth ones, one proportional to another (R: its
    residuals a few units, a packed plane row) unless ``drift`` breaks it, NaN, ±inf and
    -0.0 in one, noise in another."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n) + seed
    smooth = np.sin(3 * t) + 2.0
    odd = np.exp(-t)
    odd[[5, 6, 7, 8]] = np.nan, np.inf, -np.inf, -0.0
    # 0.3 * smooth but for the roundings (residuals of a few units in the last place)
    ratio = (0.3 * np.sin(3 * t) + 0.6) * (1.0 + drift * rng.standard_normal(n))
    return np.array([smooth, np.cos(2 * t), ratio, odd, rng.standard_normal(n),
                     np.full(n, 1.5) + (t > 0.5 + seed) * 1e-3])


def test_chunks_that_break_the_reused_plan_read_back_bit_for_bit(monkeypatch):
    """A chunk that chooses and one that reuses its transforms and plane decisions, where the
    proportional column stops being proportional (its packed plane row overflows, planes left
    out are reached): the second chunk's plan is changed where its residuals break it, and
    both read back bit for bit (NaN, ±inf and -0.0 too)."""
    store._CHOICE_CACHE.clear()
    store._LINEAR_CACHE.clear()
    seen = []
    replanned = store._replanned
    monkeypatch.setattr(store, "_replanned", lambda *a: seen.append(a[2].copy()) or replanned(*a))
    n, width, key = 4096, 64, ("plan-test",)
    blobs = []
    for drift in (0.0, 1e-9):
        table = _chunk_table(n, drift, 0)
        codes, blob = store.encode_table(table, width, key=key, reuse=3)
        back = store.decode_table(blob, codes, n, width)
        np.testing.assert_array_equal(_bits(back), _bits(table))
        blobs.append((codes, blob))
    assert len(seen) == 1 and blobs[1][0] == blobs[0][0]  # the second chunk reused both
    codes = blobs[0][0]
    assert codes[2].startswith("R"), codes
    m = sum(c != "V" for c in codes)
    first, second = (np.frombuffer(b, np.uint8, 8 * m) for _, b in blobs)
    np.testing.assert_array_equal(seen[0], first)
    row = [k for k, c in enumerate(codes) if c != "V"].index(2)
    assert first[row] in store._PACK_BITS and second[row] not in (first[row], store.ZERO)


@pytest.mark.parametrize("block", [1, 3, 64])
def test_residuals_zigzagged_a_block_at_a_time_are_those_row_by_row(monkeypatch, block):
    """:func:`store._coded`'s residuals, head points, ORs and samples with CODED_BLOCK rows at a
    time equal those one row at a time: a grid table and a random chunk in Hilbert order (B and
    K rows, done before the others); without the samples, the rest alike."""
    space = _space(2048, seed=3)
    ids = np.arange(2048)
    order, lift = store._chunk_lifting(space, ids)
    cols = chunk_columns(space.values(ids))
    names = sorted(cols)
    table = np.ascontiguousarray(np.array([cols[k] for k in names])[:, order]).view(np.int64)
    codes = store._choose(table, 0, lift=lift)
    assert "B" in codes and any(c.startswith("K") for c in codes), codes
    grid = np.ascontiguousarray(_chunk_table(2048, 0.0, 1)).view(np.int64)
    cases = [(table, codes, 0, lift), (grid, ["11", "1W", "R0:0.3", "", "V", "1"], 64, None)]
    for bits, cs, width, lf in cases:
        head = store._head(bits.shape[1], width)
        monkeypatch.setattr(store, "CODED_BLOCK", 1)
        want = store._coded(bits.copy(), cs, width, lf, head)
        monkeypatch.setattr(store, "CODED_BLOCK", block)
        got = store._coded(bits.copy(), cs, width, lf, head)
        for w, g in zip(want, got, strict=True):
            np.testing.assert_array_equal(g, w)
        bare = store._coded(bits.copy(), cs, width, lf, head, samples=False)
        for w, g in zip(want[:3], bare[:3], strict=True):
            np.testing.assert_array_equal(g, w)
        assert bare[3] is None and bare[4] is None


def _sequence_here(settings: dict) -> str:
    """SHA-1 of the layouts, data and routes of four 1024-point chunks of a 64 x 64 grid packed
    in turn (the first chooses, the others reuse its choice: CHOICE_REUSE_GRID 3; a column
    with a little noise in the first two chunks, smooth in the last two) under the store's settings
    changed by ``settings``, each checked to decode bit for bit first."""
    space = _grid()
    saved = {name: getattr(store, name) for name in settings}
    try:
        for name, value in settings.items():
            setattr(store, name, value)
        store._CHOICE_CACHE.clear()
        store._LINEAR_CACHE.clear()
        h = hashlib.sha1()
        for start in range(0, 4096, 1024):
            ids = np.arange(start, start + 1024)
            cols = chunk_columns(space.values(ids))
            # a column with a little noise in the first two chunks only (a band of the grid
            # where a fit converges less well)
            wobble = np.random.default_rng(start).standard_normal(ids.size) * (ids < 2048)
            cols["chi2:band"] = cols["par:MINPAR:1"] * 1e-3 * (1.0 + 1e-12 * wobble)
            p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
            _, back, *_ = store.unpack(p, space)
            for k, a in cols.items():
                np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)
            h.update(p.layout + p.data + p.routes)
        return h.hexdigest()
    finally:
        for name, value in saved.items():
            setattr(store, name, value)


def sequence_digest(settings: dict) -> str:
    """:func:`_sequence_here`, in a fresh process with numpy's AVX-512 routines switched off
    where this CPU has them (as test_scan_store_order.pinned_digests: the pins are the bytes
    of numpy's code paths up to AVX2)."""
    return without_avx512("test_scan_store_plan", "_sequence_here", settings)


#: The settings under which a scan's chunks after the first are encoded as format 8 encoded
#: them (commit 07bfc46): every chunk judges its own planes.
FORMAT_8_PLANES = {"PLANE_REUSE": False}


def test_a_sequence_of_chunks_packs_to_the_bytes_of_its_encoder():
    """Four grid chunks, the last three reusing the first's choice: without the plane reuse,
    the bytes format 8 wrote (taken with commit 07bfc46's store); with it, the bytes of the
    plan reuse (the decisions differ: the samples' statistics are not taken)."""
    reuse = {"CHOICE_REUSE_GRID": 3}
    old = sequence_digest({**reuse, **FORMAT_8_PLANES})
    new = sequence_digest(reuse)
    assert old == "70cf3e75762c23291227b02f48c7d5c6857d15ed"
    assert new == "b38eea335849b2a243d8618af0ce319614fa1217"


def test_a_chunk_takes_the_last_layout_where_it_holds_and_finds_its_own_where_not(monkeypatch):
    """pack's reuse of the last chunk's layout (constant columns, aliases, stored columns):
    a constant column with another value in the next chunk is constant there with that value;
    a constant that varies, an alias that differs from its column make the chunk find its own
    layout; a stored column that became constant stays stored. Every chunk read back bit for
    bit (NaN and -0.0 as constants too)."""
    space = _grid()
    store._CHOICE_CACHE.clear()
    store._LINEAR_CACHE.clear()
    store._LAYOUT_CACHE.clear()
    fresh = []
    new_layout = store._new_layout
    monkeypatch.setattr(store, "_new_layout", lambda *a: fresh.append(1) or new_layout(*a))

    def chunk(start, flat, twin, smooth):
        ids = np.arange(start, start + 1024)
        v = space.values(ids)
        x = v[:, 0] / 2000.0
        cols = {"par:MINPAR:1": v[:, 0], "par:MINPAR:4": v[:, 1], "mass:h": flat,
                "wc:C9:re": np.sin(3 * x), "wc:C9:copy": twin(np.sin(3 * x)), "obs:b": smooth(x)}
        p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
        _, back, *_ = store.unpack(p, space)
        for k, a in cols.items():
            np.testing.assert_array_equal(_bits(back[k]), _bits(np.broadcast_to(a, (ids.size,))),
                                          err_msg=k)
        return json.loads(zlib.decompress(p.layout))

    same = lambda a: a.copy()  # noqa: E731
    lay = chunk(0, np.full(1024, 125.0), same, np.exp)
    assert len(fresh) == 1 and "mass:h" in lay["constant"] and "wc:C9:copy" in lay["alias"]
    for start, flat in ((1024, np.full(1024, -0.0)), (2048, np.full(1024, np.nan))):
        lay = chunk(start, flat, same, np.exp)
        assert len(fresh) == 1 and "mass:h" in lay["constant"]  # the last layout, this value
    lay = chunk(3072, np.full(1024, 2.0), same, lambda x: np.full(x.size, 7.0))
    assert len(fresh) == 1 and "obs:b" in lay["stored"]  # constant now: stored all the same
    lay = chunk(0, np.linspace(0.0, 1.0, 1024), same, np.exp)
    assert len(fresh) == 2 and "mass:h" in lay["stored"]  # not constant: a layout of its own
    lay = chunk(1024, np.linspace(0.0, 1.0, 1024), lambda a: a + 1.0, np.exp)
    assert len(fresh) == 3 and "wc:C9:copy" in lay["stored"]  # not a repeat: its own layout
