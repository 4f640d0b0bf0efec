"""The results file of a scan: one SQLite database, written chunk by chunk as the scan runs.

Why SQLite (and not Parquet chunks): it is in Python's standard library; a chunk of points
is committed in one transaction, so a scan killed mid-write leaves the file as it was
before that chunk; the point id is a primary key, so a point is stored once whatever
happens; failed points are rows with their message; readers (``bridge plot``) see the
committed chunks while the scan writes (WAL mode). Parquet (and CSV) are exports.

Tables:

* ``points``: one row per point, ``id`` (its index in the scan, primary key), ``status``
  (0 ok, 1 failed), ``error``, ``route`` (``fast``, ``mixed``, ``direct``, ``none``) and
  ``chunk``, the chunk that holds its numbers;
* ``chunks``: one row per chunk, ``columns`` (JSON list of names) and ``data``, the chunk's
  numbers as a little-endian float64 array (points × columns; NaN where not computed).
  Writing one array per chunk instead of one SQL value per number keeps the writer at
  ~10⁶ points/s, so it never holds a scan back;
* ``meta``: the scan's definition (JSON), the card, the fast path's validation.

Column names carry a prefix: ``par:`` scan parameters, ``in:`` the card entries they set,
``mass:``, ``wc:NAME:re|im`` (hand-over scale), ``contrib:``, ``ol:`` (one loop), ``mnu:``,
``obs:`` (flavio), ``chi2:NAME``, ``pull:NAME:TERM``. :func:`read` returns columns as
arrays; :func:`export` writes Parquet or CSV for other tools.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from bridge.errors import InputError

STATUS_OK, STATUS_FAILED = 0, 1
FIXED = ("id", "status", "error", "route")


class Store:
    """A results file opened for writing (one writer: the process that runs the scan)."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.con = sqlite3.connect(str(self.path), timeout=60)
            # WAL: readers see committed chunks while the scan writes; synchronous=NORMAL
            # keeps every committed chunk when the process is killed
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
            self.con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.con.execute("CREATE TABLE IF NOT EXISTS points (id INTEGER PRIMARY KEY, status INTEGER, "
                             "error TEXT, route TEXT, chunk INTEGER)")
            self.con.execute("CREATE TABLE IF NOT EXISTS chunks (chunk INTEGER PRIMARY KEY, "
                             "columns TEXT, n INTEGER, data BLOB)")
            self.con.commit()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a bridge scan results file ({exc})") from None

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def get_meta(self, key: str, default=None):
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value) -> None:
        with self.con:
            self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def done_ids(self) -> np.ndarray:
        """Ids of every stored point (failed ones included)."""
        return np.array([r[0] for r in self.con.execute("SELECT id FROM points")], dtype=np.int64)

    def count(self) -> tuple[int, int]:
        """(stored points, failed points)."""
        n, bad = self.con.execute("SELECT COUNT(*), COALESCE(SUM(status), 0) FROM points").fetchone()
        return int(n), int(bad)

    def delete_failed(self) -> int:
        with self.con:
            return self.con.execute("DELETE FROM points WHERE status != 0").rowcount

    def write(self, ids, columns: dict[str, np.ndarray], errors, routes) -> int:
        """Store one chunk in one transaction; ids already stored keep their old numbers."""
        ids = np.asarray(ids, dtype=np.int64)
        names = ["id", *(c for c in columns if c != "id")]
        data = np.empty((ids.size, len(names)), dtype="<f8")
        data[:, 0] = ids
        for k, name in enumerate(names[1:], start=1):
            data[:, k] = columns[name]
        with self.con:
            (chunk,) = self.con.execute("SELECT COALESCE(MAX(chunk), -1) + 1 FROM chunks").fetchone()
            cur = self.con.executemany(
                "INSERT OR IGNORE INTO points VALUES (?, ?, ?, ?, ?)",
                zip(ids.tolist(), [STATUS_OK if e is None else STATUS_FAILED for e in errors], errors,
                    routes, [chunk] * ids.size, strict=True))
            added = cur.rowcount
            if added:
                self.con.execute("INSERT INTO chunks VALUES (?, ?, ?, ?)",
                                 (chunk, json.dumps(names), int(ids.size), data.tobytes()))
        return added


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def open_results(path) -> sqlite3.Connection:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such results file")
    try:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        con.execute("SELECT id, chunk FROM points LIMIT 1")
        con.execute("SELECT chunk FROM chunks LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a bridge scan results file ({exc})") from None
    return con


