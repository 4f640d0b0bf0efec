"""Card entries as parameters: ``BLOCK:ENTRY`` addressing, shared by ``bridge fit`` and ``bridge scan``.

An entry is written ``BLOCK:ENTRY`` with ENTRY an integer key (``MINPAR:1``), a matrix key
(``YNIN:2,1``), or in the IM partner of a complex block (``IMYSIN:2``: the imaginary part).
A product ``YSIN:2*YSIN:3`` is one parameter p = Π x_i, varied with the ratios of its factors
kept: each factor is scaled by (p/p₀)^(1/n), p₀ the product on the card (the convention of
seed 001's fit of (Y_S)₂(Y_S)₃, its Eq. (12)). Only blocks the model declares as inputs can
be addressed; anything else is an :class:`~bridge.errors.InputError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bridge.errors import InputError


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
class CardParameter:
    """One entry, or the product of several whose ratios are kept."""

    name: str
    targets: tuple[Target, ...]
    base: tuple[float, ...]  # card values of the targets

    @property
    def product0(self) -> float:
        return math.prod(self.base)

    def factor_scale(self, value):
        """(p/p₀)^(1/n): the factor each entry of a product is scaled by (numbers or arrays)."""
        return (value / self.product0) ** (1.0 / len(self.targets))

    def assign(self, value: float) -> list[tuple[Target, float]]:
        """The target values for parameter value ``value``."""
        if len(self.targets) == 1:
            return [(self.targets[0], float(value))]
        if value / self.product0 < 0:
            raise InputError(f"parameter {self.name}: product {value:g} has the opposite sign of "
                             f"its card value {self.product0:g} (the ratio of the factors is kept)")
        scale = self.factor_scale(value)
        return [(t, b * scale) for t, b in zip(self.targets, self.base, strict=True)]


def _parse_key(text: str, spec: str, what: str = "parameter"):
    parts = [p.strip() for p in text.split(",")]
    try:
        ints = tuple(int(p) for p in parts)
    except ValueError:
        raise InputError(f"{what} {spec!r}: entry {text!r} is not an integer key "
                         "(use e.g. MINPAR:1 or YNIN:2,1)") from None
    return ints[0] if len(ints) == 1 else ints


def resolve_target(text: str, info, spec: str | None = None, what: str = "parameter") -> Target:
    """``BLOCK:ENTRY`` of a model input block (or its IM partner) as a :class:`Target`;
    ``what`` (e.g. "parameter", "--vary") starts the messages."""
    spec = spec or text
    block, sep, entry = text.partition(":")
    block = block.strip().upper()
    if not sep or not block or not entry.strip():
        raise InputError(f"{what} {spec!r}: expected BLOCK:ENTRY, e.g. MINPAR:1 or YNIN:2,1")
    key = _parse_key(entry, spec, what)
    imaginary = False
    bspec = info.block(block)
    if bspec is None:
        bspec = next((b for b in info.blocks if b.imaginary and b.imaginary.upper() == block), None)
        imaginary = bspec is not None
    if bspec is None:
        known = ", ".join(b.name for b in info.blocks)
        raise InputError(f"{what} {spec!r}: Block {block} is not an input block of model "
                         f"{info.name}, so it cannot be varied (input blocks: {known})")
    if bspec.entry(key) is None:
        keys = ", ".join(",".join(map(str, e.key)) if isinstance(e.key, tuple) else str(e.key)
                         for e in bspec.entries)
        raise InputError(f"{what} {spec!r}: Block {bspec.name} has no entry "
                         f"{entry.strip()} (entries: {keys})")
    return Target(bspec.name, key, imaginary, block)


def resolve_product(texts: list[str], info, spec: str, what: str) -> tuple[Target, ...]:
    """The targets of the factors ``texts`` of a product (``what`` starts the message)."""
    targets = tuple(resolve_target(t, info, spec, what) for t in texts)
    if len(set(targets)) != len(targets):
        raise InputError(f"{what} {spec!r}: an entry appears twice in the product")
    return targets


def target_value(target: Target, inputs) -> float:
    """The card value of a target (the real or the imaginary part)."""
    value = inputs[target.block][target.key]
    return float(complex(value).imag if target.imaginary else complex(value).real)


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
