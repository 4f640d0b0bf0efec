"""Mass-matrix diagonalisations, for one matrix (n, n) or a batch (..., n, n), and the
row-padded matrix product that keeps a point's value independent of its batch (point_rows).

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
    low, high, first, second = _eigh2_parts(np.real(m[..., 0, 0]), np.real(m[..., 1, 1]),
                                            m[..., 0, 1], np.iscomplexobj(m))
    vec = np.empty(m.shape, dtype=np.result_type(m.dtype, first[1].dtype))
    vec[..., 0, 0], vec[..., 1, 0] = first
    vec[..., 0, 1], vec[..., 1, 1] = second
    return np.stack([low, high], axis=-1), vec


def _eigh2_parts(a: np.ndarray, b: np.ndarray, c: np.ndarray, complex_: bool):
    """:func:`_eigh2` of the matrices [[a, c], [c^*, b]] given by their entries: (lower
    eigenvalue, higher, its eigenvector's two components, the other's)."""
    ac = np.abs(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = (b - a) / (2.0 * ac)
        t = np.where(tau >= 0, 1.0, -1.0) / (np.abs(tau) + np.sqrt(1.0 + tau * tau))
        t = np.where(ac > 0, t, 0.0)
        t = np.where(np.isfinite(t), t, 0.0)
    cos = 1.0 / np.sqrt(1.0 + t * t)
    sin = t * cos
    lam_p, lam_q = a - t * ac, b + t * ac
    if complex_:
        with np.errstate(divide="ignore", invalid="ignore"):
            phase = np.where(ac > 0, c / np.where(ac > 0, ac, 1.0), 1.0)
    else:
        phase = np.where(c < 0, -1.0, 1.0)
    ph = np.conj(phase)  # the second components carry e^{−iφ}
    swap = lam_p > lam_q
    first = (np.where(swap, sin, cos), np.where(swap, ph * cos, -ph * sin))
    second = (np.where(swap, cos, sin), np.where(swap, -ph * sin, ph * cos))
    return np.minimum(lam_p, lam_q), np.maximum(lam_p, lam_q), first, second


def _sort(values: np.ndarray, *matrices: np.ndarray):
    """``values`` ascending along the last axis (numpy's stable argsort: ties keep their order),
    the columns of ``matrices`` in the same order."""
    if values.ndim > 1 and values.shape[-1] > 1 and values.size:
        # a batch whose every point has the first point's order (a scan whose points keep the
        # signs of their eigenvalues): checked by one comparison of columns per neighbouring
        # pair instead of an argsort per point (~60 us against ~180 us for 4096 points)
        rows = values.reshape(-1, values.shape[-1])
        first = np.argsort(rows[0], kind="stable")
        if _in_order(rows, first):
            return (values[..., first], *(m[..., first] for m in matrices))
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


def _in_order(rows: np.ndarray, order: np.ndarray) -> bool:
    """Whether ``order`` is the stable argsort of every row of ``rows`` (n, k): each neighbouring
    pair in order, strictly where their indices are not (a tie keeps the lower index first);
    a NaN fails every comparison (numpy sorts it last: the caller's argsort decides)."""
    for j in range(order.size - 1):
        a, b = rows[:, order[j]], rows[:, order[j + 1]]
        if not np.all(a <= b if order[j] < order[j + 1] else a < b):
            return False
    return True


def takagi(mass_matrix: np.ndarray, symmetric: bool = False) -> tuple[np.ndarray, np.ndarray]:
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

    ``symmetric``: the caller built M equal to Mᵀ bit for bit (bridge.assembly writes each
    off-diagonal term to both entries): the symmetry test then reduces to its verdict on such
    a matrix, a refusal where an entry is NaN (an infinity passes).
    """
    m = np.asarray(mass_matrix)
    if symmetric:
        if np.isnan(m).any():
            raise ValueError("Takagi factorisation needs a symmetric matrix")
    else:
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
    """M² = O diag(m²) Oᵀ for real symmetric mass-squared matrices, m² ascending.

    A matrix whose entries couple its coordinates in separate blocks of at most two (after a
    permutation: :func:`_blocks`) is diagonalised block by block (:func:`_block_eigh`), each
    point by the blocks of its own pattern of zeros, so its numbers do not depend on its batch.
    That is the real form of a complex scalar with a CP-conserving mixing (S_Ib's
    (Φ_R, Φ_I, Φ'^0_R, Φ'^0_I): (Φ_R, Φ'^0_R) and (Φ_I, Φ'^0_I) for real a_H, λ_Φ). There the
    blocks' near-degenerate eigenvalues (m²(Φ_R) − m²(Φ_I) = λ_Φ v², ~1e-6 of m²) belong to
    different blocks: an eigen-solver of the whole matrix mixes their eigenvectors by its
    rounding over their gap (~1e-16/1e-6), which the blocks' exact zeros leave out, and a
    2×2 block costs a Jacobi rotation instead of a LAPACK call per matrix. Other matrices
    (one block, or diagonal) take numpy's eigh as before."""
    m = np.real(np.asarray(mass_matrix))
    n = m.shape[-1]
    if 3 <= n <= _MAX_SPLIT and m.ndim >= 2 and m.size:
        split = _block_eigh(m)
        if split is not None:
            return split
    return _eigh(m)


#: Matrices up to this size are checked for blocks (their zero pattern is one int64 per point).
_MAX_SPLIT = 11


def _blocks(pattern: int, n: int) -> tuple[tuple[int, ...], ...]:
    """The coordinates 0..n-1 grouped into the connected components of the graph whose edges
    are the set bits of ``pattern`` (bit k: the k-th entry of the upper triangle in
    np.triu_indices order), each ascending, ordered by their first coordinate."""
    rows, cols = np.triu_indices(n, 1)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        if pattern >> k & 1:
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return tuple(tuple(g) for g in groups.values())


def _block_eigh(m: np.ndarray):
    """:func:`real_symmetric` by blocks, or None where no point of the batch splits into blocks
    of at most two with one of two (the caller's eigh then takes the whole batch, as before).

    Each point's pattern of nonzero off-diagonal entries gives its blocks (a point with a
    non-finite entry none: numpy's eigh, whatever it gives, as before); a 1×1 block is its entry with
    the vector 1, a 2×2 block one Jacobi rotation (:func:`_eigh2`: LAPACK's eigenvalues to
    rounding, accurate for a nearly diagonal block) whatever the batch (a point alone too);
    points of other patterns take numpy's eigh of the whole matrix. The values are sorted
    ascending (stable: ties keep the coordinates' order) with the columns."""
    n = m.shape[-1]
    flat = m.reshape(-1, n, n)
    rows, cols = np.triu_indices(n, 1)
    # the upper triangle alone (numpy's eigh reads the lower): the mass matrices are exactly
    # symmetric (bridge.assembly builds them as k + kᵀ)
    bits = flat[:, rows, cols] != 0
    keys = bits @ (np.int64(1) << np.arange(rows.size, dtype=np.int64))
    # a matrix with a NaN or an infinity: numpy's eigh as before (LinAlgError, or with numpy 2.4
    # and a NaN on the diagonal finite values without an error: what the caller got before)
    keys[~np.isfinite(flat).all(axis=(-2, -1))] = -1
    first = int(keys[0])
    if np.all(keys == first):
        patterns, inverse = [first], None
    else:
        uniq, inverse = np.unique(keys, return_inverse=True)
        patterns = uniq.tolist()
    splits = {}
    for p in patterns:
        if p < 0:
            continue
        blocks = _blocks(p, n)
        sizes = [len(b) for b in blocks]
        if max(sizes) == 2:
            splits[p] = blocks
    if not splits:
        return None
    values = np.empty(flat.shape[:-1])
    vectors = np.zeros(flat.shape)
    for k, p in enumerate(patterns):
        at = None if inverse is None else np.flatnonzero(inverse == k)
        part = flat if at is None else flat[at]
        if p in splits:
            val, vec = _split(part, splits[p])
        else:
            # (numpy's eigh of a batch of one (1, n, n) can differ in the last bit from the same
            # matrix alone or in a longer batch, which agree: measured, numpy 2.x/OpenBLAS)
            val, vec = np.linalg.eigh(part) if len(part) > 1 else \
                (x[None] for x in np.linalg.eigh(part[0]))
        if at is None:
            values, vectors = val, vec
        else:
            values[at], vectors[at] = val, vec
    return values.reshape(m.shape[:-1]), vectors.reshape(m.shape)


def _split(m: np.ndarray, blocks) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of a batch (N, n, n) of real symmetric matrices
    that are block-diagonal on ``blocks`` (coordinate tuples of one or two): the blocks'
    eigenpairs (:func:`_eigh2_parts`), written straight to their sorted columns where every
    point has the first point's order (:func:`_sort`'s test), else sorted by :func:`_sort`."""
    values, columns = [], []  # per eigenpair: its value, its (row, component or None: 1)
    for block in blocks:
        if len(block) == 1:
            i = block[0]
            values.append(m[:, i, i])
            columns.append(((i, None),))
        else:
            i, j = block
            low, high, first, second = _eigh2_parts(m[:, i, i], m[:, j, j], m[:, i, j], False)
            values += [low, high]
            columns += [((i, first[0]), (j, first[1])), ((i, second[0]), (j, second[1]))]
    values = np.stack(values, axis=-1)
    vectors = np.zeros(m.shape)
    order = np.argsort(values[0], kind="stable")
    uniform = _in_order(values, order)
    for col, source in enumerate(order.tolist() if uniform else range(len(columns))):
        for row, part in columns[source]:
            vectors[:, row, col] = 1.0 if part is None else part
    if uniform:
        return values[:, order], vectors
    return _sort(values, vectors)


def singular_values(matrices: np.ndarray) -> np.ndarray:
    """Singular values of a batch of matrices (N, n, k), ascending along the last axis, once per
    distinct matrix (equal bits; bridge.repeats.distinct_points), spread to its repetitions.
    A batch of 3x3 float64/complex128 matrices takes :func:`_singular_values3` (a closed form,
    LAPACK where it is ill-conditioned); other shapes numpy.linalg.svd (LAPACK). Either treats
    every matrix alone, so each gets the numbers it gets in any batch. A grid scan of the
    scotogenic model over M_N and another mass repeats the neutrino mass matrix, which depends
    on M_N, m_η, λ5 only (~32 distinct in a chunk of 4096); a random sample repeats none, and
    there numpy's per-matrix overhead (~3 µs) was ~12% of its chunk's CPU."""

    m = np.asarray(matrices)
    pick = distinct_points([c for c in m.reshape(m.shape[0], -1).T], m.shape[0]) \
        if m.ndim == 3 and m.shape[0] > 1 else None
    if pick is None:
        return _distinct_singular_values(m)
    first, inverse = pick
    return _distinct_singular_values(m[first])[inverse]


def _distinct_singular_values(m: np.ndarray) -> np.ndarray:
    if m.ndim == 3 and m.shape[1:] == (3, 3) and m.shape[0] > 0 \
            and m.dtype in (np.float64, np.complex128):
        return _singular_values3(m)
    return _lapack_singular_values(m)


def _lapack_singular_values(m: np.ndarray) -> np.ndarray:
    """numpy.linalg.svd's singular values, ascending (the fallback of :func:`_singular_values3`:
    a function of its own so that tests can count the matrices it gets)."""
    return np.sort(np.linalg.svd(m, compute_uv=False), axis=-1)


#: :func:`_singular_values3` takes LAPACK where its error estimate 1/(g₁₂ g₂₃) exceeds this
#: (g₁₂ = (λ₁ − λ₂)/λ₁, g₂₃ = (λ₂ − λ₃)/λ₂ the relative gaps of the eigenvalues λ₁ ≥ λ₂ ≥ λ₃
#: of M†M). Measured against 40-digit SVDs (benchmarks/singular_values.py): the closed form's
#: error is ≤ ~2 ε σ_max/(g₁₂ g₂₃), and ≤ 5.5 ε σ_max on 2200 matrices just below this
#: threshold (numpy's SVD on them: ≤ 3 ε σ_max; at 3 the closed form's would be ≤ 3 but 12% of
#: Gaussian random matrices would fall back instead of 4%, 2% of random complex symmetric ones);
#: a normal-ordered neutrino mass matrix (g₁₂ ≈ 0.97, g₂₃ ≈ 1) is far below it, an inverted
#: one (g₁₂ ≈ 0.03) and quasi-degenerate ones far above
SV3_CONDITION = 4.0

# pivot 3p + q → the flat indices (3i + j) of M with row p and column q moved first (the rest
# in order): the elimination of _singular_values3's determinant
_OTHER = ((1, 2), (0, 2), (0, 1))
_PIVOTED = np.array([[3 * i + j for i in (p, *_OTHER[p]) for j in (q, *_OTHER[q])]
                     for p in range(3) for q in range(3)])


def _abs2(z: np.ndarray) -> np.ndarray:
    return z.real * z.real + z.imag * z.imag if np.iscomplexobj(z) else z * z


def _singular_values3(m: np.ndarray) -> np.ndarray:
    """Singular values of N 3x3 matrices (N, 3, 3), ascending, in closed form: the eigenvalues
    λ₁ ≥ λ₂ ≥ λ₃ of H = M†M are σ², the roots of λ³ − c₂λ² + c₁λ − c₀ with, from M directly
    (no H formed), c₂ = tr H = Σ|m_ij|², c₁ = the sum of H's principal 2x2 minors = Σ|2x2 minors
    of M|² (Cauchy–Binet), c₀ = det H = |det M|².

    * λ₁ by the trigonometric solution of the cubic (Viète; e.g. Press et al., Numerical
      Recipes, 3rd ed., §5.6): p = (c₂² − 3c₁)/9, q = (2c₂³ − 9c₂c₁ + 27c₀)/54,
      λ₁ = c₂/3 + 2√p cos(arccos(q/p^{3/2})/3);
    * λ₂ + λ₃ = (c₁ − c₀/λ₁)/λ₁ and λ₂λ₃ = c₀/λ₁ (Vieta), λ₂ the larger root of that quadratic;
    * σ_min = |det M|/(σ_max σ_mid), with det M by Gaussian elimination with complete pivoting
      (backward stable: error ~ε σ_max² σ_mid, so σ_min to ~ε σ_max as LAPACK's; the cofactor
      expansion's ~ε σ_max³ would not be).

    Each matrix is first scaled by a power of 2 (exact) to max|m_ij|² in [1/4, 1). The c's are
    as accurate as LAPACK needs (a 2x2 minor to ~ε σ_max², so σ_mid to ~ε σ_max), but a root
    moves by δf(λ)/f'(λ): f'(λ₂) = (λ₁ − λ₂)(λ₂ − λ₃) against δf(λ₂) ~ ε λ₁^{3/2} λ₂^{3/2}
    moves σ_mid by ~ε σ_max/(2 g₁₂ g₂₃) with the relative gaps g₁₂ = (λ₁ − λ₂)/λ₁,
    g₂₃ = (λ₂ − λ₃)/λ₂ (σ_max likewise with g₁₃ ≥ g₂₃). Where 1/(g₁₂ g₂₃) > :data:`SV3_CONDITION`
    (near-degenerate pairs; rank 1 at times, whose zero pair is rounding) the values are
    LAPACK's (:func:`_lapack_singular_values`, bit for bit); so are those of matrices whose
    squared entries would overflow or underflow. Zero matrices give zeros, matrices with a NaN
    or infinite entry NaN (numpy's SVD raises LinAlgError for the whole batch). Every operation
    is elementwise over the batch, in a fixed order: a matrix gets the same bits in any batch."""
    # (9, n): entry 3i + j of every matrix a contiguous row, every operation on arrays of n (a
    # copy, scaled in place)
    f = m.reshape(m.shape[0], 9).T.copy()
    with np.errstate(all="ignore"):  # NaN, inf, 0/0: those rows are not taken from here
        out, good = _closed_form3(f)
    if np.all(good):
        return out
    bad = np.flatnonzero(~good)
    rest = m[bad]
    # zero matrices give zeros, a NaN or inf entry NaN (LAPACK would raise), the rest LAPACK's
    zero, finite = (rest == 0).all(axis=(1, 2)), np.isfinite(rest).all(axis=(1, 2))
    out[bad] = np.where(zero, 0.0, np.nan)[:, None]
    lapack = finite & ~zero
    if np.any(lapack):
        out[bad[lapack]] = _lapack_singular_values(rest[lapack])
    return out


def _closed_form3(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_singular_values3` on f (9, N), M's entries by rows: the values, and where they
    hold (the rest: LAPACK's). Overwrites f."""
    n = f.shape[1]
    a2 = _abs2(f)
    big = a2.max(axis=0)
    # the scale 2^e, e = −⌈log₂(max|m|²)/2⌉, exact; rows outside [2^-960, 2^960] (zero, NaN,
    # overflowing or underflowing squares) are not taken from here
    normal = (big >= 2.0 ** -960) & (big <= 2.0 ** 960)
    scale = np.ldexp(1.0, -((np.frexp(np.where(normal, big, 1.0))[1] + 1) // 2))
    f *= scale
    scale2 = scale * scale
    a2 *= scale2
    big *= scale2
    c2 = a2[0].copy()
    for k in range(1, 9):  # in this order for every batch (a2.sum(axis=0) of one matrix would
        c2 += a2[k]  # sum pairwise: other bits)
    c1 = np.zeros(n)
    for r, s in ((0, 1), (0, 2), (1, 2)):  # the 2x2 minors of M, rows r < s, columns c < d
        for c, d in ((0, 1), (0, 2), (1, 2)):
            c1 += _abs2(f[3 * r + c] * f[3 * s + d] - f[3 * r + d] * f[3 * s + c])
    # |det M| = |m_pq| |det S|, S the Schur complement of the largest entry m_pq (the first of
    # equal ones; the sign of the permutation does not matter)
    pivot = np.full(n, 8)
    for k in range(7, -1, -1):
        np.copyto(pivot, k, where=a2[k] == big)
    g = np.take_along_axis(f, _PIVOTED[pivot].T, axis=0)
    l1, l2 = g[3] / g[0], g[6] / g[0]
    det_s = (g[4] - l1 * g[1]) * (g[8] - l2 * g[2]) - (g[5] - l1 * g[2]) * (g[7] - l2 * g[1])
    det = np.sqrt(big * _abs2(det_s))
    c0 = det * det
    p = (c2 * c2 - 3.0 * c1) / 9.0
    q = (c2 * (2.0 * c2 * c2 - 9.0 * c1) + 27.0 * c0) / 54.0
    root_p = np.sqrt(p)
    lam1 = c2 / 3.0 + 2.0 * root_p * np.cos(np.arccos(np.clip(q / (p * root_p), -1.0, 1.0)) / 3.0)
    prod = c0 / lam1  # λ₂λ₃
    total = (c1 - prod) / lam1  # λ₂ + λ₃
    split = np.sqrt(total * total - 4.0 * prod)  # λ₂ − λ₃
    lam2 = (total + split) / 2.0
    s_max, s_mid = np.sqrt(lam1), np.sqrt(lam2)
    out = np.stack([det / (s_max * s_mid), s_mid, s_max], axis=-1)
    out /= scale[:, None]
    # 1/(g₁₂ g₂₃) < SV3_CONDITION, without divisions (NaN compares False; an exact λ₂ = 0,
    # rank 1, 0/0 in σ_min, is not taken)
    good = (lam1 - lam2) * split * SV3_CONDITION > lam1 * lam2
    return out, good & normal


#: Rows of a point-major matrix product are padded to a multiple of this (see point_rows).
ROW_BLOCK = 16


def point_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for a point-major ``a`` (N, ...), each row's value independent of N and of the
    other rows. OpenBLAS computes the last rows of a block whose size is not a multiple of its
    unrolling with other kernels, 1 ulp apart (measured: the last row of N = 17, 333, 1001
    differs from the same row in a larger product), so a point's observables would depend on
    the batch it is evaluated in and a scan's columns re-derived on read (bridge.scan.store)
    would not equal the workers' bit for bit. Zero rows up to a multiple of ROW_BLOCK give
    every real row the full kernel."""
    n = a.shape[0]
    pad = -n % ROW_BLOCK
    if pad == 0:
        return a @ b
    # in a's layout: a point-major φ stored by row (Quadrature._phi) must reach BLAS as it does
    # unpadded, or the products (another transposition flag) differ in the last bit
    order = "F" if a.ndim == 2 and a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    padded = np.zeros((n + pad, *a.shape[1:]), dtype=a.dtype, order=order)
    padded[:n] = a
    return (padded @ b)[:n]
