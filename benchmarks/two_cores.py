"""What two local workers can give on this machine: a chunk's CPU cost alone and with a second
process computing at the same time, and a worker's task against the bare chunk.

Issue 12 asks for 1e5 points/s from two workers. Two bounds decide whether that is reachable:

* ``alone`` / ``together``: points per CPU second of ``run_chunk`` (the benchmark box of
  benchmarks/scan_throughput.py, the 10 observables and the seed χ², chunks of 4096 points) in
  one process, then in two processes started together and timed over the same wall interval
  (cores that share caches, memory bandwidth or a host slow each other down). Twice the
  ``together`` median is the ceiling of two workers with no other cost;
* ``task``: µs a point of ``run_packed`` (what a worker runs: the chunk in parts of
  ``COMPUTE_PART`` points, then the store's encoding) on 8192-point chunks of the 10^6-point
  F_Ib grid, against ``run_chunk`` on the two parts and on the whole chunk, in turn.

Medians over the passes of ``--seconds`` each (the machine's load drifts; the best pass is
reported too). Usage: python benchmarks/two_cores.py [--model F_Ib] [--sample grid|random]
[--seconds 12]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# one BLAS thread per process, as in the scan's workers
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _context(model: str, sample: str, vary=None):
    import scan_throughput as st

    from bridge.scan.runner import ScanOptions, prepare

    kw = {"sample": "random:20164"} if sample == "random" else {}
    opts = ScanOptions(st._card(model), vary or st._vary(model, 20000),
                       os.path.join(tempfile.mkdtemp(), "x.db"), likelihoods=["seed2021"],
                       observables=True, progress=False, **kw)
    return prepare(opts, say=lambda m: None)[0]


def chunk_rates(model: str, sample: str, start: float, seconds: float) -> dict:
    """Points per CPU second of run_chunk on two 4096-point chunks, pass after pass from wall
    time ``start`` for ``seconds`` (a warm pass first, untimed)."""
    from bridge.scan.executors import tune_malloc
    from bridge.scan.runner import run_chunk

    tune_malloc()
    ctx = _context(model, sample)
    chunks = [np.arange(0, 4096), np.arange(4096, 8192)]
    values = [ctx.space.values(c) for c in chunks]
    run_chunk(ctx, chunks[0], values[0])
    while time.time() < start:
        time.sleep(0.005)
    rates = []
    while time.time() < start + seconds:
        t = time.process_time()
        for c, v in zip(chunks, values, strict=True):
            run_chunk(ctx, c, v)
        rates.append(8192 / (time.process_time() - t))
    return {"passes": len(rates), "median": round(float(np.median(rates))), "best": round(max(rates))}


def _processes(args, n: int) -> list[dict]:
    """``chunk_rates`` in ``n`` fresh processes timed over the same wall interval."""
    start = time.time() + 15  # after every process has prepared its scan
    cmd = [sys.executable, __file__, "--child", str(start), "--model", args.model,
           "--sample", args.sample, "--seconds", str(args.seconds)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return [json.loads(p.communicate()[0]) for p in procs]


def task_costs(passes: int = 2) -> dict:
    """µs a point: run_packed, run_chunk on its COMPUTE_PART parts, run_chunk on the whole
    chunk, in turn on 8192-point chunks of the 10^6-point F_Ib grid, each of the three first in
    a third of the passes (medians and bests)."""
    from bridge.scan.executors import tune_malloc
    from bridge.scan.runner import COMPUTE_PART, run_chunk, run_packed

    tune_malloc()
    ctx = _context("F_Ib", "grid", ["MINPAR:1:20:1000:1000", "MINPAR:2:100:2000:1000"])
    chunks = [np.arange(k * 8192, (k + 1) * 8192) for k in range(2)]
    values = [ctx.space.values(c) for c in chunks]
    run_packed(ctx, chunks[0], values[0])
    def parts(c, v):
        for lo in range(0, c.size, COMPUTE_PART):
            run_chunk(ctx, c[lo:lo + COMPUTE_PART], v[lo:lo + COMPUTE_PART])

    steps = {"task": lambda c, v: run_packed(ctx, c, v), "parts": parts,
             "whole": lambda c, v: run_chunk(ctx, c, v)}
    costs: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for k in range(3 * passes):  # each order of the three in turn: no step always first
        order = names[k % 3:] + names[:k % 3]
        for c, v in zip(chunks, values, strict=True):
            for name in order:
                t = time.process_time()
                steps[name](c, v)
                costs[name].append(time.process_time() - t)
    return {k: {"median_us": round(1e6 * float(np.median(x)) / 8192, 2),
                "best_us": round(1e6 * min(x) / 8192, 2)} for k, x in costs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="F_Ib")
    ap.add_argument("--sample", default="grid", choices=("grid", "random"))
    ap.add_argument("--seconds", type=float, default=12.0, help="timed wall seconds per process")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)  # internal: the common start
    args = ap.parse_args()
    os.environ.setdefault("BRIDGE_CACHE_DIR", os.path.join(tempfile.gettempdir(), "bridge-two-cores"))
    if args.child is not None:
        print(json.dumps(chunk_rates(args.model, args.sample, args.child, args.seconds)))
        return
    alone = _processes(args, 1)[0]
    together = _processes(args, 2)
    out = {"model": args.model, "sample": args.sample, "alone": alone, "together": together,
           "two_process_ceiling_points_per_s": sum(t["median"] for t in together),
           "worker_task_F_Ib_million_grid": task_costs()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
