"""The flavio side of the fast path: components of each observable, the design, the validation.

:func:`build` makes :class:`bridge.scan.fastpath.Representation` objects with flavio:

1. **Components.** :func:`components_of` recognises how flavio 2.7.1 computes an observable
   (by the function that makes its prediction, and the closure it carries) and returns its
   form and component functions f(wc, par), each called exactly as flavio calls it
   internally: the binned integrals of ``flavio/physics/bdecays/bpll.py``
   (``bpll_obs_int_ratio_leptonflavour``) and ``bvll/observables.py``
   (``bvll_obs_int_ratio_leptonflavour``, ``BVll_int_ratio``, ``BVll_int_pprime``,
   ``nintegrate_pole``) with flavio's own tolerances; the B_s mixing amplitudes of
   ``mesonmixing/observables.py`` (``get_M12_G12``); the time-integrated B_s → V ℓℓ rates of
   ``bvll/observables_bs.py`` (``bsvll_obs``) with the mixing phase φ fixed to 0, π/2, π.
   Anything else is one component, the prediction itself (``quadratic``).
2. **Design.** A component reads some WCxf sectors (recorded from flavio's ``get_wc`` calls at
   u = 0); its candidate variables are the coefficients of those sectors. It is evaluated at
   ±e_i for the candidates, keeps those that change it, and at e_i + e_j for the pairs of the
   kept ones, which determines a polynomial of degree two exactly. The design points are
   shared by all components and evaluated in worker processes (one flavio
   WilsonCoefficients per point).
3. **Validation.** Each observable is compared with flavio's own prediction at random points
   of coefficient space (every coefficient at once, sizes from 0.01 to 2 design steps, random
   phases); one that misses the tolerance is marked ``direct``.

Exactness rests on two facts, both checked by the validation rather than assumed: wilson's
running and flavio's amplitudes are linear in the coefficients, and a binned integral is a
fixed linear functional of its integrand wherever flavio's adaptive quadrature (scipy
``quad``, QUADPACK QAGS) makes the same choices. Where it does not (a polynomial that misses
flavio by more than :data:`QUADRATURE_THRESHOLD`), the component is captured at the level of
its integrand (:func:`capture`: the integrand at the nodes of QAGS's first two levels, each a
polynomial) and QAGS's choices are replayed per point (:class:`bridge.scan.fastpath.Quadrature`).

:func:`write_shipped` writes bridge/data/fastpath.json for the default configuration;
:func:`revalidate` checks representations built earlier against today's coefficient space.
:func:`build_z_pole` makes the Z-pole rows' representation in their own space, the SMEFT
coefficients of bridge.zpole (the file's ``z_pole`` section, :func:`write_shipped_z_pole`).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable

import numpy as np

from bridge.observable import Observable
from bridge.scan import fastpath as fpm

#: CKM parameters flavio sets on a Wilson object; set up front so wilson keeps its cache.
_CKM = ("Vus", "Vcb", "Vub", "gamma")
#: Random points of coefficient space at which each observable is compared with flavio.
VALIDATION_POINTS = 16
#: A binned observable whose polynomial representation misses flavio by more than this (flavio's
#: adaptive quadrature chose other nodes at some points) is represented at the level of its
#: integrand, with QUADPACK's choices reproduced (bridge.scan.quadpack).
QUADRATURE_THRESHOLD = 1e-10
#: The quad result substituted to read off the factor α of a captured integral.
_PROBE = 2.0**20


# ---------------------------------------------------------------------------
# flavio: parameters, Wilson objects, direct predictions
# ---------------------------------------------------------------------------
def flavio_parameters(overrides: dict | None) -> dict:
    """flavio's central parameters with SMINPUTS overrides (as bridge.observables uses them)."""
    from bridge.flavio_setup import import_flavio_for_predictions, parameter_constraints

    import_flavio_for_predictions()  # a scan's fallback point: no measurement database

    return parameter_constraints(overrides or None).get_central_all()


def wilson_object(coefficients: dict[str, complex], scale: float, par: dict):
    """flavio's WilsonCoefficients for NP coefficients at ``scale`` (flavio WET basis)."""
    import flavio

    from bridge.flavio_setup import make_wilson

    w = make_wilson(coefficients, scale)
    w.set_option("parameters", {k: par[k] for k in _CKM})
    return flavio.WilsonCoefficients.from_wilson(w, par)


def direct_values(coefficients: dict[str, complex], scale: float, observables, par: dict) -> np.ndarray:
    """flavio's predictions (SM + NP) of ``observables`` at one coefficient point."""
    from bridge.flavio_setup import import_flavio_for_predictions, register_observables

    flavio = import_flavio_for_predictions()

    register_observables()  # DeltaM_K
    wc = wilson_object(coefficients, scale, par)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # QCDF and resonance-region notices of flavio
        return np.array([float(flavio.Observable[o.name].prediction_par(par, wc, *o.args))
                         for o in observables])


