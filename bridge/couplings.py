"""α_s and α_e at the scales of :mod:`bridge.running`, as flavio computes them, without flavio.

The running from the dark masses to the hand-over scale needs flavio's
``get_alpha_s(par, μ, nf_out)`` and ``get_alpha_e(par, μ, nf_out)`` (flavio 2.7.1,
flavio/physics/running/running.py). Importing flavio for them costs ~10 s in every scan worker
and every fit; this module gives the same numbers from α_s(M_Z) and α_e(M_Z) alone.

* **α_e**: flavio's closed form, one-loop QED running from α_e(M_Z) at the fixed M_Z = 91.1876 GeV
  (flavio does not use the ``m_Z`` parameter here), α(μ) = α_in / (1 + α_in β_0 ln(μ/μ_in)/(2π)),
  β_0 = −(4/3)(4n_u/3 + n_d/3 + n_ℓ), segments at flavio's ``RGE thresholds`` m_c, m_b, m_t
  (n_f from the scale with flavio's ``get_nf`` when not given). The same operations in the same
  order: equal to flavio's values to the last bit.
* **α_s**: flavio calls wilson.util.qcd.alpha_s, i.e. CRunDec (Chetyrkin, Kühn, Steinhauser,
  hep-ph/0004189; Schmidt, Steinhauser, arXiv:1201.6149; Herren, Steinhauser,
  arXiv:1703.03751) at three loops: five flavours, ``AlphasExact`` from α_s(M_Z) at
  M_Z = 91.1876 GeV; six flavours, ``AlL2AlH``: five-flavour running to μ_th = 170 GeV, the
  on-shell decoupling there with M_th = 170 GeV (RunDec Eq. (25), Chetyrkin, Kniehl,
  Steinhauser hep-ph/9706430: α^(6) = α^(5)[1 + a L/6 + a²(7/24 + 19L/24 + L²/36)],
  a = α^(5)/π, L = ln(μ_th²/M_th²) = 0 here), then six-flavour running. ``AlphasExact``
  integrates dA/dlnμ = −2(β_0A² + β_1A³ + β_2A⁴), A = α_s/π (RunDec's β_i), with an embedded
  Cash–Karp Runge–Kutta step (Cash, Karp, ACM TOMS 16 (1990) 201) from ln μ_0 with a first
  step ±10⁻⁴, an absolute error target 10⁻¹⁰ on A, steps rejected and shrunk by
  max(0.9 err^(−1/4), 0.1), grown by 0.9 err^(−1/5) or ×5 (err ≤ 1.89×10⁻⁴), and the step
  after which the next would pass ln μ cut to end exactly there.

  An adaptive integrator's result is not a smooth function of μ: where the sequence of steps
  changes, flavio's α_s jumps by ~10⁻⁹ (relative), and within 10⁻⁴ of ln M_Z the first step
  overshoots, so flavio's α_s is constant there and 10⁻⁵ away from α_s(M_Z). A table or a
  smooth fit cannot follow that to better than ~10⁻⁹. Repeating the integration step by step
  can: this module does, and its values are flavio's to the last bit (tests/test_couplings.py,
  at random scales and α_s(M_Z) values). For batches, the steps from μ_0 up to each scale
  are shared by all scales until the step that ends at it (:class:`_Path`), so a batch costs
  one Runge–Kutta step per point.

Inputs: α_s(M_Z) and α_e(M_Z) (a card's SMINPUTS 3 and 1, flavio's names ``alpha_s``,
``alpha_e``), nothing else of the card enters flavio's functions. flavio's defaults of the two
and its thresholds ship in ``bridge/data/couplings.json`` with flavio's own α_s and α_e at
reference scales (:func:`write_shipped`). :func:`constants` checks, once per process, that this
module reproduces those reference values (≤ :data:`CHECK_TOLERANCE`); for another flavio,
wilson or rundec version the same data are computed once with flavio and kept in the disk cache
(:mod:`bridge.cache`). If the check fails (an installed version computes α_s otherwise), one
warning line says so and the values come from flavio's functions instead.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from bridge import cache as diskcache

#: Largest relative difference from flavio's reference values accepted by :func:`constants`.
CHECK_TOLERANCE = 1e-12
#: The shipped constants and reference values (bridge/data).
SHIPPED_FILE = "couplings.json"
#: Version of the data layout (part of the cache key).
FORMAT = 1
#: Reference scales [GeV] at which flavio's values are stored and compared (the thresholds, the
#: default hand-over scale, M_Z and its neighbourhood, the dark-mass range up to 100 TeV).
REFERENCE_SCALES = (4.18, 4.8, 10.0, 50.0, 91.18, 91.1876, 91.19, 120.0, 160.0, 170.0, 173.21,
                    250.0, 600.0, 1000.0, 1200.0, 5000.0, 2.0e4, 1.0e5)

# --- the Cash–Karp tableau (Cash & Karp 1990), as RunDec writes it ---------------------------
_B21 = 0.2
_B31, _B32 = 3.0 / 40.0, 9.0 / 40.0
_B41, _B42, _B43 = 0.3, -0.9, 6.0 / 5.0
_B51, _B52, _B53, _B54 = -11.0 / 54.0, 2.5, -70.0 / 27.0, 35.0 / 27.0
_B61, _B62, _B63 = 1631.0 / 55296.0, 175.0 / 512.0, 575.0 / 13824.0
_B64, _B65 = 44275.0 / 110592.0, 253.0 / 4096.0
_C1, _C2, _C3, _C4, _C5, _C6 = 37.0 / 378.0, 0.0, 250.0 / 621.0, 125.0 / 594.0, 0.0, 512.0 / 1771.0
_DC1 = 37.0 / 378.0 - 2825.0 / 27648.0
_DC2 = 0.0 - 0.0
_DC3 = 250.0 / 621.0 - 18575.0 / 48384.0
_DC4 = 125.0 / 594.0 - 13525.0 / 55296.0
_DC5 = 0.0 - 277.0 / 14336.0
_DC6 = 512.0 / 1771.0 - 0.25
#: Absolute error target on α_s/π per step, first step in ln μ.
_EPS, _FIRST_STEP = 1e-10, 1e-4


def beta(nf: int) -> tuple[float, float, float]:
    """RunDec's β_0, β_1, β_2 for dA/dlnμ² = −Σ β_i A^{i+2}, A = α_s/π (three loops)."""
    n = float(nf)
    return (0.25 * (11.0 - 2.0 * n / 3.0), (102.0 - 38.0 * n / 3.0) / 16.0,
            (0.5 * 2857.0 - 5033.0 * n / 18.0 + 325.0 * n * n / 54.0) / 64.0)


