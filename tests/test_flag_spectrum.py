"""sanity.flag_spectrum (the batch's pre-filter of points check_spectrum might refuse) against a
plain per-point, per-entry reading of its conditions: mass range, mass ratios, couplings above
4π, and a coupled pair too light for its external fermion (NaN entries included)."""

from __future__ import annotations

import math

import numpy as np

from bridge import sanity
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.model import Particle, Spectrum
from bridge.sm import cached_sm_inputs


def _expected(mf, ms, extra, couplings, sm, moduli=None) -> list[bool]:
    """Each point and entry read one at a time (the documented conditions, no arrays);
    ``moduli``: |c| per table, if not the scalar abs."""
    n = mf.shape[0]
    out = []
    for i in range(n):
        masses = [*mf[i], *ms[i], extra[i]]
        bad = any(not math.isfinite(m) or m <= 0 or m > sanity.MASS_MAX for m in masses)
        for a in range(mf.shape[1]):
            for s in range(ms.shape[1]):
                with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                    r = mf[i, a] / ms[i, s]
                if not (math.isfinite(r) and 1 / sanity.RATIO_MAX <= r <= sanity.RATIO_MAX):
                    bad = True
                for f, c in couplings.items():
                    size = abs(c[i, a, s]) if moduli is None else moduli[f][i, a, s]
                    if size > sanity.COUPLING_MAX:
                        bad = True
                    m_ext = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau, "d": sm.m_b}[f]
                    if m_ext > 0 and size > 0 and mf[i, a] + ms[i, s] <= m_ext:
                        bad = True
        out.append(bad)
    return out


def test_flag_spectrum_matches_a_per_point_reading():
    sm = cached_sm_inputs({})
    rng = np.random.default_rng(5)
    n, nf, ns = 400, 2, 3
    mf = rng.uniform(1.0, 500.0, (n, nf))
    ms = rng.uniform(1.0, 500.0, (n, ns))
    light = rng.random(n) < 0.1  # a pair below m_tau (not m_mu) for some points
    mf[light, 0], ms[light, 1] = 0.5, 1.0
    extra = rng.uniform(1.0, 500.0, n)  # a particle outside the sector (NaN, too heavy)
    extra[rng.random(n) < 0.02] = np.nan
    extra[rng.random(n) < 0.02] = 2 * sanity.MASS_MAX
    couplings = {}
    for f in ("e", "mu", "tau"):
        c = rng.normal(size=(n, nf, ns)) + 1j * rng.normal(size=(n, nf, ns))
        c *= rng.random((n, nf, ns)) < 0.6  # some entries zero
        c[rng.random(n) < 0.03, 0, 0] = 5.0 * math.pi  # above 4π
        c[rng.random(n) < 0.02, 1, 2] = np.nan
        couplings[f] = c
    c = couplings["tau"]
    c[rng.random(n) < 0.05, 1, 1] = np.nan
    c[rng.random(n) < 0.05, 1, 1] = 20.0
    # a NaN in one coupling must not hide another's large value at the same entry
    couplings["e"][:, 1, 1] = np.where(np.isnan(c[:, 1, 1]), 20.0, couplings["e"][:, 1, 1])
    sector = DarkSector(tuple(DarkFermion(f"F{a}", mf[:, a], 0.0) for a in range(nf)),
                        tuple(DarkScalar(f"S{s}", ms[:, s], -1.0) for s in range(ns)),
                        {k: couplings[k] for k in ("tau", "mu")}, {"e": couplings["e"]})
    particles = [Particle(1000 + k, p.name, p.mass) for k, p in enumerate(sector.fermions + sector.scalars)]
    particles.append(Particle(2000, "X", extra))
    got = sanity.flag_spectrum(Spectrum(particles, sector=sector), sm, n)
    want = _expected(mf, ms, extra, couplings, sm)
    assert 0 < sum(want) < n
    assert got.tolist() == want


