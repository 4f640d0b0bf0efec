"""Physical sanity checks of a model point: warnings, or a clear refusal (issue #7).

Each check returns warning texts or raises :class:`~bridge.errors.InputError` naming the file,
block and entry (or the dark states) concerned. They work for any plugin, from its declared
inputs (:class:`bridge.model.Entry`) and its spectrum (``spectrum.data["sector"]``, the
engine's :class:`~bridge.engine.DarkSector`, when present). The rules and limits are listed
in the README ("Sanity checks").

Entries are classified by their declaration: a *mass* has unit GeV and ``positive=True``;
a *mass-squared* has unit GeV^2 and a symbol starting with m or M; a *coupling* is
dimensionless with a symbol starting with lambda, Gamma, Y, y, kappa or g. A future
``Entry.kind`` ("mass", "mass2", "coupling", "other") overrides the guess.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from bridge.errors import InputError
from bridge.sm import SMINPUTS

#: Largest mass (GeV) accepted, inputs and spectrum.
MASS_MAX = 1e8
#: Smallest mass input (GeV): with MASS_MAX it bounds x = m^2/M^2 to where the loop functions
#: stay finite (plugins may evaluate loops inside their spectrum hook, before check_spectrum).
MASS_MIN = 1e-3
#: Fermion/scalar mass ratios in the loops must lie within 1/R..R: x = m^2/M^2 in 1e-8..1e8,
#: the range over which bridge.loops is tested against mpmath.
RATIO_MAX = 1e4
#: |coupling| above this draws a warning (perturbativity of a Yukawa coupling) ...
COUPLING_WARN = math.sqrt(4.0 * math.pi)
#: ... and above this a refusal (a one-loop result is meaningless).
COUPLING_MAX = 4.0 * math.pi
#: Hand-over scale (GeV) window: outside, WET running is meaningless or fails in flavio.
SCALE_RANGE = (1.0, 1e4)
#: A loop pair (F, S) coupled to an external fermion of mass m needs m_F + M_S > m; below
#: THRESHOLD_WARN * m the neglected (m/(m_F + M_S))^2 corrections draw a warning.
THRESHOLD_WARN = 3.0
#: Blocks the bridge reads or writes besides the model's own (no "unread block" warning).
BRIDGE_BLOCKS = ("BRIDGE", "SMINPUTS", "MASS", "FCINFO", "SPINFO", "DCINFO", "MODSEL")
#: Unread blocks named in the warning; the others are counted.
UNREAD_SHOWN = 10

_COUPLING = re.compile(r"^(lambda|lam|Gamma|gamma|Y|y|kappa|g)(?![a-z])")
_MASS2 = re.compile(r"^(m|M)(?!u)")
_GEV2 = ("GeV^2", "GeV2", "GeV**2")


def exact(x: float) -> str:
    """``x`` with the digits it needs to be told apart from its neighbours: 1e+08, 100000001,
    0.13500001 (a limit message must not read "1e+08 is above the limit of 1e+08")."""
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if float(text) == x:
            return text
    return repr(float(x))


def bound(limit: float, value: float) -> str:
    """``limit`` with at least 4 digits, and as many as keep it on its side of ``exact(value)``."""
    shown = float(exact(value))
    for digits in range(4, 18):
        text = f"{limit:.{digits}g}"
        if (float(text) > shown) == (limit > shown) and float(text) != shown:
            return text
    return exact(limit)


def entry_kind(entry) -> str:
    """"mass", "mass2", "coupling", "dimensionful" (other GeV^n) or "other"."""
    kind = getattr(entry, "kind", None)
    if kind:
        return kind
    if entry.unit == "GeV":
        return "mass" if entry.positive else "dimensionful"
    if entry.unit in _GEV2:
        return "mass2" if _MASS2.match(entry.symbol) else "dimensionful"
    if entry.unit == "" and _COUPLING.match(entry.symbol):
        return "coupling"
    return "other"


def _located(message: str, path=None, block=None, entry=None) -> str:
    """A warning text located like an InputError: "file, Block X, entry k: message"."""
    return str(InputError(message, file=path, block=block, entry=entry))


def check_inputs(info, inputs, *, scale: float | None = None, sminputs=None,
                 path: str | None = None) -> list[str]:
    """Limits on the declared inputs, the hand-over scale and SMINPUTS; returns warnings."""
    path = path or getattr(inputs, "source", None) or None
    warnings = []
    for spec in info.blocks:
        values = inputs[spec.name] if spec.name in inputs else {}
        for entry in spec.entries:
            if entry.key not in values:
                continue
            value = complex(values[entry.key])
            size = abs(value)
            kind = entry_kind(entry)

            def refuse(msg, entry=entry, spec=spec):
                raise InputError(msg, file=path, block=spec.name, entry=entry.key)

            if kind in ("mass", "dimensionful") and size > MASS_MAX:
                refuse(f"{entry.symbol} = {exact(size)} GeV is above the bridge's limit of "
                       f"{MASS_MAX:g} GeV")
            if kind == "mass" and size < MASS_MIN:
                refuse(f"{entry.symbol} = {exact(size)} GeV is below the bridge's limit of "
                       f"{MASS_MIN:g} GeV")
            if kind == "mass2":
                if value.real < 0:
                    refuse(f"{entry.symbol} = {value.real:g} GeV^2 is negative: a tachyonic scalar")
                if size > MASS_MAX**2:
                    refuse(f"{entry.symbol} = {exact(size)} GeV^2 is above the bridge's limit of "
                           f"({MASS_MAX:g} GeV)^2")
            low, high = getattr(entry, "range", (-math.inf, math.inf))
            if value.imag == 0 and not low <= value.real <= high:
                refuse(f"{entry.symbol} = {_show(value.real)} is outside its physical range "
                       f"{_show(low)} to {_show(high)}")
            if kind == "coupling":
                if size > COUPLING_MAX:
                    refuse(f"|{entry.symbol}| = {exact(size)} is above 4 pi: not perturbative, "
                           "a one-loop result would be meaningless")
                if size > COUPLING_WARN:
                    warnings.append(_located(f"|{entry.symbol}| = {size:.3g} is above sqrt(4 pi) "
                                             "= 3.54: perturbativity is doubtful", path,
                                             spec.name, entry.key))
    return warnings + check_settings(scale=scale, sminputs=sminputs, path=path)


def check_settings(*, scale: float | None = None, sminputs=None, path: str | None = None) -> list[str]:
    """The hand-over scale (Block BRIDGE) and SMINPUTS of a card; returns warnings."""
    warnings: list[str] = []
    if scale is not None and not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise InputError(f"hand-over scale {exact(scale)} GeV is outside {SCALE_RANGE[0]:g}-"
                         f"{SCALE_RANGE[1]:g} GeV, where WET running from it is meaningful",
                         file=path, block="BRIDGE", entry=2)
    for key, value in (sminputs or {}).items():
        if key not in SMINPUTS:
            continue
        row = SMINPUTS[key]
        low, high = row.window
        if not low <= value <= high:
            raise InputError(f"{row.description} = {exact(value)} is outside {bound(low, value)}-"
                             f"{bound(high, value)} (measured {row.reference:g})", file=path,
                             block="SMINPUTS", entry=key)
    return warnings


def _mass_block(info) -> str | None:
    """The block holding the model's mass parameters, named when the spectrum is refused."""
    for spec in info.blocks if info is not None else ():
        if any(entry_kind(e) in ("mass", "mass2") for e in spec.entries):
            return spec.name
    return None