# ---------------------------------------------------------------------------
# components
# ---------------------------------------------------------------------------
def _closure(fn) -> dict:
    names = fn.__code__.co_freevars
    return {n: c.cell_contents for n, c in zip(names, fn.__closure__ or (), strict=True)}


#: ΔM of the neutral mesons: observable name → flavio meson (DeltaM_K: bridge's, 2|M_12|)
_MIXING = {"DeltaM_s": "Bs", "DeltaM_d": "B0", "DeltaM_K": "K0"}


def components_of(obs: Observable) -> tuple[str, list[Callable]]:
    """(form, component functions f(wc, par)) of a flavio observable (module docstring)."""
    import flavio

    fn = flavio.Observable[obs.name].prediction.function
    qual = getattr(fn, "__qualname__", "")
    args = obs.args
    try:
        if obs.name in _MIXING and not args:
            return "deltam", _mixing_amplitudes(_MIXING[obs.name])
        if obs.name == "S_psiK" and not args and fn.__name__ == "S_BJpsiK":
            return "cp_mixing", [*_mixing_amplitudes("B0"), _psik_amplitude_ratio]
        if obs.name == "x12Im_D" and not args and "x12Im" in fn.__code__.co_names:
            return "x12im", [*_mixing_amplitudes("D0"), lambda wc, par: float(par["tau_D0"])]
        if len(args) == 2:
            cv = _closure(fn)
            if qual == "bpll_obs_int_ratio_leptonflavour.<locals>.fct":
                return "ratio", _bpll_lfu(cv, *args)
            if qual == "bvll_obs_int_ratio_leptonflavour.<locals>.fct":
                return "ratio", _bvll_lfu(cv, *args)
            if qual in ("make_obs.<locals>.<lambda>", "make_obs_p.<locals>.<lambda>") \
                    and "BVll_int_ratio" in fn.__code__.co_names:
                return "ratio", _bvll_ratio(cv, fn.__code__.co_names, *args)
            if qual == "make_obs_pprime.<locals>.<lambda>" and "BVll_int_pprime" in fn.__code__.co_names:
                return "pprime", _bvll_pprime(cv, *args)
            if qual == "bsvll_dbrdq2_int_func.<locals>.fct":
                return "mixing", _bsvll_dbr(cv, *args)
            if qual == "bsvll_obs_int_ratio_func.<locals>.fct":
                return "mixing_ratio", _bsvll_ratio(cv, cv["func_num"], cv["func_den"], cv["lep"],
                                                    cv["lep"], 0.005, *args)
            if qual == "bsvll_obs_int_ratio_leptonflavour.<locals>.fct":
                return "mixing_ratio", _bsvll_ratio(cv, cv["func"], cv["func"], cv["l1"], cv["l2"],
                                                    0.0005, *args)
    except (KeyError, ValueError, TypeError):
        pass  # an unexpected closure: treat the observable as one component
    pred = flavio.Observable[obs.name]
    return "quadratic", [lambda wc, par: float(pred.prediction_par(par, wc, *args))]


def _mixing_amplitudes(meson: str):
    from flavio.physics.mesonmixing.observables import get_M12_G12

    return [lambda wc, par: complex(get_M12_G12(wc, par, meson)[0]),
            lambda wc, par: complex(get_M12_G12(wc, par, meson)[1])]


def _psik_amplitude_ratio(wc, par) -> complex:
    """η_CP A/Ā of B⁰ → J/ψ K_S as flavio's ``S_BJpsiK`` forms it (η_CP = −1)."""
    from flavio.physics.common import conjugate_par
    from flavio.physics.mesonmixing.observables import amplitude_BJpsiK

    return complex(-1 * amplitude_BJpsiK(par) / amplitude_BJpsiK(conjugate_par(par)))


def _bpll_lfu(cv, q2min, q2max):
    from flavio.physics.bdecays import bpll

    def comp(lep):
        # flavio: bpll_obs_int(func, ..., lep, epsrel=0.0005) for numerator and denominator
        return lambda wc, par: float(bpll.bpll_obs_int(cv["func"], q2min, q2max, wc, par, cv["B"],
                                                       cv["P"], lep, epsrel=0.0005))
    return [comp(cv["lnum"]), comp(cv["lden"])]


def _bvll_lfu(cv, q2min, q2max):
    from flavio.physics.bdecays.bvll import observables as bvo

    def comp(lep):
        def f(wc, par):
            o = bvo.BVll_obs_int(cv["func"], q2min, q2max, cv["B"], cv["V"], lep, wc, par)
            o.epsrel = 0.0005  # as flavio's bvll_obs_int_ratio_leptonflavour
            return float(o())
        return f
    return [comp(cv["l1"]), comp(cv["l2"])]


