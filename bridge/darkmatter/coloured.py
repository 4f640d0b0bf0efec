"""Coloured dark pairs and fermion–scalar coannihilation, tree level, exact in s.

Completes :mod:`.annihilation` (same helicity amplitudes, Gauss–Legendre nodes in cos θ and
W(√s) = k/(8π√s) ∫ dcos θ ⟨|M|²⟩ S) for the channels that matter when a coloured mediator is
close in mass to the candidate (coloured coannihilation, e.g. the F_Ib / S_Ib models of
arXiv:2104.03228 with M_Φq or M_Ψq near the candidate):

* X X̄ → g g for a Dirac fermion or complex scalar X in the 3, 3̄ or 8 of SU(3): t-, u-channel X
  exchange, s-channel gluon (triple-gluon vertex) and, for scalars, the seagull; the same for
  self-conjugate octets (Majorana, gluino-like, or real scalar);
* X_i X̄_j → f f̄' for coloured pairs: s-channel gluon into quarks plus the diagrams of
  :mod:`.annihilation` (t/u-channel dark exchange through the Γ couplings, s-channel Z, γ, h, W),
  with the colour algebra done on the colour-stripped amplitudes (below);
* X_1 Y_3 → ℓ q̄ for a colourless and a coloured state of the same kind (colourless exchange);
* F S → f V, V = γ, Z, g, h, W± (fermion–scalar coannihilation through f̄ (l P_R + r P_L) F S):
  s-channel f (its SU(2) partner for W), t-channel dark fermion, u-channel dark scalar.

Colour (sum over final colours, average over initial ones). Gluon pairs: with the
colour-ordered amplitudes M = g_s² [(T^bT^a) M_ba + (T^aT^b) M_ab] the sum is
Σ|M|² = g_s⁴ [c₁(|M_ba|² + |M_ab|²) + 2c₂ Re M_ba M_ab*], c₁ = Tr T^aT^bT^bT^a = d_R C_R²,
c₂ = Tr T^aT^bT^aT^b = d_R C_R (C_R − C_A/2) (e.g. Ellis, Stirling, Webber, "QCD and collider
physics", §7.1 and App. B for the trace identities). Coloured pairs into quarks: the t-channel
exchange of a colourless dark state carries δ_ci δ_dj = 2 T^a_ji T^a_cd + δ_ij δ_cd / N
(Fierz), so the amplitude splits into an octet part 2M_t + M_g (with the gluon's) and a singlet
part M_t/N + M_Z,γ,h, orthogonal in colour space with weights Σ|T^a_ji T^a_cd|² = 4 T_R and
Σ|δ_ij δ_cd|² = 3 d_R. F S → f g: the colour tensor of the Yukawa vertex times one generator,
conserved like a charge (Q_f = Q_F + Q_S), summed to C_R d_R (4 for triplets, 24 for octets).
Quark couplings of two coloured dark states (3̄ 3̄, 3 8, 8 3; also a singlet with an octet
sharing a triplet, e.g. χ–gluino) and self-conjugate octets into quarks (t, u and the s-channel
gluon, whose f^{abc} vertex has the Dirac adjoint's rule): :func:`colour_matrix_pair_to_quarks`,
an explicit sum over colour tensors (:func:`quark_colour_tensor`, its normalisation stated
there), Σ_colours |Σ_D C_D M_D|² = Σ K_DD' M_D M_D'*. Self-conjugate octets into g g:
:func:`self_conjugate_octet_to_gluons`. X X̄ → g Z of a neutral coloured X with a Z coupling
(non-zero at tree level): :func:`coloured_pair_to_gluon_z`.

α_s: α_s(μ) with μ = m_i + m_j, run (flavio's running, :func:`bridge.couplings.alpha_s`) from
α_s(M_Z) of the card's SMINPUTS 3 (``SMCouplings.alpha_s_mz``), or, when the card has none, the
PDG 2024 world average 0.1180 (constants.ALPHA_S_MZ; PDG, Phys. Rev. D 110 (2024) 030001, QCD
review): at fixed μ, W of g g and of the s-channel gluon scales as α_s², of F S → q g as α_s.
Sommerfeld factors (gluon exchange between two coloured initial states, :mod:`.sommerfeld`):
the channel functions take a ``coulomb`` (a :class:`.sommerfeld.Coulomb` of the pair, None: tree
level) and multiply each colour representation of the initial state by its factor at every √s:
g g split into 1, 8 (triplets) or 1, 8, 27 (octets) through the symmetric and antisymmetric
colour-ordered combinations, q q̄ into its singlet and octet parts above, the electroweak
two-boson final states and leptons as singlets, g γ and g Z as octets, coloured F S → f V by V.
The pair functions build it by default (``sommerfeld=True``, relic.SOMMERFELD). Other QCD
corrections beyond tree level and bound-state formation (Harz & Petraki arXiv:1805.01200) are
left out: for coloured coannihilation they change Ωh² by O(10%) and more (de Simone, Giudice,
Strumia, JHEP 06 (2014) 081, arXiv:1402.6287), so Ωh² of a point dominated by coloured channels
is good to that level only.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import constants as C
from bridge.darkmatter import helicity as H
from bridge.darkmatter import pairs as P
from bridge.darkmatter import samesign
from bridge.darkmatter import sommerfeld as SF
from bridge.engine import _SINGLET_PAIRS, COLOUR_DIM, SM_CHARGE

#: Quadratic Casimir C_R and Dynkin index T_R of SU(3) representations.
CASIMIR = {3: 4 / 3, -3: 4 / 3, 8: 3.0}
INDEX = {3: 0.5, -3: 0.5, 8: 3.0}
C_A = 3.0


def alpha_s(mu: float, alpha_s_mz: float = C.ALPHA_S_MZ) -> float:
    """α_s(μ) from α_s(M_Z) = ``alpha_s_mz`` (five flavours below wilson's decoupling scale, six
    above)."""
    from bridge.couplings import alpha_s as run
    from bridge.couplings import constants

    return float(run(float(mu), 6 if mu > constants().decoupling else 5, alpha_s_mz))


def gluon_pair_colour(rep: int) -> tuple[float, float]:
    """(c₁, c₂) = (Tr T^aT^bT^bT^a, Tr T^aT^bT^aT^b) in the representation ``rep``."""
    d, c = COLOUR_DIM[rep], CASIMIR[rep]
    return d * c * c, d * c * (c - C_A / 2)


def _ex(a):
    return a[..., None, None, :]


def _external_gluons(m1, m2, sqrt_s, cos, pols):
    p1, p2, k1, k2 = A._kinematics(sqrt_s, m1, m2, 0.0, 0.0, cos)
    e1, e2 = pols(k1, k2) if pols is not None else (H.polarisations(k1, False), H.polarisations(k2, False))
    return p1, p2, k1, k2, e1, e2


def _triple_gluon_current(K1, K2, E1, E2):
    """J^ρ = (ε₁·ε₂)(k₁ − k₂)^ρ − 2(k₁·ε₂) ε₁^ρ + 2(k₂·ε₁) ε₂^ρ: the triple-gluon vertex with two
    outgoing transverse gluons (k_i·ε_i = 0), up to its colour factor f^{abc}."""
    d = H.dot
    return d(E1, E2)[..., None] * (K1 - K2) - 2 * d(K1, E2)[..., None] * E1 + 2 * d(K2, E1)[..., None] * E2


def scalar_gluon_partials(mass, sqrt_s, cos=None, pols=None):
    """Colour-ordered amplitudes (M_ba, M_ab)[λ₁, λ₂] of S(p₁) S̄(p₂) → g(k₁) g(k₂) in units of
    g_s² (scalar QCD: the QED amplitude of :func:`.annihilation.scalar_photon_amplitude` with
    2Q² → {T^a, T^b} on the seagull, T^bT^a on the t-, T^aT^b on the u-channel, plus
    [T^a, T^b] (p₁ − p₂)·J/s from the s-channel gluon; its sign is the one that makes the sum
    transverse, checked in tests by ε → k for either gluon). ``pols(k1, k2)`` overrides the
    polarisation vectors (tests)."""
    p1, p2, k1, k2, e1, e2 = _external_gluons(mass, mass, sqrt_s, cos, pols)
    E1, E2 = e1[..., :, None, :], e2[..., None, :, :]
    P1, P2, K1, K2 = _ex(p1), _ex(p2), _ex(k1), _ex(k2)
    d = H.dot
    ee = d(E1, E2)
    a_t = -2 * d(P1, E1) * d(P2, E2) / d(P1, K1)
    a_u = -2 * d(P1, E2) * d(P2, E1) / d(P1, K2)
    a_s = d(P1 - P2, _triple_gluon_current(K1, K2, E1, E2)) / d(P1 + P2, P1 + P2)
    return a_t + ee - a_s, a_u + ee + a_s


def fermion_gluon_partials(mass, sqrt_s, cos=None, pols=None):
    """Colour-ordered amplitudes (M_ba, M_ab)[s₁, s₂, λ₁, λ₂] of F(p₁) F̄(p₂) → g g in units of
    g_s²: v̄(p₂)[ε̸₂ S_t ε̸₁ + J̸/s] u(p₁) (colour T^bT^a) and v̄(p₂)[ε̸₁ S_u ε̸₂ − J̸/s] u(p₁)
    (T^aT^b), S_t,u the Dirac propagators of :func:`.annihilation.fermion_photon_amplitude`
    (its QED chain split by colour order) and J the triple-gluon current."""
    p1, p2, k1, k2, e1, e2 = _external_gluons(mass, mass, sqrt_s, cos, pols)
    u1, vb2 = H.u_spinors(p1), H.bar(H.v_spinors(p2))
    s1, s2 = H.slash(e1), H.slash(e2)
    prop_t, prop_u = H.fermion_propagator(p1 - k1, mass), H.fermion_propagator(p1 - k2, mass)
    # (…, λ₁, λ₂, 4, 4) chains as products of 4×4 matrices (a three-operand einsum loops naively)
    chain_t = (s2[..., None, :, :, :] @ prop_t[..., None, None, :, :]) @ s1[..., :, None, :, :]
    chain_u = (s1[..., :, None, :, :] @ prop_u[..., None, None, :, :]) @ s2[..., None, :, :, :]
    q = p1 + p2
    cur = _triple_gluon_current(_ex(k1), _ex(k2), e1[..., :, None, :], e2[..., None, :, :])
    chain_s = H.slash(cur) / H.dot(q, q)[..., None, None, None, None]

    def sandwich(chain):  # v̄ chain u → (…, s₁, s₂, λ₁, λ₂)
        out = (vb2[..., None, None, :, :] @ chain) @ np.swapaxes(u1, -1, -2)[..., None, None, :, :]
        return np.moveaxis(out, (-4, -3, -2, -1), (-2, -1, -3, -4))

    return sandwich(chain_t + chain_s), sandwich(chain_u - chain_s)


def _colour_summed_gluons(m_ba, m_ab, rep, axes, coulomb=None, rs=None):
    """Σ_colour,spin |M|² of X X̄ → g g; with ``coulomb`` (a :class:`.sommerfeld.Coulomb`) each
    colour representation Q of the initial pair times its S_Q(√s) (sommerfeld.GLUON_PAIR_WEIGHTS)."""
    if coulomb is None:
        c1, c2 = gluon_pair_colour(rep)
        interference = 2 * c2 * np.real(m_ba * np.conj(m_ab))
        return np.sum(c1 * (H.abs2(m_ba) + H.abs2(m_ab)) + interference, axis=axes)
    sym = np.sum(H.abs2(0.5 * (m_ba + m_ab)), axis=axes)
    anti = np.sum(H.abs2(0.5 * (m_ba - m_ab)), axis=axes)
    total = 0.0
    for q, (w_s, w_a) in SF.GLUON_PAIR_WEIGHTS[rep].items():
        total = total + (w_s * sym + w_a * anti) * coulomb(rs, q)[:, None]
    return total


def scalar_pair_to_gluons(mass: float, rep: int, sqrt_s, a_s: float | None = None,
                          coulomb=None) -> np.ndarray:
    """W(√s) of S S̄ → g g (complex scalar in ``rep``), α_s = ``a_s`` or α_s(2m); ``coulomb``: the
    Sommerfeld factors of the pair (:mod:`.sommerfeld`) or None (tree level)."""
    g4 = (4 * math.pi * (alpha_s(2 * mass) if a_s is None else a_s)) ** 2

    def spin_summed(rs, cos):
        return g4 * _colour_summed_gluons(*scalar_gluon_partials(mass, rs, cos), rep, (-2, -1), coulomb, rs)

    return A.w_on_nodes(sqrt_s, mass, mass, 0.0, 0.0, spin_summed, 1.0 / COLOUR_DIM[rep] ** 2, 0.5)


def fermion_pair_to_gluons(mass: float, rep: int, sqrt_s, a_s: float | None = None,
                           coulomb=None) -> np.ndarray:
    """W(√s) of F F̄ → g g (Dirac fermion in ``rep``), α_s = ``a_s`` or α_s(2m); ``coulomb`` as
    for :func:`scalar_pair_to_gluons`."""
    g4 = (4 * math.pi * (alpha_s(2 * mass) if a_s is None else a_s)) ** 2

    def spin_summed(rs, cos):
        return g4 * _colour_summed_gluons(*fermion_gluon_partials(mass, rs, cos), rep, (-4, -3, -2, -1),
                                          coulomb, rs)

    return A.w_on_nodes(sqrt_s, mass, mass, 0.0, 0.0, spin_summed, 0.25 / COLOUR_DIM[rep] ** 2, 0.5)


# ---------------------------------------------------------------------------------------------
# coloured pairs → f f̄'
# ---------------------------------------------------------------------------------------------
def _t_channel_only(sector):
    """The sector without its Z, W and h couplings (the t/u-channel diagrams alone)."""
    return dataclasses.replace(sector, z=None, w=None, higgs=None)


def coloured_pair_to_fermions(sector, smc: A.SMCouplings, si: A.Species, sj: A.Species, f: str, fp: str,
                              sqrt_s, a_s: float | None = None, t_sector=None, coulomb=None) -> np.ndarray:
    """W(√s) of a coloured pair X_i X̄_j (canonical order, as in :mod:`.annihilation`) into
    f f̄', colour as in the module docstring. Leptons: only colour-singlet structures (t-channel
    exchange of the conjugate-coloured state, Z/γ/h), Σ_colour = d_R. Quarks: octet part
    2M_t + M_g (M_g the s-channel gluon, for X_i = X_j), singlet part M_t/3 + M_Z,γ,h,W; the
    t-channel must exchange a colourless state (triplet pairs, quark couplings (1,3) or (3,1)).
    ``coulomb`` (:class:`.sommerfeld.Coulomb`): the singlet part times S₁(√s), the octet part
    (the adjoint: 8_A for an octet X) times S₈(√s); None: tree level."""
    rep = si.colour
    d = COLOUR_DIM[rep]
    fermions = si.kind == "F"
    amplitude = A.fermion_pair_amplitude if fermions else A.scalar_pair_amplitude
    axes = (-4, -3, -2, -1) if fermions else (-2, -1)
    quark = A.COLOUR[f] == 3
    gluon = quark and f == fp and si.index == sj.index and not si.self_conjugate
    if gluon:
        g2 = 4 * math.pi * (alpha_s(si.mass + sj.mass, smc.alpha_s_mz) if a_s is None else a_s)
    if quark:
        t_sector = _t_channel_only(sector) if t_sector is None else t_sector
        neutral_i, neutral_j = dataclasses.replace(si, charge=0.0), dataclasses.replace(sj, charge=0.0)

    def sommerfeld(rs, q):
        return 1.0 if coulomb is None else coulomb(rs, q)[:, None]

    def spin_summed(rs, cos):
        full = amplitude(sector, smc, si, sj, f, fp, rs, cos)
        if not quark:
            return None if np.ndim(full) == 0 else d * np.sum(H.abs2(full), axis=axes) * sommerfeld(rs, 1)
        t = amplitude(t_sector, smc, neutral_i, neutral_j, f, fp, rs, cos)
        m_g = g2 * _gluon_s_channel(fermions, si.mass, sj.mass, smc.mass[f], rs, cos) if gluon else 0
        octet = 2 * t + m_g
        singlet = full - t + t / 3
        if np.ndim(octet) == 0 and np.ndim(singlet) == 0:
            return None
        return (4 * INDEX[rep] * np.sum(H.abs2(octet + np.zeros_like(singlet)), axis=axes) * sommerfeld(rs, 8)
                + 3 * d * np.sum(H.abs2(singlet + np.zeros_like(octet)), axis=axes) * sommerfeld(rs, 1))

    spins = 0.25 if fermions else 1.0
    return A.w_on_nodes(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], spin_summed, spins / d**2)


def _gluon_s_channel(fermions: bool, m1, m2, mq, sqrt_s, cos):
    """Colour-stripped s-channel gluon X X̄ → q q̄ in units of g_s², in the sign convention of
    the photon term of :mod:`.annihilation` (e²Q_XQ_q → g_s²)."""
    sp = A._spinors(sqrt_s, m1, m2, mq, mq, cos)
    p1, p2, _, _ = sp["p"]
    s = H.dot(p1 + p2, p1 + p2)
    j_q = H.vector_current(sp["ub3"], H.ONE, sp["v4"])
    if fermions:
        j_d = H.vector_current(H.bar(sp["v2"]), H.ONE, sp["u1"])
        return -A._contract(j_d, j_q) / s[..., None, None, None, None]
    return H.dot(j_q, (p1 - p2)[..., None, None, :]) / s[..., None, None]


# ---------------------------------------------------------------------------------------------
# F S → f V
# ---------------------------------------------------------------------------------------------
#: Colour of f̄ F S by (colour of F, colour of S, quark?): (Σ|colour tensor|², colour charges
#: (Q_f, Q_F, Q_S) of the gluon vertex, Σ|tensor × generator|²) — module docstring.
FS_COLOUR = {(1, 1, False): (1, None, 0), (1, 3, True): (3, (1, 0, 1), 4), (3, 1, True): (3, (1, 1, 0), 4),
             (3, -3, False): (3, (0, 1, -1), 4), (-3, 3, False): (3, (0, 1, -1), 4),
             (8, 8, False): (8, (0, 1, -1), 24)}
FS_BOSONS = ("a", "Z", "h", "g")


def _yukawa(sector, f, a, A_):
    """Γ = l P_R + r P_L of f̄ Γ F_a S_A (a 4×4 matrix, or None when zero)."""
    lv, rv = sector.l(f)[a, A_], sector.r(f)[a, A_]
    if lv == 0 and rv == 0:
        return None
    return lv * H.PR + rv * H.PL


def fermion_scalar_amplitude(sector, cp, f: str, mf: float, boson: str, a: int, A_: int, sqrt_s, cos=None,
                             pols=None, g_s: float = 1.0, colour_charges=(1, 1, 1),
                             partner_mass: float = 0.0):
    """iM[λ, s_f, s_F] of F_a(p₁) S_A(p₂) → f(k₁) V(k₂) for the term f̄ Γ F S (F, S entering as
    particles, or self-conjugate; m_f the kinematic mass of f):

        iM = ū(k₁)[V_f i(q̸ + m_f)/(s − m_f²) iΓ_aA + Σ_k iΓ_kA i(q̸' + m_k)/(q'² − m_k²) V_ka] u(p₁)
           + Σ_B ū(k₁) iΓ_aB u(p₁) · i/(u − M_B²) · V_BA,

    q = p₁ + p₂, q' = p₁ − k₂, u = (p₂ − k₂)², vertices of :mod:`.bosons` for the dark lines
    (γ, Z, h, W±; ``cp`` a bosons.Couplings) and −i e Q_f ε̸, −i g_Z ε̸(g_L P_L + g_R P_R), −i m_f/v
    for the SM fermion; the gluon as the photon with e Q → g_s × ``colour_charges`` (Q_f, Q_F, Q_S).
    W±: the s-channel fermion is f's SU(2) partner f' (Yukawa Γ^{f'}_aA, mass ``partner_mass``,
    vertex −i(g/√2) ε̸ P_L, CKM diagonal); the t- and u-channels keep Γ^f.
    ``pols(k2)`` overrides the boson's polarisations (Ward-identity tests)."""
    from bridge.darkmatter import bosons as B

    g = cp.gauge
    mF, mS = cp.mf[a], cp.ms[A_]
    mV = 0.0 if boson == "g" else g.mass(boson)
    p1, p2, k1, k2 = A._kinematics(sqrt_s, mF, mS, mf, mV, cos)
    if pols is not None:
        eps = pols(k2)
    else:  # (…, λ, 4)
        eps = H.polarisations(k2, False) if boson == "g" else B._polarisations(boson, k2)
    n_pol = eps.shape[-2]
    slash_eps = H.slash(eps) if boson != "h" else None
    mat = lambda x: x[..., None, :, :]  # noqa: E731  (…, 4, 4) → (…, 1, 4, 4)
    # spinors applied to the outer vertices first: (…, λ, 2, 4) × (…, 4, 2) products, not
    # (…, λ, 4, 4) chains sandwiched afterwards
    ub3 = H.bar(H.u_spinors(k1))[..., None, :, :]  # (…, 1, s_f, 4)
    # p₁ lies along +z at every cos θ node: its spinors on one node, broadcast
    u1 = np.swapaxes(A.initial_spinors(H.u_spinors, p1), -1, -2)[..., None, :, :]  # (…, 1, 4, s_F)
    total = np.zeros((*p1.shape[:-1], n_pol, 2, 2), complex)
    q, qt, qu = p1 + p2, p1 - k2, p2 - k2
    # s-channel: the SM fermion emits V
    w_boson = boson in ("W+", "W-")
    f_s, m_s = (A.W_PARTNER[f], partner_mass) if w_boson else (f, mf)
    gam = _yukawa(sector, f_s, a, A_)
    if gam is not None:
        if w_boson:
            v_f = -1j * g.g / math.sqrt(2) * slash_eps @ H.PL
        elif boson == "h":
            v_f = -1j * mf / g.vev * H.ONE
        elif boson == "Z":
            t3 = A.T3[f]
            v_f = -1j * g.gz * slash_eps @ ((t3 - SM_CHARGE[f] * g.s2w) * H.PL - SM_CHARGE[f] * g.s2w * H.PR)
        else:
            charge = g.e * SM_CHARGE[f] if boson == "a" else g_s * colour_charges[0]
            v_f = -1j * charge * slash_eps
        if boson == "h" or np.any(v_f):
            prop = H.fermion_propagator(q, m_s)
            if f_s == "t" and mF + mS < m_s:  # t → F S open: the s-channel top can go on shell
                s = H.dot(q, q)
                prop = prop * ((s - m_s * m_s) * A._breit_wigner(s, m_s, C.GAMMA_TOP))[..., None, None]
            total = total + (ub3 @ v_f) @ (mat(1j * prop) @ ((1j * gam) @ u1))
    # t-channel: the dark fermion emits V, then F_k S_A → f
    for k, mk in enumerate(cp.mf):
        gam = _yukawa(sector, f, k, A_)
        if gam is None:
            continue
        if boson == "g":
            v = -1j * g_s * colour_charges[1] * slash_eps if (k == a and colour_charges[1]) else None
        else:
            v = B.fermion_vertex(cp, boson, (k, 1), (a, 1), slash_eps)
        if v is None:
            continue
        total = total + ((ub3 @ (1j * gam)) @ mat(1j * H.fermion_propagator(qt, mk))) @ (v @ u1)
    # u-channel: the dark scalar emits V, then F_a S_B → f
    for b_, mb in enumerate(cp.ms):
        gam = _yukawa(sector, f, a, b_)
        if gam is None:
            continue
        p_sum = H.dot(_ex1(p2 + qu), eps) if boson != "h" else None
        if boson == "g":
            v = -1j * g_s * colour_charges[2] * p_sum if (b_ == A_ and colour_charges[2]) else None
        else:
            v = B.scalar_vertex(cp, boson, (b_, 1), (A_, 1), p_sum)
        if v is None:
            continue
        prop = 1j / (H.dot(qu, qu) - mb * mb)
        total = total + (ub3 @ (1j * gam) @ u1) * (prop[..., None] * v * np.ones(n_pol))[..., None, None]
    return total  # (…, λ, s_f, s_F)


def _ex1(a):
    return a[..., None, :]


def fermion_scalar_to_fermion_boson(sector, smc: A.SMCouplings, cp, sf: A.Species, ss: A.Species, f: str,
                                    boson: str, sqrt_s, a_s: float | None = None) -> np.ndarray:
    """W(√s) of F S → f V (and the CP-conjugate F̄ S* → f̄ V, same rate at tree level, where the
    pair allows it: a Majorana F or a real S opens both), averaged over the 2 spins of F and
    the colours of F and S; None-free: 0 where no diagram couples the pair to f V."""
    key = (sf.colour, ss.colour, A.COLOUR[f] == 3)
    tensor, charges, gen = FS_COLOUR[key]
    if boson == "g" and charges is None:
        return np.zeros_like(np.asarray(sqrt_s, float))
    n = int(sf.particle_like and ss.particle_like) + int(sf.anti_like and ss.anti_like)
    if boson == "g":
        a_s = alpha_s(sf.mass + ss.mass, smc.alpha_s_mz) if a_s is None else a_s
        g_s = math.sqrt(4 * math.pi * a_s)
    else:
        g_s = 1.0
    colour = (gen if boson == "g" else tensor) / (COLOUR_DIM[sf.colour] * COLOUR_DIM[ss.colour])
    m_v = 0.0 if boson == "g" else cp.gauge.mass(boson)
    m_partner = smc.mass[A.W_PARTNER[f]] if boson in ("W+", "W-") else 0.0

    def spin_summed(rs, cos):
        amp = fermion_scalar_amplitude(sector, cp, f, smc.mass[f], boson, sf.index, ss.index, rs, cos,
                                       g_s=g_s, colour_charges=charges or (1, 1, 1), partner_mass=m_partner)
        return H.spin_sum(amp, 3)

    return n * A.w_on_nodes(sqrt_s, sf.mass, ss.mass, smc.mass[f], m_v, spin_summed, 0.5 * colour)


# ---------------------------------------------------------------------------------------------
# the channels of a pair (called by relic.pair_channels)
# ---------------------------------------------------------------------------------------------
def _quark_exchange_colourless(sector, p: A.Species, f: str) -> bool:
    """Whether every dark state exchanged in the t-channel of the coloured pair p into the quark
    f is a colour singlet (the only case the octet/singlet split above covers)."""
    c = np.abs(sector.l(f)) + np.abs(sector.r(f))
    if p.kind == "F":
        return all(sector.scalars[B].colour == 1 for B in np.flatnonzero(c[p.index, :]))
    return all(sector.fermions[b].colour == 1 for b in np.flatnonzero(c[:, p.index]))


def coloured_pair_channels(sector, smc: A.SMCouplings, si: A.Species, sj: A.Species, gauge, label: str,
                           sommerfeld: bool = True):
    """([(label, √s → W)], [missing]) of a pair of coloured dark states of the same kind; with
    ``sommerfeld`` each channel's colour representations times their Sommerfeld factors
    (:mod:`.sommerfeld`; same-sign pairs of two (anti-)triplets per 6 and 3̄, :mod:`.samesign`)."""
    channels, missing = [], []
    d = COLOUR_DIM[si.colour]
    pair = P.canonical(si, sj)
    if pair is None:
        channels, missing = samesign.pair_channels(sector, smc, si, sj, label, sommerfeld)
        return channels + _per_colour(P.boson_channels(gauge, si, sj, label), d), missing
    p, q = pair
    a_s = alpha_s(p.mass + q.mass, smc.alpha_s_mz)
    coulomb = SF.Coulomb(p.mass, q.mass, p.colour, q.colour, smc.alpha_s_mz) if sommerfeld else None
    if p.index == q.index and p.kind == q.kind and not p.self_conjugate:
        gg = fermion_pair_to_gluons if p.kind == "F" else scalar_pair_to_gluons
        channels.append((f"{label} -> g g", lambda rs: gg(p.mass, p.colour, rs, a_s, coulomb)))
    elif p.self_conjugate and p.index == q.index:
        channels.append((f"{label} -> g g",
                         lambda rs: self_conjugate_octet_to_gluons(p.kind, p.mass, rs, a_s, coulomb)))
    gluon = p.index == q.index and not p.self_conjugate
    t_sector = _t_channel_only(sector)
    # self-conjugate octets: the s-channel gluon into quarks too (f^{abc} vertex)
    for f, fp, t_chan in P.fermion_final_states(sector, p, q, gluon=p.index == q.index, exchanged=False):
        if A.COLOUR[f] == 3 and (p.self_conjugate or (t_chan and not (
                p.colour == 3 and _quark_exchange_colourless(sector, p, f)
                and _quark_exchange_colourless(sector, q, fp)))):
            channels.append((f"{label} -> {f} {fp}~", lambda rs, f=f, fp=fp: colour_matrix_pair_to_quarks(
                sector, smc, p, q, f, fp, rs, a_s)))
            continue
        channels.append((f"{label} -> {f} {fp}~", lambda rs, f=f, fp=fp: coloured_pair_to_fermions(
            sector, smc, p, q, f, fp, rs, a_s, t_sector, coulomb)))
    electroweak = P.boson_channels(gauge, p, q, label)
    channels += _per_colour(electroweak, d, coulomb)
    if gluon and p.charge != 0:
        channels += _gluon_photon(electroweak, gauge, p, a_s, coulomb)
    elif gluon and gauge is not None and sector.z is not None and _z_diagonal(sector, p):
        def gluon_z(rs):  # a colour octet, as g γ
            w = coloured_pair_to_gluon_z(sector, gauge[1], p, q, rs, a_s)
            return w if coulomb is None else w * coulomb(rs, 8)
        channels.append((f"{label} -> g Z", gluon_z))
    elif p.self_conjugate and p.kind == "F" and p.index == q.index and sector.z is not None \
            and _z_diagonal(sector, p):
        missing.append(f"{label}: g Z of a self-conjugate coloured state")  # axial Z of a Majorana octet
    return channels, missing


def _z_diagonal(sector, p: A.Species) -> bool:
    z = sector.z
    mats = (z.left, z.right) if p.kind == "F" else (z.scalar,)
    return bool(any(np.any(np.asarray(m)[..., p.index, p.index]) for m in mats))


def _gluon_photon(electroweak, gauge, p: A.Species, a_s: float, coulomb=None):
    """X X̄ → g γ and g Z from the γγ and Zγ channels of :mod:`.bosons`: every diagram has one
    photon vertex −ieQ; replacing it by the gluon's −ig_s T^a turns |M|² into
    |M|² g_s² Σ|T^a_ji|²/(e²Q²) = |M|² g_s² C_R d_R/(e²Q²) (no s-channel: no γ–g or Z–g vertex),
    and g γ has no identical-particle ½ (γγ has). The colour structure T^a_ji is the adjoint of
    R ⊗ R̄: with ``coulomb`` times S₈(√s)."""
    g, _ = gauge
    d = COLOUR_DIM[p.colour]
    ratio = 4 * math.pi * a_s * CASIMIR[p.colour] * d / (g.e * p.charge) ** 2 / d**2

    def octet(rs):
        return 1.0 if coulomb is None else coulomb(rs, 8)

    out = []
    for name, fn in electroweak:
        final = name.split(" -> ")[1]
        if final == "a a":
            out.append((name.replace("-> a a", "-> g a"), lambda rs, fn=fn: 2 * ratio * fn(rs) * octet(rs)))
        elif final in ("Z a", "a Z"):
            out.append((name.replace(f"-> {final}", "-> g Z"), lambda rs, fn=fn: ratio * fn(rs) * octet(rs)))
    return out


def mixed_colour_channels(sector, smc: A.SMCouplings, si: A.Species, sj: A.Species, label: str):
    """([(label, √s → W)], [missing]) of a pair of the same kind, one colourless and one coloured
    (e.g. a singlet scalar with a squark-like triplet): t/u-channel exchange of colourless dark
    states into one quark and one lepton, colour δ_cj (Σ = d over d initial colours: factor 1;
    no s-channel connects different colours). Two quarks (a coloured exchange, e.g. a singlet
    and an octet sharing a triplet; or two coloured states of different representations) go
    through :func:`colour_matrix_pair_to_quarks`, t- and, for two self-conjugate states,
    u-channel."""
    from bridge.engine import SM_FERMIONS

    yuk_i, yuk_j = P.yukawa_used(sector, si.kind, si.index), P.yukawa_used(sector, sj.kind, sj.index)
    if not (yuk_i and yuk_j):
        return [], []
    pair = P.canonical(si, sj)
    if pair is None:
        return samesign.pair_channels(sector, smc, si, sj, label)
    p, q = pair
    general = 1 not in (p.colour, q.colour) or (p.self_conjugate and q.self_conjugate)
    fn = A.fermion_pair_to_fermions if p.kind == "F" else A.scalar_pair_to_fermions
    channels, missing = [], []
    finals = P.yukawa_used(sector, p.kind, p.index)
    if p.self_conjugate and q.self_conjugate:  # the u-channel: q → f, p → f'
        finals = finals | P.yukawa_used(sector, q.kind, q.index)
    for f in finals:
        for fp in finals | P.yukawa_used(sector, q.kind, q.index):
            if abs(SM_CHARGE[f] - SM_CHARGE[fp] - p.charge - q.charge) > 1e-9 or f not in SM_FERMIONS:
                continue
            if A.COLOUR[f] == 3 and A.COLOUR[fp] == 3:  # both quarks: explicit colour tensors
                if _shared_exchange(sector, p, q, f, fp):
                    channels.append((f"{label} -> {f} {fp}~", lambda rs, f=f, fp=fp:
                                     colour_matrix_pair_to_quarks(sector, smc, p, q, f, fp, rs)))
                continue
            if general or not (_quark_exchange_colourless(sector, p, f)
                               and _quark_exchange_colourless(sector, q, fp)):
                if _shared_exchange(sector, p, q, f, fp):
                    missing.append(f"{label} -> {f} {fp}~: quark and lepton of two coloured dark states")
                continue
            if f not in P.yukawa_used(sector, p.kind, p.index) \
                    or fp not in P.yukawa_used(sector, q.kind, q.index):
                continue  # the selection of the colourless-exchange branch as before
            channels.append((f"{label} -> {f} {fp}~", lambda rs, f=f, fp=fp: fn(sector, smc, p, q, f, fp, rs)
                             / A.COLOUR[f]))
    return channels, missing


def _shared_exchange(sector, p: A.Species, q: A.Species, f: str, fp: str) -> bool:
    """Whether one dark state couples p to f and q to f' (t-channel), or, for two
    self-conjugate states, q to f and p to f' (u-channel)."""
    def row(x, flavour):
        c = np.abs(sector.l(flavour)) + np.abs(sector.r(flavour))
        c = c.reshape(-1, *c.shape[-2:]).any(axis=0)
        return c[x.index, :] if x.kind == "F" else c[:, x.index]

    t = np.any(row(p, f) & row(q, fp))
    u = p.self_conjugate and q.self_conjugate and np.any(row(q, f) & row(p, fp))
    return bool(t or u)


def _per_colour(channels, d: int, coulomb=None):
    """Electroweak two-boson channels of a coloured pair: colour δ_ij, Σ = d, average 1/d²; the
    colour singlet: with ``coulomb`` times S₁(√s)."""
    if coulomb is None:
        return [(name, lambda rs, fn=fn: fn(rs) / d) for name, fn in channels]
    return [(name, lambda rs, fn=fn: fn(rs) / d * coulomb(rs, 1)) for name, fn in channels]


def fermion_scalar_channels(sector, smc: A.SMCouplings, si: A.Species, sj: A.Species, gauge, label: str,
                            sommerfeld: bool = True):
    """([(label, √s → W)], [missing]) of a fermion–scalar pair: F S → f V, V = γ, Z, h, g. With
    ``sommerfeld``, a pair of two coloured states (3 ⊗ 3̄, 8 ⊗ 8; FS_COLOUR) times S₁(√s) for
    V = γ, Z, h, W (colour singlet into a lepton) and S₈(√s) for V = g (:mod:`.sommerfeld`); a
    colourless state with a coloured one feels no potential."""
    from bridge.engine import SM_FERMIONS

    sf, ss = (si, sj) if si.kind == "F" else (sj, si)
    channels, missing = [], []
    if not ((sf.particle_like and ss.particle_like) or (sf.anti_like and ss.anti_like)):
        return channels, missing
    if gauge is None:
        return channels, [f"{label}: fermion-scalar coannihilation (no gauge inputs)"]
    _, cp = gauge
    conj_only = not (sf.particle_like and ss.particle_like)
    touched = P.yukawa_used(sector, "F", sf.index) | P.yukawa_used(sector, "S", ss.index)
    coloured = sf.colour != 1 or ss.colour != 1
    coulomb = SF.Coulomb(sf.mass, ss.mass, sf.colour, ss.colour, smc.alpha_s_mz) \
        if sommerfeld and sf.colour != 1 and ss.colour != 1 else None
    q_pair = sector.fermions[sf.index].charge + sector.scalars[ss.index].charge  # the direct process
    for f in SM_FERMIONS:
        w_final = sector.w is not None and (f in touched or A.W_PARTNER.get(f) in touched)
        if f not in touched and not w_final:
            continue
        key = (sf.colour, ss.colour, A.COLOUR[f] == 3)
        if (sf.colour, ss.colour) not in _SINGLET_PAIRS[A.COLOUR[f]]:
            continue  # no f̄ F S vertex between these colours (nor in the t/u channels)
        if key not in FS_COLOUR:
            missing.append(f"{label} -> {f} V: colour structure {key[:2]} not implemented")
            continue
        q_w = round(q_pair - SM_CHARGE[f])
        bosons = FS_BOSONS if f in touched else ()
        if w_final and abs(q_w) == 1 and abs(q_pair - SM_CHARGE[f] - q_w) < 1e-9:
            bosons += ("W+" if q_w > 0 else "W-",)
        for boson in bosons:
            if (boson == "g" and not coloured) or (boson == "Z" and sector.z is None) \
                    or (boson == "h" and sector.higgs is None):
                continue
            threshold = max(sf.mass + ss.mass, smc.mass[f] + (0.0 if boson == "g" else cp.gauge.mass(boson)))
            probe = np.array([1.05, 1.6]) * threshold
            a_s = alpha_s(sf.mass + ss.mass, smc.alpha_s_mz) if boson == "g" else None

            def fn(rs, f=f, boson=boson, a_s=a_s):
                w = fermion_scalar_to_fermion_boson(sector, smc, cp, sf, ss, f, boson, rs, a_s)
                return w if coulomb is None else w * coulomb(rs, 8 if boson == "g" else 1)

            if not np.any(fn(probe)):
                continue
            name = {"W+": "W-", "W-": "W+"}.get(boson, boson) if conj_only else boson
            channels.append((f"{label} -> {f}{'~' if conj_only else ''} {name}", fn))
    return channels, missing


# ---------------------------------------------------------------------------------------------
# general colour algebra: quark couplings of two coloured dark states, self-conjugate octets
# ---------------------------------------------------------------------------------------------
def _gell_mann_generators() -> np.ndarray:
    """T^a = λ^a/2 of the triplet (Gell-Mann, Phys. Rev. 125 (1962) 1067), (8, 3, 3)."""
    lam = np.zeros((8, 3, 3), complex)
    lam[0][0, 1] = lam[0][1, 0] = 1
    lam[1][0, 1], lam[1][1, 0] = -1j, 1j
    lam[2][0, 0], lam[2][1, 1] = 1, -1
    lam[3][0, 2] = lam[3][2, 0] = 1
    lam[4][0, 2], lam[4][2, 0] = -1j, 1j
    lam[5][1, 2] = lam[5][2, 1] = 1
    lam[6][1, 2], lam[6][2, 1] = -1j, 1j
    lam[7] = np.diag([1, 1, -2]) / math.sqrt(3)
    return lam / 2


def generators(rep: int) -> np.ndarray:
    """(T^a)_{ij} of ``rep``: λ^a/2 (3), −(λ^a)ᵀ/2 (3̄), (T^a)_{bc} = −i f^{abc} (8), f^{abc} =
    −2i Tr([T^a, T^b] T^c)."""
    t = _gell_mann_generators()
    if rep == 3:
        return t
    if rep == -3:
        return -np.swapaxes(t, 1, 2)
    comm = np.einsum("aij,bjk->abik", t, t) - np.einsum("bij,ajk->abik", t, t)
    f = np.real(-2j * np.einsum("abik,cki->abc", comm, t))
    return -1j * f


def _levi_civita() -> np.ndarray:
    eps = np.zeros((3, 3, 3))
    for (i, j, k), sign in (((0, 1, 2), 1), ((1, 2, 0), 1), ((2, 0, 1), 1),
                            ((0, 2, 1), -1), ((2, 1, 0), -1), ((1, 0, 2), -1)):
        eps[i, j, k] = sign
    return eps


def quark_colour_tensor(colour_f: int, colour_s: int) -> np.ndarray:
    """Y_{c α β} of the Yukawa vertex q̄_c (l P_R + r P_L) F_α S_β, q in the 3 (α, β the colour
    indices of F and S; a singlet has one index value).

    Convention of this module (the engine implements loops only for (1, 3), (3, 1), where Y = δ,
    so nothing else fixes the normalisation of the others): Y is the Clebsch–Gordan coefficient
    of 3 ⊂ R_F ⊗ R_S normalised as δ is, Σ_{αβ} Y_{cαβ} Y*_{c'αβ} = δ_{cc'}: ε_{cαβ}/√2 for
    (3̄, 3̄); (√3/2) T^a_{cα} for (3, 8) (β = a) and (√3/2) T^a_{cβ} for (8, 3) (α = a), since
    Σ_a (T^aT^a)_{cc'} = C_F δ_{cc'} = (4/3) δ_{cc'}. A model written with plain ε or T^a has
    its Γ rescaled by √2 or 2/√3 relative to this."""
    if (colour_f, colour_s) == (1, 3):
        return np.eye(3)[:, None, :]
    if (colour_f, colour_s) == (3, 1):
        return np.eye(3)[:, :, None]
    if (colour_f, colour_s) == (-3, -3):
        return _levi_civita() / math.sqrt(2)
    t = generators(3) * (math.sqrt(3) / 2)
    if (colour_f, colour_s) == (3, 8):
        return np.transpose(t, (1, 2, 0))  # (c, α, a)
    if (colour_f, colour_s) == (8, 3):
        return np.transpose(t, (1, 0, 2))  # (c, a, β)
    raise ValueError(f"no colour singlet in 3̄ ⊗ {colour_f} ⊗ {colour_s}")


def _exchange_tensor(p: A.Species, q: A.Species, k_colour: int, crossed: bool) -> np.ndarray:
    """C_{αβcd} of one t-channel (``crossed``: u-channel) exchange of a dark state of colour
    ``k_colour`` in X_p(α) X̄_q(β) → q_c q̄_d: the vertex Y of the state entering the quark line
    times Y* of the one entering the antiquark line, summed over the exchanged colour γ
    (t: Σ_γ Y^p_{cαγ} Y^q*_{dβγ}; u: Σ_γ Y^q_{cβγ} Y^p*_{dαγ}). Fermion pairs exchange a scalar,
    scalar pairs a fermion (the index order of Y is (q, F, S))."""
    def y(x):
        if x.kind == "F":
            return quark_colour_tensor(x.colour, k_colour)  # (c, α_x, γ)
        return np.swapaxes(quark_colour_tensor(k_colour, x.colour), 1, 2)  # (c, α_x, γ)

    yp, yq = y(p), y(q)
    if crossed:
        return np.einsum("cbg,dag->abcd", yq, yp.conj())
    return np.einsum("cag,dbg->abcd", yp, yq.conj())


def _gluon_tensor(rep: int) -> np.ndarray:
    """C_{αβcd} = Σ_a (T^a_R)_{βα} (T^a)_{cd} of the s-channel gluon (as in the Fierz split of
    the module docstring, whose octet structure T^a_ji T^a_cd it is)."""
    return np.einsum("xba,xcd->abcd", generators(rep), generators(3))


def _restricted(sector, f: str, fp: str, kind: str, k: int):
    """The t-channel-only sector with the Yukawa couplings of f and f' kept only for the
    exchanged dark state k (a scalar for a fermion pair, a fermion for a scalar pair)."""
    def keep(c):
        out = np.zeros_like(np.asarray(c))
        if kind == "F":
            out[..., :, k] = np.asarray(c)[..., :, k]
        else:
            out[..., k, :] = np.asarray(c)[..., k, :]
        return out

    flavours = dict.fromkeys((f, fp))
    return dataclasses.replace(_t_channel_only(sector), left={x: keep(sector.l(x)) for x in flavours},
                               right={x: keep(sector.r(x)) for x in flavours})


def colour_matrix_pair_to_quarks(sector, smc: A.SMCouplings, p: A.Species, q: A.Species, f: str, fp: str,
                                 sqrt_s, a_s: float | None = None) -> np.ndarray:
    """W(√s) of a pair of coloured dark states of the same kind (canonical order, any of the
    representations 3, 3̄, 8, self-conjugate octets included) into the quarks f f̄', with the
    colour algebra done on explicit colour tensors: the amplitude is Σ_D C_D M_D over the
    diagrams D —

    * one t-channel (and, for two self-conjugate states, one u-channel) diagram per exchanged
      dark state k, C from :func:`_exchange_tensor` (coloured or colourless k),
    * the s-channel gluon for p = q (Dirac, complex or self-conjugate octet: the octet's
      vertex f^{abc} has the Dirac adjoint's Feynman rule, the ½ of the Majorana / real
      Lagrangian cancelled by the two contractions), C = T^a_R ⊗ T^a,
    * the colour-singlet s-channel (Z, γ, h, W), C = δ_αβ δ_cd (same representation only),

    M_D colour-stripped from :func:`.annihilation.fermion_pair_amplitude` /
    ``scalar_pair_amplitude`` (sectors restricted to one exchanged state; the u-channel as the
    self-conjugate amplitude minus the t-channel one) and :func:`_gluon_s_channel`; then
    Σ_colours |M|² = Σ_{DD'} K_{DD'} M_D M_D'*, K_{DD'} = Σ_{αβcd} C_D C_D'*, averaged over
    1/(d_p d_q). For a triplet pair with colourless exchange this is the Fierz split of
    :func:`coloured_pair_to_fermions` (tests/test_darkmatter_coloured2.py checks it equals)."""
    fermions = p.kind == "F"
    amplitude = A.fermion_pair_amplitude if fermions else A.scalar_pair_amplitude
    axes = (-4, -3, -2, -1) if fermions else (-2, -1)
    both_sc = p.self_conjugate and q.self_conjugate
    other = sector.scalars if fermions else sector.fermions
    coupled = np.abs(sector.l(f)) + np.abs(sector.r(f)) + np.abs(sector.l(fp)) + np.abs(sector.r(fp))
    live = [k for k in range(len(other))
            if (np.any(coupled[..., p.index, k]) and np.any(coupled[..., q.index, k]) if fermions
                else np.any(coupled[..., k, p.index]) and np.any(coupled[..., k, q.index]))]
    flat_p = dataclasses.replace(p, charge=0.0, self_conjugate=False)
    flat_q = dataclasses.replace(q, charge=0.0, self_conjugate=False)
    neutral_p, neutral_q = dataclasses.replace(p, charge=0.0), dataclasses.replace(q, charge=0.0)
    tensors = []  # (C, how to get M_D)
    for k in live:
        tensors.append((_exchange_tensor(p, q, other[k].colour, False), ("t", k)))
        if both_sc:
            tensors.append((_exchange_tensor(p, q, other[k].colour, True), ("u", k)))
    gluon = f == fp and p.index == q.index and p.kind == q.kind
    if gluon:
        g2 = 4 * math.pi * (alpha_s(p.mass + q.mass, smc.alpha_s_mz) if a_s is None else a_s)
        tensors.append((_gluon_tensor(p.colour), ("g", None)))
    same_rep = p.colour == q.colour
    if same_rep:
        d = COLOUR_DIM[p.colour]
        tensors.append((np.einsum("ab,cd->abcd", np.eye(d), np.eye(3)), ("1", None)))
    flat = [c.reshape(-1) for c, _ in tensors]
    kmat = np.array([[np.sum(x * np.conj(y)) for y in flat] for x in flat])

    def spin_summed(rs, cos):
        pieces, t_sum = [], 0
        for _, (what, k) in tensors:
            if what in ("t", "u"):
                sec_k = _restricted(sector, f, fp, p.kind, k)
                m_t = amplitude(sec_k, smc, flat_p, flat_q, f, fp, rs, cos)
                m = m_t if what == "t" else amplitude(sec_k, smc, neutral_p, neutral_q, f, fp, rs, cos) - m_t
                t_sum = t_sum + m
            elif what == "g":
                m = g2 * _gluon_s_channel(fermions, p.mass, q.mass, smc.mass[f], rs, cos)
            else:
                m = amplitude(sector, smc, p, q, f, fp, rs, cos) - t_sum
            pieces.append(m)
        if all(np.ndim(m) == 0 for m in pieces):
            return None
        shape = np.broadcast_shapes(*(np.shape(m) for m in pieces))
        pieces = [np.broadcast_to(m, shape) for m in pieces]
        total = 0
        for x, mx in enumerate(pieces):
            for y, my in enumerate(pieces):
                if kmat[x, y] != 0:
                    total = total + np.real(kmat[x, y] * mx * np.conj(my))
        return np.sum(total, axis=axes)

    spins = 0.25 if fermions else 1.0
    average = spins / (COLOUR_DIM[p.colour] * COLOUR_DIM[q.colour])
    return A.w_on_nodes(sqrt_s, p.mass, q.mass, smc.mass[f], smc.mass[fp], spin_summed, average)


def self_conjugate_octet_to_gluons(kind: str, mass: float, sqrt_s, a_s: float, coulomb=None) -> np.ndarray:
    """W(√s) of a self-conjugate colour octet pair (Majorana fermion, gluino-like, or real
    scalar) into g g. With L = ½ ψ̄^a iD̸_{ab} ψ^b (or ½ (D_μS)^a (D^μS)^a) each gauge vertex
    has two Wick contractions that cancel the ½, so the Feynman rules are those of a Dirac
    fermion (complex scalar) in the adjoint, and the amplitude of the ordered pair is the same
    (t-, u-channel and s-channel gluon; the u-channel is the Dirac pair's other ordering, no
    further diagram): W equals :func:`fermion_pair_to_gluons` (:func:`scalar_pair_to_gluons`)
    at rep 8, averaged over the 2 × 8 (8) states of each. Closed form (tests): σ(gg → g̃g̃) of
    Beenakker, Höpker, Spira, Zerwas, Nucl. Phys. B492 (1997) 51, hep-ph/9610490 (Born term,
    identical gluinos), by detailed balance. ``coulomb``: the Sommerfeld factors per colour
    representation of 8 ⊗ 8, as for the Dirac octet (:data:`.sommerfeld.GLUON_PAIR_WEIGHTS`)."""
    fn = fermion_pair_to_gluons if kind == "F" else scalar_pair_to_gluons
    return fn(mass, 8, sqrt_s, a_s, coulomb)


def gluon_z_couplings(cp, sector, rep: int):
    """A copy of the bosons.Couplings ``cp`` whose photon stands for the gluon with its colour
    stripped: vertex coupling 1 and "charge" 1 for every dark state in the representation
    ``rep`` (the gluon's T^a is the same on all of them and 0 elsewhere), the Z–γ seagull
    rebuilt from it; W of X X̄ → "Z γ" with it is the colour-stripped g Z rate (no s-channel:
    neither a Z–g–V nor a γ–g–V vertex)."""
    import copy

    out = copy.copy(cp)
    gf = np.diag([1.0 if F.colour == rep else 0.0 for F in sector.fermions]).astype(complex)
    gs = np.diag([1.0 if S.colour == rep else 0.0 for S in sector.scalars]).astype(complex)
    out.fv = {**cp.fv, "a": (1.0, gf, gf)}
    out.sv = {**cp.sv, "a": (1.0, gs)}
    gz, cz = cp.sv["Z"]
    out.seagull = {**cp.seagull, ("Z", "a"): gz * (cz @ gs + gs @ cz)}
    return out


def coloured_pair_to_gluon_z(sector, cp, p: A.Species, q: A.Species, sqrt_s, a_s: float) -> np.ndarray:
    """W(√s) of X X̄ → g Z for a coloured Dirac fermion or complex scalar X (canonical pair of
    the same state), any electric charge: t- and u-channel X (and any state of its
    representation with a Z coupling to it), the scalar seagull; the diagrams of X X̄ → Zγ of
    :mod:`.bosons` with −ieQ → −ig_s T^a. Colour: one generator between the initial colours,
    Σ|T^a_ji|² = C_R d_R, averaged over d_R²; no identical-particle ½. Non-zero at tree level
    for a neutral X with a vector Z coupling (as q q̄ → Z g is; the colour-octet initial state
    carries the gluon's colour), which the γ-rescaling of :func:`_gluon_photon` cannot give."""
    from bridge.darkmatter import bosons

    d = COLOUR_DIM[p.colour]
    start, end = P.flow_states(p, q)
    stripped = gluon_z_couplings(cp, sector, p.colour)
    fn = bosons.w_fermions if p.kind == "F" else bosons.w_scalars
    return 4 * math.pi * a_s * CASIMIR[p.colour] * d / d**2 * fn(stripped, start, end, "Z", "a", sqrt_s)
