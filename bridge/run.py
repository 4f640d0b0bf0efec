"""One model point: card → plugin → spectrum and coefficients → flavio predictions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge import card as cardmod
from bridge import matching, sanity
from bridge.errors import BridgeError, InputError, ModelError
from bridge.model import ModelInfo, ModelInputs, Spectrum
from bridge.plugins import Model, get_model
from bridge.sm import SMInputs, sminputs_overrides

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

    @property
    def coefficients(self) -> dict[str, complex]:
        """All coefficients handed to wilson at ``scale`` (quark sector + lepton dipoles)."""
        return {**self.quark_coefficients, **self.lepton_dipoles}


def load_point(card_path: str, pm=None) -> tuple:
    """Read and validate a card: (card, model, info, inputs, scale, sminputs)."""
    card = cardmod.read_card(card_path)
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


def evaluate(model: Model, inputs: ModelInputs, sm: SMInputs, source: str = "",
             check=None) -> tuple:
    """Spectrum, quark coefficients, lepton dipoles and m_ν of one parameter point.

    ``check(spectrum)``, if given, runs before the coefficients (e.g. bridge.sanity limits).
    """
    try:
        spectrum = model.spectrum(inputs, sm)
        if check is not None:
            check(spectrum)
        quark = model.wilson_coefficients(spectrum, inputs, sm)
        dipoles = model.dipoles(spectrum, inputs, sm)
        m_nu = model.neutrino_mass_matrix(spectrum, inputs, sm)
    except ModelError as exc:
        if source and not str(exc).startswith(source):
            raise ModelError(f"{source}: {exc}") from None  # name the card
        raise
    except BridgeError:
        raise
    except (ValueError, ArithmeticError, NotImplementedError, np.linalg.LinAlgError) as exc:
        raise ModelError(f"{source}: model {model.name}: {exc}") from None
    return spectrum, quark, dipoles, m_nu


def one_loop_summary(dipoles: dict[str, complex], sm: SMInputs) -> dict[str, float]:
    """Δa_μ and BR(μ→eγ) straight from the one-loop dipoles (no running)."""
    tau_mu = 1.0 / (sm.GF**2 * sm.m_mu**5 / (192 * math.pi**3))  # tree-level muon width
    c7 = dipoles.get("C7_mumu", 0j)
    return {
        "Delta_a_mu": matching.delta_a_from_c7(c7, sm.m_mu, sm),
        "Delta_a_e": matching.delta_a_from_c7(dipoles.get("C7_ee", 0j), sm.m_e, sm),
        "BR_mu_egamma": matching.br_mu_egamma_one_loop(
            dipoles.get("Cgamma_mue", 0j), dipoles.get("Cgamma_emu", 0j), sm, tau_mu),
    }


def run_card(card_path: str, *, predictions: bool = True, samples: int = 50, seed: int = 1,
             np_samples: int = 0, pm=None) -> PointResult:
    """Evaluate a card end to end (flavio is imported only when predictions are asked for)."""
    card, model, info, inputs, scale, sminputs = load_point(card_path, pm)
    warnings = sanity.check_inputs(info, inputs, scale=scale, sminputs=sminputs, path=card_path)
    if not SCALE_WINDOW[0] <= scale <= SCALE_WINDOW[1]:
        warnings.append(
            f"hand-over scale {scale:g} GeV is outside {SCALE_WINDOW}: wilson runs WET with "
            "five-flavour equations there (C7_bs at 4.8 GeV moves by ~15% from 1 TeV)")
    overrides = sminputs_overrides(sminputs)
    sm = SMInputs.from_flavio(overrides)
    spectrum_warnings = []

    def check(spectrum):
        spectrum_warnings.extend(sanity.check_spectrum(spectrum, sm, info, path=card_path))

    spectrum, quark, dipoles, m_nu = evaluate(model, inputs, sm, card_path, check)
    warnings += spectrum_warnings + sanity.unread_blocks(card, info, spectrum)
    result = PointResult(card_path, model, info, inputs, scale, sminputs, sm, spectrum, quark,
                         dipoles, m_nu, one_loop_summary(dipoles, sm), warnings=warnings)
    if predictions:
        from bridge.observables import predict

        result.predictions = predict(result.coefficients, scale, overrides=overrides,
                                     samples=samples, seed=seed, np_samples=np_samples)
    return result
