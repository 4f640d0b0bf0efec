"""Tree-level annihilation of dark pairs, exact in s, from explicit helicity amplitudes.

For a pair of dark species (i, j) and a final state (3, 4) the module evaluates the Feynman
amplitudes numerically with the spinors and polarisation vectors of :mod:`.helicity`, sums |M|²
over all spins, averages over the initial ones and integrates over the scattering angle with
Gauss–Legendre nodes, returning Edsjö–Gondolo's

    W_ij(√s) = 4 p_ij √s σ_ij = k/(8π √s) ∫_{−1}^{1} d cos θ ⟨|M|²⟩ S      (S = ½ for identical finals),

finite at threshold, so s-wave helicity suppression, p-/d-wave terms, thresholds and the Z and h
poles come out of the amplitude without a velocity expansion.

Conventions: couplings of :class:`bridge.engine.DarkSector` (L ⊃ f̄ (l P_R + r P_L) F S + h.c.;
Z, W and h couplings as in the dataclass docstrings there); SM vertices −ieQγ^μ (photon),
−i(g/c_W)γ^μ(g_L P_L + g_R P_R) with g_L = T3 − Q s_W², g_R = −Q s_W² (Z), −i m_f/v (h);
Z propagator in unitary gauge (the q^μq^ν/m_Z² term carries the Goldstone piece ∝ m_f that
gives the s-wave of Majorana pairs into heavy fermions), Breit–Wigner widths in the s-channel.
Fermion-number-violating lines follow Denner, Eck, Hahn, Küblbeck, Nucl. Phys. B387 (1992) 467:
for two Majorana fermions the u-channel (exchanged) diagram enters with a relative minus sign,
as does any s-channel diagram relative to the t-channel one (odd permutation of the external
spinors); the reversed Yukawa vertex equals the direct one (scalar and pseudoscalar couplings
are invariant under C Γᵀ C⁻¹).

Implemented (each tested in tests/test_darkmatter_annihilation.py against a closed form from the
literature and a numerical integration of an independently written |M|²):

* F_i F_j → f f̄' (Majorana or Dirac, any mixture): t- and u-channel dark scalars, s-channel Z, h
  and, for charged Dirac pairs, γ;
* S_i S_j → f f̄' (real or complex, colourless): t- and u-channel dark fermions, s-channel Z, h, γ;
* S S̄ → γγ (charged colourless scalars, scalar QED) and F F̄ → γγ (charged colourless Dirac
  fermions, spinor QED).

Elsewhere: the two-boson final states (W⁺W⁻, ZZ, Zh, Zγ, γγ, hh, …) in :mod:`.bosons`; pairs of
coloured dark states (g g, g γ, g Z, and f f̄' with the s-channel gluon and the colour algebra),
pairs of a colourless and a coloured state (t-channel into a quark and a lepton) and
fermion–scalar coannihilation F S → f γ/Z/h/g/W in :mod:`.coloured`; the same-sign final states
(f f', f̄ f̄') of two dark particles (or antiparticles) through Majorana fermions or real scalars
in :mod:`.samesign`.

Not implemented (listed per pair in the relic result as ``missing``): same-sign final states of
colours other than 1 1, 3 3, 3̄ 3̄, 1 3, 1 3̄ (e.g. two complex octets into leptons through a
Majorana octet; two triplets exchanging an octet are in :mod:`.samesign`); g Z of a
self-conjugate (Majorana) coloured state with a Z coupling. (Quark couplings with both dark
states coloured, g g of self-conjugate octets and g Z of a neutral coloured Dirac fermion or
complex scalar are in :mod:`.coloured`.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bridge.darkmatter import constants as C
from bridge.darkmatter import helicity as H
from bridge.engine import SM_CHARGE, SM_COLOUR, SM_FERMIONS

#: Gauss–Legendre nodes in cos θ (exact for polynomials of degree 47; t-channel propagators are
#: smooth on [−1, 1] because dark mediators are heavier than the SM final states).
N_COS = 24
_COS, _WCOS = np.polynomial.legendre.leggauss(N_COS)
#: Fewer nodes where the initial state is slow: a t-channel exchange of mass M ≥ m₁ into massless
#: finals has its pole at cos θ = c₀ ≥ 1/β (β = p₁/E₁), and the n-node rule's error falls as
#: ρ^{−2n}, ρ = c₀ + √(c₀² − 1) (Bernstein ellipse): for β ≤ 0.75, 12 nodes leave ≤ 5e-9; above,
#: the 24 nodes of N_COS (≤ 2e-7 up to β = 0.95, q = 3).
BETA_SPLIT, N_COS_SLOW = 0.75, 12
_COS_SLOW, _WCOS_SLOW = np.polynomial.legendre.leggauss(N_COS_SLOW)


def angular_rules(sqrt_s, m1, m2):
    """[(indices into sqrt_s, cos θ nodes, weights)] by the speed of the particle at p₁."""
    sqrt_s = np.asarray(sqrt_s, float)
    e1 = (sqrt_s**2 + m1**2 - m2**2) / (2 * sqrt_s)
    beta = H.two_body_momentum(sqrt_s, m1, m2) / e1
    slow = beta <= BETA_SPLIT
    out = [(np.flatnonzero(slow), _COS_SLOW, _WCOS_SLOW), (np.flatnonzero(~slow), _COS, _WCOS)]
    return [(idx, c, w) for idx, c, w in out if idx.size]

T3 = {"u": 0.5, "c": 0.5, "t": 0.5, "d": -0.5, "s": -0.5, "b": -0.5, "e": -0.5, "mu": -0.5,
      "tau": -0.5, "nu_e": 0.5, "nu_mu": 0.5, "nu_tau": 0.5}
COLOUR = {f: SM_COLOUR.get(f, 1) for f in SM_FERMIONS}
#: SU(2) partners: f f̄' is a W final state (CKM taken diagonal: the off-diagonal entries move
#: the quark channels' shares, not their sum over flavours, by O(λ²)).
W_PARTNER = {"u": "d", "c": "s", "t": "b", "nu_e": "e", "nu_mu": "mu", "nu_tau": "tau"}
W_PARTNER.update({v: k for k, v in list(W_PARTNER.items())})


@dataclass(frozen=True)
class Species:
    """One dark species of the thermal bath (particles and antiparticles are separate species).

    ``kind`` "F" or "S"; ``index`` into sector.fermions or sector.scalars; ``conj`` marks the
    antiparticle of a Dirac fermion or complex scalar; ``self_conjugate`` a Majorana fermion or
    a real scalar; ``g`` spin × colour degrees of freedom.
    """

    name: str
    kind: str
    index: int
    mass: float
    charge: float
    colour: int
    g: int
    self_conjugate: bool
    conj: bool = False

    @property
    def particle_like(self) -> bool:
        """Annihilated by the field F (S): a particle or a self-conjugate state."""
        return self.self_conjugate or not self.conj

    @property
    def anti_like(self) -> bool:
        """Annihilated by F̄ (S*): an antiparticle or a self-conjugate state."""
        return self.self_conjugate or self.conj


@dataclass(frozen=True)
class SMCouplings:
    """SM masses and couplings entering the amplitudes (G_F scheme)."""

    mass: dict
    g_z2: float  # (g/c_W)² = 8 G_F m_Z²/√2
    e2: float  # e² = 4√2 G_F m_W² s_W²
    s2w: float
    m_z: float
    gamma_z: float
    m_h: float
    gamma_h: float
    vev: float
    m_w: float = 80.377
    gamma_w: float = C.GAMMA_W
    g2: float = 0.0  # g² = 4√2 G_F m_W²
    #: α_s(M_Z) of the coloured channels: the card's SMINPUTS 3, else the PDG 2024 world average
    alpha_s_mz: float = C.ALPHA_S_MZ

    @classmethod
    def from_sm(cls, sm) -> SMCouplings:
        mass = {"u": C.M_UP, "d": C.M_DOWN, "s": C.M_STRANGE, "c": C.M_CHARM, "b": sm.m_b,
                "t": sm.m_t, "e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau,
                "nu_e": 0.0, "nu_mu": 0.0, "nu_tau": 0.0}
        g_z2 = 8 * sm.GF * sm.m_Z**2 / math.sqrt(2)
        e2 = 4 * math.sqrt(2) * sm.GF * sm.m_W**2 * sm.s2w
        a_s = getattr(sm, "alpha_s_mz", None)
        return cls(mass, g_z2, e2, sm.s2w, sm.m_Z, C.GAMMA_Z, C.M_HIGGS, C.GAMMA_HIGGS_SM, sm.vev, sm.m_W,
                   C.GAMMA_W, 4 * math.sqrt(2) * sm.GF * sm.m_W**2,
                   C.ALPHA_S_MZ if a_s is None else float(a_s))

    def z_chiral(self, f: str) -> tuple[float, float]:
        q = SM_CHARGE[f]
        return T3[f] - q * self.s2w, -q * self.s2w


# ---------------------------------------------------------------------------------------------
# kinematics shared by the channels
# ---------------------------------------------------------------------------------------------
def _kinematics(sqrt_s, m1, m2, m3, m4, cos=None):
    p1, p2, k1, k2 = H.cm_momenta(sqrt_s, m1, m2, m3, m4, _COS if cos is None else cos)
    return p1, p2, k1, k2


@lru_cache(maxsize=32)
def _spinors_cached(key: bytes, shape: tuple, m1, m2, m3, m4, cos_key: bytes):
    """Momenta and external spinors, shared by all channels of a pair on the same √s grid
    (every final state of a pair reuses the initial-state spinors, massless finals all of them)."""
    sqrt_s = np.frombuffer(key).reshape(shape)
    return _LazySpinors(H.cm_momenta(sqrt_s, m1, m2, m3, m4, np.frombuffer(cos_key)),
                        _initial_cached(key, shape, m1, m2))


@lru_cache(maxsize=32)
def _initial_cached(key: bytes, shape: tuple, m1, m2):
    """The initial-state spinors of :func:`_spinors_cached` on one cos θ node (p₁, p₂ lie along
    ±z, the same at every node), shared by all final states of the pair."""
    sqrt_s = np.frombuffer(key).reshape(shape)
    return _LazySpinors(H.cm_momenta(sqrt_s, m1, m2, 0.0, 0.0, np.zeros(1)))


def initial_spinors(spinors, p):
    """``spinors`` (H.u_spinors, …) of an initial momentum p (…, n_cos, 4), which is the same
    at every cos θ node: computed on one node and broadcast (a read-only view)."""
    one = spinors(p[..., :1, :])
    return np.broadcast_to(one, (*p.shape[:-1], *one.shape[-2:]))


_SPINOR_OF_MOMENTA = {"u1": lambda p: H.u_spinors(p[0]), "v2": lambda p: H.v_spinors(p[1]),
                      "vb2": lambda p: H.bar(H.v_spinors(p[1])),
                      "ub3": lambda p: H.bar(H.u_spinors(p[2])), "v4": lambda p: H.v_spinors(p[3]),
                      "u2": lambda p: H.u_spinors(p[1]), "vb1": lambda p: H.bar(H.v_spinors(p[0]))}


class _LazySpinors(dict):
    """The momenta ("p") and the spinors of :func:`_spinors_cached`, each computed when first
    read (scalar pairs need no initial-state spinors, Dirac pairs not u2/vb1); ``initial``: the
    same on one cos θ node, whose initial-state spinors are broadcast to all nodes."""

    def __init__(self, momenta, initial=None):
        super().__init__(p=momenta)
        self.initial = initial

    def __missing__(self, name):
        if self.initial is not None and name in ("u1", "v2", "vb2", "u2", "vb1"):
            one = self.initial[name]
            value = np.broadcast_to(one, (*self["p"][0].shape[:-1], *one.shape[-2:]))
        else:
            value = _SPINOR_OF_MOMENTA[name](self["p"])
        self[name] = value
        return value


def _spinors(sqrt_s, m1, m2, m3, m4, cos=None):
    sqrt_s = np.ascontiguousarray(sqrt_s, dtype=float)
    return _spinors_cached(sqrt_s.tobytes(), sqrt_s.shape, float(m1), float(m2), float(m3), float(m4),
                           np.ascontiguousarray(_COS if cos is None else cos, dtype=float).tobytes())


def _w_from_msq(sqrt_s, m3, m4, msq_sum, average: float, symmetry: float = 1.0, wcos=None):
    """W = k/(8π√s) ∫ dcos θ ⟨|M|²⟩ S from Σ|M|² on the Gauss–Legendre nodes (n_s, n_cos)."""
    k = H.two_body_momentum(sqrt_s, m3, m4)
    integral = msq_sum @ (_WCOS if wcos is None else wcos)
    return k / (8 * math.pi * sqrt_s) * integral * average * symmetry


def _open(sqrt_s, threshold):
    return sqrt_s > threshold * (1 + 1e-12)


def w_on_nodes(sqrt_s, m1, m2, m3, m4, spin_summed, average: float, symmetry: float = 1.0) -> np.ndarray:
    """W(√s) = k/(8π√s) ∫ dcos θ ⟨|M|²⟩ S (module docstring), 0 below threshold: ``spin_summed``
    (√s, cos θ nodes) → Σ|M|² (n_s, n_cos), or None when no diagram couples the pair to the final
    state; the nodes are those of :func:`angular_rules` for the initial masses m1, m2."""
    sqrt_s = np.asarray(sqrt_s, float)
    out = np.zeros_like(sqrt_s)
    ok = _open(sqrt_s, max(m1 + m2, m3 + m4))
    if not np.any(ok):
        return out
    rs = sqrt_s[ok]
    w = np.zeros_like(rs)
    for idx, cos, wcos in angular_rules(rs, m1, m2):
        msq = spin_summed(rs[idx], cos)
        if msq is None:
            return out
        w[idx] = _w_from_msq(rs[idx], m3, m4, msq, average, symmetry, wcos)
    out[ok] = w
    return out


def _breit_wigner(s, mass, width):
    return 1.0 / (s - mass**2 + 1j * mass * width)


# ---------------------------------------------------------------------------------------------
# F_i F_j → f f̄'
# ---------------------------------------------------------------------------------------------
def fermion_pair_to_fermions(sector, smc: SMCouplings, si: Species, sj: Species, f: str, fp: str,
                             sqrt_s) -> np.ndarray:
    """W(√s) of F_i(p1) F_j(p2) → f(k1) f̄'(k2); F_i particle-like, F_j anti-like (canonical)."""

    def spin_summed(rs, cos):
        amp = fermion_pair_amplitude(sector, smc, si, sj, f, fp, rs, cos)
        # a scalar 0j: no diagram couples this pair to f f̄' (e.g. h exchange into ν ν̄)
        return None if np.ndim(amp) == 0 else H.spin_sum(amp, 4)

    return COLOUR[f] * w_on_nodes(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], spin_summed, 0.25)


