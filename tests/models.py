"""Test helpers: the installed models through the point pipeline (bridge.pipeline)."""

from __future__ import annotations

from functools import cache

from bridge import pipeline
from bridge.plugins import get_model, get_plugin_manager


@cache
def _pm():
    return get_plugin_manager()


def model(name: str):
    return get_model(name, _pm())


def model_spectrum(name: str, inputs, sm):
    """The Spectrum (with ``.sector``) of model ``name`` at ``inputs``."""
    return pipeline.spectrum(model(name), inputs, sm)


def model_evaluate(name: str, inputs, sm, **kw):
    """The full pipeline: spectrum, sanity checks, coefficients, contributions."""
    return pipeline.evaluate(model(name), inputs, sm, **kw)