def check_spectrum(spectrum, sm, info=None, *, path: str | None = None) -> list[str]:
    """Limits on the dark spectrum and its couplings; returns warnings (dark matter, thresholds)."""
    block = _mass_block(info)

    def refuse(msg, block=block):
        raise InputError(msg, file=path, block=block)

    for p in spectrum.particles:
        if not (math.isfinite(p.mass) and p.mass > 0):
            refuse(f"dark state {p.name} has mass {p.mass:g} GeV: tachyonic or massless")
        if p.mass > MASS_MAX:
            refuse(f"dark state {p.name} has mass {exact(p.mass)} GeV, above the bridge's limit of "
                   f"{MASS_MAX:g} GeV")
    sector = spectrum.sector
    if sector is None:
        masses = [p.mass for p in spectrum.particles]
        if masses and max(masses) > RATIO_MAX * min(masses):
            refuse(f"dark masses span {exact(min(masses))}-{exact(max(masses))} GeV, a ratio above "
                   f"{RATIO_MAX:g} (beyond the tested range of the loop functions)")
        return []
    warnings = []
    _check_ratios(sector, refuse)
    warnings += _check_thresholds(sector, sm, refuse, path)
    warnings += _check_couplings(sector, refuse, path)
    warnings += _dark_matter(sector, path)
    return warnings