#: Nodes (√s × cos θ) per block of :func:`fermion_pair_to_fermion_pairs`.
STACK_NODES = 6144


def fermion_pair_to_fermion_pairs(sector, smc: SMCouplings, si: Species, sj: Species, finals,
                                  sqrt_s) -> dict:
    """{(f, f'): W(√s)} of F_i F_j → f f̄' for several final states in one array pass: the open √s
    of all of them stacked as rows of one kinematic array (final masses and couplings row by row),
    so the spinor products, the angular sum and the spin sum are formed once for all. ``finals``:
    all f = f' (Z, γ, h) or all SU(2) partners of one orientation (the s-channel W; a pair's
    charge fixes which of f, f' is up-type). Each W equals :func:`fermion_pair_to_fermions` of
    its final state to rounding (the same nodes, angular rules and diagrams;
    tests/test_darkmatter_amplitude_rewrites.py)."""
    sqrt_s = np.asarray(sqrt_s, float)
    finals = [tuple(x) for x in finals]
    out = {x: np.zeros_like(sqrt_s) for x in finals}
    m3s = np.array([smc.mass[f] for f, _ in finals])
    m4s = np.array([smc.mass[fp] for _, fp in finals])
    is_open = [_open(sqrt_s, max(si.mass + sj.mass, m3 + m4)) for m3, m4 in zip(m3s, m4s, strict=True)]
    fs, fps = [f for f, _ in finals], [fp for _, fp in finals]
    for idx, cos, wcos in angular_rules(sqrt_s, si.mass, sj.mass):
        picked = [idx[is_open[k][idx]] for k in range(len(finals))]
        which = np.concatenate([np.full(len(x), k) for k, x in enumerate(picked)])
        if not which.size:
            continue
        rows = np.concatenate(picked)
        w = np.zeros(rows.size)
        # blocks of ≤ STACK_NODES nodes: the temporaries stay in cache instead of being mapped
        # afresh for every product (whole-process CPU: fewer page faults)
        step = max(1, STACK_NODES // cos.size)
        for lo in range(0, rows.size, step):
            block = slice(lo, lo + step)
            rs, m3, m4 = sqrt_s[rows[block]], m3s[which[block]], m4s[which[block]]
            sp = _LazySpinors(H.cm_momenta(rs, si.mass, sj.mass, m3[:, None], m4[:, None], cos),
                              _LazySpinors(H.cm_momenta(rs, si.mass, sj.mass, 0.0, 0.0, np.zeros(1))))
            fin = _Finals.of(sector, smc, si, sj, fs, fps, which[block])
            amp = _fermion_pair_core(sector, smc, si, sj, sp, fin)
            if np.ndim(amp):
                w[block] = _w_from_msq(rs, m3, m4, H.spin_sum_leading(amp, 4), 0.25, 1.0, wcos)
        start = 0
        for k, x in enumerate(finals):
            n = len(picked[k])
            out[x][picked[k]] = COLOUR[x[0]] * w[start:start + n]
            start += n
    return out


def fermion_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos=None):
    """M[s_i, s_j, s_f, s_f'] on (√s, cos θ nodes) for F_i F_j → f f̄' (module conventions).

    Written in the Weyl blocks of :mod:`.helicity` (the chiral basis; Dreiner, Haber, Martin,
    arXiv:0812.1594): every diagram is a sum of products of two 2-spinor brackets, grouped by
    how the four spins pair up —

    * (s_i, s_f) ⊗ (s_j, s_f'): [ū₃ P_X u₁][v̄₂ P_Y v₄], the t-channel scalars and the P_L ⊗ P_R
      pieces of the s-channel Z, γ, W (Fierz: (x σ^μ y)(z σ̄_μ w) = 2 (x·w)(z·y));
    * (s_i, s_f') ⊗ (s_j, s_f): the P_L ⊗ P_L and P_R ⊗ P_R pieces of the vector exchanges
      ((x σ̄^μ y)(z σ̄_μ w) = 2 [x z][y w]) and the u-channel of two Majorana states;
    * (s_i, s_j) ⊗ (s_f, s_f'): the h exchange and the q_μ q_ν/M² term of the massive vectors
      (currents contracted with q = p₁ + p₂);

    the coefficients of each chiral product (couplings × propagators, one number per node) are
    summed first, so each product of spinor brackets is formed once per call. The same diagrams,
    signs and propagators as the 4×4 Dirac form it replaces (kept in
    tests/test_darkmatter_amplitude_rewrites.py as the reference, equal to ≤ 1e-12).
    """
    sp = _spinors(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], cos)
    amp = _fermion_pair_core(sector, smc, si, sj, sp, _Finals.of(sector, smc, si, sj, [f], [fp]))
    return np.moveaxis(amp, (0, 1, 2, 3), (-4, -3, -2, -1)) if np.ndim(amp) else amp


