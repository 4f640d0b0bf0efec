"""One card: read and validate it, evaluate it with the point pipeline, ask flavio."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bridge import card as cardmod
from bridge import pipeline, sanity
from bridge.errors import InputError
from bridge.model import ModelInfo, ModelInputs, Spectrum
from bridge.plugins import Model, get_model
from bridge.progress import load_flavio
from bridge.sm import SMInputs, cached_sm_inputs, sminputs_overrides

#: Hand-over scales outside this window get a warning (WET runs with 5-flavour RGEs).
SCALE_WINDOW = (4.2, 200.0)


@dataclass
class PointResult:
    """Everything computed for one card."""

    card_path: str
    model: Model
    info: ModelInfo
    inputs: ModelInputs
    scale: float
    sminputs: dict[int, float]
    sm: SMInputs
    spectrum: Spectrum
    quark_coefficients: dict[str, complex]
    lepton_dipoles: dict[str, complex]
    neutrino_mass_matrix: np.ndarray
    one_loop: dict[str, float]
    predictions: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    contributions: dict = field(default_factory=dict)
    dark_matter: dict | None = None  # bridge.darkmatter.summary (None: not asked for)
    lfv_coefficients: dict[str, complex] = field(default_factory=dict)
    handover: object | None = None  # bridge.handover.Handover: matching scale, route, both sets
    #: observables outside their experimental limits (not warnings about the card)
    flags: list[str] = field(default_factory=list)

    @property
    def overrides(self) -> dict[str, float]:
        """The card's SMINPUTS as flavio parameter overrides."""
        return sminputs_overrides(self.sminputs)

    @property
    def coefficients(self) -> dict[str, complex]:
        """All coefficients handed to wilson at ``scale`` (quark sector + lepton dipoles + LFV)."""
        return {**self.quark_coefficients, **self.lepton_dipoles, **self.lfv_coefficients}

    @property
    def matching_scale(self) -> float:
        """μ_M, where the one-loop coefficients were matched (the hand-over scale if not run)."""
        return self.handover.matching_scale if self.handover is not None else self.scale

    @property
    def matching_coefficients(self) -> dict[str, complex]:
        """The coefficients at :attr:`matching_scale` (before the running to ``scale``)."""
        return self.handover.matching if self.handover is not None else self.coefficients

    @property
    def route(self) -> str:
        return self.handover.route if self.handover is not None else "not run"


def load_point(card_path, pm=None) -> tuple:
    """Read and validate a card (a path, or a :class:`bridge.card.Card` already read):
    (card, model, info, inputs, scale, sminputs)."""
    card = card_path if isinstance(card_path, cardmod.Card) else cardmod.read_card(card_path)
    card_path = card.path
    name = cardmod.model_name(card)
    try:
        model = get_model(name, pm)
    except InputError as exc:
        raise exc.located(file=card_path, block="BRIDGE", entry=1) from None
    info = model.info()
    inputs = cardmod.parse_inputs(card, info)
    scale = cardmod.handover_scale(card)
    sminputs = cardmod.parse_sminputs(card)
    return card, model, info, inputs, scale, sminputs


def run_card(card_path, *, predictions: bool = True, samples: int = 50, seed: int = 1,
             np_samples: int = 0, pm=None, dark_matter: bool = False) -> PointResult:
    """Evaluate a card (a path or a :class:`bridge.card.Card`) end to end (the dark-matter
    summary only with ``dark_matter``)."""
    card, model, info, inputs, scale, sminputs = load_point(card_path, pm)
    card_path = card.path
    warnings = sanity.check_settings(scale=scale, sminputs=sminputs, path=card_path)
    if not SCALE_WINDOW[0] <= scale <= SCALE_WINDOW[1]:
        warnings.append(
            f"hand-over scale {scale:g} GeV is outside {SCALE_WINDOW}: wilson runs WET with "
            "five-flavour equations there (C7_bs at 4.8 GeV moves by ~15% from 1 TeV)")
    overrides = sminputs_overrides(sminputs)
    if predictions:
        load_flavio()  # with a report (slow the first time)
    sm = cached_sm_inputs(overrides)  # shipped or cached, as `bridge fit` and `bridge scan`
    # the running needs α_s(M_Z), α_e(M_Z) only: the overrides (bridge.couplings), no flavio
    # `bridge run` hands the candidate's couplings to DirectDM when it is installed
    ev = pipeline.evaluate(model, inputs, sm, info=info, source=card_path, dark_matter=dark_matter,
                           direct="auto", handover_scale=scale, par=overrides)
    warnings += ev.warnings + sanity.unread_blocks(card, info, ev.spectrum)
    result = PointResult(card_path, model, info, inputs, scale, sminputs, sm, ev.spectrum,
                         ev.quark_coefficients, ev.lepton_dipoles, ev.neutrino_mass_matrix,
                         ev.one_loop, warnings=warnings, contributions=ev.contributions,
                         dark_matter=ev.dark_matter, lfv_coefficients=ev.lfv_coefficients,
                         handover=ev.handover)
    if predictions:
        from bridge.observables import predict
        from bridge.zpole import warsaw_coefficients

        result.predictions = predict(result.coefficients, scale, overrides=overrides,
                                     samples=samples, seed=seed, np_samples=np_samples,
                                     z_pole=warsaw_coefficients(result.contributions, sm))
        flags = [p.flag for p in result.predictions if p.flag]
    else:
        from bridge.likelihoods.experiment import one_loop_flags

        flags = one_loop_flags(result.one_loop)
    from bridge.likelihoods.experiment import dark_matter_flags

    result.flags = flags + dark_matter_flags(result.dark_matter)
    return result
