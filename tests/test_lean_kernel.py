"""The lean kernel (benchmarks/lean_kernel.py) computes what run_chunk computes for the issue's
workload (the 10 `bridge run` observables from the fast path and the seed χ²): every Wilson
coefficient the observables read, at the hand-over scale, the 10 observables, Δa_μ and the seed
χ² equal run_chunk's to 1e-10 relative, per model, on a few hundred points of the benchmark's
own grids (benchmarks/scan_throughput.py), which contain the degenerate-mass points (equal
doublet components everywhere, M_Ψ' crossing the Majorana masses) that take the loop
functions' series branches."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import lean_kernel as lk  # noqa: E402
import scan_throughput as st  # noqa: E402

from bridge import couplings  # noqa: E402
from bridge.pipeline import spectrum  # noqa: E402
from bridge.scan import fastpath as fpm  # noqa: E402
from bridge.scan.runner import ScanOptions, _model, prepare, run_chunk  # noqa: E402
from bridge.scan.space import batch_inputs  # noqa: E402

POINTS = 300


def _setup(model, tmp_path):
    opts = ScanOptions(st._card(model), st._vary(model, 20_000), str(tmp_path / "x.db"),
                       likelihoods=["seed2021"], observables=True, progress=False)
    ctx, _ = prepare(opts, say=lambda m: None)
    # spread over the whole grid (both ends of both axes, the diagonal M_Ψ ~ M_Ψ')
    ids = np.unique(np.linspace(0, ctx.space.size - 1, POINTS).astype(np.int64))
    values = ctx.space.values(ids)
    return ctx, ids, values, run_chunk(ctx, ids, values)


def _rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def _check(out, res, ctx):
    cols = res.columns
    ok = np.array([e is None for e in res.errors])
    assert ok.sum() > 0.9 * ok.size
    assert all(r == "fast" for r, good in zip(res.routes, ok, strict=True) if good)
    # every coefficient an observable reads and the point has is computed, at the hand-over scale
    read = {fpm.VARIABLES[i].coefficient for r in ctx.fastpath.representations.values()
            for c in r.components for i in fpm._indices(c)}
    present = {k[3:-3] for k in cols if k.startswith("wc:") and k.endswith(":re")}
    assert read & present <= set(out["coefficients"])
    assert {"C7_bs", "C8_bs", "CVLL_bsbs", "C7_mumu", "CL_bsnumunumu", "C9_bsee"} <= set(out["coefficients"])
    for name, v in out["coefficients"].items():
        ref = cols[f"wc:{name}:re"] + 1j * cols[f"wc:{name}:im"]
        # exact zeros only where the physics has them (the Majorana box cancellation
        # F + 2G = 0 of B_s mixing at M_S = M_N, on the scotogenic grid's diagonal)
        zero = ok & (ref == 0)
        assert zero.sum() < 0.1 * ok.sum(), name
        assert _rel(v[ok & ~zero], ref[ok & ~zero]) <= 1e-10, name
        assert np.all(np.abs(v[zero]) <= 1e-10 * np.abs(ref[ok]).max()), name
    assert sorted(out["observables"]) == sorted(o.label for o in ctx.observables)
    for label, v in out["observables"].items():
        assert _rel(v[ok], cols[f"obs:{label}"][ok]) <= 1e-10, label
    assert _rel(out["Delta_a_mu"][ok], cols["ol:Delta_a_mu"][ok]) <= 1e-10
    assert _rel(out["chi2"][ok], cols["chi2:seed2021"][ok]) <= 1e-10


def _point(ctx, s):
    tables = lk.observable_tables(ctx.fastpath, [o.label for o in ctx.observables])
    return lk.point(s, ctx.sm, _terms(ctx), tables, ctx.scale, couplings.inputs(ctx.overrides))


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
    _check(_point(ctx, s), res, ctx)
    names = [k[5:] for k in res.columns if k.startswith("mass:")]
    project = np.sort(np.stack([res.columns[f"mass:{k}"] for k in names], axis=-1), axis=-1)
    lean = np.sort(np.concatenate([s["mf"], s["ms"]], axis=-1), axis=-1)
    assert lean.shape == project.shape
    assert _rel(lean, project) <= 1e-12  # the same spectrum, state by state


@pytest.mark.parametrize("model", sorted(LEAN))
def test_generic_part_on_the_project_spectrum(model, tmp_path):
    """Steps 2-6 alone on the project's own sector (bridge.engine.DarkSector): the same numbers,
    so a difference in the test above would be the spectrum's."""
    ctx, _, values, res = _setup(model, tmp_path)
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, values)
    sector = spectrum(_model(ctx), binputs, ctx.sm, batch=True).sector
    _check(_point(ctx, lk.sector_arrays(sector)), res, ctx)


