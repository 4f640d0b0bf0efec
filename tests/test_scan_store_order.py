"""Format 6 of the results file: a random chunk stored along the Hilbert curve through its
points, its columns predicted by interpolation between neighbours (``B``) or as a combination
of other columns plus the interpolation of the remainder (``K``); the transforms chosen for a
chunk reused for the next ones. Every check is bit for bit (lossless), or a property of the
curve and of the interpolation weights that could fail (adjacent cells, barycentric identity).
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from bridge.scan import store
from bridge.scan import store_order as so
from bridge.scan.space import Axis, Space


def _bits(a):
    return np.ascontiguousarray(a, dtype="<f8").view("<i8")


def _space(n=4096, seed=5, log_map="portable"):
    axes = [Axis("MINPAR:1:500:2000:1", "MINPAR:1", 500.0, 2000.0, 1, False, None),
            Axis("MINPAR:4:500:2000:1", "MINPAR:4", 500.0, 2000.0, 1, True, None)]
    return Space(axes, "random", n, seed, log_map=log_map)


def _smooth(v):
    """Columns of a chunk: smooth functions of the two masses (loop-function-like), a
    combination of them with a smooth remainder, a noisy one, NaN, inf and -0.0."""
    m1, m2 = v[:, 0], v[:, 1]
    x = (m1 / m2) ** 2
    f = np.where(np.abs(x - 1) > 1e-6, (1 - x + x * np.log(x)) / (1 - x) ** 2, 0.5)
    g = 1.0 / m2**2
    h = np.log(m1 * m2)
    out = {"wc:a:re": f / m2**2, "wc:b:re": g, "ol:c": h,
           "wc:d:re": 0.3 * f / m2**2 - 0.7 * g + 1e-11 * g * np.sin(m1 / 700.0),
           "noise": np.random.default_rng(1).standard_normal(v.shape[0])}
    out["wc:a:re"][7] = np.nan
    out["wc:b:re"][11] = np.inf
    out["ol:c"][13] = -0.0
    return out


def test_the_hilbert_order_steps_to_an_adjacent_cell():
    """The curve through every cell of a 64 x 64 grid: consecutive points one cell apart
    (the curve's defining property), each cell once."""
    side = 64
    cy, cx = np.divmod(np.random.default_rng(2).permutation(side * side), side)
    u = (np.stack([cx, cy], axis=1) + 0.5) / side
    order = so.chunk_order(u)
    assert sorted(order.tolist()) == list(range(side * side))
    steps = np.abs(np.diff(np.stack([cx, cy], axis=1)[order], axis=0)).sum(axis=1)
    assert np.all(steps == 1)
    assert so.chunk_order(u[:, :1]).tolist() == np.argsort(u[:, 0], kind="stable").tolist()
    assert so.chunk_order(np.zeros((10, 3))) is None


def test_the_interpolation_weights_reproduce_the_point_and_restore_every_bit():
    """Where the triangle is taken, wa + wb + wc = 1 and the weighted neighbours give the point
    itself (barycentric coordinates); a column linear in the parameters is predicted to a few
    units in the last place there; residuals and their inverse give the bits back (NaN,
    inf, -0.0 too), level by level."""
    u = np.random.default_rng(4).random((3000, 2))
    lift = so.Lifting(u[so.chunk_order(u)])
    uo = u[so.chunk_order(u)]
    tri = lift.wc != 0
    assert tri.mean() > 0.8
    np.testing.assert_allclose((lift.wa + lift.wb + lift.wc)[tri], 1.0, rtol=0, atol=1e-12)
    for k in range(2):
        back = lift.wa * uo[lift.a, k] + lift.wb * uo[lift.b, k] + lift.wc * uo[lift.c, k]
        np.testing.assert_allclose(back[tri], uo[tri, k], rtol=0, atol=1e-12)
    # every predictor is coarser than the point (decodable level by level)
    i = np.arange(1, lift.n)
    low = i & -i
    for j in (lift.a[1:], lift.b[1:], lift.c[1:]):
        assert np.all(j % (2 * low) == 0)
    linear = np.array([10.0 + 2.0 * uo[:, 0] - 5.0 * uo[:, 1]])  # in [5, 12]
    r = lift.residuals(_bits(linear))
    assert np.max(np.abs(r[0, 1:][tri[1:]])) < 64
    table = np.random.default_rng(6).standard_normal((3, lift.n))
    table[0, 5], table[1, 9], table[2, 0], table[2, 3] = np.nan, -np.inf, -0.0, np.inf
    bits = _bits(table)
    np.testing.assert_array_equal(lift.restore(lift.residuals(bits)), bits)


def test_a_random_chunk_is_stored_in_hilbert_order_and_read_back_exactly(monkeypatch):
    """pack / unpack of a random chunk of smooth columns: the codec names the order, the
    smooth columns take B or K, every column comes back bit for bit, and the chunk is far
    smaller than in id order (the same chunk packed without the scan's points). No row stored
    verbatim (format 8's V, :func:`test_noisy_rows_are_stored_verbatim_within_the_budget`):
    the interpolation's own residuals are what this test reads."""
    monkeypatch.setattr(store, "BYTE_BUDGET", 0.0)
    space = _space()
    ids = np.arange(4096, 8192)
    v = space.values(ids)
    cols = {"par:MINPAR:1": v[:, 0], "par:MINPAR:4": v[:, 1], **_smooth(v)}
    store._CHOICE_CACHE.clear()
    p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
    lay = json.loads(zlib.decompress(p.layout))
    assert lay["codec"]["order"] == "hilbert" and lay["space"] == ["par:MINPAR:1", "par:MINPAR:4"]
    codes = dict(zip(lay["stored"], lay["codec"]["transforms"], strict=True))
    assert codes["wc:b:re"] == "B" and codes["ol:c"] == "B"
    assert codes["wc:d:re"][:1] in ("K", "B") and codes["noise"] in ("", "1")
    _, back, *_ = store.unpack(p, space)
    for k, a in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)
    plain = store.pack(ids, {k: a for k, a in cols.items()}, [None] * ids.size,
                       ["fast"] * ids.size, (), None)
    assert len(p.data) < 0.8 * len(plain.data)
    # a chunk in Hilbert order cannot be read without the scan's points
    with pytest.raises(sqlite3.DatabaseError):
        store.unpack(p, None)


