"""A 2-worker scan's fixed costs (bridge.scan.runner.run, bridge.scan.executors): the local
pool's workers start before the scan is prepared, and a scan refused or with nothing to compute
after that ends them and writes nothing; workers leave without tearing their interpreter down,
with their exit code; the last chunks shrink so that the workers finish together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")
VARY = ["--vary", "MINPAR:1:100:200:3", "--vary", "MINPAR:2:500:900:3"]


@pytest.fixture(scope="module")
def cached_sm():
    """flavio's SM inputs in the (session) disk cache: scans and their subprocesses skip flavio."""
    from bridge.sm import cached_sm_inputs as sm_inputs

    return sm_inputs({})


def _all_children(pid: int) -> dict[int, str]:
    """{pid: state} of every child of ``pid`` (defunct ones included), from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out[int(entry)] = fields[0]
    return out


def _main(capsys, *args):
    from bridge.cli import main

    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def pool_calls(monkeypatch):
    """The pools the scan starts early and ends unused (executors.start_workers, abandon_pool)."""
    from bridge.scan import executors

    calls = {"started": 0, "abandoned": 0}
    start, abandon = executors.start_workers, executors.abandon_pool

    def started(backend):
        calls["started"] += 1
        return start(backend)

    def abandoned(pool):
        calls["abandoned"] += 1
        return abandon(pool)

    monkeypatch.setattr(executors, "start_workers", started)
    monkeypatch.setattr(executors, "abandon_pool", abandoned)
    return calls


def _refused_cases(tmp_path):
    """(arguments, results file) of scans refused after their pool has started."""
    other = tmp_path / "other.db"
    bad_card = tmp_path / "bad.slha"
    bad_card.write_text("Block BRIDGE\n    1   no_such_model_of_bridge_tests\n")
    return {
        "bad card": ([str(bad_card), *VARY], tmp_path / "a.db"),
        "bad --vary": ([CARD, "--vary", "MINPAR:99:1:2:3"], tmp_path / "b.db"),
        "another scan's file": ([CARD, "--vary", "MINPAR:1:100:300:3", "--vary", "MINPAR:2:500:900:3"],
                                other),
    }


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("case", ["bad card", "bad --vary", "another scan's file"])
def test_a_scan_refused_after_its_pool_started_leaves_nothing(tmp_path, capsys, cached_sm, pool_calls, case):
    """Refused after the workers were started (in prepare, or by the identity check that follows
    it): exit 2, one line, no results file written or changed, no child process left (workers
    and the resource tracker reaped, none defunct)."""
    from multiprocessing import resource_tracker

    from bridge.scan import store

    args, db = _refused_cases(tmp_path)[case]
    if case == "another scan's file":  # a finished scan of another grid in the file
        rc, _, err = _main(capsys, "scan", CARD, *VARY, "--no-observables", "--workers", "1",
                           "-o", str(db), "-q")
        assert rc == 0, err
    before_bytes = db.read_bytes() if db.exists() else None
    before = _all_children(os.getpid())
    rc, _, err = _main(capsys, "scan", *args, "--no-observables", "--workers", "2", "-o", str(db), "-q")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("bridge: error: "), err
    assert pool_calls == {"started": 1, "abandoned": 1}
    assert {p: st for p, st in _all_children(os.getpid()).items() if p not in before} == {}
    assert resource_tracker._resource_tracker._pid is None
    if before_bytes is None:
        assert not db.exists() and not [f for f in store.side_files(db) if f.exists()]
    else:
        assert db.read_bytes() == before_bytes


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_finished_scan_run_again_ends_its_early_pool(tmp_path, capsys, cached_sm, pool_calls):
    """Resumed with every point stored, the scan has nothing to compute: the workers started
    for it are ended, and the file keeps its points."""
    from bridge.scan import store

    db = tmp_path / "r.db"
    args = ["scan", CARD, *VARY, "--no-observables", "--workers", "2", "-o", str(db), "-q"]
    assert _main(capsys, *args)[0] == 0
    assert pool_calls == {"started": 1, "abandoned": 0}
    before = _all_children(os.getpid())
    rc, _, err = _main(capsys, *args)
    assert rc == 0, err
    assert pool_calls == {"started": 2, "abandoned": 1}
    assert {p: st for p, st in _all_children(os.getpid()).items() if p not in before} == {}
    assert store.count(str(db)) == (9, 0)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_abandoning_a_pool_whose_workers_start_reaps_them():
    """Backend.abandon right after the workers were started (still in their imports)."""
    from multiprocessing import resource_tracker

    from bridge.scan import executors

    before = _all_children(os.getpid())
    backend = executors.make_backend(workers=2)
    executors.start_workers(backend)
    started = {p for p in _all_children(os.getpid()) if p not in before}
    assert len(started) >= 2  # the two workers (and the resource tracker)
    backend.abandon()
    assert {p: st for p, st in _all_children(os.getpid()).items() if p not in before} == {}
    assert resource_tracker._resource_tracker._pid is None


PROBE = r"""
import atexit, sys
from bridge.scan.executors import _WorkerContext

