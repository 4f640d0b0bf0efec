"""Sommerfeld factors of coloured dark pairs: gluon exchange between the annihilating states.

A pair X(R) X̄'(R̄') near threshold feels the Coulomb potential of one-gluon exchange; in the
colour representation Q of R ⊗ R̄' = ⊕ Q it is

    V_Q(r) = −κ_Q α_s / r,    κ_Q = (C_R + C_R' − C_Q)/2

(C the quadratic Casimirs: 0, 4/3, 10/3, 3, 6, 8 for 1, 3, 6, 8, 10, 27; attractive for κ > 0;
e.g. 3 ⊗ 3̄: κ₁ = 4/3, κ₈ = −1/6; 8 ⊗ 8: κ₁ = 3, κ₈ = 3/2, κ₂₇ = −1). The s-wave cross section of
each Q component is multiplied by the Coulomb Sommerfeld factor

    S(x) = πx / (1 − e^{−πx}),    x = κ_Q α_s / β,

β half the relative velocity of the pair (for equal masses the velocity of each particle in the
CM frame). Sources: de Simone, Giudice, Strumia, JHEP 06 (2014) 081, arXiv:1402.6287, §2 (the
potential per colour channel, S, the colour decomposition of X X̄ → g g and q q̄; Eqs. 2.1–2.10
as issue 15 cites them, the paper itself was not at hand here); Hisano, Matsumoto, Nagai, Saito,
Senami, hep-ph/0610249 (the formalism: the non-relativistic two-body wave function at the
origin); S = |ψ(0)|² of the Coulomb scattering state, 2πη/(1 − e^{−2πη}) with η = κα μ/k = x/2
(e.g. Landau & Lifshitz, Quantum Mechanics, the Coulomb scattering problem). The convention is
checked in tests/test_darkmatter_sommerfeld.py against the radial Schrödinger equation solved
numerically.

Velocity, exact in √s: β = k/(2μ), k the CM momentum of the pair at √s and μ = m₁m₂/(m₁ + m₂)
the reduced mass: the Coulomb problem's η = κα μ/k = x/2 with k exact (for m₁ = m₂, β = k/m,
the velocity of each particle in the CM frame for β ≪ 1). El Hedri, Kaminska, de Vries
(arXiv:1612.02825 and its published code, github.com/MDT-Maikel/Sommerfeld) write the same
argument as πα√(1 − v²)/v = πα m/k. The relativistic relative velocity k/E₁ + k/E₂ would
differ by O(β²): beyond the non-relativistic Coulomb problem, on a Boltzmann-suppressed tail.

α_s: α_s(μ_Q) with μ_Q = max(k, p_B, MU_MIN), p_B = μ|κ_Q|α_s(p_B) the Bohr momentum (solved by
iteration): the momentum the exchanged gluons carry is ~k while S − 1 is of first order in α
(one-gluon exchange, x ≲ 1), and the wave function at the origin is set at the Bohr radius once
k < p_B (x ≳ 1). El Hedri et al.'s micrOMEGAs interface (the code above) takes α_s(k); the two
agree where k > p_B, which at freeze-out (β ≈ 0.2–0.3) is every channel of states heavier than
a few GeV (p_B ≈ 0.15 μ for the triplet singlet); near threshold α_s(k) would run into the
non-perturbative region. The choice moves S by O(α_s²) terms, the size of what is left out.
α_s runs with flavio's five/six-flavour running (:func:`bridge.couplings.alpha_s`, as
:func:`.coloured.alpha_s`) from the card's α_s(M_Z), floored at MU_MIN = 2 GeV.

Applied (:mod:`.coloured`) to every channel of a coloured pair, per colour representation of the
initial state, at every √s: X X̄ → g g (1 and 8 for triplets, 1, 8 and 27 for octets; weights
:data:`GLUON_PAIR_WEIGHTS`), X X̄ → q q̄ (the octet part through the s-channel gluon and the
Fierz-octet t-channel, the singlet part), leptons and the electroweak two-boson final states
(singlet), g γ and g Z (octet), and coloured F S → f V (singlet for V = γ, Z, h, W, octet for
V = g), the same-sign pairs of two (anti-)triplets X X → q q' (:mod:`.samesign`: the 6 and the
3̄ of 3 ⊗ 3, κ = −1/3 and 2/3), g g of self-conjugate octets (as the Dirac octet) and g Z of a
neutral coloured state (octet). Not applied: X X̄ → q q̄' through the general colour matrices
(:func:`.coloured.colour_matrix_pair_to_quarks`: two coloured dark states with a coloured
exchanged state; tree level). The whole W of a channel is multiplied, also its p-wave part, whose
Coulomb factor would be S (1 + x²/4) (Cassel, arXiv:0903.5307): for the repulsive octet x²/4 < 1%
at freeze-out, for the attractive singlet (x ≈ 0.5–1 at x_f ≈ 25) the p-wave part of a singlet
channel (e.g. a scalar pair into f f̄ through the s-channel γ, Z) is underestimated by 6–25%;
these are small shares of
a coloured pair's annihilation, dominated by the s-wave g g. Also left out: the electromagnetic
and Z potentials (Q²α ≪ κα_s) and the NLO QCD corrections of the hard process.

Left out: bound-state formation (Harz & Petraki, arXiv:1805.01200; Ellis, Luo, Olive,
arXiv:1503.07142 for gluinos): bound states of the attractive channels, formed by gluon emission
and decaying into gluons, add an annihilation channel that lowers Ωh² of coloured
coannihilation further (by tens of per cent for gluinos, per these papers).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Quadratic Casimir of the SU(3) representations labelled by their dimension.
CASIMIR = {1: 0.0, 3: 4 / 3, -3: 4 / 3, 6: 10 / 3, 8: 3.0, 10: 6.0, 27: 8.0}
#: Lowest renormalisation scale of α_s in the potential [GeV].
MU_MIN = 2.0


def strength(rep1: int, rep2: int, q: int) -> float:
    """κ_Q = (C_R + C_R' − C_Q)/2 of V_Q = −κ_Q α_s/r (attractive for κ > 0)."""
    return 0.5 * (CASIMIR[rep1] + CASIMIR[rep2] - CASIMIR[q])


def factor(x):
    """S(x) = πx/(1 − e^{−πx}) (1 at x = 0; x < 0 repulsive: π|x|/(e^{π|x|} − 1))."""
    x = np.asarray(x, float)
    y = math.pi * x
    small = np.abs(y) < 1e-8
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(small, 1.0 + 0.5 * y, y / -np.expm1(-np.where(small, 1.0, y)))
    return out


def velocity(sqrt_s, m1: float, m2: float):
    """β = k/(2μ) (module docstring); 0 at and below threshold."""
    s = np.asarray(sqrt_s, float) ** 2
    k = np.sqrt(np.maximum((s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2), 0.0) / (4 * s))
    return k * (m1 + m2) / (2 * m1 * m2)


@functools.lru_cache(maxsize=8)
def _alpha_table(alpha_s_mz: float):
    """(log μ nodes, α_s) from MU_MIN to 10⁶ GeV: the running once per α_s(M_Z), interpolated."""
    from bridge.couplings import alpha_s as run
    from bridge.couplings import constants

    mu = np.geomspace(MU_MIN, 1e6, 97)
    low = mu <= constants().decoupling
    a = np.empty_like(mu)
    a[low] = run(mu[low], 5, alpha_s_mz)
    a[~low] = run(mu[~low], 6, alpha_s_mz)
    return np.log(mu), a


def running_alpha(mu, alpha_s_mz: float):
    """α_s(max(μ, MU_MIN)) (linear in log μ between 97 nodes a decade apart by 1/16: 1e-4)."""
    log_mu, a = _alpha_table(float(alpha_s_mz))
    return np.interp(np.log(np.maximum(np.asarray(mu, float), MU_MIN)), log_mu, a)


class Coulomb:
    """The Sommerfeld factors S_Q(√s) of one pair of states of masses m1, m2 in the colour
    representations rep1, rep2 (rep2 that of the second state as it enters, e.g. −3 for an
    anti-triplet). ``alpha``: a fixed α_s of the potential instead of the running one (tests;
    0 switches the effect off)."""

    def __init__(self, m1: float, m2: float, rep1: int, rep2: int, alpha_s_mz: float,
                 alpha: float | None = None):
        self.m1, self.m2, self.rep1, self.rep2 = m1, m2, rep1, rep2
        self.alpha_s_mz, self.alpha = alpha_s_mz, alpha
        self._memo: dict = {}
        self._bohr: dict = {}

    def kappa(self, q: int) -> float:
        return strength(self.rep1, self.rep2, q)

    def bohr_momentum(self, q: int) -> float:
        """p_B = μ|κ_Q|α_s(p_B) (fixed point of a few iterations from α_s(M_Z))."""
        if q not in self._bohr:
            mu_red = self.m1 * self.m2 / (self.m1 + self.m2)
            kap = abs(self.kappa(q))
            p = mu_red * kap * self.alpha_s_mz
            for _ in range(4):
                p = mu_red * kap * float(running_alpha(p, self.alpha_s_mz))
            self._bohr[q] = p
        return self._bohr[q]

    def alpha_s(self, sqrt_s, q: int):
        """α_s of the potential of channel Q at √s (module docstring)."""
        if self.alpha is not None:
            return np.full(np.shape(sqrt_s), float(self.alpha))
        s = np.asarray(sqrt_s, float) ** 2
        m1, m2 = self.m1, self.m2
        k = np.sqrt(np.maximum((s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2), 0.0) / (4 * s))
        return running_alpha(np.maximum(k, self.bohr_momentum(q)), self.alpha_s_mz)

    def __call__(self, sqrt_s, q: int):
        """S_Q(√s) (an array like ``sqrt_s``; at threshold, β = 0, the limit S → π|x| is not
        taken: S is evaluated at β ≥ 1e-12)."""
        rs = np.asarray(sqrt_s, float)
        key = (q, rs.tobytes())
        if key not in self._memo:
            if len(self._memo) > 8:  # the channels of a pair are called on the same √s
                self._memo.clear()
            kap = self.kappa(q)
            if kap == 0:
                self._memo[key] = np.ones_like(rs)
            else:
                beta = np.maximum(velocity(rs, self.m1, self.m2), 1e-12)
                self._memo[key] = factor(kap * self.alpha_s(rs, q) / beta)
        return self._memo[key]


# ---------------------------------------------------------------------------------------------
# colour decomposition of X X̄ → g g
# ---------------------------------------------------------------------------------------------
#: X X̄ → g g with colour-ordered amplitudes M = M_ba T^bT^a + M_ab T^aT^b, written as
#: Σ_sym {T^a,T^b} + A [T^b,T^a] with Σ_sym = (M_ba + M_ab)/2, A = (M_ba − M_ab)/2: the colour sum
#: of the component in Q is w_S(Q)|Σ_sym|² + w_A(Q)|A|² (the two tensors are orthogonal in
#: (a, b)). {w_S, w_A} per representation R of X and Casimir label Q:
#:   [T^b,T^a] = −i f^{abc}T^c lies in the adjoint: w_A(8) = Σ|[T^a,T^b]|² = d_R C_R C_A;
#:   {T^a,T^b} ⊃ (2T_R/d_R) δ_ab 𝟙: w_S(1) = 32 T_R²/d_R; for R = 3 the rest is octet,
#:   w_S(8) = 2d_R C_R(2C_R − C_A/2) − w_S(1); for R = 8 its 8_S part is Σ|Tr(D^c{F^a,F^b})|²/Tr(D^cD^c)
#:   = N²(N²−1) = 72 (Tr F^aF^bD^c = (N/2) d^{abc}, Σd² = (N²−4)(N²−1)/N) and the 27 the rest:
#:   216 − 36 − 72 = 108 (the 10, 10̄ are antisymmetric in a, b and absent from {T^a,T^b}).
#: Sum over Q: 2(c₁ + c₂)|Σ|² + 2(c₁ − c₂)|A|² with c₁, c₂ of :func:`.coloured.gluon_pair_colour`;
#: at threshold (M_ba = M_ab) the triplet's singlet share is (8/3)/(28/3) = 2/7 and the octet's
#: 5/7 (de Simone et al. 1402.6287, §2); for an octet 1/6, 1/3, 1/2 in 1, 8, 27.
#: Checked against projectors built from Gell-Mann matrices (tests/test_darkmatter_sommerfeld.py).
GLUON_PAIR_WEIGHTS = {
    3: {1: (8 / 3, 0.0), 8: (20 / 3, 12.0)},
    -3: {1: (8 / 3, 0.0), 8: (20 / 3, 12.0)},
    8: {1: (36.0, 0.0), 8: (72.0, 72.0), 27: (108.0, 0.0)},
}