def _rhs(b, a):
    """dA/dlnμ (float or array), summed in RunDec's order."""
    sq = a * a
    out = 0.0
    out += -b[0] * sq
    out += -b[1] * sq * a
    out += -b[2] * sq * sq
    return out * 2


def _attempt(b, y, h):
    """One Cash–Karp step of size h from y: (y(x + h), error estimate / target)."""
    k1 = h * _rhs(b, y)
    k2 = h * _rhs(b, y + _B21 * k1)
    k3 = h * _rhs(b, y + _B31 * k1 + _B32 * k2)
    k4 = h * _rhs(b, y + _B41 * k1 + _B42 * k2 + _B43 * k3)
    k5 = h * _rhs(b, y + _B51 * k1 + _B52 * k2 + _B53 * k3 + _B54 * k4)
    k6 = h * _rhs(b, y + _B61 * k1 + _B62 * k2 + _B63 * k3 + _B64 * k4 + _B65 * k5)
    new = y + _C1 * k1 + _C2 * k2 + _C3 * k3 + _C4 * k4 + _C5 * k5 + _C6 * k6
    err = _DC1 * k1 + _DC2 * k2 + _DC3 * k3 + _DC4 * k4 + _DC5 * k5 + _DC6 * k6
    return new, abs(err / _EPS)