def leave(path, how):
    atexit.register(lambda: open(path, "w").write("torn down"))
    if how == "raise":
        raise RuntimeError("a worker's error")
    if how == "exit":
        sys.exit(3)

if __name__ == "__main__":
    out = {}
    for how in ("return", "raise", "exit"):
        path = sys.argv[1] + "." + how
        p = _WorkerContext().Process(target=leave, args=(path, how))
        p.start()
        p.join(120)
        import os
        out[how] = (p.exitcode, os.path.exists(path))
    print(out)
"""


def test_a_worker_process_keeps_its_exit_code_and_skips_the_teardown(tmp_path):
    """_WorkerProcess: multiprocessing's exit code (0, 1 after an error, a SystemExit's code),
    and no interpreter teardown: an atexit handler of the worker does not run."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "torn")], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str({"return": (0, False), "raise": (1, False), "exit": (3, False)})
    assert "RuntimeError: a worker's error" in proc.stderr  # multiprocessing's report, flushed


def _sizes(total: int, slots: int = 2, largest: int = 8192, rate: float = 4e4):
    """The chunk sizes of a scan of ``total`` points as _run_chunks asks ChunkPlan, at a measured
    ``rate`` points a second, and the size the plan gave each without the tail rule."""
    from bridge.scan.runner import ChunkPlan

    plan, twin = ChunkPlan(16, largest, seconds=slots), ChunkPlan(16, largest, seconds=slots)
    taken, out, planned = 0, [], []
    while taken < total:
        n = min(plan.next_size(total - taken, slots), total - taken)
        planned.append(twin.next_size())
        out.append(n)
        taken += n
        plan.measured(n, n / rate)
        twin.measured(n, n / rate)
    return out, planned


@pytest.mark.parametrize("total", [1, 10, 100, 5000, 20_000, 199_809, 10**6])
def test_the_last_chunks_shrink_and_none_is_a_few_points(total):
    from bridge.scan.runner import TAIL_FLOOR, TAIL_SHARE

    sizes, planned = _sizes(total)
    assert sum(sizes) == total and 1 <= min(sizes) and max(sizes) <= 8192
    floor = 8192 // TAIL_FLOOR
    left = total
    for k, s in enumerate(sizes[:-1]):
        assert s <= planned[k]  # never above the plan
        assert s >= min(planned[k], floor)  # the ramp's small chunks, else at least the floor
        assert s <= max(-(-left // (TAIL_SHARE * 2)), floor)  # at most a share of what is left
        left -= s
    assert sizes[-1] == left
    if total > 4 * 8192:
        assert sizes[-1] <= floor + floor // 2
        full = max(i for i, s in enumerate(sizes) if s == 8192)
        assert 2 <= len(sizes) - 1 - full <= 4, sizes  # a few smaller chunks, not many
        assert sizes[full:-1] == sorted(sizes[full:-1], reverse=True), sizes  # shrinking


def test_a_small_scan_s_first_chunks_stay_small():
    """The tail rule does not merge a small scan into one chunk: both workers get points."""
    assert _sizes(100)[0] == [16, 84]
    assert _sizes(40)[0] == [16, 24]


def test_a_fixed_chunk_size_ignores_the_tail():
    from bridge.scan.runner import ChunkPlan

    plan = ChunkPlan(7, 7, fixed=True)
    plan.measured(7, 1e-6)
    assert plan.next_size(10, 2) == 7 and plan.next_size(3, 2) == 7
