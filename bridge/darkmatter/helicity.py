"""Explicit Dirac spinors, polarisation vectors and 2 → 2 kinematics for numerical amplitudes.

Chiral (Weyl) basis and spinors of Peskin & Schroeder, "An Introduction to QFT", Eqs. (3.25),
(3.50), (3.62): γ⁰ = [[0, 1], [1, 0]], γⁱ = [[0, σⁱ], [−σⁱ, 0]], P_L = diag(1, 1, 0, 0),

    u(p, ξ) = (√(p·σ) ξ, √(p·σ̄) ξ),   v(p, ξ) = C ū(p, ξ)ᵀ,

with ξ running over the basis (1, 0), (0, 1); Σ u ū = p̸ + m and Σ v v̄ = p̸ − m, so sums of
|M|² over these two states are the spin sums. Metric (+, −, −, −). Every array carries leading
kinematic axes (…); spinors are (…, 2, 4), bars (…, 2, 4) with ū = u† γ⁰.
"""

from __future__ import annotations

import numpy as np

SIGMA = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
I2 = np.eye(2, dtype=complex)
Z2 = np.zeros((2, 2), dtype=complex)
GAMMA = np.array([np.block([[Z2, I2], [I2, Z2]])]
                 + [np.block([[Z2, s], [-s, Z2]]) for s in SIGMA])
GAMMA5 = np.diag([-1, -1, 1, 1]).astype(complex)
PL = np.diag([1, 1, 0, 0]).astype(complex)
PR = np.diag([0, 0, 1, 1]).astype(complex)
ONE = np.eye(4, dtype=complex)
#: Charge conjugation C = iγ²γ⁰ (Cᵀ = −C, C γ^μ C⁻¹ = −γ^μᵀ).
CHARGE_CONJUGATION = 1j * GAMMA[2] @ GAMMA[0]
#: x @ Cᵀ = x[…, _C_PERMUTATION] × _C_SIGNS (Cᵀ a signed permutation matrix).
_C_PERMUTATION = np.argmax(np.abs(CHARGE_CONJUGATION.T), axis=0)
_C_SIGNS = CHARGE_CONJUGATION.T[_C_PERMUTATION, np.arange(4)].real
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
#: γ_μ (lower index): γ_μ = g_μν γ^ν.
GAMMA_LOWER = np.einsum("mn,nab->mab", METRIC, GAMMA)


def dot(a, b):
    """Minkowski product of (…, 4) arrays (the spatial terms added in index order, as np.sum
    does for three terms; written out because it runs ~10⁵ times per scan chunk: one product of
    the broadcast arrays, then its components, ~1.5× faster than four strided products)."""
    ab = a * b
    return ab[..., 0] - (ab[..., 1] + ab[..., 2] + ab[..., 3])


def abs2(a):
    """|a|² of a complex array as re² + im² (np.abs squares a hypot: ~3× slower)."""
    return a.real**2 + a.imag**2


def slash(p):
    """p̸ = γ^μ p_μ, shape (…, 4, 4)."""
    lowered = p * np.array([1.0, -1.0, -1.0, -1.0])
    return (lowered @ GAMMA.reshape(4, 16)).reshape(*p.shape[:-1], 4, 4)


def fermion_propagator(q, m):
    """(q̸ + m)/(q² − m²), the Dirac propagator without its factor i (Peskin & Schroeder Eq. (4.118)):
    (…, 4) momenta → (…, 4, 4)."""
    return (slash(q) + m * ONE) / (dot(q, q) - m * m)[..., None, None]