class _Finals:
    """Couplings of the final states f f̄' of the rows of a (stacked) kinematic array: each an
    array (rows, 1) (or (rows, 1, n_scalars) for the dark Yukawas) that broadcasts against the
    nodes (rows, n_cos), one row per √s of one flavour; a single final state has rows = 1."""

    def __init__(self, sector, smc, si, sj, fs, fps, which=None):
        a, b = si.index, sj.index
        which = np.zeros(1, int) if which is None else which
        fs, fps = list(fs), list(fps)

        def rows(values):
            return np.asarray(values)[which][:, None]

        def yukawa(side, flavours, index):
            return np.stack([np.asarray(side(x))[index] for x in flavours])[which][:, None, :]

        self.same = all(x == y for x, y in zip(fs, fps, strict=True))
        self.w_partner = all(W_PARTNER.get(x) == y for x, y in zip(fs, fps, strict=True))
        ups = {SM_CHARGE[x] > SM_CHARGE[y] for x, y in zip(fs, fps, strict=True)}
        if self.w_partner and len(ups) != 1:
            raise ValueError("stacked W final states must share one orientation (f up- or down-type)")
        self.f = fs[0]  # the orientation of the s-channel W
        # t-channel (F_i → f, F_j → f') and u-channel (F_j → f, F_i → f') Yukawas
        self.t = (yukawa(sector.l, fs, a), yukawa(sector.r, fs, a), yukawa(sector.l, fps, b),
                  yukawa(sector.r, fps, b))
        self.u = (yukawa(sector.l, fs, b), yukawa(sector.r, fs, b), yukawa(sector.l, fps, a),
                  yukawa(sector.r, fps, a))
        gl_gr = [smc.z_chiral(x) for x in fs]
        self.gl, self.gr = rows([g[0] for g in gl_gr]), rows([g[1] for g in gl_gr])
        self.charge = rows([SM_CHARGE[x] for x in fs])
        self.mass = rows([smc.mass[x] for x in fs])

    @classmethod
    def of(cls, sector, smc, si, sj, fs, fps, which=None):
        return cls(sector, smc, si, sj, fs, fps, which)


