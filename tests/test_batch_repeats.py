"""Batches whose points repeat, computed once and spread, against the point-by-point route:
bridge.linalg.singular_values (a scan chunk's neutrino masses, once per distinct m_ν) against
itself matrix by matrix (the same bits, on repeated (grid-like), all-distinct, rank-deficient
and near-degenerate complex symmetric matrices) and numpy.linalg.svd (within the bound of
tests/test_linalg_singular_values.py; the same bits where it falls back to LAPACK, near-degenerate
matrices); bridge.assembly._block_diag of
blocks that repeat one point (built once, spread) against the blocks filled in point by point
(the spectra of the shipped cards with it: tests/test_spectrum_speedups.py)."""

from __future__ import annotations

import numpy as np

from bridge import assembly, linalg


def _symmetric(rng, n, rank=3, scale=1e-10):
    y = rng.normal(size=(n, 3, rank)) + 1j * rng.normal(size=(n, 3, rank))
    d = rng.uniform(0.1, 3.0, size=(n, rank))
    return scale * np.einsum("nia,na,nja->nij", y, d, y)


def _one_by_one(m):
    """singular_values of each matrix alone (a batch of one)."""
    return np.concatenate([linalg.singular_values(x[None]) for x in m])


def _numpy(m):
    return np.sort(np.linalg.svd(m, compute_uv=False), axis=-1)


def _assert_close_to_numpy(got, m):
    """|σ − σ_numpy| ≤ (6 + 3) ε σ_max: this code's bound against 40-digit SVDs plus numpy's
    measured error (tests/test_linalg_singular_values.py)."""
    ref = _numpy(m)
    assert np.max(np.abs(got - ref) / ref[:, -1:]) <= 9 * np.finfo(float).eps


def test_repeated_matrices_get_the_numbers_of_a_call_per_matrix():
    rng = np.random.default_rng(3)
    distinct = _symmetric(rng, 7, rank=2)  # rank 2: the scotogenic m_nu (m_1 = 0)
    m = distinct[rng.integers(0, 7, size=300)]
    got = linalg.singular_values(m)
    assert got.shape == (300, 3)
    assert np.array_equal(got, _one_by_one(m))
    _assert_close_to_numpy(got, m)
    assert np.all(got[:, 0] <= 1e-14 * got[:, 2])  # the zero stays at rounding of ‖M‖


def test_distinct_and_near_degenerate_matrices_against_numpy():
    rng = np.random.default_rng(4)
    m = _symmetric(rng, 50)
    # near-degenerate: U diag(1, 1 + 1e-9, 2) Uᵀ with U unitary (Takagi form)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)))
    near = (q @ np.diag([1.0, 1.0 + 1e-9, 2.0]) @ q.T)[None]
    m = np.concatenate([m, np.repeat(near, 3, axis=0)])
    got = linalg.singular_values(m)
    assert np.array_equal(got, _one_by_one(m))
    _assert_close_to_numpy(got, m)
    assert np.array_equal(got[-3:], _numpy(m[-3:]))  # LAPACK's: a near-degenerate pair
    assert np.allclose(got[-1], [1.0, 1.0 + 1e-9, 2.0], rtol=1e-14, atol=0)


def _filled(blocks, n_batch):
    n = sum(b.shape[-1] for b in blocks)
    out = np.zeros((n_batch, n, n), complex)
    for p in range(n_batch):
        k = 0
        for b in blocks:
            m = b.shape[-1]
            out[p, k:k + m, k:k + m] = b[p]
            k += m
    return out


def test_block_diagonal_of_spread_blocks_equals_the_filled_matrix():
    rng = np.random.default_rng(5)
    one = [rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)), rng.normal(size=(1, 1)) + 0j]
    spread = [np.broadcast_to(b, (6, *b.shape)) for b in one]
    got = assembly._block_diag(spread, (6,))
    assert not got.flags.writeable and not any(got.strides[:1])  # one point, spread
    assert np.array_equal(got, _filled(spread, 6))
    varying = [spread[0], rng.normal(size=(6, 1, 1)) + 0j]  # one block varies: filled per point
    got = assembly._block_diag(varying, (6,))
    assert got.flags.writeable
    assert np.array_equal(got, _filled(varying, 6))
