"""Models as data: a dark sector written as fields, Yukawa terms and Higgs-induced mixings.

A :class:`ModelDescription` is one row of a table such as Table II of arXiv:2104.03228
(Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802): the dark (Z2-odd) fields with
their spin, kind (Dirac or Majorana fermion, complex or real scalar), gauge representation
(SU(3), SU(2))_Y with Q = T3 + Y, and mass parameter; their Yukawa couplings to the SM
fermions; and the terms through which the Higgs vev mixes them. Every parameter is bound to a
card block and entry (:class:`Parameter`). :mod:`bridge.assembly` builds from it the spectrum,
the couplings in the mass basis and the photon, Z, W and Higgs couplings of every dark state.

Conventions (the ones of arXiv:2104.03228, Eqs. (4)–(7), and its F_Ib Lagrangian):

* **Yukawa terms** ``Yukawa(f, F, S, y)`` are L ⊃ y_i f̄_i P F S + h.c. with f = Q, L (P = P_R:
  the left-handed SM fermion) or U, D, E (P = P_L); ``S*`` in place of ``S`` uses the
  conjugate scalar. ``sign=-1`` writes a term given in −L, ``conjugate=True`` one written as
  the hermitian conjugate of this form (y → y*), so that a paper's Lagrangian is copied as it
  is printed.
* **Fermion mixings** ``FermionMixing(Ψ, Ψ', λ_L, λ_R)`` are mass terms,
  L ⊃ −(λ_L Ψ̄ P_L Ψ' H + λ_R Ψ̄ P_R Ψ' H) + h.c., with H or H̃ = iσ₂H* chosen by hypercharge;
  for Ψ a singlet and Ψ' = (1,2)_{−1/2} this is the seed's Eq. (6) mass matrix with +λ v/√2.
* **Scalar terms** are potential terms, V ⊃ a (f₁ f₂ f₃) + h.c. (:class:`Trilinear`, one of the
  fields H or H*) and V ⊃ c [f₁ f₂][f₃ f₄] (+ h.c.) (:class:`Quartic`, two SU(2) brackets
  holding the two Higgs fields between them: λ3 (H†H)(η†η), λ4 (H†η)(η†H), λ5 (H†η)(H†η));
  with Φ_ℓ† Φ'_ℓ H this is the seed's Eq. (5), M²_12 = +a_H v/√2.
* SU(2) contractions: :func:`bridge.su2.invariant` (first non-zero entry +1 in the written
  order of the fields, components T3-descending): δ for a doublet with a conjugated doublet,
  ε with ε₁₂ = +1 for two doublets.
* Masses: Dirac L ⊃ −M F̄F, Majorana −½ M F̄F, complex scalar V ⊃ M² |φ|², real ½ M² φ².

:meth:`ModelDescription.validate` checks hypercharge, SU(2), colour and charge conservation of
every term and that the engine supports the representations; the plugin manager runs it when a
model registers (a model that fails is left out with one warning line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from bridge import su2
from bridge.model import Entry, InputBlock, ModelInfo

#: SM fermion multiplets: colour, SU(2) dimension, hypercharge, the chirality they carry, and
#: the engine's names of their components (T3-descending) per family. Up-type quarks of Q are
#: in the interaction basis (Q_i = (V†u_L, d_L)_i): the CKM rotation is not applied to them.
SM_FIELDS = {
    "Q": (3, 2, Fraction(1, 6), "L", (("u", "c", "t"), ("d", "s", "b"))),
    "L": (1, 2, Fraction(-1, 2), "L", (("nu_e", "nu_mu", "nu_tau"), ("e", "mu", "tau"))),
    "U": (3, 1, Fraction(2, 3), "R", (("u", "c", "t"),)),
    "D": (3, 1, Fraction(-1, 3), "R", (("d", "s", "b"),)),
    "E": (1, 1, Fraction(-1), "R", (("e", "mu", "tau"),)),
}
#: The Higgs doublet H = (H⁺, H⁰), Y = ½; ⟨H⁰⟩ = v/√2 sits in component 1.
HIGGS = "H"
HIGGS_Y = Fraction(1, 2)
HIGGS_VEV_COMPONENT = 1

FERMION_KINDS = ("dirac", "majorana")
SCALAR_KINDS = ("complex", "real")
COLOURS = (1, 3, -3, 8)
#: What the one-loop engine handles today (checked at registration).
ENGINE_COLOURS = (1, 3, -3)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_']*$")


class DescriptionError(ValueError):
    """A model description that is inconsistent or beyond what the core supports."""


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    """An input bound to card block ``block``, entry ``key``.

    ``default=None`` makes it required; ``range`` is the physical range (checked on every
    card); ``kind`` is "mass" (GeV, > 0), "coupling" (dimensionless Yukawa or quartic: the
    perturbativity limits apply), "dimensionful" (e.g. a trilinear in GeV) or "other";
    ``complex`` reads the imaginary part from Block IM<block>.
    """

    block: str
    key: int | tuple[int, ...]
    symbol: str
    unit: str = ""
    default: float | None = None
    kind: str = "other"
    range: tuple[float, float] = (-math.inf, math.inf)
    complex: bool = False
    description: str = ""

    def entry(self) -> Entry:
        return Entry(self.key, self.symbol, self.unit, self.default, positive=self.kind == "mass",
                     description=self.description, kind=self.kind, range=self.range)


@dataclass(frozen=True)
class Derived:
    """A coupling computed by the model's own code from the card (hook
    ``bridge_derived_parameters``), e.g. a Yukawa matrix from the Casas–Ibarra
    parametrisation. ``shape`` is its shape at one point; a Yukawa term takes column
    ``column`` of a matrix (or the whole vector). ``block`` names the output block that
    records the value used."""

    name: str
    symbol: str
    shape: tuple[int, ...] = (3,)
    column: int | None = None
    block: str = ""


def mass(block: str, key, symbol: str, description: str = "") -> Parameter:
    """A required mass in GeV."""
    return Parameter(block, key, symbol, "GeV", None, "mass", (0.0, math.inf), False, description)


def coupling(block: str, key, symbol: str, default: float = 0.0, *, complex: bool = False,
             description: str = "") -> Parameter:
    """A dimensionless coupling (default 0)."""
    return Parameter(block, key, symbol, "", default, "coupling", (-math.inf, math.inf), complex,
                     description)


def trilinear(block: str, key, symbol: str, default: float = 0.0, *, complex: bool = False,
              description: str = "") -> Parameter:
    """A trilinear scalar coupling in GeV (default 0)."""
    return Parameter(block, key, symbol, "GeV", default, "dimensionful", (-math.inf, math.inf),
                     complex, description)


def flavour_couplings(block: str, symbol: str, description: str = "") -> tuple[Parameter, ...]:
    """Three complex couplings y_1..3 (one per SM family), keys 1..3, imaginary parts in
    IM<block>, default 0: the Γ^Q, Γ^L, Γ^E vectors of arXiv:2104.03228."""
    return tuple(coupling(block, i, f"{symbol}_{i}", complex=True, description=description)
                 for i in (1, 2, 3))


# ---------------------------------------------------------------------------
# fields and terms
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A dark multiplet: (colour, SU(2) dimension)_Y of a fermion or a scalar."""

    name: str
    kind: str  # dirac | majorana | complex | real
    mass: Parameter
    su2: int = 1
    hypercharge: Fraction = Fraction(0)
    colour: int = 1
    symbol: str = ""  # mathtext, e.g. r"\Psi'"

    @property
    def fermion(self) -> bool:
        return self.kind in FERMION_KINDS

    @property
    def self_conjugate(self) -> bool:
        return self.kind in ("majorana", "real")

    def charges(self) -> tuple[Fraction, ...]:
        """Electric charges Q = T3 + Y of the components, T3-descending."""
        return tuple(t3 + self.hypercharge for t3 in su2.t3_values(self.su2))

    def representation(self) -> str:
        """(colour, SU(2))_Y as in the seed's Table II."""
        colour = {3: "3", -3: "3bar", 8: "8", 1: "1"}[self.colour]
        return f"({colour},{self.su2})_{_frac(self.hypercharge)}"


