"""Mass-matrix diagonalisations, for one matrix (n, n) or a batch (..., n, n).

Every function returns the masses (or masses squared) ascending along the last axis, with the
columns of the rotation matrices in the same order.
"""

from __future__ import annotations

import numpy as np


def _eigh(m: np.ndarray):
    """numpy's eigh; a 1x1 matrix (a batch of them) needs no LAPACK call: (m, 1)."""
    if m.shape[-1] == 1:
        return np.real(m[..., 0]).copy(), np.ones_like(m)
    return np.linalg.eigh(m)


def _sort(values: np.ndarray, *matrices: np.ndarray):
    order = np.argsort(values, axis=-1, kind="stable")
    values = np.take_along_axis(values, order, axis=-1)
    return (values, *(np.take_along_axis(m, order[..., None, :], axis=-1) for m in matrices))


def takagi(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation of complex symmetric matrices: Vᵀ M V = diag(m), m ≥ 0.

    Returns ``(m, V)`` with m ascending and V unitary, the convention of the seed
    arXiv:2104.03228 ("(Vᵀ M V)_ij = δ_ij m_i") for Majorana mass terms
    L ⊃ −½ ξᵀ C M ξ with ξ = V χ.

    Real M: eigen-decomposition M = O diag(μ) Oᵀ, then V = O diag(1 or i) so that
    negative eigenvalues become positive masses (exact at any degeneracy).
    Complex M: with M = A + iB, the real symmetric [[A, B], [B, −A]] has
    eigenpairs ±σ; an eigenvector (x, y) of +σ gives u = x + iy with M u* = σ u,
    so M = U Σ Uᵀ and V = U* (for σ > 0 the u of a degenerate σ are orthogonal as complex
    vectors, because iu belongs to −σ; a zero σ is re-orthonormalised).
    """
    m = np.asarray(mass_matrix)
    scale = max(float(np.max(np.abs(m), initial=0.0)), 1.0)
    if not np.allclose(m, np.swapaxes(m, -1, -2), rtol=0, atol=1e-12 * scale):
        raise ValueError("Takagi factorisation needs a symmetric matrix")
    if np.all(np.imag(m) == 0):
        eig, orth = _eigh(np.real(m))
        phases = np.where(eig < 0, 1j, 1.0)
        return _sort(np.abs(eig), orth * phases[..., None, :])
    n = m.shape[-1]
    a, b = np.real(m), np.imag(m)
    big = np.concatenate([np.concatenate([a, b], axis=-1), np.concatenate([b, -a], axis=-1)],
                         axis=-2)
    eig, vec = np.linalg.eigh(big)
    masses = eig[..., n:]  # eigh sorts ascending: the n largest are the +σ of each pair
    u = vec[..., :n, n:] + 1j * vec[..., n:, n:]
    small = masses < 1e-12 * np.max(masses, axis=-1, keepdims=True)
    if np.any(small):  # a zero singular value pairs with itself: re-orthonormalise
        u = np.linalg.qr(u)[0]
    return _sort(np.abs(masses), u.conj())


def biunitary(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dirac mass matrices M = U_L diag(m) U_R† with m ≥ 0 ascending (singular values).

    For L ⊃ −ψ̄_L M ψ_R with ψ_L = U_L F_L, ψ_R = U_R F_R.
    """
    m = np.asarray(mass_matrix, dtype=complex)
    if m.shape[-1] == 1 and m.shape[-2] == 1 and np.all(m.imag == 0):
        # one real entry x: s = |x|, U_L = sign(x) (1 at 0), U_R = 1 — LAPACK's result exactly
        x = m.real
        return np.abs(x[..., 0]), np.where(x < 0, -1.0, 1.0) + 0j, np.ones_like(m)
    u, s, vh = np.linalg.svd(m)
    return _sort(s, u, np.swapaxes(vh, -1, -2).conj())


def hermitian(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = U diag(m²) U† for Hermitian mass-squared matrices, m² ascending."""
    return _eigh(np.asarray(mass_matrix, dtype=complex))


def real_symmetric(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M² = O diag(m²) Oᵀ for real symmetric mass-squared matrices, m² ascending."""
    return _eigh(np.real(np.asarray(mass_matrix)))
