"""The engine's speed-ups change no coefficient: the shipped cards and degenerate points against
the values of the engine before them.

tests/data/engine_reference.json holds the Wilson coefficients that bridge computed at commit
b700f03 (the engine and loop functions before the speed-ups of issue 12) for the points of
:func:`reference_points`: each shipped card, and for every pair of mass entries of each model
the two masses equal or split by 1e-12 ... 0.5 relative (exact and near degeneracies, at and
around the switch of the loop functions' series), and all masses equal. It was written by this
file run as a script with that commit first on the path:

    PYTHONPATH=<checkout of b700f03> python tests/test_engine_speedups.py --write

Each coefficient must agree to 1e-12 relative — of itself, or where it is a cancellation of
larger terms, of the size of those terms, which bounds what the engine can know of it before
or after any change of rounding: a dipole coefficient against the same sum with every term's
modulus (the scotogenic card tunes C_γ^{μe} to cancel, seed 001), any other against the
largest coefficient of the same operator (C9 of ee against C9 of μμ; the scotogenic boxes of
ν_e ν̄_e cancel between the two real components of η⁰). Where a box coefficient misses this
bound it may still be rounding of cancelling topologies (a Majorana mediator at M_S = M_F, where
F + 2G = 0): it then passes within k ε S, S the sum of the topologies' moduli
(:func:`box_scale`, the bound of tests/test_batch_speedups.py, k = 256).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "engine_reference.json"
CARDS = {"F_Ib": "cards/F_Ib.slha", "F_IIb": "cards/F_IIb.slha", "scotogenic": "cards/scotogenic.slha"}
MASSES = {"F_Ib": (1, 2, 3, 4), "F_IIb": (1, 2, 3, 4), "scotogenic": (1, 2, 3, 4, 5)}
SPLITS = (0.0, 1e-12, 1e-8, 1e-4, 0.05, 0.29, 0.31, 0.5)
RTOL = 1e-12
DIPOLES = ("C7_bs", "C7p_bs", "C8_bs", "C8p_bs", "C7_ee", "C7_mumu", "C7_tautau", "Cgamma_mue", "Cgamma_emu")


def reference_points(name: str, card: dict) -> list[dict]:
    """MINPAR values of the points: the card, pairs of masses equal or split, all equal."""
    base = {k: float(v) for k, v in card["MINPAR"].items()}
    points = [dict(base)]
    ms = MASSES[name]
    for i, a in enumerate(ms):
        for b in ms[i + 1:]:
            for split in SPLITS:
                p = dict(base)
                p[b] = p[a] * (1 + split)
                points.append(p)
    for split in SPLITS:
        p = dict(base)
        for k, m in enumerate(ms):
            p[m] = 700.0 * (1 + split * (k % 2))
        points.append(p)
    return points


def coefficients(name: str) -> list[dict]:
    """{coefficient: (re, im)} at each reference point (point by point: bridge.pipeline.evaluate)."""
    from bridge.pipeline import evaluate
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, info, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    out = []
    for p in reference_points(name, {b: dict(inputs[b]) for b in inputs}):
        ev = evaluate(model, inputs.with_values({"MINPAR": p}), sm, info=info)
        out.append({k: [complex(v).real, complex(v).imag] for k, v in ev.coefficients.items()})
    return out


def family_of(name: str) -> tuple[str, bool]:
    """Coefficients of the same operator: C9_bsee, C9_bsmumu, ... (quark or lepton sector)."""
    return name.split("_")[0], "_bs" in name


#: flavio's neutrino names in CL_bs{X}{Y} (the operator ν̄_Y … ν_X)
_NU = {"nue": "nu_e", "numu": "nu_mu", "nutau": "nu_tau"}


def box_pairs(name: str):
    """(quark chirality, [(lepton chirality, ℓ̄, ℓ)]) of the boxes in a b→sℓℓ/νν coefficient,
    None for other coefficients."""
    head, _, rest = name.partition("_bs")
    if head in ("C9", "C10", "C9p", "C10p") and rest in ("ee", "mumu", "tautau"):
        lep = rest[: len(rest) // 2]
        return ("R" if head.endswith("p") else "L"), [(y, lep, lep) for y in "LR"]
    if head in ("CL", "CR"):
        for x in _NU:
            for y in _NU:
                if rest == x + y:
                    return ("L" if head == "CL" else "R"), [("L", _NU[y], _NU[x])]
    return None


def box_scale(ev, name: str, sm) -> float:
    """S = Σ |topology| of the boxes in a coefficient (FD, FX, SD, SX of bridge.engine's
    table, each summed on its own), in the coefficient's normalisation: the boxes of a Majorana
    mediator at M_S = M_F (F + 2G = 0) or of the two real components of η⁰ cancel to the
    rounding of these pieces, which no evaluation order fixes (the bound k ε S of
    tests/test_batch_speedups.py)."""
    from bridge import engine, matching

    sector = ev.sector
    chir, boxes = box_pairs(name)
    total = 0.0
    for y, lep_bar, lep in boxes:
        qs, qb = engine._quark_couplings(sector, chir)
        side = sector.l if y == "L" else sector.r
        couplings = (qs, qb, side(lep_bar), side(lep))
        if not sector.has(*couplings):
            continue
        fq, sq = engine._support(sector, qs, qb)
        fl, sl = engine._support(sector, *couplings[2:])
        fb, sb = tuple(a for a in fq if a in fl), tuple(a for a in sq if a in sl)
        same = chir == y
        if fb:
            for topo in ("FD", "FX"):
                total += abs(engine._box_topology(sector, topo, same, couplings, fb, fb, sq, sl))
        if sb:
            for topo in ("SD", "SX"):
                total += abs(engine._box_topology(sector, topo, same, couplings, fq, fl, sb, sb))
    return total / (16 * math.pi**2) / abs(2 * matching.n_f(sm))


def term_scale(ev, name: str, sm) -> float:
    """Σ |terms| of a dipole coefficient (the sum of bridge.engine.dipole with every term's
    modulus), in the coefficient's normalisation."""
    from bridge import engine

    sector = ev.sector
    lepton = {"C7_ee": ("e", "e"), "C7_mumu": ("mu", "mu"), "C7_tautau": ("tau", "tau"),
              "Cgamma_mue": ("e", "mu"), "Cgamma_emu": ("mu", "e")}
    quark = {"C7_bs": ("photon", "R"), "C7p_bs": ("photon", "L"), "C8_bs": ("gluon", "R"),
             "C8p_bs": ("gluon", "L")}
    masses = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau, "s": sm.m_s, "b": sm.m_b}
    if name in lepton:
        f_out, f_in, gauge, chir = *lepton[name], "photon", "R"
    else:
        f_out, f_in, (gauge, chir) = "s", "b", quark[name]
    _, _, mult = engine._gauge_charges(sector, gauge, f_out, f_in)
    no_flip, flip = (np.abs(k) for k in sector.dipole_kernels(gauge, mult))
    lo, ro, li, ri = (np.abs(c) for c in (sector.l(f_out), sector.r(f_out), sector.l(f_in), sector.r(f_in)))
    if chir == "L":
        lo, ro, li, ri = ro, lo, ri, li
    m_out, m_in = masses[f_out], masses[f_in]
    terms = (lo * li * m_in + ro * ri * m_out) * no_flip + lo * ri * flip
    value = float(np.sum(terms)) / (64 * math.pi**2)
    full = complex(ev.coefficients.get(name, 0j))
    c_r = engine.dipole(sector, f_out, f_in, m_out, m_in, gauge)[0 if chir == "R" else 1]
    return value * abs(full / complex(c_r)) if c_r != 0 else 0.0


