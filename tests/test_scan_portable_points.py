"""A scan's points are the same bits on every processor: a results file keeps the sampler, not
the points, and a reader computes them again (bridge.scan.space.portable_exp for log axes).

numpy dispatches exp, log and geomspace to SIMD kernels chosen by the CPU; with AVX-512 their
last bits differ from the other kernels'. The tests that compare dispatches run a fresh process
with numpy's dispatched targets switched off (NPY_DISABLE_CPU_FEATURES); on a CPU whose numpy
dispatches none of them there is nothing to compare, and they are skipped.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from decimal import Context, Decimal
from pathlib import Path

import numpy as np
import pytest

from bridge.scan.space import Axis, Space, portable_exp

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")
LOG_AXES = [Axis("MINPAR:1:20:1000:40:log", "MINPAR:1", 20.0, 1000.0, 40, True, None),
            Axis("MINPAR:2:0.001:7e5:30:log", "MINPAR:2", 1e-3, 7e5, 30, True, None)]


def _ulps(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(x - ref) / np.spacing(np.abs(ref))


def test_portable_exp_is_within_one_ulp_of_the_correctly_rounded_exp():
    """Against exp in 50-digit decimal arithmetic (correctly rounded, then rounded once to
    float64), over float64's whole normal range and densely near 0."""
    rng = np.random.default_rng(11)
    y = np.concatenate([rng.uniform(-708.0, 709.7, 3000), rng.uniform(-1.0, 1.0, 3000),
                        rng.uniform(-40.0, 40.0, 3000), [0.0, -0.0, 1e-300, math.log(2) / 2,
                                                         -math.log(2) / 2, 709.78, -708.39]])
    ctx = Context(prec=50)
    ref = np.array([float(ctx.exp(Decimal(v))) for v in y.tolist()])
    assert _ulps(portable_exp(y), ref).max() <= 1.0
    assert portable_exp(np.array([0.0]))[0] == 1.0


def test_log_axes_keep_their_ends_and_their_ratios():
    """A log grid: LO and HI exact, and every value LO (HI/LO)^(i/(N-1)) (50 decimal digits)
    to the rounding of its logarithm: y = ln LO + t ln(HI/LO) takes three roundings, each at
    most half a unit of |ln LO| + ln(HI/LO), and e^y one unit more; random points inside the
    box, log-uniform."""
    ctx = Context(prec=50)
    for a in LOG_AXES:
        v = a.values()
        assert v[0] == a.lo and v[-1] == a.hi and np.all(np.diff(v) > 0)
        lo, ratio = Decimal(a.lo), Decimal(a.hi) / Decimal(a.lo)
        exact = np.array([float(lo * ctx.power(ratio, Decimal(i) / Decimal(a.n - 1)))
                          for i in range(a.n)])
        bound = np.finfo(float).eps * (1.5 * (abs(math.log(a.lo)) + math.log(a.hi / a.lo)) + 1.5)
        assert np.max(np.abs(v / exact - 1)) <= bound
    space = Space(LOG_AXES, "random", 20000, seed=3)
    x = space.values(np.arange(20000))
    for k, a in enumerate(LOG_AXES):
        assert a.lo <= x[:, k].min() and x[:, k].max() <= a.hi
        # log-uniform: the mean of the logarithm is the middle of the log range
        assert np.log(x[:, k]).mean() == pytest.approx((math.log(a.lo) + math.log(a.hi)) / 2,
                                                        abs=0.02 * math.log(a.hi / a.lo))


def _dispatched() -> list[str]:
    """numpy's dispatched CPU targets that this process uses."""
    from bridge.couplings import numpy_cpu

    features, dispatch = numpy_cpu()
    return [name for name in dispatch if features.get(name)]


