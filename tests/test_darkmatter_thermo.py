"""SM degrees of freedom: shipped table = Saikawa–Shirai fit; cross-check with Borsanyi et al."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.darkmatter import thermo


def test_shipped_table_is_the_fit():
    assert np.allclose(thermo.table(), thermo.make_table(), rtol=1e-7, atol=1e-6)


def test_limits_of_the_fit():
    g, h = thermo.fit_g_rho_g_s(np.array([1e-5, 1e4]))
    assert g[0] == pytest.approx(3.383, abs=0.01) and h[0] == pytest.approx(3.931, abs=0.01)
    # full SM (106.75 free) less the O(α_s) interaction corrections in the fit, ≈ 104 at 10 TeV
    assert 103.0 < g[1] < 106.75


def test_junction_at_120_MeV_is_continuous():
    g, h = thermo.fit_g_rho_g_s(np.array([0.12 * (1 - 1e-9), 0.12]))
    assert g[0] == pytest.approx(g[1], rel=3e-3) and h[0] == pytest.approx(h[1], rel=3e-3)


@pytest.mark.parametrize("log10_t_mev, g_borsanyi, ratio_borsanyi, tol", [
    (3.0, 73.48, 1.01778, 0.06), (4.0, 83.10, 1.00123, 0.04), (5.0, 102.17, 1.00750, 0.015)])
def test_against_borsanyi_2016_table_s2(log10_t_mev, g_borsanyi, ratio_borsanyi, tol):
    """Borsanyi et al., Nature 539 (2016) 69, arXiv:1606.07494, Table S2 (g_ρ and g_ρ/g_s), an
    independent lattice determination: the two agree to 1-5% between 1 and 100 GeV (the
    known spread of SM equation-of-state determinations, part of the relic theory error)."""
    T = 10**log10_t_mev / 1e3
    assert thermo.g_eff(T) == pytest.approx(g_borsanyi, rel=tol)
    assert thermo.g_eff(T) / thermo.h_eff(T) == pytest.approx(ratio_borsanyi, abs=0.01)
