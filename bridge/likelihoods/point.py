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
    sm: object = None  # bridge.sm.SMInputs the point was evaluated with (dark-matter terms)

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
        return cls(dict(result.coefficients), result.scale, dict(result.contributions),
                   dict(result.one_loop), dict(result.overrides), result.model.name,
                   str(result.card_path), getattr(result, "dark_matter", None),
                   spectrum=result.spectrum, sm=result.sm)



def as_point(x) -> ModelPoint:
    """A PointResult or a ModelPoint as a :class:`ModelPoint`. A card is read by the layer above
    (``bridge.run.run_card(path, predictions=False)``, or ``bridge.evaluate``): the likelihoods
    sit below the run pipeline and do not import it."""
    if isinstance(x, ModelPoint):
        return x
    if isinstance(x, (str, os.PathLike)):
        raise TypeError(f"a likelihood takes an evaluated point, not the card {str(x)!r}: "
                        "bridge.run.run_card(card, predictions=False), or bridge.evaluate(card, "
                        "likelihoods=[...]).chi2")
    if hasattr(x, "coefficients") and hasattr(x, "spectrum"):
        return ModelPoint.from_result(x)
    raise TypeError(f"expected a PointResult or a ModelPoint, got {type(x).__name__}")
