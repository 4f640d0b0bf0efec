"""Generic light-neutrino utilities: PMNS matrix, oscillation data, mass-matrix analysis, Casas–Ibarra.

Conventions (used by every function here and by the ``bridge_neutrino_mass_matrix`` hook):

* Majorana mass term L ⊃ −½ ν̄^c m_ν ν + h.c. = −½ ν^T C m_ν ν + h.c. (two undaggered
  left-handed fields), flavour states ν_α = Σ_i U_αi ν_i (PDG). Then Uᵀ m_ν U = diag(m_i),
  i.e. m_ν = U* diag(m) U†, which is the Takagi convention of :func:`bridge.linalg.takagi`.
* U = V(θ12, θ13, θ23, δ) · diag(1, e^{iα21/2}, e^{iα31/2}) with V the standard (PDG, "Neutrino
  mixing" review, Eq. 14.33 of the 2022 edition) parametrisation: V_e3 = s13 e^{−iδ}.
* Δm²_ij = m_i² − m_j²; normal ordering (NO) m1 < m2 < m3, inverted (IO) m3 < m1 < m2.

Casas–Ibarra for a loop (or seesaw) mass matrix m_ν = Y Σ Yᵀ with Y an n_f × n (here 3 × 2)
Yukawa matrix and Σ an n × n complex symmetric matrix (Casas and Ibarra, Nucl. Phys. B618 (2001)
171, hep-ph/0103065; adapted to the scotogenic model by Toma and Vicente, JHEP 01 (2014) 160,
arXiv:1312.2840, and by Cepedello, Escribano, Vicente, PRD 107 (2023) 035034 [seed 001], Eq. (7)):
with Takagi Vᵀ Σ V = D_Σ,

    Yᵀ = V D_Σ^{−1/2} R D_m^{1/2} U†,      R Rᵀ = 1_n,  Rᵀ R = projector on the massive states.

Seed 001's Eq. (7) prints D_√Σ without the inverse, which is dimensionally wrong (physics.md
§10.2); the form above reproduces m_ν exactly (tests/test_neutrino.py).

Default oscillation data: the best fit of de Salas et al., "2020 global reassessment of the
neutrino oscillation picture", JHEP 02 (2021) 071, arXiv:2006.11237 (reference [51] of seed 001),
Table 3 of the published version (values below; see ``DE_SALAS_2021_NO``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from bridge.linalg import takagi

EV = 1e-9  # GeV per eV


@dataclass(frozen=True)
class OscillationData:
    """Oscillation parameters: Δm² in eV², angles as sin², phases in radians.

    ``dm31`` is the signed m3² − m1² (negative for inverted ordering). ``alpha21``, ``alpha31``
    are the PDG Majorana phases. With a massless lightest neutrino only one combination is
    physical at low energy (α31 − α21 for m1 = 0, α21 for m3 = 0), but a Casas–Ibarra Y built
    from U depends on both: they also fix the phase of Y relative to the model's other couplings.
    """

    dm21: float
    dm31: float
    s12sq: float
    s13sq: float
    s23sq: float
    delta: float
    alpha21: float = 0.0
    alpha31: float = 0.0

    def check(self) -> None:
        """Raise ValueError naming the offending field."""
        if not self.dm21 > 0:
            raise ValueError("dm21: Δm²_21 must be positive")
        if self.dm31 == 0 or (self.dm31 < 0 and -self.dm31 <= self.dm21):
            raise ValueError("dm31: |Δm²_31| must be non-zero (and > Δm²_21 for inverted ordering)")
        for name in ("s12sq", "s13sq", "s23sq"):
            v = getattr(self, name)
            if not 0.0 < v < 1.0:
                raise ValueError(f"{name}: sin² of a mixing angle must lie in (0, 1)")

    @property
    def ordering(self) -> str:
        return "NO" if self.dm31 > 0 else "IO"

    def replace(self, **changes) -> OscillationData:
        return replace(self, **changes)


#: de Salas et al., JHEP 02 (2021) 071, arXiv:2006.11237, best fit for normal ordering:
#: Δm²21 = 7.50e-5 eV², Δm²31 = 2.55e-3 eV², sin²θ12 = 0.318, sin²θ13 = 0.02200,
#: sin²θ23 = 0.574, δ = 1.08π. Checked here: δ = 1.08π (NO) / 1.58π (IO) in the paper's
#: abstract, Δm²21 = 7.50 (+0.22 −0.20)e-5 in the PDG listing "SALAS 2021"; the remaining
#: numbers are Table 3 of the published version as recalled, consistent with a third-party
#: table of that fit, not read in the paper itself. (arXiv v1, before the Neutrino 2020 data,
#: had Δm²31 = 2.56e-3, sin²θ13 = 0.02225, sin²θ23 = 0.566, δ = 1.20π.) Majorana phases:
#: not constrained by oscillations, 0 by choice.
DE_SALAS_2021_NO = OscillationData(dm21=7.50e-5, dm31=2.55e-3, s12sq=0.318, s13sq=0.02200,
                                   s23sq=0.574, delta=1.08 * math.pi)
#: Same paper, inverted ordering: |Δm²31| = 2.45e-3 eV², sin²θ13 = 0.02225, sin²θ23 = 0.578,
#: δ = 1.58π (same provenance remarks).
DE_SALAS_2021_IO = OscillationData(dm21=7.50e-5, dm31=-2.45e-3, s12sq=0.318, s13sq=0.02225,
                                   s23sq=0.578, delta=1.58 * math.pi)


def pmns(s12sq: float, s13sq: float, s23sq: float, delta: float, alpha21: float = 0.0,
         alpha31: float = 0.0) -> np.ndarray:
    """U = V(θ12, θ13, θ23, δ) diag(1, e^{iα21/2}, e^{iα31/2}) (PDG standard parametrisation)."""
    s12, s13, s23 = math.sqrt(s12sq), math.sqrt(s13sq), math.sqrt(s23sq)
    c12, c13, c23 = math.sqrt(1 - s12sq), math.sqrt(1 - s13sq), math.sqrt(1 - s23sq)
    e = np.exp(1j * delta)
    v = np.array([
        [c12 * c13, s12 * c13, s13 / e],
        [-s12 * c23 - c12 * s23 * s13 * e, c12 * c23 - s12 * s23 * s13 * e, s23 * c13],
        [s12 * s23 - c12 * c23 * s13 * e, -c12 * s23 - s12 * c23 * s13 * e, c23 * c13],
    ], dtype=complex)
    return v * np.exp(0.5j * np.array([0.0, alpha21, alpha31]))[None, :]


def light_masses(data: OscillationData) -> np.ndarray:
    """(m1, m2, m3) in eV with the lightest neutrino massless (rank-2 mass matrix)."""
    if data.dm31 > 0:
        return np.array([0.0, math.sqrt(data.dm21), math.sqrt(data.dm31)])
    m1 = math.sqrt(-data.dm31)
    return np.array([m1, math.sqrt(-data.dm31 + data.dm21), 0.0])


def pmns_from_data(data: OscillationData) -> np.ndarray:
    """U of ``data`` (PDG parametrisation with both Majorana phases)."""
    return pmns(data.s12sq, data.s13sq, data.s23sq, data.delta, data.alpha21, data.alpha31)


def mass_matrix(masses_ev, u: np.ndarray) -> np.ndarray:
    """m_ν = U* diag(m) U† in GeV, for masses in eV."""
    return u.conj() @ np.diag(np.asarray(masses_ev, float) * EV) @ u.conj().T


def rank2_r(theta: complex, ordering: str = "NO") -> np.ndarray:
    """The 2 × 3 R of seed 001 Eq. (8) (normal ordering, m1 = 0); for inverted ordering (m3 = 0)
    the analogous R with a vanishing third column. R Rᵀ = 1_2; θ may be complex."""
    c, s = np.cos(theta), np.sin(theta)
    if ordering == "NO":
        return np.array([[0, c, -s], [0, s, c]], dtype=complex)
    return np.array([[c, -s, 0], [s, c, 0]], dtype=complex)


class SingularSigma(ValueError):
    """Σ has a (numerically) vanishing Takagi value: the Casas–Ibarra inversion does not exist."""

    def __init__(self, message: str, null_vector: np.ndarray) -> None:
        super().__init__(message)
        self.null_vector = null_vector


def canonical_takagi(sigma: np.ndarray, degenerate_rtol: float = 1e-9):
    """Takagi Vᵀ Σ V = diag(d) with V as close to the identity as the freedom allows.

    R in Casas–Ibarra is defined relative to V, so V must not depend on accidents of the
    eigen-solver: columns are matched to the basis states (largest |V_aj|², no sorting by
    size), each column's sign makes Re V_jj ≥ 0, and within (numerically) degenerate Takagi
    values — where V is fixed only up to a real orthogonal rotation — the rotation maximising
    Re tr V is chosen (orthogonal Procrustes). A diagonal Σ thus has V = 1 for any degeneracy,
    the convention of seed 001 (λ5 ∝ 1: "V its diagonalization matrix" is the identity).
    """
    from scipy.optimize import linear_sum_assignment

    d, v = takagi(np.asarray(sigma, dtype=complex))
    n = len(d)
    rows, cols = linear_sum_assignment(-np.abs(v) ** 2)
    perm = np.empty(n, dtype=int)
    perm[rows] = cols
    d, v = d[perm], v[:, perm].copy()
    scale = max(d.max(), 0.0)
    done: set[int] = set()
    for i in range(n):
        if i in done:
            continue
        cluster = [j for j in range(n) if abs(d[j] - d[i]) <= degenerate_rtol * scale]
        done.update(cluster)
        if len(cluster) > 1 and scale > 0:
            u1, _, v2t = np.linalg.svd(v[np.ix_(cluster, cluster)].real)
            v[:, cluster] = v[:, cluster] @ (v2t.T @ u1.T)
    for j in range(n):
        if v[j, j].real < 0:
            v[:, j] = -v[:, j]
    return d, v


def casas_ibarra(sigma: np.ndarray, masses_ev, u: np.ndarray, r: np.ndarray,
                 rtol: float = 1e-12) -> np.ndarray:
    """Y (n_f × n) with Y Σ Yᵀ = U* diag(m) U† (see the module docstring).

    ``sigma`` in GeV (n × n complex symmetric), ``masses_ev`` the light masses in eV, ``u`` the
    PMNS matrix, ``r`` an n × n_f matrix with R Rᵀ = 1; V from :func:`canonical_takagi`.
    Raises :class:`SingularSigma` when the smallest Takagi value of Σ is below ``rtol`` times
    the largest (or Σ = 0).
    """
    sigma = np.asarray(sigma, dtype=complex)
    d_sigma, v = canonical_takagi(sigma)
    if not d_sigma.max() > 0 or d_sigma.min() <= rtol * d_sigma.max():
        k = int(np.argmin(d_sigma))
        raise SingularSigma(f"Σ is singular (Takagi values {d_sigma.tolist()} GeV)", v[:, k].conj())
    sqrt_m = np.sqrt(np.asarray(masses_ev, float) * EV)
    y_t = v @ np.diag(d_sigma**-0.5) @ r @ np.diag(sqrt_m) @ u.conj().T
    return y_t.T


def canonical_takagi_2x2(sigma: np.ndarray, degenerate_rtol: float = 1e-9):
    """:func:`canonical_takagi` for a batch of 2 × 2 matrices (N, 2, 2), vectorised: the column
    assignment (identity or swap, whichever holds more weight on the diagonal), the orthogonal
    Procrustes rotation where the two Takagi values are degenerate, and Re V_jj ≥ 0."""
    d, v = takagi(np.asarray(sigma, dtype=complex))
    w = np.abs(v) ** 2
    swap = w[..., 0, 1] + w[..., 1, 0] > w[..., 0, 0] + w[..., 1, 1]
    d = np.where(swap[..., None], d[..., ::-1], d)
    v = np.where(swap[..., None, None], v[..., ::-1], v)
    scale = np.max(d, axis=-1)
    degenerate = (np.abs(d[..., 0] - d[..., 1]) <= degenerate_rtol * scale) & (scale > 0)
    if np.any(degenerate):
        u1, _, v2t = np.linalg.svd(v[degenerate].real)
        v[degenerate] = v[degenerate] @ (np.swapaxes(v2t, -1, -2) @ np.swapaxes(u1, -1, -2))
    sign = np.where(np.diagonal(v, axis1=-2, axis2=-1).real < 0, -1.0, 1.0)
    return d, v * sign[..., None, :]


def casas_ibarra_batch(sigma: np.ndarray, masses_ev, u: np.ndarray, r: np.ndarray,
                       rtol: float = 1e-12) -> np.ndarray:
    """:func:`casas_ibarra` for a batch of 2 × 2 Σ (N, 2, 2) with common oscillation data and R;
    raises :class:`SingularSigma` (for the first singular point) like the single version."""
    d_sigma, v = canonical_takagi_2x2(sigma)
    top = np.max(d_sigma, axis=-1)
    singular = ~(top > 0) | (np.min(d_sigma, axis=-1) <= rtol * top)
    if np.any(singular):
        i = int(np.flatnonzero(singular)[0])
        k = int(np.argmin(d_sigma[i]))
        raise SingularSigma(f"Σ is singular (Takagi values {d_sigma[i].tolist()} GeV)",
                            v[i, :, k].conj())
    sqrt_m = np.sqrt(np.asarray(masses_ev, float) * EV)
    right = r @ np.diag(sqrt_m) @ u.conj().T  # (2, 3), common to every point
    y_t = v @ (d_sigma[..., :, None] ** -0.5 * right)
    return np.swapaxes(y_t, -1, -2)


@dataclass(frozen=True)
class NeutrinoParameters:
    """Masses (eV, m1..m3 in the PDG labelling), angles, phases extracted from m_ν."""

    masses: np.ndarray
    ordering: str
    s12sq: float
    s13sq: float
    s23sq: float
    delta: float
    alpha21: float
    alpha31: float
    u: np.ndarray

    def as_dict(self) -> dict[str, float]:
        m1, m2, m3 = (float(m) for m in self.masses)
        return {
            "m1_eV": m1, "m2_eV": m2, "m3_eV": m3, "sum_m_eV": m1 + m2 + m3,
            "dm21_eV2": m2**2 - m1**2, "dm31_eV2": m3**2 - m1**2,
            "ordering": 1.0 if self.ordering == "NO" else 2.0,
            "s12sq": self.s12sq, "s13sq": self.s13sq, "s23sq": self.s23sq,
            "theta12_deg": math.degrees(math.asin(math.sqrt(self.s12sq))),
            "theta13_deg": math.degrees(math.asin(math.sqrt(self.s13sq))),
            "theta23_deg": math.degrees(math.asin(math.sqrt(self.s23sq))),
            "delta_CP": self.delta, "alpha21": self.alpha21, "alpha31": self.alpha31,
            "m_betabeta_eV": float(abs(np.sum(self.u[0] ** 2 * self.masses))),
        }


#: A light mass below this fraction of the heaviest counts as zero (its Majorana phase is then
#: unphysical and set to 0): a rank-2 m_ν gives ~1e-17 from rounding.
MASSLESS_RTOL = 1e-9


def analyse(m_nu: np.ndarray) -> NeutrinoParameters:
    """Masses, ordering, angles, δ and Majorana phases of a 3 × 3 m_ν (GeV, module convention).

    Angles from moduli (s13 = |U_e3|, s12 = |U_e2|/c13, s23 = |U_μ3|/c13); δ from the
    rephasing invariants J = Im(U_e1 U_μ2 U_e2* U_μ1*) = c12 s12 c23 s23 c13² s13 sin δ and
    |U_μ1|² = s12²c23² + c12²s23²s13² + 2 s12c12s23c23s13 cos δ; Majorana phases from
    Σ_α U_αj V_αj* (U_αk V_αk*)* = e^{i(α_j − α_k)/2} Σ_α |V_αj|²|V_αk|², which is
    independent of the charged-lepton phases. A massless state's phase is unphysical:
    for normal ordering with m1 = 0, α21 is reported as 0 and α31 stands for α31 − α21; for
    inverted ordering with m3 = 0, α31 is reported as 0.
    δ ∈ [0, 2π), α ∈ [0, 2π).
    """
    m_nu = np.asarray(m_nu, dtype=complex)
    m_nu = 0.5 * (m_nu + m_nu.T)
    m_asc, u_asc = takagi(m_nu)
    m_asc = m_asc / EV
    # the big splitting on top: NO (m1, m2, m3) = ascending; IO (m3, m1, m2) = ascending
    if m_asc[2] ** 2 - m_asc[1] ** 2 >= m_asc[1] ** 2 - m_asc[0] ** 2:
        order, ordering = [0, 1, 2], "NO"
    else:
        order, ordering = [1, 2, 0], "IO"
    masses, u = m_asc[order], u_asc[:, order]
    massless = masses <= MASSLESS_RTOL * masses.max()
    s13sq = min(abs(u[0, 2]) ** 2, 1.0)
    c13sq = 1.0 - s13sq
    # θ12, θ23 are undefined at θ13 = π/2 (reported as 0 there)
    s12sq = min(abs(u[0, 1]) ** 2 / c13sq, 1.0) if c13sq > 0 else 0.0
    s23sq = min(abs(u[1, 2]) ** 2 / c13sq, 1.0) if c13sq > 0 else 0.0
    s12, c12 = math.sqrt(s12sq), math.sqrt(1 - s12sq)
    s23, c23 = math.sqrt(s23sq), math.sqrt(1 - s23sq)
    s13 = math.sqrt(s13sq)
    jarlskog = (u[0, 0] * u[1, 1] * u[0, 1].conj() * u[1, 0].conj()).imag
    norm = s12 * c12 * s23 * c23 * s13
    if norm * c13sq > 0:
        sin_d = jarlskog / (norm * c13sq)
        cos_d = (abs(u[1, 0]) ** 2 - s12sq * c23**2 - c12**2 * s23sq * s13sq) / (2 * norm)
        delta = math.atan2(sin_d, cos_d) % (2 * math.pi)
    else:
        delta = 0.0
    v = pmns(s12sq, s13sq, s23sq, delta)

    def rel_phase(j: int, k: int) -> float:
        z = np.sum(u[:, j] * v[:, j].conj() * (u[:, k] * v[:, k].conj()).conj())
        return (2.0 * np.angle(z)) % (2 * math.pi)

    if ordering == "NO":
        alpha21 = 0.0 if massless[0] else rel_phase(1, 0)
        alpha31 = (rel_phase(2, 1) + alpha21) % (2 * math.pi)
    else:
        alpha21 = rel_phase(1, 0)
        alpha31 = 0.0 if massless[2] else rel_phase(2, 0)
    return NeutrinoParameters(masses, ordering, float(s12sq), float(s13sq), float(s23sq),
                              float(delta), float(alpha21), float(alpha31), u)
