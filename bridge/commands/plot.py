"""``bridge plot``: 2D maps of a scan (matplotlib; imported only when the command runs)."""

from __future__ import annotations

SPEC_HELP = ("spec COLUMN;key=value;... (quote it); a column name may leave out its prefix if "
             "that names one column")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "plot", help="draw a 2D map of a scan: chi2 regions, sigma bands, contours, exclusions",
        description="Draw a scan of `bridge scan` in two of its parameters. Layers are spec strings "
                    "'COLUMN;key=value;...': bands 'pull:seed2021:Delta_a_mu;n=1;label=g-2' or "
                    "'obs:BR(B->Xsgamma);central=3.49e-4;sigma=0.26e-4;n=3', contours "
                    "'ol:BR_mu_egamma;levels=1e-13,1e-12;style=dashed', exclusions 'COLUMN;gt=V' "
                    "(lt, abs_gt, abs_lt). Keys: label, color, alpha (bands, allowed), hatch "
                    "(exclusions), style, levels, log (contours); an unknown or ambiguous name or "
                    "key is an error, and a layer that draws nothing says so.")
    p.add_argument("results", help="results file of `bridge scan`")
    p.add_argument("-x", metavar="COLUMN", help="horizontal axis (default: the first scan parameter)")
    p.add_argument("-y", metavar="COLUMN", help="vertical axis (default: the second scan parameter)")
    p.add_argument("-o", "--output", metavar="FILE", help="image file (default RESULTS stem + .png)")
    p.add_argument("--chi2", metavar="COLUMN", help="fill Delta chi2 regions of this column (2 dof)")
    p.add_argument("--sigmas", default="1,2,3", help="chi2 regions to fill, in sigma (default 1,2,3)")
    p.add_argument("--band", action="append", default=[], metavar="SPEC",
                   help="fill where |pull| <= n (or |value - central| <= n sigma); " + SPEC_HELP)
    p.add_argument("--contour", action="append", default=[], metavar="SPEC",
                   help="contour lines; " + SPEC_HELP)
    p.add_argument("--exclude", action="append", default=[], metavar="SPEC",
                   help="hatch where the condition holds (gt=, lt=, abs_gt=, abs_lt=, or outside n sigma)")
    p.add_argument("--allowed", action="append", default=[], metavar="SPEC",
                   help="fill where the condition holds (gt=, lt=, ...)")
    p.add_argument("--logx", action="store_true", default=None, help="log horizontal axis")
    p.add_argument("--logy", action="store_true", default=None, help="log vertical axis")
    p.add_argument("--title", help="title (default: the model and the chi2 drawn; \"\" for none)")
    p.add_argument("--xlabel")
    p.add_argument("--ylabel")
    p.add_argument("--legend", default="outside",
                   help="legend location: outside (below the axes, the default), none, or a "
                        "matplotlib location inside the axes (upper right, ...)")
    p.add_argument("--dpi", type=int, default=150)
    p.add_argument("--columns", action="store_true", help="list the columns of RESULTS and stop")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args) -> int:
    import itertools
    import math
    from pathlib import Path

    from bridge.errors import InputError
    from bridge.scan import store
    from bridge.scan.plot import draw, require_matplotlib, resolve

    if args.columns:
        n, _ = _counts(args.results)
        print(f"{args.results}: {n} points")
        for c in store.columns(args.results):
            print(f"  {c}")
        return 0
    require_matplotlib()  # one line, not a traceback, without matplotlib
    axes = [f"par:{a['name']}" for a in store.meta(args.results).get("scan", {}).get("space", {})
            .get("axes", [])]
    x = args.x or (axes[0] if axes else None)
    y = args.y or (axes[1] if len(axes) > 1 else None)
    if not x or not y:
        raise InputError("give -x and -y (the scan has fewer than two parameters)")
    columns = store.columns(args.results)
    if resolve(x, columns, prefer=("par:",)) == resolve(y, columns, prefer=("par:",)):
        raise InputError(f"-x and -y name the same column ({resolve(x, columns, prefer=('par:',))})")
    try:
        sigmas = [float(s) for s in args.sigmas.split(",") if s.strip()]
    except ValueError:
        sigmas = []
    # (a level of 0 or below, NaN or out of order: matplotlib's traceback before)
    if not (sigmas and all(math.isfinite(s) and s > 0 for s in sigmas)
            and all(a < b for a, b in itertools.pairwise(sigmas))):
        raise InputError(f"--sigmas {args.sigmas!r}: positive numbers in increasing order, "
                         "separated by commas, e.g. 1,2,3")
    out = args.output or str(Path(args.results).with_suffix(".png"))
    draw(args.results, x, y, out, chi2=args.chi2, sigmas=sigmas, bands=args.band,
         contours=args.contour, excludes=args.exclude, alloweds=args.allowed, logx=args.logx,
         logy=args.logy, title=args.title, xlabel=args.xlabel, ylabel=args.ylabel, dpi=args.dpi,
         legend=args.legend)
    print(f"written: {out}")
    return 0


def _counts(path):
    from bridge.scan.store import count

    return count(path)
