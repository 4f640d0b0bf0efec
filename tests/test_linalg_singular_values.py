"""bridge.linalg.singular_values on batches of 3x3 matrices (the scotogenic scan's neutrino
masses): the closed form (characteristic polynomial of M†M, Viète's cubic, pivoted determinant)
against independent 40-digit SVDs (mpmath.svd_c) on the matrices a neutrino mass matrix can be
(normal and inverted ordering, quasi-degenerate, exactly degenerate, rank 2, 1 and 0, eV and
GeV units) and on random complex matrices; LAPACK's values, bit for bit, where two eigenvalues
of M†M nearly coincide (the fallback counted); each matrix's values independent of its batch;
NaN, inf, zero, huge and tiny matrices; the scotogenic scan's mnu: columns against LAPACK's.

Reference values, per matrix of the double-precision input (not of the intended spectrum):
mpmath.svd_c at 40 digits. The error is measured as |σ_i − σ_i(mpmath)|/(ε σ_max), the sense in
which LAPACK's backward-stable SVD is accurate (benchmarks/singular_values.py prints it per case
for this code and for numpy's SVD: numpy ≤ 3.1 on every kind; this ≤ 1.2 on normal-ordered
mass matrices, ≤ 3.7 on Gaussian random ones, and its largest, 5.5, on 2200 matrices just inside
linalg.SV3_CONDITION)."""

from __future__ import annotations

from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from bridge import linalg

EPS = np.finfo(float).eps
#: |σ_i − σ_i(exact)| ≤ K ε σ_max: the closed form's measured maximum is 5.5, at matrices just
#: inside linalg.SV3_CONDITION (the benchmark's last kind, and a sweep of 4000 such matrices)
K = 6.0
ROOT = Path(__file__).resolve().parents[1]
DM21, DM31 = 7.5e-5, 2.55e-3  # eV² (de Salas et al. 2021, the scotogenic card's defaults)


def _unitary(rng, n):
    q, r = np.linalg.qr(rng.normal(size=(n, 3, 3)) + 1j * rng.normal(size=(n, 3, 3)))
    d = np.diagonal(r, axis1=1, axis2=2)
    return q * (d / np.abs(d))[:, None, :]  # Haar-distributed


def _takagi_form(rng, masses):
    """Complex symmetric U* diag(m) U† (U random unitary): Majorana masses m."""
    masses = np.atleast_2d(masses)
    u = _unitary(rng, masses.shape[0]).conj()
    return np.einsum("nia,na,nja->nij", u, masses, u)


def _exact(m):
    """Singular values of each (double) matrix by mpmath's SVD at 40 digits, ascending."""
    with mp.workdps(40):
        return np.array([sorted(float(s) for s in mp.svd_c(mp.matrix(x.tolist()), compute_uv=False))
                         for x in m])


def _k(got, exact):
    """max |σ_i − σ_i(exact)|/(ε σ_max) over a batch."""
    return float(np.max(np.abs(got - exact) / (EPS * exact[:, -1:]))) if exact.size else 0.0


def _masses(name, n, rng):
    """n spectra (eV) of one kind, ascending or not (Takagi's order does not matter)."""
    ones = np.ones(n)
    if name == "normal, m1 = 0":
        return np.stack([0 * ones, np.sqrt(DM21) * ones, np.sqrt(DM31) * ones], -1)
    if name == "normal, m1 = 1e-3 m3":
        m1 = 1e-3 * np.sqrt(DM31) * rng.uniform(0.5, 2, n)
        return np.stack([m1, np.sqrt(m1**2 + DM21), np.sqrt(m1**2 + DM31)], -1)
    if name == "inverted":  # m1, m2 within ~3% in m², m3 small (0 or 1e-3 m2)
        m3 = np.sqrt(DM31) * rng.choice([0.0, 1e-3], n)
        m1 = np.sqrt(m3**2 + DM31)
        return np.stack([m1, np.sqrt(m1**2 + DM21), m3], -1)
    if name.startswith("quasi-degenerate"):
        split = float(name.split()[-1])
        return 0.1 * np.stack([ones, 1 + split * ones, 1 + 2 * split * ones], -1)
    if name == "exactly degenerate":
        return 0.05 * np.stack([ones, ones, ones], -1) * rng.uniform(0.5, 2, (n, 1))
    if name == "rank 1":
        return np.stack([0 * ones, 0 * ones, 0.05 * ones], -1)
    raise ValueError(name)


