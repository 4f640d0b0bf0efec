"""bridge.linalg.singular_values on batches of 3x3 matrices: the closed form (with its LAPACK
fallback) against numpy's per-matrix LAPACK SVD, the route before it.

* ``accuracy``: per kind of matrix, max |σ_i − σ_i(mpmath)|/(ε σ_max) of the closed form and of
  numpy's SVD against mpmath.svd_c at 40 digits, and the fraction that falls back to LAPACK
  (kinds: neutrino mass matrices U* diag(m) U† of tests/test_linalg_singular_values.py in GeV,
  Gaussian random complex matrices, U diag(σ) V† with σ log-uniform down to 1e-12 σ_max, and
  U diag(σ) V† with 1/(g₁₂ g₂₃) uniform in [1.5, 6]
  around linalg.SV3_CONDITION, where the closed form's error is largest);
* ``speed``: CPU µs per matrix of numpy's SVD (sorted: the old route) and of singular_values on
  8192 distinct random matrices (Gaussian complex; complex symmetric rank 2 of scale 1e-11, as
  the scotogenic scan's m_ν), best of 9, the two interleaved, in a process with the scan
  workers' malloc settings;
* ``scan``: run_chunk points per CPU second on a random scotogenic chunk (ids 20000..28191 of
  sample="random:65536", seed2021 likelihood), best of 6, in fresh processes alternating
  between the old route (singular_values through LAPACK) and the new one.

Usage: python benchmarks/singular_values.py [accuracy] [speed] [scan] [--rounds 3] [--n 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EPS = np.finfo(float).eps


def _lapack(m):
    return np.sort(np.linalg.svd(m, compute_uv=False), axis=-1)


def accuracy(n: int) -> None:
    import mpmath as mp

    sys.path.insert(0, str(ROOT / "tests"))
    from test_linalg_singular_values import SPECTRA, _masses, _takagi_form, _unitary

    from bridge import linalg

    rng = np.random.default_rng(2026)
    kinds = {f"{name} (GeV)": _takagi_form(rng, _masses(name, n, rng)) * 1e-9 for name in SPECTRA}
    kinds["Gaussian complex"] = rng.normal(size=(n, 3, 3)) + 1j * rng.normal(size=(n, 3, 3))
    sigma = np.sort(10.0 ** rng.uniform(-12, 0, size=(n, 3)), axis=-1)
    sigma[:, 2] = 1.0
    kinds["hierarchical, σ to 1e-12 σ_max"] = np.einsum(
        "nij,nj,nkj->nik", _unitary(rng, n), sigma, _unitary(rng, n).conj())
    cond = rng.uniform(1.5, 6, 4 * n)
    g12 = np.exp(rng.uniform(np.log(1 / cond), 0))
    g23 = 1 / (cond * g12)
    keep = g23 <= 1
    lam2 = 1 - g12[keep]
    sigma = np.sqrt(np.stack([lam2 * (1 - g23[keep]), lam2, np.ones(lam2.size)], -1))
    kinds["1/(g12 g23) in [1.5, 6]"] = np.einsum(
        "nij,nj,nkj->nik", _unitary(rng, lam2.size), sigma, _unitary(rng, lam2.size).conj())
    print(f"{'kind':34s} {'n':>5s} {'k closed form':>14s} {'k numpy':>8s} {'LAPACK':>7s}")
    for name, m in kinds.items():
        with mp.workdps(40):
            exact = np.array([sorted(float(s) for s in mp.svd_c(mp.matrix(x.tolist()),
                                                                  compute_uv=False)) for x in m])
        got, fallback = _counted(linalg, m)
        print(f"{name:34s} {len(m):5d} {_k(got, exact):14.2f} {_k(_lapack(m), exact):8.2f} "
              f"{fallback / len(m):7.1%}")


def _k(values, exact):
    return np.max(np.abs(values - exact) / (EPS * exact[:, -1:]))


def _counted(linalg, m):
    """singular_values(m), and how many matrices went to LAPACK."""
    calls = []
    lapack = linalg._lapack_singular_values
    linalg._lapack_singular_values = lambda x: calls.append(len(x)) or lapack(x)
    try:
        return linalg.singular_values(m), sum(calls)
    finally:
        linalg._lapack_singular_values = lapack


def speed(rounds: int) -> None:
    from bridge import linalg
    from bridge.scan.executors import tune_malloc

    tune_malloc()
    rng = np.random.default_rng(1)
    n = 8192
    y = rng.normal(size=(n, 3, 2)) + 1j * rng.normal(size=(n, 3, 2))
    kinds = {"Gaussian complex": rng.normal(size=(n, 3, 3)) + 1j * rng.normal(size=(n, 3, 3)),
             "symmetric rank 2, 1e-11": 1e-11 * np.einsum("nia,na,nja->nij", y,
                                                          rng.uniform(0.1, 3, (n, 2)), y)}
    for name, m in kinds.items():
        best = {"numpy": np.inf, "singular_values": np.inf}
        for _ in range(rounds * 9):
            for label, fn in (("numpy", _lapack), ("singular_values", linalg.singular_values)):
                t = time.process_time()
                fn(m)
                best[label] = min(best[label], time.process_time() - t)
        old, new = (best[k] / n * 1e6 for k in ("numpy", "singular_values"))
        print(f"{name:26s} numpy {old:.3f} µs/matrix, singular_values {new:.3f} µs/matrix, "
              f"ratio {old / new:.1f}")


#: run in a child: prints {"points_per_cpu_s": ...} of run_chunk, best of 6
CHILD = """
import json, sys, time
import numpy as np
from bridge import linalg
from bridge.scan.executors import tune_malloc
from bridge.scan.runner import ScanOptions, prepare, run_chunk
tune_malloc()
if sys.argv[1] == "old":
    linalg._distinct_singular_values = linalg._lapack_singular_values
