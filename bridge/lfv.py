"""Charged-lepton flavour violation: four-lepton and lepton–quark operators from the engine.

The flavio WET operators of μ→3e, τ→3μ, τ→3e, τ→μee, τ→eμμ (sectors ``mue``, ``mutau``,
``taue``) and of μ–e conversion in nuclei (``mue``: vector operators with u and d quarks), as
Lagrangian coefficients in GeV⁻² (L_eff = Σ C O, NP only), for a transition ℓ_i → ℓ_j with a
spectator pair (f̄ f):

    L ⊃ Σ_{X,Y} C_XY (ℓ̄_j γ^μ P_X ℓ_i)(f̄ γ_μ P_Y f),

the sum of three one-loop pieces at zero external momenta:

* photon penguin (charge-radius term): the engine's C_P (bridge.engine.photon_penguin, physics.md
  §8) of L ⊃ C_P (ℓ̄_j γ^μ P_X ℓ_i) ∂^ν F_{μν}, with ∂^ν F_{μν} = −e Σ Q_f f̄ γ_μ f (D = ∂ + ieQA):
  C_XY ⊃ −e Q_f C_P for both Y. e² = 4π α_e(M_Z) (the coupling at the electroweak matching scale;
  the on-shell dipole keeps α(0), bridge.matching). The dipole (on-shell photon) is Cgamma, which
  flavio adds itself (the log-enhanced term of μ→3e);
* Z penguin at q² = 0 (physics.md §9): L ⊃ (g/c_W) Y/(16π²) Z_μ (ℓ̄_j γ^μ P_X ℓ_i) and the SM
  coupling −(g/c_W) Z_μ f̄ γ^μ (g_L^f P_L + g_R^f P_R) f give, integrating out the Z at tree
  level, C_XY ⊃ (g²/(c_W² M_Z²)) Y g_Y^f/(16π²) = 4√2 G_F Y g_Y^f/(16π²) (the map behind
  C10^Z = Y/(8παλ_t) of b→sℓℓ);
* boxes: bridge.engine.box_semileptonic with (ℓ̄_j, ℓ_i) in the "quark" slots and (f̄, f) in the
  lepton slots. For μ→3e, τ→3μ, τ→3e the two ℓ̄_j are the same field: the fourth-order term
  holds the ℓ̄_j vertex twice (4!/2! orderings instead of 4!), so the box with the two ℓ̄_j
  labelled as distinct fields counts the operator (ℓ̄_j γ P_X ℓ_i)(ℓ̄_j γ P_X ℓ_j) twice for
  X = Y (its two labellings are the same monomial): C_XX = ½ C_box; for X ≠ Y the two labellings
  are the operators XY and YX, each once: C_XY = C_box. Tested against the Wick-contraction
  oracle (tests/wick_oracle.py) with the identical fields antisymmetrised.

For four distinct fields (τ→μee, τ→eμμ) the boxes also give the crossed vector operators
(ℓ̄_j γ P_X f)(f̄ γ P_Y ℓ_i), X ≠ Y (:data:`CROSSED`, :func:`crossed_boxes`); for identical
fields they are the XY operators above.

Scope. Vector operators only. Vertex chiralities that are mixed on both bilinears and not
Fierz-equivalent to a vector (ℓ̄_j with P_A, ℓ_i with P_B ≠ P_A, and a spectator coupling with
both chiralities) give the same-chirality scalar and tensor operators (ℓ̄_j P ℓ_i)(f̄ P f);
they are not computed: the process is still matched (penguins, dipoles and vector boxes) and
:func:`scalar_box_note` names what is left out and bounds its size relative to the vector boxes
(one line in the point's warnings); the oracle tests show that the remainder is exactly of that
form. Quarks with both chiralities are refused by the engine as for b→s. Four leptons coupling
through a loop with both particles coloured close one colour loop (factor dim, bridge.engine's
``colour_weight``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import replace

import numpy as np

from bridge import engine
from bridge.engine import DarkSector, ZCouplings
from bridge.matching import reads
from bridge.repeats import distinct_points

#: (j, i, f): ℓ_i → ℓ_j with spectator pair f̄ f → flavio names of the operators for
#: (X, Y) = (L, L), (R, R), (L, R), (R, L), X the chirality of (ℓ̄_j ℓ_i), Y of (f̄ f).
FOUR_LEPTON = {
    ("e", "mu", "e"): ("CVLL_eemue", "CVRR_eemue", "CVLR_mueee", "CVLR_eemue"),
    ("mu", "tau", "mu"): ("CVLL_mumutaumu", "CVRR_mumutaumu", "CVLR_taumumumu", "CVLR_mumutaumu"),
    ("e", "tau", "e"): ("CVLL_eetaue", "CVRR_eetaue", "CVLR_taueee", "CVLR_eetaue"),
    ("mu", "tau", "e"): ("CVLL_eetaumu", "CVRR_eetaumu", "CVLR_taumuee", "CVLR_eetaumu"),
    # (ē γ P_X τ)(μ̄ γ P_X μ) = (ē γ P_X μ)(μ̄ γ P_X τ) (Fierz, +1): flavio's CVLL_muetaumu
    ("e", "tau", "mu"): ("CVLL_muetaumu", "CVRR_muetaumu", "CVLR_tauemumu", "CVLR_mumutaue"),
}
#: μ–e conversion: (ē γ P_X μ)(q̄ γ P_Y q), q = u, d (the quarks of the coherent vector rate).
CONVERSION = {
    ("e", "mu", "u"): ("CVLL_mueuu", "CVRR_mueuu", "CVLR_mueuu", "CVLR_uumue"),
    ("e", "mu", "d"): ("CVLL_muedd", "CVRR_muedd", "CVLR_muedd", "CVLR_ddmue"),
}
CHIRALITIES = (("L", "L"), ("R", "R"), ("L", "R"), ("R", "L"))
#: Distinct f ≠ j: the box also gives the crossed vector operators (ℓ̄_j γ P_X f)(f̄ γ P_Y ℓ_i),
#: X ≠ Y, from the vertex chiralities (ℓ̄_j: X, f: X, f̄: Y, ℓ_i: Y) that the (ℓ̄_j ℓ_i)(f̄ f)
#: order holds as mixed-chirality scalars (X = Y is the same operator as the direct one, by
#: Fierz). flavio name and whether flavio's operator is the hermitian conjugate of this one
#: (its coefficient is then the complex conjugate, L = C O + C* O†).
CROSSED = {
    ("mu", "tau", "e"): {("L", "R"): ("CVLR_mueetau", True), ("R", "L"): ("CVLR_taueemu", False)},
    ("e", "tau", "mu"): {("L", "R"): ("CVLR_muetaumu", False), ("R", "L"): ("CVLR_taumumue", False)},
}


def four_fermion(sector: DarkSector, sm, j: str, i: str, f: str, *, quark_sector=None,
                 parts: dict | None = None, prefix: str = "",
                 colour: np.ndarray | None = None, penguins=None) -> dict[tuple[str, str], complex]:
    """C_XY (GeV⁻²) of (ℓ̄_j γ P_X ℓ_i)(f̄ γ P_Y f): photon penguin + Z penguin + boxes.

    ``quark_sector``: the sector whose f couplings are in the quark mass basis (for up-type
    quarks, bridge.matching.ckm_rotated); ``parts`` receives the three pieces per (X, Y) under
    ``prefix + "XY_photon"``, ``"XY_Z"``, ``"XY_box"``. ``colour``: the sector's
    :func:`bridge.engine.colour_multiplicity` if the caller has it (the same for every process).
    ``penguins``: (sector, spread) that gives the penguins of the ℓ_j ℓ_i line (default: this
    sector; :func:`lepton_points`).
    """
    e2 = 4.0 * math.pi * alpha_matching(sm)
    z_norm = 4.0 * math.sqrt(2.0) * sm.GF / (16.0 * math.pi**2)
    box = boxes(quark_sector if quark_sector is not None else sector, j, i, f, colour=colour)
    pen, spread = penguins if penguins is not None else (sector, _same)
    photon = {x: spread(engine.photon_penguin(pen, x, j, i)) for x in ("L", "R")}
    z_pen = {x: spread(engine.z_penguin(pen, sm, x, j, i)) for x in ("L", "R")}
    out = {}
    for x, y in CHIRALITIES:
        c_photon = -e2 * engine.SM_CHARGE[f] * photon[x]
        c_z = z_norm * z_pen[x] * engine._z_coupling_sm(f, y, sm.s2w)
        out[(x, y)] = c_photon + c_z + box[(x, y)]
        if parts is not None:
            parts[f"{prefix}{x}{y}_photon"] = c_photon
            parts[f"{prefix}{x}{y}_Z"] = c_z
            parts[f"{prefix}{x}{y}_box"] = box[(x, y)]
    return out


def boxes(sector: DarkSector, j: str, i: str, f: str,
          colour: np.ndarray | None = None) -> dict[tuple[str, str], complex]:
    """The box part of C_XY (GeV⁻²) of (ℓ̄_j γ P_X ℓ_i)(f̄ γ P_Y f), with the combinatorics of
    identical fields (f = j: ½ for X = Y) and the colour trace of a closed colour loop
    (module docstring). ``colour``: :func:`bridge.engine.colour_multiplicity` of the sector
    (computed if not given)."""
    weight = None
    if engine.SM_COLOUR.get(f, 1) == 1:
        weight = _loop_colour(sector, colour)
    out = {}
    for x, y in CHIRALITIES:
        box = engine.box_semileptonic(sector, x, y, f, f, j, i, colour_weight=weight)
        out[(x, y)] = 0.5 * box if (f == j and x == y) else box
    return out


def alpha_matching(sm) -> float:
    """α_e at the electroweak matching scale: α_e(M_Z) (SMINPUTS 1 or flavio's), else α_e(4.8 GeV)."""
    return sm.alpha_e_mz if sm.alpha_e_mz else sm.alpha_e_bsll


def lfv_coefficients(sector: DarkSector, sm, parts: dict | None = None,
                     quark_sector: DarkSector | Callable[[], DarkSector] | None = None,
                     read: Collection[str] | None = None) -> dict[str, complex]:
    """flavio WET coefficients of μ→3e, τ→3ℓ, τ→μee, τ→eμμ and μ–e conversion (zeros dropped).

    ``quark_sector``: the sector with up-type couplings in the mass basis (default: ``sector``),
    or a function that makes it (called only if an up-quark process is computed).
    ``read``: the coefficients the caller reads (None: all); a process none of whose
    coefficients (:func:`process_names`) is read is not computed (nor checked).
    The pieces go to ``parts`` as "<flavio name>_photon", "_Z", "_box" (``parts=None``: not
    kept, and not spread over the batch; the coefficients are the same numbers).

    The penguins and the four-lepton boxes involve only the charged leptons' couplings and the
    states they reach: they are computed once per distinct point of those (:func:`lepton_points`;
    a grid scan over a parameter they do not depend on) and spread over the batch; the μ–e
    conversion boxes (quark couplings) on the whole batch.
    """
    out = {}
    couples = {f: _couples(sector, f) for f in LEPTONS}
    table = {key: names for key, names in {**FOUR_LEPTON, **CONVERSION}.items()
             if couples[key[0]] and couples[key[1]] and reads(read, process_names(key))}
    if not table:
        return out
    colour = engine.colour_multiplicity(sector)  # one array for every process below
    lep, spread = lepton_points(sector)
    lep_colour = colour if lep is sector else engine.colour_multiplicity(lep)
    if callable(quark_sector) and any(f in engine.UP_QUARKS for _, _, f in table):
        quark_sector = quark_sector()
    for (j, i, f), names in table.items():
        pieces: dict | None = {} if parts is not None else None  # None: the sums only
        if f in engine.QUARKS + engine.UP_QUARKS:
            src = quark_sector if (quark_sector is not None and f in engine.UP_QUARKS) else sector
            engine._require_single_chirality(src, (f,), "μ–e conversion")
            coeffs = four_fermion(sector, sm, j, i, f, parts=pieces, colour=colour,
                                  quark_sector=quark_sector if f in engine.UP_QUARKS else None,
                                  penguins=(lep, spread))
            crossed = {}
        else:
            coeffs = four_fermion(lep, sm, j, i, f, parts=pieces, colour=lep_colour)
            coeffs = {k: spread(v) for k, v in coeffs.items()}
            if pieces is not None:
                pieces = {k: spread(v) for k, v in pieces.items()}
            crossed = {k: spread(v) for k, v in crossed_boxes(lep, j, i, f, colour=lep_colour).items()}
        for (x, y), name in zip(CHIRALITIES, names, strict=True):
            out[name] = coeffs[(x, y)]
            if parts is not None:
                for kind in ("photon", "Z", "box"):
                    parts[f"{name}_{kind}"] = pieces[f"{x}{y}_{kind}"]
        for (x, y), value in crossed.items():
            name, conjugate = CROSSED[(j, i, f)][(x, y)]
            out[name] = np.conj(value) if conjugate else value
    return {k: v for k, v in out.items() if np.asarray(v).any()}  # any entry non-zero (or NaN)


LEPTONS = ("e", "mu", "tau")


def process_names(process: tuple[str, str, str]) -> frozenset[str]:
    """The coefficients :func:`lfv_coefficients` can give for the process (j, i, f) of
    :data:`FOUR_LEPTON` or :data:`CONVERSION`: its four vector operators and, for four distinct
    leptons, the crossed ones (:data:`CROSSED`)."""
    names = FOUR_LEPTON.get(process) or CONVERSION[process]
    return frozenset((*names, *(name for name, _ in CROSSED.get(process, {}).values())))


def lepton_points(sector: DarkSector):
    """(sub-sector, spread): the states the charged leptons couple to, with their masses, lepton
    couplings and Z couplings, at one point of each distinct set of those values in a batch, and
    the function that spreads a result over the batch (a grid over M_N and m_S of the
    scotogenic model: the leptons see M_N only, ~40 distinct points in 4096). Each engine
    function computes every point alone, so a point gets the numbers it would get in the whole
    batch. (sector, identity) for one point, or where fewer than half the points repeat.
    Cached on the sector."""
    cache = sector.__dict__
    if "_lepton_points" not in cache:
        sub, spread = _lepton_points(sector)
        # the sector itself is not kept in its own cache: that cycle left every scan chunk's
        # arrays to the cyclic garbage collector (a worker grew to ~600 MiB on the 10⁶ grid)
        cache["_lepton_points"] = (None if sub is sector else sub, spread)
    sub, spread = cache["_lepton_points"]
    return (sector if sub is None else sub), spread


def _same(value):
    return value


def _lepton_points(sector: DarkSector):
    if not sector.batched or len(sector.batch_shape) != 1 or sector.z is None \
            or sum(_couples(sector, f) for f in LEPTONS) < 2:  # no flavour violation to compute
        return sector, _same
    n = sector.batch_shape[0]
    used = np.zeros((len(sector.fermions), len(sector.scalars)), bool)
    for f in LEPTONS:
        used = used | sector.mask(sector.l(f)) | sector.mask(sector.r(f))
    fs, ss = np.flatnonzero(used.any(axis=1)), np.flatnonzero(used.any(axis=0))
    if not fs.size:
        return sector, _same

    def cut(c, rows, cols, points=None):
        """The block rows × cols of ``c`` over the batch (or at ``points``)."""
        c = np.asarray(c)
        full = np.broadcast_to(c, (n, *c.shape[-2:]))
        if points is None:
            return full[:, rows[:, None], cols[None, :]]
        return full[points[:, None, None], rows[None, :, None], cols[None, None, :]]

    def fixed(c) -> bool:
        """``c`` is one value for the whole batch (no batch axis, or a zero-stride one)."""
        c = np.asarray(c)
        return c.ndim < 3 or c.strides[0] == 0

    left = {f: (c, fs, ss) for f, c in sector.left.items() if f in LEPTONS}
    right = {f: (c, fs, ss) for f, c in sector.right.items() if f in LEPTONS}
    z = ((sector.z.left, fs, fs), (sector.z.right, fs, fs), (sector.z.scalar, ss, ss))
    states = [sector.fermions[k] for k in fs] + [sector.scalars[k] for k in ss]
    masses = [np.broadcast_to(np.asarray(s.mass, float), (n,)) for s in states]
    # the masses alone first: where they have more than n/2 distinct points (a random sample)
    # so have all values, and the couplings are not gathered (~1 µs a point) to find that out
    mass_columns = [m for m in masses if m.strides[0] != 0]
    if mass_columns and distinct_points(mass_columns, n) is None:
        return sector, _same
    # the values that can differ between points, in the order (masses, left, right, Z), real
    # parts then imaginary parts: a value one for the batch (a zero-stride view of the assembly,
    # no batch axis) is left out unread — it could only have been dropped as not varying
    varies = [m[:, None] for m in masses if m.strides[0] != 0]
    varies += [cut(*entry).reshape(n, -1) for entry in (*left.values(), *right.values(), *z)
               if not fixed(entry[0])]
    if varies:
        values = np.concatenate([v.astype(complex, copy=False) for v in varies], axis=-1)
        values = np.concatenate([values.real, values.imag], axis=-1)
        varying = values[:, np.any(values != values[:1], axis=0)]
    else:
        varying = np.zeros((n, 0))
    pick = (distinct_points(varying, n) if varying.shape[-1]
            else (np.zeros(1, int), np.zeros(n, int)))
    if pick is None:
        return sector, _same
    first, inverse = pick
    sub = DarkSector(tuple(replace(sector.fermions[k], mass=masses[a][first]) for a, k in enumerate(fs)),
                     tuple(replace(sector.scalars[k], mass=masses[fs.size + a][first])
                           for a, k in enumerate(ss)),
                     {f: cut(*e, first) for f, e in left.items()},
                     {f: cut(*e, first) for f, e in right.items()},
                     ZCouplings(*(cut(*e, first) for e in z)))

    def spread(value):
        return np.asarray(value)[inverse] if np.ndim(value) else value

    return sub, spread


def crossed_boxes(sector: DarkSector, j: str, i: str, f: str,
                  colour: np.ndarray | None = None, penguins=None) -> dict[tuple[str, str], complex]:
    """C_XY (GeV⁻²) of the crossed operators (ℓ̄_j γ P_X f)(f̄ γ P_Y ℓ_i), X ≠ Y (boxes only:
    the penguins change flavour on the ℓ_j ℓ_i line); empty unless (j, i, f) is in CROSSED.
    ``colour`` as for :func:`boxes`."""
    if (j, i, f) not in CROSSED:
        return {}
    weight = _loop_colour(sector, colour)
    return {(x, y): engine.box_semileptonic(sector, x, y, f, i, j, f, colour_weight=weight)
            for x, y in CROSSED[(j, i, f)]}


def _loop_colour(sector: DarkSector, colour: np.ndarray | None) -> np.ndarray | None:
    """The colour weight of a four-lepton box (a closed colour loop), None where it is 1."""
    colour = engine.colour_multiplicity(sector) if colour is None else colour
    return colour if np.any(colour != 1) else None


def _couples(sector: DarkSector, f: str) -> bool:
    return bool(np.any(sector.l(f)) or np.any(sector.r(f)))


def scalar_box_note(sector: DarkSector) -> list[str]:
    """One line per four-lepton process whose scalar box operators exist but are not computed.

    They need a spectator f coupling with both chiralities and ℓ̄_j, ℓ_i coupling with different
    ones (module docstring). The size is bounded by the coupling products: the ratio shown is
    max|couplings of the scalar box| / max|couplings of the vector boxes| (amplitude).
    """
    notes = []
    for j, i, f in FOUR_LEPTON:
        lj, rj, li, ri = sector.l(j), sector.r(j), sector.l(i), sector.r(i)
        lf, rf = sector.l(f), sector.r(f)
        both_f = np.any(lf) and np.any(rf)
        mixed = (np.any(lj) and np.any(ri)) or (np.any(rj) and np.any(li))
        if not (both_f and mixed):
            continue
        scalar = max(_norm(lj) * _norm(ri), _norm(rj) * _norm(li)) * _norm(lf) * _norm(rf)
        vector = max(_norm(lj) * _norm(li) * max(_norm(lf), _norm(rf)) ** 2,
                     _norm(rj) * _norm(ri) * max(_norm(lf), _norm(rf)) ** 2)
        ratio = scalar / vector if vector else math.inf
        notes.append(f"{_process(j, i, f)}: the scalar four-lepton box operators (from {f} "
                     f"coupling with both chiralities) are not computed; their couplings are "
                     f"{ratio:.1e} of the vector boxes'")
    return notes


def _norm(c) -> float:
    return float(np.max(np.abs(c))) if np.size(c) else 0.0


_NAMES = {"e": "e", "mu": "mu", "tau": "tau"}


def _process(j: str, i: str, f: str) -> str:
    return f"{_NAMES[i]}->{_NAMES[j]}{_NAMES[f]}{_NAMES[f]}"


#: flavio's Cgamma of the τ transitions: name → (f_out, f_in) of c_R f̄_out σ P_R f_in F
#: (Cgamma_taumu = μ̄_L σ τ_R F, Cgamma_mutau = τ̄_L σ μ_R F; likewise τe).
TAU_DIPOLES = {"Cgamma_taumu": ("mu", "tau"), "Cgamma_mutau": ("tau", "mu"),
               "Cgamma_taue": ("e", "tau"), "Cgamma_etau": ("tau", "e")}


def tau_dipoles(sector: DarkSector, sm, read: Collection[str] | None = None) -> dict[str, complex]:
    """Cgamma of τ→μγ, τ→eγ (GeV⁻¹), as bridge.matching.lepton_dipoles does for μ→eγ:
    c_R of the engine's dipole times e = √(4πα(0)) (on-shell photon); zeros dropped.
    ``read``: the coefficients the caller reads (None: all); the others are not computed."""
    wanted = {name: ff for name, ff in TAU_DIPOLES.items() if reads(read, (name,))}
    if not wanted:
        return {}
    e0 = math.sqrt(4.0 * math.pi * sm.alpha_e_0)
    masses = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau}
    lep, spread = lepton_points(sector)  # once per distinct point of what the leptons see
    out = {}
    for name, (f_out, f_in) in wanted.items():
        c_r, _ = engine.dipole(lep, f_out, f_in, masses[f_out], masses[f_in])
        out[name] = e0 * spread(c_r)
    return {k: v for k, v in out.items() if np.asarray(v).any()}  # any entry non-zero (or NaN)
