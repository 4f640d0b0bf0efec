"""Dark pairs into two bosons (W⁺W⁻, ZZ, Zγ, γγ, Zh, hh and, for charged pairs, W±Z, W±γ, W±h,
W±W±), tree level, exact in s, from explicit polarisation vectors and spinors.

Conventions (those of bridge.engine and :mod:`.annihilation`): D_μ = ∂_μ + ieQA_μ +
i(g/c_W)(T3 − s_W²Q)Z_μ + i(g/√2)(T⁺W⁺_μ + T⁻W⁻_μ). The Feynman rules follow from it with
"iM = product of vertices and propagators" (Romão & Silva, "A resource for signs and Feynman
diagrams of the Standard Model", arXiv:1209.6213, give them for every sign convention; the
ones used here are re-derived from D_μ in the docstrings of each helper and checked numerically
by the photon Ward identity and the cancellation of the E²/m_W² growth of longitudinal W
amplitudes in tests/test_darkmatter_bosons.py):

* dark fermions, flow x → y emitting an outgoing boson X: −i g_X ε̸*(L^X[y,x] P_L + R^X[y,x] P_R)
  with (g_X, L, R) = (g/c_W, z_L, z_R) for Z, (e, Q, Q) for γ, (g/√2, w_L, w_R) for W⁻ (the
  W⁺-field term of bridge.engine.WCouplings), (g/√2, w_L†, w_R†) for W⁺; h: −i(A P_L + B P_R)
  with A[y,x] = Y*[x,y], B = Y[y,x] (Dirac) or A = Y, B = Y* (Majorana);
* fermion flow against a Dirac fermion's number (Denner, Eck, Hahn, Küblbeck, Nucl. Phys. B387
  (1992) 467): the vertex of the reversed term, Γ' = CΓᵀC⁻¹, i.e. (L, R) → (−R[x,y], −L[x,y])
  for vectors and (A, B)[x,y] for scalars; one fermion chain v̄(p₂) … u(p₁) for every diagram,
  so t- and u-channel exchanges need no relative sign;
* dark scalars, x in → y out: −i g_X [c[y,x] θ₊ − c[x,y] θ₋](p_x + p_y)^μ, with θ₊ = 1 if both
  states are particles or real, θ₋ = 1 if both are antiparticles or real (c = ZCouplings.scalar,
  diag Q, WCouplings.scalar, its adjoint for W⁺: for a real pair this is the
  (c[y,x] − c[x,y]) reading of bridge.engine's real-scalar current); h: −i(Y[y,x]θ₊ + Y[x,y]θ₋)
  with Y = HiggsCouplings.scalar (½ of it for real states, whose Lagrangian carries ½);
  seagulls from |D_μφ|² in the mass basis (products of the coupling matrices, complete
  because the mass states span all components): + i g_X g_Y K g^{μν};
  hh S S contact −i Y₂ with Y₂ = HiggsCouplings.scalar2 (∂²M²/∂v², zero when absent);
* gauge self-couplings: incoming W⁺(μ, k₊), W⁻(ν, k₋), N(ρ, q), N = Z (g c_W) or γ (e):
  i g_N [g^{μν}(k₊ − k₋)^ρ + g^{νρ}(k₋ − q)^μ + g^{ρμ}(q − k₊)^ν] (the Yang–Mills vertex
  −g ε^{abc}[…] of F^a = ∂W^a − ∂W^a − g ε^{abc}W^bW^c, with W^{1,2} = (W⁺ + W⁻)/√2,
  i(W⁺ − W⁻)/√2); hW⁺W⁻: i g m_W g^{μν}, hZZ: i g m_Z/c_W g^{μν}, hhh: −3i m_h²/v;
* propagators: fermion i(q̸ + m)/(q² − m²), scalar i/(q² − m²), massive vector
  −i(g − qq/M²)/(q² − M² + iMΓ) (unitary gauge), photon −ig/q².

Scheme: gauge cancellations need tree-level relations between the couplings, so the module
takes m_W, m_Z and G_F and sets c_W = m_W/m_Z, g = 2m_W/v, e = g s_W, g_Z = g/c_W; the dark Z
couplings, computed by the assembly with the MS-bar s_W², are shifted to this s_W² (their
−s_W²Q part is diagonal in the mass basis, so the shift is exact).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bridge.darkmatter import constants as C
from bridge.darkmatter import helicity as H
from bridge.darkmatter.annihilation import _breit_wigner, _kinematics, initial_spinors, w_on_nodes
from bridge.darkmatter.helicity import dot as _dot

CHARGE = {"W+": 1, "W-": -1, "Z": 0, "a": 0, "h": 0}
VECTOR = ("W+", "W-", "Z", "a")
#: Final states by total charge of the pair.
FINAL_STATES = {0: (("W+", "W-"), ("Z", "Z"), ("Z", "a"), ("a", "a"), ("Z", "h"), ("h", "h")),
                1: (("W+", "Z"), ("W+", "a"), ("W+", "h")), -1: (("W-", "Z"), ("W-", "a"), ("W-", "h")),
                2: (("W+", "W+"),), -2: (("W-", "W-"),)}


@dataclass
class Gauge:
    """On-shell tree-level electroweak inputs of the boson channels."""

    m_w: float
    m_z: float
    m_h: float
    vev: float
    s2w: float
    g: float
    e: float
    gz: float
    gamma_z: float
    gamma_h: float

    @classmethod
    def from_sm(cls, sm) -> Gauge:
        cw = sm.m_W / sm.m_Z
        g = 2 * sm.m_W / sm.vev
        return cls(sm.m_W, sm.m_Z, C.M_HIGGS, sm.vev, 1 - cw * cw, g, g * math.sqrt(1 - cw * cw), g / cw,
                   C.GAMMA_Z, C.GAMMA_HIGGS_SM)

    def mass(self, b: str) -> float:
        return {"W+": self.m_w, "W-": self.m_w, "Z": self.m_z, "a": 0.0, "h": self.m_h}[b]


class Couplings:
    """The dark sector's boson couplings in the form the rules above use (one point)."""

    def __init__(self, sector, gauge: Gauge, ms_bar_s2w: float):
        nf, ns = len(sector.fermions), len(sector.scalars)
        self.maj = np.array([F.majorana for F in sector.fermions], bool)
        self.real = np.array([S.real for S in sector.scalars], bool)
        self.qf = np.array([F.charge for F in sector.fermions], float)
        self.qs = np.array([S.charge for S in sector.scalars], float)
        self.mf = np.array([float(F.mass) for F in sector.fermions])
        self.ms = np.array([float(S.mass) for S in sector.scalars])
        shift = ms_bar_s2w - gauge.s2w  # T3 − s²Q: move to the on-shell s²
        zero_f, zero_s = np.zeros((nf, nf), complex), np.zeros((ns, ns), complex)
        z = sector.z
        if z is not None:
            zl = np.asarray(z.left, complex) + shift * np.diag(self.qf)
            zr = np.asarray(z.right, complex) + shift * np.diag(self.qf)
            zs = np.asarray(z.scalar, complex) + shift * np.diag(self.qs)
        else:
            zl, zr, zs = zero_f, zero_f, zero_s
        w = sector.w
        wl = np.asarray(w.left, complex) if w is not None else zero_f
        wr = np.asarray(w.right, complex) if w is not None else zero_f
        ws = np.asarray(w.scalar, complex) if w is not None else zero_s
        self.gauge = gauge
        g = gauge
        # fermion vector vertices: X -> (g_X, L[y,x], R[y,x])
        qf = np.diag(self.qf).astype(complex)
        self.fv = {"Z": (g.gz, zl, zr), "a": (g.e, qf, qf),
                   "W-": (g.g / math.sqrt(2), wl, wr), "W+": (g.g / math.sqrt(2), wl.conj().T, wr.conj().T)}
        y = np.asarray(sector.higgs.fermion, complex) if sector.higgs is not None else zero_f
        both_maj = self.maj[:, None] & self.maj[None, :]
        self.fh = (np.where(both_maj, y, y.conj().T), np.where(both_maj, y.conj(), y))  # (A, B)[y, x]
        # scalar vertices
        self.sv = {"Z": (g.gz, zs), "a": (g.e, np.diag(self.qs).astype(complex)),
                   "W-": (g.g / math.sqrt(2), ws), "W+": (g.g / math.sqrt(2), ws.conj().T)}
        half = np.where(self.real[:, None] & self.real[None, :], 0.5, 1.0)
        hs = np.asarray(sector.higgs.scalar, complex) if sector.higgs is not None else zero_s
        self.sh = hs * half
        hs2 = getattr(sector.higgs, "scalar2", None) if sector.higgs is not None else None
        self.sh2 = (np.asarray(hs2, complex) * half) if hs2 is not None else zero_s
        # seagull matrices K^{XY} (L ⊃ g_X g_Y X·Y S† K S, outgoing X, Y; identical bosons × 2)
        cz, ca = zs, np.diag(self.qs).astype(complex)
        wm, wp = ws, ws.conj().T  # field W⁺ (outgoing W⁻), field W⁻ (outgoing W⁺)
        gw = g.g / math.sqrt(2)
        self.seagull = {
            ("Z", "Z"): 2 * g.gz**2 * cz @ cz,
            ("a", "a"): 2 * g.e**2 * ca @ ca,
            ("Z", "a"): g.gz * g.e * (cz @ ca + ca @ cz),
            ("W+", "W-"): gw**2 * (wm @ wp + wp @ wm),
            ("W+", "Z"): gw * g.gz * (cz @ wp + wp @ cz),
            ("W-", "Z"): gw * g.gz * (cz @ wm + wm @ cz),
            ("W+", "a"): gw * g.e * (ca @ wp + wp @ ca),
            ("W-", "a"): gw * g.e * (ca @ wm + wm @ ca),
            ("W+", "W+"): 2 * gw**2 * wp @ wp,
            ("W-", "W-"): 2 * gw**2 * wm @ wm,
        }


