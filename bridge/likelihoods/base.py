"""The interface of a named likelihood, and the sum of several.

A likelihood turns a :class:`~bridge.likelihoods.point.ModelPoint` into a
:class:`~bridge.likelihoods.result.LikelihoodResult`. It knows nothing of fits: χ² as a
function of card entries is :class:`bridge.fit.Objective` (``bridge.fit.bind``).
"""

from __future__ import annotations

from bridge.errors import InputError
from bridge.likelihoods.point import ModelPoint, as_point
from bridge.likelihoods.result import LikelihoodResult, merge_results


class Likelihood:
    """A named likelihood. ``chi2(point)`` for quick use, ``evaluate`` for the terms."""

    name: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    cost: str = ""
    needs_flavio: bool = False
    needs_dark_matter: bool = False  # reads ModelPoint.dark_matter (bridge.likelihoods.darkmatter)

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        raise NotImplementedError

    def chi2(self, point) -> float:
        """χ² at a :class:`bridge.run.PointResult` or a :class:`ModelPoint`."""
        return self.evaluate(as_point(point)).chi2

    def describe(self) -> list[str]:
        """One line per term (``bridge likelihoods -v``)."""
        return []

    def prepare(self, overrides: dict | None = None) -> None:
        """Do the one-time work now (flavio: covariances); a no-op for the others."""

    def constrains(self) -> set[str]:
        """What its terms constrain (observable labels, model quantities such as Delta_a_mu;
        "*" for everything): two likelihoods that share one would count it twice."""
        return set()


class CombinedLikelihood(Likelihood):
    """The sum of independent likelihoods; ``notes`` say what two of them both constrain."""

    def __init__(self, parts: list[Likelihood], notes: list[str] = ()):
        self.parts = list(parts)
        self.notes = list(notes)
        self.name = "+".join(p.name for p in self.parts)
        self.description = "sum of " + "; ".join(
            p.description if p.name == "constraints" else p.name for p in self.parts)
        self.cost = "; ".join(f"{p.name}: {p.cost}" for p in self.parts if p.cost)
        self.references = tuple(r for p in self.parts for r in p.references)
        self.needs_flavio = any(p.needs_flavio for p in self.parts)

    def evaluate_all(self, point: ModelPoint) -> list[LikelihoodResult]:
        return [p.evaluate(point) for p in self.parts]

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        merged = merge_results(self.evaluate_all(point), self.name)
        merged.notes += [n for n in self.notes if n not in merged.notes]
        return merged

    def prepare(self, overrides=None) -> None:
        for p in self.parts:
            p.prepare(overrides)

    def describe(self) -> list[str]:
        return [f"{p.name}: {line}" for p in self.parts for line in p.describe()]

    def constrains(self) -> set[str]:
        return set().union(*(p.constrains() for p in self.parts))


def overlaps(parts: list[Likelihood]) -> list[tuple[Likelihood, Likelihood, set[str]]]:
    """The pairs of ``parts`` (combinations flattened) that constrain a common observable or
    quantity, with what they share."""
    flat = []
    for p in parts:
        flat += p.parts if isinstance(p, CombinedLikelihood) else [p]
    out = []
    for i, a in enumerate(flat):
        for b in flat[:i]:
            ca, cb = a.constrains(), b.constrains()
            common = (ca & cb) - {"*"}
            if not common and ca and cb and ("*" in ca or "*" in cb):
                common = (cb if "*" in ca else ca) - {"*"} or {"its observables"}
            if common:
                out.append((b, a, common))
    return out


def check_overlap(parts: list[Likelihood], strict=lambda lik: True) -> list[str]:
    """An InputError if two of ``parts`` constrain the same thing and one of them is
    ``strict`` (constraint terms: a term added to a likelihood that has it is a mistake);
    the other overlaps are returned as notes (two named likelihoods the user chose to add)."""
    notes = []
    for a, b, common in overlaps(parts):
        what = ", ".join(sorted(common))
        if strict(a) or strict(b):
            raise InputError(f"{_origin(b)} and {_origin(a)} both constrain {what}: it "
                             "would be counted twice (leave one of them out)")
        notes.append(f"{a.name} and {b.name} both constrain {what}: counted twice")
    return notes


def _origin(lik: Likelihood) -> str:
    return getattr(lik, "origin", "") or f"likelihood {lik.name}"


def evaluate_all(likelihood: Likelihood, point: ModelPoint, n_free: int = 0) -> list[LikelihoodResult]:
    """Per-likelihood results (a CombinedLikelihood gives one result per part)."""
    return finish_parts(likelihood, evaluate_parts(likelihood, point), n_free)


def evaluate_parts(likelihood: Likelihood, point: ModelPoint) -> list[LikelihoodResult]:
    """The results :func:`evaluate_all` completes: one per part of a CombinedLikelihood, else
    one. ``merge_results(parts, likelihood.name).chi2`` is ``likelihood.evaluate(point).chi2``."""
    if isinstance(likelihood, CombinedLikelihood):
        return likelihood.evaluate_all(point)
    return [likelihood.evaluate(point)]


def finish_parts(likelihood: Likelihood, results: list[LikelihoodResult],
                 n_free: int = 0) -> list[LikelihoodResult]:
    """``results`` of :func:`evaluate_parts` with a combination's notes and ``n_free`` (in place)."""
    if isinstance(likelihood, CombinedLikelihood):
        results[-1].notes += likelihood.notes  # what two of them both constrain
    for r in results:
        r.n_free = n_free
    return results
