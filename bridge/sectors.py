"""Which Wilson coefficients a flavio observable can depend on: the WCxf sectors it reads.

flavio reads new physics only through ``WilsonCoefficients.get_wc``/``get_wcxf(sector, ...)``
(flavio/physics/eft.py), which asks wilson for that sector alone: ``wilson.Wilson.match_run(...,
sectors=(sector,))`` translates the input coefficients of the sector to the JMS basis, runs and
matches them sector by sector (wilson/classes.py, wilson/run/wet/classes.py). The WCxf sectors
of the WET are the blocks of its renormalisation-group evolution (Aebischer et al.,
arXiv:1712.05298), so a prediction is a function of the input coefficients of the sectors it
reads, and a non-zero coefficient of any other sector leaves it unchanged, exactly. Two uses:

* the scan's fast path (:mod:`bridge.scan.fastpath`) covers the coefficients of the b→s,
  B_s-mixing and lepton-dipole sectors; a point with, say, CVLL_ucuc (D mixing, sector
  ``cucu``, which no `bridge run` b→s row reads) need not go to flavio for those rows
  (:func:`relevant`);
* a row of the `bridge run` table whose sectors hold no non-zero coefficient of the point has
  its SM value (:func:`untouched`; :mod:`bridge.runtable`).

A sector can be coarse: the ΔF = 0 sector holds every lepton's dipole, so a model with a muon
coupling (C7_μμ) would send a_e and a_τ to flavio. For the lepton dipoles, the ΔF = 0
coefficients the engine produces (:data:`PROBES`), each row also records those it does not
depend on (*exempt*): flavio's prediction with that coefficient alone, at two generic complex
values, equals the SM one exactly. (wilson's running is linear and the observables are functions
of amplitudes linear in the low-scale coefficients, so a coefficient that reaches none of the
row's amplitudes changes nothing at any value and with any other coefficient, and one that
reaches them changes the prediction at a generic value.)

The sectors each observable reads are recorded once with flavio (every ``get_wcxf`` call while
it is predicted at a point with non-zero coefficients in many sectors) and shipped in
``bridge/data/observable_sectors.json`` with the coefficient → sector map of wilson's WET
``flavio`` basis (:func:`write_shipped`). For other flavio or wilson versions nothing is
assumed: every coefficient counts for every observable (the behaviour without this module).
The Z-pole rows are not here: flavio computes them from SMEFT coefficients (bridge.zpole).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache

import numpy as np

#: The shipped map (bridge/data).
SHIPPED_FILE = "observable_sectors.json"
#: Version of the file layout.
FORMAT = 1
#: Coefficients probed one by one for the rows whose sectors hold them (see the module docstring).
PROBES = ("C7_ee", "C7_mumu", "C7_tautau")


def _versions() -> dict:
    from bridge.versions import installed as version  # once per process

    return {"flavio": version("flavio"), "wilson": version("wilson"), "format": FORMAT}


@cache
def _shipped() -> tuple[dict[str, str], dict[str, frozenset[str]], dict[str, frozenset[str]]] | None:
    """(coefficient → sector, observable label → sectors read, label → exempt coefficients) for
    the installed versions, or None (no shipped map for them)."""
    from bridge.likelihoods.data import shipped_doc

    doc = shipped_doc(SHIPPED_FILE, _versions())
    if doc is None:
        return None
    try:
        by_name = {name: sector for sector, names in doc["sectors"].items() for name in names}
        reads = {label: frozenset(s) for label, s in doc["observables"].items()}
        exempt = {label: frozenset(s) for label, s in doc["exempt"].items()}
    except (KeyError, TypeError, AttributeError):
        return None
    return by_name, reads, exempt


def sector_of(name: str) -> str | None:
    """The WCxf sector of a WET flavio-basis coefficient (None: unknown, or no shipped map)."""
    maps = _shipped()
    return None if maps is None else maps[0].get(name)


def reads(label: str) -> frozenset[str] | None:
    """The sectors the observable ``label`` reads (None: not recorded)."""
    maps = _shipped()
    return None if maps is None else maps[1].get(label)


def exempt(label: str) -> frozenset[str]:
    """Coefficients of the sectors ``label`` reads that it was found not to depend on."""
    maps = _shipped()
    return frozenset() if maps is None else maps[2].get(label, frozenset())


def _nonzero(value) -> bool:
    return bool(np.any(np.asarray(value) != 0))


def relevant(coefficients: Mapping, observables: Iterable) -> dict:
    """``coefficients`` without those that none of ``observables`` (Observable or label) can
    depend on. A coefficient of unknown sector, or any observable without a record, keeps
    everything."""
    wanted: set[str] = set()
    for o in observables:
        sectors = reads(getattr(o, "label", o))
        if sectors is None:
            return dict(coefficients)
        wanted |= sectors
    out = {}
    for name, value in coefficients.items():
        sector = sector_of(name)
        if sector is None or sector in wanted:
            out[name] = value
    return out


def reads_z_pole(observables: Iterable) -> bool:
    """True if one of ``observables`` (Observable or flavio name) is a Z-pole row, which flavio
    computes from the leptons' one-loop Z couplings (bridge.zpole): only then must a batch
    compute them (``bridge.pipeline.evaluate_batch(z_pole=...)``; no coefficient needs them)."""
    from bridge.zpole import Z_POLE_OBSERVABLES

    return any(getattr(o, "name", o) in Z_POLE_OBSERVABLES for o in observables)


def untouched(observable, coefficients: Mapping) -> bool:
    """True if no non-zero coefficient lies in a sector ``observable`` reads, so that its
    prediction is the SM one; False when that is not known (no record, unknown coefficient)."""
    label = getattr(observable, "label", observable)
    sectors = reads(label)
    if sectors is None:
        return False
    free = exempt(label)
    for name, value in coefficients.items():
        if name in free or not _nonzero(value):
            continue
        sector = sector_of(name)
        if sector is None or sector in sectors:
            return False
    return True


# ---------------------------------------------------------------------------
# the shipped map (built with flavio)
# ---------------------------------------------------------------------------
def known_observables():
    """The observables of the `bridge run` table and of the bridge's flavio likelihoods."""
    from bridge.likelihoods.flavio_fast import FLAVIO_OBSERVABLES, LFV_OBSERVABLES, QUARK_OBSERVABLES
    from bridge.observables import RUN_OBSERVABLES
    from bridge.zpole import Z_POLE_OBSERVABLES

    return [o for o in dict.fromkeys([s.observable for s in RUN_OBSERVABLES] + list(FLAVIO_OBSERVABLES)
                                     + list(LFV_OBSERVABLES) + list(QUARK_OBSERVABLES))
            if o.name not in Z_POLE_OBSERVABLES]