def _sqrt_sigma(p):
    """(√(p·σ), √(p·σ̄)) for p = (E, p⃗), shape (…, 2, 2) each: √(E ∓ |p|) on the helicity
    projectors P± = (1 ± n̂·σ)/2, built entry by entry (n̂·σ = [[n_z, n_x − i n_y], [n_x + i n_y, −n_z]])."""
    E = p[..., 0]
    vec = p[..., 1:]
    norm = np.sqrt(vec[..., 0] ** 2 + vec[..., 1] ** 2 + vec[..., 2] ** 2)
    safe = np.where(norm > 0, norm, 1.0)
    at_rest = norm == 0
    nx = np.where(at_rest, 0.0, vec[..., 0] / safe)
    ny = np.where(at_rest, 0.0, vec[..., 1] / safe)
    nz = np.where(at_rest, 1.0, vec[..., 2] / safe)
    lo = np.sqrt(np.maximum(E - norm, 0.0))
    hi = np.sqrt(E + norm)
    # P± entries: diagonal (1 ± n_z)/2, off-diagonal ±(n_x ∓ i n_y)/2
    plus_d = (0.5 * (1 + nz), 0.5 * (1 - nz))
    minus_d = (0.5 * (1 - nz), 0.5 * (1 + nz))
    off01, off10 = 0.5 * (nx - 1j * ny), 0.5 * (nx + 1j * ny)
    a = np.empty((*E.shape, 2, 2), complex)
    b = np.empty((*E.shape, 2, 2), complex)
    for out, w_plus, w_minus in ((a, lo, hi), (b, hi, lo)):
        out[..., 0, 0] = w_plus * plus_d[0] + w_minus * minus_d[0]
        out[..., 1, 1] = w_plus * plus_d[1] + w_minus * minus_d[1]
        out[..., 0, 1] = (w_plus - w_minus) * off01
        out[..., 1, 0] = (w_plus - w_minus) * off10
    return a, b


def u_spinors(p):
    """u(p, s) for s = 1, 2: shape (…, 2, 4)."""
    a, b = _sqrt_sigma(p)
    return np.concatenate([np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)], axis=-1)


def v_spinors(p):
    """v(p, s) = C ū(p, s)ᵀ for s = 1, 2: shape (…, 2, 4).

    Tied to u by charge conjugation (C = iγ²γ⁰) so that u(p, s) and v(p, s) describe the same
    spin state: Denner's rules for Majorana lines (one diagram with u(p), another with v̄(p))
    need exactly this relation. Σ_s v v̄ = p̸ − m still holds.
    """
    # ū C^T: C^T has one entry ±1 per row and column, so the product is a signed permutation
    return bar(u_spinors(p))[..., _C_PERMUTATION] * _C_SIGNS


def bar(spinors):
    """ψ̄ = ψ† γ⁰ for (…, 2, 4) spinors (γ⁰ of the chiral basis swaps the two Weyl halves)."""
    return np.conj(spinors)[..., [2, 3, 0, 1]]


def sandwich(left_bar, matrix, right):
    """ψ̄_s M χ_r for all spin pairs: left_bar (…, 2, 4), matrix (…, 4, 4) or (4, 4), right
    (…, 2, 4) → (…, 2, 2)."""
    if np.ndim(matrix) == 2:  # one matrix for all nodes
        diagonal = np.diagonal(matrix)
        if not np.any(matrix - np.diag(diagonal)):  # chiral projections: a column scaling, no BLAS
            return (left_bar * diagonal) @ np.swapaxes(right, -1, -2)
        left_bar = (left_bar.reshape(-1, 4) @ matrix).reshape(left_bar.shape)
        return left_bar @ np.swapaxes(right, -1, -2)
    return (left_bar @ matrix) @ np.swapaxes(right, -1, -2)


def vector_current(left_bar, matrix_after_gamma, right):
    """ψ̄_s γ^μ M χ_r for μ = 0…3 (upper index): (…, 2, 2, 4)."""
    m = np.asarray(matrix_after_gamma)
    if m.ndim == 2:  # one matrix for all nodes: ψ̄ (γ^μ M) as one product with a (4, 16) matrix
        gm = np.swapaxes(GAMMA @ m, 0, 1).reshape(4, 16)  # [a, (μ, b)]
        row = (left_bar @ gm).reshape(*left_bar.shape[:-1], 4, 4)  # (…, s, μ, b)
        out = row.reshape(*row.shape[:-3], 8, 4) @ np.swapaxes(right, -1, -2)  # (…, (s, μ), r)
        return np.swapaxes(out.reshape(*out.shape[:-2], 2, 4, 2), -1, -2)
    gm = GAMMA @ m[..., None, :, :]  # (…, μ, 4, 4)
    out = (left_bar[..., None, :, :] @ gm) @ np.swapaxes(right, -1, -2)[..., None, :, :]
    return np.moveaxis(out, -3, -1)


