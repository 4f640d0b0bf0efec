"""Where chunks run: anything that is a ``concurrent.futures.Executor``.

* in-process (``--workers 1``): :class:`SerialExecutor`;
* a local process pool (default): ``ProcessPoolExecutor`` with the *spawn* start method,
  the same conditions as the remote backends (nothing inherited from the parent);
* Dask (``--scheduler tcp://HOST:PORT``): ``distributed.Client(address).get_executor()``,
  whose futures are ``concurrent.futures`` futures (dask/distributed cfexecutor.py);
* MPI (``--mpi``): ``mpi4py.futures.MPIPoolExecutor``; start the scan under
  ``mpiexec -n N python -m mpi4py.futures -m bridge.cli scan ...`` (1 master, N−1 workers).

The scan only uses ``submit`` and ``concurrent.futures.wait`` (ecosystem.md §6.2).

Workers die with the scan. A killed parent (SIGKILL, OOM killer) cannot shut its pool down,
and pool workers blocked on their task queue never see it go (they hold the queue's write
end themselves), nor does multiprocessing's resource tracker (its pipe stays open in the
workers). So every worker runs a watchdog thread (:func:`watch_parent`) that ends the worker
once its parent is gone; the resource tracker then sees its pipe close and exits too. MPI
workers on the master's host watch the master process; a remote rank is left to mpiexec,
which aborts the job when the master dies. A Dask scheduler and its workers belong to the
cluster: killing the scan leaves them, as it should, and starts no process here.

The Dask scheduler must be trusted: Dask deserialises (unpickles) what the scheduler and its
workers send, which can run any code in the scanning process.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait

from bridge import blas
from bridge.errors import InputError

#: Seconds between two checks of a worker's watchdog.
WATCH_INTERVAL = 0.5
#: Seconds to open the TCP connection to a Dask scheduler, and then for Dask's handshake.
CONNECT_TIMEOUT = 10.0
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?", re.ASCII)
_ADDRESS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[^\]]*\]|[^:/\[\]]*)"
                      r":(?P<port>[^:/]*)/?")


class SerialExecutor(Executor):
    """Runs each task when it is submitted, in this process. A SIGINT or SIGTERM raises in the
    task (bridge.interrupts.raising): in a scan's loop the handler only records them, and the
    task in this thread would run to its end."""

    def submit(self, fn, /, *args, **kwargs):
        from bridge import interrupts

        future: Future = Future()
        try:
            with interrupts.raising():
                result = fn(*args, **kwargs)
            future.set_result(result)
        except BaseException as exc:  # the caller sees it through the future
            future.set_exception(exc)
        return future


class Backend:
    """An executor, how many tasks to keep in flight, how to close it, and how to ask the
    tasks it runs to end early (``halt``: a local pool's :data:`HALT`)."""

    def __init__(self, executor: Executor, slots: int, label: str, close=None, halt=None):
        self.executor, self.slots, self.label = executor, max(1, int(slots)), label
        self._close, self._halt = close, halt
        self.closed = False

    def watch(self) -> None:
        """A look at the executor's health between waits (a local pool: _LocalPool.watch)."""
        watch = getattr(self.executor, "watch", None)
        if watch is not None:
            watch()

    def close(self, halt: bool = False) -> None:
        """Close the backend (once: a second call does nothing); ``halt``: the scan stops before
        its end (a signal, an error), so the chunks in flight, whose results nothing will store,
        are asked to end first, where the backend can (a local pool: :data:`HALT`), instead of
        being waited for."""
        if self.closed:
            return
        self.closed = True
        if halt and self._halt is not None:
            self._halt()
        if self._close is not None:
            self._close()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


#: In a local worker process: the shared counters of points done per task slot
#: (bridge.scan.runner.run_packed), set by the worker's initializer.
REPORTS = None
#: True in a local or MPI worker process (set by its initializer): a process that runs chunks
#: and holds nothing else (bridge.scan.runner.compute_part).
CHUNK_WORKER = False
#: In a local worker process: a flag in shared memory that the scanning process sets when its
#: scan stops before the end (Backend.close(halt=True)): the chunks in flight, whose results
#: nothing will store, end at their next part (:func:`check_task`, bridge.scan.runner.run_packed)
#: and the tasks still queued at once, so that the pool's shutdown does not wait for them. A
#: signal sent to the scanning process alone (``kill PID``, a workflow manager's
#: ``Popen.terminate()``) does not reach the workers, whose chunks it waited for (1.9-8.0 s
#: with ``--chunk-size 100000``, 2026-12-02). Asked, not killed: a worker killed while it
#: sends a result can leave a partial message on the result pipe, on which the pool's thread
#: then waits forever (a first version of this sent SIGTERM to the workers: the 12th stop of
#: a sweep hung, the pool's threads waiting on the result and the task pipes).
HALT = None


class Halted(Exception):
    """A local worker's task ended early: its scan stops (:data:`HALT`)."""


def make_backend(workers: int | None = None, scheduler: str | None = None, mpi: bool = False,
                 reports=None, setup=None) -> Backend:
    """The executor for ``--workers``, ``--scheduler`` or ``--mpi``. ``reports``: shared
    counters (multiprocessing.RawArray) local workers see as :data:`REPORTS`. ``setup``:
    (function, args) each local worker calls once when it starts (:func:`start_worker`): state
    this process has computed and checked for this installation, which a local worker (same
    machine, same installation) takes instead of doing it again; Dask and MPI workers, which
    may run elsewhere, do not get it."""
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
        tune_malloc()
        return Backend(SerialExecutor(), 1, "in-process")
    # one BLAS thread per worker: the workers are the parallelism, and a multi-threaded
    # OpenBLAS on top of them spins on the same cores (small matrix products 10-30x slower
    # on a loaded 2-core machine); spawned workers read this when they import numpy (a
    # user's own setting is kept: bridge.blas)
    blas.set_one()
    halt = multiprocessing.get_context("spawn").RawValue("b", 0)  # (see HALT)
    pool = _LocalPool(workers, mp_context=_WorkerContext(),
                      initializer=start_worker, initargs=(os.getpid(), reports, setup, halt))
    return Backend(pool, workers, f"{workers} local processes", close=lambda: close_pool(pool),
                   halt=lambda: setattr(halt, "value", 1))


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    """A spawned local worker that leaves without tearing its interpreter down. Once
    multiprocessing's own ending (the pool's worker loop returned, its finalizers run, its
    threads joined, stdout and stderr flushed) is done, the worker exits with that exit code
    through ``os._exit``: the interpreter's teardown (every module and object of numpy and the
    model freed one by one) took each worker 0.25-0.45 s of wall time at the end of every
    2-worker scan, which the scanning process waits for before it returns."""

    def _bootstrap(self, parent_sentinel=None):
        os._exit(super()._bootstrap(parent_sentinel))


class _WorkerContext(multiprocessing.context.SpawnContext):
    """The spawn start method, with :class:`_WorkerProcess` workers."""

    Process = _WorkerProcess


class _LocalPool(ProcessPoolExecutor):
    """The spawn pool of local workers, each started with SIGINT blocked. Ctrl-C reaches the
    terminal's whole process group; a worker still starting (interpreter, imports, the first
    task's unpickling, ~0.3-1 s) printed a KeyboardInterrupt traceback each, after the scan's
    one line. Blocked, the signal waits for :func:`start_worker`, whose handler
    (:func:`_worker_interrupted`) notes it.

    A worker killed while it sends a result (SIGKILL, the OOM killer) leaves part of a message
    on the result pipe; the pool's thread (concurrent.futures) waits for the rest forever, as
    this process holds a write end too: the pool never learns of the death, nor the scan, and
    its shutdown waits for that thread. :meth:`watch` (the scan's loop, every look) and
    :func:`close_pool` find a worker ended abnormally for :data:`STUCK_SECONDS` that the pool
    has not marked broken, kill the others (a dead worker breaks the pool anyway) and close
    this process's write end: the thread's read then ends (EOF), and the pool breaks as for
    any dead worker (BrokenProcessPool: the scan's lost-worker line); and they kill a broken
    pool's worker still running after as long (see :meth:`watch`). This reads CPython's
    ProcessPoolExecutor internals (``_processes``, ``_broken``, ``_result_queue``,
    ``_executor_manager_thread``; 3.9-3.13), each looked up with a default: without them,
    nothing is done."""

    _dead_since: float | None = None

    def watch(self, processes=None, results=None) -> None:
        """Unstick the pool (see the class) once, for :data:`STUCK_SECONDS`, a worker has
        ended abnormally (a signal, a non-zero exit) and the pool has not marked itself broken;
        or the pool is broken and a worker still runs: the pool's thread ends the workers with
        SIGTERM and joins them, and one that waits for a task on the call queue's lock, which a
        worker killed while waiting held, notes that SIGTERM (_worker_interrupted) and waits
        forever (review rev18: a scan hung after a SIGKILL to an idle worker); it is killed.
        ``processes``, ``results``: the pool's workers and result queue, once its shutdown has
        dropped them."""
        if processes is None:
            processes = list((getattr(self, "_processes", None) or {}).copy().values())
            results = getattr(self, "_result_queue", None)
        broken = bool(getattr(self, "_broken", False))
        if not (_running(processes) if broken else _ended_abnormally(processes)):
            self._dead_since = None
        elif self._dead_since is None:
            self._dead_since = time.monotonic()
        elif time.monotonic() - self._dead_since >= STUCK_SECONDS:
            if broken:
                _kill(processes)
            else:
                _unstick(processes, results)
            self._dead_since = None

    def submit(self, fn, /, *args, **kwargs):
        # submit starts the workers as they are needed, in this thread (spawn: fork and exec,
        # which both keep this thread's signal mask). A SIGINT meanwhile waits until submit has
        # returned: interrupted between starting a worker and sending it its set-up, the scan
        # waited for that worker forever. Blocked here, it can still reach another thread of
        # this process (the pool's own), and Python runs the handler in this one: so the
        # handler, too, only notes it.
        if not hasattr(signal, "pthread_sigmask") \
                or threading.current_thread() is not threading.main_thread() \
                or signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, None):
            # ignored (a background job of a script): the workers inherit that, as before;
            # None: a handler set outside Python, which signal.signal could not restore
            return super().submit(fn, *args, **kwargs)
        noted = []
        handler = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            signal.signal(signal.SIGINT, handler)
            if noted and callable(handler):
                # the handler replaced (a scan's: bridge.interrupts records it)
                handler(signal.SIGINT, None)
            elif noted and handler == signal.SIG_DFL:
                os.kill(os.getpid(), signal.SIGINT)


