"""Batches whose points repeat, computed once and spread, against the point-by-point route:
bridge.linalg.singular_values (a scan chunk's neutrino masses: a batched one-sided Jacobi SVD,
once per distinct m_ν) against numpy.linalg.svd and 40-digit mpmath SVDs (complex symmetric,
rank-deficient, hierarchical, degenerate and near-degenerate matrices: ≤ a few ε σ_max), and
against itself matrix by matrix (the same bits: a matrix's values do not depend on its batch);
bridge.assembly._block_diag of blocks that repeat one point (built once, spread) against the
blocks filled in point by point (the spectra of the shipped cards with it:
tests/test_spectrum_speedups.py)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge import assembly, linalg


def _symmetric(rng, n, rank=3, scale=1e-10):
    y = rng.normal(size=(n, 3, rank)) + 1j * rng.normal(size=(n, 3, rank))
    d = rng.uniform(0.1, 3.0, size=(n, rank))
    return scale * np.einsum("nia,na,nja->nij", y, d, y)


def _numpy(m):
    return np.sort(np.linalg.svd(m, compute_uv=False), axis=-1)


def _one_by_one(m):
    """singular_values of each matrix alone (a batch of one)."""
    return np.concatenate([linalg.singular_values(x[None]) for x in m])


#: |σ − σ_numpy| <= this × ε σ_max: the Jacobi SVD's error (≤ 3.6 ε σ_max against 40-digit
#: SVDs, :func:`test_jacobi_singular_values_against_40_digit_svds`) plus LAPACK's (≤ 2 ε σ_max)
#: with a margin
NUMPY_EPS = 8
EPS = 2.220446049250313e-16


def _assert_close_to_numpy(got, m):
    ref = _numpy(m)
    err = np.abs(got - ref) / np.max(ref, axis=-1, keepdims=True).clip(1e-300)
    assert np.max(err, initial=0.0) <= NUMPY_EPS * EPS, np.max(err)


def _unitary(rng, n):
    return np.linalg.qr(rng.normal(size=(n, 3, 3)) + 1j * rng.normal(size=(n, 3, 3)))[0]


def test_repeated_matrices_get_the_numbers_of_a_call_per_matrix():
    rng = np.random.default_rng(3)
    distinct = _symmetric(rng, 7, rank=2)  # rank 2: the scotogenic m_nu (m_1 = 0)
    m = distinct[rng.integers(0, 7, size=300)]
    got = linalg.singular_values(m)
    assert got.shape == (300, 3)
    assert np.array_equal(got, _one_by_one(m))
    # a grid's repeated matrices get what a random sample's distinct ones get
    assert np.array_equal(got, linalg.singular_values(np.concatenate([m, _symmetric(rng, 300)]))[:300])
    _assert_close_to_numpy(got, m)
    assert np.all(got[:, 0] <= 1e-14 * got[:, 2])  # the zero stays at rounding of ‖M‖


def test_distinct_and_near_degenerate_matrices_against_numpy():
    rng = np.random.default_rng(4)
    m = _symmetric(rng, 50)
    # near-degenerate: U diag(1, 1 + 1e-9, 2) Uᵀ with U unitary (Takagi form)
    q = _unitary(rng, 1)[0]
    near = (q @ np.diag([1.0, 1.0 + 1e-9, 2.0]) @ q.T)[None]
    m = np.concatenate([m, np.repeat(near, 3, axis=0)])
    got = linalg.singular_values(m)
    _assert_close_to_numpy(got, m)
    assert np.array_equal(got, _one_by_one(m))
    assert np.allclose(got[-1], [1.0, 1.0 + 1e-9, 2.0], rtol=1e-14, atol=0)


def test_hierarchical_degenerate_and_rank_deficient_matrices_against_numpy():
    """U diag(σ) V† with σ down to 1e-15 σ_max, exactly and nearly equal pairs, exact zeros
    (rank 2, 1, 0), and real, rectangular, tiny and huge matrices: within a few ε σ_max of
    numpy's SVD, the zeros at the rounding of σ_max."""
    rng = np.random.default_rng(5)
    n = 400
    u, v = _unitary(rng, n), _unitary(rng, n)
    hier = 10.0 ** rng.uniform(-15, 0, size=(n, 3))
    hier[:, 2] = 1.0
    degen = np.ones((n, 3))
    degen[:, 1] += rng.choice([0.0, 1e-15, 1e-9, 1e-4], size=n)
    degen[:, 0] = rng.choice([0.0, 1.0, 1e-300], size=n)
    rank = np.ones((n, 3))
    rank[:, :2] *= (np.arange(n) % 3 > np.arange(2)[:, None]).T  # rank 1, 2, 3 in turn
    for sigma in (hier, degen, rank):
        m = np.einsum("nij,nj,njk->nik", u, sigma, v.conj().swapaxes(-1, -2))
        got = linalg.singular_values(m)
        _assert_close_to_numpy(got, m)
        zero = np.sort(np.where(sigma == 0, 0.0, 1.0), axis=-1) == 0  # sorted first (σ_max ≈ 1)
        assert np.all(got[zero] <= 4 * EPS)
    for m in (rng.normal(size=(50, 3, 3)), _symmetric(rng, 50) * 1e-290, _symmetric(rng, 50) * 1e290,
              rng.normal(size=(50, 3, 2)) + 1j * rng.normal(size=(50, 3, 2)),
              rng.normal(size=(50, 2, 3)) + 1j * rng.normal(size=(50, 2, 3))):
        got = linalg.singular_values(m)
        assert got.shape == (50, min(m.shape[1:]))
        _assert_close_to_numpy(got, m)
    assert np.array_equal(linalg.singular_values(np.zeros((4, 3, 3), complex)), np.zeros((4, 3)))
    assert np.array_equal(linalg.singular_values(np.array([np.diag([1.0, 0.0, 2.0])] * 2)),
                          [[0.0, 1.0, 2.0]] * 2)


def test_jacobi_singular_values_against_40_digit_svds():
    """The Jacobi SVD's own error, against mpmath at 40 digits: ≤ 4 ε σ_max on complex symmetric
    (rank 3 and 2) and hierarchical matrices (measured: 3.6 ε σ_max on 450 of them)."""
    mp = pytest.importorskip("mpmath")
    rng = np.random.default_rng(6)
    u, v = _unitary(rng, 20), _unitary(rng, 20)
    hier = 10.0 ** rng.uniform(-15, 0, size=(20, 3))
    hier[:, 2] = 1.0
    m = np.concatenate([_symmetric(rng, 20), _symmetric(rng, 20, rank=2),
                        np.einsum("nij,nj,njk->nik", u, hier, v)])
    with mp.workdps(40):
        exact = np.array([sorted(float(x) for x in mp.svd_c(mp.matrix(x.tolist()), compute_uv=False))
                          for x in m])
    err = np.abs(linalg.singular_values(m) - exact) / exact[:, -1:]
    assert np.max(err) <= 4 * EPS, np.max(err) / EPS


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
