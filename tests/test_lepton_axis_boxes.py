"""The b→sℓℓ / b→sνν boxes of all lepton flavours in one contraction (engine.semileptonic_boxes,
issue 12) against an independent slow route, the exact zeros it skips, and the cluster series
of bridge.loops against the point-by-point recursion it replaces.

The slow route sums the six topologies of box_semileptonic's table (arXiv:1608.07832 and
arXiv:1904.05890 structure, physics.md §4-§6) term by term in Python over a, b, A, B at each
point, with loops.box_I2 / loops.box_I1 called on the four masses: no einsum, no cached
kernels, no grouping of topologies. The topologies themselves are tested against an explicit
Wick contraction in tests/test_engine_topologies.py.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from models import SM

from bridge import engine, loops, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector

LOOP = 16 * math.pi**2
LEPTONS = ("e", "mu", "tau")
NUS = ("nu_e", "nu_mu", "nu_tau")
#: (X = Y, X ≠ Y) coefficient and loop tensor of each topology (box_semileptonic's table)
TABLE = {"FD": ((-0.25, "I2"), (-0.5, "I1")), "FX": ((0.5, "I1"), (0.25, "I2")),
         "SD": ((-0.25, "I2"), (-0.25, "I2")), "SX": ((0.25, "I2"), (0.25, "I2")),
         "M1": ((0.25, "I2"), (-0.5, "I1")), "M2": ((0.5, "I1"), (-0.25, "I2"))}


@functools.cache
def _tensors(ma, mb, mA, mB):
    """I2 and m_a m_b I1 of one mass set (physics.md §3), scalar calls of bridge.loops."""
    args = (ma**2, mb**2, mA**2, mB**2)
    return {"I2": float(loops.box_I2(*args)), "I1": ma * mb * float(loops.box_I1(*args))}


def slow_box(mf, ms, maj, real, qs, qb, xb, x, same: bool) -> complex:
    """16π²-free C (GeV⁻²) of one box at one point, the table summed term by term."""
    total = 0j
    nf, ns = len(mf), len(ms)
    for a in range(nf):
        for b in range(nf):
            for A in range(ns):
                for B in range(ns):
                    tensors = _tensors(mf[a], mf[b], ms[A], ms[B])
                    cs = np.conj
                    coup = {"FD": qs[a, A] * cs(qb[b, A]) * xb[b, B] * cs(x[a, B]),
                            "FX": qs[a, A] * cs(qb[b, A]) * xb[a, B] * cs(x[b, B]) * maj[a] * maj[b],
                            "SD": qs[a, A] * cs(qb[a, B]) * xb[b, B] * cs(x[b, A]),
                            "SX": qs[a, A] * cs(qb[a, B]) * xb[b, A] * cs(x[b, B]) * real[A] * real[B],
                            "M1": qs[a, A] * cs(qb[b, B]) * xb[b, A] * cs(x[a, B]) * real[A] * real[B],
                            "M2": qs[a, A] * cs(qb[b, B]) * xb[a, B] * cs(x[b, A]) * maj[a] * maj[b]}
                    for name, c in coup.items():
                        if c == 0:
                            continue
                        coeff, kind = TABLE[name][0 if same else 1]
                        total += coeff * tensors[kind] * c
    return total / LOOP


def _sector(kind: str, n: int, phases: bool, seed: int = 5) -> DarkSector:
    """A batch of ``n`` points. kind "F": Majorana singlets N1, N2 couple to quarks (through a
    coloured scalar), to the ν's (through a real and a complex neutral scalar) and to μ (through
    a charged scalar): two lepton groups of other supports; e couples right-handed to a charged
    fermion the quarks do not see (a box computed as zero). kind "S": a coloured fermion couples
    to quarks through a real and a complex neutral scalar, the ν's through a Majorana fermion
    and μ through a charged one (two groups). τ couples to nothing (exact zeros, skipped)."""
    rng = np.random.default_rng(seed)

    def mass(lo, hi):
        return rng.uniform(lo, hi, n)

    def coupling(shape):
        c = rng.uniform(0.2, 1.0, (n, *shape))
        return c * np.exp(1j * rng.uniform(-np.pi, np.pi, (n, *shape))) if phases else c

    if kind == "F":
        fermions = (DarkFermion("N1", mass(300, 900), 0.0, True),
                    DarkFermion("N2", mass(300, 900), 0.0, True), DarkFermion("C", mass(300, 900), -1.0))
        scalars = (DarkScalar("Sq", mass(800, 1500), -1 / 3, colour=3),
                   DarkScalar("S0", mass(200, 700), 0.0, real=True),
                   DarkScalar("Sc", mass(200, 700), 0.0), DarkScalar("Sm", mass(200, 700), -1.0))
        left, right = {}, {}
        for q in ("s", "b"):
            c = np.zeros((n, 3, 4), complex)
            c[:, :2, 0] = coupling((2,))
            left[q] = c
        for nu in NUS:
            c = np.zeros((n, 3, 4), complex)
            c[:, :2, 1:3] = coupling((2, 2))
            left[nu] = c
        mu = np.zeros((n, 3, 4), complex)
        mu[:, :2, 3] = coupling((2,))  # N with the charged scalar: class F
        left["mu"] = mu
        right["mu"] = mu * 0.5
        e = np.zeros((n, 3, 4), complex)
        e[:, 2, 1:3] = coupling((2,))  # C with neutral scalars: no state shared with the quarks
        right["e"] = e
        return DarkSector(fermions, scalars, left, right)
    fermions = (DarkFermion("Psi_q", mass(800, 1500), -1 / 3, colour=3),
                DarkFermion("Psi_0", mass(200, 700), 0.0, True), DarkFermion("Psi_m", mass(200, 700), -1.0))
    scalars = (DarkScalar("R", mass(300, 900), 0.0, real=True), DarkScalar("Z", mass(300, 900), 0.0))
    left = {}
    for q in ("s", "b"):
        c = np.zeros((n, 3, 2), complex)
        c[:, 0, :] = coupling((2,))
        left[q] = c
    for lep, row in (("mu", 2), *((nu, 1) for nu in NUS)):
        c = np.zeros((n, 3, 2), complex)
        c[:, row, :] = coupling((2,))
        left[lep] = c
    return DarkSector(fermions, scalars, left, {"mu": 0.7 * left["mu"]})


def _point(sector: DarkSector, i: int):
    mf = np.array([np.broadcast_to(F.mass, sector.batch_shape)[i] for F in sector.fermions])
    ms = np.array([np.broadcast_to(S.mass, sector.batch_shape)[i] for S in sector.scalars])
    maj = [float(F.majorana) for F in sector.fermions]
    real = [float(S.real) for S in sector.scalars]
    return mf, ms, maj, real


@pytest.mark.parametrize("kind", ["F", "S"])
@pytest.mark.parametrize("phases", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("chiralities", [("L", "L"), ("L", "R")])
def test_lepton_axis_equals_the_slow_route(kind, phases, chiralities):
    """Every lepton pair (all 9 νν̄ pairs, the charged diagonal ones) against the term-by-term
    table at each point, and against box_semileptonic pair by pair; real and complex couplings."""
    n = 3
    sector = _sector(kind, n, phases)
    x_chir, y_chir = chiralities
    same = x_chir == y_chir
    side = sector.l if y_chir == "L" else sector.r
    qs, qb = sector.l("s"), sector.l("b")
    checked = 0
    for leptons, diagonal in ((LEPTONS, True), (NUS, False)):
        got = engine.semileptonic_boxes(sector, x_chir, y_chir, leptons, diagonal)
        for (i, j), value in got.items():
            per_pair = engine.box_semileptonic(sector, x_chir, y_chir, i, j)
            if value is None:  # skipped: a coupling vanishes over the whole batch
                assert not (sector.has(side(i)) and sector.has(side(j)))
                assert np.all(per_pair == 0)
                continue
            for p in range(n):
                slow = slow_box(*_point(sector, p), qs[p], qb[p], side(i)[p], side(j)[p], same)
                assert value[p] == pytest.approx(slow, rel=1e-12, abs=1e-16 * abs(slow) + 1e-30)
            np.testing.assert_allclose(value, per_pair, rtol=1e-12)
            checked += 1
    assert checked >= (10 if y_chir == "L" else 1)  # real contractions, not only skips


def test_zero_leptons_are_skipped_exactly():
    """τ has no coupling: its boxes are None, its coefficients exactly the penguins (bitwise),
    its box contributions exact zeros; e couples right-handed only: its LL box is None."""
    sector = _sector("F", 4, True)
    got = engine.semileptonic_boxes(sector, "L", "L", LEPTONS, True)
    assert got["tau", "tau"] is None and got["e", "e"] is None and got["mu", "mu"] is not None
    right = engine.semileptonic_boxes(sector, "L", "R", LEPTONS, True)
    assert np.array_equal(right["e", "e"], np.zeros(4, complex))  # computed: no shared state
    parts: dict = {}
    out = matching.semileptonic(sector, SM, parts)
    assert np.array_equal(parts["C9_bstautau_box"], np.zeros(4, complex))
    assert np.array_equal(out["C9_bstautau"], parts["C9_photon_penguin"] + parts["C9_Z_penguin"])
    assert np.array_equal(out["C10_bstautau"], parts["C10_Z_penguin"])
    # the muon's C10 box is (LR − LL)/(2 N_F) of the per-pair route
    two_nf = 2.0 * matching.n_f(SM)
    c_ll = engine.box_semileptonic(sector, "L", "L", "mu", "mu")
    c_lr = engine.box_semileptonic(sector, "L", "R", "mu", "mu")
    np.testing.assert_allclose(parts["C10_bsmumu_box"], (c_lr - c_ll) / two_nf, rtol=1e-12)


def test_a_point_alone_equals_the_point_in_a_batch():
    """The lepton-axis contraction of one point does not depend on its batch (to 1 ulp:
    einsum may order a length-1 batch's sums otherwise; asserted at 4 ulp of the value)."""
    batch = _sector("F", 7, True)
    alone = DarkSector(
        tuple(DarkFermion(F.name, np.asarray(F.mass)[3:4], F.charge, F.majorana) for F in batch.fermions),
        tuple(DarkScalar(S.name, np.asarray(S.mass)[3:4], S.charge, real=S.real, colour=S.colour)
              for S in batch.scalars),
        {f: c[3:4] for f, c in batch.left.items()}, {f: c[3:4] for f, c in batch.right.items()})
    for leptons, diagonal in ((LEPTONS, True), (NUS, False)):
        many = engine.semileptonic_boxes(batch, "L", "L", leptons, diagonal)
        one = engine.semileptonic_boxes(alone, "L", "L", leptons, diagonal)
        for key, value in many.items():
            if value is None:
                assert one[key] is None
                continue
            assert abs(one[key][0] - value[3]) <= 4 * np.spacing(abs(value[3]))


def test_mixed_topologies_go_the_general_route():
    """A state coupling to quarks and leptons on both lines (M1, M2) gives the per-pair value."""
    rng = np.random.default_rng(2)
    n = 3
    fermions = (DarkFermion("N1", rng.uniform(300, 900, n), 0.0, True),
                DarkFermion("N2", rng.uniform(300, 900, n), 0.0, True))
    scalars = (DarkScalar("R1", rng.uniform(300, 900, n), 0.0, real=True),
               DarkScalar("R2", rng.uniform(300, 900, n), 0.0, real=True))
    couplings = {f: rng.normal(size=(n, 2, 2)) + 1j * rng.normal(size=(n, 2, 2))
                 for f in NUS}
    sector = DarkSector(fermions, scalars, couplings, {})
    # neutral toy, (ν̄_e ν_μ) in the quark slots: every state on every vertex, all six topologies
    got = engine.semileptonic_boxes(sector, "L", "L", NUS, False, "nu_e", "nu_mu")
    for (i, j), value in got.items():
        np.testing.assert_allclose(value, engine.box_semileptonic(sector, "L", "L", i, j, "nu_e", "nu_mu"),
                                   rtol=1e-13)
        for p in range(n):
            slow = slow_box(*_point(sector, p), couplings["nu_e"][p], couplings["nu_mu"][p],
                            couplings[i][p], couplings[j][p], True)
            assert value[p] == pytest.approx(slow, rel=1e-11)


def _series_recursion(kinds, n, k_terms, dh, c):
    """The recursion the cluster series used before (point by point over the offsets, then term
    by term over k): h_k(d_0..d_v) = h_k(d_0..d_{v-1}) + d_v h_{k-1}(d_0..d_v)."""
    hk = np.zeros((k_terms, c.size))
    hk[0] = 1.0
    for d in dh:
        for k in range(1, k_terms):
            hk[k] += d * hk[k - 1]
    out = {}
    for kind in kinds:
        constants = loops._series_constants(kind, n, k_terms)
        total = constants[0] * hk[0]
        for k in range(1, k_terms):
            total += constants[k] * hk[k]
        if kind == "u2" and n == 2:
            total += np.log(c)
        out[kind] = total * c ** (2 - n if kind == "u2" else 1 - n)
    return out


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("k_terms", [1, 4, 10, loops._NTAYLOR])
def test_series_group_is_bitwise_the_recursion(n, k_terms):
    """The running-sum form of the cluster series gives the same bits as the recursion."""
    rng = np.random.default_rng(n * 100 + k_terms)
    c = rng.uniform(0.5, 2.0, 257)
    dh = rng.uniform(-0.13, 0.13, (n + 1, 257)) * rng.choice([0.0, 1e-9, 1e-3, 1.0], (1, 257))
    got = loops._series_group(("u2", "u1"), n, k_terms, dh, c, None)
    ref = _series_recursion(("u2", "u1"), n, k_terms, dh, c)
    for kind in ("u2", "u1"):
        assert np.array_equal(got[kind], ref[kind])


@pytest.mark.parametrize("card", ["F_Ib", "S_Ib", "scotogenic"])
def test_card_point_alone_equals_the_point_in_a_batch(card):
    """Every quark-side coefficient (b→s, b→d, s→d, meson mixing) of a point evaluated as a
    batch of one equals, bit for bit, the same point inside a batch of 37 (masses spread over
    the card's ranges, couplings with random phases)."""
    from pathlib import Path

    from bridge import pipeline
    from bridge.model import BatchInputs
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    path = Path(__file__).resolve().parents[1] / "cards" / f"{card}.slha"
    _, model, _, inputs, _, _ = load_point(str(path))
    rng = np.random.default_rng(8)
    n, k = 37, 5
    blocks = {b: dict(inputs[b]) for b in inputs}
    blocks["MINPAR"] = {key: float(v) * rng.uniform(0.5, 1.5, n) for key, v in inputs["MINPAR"].items()}
    for block in ("GAMMAQIN", "GAMMALIN", "GAMMAEIN"):
        for key, v in blocks.get(block, {}).items():
            blocks[block][key] = complex(v) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
    one = {b: {key: (v[k:k + 1] if np.ndim(v) else v) for key, v in table.items()}
           for b, table in blocks.items()}

    def coefficients(values, size):
        sector = pipeline.spectrum(model, BatchInputs(values, size, inputs.source), sm, batch=True,
                                   dark_matter_couplings=False).sector
        return {**matching.quark_coefficients(sector, sm, {}),
                **matching.down_quark_coefficients(sector, sm, {})}

    many, alone = coefficients(blocks, n), coefficients(one, 1)
    assert set(alone) <= set(many) and len(alone) > 10
    for key, value in many.items():
        assert alone.get(key, np.zeros(1))[0] == value[k], key
