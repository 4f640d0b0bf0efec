"""`bridge fit` with a seed likelihood end to end: CPU and wall time per whole process, and
whether flavio was imported; the default, `--no-flavio`, and optionally an older source tree.

Usage: python benchmarks/fit_without_flavio.py [repeats] [--before SRC]

SRC is a checkout or export of the bridge (its ``bridge`` directory is put first on the path;
the plugins are the installed ones), e.g. ``git archive main bridge | tar -x -C /tmp/old``.
Each mode runs once unmeasured (to fill the disk cache), then ``repeats`` times; medians.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["fit", str(ROOT / "cards" / "F_Ib.slha"), "--free", "GAMMAEIN:2", "--free",
        "GAMMAQIN:2*GAMMAQIN:3", "--likelihood", "seed2021", "--no-write", "-q"]
CODE = ("import sys; from bridge.cli import main; rc = main(sys.argv[1:]); "
        "print('flavio imported:', 'flavio' in sys.modules); sys.exit(rc)")


def once(extra: list[str], env: dict) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CODE, *ARGS, *extra], capture_output=True,
                         text=True, env=env, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"bridge fit failed: {out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, out.stdout.strip().splitlines()[-1]


def measure(label: str, extra: list[str], env: dict, repeats: int) -> float:
    once(extra, env)  # warm the cache
    runs = [once(extra, env) for _ in range(repeats)]
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    print(f"{label:<34s} CPU {cpu:6.2f} s  wall {wall:6.2f} s  ({runs[-1][2]}, n={repeats})")
    return cpu


def main() -> None:
    args = sys.argv[1:]
    before = None
    if "--before" in args:
        i = args.index("--before")
        before = args[i + 1]
        del args[i:i + 2]
    repeats = int(args[0]) if args else 3
    cache = tempfile.mkdtemp(prefix="bridge-fit-bench-")
    env = {**os.environ, "BRIDGE_CACHE_DIR": cache, "BRIDGE_PROGRESS": "0",
           "PYTHONPATH": str(ROOT)}
    now = measure("now (default)", [], env, repeats)
    fast = measure("now, --no-flavio", ["--no-flavio"], env, repeats)
    if before:
        old = measure("before", [], {**env, "PYTHONPATH": before,
                                     "BRIDGE_CACHE_DIR": tempfile.mkdtemp(prefix="bridge-old-")}, repeats)
        print(f"speed-up (CPU): default {old / now:.1f}x, --no-flavio {old / fast:.1f}x")


if __name__ == "__main__":
    main()
