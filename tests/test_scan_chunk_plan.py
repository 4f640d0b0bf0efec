"""The ramp of a scan's chunk sizes (bridge.scan.runner.ChunkPlan): each worker's first chunk
small (its warm-up, an early failure fast), the chunks queued behind them larger, and no size
taken from a first chunk's rate (mostly the worker's warm-up)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")


def _plan(**kwargs):
    from bridge.scan.runner import ChunkPlan

    return ChunkPlan(16, 8192, seconds=2.0, second=512, **kwargs)


def test_the_workers_first_chunks_are_small_and_those_behind_them_larger():
    plan = _plan()
    assert [plan.next_size(10**6, 2) for _ in range(4)] == [16, 16, 512, 512]
    assert plan.step() is None  # no rate: no reports within a chunk yet


def test_a_first_chunk_s_rate_sizes_nothing():
    """16 points in 0.13 s (the warm-up) would make the next chunk 246 points: no chunk is
    planned until a chunk after the first ones has ended, whose rate (512 points in 25 ms)
    takes the next straight to the largest (GROWTH × 512)."""
    from bridge.scan.runner import GROWTH

    plan = _plan()
    for _ in range(4):
        assert plan.ready(2)
        plan.next_size(10**6, 2)
    assert not plan.ready(2)
    plan.measured(16, 0.13, first=True)
    plan.measured(16, 0.12, first=True)
    assert not plan.ready(2) and plan.rates == []
    plan.measured(512, 0.025)
    assert plan.ready(2)
    assert plan.next_size(10**6, 2) == 8192 == GROWTH * 512
    assert plan.step() == int(512 / 0.025)  # a second's points


def test_a_slow_model_s_chunks_stay_a_chunk_s_seconds():
    """The rate rule after the first chunks as before: 512 points in 1 s are 1024 points in the
    plan's 2 s, not GROWTH × 512."""
    plan = _plan()
    for _ in range(4):
        plan.next_size(10**6, 2)
    plan.measured(16, 3.0, first=True)
    plan.measured(512, 1.0)
    assert plan.next_size(10**6, 2) == 1024


def test_without_a_second_size_the_first_chunks_rate_counts_as_before():
    """``second`` left out (``--chunk-size``, the tests' plans, a first chunk's rate of a kind
    whose second size is its first): every rate counts, and nothing waits."""
    from bridge.scan.runner import ChunkPlan

    plan = ChunkPlan(16, 4096, seconds=1.0)
    assert [plan.next_size(10**6, 2) for _ in range(4)] == [16] * 4 and plan.ready(2)
    plan.measured(16, 0.00025, first=True)
    assert plan.next_size() == 256


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_sizes_with_the_second_size_keep_the_tail_rule(slots):
    """As _run_chunks asks (first chunks tagged, the next planned once ready): the sizes add up,
    none is above the largest, the first ``slots`` are 16, the next ``slots`` 512, and none but
    the last few below the tail's floor."""
    from bridge.scan.runner import TAIL_FLOOR

    for total in (1, 40, 700, 5000, 20_000, 100_003, 199_809):
        plan = _plan()
        plan.seconds = 1.0 * slots
        pending, sizes, taken = [], [], 0
        while taken < total or pending:
            while taken < total and len(pending) < 2 * slots and (not pending or plan.ready(slots)):
                first = plan.handed < slots
                n = min(plan.next_size(total - taken, slots), total - taken)
                pending.append((n, first))
                sizes.append(n)
                taken += n
            n, first = pending.pop(0)
            plan.measured(n, n / 4e4, first=first)
        assert sum(sizes) == total and max(sizes) <= 8192, (total, sizes)
        head = [16] * slots + [512] * slots
        assert sizes[:len(head)] == head[:len(sizes)] or total < sum(head), (total, sizes)
        if total > 4 * 8192:
            assert 8192 in sizes[len(head):len(head) + slots], sizes  # straight to the full size
            rest = sizes[len(head):]
            assert all(s >= 8192 // TAIL_FLOOR for s in rest[:-1]), sizes


def _chunks_in_hand_out_order(tmp_path, monkeypatch, side: int, workers: int) -> list:
    """The ids of each chunk of an F_Ib grid scan of ``side`` × ``side`` points, in the order
    the chunks were handed out (by their first point: a grid's points are handed out in order),
    a chunk's seconds made long so that the sizes do not depend on the machine's speed."""
    from bridge.scan import runner, store

    monkeypatch.setattr(runner, "CHUNK_SECONDS", 1000.0)
    db = tmp_path / "r.db"
    s = runner.run(runner.ScanOptions(CARD, [f"MINPAR:1:50:800:{side}", f"MINPAR:2:300:2000:{side}"],
                                      str(db), likelihoods=["seed2021"], observables=False,
                                      workers=workers, progress=False))
    assert s.stored == side * side
    rows = sqlite3.connect(db).execute("SELECT ids, columns FROM chunks").fetchall()
    parts = sorted((store._chunk_ids(b, store._read_layout(lay)) for b, lay in rows),
                   key=lambda ids: ids.min())
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(side * side))  # each once
    return parts


def test_a_scan_s_chunks_go_16_512_then_full(tmp_path, monkeypatch):
    """The in-process backend (one slot): 16 points (its first chunk), 512 behind it, then the
    full chunk; the old plan went 16, 256, 4096."""
    from bridge.scan import runner

    sizes = [ids.size for ids in _chunks_in_hand_out_order(tmp_path, monkeypatch, 120, 1)]
    assert sizes[:3] == [16, 512, runner.CHUNK["vectorised"]], sizes


def test_a_two_worker_scan_hands_out_16_16_512_512_then_full(tmp_path, monkeypatch):
    """The real loop of _run_chunks with two local workers: each worker's first 16, the two 512
    queued behind them, then the full chunk, as soon as one chunk after the first ones has given
    the plan its rate; every point stored once. Which worker ends first does not matter. The
    old plan went 16, 16, 16, 16, 256."""
    from bridge.scan import runner

    sizes = [ids.size for ids in _chunks_in_hand_out_order(tmp_path, monkeypatch, 150, 2)]
    assert sizes[:5] == [16, 16, 512, 512, runner.CHUNK["vectorised"]], sizes
