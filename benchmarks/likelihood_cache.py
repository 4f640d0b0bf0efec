"""Cold vs warm construction of the ``flavio`` likelihood, and the per-point cost of each likelihood.

* cold: an empty cache directory and a seed (12345) for which no covariances ship with the
  package, so the SM covariance (N parameter draws of all observables) and the experimental
  one (Nexp draws) are computed, then saved;
* warm: a second process with the same cache directory and seed, which only loads the files;
* shipped: the default configuration (seed 1) with an empty cache, which takes the
  covariances from bridge/data/flavio_covariances.json.

Each phase runs in its own process (as a user's second ``bridge run`` would), timing
``prepare()`` (covariances + SM predictions) and then ``evaluate()`` at a few F_Ib points
(the card's, with Gamma^L_mu varied so that wilson cannot reuse its running). The
seed likelihoods are timed in the same way.

Usage: python benchmarks/likelihood_cache.py [samples (default 100)] [points (default 3)]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "cards" / "F_Ib.slha"

CHILD = r'''
import json, sys, time
t0 = time.perf_counter()
from bridge.likelihoods import get_likelihood
from bridge.fit import Objective
name, samples, points, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
lik = get_likelihood(name)
if hasattr(lik, "with_options"):
    lik = lik.with_options(samples=samples, seed=seed)
obj = Objective(sys.argv[4], ["GAMMALIN:2"], lik)
t1 = time.perf_counter()
state = lik.prepare(obj.overrides)
t2 = time.perf_counter()
times, chi2 = [], []
for k in range(points):
    point = obj.point(obj.start[0] * (1 + 0.05 * k))
    t = time.perf_counter()
    chi2.append(lik.evaluate(point).chi2)
    times.append(time.perf_counter() - t)
print(json.dumps({"import_and_card": t1 - t0, "prepare": t2 - t1, "per_point": times, "chi2": chi2,
                  "cold": getattr(state, "cold", None), "shipped": getattr(state, "shipped", None)}))
'''


def child(name: str, samples: int, points: int, cache: str, seed: int = 1) -> dict:
    env = {**os.environ, "BRIDGE_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(samples), str(points), str(CARD),
                          str(seed)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    points = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory(prefix="bridge-lik-cache-") as cache:
        print(f"flavio likelihood, N = {samples}, empty cache {cache}")
        for phase, seed in (("cold", 12345), ("warm", 12345), ("shipped", 1)):
            r = child("flavio", samples, points, cache, seed)
            per = ", ".join(f"{t:.2f}" for t in r["per_point"])
            how = "computed" if r["cold"] else "shipped" if r["shipped"] else "loaded from the cache"
            print(f"  {phase}: prepare {r['prepare']:.1f} s (covariances {how}), "
                  f"import + card {r['import_and_card']:.1f} s, per point [{per}] s, "
                  f"chi2 {r['chi2'][0]:.4f}")
        for name in ("seed2023", "seed2021"):
            r = child(name, samples, max(points, 20), cache)
            mean = sum(r["per_point"]) / len(r["per_point"])
            print(f"{name}: per point {1e3 * mean:.3f} ms (model evaluation not included)")


if __name__ == "__main__":
    main()
