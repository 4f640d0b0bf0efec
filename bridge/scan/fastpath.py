"""Exact fast path: flavio observables as exact functions of the Wilson coefficients.

At fixed SM parameters (flavio version, SMINPUTS) a flavio prediction is a fixed function of
the NP coefficients handed to wilson at the hand-over scale. wilson's running is linear and
flavio's amplitudes are linear in the coefficients it runs to, so every observable the bridge
predicts is an exact function of a few *components*, each a polynomial of degree ≤ 2 in the
real variables u (real and imaginary parts of the coefficients, :data:`VARIABLES`):

* ``quadratic``: O = q (rates and binned rates, linear shifts: BR(B_s→μμ) — its A_ΔΓ
  correction cancels the division, flavio/physics/bdecays/bll.py ``br_timeint`` —,
  BR(B→K(*)νν̄), BR(B→X_sγ), a_μ, BR(μ→eγ), ⟨dBR/dq²⟩ of B→K(*)μμ);
* ``ratio``: O = q_1/q_2 (the lepton-flavour ratios ⟨R_μe⟩, binned S_i, F_L, P_i; flavio
  returns 0 when q_1 = 0);
* ``pprime``: O = q_1/(2√(−q_2 q_3)) (binned P'_i, flavio's ``BVll_int_pprime``);
* ``deltam``: ΔM = |2 Re[√r (M_12 − iΓ_12/2)]|, r = (2M_12^* − iΓ_12^*)/(2M_12 − iΓ_12)
  (flavio/physics/mesonmixing/common.py ``DeltaM``, ``q_over_p``) with the complex
  components M_12 (linear in CVLL, CVRR) and Γ_12 (flavio 2.7.1: SM only, a constant; 0 for
  K mixing, where ΔM = 2|M_12|);
* ``cp_mixing``: S_ψK = −2 Im ξ/(1 + |ξ|²), ξ = η_CP (q/p) A/Ā (flavio's
  mesonmixing/observables.py ``S``) of the same M_12, Γ_12 and the constant η_CP A/Ā;
* ``x12im``: x_12^Im = 2|M_12| τ sin arg(M_12/Γ_12) (``x12Im``), τ a constant;
* ``mixing``: the time-integrated rates of B_s → V ℓℓ (arXiv:1502.05509, Eq. (48), flavio's
  ``bsvll_obs``): O = A + C cos φ + S sin φ with φ = arg(−q/p) = arg √r of the same M_12,
  Γ_12, because the interference term J_h depends on φ only through e^{iφ} linearly
  (flavio/physics/bdecays/angular.py ``angularcoeffs_h_Gbasis_v``). The components are the
  binned rates at φ = 0, π/2, π (g_0, g_1, g_2: A = (g_0 + g_2)/2, C = (g_0 − g_2)/2,
  S = g_1 − A), each quadratic;
* ``mixing_ratio``: the ratio of two such (B_s → V ℓℓ binned S_i, F_L, ⟨R_μe⟩);
* ``direct``: no exact representation (evaluated by flavio at every point).

The representation is a property of the observable in coefficient space — flavio and wilson
versions, the observable, the hand-over scale and the SMINPUTS overrides — and not of a model
or a scan range. It is built once with flavio (:mod:`bridge.scan.fastpath_build`: the
components are evaluated at designed points, which determines a polynomial of degree two
exactly, and every observable is validated against flavio at random points of coefficient
space) and then read: the default one (flavio 2.7.1, the observables of ``bridge run`` and of
the ``flavio`` likelihoods, 160 GeV, no overrides) ships in ``bridge/data/fastpath.json``,
others go to the disk cache (:mod:`bridge.cache`), one entry per observable. Nothing here
imports flavio.

A point whose coefficients leave :data:`COEFFICIENTS` (a hand-written plugin returning, say,
a scalar operator) is evaluated by flavio directly; the scan reports how many.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bridge import cache
from bridge.linalg import ROW_BLOCK, point_rows
from bridge.observable import Observable

#: Bump when the representation or its construction changes (invalidates cache entries).
FORMAT = 3
#: Default acceptance: max |fast − flavio|/|flavio| over the validation points.
TOLERANCE = 1e-6
#: The shipped representations (bridge/data).
SHIPPED_FILE = "fastpath.json"


# ---------------------------------------------------------------------------
# coefficient space
# ---------------------------------------------------------------------------
def _coefficients() -> dict[str, float]:
    """The flavio WET coefficients bridge.matching produces, with the design step of each
    (a typical size: its unit in u). Steps only affect rounding, not the representation."""
    out = {}
    for lep in ("ee", "mumu", "tautau"):
        for c in ("C9", "C10", "C9p", "C10p"):
            out[f"{c}_bs{lep}"] = 1.0
    nus = ("nue", "numu", "nutau")
    for c in ("CL", "CR"):
        for a in nus:
            for b in nus:
                out[f"{c}_bs{a}{b}"] = 1.0
    for c in ("C7_bs", "C7p_bs", "C8_bs", "C8p_bs"):
        out[c] = 0.1
    # ΔF = 2 (GeV⁻²): the SM M_12 of B_s corresponds to CVLL ≈ 7e-11
    out["CVLL_bsbs"] = out["CVRR_bsbs"] = 1e-10
    for lep in ("ee", "mumu", "tautau"):
        out[f"C7_{lep}"] = 1.0
    # Cγ (GeV⁻¹): BR(μ→eγ) ~ 1e-13 for |Cγ| ~ 2e-14
    out["Cgamma_mue"] = out["Cgamma_emu"] = 1e-13
    # the flavour sectors beyond b→s (bridge.matching.down_quark_coefficients, bridge.lfv),
    # after the first ones so that the variables of those keep their place
    for pair in ("bd", "sd"):
        for lep in ("ee", "mumu", "tautau"):
            for c in ("C9", "C10", "C9p", "C10p"):
                out[f"{c}_{pair}{lep}"] = 1.0
        for c in ("CL", "CR"):
            for a in nus:
                for b in nus:
                    out[f"{c}_{pair}{a}{b}"] = 1.0
        for c in ("C7", "C7p", "C8", "C8p"):
            out[f"{c}_{pair}"] = 0.1
    # ΔF = 2 beyond B_s (GeV⁻²): the SM M_12 of B_d, K, D are ~25, ~1e4, ~1e5 times smaller
    out["CVLL_bdbd"] = out["CVRR_bdbd"] = 1e-12
    for pair in ("sdsd", "ucuc"):
        out[f"CVLL_{pair}"] = out[f"CVRR_{pair}"] = 1e-14
    for name in ("Cgamma_taumu", "Cgamma_mutau", "Cgamma_taue", "Cgamma_etau"):
        out[name] = 1e-12
    # four-fermion LFV (GeV⁻²): BR(μ→3e) ~ 1e-12 for |C| ~ 1e-11
    from bridge import lfv

    for table in (lfv.FOUR_LEPTON, lfv.CONVERSION):
        for names in table.values():
            out.update(dict.fromkeys(names, 1e-11))
    for crossed in lfv.CROSSED.values():
        out.update(dict.fromkeys((name for name, _ in crossed.values()), 1e-11))
    return out


#: coefficient name → design step (u = value / step)
COEFFICIENTS: dict[str, float] = _coefficients()


def _rows_at(phi: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows ``rows`` of a point-major φ held by column (Quadrature._phi), held by column
    too: BLAS then multiplies them as it does the whole φ (numpy's gather along the second
    axis need not return a C-ordered array, hence the explicit copy)."""
    return np.ascontiguousarray(phi.T[:, rows]).T