@pytest.mark.parametrize("name", list(CARDS))
def test_coefficients_equal_the_engine_before_the_speedups(name):
    from bridge.pipeline import evaluate
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    reference = json.loads(REFERENCE.read_text())[name]
    got = coefficients(name)
    assert len(got) == len(reference) > 50
    sm = cached_sm_inputs({})
    _, model, info, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    points = reference_points(name, {b: dict(inputs[b]) for b in inputs})
    worst = 0.0
    for k, (ref, new) in enumerate(zip(reference, got, strict=True)):
        # coefficients added since (b→d, s→d, up quarks, LFV) are tested in test_flavour.py
        # and test_lfv.py; every one the reference has must be there and equal
        assert set(ref) <= set(new), k
        ev = None
        family: dict = {}
        for c, (re, im) in ref.items():
            key = family_of(c)
            family[key] = max(family.get(key, 0.0), abs(complex(re, im)))
        for c, (re, im) in ref.items():
            r, v = complex(re, im), complex(*new[c])
            scale = abs(r)
            rounding = 0.0
            if c not in DIPOLES:
                scale = max(scale, family[family_of(c)])
                if abs(v - r) > RTOL * scale and box_pairs(c):
                    if ev is None:
                        ev = evaluate(model, inputs.with_values({"MINPAR": points[k]}), sm, info=info)
                    rounding = 256 * 2.2e-16 * box_scale(ev, c, sm)
            elif abs(v - r) > RTOL * scale:
                if ev is None:
                    ev = evaluate(model, inputs.with_values({"MINPAR": points[k]}), sm, info=info)
                scale = max(scale, term_scale(ev, c, sm))
            assert abs(v - r) <= RTOL * scale + rounding, (name, k, points[k], c, r, v)
            worst = max(worst, max(abs(v - r) - rounding, 0.0) / scale if scale else 0.0)
    assert worst < RTOL