spent = []
values_of = linalg.singular_values
def timed(m):
    t = time.process_time()
    out = values_of(m)
    spent.append(time.process_time() - t)
    return out
linalg.singular_values = timed
card = sys.argv[2]
ctx, _ = prepare(ScanOptions(card, [f"{v}:256" for v in ("MINPAR:1:500:2000", "MINPAR:4:500:2000")],
                             "/nonexistent/x.db", likelihoods=["seed2021"], progress=False,
                             sample="random:65536"), say=lambda msg: None)
ids = np.arange(20000, 28192)
values = ctx.space.values(ids)
run_chunk(ctx, ids, values)
best = sv = float("inf")
for _ in range(6):
    spent.clear()
    t = time.process_time()
    run_chunk(ctx, ids, values)
    best = min(best, time.process_time() - t)
    sv = min(sv, sum(spent))
print(json.dumps({"points_per_cpu_s": ids.size / best, "sv_us_per_point": sv / ids.size * 1e6}))
"""


def scan(rounds: int) -> None:
    card = str(ROOT / "cards" / "scotogenic.slha")
    res = {"old": [], "new": []}
    for _ in range(rounds):
        for impl in ("old", "new"):
            out = subprocess.run([sys.executable, "-c", CHILD, impl, card], check=True,
                                 capture_output=True, text=True, env=os.environ.copy())
            res[impl].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  {impl}: {res[impl][-1]['points_per_cpu_s']:.0f} points/CPU-s, "
                  f"singular_values {res[impl][-1]['sv_us_per_point']:.2f} µs/point", flush=True)
    old, new = ([r["points_per_cpu_s"] for r in res[k]] for k in ("old", "new"))
    sv_old, sv_new = (min(r["sv_us_per_point"] for r in res[k]) for k in ("old", "new"))
    print(f"run_chunk, random scotogenic chunk of 8192: old {max(old):.0f}, new {max(new):.0f} "
          f"points/CPU-s (best of {rounds} processes each; ratio {max(new) / max(old):.3f}); "
          "paired ratios " + ", ".join(f"{b / a:.3f}" for a, b in zip(old, new, strict=True))
          + f"; singular_values inside run_chunk: {sv_old:.2f} → {sv_new:.2f} µs/point")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="*", default=["accuracy", "speed", "scan"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=300, help="matrices per kind (accuracy)")
    args = ap.parse_args()
    for part in args.parts:
        {"accuracy": lambda: accuracy(args.n), "speed": lambda: speed(args.rounds),
         "scan": lambda: scan(args.rounds)}[part]()


if __name__ == "__main__":
    main()
