"""The text report of ``bridge fit``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.likelihoods.report import format_results

if TYPE_CHECKING:
    from bridge.fit.minimise import FitResult

def format_fit(result: FitResult) -> str:
    """The text report of ``bridge fit``."""
    lines = [f"fit of {result.card} (model {result.model}) to {result.likelihood}: "
             f"{'valid minimum' if result.valid else 'NOT a valid minimum'}, "
             f"{result.nfcn} evaluations, edm = {result.edm:.2g}", ""]
    lines.append(f"  {'parameter':<28s} {'start':>12s} {'best fit':>12s} {'error':>10s} "
                 f"{'minos':>22s}  bounds")
    for p in result.parameters:
        minos = "-" if p.minos is None else f"{p.minos[0]:+.3g} / {p.minos[1]:+.3g}"
        lo = "-inf" if p.lower is None else f"{p.lower:g}"
        hi = "inf" if p.upper is None else f"{p.upper:g}"
        flag = "  (at a bound)" if p.at_limit else ""
        lines.append(f"  {p.name:<28s} {p.start:12.6g} {p.value:12.6g} {p.error:10.3g} "
                     f"{minos:>22s}  [{lo}, {hi}]{flag}")
    for k, v in result.fixed.items():
        lines.append(f"  {k:<28s} fixed at {v:g}")
    p_text = "-" if result.p_value is None else f"{result.p_value:.3g}"
    lines += ["", f"chi2_min = {result.chi2_min:.4f} (start {result.chi2_start:.4f}), "
                  f"chi2_SM = {result.chi2_sm:.4f}, Delta chi2 = chi2_SM - chi2_min = "
                  f"{result.delta_chi2:.4f}, dof = {result.dof}, p = {p_text}"]
    ol = result.one_loop
    if ol:
        lines.append(f"at the best fit (one loop): Delta a_mu = {ol.get('Delta_a_mu', 0):.4e}, "
                     f"BR(mu->e gamma) = {ol.get('BR_mu_egamma', 0):.3e}")
    lines += ["", format_results(result.results)]
    if result.predictions:
        from bridge.likelihoods.experiment import FLAG_SIGMA, format_pull

        lines += ["", f"`bridge run` observables at the best fit (! = above an upper limit or more "
                      f"than {FLAG_SIGMA:g} sigma from the measurement; value from flavio, the "
                      "fast path, or the SM value where no coefficient reaches the row):"]
        width = max(len(p.label) for p in result.predictions)  # 32 rows: the longest sets it
        for p in result.predictions:
            source = result.sources.get(p.key, "flavio")
            lines.append(f"  {p.label:<{width}s} {p.np: .4e}  {p.describe_experiment():>22s}  "
                         f"pull {format_pull(p.pull):>8s}  ({source}){' !' if p.flag else ''}")
    if result.unchecked:
        lines.append("NOT CHECKED at the best fit (they need flavio; --no-flavio was given): "
                     + ", ".join(result.unchecked))
    for flag in result.flags:
        lines.append(f"OUTSIDE ITS EXPERIMENTAL LIMIT: {flag}")
    for msg in result.messages:
        lines.append(f"note: {msg}")
    return "\n".join(lines)
