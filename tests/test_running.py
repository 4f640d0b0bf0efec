"""bridge.running against independent computations.

* the textbook LO solutions written out in closed form (BBL hep-ph/9512380; Buras–Misiak–Urban
  hep-ph/0005183 for the LR pair), not the module's matrix exponential;
* wilson's WETrunner below m_t (identical for the same α_s(M_Z) with wilson's QED switched off;
  within the neglected QED running with it on);
* the m_b(μ) in the C7 normalisation: tensor-current running × flavio's three-loop m_b(μ);
* the lepton-dipole QED factor: a quadrature of flavio's α_e(μ) and Degrassi–Giudice's
  1 − (4α/π) ln(M/μ) (hep-ph/9803384);
* group properties (identity, composition, inverse), continuity at the m_t threshold, the size of
  the residual matching-scale dependence, batches, bad names and scales.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import running

pytestmark = pytest.mark.flavio


@pytest.fixture(scope="module")
def par():
    import flavio

    return flavio.default_parameters.get_central_all()


def alpha_s(par, mu, nf):
    from flavio.physics.running.running import get_alpha_s

    return get_alpha_s(par, mu, nf_out=nf)


def alpha_e(par, mu, nf=None):
    from flavio.physics.running.running import get_alpha_e

    return get_alpha_e(par, mu, nf_out=nf)


def m_top_threshold():
    from flavio.config import config

    return config["RGE thresholds"]["mt"]


def dipole_closed_form(eta, nf, c7, c8):
    """C7, C8 after LO running (BBL): exponents γ_77/(2β_0), γ_88/(2β_0); mixing 8/3."""
    b0 = 11 - 2 * nf / 3
    a7, a8 = (32 / 3) / (2 * b0), (28 / 3) / (2 * b0)
    return eta**a7 * c7 + 8 / 3 * (eta**a8 - eta**a7) * c8, eta**a8 * c8


def lr_closed_form(eta, nf, c1, c2):
    """(CVLR, CSLR) after LO running, γ = [[2, 12], [0, −16]] (BMU): C2 gets 12/(2+16) = 2/3."""
    b0 = 11 - 2 * nf / 3
    a1, a2 = 2 / (2 * b0), -16 / (2 * b0)
    return eta**a1 * c1, eta**a2 * c2 + 2 / 3 * (eta**a1 - eta**a2) * c1


C7, C8 = -1.0138e-3 - 1.84e-5j, 3.0415e-3 + 5.51e-5j  # F_Ib benchmark values (bridge run)


def test_identity_when_the_scales_coincide(par):
    wcs = {"C7_bs": C7, "C8_bs": C8, "CVLL_bsbs": -9.5e-12, "C9_bsmumu": -0.48, "C7_mumu": 0.265}
    assert running.run_coefficients(wcs, 700.0, 700.0, par) == pytest.approx(wcs, rel=1e-15)


def test_dipoles_five_flavours_textbook(par):
    eta = alpha_s(par, 150.0, 5) / alpha_s(par, 4.8, 5)
    c7, c8 = dipole_closed_form(eta, 5, C7, C8)
    # the exponents for n_f = 5 as printed in the literature
    assert c7 == pytest.approx(eta ** (16 / 23) * C7 + 8 / 3 * (eta ** (14 / 23) - eta ** (16 / 23)) * C8)
    out = running.run_coefficients({"C7_bs": C7, "C8_bs": C8, "C7p_bs": 2 * C7, "C8p_bs": 2 * C8},
                                   150.0, 4.8, par)
    assert out["C7_bs"] == pytest.approx(c7, rel=1e-12)
    assert out["C8_bs"] == pytest.approx(c8, rel=1e-12)
    assert out["C7p_bs"] == pytest.approx(2 * c7, rel=1e-12)
    assert out["C8p_bs"] == pytest.approx(2 * c8, rel=1e-12)


def test_c8_alone_feeds_c7(par):
    out = running.run_coefficients({"C8_bs": 1.0}, 150.0, 4.8, par)
    eta = alpha_s(par, 150.0, 5) / alpha_s(par, 4.8, 5)
    assert out["C7_bs"].real == pytest.approx(8 / 3 * (eta ** (14 / 23) - eta ** (16 / 23)), rel=1e-12)
    assert out["C7_bs"].real > 0.09  # the size of the SM's C8 → C7 admixture (η ≈ 0.5)


def test_dipoles_six_flavours_textbook(par):
    eta = alpha_s(par, 2000.0, 6) / alpha_s(par, 300.0, 6)
    c7, c8 = dipole_closed_form(eta, 6, C7, C8)
    assert c7 == pytest.approx(eta ** (16 / 21) * C7 + 8 / 3 * (eta ** (14 / 21) - eta ** (16 / 21)) * C8)
    out = running.run_coefficients({"C7_bs": C7, "C8_bs": C8}, 2000.0, 300.0, par)
    assert out["C7_bs"] == pytest.approx(c7, rel=1e-12)
    assert out["C8_bs"] == pytest.approx(c8, rel=1e-12)


def test_dipoles_across_the_top_threshold(par):
    m_t = m_top_threshold()
    eta6 = alpha_s(par, 1000.0, 6) / alpha_s(par, m_t, 6)
    eta5 = alpha_s(par, m_t, 5) / alpha_s(par, 160.0, 5)
    c7, c8 = dipole_closed_form(eta5, 5, *dipole_closed_form(eta6, 6, C7, C8))
    out = running.run_coefficients({"C7_bs": C7, "C8_bs": C8}, 1000.0, 160.0, par)
    assert out["C7_bs"] == pytest.approx(c7, rel=1e-12)
    assert out["C8_bs"] == pytest.approx(c8, rel=1e-12)
    # the size the issue quotes for the missing running: ~15% on C7 alone from 1 TeV
    alone = running.run_coefficients({"C7_bs": 1.0}, 1000.0, 160.0, par)["C7_bs"].real
    assert 0.84 < alone < 0.87


def test_delta_f2_textbook(par):
    m_t = m_top_threshold()
    eta5 = alpha_s(par, 150.0, 5) / alpha_s(par, 4.8, 5)
    eta6 = alpha_s(par, 1500.0, 6) / alpha_s(par, m_t, 6)
    eta5_t = alpha_s(par, m_t, 5) / alpha_s(par, 160.0, 5)
    five = running.run_coefficients({"CVLL_bsbs": 1.0, "CVRR_bdbd": 2.0}, 150.0, 4.8, par)
    assert five["CVLL_bsbs"].real == pytest.approx(eta5 ** (6 / 23), rel=1e-12)
    assert five["CVRR_bdbd"].real == pytest.approx(2 * eta5 ** (6 / 23), rel=1e-12)
    six = running.run_coefficients({"CVLL_bsbs": 1.0}, 1500.0, m_t, par)
    assert six["CVLL_bsbs"].real == pytest.approx(eta6 ** (6 / 21), rel=1e-12)
    both = running.run_coefficients({"CVLL_bsbs": 1.0}, 1000.0, 160.0, par)["CVLL_bsbs"].real
    eta6_1000 = alpha_s(par, 1000.0, 6) / alpha_s(par, m_t, 6)
    assert both == pytest.approx(eta6_1000 ** (6 / 21) * eta5_t ** (6 / 23), rel=1e-12)
    assert 0.93 < both < 0.96  # ~6% from 1 TeV, as the issue says
    c1, c2 = 1.5 - 0.2j, 0.3 + 0.1j
    lr = running.run_coefficients({"CVLR_bsbs": c1, "CSLR_bsbs": c2}, 150.0, 4.8, par)
    e1, e2 = lr_closed_form(eta5, 5, c1, c2)
    assert lr["CVLR_bsbs"] == pytest.approx(e1, rel=1e-12)
    assert lr["CSLR_bsbs"] == pytest.approx(e2, rel=1e-12)
    lr6 = running.run_coefficients({"CVLR_sdsd": c1}, 1500.0, m_t, par)
    e1, e2 = lr_closed_form(eta6, 6, c1, 0.0)
    assert lr6["CVLR_sdsd"] == pytest.approx(e1, rel=1e-12)
    assert lr6["CSLR_sdsd"] == pytest.approx(e2, rel=1e-12)


def test_conserved_currents_do_not_run(par):
    wcs = {"C9_bsmumu": -0.48 - 0.01j, "C10_bsmumu": 0.46, "C9p_bsee": 0.1, "C10p_bstautau": 0.2,
           "CL_bsnumunumu": -0.51, "CR_bsnuenutau": 0.03, "C9_bdmumu": 0.4}
    assert running.run_coefficients(wcs, 1500.0, 160.0, par) == pytest.approx(wcs, rel=1e-15)


QCD_INPUTS = [
    {"C7_bs": C7}, {"C8_bs": C8}, {"C7p_bs": 0.3, "C8p_bs": -0.2}, {"C8_bd": 1.0}, {"C8_sd": 1.0},
    {"C7_cu": 1.0, "C8_cu": 0.5}, {"CVLL_bsbs": -9.5e-12}, {"CVRR_bsbs": 3e-12},
    {"CVLR_bsbs": 1e-12}, {"CSLR_bsbs": 1e-12}, {"CVLR_bdbd": 1e-12, "CSLR_bdbd": -2e-12},
    {"CVLL_ucuc": 1e-13}, {"C9_bsmumu": 1.0, "C10_bsmumu": -1.0, "CL_bsnumunumu": 0.5},
]


def wilson_run(wcs, mu_high, mu_low, qed_order):
    import wilson
    from wilson.wcxf import Basis

    sectors = tuple({sector for sector, names in Basis["WET", "flavio"].sectors.items()
                     for name in wcs if name in names})
    w = wilson.Wilson(wcs, scale=mu_high, eft="WET", basis="flavio")
    w.set_option("qed_order", qed_order)
    return w.match_run(mu_low, "WET", "flavio", sectors=sectors).dict


@pytest.mark.parametrize("wcs", QCD_INPUTS, ids=lambda d: "+".join(d))
def test_agrees_with_wilson_qcd_below_the_top(par, wcs):
    """wilson's WETrunner (LO, its default α_s(M_Z)) over 150 → 5 GeV, QED switched off."""
    from wilson.parameters import p as wilson_defaults

    same_alpha = {**par, "alpha_s": wilson_defaults["alpha_s"]}
    mine = running.run_coefficients(wcs, 150.0, 5.0, same_alpha)
    theirs = wilson_run(wcs, 150.0, 5.0, qed_order=0)
    scale = max(abs(v) for v in wcs.values())
    for name, value in mine.items():
        assert abs(value - theirs.get(name, 0.0)) < 1e-12 * scale, name
    assert set(mine) >= {k for k, v in theirs.items() if abs(v) > 1e-8 * scale}


