"""SIGINT and SIGTERM during a ``bridge scan`` (bridge/interrupts.py): recorded, never lost, the
scan stopped in order with one line (exit 130 / 143), every stored point kept, the same command
resuming; the caller's handlers restored. Each signal here is sent at a chosen place (a hook
that calls ``signal.raise_signal``, whose handler runs at once), not at a chosen time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest
from test_scan_reliability import (  # noqa: F401
    CARD,
    SMALL,
    _ended_in_one_line,
    _group_killed_at_exit,
    _nothing_left,
    _scan_with_workers,
    cached_sm,
)

#: The scan of the in-process tests: 4 points, one a chunk (several looks of the loop).
SCAN = ["scan", CARD, *SMALL, "--chunk-size", "1", "-q"]
#: The same with two worker processes.
SCAN2 = [*SCAN[:SCAN.index("--workers")], "--workers", "2", "--chunk-size", "1", "-q"]


def _in_a_weakref_callback(signum: int) -> None:
    """Send ``signum`` to this process from inside a weakref callback, where an exception its
    handler raises is unraisable: CPython prints "Exception ignored" and goes on."""

    class Thing:
        pass

    thing = Thing()
    ref = weakref.ref(thing, lambda _: signal.raise_signal(signum))
    del thing
    assert ref() is None


def _once(function, action):
    """``function`` that calls ``action()`` before its first call only."""
    done = []

    def wrapped(*args, **kwargs):
        if not done:
            done.append(True)
            action()
        return function(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize("where", ["prepare", "loop"])
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed raise
def test_a_ctrl_c_swallowed_by_a_weakref_callback_stops_the_scan(tmp_path, capsys, monkeypatch,
                                                                  cached_sm, where):  # noqa: F811
    """A Ctrl-C whose KeyboardInterrupt would be raised inside a weakref callback (or a
    ``__del__``, a gc callback) was lost: the scan ran to its end with exit 0 (about 1 in
    100-300 Ctrl-Cs to a 2-worker scan, 2026-12-02). Now it is recorded: while the scan
    prepares (where the handler raises, and the raise is swallowed) the loop's first look
    stops the scan; in the loop the handler only records. Exit 130, one line, the points
    stored kept."""
    from bridge.cli import main
    from bridge.scan import runner, store

    if where == "prepare":
        monkeypatch.setattr(runner, "prepare", _once(runner.prepare,
                                                     lambda: _in_a_weakref_callback(signal.SIGINT)))
    else:
        monkeypatch.setattr(store.Store, "write_packed", _once(store.Store.write_packed,
                                                               lambda: _in_a_weakref_callback(signal.SIGINT)))
    db = tmp_path / "r.db"
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    rc = main([*SCAN, "-o", str(db)])
    err = capsys.readouterr().err
    assert rc == 130, err
    assert err.strip() == "bridge: interrupted", err
    assert {s: signal.getsignal(s) for s in before} == before  # main() restores what it changed
    stored = store.count(str(db))[0] if db.exists() else 0
    if where == "prepare":
        assert stored == 0
    else:  # the chunks that had ended with the first (the in-process backend computes 2 ahead)
        assert 1 <= stored < 4


def test_the_library_raises_keyboardinterrupt_and_restores_the_handlers(tmp_path, monkeypatch,
                                                                         cached_sm):  # noqa: F811
    """runner.run called from Python (a notebook): a Ctrl-C swallowed in a weakref callback
    still stops the scan, which raises KeyboardInterrupt to the caller (Python's convention;
    before, the scan ran on to its end); the caller's handlers are restored."""
    from bridge.scan import runner, store

    monkeypatch.setattr(store.Store, "write_packed", _once(store.Store.write_packed,
                                                           lambda: _in_a_weakref_callback(signal.SIGINT)))
    calls = []
    term = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
    try:
        before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        opts = _options(tmp_path / "r.db")
        with pytest.raises(KeyboardInterrupt):
            runner.run(opts, say=lambda msg: None)
        assert {s: signal.getsignal(s) for s in before} == before
        assert calls == []
    finally:
        signal.signal(signal.SIGTERM, term)
    assert 1 <= store.count(str(tmp_path / "r.db"))[0] < 4