SPECTRA = ["normal, m1 = 0", "normal, m1 = 1e-3 m3", "inverted", "quasi-degenerate 1e-3",
           "quasi-degenerate 1e-6", "quasi-degenerate 1e-9", "exactly degenerate", "rank 1"]
#: the spectra whose M†M has a (nearly) repeated eigenvalue: LAPACK's values (rank 1's zero
#: pair is rounding, within K either way: the test of the fallback leaves it out)
FALLBACK = SPECTRA[2:-1]


@pytest.mark.parametrize("units", [1.0, 1e-9, 1e-12, 1e12])  # eV, GeV, and beyond both
@pytest.mark.parametrize("name", SPECTRA)
def test_neutrino_mass_matrices_against_40_digit_svds(name, units):
    rng = np.random.default_rng(SPECTRA.index(name))
    masses = _masses(name, 12, rng) * units
    m = _takagi_form(rng, masses)
    got = linalg.singular_values(m)
    assert got.shape == (12, 3) and np.all(np.diff(got, axis=-1) >= 0)
    assert _k(got, _exact(m)) <= K
    # and the spectrum the matrix was built from, to the rounding of building it
    np.testing.assert_allclose(got, np.sort(masses, axis=-1), rtol=0, atol=20 * EPS * masses.max())


def test_random_complex_matrices_against_40_digit_svds():
    """Gaussian random complex and real matrices, tiny and huge ones, and hierarchical ones
    U diag(σ) V† with σ log-uniform down to 1e-12 σ_max (σ_min there needs the pivoted
    determinant: the cofactor expansion's error ε σ_max³ would give σ_min ± ε σ_max²/σ_mid)."""
    rng = np.random.default_rng(7)
    sigma = np.sort(10.0 ** rng.uniform(-12, 0, size=(60, 3)), axis=-1)
    sigma[:, 2] = 1.0
    hierarchical = np.einsum("nij,nj,nkj->nik", _unitary(rng, 60), sigma, _unitary(rng, 60).conj())
    for m in (hierarchical,
              rng.normal(size=(60, 3, 3)) + 1j * rng.normal(size=(60, 3, 3)),
              rng.normal(size=(30, 3, 3)),  # real
              (rng.normal(size=(30, 3, 3)) + 1j * rng.normal(size=(30, 3, 3))) * 1e-150,
              (rng.normal(size=(30, 3, 3)) + 1j * rng.normal(size=(30, 3, 3))) * 1e150):
        assert _k(linalg.singular_values(m), _exact(m)) <= K


def test_closed_form_error_grows_like_eps_over_the_gaps():
    """Without the fallback the closed form's error is far above K where two eigenvalues of
    M†M nearly coincide (the fallback is needed), and within a few ε σ_max/(g₁₂ g₂₃) (its error
    model, measured ≤ 2 of it, the ratio linalg.SV3_CONDITION bounds) everywhere."""
    rng = np.random.default_rng(8)
    sigma = np.array([[0.3, 1 - 1e-6, 1.0], [1e-4 * (1 - 1e-8), 1e-4, 1.0], [0.5, 0.97, 1.0],
                      [0.3, 0.5, 1.0], [0.2, 0.6, 1.0]])
    m = np.einsum("nij,nj,nkj->nik", _unitary(rng, 5), sigma, _unitary(rng, 5).conj())
    exact = _exact(m)
    with np.errstate(all="ignore"):
        got, good = linalg._closed_form3(m.reshape(5, 9).T.copy())
    lam = exact[:, ::-1] ** 2
    cond = lam[:, 0] * lam[:, 1] / ((lam[:, 0] - lam[:, 1]) * (lam[:, 1] - lam[:, 2]))
    err = np.max(np.abs(got - exact) / (EPS * exact[:, -1:]), axis=-1)
    assert good.tolist() == [False, False, False, True, True]
    # λ₁ ≈ λ₂; λ₂ ≈ λ₃ with σ_mid ≪ σ_max (NaN: a negative discriminant)
    assert not np.any(err[:2] <= 100 * K)
    assert np.all(err[[0, 2, 3, 4]] <= 3 * np.maximum(cond[[0, 2, 3, 4]], 2.0))
    assert np.all(err[3:] <= K)