# ---------------------------------------------------------------------------------------------
# vertices of the dark lines
# ---------------------------------------------------------------------------------------------
def _orientation(maj_or_real_x: bool, ox: int, maj_or_real_y: bool, oy: int) -> int:
    """+1: read the term as written (flow along every Dirac/complex line), −1: reversed, 0: no
    vertex (a Dirac line with and one against its number)."""
    signs = {o for s, o in ((maj_or_real_x, ox), (maj_or_real_y, oy)) if not s}
    if len(signs) > 1:
        return 0
    return signs.pop() if signs else 1


def fermion_vertex(cp: Couplings, boson: str, y, x, eps=None):
    """4×4 Dirac matrix (…) of the vertex, fermion flow x → y emitting ``boson``; x, y are
    (index, orientation). ``eps`` (…, 4, 4): the boson's slashed polarisation ε̸* (vectors)."""
    c = fermion_couplings(cp, boson, y, x)
    if c is None:
        return None
    if boson == "h":
        return -1j * (c[0] * H.PL + c[1] * H.PR)
    return -1j * cp.fv[boson][0] * eps @ (c[0] * H.PL + c[1] * H.PR)


def fermion_couplings(cp: Couplings, boson: str, y, x):
    """(P_L, P_R) coefficients of the vertex x → y emitting ``boson`` (without −i g_X), read in
    the orientation of the line (module docstring), or None where there is no vertex."""
    (ix, ox), (iy, oy) = x, y
    o = _orientation(cp.maj[ix], ox, cp.maj[iy], oy)
    if o == 0:
        return None
    if boson == "h":
        A, B = cp.fh
        a, b = (A[iy, ix], B[iy, ix]) if o > 0 else (A[ix, iy], B[ix, iy])
        return None if a == 0 and b == 0 else (a, b)
    _, L, R = cp.fv[boson]
    lv, rv = (L[iy, ix], R[iy, ix]) if o > 0 else (-R[ix, iy], -L[ix, iy])
    return None if lv == 0 and rv == 0 else (lv, rv)


