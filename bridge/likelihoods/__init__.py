"""Named likelihoods of a model point: flavio's data, today's data, the seed papers' own χ².

point (ModelPoint), result (Term, LikelihoodResult), base (Likelihood, CombinedLikelihood,
evaluate_all), gaussian (seed likelihoods), flavio_fast (flavio's FastLikelihood) and
covariances (its covariances: drawn, checked, shipped), smelli,
registry (the named likelihoods), report (format_results). χ² as a function of card entries
is :mod:`bridge.fit` (``bridge.fit.Objective``).
"""

from bridge.likelihoods.base import CombinedLikelihood, Likelihood, evaluate_all
from bridge.likelihoods.covariances import experimental_covariance, shipped_covariances
from bridge.likelihoods.flavio_fast import (
    FLAVIO_OBSERVABLES,
    MEASUREMENTS_FLAVIO,
    MEASUREMENTS_TODAY,
    FlavioLikelihood,
    register_overlay,
    write_shipped_covariances,
)
from bridge.likelihoods.gaussian import QUANTITIES, GaussianLikelihood, GaussianTerm, seed_coefficients
from bridge.likelihoods.point import ModelPoint, as_point
from bridge.likelihoods.registry import REGISTRY, get_likelihood, get_likelihoods, names
from bridge.likelihoods.report import format_results
from bridge.likelihoods.result import LikelihoodResult, Term, merge_results
from bridge.likelihoods.smelli import SmelliLikelihood

__all__ = [
    "FLAVIO_OBSERVABLES", "MEASUREMENTS_FLAVIO", "MEASUREMENTS_TODAY", "QUANTITIES", "REGISTRY",
    "CombinedLikelihood", "FlavioLikelihood", "GaussianLikelihood", "GaussianTerm", "Likelihood",
    "LikelihoodResult", "ModelPoint", "SmelliLikelihood", "Term", "as_point", "evaluate_all",
    "experimental_covariance", "format_results", "get_likelihood", "get_likelihoods", "merge_results",
    "names", "register_overlay", "seed_coefficients", "shipped_covariances", "write_shipped_covariances",
]
