"""The named likelihoods of :mod:`bridge.likelihoods`, evaluated over arrays of points.

Each adapter takes what ``bridge.likelihoods`` defines (terms, central values, errors,
covariances) and evaluates the same χ² with numpy over N points, without flavio:

* :class:`GaussianVector` for ``seed2021``, ``seed2023``: independent Gaussian terms on
  quantities of the model point (:data:`bridge.likelihoods.QUANTITIES`, vectorised here with
  the same definitions; tests/test_scan.py compares them with ``Likelihood.evaluate``);
* :class:`FlavioVector` for ``flavio``, ``flavio-2.7.1``: χ² = rᵀ C⁻¹ r with r = prediction
  − central and C = C_exp + C_SM, the Gaussian of flavio's FastLikelihood (the arrays of
  :meth:`bridge.likelihoods.FlavioLikelihood.prepare`, built or loaded from the on-disk
  covariance cache once, in the process that starts the scan — ecosystem.md T4/T5: a
  pickled FastLikelihood is empty in a spawned worker, arrays are not);
* :class:`PointwiseLikelihood` for anything else (smelli): ``evaluate`` point by point.

Columns: ``chi2:NAME`` and ``pull:NAME:TERM``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bridge.likelihoods.base import CombinedLikelihood, evaluate_all
from bridge.likelihoods.gaussian import GaussianLikelihood
from bridge.likelihoods.point import ModelPoint
from bridge.observable import Observable


@dataclass
class PointData:
    """What the likelihoods see of N points (arrays (N,))."""

    size: int
    coefficients: dict[str, np.ndarray]
    contributions: dict[str, np.ndarray]
    one_loop: dict[str, np.ndarray]
    observables: dict[str, np.ndarray]  # label -> value
    scale: float = 160.0
    overrides: dict | None = None
    model: str = ""
    dark_matter: dict | None = None  # bridge.darkmatter.summary NUMBERS -> (N,), if computed

    def coefficient(self, name: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.coefficients.get(name, 0j), dtype=complex), (self.size,))

    def model_point(self, i: int):
        """The :class:`bridge.likelihoods.ModelPoint` of point i (for per-point likelihoods)."""
        coeffs = {k: complex(v[i]) for k, v in self.coefficients.items() if v[i] != 0}
        contrib = {k: complex(v[i]) for k, v in self.contributions.items()}
        one_loop = {k: float(v[i]) for k, v in self.one_loop.items()}
        dm = None
        if self.dark_matter:
            dm = {k: float(v[i]) for k, v in self.dark_matter.items()}
            dm.update(error="", missing=[], shares={})
        return ModelPoint(coeffs, self.scale, contrib, one_loop, dict(self.overrides or {}), self.model,
                          dark_matter=dm)


class VectorLikelihood:
    name: str = ""
    observables: tuple[Observable, ...] = ()  # flavio observables the χ² needs

    def evaluate(self, data: PointData) -> dict[str, np.ndarray]:
        raise NotImplementedError


# ---------------------------------------------------------------------------
# seed likelihoods
# ---------------------------------------------------------------------------
_BOX_BREAKDOWN = ("C9_bsmumu_box", "C10_bsmumu_box", "C9_photon_penguin", "C9_Z_penguin", "C10_Z_penguin")
_PLUGIN_BREAKDOWN = ("C9V_mu", "C10V_mu", "C9U", "C10U")


def seed_coefficients(data: PointData) -> dict[str, np.ndarray]:
    """C9V_mu, C10V_mu, C9U, C10U (real parts), as bridge.likelihoods.seed_coefficients."""
    c = data.contributions
    if all(k in c for k in _BOX_BREAKDOWN):
        values = {"C9V_mu": c["C9_bsmumu_box"], "C10V_mu": c["C10_bsmumu_box"],
                  "C9U": c["C9_photon_penguin"] + c["C9_Z_penguin"], "C10U": c["C10_Z_penguin"]}
    elif all(k in c for k in _PLUGIN_BREAKDOWN):
        values = {k: c[k] for k in _PLUGIN_BREAKDOWN}
    else:
        c9e, c10e = data.coefficient("C9_bsee"), data.coefficient("C10_bsee")
        values = {"C9V_mu": data.coefficient("C9_bsmumu") - c9e,
                  "C10V_mu": data.coefficient("C10_bsmumu") - c10e, "C9U": c9e, "C10U": c10e}
    return {k: np.real(np.asarray(v, dtype=complex)) for k, v in values.items()}


def _quantity(name: str, data: PointData) -> np.ndarray | None:
    if name in _PLUGIN_BREAKDOWN:
        return seed_coefficients(data)[name]
    if name == "C_LL_mu":
        return np.real(data.coefficient("C9_bsmumu") - data.coefficient("C10_bsmumu")) / 2
    if name == "Delta_a_mu":
        return np.broadcast_to(np.asarray(data.one_loop.get("Delta_a_mu", 0.0), float), (data.size,))
    return None


class GaussianVector(VectorLikelihood):
    """Independent Gaussian terms (bridge.likelihoods.GaussianLikelihood), vectorised."""

    def __init__(self, lik):
        self.name = lik.name
        self.terms = [(t.name, t.quantity, t.central, t.sigma) for t in lik.terms]

    @staticmethod
    def supports(lik) -> bool:
        return all(t.quantity in ("C_LL_mu", "Delta_a_mu", *_PLUGIN_BREAKDOWN) for t in lik.terms)

    def evaluate(self, data: PointData) -> dict[str, np.ndarray]:
        out = {}
        total = np.zeros(data.size)
        for name, quantity, central, sigma in self.terms:
            pull = (_quantity(quantity, data) - central) / sigma
            out[f"pull:{self.name}:{name}"] = pull
            total = total + pull**2
        out[f"chi2:{self.name}"] = total
        return out


# ---------------------------------------------------------------------------
# flavio FastLikelihood
# ---------------------------------------------------------------------------
class FlavioVector(VectorLikelihood):
    """χ² = rᵀ (C_exp + C_SM)⁻¹ r of a FlavioLikelihood, from its covariances.

    With the SM predictions ``sm_values`` (label → value, e.g. the fast path at the SM point)
    the covariances come from the disk cache or the shipped file without flavio (checked as
    FlavioLikelihood checks them); otherwise, or if they are absent, from ``lik.prepare``."""

    def __init__(self, lik, overrides: dict | None = None, sm_values: dict | None = None):
        self.name = lik.name
        self.observables = tuple(lik.observables)
        arrays = stored_covariances(lik, overrides, sm_values) if sm_values else None
        if arrays is None:
            st = lik.prepare(overrides or None)  # flavio: covariances from the disk cache (or built)
            arrays = (np.asarray(st.central, float), np.asarray(st.cov, float),
                      float(st.chi2_sm))
        else:
            central, cov = arrays
            r = np.array([sm_values[o.label] for o in self.observables]) - central
            arrays = (central, cov, float(r @ np.linalg.solve(cov, r)))
        self.central, cov, self.chi2_sm = arrays
        self.sigma = np.sqrt(np.diag(cov))
        self.inverse = np.linalg.inv(cov)

    def evaluate(self, data: PointData) -> dict[str, np.ndarray]:
        pred = np.stack([data.observables[o.label] for o in self.observables], axis=-1)
        r = pred - self.central
        out = {f"chi2:{self.name}": np.einsum("ni,ij,nj->n", r, self.inverse, r)}
        for k, o in enumerate(self.observables):
            out[f"pull:{self.name}:{o.label}"] = r[:, k] / self.sigma[k]
        return out


class PointwiseLikelihood(VectorLikelihood):
    """Any other likelihood: ``evaluate`` at each point (as slow as it is)."""

    def __init__(self, lik):
        self.name, self.lik = lik.name, lik

    def evaluate(self, data: PointData) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {f"chi2:{self.name}": np.full(data.size, math.nan)}
        for i in range(data.size):
            try:
                res = self.lik.evaluate(data.model_point(i))
            except Exception:  # stored as NaN; the point's other results stand
                continue
            out[f"chi2:{self.name}"][i] = res.chi2
            for t in res.terms:
                out.setdefault(f"pull:{self.name}:{t.name}", np.full(data.size, math.nan))[i] = t.pull
        return out


def stored_covariances(lik, overrides: dict | None, sm_values: dict) -> tuple | None:
    """(central (n,), C_exp + C_SM (n, n)) of a FlavioLikelihood in the order of its
    observables, from the disk cache or the shipped covariances (no flavio import); None when
    neither holds them. Checked as :meth:`FlavioLikelihood.prepare` checks them."""
    import json

    from bridge import cache
    from bridge.likelihoods.covariances import (
        parse_exp_covariance,
        parse_sm_covariance,
        shipped_covariances,
    )
    from bridge.likelihoods.flavio_fast import parse_shipped_entry

    if any(o.label not in sm_values for o in lik.observables):
        return None
    (sm_file, sm_key), (exp_file, exp_key) = lik.cache_entries(overrides)
    sm = cache.load(sm_file, sm_key, lambda p: parse_sm_covariance(p, lik.observables, sm_values))
    exp = cache.load(exp_file, exp_key, lambda p: parse_exp_covariance(p, lik.observables))
    if sm is None or exp is None:
        entry = shipped_covariances().get(json.dumps(lik.cache_key(overrides), sort_keys=True))
        if entry is None:
            return None
        try:
            sm, exp = parse_shipped_entry(entry, lik.observables, sm_values)
        except (cache.Invalid, KeyError, TypeError):
            return None  # FlavioLikelihood.prepare reports it and recomputes
    keys = [o.key for o in lik.observables]

    def order(stored):
        pos = {k if not isinstance(k, list) else tuple(k): i for i, k in enumerate(stored["observables"])}
        return np.array([pos[k] for k in keys])

    i_sm, i_exp = order(sm), order(exp)
    cov = exp["covariance"][np.ix_(i_exp, i_exp)] + sm["covariance"][np.ix_(i_sm, i_sm)]
    return np.asarray(exp["central"], float)[i_exp], cov


def vectorise(lik, overrides: dict | None = None, sm_values: dict | None = None) -> list[VectorLikelihood]:
    """Adapters for a likelihood of bridge.likelihoods (a CombinedLikelihood gives several);
    ``sm_values``: SM predictions by observable label (lets FlavioVector skip flavio)."""
    # here, not with the module: a scan worker (which imports this module) never vectorises
    from bridge.likelihoods.flavio_fast import FlavioLikelihood

    if isinstance(lik, CombinedLikelihood):
        return [v for part in lik.parts for v in vectorise(part, overrides, sm_values)]
    if isinstance(lik, FlavioLikelihood):
        return [FlavioVector(lik, overrides, sm_values)]
    if isinstance(lik, GaussianLikelihood) and GaussianVector.supports(lik):
        return [GaussianVector(lik)]
    return [PointwiseLikelihood(lik)]


def direct(lik, data: PointData, ok: np.ndarray) -> dict[str, np.ndarray]:
    """χ² and pulls from ``Likelihood.evaluate`` at each good point (the direct route)."""
    out: dict[str, np.ndarray] = {}
    for i in np.flatnonzero(ok):
        for res in evaluate_all(lik, data.model_point(i)):
            out.setdefault(f"chi2:{res.name}", np.full(data.size, math.nan))[i] = res.chi2
            for t in res.terms:
                out.setdefault(f"pull:{res.name}:{t.name}", np.full(data.size, math.nan))[i] = t.pull
    return out
