"""The engine's batch contractions of issue 12 (fourth round) against independent evaluations:
B_s mixing from the shared coupling pair against the five-coupling sum of its docstring (loop
functions evaluated one mass set at a time), the one-term and matmul forms of the lepton-axis
boxes against np.einsum, the dipole's cut block against the full nF × nS sum, and the Z
penguin's bound-first residue cut against the plain rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import engine, loops
from bridge.engine import DarkFermion, DarkScalar, DarkSector


def _random_sector(rng, n=6, majorana=True, real=True, charge=0.0):
    """A batch of n points: three fermions (two Majorana if ``majorana``), three scalars (two
    real if ``real``), s and b coupling on some pairs, μ on others, masses spread over
    0.2–3 TeV with one exactly degenerate fermion pair; ``charge``: −Q of the fermions, Q of
    the scalars (Dirac and complex states only)."""
    mf = rng.uniform(200.0, 3000.0, size=(n, 3))
    mf[:, 1] = mf[:, 0]  # an exact degeneracy (box sets with repeated masses)
    ms = rng.uniform(200.0, 3000.0, size=(n, 3))
    fermions = (DarkFermion("F1", mf[:, 0], -charge, majorana=majorana),
                DarkFermion("F2", mf[:, 1], -charge, majorana=majorana),
                DarkFermion("F3", mf[:, 2], -charge))
    scalars = (DarkScalar("S1", ms[:, 0], charge, real=real), DarkScalar("S2", ms[:, 1], charge, real=real),
               DarkScalar("S3", ms[:, 2], charge))

    def coupling(mask):
        c = rng.normal(size=(n, 3, 3)) + 1j * rng.normal(size=(n, 3, 3))
        return c * np.asarray(mask, dtype=float)

    # neutrinos stand in for the quarks and leptons (Q_f = 0 = Q_F + Q_S; the boxes and the
    # mixing read no charges)
    both = [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    lep = [[0, 1, 1], [0, 0, 1], [1, 0, 1]]
    return DarkSector(fermions, scalars, {"nu_e": coupling(both), "nu_mu": coupling(both),
                                          "nu_tau": coupling(lep)}, {})


def _mixing_by_hand(sector, q_bar, q):
    """16π² C of box_bsbs written out (its docstring): every (a, b, A, B) with its own
    loops.box_I2 / box_I1 call, point by point."""
    qs, qb = sector.l(q_bar), sector.l(q)
    mf, ms = sector.m_fermion, sector.m_scalar
    kappa, rho = sector.kappa, sector.rho
    out = np.zeros(sector.batch_shape, complex)
    for p in range(sector.batch_shape[0]):
        total = 0j
        for a in range(len(sector.fermions)):
            for b in range(len(sector.fermions)):
                for A in range(len(sector.scalars)):
                    for B in range(len(sector.scalars)):
                        args = (mf[p, a] ** 2, mf[p, b] ** 2, ms[p, A] ** 2, ms[p, B] ** 2)
                        i2, i1 = float(loops.box_I2(*args)), float(loops.box_I1(*args))
                        sA, sB = qs[p, a, A], qs[p, b, B]
                        total += -0.125 * i2 * sA * np.conj(qb[p, a, B]) * sB * np.conj(qb[p, b, A])
                        total += (0.25 * kappa[a, b] * mf[p, a] * mf[p, b] * i1 * qs[p, a, A]
                                  * qs[p, a, B] * np.conj(qb[p, b, A]) * np.conj(qb[p, b, B]))
                        total += (0.125 * rho[A, B] * i2 * qs[p, a, A] * qs[p, b, A]
                                  * np.conj(qb[p, a, B]) * np.conj(qb[p, b, B]))
        out[p] = total
    return out / (16.0 * math.pi**2)


@pytest.mark.parametrize(("majorana", "real"), [(True, True), (False, False), (True, False)])
def test_bs_mixing_equals_the_five_coupling_sum(majorana, real):
    """box_bsbs (the pair P_aAB formed once, three-operand contractions, the crossed box left
    out without Majorana pairs) equals its docstring's sum term by term to rounding."""
    sector = _random_sector(np.random.default_rng(3), majorana=majorana, real=real)
    got = engine.box_bsbs(sector, "L", "nu_e", "nu_mu")
    ref = _mixing_by_hand(sector, "nu_e", "nu_mu")
    assert np.all(np.abs(got) > 0)
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_lepton_axis_helpers_equal_einsum():
    """_sum_one is np.einsum bit for bit where the summed axis has one entry (and falls back to
    it otherwise); _pair_sum equals the einsum of the lepton pairs to rounding."""
    rng = np.random.default_rng(5)

    def c(*shape):
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    for quark, kernel, spec, axis in (
            (c(7, 3, 3, 1), rng.normal(size=(7, 3, 3, 1, 2)), "...abA,...abAB->...abB", -1),
            (c(7, 3, 3, 2), rng.normal(size=(7, 3, 3, 2, 2)), "...abA,...abAB->...abB", -1),
            (c(7, 1, 4, 4), rng.normal(size=(7, 1, 2, 4, 4)), "...aAB,...acAB->...cAB", -3),
            (c(7, 2, 4, 4), rng.normal(size=(7, 2, 2, 4, 4)), "...aAB,...acAB->...cAB", -3)):
        assert np.array_equal(engine._sum_one(spec, quark, kernel, axis), np.einsum(spec, quark, kernel))
    left, right = c(7, 3, 2, 4), c(7, 2, 2, 4)
    got = engine._pair_sum(left, right)
    ref = np.einsum("...ixy,...jxy->...ij", left, right)
    scale = np.einsum("...ixy,...jxy->...ij", np.abs(left), np.abs(right))
    assert got.shape == (7, 3, 2)
    assert np.all(np.abs(got - ref) <= 1e-15 * scale)


