"""bridge.linalg.real_symmetric by blocks (a real symmetric matrix whose entries couple its
coordinates in blocks of one or two: S_Ib's (Φ_R, Φ_I, Φ'^0_R, Φ'^0_I) for real a_H, λ_Φ)
against mpmath at 50 digits and against LAPACK, at exact and near degeneracies: eigenvalues to
a few ulp of the largest, eigenvectors of the blocks exactly block-structured and equal to
mpmath's (which mixes near-degenerate eigenvalues of different blocks by ~1e-50 over their gap:
none) where the eigenvalues are separated, M = O diag(λ) Oᵀ and OᵀO = 1 to rounding, each
point's numbers independent of its batch, and the matrices that do not split (or are diagonal)
on numpy's eigh bit for bit."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from bridge import linalg

EPS = np.finfo(float).eps


def s_ib_like(m_phi2, split, mix, m_phip2, im_mix=0.0):
    """M² of S_Ib in x = (Φ_R, Φ_I, Φ'^0_R, Φ'^0_I) (benchmarks/lean_kernel.s_ib_sector): the
    diagonal M_Φ² ± split, M_Φ'²; Re a_H v/√2 couples R to R and I to I, Im a_H v/√2 (``im_mix``)
    R to I' and I to R' (then one 4×4 block)."""
    m = np.zeros((4, 4))
    m[0, 0], m[1, 1] = m_phi2 + split, m_phi2 - split
    m[2, 2] = m[3, 3] = m_phip2
    m[0, 2] = m[2, 0] = m[1, 3] = m[3, 1] = mix
    m[0, 3] = m[3, 0] = im_mix
    m[1, 2] = m[2, 1] = -im_mix
    return m


#: (M_Φ², λ_Φ v²/2, a_H v/√2, M_Φ'²): the card's, exact degeneracy of the blocks (λ_Φ = 0),
#: splits of 1e-6, 1e-9, 1e-13, 1e-16 relative, no mixing in either block, a tiny mixing,
#: near-degenerate diagonal within a block, a heavy mediator
CASES = [
    (4.0e4, 0.30, 8705.18, 6.4e5),
    (4.0e4, 0.0, 8705.18, 6.4e5),
    (4.0e4, 4.0e4 * 1e-6, 8705.18, 6.4e5),
    (4.0e4, 4.0e4 * 1e-9, 8705.18, 6.4e5),
    (4.0e4, 4.0e4 * 1e-13, 8705.18, 6.4e5),
    (4.0e4, 4.0e4 * 1e-16, 8705.18, 6.4e5),
    (4.0e4, 0.3, 1e-9, 6.4e5),
    (6.4e5, 0.3, 1.0, 6.4e5 * (1 + 1e-12)),
    (6.4e5, 1e-6, 30.0, 6.4e5),
    (1.0e6, 2.0, 8705.18, 4.0e4),
]


def _mp_eigh(m):
    """mpmath's eigensystem of a real symmetric matrix at 50 digits, ascending."""
    with mpmath.workdps(50):
        e, q = mpmath.eigsy(mpmath.matrix(m.tolist()))
        order = sorted(range(m.shape[0]), key=lambda i: e[i])
        return [e[i] for i in order], [[q[r, i] for i in order] for r in range(m.shape[0])]


