"""Generic one-loop engine for dark scalar-fermion loops.

Models describe their dark sector in the mass basis: fermions F_a (Dirac or
Majorana, Takagi basis with m_a > 0), scalars S_A (complex, or real: S = S*), and
Yukawa couplings to the SM fermions f,

    L ⊃ Σ f̄ (l_f^{aA} P_R + r_f^{aA} P_L) F_a S_A + h.c.,           (G)

so ``l`` couples the left-handed SM fermion and ``r`` the right-handed one,
with Q_f = Q_{F_a} + Q_{S_A}. The engine returns Lagrangian coefficients
(L_eff = Σ C O, the WCxf convention) and their flavio WET-basis images.

Sources, all at zero external momenta and leading order in m_SM/M_dark:

* b→sℓℓ and b→sνν boxes: the sum over all Wick contractions of (G) at fourth order,
  derived here for any mass-basis input (see :func:`box_semileptonic`): the
  fermion-mediated boxes of arXiv:1608.07832 (Arnan, Hofer, Mescia, Crivellin; class F),
  the scalar-mediated boxes of its second class (class S: a scalar coupling to quarks and
  leptons), the crossed boxes of Majorana fermions and of real scalars, and the mixed
  contractions of arXiv:1904.05890 (Arnan, Crivellin, Fedele, Mescia) structure; component
  form as in ../shared/physics.md §4-§6. Normalisation and sign fixed by the SM
  top–Goldstone ΔF=2 box (tested against flavio's SM CVLL); every topology is tested
  against an explicit Dirac-algebra Wick contraction with numerical loop integrals
  (tests/wick_oracle.py).
* ΔF=2 boxes: the same contractions for two identical quark currents, including the
  crossed boxes of real scalars (:func:`box_bsbs`).
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

Colour. States carry colour 1, 3, −3 (anti-triplet) or 8; a coupling multiplies the
unit-normalised invariant tensor of f̄ F S (δ_{ci} for a quark with a triplet fermion and a
singlet scalar, δ_{cj} for a singlet fermion and a triplet scalar, δ_{ij} for a lepton with a
3 ⊗ 3̄ or 8 ⊗ 8 pair). Quark couplings are implemented for exactly one coloured triplet in the
loop, (F, S) = (1, 3) (class F) or (3, 1) (class S); then the colour flows along one open line
from s̄ to b in every b→s diagram and every colour factor is 1 (ΔF=2: the colour-crossed
VLL structure Fierzes back with coefficient 1, see :func:`box_bsbs`). Lepton couplings may
also have both loop particles coloured (3 ⊗ 3̄, 8 ⊗ 8): lepton dipoles then carry the colour
multiplicity 3 or 8 and boxes factor 1. Quark couplings with both loop particles coloured
(3̄ ⊗ 3̄, 3 ⊗ 8, 8 ⊗ 3) are valid but raise NotImplementedError where they would enter.

Scope: quarks coupling with both chiralities would generate scalar and tensor operators
that are not implemented: the engine raises instead of dropping them.
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
#: Colour representation of the SM fermions (1 unless listed).
SM_COLOUR = {q: 3 for q in QUARKS + UP_QUARKS}
#: Colour representations a dark state may carry, with their dimensions (−3: anti-triplet).
COLOUR_DIM = {1: 1, 3: 3, -3: 3, 8: 8}
#: (colour of F, colour of S) for which f̄ F S contains a singlet, by the colour of f.
_SINGLET_PAIRS = {3: {(1, 3), (3, 1), (-3, -3), (3, 8), (8, 3)},
                  1: {(1, 1), (3, -3), (-3, 3), (8, 8)}}
#: Quark couplings the b→s functions implement (one coloured triplet in the loop).
_QUARK_PAIRS_IMPLEMENTED = {(1, 3), (3, 1)}

_LOOP = 16.0 * math.pi**2
#: The box integrals of :meth:`DarkSector.box_tensors`: I2 and I1 (as m_a m_b I1).
BOX_KINDS = ("I2", "I1")


@dataclass(frozen=True)
class DarkFermion:
    """A fermion mass eigenstate: Dirac, or Majorana (self-conjugate: neutral, colour 1 or 8,
    L = ½ F̄(i∂̸ − m)F; crossed contractions ⟨F Fᵀ⟩). ``colour``: 1, 3, −3 or 8."""

    name: str
    mass: float
    charge: float
    majorana: bool = False
    colour: int = 1


@dataclass(frozen=True)
class DarkScalar:
    """A scalar mass eigenstate; ``real`` marks a real field (S = S*, L = ½(∂S)² − ½M²S²:
    neutral, colour 1 or 8, crossed contractions ⟨S S⟩). ``colour``: 1, 3, −3 or 8."""

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

    Real scalars: pass the same Hermitian matrix g^S = W† diag(T3 − s_W² Q) W built from the
    complex components φ_c = Σ_A W_{cA} S_A (e.g. φ⁰ = (S_R + i S_I)/√2: W = (1/√2, i/√2)).
    With S_A = S_A^* the term above is Σ_{AB} i g^S_{BA}(S_B ∂S_A − ∂S_B S_A), in which only the
    antisymmetric part survives: the vertex S_A → S_B of two real states is g^S_{BA} − g^S_{AB}
    (= 2i Im g^S_{BA}; no Z S_A S_A vertex, the current of a real field vanishes), between a
    real and a complex state it is g^S_{BA} as for complex states. :func:`z_penguin` applies
    this itself (g_eff = g^S − ρ ∘ (g^S)ᵀ, ρ_AB = 1 for two real states); the symmetric part
    of the real–real block is ignored, so either convention (Hermitian g^S from the components,
    or its antisymmetric part) gives the same result.
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
        self._check_representations()
        self._check_charges()
        self._check_colours()

    def _check_representations(self) -> None:
        """Colour values, and self-conjugate states in real representations."""
        for kind, states, flag in (("fermion", self.fermions, "majorana"), ("scalar", self.scalars, "real")):
            for p in states:
                if p.colour not in COLOUR_DIM:
                    raise ValueError(f"dark {kind} {p.name}: colour {p.colour!r} is not one of "
                                     "1, 3, -3 (anti-triplet), 8")
                if getattr(p, flag) and (p.colour not in (1, 8) or abs(p.charge) > 1e-9):
                    raise ValueError(f"dark {kind} {p.name} is {flag}: it must be neutral and a "
                                     f"colour singlet or octet (charge {p.charge}, colour {p.colour})")

    def _used_pairs(self, f: str):
        """(a, A) with a non-zero coupling of f (at any point of a batch)."""
        used = np.zeros((len(self.fermions), len(self.scalars)), dtype=bool)
        for table in (self.left, self.right):
            if f in table:
                used |= self.mask(table[f])
        return zip(*np.nonzero(used), strict=True)

    def _check_charges(self) -> None:
        """Every non-zero coupling must conserve electric charge (catches model bugs)."""
        for f in dict.fromkeys([*self.left, *self.right]):
            for a, A in self._used_pairs(f):
                q = self.fermions[a].charge + self.scalars[A].charge
                if abs(q - SM_CHARGE[f]) > 1e-9:
                    raise ValueError(
                        f"coupling {f}-{self.fermions[a].name}-{self.scalars[A].name} "
                        f"violates charge conservation ({SM_CHARGE[f]} != {q})")

    def _check_colours(self) -> None:
        """Every non-zero coupling f̄ F S must contain a colour singlet."""
        for f in dict.fromkeys([*self.left, *self.right]):
            r_f = SM_COLOUR.get(f, 1)
            for a, A in self._used_pairs(f):
                pair = (self.fermions[a].colour, self.scalars[A].colour)
                if pair not in _SINGLET_PAIRS[r_f]:
                    raise ValueError(
                        f"coupling {f}-{self.fermions[a].name}-{self.scalars[A].name} violates "
                        f"colour conservation: {f} (colour {r_f}) with fermion colour {pair[0]} "
                        f"and scalar colour {pair[1]} has no singlet")

    def require_implemented_colour(self, fermions, what: str) -> None:
        """NotImplementedError if a quark among ``fermions`` couples to a loop with both
        particles coloured (valid, but its colour factors are not implemented)."""
        checked = self.__dict__.setdefault("_colour_checked", set())
        for f in fermions:
            if SM_COLOUR.get(f, 1) == 1 or f in checked:
                continue
            for a, A in self._used_pairs(f):
                pair = (self.fermions[a].colour, self.scalars[A].colour)
                if pair not in _QUARK_PAIRS_IMPLEMENTED:
                    raise NotImplementedError(
                        f"{what}: {f} couples to {self.fermions[a].name} (colour {pair[0]}) and "
                        f"{self.scalars[A].name} (colour {pair[1]}), a loop with both particles "
                        "coloured; only one coloured triplet per quark vertex is implemented")
            checked.add(f)

    # couplings --------------------------------------------------------------
    def l(self, f: str) -> np.ndarray:  # noqa: E743 - l, r as in the physics literature
        return self.left.get(f, self._zero)

    def r(self, f: str) -> np.ndarray:
        return self.right.get(f, self._zero)

    @cached_property
    def _zero(self) -> np.ndarray:
        """The coupling of a fermion that does not couple (one shared array, read only)."""
        zero = np.zeros((len(self.fermions), len(self.scalars)), complex)
        zero.flags.writeable = False
        return zero

    def mask(self, c: np.ndarray) -> np.ndarray:
        """(nF, nS) bool: where the coupling array ``c`` (one of this sector's, e.g. ``l("mu")``)
        is non-zero at some point of the batch; cached per array."""
        cache = self.__dict__.setdefault("_mask_cache", {})
        hit = cache.get(id(c))
        if hit is None or hit[0] is not c:
            hit = (c, _frozen(_nonzero_anywhere(c)))
            cache[id(c)] = hit
        return hit[1]

    def block(self, c: np.ndarray, fermions: tuple, scalars: tuple, conj: bool = False) -> np.ndarray:
        """:func:`_take` of ``c`` (complex conjugated if ``conj``), cached per array and block:
        the boxes of every lepton flavour and quark pair cut the same couplings to the same
        blocks (the array is kept with its entry, so its id cannot be reused meanwhile)."""
        cache = self.__dict__.setdefault("_block_cache", {})
        key = (id(c), fermions, scalars, conj)
        hit = cache.get(key)
        if hit is None or hit[0] is not c:
            cut = _take(c, fermions, scalars)
            cut = cut.conj() if conj else cut
            hit = (c, cut if cut is c else _frozen(cut))  # the sector's own array stays as it is
            cache[key] = hit
        return hit[1]

    def product(self, spec: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """np.einsum(spec, a, b), cached per pair of arrays (the same numbers: the quark pair of
        a box is shared by every lepton flavour, the lepton pair by every quark pair)."""
        cache = self.__dict__.setdefault("_product_cache", {})
        key = (spec, id(a), id(b))
        hit = cache.get(key)
        if hit is None or hit[0] is not a or hit[1] is not b:
            hit = (a, b, _frozen(np.einsum(spec, a, b)))
            cache[key] = hit
        return hit[2]

    def times_conj(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a * b.conj(), cached per pair of arrays: a dipole's coupling products are shared by
        the photon and the gluon, and by the lepton masses the hand-over varies. Through
        :func:`_times_conj`, not ``a * b.conj()``."""
        cache = self.__dict__.setdefault("_conj_product_cache", {})
        key = (id(a), id(b))
        hit = cache.get(key)
        if hit is None or hit[0] is not a or hit[1] is not b:
            hit = (a, b, _frozen(_times_conj(a, b)))
            cache[key] = hit
        return hit[2]

    def has(self, *couplings) -> bool:
        """True if every one of ``couplings`` is non-zero somewhere."""
        return all(self.mask(c).any() for c in couplings)

    @property
    def batched(self) -> bool:
        """True for a batch of points (results are arrays with a leading batch axis)."""
        return self.batch_shape != ()

    def _result(self, value):
        """A complex number, or a complex array over the batch."""
        if self.batched:
            if isinstance(value, np.ndarray) and value.shape == self.batch_shape:
                return value.astype(complex)  # a copy (the same numbers, fewer calls)
            if isinstance(value, complex | float | int) and value == 0:
                return np.zeros(self.batch_shape, complex)  # the engine's zeros (fewer calls)
            return np.broadcast_to(np.asarray(value, dtype=complex), self.batch_shape).copy()
        return complex(value)

    # masses and cached loop tensors -----------------------------------------
    def _masses(self, particles) -> np.ndarray:
        if not self.batched:
            return _frozen(np.array([p.mass for p in particles]))
        return _frozen(np.stack([np.broadcast_to(np.asarray(p.mass, dtype=float), self.batch_shape)
                                 for p in particles], axis=-1))

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
        return _frozen(np.outer(maj, maj))

    @cached_property
    def rho(self) -> np.ndarray:
        """ρ_AB = 1 where both scalars are real (crossed scalar contractions exist)."""
        real = np.array([S.real for S in self.scalars], dtype=float)
        return _frozen(np.outer(real, real))

    @cached_property
    def _box_args(self):
        mf2 = self.m_fermion**2
        ms2 = self.m_scalar**2
        return (mf2[..., :, None, None, None], mf2[..., None, :, None, None],
                ms2[..., None, None, :, None], ms2[..., None, None, None, :])

    @cached_property
    def box_I2(self) -> np.ndarray:
        """I2(m_a², m_b², M_A², M_B²), shape (nF, nF, nS, nS), GeV⁻²."""
        return _frozen(np.broadcast_to(loops.box_I2(*self._box_args), self._box_shape).copy())

    @cached_property
    def box_I1_mm(self) -> np.ndarray:
        """m_a m_b I1(m_a², m_b², M_A², M_B²), shape (nF, nF, nS, nS), GeV⁻²."""
        mf = self.m_fermion
        mm = (mf[..., :, None] * mf[..., None, :])[..., :, :, None, None]
        return _frozen(np.broadcast_to(mm * loops.box_I1(*self._box_args), self._box_shape).copy())

    @property
    def _box_shape(self):
        nf, ns = len(self.fermions), len(self.scalars)
        return (*self.batch_shape, nf, nf, ns, ns)

    @cached_property
    def coupled(self) -> np.ndarray:
        """(nF, nS) bool: the pairs (F_a, S_A) with a non-zero Yukawa coupling to some SM fermion
        (at some point of a batch); every one-loop function vanishes elsewhere."""
        used = np.zeros((len(self.fermions), len(self.scalars)), dtype=bool)
        for table in (self.left, self.right):
            for c in table.values():
                used |= self.mask(c)
        return _frozen(used)

    @cached_property
    def _dipole_values(self):
        """(a, A, (f_N1, f_C1, f_N2, f_C2)): the coupled pairs (F_a, S_A) and the functions at
        x = m_a²/M_A² on them, shape (len(a),) or (N, len(a)); evaluated once per distinct pair
        of mass columns (states of equal mass at every point share the values)."""
        a, A = np.nonzero(self.coupled)
        fw, sw = self._fermion_columns, self._scalar_columns
        pairs = list(dict.fromkeys(zip((fw[i] for i in a.tolist()), (sw[i] for i in A.tolist()),
                                       strict=True)))
        slot = {p: k for k, p in enumerate(pairs)}
        at = np.array([slot[fw[i], sw[j]] for i, j in zip(a.tolist(), A.tolist(), strict=True)], dtype=int)
        fi = np.array([p[0] for p in pairs], dtype=int)
        si = np.array([p[1] for p in pairs], dtype=int)
        x = (self.m_fermion[..., fi] / self.m_scalar[..., si]) ** 2
        values = tuple(_frozen(f[..., at]) for f in loops.dipole_functions(x)) if a.size else ()
        return a, A, values

    def _on_coupled(self, values) -> np.ndarray:
        """(nF, nS) or (N, nF, nS) array: ``values`` on the coupled pairs, 0 elsewhere."""
        a, A, _ = self._dipole_values
        full = np.zeros((*self.batch_shape, len(self.fermions), len(self.scalars)))
        if a.size:
            full[..., a, A] = values
        return _frozen(full)

    @cached_property
    def dipole_functions(self) -> tuple[np.ndarray, ...]:
        """f_N1, f_C1, f_N2, f_C2 at x = m_a²/M_A², shape (nF, nS) or (N, nF, nS), shared by
        every dipole of the sector; evaluated on the coupled pairs only (0 elsewhere, where
        every dipole term carries a vanishing coupling; read only)."""
        values = self._dipole_values[2] or ((),) * 4
        return tuple(self._on_coupled(f) for f in values)

    def dipole_kernels(self, gauge: str, multiplicity) -> tuple[np.ndarray, np.ndarray]:
        """(no-flip, flip) kernels of :func:`dipole` for a gauge boson, cached per sector:
        N_{aA}[Q_A f_N1 − Q_a f_C1]/M_A² and N_{aA} m_a [Q_A f_N2 − Q_a f_C2]/M_A², computed on
        the coupled pairs (0 elsewhere, as the functions), read only."""
        entry = self._dipole_pair_kernels(gauge, multiplicity)
        if "full" not in entry:
            entry["full"] = tuple(self._on_coupled(k) for k in entry["pairs"])
        return entry["full"]

    def dipole_block_kernels(self, gauge: str, multiplicity, fermions: tuple,
                             scalars: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The kernels of :meth:`dipole_kernels` on the block fermions × scalars, C order
        (``_take_c_order`` of the full ones: the same values in the same layout), placed
        straight from the coupled pairs (a batch's full (N, nF, nS) arrays are not formed:
        they were written and cut back once per dipole block); cached per block, read only."""
        entry = self._dipole_pair_kernels(gauge, multiplicity)
        key = (fermions, scalars)
        if key not in entry:
            a, A, _ = self._dipole_values
            fpos = {f: n for n, f in enumerate(fermions)}
            spos = {s: n for n, s in enumerate(scalars)}
            coupled = zip(a.tolist(), A.tolist(), strict=True)
            inside = [(n, fpos[i], spos[j]) for n, (i, j) in enumerate(coupled) if i in fpos and j in spos]
            at, rows, cols = (list(x) for x in zip(*inside, strict=True)) if inside else ([], [], [])
            out = []
            for k in entry["pairs"]:
                block = np.zeros((*self.batch_shape, len(fermions), len(scalars)))
                if at:
                    block[..., rows, cols] = k[..., at]
                out.append(_frozen(block))
            entry[key] = tuple(out)
        return entry[key]

    def _dipole_pair_kernels(self, gauge: str, multiplicity) -> dict:
        """Cache entry of the kernels of :meth:`dipole_kernels` for (gauge, multiplicity):
        "pairs" holds them on the coupled pairs, shape (len(a),) or (N, len(a))."""
        cache = self.__dict__.setdefault("_dipole_kernel_cache", {})
        mult = np.asarray(multiplicity)
        key = (gauge, mult.shape, mult.dtype.str, mult.tobytes())  # equal bytes, other shape
        if key not in cache:
            qf, qs = _gauge_charge_arrays(self, gauge)
            a, A, values = self._dipole_values
            if not a.size:
                cache[key] = {"pairs": ((), ())}
                return cache[key]
            f_n1, f_c1, f_n2, f_c2 = values
            # the operations of the (nF, nS) form, in its order, on the coupled pairs only
            m = np.broadcast_to(mult, (len(self.fermions), len(self.scalars)))[a, A] if mult.ndim else mult
            mf, ms2 = self.m_fermion[..., a], self.m_scalar[..., A] ** 2
            no_flip = m * (qs[A] * f_n1 - qf[a] * f_c1) / ms2
            flip = m * mf * (qs[A] * f_n2 - qf[a] * f_c2) / ms2
            cache[key] = {"pairs": (no_flip, flip)}
        return cache[key]

    def box_block(self, fermions: tuple, scalars_a: tuple, scalars_b: tuple, kinds=BOX_KINDS):
        """(I2, m_a m_b I1) on the sub-block fermions × fermions × scalars_a × scalars_b."""
        return self.box_tensors(fermions, fermions, scalars_a, scalars_b, kinds)

    def box_tensors(self, fermions_a: tuple, fermions_b: tuple, scalars_a: tuple, scalars_b: tuple,
                    kinds=BOX_KINDS):
        """(I2, m_a m_b I1) on the sub-block fermions_a × fermions_b × scalars_a × scalars_b.

        For a batch only the entries of the block are evaluated (an F_Ib box needs 18 of the
        256 entries), each distinct unordered set of four masses once (:meth:`_box_integrals`);
        for one point the block is a slice of the full tensors (fewer calls); cached per block
        (read only). ``kinds``: the ones the caller reads, "I2" and/or "I1" (BOX_KINDS: both);
        one it does not ask for is None unless at hand (a box whose topologies all take I2,
        class S without Majorana fermions, needs no I1: half of the divided differences).
        """
        cache = self.__dict__.setdefault("_box_blocks", {})
        entry = cache.setdefault((fermions_a, fermions_b, scalars_a, scalars_b), {})
        todo = [k for k in kinds if k not in entry]
        if todo and not self.batched:  # one point: slices of the full tensors
            ix = np.ix_(fermions_a, fermions_b, scalars_a, scalars_b)
            for k in todo:
                entry[k] = _frozen((self.box_I2 if k == "I2" else self.box_I1_mm)[ix])
        elif todo:
            sets = self._box_sets(fermions_a, fermions_b, scalars_a, scalars_b)
            distinct = list(dict.fromkeys(sets))
            slot = {k: n for n, k in enumerate(distinct)}
            ix = np.array([slot[k] for k in sets]).reshape(
                len(fermions_a), len(fermions_b), len(scalars_a), len(scalars_b))
            values = self._box_integrals(distinct, tuple(todo), ix)
            for k, v in zip(todo, values, strict=True):
                if k == "I2":
                    entry[k] = _frozen(v)
                else:
                    mfa = self.m_fermion[..., list(fermions_a)]
                    mfb = self.m_fermion[..., list(fermions_b)]
                    mm = (mfa[..., :, None] * mfb[..., None, :])[..., :, :, None, None]
                    entry[k] = _frozen(np.multiply(mm, v, out=v))  # v: a fresh gather (its layout kept)
        return entry.get("I2"), entry.get("I1")

    def _box_sets(self, fermions_a: tuple, fermions_b: tuple, scalars_a: tuple, scalars_b: tuple):
        """The mass sets (a, b, A, B) of :meth:`_box_integrals` of the block's entries, in C order."""
        fw, sw = self._fermion_columns, self._scalar_columns
        return [(*sorted((fw[a], fw[b])), *sorted((sw[A], sw[B])))
                for a in fermions_a for b in fermions_b for A in scalars_a for B in scalars_b]

    def plan_box_tensors(self, fermions_a: tuple, fermions_b: tuple, scalars_a: tuple,
                         scalars_b: tuple, kinds=BOX_KINDS) -> None:
        """Announce a :meth:`box_tensors` call to come (a batch only; nothing is evaluated): its
        mass sets join the next evaluation of the same ``kinds``, so the boxes of the
        semileptonic operators and of B_s mixing are one loops call, not two (a loops call
        costs ~1 ms of per-array-operation overhead on a 4096-point chunk; each set's values
        depend on its own masses alone, so they are the same numbers whichever call gives them)."""
        if not self.batched:
            return
        pending = self.__dict__.setdefault("_box_pending", {})
        sets = self._box_sets(fermions_a, fermions_b, scalars_a, scalars_b)
        pending.setdefault(tuple(k for k in BOX_KINDS if k in kinds), {}).update(dict.fromkeys(sets))

    @cached_property
    def _scalar_columns(self) -> dict[int, int]:
        """scalar index → index of the first scalar with the same mass at every point (the
        components of a multiplet are degenerate: their loop functions are computed once)."""
        return dict(enumerate(_equal_columns(self.m_scalar**2)))

    def _box_integrals(self, sets: list, kinds=BOX_KINDS, index=None) -> tuple[np.ndarray, ...]:
        """I2 and/or I1 (``kinds``, in that order) of shape (N, len(sets)) for the mass sets
        (a, b, A, B) (fermion, fermion, scalar, scalar columns, each pair sorted). I1, I2 are
        symmetric in their four masses and their divided differences sort them first, so each
        distinct set of masses — fermions and scalars of equal mass at every point share one
        (:attr:`_fermion_columns`, :attr:`_scalar_columns`) — is evaluated once per batch and
        shared by every box: one loops call for the sets not yet cached (loops.box_integrals
        for both kinds, shared points; loops.box_I2 or box_I1 for one: the same numbers).

        ``index`` (an int array of positions in ``sets``): the arrays taken at it instead,
        shape (N, *index.shape), in one gather from the loops call's own (N, sets) result
        where every set came from the same call (no (N, len(sets)) copy first: the same
        values in the same layout as the stacked array's gather)."""
        cache = self.__dict__.setdefault("_box_kernels_cache", {})
        # (set, kind) → (the loops call's (N, sets) array, the set's column): the cache's
        # entries are its columns (a copy of the sector shares the cache but may lack these)
        columns = self.__dict__.setdefault("_box_kernel_columns", {})
        todo: dict[tuple, list] = {}  # the kinds missing → the sets missing them
        for key in sets:
            missing = tuple(k for k in BOX_KINDS if k in kinds and (key, k) not in cache)
            if missing:
                todo.setdefault(missing, []).append(key)
        pending = self.__dict__.get("_box_pending", {})
        for missing, keys in todo.items():
            # the sets announced for these kinds (plan_box_tensors) and still missing them all
            ahead = pending.pop(missing, {})
            keys.extend(key for key in ahead if key not in keys
                        and all((key, kind) not in cache for kind in missing))
        mf2, ms2 = self.m_fermion**2, self.m_scalar**2
        functions = {("I2", "I1"): loops.box_integrals, ("I2",): lambda *a: (loops.box_I2(*a),),
                     ("I1",): lambda *a: (loops.box_I1(*a),)}
        for missing, keys in todo.items():
            args = [m[..., [k[pos] for k in keys]] for m, pos in ((mf2, 0), (mf2, 1), (ms2, 2), (ms2, 3))]
            for kind, value in zip(missing, functions[missing](*args), strict=True):
                for n, key in enumerate(keys):
                    cache[key, kind] = value[..., n]
                    columns[key, kind] = (value, n)
        out = []
        for kind in BOX_KINDS:
            if kind not in kinds:
                continue
            if index is not None:
                found = [columns.get((key, kind)) for key in sets]
                if all(f is not None and f[0] is found[0][0] for f in found):
                    at = np.array([f[1] for f in found])
                    out.append(found[0][0][..., at[index]])
                    continue
            stacked = np.stack([cache[key, kind] for key in sets], axis=-1)
            out.append(stacked if index is None else stacked[..., index])
        return tuple(out)

    @cached_property
    def _fermion_columns(self) -> dict[int, int]:
        """fermion index → index of the first fermion with the same mass at every point."""
        return dict(enumerate(_equal_columns(self.m_fermion**2)))


def _nonzero_anywhere(c: np.ndarray) -> np.ndarray:
    """(nF, nS) bool: c != 0 at some point of the batch (c: (..., nF, nS)). For a complex batch
    the test runs on its real and imaginary parts as one float array (N, 2 nF nS) reduced over
    its rows, then the parts are joined: the same booleans as np.any(c != 0, axis=batch) (a
    complex number is non-zero where a part is, −0.0 counting as 0 either way), at a third of
    the cost (numpy's reduction of a (N, nF, nS) array over its first axis pays per row)."""
    if c.ndim <= 2:
        return np.asarray(c != 0)
    if c.dtype != complex or not c.flags.c_contiguous:
        return np.any(c != 0, axis=tuple(range(c.ndim - 2)))
    parts = _any_rows(c.reshape(-1, c.shape[-2] * c.shape[-1]).view(float))
    return (parts[0::2] | parts[1::2]).reshape(c.shape[-2:])


#: rows of :func:`_any_rows` joined into one before the reduction over them
_ROW_BLOCK = 64


def _any_rows(x: np.ndarray) -> np.ndarray:
    """np.any(x != 0, axis=0) of a C-contiguous float array (M, w): the rows taken _ROW_BLOCK
    at a time as one row of _ROW_BLOCK w columns, reduced over those long rows, then over the
    block (numpy's reduction over the first axis of a narrow array pays per row: 3-4 times the
    time). A float is true where it is non-zero (NaN included, −0.0 not), as x != 0; the same
    booleans, in any order."""
    m, w = x.shape
    whole = m // _ROW_BLOCK * _ROW_BLOCK
    out = x[:whole].reshape(-1, _ROW_BLOCK * w).any(axis=0).reshape(_ROW_BLOCK, w).any(axis=0)
    return out | x[whole:].any(axis=0) if whole < m else out


def _frozen(*arrays):
    """The arrays made read only (a cache hands them out: a caller cannot corrupt it); one
    array for one argument, a tuple otherwise."""
    for x in arrays:
        if isinstance(x, np.ndarray):
            x.flags.writeable = False
    return arrays[0] if len(arrays) == 1 else arrays


def _support(sector: DarkSector, *couplings) -> tuple[tuple, tuple]:
    """Indices of the fermions and scalars with a non-zero coupling in any of ``couplings``."""
    used = sector.mask(couplings[0])
    for c in couplings[1:]:
        used = used | sector.mask(c)
    return tuple(np.flatnonzero(used.any(axis=1)).tolist()), tuple(np.flatnonzero(used.any(axis=0)).tolist())


def _take(c: np.ndarray, fermions: tuple, scalars: tuple) -> np.ndarray:
    """The sub-block fermions × scalars of a coupling (the array itself if that is all of it)."""
    nf, ns = c.shape[-2:]
    if len(fermions) == nf and len(scalars) == ns and fermions == tuple(range(nf)) \
            and scalars == tuple(range(ns)):
        return c
    return c[..., np.asarray(fermions, dtype=int)[:, None], np.asarray(scalars, dtype=int)[None, :]]


def _take_c_order(c: np.ndarray, fermions: tuple, scalars: tuple) -> np.ndarray:
    """np.ascontiguousarray(_take(c, fermions, scalars)) in one gather: the fancy-index cut of a
    batch comes out batch-fastest and its C-order copy is a second pass; a C-contiguous ``c``
    is read as (..., nF nS) and its columns of the block taken in C order, the same values in
    the same layout (copies only)."""
    if not c.flags.c_contiguous or c.ndim < 2:
        return np.ascontiguousarray(_take(c, fermions, scalars))
    nf, ns = c.shape[-2:]
    flat = (np.asarray(fermions, dtype=int)[:, None] * ns + np.asarray(scalars, dtype=int)[None, :]).ravel()
    return c.reshape(*c.shape[:-2], nf * ns).take(flat, axis=-1).reshape(
        *c.shape[:-2], len(fermions), len(scalars))


_COMPLEX = np.dtype(complex)
#: the types of ``a`` whose product with a complex array is complex (written into it)
_INTO_COMPLEX = (np.dtype(complex), np.dtype(float))


def _times_conj(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b.conj() with the operands in this order for every size of the arrays.

    ``a * b.conj()`` of ≥ 256 KiB (16384 complex numbers: a (4096, 4) block) is evaluated by
    numpy's temporary elision as ``tmp *= a``, the operands swapped; numpy's complex product
    (SIMD, with fused multiply-adds) is not commutative in the last bit of its imaginary part
    (Re a Im b + Im a Re b rounds one product less), so a point's value followed the batch it
    was computed in (the imaginary part of C7_ll of real couplings: 128 of the first 300 S_Ib
    points at batches above 1638 points). The product is written into the conjugate as the
    elision did (a fresh array of that size would cost ~0.5 ms of page faults a call in a
    process whose malloc is not tuned), with a first."""
    c = np.conjugate(b)  # a new array (the ufunc's output)
    if c.dtype == _COMPLEX and a.shape == c.shape and a.dtype in _INTO_COMPLEX:
        return np.multiply(a, c, out=c)
    return np.multiply(a, c)


def _sum(x: np.ndarray, n: int):
    """Sum over the last ``n`` axes (all of them without a batch axis, as before), in C order:
    numpy's reduction order follows the memory layout, and the layout of a product of batched
    arrays can depend on the batch size (a (4096, 1, 4) Z-penguin term came out point-minor,
    a (4095, 1, 4) one C-ordered), so a cancelling sum (C10 of a lepton without box couplings,
    4.9e-11 relative) would depend on the batch a point is evaluated in."""
    x = np.ascontiguousarray(x)
    return np.sum(x) if x.ndim == n else np.sum(x, axis=tuple(range(-n, 0)))


def _sum_fast(x: np.ndarray, n: int):
    """:func:`_sum` of a batch through einsum ("...ij->..."): numpy's reduction over a few
    trailing axes pays its per-row overhead at every point (4-7 times einsum's time for a
    (4096, 1, 9) array). The same terms added in einsum's order: rounding only, for the sums
    whose terms do not cancel to far below their size (dipoles, photon penguins) and for the
    bounds and checks of the Z penguin; its cancelling sums keep :func:`_sum`'s order."""
    if x.ndim == n:
        return np.sum(x)
    return np.einsum(_SUM_SPECS[n], x) if n in _SUM_SPECS else np.sum(x, axis=tuple(range(-n, 0)))


def _contract_in_order(spec: str, *operands: np.ndarray) -> np.ndarray:
    """np.einsum(spec, *operands) of a batch (one leading batch axis, "...", in every operand)
    whose every point is computed as it is in a batch of many: each term einsum's product of
    the operands, the terms added one at a time over the summed indices in C order.

    einsum's order of addition follows its loops. A batch whose operands are laid out
    point-fastest (the block cuts of :meth:`DarkSector.block`) runs the point axis innermost
    and adds a point's terms one by one; a batch of one point (or another layout) runs the
    summed axes innermost and adds them in groups, ((t0 + t1) + (t2 + t3)) instead of
    (((t0 + t1) + t2) + t3): F_IIb's and S_IIb's C9/C10 of a point alone differed from the
    batch's in the last bit. Those are formed here as einsum's products without the sum, then
    added term by term (elementwise over the batch, the same order for every batch and layout);
    a point-fastest batch keeps einsum's one call (the same numbers, checked in
    tests/test_batch_independence.py; 0.6-0.7 of the time of the products and sums apart)."""
    if operands[0].shape[0] > 1 and all(_point_fastest(x) for x in operands):
        return np.einsum(spec, *operands)
    inputs, out = spec.split("->")
    summed = "".join(dict.fromkeys(c for c in inputs.replace("...", "").replace(",", "")
                                   if c not in out))
    if not summed:
        return np.einsum(spec, *operands)
    return _sum_in_order(np.einsum(f"{spec}{summed}", *operands), len(summed))


def _point_fastest(x: np.ndarray) -> bool:
    """Whether the points (axis 0) of ``x`` are its fastest axis: adjacent in memory, every
    other axis of more than one entry a whole batch apart."""
    step = x.itemsize
    return x.strides[0] == step and all(
        n == 1 or s >= x.shape[0] * step for n, s in zip(x.shape[1:], x.strides[1:], strict=True))


def _sum_in_order(x: np.ndarray, n: int) -> np.ndarray:
    """Sum over the last ``n`` axes, the terms added one at a time in C order (elementwise
    over the leading axes: a point's sum is the same in any batch and layout)."""
    flat = x.reshape(*x.shape[:-n], -1)
    if flat.shape[-1] == 0:
        return np.zeros(flat.shape[:-1], x.dtype)
    total = flat[..., 0].copy()
    for k in range(1, flat.shape[-1]):
        total += flat[..., k]
    return total


#: :func:`_sum`'s einsum of the last 1, 2, 3, 4 axes
_SUM_SPECS = {k: "..." + "ijkl"[:k] + "->..." for k in (1, 2, 3, 4)}


# ---------------------------------------------------------------------------
# four-fermion boxes
# ---------------------------------------------------------------------------
def _quark_couplings(sector: DarkSector, chirality: str, q1: str = "s", q2: str = "b"):
    if chirality == "L":
        return sector.l(q1), sector.l(q2)
    return sector.r(q1), sector.r(q2)


def _require_single_chirality(sector: DarkSector, fermions: tuple[str, ...], what: str) -> None:
    for f in fermions:
        if sector.has(sector.l(f)) and sector.has(sector.r(f)):
            raise NotImplementedError(
                f"{f} couples with both chiralities: the scalar/tensor {what} operators "
                "this generates are not implemented in the engine")


#: Weak isospin T3 of the left-handed SM fermions.
SM_T3 = {**dict.fromkeys(QUARKS + LEPTONS, -0.5), **dict.fromkeys(UP_QUARKS + NEUTRINOS, 0.5)}


def _z_coupling_sm(f: str, chirality: str, s2w: float) -> float:
    """Z coupling of an SM fermion, T3 − s_W² Q (left-handed) or −s_W² Q (right-handed)."""
    if chirality == "L":
        return SM_T3[f] - s2w * SM_CHARGE[f]
    return -s2w * SM_CHARGE[f]


#: 16π² × box kernels of the six connected contractions (see box_semileptonic), as
#: (coefficient, loop tensor) for equal (X = Y) and opposite (X ≠ Y) chiralities; "I2" is
#: I2(m², m'², M_A², M_B²), "mmI1" is m m' I1(...).
_BOX_KERNELS = {
    "FD": ((-0.25, "I2"), (-0.5, "mmI1")),
    "FX": ((0.5, "mmI1"), (0.25, "I2")),
    "M1": ((0.25, "I2"), (-0.5, "mmI1")),
    "M2": ((0.5, "mmI1"), (-0.25, "I2")),
    "SD": ((-0.25, "I2"), (-0.25, "I2")),
    "SX": ((0.25, "I2"), (0.25, "I2")),
}
#: coupling index patterns: s̄-vertex Q_s, b-vertex Q_b^*, ℓ̄-vertex X̄, ℓ-vertex X^*, then the
#: loop tensor over (fermion, fermion', scalar A, scalar B)
_BOX_INDICES = {
    "FD": "...aA,...bA,...bB,...aB,...abAB->...",
    "FX": "...aA,...bA,...aB,...bB,...abAB->...",
    "M1": "...aA,...bB,...bA,...aB,...abAB->...",
    "M2": "...aA,...bB,...aB,...bA,...abAB->...",
    "SD": "...aA,...aB,...cB,...cA,...acAB->...",
    "SX": "...aA,...aB,...cA,...cB,...acAB->...",
}

#: the couplings of _BOX_INDICES grouped by fermion line (SD, SX: a quark line a, a lepton line
#: c; M1, M2: lines a and b), each pair as (einsum of the pair to (fermion, A, B), slots in cut)
_BOX_PAIRS = {
    "SD": (("...aA,...aB->...aAB", 0, 1), ("...cB,...cA->...cAB", 2, 3)),
    "SX": (("...aA,...aB->...aAB", 0, 1), ("...cA,...cB->...cAB", 2, 3)),
    "M1": (("...aA,...aB->...aAB", 0, 3), ("...bB,...bA->...bAB", 1, 2)),
    "M2": (("...aA,...aB->...aAB", 0, 2), ("...bB,...bA->...bAB", 1, 3)),
}


def _box_kernel(sector: DarkSector, name: str, same: bool, fermions_q, fermions_l, scalars_q,
                scalars_l) -> np.ndarray:
    """16π² × the loop kernel of one topology (_BOX_KERNELS, with κ or ρ) on the block, cached
    per sector (masses only: shared by all lepton flavours and calls; read only). Held as a
    complex array (imaginary part 0): every use multiplies it with complex couplings, which
    numpy (and einsum) does by casting it to complex first — once here, not at every use, the
    same numbers."""
    cache = sector.__dict__.setdefault("_box_kernel_cache", {})
    key = (name, same, fermions_q, fermions_l, scalars_q, scalars_l)
    if key not in cache:
        coeff, kind = _BOX_KERNELS[name][0 if same else 1]
        # the kinds this topology reads for either chirality pair, in one evaluation (SD, SX:
        # I2 alone; the others both): "mmI1" is m m' times I1
        read = {k.removeprefix("mm") for _, k in _BOX_KERNELS[name]}
        kinds = tuple(k for k in BOX_KINDS if k in read)
        i2, mm_i1 = sector.box_tensors(fermions_q, fermions_l, scalars_q, scalars_l, kinds)
        kernel = coeff * (i2 if kind == "I2" else mm_i1)
        if name in ("FX", "M2"):
            kernel = kernel * sector.kappa[np.ix_(fermions_q, fermions_l)][:, :, None, None]
        if name in ("SX", "M1"):
            kernel = kernel * sector.rho[np.ix_(scalars_q, scalars_l)][None, None, :, :]
        cache[key] = _frozen(kernel.astype(complex))
    return cache[key]


def _box_topology(sector: DarkSector, name: str, same: bool, couplings, fermions_q, fermions_l,
                  scalars_q, scalars_l):
    """16π² × one topology of box_semileptonic on the given support (see there).

    ``fermions_q``/``fermions_l`` index the two fermion slots of the loop tensor, ``scalars_q``,
    ``scalars_l`` the two scalar slots; the couplings are cut to the matching sub-blocks.
    """
    Qs, Qb, X_bar, X = couplings
    kernel = _box_kernel(sector, name, same, fermions_q, fermions_l, scalars_q, scalars_l)
    # slots: FD/FX (a: s̄ & ℓ, b: b & ℓ̄, A: quark, B: lepton); M1/M2 (a, b as FD; A: s̄ & ℓ̄
    # or ℓ, B: b & the other lepton); SD/SX (a: quark line, c: lepton line, A: s̄ & ℓ or ℓ̄)
    if name in ("FD", "FX"):
        blocks = ((fermions_q, scalars_q), (fermions_l, scalars_q), (fermions_q, scalars_l),
                  (fermions_l, scalars_l))
        order = {"FD": (0, 1, 3, 2), "FX": (0, 1, 2, 3)}[name]
    elif name in ("M1", "M2"):
        blocks = ((fermions_q, scalars_q), (fermions_l, scalars_l), (fermions_q, scalars_l),
                  (fermions_l, scalars_q))
        order = {"M1": (0, 1, 3, 2), "M2": (0, 1, 2, 3)}[name]
    else:
        blocks = ((fermions_q, scalars_q), (fermions_q, scalars_l), (fermions_l, scalars_l),
                  (fermions_l, scalars_q))
        order = {"SD": (0, 1, 2, 3), "SX": (0, 1, 3, 2)}[name]
    # the four couplings in the order of _BOX_INDICES, each on its (fermion, scalar) block
    cut = [sector.block(c, *blocks[k], conj)
           for (c, conj), k in zip(((Qs, False), (Qb, True), (X_bar, False), (X, True)), order, strict=True)]
    if name in ("FD", "FX"):  # quark and lepton pairs first (fewer operations, the class-F order)
        quark = sector.product("...aA,...bA->...abA", cut[0], cut[1])
        pair = "...aB,...bB->...abB"
        lepton = (sector.product(pair, cut[3], cut[2]) if name == "FD"
                  else sector.product(pair, cut[2], cut[3]))
        return np.einsum("...abA,...abB,...abAB->...", quark, lepton, kernel)
    # the others: the two couplings on each fermion line first (the quark line's pair is shared
    # by every lepton flavour), then one three-operand contraction, not one of five
    first, second = _BOX_PAIRS[name]
    left = sector.product(first[0], cut[first[1]], cut[first[2]])
    right = sector.product(second[0], cut[second[1]], cut[second[2]])
    return np.einsum("...aAB,...bAB,...abAB->...", left, right, kernel)


def box_semileptonic(sector: DarkSector, quark_chirality: str, lepton_chirality: str,
                     lep_bar: str, lep: str, q_bar: str = "s", q: str = "b",
                     colour_weight: np.ndarray | None = None) -> complex:
    """Coefficient (GeV⁻²) of (q̄_bar γ^μ P_X q)(ℓ̄_bar γ_μ P_Y ℓ) in L from boxes.

    The sum over all Wick contractions of the fourth order of (G), derived here for any
    mass-basis input (Dirac or Majorana fermions, complex or real scalars, any state coupling
    to both sides); the structure is that of arXiv:1608.07832 (both classes, left-handed
    couplings) and arXiv:1904.05890 (general chiralities), the derivation that of
    physics.md §4 extended to all pairings. With the vertices s̄ Q_s^{aA} F_a S_A,
    F̄ Q_b^* b S^*, ℓ̄ X̄ F S, F̄ X^* ℓ S^* (Q = l or r of the quark chirality X, X̄, X the
    couplings of ℓ̄_bar, ℓ for chirality Y), the fermion fields pair as (s̄-line with b-line)
    or (s̄ with ℓ) or, for Majorana states only, (s̄ with ℓ̄); the scalars likewise, the last
    only for real states. The six connected combinations give

        16π² C = Σ_{a,b,A,B} [ FD + κ FX + ρ M1 + κ M2 + SD + ρ SX ]

    ===========================  ===================================  ==========  ===========
    topology                     couplings                            X = Y       X ≠ Y
    ===========================  ===================================  ==========  ===========
    FD fermion-mediated          Q_s^{aA} Q_b^{bA*} X̄^{bB} X^{aB*}    −¼ I2       −½ m_a m_b I1
    FX  … crossed (κ_aκ_b)       Q_s^{aA} Q_b^{bA*} X̄^{aB} X^{bB*}    +½ m_a m_b I1  +¼ I2
    SD scalar-mediated (class S) Q_s^{aA} Q_b^{aB*} X̄^{bB} X^{bA*}    −¼ I2       −¼ I2
    SX  … crossed (ρ_Aρ_B)       Q_s^{aA} Q_b^{aB*} X̄^{bA} X^{bB*}    +¼ I2       +¼ I2
    M1 mixed (ρ_Aρ_B)            Q_s^{aA} Q_b^{bB*} X̄^{bA} X^{aB*}    +¼ I2       −½ m_a m_b I1
    M2 mixed (κ_aκ_b)            Q_s^{aA} Q_b^{bB*} X̄^{aB} X^{bA*}    +½ m_a m_b I1  −¼ I2
    ===========================  ===================================  ==========  ===========

    with I_k = I_k(m_a², m_b², M_A², M_B²) (physics.md §3), κ_ab = 1 for two Majorana fermions,
    ρ_AB = 1 for two real scalars. Ingredients: Grassmann signs of the pairings; the Fierz
    identities (ψ̄1γ^μP_Lψ2)(ψ̄3γ_μP_Lψ4) = +(ψ̄1γ^μP_Lψ4)(ψ̄3γ_μP_Lψ2) and
    (ψ̄1P_Rψ2)(ψ̄3P_Lψ4) = −½(ψ̄1γ^μP_Lψ4)(ψ̄3γ_μP_Rψ2); ψ̄^cγ^μP_Rχ^c = −χ̄γ^μP_Lψ for the
    Majorana contractions; and the loop momentum: in the real-scalar crossings SX, M1 (and
    M2 relative to FX) one fermion line carries −ℓ relative to the uncrossed case, which
    flips the sign of the ℓ̸⊗ℓ̸ (I2) term and leaves the m m' (I1) term. In class S the fermion
    lines join s̄ to b and ℓ̄ to ℓ, so only ℓ̸ survives on each and both lepton chiralities
    give I2.

    Consequences: (i) one real scalar exchanged between Dirac Ψ_q, Ψ_ℓ gives SD + SX = 0
    (the current i(S∂S − ∂S S) of a real field vanishes); a complex scalar split into real
    components of masses M_R, M_I gives −¼ I2(m_q², m_ℓ², M_R², M_I²). (ii) Class F ↔ class S:
    I2 is symmetric in its four arguments, so the Dirac class-F box (F; S_q, S_ℓ) equals the
    class-S box (Φ; Ψ_q, Ψ_ℓ) with M_Φ = m_F, m_{Ψq} = M_{Sq}, m_{Ψℓ} = M_{Sℓ}. (iii) With
    colour-singlet leptons and the implemented quark couplings, M1 and M2 cannot occur (a state
    coupling to both sides would have to be a colour singlet and a triplet); they matter for
    B_s mixing (box_bsbs) and are kept for generality. Colour factors are 1 (module
    docstring). Every topology is tested against tests/wick_oracle.py.

    Any four distinct SM fields may stand in the slots (q̄_bar, q, ℓ̄_bar, ℓ): (ē μ)(ū u) for
    μ–e conversion, (ē μ)(ē e) for μ→3e (identical fields: the caller adds the combinatorics,
    see bridge.lfv). Four colour singlets coupling through a loop with both particles
    coloured close a colour loop: pass ``colour_weight`` = :func:`colour_multiplicity` of the
    q̄_bar vertex (every term has exactly one such vertex, so the weight is the colour trace).
    """
    Qs, Qb = _quark_couplings(sector, quark_chirality, q_bar, q)
    if colour_weight is not None:  # closed colour loop of four colour-singlet fields (see above)
        Qs = Qs * colour_weight
    if lepton_chirality == "L":
        X_bar, X = sector.l(lep_bar), sector.l(lep)
    else:
        X_bar, X = sector.r(lep_bar), sector.r(lep)
    if not sector.has(Qs, Qb, X_bar, X):
        return sector._result(0j)
    sector.require_implemented_colour((q_bar, q, lep_bar, lep), "b→sℓℓ box")
    same = quark_chirality == lepton_chirality
    couplings = (Qs, Qb, X_bar, X)
    fq, sq = _support(sector, Qs, Qb)
    fl, sl = _support(sector, X_bar, X)
    f_both = tuple(a for a in fq if a in fl)
    s_both = tuple(A for A in sq if A in sl)
    total = 0
    if f_both:  # a fermion couples to quarks and leptons (class F)
        total = total + _box_topology(sector, "FD", same, couplings, f_both, f_both, sq, sl)
        if np.any(sector.kappa[np.ix_(f_both, f_both)]):
            total = total + _box_topology(sector, "FX", same, couplings, f_both, f_both, sq, sl)
    if s_both:  # a scalar couples to quarks and leptons (class S)
        total = total + _box_topology(sector, "SD", same, couplings, fq, fl, s_both, s_both)
        real = np.any(sector.rho[np.ix_(s_both, s_both)])
        if real:
            total = total + _box_topology(sector, "SX", same, couplings, fq, fl, s_both, s_both)
        if f_both:  # both (never with colour-singlet leptons; see (iii))
            if real:
                total = total + _box_topology(sector, "M1", same, couplings, f_both, f_both,
                                              s_both, s_both)
            if np.any(sector.kappa[np.ix_(f_both, f_both)]):
                total = total + _box_topology(sector, "M2", same, couplings, f_both, f_both,
                                              s_both, s_both)
    return sector._result(total) / _LOOP


def semileptonic_boxes(sector: DarkSector, quark_chirality: str, lepton_chirality: str,
                       leptons: tuple[str, ...], diagonal: bool, q_bar: str = "s",
                       q: str = "b") -> dict[tuple[str, str], np.ndarray | complex | None]:
    """:func:`box_semileptonic` of every lepton pair (ℓ̄_i, ℓ_j) of ``leptons`` (only i = j if
    ``diagonal``) for one quark pair and chirality pair, contracted over an axis of lepton
    flavours: {(ℓ̄_i, ℓ_j): value}, None where a coupling vanishes over the whole batch (the
    box is then exactly 0; box_semileptonic returns zeros there).

    The same sum as box_semileptonic (its table of topologies, arXiv:1608.07832 and
    arXiv:1904.05890 structure, physics.md §4-§6) grouped differently: the quark couplings and
    the loop kernel of a topology do not depend on the leptons, so they are contracted first,

        class F:  W_ab^B = Σ_A [Q_s^{aA} Q_b^{bA*} K^FD_abAB + Q_s^{bA} Q_b^{aA*} K^FX_baAB],
                  16π² C_ij = Σ_{a,b,B} W_ab^B X_j^{aB*} X̄_i^{bB}
        class S:  V_c^{AB} = Σ_a [Q_s^{aA} Q_b^{aB*} K^SD_acAB + Q_s^{aB} Q_b^{aA*} K^SX_acBA],
                  16π² C_ij = Σ_{c,A,B} V_c^{AB} X̄_i^{cB} X_j^{cA*}

    (FX is FD with the lepton fermion indices a ↔ b exchanged, SX is SD with the lepton
    scalar indices A ↔ B exchanged), and every lepton pair then costs one contraction of the
    small W or V with its couplings, all pairs of leptons of equal support in one call.
    Leptons whose couplings live on other fermions or scalars are grouped apart; a sector with
    a state coupling to quarks and leptons on both lines (M1, M2: never with colour-singlet
    leptons and the implemented quark couplings) goes through box_semileptonic pair by pair.
    """
    Qs, Qb = _quark_couplings(sector, quark_chirality, q_bar, q)
    pairs = [(i, j) for i in leptons for j in leptons if not diagonal or i == j]
    out: dict = dict.fromkeys(pairs)
    if not sector.has(Qs, Qb):
        return out
    side = sector.l if lepton_chirality == "L" else sector.r
    live = [f for f in leptons if sector.has(side(f))]
    if not live:
        return out
    sector.require_implemented_colour((q_bar, q, *live), "b→sℓℓ box")
    same = quark_chirality == lepton_chirality
    fq, sq = _support(sector, Qs, Qb)
    groups: dict = {}
    for f in live:
        groups.setdefault(_support(sector, side(f)), []).append(f)
    for (fl, sl), group in groups.items():
        f_both = tuple(a for a in fq if a in fl)
        s_both = tuple(A for A in sq if A in sl)
        if f_both and s_both:  # the mixed topologies M1, M2: the general route
            for i in group:
                for j in group:
                    if (i, j) in out:
                        out[i, j] = box_semileptonic(sector, quark_chirality, lepton_chirality,
                                                     i, j, q_bar, q)
            continue
        values = _lepton_axis_box(sector, same, Qs, Qb, [side(f) for f in group], diagonal,
                                  fq, sq, fl, sl, f_both, s_both)
        for m, i in enumerate(group):
            for n, j in enumerate(group):
                if (i, j) in out:
                    value = values[..., m] if diagonal else values[..., m, n]
                    out[i, j] = sector._result(value)
    # pairs across groups (ℓ̄_i and ℓ_j on different states): the general route
    for i, j in pairs:
        if out[i, j] is None and i in live and j in live:
            out[i, j] = box_semileptonic(sector, quark_chirality, lepton_chirality, i, j, q_bar, q)
    return out


def _lepton_axis_box(sector: DarkSector, same: bool, Qs, Qb, lepton_couplings: list, diagonal: bool,
                     fq, sq, fl, sl, f_both, s_both):
    """C (GeV⁻²) of :func:`semileptonic_boxes` for the leptons of one support (fl, sl), shape
    (..., L) if ``diagonal`` else (..., L, L) ([..., i, j]: ℓ̄_i, ℓ_j); zeros if no state
    couples to both sides."""
    n_lep = len(lepton_couplings)
    if f_both:  # class F (fl ⊇ f_both, the lepton blocks on f_both × sl)
        quark = sector.product("...aA,...bA->...abA", sector.block(Qs, f_both, sq),
                               sector.block(Qb, f_both, sq, True))
        weight = _sum_one("...abA,...abAB->...abB", quark,
                          _box_kernel(sector, "FD", same, f_both, f_both, sq, sl), -1)
        if np.any(sector.kappa[np.ix_(f_both, f_both)]):
            crossed = _sum_one("...abA,...abAB->...abB", quark,
                               _box_kernel(sector, "FX", same, f_both, f_both, sq, sl), -1)
            weight = weight + np.swapaxes(crossed, -3, -2)
        x_bar = _stack_leptons([sector.block(c, f_both, sl) for c in lepton_couplings])
        x_conj = x_bar.conj()
        if diagonal:
            total = _contract_in_order("...abB,...iaB,...ibB->...i", weight, x_conj, x_bar)
        else:
            total = _pair_sum(x_bar, np.einsum("...abB,...jaB->...jbB", weight, x_conj))
    elif s_both:  # class S (the lepton blocks on fl × s_both)
        quark = sector.product("...aA,...aB->...aAB", sector.block(Qs, fq, s_both),
                               sector.block(Qb, fq, s_both, True))
        weight = _sum_one("...aAB,...acAB->...cAB", quark,
                          _box_kernel(sector, "SD", same, fq, fl, s_both, s_both), -3)
        if np.any(sector.rho[np.ix_(s_both, s_both)]):
            crossed = _sum_one("...aAB,...acAB->...cAB", quark,
                               _box_kernel(sector, "SX", same, fq, fl, s_both, s_both), -3)
            weight = weight + np.swapaxes(crossed, -1, -2)
        x_bar = _stack_leptons([sector.block(c, fl, s_both) for c in lepton_couplings])
        x_conj = x_bar.conj()
        if diagonal:
            total = _contract_in_order("...cAB,...icB,...icA->...i", weight, x_bar, x_conj)
        else:
            total = _pair_sum(np.einsum("...cAB,...icB->...icA", weight, x_bar), x_conj)
    else:
        total = np.zeros((*sector.batch_shape, n_lep) if diagonal else (*sector.batch_shape, n_lep, n_lep))
    return total / _LOOP


def _stack_leptons(blocks: list) -> np.ndarray:
    """np.stack(blocks, axis=-3) (the lepton axis before a block's two), for a batch of more
    than one point laid out point-fastest as the blocks are (np.stack's is C order): the
    contractions of :func:`_contract_in_order` then keep einsum's one call."""
    first = blocks[0]
    if len(blocks) == 1 or first.ndim != 3 or first.shape[0] < 2:
        return np.stack(blocks, axis=-3)
    n, f, s = first.shape
    out = np.empty((len(blocks), f, s, n), dtype=np.result_type(*blocks)).transpose(3, 0, 1, 2)
    for k, block in enumerate(blocks):
        out[:, k] = block
    return out


def _sum_one(spec: str, quark: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """np.einsum(spec, quark, kernel) of :func:`_lepton_axis_box` (the quark pair with a real
    loop kernel, summed over the quark pair's ``axis``); where that axis has one entry (one
    scalar of class F, one fermion of class S on the quark line: F_Ib, S_Ib) the one term as a
    broadcast product: bit-identical (einsum adds it to 0, and its complex × real product
    rounds as numpy's multiply), at half the cost of einsum's loops over the small axes."""
    if quark.shape[axis] != 1:
        return np.einsum(spec, quark, kernel)
    if axis == -1:  # "...abA,...abAB->...abB"
        return quark[..., 0, None] * kernel[..., 0, :]
    return quark[..., 0, None, :, :] * kernel[..., 0, :, :, :]  # "...aAB,...acAB->...cAB"


def _pair_sum(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """out[..., i, j] = Σ_{x, y} left[..., i, x, y] right[..., j, x, y] (einsum
    "...ixy,...jxy->...ij") as one batched matrix product over the flattened (x, y): numpy's
    matmul instead of einsum's loops over the small axes (a sum of the same products in
    another order: rounding only)."""
    n = left.shape[-2] * left.shape[-1]
    return np.matmul(left.reshape(*left.shape[:-2], n),
                     np.swapaxes(right.reshape(*right.shape[:-2], n), -1, -2))


def box_bsbs(sector: DarkSector, chirality: str = "L", q_bar: str = "s", q: str = "b") -> complex:
    """Coefficient (GeV⁻²) of (s̄ γ^μ P_X b)² in L: CVLL_bsbs (X = L), CVRR_bsbs (X = R).

    ``q_bar``, ``q`` choose another quark pair: (d, b) for B_d, (d, s) for K, (c, u) for D
    mixing (flavio's CVLL_bdbd, CVLL_sdsd, CVLL_ucuc multiply (q̄_bar γ P q)²).

    physics.md §6, extended to real scalars: the contractions of box_semileptonic with the
    lepton pair replaced by a second s̄ b pair. For two identical currents the coefficient of
    the operator is ¼ of the sum of the six topologies (the operator's monomials carry weight
    2 × 2: two orderings of the identical pairs, and the Fierz image of VLL is itself), and
    FD = SD, FX = M2, SX = M1 pairwise:

        16π² C = Σ_{a,b,A,B} [−⅛ I2 Q_s^{aA} Q_b^{aB*} Q_s^{bB} Q_b^{bA*}
                             + κ_ab ¼ m_a m_b I1 Q_s^{aA} Q_s^{aB} Q_b^{bA*} Q_b^{bB*}
                             + ρ_AB ⅛ I2 Q_s^{aA} Q_s^{bA} Q_b^{aB*} Q_b^{bB*}],

    (includes the 1/(2!2!) of two identical vertex pairs). For one fermion F and one scalar S,
    x = M_S²/M_F²:

        C = −(l_s l_b^*)² [(1 − ρ) F(x,x) + 2κ G(x,x)]/(128π² M_F²),

    the form of arXiv:1608.07832 for a Dirac or Majorana F and complex S (F + 2G cancels at
    M_S = M_F for Majorana F). A real S cancels the direct box for every mass: a Dirac fermion
    with one real scalar gives no B_s mixing (cf. arXiv:2605.04010 for a vector-like quark
    with a real singlet), a Majorana one only the crossed 2G(x,x), which does not vanish at
    degeneracy.

    Colour: with a triplet fermion (class S) the fermion-line pairing has colour δ_ij δ_kl in
    (s̄_i b_j)(s̄_k b_l), with a triplet scalar (class F) it is δ_il δ_kj; the other pairing
    has the other structure. The colour-crossed VLL operator equals the singlet one,
    (s̄_i γ^μP_L b_j)(s̄_j γ_μP_L b_i) = (s̄_i γ^μP_L b_i)(s̄_j γ_μP_L b_j) (Fierz of VLL with
    anticommuting fields, coefficient +1), so every colour factor is 1 (tested with explicit
    colour indices in tests/wick_oracle.py).
    """
    Qs, Qb = _quark_couplings(sector, chirality, q_bar, q)
    if not sector.has(Qs, Qb):
        return sector._result(0j)
    sector.require_implemented_colour((q_bar, q), "ΔF=2 box")
    f, sq, kinds = _bsbs_block(sector, Qs, Qb)
    Qs, Qb = _take(Qs, f, sq), _take(Qb, f, sq)
    kappa = sector.kappa[np.ix_(f, f)]
    majorana = "I1" in kinds  # (_bsbs_block: I1 is read by the Majorana crossed boxes alone)
    I2, mmI1 = sector.box_block(f, sq, sq, kinds)
    # the coupling pairs of one fermion line, formed once: P_aAB = Q_s^{aA} Q_b^{aB*} enters the
    # direct box twice (P_aAB P_bBA) and the real-scalar one twice (P_aAB P_bAB); then one
    # three-operand contraction per topology instead of a five-operand one (half the products)
    Qb_c = Qb.conj()
    pair = np.einsum("...aA,...aB->...aAB", Qs, Qb_c)
    total = -0.125 * np.einsum("...aAB,...bBA,...abAB->...", pair, pair, I2)
    if majorana:  # crossed boxes of Majorana fermions (exactly 0 without: left out)
        crossed = np.einsum("...aAB,...bAB,...abAB->...", np.einsum("...aA,...aB->...aAB", Qs, Qs),
                            np.einsum("...aA,...aB->...aAB", Qb_c, Qb_c),
                            kappa[:, :, None, None] * mmI1)
        total = total + 0.25 * crossed
    rho = sector.rho[np.ix_(sq, sq)]
    if np.any(rho):
        total = total + 0.125 * np.einsum("...aAB,...bAB,...abAB->...", pair, pair,
                                          rho[None, None, :, :] * I2)
    return sector._result(total) / _LOOP


def _bsbs_block(sector: DarkSector, Qs: np.ndarray, Qb: np.ndarray):
    """(fermions, scalars, box kinds) of :func:`box_bsbs`: the support of Q_s, Q_b and the
    kinds it reads (m_a m_b I1 enters the crossed boxes of Majorana fermions only)."""
    f, sq = _support(sector, Qs, Qb)
    return f, sq, BOX_KINDS if np.any(sector.kappa[np.ix_(f, f)]) else ("I2",)


def plan_bsbs_boxes(sector: DarkSector, q_bar: str = "s", q: str = "b") -> None:
    """Announce the box tensors :func:`box_bsbs` of both chiralities will read
    (:meth:`DarkSector.plan_box_tensors`): evaluated with the next boxes of a batch (the
    semileptonic ones), in one loops call; nothing is evaluated here."""
    if not sector.batched:
        return
    for chirality in "LR":
        Qs, Qb = _quark_couplings(sector, chirality, q_bar, q)
        if sector.has(Qs, Qb):
            f, sq, kinds = _bsbs_block(sector, Qs, Qb)
            sector.plan_box_tensors(f, f, sq, sq, kinds)


# ---------------------------------------------------------------------------
# dipoles
# ---------------------------------------------------------------------------
def _gauge_charges(sector: DarkSector, gauge: str, f_out: str, f_in: str):
    """(charges of the fermions, of the scalars, colour multiplicity (nF, nS)) of the loop.

    Photon: electric charges; a colour-singlet external fermion with both loop particles
    coloured (lepton with 3 ⊗ 3̄ or 8 ⊗ 8) sums over the colour of the loop, multiplicity
    dim(F) (Σ_i δ_ii); quarks (implemented: one coloured triplet in the loop) have 1.
    Gluon (quarks only): the triplet coupled to the quark by δ carries the generator T^a of
    the quark, so its "charge" is 1 and the singlet's 0 (T_q = T_F + T_S, as Q_f = Q_F + Q_S).
    """
    sector.require_implemented_colour((f_out, f_in), f"{gauge} dipole")
    if gauge == "gluon":
        if SM_COLOUR.get(f_out, 1) == 1 or SM_COLOUR.get(f_in, 1) == 1:
            raise ValueError(f"gluon dipole of {f_out}, {f_in}: needs quarks")
    elif gauge != "photon":
        raise ValueError(f"unknown gauge boson {gauge!r}")
    qf, qs = _gauge_charge_arrays(sector, gauge)
    multiplicity = 1.0
    if SM_COLOUR.get(f_out, 1) == 1 and SM_COLOUR.get(f_in, 1) == 1:
        counted = colour_multiplicity(sector)
        if np.any(counted != 1):  # an array only where it matters (kernels cached by it)
            multiplicity = counted
    return qf, qs, multiplicity


def _gauge_charge_arrays(sector: DarkSector, gauge: str):
    if gauge == "gluon":
        return (np.array([F.colour == 3 for F in sector.fermions], dtype=float),
                np.array([S.colour == 3 for S in sector.scalars], dtype=float))
    return (np.array([F.charge for F in sector.fermions]),
            np.array([S.charge for S in sector.scalars]))


def colour_multiplicity(sector: DarkSector) -> np.ndarray:
    """(nF, nS): the colour sum Σ_i δ_ii = dim(F_a) of a colour-singlet external fermion's
    loop with both particles coloured (3 ⊗ 3̄, 8 ⊗ 8), 1 otherwise. It multiplies lepton
    dipoles and penguins, and a four-lepton box once (one closed colour loop)."""
    colour_f = np.array([F.colour for F in sector.fermions])
    colour_s = np.array([S.colour for S in sector.scalars])
    dims = np.array([COLOUR_DIM[c] for c in colour_f], dtype=float)
    both = (colour_f[:, None] != 1) & (colour_s[None, :] != 1)
    return np.where(both, dims[:, None], 1.0)


def dipole(sector: DarkSector, f_out: str, f_in: str, m_out: float, m_in: float,
           gauge: str = "photon", chiralities: str = "RL") -> tuple[complex, complex]:
    """(c_R, c_L)/e of L ⊃ c_R f̄_out σ^{μν} P_R f_in F_{μν} + c_L f̄_out σ^{μν} P_L f_in F_{μν}.

    physics.md §7 (functions of Hisano et al. hep-ph/9510309), D_μ = ∂_μ + ieQA_μ:

        c_R = e/(64π²) Σ_{a,A} N_{aA} M_A⁻² {(l_o l_i^* m_i + r_o r_i^* m_o)[Q_A f_N1 − Q_a f_C1]
                                            + l_o r_i^* m_a [Q_A f_N2 − Q_a f_C2]},  x = m_a²/M_A²

    and c_L with l ↔ r; N_{aA} is the colour multiplicity of the loop (1 for quarks and for
    colour-singlet loops, 3 or 8 for a lepton with a 3 ⊗ 3̄ or 8 ⊗ 8 pair). For the gluon
    (``gauge="gluon"``, quarks only) e → g_s and the charges become colour factors: 1 on the
    colour-triplet loop particle (the scalar of class F, the fermion of class S), 0 on the
    singlet. The returned values are divided by e (or g_s). ``chiralities="R"`` computes c_R
    only (c_L is then returned as 0). Terms whose couplings vanish are skipped.
    """
    _, _, mult = _gauge_charges(sector, gauge, f_out, f_in)
    lo, ro = sector.l(f_out), sector.r(f_out)
    li, ri = sector.l(f_in), sector.r(f_in)
    no_flip, flip, (lo, ro, li, ri) = _dipole_block(sector, gauge, mult, (lo, ro, li, ri))
    c_r = _dipole_sum(sector, (lo, li), (ro, ri), (lo, ri), m_out, m_in, no_flip, flip)
    if "L" not in chiralities:
        return c_r, sector._result(0j)
    return c_r, _dipole_sum(sector, (ro, ri), (lo, li), (ro, li), m_out, m_in, no_flip, flip)


def _dipole_block(sector: DarkSector, gauge: str, mult, couplings: tuple):
    """(no-flip kernel, flip kernel, couplings) of :func:`dipole`: for a batch cut to the block
    of the fermions and scalars any of ``couplings`` reaches (every term of the sum carries two
    of them: the other entries add exact zeros), cached per block; the sum over a few coupled
    pairs instead of all nF × nS of them (the same terms, added in another order)."""
    if not sector.batched:
        return (*sector.dipole_kernels(gauge, mult), couplings)
    fs, sq = _support(sector, *couplings)
    if len(fs) == len(sector.fermions) and len(sq) == len(sector.scalars):
        return (*sector.dipole_kernels(gauge, mult), couplings)
    no_flip, flip = sector.dipole_block_kernels(gauge, mult, fs, sq)
    # C order (the fancy-index cut of a batch comes out batch-fastest): the sums over the block
    # then add each point's terms as for a batch of one, whatever the batch (bit for bit)
    cache = sector.__dict__.setdefault("_dipole_block_cache", {})
    out = []
    for c in couplings:
        key = (id(c), fs, sq)
        hit = cache.get(key)
        if hit is None or hit[0] is not c:
            hit = (c, _frozen(_take_c_order(c, fs, sq)))
            cache[key] = hit
        out.append(hit[1])
    return no_flip, flip, tuple(out)


def _dipole_sum(sector: DarkSector, x, y, f, m_out, m_in, no_flip, flip):
    """c/e = 1/(64π²) Σ_{a,A} [(x_o x_i^* m_in + y_o y_i^* m_out) no_flip + f_o f_i^* flip] of
    :func:`dipole` (x, y, f: (out, in) coupling pairs); a term whose couplings vanish is left
    out (the same arithmetic otherwise)."""
    h, prod = sector.has, sector.times_conj
    pair = None
    if h(*x):
        pair = prod(*x) * m_in
    if h(*y):
        term = prod(*y) * m_out
        pair = term if pair is None else pair + term
    total = None if pair is None else pair * no_flip
    if h(*f):
        term = prod(*f) * flip
        total = term if total is None else total + term
    if total is None:
        return sector._result(0j)
    return sector._result(1.0 / (64.0 * math.pi**2) * _sum_fast(total, 2))


def delta_a_lepton(sector: DarkSector, lepton: str, m_lepton: float) -> float:
    """Δa_ℓ = (4 m_ℓ/e) Re c_R^{ℓℓ} (physics.md §7.1; flavio/physics/mdms/al.py convention)."""
    c_r, _ = dipole(sector, lepton, lepton, m_lepton, m_lepton, chiralities="R")
    return 4.0 * m_lepton * c_r.real


def delta_a_split(sector: DarkSector, lepton: str, m_lepton: float) -> tuple:
    """(Δa_ℓ, its LL part ∝ |l|², its RR part ∝ |r|²): Δa = (4 m_ℓ/e) Re c_R^{ℓℓ} of
    :func:`dipole`, and the same c_R with only the l (only the r) couplings of the lepton; the
    rest, Δa − LL − RR, is the chirally enhanced l r^* term."""
    _, _, mult = _gauge_charges(sector, "photon", lepton, lepton)
    # the block of delta_a_lepton's dipole (the same couplings): its cut kernels and products
    no_flip, flip, (left, right, zero) = _dipole_block(
        sector, "photon", mult, (sector.l(lepton), sector.r(lepton), sector._zero))
    none = (zero, zero)
    ll = _dipole_sum(sector, (left, left), none, none, m_lepton, m_lepton, no_flip, flip)
    rr = _dipole_sum(sector, none, (right, right), none, m_lepton, m_lepton, no_flip, flip)
    return (delta_a_lepton(sector, lepton, m_lepton), 4.0 * m_lepton * ll.real, 4.0 * m_lepton * rr.real)


# ---------------------------------------------------------------------------
# penguins
# ---------------------------------------------------------------------------
def photon_penguin(sector: DarkSector, chirality: str = "L", f_bar: str = "s",
                   f: str = "b") -> complex:
    """Coefficient C_P/e (GeV⁻²) of L ⊃ C_P (s̄ γ^μ P_X b) ∂^ν F_{μν}, times 1/e.

    ``f_bar``, ``f``: another pair of SM fermions of equal charge, (f̄_bar γ P_X f) (d̄ b, d̄ s,
    ē μ, μ̄ τ, ...); a colour-singlet pair with both loop particles coloured carries the colour
    multiplicity (:func:`colour_multiplicity`) as the lepton dipoles do.

    physics.md §8: C_P = −e/(16π²) Σ_{a,A} Q_s^{aA} Q_b^{aA*} [Q_a J_F(x) + Q_A J_S(x)]/M_A²,
    x = m_a²/M_A². With ∂^ν F_{μν} = −e Σ Q_f f̄ γ_μ f it gives a lepton-universal
    vector current: C9^γ = e C_P/N_F = −𝒩 Σ (...) (no α dependence). Colour factor 1 for the
    implemented quark couplings (one coloured triplet in the loop, the photon on either
    particle); Majorana fermions and real scalars are neutral and do not radiate.
    """
    # one value per (chirality, pair) and sector (the LFV processes ask once per spectator)
    cache = sector.__dict__.setdefault("_photon_penguin_cache", {})
    key = (chirality, f_bar, f)
    if key not in cache:
        cache[key] = _photon_penguin(sector, chirality, f_bar, f)
    hit = cache[key]
    return hit.copy() if isinstance(hit, np.ndarray) else hit


def _photon_penguin(sector: DarkSector, chirality: str, f_bar: str, f: str):
    """:func:`photon_penguin`, uncached."""
    Qs, Qb = _quark_couplings(sector, chirality, f_bar, f)
    if not sector.has(Qs, Qb):
        return sector._result(0j)
    charge_f, charge_s, mult = _gauge_charges(sector, "photon", f_bar, f)  # checks quark colour
    if np.ndim(mult):
        Qb = Qb * mult
    fi, sq = _support(sector, Qs, Qb)
    Qs, Qb = _take(Qs, fi, sq), _take(Qb, fi, sq)
    kern = _photon_penguin_kernel(sector, fi, sq, charge_f, charge_s)
    return sector._result(-_sum_fast(_times_conj(Qs, Qb) * kern, 2)) / _LOOP


def _photon_penguin_kernel(sector: DarkSector, fi: tuple, sq: tuple, charge_f, charge_s):
    """[Q_a J_F(x) + Q_A J_S(x)]/M_A² of :func:`photon_penguin` on the block fi × sq (masses and
    charges only: cached per block)."""
    cache = sector.__dict__.setdefault("_photon_kernel_cache", {})
    if (fi, sq) not in cache:
        qf = charge_f[list(fi)][:, None]
        qs = charge_s[list(sq)][None, :]
        mf, ms = sector.m_fermion[..., list(fi)][..., :, None], sector.m_scalar[..., list(sq)][..., None, :]
        js, jf = loops.penguin_functions((mf / ms) ** 2)
        cache[(fi, sq)] = _frozen((qf * jf + qs * js) / ms**2)
    return cache[(fi, sq)]


def z_penguin(sector: DarkSector, sm, chirality: str = "L", f_bar: str = "s",
              f: str = "b") -> complex:
    """Y_sb of L ⊃ (g/c_W) Y_sb/(16π²) Z_μ (s̄ γ^μ P_X b), dimensionless (physics.md §9).

    ``f_bar``, ``f``: another pair of SM fermions of equal charge and weak isospin; g_L^d of the
    external legs becomes T3_f − s_W² Q_f (g_R: −s_W² Q_f), and a colour-singlet pair with both
    loop particles coloured carries the colour multiplicity (:func:`colour_multiplicity`).

        Y = Σ_{a,b,A} Q_s^{bA} Q_b^{aA*} [½ g^R_{ba}(f[m_a², m_b², M_A²] − ½) − g^L_{ba} m_a m_b g[…]]
          + Σ_{a,A,B} Q_s^{aB} Q_b^{aA*} ½ g^S_{BA} (f[m_a², M_A², M_B²] − 3/2)
          − g_L^d Σ_{a,A} Q_s^{aA} Q_b^{aA*} ½ (f[m_a², M_A², M_A²] − 3/2)

    with f, g the second divided differences of u² ln u and u ln u. The 1/ε
    poles (and hence the ln μ² dependence) cancel only for gauge-invariant
    couplings; the engine evaluates the coefficient of ln μ² and raises if it
    does not vanish. For right-handed quark couplings the parity mirror
    (l ↔ r, g^L ↔ g^R, g_L^d → g_R^d) is used.

    Real scalars: g^S is replaced by g^S − ρ ∘ (g^S)ᵀ (ρ_AB = 1 for two real states), the
    vertex of two real fields (see :class:`ZCouplings`), in the finite part and in the pole
    check alike. Colour factor 1 for the implemented quark couplings (the Z on the triplet
    fermion of class S or the triplet scalar of class F).
    """
    # one value per (chirality, pair, s_W²) and sector: the LFV processes ask for the same
    # (ē γ P_X μ) penguin once per spectator f, the Z-pole shifts again (a copy is returned)
    cache = sector.__dict__.setdefault("_z_penguin_cache", {})
    key = (chirality, f_bar, f, float(sm.s2w))
    if key not in cache:
        cache[key] = _z_penguin(sector, sm, chirality, f_bar, f)
    hit = cache[key]
    return hit.copy() if isinstance(hit, np.ndarray) else hit


def _z_penguin(sector: DarkSector, sm, chirality: str, f_bar: str, f: str):
    """:func:`z_penguin`, uncached."""
    Qs, Qb = _quark_couplings(sector, chirality, f_bar, f)
    if sector.z is None or not sector.has(Qs, Qb):
        return sector._result(0j)
    sector.require_implemented_colour((f_bar, f), "Z penguin")
    if SM_COLOUR.get(f_bar, 1) == 1 and SM_COLOUR.get(f, 1) == 1:
        mult = colour_multiplicity(sector)
        if np.any(mult != 1):  # (a product with 1 everywhere changes nothing: left out)
            Qb = Qb * mult
    g_d = _z_coupling_sm(f, chirality, sm.s2w)  # −½ + s_W²/3 (L), s_W²/3 (R) for s, b
    support = None
    if sector.batched:  # every term carries Q_s Q_b^*: keep their fermions and scalars only
        fs, sq = support = _support(sector, Qs, Qb)
        Qs, Qb = _take(Qs, fs, sq), _take(Qb, fs, sq)
    gL, gR, gS = _z_vertices(sector, chirality, support)
    # fermions of the loop without Z couplings (neutral singlets: the scotogenic N) make every
    # fermion-line term an exact zero: left out, with their loop functions, and with their zeros
    # in the pole, the bound and the residue scale (adding 0 changes no sum); the loop functions
    # of the fermion pairs without a Z vertex anywhere in the batch are not evaluated either
    # (:func:`_z_fermion_pairs`: their terms are zeros whatever they multiply)
    pairs = _z_fermion_pairs(sector, chirality, support)
    fermion_line = len(pairs[0]) > 0
    mm = _z_penguin_functions(sector, support, pairs)[0]
    f_ffs_r, g_ffs, f_fss_s, f_leg_s = _z_penguin_kernels(sector, support, pairs)
    # fermion-line Z: indices (a, b, A)
    Qb_c = Qb.conj()
    gR_ab = np.swapaxes(gR, -1, -2)  # gR[b, a] indexed as [a, b]
    gL_ab = np.swapaxes(gL, -1, -2)
    term_f, pieces_f = 0, ()
    if fermion_line:
        coup_ff = np.einsum("...bA,...aA->...abA", Qs, Qb_c)
        term_f_r = np.einsum("...abA,...ab,...abA->...abA", coup_ff, 0.5 * gR_ab, f_ffs_r)
        term_f_l = np.einsum("...abA,...ab,...abA->...abA", coup_ff, gL_ab * mm, g_ffs)
        term_f = _sum(term_f_r, 3) - _sum(term_f_l, 3)
        pieces_f = ((term_f_r, 3), (term_f_l, 3))
    # scalar-line Z: indices (a, A, B)
    coup_ss = np.einsum("...aB,...aA->...aAB", Qs, Qb_c)
    term_s_all = np.einsum("...aAB,...BA,...aAB->...aAB", coup_ss, 0.5 * gS, f_fss_s)
    term_s = _sum(term_s_all, 3)
    # external-leg (self-energy) part
    term_leg_all = -g_d * Qs * Qb_c * 0.5 * f_leg_s
    term_leg = _sum(term_leg_all, 2)
    # coefficient of ln μ²: u² ln u → u² (ln u − ln μ²) shifts f[...] by −ln μ², g[...] by 0
    pole = ((np.einsum("...abA,...ab->...", coup_ff, 0.5 * gR_ab) if fermion_line else 0)
            + np.einsum("...aAB,...BA->...", coup_ss, 0.5 * gS)
            - g_d * 0.5 * _sum_fast(Qs * Qb_c, 2))
    # the scale of the check, Σ_abA |Q_s^bA Q_b^aA| + Σ_aAB |Q_s^aB Q_b^aA| over every pair,
    # as products of sums of |Q| (the same sum but for rounding: a tolerance's scale)
    abs_s, abs_b = np.abs(Qs), np.abs(Qb)
    size = (np.einsum("...A,...A->...", np.einsum("...bA->...A", abs_s), np.einsum("...aA->...A", abs_b))
            + np.einsum("...a,...a->...", np.einsum("...aB->...a", abs_s), np.einsum("...aA->...a", abs_b)))
    if np.any(np.abs(pole) > 1e-8 * np.maximum(size, 1e-300)):
        raise ValueError("Z-penguin divergence does not cancel: the model's Z couplings "
                         "are not gauge invariant")
    total = sector._result(term_f + term_s + term_leg)
    # the pieces cancel exactly without mixing; do not report their rounding residue
    pieces = (*pieces_f, (term_s_all, 3), (term_leg_all, 2))
    if not sector.batched:
        return 0j if abs(total) < 1e-13 * _residue_scale(pieces) else total
    return _cut_residue(total, pieces)


def _cut_residue(total: np.ndarray, pieces) -> np.ndarray:
    """``total`` (a batch, changed in place) set to 0 where |total| < 1e-13 Σ|term| over the
    ``pieces`` ((array, number of trailing axes summed)) of :func:`z_penguin`.

    A bound first: |z| <= |Re z| + |Im z| (absolute values of the real and imaginary parts are
    cheap, numpy's complex |z| is a hypot), so only the points under 1e-13 of Σ(|Re| + |Im|)
    can be cut, and the scale Σ|term| is formed on those points alone: the same sums row by
    row (:func:`_residue_scale`), the same points cut."""
    bound = sum(_sum_fast(np.abs(np.ascontiguousarray(x).view(float)), n) for x, n in pieces)
    size = np.abs(total)
    maybe = size < 1e-13 * (1.0 + 1e-9) * bound
    if np.any(maybe):
        near = total[maybe]
        near[size[maybe] < 1e-13 * _residue_scale(tuple((x[maybe], n) for x, n in pieces))] = 0
        total[maybe] = near
    return total


def _residue_scale(pieces) -> np.ndarray:
    """Σ|term| of the Z penguin's pieces ((array, number of trailing axes summed)), in order."""
    scale = None
    for x, n in pieces:
        part = _sum(np.abs(x), n)
        scale = part if scale is None else scale + part
    return scale


def _z_vertices(sector: DarkSector, chirality: str, support):
    """(g^L, g^R, g^S) of :func:`z_penguin` (g^L ↔ g^R for ``chirality`` R; real scalars'
    g^S − ρ ∘ (g^S)ᵀ) on ``support`` (None: everything); cached per sector."""
    cache = sector.__dict__.setdefault("_z_vertex_cache", {})
    key = (chirality, support)
    if key not in cache:
        z = sector.z
        gL, gR = (z.left, z.right) if chirality == "L" else (z.right, z.left)
        gS, rho = np.asarray(z.scalar), sector.rho
        if support is not None:  # the block first: the elementwise operations below on it alone
            fs, sq = support
            # (a support of every state keeps the sector's own arrays: a cut would copy them)
            if tuple(fs) != tuple(range(np.shape(gL)[-1])):
                gL, gR = (np.take(np.take(g, list(fs), axis=-2), list(fs), axis=-1) for g in (gL, gR))
                gL, gR = _frozen(gL, gR)  # new arrays (without a cut: the sector's own)
            if tuple(sq) != tuple(range(np.shape(gS)[-1])):
                gS = np.take(np.take(gS, list(sq), axis=-2), list(sq), axis=-1)
            rho = rho[np.ix_(sq, sq)]
        # real states: the vertex S_A → S_B is g_BA − g_AB (ZCouplings docstring); nothing to
        # subtract where no two real scalars meet (g − 0 g^T = g: left out)
        if np.any(rho):
            gS = gS - rho * np.swapaxes(gS, -1, -2)
        cache[key] = (gL, gR, gS if gS is z.scalar else _frozen(gS))  # the sector's own stays
    return cache[key]


def _z_fermion_pairs(sector: DarkSector, chirality: str, support) -> tuple[tuple, tuple]:
    """(a's, b's): the fermion pairs (a, b) of :func:`z_penguin`'s fermion-line terms whose Z
    vertex g^L_ba or g^R_ba is non-zero at some point of the batch, in C order of (a, b) (on
    ``support``); cached per sector with the vertices. The other pairs' terms are exact zeros."""
    cache = sector.__dict__.setdefault("_z_vertex_cache", {})
    key = ("pairs", chirality, support)
    if key not in cache:
        gL, gR, _ = _z_vertices(sector, chirality, support)
        used = _nonzero_anywhere(np.asarray(gL)) | _nonzero_anywhere(np.asarray(gR))  # [b, a]
        a, b = np.nonzero(used.T)
        cache[key] = (tuple(a.tolist()), tuple(b.tolist()))
    return cache[key]


def _z_penguin_kernels(sector: DarkSector, support, pairs=((), ())):
    """(f[m_a², m_b², M_A²] − ½, g[m_a², m_b², M_A²], f[m_a², M_A², M_B²] − 3/2,
    f[m_a², M_A², M_A²] − 3/2) of :func:`z_penguin` (:func:`_z_penguin_functions`; the first
    two from f = g = 0 off the fermion ``pairs`` (a's, b's)) as complex arrays,
    cached per support: every Z penguin of the sector (each lepton pair and chirality)
    multiplies them with complex couplings, which numpy and einsum do by casting them to
    complex; subtracted and cast once here, the same numbers. Without pairs the first two are
    None."""
    cache = sector.__dict__.setdefault("_z_kernel_cache", {})
    entry = cache.setdefault(support, {})
    fermion_line = len(pairs[0]) > 0
    if "scalar" not in entry or (fermion_line and pairs not in entry):
        _, f_ffs, g_ffs, f_fss, f_leg = _z_penguin_functions(sector, support, pairs)
        if "scalar" not in entry:
            entry["scalar"] = _frozen((f_fss - 1.5).astype(complex), (f_leg - 1.5).astype(complex))
        if fermion_line:
            entry[pairs] = _frozen((f_ffs - 0.5).astype(complex), (g_ffs - 0.0).astype(complex))
    return (*entry.get(pairs, (None, None)), *entry["scalar"])


def _z_penguin_functions(sector: DarkSector, support, pairs=((), ())):
    """(m_a m_b, f[m_a², m_b², M_A²], g[m_a², m_b², M_A²], f[m_a², M_A², M_B²], f[m_a², M_A², M_A²])
    of :func:`z_penguin` on the fermions and scalars ``support`` (None: all of them), masses in
    units of the heaviest of them; they depend on the masses only, so every Z penguin of the
    sector with the same support shares them (cached). The fermion-line functions f, g[m_a²,
    m_b², M_A²] are evaluated on the fermion ``pairs`` (a's, b's) alone, 0 on the others (None
    without pairs): the pairs without a Z vertex (:func:`_z_fermion_pairs`) and a loop whose
    fermions have no Z coupling (:func:`_z_penguin`) do not need them."""
    cache = sector.__dict__.setdefault("_z_function_cache", {})  # the full tuples
    if (support, pairs) in cache:
        return cache[support, pairs]
    scalar = sector.__dict__.setdefault("_z_scalar_function_cache", {})
    if support not in scalar:
        scalar[support] = _z_scalar_functions(sector, support)
    (mm, f_fss, f_leg), (mf2, ms2, fpairs, fpair_of, ss, s_at) = scalar[support]
    if not pairs[0]:
        return mm, None, None, f_fss, f_leg
    # the distinct unordered mass pairs of the fermion pairs, each evaluated once (as before
    # on all of them: each element's value depends on its own points alone, the same numbers);
    # the pairs left out get 0 (their terms are zeros: a Z vertex 0 at every point)
    n_f = fpair_of.shape[0]
    slots = fpair_of[list(pairs[0]), list(pairs[1])]
    needed = sorted(set(slots.tolist()))
    a, b = [fpairs[k][0] for k in needed], [fpairs[k][1] for k in needed]
    f2, g2 = loops.dd2_pair(mf2[..., a, None], mf2[..., b, None], ms2[..., None, ss])
    # slot of every (a, b): its evaluated pair, or the extra last slot of zeros
    at = np.full((n_f, n_f), len(needed), dtype=int)
    at[list(pairs[0]), list(pairs[1])] = [needed.index(k) for k in slots.tolist()]
    ix = (Ellipsis, at[:, :, None], s_at[None, None, :])
    values = (f2, g2)
    if len(pairs[0]) < n_f * n_f:  # a slot of zeros for the pairs left out
        values = [np.concatenate([x, np.zeros_like(x[..., :1, :])], axis=-2) for x in values]
    # C order, as the broadcast evaluation gave: the sums over them then add in the same order
    cache[support, pairs] = (mm, *_frozen(*(np.ascontiguousarray(x[ix]) for x in values)),
                             f_fss, f_leg)
    return cache[support, pairs]


def _z_scalar_functions(sector: DarkSector, support) -> tuple:
    """((m_a m_b, f[m_a², M_A², M_B²], f[m_a², M_A², M_A²]), the points of the fermion-line
    functions) of :func:`_z_penguin_functions`."""
    mf2, ms2 = sector.m_fermion**2, sector.m_scalar**2
    mf = sector.m_fermion
    if support is not None:
        fs, sq = support
        mf, ms2 = mf[..., list(fs)], ms2[..., list(sq)]
        mf2 = mf**2
    # Y is dimensionless and, with the poles cancelled, independent of the unit of mass: measure
    # masses in units of the heaviest so the ln u in each term is O(1), not ln(M²/GeV²) ~ 30,
    # which shrinks the rounding left by the cancellation between the terms.
    unit2 = np.maximum(np.max(mf2, axis=-1), np.max(ms2, axis=-1))[..., None]
    mf2, ms2, mf = mf2 / unit2, ms2 / unit2, mf / np.sqrt(unit2)
    mm = mf[..., :, None] * mf[..., None, :]
    # The divided differences are symmetric and sort their points first, so f[a, b, A] = f[b, a, A]
    # and states of equal mass at every point of the batch (the components of a multiplet) give
    # the same numbers: each is evaluated once, on the distinct unordered tuples, and spread.
    fcol, scol = _equal_columns(mf2), _equal_columns(ms2)
    fpairs, fpair_of = _unordered_pairs(fcol)
    spairs, spair_of = _unordered_pairs(scol)
    fs, ss = sorted(set(fcol)), sorted(set(scol))
    f_at = np.array([fs.index(c) for c in fcol])
    s_at = np.array([ss.index(c) for c in scol])
    A, B = [p[0] for p in spairs], [p[1] for p in spairs]
    f3 = loops.dd2_u2logu(mf2[..., fs, None], ms2[..., None, A], ms2[..., None, B])
    f_fss = f3[..., f_at[:, None, None], spair_of[None, :, :]]
    f_leg = f3[..., f_at[:, None], np.diagonal(spair_of)[None, :]]  # f[m_a², M_A², M_A²]
    return (_frozen(mm, *(np.ascontiguousarray(x) for x in (f_fss, f_leg))),
            (mf2, ms2, fpairs, fpair_of, ss, s_at))


def _equal_columns(m2: np.ndarray) -> list[int]:
    """For each column of ``m2`` (..., n): the first column equal to it at every point."""
    first: list[int] = []
    out = []
    for k in range(m2.shape[-1]):
        same = next((u for u in first if np.array_equal(m2[..., u], m2[..., k])), None)
        if same is None:
            first.append(k)
        out.append(k if same is None else same)
    return out


def _unordered_pairs(column: list[int]):
    """The unordered pairs (i <= j) of the distinct columns, and the (n, n) index of the pair of
    each (column[a], column[b])."""
    distinct = sorted(set(column))
    pairs = [(i, j) for k, i in enumerate(distinct) for j in distinct[k:]]
    slot = {p: k for k, p in enumerate(pairs)}
    n = len(column)
    of = np.array([[slot[tuple(sorted((column[x], column[y])))] for y in range(n)] for x in range(n)],
                  dtype=int).reshape(n, n)
    return pairs, of
