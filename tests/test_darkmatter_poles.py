"""The thermal average across the Z and h poles (issue 15): W_eff near a narrow s-channel
resonance, the nodes of freezeout.momentum_grid and the Breit–Wigner-shaped interpolation of
freezeout._thermal_kernel, against an adaptive quadrature of Edsjö & Gondolo's Eq. (3.3)
(hep-ph/9704361) and, for an F_Ib-plane point with χ just below m_h/2, Ωh² against all grids
four times as dense."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from models import SM
from scipy.integrate import quad
from scipy.special import kve
from test_darkmatter_reference import plane_point

from bridge.darkmatter import freezeout as fo
from bridge.darkmatter import relic

M_H, GAMMA_H = 125.1, 4.1e-3
M_Z, GAMMA_Z = 91.1876, 2.4952


def resonance(m1, mass, width, background):
    """A W(p) [dimensionless] of the shape the amplitudes give near an s-channel pole: a
    Breit–Wigner times a p-wave factor, plus a smooth non-resonant part that grows with s
    (for which W divided by the Breit–Wigner envelope is not linear in p²)."""
    def w(p):
        s = 4 * (p**2 + m1**2)
        bw = (mass * width) ** 2 / ((s - mass**2) ** 2 + (mass * width) ** 2)
        return 1e-3 * bw * (0.2 + p**2 / m1**2) + background * s / mass**2
    return w


def eg_average(x, m1, w, mass, width):
    """EG (3.3) for one species of g = 2, ⟨σv⟩ = ∫ dp p² W K₁(√s/T) / (m₁⁴ T K₂(x)²), by
    scipy's adaptive quadrature in √s, split at the pole core and its tails (an independent
    route: no nodes, no interpolation)."""
    T = m1 / x

    def integrand(rs):  # dp = (√s/4p) d√s
        p = math.sqrt(max(rs * rs / 4 - m1 * m1, 0.0))
        z = rs / T
        return p * rs / 4 * w(p) * kve(1, z) * math.exp(-(z - 2 * x))

    lo, hi = 2 * m1, 2 * m1 * math.sqrt(5.0)  # q ≤ 2, as the production grid
    cuts = sorted({lo, hi, *[c for c in (mass - 30 * width, mass - width, mass, mass + width,
                                         mass + 30 * width) if lo < c < hi]})
    total = sum(quad(integrand, a, b, limit=400, epsabs=0, epsrel=1e-11)[0]
                for a, b in itertools.pairwise(cuts))
    return total / (m1**4 * T * kve(2, x) ** 2)


@pytest.mark.parametrize("m1, mass, width", [
    (60.0, M_H, GAMMA_H),     # the h above threshold, 1.3 GeV of √s from it (p-wave weight)
    (57.7, M_H, GAMMA_H),     # the F_Ib-plane point of the last test
    (45.85, M_Z, GAMMA_Z),    # the Z 0.5 GeV below threshold: only its upper tail inside
    (41.0, M_Z, GAMMA_Z),     # the Z above threshold
], ids=["h 1.3 GeV", "h 10 GeV", "Z below threshold", "Z above threshold"])
def test_thermal_average_across_a_pole_against_adaptive_quadrature(m1, mass, width):
    """⟨σv⟩ at x = 15…30 with the production nodes of both poles and the kernel's Breit–Wigner
    interpolation: ≤ 5e-4 from the adaptive quadrature, for a resonance on a background."""
    poles = [(M_Z, GAMMA_Z), (M_H, GAMMA_H)]
    w = resonance(m1, mass, width, background=1e-9)
    p = fo.momentum_grid(m1, poles, [2 * m1])
    xs = np.array([15.0, 20.0, 25.0, 30.0])
    ours = fo.sigma_v(xs, m1, [m1], [2.0], p, w(p), poles)
    ref = np.array([eg_average(x, m1, lambda q: float(w(np.array(q))), mass, width) for x in xs])
    assert ours == pytest.approx(ref, rel=5e-4)


def test_the_grid_of_before_misses_the_narrow_h():
    """The nodes and interpolation of before issue 15 (32 pole nodes within ±14 Γ, no tail
    nodes, W linear in p² with no poles given to the kernel): the 1/(√s − M)² fall between
    14 Γ and the next base node is overestimated far beyond the tolerance above, so the
    comparison above can fail."""
    m1 = 60.0
    poles = [(M_Z, GAMMA_Z), (M_H, GAMMA_H)]
    w = resonance(m1, M_H, GAMMA_H, background=1e-9)
    p = fo.momentum_grid(m1, poles, [2 * m1], n_pole=32, tail_per_decade=0)
    ref = eg_average(20.0, m1, lambda q: float(w(np.array(q))), M_H, GAMMA_H)
    before = fo.sigma_v(np.array([20.0]), m1, [m1], [2.0], p, w(p))[0]
    assert abs(before / ref - 1) > 1e-2


def test_omega_just_below_half_the_higgs_mass_against_denser_grids(monkeypatch):
    """F_Ib plane point (M_Ψ, M_Ψ') = (64, 1500) GeV: χ at 57.7 GeV, b b̄ through the h. Before
    the pole tails and the envelope its Ωh² was 27% low and moved by 24% at 9× the grids;
    production against every grid of the thermal average 4× as dense (nodes per decade, per
    pole and on its tails, per threshold; kernel quadrature; points of the average): ≤ 1e-3.
    4× is converged: 8× moves Ωh² by 3e-5 more (benchmarks/relic_speed.py's dense)."""
    sector = relic.point(plane_point([(64.0, 1500.0)]), 0)
    production = relic.relic_density(sector, SM)
    assert production.mass == pytest.approx(57.66, abs=0.01)
    assert max(production.shares, key=production.shares.get).endswith("-> b b~")
    grid = fo.momentum_grid

    def dense(m1, poles=(), thresholds=(), q_max=2.0, **kw):
        return grid(m1, poles, thresholds, q_max, per_decade=72, n_pole=256,
                    n_threshold=4 * relic.N_THRESHOLD, tail_per_decade=4 * fo.TAIL_PER_DECADE)

    monkeypatch.setattr(fo, "momentum_grid", dense)
    for name in ("FINE_PER_UNIT", "POLE_QUADRATURE", "TAIL_QUADRATURE"):
        monkeypatch.setattr(fo, name, 4 * getattr(fo, name))
    monkeypatch.setattr(fo, "N_AVERAGE", 2 * fo.N_AVERAGE)
    converged = relic.relic_density(sector, SM).omega_h2
    assert production.omega_h2 == pytest.approx(converged, rel=1e-3)
