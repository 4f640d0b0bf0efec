"""Model evaluation over arrays of points: batched hooks, with a point-by-point fallback.

A plugin that implements ``bridge_batch_spectrum`` (see :mod:`bridge.hookspecs`) gets N
points at once as a :class:`BatchInputs`; its spectrum carries a batched
:class:`bridge.engine.DarkSector` and its coefficient hooks return arrays. Any other plugin,
or a batch that raises, is evaluated with :func:`bridge.run.evaluate` point by point, so a
failing point is isolated and reported with its message while the others go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.errors import BridgeError
from bridge.model import ModelInputs


class BatchInputs(ModelInputs):
    """Model inputs of N points: each value is a number or an array of shape (N,)."""

    def __init__(self, values: dict[str, dict], size: int, source: str = "") -> None:
        super().__init__(values, source)
        self.size = int(size)

    def vector(self, block: str, n: int) -> np.ndarray:
        """(n,) if no entry varies, else (N, n)."""
        return self._stack([self[block][i] for i in range(1, n + 1)], (n,))

    def matrix(self, block: str, rows: int, cols: int) -> np.ndarray:
        """(rows, cols) if no entry varies, else (N, rows, cols)."""
        values = [self[block][(i, j)] for i in range(1, rows + 1) for j in range(1, cols + 1)]
        return self._stack(values, (rows, cols))

    def _stack(self, values, shape) -> np.ndarray:
        if all(np.ndim(v) == 0 for v in values):
            return np.array(values, dtype=complex).reshape(shape)
        cols = [np.broadcast_to(np.asarray(v, dtype=complex), (self.size,)) for v in values]
        return np.stack(cols, axis=-1).reshape((self.size, *shape))

    def point(self, i: int) -> ModelInputs:
        """The ModelInputs of point ``i`` (numbers only)."""
        values = {b: {k: (v[i].item() if np.ndim(v) else v) for k, v in block.items()}
                  for b, block in self._values.items()}
        return ModelInputs(values, self.source)


def takagi_real_batch(mass_matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation of N real symmetric matrices (N, n, n): Vᵀ M V = diag(m), m ≥ 0.

    The batched form of the real branch of :func:`bridge.linalg.takagi`: M = O diag(μ) Oᵀ
    (numpy ``eigh``), V = O diag(1 or i) so that negative eigenvalues become positive
    masses, columns sorted by mass. Returns m (N, n) ascending and V (N, n, n) complex.
    """
    eig, orth = np.linalg.eigh(np.asarray(mass_matrices, dtype=float))
    phases = np.where(eig < 0, 1j, 1.0)
    masses = np.abs(eig)
    v = orth * phases[:, None, :]
    order = np.argsort(masses, axis=-1)
    masses = np.take_along_axis(masses, order, axis=-1)
    v = np.take_along_axis(v, order[:, None, :], axis=-1)
    return masses, v


@dataclass
class BatchResult:
    """Model output of N points; failed points have ``errors[i]`` set and NaN values."""

    size: int
    masses: dict[str, np.ndarray] = field(default_factory=dict)  # particle name -> (N,)
    coefficients: dict[str, np.ndarray] = field(default_factory=dict)  # flavio name -> complex (N,)
    contributions: dict[str, np.ndarray] = field(default_factory=dict)  # complex (N,)
    one_loop: dict[str, np.ndarray] = field(default_factory=dict)  # float (N,)
    m_nu: np.ndarray | None = None  # complex (N, 3, 3)
    errors: list[str | None] = field(default_factory=list)
    vectorised: bool = False

    @property
    def ok(self) -> np.ndarray:
        return np.array([e is None for e in self.errors], dtype=bool)


def _as_array(value, n: int, dtype=complex) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()


