"""The results file of a scan: one SQLite database, written chunk by chunk as the scan runs.

Why SQLite (and not Parquet chunks): it is in Python's standard library; a chunk of points
is committed in one transaction, so a scan killed mid-write leaves the file as it was
before that chunk; readers (``bridge plot``) see the committed chunks while the scan writes
(WAL mode while the scan runs; a closed file is a plain database again, so reading it
creates no side files). Parquet (and CSV) are exports; :func:`bridge.scan.read_results`
gives a pandas DataFrame.

Tables (format :data:`FORMAT`, recorded in ``meta`` under ``bridge_results``: a database
without it is not a results file and is refused; a file whose scan maps log axes with the
portable map is marked :data:`PORTABLE_POINTS`, 9, with format 8's chunks):

* ``chunks``: one row per chunk: ``n`` points, ``ids`` (their indices in the scan, int64;
  as differences from the previous id when the layout says ``"ids": "delta"``, so that a run
  of consecutive ids compresses to almost nothing), ``routes`` (uint8 codes of
  :data:`ROUTES`), both zlib-compressed, ``columns`` (JSON, deflated in format 3: the names
  stored in ``data``,
  the ``constant`` columns with their one value, the ``alias`` columns equal to a stored
  one and the ``space`` columns, scan parameters equal to the scan's own points, computed
  again from the scan definition in ``meta`` when read, and the ``codec``) and ``data``, the
  stored columns, losslessly encoded (:func:`encode_table`: each column's float64 bits minus
  a prediction from its neighbours in the chunk, from an earlier column times a constant or,
  format 5, from a linear combination of a few other columns with coefficients fitted on the
  chunk and stored in its layout, as small integers, byte planes deflated; format 6 stores
  a random chunk along the Hilbert curve through its points, computed again when read, and
  predicts a column there by interpolation between neighbours, ``B``, or as a combination of
  others plus the interpolation of its remainder, ``K``: :mod:`bridge.scan.store_order`;
  format 7 stores a column's few residuals far above the others (a grid row's first point)
  apart, as spikes, so that the byte planes only they reach are left out; format 8 trades
  bytes for CPU within a budget of bytes a point (``BYTE_BUDGET``, below issue 12's 300): a
  column whose residuals would keep half of a float64's bits or more is stored verbatim, a
  dense plane row of small bytes bit-packed or stored raw instead of deflated, and a random
  chunk whose transforms do without the Hilbert order is stored in id order (its order,
  interpolation weights and the gather into that order not computed);
  format 2 held plain float64, format 3 had no prediction from another column, format 4 none
  from several, format 5 no order, format 6 no spikes, format 7 none of format 8's choices, all
  still read; a format 8 chunk after one that chose its transforms may also take that chunk's
  plane decisions, :data:`PLANE_REUSE`, and its layout: other bytes, read as any format 8
  chunk). The ``space``
  columns carry a CRC-32 of the values the points were computed at (``space_crc32``): a
  random sample is drawn again from its seed when read, and a numpy that draws other numbers
  is refused. A column holding
  one value for the whole chunk,
  or the same numbers as another column (C10 of the Z penguin and CL of ν_eν_e, a varied
  entry and its parameter), is not repeated;
* ``failed``: the points that failed (``id``, ``chunk``, ``error``: the message);
* ``meta``: the scan's definition (JSON), the card, the fast path, the format.

A point is stored exactly once: the writer keeps the set of stored ids (read from the file
when it opens it) and leaves out any id already stored (a chunk computed again after a kill).

Column names carry a prefix: ``par:`` scan parameters, ``in:`` the card entries they set,
``mass:``, ``wc:NAME:re|im`` (hand-over scale), ``contrib:``, ``ol:`` (one loop), ``mnu:``,
``obs:`` (flavio), ``chi2:NAME``, ``pull:NAME:TERM``. :func:`read` returns columns as arrays;
:func:`export` writes Parquet or CSV for other tools.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np

from bridge.errors import InputError
from bridge.scan.store_order import Lifting, chunk_order, finite, unit_coordinates

FORMAT = 8
#: Formats this bridge reads: 2 stored the columns as plain float64 (no ``codec`` in a
#: chunk's layout), 3 without the ``R`` transform (a column predicted from another one) and
#: without the checksum of the scan's parameters, 4 without the ``L`` transform (a linear
#: combination of other columns), 5 without the ``B`` transform and the Hilbert order of a random
#: chunk (:mod:`bridge.scan.store_order`), 6 without spikes (:func:`_spikes`: a format 6 chunk's
#: data are a format 7 chunk's without any), 7 without verbatim rows, packed plane rows and
#: random chunks in id order after one that chose (a format 7 chunk's data are a format 8
#: chunk's without them); a writer that resumes such a file adds chunks of today's format and
#: marks the file so (an older bridge then refuses it).
READABLE = (2, 3, 4, 5, 6, 7, 8, 9)
#: The format a file is marked with once its scan's log axes map with the portable map
#: (:func:`bridge.scan.space.portable_exp`; the meta ``scan``'s space has ``log_map``
#: "portable"): its chunks are format 8's, but a bridge from before that map computes other
#: points for it, in their last bits, and refused it as damaged ("this numpy does not reproduce
#: them"); marked 9, such a bridge names the file's format instead. A scan without a log axis,
#: or resumed with numpy's map, keeps format 8, which earlier bridges read.
PORTABLE_POINTS = 9
MARKER = "bridge_results"
#: page size of a new results file (SQLite's default is 4096; see _create)
PAGE_SIZE = 16384
#: the WAL's size that triggers a checkpoint while writing (SQLite's default: 1000 pages, 4 MB
#: of 4096-byte pages)
WAL_CHECKPOINT_BYTES = 16 << 20
STATUS_OK, STATUS_FAILED = 0, 1
FIXED = ("id", "status", "error", "route")
ROUTES = ("none", "fast", "mixed", "direct")
_ROUTE_CODE = {r: k for k, r in enumerate(ROUTES)}
_TABLES = {"meta", "chunks", "failed"}


def _damaged(path, exc) -> InputError:
    return InputError(f"{path}: the results file is damaged ({exc}); export what can be read "
                      "with an older copy, or give another -o")


def _check(path: Path) -> int:
    """Refuse a file that is not a bridge results file of a format this bridge reads
    (InputError); returns its format."""
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    wal = path.with_name(path.name + "-wal")
    if path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0):
        raise InputError(f"{path}: empty file (0 bytes), not a bridge results file; remove it or "
                         "give another -o")
    _roll_back(path)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot be opened ({exc})") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marker = None
        if "meta" in tables:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (MARKER,)).fetchone()
            marker = json.loads(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        if "file is not a database" in str(exc) or "not a database" in str(exc):
            raise InputError(f"{path}: not a bridge results file (not an SQLite database)") from None
        raise _damaged(path, exc) from None
    except ValueError:
        marker = None
    finally:
        con.close()
    if not isinstance(marker, dict):
        if tables == {"meta", "points", "chunks"}:
            raise InputError(f"{path}: a results file of an older bridge (format 1); read it with "
                             "that version, or give another -o")
        shown = ", ".join(sorted(tables)) or "none"
        raise InputError(f"{path}: an SQLite database that is not a bridge results file "
                         f"(tables: {shown}); give another -o")
    if marker.get("format") not in READABLE or not _TABLES <= tables:
        raise InputError(f"{path}: a bridge results file of format {marker.get('format')!r}; this "
                         f"bridge reads formats {', '.join(map(str, READABLE))}")
    return marker["format"]


#: Seconds _roll_back waits for a file another process holds locked.
ROLL_BACK_WAIT = 10.0


def _roll_back(path: Path) -> None:
    """Roll back a write that a killed process left unfinished in rollback-journal mode (a
    ``-journal`` beside the file: a scan killed while its Store closed, when the file leaves WAL
    mode), which only a writable connection can do: opened read-only, such a file raised
    "attempt to write a readonly database" and was refused as damaged, resume included (review
    rev22). SQLite rolls a journal back only where it is hot (no process holds the write lock),
    so a writer at work is not disturbed."""
    journal = path.with_name(path.name + "-journal")
    if not (journal.is_file() and journal.stat().st_size > 0):
        return
    try:
        con = sqlite3.connect(str(path), timeout=ROLL_BACK_WAIT)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        if "locked" in str(exc):  # a live writer holds it (in rollback mode: not a scan's)
            raise InputError(f"{path}: in use by another process ({exc}); try again when it ends") \
                from None
        raise InputError(f"{path}: an interrupted write left {journal.name} beside it, which only a "
                         f"writable open rolls back ({exc}); make the file and its directory "
                         "writable, then try again") from None


def _portable_points(scan) -> bool:
    """Whether a scan's definition (meta ``scan``) maps its log axes with the portable map
    (:data:`PORTABLE_POINTS`)."""
    space = scan.get("space") if isinstance(scan, dict) else None
    return isinstance(space, dict) and space.get("log_map") == "portable"


def _create(path: Path) -> int:
    """A new empty results file, made under a temporary name and renamed (never half-made)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        con = sqlite3.connect(str(tmp))
        try:
            # before the first table: a chunk's blob (0.5-2 MB) spans 32-128 pages, not
            # 128-512, and the WAL is checkpointed every 16 MB (Store), not 4: writing 48 MB of
            # chunks took 102-129 ms of CPU instead of 178-211 (7 runs, mostly the kernel's);
            # 64 KiB pages took 70-93 but add 300 KB to a small file (16 KiB: 60 KB). The file's
            # bytes differ, not its content; any SQLite reads any page size
            con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            with con:
                con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                con.execute("CREATE TABLE chunks (chunk INTEGER PRIMARY KEY, n INTEGER, ids BLOB, "
                            "routes BLOB, columns TEXT, data BLOB)")
                con.execute("CREATE TABLE failed (id INTEGER PRIMARY KEY, chunk INTEGER, error TEXT)")
                con.execute("INSERT INTO meta VALUES (?, ?)", (MARKER, json.dumps({"format": FORMAT})))
        finally:
            con.close()
        os.replace(tmp, path)
        return FORMAT
    except (OSError, sqlite3.Error) as exc:
        _discard(tmp)
        raise InputError(f"{path}: cannot create the results file ({exc})") from None
    except BaseException:  # Ctrl-C while the file is made: no stray temporary file either
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    """Remove a temporary file that may not exist, nor be reachable (a path through a
    non-directory: unlink raises NotADirectoryError, not FileNotFoundError)."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def side_files(path) -> list[Path]:
    p = Path(path)
    return [p.with_name(p.name + s) for s in ("-wal", "-shm", "-journal")]


def remove(path) -> None:
    """Remove a results file and its SQLite side files."""
    for p in (Path(path), *side_files(path)):
        p.unlink(missing_ok=True)


def _pack(a: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(a).tobytes(), 1)


def _unpack(blob: bytes, dtype) -> np.ndarray:
    try:
        return np.frombuffer(zlib.decompress(blob), dtype=dtype)
    except (zlib.error, TypeError) as exc:
        raise sqlite3.DatabaseError(f"a chunk's ids or routes are not readable ({exc})") from None


#: Characters of JSON above which a meta value is stored deflated.
META_DEFLATE = 65536


def _read_layout(value):
    """A chunk's layout or a meta value: JSON text (format 2), or deflated JSON (format 3: the
    column names repeat in every chunk, ~3 kB of text that deflates to a few hundred bytes)."""
    try:
        if isinstance(value, bytes):
            value = zlib.decompress(value)
        return json.loads(value)
    except (zlib.error, ValueError, UnicodeDecodeError) as exc:
        raise sqlite3.DatabaseError(f"a chunk's layout is not readable ({exc})") from None


def _chunk_ids(blob: bytes, layout: dict) -> np.ndarray:
    """A chunk's ids from its stored blob (differences or plain, as its layout says)."""
    ids = _unpack(blob, "<i8")
    return np.cumsum(ids) if layout.get("ids") == "delta" else ids


#: Transforms of a stored column (its float64 bit patterns as int64, arithmetic wrapping
#: modulo 2**64, so every step is exact and inverted by cumulative sums): "" the bits
#: themselves, "1" the difference with the previous point of the chunk, "11" twice that (a
#: smooth column: its second difference), "W" the difference with the point one grid row
#: back (lag W, the points of the fastest grid axis), and their products "1W", "11W". Within
#: one binade a float's bit pattern is linear in its value, so a smooth function sampled in
#: order leaves small integers, whose high bytes are zero (the lossless idea of fpzip and SZ).
TRANSFORMS = ("", "1", "11", "1W", "11W")


def _lagged(b: np.ndarray, lag: int) -> np.ndarray:
    if not 0 < lag < b.shape[-1]:
        return b.copy()
    out = np.empty_like(b)  # one pass (a copy and an in-place difference were two)
    out[..., :lag] = b[..., :lag]
    np.subtract(b[..., lag:], b[..., :-lag], out=out[..., lag:])
    return out


