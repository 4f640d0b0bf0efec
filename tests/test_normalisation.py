"""The lepton-dipole normalisations of bridge.matching against flavio's own predictions.

Handing the coefficients over at flavio's muon-decay scale (1 GeV; WET-3 for a_mu, WET-4
for mu->e gamma, as flavio asks for them) removes all
running, so flavio must reproduce the one-loop formulas exactly.
"""

from __future__ import annotations

import pytest

from bridge import matching

pytestmark = pytest.mark.flavio


def test_c7_mumu_gives_the_one_loop_delta_a_mu(sm):
    import flavio
    import wilson

    c7 = 0.2650104727
    w = wilson.Wilson({"C7_mumu": c7}, scale=1.0, eft="WET-3", basis="flavio")
    delta = flavio.np_prediction("a_mu", w) - flavio.sm_prediction("a_mu")
    assert delta == pytest.approx(matching.delta_a_from_c7(c7, sm.m_mu, sm), rel=1e-8)


def test_cgamma_gives_the_one_loop_mu_to_e_gamma(sm):
    import flavio
    import wilson

    c_mue, c_emu = 3.0e-14 + 1.0e-14j, -2.0e-14
    # flavio evaluates mu->e gamma in WET-4 at the 1 GeV muon-decay scale (physics/taudecays)
    w = wilson.Wilson({"Cgamma_mue": c_mue, "Cgamma_emu": c_emu}, scale=1.0, eft="WET-4",
                      basis="flavio")
    tau_mu = flavio.default_parameters.get_central("tau_mu")
    expected = matching.br_mu_egamma_one_loop(c_mue, c_emu, sm, tau_mu)
    assert flavio.np_prediction("BR(mu->egamma)", w) == pytest.approx(expected, rel=1e-6)
