"""The results file of a scan: what it refuses, what it leaves behind, how it is keyed and read.

Issue 13 items 4, 10, 12 (a foreign SQLite database as -o, a damaged or empty file, a refused
scan leaving files), issue 14 item 3 (resume keyed by the card's content, not its path) and
item 5 (the scan results into pandas), and the store's own guarantees (each point once, the
columns it does not repeat, the observables it evaluates again from the coefficients).
No flavio: seed likelihoods and the shipped SM inputs.
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
from test_scan_store_order import mark_format, marker_and_layouts

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")
VARY = ["--vary", "MINPAR:1:50:800:4", "--vary", "MINPAR:2:300:2000:3"]
COMMON = ["--likelihood", "seed2021", "--no-observables", "--workers", "1", "-q"]



def scan(*args) -> int:
    from bridge.cli import main

    return main(["scan", *args])


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


# ---------------------------------------------------------------------------
# issue 13 item 4: a foreign SQLite database
# ---------------------------------------------------------------------------
def test_foreign_sqlite_database_is_refused_and_left_unchanged(tmp_path, capsys):
    db = tmp_path / "mine.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE people (name TEXT)")
    con.execute("INSERT INTO people VALUES ('Ada')")
    con.commit()
    con.close()
    before = db.read_bytes()
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 2
    err = one_error_line(capsys)
    assert str(db) in err and "not a bridge results file" in err and "people" in err
    assert db.read_bytes() == before and leftovers(db) == ["mine.db"]
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert tables == {"people"}


def test_other_files_are_refused(tmp_path, capsys):
    text = tmp_path / "notes.db"
    text.write_text("not a database at all\n" * 100)
    assert scan(CARD, *VARY, *COMMON, "-o", str(text)) == 2
    assert "not an SQLite database" in one_error_line(capsys)
    assert scan(CARD, *VARY, *COMMON, "-o", str(tmp_path)) == 2  # a directory
    assert "not a regular file" in one_error_line(capsys)


# ---------------------------------------------------------------------------
# issue 13 item 10: a damaged or empty results file
# ---------------------------------------------------------------------------
def test_zero_length_results_file_is_refused_not_rescanned(tmp_path, capsys):
    db = tmp_path / "empty.db"
    db.touch()
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 2
    err = one_error_line(capsys)
    assert "empty file (0 bytes)" in err and str(db) in err
    assert db.stat().st_size == 0 and leftovers(db) == ["empty.db"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_write_killed_in_rollback_mode_is_rolled_back(tmp_path, capsys):
    """A process killed while it wrote the file in rollback-journal mode (a scan killed while
    its Store closed and the file left WAL mode) leaves a hot -journal. Reading, exporting and
    resuming roll it back (a writable open) and see the last committed chunks; before, the
    read-only check raised "attempt to write a readonly database" and refused the file as
    damaged, resume included (review rev22)."""
    from bridge.scan import store

    db = tmp_path / "r.db"
    assert scan(CARD, *VARY, *COMMON, "--chunk-size", "3", "-o", str(db)) == 0
    before = store.read(db)
    pid = os.fork()
    if pid == 0:  # a writer killed mid-transaction, its changed pages spilled into the file
        try:
            con = sqlite3.connect(db, isolation_level=None)
            con.execute("PRAGMA cache_size = 1")
            con.execute("BEGIN")
            con.execute("UPDATE chunks SET data = zeroblob(200000)")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert (tmp_path / "r.db-journal").stat().st_size > 0
    after = store.read(db)
    assert set(after) == set(before)
    for name, values in before.items():
        np.testing.assert_array_equal(after[name], values, err_msg=name)
    capsys.readouterr()
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 0  # the same command: nothing left to do
    assert leftovers(db) == ["r.db"]


@pytest.mark.parametrize("sample", ["grid", "random"])
def test_a_read_of_some_columns_equals_those_of_the_whole_read(tmp_path, sample):
    """store.read of a few columns decodes only their rows and the rows they are predicted from
    (decode_table's ``rows``): the same bits as the whole read, for every column alone and for
    random sets of them, grid chunks and random ones stored in Hilbert order, derived obs:
    columns (which read every row) included."""
    from bridge.scan import store

    db = tmp_path / "r.db"
    if sample == "grid":
        args = ["--vary", "MINPAR:1:50:800:60", "--vary", "MINPAR:2:300:2000:50"]
    else:
        args = [*VARY, "--sample", "random:4000"]
    assert scan(CARD, *args, "--likelihood", "seed2021", "--workers", "1", "-q", "--chunk-size", "2000",
                "-o", str(db)) == 0
    layouts = [store._read_layout(v)["codec"] for (v,) in
               sqlite3.connect(db).execute("SELECT columns FROM chunks")]
    codes = {c for lay in layouts for c in lay["transforms"]}
    if sample == "random":
        assert any(lay.get("order") == "hilbert" for lay in layouts)
    assert {"V"} < codes and any(c.startswith(("R", "L")) for c in codes), codes
    whole = store.read(db)
    names = [c for c in whole if c not in store.FIXED]
    rng = np.random.default_rng(7)
    subsets = [[c] for c in names] + [list(rng.choice(names, size=k, replace=False))
                                       for k in (2, 3, 5, 8) for _ in range(3)]
    for subset in subsets:
        some = store.read(db, subset)
        for c in subset:
            np.testing.assert_array_equal(some[c].view(np.int64), whole[c].view(np.int64),
                                          err_msg=f"{c} of {subset}")


def test_a_file_another_process_holds_locked_is_said_to_be_in_use(tmp_path, monkeypatch):
    """A results file in rollback mode whose writer holds its lock (a -journal beside it, not
    hot): one line saying it is in use, not that an interrupted write left the journal (review
    rev23), after store.ROLL_BACK_WAIT seconds."""
    from bridge.scan import store

    db = tmp_path / "r.db"
    assert scan(CARD, *VARY, *COMMON, "--chunk-size", "3", "-o", str(db)) == 0
    monkeypatch.setattr(store, "ROLL_BACK_WAIT", 0.2)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA cache_size = 1")
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE chunks SET data = zeroblob(200000)")
    try:
        assert (tmp_path / "r.db-journal").stat().st_size > 0
        with pytest.raises(InputError, match="in use by another process"):
            store.read(db)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert store.read(db)["id"].size == 12


def test_corrupt_page_gives_one_line_on_resume_export_and_plot(tmp_path, capsys):
    db = tmp_path / "r.db"
    assert scan(CARD, *VARY, *COMMON, "--chunk-size", "3", "-o", str(db)) == 0
    root = sqlite3.connect(db).execute("SELECT rootpage FROM sqlite_master WHERE name = 'chunks'")
    (page,) = root.fetchone()
    size = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    with open(db, "r+b") as fh:  # the b-tree page of the chunks table
        fh.seek((page - 1) * size)
        fh.write(b"\xa5" * size)
    capsys.readouterr()
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 2
    assert "damaged" in one_error_line(capsys)
    assert scan("--export", str(tmp_path / "x.csv"), "-o", str(db), "-q") == 2
    assert "damaged" in one_error_line(capsys)
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------------------
# issue 13 item 12: a refused scan leaves nothing behind
# ---------------------------------------------------------------------------
def test_refused_scan_leaves_no_file(tmp_path, capsys):
    db = tmp_path / "new.db"
    for card, bad in ((CARD, ["--likelihood", "nonsense"]), (CARD, ["--vary", "MINPAR:9:1:2:3"]),
                      (CARD, ["--sample", "sobol:3"]), (str(tmp_path / "none.slha"), [])):
        code = scan(card, *VARY, *bad, "--no-observables", "--workers", "1", "-q", "-o", str(db))
        assert code == 2
        one_error_line(capsys)
        assert leftovers(db) == []


def test_scan_of_another_definition_is_refused_without_side_files(tmp_path, capsys):
    db = tmp_path / "r.db"
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 0
    assert leftovers(db) == ["r.db"]  # closed: no -wal / -shm
    before = db.read_bytes()
    other = ["--vary", "MINPAR:1:50:900:4", "--vary", "MINPAR:2:300:2000:3"]
    assert scan(CARD, *other, *COMMON, "-o", str(db)) == 2
    assert "holds a different scan (differs in: space, vary)" in one_error_line(capsys)
    assert leftovers(db) == ["r.db"] and db.read_bytes() == before


def test_results_file_is_created_atomically(tmp_path, monkeypatch, capsys):
    """A scan that fails before storing any point removes the file it created."""
    from bridge.scan import runner

    def boom(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(runner, "run_chunk", boom)
    db = tmp_path / "r.db"
    with pytest.raises(RuntimeError):
        runner.run(runner.ScanOptions(CARD, ["MINPAR:1:50:800:4"], str(db), likelihoods=["seed2021"],
                                      observables=False, workers=1, progress=False))
    assert leftovers(db) == []


# ---------------------------------------------------------------------------
# issue 14 item 3: resume keyed by content
# ---------------------------------------------------------------------------
def test_resume_from_another_folder_and_with_an_absolute_path(tmp_path, monkeypatch, capsys):
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, run

    work = tmp_path / "work"
    (work / "cards").mkdir(parents=True)
    (work / "cards" / "F_Ib.slha").write_text(Path(CARD).read_text())
    (work / "sub").mkdir()

    def go(card, results, max_points=None):
        return run(ScanOptions(card, ["MINPAR:1:50:800:4", "MINPAR:2:300:2000:3"], results,
                               likelihoods=["seed2021"], observables=False, workers=1,
                               progress=False, max_points=max_points))

    monkeypatch.chdir(work)
    assert go("cards/F_Ib.slha", "r.db", 5).computed == 5
    monkeypatch.chdir(work / "sub")  # the same scan from another folder
    assert go("../cards/F_Ib.slha", "../r.db", 3).computed == 3
    assert go(str(work / "cards" / "F_Ib.slha"), str(work / "r.db")).computed == 4  # absolute
    assert store.count(work / "r.db") == (12, 0)
    # the content, not the name, is the key: an edited card is another scan
    card = work / "cards" / "F_Ib.slha"
    card.write_text(card.read_text().replace("6.00000000E+02", "6.5E+02"))
    assert scan(str(card), *VARY, *COMMON, "-o", str(work / "r.db")) == 2
    assert "differs in: card_sha256" in one_error_line(capsys)


# ---------------------------------------------------------------------------
# issue 14 item 5: the scan results into pandas
# ---------------------------------------------------------------------------
def test_read_results_gives_a_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    from bridge.scan import read_results, store

    db = tmp_path / "r.db"
    assert scan(CARD, *VARY, *COMMON, "-o", str(db)) == 0
    df = read_results(db)
    assert isinstance(df, pd.DataFrame) and df.index.name == "id"
    assert list(df.index) == list(range(12))
    raw = store.read(db)
    for c in ("par:MINPAR:1", "mass:F0_1", "wc:C9_bsmumu:re", "chi2:seed2021"):
        np.testing.assert_array_equal(df[c].to_numpy(), raw[c])
    sub = read_results(db, ["chi2:seed2021"])
    assert list(sub.columns) == ["chi2:seed2021"]


def test_read_results_without_pandas_says_so(tmp_path, monkeypatch):
    from bridge.scan import read_results

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas: pip install pandas"):
        read_results(tmp_path / "r.db")


# ---------------------------------------------------------------------------
# the store itself
# ---------------------------------------------------------------------------
def test_constant_and_repeated_columns_are_stored_once(tmp_path):
    from bridge.scan import store

    path = tmp_path / "r.db"
    x = np.linspace(0.0, 1.0, 50)
    cols = {"par:x": x, "in:X": x.copy(), "wc:a:re": np.sin(x), "wc:a:im": np.zeros(50),
            "obs:c": np.full(50, 3.5), "obs:nan": np.full(50, np.nan), "obs:negzero": np.full(50, -0.0)}
    with store.Store(path) as st:
        st.write(np.arange(50), cols, [None] * 50, ["fast"] * 50)
    con = sqlite3.connect(path)

    (layout,) = con.execute("SELECT columns FROM chunks").fetchone()
    lay = store._read_layout(layout)
    assert lay["stored"] == ["par:x", "wc:a:re"] and lay["alias"] == {"in:X": "par:x"}
    assert set(lay["constant"]) == {"wc:a:im", "obs:c", "obs:nan", "obs:negzero"}
    back = store.read(path)
    for name, v in cols.items():
        np.testing.assert_array_equal(back[name], v)  # NaN and -0.0 included
    assert math.copysign(1.0, back["obs:negzero"][0]) == -1.0


def _bits(a):
    return np.ascontiguousarray(a, dtype="<f8").view("<i8")


@pytest.mark.parametrize("width", [0, 1, 3, 64, 4095, 4096, 9000])
def test_encoded_columns_come_back_bit_for_bit(width):
    """The codec (bits minus a neighbour prediction, wrapping int64) loses nothing, whatever
    the column holds: NaN payloads, ±inf, ±0, subnormals, random bit patterns, jumps."""
    from bridge.scan import store

    rng = np.random.default_rng(5)
    n = 4096
    x = np.linspace(0.0, 3.0, n)
    nan_payload = np.array([0x7FF8_0000_DEAD_BEEF], dtype="<i8").view("<f8")[0]
    rows = [np.sin(x), 1e300 * np.cos(40 * x), np.exp(-30 * x), rng.standard_normal(n),
            rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64).view("<f8"),
            np.where(rng.random(n) < 0.2, np.nan, x), np.full(n, nan_payload),
            np.r_[np.inf, -np.inf, 5e-324, -5e-324, -0.0, np.zeros(n - 5)],
            np.where(x < 1.5, -1e-300, 1e300)]
    table = np.array(rows)
    codes, blob = store.encode_table(table, width)
    assert len(codes) == len(rows)
    assert all(c in store.TRANSFORMS or c.startswith(("R", "L")) or c == "V" for c in codes)
    back = store.decode_table(blob, codes, n, width)
    np.testing.assert_array_equal(_bits(back), _bits(table))
    for m in (1, 2, 3):  # chunks shorter than the differences
        codes, blob = store.encode_table(table[:, :m].copy(), width)
        np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, m, width)),
                                      _bits(table[:, :m]))


def test_smooth_columns_on_a_grid_take_a_few_bytes_per_value():
    """Columns that are smooth functions of the scan's grid (the coefficients of a scan) are
    stored in far fewer than 8 bytes a value; noise is not (nothing to gain, nothing lost)."""
    from bridge.scan import store

    # four rows of a 1000 x 1000 grid (a chunk of the benchmark's 10^6-point scan)
    a, b = np.meshgrid(np.linspace(100, 1000, 1000)[:4], np.linspace(200, 2000, 1000), indexing="ij")
    a, b = a.ravel(), b.ravel()
    smooth = np.array([np.log(a / b) * k / (a * b) + 1e-9 * k for k in range(1, 41)])
    codes, blob = store.encode_table(smooth, 1000)
    assert len(blob) / smooth.size < 5.0, (len(blob) / smooth.size, codes)
    # differences or an earlier row times a constant (the rows are k times the first), not
    # the raw bits
    assert codes[0] != "" and all(c.startswith("R0:") for c in codes[1:]), codes
    noise = np.random.default_rng(1).standard_normal((4, a.size))
    _, blob = store.encode_table(noise, 1000)
    assert len(blob) / noise.size > 7.0


def test_the_cost_of_residuals_is_their_mean_bit_length_within_mitchells_bound():
    """_cost (log2 of 1 + each zigzagged residual read off its float64 bits) against np.log2:
    never above, at most 0.0861 below (1 - (1 + ln ln 2) / ln 2), exact where 1 + the value is
    a power of two; residuals of every size, both signs, the extremes of int64."""
    from bridge.scan import store

    rng = np.random.default_rng(4)
    r = (rng.standard_normal((5, 3000)) * 2.0 ** rng.integers(0, 62, (5, 3000))).astype(np.int64)
    r[0, :4] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1, 0]
    z = store._zigzag(r.copy()).astype(np.float64) + 1.0
    exact = np.log2(z).mean(axis=1)
    got = store._cost(r.copy())
    assert np.all(got <= exact + 1e-12) and np.all(got >= exact - 0.0861), got - exact
    # zigzag(-2**k) + 1 = 2**(k + 1): bit lengths 0, 1, 2, 3, 21, 41, 64
    powers = np.array([[0, -1, -2, -4, -2**20, -2**40, np.iinfo(np.int64).min]], dtype=np.int64)
    np.testing.assert_allclose(store._cost(powers.copy()), [(0 + 1 + 2 + 3 + 21 + 41 + 64) / 7],
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("k", [0, 1, 7, 8, 9, 1021, 1024])
def test_the_non_zero_fraction_of_sampled_planes_is_counted_exactly(k):
    """_nonzero (8 bytes at a time, the rows padded to whole words) against count_nonzero, on
    rows of any length, all-zero and all-non-zero rows among them."""
    from bridge.scan import store

    rng = np.random.default_rng(k)
    a = (rng.integers(0, 256, (6, k)) * (rng.random((6, k)) < [[0], [0.01], [0.3], [0.9], [1], [0.5]]))
    a = a.astype(np.uint8)
    expected = np.count_nonzero(a, axis=1) / max(k, 1)
    np.testing.assert_array_equal(store._nonzero(a), expected)


def test_spikes_are_the_few_residuals_far_above_the_others_of_a_column():
    """_spikes takes out of a row the residuals that reach byte planes where the sample shows
    almost nothing (64 of 4096, at the starts of 64-point grid rows): their high bytes, at
    their positions; it leaves a row with too many of them (SPIKE_COUNT) or too few planes to
    gain (SPIKE_PLANES) as it is, and the OR of a row becomes that of what is left."""
    from bridge.scan import store

    rng = np.random.default_rng(3)
    n = 4096
    z = rng.integers(0, 2**10, (4, n)).astype(np.uint64)
    starts = np.arange(0, n, 64)
    z[0, starts] = rng.integers(2**40, 2**48, starts.size).astype(np.uint64)
    z[1, ::16] = np.uint64(2**40)  # 256 of them: too many
    z[3, starts] = np.uint64(2**17)  # one plane above the others only: not worth it
    before = z.copy()
    # sampled as encode_table samples (from the 5th residual: not on the row starts)
    counts = store._nonzero(store._planes(np.ascontiguousarray(z[:, 4::8])))
    reach = np.bitwise_or.reduce(z, axis=1)
    positions, highs = store._spikes(z, counts, reach)
    np.testing.assert_array_equal(positions, starts)  # row 0: position = 0 * n + point
    np.testing.assert_array_equal(highs, before[0, starts] & ~np.uint64(2**16 - 1))
    np.testing.assert_array_equal(z[0], before[0] & np.uint64(2**16 - 1))
    np.testing.assert_array_equal(z[1:], before[1:])
    np.testing.assert_array_equal(reach, np.bitwise_or.reduce(z, axis=1))
    assert reach[0] < 2**16


def test_spikes_leave_their_planes_out_and_come_back_bit_for_bit(monkeypatch):
    """Columns with a jump every 128 points (the start of a grid row, predicted from the end
    of the one before) and a NaN (whose neighbours' residuals are huge) store those residuals'
    high bytes as spikes: more plane rows are left out than without spikes (SPIKE_PLANES above
    8: format 6's encoding), no more bytes, and both decode to the same bits, NaN payload
    included. A stream whose spikes lie outside the table, or that holds a part of one, is
    refused."""
    import zlib

    from bridge.scan import store

    # format 7's layout (no verbatim row, no packed plane rows), whose stream this test reads
    monkeypatch.setattr(store, "BYTE_BUDGET", 0.0)
    monkeypatch.setattr(store, "PACK_NONZERO", 2.0)
    n = 4096
    x = np.arange(n)
    row = x // 256  # the rows of a 256-point grid axis: smooth along a row, a jump between
    nan_payload = np.array([0x7FF8_0000_0BAD_F00D], dtype="<i8").view("<f8")[0]
    table = np.array([1.0 + 0.05 * row / 16 + 1e-3 * np.sin(x / 300.0),
                      -2.0 - 0.1 * np.cos(row / 3.0) * np.exp(-x / 5e3),
                      np.cos(x / 700.0) * 1e-5])
    table[1, 1000] = nan_payload
    table[2, 7] = -0.0
    found = []
    spikes = store._spikes
    monkeypatch.setattr(store, "_spikes", lambda *a: found.append(spikes(*a)) or found[-1])
    codes, blob = store.encode_table(table, 0)
    positions = found[-1][0]
    assert set(positions // n) == {0, 1, 2}, codes
    assert {1000, 1001} <= set(positions[positions // n == 1] % n)  # the NaN and the next
    assert set(positions[positions // n == 0] % n) >= set(range(256, n, 256))  # row starts
    monkeypatch.setattr(store, "SPIKE_PLANES", 9)
    codes6, blob6 = store.encode_table(table, 0)
    assert codes6 == codes and found[-1][0].size == 0

    def zero_rows(b):
        return int(np.sum(np.frombuffer(b, np.uint8, 8 * len(codes)) == store.ZERO))

    assert zero_rows(blob) > zero_rows(blob6) and len(blob) <= len(blob6)
    for b in (blob, blob6):
        np.testing.assert_array_equal(_bits(store.decode_table(b, codes, n, 0)), _bits(table))
    # the stream's tail: the spikes' gap planes (4 x e bytes) and high-byte planes (8 x e)
    m = len(codes)
    kinds = np.frombuffer(blob, np.uint8, 8 * m)
    start = 8 * m + 8 * m * store._head(n, 0).size + int(np.sum(kinds == store.RAW)) * n
    stream = zlib.decompress(blob[start:])
    e = (len(stream) - int(np.sum(kinds == store.DEFLATED)) * n) // 12
    at = len(stream) - 12 * e
    far = bytearray(stream)
    far[at + e - 1] = 255  # the last gap's low byte: beyond the table
    far[at + 2 * e - 1] = 255
    for bad in (bytes(far), stream[:-1]):
        with pytest.raises(sqlite3.DatabaseError):
            store.decode_table(blob[:start] + zlib.compress(bad), codes, n, 0)


def test_a_format_6_file_is_read_and_a_resumed_grid_scan_upgrades_it(tmp_path, monkeypatch):
    """A grid scan's chunk as format 6 wrote it (no spikes) stays readable; a writer resuming
    the file adds chunks with spikes (the grid rows' first points) and marks the file as of
    today's format; every column of both chunks comes back bit for bit."""

    from bridge.scan import store
    from bridge.scan.space import Axis, Space

    space = Space([Axis("MINPAR:1:500:2000:64", "MINPAR:1", 500.0, 2000.0, 64, False, None),
                   Axis("MINPAR:4:500:2000:64", "MINPAR:4", 500.0, 2000.0, 64, False, None)])
    ids = np.arange(4096)
    v = space.values(ids)
    a, b = v[:, 0], v[:, 1]
    cols = {"par:MINPAR:1": a, "par:MINPAR:4": b, "wc:x:re": np.log(a / b) / (a * b),
            "wc:y:re": 1.0 / b**2, "obs:y": np.sqrt(a) * 1e-3 + b,
            "noise": np.random.default_rng(2).standard_normal(ids.size)}
    cols["wc:x:re"][[100, 3000]] = np.nan, -0.0
    found = []
    spikes = store._spikes
    monkeypatch.setattr(store, "_spikes", lambda *x: found.append(spikes(*x)) or found[-1])
    path = tmp_path / "g.db"
    monkeypatch.setattr(store, "SPIKE_PLANES", 9)
    store._CHOICE_CACHE.clear()
    with store.Store(path, space) as st:
        st.set_meta("scan", {"space": space.as_dict()})
        st.write(ids[:2048], {k: c[:2048] for k, c in cols.items()}, [None] * 2048, ["fast"] * 2048)
    mark_format(path, 6)
    assert found[-1][0].size == 0
    monkeypatch.undo()
    monkeypatch.setattr(store, "_spikes", lambda *x: found.append(spikes(*x)) or found[-1])
    store._CHOICE_CACHE.clear()
    with store.Store(path, space) as st:
        st.write(ids[2048:], {k: c[2048:] for k, c in cols.items()}, [None] * 2048, ["fast"] * 2048)
    assert found[-1][0].size > 0
    assert marker_and_layouts(path)[0] == {"format": store.FORMAT} and store.FORMAT == 8
    back = store.read(path, list(cols))
    for k, c in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(c), err_msg=k)


def test_a_column_proportional_to_another_is_stored_as_its_rounding_residuals():
    """Random-order values (a random sample: no neighbour to predict from) that are another
    column times a constant (the imaginary part of a coefficient with a fixed phase, a coupling
    times the same loop function) take about a byte a value, not eight, and come back bit for
    bit, NaN, inf and zeros included."""
    from bridge.scan import store

    rng = np.random.default_rng(11)
    n = 2000
    base = np.exp(rng.uniform(-30, 5, n)) * rng.choice([-1.0, 1.0], n)
    base[[7, 99]] = np.nan
    base[50] = np.inf
    base[60] = 0.0
    ratios = [0.0181044, -2.0 / 3.0, 1.0 / 3.0, 3.7e-9]
    # products rounded otherwise than the codec's own (three roundings): residuals of a few ulp
    rows = [base, *[(base * (r * 3.0)) / 3.0 for r in ratios], rng.standard_normal(n)]
    table = np.array(rows)
    codes, blob = store.encode_table(table, 0)
    assert not codes[0].startswith("R") and not codes[-1].startswith("R"), codes
    assert all(c.startswith("R0:") for c in codes[1:-1]), codes
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))
    # two noise rows at ~8 bytes a value; the four predicted ones at about one
    assert len(blob) / n < 2 * 8 + 4 * 1.5, len(blob) / n
    with pytest.raises(sqlite3.DatabaseError):
        store.decode_table(blob, [codes[0], "R9:2.0", *codes[2:]], n, 0)


def test_columns_that_combine_a_few_others_are_stored_as_their_rounding_residuals():
    """Random-order rows (no neighbour to predict from) that are linear combinations of two or
    three other rows with coefficients of no simple ratio (a Wilson coefficient and the loop
    contributions it sums) take an ``L`` transform, about a byte a value instead of eight, and
    come back bit for bit, NaN, inf and zeros included; a chunk with the same rows whose
    combinations no longer hold (the reused ones are checked) is still exact and stores them
    otherwise."""
    from bridge.scan import store

    rng = np.random.default_rng(17)
    n = 4096
    base = rng.standard_normal((4, n)) * np.array([[1.0], [3e-3], [40.0], [1e-7]])
    base[1, [5, 900]] = np.nan
    base[2, 77] = np.inf
    base[0, 3] = 0.0
    sums = [base[0] - 0.37 * base[1], 2.0 / 7.0 * base[2] + base[3] * 1.3e6 - base[0] / 3.0,
            base[3] * 5.5 + base[1] * 0.001]
    table = np.array([*base, *sums])
    store._LINEAR_CACHE.clear()
    store._CHOICE_CACHE.clear()
    codes, blob = store.encode_table(table, 0, key=("chunk",))
    linear = [k for k, c in enumerate(codes) if c.startswith("L")]
    assert len(linear) == 3, codes  # any three of the seven: each is a combination of the others
    np.testing.assert_array_equal(_bits(store.decode_table(blob, codes, n, 0)), _bits(table))
    assert len(blob) / n < 4 * 8 + 3 * 2.0, len(blob) / n  # the noise rows and ~1 byte each
    # the same rows in the next chunk: the combinations are reused, checked on its sample
    other = np.array([*base[:, ::-1], *sums[:2], rng.standard_normal(n)])  # the last one: noise
    store._CHOICE_CACHE.clear()  # the transforms chosen again (not all taken as they were)
    codes2, blob2 = store.encode_table(other, 0, key=("chunk",))
    assert not codes2[-1].startswith("L"), codes2
    np.testing.assert_array_equal(_bits(store.decode_table(blob2, codes2, n, 0)), _bits(other))
    # a layout naming a combination of a missing row, or of another combination, is refused
    k = linear[0]
    for bad in ("L99:1.0", f"L{linear[1]}:1.0", "Lx", "L"):
        with pytest.raises(sqlite3.DatabaseError):
            store.decode_table(blob, [*codes[:k], bad, *codes[k + 1:]], n, 0)


def test_the_pivoted_basis_finds_the_rank_and_the_least_squares_coordinates():
    """The store's Gram-Schmidt with pivoting (no LAPACK) against numpy's SVD rank and lstsq:
    ten independent columns with scales 1 to 1e-6, five combinations of them."""
    from bridge.scan import store

    rng = np.random.default_rng(23)
    base = rng.standard_normal((256, 10)) * np.logspace(0, -6, 10)
    mix = rng.standard_normal((10, 5))
    a = np.hstack([base[:, :4], base @ mix, base[:, 4:]])
    a /= np.abs(a).max(axis=0)
    piv, rank, coords = store._pivoted_basis(a)
    assert rank == np.linalg.matrix_rank(a) == 10
    assert sorted(piv.tolist()) == list(range(15))
    want, *_ = np.linalg.lstsq(a[:, piv[:rank]], a[:, piv[rank:]], rcond=None)
    np.testing.assert_allclose(coords, want, rtol=0, atol=1e-9 * np.abs(want).max())


def test_a_format_4_file_is_read_and_a_resumed_scan_upgrades_it(tmp_path, monkeypatch):
    """Format 4 (no ``L`` transform) is still read; a scan resumed on it adds chunks of today's
    format and marks the file so."""
    import json

    from bridge.scan import store

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 2400))
    cols = {"wc:a:re": a, "wc:b:re": b, "wc:c:re": a / 3.0 - 0.71 * b}
    path = tmp_path / "old.db"
    monkeypatch.setattr(store, "LINEAR_TERMS", ())  # chunks as format 4 wrote them
    with store.Store(path) as st:
        st.write(np.arange(1200), {k: v[:1200] for k, v in cols.items()}, [None] * 1200, ["fast"] * 1200)
    mark_format(path, 4)
    monkeypatch.undo()
    store._CHOICE_CACHE.clear()  # today's writer is another process: nothing chosen yet
    back = store.read(path, list(cols))
    for k, v in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(v[:1200]))
    with store.Store(path) as st:
        st.write(np.arange(1200, 2400), {k: v[1200:] for k, v in cols.items()}, [None] * 1200,
                 ["fast"] * 1200)
    con = sqlite3.connect(path)
    assert json.loads(con.execute("SELECT value FROM meta WHERE key = ?",
                                  (store.MARKER,)).fetchone()[0]) == {"format": store.FORMAT}
    layouts = [store._read_layout(r[0]) for r in con.execute("SELECT columns FROM chunks ORDER BY chunk")]
    con.close()
    assert not any(c.startswith("L") for c in layouts[0]["codec"]["transforms"])
    assert any(c.startswith("L") for c in layouts[1]["codec"]["transforms"])
    back = store.read(path, list(cols))
    for k, v in cols.items():
        np.testing.assert_array_equal(_bits(back[k]), _bits(v))