@pytest.mark.parametrize("case", CASES)
def test_blocks_against_mpmath(case):
    m = s_ib_like(*case)
    values, vectors = linalg.real_symmetric(m[None])
    values, vectors = values[0], vectors[0]
    exact, exact_vec = _mp_eigh(m)
    top = np.max(np.abs(m))
    for k in range(4):
        assert abs(values[k] - float(exact[k])) <= 4 * EPS * top, (k, values[k], exact[k])
    # exactly block-structured: each state lies in (Φ_R, Φ'^0_R) or in (Φ_I, Φ'^0_I)
    even = (vectors[1] == 0) & (vectors[3] == 0)
    odd = (vectors[0] == 0) & (vectors[2] == 0)
    assert np.all(even ^ odd) and even.sum() == 2
    assert np.max(np.abs(vectors.T @ vectors - np.eye(4))) <= 4 * EPS
    assert np.max(np.abs(vectors @ np.diag(values) @ vectors.T - m)) <= 8 * EPS * top
    # each block's two columns are mpmath's columns of the same block (mpmath, at 50 digits,
    # mixes a near-degenerate pair of different blocks by ~1e-50 over their gap: not at all in
    # double precision), in ascending order, up to sign, to the block's conditioning ε‖M‖/gap
    exact_vec = np.array([[float(x) for x in row] for row in exact_vec])
    exact = np.array([float(x) for x in exact])
    mp_even = np.all(np.abs(exact_vec[[1, 3]]) < 1e-40, axis=0)
    assert np.all(mp_even ^ np.all(np.abs(exact_vec[[0, 2]]) < 1e-40, axis=0))
    for mine, theirs in ((even, mp_even), (odd, ~mp_even)):
        cols, ref_cols = np.flatnonzero(mine), np.flatnonzero(theirs)
        ref_cols = ref_cols[np.argsort(exact[ref_cols], kind="stable")]
        gap = abs(exact[ref_cols[1]] - exact[ref_cols[0]])
        for k, r in zip(cols, ref_cols, strict=True):
            ref = exact_vec[:, r]
            sign = np.sign(ref @ vectors[:, k])
            assert np.max(np.abs(sign * vectors[:, k] - ref)) <= max(8 * EPS * top / gap, 8 * EPS), (k, case)


def test_blocks_against_lapack_eigenvalues_and_batch_independence():
    """A batch of random block matrices, some with a complex a_H (one 4×4 block: LAPACK), some
    with a_H = 0 (diagonal: LAPACK), some with an imaginary a_H (blocks (Φ_R, Φ'^0_I) and
    (Φ_I, Φ'^0_R)): eigenvalues equal LAPACK's to a few ulp; every point
    has, alone, the numbers it has in the batch (bit for bit); a batch none of whose points
    splits has numpy's eigh's numbers bit for bit (the same call)."""
    rng = np.random.default_rng(5)
    mats = []
    for k in range(60):
        m_phi2, m_phip2 = rng.uniform(1e2, 1e6, 2)
        split = m_phi2 * 10.0 ** rng.uniform(-16, -1)
        mix = rng.uniform(-1, 1) * np.sqrt(m_phi2 * m_phip2)
        im_mix = mix * 0.3 if k % 5 == 0 else 0.0
        mats.append(s_ib_like(m_phi2, split, 0.0 if k % 7 == 0 else mix, m_phip2, im_mix))
    batch = np.array(mats)
    values, vectors = linalg.real_symmetric(batch)
    lapack_values = np.linalg.eigh(batch)[0]
    top = np.max(np.abs(batch), axis=(1, 2))
    assert np.all(np.abs(values - lapack_values) <= 8 * EPS * top[:, None])
    for k, m in enumerate(mats):
        alone_values, alone_vectors = linalg.real_symmetric(m)
        assert np.array_equal(alone_values, values[k]) and np.array_equal(alone_vectors, vectors[k])
        assert np.array_equal(linalg.real_symmetric(batch[k:k + 3])[1][0], vectors[k])
    # complex a_H (one 4×4 block) or a_H = 0 (diagonal); both (k = 0, 35: Im a_H alone) splits
    whole = batch[[k for k in range(len(mats)) if (k % 5 == 0) != (k % 7 == 0)]]
    got, want = linalg.real_symmetric(whole), np.linalg.eigh(whole)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_other_shapes_keep_numpy_eigh():
    """A full 3×3 and a batch of 2×2 matrices: the routes before (LAPACK, the 2×2 rotation)."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(5, 3, 3))
    a = a + np.swapaxes(a, -1, -2)
    got, want = linalg.real_symmetric(a), np.linalg.eigh(a)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    b = rng.normal(size=(5, 2, 2))
    b = b + np.swapaxes(b, -1, -2)
    got, want = linalg.real_symmetric(b), linalg._eigh2(b)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_block_partition():
    """The connected components of the coupling pattern (bits in np.triu_indices order)."""
    rows, cols = np.triu_indices(4, 1)
    bit = {(int(i), int(j)): 1 << k for k, (i, j) in enumerate(zip(rows, cols, strict=True))}
    assert linalg._blocks(bit[0, 2] | bit[1, 3], 4) == ((0, 2), (1, 3))
    assert linalg._blocks(bit[0, 2], 4) == ((0, 2), (1,), (3,))
    assert linalg._blocks(bit[0, 2] | bit[2, 3], 4) == ((0, 2, 3), (1,))
    assert linalg._blocks(0, 4) == ((0,), (1,), (2,), (3,))


def test_non_finite_matrices_take_numpy_eigh():
    """A NaN or an infinity in a block matrix: numpy's eigh of the matrix, alone or in a batch
    (its LinAlgError where it refuses one, its numbers where not: the caller's handling of the
    point is unchanged)."""
    good = s_ib_like(4.0e4, 0.3, 8705.18, 6.4e5)
    raised = 0
    for bad_value, at in ((np.nan, (0, 2)), (np.inf, (0, 0)), (np.nan, (1, 1)), (np.inf, (1, 3))):
        bad = good.copy()
        bad[at] = bad[at[::-1]] = bad_value
        try:
            want = np.linalg.eigh(bad)
        except np.linalg.LinAlgError:
            raised += 1
            for batch in (bad, np.array([good, bad, good])):
                with pytest.raises(np.linalg.LinAlgError):
                    linalg.real_symmetric(batch)
            continue
        got = linalg.real_symmetric(bad)
        assert all(np.array_equal(g, w, equal_nan=True) for g, w in zip(got, want, strict=True))
        got = linalg.real_symmetric(np.array([good, bad, good]))
        assert all(np.array_equal(g[1], w, equal_nan=True) for g, w in zip(got, want, strict=True))
    assert raised  # a NaN off the diagonal is refused


def _mp_real_symmetric(m):
    """bridge.linalg.real_symmetric's contract from mpmath at 50 digits, rounded to float64."""
    m = np.real(np.asarray(m))
    flat = m.reshape(-1, *m.shape[-2:])
    values, vectors = np.empty(flat.shape[:-1]), np.empty(flat.shape)
    for k, x in enumerate(flat):
        e, q = _mp_eigh(x)
        values[k] = [float(v) for v in e]
        vectors[k] = [[float(v) for v in row] for row in q]
    return values.reshape(m.shape[:-1]), vectors.reshape(m.shape)


