"""`bridge --help` and `bridge plugins` must answer in under 1 s without importing flavio.

Usage: python benchmarks/cli_startup.py [repeats]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CHECK = ("import sys, runpy; sys.argv = ['bridge'] + sys.argv[1:]; "
         "from bridge.cli import main; rc = main(sys.argv[1:]); "
         "assert 'flavio' not in sys.modules, 'flavio imported'; sys.exit(rc)")


def wall(args: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHECK, *args], capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"bridge {' '.join(args)} failed: {proc.stderr}")
    return times


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for args in (["--help"], ["plugins"]):
        times = wall(args, repeats)
        print(f"bridge {' '.join(args):<8s}  median {statistics.median(times):.3f} s  "
              f"max {max(times):.3f} s  (n={repeats}, flavio not imported)")


if __name__ == "__main__":
    main()