def _scalar_flow(cp: Couplings, y, x) -> tuple[bool, bool]:
    """(θ₊, θ₋) of the scalar rules in the module docstring for the line x → y."""
    (ix, ox), (iy, oy) = x, y
    rx, ry = cp.real[ix], cp.real[iy]
    return (ry or oy > 0) and (rx or ox > 0), (rx or ox < 0) and (ry or oy < 0)


def scalar_vertex(cp: Couplings, boson: str, y, x, p_sum=None):
    """Number (…) of the vertex x → y (states (index, orientation)) emitting ``boson``;
    ``p_sum`` = (p_x + p_y)·ε* for vectors."""
    (ix, _), (iy, _) = x, y
    plus, minus = _scalar_flow(cp, y, x)
    if boson == "h":
        c = (cp.sh[iy, ix] if plus else 0) + (cp.sh[ix, iy] if minus else 0)
        return None if c == 0 else -1j * c
    gx, m = cp.sv[boson]
    c = (m[iy, ix] if plus else 0) - (m[ix, iy] if minus else 0)
    return None if c == 0 else -1j * gx * c * p_sum


def _sym_matrix_vertex(cp: Couplings, m: np.ndarray, y, x):
    """Contact vertex S_x → S_y with a symmetric coupling matrix m (seagulls, hh S S)."""
    (ix, _), (iy, _) = x, y
    plus, minus = _scalar_flow(cp, y, x)
    return (m[iy, ix] if plus else 0) + (m[ix, iy] if minus else 0)


def _states(self_conjugate: np.ndarray):
    """Internal line states (index, orientation): both orientations for Dirac/complex lines."""
    out = []
    for k, sc in enumerate(self_conjugate):
        out += [(k, 1)] if sc else [(k, 1), (k, -1)]
    return out


def _state_charge(q: np.ndarray, state) -> float:
    return state[1] * q[state[0]]


# ---------------------------------------------------------------------------------------------
# boson self-couplings
# ---------------------------------------------------------------------------------------------
def triple(gauge: Gauge, neutral: str, legs):
    """i g_N [g^{μν}(k₊ − k₋)^ρ + g^{νρ}(k₋ − q)^μ + g^{ρμ}(q − k₊)^ν] contracted with the legs
    (W⁺_in, W⁻_in, N_in), each (polarisation or None for the open index, incoming momentum);
    returns the open index as an upper-index 4-vector (…, 4)."""
    g_n = gauge.gz * (gauge.m_w / gauge.m_z) ** 2 if neutral == "Z" else gauge.e  # g c_W = g_Z c_W²
    (e1, k1), (e2, k2), (e3, k3) = legs
    terms = []
    # g^{12} (k1 − k2)^3 + g^{23} (k2 − k3)^1 + g^{31} (k3 − k1)^2
    for (ea, eb, ec, diff) in ((e1, e2, e3, k1 - k2), (e2, e3, e1, k2 - k3), (e3, e1, e2, k3 - k1)):
        if ec is None:  # open index on the momentum difference
            terms.append(_dot(ea, eb)[..., None] * diff)
        elif ea is None:
            terms.append(eb * _dot(diff, ec)[..., None])
        else:
            terms.append(ea * _dot(diff, ec)[..., None])
    return 1j * g_n * sum(terms)