def _points(log_map: str) -> dict[str, str]:
    """SHA-1 of the grid's and of a random and a Latin-hypercube sample's points of LOG_AXES,
    and of numpy's exp of the random sample's log-coordinates (the map without the portable
    exp)."""
    import hashlib

    def sha(a):
        return hashlib.sha1(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()

    grid = Space(LOG_AXES, log_map=log_map)
    random = Space(LOG_AXES, "random", 50000, seed=9, log_map=log_map)
    lhs = Space(LOG_AXES, "lhs", 5000, seed=9, log_map=log_map)
    t = np.random.default_rng(9).random(50000)
    return {"grid": sha(grid.values(np.arange(grid.size))),
            "random": sha(random.values(np.arange(50000))),
            "lhs": sha(lhs.values(np.arange(5000))),
            "np.exp": sha(np.exp(math.log(20.0) + t * math.log(50.0)))}


def _in_fresh_process(code: str, *args: str, disabled=()) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    if disabled:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent), *args],
                         env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()[-1]


POINTS = ("import json, sys; sys.path.insert(0, sys.argv[1]); import test_scan_portable_points as t; "
          "print(json.dumps(t._points(sys.argv[2])))")


def test_log_axes_give_the_same_points_whatever_numpy_dispatches():
    """The portable map's points, bit for bit, with every dispatched target of numpy on and
    off; numpy's exp (the earlier map) differs between the two on this CPU, which is what the
    comparison is for (skipped where numpy dispatches nothing that changes exp)."""
    disabled = _dispatched()
    if not disabled:
        pytest.skip("numpy dispatches no SIMD target on this CPU: one code path only")
    here = _points("portable")
    there = json.loads(_in_fresh_process(POINTS, "portable", disabled=disabled))
    if here["np.exp"] == there["np.exp"]:
        pytest.skip(f"numpy's exp gives the same bits with {disabled} on and off on this CPU")
    assert {k: here[k] for k in ("grid", "random", "lhs")} == \
        {k: there[k] for k in ("grid", "random", "lhs")}
    # the earlier map is not portable here: the case the portable one is for
    legacy = json.loads(_in_fresh_process(POINTS, "numpy", disabled=disabled))
    assert legacy["random"] != _points("numpy")["random"]


WRITE = """
import json, sys
import numpy as np
from bridge.scan import store
from bridge.scan.space import Space
sys.path.insert(0, sys.argv[1])
import test_scan_portable_points as t
space = Space(t.LOG_AXES, *json.loads(sys.argv[3]))
ids = np.arange(min(space.size, 3000))
v = space.values(ids)
cols = {"par:MINPAR:1": v[:, 0], "par:MINPAR:2": v[:, 1], "chi2:x": np.log(v[:, 0]) * v[:, 1]}
s = store.Store(sys.argv[2], space)
s.set_meta("scan", {"space": space.as_dict()})
for part in np.array_split(ids, 3):
    s.write(part, {k: c[part] for k, c in cols.items()}, [None] * part.size, ["direct"] * part.size)
s.close()
print(json.dumps({k: c.tobytes().hex() for k, c in cols.items()}))
"""


@pytest.mark.parametrize("sampler", [("grid",), ("random", 3000, 5)])
def test_a_results_file_written_with_other_simd_reads_here(tmp_path, sampler):
    """A results file of a log-axis scan written by a process whose numpy dispatches nothing
    reads here, its parameters (computed again from the sampler, and checked against the
    writer's CRC-32) and its stored column bit for bit."""
    from bridge.scan import store

    disabled = _dispatched()
    if not disabled:
        pytest.skip("numpy dispatches no SIMD target on this CPU: one code path only")
    path = tmp_path / "other.db"
    written = json.loads(_in_fresh_process(WRITE, str(path), json.dumps(sampler), disabled=disabled))
    read = store.read(path)
    assert {k: read[k].tobytes().hex() for k in written} == written
    assert store.meta(path)["scan"]["space"]["log_map"] == "portable"


LEGACY_ARGS = ["scan", CARD, "--vary", "MINPAR:1:20:1000:5:log", "--vary", "MINPAR:2:100:2000:5:log",
               "--sample", "random:120", "--seed", "4", "--likelihood", "seed2021", "--no-observables",
               "--workers", "1", "--chunk-size", "40", "-q"]


