"""A point's scan columns do not depend on the batch it is evaluated in.

A scan's chunk sizes follow its timing (and its workers'), so two runs of the same scan split
the points differently; a column that depended on the split would differ between them. Two
causes were found and removed: the QCD running's BLAS product (C7, C7' of the points in a
block's last rows and of a one-point batch, ~1e-15) and the Z penguin's cancelling sums, whose
terms came out in a layout that changes at 4096 points (C10 of a lepton without box couplings,
4.9e-11 relative). Measured before the fix: 31 of 60 S_Ib columns and 3-4 of F_Ib's differed.
Two more, found after: numpy's temporary elision, which turns ``a * b.conj()`` of a block of
≥ 16384 complex numbers into ``tmp *= a`` (operands swapped: numpy's complex product is not
commutative in the last bit of its imaginary part), in the lepton dipoles' coupling products
(Im C7_ℓℓ of 128 of the first 300 S_Ib points above 1638 points a batch; scotogenic C7_ee,
C7_tautau, Cgamma at 20 000); and einsum's reduction order in the semileptonic boxes' lepton
axis, which adds a point alone in other groups than a batch (F_IIb, S_IIb: C9/C10_bsμμ of
17 of 100 points alone, ~3e-16).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import scan_throughput as st  # noqa: E402

from bridge import engine  # noqa: E402
from bridge.scan.runner import COMPUTE_PART, ScanOptions, prepare, run_chunk  # noqa: E402

#: the largest batch a scan computes (a local worker's whole chunk, runner.COMPUTE_PART): above
#: 4096, where the Z penguin's layout changed, above 16384 / 3, where numpy elides the
#: temporaries of a block of three complex numbers a point (scotogenic's lepton dipoles; four in
#: S_Ib's: above 4096), and at 16384 / 2 (two a point); the parts include batches of one point
POINTS = COMPUTE_PART
SPLITS = [1, 17, 700, 701, 2000, 3333]
#: the first points also each alone (a batch of one adds some sums in other groups)
ALONE = 24
#: a Table II model beyond the benchmark's four (its two scanned parameters)
VARY = {"S_IIb": ["MINPAR:1:300:1500:90", "MINPAR:5:0:200:90"]}


@pytest.mark.parametrize("model", ["F_Ib", "S_Ib", "scotogenic", "F_IIb", "S_IIb"])
def test_columns_do_not_depend_on_the_batch(model, tmp_path):
    card = st._card(model) if model in st.MODELS else str(ROOT / "cards" / f"{model}.slha")
    vary = VARY.get(model) or st._vary(model, 8100)
    opts = ScanOptions(card, vary, str(tmp_path / "x.db"), likelihoods=["seed2021"],
                       observables=True, progress=False, sample=f"random:{POINTS}")
    ctx, _ = prepare(opts, say=lambda m: None)
    ids = np.arange(POINTS)
    whole = run_chunk(ctx, ids, ctx.space.values(ids))
    chunks = [ids[i:i + 1] for i in range(ALONE)] + np.array_split(ids[ALONE:], SPLITS)
    parts = [run_chunk(ctx, c, ctx.space.values(c)) for c in chunks]
    assert "wc:C10_bsee:re" in whole.columns or model == "scotogenic"
    assert "wc:C7_bs:re" in whole.columns and "wc:C7_mumu:im" in whole.columns
    for name, column in whole.columns.items():
        column = np.asarray(column)
        # a column a part leaves out is 0 there (run_chunk keeps no all-zero contributions)
        split = np.concatenate([np.broadcast_to(np.asarray(p.columns.get(name, np.zeros(len(c)))),
                                                (len(c),)) for p, c in zip(parts, chunks, strict=True)])
        if column.dtype.kind == "f":
            assert np.array_equal(column, split, equal_nan=True), name
        else:
            assert np.array_equal(column, split), name
    assert [str(e) for e in whole.errors] == [str(e) for p in parts for e in p.errors]
    assert list(whole.routes) == [r for p in parts for r in p.routes]


def _point_fastest(x: np.ndarray) -> np.ndarray:
    """x laid out with its points (axis 0) adjacent in memory, as a batch's block cuts are."""
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 0, -1)), -1, 0)


def _point_alone(spec: str, operands, i: int) -> np.ndarray:
    """np.einsum(spec) of point i, each term einsum's product of the point's operands alone,
    the terms added one at a time (numpy's elementwise additions) with the summed indices in
    C order (of their first appearance)."""
    inputs, out = spec.replace("...", "").split("->")
    inputs = inputs.split(",")
    summed = list(dict.fromkeys(c for term in inputs for c in term if c not in out))
    sizes = {c: x.shape[1 + k] for term, x in zip(inputs, operands, strict=True) for k, c in enumerate(term)}
    product = ",".join("" for _ in inputs) + "->"  # of the 0-d factors
    result = np.empty([sizes[c] for c in out], complex)
    for kept in np.ndindex(*result.shape):
        at = dict(zip(out, kept, strict=True))
        total = None
        for values in np.ndindex(*(sizes[c] for c in summed)):
            at.update(zip(summed, values, strict=True))
            factors = [x[i][tuple(at[c] for c in t)] for t, x in zip(inputs, operands, strict=True)]
            term = np.einsum(product, *(np.asarray(f) for f in factors))
            total = term if total is None else np.add(total, term)
        result[kept] = total
    return result


