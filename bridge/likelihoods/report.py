"""The text table of likelihood results (``bridge run --likelihood`` and ``bridge fit``)."""

from __future__ import annotations

from bridge.likelihoods.result import LikelihoodResult


def _fmt(x, spec: str = " .4e") -> str:
    return "-" if x is None else format(x, spec)


def format_results(results: list[LikelihoodResult]) -> str:
    """The text table printed by ``bridge run --likelihood`` and ``bridge fit``."""
    lines = []
    for r in results:
        p = "-" if r.p_value is None else f"{r.p_value:.3g}"
        lines.append(f"likelihood {r.name}: chi2 = {r.chi2:.4g}, chi2_SM = {r.chi2_sm:.4g}, "
                     f"Delta chi2 = chi2_SM - chi2 = {r.delta_chi2:+.4g}, dof = {r.dof}, p = {p}")
        lines.append(f"  {'term':<30s} {'model':>12s} {'SM':>12s} {'central':>12s} {'sigma':>10s} "
                     f"{'pull':>7s}")
        for t in r.terms:
            lines.append(f"  {t.name:<30s} {_fmt(t.prediction):>12s} {_fmt(t.sm):>12s} "
                         f"{_fmt(t.central):>12s} {_fmt(t.sigma, '10.3e'):>10s} {t.pull:+7.2f}")
        for note in r.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)