def _fermion_pair_core(sector, smc, si, sj, sp, fin: _Finals):
    """The amplitude of :func:`fermion_pair_amplitude` on the spinors ``sp`` of all rows, with
    the final-state couplings ``fin`` of each row, in the layout (s_i, s_j, s_f, s_f', nodes…) of
    :func:`.helicity.soa` (0j when no diagram has all its couplings)."""
    p1, p2, k1, _ = sp["p"]
    u1, vb2, ub3, v4 = (_soa(sp, name) for name in ("u1", "vb2", "ub3", "v4"))
    t = H.dot(p1 - k1, p1 - k1)
    # (s_i, s_f) ⊗ (s_j, s_f') coefficients: t-channel M = −Σ_A [ū₃ Γ_A u₁][v̄₂ Γ̄_A v₄]/(t − M_A²)
    terms = _Terms()
    for key, c in _exchange_coefficients(*fin.t, sector.scalars, t).items():
        terms.add_a(key, -c)
    if fin.same:
        _fermion_s_channel(sector, smc, si, sj, fin, sp, terms)
    elif fin.w_partner and sector.w is not None:
        _fermion_w_channel(sector, smc, si, sj, fin.f, sp, terms)
    amp = terms.assemble(u1, vb2, ub3, v4)
    if si.self_conjugate and sj.self_conjugate:
        # u-channel, F_i and F_j exchanged with Denner's relative minus sign: [ū₃ Γ u₂][v̄₁ Γ̄ v₄]
        uu = H.dot(p2 - k1, p2 - k1)
        m_u = _scalar_exchange(*fin.u, sector.scalars, uu, ub3, _soa(sp, "u2"), _soa(sp, "vb1"), v4)
        if np.ndim(m_u):
            amp = amp + np.swapaxes(m_u, 0, 1)
    return amp