def test_shared_evaluations_equal_the_single_loop_functions():
    """loops.box_integrals, dd2_pair, dipole_functions and penguin_functions (one evaluation
    for several functions) give the values of the functions called one by one, at split,
    near-degenerate (series) and degenerate points."""
    from bridge import loops

    rng = np.random.default_rng(3)
    base = rng.uniform(0.1, 5.0, 40)
    split = np.concatenate([base, base, base * (1 + 1e-9), base * 1.2])
    args = [np.concatenate([rng.uniform(0.1, 5.0, 40), base, base * (1 + 1e-7), base * (1 + 0.1 * k)])
            for k in range(1, 4)]
    i2, i1 = loops.box_integrals(split, *args)
    np.testing.assert_array_equal(i2, loops.box_I2(split, *args))
    np.testing.assert_array_equal(i1, loops.box_I1(split, *args))
    u2, u1 = loops.dd2_pair(split, *args[:2])
    np.testing.assert_array_equal(u2, loops.dd2_u2logu(split, *args[:2]))
    np.testing.assert_array_equal(u1, loops.dd2_ulogu(split, *args[:2]))
    x = np.concatenate([rng.uniform(0.01, 50.0, 40), 1 + rng.uniform(-1e-3, 1e-3, 20), [1.0]])
    singles = (loops.f_N1, loops.f_C1, loops.f_N2, loops.f_C2)
    for got, fn in zip(loops.dipole_functions(x), singles, strict=True):
        np.testing.assert_array_equal(got, fn(x))
    for got, fn in zip(loops.penguin_functions(x), (loops.j_S, loops.j_F), strict=True):
        np.testing.assert_array_equal(got, fn(x))