def test_random_sample_parameters_are_drawn_again_and_checked(tmp_path, monkeypatch):
    """A random sample's parameters are a function of its seed and the point's index: the
    store keeps the sampler, not 8 random bytes per axis and point, with a CRC-32 of what the
    points were computed at; a reader that draws other numbers is refused, not misled."""
    from bridge.scan import space as spm
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, run

    db = tmp_path / "r.db"
    run(ScanOptions(CARD, ["MINPAR:1:20:1000:1", "MINPAR:2:100:2000:1:log"], str(db),
                    sample="random:300", likelihoods=["seed2021"], observables=False, workers=1,
                    progress=False, chunk_size=128))
    layouts = [store._read_layout(r[0]) for r in sqlite3.connect(db).execute("SELECT columns FROM chunks")]
    assert len(layouts) == 3
    for lay in layouts:
        assert lay["space"] == ["par:MINPAR:1", "par:MINPAR:2"] and "space_crc32" in lay
        assert not any(c.startswith("par:") for c in lay["stored"])
    drawn = store.read(db, ["id", "par:MINPAR:1", "par:MINPAR:2"])
    sample = spm.Space.from_dict(store.meta(db)["scan"]["space"]).values(np.arange(300))
    np.testing.assert_array_equal(drawn["par:MINPAR:1"], sample[:, 0])
    np.testing.assert_array_equal(drawn["par:MINPAR:2"], sample[:, 1])
    assert 20 <= np.min(sample[:, 0]) and np.max(sample[:, 0]) <= 1000

    draw = spm.Space._random
    monkeypatch.setattr(spm.Space, "_random", lambda self, ids: np.nextafter(draw(self, ids), np.inf))
    with pytest.raises(InputError, match="differ from those the points were computed at"):
        store.read(db, ["par:MINPAR:1"])
    # format 6 stores a random chunk in the Hilbert order of its points and predicts a column
    # from its neighbours there: that order and those weights come from the parameters, so the
    # other columns are refused too, not put back in a wrong order
    assert all(lay["codec"].get("order") == "hilbert" for lay in layouts)
    with pytest.raises(InputError, match="differ from those the points were computed at"):
        store.read(db, ["chi2:seed2021"])


