"""The ``bridge`` command line. flavio is imported only by ``bridge run``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bridge import blas, interrupts
from bridge.errors import BridgeError

if TYPE_CHECKING:
    import argparse

EXIT_INPUT = 2
#: Modules in bridge/commands that add sub-commands (likelihoods, fit, scan, plot).
COMMAND_MODULES = ("bridge.commands.likelihoods", "bridge.commands.fit", "bridge.commands.scan",
                   "bridge.commands.plot")


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code. SIGINT's handler is bridge.interrupts' for the call
    (restored on return), so that a Ctrl-C swallowed anywhere is not lost; for ``scan``,
    SIGTERM's too, from the start (a scan stops in order on SIGTERM; the other commands keep
    its default action: their outputs are written under a temporary name and renamed)."""
    import signal

    scan = (sys.argv[1:] if argv is None else argv)[:1] == ["scan"]
    with interrupts.handled((signal.SIGINT, signal.SIGTERM) if scan else (signal.SIGINT,), terminate=scan):
        return _main(argv)


def console() -> int:
    """The ``bridge`` script and ``python -m bridge.cli``: :func:`main`, then SIGINT and
    SIGTERM only recorded for good, through the interpreter's teardown (multiprocessing's atexit
    finalizers, where a Ctrl-C printed a traceback or ended the process by SIGINT).
    numpy's BLAS runs one thread (:func:`bridge.blas.one_thread`)."""
    import signal

    blas.one_thread()
    try:
        with interrupts.handled((signal.SIGINT, signal.SIGTERM)):
            try:
                code = main()
            except KeyboardInterrupt as exc:  # between main's return and this line
                code = _interrupted(exc)
            interrupts.keep_quiet()
    except KeyboardInterrupt as exc:  # before the handler was in place (a traceback and -2 in
        code = _interrupted(exc)      # 1 of 64 Ctrl-Cs at 0.15 s, while this imported it)
        interrupts.keep_quiet()
    return code


