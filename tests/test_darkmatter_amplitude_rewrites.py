"""Rewritten amplitudes against the code they replaced (kept here as the reference): the same
diagrams summed in another order must agree to rounding on cards, coannihilation and pole points."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from models import SM

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import helicity as H
from bridge.darkmatter import relic
from bridge.engine import SM_FERMIONS, DarkFermion, DarkScalar, DarkSector, ZCouplings

ROOT = Path(__file__).resolve().parents[1]


def reference_fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos=None):
    """annihilation.fermion_pair_amplitude before the chiral rewrite (commit 931db03): 4×4
    sandwiches and one outer product per exchanged scalar."""
    sp = A._spinors(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], cos)
    p1, p2, k1, _ = sp["p"]
    u1, v2, ub3, v4 = sp["u1"], sp["v2"], sp["ub3"], sp["v4"]
    vb2 = H.bar(v2)
    a, b = si.index, sj.index
    l_f, r_f = sector.l(f), sector.r(f)
    l_fp, r_fp = sector.l(fp), sector.r(fp)
    t = H.dot(p1 - k1, p1 - k1)
    amp = 0j
    majorana_pair = si.self_conjugate and sj.self_conjugate
    if majorana_pair:
        u2, vb1 = sp["u2"], sp["vb1"]
        uu = H.dot(p2 - k1, p2 - k1)
    for S_index, S in enumerate(sector.scalars):
        m2 = S.mass**2
        gam = l_f[a, S_index] * H.PR + r_f[a, S_index] * H.PL
        gbar = np.conj(l_fp[b, S_index]) * H.PL + np.conj(r_fp[b, S_index]) * H.PR
        if np.any(gam) and np.any(gbar):
            x = H.sandwich(ub3, gam, u1)
            y = H.sandwich(vb2, gbar, v4)
            amp = amp - A._outer(np.swapaxes(x, -1, -2), y) / (t - m2)[..., None, None, None, None]
        if majorana_pair:
            gam = l_f[b, S_index] * H.PR + r_f[b, S_index] * H.PL
            gbar = np.conj(l_fp[a, S_index]) * H.PL + np.conj(r_fp[a, S_index]) * H.PR
            if np.any(gam) and np.any(gbar):
                x = H.sandwich(ub3, gam, u2)
                y = H.sandwich(vb1, gbar, v4)
                m_u = -np.swapaxes(A._outer(np.swapaxes(x, -1, -2), y), -3, -4) \
                    / (uu - m2)[..., None, None, None, None]
                amp = amp - m_u
    if f == fp:
        amp = amp - A._fermion_s_channel(sector, smc, si, sj, f, p1, p2, u1, vb2, ub3, v4, sp)
    elif A.W_PARTNER.get(f) == fp and sector.w is not None:
        amp = amp - A._fermion_w_channel(sector, smc, si, sj, f, p1 + p2, u1, vb2, ub3, v4)
    return amp


def f_ib_card():
    from bridge import pipeline
    from bridge.run import load_point

    _, model, _, inputs, _, _ = load_point(ROOT / "cards" / "F_Ib.slha")
    return pipeline.spectrum(model, inputs, SM).sector


def coannihilating(sector):
    """The card's couplings with every dark state within 5% of the lightest."""
    m0 = min(abs(F.mass) for F in sector.fermions)
    fermions = tuple(replace(F, mass=m0 * (1 + 0.02 * k)) for k, F in enumerate(sector.fermions))
    scalars = tuple(replace(S, mass=m0 * (1.01 + 0.015 * k)) for k, S in enumerate(sector.scalars))
    return replace(sector, fermions=fermions, scalars=scalars)


def mixed_portal():
    """A Majorana and a Dirac state, two scalars with both chiralities, a Z coupling."""
    fermions = (DarkFermion("chi", 45.0, 0.0, majorana=True), DarkFermion("psi", 47.0, 0.0))
    scalars = (DarkScalar("S1", 60.0, -1.0), DarkScalar("S2", 90.0, -1.0))
    y = np.array([[0.7, 0.2 + 0.3j], [0.4, -0.5]])
    return DarkSector(fermions, scalars, left={"mu": y, "tau": 0.5 * y},
                      right={"mu": y.T.conj() * 0.6, "tau": np.zeros((2, 2))},
                      z=ZCouplings(np.array([[0.05, 0.01], [0.01, 0.02]]),
                                   np.array([[-0.05, 0.0], [0.0, 0.03]]), np.zeros((2, 2))))


@pytest.mark.parametrize("make", [f_ib_card, lambda: coannihilating(f_ib_card()), mixed_portal])
def test_fermion_pair_amplitude_equals_the_per_scalar_sum(make):
    sector = make()
    smc = A.SMCouplings.from_sm(SM)
    species = [s for s in relic.dark_species(sector) if s.kind == "F"]
    finals = [(f, f) for f in SM_FERMIONS] + [(f, fp) for f, fp in A.W_PARTNER.items()]
    compared = 0
    for si in species:
        for sj in species:
            if not (si.particle_like and sj.anti_like):
                continue
            for f, fp in finals:
                threshold = max(si.mass + sj.mass, smc.mass[f] + smc.mass[fp])
                # near threshold, above it, and on the Z and h poles when open
                roots = [threshold * (1 + 1e-4), threshold * 1.3, 3 * threshold]
                roots += [m for m in (smc.m_z, smc.m_h) if m > threshold]
                sqrt_s = np.array(roots)
                for cos in (A._COS, A._COS_SLOW):
                    new = A.fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos)
                    old = reference_fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos)
                    assert np.ndim(new) == np.ndim(old)
                    if np.ndim(old) == 0:
                        continue
                    scale = np.max(np.abs(old), axis=(-4, -3, -2, -1), keepdims=True)
                    assert np.all(np.abs(new - old) <= 1e-12 * scale)
                    compared += bool(np.any(scale > 0))
    assert compared > 0


def test_v_spinors_as_a_signed_permutation_equal_the_product_with_c_transpose():
    rng = np.random.default_rng(3)
    p = np.zeros((40, 4))
    p[:, 1:] = rng.normal(size=(40, 3)) * 50
    p[:5, 1:] = 0.0  # at rest
    p[:, 0] = np.sqrt(np.sum(p[:, 1:] ** 2, axis=1) + rng.uniform(0, 100, 40) ** 2)
    expected = H.bar(H.u_spinors(p)) @ H.CHARGE_CONJUGATION.T
    assert np.array_equal(H.v_spinors(p), expected)
