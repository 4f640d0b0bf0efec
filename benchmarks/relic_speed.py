"""Relic density: speed of one point (target ≤ 0.2 s), of a batch (10⁴ points in minutes) and the
accuracy of the production grids against grids three times as dense.

Points (bridge.darkmatter.relic_density, after one warm-up call):

1. F_Ib — cards/F_Ib.slha (singlet-like Majorana χ at 200 GeV, doublet at 1 TeV: Higgs and Z
   couplings from the mixing, t-channel coloured and lepton-side scalars, W⁺W⁻, ZZ, Zh, hh);
2. lepton portal — Majorana χ, charged scalar S⁻ coupled to μ_R, S⁻ outside the 20% window;
3. the same with S⁻ inside the window (coannihilation: S⁺S⁻ → f f̄ via γ, S⁺S⁻ → γγ);
4. Z portal — Majorana χ with an axial Z coupling at m_Z/2 (s-channel Z into all 12 fermions);
5. Higgs portal — Majorana χ with a scalar h coupling just above m_h/2 (the narrow h pole,
   Γ_h/m_h = 3e-5, inside the thermal average);
6. coloured coannihilation — Majorana χ at 200 GeV with a colour-triplet scalar at 215 GeV coupled
   to b_R and s_R (S S̄ → g g, g γ, q q̄; χ S → q g, q γ; bridge.darkmatter.coloured).

``--batch N``: ``relic_density_batch`` on N points of case 2 along a mass line, extrapolated to 10⁴.
``--plane N``: the dark-matter summary (``summary_batch``, what ``bridge scan --dark-matter``
stores) of N random points of the F_Ib (M_Ψ, M_Ψ') plane 20-1000 × 100-2000 GeV, the scan's
plane: CPU per point (coannihilation with Ψ' or Φ_l makes many of them dearer than the card).
``--accuracy``: Ωh² of each case with the production settings against momentum nodes (base, per
threshold, per pole core and on the pole tails), kernel quadrature (with its points around the
poles) and x points of the thermal average all three times as dense, and 48 angular nodes.
``--save FILE`` / ``--against FILE``: Ωh², x_f and the channel shares of the cases and of
``--points N`` random F_Ib-plane points (``--seed``) written to a JSON file / compared with one
written by another checkout (before/after a change; add ``--dense`` to write the dense-grid
values instead).

CPU times with one BLAS thread (set unless OPENBLAS_NUM_THREADS etc. are given), as in the
scan's workers.

Usage: python benchmarks/relic_speed.py [--repeat 5] [--batch 40] [--plane 100] [--accuracy]
       python benchmarks/relic_speed.py --points 60 --seed 7 --save before.json [--dense]
       python benchmarks/relic_speed.py --points 60 --seed 7 --against before.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

# one BLAS thread, as in the scan's worker processes (bridge.scan.executors): with OpenBLAS's
# default threads the 4×4 products spin a second thread, and CPU time counts its spinning
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

from bridge.darkmatter import annihilation, freezeout, relic_density, relic_density_batch  # noqa: E402
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings  # noqa: E402
from bridge.sm import SMInputs  # noqa: E402

SM = SMInputs(GF=1.1663787e-5, alpha_e_bsll=1 / 133.0, alpha_e_0=1 / 137.035999084, s2w=0.23121,
              m_W=80.377, m_Z=91.1876, m_e=0.000510999, m_mu=0.1056584, m_tau=1.77686, m_s=0.0935,
              m_b=4.18, m_t=172.69, lambda_t_re=-0.0405, lambda_t_im=0.00074)
ROOT = Path(__file__).resolve().parents[1]


def f_ib():
    from bridge import pipeline
    from bridge.run import load_point

    _, model, _, inputs, _, _ = load_point(ROOT / "cards" / "F_Ib.slha")
    return pipeline.spectrum(model, inputs, SM).sector


def lepton_portal(m, M):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", M, -1.0),),
                      right={"mu": np.array([[1.0]])})


def z_portal(m):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", 500.0, -1.0),),
                      right={"mu": np.array([[0.8]])},
                      z=ZCouplings(np.array([[0.05]]), np.array([[-0.05]]), np.zeros((1, 1))))


def higgs_portal(m):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S-", 500.0, -1.0),),
                      right={"mu": np.array([[0.3]])},
                      higgs=HiggsCouplings(np.array([[0.02]]), np.zeros((1, 1))))


def coloured_partner(m, M):
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("Sq", M, -1 / 3, colour=3),),
                      right={"b": np.array([[0.39]]), "s": np.array([[-0.39]])})


def cases():
    return {"F_Ib card (22 channels)": f_ib(),
            "lepton portal, no coannihilation": lepton_portal(100.0, 150.0),
            "lepton portal, S- within 20%": lepton_portal(100.0, 110.0),
            "Z portal at m_Z/2 (13 channels)": z_portal(45.0),
            "h portal just above m_h/2": higgs_portal(63.0),
            "coloured partner at 1.075 m": coloured_partner(200.0, 215.0)}


def clear_caches():
    """Forget the spinors of earlier calls (a repeat must not reuse them)."""
    annihilation._spinors_cached.cache_clear()
    annihilation._initial_cached.cache_clear()


def f_ib_plane(n: int, seed: int = 1, values: bool = False):
    """The batched DarkSector of n random points of the F_Ib (M_Ψ, M_Ψ') plane (and their
    (M_Ψ, M_Ψ') with ``values``)."""
    from bridge import pipeline
    from bridge.run import load_point
    from bridge.scan.space import Space, batch_inputs, parse_vary

    _, model, info, inputs, _, _ = load_point(ROOT / "cards" / "F_Ib.slha")
    space = Space([parse_vary(v, info, inputs) for v in ("MINPAR:1:20:1000:100", "MINPAR:2:100:2000:100")],
                  "grid", None, seed)
    ids = np.sort(np.random.default_rng(seed).choice(space.size, n, replace=False))
    binputs, _ = batch_inputs(space, inputs, space.values(ids))
    sector = pipeline.spectrum(model, binputs, SM, batch=True).sector
    return (sector, space.values(ids)) if values else sector


def results(n: int, seed: int) -> dict:
    """Ωh², x_f and shares of the cases and of n random plane points (the ModelError text where
    there is none), with the CPU time of the plane points."""
    import json

    from bridge.darkmatter.relic import relic_densities
    from bridge.errors import ModelError

    def record(r):
        if isinstance(r, ModelError):
            return {"error": str(r)}
        return {"omega_h2": r.omega_h2, "x_f": r.x_f, "shares": r.shares}

    sector, values = f_ib_plane(n, seed, values=True)
    t = time.process_time()
    plane = [record(r) for r in relic_densities(sector, SM)]
    cpu = time.process_time() - t
    out = {"values": values.tolist(), "plane": plane, "cpu_per_point": cpu / n,
           "cases": {name: record(relic_densities(s, SM)[0]) for name, s in cases().items()}}
    return json.loads(json.dumps(out))


def compare(new: dict, old: dict) -> None:
    """Largest relative differences of Ωh² and x_f and absolute of the shares, new against old."""
    worst = {"omega_h2": (0.0, ""), "x_f": (0.0, ""), "share": (0.0, "")}
    rows = [(f"plane point {v}", a, b)
            for v, a, b in zip(new["values"], new["plane"], old["plane"], strict=True)]
    rows += [(name, new["cases"][name], old["cases"][name]) for name in new["cases"]]
    for name, a, b in rows:
        if "error" in a or "error" in b:
            if a.get("error") != b.get("error"):
                print(f"{name}: {a.get('error', 'a result')} against {b.get('error', 'a result')}")
            continue
        for key in ("omega_h2", "x_f"):
            d = abs(a[key] / b[key] - 1)
            worst[key] = max(worst[key], (d, name))
        if set(a["shares"]) != set(b["shares"]):
            print(f"{name}: channels differ: {sorted(set(a['shares']) ^ set(b['shares']))}")
            continue
        d = max((abs(a["shares"][k] - b["shares"][k]) for k in a["shares"]), default=0.0)
        worst["share"] = max(worst["share"], (d, name))
    for key, (d, name) in worst.items():
        print(f"largest difference in {key}: {d:.2e} ({name})")
    print(f"CPU per plane point: {new['cpu_per_point']:.3f} s here, {old['cpu_per_point']:.3f} s in the file "
          "(compare only runs made side by side)")


def timed(fn, repeat):
    """Warm-up call (imports, table load), then CPU times of this process (the machine is shared:
    wall-clock times grow with the load, CPU times much less) with the spinor cache cleared so a
    repeat does not reuse the previous call's amplitudes."""
    fn()
    times = []
    for _ in range(repeat):
        clear_caches()
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return out, times


def dense(factor: int = 3):
    """Context: every grid of the thermal average ``factor`` times as dense, 48 angular nodes."""
    class Dense:
        def __enter__(self):
            self.saved = (freezeout.momentum_grid, freezeout.FINE_PER_UNIT, freezeout.N_AVERAGE,
                          annihilation._COS, annihilation._WCOS, annihilation._COS_SLOW,
                          annihilation._WCOS_SLOW, freezeout.POLE_QUADRATURE, freezeout.TAIL_QUADRATURE)
            grid = self.saved[0]

            def denser(m1, poles=(), thresholds=(), q_max=2.0, **kw):
                return grid(m1, poles, thresholds, q_max, per_decade=18 * factor, n_pole=64 * factor,
                            n_threshold=16 * factor, tail_per_decade=freezeout.TAIL_PER_DECADE * factor)

            freezeout.momentum_grid = denser
            freezeout.FINE_PER_UNIT *= factor
            freezeout.N_AVERAGE *= 2
            freezeout.POLE_QUADRATURE *= factor
            freezeout.TAIL_QUADRATURE *= factor
            cos, wcos = np.polynomial.legendre.leggauss(48)
            annihilation._COS, annihilation._WCOS = cos, wcos
            annihilation._COS_SLOW, annihilation._WCOS_SLOW = cos, wcos

        def __exit__(self, *exc):
            (freezeout.momentum_grid, freezeout.FINE_PER_UNIT, freezeout.N_AVERAGE, annihilation._COS,
             annihilation._WCOS, annihilation._COS_SLOW, annihilation._WCOS_SLOW, freezeout.POLE_QUADRATURE,
             freezeout.TAIL_QUADRATURE) = self.saved
            clear_caches()

    return Dense()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--accuracy", action="store_true")
    ap.add_argument("--plane", type=int, default=0)
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--save")
    ap.add_argument("--against")
    ap.add_argument("--dense", action="store_true")
    args = ap.parse_args()
    if args.save or args.against:
        import contextlib
        import json

        with dense() if args.dense else contextlib.nullcontext():
            out = results(args.points, args.seed)
        if args.save:
            Path(args.save).write_text(json.dumps(out, indent=1))
        if args.against:
            compare(out, json.loads(Path(args.against).read_text()))
        return
    for name, sector in cases().items():
        out, times = timed(lambda s=sector: relic_density(s, SM), args.repeat)
        line = (f"{name:34s} Omega h^2 = {out.omega_h2:.5g}  x_f = {out.x_f:.2f}  "
                f"CPU time min/median/max = {min(times):.3f}/{statistics.median(times):.3f}/"
                f"{max(times):.3f} s")
        if args.accuracy:
            with dense():
                ref = relic_density(sector, SM).omega_h2
            line += f"  dense grids: {out.omega_h2 / ref - 1:+.1e}"
        print(line)
    if args.batch:
        masses = np.linspace(50.0, 500.0, args.batch)
        batch = DarkSector((DarkFermion("chi", masses, 0.0, majorana=True),),
                           (DarkScalar("S-", 1.5 * masses, -1.0),),
                           right={"mu": np.array([[1.0]])})
        t = time.process_time()
        out = relic_density_batch(batch, SM)
        dt = time.process_time() - t
        print(f"batch of {args.batch}: {dt:.2f} s ({dt / args.batch:.3f} s/point) -> 10^4 points ~ "
              f"{dt / args.batch * 1e4 / 60:.1f} min on one core; "
              f"finite: {np.isfinite(out['omega_h2']).all()}")


    if args.plane:
        from bridge.darkmatter.summary import summary_batch

        sector = f_ib_plane(args.plane)
        clear_caches()
        t = time.process_time()
        out = summary_batch(sector, SM)
        dt = time.process_time() - t
        print(f"F_Ib plane, {args.plane} random points, summary_batch: {dt:.2f} s CPU "
              f"({dt / args.plane:.3f} s/point) -> 10^4 points ~ {dt / args.plane * 1e4 / 60:.1f} CPU min; "
              f"with a relic density: {np.isfinite(out['omega_h2']).sum()}")


if __name__ == "__main__":
    main()
