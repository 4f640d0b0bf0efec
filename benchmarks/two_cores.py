"""What two local workers can give on this machine: a chunk's CPU cost alone and with a second
process computing at the same time, and a worker's task against the bare chunk.

Issue 12 asks for 1e5 points/s from two workers. Two bounds decide whether that is reachable:

* ``alone`` / ``together``: points per CPU second of ``run_chunk`` (the benchmark box of
  benchmarks/scan_throughput.py, the 10 observables and the seed χ², chunks of 4096 points) in
  one process, then in two processes started together and timed over the same wall interval
  (cores that share caches, memory bandwidth or a host slow each other down). Twice the
  ``together`` median is the ceiling of two workers with no other cost;
* ``task``: µs a point of ``run_packed`` (what a worker runs: the chunk in parts of
  ``compute_part(ctx)`` points, bridge.scan.runner, then the store's encoding) on 8192-point
  chunks of the 10^6-point F_Ib grid, against ``run_chunk`` on its parts and on the whole
  chunk, in turn.

Medians over the passes of ``--seconds`` each (the machine's load drifts; the best pass is
reported too). Usage: python benchmarks/two_cores.py [--model F_Ib] [--sample grid|random]
[--seconds 12]

``--scans`` instead reports the issue's two-worker figure per model, whole processes: for each
model of benchmarks/scan_throughput.py and each sample (its grid box, and a random sample of as
many points in the same box), ``--repeats`` fresh processes each running ``bridge scan ...
--likelihood seed2021 --workers 2`` of ``--points`` points (default 2·10⁵, a warm cache):
points per wall second after the setup, CPU µs a point of the scanning process (start-up and
setup included) and of its workers (start-up, chunks, encoding), and the peak resident memory
of the scanning process and of its largest worker (the kernel's getrusage, no sampling);
medians and ranges; also ``points_per_whole_process_s``: points per wall second of the whole
scanning process (``whole_process_wall_s``, start to exit: Python's start-up, imports, setup,
the workers' start and the last write included). Interleaved with each scan (after it in the
first repeat, before it in the second, and so on), the issue's bound for it: the lean numpy
kernel of the same arithmetic (benchmarks/lean_kernel.py, through scan_throughput._lean) on the
same points, :data:`bridge.scan.runner.COMPUTE_PART` (8192) a call as a local worker computes,
in two fresh processes at once (the scan's 8192-point blocks dealt out in turn, each process
cycling through its own) timed over a common wall interval of ``--lean-seconds``:
``lean_points_per_s``, their points per wall second together, is what two workers could reach
on this machine with no bookkeeping, no start-up and no scanning process (and
``lean_points_per_cpu_s_each`` the two processes' mean per CPU second: where half the wall
figure falls below it, other load kept them off their cores part of the time); ``ratio`` is
the scan's ``points_per_s`` over it, ``ratio_whole_process`` its ``points_per_whole_process_s``
over it, each taken within a repeat. On a shared machine the wall figures follow the share of
the two cores that other work leaves (a minute apart, F_Ib's lean pair gave 4.5 and 8.0×10⁴
points a second, at 5.3 and 4.7×10⁴ a CPU second each); ``ratio_cpu`` does not: the scan's
``points_per_cpu_s`` (a point's CPU in all its processes: workers, start-ups, scanning
process) over ``lean_points_per_cpu_s_each``.
``--models all`` scans every shipped card (scan_throughput._models; boxes of the cards outside
its MODELS as there); those have no lean kernel, so no bound and no ratios.
Usage: python benchmarks/two_cores.py --scans [--models F_Ib,S_Ib | all] [--samples grid,random]
[--points 200000] [--repeats 3] [--lean-seconds 5] [--options "--coefficients all"]
(``--options`` changes the scan only: the lean kernel computes the issue's workload); a
markdown table of the medians follows on stderr. Whole-process figures assume bytecode caches
that can be written (PYTHONDONTWRITEBYTECODE unset, or a PYTHONPYCACHEPREFIX), else every
process compiles bridge first.
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
    """The prepared scan of chunk_rates and task_costs: the benchmark box on a 141 × 141 grid
    (or ``vary``), or 20164 random points in it."""
    import scan_throughput as st

    return _scan_context(model, sample, 20164, vary or st._vary(model, 20000))


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
    """µs a point: run_packed, run_chunk on its compute_part(ctx) parts, run_chunk on the whole
    chunk, in turn on 8192-point chunks of the 10^6-point F_Ib grid, each of the three first in
    a third of the passes (medians and bests)."""
    from bridge.scan.executors import tune_malloc
    from bridge.scan.runner import compute_part, run_chunk, run_packed

    tune_malloc()
    ctx = _context("F_Ib", "grid", ["MINPAR:1:20:1000:1000", "MINPAR:2:100:2000:1000"])
    chunks = [np.arange(k * 8192, (k + 1) * 8192) for k in range(2)]
    values = [ctx.space.values(c) for c in chunks]
    run_packed(ctx, chunks[0], values[0])
    part = compute_part(ctx)

    def parts(c, v):
        for lo in range(0, c.size, part):
            run_chunk(ctx, c[lo:lo + part], v[lo:lo + part])

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


def scan_process(argv: list[str]) -> dict:
    """``bridge scan ARGV`` in this process (a fresh one: the figures are the scan's own), then
    its figures: points per wall second after the setup (the results file's last run), CPU µs a
    point of this process (the scanning process: start-up, setup, scheduling, writing) and of its
    reaped children (the workers and multiprocessing's resource tracker), and the peak resident
    memory of this process and of its largest child (getrusage ru_maxrss: the kernel's own
    accounting, no sampling)."""
    import resource

    from bridge.cli import main as cli
    from bridge.scan import store

    code = cli(["scan", *argv])
    if code:
        raise SystemExit(f"bridge scan exited {code}")
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    db = argv[argv.index("-o") + 1]
    last = store.meta(db)["last_run"]
    n = last["computed"]
    return {"points": n, "points_per_s": round(n / last["seconds"], 1),
            "cpu_us_scan_process": round(1e6 * (me.ru_utime + me.ru_stime) / n, 2),
            "cpu_us_workers": round(1e6 * (kids.ru_utime + kids.ru_stime) / n, 2),
            "peak_rss_scan_process_MiB": round(me.ru_maxrss / 1024, 1),
            "peak_rss_worker_MiB": round(kids.ru_maxrss / 1024, 1)}


def _scan_context(model: str, sample: str, points: int, vary=None):
    """The prepared scan of ``model`` over ``points`` points as :func:`scans` runs it (the
    benchmark box of scan_throughput.py, a grid of side ``points``^½ or a random sample of as
    many points, seed 1 as `bridge scan`'s default; ``vary``: other --vary ranges), seed2021
    with the 10 observables."""
    import scan_throughput as st

    from bridge.scan.runner import ScanOptions, prepare

    kw = {"sample": f"random:{points}"} if sample == "random" else {}
    opts = ScanOptions(st._card(model), vary or st._vary(model, points),
                       os.path.join(tempfile.mkdtemp(), "x.db"), likelihoods=["seed2021"],
                       observables=True, progress=False, **kw)
    return prepare(opts, say=lambda m: None)[0]


def lean_blocks(size: int, part: int, which: int, of: int) -> list[np.ndarray]:
    """Process ``which`` of ``of``'s blocks of ``part`` point ids of a scan of ``size`` points:
    every ``of``-th, from the ``which``-th (a scan of fewer blocks than processes: one shared)."""
    ids = np.arange(size)
    every = [ids[lo:lo + part] for lo in range(0, size, part)]
    return every[which::of] or [every[which % len(every)]]


def lean_rates(model: str, sample: str, points: int, which: int, of: int, seconds: float,
               start_line) -> dict:
    """The lean kernel (scan_throughput._lean) on the scan's points in ``COMPUTE_PART``-point
    calls, this process taking blocks ``which``, ``which + of``, ... in turn, over the wall
    interval [start, start + ``seconds``]: prepared and warmed (one untimed call), it prints
    ``ready``, reads the common start (a wall time) from ``start_line()``, waits for it, and
    calls until a call ends after the interval. Its points per wall second over the interval
    (the call that straddles its end counted pro rata) and per CPU second of its calls."""
    import scan_throughput as st

    from bridge.scan.executors import tune_malloc
    from bridge.scan.runner import COMPUTE_PART

    tune_malloc()  # as a scan's worker
    ctx = _scan_context(model, sample, points)
    blocks = lean_blocks(ctx.space.size, COMPUTE_PART, which, of)
    calls = [st._lean(ctx, [b]) for b in blocks]
    if calls[0] is None:
        raise SystemExit(f"{model}: no lean kernel")
    calls[0]()  # first call not timed
    print("ready", flush=True)
    start = float(start_line())
    end = start + seconds
    while time.time() < start:
        time.sleep(0.002)
    done, cpu, k = 0.0, 0.0, 0
    while True:
        n = blocks[k % len(blocks)].size
        t0, c0 = time.time(), time.process_time()
        calls[k % len(blocks)]()
        t1, c1 = time.time(), time.process_time()
        k += 1
        if t1 < end:
            done, cpu = done + n, cpu + c1 - c0
            continue
        inside = max(0.0, end - t0) / (t1 - t0)  # the part of this call inside the interval
        done, cpu = done + n * inside, cpu + (c1 - c0) * inside
        break
    return {"calls": k, "points_per_s": round(done / seconds, 1),
            "points_per_cpu_s": round(done / cpu, 1)}


def lean_pair(model: str, sample: str, points: int, seconds: float) -> dict:
    """:func:`lean_rates` in two fresh processes started together once both are ready: their
    points per wall second together (the two-process ceiling of the scan's arithmetic) and
    each one's points per CPU second (their mean)."""
    procs = [subprocess.Popen([sys.executable, __file__, "--lean-process", model, sample, str(points),
                               str(which), "2", str(seconds)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for which in range(2)]
    try:
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise SystemExit(f"lean process failed ({p.wait()})")
        start = time.time() + 0.05
        for p in procs:
            p.stdin.write(f"{start!r}\n")
            p.stdin.flush()
        rows = []
        for p in procs:
            out = p.communicate()[0]
            if p.returncode:
                raise SystemExit(f"lean process exited {p.returncode}")
            rows.append(json.loads(out.splitlines()[-1]))
    finally:
        for p in procs:  # the other one, if one failed
            if p.poll() is None:
                p.kill()
                p.wait()
    return {"lean_points_per_s": round(sum(r["points_per_s"] for r in rows), 1),
            "lean_points_per_cpu_s_each": round(float(np.mean([r["points_per_cpu_s"] for r in rows])), 1)}


def scan_arguments(model: str, sample: str, points: int, db: str, options=(), workers: int = 2) -> list[str]:
    """``bridge scan`` arguments of :func:`scans`: the points of :func:`_scan_context`."""
    import scan_throughput as st

    vary = [a for v in st._vary(model, points) for a in ("--vary", v)]
    sampled = ["--sample", f"random:{points}"] if sample == "random" else []
    return [st._card(model), *vary, *sampled, "--likelihood", "seed2021", *options, "--workers",
            str(workers), "-o", db, "-q"]


def scans(args) -> dict:
    """The ``--scans`` figures: {model / sample: medians and ranges over the repeats}, each
    scan a fresh process (:func:`scan_process`) next to its lean bound (:func:`lean_pair`, two
    more; models without a lean kernel: the scan alone), models and samples in turn within a
    repeat."""
    import shlex

    import scan_throughput as st

    tmp = tempfile.mkdtemp(prefix="two-workers-")
    side = max(2, round(args.points ** 0.5))
    runs: dict[str, list[dict]] = {}
    for rep in range(args.repeats):
        for model in st._models(args.models):
            # the lean kernel covers the four models of scan_throughput.MODELS only
            bounded = model in st.MODELS
            for sample in args.samples.split(","):
                db = os.path.join(tmp, "scan.db")
                for f in Path(tmp).glob("scan.db*"):
                    f.unlink()
                cmd = scan_arguments(model, sample, side * side, db, shlex.split(args.options))
                # the scan and its lean bound in turn, each first in every other repeat
                lean = lean_pair(model, sample, side * side, args.lean_seconds) \
                    if rep % 2 and bounded else None
                t = time.perf_counter()
                out = subprocess.run([sys.executable, __file__, "--scan-process", *cmd], check=True,
                                     stdout=subprocess.PIPE, text=True).stdout
                wall = time.perf_counter() - t
                row = json.loads(out.splitlines()[-1])
                row["whole_process_wall_s"] = round(wall, 2)
                row["points_per_whole_process_s"] = round(row["points"] / wall, 1)
                # per CPU second, blind to the share of the cores other work took
                row["points_per_cpu_s"] = round(1e6 / (row["cpu_us_workers"] + row["cpu_us_scan_process"]), 1)
                if bounded:
                    row.update(lean or lean_pair(model, sample, side * side, args.lean_seconds))
                    row["ratio"] = round(row["points_per_s"] / row["lean_points_per_s"], 3)
                    row["ratio_whole_process"] = round(row["points_per_whole_process_s"]
                                                       / row["lean_points_per_s"], 3)
                    row["ratio_cpu"] = round(row["points_per_cpu_s"] / row["lean_points_per_cpu_s_each"], 3)
                runs.setdefault(f"{model} / {sample}", []).append(row)
    report = {}
    for key, rows in runs.items():
        report[key] = {"points": rows[0]["points"]}
        for name in rows[0]:
            if name != "points":
                v = [r[name] for r in rows]
                report[key][name] = {"median": round(float(np.median(v)), 3 if "ratio" in name else 2),
                                     "range": [min(v), max(v)]}
    return report


def scans_table(report: dict) -> str:
    """The medians of :func:`scans` (ranges in brackets) as a markdown table."""
    cols = {"points_per_s": "2 workers: points/s", "points_per_whole_process_s": "whole process",
            "lean_points_per_s": "lean, 2 processes", "ratio": "ratio",
            "ratio_whole_process": "ratio (whole)", "ratio_cpu": "ratio (CPU)",
            "cpu_us_workers": "worker µs/pt",
            "cpu_us_scan_process": "scanning µs/pt", "peak_rss_worker_MiB": "worker MiB"}
    lines = ["| model / sample | " + " | ".join(cols.values()) + " |", "|" + "---|" * (len(cols) + 1)]
    def g(x):  # 3 digits, 6.02e4 rather than 6.02e+04
        return f"{x:.3g}".replace("e+0", "e").replace("e+", "e")

    for key, row in report.items():
        cells = [f"{g(row[c]['median'])} ({g(row[c]['range'][0])}-{g(row[c]['range'][1])})"
                 if c in row else "—" for c in cols]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--scan-process"]:  # internal: one `bridge scan` (scan_process)
        print(json.dumps(scan_process(sys.argv[2:])))
        return
    if sys.argv[1:2] == ["--lean-process"]:  # internal: one of lean_pair's processes
        model, sample, points, which, of, seconds = sys.argv[2:8]
        print(json.dumps(lean_rates(model, sample, int(points), int(which), int(of), float(seconds),
                                    sys.stdin.readline)))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="F_Ib")
    ap.add_argument("--sample", default="grid", choices=("grid", "random"))
    ap.add_argument("--seconds", type=float, default=12.0, help="timed wall seconds per process")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)  # internal: the common start
    ap.add_argument("--scans", action="store_true", help="the two-worker scans per model instead")
    ap.add_argument("--models", default="F_Ib,F_IIb,scotogenic,S_Ib",
                    help="--scans: the models, or 'all' (every shipped card; the lean bound and "
                         "the ratios for the four with a lean kernel only)")
    ap.add_argument("--samples", default="grid,random", help="--scans: grid, random or both")
    ap.add_argument("--points", type=int, default=200_000, help="--scans: points of each scan")
    ap.add_argument("--repeats", type=int, default=3, help="--scans: scans of each model and sample")
    ap.add_argument("--options", default="", help="--scans: further bridge scan options")
    ap.add_argument("--lean-seconds", type=float, default=5.0,
                    help="--scans: wall seconds of the two lean-kernel processes at once")
    args = ap.parse_args()
    os.environ.setdefault("BRIDGE_CACHE_DIR", os.path.join(tempfile.gettempdir(), "bridge-two-cores"))
    if args.scans:
        report = scans(args)
        for key, row in report.items():  # one line a model and sample
            print(json.dumps({key: row}))
        print(scans_table(report), file=sys.stderr)
        return
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