class _CountLapack:
    def __init__(self, monkeypatch):
        self.rows = 0
        self._lapack = linalg._lapack_singular_values
        monkeypatch.setattr(linalg, "_lapack_singular_values", self)

    def __call__(self, m):
        self.rows += m.shape[0]
        return self._lapack(m)


@pytest.mark.parametrize("name", SPECTRA[:-1])
def test_lapack_is_taken_exactly_where_two_eigenvalues_nearly_coincide(monkeypatch, name):
    rng = np.random.default_rng(9)
    m = _takagi_form(rng, _masses(name, 20, rng)) * 1e-9  # GeV, as the scan holds m_ν
    count = _CountLapack(monkeypatch)
    got = linalg.singular_values(m)
    if name in FALLBACK:
        assert count.rows == 20
        assert np.array_equal(got, np.sort(np.linalg.svd(m, compute_uv=False), axis=-1))
    else:
        assert count.rows == 0


def test_well_separated_matrices_take_no_lapack_call(monkeypatch):
    rng = np.random.default_rng(10)
    # g₁₂ ≥ 0.70, g₂₃ ≥ 0.61: 1/(g₁₂ g₂₃) ≤ 2.4
    sigma = np.stack([rng.uniform(0, 0.25, 200), rng.uniform(0.4, 0.55, 200), np.ones(200)], -1)
    m = np.einsum("nij,nj,nkj->nik", _unitary(rng, 200), sigma, _unitary(rng, 200).conj())
    count = _CountLapack(monkeypatch)
    linalg.singular_values(m)
    assert count.rows == 0


def test_each_matrix_gets_its_values_in_any_batch():
    """The values of a matrix alone, in a batch of distinct ones, and repeated (distinct_points)
    are the same bits, closed-form, fallback, zero and NaN rows alike; the input is not
    changed."""
    rng = np.random.default_rng(11)
    m = np.concatenate([_takagi_form(rng, _masses(name, 3, rng)) for name in SPECTRA]
                       + [rng.normal(size=(5, 3, 3)) + 1j * rng.normal(size=(5, 3, 3)),
                          np.zeros((1, 3, 3), complex)])
    m[-2, 1, 2] = np.nan
    keep = m.copy()
    alone = np.concatenate([linalg.singular_values(x[None]) for x in m])
    assert np.array_equal(linalg.singular_values(m), alone, equal_nan=True)
    repeated = m[rng.integers(0, len(m), size=4 * len(m))]
    assert np.array_equal(linalg.singular_values(repeated), alone[[
        next(i for i in range(len(m)) if np.array_equal(x, m[i], equal_nan=True))
        for x in repeated]], equal_nan=True)
    assert np.array_equal(m, keep, equal_nan=True)


def test_zero_nan_inf_huge_and_tiny_matrices():
    rng = np.random.default_rng(12)
    m = rng.normal(size=(7, 3, 3)) + 1j * rng.normal(size=(7, 3, 3))
    m[1] = 0.0
    m[2, 0, 1] = np.nan
    m[3, 2, 2] = np.inf
    m[4, 1, 0] = complex(0.0, -np.inf)
    m[5] *= 1e200  # |m|² overflows: LAPACK's values
    m[6] *= 1e-200  # |m|² underflows: LAPACK's values
    got = linalg.singular_values(m)
    assert np.array_equal(got[1], [0.0, 0.0, 0.0])
    assert np.all(np.isnan(got[2:5]))
    lapack = np.sort(np.linalg.svd(m[[5, 6]], compute_uv=False), axis=-1)
    assert np.array_equal(got[5:], lapack)
    assert _k(got[:1], _exact(m[:1])) <= K
    assert np.array_equal(linalg.singular_values(np.zeros((3, 3, 3))), np.zeros((3, 3)))


