"""Same-run A/B of the scan's model evaluation: an older commit against the working tree.

For each model (F_Ib, F_IIb, the scotogenic model, S_Ib; the ranges of
benchmarks/scan_throughput.py) it times ``bridge.pipeline.evaluate_batch`` as the scan calls it
(model, matching, running to the hand-over scale; ``z_pole=False``, and
``dark_matter_couplings=False`` where the code has it) on the same 4096-point chunk, best of 5
CPU times, in fresh processes that alternate between the two trees (A, B, A, B, ...) so that
both see the same machine load. The old tree is ``git archive <rev>`` of this repository; each
tree's ``plugins/`` is put first on the path as ``bridge_plugins`` (an editable install of
another checkout would otherwise provide it).

Usage: python benchmarks/engine_ab.py [--rev wt-int] [--models F_Ib,F_IIb,scotogenic,S_Ib]
       [--rounds 2]
Prints µs/point (CPU) per model for A (rev) and B (working tree), and B/A.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("F_Ib", "F_IIb", "scotogenic", "S_Ib")

#: run in a child: prints {"us_per_point": best CPU µs per point of 5 repetitions}
CHILD = r"""
import inspect, json, os, sys, time
for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(name, "1")
import numpy as np
sys.path.insert(0, {bench!r})
from scan_throughput import CHUNK, _card, _vary
from bridge.pipeline import evaluate_batch
from bridge.scan.runner import ScanOptions, _model, prepare
from bridge.scan.space import batch_inputs
model = {model!r}
ctx, _ = prepare(ScanOptions(_card(model), _vary(model, 2 * CHUNK), "/nonexistent/x.db",
                             likelihoods=["seed2021"], observables=False, progress=False),
                 say=lambda m: None)
values = ctx.space.values(np.arange(CHUNK))
binputs, _ = batch_inputs(ctx.space, ctx.inputs, values)
m = _model(ctx)
kw = dict(source=ctx.card, handover_scale=ctx.scale, par=ctx.overrides, z_pole=False)
if "dark_matter_couplings" in inspect.signature(evaluate_batch).parameters:
    kw["dark_matter_couplings"] = False
evaluate_batch(m, binputs, ctx.sm, **kw)  # first calls (imports, caches) not timed
best = float("inf")
for _ in range(5):
    t = time.process_time()
    res = evaluate_batch(m, binputs, ctx.sm, **kw)
    best = min(best, time.process_time() - t)
assert res.vectorised and sum(e is None for e in res.errors) > 0.9 * CHUNK
print(json.dumps({{"us_per_point": 1e6 * best / CHUNK}}))
"""


def _tree_env(tree: Path, shim: Path) -> dict:
    shim.mkdir(parents=True, exist_ok=True)
    link = shim / "bridge_plugins"
    if not link.exists():
        link.symlink_to(tree / "plugins")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(shim)])}


def _child(tree: Path, shim: Path, model: str) -> float:
    code = CHILD.format(bench=str(ROOT / "benchmarks"), model=model)
    out = subprocess.run([sys.executable, "-c", code], env=_tree_env(tree, shim), check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])["us_per_point"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="wt-int")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--rounds", type=int, default=2, help="A/B alternations per model")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="engine-ab-") as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.rev], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        rows = {}
        for model in args.models.split(","):
            a = b = float("inf")
            for _ in range(args.rounds):
                a = min(a, _child(old, Path(tmp) / "shim-old", model))
                b = min(b, _child(ROOT, Path(tmp) / "shim-new", model))
            rows[model] = {"A_us": round(a, 2), "B_us": round(b, 2), "B_over_A": round(b / a, 3)}
            print(f"{model:12s} A ({args.rev}) {a:7.2f} µs/point   B (tree) {b:7.2f} µs/point   "
                  f"B/A {b / a:.3f}", flush=True)
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
