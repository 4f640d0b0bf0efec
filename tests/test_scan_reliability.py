"""``bridge scan`` under abuse (issue 13, items 5, 7, 8, 11 second half, 15): workers die with
their parent, huge scan definitions and bad addresses, observables and export targets are
refused up front with one line. Benchmarks: benchmarks/scan_kill.py (20 kills and resumes).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")
SMALL = ["--vary", "MINPAR:1:100:200:2", "--vary", "MINPAR:2:500:900:2", "--likelihood", "seed2021",
         "--no-observables", "--workers", "1"]


@pytest.fixture(scope="module")
def cached_sm():
    """flavio's SM inputs in the (session) disk cache: scans and their subprocesses skip flavio."""
    from bridge.sm import cached_sm_inputs as sm_inputs

    return sm_inputs({})


def _main(capsys, *args):
    from bridge.cli import main

    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def _one_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("bridge: error: "), err
    return lines[0]


def _bridge(*args, timeout=60, memory=3 << 30):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


# ---------------------------------------------------------------------------
# item 5: workers die with their parent
# ---------------------------------------------------------------------------
POOL = r"""
import os, sys, time
from bridge.scan.executors import make_backend
backend = make_backend(workers=2)
futures = [backend.executor.submit(time.sleep, 0.3) for _ in range(4)]
[f.result() for f in futures]
print("ready", flush=True)
time.sleep(600)
"""


