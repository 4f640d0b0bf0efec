"""One measurement set everywhere, and σ_th that every machine reproduces (issue 14 item 6).

* the `bridge run` table and the `flavio` likelihood compare with the same measurements, with
  the same numbers, named in the output (it showed Belle 2017 and MEG 2016 beside a likelihood
  using Belle II 2023 and MEG II 2025);
* σ_th is drawn through the Cholesky factor (numpy's SVD signs depend on the LAPACK build), in
  blocks each seeded on its own, with enough draws that pulls are stable, and shipped for the
  defaults.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest


# ---------------------------------------------------------------------------
# experiments: limits and measurements (no flavio)
# ---------------------------------------------------------------------------
def test_upper_limit_is_one_sided_with_chi2_2_71_at_a_90_percent_limit():
    from bridge.likelihoods.experiment import Experiment
    from bridge.observable import Observable

    meg = Experiment(Observable("BR(mu->egamma)"), ("MEG II mu->egamma 2025",), limit=1.5e-13, cl=0.9)
    assert meg.sigma == pytest.approx(1.5e-13 / 1.6448536, rel=1e-6)
    assert meg.chi2(1.5e-13) == pytest.approx(2.7055, rel=1e-4)  # the 90% one-sided Δχ²
    assert meg.chi2(0.0) == 0.0 and meg.chi2(-1e-13) == 0.0
    assert meg.outside(1.6e-13) and not meg.outside(1.4e-13)
    assert "exceeds the limit 1.5e-13 (90% CL, MEG II mu->egamma 2025)" in meg.flag_text("x", 5.5e-7)
    g = Experiment(Observable("BR(B->Xsgamma)"), ("B->Xgamma WA 2017",), central=3.27e-4, error=0.14e-4)
    assert g.pull(3.27e-4 + 3 * 0.14e-4) == pytest.approx(3.0)
    assert g.pull(3.27e-4 + 0.25e-4, sigma_th=0.2e-4) == pytest.approx(0.25 / math.hypot(0.14, 0.2))
    assert g.outside(3.27e-4 + 3.1 * 0.14e-4) and not g.outside(3.27e-4 + 2.9 * 0.14e-4)
    # a_mu is compared as Delta a_mu: the SM value is shifted out of both sides
    amu = Experiment(Observable("a_mu"), ("FNAL",), central=116592071.5e-11, error=14.5e-11)
    assert amu.pull(38.5e-11, 62e-11, shift=116592033e-11) == pytest.approx(0.0, abs=1e-6)


def test_draws_needed_follows_the_pull_precision():
    """N ≥ (κ − 1)/4 (2 · 5 f / 0.05)²: ~20000 where σ_th dominates (a_mu, ΔM_s), the minimum
    where it is negligible beside the experiment (R_K)."""
    from bridge.observables import CONFIDENCE, PULL_RANGE, PULL_TOLERANCE, draws_needed

    rng = np.random.default_rng(7)
    values = rng.normal(0.0, 1.0, 20000)
    n = draws_needed(values, sigma_exp=1e-9)  # f = 1
    assert n == pytest.approx(0.5 * (CONFIDENCE * PULL_RANGE / PULL_TOLERANCE) ** 2, rel=0.05)
    assert draws_needed(values * 5e-5, sigma_exp=0.047) < 50  # R_K: 5e-5 beside 0.047
    assert draws_needed(values, sigma_exp=None) == 0  # no measurement: nothing added
    # heavier tails need more draws (the error of a standard deviation grows with the kurtosis)
    assert draws_needed(rng.standard_t(5, 20000), 1e-9) > 1.5 * n


@pytest.mark.flavio
def test_portable_draws_do_not_depend_on_lapack(monkeypatch):
    """numpy's multivariate_normal takes an SVD whose signs are the LAPACK build's choice: with
    them flipped (another machine) its draws change, the bridge's do not."""
    import numpy.linalg

    from bridge.flavio_setup import parameter_constraints
    from bridge.observables import _random_arrays

    par = parameter_constraints({})
    ours = _random_arrays(par, 20, 3)
    state = np.random.get_state()
    np.random.seed(3)
    numpy_draws = par.get_random_all(size=20)
    np.random.set_state(state)
    original = numpy.linalg.svd

    def flipped(a, *args, **kw):
        u, s, vh = original(a, *args, **kw)
        return -u, s, -vh

    monkeypatch.setattr(numpy.linalg, "svd", flipped)
    again = _random_arrays(par, 20, 3)
    np.random.seed(3)
    numpy_flipped = par.get_random_all(size=20)
    np.random.set_state(state)
    multivariate = [k for k, v in numpy_draws.items() if not np.array_equal(v, numpy_flipped[k])]
    assert len(multivariate) > 50  # form factors etc.: numpy's draws moved
    assert all(np.allclose(ours[k], again[k], rtol=1e-12, atol=0) for k in ours)