#: In a local worker: whether a task (bridge.scan.runner.run_packed) runs.
TASK_RUNNING = False


#: In a local worker: the signals that reached it outside a task, for its next task.
_NOTED: list = []


def _worker_interrupted(signum, frame) -> None:
    """SIGINT or SIGTERM in a local worker. While a task runs, the first ends the task: a
    KeyboardInterrupt (SIGTERM: bridge.interrupts.Stopped), which the pool hands back to the
    scanning process (stopped by the same signal when it went to the process group; if it
    went to this worker alone, the scanning process stops on it: bridge.scan.runner._loop).
    Otherwise (the worker starts, waits for a task, sends a result, or a second signal) it is
    only noted. It is always noted: the worker's next task ends at once (:func:`check_task`),
    be it one the pool hands it right after the raise (an MPI worker was given the scan's
    queued chunk before the stopping scan cancelled it, and computed it whole: 3.6-7.5 s, 2 in
    ~20 stops, review rev22), and the task in hand ends at its next look where CPython
    ignored the raise (a ``__del__`` running when the signal came); the worker itself
    ends with the pool's shutdown. It never ends here: a worker that ended while it sent a
    result left a partial message on the pool's result pipe, on which the pool's thread then
    waited forever, and the scan with it (a SIGINT in a worker during a result's transfer hung
    the scan on main, 2026-12-02; a SIGTERM there, whose default action ends the worker,
    likewise)."""
    global TASK_RUNNING
    # noted in any case: a task handed out after the raise ends at its first look (check_task)
    _NOTED.append(signum)
    if TASK_RUNNING:
        TASK_RUNNING = False
        raise _interrupt(signum)


