"""A scan that stops before its end asks its Dask tasks to end (executors._DaskExecutor): a
Dask worker cannot be interrupted, and closing the client leaves a running task to compute its
chunk to the end for nothing."""

import time
import warnings
from pathlib import Path

import pytest

from bridge.scan import executors

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a task below runs when nothing ends it: far longer than a halt takes to arrive.
BOUND = 60.0


def _until_halted(started_key: str, bound: float = BOUND) -> str:
    """A task of parts: check_task between them, as runner.run_packed does."""
    distributed.Variable(started_key).set(True)
    end = time.monotonic() + bound
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
            assert f.result(timeout=30) is None  # ended by the halt (not "ran to its end")
    finally:
        backend.close()


def test_tasks_of_another_scan_run_on(cluster):
    """The halt event is the scan's own: a second scan on the same cluster is not stopped."""
    first, second = _backend(cluster), _backend(cluster)
    try:
        stopped = first.executor.submit(_until_halted, "started-first")
        distributed.Variable("started-first", client=distributed.get_client()).get(timeout=30)
        going = second.executor.submit(_until_halted, "started-second", 2.0)
        distributed.Variable("started-second", client=distributed.get_client()).get(timeout=30)
        first.executor.halt()
        assert stopped.result(timeout=30) is None
        assert going.result(timeout=30) == "ran to its end"
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
                [sys.executable, "-m", "bridge.cli", "scan", str(ROOT / "cards" / "F_Ib.slha"),
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


def _events(cluster) -> set:
    """The names of the events the scheduler holds."""
    with distributed.Client(cluster.scheduler_address) as client:
        return set(client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.extensions["events"]._events)))


def test_the_halt_event_is_forgotten_once_the_tasks_have_ended(cluster):
    """A halt whose tasks all ended within its wait clears the event (the scheduler keeps no
    name of it); one whose task did not end keeps it for that task."""
    backend = _backend(cluster)
    future = backend.executor.submit(_until_halted, "started-forget")
    distributed.Variable("started-forget", client=distributed.get_client()).get(timeout=30)
    backend.executor.halt()
    assert future.result(timeout=30) is None
    assert backend.executor._event not in _events(cluster)
    backend.close()

    slow = _backend(cluster)
    monkey = executors.HALT_WAIT
    try:
        executors.HALT_WAIT = 0.0  # the task cannot end within the wait
        stuck = slow.executor.submit(_until_halted, "started-stuck")
        distributed.Variable("started-stuck", client=distributed.get_client()).get(timeout=30)
        slow.executor.halt()
        assert slow.executor._event in _events(cluster)
        assert stuck.result(timeout=30) is None  # and it still ends on it
    finally:
        executors.HALT_WAIT = monkey
        slow.close()


def test_a_scheduler_that_does_not_answer_delays_the_stop_by_a_second_at_most(cluster):
    """The halt's request to the scheduler has EVENT_TIMEOUT: a scheduler that does not answer
    (stopped, overloaded) leaves the tasks to run on, and the stop goes on (it waited ~10 s)."""
    import asyncio

    class Silent:
        def __getattr__(self, name):
            async def never(**kwargs):
                await asyncio.sleep(60)
            return never

    class Client:
        def __init__(self, client):
            self.sync, self.scheduler = client.sync, Silent()

    backend = _backend(cluster)
    try:
        backend.executor._client = Client(backend.executor._client)
        start = time.monotonic()
        backend.executor.halt()
        assert time.monotonic() - start < executors.EVENT_TIMEOUT + 1.0
    finally:
        backend.close()


def test_workers_of_another_bridge_are_refused_before_any_task(cluster, monkeypatch):
    """A cluster whose workers run another bridge (another DASK_PROTOCOL: an earlier one lacked
    the halt's task function, and its workers left the cluster on the first task) is refused
    in one line naming the scheduler, before a task is sent; the look itself is the one the
    other tests' workers answered (their protocol equals this one)."""
    from bridge.errors import InputError

    monkeypatch.setattr(executors, "_WORKER_PROTOCOL", lambda: 1)
    with pytest.raises(InputError, match="run an earlier bridge; install this bridge on them") as e:
        _backend(cluster)
    assert cluster.scheduler_address in str(e.value) and "\n" not in str(e.value)
    monkeypatch.setattr(executors, "_WORKER_PROTOCOL",
                        lambda: __import__("no_such_bridge_module"))
    with pytest.raises(InputError, match="run no bridge"):
        _backend(cluster)
