"""bridge scan without flavio: batched engine, parameter spaces, the results file, χ², CLI.

The SM inputs are fixed numbers here (flavio's central values of 2.7.1) so that nothing
imports flavio; tests/test_scan_flavio.py has the fast path and the executors.
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from models import SM

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")



@pytest.fixture(scope="module")
def fib():
    from bridge.run import load_point

    _, model, info, inputs, _, _ = load_point(CARD)
    return model, info, inputs


@pytest.fixture
def cached_sm(tmp_path, monkeypatch):
    """The shipped SM inputs (flavio 2.7.1's defaults): a scan needs no flavio import."""
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    for name, value in SM.as_dict().items():
        if value is not None:  # alpha_e_mz is not among this table's values
            assert getattr(sm, name) == pytest.approx(value, rel=1e-15), name
    return sm


def _batch(inputs, values: dict, n: int):
    from bridge.model import BatchInputs

    blocks = {b: dict(inputs[b]) for b in inputs}
    for (block, key), v in values.items():
        blocks[block][key] = v
    return BatchInputs(blocks, n)


# ---------------------------------------------------------------------------
# batched engine and F_Ib batch hook
# ---------------------------------------------------------------------------
def test_batched_F_Ib_equals_point_by_point(fib):
    from bridge.pipeline import evaluate_batch

    model, _, inputs = fib
    rng = np.random.default_rng(3)
    n = 40
    values = {("MINPAR", 1): rng.uniform(20, 1500, n), ("MINPAR", 2): rng.uniform(100, 2000, n),
              ("MINPAR", 5): rng.uniform(-1, 1, n), ("GAMMAEIN", 2): rng.uniform(-0.5, 0.5, n) + 0j}
    b = _batch(inputs, values, n)
    vec = evaluate_batch(model, b, SM)
    pts = evaluate_batch(model, b, SM, vectorised=False)
    assert vec.vectorised and not pts.vectorised
    assert all(e is None for e in vec.errors + pts.errors)
    assert sorted(vec.coefficients) == sorted(pts.coefficients)
    for name, v in pts.coefficients.items():
        np.testing.assert_allclose(vec.coefficients[name], v, rtol=1e-12, atol=0, err_msg=name)
    for name, v in pts.masses.items():
        np.testing.assert_allclose(vec.masses[name], v, rtol=1e-13)
    for name in ("C9_bsmumu_box", "C9_photon_penguin", "C10_Z_penguin", "C9V_mu", "C9U"):
        np.testing.assert_allclose(vec.contributions[name], pts.contributions[name], rtol=1e-12)
    np.testing.assert_allclose(vec.one_loop["Delta_a_mu"], pts.one_loop["Delta_a_mu"], rtol=1e-12)


def test_unbatched_engine_results_are_numbers(fib):
    """The batch axis is opt-in: a plain sector still gives Python complex numbers."""
    from bridge.pipeline import evaluate

    model, _, inputs = fib
    ev = evaluate(model, inputs, SM)
    assert not ev.sector.batched
    assert all(type(v) is complex for v in ev.coefficients.values())


def test_batch_failure_is_isolated(fib):
    """A point the model rejects is stored with its message; the others are computed."""
    from bridge.pipeline import evaluate_batch

    model, _, inputs = fib
    # M_Psi' = 1e-300 is refused by the input limits, as `bridge run` refuses it
    b = _batch(inputs, {("MINPAR", 2): np.array([800.0, 1e-300, 900.0]),
                        ("MINPAR", 5): np.array([0.0, 0.0, 0.0]),
                        ("MINPAR", 6): np.array([0.0, 0.0, 0.0])}, 3)
    res = evaluate_batch(model, b, SM, source="card.slha")
    assert res.errors[0] is None and res.errors[2] is None
    # the message `bridge run` gives for this point, located at the card and the point
    assert res.errors[1].startswith("card.slha, point 1, Block MINPAR, entry 2: M_Psi' = 1e-300")
    assert "below the bridge's limit" in res.errors[1] and "\n" not in res.errors[1]
    assert math.isnan(res.coefficients["C9_bsmumu"][1].real)
    assert np.isfinite(res.coefficients["C9_bsmumu"][[0, 2]]).all()


def test_takagi_batch_matches_single_matrices():
    from bridge.linalg import takagi

    rng = np.random.default_rng(5)
    m = rng.normal(size=(20, 3, 3)) + 1j * rng.normal(size=(20, 3, 3))
    m = m + np.swapaxes(m, 1, 2)
    for mats in (m.real, m):
        masses, v = takagi(mats)
        for i in range(20):
            ref, _ = takagi(mats[i])
            np.testing.assert_allclose(masses[i], ref, rtol=1e-12)
            np.testing.assert_allclose(v[i].T @ mats[i] @ v[i], np.diag(masses[i]), atol=1e-12)


# ---------------------------------------------------------------------------
# parameter spaces
# ---------------------------------------------------------------------------
def test_vary_parsing_and_grid(fib):
    from bridge.scan.space import Space, parse_vary

    _, info, inputs = fib
    a = parse_vary("MINPAR:1:100:1000:4:log", info, inputs)
    b = parse_vary("GAMMAQIN:2*GAMMAQIN:3:-0.3:-0.01:3", info, inputs)
    space = Space([a, b])
    assert space.size == 12 and a.log and b.name == "GAMMAQIN:2*GAMMAQIN:3"
    vals = space.values(np.arange(12))
    np.testing.assert_allclose(vals[:3, 0], 100.0)  # last --vary runs fastest
    np.testing.assert_allclose(vals[:3, 1], [-0.3, -0.155, -0.01])
    np.testing.assert_allclose(np.unique(vals[:, 0]), np.geomspace(100, 1000, 4))
    for bad in ("MINPAR:1:100:1000", "MINPAR:9:1:2:3", "SMINPUTS:1:1:2:3", "MINPAR:1:-5:10:3",
                "GAMMAQIN:2*GAMMAQIN:3:0.1:0.5:3", "MINPAR:1:1:2:x", "MINPAR:1:0:10:5:log"):
        with pytest.raises(InputError):
            parse_vary(bad, info, inputs)


def test_product_keeps_ratio(fib):
    from bridge.scan.space import Space, batch_inputs, parse_vary

    _, info, inputs = fib
    space = Space([parse_vary("GAMMAQIN:2*GAMMAQIN:3:-0.6:-0.05:5", info, inputs)])
    b, entries = batch_inputs(space, inputs, space.values(np.arange(5)))
    q = b.vector("GAMMAQIN", 3)
    np.testing.assert_allclose((q[:, 1] * q[:, 2]).real, np.linspace(-0.6, -0.05, 5))
    np.testing.assert_allclose(q[:, 1].real, -q[:, 2].real)  # the card's ratio (-1)
    assert set(entries) == {"in:GAMMAQIN:2", "in:GAMMAQIN:3"}


def test_random_and_lhs_samples_are_reproducible(fib):
    from bridge.scan.space import Space, parse_vary

    _, info, inputs = fib
    axes = [parse_vary("MINPAR:1:10:1000:1:log", info, inputs),
            parse_vary("MINPAR:2:100:200:1", info, inputs)]
    r = Space(axes, "random", 10000, seed=4)
    ids = np.arange(10000)
    full = r.values(ids)
    part = Space(axes, "random", 10000, seed=4).values(ids[5000:5100])
    np.testing.assert_array_equal(full[5000:5100], part)  # a chunk needs no other chunk
    assert full[:, 0].min() >= 10 and full[:, 0].max() <= 1000
    lhs = Space(axes, "lhs", 50, seed=4).values(np.arange(50))
    strata = np.floor((lhs[:, 1] - 100) / 100 * 50).astype(int)
    assert sorted(strata) == list(range(50))  # one point per stratum
    with pytest.raises(InputError):
        Space(axes, "random", None)


# ---------------------------------------------------------------------------
# the results file
# ---------------------------------------------------------------------------
def test_store_exactly_once_failed_points_and_export(tmp_path):
    from bridge.scan import store

    path = tmp_path / "r.db"
    with store.Store(path) as st:
        cols = {"par:x": np.array([1.0, 2.0, 3.0]), "obs:y": np.array([0.5, np.nan, 1.5])}
        assert st.write([0, 1, 2], cols, [None, "model F: singular", None], ["fast"] * 3) == 3
        # the same ids again (a chunk recomputed after a kill): nothing is stored twice
        assert st.write([1, 2, 3], {**cols, "obs:z": np.ones(3)}, [None] * 3, ["fast"] * 3) == 1
        assert st.count() == (4, 1)
        np.testing.assert_array_equal(np.sort(st.done_ids()), [0, 1, 2, 3])
    data = store.read(path, ["id", "obs:y", "obs:z"])
    np.testing.assert_array_equal(data["id"], [0, 2, 3])
    assert math.isnan(data["obs:z"][0]) and data["obs:z"][2] == 1.0
    bad = store.read(path, ["id", "error"], failed=True)
    assert bad["error"][1] == "model F: singular"
    assert store.export(path, tmp_path / "r.csv") == 4
    assert (tmp_path / "r.csv").read_text().splitlines()[0].startswith("id,status,error,route")
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    assert store.export(path, tmp_path / "r.parquet") == 4
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == 4 and table.column("error").to_pylist()[1] == "model F: singular"
    with pytest.raises(InputError):
        store.read(tmp_path / "missing.db")


# ---------------------------------------------------------------------------
# χ²
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["seed2021", "seed2023"])
def test_vector_seed_likelihood_equals_evaluate(fib, name):
    from bridge.likelihoods import get_likelihood
    from bridge.pipeline import evaluate_batch
    from bridge.scan.chi2 import PointData, vectorise

    model, _, inputs = fib
    rng = np.random.default_rng(9)
    n = 12
    b = _batch(inputs, {("MINPAR", 1): rng.uniform(50, 800, n), ("MINPAR", 2): rng.uniform(300, 2000, n)}, n)
    res = evaluate_batch(model, b, SM)
    lik = get_likelihood(name)
    (vec,) = vectorise(lik)
    data = PointData(n, res.coefficients, res.contributions, res.one_loop, {})
    cols = vec.evaluate(data)
    for i in range(n):
        ref = lik.evaluate(data.model_point(i))
        assert cols[f"chi2:{name}"][i] == pytest.approx(ref.chi2, rel=1e-12)
        for t in ref.terms:
            assert cols[f"pull:{name}:{t.name}"][i] == pytest.approx(t.pull, rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------------------
# command line (no flavio: --no-observables and a seed likelihood)
# ---------------------------------------------------------------------------
def test_cli_scan_resume_plot_export(tmp_path, cached_sm, capsys):
    from bridge.cli import main
    from bridge.scan import store

    db = tmp_path / "s.db"
    args = ["scan", CARD, "--vary", "MINPAR:1:50:800:6", "--vary", "MINPAR:2:300:2000:5",
            "--likelihood", "seed2021", "--no-observables", "--workers", "1", "--chunk-size", "7",
            "--contributions", "-o", str(db), "-q"]
    assert main(args) == 0
    n, bad = store.Store(db).count()
    assert (n, bad) == (30, 0)
    cols = store.columns(db)
    for c in ("par:MINPAR:1", "in:MINPAR:2", "mass:F0_1", "wc:C9_bsmumu:re", "wc:CVLL_bsbs:re",
              "contrib:C9_bsmumu_box", "ol:Delta_a_mu", "chi2:seed2021", "pull:seed2021:Delta_a_mu"):
        assert c in cols, c
    # the same command again: nothing to do, nothing stored twice
    assert main(args) == 0
    assert store.Store(db).count() == (30, 0)
    # another scan into the same file is refused
    from bridge.scan.runner import ScanOptions, run

    with pytest.raises(InputError):
        run(ScanOptions(CARD, ["MINPAR:1:50:900:6", "MINPAR:2:300:2000:5"], str(db),
                        likelihoods=["seed2021"], observables=False, workers=1, progress=False))
    png = tmp_path / "m.png"
    assert main(["plot", str(db), "--chi2", "seed2021", "--band", "pull:seed2021:Delta_a_mu;n=1;label=g-2",
                 "--contour", "mass:F0_1;levels=100,200", "--exclude", "ol:Delta_a_mu;lt=0",
                 "-o", str(png)]) == 0
    assert png.stat().st_size > 10_000
    assert main(["scan", "--export", str(tmp_path / "s.csv"), "-o", str(db), "-q"]) == 0
    assert len((tmp_path / "s.csv").read_text().splitlines()) == 31
    capsys.readouterr()


def test_cli_scan_bad_input(tmp_path, cached_sm, capsys):
    from bridge.cli import main

    db = str(tmp_path / "x.db")
    assert main(["scan", CARD, "--vary", "MINPAR:1:50:800", "-o", db]) == 2
    assert main(["scan", CARD, "-o", db]) == 2
    assert main(["scan", CARD, "--vary", "MINPAR:1:50:800:3", "--sample", "sobol:3", "-o", db]) == 2
    assert main(["plot", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert "BLOCK:ENTRY:LO:HI:N" in err and "no such results file" in err


def test_store_survives_garbage(tmp_path):
    from bridge.scan import store

    p = tmp_path / "junk.db"
    p.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InputError):
        store.read(p)
    assert isinstance(sqlite3.sqlite_version, str)


def test_perturbativity_refusal_is_the_same_in_run_fit_and_scan(tmp_path, cached_sm, capsys):
    """Γ^L = 20 (> 4π): `bridge run` refuses the card (exit 2), a fit refuses it as its start
    point, and a scan through the same point stores it as failed with the same message."""
    from bridge.cli import main
    from bridge.fit import Objective
    from bridge.scan import store

    card = tmp_path / "hot.slha"
    card.write_text(Path(CARD).read_text().replace("2   2.00000000E+00 # Gamma^L_mu",
                                                   "2   2.00000000E+01 # Gamma^L_mu"))
    assert main(["run", str(card), "--no-predictions", "-q"]) == 2
    run_message = capsys.readouterr().err.strip().removeprefix("bridge: error: ")
    assert run_message.startswith(f"{card}, Block GAMMALIN, entry 2:") and "4 pi" in run_message
    detail = run_message.split(": ", 1)[1]
    with pytest.raises(InputError) as fit_error:
        Objective(str(card), ["MINPAR:1"], "seed2021")
    assert detail in str(fit_error.value)
    db = tmp_path / "hot.db"
    assert main(["scan", CARD, "--vary", "GAMMALIN:2:2:20:3", "--likelihood", "seed2021",
                 "--no-observables", "--workers", "1", "-o", str(db), "-q"]) == 0
    failed = store.read(db, ["id", "error"], failed=True)
    failed = {k: v[np.array([e is not None and e != "" for e in failed["error"]])]
              for k, v in failed.items()}
    assert list(failed["id"]) == [2]  # Γ^L = 20; 2 and 11 are below 4π
    assert failed["error"][0] == f"{CARD}, point 2, Block GAMMALIN, entry 2: {detail}"


# ---------------------------------------------------------------------------
# progress within what used to be one chunk
# ---------------------------------------------------------------------------
def test_chunk_plan_starts_small_grows_by_at_most_16x_to_a_seconds_work():
    from bridge.scan.runner import GROWTH, ChunkPlan

    assert GROWTH == 16
    plan = ChunkPlan(16, 4096, seconds=1.0)
    assert plan.next_size() == 16  # nothing measured yet
    plan.measured(16, 0.00025)  # fast: 64000 points/s, but at most 16x the last size
    assert [plan.next_size() for _ in range(3)] == [256, 4096, 4096]
    slow = ChunkPlan(64, 4096, seconds=1.0)
    slow.measured(64, 6.4)  # 10 points/s: a second's work is 10 points
    assert slow.next_size() == 10
    for _ in range(ChunkPlan.RECENT):  # slower still: never below one point
        slow.measured(10, 100.0)
    assert slow.next_size() == 1
    warm = ChunkPlan(16, 4096, seconds=1.0)
    warm.measured(16, 8.0)  # a worker's first chunk, with its start-up: 2 points/s
    assert warm.next_size() == 2
    warm.measured(2, 0.01)  # then 200 points/s: the start-up does not hold the size down
    assert warm.next_size() == 32  # 16x the last size at most
    assert warm.next_size() == 200 and warm.next_size() == 200
    fixed = ChunkPlan(7, 7, fixed=True)  # --chunk-size
    fixed.measured(7, 1e-6)
    assert fixed.next_size() == 7


def test_scan_progress_moves_before_the_first_full_chunk(tmp_path, cached_sm, monkeypatch):
    """900 points were one chunk (4096 at most): one progress report, at the end. Now the first
    chunks are small and the line moves several times; on a terminal it shows rate and ETA."""
    import io
    import json

    from bridge.scan import runner

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    made = []

    def progress(*args, **kwargs):
        made.append(runner_progress(*args, **kwargs, stream=out))
        return made[-1]

    runner_progress = runner.Progress
    monkeypatch.setattr(runner, "Progress", progress)
    db = tmp_path / "p.db"
    s = runner.run(runner.ScanOptions(CARD, ["MINPAR:1:50:800:30", "MINPAR:2:300:2000:30"], str(db),
                                      likelihoods=["seed2021"], observables=False, workers=1))
    assert s.stored == 900
    sizes = [r[0] for r in sqlite3.connect(db).execute("SELECT n FROM chunks ORDER BY chunk")]
    assert sizes[0] == runner.FIRST_CHUNK["vectorised"] and len(sizes) >= 3, sizes
    assert max(sizes) <= runner.CHUNK["vectorised"] and sum(sizes) == 900
    lines = [x for x in out.getvalue().split("\r") if x.strip()]
    assert len(lines) == len(sizes)  # one redraw per chunk
    assert all("points/s, ETA" in x for x in lines)
    assert "900/900 points" in lines[-1] and f"{sizes[0]}/900 points" in lines[0]
    assert json.loads(sqlite3.connect(db).execute(
        "SELECT value FROM meta WHERE key = 'last_run'").fetchone()[0])["computed"] == 900


def test_slow_chunks_report_points_before_they_end(tmp_path, cached_sm, monkeypatch):
    """A chunk of slow points (the dark-matter summary: ~0.25 s each) showed nothing until it
    ended. Now a chunk expected to take over twice REPORT_SECONDS of CPU runs in parts of about
    that size, each reported as done, so the line moves within the chunk; the parts are joined
    into one stored chunk whose values equal those of the chunk run at once."""
    from bridge.scan import runner, store

    def slow(ctx, ids, values):  # CPU, as the chunk plan and the parts are sized by CPU time
        t = time.process_time()
        while time.process_time() - t < 0.01 * len(ids):
            pass
        return run_chunk(ctx, ids, values)

    run_chunk = runner.run_chunk
    monkeypatch.setattr(runner, "run_chunk", slow)
    monkeypatch.setattr(runner, "REPORT_SECONDS", 0.05)
    seen = []  # (points stored, points in flight) at each report
    in_flight = runner.Progress.in_flight

    def record(self, n):
        seen.append((self.done, n))
        in_flight(self, n)

    monkeypatch.setattr(runner.Progress, "in_flight", record)
    vary = ["MINPAR:1:50:800:8", "MINPAR:2:300:2000:9"]

    def go(name):
        db = tmp_path / name
        runner.run(runner.ScanOptions(CARD, vary, str(db), likelihoods=["seed2021"], observables=False,
                                      workers=1, chunk_size=24, progress=False))
        return db

    db = go("parts.db")
    sizes = [r[0] for r in sqlite3.connect(db).execute("SELECT n FROM chunks ORDER BY chunk")]
    assert sizes == [24, 24, 24]  # the parts of a chunk are stored as one chunk
    # the first two chunks ran at once (no rate yet); the third in parts of about 5 points,
    # each reported while the chunk was still running (none of its points stored yet)
    within = [n for done, n in seen if 0 < n < 24 and done <= 48]
    assert len(within) >= 3 and within == sorted(within), seen
    monkeypatch.setattr(runner, "REPORT_SECONDS", 1e6)  # no parts: each chunk at once
    seen.clear()
    whole = go("whole.db")
    assert not [n for _, n in seen if n]
    a, b = store.read(db), store.read(whole)
    assert a.keys() == b.keys()
    for k in a:
        if a[k].dtype == object:
            assert list(a[k]) == list(b[k]), k
        else:
            np.testing.assert_array_equal(a[k].view(np.int64), b[k].view(np.int64), err_msg=k)


def test_a_scan_without_z_pole_rows_skips_the_z_couplings_and_stores_the_same(tmp_path, monkeypatch):
    """The leptons' one-loop Z couplings (~20% of a batch) are computed only when a Z-pole row,
    the contrib: breakdown or a likelihood that may read them needs them; skipping them changes
    no stored column by a single bit (they enter no Wilson coefficient)."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    vary = ["MINPAR:1:20:1000:30", "MINPAR:2:100:2000:30"]
    ctx, _ = prepare(ScanOptions(CARD, vary, str(tmp_path / "a.db"),
                                 likelihoods=["seed2021"], progress=False), say=lambda msg: None)
    assert ctx.observables and not runner._needs_z_pole(ctx)
    with_z, _ = prepare(ScanOptions(CARD, vary, str(tmp_path / "b.db"),
                                    likelihoods=["seed2021"], extra_observables=["R_mu"],
                                    progress=False), say=lambda msg: None)
    assert runner._needs_z_pole(with_z)

    ids = np.arange(0, 900, 7)
    skipped = run_chunk(ctx, ids, ctx.space.values(ids))
    # beside the fast path's rows, stored as numbers (no recipe re-derives them from wc: columns)
    z = run_chunk(with_z, ids, with_z.space.values(ids))
    assert np.all(np.isfinite(z.columns["obs:R_mu"])) and "obs:R_mu" not in z.derived
    assert "obs:DeltaM_s" in z.derived
    monkeypatch.setattr(runner, "_needs_z_pole", lambda ctx: True)
    computed = run_chunk(ctx, ids, ctx.space.values(ids))
    assert skipped.columns.keys() == computed.columns.keys()
    for name, col in computed.columns.items():
        np.testing.assert_array_equal(skipped.columns[name], col, err_msg=name)


def test_a_scan_without_contributions_skips_the_lfv_pieces_and_stores_the_same(tmp_path, monkeypatch):
    """The photon/Z/box pieces of the LFV coefficients are kept only for the contrib: breakdown
    or a likelihood that may read any contribution; a scotogenic scan (flavour-violating lepton
    couplings) that skips them stores every column identical, bit for bit, and one that asks for
    the breakdown still gets them."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    card = str(ROOT / "cards" / "scotogenic.slha")
    vary = ["MINPAR:1:500:2000:30", "MINPAR:4:500:2000:30"]
    # every coefficient (the LFV operators are computed only where read: test_flavour_extension.py)
    ctx, _ = prepare(ScanOptions(card, vary, str(tmp_path / "a.db"), likelihoods=["seed2021"],
                                 progress=False, coefficients="all"), say=lambda msg: None)
    assert not runner._needs_lfv_parts(ctx)
    breakdown, _ = prepare(ScanOptions(card, vary, str(tmp_path / "b.db"), likelihoods=["seed2021"],
                                       contributions=True, progress=False), say=lambda msg: None)
    assert runner._needs_lfv_parts(breakdown)
    ids = np.arange(0, 900, 7)
    kept = run_chunk(breakdown, ids, breakdown.space.values(ids))
    assert "contrib:CVLL_eemue_box" in kept.columns

    skipped = run_chunk(ctx, ids, ctx.space.values(ids))
    monkeypatch.setattr(runner, "_needs_lfv_parts", lambda ctx: True)
    computed = run_chunk(ctx, ids, ctx.space.values(ids))
    assert "wc:CVLL_eemue:re" in skipped.columns
    assert skipped.columns.keys() == computed.columns.keys() and skipped.errors == computed.errors
    for name, col in computed.columns.items():
        np.testing.assert_array_equal(skipped.columns[name], col, err_msg=name)


def test_z_pole_rows_in_a_scan_equal_the_run_tables_exact_representation(tmp_path):
    """R_mu, R_e as scan observables: from the points' Z-coupling shifts through the shipped
    exact representation (bridge.zpole, tested against flavio in test_zpole), point for point
    what bridge run's table computes; before, the scan asked wilson to run WET to SMEFT and
    died with a traceback."""
    from bridge import zpole
    from bridge.pipeline import evaluate_batch
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk
    from bridge.scan.space import batch_inputs

    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:30", "MINPAR:2:100:2000:30"],
                                 str(tmp_path / "z.db"), observables=False,
                                 extra_observables=["R_mu", "R_e"], progress=False),
                     say=lambda msg: None)
    assert ctx.fastpath is None  # nothing for the WET fast path to hold
    ids = np.arange(3, 900, 41)
    res = run_chunk(ctx, ids, ctx.space.values(ids))
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, ctx.space.values(ids))
    batch = evaluate_batch(runner._model(ctx), binputs, ctx.sm, handover_scale=ctx.scale)
    r_mu = res.columns["obs:R_mu"]
    assert np.all(np.isfinite(r_mu)) and np.ptp(r_mu) > 0
    for k in range(ids.size):
        shifts = {name: v[k] for name, v in batch.contributions.items() if name.startswith("dg")}
        one = zpole.fast_values(zpole.warsaw_coefficients(shifts, ctx.sm), ["R_mu", "R_e"])
        assert r_mu[k] == one["R_mu"] and res.columns["obs:R_e"][k] == one["R_e"]