def _step(b, x: float, y: float, h: float) -> tuple[float, float, float]:
    """An accepted adaptive step: (x after it, y after it, the next step size)."""
    while True:
        new, err = _attempt(b, y, h)
        err = max(0.0, err)
        if err > 1.0:  # rejected: shrink, at most by 10
            shrunk = 0.9 * h * err ** -0.25
            h = max(shrunk, 0.1 * h) if h >= 0.0 else min(shrunk, 0.1 * h)
            continue
        grown = 0.9 * h * err ** -0.2 if err > 1.89e-4 else 5.0 * h
        return x + h, new, grown


def _finish(b, x: float, y: float, h: float, end: float) -> float:
    """The integration loop of RunDec's AlphasExact from (x, y) with the next step h to ln μ = end."""
    if h > 0:
        while x < end:
            x, y, h = _step(b, x, y, h)
            if x + h >= end:
                h = end - x
    else:
        while x > end:
            x, y, h = _step(b, x, y, h)
            if x + h <= end:
                h = end - x
    return y


def alphas_exact(alpha0: float, mu0: float, mu: float, nf: int) -> float:
    """RunDec's AlphasExact(α_s(μ_0), μ_0, μ, n_f, 3 loops), one scale."""
    y0 = alpha0 / math.pi
    x0 = math.log(mu0)
    h = _FIRST_STEP if mu0 < mu else -_FIRST_STEP
    return _finish(beta(nf), x0, y0, h, math.log(mu)) * math.pi


class _Path:
    """The steps of AlphasExact from (μ_0, α_0) in one direction, shared by all end scales:
    for an end scale the integration follows them until the first step k ≥ 1 after which the
    next step would reach it, then takes one step cut to end there."""

    def __init__(self, b, x0: float, y0: float, up: bool):
        self.b, self.up = b, up
        self.x, self.y = [x0], [y0]
        self.h = [_FIRST_STEP if up else -_FIRST_STEP]
        self.reach = [math.inf if up else -math.inf]  # x_k + h_k for k ≥ 1 (monotone envelope)

    def _extend(self, end: float) -> None:
        """Steps until one reaches beyond ``end`` (the envelope of x_k + h_k passes it)."""
        while len(self.x) < 2 or (self.reach[-1] < end if self.up else self.reach[-1] > end):
            x, y, h = _step(self.b, self.x[-1], self.y[-1], self.h[-1])
            self.x.append(x)
            self.y.append(y)
            self.h.append(h)
            r = x + h
            last = self.reach[-1] if len(self.reach) > 1 else r
            self.reach.append(max(last, r) if self.up else min(last, r))

    def _index(self, ends: np.ndarray) -> np.ndarray:
        """k of each end scale (first k ≥ 1 with x_k + h_k past it)."""
        reach = np.array(self.reach[1:])
        if self.up:
            return 1 + np.searchsorted(reach, ends, side="left")
        return 1 + np.searchsorted(-reach, -ends, side="left")

    def __call__(self, ends: np.ndarray) -> np.ndarray:
        """α_s/π at ln μ = ``ends`` (array, all on this path's side of x_0)."""
        if ends.size == 0:
            return np.zeros(0)
        self._extend(float(ends.max() if self.up else ends.min()))
        k = self._index(ends)
        x, y, h = np.array(self.x)[k], np.array(self.y)[k], ends - np.array(self.x)[k]
        out = np.array(self.y)[k].copy()
        passed = (x >= ends) if self.up else (x <= ends)  # the first step overshot the end
        todo = ~passed
        new, err = _attempt(self.b, y[todo], h[todo])
        landed = x[todo] + h[todo]
        done = (err <= 1.0) & ((landed >= ends[todo]) if self.up else (landed <= ends[todo]))
        idx = np.flatnonzero(todo)
        out[idx[done]] = new[done]
        for i in idx[~done]:  # a rejected cut step or an end missed by rounding: the plain loop
            out[i] = _finish(self.b, float(x[i]), float(y[i]), float(h[i]), float(ends[i]))
        return out


