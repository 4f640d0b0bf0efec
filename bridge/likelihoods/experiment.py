"""The experimental side of every comparison: one measurement set, read one way.

The ``bridge run`` table, the ``flavio`` likelihood, the constraint terms
(:mod:`bridge.likelihoods.constraints`) and the limit flags all use the measurements of the
``flavio`` likelihood: flavio 2.7.1's data with the bridge's overlay
(:data:`bridge.likelihoods.flavio_fast.MEASUREMENTS_TODAY`: Belle II 2023 B⁺→K⁺νν̄, MEG II
2025 μ→eγ replacing MEG 2016). For each observable, :func:`experiments` gives one
:class:`Experiment`:

* **an upper limit** if every measurement of the observable in the set is one (flavio's
  ``GaussianUpperLimit``, ``GeneralGammaUpperLimit``...): the tightest, at its confidence
  level (MEG II: BR(μ→eγ) < 1.5×10⁻¹³; Belle 2017, arXiv:1702.03224: BR(B⁰→K*⁰νν̄) < 1.8×10⁻⁵,
  both at 90% CL). Its one-sided likelihood is a half-normal at zero whose CL quantile is the
  limit, σ_L = limit/Φ⁻¹((1 + CL)/2) (flavio 2.7.1, flavio/statistics/probability.py,
  ``GaussianUpperLimit.get_standard_deviation``: the form flavio gives "< L @ 90% CL"), with the theory
  error added in quadrature: χ² = (max(x, 0))²/(σ_L² + σ_th²), 2.71 at a 90% limit.
* **a Gaussian** otherwise: the central value and error of the measurements combined exactly as
  the ``flavio`` likelihood combines them (the same seeded draws, inverse-covariance weighting;
  the numbers are read from that likelihood's experimental covariance, shipped or cached), with
  pull = (x − central)/√(σ_exp² + σ_th²).

Flags: an observable is *outside its experimental limit* if it exceeds an upper limit, or lies
more than :data:`FLAG_SIGMA` standard deviations from a measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bridge.observable import Observable

#: A measured observable more than this many σ from the measurement is flagged.
FLAG_SIGMA = 3.0
#: Name of the measurement set in tables and JSON.
SET_NAME = "flavio 2.7.1 data + bridge overlay (Belle II 2023 B+->K+nunu, MEG II 2025 mu->egamma)"


@dataclass(frozen=True)
class Experiment:
    """What the measurement set says about one observable."""

    observable: Observable
    measurements: tuple[str, ...]  # flavio measurement names used
    central: float | None = None  # Gaussian (None for a limit)
    error: float | None = None
    limit: float | None = None  # one-sided upper limit at confidence level `cl`
    cl: float | None = None
    note: str = ""
    #: σ_L of a limit as computed when the record was written (saves importing scipy.stats)
    limit_sigma: float | None = None

    @property
    def is_limit(self) -> bool:
        return self.limit is not None

    @property
    def sigma(self) -> float:
        """σ_exp of the Gaussian, or σ_L of the half-normal of a limit."""
        if self.is_limit:
            if self.limit_sigma is not None:
                return self.limit_sigma
            from scipy.stats import norm

            return self.limit / float(norm.ppf(0.5 * (1.0 + self.cl)))
        return float(self.error)

    def pull(self, value: float, sigma_th: float = 0.0, shift: float = 0.0) -> float:
        """(x − central)/σ for a measurement, x/σ for a limit (σ includes σ_th); ``shift`` is
        subtracted from the central value (a_μ shown as Δa_μ)."""
        denom = math.hypot(self.sigma, sigma_th)
        if denom == 0:
            return 0.0
        if self.is_limit:
            return value / denom
        return (value - (self.central - shift)) / denom

    def chi2(self, value: float, sigma_th: float = 0.0, shift: float = 0.0) -> float:
        """Gaussian: pull²; limit: the one-sided (max(x, 0)/σ)²."""
        p = self.pull(value, sigma_th, shift)
        return max(p, 0.0) ** 2 if self.is_limit else p * p

    def outside(self, value: float, sigma_th: float = 0.0, shift: float = 0.0) -> bool:
        """Above the limit, or more than FLAG_SIGMA from the measurement."""
        if self.is_limit:
            return value > self.limit
        return abs(self.pull(value, sigma_th, shift)) > FLAG_SIGMA

    def describe(self, shift: float = 0.0) -> str:
        """``< 1.500e-13 (90% CL)`` or ``9.4792e-01 ± 4.7e-02``."""
        if self.is_limit:
            return f"< {self.limit:.3e} ({100 * self.cl:g}% CL)"
        return f"{self.central - shift:.4e} ± {self.error:.1e}"

    def source(self) -> str:
        """The measurements, with the rule that chose them."""
        if self.is_limit:
            return f"{self.measurements[0]}{self.note}"
        if len(self.measurements) > 1:
            return f"combination of {', '.join(self.measurements)}"
        return self.measurements[0] if self.measurements else ""

    def flag_text(self, label: str, value: float, sigma_th: float = 0.0, shift: float = 0.0) -> str:
        if self.is_limit:
            return (f"{label} = {value:.3g} exceeds the limit {self.limit:.3g} "
                    f"({100 * self.cl:g}% CL, {self.measurements[0]}) by a factor {value / self.limit:.3g}")
        theory = f" ± {sigma_th:.1e} (theory)" if sigma_th else ""
        return (f"{label} = {value:.4g} is {self.pull(value, sigma_th, shift):+.1f} sigma from "
                f"{self.describe(shift)}{theory} ({self.source()})")

    def record(self) -> dict:
        """Its numbers as JSON data (the observable aside): :meth:`from_record` reads them back."""
        return {"measurements": list(self.measurements), "central": self.central, "error": self.error,
                "limit": self.limit, "cl": self.cl, "note": self.note,
                "limit_sigma": self.sigma if self.is_limit else None}

    @classmethod
    def from_record(cls, observable: Observable, rec: dict) -> Experiment:
        """From :meth:`record` data; ValueError if it is neither a limit nor a measurement."""
        def number(key):
            value = rec.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{observable.label}: {key} is not a finite number")
            return float(value)

        names = rec.get("measurements")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{observable.label}: measurements are not a list of names")
        exp = cls(observable, tuple(names), number("central"), number("error"), number("limit"),
                  number("cl"), str(rec.get("note", "")), number("limit_sigma"))
        gaussian = exp.central is not None and exp.error is not None and exp.error > 0
        limit = (exp.limit is not None and exp.cl is not None and 0 < exp.cl < 1 and exp.limit > 0
                 and exp.limit_sigma is not None and 0 < exp.limit_sigma < exp.limit)
        if gaussian == limit:
            raise ValueError(f"{observable.label}: neither a measurement nor an upper limit")
        return exp

    def as_dict(self, shift: float = 0.0) -> dict:
        return {"measurements": list(self.measurements), "set": SET_NAME,
                "kind": "upper limit" if self.is_limit else "gaussian",
                "central": None if self.central is None else self.central - shift,
                "error": self.error, "limit": self.limit, "cl": self.cl}


def format_pull(pull: float | None) -> str:
    """``+1.23``; ``+5.4e+06`` for a prediction far above an upper limit; ``-`` for none."""
    if pull is None:
        return "-"
    return f"{pull:+.2f}" if abs(pull) < 1000 else f"{pull:+.1e}"


def _limit(distribution) -> tuple[float, float] | None:
    """(limit, CL) of a one-sided flavio distribution, else None."""
    limit = getattr(distribution, "limit", None)
    cl = getattr(distribution, "confidence_level", None)
    if limit is None or cl is None:
        return None
    return float(limit), float(cl)


def experiments(observables, likelihood=None) -> dict[str, Experiment]:
    """label → :class:`Experiment` for ``observables`` (each must be one of the ``flavio``
    likelihood's), from ``likelihood`` (default: ``flavio``, the measurement set above)."""
    import flavio

    from bridge.likelihoods.flavio_fast import flavio_today

    lik = likelihood or flavio_today()
    data = lik.experimental()
    out = {}
    for o in observables:
        o = o if isinstance(o, Observable) else Observable.from_key(o)
        if o.label not in data["index"]:
            raise KeyError(f"{o.label} is not an observable of likelihood {lik.name}")
        names = data["measurements"][o.label]
        limits = {}
        for m in names:
            for dist, params in flavio.Measurement[m]._constraints:
                if o.key in params:
                    limits[m] = _limit(dist) if len(params) == 1 else None
        if names and all(limits.get(m) for m in names):
            best = min(names, key=lambda m: limits[m][0])
            note = f" (tightest of {len(names)} limits in the set)" if len(names) > 1 else ""
            out[o.label] = Experiment(o, (best,), limit=limits[best][0], cl=limits[best][1],
                                      note=note)
        else:
            i = data["index"][o.label]
            out[o.label] = Experiment(o, tuple(names), central=float(data["central"][i]),
                                      error=float(math.sqrt(data["covariance"][i][i])))
    return out


def measurement_experiment(observable, name: str) -> Experiment | None:
    """The :class:`Experiment` of one flavio measurement ``name`` for ``observable`` (rows of
    the ``bridge run`` table outside the bridge's likelihoods): its upper limit if it gives one,
    else its central value and error (the mean of flavio's left and right 1σ errors). None if
    flavio has no such measurement of the observable."""
    import flavio

    o = observable if isinstance(observable, Observable) else Observable.from_key(observable)
    if name not in flavio.Measurement.instances:
        return None
    m = flavio.Measurement[name]
    if o.key not in m.all_parameters:
        return None
    for dist, params in m._constraints:
        if o.key in params and len(params) == 1 and _limit(dist):
            limit, cl = _limit(dist)
            return Experiment(o, (name,), limit=limit, cl=cl)
    try:
        up, down = m.get_1d_errors_rightleft()[o.key]
    except (NotImplementedError, KeyError):
        return None
    return Experiment(o, (name,), central=float(m.get_central_all()[o.key]),
                      error=0.5 * (float(up) + float(down)))


def overlay_limits() -> dict[str, tuple[float, float, str]]:
    """flavio name → (limit, CL, measurement) of the upper limits in the bridge's overlay
    (bridge/data/measurements.yml: MEG II μ→eγ), read without flavio, for ``bridge run
    --no-predictions``, which checks the one-loop BR(μ→eγ) against it."""
    import re

    import yaml

    from bridge.likelihoods.data import data_text

    out = {}
    for name, m in yaml.safe_load(data_text("measurements.yml")).items():
        for obs, value in (m.get("values") or {}).items():
            hit = re.fullmatch(r"\s*<\s*([0-9.eE+-]+)\s*@\s*([0-9.]+)\s*%\s*CL\s*", str(value))
            if hit:
                out[obs] = (float(hit[1]), float(hit[2]) / 100, name)
    return out


def one_loop_flags(one_loop: dict) -> list[str]:
    """Flags of the one-loop values when there are no flavio predictions (BR(μ→eγ))."""
    limits = overlay_limits()
    value = one_loop.get("BR_mu_egamma")
    if value is None or "BR(mu->egamma)" not in limits:
        return []
    limit, cl, name = limits["BR(mu->egamma)"]
    if value <= limit:
        return []
    return [f"BR(mu->e gamma) = {value:.3g} (one loop) exceeds the limit {limit:.3g} "
            f"({100 * cl:g}% CL, {name}) by a factor {value / limit:.3g}"]


def dark_matter_flags(dm: dict | None) -> list[str]:
    """Flags of the dark-matter summary (:mod:`bridge.darkmatter.summary`), against the limits
    of the dark-matter likelihoods: σ_SI above the strongest SI limit at the mass (LZ 2024 or
    XENONnT 2025, 90% CL), σ_SD^p or σ_SD^n above XENONnT 2025's proton-only or neutron-only
    limit (or both together on xenon above 1 when neither is alone), Γ(h → inv) or
    Γ(Z → inv) above their 95% CL limits, and Ωh² above Planck's 0.120 by more than
    FLAG_SIGMA σ (with the relic likelihood's 10% theory error: the candidate would
    overclose the universe). Too little dark matter is not flagged (another component may
    make up the rest)."""
    if not dm or dm.get("error"):
        return []
    from bridge.darkmatter import constants as C
    from bridge.darkmatter.likelihood import THEORY_REL_ERROR

    def finite(key):
        value = dm.get(key)
        return value if isinstance(value, (int, float)) and math.isfinite(value) else None

    out = []
    who = f"{dm.get('candidate') or 'the candidate'} (m = {dm.get('mass', math.nan):.4g} GeV)"
    si = finite("si_ratio")
    if si is not None and si > 1:
        values = ""
        if finite("sigma_si_p") is not None and finite("si_limit") is not None:
            values = f" = {dm['sigma_si_p']:.3g} cm^2 (proton)"
            limit = f" {dm['si_limit']:.3g} cm^2"
        else:
            limit = ""
        out.append(f"sigma_SI of {who}{values} is {si:.3g} times the "
                   f"{dm.get('si_experiment') or 'LZ 2024'} limit{limit} (90% CL)")
    sd_who = dm.get("sd_experiment") or "XENONnT 2025"
    sd_flagged = False
    for nucleon, tag in (("proton", "p"), ("neutron", "n")):
        r = finite(f"sd_{tag}_ratio")
        if r is not None and r > 1:
            sd_flagged = True
            value, limit = finite(f"sigma_sd_{tag}"), finite(f"sd_{tag}_limit")
            shown = f" = {value:.3g} cm^2" if value is not None else ""
            bound = f" {limit:.3g} cm^2" if limit is not None else ""
            out.append(f"sigma_SD({nucleon}) of {who}{shown} is {r:.3g} times the {sd_who} "
                       f"{nucleon}-only limit{bound} (90% CL)")
    both = finite("sd_ratio")
    if not sd_flagged and both is not None and both > 1:
        out.append(f"sigma_SD of {who}: proton and neutron together are {both:.3g} times the {sd_who} "
                   "limits on xenon (90% CL; each alone is below its own)")
    from bridge.darkmatter.invisible import BR_H_INV_MAX, DGAMMA_Z_INV_MAX

    # the two invisible widths: (ratio key, value key, what, unit factor and name, limit, source)
    for ratio, key, what, factor, unit, limit, source in (
            ("h_inv_ratio", "br_h_inv", "BR(h -> inv)", 1.0, "", BR_H_INV_MAX, "ATLAS 2023"),
            ("z_inv_ratio", "gamma_z_inv", "Gamma(Z -> inv)", 1e3, " MeV", DGAMMA_Z_INV_MAX, "LEP")):
        r, value = finite(ratio), finite(key)
        if r is not None and r > 1:
            shown = f" = {factor * value:.3g}{unit}" if value is not None else ""
            out.append(f"{what}{shown} from {who} is {r:.3g} times its limit "
                       f"{factor * limit:g}{unit} (95% CL, {source})")
    omega = finite("omega_h2")
    if omega is not None:
        sigma = math.hypot(C.OMEGA_H2_PLANCK_ERR, THEORY_REL_ERROR * omega)
        pull = (omega - C.OMEGA_H2_PLANCK) / sigma
        if pull > FLAG_SIGMA:
            out.append(f"Omega h^2 = {omega:.4g} of {who} is {pull:+.1f} sigma above Planck's "
                       f"{C.OMEGA_H2_PLANCK} (with a {100 * THEORY_REL_ERROR:g}% theory error): "
                       "it would overclose the universe")
    return out