def _soa(sp, name):
    """Spinor ``name`` of ``sp`` in the (spin, component, nodes…) layout, computed once per
    spinor set; the initial-state ones on their one cos θ node (they broadcast over the nodes)."""
    key = ("soa", name)
    if key not in sp:
        one = sp.initial is not None and name in ("u1", "vb2", "u2", "vb1")
        sp[key] = H.soa(sp.initial[name] if one else sp[name])
    return sp[key]


class _Terms:
    """Coefficients (one number per node) of the chiral spinor products of
    :func:`fermion_pair_amplitude`, collected diagram by diagram, then multiplied out once."""

    def __init__(self):
        self.a = {}  # (X, Y): [ū₃ P_X u₁]_(s_f, s_i) [v̄₂ P_Y v₄]_(s_j, s_f')
        self.b = {}  # X: [v̄₂ P_X… ū₃]_ε (s_j, s_f) [u₁ … v₄]_ε (s_i, s_f'), X = L (σ̄σ̄) or R (σσ)
        self.c = []  # (coefficient, (s_i, s_j) bracket, (s_f, s_f') bracket)

    @staticmethod
    def _add(store, key, c):
        store[key] = store[key] + c if key in store else c

    def add_a(self, key, c):
        self._add(self.a, key, c)

    def add_b(self, key, c):
        self._add(self.b, key, c)

    def vector(self, coeff, dark, final, q=None, mass=None, dark_q=None, final_q=None):
        """coeff × J_d^μ (g_μν − q_μ q_ν/M²) J_f^ν with J_d = v̄₂ γ^μ (d_L P_L + d_R P_R) u₁ and
        J_f = ū₃ γ^μ (f_L P_L + f_R P_R) v₄ (the q q term only with ``mass``; ``dark_q``,
        ``final_q``: the two currents contracted with q, from :func:`_currents_with_q`)."""
        (dl, dr), (fl, fr) = dark, final
        # Fierz: P_L⊗P_R and P_R⊗P_L pieces pair (s_i, s_f) with (s_j, s_f'); final couplings may
        # be arrays over stacked rows
        if dl != 0 and np.any(fr):
            self.add_a(("L", "R"), 2 * dl * fr * coeff)
        if dr != 0 and np.any(fl):
            self.add_a(("R", "L"), 2 * dr * fl * coeff)
        if dl != 0 and np.any(fl):
            self.add_b("L", 2 * dl * fl * coeff)
        if dr != 0 and np.any(fr):
            self.add_b("R", 2 * dr * fr * coeff)
        if mass is not None:
            self.c.append((-coeff / mass**2, np.swapaxes(dark_q, 0, 1), final_q))

    def assemble(self, u1, vb2, ub3, v4):
        """Σ of the collected terms as (s_i, s_j, s_f, s_f', …) from spinors in the layout of
        :func:`.helicity.soa`, 0j when there is none."""
        total = 0j
        u1_lo, u1_hi = H.weyl(u1)
        vb2_lo, vb2_hi = H.weyl(vb2)
        ub3_lo, ub3_hi = H.weyl(ub3)
        v4_lo, v4_hi = H.weyl(v4)
        if self.a:
            x = {"L": np.swapaxes(H.bracket_dot(ub3_lo, u1_lo), 0, 1),  # (s_i, s_f)
                 "R": np.swapaxes(H.bracket_dot(ub3_hi, u1_hi), 0, 1)}
            for cy in ("L", "R"):
                xc = 0j
                for cx in ("L", "R"):
                    if (cx, cy) in self.a:
                        xc = xc + self.a[cx, cy] * x[cx]
                if np.ndim(xc):
                    yb = H.bracket_dot(vb2_lo, v4_lo) if cy == "L" else H.bracket_dot(vb2_hi, v4_hi)
                    total = _accumulate(total, _outer(xc, yb))
        for cx, c in self.b.items():
            # L: (v̄₂_hi σ̄ u₁_lo)(ū₃_hi σ̄ v₄_lo) = 2 [v̄₂_hi ū₃_hi][u₁_lo v₄_lo]; R: the lower halves
            if cx == "L":
                q_jf, p_if = H.bracket_eps(vb2_hi, ub3_hi), H.bracket_eps(u1_lo, v4_lo)
            else:
                q_jf, p_if = H.bracket_eps(vb2_lo, ub3_lo), H.bracket_eps(u1_hi, v4_hi)
            total = _accumulate(total, (c * p_if)[:, None, None, :] * q_jf[None, :, :, None])
        for c, x_ij, y_ff in self.c:
            total = _accumulate(total, (c * x_ij)[:, :, None, None] * y_ff[None, None, :, :])
        return total


def _accumulate(total, term):
    """total + term, in place when ``total`` is already an array of the full shape (the terms of
    :meth:`_Terms.assemble` are fresh products: no caller's array is written to)."""
    if np.ndim(total) == 0:
        return term
    if np.shape(term) == total.shape:
        total += term
        return total
    return total + term


