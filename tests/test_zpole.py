"""Z couplings of the leptons at one loop (bridge.zpole) against flavio's SMEFT Z-pole code.

* the Warsaw coefficients reproduce the vertex shifts in flavio's own smeftew.d_gVl, d_gAl,
  d_gVnu (their flavour-specific parts; the phil3 of muon decay shifts G_F universally, which
  is subtracted with flavio's d_gZb, d_sh2);
* the shift of a heavy neutral Dirac lepton + charged scalar loop is −Y/(16π²) with the
  charged-Higgs Z-penguin closed form (tests/test_lfv.py), equal for the e and μ couplings'
  ratio |l|², and zero for SU(2)-symmetric couplings without mixing;
* through flavio: a positive δg_L^μ (|g_L^μ| smaller) raises R_μ = Γ_had/Γ_μμ, and the bridge run
  table computes the R_ℓ rows from these coefficients.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import zpole
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings

pytestmark = pytest.mark.flavio


def heavy_lepton_sector(sm, l_e=0.3, l_mu=0.9):
    z = ZCouplings(np.array([[0.5]]), np.array([[0.0]]), np.array([[-0.5 + sm.s2w]]))
    return DarkSector((DarkFermion("N", 700.0, 0.0),), (DarkScalar("H-", 900.0, -1.0),),
                      {"e": [[l_e]], "mu": [[l_mu]]}, {}, z)


def test_vertex_shift_closed_form(sm):
    shifts = zpole.vertex_shifts(heavy_lepton_sector(sm), sm)
    y = (700.0 / 900.0) ** 2
    y_pen = -0.5 * 0.9**2 * y * (y - 1 - math.log(y)) / (y - 1) ** 2
    assert shifts["dgL_Z_mu"] == pytest.approx(-y_pen / (16 * math.pi**2), rel=1e-9)
    assert shifts["dgL_Z_e"] == pytest.approx(shifts["dgL_Z_mu"] * (0.3 / 0.9) ** 2, rel=1e-12)
    assert "dgR_Z_mu" not in shifts and "dgL_Z_nu_mu" not in shifts


def test_su2_symmetric_couplings_without_mixing_give_no_shift(sm):
    """A singlet fermion and a scalar doublet (η⁺, η⁰) coupling to (ν, ℓ)_L alike: no shift."""
    s2 = sm.s2w
    z = ZCouplings(np.array([[0.0]]), np.array([[0.0]]),
                   np.diag([-0.5 + s2, 0.5]).astype(complex))  # η⁻ (T3 −½, Q −1), η⁰* (T3 ½)
    sector = DarkSector((DarkFermion("N", 800.0, 0.0, majorana=True),),
                        (DarkScalar("eta-", 600.0, -1.0), DarkScalar("eta0", 600.0, 0.0)),
                        {"mu": [[0.9, 0.0]], "nu_mu": [[0.0, 0.9]]}, {}, z)
    assert zpole.vertex_shifts(sector, sm) == {}


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


def test_positive_shift_of_the_muon_coupling_raises_r_mu(sm):
    import flavio

    w = zpole.z_pole_wilson(zpole.warsaw_coefficients({"dgL_Z_mu": 1e-3}, sm))
    assert flavio.np_prediction("R_mu", w) > flavio.sm_prediction("R_mu")
    assert flavio.np_prediction("R_e", w) == pytest.approx(flavio.sm_prediction("R_e"), rel=1e-3)