def _bvll_integrals(make, q2min, q2max, names):
    from flavio.physics.bdecays.bvll import observables as bvo

    def comp(method):
        def f(wc, par):
            o = make(q2min, q2max, wc, par)
            if o.q2max_allowed <= o.q2min_allowed:
                return 0.0
            return float(bvo.nintegrate_pole(getattr(o, method), o.q2min_allowed, o.q2max_allowed,
                                             epsrel=o.epsrel))
        return f
    return [comp(m) for m in names]


def _bvll_ratio(cv, names, q2min, q2max):
    from flavio.physics.bdecays.bvll import observables as bvo

    den = bvo.SA_den if "SA_den" in names else bvo.P_den

    def make(lo, hi, wc, par):
        return bvo.BVll_int_ratio(cv["func_num"], den, lo, hi, cv["B"], cv["V"], cv["l"], wc, par)
    return _bvll_integrals(make, q2min, q2max, ("obs_num", "obs_den"))


def _bvll_pprime(cv, q2min, q2max):
    from flavio.physics.bdecays.bvll import observables as bvo

    def make(lo, hi, wc, par):
        return bvo.BVll_int_pprime(cv["func_num"], lo, hi, cv["B"], cv["V"], cv["l"], wc, par)
    return _bvll_integrals(make, q2min, q2max, ("obs_num", "obs_2s", "obs_2c"))


# B_s → V ℓℓ with the mixing phase fixed ------------------------------------------------
_PHASES = (0.0, 0.5 * math.pi, math.pi)


def bsvll_obs_at_phase(function, q2, wc_obj, par, B, V, lep, phi):
    """flavio 2.7.1's ``bsvll_obs`` with φ = arg(−q/p) given instead of computed from the
    mixing amplitudes (the same calls otherwise)."""
    import flavio
    from flavio.physics.bdecays import angular
    from flavio.physics.bdecays.bvll import amplitudes

    ml, mB, mV = par["m_" + lep], par["m_" + B], par["m_" + V]
    y = par["DeltaGamma/Gamma_" + B] / 2.0
    if q2 < 4 * ml**2 or q2 > (mB - mV) ** 2:
        return 0
    scale = flavio.config["renormalization scale"]["bvll"]
    mb = flavio.physics.running.running.get_mb(par, scale)
    ff = amplitudes.get_ff(q2, par, B, V)
    h = amplitudes.helicity_amps(q2, ff, wc_obj, par, B, V, lep)
    h_bar = amplitudes.helicity_amps_bar(q2, ff, wc_obj, par, B, V, lep)
    J = angular.angularcoeffs_general_v(h, q2, mB, mV, mb, 0, ml, ml)
    J_bar = angular.angularcoeffs_general_v(h_bar, q2, mB, mV, mb, 0, ml, ml)
    h_tilde = h_bar.copy()
    h_tilde[("pl", "V")] = h_bar[("mi", "V")]
    h_tilde[("pl", "A")] = h_bar[("mi", "A")]
    h_tilde[("mi", "V")] = h_bar[("pl", "V")]
    h_tilde[("mi", "A")] = h_bar[("pl", "A")]
    h_tilde["S"] = -h_bar["S"]
    J_h = angular.angularcoeffs_h_v(phi, h, h_tilde, q2, mB, mV, mb, 0, ml, ml)
    return function(y, J, J_bar, J_h)


def _bsvll_phases(function, B, V, lep, q2min, q2max, epsrel, binned_br: bool):
    """The binned ``function`` at φ = 0, π/2, π: three components."""
    from flavio.physics.bdecays.bvll.observables import nintegrate_pole

    def comp(phi):
        def f(wc, par):
            if binned_br:  # flavio's bsvll_dbrdq2_int: τ_B × rate, averaged over the bin
                tau = par["tau_" + B]

                def obs(q2):
                    return tau * bsvll_obs_at_phase(function, q2, wc, par, B, V, lep, phi)
                return float(nintegrate_pole(obs, q2min, q2max, epsrel=epsrel) / (q2max - q2min))

            def obs(q2):
                return bsvll_obs_at_phase(function, q2, wc, par, B, V, lep, phi)
            return float(nintegrate_pole(obs, q2min, q2max, epsrel=epsrel))
        return f
    return [comp(p) for p in _PHASES]


def _bsvll_dbr(cv, q2min, q2max):
    from flavio.physics.bdecays.bvll.observables_bs import dGdq2_ave_Bs

    B, V, lep = cv["B"], cv["V"], cv["lep"]
    meson = _mixing_amplitudes(B)
    return [*_bsvll_phases(dGdq2_ave_Bs, B, V, lep, q2min, q2max, 0.005, True), *meson]


