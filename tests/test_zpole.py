"""Z couplings of the leptons at one loop (bridge.zpole) against flavio's SMEFT Z-pole code.

* the Warsaw coefficients reproduce the vertex shifts in flavio's own smeftew.d_gVl, d_gAl,
  d_gVnu (their flavour-specific parts; the phil3 of muon decay shifts G_F universally, which
  is subtracted with flavio's d_gZb, d_sh2);
* the shift of a heavy neutral Dirac lepton + charged scalar loop is −Y/(16π²) with the
  charged-Higgs Z-penguin closed form (tests/test_lfv.py), equal for the e and μ couplings'
  ratio |l|², and zero for SU(2)-symmetric couplings without mixing;
* through flavio: a positive δg_L^μ (|g_L^μ| smaller) raises R_μ = Γ_had/Γ_μμ, and the bridge run
  table computes the R_ℓ rows from these coefficients;
* the shipped exact representation of R_e, R_μ, R_τ (ratios of polynomials in the SMEFT
  coefficients) against flavio's public np_prediction at random points of that space, sparse
  and dense, δg from 1e-8 to 0.3, and through the pipeline on every shipped card: ≤ 1e-12
  relative; it is what the build makes with today's flavio; a damaged or foreign section, or
  coefficients outside its space, are not used.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from bridge import zpole
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings

ROOT = Path(__file__).resolve().parents[1]


def heavy_lepton_sector(sm, l_e=0.3, l_mu=0.9):
    z = ZCouplings(np.array([[0.5]]), np.array([[0.0]]), np.array([[-0.5 + sm.s2w]]))
    return DarkSector((DarkFermion("N", 700.0, 0.0),), (DarkScalar("H-", 900.0, -1.0),),
                      {"e": [[l_e]], "mu": [[l_mu]]}, {}, z)


@pytest.mark.flavio
def test_vertex_shift_closed_form(sm):
    shifts = zpole.vertex_shifts(heavy_lepton_sector(sm), sm)
    y = (700.0 / 900.0) ** 2
    y_pen = -0.5 * 0.9**2 * y * (y - 1 - math.log(y)) / (y - 1) ** 2
    assert shifts["dgL_Z_mu"] == pytest.approx(-y_pen / (16 * math.pi**2), rel=1e-9)
    assert shifts["dgL_Z_e"] == pytest.approx(shifts["dgL_Z_mu"] * (0.3 / 0.9) ** 2, rel=1e-12)
    assert "dgR_Z_mu" not in shifts and "dgL_Z_nu_mu" not in shifts


@pytest.mark.flavio
def test_su2_symmetric_couplings_without_mixing_give_no_shift(sm):
    """A singlet fermion and a scalar doublet (η⁺, η⁰) coupling to (ν, ℓ)_L alike: no shift."""
    s2 = sm.s2w
    z = ZCouplings(np.array([[0.0]]), np.array([[0.0]]),
                   np.diag([-0.5 + s2, 0.5]).astype(complex))  # η⁻ (T3 −½, Q −1), η⁰* (T3 ½)
    sector = DarkSector((DarkFermion("N", 800.0, 0.0, majorana=True),),
                        (DarkScalar("eta-", 600.0, -1.0), DarkScalar("eta0", 600.0, 0.0)),
                        {"mu": [[0.9, 0.0]], "nu_mu": [[0.0, 0.9]]}, {}, z)
    assert zpole.vertex_shifts(sector, sm) == {}


@pytest.mark.flavio
def test_warsaw_map_reproduces_flavio_smeftew(sm):
    import flavio
    from flavio.physics.zdecays import smeftew

    shifts = {"dgL_Z_mu": 3e-4, "dgR_Z_mu": -1e-4, "dgL_Z_nu_mu": 2e-4, "dgL_Z_e": 5e-5}
    wcs = zpole.warsaw_coefficients(shifts, sm)
    par = flavio.default_parameters.get_central_all()
    par["GF"] = sm.GF
    C = {name: 0.0 for name in ("phiD", "phiWB", "ll_1221")}
    for i in (1, 2, 3):
        for kind in ("phil1", "phil3", "phie"):
            C[f"{kind}_{i}{i}"] = wcs.get(f"{kind}_{i}{i}", 0.0)
    universal_v = smeftew.d_gZb(par, C) * smeftew.gV_SM("mu", par) + smeftew.d_sh2(par, C)
    universal_a = smeftew.d_gZb(par, C) * smeftew.gA_SM("mu", par)
    assert smeftew.d_gVl("mu", "mu", par, C) - universal_v == pytest.approx((3e-4 - 1e-4) / 2, rel=1e-12)
    assert smeftew.d_gAl("mu", "mu", par, C) - universal_a == pytest.approx((3e-4 + 1e-4) / 2, rel=1e-12)
    universal_nu = smeftew.d_gZb(par, C) * smeftew.gV_SM("numu", par)
    assert smeftew.d_gVnu("numu", "numu", par, C) - universal_nu == pytest.approx(2e-4 / 2, rel=1e-12)


@pytest.mark.flavio
def test_positive_shift_of_the_muon_coupling_raises_r_mu(sm):
    import flavio

    w = zpole.z_pole_wilson(zpole.warsaw_coefficients({"dgL_Z_mu": 1e-3}, sm))
    assert flavio.np_prediction("R_mu", w) > flavio.sm_prediction("R_mu")
    assert flavio.np_prediction("R_e", w) == pytest.approx(flavio.sm_prediction("R_e"), rel=1e-3)


# ---------------------------------------------------------------------------
# the exact representation of the Z-pole rows (fastpath.json, section z_pole)
# ---------------------------------------------------------------------------
def random_z_points(n: int, seed: int) -> list[dict[str, float]]:
    """Coefficient dicts: dense (all nine at once) and sparse (one to three), δg = C/(2√2 G_F)
    log-uniform in [1e-8, 0.3] with random signs; seeds other than the build's."""
    rng = np.random.default_rng(seed)
    norm = 2.0 * math.sqrt(2.0) * 1.1663787e-5  # C of δg = 1
    out = []
    for k in range(n):
        names = list(zpole.Z_COEFFICIENTS)
        if k % 2:
            names = list(rng.choice(names, size=1 + k % 3, replace=False))
        dg = 10.0 ** rng.uniform(-8.0, math.log10(0.3), len(names)) * rng.choice([-1.0, 1.0], len(names))
        out.append({str(c): float(x * norm) for c, x in zip(names, dg, strict=True)})
    return out


