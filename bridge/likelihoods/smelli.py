"""smelli's global likelihood in WET (optional: ``pip install smelli``).

Aebischer, Kumar, Stangl, Straub, arXiv:1810.07698: χ² = −2 Δlog L against the SM
(χ²_SM = 0), ~10 s per point.
"""

from __future__ import annotations

import math

from bridge.errors import InputError
from bridge.likelihoods.base import Likelihood
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.result import LikelihoodResult, Term


class SmelliLikelihood(Likelihood):
    """smelli's GlobalLikelihood in WET (optional dependency; ~10 s per point).

    χ² is −2 Δlog L relative to the SM, so χ²_SM = 0 and Δχ² = 2 Δlog L (> 0: better than
    the SM, smelli's sign); one term per smelli likelihood file, whose ``chi2`` is its
    −2 Δlog L and which has no central value, σ or pull (a sub-likelihood of many
    observables has none); no p-value (the result is ``relative``). −inf (ecosystem.md T8)
    is clipped to 1e6.
    """

    needs_flavio = True
    cost = "~10-13 s per point, ~10 s and 1 GB to construct (pip install smelli)"

    def __init__(self):
        self.name = "smelli"
        self.description = "smelli global likelihood in WET (optional: pip install smelli)"
        self.references = ("Aebischer, Kumar, Stangl, Straub, arXiv:1810.07698",)
        self._gl = None

    def __getstate__(self):
        return {**self.__dict__, "_gl": None}

    def constrains(self) -> set[str]:
        return {"*"}  # smelli's global likelihood holds every flavour observable

    @staticmethod
    def available() -> bool:
        import importlib.util

        return importlib.util.find_spec("smelli") is not None

    def prepare(self, overrides=None):
        if not self.available():
            raise InputError("likelihood smelli needs smelli: pip install smelli")
        if self._gl is None:
            from bridge.progress import task

            with task("building smelli's global likelihood (once per process, ~1 GB)", expected=85.0):
                import smelli

                self._gl = smelli.GlobalLikelihood(eft="WET", basis="flavio")
        return self._gl

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        from bridge.flavio_setup import make_wilson

        gl = self.prepare()
        pp = gl.parameter_point(make_wilson(point.coefficients, point.scale))
        terms = []
        for name, dll in sorted(pp.log_likelihood_dict().items()):
            if name == "global":
                continue
            d = float(-2.0 * dll) if math.isfinite(dll) else 1e6
            terms.append(Term(name, None, None, None, None, d, f"smelli: 2 Delta log L = {-d:+.4g}"))
        total = float(sum(t.chi2 for t in terms))
        glob = pp.log_likelihood_global()
        if math.isfinite(glob):
            total = float(-2.0 * glob)
        return LikelihoodResult(self.name, total, 0.0, terms,
                                ["chi2 = -2 Delta log L relative to the SM (smelli's global "
                                 "likelihood; chi2_SM = 0 by construction)"], relative=True)