def polarisations(k, massive: bool):
    """Real polarisation vectors ε_λ(k) (…, n_pol, 4) for k in the x–z plane (y component 0).

    Transverse: ε₁ = (0, cos θ, 0, −sin θ), ε₂ = (0, 0, 1, 0) with k̂ = (sin θ, 0, cos θ);
    longitudinal (massive only): ε_L = (|k|, E k̂)/m.
    """
    vec = k[..., 1:]
    norm = np.linalg.norm(vec, axis=-1)
    n = vec / norm[..., None]
    sin, cos = n[..., 0], n[..., 2]
    zero = np.zeros_like(sin)
    e1 = np.stack([zero, cos, zero, -sin], axis=-1)
    e2 = np.stack([zero, zero, zero + 1.0, zero], axis=-1)
    pols = [e1, e2]
    if massive:
        m = np.sqrt(np.maximum(dot(k, k), 0.0))
        pols.append(np.concatenate([norm[..., None], k[..., 0][..., None] * n], axis=-1) / m[..., None])
    return np.stack(pols, axis=-2)


def two_body_momentum(sqrt_s, m1, m2):
    """CM momentum of a pair of masses m1, m2 at √s (0 below threshold)."""
    s = sqrt_s**2
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2 * sqrt_s)


def cm_momenta(sqrt_s, m1, m2, m3, m4, cos_theta):
    """p1, p2 along ±z and k1, k2 at angle θ in the x–z plane: arrays (n_s, n_c, 4)."""
    sqrt_s = np.asarray(sqrt_s, float)[:, None]
    c = np.asarray(cos_theta, float)[None, :]
    sn = np.sqrt(1 - c**2)
    p = two_body_momentum(sqrt_s, m1, m2)
    k = two_body_momentum(sqrt_s, m3, m4)
    e1 = (sqrt_s**2 + m1**2 - m2**2) / (2 * sqrt_s)
    e3 = (sqrt_s**2 + m3**2 - m4**2) / (2 * sqrt_s)
    p1, p2, k1, k2 = np.zeros((4, sqrt_s.shape[0], c.shape[1], 4))
    p1[..., 0], p1[..., 3] = e1, p
    p2[..., 0], p2[..., 3] = sqrt_s - e1, -p
    k1[..., 0], k1[..., 1], k1[..., 3] = e3, k * sn, k * c
    k2[..., 0], k2[..., 1], k2[..., 3] = sqrt_s - e3, -k * sn, -k * c
    return p1, p2, k1, k2


