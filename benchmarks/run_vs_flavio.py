"""Wall time of `bridge run cards/F_Ib.slha` against a bare flavio script, in one run.

The bare script imports flavio, builds the same wilson.Wilson (coefficients read
from the bridge's WCxf output) and computes the same SM and NP central values of
the ten observables. Two comparisons:

* warm: bridge with its on-disk SM-uncertainty cache filled vs the bare script
  computing central values only;
* cold: bridge with an empty cache vs the bare script also computing flavio's SM
  uncertainties with the same number of draws (--samples).

Usage: python benchmarks/run_vs_flavio.py [repeats] [samples]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "cards" / "F_Ib.slha"

BARE = r'''
import sys, flavio, wilson
from flavio.functions import np_prediction, sm_prediction, sm_uncertainty
samples = int(sys.argv[2])
with open(sys.argv[1]) as fh:
    w = wilson.Wilson.load_wc(fh)
obs = [("<Rmue>(B+->Kll)", 1.1, 6.0), ("<Rmue>(B0->K*ll)", 0.045, 1.1), ("<Rmue>(B0->K*ll)", 1.1, 6.0),
       ("BR(B->Xsgamma)",), ("DeltaM_s",), ("BR(B+->Knunu)",), ("BR(B0->K*nunu)",), ("BR(Bs->mumu)",),
       ("a_mu",), ("BR(mu->egamma)",)]
for o in obs:
    sm = sm_prediction(*o)
    new = np_prediction(o[0], w, *o[1:])
    err = sm_uncertainty(*o, N=samples) if samples else 0.0
    print(o[0], sm, new, err)
'''


def timed(cmd, env=None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{proc.stderr}")
    return dt


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    out = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    bridge = [sys.executable, "-m", "bridge.cli", "run", str(CARD), "-o", str(out), "-q",
              "--samples", str(samples)]
    cache = tempfile.mkdtemp(prefix="bridge-cache-")
    env = dict(os.environ, BRIDGE_CACHE_DIR=cache)
    cold_bridge = timed(bridge, env)  # fills the cache
    wcxf = out / "F_Ib.wcxf.yaml"
    cold_bare = timed([sys.executable, "-c", BARE, str(wcxf), str(samples)])
    warm_bridge, warm_bare = [], []
    for _ in range(repeats):  # interleaved, so machine load affects both alike
        warm_bridge.append(timed(bridge, env))
        warm_bare.append(timed([sys.executable, "-c", BARE, str(wcxf), "0"]))
    wb, wf = statistics.median(warm_bridge), statistics.median(warm_bare)
    print(f"warm: bridge run {wb:.1f} s, bare flavio (central values) {wf:.1f} s, ratio {wb / wf:.2f} "
          f"(n={repeats}; all: {[round(t, 1) for t in warm_bridge]} vs {[round(t, 1) for t in warm_bare]})")
    print(f"cold: bridge run {cold_bridge:.1f} s, bare flavio with sm_uncertainty(N={samples}) "
          f"{cold_bare:.1f} s, ratio {cold_bridge / cold_bare:.2f}")


if __name__ == "__main__":
    main()
