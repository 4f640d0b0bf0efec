"""Scan-kill benchmark (issue 13): SIGKILL ``bridge scan`` at random moments, resume, compare.

1. An uninterrupted reference scan (F_Ib, two masses on a grid, the ``seed2021`` chi2, local
   worker processes) into ``ref.db``.
2. The same command into ``killed.db``, started, killed with SIGKILL after a random delay
   (seeded; it may land during the setup, while the workers start or while chunks run),
   and started again, ``--kills`` times; then run to the end.
3. After each kill, the process table: every process of the killed scan's session (its
   workers, multiprocessing's resource tracker) must end within ``--grace`` seconds.
4. At the end both files are exported to CSV (``bridge scan --export``): every point id
   0..N-1 must be there exactly once, and every value must equal the reference's, bit for
   bit (the CSV holds ``repr`` of each float).

Prints the kills (when, points stored by then, processes left and how long they took to
end), then points lost, duplicated, values differing and processes left behind, and for the
last resume (run to the end) the defunct orphans its session showed (a process that ended
after the scan, e.g. multiprocessing's resource tracker) and the processes left after it.

Usage:  python benchmarks/scan_kill.py [--kills 20] [--workers 2] [--grid 200] [--seed 1]
        [--sample random]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")


def scan_command(db: Path, grid: int, workers: int, chunk: int, vectorise: bool,
                 sample: str = "grid") -> list[str]:
    return [sys.executable, "-m", "bridge.cli", "scan", CARD, "--vary", f"MINPAR:1:20:1000:{grid}",
            "--vary", f"MINPAR:2:100:2000:{grid}", "--likelihood", "seed2021", "--no-observables",
            "--workers", str(workers), "--chunk-size", str(chunk), "-o", str(db), "-q",
            *([] if vectorise else ["--no-vectorise"]),
            *([] if sample == "grid" else ["--sample", f"random:{grid * grid}"])]


def _stat_fields():
    """(pid, fields of /proc/<pid>/stat after the command name) of every process listed."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    yield int(entry), fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return ""


def session_processes(sid: int) -> list[tuple[int, str]]:
    """(pid, command) of the live (not zombie) processes of session ``sid``."""
    return [(pid, _command(pid)) for pid, fields in _stat_fields()
            if int(fields[3]) == sid and fields[0] != "Z"]


def session_defunct(sid: int) -> set[int]:
    """Pids of the defunct (zombie) processes of session ``sid`` whose parent is not the scan
    itself (orphans: the scan ended before them, and nobody of the scan reaps them)."""
    # the scan itself (pid sid) is defunct until this benchmark reaps it: not counted
    return {pid for pid, fields in _stat_fields()
            if int(fields[3]) == sid and fields[0] == "Z" and sid not in (pid, int(fields[1]))}


def watched_run(cmd, env) -> tuple[int, int]:
    """Run the scan to its end in a session of its own, watching the session every 5 ms:
    (defunct orphans seen, processes left once it ended)."""
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    orphans: set = set()
    while proc.poll() is None:
        orphans |= session_defunct(proc.pid)
        time.sleep(0.005)
    t = time.perf_counter()
    while session_processes(proc.pid) and time.perf_counter() - t < 2.0:
        orphans |= session_defunct(proc.pid)
        time.sleep(0.005)
    if proc.returncode:
        raise SystemExit(f"the last resume failed ({proc.returncode})")
    return len(orphans), len(session_processes(proc.pid))


def stored(db: Path) -> int:
    """Points in the results file (0 if it is not there yet or busy)."""
    from bridge.errors import InputError
    from bridge.scan.store import stored_ids

    if not db.exists():
        return 0
    try:
        return int(stored_ids(db).size)
    except (InputError, sqlite3.DatabaseError):  # not created yet, or busy
        return 0


