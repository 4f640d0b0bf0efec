"""Where chunks run: anything that is a ``concurrent.futures.Executor``.

* in-process (``--workers 1``): :class:`SerialExecutor`;
* a local process pool (default): ``ProcessPoolExecutor`` with the *spawn* start method,
  the same conditions as the remote backends (nothing inherited from the parent);
* Dask (``--scheduler tcp://HOST:PORT``): ``distributed.Client(address).get_executor()``,
  whose futures are ``concurrent.futures`` futures (dask/distributed cfexecutor.py);
* MPI (``--mpi``): ``mpi4py.futures.MPIPoolExecutor``; start the scan under
  ``mpiexec -n N python -m mpi4py.futures -m bridge.cli scan ...`` (1 master, N−1 workers).

The scan only uses ``submit`` and ``concurrent.futures.wait`` (ecosystem.md §6.2).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from bridge.errors import InputError


class SerialExecutor(Executor):
    """Runs each task when it is submitted, in this process."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it through the future
            future.set_exception(exc)
        return future


class Backend:
    """An executor, how many tasks to keep in flight, and how to close it."""

    def __init__(self, executor: Executor, slots: int, label: str, close=None):
        self.executor, self.slots, self.label = executor, max(1, int(slots)), label
        self._close = close

    def close(self) -> None:
        if self._close is not None:
            self._close()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def make_backend(workers: int | None = None, scheduler: str | None = None, mpi: bool = False) -> Backend:
    """The executor for ``--workers``, ``--scheduler`` or ``--mpi``."""
    if sum(bool(x) for x in (scheduler, mpi)) > 1:
        raise InputError("give either --scheduler or --mpi, not both")
    if scheduler:
        return _dask(scheduler)
    if mpi:
        return _mpi()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError("--workers must be >= 1")
    if workers == 1:
        return Backend(SerialExecutor(), 1, "in-process")
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return Backend(pool, workers, f"{workers} local processes",
                   close=lambda: pool.shutdown(wait=True, cancel_futures=True))


def _dask(address: str) -> Backend:
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'bridge-flavour[scan]'") from None
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {address}: cannot connect ({exc})") from None
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
    return Backend(client.get_executor(), max(1, threads), f"Dask at {address} ({threads} threads)",
                   close=client.close)


def _mpi() -> Backend:
    try:
        from mpi4py.futures import MPIPoolExecutor
    except ImportError:
        raise InputError("--mpi needs mpi4py and an MPI library: pip install mpi4py mpich") from None
    pool = MPIPoolExecutor()
    slots = getattr(pool, "num_workers", 1) or 1
    return Backend(pool, slots, f"MPI ({slots} workers)", close=lambda: pool.shutdown(wait=True))