def _interrupt(signum: int) -> KeyboardInterrupt:
    if signum == signal.SIGINT:
        return KeyboardInterrupt()
    from bridge.interrupts import Stopped

    return Stopped(signum)


def check_task() -> None:
    """In a worker, at the start of a task and between its parts: end the task if a signal
    was noted (:func:`_worker_interrupted`) or its scan stops (:data:`HALT`; on a Dask worker
    the scan's halt event, :func:`_dask_task`)."""
    if _NOTED:
        raise _interrupt(_NOTED[0])
    if HALT is not None and HALT.value:
        raise Halted("the scan stops")
    halt = getattr(_DASK_TASK, "halt", None)
    if halt is not None and _dask_halted(halt):
        raise Halted("the scan stops")


def _dask_halted(halt) -> bool:
    """Whether a Dask task's halt event (its worker's client, the event's name) is set; a look
    that fails or takes over EVENT_TIMEOUT (the scheduler restarts, is stopped or gone) ends no
    task: the chunk goes on, as it did before there was an event."""
    client, name = halt
    try:
        return bool(client.sync(client.scheduler.event_is_set, name=name,
                                callback_timeout=EVENT_TIMEOUT))
    except Exception:  # any of Dask's communication errors, the timeout
        return False


def close_pool(pool: ProcessPoolExecutor) -> None:
    """Shut a local pool down and reap every process it started: its workers (joined by
    ``shutdown``) and multiprocessing's resource tracker. The tracker is a child of this
    process that the pool's semaphores started; left running, it outlives the scan in a
    long-lived process (a notebook, the tests) and, when a ``bridge scan`` exits, it ends after
    its parent and is a defunct process until someone else reaps it. Stopped here, once the
    pool's queues are gone (their semaphores unregistered, which would start it again), it
    ends at once: the workers that shared its pipe have exited. The pool's thread is joined
    a look at a time, and the pool unstuck if a worker died during a result's transfer
    (:class:`_LocalPool`)."""
    _shut_down(pool)
    stop_resource_tracker()  # (once _shut_down's references to the queues are gone)


