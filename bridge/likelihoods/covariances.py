"""The covariances of the flavio likelihoods: the seeded experimental draw, the checks of a
stored covariance (disk cache, shipped file), and the covariances shipped with the package
(bridge/data/flavio_covariances.json, written by
:func:`bridge.likelihoods.flavio_fast.write_shipped_covariances`)."""

from __future__ import annotations

import json

import numpy as np

from bridge import cache
from bridge.likelihoods.data import shipped_entries
from bridge.observable import Observable


def experimental_covariance(ml, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Central values and covariance of the measurements of ``ml`` (a flavio
    MeasurementLikelihood) from ``n`` random draws each, combined by inverse-covariance
    weighting: flavio 2.7.1's ``MeasurementCovariance.compute``, but drawing the measurements
    in sorted order. flavio iterates a ``set`` of names there, whose order changes with
    PYTHONHASHSEED, so even with numpy seeded its result differed between processes."""
    import flavio

    obs = list(ml.observables)
    means, weights = [], []
    for name in sorted(ml.get_measurements):
        m = flavio.Measurement[name]
        ours = set(m.all_parameters) & set(obs)
        draws = m.get_random_all(size=n)
        arr = np.zeros((len(obs), n))
        for i, o in enumerate(obs):
            if o in ours:
                arr[i] = draws[o]
        mean, cov = np.mean(arr, axis=1), np.atleast_2d(np.cov(arr))
        free = [i for i, o in enumerate(obs) if o not in ours]
        cov[free, :] = 0.0
        cov[:, free] = 0.0
        # an unmeasured observable has infinite variance, i.e. zero weight
        weight = np.zeros_like(cov)
        idx = [i for i in range(len(obs)) if i not in free]
        weight[np.ix_(idx, idx)] = np.linalg.inv(cov[np.ix_(idx, idx)])
        means.append(mean)
        weights.append(weight)
    total = np.linalg.inv(np.sum(weights, axis=0))
    central = total @ np.sum([w @ m for w, m in zip(weights, means, strict=True)], axis=0)
    return central, total


def _stored_observables(payload, observables) -> list[Observable]:
    """The observables of a stored covariance, in its order: a permutation of ours."""
    labels = payload.get("observables") if isinstance(payload, dict) else None
    if not isinstance(labels, list) or sorted(map(str, labels)) != sorted(o.label for o in observables):
        raise cache.Invalid("its observables are not those of the likelihood")
    by_label = {o.label: o for o in observables}
    return [by_label[label] for label in labels]


def parse_sm_covariance(payload, observables, sm_values: dict[str, float]) -> dict:
    """A stored SM covariance as flavio's ``load_dict`` takes it, checked: finite, symmetric,
    positive semi-definite, and each σ_th plausible for the SM value (raises cache.Invalid)."""
    stored = _stored_observables(payload, observables)
    cov = cache.covariance(payload.get("covariance"), len(stored), "the SM covariance")
    for i, o in enumerate(stored):
        check_theory_error(o.label, float(np.sqrt(cov[i, i])), sm_values[o.label])
    return {"observables": [o.key for o in stored], "covariance": cov}


def parse_exp_covariance(payload, observables) -> dict:
    """Stored experimental central values and covariance as flavio's ``load_dict`` takes them,
    checked: finite, symmetric, positive semi-definite (raises cache.Invalid)."""
    stored = _stored_observables(payload, observables)
    n = len(stored)
    central = cache.array(payload.get("central"), (n,), "the experimental central values")
    cov = cache.covariance(payload.get("covariance"), n, "the experimental covariance")
    return {"observables": [o.key for o in stored], "central": central, "covariance": cov}


SHIPPED_FILE = "flavio_covariances.json"


def shipped_covariances() -> dict[str, dict]:
    """Covariances shipped with the bridge, by cache key (empty if the file is absent)."""
    return {json.dumps(e["key"], sort_keys=True): e for e in shipped_entries(SHIPPED_FILE) if "key" in e}


#: Largest plausible SM theory uncertainty relative to the SM value: a cached σ_th above it is
#: refused. Today's largest: 10% (B→K*νν̄) in the `bridge run` table, 61% (P5' [1.1,2.5]) in
#: the `flavio` likelihood; an observable whose SM value is 0 (μ→eγ) has σ_th = 0. A bin where
#: an observable crosses zero could exceed it (it would then be recomputed on every use).
THEORY_ERROR_MAX = 10.0
#: Observables exempt from that bound: zero at the SM central values but not over the draws
#: (x12Im_D, CP violation in D mixing: 3e-23 at the centre, σ_th ≈ 6e-6 from the CKM phase).
ZERO_AT_SM_CENTRE = frozenset({"x12Im_D"})


def check_theory_error(label: str, sigma, sm_value: float) -> float:
    """A cached SM uncertainty: a finite number, ≥ 0, at most THEORY_ERROR_MAX × |SM value|
    (raises :class:`bridge.cache.Invalid`)."""
    sigma = cache.real(sigma, f"sigma_th of {label}")
    if sigma < 0:
        raise cache.Invalid(f"sigma_th of {label} is negative ({sigma:g})")
    if sigma > THEORY_ERROR_MAX * abs(sm_value) and label not in ZERO_AT_SM_CENTRE:
        raise cache.Invalid(f"sigma_th of {label} = {sigma:g} is implausible for its SM value "
                            f"{sm_value:g} (more than {THEORY_ERROR_MAX:g} times it)")
    return sigma
