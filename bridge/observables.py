"""flavio predictions for the bridge's observables (flavio is imported here only).

For each observable: SM and NP central values, flavio's theory uncertainty,
the experimental value of the measurement flavio holds, and the pull.

* Theory uncertainty: flavio's SM uncertainty (standard deviation over N
  random draws of flavio's parameters, seeded), cached on disk per flavio
  version, observable, N, seed and SM-parameter overrides. With
  ``np_samples > 0`` the uncertainty is instead computed at the NP point
  (as flavio's ``np_uncertainty``; slow, every draw reruns wilson).
* Pull: (NP − exp)/√(σ_exp² + σ_th²), with the experimental error on the side
  of the prediction (asymmetric errors and one-sided limits as flavio's 1D
  marginal gives them). For ``a_mu`` the table shows Δa_μ = a_μ − a_μ^SM.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bridge import cache
from bridge.observable import Observable


@dataclass(frozen=True)
class RunObservable:
    """A row of the `bridge run` table: the observable, its label and preferred measurement."""

    observable: Observable
    measurement: str = ""  # preferred flavio measurement
    label: str = ""  # shown in the table (default: the observable's label)
    show_delta: bool = False  # show NP − SM (a_mu)

    @property
    def name(self) -> str:
        return self.observable.name


def _row(name: str, q2, measurement: str, label: str, show_delta: bool = False) -> RunObservable:
    return RunObservable(Observable(name, q2 or ()), measurement, label, show_delta)


#: The observables of `bridge run`, with the measurement shown for each (newest in flavio 2.7.1).
CORE_OBSERVABLES = (
    _row("<Rmue>(B+->Kll)", (1.1, 6.0), "LHCb RK RK* 2022", "R_K [1.1,6]"),
    _row("<Rmue>(B0->K*ll)", (0.045, 1.1), "LHCb RK* 2017", "R_K* [0.045,1.1]"),
    _row("<Rmue>(B0->K*ll)", (1.1, 6.0), "LHCb RK RK* 2022", "R_K* [1.1,6]"),
    _row("BR(B->Xsgamma)", None, "B->Xgamma WA 2017", "BR(B->X_s gamma)"),
    _row("DeltaM_s", None, "HFAG osc summer 2015", "Delta M_s [GeV]"),
    _row("BR(B+->Knunu)", None, "Belle B->hnunu SL 2017", "BR(B+->K+ nu nu)"),
    _row("BR(B0->K*nunu)", None, "Belle B->hnunu SL 2017", "BR(B0->K*0 nu nu)"),
    _row("BR(Bs->mumu)", None, "GSSS combination Bs->mumu 2022", "BR(B_s->mu mu)"),
    _row("a_mu", None, "FNAL g-2 combination 2025", "Delta a_mu", show_delta=True),
    _row("BR(mu->egamma)", None, "PDG 2017 mu LFV", "BR(mu->e gamma)"),
)


@dataclass
class Prediction:
    key: str
    label: str
    flavio_name: str
    q2: tuple[float, float] | None
    sm: float
    np: float
    theory_error: float
    theory_error_kind: str
    exp_central: float | None
    exp_error_up: float | None
    exp_error_down: float | None
    measurement: str
    pull: float | None
    shown_as_delta: bool

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def observable(self) -> Observable:
        return Observable(self.flavio_name, self.q2 or ())


def parameter_constraints(overrides: dict[str, float] | None):
    """flavio's default parameters with SMINPUTS overrides fixed to their values."""
    import flavio

    par = flavio.default_parameters
    if overrides:
        par = par.copy()
        for name, value in overrides.items():
            par.set_constraint(name, repr(float(value)))
    return par


def make_wilson(coefficients: dict[str, complex], scale: float, eft: str = "WET"):
    """A wilson.Wilson in the flavio basis, refusing unknown names with a clear error."""
    import wilson
    from wilson.wcxf import Basis

    from bridge.errors import ModelError

    known = set(Basis[eft, "flavio"].all_wcs)
    unknown = sorted(set(coefficients) - known)
    if unknown:
        raise ModelError(f"coefficient {unknown[0]!r} is not in wilson's {eft} flavio basis")
    values = {k: complex(v) for k, v in coefficients.items() if v != 0}
    return wilson.Wilson(values, scale=scale, eft=eft, basis="flavio")


#: Largest plausible SM theory uncertainty relative to the SM value: a cached σ_th above it is
#: refused. Today's largest: 10% (B→K*νν̄) in the `bridge run` table, 61% (P5' [1.1,2.5]) in
#: the `flavio` likelihood; an observable whose SM value is 0 (μ→eγ) has σ_th = 0. A bin where
#: an observable crosses zero could exceed it (it would then be recomputed on every use).
THEORY_ERROR_MAX = 10.0


def check_theory_error(label: str, sigma, sm_value: float) -> float:
    """A cached SM uncertainty: a finite number, ≥ 0, at most THEORY_ERROR_MAX × |SM value|
    (raises :class:`bridge.cache.Invalid`)."""
    sigma = cache.real(sigma, f"sigma_th of {label}")
    if sigma < 0:
        raise cache.Invalid(f"sigma_th of {label} is negative ({sigma:g})")
    if sigma > THEORY_ERROR_MAX * abs(sm_value):
        raise cache.Invalid(f"sigma_th of {label} = {sigma:g} is implausible for its SM value "
                            f"{sm_value:g} (more than {THEORY_ERROR_MAX:g} times it)")
    return sigma


