"""benchmarks/two_cores.py --scans runs: a tiny case of its whole path (the two-worker scans in
fresh processes and, interleaved, the lean kernel in two processes at once over a common wall
interval), so the benchmark cannot rot unnoticed; and the lean kernel's points are the scan's.
No timing is asserted: only what holds whatever the machine's speed."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import two_cores as tc  # noqa: E402

#: the figures of each model and sample (medians and ranges), the earlier ones cited by the README
KEYS = ("points_per_s", "cpu_us_scan_process", "cpu_us_workers", "peak_rss_scan_process_MiB",
        "peak_rss_worker_MiB", "whole_process_wall_s", "points_per_whole_process_s",
        "lean_points_per_s", "lean_points_per_cpu_s_each", "ratio", "ratio_whole_process",
        "points_per_cpu_s", "ratio_cpu")


def test_scans_tiny_case():
    """Two repeats (the lean pair after the scan, then before it) of a 289-point F_Ib sample."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "two_cores.py"), "--scans",
                           "--models", "F_Ib", "--samples", "random", "--points", "300",
                           "--repeats", "2", "--lean-seconds", "0.3"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])["F_Ib / random"]
    assert row["points"] == 17 * 17
    assert set(row) == {"points", *KEYS}
    for key in KEYS:
        lo, hi = row[key]["range"]
        assert math.isfinite(lo) and 0 < lo <= row[key]["median"] <= hi, key
    # the whole process holds the scan's window (each repeat, hence their medians), and each
    # ratio is over the same lean figure of its repeat
    assert row["points_per_whole_process_s"]["median"] <= row["points_per_s"]["median"]
    assert row["ratio_whole_process"]["median"] <= row["ratio"]["median"]
    assert "| F_Ib / random |" in proc.stderr


@pytest.mark.parametrize("sample", ["grid", "random"])
def test_lean_points_are_the_scans(sample, tmp_path):
    """The lean processes' space (two_cores._scan_context) is the one `bridge scan` records for
    the arguments --scans gives it (side² points), and their blocks deal out each point once."""
    from bridge.cli import main as cli
    from bridge.scan import store

    db = str(tmp_path / "s.db")
    assert cli(["scan", *tc.scan_arguments("S_Ib", sample, 289, db, ["--no-observables"], workers=1)]) == 0
    space = tc._scan_context("S_Ib", sample, 289).space
    assert store.meta(db)["scan"]["space"] == space.as_dict()
    assert space.size == 289
    got = np.concatenate([b for w in range(2) for b in tc.lean_blocks(20_000, 8192, w, 2)])
    assert np.array_equal(np.sort(got), np.arange(20_000))
    assert [b.size for b in tc.lean_blocks(20_000, 8192, 1, 2)] == [8192]
    # fewer blocks than processes: both take the one block
    assert all(np.array_equal(tc.lean_blocks(300, 8192, w, 2)[0], np.arange(300)) for w in range(2))