def _shut_down(pool: ProcessPoolExecutor) -> None:
    thread = getattr(pool, "_executor_manager_thread", None)
    if thread is None or not isinstance(pool, _LocalPool):
        pool.shutdown(wait=True, cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).copy().values())
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)  # (drops the pool's references)
    while thread.is_alive():
        thread.join(STUCK_LOOK_SECONDS)
        if thread.is_alive():
            pool.watch(processes, results)
    if results is not None:
        results.close()


#: Seconds a dead worker may go unnoticed by its pool before :class:`_LocalPool` unsticks it
#: (the pool's thread notices a death within milliseconds unless it waits on a partial result),
#: and between two looks while the pool shuts down.
STUCK_SECONDS = 1.0
STUCK_LOOK_SECONDS = 0.1


def _running(processes) -> bool:
    """Whether one of these worker processes still runs (its sentinel not ready)."""
    try:
        sentinels = [p.sentinel for p in processes]
    except ValueError:  # a process closed: the pool is done with it
        return False
    return len(multiprocessing.connection.wait(sentinels, timeout=0)) < len(sentinels)


def _ended_abnormally(processes) -> bool:
    """Whether one of these worker processes has ended by a signal or a non-zero exit, and
    is not reaped yet (waitid with WNOWAIT: it stays for the pool to reap). A worker ends with
    exit 0 only when the pool shuts it down: a normal end, however long the others take.
    Without waitid (Windows), any end counts."""
    if not hasattr(os, "waitid"):
        try:
            sentinels = [p.sentinel for p in processes]
        except ValueError:
            return False
        return bool(sentinels) and bool(multiprocessing.connection.wait(sentinels, timeout=0))
    for process in processes:
        try:
            ended = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except (ChildProcessError, ValueError):  # reaped by the pool (it noticed), or closed
            continue
        if ended is not None and not (ended.si_code == os.CLD_EXITED and ended.si_status == 0):
            return True
    return False


