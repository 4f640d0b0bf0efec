"""The interface of a named likelihood, and the sum of several.

A likelihood turns a :class:`~bridge.likelihoods.point.ModelPoint` into a
:class:`~bridge.likelihoods.result.LikelihoodResult`. It knows nothing of fits: χ² as a
function of card entries is :class:`bridge.fit.Objective` (``bridge.fit.bind``).
"""

from __future__ import annotations

from bridge.likelihoods.point import ModelPoint, as_point
from bridge.likelihoods.result import LikelihoodResult, merge_results


class Likelihood:
    """A named likelihood. ``chi2(card_or_point)`` for quick use, ``evaluate`` for the terms."""

    name: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    cost: str = ""
    needs_flavio: bool = False
    needs_dark_matter: bool = False  # reads ModelPoint.dark_matter (bridge.likelihoods.darkmatter)

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        raise NotImplementedError

    def chi2(self, card_or_point, pm=None) -> float:
        """χ² at a card (path), a :class:`bridge.run.PointResult` or a :class:`ModelPoint`."""
        return self.evaluate(as_point(card_or_point, pm)).chi2

    def describe(self) -> list[str]:
        """One line per term (``bridge likelihoods -v``)."""
        return []

    def prepare(self, overrides: dict | None = None) -> None:
        """Do the one-time work now (flavio: covariances); a no-op for the others."""


class CombinedLikelihood(Likelihood):
    """The sum of independent likelihoods (the user vouches that they do not overlap)."""

    def __init__(self, parts: list[Likelihood]):
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.description = "sum of " + ", ".join(p.name for p in self.parts)
        self.needs_flavio = any(p.needs_flavio for p in self.parts)

    def evaluate_all(self, point: ModelPoint) -> list[LikelihoodResult]:
        return [p.evaluate(point) for p in self.parts]

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        return merge_results(self.evaluate_all(point), self.name)

    def prepare(self, overrides=None) -> None:
        for p in self.parts:
            p.prepare(overrides)


def evaluate_all(likelihood: Likelihood, point: ModelPoint, n_free: int = 0) -> list[LikelihoodResult]:
    """Per-likelihood results (a CombinedLikelihood gives one result per part)."""
    if isinstance(likelihood, CombinedLikelihood):
        results = likelihood.evaluate_all(point)
    else:
        results = [likelihood.evaluate(point)]
    for r in results:
        r.n_free = n_free
    return results
