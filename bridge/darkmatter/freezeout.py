"""Freeze-out of the total dark number density: thermal average and Boltzmann equation.

Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145 (GG), with the coannihilation generalisation of
Edsjö & Gondolo, Phys. Rev. D56 (1997) 1879, hep-ph/9704361 (EG). Species i = 1…N (particles and
antiparticles counted separately, g_i internal degrees of freedom including colour), candidate
mass m_1. With W_ij = 4 p_ij √s σ_ij (σ_ij averaged over initial and summed over final states)
and p_eff the CM momentum of a pair of candidates at the same √s (EG Eqs. (2.7)-(2.8)),

    W_eff(p_eff) = Σ_ij (p_ij/p_eff)(g_i g_j/g_1²) W_ij,                       (EG 3.2)

    ⟨σ_eff v⟩(T) = ∫ dp_eff p_eff² W_eff K_1(√s/T) / (m_1⁴ T [Σ_i (g_i/g_1)(m_i/m_1)² K_2(m_i/T)]²),
                                                                              (EG 3.3)

    dY/dx = −√(π/45) M_Pl g_*^{1/2} m_1/x² ⟨σ_eff v⟩ (Y² − Y_eq²),  x = m_1/T,     (EG 2.16/GG 3.8)

    Y_eq = (45/4π⁴) Σ_i g_i (m_i/T)² K_2(m_i/T)/h_eff,   Ωh² = m_1 Y_0 s_0/(ρ_c/h²).

Here W_eff arrives tabulated on nodes in p_eff (dense near thresholds and poles, see
:func:`momentum_grid`) and W_eff/B is interpolated linearly in p_eff² between them, B the
Breit–Wigner envelope of the Z and h poles (:func:`_pole_envelope`); the integral of the
Boltzmann kernel against that interpolant is done on a dense grid in ln p_eff with extra points
through each pole, so narrow resonances are integrated with their shape between the nodes and
smooth W_eff needs few of them. The
Boltzmann equation is integrated with the second-order backward-differentiation formula (BDF2,
stiff, L-stable) on a uniform grid in ln x; each implicit step is a quadratic in Y_{n+1} solved
in closed form, so the same code runs one point or a batch of points at once.
tests/test_darkmatter_relic.py checks it against scipy's Radau solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.special import kve

from bridge.darkmatter import constants as C
from bridge.darkmatter import thermo

#: The base nodes of momentum_grid: 12 a decade in q = p_eff/m₁ from 1e-3 to Q_NODE_DENSE, then
#: 18 a decade (its per_decade) up to q_max, where the thermal weight of x ≈ 15-40 sits: 12 a
#: decade throughout left 1.9e-3 in Ωh² of a light χ (11.6 GeV, F_Ib plane; 8e-4 with 18);
#: nodes below q = 1e-2 are kept, they moved a coannihilating point by 8e-4 (issue 15).
Q_NODE_DENSE = 1e-2
#: Nodes a decade in |√s − M| on the tails of a pole (momentum_grid).
TAIL_PER_DECADE = 24
#: Integration range in x = m_1/T and number of BDF2 steps (uniform in ln x).
X_START, X_END, N_STEPS = 1.5, 2.0e4, 3000
#: x_f is where Y = (1 + DELTA_XF) Y_eq (micrOMEGAs' convention, hep-ph/0112278 §3: Y = 2.5 Y_eq).
DELTA_XF = 1.5


def momentum_grid(m1: float, poles=(), thresholds=(), q_max: float = 2.0, per_decade: int = 18,
                  n_pole: int = 64, n_threshold: int = 16, tail_per_decade: int = TAIL_PER_DECADE
                  ) -> np.ndarray:
    """Nodes of W_eff [GeV of p_eff] for one point: 0, geometric in q = p_eff/m_1 from 1e-3 to
    q_max (2/3 ``per_decade`` a decade below Q_NODE_DENSE, ``per_decade`` above), plus nodes
    clustered above each threshold √s_th (``n_threshold`` from 1e-6 √s_th to 0.1 √s_th, where
    the √ onset of a new channel needs them; two below) and around each pole (mass, width) by
    √s = M + Γ tan θ (|θ| ≤ 1.5: the core, ±14 Γ), with its tails geometric in |√s − M| from
    Γ/4 to M/3 on both sides (``tail_per_decade`` nodes a decade): the Breit–Wigner falls as
    Γ²/(√s − M)² there, and for the narrow h (Γ/M = 3e-5) the base grid alone left one interval
    from 14 Γ to a few GeV, interpolated linearly in p² across a 1/(√s − M)² fall — Ωh²
    of F_Ib-plane points with m_χ just below m_h/2 was 10–25% off (benchmarks/relic_speed.py).

    Between nodes W_eff/B is taken linear in p² (B the Breit–Wigner envelope of the poles,
    :func:`_pole_envelope`; exact for (a + b p²)·B, the s- plus p-wave); the thermal kernel is
    integrated against that interpolant (:func:`_thermal_kernel`),
    so the nodes only have to resolve W_eff itself, not the Boltzmann factor. q_max = 2: at
    x ≥ 4, where Y starts to leave Y_eq only for the weakest couplings, the weight
    e^{−2x(√(1+q²)−1)} of q > 2 is < e⁻⁹. Measured against all grids three times as dense
    (benchmarks/relic_speed.py --accuracy): see the README's dark-matter section."""
    dense = int(per_decade * math.log10(q_max / Q_NODE_DENSE)) + 1
    q = np.concatenate([np.geomspace(1e-3, Q_NODE_DENSE, int(per_decade * 2 / 3) + 1)[:-1],
                        np.geomspace(Q_NODE_DENSE, q_max, dense)])
    extra = [np.zeros(1)]
    s_min = 4 * m1**2
    for sqrt_s in thresholds:
        if s_min < sqrt_s**2 < 4 * m1**2 * (1 + q_max**2):
            up = np.geomspace(1e-6, 0.1, n_threshold) * sqrt_s
            down = np.array([1e-6, 1e-2]) * sqrt_s
            below = sqrt_s - down[down < sqrt_s - 2 * m1]
            extra.append(_p_eff(np.concatenate([sqrt_s + up, below]), m1) / m1)
    for mass, width in poles:
        theta = np.linspace(-1.5, 1.5, n_pole)  # ±14 widths at the ends, dense at the peak
        width = max(width, 1e-9 * mass)
        sqrt_s = mass + width * np.tan(theta)
        if width < mass / 3:
            n_tail = max(2, int(tail_per_decade * math.log10(mass / 3 / (width / 4))) + 1)
            tail = np.geomspace(width / 4, mass / 3, n_tail)
            sqrt_s = np.concatenate([sqrt_s, mass - tail, mass + tail])
        sqrt_s = sqrt_s[sqrt_s > 2 * m1]
        extra.append(_p_eff(sqrt_s, m1) / m1)
    q = np.unique(np.concatenate([q, *extra]))
    return m1 * q[(q >= 0) & (q <= q_max)]