def test_delta_a_split_equals_the_sectors_with_one_chirality(sm):
    """engine.delta_a_split: its LL (RR) part is Δa_μ of the sector keeping only the l (r)
    couplings of the muon, computed from scratch (new sectors), the total that of the sector."""
    from bridge.engine import DarkFermion, DarkScalar, DarkSector, delta_a_lepton, delta_a_split

    fermions = (DarkFermion("F1", 700.0, 0.0), DarkFermion("F2", 950.0, -1.0))
    scalars = (DarkScalar("S1", 600.0, -1.0), DarkScalar("S2", 1200.0, 0.0))
    left = {"mu": np.array([[0.9 + 0.2j, 0.0], [0.0, 0.5j]])}
    right = {"mu": np.array([[0.05, 0.0], [0.0, -0.4]])}
    sector = DarkSector(fermions, scalars, left, right)
    total, ll, rr = delta_a_split(sector, "mu", sm.m_mu)
    assert total == delta_a_lepton(sector, "mu", sm.m_mu)
    only_l = delta_a_lepton(DarkSector(fermions, scalars, left, {}), "mu", sm.m_mu)
    only_r = delta_a_lepton(DarkSector(fermions, scalars, {}, right), "mu", sm.m_mu)
    assert ll == pytest.approx(only_l, rel=1e-14) and rr == pytest.approx(only_r, rel=1e-14)
    assert abs(total - ll - rr) > abs(ll) + abs(rr)  # the chirally enhanced part dominates


def _batched_sector(n: int = 5):
    """F_Ib's sector (the shipped card) at n points of (M_Ψ, M_Ψ'): Majorana and Dirac fermions,
    coloured and lepton-side scalars, Z couplings (every kind of array the engine caches);
    a fresh sector (fresh caches) each call."""
    from bridge.model import BatchInputs
    from bridge.pipeline import spectrum
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    _, model, _, inputs, _, _ = load_point(str(ROOT / CARDS["F_Ib"]))
    blocks = {b: dict(inputs[b]) for b in inputs}
    blocks["MINPAR"][1] = np.linspace(150.0, 900.0, n)
    blocks["MINPAR"][2] = np.linspace(1200.0, 400.0, n)
    return spectrum(model, BatchInputs(blocks, n, inputs.source), cached_sm_inputs({}), batch=True).sector


def test_cached_engine_arrays_are_read_only(sm):
    """Every array the sector hands out from a cache is read only: a caller writing into one
    gets an error instead of changing what every later coefficient of the sector uses."""
    from bridge import engine, matching

    sector = _batched_sector()
    matching.quark_coefficients(sector, sm)
    matching.lepton_dipoles(sector, sm)
    handed_out = {
        "m_fermion": sector.m_fermion, "m_scalar": sector.m_scalar, "kappa": sector.kappa,
        "rho": sector.rho, "coupled": sector.coupled, "mask": sector.mask(sector.l("mu")),
        "dipole_functions": sector.dipole_functions[0],
        "dipole_kernels": sector.dipole_kernels("photon", 1.0)[1],
        "box_tensors": sector.box_tensors((0, 1), (0, 1), (0,), (1,))[0],
        "block": sector.block(sector.l("mu"), (0, 1), (1,), conj=True),
        "times_conj": sector.times_conj(sector.l("mu"), sector.r("mu")),
    }
    handed_out.update({f"z_function_{k}": v for k, v in
                       enumerate(next(iter(sector.__dict__["_z_function_cache"].values())))})
    handed_out["photon_kernel"] = next(iter(sector.__dict__["_photon_kernel_cache"].values()))
    handed_out["box_kernel"] = next(iter(sector.__dict__["_box_kernel_cache"].values()))
    for name, array in handed_out.items():
        assert isinstance(array, np.ndarray) and array.size, name
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
    # and the results still equal a fresh sector's (nothing above reached a cache)
    again = matching.quark_coefficients(_batched_sector(), sm)
    for k, v in matching.quark_coefficients(sector, sm).items():
        assert np.array_equal(v, again[k]), k
    assert engine.box_bsbs(sector, "L").shape == (5,)