def evaluate_batch(model, inputs: BatchInputs, sm, *, vectorised: bool = True) -> BatchResult:
    """Spectrum masses, coefficients, contributions and one-loop values of N points."""
    if vectorised and _has_hook(model, "bridge_batch_spectrum"):
        try:
            result = _evaluate_vectorised(model, inputs, sm)
        except (BridgeError, ValueError, ArithmeticError, NotImplementedError,
                np.linalg.LinAlgError, TypeError, IndexError):
            result = None  # one bad point spoils the batch: isolate it point by point
        if result is not None:
            return result
    return _evaluate_points(model, inputs, sm)


def _has_hook(model, hook: str) -> bool:
    return any(impl.plugin is model.plugin for impl in getattr(model.pm.hook, hook).get_hookimpls())


def _evaluate_vectorised(model, inputs: BatchInputs, sm) -> BatchResult | None:
    from bridge.run import one_loop_summary

    n = inputs.size
    spectrum = model._call("bridge_batch_spectrum", inputs=inputs, sm=sm)
    if spectrum is None:
        return None
    quark = model._call("bridge_wilson_coefficients", spectrum=spectrum, inputs=inputs, sm=sm) or {}
    dipoles = model._call("bridge_dipoles", spectrum=spectrum, inputs=inputs, sm=sm) or {}
    m_nu = model._call("bridge_neutrino_mass_matrix", spectrum=spectrum, inputs=inputs, sm=sm)
    out = BatchResult(n, vectorised=True)
    for p in spectrum.particles:
        out.masses[p.name] = _as_array(p.mass, n, float)
    for name, value in {**quark, **dipoles}.items():
        out.coefficients[name] = _as_array(value, n)
    for name, value in spectrum.data.get("contributions", {}).items():
        if np.ndim(value) <= 1:
            out.contributions[name] = _as_array(value, n)
    out.one_loop = {k: _as_array(v, n, float) for k, v in one_loop_summary(dipoles, sm).items()}
    out.m_nu = (np.zeros((n, 3, 3), complex) if m_nu is None
                else np.broadcast_to(np.asarray(m_nu, complex), (n, 3, 3)).copy())
    bad = np.zeros(n, dtype=bool)
    for table in (out.masses, out.coefficients, out.contributions, out.one_loop):
        for v in table.values():
            bad |= ~np.isfinite(v)
    out.errors = [f"model {model.name}: non-finite result" if b else None for b in bad]
    return out


def _evaluate_points(model, inputs: BatchInputs, sm) -> BatchResult:
    """Point by point with :func:`bridge.run.evaluate`; failures keep their message."""
    from bridge.run import evaluate, one_loop_summary

    n = inputs.size
    rows = []
    for i in range(n):
        try:
            spectrum, quark, dipoles, m_nu = evaluate(model, inputs.point(i), sm, f"point {i}")
            rows.append((spectrum, {**quark, **dipoles}, one_loop_summary(dipoles, sm), m_nu, None))
        except BridgeError as exc:
            rows.append((None, {}, {}, None, str(exc)))
        except Exception as exc:  # a plugin bug must not stop the scan; it is stored
            rows.append((None, {}, {}, None, f"{type(exc).__name__}: {exc}"))
    out = BatchResult(n, errors=[r[4] for r in rows])
    out.m_nu = np.full((n, 3, 3), np.nan + 0j)
    for i, (spectrum, coeffs, one_loop, m_nu, err) in enumerate(rows):
        if err is not None:
            continue
        for p in spectrum.particles:
            out.masses.setdefault(p.name, np.full(n, math.nan))[i] = p.mass
        for k, v in coeffs.items():
            out.coefficients.setdefault(k, np.zeros(n, complex))[i] = v
        for k, v in spectrum.data.get("contributions", {}).items():
            if np.ndim(v) == 0:
                out.contributions.setdefault(k, np.zeros(n, complex))[i] = v
        for k, v in one_loop.items():
            out.one_loop.setdefault(k, np.full(n, math.nan))[i] = v
        out.m_nu[i] = m_nu
    failed = ~out.ok
    for table in (out.coefficients, out.contributions):
        for v in table.values():
            v[failed] = np.nan
    return out
