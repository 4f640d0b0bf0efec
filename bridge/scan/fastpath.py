"""Exact fast path: flavio observables as polynomials in the Wilson coefficients.

At fixed SM parameters a flavio prediction is a fixed function of the NP coefficients
handed over at the matching scale. The amplitudes are linear in the low-scale
coefficients, wilson's running is linear (so they are linear in the high-scale ones too,
taken as real variables: real and imaginary parts), and every observable is one of

* ``quadratic``: a rate or a linear shift, O = q(x) (BR(B_s→μμ), BR(B→K(*)νν̄), BR(B→X_sγ),
  a_μ, BR(μ→eγ), binned branching ratios);
* ``modulus``: O = √q(x) (ΔM_s = 2|M_12| with M_12 linear in CVLL);
* ``ratio``: O = q_1(x)/q_2(x) with q_1, q_2 flavio's own integrals (the lepton-flavour
  ratios ⟨R_μe⟩ of B→Kℓℓ and B→K*ℓℓ, binned angular observables S_i, F_L, P_i);
* ``pprime``: O = q_1/(2√(−q_2 q_3)) (binned P'_i of B→K*ℓℓ, flavio's ``BVll_int_pprime``),

where each q is a polynomial of degree two. The components q are evaluated by flavio at
designed points: x = 0, ±h_i e_i, h_i e_i + h_j e_j (only for the variables a component
depends on, found by probing), which determines a quadratic exactly. Each observable is
then validated against direct flavio at points the model itself produces; an observable
whose representation misses the tolerance is evaluated by flavio directly, point by point.

flavio 2.7.1 source read for the component families: ``flavio/physics/bdecays/bpll.py``
(``bpll_obs_int_ratio_leptonflavour``) and ``flavio/physics/bdecays/bvll/observables.py``
(``bvll_obs_int_ratio_leptonflavour``, ``BVll_int_ratio``, ``BVll_int_pprime``,
``nintegrate_pole``); the integrals use scipy's adaptive quadrature with flavio's own
tolerances, called here exactly as flavio calls them.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bridge import cache
from bridge.observable import Observable

#: Bump when the representation or its construction changes (invalidates disk caches).
FORMAT = 1
#: Default acceptance: max |fast − direct|/|direct| over the validation points.
TOLERANCE = 1e-6
#: CKM parameters flavio sets on a Wilson object; set up front so wilson keeps its cache.
_CKM = ("Vus", "Vcb", "Vub", "gamma")


# ---------------------------------------------------------------------------
# variables
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Variable:
    """A real direction in coefficient space: x = u · Σ weight · (part of coefficient).

    ``entries``: (coefficient, "re" | "im", weight) with the weights carrying the scale, so
    that the model's points have |u| ≲ 1. Coefficients (or their parts) that move together
    at every probe point of a scan share one variable: C7p_bs = (m_s/m_b) C7_bs, a fixed
    phase (Im/Re) set by V_tb V_ts^*, C10_bsee = C10_bstautau = CL_bsnuenue from one Z
    penguin. Fewer variables make the design (and the setup) much smaller.
    """

    label: str
    entries: tuple[tuple[str, str, float], ...]

    @property
    def coefficients(self) -> set[str]:
        return {c for c, _, _ in self.entries}


#: Relative tolerance of "moves together" and of a point lying on the variables' span.
SPAN_TOL = 1e-9


def choose_variables(coefficients: dict[str, np.ndarray]) -> list[Variable]:
    """The variables spanning a scan's coefficients, from its probe points (arrays (P,)).

    Per coefficient: rank of its (Re, Im) values over the probes (1: a fixed phase, one
    variable; 2: Re and Im separately). Rank-1 coefficients whose values are proportional
    over all probes are merged into one variable.
    """
    singles = []  # (coefficient, direction (2,), t (P,))
    out = []
    for name in sorted(coefficients):
        values = np.asarray(coefficients[name], dtype=complex)
        values = values[np.isfinite(values)]
        if values.size == 0 or not np.any(values != 0):
            continue
        xy = np.stack([values.real, values.imag], axis=-1)
        _, sv, vt = np.linalg.svd(xy, full_matrices=False)
        if sv.size < 2 or sv[1] <= SPAN_TOL * sv[0]:
            d = vt[0] * (1 if vt[0][np.argmax(np.abs(vt[0]))] > 0 else -1)
            singles.append((name, d, xy @ d))
        else:
            for k, part in enumerate(("re", "im")):
                size = float(np.max(np.abs(xy[:, k])))
                out.append(Variable(f"{name}:{part}", ((name, part, _scale(size)),)))
    groups: list[list] = []
    for name, d, t in singles:
        ref = t / t[np.argmax(np.abs(t))]
        for g in groups:
            if np.all(np.abs(ref - g[0]) <= SPAN_TOL * np.max(np.abs(ref))):
                g[1].append((name, d, t))
                break
        else:
            groups.append([ref, [(name, d, t)]])
    for _, members in groups:
        t0 = members[0][2]
        scale = _scale(float(np.max(np.abs(t0))))
        i = int(np.argmax(np.abs(t0)))
        entries = []
        for name, d, t in members:
            alpha = t[i] / t0[i]
            for k, part in enumerate(("re", "im")):
                if d[k] != 0:
                    # 10 digits: the same physics ratio from other probe points gives the same
                    # variable (and cache entry); the span check (SPAN_TOL) is unaffected
                    entries.append((name, part, float(f"{scale * alpha * d[k]:.10g}")))
        out.append(Variable("+".join(m[0] for m in members), tuple(entries)))
    return out


def _scale(size: float) -> float:
    """The power of ten just above ``size`` (so that cached designs are shared)."""
    return 10.0 ** math.ceil(math.log10(size)) if size > 0 else 1.0


def to_units(variables: list[Variable], coefficients: dict[str, np.ndarray], n: int):
    """(u (N, n_var), outside (N,) bool): the variables of N points, and the points that
    leave their span (a coefficient outside them, or off the probed directions by more than
    SPAN_TOL): these need direct flavio."""
    u = np.zeros((n, len(variables)))
    outside = np.zeros(n, dtype=bool)
    parts = {}
    for name, values in coefficients.items():
        values = np.broadcast_to(np.asarray(values, dtype=complex), (n,))
        parts[(name, "re")], parts[(name, "im")] = values.real, values.imag
    used = set()
    for k, v in enumerate(variables):
        w = np.array([e[2] for e in v.entries])
        x = np.stack([parts.get((c, p), np.zeros(n)) for c, p, _ in v.entries], axis=-1)
        u[:, k] = x @ w / (w @ w)
        resid = np.max(np.abs(x - u[:, k, None] * w), axis=-1)
        outside |= resid > SPAN_TOL * np.maximum(np.max(np.abs(x), axis=-1), 1e-300)
        used.update((c, p) for c, p, _ in v.entries)
    for key, comp in parts.items():
        if key not in used:
            outside |= (comp != 0) & np.isfinite(comp)
    return u, outside


def from_units(variables: list[Variable], u: np.ndarray) -> dict[str, complex]:
    """The coefficient dict of one point u (n_var,)."""
    out: dict[str, complex] = {}
    for v, x in zip(variables, u, strict=True):
        for name, part, w in v.entries:
            value = float(x) * w
            out[name] = out.get(name, 0j) + (value if part == "re" else 1j * value)
    return {k: c for k, c in out.items() if c != 0}


# ---------------------------------------------------------------------------
# polynomials
# ---------------------------------------------------------------------------
@dataclass
class Quadratic:
    """q(u) = a + b·u_S + u_S·Q·u_S on the variables ``index`` (S) of the scan."""

    index: np.ndarray  # int (d,)
    a: float
    b: np.ndarray  # (d,)
    q: np.ndarray  # (d, d) symmetric

    def __call__(self, u: np.ndarray) -> np.ndarray:
        if self.index.size == 0:
            return np.full(u.shape[0], self.a)
        us = u[:, self.index]
        return self.a + us @ self.b + np.einsum("ni,ij,nj->n", us, self.q, us)

    def as_dict(self) -> dict:
        return {"index": self.index.tolist(), "a": self.a, "b": self.b.tolist(), "q": self.q.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Quadratic:
        return cls(np.array(d["index"], dtype=int), float(d["a"]), np.array(d["b"], dtype=float),
                   np.array(d["q"], dtype=float).reshape(len(d["index"]), len(d["index"])))

    @classmethod
    def from_design(cls, index, f0: float, plus, minus, cross) -> Quadratic:
        """Exact coefficients from f(0), f(±e_i) and f(e_i + e_j) (i < j)."""
        d = len(index)
        plus, minus = np.asarray(plus, float), np.asarray(minus, float)
        b = 0.5 * (plus - minus)
        diag = 0.5 * (plus + minus) - f0
        q = np.diag(diag)
        for (i, j), fij in cross.items():
            q[i, j] = q[j, i] = 0.5 * (fij - f0 - b[i] - b[j] - diag[i] - diag[j])
        return cls(np.asarray(index, dtype=int).reshape(d), float(f0), b, q)


#: How the components of a form combine into the observable.
COMBINE: dict[str, Callable] = {
    "quadratic": lambda q: q[0],
    "modulus": lambda q: np.sqrt(np.maximum(q[0], 0.0)),
    "ratio": lambda q: _safe_div(q[0], q[1]),
    "pprime": lambda q: _safe_div(q[0], 2.0 * np.sqrt(np.maximum(-q[1] * q[2], 0.0))),
}


def _safe_div(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(num == 0, 0.0, num / np.where(den == 0, np.nan, den))


@dataclass
class Representation:
    """One observable: a form and its quadratic components, or ``direct`` (flavio per point)."""

    observable: Observable
    form: str
    components: list[Quadratic] = field(default_factory=list)
    max_rel_diff: float = math.nan  # over the validation points
    tried: dict = field(default_factory=dict)  # form -> max rel. diff

    @property
    def fast(self) -> bool:
        return self.form != "direct"

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return COMBINE[self.form]([c(u) for c in self.components])

    def as_dict(self) -> dict:
        return {"name": self.observable.name, "args": list(self.observable.args), "form": self.form,
                "components": [c.as_dict() for c in self.components],
                "max_rel_diff": self.max_rel_diff, "tried": self.tried}

    @classmethod
    def from_dict(cls, d: dict) -> Representation:
        return cls(Observable(d["name"], tuple(d["args"])), d["form"],
                   [Quadratic.from_dict(c) for c in d["components"]], float(d["max_rel_diff"]),
                   dict(d.get("tried", {})))


@dataclass
class FastPath:
    """Representations of a list of observables over ``variables`` at hand-over ``scale``."""

    observables: list[Observable]
    variables: list[Variable]
    scale: float
    overrides: dict
    representations: dict[str, Representation]
    info: dict = field(default_factory=dict)  # versions, timings, cache file, validation size

    def evaluate(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Observable label -> values (N,) for the fast observables (others are absent)."""
        return {k: r(u) for k, r in self.representations.items() if r.fast}

    @property
    def direct(self) -> list[Observable]:
        return [r.observable for r in self.representations.values() if not r.fast]

    def as_dict(self) -> dict:
        return {"format": FORMAT, "scale": self.scale, "overrides": self.overrides,
                "observables": [[o.name, list(o.args)] for o in self.observables],
                "variables": [[v.label, [list(e) for e in v.entries]] for v in self.variables],
                "representations": {k: r.as_dict() for k, r in self.representations.items()},
                "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> FastPath:
        return cls([Observable(n, tuple(a)) for n, a in d["observables"]],
                   [Variable(lab, tuple((c, p, float(w)) for c, p, w in e)) for lab, e in d["variables"]],
                   float(d["scale"]),
                   dict(d["overrides"]),
                   {k: Representation.from_dict(r) for k, r in d["representations"].items()},
                   dict(d.get("info", {})))

    def summary(self) -> list[str]:
        lines = []
        for k, r in self.representations.items():
            dims = "+".join(str(len(c.index)) for c in r.components) or "-"
            lines.append(f"{k:<34s} {r.form:<9s} vars {dims:<8s} max rel. diff {r.max_rel_diff:.1e}")
        return lines


# ---------------------------------------------------------------------------
# flavio side: direct predictions and component functions
# ---------------------------------------------------------------------------
def flavio_parameters(overrides: dict | None) -> dict:
    """flavio's central parameters with SMINPUTS overrides (as bridge.observables uses them)."""
    from bridge.observables import parameter_constraints

    return parameter_constraints(overrides or None).get_central_all()


def wilson_object(coefficients: dict[str, complex], scale: float, par: dict):
    """flavio's WilsonCoefficients for NP coefficients at ``scale`` (flavio WET basis)."""
    import flavio

    from bridge.observables import make_wilson

    w = make_wilson(coefficients, scale)
    w.set_option("parameters", {k: par[k] for k in _CKM})
    return flavio.WilsonCoefficients.from_wilson(w, par)


def direct_values(coefficients: dict[str, complex], scale: float, observables, par: dict) -> np.ndarray:
    """flavio's predictions (SM + NP) of ``observables`` at one coefficient point."""
    import flavio

    wc = wilson_object(coefficients, scale, par)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # QCDF and resonance-region notices of flavio
        return np.array([float(flavio.Observable[o.name].prediction_par(par, wc, *o.args))
                         for o in observables])


def _closure(fn) -> dict:
    names = fn.__code__.co_freevars
    return {n: c.cell_contents for n, c in zip(names, fn.__closure__ or (), strict=True)}


def components_of(obs: Observable) -> tuple[str, list[Callable]]:
    """(form, component functions f(wc, par) -> float) of a flavio observable.

    Recognises flavio 2.7.1's binned ratio families by the function that made the
    prediction; anything else is one component, the prediction itself (quadratic, or
    modulus if that validates better).
    """
    import flavio

    fn = flavio.Observable[obs.name].prediction.function
    qual = getattr(fn, "__qualname__", "")
    args = obs.args
    try:
        if qual == "bpll_obs_int_ratio_leptonflavour.<locals>.fct" and len(args) == 2:
            return "ratio", _bpll_lfu(_closure(fn), *args)
        if qual == "bvll_obs_int_ratio_leptonflavour.<locals>.fct" and len(args) == 2:
            return "ratio", _bvll_lfu(_closure(fn), *args)
        if qual in ("make_obs.<locals>.<lambda>", "make_obs_p.<locals>.<lambda>") and len(args) == 2 \
                and "BVll_int_ratio" in fn.__code__.co_names:
            return "ratio", _bvll_ratio(_closure(fn), fn.__code__.co_names, *args)
        if qual == "make_obs_pprime.<locals>.<lambda>" and len(args) == 2 \
                and "BVll_int_pprime" in fn.__code__.co_names:
            return "pprime", _bvll_pprime(_closure(fn), *args)
    except (KeyError, ValueError, TypeError):
        pass  # an unexpected closure: treat the observable as one component
    pred = flavio.Observable[obs.name]
    return "value", [lambda wc, par: float(pred.prediction_par(par, wc, *args))]


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


# ---------------------------------------------------------------------------
# construction
# ---------------------------------------------------------------------------
class _Evaluator:
    """Component values at design points u, one flavio WilsonCoefficients per point."""

    def __init__(self, variables, scale, par, comps):
        self.variables, self.scale, self.par, self.comps = variables, scale, par, comps
        self.calls = 0

    def values(self, u, which, sectors: dict | None = None) -> dict:
        """{component key: value}; with ``sectors``, also record the WCxf sectors each
        component asks wilson for (flavio's ``WilsonCoefficients.get_wc``)."""
        from flavio.physics.eft import sectors_flavio2wcxf

        wc = wilson_object(from_units(self.variables, np.asarray(u, float)), self.scale, self.par)
        out = {}
        asked: set = set()
        if sectors is not None:
            get_wc = wc.get_wc

            def recording(sector, *args, **kwargs):
                asked.add(sectors_flavio2wcxf.get(sector, sector))
                return get_wc(sector, *args, **kwargs)
            wc.get_wc = recording
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key in which:
                asked.clear()
                out[key] = self.comps[key[0]][1][key[1]](wc, self.par)
                self.calls += 1
                if sectors is not None:
                    sectors[key] = set(asked)
        return out


def _sector_dependencies(variables, sectors: set) -> list[int]:
    """Variables with a coefficient in one of the WCxf ``sectors`` (closed under running)."""
    from wilson.wcxf import Basis

    by_coef = {c: sec for sec, cs in Basis["WET", "flavio"].sectors.items() for c in cs}
    return [i for i, v in enumerate(variables)
            if "all" in sectors or any(by_coef.get(c) in sectors for c in v.coefficients)]


def build(observables, variables: list[Variable], scale: float, overrides: dict | None,
          validation: list[dict[str, complex]], tolerance: float = TOLERANCE,
          progress: Callable[[str], None] | None = None) -> FastPath:
    """Build and validate the representations with flavio (a one-off, then cached on disk).

    Design: a component's candidate variables are those in the WCxf sectors it reads; it is
    evaluated at 0 and +e_i for those, keeps the i that change it, and is then evaluated at
    −e_i and e_i + e_j for the kept ones only. ``validation``: coefficient dicts (the model
    at random points of the scan) at which each representation is compared with flavio.
    """
    import flavio

    start = time.perf_counter()
    say = progress or (lambda msg: None)
    par = flavio_parameters(overrides)
    observables = list(dict.fromkeys(observables))
    comps = {o.label: components_of(o) for o in observables}
    keys = [(o.label, c) for o in observables for c in range(len(comps[o.label][1]))]
    ev = _Evaluator(variables, scale, par, comps)
    n = len(variables)
    eye = np.eye(n)
    say(f"fast path: {len(observables)} observables, {len(keys)} components, {n} variables")
    sectors: dict = {}
    f0 = ev.values(np.zeros(n), keys, sectors)
    candidates = {k: _sector_dependencies(variables, sectors[k]) for k in keys}
    plus = {i: ev.values(eye[i], [k for k in keys if i in candidates[k]]) for i in range(n)}
    deps = {k: [i for i in candidates[k] if plus[i][k] != f0[k]] for k in keys}
    minus = {i: ev.values(-eye[i], [k for k in keys if i in deps[k]]) for i in range(n)}
    pairs: dict[tuple[int, int], list] = {}
    for k in keys:
        d = deps[k]
        for a in range(len(d)):
            for b in range(a + 1, len(d)):
                pairs.setdefault((d[a], d[b]), []).append(k)
    say(f"fast path: {n} + {n} + {len(pairs)} design points")
    cross = {p: ev.values(eye[p[0]] + eye[p[1]], ks) for p, ks in pairs.items()}
    design_seconds = time.perf_counter() - start

    def quadratic(k, t):
        d = deps[k]
        return Quadratic.from_design(
            d, t(f0[k]), [t(plus[i][k]) for i in d], [t(minus[i][k]) for i in d],
            {(a, b): t(cross[(d[a], d[b])][k]) for a in range(len(d)) for b in range(a + 1, len(d))})

    say(f"fast path: validating against flavio at {len(validation)} model points")
    direct = np.array([direct_values(c, scale, observables, par) for c in validation]) \
        if validation else np.zeros((0, len(observables)))
    u_val = to_units(variables, _stack(validation), len(validation))[0] if validation \
        else np.zeros((0, n))
    reps = {}
    for j, o in enumerate(observables):
        form, funcs = comps[o.label]
        ks = [(o.label, c) for c in range(len(funcs))]
        if form == "value":
            forms = {"quadratic": [quadratic(ks[0], float)],
                     "modulus": [quadratic(ks[0], lambda v: float(v) ** 2)]}
        else:
            forms = {form: [quadratic(k, float) for k in ks]}
        tried, best = {}, None
        for name, parts in forms.items():
            rep = Representation(o, name, parts)
            diff = _max_rel_diff(rep(u_val), direct[:, j])
            tried[name] = diff
            if diff <= tolerance and (best is None or diff < best.max_rel_diff):
                rep.max_rel_diff = diff
                best = rep
        if best is None:
            best = Representation(o, "direct", [], min(tried.values()))
        best.tried = tried
        reps[o.label] = best
    info = {"flavio": flavio.__version__, "flavio_calls": ev.calls,
            "design_seconds": round(design_seconds, 2),
            "seconds": round(time.perf_counter() - start, 2), "validation_points": len(validation),
            "tolerance": tolerance}
    return FastPath(observables, variables, scale, dict(overrides or {}), reps, info)


def _stack(points: list[dict[str, complex]]) -> dict[str, np.ndarray]:
    names = sorted({k for p in points for k in p})
    return {k: np.array([p.get(k, 0j) for p in points], dtype=complex) for k in names}


def _max_rel_diff(fast: np.ndarray, direct: np.ndarray) -> float:
    fast, direct = np.asarray(fast, float), np.asarray(direct, float)
    if fast.size == 0:
        return 0.0
    if not np.all(np.isfinite(fast)):
        return math.inf
    scale = np.maximum(np.abs(direct), 1e-300)
    diff = np.abs(fast - direct)
    rel = np.where(diff == 0, 0.0, diff / scale)
    return float(np.max(rel))


# ---------------------------------------------------------------------------
# disk cache
# ---------------------------------------------------------------------------
def cache_key(observables, variables, scale, overrides, tolerance, n_validation) -> dict:
    from importlib.metadata import version

    return {"format": FORMAT, "flavio": version("flavio"), "wilson": version("wilson"),
            "observables": [o.label for o in observables],
            "variables": [[v.label, [list(e) for e in v.entries]] for v in variables],
            "scale": float(scale), "overrides": {k: float(v) for k, v in sorted((overrides or {}).items())},
            "tolerance": tolerance, "validation": n_validation}


def cache_file(key: dict) -> Path:
    return cache.entry_path("fastpath", key)


#: Number of quadratic components of each form.
_COMPONENTS = {"quadratic": 1, "modulus": 1, "ratio": 2, "pprime": 3, "direct": 0}


def parse_cached(payload, key: dict) -> FastPath:
    """A cached FastPath, checked against the key it was built for: its observables and
    variables, finite polynomial coefficients of the right shapes on existing variables, and
    every fast observable within the tolerance (raises :class:`bridge.cache.Invalid`)."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise cache.Invalid(f"not a fast path of format {FORMAT}")
    fp = FastPath.from_dict(payload)
    if [o.label for o in fp.observables] != key["observables"]:
        raise cache.Invalid("observables differ from the key")
    if [[v.label, [list(e) for e in v.entries]] for v in fp.variables] != key["variables"]:
        raise cache.Invalid("variables differ from the key")
    n = len(fp.variables)
    if sorted(fp.representations) != sorted(key["observables"]):
        raise cache.Invalid("representations do not match the observables")
    for label, rep in fp.representations.items():
        if rep.form not in _COMPONENTS:
            raise cache.Invalid(f"{label}: unknown form {rep.form!r}")
        if len(rep.components) != _COMPONENTS[rep.form]:
            raise cache.Invalid(f"{label}: {len(rep.components)} components for form {rep.form}")
        if rep.fast and not (math.isfinite(rep.max_rel_diff) and rep.max_rel_diff <= key["tolerance"]):
            raise cache.Invalid(f"{label}: max. rel. diff {rep.max_rel_diff:g} above the tolerance "
                                f"{key['tolerance']:g}")
        for c in rep.components:
            d = c.index.size
            if c.b.shape != (d,) or c.q.shape != (d, d):
                raise cache.Invalid(f"{label}: component of the wrong shape")
            if np.any((c.index < 0) | (c.index >= n)) or len(set(c.index.tolist())) != d:
                raise cache.Invalid(f"{label}: variable index outside 0..{n - 1} or repeated")
            if not (math.isfinite(c.a) and np.all(np.isfinite(c.b)) and np.all(np.isfinite(c.q))):
                raise cache.Invalid(f"{label}: coefficient not finite")
    return fp


def obtain(observables, variables, scale, overrides, validation, *, tolerance=TOLERANCE,
           progress=None, use_cache: bool = True) -> FastPath:
    """The cached representation for these inputs, or a new one (built, validated, saved)."""
    key = cache_key(observables, variables, scale, overrides, tolerance, len(validation))
    path = cache_file(key)
    if use_cache:
        fp = cache.load(path, key, lambda payload: parse_cached(payload, key))
        if fp is not None:
            fp.info["cache"] = str(path)
            fp.info["cached"] = True
            return fp
    fp = build(observables, variables, scale, overrides, validation, tolerance, progress)
    fp.info["cache"] = str(path)
    fp.info["cached"] = False
    if use_cache:
        cache.store(path, key, fp.as_dict())
    return fp
