"""``bridge scan --mpi`` under ``mpiexec ... python -m mpi4py.futures`` (bridge.scan.executors):
the workers' set-up (start_mpi_worker: one BLAS thread, their SIGINT and SIGTERM) and a stop
that reaches every rank (mpiexec's Ctrl-C, a batch system's cancel). Slow: each test starts an
MPI job; skipped without mpi4py or an mpiexec that starts (``pip install mpi4py mpich``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scan_reliability import _group, cpu_seconds

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CARD = str(ROOT / "cards" / "F_Ib.slha")
#: A 10⁶-point F_Ib grid in chunks of 4·10⁵ points: a worker's first chunk takes seconds, so a
#: signal sent once the results file exists (the scan's set-up done) finds it computing.
LONG = ["--vary", "MINPAR:1:20:1000:1000", "--vary", "MINPAR:2:100:2000:1000", "--likelihood",
        "seed2021", "--mpi", "-q", "--chunk-size", "400000"]
#: CPU seconds of a worker rank by which it computes its first chunk (:func:`_start`).
WORKER_BUSY = 3.0
#: CPU seconds a worker may use after a stop reached it: a few parts of a chunk (~0.1 s each),
#: far below a 4·10⁵-point chunk (several CPU-s).
PART_CPU = 1.0
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS")

#: Run under mpiexec: the BLAS threads in the scan's MPI workers, read from OpenBLAS itself.
PROBE = """
import json
from bridge.scan import executors


def threads():
    import numpy  # noqa: F401  (its BLAS loaded now, after the workers' initializer)

    from bridge import blas

    return blas.openblas_threads()


if __name__ == "__main__":
    backend = executors.make_backend(mpi=True)
    try:
        print(json.dumps([backend.executor.submit(threads).result() for _ in range(4)]))
    finally:
        backend.close()