@cache
def _path(alpha0: float, mu0: float, nf: int, up: bool) -> _Path:
    return _Path(beta(nf), math.log(mu0), alpha0 / math.pi, up)


def _logs(mu: np.ndarray) -> np.ndarray:
    """ln μ elementwise with the C library's log (as flavio and RunDec take it): numpy's log of
    the whole array where it is the C library's (:func:`_numpy_log_is_libm`) and every scale is
    > 0 (~13 times faster than a Python call per scale: ~0.5 µs a point of a random scotogenic
    chunk, whose matching scales are mostly distinct), math.log scale by scale otherwise (and
    its ValueError for a scale ≤ 0, as before)."""
    flat = mu.ravel()
    if flat.size > 1 and _numpy_log_is_libm() and bool(np.all(flat > 0)):
        return np.log(flat).reshape(mu.shape)
    return np.fromiter(map(math.log, flat.tolist()), float, mu.size).reshape(mu.shape)


def _log_probe() -> np.ndarray:
    """The scales at which :func:`_numpy_log_is_libm` compares numpy's log with math.log
    (deterministic: 10⁻³⁰⁰..10³⁰⁰, the range of running scales, the neighbourhood of 1,
    subnormals)."""
    rng = np.random.default_rng(20261201)
    return np.concatenate([10.0 ** rng.uniform(-300.0, 300.0, 4000), rng.uniform(1.0, 2.0e4, 8000),
                           rng.uniform(0.999, 1.001, 4000), np.exp(rng.uniform(-5.0, 12.0, 4000)),
                           np.array([5e-324, 1e-310, 1.0, 2.0, np.e, 91.1876, 160.0, 173.0])])


#: :func:`_numpy_log_is_libm` as a scan worker's scanning process found it (:func:`adopt_log_check`),
#: or None.
_ADOPTED_LOG_CHECK: bool | None = None


def log_check() -> bool:
    """Whether numpy's log is taken for the scales here (:func:`_numpy_log_is_libm`)."""
    return _numpy_log_is_libm()


def adopt_log_check(found: bool) -> None:
    """Use ``found``, the :func:`log_check` of another process on this machine with the same
    installation (a local scan worker's parent: bridge.scan.executors), instead of comparing
    numpy's log with math.log at the 20 008 probe scales again (~8 ms of every worker's first
    chunk)."""
    global _ADOPTED_LOG_CHECK
    if not isinstance(found, bool):
        raise TypeError(f"expected a bool, got {type(found).__name__}")
    _ADOPTED_LOG_CHECK = found
    _numpy_log_is_libm.cache_clear()


def numpy_cpu() -> tuple[dict, list]:
    """numpy's table of this CPU's features ({name: found}) and its dispatched targets (the
    names ``NPY_DISABLE_CPU_FEATURES`` takes); ({}, []) where numpy does not expose them."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy 1.x
        try:
            from numpy.core import _multiarray_umath as umath
        except ImportError:
            return {}, []
    return dict(getattr(umath, "__cpu_features__", {})), list(getattr(umath, "__cpu_dispatch__", []))


@cache
def _numpy_log_is_libm() -> bool:
    """Whether numpy's float64 log is the C library's here: numpy calls the C library's log for
    float64 unless it dispatches its own SIMD log, which it has for AVX-512 (x86-64) only; so
    True on x86-64 without AVX512F where numpy's log equals math.log on :func:`_log_probe` (a
    check of the premise), False elsewhere (math.log is then taken, as before). In a local scan
    worker: its scanning process's (:func:`adopt_log_check`)."""
    if _ADOPTED_LOG_CHECK is not None:
        return _ADOPTED_LOG_CHECK
    import platform

    features, _ = numpy_cpu()
    if not features:
        return False
    if platform.machine().lower() not in ("x86_64", "amd64") or features.get("AVX512F", True):
        return False
    probe = _log_probe()
    return np.array_equal(np.log(probe), [math.log(x) for x in probe.tolist()])


