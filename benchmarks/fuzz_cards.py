"""Card fuzzing at scale: N mutated shipped cards through ``bridge run --no-predictions``.

Uses the mutators and the checker of tests/test_fuzz_cards.py (the test runs 320 cases; this
runs 10^4 by default, seeds 10^6 .. 10^6 + N, disjoint from the test's). Each case runs
in-process (flavio is imported once); with --jobs > 1 the cases are split over forked workers.

Prints: cases tried, valid results, clean refusals, tracebacks seen, NaN outputs seen, other
failures (several error lines, a misread input, files left by a refusal, ...), wall time, and
the first failing seeds (reproduce one with ``make_case(seed)`` of the test module).

Usage:  python benchmarks/fuzz_cards.py [N] [--jobs J] [--seed S]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import multiprocessing
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_fuzzer():
    """Import tests/test_fuzz_cards.py without pytest collection."""
    spec = importlib.util.spec_from_file_location("fuzz_reference", ROOT / "tests" / "test_fuzz_cards.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


FUZZ = None


def run_range(seeds):
    """(counts, failures) over ``seeds``; failures are (seed, card, mutation, problems)."""
    counts = collections.Counter()
    failures = []
    root = pathlib.Path(tempfile.mkdtemp(prefix="bridge-fuzz-"))
    try:
        for seed in seeds:
            base, mutation, data = FUZZ.make_case(seed)
            outcome = FUZZ.run_case(data, root / str(seed))
            counts[outcome.kind] += 1
            if outcome.kind == "bad":
                counts["traceback"] += outcome.traceback
                counts["nan"] += outcome.nan
                counts["other"] += not (outcome.traceback or outcome.nan)
                failures.append((seed, base, mutation, outcome.problems))
            shutil.rmtree(root / str(seed), ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return counts, failures


def main(argv=None):
    global FUZZ
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=10**6, help="first seed (default 10^6)")
    args = parser.parse_args(argv)
    FUZZ = load_fuzzer()
    import flavio  # noqa: F401 - imported once, before the workers fork

    start = time.perf_counter()
    seeds = range(args.seed, args.seed + args.n)
    if args.jobs > 1:
        chunks = [seeds[k::args.jobs] for k in range(args.jobs)]
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(run_range, chunks)
    else:
        results = [run_range(seeds)]
    wall = time.perf_counter() - start
    counts = sum((c for c, _ in results), collections.Counter())
    failures = sorted(f for _, fs in results for f in fs)
    print(f"cards: {', '.join(c.name for c in FUZZ.CARDS)}; seeds {args.seed}..{args.seed + args.n - 1}")
    print(f"cases tried        {args.n}")
    print(f"valid results      {counts['valid']}")
    print(f"clean refusals     {counts['refusal']}")
    print(f"tracebacks seen    {counts['traceback']}")
    print(f"NaN outputs seen   {counts['nan']}")
    print(f"other failures     {counts['other']}")
    print(f"wall time          {wall:.1f} s ({args.jobs} job{'s' if args.jobs > 1 else ''})")
    for seed, base, mutation, problems in failures[:20]:
        print(f"  seed {seed} ({base}: {mutation}): {str(problems)[:300]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