@pytest.mark.parametrize("name, limit", [("C7_bs", 0.005), ("C8_bs", 0.003), ("CVLL_bsbs", 0.004),
                                         ("C7_mumu", 0.005), ("Cgamma_mue", 0.005)])
def test_agrees_with_wilson_default_within_the_qed_difference(par, name, limit):
    """wilson with its QED running on: the quark operators differ by the QED running this
    module neglects (measured 0.35% C7, 0.16% C8, 0.30% CVLL over 150 → 5 GeV); the lepton
    dipoles by wilson's fixed α_e(M_Z) at first order (0.33%, see the quadrature test)."""
    mine = running.run_coefficients({name: 1.0}, 150.0, 5.0, par)[name].real
    theirs = wilson_run({name: 1.0}, 150.0, 5.0, qed_order=1)[name].real
    assert abs(mine / theirs - 1) < limit
    assert abs(mine - 1) > 0.03  # and both do run


def test_c7_running_contains_the_running_b_mass(par):
    """C7 = c/(N e m_b(μ)): the dimensionful dipole runs with the tensor current (γ_T = 8/3), the
    normalisation with m_b(μ). flavio's three-loop m_b(150)/m_b(4.8), with its known NLO term
    divided out (γ_m^(1) = 404/3 − 40n_f/9, β_1 = 102 − 38n_f/3; BBL hep-ph/9512380), times the
    tensor running gives back the LO γ_77 = 32/3; the tensor current alone misses it by ~40%."""
    from flavio.physics.running.running import get_mb

    a_high, a_low = alpha_s(par, 150.0, 5), alpha_s(par, 4.8, 5)
    nf = 5
    b0, b1 = 11 - 2 * nf / 3, 102 - 38 * nf / 3
    g0, g1 = 8.0, 404 / 3 - 40 * nf / 9
    nlo_mass = 1 + (g1 / (2 * b0) - b1 * g0 / (2 * b0**2)) * (a_high - a_low) / (4 * math.pi)
    tensor = (a_high / a_low) ** ((8 / 3) / (2 * b0))
    rebuilt = tensor * get_mb(par, 150.0) / get_mb(par, 4.8) / nlo_mass
    factor = running.run_coefficients({"C7_bs": 1.0}, 150.0, 4.8, par)["C7_bs"].real
    assert factor == pytest.approx(rebuilt, rel=0.005)  # measured 0.17% (three-loop terms)
    assert abs(tensor / factor - 1) > 0.3