def _alphas_exact_batch(alpha0: float, mu0: float, mu: np.ndarray, nf: int) -> np.ndarray:
    """AlphasExact at every scale of ``mu`` (array)."""
    ends = _logs(mu)
    out = np.empty(mu.shape)
    for up, where in ((True, mu > mu0), (False, mu < mu0)):
        if np.any(where):
            out[where] = _path(alpha0, mu0, nf, up)(ends[where])
    out[mu == mu0] = alpha0 / math.pi  # no step at all
    return out * math.pi


@dataclass(frozen=True)
class Constants:
    """What flavio's α_s and α_e depend on besides α_s(M_Z), α_e(M_Z)."""

    m_z: float  # M_Z of wilson's α_s and of flavio's α_e (a constant in both)
    thresholds: dict  # flavio config['RGE thresholds']: mc, mb, mt
    decoupling: float  # μ_th = M_th of wilson's five-to-six flavour decoupling
    defaults: dict  # flavio's central alpha_s, alpha_e
    reference: dict  # flavio's values at REFERENCE_SCALES for the defaults
    exact: bool = True  # False: this module does not reproduce them; flavio's functions are used


def _six_flavour_start(alpha_s_mz: float, c: Constants) -> float:
    """α_s^(6)(μ_th) from α_s(M_Z): five-flavour running to μ_th, on-shell decoupling there."""
    return _decoupled(alpha_s_mz, c.m_z, c.decoupling)


@cache
def _decoupled(alpha_s_mz: float, m_z: float, mu_th: float) -> float:
    a5 = alphas_exact(alpha_s_mz, m_z, mu_th, 5)
    a = a5 / math.pi
    log_ratio = math.log((mu_th * mu_th) / (mu_th * mu_th))  # μ_th = M_th
    terms = (1.0, a * log_ratio / 6.0,
             a * a * (7.0 / 24.0 + (19.0 * log_ratio) / 24.0 + (log_ratio * log_ratio) / 36.0))
    factor = 0.0
    for t in terms:
        factor += t
    return a5 * factor


def _alpha_s_exact(c: Constants, mu: np.ndarray, nf: int, alpha_s_mz: float) -> np.ndarray:
    """The reproduction of flavio's α_s at the scales ``mu`` (1-d array)."""
    if nf == 5:
        out = _alphas_exact_batch(alpha_s_mz, c.m_z, mu, 5)
        out[mu == c.m_z] = alpha_s_mz  # wilson returns its input at M_Z
        return out
    if nf == 6:
        return _alphas_exact_batch(_six_flavour_start(alpha_s_mz, c), c.decoupling, mu, 6)
    raise ValueError(f"alpha_s: n_f = {nf!r} (five or six flavours only)")


def alpha_s(mu, nf: int, alpha_s_mz: float):
    """flavio's get_alpha_s({'alpha_s': alpha_s_mz}, μ, nf_out=nf) for n_f = 5 or 6; ``mu`` a
    number or an array (GeV)."""
    c = constants()
    if not c.exact:
        return _from_flavio("s", mu, nf, alpha_s_mz)
    out = _alpha_s_exact(c, np.asarray(mu, dtype=float).reshape(-1), nf, float(alpha_s_mz))
    return float(out[0]) if np.ndim(mu) == 0 else out.reshape(np.shape(mu))


def _run_alpha_e(alpha_in, scale_in: float, scale_out, n_u: int, n_d: int, n_e: int):
    """flavio's run_alpha_e (one-loop QED), ``scale_out`` a number or an array."""
    beta0 = -4 / 3 * (4 * n_u / 3 + n_d / 3 + n_e)
    logs = _logs(np.asarray(scale_out, dtype=float) / scale_in)
    return alpha_in / (1 + alpha_in * beta0 * logs / (2 * math.pi))


