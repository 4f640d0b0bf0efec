"""Scan throughput per model and likelihood, against a lean numpy kernel, in one run.

For each model (F_Ib, F_IIb, the scotogenic model, S_Ib of the seed's Table II) and each
likelihood (``seed2021``; ``flavio``, whose 21 observables come from the fast path) it reports

* ``setup_cold_s`` / ``setup_cached_s``: a fresh process that prepares the scan (card, SM
  inputs, fast path, covariances) with an empty cache, then again with the cache it left:
  wall seconds and CPU seconds of the whole process;
* ``points_per_cpu_s``: the issue's workload, what a default ``bridge scan`` does: one process,
  chunks of ``--chunk`` points (default 4096, comparable with earlier figures; a scan's worker
  computes its 8192-point chunks at once, bridge.scan.runner.compute_part: ``--chunk 8192``), CPU
  time of ``run_chunk`` with the 10 observables of ``bridge run`` (fast path) and the
  likelihood's χ² (model, running, fast path, χ²; no store; the coefficients the scan reads,
  ``--coefficients read``, the default), best of ``--repeats`` (5) passes over two chunks after
  a warm one, in a process with the scan workers' malloc settings
  (bridge.scan.executors.tune_malloc), each pass followed by a pass of the lean kernel on the
  same points (the two in turn see the same load of a shared machine);
* ``points_per_cpu_s_observables_off``: the same without the 10 observables (``--no-observables``:
  the seed likelihoods then need no fast path), a second figure, not the issue's;
* ``fastpath_us_per_point``: CPU µs per point of the fast-path evaluation alone
  (bridge.scan.runner._observables on the chunk's coefficients);
* ``lean_points_per_cpu_s`` and ``ratio``: the lean numpy kernel of the same arithmetic on the
  same points (benchmarks/lean_kernel.py: spectrum, the coefficients the observables read,
  running to the hand-over scale, the 10 observables from the fast path's polynomials and
  quadratures, Δa_μ, seed χ²; equal to run_chunk's to 1e-10, tests/test_lean_kernel.py) and
  points_per_cpu_s divided by it; seed likelihoods only (no lean kernel of the flavio
  likelihood's observables);
* ``random_points_per_cpu_s``, ``random_lean_points_per_cpu_s``, ``random_ratio``: the same
  on a random sample of the same box (a grid repeats masses, and the steps computed once per
  distinct value, bridge.repeats, save work that a random sample cannot);
* ``two_workers_points_per_s``: ``bridge.scan.runner.run`` with two worker processes and the
  results file, points per wall second after the setup (``--points``, default 2·10⁴; the
  issue's 2-worker figure, scans of 2·10⁵ points in fresh processes with their peak memory:
  ``benchmarks/two_cores.py --scans``);
* ``two_workers_cpu_us_per_point``: that scan's CPU µs per point (user + system, getrusage)
  of the scanning process (setup, scheduling, writing) and of its workers (start-up, chunks,
  encoding), the workers reaped at the end of the scan;
* ``bytes_per_point`` of that results file;
* ``max_rel_diff_fast_vs_direct`` (with ``--direct N``, rows of the flavio likelihood): the
  fast path against ``--route direct`` on N points of the scan, for each of the 42 shipped
  observables and the χ² (flavio at every point: slow);

and, with ``--million``, a 1000 × 1000 F_Ib grid through ``bridge scan`` in a fresh process:
wall time and the peak resident memory of the scanning process and of each worker.

``--models all`` measures every shipped card (the issue asks for every model): the 15 outside
the four above scan their flavour mediator and lepton-side masses (MINPAR 1 and 4) from half to
one and a half times the card's values; they have no lean kernel (ratio not given).

Usage: python benchmarks/scan_throughput.py [--points 20000] [--direct 0] [--million]
       [--models F_Ib,F_IIb,scotogenic,S_Ib | all] [--likelihoods seed2021,flavio] [--repeats 5]
       [--chunk 4096]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# per-core figures with one BLAS thread, as in the scan's worker processes (bridge.scan.executors)
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
#: model → (card, two scanned parameters: a grid over them)
MODELS = {
    "F_Ib": ("F_Ib.slha", ("MINPAR:1:20:1000", "MINPAR:2:100:2000")),
    "F_IIb": ("F_IIb.slha", ("MINPAR:1:200:1500", "MINPAR:4:50:1000")),
    "scotogenic": ("scotogenic.slha", ("MINPAR:1:500:2000", "MINPAR:4:500:2000")),
    "S_Ib": ("S_Ib.slha", ("MINPAR:1:100:1000", "MINPAR:3:800:2500")),
}
CHUNK = 4096


#: the MINPAR entries scanned for a shipped card outside MODELS: 1 is each Table II model's flavour
#: mediator, 4 its lepton-side field (the scotogenic card: M_N and the leptoquark m_S)
OTHER_ENTRIES = (1, 4)


def _other_box(model: str) -> tuple[str, tuple[str, str]]:
    """(card, varied entries) of a shipped card without a box in MODELS: the two
    OTHER_ENTRIES masses from half to one and a half times the card's values."""
    from bridge.card import read_card

    name = f"{model}.slha"
    minpar = read_card(ROOT / "cards" / name).block("MINPAR")
    return name, tuple(f"MINPAR:{k}:{0.5 * float(minpar[k]):g}:{1.5 * float(minpar[k]):g}"
                       for k in OTHER_ENTRIES)