def _p_eff(sqrt_s, m1):
    return np.sqrt(np.maximum(sqrt_s**2 / 4 - m1**2, 0.0))


#: Quadrature of the thermal kernel: points per unit of ln q, uniform in ln q from Q_FINE_MIN to
#: Q_FINE_MAX, joined with the nodes (trapezoid in ln q: spectrally accurate for the smooth
#: Boltzmann factor, whose width in ln q is ≥ 0.3; benchmarks/relic_speed.py --accuracy).
FINE_PER_UNIT, Q_FINE_MIN, Q_FINE_MAX = 40, 3e-4, 3.0


def _interpolation_matrix(p_fine: np.ndarray, p: np.ndarray, m1: float = 1.0, poles=()) -> np.ndarray:
    """Φ[i, j]: the interpolant between the nodes p (sorted, ≥ 0) at p_fine: W/B linear in p²,
    times B (:func:`_pole_envelope`; B = 1 without poles, W itself linear in p²)."""
    u, v = p**2, np.minimum(p_fine**2, p[-1] ** 2)
    j = np.clip(np.searchsorted(u, v, side="right") - 1, 0, p.size - 2)
    t = (v - u[j]) / (u[j + 1] - u[j])
    phi = np.zeros((p_fine.size, p.size))
    rows = np.arange(p_fine.size)
    phi[rows, j] = 1 - t
    phi[rows, j + 1] += t
    if poles:
        phi *= _pole_envelope(p_fine, m1, poles)[:, None] / _pole_envelope(p, m1, poles)[None, :]
    return phi


