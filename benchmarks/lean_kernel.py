"""A lean numpy kernel of a scan point's arithmetic: the bound the scan's throughput is held to.

For a batch of a model's points (its batched DarkSector, made by the bridge beforehand and not
timed) it does, with plain numpy and none of the engine's bookkeeping, what no implementation
of the same physics can skip:

1. the loop functions at every mass ratio: four one-scale functions of x = m_F²/m_S² (dipoles,
   penguins) on (N, nF, nS) and the two box functions of four masses (Σ_a m_a^{2k} ln m_a² /
   Π_{b≠a} (m_a² − m_b²), k = 1, 2: the closed forms for distinct masses, without the
   degenerate-limit branches the engine needs) on (N, nF, nF, nS, nS);
2. one coupling contraction per coefficient the model produces: a box coefficient is
   Σ_{ijkl} Γ*_{ik} Γ_{jk} Γ*_{jl} Γ_{il} D_{ijkl} (elementwise products and sums with the
   points on the last axis), a dipole or penguin Σ_{ik} Γ*_{ik} Γ_{ik} f(x_{ik}); the
   couplings are the sector's own arrays, taken in turn (the work does not depend on which);
3. the running to the hand-over scale as one complex matrix product per point;
4. the fast path (bridge.scan.fastpath: itself a few matrix products) and the likelihood's χ².

Usage: imported by benchmarks/scan_throughput.py (``lean_points_per_cpu_second``).
"""

from __future__ import annotations

import time

import numpy as np


def _one_scale(x):
    lx = np.log(x)
    d = 1.0 - x
    return ((1.0 - x * x + 2.0 * x * lx) / d**3, (3.0 - 4.0 * x + x * x + 2.0 * lx) / d**3,
            (1.0 - x + x * lx) / d**2, (x - 1.0 - lx) / d**2)


def _box(mf2, ms2):
    """Σ_a m_a^{2k} ln m_a² / Π_{b≠a} (m_a² − m_b²) over (m_i, m_j, M_k, M_l), k = 1, 2, as
    arrays (nF, nF, nS, nS, N): the points last, so that every operation runs over them."""
    m = [mf2[:, None, None, None, :], mf2[None, :, None, None, :], ms2[None, None, :, None, :],
         ms2[None, None, None, :, :]]
    d1 = d2 = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(4):
            den = 1.0
            for b in range(4):
                if b != a:
                    den = den * (m[a] - m[b])
            t = m[a] * np.log(m[a]) / den
            d1 = d1 + t
            d2 = d2 + m[a] * t
    return d1, d2


def _contract(a, b, d):
    """Σ_{ijkl} a*_{ik} b_{jk} a*_{jl} b_{il} D_{ijkl} for couplings (nF, nS, N)."""
    p = a.conj()[:, None] * b[None, :]  # (i, j, k, N)
    q = a.conj()[None, :] * b[:, None]  # a*_{jl} b_{il}: (i, j, l, N)
    return (p * (d * q[:, :, None]).sum(axis=3)).sum(axis=(0, 1, 2))


class LeanKernel:
    """The kernel for one model's batch (``sector``: a batched bridge.engine.DarkSector)."""

    def __init__(self, sector, n_box: int, n_dipole: int, fastpath, likelihoods, point_data):
        n = point_data.size
        self.mf2 = np.stack([np.broadcast_to(np.asarray(f.mass, float) ** 2, (n,)) for f in sector.fermions])
        self.ms2 = np.stack([np.broadcast_to(np.asarray(s.mass, float) ** 2, (n,)) for s in sector.scalars])
        shape = (n, self.mf2.shape[0], self.ms2.shape[0])
        self.couplings = [np.ascontiguousarray(np.moveaxis(np.broadcast_to(c, shape), 0, -1))
                          for table in (sector.left, sector.right) for c in table.values()] \
            or [np.ones((*shape[1:], n), complex)]
        self.n_box, self.n_dipole = n_box, n_dipole
        self.n_coef = n_box + n_dipole
        rng = np.random.default_rng(1)
        self.running = np.eye(self.n_coef) + 1e-3 * rng.standard_normal((self.n_coef, self.n_coef))
        self.fastpath, self.likelihoods, self.data = fastpath, likelihoods, point_data

    def __call__(self) -> None:
        x = self.mf2[:, None, :] / self.ms2[None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = _one_scale(x)
            d = _box(self.mf2, self.ms2)
            cs = self.couplings
            out = np.empty((self.n_coef, x.shape[-1]), complex)
            for c in range(self.n_box):
                out[c] = _contract(cs[c % len(cs)], cs[(c + 1) % len(cs)], d[c % 2])
            for c in range(self.n_dipole):
                a, b = cs[c % len(cs)], cs[(c + 1) % len(cs)]
                out[self.n_box + c] = (a.conj() * b * f[c % 4]).sum(axis=(0, 1))
        out = self.running @ out
        if self.fastpath is not None:
            from bridge.scan import fastpath as fpm

            u, _ = fpm.to_units(self.data.coefficients, self.data.size)
            self.fastpath.evaluate(u)
        for vl in self.likelihoods:
            vl.evaluate(self.data)


def lean_points_per_cpu_second(kernel: LeanKernel, n: int, repeats: int = 3) -> float:
    """Points per CPU second of the kernel (best of ``repeats``)."""
    kernel()
    best = np.inf
    for _ in range(repeats):
        t = time.process_time()
        kernel()
        best = min(best, time.process_time() - t)
    return n / best
