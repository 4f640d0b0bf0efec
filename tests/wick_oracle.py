"""Test oracle: one-loop four-fermion matching by explicit Wick contraction (no engine formula).

This module computes, for a dark sector given in the mass basis with the Lagrangian of
bridge.engine,

    L ⊃ Σ f̄ (l_f^{aA} P_R + r_f^{aA} P_L) F_a S_A + h.c.,

the coefficient tensor of the four-fermion terms of the one-loop effective Lagrangian at zero
external momenta, by brute force and without using any of the engine's box formulas:

* every dark field is split into self-conjugate components with explicit colour indices: a
  Dirac fermion F_{a,i} = (χ_{a,i,1} + i χ_{a,i,2})/√2 with Majorana χ (χ̄ = χᵀC), a complex
  scalar S_{A,j} = (φ_{A,j,1} + i φ_{A,j,2})/√2 with real φ; Majorana fermions and real scalars
  are one component per colour index. Then every Yukawa term is linear in one χ and one φ, all
  fermion propagators are ⟨χ χᵀ⟩ = S C⁻¹ and all scalar propagators ⟨φ φ⟩ = D, and Majorana
  or real "crossed" contractions need no special rule;
* couplings carry the colour-invariant tensors with unit normalisation (δ_{ci} for a quark with
  a colour-triplet fermion and a singlet scalar, δ_{cj} for a triplet scalar, δ_{ij} for a lepton
  with a triplet–antitriplet or octet–octet pair);
* the fourth-order term of exp(i∫L_int) is Wick-contracted over all pairings of the four χ and
  the four φ (Grassmann signs from the pairing), keeping the connected one-loop (4-cycle)
  graphs; with zero external momenta every propagator carries ±ℓ along the cycle, the
  numerators (±ℓ̸ + m)C⁻¹ are multiplied out with 4×4 Dirac matrices (ℓ^μℓ^ν → g^{μν}ℓ²/4),
  and the two scalar loop integrals are done by scipy quadrature after the Wick rotation:
  ∫d⁴ℓ/(2π)⁴ 1/Π(ℓ² − a_k) = i I₁/(16π²), ∫d⁴ℓ/(2π)⁴ ℓ²/Π(ℓ² − a_k) = −i I₂/(16π²),
  I_p = ∫₀^∞ dt t^p/Π(t + a_k).

The result is the tensor T over the external Grassmann components (spinor ⊗ colour) of
L_eff ⊃ Σ T[μ1, μ2, μ3, μ4] E_μ1 E_μ2 E_μ3 E_μ4 for a chosen order of external fields
(f̄, f', f̄'', f'''), compared with an operator by building the operator's tensor in the same
order. For identical external fields (B_s mixing) only the antisymmetrised tensor is physical.

It is slow and meant for a handful of states; it is a test of bridge.engine, not a part of it.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import product

import numpy as np
from scipy import integrate

# --------------------------------------------------------------------------------------------
# Dirac algebra (Dirac representation, metric (+,−,−,−))

_S = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]], complex),
      np.array([[1, 0], [0, -1]], complex)]
_I2, _Z2 = np.eye(2, dtype=complex), np.zeros((2, 2), complex)
GAMMA = [np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S]
METRIC = np.array([1.0, -1.0, -1.0, -1.0])
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
PL = (np.eye(4) - GAMMA5) / 2
PR = (np.eye(4) + GAMMA5) / 2
#: charge conjugation, ψ^c = C ψ̄ᵀ, C = iγ²γ⁰ (Cᵀ = −C, C⁻¹ = −C)
CC = 1j * GAMMA[2] @ GAMMA[0]
CINV = np.linalg.inv(CC)
#: γ^μ C⁻¹ and γ_μ C⁻¹ stacked over μ
GAMMA_C = np.array([g @ CINV for g in GAMMA])
GAMMA_LOW_C = np.array([METRIC[m] * GAMMA[m] @ CINV for m in range(4)])

# --------------------------------------------------------------------------------------------
# colour

_DIM = {1: 1, 3: 3, -3: 3, 8: 8}


def colour_tensor(r_f: int, r_fermion: int, r_scalar: int) -> np.ndarray:
    """Invariant tensor t[c, i, j] of f̄_c F_i S_j, unit normalised, for the supported cases."""
    d = (_DIM[r_f], _DIM[r_fermion], _DIM[r_scalar])
    t = np.zeros(d, complex)
    if d == (1, 1, 1):
        t[0, 0, 0] = 1
    elif r_f == 3 and (r_fermion, r_scalar) == (1, 3):
        for c in range(3):
            t[c, 0, c] = 1
    elif r_f == 3 and (r_fermion, r_scalar) == (3, 1):
        for c in range(3):
            t[c, c, 0] = 1
    elif r_f == 1 and (r_fermion, r_scalar) in ((3, -3), (-3, 3), (8, 8)):
        for i in range(d[1]):
            t[0, i, i] = 1
    else:
        raise ValueError(f"no colour tensor for {r_f} -> {r_fermion} x {r_scalar}")
    return t


# --------------------------------------------------------------------------------------------
# the sector in self-conjugate components


class Components:
    """Self-conjugate components of a list of particles: masses and the map U[p] (d_p × n) with
    field_{p,i} = Σ_n U[p][i, n] component_n."""

    def __init__(self, particles, self_conjugate):
        self.mass: list[float] = []
        self.u: list[np.ndarray] = []
        for p, sc in zip(particles, self_conjugate, strict=True):
            d = _DIM[p.colour]
            parts = 1 if sc else 2
            start = len(self.mass)
            self.mass += [float(p.mass)] * (d * parts)
            self.u.append((start, d, parts))
        n = len(self.mass)
        maps = []
        for start, d, parts in self.u:
            u = np.zeros((d, n), complex)
            for i in range(d):
                if parts == 1:
                    u[i, start + i] = 1
                else:
                    u[i, start + 2 * i] = 1 / math.sqrt(2)
                    u[i, start + 2 * i + 1] = 1j / math.sqrt(2)
            maps.append(u)
        self.u = maps
        self.mass = np.array(self.mass)


SM_COLOUR = {"d": 3, "s": 3, "b": 3, "u": 3, "c": 3, "t": 3}


class WickOracle:
    """Four-fermion one-loop terms of a bridge.engine.DarkSector by explicit Wick contraction."""

    def __init__(self, sector):
        self.sector = sector
        self.chi = Components(sector.fermions, [F.majorana for F in sector.fermions])
        self.phi = Components(sector.scalars, [S.real for S in sector.scalars])

    # vertices ----------------------------------------------------------------------------
    def _coupling_tensor(self, f: str, barred: bool) -> np.ndarray:
        """W[μ, n, β, k] of the term E_μ W χ_{nβ} φ_k (E = f̄ or f), μ = (colour c, spinor α)."""
        sec = self.sector
        left, right = sec.l(f), sec.r(f)
        r_f = SM_COLOUR.get(f, 1)
        d_f = _DIM[r_f]
        nchi, nphi = len(self.chi.mass), len(self.phi.mass)
        w = np.zeros((d_f, 4, nchi, 4, nphi), complex)
        for a, F in enumerate(sec.fermions):
            for A, S in enumerate(sec.scalars):
                if left[a, A] == 0 and right[a, A] == 0:
                    continue
                t = colour_tensor(r_f, F.colour, S.colour)
                uf, us = self.chi.u[a], self.phi.u[A]
                if barred:  # f̄ (l P_R + r P_L) F S
                    colour = np.einsum("cij,in,jk->cnk", t, uf, us)
                    spin = left[a, A] * PR + right[a, A] * PL  # [α, β]
                    w += np.einsum("cnk,ab->canbk", colour, spin)
                else:  # F̄ (l* P_L + r* P_R) f S* = χ_β (C Γ̄)_{βδ} f_δ … = −f_δ (C Γ̄)_{βδ} χ_β …
                    colour = np.einsum("cij,in,jk->cnk", t.conj(), uf.conj(), us.conj())
                    spin = CC @ (np.conj(left[a, A]) * PL + np.conj(right[a, A]) * PR)  # [β, δ]
                    w -= np.einsum("cnk,bd->cdnbk", colour, spin)
        return w.reshape(d_f * 4, nchi, 4, nphi)

    # loop integrals ----------------------------------------------------------------------
    @staticmethod
    @cache
    def _integral(power: int, masses2: tuple) -> float:
        """I_p = ∫₀^∞ dt t^p/Π(t + a_k), in v = ln t with the break points at ln a_k."""
        logs = sorted({math.log(a) for a in masses2})

        def integrand(v):
            t = math.exp(v)
            return t ** (power + 1) / math.prod(t + a for a in masses2)

        val, _ = integrate.quad(integrand, logs[0] - 50, logs[-1] + 50, points=logs, limit=500,
                                epsabs=0, epsrel=1e-13)
        return val

    def _loop_tables(self):
        """I1·m m and I2 over (n1, n2, k1, k2), masses in GeV."""
        if not hasattr(self, "_tables"):
            mf, ms = self.chi.mass, self.phi.mass
            uf, inv_f = np.unique(mf, return_inverse=True)
            us, inv_s = np.unique(ms, return_inverse=True)
            i1 = np.zeros((len(uf), len(uf), len(us), len(us)))
            i2 = np.zeros_like(i1)
            for x, y, p, q in product(range(len(uf)), range(len(uf)), range(len(us)), range(len(us))):
                key = tuple(sorted((uf[x] ** 2, uf[y] ** 2, us[p] ** 2, us[q] ** 2)))
                i1[x, y, p, q] = uf[x] * uf[y] * self._integral(1, key)
                i2[x, y, p, q] = self._integral(2, key)
            ix = np.ix_(inv_f, inv_f, inv_s, inv_s)
            self._tables = (i1[ix], i2[ix])
        return self._tables

    # contraction -------------------------------------------------------------------------
    def quartic(self, fields: tuple[tuple[str, bool], ...]) -> np.ndarray:
        """T[μ1..μ4] of Σ_{connected} (1/4!)·4!·⟨(E χ φ)⁴⟩, vertices v = 0..3 carrying
        ``fields[v] = (name, barred)``; the multiplicity of identical vertices is the caller's."""
        w = [self._coupling_tensor(f, barred) for f, barred in fields]
        mm_i1, i2 = self._loop_tables()
        total = 0
        pairings = (((0, 1), (2, 3), +1), ((0, 2), (1, 3), -1), ((0, 3), (1, 2), +1))
        for f1, f2, sign in pairings:
            for s1, s2, _ in pairings:
                if {f1, f2} == {s1, s2}:
                    continue  # two disconnected bubbles
                sigma = self._orientation(f1, f2, s1, s2)
                total = total + sign * self._contract(w, f1, f2, s1, s2, mm_i1, None)
                total = total + sign * self._contract(w, f1, f2, s1, s2, -sigma / 4 * i2, "kk")
        return total / (16 * math.pi**2)

    @staticmethod
    def _orientation(f1, f2, s1, s2) -> int:
        """σ1σ2 of the two fermion propagators ⟨χ(x_i)χ(x_j)⟩ (i < j, momentum j → i) along
        the cycle i1 → j1 → (scalar) → … → i1."""
        scalar_partner = {s1[0]: s1[1], s1[1]: s1[0], s2[0]: s2[1], s2[1]: s2[0]}
        end = f1[1]
        sigma1 = -1  # traversed i1 → j1 against its momentum j1 → i1
        nxt = scalar_partner[end]
        sigma2 = -1 if nxt == f2[0] else +1  # traversed i2 → j2 (against) or j2 → i2 (along)
        return sigma1 * sigma2

    @staticmethod
    def _contract(w, f1, f2, s1, s2, table, kind):
        """Σ W_{i1} N1 W_{j1} · W_{i2} N2 W_{j2} · table[n1, n2, K(s1), K(s2)], as a tensor
        over the external indices of the vertices 0..3 (pairwise contractions)."""
        if kind is None:
            n1, n2 = CINV[None], CINV[None]  # a dummy Lorentz axis of length 1
        else:
            n1, n2 = GAMMA_C, GAMMA_LOW_C

        def line(pair, numerator):
            # [x, μ_i, μ_j, n, K_i, K_j] of W_i N W_j along one fermion line
            i, j = pair
            half = np.einsum("pnbK,xbc->xpncK", w[i], numerator)
            return np.einsum("xpncK,qncL->xpqnKL", half, w[j])

        def in_first(v):
            return v in s1

        line1, line2 = line(f1, n1), line(f2, n2)
        # scalar slots: order each line's two scalar axes as (pair s1, pair s2)
        if not in_first(f1[0]):
            line1 = line1.swapaxes(-1, -2)
        if not in_first(f2[0]):
            line2 = line2.swapaxes(-1, -2)
        partial = np.einsum("xpqnKL,nmKL->xpqmKL", line1, table)
        out = np.einsum("xpqmKL,xrsmKL->pqrs", partial, line2)
        # axes are (μ_i1, μ_j1, μ_i2, μ_j2): put them in vertex order 0..3
        order = [f1[0], f1[1], f2[0], f2[1]]
        return out.transpose(np.argsort(order))


