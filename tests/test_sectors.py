"""bridge.sectors: the shipped map against wilson's basis and a fresh recording with flavio, and
the independence it claims checked against flavio's predictions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bridge import sectors
from bridge.observable import Observable

ROOT = Path(__file__).resolve().parents[1]
#: coefficients of F_Ib at its card point (b->s, B_s mixing, D mixing through the CKM, C7_mumu)
F_IB_LIKE = {"C9_bsmumu": -0.48 - 0.009j, "C10_bsmumu": 0.46, "C7_bs": -7e-4, "CVLL_bsbs": -9e-12,
             "CL_bsnumunumu": -0.51, "CVLL_ucuc": -3.9e-13 + 1e-14j, "C7_mumu": 0.27}


def test_relevant_drops_what_no_observable_reads():
    core = ["BR(Bs->mumu)", "DeltaM_s", "BR(B+->Knunu)"]
    kept = sectors.relevant(F_IB_LIKE, core)
    assert set(kept) == {"C9_bsmumu", "C10_bsmumu", "C7_bs", "CVLL_bsbs", "CL_bsnumunumu"}
    assert set(sectors.relevant(F_IB_LIKE, [*core, "a_mu"])) == set(F_IB_LIKE) - {"CVLL_ucuc"}
    # an observable without a record, or a coefficient of unknown sector: keep everything
    assert sectors.relevant(F_IB_LIKE, [*core, "BR(no such)"]) == F_IB_LIKE
    assert "C_nonsense" in sectors.relevant({**F_IB_LIKE, "C_nonsense": 1.0}, core)
    batch = {k: np.array([v, 0.0]) for k, v in F_IB_LIKE.items()}
    assert set(sectors.relevant(batch, core)) == set(kept)


def test_untouched_rows_are_the_ones_no_coefficient_reaches():
    assert sectors.untouched("BR(mu->egamma)", F_IB_LIKE)
    assert sectors.untouched(Observable("eps_K"), F_IB_LIKE)
    assert not sectors.untouched("x12Im_D", F_IB_LIKE)  # CVLL_ucuc
    # C7_mumu shares the dF=0 sector with a_e but was probed exempt; C7_ee is not
    assert sectors.untouched("a_e", F_IB_LIKE) and not sectors.untouched("a_mu", F_IB_LIKE)
    assert not sectors.untouched("a_e", {**F_IB_LIKE, "C7_ee": 1e-3})
    assert sectors.exempt("a_e") == {"C7_mumu", "C7_tautau"} and sectors.exempt("eps_K") == set()
    assert sectors.untouched("x12Im_D", {**F_IB_LIKE, "CVLL_ucuc": 0j})
    assert not sectors.untouched("R_e", F_IB_LIKE)  # no record (a Z-pole row)
    assert not sectors.untouched("BR(mu->egamma)", {"C_nonsense": 1.0})


@pytest.mark.flavio
def test_shipped_map_is_wilsons_basis_and_flavios_reads():
    doc = json.loads((ROOT / "bridge" / "data" / sectors.SHIPPED_FILE).read_text())
    assert doc["key"] == sectors._versions()
    assert doc["sectors"] == sectors.basis_sectors()
    labels = {o.label for o in sectors.known_observables()}
    assert set(doc["observables"]) == labels
    quick = [Observable(n) for n in ("BR(Bs->mumu)", "DeltaM_s", "BR(B+->Knunu)", "BR(mu->egamma)",
                                     "BR(tau->mugamma)", "x12Im_D", "eps_K", "DeltaM_d")]
    assert sectors.record_sectors(quick) == {o.label: doc["observables"][o.label] for o in quick}


@pytest.mark.flavio
@pytest.mark.parametrize("name", ["BR(Bs->mumu)", "DeltaM_s", "BR(B+->Knunu)", "BR(mu->egamma)",
                                  "x12Im_D", "eps_K", "BR(B0->mumu)"])
def test_coefficients_of_other_sectors_change_nothing(name):
    """flavio at random coefficients in the sectors the observable reads, then with random
    coefficients added in every other sector a bridge model feeds: identical; a coefficient of
    a read sector does change it."""
    import flavio

    from bridge.flavio_setup import make_wilson

    feeds = {"sb": ("C9_bsmumu", "C10_bsmumu", "C7_bs"), "sbsb": ("CVLL_bsbs",),
             "sbnunu": ("CL_bsnumunumu",), "dF=0": ("C7_mumu", "C7_ee"), "mue": ("Cgamma_mue",),
             "mutau": ("Cgamma_taumu",), "db": ("C9_bdmumu", "C10_bdmumu"), "dbdb": ("CVLL_bdbd",),
             "sdsd": ("CVLL_sdsd",), "sdnunu": ("CL_sdnumunumu",), "cucu": ("CVLL_ucuc",)}
    size = {"CVLL_bsbs": 1e-11, "CVLL_bdbd": 1e-12, "CVLL_sdsd": 1e-14, "CVLL_ucuc": 1e-13,
            "Cgamma_mue": 1e-13, "Cgamma_taumu": 1e-10}
    rng = np.random.default_rng(11)
    read = sectors.reads(name)

    def draw(names):
        return {n: size.get(n, 0.3) * complex(*rng.normal(size=2)) for n in names}

    par = flavio.default_parameters.get_central_all()

    def predict(coeffs):
        wc = flavio.WilsonCoefficients.from_wilson(make_wilson(coeffs, 160.0), par)
        return flavio.Observable[name].prediction_par(par, wc)

    mine = draw(n for s in read for n in feeds[s])
    others = draw(n for s, names in feeds.items() if s not in read for n in names)
    assert predict(mine) == predict({**mine, **others})
    assert predict(mine) != predict({k: 2 * v for k, v in mine.items()})


@pytest.mark.flavio
def test_lepton_dipole_exemptions_against_flavio():
    """a_τ with C7_ee and C7_μμ (exempt) is flavio's SM a_τ; with C7_ττ it is not. (a_e with
    F_Ib's C7_μμ: tests/test_runtable.py, against flavio at the card point.)"""
    import flavio

    from bridge.flavio_setup import make_wilson

    assert sectors.exempt("a_tau") == {"C7_ee", "C7_mumu"}
    par = flavio.default_parameters.get_central_all()
    obs = flavio.Observable["a_tau"]

    def predict(coeffs):
        return obs.prediction_par(par, flavio.WilsonCoefficients.from_wilson(make_wilson(coeffs, 160.0), par))

    sm = obs.prediction_par(par, flavio.WilsonCoefficients())
    assert predict({"C7_ee": 0.4 - 0.1j, "C7_mumu": -0.27 + 0.05j}) == sm
    assert predict({"C7_tautau": 0.01}) != sm
