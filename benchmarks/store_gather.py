"""The share of a random chunk's encoding that gathers its columns into storage order: the
CPU a worker would save by computing the chunk's points already in that order.

For each model it computes one chunk of the scan plan's largest size from a random sample
(``run_chunk``), then times, in interleaved rounds (median over rounds of the fastest of
15 calls, CPU time, one BLAS thread, the workers' malloc settings):

* ``layout_gather``: ``bridge.scan.store._layout`` and ``_stack`` as ``pack`` calls them (the
  columns copied into the table in Hilbert order, ``np.take``);
* ``layout_preordered``: the same table built from columns already in that order (a plain
  copy, which the encoder makes whatever the order);
* ``saving``: the difference, the most a pre-ordered chunk can save (before the cost of
  putting the routes and errors back into id order);
* ``pack``: the whole ``pack`` of the chunk (its transform choice cached after the first
  round, as for a long scan's chunks).

Figures in µs per point. Usage: python benchmarks/store_gather.py [--models F_Ib,scotogenic]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_store import MODELS, ROOT  # noqa: E402


def one(model: str, side: int = 256, rounds: int = 7) -> dict:
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, _chunk_plan, _pulls, prepare, run_chunk

    card, vary = MODELS[model]
    opts = ScanOptions(str(ROOT / "cards" / card), [f"{v}:{side}" for v in vary], "/nonexistent/x.db",
                       likelihoods=["seed2021"], progress=False, sample=f"random:{side * side}")
    ctx, _ = prepare(opts, say=lambda m: None)
    n = _chunk_plan(opts, ctx).largest
    ids = np.arange(1000, 1000 + n)
    values = ctx.space.values(ids)
    res = run_chunk(ctx, ids, values)
    known = tuple(store._space_columns(ctx.space, ids, res.columns, values))
    order, _ = store._chunk_lifting(ctx.space, ids, values=values)
    columns = {k: v for k, v in res.columns.items() if k not in res.derived}
    ordered = {k: np.asarray(v, dtype=np.float64)[order] for k, v in columns.items()}
    def layout(cols, order=None):  # the stored rows as the table pack encodes
        return store._stack(store._layout(cols, n, known)[3], n, order)

    assert np.array_equal(layout(columns, order).view(np.int64), layout(ordered).view(np.int64))
    pulls = _pulls(ctx)
    calls = {"layout_gather": lambda: layout(columns, order),
             "layout_preordered": lambda: layout(ordered),
             "pack": lambda: store.pack(res.ids, res.columns, res.errors, res.routes, res.derived,
                                        ctx.space, pulls, values=values)}
    seconds: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            best = np.inf
            for _ in range(15 if name != "pack" else 3):
                t = time.process_time()
                call()
                best = min(best, time.process_time() - t)
            seconds[name].append(best)
    us = {k: round(1e6 * float(np.median(v)) / n, 3) for k, v in seconds.items()}
    return {"points": n, "stored_rows": len(store._layout(ordered, n, known)[0]), **us,
            "saving": round(us["layout_gather"] - us["layout_preordered"], 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="F_Ib,F_IIb,scotogenic")
    args = ap.parse_args()
    from bridge.scan.executors import tune_malloc

    tune_malloc()
    for model in args.models.split(","):
        print(json.dumps({f"{model} / random": one(model)}), flush=True)


if __name__ == "__main__":
    main()
