"""The `bridge run` table at a point, importing flavio only for the rows that need it.

``bridge fit`` flags at its best fit every row of the table outside its experimental limit
(issue 14). With the seed likelihoods the fit itself needs no flavio (the running takes α_s,
α_e from bridge.couplings), and importing flavio for the table costs ~8 CPU-s. Each row's NP
value here comes from, in this order:

* **SM value** — no non-zero coefficient of the point lies in a WCxf sector the row reads
  (:func:`bridge.sectors.untouched`; for the Z-pole rows: the SMEFT coefficients of
  bridge.zpole are all zero), so its prediction is flavio's SM prediction, exactly;
* **fast path** — the shipped exact representation of the row in coefficient space
  (:mod:`bridge.scan.fastpath`, validated against flavio to ≤ 1e-6 relative; the ten
  CORE_OBSERVABLES at the hand-over scale 160 GeV without SMINPUTS overrides), when every
  coefficient the row can depend on is one the fast path covers; for the Z-pole rows the
  exact ratio of polynomials in the SMEFT coefficients of bridge.zpole (≤ 1e-12);
* **flavio** — :func:`bridge.observables.predict` for those rows only.

The SM values, the measurement set's numbers (:class:`~bridge.likelihoods.experiment.Experiment`
of each row, read as the run table reads them) ship in ``bridge/data/run_table.json``
(:func:`write_shipped`, computed with flavio); σ_th is the table's own shipped value
(bridge/data/sm_uncertainties.json). So a row computed here is the row `bridge run` prints: the
same SM value, σ_th and measurement, the NP value exact (SM rows) or within the fast path's
validation (tests/test_runtable.py compares with flavio). With SMINPUTS overrides (other SM
values) or files for other flavio/wilson versions or another measurement overlay, every row
goes to flavio.

For F_Ib's `bridge fit` with seed2021 at the card's hand-over scale, the ten b→s, B_s-mixing and
dipole rows, D mixing and the three Z-pole rows come from the fast path and the
charged-lepton-flavour, b→d, kaon and a_e, a_τ rows are SM values: nothing needs flavio.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from bridge import sectors, zpole
from bridge.observables import RUN_OBSERVABLES
from bridge.versions import installed
from bridge.zpole import Z_POLE_OBSERVABLES

#: The shipped SM values and experiments (bridge/data).
SHIPPED_FILE = "run_table.json"
#: Version of the file layout.
FORMAT = 1
#: Where a row's value came from.
SM_VALUE, FAST_PATH, FLAVIO = "SM value", "fast path", "flavio"


def _key(specs=RUN_OBSERVABLES) -> dict:
    from bridge.likelihoods.data import data_text
    from bridge.likelihoods.flavio_fast import OVERLAY_FILE

    return {"flavio": installed("flavio"), "wilson": installed("wilson"), "format": FORMAT,
            "overlay_sha256": hashlib.sha256(data_text(OVERLAY_FILE).encode()).hexdigest(),
            "rows": [s.observable.label for s in specs]}


@cache
def shipped() -> dict | None:
    """label → (SM value, Experiment or None) of the run table, for the installed versions and
    overlay; None if the file does not match them (or is damaged: one warning line)."""
    from bridge import cache as diskcache
    from bridge.likelihoods.data import DATA_DIR, shipped_doc
    from bridge.likelihoods.experiment import Experiment

    doc = shipped_doc(SHIPPED_FILE, _key())
    if doc is None:
        return None
    out = {}
    try:
        for spec in RUN_OBSERVABLES:
            o = spec.observable
            rec = doc["rows"][o.label]
            exp = None if rec["experiment"] is None else Experiment.from_record(o, rec["experiment"])
            out[o.label] = (diskcache.real(rec["sm"], f"SM value of {o.label}"), exp)
    except (KeyError, TypeError, ValueError) as exc:
        diskcache.warn(DATA_DIR / SHIPPED_FILE, str(exc))
        return None
    return out


@dataclass
class Table:
    """The rows computed (in the order asked), where each came from, and the rows left out."""

    predictions: list = field(default_factory=list)  # bridge.observables.Prediction
    sources: dict[str, str] = field(default_factory=dict)  # label -> SM_VALUE | FAST_PATH | FLAVIO
    unchecked: list[str] = field(default_factory=list)  # labels that need flavio (not computed)

    def rows(self, source: str) -> list[str]:
        return [k for k, v in self.sources.items() if v == source]


def _fast_values(specs, coefficients: dict, scale: float, overrides) -> dict[str, float]:
    """label → NP value of the rows the shipped (or cached) fast path gives exactly here."""
    from bridge.scan import fastpath as fpm

    observables = [s.observable for s in specs]
    found, _ = fpm.load(observables, scale, overrides)
    fast = {label: rep for label, rep in found.items() if rep.fast}
    out = {}
    for o in observables:
        if o.label not in fast:
            continue
        mine = sectors.relevant(coefficients, [o])
        u, outside = fpm.to_units({k: np.asarray([v]) for k, v in mine.items()}, 1)
        if outside[0]:  # a coefficient it depends on that the fast path does not cover
            continue
        value = fpm.FastPath([o], scale, dict(overrides or {}), {o.label: fast[o.label]}).evaluate(u)
        v = float(value[o.label][0])
        if np.isfinite(v):  # NaN: a quadrature the fast path leaves to flavio
            out[o.label] = v
    return out


def plan(coefficients: dict, scale: float, overrides=None, z_pole: dict | None = None,
         specs=RUN_OBSERVABLES) -> tuple[dict[str, str], dict[str, float]]:
    """(label → where its value comes from, label → NP value of the rows not computed by
    flavio). Everything goes to flavio unless the shipped SM values match and there are no
    effective SMINPUTS overrides."""
    from bridge.scan import fastpath as fpm

    table = shipped()
    if table is None or fpm.normalised_overrides(overrides):
        return {s.observable.label: FLAVIO for s in specs}, {}
    coefficients = {k: v for k, v in coefficients.items() if v != 0}
    fast = _fast_values(specs, coefficients, scale, overrides)
    z_pole = {k: v for k, v in (z_pole or {}).items() if v != 0}
    z_rows = [s for s in specs if s.name in Z_POLE_OBSERVABLES]
    if z_pole and z_rows:  # the shipped exact representation in SMEFT space (bridge.zpole)
        z_fast = zpole.fast_values(z_pole, [s.name for s in z_rows])
        fast.update((s.observable.label, z_fast[s.name]) for s in z_rows if s.name in z_fast)
    sources, values = {}, {}
    for spec in specs:
        label = spec.observable.label
        if spec.name in Z_POLE_OBSERVABLES:
            sm_like = not z_pole
        else:
            sm_like = sectors.untouched(spec.observable, coefficients)
        if sm_like:
            sources[label], values[label] = SM_VALUE, table[label][0]
        elif label in fast:
            sources[label], values[label] = FAST_PATH, fast[label]
        else:
            sources[label] = FLAVIO
    return sources, values


def predict(coefficients: dict, scale: float, *, overrides=None, z_pole: dict | None = None,
            specs=RUN_OBSERVABLES, samples: int = 50, seed: int = 1,
            use_flavio: bool = True) -> Table:
    """The rows of ``specs`` at the point, as :func:`bridge.observables.predict` gives them,
    flavio imported only for the rows :func:`plan` sends to it; with ``use_flavio=False``
    those rows are left out and named in :attr:`Table.unchecked`."""
    from bridge import observables as obs

    sources, values = plan(coefficients, scale, overrides, z_pole, specs)
    table = shipped()
    offline = [s for s in specs if sources[s.observable.label] != FLAVIO]
    rows: dict[str, object] = {}
    if offline:
        sm_values = {s.observable.label: table[s.observable.label][0] for s in offline}
        exps = {s.observable.label: table[s.observable.label][1] for s in offline}
        sigma_exp = obs.experimental_sigmas(offline, exps)
        stored = obs.stored_uncertainties(offline, overrides, samples, seed, sm_values, sigma_exp)
        if stored is None:  # other sample sizes or seed: σ_th from flavio (cached after)
            sources.update({s.observable.label: FLAVIO for s in offline})
            offline = []
        else:
            errors, draws = stored
            rows.update((r.key, r) for r in obs.table_rows(offline, sm_values, values, errors,
                                                            draws, exps))
    online = [s for s in specs if sources[s.observable.label] == FLAVIO]
    out = Table(sources=sources)
    if online and use_flavio:
        for row in obs.predict(coefficients, scale, overrides=overrides, specs=online,
                               samples=samples, seed=seed, z_pole=z_pole):
            rows[row.key] = row
    elif online:
        out.unchecked = [s.observable.label for s in online]
        for label in out.unchecked:
            del sources[label]
    out.predictions = [rows[s.observable.label] for s in specs if s.observable.label in rows]
    return out


def write_shipped(path=None) -> str:
    """Write bridge/data/run_table.json (flavio's SM values and the measurement set of every
    row, default parameters) for the installed flavio, wilson and overlay:
    ``python -c "from bridge.runtable import write_shipped as w; w()"``."""
    import flavio

    from bridge.flavio_setup import parameter_constraints
    from bridge.likelihoods.data import DATA_DIR
    from bridge.likelihoods.flavio_fast import register_overlay
    from bridge.observables import row_experiments

    register_overlay()
    par = parameter_constraints(None).get_central_all()
    wc_sm = flavio.WilsonCoefficients()
    exps = row_experiments(RUN_OBSERVABLES)
    rows = {}
    for spec in RUN_OBSERVABLES:
        o = spec.observable
        sm = float(flavio.Observable[o.name].prediction_par(par, wc_sm, *o.args))
        exp = exps.get(o.label)
        rows[o.label] = {"sm": sm, "experiment": None if exp is None else exp.record()}
    doc = {"description": "flavio's SM value and the measurement set's numbers of every `bridge run` "
                          "row, default parameters (bridge.runtable.write_shipped); used when the "
                          "key matches exactly", "key": _key(), "rows": rows}
    path = path or DATA_DIR / SHIPPED_FILE
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    return str(path)

