"""bridge.runtable and `bridge fit` without flavio: the rows it computes are `bridge run`'s rows
(flavio compared), the rows it leaves to flavio are the right ones, and a seed-likelihood fit
on a shipped card imports neither flavio nor wilson (every row is an SM value or on the fast
path, the Z-pole rows included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bridge import runtable
from bridge.likelihoods.experiment import Experiment
from bridge.observable import Observable
from bridge.observables import RUN_OBSERVABLES

ROOT = Path(__file__).resolve().parents[1]
F_IB = str(ROOT / "cards" / "F_Ib.slha")
#: flavio's numbers computed here against those of the shipped table, computed on another
#: machine: BLAS kernels and numpy's SIMD routines (exp, log, ...) differ between CPUs in the
#: last bits (BR(B+->Knunu)'s SM value is 4.7061217712112416e-06 on an AVX-512 CPU with
#: OpenBLAS's SkylakeX kernels, 4.706121771211241e-06 in the table), so floats agree to this
#: relative difference, far below any table gone stale; everything else is identical.
ACROSS_MACHINES = 1e-12


def _same_data(a, b) -> bool:
    """``a`` equals ``b`` (JSON-like data, tuples), floats within :data:`ACROSS_MACHINES`."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= ACROSS_MACHINES * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_data(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_data(x, y) for x, y in zip(a, b, strict=True))
    return a == b
FREE = ["--free", "GAMMAEIN:2", "--free", "GAMMAQIN:2*GAMMAQIN:3", "--likelihood", "seed2021"]


@pytest.fixture(scope="module")
def f_ib_point():
    """F_Ib's card point: coefficients at 160 GeV and the Z-pole SMEFT coefficients."""
    from bridge.pipeline import evaluate
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs
    from bridge.zpole import warsaw_coefficients

    _, model, info, inputs, scale, _ = load_point(F_IB)
    sm = cached_sm_inputs({})
    ev = evaluate(model, inputs, sm, info=info, handover_scale=scale)
    return ev.coefficients, scale, warsaw_coefficients(ev.contributions, sm)


def test_f_ib_plan(f_ib_point):
    """b->s, B_s mixing, a_mu, D mixing (CVLL_ucuc) and the Z-pole rows (lepton vertex shifts,
    SMEFT): fast path; LFV, b->d, K and a_e, a_tau (C7_mumu exempt): SM values; none: flavio."""
    coefficients, scale, z_pole = f_ib_point
    sources, values = runtable.plan(coefficients, scale, {}, z_pole)
    core = [s.observable.label for s in RUN_OBSERVABLES[:10]]
    assert all(sources[k] == runtable.FAST_PATH for k in core if k != "BR(mu->egamma)")
    assert sources["BR(mu->egamma)"] == runtable.SM_VALUE  # no e-mu coupling on the card
    assert runtable.FLAVIO not in sources.values()
    assert sources["x12Im_D"] == sources["R_mu"] == runtable.FAST_PATH
    # F_Ib's dark loop couples to the muon only: R_e, R_tau move through G_F (phil3_22) alone
    assert sources["R_e"] == sources["R_tau"] == runtable.FAST_PATH
    assert sources["a_e"] == sources["a_tau"] == sources["eps_K"] == runtable.SM_VALUE
    assert values["eps_K"] == runtable.shipped()["eps_K"][0]
    # without the Z-pole shifts the Z-pole rows are the SM values
    assert runtable.plan(coefficients, scale, {}, {})[0]["R_mu"] == runtable.SM_VALUE