def _currents_with_q(sp, q, dark, final):
    """(J_d·q (…, s_j, s_i), J_f·q (…, s_f, s_f')) of :meth:`_Terms.vector` for q = p₁ + p₂ = k₁ + k₂.

    ψ̄ γ^μ P_L χ q_μ = ψ̄_hi (q·σ̄) χ_lo, ψ̄ γ^μ P_R χ q_μ = ψ̄_lo (q·σ) χ_hi; the dark current on one
    cos θ node (the initial spinors and q are the same at all). Not by the Dirac equation
    (ū₃ q̸ v₄ = (m₃ − m₄)…): the spinors of a light final state (√(E − |k|) by subtraction) satisfy
    it only to ~1e-6 relatively, and the t-channel uses the same spinors, so the currents are
    formed from them as they are.
    """
    init = sp.initial if sp.initial is not None else sp
    lo, hi = H.weyl(_soa(sp, "vb2"))
    r_lo, r_hi = H.weyl(_soa(sp, "u1"))
    q1 = init["p"][0] + init["p"][1]
    dark_q = 0j
    if dark[0] != 0:
        dark_q = dark_q + dark[0] * H.bracket_dot(hi, H.sigma_times(q1, r_lo, True))
    if dark[1] != 0:
        dark_q = dark_q + dark[1] * H.bracket_dot(lo, H.sigma_times(q1, r_hi, False))
    (ub_lo, ub_hi), (v_lo, v_hi) = H.weyl(_soa(sp, "ub3")), H.weyl(_soa(sp, "v4"))
    final_q = 0j
    fl, fr = final  # per stacked row
    if np.any(fl):
        final_q = final_q + fl * H.bracket_dot(ub_hi, H.sigma_times(q, v_lo, True))
    if np.any(fr):
        final_q = final_q + fr * H.bracket_dot(ub_lo, H.sigma_times(q, v_hi, False))
    return dark_q, final_q


def _scalar_exchange(l_in, r_in, l_out, r_out, scalars, t, ub3, u_in, vb_out, v4):
    """Σ_A [ū₃ (l_A P_R + r_A P_L) u_in]_(s_f, s) [v̄_out (l'*_A P_L + r'*_A P_R) v₄]_(s', s_f')
    / (t − M_A²) as (…, s, s', s_f, s_f'), 0j when no scalar has both vertices: the sum over
    the scalars A is taken on the four chiral products (P_X ⊗ P_Y) first, so the spinor
    products are formed once, not once per scalar (l, r of L ⊃ f̄ (l P_R + r P_L) F S)."""
    coeffs = _exchange_coefficients(l_in, r_in, l_out, r_out, scalars, t)
    if not coeffs:
        return 0j
    (ub3_lo, ub3_hi), (u_lo, u_hi) = H.weyl(ub3), H.weyl(u_in)
    (vb_lo, vb_hi), (v4_lo, v4_hi) = H.weyl(vb_out), H.weyl(v4)
    x = {"L": np.swapaxes(H.bracket_dot(ub3_lo, u_lo), 0, 1),
         "R": np.swapaxes(H.bracket_dot(ub3_hi, u_hi), 0, 1)}
    total = 0j
    for cy, y in (("L", (vb_lo, v4_lo)), ("R", (vb_hi, v4_hi))):
        xc = 0j
        for cx in ("L", "R"):
            if (cx, cy) in coeffs:
                xc = xc + coeffs[cx, cy] * x[cx]
        if np.ndim(xc):
            total = total + _outer(xc, H.bracket_dot(*y))
    return total


def _exchange_coefficients(l_in, r_in, l_out, r_out, scalars, t):
    """{(X, Y): Σ_A c_A^{XY}/(t − M_A²)} of the chiral products [ū₃ P_X u_in][v̄_out P_Y v₄] of a
    scalar exchange (couplings of L ⊃ f̄ (l P_R + r P_L) F S: ū₃ (l_A P_R + r_A P_L) u_in and
    v̄_out (l'*_A P_L + r'*_A P_R) v₄); empty when no scalar has both vertices."""
    coeff_in = {"R": np.asarray(l_in), "L": np.asarray(r_in)}
    coeff_out = {"L": np.conj(l_out), "R": np.conj(r_out)}
    # couplings (n_scalars,) or, stacked, (rows, 1, n_scalars): a scalar is live if any row has both
    live = [A for A in range(len(scalars))
            if np.any((coeff_in["L"][..., A] != 0) | (coeff_in["R"][..., A] != 0))
            and np.any((coeff_out["L"][..., A] != 0) | (coeff_out["R"][..., A] != 0))]
    if not live:
        return {}
    inv = 1.0 / (t[..., None] - np.array([scalars[A].mass ** 2 for A in live]))  # (…, n_live)
    out = {}
    for cy in ("L", "R"):
        for cx in ("L", "R"):
            c = coeff_in[cx][..., live] * coeff_out[cy][..., live]
            if np.any(c):
                out[cx, cy] = inv @ c if c.ndim == 1 else np.einsum("...k,...k->...", inv, c)
    return out


def _dark_w_couplings(sector, si, sj, up: bool, scalar: bool):
    """Couplings of the dark pair (start si, end sj, canonical orientation) to an outgoing W⁺
    (``up``: f up-type) or W⁻: the W⁻-field term (WCouplings adjoint) or the W⁺-field term."""
    w = sector.w
    a, b = si.index, sj.index
    if scalar:
        c = np.asarray(w.scalar)
        cw = c.conj().T if up else c
        both_real = si.self_conjugate and sj.self_conjugate
        return cw[b, a] - (cw[a, b] if both_real else 0)
    wl, wr = np.asarray(w.left), np.asarray(w.right)
    if up:
        return np.conj(wl[a, b]), np.conj(wr[a, b])
    return wl[b, a], wr[b, a]


def _fermion_w_channel(sector, smc, si, sj, f, sp, terms):
    """s-channel W for F_i F_j → f f̄' into ``terms`` (the Z term of :func:`_fermion_s_channel`
    with the W's coupling (g/√2)γ^μ P_L to the SM pair and the dark W couplings)."""
    up = SM_CHARGE[f] > SM_CHARGE[W_PARTNER[f]]
    wl, wr = _dark_w_couplings(sector, si, sj, up, scalar=False)
    if wl == 0 and wr == 0:
        return
    p1, p2 = sp["p"][0], sp["p"][1]
    q = p1 + p2
    s = H.dot(q, q)
    bw = _breit_wigner(s, smc.m_w, smc.gamma_w if si.mass + sj.mass < smc.m_w else 0.0)
    dark, final = (wl, wr), (1.0, 0.0)
    terms.vector(-smc.g2 / 2 * bw, dark, final, q, smc.m_w,
                 *_currents_with_q(sp, q, dark, final))