# --------------------------------------------------------------------------------------------
# operators as tensors in the same Grassmann order


def vector_operator(coeffs: dict, d1: int, d2: int) -> np.ndarray:
    """Σ_{XY} C_XY (ψ̄1 γ^ρ P_X ψ2)(ψ̄3 γ_ρ P_Y ψ4) with colour-singlet bilinears of colour
    dimension d1 (first) and d2 (second); tensor over ((c,α), (c',β), (e,γ), (e',δ))."""
    proj = {"L": PL, "R": PR}
    out = 0
    for (x, y), c in coeffs.items():
        spin = sum(METRIC[m] * np.einsum("ab,gd->abgd", GAMMA[m] @ proj[x], GAMMA[m] @ proj[y])
                   for m in range(4))
        out = out + c * np.einsum("ik,jl,abgd->iakbjgld", np.eye(d1), np.eye(d2), spin)
    return np.asarray(out).reshape(d1 * 4, d1 * 4, d2 * 4, d2 * 4)


def antisymmetrise(t: np.ndarray) -> np.ndarray:
    """The physical part of a tensor over (ψ̄, ψ, ψ̄, ψ) with both pairs identical fields."""
    return (t - t.transpose(2, 1, 0, 3) - t.transpose(0, 3, 2, 1) + t.transpose(2, 3, 0, 1))