def _pole_envelope(p: np.ndarray, m1: float, poles) -> np.ndarray:
    """B(s) = Π_poles [1 + M² w²/((s − M²)² + M²Γ²)], w = M/3: the Breit–Wigner shape of each
    pole, → 1 farther than ~w from it. Near a pole W = R/|s − M² + iMΓ|² + (background), so W/B
    is smooth on the scale w and is what gets interpolated linearly in p² (a linear interpolant
    of W itself across the 1/(√s − M)² fall of the narrow h overestimates it between nodes; the
    annihilation near a pole of Griest & Seckel, PRD 43 (1991) 3191, "three exceptions", has
    such a W). Exact for W = (a + b p²)·B; Φ stays linear in the node values, so it costs nothing."""
    s = 4 * (p**2 + m1**2)
    b = np.ones_like(s)
    for mass, width in poles:
        m2 = mass**2
        b *= 1 + m2 * (mass / 3) ** 2 / ((s - m2) ** 2 + m2 * max(width, 1e-9 * mass) ** 2)
    return b


def _boltzmann(q: np.ndarray, x: np.ndarray) -> np.ndarray:
    """G[k, j] = q_j² x_k K₁(2x_k√(1 + q_j²)) e^{2x_k}: the p_eff-dependence of the kernel of EG
    (3.3) in q = p/m₁ (K₁ scaled: kve(1, z) e^{−(z − 2x)})."""
    z = 2 * x[:, None] * np.sqrt(1 + q[None, :] ** 2)
    return q[None, :] ** 2 * x[:, None] * kve(1, z) * np.exp(-(z - 2 * x[:, None]))


@cache
def _fine_boltzmann(x_key: bytes, fine_per_unit: int) -> tuple[np.ndarray, np.ndarray]:
    """The universal grid q of the kernel quadrature and G on it (x fixed: the thermal-average
    points of :func:`sigma_v_on_grid`, or a caller's)."""
    x = np.frombuffer(x_key)
    q = np.geomspace(Q_FINE_MIN, Q_FINE_MAX, int(fine_per_unit * math.log(Q_FINE_MAX / Q_FINE_MIN)) + 1)
    return q, _boltzmann(q, x)


#: Quadrature points (not W nodes) around a pole: POLE_QUADRATURE uniform in θ over the core
#: √s = M + Γ tan θ, |θ| ≤ 1.5, and TAIL_QUADRATURE a decade in |√s − M| from Γ to M/3, where
#: the envelope B of the interpolant (:func:`_pole_envelope`) varies between W nodes.
POLE_QUADRATURE, TAIL_QUADRATURE = 256, 64


def _pole_quadrature(m1: float, poles) -> np.ndarray:
    """q = p_eff/m₁ of the quadrature points around the poles above 2 m₁."""
    out = [np.zeros(0)]
    for mass, width in poles:
        width = max(width, 1e-9 * mass)
        sqrt_s = mass + width * np.tan(np.linspace(-1.5, 1.5, POLE_QUADRATURE))
        if width < mass / 3:
            tail = np.geomspace(width, mass / 3, int(TAIL_QUADRATURE * math.log10(mass / 3 / width)) + 2)
            sqrt_s = np.concatenate([sqrt_s, mass - tail, mass + tail])
        out.append(_p_eff(sqrt_s[sqrt_s > 2 * m1], m1) / m1)
    return np.concatenate(out)