def _show(x: float) -> str:
    return "infinity" if x == math.inf else "-infinity" if x == -math.inf else f"{x:.10g}"


# ---------------------------------------------------------------------------
# batches: which points a refusal above might concern (bridge.pipeline evaluates those alone)
# ---------------------------------------------------------------------------
def flag_inputs(info, inputs, n: int) -> np.ndarray:
    """Points of a batch whose inputs a limit of :func:`check_inputs` might refuse."""
    flagged = np.zeros(n, dtype=bool)
    for spec in info.blocks:
        values = inputs[spec.name] if spec.name in inputs else {}
        for entry in spec.entries:
            if entry.key not in values or np.ndim(values[entry.key]) == 0:
                continue  # fixed values were checked on the card
            value = np.asarray(values[entry.key])
            size = np.abs(value)
            kind = entry_kind(entry)
            low, high = getattr(entry, "range", (-math.inf, math.inf))
            bad = ~np.isfinite(size) | (np.real(value) < low) | (np.real(value) > high)
            if kind in ("mass", "dimensionful"):
                bad |= size > MASS_MAX
            if kind == "mass":
                bad |= size < MASS_MIN
            if kind == "mass2":
                bad |= (np.real(value) < 0) | (size > MASS_MAX**2)
            if kind == "coupling":
                bad |= size > COUPLING_MAX
            flagged |= np.broadcast_to(bad, (n,))
    return flagged


def flag_spectrum(spectrum, sm, n: int) -> np.ndarray:
    """Points of a batch whose spectrum :func:`check_spectrum` might refuse."""
    flagged = np.zeros(n, dtype=bool)
    if spectrum.particles:
        # (particle, point): outside (0, MASS_MAX] (NaN included) at some particle, one pass
        m = np.stack([np.broadcast_to(np.asarray(p.mass, dtype=float), (n,))
                      for p in spectrum.particles])
        flagged |= ~np.logical_and.reduce((m > 0) & (m <= MASS_MAX), axis=0)
    sector = spectrum.sector
    if sector is None:
        masses = np.stack([np.broadcast_to(np.asarray(p.mass, float), (n,))
                           for p in spectrum.particles], axis=-1) if spectrum.particles else None
        if masses is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                flagged |= np.max(masses, axis=-1) > RATIO_MAX * np.min(masses, axis=-1)
        return flagged
    mf = np.broadcast_to(sector.m_fermion, (n, len(sector.fermions)))
    ms = np.broadcast_to(sector.m_scalar, (n, len(sector.scalars)))
    if not (mf.shape[1] and ms.shape[1]):
        return flagged  # no pair: no ratio, no coupling
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # the extreme ratios of each point instead of every pair's: a DarkSector's masses are
        # > 0 (not NaN; +inf passes), and a correctly rounded division is monotone in each
        # argument, so max over pairs of fl(m_F/m_S) = fl(max m_F/min m_S) and the minimum
        # likewise; a pair's ratio is infinite or NaN only with an infinite mass, which makes
        # the extreme ratios infinite or NaN too: the same points as the per-pair test
        # (column by column: numpy's reduction over a short last axis costs ~25 times more)
        low_f, low_s = _fold(np.minimum, mf), _fold(np.minimum, ms)
        high = _fold(np.maximum, mf) / low_s
        low = low_f / _fold(np.maximum, ms)
        flagged |= (low < 1.0 / RATIO_MAX) | (high > RATIO_MAX) | ~np.isfinite(high) \
            | ~np.isfinite(low)
        # |c| (a complex modulus: the costly pass) only where it can decide: for a table whose
        # largest real or imaginary part bounds |c| below 4π (|c| <= √2 max(|Re c|, |Im c|)), and
        # for the external masses some coupled pair can be as light as (the lightest pair's sum
        # is the smallest m_F + m_S: fl(+) is monotone too); NaN takes the full pass
        lightest = float(np.min(low_f + low_s))
        total = None
        for table in (sector.left, sector.right):
            for f, c in table.items():
                c = np.asarray(c)
                m_ext = _external_mass(f, sm)
                near = 0 < m_ext and not lightest > m_ext
                big = _may_exceed(c, COUPLING_MAX)
                if not (big or near):
                    continue
                size = np.abs(c)
                if big:
                    over = np.broadcast_to(size > COUPLING_MAX, (n, *size.shape[-2:]))
                    flagged |= np.any(over, axis=(1, 2))
                if near:
                    total = mf[:, :, None] + ms[:, None, :] if total is None else total
                    flagged |= np.any((size > 0) & (total <= m_ext), axis=(1, 2))
    return flagged