def test_lepton_dipole_qed_equals_the_integral_of_flavio_alpha_e(par):
    from scipy.integrate import quad

    for mu_high, mu_low in [(1000.0, 160.0), (2500.0, 90.0), (150.0, 5.0)]:
        integral, _ = quad(lambda t: alpha_e(par, math.exp(t)) / (4 * math.pi),
                           math.log(mu_low), math.log(mu_high),
                           points=[math.log(m_top_threshold())], epsabs=1e-13)
        expected = math.exp(-16.0 * integral)
        out = running.run_coefficients({"C7_mumu": 1.0, "Cgamma_emu": 2.0}, mu_high, mu_low, par)
        assert out["C7_mumu"].real == pytest.approx(expected, rel=1e-8)
        assert out["Cgamma_emu"].real == pytest.approx(2 * expected, rel=1e-8)


def test_lepton_dipole_qed_degrassi_giudice(par):
    """Δa^NP(μ) = Δa^NP(M)[1 − (4α/π) ln(M/μ)] (hep-ph/9803384) up to second order in αL."""
    mu_high, mu_low = 1000.0, 160.0
    alpha = alpha_e(par, math.sqrt(mu_high * mu_low))
    first_order = 4 * alpha / math.pi * math.log(mu_high / mu_low)
    factor = running.run_coefficients({"C7_ee": 1.0}, mu_high, mu_low, par)["C7_ee"].real
    assert abs(factor - (1 - first_order)) < first_order**2