def test_z_pole_rows_refused_where_the_representation_does_not_hold(tmp_path, monkeypatch):
    from bridge import zpole
    from bridge.scan.runner import ScanOptions, prepare

    monkeypatch.setattr(zpole, "shipped_representations", lambda: {})
    with pytest.raises(InputError, match="R_tau: no Z-pole representation"):
        prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:3"], str(tmp_path / "z.db"),
                            observables=False, extra_observables=["R_tau"], progress=False),
                say=lambda msg: None)
    assert not (tmp_path / "z.db").exists()


def test_chunk_columns_are_float_arrays_of_their_own(tmp_path):
    """run_chunk copies only the columns that are views (Re/Im parts, broadcast inputs, the
    parameter values): every column is a contiguous, writable float array sharing memory with
    no other column, with the caller's values, or with another chunk's."""
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:10", "MINPAR:2:100:2000:10"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False),
                     say=lambda msg: None)
    ids = np.arange(40)
    values = ctx.space.values(ids)
    res = run_chunk(ctx, ids, values)
    other = run_chunk(ctx, ids, values)
    cols = list(res.columns.values())
    assert len(cols) > 50 and any(k.startswith("obs:") for k in res.columns)
    for k, v in enumerate(cols):
        assert v.dtype == float and v.shape == (40,) and v.flags.c_contiguous and v.flags.writeable
        assert not np.shares_memory(v, values)
        assert not any(np.shares_memory(v, w) for w in cols[k + 1:])
        assert not any(np.shares_memory(v, w) for w in other.columns.values())