def test_k_rows_combine_other_rows_and_interpolate_the_remainder_exactly():
    """A column equal to a combination of two others plus a smooth remainder takes K (its L
    residual, the remainder, is large; interpolated, small) and is decoded exactly; a layout
    naming K without the order's neighbours is refused."""
    space = _space(2048, 9)
    ids = np.arange(2048)
    v = space.values(ids)
    u = so.unit_coordinates(space, v)
    order = so.chunk_order(u)
    lift = so.Lifting(u[order])
    c = _smooth(v)
    table = np.array([c["wc:a:re"], c["wc:b:re"], c["ol:c"], c["wc:d:re"]])[:, order]
    store._CHOICE_CACHE.clear()
    codes, blob = store.encode_table(table, 0, lift=lift)
    assert codes[3].startswith("K"), codes
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, ids.size, 0, lift)),
                                  _bits(table))
    with pytest.raises(sqlite3.DatabaseError):
        store.decode_table(blob, codes, ids.size, 0, None)


def test_an_r_row_may_refer_to_a_combination():
    """Format 6 decodes the combinations before the rows proportional to another: an R row
    whose reference is an L row comes back exactly."""
    rng = np.random.default_rng(8)
    n = 3000
    a, b = rng.standard_normal((2, n))
    table = np.array([a, b, 0.3 * a - 1.7 * b, (0.3 * a - 1.7 * b) * 0.0181])
    codes = ["", "", "L0:0.3,1:-1.7", "R2:0.0181"]
    z = store._residuals(_bits(table), codes, 0)
    assert np.max(z[3]) < 2**8  # the ratio row: a few units in the last place
    head = store._head(n, 0)
    heads = z[:, head].copy()
    z[:, head] = 0
    planes = np.ascontiguousarray(z.view(np.uint8).reshape(4, n, 8).transpose(2, 0, 1)).reshape(32, n)
    kinds = np.full(32, store.RAW, dtype=np.uint8)
    blob = b"".join([kinds.tobytes(), heads.astype("<u8").tobytes(), planes.tobytes()])
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))
    with pytest.raises(sqlite3.DatabaseError):  # a combination of an R row: not decodable
        store.decode_table(blob, ["", "", "L3:1.0", "R2:0.0181"], n, 0)


