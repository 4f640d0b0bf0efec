"""Precision and speed benchmark of bridge.loops.

Compares every loop function with the >= 50-digit mpmath reference of tests/test_loops.py
(exact confluent divided differences, closed forms and definitions in 120-digit arithmetic) on
N points per function: log-uniform arguments 1e-8..1e8 mixed with exact and near (1e-14..1e-1)
degeneracies, the same samplers as the tests but a different seed and many more points.

Prints, per function, the worst relative error and where it occurs. For the sign-changing
functions (seed_D, seed_D_tilde, dd2_u2logu) it also prints the worst error divided by the
natural scale of the terms (I_2 + 2|s| I_1, resp. max|ln a| + 3/2), the only meaningful measure
next to their zeros. Finally it prints the throughput of box_I2.

Usage:  python benchmarks/loops_precision.py [N]      (default N = 10000; takes a few minutes)
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import time

import numpy as np

from bridge import loops

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_reference():
    """Import tests/test_loops.py (mpmath reference, samplers, CASES) without pytest collection."""
    spec = importlib.util.spec_from_file_location("loops_reference", ROOT / "tests" / "test_loops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fmt_args(row):
    return "(" + ", ".join(f"{v:.17g}" for v in row) + ")"


def precision_row(ref, name, n, seed):
    """Return (name, points, worst rel, where, worst err/scale or None, seconds)."""
    rng = np.random.default_rng(seed)
    _, _, sampler, scale = ref.CASES[name]
    pts = sampler(rng, n)
    start = time.perf_counter()
    rel, _, by_scale = ref.compare(name, pts)
    seconds = time.perf_counter() - start
    worst = int(np.argmax(rel))
    scaled = float(np.max(by_scale)) if scale is not None else None
    return name, len(pts), float(rel[worst]), fmt_args(pts[worst]), scaled, seconds


def throughput(npts=10**6):
    rng = np.random.default_rng(1)
    a = 10.0 ** rng.uniform(-8, 8, (4, npts))
    loops.box_I2(*a[:, :1000])  # warm-up
    start = time.perf_counter()
    loops.box_I2(*a)
    random_rate = npts / (time.perf_counter() - start)
    near = a[:1] * (1 + 10.0 ** rng.uniform(-12, -1, (4, npts)))
    start = time.perf_counter()
    loops.box_I2(*near)
    near_rate = npts / (time.perf_counter() - start)
    return random_rate, near_rate


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 10_000
    ref = load_reference()
    print(f"bridge.loops precision vs mpmath ({ref.MP_DPS} working digits, >= 50 exact), {n} points each")
    header = f"{'function':<14} {'points':>7} {'worst rel err':>14} {'err/scale':>10} {'mp time':>8}  where"
    print(header)
    print("-" * len(header))
    for k, name in enumerate(ref.CASES):
        name, npts, worst, where, scaled, secs = precision_row(ref, name, n, seed=9000 + k)
        scaled_txt = f"{scaled:10.2e}" if scaled is not None else f"{'-':>10}"
        print(f"{name:<14} {npts:>7} {worst:14.3e} {scaled_txt} {secs:7.1f}s  {where}", flush=True)
    random_rate, near_rate = throughput()
    print(f"\nbox_I2 throughput: {random_rate:.3e} points/s (log-uniform 1e-8..1e8), "
          f"{near_rate:.3e} points/s (all four nearly degenerate)")


if __name__ == "__main__":
    main(sys.argv)
