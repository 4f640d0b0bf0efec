"""The bookkeeping speed-ups of a batch (issue 12) keep its semantics: the complex tables of
bridge.pipeline.evaluate_batch as rows of one array (each name its own row, non-finite values
flagged as a per-column check flags them), and α at a batch's common scale kept between calls
by bridge.running (the same numbers as evaluating it again, per input)."""

from __future__ import annotations

import numpy as np

from bridge import couplings, pipeline, running


def test_rows_are_independent_columns_with_the_values_given():
    n = 5
    values = {"a": 2.0, "b": np.arange(n, dtype=float), "c": np.full(n, 1 + 2j), "d": np.array([3j])}
    rows, block = pipeline._rows(values, n)
    assert list(rows) == list(values) and block.shape == (4, n)
    for name, value in values.items():
        assert rows[name].dtype == complex
        assert np.array_equal(rows[name], np.broadcast_to(np.asarray(value, complex), (n,)))
    rows["b"][2] = -7.0  # a failed point's value is overwritten in its own column only
    assert rows["b"][2] == -7.0 and rows["a"][2] == 2.0 and rows["c"][2] == 1 + 2j
    assert not np.shares_memory(values["b"], rows["b"])


def test_the_finite_check_of_a_block_flags_what_a_check_per_column_flags():
    rng = np.random.default_rng(1)
    n = 64
    block = rng.normal(size=(7, n)) + 1j * rng.normal(size=(7, n))
    for row, col, bad in ((0, 3, np.nan), (2, 10, np.inf * 1j), (6, 63, complex(1, np.nan)),
                          (4, 20, -np.inf)):
        block[row, col] = bad
    flagged = ~np.isfinite(block.view(float)).all(axis=0).reshape(n, 2).all(axis=1)
    per_column = np.zeros(n, bool)
    for row in block:
        per_column |= ~np.isfinite(row)
    assert np.array_equal(flagged, per_column) and flagged.sum() == 4


def test_alpha_at_a_common_scale_is_the_fresh_value_per_input():
    m_t = running._thresholds()[1]
    for kind in ("s", "e"):
        for nf, scale in ((6, m_t), (5, m_t), (5, 160.0)):
            for par in (None, {"alpha_s": 0.1185, "alpha_e": 1 / 127.0}):
                alphas = couplings.inputs(par)
                kept = running._alpha(kind, alphas, np.full(8, scale), nf)
                fresh = (couplings.alpha_s if kind == "s" else couplings.alpha_e)(
                    np.array([scale]), nf, alphas["alpha_s" if kind == "s" else "alpha_e"])
                assert kept.shape == (8,) and np.array_equal(kept, np.broadcast_to(fresh, (8,)))
    a = running._alpha("s", couplings.inputs({"alpha_s": 0.117}), np.full(3, m_t), 6)
    b = running._alpha("s", couplings.inputs({"alpha_s": 0.119}), np.full(3, m_t), 6)
    assert a[0] < b[0]  # another α_s(M_Z), another value


def test_alpha_of_distinct_scales_skips_unique_with_the_same_numbers():
    """running._all_distinct answers as numpy's unique counts (by value: −0.0 = 0.0, two NaN
    one), and _alpha of every kind of batch — all distinct (a random sample's μ_M), repeated
    (a grid's), with a NaN — gives the numbers of bridge.couplings at each scale alone."""
    rng = np.random.default_rng(5)
    distinct = rng.uniform(200.0, 3000.0, 40)
    cases = [distinct, distinct[rng.integers(0, 10, 40)], np.array([0.0, -0.0, 1.0]),
             np.array([np.nan, 1.0, 2.0]), np.array([np.nan, np.nan, 2.0]), np.array([3.0, 2.0]),
             np.array([7.0]), np.array([])]
    for scales in cases:
        assert running._all_distinct(scales) == (np.unique(scales).size == scales.size
                                                 and not np.isnan(scales).any())
    alphas = couplings.inputs(None)
    for kind, nf in (("s", 6), ("e", 6), ("s", 5)):
        for scales in cases[:2]:
            batch = running._alpha(kind, alphas, scales, nf)
            alone = [(couplings.alpha_s if kind == "s" else couplings.alpha_e)(
                np.array([x]), nf, alphas["alpha_s" if kind == "s" else "alpha_e"])[0] for x in scales]
            assert np.array_equal(batch, alone)


def test_sorted_count_is_uniques_count_without_nan():
    """repeats.sorted_count (the early exit of distinct_points, running._all_distinct) counts as
    np.unique does for real and integer values with repeats, −0.0 and 0.0 as one, and each NaN
    as its own value (np.unique merges them: the callers treat a NaN apart)."""
    from bridge.repeats import sorted_count

    rng = np.random.default_rng(9)
    for values in (rng.integers(0, 7, 50), rng.uniform(size=30)[rng.integers(0, 9, 30)],
                   np.array([0.0, -0.0, 1.0]), np.arange(5, dtype=np.uint64), np.array([3.0])):
        assert sorted_count(values) == np.unique(values).size
    assert sorted_count(np.array([])) == 0
    assert sorted_count(np.array([np.nan, np.nan, 1.0])) == 3
