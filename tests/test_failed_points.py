"""bridge.pipeline.failed_points: the indices of the points with a message, by counts of halves
of the list where a few failed (the old rule, one pass over every point, is the reference)."""

from __future__ import annotations

import random

import numpy as np

from bridge import pipeline


def _reference(errors: list) -> list[int]:
    return [i for i, e in enumerate(errors) if e is not None]


def _check(errors: list) -> None:
    got = pipeline.failed_points(errors)
    assert got.dtype == np.intp and got.ndim == 1
    assert got.tolist() == _reference(errors)


def test_failed_points_on_random_lists():
    rng = random.Random(2021)
    for _ in range(3000):
        n = rng.choice([0, 1, 2, 63, 64, 65, 127, 128, 129, 1000, 4095, 4096, 4097])
        share = rng.choice([0.0, 1e-4, 1e-3, 1e-2, 0.1, 0.5, 0.99, 1.0])
        errors = [f"point {i}: refused" if rng.random() < share else None for i in range(n)]
        if n and rng.random() < 0.3:
            errors[rng.choice([0, n - 1, n // 2, n // 2 - 1])] = ""  # an empty message is one too
        _check(errors)


def test_failed_points_at_the_edges_of_the_halves_and_the_dense_switch():
    n = 4096
    leaf, dense = pipeline._FAILED_LEAF, pipeline._FAILED_DENSE
    edges = sorted({0, 1, leaf - 1, leaf, leaf + 1, n // 2 - 1, n // 2, n // 2 + 1, n - 2, n - 1})
    for i in edges:
        for j in edges:
            errors = [None] * n
            errors[i] = errors[j] = "x"
            _check(errors)
    for k in (n // dense - 1, n // dense, n // dense + 1):  # either side of the one-pass switch
        errors = [None] * n
        for i in random.Random(k).sample(range(n), k):
            errors[i] = "x"
        _check(errors)
    for lo, hi in ((0, leaf), (leaf, 3 * leaf), (n // 2 - 5, n // 2 + 5), (n - leaf, n)):
        errors = [None] * n  # a run of failed points: taken whole where a part is all failed
        errors[lo:hi] = ["x"] * (hi - lo)
        _check(errors)
