"""Where `bridge fit CARD --likelihood flavio --free MINPAR:1` spends its CPU and memory, step by
step in one process: importing the bridge, flavio (without its measurement database), the card
and SM inputs, the likelihood's preparation (FastLikelihood, SM predictions, covariances), the
fit (MIGRAD, HESSE, the best-fit table); then the objective's calls and flavio points.

Usage: python benchmarks/fit_flavio_phases.py [CARD] [--whole]

``--whole`` reads flavio's whole measurement database first (what FastLikelihood's enumeration
did before ``bridge.flavio_setup.enumerating_only``). CPU-s are ``time.process_time``; peak is
the process's maximum RSS so far. A figure for a report wants ``farm-bench`` pairs as well.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--whole"]
    card = args[0] if args else str(ROOT / "cards" / "F_Ib.slha")
    marks = [time.process_time()]

    def step(name: str) -> None:
        marks.append(time.process_time())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name:<44s} {marks[-1] - marks[-2]:6.2f} CPU-s   peak {peak:5.0f} MiB", flush=True)

    from bridge.fit import fit
    from bridge.fit.objective import Objective
    from bridge.progress import load_flavio

    step("import bridge")
    load_flavio()
    step("import flavio (no measurement database)")
    objective = Objective(card, ["MINPAR:1"], "flavio")
    step("card, SM inputs, start point")
    if "--whole" in sys.argv:
        import flavio

        len(flavio.Measurement.instances)
        step("flavio's whole measurement database")
    objective.likelihood.prepare(objective.overrides)
    step("likelihood preparation")
    result = fit(objective)
    step("fit (MIGRAD, HESSE, best-fit table)")
    print(f"objective calls {objective.calls}, flavio points {objective.evaluations} "
          f"(and the report's, if not kept), nfcn {result.nfcn}, chi2_min {result.chi2_min!r}")


if __name__ == "__main__":
    main()
