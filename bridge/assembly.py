"""From a model description and a card's inputs to the dark sector in the mass basis.

:func:`plan` reads a :class:`bridge.fields.ModelDescription` once: it expands every multiplet
into components (T3 and Q, SU(2) Clebsch–Gordan factors from :mod:`bridge.su2`), decides the
orientation of each complex scalar (φ or φ*, whichever its Yukawa terms use, so that every
coupling has the engine's form f̄ P F S), groups the components into sectors (same spin,
charge and colour, connected by a mass term) and records where each parameter enters a mass
matrix or a coupling. :func:`assemble` then evaluates a point — or a batch of N points, every
value an array with a leading axis (N,) — and returns the :class:`Assembly`: masses,
mixing matrices and a :class:`bridge.engine.DarkSector` with the Yukawa couplings to the SM
fermions and the Z, W and Higgs couplings of the mass eigenstates, all computed from the
representations (T3 − s_W² Q rotated into the mass basis; nothing typed by a model).

Diagonalisation by kind (conventions of :mod:`bridge.linalg`):

* Dirac sectors, L ⊃ −ψ̄_L D ψ_R + h.c.: D = U_L diag(m) U_R†, ψ_L = U_L F_L, ψ_R = U_R F_R;
* neutral fermion sectors holding a Majorana field, in two-component spinors ζ (ψ_L of a Dirac
  component, (ψ_R)^c of it, ξ of a Majorana field), L ⊃ −½ ζᵀ W ζ + h.c. with
  W(ζ_R(j), ζ_L(i)) = D_ij^* (Dreiner, Haber, Martin, arXiv:0812.1594, §3.2): Takagi,
  Vᵀ W V = diag(m), ζ = V F (the seed's (Vᵀ M V)_ij = δ_ij m_i);
* complex scalars, V ⊃ ψ† A ψ: A = U diag(m²) U†, ψ = U h;
* neutral scalar sectors with a real field or a holomorphic term (λ5 (H†η)², a_H with a real
  singlet): real coordinates ψ = (x_R + i x_I)/√2, V ⊃ ½ xᵀ M² x, M² = O diag(m²) Oᵀ, x = O S.

Z couplings follow physics.md §9 (L_Z = −(g/c_W) Z_μ [F̄_b γ^μ (g^L_ba P_L + g^R_ba P_R) F_a
+ g^S_BA i(S_B^* ∂S_A − ∂S_B^* S_A)]): Dirac g^{L,R} = U_{L,R}† diag(T3 − s_W² Q) U_{L,R};
Majorana sectors the Denner et al. form (Nucl. Phys. B387 (1992) 467) g^L = G, g^R = −G^*,
G = V† diag(±(T3 − s_W² Q)) V (− for the (ψ_R)^c spinors); scalars U† diag(T3 − s_W² Q) U,
with the sign of T3 and Q flipped for a conjugated (oriented) field; for real states the
Hermitian W† diag(T3 − s_W² Q) W of their complex components (only its antisymmetric part is
physical, see bridge.engine).

A batch (issue 12) diagonalises a sector no varying parameter enters once, and one that LAPACK
diagonalises once per distinct set of its varying parameters (a grid scan): every point gets
the numbers it would get in a batch of its own (:func:`_sector_points`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from bridge import fields as fd
from bridge import linalg, su2
from bridge.engine import (
    DarkFermion,
    DarkScalar,
    DarkSector,
    HiggsCouplings,
    WCouplings,
    ZCouplings,
)
from bridge.errors import InputError
from bridge.fields import Derived, DescriptionError, FermionMixing, ModelDescription, Parameter, Quartic
from bridge.repeats import distinct_points

SQRT2 = math.sqrt(2.0)


# ---------------------------------------------------------------------------
# the plan: everything that depends on the description only
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Component:
    """One component of a multiplet, as the engine sees it (charge after orientation)."""

    field: str
    index: int  # T3-descending position in the multiplet
    t3: Fraction  # of the oriented field
    charge: Fraction  # of the oriented field
    colour: int
    kind: str  # dirac | majorana | complex | real

    def label(self) -> str:
        return f"{self.field}{charge_tag(self.charge)}"


@dataclass
class Sector:
    """Components that mix: one mass matrix, diagonalised by ``method``."""

    spin: str  # "fermion" | "scalar"
    method: str  # dirac | takagi | hermitian | real
    components: list[int]  # indices into plan.fermions / plan.scalars
    charge: Fraction
    colour: int
    names: list[str] = field(default_factory=list)  # mass eigenstates, ascending mass
    codes: list[int] = field(default_factory=list)
    mixing_block: str | None = None
    label: str = ""
    #: takagi: spinor list (component, "L" | "R" | "M"); real: coordinates (component, "R"|"I"|"")
    coordinates: list[tuple[int, str]] = field(default_factory=list)
    #: mass-matrix contributions: (row, col, parameter or None, factor, v power, conj(param))
    entries: list[tuple] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.coordinates) if self.method in ("takagi", "real") else len(self.components)

    @property
    def states(self) -> int:
        if self.method == "takagi":
            return len(self.coordinates)
        if self.method == "real":
            return len(self.coordinates)
        return len(self.components)


@dataclass
class Plan:
    description: ModelDescription
    orientation: dict[str, bool]  # scalar field → uses φ* (True) or φ
    fermions: list[Component]
    scalars: list[Component]
    fermion_sectors: list[Sector]
    scalar_sectors: list[Sector]
    #: (SM fermion name, "l" | "r") → [(coupling source, factor, fermion comp, scalar comp, conj B)]
    yukawa: dict[tuple[str, str], list[tuple]]
    parameters: list[Parameter]


def charge_tag(q: Fraction) -> str:
    """0, +, -, ++, --, or (2/3)-style for fractions: suffixes of state names."""
    if q == 0:
        return "0"
    if q.denominator == 1 and abs(q) <= 2:
        return ("+" if q > 0 else "-") * abs(int(q))
    return f"({q.numerator}/{q.denominator})" if q.denominator != 1 else f"({int(q)})"


_PLANS: dict[int, tuple[ModelDescription, Plan]] = {}


def plan(description: ModelDescription) -> Plan:
    """Validate the description and lay out components, sectors and coupling entries (once
    per description object)."""
    cached = _PLANS.get(id(description))
    if cached is not None and cached[0] is description:
        return cached[1]
    result = _make_plan(description)
    _PLANS[id(description)] = (description, result)
    return result


def _make_plan(description: ModelDescription) -> Plan:
    description.validate()
    d = description
    orientation = _orientation(d)
    fermions, scalars = _components(d, orientation)
    fsectors = _fermion_sectors(d, fermions)
    ssectors = _scalar_sectors(d, scalars, orientation)
    _name_states(d, fsectors, ssectors, fermions, scalars)
    fsectors.sort(key=lambda s: s.codes[0])  # the engine's states in Block MASS order
    ssectors.sort(key=lambda s: s.codes[0])
    yukawa = _yukawa_entries(d, fermions, scalars, orientation)
    return Plan(d, orientation, fermions, scalars, fsectors, ssectors, yukawa, d.parameters())


def _orientation(d: ModelDescription) -> dict[str, bool]:
    """Scalar fields appear as φ or φ*: fixed by the Yukawa terms, then by the scalar terms
    (a term pairing two scalars must be ψ_a* ψ_b in the oriented fields unless it is
    neutral and holomorphic), otherwise φ."""
    out: dict[str, bool] = {}
    for y in d.yukawas:
        base, conj = fd.split_conjugate(y.scalar)
        if d.field(base).kind == "real":
            out[base] = False
            continue
        if out.get(base, conj) != conj:
            raise DescriptionError(f"model {d.name}: scalar {base} appears both as {base} and "
                                   f"{base}* in Yukawa terms; the engine needs one orientation")
        out[base] = conj
    pairs = []
    for t in d.mixings:
        if isinstance(t, fd.Trilinear):
            dark = [fd.split_conjugate(n) for n in t.fields if fd.split_conjugate(n)[0] != fd.HIGGS]
            pairs.append(dark)
        elif isinstance(t, Quartic):
            names = [n for br in t.brackets for n in br]
            pairs.append([fd.split_conjugate(n) for n in names
                          if fd.split_conjugate(n)[0] != fd.HIGGS])
    changed = True
    while changed:
        changed = False
        for (a, ca), (b, cb) in pairs:
            for (x, cx), (y, cy) in (((a, ca), (b, cb)), ((b, cb), (a, ca))):
                if x in out and y not in out and d.field(y).kind != "real":
                    # Hermitian pairing: exactly one of the two appears conjugated (oriented)
                    out[y] = cy ^ (not (cx ^ out[x]))
                    changed = True
    for f in d.fields:
        if not f.fermion:
            out.setdefault(f.name, False)
    return out


def _components(d: ModelDescription, orientation):
    fermions, scalars = [], []
    for f in d.fields:
        flip = -1 if (not f.fermion and orientation[f.name]) else 1
        colour = -f.colour if (flip == -1 and f.colour in (3, -3)) else f.colour
        for i, t3 in enumerate(su2.t3_values(f.su2)):
            comp = Component(f.name, i, flip * t3, flip * (t3 + f.hypercharge), colour, f.kind)
            (fermions if f.fermion else scalars).append(comp)
    return fermions, scalars


def _comp_index(comps: list[Component], name: str, i: int) -> int:
    for k, c in enumerate(comps):
        if c.field == name and c.index == i:
            return k
    raise KeyError((name, i))


def _higgs_tensor_value(tensor: np.ndarray, higgs_axes: list[int]) -> np.ndarray:
    """The tensor with every Higgs index at ⟨H⁰⟩ (component 1), the vev factor left out."""
    index = [slice(None)] * tensor.ndim
    for ax in higgs_axes:
        index[ax] = fd.HIGGS_VEV_COMPONENT
    return tensor[tuple(index)]


def _connected(n: int, links: list[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for k in range(n):
        groups[find(k)].append(k)
    return sorted(groups.values(), key=lambda g: g[0])


def _fermion_sectors(d: ModelDescription, comps: list[Component]) -> list[Sector]:
    """Dirac matrix entries D[(A,i),(B,j)] (−ψ̄_L D ψ_R), then sectors by connectivity."""
    entries = []  # (row comp, col comp, param, factor, power, conj)
    for k, c in enumerate(comps):
        if c.kind == "dirac":
            entries.append((k, k, d.field(c.field).mass, 1.0, 0, False))
    majorana_mass = [(k, d.field(c.field).mass) for k, c in enumerate(comps) if c.kind == "majorana"]
    for t in d.mixings:
        if not isinstance(t, FermionMixing):
            continue
        h = fd.fermion_mixing_higgs(d, t)
        a, b = d.field(t.fermion), d.field(t.partner)
        tensor = su2.invariant((a.su2, b.su2, 2), (True, False, h == "H*"))
        mat = _higgs_tensor_value(tensor, [2]) / SQRT2  # × v: the vev factor v/√2
        for (i, j), value in su2.nonzero_entries(mat):
            ka, kb = _comp_index(comps, a.name, i), _comp_index(comps, b.name, j)
            if t.right is not None:  # λ_R Ψ̄_L Ψ'_R
                entries.append((ka, kb, t.right, value, 1, False))
            if t.left is not None:  # (λ_L Ψ̄_R Ψ'_L)† = λ_L* Ψ̄'_L Ψ_R
                entries.append((kb, ka, t.left, np.conj(value), 1, True))
    links = [(r, c) for r, c, *_ in entries]
    sectors = []
    for group in _connected(len(comps), links):
        c0 = comps[group[0]]
        has_majorana = any(comps[k].kind == "majorana" for k in group)
        if len({(comps[k].charge, comps[k].colour) for k in group}) != 1:
            raise DescriptionError(f"model {d.name}: fermion mixing between components of "
                                   "different charge or colour")
        mine = [e for e in entries if e[0] in group]
        if not has_majorana:
            pos = {k: n for n, k in enumerate(group)}
            sectors.append(Sector("fermion", "dirac", group, c0.charge, c0.colour,
                                  entries=[(pos[r], pos[c], *rest) for r, c, *rest in mine]))
            continue
        # two-component spinors: Dirac components give L and R, Majorana ones M
        coords = []
        for k in group:
            coords += [(k, "M")] if comps[k].kind == "majorana" else [(k, "L"), (k, "R")]
        where = {ck: n for n, ck in enumerate(coords)}

        def spinor(k, chir, where=where):
            return where[(k, "M")] if (k, "M") in where else where[(k, chir)]

        weyl = []
        for r, c, p, factor, power, conj in mine:
            # W(ζ_R(c), ζ_L(r)) = D[r, c]^*: the parameter enters conjugated
            weyl.append((spinor(c, "R"), spinor(r, "L"), p, np.conj(factor), power, not conj))
        for k, p in majorana_mass:
            if k in group:
                weyl.append((where[(k, "M")], where[(k, "M")], p, 1.0, 0, False))
        sectors.append(Sector("fermion", "takagi", group, c0.charge, c0.colour,
                              coordinates=coords, entries=weyl))
    return sectors


def _scalar_terms(d: ModelDescription, comps, orientation):
    """Bilinears of the oriented components: (a, sa, b, sb, param, factor, power, hc) with
    s = True where the written component is ψ* of the oriented one."""
    out = []
    for k, c in enumerate(comps):  # mass terms
        out.append((k, True, k, False, d.field(c.field).mass, None, 0, False))
    for t in d.mixings:
        if isinstance(t, fd.Trilinear):
            groups = [list(t.fields)]
            factor0, param = 1.0, t.coupling
        elif isinstance(t, Quartic):
            groups = [list(br) for br in t.brackets]
            factor0, param = t.factor, t.coupling
        else:
            continue
        # the product of the groups' invariants with the Higgs at its vev: a bilinear
        members, tensor = [], np.ones(())
        for names in groups:
            ms = fd.term_members(d, names, f"model {d.name}")
            tens = su2.invariant(tuple(m[0] for m in ms), tuple(m[2] for m in ms))
            tensor = np.multiply.outer(tensor, tens)
            members += [(n, m) for n, m in zip(names, ms, strict=True)]
        higgs = [k for k, (n, _) in enumerate(members) if fd.split_conjugate(n)[0] == fd.HIGGS]
        mat = _higgs_tensor_value(tensor, higgs) / SQRT2 ** len(higgs)
        dark = [(n, m) for n, m in members if fd.split_conjugate(n)[0] != fd.HIGGS]
        (_, ma), (_, mb) = dark
        fa, fb = ma[3], mb[3]
        self_conj = isinstance(t, Quartic) and _self_conjugate(t)
        for (i, j), value in su2.nonzero_entries(np.atleast_2d(mat)):
            ka, kb = _comp_index(comps, fa.name, i), _comp_index(comps, fb.name, j)
            sa = ma[2] != orientation[fa.name] and fa.kind != "real"
            sb = mb[2] != orientation[fb.name] and fb.kind != "real"
            out.append((ka, sa, kb, sb, param, factor0 * value, len(higgs), not self_conj))
    return out


def _self_conjugate(t: Quartic) -> bool:
    """λ3 (H†H)(η†η) and λ4 (H†η)(η†H) are their own conjugates (no "+ h.c."), λ5 is not."""
    brackets = sorted(tuple(sorted(br)) for br in t.brackets)
    conjugate = sorted(tuple(sorted(_flip(n) for n in br)) for br in t.brackets)
    return brackets == conjugate


def _flip(name: str) -> str:
    base, conj = fd.split_conjugate(name)
    return base if conj else base + "*"


def _scalar_sectors(d: ModelDescription, comps, orientation) -> list[Sector]:
    terms = _scalar_terms(d, comps, orientation)
    links = [(a, b) for a, _, b, _, *_ in terms]
    sectors = []
    for group in _connected(len(comps), links):
        c0 = comps[group[0]]
        if len({(comps[k].charge, comps[k].colour) for k in group}) != 1:
            raise DescriptionError(f"model {d.name}: scalar mixing between components of "
                                   "different charge or colour")
        mine = [t for t in terms if t[0] in group]
        holomorphic = any(t[5] is not None and t[1] == t[3] for t in mine)
        real = any(comps[k].kind == "real" for k in group)
        if holomorphic and c0.charge != 0:
            raise DescriptionError(f"model {d.name}: a holomorphic mass term between charged "
                                   "scalars (charge is not conserved)")
        if not (holomorphic or real):
            pos = {k: n for n, k in enumerate(group)}
            entries = []
            for a, sa, b, _, p, factor, power, hc in mine:
                if factor is None:  # mass term M² |ψ|²
                    entries.append((pos[a], pos[b], p, None, 0, False))
                    continue
                if sa:  # ψ_a* ψ_b
                    row, col = pos[a], pos[b]
                else:  # ψ_a ψ_b* = ψ_b* ψ_a
                    row, col = pos[b], pos[a]
                entries.append((row, col, p, factor, power, False))
                if hc:
                    entries.append((col, row, p, np.conj(factor), power, True))
            sectors.append(Sector("scalar", "hermitian", group, c0.charge, c0.colour,
                                  entries=entries))
            continue
        coords = []
        for k in group:
            coords += [(k, "")] if comps[k].kind == "real" else [(k, "R"), (k, "I")]
        sectors.append(Sector("scalar", "real", group, c0.charge, c0.colour, coordinates=coords,
                              entries=[("bilinear", t) for t in mine]))
    return sectors


def _name_states(d, fsectors, ssectors, fcomps, scomps) -> None:
    """State names, Block MASS codes (base + 10 k + j per group k) and mixing-block names."""
    order = {f.name: n for n, f in enumerate(d.fields)}
    groups = []  # (sort key, sector or component list)
    for spin, sectors, comps in (("F", fsectors, fcomps), ("S", ssectors, scomps)):
        for s in sectors:
            first = min(order[comps[k].field] for k in s.components)
            mixed = len({comps[k].field for k in s.components}) > 1 or s.states > 1
            s.label = f"{spin}{charge_tag(s.charge)}"
            if mixed:
                groups.append(((first, 0, abs(s.charge), -s.charge), s, spin, True))
            else:
                groups.append(((first, 1, 0, 0), s, spin, False))
    # mixed sectors of the same spin, charge and colour get letters
    seen: dict[str, int] = defaultdict(int)
    for _, s, _, mixed in sorted(groups, key=lambda g: g[0]):
        if mixed:
            seen[s.label] += 1
    counter: dict[str, int] = defaultdict(int)
    k = -1
    last_key = None
    prefix = d.mixing_prefix or "".join(ch for ch in d.name.upper() if ch.isalnum())
    for key, s, spin, mixed in sorted(groups, key=lambda g: g[0]):
        comps = fcomps if spin == "F" else scomps
        group_key = (key[0], key[1]) if not mixed else (key, id(s))
        if group_key != last_key:
            k += 1
            j = 0
            last_key = group_key
        if mixed:
            label = s.label
            if seen[label] > 1:
                counter[label] += 1
                label = f"{label}{'abcdefgh'[counter[label] - 1]}"
            s.label = label
            name_prefix = d.sector_names.get(label, label)
            s.names = [f"{name_prefix}_{n + 1}" for n in range(s.states)]
            s.mixing_block = d.mixing_blocks.get(label, f"{prefix}{_block_tag(s)}")
        else:
            c = comps[s.components[0]]
            f = d.field(c.field)
            s.names = [f.name if f.su2 == 1 else f"{f.name}{charge_tag(c.charge)}"]
        s.codes = []
        for _ in s.names:
            j += 1
            if j > 9:
                raise DescriptionError(f"model {d.name}: more than 9 states in one MASS-code group")
            s.codes.append(d.code + 10 * k + j)


def _block_tag(s: Sector) -> str:
    q = {0: "N"}.get(s.charge) or ("C" if abs(s.charge) == 1 else f"Q{s.charge.numerator}")
    sign = "M" if s.charge < 0 else ("P" if s.charge > 0 else "")
    spin = "F" if s.spin == "fermion" else "S"
    return f"{spin}{q}{sign}MIX" + ("" if s.label[-1] not in "abcdefgh" else s.label[-1].upper())


def _yukawa_entries(d, fcomps, scomps, orientation):
    out: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for y in d.yukawas:
        _, dim_f, _, chir, names = fd.SM_FIELDS[y.sm]
        fermion = d.field(y.fermion)
        base, wconj = fd.split_conjugate(y.scalar)
        scalar = d.field(base)
        tensor = su2.invariant((dim_f, fermion.su2, scalar.su2), (True, False, wconj))
        s_conj = wconj != orientation[base] and scalar.kind != "real"
        table = "l" if chir == "L" else "r"
        for (fi, i, j), value in su2.nonzero_entries(tensor):
            kf = _comp_index(fcomps, fermion.name, i)
            ks = _comp_index(scomps, base, j)
            for fam in range(3):
                source = (y.couplings, fam)
                out[(names[fi][fam], table)].append((source, y.sign * value, kf, ks, s_conj,
                                                     y.conjugate))
    return dict(out)


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------
@dataclass
class Assembly:
    """A point (or batch) in the mass basis."""

    plan: Plan
    sector: DarkSector
    masses: list[tuple[int, str, object]]  # (MASS code, state name, mass (number or (N,)))
    mixings: list[tuple[str, np.ndarray, tuple, tuple, str]]  # name, matrix, rows, cols, text
    mass_matrices: dict[str, np.ndarray]
    batch_shape: tuple
    #: state name → {field name: weight}, the share of each multiplet in the state (sums to 1;
    #: numbers, or arrays (N,) in a batch), e.g. the singlet fraction of a dark-matter candidate
    composition: dict[str, dict[str, object]] = field(default_factory=dict)


def parameter_values(p: Plan, inputs) -> dict[Parameter, np.ndarray]:
    """Each parameter's value from the inputs (ModelInputs or BatchInputs)."""
    out = {}
    for par in p.parameters:
        out[par] = np.asarray(inputs[par.block][par.key])
    return out