def _kill(processes) -> None:
    for process in processes:
        try:
            process.kill()  # (not once reaped: multiprocessing sends nothing then)
        except (OSError, ValueError):
            continue


def _unstick(processes, results) -> None:
    """Kill the workers (SIGKILL: none will be used again), wait until every one has ended
    (their ends of the result pipe closed with them), then close this process's write end:
    the pool's thread, waiting on a partial result, reads EOF and breaks the pool."""
    _kill(processes)
    try:
        left = [p.sentinel for p in processes]
    except ValueError:
        left = []
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        ended = multiprocessing.connection.wait(left, timeout=max(0.0, deadline - time.monotonic()))
        left = [x for x in left if x not in ended]
    writer = getattr(results, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass


def stop_resource_tracker() -> None:
    """End and reap this process's multiprocessing resource tracker, if it runs (the next
    pool starts another)."""
    import gc
    from multiprocessing import resource_tracker

    gc.collect()  # semaphores of the pool's queues held in reference cycles: released now
    tracker = resource_tracker._resource_tracker
    stop = getattr(tracker, "_stop", None)  # CPython 3.8+: closes its pipe, waits for it
    if stop is not None and getattr(tracker, "_pid", None) is not None:
        stop()


def start_worker(parent: int, reports=None, setup=None, halt=None) -> None:
    """Initializer of a local worker: the reports' counters, the :data:`HALT` flag, its SIGINT
    and SIGTERM handler (:func:`_worker_interrupted`; a Ctrl-C during its start is delivered here),
    :func:`tune_malloc`, :func:`watch_parent` and the ``setup`` of :func:`make_backend`."""
    global REPORTS, CHUNK_WORKER, HALT
    REPORTS, HALT = reports, halt
    CHUNK_WORKER = True
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored: stays ignored
            signal.signal(signum, _worker_interrupted)
    if hasattr(signal, "pthread_sigmask"):  # blocked since the worker started (_LocalPool)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    tune_malloc()
    watch_parent(parent)
    if setup is not None:
        function, args = setup
        function(*args)


#: glibc malloc parameters of a process that runs chunks (mallopt: M_TRIM_THRESHOLD -1,
#: M_MMAP_THRESHOLD -3): arrays up to 32 MiB come from the heap, and up to 128 MiB of freed
#: heap is kept for the next chunk instead of being returned to the system. A chunk allocates
#: and frees the same large temporaries again and again; with glibc's defaults a pool worker
#: took ~2 page faults a point (F_Ib, chunks of 4096: 150 000 per 80 000 points, 12% of its
#: CPU in the kernel), with these 0.3 (25 000), the same peak memory (119 MiB). Chunks of 8192
#: free more than 64 MiB at a time: with a 64 MiB threshold the 10⁶-point F_Ib grid spent
#: 4.6 s of its 30 CPU-s in the kernel, with 128 MiB 1.0 s, the same peak (169 MiB).
#: What is left is the first touch of that heap (~23 000 faults, ~50-60 ms of kernel time in a
#: worker's first chunks, ~2% of its CPU in a 2e5-point scan). Tried and not kept (2-core VM,
#: THP "madvise"; 12-14 interleaved pairs of fresh workers): the heap grown in one step
#: (M_TOP_PAD) and pre-faulted by madvise(MADV_POPULATE_WRITE) in the initializer moves that
#: cost there (worker CPU 1.00x); MADV_HUGEPAGE on the heap, or glibc.malloc.hugetlb=1, makes
#: 20-35x fewer faults but the fresh huge pages cost 4-7x the kernel time (first two chunks 1.4-1.6x).
MALLOC = {-1: 128 << 20, -3: 32 << 20}


def tune_malloc() -> bool:
    """Set :data:`MALLOC` in this process if its C library is glibc (else nothing); True if set."""
    import ctypes
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return all(libc.mallopt(param, value) == 1 for param, value in MALLOC.items())
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, interval: float = WATCH_INTERVAL) -> None:
    """Worker initializer: end this process once ``parent`` is no longer its parent (it died and
    the worker was re-parented). Polling getppid() is immune to pid reuse, needs no signal
    set-up and works for any start method; PR_SET_PDEATHSIG would fire on the death of the
    *thread* that started the worker, which for a pool is not the scan's lifetime."""
    _watch(lambda: os.getppid() != parent, interval)