def _bsvll_ratio(cv, func_num, func_den, l_num, l_den, epsrel, q2min, q2max):
    B, V = cv["B"], cv["V"]
    return [*_bsvll_phases(func_num, B, V, l_num, q2min, q2max, epsrel, False),
            *_bsvll_phases(func_den, B, V, l_den, q2min, q2max, epsrel, False),
            *_mixing_amplitudes(B)]


# ---------------------------------------------------------------------------
# integrals captured at the integrand level
# ---------------------------------------------------------------------------
def capture(func, wc, par):
    """(values, meta) of a component that integrates with one call of scipy's ``quad``:
    values = [β, α, g(x_1) ... g(x_63)] with the component's value α·∫g + β and g at the nodes
    of QUADPACK's first two levels (bridge.scan.quadpack.nodes); None for anything else. The
    integral itself is not computed: ``quad`` is replaced by one returning 0, then _PROBE."""
    import scipy.integrate

    from bridge.scan import quadpack

    original = scipy.integrate.quad
    calls = []

    def fake(ret):
        def quad(f, a, b, args=(), full_output=0, epsabs=1.49e-8, epsrel=1.49e-8, limit=50, **kw):
            calls.append((f, float(a), float(b), float(epsabs), float(epsrel), int(limit), args, kw))
            return (ret, 0.0)
        return quad

    try:
        scipy.integrate.quad = fake(0.0)
        v0 = float(func(wc, par))
        n0 = len(calls)
        scipy.integrate.quad = fake(_PROBE)
        v1 = float(func(wc, par))
    finally:
        scipy.integrate.quad = original
    if n0 != 1 or len(calls) != 2 or calls[0][7]:
        return None
    f, a, b, epsabs, epsrel, limit, args, _ = calls[0]
    g = [float(f(x, *args)) for x in quadpack.nodes(a, b)]
    meta = {"a": a, "b": b, "epsabs": epsabs, "epsrel": epsrel, "limit": limit}
    return np.array([v0, (v1 - v0) / _PROBE, *g]), meta


# ---------------------------------------------------------------------------
# evaluation at design points (in worker processes)
# ---------------------------------------------------------------------------
_STATE: dict = {}


def _setup(observables, scale, overrides):
    """Per process: flavio parameters and the component functions (closures over flavio
    objects cannot be pickled, so each process makes its own)."""
    key = (tuple(o.label for o in observables), scale, tuple(sorted(overrides.items())))
    if _STATE.get("key") != key:
        from bridge.flavio_setup import register_observables

        register_observables()  # DeltaM_K
        _STATE.clear()
        _STATE.update(key=key, par=flavio_parameters(overrides), scale=scale,
                      comps={o.label: components_of(o) for o in observables},
                      observables=list(observables))
    return _STATE


def _evaluate(task):
    """{(label, k): value} at one design point; with ``record``, also the WCxf sectors each
    component asks wilson for (flavio's ``WilsonCoefficients.get_wc``)."""
    from flavio.physics.eft import sectors_flavio2wcxf

    (observables, scale, overrides), u, keys, record, quad_keys = task
    st = _setup(observables, scale, overrides)
    wc = wilson_object(fpm.from_units(np.asarray(u, float)), st["scale"], st["par"])
    out, sectors, metas = {}, {}, {}
    asked: set = set()
    if record:
        get_wc = wc.get_wc

        def recording(sector, *args, **kwargs):
            asked.add(sectors_flavio2wcxf.get(sector, sector))
            return get_wc(sector, *args, **kwargs)
        wc.get_wc = recording
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in keys:
            asked.clear()
            func = st["comps"][key[0]][1][key[1]]
            if key in quad_keys:
                got = capture(func, wc, st["par"])
                if got is None:
                    raise ValueError(f"{key[0]}: component {key[1]} is not one quad call")
                out[key], metas[key] = got
            else:
                out[key] = func(wc, st["par"])
            if record:
                sectors[key] = set(asked)
    return out, sectors, metas


def _direct(task):
    (observables, scale, overrides), u = task
    st = _setup(observables, scale, overrides)
    return direct_values(fpm.from_units(np.asarray(u, float)), st["scale"], st["observables"], st["par"])


class _Pool:
    """Design points evaluated in ``workers`` spawned processes (or here, for 1)."""

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self.pool = None
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def map(self, fn, tasks):
        if self.pool is None:
            return [fn(t) for t in tasks]
        return list(self.pool.map(fn, tasks, chunksize=1))

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _sector_candidates(sectors: set) -> list[int]:
    """Variables with a coefficient in one of the WCxf ``sectors`` (closed under running)."""
    from wilson.wcxf import Basis

    by_coef = {c: sec for sec, cs in Basis["WET", "flavio"].sectors.items() for c in cs}
    return [i for i, v in enumerate(fpm.VARIABLES)
            if "all" in sectors or by_coef.get(v.coefficient) in sectors]