def test_a_format_2_file_is_read_and_a_resumed_scan_upgrades_it(tmp_path):
    """Format 2 (plain float64 chunks) is still read; writing to it adds encoded chunks and
    marks it with today's format, so that an older bridge refuses it instead of misreading it."""
    import json

    from bridge.scan import store

    path = tmp_path / "old.db"
    x = np.linspace(1.0, 2.0, 30)
    with store.Store(path) as st:
        st.write(np.arange(30), {"wc:a:re": np.sin(x), "chi2:s": x ** 2}, [None] * 30, ["fast"] * 30)
    con = sqlite3.connect(path)  # the same chunk as format 2 wrote it
    (layout,) = con.execute("SELECT columns FROM chunks").fetchone()
    lay = store._read_layout(layout)
    codec = lay.pop("codec")
    assert codec["transforms"] and len(codec["transforms"]) == len(lay["stored"])
    plain = np.stack([{"wc:a:re": np.sin(x), "chi2:s": x ** 2}[c] for c in lay["stored"]])
    with con:
        con.execute("UPDATE chunks SET columns = ?, data = ?",
                    (json.dumps(lay), plain.astype("<f8").tobytes()))
        con.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps({"format": 2}), store.MARKER))
    con.close()
    np.testing.assert_array_equal(store.read(path, ["chi2:s"])["chi2:s"], x ** 2)
    with store.Store(path) as st:
        st.write([30, 31], {"wc:a:re": np.array([5.0, 6.0]), "chi2:s": np.array([7.0, 8.0])},
                 [None] * 2, ["fast"] * 2)
    assert json.loads(sqlite3.connect(path).execute(
        "SELECT value FROM meta WHERE key = ?", (store.MARKER,)).fetchone()[0]) == {"format": store.FORMAT}
    back = store.read(path, ["wc:a:re", "chi2:s"])
    np.testing.assert_array_equal(back["wc:a:re"], [*np.sin(x), 5.0, 6.0])
    np.testing.assert_array_equal(back["chi2:s"], [*(x ** 2), 7.0, 8.0])