# ---------------------------------------------------------------------------------------------
# Two-component (Weyl) blocks of the chiral basis
# ---------------------------------------------------------------------------------------------
# In the chiral basis a Dirac spinor is (ψ_L, ψ_R) and γ^μ = [[0, σ^μ], [σ̄^μ, 0]] (Peskin &
# Schroeder Eq. (3.25); Dreiner, Haber, Martin, arXiv:0812.1594, Sec. 3.1 with their σ, σ̄), so
# for a row spinor ψ̄ = (ψ̄_lo, ψ̄_hi) and a column χ = (χ_lo, χ_hi):
#
#     ψ̄ P_L χ = ψ̄_lo·χ_lo,   ψ̄ P_R χ = ψ̄_hi·χ_hi,
#     ψ̄ γ^μ P_L χ = ψ̄_hi σ̄^μ χ_lo,   ψ̄ γ^μ P_R χ = ψ̄_lo σ^μ χ_hi,
#
# and the Lorentz contraction of two such currents is a product of two 2-spinor brackets by the
# Fierz identities of the σ matrices (Peskin & Schroeder Eq. (3.77) and its σ σ̄ partner, the
# completeness relations of Dreiner–Haber–Martin Sec. 2; metric (+,−,−,−)):
#
#     σ^μ_{ab} σ_μ{}_{cd} = σ̄^μ_{ab} σ̄_μ{}_{cd} = 2 ε_{ac} ε_{bd},   σ^μ_{ab} σ̄_μ{}_{cd} = 2 δ_{ad} δ_{bc}
#
# (ε = [[0, 1], [−1, 0]]; checked entry by entry in tests/test_darkmatter_amplitude_rewrites.py), i.e.
#
#     (x σ̄^μ y)(z σ̄_μ w) = (x σ^μ y)(z σ_μ w) = 2 [x z][y w],   (x σ^μ y)(z σ̄_μ w) = 2 (x·w)(z·y)
#
# with [x z] = x₁z₂ − x₂z₁ and x·w = x₁w₁ + x₂w₂: a current–current contraction costs two 2×2
# brackets and one outer product instead of a (4, 4) × (4, 4, 4) chain per node. These functions
# take spinors in the (spin, component, nodes…) layout of :func:`soa`, so every product runs over
# the nodes in one loop (with the nodes last, numpy would loop over axes of length 2).


def soa(spinors):
    """(…, 2, 4) spinors or bars → (2, 4, …) (spin, component, then the node axes), contiguous:
    the Weyl-block arithmetic below then runs its loops over the nodes, not over 2-element axes."""
    return np.ascontiguousarray(np.moveaxis(spinors, (-2, -1), (0, 1)))


def weyl(spinors):
    """(lower, upper) Weyl halves (2, 2, …) of (2, 4, …) spinors or bars of :func:`soa` (views)."""
    return spinors[:, 0:2], spinors[:, 2:4]


def bracket_dot(x, w):
    """x_s·w_r = x₁w₁ + x₂w₂ for all spin pairs: (2, 2, …) halves → (s, r, …)."""
    return x[:, None, 0] * w[None, :, 0] + x[:, None, 1] * w[None, :, 1]


def bracket_eps(x, z):
    """[x_s z_r] = x₁z₂ − x₂z₁ (ε-contraction) for all spin pairs: (2, 2, …) halves → (s, r, …)."""
    return x[:, None, 0] * z[None, :, 1] - x[:, None, 1] * z[None, :, 0]


def sigma_times(q, y, barred: bool):
    """(q·σ̄) y (``barred``) or (q·σ) y for column 2-spinors y (s, 2, …) and momenta q (…, 4):
    q_μ σ̄^μ = q⁰ + q⃗·σ⃗, q_μ σ^μ = q⁰ − q⃗·σ⃗ (the contraction of a current with q)."""
    sign = 1.0 if barred else -1.0
    q0, qx, qy, qz = (q[..., k] for k in range(4))
    y0, y1 = y[:, 0], y[:, 1]
    top = (q0 + sign * qz) * y0 + sign * (qx - 1j * qy) * y1
    bottom = sign * (qx + 1j * qy) * y0 + (q0 - sign * qz) * y1
    return np.stack([top, bottom], axis=1)


def spin_sum(amp, n_axes: int):
    """Σ |amp|² over the last ``n_axes`` axes (the spins): one pass over the real and imaginary
    parts as a float view (np.sum of abs2 makes two temporaries of the amplitude's size)."""
    a = np.ascontiguousarray(amp)
    flat = a.reshape(*a.shape[:a.ndim - n_axes], -1).view(float)
    return np.einsum("...i,...i->...", flat, flat)


def spin_sum_leading(amp, n_axes: int):
    """Σ |amp|² over the first ``n_axes`` axes (the spins of a :func:`soa`-layout amplitude)."""
    a = amp.reshape(-1, *amp.shape[n_axes:])
    return np.sum(a.real**2 + a.imag**2, axis=0)