def _thermal_kernel(p: np.ndarray, m1: float, masses: np.ndarray, g: np.ndarray, x: np.ndarray,
                    poles=()):
    """Matrix K[k, j] with ⟨σ_eff v⟩(x_k) = Σ_j K[k, j] W_eff(p_j) (EG 3.3),

        ⟨σ_eff v⟩ = ∫ dq G(x, q) W_eff(m₁q) / (m₁² [Σ_i (g_i/g₁)(m_i/m₁)² K₂(x m_i/m₁) e^{x}]²),

    with W_eff/B interpolated linearly in p² between the nodes p (B: :func:`_pole_envelope` of
    ``poles``, 1 without) and the integral done by the trapezoid rule in ln q on the nodes joined
    with a universal grid uniform in ln q (G there cached per x grid) and the points of
    :func:`_pole_quadrature`; the piece below the first positive point, ∝ q³, by the
    trapezoid rule in q."""
    p = np.asarray(p, float)
    x = np.ascontiguousarray(x, dtype=float)
    q_nodes = p / m1
    q_fine, g_fine = _fine_boltzmann(x.tobytes(), FINE_PER_UNIT)
    keep = (q_fine < q_nodes[-1]) & ~np.isin(q_fine, q_nodes)
    q_pole = _pole_quadrature(m1, poles)
    q_pole = np.unique(q_pole[(q_pole > 0) & (q_pole < q_nodes[-1]) & ~np.isin(q_pole, q_nodes)])
    extra = np.concatenate([q_nodes[q_nodes > 0], q_pole])
    q = np.concatenate([q_fine[keep], extra])
    order = np.argsort(q)
    q = q[order]
    G = np.concatenate([g_fine[:, keep], _boltzmann(extra, x)], axis=1)[:, order]
    du = np.diff(np.log(q))
    w = np.zeros_like(q)
    w[:-1] += du / 2 * q[:-1]
    w[1:] += du / 2 * q[1:]
    w[0] += q[0] / 2  # [0, q_first]: the integrand ∝ q² there, 0 at q = 0
    ratio = (masses / m1) ** 2 * g / g[0]
    k2sum = np.sum(ratio[None, :] * kve(2, masses[None, :] * x[:, None] / m1)
                   * np.exp(-(masses[None, :] - m1) * x[:, None] / m1), axis=1)
    scale = 1.0 / (m1**2 * k2sum**2)
    return ((G * w[None, :]) @ _interpolation_matrix(m1 * q, p, m1, poles)) * scale[:, None]


def y_equilibrium(x, m1: float, masses: np.ndarray, g: np.ndarray, eos=thermo.SM):
    """Y_eq(x) = n_eq/s summed over the species (``eos``: SM h_eff, :mod:`.thermo`)."""
    x = np.asarray(x, dtype=float)
    T = m1 / x
    z = masses[None, :] / T[:, None]
    n_over_T3 = np.sum(g[None, :] * z**2 * kve(2, z) * np.exp(-z), axis=1)
    return 45.0 / (4 * math.pi**4) * n_over_T3 / eos.h_eff(T)


def sigma_v(x, m1: float, masses, g, p, w_eff, poles=()):
    """⟨σ_eff v⟩(x) [GeV⁻²] from W_eff tabulated at p (EG 3.3); ``poles`` [(M, Γ)]: the
    s-channel resonances W has (interpolated with their Breit–Wigner shape, :func:`_pole_envelope`)."""
    K = _thermal_kernel(np.asarray(p, float), m1, np.asarray(masses, float), np.asarray(g, float),
                        np.atleast_1d(np.asarray(x, float)), poles)
    return K @ np.asarray(w_eff, float)