def sm_uncertainty_entry(specs, overrides, samples: int, seed: int) -> tuple[Path, dict]:
    """(cache file, key) of the SM uncertainties of ``specs`` (rows of the run table)."""
    from importlib.metadata import version

    key = {"flavio": version("flavio"), "obs": [s.observable.label for s in specs],
           "N": samples, "seed": seed, "overrides": overrides or {}}
    return cache.entry_path("sm-uncertainty", key), key


def _parse_errors(payload, sm_values: dict[str, float]) -> dict[str, float]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, dict):
        raise cache.Invalid("no 'errors' object of observable -> sigma_th")
    missing = [k for k in sm_values if k not in errors]
    if missing:
        raise cache.Invalid(f"sigma_th missing for {', '.join(missing)}")
    return {k: check_theory_error(k, errors[k], sm) for k, sm in sm_values.items()}


def sm_uncertainties(specs, overrides, samples: int, seed: int,
                     sm_values: dict[str, float] | None = None) -> dict[str, float]:
    """flavio's SM uncertainty per observable, from a seeded sample, cached on disk.

    ``sm_values`` (label → SM central value) bound the plausible uncertainties of a cached
    entry; computed here when not given."""
    import flavio

    par = parameter_constraints(overrides)
    if sm_values is None:
        central, wc_sm = par.get_central_all(), flavio.WilsonCoefficients()
        sm_values = {s.observable.label: float(flavio.Observable[s.name].prediction_par(
            central, wc_sm, *s.observable.args)) for s in specs}
    path, key = sm_uncertainty_entry(specs, overrides, samples, seed)
    errors = cache.load(path, key, lambda payload: _parse_errors(payload, sm_values))
    if errors is not None:
        return errors
    draws = _random_parameters(par, samples, seed)
    errors = {}
    for spec in specs:
        o = spec.observable
        obs = flavio.Observable[o.name]
        values = [obs.prediction_par(p, flavio.WilsonCoefficients(), *o.args) for p in draws]
        errors[o.label] = float(np.std(values))
    cache.store(path, key, {"errors": errors})
    return errors


def _random_parameters(par, samples: int, seed: int) -> list[dict]:
    """N random parameter points, reproducible: flavio draws from numpy's global RNG."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        rand = par.get_random_all(size=samples)
    finally:
        np.random.set_state(state)
    return [{k: v[i] for k, v in rand.items()} for i in range(samples)]


def _measurement(spec: RunObservable):
    """(central, error up, error down, name) of the preferred measurement."""
    import flavio

    key = spec.observable.key
    names = flavio.Observable[spec.name].get_measurements()
    ordered = [spec.measurement] if spec.measurement in names else []
    ordered += [n for n in names if n != spec.measurement]
    for name in ordered:
        m = flavio.Measurement[name]
        if key not in m.all_parameters:
            continue
        try:
            up, down = m.get_1d_errors_rightleft()[key]
        except (NotImplementedError, KeyError):
            continue
        return float(m.get_central_all()[key]), float(up), float(down), name
    return None, None, None, ""


def predict(coefficients: dict[str, complex], scale: float, *, overrides=None,
            specs=CORE_OBSERVABLES, samples: int = 50, seed: int = 1,
            np_samples: int = 0) -> list[Prediction]:
    """SM and NP predictions with uncertainties and pulls for ``specs``."""
    import flavio

    par = parameter_constraints(overrides)
    par_central = par.get_central_all()
    w = make_wilson(coefficients, scale)
    wc_np = flavio.WilsonCoefficients.from_wilson(w, par_central)
    wc_sm = flavio.WilsonCoefficients()
    sm_values = {s.observable.label: float(flavio.Observable[s.name].prediction_par(
        par_central, wc_sm, *s.observable.args)) for s in specs}
    sm_errors = sm_uncertainties(specs, overrides, samples, seed, sm_values) if np_samples <= 0 else {}
    draws = _random_parameters(par, np_samples, seed) if np_samples > 0 else []
    out = []
    for spec in specs:
        o = spec.observable
        obs = flavio.Observable[o.name]
        sm_value = sm_values[o.label]
        np_value = float(obs.prediction_par(par_central, wc_np, *o.args))
        if draws:
            values = [obs.prediction_par(p, flavio.WilsonCoefficients.from_wilson(w, p), *o.args)
                      for p in draws]
            sigma_th, kind = float(np.std(values)), f"NP point, N={np_samples}"
        else:
            sigma_th, kind = sm_errors[o.label], f"SM, N={samples}"
        central, up, down, mname = _measurement(spec)
        pull = None
        if central is not None:
            side = up if np_value >= central else down
            denom = math.hypot(side, sigma_th)
            pull = (np_value - central) / denom if denom > 0 else None
        if spec.show_delta:
            shift = sm_value
            np_shown, sm_shown = np_value - shift, 0.0
            central = None if central is None else central - shift
        else:
            np_shown, sm_shown = np_value, sm_value
        out.append(Prediction(o.label, spec.label or o.label, o.name, o.q2, sm_shown,
                              np_shown, sigma_th, kind, central, up, down, mname, pull,
                              spec.show_delta))
    return out
