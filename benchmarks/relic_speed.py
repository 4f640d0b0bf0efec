"""Relic density speed: one point (target ≤ 0.2 s) and a batch (10⁴ points in minutes).

Points (bridge.darkmatter.relic_density, after one warm-up call):

1. lepton portal — Majorana χ, charged scalar S⁻ coupled to μ_R, S⁻ outside the 20% window;
2. the same with S⁻ inside the window (coannihilation: S⁺S⁻ → f f̄ via γ, S⁺S⁻ → γγ);
3. Z portal — Majorana χ with an axial Z coupling near m_Z/2 (s-channel Z into all 12 fermions).

The batch timing runs ``relic_density_batch`` on N points of case 1 over a mass line and
extrapolates to 10⁴ points.

Usage: python benchmarks/relic_speed.py [--repeat 5] [--batch 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bridge.darkmatter import annihilation, relic_density, relic_density_batch
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings
from bridge.sm import SMInputs

SM = SMInputs(GF=1.1663787e-5, alpha_e_bsll=1 / 133.0, alpha_e_0=1 / 137.035999084, s2w=0.23121,
              m_W=80.377, m_Z=91.1876, m_e=0.000510999, m_mu=0.1056584, m_tau=1.77686, m_s=0.0935,
              m_b=4.18, m_t=172.69, lambda_t_re=-0.0405, lambda_t_im=0.00074)


def lepton_portal(m, M):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", M, -1.0),),
                      right={"mu": np.array([[1.0]])})


def z_portal(m):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", 500.0, -1.0),),
                      right={"mu": np.array([[0.8]])},
                      z=ZCouplings(np.array([[0.05]]), np.array([[-0.05]]), np.zeros((1, 1))))


def timed(fn, repeat):
    """Warm-up call (imports, table load), then timings with the spinor cache cleared so a
    repeat does not reuse the previous call's amplitudes."""
    fn()
    times = []
    for _ in range(repeat):
        annihilation._spinors_cached.cache_clear()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=40)
    args = ap.parse_args()
    cases = {"lepton portal, no coannihilation": lambda: relic_density(lepton_portal(100.0, 150.0), SM),
             "lepton portal, S- within 20%": lambda: relic_density(lepton_portal(100.0, 110.0), SM),
             "Z portal at m_Z/2 (13 channels)": lambda: relic_density(z_portal(45.0), SM)}
    for name, fn in cases.items():
        out, times = timed(fn, args.repeat)
        print(f"{name:36s} Omega h^2 = {out.omega_h2:.4g}  x_f = {out.x_f:.2f}  "
              f"time min/median/max = {min(times):.3f}/{statistics.median(times):.3f}/{max(times):.3f} s")
    masses = np.linspace(50.0, 500.0, args.batch)
    batch = DarkSector((DarkFermion("chi", masses, 0.0, majorana=True),),
                       (DarkScalar("S-", 1.5 * masses, -1.0),),
                       right={"mu": np.array([[1.0]])})
    t = time.perf_counter()
    out = relic_density_batch(batch, SM)
    dt = time.perf_counter() - t
    print(f"batch of {args.batch}: {dt:.2f} s ({dt / args.batch:.3f} s/point) -> 10^4 points ~ "
          f"{dt / args.batch * 1e4 / 60:.1f} min on one core; finite: {np.isfinite(out['omega_h2']).all()}")


if __name__ == "__main__":
    main()