def record_sectors(observables) -> dict[str, list[str]]:
    """label → the WCxf sectors flavio asks wilson for while predicting it (imports flavio)."""
    import flavio
    from flavio.physics import eft

    from bridge.flavio_setup import make_wilson
    from bridge.likelihoods.flavio_fast import register_overlay

    register_overlay()
    par = flavio.default_parameters.get_central_all()
    # a non-zero coefficient in each sector a bridge model feeds, so that every read happens
    probe = {"C9_bsmumu": 0.1, "CL_bsnumunumu": 0.1, "CVLL_bsbs": 1e-11, "C7_mumu": 0.1,
             "Cgamma_mue": 1e-13, "Cgamma_taumu": 1e-13, "Cgamma_taue": 1e-13, "C9_bdmumu": 0.1,
             "CVLL_bdbd": 1e-12, "CVLL_sdsd": 1e-14, "CL_sdnumunumu": 0.1, "CVLL_ucuc": 1e-13}
    wc = flavio.WilsonCoefficients.from_wilson(make_wilson(probe, 160.0), par)
    seen: list[str] = []
    original = eft.WilsonCoefficients.get_wcxf

    def recording(self, sector, *args, **kwargs):
        seen.append(eft.sectors_flavio2wcxf.get(sector, sector))
        return original(self, sector, *args, **kwargs)

    out = {}
    eft.WilsonCoefficients.get_wcxf = recording
    try:
        for o in observables:
            seen.clear()
            flavio.Observable[o.name].prediction_par(par, wc, *o.args)
            if "all" not in seen:
                out[o.label] = sorted(set(seen))
    finally:
        eft.WilsonCoefficients.get_wcxf = original
    return out


def record_exemptions(observables, reads_map: dict[str, list[str]]) -> dict[str, list[str]]:
    """label → the :data:`PROBES` of its sectors whose value alone (two generic complex values)
    leaves flavio's prediction at the SM one exactly (imports flavio)."""
    import flavio

    from bridge.flavio_setup import make_wilson

    par = flavio.default_parameters.get_central_all()
    probe_sector = {name: sector for sector, names in basis_sectors().items() for name in names
                    if name in PROBES}
    out = {}
    for o in observables:
        read = set(reads_map.get(o.label, ()))
        candidates = [p for p in PROBES if probe_sector[p] in read]
        if not candidates:
            continue
        obs = flavio.Observable[o.name]
        sm = obs.prediction_par(par, flavio.WilsonCoefficients(), *o.args)
        free = []
        for name in candidates:
            same = all(obs.prediction_par(par, flavio.WilsonCoefficients.from_wilson(
                make_wilson({name: value}, 160.0), par), *o.args) == sm
                for value in (0.31 - 0.17j, -0.05 + 0.23j))
            if same:
                free.append(name)
        if free:
            out[o.label] = free
    return out


def basis_sectors() -> dict[str, list[str]]:
    """wilson's WET flavio basis: sector → coefficient names."""
    from wilson import wcxf

    return {s: sorted(names) for s, names in wcxf.Basis["WET", "flavio"].sectors.items()}


def write_shipped(path=None) -> str:
    """Write bridge/data/observable_sectors.json for the installed flavio and wilson:
    ``python -c "from bridge.sectors import write_shipped as w; w()"``."""
    from bridge.likelihoods.data import DATA_DIR

    observables = known_observables()
    read = record_sectors(observables)
    doc = {"description": "WCxf sectors each flavio observable of the bridge reads, the probed "
                          "coefficients of those sectors it does not depend on, and the sector "
                          "of every WET flavio-basis coefficient (bridge.sectors)",
           "key": _versions(), "observables": read, "exempt": record_exemptions(observables, read),
           "sectors": basis_sectors()}
    path = path or DATA_DIR / SHIPPED_FILE
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=0, sort_keys=True) + "\n")
    return str(path)
