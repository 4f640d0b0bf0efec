"""``bridge fit``: fit card parameters to named likelihoods with iminuit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

FREE_HELP = ("free parameter BLOCK:ENTRY[:LO:HI][=START] (repeatable): MINPAR:1, YNIN:2,1, "
             "IMYSIN:2 (imaginary part), YSIN:2*YSIN:3 (the product, ratio of the factors kept); "
             "LO or HI may be empty")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("fit", help="fit card parameters to likelihoods (iminuit)",
                              description="Minimise the chi2 of the named likelihoods over the "
                                          "free card entries (MIGRAD, HESSE, optionally MINOS) "
                                          "and write the card at the best fit.")
    p.add_argument("card", help="SLHA input card (start values and the fixed parameters)")
    p.add_argument("--free", action="append", default=[], metavar="SPEC", required=True,
                   help=FREE_HELP)
    p.add_argument("--likelihood", action="append", default=[], metavar="NAME", required=True,
                   help="likelihood to minimise (repeatable: their chi2 add); see `bridge likelihoods`")
    p.add_argument("--constraint", action="append", default=[], metavar="NAME",
                   help="add this constraint term (repeatable): mu_egamma, b_kstarnunu, b_knunu, "
                        "bsgamma, deltams, g_minus_2; see `bridge likelihoods -v`")
    p.add_argument("--fix", action="append", default=[], metavar="BLOCK:ENTRY=VALUE",
                   help="set a fixed parameter to VALUE for this fit (the card is not changed)")
    p.add_argument("--minos", action="store_true", help="run MINOS for asymmetric errors")
    p.add_argument("--no-flavio", action="store_true",
                   help="never import flavio (~8 s): at the best fit, the `bridge run` rows that "
                        "need it (no fast path, coefficients in their sectors) are listed as not "
                        "checked instead of flagged; refused with a flavio likelihood or constraint")
    p.add_argument("--ncall", type=int, default=None, metavar="N",
                   help="maximum number of MIGRAD calls (default: iminuit's)")
    p.add_argument("--samples", type=int, default=None, metavar="N",
                   help="flavio likelihoods: parameter draws of the SM covariance (default 100)")
    p.add_argument("--seed", type=int, default=None,
                   help="flavio likelihoods: seed of the covariance draws (default 1)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="output directory (default: output/ next to the card)")
    p.add_argument("--no-write", action="store_true", help="do not write the best-fit card and JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the report")
    p.set_defaults(func=cmd_fit)


def _with_options(lik, samples, seed):
    from bridge.likelihoods.base import CombinedLikelihood
    from bridge.likelihoods.flavio_fast import FlavioLikelihood

    options = {k: v for k, v in (("samples", samples), ("seed", seed)) if v is not None}
    if not options:
        return lik
    if isinstance(lik, CombinedLikelihood):
        return CombinedLikelihood([_with_options(p, samples, seed) for p in lik.parts])
    if isinstance(lik, FlavioLikelihood):
        return lik.with_options(**options)
    return lik


#: The files of ``bridge fit``: DIR/<stem> + these.
FIT_SUFFIXES = (".bestfit.slha", ".fit.json")


def cmd_fit(args) -> int:
    from bridge.errors import BridgeError, InputError, check_seed
    from bridge.fit import Objective, fit, format_fit
    from bridge.likelihoods.registry import get_likelihoods
    from bridge.output import check_output_directory, output_stem, refuse_overwriting, write_outputs

    if args.samples is not None and args.samples < 2:
        raise InputError("--samples must be >= 2")
    if args.ncall is not None and args.ncall < 1:
        raise InputError("--ncall must be >= 1")
    if args.seed is not None:
        check_seed(args.seed)
    stem = output_stem(args.card)
    outdir = Path(args.output) if args.output else Path(args.card).resolve().parent / "output"
    if not args.no_write:
        check_output_directory(outdir)
        refuse_overwriting([outdir / f"{stem}{suffix}" for suffix in FIT_SUFFIXES], args.card)
    _check_inputs(args.card, args.fix)
    lik = _with_options(get_likelihoods(args.likelihood, args.constraint), args.samples, args.seed)
    if args.no_flavio and lik.needs_flavio:
        raise InputError(f"--no-flavio: likelihood {lik.name} needs flavio")
    objective = Objective(args.card, args.free, lik, fixed=args.fix)
    result = fit(objective, minos=args.minos, ncall=args.ncall, use_flavio=not args.no_flavio)
    if not args.quiet:
        print(format_fit(result))
    for flag in result.flags:  # also with -q: a best fit outside a limit is never silent
        print(f"bridge: warning: at the best fit, outside its experimental limit: {flag}",
              file=sys.stderr)
    if result.unchecked:  # nor one that was not checked
        print(f"bridge: warning: at the best fit, not checked against their limits (--no-flavio): "
              f"{', '.join(result.unchecked)}", file=sys.stderr)
    if args.no_write:
        return 0
    try:
        doc = json.dumps(result.as_dict(), indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        raise BridgeError(f"{args.card}: cannot write the fit result: {exc}") from None
    texts = dict(zip((stem + suffix for suffix in FIT_SUFFIXES), (result.card_text, doc), strict=True))
    try:
        written = write_outputs(texts, outdir)
    except OSError as exc:  # unwritable or full output directory: old outputs stay as they were
        raise BridgeError(f"cannot write outputs to {outdir}: {exc.strerror or exc}") from None
    if not args.quiet:
        print("\nwritten: " + ", ".join(str(p) for p in written))
    if not result.valid:
        print("bridge: warning: MIGRAD did not find a valid minimum", file=sys.stderr)
    return 0


def _check_inputs(card: str, fixes: list[str]) -> None:
    """The card and each ``--fix`` against the card rules and the sanity limits, before any
    work (flavio's import, the fit): a fixed value is an input like a card entry."""
    from bridge import sanity
    from bridge.card import check_entry
    from bridge.errors import InputError
    from bridge.fit import parse_fixed
    from bridge.run import load_point
    from bridge.targets import changes_for

    _, _, info, inputs, scale, sminputs = load_point(card)
    sanity.check_inputs(info, inputs, scale=scale, sminputs=sminputs, path=card)
    for spec in fixes:
        target, value = parse_fixed(spec, info)
        try:
            if not target.imaginary:
                check_entry(info.block(target.block).entry(target.key), value, card, target.card_block)
            sanity.check_inputs(info, inputs.with_values(changes_for([(target, value)], inputs)),
                                path=card)
        except InputError as exc:
            raise InputError(f"--fix {spec!r}: {exc.message}", file=exc.file, block=exc.block,
                             entry=exc.entry) from None
