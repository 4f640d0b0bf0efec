"""A local scan worker's start: what it takes from the scanning process (bridge.versions,
bridge.couplings.adopt through bridge.scan.executors.make_backend's ``setup``), and the
look-ups it no longer does on its own, against the ones they replace."""

from __future__ import annotations

import importlib.metadata
import math
from pathlib import Path

import numpy as np
import pytest

from bridge import couplings, versions

ROOT = Path(__file__).resolve().parent.parent
CARD = str(ROOT / "cards" / "F_Ib.slha")


@pytest.mark.parametrize("name", ["flavio", "wilson", "numpy", "pluggy"])
def test_installed_is_importlib_metadata(name):
    assert versions.installed(name) == importlib.metadata.version(name)
    assert versions.known()[name] == importlib.metadata.version(name)


def test_a_missing_distribution_raises_and_is_not_remembered():
    name = "no-such-distribution-of-bridge-tests"
    for _ in range(2):  # the second call looks again
        with pytest.raises(importlib.metadata.PackageNotFoundError):
            versions.installed(name)
    assert name not in versions.known()


def test_adopt_takes_strings_only(monkeypatch):
    monkeypatch.setattr(versions, "_KNOWN", {})
    with pytest.raises(TypeError):
        versions.adopt({"flavio": 2.7})
    versions.adopt({"flavio": "9.9-test"})
    assert versions.installed("flavio") == "9.9-test"  # adopted: not looked up again


def _alpha_e_alone(mu: np.ndarray, nf, alpha: float) -> np.ndarray:
    """Each scale as a batch of one (one n_f per call)."""
    return np.array([couplings.alpha_e(float(m), nf, alpha) for m in mu])


@pytest.mark.parametrize("nf", [None, 3, 4, 5, 6])
def test_alpha_e_batch_over_segments_equals_each_scale_alone(nf):
    """The batch's n_f segments (found without np.unique) against each scale alone, with
    scales in every segment, on the thresholds and repeated, in no order."""
    th = couplings.constants().thresholds
    mu = np.array([2.0, th["mc"], 1.0, th["mb"], 100.0, th["mt"], 3000.0, 4.5, 2.0, 91.1876, 1e5])
    for alpha in (couplings.constants().defaults["alpha_e"], 1 / 127.0):
        batch = couplings.alpha_e(mu, nf, alpha)
        assert batch.shape == mu.shape
        assert np.array_equal(batch, _alpha_e_alone(mu, nf, alpha))


def test_alpha_e_of_no_scale_and_of_one_segment():
    a = couplings.constants().defaults["alpha_e"]
    assert couplings.alpha_e(np.array([]), None, a).shape == (0,)
    assert couplings.alpha_e(np.array([]), 6, a).shape == (0,)
    with pytest.raises(ValueError):  # an n_f the function does not know, as before
        couplings.alpha_e(np.array([10.0]), 7, a)
    mu = np.linspace(5.0, 150.0, 7)  # all five-flavour
    assert np.array_equal(couplings.alpha_e(mu, None, a), couplings.alpha_e(mu, 5, a))


@pytest.fixture
def adopted_reset():
    yield
    couplings._ADOPTED = None
    couplings.constants.cache_clear()
    couplings._ADOPTED_LOG_CHECK = None
    couplings._numpy_log_is_libm.cache_clear()


def test_an_adopted_log_check_is_used_without_probing(monkeypatch, adopted_reset):
    """couplings.adopt_log_check: the scanning process's finding is taken as it is (the probe
    of numpy's log against math.log does not run), only a bool is taken, and the scales' logs
    follow it: numpy's where True, math.log scale by scale where False (the same numbers here
    only where the check holds)."""
    found = couplings.log_check()
    mu = np.array([1.5, 91.1876, 2.0e4])

    def no_probe():
        raise AssertionError("probed numpy's log again")

    monkeypatch.setattr(couplings, "_log_probe", no_probe)
    with pytest.raises(TypeError):
        couplings.adopt_log_check(1)
    for adopted in (not found, found):
        couplings.adopt_log_check(adopted)
        assert couplings.log_check() is adopted
        logs = couplings._logs(mu)
        assert np.array_equal(logs, np.log(mu) if adopted else [math.log(x) for x in mu.tolist()])


def test_adopted_constants_are_used_without_a_look_up(monkeypatch, adopted_reset):
    found = couplings.constants()
    before = couplings.alpha_s(np.array([3.0, 500.0]), 5, 0.118), couplings.alpha_e(700.0, None, 0.0078)

    def no_look_up():
        raise AssertionError("looked the versions up")

    monkeypatch.setattr(couplings, "_versions", no_look_up)
    copy = couplings.Constants(found.m_z, dict(found.thresholds), found.decoupling,
                               dict(found.defaults), dict(found.reference), found.exact)
    couplings.adopt(copy)
    assert couplings.constants() is copy
    after = couplings.alpha_s(np.array([3.0, 500.0]), 5, 0.118), couplings.alpha_e(700.0, None, 0.0078)
    assert np.array_equal(before[0], after[0]) and before[1] == after[1]
    with pytest.raises(TypeError):
        couplings.adopt(found.reference)