def _propagator_vector(gauge: Gauge, boson: str, q, current, width: bool):
    """Propagator −i(g − qq/M²)/(q² − M² + iMΓ) applied to an upper-index current J^ν:
    returns −i (J^μ − q^μ (q·J)/M²)/(q² − M² + iMΓ) (…, 4)."""
    s = _dot(q, q)
    if boson == "a":
        return -1j * current / s[..., None]
    m = gauge.m_z if boson == "Z" else gauge.m_w
    gam = (gauge.gamma_z if boson == "Z" else C.GAMMA_W) if width else 0.0
    num = current - q * (_dot(q, current) / m**2)[..., None]
    return -1j * num * _breit_wigner(s, m, gam)[..., None]


def _h_final(gauge: Gauge, X: str, Y: str, e1, e2):
    """Vertex h* → X Y (None where there is none)."""
    if {X, Y} == {"W+", "W-"}:
        return 1j * gauge.g * gauge.m_w * _dot(e1, e2)
    if X == Y == "Z":
        return 1j * gauge.gz * gauge.m_z * _dot(e1, e2)
    if X == Y == "h":
        return -3j * gauge.m_h**2 / gauge.vev
    return None


def _vector_final(gauge: Gauge, V: str, X: str, Y: str, k1, k2, e1, e2):
    """The vertex V* → X(k1, ε1) Y(k2, ε2) with V*'s Lorentz index open (…, 4), or None."""
    q = k1 + k2
    pair = (X, Y)
    if V in ("Z", "a") and set(pair) == {"W+", "W-"}:
        # outgoing W⁺ = incoming W⁻ (−k), outgoing W⁻ = incoming W⁺ (−k)
        (ep, kp), (em, km) = ((e1, k1), (e2, k2)) if X == "W+" else ((e2, k2), (e1, k1))
        return triple(gauge, V, ((em, -km), (ep, -kp), (None, q)))
    if V in ("W+", "W-") and "h" not in pair:
        w = next(b for b in pair if b == V)
        n = next(b for b in pair if b != V) if pair.count(V) == 1 else None
        if n not in ("Z", "a"):
            return None
        (ew, kw), (en, kn) = ((e1, k1), (e2, k2)) if X == w else ((e2, k2), (e1, k1))
        if V == "W+":  # incoming W⁺ (q), outgoing W⁺ = incoming W⁻ (−k_w)
            return triple(gauge, n, ((None, q), (ew, -kw), (en, -kn)))
        return triple(gauge, n, ((ew, -kw), (None, q), (en, -kn)))
    if "h" in pair and pair.count("h") == 1:
        v = next(b for b in pair if b != "h")
        ev = e1 if X == v else e2
        if v == V == "Z":
            return 1j * gauge.gz * gauge.m_z * ev
        if v == V and v in ("W+", "W-"):
            return 1j * gauge.g * gauge.m_w * ev
    return None


# ---------------------------------------------------------------------------------------------
# amplitudes
# ---------------------------------------------------------------------------------------------
def _polarisations(b: str, k):
    if b == "h":
        return np.zeros((*k.shape[:-1], 1, 4))
    return H.polarisations(k, massive=b != "a")


def _s_channel_vectors(X: str, Y: str) -> tuple[str, ...]:
    """The vectors that can be exchanged in the s-channel into X Y (by the pair's charge)."""
    return {0: ("Z", "a"), 1: ("W+",), -1: ("W-",)}.get(CHARGE[X] + CHARGE[Y], ())


def _h_propagator(gauge: Gauge, s, threshold: float):
    """i/(s − m_h² + i m_h Γ_h), the width only where the initial pair can sit on the pole."""
    return 1j * _breit_wigner(s, gauge.m_h, gauge.gamma_h if threshold < gauge.m_h else 0.0)


def _external(gauge: Gauge, m1, m2, X: str, Y: str, sqrt_s, cos):
    """CM momenta p₁, p₂, k₁, k₂ and the polarisations of X and Y (:func:`_polarisations`)."""
    p1, p2, k1, k2 = _kinematics(sqrt_s, m1, m2, gauge.mass(X), gauge.mass(Y), cos)
    return p1, p2, k1, k2, _polarisations(X, k1), _polarisations(Y, k2)