def test_dipole_kernel_cache_tells_shapes_apart():
    """dipole_kernels is cached per multiplicity: two multiplicities with the same bytes but
    different shapes (a factor per scalar, (nS,), or per fermion, (nF, 1)) are different
    kernels; asked one after the other each equals the one a fresh sector gives (before the
    fix the second came back as the first: the key held the bytes only)."""
    nf, ns = 4, 4
    per_scalar = np.array([1.0, 3.0, 8.0, 3.0])  # broadcasts along the scalars
    per_fermion = per_scalar.reshape(nf, 1)  # the same bytes, along the fermions
    assert per_scalar.tobytes() == per_fermion.tobytes() and ns == nf
    fresh = [_batched_sector().dipole_kernels("photon", m) for m in (per_scalar, per_fermion)]
    sector = _batched_sector()
    first = sector.dipole_kernels("photon", per_scalar)
    second = sector.dipole_kernels("photon", per_fermion)
    for got, want in zip((first, second), fresh, strict=True):
        for a, b in zip(got, want, strict=True):
            assert np.array_equal(a, b)
    assert not np.array_equal(first[0], second[0])


def test_box_tensors_of_one_kind_equal_both():
    """A box block asked for I2 or I1 alone (a class-S box reads I2 only) holds the numbers of
    the block asked for both, bit for bit, in a batch (loops.box_I2, box_I1 against
    box_integrals) and for one point (slices of the full tensors); the other kind stays None
    until asked for."""
    block = ((0, 1), (0, 1), (0,), (1,))
    both = _batched_sector().box_tensors(*block)
    sector = _batched_sector()
    i2, i1 = sector.box_tensors(*block, ("I2",))
    assert i1 is None and np.array_equal(i2, both[0])
    i2_again, i1 = sector.box_tensors(*block, ("I1",))
    assert i2_again is i2 and np.array_equal(i1, both[1])
    other = _batched_sector()
    assert other.box_tensors(*block, ("I1",))[0] is None
    assert np.array_equal(other.box_tensors(*block, ("I1",))[1], both[1])
    from bridge.engine import DarkSector

    one = _batched_sector()  # its point 2 alone
    point = DarkSector(
        [type(f)(f.name, float(f.mass[2]), f.charge, f.majorana, f.colour) for f in one.fermions],
        [type(s)(s.name, float(s.mass[2]), s.charge, s.colour, s.real) for s in one.scalars],
        {k: v[2] for k, v in one.left.items()}, {k: v[2] for k, v in one.right.items()})
    p2, p1 = point.box_tensors(*block, ("I2",))
    assert p1 is None and np.array_equal(p2, both[0][2])
    assert np.array_equal(point.box_tensors(*block)[1], both[1][2])


def test_nonzero_mask_equals_numpy():
    """DarkSector.mask's test of a coupling table (real and imaginary parts as one float array)
    gives np.any(c != 0) over the batch: random tables with zero rows, columns and −0.0 parts."""
    from bridge.engine import _nonzero_anywhere

    rng = np.random.default_rng(12)
    # batches below, at and above whole blocks of rows (engine._ROW_BLOCK = 64) and their tails
    for shape in ((5, 3, 4), (1, 2, 2), (0, 3, 2), (7, 1, 1), (3, 2, 4, 3), (3, 4), (64, 3, 2),
                  (65, 2, 2), (130, 1, 3), (200, 2, 3), (2, 64, 2, 2)):
        for trial in range(40):
            c = (rng.integers(-1, 2, shape) * rng.random(shape)
                 + 1j * rng.integers(-1, 2, shape) * rng.random(shape))
            c[rng.random(shape) < (0.5 if trial % 2 else 0.995)] = 0  # sparse: a lone non-zero
            if trial % 5 == 2 and c.size:
                c.flat[rng.integers(c.size)] = complex(0.0, np.nan)
            if trial % 3 == 0:
                c = c * -0.0
            if trial % 4 == 1:
                c = np.real(c) + 1j * np.copysign(0.0, -np.abs(np.imag(c)))  # −0.0 imaginary parts
            axes = tuple(range(c.ndim - 2))
            assert np.array_equal(_nonzero_anywhere(c), np.any(c != 0, axis=axes)), (shape, trial)
            assert np.array_equal(_nonzero_anywhere(np.asfortranarray(c)), np.any(c != 0, axis=axes))
            assert np.array_equal(_nonzero_anywhere(c.real.copy()), np.any(c.real != 0, axis=axes))