def _value(source, values: dict, derived: dict, batch):
    if isinstance(source, tuple) and isinstance(source[0], Derived):
        der, fam = source
        if der.name not in derived:
            raise DescriptionError(f"derived coupling {der.name!r} was not supplied by the model")
        value = np.asarray(derived[der.name])
        if der.column is not None:
            value = value[..., der.column]
        return value[..., fam]
    if isinstance(source, tuple):
        params, fam = source
        return values[params[fam]]
    if isinstance(source, Derived):
        return np.asarray(derived[source.name])
    return values[source]


def assemble(p: Plan, inputs, sm, derived: dict | None = None, *,
             dark_matter: bool = True) -> Assembly:
    """Masses, mixings and the DarkSector of one point or a batch (module docstring).

    ``dark_matter=False`` leaves out what only the dark-matter code (bridge.darkmatter) reads:
    the Higgs and W couplings of the sector (``sector.higgs``, ``sector.w`` are None) and the
    multiplet composition of the states (``composition`` empty; read by
    sanity.dark_matter_candidate). Masses, mixings, the Yukawa and Z couplings are unchanged."""
    derived = derived or {}
    values = parameter_values(p, inputs)
    shapes = [np.shape(v) for v in values.values()]
    for der in p.description.derived():
        if der.name in derived:
            value_shape = np.shape(derived[der.name])
            shapes.append(value_shape[:len(value_shape) - len(der.shape)])
    batch = np.broadcast_shapes(*shapes) if shapes else ()
    vev, s2w = sm.vev, sm.s2w
    if batch:  # a value no point of the batch changes is one number (see _sector_points)
        values = {par: _uniform(v, 0) for par, v in values.items()}
        derived = {**derived, **{der.name: _uniform(derived[der.name], len(der.shape))
                                 for der in p.description.derived() if der.name in derived}}

    f_states, s_states = [], []  # (sector, position) per state
    fmix, smix, matrices = [], [], {}
    n_fc, n_sc = len(p.fermions), len(p.scalars)
    #: component → (its sector's slice of the states, its row of the mixing matrix there)
    f_rows: dict[str, dict[int, tuple]] = {"L": {}, "R": {}}
    s_rows: dict[int, tuple] = {}
    higgs_f, higgs_s, higgs_s2 = [], [], []
    z_f_l, z_f_r, z_s = [], [], []
    f_masses, s_masses = [], []
    composition: dict[str, dict[str, object]] = {}

    nf = 0
    for s in p.fermion_sectors:
        sb = _sector_points(s, values, derived, batch)
        mat, dmat = _pick(sb, *_fermion_matrix(s, values, derived, sb.build, vev, dark_matter))
        matrices[s.label or s.names[0]] = _grow(mat, sb, batch)
        rows_l, rows_r = [], []
        if s.method == "dirac":
            m, u_l, u_r = linalg.biunitary(mat)
            rows_l = [(k, u_l[..., j, :]) for j, k in enumerate(s.components)]
            rows_r = [(k, u_r[..., j, :]) for j, k in enumerate(s.components)]
            y = _h(u_l) @ dmat @ u_r if dark_matter else None
            z = np.array([float(p.fermions[k].t3 - s2w * p.fermions[k].charge) for k in s.components])
            zl = _h(u_l) @ (z[:, None] * u_l)
            zr = _h(u_r) @ (z[:, None] * u_r)
            if len(s.components) > 1:
                rows = tuple(p.fermions[k].label() for k in s.components)
                fmix.append((s.mixing_block + "L" if s.mixing_block else None, _grow(u_l, sb, batch),
                             tuple(r + "_L" for r in rows), tuple(s.names),
                             "psi_L = U_L F_L, L > -psi_L-bar D psi_R, D = U_L diag(m) U_R^+"))
                fmix.append((s.mixing_block + "R" if s.mixing_block else None, _grow(u_r, sb, batch),
                             tuple(r + "_R" for r in rows), tuple(s.names), "psi_R = U_R F_R"))
        else:
            m, v = linalg.takagi(mat, symmetric=True)  # (_fermion_matrix mirrors every term)
            zw = np.zeros(len(s.coordinates))
            for n, (k, chir) in enumerate(s.coordinates):
                comp = p.fermions[k]
                zc = float(comp.t3 - s2w * comp.charge)
                if chir in ("L", "M"):
                    rows_l.append((k, v[..., n, :]))
                if chir in ("R", "M"):
                    rows_r.append((k, v[..., n, :].conj()))
                zw[n] = {"L": zc, "R": -zc, "M": 0.0}[chir]
            y = _t(v) @ dmat @ v if dark_matter else None
            g = _h(v) @ (zw[:, None] * v)
            zr = g.conj()
            zl, zr = g, np.negative(zr, out=zr)  # −g*: one array
            rows = tuple(f"{p.fermions[k].label()}{ {'L': '_L', 'R': '_R^c', 'M': ''}[c]}"
                         for k, c in s.coordinates)
            fmix.append((s.mixing_block, _grow(v, sb, batch), rows, tuple(s.names),
                         "zeta = V F (two-component spinors), V^T W V = diag(m)"))
        states = slice(nf, nf + m.shape[-1])
        nf += m.shape[-1]
        f_rows["L"].update((k, (states, _grow(row, sb, batch, view=True))) for k, row in rows_l)
        f_rows["R"].update((k, (states, _grow(row, sb, batch, view=True))) for k, row in rows_r)
        if dark_matter:  # the multiplets' shares of the states (the dark-matter candidate)
            if s.method == "dirac":
                shares = [(k, (np.abs(u_l[..., j, :]) ** 2 + np.abs(u_r[..., j, :]) ** 2) / 2)
                          for j, k in enumerate(s.components)]
            else:
                shares = [(k, np.abs(v[..., j, :]) ** 2) for j, (k, _) in enumerate(s.coordinates)]
            _add_composition(composition, s, p.fermions, [(k, _grow(w, sb, batch)) for k, w in shares])
        for n in range(m.shape[-1]):
            f_states.append((s, n))
            f_masses.append(_grow(m[..., n], sb, batch))
        higgs_f.append(_grow(y, sb, batch, view=True))
        z_f_l.append(_grow(zl, sb, batch, view=True))
        z_f_r.append(_grow(zr, sb, batch, view=True))

    ns = 0
    for s in p.scalar_sectors:
        sb = _sector_points(s, values, derived, batch)
        mat, dmat, d2mat = _pick(sb, *_scalar_matrix(s, p, values, derived, sb.build, vev,
                                                          dark_matter))
        matrices[s.label or s.names[0]] = _grow(mat, sb, batch)
        if s.method == "hermitian":
            m2, u = linalg.hermitian(mat)
            rows_s = [(k, u[..., j, :]) for j, k in enumerate(s.components)]
            y = _h(u) @ dmat @ u if dark_matter else None
            y2 = _h(u) @ d2mat @ u if dark_matter else None
            z = np.array([float(p.scalars[k].t3 - s2w * p.scalars[k].charge) for k in s.components])
            g = _h(u) @ (z[:, None] * u)
            if len(s.components) > 1:
                rows = tuple(p.scalars[k].label() for k in s.components)
                smix.append((s.mixing_block, _grow(u, sb, batch), rows, tuple(s.names),
                             "phi = U h, A = U diag(m^2) U^+"))
        else:
            m2, o = linalg.real_symmetric(mat)
            comps = sorted({k for k, _ in s.coordinates})
            at = {k: j for j, k in enumerate(comps)}
            w = np.zeros((*o.shape[:-2], len(comps), m2.shape[-1]), complex)
            # written part by part, no complex temporaries: the numbers of w += o/√2 (R) and
            # w += 1j·o/√2 (I), whose complex division by √2 is numpy's o·fl(1/√2) (Smith's
            # algorithm with a real divisor) and whose other part adds ±0 to a sum that starts
            # at +0 (tests/test_spectrum_speedups.py)
            for n, (k, part) in enumerate(s.coordinates):
                if part == "":
                    w.real[..., at[k], :] = o[..., n, :]
                elif part == "R":
                    w.real[..., at[k], :] += o[..., n, :] / SQRT2
                else:
                    w.imag[..., at[k], :] += o[..., n, :] * (1 / SQRT2)
            rows_s = [(k, w[..., at[k], :]) for k in comps]
            zc = np.array([float(p.scalars[k].t3 - s2w * p.scalars[k].charge)
                           if p.scalars[k].kind != "real" else 0.0 for k in comps])
            g = _h(w) @ (zc[:, None] * w)
            y = _t(o) @ dmat @ o if dark_matter else None
            y2 = _t(o) @ d2mat @ o if dark_matter else None
            rows = tuple(f"{p.scalars[k].label()}{ {'R': '_R', 'I': '_I', '': ''}[c]}"
                         for k, c in s.coordinates)
            smix.append((s.mixing_block, _grow(o, sb, batch), rows, tuple(s.names),
                         "(phi_R, phi_I, real fields) = O S, M^2 = O diag(m^2) O^T"))
        states = slice(ns, ns + m2.shape[-1])
        ns += m2.shape[-1]
        s_rows.update((k, (states, _grow(row, sb, batch, view=True))) for k, row in rows_s)
        if dark_matter:
            if s.method == "hermitian":
                shares = [(k, np.abs(u[..., j, :]) ** 2) for j, k in enumerate(s.components)]
            else:
                shares = [(k, o[..., j, :] ** 2) for j, (k, _) in enumerate(s.coordinates)]
            _add_composition(composition, s, p.scalars, [(k, _grow(w, sb, batch)) for k, w in shares])
        m = _sqrt_masses(m2)
        for n in range(m.shape[-1]):
            s_states.append((s, n))
            s_masses.append(_grow(m[..., n], sb, batch))
        higgs_s.append(_grow(y, sb, batch, view=True))
        higgs_s2.append(_grow(y2, sb, batch, view=True))
        z_s.append(_grow(g, sb, batch, view=True))

    fermions = tuple(DarkFermion(s.names[n], _engine_mass(f_masses[k], s, n, batch),
                                 float(s.charge), majorana=s.method == "takagi", colour=s.colour)
                     for k, (s, n) in enumerate(f_states))
    scalars = tuple(DarkScalar(s.names[n], _engine_mass(s_masses[k], s, n, batch),
                               float(s.charge), colour=s.colour, real=s.method == "real")
                    for k, (s, n) in enumerate(s_states))
    left, right = _couplings(p, values, derived, f_rows, s_rows, batch, nf, ns)
    z = ZCouplings(_block_diag(z_f_l, batch), _block_diag(z_f_r, batch), _block_diag(z_s, batch))
    w = higgs = None
    if dark_matter:
        a_l = _columns(f_rows["L"], n_fc, nf, batch)
        a_r = _columns(f_rows["R"], n_fc, nf, batch)
        b_s = _columns(s_rows, n_sc, ns, batch)
        w = _w_couplings(p, a_l, a_r, b_s, batch, nf, ns)
        higgs = HiggsCouplings(_block_diag(higgs_f, batch), _block_diag(higgs_s, batch),
                               _block_diag(higgs_s2, batch))
    sector = DarkSector(fermions, scalars, left, right, z, w, higgs)
    masses = []
    for states, mlist in ((f_states, f_masses), (s_states, s_masses)):
        for (s, n), m in zip(states, mlist, strict=True):
            masses.append((s.codes[n], s.names[n], _out(m)))
    masses.sort(key=lambda t: t[0])
    mixings = [(name, mat, rows, cols, text) for name, mat, rows, cols, text in fmix + smix
               if name is not None]
    return Assembly(p, sector, masses, mixings, matrices, batch, composition)


