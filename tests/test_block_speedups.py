"""The F_Vc speed-ups change no number: the divided differences over column blocks (loops.
_divdiffs_blocked) against one call and against each element alone, the Z penguin with the
fermion pairs without a Z vertex left out (engine._z_fermion_pairs) against all pairs, and
the box tensors gathered from the loops call's result against the stacked columns, each bit
for bit, on F_Vc's card with random masses (the model of the most states, with pairs
(a, b) that have no Z vertex)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge import engine, loops

CARD = "cards/F_Vc.slha"


def _points(rng, n_points):
    """(4, n) squared masses: random, with pairs of rows equal or split by 1e-12 ... 0.5
    relative (exact and near degeneracies, around the series' switch at 0.3), all equal."""
    pts = rng.uniform(0.05, 20.0, size=(4, n_points))
    splits = (0.0, 1e-12, 1e-8, 1e-4, 0.05, 0.29, 0.31, 0.5)
    kind = rng.integers(0, 10, size=n_points)
    for k, split in enumerate(splits):
        at = kind == k
        i, j = rng.choice(4, size=2, replace=False)
        pts[j, at] = pts[i, at] * (1.0 + split)
    pts[:, kind == 9] = pts[0, kind == 9]
    return pts


def _bits(x):
    return np.ascontiguousarray(x).view(np.uint64)


@pytest.mark.parametrize(("rows", "kinds"), [(4, ("u2", "u1")), (3, ("u2", "u1")), (4, ("h",))])
def test_blocked_divided_differences_equal_one_call_and_each_point_alone(rows, kinds, monkeypatch):
    rng = np.random.default_rng(7)
    n = 3 * loops._BLOCK_MAX + 1001  # four blocks, the last a different size
    pts = _points(rng, n)[:rows]
    s = rng.normal(size=n) if "h" in kinds else None
    blocked = loops._divdiffs(pts.copy(), kinds, s)
    monkeypatch.setattr(loops, "_BLOCK_MAX", 10**9)
    whole = loops._divdiffs(pts.copy(), kinds, s)
    for kind in kinds:
        assert np.array_equal(_bits(blocked[kind]), _bits(whole[kind]))
    # and each point alone (a sample of every pattern): the blocks' values are the points' own
    for k in rng.choice(n, size=60, replace=False):
        alone = loops._divdiffs(pts[:, k:k + 1].copy(), kinds, None if s is None else s[k:k + 1])
        for kind in kinds:
            assert _bits(alone[kind])[0] == _bits(blocked[kind])[k]


def _f_vc_sector(n_points=600):
    """F_Vc's batch sector as a scan builds it: MINPAR 1 (the flavour mediator) and 4 (the
    lepton-side field) drawn from half to 1.5 times the card's values."""
    from bridge import pipeline
    from bridge.card import read_card
    from bridge.scan.runner import ScanOptions, _model, prepare
    from bridge.scan.space import batch_inputs

    minpar = read_card(CARD).block("MINPAR")
    vary = [f"MINPAR:{k}:{0.5 * float(minpar[k]):g}:{1.5 * float(minpar[k]):g}:25" for k in (1, 4)]
    ctx, _ = prepare(ScanOptions(CARD, vary, "/nonexistent/x.db", sample=f"random:{n_points}",
                                 likelihoods=["seed2021"], observables=False, progress=False),
                     say=lambda m: None)
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, ctx.space.values(np.arange(n_points)))
    spec = pipeline.spectrum(_model(ctx), binputs, ctx.sm, batch=True, dark_matter_couplings=False)
    return spec.sector, ctx.sm


@pytest.fixture(scope="module")
def f_vc():
    return _f_vc_sector()


def test_z_penguin_without_the_pairs_without_vertex_is_unchanged(f_vc, monkeypatch):
    sector, sm = f_vc
    support = engine._support(sector, *engine._quark_couplings(sector, "L", "s", "b"))
    pairs = engine._z_fermion_pairs(sector, "L", support)
    n_f = len(support[0])
    assert 0 < len(pairs[0]) < n_f * n_f  # F_Vc leaves pairs out: the path is exercised
    fast = {(x, fb, f): engine._z_penguin(sector, sm, x, fb, f)
            for x in "LR" for fb, f in (("s", "b"), ("mu", "mu"), ("e", "mu"))}
    def every(sec, chirality, sup):  # all pairs (a, b) of the support, C order
        n = len(sup[0]) if sup is not None else len(sec.fermions)
        return (tuple(a for a in range(n) for _ in range(n)), tuple(b for _ in range(n) for b in range(n)))

    monkeypatch.setattr(engine, "_z_fermion_pairs", every)
    for cache in ("_z_function_cache", "_z_kernel_cache", "_z_penguin_cache"):
        sector.__dict__.pop(cache, None)
    for (x, fb, f), value in fast.items():
        again = engine._z_penguin(sector, sm, x, fb, f)
        assert np.array_equal(_bits(np.asarray(value, complex)), _bits(np.asarray(again, complex)))
    assert any(np.any(np.asarray(v) != 0) for v in fast.values())


def test_box_tensors_gathered_equal_the_stacked_columns(f_vc):
    sector, _ = f_vc
    nf, ns = len(sector.fermions), len(sector.scalars)
    fermions, scalars_a, scalars_b = tuple(range(nf)), tuple(range(ns)), tuple(range(ns - 1, -1, -1))
    i2, i1 = sector.box_tensors(fermions, fermions, scalars_a, scalars_b)
    # the stacked route (a sector copy that lacks the columns' record, as a copy may)
    sector.__dict__.pop("_box_kernel_columns", None)
    sector.__dict__.pop("_box_blocks", None)
    i2_s, i1_s = sector.box_tensors(fermions, fermions, scalars_a, scalars_b)
    # the same layout too (the contractions' order of addition follows it)
    assert i2.strides == i2_s.strides and i1.strides == i1_s.strides
    assert np.array_equal(_bits(i2), _bits(i2_s)) and np.array_equal(_bits(i1), _bits(i1_s))
    # and each entry is its mass set's own box integral
    mf2, ms2 = sector.m_fermion**2, sector.m_scalar**2
    a, b, A, B = 0, nf - 1, 0, 0
    ref = loops.box_I2(mf2[:, a], mf2[:, b], ms2[:, scalars_a[A]], ms2[:, scalars_b[B]])
    assert np.array_equal(_bits(i2[:, a, b, A, B]), _bits(ref))