def _fermion_s_channel(sector, smc, si, sj, fin: _Finals, sp, terms):
    """Z, γ and h exchange in the s-channel for F_i F_j → f f̄ into ``terms``, with the fermion
    sign (−1 relative to the t-channel); the final couplings of ``fin`` row by row."""
    a, b = si.index, sj.index
    p1, p2 = sp["p"][0], sp["p"][1]
    q = p1 + p2
    s = H.dot(q, q)
    if sector.z is not None:
        zl, zr = np.asarray(sector.z.left)[b, a], np.asarray(sector.z.right)[b, a]
        if zl != 0 or zr != 0:
            dark, final = (zl, zr), (fin.gl, fin.gr)
            terms.vector(-smc.g_z2 * _breit_wigner(s, smc.m_z, smc.gamma_z), dark, final, q, smc.m_z,
                         *_currents_with_q(sp, q, dark, final))
    if not si.self_conjugate and sj.conj and si.index == sj.index and si.charge != 0 and np.any(fin.charge):
        terms.vector(-smc.e2 * si.charge * fin.charge / s, (1.0, 1.0), (1.0, 1.0))
    if sector.higgs is not None and np.any(fin.mass > 0):
        y = np.asarray(sector.higgs.fermion)
        if si.self_conjugate:
            c_l, c_r = y[b, a], np.conj(y[b, a])
        else:
            c_l, c_r = np.conj(y[a, b]), y[b, a]
        if c_l != 0 or c_r != 0:
            (vb_lo, vb_hi), (u_lo, u_hi) = H.weyl(_soa(sp, "vb2")), H.weyl(_soa(sp, "u1"))
            x = c_l * H.bracket_dot(vb_lo, u_lo) + c_r * H.bracket_dot(vb_hi, u_hi)  # (s_j, s_i, …)
            (ub_lo, ub_hi), (v_lo, v_hi) = H.weyl(_soa(sp, "ub3")), H.weyl(_soa(sp, "v4"))
            yf = H.bracket_dot(ub_lo, v_lo) + H.bracket_dot(ub_hi, v_hi)  # (s_f, s_f', …)
            bw = _breit_wigner(s, smc.m_h, smc.gamma_h)
            terms.c.append(((fin.mass / smc.vev) * bw, np.swapaxes(x, 0, 1), yf))


def _outer(x, y):
    """out[a, b, c, d, …] = x[a, c, …] y[b, d, …] (the layout of :func:`.helicity.soa`)."""
    return x[:, None, :, None] * y[None, :, None, :]


def _contract(j_d, j_f):
    """J_d^μ g_μν J_f^ν with j_d (…, s_j, s_i, μ), j_f (…, s_f, s_f', ν) → (…, s_i, s_j, s_f, s_f')."""
    lead = j_d.shape[:-3]
    jd = (j_d * np.array([1.0, -1.0, -1.0, -1.0])).reshape(*lead, 4, 4)  # rows (b, a)
    jf = j_f.reshape(*j_f.shape[:-3], 4, 4)  # rows (c, d)
    out = (jd @ np.swapaxes(jf, -1, -2)).reshape(*lead, 2, 2, 2, 2)  # (b, a, c, d)
    return np.swapaxes(out, -4, -3)


def _scalar_contract_massive(dp, j_f, q, mass):
    """(p₁ − p₂)^μ (g_μν − q_μ q_ν/M²) J_f^ν: a scalar pair's current through a unitary-gauge
    massive vector, j_f (…, s_f, s_f', ν) → (…, s_f, s_f')."""
    return H.dot(j_f, dp[..., None, None, :]) \
        - (H.dot(dp, q))[..., None, None] * H.dot(j_f, q[..., None, None, :]) / mass**2


# ---------------------------------------------------------------------------------------------
# S_i S_j → f f̄'
# ---------------------------------------------------------------------------------------------
def scalar_pair_to_fermions(sector, smc: SMCouplings, si: Species, sj: Species, f: str, fp: str,
                            sqrt_s) -> np.ndarray:
    """W(√s) of S_i(p1) S_j(p2) → f(k1) f̄'(k2); S_i particle-like, S_j anti-like (canonical)."""

    def spin_summed(rs, cos):
        amp = scalar_pair_amplitude(sector, smc, si, sj, f, fp, rs, cos)
        # a scalar 0j: no diagram couples this pair to f f̄' (the amplitude stayed 0j)
        return None if np.ndim(amp) == 0 else H.spin_sum(amp, 2)

    return COLOUR[f] * w_on_nodes(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], spin_summed, 1.0)


def scalar_pair_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos=None):
    """M[s_f, s_f'] on (√s, cos θ nodes) for S_i S_j → f f̄'."""
    sp = _spinors(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], cos)
    p1, p2, k1, _ = sp["p"]
    ub3, v4 = sp["ub3"], sp["v4"]
    A, B = si.index, sj.index
    l_f, r_f = sector.l(f), sector.r(f)
    l_fp, r_fp = sector.l(fp), sector.r(fp)
    both_real = si.self_conjugate and sj.self_conjugate
    amp = 0j
    for a, F in enumerate(sector.fermions):
        for (X, Y, pin) in ((A, B, p1),) + (((B, A, p2),) if both_real else ()):
            gam = l_f[a, X] * H.PR + r_f[a, X] * H.PL
            gbar = np.conj(l_fp[a, Y]) * H.PL + np.conj(r_fp[a, Y]) * H.PR
            if not (np.any(gam) and np.any(gbar)):
                continue
            q = k1 - pin
            prop = H.fermion_propagator(q, F.mass)
            amp = amp - H.sandwich(ub3, gam @ prop @ gbar, v4)
    if f == fp:
        amp = amp + _scalar_s_channel(sector, smc, si, sj, f, p1, p2, ub3, v4)
    elif W_PARTNER.get(f) == fp and sector.w is not None:
        up = SM_CHARGE[f] > SM_CHARGE[fp]
        c_w = _dark_w_couplings(sector, si, sj, up, scalar=True)
        if c_w != 0:
            q = p1 + p2
            num = _scalar_contract_massive(p1 - p2, H.vector_current(ub3, H.PL, v4), q, smc.m_w)
            bw = _breit_wigner(H.dot(q, q), smc.m_w, smc.gamma_w if si.mass + sj.mass < smc.m_w else 0.0)
            amp = amp + smc.g2 / 2 * c_w * num * bw[..., None, None]
    return amp


