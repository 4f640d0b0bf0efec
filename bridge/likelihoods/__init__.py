"""Named likelihoods of a model point: flavio's data, today's data, the seed papers' own χ².

point (ModelPoint), result (Term, LikelihoodResult), base (Likelihood, CombinedLikelihood,
evaluate_all), gaussian (seed likelihoods), flavio_fast (flavio's FastLikelihood) and
covariances (its covariances: drawn, checked, shipped), smelli,
registry (the named likelihoods), report (format_results). χ² as a function of card entries
is :mod:`bridge.fit` (``bridge.fit.Objective``).
"""

import importlib

#: Where each public name lives. Imported on first use (PEP 562), not with the package: a scan
#: worker unpickles a seed likelihood (gaussian) and imports base and point, and is spared
#: flavio_fast, covariances, registry, constraints, smelli, report (~10 ms with bytecode, several
#: times that where bridge runs from sources that are compiled at every start).
_WHERE = {
    "CombinedLikelihood": "base", "Likelihood": "base", "evaluate_all": "base",
    "experimental_covariance": "covariances", "shipped_covariances": "covariances",
    "FLAVIO_OBSERVABLES": "flavio_fast", "MEASUREMENTS_FLAVIO": "flavio_fast",
    "MEASUREMENTS_TODAY": "flavio_fast", "FlavioLikelihood": "flavio_fast",
    "register_overlay": "flavio_fast", "write_shipped_covariances": "flavio_fast",
    "QUANTITIES": "gaussian", "GaussianLikelihood": "gaussian", "GaussianTerm": "gaussian",
    "seed_coefficients": "gaussian",
    "ModelPoint": "point", "as_point": "point",
    "REGISTRY": "registry", "get_likelihood": "registry", "get_likelihoods": "registry",
    "names": "registry",
    "format_results": "report",
    "LikelihoodResult": "result", "Term": "result", "merge_results": "result",
    "SmelliLikelihood": "smelli",
}

__all__ = [
    "FLAVIO_OBSERVABLES", "MEASUREMENTS_FLAVIO", "MEASUREMENTS_TODAY", "QUANTITIES", "REGISTRY",
    "CombinedLikelihood", "FlavioLikelihood", "GaussianLikelihood", "GaussianTerm", "Likelihood",
    "LikelihoodResult", "ModelPoint", "SmelliLikelihood", "Term", "as_point", "evaluate_all",
    "experimental_covariance", "format_results", "get_likelihood", "get_likelihoods", "merge_results",
    "names", "register_overlay", "seed_coefficients", "shipped_covariances", "write_shipped_covariances",
]


def __getattr__(name: str):
    """A public name of :data:`_WHERE` from its module, or a submodule, imported now (a name is
    kept here)."""
    where = _WHERE.get(name)
    if where is None:
        # a submodule (``bridge.likelihoods.registry``), an attribute as when the package
        # imported them all
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