@pytest.mark.parametrize("card, vary", [
    ("scotogenic.slha", ["MINPAR:1:500:2000:9", "MINPAR:4:500:2000:9"]),
    ("F_Ib.slha", ["MINPAR:1:20:1000:9", "MINPAR:2:100:2000:9"]),
])
def test_a_chunk_computed_in_parts_is_stored_as_computed_at_once(tmp_path, monkeypatch, card, vary):
    """run_packed computes a chunk compute_part(ctx) points at a time (a worker's peak memory) and
    stores it as one: every column, route and message read back from the packed chunk equals,
    bit for bit, the chunk computed in one call."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_packed
    from bridge.scan.store import fastpath_from, unpack

    ctx, _ = prepare(ScanOptions(str(ROOT / "cards" / card), vary, str(tmp_path / "a.db"),
                                 likelihoods=["seed2021"], progress=False), say=lambda msg: None)
    ids = np.arange(ctx.space.size)
    values = ctx.space.values(ids)
    read = {}
    for part in (ids.size, 7):
        monkeypatch.setattr(runner, "COMPUTE_PART_ALL", part)
        packed, _, _ = run_packed(ctx, ids, values)
        read[part] = unpack(packed, ctx.space, fastpath_from(runner.fastpath_recipe(ctx)))
    (i1, c1, e1, r1, *_), (i7, c7, e7, r7, *_) = read[ids.size], read[7]
    assert i1.tolist() == i7.tolist() and e1 == e7 and r1 == r7
    assert c1.keys() == c7.keys() and any(k.startswith("wc:") for k in c1)
    for name, col in c1.items():
        np.testing.assert_array_equal(c7[name], col, err_msg=name)


@pytest.mark.parametrize("options, wide", [
    ({}, False),
    ({"observables": False}, False),
    ({"coefficients": "all"}, True),
    ({"contributions": True}, True),
])
def test_a_scan_of_every_coefficient_is_computed_in_smaller_parts(tmp_path, monkeypatch, options, wide):
    """compute_part: COMPUTE_PART points at a time in a local worker of a scan of the
    coefficients it reads (at most LARGE_PART_READ of them), COMPUTE_PART_ALL for one that
    computes every coefficient (twice the memory a point), reads more, or runs in the scanning
    process; and run_packed gives run_chunk parts of at most that size, the chunk read back
    equal bit for bit to the chunk computed in one call."""
    from bridge.scan import executors, runner
    from bridge.scan.runner import ScanOptions, compute_part, prepare, run_chunk, run_packed
    from bridge.scan.store import fastpath_from, unpack

    assert runner.COMPUTE_PART_ALL < runner.COMPUTE_PART
    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:6", "MINPAR:2:100:2000:5"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False,
                                 **options), say=lambda msg: None)
    assert (ctx.read is None) is wide
    assert not executors.CHUNK_WORKER and compute_part(ctx) == runner.COMPUTE_PART_ALL
    monkeypatch.setattr(executors, "CHUNK_WORKER", True)
    assert compute_part(ctx) == (runner.COMPUTE_PART_ALL if wide else runner.COMPUTE_PART)
    if not wide:  # one coefficient more than LARGE_PART_READ: the smaller parts
        assert len(ctx.read) <= runner.LARGE_PART_READ
        monkeypatch.setattr(runner, "LARGE_PART_READ", len(ctx.read) - 1)
        assert compute_part(ctx) == runner.COMPUTE_PART_ALL
        monkeypatch.setattr(runner, "LARGE_PART_READ", len(ctx.read))
    monkeypatch.setattr(runner, "COMPUTE_PART", 11)
    monkeypatch.setattr(runner, "COMPUTE_PART_ALL", 7)
    sizes = []

    def spy(c, ids, values):
        sizes.append(len(ids))
        return run_chunk(c, ids, values)

    monkeypatch.setattr(runner, "run_chunk", spy)
    ids = np.arange(ctx.space.size)
    values = ctx.space.values(ids)
    packed, _, _ = run_packed(ctx, ids, values)
    assert sum(sizes) == ids.size and max(sizes) <= (7 if wide else 11) and len(sizes) == (5 if wide else 3)
    whole = run_chunk(ctx, ids, values)
    recipe = fastpath_from(runner.fastpath_recipe(ctx)) if ctx.fastpath is not None else None
    i, cols, errors, routes, *_ = unpack(packed, ctx.space, recipe)
    assert i.tolist() == ids.tolist() and errors == whole.errors and routes == whole.routes
    assert cols.keys() == whole.columns.keys()
    for name, col in whole.columns.items():
        np.testing.assert_array_equal(cols[name], col, err_msg=name)


def test_a_chunk_with_failed_points_keeps_the_others_as_computed_without_them(tmp_path):
    """A chunk of a random sample with a failed point (1427: the lightest fermion at 0.1 GeV, a
    mass ratio outside the loop functions' range), and the same chunk with two points whose
    inputs are refused (M_Psi below the smallest mass): each failed point keeps its parameter
    values and its message (naming its scan id) and is NaN in every other column; every other
    point's columns, the routes and the derived columns are, bit for bit, those of a chunk of
    the good points alone; the NaN written into a chunk's arrays reach no other chunk's."""
    from bridge.scan.runner import ScanOptions, prepare

    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:90", "MINPAR:2:100:2000:90"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False,
                                 sample="random:8100"), say=lambda msg: None)
    ids = np.arange(1400, 1440)
    values = ctx.space.values(ids)
    _check_failed_points(ctx, ids, values, 1)
    values[[5, 30], 0] = 1e-9  # refused by the input checks
    _check_failed_points(ctx, ids, values, 3)


def _check_failed_points(ctx, ids, values, n_failed: int) -> None:
    from bridge.scan.runner import run_chunk

    res = run_chunk(ctx, ids, values)
    failed = np.array([e is not None for e in res.errors])
    assert failed.sum() == n_failed
    for i in np.flatnonzero(failed):
        assert f"point {ids[i]}," in res.errors[i]
    good = ids[~failed]
    alone = run_chunk(ctx, good, values[~failed])
    assert all(e is None for e in alone.errors)
    assert [r for r, f in zip(res.routes, failed, strict=True) if not f] == alone.routes
    assert {res.routes[i] for i in np.flatnonzero(failed)} == {"none"}
    assert res.derived == alone.derived and res.derived
    assert res.columns.keys() == alone.columns.keys()
    for name, col in res.columns.items():
        np.testing.assert_array_equal(col[~failed], alone.columns[name], err_msg=name)
        if name.startswith("par:"):
            k = [a.name for a in ctx.space.axes].index(name[4:])
            np.testing.assert_array_equal(col, values[:, k])
        elif not name.startswith("in:"):
            assert np.isnan(col[failed]).all(), name
    kept = {name: col.copy() for name, col in alone.columns.items()}
    again = run_chunk(ctx, ids, values)  # writes NaN again, into its own arrays
    for name, col in alone.columns.items():
        np.testing.assert_array_equal(col, kept[name], err_msg=name)
        assert not any(np.shares_memory(col, w) for w in again.columns.values())


def test_all_fast_counts_as_the_point_by_point_rule():
    """runner._all_fast (counts over the route list, less the failed points' routes) against
    the rule point by point, on random lists with failed points on every route."""
    from bridge.pipeline import failed_points
    from bridge.scan.runner import _all_fast

    rng = np.random.default_rng(12)
    kinds = ["fast", "mixed", "direct", "none"]
    seen = set()
    for _ in range(400):
        n = int(rng.integers(1, 12))
        routes = [kinds[k] for k in rng.choice(4, n, p=[0.6, 0.2, 0.1, 0.1])]
        errors = [None if rng.random() < 0.7 else "msg" for _ in range(n)]
        rule = all(r in ("fast", "mixed") for r, e in zip(routes, errors, strict=True) if e is None)
        got = _all_fast(routes, failed_points(errors))
        assert got == rule, (routes, errors)
        np.testing.assert_array_equal(failed_points(errors), [i for i, e in enumerate(errors) if e])
        seen.add(got)
    assert seen == {True, False}


def test_a_chunk_of_failed_points_only_is_stored_with_its_messages(tmp_path):
    """A chunk whose every point fails (random F_Ib points 1427 and 4056: mass ratios outside
    the loop functions' range) leaves no point for the fast path: run_chunk returns their
    messages and NaN (the fast path's quadratures once raised on the empty batch), and the
    packed chunk reads back the same columns, routes and messages."""
    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk, run_packed
    from bridge.scan.store import fastpath_from, unpack

    ctx, _ = prepare(ScanOptions(CARD, ["MINPAR:1:20:1000:90", "MINPAR:2:100:2000:90"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False,
                                 sample="random:8100"), say=lambda msg: None)
    ids = np.array([1427, 4056])
    values = ctx.space.values(ids)
    res = run_chunk(ctx, ids, values)
    assert [f"point {i}," in e for i, e in zip(ids, res.errors, strict=True)] == [True, True]
    assert res.routes == ["none", "none"]
    assert any(k.startswith("obs:") for k in res.columns)
    for name, col in res.columns.items():
        if not name.startswith(("par:", "in:")):
            assert np.isnan(col).all(), name
    packed, _, _ = run_packed(ctx, ids, values)
    i, cols, errors, routes, *_ = unpack(packed, ctx.space, fastpath_from(runner.fastpath_recipe(ctx)))
    assert i.tolist() == ids.tolist() and errors == res.errors and routes == res.routes
    for name, col in res.columns.items():
        np.testing.assert_array_equal(cols[name], col, err_msg=name)