@dataclass(frozen=True)
class Variable:
    """u = (Re or Im of ``coefficient``) / ``step``."""

    coefficient: str
    part: str  # "re" | "im"
    step: float

    @property
    def label(self) -> str:
        return f"{self.coefficient}:{self.part}"


VARIABLES: tuple[Variable, ...] = tuple(Variable(c, p, s) for c, s in COEFFICIENTS.items()
                                        for p in ("re", "im"))
#: coefficient name → (index of Re, index of Im) in u
POSITION = {c: (2 * k, 2 * k + 1) for k, c in enumerate(COEFFICIENTS)}
N_VARIABLES = len(VARIABLES)
_STEPS = np.array([v.step for v in VARIABLES])


def to_units(coefficients: dict[str, np.ndarray], n: int,
             columns: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(u (N, n_var), outside (N,) bool) of N points: ``outside`` marks the points with a
    non-zero coefficient that is not in :data:`COEFFICIENTS` (flavio evaluates them, whether or
    not an observable reads them). ``columns``: only these variables, in this order (u (N,
    len(columns)); :meth:`FastPath.units`); None for all of them.

    u is the transposed view of an array held by variable (each variable's values contiguous:
    written row by row, not as strided columns): the evaluation gathers its columns as rows of
    it (:func:`_columns`, no copy of u first), whose layout does not depend on u's."""
    column = None if columns is None else _column_of(columns)
    by_variable = np.zeros((N_VARIABLES if columns is None else len(columns), n))
    outside = np.zeros(n, dtype=bool)
    for name, values in coefficients.items():
        values = np.asarray(values)
        pos = POSITION.get(name)
        if pos is None:
            bad = (values != 0) & np.isfinite(values)
            outside |= np.broadcast_to(bad, (n,))
            continue
        for k, part in zip(pos, (np.real(values), values.imag if np.iscomplexobj(values) else None),
                           strict=True):
            at = k if column is None else column.get(k)
            if part is not None and at is not None:
                by_variable[at] = part / _STEPS[k]
    return by_variable.T, outside


def from_units(u: np.ndarray) -> dict[str, complex]:
    """The coefficient dict (non-zero entries) of one point u (n_var,)."""
    out: dict[str, complex] = {}
    for name, (i, j) in POSITION.items():
        value = complex(float(u[i]) * _STEPS[i], float(u[j]) * _STEPS[j])
        if value != 0:
            out[name] = value
    return out


# ---------------------------------------------------------------------------
# polynomials
# ---------------------------------------------------------------------------
@dataclass
class Polynomial:
    """p(u) = a + b·u_S + u_S·Q·u_S on the variables ``index`` (S); real, or complex for an
    amplitude (M_12, Γ_12)."""

    index: np.ndarray  # int (d,)
    a: complex | float
    b: np.ndarray  # (d,)
    q: np.ndarray  # (d, d) symmetric

    @property
    def complex(self) -> bool:
        return np.iscomplexobj(self.b) or isinstance(self.a, complex)

    @property
    def zero(self) -> bool:
        """p ≡ 0: every coefficient is zero."""
        return self.a == 0 and not np.signbit(np.real(self.a)) and not np.any(self.b) and not np.any(self.q)

    def __call__(self, u: np.ndarray, columns=None) -> np.ndarray:
        """p at the points u (N, n_var); ``columns``: u's columns by index, as :func:`_columns`."""
        if self.index.size == 0:
            return np.full(u.shape[0], self.a)
        us = u[:, self.index] if columns is None else columns(self.index)
        if not self.complex:
            return self.a + point_rows(us, self.b) + np.einsum("ni,ni->n", point_rows(us, self.q), us)
        # real and imaginary parts apart: numpy multiplies a real by a complex matrix without BLAS
        re = point_rows(us, self.b.real) + np.einsum("ni,ni->n", point_rows(us, self.q.real), us)
        im = point_rows(us, self.b.imag) + np.einsum("ni,ni->n", point_rows(us, self.q.imag), us)
        return self.a + (re + 1j * im)

    def as_dict(self) -> dict:
        d = {"index": self.index.tolist()}
        if self.complex:
            d["a"] = [float(np.real(self.a)), float(np.imag(self.a))]
            d["b"] = [self.b.real.tolist(), self.b.imag.tolist()]
            d["q"] = [_upper(self.q.real), _upper(self.q.imag)]
        else:
            d.update(a=float(self.a), b=self.b.tolist(), q=_upper(self.q))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Polynomial:
        index = np.array(d["index"], dtype=int)
        n = index.size
        if isinstance(d["a"], list):
            a = complex(cache.real(d["a"][0], "a"), cache.real(d["a"][1], "a"))
            b = cache.array(d["b"], (2, n), "b")
            return cls(index, a, b[0] + 1j * b[1],
                       _full(d["q"][0], n) + 1j * _full(d["q"][1], n))
        return cls(index, cache.real(d["a"], "a"), cache.array(d["b"], (n,), "b"), _full(d["q"], n))

    @classmethod
    def from_design(cls, index, f0, plus, minus, cross: dict) -> Polynomial:
        """Exact coefficients from f(0), f(±e_i) and f(e_i + e_j) (i < j, positions in index)."""
        d = len(index)
        dtype = complex if any(np.iscomplexobj(np.asarray(x)) for x in (f0, plus, minus)) else float
        plus, minus = np.asarray(plus, dtype).reshape(d), np.asarray(minus, dtype).reshape(d)
        b = 0.5 * (plus - minus)
        diag = 0.5 * (plus + minus) - f0
        q = np.diag(diag).astype(dtype)
        for (i, j), fij in cross.items():
            q[i, j] = q[j, i] = 0.5 * (fij - f0 - b[i] - b[j] - diag[i] - diag[j])
        a = complex(f0) if dtype is complex else float(f0)
        return cls(np.asarray(index, dtype=int).reshape(d), a, b, q)


def _upper(q: np.ndarray) -> list[float]:
    return q[np.triu_indices(q.shape[0])].tolist()


def _full(values, n: int) -> np.ndarray:
    tri = cache.array(values, (n * (n + 1) // 2,), "q")
    q = np.zeros((n, n))
    q[np.triu_indices(n)] = tri
    return q + np.triu(q, 1).T


@dataclass
class Quadrature:
    """α · QAGS[g] + β: flavio's value of one binned integral (bridge.scan.quadpack), with the
    integrand g known at the 63 nodes of QUADPACK's first two levels, each node value a
    polynomial of degree two in u. They are stored in low rank: y = P u_S (P of shape (r, d)
    spans every node polynomial's linear and quadratic part; r = 8 for B → K ℓℓ, 16 for
    B → K* ℓℓ), node values = φ(y) · W with φ(y) = (1, y_i, y_i y_j (i ≤ j)). ``__call__``
    gives NaN at points QUADPACK would bisect beyond two levels (evaluated by flavio); it decides
    the second level from φ S where it can (bridge.scan.quadpack.certain: the halves' node
    values only elsewhere), :meth:`exact` always from the halves' node values."""

    index: np.ndarray  # int (d,)
    proj: np.ndarray  # (r, d)
    weights: np.ndarray  # (1 + r + r(r+1)/2, 63)
    a: float
    b: float
    epsabs: float
    epsrel: float
    limit: int
    alpha: float
    beta: Polynomial

    complex = False

    def _phi(self, u: np.ndarray, columns=None) -> np.ndarray:
        """φ(y) (N, 1 + r + r(r+1)/2): 1, y_i, then y_i y_j for i ≤ j in numpy's triu order.
        Built by row (each φ_k contiguous over the points, the products of one y_i with
        y_i..y_r in one call) and returned as the transposed view: the products below then give
        the same numbers, bit for bit, as on a point-major φ (BLAS packs either layout alike).
        ``columns``: u's columns by index, as :func:`_columns`."""
        us = u[:, self.index] if columns is None else columns(self.index)
        y = np.ascontiguousarray(point_rows(us, self.proj.T).T)  # (r, N)
        r, n = y.shape
        phi = np.empty((1 + r + r * (r + 1) // 2, n))
        phi[0] = 1.0
        phi[1:1 + r] = y
        k = 1 + r
        for i in range(r):
            np.multiply(y[i], y[i:], out=phi[k:k + r - i])
            k += r - i
        return phi.T

    def node_values(self, u: np.ndarray) -> np.ndarray:
        """The integrand at the 63 nodes (N, 63) (:func:`bridge.scan.quadpack.nodes`)."""
        return point_rows(self._phi(u), self.weights)

    @cached_property
    def _certainty(self) -> tuple[np.ndarray, np.ndarray, float, int]:
        """([W's first 21 columns | S] (K, 28), [m_ij (i ≤ j, upper triangle) | m_i] (r, r + 1),
        m_0, K) of the halves' node values φ W (bridge.scan.quadpack.certainty_columns, the
        reference integrand W's first row: the node values at y = 0): φ S are the columns of
        quadpack.certain, and Σ_k |φ_k| m_k = m_0 + Σ_i m_i |y_i| + Σ_(i ≤ j) m_ij |y_i||y_j|
        (|y_i y_j| = |y_i||y_j| exactly) the magnitude M of their rounding bound
        (:meth:`_levels`). S rides on the first level's product: 7 more columns cost little
        there, a product of their own a φ-sized pass (measured: 28 columns as fast as 21, 7 on
        their own half as long), and the 21 columns keep their bits (OpenBLAS sums each entry
        over K alike at any width; tests/test_fastpath_eval.py checks it)."""
        from bridge.scan.quadpack import PER_INTERVAL, certainty_columns

        halves = self.weights[:, PER_INTERVAL:]
        cols, m = certainty_columns(halves, self.a, self.b, halves[0])
        r = self.proj.shape[0]
        quad = np.zeros((r, r + 1))
        quad[np.triu_indices(r)] = m[1 + r:]
        quad[:, r] = m[1:1 + r]
        return np.concatenate([self.weights[:, :PER_INTERVAL], cols], axis=1), quad, float(m[0]), m.size

    def _levels(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the 21 first node values (N, 21), φ S (7, N), dev (N,)) at the points of φ (N, K)
        (:meth:`_phi`), the last two for quadpack.certain: dev = (K + 64) ε M with M = Σ_k
        |φ_k| m_k (:attr:`_certainty`), the bound its derivation asks for (node values and
        columns are products of K terms through BLAS, each within γ_K Σ|terms| in any order of
        summation; M itself, computed in floating point, is within γ_(r+2) of its value, which
        the margin of 64 − 20 ε M covers). Every product through :func:`point_rows`: a
        point's decision and value do not depend on its batch."""
        from bridge.scan.quadpack import PER_INTERVAL, rounding_bound

        both, quad, m0, k = self._certainty
        r = quad.shape[0]
        prod = point_rows(phi, both)
        ay = np.abs(phi[:, 1:1 + r])  # |y| (N, r), in φ's layout
        t = point_rows(ay, quad)
        mag = m0 + t[:, r] + np.einsum("ni,ni->n", t[:, :r], ay)
        return (prod[:, :PER_INTERVAL], np.ascontiguousarray(prod[:, PER_INTERVAL:].T),
                rounding_bound(mag, k))

    def _halves(self, phi: np.ndarray):
        """halves(todo): the halves' 42 node values (len(todo), 42) at the points ``todo``,
        gathered by row as φ is built, so that BLAS sees the same layout at every size."""
        from bridge.scan.quadpack import PER_INTERVAL

        def halves(todo):
            at = phi if todo.size == phi.shape[0] else _rows_at(phi, todo)
            return point_rows(at, self.weights[:, PER_INTERVAL:])
        return halves

    def __call__(self, u: np.ndarray) -> np.ndarray:
        from bridge.scan.quadpack import qags_lazy

        phi = self._phi(u)
        first, cols, dev = self._levels(phi)

        # the halves' 42 nodes only where QUADPACK's decision is not proved (quadpack.certain)
        q, _ = qags_lazy(first, self._halves(phi), self.a, self.b, self.epsabs, self.epsrel,
                         self.limit, lambda todo: _checks_at(cols, dev, todo))
        if self.beta.zero:  # β ≡ 0 (R_K's quadratures): its value at any finite u is +0.0
            return self.alpha * q + 0.0
        return self.alpha * q + self.beta(u)

    def exact(self, u: np.ndarray) -> np.ndarray:
        """:meth:`__call__` with QUADPACK's second level run on the halves' node values at
        every point it bisects (no quadpack.certain): QUADPACK on the node values φ W to the
        last bit, the reference of the shortcut's tests."""
        from bridge.scan.quadpack import qags_lazy

        phi = self._phi(u)
        q, _ = qags_lazy(self._levels(phi)[0], self._halves(phi), self.a, self.b, self.epsabs,
                         self.epsrel, self.limit)
        return self.alpha * q + (0.0 if self.beta.zero else self.beta(u))

    @classmethod
    def from_nodes(cls, index, polys: list[Polynomial], meta: dict, alpha: float,
                   beta: Polynomial) -> Quadrature:
        """From the 63 node polynomials (on the variables ``index``)."""
        d = len(index)
        if d:
            stack = np.concatenate([np.stack([p.b for p in polys], axis=1),
                                    *[p.q for p in polys]], axis=1)
            u_, sv, _ = np.linalg.svd(stack, full_matrices=False)
            r = int(np.sum(sv > 1e-13 * sv[0])) if sv.size and sv[0] > 0 else 0
            proj = u_[:, :r].T
        else:
            r, proj = 0, np.zeros((0, 0))
        iu, ju = np.triu_indices(r)
        weights = np.empty((1 + r + iu.size, len(polys)))
        for k, p in enumerate(polys):
            qy = proj @ p.q @ proj.T
            weights[0, k] = p.a
            weights[1:1 + r, k] = proj @ p.b
            weights[1 + r:, k] = np.where(iu == ju, 1.0, 2.0) * qy[iu, ju]
        return cls(np.asarray(index, dtype=int), proj, weights, float(meta["a"]), float(meta["b"]),
                   float(meta["epsabs"]), float(meta["epsrel"]), int(meta["limit"]), float(alpha), beta)

    def as_dict(self) -> dict:
        return {"kind": "quadrature", "index": self.index.tolist(), "a": self.a, "b": self.b,
                "epsabs": self.epsabs, "epsrel": self.epsrel, "limit": self.limit, "alpha": self.alpha,
                "beta": self.beta.as_dict(), "rank": int(self.proj.shape[0]),
                "proj": _pack(self.proj), "weights": _pack(self.weights)}

    @classmethod
    def from_dict(cls, d: dict) -> Quadrature:
        from bridge.scan.quadpack import PER_INTERVAL

        index = np.array(d["index"], dtype=int)
        r = int(d["rank"])
        proj = _unpack(d["proj"], (r, index.size), "proj")
        weights = _unpack(d["weights"], (1 + r + r * (r + 1) // 2, 3 * PER_INTERVAL), "weights")
        vals = [cache.real(d[k], k) for k in ("a", "b", "epsabs", "epsrel", "alpha")]
        return cls(index, proj, weights, *vals[:4], int(d["limit"]), vals[4],
                   Polynomial.from_dict(d["beta"]))


def _checks_at(cols: np.ndarray, dev: np.ndarray, todo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """quadpack.certain's columns (7, N) and rounding bounds (N,) at the points ``todo`` (no
    copy when they are all of them)."""
    return (cols, dev) if todo.size == dev.size else (cols[:, todo], dev[todo])


#: Points × quadratures evaluated together (their φ kept until the halves are known): larger
#: batches leave the caches (measured: 4 quadratures of 4096 points at once cost 1.5 times
#: one after the other), smaller ones pay numpy's fixed cost per call more often
QUADRATURE_BATCH = 2048


def quadratures(quads: list[Quadrature], u: np.ndarray, columns=None) -> list[np.ndarray]:
    """[q(u) for q in quads], the same numbers bit for bit, with QUADPACK's first level run for
    several quadratures at once, up to :data:`QUADRATURE_BATCH` points × quadratures
    (bridge.scan.quadpack.qags_many: one DQK21 over their first levels; the second level
    decided by quadpack.certain from φ S (Quadrature._levels) and, where that leaves it
    open, run on the halves' node values): a small batch pays the fixed cost of those array
    operations once, not once per bin; a chunk of 4096 points runs them one by one.
    ``columns``: u's columns by index, as :func:`_columns`."""
    from bridge.scan.quadpack import PER_INTERVAL, qags_many, side_by_side

    out = []
    step = max(1, QUADRATURE_BATCH // u.shape[0])
    for start in range(0, len(quads), step):
        batch = quads[start:start + step]
        phis = [q._phi(u, columns) for q in batch]
        first = np.empty((PER_INTERVAL, len(batch), u.shape[0]))
        checks = []
        for k, (q, phi) in enumerate(zip(batch, phis, strict=True)):
            nodes, cols, dev = q._levels(phi)
            first[:, k] = nodes.T
            checks.append((cols, dev))

        def halves(k, todo, batch=batch, phis=phis):
            return side_by_side(batch[k]._halves(phis[k])(todo))

        def shortcut(k, todo, checks=checks):
            return _checks_at(*checks[k], todo)

        integrals = [(q.a, q.b, q.epsabs, q.epsrel, q.limit) for q in batch]
        value, _ = qags_many(first, halves, integrals, shortcut)
        for k, q in enumerate(batch):
            # β ≡ 0 (R_K's quadratures): its value at any finite u is +0.0
            out.append(q.alpha * value[k] + (0.0 if q.beta.zero else q.beta(u, columns)))
    return out


def _pack(a: np.ndarray) -> str:
    import base64
    import zlib

    return base64.b64encode(zlib.compress(np.ascontiguousarray(a, dtype="<f8").tobytes(), 9)).decode()


def _unpack(text, shape, what) -> np.ndarray:
    import base64
    import binascii
    import zlib

    try:
        a = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<f8")
    except (TypeError, ValueError, binascii.Error, zlib.error):
        raise cache.Invalid(f"{what} is not readable") from None
    if a.size != int(np.prod(shape)) or not np.all(np.isfinite(a)):
        raise cache.Invalid(f"{what} has the wrong size or a non-finite entry")
    return a.reshape(shape)


# ---------------------------------------------------------------------------
# forms
# ---------------------------------------------------------------------------
def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(num == 0, 0.0, num / np.where(den == 0, np.nan, den))


def mixing_phase(m12, g12) -> tuple[np.ndarray, np.ndarray]:
    """(cos φ, sin φ), φ = arg(−q/p), q/p = −√((2M_12^* − iΓ_12^*)/(2M_12 − iΓ_12)) (flavio's
    ``q_over_p``; −1 where 2M_12 − iΓ_12 = 0)."""
    den = 2 * m12 - 1j * g12
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(np.conj(2 * m12 + 1j * g12) / den)  # 2M* − iΓ* = conj(2M + iΓ)
    s = np.where(den == 0, 1.0 + 0j, s)
    r = np.abs(s)
    return s.real / r, s.imag / r


def q_over_p(m12, g12) -> np.ndarray:
    """q/p = −√((2M_12^* − iΓ_12^*)/(2M_12 − iΓ_12)), −1 where 2M_12 − iΓ_12 = 0 (flavio's
    ``mesonmixing.common.q_over_p``, principal root)."""
    den = 2 * m12 - 1j * g12
    with np.errstate(divide="ignore", invalid="ignore"):
        qp = -np.sqrt(np.conj(2 * m12 + 1j * g12) / den)
    return np.where(den == 0, -1.0 + 0j, qp)


def _delta_m_signed(m12, g12, qp) -> np.ndarray:
    return -2 * (qp * (m12 - 0.5j * g12)).real


def delta_m(m12, g12) -> np.ndarray:
    """|ΔM| = |−2 Re[(q/p)(M_12 − iΓ_12/2)]| (flavio's ``DeltaM_positive``; with Γ_12 = 0,
    flavio's K mixing, it is 2|M_12|: bridge's ``DeltaM_K``)."""
    return np.abs(_delta_m_signed(m12, g12, q_over_p(m12, g12)))


def cp_asymmetry(m12, g12, k) -> np.ndarray:
    """S = −2 Im ξ/(1 + |ξ|²), ξ = k q/p with the sign of q/p that makes ΔM positive and k the
    constant η_CP A/Ā of the final state (flavio's ``mesonmixing.observables.S``: S_ψK)."""
    qp = q_over_p(m12, g12)
    qp = np.where(_delta_m_signed(m12, g12, qp) < 0, -qp, qp)
    xi = k * qp
    return -2 * xi.imag / (1 + np.abs(xi) ** 2)


def x12_im(m12, g12, tau) -> np.ndarray:
    """x_12^Im = 2|M_12| τ sin φ_12, φ_12 = arg(M_12/Γ_12) (flavio's ``x12Im``: x12Im_D)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * np.abs(m12) * tau * np.sin(np.angle(m12 / g12))


def _timeint(g0, g1, g2, cos, sin):
    a = 0.5 * (g0 + g2)
    return a + 0.5 * (g0 - g2) * cos + (g1 - a) * sin


def _mixing(c):
    cos, sin = mixing_phase(c[3], c[4])
    return _timeint(c[0], c[1], c[2], cos, sin)


def _mixing_ratio(c):
    cos, sin = mixing_phase(c[6], c[7])
    return _ratio(_timeint(c[0], c[1], c[2], cos, sin), _timeint(c[3], c[4], c[5], cos, sin))


def _pprime(c):
    with np.errstate(invalid="ignore"):
        return _ratio(c[0], 2.0 * np.sqrt(-c[1] * c[2]))


#: form → (number of components, which of them are complex, combination)
FORMS: dict[str, tuple[int, tuple[int, ...], Callable]] = {
    "quadratic": (1, (), lambda c: c[0]),
    "ratio": (2, (), lambda c: _ratio(c[0], c[1])),
    "pprime": (3, (), _pprime),
    "deltam": (2, (0, 1), lambda c: delta_m(c[0], c[1])),
    "cp_mixing": (3, (0, 1, 2), lambda c: cp_asymmetry(c[0], c[1], c[2])),
    "x12im": (3, (0, 1), lambda c: x12_im(c[0], c[1], c[2])),
    "mixing": (5, (3, 4), _mixing),
    "mixing_ratio": (8, (6, 7), _mixing_ratio),
    "direct": (0, (), None),
}


@dataclass
class Representation:
    """One observable: a form and its components, or ``direct`` (flavio at every point)."""

    observable: Observable
    form: str
    components: list[Polynomial] = field(default_factory=list)
    max_rel_diff: float = math.nan  # over the validation points
    info: dict = field(default_factory=dict)  # validation points, flavio calls, why direct

    @property
    def fast(self) -> bool:
        return self.form != "direct"

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return np.real(FORMS[self.form][2]([c(u) for c in self.components]))

    @property
    def variables(self) -> list[int]:
        """Indices of the variables it depends on."""
        return sorted({int(i) for c in self.components for i in c.index})

    def as_dict(self) -> dict:
        return {"name": self.observable.name, "args": list(self.observable.args), "form": self.form,
                "components": [c.as_dict() for c in self.components],
                "max_rel_diff": self.max_rel_diff if math.isfinite(self.max_rel_diff) else None,
                "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> Representation:
        """From its dict, checked (raises :class:`bridge.cache.Invalid`): a known form, the
        right number and kind of finite components on existing variables."""
        if not isinstance(d, dict):
            raise cache.Invalid("a representation is not an object")
        form = d.get("form")
        if form not in FORMS:
            raise cache.Invalid(f"unknown form {form!r}")
        n, complex_parts, _ = FORMS[form]
        comps = d.get("components")
        if not isinstance(comps, list) or len(comps) != n:
            raise cache.Invalid(f"form {form} needs {n} components")
        parsed = []
        for k, c in enumerate(comps):
            if isinstance(c, dict) and c.get("kind") == "quadrature":
                if k in complex_parts:
                    raise cache.Invalid(f"component {k} of form {form} must be complex")
                quad = Quadrature.from_dict(c)
                if any(i < 0 or i >= N_VARIABLES for i in quad.index.tolist()):
                    raise cache.Invalid(f"variable index outside 0..{N_VARIABLES - 1}")
                parsed.append(quad)
                continue
            if not isinstance(c, dict) or not {"index", "a", "b", "q"} <= c.keys():
                raise cache.Invalid("a component lacks index, a, b or q")
            index = c["index"]
            if not (isinstance(index, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                                    for i in index)):
                raise cache.Invalid("a component's index is not a list of integers")
            if any(i < 0 or i >= N_VARIABLES for i in index) or len(set(index)) != len(index):
                raise cache.Invalid(f"variable index outside 0..{N_VARIABLES - 1} or repeated")
            if isinstance(c["a"], list) != (k in complex_parts):
                raise cache.Invalid(f"component {k} of form {form} has the wrong kind (real/complex)")
            parsed.append(Polynomial.from_dict(c))
        diff = d.get("max_rel_diff")
        diff = math.nan if diff is None else float(diff)
        obs = Observable(str(d["name"]), tuple(d.get("args", ())))
        return cls(obs, form, parsed, diff, dict(d.get("info") or {}))


# ---------------------------------------------------------------------------
# evaluation of many observables on many points
# ---------------------------------------------------------------------------
def _indices(c) -> list[int]:
    """The variables a component reads (a quadrature's and its β's)."""
    out = c.index.tolist()
    if isinstance(c, Quadrature):
        out += c.beta.index.tolist()
    return out


def _on_columns(c, column: np.ndarray):
    """The component ``c`` reading its variables from the columns ``column[i]`` of a compact u."""
    if isinstance(c, Quadrature):
        return replace(c, index=column[c.index], beta=_on_columns(c.beta, column))
    return replace(c, index=column[c.index])


def _columns(u: np.ndarray):
    """columns(index): u[:, index] of a point-major u (N, d), the same numbers in the same
    layout (numpy's gather along the second axis returns the points contiguous per variable:
    strides (8, 8N)), gathered as rows of one by-variable copy of u: the components' products
    (bridge.linalg.point_rows) see the same arrays, so the same numbers, bit for bit. numpy's
    gather along the second axis copies element by element; rows of the copy are whole
    contiguous runs (measured: 8192 points, 24 of 30 variables, 0.6 ms against 1.5 ms; a chunk
    gathers a dozen times: every group, quadrature and its β). The copy is u itself where u is
    held by variable (:func:`to_units`)."""
    by_variable = np.ascontiguousarray(u.T)

    def columns(index: np.ndarray) -> np.ndarray:
        return by_variable[index].T
    return columns


@lru_cache(maxsize=64)
def _column_of(used: tuple[int, ...]) -> dict[int, int]:
    return {v: k for k, v in enumerate(used)}


class _Group:
    """Real components on one variable set, evaluated together (one matrix product)."""

    def __init__(self, index: np.ndarray, comps: list[Polynomial]):
        self.index = index
        self.a = np.array([c.a for c in comps])
        self.b = np.stack([c.b for c in comps])  # (K, d)
        self.q = np.stack([c.q for c in comps])  # (K, d, d)
        self._on: dict[bytes, tuple] = {}  # active variables -> (b', Q' as one matrix)

    def _restricted(self, act: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(b' (d', K), [Q'_1 .. Q'_K] (d', K d')) on the variables ``act``: the same arrays,
        strides included, as built anew each call before, kept for the next chunk (a scan's
        chunks have the same active variables)."""
        key = act.tobytes()
        hit = self._on.get(key)
        if hit is None:
            k, d = self.a.size, act.size
            q = self.q[:, act][:, :, act]  # (K, d', d')
            hit = (self.b[:, act].T, q.transpose(1, 0, 2).reshape(d, k * d))
            if len(self._on) >= 16:
                self._on.clear()
            self._on[key] = hit
        return hit

    def __call__(self, u: np.ndarray, nonzero: np.ndarray | None = None, columns=None) -> np.ndarray:
        """(N, K) values; only the variables that are non-zero somewhere in u enter
        (``nonzero``: which columns of u are, if known: FastPath.evaluate_units finds them once
        for every group; ``columns``: u's columns by index, as :func:`_columns`)."""
        n, k = u.shape[0], self.a.size
        if self.index.size == 0:
            return np.broadcast_to(self.a, (n, k))
        if nonzero is None:
            nonzero = np.any(u[:, self.index] != 0, axis=0)
        else:
            nonzero = nonzero[self.index]
        act = np.flatnonzero(nonzero)
        out = np.empty((n, k))
        out[:] = self.a
        if act.size == 0:
            return out
        # one gather, the layout of u[:, index][:, act]
        us = u[:, self.index[act]] if columns is None else columns(self.index[act])
        b, q = self._restricted(act)
        out += point_rows(us, b)
        t = point_rows(us, q)  # (N, K d'): u_S Q_k for every k
        out += np.einsum("nkd,nd->nk", t.reshape(n, k, act.size), us)
        return out


@dataclass
class FastPath:
    """Representations of a list of observables at hand-over ``scale`` with SMINPUTS
    ``overrides`` (flavio names)."""

    observables: list[Observable]
    scale: float
    overrides: dict
    representations: dict[str, Representation]
    info: dict = field(default_factory=dict)  # where each came from, timings

    def __post_init__(self):
        self._compiled = None

    def __getstate__(self):  # pickled to workers without the compiled evaluator
        return {**self.__dict__, "_compiled": None}

    def _compile(self):
        """The variables the fast observables read (``used``: their columns of u, in order), and
        the components on those columns: real ones grouped by variable set, complex ones and
        quadratures kept apart. A scan point's u has hundreds of variables (every coefficient of
        :data:`COEFFICIENTS`), the observables of a scan read a few dozen: only those are built
        (:meth:`units`) and gathered."""
        used = sorted({int(i) for rep in self.representations.values() if rep.fast
                       for c in rep.components for i in _indices(c)})
        column = np.full(N_VARIABLES, -1)
        column[used] = np.arange(len(used))
        groups: dict[tuple, list] = {}
        quads: list[Quadrature] = []
        slots = {}  # label -> [(kind, group key, quadrature or component, position)]
        for label, rep in self.representations.items():
            if not rep.fast:
                continue
            where = []
            for c in rep.components:
                c = _on_columns(c, column)
                if isinstance(c, Quadrature):
                    quads.append(c)
                    where.append(("quad", len(quads) - 1, 0))
                elif c.complex:
                    where.append(("apart", c, 0))
                else:
                    key = tuple(c.index.tolist())
                    groups.setdefault(key, []).append(c)
                    where.append(("real", key, len(groups[key]) - 1))
            slots[label] = where
        compiled = {key: _Group(np.array(key, dtype=int), comps) for key, comps in groups.items()}
        self._compiled = (np.array(used, dtype=int), compiled, slots, quads)

    def evaluate(self, u: np.ndarray, labels=None) -> dict[str, np.ndarray]:
        """Observable label → values (N,) for the fast observables (others are absent), from
        u (N, :data:`N_VARIABLES`) (:func:`to_units`). ``labels``: only these (those of them
        that are fast), each the same bits as among all."""
        if self._compiled is None:
            self._compile()
        return self.evaluate_units(u[:, self._compiled[0]], labels)

    def evaluate_units(self, u: np.ndarray, labels=None) -> dict[str, np.ndarray]:
        """:meth:`evaluate` from the used columns of u only, u (N, len(used)) (:meth:`units`):
        the same numbers, bit for bit. ``labels``: as there; a group of real components is
        evaluated whole where one of its components is wanted (one product: its values do not
        depend on what else is wanted), the quadratures wanted as :func:`quadratures` gives
        them in any batch (a results file's reader that draws one observable takes its own
        components only: bridge.scan.store._derive)."""
        if self._compiled is None:
            self._compile()
        _, groups, slots, quads = self._compiled
        if labels is not None:
            labels = [labels] if isinstance(labels, str) else labels  # (one label, not its letters)
            slots = {label: slots[label] for label in labels if label in slots}
        n = u.shape[0]
        if n % ROW_BLOCK or not n:  # zero rows (u = 0: the SM) once here, not in each product
            # (point_rows); a block of them where there is no point (a chunk whose every point
            # failed), whose values are sliced off below: the quadratures take no empty batch
            u = np.concatenate([u, np.zeros((-n % ROW_BLOCK or ROW_BLOCK, u.shape[1]))])
        nonzero = np.any(u != 0, axis=0)
        columns = _columns(u)
        if labels is not None:
            wanted = list(slots.values())
            keys = {key for where in wanted for kind, key, _ in where if kind == "real"}
            groups = {key: g for key, g in groups.items() if key in keys}
            at = sorted({key for where in wanted for kind, key, _ in where if kind == "quad"})
            integrals = dict(zip(at, quadratures([quads[k] for k in at], u, columns), strict=True))
        else:
            integrals = quadratures(quads, u, columns)
        values = {key: g(u, nonzero, columns) for key, g in groups.items()}
        out = {}
        for label, where in slots.items():
            comps = [values[key][:, k] if kind == "real" else integrals[key] if kind == "quad"
                     else key(u, columns) for kind, key, k in where]
            # NaN where a quadrature needs more than QUADPACK's first two levels: flavio
            out[label] = np.real(FORMS[self.representations[label].form][2](comps))[:n]
        return out

    def units(self, coefficients: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
        """(u (N, len(used)), outside (N,) bool): :func:`to_units` with only the columns the fast
        observables read, for :meth:`evaluate_units`; ``outside`` as there (every coefficient
        counts, read or not)."""
        if self._compiled is None:
            self._compile()
        return to_units(coefficients, n, tuple(self._compiled[0].tolist()))

    @property
    def direct(self) -> list[Observable]:
        return [r.observable for r in self.representations.values() if not r.fast]

    def coefficients_read(self) -> frozenset[str] | None:
        """The coefficients the observables depend on (their representations' variables: the
        build kept those that change a component, and the validation against flavio, with every
        coefficient of :data:`COEFFICIENTS` non-zero at once, confirms that no other one does),
        or None when an observable has no representation (flavio evaluates it, reading whole
        sectors)."""
        if self.direct:
            return None
        if self._compiled is None:
            self._compile()
        return frozenset(VARIABLES[i].coefficient for i in self._compiled[0].tolist())

    def summary(self) -> list[str]:
        lines = []
        for k, r in self.representations.items():
            nvar = len(r.variables)
            lines.append(f"{k:<34s} {r.form:<12s} {nvar:3d} variables  max rel. diff "
                         f"{r.max_rel_diff:.1e}  ({r.info.get('source', '')})")
        return lines


# ---------------------------------------------------------------------------
# keys, the shipped file and the disk cache
# ---------------------------------------------------------------------------
def _versions() -> dict:
    from bridge.versions import installed as version  # once per process

    return {"flavio": version("flavio"), "wilson": version("wilson")}


def entry_key(observable: Observable, scale: float, overrides: dict) -> dict:
    """What a representation depends on (the disk-cache key, also checked for shipped ones)."""
    return {"format": FORMAT, **_versions(), "observable": observable.label, "scale": float(scale),
            "overrides": {k: float(v) for k, v in sorted(overrides.items())}}


@lru_cache(maxsize=1)
def shipped() -> dict:
    """bridge/data/fastpath.json: {"key": common key, "defaults": flavio's central values of
    the SMINPUTS parameters, "entries": label → representation}; {} if absent or unreadable."""
    from bridge.likelihoods.data import shipped_json

    return shipped_json(SHIPPED_FILE)


def normalised_overrides(overrides: dict | None) -> dict:
    """The SMINPUTS overrides without those equal to flavio's own value (the shipped file
    holds flavio's central values, so a card repeating them still uses it)."""
    doc = shipped()
    defaults = doc.get("defaults", {}) if doc.get("key", {}).get("flavio") == _versions()["flavio"] else {}
    return {k: float(v) for k, v in sorted((overrides or {}).items())
            if not (k in defaults and float(defaults[k]) == float(v))}


def _from_shipped(observable: Observable, key: dict) -> Representation | None:
    doc = shipped()
    common = doc.get("key")
    if not isinstance(common, dict):
        return None
    if {k: v for k, v in key.items() if k != "observable"} != common:
        return None
    entry = doc.get("entries", {}).get(observable.label)
    if entry is None:
        return None
    try:
        rep = Representation.from_dict(entry)
    except (cache.Invalid, KeyError, TypeError, ValueError) as exc:
        from bridge.likelihoods.data import DATA_DIR

        cache.warn(DATA_DIR / SHIPPED_FILE, f"entry {observable.label}: {exc}")
        return None
    if rep.observable != observable:
        return None
    rep.info["source"] = "shipped"
    return rep


def _parse_cached(payload, observable: Observable) -> Representation:
    rep = Representation.from_dict(payload)
    if rep.observable != observable:
        raise cache.Invalid(f"holds {rep.observable.label}, not {observable.label}")
    return rep


def usable(rep: Representation, tolerance: float) -> Representation:
    """A representation whose validation missed ``tolerance`` is used as ``direct``."""
    if rep.fast and not (math.isfinite(rep.max_rel_diff) and rep.max_rel_diff <= tolerance):
        return Representation(rep.observable, "direct", [], rep.max_rel_diff,
                              {**rep.info, "why": f"max rel. diff {rep.max_rel_diff:.1e} above "
                                                  f"the tolerance {tolerance:g}"})
    return rep


def load(observables, scale: float, overrides: dict | None, tolerance: float = TOLERANCE,
         use_cache: bool = True, use_shipped: bool = True
         ) -> tuple[dict[str, Representation], list[Observable]]:
    """(label → representation found in the shipped file or the cache, the missing ones)."""
    overrides = normalised_overrides(overrides)
    found, missing = {}, []
    for o in dict.fromkeys(observables):
        key = entry_key(o, scale, overrides)
        rep = _from_shipped(o, key) if use_shipped else None
        if rep is None and use_cache:
            path = cache.entry_path("fastpath", key)
            rep = cache.load(path, key, lambda payload, o=o: _parse_cached(payload, o))
            if rep is not None:
                rep.info["source"] = f"cache {path.name}"
        if rep is None:
            missing.append(o)
        else:
            found[o.label] = usable(rep, tolerance)
    return found, missing


def shipped_path() -> Path:
    from bridge.likelihoods.data import DATA_DIR

    return DATA_DIR / SHIPPED_FILE