@pytest.mark.flavio
def test_sigma_th_is_the_same_in_another_process(tmp_path):
    """Another process (other hash seed, other cache) draws the same σ_th."""
    from bridge.observables import CORE_OBSERVABLES, sm_uncertainty_draws

    specs = [s for s in CORE_OBSERVABLES if s.name == "BR(Bs->mumu)"]
    here = sm_uncertainty_draws(specs, {}, 20, 5)
    code = ("import json; from bridge.observables import CORE_OBSERVABLES, sm_uncertainty_draws; "
            "s=[x for x in CORE_OBSERVABLES if x.name == 'BR(Bs->mumu)']; "
            "print(json.dumps(sm_uncertainty_draws(s, {}, 20, 5)))")
    env = {"PYTHONHASHSEED": "4321", "BRIDGE_CACHE_DIR": str(tmp_path), "BRIDGE_PROGRESS": "0",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    there = json.loads(out.strip().splitlines()[-1])
    assert there[1] == here[1] and there[1]["BR(Bs->mumu)"] > 20  # draws were added
    assert there[0]["BR(Bs->mumu)"] == pytest.approx(here[0]["BR(Bs->mumu)"], rel=1e-12)


@pytest.mark.flavio
def test_default_sigma_th_is_shipped_and_pulls_are_stable(monkeypatch):
    """The defaults come from bridge/data/sm_uncertainties.json (no draws); another seed moves
    the Δa_μ pull of the F_Ib benchmark (+3.1) by less than 0.05."""
    from bridge import observables as obs
    from bridge.likelihoods.data import data_text

    shipped = json.loads(data_text(obs.SHIPPED_UNCERTAINTIES))["entries"][0]
    monkeypatch.setattr(obs, "_Draws", None)  # drawing would fail: the shipped entry is used
    errors, draws = obs.sm_uncertainty_draws(obs.RUN_OBSERVABLES, {}, 50, 1)
    assert errors == shipped["errors"] and draws == shipped["draws"]
    assert draws["a_mu"] > 10000 and draws["DeltaM_s"] > 10000 and draws["<Rmue>(B+->Kll) [1.1,6]"] == 50
    assert errors["a_mu"] == pytest.approx(62e-11, rel=0.02)  # WP25's SM error, as flavio holds it
    specs = [s for s in obs.CORE_OBSERVABLES if s.name == "a_mu"]
    assert obs.sm_uncertainty_draws(specs, {}, 50, 1)[0] == {"a_mu": errors["a_mu"]}  # a subset too
    monkeypatch.undo()
    other, _ = obs.sm_uncertainty_draws(specs, {}, 50, 2)
    np_shift, central, sigma_exp = 2.3363e-9, 3.8968e-10, 1.4406e-10  # the benchmark's row

    def pull(sigma_th):
        return (np_shift - central) / math.hypot(sigma_exp, sigma_th)

    assert abs(pull(other["a_mu"]) - pull(errors["a_mu"])) < 0.05


@pytest.mark.flavio
def test_every_measured_row_has_the_draws_its_pull_needs():
    """The flavour rows of the 32-row table kept the minimum 50 draws: their σ_exp was looked up
    in the `flavio` likelihood only, not in the set the table compares them with. ε_K (σ_th ten
    times σ_exp) needs ~10^4 draws for its pull to be stable to 0.05σ."""
    from bridge import observables as obs
    from bridge.likelihoods.data import data_text

    shipped = json.loads(data_text(obs.SHIPPED_UNCERTAINTIES))["entries"][0]
    sigma_exp = obs.experimental_sigmas(obs.RUN_OBSERVABLES)
    assert set(sigma_exp) == set(obs.row_experiments(obs.RUN_OBSERVABLES))  # every compared row
    assert "eps_K" in sigma_exp and "DeltaM_d" in sigma_exp and "a_e" in sigma_exp
    for label, s_exp in sigma_exp.items():
        s_th, n = shipped["errors"][label], shipped["draws"][label]
        f = s_th**2 / (s_th**2 + s_exp**2)
        # (κ − 1)/4 with κ = 2, lighter-tailed than any Gaussian draw (κ = 3): a lower bound
        need = min(obs.MAX_DRAWS, 0.25 * (obs.CONFIDENCE * obs.PULL_RANGE * f / obs.PULL_TOLERANCE) ** 2)
        assert n >= need, (label, n, need)


# ---------------------------------------------------------------------------
# the run table and the flavio likelihood
# ---------------------------------------------------------------------------
@pytest.mark.flavio
def test_run_table_and_flavio_likelihood_use_the_same_measurements():
    from bridge.likelihoods import ModelPoint, get_likelihood
    from bridge.observables import predict

    coefficients = {"C9_bsmumu": -0.48, "C10_bsmumu": 0.46, "CL_bsnumunumu": -0.5,
                    "C7_mumu": 0.26, "Cgamma_mue": 1e-11}
    rows = {p.flavio_name + str(p.q2 or ""): p for p in predict(coefficients, 160.0)}
    lik = get_likelihood("flavio")
    terms = {t.name: t for t in lik.evaluate(ModelPoint(coefficients, 160.0)).terms}
    by_label = {"Delta a_mu (a_mu - SM)": "a_mu"}
    checked = 0
    for name, t in terms.items():
        key = by_label.get(name, name)
        row = next((p for p in rows.values() if p.key == key), None)
        if row is None:
            continue  # the likelihood has more observables than the table
        for m in t.source.split(", "):
            assert m in row.measurement or row.experiment["kind"] == "upper limit", (name, m)
        if row.experiment["kind"] == "gaussian":
            assert row.exp_central == pytest.approx(t.central, rel=1e-12)
        checked += 1
    assert checked == 10
    # the measurements of today: Belle II 2023 and MEG II 2025, named in the table
    knunu = next(p for p in rows.values() if p.flavio_name == "BR(B+->Knunu)")
    assert "Belle II B+->Knunu 2023" in knunu.measurement
    assert knunu.exp_central == pytest.approx(1.31e-5, rel=0.01)
    meg = next(p for p in rows.values() if p.flavio_name == "BR(mu->egamma)")
    assert meg.experiment["limit"] == 1.5e-13 and "MEG II" in meg.measurement
    assert meg.flag and "exceeds the limit 1.5e-13" in meg.flag  # Cgamma_mue = 1e-11 GeV^-1
    kstar = next(p for p in rows.values() if p.flavio_name == "BR(B0->K*nunu)")
    assert kstar.experiment["limit"] == 1.8e-5  # Belle 2017's published limit, not 1.68e-5
