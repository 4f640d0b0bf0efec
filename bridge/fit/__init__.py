"""Fits of card parameters to a likelihood with iminuit (MIGRAD, HESSE, MINOS on request).

Free parameters are card entries (:mod:`bridge.targets`), written ``BLOCK:ENTRY[:LO:HI][=START]``:
``MINPAR:1``, ``YNIN:2,1``, ``IMYSIN:2``; ``LO``/``HI`` may be empty (``YSIN:2::1.5``); a
product ``YSIN:2*YSIN:3`` is one parameter with the ratios of its factors kept (non-zero on
the card; it cannot change sign, its bounds default to the side of the card's product); the
start value is the card's unless ``=START`` is given, and bounds must contain it. Every other
entry stays at its card value; ``--fix BLOCK:ENTRY=VALUE`` changes one for the fit without
editing the card. Bad input is an InputError.

Modules: :mod:`~bridge.fit.parameters` (parsing), :mod:`~bridge.fit.objective` (the χ² as a
function of the free entries), :mod:`~bridge.fit.minimise` (iminuit, FitResult),
:mod:`~bridge.fit.bestfit_card` (the card at the best fit), :mod:`~bridge.fit.report`.
"""

from bridge.fit.bestfit_card import bestfit_card_text, substitute_card
from bridge.fit.minimise import FitResult, ParameterResult, fit
from bridge.fit.objective import PENALTY, Objective, bind
from bridge.fit.parameters import FreeParameter, parse_fixed, parse_free
from bridge.fit.report import format_fit

__all__ = ["PENALTY", "FitResult", "FreeParameter", "Objective", "ParameterResult", "bestfit_card_text",
           "bind", "fit", "format_fit", "parse_fixed", "parse_free", "substitute_card"]