def test_local_workers_take_the_scanning_process_state(adopted_reset):
    """make_backend's ``setup`` runs in each local worker before its first task: the worker holds
    the scanning process's versions and constants, has not looked anything up itself, and knows
    it is a local worker."""
    from bridge.scan import runner
    from bridge.scan.executors import make_backend

    setup = runner._worker_setup()
    known, constants, log_check = setup[1]
    assert {"flavio", "wilson", "rundec"} <= set(known)
    backend = make_backend(workers=2, setup=setup)
    try:
        probe = ("(__import__('bridge.versions').versions.known(), "
                 "__import__('bridge.couplings').couplings.constants(), "
                 "'importlib.metadata' in __import__('sys').modules, "
                 "__import__('bridge.scan.executors').scan.executors.CHUNK_WORKER, "
                 "__import__('bridge.couplings').couplings._ADOPTED_LOG_CHECK)")
        results = [f.result(timeout=120) for f in [backend.executor.submit(eval, probe) for _ in range(4)]]
    finally:
        backend.close()
    for worker_known, worker_constants, metadata_imported, chunk_worker, worker_log in results:
        assert worker_known == known
        assert worker_constants == constants
        assert worker_log is log_check  # adopted, not None: the worker did not probe numpy's log
        assert not metadata_imported
        assert chunk_worker  # its chunks in parts of runner.COMPUTE_PART


def test_a_two_worker_scan_equals_the_in_process_one(tmp_path, monkeypatch):
    """Every stored column of a scan whose workers took the scanning process's state, bit for
    bit against the same scan in this process."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, run
    from bridge.scan.store import read

    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    setups = []  # the scanning process computes the workers' setup for a local pool only
    monkeypatch.setattr(runner, "_worker_setup", lambda real=runner._worker_setup: setups.append(1) or real())
    columns = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        run(ScanOptions(CARD, ["MINPAR:1:20:1000:9", "MINPAR:2:100:2000:7"], str(db),
                        likelihoods=["seed2021"], workers=workers, chunk_size=16, progress=False),
            say=lambda m: None)
        columns[workers] = read(db, failed=True)
        assert len(setups) == workers - 1
    one, two = columns[1], columns[2]
    assert set(one) == set(two) and len(one["id"]) == 63
    for name in one:
        a, b = one[name], two[name]
        if a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), name
        else:
            assert list(a) == list(b), name
    assert any(name.startswith("obs:") for name in one) and not math.isnan(float(one["chi2:seed2021"][0]))


def test_every_public_likelihood_name_is_its_module_s():
    """bridge.likelihoods imports its names on first use: each name of __all__ is the object
    of the module it comes from (as the eager imports gave), and an unknown one fails."""
    import importlib

    import bridge.likelihoods as L

    for name in L.__all__:
        module = importlib.import_module(f"bridge.likelihoods.{L._WHERE[name]}")
        assert getattr(L, name) is getattr(module, name), name
    assert set(L.__all__) <= set(dir(L))
    with pytest.raises(AttributeError):
        L.no_such_likelihood_name  # noqa: B018
    from bridge.likelihoods import GaussianLikelihood, get_likelihood

    assert isinstance(get_likelihood("seed2021"), GaussianLikelihood)


def test_a_worker_s_imports_leave_the_likelihood_machinery_out():
    """A worker imports bridge.scan.runner (and a `bridge scan` worker bridge.cli as its main
    module) and unpickles a seed likelihood; the flavio likelihood's and the registry's modules
    and importlib.metadata do not come with them."""
    import subprocess
    import sys

    # importlib.metadata counts only where pluggy and numpy alone do not import it (pluggy
    # versions differ)
    code = ("import sys, pluggy, numpy; before = 'importlib.metadata' in sys.modules; "
            "import bridge.cli, bridge.scan.runner, bridge.likelihoods.gaussian; "
            "print(sorted(m for m in sys.modules if m in ('bridge.likelihoods.flavio_fast', "
            "'bridge.likelihoods.registry', 'bridge.likelihoods.covariances') "
            "or m == 'importlib.metadata' and not before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_package_names_and_submodules_are_attributes():
    """bridge.likelihoods' submodules are attributes on access (as when the package imported
    them), a missing one is an AttributeError, and bridge's lazy names are in dir()."""
    import subprocess
    import sys

    code = ("import bridge, bridge.likelihoods as L; print(L.registry.__name__, "
            "'__version__' in dir(bridge), 'evaluate' in dir(bridge)); "
            "print(hasattr(L, 'no_such_module'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["bridge.likelihoods.registry", "True", "True", "False"]


def test_random_sample_values_of_ids_in_any_order_equal_each_id_alone():
    """Space._random (the scanning process draws each chunk's values): the blocks of the ids
    (found with np.unique's inverse) give each id its own value, whatever the other ids: ids
    over several blocks, unsorted, repeated, one alone, none."""
    from bridge.scan import space as sp

    axes = [sp.Axis("A:1:1:2", "A:1", 1.0, 2.0, 0, False, None),
            sp.Axis("A:2:10:1000", "A:2", 10.0, 1000.0, 0, True, None)]
    s = sp.Space(axes, "random", 5 * sp._BLOCK, seed=7)
    rng = np.random.default_rng(3)
    ids = np.concatenate([rng.integers(0, s.size, 300), [0, sp._BLOCK - 1, sp._BLOCK, s.size - 1, 5, 5]])
    alone = np.concatenate([s.values(np.array([i])) for i in ids])
    assert np.array_equal(s.values(ids), alone)
    assert np.array_equal(s.values(np.sort(ids)), alone[np.argsort(ids, kind="stable")])
    assert s.values(np.array([], dtype=np.int64)).shape == (0, 2)
    assert len({tuple(v) for v in alone.tolist()}) == len(set(ids.tolist()))  # distinct points
