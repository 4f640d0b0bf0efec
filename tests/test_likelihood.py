"""Named likelihoods: the seeds' χ² conventions, flavio's FastLikelihood, the registry and CLI."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

from bridge import likelihoods as lk
from bridge.cli import main
from bridge.errors import InputError
from bridge.likelihoods import ModelPoint


def sm_point() -> ModelPoint:
    return ModelPoint({}, 160.0)


def seed_point(c9v=-0.55, c10v=0.49, c9u=-0.35, c10u=-0.35, damu=2.51e-9) -> ModelPoint:
    """A point carrying the matching breakdown (F_Ib's form) with the given values."""
    contrib = {"C9_bsmumu_box": complex(c9v, 1e-3), "C10_bsmumu_box": c10v,
               "C9_photon_penguin": c9u - 0.05, "C9_Z_penguin": 0.05, "C10_Z_penguin": c10u}
    return ModelPoint({"C9_bsmumu": c9v + c9u, "C10_bsmumu": c10v + c10u}, 160.0, contrib,
                      {"Delta_a_mu": damu})


# ---------------------------------------------------------------------------
# seed 001 (seed2023)
# ---------------------------------------------------------------------------
def test_seed2023_chi2_sm_reproduces_the_seed():
    """physics.md §12: symmetrised errors, C9U and C10U separate: χ²_SM = 22.7537, and with the
    seed's χ²_min = 1.52 this is its Δχ² = 21.23."""
    lik = lk.get_likelihood("seed2023")
    res = lik.evaluate(sm_point())
    assert res.chi2 == pytest.approx(22.75, abs=0.01)
    assert res.chi2_sm == pytest.approx(22.7537, abs=1e-4)
    assert res.chi2_sm - 1.52 == pytest.approx(21.23, abs=0.01)
    assert res.delta_chi2 == pytest.approx(0.0)
    assert len(res.terms) == 5 and res.dof == 5
    from scipy.stats import chi2

    assert res.p_value == pytest.approx(chi2.sf(22.7537, 5), rel=1e-4)


def test_seed2023_terms_and_pulls():
    lik = lk.get_likelihood("seed2023")
    assert lik.evaluate(seed_point()).chi2 == pytest.approx(0.0, abs=1e-20)
    res = lik.evaluate(seed_point(c9v=-0.55 + 0.455, damu=2.51e-9 - 2 * 0.59e-9))
    pulls = {t.name: t.pull for t in res.terms}
    assert pulls["C9V_mu"] == pytest.approx(1.0)
    assert pulls["Delta_a_mu"] == pytest.approx(-2.0)
    assert res.chi2 == pytest.approx(5.0)
    assert all(t.sm == 0.0 for t in res.terms)
    # C9U = photon + Z penguin: the split inside seed_point must not matter
    assert {t.name: t.prediction for t in res.terms}["C9U"] == pytest.approx(-0.35)


def test_seed_breakdowns_and_fallback():
    values = {"C9V_mu": -0.4, "C10V_mu": 0.3, "C9U": -0.1, "C10U": 0.05}
    plugin_style = ModelPoint({}, 160.0, {k: complex(v, 0.01) for k, v in values.items()})
    got, how = lk.seed_coefficients(plugin_style)
    assert got == pytest.approx(values) and "plugin" in how
    # no breakdown: C9U = C9_bsee, C9V = C9_bsmumu - C9_bsee (F_IIb stores none)
    wc = {"C9_bsee": -0.1, "C9_bsmumu": -0.5, "C10_bsee": 0.05, "C10_bsmumu": 0.35}
    got, how = lk.seed_coefficients(ModelPoint(wc, 160.0))
    assert got == pytest.approx(values) and how.startswith("fallback")
    res = lk.get_likelihood("seed2023").evaluate(ModelPoint(wc, 160.0))
    assert any(n.startswith("fallback") for n in res.notes)


def test_seed2021_projects_on_c9_equal_minus_c10():
    lik = lk.get_likelihood("seed2021")
    res = lik.evaluate(ModelPoint({"C9_bsmumu": -0.39, "C10_bsmumu": 0.39}, 160.0, {},
                                  {"Delta_a_mu": 2.51e-9}))
    assert res.chi2 == pytest.approx(0.0, abs=1e-20)
    # the orthogonal direction C9 = C10 is not constrained by the 1D fit
    res = lik.evaluate(ModelPoint({"C9_bsmumu": -0.29, "C10_bsmumu": 0.49}, 160.0, {},
                                  {"Delta_a_mu": 2.51e-9}))
    assert res.chi2 == pytest.approx(0.0, abs=1e-20)
    assert res.chi2_sm == pytest.approx((0.39 / 0.07) ** 2 + (2.51 / 0.59) ** 2)


def test_chi2_accepts_a_model_point_and_combined_sums():
    point = seed_point(c9v=-0.2)
    both = lk.get_likelihoods(["seed2023", "seed2021"])
    assert isinstance(both, lk.CombinedLikelihood)
    single = [lk.get_likelihood(n).chi2(point) for n in ("seed2023", "seed2021")]
    assert both.chi2(point) == pytest.approx(sum(single))
    results = lk.evaluate_all(both, point, n_free=2)
    assert [r.name for r in results] == ["seed2023", "seed2021"]
    assert all(r.n_free == 2 for r in results)
    merged = both.evaluate(point)
    assert len(merged.terms) == 7 and merged.terms[0].name.startswith("seed2023: ")
    json.dumps([r.as_dict() for r in results], allow_nan=False)


def test_registry_errors():
    with pytest.raises(InputError, match="unknown likelihood 'nope'"):
        lk.get_likelihood("nope")
    with pytest.raises(InputError, match="given twice"):
        lk.get_likelihoods(["seed2023", "seed2023"])
    with pytest.raises(InputError, match="no likelihood"):
        lk.get_likelihoods([])
    if not lk.SmelliLikelihood.available():
        with pytest.raises(InputError, match="pip install smelli"):
            lk.get_likelihood("smelli")
    assert {"flavio", "flavio-2.7.1", "seed2023", "seed2021", "smelli"} <= set(lk.names())


def test_flavio_likelihood_pickles_without_its_state():
    lik = lk.get_likelihood("flavio")
    lik._states["{}"] = object()  # stands for a built FastLikelihood
    clone = pickle.loads(pickle.dumps(lik))
    assert clone._states == {} and clone.observables == lik.observables
    assert clone.measurements == lik.measurements


def test_today_measurements_replace_meg_and_add_belle2():
    assert "PDG 2017 mu LFV" in lk.MEASUREMENTS_FLAVIO
    assert "PDG 2017 mu LFV" not in lk.MEASUREMENTS_TODAY
    assert {"Belle II B+->Knunu 2023", "MEG II mu->egamma 2025"} <= set(lk.MEASUREMENTS_TODAY)
    assert len(lk.FLAVIO_OBSERVABLES) == 21


def test_cache_files_depend_on_sample_size_and_data():
    lik = lk.get_likelihood("flavio")
    a = lik.cache_files()
    assert lik.with_options(samples=50).cache_files() != a
    assert lik.with_options(seed=2).cache_files() != a
    assert lk.get_likelihood("flavio-2.7.1").cache_files() != a
    assert lik.cache_files({"m_b": 4.2}) != a
    assert lik.with_options().cache_files() == a


# ---------------------------------------------------------------------------
# command line (no flavio)
# ---------------------------------------------------------------------------
def test_cli_likelihoods_lists_all(capsys):
    assert main(["likelihoods", "-v"]) == 0
    out = capsys.readouterr().out
    for name in lk.names():
        assert f"\n{name} " in "\n" + out
    assert "MEG II mu->egamma 2025" in out and "arXiv:2103.13370" in out


def test_cli_run_unknown_likelihood_is_one_line(tmp_path, capsys):
    code = main(["run", "cards/F_Ib.slha", "--likelihood", "nope", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unknown likelihood 'nope'" in err
    assert not list(tmp_path.iterdir())


def test_commands_are_cheap_to_import():
    code = ("import sys, bridge.cli; bridge.cli._parser(); "
            "print(sorted(m for m in ('flavio', 'iminuit', 'wilson') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# flavio
# ---------------------------------------------------------------------------
SMALL = ("<Rmue>(B+->Kll)", "BR(Bs->mumu)", "BR(mu->egamma)", "BR(B+->Knunu)", "<P5p>(B0->K*mumu)",
         "a_mu")


@pytest.fixture
def small_flavio(tmp_path, monkeypatch):
    """The `flavio` likelihood on 10 of its observables with small N, in its own cache."""
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path))
    obs = [o for o in lk.FLAVIO_OBSERVABLES if o.name in SMALL]
    return lk.get_likelihood("flavio").with_options(observables=obs, samples=4, exp_samples=300)


@pytest.fixture
def f_ib_point():
    return ModelPoint({"C9_bsmumu": -0.48, "C10_bsmumu": 0.46, "C7_mumu": 0.26, "CL_bsnumunumu": -0.5},
                      160.0)


@pytest.fixture
def sorted_measurements(monkeypatch):
    """flavio with its measurements in sorted order (it iterates a set, see
    bridge.likelihoods.experimental_covariance), so that its seeded draws are the bridge's."""
    from flavio.statistics.likelihood import MeasurementLikelihood

    prop = MeasurementLikelihood.get_measurements
    monkeypatch.setattr(MeasurementLikelihood, "get_measurements",
                        property(lambda self: sorted(prop.fget(self))))


@pytest.mark.flavio
def test_flavio_likelihood_matches_a_hand_built_fastlikelihood(small_flavio, f_ib_point,
                                                                sorted_measurements):
    import flavio
    from flavio.statistics.likelihood import FastLikelihood

    from bridge.flavio_setup import make_wilson

    res = small_flavio.evaluate(f_ib_point)
    state = small_flavio.prepare()
    assert state.cold
    fl = FastLikelihood("test hand-built", observables=[o.key for o in small_flavio.observables],
                        include_measurements=list(lk.MEASUREMENTS_TODAY))
    np.random.seed(1)  # the bridge's default seed
    fl.make_measurement(N=4, Nexp=300)
    central, cov = fl.exp_covariance.get(force=False)
    assert np.allclose(central, state.central, rtol=1e-12, atol=0)
    assert np.allclose(cov, state.cov_exp, rtol=1e-9, atol=0)
    assert np.array_equal(fl.sm_covariance.get(force=False), state.cov_sm)
    par = flavio.default_parameters.get_central_all()
    w = make_wilson(f_ib_point.coefficients, f_ib_point.scale)
    hand = -2 * fl.log_likelihood(par, w, delta=True)
    assert res.chi2 == pytest.approx(hand, rel=1e-9)
    assert small_flavio.chi2_direct(f_ib_point) == pytest.approx(res.chi2, rel=1e-9)
    # χ²_SM: the same likelihood at zero coefficients
    assert small_flavio.evaluate(ModelPoint({}, 160.0)).chi2 == pytest.approx(res.chi2_sm, rel=1e-9)
    rk = next(t for t in res.terms if t.name == "<Rmue>(B+->Kll) [1.1,6]")
    assert rk.pull < -2 and "LHCb RK RK* 2022" in rk.source
    assert all(t.pull == pytest.approx((t.prediction - t.central) / t.sigma) for t in res.terms)
    assert res.dof == len(small_flavio.observables) == 10
    damu = next(t for t in res.terms if t.name.startswith("Delta a_mu"))
    assert damu.sm == 0.0 and damu.prediction == pytest.approx(2.3e-9, rel=0.1)


@pytest.mark.flavio
def test_flavio_covariances_are_cached_and_reused(small_flavio, f_ib_point, tmp_path):
    first = small_flavio.evaluate(f_ib_point).chi2
    sm_file, exp_file = small_flavio.cache_files()
    assert sm_file.exists() and exp_file.exists() and sm_file.parent == tmp_path
    again = small_flavio.with_options()  # a new object: loads the files
    assert again.evaluate(f_ib_point).chi2 == first
    assert not again.prepare().cold
    other_seed = small_flavio.with_options(seed=7)
    assert other_seed.cache_files() != (sm_file, exp_file)


FLAVIO_LIKELIHOODS = ["flavio", "flavio-2.7.1", "flavio-lfv", "flavio-lfv-projected", "flavio-quark"]


@pytest.mark.flavio
@pytest.mark.parametrize("name", FLAVIO_LIKELIHOODS)
def test_registered_flavio_likelihoods_are_consistent(name):
    """Every measurement exists and constrains an observable; every observable is measured,
    by exactly one of the measurements for the issue-16 likelihoods (nothing counts twice)."""
    import flavio
    from flavio.statistics.likelihood import MeasurementLikelihood

    lik = lk.get_likelihood(name)
    if lik.overlay:
        lk.register_overlay()
    for extra in lik.extra_overlays:
        lk.register_overlay(extra)
    keys = [o.key for o in lik.observables]
    ml = MeasurementLikelihood(keys, include_measurements=list(lik.measurements))
    assert sorted(ml.get_measurements) == sorted(lik.measurements)
    for m in lik.measurements:
        assert set(flavio.Measurement[m].all_parameters) & set(keys), m
    if name in ("flavio-lfv", "flavio-lfv-projected"):
        for k in keys:
            assert sum(k in flavio.Measurement[m].all_parameters for m in lik.measurements) == 1, k


def test_lfv_likelihoods_do_not_overlap_with_flavio():
    """flavio-lfv adds to flavio (μ→eγ only in flavio); flavio-quark shares no observable."""
    names = {n: {o.key for o in lk.get_likelihood(n).observables}
             for n in ("flavio", "flavio-lfv", "flavio-quark")}
    assert not names["flavio"] & names["flavio-lfv"]
    assert not names["flavio"] & names["flavio-quark"]
    assert not names["flavio-lfv"] & names["flavio-quark"]


@pytest.mark.flavio
def test_overlay_measurements():
    import flavio

    assert {"Belle II B+->Knunu 2023", "MEG II mu->egamma 2025", "SINDRUM mu->3e 1988",
            "Belle II tau->3mu 2024", "NA62 K+->pinunu 2024", "KOTO KL->pi0nunu 2024",
            "PDG DeltaM_K 2024"} <= set(lk.register_overlay())
    na62 = flavio.Measurement["NA62 K+->pinunu 2024"]
    assert na62.get_central_all()["BR(K+->pinunu)"] == pytest.approx(13.0e-11)
    assert na62.get_1d_errors_rightleft()["BR(K+->pinunu)"] == pytest.approx((3.3e-11, 3.0e-11), rel=0.05)
    projected = lk.register_overlay("measurements_projected.yml")
    mu2e = flavio.Measurement["Mu2e Run I projected"]
    np.random.seed(4)
    draws = mu2e.get_random_all(size=20000)["CR(mu->e, Al)"]
    assert np.quantile(draws, 0.9) == pytest.approx(6.2e-16, rel=0.05)
    assert "Mu3e phase I projected" in projected
    belle2 = flavio.Measurement["Belle II B+->Knunu 2023"]
    assert belle2.get_central_all()["BR(B+->Knunu)"] == pytest.approx(2.3e-5)
    up, down = belle2.get_1d_errors_rightleft()["BR(B+->Knunu)"]
    assert up == pytest.approx(np.hypot(0.5, 0.5) * 1e-5, rel=0.05)
    assert down == pytest.approx(np.hypot(0.5, 0.4) * 1e-5, rel=0.05)
    meg2 = flavio.Measurement["MEG II mu->egamma 2025"]
    np.random.seed(3)
    draws = meg2.get_random_all(size=20000)["BR(mu->egamma)"]
    assert np.quantile(draws, 0.9) == pytest.approx(1.5e-13, rel=0.05)


@pytest.mark.flavio
def test_cli_run_records_likelihoods(tmp_path, capsys):
    code = main(["run", "cards/F_Ib.slha", "--no-predictions", "--likelihood", "seed2023",
                 "--likelihood", "seed2021", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "likelihood seed2023: chi2 = 1.467" in out
    doc = json.loads((tmp_path / "F_Ib.json").read_text())
    names = [r["name"] for r in doc["likelihoods"]]
    assert names == ["seed2023", "seed2021"]
    seed = doc["likelihoods"][0]
    assert seed["chi2_sm"] == pytest.approx(22.7537, abs=1e-4)
    assert seed["delta_chi2"] == pytest.approx(seed["chi2_sm"] - seed["chi2"])
    assert [t["name"] for t in seed["terms"]] == ["C9V_mu", "C10V_mu", "C9U", "C10U", "Delta_a_mu"]


# ---------------------------------------------------------------------------
# smelli (optional; its wrapper is tested with a stand-in module)
# ---------------------------------------------------------------------------
def test_smelli_wrapper_with_a_stand_in(monkeypatch):
    import types

    class Point:
        def log_likelihood_dict(self):
            return {"likelihood_lfu_fcnc.yaml": 3.0, "likelihood_leptons.yaml": -0.5,
                    "likelihood_rd_rds.yaml": float("-inf"), "global": float("-inf")}

        def log_likelihood_global(self):
            return float("-inf")

    class GlobalLikelihood:
        def __init__(self, eft, basis):
            assert (eft, basis) == ("WET", "flavio")

        def parameter_point(self, w):
            assert w.wc.values["C9_bsmumu"] == -0.5
            return Point()

    fake = types.ModuleType("smelli")
    fake.GlobalLikelihood = GlobalLikelihood
    monkeypatch.setitem(sys.modules, "smelli", fake)
    monkeypatch.setattr(lk.SmelliLikelihood, "available", staticmethod(lambda: True))
    res = lk.get_likelihood("smelli").evaluate(ModelPoint({"C9_bsmumu": -0.5}, 160.0))
    assert [t.name for t in res.terms] == ["likelihood_leptons.yaml", "likelihood_lfu_fcnc.yaml",
                                           "likelihood_rd_rds.yaml"]
    assert res.chi2 == pytest.approx(-6.0 + 1.0 + 1e6)  # -inf clipped to chi2 = 1e6
    assert res.chi2_sm == 0.0 and res.relative and res.p_value is None
    # a sub-likelihood of many observables has no pull (it was a sign-flipped √|Δχ²|, issue 14)
    assert res.terms[1].chi2 == pytest.approx(-6.0) and res.terms[1].pull is None
    json.dumps(res.as_dict(), allow_nan=False)


# ---------------------------------------------------------------------------
# covariances shipped with the package
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", FLAVIO_LIKELIHOODS)
def test_shipped_covariances_match_the_default_configuration(name):
    """Guard: a change of observables, measurements, overlay or flavio needs
    write_shipped_covariances() to be rerun, or the first use is slow again."""
    lik = lk.get_likelihood(name)
    entry = lk.shipped_covariances().get(json.dumps(lik.cache_key(), sort_keys=True))
    assert entry is not None, "rerun bridge.likelihoods.write_shipped_covariances()"
    n = len(lik.observables)
    assert entry["observables"] == [o.label for o in lik.observables]
    cov = np.array(entry["sm_covariance"]) + np.array(entry["exp_covariance"])
    assert cov.shape == (n, n) and np.allclose(cov, cov.T)
    d = np.sqrt(np.diag(cov))
    assert np.all(np.linalg.eigvalsh(cov / np.outer(d, d)) > 0)  # scale-free


@pytest.mark.flavio
def test_shipped_covariances_reproduce_and_load(tmp_path, monkeypatch, sorted_measurements):
    """The experimental covariance is the first seeded draw of make_measurement, so redrawing
    it with seed 1 gives the shipped numbers exactly; and a first use with an empty cache takes
    the shipped covariances instead of drawing."""
    from flavio.statistics.likelihood import FastLikelihood

    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path))
    lik = lk.get_likelihood("flavio")
    entry = lk.shipped_covariances()[json.dumps(lik.cache_key(), sort_keys=True)]
    lk.register_overlay()
    fl = FastLikelihood("test shipped", observables=[o.key for o in lik.observables],
                        include_measurements=list(lik.measurements))
    state = np.random.get_state()
    np.random.seed(lik.seed)
    central, cov = fl.exp_covariance.get(lik.exp_samples)
    np.random.set_state(state)
    assert np.allclose(central, np.array(entry["exp_central"]), rtol=1e-12, atol=0)
    assert np.allclose(cov, np.array(entry["exp_covariance"]), rtol=1e-9, atol=0)
    st = lik.prepare()
    assert st.shipped and not st.cold
    assert lik.cache_files()[0].exists()  # and written to the disk cache
    assert st.chi2_sm > 0