def _uniform(value, trailing: int):
    """``value`` (batch axes, then ``trailing`` axes of its own) as one value when every point
    of the batch has the same (bit for bit: NaN counts as different), else unchanged."""
    arr = np.asarray(value)
    lead = arr.ndim - trailing
    if lead <= 0:
        return arr
    first = arr[(0,) * lead]
    return first if np.array_equal(arr, np.broadcast_to(first, arr.shape)) else arr


@dataclass(frozen=True)
class _Points:
    """The points a sector's mass matrix is diagonalised at: all of the batch (``shape`` the
    batch's), one for all (``shape`` (1,): no parameter entering the sector varies) or the
    distinct ones (``first``: a representative point of each, ``inverse``: point → its
    representative). ``build``: the batch shape the matrix is built at."""

    shape: tuple
    first: np.ndarray | None = None
    inverse: np.ndarray | None = None

    @property
    def build(self) -> tuple:
        return self.shape if self.first is None else (self.inverse.size,)


def _sector_points(s: Sector, values, derived, batch) -> _Points:
    """Where a sector's mass matrix must be diagonalised (:class:`_Points`). A matrix no scanned
    parameter enters (the scotogenic η⁰ and η^±–φ^± mixings when the masses of N and S are
    scanned) is diagonalised once for the batch; one that LAPACK diagonalises (3 × 3 and larger,
    a real Takagi 2 × 2), whose parameters take at most half as many distinct values as there are
    points (a grid scan over a parameter and another that does not enter it), once per distinct
    set of values (bit for bit). Each by the same routine on a stack of matrices as for the whole
    batch (the batched code paths of bridge.linalg; LAPACK treats every matrix alone), so every
    point gets exactly the numbers it got before; :func:`_grow` spreads them."""
    if not batch:
        return _Points(batch)
    params = {id(e[2]): e[2] for e in _sector_entries(s)}.values()
    varying = [v for v in (np.asarray(_param(values, derived, par, False)) for par in params) if v.ndim]
    if not varying:
        return _Points((1,))
    if len(batch) != 1 or not (s.size >= 3 or (s.size == 2 and s.method == "takagi")):
        return _Points(batch)
    pick = distinct_points(varying, batch[0])
    if pick is None:
        return _Points(batch)
    return _Points((pick[0].size,), *pick)