SPECS = [
    # the lepton-axis boxes (class F, class S), letters of unequal sizes
    ("...abB,...iaB,...ibB->...i", [(2, 3, 2), (3, 2, 2), (3, 3, 2)]),
    ("...cAB,...icB,...icA->...i", [(2, 3, 4), (3, 2, 4), (3, 2, 3)]),
    # as in F_IIb, S_IIb (one lepton: einsum adds a point alone in groups), S_Ib
    ("...abB,...iaB,...ibB->...i", [(2, 2, 1), (1, 2, 1), (1, 2, 1)]),
    ("...cAB,...icB,...icA->...i", [(1, 2, 2), (1, 1, 2), (1, 1, 2)]),
    ("...cAB,...icB,...icA->...i", [(1, 4, 4), (1, 1, 4), (1, 1, 4)]),
    # one summed term; nothing summed; one operand; an output of two letters
    ("...abB,...iaB,...ibB->...i", [(1, 1, 1), (2, 1, 1), (2, 1, 1)]),
    ("...ab,...ab->...ab", [(2, 3), (2, 3)]),
    ("...ab->...", [(3, 4)]),
    ("...ia,...aj->...ij", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("spec, shapes", SPECS)
@pytest.mark.parametrize("points", [1, 2, 9])
def test_contract_in_order_is_each_point_alone(spec, shapes, points):
    rng = np.random.default_rng(len(spec) + points)
    ops = []
    for shape in shapes:
        x = rng.standard_normal((points, *shape)) + 1j * rng.standard_normal((points, *shape))
        ops.append(x * 10.0 ** rng.integers(-6, 6, x.shape))
    alone = np.stack([_point_alone(spec, ops, i) for i in range(points)])
    fastest = [_point_fastest(x) for x in ops]
    assert all(engine._point_fastest(x) for x in fastest) or points == 1
    assert not any(engine._point_fastest(x) for x in ops if x[0].size > 1) or points == 1
    # point-fastest (einsum's one call), C order (its products, then the sums), each point alone
    for layout in (fastest, ops):
        got = engine._contract_in_order(spec, *layout)
        assert got.shape == np.einsum(spec, *ops).shape
        assert np.array_equal(got, alone)
    one = np.concatenate([engine._contract_in_order(spec, *(x[i:i + 1] for x in ops)) for i in range(points)])
    assert np.array_equal(one, alone)
    # the contraction itself, against einsum's (its own order of addition: rounding)
    assert np.allclose(alone, np.einsum(spec, *ops), rtol=1e-13, atol=0)


@pytest.mark.parametrize("points, leptons", [(1, 3), (2, 1), (5, 3)])
def test_stack_leptons_is_np_stack(points, leptons):
    rng = np.random.default_rng(points + leptons)
    blocks = [_point_fastest(rng.standard_normal((points, 2, 3)) + 1j * rng.standard_normal((points, 2, 3)))
              for _ in range(leptons)]
    got = engine._stack_leptons(blocks)
    assert np.array_equal(got, np.stack(blocks, axis=-3))
    assert engine._point_fastest(got) or points == 1


def test_contract_in_order_of_an_empty_sum_is_zero():
    x = np.ones((3, 0, 2), complex)
    assert np.array_equal(engine._contract_in_order("...ab,...ab->...", x, x), np.zeros(3))


def test_times_conj_of_a_large_block_is_each_rows_product():
    """DarkSector.times_conj on 4096 points × 5 coupled pairs, a block whose temporaries numpy
    elides (≥ 16384 complex numbers), against each point's product alone."""
    rng = np.random.default_rng(3)
    shape = (4096, 1, 5)
    a = rng.standard_normal(shape) + 1e-9j * rng.standard_normal(shape)
    b = rng.standard_normal(shape) + 1e-9j * rng.standard_normal(shape)
    whole = engine.DarkSector.times_conj(SimpleNamespace(), a, b)
    rows = np.concatenate([engine.DarkSector.times_conj(SimpleNamespace(), a[i:i + 1], b[i:i + 1])
                           for i in range(len(a))])
    assert np.array_equal(whole, rows)
    assert np.array_equal(whole, np.multiply(a, np.conj(b)))


@pytest.mark.parametrize("a_shape, b_shape, b_type", [
    ((3, 2), (3, 2), complex), ((3, 2), (3, 2), float), ((3, 2), (2,), complex), ((2,), (3, 2), complex)])
def test_times_conj_keeps_its_operands(a_shape, b_shape, b_type):
    """Written into the conjugate where it can hold the product; the operands are left as they
    were (a real b, a broadcast a or b: a new array)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal(a_shape) + 1j * rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape).astype(b_type)
    if b_type is complex:
        b += 1j * rng.standard_normal(b_shape)
    a0, b0 = a.copy(), b.copy()
    got = engine._times_conj(a, b)
    assert np.array_equal(got, np.multiply(a, np.conj(b))) and got.dtype == complex
    assert np.array_equal(a, a0) and np.array_equal(b, b0)
