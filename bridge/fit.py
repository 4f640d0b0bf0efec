"""Fits of card parameters to a likelihood with iminuit (MIGRAD, HESSE, MINOS on request).

Free parameters are card entries, written ``BLOCK:ENTRY[:LO:HI][=START]``:

* ``MINPAR:1``, ``YNIN:2,1`` (matrix entry (2,1)), ``IMYSIN:2`` (the imaginary part of
  an entry of a block with an IM partner); ``LO``/``HI`` may be empty (``YSIN:2::1.5``).
* a product ``YSIN:2*YSIN:3[:LO:HI][=START]`` is one parameter p = Π x_i, varied with the
  ratios of its factors kept: each factor is scaled by (p/p₀)^(1/n), p₀ the product on the
  card. This is how seed 001 fits (Y_S)₂·(Y_S)₃ (its Eq. (12)). The factors must be
  non-zero on the card, and p cannot change sign (its bounds default to the side of p₀).
* the start value is the card's unless ``=START`` is given; bounds must contain it.

Every other entry stays at its card value; ``--fix BLOCK:ENTRY=VALUE`` changes one for the
fit without editing the card. Bad input (unknown block or entry, a block that is not a
model input such as SMINPUTS or BRIDGE, bounds that exclude the start) is an InputError.

The χ² is the sum of the chosen likelihoods (``bridge.likelihood``) at the point built by
``ModelInputs.with_values`` and ``bridge.pipeline.evaluate``; the start point must pass the
checks of ``bridge run`` (else an InputError), and a trial point the pipeline refuses or where
the model fails (e.g. a singular spectrum) gets χ² = :data:`PENALTY`. At the minimum the result has the
best-fit values, HESSE errors (Δχ² = 1) and MINOS intervals if asked, χ²_min, Δχ² against
the SM, the p-value for (terms − free parameters) degrees of freedom, the pulls, and the
card text with the fitted values substituted (only the value tokens of the freed entries
change; comments and layout stay).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from bridge.errors import BridgeError, InputError

#: χ² returned where the model cannot be evaluated (MIGRAD steps back from it).
PENALTY = 1e10


@dataclass(frozen=True)
class Target:
    """One card entry: the real part in ``block`` or, with ``imaginary``, the IM partner."""

    block: str  # the model's input block (real parts)
    key: int | tuple[int, ...]
    imaginary: bool = False
    card_block: str = ""  # the block name on the card (block or its IM partner)

    @property
    def label(self) -> str:
        key = ",".join(map(str, self.key)) if isinstance(self.key, tuple) else str(self.key)
        return f"{self.card_block or self.block}:{key}"


@dataclass
class FreeParameter:
    """A fit parameter: one entry, or the product of several (ratios kept)."""

    name: str
    targets: tuple[Target, ...]
    base: tuple[float, ...]  # card values of the targets
    start: float
    lower: float | None = None
    upper: float | None = None

    @property
    def product0(self) -> float:
        return math.prod(self.base)

    def assign(self, value: float) -> list[tuple[Target, float]]:
        """The target values for parameter value ``value``."""
        if len(self.targets) == 1:
            return [(self.targets[0], float(value))]
        ratio = value / self.product0
        if ratio < 0:
            raise InputError(f"parameter {self.name}: product {value:g} has the opposite sign of "
                             f"its card value {self.product0:g} (the ratio of the factors is kept)")
        scale = ratio ** (1.0 / len(self.targets))
        return [(t, b * scale) for t, b in zip(self.targets, self.base, strict=True)]


# ---------------------------------------------------------------------------
# parsing of BLOCK:ENTRY specifications
# ---------------------------------------------------------------------------
def _parse_key(text: str, spec: str):
    parts = [p.strip() for p in text.split(",")]
    try:
        ints = tuple(int(p) for p in parts)
    except ValueError:
        raise InputError(f"parameter {spec!r}: entry {text!r} is not an integer key "
                         "(use e.g. MINPAR:1 or YNIN:2,1)") from None
    return ints[0] if len(ints) == 1 else ints


def resolve_target(text: str, info, spec: str | None = None) -> Target:
    """``BLOCK:ENTRY`` of a model input block (or its IM partner) as a :class:`Target`."""
    spec = spec or text
    block, sep, entry = text.partition(":")
    block = block.strip().upper()
    if not sep or not block or not entry.strip():
        raise InputError(f"parameter {spec!r}: expected BLOCK:ENTRY, e.g. MINPAR:1 or YNIN:2,1")
    key = _parse_key(entry, spec)
    imaginary = False
    bspec = info.block(block)
    if bspec is None:
        bspec = next((b for b in info.blocks if b.imaginary and b.imaginary.upper() == block), None)
        imaginary = bspec is not None
    if bspec is None:
        known = ", ".join(b.name for b in info.blocks)
        raise InputError(f"parameter {spec!r}: Block {block} is not an input block of model "
                         f"{info.name}, so it cannot be a fit parameter (input blocks: {known})")
    if bspec.entry(key) is None:
        keys = ", ".join(",".join(map(str, e.key)) if isinstance(e.key, tuple) else str(e.key)
                         for e in bspec.entries)
        raise InputError(f"parameter {spec!r}: Block {bspec.name} has no entry "
                         f"{entry.strip()} (entries: {keys})")
    return Target(bspec.name, key, imaginary, block)


def _number(text: str, spec: str, what: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"parameter {spec!r}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"parameter {spec!r}: {what} must be finite")
    return value


def target_value(target: Target, inputs) -> float:
    value = inputs[target.block][target.key]
    return float(complex(value).imag if target.imaginary else complex(value).real)


def parse_free(spec: str, info, inputs) -> FreeParameter:
    """``BLOCK:ENTRY[*BLOCK:ENTRY...][:LO:HI][=START]`` → :class:`FreeParameter`."""
    body, eq, start_text = spec.partition("=")
    factors = body.split("*")
    texts = [f.strip() for f in factors]
    # bounds ride on the last factor: BLOCK:ENTRY:LO:HI
    last = texts[-1].split(":")
    if len(last) not in (2, 4):
        raise InputError(f"parameter {spec!r}: expected BLOCK:ENTRY or BLOCK:ENTRY:LO:HI")
    texts[-1] = ":".join(last[:2])
    lower = upper = None
    if len(last) == 4:
        lower, upper = _number(last[2], spec, "lower bound"), _number(last[3], spec, "upper bound")
    for t in texts[:-1]:
        if t.count(":") != 1:
            raise InputError(f"parameter {spec!r}: bounds go after the last factor of a product")
    targets = tuple(resolve_target(t, info, spec) for t in texts)
    if len(set(targets)) != len(targets):
        raise InputError(f"parameter {spec!r}: an entry appears twice in the product")
    base = tuple(target_value(t, inputs) for t in targets)
    name = "*".join(t.label for t in targets)
    if len(targets) > 1 and math.prod(base) == 0:
        raise InputError(f"parameter {spec!r}: a product parameter needs non-zero card values "
                         "(it scales its factors with their ratio kept)")
    start = math.prod(base)
    if eq:
        start = _number(start_text, spec, "start value")
        if start is None:
            raise InputError(f"parameter {spec!r}: empty start value after '='")
    if len(targets) > 1:
        p0 = math.prod(base)
        if start * p0 < 0:
            raise InputError(f"parameter {spec!r}: start {start:g} and card product {p0:g} differ "
                             "in sign (a product parameter keeps the ratio of its factors)")
        if p0 > 0:
            if (lower is not None and lower < 0) or (upper is not None and upper < 0):
                raise InputError(f"parameter {spec!r}: the product is positive on the card and "
                                 "cannot change sign: use bounds >= 0")
            lower = 0.0 if lower is None else lower
        else:
            if (lower is not None and lower > 0) or (upper is not None and upper > 0):
                raise InputError(f"parameter {spec!r}: the product is negative on the card and "
                                 "cannot change sign: use bounds <= 0")
            upper = 0.0 if upper is None else upper
    for t in targets:
        entry = info.block(t.block).entry(t.key)
        if entry.positive and not t.imaginary and len(targets) == 1:
            lower = 0.0 if lower is None else lower
            if lower < 0:
                raise InputError(f"parameter {spec!r}: {entry.symbol} must be positive; "
                                 "use a lower bound >= 0")
    if lower is not None and upper is not None and not lower < upper:
        raise InputError(f"parameter {spec!r}: lower bound {lower:g} is not below upper bound {upper:g}")
    if (lower is not None and start < lower) or (upper is not None and start > upper):
        lo = "-inf" if lower is None else f"{lower:g}"
        hi = "inf" if upper is None else f"{upper:g}"
        raise InputError(f"parameter {spec!r}: start value {start:g} is outside its bounds [{lo}, {hi}]")
    return FreeParameter(name, targets, base, float(start), lower, upper)


def parse_fixed(spec: str, info) -> tuple[Target, float]:
    """``BLOCK:ENTRY=VALUE`` → (target, value)."""
    body, eq, value = spec.partition("=")
    if not eq:
        raise InputError(f"--fix {spec!r}: expected BLOCK:ENTRY=VALUE")
    target = resolve_target(body.strip(), info, spec)
    number = _number(value, spec, "value")
    if number is None:
        raise InputError(f"--fix {spec!r}: empty value")
    return target, number


def changes_for(assignments: list[tuple[Target, float]], inputs) -> dict[str, dict]:
    """``with_values`` changes: real or imaginary parts replaced, the other part kept."""
    out: dict[str, dict] = {}
    for target, value in assignments:
        old = out.get(target.block, {}).get(target.key, inputs[target.block][target.key])
        if isinstance(old, complex):
            new = complex(old.real, value) if target.imaginary else complex(value, old.imag)
        else:
            new = float(value)
        out.setdefault(target.block, {})[target.key] = new
    return out


# ---------------------------------------------------------------------------
# the objective
# ---------------------------------------------------------------------------
class Objective:
    """χ²(free parameters) of a card: callable as ``f(*values)`` or ``f(array)``.

    ``errordef = 1`` (a χ²), so ``iminuit.Minuit(f, *f.start, name=f.names)`` works as is,
    and ``-0.5 * f(x)`` is a log-likelihood for an MCMC sampler.
    """

    errordef = 1.0

    def __init__(self, card, free: list[str], likelihood, *, fixed: list[str] = (), pm=None):
        from bridge.likelihood import Likelihood, get_likelihoods
        from bridge.run import load_point
        from bridge.sm import SMInputs, sminputs_overrides

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
        self.sm = SMInputs.from_flavio(self.overrides)  # imports flavio: after the input checks
        self.calls = 0
        self.failures = 0
        self.last_failure = ""
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
        """The :class:`bridge.likelihood.ModelPoint` at a parameter point (bridge.pipeline:
        the same sanity checks and refusals as ``bridge run``)."""
        from bridge.likelihood import ModelPoint
        from bridge.pipeline import evaluate

        ev = evaluate(self.model, self.inputs_at(*values), self.sm, info=self.info, source=self.card)
        return ModelPoint(ev.coefficients, self.scale, dict(ev.contributions), dict(ev.one_loop),
                          dict(self.overrides), self.model.name, self.card)

    def results(self, *values):
        """Per-likelihood results at a parameter point (``n_free`` set)."""
        from bridge.likelihood import evaluate_all

        return evaluate_all(self.likelihood, self.point(*values), n_free=len(self.parameters))

    def __call__(self, *values) -> float:
        self.calls += 1
        try:
            chi2 = self.likelihood.evaluate(self.point(*values)).chi2
        except BridgeError as exc:  # refused or failed trial point: MIGRAD steps back
            self.failures += 1
            self.last_failure = str(exc)
            return PENALTY
        return chi2 if math.isfinite(chi2) else PENALTY

    chi2 = __call__


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
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
                "likelihoods": [r.as_dict() for r in self.results]}


def _step(p: FreeParameter) -> float:
    step = 0.1 * abs(p.start) if p.start != 0 else 0.1
    if p.lower is not None and p.upper is not None:
        step = min(step, 0.1 * (p.upper - p.lower))
    return step


def fit(objective: Objective, *, minos: bool = False, ncall: int | None = None,
        strategy: int = 1) -> FitResult:
    """MIGRAD, then HESSE (and MINOS with ``minos=True``) on ``objective``."""
    from iminuit import Minuit

    from bridge.likelihood import evaluate_all

    lik = objective.likelihood
    lik.prepare(objective.overrides)  # the one-time flavio work happens before the clock runs
    chi2_start = objective(*objective.start)
    m = Minuit(objective, *objective.start, name=objective.names)
    m.strategy = strategy
    m.limits = objective.limits
    m.errors = [_step(p) for p in objective.parameters]
    m.migrad(ncall=ncall)
    messages = []
    if m.valid:
        m.hesse()
        if minos:
            try:
                m.minos()
            except RuntimeError as exc:
                messages.append(f"MINOS failed: {exc}")
    else:
        messages.append("MIGRAD did not converge to a valid minimum (see fmin)")
    best = list(m.values)
    point = objective.point(*best)
    results = evaluate_all(lik, point, n_free=len(objective.parameters))
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
    result.card_text = bestfit_card_text(objective, best, result)
    return result


# ---------------------------------------------------------------------------
# the card at the best fit
# ---------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*BLOCK\s+(\S+)", re.IGNORECASE)


def _format_value(x: float) -> str:
    return f"{x:.10E}"


def _key_text(key) -> str:
    return "  ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def substitute_card(text: str, values: dict[tuple[str, object], float], note: str = "fitted") -> str:
    """The card text with the value of each (BLOCK, key) replaced.

    Only the value token changes; an entry the card does not have is added after its
    block header, and a missing block is appended.
    """
    lines = text.splitlines()
    todo = {(b.upper(), k): v for (b, k), v in values.items()}
    block = None
    header_at: dict[str, int] = {}
    for i, line in enumerate(lines):
        body = line.split("#", 1)[0]
        m = _HEADER.match(body)
        if m:
            block = m.group(1).upper()
            header_at.setdefault(block, i)
            continue
        if body.strip().upper().startswith("DECAY"):
            block = None
            continue
        if block is None or not body.strip():
            continue
        tokens = body.split()
        ints = []
        for tok in tokens[:-1]:
            if re.fullmatch(r"[+-]?\d+", tok):
                ints.append(int(tok))
            else:
                break
        if not ints:
            continue
        key = ints[0] if len(ints) == 1 else tuple(ints)
        if (block, key) not in todo:
            continue
        value = todo.pop((block, key))
        pattern = r"^(\s*" + r"\s+".join(re.escape(t) for t in tokens[:len(ints)]) + r"\s+)(\S+)"
        lines[i] = re.sub(pattern, lambda mm, v=value: mm.group(1) + _format_value(v), line, count=1)
    inserts: dict[int, list[str]] = {}
    appended: dict[str, list[str]] = {}
    for (blk, key), value in todo.items():
        row = f"  {_key_text(key):>6}   {_format_value(value)}   # {note} (not on the input card)"
        if blk in header_at:
            inserts.setdefault(header_at[blk], []).append(row)
        else:
            appended.setdefault(blk, []).append(row)
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    for blk, rows in appended.items():
        out.append(f"Block {blk}   # written by bridge fit")
        out.extend(rows)
    return "\n".join(out) + "\n"


def bestfit_card_text(objective: Objective, best: list[float], result: FitResult) -> str:
    """The input card with the fitted (and --fix) values substituted, and a header comment."""
    values: dict[tuple[str, object], float] = {}
    for target, value in objective.fixes + objective.assignments(best):
        values[(target.card_block or target.block, target.key)] = value
    text = Path(objective.card).read_text(encoding="utf-8")
    head = [f"# best fit of `bridge fit` ({result.likelihood}): chi2_min = {result.chi2_min:.6g}, "
            f"chi2_SM = {result.chi2_sm:.6g}, Delta chi2 = {result.delta_chi2:.6g}",
            "# fitted: " + ", ".join(f"{p.name} = {p.value:.6g} +- {p.error:.2g}"
                                     for p in result.parameters)]
    if objective.fixed:
        head.append("# fixed: " + ", ".join(f"{k} = {v:g}" for k, v in objective.fixed.items()))
    return "\n".join(head) + "\n" + substitute_card(text, values)


def format_fit(result: FitResult) -> str:
    """The text report of ``bridge fit``."""
    from bridge.likelihood import format_results

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
    for msg in result.messages:
        lines.append(f"note: {msg}")
    return "\n".join(lines)