def validation_points(n: int, seed: int = 2024) -> np.ndarray:
    """n points u (n, n_var): every variable at once, |u| log-uniform in [0.01, 2] with a random
    sign (so real and imaginary parts: random phases), reproducible."""
    rng = np.random.default_rng(seed)
    size = 10.0 ** rng.uniform(-2.0, math.log10(2.0), (n, fpm.N_VARIABLES))
    return size * rng.choice([-1.0, 1.0], (n, fpm.N_VARIABLES))


def _max_rel_diff(fast: np.ndarray, direct: np.ndarray) -> float:
    fast, direct = np.asarray(fast, float), np.asarray(direct, float)
    if fast.size == 0:
        return 0.0
    if not np.all(np.isfinite(fast)):
        return math.inf
    diff = np.abs(fast - direct)
    rel = np.where(diff == 0, 0.0, diff / np.maximum(np.abs(direct), 1e-300))
    return float(np.max(rel))


def build(observables, scale: float, overrides: dict, *, tolerance: float = fpm.TOLERANCE,
          progress: Callable[[str], None] | None = None, workers: int | None = None,
          n_validation: int = VALIDATION_POINTS, quadrature=None) -> dict[str, fpm.Representation]:
    """Representations of ``observables`` (module docstring); a one-off, then cached.

    ``quadrature``: labels whose integral components are captured at the integrand level
    (:func:`capture`); by default, those whose polynomial representation misses flavio by
    more than QUADRATURE_THRESHOLD are built again that way."""
    reps = _build(observables, scale, overrides, tolerance=tolerance, progress=progress,
                  workers=workers, n_validation=n_validation, quadrature=set(quadrature or ()))
    if quadrature is None:
        redo = [o for o in dict.fromkeys(observables)
                if not reps[o.label].max_rel_diff <= QUADRATURE_THRESHOLD
                and reps[o.label].info.get("form", reps[o.label].form) in _INTEGRAL_FORMS]
        if redo:
            say = progress or (lambda msg: None)
            say(f"fast path: {len(redo)} observables again at the level of their integrands "
                "(flavio's adaptive quadrature)")
            again = _build(redo, scale, overrides, tolerance=tolerance, progress=progress,
                           workers=workers, n_validation=n_validation,
                           quadrature={o.label for o in redo})
            for o in redo:
                old, new = reps[o.label], again[o.label]
                if new.fast or not old.fast:
                    reps[o.label] = new
    return reps


#: Forms whose components may be binned integrals.
_INTEGRAL_FORMS = ("quadratic", "ratio", "pprime", "mixing", "mixing_ratio")