def semileptonic_tensor(sector, q_bar="s", q="b", lep_bar="mu", lep="mu") -> np.ndarray:
    """T of L_eff ⊃ Σ T q̄ q ℓ̄ ℓ (order q̄, q, ℓ̄, ℓ), all vertices distinct: multiplicity 1."""
    return WickOracle(sector).quartic(((q_bar, True), (q, False), (lep_bar, True), (lep, False)))


def mixing_tensor(sector) -> np.ndarray:
    """Antisymmetrised T of L_eff ⊃ s̄ b s̄ b: 6 of the 4! vertex orders give this pattern."""
    return antisymmetrise(WickOracle(sector).quartic((("s", True), ("b", False), ("s", True),
                                                      ("b", False))) / 4)


def project_vector(t: np.ndarray, d1: int, d2: int) -> tuple[dict, float]:
    """Least-squares C_XY with t ≈ vector_operator(C) and the relative residual."""
    keys = [("L", "L"), ("L", "R"), ("R", "L"), ("R", "R")]
    basis = np.array([vector_operator({k: 1.0}, d1, d2).ravel() for k in keys]).T
    coef, *_ = np.linalg.lstsq(basis, t.ravel(), rcond=None)
    resid = np.linalg.norm(basis @ coef - t.ravel()) / max(np.linalg.norm(t), 1e-300)
    return dict(zip(keys, coef, strict=True)), float(resid)