"""


@pytest.fixture(scope="module")
def mpiexec():
    pytest.importorskip("mpi4py")
    found = shutil.which("mpiexec") or shutil.which("mpiexec", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("no mpiexec")
    started = subprocess.run([found, "-n", "2", sys.executable, "-c", "from mpi4py import MPI"],
                             capture_output=True, timeout=60)
    if started.returncode:
        pytest.skip(f"mpiexec cannot start a job here: {started.stderr.decode()[-300:]}")
    return found


def _environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    return {**env, "PYTHONWARNINGS": "ignore", **extra}


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: OpenBLAS runs one thread anyway")
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize(("chosen", "numpy_first"), [(None, False), ("2", False), (None, True)])
def test_mpi_workers_run_one_blas_thread_unless_chosen(tmp_path, mpiexec, chosen, numpy_first):
    """mpiexec starts the workers before the scan's master can set their environment: each
    sets one BLAS thread in its initializer, before numpy's import (bridge.blas; the 10⁶-point
    F_Ib grid on 2 MPI workers took 30.9 s with OpenBLAS's default threads, 16.3 s with one).
    A thread count the user chose (passed by mpiexec to every rank) is kept. Where the master's
    script imports numpy first (mpi4py imports it in each worker before the initializer runs),
    OpenBLAS is set at run time: it kept its default threads (review rev22)."""
    probe = tmp_path / "probe.py"
    probe.write_text(("import numpy  # noqa: F401\n" if numpy_first else "") + PROBE)
    env = _environment(**({"OPENBLAS_NUM_THREADS": chosen} if chosen else {}))
    out = subprocess.run([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", str(probe)],
                         capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    threads = json.loads(out.stdout.strip().splitlines()[-1])
    if threads[0] is None:
        pytest.skip("numpy's BLAS is not OpenBLAS")
    assert threads == [int(chosen or 1)] * 4


def _ranks(db: Path) -> dict[int, int]:
    """{pid: MPI rank} of the python processes of the MPI job that writes ``db`` (master 0 and
    workers; a rank's rank in MPICH's PMI_RANK: a child it forks has its command line too)."""
    out = {}
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and b"mpi4py.futures" in args and str(db).encode() in args:
            rank = [item[9:] for item in environ if item.startswith(b"PMI_RANK=")]
            if rank:
                out[int(entry.name)] = int(rank[0])
    return out


def _workers(db: Path) -> list[int]:
    """The worker ranks among :func:`_ranks` (MPI rank above 0)."""
    return [pid for pid, rank in _ranks(db).items() if rank > 0]


def _catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a handler for SIGTERM (its SigCgt mask in /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except OSError:
        pass
    return False


def _start(mpiexec, db: Path):
    """The long scan under mpiexec (its own process group), once its results file exists."""
    proc = subprocess.Popen([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "-m", "bridge.cli",
                             "scan", CARD, *LONG, "-o", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_environment(), cwd=db.parent,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.exists(), proc.communicate(timeout=60)
    # the workers on their first chunk: each has used WORKER_BUSY CPU seconds (its start-up and
    # the scan's set-up take 1-2 s; a chunk takes several)
    while min((cpu_seconds(pid) for pid in _workers(db)), default=0) < WORKER_BUSY and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None and len(_workers(db)) == 2
    return proc


def _stopped(proc, db: Path, workers: list[int]) -> tuple[list[float], str]:
    """(CPU seconds each of ``workers`` used from now to its end, bridge's lines on stderr),
    once no process of the job is left (mpiexec's group, and the ranks, each in a group of its
    own). Call it right after the signal."""
    first = {pid: cpu_seconds(pid) for pid in workers}
    last = dict(first)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        for pid in workers:
            if os.path.exists(f"/proc/{pid}"):
                last[pid] = max(last[pid], cpu_seconds(pid))
        time.sleep(0.02)
    _, err = proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while (_group(proc.pid) or _ranks(db)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group(proc.pid) and not _ranks(db), "processes left behind"
    # mpiexec's own notes, and MPICH's line for mpi4py's MPI_Abort of a job whose master
    # exits with a status (mpi4py.run): not bridge's
    ours = [line for line in err.splitlines() if not line.startswith(("[mpiexec@", "Abort("))]
    return [last[pid] - first[pid] for pid in workers], "\n".join(ours)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_a_stop_that_reaches_every_rank_ends_the_chunks_in_flight(tmp_path, mpiexec, stop):
    """A stop that reaches every rank: mpiexec passes a Ctrl-C (SIGINT to its process group) to
    all of them; a batch system's cancel sends each its SIGTERM. Each worker's chunk ends at
    once, and so does the chunk the pool may hand it next (the third of three, queued): after
    the signal no worker computes for PART_CPU (a chunk is several CPU-s, a part ~0.1). The scan
    stops in its one line (130 / 143), without a worker's traceback, and nothing is left
    (nothing was stored). Before: Python's default SIGINT handler also ended a chunk in flight,
    but a worker between tasks raised in mpi4py's loop (its traceback, an MPI_Abort, the results
    file's WAL left); SIGTERM's default action ended the workers (mpiexec's "BAD TERMINATION"
    banner, exit 15, -wal and -shm left)."""
    db = tmp_path / "r.db"
    proc = _start(mpiexec, db)
    ranks = _ranks(db)
    assert sorted(ranks.values()) == [0, 1, 2], ranks
    workers = _workers(db)
    if stop == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C: mpiexec's process group
    else:
        for pid in ranks:
            os.kill(pid, signal.SIGTERM)
    after, err = _stopped(proc, db, workers)
    assert (proc.returncode, err) == ((130, "bridge: interrupted") if stop == "ctrl-c" else
                                      (143, "bridge: terminated (SIGTERM); no results file was written"))
    assert max(after) < PART_CPU, after
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_the_workers_handle_a_stop_while_the_master_prepares(tmp_path, mpiexec):
    """An --mpi scan starts its pool, and the workers' initializer runs, before its set-up: a
    SIGTERM to every rank while the master prepares (here --validate, flavio at 30 points) stops
    the scan in one line, exit 143, nothing written. Before, the pool was made after the set-up
    (and the results file): until then the workers had no handler (a SIGTERM ended them, exit
    15; a Ctrl-C gave their tracebacks and an MPI_Abort), review rev22."""
    db = tmp_path / "r.db"
    proc = subprocess.Popen([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "-m", "bridge.cli",
                             "scan", CARD, *LONG, "--validate", "30", "-o", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
                            cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not db.exists() and not (
            len(_workers(db)) == 2 and all(_catches_sigterm(pid) for pid in _workers(db))):
        time.sleep(0.02)
    assert not db.exists(), "the workers had no handler until the set-up was done"
    ranks = _ranks(db)
    assert sorted(ranks.values()) == [0, 1, 2], ranks
    for pid in ranks:
        os.kill(pid, signal.SIGTERM)
    _, err = _stopped(proc, db, _workers(db))
    assert proc.returncode == 143, err
    assert err == "bridge: terminated (SIGTERM); no results file was written", err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