def _build(observables, scale: float, overrides: dict, *, tolerance, progress, workers,
           n_validation, quadrature: set) -> dict[str, fpm.Representation]:

    start = time.perf_counter()
    say = progress or (lambda msg: None)
    observables = list(dict.fromkeys(observables))
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    setup = (observables, float(scale), dict(overrides))
    st = _setup(*setup)
    comps = st["comps"]
    keys = [(o.label, c) for o in observables for c in range(len(comps[o.label][1]))]
    quad_keys = {k for k in keys if k[0] in quadrature}
    n = fpm.N_VARIABLES
    eye = np.eye(n)
    say(f"fast path: building {len(observables)} observables with flavio "
        f"({len(keys)} components; once, then cached)")
    pool = _Pool(min(workers, 8))
    try:
        f0, sectors, metas = _evaluate((setup, np.zeros(n), keys, True, quad_keys))
        candidates = {k: _sector_candidates(sectors[k]) for k in keys}

        def run(points: dict, what: str) -> dict:
            """Evaluate {name: (u, keys)}; progress every ~10%."""
            items = [(name, u, ks) for name, (u, ks) in points.items() if ks]
            out, t0 = {}, time.perf_counter()
            step = max(1, len(items) // 10)
            for lo in range(0, len(items), step):
                part = items[lo:lo + step]
                for (name, _, _), (vals, _, _) in zip(part, pool.map(
                        _evaluate, [(setup, u, ks, False, quad_keys) for _, u, ks in part]), strict=True):
                    out[name] = vals
                say(f"fast path: {what} {min(lo + step, len(items))}/{len(items)} design points "
                    f"({time.perf_counter() - t0:.0f} s)")
            return out

        axis = {}
        for i in range(n):
            ks = [k for k in keys if i in candidates[k]]
            axis[("+", i)] = (eye[i], ks)
            axis[("-", i)] = (-eye[i], ks)
        axis_values = run(axis, "axes")
        plus = {i: axis_values.get(("+", i), {}) for i in range(n)}
        minus = {i: axis_values.get(("-", i), {}) for i in range(n)}
        deps = {k: [i for i in candidates[k]
                    if np.any(plus[i][k] != f0[k]) or np.any(minus[i][k] != f0[k])] for k in keys}
        pairs: dict[tuple[int, int], list] = {}
        for k in keys:
            d = deps[k]
            for a in range(len(d)):
                for b in range(a + 1, len(d)):
                    pairs.setdefault((d[a], d[b]), []).append(k)
        cross = run({p: (eye[p[0]] + eye[p[1]], ks) for p, ks in pairs.items()}, "pairs")
        design_seconds = time.perf_counter() - start

        polys = {}
        for k in keys:
            d = deps[k]

            def fit(e, k=k, d=d):  # element e of a vector-valued component (all of a scalar one)
                def at(v):
                    return v if e is None else v[e]
                return fpm.Polynomial.from_design(
                    d, at(f0[k]), [at(plus[i][k]) for i in d], [at(minus[i][k]) for i in d],
                    {(a, b): at(cross[(d[a], d[b])][k]) for a in range(len(d)) for b in range(a + 1, len(d))})
            if k in quad_keys:
                parts = [fit(e) for e in range(np.size(f0[k]))]
                beta, alpha = parts[0], parts[1]
                if alpha.b.size and (np.max(np.abs(alpha.b)) > 1e-12 * abs(alpha.a)
                                     or np.max(np.abs(alpha.q)) > 1e-12 * abs(alpha.a)):
                    raise ValueError(f"{k[0]}: the factor of its integral depends on the coefficients")
                polys[k] = fpm.Quadrature.from_nodes(d, parts[2:], metas[k], alpha.a, beta)
            else:
                polys[k] = fit(None)

        say(f"fast path: validating against flavio at {n_validation} random points of coefficient space")
        u_val = validation_points(n_validation)
        direct = np.array(pool.map(_direct, [(setup, u) for u in u_val])) if n_validation \
            else np.zeros((0, len(observables)))
    finally:
        pool.close()
    calls = 1 + sum(len(ks) for _, ks in axis.values()) + sum(len(ks) for ks in pairs.values())
    out = {}
    for j, o in enumerate(observables):
        form, funcs = comps[o.label]
        rep = fpm.Representation(o, form, [polys[(o.label, c)] for c in range(len(funcs))])
        out[o.label] = _validated(rep, u_val, direct[:, j], tolerance)
    say(f"fast path: built in {time.perf_counter() - start:.0f} s (design {design_seconds:.0f} s, "
        f"{len(pairs)} pairs, {calls} component evaluations)")
    return out


def _validated(rep: fpm.Representation, u_val: np.ndarray, direct: np.ndarray,
               tolerance: float) -> fpm.Representation:
    """``rep`` with its largest relative difference from flavio's values ``direct`` at the
    validation points ``u_val``; ``direct`` if that misses ``tolerance``."""
    import flavio

    fast = rep(u_val)
    # a quadrature needing more than two levels at a point leaves it to flavio (NaN)
    deeper = np.isnan(fast) & np.any([isinstance(c, fpm.Quadrature) for c in rep.components])
    diff = _max_rel_diff(fast[~deeper], direct[~deeper])
    rep.max_rel_diff = diff
    rep.info = {"validation_points": int(u_val.shape[0]), "flavio": flavio.__version__,
                "variables": len(rep.variables)}
    if deeper.any():
        rep.info["validation_points_to_flavio"] = int(deeper.sum())
    if not diff <= tolerance:
        return fpm.Representation(rep.observable, "direct", [], diff, {
            **rep.info, "form": rep.form,
            "why": f"form {rep.form} misses flavio by {diff:.1e} (tolerance {tolerance:g})"})
    return rep


def revalidate(reps: dict[str, fpm.Representation], scale: float, overrides: dict, *,
               tolerance: float = fpm.TOLERANCE, workers: int = 1, n_validation: int = VALIDATION_POINTS,
               seed: int = 2024) -> dict[str, fpm.Representation]:
    """Representations (built earlier, e.g. before variables were appended to
    :data:`bridge.scan.fastpath.VARIABLES`) validated again against flavio at random points of
    today's coefficient space (every variable at once)."""
    observables = [r.observable for r in reps.values()]
    setup = (observables, float(scale), dict(overrides))
    u_val = validation_points(n_validation, seed)
    pool = _Pool(workers)
    try:
        direct = np.array(pool.map(_direct, [(setup, u) for u in u_val]))
    finally:
        pool.close()
    return {label: _validated(rep, u_val, direct[:, j], tolerance)
            for j, (label, rep) in enumerate(reps.items())}


# ---------------------------------------------------------------------------
# the Z-pole rows: SMEFT coefficients at M_Z (bridge.zpole), not WET
# ---------------------------------------------------------------------------
def z_pole_wc(coefficients: dict[str, float], par: dict):
    """flavio's WilsonCoefficients of the Z-pole rows, as bridge.observables.predict makes them."""
    import flavio

    from bridge.zpole import z_pole_wilson

    return flavio.WilsonCoefficients.from_wilson(z_pole_wilson(coefficients), par)


def z_pole_components(name: str) -> list[Callable]:
    """[Γ_had, Γ(Z→ℓℓ)] of flavio's R_ℓ (``gammaz.Remutau``: Γ_had/Γ_ℓℓ), each called as
    flavio calls it; ValueError if flavio computes ``name`` some other way."""
    import flavio
    from flavio.physics.zdecays import gammaz

    fn = flavio.Observable[name].prediction.function
    if getattr(fn, "__qualname__", "") != "Remutau.<locals>._Remutau":
        raise ValueError(f"{name}: flavio does not compute it as Remutau")
    lep = _closure(fn)["f"]
    return [lambda wc, par: float(gammaz.Gammahad(wc, par)),
            lambda wc, par: float(gammaz.GammaZ(wc, par, lep, lep))]


def _z_coefficients(u) -> dict[str, float]:
    from bridge.zpole import Z_COEFFICIENTS, Z_STEP

    return {c: float(x) * Z_STEP for c, x in zip(Z_COEFFICIENTS, u, strict=True) if x != 0}


def z_pole_direct(u_points: np.ndarray, names, par: dict) -> np.ndarray:
    """flavio's predictions (n_points, n_names) of the Z-pole rows at points u."""
    import flavio

    return np.array([[float(flavio.Observable[n].prediction_par(par, z_pole_wc(_z_coefficients(u), par)))
                      for n in names] for u in u_points])


def z_validation_points(n: int, seed: int = 2025) -> np.ndarray:
    """n points of the Z-pole variables: every one at once, |u| log-uniform in [1e-5, 0.3]
    (δg from 3e-6 to 0.1) with a random sign, reproducible."""
    from bridge.zpole import Z_COEFFICIENTS

    rng = np.random.default_rng(seed)
    size = 10.0 ** rng.uniform(-5.0, math.log10(0.3), (n, len(Z_COEFFICIENTS)))
    return size * rng.choice([-1.0, 1.0], size.shape)


def build_z_pole(names=None, *, n_validation: int = 32, tolerance: float | None = None
                 ) -> dict[str, fpm.Representation]:
    """name → exact representation (form ``ratio``: Γ_had/Γ_ℓℓ, each a polynomial of degree
    two in u = C/Z_STEP) of the Z-pole rows, validated against flavio's R_ℓ at
    ``n_validation`` random points; ``direct`` if it misses ``tolerance`` (bridge.zpole)."""
    from bridge import zpole

    names = list(names or zpole.Z_POLE_OBSERVABLES)
    tolerance = zpole.Z_TOLERANCE if tolerance is None else tolerance
    par = flavio_parameters({})
    d = len(zpole.Z_COEFFICIENTS)
    eye = np.eye(d)
    comps = {n: z_pole_components(n) for n in names}

    def at(u) -> dict:
        wc = z_pole_wc(_z_coefficients(u), par)
        return {n: [f(wc, par) for f in fs] for n, fs in comps.items()}
    f0 = at(np.zeros(d))
    plus, minus = [at(eye[i]) for i in range(d)], [at(-eye[i]) for i in range(d)]
    cross = {(i, j): at(eye[i] + eye[j]) for i in range(d) for j in range(i + 1, d)}
    u_val = z_validation_points(n_validation)
    direct = z_pole_direct(u_val, names, par)
    out = {}
    for k, n in enumerate(names):
        polys = [fpm.Polynomial.from_design(list(range(d)), f0[n][c], [p[n][c] for p in plus],
                                            [m[n][c] for m in minus],
                                            {ij: v[n][c] for ij, v in cross.items()})
                 for c in range(2)]
        rep = fpm.Representation(Observable(n), "ratio", polys)
        out[n] = _validated(rep, u_val, direct[:, k], tolerance)
    return out


def z_pole_section(representations: dict[str, fpm.Representation] | None = None) -> dict:
    """The ``z_pole`` section of bridge/data/fastpath.json (bridge.zpole reads it)."""
    from bridge.zpole import z_pole_key

    reps = representations or build_z_pole()
    return {"description": "R_e, R_mu, R_tau as exact ratios of polynomials of degree two in "
                           "u = C/step of the SMEFT coefficients (variables) at M_Z "
                           "(bridge.zpole); flavio's central parameters",
            "key": z_pole_key(), "entries": {n: r.as_dict() for n, r in reps.items()}}


def write_shipped_z_pole(path=None) -> str:
    """Rebuild only the ``z_pole`` section of bridge/data/fastpath.json (seconds), keeping the
    rest of the file: ``python -c "from bridge.scan.fastpath_build import write_shipped_z_pole
    as w; w()"``."""
    import json

    path = path or fpm.shipped_path()
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    doc["z_pole"] = z_pole_section()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, allow_nan=False) + "\n")
    fpm.shipped.cache_clear()
    return str(path)