def _legacy_file(db, monkeypatch) -> np.ndarray:
    """A random log-axis scan as an earlier bridge wrote it (numpy's map, no ``log_map`` in its
    space), stopped after its first chunk of 40 points; returns the points of numpy's map."""
    from bridge.cli import main
    from bridge.scan import runner
    from bridge.scan.space import Space as RealSpace

    def numpy_space(*a, **k):
        return RealSpace(*a, **{**k, "log_map": "numpy"})

    with monkeypatch.context() as m:
        m.setattr(runner, "Space", numpy_space)
        assert main([*LEGACY_ARGS, "-o", str(db)]) == 0
    con = sqlite3.connect(db)
    scan = json.loads(con.execute("SELECT value FROM meta WHERE key = 'scan'").fetchone()[0])
    assert scan["space"].pop("log_map") == "numpy"
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'scan'", (json.dumps(scan),))
        con.execute("DELETE FROM chunks WHERE chunk > 0")  # a scan stopped after its first chunk
    con.close()
    legacy = RealSpace.from_dict(scan["space"]).values(np.arange(120))
    portable = RealSpace.from_dict({**scan["space"], "log_map": "portable"}).values(np.arange(120))
    assert not np.array_equal(portable, legacy)  # the maps differ somewhere: the checks have teeth
    return legacy


def _stop_again(db) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM chunks WHERE chunk > 0")
    con.close()


def test_an_earlier_log_scan_is_read_and_resumed_with_numpy_map(tmp_path, monkeypatch):
    """A results file of a scan from before the portable map (its space without ``log_map``,
    its points from numpy's exp): read with numpy's map, and resumed with it, twice (the first
    resume stores ``log_map`` "numpy"), not refused as another scan nor given points of
    another map."""
    from bridge.cli import main
    from bridge.scan import store

    db = tmp_path / "old.db"
    legacy = _legacy_file(db, monkeypatch)
    first = store.read(db)
    assert first["id"].size == 40
    np.testing.assert_array_equal(first["par:MINPAR:1"], legacy[first["id"].astype(np.int64), 0])
    for _ in range(2):  # resumed, stopped again, resumed again
        assert main([*LEGACY_ARGS, "-o", str(db)]) == 0
        assert store.meta(db)["scan"]["space"]["log_map"] == "numpy"
        done = store.read(db)
        assert done["id"].size == 120
        for k in (0, 1):
            np.testing.assert_array_equal(done[f"par:MINPAR:{k + 1}"],
                                          legacy[done["id"].astype(np.int64), k])
        _stop_again(db)