def test_dipole_on_its_block_equals_the_full_sum():
    """A batch's dipole (summed on the block its couplings reach) equals the sum over every
    (a, A) of the dipole formula with the sector's full kernels, and vanishes without
    couplings."""
    sector = _random_sector(np.random.default_rng(7), majorana=False, real=False, charge=1.0)
    m_out, m_in = 0.3, 1.7
    c_r, c_l = engine.dipole(sector, "nu_tau", "nu_e", m_out, m_in)
    no_flip, _ = sector.dipole_kernels("photon", 1.0)
    lo, li = sector.l("nu_tau"), sector.l("nu_e")
    # r = 0 here: c_R = Σ l_o l_i^* m_in no_flip / (64π²), c_L = 0 + Σ 0 (r_o r_i^* ...)
    terms = lo * li.conj() * m_in * no_flip
    ref = terms.sum(axis=(1, 2)) / (64.0 * math.pi**2)
    assert np.all(np.abs(ref) > 0)
    scale = np.abs(terms).sum(axis=(1, 2)) / (64.0 * math.pi**2)
    assert np.all(np.abs(c_r - ref) <= 1e-15 * scale)
    # c_L has l o ↔ r: x = (r_o, r_i) = 0, y = (l_o, l_i): Σ l_o l_i^* m_out no_flip
    ref_l = (lo * li.conj() * m_out * no_flip).sum(axis=(1, 2)) / (64.0 * math.pi**2)
    np.testing.assert_allclose(c_l, ref_l, rtol=1e-14)
    none = engine.dipole(sector, "e", "mu", 0.1, 0.1)
    assert all(np.array_equal(x, np.zeros(6, complex)) for x in none)


def _plain_cut(total, pieces):
    scale = engine._residue_scale(pieces)
    out = total.copy()
    out[np.abs(out) < 1e-13 * scale] = 0
    return out


def test_residue_cut_equals_the_plain_rule():
    """The bound-first cut sets to zero exactly the points the plain rule |Y| < 1e-13 Σ|term|
    does: rows that cancel to rounding, rows just under and just over the threshold, rows of
    zeros, and ordinary rows."""
    rng = np.random.default_rng(11)
    n = 40
    pieces = [(rng.normal(size=(n, 2, 2, 3)) + 1j * rng.normal(size=(n, 2, 2, 3)), 3),
              (rng.normal(size=(n, 2, 3)) + 1j * rng.normal(size=(n, 2, 3)), 2)]
    pieces[0][0][5:8] = 0
    pieces[1][0][5:8] = 0
    scale = engine._residue_scale(pieces)
    total = rng.normal(size=n) + 1j * rng.normal(size=n)
    total[:5] *= 1e-17 * scale[:5]  # cancelled to rounding
    total[5:8] = 0  # nothing at all
    phase = np.exp(1j * rng.uniform(0, 2 * np.pi, size=6))
    total[8:14] = phase * 1e-13 * scale[8:14] * np.array([0.999, 0.9999999, 1.0, 1.0000001, 1.001, 0.5])
    # |Re| + |Im| exceeds |z| by up to √2: rows between the bound and the scale test the second step
    factors = np.array([0.99, 1.01, 1.2, 1.4, 1.41, 1.5])
    total[14:20] = 1e-13 * scale[14:20] * (1 + 1j) / math.sqrt(2) * factors
    want = _plain_cut(total, pieces)
    got = engine._cut_residue(total.copy(), pieces)
    assert np.array_equal(got, want)
    cut = want == 0
    assert cut[:8].all() and cut[8:11].any() and not cut[20:].any() and not cut[8:20].all()