def _box(model: str) -> tuple[str, tuple[str, str]]:
    return MODELS[model] if model in MODELS else _other_box(model)


def _vary(model: str, points: int) -> list[str]:
    side = max(2, round(points ** 0.5))
    return [f"{v}:{side}" for v in _box(model)[1]]


def _card(model: str) -> str:
    return str(ROOT / "cards" / _box(model)[0])


def _models(spec: str) -> list[str]:
    """``--models``: names, or ``all`` for every shipped card (cards/*.slha)."""
    if spec == "all":
        return sorted(p.stem for p in (ROOT / "cards").glob("*.slha"))
    return spec.split(",")


def setup_process(model: str, likelihood: str, cache: str) -> dict:
    """Wall and CPU seconds of a fresh process that prepares the scan (cache dir ``cache``)."""
    code = ("import sys; from bridge.scan.runner import ScanOptions, prepare; "
            f"prepare(ScanOptions({_card(model)!r}, {_vary(model, 100)!r}, '/nonexistent/x.db', "
            f"likelihoods=[{likelihood!r}], progress=False), say=lambda m: None)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "BRIDGE_CACHE_DIR": cache},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def _lean(ctx, chunks):
    """A call of the lean kernel (benchmarks/lean_kernel.py) on the points of ``chunks``, one
    call per chunk as run_chunk: the issue's workload, spectrum → the coefficients the 10
    observables read → running to the hand-over scale → the 10 observables (the fast path's
    polynomials and quadratures) → Δa_μ and the seed χ². Seed likelihoods with the 10
    observables only (the flavio likelihood's 21 observables, B_s→φμμ's time integration among
    them, have no lean kernel); None otherwise."""
    import lean_kernel as lk

    from bridge import couplings
    from bridge.scan.chi2 import GaussianVector

    lean = {"F_Ib": (lk.f_ib_sector, lk.f_ib_card), "F_IIb": (lk.f_iib_sector, lk.f_iib_card),
            "S_Ib": (lk.s_ib_sector, lk.s_ib_card),
            "scotogenic": (lk.scotogenic_sector, lk.scotogenic_card)}.get(ctx.model_name)
    if lean is None or ctx.fastpath is None \
            or not all(isinstance(v, GaussianVector) for v in ctx.vector_likelihoods):
        return None
    terms = [t for v in ctx.vector_likelihoods for t in v.terms]
    tables = lk.observable_tables(ctx.fastpath, [o.label for o in ctx.observables])
    sector, card, alphas = lean[0], lean[1](ctx.inputs), couplings.inputs(ctx.overrides)
    axes = []
    for c in chunks:
        values = ctx.space.values(c)
        axes.append((np.ascontiguousarray(values[:, 0]), np.ascontiguousarray(values[:, 1])))

    def call():
        for a, b in axes:
            lk.point(sector(a, b, card, ctx.sm), ctx.sm, terms, tables, ctx.scale, alphas)

    return call


def _rates(ctx, repeats: int, lean: bool = True,
           chunk: int = CHUNK) -> tuple[float, float | None, dict, list]:
    """(points per CPU second of run_chunk on two chunks of ``chunk`` points, the same of the lean
    kernel on the same points or None, routes, the chunks): after one untimed pass of each,
    passes of run_chunk and of the lean kernel in turn, the best of ``repeats`` each. On a
    shared machine the load drifts within a minute (single passes 10-30% apart): taken in turn,
    both figures see the same load, and the ratio is fair."""
    from bridge.scan.runner import run_chunk

    ids = np.arange(min(2 * chunk, ctx.space.size))
    chunks = [ids[i:i + chunk] for i in range(0, ids.size, chunk)]
    lean_call = _lean(ctx, chunks) if lean else None
    run_chunk(ctx, chunks[0], ctx.space.values(chunks[0]))  # first calls not timed
    if lean_call is not None:
        lean_call()
    best, best_lean, routes = np.inf, np.inf, []
    for _ in range(repeats):
        t = time.process_time()
        routes = []
        for c in chunks:
            routes += run_chunk(ctx, c, ctx.space.values(c)).routes
        best = min(best, time.process_time() - t)
        if lean_call is not None:
            t = time.process_time()
            lean_call()
            best_lean = min(best_lean, time.process_time() - t)
    lean_rate = round(ids.size / best_lean, 1) if lean_call is not None else None
    return round(ids.size / best, 1), lean_rate, {r: routes.count(r) for r in sorted(set(routes))}, chunks


def _fastpath_cost(ctx, ids) -> float | None:
    """CPU µs per point of the fast path's evaluation of the scan's observables from the
    coefficients at the hand-over scale (bridge.scan.runner._observables: coefficient columns to
    units, the polynomials and quadratures, the forms), best of three on one chunk."""
    from bridge.pipeline import evaluate_batch
    from bridge.scan.runner import _model, _observables
    from bridge.scan.space import batch_inputs

    if ctx.fastpath is None:
        return None
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, ctx.space.values(ids))
    res = evaluate_batch(_model(ctx), binputs, ctx.sm, handover_scale=ctx.scale, par=ctx.overrides,
                         z_pole=False, dark_matter_couplings=False)
    best = np.inf
    for _ in range(4):
        t = time.process_time()
        _observables(ctx, res, res.ok, list(res.errors))
        best = min(best, time.process_time() - t)
    return round(1e6 * best / ids.size, 2)


