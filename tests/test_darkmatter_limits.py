"""The published direct-detection limits shipped in bridge/darkmatter/data, read through
bridge.darkmatter.limits, against the numbers the collaborations quote in their abstracts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge.darkmatter import direct, limits

LZ = limits.LZ_2024_SI


def test_lz_file_reproduces_the_quoted_limit_and_sensitivity_at_40_gev():
    """LZ, arXiv:2410.17036v3 abstract: "The strongest SI exclusion set is 2.2×10⁻⁴⁸ cm² at the
    90% confidence level and the best SI median sensitivity achieved is 5.1×10⁻⁴⁸ cm², both for
    a mass of 40 GeV/c²". Read from the shipped file (2 significant figures, as quoted), and 40 GeV
    is where both published curves are lowest."""
    mass, limit, median = LZ.table  # the file's columns, not the interpolation
    assert f"{LZ(40.0):.1e}" == "2.2e-48"
    assert f"{LZ.median(40.0):.1e}" == "5.1e-48"
    assert mass[np.argmin(limit)] == 40.0
    assert 40.0 <= mass[np.argmin(median)] <= 43.0  # the median is flat to 0.1% over 40-43 GeV
    assert mass[0] == 9.0 and mass[-1] == 10000.0 and len(mass) == 26


def test_xenonnt_file_reproduces_the_quoted_minimum():
    """XENONnT, arXiv:2502.18005: minimum SI limit 1.7×10⁻⁴⁷ cm² at 30 GeV/c²."""
    mass, limit, _ = limits.XENONNT_2025_SI.table
    i = int(np.argmin(limit))
    assert 28.0 < mass[i] < 33.0
    assert f"{limit[i]:.1e}" == "1.7e-47"
    assert f"{limits.XENONNT_2025_SI(30.0):.1e}" == "1.7e-47"


def test_xenon1t_file_reproduces_the_quoted_minimum():
    """XENON1T, arXiv:1805.12562 abstract: "a minimum of 4.1×10⁻⁴⁷ cm² at 30 GeV/c² and 90%
    confidence level" (the limit seed 000's Fig. 2 draws)."""
    mass, limit, _ = limits.XENON1T_2018_SI.table
    assert mass[np.argmin(limit)] == 30.0
    assert f"{limits.XENON1T_2018_SI(30.0):.1e}" == "4.1e-47"


def test_interpolation_is_log_log_between_the_published_points():
    """Midway in log m between two published masses the value is their geometric mean; at a
    published mass the published value is returned."""
    mass, limit, _ = LZ.table
    for i in (0, 11, 20):
        assert LZ(mass[i]) == pytest.approx(limit[i], rel=1e-12)
        mid = math.sqrt(mass[i] * mass[i + 1])
        assert LZ(mid) == pytest.approx(math.sqrt(limit[i] * limit[i + 1]), rel=1e-12)


def test_continuation_outside_the_published_range():
    """No limit below the lightest published mass; ∝ m above the heaviest, which is how the
    published curves themselves behave over their last decade (log-slope within 5% of 1)."""
    assert math.isnan(LZ(8.99)) and math.isnan(direct.lz_si_limit(8.0))
    assert math.isnan(limits.XENONNT_2025_SI(9.5))
    for curve in (LZ, limits.XENONNT_2025_SI, limits.XENONNT_2025_SD_NEUTRON, limits.XENONNT_2025_SD_PROTON,
                  limits.XENON1T_2018_SI):
        mass, limit, _ = curve.table
        j = int(np.searchsorted(mass, 1000.0))
        slope = math.log(limit[-1] / limit[j]) / math.log(mass[-1] / mass[j])
        assert slope == pytest.approx(1.0, abs=0.05), curve.label
        assert curve(3 * mass[-1]) == pytest.approx(3 * limit[-1], rel=1e-12)


def test_spin_dependent_curves_are_weaker_and_proton_weaker_than_neutron():
    """Xenon's spin is carried by its odd neutron (¹²⁹Xe, ¹³¹Xe): the SD-neutron limit lies
    orders of magnitude above SI and the SD-proton one about 30× above that (XENONnT Fig. of
    arXiv:2502.18005) — a check that the files were not swapped."""
    for m in (30.0, 100.0, 1000.0):
        si = limits.XENONNT_2025_SI(m)
        sd_n = limits.XENONNT_2025_SD_NEUTRON(m)
        sd_p = limits.XENONNT_2025_SD_PROTON(m)
        assert 1e4 < sd_n / si < 1e7
        assert 10 < sd_p / sd_n < 100


def test_direct_detection_uses_the_lz_curve():
    assert direct.lz_si_limit(40.0) == LZ(40.0)
    assert direct.lz_si_limit(700.0) == pytest.approx(LZ(700.0))