# ---------------------------------------------------------------------------
# the shipped file
# ---------------------------------------------------------------------------
def default_observables() -> list[Observable]:
    """The observables of ``bridge run`` (but its Z-pole rows, which flavio reads from SMEFT
    coefficients, not from the WET ones of a scan: :func:`build_z_pole`, the file's ``z_pole``
    section) and of the ``flavio``, ``flavio-lfv``, ``flavio-lfv-projected`` and
    ``flavio-quark`` likelihoods."""
    from bridge.likelihoods import flavio_fast as ff
    from bridge.observables import RUN_OBSERVABLES
    from bridge.zpole import Z_POLE_OBSERVABLES

    run = [s.observable for s in RUN_OBSERVABLES if s.observable.name not in Z_POLE_OBSERVABLES]
    return list(dict.fromkeys([*run, *ff.FLAVIO_OBSERVABLES, *ff.LFV_OBSERVABLES,
                               *ff.LFV_PROJECTED_OBSERVABLES, *ff.QUARK_OBSERVABLES]))


#: Hand-over scale of the shipped representations (Block BRIDGE entry 2's default).
DEFAULT_SCALE = 160.0


def write_shipped(path=None, *, workers: int | None = None, progress=print,
                  representations: dict[str, fpm.Representation] | None = None) -> str:
    """Build (or take from the disk cache) the default representations and write
    bridge/data/fastpath.json: ``python -c "from bridge.scan.fastpath_build import
    write_shipped as w; w()"`` after changing flavio, wilson or the default observables.
    ``representations``: validated ones to write instead (:func:`revalidate`)."""
    import json

    from bridge.sm import SMINPUTS

    observables = default_observables()
    if representations is None:
        # the disk cache may hold them from an earlier (interrupted) call; never the old file
        representations = obtain(observables, DEFAULT_SCALE, {}, progress=progress, workers=workers,
                                     use_shipped=False).representations
    missing = [o.label for o in observables if o.label not in representations]
    if missing:
        raise ValueError(f"no representation of {missing[0]}")
    par = flavio_parameters({})
    key = fpm.entry_key(observables[0], DEFAULT_SCALE, {})
    key.pop("observable")
    doc = {"description": "Exact fast-path representations of the default observables "
                          "(bridge.scan.fastpath); used when the key matches exactly",
           "key": key, "defaults": {row.flavio: float(par[row.flavio]) for row in SMINPUTS.values()},
           "entries": {o.label: representations[o.label].as_dict() for o in observables},
           "z_pole": z_pole_section()}
    for entry in doc["entries"].values():
        entry["info"].pop("source", None)
    path = path or fpm.shipped_path()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, allow_nan=False) + "\n")
    fpm.shipped.cache_clear()
    return str(path)