def test_a_packed_chunk_holding_stored_ids_is_written_without_them(tmp_path):
    """A chunk packed in a worker and computed again after a kill: the ids already stored are
    left out (it is unpacked and written again), the rest stored once, values intact."""
    from bridge.scan import store
    from bridge.scan.space import Axis, Space

    space = Space([Axis("MINPAR:1:1:10:10", "MINPAR:1", 1.0, 10.0, 10, False, None),
                   Axis("MINPAR:2:1:4:4", "MINPAR:2", 1.0, 4.0, 4, False, None)])
    ids = np.arange(40)
    values = space.values(ids)
    cols = {"par:MINPAR:1": values[:, 0], "par:MINPAR:2": values[:, 1],
            "chi2:s": values[:, 0] * values[:, 1] + 0.1}
    errors = [None] * 40
    errors[25] = "model F: refused"
    path = tmp_path / "r.db"
    with store.Store(path, space) as st:
        st.set_meta("scan", {"space": space.as_dict()})  # the reader computes par: from it
        st.write(ids[:20], {k: v[:20] for k, v in cols.items()}, errors[:20], ["fast"] * 20)
        packed = store.pack(ids[10:], {k: v[10:] for k, v in cols.items()}, errors[10:],
                            ["fast"] * 30, (), space)
        assert st.write_packed(packed) == 20
        assert st.write_packed(packed) == 0
        assert st.count() == (40, 1)
    back = store.read(path, ["id", "par:MINPAR:2", "chi2:s", "error"], failed=True)
    np.testing.assert_array_equal(back["id"], ids)
    np.testing.assert_array_equal(back["par:MINPAR:2"], values[:, 1])
    np.testing.assert_array_equal(back["chi2:s"], cols["chi2:s"])
    assert back["error"][25] == "model F: refused" and back["error"][24] is None