def test_the_chosen_transforms_are_reused_and_chosen_again_when_the_bytes_grow():
    """The next chunk with the same columns takes the last chunk's transforms (no search);
    a chunk whose bytes per point grow by more than CHOICE_GROWTH drops them, and the one
    after chooses again. Every chunk exact."""
    rng = np.random.default_rng(12)
    n = 2048
    t = np.linspace(0, 1, n)
    smooth = np.array([np.sin(3 * t + k) for k in range(4)])
    store._CHOICE_CACHE.clear()
    codes1, _ = store.encode_table(smooth, 0, key=("reuse",))
    assert store._CHOICE_CACHE[("reuse",)][2] == 0
    codes2, blob2 = store.encode_table(smooth[:, ::-1].copy(), 0, key=("reuse",))
    assert codes2 == codes1 and store._CHOICE_CACHE[("reuse",)][2] == 1
    np.testing.assert_array_equal(_bits(store.decode_table(blob2, codes2, n, 0)),
                                  _bits(smooth[:, ::-1]))
    noisy = rng.standard_normal((4, n))
    codes3, blob3 = store.encode_table(noisy, 0, key=("reuse",))
    assert codes3 == codes1 and ("reuse",) not in store._CHOICE_CACHE
    np.testing.assert_array_equal(_bits(store.decode_table(blob3, codes3, n, 0)), _bits(noisy))
    codes4, _ = store.encode_table(noisy, 0, key=("reuse",))
    assert store._CHOICE_CACHE[("reuse",)][2] == 0 and codes4 != codes1  # chosen again


def mark_format(path, fmt: int) -> None:
    """Mark the results file at ``path`` as format ``fmt`` marks it (the marker in its meta
    table): the chunks already in it then stand for that format's, for a reader or a resuming
    writer of today's."""
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps({"format": fmt}), store.MARKER))
    con.close()


def marker_and_layouts(path) -> tuple[dict, list[dict]]:
    """(the file's format marker, each chunk's layout in chunk order) of the results file."""
    con = sqlite3.connect(path)
    fmt = json.loads(con.execute("SELECT value FROM meta WHERE key = ?", (store.MARKER,)).fetchone()[0])
    layouts = [store._read_layout(r[0]) for r in con.execute("SELECT columns FROM chunks ORDER BY chunk")]
    con.close()
    return fmt, layouts


def test_a_format_5_file_is_read_and_a_resumed_random_scan_upgrades_it(tmp_path):
    """A random scan's chunks as format 5 wrote them (id order, no B or K) stay readable; a
    writer resuming the file adds today's chunks (Hilbert order) and marks the file so."""
    space = _space(4000, 3)
    ids = np.arange(4000)
    v = space.values(ids)
    cols = chunk_columns(v)
    path = tmp_path / "r.db"
    with store.Store(path) as st:  # no space: the chunk in id order, as format 5 stored it
        st.set_meta("scan", {"space": space.as_dict()})
        st.write(ids[:2000], {k: a[:2000] for k, a in cols.items()}, [None] * 2000, ["fast"] * 2000)
    mark_format(path, 5)
    store._CHOICE_CACHE.clear()
    with store.Store(path, space) as st:
        st.write(ids[2000:], {k: a[2000:] for k, a in cols.items()}, [None] * 2000, ["fast"] * 2000)
    fmt, layouts = marker_and_layouts(path)
    assert fmt == {"format": store.FORMAT}
    assert "order" not in layouts[0]["codec"] and layouts[1]["codec"]["order"] == "hilbert"
    back = store.read(path, list(cols))
    for k, a in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)


def test_the_cell_table_gives_each_cell_the_index_of_the_hilbert_loop():
    """The table of every cell's Hilbert index (built once) equals the loop on each cell, and
    the order of a chunk from it equals a stable sort of the indices the loop gives its
    points (ties in cells kept in id order): every 2**16 cell, and points sharing cells."""
    side = 1 << so.HILBERT_BITS
    x, y = np.divmod(np.arange(side * side), side)
    np.testing.assert_array_equal(so._cell_indices()[(x << so.HILBERT_BITS) | y],
                                  so._hilbert_index(x, y, so.HILBERT_BITS))
    u = np.random.default_rng(9).random((5000, 2))
    u[100:200] = u[:100]  # shared cells
    u[300, 0], u[301, 1] = 1.0, 0.0  # the box's edges
    q = np.clip(np.floor(u * side), 0, side - 1).astype(np.int64)
    expected = np.argsort(so._hilbert_index(q[:, 0], q[:, 1], so.HILBERT_BITS), kind="stable")
    np.testing.assert_array_equal(so.chunk_order(u), expected)


