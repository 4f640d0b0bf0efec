"""The text table of likelihood results (``bridge run --likelihood`` and ``bridge fit``)."""

from __future__ import annotations

from bridge.likelihoods.experiment import format_pull
from bridge.likelihoods.result import LikelihoodResult


def _fmt(x, spec: str = " .4e") -> str:
    return "-" if x is None else format(x, spec)


def format_results(results: list[LikelihoodResult]) -> str:
    """The text table printed by ``bridge run --likelihood`` and ``bridge fit``."""
    lines = []
    for r in results:
        if r.relative:
            lines += _relative(r)
            continue
        p = "-" if r.p_value is None else f"{r.p_value:.3g}"
        lines.append(f"likelihood {r.name}: chi2 = {r.chi2:.4g}, chi2_SM = {r.chi2_sm:.4g}, "
                     f"Delta chi2 = chi2_SM - chi2 = {r.delta_chi2:+.4g}, dof = {r.dof}, p = {p}")
        lines.append(f"  {'term':<30s} {'model':>12s} {'SM':>12s} {'central':>12s} {'sigma':>10s} "
                     f"{'pull':>7s}")
        for t in r.terms:
            lines.append(f"  {t.name:<30s} {_fmt(t.prediction):>12s} {_fmt(t.sm):>12s} "
                         f"{_fmt(t.central):>12s} {_fmt(t.sigma, '10.3e'):>10s} "
                         f"{format_pull(t.pull):>7s}")
        for note in r.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


def _relative(r: LikelihoodResult) -> list[str]:
    """A likelihood known only relative to the SM (smelli): its Δχ² = 2 Δlog L per
    sub-likelihood, in its own sign convention (> 0: the point describes the data better
    than the SM), and no goodness of fit."""
    lines = [f"likelihood {r.name}: Delta chi2 = chi2_SM - chi2 = 2 Delta log L = "
             f"{r.delta_chi2:+.4g} (> 0: better than the SM); no p-value: {r.name} gives "
             "log-likelihood differences to the SM, not a goodness of fit",
             f"  {'sub-likelihood':<44s} {'2 Delta log L':>14s}"]
    for t in sorted(r.terms, key=lambda t: -abs(t.chi2 or 0.0)):
        lines.append(f"  {t.name:<44s} {-(t.chi2 or 0.0):+14.4g}")
    for note in r.notes:
        lines.append(f"  note: {note}")
    return lines
