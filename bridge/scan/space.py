"""What a scan varies: ``--vary`` specifications, grids and random or Latin-hypercube samples.

``BLOCK:ENTRY:LO:HI:N[:log]`` varies one card entry over N values from LO to HI (linear,
or logarithmic with ``:log``). ENTRY is ``3`` or ``2,1`` (matrix entries); ``IMBLOCK``
varies an imaginary part; a product ``YSIN:2*YSIN:3:LO:HI:N`` varies (Y_S)_2 (Y_S)_3 with
the ratio of the factors kept (:mod:`bridge.targets`, as ``bridge fit``).

A grid has Π N_i points, numbered in C order (the last ``--vary`` fastest). With
``--sample random:M`` or ``--sample lhs:M`` the N_i are ignored and M points are drawn in
the box (uniform in log for ``:log`` axes) from ``numpy.random.default_rng(seed)``:
reproducible, so a restarted scan draws the same points. Point i of a random sample comes
from a generator seeded with (seed, i // 4096), so no chunk needs the others, and the results
file keeps the sampler instead of the points (bridge.scan.store: drawn again when read, checked
against a CRC-32 of the values the points were computed at).

A logarithmic axis maps its unit interval with :func:`portable_exp` and logarithms taken in
decimal arithmetic (:func:`_ln`), not with numpy's ``exp``/``log``/``geomspace``: numpy
dispatches those to SIMD kernels chosen by the processor (AVX-512 on recent Intel CPUs), whose
last bits differ from the others'. A results file keeps the sampler, not the points, so a file
written on one machine must give the same points, bit for bit, on every other one. Files of
scans before this map (no ``log_map`` in their space) keep numpy's (``log_map`` "numpy"): read
and resumed as they were written, on a processor of the same kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal

import numpy as np

from bridge.errors import InputError
from bridge.targets import CardParameter, resolve_product, target_value

SAMPLERS = ("grid", "random", "lhs")
_BLOCK = 4096  # points per generator block of a random sample
#: Most points of a scan. The scanning process keeps ~10 bytes of bookkeeping per point
#: (1 GB here) and the results file ~250 bytes (25 GB for F_Ib with seed2021), about a day
#: at the fast path's rate.
MAX_POINTS = 10**8
#: Most points of a Latin hypercube, whose design is held in memory (8 bytes per point and axis).
MAX_LHS_POINTS = 10**7
#: How a logarithmic axis maps [0, 1]: "portable" (:func:`portable_exp`, the same bits on every
#: processor) or "numpy" (np.exp and np.geomspace: results files of earlier scans)
LOG_MAPS = ("portable", "numpy")

# exp's argument reduction y = k ln 2 + r (Cody and Waite, "Software Manual for the Elementary
# Functions", Prentice-Hall 1980, ch. 6; the split of ln 2 as in fdlibm's e_exp.c): _LN2_HI holds
# ln 2's leading 32 bits, so k * _LN2_HI is exact for |k| < 2**21, and y - k * _LN2_HI too
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
# Taylor coefficients 1/13!, ..., 1/2! of (e^r - 1 - r) / r^2: for |r| <= ln(2)/2 the first term
# left out, r^12/14!, is below 4e-18, a 30th of float64's unit roundoff
_EXPM1_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(13, 1, -1))
_DECIMAL = Context(prec=40)


def portable_exp(y) -> np.ndarray:
    """e**y of a float64 array (|y| < 745), within one unit in the last place, computed with
    IEEE-rounded elementwise + - * only (numpy never fuses them): the same bits on every
    processor and numpy build, where np.exp's SIMD kernels are not. Reduction
    y = k ln 2 + r with |r| <= ln(2)/2 (Cody and Waite, 1980), e^r from its Taylor series to r^13
    (Horner), 2^k applied exactly by ldexp."""
    y = np.asarray(y, dtype=np.float64)
    k = np.rint(y * _INV_LN2)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    q = np.full_like(r, _EXPM1_TAYLOR[0])
    for c in _EXPM1_TAYLOR[1:]:
        q *= r
        q += c
    q *= r * r  # e^r - 1 - r
    q += r
    q += 1.0
    return np.ldexp(q, k.astype(np.int32))  # |k| <= 1075; int32: the ldexp loop numpy has


def _ln(x: float) -> float:
    """The natural logarithm of a positive float (its exact decimal value), to 40 digits and
    then to float64: correctly rounded but where it lies within 1e-40 of a tie (decimal
    arithmetic, the same everywhere: math.log is the platform's libm, whose last bit may
    differ between builds)."""
    return float(_DECIMAL.ln(Decimal(x)))


def _ln_ratio(hi: float, lo: float) -> float:
    """ln(hi / lo) as :func:`_ln`, without the rounding of hi / lo."""
    return float(_DECIMAL.subtract(_DECIMAL.ln(Decimal(hi)), _DECIMAL.ln(Decimal(lo))))


@dataclass(frozen=True)
class Axis:
    """One scan parameter."""

    spec: str
    name: str  # e.g. MINPAR:1 or YSIN:2*YSIN:3 (column par:<name>)
    lo: float
    hi: float
    n: int
    log: bool
    parameter: CardParameter | None  # targets and product rule (None: values only)

    def values(self, log_map: str = "portable") -> np.ndarray:
        """The axis' N grid values (from LO to HI, both exact; equal steps in log for a log
        axis, mapped as ``log_map`` says: :data:`LOG_MAPS`)."""
        if not self.log:
            return np.linspace(self.lo, self.hi, self.n)
        if log_map == "numpy":
            return np.geomspace(self.lo, self.hi, self.n)
        out = self.from_unit(np.linspace(0.0, 1.0, self.n), log_map)
        out[0] = self.lo
        if self.n > 1:
            out[-1] = self.hi
        return out

    def from_unit(self, t: np.ndarray, log_map: str = "portable") -> np.ndarray:
        """Map [0, 1] to the axis (log-uniform for a log axis: ``log_map`` as in :meth:`values`;
        "portable" stays within [LO, HI])."""
        if not self.log:
            return self.lo + t * (self.hi - self.lo)
        if log_map == "numpy":
            return np.exp(math.log(self.lo) + t * (math.log(self.hi) - math.log(self.lo)))
        if log_map != "portable":
            raise ValueError(f"unknown log map {log_map!r}")
        x = portable_exp(_ln(self.lo) + np.asarray(t, dtype=np.float64) * _ln_ratio(self.hi, self.lo))
        # min/max: a sampled axis of N = 1 may have LO > HI (parse_vary), drawn between them
        return np.clip(x, min(self.lo, self.hi), max(self.lo, self.hi), out=x)

    def as_dict(self) -> dict:
        return {"spec": self.spec, "name": self.name, "lo": self.lo, "hi": self.hi, "n": self.n,
                "log": self.log}


def parse_vary(spec: str, info, inputs) -> Axis:
    """``BLOCK:ENTRY[*BLOCK:ENTRY]:LO:HI:N[:log]`` → :class:`Axis` (InputError if bad)."""
    tokens = spec.split(":")
    log = tokens[-1].strip().lower() in ("log", "lin")
    if log:
        log = tokens.pop().strip().lower() == "log"
    if len(tokens) < 5:
        raise InputError(f"--vary {spec!r}: expected BLOCK:ENTRY:LO:HI:N[:log], e.g. MINPAR:1:100:1000:50")
    target_text = ":".join(tokens[:-3])
    lo, hi, n = (t.strip() for t in tokens[-3:])
    try:
        lo, hi = float(lo), float(hi)
        n = int(n)
    except ValueError:
        raise InputError(f"--vary {spec!r}: LO and HI must be numbers and N an integer") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or n < 1:
        raise InputError(f"--vary {spec!r}: LO, HI must be finite and N >= 1")
    if n > 1 and not lo < hi:
        raise InputError(f"--vary {spec!r}: LO must be below HI")
    if log and lo <= 0:
        raise InputError(f"--vary {spec!r}: a log axis needs LO > 0")
    factors = [f.strip() for f in target_text.split("*")]
    targets = resolve_product(factors, info, spec, "--vary")
    base = tuple(target_value(t, inputs) for t in targets)
    if len(targets) > 1:
        p0 = math.prod(base)
        if p0 == 0:
            raise InputError(f"--vary {spec!r}: a product needs non-zero card values of its factors "
                             "(it scales them with their ratio kept)")
        if (p0 > 0 and lo < 0) or (p0 < 0 and hi > 0):
            raise InputError(f"--vary {spec!r}: the product cannot change sign (card value {p0:g})")
    for t in targets:
        entry = info.block(t.block).entry(t.key)
        if entry.positive and not t.imaginary and lo <= 0 and len(targets) == 1:
            raise InputError(f"--vary {spec!r}: {entry.symbol} must be positive")
    name = "*".join(t.label for t in targets)
    return Axis(spec, name, lo, hi, n, log, CardParameter(name, targets, base))


class Space:
    """The points of a scan: a grid over the axes, or a random / Latin-hypercube sample."""

    def __init__(self, axes: list[Axis], sampler: str = "grid", size: int | None = None, seed: int = 1,
                 log_map: str = "portable"):
        if not axes:
            raise InputError("nothing to scan: give at least one --vary")
        names = [a.name for a in axes]
        targets = [t for a in axes if a.parameter is not None for t in a.parameter.targets]
        if len(set(names)) != len(names) or len(set(targets)) != len(targets):
            raise InputError("a card entry is varied twice")
        if sampler not in SAMPLERS:
            raise InputError(f"unknown sampler {sampler!r} (known: {', '.join(SAMPLERS)})")
        if log_map not in LOG_MAPS:
            raise InputError(f"unknown log map {log_map!r} (known: {', '.join(LOG_MAPS)})")
        self.axes, self.sampler, self.seed = list(axes), sampler, int(seed)
        #: how the log axes map [0, 1] (:data:`LOG_MAPS`)
        self.log_map = log_map
        if sampler == "grid":
            self.shape = tuple(a.n for a in axes)
            self.size = math.prod(self.shape)  # Python integers: exact, whatever the size
        else:
            if not size or size < 1:
                raise InputError(f"--sample {sampler} needs a number of points, e.g. {sampler}:10000")
            self.shape, self.size = None, int(size)
        limit = MAX_LHS_POINTS if sampler == "lhs" else MAX_POINTS
        if self.size > limit:  # before anything is allocated for the points
            what = "a Latin hypercube" if sampler == "lhs" else "a scan"
            raise InputError(f"the scan has {_count(self.size)} points, above the limit of "
                             f"{_count(limit)} points for {what}; use fewer points per --vary "
                             "(or --sample random:N)")
        self._lhs = None
        self._grid = None

    def __getstate__(self) -> dict:
        # pickled with every chunk (runner.Context), whose values the worker is handed: the
        # caches stay here (a 10^6-point axis' values: 8 MB; a hypercube's design: 8 MB an axis)
        return {**self.__dict__, "_grid": None, "_lhs": None}

    def as_dict(self) -> dict:
        """The scan's points as JSON; ``log_map`` only with a log axis (the identity of a scan
        without one is what it was before the portable map)."""
        out = {"axes": [a.as_dict() for a in self.axes], "sampler": self.sampler, "size": self.size,
               "seed": self.seed, "shape": list(self.shape) if self.shape else None}
        if any(a.log for a in self.axes):
            out["log_map"] = self.log_map
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Space:
        """The points of :meth:`as_dict` (axes without their card targets: values only); a
        space stored without ``log_map`` is an earlier scan's: numpy's map."""
        axes = [Axis(str(a["spec"]), str(a["name"]), float(a["lo"]), float(a["hi"]), int(a["n"]),
                     bool(a["log"]), None) for a in d["axes"]]
        return cls(axes, str(d["sampler"]), d.get("size"), int(d.get("seed", 1)),
                   str(d.get("log_map", "numpy")))

    def values(self, ids: np.ndarray) -> np.ndarray:
        """Parameter values (len(ids), n_axes) of the points ``ids``."""
        ids = np.asarray(ids, dtype=np.int64)
        if self.sampler == "grid":
            index = np.unravel_index(ids, self.shape)
            if self._grid is None:  # each axis' values once (a log axis' map: ~0.1 ms)
                self._grid = [a.values(self.log_map) for a in self.axes]
            return np.stack([v[i] for v, i in zip(self._grid, index, strict=True)], axis=-1)
        if self.sampler == "lhs":
            return self._lhs_design()[ids]
        return self._random(ids)

    def _random(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty((ids.size, len(self.axes)))
        # the blocks with return_inverse: np.unique without it imports numpy.ma (numpy 2), ~20 ms
        # of the scanning process
        blocks, where = np.unique(ids // _BLOCK, return_inverse=True)
        for k, block in enumerate(blocks.tolist()):
            rng = np.random.default_rng([self.seed, block])
            t = rng.random((_BLOCK, len(self.axes)))
            sel = where == k
            out[sel] = t[ids[sel] % _BLOCK]
        return self._map(out)

    def _lhs_design(self) -> np.ndarray:
        """Latin hypercube (McKay, Beckman, Conover, Technometrics 21 (1979) 239): each axis
        cut into M strata, one point per stratum, strata paired by random permutations."""
        if self._lhs is None:
            rng = np.random.default_rng([self.seed, 7919])
            m, d = self.size, len(self.axes)
            t = np.empty((m, d))
            for k in range(d):
                t[:, k] = (rng.permutation(m) + rng.random(m)) / m
            self._lhs = self._map(t)
        return self._lhs

    def _map(self, t: np.ndarray) -> np.ndarray:
        return np.stack([a.from_unit(t[:, k], self.log_map) for k, a in enumerate(self.axes)], axis=-1)

    def grid_index(self, ids: np.ndarray):
        """Multi-index of grid points (grids only)."""
        return np.unravel_index(np.asarray(ids, dtype=np.int64), self.shape)


def _count(n: int) -> str:
    """1000000 as is, 10**18 as 10^18, others as 1.2e+13."""
    k = len(str(n)) - 1
    if n >= 10**6 and n == 10**k:
        return f"10^{k}"
    return str(n) if n < 10**6 else f"{n:.3g}"


def batch_inputs(space: Space, inputs, values: np.ndarray):
    """The :class:`bridge.model.BatchInputs` of points with parameter ``values``
    (n, n_axes), and the card-entry columns ``in:BLOCK:ENTRY`` they set."""
    from bridge.model import BatchInputs

    n = values.shape[0]
    blocks = {name: dict(block) for name, block in inputs.items()}
    entries = {}
    for k, axis in enumerate(space.axes):
        p = axis.parameter
        v = values[:, k]
        if len(p.targets) == 1:
            assigned = [(p.targets[0], v)]
        else:
            scale = p.factor_scale(v)
            assigned = [(t, b * scale) for t, b in zip(p.targets, p.base, strict=True)]
        for t, x in assigned:
            old = blocks[t.block][t.key]
            if isinstance(old, complex) or np.iscomplexobj(old):
                new = (np.real(old) + 1j * x) if t.imaginary else (x + 1j * np.imag(old))
            else:
                new = x
            blocks[t.block][t.key] = new
            entries[f"in:{t.label}"] = x
    return BatchInputs(blocks, n, inputs.source), entries