def test_finite_zeroes_what_is_not_finite_and_leaves_the_rest_alone():
    """NaN and ±inf set to 0.0 in place; finite entries (-0.0, the largest floats, whose sum
    overflows to inf) keep their bits."""
    big = np.finfo(float).max
    p = np.array([[1.5, -0.0, np.nan, big], [big, -np.inf, 2.0, np.inf]])
    out = so.finite(p)
    assert out is p
    np.testing.assert_array_equal(_bits(p), _bits([[1.5, -0.0, 0.0, big], [big, 0.0, 2.0, 0.0]]))
    q = np.array([big, big, -0.0, 3.0])  # all finite, the sum is inf
    np.testing.assert_array_equal(_bits(so.finite(q.copy())), _bits(q))


def test_the_prediction_is_the_weighted_sum_in_its_fixed_order():
    """Lifting.predict gives, bit for bit, (x_a * wa + x_b * wb) + x_c * wc with non-finite
    results as 0.0 (the arithmetic every reader repeats), on every position and on a level."""
    u = np.random.default_rng(10).random((777, 2))
    lift = so.Lifting(u[so.chunk_order(u)])
    table = np.random.default_rng(11).standard_normal((4, lift.n)) * 1e3
    table[0, 3], table[1, 8], table[2, 16], table[3, 0] = np.nan, np.inf, -np.inf, -0.0
    for pos in (slice(1, None), lift.levels[3]):
        a, b, c = lift.a[pos], lift.b[pos], lift.c[pos]
        with np.errstate(all="ignore"):
            ref = table[:, a] * lift.wa[pos] + table[:, b] * lift.wb[pos]
            ref = ref + table[:, c] * lift.wc[pos]
        ref[~np.isfinite(ref)] = 0.0
        np.testing.assert_array_equal(lift.predict(table, pos), _bits(ref))


def chunk_columns(v):
    """A chunk's columns at the points ``v`` (N, 2): the two parameters and :func:`_smooth`'s."""
    with np.errstate(all="ignore"):
        return {"par:MINPAR:1": v[:, 0], "par:MINPAR:4": v[:, 1], **_smooth(v)}


def pinned_digests(settings: dict | None = None) -> tuple[str, str]:
    """SHA-1 of layout, data and routes of a fixed random chunk (Hilbert order, B, K, L and R
    rows) and a fixed 64 x 64 grid chunk packed under the store's present settings, changed by
    ``settings`` (name: value of bridge.scan.store), each checked to decode bit for bit first
    (the pins of every format's test).

    The pins are the bytes of numpy's code paths up to AVX2, those of the machines the formats
    were written on. On a CPU with AVX-512 numpy takes other routines for exp, log and sin (the
    random sample's logarithmic axis, :func:`_smooth`) and for some of the encoder's float
    work, whose last bits differ, and so do the bytes (they decode exactly all the same): there
    the digests are taken in a fresh process with those routines switched off
    (NPY_DISABLE_CPU_FEATURES)."""
    return tuple(without_avx512("test_scan_store_order", "_pinned_digests_here", dict(settings or {})))


def without_avx512(module: str, function: str, settings: dict):
    """``module.function(settings)`` (a test module of this folder; JSON in and out) in a fresh
    process with numpy's AVX-512 targets switched off where this CPU has them, else here."""
    disabled = _avx512_dispatch()
    if not disabled:
        return getattr(importlib.import_module(module), function)(settings)
    code = (f"import json, sys; sys.path.insert(0, sys.argv[1]); import {module} as t; "
            f"print(json.dumps(t.{function}(json.loads(sys.argv[2]))))")
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(disabled)}
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent),
                          json.dumps(settings)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def _avx512_dispatch() -> list[str]:
    """numpy's dispatched CPU targets of the AVX-512 level that this process uses (none on a
    CPU without AVX-512, or where they are switched off already)."""
    from bridge.couplings import numpy_cpu

    features, dispatch = numpy_cpu()
    return [name for name in dispatch if (name.startswith("AVX512") or name == "X86_V4")
            and features.get(name)]


