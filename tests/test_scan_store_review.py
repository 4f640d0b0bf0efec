"""Review of the plan and layout reuse (store.PLANE_REUSE, _replanned, _layout's cache): a plan
of any kinds reads back bit for bit (the claim "a stale plan costs bytes, never values" taken
literally), and a finding that predates the change: the choice cache's key does not say
whether a random chunk can be stored in Hilbert order (two axes) or not (three), so a process
that packed a two-axis random scan and then a three-axis one with the same stored columns
raised in pack (fixed: the key holds the number of axes)."""

from __future__ import annotations

import numpy as np
import pytest
from fuzz_scan_store_anyplan import run as run_any_plan
from test_scan_store_order import _smooth

from bridge.scan import store
from bridge.scan.space import Axis, Space


@pytest.mark.parametrize("seed", range(0, 400, 40))
def test_a_plan_of_any_kinds_reads_back_bit_for_bit(seed):
    """Tables encoded under a cached plan replaced by random kinds (ZERO, RAW, DEFLATED,
    PACK1/2/4 at any plane row), decoded by this tree and main (the fuzzer's sequence)."""
    stats = {"chunks": 0, "values": 0}
    try:
        run_any_plan(seed, stats)
    finally:
        store._CHOICE_CACHE.clear()
    assert stats["chunks"] >= 5


def _random_space(axes: int) -> Space:
    spec = [("MINPAR:1", False), ("MINPAR:4", True), ("MINPAR:5", False)][:axes]
    return Space([Axis(f"{a}:500:2000:1", a, 500.0, 2000.0, 1, log, None) for a, log in spec],
                 "random", 100_000, 5)


def _columns(v: np.ndarray) -> dict:
    """40 x 4 smooth columns (too many for verbatim within BYTE_BUDGET: B and K rows)."""
    out = {}
    with np.errstate(all="ignore"):
        for j in range(40):
            w = v.copy()
            w[:, 0] *= 1 + j / 37
            w[:, 1] *= 1 + j / 53
            out.update({f"{j}{k}": x for k, x in _smooth(w).items() if k != "noise"})
    return out


def test_a_three_axis_random_chunk_after_a_two_axis_one_with_the_same_columns_packs():
    """Two scans in one process (a notebook, the Python API): a 2-axis random chunk's B/K
    choice is not reused by a 3-axis chunk, which has no Hilbert order (it raised
    AttributeError in _coded); both read back bit for bit."""
    store._CHOICE_CACHE.clear()
    store._LAYOUT_CACHE.clear()
    n = 8192
    try:
        for axes in (2, 3):
            space = _random_space(axes)
            ids = np.arange(n) + n * axes
            v = space.values(ids)
            cols = {**{f"par:{a.name}": v[:, k] for k, a in enumerate(space.axes)}, **_columns(v)}
            p = store.pack(ids, cols, [None] * n, ["fast"] * n, space=space)
            _, back, *_ = store.unpack(p, space)
            for name, a in cols.items():
                assert np.array_equal(np.asarray(back[name]).view(np.int64), a.view(np.int64)), name
    finally:
        store._CHOICE_CACHE.clear()
        store._LAYOUT_CACHE.clear()