def _pick(points: _Points, *mats):
    """The matrices at the representative points (all of them if there is no choice)."""
    if points.first is None:
        return mats
    return tuple(None if m is None else m[points.first] for m in mats)


def _grow(x, points: _Points, batch: tuple, view: bool = False):
    """A sector's array computed at ``points`` (:func:`_sector_points`) for the full ``batch``
    (a copy unless ``view``: it leaves the assembly in the spectrum); None stays None."""
    if x is None or (points.shape == batch and points.first is None):
        return x
    if points.inverse is not None:
        return x[points.inverse]
    grown = np.broadcast_to(x, (*batch, *np.shape(x)[len(points.shape):]))
    return grown if view else grown.copy()


def _columns(rows: dict, n_comp: int, n_states: int, batch) -> np.ndarray:
    """The mixing matrix of all components × all states (block per sector) from the rows."""
    out = np.zeros((*batch, n_comp, n_states), complex)
    for k, (states, row) in rows.items():
        out[..., k, states] = row
    return out


def _add_composition(out: dict, s: Sector, comps: list[Component], shares) -> None:
    """Sum the squared mixing-matrix entries of each multiplet's components (or spinors, or
    real coordinates) per state: the multiplet's share of the state."""
    for n, name in enumerate(s.names):
        state: dict[str, object] = {}
        for k, weight in shares:
            field_name = comps[k].field
            state[field_name] = state.get(field_name, 0.0) + _out(weight[..., n])
        out[name] = state


