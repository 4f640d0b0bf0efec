"""``bridge scan``: grids and samples of card entries into a resumable results file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VARY_HELP = ("scan parameter BLOCK:ENTRY:LO:HI:N[:log] (repeatable): MINPAR:1:100:1000:40, "
             "YNIN:2,1:0:1:20, IMYSIN:2:-1:1:11, YSIN:2*YSIN:3:0.05:1.5:30 (the product, "
             "ratio of the factors kept); N points from LO to HI, log-spaced with :log")


#: File types of --export (bridge.scan.store.export).
EXPORT_SUFFIXES = (".parquet", ".pq", ".csv")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "scan", help="scan card parameters: spectrum, coefficients, observables, chi2 per point",
        description="Evaluate a card on a grid (or a random / Latin-hypercube sample) of its "
                    "entries. Every point's inputs, spectrum, coefficients, flavio observables and "
                    "chi2 terms stream into an SQLite results file; running the same command again "
                    "resumes (no point stored twice); a failing point is stored with its message.")
    p.add_argument("card", nargs="?", help="SLHA input card (the fixed parameters)")
    p.add_argument("--vary", action="append", default=[], metavar="SPEC", help=VARY_HELP)
    p.add_argument("-o", "--output", metavar="RESULTS", required=True,
                   help="results file (SQLite; created, or resumed if it holds the same scan)")
    p.add_argument("--sample", metavar="KIND:N",
                   help="random:N or lhs:N points in the box of the --vary ranges (N_i ignored)")
    p.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")
    p.add_argument("--likelihood", action="append", default=[], metavar="NAME",
                   help="store chi2 and pulls of this likelihood (repeatable; `bridge likelihoods`)")
    p.add_argument("--observable", action="append", default=[], metavar="NAME[:Q2MIN:Q2MAX]",
                   help="also store this flavio observable (repeatable)")
    p.add_argument("--dark-matter", action="store_true",
                   help="store the dark-matter summary per point (dm:omega_h2, dm:x_f, dm:sigma_si_p, "
                        "dm:si_ratio, dm:sd_n_ratio, dm:br_h_inv, ...; ~0.1-0.5 s per point; on with "
                        "--likelihood relic, direct-detection or invisible)")
    p.add_argument("--direct-detection", choices=("native", "auto"), default="native",
                   help="σ_SI, σ_SD of the dark-matter summary: the native tree-level formulas "
                        "(default, 0.4 ms a point) or auto: DirectDM's running and nucleon matching "
                        "wherever it covers the candidate, as `bridge run` (needs the directdm extra; "
                        "30-90 ms a point)")
    p.add_argument("--no-observables", action="store_true",
                   help="skip the `bridge run` observables (likelihood observables are still computed)")
    p.add_argument("--contributions", action="store_true",
                   help="also store the box/penguin breakdown of the coefficients (contrib: columns, "
                        "~10-40 more per point; `bridge run` shows it for any single point)")
    p.add_argument("--coefficients", choices=("read", "all"), default="read",
                   help="Wilson coefficients to compute and store (wc: columns): read — those the "
                        "observables and likelihoods of the scan read (default; the model's b→s, "
                        "B_s-mixing and lepton-dipole ones always), all — every one the model gives, "
                        "as `bridge run` (b→d, K and D mixing, τ dipoles, LFV operators: up to ~1.5x "
                        "the CPU and bytes of a scan of a model coupling to every lepton)")
    p.add_argument("--route", choices=("fast", "direct"), default="fast",
                   help="fast: the observables as exact functions of the coefficients, validated "
                        "against flavio (default; shipped for the defaults, else built once and "
                        "cached); direct: flavio at every point (slow; the reference)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local processes (default: the number of cores; 1 = in this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run the chunks on this Dask cluster (pip install 'bridge-flavour[scan]')")
    p.add_argument("--mpi", action="store_true",
                   help="run the chunks with mpi4py.futures (start under mpiexec -n N python -m "
                        "mpi4py.futures -m bridge.cli scan ...)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="points per task (default: small first tasks, then ~1 s of work each, at "
                        "most 8192 vectorised, 64 point by point, 2 direct, 128 with the "
                        "dark-matter summary)")
    p.add_argument("--tolerance", type=float, default=1e-6,
                   help="fast path: max relative difference to flavio for an observable to use its "
                        "representation (default 1e-6; others are computed by flavio at every point)")
    p.add_argument("--validate", type=int, default=0, metavar="N",
                   help="fast path: also compare with flavio at N random points of this scan before "
                        "starting (imports flavio; default 0)")
    p.add_argument("--retry-failed", action="store_true", help="compute failed points again")
    p.add_argument("--no-vectorise", action="store_true",
                   help="evaluate the model point by point even if its plugin can do batches")
    p.add_argument("--export", metavar="FILE", action="append", default=[],
                   help="afterwards write all points to FILE.parquet or FILE.csv (without a card: "
                        "export only)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line and no summary")
    p.set_defaults(func=cmd_scan)


def cmd_scan(args) -> int:
    from bridge.errors import InputError

    _check_exports(args)
    if args.card is None:
        if not args.export:
            raise InputError("bridge scan needs a card (or --export FILE with -o RESULTS)")
        return _export(args)
    if not args.vary:
        raise InputError("nothing to scan: give at least one --vary BLOCK:ENTRY:LO:HI:N")
    if args.validate < 0:
        raise InputError("--validate must be >= 0")
    if not args.tolerance > 0:
        raise InputError("--tolerance must be > 0")
    if args.scheduler and args.mpi:
        raise InputError("give either --scheduler or --mpi, not both")
    if args.scheduler:  # before any work: a bad address or a closed port fails in seconds
        from bridge.scan.executors import check_scheduler

        check_scheduler(args.scheduler)
    if args.observable:
        _check_observables(args.observable)
    from bridge.scan.runner import ScanOptions, run

    opts = ScanOptions(card=args.card, vary=args.vary, results=args.output, sample=args.sample,
                       seed=args.seed, likelihoods=args.likelihood, observables=not args.no_observables,
                       extra_observables=args.observable, route=args.route, workers=args.workers,
                       scheduler=args.scheduler, mpi=args.mpi, chunk_size=args.chunk_size,
                       tolerance=args.tolerance, validate=args.validate, retry_failed=args.retry_failed,
                       progress=not args.quiet, vectorised=not args.no_vectorise,
                       dark_matter=args.dark_matter, contributions=args.contributions,
                       direct_detection=args.direct_detection, coefficients=args.coefficients)
    summary = run(opts, say=None if not args.quiet else (lambda msg: None))
    if not args.quiet:
        print(summary.report())
    return _export(args) if args.export else 0


def _export(args) -> int:
    from bridge.errors import BridgeError
    from bridge.scan.store import export

    for target in args.export:
        try:
            n = export(args.output, target)
        except OSError as exc:  # the directory went away, the disk is full, ...
            raise BridgeError(f"--export {target}: cannot write ({exc.strerror or exc})") from None
        if not args.quiet:
            print(f"exported {n} points to {target}", file=sys.stdout)
    return 0


def _check_exports(args) -> None:
    """Each --export target: a .parquet or .csv name in an existing, writable directory, not the
    card or the results file; checked before the scan, not after it."""
    from bridge.errors import InputError

    protected = [p for p in (args.card, args.output) if p]
    for target in args.export:
        path = Path(target)
        where = f"--export {target}"
        if path.suffix not in EXPORT_SUFFIXES:
            raise InputError(f"{where}: export needs a {' or '.join(EXPORT_SUFFIXES)} file name")
        parent = path.parent
        if not parent.is_dir():
            raise InputError(f"{where}: no such directory {parent}")
        if path.is_dir():
            raise InputError(f"{where}: is a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"{where}: directory {parent} is not writable")
        for other in protected:
            if path.exists() and os.path.exists(other) and os.path.samefile(path, other):
                raise InputError(f"{where}: would replace {other}")


def _check_observables(specs: list[str]) -> None:
    """--observable NAME[:Q2MIN:Q2MAX]: a flavio observable with the arguments it takes (imports
    flavio, which the scan's fast path needs anyway)."""
    from flavio.classes import Observable

    from bridge.errors import InputError
    from bridge.observable import Observable as ObservableKey

    for spec in specs:
        obs = ObservableKey.parse(spec)
        where = f"--observable {spec!r}"
        if obs.name not in Observable.instances:
            raise InputError(f"{where}: unknown flavio observable {obs.name!r}")
        wanted = Observable[obs.name].arguments or []
        if len(wanted) == len(obs.args):
            continue
        if not wanted:
            raise InputError(f"{where}: {obs.name} takes no arguments (give the name alone)")
        if len(wanted) != 2:
            raise InputError(f"{where}: {obs.name} takes the argument(s) {', '.join(wanted)}, which "
                             "--observable cannot give (it gives none, or Q2MIN:Q2MAX)")
        raise InputError(f"{where}: {obs.name} needs arguments {', '.join(wanted)} "
                         "(NAME:Q2MIN:Q2MAX)")