def fermion_pair_amplitude(cp: Couplings, start, end, X: str, Y: str, sqrt_s, cos=None):
    """iM[λ_X, λ_Y, s₂, s₁] on (√s, cos θ) for F(start) F(end) → X Y: start = (index,
    orientation) of the particle at p₁ (u spinor), end = that of the line leaving through
    v̄(p₂) (orientation +1 when the incoming state at p₂ is the field's antiparticle or a
    Majorana fermion)."""
    g = cp.gauge
    p1, p2, k1, k2, e1, e2 = _external(g, cp.mf[start[0]], cp.mf[end[0]], X, Y, sqrt_s, cos)
    E1, E2 = e1[..., :, None, :], e2[..., None, :, :]  # (…, λ1, λ2, 4)
    shape = (*p1.shape[:-1], e1.shape[-2], e2.shape[-2], 4, 4)
    total = np.zeros(shape, complex)
    ex = lambda a: a[..., None, None, :]  # noqa: E731  momentum (…, 4) → (…, 1, 1, 4)
    mat = lambda a: a[..., None, None, :, :]  # noqa: E731
    S1 = H.slash(E1) if X != "h" else None
    S2 = H.slash(E2) if Y != "h" else None
    props = {}
    for k in _states(cp.maj):
        mk = cp.mf[k[0]]
        for order, (first, eps_a, eps_b, kb_first) in enumerate(((X, S1, S2, k1), (Y, S2, S1, k2))):
            second = Y if first == X else X
            v1 = fermion_vertex(cp, first, k, start, eps_a)
            if v1 is None:
                continue
            v2 = fermion_vertex(cp, second, end, k, eps_b)
            if v2 is None:
                continue
            key = (k[0], order)
            if key not in props:  # the same line for both orientations of a Dirac state
                q = p1 - kb_first
                props[key] = mat(1j * H.fermion_propagator(q, mk))
            total = total + v2 @ props[key] @ v1
    # s-channel h
    q = p1 + p2
    s = H.dot(q, q)
    th = cp.mf[start[0]] + cp.mf[end[0]]
    vh = fermion_vertex(cp, "h", end, start)
    fin = _h_final(g, X, Y, E1, E2)
    if vh is not None and fin is not None:
        d = _h_propagator(g, s, th)
        total = total + mat(vh) * (d[..., None, None] * fin)[..., None, None]
    # s-channel vectors
    for V in _s_channel_vectors(X, Y):
        fin = _vector_final(g, V, X, Y, ex(k1), ex(k2), E1, E2)
        if fin is None:
            continue
        prop = _propagator_vector(g, V, ex(q), fin, th < g.mass(V))  # (…, λ1, λ2, 4), upper
        gx, L, R = cp.fv[V]
        (ix, ox), (iy, oy) = start, end
        o = _orientation(cp.maj[ix], ox, cp.maj[iy], oy)
        if o == 0:
            continue
        lv, rv = (L[iy, ix], R[iy, ix]) if o > 0 else (-R[ix, iy], -L[ix, iy])
        if lv == 0 and rv == 0:
            continue
        vertex = -1j * gx * H.slash(prop) @ (lv * H.PL + rv * H.PR)
        total = total + vertex
    return total, (p1, p2)


def _sandwich_fermions(total, momenta):
    """v̄(p₂) Γ u(p₁) for the Dirac matrices of :func:`fermion_pair_amplitude` and the initial
    momenta (p₁, p₂) it returns with them."""
    p1, p2 = momenta
    u1 = initial_spinors(H.u_spinors, p1)[..., None, None, :, :]
    vb2 = initial_spinors(lambda p: H.bar(H.v_spinors(p)), p2)[..., None, None, :, :]
    return (vb2 @ total) @ np.swapaxes(u1, -1, -2)  # (…, λ1, λ2, s2, s1)


def _sigma_entries(q):
    """Entries (a, b, c, d) of q·σ̄ = q_μ σ̄^μ = q⁰ + q⃗·σ⃗ = [[a, b], [c, d]] for upper-index
    components q (4, …); q·σ = q⁰ − q⃗·σ⃗ = [[d, −b], [−c, a]]. Computed once per momentum or
    polarisation and applied to several spinors."""
    return q[0] + q[3], q[1] - 1j * q[2], q[1] + 1j * q[2], q[0] - q[3]


def _sigma_apply(entries, y, barred: bool, row: bool = False):
    """(q·σ̄) y (``barred``) or (q·σ) y for 2-spinors y (s, 2, …) and the :func:`_sigma_entries`
    of q; ``row``: the row spinor times the matrix, y M = Mᵀ y (b and c swapped)."""
    a, b, c, d = entries
    if not barred:
        a, b, c, d = d, -b, -c, a
    if row:
        b, c = c, b
    y0, y1 = y[:, 0], y[:, 1]
    top = a * y0 + b * y1
    out = np.empty((top.shape[0], 2, *top.shape[1:]), complex)
    out[:, 0] = top
    out[:, 1] = c * y0 + d * y1
    return out


def _sigma_product(q, y, barred: bool, row: bool = False):
    """(q·σ̄) y or (q·σ) y (:func:`_sigma_apply`) for upper-index components q (4, …)."""
    return _sigma_apply(_sigma_entries(q), y, barred, row)


def _pair_bracket(left, right):
    """Σ_c left[s₂, c, λ_b, …] right[s₁, c, λ_a, …] → (s₂, λ_b, s₁, λ_a, …)."""
    return (left[:, 0, :, None, None] * right[None, None, :, 0]
            + left[:, 1, :, None, None] * right[None, None, :, 1])


_UNIT_COMPONENTS = np.eye(4).reshape(4, 4, 1, 1)  # [component, μ]: the basis vectors e_μ


