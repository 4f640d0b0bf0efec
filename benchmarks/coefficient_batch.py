"""CPU time of the coefficient arithmetic of a scan chunk (issue 12), stage by stage.

For a card and the scanned entries of ``bridge scan`` (as /tmp-style ``--vary`` strings
BLOCK:KEY:LO:HI:STEPS), the chunk of the first N grid points is built as
bridge.scan.runner.run_chunk builds it (bridge.scan.space.batch_inputs), the batched spectrum
is computed (not timed: fresh caches each repetition), and the stages of
bridge.pipeline._coefficients are timed with time.process_time (CPU seconds: the machine is
shared): matching.quark_coefficients, matching.lepton_dipoles, the Δa_μ split and
flavour_extension (z_pole as the scan decides it: False for the fast-path observables).
Then the whole evaluate_batch (spectrum, coefficients, running, summaries).

Prints µs/point of each stage (the best of ``--repeat`` repetitions).

Usage: python benchmarks/coefficient_batch.py cards/F_Ib.slha MINPAR:1:20:1000:100 \
           MINPAR:2:100:2000:100 [--points 4096] [--repeat 5] [--z-pole]
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("card")
    ap.add_argument("vary", nargs="+")
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--z-pole", action="store_true")
    args = ap.parse_args()

    from bridge import matching, pipeline
    from bridge.pipeline import evaluate_batch
    from bridge.run import load_point
    from bridge.scan.space import Space, batch_inputs, parse_vary
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, info, inputs, _, _ = load_point(args.card)
    space = Space([parse_vary(v, info, inputs) for v in args.vary])
    ids = np.arange(min(args.points, space.size))
    binputs, _ = batch_inputs(space, inputs, space.values(ids))
    n = ids.size
    stages = {"quark_coefficients": lambda s: matching.quark_coefficients(s, sm, {}),
              "lepton_dipoles": lambda s: matching.lepton_dipoles(s, sm, {}),
              "delta_a_mu_parts": lambda s: pipeline.delta_a_mu_parts(s, sm),
              "flavour_extension": lambda s: pipeline.flavour_extension(s, sm, {}, z_pole=args.z_pole)}
    best = dict.fromkeys([*stages, "coefficients", "evaluate_batch"], float("inf"))
    for _ in range(args.repeat):
        spec = pipeline.spectrum(model, binputs, sm, batch=True, dark_matter_couplings=False)
        total = 0.0
        for name, stage in stages.items():
            t = time.process_time()
            stage(spec.sector)
            dt = time.process_time() - t
            total += dt
            best[name] = min(best[name], dt)
        best["coefficients"] = min(best["coefficients"], total)
        t = time.process_time()
        evaluate_batch(model, binputs, sm, info=info, handover_scale=160.0, par={},
                       z_pole=args.z_pole, dark_matter_couplings=False)
        best["evaluate_batch"] = min(best["evaluate_batch"], time.process_time() - t)
    print(f"{args.card}: {n} points, µs/point (best of {args.repeat}, CPU)")
    for name, dt in best.items():
        print(f"  {name:20s} {1e6 * dt / n:7.2f}")


if __name__ == "__main__":
    main()
