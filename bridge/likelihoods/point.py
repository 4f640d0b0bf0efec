"""A model point as the likelihoods see it: coefficients, their breakdown, one-loop summaries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class ModelPoint:
    """What a likelihood needs of one evaluated parameter point."""

    coefficients: dict[str, complex]  # quark sector + lepton dipoles, flavio WET basis, at `scale`
    scale: float
    contributions: dict = field(default_factory=dict)  # bridge.pipeline's breakdown
    one_loop: dict = field(default_factory=dict)  # bridge.pipeline.one_loop_summary
    overrides: dict = field(default_factory=dict)  # flavio parameters from SMINPUTS
    model: str = ""
    source: str = ""
    dark_matter: dict | None = None  # bridge.darkmatter.summary, where computed
    spectrum: object = None  # bridge.model.Spectrum: the dark sector for terms that need it

    @property
    def has_dark_matter(self) -> bool:
        return self.dark_matter is not None

    @property
    def sector(self):
        """The dark sector in the mass basis (bridge.engine.DarkSector), or None (scan points)."""
        return getattr(self.spectrum, "sector", None)

    @classmethod
    def from_result(cls, result) -> ModelPoint:
        """From a :class:`bridge.run.PointResult` (``run_card(..., predictions=False)`` suffices)."""
        from bridge.sm import sminputs_overrides

        return cls(dict(result.coefficients), result.scale, dict(result.contributions),
                   dict(result.one_loop), sminputs_overrides(result.sminputs), result.model.name,
                   str(result.card_path), getattr(result, "dark_matter", None),
                   spectrum=result.spectrum)

    @classmethod
    def from_card(cls, path, pm=None) -> ModelPoint:
        from bridge.run import run_card

        return cls.from_result(run_card(str(path), predictions=False, pm=pm))


def as_point(x, pm=None) -> ModelPoint:
    """A card path, a PointResult or a ModelPoint as a :class:`ModelPoint`."""
    if isinstance(x, ModelPoint):
        return x
    if isinstance(x, (str, os.PathLike)):
        return ModelPoint.from_card(x, pm)
    if hasattr(x, "coefficients") and hasattr(x, "spectrum"):
        return ModelPoint.from_result(x)
    raise TypeError(f"expected a card path, a PointResult or a ModelPoint, got {type(x).__name__}")