#: ⟨σv⟩ is smooth in ln x: evaluate the thermal average on N_AVERAGE points and interpolate
#: (cubic in ln x) onto the BDF2 grid.
N_AVERAGE = 160


def sigma_v_on_grid(p, m1: float, masses, g, w_eff, poles=()):
    """⟨σ_eff v⟩ on :func:`x_grid` (rows) for W_eff columns ``w_eff`` (n_p, n) [GeV⁻²]
    (``poles`` as in :func:`sigma_v`)."""
    from scipy.interpolate import CubicSpline

    x = x_grid()
    xs = np.exp(np.linspace(math.log(x[0]), math.log(x[-1]), N_AVERAGE))
    K = _thermal_kernel(np.asarray(p, float), m1, np.asarray(masses, float), np.asarray(g, float), xs,
                        poles)
    coarse = K @ np.asarray(w_eff, float)
    # interpolate the logarithm where positive (⟨σv⟩ spans decades for p-wave), linearly elsewhere
    positive = np.all(coarse > 0, axis=0)
    out = np.empty((x.size, coarse.shape[1]))
    if np.any(positive):
        out[:, positive] = np.exp(CubicSpline(np.log(xs), np.log(coarse[:, positive]))(np.log(x)))
    if np.any(~positive):
        out[:, ~positive] = CubicSpline(np.log(xs), coarse[:, ~positive])(np.log(x))
    return out


@dataclass
class FreezeOut:
    """Solution of the Boltzmann equation for one point."""

    omega_h2: float
    x_f: float
    y0: float
    shares: dict[str, float]
    x: np.ndarray
    y: np.ndarray
    y_eq: np.ndarray
    sigma_v: np.ndarray  # ⟨σ_eff v⟩(x) [GeV⁻²]


def solve(m1: float, masses, g, sigma_v_of_x, channel_sigma_v=None, eos=thermo.SM) -> FreezeOut:
    """Integrate dY/dx through freeze-out for a given ⟨σ_eff v⟩(x) (array on :func:`x_grid`).
    ``eos``: the SM plasma's g_eff, h_eff, g_*^{1/2} (:class:`.thermo.EquationOfState`).

    ``channel_sigma_v``: optional {channel: ⟨σv⟩_c(x)} whose sum is ``sigma_v_of_x``; each
    channel's share is its part of ∫_{x_f}^∞ λ(x) dx, the integral that sets 1/Y_0 after
    freeze-out (micrOMEGAs reports the same kind of fraction).
    """
    return solve_many([m1], [masses], [g], [sigma_v_of_x], [channel_sigma_v], eos)[0]


def solve_many(m1s, masses, gs, sigma_vs, channel_sigma_vs=None, eos=thermo.SM) -> list[FreezeOut]:
    """:func:`solve` for several points at once (lists, one entry per point): the BDF2 steps of
    all points advance together on the common :func:`x_grid`, the same arithmetic as one point
    alone (:func:`bdf2`)."""
    x = x_grid()
    n = len(m1s)
    channel_sigma_vs = channel_sigma_vs or [None] * n
    lam = np.empty((n, x.size))
    yeq = np.empty((n, x.size))
    for k in range(n):
        m1 = float(m1s[k])
        lam[k] = (math.sqrt(math.pi / 45) * C.M_PLANCK * eos.gstar_half(m1 / x) * m1 / x**2
                  * np.asarray(sigma_vs[k], float))
        yeq[k] = y_equilibrium(x, m1, np.asarray(masses[k], float), np.asarray(gs[k], float), eos)
    y = bdf2(x, lam, yeq)
    return [_freeze_out(float(m1s[k]), x, lam[k], y[k], yeq[k], np.asarray(sigma_vs[k], float),
                        channel_sigma_vs[k]) for k in range(n)]


