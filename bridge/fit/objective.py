"""The χ² of a card as a function of its free entries: what a minimiser or a sampler calls.

The χ² is the sum of the chosen likelihoods (:mod:`bridge.likelihoods`) at the point built by
``ModelInputs.with_values`` and :func:`bridge.pipeline.evaluate`: the start point must pass the
checks of ``bridge run`` (else an InputError), and a trial point the pipeline refuses or where
the model fails (e.g. a singular spectrum) gets χ² = :data:`PENALTY`.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections import OrderedDict

from bridge.errors import BridgeError, InputError
from bridge.fit.parameters import parse_fixed, parse_free
from bridge.likelihoods.base import Likelihood, evaluate_all, evaluate_parts, finish_parts
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.registry import get_likelihoods
from bridge.likelihoods.result import merge_results
from bridge.progress import load_flavio
from bridge.targets import Target, changes_for

#: χ² returned where the model cannot be evaluated (MIGRAD steps back from it).
PENALTY = 1e10
#: Points whose likelihood results an Objective keeps: ``bridge fit`` asks for the start point
#: twice (χ² at the start, MIGRAD's first call) and for the minimum again after HESSE's 2n²+2n
#: calls; one flavio point costs ~0.7 s.
KEPT_POINTS = 64


class Objective:
    """χ²(free parameters) of a card: callable as ``f(*values)`` or ``f(array)``.

    ``errordef = 1`` (a χ²), so ``iminuit.Minuit(f, *f.start, name=f.names)`` works as is,
    and ``-0.5 * f(x)`` is a log-likelihood for an MCMC sampler.
    """

    errordef = 1.0

    def __init__(self, card, free: list[str], likelihood, *, fixed: list[str] = (), pm=None):
        from bridge.run import load_point
        from bridge.sm import cached_sm_inputs, sminputs_overrides

        if isinstance(likelihood, str):
            likelihood = get_likelihoods([likelihood])
        elif not isinstance(likelihood, Likelihood):
            likelihood = get_likelihoods(list(likelihood))
        self.likelihood = likelihood
        self.card = str(card)
        _, self.model, self.info, inputs, self.scale, sminputs = load_point(self.card, pm)
        fixes = [parse_fixed(s, self.info) for s in fixed]
        self.fixes = fixes
        self.fixed = {t.label: v for t, v in fixes}
        self.inputs = inputs.with_values(changes_for(fixes, inputs)) if fixes else inputs
        if not free:
            raise InputError("no free parameter given (--free BLOCK:ENTRY)")
        self.parameters = [parse_free(s, self.info, self.inputs) for s in free]
        seen: dict[Target, str] = {}
        for p in self.parameters:
            for t in p.targets:
                if t in seen or t.label in self.fixed:
                    raise InputError(f"parameter {t.label} is used twice ({seen.get(t, 'fixed')!r} "
                                     f"and {p.name!r})")
                seen[t] = p.name
        self.overrides = sminputs_overrides(sminputs)
        if likelihood.needs_flavio:
            load_flavio()  # after the input checks, with a report (slow the first time)
        self.sm = cached_sm_inputs(self.overrides)  # shipped or cached: no flavio import
        self.calls = 0
        self.failures = 0
        self.last_failure = ""
        self.evaluations = 0  # the likelihood evaluations of the calls (a kept point: none)
        # the last KEPT_POINTS points, by the bits of their values: per-part results or the
        # refusal's message (a point's evaluation is deterministic)
        self._kept: OrderedDict[tuple[str, ...], list | str] = OrderedDict()
        self.point(*self.start)  # the start point must pass the checks `bridge run` applies

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def start(self) -> list[float]:
        return [p.start for p in self.parameters]

    @property
    def limits(self) -> list[tuple[float, float]]:
        return [(-math.inf if p.lower is None else p.lower, math.inf if p.upper is None else p.upper)
                for p in self.parameters]

    def _values(self, values) -> list[float]:
        if len(values) == 1 and hasattr(values[0], "__len__"):  # f(array)
            values = tuple(values[0])
        if len(values) != len(self.parameters):
            raise TypeError(f"expected {len(self.parameters)} values ({', '.join(self.names)}), "
                            f"got {len(values)}")
        return [float(v) for v in values]

    def assignments(self, values) -> list[tuple[Target, float]]:
        out = []
        for p, v in zip(self.parameters, self._values(values), strict=True):
            out += p.assign(v)
        return out

    def inputs_at(self, *values):
        """The ModelInputs at a parameter point."""
        return self.inputs.with_values(changes_for(self.assignments(values), self.inputs))

    def point(self, *values):
        """The :class:`bridge.likelihoods.ModelPoint` at a parameter point (bridge.pipeline:
        the same sanity checks and refusals as ``bridge run``)."""
        from bridge.likelihoods.registry import needs_dark_matter
        from bridge.pipeline import evaluate

        ev = evaluate(self.model, self.inputs_at(*values), self.sm, info=self.info, source=self.card,
                      dark_matter=needs_dark_matter(self.likelihood), handover_scale=self.scale,
                      par=self.overrides)  # the running needs α_s(M_Z), α_e(M_Z) only
        return ModelPoint(ev.coefficients, self.scale, dict(ev.contributions), dict(ev.one_loop),
                          dict(self.overrides), self.model.name, self.card, ev.dark_matter,
                          spectrum=ev.spectrum, sm=self.sm)

    #: Attributes a point's evaluation reads: setting one forgets the kept points (an API caller
    #: that swapped the likelihood got the old one's χ², review rev23). Changed in place (a
    #: mutated ``inputs``), they are not seen: make a new Objective then.
    _EVALUATION = frozenset({"likelihood", "inputs", "sm", "overrides", "model", "scale", "fixed",
                             "fixes", "parameters", "info"})

    def __setattr__(self, name, value):
        if name in self._EVALUATION and "_kept" in self.__dict__:
            self._kept.clear()
        super().__setattr__(name, value)

    def results(self, *values):
        """Per-likelihood results at a parameter point (``n_free`` set)."""
        kept = self._kept.get(self._key(values))
        if isinstance(kept, list):  # a copy: finish_parts adds to its notes
            return finish_parts(self.likelihood, copy.deepcopy(kept), len(self.parameters))
        return evaluate_all(self.likelihood, self.point(*values), n_free=len(self.parameters))

    def _key(self, values) -> tuple[str, ...]:
        # the bits (float.hex): -0.0 and 0.0 are equal floats but may not give the same point
        return tuple(v.hex() for v in self._values(values))

    def _parts(self, values) -> list | str:
        """Per-part results at a point (:func:`bridge.likelihoods.base.evaluate_parts`), or the
        message of its refusal; kept for the last :data:`KEPT_POINTS` points."""
        key = self._key(values)
        kept = self._kept.get(key)  # (one lookup: another thread may evict the key meanwhile)
        if kept is not None:
            with contextlib.suppress(KeyError):
                self._kept.move_to_end(key)
            return kept
        self.evaluations += 1
        try:
            kept = evaluate_parts(self.likelihood, self.point(*values))
        except BridgeError as exc:  # refused or failed trial point
            kept = str(exc)
        self._kept[key] = kept
        if len(self._kept) > KEPT_POINTS:
            self._kept.popitem(last=False)
        return kept

    def __call__(self, *values) -> float:
        self.calls += 1
        parts = self._parts(values)
        if isinstance(parts, str):  # refused or failed trial point: MIGRAD steps back
            self.failures += 1
            self.last_failure = parts
            return PENALTY
        chi2 = merge_results(parts, self.likelihood.name).chi2  # = likelihood.evaluate(...).chi2
        return chi2 if math.isfinite(chi2) else PENALTY

    chi2 = __call__


def bind(likelihood, card, free, fixed=(), pm=None) -> Objective:
    """χ² of ``likelihood`` (an object or names) as a function of the ``free`` card entries.

    ``f = bind(get_likelihood("seed2023"), "cards/scotogenic.slha", ["YSIN:2*YSIN:3"])``;
    ``f(0.6)`` is the χ²; ``iminuit.Minuit(f, *f.start, name=f.names)`` fits it.
    """
    return Objective(card, list(free), likelihood, fixed=list(fixed), pm=pm)
