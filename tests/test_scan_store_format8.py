"""Format 8 of the results file: rows stored verbatim (``V``) within the byte budget, plane rows
of small bytes bit-packed, dense ones stored raw within the budget, and random chunks that give
up the Hilbert order when their transforms do without it. Every check is bit for bit, or a
property that could fail (which rows go verbatim, which plane kinds are written, the budget
held, the order dropped and taken up again).
"""

from __future__ import annotations

import json
import sqlite3
import zlib

import numpy as np
import pytest
from test_scan_store_order import (
    FORMAT_7,
    _bits,
    _space,
    chunk_columns,
    mark_format,
    marker_and_layouts,
    pinned_digests,
)

from bridge.scan import store
from bridge.scan.space import Space


def _table(n=4096, seed=3):
    """Two smooth rows, a row proportional to the first, three noisy rows (one with NaN, ±inf
    and -0.0, one of random bit patterns), as a chunk's columns in a grid row's order."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    noisy = rng.standard_normal(n)
    noisy[[5, 6, 7, 8]] = np.nan, np.inf, -np.inf, -0.0
    return np.array([np.sin(3 * t) + 2.0, np.exp(-t), 3.7 * (np.sin(3 * t) + 2.0),
                     rng.standard_normal(n) * 1e3, noisy,
                     rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64).view("<f8")])


def test_noisy_rows_are_stored_verbatim_and_smooth_ones_coded():
    """The rows whose best transform leaves VERBATIM_BITS or more a value (noise, random bit
    patterns, NaN/inf/-0.0 among noise) take ``V`` and their float64 bytes stand in the blob as
    they are; the smooth rows and the ratio row keep their transforms; the table comes back
    bit for bit, NaN payload and -0.0 included."""
    table = _table()
    table[4, 9] = np.array([0x7FF8_0000_DEAD_BEEF], dtype="<i8").view("<f8")[0]
    codes, blob = store.encode_table(table, 0)
    assert codes[3:] == ["V", "V", "V"], codes
    assert "V" not in codes[:3] and codes[2].startswith("R0:"), codes
    for k in (3, 4, 5):
        assert table[k].astype("<f8").tobytes() in blob
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, table.shape[1], 0)),
                                  _bits(table))


def test_the_budget_bounds_the_verbatim_rows(monkeypatch):
    """Rows go verbatim only while the chunk's estimated bytes a point stay within BYTE_BUDGET,
    the costliest first: three rows of smooth values with noise of 1e-5, 1e-3 and 1e-1 of
    their size (residuals of ~36, ~43 and ~50 bits) under budgets with room for none, for the
    noisiest, for all three; BYTE_BUDGET 0 none at all (format 7's encoding). Every table
    exact."""
    rng = np.random.default_rng(8)
    n = 4096
    t = np.linspace(0.0, 1.0, n)
    table = np.array([np.sin(3 * t) + 2.0, *((np.cos(2 * t + k) + 2.0) * (1 + eps * rng.standard_normal(n))
                                             for k, eps in enumerate((1e-5, 1e-3, 1e-1)))])
    bits = np.ascontiguousarray(table).view(np.int64)
    monkeypatch.setattr(store, "BYTE_BUDGET", 0.0)
    codes, cost = store._choose(bits, 0, with_cost=True)
    assert "V" not in codes and cost[0] < store.VERBATIM_BITS
    assert store.VERBATIM_BITS <= cost[1] < cost[2] < cost[3] < 56.0, cost
    base = store._estimate(cost)
    extra = 8.0 - (cost + store.PLANE_PAD) / 8.0  # bytes a point each row adds verbatim
    for budget, expect in ((base + extra[3] - 0.01, []), (base + extra[3] + 0.01, [3]),
                           (base + extra[1:].sum() + 0.01, [1, 2, 3]), (0.0, [])):
        monkeypatch.setattr(store, "BYTE_BUDGET", budget)
        codes, blob = store.encode_table(table, 0)
        assert [k for k, c in enumerate(codes) if c == "V"] == expect, (budget, codes)
        np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))


def test_the_estimate_of_a_chunk_counts_eight_bytes_a_verbatim_row():
    """_estimate: coded rows at (mean bit length + PLANE_PAD) / 8 bytes a point, a ``V`` row
    (cost 64) at 8."""
    cost = np.array([3.0, 20.0, 64.0, 64.0])
    assert store._estimate(cost) == pytest.approx((3.0 + 20.0 + 2 * store.PLANE_PAD) / 8.0 + 16.0)


@pytest.mark.parametrize("bits", [1, 2, 4])
@pytest.mark.parametrize("n", [1, 7, 8, 4097])
def test_bit_packing_puts_values_little_end_first_and_unpacks_them(bits, n):
    """_bitpack against the packing written out value by value (value j of a byte's group in
    bits ``bits * j`` up, the last group padded with zeros); _bitunpack inverts it."""
    rng = np.random.default_rng(bits * 100 + n)
    part = rng.integers(0, 1 << bits, (3, n), dtype=np.uint8)
    packed = store._bitpack(part, bits)
    per = 8 // bits
    expect = np.zeros((3, -(-n // per)), dtype=np.uint8)
    for r in range(3):
        for i in range(n):
            expect[r, i // per] |= int(part[r, i]) << (bits * (i % per))
    np.testing.assert_array_equal(packed, expect)
    np.testing.assert_array_equal(store._bitunpack(packed, bits, n), part)


def test_dense_rows_of_small_bytes_are_packed_and_dense_skewed_ones_raw(monkeypatch):
    """Rows whose "1" residuals are 0 or -1 (zigzag 0-1), within ±1 (0-2) and within ±3 (0-6)
    pack 1, 2 and 4 bits a byte; a dense low plane of larger small bytes (zigzag up to 60,
    mean below DEFLATE_MEAN) is stored raw within the budget and deflated without room for
    it; the blob holds exactly the kinds, head residuals, packed rows and the raw row; every
    table exact."""
    rng = np.random.default_rng(4)
    n = 4096
    one = np.int64(0x3FF0_0000_0000_0000)

    def walk(lo, hi):
        return (one + np.cumsum(rng.integers(lo, hi + 1, n))).view("<f8")

    table = np.array([walk(-1, 0), walk(-1, 1), walk(-3, 3), walk(-30, 30)])
    codes, blob = store.encode_table(table, 0)
    assert codes == ["1", "1", "1", "1"], codes
    kinds = np.frombuffer(blob, np.uint8, 32).reshape(8, 4)
    np.testing.assert_array_equal(kinds[0], [store.PACK1, store.PACK2, store.PACK4, store.RAW])
    assert (kinds[1:3, :3] == store.ZERO).all() and (kinds[2:] == store.ZERO).all()
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))
    packed = -(-n // 8) + -(-n // 4) + -(-n // 2)
    assert len(blob) == 32 + 8 * 4 * store._head(n, 0).size + packed + n
    monkeypatch.setattr(store, "BYTE_BUDGET", 1.5)  # room for the packed rows only
    codes2, blob2 = store.encode_table(table, 0)
    kinds2 = np.frombuffer(blob2, np.uint8, 32).reshape(8, 4)
    assert codes2 == codes and kinds2[0, 3] == store.DEFLATED
    np.testing.assert_array_equal(_bits(store.decode_table(blob2, codes2, n, 0)), _bits(table))


def test_a_random_scan_drops_the_hilbert_order_when_its_transforms_need_none(monkeypatch):
    """A random chunk whose interpolated rows, costed again in id order, fit the budget is
    stored with transforms that need no order (no B, no K), and the next chunks with those
    columns skip the order (no ``order`` in their codec, no Hilbert sort or weights computed);
    with a budget too small for that, the chunks keep the order. Every column of every chunk
    comes back bit for bit."""
    space = _space(12288, 3)
    calls = []
    lifting = store._chunk_lifting
    monkeypatch.setattr(store, "_chunk_lifting", lambda *a, **k: calls.append(1) or lifting(*a, **k))
    writer = []  # the writer's calls (the reader's of an ordered chunk not counted)

    def run(budget):
        monkeypatch.setattr(store, "BYTE_BUDGET", budget)
        store._CHOICE_CACHE.clear()
        store._LINEAR_CACHE.clear()
        writer.clear()
        orders, codes = [], []
        for k in range(3):
            ids = np.arange(4096 * k, 4096 * (k + 1))
            v = space.values(ids)
            cols = chunk_columns(v)
            before = len(calls)
            p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
            writer.append(len(calls) - before)
            lay = json.loads(zlib.decompress(p.layout))
            orders.append(lay["codec"].get("order"))
            codes.append(lay["codec"]["transforms"])
            _, back, *_ = store.unpack(p, space)
            for name, a in cols.items():
                np.testing.assert_array_equal(_bits(back[name]), _bits(a), err_msg=name)
        return orders, codes, sum(writer)

    orders, codes, lifted = run(260.0)
    assert orders == ["hilbert", None, None] and lifted == 1
    assert all(c[:1] not in ("B", "K") for c in codes[0]) and codes[1] == codes[0] == codes[2]
    orders, codes, lifted = run(12.0)  # room for the ordered rows only
    assert orders == ["hilbert"] * 3 and lifted == 3
    assert any(c[:1] in ("B", "K") for c in codes[0])


def test_a_format_7_file_is_read_and_a_resumed_scan_writes_format_8(tmp_path, monkeypatch):
    """A random scan's chunk as format 7 wrote it (BYTE_BUDGET 0, no packing: no V row, no
    packed plane row) stays readable; a writer resuming the file adds format 8 chunks (V rows)
    and marks the file so; every column of both chunks comes back bit for bit."""
    space = _space(4096, 7)
    ids = np.arange(4096)
    v = space.values(ids)
    cols = chunk_columns(v)
    path = tmp_path / "r.db"
    for name, value in FORMAT_7.items():
        monkeypatch.setattr(store, name, value)
    store._CHOICE_CACHE.clear()
    store._LINEAR_CACHE.clear()
    with store.Store(path, space) as st:
        st.set_meta("scan", {"space": space.as_dict()})
        st.write(ids[:2048], {k: a[:2048] for k, a in cols.items()}, [None] * 2048, ["fast"] * 2048)
    mark_format(path, 7)
    monkeypatch.undo()
    store._CHOICE_CACHE.clear()
    store._LINEAR_CACHE.clear()
    with store.Store(path, space) as st:
        st.write(ids[2048:], {k: a[2048:] for k, a in cols.items()}, [None] * 2048, ["fast"] * 2048)
    fmt, layouts = marker_and_layouts(path)
    assert fmt == {"format": 8} and store.FORMAT == 8 and 8 in store.READABLE
    first, second = (lay["codec"]["transforms"] for lay in layouts)
    assert "V" not in first and "V" in second
    back = store.read(path, list(cols))
    for k, a in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)


def test_a_format_8_blob_cut_short_or_naming_an_unknown_kind_is_refused():
    """A blob shorter than its verbatim and packed rows say, or with a plane kind above PACK4,
    raises DatabaseError (read as a damaged file), never a wrong table."""
    table = _table()
    codes, blob = store.encode_table(table, 0)
    n = table.shape[1]
    assert "V" in codes
    with pytest.raises(sqlite3.DatabaseError):
        store.decode_table(blob[: len(blob) - 8 * n], codes, n, 0)
    m = sum(c != "V" for c in codes)
    bad = bytearray(blob)
    bad[0] = store.PACK4 + 1
    assert len(bad) > 8 * m
    with pytest.raises(sqlite3.DatabaseError):
        store.decode_table(bytes(bad), codes, n, 0)


def test_a_grid_scan_of_format_8_reads_back_through_the_store(tmp_path):
    """Store.write / read of a grid scan's chunks, verbatim rows (the noise column) among coded
    ones: every column back bit for bit."""
    from bridge.scan.space import Axis

    space = Space([Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
                   Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)])
    ids = np.arange(4096)
    v = space.values(ids)
    cols = chunk_columns(v)
    path = tmp_path / "g.db"
    store._CHOICE_CACHE.clear()
    with store.Store(path, space) as st:
        st.set_meta("scan", {"space": space.as_dict()})
        for part in (slice(0, 2048), slice(2048, 4096)):
            st.write(ids[part], {k: a[part] for k, a in cols.items()}, [None] * 2048, ["fast"] * 2048)
    assert all("V" in lay["codec"]["transforms"] for lay in marker_and_layouts(path)[1])  # the noise column
    back = store.read(path, list(cols))
    for k, a in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)


def test_the_encoding_of_a_chunk_is_the_one_format_8_wrote_first():
    """The fixed random and grid chunks of the format 6/7 pins
    (test_scan_store_order.test_the_encoding_of_a_chunk_is_the_one_its_format_wrote_first)
    pack under format 8's settings to the bytes it wrote when it was introduced (SHA-1 of
    layout, data and routes): a change of the encoder that moves a stored bit shows here."""
    assert pinned_digests() == ("1898aaeeae33b624ee0265be09afe8b1092a505e",
                                "27654e5d8c1ecaccf1a16fb6d1f1e19674066f93")


@pytest.mark.parametrize("n", [1, 3, 64, 4096])
def test_a_table_of_noise_only_is_its_float64_bytes(n):
    """Rows of random bit patterns (NaN payloads, ±inf, subnormals among them) all go verbatim:
    the blob is the rows' little-endian float64 bytes and nothing else (no plane kinds, head
    residuals or stream), and decodes to the same bits."""
    rng = np.random.default_rng(n)
    table = rng.integers(-2**63, 2**63 - 1, (3, n), dtype=np.int64).view("<f8")
    codes, blob = store.encode_table(table, 0)
    if n >= 64:  # shorter chunks are too short to judge a transform (all rows raw bits)
        assert codes == ["V"] * 3 and blob == table.astype("<f8").tobytes()
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))
