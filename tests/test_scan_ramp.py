"""A 2-worker scan's fixed costs (bridge.scan.executors, bridge.scan.runner.ChunkPlan): workers
leave without tearing their interpreter down, with their exit code; the last chunks shrink so
that the workers finish together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_no_chunk_exceeds_the_largest(slots):
    """Review rev14: with one slot the merged last chunk could exceed the largest chunk (103 677
    points ended 8192, 8192, 9197). The merge now keeps to the planned size, and one worker
    (the in-process backend) takes the plan's sizes as they are."""
    for total in range(90_000, 110_001, 97):
        sizes, planned = _sizes(total, slots=slots)
        assert sum(sizes) == total and max(sizes) <= 8192, (total, sizes)
        if slots == 1:
            assert sizes[:-1] == planned[:-1], total
