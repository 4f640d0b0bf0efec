"""Speed of the batched engine (bridge.engine) for both classes of arXiv:2104.03228.

For N points at once (a batched DarkSector, fresh caches each repetition) it times
``matching.quark_coefficients`` + ``matching.lepton_dipoles``, i.e. every box, penguin and
dipole, for

* class F: the F_Ib plugin's batched spectrum (Majorana singlet–doublet fermions, Φ_q, Φ_ℓ);
* class S: a toy with the field content of S_Ib and a split mediator — Ψ_q (3,2) as its two
  components, a lepton-side Dirac pair mixing (Ψ_ℓ⁻, Ψ'_ℓ⁻), a neutral Ψ_ℓ⁰, and Φ given as
  two real components Φ_R, Φ_I (so the scalar-mediated direct and crossed boxes both run);

and, for comparison, the same points one by one (unbatched sectors) on a subset.

Usage:  python benchmarks/engine_batch.py [N]      (default N = 20000)
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from bridge import matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.model import BatchInputs
from bridge.sm import SMInputs

SM = SMInputs(GF=1.1663787e-5, alpha_e_bsll=1 / 133.0, alpha_e_0=1 / 137.035999084, s2w=0.23121,
              m_W=80.379, m_Z=91.1876, m_e=0.000510999, m_mu=0.1056584, m_tau=1.77686,
              m_s=0.0935, m_b=4.18, m_t=172.69, lambda_t_re=-0.0404, lambda_t_im=-0.00073)


def class_f_batch(n: int, rng) -> DarkSector:
    import bridge_plugins.F_Ib as f_ib

    card = {"MINPAR": {1: rng.uniform(100, 1500, n), 2: rng.uniform(100, 1500, n), 3: 1500.0,
                       4: 800.0, 5: 0.5, 6: 0.3},
            "GAMMAQIN": {1: 0.0, 2: 0.39, 3: 0.39}, "GAMMALIN": {1: 0.0, 2: 1.5, 3: 0.0},
            "GAMMAEIN": {1: 0.0, 2: 0.5, 3: 0.0}}
    return f_ib.bridge_batch_spectrum(BatchInputs(card, n), SM).data["sector"]


def class_s_batch(n: int, rng) -> DarkSector:
    m_q = rng.uniform(800, 2000, n)
    m_l, m_lp = rng.uniform(200, 1200, n), rng.uniform(200, 1200, n)
    m_r = rng.uniform(100, 1000, n)
    m_i = m_r * (1 + rng.uniform(0.01, 0.3, n))
    fermions = (DarkFermion("Psi_q^u", m_q, 2 / 3, colour=3), DarkFermion("Psi_q^d", m_q, -1 / 3, colour=3),
                DarkFermion("F-_1", m_l, -1.0), DarkFermion("F-_2", m_lp, -1.0),
                DarkFermion("Psi_l^0", m_l, 0.0))
    scalars = (DarkScalar("Phi_R", m_r, 0.0, real=True), DarkScalar("Phi_I", m_i, 0.0, real=True))
    w = np.array([1, 1j]) / math.sqrt(2)
    theta = rng.uniform(0, 0.3, n)  # charged-lepton-side mixing angle
    gq, gl, ge = 0.4, 1.5, 0.5
    left, right = {}, {}
    for q, g in (("s", gq), ("b", gq), ("d", 0.0)):
        c = np.zeros((n, 5, 2), complex)
        c[:, 1, :] = g * w
        left[q] = c
    for q, g in (("c", gq), ("t", gq)):
        c = np.zeros((n, 5, 2), complex)
        c[:, 0, :] = g * w
        left[q] = c
    c = np.zeros((n, 5, 2), complex)
    c[:, 2, :] = gl * np.cos(theta)[:, None] * w
    c[:, 3, :] = gl * np.sin(theta)[:, None] * w
    left["mu"] = c
    c = np.zeros((n, 5, 2), complex)
    c[:, 4, :] = gl * w
    left["nu_mu"] = c
    c = np.zeros((n, 5, 2), complex)
    c[:, 2, :] = -ge * np.sin(theta)[:, None] * w
    c[:, 3, :] = ge * np.cos(theta)[:, None] * w
    right["mu"] = c
    return DarkSector(fermions, scalars, left, right)


def point(sector: DarkSector, k: int) -> DarkSector:
    def pick(m):
        return float(np.broadcast_to(m, sector.batch_shape)[k])

    z = sector.z
    if z is not None:
        z = type(z)(*(np.asarray(a)[k] if np.ndim(a) == 3 else a for a in (z.left, z.right, z.scalar)))
    fermions = tuple(DarkFermion(F.name, pick(F.mass), F.charge, F.majorana, F.colour)
                     for F in sector.fermions)
    scalars = tuple(DarkScalar(S.name, pick(S.mass), S.charge, S.colour, S.real) for S in sector.scalars)
    return DarkSector(fermions, scalars, {f: c[k] for f, c in sector.left.items()},
                      {f: c[k] for f, c in sector.right.items()}, z)


def fresh(sector: DarkSector) -> DarkSector:
    return DarkSector(sector.fermions, sector.scalars, dict(sector.left), dict(sector.right), sector.z)


def run(sector: DarkSector) -> dict:
    return {**matching.quark_coefficients(sector, SM), **matching.lepton_dipoles(sector, SM)}


def main(n: int) -> None:
    rng = np.random.default_rng(20260501)
    for name, build in (("class F (F_Ib)", class_f_batch), ("class S (toy, split Φ)", class_s_batch)):
        sector = build(n, rng)
        best = math.inf
        for _ in range(3):
            s = fresh(sector)
            t0 = time.perf_counter()
            out = run(s)
            best = min(best, time.perf_counter() - t0)
        m = min(n, 200)
        t0 = time.perf_counter()
        singles = [run(point(sector, k)) for k in range(m)]
        per_single = (time.perf_counter() - t0) / m
        worst = max(abs(singles[k][key] - out[key][k]) / max(abs(singles[k][key]), 1e-300)
                    for k in range(m) for key in singles[k])
        print(f"{name}: batch of {n}: {best:.3f} s, {1e6 * best / n:.1f} us/point; "
              f"one by one: {1e6 * per_single:.0f} us/point; {len(out)} coefficients; "
              f"batch vs single max rel diff {worst:.1e}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