@pytest.mark.flavio
def test_shipped_z_pole_rows_are_flavios_at_random_points():
    import flavio

    assert set(zpole.shipped_representations()) == set(zpole.Z_POLE_OBSERVABLES)
    worst = 0.0
    for point in random_z_points(24, seed=11):
        fast = zpole.fast_values(point)
        w = zpole.z_pole_wilson(point)
        for name in zpole.Z_POLE_OBSERVABLES:
            ref = flavio.np_prediction(name, w)
            worst = max(worst, abs(fast[name] - ref) / abs(ref))
    assert worst <= 1e-12


@pytest.mark.flavio
def test_z_pole_rows_through_the_pipeline_on_every_card():
    """Every shipped card's vertex shifts: the row and its NP shift R − R_SM as flavio gives them."""
    import flavio

    from bridge.pipeline import evaluate
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm_inputs = cached_sm_inputs({})
    cards = sorted((ROOT / "cards").glob("*.slha"))
    assert len(cards) >= 19
    moved = 0
    r_sm = {name: flavio.sm_prediction(name) for name in zpole.Z_POLE_OBSERVABLES}
    for card in cards:
        _, model, info, inputs, scale, _ = load_point(str(card))
        ev = evaluate(model, inputs, sm_inputs, info=info, handover_scale=scale)
        z = zpole.warsaw_coefficients(ev.contributions, sm_inputs)
        assert z, card.name  # every card's dark loop shifts some lepton's Z couplings
        fast = zpole.fast_values(z)
        w = zpole.z_pole_wilson(z)
        for name in zpole.Z_POLE_OBSERVABLES:
            ref, ref_sm = flavio.np_prediction(name, w), r_sm[name]
            assert abs(fast[name] - ref) <= 1e-12 * abs(ref), (card.name, name)
            if abs(ref - ref_sm) > 1e-5 * abs(ref_sm):  # the shift itself, where it is sizeable
                moved += 1
                assert fast[name] - ref_sm == pytest.approx(ref - ref_sm, rel=1e-9), (card.name, name)
    assert moved >= 10


@pytest.mark.flavio
def test_shipped_z_pole_section_is_what_the_build_makes():
    from bridge.scan import fastpath_build

    fresh = fastpath_build.build_z_pole(n_validation=4)
    shipped = zpole.shipped_representations()
    u = np.array([[0.3, -0.1, 0.2, 1e-3, -0.05, 0.02, 0.0, 0.7, -0.4]])
    for name, rep in fresh.items():
        assert rep.form == "ratio" and rep.max_rel_diff <= zpole.Z_TOLERANCE
        for mine, theirs in zip(rep.components, shipped[name].components, strict=True):
            assert mine(u)[0] == pytest.approx(theirs(u)[0], rel=1e-14)


def test_z_pole_fast_values_without_flavio_and_their_limits(monkeypatch):
    """Read without flavio; coefficients outside the representation's space (another Warsaw
    coefficient, an imaginary part) give nothing; a foreign or damaged section is not used."""
    import sys

    from bridge.scan import fastpath as fpm

    values = zpole.fast_values({"phil1_22": 3e-8, "phil3_22": -1e-8, "phie_22": 2e-8})
    assert set(values) == set(zpole.Z_POLE_OBSERVABLES)
    # at zero the shipped SM values (flavio's own, stored independently by the run table); a
    # shift of the muon's couplings moves R_mu (and R_e, R_τ only through G_F: phil3_22)
    from bridge import runtable

    sm_rows = zpole.fast_values({})
    for name in zpole.Z_POLE_OBSERVABLES:
        assert sm_rows[name] == pytest.approx(runtable.shipped()[name][0], rel=1e-14)
    assert abs(values["R_mu"] / sm_rows["R_mu"] - 1) > 1e-6
    assert zpole.fast_values({"phie_22": 2e-8})["R_e"] == sm_rows["R_e"]
    assert zpole.fast_values({"phiWB": 1e-8}) == {}
    assert zpole.fast_values({"phil1_22": 1e-8 + 1e-9j}) == {}
    assert zpole.fast_values({"phil1_22": float("nan")}) == {}
    assert zpole.fast_values({"phil1_22": 0.0, "phiWB": 0}) == zpole.fast_values({})
    if "flavio" not in sys.modules:  # run alone: nothing above imported it
        assert "wilson" not in sys.modules
    doc = fpm.shipped()
    foreign = copy.deepcopy(doc)
    foreign["z_pole"]["key"]["flavio"] = "0.0"
    damaged = copy.deepcopy(doc)
    damaged["z_pole"]["entries"]["R_mu"]["components"][0]["index"] = [0, 1, 99]
    for bad in (foreign, damaged):
        monkeypatch.setattr(fpm, "shipped", lambda bad=bad: bad)
        assert zpole.fast_values({"phil1_22": 3e-8}) == {}