def _initial_currents(x_lo, x_hi, u_lo, u_hi):
    """(J_L, J_R) with v̄₂ P̸ P_L u₁ = Σ_μ P^μ J_L[…, μ, …] for upper components P^μ (so J_μ =
    v̄₂ γ_μ P u₁, lower index): x_hi (e_μ·σ̄) u_lo and x_lo (e_μ·σ) u_hi, each (s₂, s₁, μ, n_s, 1)
    from the initial spinors on one cos θ node."""
    left = H.bracket_dot(x_hi[:, :, None], _sigma_product(_UNIT_COMPONENTS, u_lo[:, :, None], True))
    right = H.bracket_dot(x_lo[:, :, None], _sigma_product(_UNIT_COMPONENTS, u_hi[:, :, None], False))
    return left, right


def fermion_pair_helicities(cp: Couplings, start, end, X: str, Y: str, sqrt_s, cos=None):
    """iM[s₂, λ_Y, s₁, λ_X, √s, cos θ] = v̄(p₂) Γ u(p₁) of :func:`fermion_pair_amplitude` in
    two-component (Weyl) blocks with the nodes last (the layout of :func:`.helicity.soa`).

    The same diagrams, rules and sums as the Dirac chain; in the chiral basis (Peskin &
    Schroeder Eq. (3.25); Dreiner, Haber, Martin, arXiv:0812.1594, Sec. 3.1) ε̸ =
    [[0, ε·σ], [ε·σ̄, 0]], q̸ + m = [[m, q·σ], [q·σ̄, m]], P_L = diag(1, 0), so for the
    t/u-channel chain v̄₂ ε̸_b P_b (q̸ + m) ε̸_a P_a u₁ with v̄₂ = (x_lo, x_hi), u₁ = (u_lo, u_hi):

        ε̸_a P_L u₁ = (0, (ε_a·σ̄) u_lo),   ε̸_a P_R u₁ = ((ε_a·σ) u_hi, 0),
        v̄₂ ε̸_b P_L = (x_hi (ε_b·σ̄), 0),   v̄₂ ε̸_b P_R = (0, x_lo (ε_b·σ)),
        (l_lo, l_hi)(q̸ + m)(r_lo, r_hi) = m (l_lo·r_lo + l_hi·r_hi) + l_lo (q·σ) r_hi + l_hi (q·σ̄) r_lo

    (a Higgs leg: P u₁ and v̄₂ P directly). All states exchanged between the legs in one order
    carry the same q = p₁ − k: their c/(q² − m²) are summed on the nodes first, so each order
    costs one (q̸ + m) on the right pieces and one bracket with the left pieces.
    """
    g = cp.gauge
    p1, p2, k1, k2, e1, e2 = _external(g, cp.mf[start[0]], cp.mf[end[0]], X, Y, sqrt_s, cos)
    # p₁, p₂ are the same at every cos θ node: spinors on one node, (2, 4, n_s, 1)
    u1 = H.soa(H.u_spinors(p1[..., :1, :]))
    vb2 = H.soa(H.bar(H.v_spinors(p2[..., :1, :])))
    (x_lo, x_hi), (u_lo, u_hi) = H.weyl(vb2), H.weyl(u1)
    n1, n2 = e1.shape[-2], e2.shape[-2]
    nodes = p1.shape[:-1]
    legs = (X, Y)
    # per leg: right pieces (ε̸ P u₁ or P u₁) and left pieces (v̄₂ ε̸ P or v̄₂ P) by half,
    # each (spin, 2, λ, nodes…) with the index (0: P_L, 1: P_R) of the coupling multiplying it
    right, left = [], []
    for b, e in zip(legs, (e1, e2), strict=True):
        if b == "h":
            right.append({"lo": (0, u_lo[:, :, None]), "hi": (1, u_hi[:, :, None])})
            left.append({"lo": (0, x_lo[:, :, None]), "hi": (1, x_hi[:, :, None])})
        else:
            es = _sigma_entries(np.ascontiguousarray(e.transpose(3, 2, 0, 1)))  # of (4, λ, n_s, n_c)
            right.append({"lo": (1, _sigma_apply(es, u_hi[:, :, None], False)),
                          "hi": (0, _sigma_apply(es, u_lo[:, :, None], True))})
            left.append({"lo": (0, _sigma_apply(es, x_hi[:, :, None], True, row=True)),
                         "hi": (1, _sigma_apply(es, x_lo[:, :, None], False, row=True))})
    total = np.zeros((2, n2, 2, n1, *nodes), complex)  # (s₂, λ_Y, s₁, λ_X, nodes)
    # coefficient sums per (exchanged mass, order): [lo·lo, hi·hi, lo (q·σ) hi, hi (q·σ̄) lo]
    sums = {}
    for k in _states(cp.maj):
        for order, first in enumerate(legs):
            second = legs[1 - order]
            c1 = fermion_couplings(cp, first, k, start)
            if c1 is None:
                continue
            c2 = fermion_couplings(cp, second, end, k)
            if c2 is None:
                continue
            gx = (1.0 if first == "h" else cp.fv[first][0]) * (1.0 if second == "h" else cp.fv[second][0])
            lf, rt = left[1 - order], right[order]
            halves = (("lo", "lo"), ("hi", "hi"), ("lo", "hi"), ("hi", "lo"))
            c = [c2[lf[a][0]] * c1[rt[b][0]] for a, b in halves]
            key = (k[0], order)
            # (−i g_a)(−i g_b) i = −i g_a g_b: the two vertices and the propagator's i
            c = [-1j * gx * x for x in c]
            if key in sums:  # the same line for both orientations of a Dirac state
                sums[key] = [a + b for a, b in zip(sums[key], c, strict=True)]
            else:
                sums[key] = c
    # every exchanged state of one leg order carries the same momentum q = p₁ − k: the weights
    # c/(q² − m²) of the four half-pairings summed over the states first, (q̸ + m) applied to
    # the right pieces once, and one bracket with the left pieces per order
    by_order = {}
    for (k, order), c in sums.items():
        by_order.setdefault(order, []).append((cp.mf[k], c))
    for order, lines in by_order.items():
        lf, rt = left[1 - order], right[order]
        exchanged = p1 - (k1 if order == 0 else k2)
        q2 = H.dot(exchanged, exchanged)
        w = [0.0, 0.0, 0.0, 0.0]
        for mk, c in lines:
            d = 1.0 / (q2 - mk * mk)
            w = [w[0] + mk * c[0] * d, w[1] + mk * c[1] * d, w[2] + c[2] * d, w[3] + c[3] * d]
        qs = _sigma_entries(np.ascontiguousarray(np.moveaxis(exchanged, -1, 0)))  # of (4, nodes)
        r_lo, r_hi = rt["lo"][1], rt["hi"][1]
        p_lo = w[2] * _sigma_apply(qs, r_hi, False) + w[0] * r_lo  # lower half of (q̸ + m) r
        p_hi = w[3] * _sigma_apply(qs, r_lo, True) + w[1] * r_hi
        term = _pair_bracket(lf["lo"][1], p_lo) + _pair_bracket(lf["hi"][1], p_hi)
        # order 0: (s₂, λ_Y, s₁, λ_X); order 1: (s₂, λ_X, s₁, λ_Y)
        total = total + (term if order == 0 else np.swapaxes(term, 1, 3))
    q = p1 + p2
    s = H.dot(q, q)
    th = cp.mf[start[0]] + cp.mf[end[0]]
    E1, E2 = e1[..., :, None, :], e2[..., None, :, :]
    ch = fermion_couplings(cp, "h", end, start)
    fin = _h_final(g, X, Y, E1, E2)
    if ch is not None and fin is not None:
        x = -1j * (ch[0] * H.bracket_dot(x_lo, u_lo) + ch[1] * H.bracket_dot(x_hi, u_hi))  # (s₂, s₁, n_s, 1)
        d = _h_propagator(g, s, th)
        f = np.broadcast_to(d[..., None, None] * fin, (*nodes, n1, n2))
        f = np.moveaxis(f, (-1, -2), (0, 1))  # (λ_Y, λ_X, nodes)
        total = total + x[:, None, :, None] * f[None, :, None, :]
    ex = lambda a: a[..., None, None, :]  # noqa: E731
    currents = None
    for V in _s_channel_vectors(X, Y):
        fin = _vector_final(g, V, X, Y, ex(k1), ex(k2), E1, E2)
        if fin is None:
            continue
        cv = fermion_couplings(cp, V, end, start)
        if cv is None:
            continue
        prop = _propagator_vector(g, V, ex(q), fin, th < g.mass(V))  # (nodes, λ_X, λ_Y, 4), upper
        pq = np.moveaxis(prop, (-1, -2, -3), (0, 1, 2))  # (4, λ_Y, λ_X, nodes)
        if currents is None:
            currents = _initial_currents(x_lo, x_hi, u_lo, u_hi)
        # v̄₂ P̸ (L P_L + R P_R) u₁ = Σ_μ P^μ J_μ with J_μ the coefficients of the upper components
        j = cv[0] * currents[0] + cv[1] * currents[1]  # (s₂, s₁, μ, n_s, 1)
        amp = sum(j[:, None, :, None, mu] * pq[mu][None, :, None, :] for mu in range(4))
        total = total + (-1j * cp.fv[V][0]) * amp
    return total