def Fermion(name: str, mass: Parameter, *, su2: int = 1, Y=0, colour: int = 1,
            majorana: bool = False, symbol: str = "") -> Field:
    """A vector-like Dirac fermion, or a Majorana one (``majorana=True``)."""
    return Field(name, "majorana" if majorana else "dirac", mass, su2, Fraction(Y), colour, symbol)


def Scalar(name: str, mass: Parameter, *, su2: int = 1, Y=0, colour: int = 1, real: bool = False,
           symbol: str = "") -> Field:
    """A complex scalar, or a real one (``real=True``)."""
    return Field(name, "real" if real else "complex", mass, su2, Fraction(Y), colour, symbol)


@dataclass(frozen=True)
class Yukawa:
    """L ⊃ sign · y_i f̄_i P F S + h.c. (y → y* with ``conjugate``); f ∈ Q, L, U, D, E."""

    sm: str
    fermion: str
    scalar: str  # "Phi" or "Phi*"
    couplings: tuple[Parameter, ...] | Derived
    sign: int = 1
    conjugate: bool = False


@dataclass(frozen=True)
class FermionMixing:
    """L ⊃ −(λ_L Ψ̄ P_L Ψ' H + λ_R Ψ̄ P_R Ψ' H) + h.c. (H → H̃ where hypercharge requires)."""

    fermion: str
    partner: str
    left: Parameter | None = None
    right: Parameter | None = None