def _fold(ufunc, columns: np.ndarray) -> np.ndarray:
    """``ufunc`` (np.minimum, np.maximum) over the columns of an (n, k) array: one (n,) pass per
    column, the same numbers as ``.min(axis=1)`` / ``.max(axis=1)`` (NaN propagates in both)."""
    out = columns[:, 0]
    for k in range(1, columns.shape[1]):
        out = ufunc(out, columns[:, k])
    return out


#: √2 and a margin for the rounding of max(|Re c|, |Im c|)·√2 and of |c| (a few ulp)
_MODULUS_BOUND = math.sqrt(2.0) * (1.0 + 1e-12)


def _may_exceed(c: np.ndarray, limit: float) -> bool:
    """Whether some entry of ``c`` may have |c| > ``limit``: False only when every real and
    imaginary part is at most limit/√2 (less a margin), so that np.abs(c) (hypot) cannot pass
    it; True for a NaN or an infinity (the exact modulus then decides)."""
    if c.size == 0:
        return False
    if c.dtype.kind != "c":
        return True  # a real table: its modulus is a cheap pass anyway
    parts = (c.view(float),) if c.flags.c_contiguous else (c.real, c.imag)
    ends = [v for p in parts for v in (float(np.max(p)), -float(np.min(p)))]
    if any(math.isnan(v) for v in ends):
        return True
    return not max(ends) * _MODULUS_BOUND < limit


def _check_ratios(sector, refuse) -> None:
    for f in sector.fermions:
        for s in sector.scalars:
            ratio = f.mass / s.mass
            if not 1.0 / RATIO_MAX <= ratio <= RATIO_MAX:
                refuse(f"dark states {f.name} ({f.mass:g} GeV) and {s.name} ({s.mass:g} GeV): "
                       f"mass ratio {exact(ratio)} is outside {1 / RATIO_MAX:g}-{RATIO_MAX:g}, the "
                       "tested range of the loop functions")


def _external_mass(f: str, sm) -> float:
    """Mass of the external SM fermion whose amplitudes a pair coupled to f enters (b→s: m_b)."""
    return {"d": sm.m_b, "s": sm.m_b, "b": sm.m_b, "e": sm.m_e, "mu": sm.m_mu,
            "tau": sm.m_tau}.get(f, 0.0)


def _check_thresholds(sector, sm, refuse, path) -> list[str]:
    """Zero external momenta need m_F + M_S well above the external fermion mass."""
    warnings = []
    for f in sorted(set(sector.left) | set(sector.right)):
        m_ext = _external_mass(f, sm)
        if m_ext <= 0:
            continue
        coupled = np.abs(sector.l(f)) + np.abs(sector.r(f)) > 0
        worst = None
        for a, s_idx in zip(*np.nonzero(coupled), strict=True):
            total = sector.fermions[a].mass + sector.scalars[s_idx].mass
            if worst is None or total < worst[0]:
                worst = (total, sector.fermions[a].name, sector.scalars[s_idx].name)
        if worst is None:
            continue
        total, fname, sname = worst
        if total <= m_ext:
            refuse(f"dark states {fname} + {sname} ({exact(total)} GeV) are lighter than the {f} "
                   f"({exact(m_ext)} GeV) they couple to: it decays into them and the one-loop "
                   "matching at zero momentum does not apply")
        if total < THRESHOLD_WARN * m_ext:
            warnings.append(_located(f"dark states {fname} + {sname} ({total:.3g} GeV) are close "
                                     f"to the {f} mass ({m_ext:.3g} GeV): corrections of order "
                                     f"{(m_ext / total) ** 2:.0%} are neglected", path))
    return warnings


