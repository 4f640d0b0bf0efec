"""A scan that stops before its end asks its Dask tasks to end (executors._DaskExecutor): a
Dask worker cannot be interrupted, and closing the client leaves a running task to compute its
chunk to the end for nothing."""

import time
import warnings

import pytest

from bridge.scan import executors

distributed = pytest.importorskip("distributed")

#: Seconds a task below runs when nothing ends it: far longer than a halt takes to arrive.
BOUND = 60.0


def _until_halted(started_key: str) -> str:
    """A task of parts: check_task between them, as runner.run_packed does."""
    distributed.Variable(started_key).set(True)
    end = time.monotonic() + BOUND
    while time.monotonic() < end:
        executors.check_task()
        time.sleep(0.01)
    return "ran to its end"


@pytest.fixture(scope="module")
def cluster():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      protocol="tcp", dashboard_address=None) as c:
            yield c


def _backend(cluster):
    return executors.make_backend(scheduler=cluster.scheduler_address)


def test_a_halt_ends_the_running_and_the_waiting_tasks(cluster):
    backend = _backend(cluster)
    try:
        keys = [f"started-{i}" for i in range(3)]
        futures = [backend.executor.submit(_until_halted, k) for k in keys]
        started = distributed.Variable(keys[0], client=distributed.get_client())
        started.get(timeout=30)  # the first task runs
        backend.executor.halt()
        for f in futures:  # two run (two threads), the third starts after the halt
            with pytest.raises(executors.Halted):
                f.result(timeout=30)
    finally:
        backend.close()


def test_tasks_of_another_scan_run_on(cluster):
    """The halt event is the scan's own: a second scan on the same cluster is not stopped."""
    first, second = _backend(cluster), _backend(cluster)
    try:
        first.executor.halt()
        assert second.executor.submit(sum, [1, 2]).result(timeout=30) == 3
        with pytest.raises(executors.Halted):
            first.executor.submit(_until_halted, "started-first").result(timeout=30)
    finally:
        first.close()
        second.close()


def test_close_with_halt_sets_the_event_before_the_client_closes(cluster):
    backend = _backend(cluster)
    future = backend.executor.submit(_until_halted, "started-close")
    distributed.Variable("started-close", client=distributed.get_client()).get(timeout=30)
    backend.close(halt=True)
    with distributed.Client(cluster.scheduler_address) as client:
        # the task's state as its worker sees it: it ended, with Halted, soon after the close
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not any(client.run(lambda dask_worker: len(dask_worker.state.executing)).values()):
                break
            time.sleep(0.05)
        assert not any(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())
    assert future.cancelled() or future.done()


@pytest.mark.slow
def test_a_ctrl_c_ends_the_dask_workers_chunk(tmp_path):
    """``bridge scan --scheduler``, a Ctrl-C while a Dask worker computes a chunk of 4·10⁵ F_Ib
    points (~5-10 s of work): the worker is idle within seconds of the scan's exit. Before the
    halt event it computed the chunk to its end (busy 9.7 s after the signal, 2026-12-02)."""
    import os
    import signal
    import subprocess
    import sys

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as c, distributed.Client(c) as client:
            def busy():
                return any(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())

            scan = subprocess.Popen(
                [sys.executable, "-m", "bridge.cli", "scan", "cards/F_Ib.slha",
                 "--vary", "MINPAR:1:20:1000:1000", "--vary", "MINPAR:2:100:2000:1000",
                 "--likelihood", "seed2021", "--scheduler", c.scheduler_address,
                 "--chunk-size", "400000", "-o", str(tmp_path / "r.db"), "-q"],
                env={**os.environ, "PYTHONWARNINGS": "ignore"})
            try:
                deadline = time.monotonic() + 120
                while not busy():
                    assert scan.poll() is None and time.monotonic() < deadline
                    time.sleep(0.1)
                time.sleep(1.0)  # into the chunk's parts
                assert busy()
                scan.send_signal(signal.SIGINT)
                assert scan.wait(timeout=60) == 130
                sent = time.monotonic()
                while busy() and time.monotonic() - sent < 30:
                    time.sleep(0.05)
                assert time.monotonic() - sent < 4.0, "the Dask worker computed on"
            finally:
                scan.kill()
                scan.wait()
