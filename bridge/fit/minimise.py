"""The fit: MIGRAD, HESSE and MINOS (iminuit) on an :class:`~bridge.fit.objective.Objective`.

At the minimum the result has the best-fit values, HESSE errors (Δχ² = 1) and MINOS
intervals if asked, χ²_min, Δχ² against the SM, the p-value for (terms − free parameters)
degrees of freedom, the pulls, and the card at the best fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.fit.bestfit_card import bestfit_card_text
from bridge.fit.objective import PENALTY, Objective
from bridge.fit.parameters import FreeParameter


@dataclass
class ParameterResult:
    name: str
    start: float
    value: float
    error: float
    lower: float | None
    upper: float | None
    minos: tuple[float, float] | None = None  # (lower error < 0, upper error > 0)
    at_limit: bool = False


@dataclass
class FitResult:
    card: str
    model: str
    likelihood: str
    parameters: list[ParameterResult]
    fixed: dict[str, float]
    chi2_min: float
    chi2_sm: float
    chi2_start: float
    results: list  # LikelihoodResult per likelihood at the best fit
    one_loop: dict
    valid: bool
    edm: float
    nfcn: int
    failures: int
    messages: list[str] = field(default_factory=list)
    card_text: str = ""
    predictions: list = field(default_factory=list)  # the `bridge run` table at the best fit
    flags: list[str] = field(default_factory=list)  # observables there outside their limits
    #: where each row's value came from (bridge.runtable: SM value, fast path, flavio)
    sources: dict[str, str] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)  # rows left out (they need flavio)

    @property
    def delta_chi2(self) -> float:
        return self.chi2_sm - self.chi2_min

    @property
    def dof(self) -> int:
        return sum(len(r.terms) for r in self.results) - len(self.parameters)

    @property
    def p_value(self) -> float | None:
        if self.dof <= 0 or any(r.relative for r in self.results):
            return None
        from scipy.stats import chi2

        return float(chi2.sf(self.chi2_min, self.dof))

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {"card": self.card, "model": self.model, "likelihood": self.likelihood,
                "parameters": [asdict(p) for p in self.parameters], "fixed": self.fixed,
                "chi2_min": self.chi2_min, "chi2_sm": self.chi2_sm, "delta_chi2": self.delta_chi2,
                "chi2_start": self.chi2_start, "dof": self.dof, "p_value": self.p_value,
                "valid": self.valid, "edm": self.edm, "nfcn": self.nfcn, "failures": self.failures,
                "messages": self.messages, "one_loop_at_best_fit": self.one_loop,
                "likelihoods": [r.as_dict() for r in self.results],
                "observables_at_best_fit": [dict(p.as_dict(), source=self.sources.get(p.key))
                                            for p in self.predictions],
                "outside_experimental_limits": list(self.flags),
                "not_checked_at_best_fit": list(self.unchecked)}


def _step(p: FreeParameter) -> float:
    step = 0.1 * abs(p.start) if p.start != 0 else 0.1
    if p.lower is not None and p.upper is not None:
        step = min(step, 0.1 * (p.upper - p.lower))
    return step


def fit(objective: Objective, *, minos: bool = False, ncall: int | None = None,
        strategy: int = 1, check_limits: bool = True, use_flavio: bool = True) -> FitResult:
    """MIGRAD, then HESSE (and MINOS with ``minos=True``) on ``objective``. With
    ``check_limits`` the `bridge run` observables are predicted at the best fit and each one
    outside its experimental limit is flagged (``FitResult.flags``), whatever the likelihood:
    from their SM values or the fast path where that is exact, flavio for the others
    (:mod:`bridge.runtable`); ``use_flavio=False`` leaves those out (``FitResult.unchecked``)."""
    from iminuit import Minuit

    from bridge.progress import task

    lik = objective.likelihood
    with task(f"preparing likelihood {lik.name}"):
        lik.prepare(objective.overrides)  # the one-time flavio work happens before the clock runs
        chi2_start = objective(*objective.start)
    m = Minuit(objective, *objective.start, name=objective.names)
    m.strategy = strategy
    m.limits = objective.limits
    m.errors = [_step(p) for p in objective.parameters]
    def since_now():
        c0 = objective.calls
        return lambda: objective.calls - c0

    with task(f"fit: MIGRAD over {len(objective.parameters)} parameter(s)", unit="evaluations",
              counter=since_now()):
        m.migrad(ncall=ncall)
    messages = []
    if m.valid:
        n = len(objective.parameters)
        # HESSE's cost is known: about 2n^2 + 2n evaluations (iminuit's numerical 2nd derivatives)
        with task("fit: HESSE", total=2 * n * n + 2 * n, unit="evaluations", counter=since_now()):
            m.hesse()
        if minos:
            try:
                with task("fit: MINOS", unit="evaluations", counter=since_now()):
                    m.minos()
            except RuntimeError as exc:
                messages.append(f"MINOS failed: {exc}")
    else:
        messages.append("MIGRAD did not converge to a valid minimum (see fmin)")
    best = list(m.values)
    point = objective.point(*best)
    results = objective.results(*best)  # kept from MIGRAD's evaluation of it, as a rule
    params = []
    for i, p in enumerate(objective.parameters):
        me = None
        if minos and p.name in m.merrors:
            err = m.merrors[p.name]
            me = (float(err.lower), float(err.upper))
        lo, hi = objective.limits[i]
        tol = 1e-3 * max(float(m.errors[i]), 1e-12)  # within 0.1% of an error of a bound
        at_limit = abs(best[i] - lo) < tol or abs(best[i] - hi) < tol
        params.append(ParameterResult(p.name, p.start, float(best[i]), float(m.errors[i]),
                                      p.lower, p.upper, me, at_limit))
    if objective.failures:
        messages.append(f"{objective.failures} of {objective.calls} evaluations failed "
                        f"(chi2 = {PENALTY:g} there); last: {objective.last_failure}")
    result = FitResult(objective.card, objective.model.name, lik.name, params, dict(objective.fixed),
                       float(sum(r.chi2 for r in results)), float(sum(r.chi2_sm for r in results)),
                       float(chi2_start), results, dict(point.one_loop), bool(m.valid),
                       float(m.fmin.edm), int(m.nfcn), objective.failures, messages)
    if check_limits:
        from bridge import runtable
        from bridge.zpole import warsaw_coefficients

        with task("the `bridge run` observables at the best fit"):
            table = runtable.predict(point.coefficients, point.scale, overrides=point.overrides,
                                     z_pole=warsaw_coefficients(point.contributions, objective.sm),
                                     use_flavio=use_flavio)
        result.predictions, result.sources, result.unchecked = (table.predictions, table.sources,
                                                                 table.unchecked)
        result.flags = [p.flag for p in result.predictions if p.flag]
    result.card_text = bestfit_card_text(objective, best, result)
    return result