def _main(argv: list[str] | None) -> int:
    from bridge import progress

    reports = progress.enabled()
    try:
        # the parser inside: building it imports the command modules (~0.1-0.2 s of a
        # command's start), where a Ctrl-C printed a traceback instead of the one line
        parser = _parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        if getattr(args, "quiet", False):
            progress.set_enabled(False)  # -q: no progress reports either
        code = args.func(args)
        if interrupts.requested() is not None:  # a Ctrl-C raised and swallowed meanwhile
            return _interrupted(None)
        return code
    except BridgeError as exc:
        if interrupts.requested() is not None:  # the Ctrl-C came first: the error may be its
            return _interrupted(None)           # consequence, and the user asked to stop
        message = " ".join(str(exc).split())  # always one line, even if a message quotes input
        if len(message) > 500:
            message = message[:500] + "..."
        print(f"bridge: error: {message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except RuntimeError as exc:
        # CPython 3.11 wraps what a class's __set_name__ raises in a RuntimeError: a Ctrl-C
        # while a module defines a dataclass (Field.__set_name__) ended the scan with exit 1
        # and a traceback (1 of 300 Ctrl-Cs 0.25-1.45 s into a 2-worker scan, 2026-12-02)
        if not isinstance(exc.__cause__, KeyboardInterrupt):
            raise
        return _interrupted(exc.__cause__)
    except BrokenPipeError:  # e.g. `bridge plugins -v | head`
        sys.stderr.close()
        return 0
    finally:
        progress.set_enabled(reports)


def _interrupted(exc: BaseException | None) -> int:
    """A Ctrl-C (SIGTERM: a scan) ends a command: one line, exit code 130 (143). ``exc``: the
    KeyboardInterrupt caught, if any (a scan's :class:`bridge.interrupts.Stopped` has its line)."""
    import signal

    if exc is not None:
        interrupt_handled()
    first = interrupts.take()
    if isinstance(exc, interrupts.Stopped):
        signum, message = exc.signum, exc.message
    else:
        signum = signal.SIGINT if first is None else first
        message = interrupts.describe(signum)
    print(f"bridge: {message}", file=sys.stderr)
    return interrupts.exit_code(signum)


def interrupt_handled() -> None:
    """Tell CPython that the KeyboardInterrupt being handled was handled. CPython since 3.8
    (3.11.7 here; Python/pythonrun.c, run_eval_code_obj) marks a KeyboardInterrupt that leaves
    the code of an ``exec``/``eval`` of a *string* as unhandled, even when a caller catches it;
    under ``python -m bridge.cli``, Py_RunMain then ends the process by SIGINT (exit_sigint:
    returncode -2) after ``bridge: interrupted`` and the exit code 130 (a ``bridge`` script
    exits through Py_Exit, which skips that check). A Ctrl-C while the scan imports lands in
    such code often: dataclasses compiles each generated ``__init__``/``__repr__``/``__eq__``
    with ``exec``, and the interrupt is raised at the first instruction of that code (3 of 12
    Ctrl-Cs 0.50-0.65 s into a 2-worker scan, 2026-12-02). Every string evaluation clears that
    mark when it starts; one of nothing clears it now. CPython's main branch marks only the
    interrupt nobody caught (Python/pythonrun.c, _Py_HandleSystemExitAndKeyboardInterrupt):
    there this changes nothing. tests/test_ctrl_c_exit.py fails on any CPython where neither
    holds."""
    exec("pass", {})  # a string: PyRun_String, whose evaluation starts by clearing the mark


def _parser() -> argparse.ArgumentParser:
    # here, not at import: a `bridge scan` worker runs this module as its main module
    # (multiprocessing's spawn) and never parses a command line
    import argparse
    import importlib
    import importlib.util

    class Version(argparse.Action):
        """``--version``: prints bridge's version and exits. The version is read from the
        installed metadata (importlib.metadata) only when asked for, not by every command."""

        def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                     help="show program's version number and exit"):
            super().__init__(option_strings, dest, nargs=0, default=default, help=help)

        def __call__(self, parser, namespace, values, option_string=None):
            from bridge import __version__

            print(f"bridge {__version__}")
            parser.exit()

    parser = argparse.ArgumentParser(
        prog="bridge",
        description="Dark-loop models from an SLHA card to Wilson coefficients, "
                    "flavio predictions and SLHA/FLHA, WCxf and JSON files.")
    parser.add_argument("--version", action=Version)
    sub = parser.add_subparsers(title="commands")

    run = sub.add_parser("run", help="evaluate a card: spectrum, coefficients, predictions")
    run.add_argument("card", help="SLHA input card (Block BRIDGE names the model)")
    run.add_argument("-o", "--output", metavar="DIR",
                     help="output directory (default: next to the card)")
    run.add_argument("--samples", type=int, default=50, metavar="N",
                     help="parameter draws for flavio's SM theory uncertainty (cached on disk; default 50)")
    run.add_argument("--np-uncertainty", type=int, default=0, metavar="N",
                     help="compute the theory uncertainty at the NP point with N draws (slow)")
    run.add_argument("--seed", type=int, default=1, help="random seed of the draws (default 1)")
    run.add_argument("--no-predictions", action="store_true",
                     help="only spectrum and coefficients (no flavio predictions)")
    run.add_argument("-q", "--quiet", action="store_true", help="do not print the tables")
    run.add_argument("--likelihood", action="append", default=[], metavar="NAME",
                     help="also evaluate this likelihood (repeatable; see `bridge likelihoods`)")
    run.add_argument("--constraint", action="append", default=[], metavar="NAME",
                     help="also evaluate this constraint term (repeatable: mu_egamma, b_kstarnunu, "
                          "b_knunu, bsgamma, deltams, g_minus_2; see `bridge likelihoods -v`)")
    run.add_argument("--no-dark-matter", action="store_true",
                     help="skip the dark-matter summary (relic density, direct detection, invisible "
                          "widths; ~0.1-0.5 s)")
    run.set_defaults(func=cmd_run)

    plugins = sub.add_parser("plugins", help="list the installed model plugins (grouped by class)")
    plugins.add_argument("name", nargs="?", help="show this model only")
    plugins.add_argument("-v", "--verbose", action="store_true",
                         help="show the field content (as a row of arXiv:2104.03228 Table II), "
                              "Lagrangian and input blocks")
    plugins.set_defaults(func=cmd_plugins)
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).add_parser(sub)
    return parser


def cmd_plugins(args) -> int:
    from bridge import listing
    from bridge.plugins import get_model, get_plugin_manager, models, rejected

    pm = get_plugin_manager()
    for name, why in rejected(pm).items():
        print(f"bridge: warning: model plugin {name!r} left out: {why}", file=sys.stderr)
    if args.name:
        model = get_model(args.name, pm)
        print(listing.detail(model) if args.verbose else listing.summary({args.name: model}))
    elif args.verbose:
        print("\n\n".join(listing.detail(m) for _, items in listing.group(models(pm)) for _, m in items))
    else:
        print(listing.summary(models(pm)))
    return 0