def _unlagged(r: np.ndarray, lag: int) -> np.ndarray:
    """The inverse of :func:`_lagged` along the last axis (sums over every lag-th point)."""
    n = r.shape[-1]
    if not 0 < lag < n:
        return r
    if lag == 1:
        return np.cumsum(r, axis=-1, dtype=np.int64)
    rows = -(-n // lag)
    padded = np.zeros((*r.shape[:-1], rows * lag), dtype=np.int64)
    padded[..., :n] = r
    summed = np.cumsum(padded.reshape(*r.shape[:-1], rows, lag), axis=-2, dtype=np.int64)
    return summed.reshape(*r.shape[:-1], rows * lag)[..., :n]


def _apply(b: np.ndarray, code: str, width: int, inverse: bool = False) -> np.ndarray:
    lags = [1 if c == "1" else width for c in code]
    for lag in (reversed(lags) if inverse else lags):
        b = _unlagged(b, lag) if inverse else _lagged(b, lag)
    return b


def _zigzag(r: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Signed residuals as unsigned ones, small magnitudes first (0, -1, 1, -2, ...);
    ``inplace``: overwriting ``r`` (one temporary instead of three)."""
    if not inplace:
        return ((r << 1) ^ (r >> 63)).view(np.uint64)
    sign = r >> 63
    r <<= 1
    r ^= sign
    return r.view(np.uint64)


def _unzigzag(z: np.ndarray) -> np.ndarray:
    return (z >> np.uint64(1)).view(np.int64) ^ -(z & np.uint64(1)).view(np.int64)


def _operator(code: str, width: int) -> dict[int, int]:
    """{offset: factor} of a transform: the product of its (1 - shift**lag) factors."""
    poly = {0: 1}
    for c in code:
        lag = 1 if c == "1" else width
        out = dict(poly)
        for off, f in poly.items():
            out[off + lag] = out.get(off + lag, 0) - f
        poly = {k: v for k, v in out.items() if v}
    return poly


def _ratio_code(code: str) -> tuple[int, float] | None:
    """(reference row, ratio) of an ``R`` transform ``R<row>:<ratio>``, else None."""
    if not code.startswith("R"):
        return None
    row, _, ratio = code[1:].partition(":")
    return int(row), float(ratio)


def _proportional(table: np.ndarray, sample: np.ndarray, s=None) -> dict[int, tuple[int, float]]:
    """{row: (earlier row, ratio)}: rows that look like an earlier row times a constant on the
    ``sample`` points (equal to 1e-9 once both are divided by their value at the sample's
    largest entry). The real part and the imaginary part of a coefficient with a fixed phase,
    or two coefficients from one loop function with different couplings, are such rows: the
    product of the earlier row and the ratio, rounded as float64 multiplication rounds, leaves
    residuals of a few units in the last place (checked in :func:`_choose`). ``s``:
    ``table[:, sample]``, if the caller has it."""
    m = table.shape[0]
    s = table[:, sample] if s is None else s
    finite = np.isfinite(s)
    piv = np.where(finite, np.abs(s), 0.0).argmax(axis=1)
    pv = s[np.arange(m), piv]
    with np.errstate(all="ignore"):
        w = np.round(s / pv[:, None], 9) + 0.0  # + 0.0: -0.0 and 0.0 alike
    w[~finite] = 9.0
    first: dict = {}
    out = {}
    for k in np.flatnonzero(np.isfinite(pv) & (pv != 0)).tolist():
        j = first.setdefault((int(piv[k]), w[k].tobytes()), k)
        if j != k:
            at = int(sample[piv[k]])
            out[k] = (j, float(table[k, at] / table[j, at]))
    return out


def _predicted(table: np.ndarray, refs: list[int], ratios: list[float]) -> np.ndarray:
    """The bits of rows ``refs`` times ``ratios`` (float64 products: exact IEEE rounding, the
    same in every process)."""
    return (table[refs] * np.asarray(ratios, dtype=np.float64)[:, None]).view(np.int64)


def _cost(r: np.ndarray) -> np.ndarray:
    """Mean bit length of the zigzagged residuals of each row: log2 of 1 + each, read off its
    float64 bits (exponent and mantissa as one fixed-point number: Mitchell's approximation,
    IRE Trans. Electron. Comput. EC-11 (1962) 512, below log2 by at most 0.086 and exact at
    powers of two), a quarter of the choice's time less than np.log2 and the same transforms
    on the benchmark's chunks but for 2 of 107 columns of a scotogenic random one. Overwrites
    ``r`` (every caller hands over a temporary)."""
    f = _zigzag(r, inplace=True).astype(np.float64)
    f += 1.0
    e = f.view(np.int64)
    e >>= 20  # 2**20 units of 2**-32: the sum of 8192 stays below 2**63
    return e.mean(axis=1) / 2.0**32 - 1023.0


#: Every STRIDE-th point of a chunk judges the transforms (:func:`_choose`).
STRIDE = 16


def _sampled_costs(bits: np.ndarray, codes: list[str], width: int, reach: int, sbits) -> dict:
    """{code: :func:`_cost` of each row's residuals under a :data:`TRANSFORMS` code} on every
    STRIDE-th point from ``reach``. The residuals as differences of differences, each taken
    once and shared ("11" = "1" minus "1" a point back, "1W" = "1" minus "1" a row back,
    "11W" = "11" minus "11" a row back; integers modulo 2**64: the same residuals as the
    operator's terms summed in any order), read straight from the strided points: 9 passes
    over the sample where summing each code's terms took ~30. ``sbits``: the sampled points
    (``at(0)``, contiguous)."""
    n = bits.shape[1]

    def at(off):  # the sampled points `off` back (a view)
        return bits[:, reach - off:n - off:STRIDE]

    out = {}
    if "" in codes:
        out[""] = _cost(sbits.copy())
    one = sbits - at(1)
    two = one - (at(1) - at(2))
    if "1W" in codes or "11W" in codes:
        row = at(width) - at(width + 1)
        one_w = one - row
        row -= at(width + 1) - at(width + 2)
        two -= row  # now "11W"; "11" costed first from a copy
        out["11"] = _cost(two + row)
        out["11W"] = _cost(two)
        out["1W"] = _cost(one_w)
    else:
        out["11"] = _cost(two)
    out["1"] = _cost(one)
    return {c: out[c] for c in codes}


def _choose(bits: np.ndarray, width: int, costs: bool = False, key=None, lift=None,
            with_cost: bool = False):
    """The transform of each row that leaves the smallest residuals, judged on every 8th point
    past the longest reach of the transforms (their mean bit length; raw bits unless another
    transform saves half a bit a value): a :data:`TRANSFORMS` code, or ``R<row>:<ratio>``
    (an earlier row times a constant, :func:`_proportional`), or ``L...`` (a combination of
    other rows, :func:`_linear`). ``costs``: (codes, mean bit length of each row's residuals on
    the sample), the codes without ``L``; ``key``: names the rows (the chunk's stored columns),
    for :func:`_linear`'s reuse of the last chunk's combinations; ``with_cost``: (codes, each
    row's cost under its code, 64 for a ``V`` row)."""
    m, n = bits.shape
    codes = [c for c in TRANSFORMS if "W" not in c or 1 < width < n]
    ops = {c: _operator(c, width) for c in codes}
    reach = max(max(op) for op in ops.values())
    if n - reach < 16:  # too short to judge the grid's rows: the transforms along the chunk only
        codes = [c for c in codes if "W" not in c]
        ops = {c: ops[c] for c in codes}
        reach = max(max(op) for op in ops.values())
    if n - reach < 4:
        if with_cost:
            return [""] * m, np.full(m, 64.0)
        return ([""] * m, None) if costs else [""] * m
    sample = np.arange(reach, n, STRIDE)
    sbits = bits[:, sample]  # the sampled points of every row, gathered once
    cost, choice = _cheapest(_sampled_costs(bits, codes, width, reach, sbits), codes, m)
    table = bits.view(np.float64)
    if lift is not None:  # a random chunk in Hilbert order: interpolation between neighbours
        c = _cost(sbits - lift.predict(table, sample))
        better = c < cost
        cost[better] = c[better]
        for k in np.flatnonzero(better):
            choice[k] = "B"
    pairs = _proportional(table, sample, sbits.view(np.float64))
    if pairs:
        rows = list(pairs)
        refs, ratios = zip(*(pairs[k] for k in rows), strict=True)
        c = _cost(sbits[rows] - _predicted(sbits.view(np.float64), list(refs), list(ratios)))
        for k, ck, j, ratio in zip(rows, c, refs, ratios, strict=True):
            if ck < cost[k] - 0.5:
                choice[k] = f"R{j}:{ratio!r}"
                cost[k] = ck
    if costs:
        return choice, cost
    _linear(bits, choice, cost, sample, key)
    if lift is not None:
        _remainders(bits, choice, cost, sample, lift)
    _verbatim(choice, cost)
    return (choice, cost) if with_cost else choice


#: Format 8: a row whose transform leaves residuals of VERBATIM_BITS or more a value (their
#: mean bit length on the sample, :func:`_cost`: half of a float64's bits or more) is stored
#: verbatim (code ``V``: its float64 bytes as they are, no residuals, byte planes or zlib), the
#: noisiest first, while the chunk's estimated size (:func:`_estimate`, bytes a point) stays
#: within BYTE_BUDGET. Such a row's residuals fill 4-8 of its 8 byte planes with noise that
#: neither interpolation nor deflate shrinks: storing its bits costs 8 - (cost + PLANE_PAD) / 8
#: bytes a point more (1-3) and saves its share of every encoding pass (the residuals, the
#: Hilbert interpolation's gathers, the plane copies, deflating its skewed top planes: a
#: scotogenic random chunk's 25 such rows took ~0.4 µs a point). BYTE_BUDGET is what the
#: store may spend for CPU (also on dense plane rows stored raw and on random chunks in id
#: order): 260 estimated bytes a point of a chunk's data, with the estimate's error (within
#: +8% on the benchmark's chunks) and the file's other bytes (layout, ids, routes ~1 B a point;
#: the card and the fast-path recipe ~9 B a point of a 20 000-point scan) below issue 12's 300.
#: A chunk estimated above the budget without them stores as format 7 did (but for packed
#: plane rows); 0 turns them off.
VERBATIM_BITS, BYTE_BUDGET = 32.0, 260.0
#: Bits a value that a coded row stores beyond its residuals' mean bit length: a byte plane is
#: stored whole where the larger residuals reach it (the benchmark's chunks, format 7: 5-9 bits
#: a row; with 8, the estimate of a chunk's bytes is within -10..+8% of what it stored).
PLANE_PAD = 8.0


def _estimate(cost: np.ndarray) -> float:
    """Estimated bytes a point of a chunk's rows, given each row's cost (mean bit length of its
    residuals; 64 for a ``V`` row, which stores exactly 8 bytes)."""
    coded = cost < 64.0
    return float(np.sum(cost[coded] + PLANE_PAD) + 64.0 * np.sum(~coded)) / 8.0


def _verbatim(choice: list[str], cost: np.ndarray) -> None:
    """Turn the rows of ``choice`` whose residuals cost VERBATIM_BITS or more a value into
    ``V`` rows, the costliest first, while the chunk's estimated bytes a point
    (:func:`_estimate`) stay within BYTE_BUDGET; ``cost`` (bounded to 64) is updated."""
    np.minimum(np.where(np.isfinite(cost), cost, 64.0), 64.0, out=cost)
    if BYTE_BUDGET <= 0:
        return
    total = _estimate(cost)
    for k in np.argsort(-cost, kind="stable").tolist():
        if cost[k] < VERBATIM_BITS:
            break
        if choice[k] == "V":
            continue
        extra = 8.0 - (cost[k] + PLANE_PAD) / 8.0
        if total + extra > BYTE_BUDGET:
            break
        choice[k] = "V"
        cost[k] = 64.0
        total += extra


#: Codes whose residuals depend on the order of the points (in a random chunk: the Hilbert
#: order): the interpolation and differences with the previous point; and every ``K...`` (a
#: combination plus the interpolation of its remainder).
_ORDERED = ("B", "1", "11")


def _cheapest(sampled: dict, codes, m: int) -> tuple[np.ndarray, list[str]]:
    """(cost, code) of each of ``m`` rows: the cheapest of ``codes`` by their sampled mean bit
    lengths, a transform only where it saves half a bit a value over the one before it."""
    cost = np.full(m, np.inf)
    choice = [""] * m
    for code in codes:
        c = sampled[code]
        better = c < cost - (0.5 if code else 0.0)
        cost[better] = c[better]
        for k in np.flatnonzero(better):
            choice[k] = code
    return cost, choice


def _id_order(bits: np.ndarray, choice: list[str], cost: np.ndarray, order: np.ndarray) -> bool:
    """Whether a random chunk's transforms (``choice`` and ``cost``, chosen on ``bits`` in the
    Hilbert ``order``) may do without that order (format 8): if the rows whose codes depend on
    it (:data:`_ORDERED`), costed again in id order (a ``K`` row as its combination ``L``, the
    others under their best :data:`TRANSFORMS` code or verbatim from VERBATIM_BITS), leave the
    chunk's estimated bytes a point within BYTE_BUDGET, their codes in ``choice`` become
    those and the chunk's successors skip the order, its interpolation weights and the gather
    of every column into that order (0.2-0.4 µs a point of a random chunk, for 10-35 B a
    point). True if it may (``choice`` changed)."""
    dep = [k for k, c in enumerate(choice) if c in _ORDERED or c.startswith("K")]
    if BYTE_BUDGET <= 0 or bits.shape[1] < 64:
        return False
    if not dep:
        return True
    ids = np.empty((len(dep), bits.shape[1]), dtype=np.int64)
    ids[:, order] = bits[dep]  # these rows in id order
    along = [c for c in TRANSFORMS if "W" not in c]  # no grid rows in id order
    reach = max(max(_operator(c, 0)) for c in along)
    own = _sampled_costs(ids, along, 0, reach, np.ascontiguousarray(ids[:, reach::STRIDE]))
    new, codes = _cheapest(own, along, len(dep))
    table = bits.view(np.float64)
    for i, k in enumerate(dep):
        if choice[k].startswith("K"):
            plain = bits[k] - _combined(table, _linear_terms(choice[k]))  # any order alike
            codes[i], new[i] = "L" + choice[k][1:], _cost(plain[None, reach::STRIDE].copy())[0]
    new = np.where(new >= VERBATIM_BITS, 64.0, np.minimum(new, 64.0))
    after = cost.copy()
    after[dep] = new
    if _estimate(after) > BYTE_BUDGET:
        return False
    for i, k in enumerate(dep):
        choice[k] = "V" if new[i] == 64.0 else codes[i]
    return True


def _remainders(bits: np.ndarray, choice: list[str], cost: np.ndarray, sample: np.ndarray,
                lift) -> None:
    """Turn an ``L`` row into a ``K`` row where that leaves a smaller residual on the sample:
    the combination plus the interpolation (:class:`~bridge.scan.store_order.Lifting`) of
    what the combination leaves (a sum of a few terms of a smooth function of the parameters:
    a combination fitted on all points leaves a remainder that varies slowly over the box).
    ``cost``: each row's cost, updated for the rows that change."""
    rows = [k for k, c in enumerate(choice) if c.startswith("L")]
    if not rows:
        return
    table = bits.view(np.float64)
    base = np.array([_combined(table, _linear_terms(choice[k])).view(np.float64) for k in rows])
    sbits = bits[np.ix_(rows, sample)]  # the rows' sampled points only (not whole rows)
    plain = _cost(sbits - base[:, sample].view(np.int64))
    pred = _about(table[rows], base, lift, sample)
    spatial = _cost(sbits - pred)
    for k, a, b in zip(rows, plain, spatial, strict=True):
        if b < a - 0.5:
            choice[k] = "K" + choice[k][1:]
            cost[k] = b


def _about(values: np.ndarray, base: np.ndarray, lift, pos) -> np.ndarray:
    """The bits of ``base`` plus the interpolation of ``values - base`` at positions ``pos``
    (both as float64 elementwise arithmetic; non-finite remainders and sums as 0.0)."""
    with np.errstate(all="ignore"):
        g = values - base
    return _about_at(finite(g), base, lift, pos)


def _restore_about(r: np.ndarray, base: np.ndarray, lift) -> np.ndarray:
    """The inverse of the ``K`` residuals (``r``: bits minus :func:`_about` at every position
    but the first, minus ``base`` there), level by level as :meth:`Lifting.restore`."""
    out = np.empty_like(r)
    table = out.view(np.float64)
    g = np.zeros(r.shape)
    first = base[:, 0].copy()
    first[~np.isfinite(first)] = 0.0
    out[:, 0] = r[:, 0] + first.view(np.int64)
    for i in [np.array([0]), *lift.levels]:
        if i.size and i[0] != 0:
            out[:, i] = r[:, i] + _about_at(g, base, lift, i)
        with np.errstate(all="ignore"):
            gi = table[:, i] - base[:, i]
        finite(gi)
        g[:, i] = gi
    return out


def _about_at(g: np.ndarray, base: np.ndarray, lift, pos) -> np.ndarray:
    """The bits of ``base`` plus the interpolation of the remainders ``g`` at ``pos`` (the sum
    taken in place: IEEE addition is commutative, bit for bit)."""
    p = lift.predict(g, pos).view(np.float64)
    with np.errstate(all="ignore"):
        p += base[:, pos]
    return finite(p).view(np.int64)


#: Numbers of other rows an ``L`` transform may combine (tried in turn, the largest terms of
#: the fit on all independent rows first), and the bits a value it must save over the row's own
#: transform. The rows that are exact linear combinations of a few others (a Wilson coefficient
#: and the contributions it sums, coefficients of one coupling structure with other charges)
#: take 1-3 terms and leave 1-5 bits a value of 50-58; observables, pulls and χ² are nearly
#: linear in many coefficients: 5-8 terms save them 8-13 bits a value (a 4096-point scotogenic
#: chunk of a random sample: 531 -> 406 B/point with up to 3 terms, 372 with up to 6, 364 with
#: up to 16; each term a multiply-add per point when written and when read). Format 6 tries 12
#: and 16 terms too: with the R rows' references free to be combinations (the re/im pairs of
#: the b -> s coefficients), a scotogenic random chunk in Hilbert order stores 302 -> 296
#: B/point; the search runs once in CHOICE_REUSE chunks.
LINEAR_TERMS, LINEAR_GAIN = (1, 2, 3, 5, 8, 12, 16), 4.0
#: Relative size of the pivots of the sampled rows' pivoted Gram-Schmidt decomposition below
#: which a row counts as a combination of the ones before it (:func:`_pivoted_basis`).
LINEAR_RANK = 1e-10


def _linear_code(terms: list[tuple[int, float]]) -> str:
    return "L" + ",".join(f"{j}:{c!r}" for j, c in terms)


@lru_cache(maxsize=4096)
def _linear_terms(code: str) -> tuple[tuple[int, float], ...] | None:
    """((row, coefficient), ...) of an ``L`` transform ``L<row>:<c>,<row>:<c>...`` (or ``K``:
    the same combination, its remainder interpolated between neighbours), else None. Cached: a
    scan's chunks repeat their codes, parsed at every chunk (~1 ms of a scotogenic one)."""
    if not code.startswith(("L", "K")):
        return None
    out = []
    for part in code[1:].split(","):
        row, _, c = part.partition(":")
        out.append((int(row), float(c)))
    if not out:
        raise ValueError("an L transform without terms")
    return tuple(out)


def _combined(table: np.ndarray, terms: list[tuple[int, float]], out=None) -> np.ndarray:
    """The bits of the sum of ``table[row] * coefficient`` over ``terms``, added in their order
    (float64 products and sums, each rounded as IEEE rounds it: the same in every process; a
    matrix product would not be, its order of summation is the BLAS library's); 0.0 where the
    sum is not finite (NaN payloads are not reproduced alike by every processor). ``out``: a
    float64 row to hold the sum."""
    j, c = terms[0]
    p = np.multiply(table[j], c, out=out)
    if len(terms) > 1:
        term = np.empty_like(p)  # one temporary for all terms: the same roundings, fewer passes
        for j, c in terms[1:]:
            np.multiply(table[j], c, out=term)
            p += term
    finite(p)
    return p.view(np.int64)


#: {rows' key: [the L codes of the last chunk with these rows, chunks since the last search]}:
#: the rows of a scan's chunks are the same columns, combined with the same coefficients where
#: the combination is exact (a coefficient and its contributions); the search (a pivoted
#: Gram-Schmidt decomposition of the sample and batched small fits, ~20 ms for a scotogenic
#: chunk, 5 µs a point of a 4096-point chunk) runs again when a reused combination no longer
#: saves LINEAR_GAIN bits a value, and every LINEAR_SEARCH chunks.
_LINEAR_CACHE: dict = {}
LINEAR_SEARCH = 8
#: Fewest sampled points (1024-point chunks) on which combinations are searched.
LINEAR_SAMPLE = 64


def _linear(bits: np.ndarray, choice: list[str], cost: np.ndarray, sample: np.ndarray,
            key=None) -> None:
    """:func:`_linear_search`, or the combinations it found for the last chunk with the same
    rows (``key``) if each still saves :data:`LINEAR_GAIN` bits a value on this one."""
    cached = _LINEAR_CACHE.get(key) if key is not None else None
    if cached is not None and cached[0] and cached[1] < LINEAR_SEARCH:
        ratio = {k: _ratio_code(c) for k, c in enumerate(choice) if c.startswith("R")}
        taken = set(ratio)  # an R row's reference may be an L row (decoded before it)
        codes = cached[0]
        good = all(k < len(choice) and k not in taken and not any(
            j >= len(choice) or j in codes or j in ratio for j, _ in _linear_terms(code))
            for k, code in codes.items())
        if good and codes:  # each combination's residuals on the sample, costed at once
            rows = list(codes)
            table = bits.view(np.float64)[:, sample]
            r = table.view(np.int64)[rows]
            for i, k in enumerate(rows):
                r[i] -= _combined(table, _linear_terms(codes[k]))
            reused = _cost(r)
            good = bool(np.all(reused < cost[rows] - LINEAR_GAIN))
            if good:
                cost[rows] = reused
        if good:
            for k, code in codes.items():
                choice[k] = code
            cached[1] += 1
            return
    if sample.size < LINEAR_SAMPLE:  # the first chunks of a scan: a few points, little to save
        return
    _linear_search(bits, choice, cost, sample)
    if key is not None:
        if len(_LINEAR_CACHE) > 16:
            _LINEAR_CACHE.clear()
        _LINEAR_CACHE[key] = [{k: c for k, c in enumerate(choice) if c.startswith("L")}, 0]


def _pivoted_basis(a: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """(column order, rank, coordinates) of ``a`` (sample x rows, each row scaled to at most 1):
    Gram-Schmidt with column pivoting (the largest remaining column next, orthogonalised twice)
    until the remaining columns are below :data:`LINEAR_RANK` of the first; ``coordinates``
    (rank x the other columns): each other column in the first ``rank`` ones, by least squares.
    Elementwise numpy and einsum, no BLAS or LAPACK call: in a process whose BLAS runs several
    threads (an in-process scan) a 256 x 90 QR decomposition took 0.3 CPU-s on a loaded
    machine instead of 1 ms."""
    r = np.array(a, dtype=np.float64)
    p = r.shape[1]
    order: list[int] = []
    qs: list = []
    norms = np.einsum("sj,sj->j", r, r)
    first = float(norms.max()) if p else 0.0
    if not first > 0:
        return np.arange(p), 0, np.zeros((0, p))
    left = np.ones(p, dtype=bool)
    while left.any():
        norms = np.where(left, np.einsum("sj,sj->j", r, r), -1.0)
        j = int(np.argmax(norms))
        if not norms[j] > LINEAR_RANK ** 2 * first:
            break
        q = r[:, j] / np.sqrt(norms[j])
        c = np.zeros(p)
        for _ in range(2):
            step = np.einsum("s,sj->j", q, r)
            r -= q[:, None] * step[None, :]
            c += step
        r[:, j] = 0.0
        left[j] = False
        order.append(j)
        qs.append(c)  # the row of R: each column's component along q
    rank = len(order)
    rest = [j for j in range(p) if left[j]]
    piv = np.array(order + rest, dtype=np.int64)
    if not rest or not rank:
        return piv, rank, np.zeros((rank, len(rest)))
    big_r = np.array(qs)  # rank x columns: a = Q R + what is left
    upper, rhs = big_r[:, order], big_r[:, rest]
    coords = np.zeros((rank, len(rest)))
    for k in range(rank - 1, -1, -1):  # back substitution
        coords[k] = (rhs[k] - np.einsum("i,ij->j", upper[k, k + 1:], coords[k + 1:])) / upper[k, k]
    return piv, rank, coords


def _linear_search(bits: np.ndarray, choice: list[str], cost: np.ndarray,
                   sample: np.ndarray) -> None:
    """Give the rows that are (nearly) linear combinations of other rows an ``L`` transform
    (in ``choice``), where it saves :data:`LINEAR_GAIN` bits a value. The independent rows are
    the pivots of a Gram-Schmidt decomposition with column pivoting of the sampled rows (each
    scaled to its largest value, :func:`_pivoted_basis`); each other row is fitted by least
    squares on the sample with the :data:`LINEAR_TERMS` largest terms of its fit on all
    independent rows. The
    coefficients are stored in the code: the residuals are the float64 bits of the row minus
    those of the prediction (:func:`_combined`), lossless whatever the fit's quality."""
    table = bits.view(np.float64)
    s = table[:, sample]
    m = len(choice)
    ratio_rows = {k for k, c in enumerate(choice) if c.startswith("R")}
    with np.errstate(all="ignore"):
        scale = np.abs(s).max(axis=1)
        usable = np.all(np.isfinite(s), axis=1) & (scale > 0) & np.isfinite(scale)
    rows = [k for k in range(m) if usable[k] and k not in ratio_rows]
    if len(rows) < 2 or sample.size < 8:
        return
    a = (s[rows] / scale[rows, None]).T
    piv, rank, coords = _pivoted_basis(a)
    if rank == 0 or rank == len(rows):
        return
    basis = [rows[k] for k in piv[:rank]]
    keep = [t for t, k in enumerate(piv[rank:])
            if cost[rows[k]] > LINEAR_GAIN + 1.0]
    targets = [rows[piv[rank + t]] for t in keep]
    if not targets:
        return
    full = coords[:, keep]  # rank x targets: each target in the basis rows (scaled)
    ab = a[:, piv[:rank]]  # the independent rows, scaled, as columns
    at = s[targets] / scale[targets, None]
    # the fits on a few rows, for all rows at once: normal equations of the sampled basis (a
    # ridge of 1e-12 of its diagonal keeps them solvable) and two steps of iterative refinement
    # (back to the precision of a least-squares solver: the exact combinations then leave 1-5
    # bits a value); the sample's residuals from an einsum (for the cost only: the stored
    # residuals come from _combined)
    gram, rhs = np.einsum("sk,sj->kj", ab, ab), np.einsum("sk,ts->kt", ab, at)
    ridge = 1e-12 * np.max(np.diag(gram))
    ranked = np.argsort(-np.abs(full), axis=0, kind="stable")  # largest terms first, per row
    basis_arr = np.asarray(basis)
    abt = np.ascontiguousarray(ab.T)
    rows_t = np.arange(len(targets))
    best = cost[targets] - LINEAR_GAIN
    chosen: list = [None] * len(targets)
    tbits = bits[np.ix_(targets, sample)]
    for size in (z for z in LINEAR_TERMS if z <= rank):
        top = np.sort(ranked[:size], axis=0).T  # targets x size
        g = gram[top[:, :, None], top[:, None, :]] + ridge * np.eye(size)
        sub = abt[top]  # targets x size x sample
        try:
            coef = np.linalg.solve(g, rhs.T[rows_t[:, None], top][..., None])[..., 0]
            for _ in range(2):
                res = at - np.einsum("tk,tks->ts", coef, sub)
                coef += np.linalg.solve(g, np.einsum("tks,ts->tk", sub, res)[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        coef *= scale[targets][:, None] / scale[basis_arr[top]]
        with np.errstate(all="ignore"):
            pred = np.einsum("tk,tks->ts", coef, s[basis_arr[top]])
        finite(pred)
        ck = _cost(tbits - pred.view(np.int64))
        better = np.isfinite(coef).all(axis=1) & (ck < best)
        for t in np.flatnonzero(better).tolist():
            best[t] = ck[t]
            chosen[t] = [(int(basis_arr[i]), float(c)) for i, c in zip(top[t], coef[t], strict=True)
                         if c != 0.0]
    for k, terms, c in zip(targets, chosen, best.tolist(), strict=True):
        if terms:
            choice[k] = _linear_code(terms)
            cost[k] = c


def _head(n: int, width: int) -> np.ndarray:
    """Points whose residuals reach back to the chunk's start (the first two, and the first two
    of the second grid row): large; kept as they are, out of the byte planes."""
    return np.array(sorted({i for i in (0, 1, width, width + 1) if 0 <= i < n}), dtype=np.int64)


#: Byte-plane rows of :func:`encode_table`: all zero (not stored), stored as they are, deflated,
#: and (format 8) packed 1, 2 or 4 bits a byte (:func:`_bitpack`).
ZERO, RAW, DEFLATED, PACK1, PACK2, PACK4 = 0, 1, 2, 3, 4, 5
_PACKED = (PACK1, PACK2, PACK4)
_PACK_BITS = {PACK1: 1, PACK2: 2, PACK4: 4}
#: The packed kind of a row by the OR of its bytes (1..15; 0: ZERO).
_PACK_KIND = (ZERO, PACK1, PACK2, PACK2, *[PACK4] * 12)
#: Format 8: a plane row that would be deflated is packed instead when its bytes are all below
#: 16 and at least PACK_NONZERO of its sampled bytes are non-zero. zlib (Z_RLE, level 1) takes
#: ~11 ns a byte on such rows (bytes 0-9: 0.44 bytes out a byte in) and ~2 ns on sparse ones
#: (1% non-zero: 0.02 out); packing takes ~0.7 ns a byte for 0.5 (4 bits), 0.25 or 0.125 out.
#: Above 1 it is off (format 7's encoding).
PACK_NONZERO = 0.1


def _bitpack(part: np.ndarray, bits: int) -> np.ndarray:
    """Rows of bytes below 2**bits (rows x n uint8), ``8 // bits`` to a byte: value j of each
    group in bits ``bits * j`` up (little-endian order; the last group padded with zeros)."""
    if bits == 1:
        return np.packbits(part, axis=1, bitorder="little")
    per = 8 // bits
    rows, n = part.shape
    if n % per:
        full = np.zeros((rows, -(-n // per) * per), dtype=np.uint8)
        full[:, :n] = part
        part = full
    out = part[:, ::per].copy()
    for j in range(1, per):
        out |= part[:, j::per] << np.uint8(bits * j)
    return out


def _bitunpack(packed: np.ndarray, bits: int, n: int) -> np.ndarray:
    """The inverse of :func:`_bitpack` (rows x n uint8)."""
    if bits == 1:
        return np.unpackbits(packed, axis=1, count=n, bitorder="little")
    per = 8 // bits
    out = np.empty((packed.shape[0], packed.shape[1] * per), dtype=np.uint8)
    mask = np.uint8((1 << bits) - 1)
    for j in range(per):
        np.bitwise_and(packed >> np.uint8(bits * j), mask, out=out[:, j::per])
    return out[:, :n]
#: zlib level and strategy of the deflated byte planes: level 1 with run-length matches only
#: (Z_RLE): the planes are runs of zeros and small bytes; a full match search (the default
#: strategy) saves 2-4% of their bytes at 1.4-1.6x the time, level 6 another 5% at 2.5x
#: (scotogenic and F_Ib chunks, grid and random, benchmarks/scan_store.py).
LEVEL = 1


#: A byte-plane row is deflated if fewer than this fraction of its sampled bytes are non-zero,
#: or their mean is below DEFLATE_MEAN; other rows are stored as they are. Rows between these
#: and noise deflate to 70-95% of their size at 1-2 µs per point of a scotogenic chunk; stored
#: raw, the chunk takes 15-20% less CPU and 4-8% more bytes (0.9 and 100 before; measured on
#: 2736-point scotogenic chunks, grid and random, benchmarks/scan_store.py).
DEFLATE_NONZERO, DEFLATE_MEAN = 0.3, 40
#: Format 8: the dense rows of small bytes that DEFLATE_MEAN would deflate (the low byte of an R
#: or L row's rounding residuals, most of them 1-60) are stored as they are when the chunk's
#: estimated bytes stay within BYTE_BUDGET with them (deflated rows counted at twice their
#: sampled non-zero bytes): zlib takes ~8 ns a byte on them for 0.6-0.7 bytes out a byte in
#: (a scotogenic random chunk: 0.3-0.4 µs a point for 15 B a point).


def _deflate(*parts) -> bytes:
    """One zlib stream of ``parts`` one after the other, fed in turn (no joined copy; zlib
    holds input back until it has a full match window, so the stream is the one of the parts
    joined: the SHA-1 pins of tests/test_scan_store_order.py hold)."""
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    return b"".join([*map(z.compress, parts), z.flush()])


def _residuals(bits: np.ndarray, codes: list[str], width: int, lift=None) -> np.ndarray:
    """The zigzagged residuals of each row under its transform (``codes``; ``B``: the
    interpolation ``lift``, :class:`bridge.scan.store_order.Lifting`), the ``V`` rows (stored
    verbatim) left out: one row per other row, in order (:func:`_coded`)."""
    return _coded(bits, codes, width, lift)[0]


def _coded(bits, codes: list[str], width: int, lift=None, head=None, samples: bool = True):
    """(z, heads, reach, every 8th residual from the 5th, every 8th from the first) of the rows
    of ``bits`` (a table, or a list of rows) under ``codes``: z the zigzagged residuals of
    :func:`_residuals`; with ``head`` (:func:`_head`), those points' residuals taken out of z
    into heads (z there 0), each row's OR and the two samples of :func:`_encode`, each taken
    from the row while it is in the cache (three passes over the whole table were slower on
    a chunk just computed, its residuals out of the cache). Row by row (but the ``B`` and
    ``K`` rows, a few at a time): each row's prediction, difference and zigzag are taken while
    the row is in the cache, into one table, with two scratch rows (no gathered copies of the
    rows of a code; the same integers as the transforms' definitions: the products and sums
    of :func:`_combined` and :func:`_predicted` in the same order). ``samples``: False, the
    two samples not taken (None: a chunk that reuses the plane decisions, :func:`_encode`)."""
    n = bits[0].size
    at = {}  # row of the table -> row of the residuals
    for k, c in enumerate(codes):
        if c != "V":
            at[k] = len(at)
    m = len(at)
    r = np.empty((m, n), dtype=np.int64)
    remainder = [k for k, c in enumerate(codes) if c.startswith("K")]
    if remainder:  # (B and K rows: a random chunk in Hilbert order, a table)
        table = bits.view(np.float64)
        base = np.empty((len(remainder), n))
        for i, k in enumerate(remainder):
            _combined(table, _linear_terms(codes[k]), out=base[i])
        about = _about(table[remainder], base, lift, slice(1, None))
        for i, k in enumerate(remainder):
            np.subtract(bits[k, :1], base[i, :1].view(np.int64), out=r[at[k], :1])
            np.subtract(bits[k, 1:], about[i], out=r[at[k], 1:])
    lifted = [k for k, c in enumerate(codes) if c == "B"]
    if lifted:
        r[[at[k] for k in lifted]] = lift.residuals(bits[lifted], inplace=True)
    if head is not None:
        heads = np.empty((m, head.size), dtype=np.int64)
        reach = np.empty(m, dtype=np.int64)
        late = early = None
        if samples:
            late, early = np.empty((m, len(range(4, n, 8))), np.int64), np.empty((m, -(-n // 8)), np.int64)

    sign = np.empty((min(CODED_BLOCK, m), n), dtype=np.int64)

    def done(start, stop):  # rows start..stop-1 of the residuals zigzagged in place, then their figures
        for a in range(start, stop, CODED_BLOCK):
            b = min(a + CODED_BLOCK, stop)
            block, spare_rows = r[a:b], sign[:b - a]
            np.right_shift(block, 63, out=spare_rows)
            block <<= 1
            block ^= spare_rows
            if head is not None:
                heads[a:b] = block[:, head]
                block[:, head] = 0
                np.bitwise_or.reduce(block, axis=1, out=reach[a:b])
                if samples:
                    late[a:b] = block[:, 4::8]
                    early[a:b] = block[:, ::8]

    finished = 0  # rows of r zigzagged (the B and K rows' residuals are in r already)
    total = np.empty(n)  # a prediction's float64 values
    term = np.empty(n)  # one product of a combination
    spare = term.view(np.int64)  # or a first difference; the sign of a zigzag
    for k, c in enumerate(codes):
        if c == "V" or c == "B" or c.startswith("K"):
            continue
        row, b = r[at[k]], bits[k]
        if c.startswith("L"):
            terms = _linear_terms(c)
            np.multiply(bits[terms[0][0]].view(np.float64), terms[0][1], out=total)
            for j, f in terms[1:]:  # the order and roundings of _combined
                np.multiply(bits[j].view(np.float64), f, out=term)
                total += term
            finite(total)
            np.subtract(b, total.view(np.int64), out=row)
        elif c.startswith("R"):
            j, ratio = _ratio_code(c)
            np.multiply(bits[j].view(np.float64), ratio, out=total)  # _predicted's product
            np.subtract(b, total.view(np.int64), out=row)
        elif c in ("", "1", "1W"):
            if c == "1W":
                _lag_into(b, spare, 1)
                _lag_into(spare, row, width)
            else:
                _lag_into(b, row, 1 if c else 0)
        elif c == "11":
            _lag_into(b, spare, 1)
            _lag_into(spare, row, 1)
        elif c == "11W":
            _lag_into(b, row, 1)
            _lag_into(row, spare, 1)
            _lag_into(spare, row, width)
        else:
            raise ValueError(f"unknown transform {c!r}")
        if at[k] + 1 - finished >= CODED_BLOCK:
            done(finished, at[k] + 1)
            finished = at[k] + 1
    if finished < m:
        done(finished, m)
    if head is None:
        return r.view(np.uint64), None, None, None, None
    if not samples:
        return r.view(np.uint64), heads.view(np.uint64), reach.view(np.uint64), None, None
    return (r.view(np.uint64), heads.view(np.uint64), reach.view(np.uint64), late.view(np.uint64),
            early.view(np.uint64))


#: Rows of residuals zigzagged and summed up at a time (:func:`_coded`): a block of 8 rows of
#: 8192 points (512 KiB) stays in a core's L2 cache between the residuals and their zigzag,
#: with 8 times fewer numpy calls than row by row (6 calls a row took ~1 µs each).
CODED_BLOCK = 8


def _lag_into(src: np.ndarray, dst: np.ndarray, lag: int) -> None:
    """``dst`` = :func:`_lagged` of the row ``src`` (a copy for a lag outside the row)."""
    if 0 < lag < src.size:
        dst[:lag] = src[:lag]
        np.subtract(src[lag:], src[:-lag], out=dst[lag:])
    else:
        dst[...] = src


#: {rows' key: [transforms, bytes per point, chunks since they were chosen, in Hilbert order]}
#: (:func:`_reusable`; bytes None: set by the next chunk, the first in id order): a scan's chunks
#: hold the same columns, the same functions of the parameters over the same box, so the
#: transforms chosen for one chunk (:func:`_choose`, 0.2-1.5 µs a point of an 8192-point
#: chunk, as much as the rest of the encoding for F_Ib) suit the next ones: they are taken again for
#: CHOICE_REUSE chunks of at least CHOICE_POINTS points, unless a chunk's bytes per point grow
#: by CHOICE_GROWTH (lossless whatever the transforms: a worse choice costs bytes, never a
#: value). The chunks of a random sample are alike (points drawn over the whole box): 32 (8
#: before) stores as few bytes and saves 0.2-0.4 µs a point (F_Ib, S_Ib, scotogenic, chunks of
#: 8192). A grid's chunks sweep the box, each a band of other masses, whose columns want other
#: transforms while the bytes per point change by ±10% from band to band (the growth guard
#: cannot tell): CHOICE_REUSE_GRID 1, choosing for every second chunk (65536-point grids,
#: benchmarks/scan_store.py, B/point at 1 / 2 / 4 / 8: S_Ib 56.7 / 56.8 / 57.9 / 60.8,
#: scotogenic 115.5 / 118.8 / 118.8 / 118.7; F_Ib, F_IIb alike within 0.2%; a choice is
#: judged on a sample, so a band may also store ~1% more: scotogenic, 48 chunks over the grid,
#: 117.7 at 1, 116.6 at 8). Choosing costs 0.3-0.9 µs a point of an 8192-point grid chunk
#: (scotogenic the most: about a fifth each the sampled residuals, their cost estimates, the
#: check of the reused combinations and the R pairs' search), 0.15-0.45 a point of every chunk
#: of a grid. Format 8 chooses for every eighth chunk of a grid (CHOICE_REUSE_GRID 7): with the
#: noisy rows verbatim a choice saves less, and choosing costs 0.5-1 µs a point of the chunk
#: that chooses, as much as the rest of a scotogenic grid chunk's encoding (four 8192-point
#: chunks of the 256 x 256 grids, B/point at 1 / 3: scotogenic 154.1 / 154.1, S_Ib 81.2 /
#: 80.4, F_Ib 97.6 / 100.0, F_IIb 47.5 / 51.4; benchmarks/scan_store.py, 65 536 points, three
#: interleaved rounds, 3 / 7: B/point scotogenic 139.8 / 141.4, S_Ib 78.7 / 78.4, F_Ib 96.2 /
#: 98.7, F_IIb 41.3 / 47.9, the scotogenic share on the largest chunks 4.5-5.4 / 3.9-5.2%).
#: Since, every 32nd chunk (CHOICE_REUSE_GRID 31; the growth guard still chooses again when a
#: chunk's bytes grow by CHOICE_GROWTH): choosing cost 0.06-0.09 µs a point of every chunk of
#: a scotogenic grid, and the budget allows the bytes (262 144-point grids of
#: benchmarks/scan_store.py, B/point at 7 / 31 with the plan reuse: scotogenic 113.7 / 127.5,
#: F_IIb 36.1 / 45.4, F_Ib 80.8 / 81.8, S_Ib 50.3 / 53.6).
_CHOICE_CACHE: dict = {}
CHOICE_REUSE, CHOICE_REUSE_GRID, CHOICE_POINTS, CHOICE_GROWTH = 32, 31, 1024, 1.05


def encode_table(table: np.ndarray, width: int, key=None, lift=None,
                 reuse: int | None = None, order=None) -> tuple[list[str], bytes]:
    """(transform per row, blob) of a float64 table (rows: columns of a chunk). Each column
    takes the transform that leaves the smallest residuals (:func:`_choose`), or is stored
    verbatim (``V``, format 8: its residuals would keep VERBATIM_BITS or more a value, within
    BYTE_BUDGET, :func:`_verbatim`); the zigzagged residuals of the others are split into
    byte planes, one row of n bytes per column and byte: a row of zeros (the high bytes of
    small residuals) is left out, a sparse one deflated, a dense one of bytes below 16
    bit-packed (format 8, :func:`_bitpack`), a dense skewed one stored as it is within
    BYTE_BUDGET (format 8; deflated otherwise, DEFLATE_MEAN), a noisy one (the low bytes)
    stored as it is (deflating noise costs time and saves nothing).
    Lossless: :func:`decode_table` gives the same bits back. ``lift``: the neighbours of a
    random chunk stored in Hilbert order (:class:`bridge.scan.store_order.Lifting`), for the
    ``B`` transform. ``reuse``: chunks that take the transforms chosen for an earlier one with
    the same ``key`` (None: :data:`CHOICE_REUSE`). ``order``: the Hilbert order of a random
    chunk given with ``lift``: if its transforms may do without it (:func:`_id_order`), the
    cache of the choice says so (:func:`_reusable`), and the next chunks with this key are
    stored in id order.

    A residual far above the others of its column (a grid row's first point, predicted from
    the end of the row before; a point where the interpolation fails) is a spike: its high
    bytes are stored apart (:func:`_spikes`), so that the planes they alone reach are left out
    instead of deflated (format 7).

    blob (m: the rows not stored verbatim, in order): kinds (uint8 per plane row: ZERO, RAW,
    DEFLATED; format 8 also PACK1, PACK2, PACK4) | head residuals (int64, m x len(_head)) |
    the ``V`` rows' float64 bits (format 8; little-endian, n x 8 bytes each) | RAW rows |
    PACK1 rows, PACK2 rows, PACK4 rows (format 8; ceil(n * bits / 8) bytes each) | one zlib
    stream of the DEFLATED rows and then the spikes (format 7; none in format 6): the gaps
    between their positions in the table (uint32, the first from 0) and their high bytes
    (uint64), each as its byte planes."""
    m, n = table.shape
    if m == 0:
        return [], b""
    return _encode(np.ascontiguousarray(table, dtype="<f8").view(np.int64), n, width, key, lift,
                   reuse, order)


def _encode(bits, n: int, width: int, key=None, lift=None, reuse=None, order=None):
    """:func:`encode_table` of the float64 bits ``bits`` (rows x ``n`` int64): a table, or a
    list of rows (:func:`_layout`'s, stacked here only if the transforms are chosen: a chunk
    that reuses a choice reads its columns where the scan left them, one copy of the table
    less)."""
    cached = _reusable(key, n, reuse)
    ordered = lift is not None
    if cached is not None:
        choice = list(cached[0])
        cached[2] += 1
    else:
        if isinstance(bits, list):
            bits = _stack(bits, n).view(np.int64)
        choice, cost = _choose(bits, width, key=key, lift=lift, with_cost=True)
        if order is not None and _id_order(bits, choice, cost, order):
            ordered = False
    head = _head(n, width)
    # a chunk that reuses a choice reuses the plane decisions of the chunk that chose (its
    # plane rows' kinds), as far as this chunk's residuals allow (PLANE_REUSE)
    plan = cached[4] if cached is not None and PLANE_REUSE and len(cached) > 4 else None
    # the head points' residuals kept apart (z there 0); a plane row is all zero where no
    # residual of its column reaches that byte (reach: one OR per column); the samples below
    z, heads, reach, late, sample = _coded(bits, choice, width, lift, head, samples=plan is None)
    verbatim = [k for k, c in enumerate(choice) if c == "V"]
    if plan is not None:
        kinds, spikes = _replanned(z, reach, plan, len(verbatim))
    else:
        kinds, spikes, plan = _planned(z, reach, late, sample, n, len(verbatim))
        if cached is not None and PLANE_REUSE and len(cached) > 4:
            cached[4] = plan  # (after a random sample's chunk that gave up the Hilbert order)
    raw = _plane_rows(z, np.flatnonzero(kinds == RAW))
    bitpacked = [_bitpack(part, _PACK_BITS[kind]) for kind in _PACKED
                 for part in _plane_rows(z, np.flatnonzero(kinds == kind))]
    deflated = np.flatnonzero(kinds == DEFLATED)
    packed = (_deflate(*map(memoryview, _plane_rows(z, deflated)), *_spike_planes(*spikes))
              if deflated.size or spikes[0].size else b"")
    blob = b"".join([kinds.tobytes(), heads.astype("<u8").tobytes(),
                     # the "<f8" bytes themselves (a row of a list may be a strided view)
                     *(memoryview(np.ascontiguousarray(bits[k])) for k in verbatim),
                     *map(memoryview, raw), *map(memoryview, bitpacked), packed])
    if key is not None and n >= CHOICE_POINTS:
        if cached is None:
            if len(_CHOICE_CACHE) > 16:
                _CHOICE_CACHE.clear()
            # a chunk that gives up the order: its successors' bytes are the reference
            _CHOICE_CACHE[key] = [choice, len(blob) / n if ordered == (lift is not None) else None,
                                  0, ordered, plan if ordered == (lift is not None) else None]
        elif cached[1] is None:
            cached[1] = len(blob) / n
        elif len(blob) / n > CHOICE_GROWTH * cached[1]:
            del _CHOICE_CACHE[key]  # the columns changed: the next chunk chooses again
    return choice, blob


def _planned(z: np.ndarray, reach: np.ndarray, late: np.ndarray, sample: np.ndarray, n: int,
             verbatim: int):
    """(kinds of the plane rows, spikes, plan) of :func:`_encode`'s residuals ``z`` (m x n,
    their head points 0), judged on the samples of :func:`_coded` (``late``, ``sample``: every
    8th residual from the 5th and from the first; ``sample`` updated for the spikes) as
    formats 7 and 8 judge them; ``verbatim``: the number of V rows. ``plan``: the plane rows'
    kinds, for :func:`_replanned`."""
    m = z.shape[0]
    # spikes judged on every 8th residual from the 5th (the rows of a grid whose fastest axis
    # has a multiple of 8 points start at multiples of 8: a sample from the first would hold 8
    # times as many row starts as the chunk)
    spikes = _spikes(z, _plane_counts(late) / max(late.shape[1], 1), reach)
    # the planes judged on every 8th byte (of every 8th residual: counted and summed a plane
    # at a time in the residuals' words, without taking the sample's planes apart), the
    # spikes taken out of it as out of z
    rows, at = np.divmod(spikes[0], n)
    hit = at % 8 == 0
    sample[rows[hit], at[hit] // 8] = z[rows[hit], at[hit]]
    nonzero = _plane_counts(sample) / max(sample.shape[1], 1)
    # the OR of each plane row's bytes (every byte of the row is at most this)
    ors = ((reach[None, :] >> (8 * np.arange(8, dtype=np.uint64))[:, None]) & np.uint64(255))
    ors = ors.reshape(8 * m)
    mean = _plane_sums(sample) / sample.shape[1]  # exact integers
    kinds = np.full(8 * m, RAW, dtype=np.uint8)
    # noise (uniform bytes: mean 127.5, a zero in 256) is stored as it is; a row of small
    # bytes or of many zeros (the top bytes of the residuals) deflates well, and quickly;
    # between the two, deflating saves too little for its time (DEFLATE_NONZERO)
    sparse = nonzero < DEFLATE_NONZERO
    kinds[sparse | (mean < DEFLATE_MEAN)] = DEFLATED
    # a dense row of bytes below 16 (the low byte of an R or L row's rounding residuals): a few
    # bits a byte, packed (format 8; PACK_NONZERO)
    small = (kinds == DEFLATED) & (ors < 16) & (nonzero >= PACK_NONZERO)
    kinds[small] = np.array(_PACK_KIND, dtype=np.uint8)[ors[small].astype(np.intp)]
    kinds[ors == 0] = ZERO
    dense = (kinds == DEFLATED) & ~sparse
    if dense.any() and BYTE_BUDGET > 0:  # stored as they are, within the budget (format 8)
        _raw_within_budget(kinds, dense, nonzero, n, verbatim)
    return kinds, spikes, kinds.copy()


def _raw_within_budget(kinds: np.ndarray, dense: np.ndarray, nonzero: np.ndarray, n: int,
                       verbatim: int) -> None:
    """Make the ``dense`` DEFLATED plane rows RAW (in ``kinds``) if the chunk's estimated bytes
    a point stay within BYTE_BUDGET with them: n a raw row, 8 n a V row, the packed rows'
    bytes, and the other deflated rows at twice their sampled non-zero bytes (``nonzero``: the
    fraction of each plane row; format 8)."""
    raw_rows = np.count_nonzero(kinds == RAW) + np.count_nonzero(dense)
    packed_bytes = sum(np.count_nonzero(kinds == k) * -(-n * _PACK_BITS[k] // 8) for k in _PACKED)
    deflated_bytes = 2.0 * n * float(nonzero[(kinds == DEFLATED) & ~dense].sum())
    if (n * (raw_rows + 8 * verbatim) + packed_bytes + deflated_bytes) / n <= BYTE_BUDGET:
        kinds[dense] = RAW


#: A chunk that reuses the transforms chosen for an earlier one (:func:`_reusable`) reuses that
#: chunk's plane decisions too (:func:`_replanned`): the samples of its residuals, their plane
#: statistics and the search for spike rows are not taken (benchmarks/scan_store.py, 262 144
#: points, interleaved with it off: encoding 0.37-0.39 against 0.41-0.42 µs a point of the
#: scotogenic random sample, 0.56-0.61 against 0.57-0.62 of its grid, where the rows that the
#: plan's fall-backs deflate take back most of it; grid 1.8 B a point fewer, random 0.3 more).
#: The bytes differ, not
#: the format: the kinds and the spikes are those every format 8 reader reads. False: every
#: chunk judges its own planes (the bytes of commit 07bfc46).
PLANE_REUSE = True


def _replanned(z: np.ndarray, reach: np.ndarray, kinds: np.ndarray, verbatim: int):
    """(kinds, spikes) of :func:`_encode`'s residuals ``z`` under the plan of an earlier chunk
    (:func:`_planned`: its plane rows' kinds), kept where it is right for these residuals.
    The residuals of a row that reach a plane above the highest one the plan stores for it
    (2**(8 top) or more: a grid's row starts, as the spikes of the chunk that chose) are
    spikes, where they are few (:func:`_take_spikes`); then each plane row is checked against
    the OR of its bytes (``reach``, after the spikes): a row whose bytes are all zero is left
    out (ZERO); a packed row whose bytes no longer fit its bits is packed wider (bytes below
    16); a ZERO row with a non-zero byte, or a packed one that fits no packing, is deflated.
    RAW and DEFLATED rows hold any bytes. A deflated row whose bytes are dense now (at least
    DEFLATE_NONZERO of the sampled residuals': a grid's band where a column varies faster) is
    stored raw, as :func:`_planned` stores dense rows, within BYTE_BUDGET (zlib takes 8-11 ns
    a byte on such rows, ~2 on sparse ones; judged on ~512 residuals a row, an odd stride
    apart). ``verbatim``: the number of V rows."""
    m, n = z.shape
    used = (kinds.reshape(8, m) != ZERO)[::-1]
    top = np.where(used.any(axis=0), 8 - np.argmax(used, axis=0), 0)  # planes the plan stores
    cand = np.flatnonzero((top < 8) & (reach >= _BYTE_LIMITS[np.minimum(top, 7)]))
    spikes = _take_spikes(z, cand, _BYTE_LIMITS[top[cand]], reach)
    ors = ((reach[None, :] >> (8 * np.arange(8, dtype=np.uint64))[:, None]) & np.uint64(255))
    ors = ors.reshape(8 * m)
    kinds = kinds.copy()
    width = np.zeros(8 * m, dtype=np.int64)  # bits a byte of the row's kind (8: any byte)
    width[(kinds == RAW) | (kinds == DEFLATED)] = 8
    for kind in _PACKED:
        width[kinds == kind] = _PACK_BITS[kind]
    over = ors >= (np.int64(1) << width).astype(np.uint64)  # ZERO rows: width 0, any byte
    if over.any():
        wider = over & (kinds != ZERO) & (ors < 16)
        kinds[wider] = np.array(_PACK_KIND, dtype=np.uint8)[ors[wider].astype(np.intp)]
        kinds[over & ~wider] = DEFLATED
    kinds[ors == 0] = ZERO
    if BYTE_BUDGET > 0 and (kinds == DEFLATED).any():
        # ~512 residuals a row, an odd stride: not all at one place of a grid's rows
        step = max(1, n // 512) | 1
        nonzero = _plane_counts(np.ascontiguousarray(z[:, 4::step])) / max(len(range(4, n, step)), 1)
        dense = (kinds == DEFLATED) & (nonzero >= DEFLATE_NONZERO)
        if dense.any():
            _raw_within_budget(kinds, dense, nonzero, n, verbatim)
    return kinds, spikes


def _reusable(key, n: int, reuse: int | None = None):
    """The entry of :data:`_CHOICE_CACHE` a chunk of ``n`` points with ``key`` takes its
    transforms from (None: it chooses): [codes, bytes a point, chunks since, in Hilbert
    order]."""
    cached = _CHOICE_CACHE.get(key) if key is not None and n >= CHOICE_POINTS else None
    if cached is not None and cached[2] < (CHOICE_REUSE if reuse is None else reuse):
        return cached
    return None


#: A column's residuals of 2**(8 b) or more are spikes (:func:`_spikes`) where its byte planes
#: from b up are non-zero at no more than SPIKE_SAMPLE of the sampled residuals, at no more
#: than SPIKE_COUNT of all, and taking them out leaves SPIKE_PLANES plane rows or more all zero
#: (each spike's 12 bytes go through zlib, each column searched costs a pass over its residuals;
#: each plane row left out saves deflating n bytes of zeros and spikes).
SPIKE_SAMPLE, SPIKE_COUNT, SPIKE_PLANES = 1 / 16, 1 / 32, 2


def _spikes(z: np.ndarray, counts: np.ndarray, reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in the flattened table, high bytes) of the spikes of ``z`` (m x n uint64
    zigzagged residuals), which are taken out of ``z`` (their high bytes set to zero; the low
    ones stay in the planes). ``counts``: the non-zero bytes of each row of :func:`_planes` of
    every 8th residual, as a fraction; ``reach``: the OR of each row of ``z`` (updated for the
    rows that had spikes). A grid's row starts (predicted across the end of the row before)
    are 1/W of a column's residuals and reach 3-6 bytes above the others: deflating those
    planes' zeros cost a scotogenic grid chunk ~0.6 µs a point."""
    m, n = z.shape
    none = np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if m * n >= 2**32:
        return none
    dense = (counts > SPIKE_SAMPLE).reshape(8, m)
    # b: one above the highest plane with many non-zero bytes (0: all sparse); top: the planes
    # the column reaches
    b = np.where(dense.any(axis=0), 8 - np.argmax(dense[::-1], axis=0), 0)
    top = np.count_nonzero(reach[:, None] >= _BYTE_LIMITS[None, :], axis=1)
    cand = np.flatnonzero(top - b >= SPIKE_PLANES)
    if not cand.size:
        return none
    return _take_spikes(z, cand, _BYTE_LIMITS[b[cand]], reach)


def _take_spikes(z: np.ndarray, cand: np.ndarray, limits: np.ndarray,
                 reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The spikes of :func:`_spikes` in the rows ``cand`` (ascending) of ``z``: each row's
    residuals of ``limits`` (its 2**(8 b)) or more, where they are at most SPIKE_COUNT of the
    row's; taken out of ``z`` and ``reach`` as there (:func:`_replanned` gives the rows above
    its plan's planes)."""
    m, n = z.shape
    none = np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if m * n >= 2**32:  # positions stored as uint32 gaps
        cand = cand[:0]
    # each candidate row compared where it lies (no gathered copy of the rows, no comparison of
    # the other rows), its spikes' positions taken from the comparison at once (no table of
    # the comparisons, counted and searched again)
    flags = np.empty(n, dtype=bool)
    found, kept = [], []
    for i, (k, limit) in enumerate(zip(cand.tolist(), limits, strict=True)):
        np.greater_equal(z[k], limit, out=flags)
        at = np.flatnonzero(flags)
        if 0 < at.size <= SPIKE_COUNT * n:
            found.append(at)
            kept.append(i)
    if not found:
        return none
    cand, limits = cand[kept], limits[kept]
    rows = np.repeat(np.arange(cand.size), [at.size for at in found])
    at = np.concatenate(found)
    k = cand[rows]  # ascending (rows in order, points in order within a row)
    values = z[k, at]
    low = values & (limits[rows] - np.uint64(1))
    z[k, at] = low
    values -= low
    # the other residuals of those rows are below the limit: the OR of what is left
    reach[cand] &= limits - np.uint64(1)
    return k * n + at, values


#: 2**(8 b), b = 0..7: the least value whose byte b is non-zero.
_BYTE_LIMITS = np.left_shift(np.uint64(1), np.arange(0, 64, 8, dtype=np.uint64))


def _spike_planes(positions: np.ndarray, highs: np.ndarray) -> list:
    """The spikes as :func:`encode_table` stores them: the byte planes of the gaps between
    their positions (uint32) and those of their high bytes (uint64)."""
    if not positions.size:
        return []
    gaps = np.diff(positions, prepend=0).astype("<u4")
    return [np.ascontiguousarray(gaps.view(np.uint8).reshape(-1, 4).T),
            _planes(highs.astype("<u8")[None, :])]


def _planes(z: np.ndarray) -> np.ndarray:
    """The byte planes of ``z`` (m x k uint64) as rows ``b * m + row``: byte b (little-endian)
    of each value of that row (8m x k uint8)."""
    m, k = z.shape
    return np.ascontiguousarray(z.view(np.uint8).reshape(m, k, 8).transpose(2, 0, 1)).reshape(8 * m, k)


def _nonzero(sample: np.ndarray) -> np.ndarray:
    """The fraction of non-zero bytes of each row of ``sample`` (uint8; 0 for rows of none).
    Counted 8 at a time: the rows' flags (0 or 1 a byte) as uint64 words, times 0x0101...01,
    hold their sum in the top byte (a third of the time of count_nonzero along an axis)."""
    rows, k = sample.shape
    flags = np.zeros((rows, -(-k // 8) * 8), dtype=bool)
    np.not_equal(sample, 0, out=flags[:, :k])
    words = flags.view(np.uint64)
    words *= np.uint64(0x0101010101010101)
    words >>= np.uint64(56)
    return words.sum(axis=1) / max(k, 1)


def _plane_counts(s: np.ndarray) -> np.ndarray:
    """The non-zero bytes of each row of :func:`_planes` of ``s`` (m x k uint64), counted in
    the words: a flag a byte (0 or 1), the flags of 128 words summed as uint64 words (each
    byte of the sum a count of at most 128, no carry into the next), then the counts of each
    byte summed (a quarter of the time of the planes' copy and :func:`_nonzero`)."""
    m, k = s.shape
    blocks = -(-k // 128)
    flags = np.zeros((m, blocks * 128, 8), dtype=bool)
    np.not_equal(s.view(np.uint8).reshape(m, k, 8), 0, out=flags[:, :k])
    lanes = flags.view(np.uint64).reshape(m, blocks, 128).sum(axis=2)
    counts = lanes.view(np.uint8).reshape(m, blocks, 8).sum(axis=1, dtype=np.int64)
    return counts.T.reshape(8 * m)


#: The even bytes of a word (:func:`_plane_sums`).
_EVEN_BYTES = np.uint64(0x00FF00FF00FF00FF)


def _plane_sums(s: np.ndarray) -> np.ndarray:
    """The sum of the bytes of each row of :func:`_planes` of ``s`` (m x k uint64): the even
    bytes and the odd ones of each word as four 16-bit lanes, those of 256 words summed as
    uint64 words (a lane's sum at most 65280, no carry into the next), then the lanes summed."""
    m, k = s.shape
    blocks = -(-k // 256)
    out = np.empty((m, 8), dtype=np.int64)
    lanes = np.zeros((m, blocks * 256), dtype=np.uint64)
    for odd in (0, 1):
        np.bitwise_and(s >> np.uint64(8) if odd else s, _EVEN_BYTES, out=lanes[:, :k])
        sums = lanes.reshape(m, blocks, 256).sum(axis=2)
        out[:, odd::2] = sums.view(np.uint16).reshape(m, blocks, 4).sum(axis=1, dtype=np.int64)
    return out.T.reshape(8 * m)


def _plane_rows(z: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    """Rows ``rows`` (ascending) of :func:`_planes` of ``z``, in parts (one per byte), taken
    out of ``z`` plane by plane (the whole table's planes, 8 bytes a value, were copied before,
    though ~40% of a scotogenic table's plane rows are all zero and left out)."""
    m, n = z.shape
    by_byte = z.view(np.uint8).reshape(m, n, 8)
    parts, start = [], 0
    for b, count in enumerate(np.bincount(rows // m, minlength=8).tolist()):
        if count:
            parts.append(by_byte[rows[start:start + count] - b * m, :, b])
            start += count
    return parts


def _read_spikes(packed: bytes, start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, high bytes) of the spikes stored from ``start`` of a chunk's deflated
    stream (:func:`_spike_planes`); ``size``: the table's values (positions must be below,
    increasing)."""
    e = (len(packed) - start) // 12
    raw = np.frombuffer(packed, np.uint8, 12 * e, start)
    gaps = np.ascontiguousarray(raw[:4 * e].reshape(4, e).T).view("<u4").reshape(e)
    highs = np.ascontiguousarray(raw[4 * e:].reshape(8, e).T).view("<u8").reshape(e)
    positions = np.cumsum(gaps, dtype=np.int64)
    if e and (positions[-1] >= size or (gaps[1:] == 0).any()):
        raise sqlite3.DatabaseError("a chunk's spikes lie outside its table")
    return positions, highs.astype(np.uint64)


def decode_table(blob: bytes, codes: list[str], n: int, width: int, lift=None,
                 rows=None) -> np.ndarray:
    """The float64 table of :func:`encode_table` (rows in ``codes`` order; ``lift`` as
    there). ``rows``: the rows wanted (None: all); only they and the rows they are predicted
    from are decoded, the others are NaN (a plot of one column of a 10⁶-point file spent 1.1 s
    of its 3.2 decoding the other ~60 of every chunk)."""
    if not codes:
        return np.zeros((0, n))
    verbatim = [k for k, c in enumerate(codes) if c == "V"]  # format 8
    coded = [k for k, c in enumerate(codes) if c != "V"]
    m = len(coded)
    head = _head(n, width)
    kinds = np.frombuffer(blob, np.uint8, 8 * m) if len(blob) >= 8 * m else np.zeros(0, np.uint8)
    n_raw = int(np.sum(kinds == RAW))
    start = 8 * m + 8 * m * head.size
    sizes = {kind: int(np.sum(kinds == kind)) * -(-n * _PACK_BITS[kind] // 8) for kind in _PACKED}
    end = start + 8 * n * len(verbatim) + n_raw * n + sum(sizes.values())  # the zlib stream's start
    if kinds.size != 8 * m or len(blob) < end or not np.all(kinds <= PACK4):
        raise sqlite3.DatabaseError("a chunk's data are cut short")
    try:
        ratio = {k: _ratio_code(c) for k, c in enumerate(codes) if c.startswith("R")}
        linear = {k: _linear_terms(c) for k, c in enumerate(codes) if c.startswith(("L", "K"))}
    except ValueError:
        raise sqlite3.DatabaseError("a chunk's layout names an unknown transform") from None
    if any(j >= len(codes) or j in ratio for j, _ in ratio.values()) or any(
            not 0 <= j < len(codes) or j in linear or j in ratio
            for terms in linear.values() for j, _ in terms):
        raise sqlite3.DatabaseError("a chunk's layout predicts a column from a missing one")
    need = np.ones(len(codes), dtype=bool)
    if rows is not None:  # the wanted rows and those they are predicted from, and theirs
        need[:] = False
        todo = list(rows)
        while todo:
            k = todo.pop()
            if not need[k]:
                need[k] = True
                todo += [ratio[k][0]] if k in ratio else [j for j, _ in linear.get(k, ())]
    pick = np.array([i for i, k in enumerate(coded) if need[k]], dtype=np.int64)  # coded rows
    picked = np.zeros(m, dtype=bool)
    picked[pick] = True
    out = np.full((len(codes), n), np.float64(np.nan)).view(np.int64)
    v_rows = [i for i, k in enumerate(verbatim) if need[k]]
    table_v = np.frombuffer(blob, "<i8", n * len(verbatim), start).reshape(len(verbatim), n)
    out[[verbatim[i] for i in v_rows]] = table_v[v_rows]
    start += 8 * n * len(verbatim)
    # the picked rows' byte planes: plane row b * m + i of the encoding is row b * len(pick) +
    # (the place of i among the picked) here
    place = np.cumsum(picked) - 1
    planes = np.zeros((8 * pick.size, n), dtype=np.uint8)

    def put(kind_rows):  # (picked?, row here) of plane rows of one kind, in their order
        keep = picked[kind_rows % m] if m else np.zeros(0, dtype=bool)
        return keep, (kind_rows // m) * pick.size + place[kind_rows % m]

    raw_rows = np.flatnonzero(kinds == RAW)
    keep, target = put(raw_rows)
    planes[target[keep]] = np.frombuffer(blob, np.uint8, n_raw * n, start).reshape(n_raw, n)[keep]
    start += n_raw * n
    for kind in _PACKED:
        kind_rows = np.flatnonzero(kinds == kind)
        if kind_rows.size:
            packed = np.frombuffer(blob, np.uint8, sizes[kind], start).reshape(kind_rows.size, -1)
            keep, target = put(kind_rows)
            if keep.any():
                planes[target[keep]] = _bitunpack(packed[keep], _PACK_BITS[kind], n)
            start += sizes[kind]
    def_rows = np.flatnonzero(kinds == DEFLATED)
    n_def = def_rows.size
    spikes = None
    if n_def or len(blob) > end:  # format 7: the stream may hold spikes only
        try:
            packed = zlib.decompress(blob[end:])
        except zlib.error as exc:
            raise sqlite3.DatabaseError(f"a chunk's data are not readable ({exc})") from None
        if len(packed) < n_def * n or (len(packed) - n_def * n) % 12:
            raise sqlite3.DatabaseError(f"a chunk's data hold {len(packed)} bytes, not {n_def * n} "
                                        "and 12 a spike")
        keep, target = put(def_rows)
        planes[target[keep]] = np.frombuffer(packed, np.uint8, n_def * n).reshape(n_def, n)[keep]
        spikes = _read_spikes(packed, n_def * n, m * n)
    z = np.ascontiguousarray(planes.reshape(8, pick.size, n).transpose(1, 2, 0)).view(
        np.uint64).reshape(pick.size, n)
    if spikes is not None:
        at, col = np.divmod(spikes[0], n)
        keep = picked[at]
        z[place[at[keep]], col[keep]] |= spikes[1][keep]
    z[:, head] = np.frombuffer(blob, "<u8", m * head.size, 8 * m).reshape(m, head.size)[pick]
    r = np.empty((len(codes), n), dtype=np.int64)  # the V rows' residuals unused
    r[[coded[i] for i in pick]] = _unzigzag(z)
    unknown = {c for c in codes if c[:1] not in ("R", "L", "K") and c not in TRANSFORMS
               and c != "V" and not (c == "B" and lift is not None)}
    if lift is None and any(c.startswith("K") for c in codes):
        unknown.add("K")
    if unknown:
        raise sqlite3.DatabaseError("a chunk's layout names an unknown transform")
    # decoded in three rounds: the rows under their own transform, the linear combinations
    # of them, then the rows proportional to a row of the first two rounds (format 6: the
    # reference of an R row may be an L row; before, an L row combined rows of the first
    # round only, so the order reads them alike)
    for code in set(codes) - {codes[k] for k in (*ratio, *linear)} - {"V"}:
        own = [k for k, c in enumerate(codes) if c == code and need[k]]
        if own:
            out[own] = lift.restore(r[own]) if code == "B" else _apply(r[own], code, width,
                                                                       inverse=True)
    remainder = [k for k in linear if codes[k].startswith("K") and need[k]]
    for k, terms in linear.items():
        if need[k] and k not in remainder:
            out[k] = r[k] + _combined(out.view(np.float64), terms)
    if remainder:
        base = np.array([_combined(out.view(np.float64), linear[k]).view(np.float64)
                         for k in remainder])
        out[remainder] = _restore_about(r[remainder], base, lift)
    rows_r = [k for k in ratio if need[k]]
    if rows_r:
        refs, ratios = zip(*(ratio[k] for k in rows_r), strict=True)
        out[rows_r] = r[rows_r] + _predicted(out.view(np.float64), list(refs), list(ratios))
    return out.view("<f8")


def _bits_of(a, n: int) -> np.ndarray:
    """The float64 bits (int64, n values) of a column: a view of a scan's float64 array."""
    if type(a) is np.ndarray and a.dtype == np.float64 and a.shape == (n,):
        return a.view(np.int64)
    return np.broadcast_to(np.asarray(a, dtype="<f8").reshape(-1), (n,)).view(np.int64)


#: {(column names, known names): (stored, constant names, alias)} of the last chunk of at
#: least CHOICE_POINTS points with these columns (:func:`_layout`).
_LAYOUT_CACHE: dict = {}


def _layout(columns: dict[str, np.ndarray], n: int, known: tuple[str, ...] = ()):
    """:func:`_new_layout`, or the last layout of a chunk with the same columns where it holds
    for this one: its constant columns constant (this chunk's value), its aliases equal to
    their columns, each checked in full; its stored columns stored whatever they hold (a
    column that became constant or a repeat is stored: bytes, never a value). A scan's chunks
    keep their layout; finding it (a fingerprint of every column, ~80 of a scotogenic scan)
    took ~0.04 µs a point of an 8192-point chunk, checking it ~0.02 (perf_counter, 32 chunks)."""
    names = (tuple(columns), known)
    cached = _LAYOUT_CACHE.get(names) if n >= CHOICE_POINTS else None
    if cached is not None:
        stored, constant_names, alias = cached
        constant = {}
        for name in constant_names:
            b = _bits_of(columns[name], n)
            if not (b == b[0]).all():
                break
            constant[name] = float(b[:1].view(np.float64)[0])
        else:
            if all(np.array_equal(_bits_of(columns[a], n), _bits_of(columns[b], n))
                   for a, b in alias.items()):
                return list(stored), constant, dict(alias), [_bits_of(columns[c], n) for c in stored]
    stored, constant, alias, rows = _new_layout(columns, n, known)
    if n >= CHOICE_POINTS:
        if len(_LAYOUT_CACHE) > 16:
            _LAYOUT_CACHE.clear()
        _LAYOUT_CACHE[names] = (tuple(stored), tuple(constant), dict(alias))
    return stored, constant, alias, rows


def _new_layout(columns: dict[str, np.ndarray], n: int, known: tuple[str, ...] = ()):
    """(stored names, constant {name: value}, alias {name: stored or known name}, the stored
    rows' float64 bits: views where a column is a scan's array) of a chunk (:func:`_stack`
    makes them a table); the ``known`` columns (computed when read) are not stored, others may
    alias them (the first column with the same bits, compared in full after a cheap
    fingerprint)."""
    names = [*known, *(c for c in columns if c not in known)]
    if not names:
        return [], {}, {}, []
    # each column as float64 bits (views, no copy for a scan's arrays); only the stored ones
    # are copied into the table, once
    bits = [_bits_of(columns[name], n) for name in names]
    step = max(1, n // 32)
    # every column's fingerprint at once (a table of a few values a column): which are constant
    # on it, and its bytes, the key of the columns it may repeat
    prints = np.stack([b[::step] for b in bits])
    flat = (prints == prints[:, :1]).all(axis=1).tolist() if n else [False] * len(names)
    size = prints.shape[1] * 8
    keys = prints.tobytes()
    stored, constant, alias = [], {}, {}
    seen: dict[bytes, list[int]] = {}
    keep = []
    for k, name in enumerate(names):
        is_known = k < len(known)
        b = bits[k]
        # constant over the chunk: checked in full only where the fingerprint is constant
        if not is_known and flat[k] and (b == b[0]).all():
            constant[name] = float(b[:1].view(np.float64)[0])  # NaN and inf as JSON's NaN, Infinity
            continue
        key = keys[k * size:(k + 1) * size]
        same = next((j for j in seen.get(key, ()) if np.array_equal(bits[j], b)), None)
        if same is not None and not is_known:
            alias[name] = names[same]
            continue
        seen.setdefault(key, []).append(k)
        if not is_known:
            stored.append(name)
            keep.append(k)
    return stored, constant, alias, [bits[k] for k in keep]


def _stack(rows: list[np.ndarray], n: int, order=None) -> np.ndarray:
    """The float64 table of :func:`_layout`'s stored rows (int64 bits), its points in
    ``order`` if given, taken as the rows are copied in (one pass instead of a copy and a
    reordered copy)."""
    table = np.empty((len(rows), n), dtype="<f8")
    view = table.view(np.int64)
    for row, b in enumerate(rows):
        if order is None:
            view[row] = b
        else:
            np.take(b, order, out=view[row], mode="clip")  # clip: no buffered copy
    return table


class Store:
    """A results file opened for writing (one writer: the process that runs the scan).

    Creates the file if it does not exist; refuses one that is not a bridge results file."""

    def __init__(self, path, space=None):
        self.path = Path(path)
        #: the scan's points (bridge.scan.space.Space, the one in meta ``scan``): ``par:``
        #: columns equal to its values are not stored (:meth:`write`)
        self.space = space
        old = _check(self.path) if self.path.exists() else _create(self.path)
        self.retry = False
        try:
            self.con = sqlite3.connect(str(self.path), timeout=60)
            # WAL while writing: readers see committed chunks; synchronous=NORMAL keeps every
            # committed chunk when the process is killed
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
            # a checkpoint when the WAL holds WAL_CHECKPOINT_BYTES, whatever the file's page size
            page = self.con.execute("PRAGMA page_size").fetchone()[0]
            self.con.execute(f"PRAGMA wal_autocheckpoint = {max(1, WAL_CHECKPOINT_BYTES // page)}")
            self._done = np.zeros(0, dtype=bool)
            self._chunk = -1
            for chunk, ids, layout in self.con.execute("SELECT chunk, ids, columns FROM chunks"):
                self._mark(_chunk_ids(ids, _read_layout(layout)))
                self._chunk = max(self._chunk, chunk)
            self._failed = {r[0] for r in self.con.execute("SELECT id FROM failed")}
            if old < FORMAT:  # its chunks stay readable; the new ones need this bridge
                with self.con:
                    self.con.execute("UPDATE meta SET value = ? WHERE key = ?",
                                     (json.dumps({"format": FORMAT}), MARKER))
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def _mark(self, ids: np.ndarray) -> None:
        if ids.size and ids.max() >= self._done.size:
            grown = np.zeros(max(int(ids.max()) + 1, 2 * self._done.size), dtype=bool)
            grown[: self._done.size] = self._done
            self._done = grown
        self._done[ids] = True

    def close(self) -> None:
        try:
            # back to a rollback journal: a closed results file has no side files (fails
            # harmlessly while a reader holds it open)
            self.con.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error:
            pass
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _run(self, fn):
        try:
            return fn()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def get_meta(self, key: str, default=None):
        row = self._run(lambda: self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone())
        return default if row is None else self._run(lambda: _read_layout(row[0]))

    def set_meta(self, key: str, value) -> None:
        """Store ``value`` (JSON) under ``key``; a long one (the fast-path recipe of the derived
        columns, ~1 MB) deflated."""
        text = json.dumps(value)
        stored = zlib.compress(text.encode(), 6) if len(text) > META_DEFLATE else text
        portable = key == "scan" and _portable_points(value)

        def go():
            with self.con:
                self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, stored))
                if portable:  # (before any chunk: the scan's definition comes first)
                    self.con.execute("UPDATE meta SET value = ? WHERE key = ?",
                                     (json.dumps({"format": PORTABLE_POINTS}), MARKER))
        self._run(go)

    def retry_failed(self) -> int:
        """Let the failed points be computed and stored again (each replaces its failed copy
        when it is written, so a kill in between loses nothing). Returns their number."""
        self.retry = True
        return len(self._failed)

    def done_ids(self) -> np.ndarray:
        """Ids of every stored point (failed ones too, unless they are to be retried)."""
        done = self._done.copy()
        if self.retry and self._failed:
            done[np.fromiter(self._failed, np.int64)] = False
        return np.flatnonzero(done)

    def count(self) -> tuple[int, int]:
        """(stored points, failed points)."""
        return int(self._done.sum()), len(self._failed)

    def write(self, ids, columns: dict[str, np.ndarray], errors, routes, derived=(), affine=None) -> int:
        """Store one chunk in one transaction; ids already stored are left out (except failed
        ones after :meth:`retry_failed`). Returns the number of points added. ``derived``:
        ``obs:`` columns that the fast path gives at every point with route fast or mixed (the
        meta entry ``fastpath_representations`` holds the recipe): not stored, evaluated again
        from the ``wc:`` columns when read."""
        ids = np.asarray(ids, dtype=np.int64)
        new, retried = self._new(ids)
        if not new.any():
            return 0
        if not new.all():
            ids = ids[new]
            columns = {k: np.asarray(v)[new] for k, v in columns.items()}
            errors = [e for e, keep in zip(errors, new, strict=True) if keep]
            routes = [r for r, keep in zip(routes, new, strict=True) if keep]
        return self._insert(pack(ids, columns, errors, routes, derived, self.space, affine), retried)

    def write_packed(self, chunk: Packed) -> int:
        """Store a chunk packed by :func:`pack` (in a worker); as :meth:`write`. A chunk holding
        ids already stored (computed again after a kill) is unpacked and written without them."""
        new, retried = self._new(chunk.ids)
        if not new.any():
            return 0
        if not new.all():
            try:
                return self.write(*unpack(chunk, self.space, self._derived_evaluator()))
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
        return self._insert(chunk, retried)

    def _derived_evaluator(self):
        if not hasattr(self, "_evaluator"):
            self._evaluator = fastpath_from(self.get_meta("fastpath_representations") or {})
        return self._evaluator

    def _new(self, ids: np.ndarray) -> tuple[np.ndarray, list]:
        new = ids >= self._done.size
        new[~new] = ~self._done[ids[~new]]
        retried = [i for i in ids[~new].tolist() if i in self._failed] if self.retry else []
        if retried:
            new |= np.isin(ids, retried)
        return new, retried

    def _insert(self, p: Packed, retried: list) -> int:
        chunk = self._chunk + 1

        def go():
            with self.con:
                if retried:
                    self.con.executemany("DELETE FROM failed WHERE id = ?", [(i,) for i in retried])
                self.con.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                                 (chunk, p.ids.size, _pack(np.diff(p.ids, prepend=0)), p.routes,
                                  p.layout, p.data))
                if p.failed:
                    self.con.executemany("INSERT INTO failed VALUES (?, ?, ?)",
                                         [(i, chunk, e) for i, e in p.failed])
        self._run(go)
        self._chunk = chunk
        self._mark(p.ids)
        self._failed.difference_update(retried)
        self._failed.update(i for i, _ in p.failed)
        return int(p.ids.size)


@dataclass
class Packed:
    """A chunk as the results file holds it (made by :func:`pack`, where the chunk was
    computed: the workers share the encoding, and send a few hundred bytes per point)."""

    ids: np.ndarray
    routes: bytes  # zlib of uint8 route codes
    layout: bytes  # deflated JSON: stored, constant, alias, derived, space columns, the codec
    data: bytes  # the stored columns, encode_table
    failed: list  # (id, message) of the failed points


def _width(space) -> int:
    """Points per grid row (the fastest axis) of a grid space, else 0."""
    shape = getattr(space, "shape", None)
    return int(shape[-1]) if getattr(space, "sampler", None) == "grid" and shape and len(shape) > 1 else 0


def pack(ids, columns: dict, errors, routes, derived=(), space=None, affine=None,
         values=None) -> Packed:
    """The chunk ``ids`` (every id new) in the file's layout: ``par:`` columns equal to the
    scan's points, columns constant over the chunk, repeats of another column and the
    ``derived`` obs: columns are named, not stored; the others go through :func:`encode_table`.
    ``affine``: {name: (source, a, b)}, columns that may equal (source - a) / b (a likelihood's
    pulls of its observables): those that do, bit for bit at every point, are computed again
    when read instead of stored. ``values``: ``space.values(ids)`` if the caller has them (a
    worker is handed its chunk's points: a random sample is not drawn twice)."""
    ids = np.asarray(ids, dtype=np.int64)
    n = ids.size
    derived = [c for c in derived if c in columns]
    recipes = {}
    for name, (source, a, b) in (affine or {}).items():
        if name in columns and source in columns and source != name:
            v = np.ascontiguousarray(columns[name], dtype="<f8").reshape(n)
            w = (np.asarray(columns[source], dtype="<f8").reshape(n) - float(a)) / float(b)
            if np.array_equal(v.view("<i8"), w.view("<i8")):
                recipes[name] = [source, float(a), float(b)]
    if derived or recipes:
        columns = {k: v for k, v in columns.items() if k not in derived and k not in recipes}
    known = _space_columns(space, ids, columns, values)
    check = _checksum([columns[c] for c in known])
    width = _width(space)
    stored, constant, alias, rows = _layout(columns, n, tuple(known))
    order, lift = (None, None)
    random = width == 0 and space is not None and known == [f"par:{a.name}" for a in space.axes]
    # the axes' number: a random chunk of one or two axes is stored in Hilbert order (its B and
    # K transforms need it), one of three or more is not (review revstore: a 3-axis chunk took
    # a 2-axis scan's choice in the same process and raised)
    key = (width, random, len(space.axes) if random else 0, *stored)
    reuse = CHOICE_REUSE if getattr(space, "sampler", "grid") != "grid" else CHOICE_REUSE_GRID
    cached = _reusable(key, n, reuse)
    if random and (cached is None or cached[3]):  # the order, unless the transforms need none
        # the par: columns are the scan's points, bit for bit (_space_columns): not drawn again
        order, lift = _chunk_lifting(space, ids, values=np.stack([columns[c] for c in known], axis=1))
    if not rows:
        codes, data = [], b""
    else:  # a chunk that reuses a choice in id order: its rows as they are (_encode)
        codes, data = _encode(rows if order is None and cached is not None else
                              _stack(rows, n, order).view(np.int64), n, width, key, lift, reuse,
                              order)
    routes = routes if isinstance(routes, (list, tuple)) else list(routes)
    if n and routes.count(routes[0]) == n:  # one route for the whole chunk (a C-speed count)
        route_codes = np.full(n, _ROUTE_CODE.get(routes[0], 0), dtype=np.uint8)
    else:
        route_codes = np.fromiter(map(_ROUTE_CODE.get, routes, repeat(0)), np.uint8, n)
    failed = [] if errors.count(None) == n else \
        [(int(ids[k]), e) for k, e in enumerate(errors) if e is not None]
    layout = json.dumps({"stored": stored, "constant": constant, "alias": alias, "ids": "delta",
                         "codec": {"transforms": codes, "width": width,
                                   **({"order": "hilbert"} if order is not None else {})},
                         **({"derived": derived} if derived else {}),
                         **({"affine": recipes} if recipes else {}),
                         **({"space": known, "space_crc32": check} if known else {})})
    return Packed(ids, _pack(route_codes), zlib.compress(layout.encode(), 6), data, failed)


def unpack(p: Packed, space=None, fastpath=None):
    """(ids, columns, errors, routes, derived, affine) of a packed chunk: the arguments of
    Store.write (the derived obs: columns evaluated again with ``fastpath``, :func:`fastpath_from`)."""
    lay = _read_layout(p.layout)
    n = p.ids.size
    table = _table(p.data, lay, n, space, p.ids)
    values = _space_values(space, lay.get("space", ()), p.ids, lay.get("space_crc32"))
    column = _Chunk(lay, {c: k for k, c in enumerate(lay["stored"])}, table, n, values)
    columns = {}
    for group in (lay["space"] if "space" in lay else (), lay["stored"], lay["constant"], lay["alias"]):
        for name in group:
            columns[name] = column(name)
    messages = dict(p.failed)
    errors = [messages.get(i) for i in p.ids.tolist()]
    codes = _unpack(p.routes, np.uint8)
    routes = [ROUTES[c] for c in codes]
    derived = list(lay.get("derived", ()))
    if derived:
        bad = np.array([e is not None for e in errors], dtype=bool)
        columns.update(_derive(fastpath, derived, column, lay, codes, bad, n))
    recipes = lay.get("affine", {})
    columns.update(_affine(lay, list(recipes), column, columns))
    return p.ids, columns, errors, routes, tuple(derived), {k: tuple(v) for k, v in recipes.items()}


def fastpath_from(representations: dict):
    """The evaluator of the derived obs: columns from the meta entry ``fastpath_representations``."""
    from bridge.scan import fastpath as fpm

    try:
        parsed = {k: fpm.Representation.from_dict(r) for k, r in (representations or {}).items()}
    except (KeyError, TypeError, ValueError) as exc:  # cache.Invalid is a ValueError
        raise sqlite3.DatabaseError(f"fast-path recipe: {exc}") from None
    return fpm.FastPath([r.observable for r in parsed.values()], 0.0, {}, parsed)


def _derive(fastpath, wanted, column, lay, codes, bad, n) -> dict[str, np.ndarray]:
    """The derived obs: columns ``wanted`` of a chunk: the fast path on its wc: columns, at the
    points with route fast or mixed, as the scan evaluated them (NaN at failed points)."""
    from bridge.scan import fastpath as fpm

    if fastpath is None:
        raise sqlite3.DatabaseError("derived columns but no fast-path recipe")
    coefficients = {}
    for name in {*lay["stored"], *lay["constant"], *lay["alias"]}:
        if name.startswith("wc:") and name.endswith(":re"):
            coef = name[3:-3]
            re, im = column(name), column(f"wc:{coef}:im")
            coefficients[coef] = re + 1j * (im if im is not None else 0.0)
    fast = np.isin(codes, [_ROUTE_CODE["fast"], _ROUTE_CODE["mixed"]])
    u, _ = fpm.to_units({k: v[fast] for k, v in coefficients.items()}, int(fast.sum()))
    values = fastpath.evaluate(u, [name[4:] for name in wanted])
    out = {}
    for name in wanted:
        label = name[4:]
        if label not in values:
            raise sqlite3.DatabaseError(f"no fast-path recipe for {name}")
        col = np.full(n, np.nan)
        col[fast] = values[label]
        col[bad] = np.nan
        out[name] = col
    return out


def _affine(lay, wanted, column, known) -> dict[str, np.ndarray]:
    """The ``affine`` columns ``wanted`` of a chunk: (source - a) / b, the source a column of
    the chunk or one of ``known`` (derived ones)."""
    out = {}
    for name in wanted:
        source, a, b = lay["affine"][name]
        values = known[source] if source in known else column(source)
        if values is None:
            raise sqlite3.DatabaseError(f"no column {source} for {name}")
        out[name] = (values - float(a)) / float(b)
    return out


def _chunk_lifting(space, ids: np.ndarray, check=None, values=None):
    """(storage order, :class:`~bridge.scan.store_order.Lifting`) of a random chunk ``ids``
    (:func:`bridge.scan.store_order.chunk_order`; (None, None): id order). ``check``: the
    CRC-32 of the parameters the writer computed the points at (a reader whose numpy draws
    others would put the values back in the wrong order: refused)."""
    values = space.values(ids) if values is None else values
    if check is not None and _checksum(values.T) != int(check):
        raise sqlite3.DatabaseError(
            f"the scan's parameters computed again from its definition (sampler "
            f"{space.sampler!r}, seed {space.seed}) differ from those the points were computed "
            f"at: {_unreproduced(space)}")
    u = unit_coordinates(space, values)
    order = chunk_order(u)
    return (None, None) if order is None else (order, Lifting(u[order]))


def _table(data: bytes, lay: dict, n: int, space=None, ids=None, rows=None) -> np.ndarray:
    """The stored columns of a chunk (rows), encoded (format 3) or plain float64 (format 2);
    ``space`` and ``ids``: the scan's points, for a chunk stored in Hilbert order (format 6);
    ``rows``: those wanted (:func:`decode_table`; None: all)."""
    codec = lay.get("codec")
    if codec is None:
        return np.frombuffer(data, dtype="<f8").reshape(len(lay["stored"]), n)
    if codec.get("order") is None:
        return decode_table(data, codec["transforms"], n, int(codec["width"]), rows=rows)
    if codec["order"] != "hilbert" or space is None:
        raise sqlite3.DatabaseError(f"a chunk stored in {codec['order']!r} order without the "
                                    "scan's definition")
    order, lift = _chunk_lifting(space, ids, lay.get("space_crc32"))
    if order is None:
        raise sqlite3.DatabaseError("a chunk stored in Hilbert order has no such order")
    out = np.empty((len(codec["transforms"]), n))
    out[:, order] = decode_table(data, codec["transforms"], n, int(codec["width"]), lift, rows)
    return out


def _space_columns(space, ids: np.ndarray, columns: dict, values=None) -> list[str]:
    """The ``par:`` columns that hold exactly (bit for bit) the scan's points ``ids``
    (``values``: ``space.values(ids)``, if known)."""
    if space is None:
        return []
    names = [f"par:{a.name}" for a in space.axes]
    if not any(name in columns for name in names):
        return []
    values = space.values(ids) if values is None else np.asarray(values, dtype=np.float64)
    out = []
    for k, name in enumerate(names):
        if name in columns:
            v = np.ascontiguousarray(columns[name], dtype="<f8").reshape(ids.size)
            if np.array_equal(v.view("<i8"), values[:, k].view("<i8")):
                out.append(name)
    return out


def _checksum(columns) -> int:
    """CRC-32 of the float64 bits of ``columns``, one after the other."""
    crc = 0
    for v in columns:
        crc = zlib.crc32(np.ascontiguousarray(v, dtype="<f8").tobytes(), crc)
    return crc


def _unreproduced(space, verb: str = "read") -> str:
    """Why this process does not get a file's points again, and what to do (``verb``: read
    or resume the file)."""
    if space.log_map == "numpy" and any(a.log for a in space.axes):
        # numpy's exp and log give other last bits on processors with other SIMD (AVX-512)
        return ("this numpy, or this processor, does not reproduce them (a scan of an earlier "
                f"bridge, whose log axes used numpy's exp); {verb} the file with the numpy "
                "version that wrote it, on a machine of the same kind")
    return f"this numpy does not reproduce them; {verb} the file with the numpy version that wrote it"


def _space_values(space, names, ids, check=None) -> dict[str, np.ndarray]:
    """The ``space`` columns ``names`` of a chunk: the scan's points ``ids``, computed again
    from the scan's definition (a grid's axes; a random sample's seed, drawn again). ``check``:
    the CRC-32 of the values the writer found equal to its own (format 4): a reader whose
    numpy draws or maps the points otherwise (another generator, another ``exp``) would give
    other parameters for the stored results, and is refused instead."""
    if not names:
        return {}
    values = space.values(ids)
    index = {f"par:{a.name}": k for k, a in enumerate(space.axes)}
    missing = [c for c in names if c not in index]
    if missing:
        raise sqlite3.DatabaseError(f"no scan axis for {missing[0]}")
    out = {c: values[:, index[c]] for c in names}
    if check is not None and _checksum(out.values()) != int(check):
        raise sqlite3.DatabaseError(
            f"the scan's parameters ({', '.join(names)}) computed again from its definition "
            f"(sampler {space.sampler!r}, seed {space.seed}) differ from those the points were "
            f"computed at: {_unreproduced(space)}")
    return out


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def open_results(path) -> sqlite3.Connection:
    """A read-only connection to a checked results file (InputError otherwise)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such results file")
    _check(p)
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True)


class _Chunk:
    """column(name) → a stored, constant or alias column over all points of a chunk (or None)."""

    def __init__(self, lay, stored, table, n, space=None):
        self.lay, self.stored, self.table, self.n = lay, stored, table, n
        # the scan parameters computed from the scan definition: a dict, or a function giving
        # it, called when a space column is first asked for (drawn again and checked only then)
        self.space = space or {}

    def __call__(self, name):
        src = self.lay["alias"].get(name, name)
        if src in self.stored:
            return self.table[self.stored[src]]
        if src in self.lay.get("space", ()):
            if callable(self.space):
                self.space = self.space()
            return self.space[src]
        if name in self.lay["constant"]:
            return np.full(self.n, float(self.lay["constant"][name]))
        return None


class _Reader:
    """The chunks of a results file, each point once (the newest copy of a point is the one
    in the chunk written after it was last forgotten by --retry-failed)."""

    def __init__(self, path):
        self.path = path
        self.con = open_results(path)
        # one snapshot for all of this reader's queries (a deferred read transaction, taken at
        # its first read): a file read while its scan runs gained a chunk between the chunks'
        # ids and their rows, whose ids the first query had not seen (IndexError, 2026-12-02)
        try:
            self.con.execute("BEGIN")
        except sqlite3.DatabaseError as exc:
            self.con.close()
            raise _damaged(self.path, exc) from None

    def close(self):
        self.con.close()  # (the read transaction ends with the connection)

    def _q(self, sql, args=()):
        try:
            return self.con.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def meta(self) -> dict:
        try:
            return {k: _read_layout(v) for k, v in self._q("SELECT key, value FROM meta")}
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def columns(self) -> list[str]:
        names = list(FIXED)
        seen = set(names)
        for (layout,) in self._q("SELECT columns FROM chunks ORDER BY chunk"):
            try:
                lay = _read_layout(layout)
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
            for group in (lay["stored"], lay["constant"], lay["alias"], lay.get("derived", ()),
                          lay.get("affine", ()), lay.get("space", ())):
                for c in group:
                    if c not in seen:
                        seen.add(c)
                        names.append(c)
        return names

    def blocks(self, names: list[str], failed: bool):
        """Per chunk: {name: values} of the points it holds, NaN where a column is absent. A
        point retried after failing lives in two chunks: the later one holds it."""
        errors, failed_in = {}, {}
        for i, c, e in self._q("SELECT id, chunk, error FROM failed"):
            errors[(c, i)] = e
            failed_in.setdefault(c, []).append(i)
        try:
            chunks = [(c, _chunk_ids(b, _read_layout(lay))) for c, b, lay in self._ids()]
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        top = max((int(ids.max()) for _, ids in chunks if ids.size), default=-1)
        owner = np.full(top + 1, -1, dtype=np.int64)
        for c, ids in chunks:  # in chunk order: the last chunk holding an id owns it
            owner[ids] = c
        for chunk, n, ids_blob, routes_blob, layout, data in self._rows():
            try:
                lay = _read_layout(layout)
                ids = _chunk_ids(ids_blob, lay)
                codes = _unpack(routes_blob, np.uint8)
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
            keep = owner[ids] == chunk
            # (a chunk's failed ids looked up at once: a loop over its points took 0.09 s of
            # the 1.5 s that reading 4 columns of 10^6 points with 58 failed ones took)
            bad = np.isin(ids, failed_in[chunk]) if chunk in failed_in \
                else np.zeros(ids.size, dtype=bool)
            if not failed:
                keep &= ~bad
            if not keep.any():
                continue
            stored = {c: k for k, c in enumerate(lay["stored"])}
            affine = [c for c in lay.get("affine", ()) if c in names]
            sources = {lay["affine"][c][0] for c in affine}
            wanted = [c for c in lay.get("derived", ()) if c in names or c in sources]
            # the stored rows read (a derived column's fast path reads the coefficients: all)
            rows = None if wanted else {stored[src] for src in (lay["alias"].get(c, c) for c in
                                                                 {*names, *sources}) if src in stored}
            try:
                table = _table(data, lay, n, self._scan_space() if "codec" in lay and
                               lay["codec"].get("order") else None, ids, rows)
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
            sel = np.flatnonzero(keep)
            column = _Chunk(lay, stored, table, n, lambda lay=lay, ids=ids: self._space_values(
                lay.get("space", ()), ids, lay.get("space_crc32")))
            derived = {}
            try:
                if wanted:
                    derived = _derive(self._evaluator(), wanted, column, lay, codes, bad, n)
                derived.update(_affine(lay, affine, column, derived))
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
            block = {}
            for name in names:
                if name == "id":
                    block[name] = ids[sel].astype(float)
                elif name == "status":
                    block[name] = bad[sel].astype(float)
                elif name == "error":
                    block[name] = np.array([errors.get((chunk, i)) for i in ids[sel].tolist()],
                                           dtype=object)
                elif name == "route":
                    block[name] = np.array(ROUTES, dtype=object)[codes[sel]]
                elif name in derived:
                    block[name] = derived[name][sel]
                else:
                    values = column(name)
                    block[name] = values[sel] if values is not None else np.full(sel.size, np.nan)
            yield block

    def _evaluator(self):
        if not hasattr(self, "_derived"):
            self._derived = fastpath_from(self.meta().get("fastpath_representations") or {})
        return self._derived

    def _scan_space(self):
        """The scan's points (meta ``scan``)."""
        if not hasattr(self, "_space"):
            from bridge.scan.space import Space

            try:
                self._space = Space.from_dict(self.meta()["scan"]["space"])
            except (KeyError, TypeError, ValueError, InputError) as exc:
                raise _damaged(self.path, f"scan definition: {exc}") from None
        return self._space

    def _space_values(self, names, ids, check=None) -> dict[str, np.ndarray]:
        """The ``space`` columns of a chunk: the scan's points ``ids`` (meta ``scan``)."""
        if not names:
            return {}
        space = self._scan_space()
        try:
            return _space_values(space, names, ids, check)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def _ids(self):
        return self._q("SELECT chunk, ids, columns FROM chunks ORDER BY chunk")


    def _rows(self):
        try:
            yield from self.con.execute("SELECT chunk, n, ids, routes, columns, data FROM chunks "
                                        "ORDER BY chunk")
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None


def check_points(path, space) -> None:
    """Refuse (InputError: "not resumed", one line) a results file whose stored points ``space``
    does not compute again bit for bit (each chunk's ``space_crc32``): a scan resumed there
    would add chunks of other points, and the file would then read on no machine (an earlier
    bridge's log axes, numpy's exp, resumed on a processor whose exp differs). Every chunk is
    checked: 90 ns a point of a random sample over two log axes (9 s for 10^8; opening the
    file for writing reads its ids at 12 ns a point)."""
    reader = _Reader(path)
    try:
        for chunk, blob, layout in reader._ids():  # (a file that does not read: _damaged)
            lay = _read_layout(layout)
            names = lay.get("space")
            if not names or lay.get("space_crc32") is None:
                continue
            try:
                _space_values(space, names, _chunk_ids(blob, lay), lay["space_crc32"])
            except sqlite3.DatabaseError:  # (the points differ, or an axis is missing)
                raise InputError(
                    f"{path}: not resumed: the points of its chunk {chunk} computed again here "
                    f"differ from those it stored: {_unreproduced(space, 'resume')}; or give "
                    "another -o") from None
    finally:
        reader.close()


def columns(path) -> list[str]:
    """All column names (the fixed ones first, then in order of appearance)."""
    r = _Reader(path)
    try:
        return r.columns()
    finally:
        r.close()


def meta(path) -> dict:
    r = _Reader(path)
    try:
        return r.meta()
    finally:
        r.close()


def stored_ids(path) -> np.ndarray:
    """Every id the file holds, once per stored copy, chunk by chunk (a point retried after
    failing is held twice; the reader gives the later copy)."""
    r = _Reader(path)
    try:
        parts = [_chunk_ids(b, _read_layout(lay)) for _, b, lay in r._ids()]
    except (sqlite3.DatabaseError, ValueError) as exc:
        raise _damaged(path, exc) from None
    finally:
        r.close()
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def count(path) -> tuple[int, int]:
    """(stored points, failed points) of a results file."""
    data = read(path, ["status"], failed=True)
    return int(data["status"].size), int(np.sum(data["status"] != STATUS_OK))


def read(path, names: list[str] | None = None, *, failed: bool = False) -> dict[str, np.ndarray]:
    """Columns as arrays ordered by id (NaN where not computed); failed points only if asked."""
    r = _Reader(path)
    try:
        have = r.columns()
        names = have if names is None else list(names)
        missing = [n for n in names if n not in have]
        if missing:
            raise InputError(f"{path}: no column {missing[0]!r}")
        blocks = list(r.blocks(list(dict.fromkeys(["id", *names])), failed))
    finally:
        r.close()
    out = {}
    for n in names:
        obj = n in ("error", "route")
        out[n] = (np.concatenate([b[n] for b in blocks]) if blocks
                  else np.zeros(0, dtype=object if obj else float))
    if blocks:
        order = np.argsort(np.concatenate([b["id"] for b in blocks]), kind="stable")
        out = {k: v[order] for k, v in out.items()}
    return out


def export(path, target) -> int:
    """Write every point (failed ones with their message) to ``.parquet`` or ``.csv``,
    one chunk at a time (points in the order they were stored)."""
    target = Path(target)
    if target.suffix not in (".csv", ".parquet", ".pq"):
        raise InputError(f"{target}: export needs a .parquet or .csv file name")
    if not target.parent.is_dir():
        raise InputError(f"{target}: no such directory {target.parent}")
    r = _Reader(path)
    tmp = target.with_name(f".{target.name}.tmp")
    n = 0
    try:
        names = r.columns()
        if target.suffix == ".csv":
            import csv

            with open(tmp, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(names)
                for b in r.blocks(names, True):
                    for i in range(b["id"].size):
                        w.writerow([_csv_value(b[c][i], c) for c in names])
                    n += b["id"].size
        else:
            n = _export_parquet(r, names, tmp)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    finally:
        r.close()
    return n


def _export_parquet(reader: _Reader, names, tmp: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet export needs pyarrow: pip install 'bridge-flavour[scan]'") from None
    types = {"id": pa.int64(), "status": pa.int64(), "error": pa.string(), "route": pa.string()}
    schema = pa.schema([(c, types.get(c, pa.float64())) for c in names])
    n = 0
    with pq.ParquetWriter(str(tmp), schema) as writer:
        for b in reader.blocks(names, True):
            arrays = [pa.array(b[c].astype(np.int64)) if c in ("id", "status")
                      else pa.array(list(b[c]), type=pa.string()) if c in ("error", "route")
                      else pa.array(b[c], from_pandas=True) for c in names]
            writer.write_table(pa.table(arrays, schema=schema))
            n += b["id"].size
    return n


def _csv_value(v, name):
    if name in ("id", "status"):
        return int(v)
    if name in ("error", "route"):
        return "" if v is None else v
    return "" if not np.isfinite(v) else repr(float(v))


def read_results(path, columns: list[str] | None = None, *, failed: bool = False):
    """The points of a results file as a pandas DataFrame indexed by point id: one column per
    stored quantity (``par:``, ``mass:``, ``wc:``, ``obs:``, ``chi2:``, ...), NaN where not
    computed; with ``failed=True`` the failed points too, with ``status`` and ``error``.
    pandas is optional: an ImportError says how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("bridge.scan.read_results needs pandas: pip install pandas") from None
    names = None if columns is None else ["id", *[c for c in columns if c != "id"]]
    data = read(path, names, failed=failed)
    ids = data.pop("id").astype(np.int64)
    if not failed:
        data.pop("status", None)
        data.pop("error", None)
    frame = pd.DataFrame(data, index=pd.Index(ids, name="id"))
    if "status" in frame:
        frame["status"] = frame["status"].astype(np.int64)
    return frame