def test_a_library_callers_own_handlers_are_left_in_place(tmp_path, monkeypatch, cached_sm):  # noqa: F811
    """runner.run from Python whose caller installed its own SIGINT and SIGTERM handlers (a
    graceful-stop flag of its own): those stay and are called, and the scan goes on as the
    caller decides (review rev16: the SIGINT handler had been bypassed, the scan stopped)."""
    from bridge.scan import runner, store

    def both():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(store.Store, "write_packed", _once(store.Store.write_packed, both))
    calls = []
    saved = {s: signal.signal(s, lambda signum, frame: calls.append(signum))
             for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        mine = {s: signal.getsignal(s) for s in saved}
        summary = runner.run(_options(tmp_path / "r.db"), say=lambda msg: None)
        assert {s: signal.getsignal(s) for s in saved} == mine
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert calls == [signal.SIGINT, signal.SIGTERM]
    assert summary.stored == 4 == store.count(str(tmp_path / "r.db"))[0]


LIBRARY_SIGTERM = """
import signal, sys
sys.path.insert(0, {tests!r})
from test_scan_signals import _options
from bridge.scan import runner, store
write = store.Store.write_packed
def hooked(self, *args, _done=[]):
    if not _done:
        _done.append(1)
        signal.raise_signal(signal.SIGTERM)
    return write(self, *args)
store.Store.write_packed = hooked
try:
    runner.run(_options({db!r}), say=lambda msg: None)
except BaseException as exc:
    print(type(exc).__name__, exc, flush=True)
    raise
"""


def test_a_library_scan_stops_on_sigterm_then_the_process_ends_by_it(tmp_path, cached_sm):  # noqa: F811
    """runner.run from Python with SIGTERM's default disposition: the scan stops in order
    (the chunk in hand stored), then the SIGTERM goes to the restored default: the process
    ends by it, as its caller left it, before the caller sees an exception. Before, it died at
    once, inside the hook, with nothing stored."""
    from bridge.scan import store

    db = tmp_path / "r.db"
    code = LIBRARY_SIGTERM.format(tests=os.path.dirname(__file__), db=str(db))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGTERM, proc.stderr[-2000:]
    assert proc.stdout == "", proc.stdout  # (no exception reached the caller)
    assert 1 <= store.count(str(db))[0] < 4


def _options(db):
    """The options of SCAN, for runner.run."""
    from bridge.scan.runner import ScanOptions

    return ScanOptions(card=CARD, vary=["MINPAR:1:100:200:2", "MINPAR:2:500:900:2"], results=str(db),
                       likelihoods=["seed2021"], observables=False, workers=1, chunk_size=1,
                       progress=False)


#: A ``bridge`` console run (``python -m bridge.cli``) with hooks: SIGNAL sent from inside the
#: scan's first stored chunk if FIRST, and again from an atexit function, which runs during the
#: interpreter's teardown after multiprocessing's own (atexit runs the last registered first).
CONSOLE = """
import atexit, runpy, signal, sys
atexit.register(lambda: signal.raise_signal(signal.{sig}))
from bridge.scan import store
if {first}:
    write = store.Store.write_packed
    def hooked(self, *args, _done=[]):
        if not _done:
            _done.append(1)
            signal.raise_signal(signal.{sig})
        return write(self, *args)
    store.Store.write_packed = hooked
sys.argv = ["bridge", *{argv!r}]
runpy.run_module("bridge.cli", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("first", [False, True])
def test_a_signal_in_the_teardown_of_the_console_command(tmp_path, cached_sm, sig, first):  # noqa: F811
    """A Ctrl-C or SIGTERM while the interpreter of a finished ``bridge scan`` tears down
    (multiprocessing's atexit finalizers): a KeyboardInterrupt traceback, or the process ended
    by SIGTERM (returncode -15), and a second Ctrl-C shortly after the first ended the scan by
    SIGINT after its line (3 of 10 double Ctrl-Cs, 2026-12-02). Now the exit code and the one
    line are the command's: 0 and nothing, or 130/143 and the line."""
    db = tmp_path / "r.db"
    argv = [*SCAN2, "-o", str(db)]
    code = CONSOLE.format(sig=sig, first=first, argv=argv)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    if not first:
        assert (proc.returncode, lines) == (0, []), proc.stderr
        return
    expected = 130 if sig == "SIGINT" else 143
    assert proc.returncode == expected, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0] == "bridge: interrupted" if sig == "SIGINT" else str(db) in lines[0]


SERIAL = """
import runpy, signal, sys
from pathlib import Path
from bridge.scan import runner
chunk, calls = runner.run_chunk, []
def hooked(*args):
    calls.append(1)
    if len(calls) == 3:
        signal.raise_signal(signal.SIGTERM)
        Path({marker!r}).write_text("the chunk went on")
    return chunk(*args)
runner.run_chunk = hooked
sys.argv = ["bridge", *sys.argv[1:]]
runpy.run_module("bridge.cli", run_name="__main__", alter_sys=True)
"""


def test_sigterm_stops_the_chunk_computed_in_the_scanning_process(tmp_path, cached_sm):  # noqa: F811
    """The in-process backend (``--workers 1``) computes in the main thread, where the handler
    raises while a chunk runs: the chunk stops at once, and the scan ends with 143 and its line
    naming the results file; the two chunks before are stored. Before, SIGTERM ended the
    process (returncode -15, no line)."""
    db, marker = tmp_path / "r.db", tmp_path / "went-on"
    code = SERIAL.format(marker=str(marker))
    proc = subprocess.run([sys.executable, "-c", code, *SCAN, "-o", str(db)], capture_output=True,
                          text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 143, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("bridge: terminated (SIGTERM)") and str(db) in lines[0]
    assert not marker.exists()
    from bridge.scan import store

    assert store.count(str(db))[0] == 2


def test_a_chunk_that_ended_before_the_stop_is_stored(tmp_path, monkeypatch, cached_sm):  # noqa: F811
    """A stop noted while chunks' results are already in hand (here: SIGTERM raised as the
    loop's first wait returns the chunks that ended: the in-process backend's first two, of a
    point each) stores them, then stops: 143, those points kept, nothing more computed.
    Before, the loop stopped before it stored the chunks of its last wait: a scanning process
    starved of CPU lost its finished first chunk, and with it the file."""
    from bridge.cli import main
    from bridge.scan import runner, store

    original, calls = runner.wait, []

    def then_sigterm(*args, **kwargs):
        finished, pending = original(*args, **kwargs)
        if finished and not calls:
            calls.append(len(finished))
            signal.raise_signal(signal.SIGTERM)  # noted by the loop's handler, not raised
        return finished, pending

    monkeypatch.setattr(runner, "wait", then_sigterm)
    db = tmp_path / "r.db"
    assert main([*SCAN, "-o", str(db)]) == 143
    assert calls == [2] and store.count(str(db)) == (2, 0)


def _columns(db) -> dict:
    from bridge.scan import store

    return store.read(str(db), failed=True)


def _equal(a: dict, b: dict) -> bool:
    if sorted(a) != sorted(b):
        return False
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
            return False
    return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_sigterm_to_the_process_group_of_a_scan_with_workers(tmp_path, cached_sm):  # noqa: F811
    """SIGTERM to a running 2-worker scan's process group (``kill -TERM -PGID``; a batch
    system at its time limit): the workers die of it, and the scan reports its stop, not a lost
    worker: exit 143, one line naming the results file, no process left, and the same command
    resumes to results equal, column by column, to an uninterrupted scan's. Before: returncode
    -15, no line, sometimes multiprocessing's "leaked semaphore" warnings (5 of 56, 2026-12-02)."""
    from bridge.scan import store

    db, whole = tmp_path / "r.db", tmp_path / "whole.db"
    with _scan_with_workers(db, 20_000, signal.SIG_DFL) as proc:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline \
                and not (db.exists() and store.count(str(db))[0] > 0):
            time.sleep(0.02)
        assert proc.poll() is None, "the scan ended before the signal"
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    _ended_in_one_line(proc, err, 143, "bridge: terminated (SIGTERM)", db)
    assert 0 < store.count(str(db))[0] < 20_000
    for target in (db, whole):  # the same command again resumes; and one scan without a stop
        with _scan_with_workers(target, 20_000, signal.SIG_DFL) as again:
            _, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
    assert _equal(_columns(db), _columns(whole))


SECOND = """
import runpy, signal, sys
from bridge.scan import executors, store
write, close = store.Store.write_packed, {target}.close
def hooked(self, *args, _done=[]):
    if not _done:
        _done.append(1)
        signal.raise_signal(signal.SIGINT)
    return write(self, *args)
def closing(self, *args, **kwargs):
    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)
    return close(self, *args, **kwargs)
store.Store.write_packed, {target}.close = hooked, closing
sys.argv = ["bridge", *sys.argv[1:]]
runpy.run_module("bridge.cli", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("target", ["executors.Backend", "store.Store"])
def test_a_second_signal_while_the_scan_stops_changes_nothing(tmp_path, cached_sm, target):  # noqa: F811
    """A Ctrl-C, then a SIGTERM and another Ctrl-C while the scan shuts its backend down (in
    the loop's record-only block) or closes its results file (after it, where a signal raises
    unless a stop is under way: review rev16, a SIGTERM there turned the Ctrl-C's 130 into 143):
    the first decides (130, one line), the others are recorded and nothing else. Before, the
    SIGTERM ended the process (returncode -15, no line)."""
    proc = subprocess.run([sys.executable, "-c", SECOND.format(target=target), *SCAN2, "-o",
                           str(tmp_path / "r.db")], capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr.strip()) == (130, "bridge: interrupted"), proc.stderr


HELD = """
import pathlib, time
def setup(scan_setup, marker):
    function, args = scan_setup  # the scan's own worker set-up (runner._worker_setup)
    function(*args)
    from bridge.scan import runner
    compute, calls = runner.run_chunk, []
    def slow(*args):
        calls.append(1)
        if len(calls) > 1:  # a worker's first chunk (16 points, one part) passes
            pathlib.Path(marker).touch()  # a held part has begun
            time.sleep(5)
        return compute(*args)
    runner.run_chunk = slow
    runner.compute_part = lambda ctx: 16  # parts of 16 points: a 512-point chunk in 32 parts
"""
MIDSEND = """
import signal
def setup(scan_setup, signum):
    function, args = scan_setup
    function(*args)
    from multiprocessing import connection
    send, calls = connection.Connection._send, []
    def _send(self, buf, *args):  # a worker's sends: its results (large ones in two writes)
        send(self, buf[:4], *args)
        calls.append(1)
        if len(calls) == 3:  # within a result after the first one, its first 4 bytes sent
            signal.raise_signal(signum)
        send(self, buf[4:], *args)
    connection.Connection._send = _send
"""
WAITKILL = """
import os, pathlib, signal, time
def setup(scan_setup, folder):
    function, args = scan_setup
    function(*args)
    from multiprocessing import connection
    from bridge.scan import runner
    folder = pathlib.Path(folder)
    (folder / f"started-{os.getpid()}").touch()
    compute, receive, calls = runner.run_chunk, connection.Connection._recv_bytes, []
    def slow(*args):  # 0.05 s a chunk: the scan lasts until both workers run
        time.sleep(0.05)
        return compute(*args)
    def _recv_bytes(self, *args):  # a worker's reads: its tasks, under the call queue's lock
        calls.append(1)
        if len(calls) >= 2 and len(list(folder.glob("started-*"))) == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # waiting for a task, both workers running
        return receive(self, *args)
    runner.run_chunk = slow
    connection.Connection._recv_bytes = _recv_bytes
"""
#: ``python -c`` of a scan whose local workers run ``module.setup(the scan's set-up, *extra)``.
WORKER_SETUP = """
import runpy, sys
import {module}
from bridge.scan import runner
scan_setup = runner._worker_setup
runner._worker_setup = lambda: ({module}.setup, (scan_setup(), *{extra!r}))
sys.argv = ["bridge", *sys.argv[1:]]
runpy.run_module("bridge.cli", run_name="__main__", alter_sys=True)
"""


def _scan_with_worker_setup(tmp_path, module: str, text: str, extra=(), options=()):
    """A 1600-point 2-worker F_Ib scan into tmp_path/r.db (and ``options``), in a process group
    of its own with SIGINT at its default, whose workers also run ``text`` (module
    ``module``); a context (:func:`_group_killed_at_exit`) yielding the process."""
    (tmp_path / f"{module}.py").write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path),
                                                                      os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-c", WORKER_SETUP.format(module=module, extra=tuple(extra)), "scan",
           CARD, "--vary", "MINPAR:1:20:1000:40", "--vary", "MINPAR:2:100:2000:40", "--likelihood",
           "seed2021", "--no-observables", "--workers", "2", "-q", "-o", str(tmp_path / "r.db"),
           *options]
    return _group_killed_at_exit(subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)))


def _stopped_in_one_line(proc, err: str, sig: int, db) -> None:
    if sig == signal.SIGKILL:  # a lost worker
        _ended_in_one_line(proc, err, 1, "bridge: error: a worker process of the scan ended", db)
    elif sig == signal.SIGTERM:
        _ended_in_one_line(proc, err, 143, "bridge: terminated (SIGTERM)", db)
    else:
        assert (proc.returncode, err.strip()) == (130, "bridge: interrupted"), err
        _nothing_left(proc.pid)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_scanning_process_alone_ends_the_chunks_in_flight(tmp_path, cached_sm, sig):  # noqa: F811
    """SIGTERM or SIGINT to the scanning process alone (``kill PID``, a workflow manager's
    ``Popen.terminate()``), not to its group: the workers do not get it. The scan's stop
    waited for the chunks in flight, whose results it does not store (1.9-8.0 s with
    ``--chunk-size 100000`` on 2026-12-02). Here the workers compute in parts of 16 points, 5 s
    each after their first chunk: the chunks in flight (512 points) would take 160 s, beyond
    the test's 60 s. Now the stop asks the workers to end them (executors.HALT), which they do
    after the part in hand: 143 / 130 with the one line, the first chunks' points kept, no
    process left."""
    from bridge.errors import InputError
    from bridge.scan import store

    db, held = tmp_path / "r.db", tmp_path / "held"

    def stored() -> int:  # points in the file (0 while it is being created)
        try:
            return store.count(str(db))[0]
        except InputError:
            return 0

    with _scan_with_worker_setup(tmp_path, "held_chunks", HELD, (str(held),)) as proc:
        deadline = time.monotonic() + 60
        # a chunk held, and a first one stored: on a starved machine (the suite under `nice`
        # beside two busy processes) the signal came before the scanning process had written
        # the first chunk it had received, and the file was left out as empty
        while proc.poll() is None and time.monotonic() < deadline and not (held.exists() and stored()):
            time.sleep(0.02)
        assert proc.poll() is None and held.exists() and stored(), "no chunk held before the signal"
        os.kill(proc.pid, sig)  # the process alone
        _, err = proc.communicate(timeout=60)
    _stopped_in_one_line(proc, err, sig, db)
    assert 0 < store.count(str(db))[0] <= 32  # the two first chunks at most


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_signal_to_a_worker_while_it_sends_a_result(tmp_path, cached_sm, sig):  # noqa: F811
    """SIGINT, SIGTERM or SIGKILL reaching a worker while it sends a chunk's result (a signal
    to the process group, or to the worker alone, at that moment; the OOM killer). The worker
    ended there (SIGINT: its handler's exit outside a task; SIGTERM: the default action),
    leaving part of a message on the pool's result pipe, on which the pool's thread waited
    forever: on main the scan hung (still running after 12 minutes; a SIGTERM to it then
    changed nothing). Now the worker notes SIGINT and SIGTERM, sends the whole result, and its
    next task ends at once: the scan stops with 130 / 143 and one line. A SIGKILL still leaves
    the partial message: the scanning process finds the dead worker the pool has not noticed
    (executors._LocalPool.watch), kills the other and closes its own end of the pipe: the
    lost-worker line, exit 1. No process left. The signal is raised in the worker once 4 bytes
    of a result message are written."""
    db = tmp_path / "r.db"
    # chunks of 64 points: each worker has many, some after the signal's
    with _scan_with_worker_setup(tmp_path, "midsend", MIDSEND, (int(sig),),
                                 ("--chunk-size", "64")) as proc:
        _, err = proc.communicate(timeout=60)
    _stopped_in_one_line(proc, err, sig, db)


def test_a_ctrl_c_while_the_dask_scheduler_connects(tmp_path, capsys, monkeypatch):
    """A Ctrl-C while ``--scheduler`` waits for the handshake (a thread join of up to the
    connect timeout): 130 and one line, not recorded past the join and lost to the timeout's
    error (review rev16: 13.5 s, then exit 2 with the connection's error). The peer accepts
    and stays silent; the Client stand-in sends the Ctrl-C and then waits, as a silent
    handshake does."""
    import socket
    import threading

    distributed = pytest.importorskip("distributed")
    from bridge.cli import main

    release = threading.Event()

    def silent_handshake(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        release.wait(60)
        raise OSError("no handshake")

    monkeypatch.setattr(distributed, "Client", silent_handshake)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        try:
            rc = main([*SCAN, "--scheduler", f"tcp://127.0.0.1:{port}", "-o", str(tmp_path / "r.db")])
        finally:
            release.set()
    err = capsys.readouterr().err
    assert (rc, err.strip()) == (130, "bridge: interrupted"), err


@pytest.mark.parametrize("where", ["prepare", "run_chunk"])
def test_a_sigterm_before_any_point_is_stored_names_no_file(tmp_path, capsys, monkeypatch, where,
                                                            cached_sm):  # noqa: F811
    """A SIGTERM while the scan prepares (the results file not made yet) or while it computes
    its first chunk (the new file holds no point and is removed): 143 and one line that says no
    results file was written, and nothing is left. The line said that the points stored in it
    were kept and that the same command resumes the scan (review rev16 for the first; 2026-12-02
    for the second)."""
    from bridge.cli import main
    from bridge.scan import runner

    monkeypatch.setattr(runner, where, _once(getattr(runner, where),
                                             lambda: signal.raise_signal(signal.SIGTERM)))
    rc = main([*SCAN, "-o", str(tmp_path / "r.db")])
    err = capsys.readouterr().err
    assert (rc, err.strip()) == (143, "bridge: terminated (SIGTERM); no results file was written"), err
    assert list(tmp_path.iterdir()) == []


def test_a_worker_signal_that_ends_its_task_ends_the_next_one_too(monkeypatch):
    """A worker's handler raises in the task in hand; a task the pool hands the worker right
    after (the scan's queued chunk, given before the stopping scan cancels it) ends at its first
    look. Before, an MPI worker computed that chunk whole while the scan waited for it (3.6-7.5
    s, 2 stops in ~20, review rev22): the signal that ended the first task was not noted."""
    from bridge.scan import executors

    monkeypatch.setattr(executors, "_NOTED", [])
    monkeypatch.setattr(executors, "TASK_RUNNING", True)
    with pytest.raises(KeyboardInterrupt):  # the task in hand
        executors._worker_interrupted(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):  # the next task's first look
        executors.check_task()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the ignored raise
def test_a_worker_signal_whose_raise_is_ignored_still_ends_the_task(monkeypatch):
    """A worker's handler raises in its task (KeyboardInterrupt here); where CPython ignores what
    it raises (a __del__ running when the signal came: "Exception ignored in ..."), the task's
    next look between parts ends it (the signal is noted too). Before, the signal was lost and
    the chunk ran to its end."""
    from bridge.scan import executors

    monkeypatch.setattr(executors, "_NOTED", [])
    monkeypatch.setattr(executors, "TASK_RUNNING", True)

    class Collected:
        def __del__(self):
            executors._worker_interrupted(signal.SIGINT, None)

    Collected()  # its __del__ raises, and CPython goes on
    with pytest.raises(KeyboardInterrupt):
        executors.check_task()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_worker_killed_while_it_waits_for_a_task(tmp_path, cached_sm):  # noqa: F811
    """A worker killed (SIGKILL, the OOM killer) while it waits for a task holds the call
    queue's lock for good; the pool notices the death and ends the other worker with SIGTERM,
    which that worker, waiting for the same lock or in its task, notes or raises and then waits
    forever (review rev18: the scan hung; main, where SIGTERM's default action ended it, 0.3 s).
    The local pool kills a worker still running a second after the pool broke: the lost-worker
    line, exit 1, no process left. A worker kills itself as it begins to read a task once
    both workers run (chunks of 64 points, 0.05 s each: tasks are left for the other)."""
    db = tmp_path / "r.db"
    with _scan_with_worker_setup(tmp_path, "waitkill", WAITKILL, (str(tmp_path),),
                                 ("--chunk-size", "64")) as proc:
        _, err = proc.communicate(timeout=60)
    _stopped_in_one_line(proc, err, signal.SIGKILL, db)
