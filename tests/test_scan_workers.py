"""A scan worker's start-up: what it imports, how the pool starts (bridge.scan.executors)."""

import subprocess
import sys
from pathlib import Path


def test_worker_imports_leave_scipy_linalg_out():
    """A worker imports bridge.scan.runner (and a `bridge scan` worker bridge.cli as its main
    module); scipy.linalg (only the point-by-point running's expm needs it) must not come with
    them: it was ~0.25 CPU-s of every worker's start-up."""
    code = ("import sys, bridge.cli, bridge.scan.runner; "
            "print(sorted(m for m in sys.modules if m == 'scipy.linalg' or m.startswith('scipy.linalg.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_running_matrix_after_the_lazy_import():
    """The QCD evolution the lazily imported expm gives, against the closed form of the
    exponential of a triangular 2x2 matrix: the ΔF=2 LR ADM γ = [[a, b], [0, d]]
    (Buras-Misiak-Urban hep-ph/0005183), U = exp(t γᵀ) with t = ln η / (2 β0):
    U = [[e^{ta}, 0], [b (e^{ta} - e^{td}) / (a - d), e^{td}]]."""
    import math

    import numpy as np

    from bridge import running

    gamma = running.df2_lr_adm()
    (a, b), d = gamma[0], gamma[1, 1]
    sector = running.Sector(("CVLR_bsbs", "CSLR_bsbs"), gamma_s=gamma)
    eta = 1.7
    t = math.log(eta) / (2.0 * running.beta0_qcd(5))
    closed = np.array([[math.exp(t * a), 0.0],
                       [b * (math.exp(t * a) - math.exp(t * d)) / (a - d), math.exp(t * d)]])
    np.testing.assert_allclose(sector.matrix([(5, eta, 1.0)]), closed, rtol=1e-13, atol=0)


def test_exited_sees_a_process_end():
    """The fork server's workers watch the scanning process through executors._exited: False
    while it runs, True once it has exited (before anyone reaps it, and after), True at once
    for a pid that does not exist."""
    import time

    from bridge.scan.executors import _exited

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone = _exited(proc.pid)
        assert not gone()
        proc.kill()
        deadline = time.monotonic() + 10
        while not gone() and time.monotonic() < deadline:  # a zombie, not reaped yet
            time.sleep(0.01)
        assert gone()
    finally:
        proc.kill()
        proc.wait()
    assert gone()
    assert _exited(proc.pid)()  # reaped: no such process (unless the pid is reused at once)


def test_local_pool_forks_its_workers_from_the_fork_server():
    """Where the platform has a fork server, a local pool's workers are its children (not the
    scanning process's), they have bridge.scan.runner imported before any task, and closing the
    backend ends the server too."""
    import multiprocessing
    import os
    from multiprocessing import forkserver

    import pytest

    from bridge.scan.executors import make_backend

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform")
    backend = make_backend(workers=2)
    try:
        server = forkserver._forkserver._forkserver_pid
        assert server is not None
        parent, preloaded = backend.executor.submit(_parent_and_preloaded).result()
        assert parent == server != os.getpid()
        assert preloaded
    finally:
        backend.close()
    assert forkserver._forkserver._forkserver_pid is None


def _parent_and_preloaded():
    import os

    return os.getppid(), "bridge.scan.runner" in sys.modules



def test_no_fork_server_left_by_a_scan_without_a_pool(tmp_path):
    """run() starts the fork server before the set-up when it expects a local pool; a scan that
    then makes none (a resume with nothing left: one in-process worker) or is refused (another
    scan's file) stops it too, instead of leaving it to end after the scanning process."""
    import dataclasses
    from multiprocessing import forkserver

    import pytest

    from bridge.errors import InputError
    from bridge.scan.runner import ScanOptions, run
    from bridge.sm import cached_sm_inputs

    cached_sm_inputs({})  # flavio's SM inputs from the disk cache
    card = str(Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha")
    opts = ScanOptions(card, ["MINPAR:1:100:200:2", "MINPAR:2:500:900:2"], str(tmp_path / "r.db"),
                       likelihoods=["seed2021"], observables=False, workers=1, progress=False)
    assert run(opts, say=lambda m: None).stored == 4
    again = run(dataclasses.replace(opts, workers=2), say=lambda m: None)
    assert again.computed == 0 and again.backend == "in-process"
    assert forkserver._forkserver._forkserver_pid is None
    other = dataclasses.replace(opts, vary=["MINPAR:1:100:300:2", "MINPAR:2:500:900:2"], workers=2)
    with pytest.raises(InputError, match="holds a different scan"):
        run(other, say=lambda m: None)
    assert forkserver._forkserver._forkserver_pid is None


def test_a_chunk_in_parts_leaves_no_batch_of_one(monkeypatch, tmp_path):
    """run_packed splits a chunk into parts of equal size: 289 points of the 90 x 90 F_Ib grid
    (ids 320-608) with parts of at most 144 were 144 + 144 + 1, and point 608 alone, a batch
    of one, had C7_bs and C7p_bs 1-2 ulp from its batched value (the running's BLAS product,
    since taken through linalg.point_rows: tests/test_batch_independence.py). Every column
    read back equals the chunk computed in one call, bit for bit, and the batch of one agrees."""
    import numpy as np

    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk, run_packed
    from bridge.scan.store import fastpath_from, unpack
    from bridge.sm import cached_sm_inputs

    cached_sm_inputs({})
    card = str(Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha")
    ctx, _ = prepare(ScanOptions(card, ["MINPAR:1:20:1000:90", "MINPAR:2:100:2000:90"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False),
                     say=lambda m: None)
    ids = np.arange(320, 609)
    values = ctx.space.values(ids)
    whole = run_chunk(ctx, ids, values)
    alone = run_chunk(ctx, ids[-1:], values[-1:])  # the batch of one the parts once made
    for name in ("wc:C7_bs:re", "wc:C7_bs:im", "wc:C7p_bs:re", "wc:C7p_bs:im"):
        assert alone.columns[name][0] == whole.columns[name][-1], name
    monkeypatch.setattr(runner, "COMPUTE_PART", 144)
    packed, _, _ = run_packed(ctx, ids, values)
    i, cols, errors, routes, *_ = unpack(packed, ctx.space, fastpath_from(runner.fastpath_recipe(ctx)))
    assert i.tolist() == ids.tolist() and errors == whole.errors and routes == whole.routes
    for name, col in whole.columns.items():
        np.testing.assert_array_equal(cols[name], col, err_msg=name)
