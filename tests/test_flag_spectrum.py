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


def _expected(mf, ms, extra, couplings, sm) -> list[bool]:
    """Each point and entry read one at a time (the documented conditions, no arrays)."""
    n = mf.shape[0]
    out = []
    for i in range(n):
        masses = [*mf[i], *ms[i], extra[i]]
        bad = any(not math.isfinite(m) or m <= 0 or m > sanity.MASS_MAX for m in masses)
        for a in range(mf.shape[1]):
            for s in range(ms.shape[1]):
                with np.errstate(invalid="ignore", divide="ignore"):
                    r = mf[i, a] / ms[i, s]
                if not (math.isfinite(r) and 1 / sanity.RATIO_MAX <= r <= sanity.RATIO_MAX):
                    bad = True
                for f, c in couplings.items():
                    size = abs(c[i, a, s])
                    if size > sanity.COUPLING_MAX:
                        bad = True
                    m_ext = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau}[f]
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