def test_diagonal_matrices_with_exact_zeros():
    """Rank 2, 1 and 0 with exact zeros (λ₂ = 0 exactly: σ_min would be 0/0 in the closed
    form), real and complex."""
    m = np.array([np.diag([0.0, 1.0, 2.0]), np.diag([0.0, 0.0, 1.0]), np.diag([0.0, 3.0, 0.0]),
                  np.diag([1.0, 0.0, 2.0]), np.diag([3.0, 1.0, 2.0]), np.zeros((3, 3))])
    expect = [[0, 1, 2], [0, 0, 1], [0, 0, 3], [0, 1, 2], [1, 2, 3], [0, 0, 0]]
    for scale in (1.0, 1 - 1j, 1e-11j):
        got = linalg.singular_values(m * scale)
        assert not np.any(np.isnan(got))
        np.testing.assert_allclose(got, np.multiply(expect, abs(scale)), rtol=4 * EPS, atol=0)


def test_other_shapes_and_types_keep_lapack():
    rng = np.random.default_rng(13)
    for m in (rng.normal(size=(6, 3, 2)) + 1j * rng.normal(size=(6, 3, 2)),
              rng.normal(size=(6, 2, 2)), rng.normal(size=(6, 4, 4)),
              (rng.normal(size=(6, 3, 3)) + 1j * rng.normal(size=(6, 3, 3))).astype(np.complex64),
              rng.normal(size=(3, 3))):
        got = linalg.singular_values(m)
        assert got.dtype == np.linalg.svd(m, compute_uv=False).dtype
        assert np.array_equal(got, np.sort(np.linalg.svd(m, compute_uv=False), axis=-1))


def test_scotogenic_scan_neutrino_masses_against_lapack_and_40_digit_svds(tmp_path, monkeypatch):
    """run_chunk's mnu: columns on the scotogenic card's M_N × m_S grid: the closed form's
    values (no LAPACK call: normal ordering, m1 = 0) within K ε σ_max of 40-digit SVDs of the
    chunk's m_ν and within (K + 3) ε σ_max of LAPACK's (numpy's own error: ≤ 3 ε σ_max)."""
    from bridge.scan.runner import ScanOptions, prepare, run_chunk

    ctx, _ = prepare(ScanOptions(str(ROOT / "cards" / "scotogenic.slha"),
                                 ["MINPAR:1:500:2000:30", "MINPAR:4:500:2000:30"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False),
                     say=lambda msg: None)
    seen = []
    values_of = linalg.singular_values
    monkeypatch.setattr(linalg, "singular_values", lambda m: seen.append(m.copy()) or values_of(m))
    count = _CountLapack(monkeypatch)
    ids = np.arange(ctx.space.size)
    cols = run_chunk(ctx, ids, ctx.space.values(ids)).columns
    assert len(seen) == 1 and count.rows == 0
    m_nu = seen[0]
    got = np.stack([cols[f"mnu:m{j}"] for j in (1, 2, 3)], axis=-1)
    assert got.shape == (900, 3) and np.all(np.isfinite(got))
    lapack = np.sort(np.linalg.svd(m_nu, compute_uv=False), axis=-1)
    assert np.max(np.abs(got - lapack) / (EPS * lapack[:, -1:])) <= K + 3
    first = np.unique(m_nu.reshape(900, -1), axis=0, return_index=True)[1]
    assert first.size == 30  # m_ν depends on M_N (and m_η, λ5), not on m_S
    assert _k(got[first], _exact(m_nu[first])) <= K
    # normal ordering with m1 = 0 (the card's Casas–Ibarra): m2/m3 and m1 at rounding
    np.testing.assert_allclose(got[:, 1] / got[:, 2], np.sqrt(DM21 / DM31), rtol=1e-12)
    assert np.all(got[:, 0] <= K * EPS * got[:, 2])