def _freeze_out(m1, x, lam, y, yeq, sv, channel_sigma_v) -> FreezeOut:
    """Ωh², x_f and the channel shares of one point from its solution Y(x) (see :func:`solve`)."""
    y0 = y[-1]
    omega = m1 * y0 * C.S0_CM3 / C.RHO_CRIT_H2_GEV_CM3
    x_f = _crossing(x, y, yeq)
    shares = {}
    if channel_sigma_v:
        after = x >= x_f
        total = np.trapezoid(lam[after], x[after])
        for name, svc in channel_sigma_v.items():
            lam_c = lam * np.divide(svc, sv, out=np.zeros_like(sv), where=sv > 0)
            shares[name] = float(np.trapezoid(lam_c[after], x[after]) / total) if total > 0 else 0.0
    return FreezeOut(float(omega), float(x_f), float(y0), shares, x, y, yeq, sv)


def x_grid() -> np.ndarray:
    return np.exp(np.linspace(math.log(X_START), math.log(X_END), N_STEPS + 1))


def bdf2(x: np.ndarray, lam: np.ndarray, yeq: np.ndarray) -> np.ndarray:
    """Y(x) for dY/dx = −λ(x)(Y² − Y_eq²) on a uniform ln x grid, batch axis first.

    In u = ln x: dY/du = −x λ (Y² − Y_eq²). BDF2 step Y_{n+1} − (4/3)Y_n + (1/3)Y_{n−1}
    = −(2/3) h x λ (Y_{n+1}² − Y_eq²) is a Y² + Y − c = 0, Y = 2c/(1 + √(1 + 4ac)); the first
    step is backward Euler. Starts at Y = Y_eq(x_0).
    """
    h = math.log(x[1] / x[0])
    rate = x[None, :] * lam
    if rate.shape[0] == 1:  # one point: plain floats are ~30× faster than size-1 arrays
        return _bdf2_scalar(h, rate[0].tolist(), yeq[0].tolist())[None, :]
    # the steps run along the leading axis of (x, point) arrays (contiguous rows); the
    # expressions are those of _bdf2_scalar, so a point gets the same Y alone or in a batch
    # (to rounding: tests/test_darkmatter_batch.py)
    rate_t = np.ascontiguousarray(rate.T)
    yeq2 = np.ascontiguousarray(yeq.T) ** 2
    y = np.empty_like(rate_t)
    y[0] = yeq[:, 0]
    a = h * rate_t[1]
    c = y[0] + a * yeq2[1]
    y[1] = 2 * c / (1 + np.sqrt(1 + 4 * a * c))
    k = 2.0 / 3.0 * h
    for n in range(1, x.size - 1):
        a = k * rate_t[n + 1]
        c = (4.0 * y[n] - y[n - 1]) / 3.0 + a * yeq2[n + 1]
        y[n + 1] = 2 * c / (1 + np.sqrt(1 + 4 * a * c))
    return np.ascontiguousarray(y.T)


def _bdf2_scalar(h: float, rate: list, yeq: list) -> np.ndarray:
    y = [yeq[0]]
    a = h * rate[1]
    c = y[0] + a * yeq[1] ** 2
    y.append(2 * c / (1 + math.sqrt(1 + 4 * a * c)))
    k = 2.0 / 3.0 * h
    for n in range(1, len(rate) - 1):
        a = k * rate[n + 1]
        c = (4.0 * y[n] - y[n - 1]) / 3.0 + a * yeq[n + 1] ** 2
        y.append(2 * c / (1 + math.sqrt(1 + 4 * a * c)))
    return np.array(y)


def _crossing(x, y, yeq) -> float:
    """First x where Y ≥ (1 + DELTA_XF) Y_eq (log-linear interpolation)."""
    r = np.log(y) - np.log(np.maximum(yeq, 1e-300)) - math.log(1 + DELTA_XF)
    k = np.flatnonzero(r >= 0)
    if k.size == 0 or k[0] == 0:
        return float("nan")
    i = k[0]
    t = r[i - 1] / (r[i - 1] - r[i])
    return float(math.exp(math.log(x[i - 1]) + t * math.log(x[i] / x[i - 1])))