@dataclass(frozen=True)
class Trilinear:
    """V ⊃ a · (f₁ f₂ f₃) + h.c.; fields written ``"Phi*"`` are conjugated, one is H or H*."""

    fields: tuple[str, str, str]
    coupling: Parameter


@dataclass(frozen=True)
class Quartic:
    """V ⊃ factor · c · [f₁ f₂][f₃ f₄] (+ h.c. where the term is not self-conjugate).

    Each bracket is an SU(2) invariant of two fields; the two Higgs fields (H or H*) sit one
    in each bracket or both in one. λ5 of the scotogenic model is
    ``Quartic((("H*", "eta"), ("H*", "eta")), lam5, factor=0.5)``.
    """

    brackets: tuple[tuple[str, str], tuple[str, str]]
    coupling: Parameter | Derived
    factor: float = 1.0


Term = FermionMixing | Trilinear | Quartic


@dataclass(frozen=True)
class ModelDescription:
    """A model as data; see the module docstring. ``code`` is the first Block MASS code."""

    name: str
    description: str
    fields: tuple[Field, ...]
    yukawas: tuple[Yukawa, ...]
    mixings: tuple[Term, ...] = ()
    references: tuple[str, ...] = ()
    code: int = 9990000
    #: prefix of the mixing blocks written to the output (default: the name, upper case)
    mixing_prefix: str = ""
    #: rename mixed sectors: {"S0": "eta0"} names the neutral scalar mixtures eta0_1, …
    sector_names: dict = field(default_factory=dict)
    #: name the mixing block of a sector: {"F0": "FIBNMIX"}
    mixing_blocks: dict = field(default_factory=dict)
    #: input blocks the model's own code reads (beyond the parameters of the terms)
    extra_blocks: tuple[InputBlock, ...] = ()
    #: the model's place in a classification, e.g. ("F", "Ib") for arXiv:2104.03228 Table II
    classification: tuple[str, str] | None = None
    #: the roles of the fields in that classification, {"Phi_q": "Phi_q/Psi_q", ...}
    roles: dict = field(default_factory=dict)
    version: str = ""
    #: the intended dark-matter candidate in words (shown by `bridge plugins -v`); the candidate
    #: at a point is the lightest neutral colourless state (bridge.sanity.dark_matter_candidate)
    dark_matter: str = ""

    # -- lookups -----------------------------------------------------------
    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise DescriptionError(f"model {self.name}: no field named {name!r}")

    def derived(self) -> list[Derived]:
        """The derived couplings the model's own code supplies, one per name."""
        out: dict[str, Derived] = {}
        terms = [y.couplings for y in self.yukawas] + [
            t.coupling for t in self.mixings if not isinstance(t, FermionMixing)]
        for c in terms:
            if isinstance(c, Derived):
                out.setdefault(c.name, c)
        return list(out.values())

    def parameters(self) -> list[Parameter]:
        """Every card parameter, in order of appearance (masses first)."""
        out: list[Parameter] = [f.mass for f in self.fields]
        for y in self.yukawas:
            if not isinstance(y.couplings, Derived):
                out += list(y.couplings)
        for t in self.mixings:
            if isinstance(t, FermionMixing):
                out += [p for p in (t.left, t.right) if p is not None]
            elif isinstance(t.coupling, Parameter):
                out.append(t.coupling)
        unique: list[Parameter] = []
        for p in out:
            if p not in unique:
                unique.append(p)
        return unique

    def info(self) -> ModelInfo:
        """The card interface: one InputBlock per block, entries sorted by key."""
        blocks: dict[str, list[Parameter]] = {}
        for p in self.parameters():
            blocks.setdefault(p.block, []).append(p)
        out = []
        for name, params in blocks.items():
            params = sorted(params, key=lambda p: p.key if isinstance(p.key, tuple) else (p.key,))
            imaginary = "IM" + name if any(p.complex for p in params) else None
            required = any(p.default is None for p in params)
            out.append(InputBlock(name, tuple(p.entry() for p in params), _block_text(name, params),
                                  imaginary=imaginary, required=required))
        return ModelInfo(self.name, self.description, (*out, *self.extra_blocks), self.references,
                         self.version)

    def table_row(self, columns: Iterable[str] | None = None) -> list[tuple[str, str, str, str]]:
        """(column, field, representation, kind) per column of the classification.

        ``columns`` are the classification's column titles (the values of ``roles``, e.g. the
        five of arXiv:2104.03228 Table II); a column without a field gets ("column", "–", "–",
        "–"), as the empty cells of that table. Without ``columns``: the fields in the order of
        their roles' first appearance, then fields without a role (column "").
        """
        kinds = {"dirac": "Dirac fermion", "majorana": "Majorana fermion",
                 "complex": "complex scalar", "real": "real scalar"}
        by_role = {self.roles[f.name]: f for f in self.fields if f.name in self.roles}
        if columns is None:
            titles = list(dict.fromkeys(self.roles.get(f.name) for f in self.fields if f.name in self.roles))
        else:
            titles = list(columns)
        rows = []
        for title in titles:
            f = by_role.get(title)
            rows.append((title, f.name, f.representation(), kinds[f.kind]) if f is not None
                        else (title, "–", "–", "–"))
        rows += [("", f.name, f.representation(), kinds[f.kind]) for f in self.fields
                 if f.name not in self.roles]
        return rows

    # -- validation ----------------------------------------------------------
    def validate(self) -> None:
        """Raise DescriptionError naming the first inconsistency (see the module docstring)."""
        _check_fields(self)
        _check_parameters(self)
        for y in self.yukawas:
            _check_yukawa(self, y)
        for t in self.mixings:
            _check_term(self, t)


