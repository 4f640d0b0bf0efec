"""The lean kernel (benchmarks/lean_kernel.py) computes what run_chunk computes: its C9_bsmumu,
C10_bsmumu, Δa_μ and seed χ² equal run_chunk's to 1e-10 relative, per model, on a few hundred
points of the benchmark's own grids (benchmarks/scan_throughput.py), which contain the
degenerate-mass points (equal doublet components everywhere, M_Ψ' crossing the Majorana
masses) that take the loop functions' series branches."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import lean_kernel as lk  # noqa: E402
import scan_throughput as st  # noqa: E402

from bridge.pipeline import spectrum  # noqa: E402
from bridge.scan.runner import ScanOptions, _model, prepare, run_chunk  # noqa: E402
from bridge.scan.space import batch_inputs  # noqa: E402

POINTS = 300


def _setup(model, tmp_path):
    opts = ScanOptions(st._card(model), st._vary(model, 20_000), str(tmp_path / "x.db"),
                       likelihoods=["seed2021"], observables=False, progress=False)
    ctx, _ = prepare(opts, say=lambda m: None)
    # spread over the whole grid (both ends of both axes, the diagonal M_Ψ ~ M_Ψ')
    ids = np.unique(np.linspace(0, ctx.space.size - 1, POINTS).astype(np.int64))
    values = ctx.space.values(ids)
    return ctx, ids, values, run_chunk(ctx, ids, values)


def _rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def _check(out, res):
    cols = res.columns
    ok = np.array([e is None for e in res.errors])
    assert ok.sum() > 0.9 * ok.size
    for name in ("C9_bsmumu", "C10_bsmumu"):
        ref = cols[f"wc:{name}:re"] + 1j * cols[f"wc:{name}:im"]
        assert np.all(ref[ok] != 0)
        assert _rel(out[name][ok], ref[ok]) <= 1e-10, name
    assert _rel(out["Delta_a_mu"][ok], cols["ol:Delta_a_mu"][ok]) <= 1e-10
    assert _rel(out["chi2"][ok], cols["chi2:seed2021"][ok]) <= 1e-10


def _terms(ctx):
    (vl,) = ctx.vector_likelihoods
    return vl.terms


#: the lean spectrum of each model: (sector function, card reader)
LEAN = {"F_Ib": (lk.f_ib_sector, lk.f_ib_card), "F_IIb": (lk.f_iib_sector, lk.f_iib_card),
        "S_Ib": (lk.s_ib_sector, lk.s_ib_card),
        "scotogenic": (lk.scotogenic_sector, lk.scotogenic_card)}


@pytest.mark.parametrize("model", sorted(LEAN))
def test_whole_point_equals_run_chunk(model, tmp_path):
    ctx, _, values, res = _setup(model, tmp_path)
    sector, card = LEAN[model]
    s = sector(values[:, 0], values[:, 1], card(ctx.inputs), ctx.sm)
    _check(lk.point(s, ctx.sm, _terms(ctx)), res)
    names = [k[5:] for k in res.columns if k.startswith("mass:")]
    project = np.sort(np.stack([res.columns[f"mass:{k}"] for k in names], axis=-1), axis=-1)
    lean = np.sort(np.concatenate([s["mf"], s["ms"]], axis=-1), axis=-1)
    assert lean.shape == project.shape
    assert _rel(lean, project) <= 1e-12  # the same spectrum, state by state


def test_generic_part_on_the_project_spectrum(tmp_path):
    """Steps 2-5 alone on the project's own sector (bridge.engine.DarkSector): the same numbers,
    so a difference in the test above would be the spectrum's."""
    ctx, _, values, res = _setup("scotogenic", tmp_path)
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, values)
    sector = spectrum(_model(ctx), binputs, ctx.sm, batch=True).sector
    _check(lk.point(lk.sector_arrays(sector), ctx.sm, _terms(ctx)), res)


def test_the_handed_over_c9_c10_are_unrun(tmp_path):
    """Step 4 of the kernel (no running of C9, C10) is the project's rule, not a shortcut."""
    from bridge.pipeline import evaluate_batch

    ctx, _, values, res = _setup("F_Ib", tmp_path)
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, values[:20])
    unrun = evaluate_batch(_model(ctx), binputs, ctx.sm)
    for name in ("C9_bsmumu", "C10_bsmumu"):
        ref = res.columns[f"wc:{name}:re"][:20] + 1j * res.columns[f"wc:{name}:im"][:20]
        assert np.array_equal(unrun.coefficients[name], ref)