def test_continuous_at_the_top_threshold(par):
    m_t = m_top_threshold()
    wcs = {"C7_bs": C7, "C8_bs": C8, "CVLL_bsbs": 1.0, "C7_mumu": 1.0}
    above = running.run_coefficients(wcs, m_t * (1 + 1e-9), 160.0, par)
    below = running.run_coefficients(wcs, m_t * (1 - 1e-9), 160.0, par)
    assert above == pytest.approx(below, rel=1e-7)
    down_above = running.run_coefficients(wcs, 1000.0, m_t * (1 + 1e-9), par)
    down_below = running.run_coefficients(wcs, 1000.0, m_t * (1 - 1e-9), par)
    assert down_above == pytest.approx(down_below, rel=1e-7)


@pytest.mark.parametrize("middle", [120.0, 400.0])
def test_composition_and_inverse(par, middle):
    wcs = {"C7_bs": C7, "C8_bs": C8, "CVLR_bsbs": 1.0, "CSLR_bsbs": 0.5, "C7_tautau": 1.0}
    direct = running.run_coefficients(wcs, 1200.0, 90.0, par)
    stepped = running.run_coefficients(running.run_coefficients(wcs, 1200.0, middle, par),
                                       middle, 90.0, par)
    assert stepped == pytest.approx(direct, rel=1e-12)
    back = running.run_coefficients(direct, 90.0, 1200.0, par)
    assert back == pytest.approx({**wcs, "C7_bs": C7}, rel=1e-12)


