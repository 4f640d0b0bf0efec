"""Mass-matrix diagonalisations, for one matrix (n, n) or a batch (..., n, n).

Every function returns the masses (or masses squared) ascending along the last axis, with the
columns of the rotation matrices in the same order.
"""

from __future__ import annotations

import numpy as np

from bridge.repeats import distinct_points


def _eigh(m: np.ndarray, small: bool = True):
    """numpy's eigh; a batch of 1x1 or (``small``) 2x2 matrices needs no LAPACK call per matrix
    (its per-matrix overhead dominates at these sizes): (m, 1), and :func:`_eigh2` (the same
    eigenvalues to rounding; the eigenvectors may differ by a phase, or within a degenerate
    pair, so it is used for mass matrices only, whose physics does not depend on that)."""
    if m.shape[-1] == 1:
        return np.real(m[..., 0]).copy(), np.ones_like(m)
    if small and m.shape[-1] == 2 and m.ndim > 2:
        return _eigh2(m)
    return np.linalg.eigh(m)


def _eigh2(m: np.ndarray):
    """Hermitian (or real symmetric) 2x2 by one Jacobi rotation (Golub and Van Loan, Matrix
    Computations, symmetric Schur decomposition): with H_01 = |c| e^{iφ}, τ = (b − a)/(2|c|),
    t = sgn τ/(|τ| + √(1 + τ²)), the eigenvalues are a − t|c| and b + t|c| (exactly a, b for a
    diagonal H, and accurate for a nearly diagonal one: no (a + b)/2 ± r cancellation) with the
    eigenvectors (cos, −e^{−iφ} sin), (sin, e^{−iφ} cos), cos = 1/√(1 + t²), sin = t cos;
    returned ascending."""
    a, b, c = np.real(m[..., 0, 0]), np.real(m[..., 1, 1]), m[..., 0, 1]
    ac = np.abs(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = (b - a) / (2.0 * ac)
        t = np.where(tau >= 0, 1.0, -1.0) / (np.abs(tau) + np.sqrt(1.0 + tau * tau))
        t = np.where(ac > 0, t, 0.0)
        t = np.where(np.isfinite(t), t, 0.0)
    cos = 1.0 / np.sqrt(1.0 + t * t)
    sin = t * cos
    lam_p, lam_q = a - t * ac, b + t * ac
    if np.iscomplexobj(m):
        with np.errstate(divide="ignore", invalid="ignore"):
            phase = np.where(ac > 0, c / np.where(ac > 0, ac, 1.0), 1.0)
    else:
        phase = np.where(c < 0, -1.0, 1.0)
    ph = np.conj(phase)  # the second components carry e^{−iφ}
    swap = lam_p > lam_q
    vec = np.empty(m.shape, dtype=np.result_type(m.dtype, np.asarray(phase).dtype))
    first = (np.where(swap, sin, cos), np.where(swap, ph * cos, -ph * sin))
    second = (np.where(swap, cos, sin), np.where(swap, -ph * sin, ph * cos))
    vec[..., 0, 0], vec[..., 1, 0] = first
    vec[..., 0, 1], vec[..., 1, 1] = second
    return np.stack([np.minimum(lam_p, lam_q), np.maximum(lam_p, lam_q)], axis=-1), vec


def _sort(values: np.ndarray, *matrices: np.ndarray):
    order = np.argsort(values, axis=-1, kind="stable")
    if order.ndim > 1:
        first = order.reshape(-1, order.shape[-1])[0]
        if np.array_equal(order, np.broadcast_to(first, order.shape)):
            # one order for the whole batch (a scan whose points keep the signs of their
            # eigenvalues): one permutation of the last axis, the same elements as the
            # per-point take (no index array per point)
            return (values[..., first], *(m[..., first] for m in matrices))
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
    # |M − Mᵀ| ≤ 10⁻¹² max|M| everywhere: one reduction first, allclose's verdict (which
    # also accepts equal infinities) only where that fails
    mt = np.swapaxes(m, -1, -2)
    if not np.max(np.abs(m - mt), initial=0.0) <= 1e-12 * scale \
            and not np.allclose(m, mt, rtol=0, atol=1e-12 * scale):
        raise ValueError("Takagi factorisation needs a symmetric matrix")
    if np.all(np.imag(m) == 0):
        # LAPACK for 2x2 too: bridge.neutrino's Casas-Ibarra takes the eigenvectors of a
        # near-degenerate Sigma, which a different rounding would rotate
        eig, orth = _eigh(np.real(m), small=False)
        # sorted first (real columns, one take), then the phases: the same numbers
        masses, orth, eig = _sort(np.abs(eig), orth, eig[..., None, :])
        return masses, orth * np.where(eig < 0, 1j, 1.0)
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
    if m.shape[-2:] == (2, 2) and m.ndim > 2:
        return _biunitary2(m)
    u, s, vh = np.linalg.svd(m)
    return _sort(s, u, np.swapaxes(vh, -1, -2).conj())


def _biunitary2(m: np.ndarray):
    """M = U_L diag(s) U_R† for a batch of 2x2 matrices without a LAPACK call per matrix: U_R
    from the Hermitian M†M (:func:`_eigh2`), the larger s = |M v| with u = M v/s, the smaller
    from the orthogonal complement of u with the phase that makes it real and ≥ 0 (s to the
    absolute accuracy ε‖M‖ of LAPACK's SVD)."""
    h = np.swapaxes(m, -1, -2).conj() @ m
    _, v = _eigh2(h)  # ascending: column 1 belongs to the larger singular value
    mv = m @ v
    s_big = np.linalg.norm(mv[..., :, 1], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        u_big = np.where(s_big[..., None] > 0, mv[..., :, 1] / s_big[..., None], [1.0, 0.0])
    p = np.stack([-u_big[..., 1].conj(), u_big[..., 0].conj()], axis=-1)
    w = np.sum(p.conj() * mv[..., :, 0], axis=-1)
    s_small = np.abs(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        phase = np.where(s_small > 0, w / np.where(s_small > 0, s_small, 1.0), 1.0)
    u = np.stack([p * phase[..., None], u_big], axis=-1)
    return np.stack([s_small, s_big], axis=-1), u, v


def hermitian(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = U diag(m²) U† for Hermitian mass-squared matrices, m² ascending."""
    return _eigh(np.asarray(mass_matrix, dtype=complex))


def real_symmetric(mass_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M² = O diag(m²) Oᵀ for real symmetric mass-squared matrices, m² ascending."""
    return _eigh(np.real(np.asarray(mass_matrix)))


def singular_values(matrices: np.ndarray) -> np.ndarray:
    """Singular values of a batch of matrices (N, n, k), ascending along the last axis: the
    one-sided Jacobi SVD of all matrices at once (:func:`_jacobi_singular_values`), once per
    distinct matrix (equal bits; bridge.repeats.distinct_points), spread to its repetitions.
    Every matrix gets the numbers it gets alone (its rotations stop where its own columns are
    orthogonal), so a grid, which repeats matrices, and a random sample, which does not, give a
    matrix the same values. A grid scan of the scotogenic model over M_N and another mass
    repeats the neutrino mass matrix (it depends on M_N, m_η, λ5 only: ~32 distinct in a chunk of
    4096); a random sample repeats none, and numpy's SVD (LAPACK, one call per matrix: ~2 µs of
    overhead per 3×3) was the largest single numpy call of its chunk."""

    m = np.asarray(matrices)
    pick = distinct_points([c for c in m.reshape(m.shape[0], -1).T], m.shape[0]) \
        if m.ndim == 3 and m.shape[0] > 1 else None
    if pick is None:
        return _jacobi_singular_values(m)
    first, inverse = pick
    return _jacobi_singular_values(m[first])[inverse]


#: :func:`_jacobi_singular_values` leaves a pair of columns of n entries where
#: |a_p† a_q| <= n × this × ‖a_p‖ ‖a_q‖: the rounding of the computed a_p† a_q itself
#: (Higham, Accuracy and Stability of Numerical Algorithms, §3.1: n ε ‖a_p‖ ‖a_q‖ for a real
#: dot product, twice that for a complex one; LAPACK's zgesvj stops at √n ε)
_JACOBI_TOL = 2.0**-52
#: a bound on the sweeps (the convergence is quadratic: a 3×3 matrix takes 4-6, and one more
#: finds nothing to rotate)
_JACOBI_SWEEPS = 40


def _jacobi_singular_values(matrices: np.ndarray) -> np.ndarray:
    """Singular values (..., min(n, k)) of matrices (..., n, k), ascending: the one-sided
    (Hestenes) Jacobi method on every matrix at once (Demmel and Veselić, "Jacobi's method is
    more accurate than QR", SIAM J. Matrix Anal. Appl. 13 (1992) 1204; Golub and Van Loan,
    Matrix Computations, 4th ed., §8.6.4). The columns a_p, a_q of a matrix (of its transpose
    if it has more columns than rows) are rotated by the unitary 2×2 that diagonalises their
    Gram block [[‖a_p‖², γ], [γ*, ‖a_q‖²]], γ = a_p† a_q = |γ| e^{iφ} (the Jacobi rotation of
    :func:`_eigh2`): τ = (‖a_q‖² − ‖a_p‖²)/(2|γ|), t = sgn τ/(|τ| + √(1 + τ²)), c = 1/√(1 + t²),
    s = t c, a_p ← c a_p − s e^{−iφ} a_q, a_q ← s a_p + c e^{−iφ} a_q; sweep after sweep over the
    pairs p < q until every pair of every matrix is orthogonal to :data:`_JACOBI_TOL`; the
    singular values are then the column norms. Each matrix is first scaled by a power of two
    (exact), so that no square under- or overflows.

    Accuracy: each rotation is unitary to rounding, so every singular value is exact to a small
    multiple of ε σ_max, absolutely, a zero singular value of a rank-deficient matrix included
    (√eig(M†M) loses the values below √ε σ_max). Measured against 40-digit mpmath SVDs of
    complex symmetric (full rank and rank 2) and hierarchical (σ down to 1e-15 σ_max) 3×3
    matrices: ≤ 3.6 ε σ_max (numpy.linalg.svd: ≤ 2 ε σ_max); tests/test_batch_repeats.py
    checks it against numpy on hierarchical, degenerate and rank-deficient matrices.

    A rotation is applied only to the matrices whose pair is not yet orthogonal (elsewhere
    c = 1, s = 0: the columns keep their values), matrices whose last sweep rotated nothing are
    set aside once fewer than three quarters of those worked on still rotate, and every
    operation acts on each matrix alone in a fixed order (sums over a matrix's own entries, with
    at least two matrices in a call: einsum sums a lone one in another order): a matrix's
    values do not depend on the other matrices of its batch."""
    m = np.asarray(matrices)
    if m.shape[-2] < m.shape[-1]:
        m = np.swapaxes(m, -1, -2)  # the same singular values; columns no longer than rows
    batch, (rows, cols) = m.shape[:-2], m.shape[-2:]
    m = m.reshape(-1, rows, cols)
    n = m.shape[0]
    if n == 0 or cols == 0:
        return np.zeros((*batch, cols))
    if n == 1:  # as one of two (see the docstring)
        return _jacobi_singular_values(np.concatenate([m, m]))[:1].reshape(*batch, cols)
    top = np.max(np.abs(m), axis=(-2, -1))
    if not np.all(np.isfinite(top)):
        raise np.linalg.LinAlgError("singular values of a matrix that is not finite")
    scale = np.where(top > 0, np.ldexp(1.0, np.frexp(top)[1]), 1.0)
    scaled = m / scale[:, None, None]
    parts = (scaled.real, scaled.imag) if np.iscomplexobj(m) else (scaled,)
    # (column, Re/Im, row, matrix): every operation acts on contiguous rows of n numbers
    a = np.ascontiguousarray(np.stack([p.transpose(2, 1, 0) for p in parts], axis=1))
    pairs = [(p, q) for p in range(cols) for q in range(p + 1, cols)]
    tol = rows * _JACOBI_TOL
    work, at = a, None  # the matrices still rotating (at: their index; None: all)
    for _ in range(_JACOBI_SWEEPS):
        active = None
        for p, q in pairs:
            todo = _jacobi_rotation(work[p], work[q], tol)
            if todo is not None:
                active = todo if active is None else active | todo
        if active is None:
            break
        count = np.count_nonzero(active)
        if 2 <= count and 4 * count < 3 * active.size:
            if at is not None:
                a[..., at] = work
            at = np.flatnonzero(active) if at is None else at[active]
            work = np.ascontiguousarray(a[..., at])
    else:
        raise np.linalg.LinAlgError("Jacobi SVD did not converge")
    if at is not None:
        a[..., at] = work
    values = np.sqrt(np.einsum("cxrn,cxrn->nc", a, a)) * scale[:, None]
    return np.sort(values, axis=-1).reshape(*batch, cols)


def _jacobi_rotation(ap: np.ndarray, aq: np.ndarray, tol: float) -> np.ndarray | None:
    """One rotation of :func:`_jacobi_singular_values`: columns ``ap``, ``aq`` (Re/Im, row,
    matrix; changed in place) of every matrix; the matrices rotated (bool), None if none.
    ``tol``: the orthogonality at which a pair is left alone."""
    alpha = np.einsum("xrn,xrn->n", ap, ap)
    beta = np.einsum("xrn,xrn->n", aq, aq)
    g = np.einsum("xrn,yrn->xyn", ap, aq)  # products of the Re/Im parts
    if ap.shape[0] == 2:
        g_re, g_im = g[0, 0] + g[1, 1], g[0, 1] - g[1, 0]  # γ = a_p† a_q
        size = np.hypot(g_re, g_im)
    else:
        g_re, g_im = g[0, 0], None
        size = np.abs(g_re)
    todo = size > tol * np.sqrt(alpha * beta)
    if not todo.any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = (beta - alpha) / (2.0 * size)
        t = np.copysign(1.0, tau) / (np.abs(tau) + np.sqrt(1.0 + tau * tau))
        e_re = np.where(todo, g_re / size, 1.0)  # e^{−iφ} = γ*/|γ|
        e_im = None if g_im is None else np.where(todo, -g_im / size, 0.0)
    t = np.where(todo, t, 0.0)
    c = 1.0 / np.sqrt(1.0 + t * t)
    s = t * c
    w = e_re * aq  # e^{−iφ} a_q
    if e_im is not None:
        w[0] -= e_im * aq[1]
        w[1] += e_im * aq[0]
    new_p = c * ap
    new_p -= s * w
    w *= c
    w += s * ap
    aq[...] = w
    ap[...] = new_p
    return todo