def start_mpi_worker(master: int, host: str) -> None:
    """Initializer of an MPI worker (a rank of ``mpiexec ... -m mpi4py.futures``), which
    mpiexec started before the scan's master set anything: what :func:`start_worker` gives a
    local worker, bar the shared memory (a rank may run on another host).

    * one BLAS thread (:func:`bridge.blas.one_thread`, unless the user set one of its variables,
      which mpiexec passes to every rank): neither this module nor the ``bridge.scan`` package
      imports numpy; where the master's main module did (mpi4py imports it here first: a Python
      script), OpenBLAS is set at run time (:func:`bridge.blas.one_thread_loaded`). Without
      it 2 MPI workers on the 10⁶-point F_Ib grid took 30.9 s instead of 16.3 (farm-bench, 3
      pairs, 2026-12-02), OpenBLAS's threads of the two workers spinning on the two cores;
    * SIGINT and SIGTERM as a local worker takes them (:func:`_worker_interrupted`): mpiexec's
      Ctrl-C and a batch system's cancel reach every rank, and the chunk a worker computes ends
      at once, instead of running to its end while the master waited for it. Outside a task the
      signal is noted, not raised: a KeyboardInterrupt raised in mpi4py's loop that sends a
      result ended the rank with a traceback and an MPI_Abort of the job;
    * the malloc settings of the workers (:func:`tune_malloc`), and their parts of a chunk
      (:data:`CHUNK_WORKER`: bridge.scan.runner.compute_part);
    * :func:`watch_process` of the master ``master`` on ``host``."""
    global CHUNK_WORKER, TASK_RUNNING
    # mpi4py imports the master's main module here first: a script's numpy may be loaded already
    if "numpy" in sys.modules:
        blas.one_thread_loaded()
    else:
        blas.one_thread()
    CHUNK_WORKER = True
    # the workers of an mpi4py.futures job outlive each pool (a library caller's scans one after
    # the other): a signal noted in the last scan must not end this one's tasks (review rev22)
    _NOTED.clear()
    TASK_RUNNING = False
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored: stays ignored
            signal.signal(signum, _worker_interrupted)
    tune_malloc()
    if not _MPI_STARTED:  # once a process, whatever the pools of its job
        # CPython gives the signals their default actions back during its teardown: a second
        # SIGTERM then ended the worker, and mpiexec the job with exit 15 (review rev22); a
        # local worker leaves through os._exit before that
        _MPI_STARTED.append(atexit.register(_ignore_stop_signals))
        watch_process(master, host)


#: Whether this MPI worker's atexit function and watchdog are in place (:func:`start_mpi_worker`).
_MPI_STARTED: list = []


def _ignore_stop_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is _worker_interrupted:
            signal.signal(signum, signal.SIG_IGN)


def watch_process(pid: int, host: str, interval: float = WATCH_INTERVAL) -> None:
    """Worker initializer for MPI: end this process once process ``pid`` of ``host`` is gone
    (only on that host; elsewhere mpiexec ends the job)."""
    if socket.gethostname() != host:
        return

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # exists, owned by someone else: pid reused, the master is gone
            return True
        return False

    _watch(gone, interval)


def _watch(gone, interval: float) -> None:
    def loop():
        while not gone():
            time.sleep(interval)
        os._exit(1)  # no clean-up to do: the scan that wanted the results is gone

    threading.Thread(target=loop, name="bridge-parent-watchdog", daemon=True).start()