def one(model: str, likelihood: str, args, tmp: str) -> dict:
    from bridge.scan.runner import ScanOptions, prepare, run

    out: dict = {}
    cache = tempfile.mkdtemp(prefix="cache-", dir=tmp)
    out["setup_cold"] = setup_process(model, likelihood, cache)
    out["setup_cached"] = setup_process(model, likelihood, cache)
    vary = _vary(model, args.points)
    # the workload (what a default `bridge scan` does): the 10 observables of `bridge run`
    # from the fast path, and the χ²; then the same without the observables, labelled as such
    common = dict(likelihoods=[likelihood], observables=True, progress=False)
    ctx, _ = prepare(ScanOptions(_card(model), vary, os.path.join(tmp, "x.db"), **common), say=lambda m: None)
    out["points_per_cpu_s"], lean, out["routes"], chunks = _rates(ctx, args.repeats, chunk=args.chunk)
    out["fastpath_us_per_point"] = _fastpath_cost(ctx, chunks[0])
    off, _ = prepare(ScanOptions(_card(model), vary, os.path.join(tmp, "y.db"),
                                 **{**common, "observables": False}), say=lambda m: None)
    out["points_per_cpu_s_observables_off"] = _rates(off, args.repeats, lean=False, chunk=args.chunk)[0]
    if lean is not None:
        out["lean_points_per_cpu_s"] = lean
        out["ratio"] = round(out["points_per_cpu_s"] / lean, 3)
    # the same on a random sample of the same box: a grid repeats masses, and the steps that
    # compute once per distinct value (bridge.repeats) save work a random sample cannot
    side = max(2, round(args.points ** 0.5))
    rnd, _ = prepare(ScanOptions(_card(model), vary, os.path.join(tmp, "r.db"), **common,
                                 sample=f"random:{side * side}"), say=lambda m: None)
    out["random_points_per_cpu_s"], lean, _, _ = _rates(rnd, args.repeats, chunk=args.chunk)
    if lean is not None:
        out["random_lean_points_per_cpu_s"] = lean
        out["random_ratio"] = round(out["random_points_per_cpu_s"] / lean, 3)
    db = os.path.join(tmp, f"{model}-{likelihood}.db")
    cpu = _cpu()
    s = run(ScanOptions(_card(model), vary, db, workers=2, **common), say=lambda m: None)
    parent, workers = (b - a for a, b in zip(cpu, _cpu(), strict=True))
    out["two_workers_points_per_s"] = round(s.computed / s.seconds, 1)
    # the whole scan's CPU per point (setup, worker start-up, chunks, store), by process
    out["two_workers_cpu_us_per_point"] = {"scan_process": round(1e6 * parent / s.computed, 1),
                                           "workers": round(1e6 * workers / s.computed, 1)}
    out["points"] = s.stored
    out["bytes_per_point"] = round(Path(db).stat().st_size / s.stored, 1)
    if args.direct and likelihood == "flavio":
        out["max_rel_diff_fast_vs_direct"] = fast_vs_direct(model, likelihood, args.direct, tmp)
    return out


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its reaped children."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def fast_vs_direct(model: str, likelihood: str, n: int, tmp: str) -> dict:
    """Max relative difference per observable (the 42 of the shipped fast path: `bridge run`
    and the flavio likelihoods) and of the χ² of the fast path against flavio."""
    from bridge.scan.fastpath_build import default_observables
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    vary = _vary(model, 10**4)
    extra = [":".join([o.name, *map(str, o.args)]) for o in default_observables()]
    common = dict(likelihoods=[likelihood], extra_observables=extra, progress=False)
    fast, _ = prepare(ScanOptions(_card(model), vary, os.path.join(tmp, "f.db"), **common),
                      say=lambda m: None)
    direct, _ = prepare(ScanOptions(_card(model), vary, os.path.join(tmp, "d.db"), route="direct", **common),
                        say=lambda m: None)
    ids = np.sort(np.random.default_rng(2021).choice(fast.space.size, n, replace=False))
    a = run_chunk(fast, ids, fast.space.values(ids))
    b = run_chunk(direct, ids, direct.space.values(ids))
    out = {}
    for name, v in b.columns.items():
        if name.startswith(("obs:", "chi2:")):
            w = a.columns[name]
            d = np.abs(w - v) / np.maximum(np.abs(v), 1e-300)
            out[name] = float(np.nanmax(np.where(w == v, 0.0, d)))
    return out