def has_amplitude(cp: Couplings, start, end, X: str, Y: str, fermions: bool) -> bool:
    """Whether any diagram of :func:`fermion_pair_amplitude` (``fermions``) or
    :func:`scalar_pair_amplitude` has all its couplings non-zero: the same tests the amplitudes
    make before adding a diagram, without kinematics."""
    z = np.zeros(4)
    g = cp.gauge
    h_final = _h_final(g, X, Y, z, z) is not None
    vectors = [V for V in _s_channel_vectors(X, Y) if _vector_final(g, V, X, Y, z, z, z, z) is not None]
    if fermions:
        for k in _states(cp.maj):
            for first, second in ((X, Y), (Y, X)):
                if fermion_couplings(cp, first, k, start) is not None \
                        and fermion_couplings(cp, second, end, k) is not None:
                    return True
        if h_final and fermion_couplings(cp, "h", end, start) is not None:
            return True
        return any(fermion_couplings(cp, V, end, start) is not None for V in vectors)
    for k in _states(cp.real):
        for first, second in ((X, Y), (Y, X)):
            if scalar_vertex(cp, first, k, start, 1.0) is not None \
                    and scalar_vertex(cp, second, end, k, 1.0) is not None:
                return True
    if X != "h" and Y != "h":
        key = (X, Y) if (X, Y) in cp.seagull else (Y, X)
        if key in cp.seagull and _sym_matrix_vertex(cp, cp.seagull[key], end, start) != 0:
            return True
    if X == Y == "h" and _sym_matrix_vertex(cp, cp.sh2, end, start) != 0:
        return True
    if h_final and scalar_vertex(cp, "h", end, start) is not None:
        return True
    return any(scalar_vertex(cp, V, end, start, 1.0) is not None for V in vectors)