def cmd_run(args) -> int:
    from bridge.errors import InputError, check_seed
    from bridge.output import (
        RUN_SUFFIXES,
        check_output_directory,
        output_stem,
        output_texts,
        refuse_overwriting,
        write_outputs,
    )
    from bridge.run import run_card

    if args.samples < 2 or args.np_uncertainty < 0:
        raise InputError("--samples must be >= 2 and --np-uncertainty >= 0")
    check_seed(args.seed)
    stem = output_stem(args.card)
    outdir = Path(args.output) if args.output else Path(args.card).resolve().parent / "output"
    check_output_directory(outdir)
    refuse_overwriting([outdir / f"{stem}{suffix}" for suffix in RUN_SUFFIXES], args.card)
    likelihoods = None
    if args.likelihood or args.constraint:
        from bridge.likelihoods.registry import get_likelihoods

        # unknown names and double counting fail before the run
        likelihoods = get_likelihoods(args.likelihood, args.constraint)
    dark_matter = not args.no_dark_matter
    if likelihoods is not None and not dark_matter:
        from bridge.likelihoods.registry import needs_dark_matter

        dark_matter = needs_dark_matter(likelihoods)
    result = run_card(args.card, predictions=not args.no_predictions, samples=args.samples,
                      seed=args.seed, np_samples=args.np_uncertainty, dark_matter=dark_matter)
    if likelihoods is not None:
        from bridge.likelihoods.base import evaluate_all
        from bridge.likelihoods.point import ModelPoint

        result.likelihoods = evaluate_all(likelihoods, ModelPoint.from_result(result))
    try:
        texts = output_texts(result, stem)
    except ValueError as exc:  # e.g. a NaN that json refuses
        raise BridgeError(f"{args.card}: cannot write outputs: {exc}") from None
    for warning in result.warnings:
        print(f"bridge: warning: {warning}", file=sys.stderr)
    for flag in result.flags:  # also with -q: an observable outside its limit is never silent
        print(f"bridge: warning: outside its experimental limit: {flag}", file=sys.stderr)
    if not args.quiet:
        print(format_report(result))
        if likelihoods is not None:
            from bridge.likelihoods.report import format_results

            print("\n" + format_results(result.likelihoods))
    try:
        written = write_outputs(texts, outdir)
    except OSError as exc:  # unwritable or full output directory: old outputs stay as they were
        raise BridgeError(f"cannot write outputs to {outdir}: {exc.strerror or exc}") from None
    if not args.quiet:
        print("\nwritten: " + ", ".join(_shown(p) for p in written))
    return 0


def _shown(path) -> str:
    """A written file's path, relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------
def _num(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, complex):
        from bridge.flha import is_rounding_noise

        if is_rounding_noise(x):  # shown as real; the JSON keeps the digits (bridge/flha.py)
            return f"{x.real: .4e}"
        return f"{x.real: .4e}{x.imag:+.2e}i"
    return f"{x: .4e}"


def format_report(result) -> str:
    lines = [f"model {result.model.name}: {result.info.description}",
             f"card {result.card_path}, coefficients at {result.scale:g} GeV (WET, flavio basis)", ""]
    lines.append("spectrum [GeV]")
    for p in result.spectrum.particles:
        lines.append(f"  {p.code:>8d}  {p.name:<14s} {p.mass:12.4f}")
    from bridge.sanity import dark_matter_candidate

    candidate = dark_matter_candidate(result.spectrum)
    if candidate is not None:
        lines.append(f"  dark-matter candidate {candidate}")
    lines.append("")
    at_m = getattr(result, "matching_coefficients", result.coefficients)
    mu_m = getattr(result, "matching_scale", result.scale)
    lines.append(f"Wilson coefficients (NP): matched at mu_M = {mu_m:g} GeV, run to the hand-over "
                 f"scale {result.scale:g} GeV ({getattr(result, 'route', 'not run')})")
    lines.append(f"  {'':<22s} {'mu_M = ' + format(mu_m, 'g') + ' GeV':>24s} "
                 f"{'mu_0 = ' + format(result.scale, 'g') + ' GeV':>24s}")
    for name in sorted(set(at_m) | set(result.coefficients)):
        if at_m.get(name, 0) != 0 or result.coefficients.get(name, 0) != 0:
            lines.append(f"  {name:<22s} {_num(at_m.get(name)):>24s} "
                         f"{_num(result.coefficients.get(name)):>24s}")
    lines.append("")
    ol = result.one_loop
    lines.append(f"one loop at the matching scale: Delta a_mu = {ol['Delta_a_mu']:.4e}, "
                 f"BR(mu->e gamma) = {ol['BR_mu_egamma']:.3e}")
    if getattr(result, "dark_matter", None) is not None:
        from bridge.darkmatter.summary import report_lines

        lines.append("")
        lines += report_lines(result.dark_matter)
    if result.predictions:
        from bridge.likelihoods.experiment import FLAG_SIGMA, SET_NAME, format_pull

        lines.append("")
        lines.append("flavio predictions (Delta a_l rows: the NP shift a_l - a_l(SM); sigma_th = "
                     "flavio SM uncertainty unless --np-uncertainty; ! = outside the experimental "
                     f"limit: above an upper limit or more than {FLAG_SIGMA:g} sigma off)")
        width = max([20] + [len(p.label) for p in result.predictions])
        head = f"  {'observable':<{width}s} {'SM':>12s} {'SM+NP':>12s} {'sigma_th':>9s} " \
               f"{'experiment':>22s} {'pull':>6s}"
        lines.append(head)
        for p in result.predictions:
            pull = format_pull(p.pull)
            mark = " !" if p.flag else ""
            lines.append(f"  {p.label:<{width}s} {_num(p.sm):>12s} {_num(p.np):>12s} "
                         f"{p.theory_error:9.2e} {p.describe_experiment():>22s} {pull:>6s}{mark}")
        lines.append("")
        lines.append(f"measurements ({SET_NAME}; rows of no likelihood: the flavio measurement named):")
        for p in result.predictions:
            if p.measurement:
                lines.append(f"  {p.label:<{width}s} {p.measurement}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(console())