def million(tmp: str, workers: int) -> dict:
    """A 1000 x 1000 F_Ib grid with `bridge scan` (seed2021) in a fresh process: wall time, the
    peak resident memory of the scanning process and of its workers, and the CPU seconds of
    each (psutil, sampled every 0.2 s; CPU time is the fairer figure on a shared machine)."""
    import psutil

    db = os.path.join(tmp, "million.db")
    cmd = [sys.executable, "-m", "bridge.cli", "scan", _card("F_Ib"), "--vary", "MINPAR:1:20:1000:1000",
           "--vary", "MINPAR:2:100:2000:1000", "--likelihood", "seed2021", "--workers", str(workers),
           "-o", db, "-q"]
    t = time.perf_counter()
    proc = psutil.Popen(cmd)
    peak_main = peak_worker = 0
    cpu: dict = {}  # pid -> last CPU seconds seen
    while proc.poll() is None:
        try:
            peak_main = max(peak_main, proc.memory_info().rss)
            cpu[proc.pid] = sum(proc.cpu_times()[:2])
            for c in proc.children(recursive=True):
                peak_worker = max(peak_worker, c.memory_info().rss)
                cpu[c.pid] = sum(c.cpu_times()[:2])
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"bridge scan failed ({proc.returncode})")
    from bridge.scan import store

    last = store.meta(db)["last_run"]
    stored = store.count(db)[0]
    mib = 2**20
    return {"points": stored, "wall_s": round(wall, 1), "scan_s": round(last["seconds"], 1),
            "points_per_s": round(last["computed"] / last["seconds"], 1),
            "peak_rss_scan_process_MiB": round(peak_main / mib, 1),
            "peak_rss_largest_worker_MiB": round(peak_worker / mib, 1),
            "cpu_s_scan_process": round(cpu.pop(proc.pid, 0.0), 1),
            "cpu_s_other_processes": sorted(round(v, 1) for v in cpu.values()),
            "bytes_per_point": round(Path(db).stat().st_size / stored, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20_000, help="points of each two-worker scan")
    ap.add_argument("--direct", type=int, default=0, help="points compared with --route direct")
    ap.add_argument("--models", default=",".join(MODELS),
                    help="comma-separated, or 'all': every shipped card (those outside MODELS scan "
                         "MINPAR 1 and 4 over 0.5-1.5 times the card's values; no lean kernel)")
    ap.add_argument("--likelihoods", default="seed2021,flavio")
    ap.add_argument("--million", action="store_true", help="also the 10^6-point grid")
    ap.add_argument("--chunk", type=int, default=CHUNK, help="points of each timed run_chunk call")
    ap.add_argument("--repeats", type=int, default=5,
                    help="timed passes of run_chunk and of the lean kernel, in turn (best of each)")
    args = ap.parse_args()
    from bridge.scan.executors import tune_malloc

    tune_malloc()  # the run_chunk and lean-kernel timings below in a process set up as a scan worker is
    tmp = tempfile.mkdtemp(prefix="bridge-scan-bench-")
    os.environ.setdefault("BRIDGE_CACHE_DIR", os.path.join(tmp, "cache"))
    out: dict = {}
    for model in _models(args.models):
        for likelihood in args.likelihoods.split(","):
            out[f"{model} / {likelihood}"] = row = one(model, likelihood, args, tmp)
            print(json.dumps({f"{model} / {likelihood}": row}, default=float), flush=True)
    if args.million:
        out["million (F_Ib, seed2021, 2 workers)"] = million(tmp, 2)
    print(json.dumps(out, indent=2, default=float))
    print(table(out))
    print(f"(scratch files in {tmp})", file=sys.stderr)


def table(out: dict) -> str:
    """The per-model figures as a markdown table."""
    head = ("| model / likelihood | points/CPU-s (10 observables + χ²) | observables off | "
            "lean bound | ratio | fast path µs/point | random sample: points/CPU-s | lean | ratio |")
    lines = [head, "|" + "---|" * 9]
    for key, row in out.items():
        if "points_per_cpu_s" not in row:
            continue
        cells = [row.get(k) for k in ("points_per_cpu_s", "points_per_cpu_s_observables_off",
                                      "lean_points_per_cpu_s", "ratio", "fastpath_us_per_point",
                                      "random_points_per_cpu_s", "random_lean_points_per_cpu_s",
                                      "random_ratio")]
        lines.append(f"| {key} | " + " | ".join("—" if c is None else f"{c:.4g}" for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