def test_residual_matching_scale_dependence_has_the_anomalous_dimension_size(par):
    """With the one-loop C7 fixed, d ln C7(μ_0)/d ln μ_M = −γ_77 α_s(μ_M)/(4π) (1 + O(α_s))."""
    mu_m, h = 1200.0, 1e-4
    values = [running.run_coefficients({"C7_bs": 1.0}, mu_m * math.exp(s), 160.0, par)["C7_bs"].real
              for s in (-h, h)]
    slope = (math.log(values[1]) - math.log(values[0])) / (2 * h)
    assert slope == pytest.approx(-32 / 3 * alpha_s(par, mu_m, 6) / (4 * math.pi), rel=0.05)


def test_batches_run_like_single_points(par):
    c7 = np.array([C7, 2 * C7, 0.0])
    c8 = np.array([C8, 0.0, 0.0])
    batch = running.run_coefficients({"C7_bs": c7, "C8_bs": c8}, 900.0, 160.0, par)
    for i in range(3):
        one = running.run_coefficients({"C7_bs": c7[i], "C8_bs": c8[i]}, 900.0, 160.0, par)
        assert batch["C7_bs"][i] == pytest.approx(one["C7_bs"], rel=1e-14)
        assert batch["C8_bs"][i] == pytest.approx(one["C8_bs"], rel=1e-14)


def test_mixing_only_adds_non_zero_partners(par):
    out = running.run_coefficients({"C7_bs": 1.0, "CVLL_bsbs": 1.0}, 900.0, 160.0, par)
    assert set(out) == {"C7_bs", "CVLL_bsbs"}  # γ_78 = 0: C7 does not feed C8


def test_unknown_coefficients_and_scales_are_refused(par):
    for name in ("CSLL_bsbs", "CVLL_bsbb", "CS_bsmumu", "C7_bb", "C9_bsmuex"):
        with pytest.raises(ValueError, match=name):
            running.run_coefficients({name: 1.0}, 1000.0, 160.0, par)
    with pytest.raises(ValueError, match="range"):
        running.run_coefficients({"C7_bs": 1.0}, 1000.0, 2.0, par)


def test_every_rule_names_a_flavio_coefficient():
    from wilson.wcxf import Basis

    known = set(Basis["WET", "flavio"].all_wcs)
    names = set(running._sectors_by_name())
    names |= {f"{c}_bs{l1}{l2}" for c in ("C9", "C10", "C9p", "C10p")
              for l1 in ("e", "mu", "tau") for l2 in ("e", "mu", "tau")}
    names |= {f"C{x}_bs{a}{b}" for x in "LR" for a in ("nue", "numu", "nutau")
              for b in ("nue", "numu", "nutau")}
    names |= {"C7_ee", "C7_mumu", "C7_tautau", "Cgamma_mue", "Cgamma_emu", "Cgamma_taumu",
              "Cgamma_mutau", "Cgamma_taue", "Cgamma_etau"}
    assert names <= known, sorted(names - known)
    for name in names:
        running.sector_of(name)  # no rule raises for a name it claims


def test_matching_scale_rules():
    masses = [188.6, -1000.5, 1012.0, 1200.0]  # signed Majorana masses are allowed
    assert running.matching_scale(masses) == 1200.0
    assert running.matching_scale(masses, "geometric") == pytest.approx(
        (188.6 * 1000.5 * 1012.0 * 1200.0) ** 0.25)
    assert running.matching_scale([500.0], "geometric") == pytest.approx(500.0)
    with pytest.raises(ValueError):
        running.matching_scale([])
    with pytest.raises(ValueError):
        running.matching_scale([100.0], "median")


def test_route_says_why():
    light = running.route([188.6, 1000.5, 1200.0])
    assert light.startswith("leading-log WET") and "188.6 GeV" in light and "not much heavier" in light
    heavy = running.route([1500.0, 2000.0])
    assert heavy.startswith("leading-log WET") and "Warsaw" in heavy