#: flavio's (n_u, n_d, n_e) of each segment below and above the thresholds.
_SEGMENT = {6: (3, 3, 3), 5: (2, 3, 3), 4: (2, 2, 3), 3: (1, 2, 2)}


def _alpha_e_nf(alpha_e_mz: float, mu: np.ndarray, nf: int, c: Constants) -> np.ndarray:
    th = c.thresholds
    if nf == 5:
        return _run_alpha_e(alpha_e_mz, c.m_z, mu, *_SEGMENT[5])
    if nf == 6:
        at_mt = float(_run_alpha_e(alpha_e_mz, c.m_z, th["mt"], *_SEGMENT[5]))
        return _run_alpha_e(at_mt, th["mt"], mu, *_SEGMENT[6])
    at_mb = float(_run_alpha_e(alpha_e_mz, c.m_z, th["mb"], *_SEGMENT[5]))
    if nf == 4:
        return _run_alpha_e(at_mb, th["mb"], mu, *_SEGMENT[4])
    if nf == 3:
        at_mc = float(_run_alpha_e(at_mb, th["mb"], th["mc"], *_SEGMENT[4]))
        return _run_alpha_e(at_mc, th["mc"], mu, *_SEGMENT[3])
    raise ValueError(f"alpha_e: n_f = {nf!r}")


def _alpha_e_exact(c: Constants, mu: np.ndarray, nf: int | None, alpha_e_mz: float) -> np.ndarray:
    """The reproduction of flavio's α_e at the scales ``mu`` (1-d array)."""
    th = c.thresholds
    if nf:
        nfs = np.full(mu.shape, nf)
    else:  # flavio's get_nf
        nfs = np.where(mu >= th["mt"], 6, np.where(mu >= th["mb"], 5, np.where(mu >= th["mc"], 4, 3)))
    out = np.empty(mu.shape)
    # the distinct n_f in increasing order, as np.unique(nfs) but without it: np.unique imports
    # numpy.ma (numpy 2: np.ma.is_masked), ~15 ms of every scan worker's first chunk
    present = [nf] if nf else [n for n in (3, 4, 5, 6) if np.any(nfs == n)]
    for n in (present if mu.size else []):
        where = nfs == n
        out[where] = _alpha_e_nf(alpha_e_mz, mu[where], n, c)
    return out


def alpha_e(mu, nf: int | None, alpha_e_mz: float):
    """flavio's get_alpha_e({'alpha_e': alpha_e_mz}, μ, nf_out=nf); ``nf`` None: from the scale
    (flavio's get_nf). ``mu`` a number or an array (GeV)."""
    c = constants()
    if not c.exact:
        return _from_flavio("e", mu, nf, alpha_e_mz)
    out = _alpha_e_exact(c, np.asarray(mu, dtype=float).reshape(-1), nf, float(alpha_e_mz))
    return float(out[0]) if np.ndim(mu) == 0 else out.reshape(np.shape(mu))


def _from_flavio(kind: str, mu, nf, value):
    """flavio's own function (only when :func:`constants` found this module off)."""
    from flavio.physics.running.running import get_alpha_e, get_alpha_s

    fn, name = (get_alpha_s, "alpha_s") if kind == "s" else (get_alpha_e, "alpha_e")
    par = {name: float(value)}
    values = [fn(par, float(m), nf_out=nf) for m in np.asarray(mu, dtype=float).reshape(-1)]
    return float(values[0]) if np.ndim(mu) == 0 else np.array(values).reshape(np.shape(mu))


# ---------------------------------------------------------------------------
# the constants: shipped, cached or from flavio; checked once per process
# ---------------------------------------------------------------------------
def _versions() -> dict:
    from bridge.versions import installed as version  # once per process

    return {"flavio": version("flavio"), "wilson": version("wilson"), "rundec": version("rundec"),
            "format": FORMAT}