def test_what_sends_rows_to_flavio(f_ib_point):
    coefficients, scale, z_pole = f_ib_point
    # SMINPUTS overrides change the SM values: every row
    assert set(runtable.plan(coefficients, scale, {"alpha_s": 0.12}, z_pole)[0].values()) == {runtable.FLAVIO}
    # an override equal to flavio's value is none
    assert runtable.plan(coefficients, scale, {"alpha_s": 0.1184}, z_pole)[0] == \
        runtable.plan(coefficients, scale, {}, z_pole)[0]
    # another hand-over scale: no shipped fast path (the b->s rows), the SM rows stay
    other = runtable.plan(coefficients, 120.0, {}, z_pole)[0]
    assert other["BR(Bs->mumu)"] == runtable.FLAVIO and other["eps_K"] == runtable.SM_VALUE
    # a coefficient the fast path does not cover, in a sector a b->s row reads
    assert runtable.plan({**coefficients, "CS_bsmumu": 0.1}, scale, {}, z_pole)[0]["BR(Bs->mumu)"] \
        == runtable.FLAVIO
    # SMEFT coefficients the Z-pole representation does not cover: those rows go to flavio
    for extra in ({"phiWB": 1e-8}, {"phil1_22": 1e-8 + 1e-9j}):
        z_rows = runtable.plan(coefficients, scale, {}, {**z_pole, **extra})[0]
        assert [z_rows[k] for k in ("R_e", "R_mu", "R_tau")] == [runtable.FLAVIO] * 3