def scalar_pair_amplitude(cp: Couplings, start, end, X: str, Y: str, sqrt_s, cos=None):
    """iM[λ_X, λ_Y] on (√s, cos θ) for S(start) S(end) → X Y (states as for fermions: end is
    the line leaving with momentum −p₂)."""
    g = cp.gauge
    m1, m2 = cp.ms[start[0]], cp.ms[end[0]]
    p1, p2, k1, k2, e1, e2 = _external(g, m1, m2, X, Y, sqrt_s, cos)
    E1, E2 = e1[..., :, None, :], e2[..., None, :, :]
    ex = lambda a: a[..., None, None, :]  # noqa: E731
    P1, P2, K1, K2 = ex(p1), ex(p2), ex(k1), ex(k2)
    total = np.zeros((*p1.shape[:-1], e1.shape[-2], e2.shape[-2]), complex)
    for k in _states(cp.real):
        mk = cp.ms[k[0]]
        for first, eps_a, eps_b, kf in ((X, E1, E2, K1), (Y, E2, E1, K2)):
            second = Y if first == X else X
            q = P1 - kf
            v1 = scalar_vertex(cp, first, k, start, _dot(P1 + q, eps_a) if first != "h" else None)
            if v1 is None:
                continue
            v2 = scalar_vertex(cp, second, end, k, _dot(q - P2, eps_b) if second != "h" else None)
            if v2 is None:
                continue
            total = total + v2 * 1j / (_dot(q, q) - mk * mk) * v1
    if X != "h" and Y != "h":
        key = (X, Y) if (X, Y) in cp.seagull else (Y, X)
        if key in cp.seagull:
            c = _sym_matrix_vertex(cp, cp.seagull[key], end, start)
            if c != 0:
                total = total + 1j * c * _dot(E1, E2)
    if X == Y == "h":
        c = _sym_matrix_vertex(cp, cp.sh2, end, start)
        if c != 0:
            total = total - 1j * c
    q = P1 + P2
    s = _dot(q, q)
    th = m1 + m2
    vh = scalar_vertex(cp, "h", end, start)
    fin = _h_final(g, X, Y, E1, E2)
    if vh is not None and fin is not None:
        total = total + vh * _h_propagator(g, s, th) * fin
    for V in _s_channel_vectors(X, Y):
        fin = _vector_final(g, V, X, Y, K1, K2, E1, E2)
        if fin is None:
            continue
        prop = _propagator_vector(g, V, q, fin, th < g.mass(V))
        v = scalar_vertex(cp, V, end, start, _dot(P1 - P2, prop))
        if v is not None:
            total = total + v
    return total


def width_factor(X, Y):
    """S = ½ for two identical bosons in the final state (phase space counted twice), else 1."""
    return 0.5 if X == Y else 1.0


def w_fermions(cp: Couplings, start, end, X, Y, sqrt_s, average=0.25):
    """W_ij(√s) for a fermion pair → X Y (:func:`.annihilation.w_on_nodes`; ``average`` over the
    4 spin states; S = ½ for identical bosons)."""

    def spin_summed(rs, cos):
        amp = fermion_pair_helicities(cp, start, end, X, Y, rs, cos)
        return H.spin_sum_leading(amp, 4)

    g = cp.gauge
    return w_on_nodes(sqrt_s, cp.mf[start[0]], cp.mf[end[0]], g.mass(X), g.mass(Y), spin_summed, average,
                      width_factor(X, Y))


def w_scalars(cp: Couplings, start, end, X, Y, sqrt_s):
    """W_ij(√s) for a scalar pair → X Y (:func:`.annihilation.w_on_nodes`)."""

    def spin_summed(rs, cos):
        amp = scalar_pair_amplitude(cp, start, end, X, Y, rs, cos)
        return H.spin_sum(amp, 2)

    g = cp.gauge
    return w_on_nodes(sqrt_s, cp.ms[start[0]], cp.ms[end[0]], g.mass(X), g.mass(Y), spin_summed, 1.0,
                      width_factor(X, Y))