def _scalar_s_channel(sector, smc, si, sj, f, p1, p2, ub3, v4):
    A, B = si.index, sj.index
    q = p1 + p2
    s = H.dot(q, q)
    dp = p1 - p2
    total = 0j
    if not si.self_conjugate and sj.conj and A == B and si.charge != 0:
        j_v = H.vector_current(ub3, H.ONE, v4)
        total = total + smc.e2 * si.charge * SM_CHARGE[f] * H.dot(j_v, dp[..., None, None, :]) \
            / s[..., None, None]
    if sector.z is not None:
        zs = np.asarray(sector.z.scalar)
        c_z = (zs[B, A] if (si.particle_like and sj.anti_like) else 0) \
            - (zs[A, B] if (sj.particle_like and si.anti_like and si.self_conjugate) else 0)
        if c_z != 0:
            gl, gr = smc.z_chiral(f)
            num = _scalar_contract_massive(dp, H.vector_current(ub3, gl * H.PL + gr * H.PR, v4), q, smc.m_z)
            total = total + smc.g_z2 * c_z * num * _breit_wigner(s, smc.m_z, smc.gamma_z)[..., None, None]
    if sector.higgs is not None and smc.mass[f] > 0:
        c_h = np.asarray(sector.higgs.scalar)[B, A]
        if c_h != 0:
            yf = H.sandwich(ub3, H.ONE, v4)
            bw = _breit_wigner(s, smc.m_h, smc.gamma_h)[..., None, None]
            total = total - c_h * smc.mass[f] / smc.vev * yf * bw
    return total


# ---------------------------------------------------------------------------------------------
# charged pairs → γγ
# ---------------------------------------------------------------------------------------------
def scalar_pair_to_photons(smc: SMCouplings, mass: float, charge: float, sqrt_s) -> np.ndarray:
    """W(√s) of S S̄ → γγ in scalar QED (t, u exchange and the seagull)."""

    def spin_summed(rs, cos):
        return np.sum(H.abs2(scalar_photon_amplitude(smc, mass, charge, rs, cos=cos)), axis=(-2, -1))

    return w_on_nodes(sqrt_s, mass, mass, 0.0, 0.0, spin_summed, 1.0, 0.5)


def scalar_photon_amplitude(smc, mass, charge, sqrt_s, pols=None, cos=None):
    """M[λ1, λ2] = 2e²Q² [ε1·ε2 − (p1·ε1)(p2·ε2)/(p1·k1) − (p1·ε2)(p2·ε1)/(p1·k2)]."""
    p1, p2, k1, k2 = _kinematics(sqrt_s, mass, mass, 0.0, 0.0, cos)
    e1, e2 = pols if pols is not None else (H.polarisations(k1, False), H.polarisations(k2, False))
    d = lambda x, y: x[..., 0] * y[..., 0] - np.sum(x[..., 1:] * y[..., 1:], axis=-1)  # noqa: E731
    ee = d(e1[..., :, None, :], e2[..., None, :, :])
    p1e1 = d(p1[..., None, :], e1)[..., :, None]
    p2e2 = d(p2[..., None, :], e2)[..., None, :]
    p1e2 = d(p1[..., None, :], e2)[..., None, :]
    p2e1 = d(p2[..., None, :], e1)[..., :, None]
    pk1 = H.dot(p1, k1)[..., None, None]
    pk2 = H.dot(p1, k2)[..., None, None]
    return 2 * smc.e2 * charge**2 * (ee - p1e1 * p2e2 / pk1 - p1e2 * p2e1 / pk2)


def fermion_pair_to_photons(smc: SMCouplings, mass: float, charge: float, sqrt_s) -> np.ndarray:
    """W(√s) of F F̄ → γγ in spinor QED (t and u exchange)."""

    def spin_summed(rs, cos):
        amp = fermion_photon_amplitude(smc, mass, charge, rs, cos)
        return H.spin_sum(amp, 4)

    return w_on_nodes(sqrt_s, mass, mass, 0.0, 0.0, spin_summed, 0.25, 0.5)


def fermion_photon_amplitude(smc, mass, charge, sqrt_s, cos=None):
    """M[s1, s2, λ1, λ2] = e²Q² v̄(p2)[ε̸2 (p̸1 − k̸1 + m) ε̸1/(t − m²) + ε̸1 (p̸1 − k̸2 + m) ε̸2/(u − m²)]u(p1)."""
    p1, p2, k1, k2 = _kinematics(sqrt_s, mass, mass, 0.0, 0.0, cos)
    u1, vb2 = H.u_spinors(p1), H.bar(H.v_spinors(p2))
    e1 = H.slash(H.polarisations(k1, False))  # (…, λ, 4, 4)
    e2 = H.slash(H.polarisations(k2, False))
    prop_t, prop_u = H.fermion_propagator(p1 - k1, mass), H.fermion_propagator(p1 - k2, mass)
    chain = (np.einsum("...jab,...bc,...icd->...ijad", e2, prop_t, e1)
             + np.einsum("...iab,...bc,...jcd->...ijad", e1, prop_u, e2))
    return smc.e2 * charge**2 * np.einsum("...sa,...ijab,...rb->...rsij", vb2, chain, u1)