def _check_couplings(sector, refuse, path) -> list[str]:
    """Mass-basis couplings (derived ones included, e.g. Casas-Ibarra Yukawas)."""
    worst = (0.0, "", 0, 0)
    for table in (sector.left, sector.right):
        for f, c in table.items():
            c = np.abs(c)
            if c.size and c.max() > worst[0]:
                a, s = np.unravel_index(np.argmax(c), c.shape)
                worst = (float(c.max()), f, a, s)
    size, f, a, s = worst
    if size <= COUPLING_WARN:
        return []
    what = f"the coupling of {f} to {sector.fermions[a].name} and {sector.scalars[s].name}"
    if size > COUPLING_MAX:
        refuse(f"{what} is {exact(size)} in the mass basis (derived from the inputs), above 4 pi: "
               "not perturbative", None)
    return [_located(f"{what} is {size:.3g} in the mass basis, above sqrt(4 pi) = 3.54: "
                     "perturbativity is doubtful", path)]


@dataclass(frozen=True)
class Candidate:
    """The dark-matter candidate of a point: the lightest dark state, neutral and colourless."""

    name: str
    mass: float
    kind: str  # Majorana fermion | Dirac fermion | real scalar | complex scalar
    #: multiplet → share of the state (bridge.assembly composition; empty if unknown)
    composition: dict = field(default_factory=dict)

    def __str__(self) -> str:
        shares = sorted(self.composition.items(), key=lambda kv: -kv[1])
        parts = ", ".join(f"{100 * w:.3g}% {name}" for name, w in shares if w >= 5e-4)
        return f"{self.name}: {self.kind}, {self.mass:.4g} GeV" + (f" ({parts})" if parts else "")


def _states(sector):
    """(mass, name, charge, colour, kind) of every dark state."""
    out = [(F.mass, F.name, F.charge, F.colour, "Majorana fermion" if F.majorana else "Dirac fermion")
           for F in sector.fermions]
    out += [(S.mass, S.name, S.charge, S.colour, "real scalar" if S.real else "complex scalar")
            for S in sector.scalars]
    return out


def dark_matter_candidate(spectrum) -> Candidate | None:
    """The lightest neutral colourless state of a single point if it is (one of) the lightest
    dark state(s); None otherwise (then :func:`check_spectrum` warns) or without a sector."""
    sector = spectrum.sector
    if sector is None or sector.batched:
        return None
    states = _states(sector)
    if not states:
        return None
    lightest = min(m for m, *_ in states)
    group = [s for s in states if s[0] <= lightest * (1 + 1e-9)]
    neutral = [s for s in group if abs(s[2]) < 1e-9 and s[3] == 1]
    if not neutral:
        return None
    mass, name, _, _, kind = neutral[0]
    data = spectrum.data if isinstance(spectrum.data, dict) else {}
    composition = data.get("composition", {}).get(name, {})
    return Candidate(name, float(mass), kind, {k: float(v) for k, v in composition.items()})


def _dark_matter(sector, path) -> list[str]:
    """The lightest dark state(s) must include a neutral, colourless one."""
    states = [s[:4] for s in _states(sector)]
    if not states:
        return []
    lightest = min(m for m, *_ in states)
    group = [s for s in states if s[0] <= lightest * (1 + 1e-9)]
    if any(abs(q) < 1e-9 and colour == 1 for _, _, q, colour in group):
        return []
    names = ", ".join(f"{name} (charge {q:+.3g}{', coloured' if colour != 1 else ''})"
                      for _, name, q, colour in group)
    return [_located(f"the lightest dark state {names} at {lightest:.4g} GeV is charged or "
                     "coloured: no dark-matter candidate (it would be stable)", path)]


def unread_blocks(card, info, spectrum=None) -> list[str]:
    """Warnings for blocks of the card that neither the bridge nor the model reads."""
    known = set(BRIDGE_BLOCKS)
    for spec in info.blocks:
        known.add(spec.name)
        if spec.imaginary:
            known.add(spec.imaginary)
    for mix in getattr(spectrum, "mixings", ()):
        known.update({mix.name.upper(), "IM" + mix.name.upper()})
    unread = sorted(name for name in card.blocks if name not in known)
    if not unread:
        return []
    names = ", ".join(unread[:UNREAD_SHOWN])
    if len(unread) > UNREAD_SHOWN:  # a warning stays one short line, whatever the card holds
        names += f" and {len(unread) - UNREAD_SHOWN} more ({len(unread)} blocks)"
    return [_located(f"Block {names} not read by model {info.name} (it reads "
                     f"{', '.join(s.name for s in info.blocks)})", card.path)]
