"""Data passed between the bridge and model plugins.

A plugin declares its inputs with :class:`ModelInfo`; the bridge validates a
card against that declaration and hands the plugin a :class:`ModelInputs`.
The plugin returns a :class:`Spectrum`, Wilson coefficients (a ``dict`` of
flavio WET-basis names to complex numbers), lepton dipole coefficients and a
3x3 neutrino mass matrix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bridge.engine import DarkSector


@dataclass(frozen=True)
class Entry:
    """One input entry of a block: SLHA key, symbol, unit and default.

    ``default=None`` makes the entry required. ``positive`` marks masses and
    other quantities that must be > 0.
    """

    key: int | tuple[int, ...]
    symbol: str
    unit: str = ""
    default: float | None = None
    positive: bool = False
    description: str = ""
    #: "mass", "mass2", "coupling", "dimensionful" or "other"; "" lets bridge.sanity guess
    kind: str = ""
    #: physical range of the value (bridge.sanity refuses a card outside it)
    range: tuple[float, float] = (-math.inf, math.inf)


@dataclass(frozen=True)
class InputBlock:
    """An SLHA input block a model reads; ``imaginary`` names its IM partner block."""

    name: str
    entries: tuple[Entry, ...]
    description: str = ""
    imaginary: str | None = None
    required: bool = True

    def entry(self, key) -> Entry | None:
        for e in self.entries:
            if e.key == key:
                return e
        return None


@dataclass(frozen=True)
class ModelInfo:
    """What a model plugin declares about itself."""

    name: str
    description: str
    blocks: tuple[InputBlock, ...]
    references: tuple[str, ...] = ()
    version: str = ""

    def block(self, name: str) -> InputBlock | None:
        for b in self.blocks:
            if b.name == name:
                return b
        return None


class ModelInputs(Mapping):
    """Validated numeric inputs of one card, by block name.

    ``inputs["MINPAR"][1]`` is a float; blocks with an ``IM`` partner give
    complex values. :meth:`vector` and :meth:`matrix` assemble indexed blocks.
    """

    def __init__(self, values: dict[str, dict], source: str = "") -> None:
        self._values = values
        self.source = source

    def __getitem__(self, block: str) -> dict:
        return self._values[block]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def vector(self, block: str, n: int) -> np.ndarray:
        """Block with keys 1..n as a complex array of length n."""
        values = self._values[block]
        return np.array([values[i] for i in range(1, n + 1)], dtype=complex)

    def matrix(self, block: str, rows: int, cols: int) -> np.ndarray:
        """Block with keys (i, j) as a complex rows x cols array."""
        values = self._values[block]
        return np.array([[values[(i, j)] for j in range(1, cols + 1)]
                         for i in range(1, rows + 1)], dtype=complex)

    def with_values(self, changes: dict[str, dict]) -> ModelInputs:
        """A copy with some entries replaced (used by fits and scans)."""
        merged = {name: dict(block) for name, block in self._values.items()}
        for name, block in changes.items():
            merged.setdefault(name, {}).update(block)
        return ModelInputs(merged, self.source)


class BatchInputs(ModelInputs):
    """Model inputs of N points (``bridge scan``): each value is a number or an array (N,)."""

    def __init__(self, values: dict[str, dict], size: int, source: str = "") -> None:
        super().__init__(values, source)
        self.size = int(size)

    def vector(self, block: str, n: int) -> np.ndarray:
        """(n,) if no entry varies, else (N, n)."""
        return self._stack([self[block][i] for i in range(1, n + 1)], (n,))

    def matrix(self, block: str, rows: int, cols: int) -> np.ndarray:
        """(rows, cols) if no entry varies, else (N, rows, cols)."""
        values = [self[block][(i, j)] for i in range(1, rows + 1) for j in range(1, cols + 1)]
        return self._stack(values, (rows, cols))

    def _stack(self, values, shape) -> np.ndarray:
        if all(np.ndim(v) == 0 for v in values):
            return np.array(values, dtype=complex).reshape(shape)
        cols = [np.broadcast_to(np.asarray(v, dtype=complex), (self.size,)) for v in values]
        return np.stack(cols, axis=-1).reshape((self.size, *shape))

    def point(self, i: int) -> ModelInputs:
        """The ModelInputs of point ``i`` (numbers only)."""
        values = {b: {k: (v[i].item() if np.ndim(v) else v) for k, v in block.items()}
                  for b, block in self._values.items()}
        return ModelInputs(values, self.source)

    def subset(self, index) -> BatchInputs:
        """The points ``index`` (a boolean mask or integer array) as a smaller batch."""
        idx = np.arange(self.size)[index]
        values = {b: {k: (v[idx] if np.ndim(v) else v) for k, v in block.items()}
                  for b, block in self._values.items()}
        return BatchInputs(values, idx.size, self.source)


@dataclass(frozen=True)
class Particle:
    """A mass eigenstate written to Block MASS under ``code``."""

    code: int
    name: str
    mass: float


@dataclass(frozen=True)
class Mixing:
    """A mixing matrix written as block ``name`` (and ``IM<name>`` if complex).

    ``rows`` names the interaction-basis states, ``columns`` the mass eigenstates.
    """

    name: str
    matrix: np.ndarray
    description: str
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


@dataclass
class Spectrum:
    """Masses and mixing matrices of a model point (or a batch: masses (N,), mixings
    (N, ...)), the engine's dark sector in the mass basis, and plugin-private ``data``."""

    particles: list[Particle]
    mixings: list[Mixing] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    sector: DarkSector | None = None

    def __post_init__(self) -> None:
        # plugins written for bridge <= 0.1 put the sector into data["sector"]
        if self.sector is None and isinstance(self.data, dict) and "sector" in self.data:
            self.sector = self.data["sector"]

    def mass(self, name: str) -> float:
        for p in self.particles:
            if p.name == name:
                return p.mass
        raise KeyError(name)

    def check(self) -> None:
        """Reject non-finite masses or mixings (a plugin bug or a singular point)."""
        for p in self.particles:
            if not np.all(np.isfinite(p.mass)):
                raise ValueError(f"mass of {p.name} is not finite")
        for m in self.mixings:
            if not np.all(np.isfinite(m.matrix)):
                raise ValueError(f"mixing matrix {m.name} is not finite")


def flavour_vector_block(name: str, symbol: str, what: str, n: int = 3,
                         default: float = 0.0) -> InputBlock:
    """An optional block of n complex couplings (keys 1..n, imaginary parts in IM<name>)."""
    return InputBlock(
        name=name, imaginary="IM" + name, required=False,
        description=f"{symbol}_i, coupling of {what} (flavour index i = 1..{n})",
        entries=tuple(Entry(i, f"{symbol}_{i}", "", default) for i in range(1, n + 1)))
