"""Free and fixed parameters of a fit: ``--free BLOCK:ENTRY[*...][:LO:HI][=START]`` and ``--fix``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bridge.errors import InputError
from bridge.targets import CardParameter, Target, resolve_product, resolve_target, target_value


@dataclass
class FreeParameter(CardParameter):
    """A fit parameter: one entry, or the product of several (ratios kept), with its start
    value and bounds."""

    start: float
    lower: float | None = None
    upper: float | None = None


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
    targets = resolve_product(texts, info, spec, "parameter")
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
