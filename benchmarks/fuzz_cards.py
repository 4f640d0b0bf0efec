"""Card fuzzing at scale: N mutated shipped cards through ``bridge run --no-predictions``.

Uses the mutators and the checker of tests/test_fuzz_cards.py (the test runs 320 cases; this
runs 10^4 by default, seeds 10^6 .. 10^6 + N, disjoint from the test's). Each case runs
in-process (flavio is imported once); with --jobs > 1 the cases are split over forked workers.
The mutations include grammar-aware ones: block names misspelt by transpositions and single
edits, values in other number formats (Fortran D exponents, hex, binary, underscores, a
decimal comma, unicode minus, non-breaking and thin spaces, fullwidth digits).

A valid result must use exactly the inputs an independent reading of the card gives
(``misread_inputs``: the number grammar, no ambiguous block or entry the model reads, no
accepted misspelling of a block it reads): anything else is a silent misread.

File-level cases (``--files``, also run by default before the mutations): a FIFO without a
writer, device files (/dev/zero, /dev/urandom, /dev/null), a directory, a socket, symbolic
links to those, a broken link, sparse files of 50 MB and 1 TB, an 11 MB card, and cards just
under the limits (10 MiB of entries, 10^4 blocks), whose reading time is printed.

Every case runs under an alarm (--timeout, default 120 s): a case that does not finish is a hang.

Prints: cases tried, valid results, clean refusals, tracebacks seen, hangs, silent misreads,
NaN outputs seen, other failures (several error lines, files left by a refusal, ...), wall
time, and the first failing seeds (reproduce one with ``make_case(seed)`` of the test module).

Usage:  python benchmarks/fuzz_cards.py [N] [--jobs J] [--seed S] [--files-only] [--no-files]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import multiprocessing
import os
import pathlib
import shutil
import signal
import socket
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
TIMEOUT = 120


class Hang(Exception):
    """A case that did not finish within TIMEOUT seconds."""


def _alarm(signum, frame):
    raise Hang


def timed(run, *args):
    """``run(*args)`` under an alarm: (outcome or None for a hang, seconds)."""
    signal.signal(signal.SIGALRM, _alarm)
    start = time.perf_counter()
    signal.alarm(TIMEOUT)
    try:
        outcome = run(*args)
    except Hang:
        outcome = None
    finally:
        signal.alarm(0)
    return outcome, time.perf_counter() - start


def tally(counts, outcome) -> None:
    if outcome is None:
        counts["hang"] += 1
        return
    counts[outcome.kind] += 1
    if outcome.kind == "bad":
        counts["traceback"] += outcome.traceback
        counts["misread"] += outcome.misread
        counts["nan"] += outcome.nan
        counts["other"] += not (outcome.traceback or outcome.nan or outcome.misread)


def run_range(seeds):
    """(counts, failures) over ``seeds``; failures are (seed, card, mutation, problems)."""
    counts = collections.Counter()
    failures = []
    root = pathlib.Path(tempfile.mkdtemp(prefix="bridge-fuzz-"))
    try:
        for seed in seeds:
            base, mutation, data = FUZZ.make_case(seed)
            outcome, _ = timed(FUZZ.run_case, data, root / str(seed))
            tally(counts, outcome)
            if outcome is None or outcome.kind == "bad":
                failures.append((seed, base, mutation, outcome.problems if outcome else ["hang"]))
            shutil.rmtree(root / str(seed), ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return counts, failures


# ------------------------------------------------------------------------------------------
# file-level cases: (name, expected kind, make(directory) -> path)
def _fifo(d):
    os.mkfifo(d / "card.slha")
    return d / "card.slha"


def _link(target):
    def make(d):
        (d / "card.slha").symlink_to(target)
        return d / "card.slha"
    return make


def _socket(d):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(d / "card.slha"))  # left bound until the process ends: a socket file
    _SOCKETS.append(s)
    return d / "card.slha"


_SOCKETS: list = []


def _sparse(size):
    def make(d):
        with open(d / "card.slha", "wb") as fh:
            fh.truncate(size)
        return d / "card.slha"
    return make


def _text(text_of):
    def make(d):
        (d / "card.slha").write_text(text_of())
        return d / "card.slha"
    return make


def _base():
    return (FUZZ.ROOT / "cards" / "F_Ib.slha").read_text()


def _entries(fraction):
    """F_Ib followed by entries of an unread block, up to ``fraction`` of MAX_CARD_BYTES."""

    def text():
        from bridge.card import MAX_CARD_BYTES

        lines, size, i = [_base(), "Block EXTPAR\n"], 0, 1
        while True:
            line = f"   {i}   1.0E+00\n"
            if size + len(line) > fraction * MAX_CARD_BYTES - len(lines[0]) - 20:
                break
            lines.append(line)
            size, i = size + len(line), i + 1
        return "".join(lines)

    return text


def _blocks(n):
    return lambda: _base() + "".join(f"Block X{i}\n   1   1.0\n" for i in range(n))


def _over_size_limit():
    from bridge.card import MAX_CARD_BYTES

    return _base() + "#" * (MAX_CARD_BYTES + 2**20) + "\n"


FILE_CASES = [
    ("FIFO without writer", "refusal", _fifo),
    ("/dev/zero", "refusal", lambda d: pathlib.Path("/dev/zero")),
    ("/dev/urandom", "refusal", lambda d: pathlib.Path("/dev/urandom")),
    ("/dev/null", "refusal", lambda d: pathlib.Path("/dev/null")),
    ("directory", "refusal", lambda d: d),
    ("unix socket", "refusal", _socket),
    ("link to /dev/zero", "refusal", _link("/dev/zero")),
    ("link to a FIFO", "refusal", lambda d: _link(_fifo(d / "sub"))(d)),
    ("broken link", "refusal", _link("/nonexistent/card.slha")),
    ("sparse 50 MB", "refusal", _sparse(50 * 2**20)),
    ("sparse 1 TB", "refusal", _sparse(2**40)),
    ("11 MiB card (comments)", "refusal", _text(_over_size_limit)),
    ("1 MiB card of entries", "valid", _text(_entries(0.1))),
    ("10 MiB card of entries", "valid", _text(_entries(1.0))),
    ("10^4 blocks", "valid", _text(_blocks(10_000 - 5))),
    ("10^4 + 1 blocks", "refusal", _text(_blocks(10_000))),
]


def _read_seconds(path) -> float:
    """Seconds to read and validate the card alone (bridge.card), best of 3."""
    from bridge.card import model_name, parse_inputs, read_card
    from bridge.plugins import get_model

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        card = read_card(path)
        parse_inputs(card, get_model(model_name(card)).info())
        best = min(best, time.perf_counter() - start)
    return best


def run_files():
    """(counts, failures, timings) of FILE_CASES."""
    counts = collections.Counter()
    failures, timings = [], []
    root = pathlib.Path(tempfile.mkdtemp(prefix="bridge-fuzz-files-"))
    try:
        for k, (name, expected, make) in enumerate(FILE_CASES):
            d = root / str(k)
            (d / "sub").mkdir(parents=True)
            path = make(d)
            data = path.read_bytes() if expected == "valid" else None
            outcome, seconds = timed(FUZZ.run_path, path, d / "out", data)
            tally(counts, outcome)
            read = _read_seconds(path) if expected == "valid" else None
            timings.append((name, seconds, "hang" if outcome is None else outcome.kind, read))
            if outcome is None or outcome.kind != expected:
                failures.append((name, expected, outcome.problems if outcome else ["hang"],
                                 outcome.stderr[-300:] if outcome else ""))
            shutil.rmtree(d, ignore_errors=True)
    finally:
        for s in _SOCKETS:
            s.close()
        shutil.rmtree(root, ignore_errors=True)
    return counts, failures, timings


def main(argv=None):
    global FUZZ, TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=10**6, help="first seed (default 10^6)")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds before a case is a hang")
    parser.add_argument("--files-only", action="store_true", help="only the file-level cases")
    parser.add_argument("--no-files", action="store_true", help="no file-level cases")
    args = parser.parse_args(argv)
    TIMEOUT = args.timeout
    FUZZ = load_fuzzer()
    import flavio  # noqa: F401 - imported once, before the workers fork

    failed = False
    if not args.no_files:
        counts, failures, timings = run_files()
        print(f"file-level cases   {len(FILE_CASES)}: {counts['valid']} valid, {counts['refusal']} "
              f"refused, {counts['hang']} hangs, {counts['traceback']} tracebacks, "
              f"{len(failures)} not as expected")
        for name, seconds, kind, read in timings:
            extra = "" if read is None else f" (reading and validating the card: {read:.2f} s)"
            print(f"  {name:<26s} {kind:<8s} {seconds:7.2f} s{extra}")
        for failure in failures:
            print(f"  FAILED {failure}")
        failed = bool(failures)
    if args.files_only:
        return 1 if failed else 0
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
    print(f"hangs              {counts['hang']}")
    print(f"silent misreads    {counts['misread']}")
    print(f"NaN outputs seen   {counts['nan']}")
    print(f"other failures     {counts['other']}")
    print(f"wall time          {wall:.1f} s ({args.jobs} job{'s' if args.jobs > 1 else ''})")
    mutations = collections.Counter(m for s in seeds for m in FUZZ.make_case(s)[1].split("+"))
    print("mutations          " + ", ".join(f"{m} {n}" for m, n in mutations.most_common()))
    for seed, base, mutation, problems in failures[:20]:
        print(f"  seed {seed} ({base}: {mutation}): {str(problems)[:300]}")
    return 1 if failures or failed else 0


if __name__ == "__main__":
    sys.exit(main())