def obtain(observables, scale: float, overrides: dict | None, *, tolerance: float = fpm.TOLERANCE,
           progress: Callable[[str], None] | None = None, workers: int | None = None,
           use_cache: bool = True, use_shipped: bool = True) -> fpm.FastPath:
    """The fast path of ``observables``: shipped or cached representations
    (:func:`bridge.scan.fastpath.load`), the others built here with flavio (once: then cached)."""
    from bridge import cache

    start = time.perf_counter()
    observables = list(dict.fromkeys(observables))
    found, missing = fpm.load(observables, scale, overrides, tolerance, use_cache, use_shipped)
    info = {"loaded": len(found), "built": len(missing)}
    if missing:
        norm = fpm.normalised_overrides(overrides)
        built = build(missing, scale, norm, tolerance=tolerance, progress=progress, workers=workers)
        for o in missing:
            rep = built[o.label]
            rep.info["source"] = "built now"
            if use_cache:
                key = fpm.entry_key(o, scale, norm)
                cache.store(cache.entry_path("fastpath", key), key, rep.as_dict())
            found[o.label] = fpm.usable(rep, tolerance)
    info["seconds"] = round(time.perf_counter() - start, 3)
    return fpm.FastPath(observables, float(scale), dict(overrides or {}),
                        {o.label: found[o.label] for o in observables}, info)