def test_take_c_order_equals_the_fancy_cut_made_contiguous():
    """engine._take_c_order (one gather of the block's columns) against
    np.ascontiguousarray(_take(...)): values, dtype, shape and C layout, for batches and single
    points, complex and real, C-contiguous and not (the fallback), blocks in any index order."""
    from bridge.engine import _take, _take_c_order

    rng = np.random.default_rng(9)
    for shape in ((7, 3, 4), (4096, 4, 6), (2, 5, 3, 2), (3, 2)):
        c = rng.normal(size=shape) + 1j * rng.normal(size=shape)
        c[..., 0, 1] = complex(-0.0, np.nan)
        nf, ns = shape[-2:]
        for arr in (c, c.real.copy(), np.asfortranarray(c), c[..., ::-1, :]):
            for fermions, scalars in (((0,), (1,)), (tuple(range(nf - 1)), (ns - 1, 0)),
                                      ((nf - 1, 0), tuple(range(ns)))):
                want = np.ascontiguousarray(_take(arr, fermions, scalars))
                got = _take_c_order(arr, fermions, scalars)
                assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
                assert np.array_equal(got, want, equal_nan=True)
                assert np.array_equal(np.signbit(got.real), np.signbit(want.real))


def test_any_rows_equals_numpy():
    """engine._any_rows (rows joined in blocks, then reduced) against np.any(x != 0, axis=0)."""
    from bridge.engine import _ROW_BLOCK, _any_rows

    rng = np.random.default_rng(5)
    for m in (0, 1, _ROW_BLOCK - 1, _ROW_BLOCK, _ROW_BLOCK + 1, 3 * _ROW_BLOCK + 7, 4096):
        for w in (1, 2, 24):
            for fill in (0.0, -0.0, np.nan):
                x = np.zeros((m, w))
                if m:
                    k = w // 2 + 1
                    x[rng.integers(m, size=k), rng.integers(w, size=k)] = fill if fill else 1.5
                x[:, 0] = -0.0
                assert np.array_equal(_any_rows(x), np.any(x != 0, axis=0)), (m, w, fill)


def test_coefficient_nonzero_equals_numpy():
    """matching._nonzero (a complex batch's parts as floats) against np.any(value != 0)."""
    from bridge.matching import _nonzero

    rng = np.random.default_rng(6)
    values = [0j, 1j, complex(-0.0, -0.0), complex(np.nan, 0.0), 0.0, np.zeros(3, complex)]
    for n in (1, 5, 4096):
        for part in ("real", "imag", "nan", "negzero", "none"):
            v = np.zeros(n, complex)
            k = rng.integers(n)
            v[k] = {"real": 2.0, "imag": 3j, "nan": complex(0, np.nan), "negzero": complex(-0.0, -0.0),
                    "none": 0}[part]
            values += [v, v[::2], np.zeros((2, n), complex) + v]
    for v in values:
        assert _nonzero(v) == bool(np.any(np.asarray(v) != 0)), v


def test_planned_mixing_boxes_join_the_first_box_call(sm, monkeypatch):
    """engine.plan_bsbs_boxes: the B_s-mixing boxes are evaluated in the semileptonic boxes'
    loops call (one loops._box_dd call for both instead of two on F_Ib's sector) and every
    coefficient is the same as without the plan, bit for bit."""
    from bridge import engine, loops, matching

    calls = []
    box_dd = loops._box_dd
    monkeypatch.setattr(loops, "_box_dd", lambda args, kinds: calls.append(kinds) or box_dd(args, kinds))
    plain = _batched_sector()
    want = {**matching.semileptonic(plain, sm), **matching.bs_mixing(plain)}
    unplanned_calls = len(calls)
    calls.clear()
    planned = _batched_sector()
    engine.plan_bsbs_boxes(planned)
    assert calls == [] and planned.__dict__["_box_pending"]
    got = {**matching.semileptonic(planned, sm), **matching.bs_mixing(planned)}
    assert unplanned_calls == 2 and len(calls) == 1
    assert not any(planned.__dict__["_box_pending"].values())
    assert want.keys() == got.keys()
    for k in want:
        assert np.array_equal(got[k], want[k]), k


