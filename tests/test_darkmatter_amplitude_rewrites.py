"""Rewritten amplitudes against the code they replaced (kept here as the reference): the same
diagrams summed in another order must agree to rounding on cards, coannihilation and pole points."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from models import SM

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import bosons as B
from bridge.darkmatter import helicity as H
from bridge.darkmatter import pairs, relic
from bridge.engine import SM_CHARGE, SM_FERMIONS, DarkFermion, DarkScalar, DarkSector, ZCouplings

ROOT = Path(__file__).resolve().parents[1]


def reference_outer(x, y):
    """out[…, a, b, c, d] = x[…, a, c] y[…, b, d] (annihilation._outer of 7a0e809, nodes first)."""
    return x[..., :, None, :, None] * y[..., None, :, None, :]


def reference_fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos=None, sizes=None):
    """annihilation.fermion_pair_amplitude before the chiral rewrite (commit 931db03): 4×4
    sandwiches and one outer product per exchanged scalar; its s-channel Z, γ, h and W as 4×4
    Dirac currents contracted over μ (the code of 7a0e809, before the Weyl-block rewrite).
    ``sizes``: a list that receives the largest |M| of each diagram per node (the scale of the
    rounding of a sum in which diagrams cancel: identical Majorana states near threshold)."""
    def diagram(m):
        if sizes is not None and np.ndim(m):
            sizes.append(np.max(np.abs(m), axis=(-4, -3, -2, -1), keepdims=True))
        return m

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
            propagator = (t - m2)[..., None, None, None, None]
            amp = amp - diagram(reference_outer(np.swapaxes(x, -1, -2), y) / propagator)
        if majorana_pair:
            gam = l_f[b, S_index] * H.PR + r_f[b, S_index] * H.PL
            gbar = np.conj(l_fp[a, S_index]) * H.PL + np.conj(r_fp[a, S_index]) * H.PR
            if np.any(gam) and np.any(gbar):
                x = H.sandwich(ub3, gam, u2)
                y = H.sandwich(vb1, gbar, v4)
                m_u = -np.swapaxes(reference_outer(np.swapaxes(x, -1, -2), y), -3, -4) \
                    / (uu - m2)[..., None, None, None, None]
                amp = amp - diagram(m_u)
    if f == fp:
        amp = amp - diagram(reference_fermion_s_channel(sector, smc, si, sj, f, p1, p2, u1, vb2, ub3, v4))
    elif A.W_PARTNER.get(f) == fp and sector.w is not None:
        amp = amp - diagram(reference_fermion_w_channel(sector, smc, si, sj, f, p1 + p2, u1, vb2, ub3, v4))
    return amp


def reference_fermion_w_channel(sector, smc, si, sj, f, q, u1, vb2, ub3, v4):
    """s-channel W for F_i F_j → f f̄' (the Z term of :func:`reference_fermion_s_channel` with the W's
    coupling (g/√2)γ^μ P_L to the SM pair and the dark W couplings)."""
    up = SM_CHARGE[f] > SM_CHARGE[A.W_PARTNER[f]]
    wl, wr = A._dark_w_couplings(sector, si, sj, up, scalar=False)
    if wl == 0 and wr == 0:
        return 0j
    s = H.dot(q, q)
    j_d = H.vector_current(vb2, wl * H.PL + wr * H.PR, u1)
    j_f = H.vector_current(ub3, H.PL, v4)
    bw = A._breit_wigner(s, smc.m_w, smc.gamma_w if si.mass + sj.mass < smc.m_w else 0.0)
    return smc.g2 / 2 * reference_contract_massive(j_d, j_f, q, smc.m_w) * bw[..., None, None, None, None]


def reference_fermion_s_channel(sector, smc, si, sj, f, p1, p2, u1, vb2, ub3, v4):
    """Z, γ and h exchange in the s-channel for F_i F_j → f f̄ (before the fermion sign)."""
    a, b = si.index, sj.index
    q = p1 + p2
    s = H.dot(q, q)
    total = 0j
    if sector.z is not None:
        zl, zr = np.asarray(sector.z.left)[b, a], np.asarray(sector.z.right)[b, a]
        if zl != 0 or zr != 0:
            gl, gr = smc.z_chiral(f)
            j_f = H.vector_current(ub3, gl * H.PL + gr * H.PR, v4)  # (…, s_f, s_f', μ)
            j_d = H.vector_current(vb2, zl * H.PL + zr * H.PR, u1)  # (…, s_j, s_i, μ)
            total = total + smc.g_z2 * reference_contract_massive(j_d, j_f, q, smc.m_z) \
                * A._breit_wigner(s, smc.m_z, smc.gamma_z)[..., None, None, None, None]
    if not si.self_conjugate and sj.conj and si.index == sj.index and si.charge != 0:
        j_d = H.vector_current(vb2, H.ONE, u1)
        j_v = H.vector_current(ub3, H.ONE, v4)
        coupling = smc.e2 * si.charge * SM_CHARGE[f]
        total = total + coupling * A._contract(j_d, j_v) / s[..., None, None, None, None]
    if sector.higgs is not None and smc.mass[f] > 0:
        y = np.asarray(sector.higgs.fermion)
        if si.self_conjugate:
            gam = y[b, a] * H.PL + np.conj(y[b, a]) * H.PR
        else:
            gam = y[b, a] * H.PR + np.conj(y[a, b]) * H.PL
        if np.any(gam):
            x = H.sandwich(vb2, gam, u1)  # (…, s_j, s_i)
            yf = H.sandwich(ub3, H.ONE, v4)  # (…, s_f, s_f')
            bw = A._breit_wigner(s, smc.m_h, smc.gamma_h)
            # (s_i, s_j) ⊗ (s_f, s_f'); 7a0e809 had A._outer here, which pairs (s_i, s_f) ⊗ (s_j, s_f'):
            # the h term alone sums to the same Σ|M|², its interference with Z and t-channel did not
            # (test_z_and_h_interference_against_dirac_traces)
            total = total - (smc.mass[f] / smc.vev) * np.swapaxes(x, -1, -2)[..., :, :, None, None] \
                * yf[..., None, None, :, :] * bw[..., None, None, None, None]
    return total


def reference_contract_massive(j_d, j_f, q, mass):
    """J_d^μ (g_μν − q_μ q_ν/M²) J_f^ν (unitary-gauge massive vector propagator numerator)."""
    qv = q[..., None, None, :]
    jdq, jfq = H.dot(j_d, qv), H.dot(j_f, qv)  # (…, b, a), (…, c, d)
    longitudinal = np.swapaxes(jdq, -1, -2)[..., :, :, None, None] * jfq[..., None, None, :, :]
    return A._contract(j_d, j_f) - longitudinal / mass**2


def card_sector(name: str):
    from bridge import pipeline
    from bridge.run import load_point

    _, model, _, inputs, _, _ = load_point(ROOT / "cards" / f"{name}.slha")
    return pipeline.spectrum(model, inputs, SM).sector


def f_ib_card():
    return card_sector("F_Ib")


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


@pytest.mark.parametrize("make", [f_ib_card, lambda: coannihilating(f_ib_card()), mixed_portal,
                                  lambda: charged_dirac_portal()])
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
                    sizes = []
                    old = reference_fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos, sizes)
                    assert np.ndim(new) == np.ndim(old)
                    if np.ndim(old) == 0:
                        continue
                    # relative to the largest diagram: where diagrams cancel (identical Majorana
                    # states near threshold) both codes round at the size of the terms, not the sum
                    scale = np.maximum(np.max(np.abs(old), axis=(-4, -3, -2, -1), keepdims=True),
                                       np.max(sizes, axis=0))
                    # plus the rounding of the Z and W numerators: their q_μ q_ν/M² term is s/M² times
                    # the amplitude and cancels against g_μν, and for a light final fermion the
                    # current J_f·q (∝ m_f) is itself a difference of terms of order E: either code
                    # carries ~50 ε s/M² of it (seen: 3.5e-12 at s/m_Z² = 480, d d̄ of a Majorana
                    # pair at threshold; 1.0e-12 at s/m_Z² = 1560, e ē)
                    enhanced = 1e-14 * (sqrt_s**2 / smc.m_z**2)[:, None, None, None, None, None]
                    assert np.all(np.abs(new - old) <= (1e-12 + enhanced) * scale), \
                        (si.name, sj.name, f, np.max(np.abs(new - old) / scale))
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


def charged_dirac_portal():
    """Two charged Dirac states (the s-channel γ of a particle–antiparticle pair), W couplings
    between them and a neutral Majorana state, Higgs couplings of both chiralities."""
    from bridge.engine import HiggsCouplings, WCouplings

    fermions = (DarkFermion("chi", 80.0, 0.0, majorana=True), DarkFermion("psi", 84.0, -1.0))
    scalars = (DarkScalar("S0", 100.0, 0.0), DarkScalar("S1", 130.0, -1.0))
    y = np.array([[0.0, 0.6], [0.3 - 0.2j, 0.0]])  # charge-conserving: χ S1 and ψ S0 → μ
    w = np.array([[0.0, 0.3], [0.0, 0.0]])  # W⁺ from ψ (Q = −1) to χ (Q = 0)
    return DarkSector(fermions, scalars,
                      left={"mu": y, "nu_mu": np.array([[0.5, 0.0], [0.0, 0.0]])},
                      right={"mu": 0.4 * y.conj()},
                      z=ZCouplings(np.array([[0.04, 0.0], [0.0, -0.27]]),
                                   np.array([[-0.04, 0.0], [0.0, 0.23]]), np.zeros((2, 2))),
                      higgs=HiggsCouplings(np.array([[0.02, 0.0], [0.0, 0.05 + 0.01j]]), np.zeros((2, 2))),
                      w=WCouplings(w, 0.7 * w, np.zeros((2, 2))))


def test_sigma_fierz_identities_of_the_weyl_contractions():
    """σ^μ_ab σ_μcd = σ̄^μ_ab σ̄_μcd = 2 ε_ac ε_bd and σ^μ_ab σ̄_μcd = 2 δ_ad δ_bc, entry by entry from
    the Pauli matrices (the identities the Weyl-block amplitudes rest on), and the brackets of
    helicity against the 4×4 currents they replace, contracted over μ."""
    sigma = np.array([np.eye(2), *H.SIGMA])
    sigma_bar = np.array([np.eye(2)] + [-s for s in H.SIGMA])
    metric = np.array([1.0, -1.0, -1.0, -1.0])
    eps = np.array([[0.0, 1.0], [-1.0, 0.0]])
    two_eps = 2 * np.einsum("ac,bd->abcd", eps, eps)
    assert np.allclose(np.einsum("m,mab,mcd->abcd", metric, sigma, sigma), two_eps, atol=1e-15)
    assert np.allclose(np.einsum("m,mab,mcd->abcd", metric, sigma_bar, sigma_bar), two_eps, atol=1e-15)
    assert np.allclose(np.einsum("m,mab,mcd->abcd", metric, sigma, sigma_bar),
                       2 * np.einsum("ad,bc->abcd", np.eye(2), np.eye(2)), atol=1e-15)
    rng = np.random.default_rng(5)
    spinors = rng.normal(size=(4, 3, 2, 4)) + 1j * rng.normal(size=(4, 3, 2, 4))
    xb, y, zb, w = spinors
    lo = lambda a: H.weyl(H.soa(a))[0]  # noqa: E731
    hi = lambda a: H.weyl(H.soa(a))[1]  # noqa: E731
    for pa, pb in ((H.PL, H.PL), (H.PL, H.PR), (H.PR, H.PL), (H.PR, H.PR)):
        j1 = H.vector_current(xb, pa, y)  # (…, s, r, μ)
        j2 = H.vector_current(zb, pb, w)
        direct = np.einsum("...abm,...cdm->...abcd", j1 * metric, j2)
        if pa is H.PL and pb is H.PL:  # (x̄_hi σ̄ y_lo)(z̄_hi σ̄ w_lo) = 2 [x̄ z̄][y w]
            weyl = 2 * np.einsum("ac...,bd...->...abcd", H.bracket_eps(hi(xb), hi(zb)),
                                 H.bracket_eps(lo(y), lo(w)))
        elif pa is H.PR and pb is H.PR:
            weyl = 2 * np.einsum("ac...,bd...->...abcd", H.bracket_eps(lo(xb), lo(zb)),
                                 H.bracket_eps(hi(y), hi(w)))
        elif pa is H.PL:  # (x̄_hi σ̄ y_lo)(z̄_lo σ w_hi) = 2 (x̄·w)(z̄·y)
            weyl = 2 * np.einsum("ad...,cb...->...abcd", H.bracket_dot(hi(xb), hi(w)),
                                 H.bracket_dot(lo(zb), lo(y)))
        else:
            weyl = 2 * np.einsum("ad...,cb...->...abcd", H.bracket_dot(lo(xb), lo(w)),
                                 H.bracket_dot(hi(zb), hi(y)))
        assert np.allclose(weyl, direct, rtol=1e-13, atol=1e-13)


def test_z_and_h_interference_against_dirac_traces():
    """Σ_spins |M_Z + M_h|² of two Majorana states of the card into b b̄ (Yukawas off: s-channel
    only) against the trace Σ_kl c_k c_l* Tr[Γ_k (p̸₁ + m₁) Γ̄_l (p̸₂ − m₂)] Tr[Γ'_k (p̸₄ − m₄) Γ̄'_l
    (p̸₃ + m₃)] (Peskin & Schroeder Eqs. (3.66), (5.3)), written from the vertices, independent
    of the spinors: it fixes which spins the h term pairs (7a0e809 paired (s_i, s_f) ⊗ (s_j, s_f'),
    off by up to 30% in the Z–h interference)."""
    sector = replace(f_ib_card(), w=None, left={}, right={})
    smc = A.SMCouplings.from_sm(SM)
    species = {s.name: s for s in relic.dark_species(sector)}
    metric = np.diag([1.0, -1.0, -1.0, -1.0])

    def barred(m):
        return H.GAMMA[0] @ m.conj().T @ H.GAMMA[0]

    for pair in (("F0_3", "F0_1"), ("F0_1", "F0_1")):
        si, sj = species[pair[0]], species[pair[1]]
        a, b = si.index, sj.index
        sqrt_s = np.array([1.7 * (abs(si.mass) + abs(sj.mass))])
        cos = A._COS_SLOW
        amp = A.fermion_pair_amplitude(sector, smc, si, sj, "b", "b", sqrt_s, cos)
        new = np.sum(H.abs2(amp), axis=(-4, -3, -2, -1))[0]
        p1, p2, k1, k2 = H.cm_momenta(sqrt_s, si.mass, sj.mass, smc.mass["b"], smc.mass["b"], cos)
        q = p1 + p2
        s = H.dot(q, q)[0]
        zl, zr = sector.z.left[b, a], sector.z.right[b, a]
        gl, gr = smc.z_chiral("b")
        y = np.asarray(sector.higgs.fermion)[b, a]
        m1, m2, m3 = abs(si.mass), abs(sj.mass), smc.mass["b"]
        bwz = 1 / (s - smc.m_z**2 + 1j * smc.m_z * smc.gamma_z)
        bwh = 1 / (s - smc.m_h**2 + 1j * smc.m_h * smc.gamma_h)
        for n in range(cos.size):
            # M = −g_Z² BW_Z [v̄₂ γ^μ Γ_Z u₁] N_μν [ū₃ γ^ν Γ_f v₄] + (m_b/v) BW_h [v̄₂ Γ_h u₁][ū₃ v₄]
            numerator = metric - np.outer(metric @ q[0, n], metric @ q[0, n]) / smc.m_z**2
            pieces = [(-smc.g_z2 * bwz[n] * numerator[mu, nu], H.GAMMA[mu] @ (zl * H.PL + zr * H.PR),
                       H.GAMMA[nu] @ (gl * H.PL + gr * H.PR)) for mu in range(4) for nu in range(4)
                      if numerator[mu, nu] != 0]
            pieces.append((m3 / smc.vev * bwh[n], y * H.PL + np.conj(y) * H.PR, H.ONE))
            ini = (H.slash(p1[0, n]) + m1 * H.ONE, H.slash(p2[0, n]) - m2 * H.ONE)
            fin = (H.slash(k1[0, n]) + m3 * H.ONE, H.slash(k2[0, n]) - m3 * H.ONE)
            trace = sum(ck * np.conj(cl) * np.trace(dk @ ini[0] @ barred(dl) @ ini[1])
                        * np.trace(fk @ fin[1] @ barred(fl) @ fin[0])
                        for ck, dk, fk in pieces for cl, dl, fl in pieces)
            assert abs(new[n] - trace.real) <= 1e-9 * abs(trace.real)


@pytest.mark.parametrize("make", [f_ib_card, lambda: coannihilating(f_ib_card()), charged_dirac_portal])
def test_stacked_final_states_equal_one_at_a_time(make):
    """annihilation.fermion_pair_to_fermion_pairs (the f f̄ and, for charged pairs, the W-partner
    final states of a pair as rows of one array) against fermion_pair_to_fermions called final
    state by final state, on √s from below the lightest threshold to far above, so rows open at
    different nodes per final state (t t̄ and t b̄ open late)."""
    sector = make()
    smc = A.SMCouplings.from_sm(SM)
    species = [s for s in relic.dark_species(sector) if s.kind == "F"]
    compared = 0
    for si in species:
        for sj in species:
            if not (si.particle_like and sj.anti_like):
                continue
            threshold = si.mass + sj.mass
            sqrt_s = threshold * np.concatenate([[0.99], 1 + np.geomspace(1e-5, 3.0, 12)])
            sqrt_s = np.sort(np.append(sqrt_s, [2 * smc.mass["t"] * (1 + 1e-3), smc.m_z, smc.m_h]))
            charge = round(si.charge + sj.charge)
            if charge == 0:
                groups = [[(f, f) for f in SM_FERMIONS]]
            else:  # the pair's charge fixes the orientation: Q_f − Q_f' = Q_i + Q_j
                groups = [[(f, fp) for f, fp in A.W_PARTNER.items()
                           if round(A.SM_CHARGE[f] - A.SM_CHARGE[fp]) == charge]]
            for finals in groups:
                stacked = A.fermion_pair_to_fermion_pairs(sector, smc, si, sj, finals, sqrt_s)
                for f, fp in finals:
                    one = A.fermion_pair_to_fermions(sector, smc, si, sj, f, fp, sqrt_s)
                    np.testing.assert_allclose(stacked[f, fp], one, rtol=1e-12, atol=0)
                    compared += bool(np.any(one))
    assert compared > 0


@pytest.mark.parametrize("make", [f_ib_card, lambda: card_sector("F_IIb"),
                                  lambda: coannihilating(f_ib_card()),
                                  charged_dirac_portal])
def test_fermion_pair_helicities_equal_the_dirac_chain(make):
    """F F → two bosons in Weyl blocks (nodes last) against the 4×4 Dirac chain v̄ Γ u of
    bosons.fermion_pair_amplitude (an independent route: Dirac matrices and the full
    propagators multiplied out, then sandwiched), every pair and final state, near threshold,
    above it and on the Z and h poles when open, on both angular rules."""
    sector = make()
    g = B.Gauge.from_sm(SM)
    cp = B.Couplings(sector, g, SM.s2w)
    fermions = [s for s in relic.dark_species(sector) if s.kind == "F"]
    compared = 0
    for p in fermions:
        for q in fermions:
            start, end = pairs.flow_states(p, q)
            for X, Y in B.FINAL_STATES.get(round(p.charge + q.charge), ()):
                threshold = max(p.mass + q.mass, g.mass(X) + g.mass(Y))
                roots = [threshold * (1 + 1e-4), threshold * 1.3, 3 * threshold]
                roots += [m for m in (g.m_z, g.m_h) if m > threshold]
                sqrt_s = np.array(roots)
                for cos in (A._COS, A._COS_SLOW):
                    old = B._sandwich_fermions(
                        *B.fermion_pair_amplitude(cp, start, end, X, Y, sqrt_s, cos))
                    # (s₂, λ_Y, s₁, λ_X, √s, cos θ) → the old (√s, cos θ, λ_X, λ_Y, s₂, s₁)
                    new = np.transpose(B.fermion_pair_helicities(cp, start, end, X, Y, sqrt_s, cos),
                                       (4, 5, 3, 1, 0, 2))
                    assert new.shape == old.shape
                    scale = np.max(np.abs(old), axis=(1, 2, 3, 4, 5), keepdims=True)
                    deviation = np.abs(new - old) / np.where(scale > 0, scale, 1.0)
                    assert np.all(deviation <= 1e-12), (p.name, q.name, X, Y, np.max(deviation))
                    compared += bool(np.any(scale > 0))
    assert compared > 0
