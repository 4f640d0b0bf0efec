"""The results store's cost per scan: bytes per point and its share of the scan's CPU (the
workers' encoding and the scanning process's writing), per model, for a grid and for a random
sample, per column.

For each model (F_Ib, F_IIb, the scotogenic model, S_Ib) and sampler (a grid over two masses;
``--sample random``) it computes chunks as a scan does (``run_chunk``: the 10 ``bridge run``
observables and the seed χ², chunk sizes of the scan's :class:`ChunkPlan` at one chunk per
second of two workers, at most ``--points``), then packs them as a worker does
(``bridge.scan.store.pack``), writes them into a new results file as the scanning process
does (``Store.write_packed``: SQLite in WAL mode, its checkpoints and the closing one
included) and reports

* ``bytes_per_point``: ids, routes, layout and data of the packed chunks (the SQLite rows);
* ``store_share_pct``: CPU seconds of ``pack`` and of the writing over those of ``run_chunk``
  + ``pack`` + the writing (the issue's figure: the store's share of the scan's CPU), and its
  two parts, ``encode_share_pct`` and ``write_share_pct``; the writing's CPU time includes the
  kernel's (user + system), whose page-cache writeback varies from run to run;
* ``largest_chunks``: the same figures over the chunks of the plan's largest size only (a
  long scan's chunks: the first ones, 16 and 256 points, pay a chunk's fixed costs and the
  first choice of the transforms);
* ``columns``: with ``--columns``, the stored bytes per point of each stored column.

CPU time (time.process_time), one BLAS thread, in a process with the scan workers' malloc
settings (bridge.scan.executors.tune_malloc: without them every chunk's large temporaries
page-fault again, 20-40% of the encoding's CPU), each chunk packed with its points handed
over (``values=``) as a worker packs it.

Run with PYTHONPATH naming the checkout to measure (two checkouts: before and after).

Usage: python benchmarks/scan_store.py [--points 65536] [--models F_Ib,scotogenic] [--columns]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import zlib
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = {
    "F_Ib": ("F_Ib.slha", ("MINPAR:1:20:1000", "MINPAR:2:100:2000")),
    "F_IIb": ("F_IIb.slha", ("MINPAR:1:200:1500", "MINPAR:4:50:1000")),
    "scotogenic": ("scotogenic.slha", ("MINPAR:1:500:2000", "MINPAR:4:500:2000")),
    "S_Ib": ("S_Ib.slha", ("MINPAR:1:100:1000", "MINPAR:3:800:2500")),
}


def column_bytes(packed, space=None) -> dict[str, float]:
    """Stored bytes of each stored column of a packed chunk (its byte planes: raw ones as
    they are, bit-packed ones packed, deflated ones deflated on their own), of the head
    residuals and of its spikes (12 bytes each, not deflated); 8 a point for a column stored
    verbatim (format 8's ``V``)."""
    from bridge.scan import store

    lay = json.loads(zlib.decompress(packed.layout))
    names, n = lay["stored"], packed.ids.size
    codes = lay["codec"]["transforms"]
    coded = [k for k, c in enumerate(codes) if c != "V"]
    m = len(coded)
    if not names:
        return {}
    kinds = np.frombuffer(packed.data, np.uint8, 8 * m)
    width = int(lay["codec"]["width"])
    head = store._head(n, width)
    _, lift = (store._chunk_lifting(space, packed.ids) if lay["codec"].get("order")
                   else (None, None))
    table = store.decode_table(packed.data, codes, n, width, lift)
    z = store._residuals(table.view(np.int64), codes, width, lift)  # the coded rows only
    z[:, head] = 0
    # the spikes as the encoder takes them out (format 7): 12 bytes each, before deflate
    reach = np.bitwise_or.reduce(z, axis=1)
    positions, _ = store._spikes(z, store._nonzero(store._planes(np.ascontiguousarray(z[:, 4::8]))),
                                 reach)
    spikes = np.bincount(positions // n, minlength=m) if n else np.zeros(m, np.int64)
    out = {names[k]: 8 * n for k, c in enumerate(codes) if c == "V"}
    for i, k in enumerate(coded):
        planes = z[i].view(np.uint8).reshape(n, 8).T
        size = 8 + 8 * head.size + 12 * int(spikes[i])
        for b in range(8):
            kind = kinds[b * m + i]
            if kind == store.RAW:
                size += n
            elif kind in store._PACK_BITS:
                size += -(-n * store._PACK_BITS[kind] // 8)
            elif kind == store.DEFLATED:
                size += len(zlib.compress(planes[b].tobytes(), store.LEVEL))
        out[names[k]] = size
    return out


def one(model: str, sampler: str, points: int, columns: bool) -> dict:
    from bridge.scan import store
    from bridge.scan.runner import ChunkPlan, ScanOptions, _chunk_plan, _pulls, prepare, run_chunk

    card, vary = MODELS[model]
    side = max(2, round(points ** 0.5))
    opts = ScanOptions(str(ROOT / "cards" / card), [f"{v}:{side}" for v in vary], "/nonexistent/x.db",
                       likelihoods=["seed2021"], progress=False,
                       sample=None if sampler == "grid" else f"random:{side * side}")
    ctx, _ = prepare(opts, say=lambda m: None)
    plan: ChunkPlan = _chunk_plan(opts, ctx)
    plan.seconds = 2.0  # one chunk end per second across two workers
    run_chunk(ctx, np.arange(2), ctx.space.values(np.arange(2)))  # first calls not timed
    pulls = _pulls(ctx)
    taken = 0
    per_column: dict[str, float] = {}
    rows = []  # (points, run_chunk CPU s, pack CPU s, bytes) per chunk
    store._CHOICE_CACHE.clear()
    store._LINEAR_CACHE.clear()
    scratch = tempfile.mkdtemp(prefix="bridge-scan-store-")
    try:
        results = store.Store(os.path.join(scratch, "w.db"), ctx.space)
        while taken < min(points, ctx.space.size):
            ids = np.arange(taken, min(taken + plan.next_size(), ctx.space.size))
            taken += ids.size
            values = ctx.space.values(ids)
            t = time.process_time()
            res = run_chunk(ctx, ids, values)
            c = time.process_time() - t
            t = time.process_time()
            p = store.pack(res.ids, res.columns, res.errors, res.routes, res.derived, ctx.space, pulls,
                           values=values)
            k = time.process_time() - t
            t = time.process_time()
            results.write_packed(p)
            w = time.process_time() - t
            plan.measured(ids.size, c + k)
            size = len(p.layout) + len(p.data) + len(p.routes) + len(store._pack(np.diff(p.ids, prepend=0)))
            rows.append((ids.size, c, k, size, w))
            if columns:
                for name, b in column_bytes(p, ctx.space).items():
                    per_column[name] = per_column.get(name, 0) + b

        t = time.process_time()
        results.close()  # the last checkpoint: counted with the writing of the whole scan
        closing = time.process_time() - t
    finally:  # no file left behind, whatever happens
        shutil.rmtree(scratch, ignore_errors=True)

    def figures(chunks, closing=0.0) -> dict:
        n, compute, packing, size, writing = (sum(r[i] for r in chunks) for i in range(5))
        writing += closing
        total = compute + packing + writing
        return {"points": n, "bytes_per_point": round(size / n, 1),
                "store_share_pct": round(100 * (packing + writing) / total, 2),
                "encode_share_pct": round(100 * packing / total, 2),
                "write_share_pct": round(100 * writing / total, 2),
                "pack_us_per_point": round(1e6 * packing / n, 2),
                "write_us_per_point": round(1e6 * writing / n, 2),
                "compute_us_per_point": round(1e6 * compute / n, 1)}

    sizes = [r[0] for r in rows]
    out = {"chunk_sizes": f"{min(sizes)}-{max(sizes)}", **figures(rows, closing)}
    largest = [r for r in rows if r[0] == plan.largest]
    if largest:
        out["largest_chunks"] = {"size": plan.largest, **figures(largest)}
    if columns:
        out["columns"] = {k: round(v / taken, 1) for k, v in
                          sorted(per_column.items(), key=lambda kv: -kv[1])}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=65536)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--samplers", default="grid,random")
    ap.add_argument("--columns", action="store_true")
    args = ap.parse_args()
    from bridge.scan.executors import tune_malloc

    tune_malloc()
    for model in args.models.split(","):
        for sampler in args.samplers.split(","):
            print(json.dumps({f"{model} / {sampler}": one(model, sampler, args.points, args.columns)}),
                  flush=True)


if __name__ == "__main__":
    main()
