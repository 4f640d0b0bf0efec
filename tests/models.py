"""Test helpers: the installed models through the point pipeline (bridge.pipeline)."""

from __future__ import annotations

from functools import cache

from bridge import pipeline
from bridge.plugins import get_model, get_plugin_manager
from bridge.sm import SMInputs

#: SM inputs for tests that need no flavio import: flavio 2.7.1's default parameters, written
#: out (tests/test_scan_store.py::test_shipped_sm_inputs_are_flavios checks the shipped ones).
SM = SMInputs(GF=1.1663788e-05, alpha_e_bsll=0.007569084895987922,
              alpha_e_0=0.0072973525692838015, s2w=0.23121, m_W=80.379, m_Z=91.1876,
              m_e=0.00051099895, m_mu=0.1056583755, m_tau=1.77686, m_s=0.09247, m_b=4.195,
              m_t=172.5, lambda_t_re=-0.04119293936908705, lambda_t_im=0.0007457752431333196)


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
