"""Model evaluation in scans: the described models (vectorised over the batch axis) against the
hand-written plugins they replaced (tests/legacy; point by point, as scans ran them before),
on the same random points, in one run.

For each model: points per second of bridge.pipeline.evaluate_batch (spectrum, sanity flags,
all coefficients, contributions, one-loop summaries, m_ν) both ways, their ratio, and the
largest relative difference of any coefficient between the two.

Usage: python benchmarks/model_batch.py [--points 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

#: (card, varied entries with their ranges)
SCANS = {
    "F_Ib": ("cards/F_Ib.slha", {("MINPAR", 1): (20, 1000), ("MINPAR", 2): (100, 2000)}),
    "F_IIb": ("cards/F_IIb.slha", {("MINPAR", 1): (300, 1500), ("MINPAR", 2): (300, 1500)}),
    "scotogenic": ("cards/scotogenic.slha", {("MINPAR", 1): (600, 1500), ("MINPAR", 4): (600, 1500)}),
}


def batch(inputs, ranges, n, rng):
    from bridge.model import BatchInputs

    blocks = {b: dict(inputs[b]) for b in inputs}
    for (block, key), (lo, hi) in ranges.items():
        blocks[block][key] = rng.uniform(lo, hi, n)
    return BatchInputs(blocks, n)


def timed(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from bridge.pipeline import evaluate_batch
    from bridge.plugins import get_model, get_plugin_manager
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs as sm_inputs

    sm = sm_inputs({})
    rng = np.random.default_rng(1)
    print(f"{'model':<11s} {'before [pt/s]':>14s} {'after [pt/s]':>13s} {'ratio':>7s} "
          f"{'max rel diff':>13s} {'failed':>7s}")
    for name, (card, ranges) in SCANS.items():
        _, model, _, inputs, _, _ = load_point(str(ROOT / card))
        module = getattr(__import__(f"legacy.{name}"), name)
        old = get_model(name, get_plugin_manager(autoload=False, plugins=[(name, module)]))
        b = batch(inputs, ranges, args.points, rng)
        # before: the hand-written plugin point by point (how scans ran F_IIb and scotogenic)
        t_old, ref = timed(lambda old=old, b=b: evaluate_batch(old, b, sm, vectorised=False),
                           args.repeat)
        t_new, got = timed(lambda model=model, b=b: evaluate_batch(model, b, sm), args.repeat)
        ok = got.ok & ref.ok
        worst = 0.0
        for key, v in ref.coefficients.items():
            a, r = got.coefficients[key][ok], v[ok]
            scale = np.maximum(np.abs(a), np.abs(r))
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(scale > 0, np.abs(a - r) / scale, 0.0)
            worst = max(worst, float(np.max(rel, initial=0.0)))
        n = args.points
        print(f"{name:<11s} {n / t_old:14.0f} {n / t_new:13.0f} {t_old / t_new:7.1f} {worst:13.1e} "
              f"{int((~got.ok).sum()):7d}")
        assert got.vectorised


if __name__ == "__main__":
    main()