def _chunk_columns(con) -> dict[int, list[str]]:
    return {c: json.loads(names) for c, names in con.execute("SELECT chunk, columns FROM chunks")}


def columns(path) -> list[str]:
    """All column names (the fixed ones first, then in order of appearance)."""
    con = open_results(path)
    try:
        names = list(FIXED)
        for cols in _chunk_columns(con).values():
            names += [c for c in cols if c not in names]
        return names
    finally:
        con.close()


def meta(path) -> dict:
    con = open_results(path)
    try:
        return {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM meta")}
    finally:
        con.close()


def _blocks(con, names: list[str], failed: bool):
    """For each chunk: {name: values} of the points it holds (points.chunk), NaN where absent."""
    for chunk, cols, n, blob in con.execute("SELECT chunk, columns, n, data FROM chunks ORDER BY chunk"):
        rows = con.execute("SELECT id, status, error, route FROM points WHERE chunk = ? ORDER BY id",
                           (chunk,)).fetchall()
        if not failed:
            rows = [r for r in rows if r[1] == STATUS_OK]
        if not rows:
            continue
        cols = json.loads(cols)
        data = np.frombuffer(blob, dtype="<f8").reshape(n, len(cols))
        index = {c: k for k, c in enumerate(cols)}
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        # a point stored by an earlier chunk is not taken from this one (exactly once)
        pos = np.searchsorted(data[:, 0], ids)
        block = {}
        for name in names:
            if name == "id":
                block[name] = ids.astype(float)
            elif name == "status":
                block[name] = np.array([r[1] for r in rows], dtype=float)
            elif name in ("error", "route"):
                block[name] = np.array([r[2 if name == "error" else 3] for r in rows], dtype=object)
            elif name in index:
                block[name] = data[pos, index[name]]
            else:
                block[name] = np.full(ids.size, np.nan)
        yield block


def read(path, names: list[str] | None = None, *, failed: bool = False) -> dict[str, np.ndarray]:
    """Columns as arrays ordered by id (NaN where not computed); failed points only if asked."""
    have = columns(path)
    names = have if names is None else list(names)
    missing = [n for n in names if n not in have]
    if missing:
        raise InputError(f"{path}: no column {missing[0]!r}")
    con = open_results(path)
    try:
        blocks = list(_blocks(con, list(dict.fromkeys(["id", *names])), failed))
    finally:
        con.close()
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
    names = columns(path)
    tmp = target.with_name(f".{target.name}.tmp")
    con = open_results(path)
    n = 0
    try:
        if target.suffix == ".csv":
            import csv

            with open(tmp, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(names)
                for b in _blocks(con, names, True):
                    for i in range(b["id"].size):
                        w.writerow([_csv_value(b[c][i], c) for c in names])
                    n += b["id"].size
        else:
            n = _export_parquet(con, names, tmp)
    finally:
        con.close()
    tmp.replace(target)
    return n


def _export_parquet(con, names, tmp: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet export needs pyarrow: pip install 'bridge-flavour[scan]'") from None
    types = {"id": pa.int64(), "status": pa.int64(), "error": pa.string(), "route": pa.string()}
    schema = pa.schema([(c, types.get(c, pa.float64())) for c in names])
    n = 0
    with pq.ParquetWriter(str(tmp), schema) as writer:
        for b in _blocks(con, names, True):
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