def compute_payload() -> dict:
    """The constants and reference values from flavio (imports it)."""
    import flavio
    from flavio.config import config
    from flavio.physics.running.running import get_alpha_e, get_alpha_s
    from wilson.util import qcd

    par = flavio.default_parameters.get_central_all()
    th = {k: float(config["RGE thresholds"][k]) for k in ("mc", "mb", "mt")}
    scales = list(REFERENCE_SCALES)
    return {
        # M_Z: wilson's α_s and flavio's α_e both take it as a constant (91.1876 GeV);
        # μ_th = M_th = 170 GeV: wilson.util.qcd.alpha_s for six flavours
        "m_z": float(qcd.MZ), "decoupling": 170.0, "thresholds": th,
        "defaults": {"alpha_s": float(par["alpha_s"]), "alpha_e": float(par["alpha_e"])},
        "reference": {"scales": scales,
                      "alpha_s_5": [float(get_alpha_s(par, m, nf_out=5)) for m in scales if m <= th["mt"]],
                      "alpha_s_6": [float(get_alpha_s(par, m, nf_out=6)) for m in scales if m >= 170.0],
                      "alpha_e": [float(get_alpha_e(par, m)) for m in scales],
                      "alpha_e_6": [float(get_alpha_e(par, m, nf_out=6)) for m in scales]},
    }


def parse_payload(payload) -> Constants:
    """A shipped or cached payload, checked (finite numbers in physical windows, reference lists
    of the right lengths); raises :class:`bridge.cache.Invalid`."""
    if not isinstance(payload, dict):
        raise diskcache.Invalid("not an object")
    real = diskcache.real
    m_z = real(payload.get("m_z"), "m_z")
    decoupling = real(payload.get("decoupling"), "decoupling")
    th = payload.get("thresholds")
    if not isinstance(th, dict) or set(th) != {"mc", "mb", "mt"}:
        raise diskcache.Invalid("thresholds are not {mc, mb, mt}")
    th = {k: real(v, f"threshold {k}") for k, v in th.items()}
    if not (0.5 < th["mc"] < th["mb"] < m_z < th["mt"] < 300.0 and 100.0 < decoupling < 300.0
            and 90.0 < m_z < 92.5):
        raise diskcache.Invalid("masses and thresholds outside their physical order or windows")
    d = payload.get("defaults")
    if not isinstance(d, dict):
        raise diskcache.Invalid("no defaults")
    defaults = {"alpha_s": real(d.get("alpha_s"), "alpha_s"), "alpha_e": real(d.get("alpha_e"), "alpha_e")}
    if not (0.10 <= defaults["alpha_s"] <= 0.135 and 1 / 135 <= defaults["alpha_e"] <= 1 / 120):
        raise diskcache.Invalid("default alpha_s or alpha_e outside its window")
    ref = payload.get("reference")
    if not isinstance(ref, dict):
        raise diskcache.Invalid("no reference values")
    scales = [real(x, "reference scale") for x in ref.get("scales", [])]
    lengths = {"alpha_s_5": sum(m <= th["mt"] for m in scales),
               "alpha_s_6": sum(m >= decoupling for m in scales),
               "alpha_e": len(scales), "alpha_e_6": len(scales)}
    reference = {"scales": scales}
    for name, n in lengths.items():
        values = ref.get(name)
        if not isinstance(values, list) or len(values) != n:
            raise diskcache.Invalid(f"reference {name} has not {n} values")
        reference[name] = [real(x, f"reference {name}") for x in values]
    return Constants(m_z, th, decoupling, defaults, reference)


