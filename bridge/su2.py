"""SU(2)_L multiplets in components and the invariant contraction of a product of multiplets.

Components are ordered by T3 descending (m = j, j − 1, …, −j): a doublet is (up, down),
e.g. Q = (u_L, d_L), H = (H⁺, H⁰), and a triplet is (T3 = +1, 0, −1). The generators are
the spin-j matrices in the Condon–Shortley phase convention (T⁺ real and non-negative).

A field written conjugated (φ*, ψ̄) transforms with −T^{a*}; its component m carries T3 = −m.
The invariant contraction of fields f_1 … f_n (each possibly conjugated) is the null space of
Σ_k T^a_(k) on their tensor product (Georgi, *Lie Algebras in Particle Physics*, ch. 3): for
the three-field terms of the dark-loop models (singlets, doublets and triplets) it is unique up
to normalisation when it exists. The normalisation fixed here reproduces the usual
contractions: the tensor is scaled so that its first non-zero entry, in the order the fields
are written and components T3-descending, is +1. This gives

* δ_ab for doublet × conjugated doublet (Q̄^a Ψ_a Φ, H†η);
* ε_ab with ε_12 = +1 for two doublets in the written order (Ψ'·Φ = Ψ'⁰Φ⁻ − Ψ'⁻Φ⁰ of
  arXiv:2104.03228, Ψ'·H);
* f̄ σ^a F Φ^a for doublet–doublet–triplet, with the triplet's components the spherical ones
  of Condon–Shortley, Φ_{±1} = ∓(Φ¹ ∓ iΦ²)/√2, Φ_0 = Φ³ (entries 1, −√2, √2, −1);
* F_{+1}S_{−1} − F_0S_0 + F_{−1}S_{+1} = −F·S (Cartesian dot product) for two triplets.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cache

import numpy as np

#: SU(2) representations by dimension: 1 singlet, 2 doublet, 3 triplet.
SUPPORTED_DIMENSIONS = (1, 2, 3)


def t3_values(dim: int) -> tuple[Fraction, ...]:
    """T3 of the components of the dim-dimensional representation, descending."""
    j = Fraction(dim - 1, 2)
    return tuple(j - k for k in range(dim))


@cache
def generators(dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T¹, T², T³) of spin j = (dim − 1)/2 in the T3-descending basis (Condon–Shortley)."""
    j = (dim - 1) / 2
    m = np.array([j - k for k in range(dim)])
    t3 = np.diag(m).astype(complex)
    t_plus = np.zeros((dim, dim), complex)
    for k in range(1, dim):  # T⁺ |j, m⟩ = √((j − m)(j + m + 1)) |j, m + 1⟩
        t_plus[k - 1, k] = np.sqrt((j - m[k]) * (j + m[k] + 1))
    t_minus = t_plus.T.conj()
    return (t_plus + t_minus) / 2, (t_plus - t_minus) / 2j, t3


def raising(dim: int) -> np.ndarray:
    """T⁺ = T¹ + iT² of the dim-dimensional representation (real, above the diagonal)."""
    t1, t2, _ = generators(dim)
    return (t1 + 1j * t2).real


@cache
def invariant(dims: tuple[int, ...], conjugated: tuple[bool, ...]) -> np.ndarray | None:
    """The invariant tensor c[i_1, …, i_n] of the written product of multiplets, or None.

    The product Σ c[i…] f_1[i_1] … f_n[i_n] (with f_k → f_k* where ``conjugated``) is SU(2)
    invariant. None if no invariant exists; a ValueError if it is not unique (the term must
    then be written as a product of smaller invariants, e.g. a quartic as two brackets).
    """
    for d in dims:
        if d not in SUPPORTED_DIMENSIONS:
            raise ValueError(f"SU(2) representation of dimension {d} is not supported "
                             f"(supported: {SUPPORTED_DIMENSIONS})")
    size = int(np.prod(dims))
    total = [np.zeros((size, size), complex) for _ in range(3)]
    for k, (d, conj) in enumerate(zip(dims, conjugated, strict=True)):
        before = int(np.prod(dims[:k])) if k else 1
        after = int(np.prod(dims[k + 1:])) if k + 1 < len(dims) else 1
        for a, t in enumerate(generators(d)):
            rep = -t.conj() if conj else t
            total[a] += np.kron(np.kron(np.eye(before), rep), np.eye(after))
    stacked = np.vstack(total)
    _, sing, vh = np.linalg.svd(stacked)
    rank = int(np.sum(sing > 1e-10))
    null = vh[rank:].conj()
    if null.shape[0] == 0:
        return None
    if null.shape[0] > 1:
        raise ValueError(f"the product {dims} has {null.shape[0]} independent invariants")
    vec = null[0]
    first = next(x for x in vec if abs(x) > 1e-10)
    vec = vec / first
    vec[np.abs(vec.real) < 1e-13] = 1j * vec.imag[np.abs(vec.real) < 1e-13]
    vec[np.abs(vec.imag) < 1e-13] = vec.real[np.abs(vec.imag) < 1e-13]
    if np.all(vec.imag == 0):
        vec = vec.real
    return vec.reshape(dims)


def nonzero_entries(tensor: np.ndarray):
    """(index tuple, value) of the non-zero entries of an invariant tensor."""
    for idx in itertools.product(*(range(d) for d in tensor.shape)):
        value = tensor[idx]
        if value != 0:
            yield idx, value