def check_scheduler(address: str) -> tuple[str, int]:
    """(host, port) of a ``tcp://HOST:PORT`` (or ``HOST:PORT``) address that accepts a TCP
    connection within CONNECT_TIMEOUT, or an InputError saying what is wrong, in one line."""
    match = _ADDRESS.fullmatch(address.strip())
    where = f"--scheduler {address}"
    if match is None:
        raise InputError(f"{where}: expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    scheme = (match.group("scheme") or "tcp").lower()
    if scheme == "tls":
        raise InputError(f"{where}: TLS needs Dask security settings, which bridge scan does not "
                         "take; use tcp:// inside a trusted network (or an SSH tunnel)")
    if scheme != "tcp":
        raise InputError(f"{where}: {scheme}:// is not supported; expected tcp://HOST:PORT")
    host, port = match.group("host"), match.group("port")
    if host.startswith("["):
        import ipaddress  # here: a local worker imports this module and never parses an address

        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InputError(f"{where}: {host} is not an IPv6 address") from None
        host = host[1:-1]
    elif not _HOSTNAME.fullmatch(host):
        raise InputError(f"{where}: {host!r} is not a host name or address")
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise InputError(f"{where}: port {port!r} is not a number in 1-65535")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise InputError(f"{where}: cannot connect ({reason})") from None
    return host, int(port)


def _dask(address: str) -> Backend:
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'bridge-flavour[scan]'") from None
    host, port = check_scheduler(address)
    # Client(timeout=...) does not bound the handshake with a peer that accepts and stays
    # silent, so the connection is made in a thread that is abandoned after the timeout
    made: dict = {}

    def connect():
        try:
            made["client"] = Client(f"tcp://{_join(host, port)}", timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # anything Dask raises on a failed handshake: one line below
            made["error"] = exc

    thread = threading.Thread(target=connect, name="bridge-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT + 5)
    if "client" not in made:
        exc = made.get("error")
        reason = "" if exc is None else f" ({' '.join(f'{type(exc).__name__}: {exc}'.split())[:200]})"
        raise InputError(f"--scheduler {address}: no Dask scheduler answered within "
                         f"{CONNECT_TIMEOUT:g} s{reason}")
    client = made["client"]
    try:
        _check_dask_workers(client, address)
    except BaseException:
        client.close()
        raise
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
    executor = _DaskExecutor(client, f"bridge-scan-halt-{uuid.uuid4().hex}")
    return Backend(executor, max(1, threads), f"Dask at {address} ({threads} threads)",
                   close=client.close, halt=executor.halt)


#: What a scan hands its Dask workers and expects of them (the task function :func:`_dask_task`
#: and its arguments); a worker whose bridge has another number is refused when the scan
#: connects (:func:`_check_dask_workers`). 2: tasks under their scan's halt event.
DASK_PROTOCOL = 2


#: The look at a Dask worker's :data:`DASK_PROTOCOL` (1: a bridge from before it), sent by value
#: (a lambda, which cloudpickle cannot send by name): it names nothing of this bridge, which the
#: worker's may lack.
_WORKER_PROTOCOL = lambda: getattr(  # noqa: E731
    __import__("importlib").import_module("bridge.scan.executors"), "DASK_PROTOCOL", 1)


def _check_dask_workers(client, address: str) -> None:
    """Refuse a cluster whose workers run another bridge (:data:`DASK_PROTOCOL`) before any
    task goes to them: a worker of a bridge from before protocol 2 that received a task of
    protocol 2 (a function it does not have) left the cluster, and the scan waited for ever
    (review rev20). The look is sent by value (a function of this module's would have to be
    importable there)."""
    try:
        found = client.run(_WORKER_PROTOCOL, on_error="return")
    except Exception as exc:  # the scheduler or a worker gone meanwhile: one line
        raise InputError(f"--scheduler {address}: cannot ask its workers which bridge they run "
                         f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None
    other = sorted(w for w, v in found.items() if v != DASK_PROTOCOL)
    if other:
        v = found[other[0]]
        what = ("no bridge" if isinstance(v, ImportError) else "an earlier bridge" if v == 1
                else "another bridge")
        raise InputError(f"--scheduler {address}: {len(other)} of its {len(found)} workers ({other[0]}"
                         f"{', ...' if len(other) > 1 else ''}) run {what}; install this bridge on them")


#: In a Dask worker's thread that runs a scan's task: (its worker's client, its scan's halt
#: event) (:func:`_dask_task`).
_DASK_TASK = threading.local()


class _DaskExecutor(Executor):
    """A Dask client's executor whose tasks run under their scan's halt event, the Dask
    workers' :data:`HALT`: a scan that stops sets it (Backend.close(halt=True)), and its tasks
    end at their next part. Closing the client does not end a task that runs: Dask cannot
    interrupt a worker's thread, so the worker computed the rest of the chunk for nothing (an
    F_Ib chunk of 4·10⁵ points: the Dask worker busy 9.7 s after the scan had ended on a
    Ctrl-C, 2026-12-02)."""

    def __init__(self, client, event: str):
        self._client, self._executor, self._event = client, client.get_executor(), event
        # the futures not done (their callbacks run in the client's thread: a lock)
        self._running: set = set()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        future = self._executor.submit(_dask_task, self._event, fn, *args, **kwargs)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future) -> None:
        with self._lock:
            self._running.discard(future)

    def halt(self) -> None:
        """Set the scan's halt event, then wait (HALT_WAIT seconds in all at most) for the
        tasks in flight to end at their next part, before the client closes: a worker in this
        process (``LocalCluster(processes=False)``) looks at the event through this client.
        Once they have ended the event is cleared (the scheduler forgets it); a task that has
        not (a part longer than the wait) still finds it. A scheduler that does not answer
        within EVENT_TIMEOUT leaves the tasks to run to their end, as before (the stop waited
        ~10 s for it, review rev20)."""
        start = time.monotonic()
        if not self._request("event_set"):
            return
        with self._lock:
            running = list(self._running)
        _, running = wait(running, timeout=max(0.0, HALT_WAIT - (time.monotonic() - start)))
        if not running:
            self._request("event_clear")

    def _request(self, what: str) -> bool:
        try:
            self._client.sync(getattr(self._client.scheduler, what), name=self._event,
                              callback_timeout=EVENT_TIMEOUT)
            return True
        except Exception:  # the scan stops anyway; its tasks then run to their end
            return False

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)


#: Seconds a stopping scan waits for its Dask tasks to end at their next part (a part: about
#: a second of work once the chunks are sized; a chunk of --chunk-size may hold longer ones).
HALT_WAIT = 5.0
#: Seconds a request about the halt event may take (the scanning process's and a task's look).
EVENT_TIMEOUT = 1.0


def _dask_task(halt: str, fn, /, *args, **kwargs):
    """``fn(*args, **kwargs)`` on a Dask worker, with the scan's halt event (named ``halt``,
    on the scheduler) where :func:`check_task` looks: one look is one request to the
    scheduler (a part of a chunk, up to ~1 s of work, between two). A task ended by the halt
    returns None: nothing reads it, and as an exception each worker logged it as a failed
    task with its traceback (review rev20)."""
    from distributed import get_client

    _DASK_TASK.halt = (get_client(), halt)
    try:
        return fn(*args, **kwargs)
    except Halted:
        return None
    finally:
        _DASK_TASK.halt = None


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _mpi() -> Backend:
    try:
        from mpi4py.futures import MPIPoolExecutor
    except ImportError:
        raise InputError("--mpi needs mpi4py and an MPI library: pip install mpi4py mpich") from None
    try:
        pool = MPIPoolExecutor(initializer=start_mpi_worker, initargs=(os.getpid(), socket.gethostname()))
    except TypeError:  # mpi4py < 3.1 has no initializer
        pool = MPIPoolExecutor()
    if hasattr(pool, "bootup"):  # the workers ready, their initializer run, before it returns
        pool.bootup(wait=True)
    slots = getattr(pool, "num_workers", 1) or 1
    return Backend(pool, slots, f"MPI ({slots} workers)", close=lambda: _close_mpi(pool))


def _close_mpi(pool) -> None:
    """Shut an MPIPoolExecutor down; the tasks not yet begun are cancelled (a scan closes its
    backend early only when it stops: nothing would store their results)."""
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except TypeError:  # mpi4py < 3.1
        pool.shutdown(wait=True)
