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


def _csv_rows(name):
    """The shipped file read with the csv module, independently of limits._read."""
    import csv
    from importlib import resources

    text = (resources.files("bridge.darkmatter") / "data" / name).read_text()
    rows = list(csv.reader(s for s in text.splitlines() if s and not s.startswith("#")))
    return [tuple(float(x) for x in r) for r in rows[1:]]


@pytest.mark.parametrize("curve", [limits.XENONNT_2025_SD_NEUTRON, limits.XENONNT_2025_SD_PROTON,
                                   limits.XENONNT_2025_SI])
def test_xenonnt_curves_interpolate_the_shipped_csv(curve):
    """At a tabulated mass the file's value; halfway (in log m) between two, their geometric mean."""
    rows = _csv_rows(curve.file)
    assert len(rows) == 103 and rows[0][0] == 10.0
    m30, lim30, _ = rows[26]  # 33.5 GeV
    assert curve(m30) == pytest.approx(lim30, rel=1e-12)
    m31, lim31, _ = rows[27]
    assert curve(math.sqrt(m30 * m31)) == pytest.approx(math.sqrt(lim30 * lim31), rel=1e-12)
    if curve is limits.XENONNT_2025_SD_NEUTRON:  # the file's line, digit for digit
        assert (m30, lim30) == (33.516026509388425, 2.8662372676228162e-42)


def test_strongest_si_limit_is_lz_and_is_named():
    """The SI bound is the lower of LZ 2024 and XENONnT 2025 at each mass (LZ, 4-13× lower);
    between 9 and 10 GeV only LZ's curve exists; below 9 GeV none."""
    for m in (10.0, 40.0, 188.56, 3000.0, 2e4):
        value, who = limits.strongest(limits.CURRENT["si"], m)
        assert value == min(LZ(m), limits.XENONNT_2025_SI(m)) == LZ(m) and who == "LZ 2024"
        assert 4 < limits.XENONNT_2025_SI(m) / value < 13
    assert limits.strongest(limits.CURRENT["si"], 9.5) == (LZ(9.5), "LZ 2024")
    value, who = limits.strongest(limits.CURRENT["si"], 8.0)
    assert math.isnan(value) and who == ""
    # a curve that is stronger somewhere is picked there (the rule, not LZ by name)
    assert limits.strongest((limits.XENONNT_2025_SI, limits.XENON1T_2018_SI), 40.0) == \
        (limits.XENONNT_2025_SI(40.0), "XENONnT 2025")


def test_zero_sd_cross_section_has_ratio_zero():
    """A Majorana χ with Higgs exchange only (no axial couplings d_q): σ_SD = 0, ratios 0,
    finite limits."""
    c = direct.QuarkCouplings("F", True, 150.0, f_over_m=dict.fromkeys(direct.LIGHT + direct.HEAVY, 1e-8))
    sig = direct.native_cross_sections(c)
    assert sig["sd_p"] == sig["sd_n"] == 0.0 and sig["si_p"] > 0
    ex = direct.exclusion(150.0, 1e-47, 1e-47, 0.0, 0.0, direct.sd_amplitude_sign(c))
    assert ex.sd_p_ratio == ex.sd_n_ratio == ex.sd_ratio == 0.0
    assert ex.sd_n_limit == limits.XENONNT_2025_SD_NEUTRON(150.0) and ex.sd_experiment == "XENONnT 2025"
    assert ex.si_ratio == pytest.approx(1e-47 / LZ(150.0), rel=1e-12)


def test_combined_sd_ratio_is_the_xenon_rate_ratio():
    """Second route to (√r_p ± √r_n)²: the xenon SD rate ∝ (c_p a_p + c_n a_n)² with each
    published curve assuming the other coupling zero, so c_p/c_n = √(σ_lim^n/σ_lim^p); at fixed
    mass σ_N ∝ a_N². The ratio of the rate to the rate at the neutron-only limit must equal the
    combined ratio, for either relative sign of a_p and a_n."""
    m = 188.56
    lim_p, lim_n = limits.XENONNT_2025_SD_PROTON(m), limits.XENONNT_2025_SD_NEUTRON(m)
    c_p, c_n = math.sqrt(1 / lim_p), math.sqrt(1 / lim_n)  # amplitudes per unit √σ
    for a_p, a_n in ((3e-21, 1e-21), (3e-21, -1e-21), (-2e-21, 0.0)):
        rate = (c_p * a_p + c_n * a_n) ** 2
        ex = direct.exclusion(m, 0.0, 0.0, a_p**2, a_n**2, a_p * a_n)
        assert ex.sd_ratio == pytest.approx(rate / (c_n**2 * lim_n), rel=1e-12)
        assert ex.sd_p_ratio == pytest.approx(a_p**2 / lim_p, rel=1e-12)
    # Z exchange (isovector axial current: a_p ≈ −a_n) interferes destructively
    z = direct.QuarkCouplings("F", True, m, d={"u": 1e-8, "d": -1e-8, "s": 0.0})
    assert direct.sd_amplitude_sign(z) == -1.0


def test_point_above_the_sd_limit_is_flagged_and_penalised():
    """σ_SD^n above XENONnT's neutron-only limit: one flag with value, limit and experiment, and
    the direct-detection χ² carries the SD term (1.28 × ratio)²; SI below its limit adds its own
    small term, not a second SD one."""
    from bridge.darkmatter.summary import NUMBERS
    from bridge.likelihoods.darkmatter import Z90, DirectDetectionLikelihood
    from bridge.likelihoods.experiment import dark_matter_flags
    from bridge.likelihoods.point import ModelPoint

    m = 100.0
    sd_n = 3 * limits.XENONNT_2025_SD_NEUTRON(m)
    ex = direct.exclusion(m, 1e-49, 1e-49, 0.0, sd_n, 1.0)
    dm = dict.fromkeys(NUMBERS, 0.0)
    dm.update(vars(ex), candidate="F0_1", mass=m, sigma_sd_n=sd_n, omega_h2=0.05, error="", missing=[])
    (flag,) = dark_matter_flags(dm)
    assert flag == (f"sigma_SD(neutron) of F0_1 (m = 100 GeV) = {sd_n:.3g} cm^2 is 3 times the XENONnT 2025 "
                    f"neutron-only limit {sd_n / 3:.3g} cm^2 (90% CL)")
    res = DirectDetectionLikelihood().evaluate(ModelPoint({}, 160.0, dark_matter=dm))
    si, sd = res.terms
    assert sd.prediction == pytest.approx(3.0, rel=1e-12) and sd.chi2 == pytest.approx((Z90 * 3) ** 2)
    assert si.prediction == pytest.approx(1e-49 / LZ(m), rel=1e-12)
    assert res.chi2 == pytest.approx(si.chi2 + sd.chi2) and "XENONnT 2025" in sd.source
    # both nucleons below their own limits, together above on xenon: one flag for the combination
    both = direct.exclusion(m, 0.0, 0.0, 0.9 * limits.XENONNT_2025_SD_PROTON(m), 0.9 * sd_n / 3, 1.0)
    flags = dark_matter_flags({**dm, **vars(both)})
    assert len(flags) == 1 and "together" in flags[0] and f"{both.sd_ratio:.3g} times" in flags[0]
    assert dark_matter_flags({**dm, **vars(direct.exclusion(m, 0.0, 0.0, 0.0, 0.0, 1.0))}) == []
