"""One point pipeline for `bridge run`, `bridge fit` and `bridge scan`.

spectrum → sanity → matching → one-loop summaries, for one point (:func:`evaluate`) or a
batch of N points (:func:`evaluate_batch`), with the same refusals and warnings everywhere:
a point `bridge run` refuses is refused by a fit and stored as failed by a scan, with the
same message.

* Described models (:mod:`bridge.fields`): the spectrum and the dark sector come from
  :mod:`bridge.assembly`, vectorised over the batch axis.
* Hand-written models: ``bridge_spectrum`` (and ``bridge_batch_spectrum`` if present).
* Coefficients: from the engine (:mod:`bridge.matching`) on ``spectrum.sector`` unless a
  hand-written model implements ``bridge_wilson_coefficients``/``bridge_dipoles``.
* Contributions (written to the JSON and the scan results): the box/penguin breakdown of
  C9, C10, the lepton-universality split of seed 001 Eq. (9), C9V_mu_minus_e, and the split of
  Δa_μ into its chirally enhanced part (∝ m_F Re(l r*)) and the rest.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from bridge import assembly, handover, lfv, matching, sanity, zpole
from bridge import neutrino as nu
from bridge.engine import DarkSector, delta_a_split
from bridge.errors import BridgeError, InputError, ModelError
from bridge.model import BatchInputs, Mixing, ModelInputs, Particle, Spectrum
from bridge.plugins import Model

#: Exceptions a model may raise at a bad point (turned into a ModelError naming the card).
POINT_ERRORS = (ValueError, ArithmeticError, NotImplementedError, np.linalg.LinAlgError)


@dataclass
class Evaluation:
    """Everything computed for one point (numbers) or a batch (arrays with axis (N,))."""

    model: Model
    inputs: ModelInputs
    sm: object
    spectrum: Spectrum
    quark_coefficients: dict[str, complex]
    lepton_dipoles: dict[str, complex]
    contributions: dict[str, complex]
    one_loop: dict[str, float]
    neutrino_mass_matrix: np.ndarray
    warnings: list[str] = field(default_factory=list)
    #: bridge.darkmatter.summary of the point (with ``dark_matter=True``), else None
    dark_matter: dict | None = None
    lfv_coefficients: dict[str, complex] = field(default_factory=dict)
    #: with ``handover_scale=``: the coefficients at the matching scale and how they were run to the
    #: hand-over scale (bridge.handover); the dicts above then hold the hand-over values
    handover: handover.Handover | None = None

    @property
    def sector(self) -> DarkSector | None:
        return self.spectrum.sector

    @property
    def coefficients(self) -> dict[str, complex]:
        """Everything handed to wilson (quark sector + lepton dipoles + LFV operators)."""
        return {**self.quark_coefficients, **self.lepton_dipoles, **self.lfv_coefficients}


# ---------------------------------------------------------------------------
# spectrum
# ---------------------------------------------------------------------------
def spectrum(model: Model, inputs: ModelInputs, sm, *, batch: bool = False,
             dark_matter_couplings: bool = True) -> Spectrum:
    """The spectrum of ``model`` at ``inputs`` (a batch if ``batch``; None-free).
    ``dark_matter_couplings=False``: a described model's sector without what only the dark-matter
    code reads (its Higgs and W couplings, the states' composition: assembly.assemble)."""
    desc = model.description
    if desc is None:
        hook = "bridge_batch_spectrum" if batch else "bridge_spectrum"
        result = model.call(hook, inputs=inputs, sm=sm)
        if result is None and batch:
            return None
        if not isinstance(result, Spectrum):
            raise ModelError(f"plugin {model.name!r}: {hook} did not return a Spectrum")
        result.check()
        return result
    derived = model.call("bridge_derived_parameters", inputs=inputs, sm=sm) or {}
    missing = [d.name for d in desc.derived() if d.name not in derived]
    if missing:
        raise ModelError(f"plugin {model.name!r}: bridge_derived_parameters did not supply "
                         f"{', '.join(missing)}")
    built = assembly.assemble(assembly.plan(desc), inputs, sm, derived,
                              dark_matter=dark_matter_couplings)
    particles = [Particle(code, name, mass) for code, name, mass in built.masses]
    mixings = [Mixing(name, mat, text, rows, cols) for name, mat, rows, cols, text in built.mixings]
    for der in desc.derived():
        if der.block:
            value = np.asarray(derived[der.name])
            rows = ("e", "mu", "tau")[:value.shape[-2]] if value.ndim >= 2 else ()
            cols = tuple(str(k + 1) for k in range(value.shape[-1])) if rows else ()
            mixings.append(Mixing(der.block, value, f"{der.symbol} (derived by the model)",
                                  rows, cols))
    return Spectrum(particles, mixings, data={"derived": derived,
                                              "mass_matrices": built.mass_matrices,
                                              "composition": built.composition},
                    sector=built.sector)


# ---------------------------------------------------------------------------
# coefficients and summaries
# ---------------------------------------------------------------------------
def _coefficients(model: Model, spec: Spectrum, inputs, sm, parts: dict, z_pole: bool = True,
                  lfv_parts: bool = True, read: Collection[str] | None = None):
    sector = spec.sector
    if model.implements("bridge_wilson_coefficients"):
        quark = model.call("bridge_wilson_coefficients", spectrum=spec, inputs=inputs, sm=sm)
        quark = _checked(model, "bridge_wilson_coefficients", quark)
        parts.update(spec.data.get("contributions", {}))
    else:
        _require_sector(model, sector, quark=True)
        quark = matching.quark_coefficients(sector, sm, parts)
        parts.update(matching.universality_split(parts))
    if model.implements("bridge_dipoles"):
        dipoles = _checked(model, "bridge_dipoles",
                           model.call("bridge_dipoles", spectrum=spec, inputs=inputs, sm=sm) or {})
    else:
        _require_sector(model, sector, quark=False)
        dipoles = matching.lepton_dipoles(sector, sm, parts)
    if sector is not None:
        parts.update(delta_a_mu_parts(sector, sm))
    if "C9_bsmumu" in quark or "C9_bsee" in quark:
        zero = 0j
        parts["C9V_mu_minus_e"] = quark.get("C9_bsmumu", zero) - quark.get("C9_bsee", zero)
        parts["C10V_mu_minus_e"] = quark.get("C10_bsmumu", zero) - quark.get("C10_bsee", zero)
    extension = {} if sector is None else flavour_extension(sector, sm, parts, z_pole=z_pole,
                                                            lfv_parts=lfv_parts, read=read)
    given = {**quark, **dipoles}  # a hand-written hook's values win
    quark = {**quark, **{k: v for k, v in extension["quark"].items() if k not in given}}
    other = {k: v for k, v in extension["lepton"].items() if k not in given} if extension else {}
    return quark, dipoles, other


def flavour_extension(sector: DarkSector, sm, parts: dict, *, z_pole: bool = True,
                      lfv_parts: bool = True, read: Collection[str] | None = None) -> dict[str, dict]:
    """The flavour processes beyond b→s and the lepton dipoles, from the sector (issue 16):
    ``quark`` — b→d, s→d (C9, C10, CL, C7, C8 and primes), B_d, K, D mixing
    (bridge.matching.down_quark_coefficients); ``lepton`` — Cgamma of τ→μγ, τ→eγ, the
    four-lepton operators of μ→3e, τ→3ℓ and the vector operators of μ–e conversion
    (bridge.lfv). Up-type quark couplings are rotated to the mass basis (matching.ckm_rotated).
    The one-loop shifts of the leptons' Z couplings (bridge.zpole) go to ``parts`` unless
    ``z_pole`` is False (they enter no Wilson coefficient: only the Z-pole rows read them); the
    photon/Z/box pieces of the LFV operators (bridge.lfv) unless ``lfv_parts`` is False (no
    coefficient changes: each is the sum of its pieces, computed either way). ``read``: the
    coefficients the caller reads (None: every one); a process none of whose coefficients is
    read is left out (a scan whose observables read only b→s, B_s mixing and the lepton
    dipoles, bridge.scan.runner; ~1/3 of a scotogenic batch). The coefficients computed are
    the same numbers either way."""
    up = None

    def up_sector() -> DarkSector:
        nonlocal up
        if up is None:
            up = matching.ckm_rotated(sector, sm)
        return up

    if z_pole:
        parts.update(zpole.vertex_shifts(sector, sm))  # Z couplings of the leptons (Z-pole rows)
    reads_d_mixing = matching.reads(read, matching.down_quark_names()["ucuc"])
    quark = matching.down_quark_coefficients(sector, sm, parts, read=read,
                                             up_sector=up_sector() if reads_d_mixing else None)
    lepton = lfv.tau_dipoles(sector, sm, read)
    lepton.update(lfv.lfv_coefficients(sector, sm, parts if lfv_parts else None,
                                       quark_sector=up_sector, read=read))
    return {"quark": quark, "lepton": lepton}


def _require_sector(model: Model, sector, quark: bool) -> None:
    if sector is None:
        hook = "bridge_wilson_coefficients" if quark else "bridge_dipoles"
        raise ModelError(f"plugin {model.name!r}: its spectrum has no sector (Spectrum.sector), "
                         f"so it must implement {hook}")
    if quark and sector.z is None and any(np.any(sector.l(q)) or np.any(sector.r(q))
                                          for q in ("s", "b")):
        raise ModelError(f"plugin {model.name!r}: its DarkSector couples to quarks but has no Z "
                         "couplings (DarkSector.z): the Z penguin would be dropped")


def _checked(model: Model, hook: str, wcs) -> dict:
    """A dict of names to finite complex numbers (or arrays of them for a batch)."""
    if not isinstance(wcs, dict):
        raise ModelError(f"plugin {model.name!r}: {hook} did not return a dict")
    out = {}
    for name, value in wcs.items():
        if not isinstance(name, str) or not name.isprintable() or not name:
            raise ModelError(f"plugin {model.name!r}: {hook} returned the coefficient name {name!r}")
        try:
            if value is None or isinstance(value, (str, bytes)):
                raise TypeError
            arr = np.asarray(value, dtype=complex)
        except (TypeError, ValueError):
            raise ModelError(f"plugin {model.name!r}: {hook} returned {type(value).__name__} for "
                             f"{name}, not a number") from None
        if not np.all(np.isfinite(arr)):
            raise ModelError(f"plugin {model.name!r}: coefficient {name} is not finite")
        out[name] = complex(arr) if arr.ndim == 0 else arr
    unknown = sorted(set(out) - _known_coefficients())
    if unknown:
        raise ModelError(f"plugin {model.name!r}: {hook} returned {unknown[0]!r}, which is not a "
                         "coefficient of wilson's WET flavio basis")
    return out


def _known_coefficients() -> set[str]:
    """Names of the WET ``flavio`` basis (wilson is imported here only for hand-written hooks)."""
    global _KNOWN
    if _KNOWN is None:
        from wilson.wcxf import Basis

        _KNOWN = set(Basis["WET", "flavio"].all_wcs)
    return _KNOWN


_KNOWN: set[str] | None = None


def delta_a_mu_parts(sector: DarkSector, sm) -> dict:
    """Δa_μ and its split: chirally enhanced (∝ m_F Re(l r*)), LL and RR (∝ m_μ²) parts."""
    total, ll, rr = delta_a_split(sector, "mu", sm.m_mu)
    return {"Delta_a_mu_chiral": total - ll - rr, "Delta_a_mu_LL": ll, "Delta_a_mu_RR": rr}


def one_loop_summary(dipoles: dict, sm) -> dict:
    """Δa_μ, Δa_e and BR(μ→eγ) straight from the one-loop dipoles (no running)."""
    tau_mu = 1.0 / (sm.GF**2 * sm.m_mu**5 / (192 * math.pi**3))  # tree-level muon width
    return {
        "Delta_a_mu": matching.delta_a_from_c7(dipoles.get("C7_mumu", 0j), sm.m_mu, sm),
        "Delta_a_e": matching.delta_a_from_c7(dipoles.get("C7_ee", 0j), sm.m_e, sm),
        "BR_mu_egamma": matching.br_mu_egamma_one_loop(
            dipoles.get("Cgamma_mue", 0j), dipoles.get("Cgamma_emu", 0j), sm, tau_mu),
    }


def _neutrino(model: Model, spec: Spectrum, inputs, sm, shape) -> np.ndarray:
    m_nu = model.neutrino_mass_matrix(spec, inputs, sm)
    if m_nu is None:
        return np.zeros((*shape, 3, 3), complex)
    m_nu = np.asarray(m_nu, dtype=complex)
    if m_nu.shape[-2:] != (3, 3) or not np.all(np.isfinite(m_nu)):
        raise ModelError(f"plugin {model.name!r}: neutrino mass matrix is not a finite 3x3 array")
    return np.broadcast_to(m_nu, (*shape, 3, 3)).copy()


# ---------------------------------------------------------------------------
# one point
# ---------------------------------------------------------------------------
def evaluate(model: Model, inputs: ModelInputs, sm, *, info=None, source: str = "",
             checks: bool = True, dark_matter: bool = False, direct: str = "native",
             handover_scale: float | None = None, par=None, z_pole: bool = True,
             read: Collection[str] | None = None) -> Evaluation:
    """Spectrum, sanity, coefficients and summaries of one point.

    Refusals are InputError (bad inputs, naming block and entry) or ModelError (the model
    cannot be evaluated there); ``source`` (the card) prefixes every message. With
    ``dark_matter`` the dark-matter summary (:func:`bridge.darkmatter.summary.summary`: relic
    density, direct detection, invisible widths; ~0.1-0.5 s) is added for models with a sector;
    ``direct`` chooses its direct-detection chain ("native", or "auto": DirectDM when installed).
    With ``handover_scale`` (the hand-over scale in GeV) the coefficients are matched at the dark
    masses and run there (bridge.handover; ``par``: α_s(M_Z), α_e(M_Z) under flavio's names —
    the card's SMINPUTS overrides, or a whole flavio parameter dict —, flavio's defaults where
    absent; no flavio import, bridge.couplings); without it they are the one-loop values, unrun
    (the behaviour before issue 16). ``z_pole=False`` leaves out the one-loop Z couplings of
    the leptons (contributions ``dgL_Z_*``, ``dgR_Z_*``: the inputs of the Z-pole rows, ~20% of a
    batch's arithmetic), for a caller that reads no Z-pole row; no coefficient changes.
    ``read``: the coefficients the caller reads (None: every one; :func:`flavour_extension`).
    """
    info = info or model.info()
    warnings: list[str] = []
    try:
        if checks:
            warnings += sanity.check_inputs(info, inputs, path=source or None)
        spec = spectrum(model, inputs, sm)
        if checks:
            warnings += sanity.check_spectrum(spec, sm, info, path=source or None)
        parts: dict = {}
        quark, dipoles, other = _coefficients(model, spec, inputs, sm, parts, z_pole, read=read)
        m_nu = _neutrino(model, spec, inputs, sm, ())[()]
        shaped = [k for k, v in {**quark, **dipoles, **other}.items() if np.ndim(v)]
        if shaped:
            raise ModelError(f"plugin {model.name!r}: coefficient {shaped[0]} is an array at a "
                             "single point")
    except InputError as exc:
        raise exc.located(file=source or None) from None
    except ModelError as exc:
        if source and not str(exc).startswith(source):
            raise ModelError(f"{source}: {exc}") from None
        raise
    except BridgeError:
        raise
    except POINT_ERRORS as exc:
        raise ModelError(f"{source + ': ' if source else ''}model {model.name}: {exc}") from None
    if np.any(m_nu):
        params = nu.analyse(m_nu)
        spec.mixings.append(Mixing("UPMNS", params.u, "PMNS from the one-loop m_nu "
                                   "(m_nu = U* m U^dagger)", ("nu_e", "nu_mu", "nu_tau"),
                                   ("nu_1", "nu_2", "nu_3")))
        spec.data["neutrino"] = params.as_dict()
    spec.data["contributions"] = parts  # what a hand-written plugin's hooks would see
    dm = None
    if dark_matter and spec.sector is not None:
        from bridge.darkmatter.summary import summary

        dm = summary(spec.sector, sm, direct)
    if spec.sector is not None:
        warnings += lfv.scalar_box_note(spec.sector)
    run = None
    summary = one_loop_summary(dipoles, sm)  # the one-loop formulas at the matching scale
    if handover_scale is not None:
        run = _run_to_handover(model, spec, sm, quark, dipoles, other, handover_scale, par)
        quark, dipoles, other = _split(run.coefficients, quark, dipoles, other)
        summary["matching_scale"] = run.matching_scale
        if run.unrun:
            warnings.append(f"{source + ': ' if source else ''}handed over unrun (no leading-log "
                            f"rule in bridge.running): {', '.join(run.unrun)}")
    return Evaluation(model, inputs, sm, spec, quark, dipoles, parts, summary, m_nu, warnings, dm,
                      other, run)


def _run_to_handover(model: Model, spec: Spectrum, sm, quark, dipoles, other, scale, par):
    """bridge.handover.to_handover of the point's coefficients (a refusal is a ModelError)."""
    try:
        return handover.to_handover({**quark, **dipoles, **other}, spec, sm, scale, par=par,
                                    engine_dipoles=not model.implements("bridge_dipoles"))
    except ValueError as exc:
        raise ModelError(f"model {model.name}: running to the hand-over scale: {exc}") from None


def _split(values: dict, *groups: dict) -> tuple[dict, ...]:
    """``values`` sorted into the groups the names came from (new names, e.g. C7 from C8 by
    mixing, go with their partner's group: the first)."""
    out = tuple({k: values[k] for k in g if k in values} for g in groups)
    known = set().union(*groups)
    out[0].update({k: v for k, v in values.items() if k not in known})
    return out


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Model output of N points; failed points have ``errors[i]`` set and NaN values."""

    size: int
    masses: dict[str, np.ndarray] = field(default_factory=dict)  # particle name -> (N,)
    coefficients: dict[str, np.ndarray] = field(default_factory=dict)  # flavio name -> complex (N,)
    contributions: dict[str, np.ndarray] = field(default_factory=dict)  # complex (N,)
    one_loop: dict[str, np.ndarray] = field(default_factory=dict)  # float (N,)
    m_nu: np.ndarray | None = None  # complex (N, 3, 3)
    errors: list[str | None] = field(default_factory=list)
    dark_matter: dict[str, np.ndarray] = field(default_factory=dict)  # summary NUMBERS -> (N,)
    vectorised: bool = False

    @property
    def ok(self) -> np.ndarray:
        ok = np.ones(len(self.errors), dtype=bool)
        ok[failed_points(self.errors)] = False
        return ok


def failed_points(errors: list) -> np.ndarray:
    """The indices of the points with an error (a message, not None; the entries are None or
    messages), ascending: no loop over the points where none has one (one C count over the
    list, the rule), and where a few have one, halves of the list counted the same way
    (:func:`_failed_in`) instead of a Python loop over every point."""
    n = len(errors)
    failed = n - errors.count(None)
    if not failed:
        return np.empty(0, dtype=np.intp)
    if failed * _FAILED_DENSE > n:  # many: one pass over the points is cheaper than halving
        return np.flatnonzero(np.fromiter((e is not None for e in errors), dtype=bool, count=n))
    found: list[int] = []
    _failed_in(errors, 0, n, failed, found)
    return np.array(found, dtype=np.intp)


#: Below this many points a part of the list is looked at point by point.
_FAILED_LEAF = 64
#: More than one failed point in this many: the one pass over every point (measured crossing
#: of the two on 4096 points: ~30-60 failed).
_FAILED_DENSE = 128


def _failed_in(errors: list, lo: int, hi: int, failed: int, found: list[int]) -> None:
    """Append to ``found`` the indices in lo..hi-1 whose entry is not None, knowing that
    ``failed`` of them are not (counted with list.count, as :func:`failed_points` counts):
    a part without one is skipped, a part of only failed points taken whole, the rest halved;
    a few failed points among n cost ~log2(n) counts of shrinking halves (C loops)."""
    if failed == hi - lo:
        found.extend(range(lo, hi))
    elif hi - lo <= _FAILED_LEAF:
        found.extend(i for i in range(lo, hi) if errors[i] is not None)
    elif failed:
        mid = (lo + hi) // 2
        left = (mid - lo) - errors[lo:mid].count(None)
        _failed_in(errors, lo, mid, left, found)
        _failed_in(errors, mid, hi, failed - left, found)


def evaluate_batch(model: Model, inputs: BatchInputs, sm, *, info=None, source: str = "",
                   vectorised: bool = True, dark_matter: bool = False,
                   handover_scale: float | None = None, par=None, point_ids=None,
                   z_pole: bool = True, dark_matter_couplings: bool = True,
                   direct: str = "native", lfv_parts: bool = True,
                   read: Collection[str] | None = None) -> BatchResult:
    """N points: vectorised where the model allows it; every point the sanity checks might
    refuse, or that a vectorised evaluation leaves non-finite, is evaluated alone with
    :func:`evaluate`, so it fails (or passes) with exactly its own message. ``handover_scale``,
    ``par`` as for :func:`evaluate` (one matching scale per point, ``one_loop["matching_scale"]``).
    ``point_ids``: the numbers the messages give the points (a scan's ids; default 0..N-1).
    ``z_pole``: as for :func:`evaluate`. ``dark_matter_couplings=False`` (ignored with
    ``dark_matter``) skips the sector's Higgs and W couplings and the states' composition, read
    only by the dark-matter summary (:func:`spectrum`); no coefficient changes.
    ``lfv_parts=False`` leaves the photon/Z/box pieces of the LFV operators (~100 entries of a
    scotogenic batch, :func:`flavour_extension`) out of the vectorised ``contributions``; no
    coefficient changes, and no point's flag: a piece that is not finite makes its coefficient,
    their sum, not finite. Points evaluated alone (:func:`evaluate`) keep them. ``direct``: the
    summary's direct-detection chain (:func:`bridge.darkmatter.direct.direct_detection`).
    ``read``: the coefficients the caller reads (None: every one); the flavour-extension
    processes none of whose coefficients is read are left out (:func:`flavour_extension`),
    for the points evaluated alone too."""
    info = info or model.info()
    result = None
    run = (handover_scale, par, z_pole, dark_matter or dark_matter_couplings, lfv_parts, read)
    if vectorised and (model.description is not None or model.implements("bridge_batch_spectrum")):
        try:
            result = _evaluate_vectorised(model, inputs, sm, info, dark_matter, run, direct)
        except (BridgeError, *POINT_ERRORS, TypeError, IndexError):
            result = None  # one bad point spoils the batch: isolate it point by point
    if result is None:
        return _evaluate_points(model, inputs, sm, info, source, range(inputs.size), dark_matter, run,
                                _labels(point_ids, inputs.size), direct)
    suspect = failed_points(result.errors).tolist()
    if suspect:
        alone = _evaluate_points(model, inputs, sm, info, source, suspect, dark_matter, run,
                                 _labels(point_ids, inputs.size), direct)
        _merge(result, alone, suspect)
    return result


def _labels(point_ids, n: int):
    """The numbers the messages give the points: ``point_ids`` as an array (each converted to
    int where a point is evaluated alone: a list of every point's number cost ~0.3 ms of a
    4096-point chunk with a failed point), or 0..n-1."""
    return range(n) if point_ids is None else np.asarray(point_ids)


def _evaluate_vectorised(model: Model, inputs: BatchInputs, sm, info,
                         dark_matter: bool = False, run=(None, None, True, True, True, None),
                         direct: str = "native") -> BatchResult | None:
    n = inputs.size
    flagged = sanity.flag_inputs(info, inputs, n)
    spec = spectrum(model, inputs, sm, batch=True, dark_matter_couplings=run[3])
    if spec is None:
        return None
    parts: dict = {}
    quark, dipoles, other = _coefficients(model, spec, inputs, sm, parts, run[2], run[4], run[5])
    summary = one_loop_summary(dipoles, sm)
    if run[0] is not None:
        ran = _run_to_handover(model, spec, sm, quark, dipoles, other, *run[:2])
        quark, dipoles, other = _split(ran.coefficients, quark, dipoles, other)
        summary["matching_scale"] = ran.matching_scale
    out = BatchResult(n, vectorised=True)
    for p in spec.particles:
        out.masses[p.name] = _as_array(p.mass, n, float)
    out.coefficients, coefficients = _rows({**quark, **dipoles, **other}, n)
    out.contributions, contributions = _rows({k: v for k, v in parts.items() if np.ndim(v) <= 1}, n)
    out.one_loop = {k: _as_array(v, n, float) for k, v in summary.items()}
    out.m_nu = _neutrino(model, spec, inputs, sm, (n,))
    flagged |= sanity.flag_spectrum(spec, sm, n)
    for table in (out.masses, out.one_loop):
        for v in table.values():
            flagged |= ~np.isfinite(v)
    for block in (coefficients, contributions):  # real and imaginary parts as one float array
        flagged |= ~np.isfinite(block.view(float)).all(axis=0).reshape(n, 2).all(axis=1)
    # one list, and a loop over the flagged points only (a few of 4096 on a random sample)
    out.errors = [None] * n
    for i in np.flatnonzero(flagged).tolist():
        out.errors[i] = "check"
    if dark_matter and spec.sector is not None:
        from bridge.darkmatter.summary import summary_batch

        out.dark_matter = summary_batch(spec.sector, sm, direct)
    return out


def _rows(values: dict, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The complex values (numbers or arrays that broadcast to (n,)) as the rows of one fresh
    (len(values), n) array, and that array: a table's hundreds of columns (the LFV and box
    pieces of a scotogenic batch) are written by one assignment each and checked for finite
    values by one pass, where an own array per column needed a conversion, a copy and a check
    each. Each name gets a row of its own (the rows of a failed point are overwritten
    independently, :func:`_merge`); the numbers are those of :func:`_as_array`."""
    block = np.empty((len(values), n), complex)
    for row, value in zip(block, values.values(), strict=True):
        row[...] = value
    return dict(zip(values, block, strict=True)), block


def _as_array(value, n: int, dtype=complex) -> np.ndarray:
    """A fresh (n,) array of ``value`` (a number or an array that broadcasts to (n,))."""
    value = np.asarray(value, dtype=dtype)
    if value.shape == (n,):
        return value.copy()
    if value.ndim == 0:
        return np.full(n, value)
    return np.broadcast_to(value, (n,)).copy()


def _evaluate_points(model: Model, inputs: BatchInputs, sm, info, source, indices,
                     dark_matter: bool = False, run=(None, None, True, True, True, None), ids=None,
                     direct: str = "native") -> BatchResult:
    """Point by point with :func:`evaluate`; failures keep their message (naming the point
    by ``ids[i]``)."""
    indices = list(indices)
    n = len(indices)
    rows = []
    for i in indices:
        label = i if ids is None else int(ids[i])
        where = f"{source}, point {label}" if source else f"point {label}"
        try:
            ev = evaluate(model, inputs.point(i), sm, info=info, source=where, dark_matter=dark_matter,
                          handover_scale=run[0], par=run[1], z_pole=run[2], direct=direct,
                          read=run[5])
            rows.append((ev, None))
        except BridgeError as exc:
            rows.append((None, str(exc)))
        except Exception as exc:  # a plugin bug must not stop the scan; it is stored
            rows.append((None, f"{where}: model {model.name}: {type(exc).__name__}: {exc}"))
    out = BatchResult(n, errors=[err for _, err in rows])
    out.m_nu = np.full((n, 3, 3), np.nan + 0j)
    for k, (ev, err) in enumerate(rows):
        if err is not None:
            continue
        for p in ev.spectrum.particles:
            out.masses.setdefault(p.name, np.full(n, math.nan))[k] = p.mass
        for name, v in ev.coefficients.items():
            out.coefficients.setdefault(name, np.zeros(n, complex))[k] = v
        for name, v in ev.contributions.items():
            if np.ndim(v) == 0:
                out.contributions.setdefault(name, np.zeros(n, complex))[k] = v
        for name, v in ev.one_loop.items():
            out.one_loop.setdefault(name, np.full(n, math.nan))[k] = v
        out.m_nu[k] = ev.neutrino_mass_matrix
        if ev.dark_matter is not None:
            from bridge.darkmatter.summary import NUMBERS

            for name in NUMBERS:
                out.dark_matter.setdefault(name, np.full(n, math.nan))[k] = ev.dark_matter[name]
    failed = ~out.ok
    for table in (out.coefficients, out.contributions):
        for v in table.values():
            v[failed] = np.nan
    return out


def _merge(result: BatchResult, alone: BatchResult, indices) -> None:
    """Overwrite the points ``indices`` of ``result`` by their one-by-one evaluation."""
    for k, i in enumerate(indices):
        result.errors[i] = alone.errors[k]
    ok = alone.ok
    for table, other, fill in ((result.masses, alone.masses, math.nan),
                               (result.coefficients, alone.coefficients, 0j),
                               (result.contributions, alone.contributions, 0j),
                               (result.one_loop, alone.one_loop, math.nan),
                               (result.dark_matter, alone.dark_matter, math.nan)):
        for name in set(table) | set(other):
            col = table.setdefault(name, np.full(result.size, fill, dtype=type(fill)))
            if name in other:
                col[indices] = other[name]
            else:
                col[indices] = fill
            col[np.asarray(indices)[~ok]] = np.nan
    if alone.m_nu is not None:
        result.m_nu[indices] = alone.m_nu