def test_an_earlier_log_scan_is_not_resumed_where_its_points_differ(tmp_path, monkeypatch):
    """An earlier bridge's log-axis file resumed by a process whose numpy maps the axes otherwise
    (numpy's dispatched targets off here; elsewhere a CPU without AVX-512) is refused before a
    chunk is added (exit 2, one line): resumed, its new chunks would be points of the other exp,
    and the file would read on neither machine."""
    disabled = _dispatched()
    if not disabled:
        pytest.skip("numpy dispatches no SIMD target on this CPU: one code path only")
    from bridge.scan import store
    from bridge.scan.space import Space as RealSpace

    db = tmp_path / "old.db"
    legacy = _legacy_file(db, monkeypatch)
    scan = store.meta(db)["scan"]["space"]
    there = json.loads(_in_fresh_process(
        "import json, sys; import numpy as np; from bridge.scan.space import Space; "
        "print(json.dumps(Space.from_dict(json.loads(sys.argv[2])).values(np.arange(40)).tobytes().hex()))",
        json.dumps(scan), disabled=disabled))
    if there == RealSpace.from_dict(scan).values(np.arange(40)).tobytes().hex():
        pytest.skip(f"numpy's map gives the same points with {disabled} on and off on this CPU")
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    out = subprocess.run([sys.executable, "-m", "bridge.cli", *LEGACY_ARGS, "-o", str(db)],
                         env={**env, "NPY_DISABLE_CPU_FEATURES": " ".join(disabled)},
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "not resumed" in lines[0] and "Traceback" not in out.stderr
    read = store.read(db)  # untouched: still the first chunk, readable here
    assert read["id"].size == 40
    np.testing.assert_array_equal(read["par:MINPAR:1"], legacy[read["id"].astype(np.int64), 0])


def test_a_sampled_log_axis_with_lo_above_hi_is_drawn_between_them():
    """``--vary X:1000:20:1:log --sample random:M``: N = 1 lets LO > HI through parse_vary, and a
    sampler ignores N; its points lie between the two, as numpy's map drew them (clipped to
    [LO, HI] they all sat on one end)."""
    axes = [Axis("MINPAR:1:1000:20:1:log", "MINPAR:1", 1000.0, 20.0, 1, True, None)]
    portable = Space(axes, "random", 200).values(np.arange(200))[:, 0]
    assert np.unique(portable).size == 200
    assert 20.0 <= portable.min() and portable.max() <= 1000.0


def test_a_space_pickled_to_a_worker_leaves_its_caches_behind():
    """The scan's context (its Space with it) is pickled with every chunk, whose values the
    worker is handed: a grid's cached axis values and a Latin hypercube's design (8 MB and
    16 MB for 10^6 points) stay in the scanning process; unpickled, the same points."""
    import pickle

    for space in (Space([Axis("X", "X", 1.0, 2.0, 10**6, True, None)]),
                  Space([Axis("X", "X", 1.0, 2.0, 2, True, None),
                         Axis("Y", "Y", 1.0, 2.0, 2, False, None)], "lhs", 10**6)):
        before = len(pickle.dumps(space))
        v = space.values(np.arange(4096))
        assert len(pickle.dumps(space)) < 2 * before
        again = pickle.loads(pickle.dumps(space))
        assert np.array_equal(again.values(np.arange(4096)), v)


def _marker(db) -> dict:
    from bridge.scan import store

    con = sqlite3.connect(db)
    try:
        return json.loads(con.execute("SELECT value FROM meta WHERE key = ?", (store.MARKER,)).fetchone()[0])
    finally:
        con.close()


def test_a_portable_log_scan_is_marked_for_bridges_that_know_the_map(tmp_path, monkeypatch, capsys):
    """A scan with a log axis (the portable map) marks its file format 9 (store.PORTABLE_POINTS),
    resumed too: a bridge from before the map, which reads formats up to 8 (READABLE set so
    here), refuses it naming its format, in one line, instead of as damaged ("this numpy does
    not reproduce them": its own map gives other points). A scan without a log axis, and an
    earlier log scan resumed with numpy's map, stay format 8, which earlier bridges read."""
    from bridge.cli import main
    from bridge.scan import store

    portable = tmp_path / "portable.db"
    args = [a for a in LEGACY_ARGS if a != "--chunk-size" and a != "40"]
    assert main([*args, "-o", str(portable)]) == 0
    assert _marker(portable) == {"format": store.PORTABLE_POINTS} and store.PORTABLE_POINTS == 9
    _stop_again(portable)
    assert main([*args, "--chunk-size", "40", "-o", str(portable)]) == 0  # resumed: still 9
    assert _marker(portable) == {"format": 9} and store.read(portable)["id"].size == 120

    linear = tmp_path / "linear.db"
    assert main([a.replace(":log", "") for a in args] + ["-o", str(linear)]) == 0
    assert _marker(linear) == {"format": 8}

    legacy = tmp_path / "legacy.db"
    _legacy_file(legacy, monkeypatch)
    assert main([*LEGACY_ARGS, "-o", str(legacy)]) == 0
    assert _marker(legacy) == {"format": 8}

    capsys.readouterr()
    monkeypatch.setattr(store, "READABLE", tuple(f for f in store.READABLE if f <= 8))
    store.read(linear)
    store.read(legacy)
    assert main(["plot", str(portable), "-o", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "format 9" in err[0] and "reads formats 2, 3, 4, 5, 6, 7, 8" in err[0]
