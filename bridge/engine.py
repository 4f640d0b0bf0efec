"""Generic one-loop engine for dark scalar-fermion loops.

Models describe their dark sector in the mass basis: fermions F_a (Dirac or
Majorana, Takagi basis with m_a > 0), scalars S_A, and Yukawa couplings to
the SM fermions f,

    L ⊃ Σ f̄ (l_f^{aA} P_R + r_f^{aA} P_L) F_a S_A + h.c.,           (G)

so ``l`` couples the left-handed SM fermion and ``r`` the right-handed one,
with Q_f = Q_{F_a} + Q_{S_A}. The engine returns Lagrangian coefficients
(L_eff = Σ C O, the WCxf convention) and their flavio WET-basis images.

Sources, all at zero external momenta and leading order in m_SM/M_dark:

* b→sℓℓ and b→sνν boxes with Majorana crossed boxes, ΔF=2 boxes: the
  fermion-mediated topology of arXiv:1608.07832 (Arnan, Hofer, Mescia,
  Crivellin) and arXiv:1904.05890 (Arnan, Crivellin, Fedele, Mescia) in the
  component form of ../shared/physics.md §4-§6; normalisation and sign fixed
  by the SM top–Goldstone ΔF=2 box (tested against flavio's SM CVLL).
* dipoles c_L, c_R (b→sγ, b→sg, g−2, ℓ→ℓ'γ) with the chirally enhanced
  terms: physics.md §7, the neutralino/chargino functions of Hisano et al.
  hep-ph/9510309 (tested against the 2HDM charged-Higgs C7, C8 of
  Ciuchini, Degrassi, Gambino, Giudice hep-ph/9710335).
* photon penguin (q² term, lepton-universal C9): physics.md §8.
* Z penguin at q² = 0: physics.md §9 (derived there; the engine checks the
  cancellation of its divergent part, which requires gauge-invariant input).

Batches: every mass may also be an array of shape (N,) and every coupling an array of
shape (N, nF, nS) (Z couplings (N, nF, nF), (N, nS, nS)); the sector is then N parameter
points at once, the functions below return arrays of shape (N,) instead of numbers, and the
arithmetic is the same einsum with a leading ``...`` (used by ``bridge scan``). Without a
batch axis every result is the number it always was.

Scope: fermion-mediated boxes only (the quark-side and lepton-side scalars
are different fields, as in classes F of arXiv:2104.03228); colour-singlet
fermions with colour-triplet or singlet scalars. Quarks coupling with both
chiralities would generate scalar and tensor operators that are not
implemented: the engine raises instead of dropping them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bridge import loops

QUARKS = ("d", "s", "b")
UP_QUARKS = ("u", "c", "t")
LEPTONS = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
#: Up-type quarks are carried (dark matter annihilation, up-sector flavour); the b→s functions
#: below do not use them.
SM_FERMIONS = QUARKS + UP_QUARKS + LEPTONS + NEUTRINOS
#: Electric charges of the SM fermions the engine knows.
SM_CHARGE = {"d": -1 / 3, "s": -1 / 3, "b": -1 / 3, "u": 2 / 3, "c": 2 / 3, "t": 2 / 3,
             "e": -1.0, "mu": -1.0, "tau": -1.0, "nu_e": 0.0, "nu_mu": 0.0, "nu_tau": 0.0}
#: flavio's names of the neutrinos inside coefficient names.
FLAVIO_NU = {"nu_e": "nue", "nu_mu": "numu", "nu_tau": "nutau"}

_LOOP = 16.0 * math.pi**2


@dataclass(frozen=True)
class DarkFermion:
    name: str
    mass: float
    charge: float
    majorana: bool = False
    colour: int = 1


@dataclass(frozen=True)
class DarkScalar:
    """A scalar mass eigenstate; ``real`` marks a real field (S = S*: crossed contractions)."""

    name: str
    mass: float
    charge: float
    colour: int = 1
    real: bool = False


@dataclass
class ZCouplings:
    """Z couplings of the dark states, in the convention of physics.md §9.

    L_Z = −(g/c_W) Z_μ [ F̄_b γ^μ (left[b, a] P_L + right[b, a] P_R) F_a
    + scalar[B, A] i(S_B^* ∂^μ S_A − ∂^μ S_B^* S_A) ], with T3 − s_W² Q of the
    components rotated to the mass basis. For Majorana fermions use the
    Denner-rule couplings left = G, right = −G^* (G hermitian).
    """

    left: np.ndarray
    right: np.ndarray
    scalar: np.ndarray


@dataclass
class WCouplings:
    """W couplings of the dark states (same normalisation as :class:`ZCouplings`).

    L_W = −(g/√2) W⁺_μ [ F̄_b γ^μ (left[b, a] P_L + right[b, a] P_R) F_a
    + scalar[B, A] i(S_B^* ∂^μ S_A − ∂^μ S_B^* S_A) ] + h.c., non-zero only where
    Q_b = Q_a + 1: the SU(2) raising operator T⁺ of the components rotated to the mass basis.
    """

    left: np.ndarray
    right: np.ndarray
    scalar: np.ndarray


@dataclass
class HiggsCouplings:
    """Couplings of the physical Higgs h to the dark mass eigenstates: ∂(mass matrix)/∂v.

    With v → v + h in the mass terms of the dark sector,

    * Dirac states (L ⊃ −ψ̄_L M ψ_R + h.c.): L ⊃ −h F̄_b fermion[b, a] P_R F_a + h.c.,
      fermion = U_L† (∂M/∂v) U_R;
    * Majorana states (L ⊃ −½ ξᵀ M ξ + h.c., ξ left-handed Weyl):
      L ⊃ −½ h F̄_b (fermion[b, a] P_L + fermion[b, a]^* P_R) F_a, fermion = Vᵀ (∂M/∂v) V;
    * complex scalars (V ⊃ φ† M² φ): L ⊃ −h S_B^* scalar[B, A] S_A, scalar = U† (∂M²/∂v) U;
    * real scalars (V ⊃ ½ rᵀ M² r): L ⊃ −½ h S_B scalar[B, A] S_A, scalar = Oᵀ (∂M²/∂v) O.

    Entries between states of different sectors (charge, colour, Dirac/Majorana) vanish.
    ``scalar2`` (optional) is the second derivative U† (∂²M²/∂v²) U (Oᵀ … O for real states):
    V ⊃ ½ h² S_B^* scalar2[B, A] S_A (¼ h² S_B scalar2[B, A] S_A for real ones), the hh S S
    contact of dark-matter annihilation; None where not computed (taken as zero).
    """

    fermion: np.ndarray
    scalar: np.ndarray
    scalar2: np.ndarray | None = None


@dataclass
class DarkSector:
    """Dark fermions and scalars in the mass basis with their couplings (G).

    ``z``, ``w`` and ``higgs`` hold the electroweak couplings of the dark states (computed by
    :mod:`bridge.assembly` for described models); the one-loop functions below use ``z``.
    """

    fermions: tuple[DarkFermion, ...]
    scalars: tuple[DarkScalar, ...]
    left: dict[str, np.ndarray] = field(default_factory=dict)
    right: dict[str, np.ndarray] = field(default_factory=dict)
    z: ZCouplings | None = None
    w: WCouplings | None = None
    higgs: HiggsCouplings | None = None

    def __post_init__(self) -> None:
        self.fermions = tuple(self.fermions)
        self.scalars = tuple(self.scalars)
        shape = (len(self.fermions), len(self.scalars))
        batch = [np.shape(p.mass) for p in (*self.fermions, *self.scalars)]
        for table in (self.left, self.right):
            for f, c in list(table.items()):
                if f not in SM_FERMIONS:
                    raise ValueError(f"unknown SM fermion {f!r}")
                c = np.asarray(c, dtype=complex)
                if c.shape[-2:] != shape:
                    raise ValueError(f"coupling of {f} has shape {c.shape}, expected {shape}")
                batch.append(c.shape[:-2])
                table[f] = c
        try:
            self.batch_shape = np.broadcast_shapes(*batch)
        except ValueError:
            raise ValueError(f"batch shapes of masses and couplings differ: {set(batch)}") from None
        for F in self.fermions:
            if not np.all(np.asarray(F.mass) > 0):
                raise ValueError(f"dark fermion {F.name} needs a positive mass")
        for S in self.scalars:
            if not np.all(np.asarray(S.mass) > 0):
                raise ValueError(f"dark scalar {S.name} needs a positive mass")
        self._check_charges()

    def _check_charges(self) -> None:
        """Every non-zero coupling must conserve electric charge (catches model bugs)."""
        for table in (self.left, self.right):
            for f, c in table.items():
                used = np.any(c != 0, axis=tuple(range(c.ndim - 2))) if c.ndim > 2 else c
                for a, A in zip(*np.nonzero(used), strict=True):
                    q = self.fermions[a].charge + self.scalars[A].charge
                    if abs(q - SM_CHARGE[f]) > 1e-9:
                        raise ValueError(
                            f"coupling {f}-{self.fermions[a].name}-{self.scalars[A].name} "
                            f"violates charge conservation ({SM_CHARGE[f]} != {q})")

    # couplings --------------------------------------------------------------
    def l(self, f: str) -> np.ndarray:  # noqa: E743 - l, r as in the physics literature
        return self.left.get(f, np.zeros((len(self.fermions), len(self.scalars)), complex))

    def r(self, f: str) -> np.ndarray:
        return self.right.get(f, np.zeros((len(self.fermions), len(self.scalars)), complex))

    @property
    def batched(self) -> bool:
        """True for a batch of points (results are arrays with a leading batch axis)."""
        return self.batch_shape != ()

    def _result(self, value):
        """A complex number, or a complex array over the batch."""
        if self.batched:
            return np.broadcast_to(np.asarray(value, dtype=complex), self.batch_shape).copy()
        return complex(value)

    # masses and cached loop tensors -----------------------------------------
    def _masses(self, particles) -> np.ndarray:
        if not self.batched:
            return np.array([p.mass for p in particles])
        return np.stack([np.broadcast_to(np.asarray(p.mass, dtype=float), self.batch_shape)
                         for p in particles], axis=-1)

    @cached_property
    def m_fermion(self) -> np.ndarray:
        """Fermion masses, shape (nF,) or (N, nF)."""
        return self._masses(self.fermions)

    @cached_property
    def m_scalar(self) -> np.ndarray:
        """Scalar masses, shape (nS,) or (N, nS)."""
        return self._masses(self.scalars)

    @cached_property
    def kappa(self) -> np.ndarray:
        """κ_ab = 1 where both fermions are Majorana (crossed boxes exist)."""
        maj = np.array([F.majorana for F in self.fermions], dtype=float)
        return np.outer(maj, maj)

    @cached_property
    def _box_args(self):
        mf2 = self.m_fermion**2
        ms2 = self.m_scalar**2
        return (mf2[..., :, None, None, None], mf2[..., None, :, None, None],
                ms2[..., None, None, :, None], ms2[..., None, None, None, :])

    @cached_property
    def box_I2(self) -> np.ndarray:
        """I2(m_a², m_b², M_A², M_B²), shape (nF, nF, nS, nS), GeV⁻²."""
        return np.broadcast_to(loops.box_I2(*self._box_args), self._box_shape).copy()

    @cached_property
    def box_I1_mm(self) -> np.ndarray:
        """m_a m_b I1(m_a², m_b², M_A², M_B²), shape (nF, nF, nS, nS), GeV⁻²."""
        mf = self.m_fermion
        mm = (mf[..., :, None] * mf[..., None, :])[..., :, :, None, None]
        return np.broadcast_to(mm * loops.box_I1(*self._box_args), self._box_shape).copy()

    @property
    def _box_shape(self):
        nf, ns = len(self.fermions), len(self.scalars)
        return (*self.batch_shape, nf, nf, ns, ns)

    @cached_property
    def dipole_functions(self) -> tuple[np.ndarray, ...]:
        """f_N1, f_C1, f_N2, f_C2 at x = m_a²/M_A², shape (nF, nS) or (N, nF, nS), shared by
        every dipole of the sector."""
        x = (self.m_fermion[..., :, None] / self.m_scalar[..., None, :]) ** 2
        return loops.f_N1(x), loops.f_C1(x), loops.f_N2(x), loops.f_C2(x)

    def box_block(self, fermions: tuple, scalars_a: tuple, scalars_b: tuple):
        """(I2, m_a m_b I1) on the sub-block fermions × fermions × scalars_a × scalars_b.

        Batches only evaluate the loop functions where couplings are non-zero (an F_Ib
        box needs 18 of the 256 entries), once per unordered fermion pair (I1, I2 are
        symmetric) and once per distinct scalar mass column (the components of a doublet
        are degenerate); cached per block.
        """
        cache = self.__dict__.setdefault("_box_blocks", {})
        key = (fermions, scalars_a, scalars_b)
        if key not in cache:
            i2, i1, where = self._box_kernels(fermions)
            nf = len(fermions)
            slot = np.zeros((nf, nf), dtype=int)
            pairs = [(a, b) for a in range(nf) for b in range(a, nf)]  # as in _box_kernels
            for k, (i, j) in enumerate(pairs):
                slot[i, j] = slot[j, i] = k
            ua = np.array([where[A] for A in scalars_a])
            ub = np.array([where[B] for B in scalars_b])
            ix = (Ellipsis, slot[:, :, None, None], ua[None, None, :, None], ub[None, None, None, :])
            mf = self.m_fermion[..., list(fermions)]
            mm = (mf[..., :, None] * mf[..., None, :])[..., :, :, None, None]
            cache[key] = (i2[ix], mm * i1[ix])
        return cache[key]

    def _box_kernels(self, fermions: tuple):
        """I2, I1 for the unordered pairs of ``fermions`` and all distinct scalar mass columns,
        and the map scalar index → distinct column (shared by every box of the batch)."""
        cache = self.__dict__.setdefault("_box_kernels_cache", {})
        if fermions not in cache:
            ms2 = self.m_scalar**2
            uniq: list[int] = []
            where = {}
            for A in range(len(self.scalars)):
                same = next((u for u in uniq if np.array_equal(ms2[..., u], ms2[..., A])), None)
                if same is None:
                    uniq.append(A)
                where[A] = uniq.index(A if same is None else same)
            nf = len(fermions)
            pairs = [(i, j) for i in range(nf) for j in range(i, nf)]
            mf2 = self.m_fermion[..., list(fermions)] ** 2
            pi, pj = [p[0] for p in pairs], [p[1] for p in pairs]
            mu2 = ms2[..., uniq]
            args = (mf2[..., pi, None, None], mf2[..., pj, None, None],
                    mu2[..., None, :, None], mu2[..., None, None, :])
            cache[fermions] = (loops.box_I2(*args), loops.box_I1(*args), where)
        return cache[fermions]


def _support(*couplings) -> tuple[tuple, tuple]:
    """Indices of the fermions and scalars with a non-zero coupling in any of ``couplings``."""
    used = np.zeros(couplings[0].shape[-2:], dtype=bool)
    for c in couplings:
        used |= np.any(c != 0, axis=tuple(range(c.ndim - 2))) if c.ndim > 2 else c != 0
    return tuple(np.flatnonzero(used.any(axis=1))), tuple(np.flatnonzero(used.any(axis=0)))


def _take(c: np.ndarray, fermions: tuple, scalars: tuple) -> np.ndarray:
    return np.take(np.take(c, list(fermions), axis=-2), list(scalars), axis=-1)


def _sum(x: np.ndarray, n: int):
    """Sum over the last ``n`` axes (all of them without a batch axis, as before)."""
    return np.sum(x) if x.ndim == n else np.sum(x, axis=tuple(range(-n, 0)))


# ---------------------------------------------------------------------------
# four-fermion boxes
# ---------------------------------------------------------------------------
def _quark_couplings(sector: DarkSector, chirality: str, q1: str = "s", q2: str = "b"):
    if chirality == "L":
        return sector.l(q1), sector.l(q2)
    return sector.r(q1), sector.r(q2)


def _require_single_chirality(sector: DarkSector, fermions: tuple[str, ...], what: str) -> None:
    for f in fermions:
        if np.any(sector.l(f)) and np.any(sector.r(f)):
            raise NotImplementedError(
                f"{f} couples with both chiralities: the scalar/tensor {what} operators "
                "this generates are not implemented in the engine")


def _require_distinct_scalars(sector: DarkSector, quark_side, lepton_side) -> None:
    q_scalars = np.any(np.abs(quark_side[0]) + np.abs(quark_side[1]), axis=-2)
    l_scalars = np.any(np.abs(lepton_side[0]) + np.abs(lepton_side[1]), axis=-2)
    if np.any(q_scalars & l_scalars):
        raise NotImplementedError(
            "a scalar couples to both quarks and leptons: the scalar-mediated box "
            "topology is not implemented in the engine")


def box_semileptonic(sector: DarkSector, quark_chirality: str, lepton_chirality: str,
                     lep_bar: str, lep: str, q_bar: str = "s", q: str = "b") -> complex:
    """Coefficient (GeV⁻²) of (q̄_bar γ^μ P_X q)(ℓ̄_bar γ_μ P_Y ℓ) in L from boxes.

    physics.md §4 and §5 (derived there by explicit Wick contraction with
    Majorana fermions; structure of arXiv:1608.07832): with fermion F_a on
    the line touching q̄_bar and F_b on the line touching q, quark-side scalar
    A and lepton-side scalar B, for equal chiralities X = Y

        16π² C = Σ [−¼ I2 Q_s^{aA} Q_b^{bA*} X_ℓ^{aB*} X_ℓ̄^{bB}
                    + κ ½ m_a m_b I1 Q_s^{aA} Q_b^{bA*} X_ℓ̄^{aB} X_ℓ^{bB*}],

    and for X ≠ Y the direct box takes −½ m_a m_b I1 and the crossed one ¼ I2.
    """
    Qs, Qb = _quark_couplings(sector, quark_chirality, q_bar, q)
    if lepton_chirality == "L":
        X_bar, X = sector.l(lep_bar), sector.l(lep)
    else:
        X_bar, X = sector.r(lep_bar), sector.r(lep)
    if not (np.any(Qs) and np.any(Qb) and np.any(X_bar) and np.any(X)):
        return sector._result(0j)
    _require_distinct_scalars(sector, (Qs, Qb), (X_bar, X))
    if sector.batched:  # the same sums over the entries with non-zero couplings only
        fq, sq = _support(Qs, Qb)
        fl, sl = _support(X_bar, X)
        f = tuple(a for a in fq if a in fl)
        Qs, Qb, X_bar, X = (_take(Qs, f, sq), _take(Qb, f, sq), _take(X_bar, f, sl), _take(X, f, sl))
        I2, mmI1 = sector.box_block(f, sq, sl)
        kappa = sector.kappa[np.ix_(f, f)][:, :, None, None]
    else:
        I2, mmI1, kappa = sector.box_I2, sector.box_I1_mm, sector.kappa[:, :, None, None]
    quark = np.einsum("...aA,...bA->...abA", Qs, Qb.conj())
    direct_lep = np.einsum("...aB,...bB->...abB", X.conj(), X_bar)
    crossed_lep = np.einsum("...aB,...bB->...abB", X_bar, X.conj())
    if quark_chirality == lepton_chirality:
        direct_kernel, crossed_kernel = -0.25 * I2, 0.5 * kappa * mmI1
    else:
        direct_kernel, crossed_kernel = -0.5 * mmI1, 0.25 * kappa * I2
    total = (np.einsum("...abA,...abB,...abAB->...", quark, direct_lep, direct_kernel)
             + np.einsum("...abA,...abB,...abAB->...", quark, crossed_lep, crossed_kernel))
    return sector._result(total) / _LOOP


def box_bsbs(sector: DarkSector, chirality: str = "L") -> complex:
    """Coefficient (GeV⁻²) of (s̄ γ^μ P_X b)² in L: CVLL_bsbs (X = L), CVRR_bsbs (X = R).

    physics.md §6 (includes the 1/(2!2!) of two identical vertex pairs):

        16π² C = Σ_{a,b,A,B} [−⅛ I2 Q_s^{aA} Q_b^{aB*} Q_s^{bB} Q_b^{bA*}
                             + κ ¼ m_a m_b I1 Q_s^{aA} Q_s^{aB} Q_b^{bA*} Q_b^{bB*}].

    For one Dirac fermion and one scalar this is −(l_s l_b^*)² F(x,x)/(128π² M_F²),
    the form of arXiv:1608.07832; F + 2G cancels at M_S = M_F for Majorana F.
    """
    Qs, Qb = _quark_couplings(sector, chirality)
    if not (np.any(Qs) and np.any(Qb)):
        return sector._result(0j)
    if sector.batched:  # entries with non-zero couplings only (see box_block)
        f, sq = _support(Qs, Qb)
        Qs, Qb = _take(Qs, f, sq), _take(Qb, f, sq)
        I2, mmI1 = sector.box_block(f, sq, sq)
        kappa = sector.kappa[np.ix_(f, f)][:, :, None, None]
    else:
        I2, mmI1, kappa = sector.box_I2, sector.box_I1_mm, sector.kappa[:, :, None, None]
    direct = np.einsum("...aA,...aB,...bB,...bA,...abAB->...", Qs, Qb.conj(), Qs, Qb.conj(), I2)
    crossed = np.einsum("...aA,...aB,...bA,...bB,...abAB->...", Qs, Qs, Qb.conj(), Qb.conj(),
                        kappa * mmI1)
    return sector._result(-0.125 * direct + 0.25 * crossed) / _LOOP


# ---------------------------------------------------------------------------
# dipoles
# ---------------------------------------------------------------------------
def _gauge_charges(sector: DarkSector, gauge: str):
    if gauge == "photon":
        return (np.array([F.charge for F in sector.fermions]),
                np.array([S.charge for S in sector.scalars]))
    # gluon: a colour triplet coupled to the quark by δ^{αβ} carries T^a, factor 1
    cf = np.array([1.0 if F.colour == 3 else 0.0 for F in sector.fermions])
    cs = np.array([1.0 if S.colour == 3 else 0.0 for S in sector.scalars])
    if np.any(cf[:, None] * cs[None, :]):
        raise NotImplementedError("both loop particles coloured: colour factors not implemented")
    return cf, cs


def dipole(sector: DarkSector, f_out: str, f_in: str, m_out: float, m_in: float,
           gauge: str = "photon") -> tuple[complex, complex]:
    """(c_R, c_L)/e of L ⊃ c_R f̄_out σ^{μν} P_R f_in F_{μν} + c_L f̄_out σ^{μν} P_L f_in F_{μν}.

    physics.md §7 (functions of Hisano et al. hep-ph/9510309), D_μ = ∂_μ + ieQA_μ:

        c_R = e/(64π²) Σ_{a,A} M_A⁻² {(l_o l_i^* m_i + r_o r_i^* m_o)[Q_A f_N1 − Q_a f_C1]
                                      + l_o r_i^* m_a [Q_A f_N2 − Q_a f_C2]},  x = m_a²/M_A²

    and c_L with l ↔ r. For the gluon (``gauge="gluon"``) e → g_s and the charges
    become colour factors; the returned values are divided by e (or g_s).
    """
    qf, qs = _gauge_charges(sector, gauge)
    mf, ms = sector.m_fermion[..., :, None], sector.m_scalar[..., None, :]
    f_n1, f_c1, f_n2, f_c2 = sector.dipole_functions
    no_flip = (qs[None, :] * f_n1 - qf[:, None] * f_c1) / ms**2
    flip = mf * (qs[None, :] * f_n2 - qf[:, None] * f_c2) / ms**2
    lo, ro = sector.l(f_out), sector.r(f_out)
    li, ri = sector.l(f_in), sector.r(f_in)
    c_r = _sum((lo * li.conj() * m_in + ro * ri.conj() * m_out) * no_flip + lo * ri.conj() * flip, 2)
    c_l = _sum((ro * ri.conj() * m_in + lo * li.conj() * m_out) * no_flip + ro * li.conj() * flip, 2)
    pre = 1.0 / (64.0 * math.pi**2)
    return sector._result(pre * c_r), sector._result(pre * c_l)


def delta_a_lepton(sector: DarkSector, lepton: str, m_lepton: float) -> float:
    """Δa_ℓ = (4 m_ℓ/e) Re c_R^{ℓℓ} (physics.md §7.1; flavio/physics/mdms/al.py convention)."""
    c_r, _ = dipole(sector, lepton, lepton, m_lepton, m_lepton)
    return 4.0 * m_lepton * c_r.real


# ---------------------------------------------------------------------------
# penguins
# ---------------------------------------------------------------------------
def photon_penguin(sector: DarkSector, chirality: str = "L") -> complex:
    """Coefficient C_P/e (GeV⁻²) of L ⊃ C_P (s̄ γ^μ P_X b) ∂^ν F_{μν}, times 1/e.

    physics.md §8: C_P = −e/(16π²) Σ_{a,A} Q_s^{aA} Q_b^{aA*} [Q_a J_F(x) + Q_A J_S(x)]/M_A²,
    x = m_a²/M_A². With ∂^ν F_{μν} = −e Σ Q_f f̄ γ_μ f it gives a lepton-universal
    vector current: C9^γ = e C_P/N_F = −𝒩 Σ (...) (no α dependence).
    """
    Qs, Qb = _quark_couplings(sector, chirality)
    if not (np.any(Qs) and np.any(Qb)):
        return sector._result(0j)
    qf = np.array([F.charge for F in sector.fermions])[:, None]
    qs = np.array([S.charge for S in sector.scalars])[None, :]
    mf, ms = sector.m_fermion[..., :, None], sector.m_scalar[..., None, :]
    x = (mf / ms) ** 2
    kern = (qf * loops.j_F(x) + qs * loops.j_S(x)) / ms**2
    return sector._result(-_sum(Qs * Qb.conj() * kern, 2)) / _LOOP


def z_penguin(sector: DarkSector, sm, chirality: str = "L") -> complex:
    """Y_sb of L ⊃ (g/c_W) Y_sb/(16π²) Z_μ (s̄ γ^μ P_X b), dimensionless (physics.md §9).

        Y = Σ_{a,b,A} Q_s^{bA} Q_b^{aA*} [½ g^R_{ba}(f[m_a², m_b², M_A²] − ½) − g^L_{ba} m_a m_b g[…]]
          + Σ_{a,A,B} Q_s^{aB} Q_b^{aA*} ½ g^S_{BA} (f[m_a², M_A², M_B²] − 3/2)
          − g_L^d Σ_{a,A} Q_s^{aA} Q_b^{aA*} ½ (f[m_a², M_A², M_A²] − 3/2)

    with f, g the second divided differences of u² ln u and u ln u. The 1/ε
    poles (and hence the ln μ² dependence) cancel only for gauge-invariant
    couplings; the engine evaluates the coefficient of ln μ² and raises if it
    does not vanish. For right-handed quark couplings the parity mirror
    (l ↔ r, g^L ↔ g^R, g_L^d → g_R^d) is used.
    """
    Qs, Qb = _quark_couplings(sector, chirality)
    if sector.z is None or not (np.any(Qs) and np.any(Qb)):
        return sector._result(0j)
    gL, gR = (sector.z.left, sector.z.right) if chirality == "L" else (sector.z.right, sector.z.left)
    gS = sector.z.scalar
    g_d = (-0.5 + sm.s2w / 3.0) if chirality == "L" else sm.s2w / 3.0
    mf2, ms2 = sector.m_fermion**2, sector.m_scalar**2
    mf = sector.m_fermion
    if sector.batched:  # every term carries Q_s Q_b^*: keep their fermions and scalars only
        f, sq = _support(Qs, Qb)
        Qs, Qb = _take(Qs, f, sq), _take(Qb, f, sq)
        gL, gR = (np.take(np.take(g, list(f), axis=-2), list(f), axis=-1) for g in (gL, gR))
        gS = np.take(np.take(gS, list(sq), axis=-2), list(sq), axis=-1)
        mf, ms2 = mf[..., list(f)], ms2[..., list(sq)]
        mf2 = mf**2
    # Y is dimensionless and, with the poles cancelled, independent of the unit of mass: measure
    # masses in units of the heaviest so the ln u in each term is O(1), not ln(M²/GeV²) ~ 30,
    # which shrinks the rounding left by the cancellation between the terms.
    unit2 = np.maximum(np.max(mf2, axis=-1), np.max(ms2, axis=-1))[..., None]
    mf2, ms2, mf = mf2 / unit2, ms2 / unit2, mf / np.sqrt(unit2)
    # fermion-line Z: indices (a, b, A)
    f_ffs = loops.dd2_u2logu(mf2[..., :, None, None], mf2[..., None, :, None], ms2[..., None, None, :])
    g_ffs = loops.dd2_ulogu(mf2[..., :, None, None], mf2[..., None, :, None], ms2[..., None, None, :])
    coup_ff = np.einsum("...bA,...aA->...abA", Qs, Qb.conj())
    gR_ab = np.swapaxes(gR, -1, -2)  # gR[b, a] indexed as [a, b]
    gL_ab = np.swapaxes(gL, -1, -2)
    mm = mf[..., :, None] * mf[..., None, :]
    term_f_r = np.einsum("...abA,...ab,...abA->...abA", coup_ff, 0.5 * gR_ab, f_ffs - 0.5)
    term_f_l = np.einsum("...abA,...ab,...abA->...abA", coup_ff, gL_ab * mm, g_ffs)
    term_f = _sum(term_f_r, 3) - _sum(term_f_l, 3)
    # scalar-line Z: indices (a, A, B)
    f_fss = loops.dd2_u2logu(mf2[..., :, None, None], ms2[..., None, :, None], ms2[..., None, None, :])
    coup_ss = np.einsum("...aB,...aA->...aAB", Qs, Qb.conj())
    term_s_all = np.einsum("...aAB,...BA,...aAB->...aAB", coup_ss, 0.5 * gS, f_fss - 1.5)
    term_s = _sum(term_s_all, 3)
    # external-leg (self-energy) part
    f_leg = loops.dd2_u2logu(mf2[..., :, None], ms2[..., None, :], ms2[..., None, :])
    term_leg_all = -g_d * Qs * Qb.conj() * 0.5 * (f_leg - 1.5)
    term_leg = _sum(term_leg_all, 2)
    # coefficient of ln μ²: u² ln u → u² (ln u − ln μ²) shifts f[...] by −ln μ², g[...] by 0
    pole = (np.einsum("...abA,...ab->...", coup_ff, 0.5 * gR_ab)
            + np.einsum("...aAB,...BA->...", coup_ss, 0.5 * gS)
            - g_d * 0.5 * _sum(Qs * Qb.conj(), 2))
    size = _sum(np.abs(coup_ff), 3) + _sum(np.abs(coup_ss), 3)
    if np.any(np.abs(pole) > 1e-8 * np.maximum(size, 1e-300)):
        raise ValueError("Z-penguin divergence does not cancel: the model's Z couplings "
                         "are not gauge invariant")
    total = sector._result(term_f + term_s + term_leg)
    # the pieces cancel exactly without mixing; do not report their rounding residue
    scale = (_sum(np.abs(term_f_r), 3) + _sum(np.abs(term_f_l), 3) + _sum(np.abs(term_s_all), 3)
             + _sum(np.abs(term_leg_all), 2))
    if not sector.batched:
        return 0j if abs(total) < 1e-13 * scale else total
    total[np.abs(total) < 1e-13 * scale] = 0
    return total