def test_flag_spectrum_pre_filter_of_the_modulus_at_4pi():
    """The modulus is taken only for tables whose real and imaginary parts could reach 4π and
    external masses some pair is as light as: entries next to 4π on either side (real, on the
    diagonal Re = Im, one ulp apart), tables far below it, no light pair, a table with one NaN —
    every point as the per-entry reading with the table's modulus np.abs(c) (numpy's array
    modulus, which the batch takes, and the scalar one differ by an ulp on the diagonal:
    12.566370614359174 against 12.566370614359172 for 4π/√2 (1 + i), measured)."""
    sm = cached_sm_inputs({})
    rng = np.random.default_rng(7)
    n, nf, ns = 60, 1, 2
    mf = rng.uniform(100.0, 500.0, (n, nf))
    ms = rng.uniform(100.0, 500.0, (n, ns))  # no pair near an external mass
    limit = sanity.COUPLING_MAX
    edge = [limit, np.nextafter(limit, 0), np.nextafter(limit, 10),
            limit / math.sqrt(2) * (1 + 1j), np.nextafter(limit / math.sqrt(2), 0) * (1 + 1j),
            np.nextafter(limit / math.sqrt(2), 10) * (1 + 1j), -limit * 1j,
            np.nextafter(-limit, -10) * 1j, limit / math.sqrt(2) * (1 - 1e-13) * (1 - 1j)]
    couplings = {f: 0.1 * (rng.normal(size=(n, nf, ns)) + 1j * rng.normal(size=(n, nf, ns)))
                 for f in ("e", "mu", "tau")}
    couplings["mu"][: len(edge), 0, 1] = edge  # near 4π
    couplings["tau"][n - 1, 0, 0] = np.nan  # below 4π elsewhere: only a NaN
    sector = DarkSector(tuple(DarkFermion(f"F{a}", mf[:, a], 0.0) for a in range(nf)),
                        tuple(DarkScalar(f"S{s}", ms[:, s], -1.0) for s in range(ns)),
                        {k: couplings[k] for k in ("tau", "mu")}, {"e": couplings["e"]})
    extra = np.full(n, 10.0)
    particles = [Particle(1000 + k, p.name, p.mass) for k, p in enumerate(sector.fermions + sector.scalars)]
    particles.append(Particle(2000, "X", extra))
    got = sanity.flag_spectrum(Spectrum(particles, sector=sector), sm, n)
    want = _expected(mf, ms, extra, couplings, sm, {f: np.abs(c) for f, c in couplings.items()})
    assert 0 < sum(want[: len(edge)]) < len(edge) and not any(want[len(edge):])
    assert got.tolist() == want
    assert not sanity._may_exceed(couplings["e"], limit) and sanity._may_exceed(couplings["mu"], limit)
    assert sanity._may_exceed(couplings["tau"], limit)  # the NaN


def test_flag_spectrum_extreme_ratios_and_sparse_tables():
    """The per-point extreme ratios (max m_F/min m_S, min m_F/max m_S) and the lightest pair flag
    exactly the points of the per-pair, per-entry reading: ratios at 10⁴ and 10⁻⁴ and one ulp
    either side, an infinite mass, a ratio that overflows, pairs lighter than m_τ (coupled and
    not) and one at m_τ, tables whose only non-zero entries sit in one column (−0.0 elsewhere),
    a value above 4π and a NaN in a used entry, an all-zero table."""
    sm = cached_sm_inputs({})
    rng = np.random.default_rng(11)
    n, nf, ns = 300, 3, 2
    mf = rng.uniform(10.0, 900.0, (n, nf))
    ms = rng.uniform(10.0, 900.0, (n, ns))
    r = sanity.RATIO_MAX
    for k, (ratio, a, s) in enumerate([(r, 0, 0), (np.nextafter(r, 0), 1, 1), (np.nextafter(r, 2 * r), 2, 0),
                                       (1 / r, 0, 1), (np.nextafter(1 / r, 0), 1, 0),
                                       (np.nextafter(1 / r, 1), 2, 1)]):
        ms[k] = 1e3
        mf[k] = 1e3
        mf[k, a] = ratio * ms[k, s]  # the ratio as the batch computes it, give or take an ulp
    mf[10, 1] = np.inf
    ms[11, 0] = np.inf
    mf[12], ms[12] = 1e300, 1e-10  # the ratio overflows
    mf[30:36, 0], ms[30:33, 1], ms[33:36, 0] = 0.5, 1.0, 1.0  # light pairs: (0, 1) coupled to tau
    mf[36, 0], ms[36, 1] = 0.5, sm.m_tau - 0.5
    used = np.zeros((n, nf, ns), complex)
    used[:, :, 1] = rng.normal(size=(n, nf)) + 1j * rng.normal(size=(n, nf))
    used[:, :, 0] = -0.0
    used[20, 2, 1] = 5.0 * math.pi
    used[21, 0, 1] = complex(np.nan, 0.0)  # (a NaN coupling is not flagged here: it takes the full pass)
    small = np.zeros((n, nf, ns), complex)
    small[:, 1, 0] = 0.3 * rng.normal(size=n)
    tau = np.zeros((n, nf, ns), complex)
    tau[:, 0, 1] = 0.1 * rng.normal(size=n)
    couplings = {"e": used, "mu": small, "tau": tau, "d": np.zeros((n, nf, ns), complex)}
    sector = DarkSector(tuple(DarkFermion(f"F{a}", mf[:, a], 0.0) for a in range(nf)),
                        tuple(DarkScalar(f"S{s}", ms[:, s], -1.0) for s in range(ns)),
                        {"e": used, "tau": tau, "d": couplings["d"]}, {"mu": small})
    particles = [Particle(1000 + k, p.name, np.minimum(p.mass, 1e3))
                 for k, p in enumerate(sector.fermions + sector.scalars)]  # in range: the sector decides
    got = sanity.flag_spectrum(Spectrum(particles, sector=sector), sm, n)
    want = _expected(np.minimum(mf, 1e300), ms, np.full(n, 10.0), couplings, sm)
    assert all(want[10:13]) and any(want[:6]) and not all(want[:6]) and want[20]
    assert all(want[30:33]) and not any(want[33:36])
    assert got.tolist() == want