def _h(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2).conj()


def _t(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def _out(m):
    m = np.asarray(m)
    return float(m) if m.ndim == 0 else m


def _engine_mass(m, s: Sector, n: int, batch):
    """A mass for the engine: a massless or tachyonic state is refused at a single point, naming
    the first mixing parameter of its sector (or its mass); in a batch it gets a placeholder
    (the Spectrum keeps the true value, which bridge.sanity flags, so the point is evaluated
    alone and refused)."""
    arr = np.asarray(m, dtype=float)
    bad = ~(arr > 0)
    if not np.any(bad):
        return _out(arr)
    if batch == ():
        params = [e[2] for e in _sector_entries(s) if isinstance(e[2], Parameter)]
        mixing = [e[2] for e in _sector_entries(s) if isinstance(e[2], Parameter) and e[4] > 0]
        blame = (mixing or params)[0]
        what = "tachyonic (the mixing is too large for the masses)" if mixing else "massless or tachyonic"
        raise InputError(f"dark state {s.names[n]} has mass {float(arr):g} GeV: {what}",
                         block=blame.block, entry=blame.key)
    return np.where(bad, 1.0, arr)


def _sector_entries(s: Sector) -> list[tuple]:
    """(row, col, parameter, factor, v power, …) of a sector, whatever its method."""
    if s.method == "real":  # ("bilinear", (a, sa, b, sb, param, factor, power, hc))
        return [(t[0], t[2], t[4], t[5], t[6]) for _, t in s.entries]
    return s.entries


def _sqrt_masses(m2: np.ndarray) -> np.ndarray:
    """√m², NaN where m² ≤ 0 (a tachyon, refused by bridge.sanity), without a warning."""
    return np.sqrt(np.where(m2 > 0, m2, np.nan))  # (sqrt(NaN) is NaN, quietly)


def _block_diag(blocks: list[np.ndarray], batch) -> np.ndarray:
    """The block-diagonal matrix of the sectors' blocks over the batch. Where every block is
    one point spread over the batch (a view with zero strides on the batch axes: :func:`_grow`
    of a sector no scanned parameter enters, e.g. the Z couplings of the scotogenic η and S
    when M_N and m_S are scanned), it is built once and spread the same way (a read-only view:
    the same numbers, no (N, n, n) array filled block by block)."""
    if batch and blocks and all(_spread_point(b, len(batch)) for b in blocks):
        one = _block_diag([b[(0,) * len(batch)] for b in blocks], ())
        return np.broadcast_to(one, (*batch, *one.shape))
    n = sum(b.shape[-1] for b in blocks)
    out = np.zeros((*batch, n, n), complex)
    k = 0
    for b in blocks:
        m = b.shape[-1]
        out[..., k:k + m, k:k + m] = b
        k += m
    return out


def _spread_point(x, lead: int) -> bool:
    """``x`` is an array whose ``lead`` batch axes repeat one point (zero strides)."""
    return isinstance(x, np.ndarray) and x.ndim >= lead + 2 and not any(x.strides[:lead])


def _param(values, derived, p, conj: bool):
    if isinstance(p, Derived):
        v = np.asarray(derived[p.name])
    else:
        v = values[p]
    return np.conj(v) if conj else v


def _fermion_matrix(s: Sector, values, derived, batch, vev, derivatives: bool = True):
    """The sector's mass matrix and (``derivatives``, else None: only the Higgs couplings of
    the dark-matter code read it) its derivative in v."""
    n = s.size
    mat = np.zeros((*batch, n, n), complex)
    dmat = np.zeros((*batch, n, n), complex) if derivatives else None
    for r, c, p, factor, power, conj in s.entries:
        v = _param(values, derived, p, conj) * factor
        mat[..., r, c] += v * vev**power
        if power and derivatives:
            dmat[..., r, c] += v * power * vev ** (power - 1)
        if s.method == "takagi" and r != c:
            mat[..., c, r] += v * vev**power
            if power and derivatives:
                dmat[..., c, r] += v * power * vev ** (power - 1)
    return mat, dmat


def _scalar_matrix(s: Sector, p: Plan, values, derived, batch, vev, derivatives: bool = True):
    """The sector's mass-squared matrix and (``derivatives``, else None: only the Higgs
    couplings of the dark-matter code read them) its first and second derivatives in v."""
    n = s.size
    if s.method == "hermitian":
        mat = np.zeros((*batch, n, n), complex)
        dmat = np.zeros((*batch, n, n), complex) if derivatives else None
        d2mat = np.zeros((*batch, n, n), complex) if derivatives else None
        for r, c, par, factor, power, conj in s.entries:
            if factor is None:
                mat[..., r, c] += np.abs(values[par]) ** 2
                continue
            v = _param(values, derived, par, conj) * factor
            mat[..., r, c] += v * vev**power
            if not derivatives:
                continue
            dmat[..., r, c] += v * power * vev ** (power - 1)
            if power == 2:
                d2mat[..., r, c] += 2 * v
        return mat, dmat, d2mat
    # real coordinates: written component X = α·x with α from the oriented component
    where = {ck: n for n, ck in enumerate(s.coordinates)}

    def alpha(k, star):
        a = np.zeros(n, complex)
        if (k, "") in where:
            a[where[(k, "")]] = 1.0
            return a
        a[where[(k, "R")]] = 1 / SQRT2
        a[where[(k, "I")]] = (-1j if star else 1j) / SQRT2
        return a

    mat = np.zeros((*batch, n, n))
    dmat = np.zeros((*batch, n, n)) if derivatives else None
    d2mat = np.zeros((*batch, n, n)) if derivatives else None
    for _, (a, sa, b, sb, par, factor, power, hc) in s.entries:
        if factor is None:  # M²|ψ|² (complex) or ½M²r² (real): both ½ M² Σ x²
            m2 = np.abs(values[par]) ** 2
            for key in ((a, ""), (a, "R"), (a, "I")):
                if key in where:
                    mat[..., where[key], where[key]] += m2
            continue
        coef = _param(values, derived, par, False) * factor
        outer = np.outer(alpha(a, sa), alpha(b, sb))
        quad = coef[..., None, None] * outer if np.ndim(coef) else coef * outer
        # V ⊃ X_a X_b (+ h.c.) = xᵀ K x; V = ½ xᵀ M² x → M² += 2 sym(K)
        k_real = (2.0 if hc else 1.0) * quad.real
        contrib = k_real + np.swapaxes(k_real, -1, -2)
        mat = mat + contrib * vev**power
        if power and derivatives:
            dmat = dmat + contrib * power * vev ** (power - 1)
        if power == 2 and derivatives:
            d2mat = d2mat + 2 * contrib
    return mat, dmat, d2mat


def _couplings(p: Plan, values, derived, f_rows: dict, s_rows: dict, batch, nf: int, ns: int):
    """Yukawa couplings of the mass eigenstates, c[F_a, S_A] = Σ y·factor·(fermion row)_a
    (scalar row)_A over the plan's entries, each product formed on the block of the two sectors
    the components belong to (their rows vanish elsewhere) rather than on all nf × ns pairs.

    In a batch of one axis a narrow block (at most :data:`_NARROW` entries: the scotogenic N
    with 3 or 4 scalars) is formed with the points as its last axis and added to c one entry
    (a column over the points) at a time: numpy's elementwise loops over a (N, 1, 4) block, or
    over a scalar row spread over the batch (zero strides), run once per point, several times
    the time of loops over the points. Every element gets the same operations in the same order
    (((y·factor)·f)·s, added to 0 and to the block's other products): the same bits."""
    left, right = {}, {}
    for (name, table), entries in p.yukawa.items():
        rows = f_rows["R" if table == "l" else "L"]
        c = None
        #: the blocks c vanishes outside, each with its one product (None: several were added)
        blocks: dict[tuple, np.ndarray | None] = {}
        for source, factor, kf, ks, s_conj, y_conj in entries:
            y = _value(source, values, derived, batch)
            y = np.conj(y) if y_conj else y
            if not (bool(y) if np.ndim(y) == 0 else np.any(y)):  # (NaN counts as non-zero)
                continue
            f_states, f_row = rows[kf]
            s_states, s_row = s_rows[ks]
            s_row = s_row.conj() if s_conj else s_row
            if c is None:
                c = np.zeros((*batch, nf, ns), complex)
            yf = np.asarray(y * factor)[..., None, None] * f_row[..., :, None]
            width = (yf.shape[-2], s_row.shape[-1])
            if len(batch) == 1 and yf.shape[0] == s_row.shape[0] == batch[0] and yf.ndim == 3 \
                    and s_row.ndim == 2 and width[0] * width[1] <= _NARROW:
                term = np.empty((*width, *batch), complex)  # the points last
                np.multiply(yf[:, :, 0].T[:, None, :], s_row.T[None], out=term)
                for i in range(width[0]):
                    for j in range(width[1]):
                        column = c[:, f_states.start + i, s_states.start + j]
                        column += term[i, j]
            else:
                term = yf * s_row[..., None, :]
                c[..., f_states, s_states] += term
            key = (f_states.start, f_states.stop, s_states.start, s_states.stop)
            blocks[key] = None if key in blocks else term
        # a block holding one product is 0 + it: non-zero where the product is (a fresh array,
        # not c's strided block); one holding several sums may cancel: c's block is read
        if c is not None and any(np.any(c[..., a:b, x:y]) if term is None else np.any(term)
                                 for (a, b, x, y), term in blocks.items()):
            (left if table == "l" else right)[name] = c
    return left, right


#: The widest block (fermion states × scalar states) :func:`_couplings` forms with the points
#: last and adds entry by entry (each entry one numpy call)
_NARROW = 8


def _w_couplings(p: Plan, a_l, a_r, b_s, batch, nf, ns) -> WCouplings:
    """T⁺ of the components (Dirac fermions, complex scalars; −(T⁺)ᵀ for oriented φ*), rotated
    to the mass basis: A† T A with T the raising operators of the multiplets on the components
    (one matrix product per batch instead of one outer product per entry of T)."""
    t_f, t_s = _raising_matrices(p)
    return WCouplings(_h(a_l) @ (t_f @ a_l), _h(a_r) @ (t_f @ a_r), _h(b_s) @ (t_s @ b_s))


def _raising_matrices(p: Plan) -> tuple[np.ndarray, np.ndarray]:
    """T⁺ on the fermion components and on the scalar components of the plan (block matrices
    over the multiplets; zero for singlets and self-conjugate fields)."""
    t_f = np.zeros((len(p.fermions), len(p.fermions)))
    t_s = np.zeros((len(p.scalars), len(p.scalars)))
    for f in p.description.fields:
        if f.su2 == 1 or f.self_conjugate:
            continue
        tp = su2.raising(f.su2)
        comps, t = (p.fermions, t_f) if f.fermion else (p.scalars, t_s)
        mat = tp if f.fermion or not p.orientation[f.name] else -tp.T
        idx = [_comp_index(comps, f.name, i) for i in range(f.su2)]
        for (i, j), value in su2.nonzero_entries(mat):
            t[idx[i], idx[j]] += value
    return t_f, t_s