# ---------------------------------------------------------------------------
# validation helpers (also used by bridge.assembly to read the terms)
# ---------------------------------------------------------------------------
def split_conjugate(name: str) -> tuple[str, bool]:
    """"Phi*" → ("Phi", True)."""
    return (name[:-1], True) if name.endswith("*") else (name, False)


def _frac(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _block_text(name: str, params: list[Parameter]) -> str:
    """A block's one-line description: its entries, or the shared meaning of a coupling vector."""
    texts = {p.description for p in params}
    if len(params) > 1 and len(texts) == 1 and texts != {""}:
        stem = params[0].symbol.rsplit("_", 1)[0]
        return f"{stem}_i: {texts.pop()}"
    return ", ".join(f"{p.key} {p.symbol}" for p in params)


def _check_fields(d: ModelDescription) -> None:
    if not d.fields:
        raise DescriptionError(f"model {d.name}: no dark fields")
    names = [f.name for f in d.fields]
    for f in d.fields:
        where = f"model {d.name}, field {f.name}"
        if names.count(f.name) > 1:
            raise DescriptionError(f"{where}: the name is used twice")
        if not _NAME.match(f.name) or f.name == HIGGS:
            raise DescriptionError(f"{where}: a field name is letters, digits, _ and ' (not H)")
        if f.kind not in FERMION_KINDS + SCALAR_KINDS:
            raise DescriptionError(f"{where}: kind {f.kind!r} is not one of "
                                   f"{FERMION_KINDS + SCALAR_KINDS}")
        if f.su2 not in su2.SUPPORTED_DIMENSIONS:
            raise DescriptionError(f"{where}: SU(2) dimension {f.su2} is not supported (1, 2, 3)")
        if f.colour not in COLOURS:
            raise DescriptionError(f"{where}: colour {f.colour} is not one of {COLOURS}")
        if f.colour not in ENGINE_COLOURS:
            raise DescriptionError(f"{where}: colour {f.colour} is not supported by the one-loop "
                                   f"engine (supported: {ENGINE_COLOURS})")
        if f.self_conjugate and (f.hypercharge != 0 or f.colour != 1):
            raise DescriptionError(f"{where}: a {f.kind} field needs Y = 0 and no colour "
                                   f"(has Y = {_frac(f.hypercharge)}, colour {f.colour})")
        if f.self_conjugate and f.su2 != 1:
            raise DescriptionError(f"{where}: {f.kind} SU(2) multiplets are not supported yet "
                                   "(only singlets)")
        if f.hypercharge.denominator not in (1, 2, 3, 6):
            raise DescriptionError(f"{where}: hypercharge {f.hypercharge} is not a multiple of 1/6")
        if f.mass.kind != "mass":
            raise DescriptionError(f"{where}: its mass parameter must have kind 'mass'")


def _check_parameters(d: ModelDescription) -> None:
    seen: dict[tuple, Parameter] = {}
    for p in d.parameters():
        slot = (p.block, p.key)
        if slot in seen and seen[slot] != p:
            raise DescriptionError(f"model {d.name}: Block {p.block} entry {p.key} is bound to two "
                                   f"different parameters ({seen[slot].symbol}, {p.symbol})")
        seen[slot] = p
        if not re.match(r"^[A-Z][A-Z0-9]*$", p.block):
            raise DescriptionError(f"model {d.name}: block name {p.block!r} must be upper case")


def dark_field(d: ModelDescription, name: str, where: str) -> tuple[Field, bool]:
    base, conj = split_conjugate(name)
    try:
        f = d.field(base)
    except DescriptionError:
        raise DescriptionError(f"{where}: unknown field {base!r}") from None
    return f, conj


def _check_yukawa(d: ModelDescription, y: Yukawa) -> None:
    where = f"model {d.name}, Yukawa {y.sm}-{y.fermion}-{y.scalar}"
    if y.sm not in SM_FIELDS:
        raise DescriptionError(f"{where}: SM field {y.sm!r} is not one of {tuple(SM_FIELDS)}")
    if y.sign not in (1, -1):
        raise DescriptionError(f"{where}: sign must be +1 or -1")
    fermion, fconj = dark_field(d, y.fermion, where)
    scalar, sconj = dark_field(d, y.scalar, where)
    if not fermion.fermion or fconj:
        raise DescriptionError(f"{where}: {y.fermion!r} must be a dark fermion, not conjugated "
                               "(write the field with the conjugate quantum numbers instead)")
    if scalar.fermion:
        raise DescriptionError(f"{where}: {y.scalar!r} must be a dark scalar")
    colour_f, dim_f, y_f, _, _ = SM_FIELDS[y.sm]
    s_y = -scalar.hypercharge if sconj else scalar.hypercharge
    if -y_f + fermion.hypercharge + s_y != 0:
        raise DescriptionError(f"{where}: hypercharge is not conserved ({-y_f} + "
                               f"{fermion.hypercharge} + {s_y} != 0)")
    s_colour = -scalar.colour if (sconj and scalar.colour in (3, -3)) else scalar.colour
    pair = (fermion.colour, s_colour)
    allowed = ((3, 1), (1, 3)) if colour_f == 3 else ((1, 1),)
    if pair not in allowed:
        raise DescriptionError(f"{where}: colour {pair} of (fermion, scalar) cannot couple to "
                               f"{y.sm} (the engine supports {allowed})")
    if su2.invariant((dim_f, fermion.su2, scalar.su2), (True, False, sconj)) is None:
        raise DescriptionError(f"{where}: no SU(2) invariant in {y.sm}-bar x {fermion.su2} x "
                               f"{scalar.su2}")
    if isinstance(y.couplings, Derived):
        shape = y.couplings.shape
        ok = shape == (3,) if y.couplings.column is None else (
            len(shape) == 2 and shape[0] == 3 and 0 <= y.couplings.column < shape[1])
        if not ok:
            raise DescriptionError(f"{where}: a derived Yukawa coupling is a vector (3,) or a "
                                   "column of a (3, n) matrix")
    elif len(y.couplings) != 3:
        raise DescriptionError(f"{where}: give one coupling per SM family (3)")


def higgs_in(names: Iterable[str]) -> list[bool]:
    return [split_conjugate(n)[0] == HIGGS for n in names]


def term_members(d: ModelDescription, names, where: str):
    """(dimension, hypercharge, conjugated, field or None for H) of each written field."""
    out = []
    for n in names:
        base, conj = split_conjugate(n)
        if base == HIGGS:
            out.append((2, -HIGGS_Y if conj else HIGGS_Y, conj, None))
            continue
        f, conj = dark_field(d, n, where)
        if f.fermion:
            raise DescriptionError(f"{where}: {n!r} is a fermion; scalar terms hold scalars and H")
        out.append((f.su2, -f.hypercharge if conj else f.hypercharge, conj, f))
    return out


def fermion_mixing_higgs(d: ModelDescription, t: FermionMixing) -> str:
    """"H" or "H*": the one that makes Ψ̄ Ψ' H hypercharge neutral."""
    where = f"model {d.name}, mixing {t.fermion}-{t.partner}"
    a, _ = dark_field(d, t.fermion, where)
    b, _ = dark_field(d, t.partner, where)
    if not (a.fermion and b.fermion):
        raise DescriptionError(f"{where}: a fermion mixing needs two dark fermions")
    balance = -a.hypercharge + b.hypercharge
    if balance + HIGGS_Y == 0:
        return "H"
    if balance - HIGGS_Y == 0:
        return "H*"
    raise DescriptionError(f"{where}: no Higgs coupling conserves hypercharge "
                           f"(Y = {_frac(a.hypercharge)}, {_frac(b.hypercharge)})")


def _check_term(d: ModelDescription, t: Term) -> None:
    if isinstance(t, FermionMixing):
        where = f"model {d.name}, mixing {t.fermion}-{t.partner}"
        h = fermion_mixing_higgs(d, t)
        a, _ = dark_field(d, t.fermion, where)
        b, _ = dark_field(d, t.partner, where)
        if t.fermion == t.partner:
            raise DescriptionError(f"{where}: a field cannot mix with itself")
        if a.colour != b.colour:
            raise DescriptionError(f"{where}: the two fermions have different colour")
        if su2.invariant((a.su2, b.su2, 2), (True, False, h == "H*")) is None:
            raise DescriptionError(f"{where}: no SU(2) invariant in {a.su2}-bar x {b.su2} x 2")
        if t.left is None and t.right is None:
            raise DescriptionError(f"{where}: give lambda_L, lambda_R or both")
        return
    if isinstance(t, Trilinear):
        where = f"model {d.name}, trilinear {' '.join(t.fields)}"
        members = term_members(d, t.fields, where)
        if sum(higgs_in(t.fields)) != 1:
            raise DescriptionError(f"{where}: a trilinear holds exactly one H (or H*)")
        _check_neutral(members, where)
        _check_scalar_colour([m for m in members if m[3] is not None], where)
        dims = tuple(m[0] for m in members)
        if su2.invariant(dims, tuple(m[2] for m in members)) is None:
            raise DescriptionError(f"{where}: no SU(2) invariant")
        return
    if isinstance(t, Quartic):
        names = [n for br in t.brackets for n in br]
        where = f"model {d.name}, quartic {t.brackets}"
        if len(t.brackets) != 2 or any(len(br) != 2 for br in t.brackets):
            raise DescriptionError(f"{where}: a quartic is two brackets of two fields")
        if sum(higgs_in(names)) != 2:
            raise DescriptionError(f"{where}: a quartic holds exactly two H (or H*)")
        members = term_members(d, names, where)
        _check_neutral(members, where)
        _check_scalar_colour([m for m in members if m[3] is not None], where)
        for br in t.brackets:
            ms = term_members(d, br, where)
            if su2.invariant(tuple(m[0] for m in ms), tuple(m[2] for m in ms)) is None:
                raise DescriptionError(f"{where}: bracket {br} is not SU(2) invariant")
        return
    raise DescriptionError(f"model {d.name}: unknown term {t!r}")


def _check_neutral(members, where: str) -> None:
    total = sum((m[1] for m in members), Fraction(0))
    if total != 0:
        raise DescriptionError(f"{where}: hypercharge is not conserved (sum {_frac(total)})")


def _check_scalar_colour(dark, where: str) -> None:
    if len(dark) != 2:
        raise DescriptionError(f"{where}: the term must hold two dark scalars")
    (_, _, c1, f1), (_, _, c2, f2) = dark
    if c1 != c2:  # φ₁* φ₂: equal colour
        if f1.colour != f2.colour:
            raise DescriptionError(f"{where}: the two scalars have different colour")
    elif f1.colour != 1 or f2.colour != 1:
        raise DescriptionError(f"{where}: a holomorphic term needs colourless scalars")
