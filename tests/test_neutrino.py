"""bridge.neutrino: PMNS parametrisation, mass-matrix analysis, Casas–Ibarra round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import neutrino as nu
from bridge.linalg import takagi

RNG = np.random.default_rng(20230227)


def random_data(ordering: str) -> nu.OscillationData:
    base = nu.DE_SALAS_2021_NO if ordering == "NO" else nu.DE_SALAS_2021_IO
    return base.replace(delta=RNG.uniform(0, 2 * math.pi), alpha21=RNG.uniform(0, 4 * math.pi),
                        alpha31=RNG.uniform(0, 4 * math.pi), s23sq=RNG.uniform(0.4, 0.6))


def random_symmetric(n: int, scale: float = 4e-11) -> np.ndarray:
    a = RNG.normal(size=(n, n)) + 1j * RNG.normal(size=(n, n))
    return scale * (a + a.T) / 2


def angle_diff(a: float, b: float, period: float = 2 * math.pi) -> float:
    return abs((a - b + period / 2) % period - period / 2)


def test_de_salas_defaults():
    """de Salas et al. JHEP 02 (2021) 071, normal and inverted ordering best fits."""
    no, io = nu.DE_SALAS_2021_NO, nu.DE_SALAS_2021_IO
    assert (no.dm21, no.dm31, no.s12sq, no.s13sq, no.s23sq) == (7.50e-5, 2.55e-3, 0.318, 0.022, 0.574)
    assert no.delta == pytest.approx(1.08 * math.pi) and io.delta == pytest.approx(1.58 * math.pi)
    assert (io.dm31, io.s13sq, io.s23sq) == (-2.45e-3, 0.02225, 0.578)
    assert no.ordering == "NO" and io.ordering == "IO"


def test_pmns_is_unitary_and_standard():
    d = random_data("NO")
    u = nu.pmns(d.s12sq, d.s13sq, d.s23sq, d.delta)
    assert np.allclose(u @ u.conj().T, np.eye(3), atol=1e-15)
    assert u[0, 2] == pytest.approx(math.sqrt(d.s13sq) * np.exp(-1j * d.delta), abs=1e-16)
    assert u[0, 0].imag == u[0, 1].imag == u[1, 2].imag == u[2, 2].imag == 0
    assert abs(u[1, 2]) ** 2 == pytest.approx(d.s23sq * (1 - d.s13sq), rel=1e-14)


@pytest.mark.parametrize("ordering", ["NO", "IO"])
def test_lightest_massless_and_splittings(ordering):
    d = nu.DE_SALAS_2021_NO if ordering == "NO" else nu.DE_SALAS_2021_IO
    m = nu.light_masses(d)
    assert min(m) == 0.0
    assert m[1] ** 2 - m[0] ** 2 == pytest.approx(d.dm21, rel=1e-13)
    assert m[2] ** 2 - m[0] ** 2 == pytest.approx(d.dm31, rel=1e-13)


@pytest.mark.parametrize("ordering", ["NO", "IO"])
def test_analyse_recovers_parameters_with_all_masses_non_zero(ordering):
    d = random_data(ordering)
    m = nu.light_masses(d) + 0.02  # quasi-degenerate-ish, all phases physical
    m_nu = nu.mass_matrix(m, nu.pmns_from_data(d))
    p = nu.analyse(m_nu)
    assert p.ordering == ordering
    assert np.allclose(p.masses, m, rtol=1e-12)
    for name in ("s12sq", "s13sq", "s23sq"):
        assert getattr(p, name) == pytest.approx(getattr(d, name), rel=1e-12)
    assert angle_diff(p.delta, d.delta) < 1e-11
    assert angle_diff(p.alpha21, d.alpha21) < 1e-10
    assert angle_diff(p.alpha31, d.alpha31) < 1e-10


def test_analyse_massless_lightest_reports_the_physical_phase():
    d = random_data("NO")
    p = nu.analyse(nu.mass_matrix(nu.light_masses(d), nu.pmns_from_data(d)))
    assert p.masses[0] < 1e-9 * p.masses[2]
    assert p.alpha21 == 0.0
    assert angle_diff(p.alpha31, d.alpha31 - d.alpha21) < 1e-10


@pytest.mark.parametrize("ordering", ["NO", "IO"])
def test_casas_ibarra_rank_two_round_trip(ordering):
    """Y Σ Yᵀ = U* diag(m) U† to 1e-10 for a random complex symmetric 2×2 Σ, R of seed Eq. (8)."""
    d = random_data(ordering)
    sigma = random_symmetric(2)
    m, u = nu.light_masses(d), nu.pmns_from_data(d)
    y = nu.casas_ibarra(sigma, m, u, nu.rank2_r(RNG.uniform(0, 2 * math.pi), ordering))
    m_nu = y @ sigma @ y.T
    target = nu.mass_matrix(m, u)
    assert np.max(np.abs(m_nu - target)) < 1e-12 * np.max(np.abs(target))
    p = nu.analyse(m_nu)
    assert np.sort(p.masses)[0] < 1e-12 * p.masses.max()
    assert np.allclose(np.sort(p.masses)[1:], np.sort(m)[1:], rtol=1e-10)


def test_casas_ibarra_full_rank_with_complex_r():
    """Three Σ eigenvalues, complex orthogonal R (n = 3): the general Casas–Ibarra inversion."""
    d = random_data("NO")
    sigma = random_symmetric(3)
    m = nu.light_masses(d) + 0.01
    a, b, c = RNG.normal(size=3) + 0.3j * RNG.normal(size=3)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    r = rx @ ry @ rz
    y = nu.casas_ibarra(sigma, m, nu.pmns_from_data(d), r)
    target = nu.mass_matrix(m, nu.pmns_from_data(d))
    assert np.max(np.abs(y @ sigma @ y.T - target)) < 1e-11 * np.max(np.abs(target))


@pytest.mark.parametrize("diag", [(3e-11, 3e-11), (5e-11, 2e-11), (2e-11, 5e-11)])
def test_canonical_takagi_is_identity_for_diagonal_sigma(diag):
    """R is defined relative to V: a diagonal Σ (degenerate or not, any order) must give V = 1."""
    d, v = nu.canonical_takagi(np.diag(diag) * (1 + 0j))
    assert np.allclose(v, np.eye(2), atol=1e-15)
    assert np.allclose(d, diag, rtol=1e-15)


def test_canonical_takagi_degenerate_with_rounding_noise():
    """Σ ∝ 1 plus rounding noise: eigen-solvers return any rotation; V must stay ≈ 1."""
    sigma = 3.9e-11 * np.array([[1.0, 1e-17], [1e-17, 1.0 + 2e-16]], dtype=complex)
    _, v = nu.canonical_takagi(sigma)
    assert np.allclose(v, np.eye(2), atol=1e-6)


def test_canonical_takagi_still_diagonalises():
    sigma = random_symmetric(3)
    d, v = nu.canonical_takagi(sigma)
    assert np.allclose(v.T @ sigma @ v, np.diag(d), atol=1e-13 * d.max())
    assert np.allclose(v.conj().T @ v, np.eye(3), atol=1e-13)
    assert np.all(np.diag(v).real >= 0)
    d2, _ = takagi(sigma)
    assert np.allclose(np.sort(d), d2, rtol=1e-13)


def test_singular_sigma_raises_with_null_direction():
    d = nu.DE_SALAS_2021_NO
    with pytest.raises(nu.SingularSigma) as info:
        nu.casas_ibarra(np.diag([3e-11, 0.0]), nu.light_masses(d), nu.pmns_from_data(d),
                        nu.rank2_r(0.3))
    assert np.allclose(np.abs(info.value.null_vector), [0, 1])
    with pytest.raises(nu.SingularSigma):
        nu.casas_ibarra(np.zeros((2, 2)), nu.light_masses(d), nu.pmns_from_data(d), nu.rank2_r(0.3))


@pytest.mark.parametrize(("change", "field"), [
    ({"dm21": -1e-5}, "dm21"), ({"s12sq": 1.2}, "s12sq"), ({"s13sq": 0.0}, "s13sq"),
    ({"dm31": 0.0}, "dm31"), ({"dm31": -5e-5}, "dm31")])
def test_oscillation_data_check(change, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        nu.DE_SALAS_2021_NO.replace(**change).check()
    nu.DE_SALAS_2021_NO.check()
    nu.DE_SALAS_2021_IO.check()


def test_batched_casas_ibarra_equals_the_single_one():
    """Vectorised 2×2 Casas–Ibarra (used by scotogenic scans) = the per-point one, including
    exactly degenerate Σ (λ5 ∝ 1, equal η masses: V = 1) and nearly degenerate ones."""
    rng = np.random.default_rng(4)
    sig = rng.normal(size=(30, 2, 2)) + 1j * rng.normal(size=(30, 2, 2))
    sig = 1e-11 * (sig + np.swapaxes(sig, -1, -2))
    sig[0] = 3.9e-11 * np.eye(2)
    sig[1] = np.diag([3.9e-11, 3.9e-11 * (1 + 1e-12)])
    sig[2] = [[2e-11, 1e-13j], [1e-13j, 2e-11]]
    data = nu.DE_SALAS_2021_NO
    masses, u = nu.light_masses(data), nu.pmns_from_data(data)
    r = nu.rank2_r(0.3 + 0.1j, "NO")
    batch = nu.casas_ibarra_batch(sig, masses, u, r)
    for i in range(len(sig)):
        single = nu.casas_ibarra(sig[i], masses, u, r)
        np.testing.assert_allclose(batch[i], single, rtol=1e-12, atol=1e-12 * np.abs(single).max())
        m_nu = single @ sig[i] @ single.T
        np.testing.assert_allclose(batch[i] @ sig[i] @ batch[i].T, m_nu, atol=1e-12 * np.abs(m_nu).max())