def test_s_ib_coefficients_against_an_mpmath_eigensystem(monkeypatch):
    """Every Wilson coefficient of S_Ib on test_batch_speedups' reference batch (the card, random
    masses, exact and near degeneracies of every mass pair, complex Yukawa couplings) from the
    blocks, from LAPACK's eigh of the whole 4×4 (main's route) and from the mpmath eigensystem
    (the independent computation; the rest of the evaluation is the same float64 code): the
    blocks are as close to the mpmath one as LAPACK's within a factor 1.5 (measured: closer in
    all but ~10 of ~100, those within 1.31×), exactly zero where the mpmath-fed one is, and
    within 1e-13 relative where no cancellation limits the float64 evaluation (C9, C10 and CL of
    μ, C7, C8, B_s mixing). The coefficients
    that are Z penguins alone (C10_bsee: Γ^L_e = 0) cancel between near-degenerate states: there
    one ulp of one m² moves them by ~1e-11 whatever the eigensystem."""
    from test_batch_speedups import _evaluate

    blocks = _evaluate("S_Ib")[0]
    monkeypatch.setattr(linalg, "real_symmetric", lambda m: np.linalg.eigh(np.real(np.asarray(m))))
    lapack = _evaluate("S_Ib")[0]
    monkeypatch.setattr(linalg, "real_symmetric", _mp_real_symmetric)
    exact = _evaluate("S_Ib")[0]
    checked = 0
    for key in (k for k in exact if k.startswith("wc:")):
        ref = exact[key]
        # an exact zero of the mpmath-fed evaluation (e.g. Im C7_mumu, which LAPACK's spurious
        # mixing of CP-even and CP-odd states made ~1e-15) is an exact zero from the blocks
        dead = ref == 0
        assert np.all(blocks[key][dead] == 0), key
        live = np.isfinite(ref) & ~dead
        if not live.any():
            continue
        err_blocks = np.max(np.abs(blocks[key] - ref)[live] / np.abs(ref[live]))
        err_lapack = np.max(np.abs(lapack[key] - ref)[live] / np.abs(ref[live]))
        assert err_blocks <= max(1.5 * err_lapack, 1e-14), (key, err_blocks, err_lapack)
        if key.split(":")[1] in ("C9_bsmumu", "C10_bsmumu", "CL_bsnumunumu", "C7_bs", "C7p_bs",
                                 "C8_bs", "C8p_bs", "CVLL_bsbs", "C7_mumu"):
            assert err_blocks <= 1e-13, (key, err_blocks)
        checked += 1
    assert checked > 50