def test_a_file_read_while_its_scan_writes_gives_one_snapshot(tmp_path, monkeypatch):
    """A results file read while its scan runs (a plot of the points so far, a test polling the
    count): a chunk committed between the reader's query of the chunks' ids and that of their
    rows was read without its ids (IndexError on 2026-12-02, or a point of the new chunk
    dropped). The reader holds one snapshot: it sees the chunks committed before it began."""
    from bridge.scan import store

    path = tmp_path / "r.db"
    writer = store.Store(path)
    try:
        writer.write([0, 1], {"v": np.array([1.0, 2.0])}, [None, None], ["fast"] * 2)
        ids = store._Reader._ids

        def chunk_committed_meanwhile(self):
            got = ids(self)
            writer.write([5, 6, 7], {"v": np.array([5.0, 6.0, 7.0])}, [None] * 3, ["fast"] * 3)
            return got

        monkeypatch.setattr(store._Reader, "_ids", chunk_committed_meanwhile)
        data = store.read(path, ["id", "v"])
        np.testing.assert_array_equal(data["id"], [0, 1])
        np.testing.assert_array_equal(data["v"], [1.0, 2.0])
        monkeypatch.undo()
        assert store.count(path) == (5, 0)  # a new reader sees the new chunk
    finally:
        writer.close()