def test_the_lean_quadrature_bisects_where_quadpack_does(tmp_path):
    """The R_K, R_K* bins take QUADPACK's second level at these points (the halves' branch of
    the lean QAGS is exercised), and its first-level value alone would differ."""
    from bridge.scan import quadpack

    ctx, _, values, res = _setup("F_Ib", tmp_path)
    tables = lk.observable_tables(ctx.fastpath, ["<Rmue>(B+->Kll) [1.1,6]"])
    c = tables["rows"][0][2][0]
    u = np.zeros((values.shape[0], len(tables["variables"])))
    for k, (name, part, step) in enumerate(tables["variables"]):
        col = res.columns.get(f"wc:{name}:{part}")
        if col is not None:
            u[:, k] = col / step
    y = u[:, c["cols"]] @ c["proj"].T
    iu, ju = np.triu_indices(y.shape[1])
    phi = np.concatenate([np.ones((y.shape[0], 1)), y, y[:, iu] * y[:, ju]], axis=1)
    nodes = phi @ np.concatenate([c["w1"][:, :21], c["w2"]], axis=1)
    first = quadpack.qk21(nodes[:, :21], c["a"], c["b"])[0]
    two, deeper = quadpack.qags(nodes, c["a"], c["b"], c["epsabs"], c["epsrel"], 50)
    assert not deeper.any() and np.all(first != two)
    assert _rel(lk._quadrature(c, u, np.ones(u.shape[1], bool)), two) <= 1e-12
    # 10 and 30 times the coefficients: some points beyond the second level (NaN), which only
    # the halves' node values can show (the bound never proves them): the lean kernel's
    # fallback runs
    for size in (10.0, 30.0):
        big = size * u
        y = big[:, c["cols"]] @ c["proj"].T
        phi = np.concatenate([np.ones((y.shape[0], 1)), y, y[:, iu] * y[:, ju]], axis=1)
        nodes = phi @ np.concatenate([c["w1"][:, :21], c["w2"]], axis=1)
        two, deeper = quadpack.qags(nodes, c["a"], c["b"], c["epsabs"], c["epsrel"], 50)
        lean = lk._quadrature(c, big, np.ones(u.shape[1], bool))
        assert deeper.any() and np.array_equal(np.isnan(lean), deeper)
        assert _rel(lean[~deeper], two[~deeper]) <= 1e-12


def test_the_handed_over_c9_c10_are_unrun(tmp_path):
    """Step 4 of the kernel (no running of C9, C10) is the project's rule, not a shortcut."""
    from bridge.pipeline import evaluate_batch

    ctx, _, values, res = _setup("F_Ib", tmp_path)
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, values[:20])
    unrun = evaluate_batch(_model(ctx), binputs, ctx.sm)
    for name in ("C9_bsmumu", "C10_bsmumu"):
        ref = res.columns[f"wc:{name}:re"][:20] + 1j * res.columns[f"wc:{name}:im"][:20]
        assert np.array_equal(unrun.coefficients[name], ref)