def export(db: Path, target: Path, env) -> dict[int, dict[str, str]]:
    subprocess.run([sys.executable, "-m", "bridge.cli", "scan", "--export", str(target), "-o", str(db),
                    "-q"], check=True, env=env, timeout=600)
    rows: dict[int, dict[str, str]] = {}
    duplicates = 0
    with open(target, newline="") as fh:
        for row in csv.DictReader(fh):
            i = int(row["id"])
            duplicates += i in rows
            rows[i] = row
    rows["duplicates"] = duplicates  # type: ignore[index]
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--grid", type=int, default=200, help="points per axis (default 200)")
    parser.add_argument("--chunk", type=int, default=64, help="points per chunk (default 64)")
    parser.add_argument("--vectorise", action="store_true",
                        help="batched model evaluation (fast: few kills land while workers run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", choices=("grid", "random"), default="grid",
                        help="the scan's points: the grid, or as many drawn at random (chunks "
                             "stored in Hilbert order)")
    parser.add_argument("--grace", type=float, default=15.0,
                        help="seconds the workers may take to end after a kill (default 15)")
    parser.add_argument("--max-delay", type=float, default=None,
                        help="latest kill, seconds after a start (default: 60%% of the reference "
                             "run, at most 10 s)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bridge-scan-kill-"))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.setdefault("BRIDGE_CACHE_DIR", str(work / "cache"))
    os.environ["BRIDGE_CACHE_DIR"] = env["BRIDGE_CACHE_DIR"]
    from bridge.sm import cached_sm_inputs as sm_inputs

    sm_inputs({})  # flavio's SM inputs cached once: every start below skips flavio
    size = args.grid**2
    ref, killed = work / "ref.db", work / "killed.db"
    start = time.perf_counter()
    subprocess.run(scan_command(ref, args.grid, args.workers, args.chunk, args.vectorise,
                                args.sample), check=True, env=env, timeout=3600)
    t_ref = time.perf_counter() - start
    print(f"reference: {size} points in {t_ref:.1f} s ({args.workers} workers, chunks of {args.chunk})")
    rng = random.Random(args.seed)
    max_delay = args.max_delay or min(0.6 * t_ref, 10.0)
    cmd = scan_command(killed, args.grid, args.workers, args.chunk, args.vectorise, args.sample)
    kills, left_total, worst_cleanup = [], 0, 0.0
    log = open(work / "killed.stderr", "w")
    for k in range(args.kills):
        delay = rng.uniform(0.2, max_delay)
        before = stored(killed)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        time.sleep(delay)
        finished = proc.poll() is not None
        members = session_processes(proc.pid)
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        t_kill = time.perf_counter()
        left = session_processes(proc.pid)
        while left and time.perf_counter() - t_kill < args.grace:
            time.sleep(0.05)
            left = session_processes(proc.pid)
        cleanup = time.perf_counter() - t_kill
        worst_cleanup = max(worst_cleanup, cleanup)
        left_total += len(left)
        for pid, _ in left:  # only processes of this benchmark's own scans
            os.kill(pid, signal.SIGKILL)
        after = stored(killed)
        kills.append((delay, before, after, len(members), len(left), cleanup, finished))
        note = " (had finished)" if finished else ""
        print(f"kill {k + 1:2d} after {delay:5.2f} s{note}: stored {before:6d} -> {after:6d}, "
              f"{len(members)} processes at the kill, {len(left)} left after {cleanup:.2f} s"
              + (f": {left}" if left else ""), flush=True)
    log.close()
    orphans, left_end = watched_run(cmd, env)
    a, b = export(ref, work / "ref.csv", env), export(killed, work / "killed.csv", env)
    dup_a, dup_b = a.pop("duplicates"), b.pop("duplicates")
    lost = sorted(set(range(size)) - set(b))
    extra = sorted(set(b) - set(range(size)))
    columns = sorted(set(next(iter(a.values()))) - {"route"})  # route: fast/direct, not a value
    differing = sum(a[i][c] != b[i].get(c) for i in a if i in b for c in columns)
    done = sum(k[-1] for k in kills)
    setup = sum(1 for k in kills if not k[-1] and k[3] < 2)  # killed before a worker started
    print(f"kills {len(kills)}: {len(kills) - done - setup} with workers running, {setup} before, "
          f"{done} after the end; resumes {len(kills) + 1}")
    print(f"points {size}: lost {len(lost)}, duplicated {dup_b + len(extra)}, reference duplicated {dup_a}")
    print(f"values compared {len(a) * len(columns)} ({len(columns)} columns): differing {differing}")
    print(f"processes left behind after the kills: {left_total} (slowest clean-up {worst_cleanup:.2f} s)")
    print(f"last resume: {orphans} defunct orphans seen in its session, {left_end} processes left "
          "2 s after it ended")
    print(f"work directory {work}")
    bad = lost or extra or dup_b or differing or left_total or orphans or left_end
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