def _pinned_digests_here(settings: dict) -> tuple[str, str]:
    """:func:`pinned_digests` in this process."""
    import hashlib

    def digest(space, ids):
        cols = chunk_columns(space.values(ids))
        store._CHOICE_CACHE.clear()
        store._LINEAR_CACHE.clear()
        p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
        _, back, *_ = store.unpack(p, space)
        for k, a in cols.items():
            np.testing.assert_array_equal(_bits(back[k]), _bits(a), err_msg=k)
        return hashlib.sha1(p.layout + p.data + p.routes).hexdigest()

    saved = {name: getattr(store, name) for name in settings}
    try:
        for name, value in settings.items():
            setattr(store, name, value)
        axes = [Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
                Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)]
        # the points the pins were taken at: numpy's map of the log axis, as before the
        # portable one (bridge.scan.space.portable_exp); the pins are the encoder's bytes
        return (digest(_space(log_map="numpy"), np.arange(4096, 8192)),
                digest(Space(axes, "grid"), np.arange(4096)))
    finally:
        for name, value in saved.items():
            setattr(store, name, value)


#: The settings under which the encoder writes format 7's bytes: no row verbatim, no packed
#: plane rows, dense plane rows of small bytes deflated.
FORMAT_7 = {"BYTE_BUDGET": 0.0, "PACK_NONZERO": 2.0}


@pytest.mark.parametrize("spikes", [False, True])
def test_the_encoding_of_a_chunk_is_the_one_its_format_wrote_first(spikes):
    """A fixed random chunk (Hilbert order, B, K, L and R rows) and a fixed grid chunk pack to
    the bytes bridge wrote when their format was introduced (SHA-1 of layout, data and routes):
    without spikes (SPIKE_PLANES above 8) the bytes of format 6 (commit 310e001), with them
    those of format 7 (the grid's row starts and a few B residuals of the random chunk taken
    out as spikes, chosen transforms unchanged). The speed-ups since change no stored bit, so
    every reader decodes them alike and files written before read as they did."""
    settings = dict(FORMAT_7)  # format 8's choices off
    if not spikes:
        settings["SPIKE_PLANES"] = 9
    random_digest, grid_digest = pinned_digests(settings)
    assert random_digest == ("897eec8fc856264c3e7dfa219c6d1b85403bda30" if spikes
                             else "d002282af0468fbb2ec56402dd43a8f17d24af64")
    assert grid_digest == ("6313b7bdbe6d348369e41d0a8bc6797a06c350a5" if spikes
                           else "1202d1adc4021255a41f345355697a3ce8981aac")


def test_a_grid_chooses_its_transforms_again_after_a_few_chunks_a_random_sample_keeps_them(
        monkeypatch):
    """pack's reuse of the chosen transforms: a grid's chunks (bands of other masses) take the
    last choice for CHOICE_REUSE_GRID chunks and then choose again (2 here, so that four
    1024-point chunks of the 64 x 64 grid reach the next choice; 7 in a scan); a random
    sample's chunks (alike) keep it for CHOICE_REUSE. Every chunk exact."""
    assert store.CHOICE_REUSE_GRID < store.CHOICE_REUSE
    monkeypatch.setattr(store, "CHOICE_REUSE_GRID", 2)
    axes = [Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
            Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)]
    for space, reuse in ((Space(axes, "grid"), store.CHOICE_REUSE_GRID), (_space(), store.CHOICE_REUSE)):
        store._CHOICE_CACHE.clear()
        store._LINEAR_CACHE.clear()
        counts = []
        for k in range(4):
            ids = np.arange(1024 * k, 1024 * (k + 1))
            v = space.values(ids)
            cols = chunk_columns(v)
            p = store.pack(ids, cols, [None] * ids.size, ["fast"] * ids.size, (), space)
            (entry,) = store._CHOICE_CACHE.values()
            counts.append(entry[2])
            _, back, *_ = store.unpack(p, space)
            for name, a in cols.items():
                np.testing.assert_array_equal(_bits(back[name]), _bits(a), err_msg=name)
        # chunks since the choice: the grid chooses again after reuse chunks, the sample not
        assert counts == [k % (reuse + 1) for k in range(4)], (space.sampler, counts)