def _processes():
    """(pid, state, parent pid) of every process this machine's /proc lists."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            yield int(entry), fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    """The live (not defunct) children of ``pid``."""
    return [p for p, state, parent in _processes() if parent == pid and state != "Z"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_pool_workers_and_resource_tracker_die_with_the_scan():
    """SIGKILL of the scanning process left its workers and the resource tracker running forever."""
    proc = subprocess.Popen([sys.executable, "-c", POOL], stdout=subprocess.PIPE, text=True)
    children = []
    try:
        with proc.stdout:
            assert proc.stdout.readline().strip() == "ready"
        children = _children(proc.pid)
        assert len(children) >= 3, children  # two workers and the resource tracker
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.1)
        left = [c for c in children if _alive(c)]
        assert not left, f"processes left behind: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for child in children:  # only the processes this test started
            if _alive(child):
                os.kill(child, signal.SIGKILL)


def _group(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    out = []
    for pid, state, _ in _processes():
        try:
            if state != "Z" and os.getpgid(pid) == pgid:
                out.append(pid)
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _nothing_left(pgid: int) -> None:
    """Assert that process group ``pgid`` empties within 10 s (a scan's workers reaped)."""
    deadline = time.monotonic() + 10
    while _group(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group(pgid), "processes left behind"


def _ended_in_one_line(proc, err: str, code: int, start: str, db) -> None:
    """A scan process ended with exit ``code`` and one line on stderr that starts with
    ``start`` and names its results file ``db``, leaving no process of its group."""
    assert proc.returncode == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), err
    assert str(db) in lines[0]
    _nothing_left(proc.pid)


def _spawned_workers(pgid: int) -> list[int]:
    """The spawn workers (multiprocessing.spawn) of process group ``pgid``."""
    found = []
    for pid in _group(pgid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"spawn_main" in fh.read():
                    found.append(pid)
        except OSError:
            continue
    return found


@contextlib.contextmanager
def _group_killed_at_exit(proc):
    """Yield ``proc`` (a process group leader); kill its group if it still runs at the end
    (a failed assertion or a timeout must not leave a scan and its workers behind)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


@contextlib.contextmanager
def _scan_with_workers(db, points: int, sigint, extra=()):
    """A 2-worker ``bridge scan`` of ``points`` random F_Ib points into ``db`` (options
    ``extra`` added), in a process group of its own and started with SIGINT set to ``sigint``
    (a test runner may ignore it); yields the process once its first worker process exists,
    and kills the group if it is still running at the end."""
    cmd = [sys.executable, "-m", "bridge.cli", "scan", CARD, "--vary", "MINPAR:1:20:1000:9",
           "--vary", "MINPAR:2:100:2000:7", "--sample", f"random:{points}", "--no-observables",
           "--workers", "2", "-o", str(db), "-q", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    with _group_killed_at_exit(proc):
        deadline = time.monotonic() + 60
        while not _spawned_workers(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _spawned_workers(proc.pid), "no worker started"
        yield proc


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5])
def test_ctrl_c_while_workers_start_is_one_line(tmp_path, cached_sm, delay):
    """Ctrl-C reaches the terminal's whole process group. Workers still starting (interpreter,
    imports, their first task's unpickling) each printed a KeyboardInterrupt traceback after the
    scan's "bridge: interrupted" (1-2 of 2 workers at these delays on 2026-12-01), and one
    interrupted between its start and its set-up left the scan waiting for it forever. Now:
    exit 130, that one line, no process left. The signal goes to the group ``delay`` s after
    the first worker process appears, while the scan still runs."""
    with _scan_with_workers(tmp_path / "r.db", 100_000, signal.SIG_DFL) as proc:
        time.sleep(delay)
        assert proc.poll() is None, "the scan ended before the signal"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == "bridge: interrupted", err
    _nothing_left(proc.pid)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_scan_started_with_sigint_ignored_ignores_it(tmp_path, cached_sm):
    """A background job of a shell script starts with SIGINT ignored; the scan and its workers
    keep ignoring it (review of the Ctrl-C change: its workers' handler ended them there)."""
    db = tmp_path / "r.db"
    with _scan_with_workers(db, 30_000, signal.SIG_IGN) as proc:
        for _ in range(3):  # while the workers start, and after
            time.sleep(0.15)
            assert proc.poll() is None, "the scan ended before the signals"
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    from bridge.scan import store

    assert store.count(str(db))[0] == 30000


def _all_children(pid: int) -> dict[int, str]:
    """{pid: state} of every child of ``pid``, defunct (Z) ones included."""
    return {p: state for p, state, parent in _processes() if parent == pid}


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_scan_with_worker_processes_leaves_no_child_behind(tmp_path, capsys, cached_sm):
    """Every ``bridge scan`` with a process pool left multiprocessing's resource tracker running
    as a child of the scanning process: in a long-lived process it stayed, and when ``bridge
    scan`` exited it ended after its parent, a defunct process in the scan's process group
    until init reaped it. Now the scan reaps its workers and the tracker before it returns."""
    from multiprocessing import resource_tracker

    before = _all_children(os.getpid())
    rc, _, err = _main(capsys, "scan", CARD, *SMALL[:-1], "2", "--chunk-size", "1",
                       "-o", str(tmp_path / "r.db"), "-q")
    assert rc == 0, err
    after = _all_children(os.getpid())
    assert {p: st for p, st in after.items() if p not in before} == {}
    assert resource_tracker._resource_tracker._pid is None
    if not before:  # nothing of this process's own to reap: the kernel agrees
        with pytest.raises(ChildProcessError):
            os.waitpid(-1, os.WNOHANG)


def test_serial_backend_starts_no_process():
    from bridge.scan.executors import make_backend

    before = _children(os.getpid())
    backend = make_backend(workers=1)
    assert backend.executor.submit(os.getpid).result() == os.getpid()
    backend.close()
    assert _children(os.getpid()) == before


# ---------------------------------------------------------------------------
# item 7: scan size
# ---------------------------------------------------------------------------
def test_space_size_limits():
    from bridge.run import load_point
    from bridge.scan.space import MAX_LHS_POINTS, MAX_POINTS, Space, parse_vary

    _, _, info, inputs, _, _ = load_point(CARD)
    huge = [parse_vary("MINPAR:1:10:1000:1000000000", info, inputs),
            parse_vary("MINPAR:2:10:1000:1000000000", info, inputs)]
    with pytest.raises(InputError, match=r"10\^18 points.*limit of 10\^8"):
        Space(huge)
    with pytest.raises(InputError, match="limit"):
        Space(huge[:1], "random", 10**10)
    with pytest.raises(InputError, match="limit"):
        Space(huge[:1], "lhs", MAX_LHS_POINTS + 1)
    assert Space(huge[:1], "random", MAX_POINTS).size == MAX_POINTS
    assert Space([parse_vary("MINPAR:1:10:1000:10000", info, inputs),
                  parse_vary("MINPAR:2:10:1000:10000", info, inputs)]).size == MAX_POINTS


@pytest.mark.parametrize("n", ["1000000000", "100000"])
def test_huge_grid_is_refused_before_allocating(tmp_path, n):
    """1e9 x 1e9 died with _ArrayMemoryError; 1e5 x 1e5 (1e10) hung allocating."""
    db = tmp_path / "x.db"
    proc = _bridge("scan", CARD, "--vary", f"MINPAR:1:10:1000:{n}", "--vary", f"MINPAR:2:10:1000:{n}",
                   "--no-observables", "--workers", "1", "-o", str(db), timeout=120, memory=2 << 30)
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "limit of 10^8 points" in lines[0], proc.stderr[-3000:]


@pytest.mark.parametrize(("option", "value"), [("--workers", "-2"), ("--workers", "0"),
                                             ("--workers", "1000000000000"), ("--workers", "1025"),
                                             ("--chunk-size", "0"), ("--chunk-size", "-5"),
                                             ("--seed", "-1")])
def test_a_count_option_out_of_range_is_refused(tmp_path, capsys, option, value):
    """--workers -2 and 10¹² and --seed -1 (with a random sample) gave tracebacks
    (multiprocessing's, numpy's), exit 1; --chunk-size 0 ran with the default chunks and -5 with
    chunks of 1. Now one line naming the option, exit 2, and no results file."""
    rc, _, err = _main(capsys, "scan", CARD, *SMALL, "--sample", "random:4", option, value,
                       "-o", str(tmp_path / "x.db"))
    assert rc == 2
    assert _one_error(err).startswith(f"bridge: error: {option} must be an integer ")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# item 8: --scheduler
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["nonsense", "tcp://host:notaport", "http://127.0.0.1:8787",
                                     "inproc://x", "tls://127.0.0.1:8786", "tcp://127.0.0.1:0",
                                     "tcp://127.0.0.1:99999", "tcp://:8786", "tcp://a b:1", "ucx://h:1"])
def test_malformed_scheduler_address_is_refused(tmp_path, capsys, address):
    """These gave tracebacks."""
    rc, _, err = _main(capsys, "scan", CARD, *SMALL, "--scheduler", address, "-o", str(tmp_path / "x.db"))
    assert rc == 2
    assert f"--scheduler {address}" in _one_error(err)
    assert not (tmp_path / "x.db").exists()


def test_numpy_integers_in_the_options_are_taken(tmp_path, cached_sm):
    """ScanOptions(workers=np.int64(2), ...) through the API: taken as 2 (a TypeError from the
    shared counters before, review rev23); np.int64(0) refused as 0 is."""
    import numpy as np

    from bridge.scan.runner import ScanOptions, run

    db = tmp_path / "x.db"
    opts = ScanOptions(CARD, ["MINPAR:1:100:200:2", "MINPAR:2:500:900:2"], str(db), likelihoods=["seed2021"],
                       observables=False, workers=np.int64(2), chunk_size=np.int32(2),
                       seed=np.int64(3), progress=False)
    assert run(opts).stored == 4
    assert (opts.workers, opts.chunk_size, opts.seed) == (2, 2, 3) and type(opts.workers) is int
    with pytest.raises(InputError, match="--workers must be an integer"):
        run(ScanOptions(CARD, ["MINPAR:1:100:200:2"], str(tmp_path / "y.db"), workers=np.int64(0)))


def test_mpi_and_a_scheduler_together_are_refused(tmp_path, capsys):
    """--mpi with --scheduler: one line, exit 2, no file (an --mpi scan makes its backend before
    its set-up; that first version made the MPI pool and ignored the scheduler)."""
    rc, _, err = _main(capsys, "scan", CARD, *SMALL, "--mpi", "--scheduler", "tcp://127.0.0.1:1",
                       "-o", str(tmp_path / "x.db"))
    assert rc == 2
    assert _one_error(err) == "bridge: error: give either --scheduler or --mpi, not both"
    assert list(tmp_path.iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_closed_port_fails_at_once(tmp_path):
    """A closed port took ~60 s to fail; the check runs before anything else of the scan."""
    port = _closed_port()
    proc = _bridge("scan", CARD, *SMALL, "--scheduler", f"tcp://127.0.0.1:{port}", "-o",
                   str(tmp_path / "x.db"), timeout=25)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect" in lines[0], proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.flavio
def test_silent_server_is_not_a_scheduler(tmp_path, cached_sm):
    """A port that accepts but never speaks Dask: one line after the connect timeout."""
    from bridge.scan.executors import CONNECT_TIMEOUT

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        proc = _bridge("scan", CARD, *SMALL, "--scheduler", f"tcp://127.0.0.1:{port}", "-o",
                       str(tmp_path / "x.db"), timeout=CONNECT_TIMEOUT + 60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--scheduler tcp://127.0.0.1:{port}" in lines[0], proc.stderr[-3000:]


# ---------------------------------------------------------------------------
# item 11 (second half) and item 15: refused up front
# ---------------------------------------------------------------------------
@pytest.mark.flavio
def test_export_to_a_missing_directory(tmp_path, capsys, cached_sm):
    """``--export /nonexistent/x.csv`` gave a FileNotFoundError traceback (after the scan)."""
    db = tmp_path / "s.db"
    target = "/nonexistent/x.csv"
    rc, _, err = _main(capsys, "scan", CARD, *SMALL, "-o", str(db), "--export", target, "-q")
    assert rc == 2 and target in _one_error(err) and "directory" in err
    assert not db.exists()  # refused before the scan
    assert _main(capsys, "scan", CARD, *SMALL, "-o", str(db), "-q")[0] == 0
    for bad in (target, str(tmp_path), str(tmp_path / "x.txt")):
        rc, _, err = _main(capsys, "scan", "--export", bad, "-o", str(db))
        assert rc == 2 and bad in _one_error(err)
    rc, _, err = _main(capsys, "scan", "--export", str(tmp_path / "ok.csv"), "-o", str(db), "-q")
    assert rc == 0 and len((tmp_path / "ok.csv").read_text().splitlines()) == 5


@pytest.mark.flavio
@pytest.mark.parametrize(("spec", "needle"), [("BR(nope)", "unknown"),
                                              ("<BR>(B+->Kmumu):1:6", "unknown"),
                                              ("<dBR/dq2>(B+->Kmumu)", "q2min, q2max"),
                                              ("BR(Bs->mumu):1:6", "takes no arguments"),
                                              ("dBR/dq2(B+->Kmumu):1:6", "q2")])
def test_unknown_observable_is_refused_up_front(tmp_path, capsys, cached_sm, spec, needle):
    """``--observable 'BR(nope)'`` gave a KeyError traceback after the fast path's setup."""
    db = tmp_path / "s.db"
    rc, _, err = _main(capsys, "scan", CARD, *SMALL, "--observable", spec, "-o", str(db))
    assert rc == 2
    line = _one_error(err)
    assert f"--observable {spec!r}" in line and needle in line, line
    assert not db.exists()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_worker_killed_before_any_point_is_stored_names_no_file(tmp_path, cached_sm):
    """A local worker killed during the scan's first chunks (2·10⁵ points each: seconds), before
    any point is stored: exit 1, one line that says no results file was written, and none is
    (the new empty file is removed). The line said that the points stored in it were kept and
    that the same command resumes the scan (review rev22)."""
    db = tmp_path / "r.db"
    with _scan_with_workers(db, 400_000, signal.SIG_DFL, ("--chunk-size", "200000")) as proc:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and \
                max((cpu_seconds(w) for w in _spawned_workers(proc.pid)), default=0) < 1.0:
            time.sleep(0.02)  # a worker in its chunk
        assert proc.poll() is None, "the scan ended before the kill"
        os.kill(_spawned_workers(proc.pid)[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.strip() == ("bridge: error: a worker process of the scan ended without finishing its "
                           "chunk (killed by a signal or out of memory); no results file was written"), err
    assert list(tmp_path.iterdir()) == []
    _nothing_left(proc.pid)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_killed_worker_ends_the_scan_in_one_line(tmp_path, cached_sm):
    """A local worker killed (SIGKILL, as the OOM killer does) while the scan runs: one line
    naming the results file, exit status 1 (not the input's fault), no process left, and the
    same command resumes. Before, concurrent.futures' BrokenProcessPool reached the user as a
    traceback with exit status 1 (review rev14)."""
    db = tmp_path / "r.db"
    with _scan_with_workers(db, 300_000, signal.SIG_DFL) as proc:
        worker = _spawned_workers(proc.pid)[0]
        time.sleep(1.0)  # the worker has imported and runs chunks
        assert proc.poll() is None, "the scan ended before the kill"
        os.kill(worker, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    _ended_in_one_line(proc, err, 1, "bridge: error: a worker process", db)