def test_retry_failed_replaces_the_failed_copy_only_when_written(tmp_path):
    from bridge.scan import store

    path = tmp_path / "r.db"
    with store.Store(path) as st:
        st.write([0, 1, 2], {"v": np.array([1.0, np.nan, 3.0])}, [None, "bad", None], ["fast"] * 3)
    with store.Store(path) as st:  # a retry killed before it stored anything: nothing lost
        assert st.retry_failed() == 1
        np.testing.assert_array_equal(st.done_ids(), [0, 2])
    assert store.count(path) == (3, 1)
    with store.Store(path) as st:
        st.retry_failed()
        assert st.write([1], {"v": np.array([2.0])}, [None], ["fast"]) == 1
        assert st.count() == (3, 0)
    data = store.read(path, ["id", "v", "status"], failed=True)
    np.testing.assert_array_equal(data["v"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(data["status"], [0, 0, 0])


def _toy_fast_path(rng):
    """A fast path of one observable "toy": a random quadratic form in Re, Im C10_bsmumu."""
    from bridge.observable import Observable
    from bridge.scan import fastpath as fpm

    i, j = fpm.POSITION["C10_bsmumu"]
    q = rng.normal(size=(2, 2))
    rep = fpm.Representation(Observable("toy"), "quadratic",
                             [fpm.Polynomial(np.array([i, j]), 2.0, rng.normal(size=2), q + q.T)], 0.0)
    return fpm.FastPath([rep.observable], 160.0, {}, {"toy": rep})


def test_derived_observables_are_evaluated_again_from_the_coefficients(tmp_path):
    """obs: columns the fast path gives are not stored; read back, they equal what the scan
    computed, point by point, and failed points stay NaN."""
    from bridge.scan import fastpath as fpm
    from bridge.scan import store

    rng = np.random.default_rng(3)
    fp = _toy_fast_path(rng)
    n = 20
    c10 = rng.normal(size=n) + 1j * rng.normal(size=n)
    c10[4] = np.nan
    u, _ = fpm.to_units({"C10_bsmumu": c10}, n)
    ok = np.isfinite(c10)
    values = np.full(n, np.nan)
    values[ok] = fp.evaluate(u[ok])["toy"]
    routes = ["fast" if k else "none" for k in ok]
    errors = [None if k else "failed" for k in ok]
    path = tmp_path / "r.db"
    with store.Store(path) as st:
        st.set_meta("fastpath_representations", {"toy": fp.representations["toy"].as_dict()})
        st.write(np.arange(n), {"wc:C10_bsmumu:re": c10.real, "wc:C10_bsmumu:im": c10.imag,
                                "obs:toy": values}, errors, routes, derived=("obs:toy",))

    (layout,) = sqlite3.connect(path).execute("SELECT columns FROM chunks").fetchone()
    lay = store._read_layout(layout)
    assert lay["derived"] == ["obs:toy"] and "obs:toy" not in lay["stored"]
    back = store.read(path, ["obs:toy"], failed=True)["obs:toy"]
    np.testing.assert_array_equal(back, values)


READ_OBS = r"""
import sys
import numpy as np
from bridge.scan import store
names = [c for c in store.columns(sys.argv[1]) if c.startswith("obs:")]
data = store.read(sys.argv[1], ["id", *names], failed=True)
for name in names:  # each alone: the fast path evaluates its components only
    data["alone " + name] = store.read(sys.argv[1], [name], failed=True)[name]
np.savez(sys.argv[2], **{k.replace("/", "|"): v for k, v in data.items()})
"""


def test_derived_observables_read_back_equal_the_workers_whatever_the_blas_threads(tmp_path,
                                                                                 monkeypatch):
    """The fast-path obs: columns are not stored but evaluated again when read (matrix
    products through BLAS); read in processes with one and with two OpenBLAS threads, all
    together and each alone (FastPath.evaluate's ``labels``), they equal, bit for bit, the
    values the scan computed (and would otherwise have stored)."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, run

    computed = {}
    pack = runner.pack

    def record(ids, columns, *args, **kwargs):
        for k, v in columns.items():
            if k.startswith("obs:"):
                computed.setdefault(k, {}).update(zip(np.asarray(ids).tolist(), np.asarray(v).tolist(),
                                                      strict=True))
        return pack(ids, columns, *args, **kwargs)

    monkeypatch.setattr(runner, "pack", record)
    db = tmp_path / "r.db"
    run(ScanOptions(CARD, ["MINPAR:1:20:1000:30", "MINPAR:2:100:2000:30"], str(db),
                    likelihoods=["seed2021"], workers=1, progress=False, chunk_size=450))
    layouts = _layouts(db)
    derived = set(layouts[0].get("derived", ()))
    assert len(derived) >= 8 and all(set(lay.get("derived", ())) == derived for lay in layouts)
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
               "MKL_NUM_THREADS": threads, "PYTHONPATH": str(ROOT)}
        out = tmp_path / f"read{threads}.npz"
        import subprocess

        subprocess.run([sys.executable, "-c", READ_OBS, str(db), str(out)], env=env, check=True,
                       timeout=300)
        back = np.load(out)
        ids = back["id"].astype(np.int64)
        assert sorted(ids.tolist()) == list(range(900))
        for name in derived:
            want = np.array([computed[name][i] for i in ids.tolist()])
            got = back[name.replace("/", "|")]
            assert np.isfinite(want).all()
            np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64), err_msg=name)
            alone = back["alone " + name.replace("/", "|")]
            np.testing.assert_array_equal(alone.view(np.int64), want.view(np.int64), err_msg=name)


def _layouts(db):
    from bridge.scan import store

    return [store._read_layout(r[0]) for r in sqlite3.connect(db).execute("SELECT columns FROM chunks")]


def test_pulls_of_derived_observables_are_recipes_only_when_exact(tmp_path):
    """A pull (obs - central) / sigma of a derived obs: column is kept as its recipe when it
    equals it bit for bit at every point, and as numbers otherwise; both read back exactly,
    also after a packed chunk holding stored ids is unpacked and written again."""
    from bridge.scan import fastpath as fpm
    from bridge.scan import store

    rng = np.random.default_rng(4)
    fp = _toy_fast_path(rng)
    n = 30
    c10 = rng.normal(size=n) + 1j * rng.normal(size=n)
    u, _ = fpm.to_units({"C10_bsmumu": c10}, n)
    obs = fp.evaluate(u)["toy"]
    central, sigma = 0.3, 0.07
    exact = (obs - central) / sigma
    other = obs / sigma - central / sigma  # the same pull, rounded differently
    assert not np.array_equal(exact, other)
    cols = {"wc:C10_bsmumu:re": c10.real, "wc:C10_bsmumu:im": c10.imag, "obs:toy": obs,
            "pull:a:toy": exact, "pull:b:toy": other}
    affine = {"pull:a:toy": ("obs:toy", central, sigma), "pull:b:toy": ("obs:toy", central, sigma)}
    path = tmp_path / "r.db"
    with store.Store(path) as st:
        st.set_meta("fastpath_representations", {"toy": fp.representations["toy"].as_dict()})
        st.write(np.arange(20), {k: v[:20] for k, v in cols.items()}, [None] * 20, ["fast"] * 20,
                 derived=("obs:toy",), affine=affine)
        packed = store.pack(np.arange(10, 30), {k: v[10:] for k, v in cols.items()}, [None] * 20,
                            ["fast"] * 20, ("obs:toy",), None, affine)
        assert st.write_packed(packed) == 10  # ids 10-19 stored: unpacked, written without them
    layouts = [store._read_layout(r[0]) for r in sqlite3.connect(path).execute("SELECT columns FROM chunks")]
    for lay in layouts:
        assert lay["affine"] == {"pull:a:toy": ["obs:toy", central, sigma]}
        assert "pull:b:toy" in lay["stored"] and "pull:a:toy" not in lay["stored"]
    back = store.read(path, ["id", "pull:a:toy", "pull:b:toy", "obs:toy"])
    np.testing.assert_array_equal(back["id"], np.arange(n))
    np.testing.assert_array_equal(_bits(back["pull:a:toy"]), _bits(exact))
    np.testing.assert_array_equal(_bits(back["pull:b:toy"]), _bits(other))
    np.testing.assert_array_equal(back["obs:toy"], obs)


def test_a_refused_point_is_named_by_its_scan_id(tmp_path):
    """A chunk's refused point names the point's id in the scan, not its place in the chunk
    (a resumed scan's chunks start anywhere)."""
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:150", "MINPAR:2:100:2000:150"],
                                 str(tmp_path / "r.db"), likelihoods=["seed2021"],
                                 observables=False, progress=False), say=lambda msg: None)
    # point 1202: M_Psi = 72.6, M_Psi' = 125.5 GeV mix F0_1 down to 0.097 GeV (refused)
    res = run_chunk(ctx, np.array([7001, 7002]), ctx.space.values(np.array([0, 1202])))
    bad = [(i, e) for i, e in zip(res.ids.tolist(), res.errors, strict=True) if e is not None]
    assert [i for i, _ in bad] == [7002] and all(f"point {i}, " in e for i, e in bad), bad


def test_bytes_per_point_of_a_seed_scan_are_few(tmp_path):
    """Each point costs at most 8 bytes per distinct varying column (fewer: encoded) and almost
    nothing besides."""

    from bridge.scan.runner import ScanOptions, run

    db = tmp_path / "r.db"
    s = run(ScanOptions(CARD, ["MINPAR:1:20:1000:40", "MINPAR:2:100:2000:50"], str(db),
                        likelihoods=["seed2021"], observables=False, workers=1, progress=False))
    assert s.stored == 2000
    from bridge.scan import store

    layouts = [store._read_layout(r[0]) for r in sqlite3.connect(db).execute("SELECT columns FROM chunks")]
    stored = max(len(lay["stored"]) for lay in layouts)
    assert 20 < stored < 40  # F_Ib: repeated and constant columns are not among them
    assert os.path.getsize(db) / 2000 < min(8 * stored + 12, 300)
    # the scan parameters are the scan's own points: computed again from its definition
    assert all(lay["space"] == ["par:MINPAR:1", "par:MINPAR:2"] for lay in layouts)
    from bridge.scan.space import Space

    back = store.read(db, ["id", "par:MINPAR:1", "par:MINPAR:2", "in:MINPAR:1"], failed=True)
    grid = Space.from_dict(store.meta(db)["scan"]["space"]).values(np.arange(2000))
    np.testing.assert_array_equal(back["id"], np.arange(2000))
    np.testing.assert_array_equal(back["par:MINPAR:1"], grid[:, 0])
    np.testing.assert_array_equal(back["par:MINPAR:2"], grid[:, 1])
    np.testing.assert_array_equal(back["in:MINPAR:1"], grid[:, 0])
    np.testing.assert_array_equal(np.sort(store.stored_ids(db)), np.arange(2000))


# ---------------------------------------------------------------------------
# the shipped data a first scan starts from
# ---------------------------------------------------------------------------
def test_shipped_fast_path_covers_the_default_observables():
    """bridge/data/fastpath.json: for the installed flavio and wilson, every observable of
    `bridge run` (its Z-pole rows aside: SMEFT) and of the flavio likelihoods (flavio,
    flavio-lfv, flavio-lfv-projected, flavio-quark), exact (no 'direct'), validated to 1e-6;
    the binned rates whose QUADPACK bisection depends on the point are quadratures."""
    from bridge.likelihoods import flavio_fast as ff
    from bridge.observables import RUN_OBSERVABLES
    from bridge.scan import fastpath as fpm
    from bridge.zpole import Z_POLE_OBSERVABLES

    run = [s.observable for s in RUN_OBSERVABLES if s.observable.name not in Z_POLE_OBSERVABLES]
    observables = list(dict.fromkeys([*run, *ff.FLAVIO_OBSERVABLES, *ff.LFV_OBSERVABLES,
                                      *ff.LFV_PROJECTED_OBSERVABLES, *ff.QUARK_OBSERVABLES]))
    assert len(observables) == 42
    found, missing = fpm.load(observables, 160.0, {}, use_cache=False)
    assert missing == []
    for label, rep in found.items():
        assert rep.fast and rep.info["source"] == "shipped", label
        assert rep.max_rel_diff <= fpm.TOLERANCE, label
    assert found["DeltaM_s"].form == "deltam"
    assert found["<dBR/dq2>(Bs->phimumu) [15,19]"].form == "mixing"
    assert found["S_psiK"].form == "cp_mixing" and found["x12Im_D"].form == "x12im"
    for label in ("<Rmue>(B+->Kll) [0.1,1.1]", "<P5p>(B0->K*mumu) [2.5,4]", "<P5p>(B0->K*mumu) [4,6]",
                  "<dBR/dq2>(B+->Kmumu) [1.1,6]"):
        assert any(isinstance(c, fpm.Quadrature) for c in found[label].components), label


def test_first_scan_imports_neither_flavio_nor_wilson(tmp_path):
    """A new user's first scan with the default observables and a seed likelihood, in a fresh
    process with an empty cache: shipped SM inputs and fast path, no flavio import."""
    import subprocess

    code = ("import sys; from bridge.cli import main; "
            f"rc = main(['scan', {CARD!r}, '--vary', 'MINPAR:1:50:800:3', '--likelihood', 'seed2021', "
            f"'--workers', '1', '-q', '-o', {str(tmp_path / 'r.db')!r}]); "
            "print(rc, 'flavio' in sys.modules, 'wilson' in sys.modules)")
    env = {**os.environ, "BRIDGE_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.stdout.split() == ["0", "False", "False"], out.stderr
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.flavio
def test_shipped_sm_inputs_are_flavios():
    from bridge.sm import SMInputs, cached_sm_inputs

    assert cached_sm_inputs({}) == SMInputs.from_flavio({})


def test_the_readme_read_results_example_runs(tmp_path, monkeypatch, capsys):
    """The README's example of reading a scan into pandas, run as written on a scan of its
    columns (issue 14 item 5: one documented call)."""
    pytest.importorskip("pandas")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = "<!-- read_results example: run by tests/test_scan_store.py -->"
    assert text.count(marker) == 1
    code = text.split(marker, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    assert scan(CARD, *VARY, *COMMON, "-o", "fib.db") == 0  # the README's scan, smaller
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    assert len(names["df"]) == 12 and names["plane"].shape == (12, 3)
    assert names["best"]["chi2:seed2021"] == names["df"]["chi2:seed2021"].min()
    assert names["failed"].empty
    assert "par:MINPAR:1" in capsys.readouterr().out


def test_new_file_page_size_and_checkpoint_in_bytes(tmp_path):
    """A new results file has store.PAGE_SIZE pages; a writer checkpoints its WAL every
    WAL_CHECKPOINT_BYTES whatever the file's page size (an older file of 4096-byte pages keeps
    them and is resumed with the same checkpoint size in bytes), and both read the same."""
    import sqlite3

    from bridge.scan import store as stm

    ids = np.arange(5, dtype=np.int64)
    cols = {"x": np.linspace(0.0, 1.0, 5)}
    new = tmp_path / "new.db"
    with stm.Store(new) as s:
        assert s.con.execute("PRAGMA page_size").fetchone()[0] == stm.PAGE_SIZE
        assert s.con.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == \
            stm.WAL_CHECKPOINT_BYTES // stm.PAGE_SIZE
        s.write(ids, cols, [None] * 5, ["fast"] * 5)
    old = tmp_path / "old.db"
    con = sqlite3.connect(new)
    con.execute(f"VACUUM INTO '{old}'")  # the same content...
    con.close()
    con = sqlite3.connect(old)
    con.execute("PRAGMA page_size = 4096")  # ...in 4096-byte pages, as earlier bridges made it
    con.execute("VACUUM")
    con.close()
    with stm.Store(old) as s:
        assert s.con.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert s.con.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == stm.WAL_CHECKPOINT_BYTES // 4096
        s.write(ids + 5, cols, [None] * 5, ["fast"] * 5)
    with stm.Store(new) as s:
        s.write(ids + 5, cols, [None] * 5, ["fast"] * 5)
    a, b = stm.read(new), stm.read(old)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(a["x"], np.concatenate([cols["x"], cols["x"]]))


def test_a_results_file_under_a_non_directory_is_refused_in_one_line(tmp_path):
    """``-o`` through a regular file (a misspelt directory that is a card): an InputError naming
    the path, not the NotADirectoryError of removing the temporary file there (a traceback and
    exit code 1 before)."""
    from bridge.scan import store

    (tmp_path / "card.slha").write_text("BLOCK MODSEL\n")
    target = tmp_path / "card.slha" / "r.db"
    with pytest.raises(InputError, match="cannot create the results file"):
        store._create(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.slha"]


def test_an_interrupted_creation_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Ctrl-C while a new results file is made (here: at its rename) removes the temporary
    file; before, only OSError and sqlite3.Error did, and ``.r.db.PID.tmp`` stayed."""
    from bridge.scan import store

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store._create(tmp_path / "r.db")
    assert list(tmp_path.iterdir()) == []
