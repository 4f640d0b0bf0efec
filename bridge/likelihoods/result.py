"""What a likelihood returns: one :class:`Term` per observable and the totals."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass
class Term:
    """One observable of a likelihood at a point."""

    name: str
    prediction: float | None
    central: float | None
    sigma: float | None  # total 1σ used (experiment ⊕ theory where the likelihood has both)
    pull: float | None  # (prediction − central)/σ; None for a term without one (smelli's files)
    chi2: float | None  # contribution to χ² (None where terms are correlated)
    source: str = ""
    sm: float | None = None  # the prediction at the SM point

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LikelihoodResult:
    """χ² of one likelihood at one point; ``n_free`` > 0 for a best-fit point."""

    name: str
    chi2: float
    chi2_sm: float
    terms: list[Term]
    notes: list[str] = field(default_factory=list)
    n_free: int = 0
    relative: bool = False  # χ² relative to the SM only (smelli): no goodness of fit

    @property
    def delta_chi2(self) -> float:
        """χ²_SM − χ² (positive: the point describes the data better than the SM)."""
        return self.chi2_sm - self.chi2

    @property
    def dof(self) -> int:
        return len(self.terms) - self.n_free

    @property
    def p_value(self) -> float | None:
        """P(χ²_dof ≥ χ²); None without degrees of freedom or for a relative χ² (smelli)."""
        if self.dof <= 0 or not math.isfinite(self.chi2) or self.relative:
            return None
        from scipy.stats import chi2

        return float(chi2.sf(self.chi2, self.dof))

    def as_dict(self) -> dict:
        return {"name": self.name, "chi2": self.chi2, "chi2_sm": self.chi2_sm,
                "delta_chi2": self.delta_chi2, "dof": None if self.relative else self.dof,
                "n_free": self.n_free, "relative_to_sm": self.relative,
                "p_value": self.p_value, "notes": list(self.notes),
                "terms": [t.as_dict() for t in self.terms]}


def merge_results(results: list[LikelihoodResult], name: str) -> LikelihoodResult:
    if len(results) == 1:
        return results[0]
    terms = [Term(**{**t.as_dict(), "name": f"{r.name}: {t.name}"}) for r in results for t in r.terms]
    notes = [f"{r.name}: {n}" for r in results for n in r.notes]
    return LikelihoodResult(name, sum(r.chi2 for r in results), sum(r.chi2_sm for r in results),
                            terms, notes, n_free=results[0].n_free,
                            relative=any(r.relative for r in results))
