"""Mass-matrix diagonalisations used by model plugins."""

from __future__ import annotations

import numpy as np


def takagi(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation of a complex symmetric matrix: Vᵀ M V = diag(m), m ≥ 0.

    Returns ``(m, V)`` with m ascending and V unitary, the convention of the
    seed arXiv:2104.03228 ("(Vᵀ M V)_ij = δ_ij m_i") for Majorana mass terms
    L ⊃ −½ ξᵀ C M ξ with ξ = V χ.

    Real M: eigen-decomposition M = O diag(μ) Oᵀ, then V = O diag(1 or i) so that
    negative eigenvalues become positive masses (exact at any degeneracy).
    Complex M: with M = A + iB, the real symmetric [[A, B], [B, −A]] has
    eigenpairs ±σ; an eigenvector (x, y) of +σ gives u = x + iy with M u* = σ u,
    so M = U Σ Uᵀ and V = U*.
    """
    m = np.asarray(mass_matrix)
    if not np.allclose(m, m.T, rtol=0, atol=1e-12 * max(np.abs(m).max(), 1.0)):
        raise ValueError("Takagi factorisation needs a symmetric matrix")
    if np.all(np.imag(m) == 0):
        eig, orth = np.linalg.eigh(np.real(m))
        phases = np.where(eig < 0, 1j, 1.0)
        masses = np.abs(eig)
        v = orth * phases[None, :]
    else:
        n = m.shape[0]
        a, b = np.real(m), np.imag(m)
        big = np.block([[a, b], [b, -a]])
        eig, vec = np.linalg.eigh(big)
        keep = np.argsort(eig)[n:]  # the n largest are the +σ of each pair
        masses = eig[keep]
        u = vec[:n, keep] + 1j * vec[n:, keep]
        # a zero singular value pairs with itself: re-orthonormalise as complex vectors
        u, _ = np.linalg.qr(u) if np.any(masses < 1e-12 * masses.max()) else (u, None)
        v = u.conj()
        masses = np.abs(masses)
    order = np.argsort(masses)
    return masses[order], v[:, order]


def biunitary(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dirac mass matrix M = U_L diag(m) U_R† with m ≥ 0 ascending (singular values).

    For L ⊃ −ψ̄_L M ψ_R with ψ_L = U_L F_L, ψ_R = U_R F_R.
    """
    u, s, vh = np.linalg.svd(np.asarray(mass_matrix, dtype=complex))
    order = np.argsort(s)
    return s[order], u[:, order], vh.conj().T[:, order]
