"""Scan throughput: the exact fast path against direct flavio, on the same points, in one run.

The scan of seed 000's Fig. 2 (F_Ib, M_Psi x M_Psi', cards/F_Ib.slha) with the `bridge run`
observables and the `seed2021` chi2, evaluated

1. directly (``--route direct``): the model, then flavio for every observable at every
   point, and the chi2 from ``Likelihood.evaluate``; one process, ``--direct`` points;
2. with the fast path (``--route fast``) on the *same* points: values compared with 1
   (max relative difference per observable), time per point;
3. with the fast path through the full scan (``bridge.scan.runner.run``: chunks, two local
   processes, SQLite store) on ``--points`` points: points per second after the setup;
4. optionally (``--million``) a 1000 x 1000 grid through the same runner, with the peak
   resident memory of the scanning process and of its workers.

The setup (probe points, the fast path's flavio design and its validation) is timed with an
empty cache (``--cold``, the default) so that its cost is the one-off cost a user pays.

Usage: python benchmarks/scan_throughput.py [--direct 100] [--points 200000] [--million]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CARD = str(ROOT / "cards" / "F_Ib.slha")


def million(tmp: str, workers: int) -> dict:
    """A 1000 x 1000 grid with `bridge scan` in a fresh process (fast path and SM inputs
    cached by the steps before, so it does not import flavio), its resident memory and that
    of its workers sampled every 0.2 s (psutil, installed with dask.distributed)."""
    import psutil

    db = os.path.join(tmp, "million.db")
    cmd = [sys.executable, "-m", "bridge.cli", "scan", CARD, "--vary", "MINPAR:1:20:1000:1000",
           "--vary", "MINPAR:2:100:2000:1000", "--likelihood", "seed2021", "--workers", str(workers),
           "-o", db, "-q"]
    t = time.perf_counter()
    proc = psutil.Popen(cmd)
    peak_main = peak_worker = peak_total = 0
    while proc.poll() is None:
        try:
            rss_main = proc.memory_info().rss
            kids = [c.memory_info().rss for c in proc.children(recursive=True)]
        except psutil.Error:
            continue
        peak_main = max(peak_main, rss_main)
        peak_worker = max([peak_worker, *kids])
        peak_total = max(peak_total, rss_main + sum(kids))
        time.sleep(0.2)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"bridge scan failed ({proc.returncode})")
    from bridge.scan.store import Store

    with Store(db) as st:
        last = st.get_meta("last_run")
        stored = st.count()[0]
    mib = 2**20
    return {"points": stored, "wall_seconds": round(wall, 1), "scan_seconds": round(last["seconds"], 1),
            "points_per_s": last["computed"] / last["seconds"],
            "peak_rss_scan_process_MiB": round(peak_main / mib, 1),
            "peak_rss_largest_worker_MiB": round(peak_worker / mib, 1),
            "peak_rss_all_processes_MiB": round(peak_total / mib, 1),
            "results_file_MiB": round(Path(db).stat().st_size / mib, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--direct", type=int, default=100, help="points for the direct route (default 100)")
    ap.add_argument("--points", type=int, default=200_000, help="points for the fast scan (default 2e5)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--million", action="store_true", help="also scan 10^6 points and report peak RSS")
    ap.add_argument("--warm", action="store_true", help="keep the user's cache (no cold setup)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bridge-scan-bench-")
    if not args.warm:
        os.environ["BRIDGE_CACHE_DIR"] = os.path.join(tmp, "cache")
    from bridge.scan.runner import ScanOptions, prepare, run, run_chunk
    from bridge.sm import cached_sm_inputs

    out: dict = {}
    side = round(args.points ** 0.5)
    vary = [f"MINPAR:1:20:1000:{side}", f"MINPAR:2:100:2000:{side}"]
    common = dict(likelihoods=["seed2021"], progress=False)

    t = time.perf_counter()
    cached_sm_inputs({})
    out["sm_inputs_seconds (flavio import, once)"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    fast_ctx, _ = prepare(ScanOptions(CARD, vary, os.path.join(tmp, "x.db"), **common), say=print)
    out["setup_seconds (probes + fast-path design + validation)"] = round(time.perf_counter() - t, 1)
    out["fast_path"] = fast_ctx.fastpath.summary()
    out["fast_path_info"] = fast_ctx.fastpath.info
    direct_ctx, _ = prepare(ScanOptions(CARD, vary, os.path.join(tmp, "y.db"), route="direct", **common))

    rng = np.random.default_rng(2021)
    ids = np.sort(rng.choice(fast_ctx.space.size, args.direct, replace=False))
    values = fast_ctx.space.values(ids)
    run_chunk(direct_ctx, ids[:1], values[:1])  # flavio's first calls (a_mu running) not timed
    t = time.perf_counter()
    ref = run_chunk(direct_ctx, ids, values)
    t_direct = time.perf_counter() - t
    run_chunk(fast_ctx, ids[:1], values[:1])
    t = time.perf_counter()
    fast = run_chunk(fast_ctx, ids, values)
    t_fast_same = time.perf_counter() - t
    diffs = {}
    for name, v in ref.columns.items():
        if name.startswith(("obs:", "chi2:")):
            d = np.abs(fast.columns[name] - v) / np.maximum(np.abs(v), 1e-300)
            diffs[name] = float(np.max(np.where(fast.columns[name] == v, 0.0, d)))
    out["same_points"] = {"points": int(ids.size), "direct_points_per_s": ids.size / t_direct,
                          "fast_points_per_s (one process, one small chunk)": ids.size / t_fast_same,
                          "max_rel_diff_fast_vs_direct": diffs}

    t = time.perf_counter()
    s = run(ScanOptions(CARD, vary, os.path.join(tmp, "fast.db"), workers=args.workers, **common))
    out["fast_scan"] = {"points": s.computed, "seconds": round(s.seconds, 2),
                        "points_per_s": s.computed / s.seconds, "backend": s.backend,
                        "wall_with_setup": round(time.perf_counter() - t, 2)}
    ids = np.arange(min(fast_ctx.space.size, 4 * 4096))
    values = fast_ctx.space.values(ids)
    t = time.perf_counter()
    run_chunk(fast_ctx, ids, values)
    out["fast_one_process_points_per_s (4 chunks of 4096, no store)"] = ids.size / (time.perf_counter() - t)
    print(json.dumps(out, indent=2, default=float), flush=True)
    out["speed-up (fast scan / direct)"] = out["fast_scan"]["points_per_s"] / \
        out["same_points"]["direct_points_per_s"]
    if args.million:
        out["million"] = million(tmp, args.workers)
    print(json.dumps(out, indent=2, default=float))
    print(f"(scratch files in {tmp})", file=sys.stderr)


if __name__ == "__main__":
    main()