def _shipped(key: dict) -> Constants | None:
    from bridge.likelihoods.data import DATA_DIR, shipped_doc

    doc = shipped_doc(SHIPPED_FILE, key)
    if doc is None:
        return None
    try:
        return parse_payload(doc.get("payload"))
    except diskcache.Invalid as exc:
        diskcache.warn(DATA_DIR / SHIPPED_FILE, str(exc))
        return None


def mismatch(c: Constants) -> float:
    """Largest relative difference between this module and flavio's reference values."""
    ref, th = c.reference, c.thresholds
    scales = np.array(ref["scales"])
    a_s, a_e = c.defaults["alpha_s"], c.defaults["alpha_e"]
    pairs = [(_alpha_s_exact(c, scales[scales <= th["mt"]], 5, a_s), ref["alpha_s_5"]),
             (_alpha_s_exact(c, scales[scales >= c.decoupling], 6, a_s), ref["alpha_s_6"]),
             (_alpha_e_exact(c, scales, None, a_e), ref["alpha_e"]),
             (_alpha_e_exact(c, scales, 6, a_e), ref["alpha_e_6"])]
    return max(float(np.max(np.abs(mine / np.asarray(theirs) - 1.0))) for mine, theirs in pairs)


#: Constants a scan worker took from its scanning process (:func:`adopt`), or None.
_ADOPTED: Constants | None = None


def adopt(found: Constants) -> None:
    """Use ``found``, the :func:`constants` of another process on this machine with the same
    installation (a local scan worker's parent: bridge.scan.executors), instead of reading and
    checking them again: the version look-up imports importlib.metadata, and the check runs
    the α_e and α_s functions at the reference scales, ~40 ms of every worker's first chunk."""
    global _ADOPTED
    if not isinstance(found, Constants):
        raise TypeError(f"expected Constants, got {type(found).__name__}")
    _ADOPTED = found
    constants.cache_clear()


@cache
def constants() -> Constants:
    """The constants for the installed flavio, wilson and rundec: shipped, cached on disk, or
    computed with flavio (once; then cached). Checked against flavio's reference values.
    In a local scan worker: its scanning process's (:func:`adopt`)."""
    if _ADOPTED is not None:
        return _ADOPTED
    key = _versions()
    found = _shipped(key)
    if found is None:
        path = diskcache.entry_path("couplings", key)
        found = diskcache.load(path, key, parse_payload)
        if found is None:
            payload = compute_payload()
            diskcache.store(path, key, payload)
            found = parse_payload(payload)
    off = mismatch(found)
    if not off <= CHECK_TOLERANCE:
        print(f"bridge: warning: bridge.couplings differs from flavio's alpha_s/alpha_e by {off:.1e} "
              f"(flavio {key['flavio']}, wilson {key['wilson']}, rundec {key['rundec']}); "
              "using flavio's functions", file=sys.stderr)
        return Constants(found.m_z, found.thresholds, found.decoupling, found.defaults,
                         found.reference, exact=False)
    return found


def inputs(par: Mapping | None = None) -> dict[str, float]:
    """{'alpha_s': α_s(M_Z), 'alpha_e': α_e(M_Z)}: from ``par`` (flavio's parameter names, e.g.
    a card's SMINPUTS overrides or flavio's parameter dict), flavio's defaults where absent."""
    defaults = constants().defaults
    par = par or {}
    return {k: float(par.get(k, defaults[k])) for k in ("alpha_s", "alpha_e")}


def write_shipped(path=None) -> str:
    """Write bridge/data/couplings.json for the installed flavio, wilson and rundec:
    ``python -c "from bridge.couplings import write_shipped as w; w()"`` after changing them."""
    import json

    from bridge.likelihoods.data import DATA_DIR

    doc = {"description": "flavio's default alpha_s(M_Z), alpha_e(M_Z), the constants of its "
                          "alpha_s/alpha_e and its values at reference scales "
                          "(bridge.couplings.write_shipped); used when the key matches exactly",
           "key": _versions(), "payload": compute_payload()}
    path = path or DATA_DIR / SHIPPED_FILE
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")
    return str(path)