def test_planned_boxes_of_other_kinds_wait_for_their_own():
    """Sets announced for I2 alone join the next evaluation of I2 alone, not one of both kinds;
    the values are those of a sector without the plan."""
    from bridge import loops

    blocks = (((0, 1), (0, 1), (0,), (2,)), ((3,), (3,), (2,), (2,)))  # distinct mass sets
    fresh = [_batched_sector().box_tensors(*b, ("I2",))[0] for b in blocks]
    sector = _batched_sector()
    sector.plan_box_tensors(*blocks[1], ("I2",))
    sector.box_tensors(*blocks[0])  # both kinds: the plan waits
    assert sector.__dict__["_box_pending"][("I2",)]
    sector.box_tensors(*blocks[0][:2], (2,), (2,), ("I2",))  # I2 alone: the planned sets join it
    assert not sector.__dict__["_box_pending"].get(("I2",))
    before = loops._box_dd
    try:
        loops._box_dd = None  # the planned block is cached: no evaluation
        got = sector.box_tensors(*blocks[1], ("I2",))[0]
    finally:
        loops._box_dd = before
    assert np.array_equal(got, fresh[1])
    assert np.array_equal(sector.box_tensors(*blocks[0], ("I2",))[0], fresh[0])


if __name__ == "__main__" and "--write" in sys.argv:
    REFERENCE.parent.mkdir(exist_ok=True)
    doc = {name: coefficients(name) for name in CARDS}
    REFERENCE.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"written {REFERENCE}")


def test_dipole_block_kernels_equal_the_cut_of_the_full_kernels():
    """DarkSector.dipole_block_kernels (the kernels placed straight from the coupled pairs on a
    block) against _take_c_order of dipole_kernels (the full (N, nF, nS) arrays cut back):
    values, signs of zeros, shape and C layout, for every block of F_Ib's batched sector (blocks
    holding all, some or none of the coupled pairs, indices in any order), both gauge bosons and
    multiplicities scalar and per pair; and a sector without any coupled pair."""
    import itertools

    from bridge.engine import DarkSector, _take_c_order

    sector = _batched_sector(7)
    nf, ns = len(sector.fermions), len(sector.scalars)
    coupled = sector.coupled
    assert coupled.any() and not coupled.all()
    mults = (1.0, np.arange(1.0, nf * ns + 1).reshape(nf, ns), np.array([1.0, 3.0, 8.0, 3.0][:ns]))
    blocks = [(f, s) for k in range(1, nf + 1) for f in itertools.permutations(range(nf), k)
              if len(f) < 3 or f == tuple(sorted(f))
              for s in itertools.chain.from_iterable(itertools.permutations(range(ns), j) for j in (1, 2))]
    blocks += [(tuple(range(nf)), tuple(range(ns)))]
    seen_empty = seen_part = False
    for gauge in ("photon", "gluon"):
        for mult in mults:
            full = sector.dipole_kernels(gauge, mult)
            for fs, sq in blocks:
                inside = coupled[np.ix_(fs, sq)]
                seen_empty |= not inside.any()
                seen_part |= inside.any() and not inside.all()
                got = sector.dipole_block_kernels(gauge, mult, fs, sq)
                for g, f in zip(got, full, strict=True):
                    want = _take_c_order(f, fs, sq)
                    assert g.shape == want.shape == (7, len(fs), len(sq)) and g.flags.c_contiguous
                    assert np.array_equal(g, want) and np.array_equal(np.signbit(g), np.signbit(want))
                    assert not g.flags.writeable
    assert seen_empty and seen_part
    empty = DarkSector(sector.fermions, sector.scalars, {}, {})
    assert not empty.coupled.any()
    for g in empty.dipole_block_kernels("photon", 1.0, (0, 1), (1,)):
        assert np.array_equal(g, np.zeros((7, 2, 1))) and not np.signbit(g).any()
