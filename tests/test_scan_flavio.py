"""bridge scan with flavio: the exact fast path, flavio's χ² in spawned workers, Dask, kill/resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")
GRID = ["MINPAR:1:50:900:5", "MINPAR:2:300:2000:4"]



def _small_flavio_likelihood():
    """A FlavioLikelihood of cheap observables with small covariance samples (seconds to build)."""
    from bridge.likelihoods.flavio_fast import FlavioLikelihood, _obs

    return FlavioLikelihood("flavio-small", (_obs("BR(Bs->mumu)"), _obs("DeltaM_s"), _obs("BR(B+->Knunu)")),
                            ("GSSS combination Bs->mumu 2022", "HFAG osc summer 2015",
                             "Belle B->hnunu SL 2017"), overlay=False, samples=8, exp_samples=400)


@pytest.mark.flavio
def assert_fast_equals_flavio(obs, reps, seed: int) -> None:
    """The representations ``reps`` of ``obs`` equal flavio (1e-9) at 3 random points of the
    whole coefficient space."""
    from bridge.scan import fastpath as fpm
    from bridge.scan import fastpath_build as fb

    fp = fpm.FastPath(obs, 160.0, {}, reps)
    u = fb.validation_points(3, seed=seed)
    fast = fp.evaluate(u)
    par = fb.flavio_parameters({})
    for i in range(3):
        direct = fb.direct_values(fpm.from_units(u[i]), 160.0, obs, par)
        for j, o in enumerate(obs):
            assert fast[o.label][i] == pytest.approx(direct[j], rel=1e-9), o.label


def test_build_is_exact_in_coefficient_space():
    """Representations built from flavio at designed points reproduce flavio at fresh random
    points of coefficient space (every coefficient at once, complex), to 1e-6 and better."""
    from bridge.observable import Observable
    from bridge.scan import fastpath as fpm
    from bridge.scan import fastpath_build as fb

    obs = [Observable("BR(Bs->mumu)"), Observable("DeltaM_s"), Observable("a_mu"),
           Observable("BR(mu->egamma)"), Observable("BR(B->Xsgamma)")]
    reps = fb.build(obs, 160.0, {}, workers=1, n_validation=2)
    assert {k: r.form for k, r in reps.items()} == {
        "BR(Bs->mumu)": "quadratic", "DeltaM_s": "deltam", "a_mu": "quadratic",
        "BR(mu->egamma)": "quadratic", "BR(B->Xsgamma)": "quadratic"}
    # what each reads: C10 (and C9, primed) of mumu; CVLL, CVRR; C7_mumu; Cgamma; C7, C8 (primed)
    names = {k: {fpm.VARIABLES[i].coefficient for i in r.variables} for k, r in reps.items()}
    assert {"C10_bsmumu", "C10p_bsmumu"} <= names["BR(Bs->mumu)"] <= {
        "C9_bsmumu", "C10_bsmumu", "C9p_bsmumu", "C10p_bsmumu"}
    assert names["DeltaM_s"] == {"CVLL_bsbs", "CVRR_bsbs"}
    assert names["a_mu"] == {"C7_mumu"} and names["BR(mu->egamma)"] == {"Cgamma_mue", "Cgamma_emu"}
    assert_fast_equals_flavio(obs, reps, seed=99)


@pytest.mark.flavio
def test_mixing_forms_are_exact_for_the_flavour_observables():
    """S_psiK, x12Im_D (functions of the phases of M_12 and Gamma_12) and bridge's DeltaM_K
    (2|M_12|) get exact forms on the B_d, D and K mixing coefficients: flavio at fresh random
    points of coefficient space (every coefficient at once), to 1e-9."""
    from bridge.observable import Observable
    from bridge.scan import fastpath as fpm
    from bridge.scan import fastpath_build as fb

    obs = [Observable("S_psiK"), Observable("x12Im_D"), Observable("DeltaM_K")]
    reps = fb.build(obs, 160.0, {}, workers=1, n_validation=2)
    assert [reps[o.label].form for o in obs] == ["cp_mixing", "x12im", "deltam"]
    names = {k: {fpm.VARIABLES[i].coefficient for i in r.variables} for k, r in reps.items()}
    assert names["S_psiK"] == {"CVLL_bdbd", "CVRR_bdbd"}
    assert names["x12Im_D"] == {"CVLL_ucuc", "CVRR_ucuc"}
    assert names["DeltaM_K"] == {"CVLL_sdsd", "CVRR_sdsd"}
    assert_fast_equals_flavio(obs, reps, seed=7)


def _model_points(name):
    """Random points of each model in ranges other than the tests' (complex couplings,
    near-degenerate masses): (card, --vary specs, values (n, axes))."""
    rng = np.random.default_rng(2027)
    if name == "F_Ib":
        vary = ["MINPAR:1:1:3000:2", "MINPAR:2:1:3000:2", "MINPAR:4:1:3000:2", "IMGAMMAQIN:2:-1:1:2",
                "IMGAMMALIN:2:-2:2:2", "GAMMAEIN:2:-1:1:2"]
        values = [[137.0, 1433.0, 811.0, 0.21, -0.7, -0.12],
                  [950.0, 950.0 * (1 + 1e-9), 950.0 * (1 - 2e-7), -0.3, 1.1, 0.05]]
    elif name == "F_IIb":
        vary = ["MINPAR:1:1:3000:2", "MINPAR:2:1:3000:2", "MINPAR:4:1:3000:2", "IMGAMMAQIN:3:-1:1:2",
                "GAMMALIN:2:-3:3:2"]
        values = [[742.0, 1310.0, 455.0, 0.17, 1.6], [1000.0, 1000.0 * (1 + 1e-8), 999.0, -0.25, -2.2]]
    else:
        vary = ["MINPAR:1:1:3000:2", "MINPAR:4:1:3000:2", "YSIN:2:-2:2:2", "CASASIBARRA:1:0:1:2"]
        values = [[1320.0, 715.0, 0.45, 0.33], [1200.0, 1200.0 * (1 + 1e-6), -0.9, 0.1]]
    values = np.array(values) * (1 + 1e-3 * rng.uniform(-1, 1, np.shape(values)))
    return str(ROOT / "cards" / f"{name}.slha"), vary, values


@pytest.mark.flavio
@pytest.mark.parametrize("name", ["F_Ib", "F_IIb", "scotogenic"])
def test_fast_path_equals_direct_flavio_on_every_model(tmp_path, name):
    """The shipped fast path against --route direct at model points, every observable of
    `bridge run` (Z-pole rows aside) and of the flavio likelihoods (b->s, LFV, quark flavour):
    max relative difference 1e-6 per observable."""
    from bridge.scan.fastpath_build import default_observables
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    card, vary, values = _model_points(name)
    extra = [":".join([o.name, *map(str, o.args)]) for o in default_observables()]
    common = dict(extra_observables=extra, progress=False)
    fast_ctx, _ = prepare(ScanOptions(card, vary, str(tmp_path / "f.db"), **common))
    assert fast_ctx.fastpath.direct == []  # every observable exact, from the shipped file
    assert {r.info["source"] for r in fast_ctx.fastpath.representations.values()} == {"shipped"}
    direct_ctx, _ = prepare(ScanOptions(card, vary, str(tmp_path / "d.db"), route="direct", **common))
    ids = np.arange(len(values))
    fast = run_chunk(fast_ctx, ids, values)
    direct = run_chunk(direct_ctx, ids, values)
    assert all(e is None for e in fast.errors + direct.errors), fast.errors + direct.errors
    assert set(fast.routes) == {"fast"} and set(direct.routes) == {"direct"}
    obs = [c for c in direct.columns if c.startswith("obs:")]
    assert len(obs) == len(fast_ctx.observables) == 42
    for c in obs:
        np.testing.assert_allclose(fast.columns[c], direct.columns[c], rtol=1e-6, atol=0, err_msg=c)


@pytest.mark.flavio
@pytest.mark.slow
def test_flavio_chi2_fast_serial_and_spawned_worker(tmp_path):
    """flavio χ² from the fast path = flavio's FastLikelihood; a spawned worker (which must
    rebuild its FastLikelihood from the covariance cache, ecosystem.md T4) = serial."""
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    lik = _small_flavio_likelihood()
    ids = np.arange(6)
    fast_ctx, _ = prepare(ScanOptions(CARD, GRID, str(tmp_path / "f.db"), likelihoods=[lik],
                                      observables=False, validate=4, progress=False))
    fast = run_chunk(fast_ctx, ids, fast_ctx.space.values(ids))
    direct_ctx, _ = prepare(ScanOptions(CARD, GRID, str(tmp_path / "d.db"), likelihoods=[lik],
                                        observables=False, route="direct", progress=False))
    serial = run_chunk(direct_ctx, ids, direct_ctx.space.values(ids))
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        spawned = pool.submit(run_chunk, direct_ctx, ids, direct_ctx.space.values(ids)).result()
    key = "chi2:flavio-small"
    assert np.all(np.isfinite(serial.columns[key])) and np.all(serial.columns[key] > 0)
    np.testing.assert_array_equal(spawned.columns[key], serial.columns[key])
    np.testing.assert_allclose(fast.columns[key], serial.columns[key], rtol=1e-6)
    for o in ("BR(Bs->mumu)", "DeltaM_s", "BR(B+->Knunu)"):
        np.testing.assert_allclose(fast.columns[f"pull:flavio-small:{o}"],
                                   serial.columns[f"pull:flavio-small:{o}"], rtol=1e-6, atol=1e-9)
    assert set(fast.routes) == {"fast"} and set(serial.routes) == {"direct"}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_dask_local_cluster_equals_serial(tmp_path):
    distributed = pytest.importorskip("distributed")
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, run

    common = dict(likelihoods=["seed2021"], observables=False, chunk_size=4, progress=False)
    run(ScanOptions(CARD, GRID, str(tmp_path / "serial.db"), workers=1, **common))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            summary = run(ScanOptions(CARD, GRID, str(tmp_path / "dask.db"),
                                      scheduler=cluster.scheduler_address, **common))
    assert summary.backend.startswith("Dask") and summary.stored == 20
    a = store.read(tmp_path / "serial.db")
    b = store.read(tmp_path / "dask.db")
    for c in ("id", "chi2:seed2021", "wc:C9_bsmumu:re", "mass:F0_1"):
        np.testing.assert_array_equal(a[c], b[c])


@pytest.mark.slow
def test_killed_scan_resumes_each_point_once(tmp_path):
    """SIGKILL a scan mid-way (some chunks committed, the scan unfinished), start the same
    command again: every point is stored exactly once and equals the point computed without
    interruption; the same points fail."""
    from bridge.scan import store
    from bridge.sm import cached_sm_inputs as sm_inputs

    sm_inputs({})  # cache the SM inputs (flavio) once, so the scan processes start fast
    db = tmp_path / "k.db"
    side = 150
    total = side * side
    cmd = [sys.executable, "-m", "bridge.cli", "scan", CARD, "--vary", f"MINPAR:1:20:1000:{side}",
           "--vary", f"MINPAR:2:100:2000:{side}", "--likelihood", "seed2021", "--no-observables",
           "--workers", "1", "--chunk-size", "250", "-o", str(db), "-q"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(cmd, env=env)
    seen = 0
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
            try:
                seen = store.stored_ids(db).size if db.exists() else 0
            except Exception:  # the file is being created: try again
                continue
            if seen >= 1000:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # killed for real: by the signal, mid-way (chunks committed, no end-of-run record)
    assert proc.returncode == -signal.SIGKILL
    killed = store.stored_ids(db)
    assert 1000 <= seen <= killed.size < total, (seen, killed.size)
    assert store.meta(db).get("last_run") is None
    assert np.unique(killed).size == killed.size

    subprocess.run(cmd, env=env, check=True, timeout=600)
    ids = store.stored_ids(db)
    assert ids.size == total  # each point once: no chunk of the killed run was stored again
    np.testing.assert_array_equal(np.sort(ids), np.arange(total))
    assert store.meta(db)["last_run"]["computed"] == total - killed.size

    ref = tmp_path / "ref.db"
    subprocess.run([*cmd[:-5], "--chunk-size", "5000", "-o", str(ref), "-q"], env=env, check=True,
                   timeout=600)
    a, b = store.read(db, failed=True), store.read(ref, failed=True)
    np.testing.assert_array_equal(a["id"], np.arange(total))
    np.testing.assert_array_equal(a["id"], b["id"])
    # the same few points are refused (F0_1 below 0.1 GeV: the loop functions' mass-ratio limit)
    np.testing.assert_array_equal(a["status"], b["status"])
    assert 0 < np.sum(a["status"] != 0) < 10
    assert list(a["error"][a["status"] != 0]) == list(b["error"][b["status"] != 0])
    assert set(a) == set(b)
    for c in a:
        if c not in ("id", "status", "error", "route"):
            np.testing.assert_allclose(a[c], b[c], rtol=1e-12, atol=0, err_msg=c)


@pytest.mark.slow
def test_mpi_scan_equals_serial(tmp_path):
    """mpi4py.futures under mpiexec (1 master, 2 workers) stores what a serial scan stores."""
    pytest.importorskip("mpi4py")
    import shutil

    mpiexec = shutil.which("mpiexec") or shutil.which("mpiexec", path=str(Path(sys.executable).parent))
    if mpiexec is None:
        pytest.skip("no mpiexec")
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, run
    from bridge.sm import cached_sm_inputs as sm_inputs

    sm_inputs({})
    common = ["--vary", GRID[0], "--vary", GRID[1], "--likelihood", "seed2021", "--no-observables", "-q"]
    run(ScanOptions(CARD, GRID, str(tmp_path / "serial.db"), likelihoods=["seed2021"], observables=False,
                    workers=1, progress=False))
    subprocess.run([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "-m", "bridge.cli", "scan",
                    CARD, *common, "--mpi", "--chunk-size", "3", "-o", str(tmp_path / "mpi.db")],
                   check=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    a, b = store.read(tmp_path / "serial.db"), store.read(tmp_path / "mpi.db")
    assert b["id"].size == 20
    for c in ("id", "chi2:seed2021", "wc:C9_bsmumu:re"):
        np.testing.assert_array_equal(a[c], b[c])
