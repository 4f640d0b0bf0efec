"""``bridge likelihoods``: the named likelihoods of ``bridge run --likelihood`` and ``bridge fit``."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("likelihoods",
                              help="list the named likelihoods (for run --likelihood and fit)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show each likelihood's terms, observables, measurements and references")
    p.set_defaults(func=cmd_likelihoods)


def cmd_likelihoods(args) -> int:
    from bridge.likelihoods.flavio_fast import FlavioLikelihood
    from bridge.likelihoods.registry import REGISTRY
    from bridge.likelihoods.smelli import SmelliLikelihood

    width = max(len(n) for n in REGISTRY)
    for name, factory in REGISTRY.items():
        lik = factory()
        extra = ""
        if isinstance(lik, SmelliLikelihood) and not lik.available():
            extra = "  [not installed: pip install smelli]"
        print(f"{name:<{width}}  {lik.description}{extra}")
        cost = lik.cost
        if isinstance(lik, FlavioLikelihood) and not lik.is_shipped():
            sm_file, exp_file = lik.cache_files()
            cached = sm_file.exists() and exp_file.exists()
            cost += f"; {'cached' if cached else 'not computed yet'} ({sm_file.parent})"
        print(f"{'':<{width}}  cost: {cost}")
        if args.verbose:
            for line in lik.describe():
                print(f"{'':<{width}}    {line}")
            for ref in lik.references:
                print(f"{'':<{width}}    ref: {ref}")
    from bridge.likelihoods.constraints import TERMS

    print("\nconstraint terms (--constraint NAME, added to any likelihood that does not hold them):")
    for name, factory in TERMS.items():
        term = factory()
        print(f"{name:<{width}}  {term.description}")
        if args.verbose:
            for ref in term.references:
                print(f"{'':<{width}}    ref: {ref}")
    return 0