def test_without_flavio_the_rows_that_need_it_are_named():
    """In a fresh process: the table at F_Ib's card point with use_flavio=False."""
    code = ("import sys, json; from tests.test_runtable import table_without_flavio as t; "
            "print(json.dumps(t()), 'flavio' in sys.modules, 'wilson' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    doc, flavio, wilson = out.stdout.rsplit(" ", 2)
    assert (flavio, wilson.strip()) == ("False", "False")
    doc = json.loads(doc)
    assert doc["unchecked"] == []
    assert doc["keys"] == [s.observable.label for s in RUN_OBSERVABLES]
    # other SM inputs: no shipped SM values, every row would need flavio and is named
    assert doc["unchecked_with_overrides"] == doc["keys"]
    assert {f.split(" = ")[0] for f in doc["flags"]} == {"R_K [1.1,6]", "R_K* [1.1,6]", "Delta a_mu",
                                                          "x12Im_D"}


def table_without_flavio() -> dict:
    """(helper of the test above, run in a fresh process)"""
    from bridge.pipeline import evaluate
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs
    from bridge.zpole import warsaw_coefficients

    _, model, info, inputs, scale, _ = load_point(F_IB)
    sm = cached_sm_inputs({})
    ev = evaluate(model, inputs, sm, info=info, handover_scale=scale)
    z_pole = warsaw_coefficients(ev.contributions, sm)
    t = runtable.predict(ev.coefficients, scale, overrides={}, z_pole=z_pole, use_flavio=False)
    other = runtable.predict(ev.coefficients, scale, overrides={"alpha_s": 0.12}, z_pole=z_pole,
                             use_flavio=False)
    return {"unchecked": t.unchecked, "keys": [p.key for p in t.predictions],
            "flags": [p.flag for p in t.predictions if p.flag],
            "unchecked_with_overrides": other.unchecked}


@pytest.mark.flavio
def test_rows_without_flavio_are_bridge_runs_rows(f_ib_point):
    """Every row computed without flavio against bridge.observables.predict (flavio) at F_Ib's
    point: SM values and σ_th (the shipped table's) equal to :data:`ACROSS_MACHINES`,
    measurement and flag identical, fast-path values within the fast path's validation (1e-6;
    the Z-pole rows' exact representation 1e-12)."""
    from bridge.observables import predict

    coefficients, scale, z_pole = f_ib_point
    table = runtable.predict(coefficients, scale, overrides={}, z_pole=z_pole, use_flavio=False)
    offline = {p.key: p for p in table.predictions}
    specs = [s for s in RUN_OBSERVABLES if s.observable.label in offline]
    for ref in predict(coefficients, scale, overrides={}, specs=specs, z_pole=z_pole):
        mine = offline[ref.key]
        assert _same_data((mine.sm, mine.theory_error), (ref.sm, ref.theory_error)), ref.key
        assert (mine.draws, mine.measurement, mine.experiment, mine.exp_central) == (
            ref.draws, ref.measurement, ref.experiment, ref.exp_central), ref.key
        tol = 1e-6 if table.sources[ref.key] == runtable.FAST_PATH else 0.0
        if ref.key in ("R_e", "R_mu", "R_tau"):
            assert table.sources[ref.key] == runtable.FAST_PATH
            tol = 1e-12
        assert abs(mine.np - ref.np) <= tol * abs(ref.np), ref.key
        assert (mine.flag is None) == (ref.flag is None), ref.key
        if ref.pull is not None:
            assert mine.pull == pytest.approx(ref.pull, rel=1e-5, abs=1e-9), ref.key


@pytest.mark.flavio
def test_shipped_table_is_flavios(tmp_path):
    """The shipped table is what flavio computes today: every entry identical, its floats equal
    to :data:`ACROSS_MACHINES`."""
    fresh = tmp_path / "run_table.json"
    runtable.write_shipped(fresh)
    assert _same_data(json.loads(fresh.read_text()),
                      json.loads((ROOT / "bridge" / "data" / runtable.SHIPPED_FILE).read_text()))


def test_experiment_records_round_trip_and_are_checked():
    o = Observable("BR(mu->egamma)")
    limit = Experiment(o, ("MEG II",), limit=1.5e-13, cl=0.9)
    back = Experiment.from_record(o, json.loads(json.dumps(limit.record())))
    assert back.sigma == limit.sigma and back.limit == limit.limit  # no scipy needed for it
    gauss = Experiment(Observable("a_mu"), ("FNAL",), central=1.0, error=0.1)
    assert Experiment.from_record(gauss.observable, gauss.record()) == gauss
    for bad in ({**limit.record(), "limit_sigma": None}, {**gauss.record(), "error": float("nan")},
                {**gauss.record(), "limit": 1.0, "cl": 0.9, "limit_sigma": 0.5},
                {**gauss.record(), "measurements": "FNAL"}):
        with pytest.raises(ValueError):
            Experiment.from_record(o, bad)


# ---------------------------------------------------------------------------
# bridge fit
# ---------------------------------------------------------------------------
def run_fit(args, tmp_path) -> tuple[str, str, dict]:
    code = ("import sys; from bridge.cli import main; rc = main(sys.argv[1:]); "
            "print('RC', rc, 'flavio' in sys.modules, 'wilson' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, "fit", F_IB, *args, "-o", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "BRIDGE_PROGRESS": "0"})
    written = tmp_path / "F_Ib.fit.json"
    return out.stdout, out.stderr, json.loads(written.read_text()) if written.exists() else {}


@pytest.mark.slow
def test_fit_with_a_seed_likelihood_imports_neither_flavio_nor_wilson(tmp_path):
    """The whole default fit (MIGRAD, HESSE, the best-fit table with its flags) without
    importing flavio or wilson: every row of F_Ib's table is an SM value or on the fast path
    (the Z-pole rows too), so nothing is left unchecked and --no-flavio changes nothing."""
    out, err, doc = run_fit(FREE, tmp_path / "a")
    assert "RC 0 False False" in out, err
    assert "NOT CHECKED" not in out and "not checked" not in err
    assert doc["not_checked_at_best_fit"] == []
    assert doc["outside_experimental_limits"][0].startswith("Delta a_mu")
    sources = {p["key"]: p["source"] for p in doc["observables_at_best_fit"]}
    assert len(sources) == len(RUN_OBSERVABLES)
    assert set(sources.values()) == {"fast path", "SM value"}
    assert sources["DeltaM_s"] == sources["R_mu"] == "fast path" and sources["eps_K"] == "SM value"
    assert np.isfinite([p["np"] for p in doc["observables_at_best_fit"]]).all()
    assert doc["valid"] and doc["chi2_min"] < 1e-4
    out2, err2, doc2 = run_fit([*FREE, "--no-flavio"], tmp_path / "b")
    assert "RC 0 False False" in out2, err2
    assert doc2["observables_at_best_fit"] == doc["observables_at_best_fit"]


def test_no_flavio_is_refused_with_a_flavio_likelihood(tmp_path, capsys):
    from bridge.cli import main

    code = main(["fit", F_IB, "--free", "GAMMAEIN:2", "--likelihood", "seed2021", "--constraint",
                 "mu_egamma", "--no-flavio", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--no-flavio: likelihood" in err
    assert not list(tmp_path.iterdir())
