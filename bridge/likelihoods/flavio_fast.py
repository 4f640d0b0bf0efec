"""flavio's FastLikelihood over the bridge's observables and measurement sets.

``flavio`` and ``flavio-2.7.1`` (see :mod:`bridge.likelihoods.registry`): flavio's
FastLikelihood for the observables of :data:`FLAVIO_OBSERVABLES` (the ``bridge run`` table
plus b→sμμ branching ratios and P5'), with the measurements of :data:`MEASUREMENTS_TODAY`
(flavio 2.7.1's data plus ``bridge/data/measurements.yml``: Belle II 2023 B⁺→K⁺νν̄,
arXiv:2311.14647; MEG II 2025 μ→eγ, arXiv:2504.15711, which replaces MEG 2016) or of
:data:`MEASUREMENTS_FLAVIO`. Theory and experimental uncertainties are combined into one
multivariate Gaussian (SM covariance from N seeded parameter draws, experimental covariance
from Nexp seeded draws). Both covariances are cached on disk (:mod:`bridge.cache`), keyed by
flavio version, observables, measurements, the overlay file, N, Nexp, seed and SMINPUTS
overrides, so only the first use pays (~3–5 min for N = 100 on 2 busy cores); a point then
costs ~1–3 s. The covariances of the default configurations (flavio 2.7.1, N = 100,
Nexp = 5000, seed 1, no overrides) ship in ``bridge/data/flavio_covariances.json``
(:func:`write_shipped_covariances`), so even the first use is fast with those settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge import cache
from bridge.errors import InputError
from bridge.likelihoods.base import Likelihood
from bridge.likelihoods.covariances import (
    SHIPPED_FILE,
    experimental_covariance,
    parse_exp_covariance,
    parse_sm_covariance,
    shipped_covariances,
)
from bridge.likelihoods.data import DATA_DIR, data_file, data_text
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.result import LikelihoodResult, Term
from bridge.observable import Observable

#: Observables whose terms are shown relative to flavio's SM prediction.
SHIFTED = {"a_mu": "Delta a_mu (a_mu - SM)"}


def _obs(name, *q2) -> Observable:
    return Observable(name, q2)


#: Observables of the ``flavio`` likelihoods: those of ``bridge run`` (R_K, R_K* in the bins
#: of LHCb 2022, B→X_sγ, ΔM_s, B→K(*)νν̄, B_s→μμ, a_μ, μ→eγ) plus b→sμμ: the wide-bin
#: branching ratios [1.1,6] and high q² of B⁺→K⁺μμ, B⁰→K*⁰μμ, B_s→φμμ (LHCb) and P5' of
#: B⁰→K*⁰μμ in the bins of LHCb 2020 where the anomaly sits. 21 observables, ~1–3 s per point.
FLAVIO_OBSERVABLES = (
    _obs("<Rmue>(B+->Kll)", 0.1, 1.1), _obs("<Rmue>(B+->Kll)", 1.1, 6.0),
    _obs("<Rmue>(B0->K*ll)", 0.1, 1.1), _obs("<Rmue>(B0->K*ll)", 1.1, 6.0),
    _obs("BR(B->Xsgamma)"), _obs("DeltaM_s"),
    _obs("BR(B+->Knunu)"), _obs("BR(B0->K*nunu)"),
    _obs("BR(Bs->mumu)"), _obs("a_mu"), _obs("BR(mu->egamma)"),
    _obs("<dBR/dq2>(B+->Kmumu)", 1.1, 6.0), _obs("<dBR/dq2>(B+->Kmumu)", 15.0, 22.0),
    _obs("<dBR/dq2>(B0->K*mumu)", 1.1, 6.0), _obs("<dBR/dq2>(B0->K*mumu)", 15.0, 19.0),
    _obs("<dBR/dq2>(Bs->phimumu)", 1.1, 6.0), _obs("<dBR/dq2>(Bs->phimumu)", 15.0, 19.0),
    _obs("<P5p>(B0->K*mumu)", 1.1, 2.5), _obs("<P5p>(B0->K*mumu)", 2.5, 4.0),
    _obs("<P5p>(B0->K*mumu)", 4.0, 6.0), _obs("<P5p>(B0->K*mumu)", 15.0, 19.0),
)

#: One measurement (or one set of independent ones) per observable, so nothing counts twice:
#: flavio 2.7.1 holds several overlapping B_s→μμ combinations and R_K updates.
MEASUREMENTS_FLAVIO = (
    "LHCb RK RK* 2022",  # R_K, R_K* [0.1,1.1], [1.1,6] (arXiv:2212.09152)
    "B->Xgamma WA 2017",  # Misiak et al. world average
    "HFAG osc summer 2015",  # ΔM_s
    # B→K(*)νν̄: the four Belle/BaBar analyses smelli uses (measurements_bqnunu.yaml)
    "Belle B->hnunu SL 2017", "Belle B->hnunu had 2013", "BaBar B->Knunu had 2013",
    "BaBar B->Knunu SL 2010",
    "GSSS combination Bs->mumu 2022",  # Greljo, Salko, Smolkovic, Stangl combination
    "FNAL g-2 combination 2025",  # a_μ, with flavio's WP25 SM value
    "PDG 2017 mu LFV",  # MEG 2016: BR(μ→eγ) < 4.2e-13
    "LHCb B+->Kmumu BR 2014", "LHCb B0->K*mumu BR 2016", "LHCb Bs->phimumu BR 2021",
    "LHCb B->K*mumu 2020 P 1.1-2.5", "LHCb B->K*mumu 2020 P 2.5-4", "LHCb B->K*mumu 2020 P 4-6",
    "LHCb B->K*mumu 2020 P 15-19",
)
#: The bridge's overlay (bridge/data/measurements.yml): Belle II 2023 joins the Belle/BaBar
#: B→Kνν̄ analyses; MEG II 2025 replaces MEG 2016.
OVERLAY_FILE = "measurements.yml"
MEASUREMENTS_TODAY = (*(m for m in MEASUREMENTS_FLAVIO if m != "PDG 2017 mu LFV"),
                      "Belle II B+->Knunu 2023", "MEG II mu->egamma 2025")

#: flavio's own warning that a multi-bin measurement is marginalised over the bins not
#: used: exact for FastLikelihood, whose experimental covariance is sampled from the full
#: distribution and then restricted to the observables used.
_PROFILE_WARNING = r".*of the measurements in the likelihood constrain both"


def register_overlay(name: str = OVERLAY_FILE) -> list[str]:
    """Register the measurements of bridge/data/measurements.yml (or another file of
    bridge/data) with flavio, after the observables the bridge adds (idempotent)."""
    import flavio

    from bridge.flavio_setup import register_observables

    register_observables()
    with data_file(name) as p:
        names = flavio.measurements.read_file(str(p))
    return list(names)


@dataclass
class _FlavioState:
    """A built FastLikelihood and the arrays the bridge evaluates with."""

    fast: object  # flavio.statistics.likelihood.FastLikelihood
    par: dict
    central: np.ndarray
    cov_exp: np.ndarray
    cov_sm: np.ndarray
    cov: np.ndarray
    sm_predictions: np.ndarray
    chi2_sm: float
    measurements: dict  # observable key → measurement names
    cache_files: tuple[str, str]
    cold: bool  # the covariances were drawn now
    seconds: float
    shipped: bool = False  # ... or taken from bridge/data/flavio_covariances.json


def parse_shipped_entry(entry: dict, observables, sm_values: dict[str, float]) -> tuple[dict, dict]:
    """(SM covariance, experimental covariance) of one entry of the shipped covariance file,
    checked as cache entries are (raises cache.Invalid, KeyError or TypeError)."""
    obs = entry["observables"]
    sm = parse_sm_covariance({"observables": obs, "covariance": entry["sm_covariance"]},
                             observables, sm_values)
    exp = parse_exp_covariance({"observables": obs, "central": entry["exp_central"],
                                "covariance": entry["exp_covariance"]}, observables)
    return sm, exp


class FlavioLikelihood(Likelihood):
    """flavio's FastLikelihood over ``observables`` with ``measurements``.

    ``samples`` (N) and ``exp_samples`` (Nexp) are flavio's ``make_measurement`` sample
    sizes; both draws are seeded with ``seed`` (numpy's global RNG, restored afterwards),
    and the two covariances are cached on disk, so a result reproduces exactly.
    """

    needs_flavio = True

    def __init__(self, name: str, observables=FLAVIO_OBSERVABLES, measurements=MEASUREMENTS_TODAY,
                 *, overlay: bool = True, samples: int = 100, exp_samples: int = 5000, seed: int = 1,
                 threads: int = 1, description: str = "", references: tuple[str, ...] = (),
                 extra_overlays: tuple[str, ...] = ()):
        self.name = name
        self.observables = tuple(observables)
        self.measurements = tuple(measurements)
        self.overlay = overlay
        self.extra_overlays = tuple(extra_overlays)  # more measurement files of bridge/data
        self.samples, self.exp_samples, self.seed, self.threads = samples, exp_samples, seed, threads
        self.description = description or f"flavio FastLikelihood, {len(self.observables)} observables"
        self.references = references
        self._states: dict[str, _FlavioState] = {}
        self._experimental: dict | None = None

    @property
    def cost(self) -> str:
        """Per point, and what the first use costs: nothing if the package ships these
        covariances, else their draws (measured ~2.4 s per SM draw of 21 observables)."""
        if self.is_shipped():
            first = "shipped with the package"
        else:
            minutes = (2.4 * self.samples * len(self.observables) / 21 + 10) / 60
            first = (f"computed on first use (~{max(1, round(minutes))} min, more on a busy "
                     "machine) and cached")
        return f"~1-3 s per point; covariances (N={self.samples}): {first}"

    def is_shipped(self, overrides: dict | None = None) -> bool:
        """Whether bridge/data/flavio_covariances.json holds this likelihood's covariances."""
        return json.dumps(self.cache_key(overrides), sort_keys=True) in shipped_covariances()

    # pickling (T4 of ecosystem.md): flavio's pseudo-measurement lives in a per-process
    # registry, so a worker rebuilds the state (from the disk cache) instead of unpickling it
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_states"] = {}
        state["_experimental"] = None
        return state

    def with_options(self, **options) -> FlavioLikelihood:
        """A copy with other sample sizes, seed or threads (e.g. small N in tests)."""
        kw = dict(observables=self.observables, measurements=self.measurements, overlay=self.overlay,
                  samples=self.samples, exp_samples=self.exp_samples, seed=self.seed,
                  threads=self.threads, description=self.description, references=self.references,
                  extra_overlays=self.extra_overlays)
        kw.update(options)
        return FlavioLikelihood(self.name, **kw)

    def constrains(self) -> set[str]:
        labels = {o.label for o in self.observables}
        return labels | ({"Delta_a_mu"} if "a_mu" in labels else set())

    def describe(self) -> list[str]:
        lines = [f"observable {o.label}" for o in self.observables]
        lines += [f"measurement {m}" for m in self.measurements]
        return lines

    def cache_key(self, overrides: dict | None = None) -> dict:
        from bridge.versions import installed

        ident = {"flavio": installed("flavio"), "observables": [o.label for o in self.observables],
                 "measurements": sorted(self.measurements), "N": self.samples,
                 "Nexp": self.exp_samples, "seed": self.seed,
                 "overrides": {k: float(v) for k, v in sorted((overrides or {}).items())}}
        if self.overlay:
            ident["overlay_sha256"] = hashlib.sha256(data_text(OVERLAY_FILE).encode()).hexdigest()
        if self.extra_overlays:
            ident["extra_overlays_sha256"] = {
                f: hashlib.sha256(data_text(f).encode()).hexdigest() for f in self.extra_overlays}
        return ident

    def cache_entries(self, overrides: dict | None = None) -> tuple[tuple[Path, dict], tuple[Path, dict]]:
        """(file, key) of the SM and of the experimental covariance in the disk cache."""
        key = self.cache_key(overrides)
        base = cache.entry_path("flavio-likelihood", key, "")
        return ((base.with_name(base.name + ".sm.json"), {**key, "part": "sm"}),
                (base.with_name(base.name + ".exp.json"), {**key, "part": "exp"}))

    def cache_files(self, overrides: dict | None = None) -> tuple[Path, Path]:
        (sm_file, _), (exp_file, _) = self.cache_entries(overrides)
        return sm_file, exp_file

    def prepare(self, overrides: dict | None = None) -> _FlavioState:
        key = json.dumps(overrides or {}, sort_keys=True)
        if key not in self._states:
            from bridge.progress import task

            with task(f"preparing likelihood {self.name} (flavio SM predictions, covariances; "
                      "once per process)"), self._enumerating():
                self._states[key] = self._build(overrides or {})
        return self._states[key]

    def _enumerating(self):
        """flavio enumerates only this likelihood's measurements (and those already read):
        its FastLikelihood keeps no others (:func:`bridge.flavio_setup.enumerating_only`)."""
        from bridge.flavio_setup import enumerating_only

        return enumerating_only(self.measurements)

    def _build(self, overrides: dict) -> _FlavioState:
        import flavio
        from flavio.statistics.likelihood import FastLikelihood

        from bridge.flavio_setup import parameter_constraints

        start = time.perf_counter()
        if self.overlay:
            register_overlay()
        for extra in self.extra_overlays:
            register_overlay(extra)
        missing = [m for m in self.measurements if m not in flavio.Measurement.instances]
        if missing:
            raise InputError(f"likelihood {self.name}: flavio {flavio.__version__} has no "
                             f"measurement {missing[0]!r}")
        par_obj = parameter_constraints(overrides)
        par = par_obj.get_central_all()
        sm_pred = np.array([_predict(o, par, flavio.WilsonCoefficients()) for o in self.observables])
        sm_values = {o.label: float(v) for o, v in zip(self.observables, sm_pred, strict=True)}
        keys = [o.key for o in self.observables]
        (sm_file, sm_key), (exp_file, exp_key) = self.cache_entries(overrides)
        digest = sm_file.name.split(".")[0].rsplit("-", 1)[-1]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PROFILE_WARNING)
            fast = FastLikelihood(f"bridge {self.name} {digest}", par_obj=par_obj, observables=keys,
                                  include_measurements=list(self.measurements))
        sm_cov = cache.load(sm_file, sm_key, lambda p: parse_sm_covariance(p, self.observables, sm_values))
        exp_cov = cache.load(exp_file, exp_key, lambda p: parse_exp_covariance(p, self.observables))
        cold = sm_cov is None or exp_cov is None
        if not cold:
            fast.sm_covariance.load_dict(sm_cov)
            fast.exp_covariance.load_dict(exp_cov)
        shipped = False
        if cold:
            shipped = self._load_shipped(fast, overrides, sm_values)
        if cold and not shipped:
            print(f"bridge: computing the covariances of likelihood {self.name} (N={self.samples}, "
                  "first use only; minutes)", file=sys.stderr)
            from bridge.progress import task

            # measured: ~2.4 s per SM draw of the 21 observables on a busy 2-core machine
            with task(f"covariances of likelihood {self.name} (first use only)",
                      expected=2.4 * self.samples * len(self.observables) / 21 + 10):
                self._compute_covariances(fast)
        fast.make_measurement()  # both covariances are present: nothing is drawn here
        central, cov_exp = fast.exp_covariance.get(force=False)
        cov_sm = np.atleast_2d(fast.sm_covariance.get(force=False))
        central, cov_exp = np.atleast_1d(central), np.atleast_2d(cov_exp)
        if cold:  # stored in flavio's order of the observables, as flavio returns them
            sm_labels = [Observable.from_key(k).label for k in fast.sm_covariance.observables]
            exp_labels = [Observable.from_key(k).label
                          for k in fast.exp_covariance.measurement_likelihood.observables]
            cache.store(sm_file, sm_key, {"observables": sm_labels, "covariance": cov_sm.tolist()})
            cache.store(exp_file, exp_key, {"observables": exp_labels, "central": central.tolist(),
                                            "covariance": cov_exp.tolist()})
        cov = cov_exp + cov_sm
        resid = sm_pred - central
        chi2_sm = float(resid @ np.linalg.solve(cov, resid))
        used = fast.full_measurement_likelihood.get_measurements
        measured = {o.key: sorted(m for m in used if o.key in flavio.Measurement[m].all_parameters)
                    for o in self.observables}
        return _FlavioState(fast, par, central, cov_exp, cov_sm, cov, sm_pred, chi2_sm, measured,
                            (str(sm_file), str(exp_file)), cold and not shipped,
                            time.perf_counter() - start, shipped)

    def _load_shipped(self, fast, overrides: dict, sm_values: dict[str, float]) -> bool:
        """Fill the covariances from bridge/data/flavio_covariances.json if it has this key
        (checked as a cache entry is)."""
        entry = shipped_covariances().get(json.dumps(self.cache_key(overrides), sort_keys=True))
        if entry is None:
            return False
        try:
            sm_cov, exp_cov = parse_shipped_entry(entry, self.observables, sm_values)
        except (cache.Invalid, KeyError, TypeError) as exc:
            cache.warn(DATA_DIR / SHIPPED_FILE, f"entry of likelihood {self.name}: {exc}")
            return False
        fast.sm_covariance.load_dict(sm_cov)
        fast.exp_covariance.load_dict(exp_cov)
        return True

    def experimental(self) -> dict:
        """The experimental side alone (no SM covariance, no FastLikelihood): central values
        and covariance of the combined measurements, and the measurements of each observable
        ({"index": label → i, "central", "covariance", "measurements": label → names}).
        From the disk cache or the shipped file, else drawn now as :meth:`prepare` draws them
        (seconds) and cached. It does not depend on SMINPUTS overrides."""
        if self._experimental is not None:
            return self._experimental
        import flavio

        if self.overlay:
            register_overlay()
        missing = [m for m in self.measurements if m not in flavio.Measurement.instances]
        if missing:
            raise InputError(f"likelihood {self.name}: flavio {flavio.__version__} has no "
                             f"measurement {missing[0]!r}")
        _, (exp_file, exp_key) = self.cache_entries(None)
        exp = cache.load(exp_file, exp_key, lambda p: parse_exp_covariance(p, self.observables))
        if exp is None:
            entry = shipped_covariances().get(json.dumps(self.cache_key(None), sort_keys=True))
            try:
                exp = entry and parse_exp_covariance(
                    {"observables": entry["observables"], "central": entry["exp_central"],
                     "covariance": entry["exp_covariance"]}, self.observables)
            except (cache.Invalid, KeyError, TypeError) as exc:
                cache.warn(DATA_DIR / SHIPPED_FILE, f"entry of likelihood {self.name}: {exc}")
                exp = None
        if not exp:
            with self._enumerating():
                exp = self._draw_experimental()
            cache.store(exp_file, exp_key, {
                "observables": [Observable.from_key(k).label for k in exp["observables"]],
                "central": np.asarray(exp["central"]).tolist(),
                "covariance": np.asarray(exp["covariance"]).tolist()})
        labels = [Observable.from_key(k).label for k in exp["observables"]]
        measured = {o.label: sorted(m for m in self.measurements
                                    if o.key in flavio.Measurement[m].all_parameters)
                    for o in self.observables}
        self._experimental = {"index": {label: i for i, label in enumerate(labels)},
                              "central": np.asarray(exp["central"], float),
                              "covariance": np.asarray(exp["covariance"], float),
                              "measurements": measured}
        return self._experimental

    def _draw_experimental(self) -> dict:
        """The seeded experimental draw of :meth:`_compute_covariances`, alone."""
        from flavio.statistics.likelihood import MeasurementLikelihood

        keys = [o.key for o in self.observables]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PROFILE_WARNING)
            ml = MeasurementLikelihood(keys, include_measurements=list(self.measurements))
        state = np.random.get_state()
        try:
            np.random.seed(self.seed)
            central, cov = experimental_covariance(ml, self.exp_samples)
        finally:
            np.random.set_state(state)
        return {"observables": keys, "central": central, "covariance": cov}

    def shipped_entry(self, overrides: dict | None = None) -> dict:
        """This likelihood's covariances as an entry of bridge/data/flavio_covariances.json."""
        st = self.prepare(overrides)
        return {"key": self.cache_key(overrides), "observables": [o.label for o in self.observables],
                "sm_covariance": st.cov_sm.tolist(), "exp_central": st.central.tolist(),
                "exp_covariance": st.cov_exp.tolist()}

    def _compute_covariances(self, fast) -> None:
        """What flavio's make_measurement draws (experiment first, then SM), with numpy's
        global RNG seeded (and restored) and the measurements in a fixed order."""
        keys = [o.key for o in self.observables]
        state = np.random.get_state()
        try:
            np.random.seed(self.seed)
            central, cov = experimental_covariance(fast.full_measurement_likelihood, self.exp_samples)
            fast.exp_covariance.load_dict({"observables": keys, "central": central, "covariance": cov})
            fast.sm_covariance.get(N=self.samples, threads=self.threads, force=True)
        finally:
            np.random.set_state(state)

    def evaluate(self, point: ModelPoint) -> LikelihoodResult:
        from bridge.flavio_setup import make_wilson

        st = self.prepare(point.overrides)
        w = make_wilson(point.coefficients, point.scale)
        # flavio sets this option itself and thereby empties wilson's cache once per point
        w.set_option("parameters", {k: st.par[k] for k in ("Vus", "Vcb", "Vub", "gamma")})
        with self._enumerating():
            loglike = st.fast.log_likelihood(st.par, w, delta=True)
        preds = st.fast.likelihood.measurement_likelihood.get_predictions_par(st.par, w)
        pred = np.array([float(preds[o.key]) for o in self.observables])
        sigma = np.sqrt(np.diag(st.cov))
        pulls = (pred - st.central) / sigma
        terms = []
        for i, o in enumerate(self.observables):
            # a_mu is shown as a_mu - a_mu^SM (flavio's SM value), as in `bridge run`
            shift = float(st.sm_predictions[i]) if o.name in SHIFTED else 0.0
            terms.append(Term(SHIFTED.get(o.name, o.label), float(pred[i]) - shift,
                              float(st.central[i]) - shift, float(sigma[i]), float(pulls[i]), None,
                              ", ".join(st.measurements[o.key]), sm=float(st.sm_predictions[i]) - shift))
        notes = ["correlated Gaussian (flavio FastLikelihood): pull = (prediction - central)/sigma "
                 "with sigma^2 = experiment + SM theory; chi2 includes the correlations",
                 "one-sided limits (mu->e gamma, B->K* nu nu) enter as Gaussians with the mean and "
                 "spread of their distribution (FastLikelihood), so a zero prediction has a pull",
                 f"covariances N={self.samples}, Nexp={self.exp_samples}, seed={self.seed}"]
        return LikelihoodResult(self.name, float(-2.0 * loglike), st.chi2_sm, terms, notes)

    def chi2_direct(self, point: ModelPoint) -> float:
        """χ² = rᵀ C⁻¹ r from the cached arrays (a cross-check of flavio's own value)."""
        st = self.prepare(point.overrides)
        res = self.evaluate(point)
        r = np.array([t.prediction - t.central for t in res.terms])
        return float(r @ np.linalg.solve(st.cov, r))


def write_shipped_covariances(likelihoods: Iterable[FlavioLikelihood] | None = None,
                              path: str | os.PathLike | None = None) -> Path:
    """Compute (or take from the disk cache) the default covariances of :data:`SHIPPED`
    (``flavio``, ``flavio-2.7.1``, ``flavio-lfv``, ``flavio-lfv-projected``, ``flavio-quark``,
    ``flavio-bsmumu``) and write them to the package's data file, so that a new installation
    skips the slow first step. Run after changing the observables, measurements, overlay or
    flavio version: ``python -c "from bridge.likelihoods import write_shipped_covariances as w; w()"``."""
    likelihoods = [f() for f in SHIPPED] if likelihoods is None else list(likelihoods)
    entries = [lik.shipped_entry() for lik in likelihoods]
    doc = {"description": "flavio FastLikelihood covariances of the bridge's default flavio "
                          "likelihoods (bridge.likelihoods.write_shipped_covariances); used when "
                          "the key matches exactly", "entries": entries}
    path = Path(path) if path else DATA_DIR / SHIPPED_FILE
    path.write_text(json.dumps(doc, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _predict(obs: Observable, par: dict, wc) -> float:
    import flavio

    return float(flavio.Observable[obs.name].prediction_par(par, wc, *obs.args))


_REFS_FLAVIO = ("Straub, flavio: a Python package for flavour and precision phenomenology, "
                "arXiv:1810.08132",)


def flavio_today() -> FlavioLikelihood:
    """``flavio``: flavio 2.7.1's data with the bridge's overlay (Belle II 2023, MEG II 2025)."""
    return FlavioLikelihood(
        "flavio", FLAVIO_OBSERVABLES, MEASUREMENTS_TODAY, overlay=True,
        description="flavio FastLikelihood, 21 observables (R_K(*), b->s gamma, Delta M_s, "
                    "B->K(*)nunu, Bs->mumu, a_mu, mu->e gamma, b->s mumu BRs, P5'), flavio 2.7.1 "
                    "data + Belle II 2023 B->K nunu + MEG II 2025 mu->e gamma",
        references=(*_REFS_FLAVIO, "Belle II, arXiv:2311.14647", "MEG II, arXiv:2504.15711"))


def flavio_2_7_1() -> FlavioLikelihood:
    """``flavio-2.7.1``: the same observables with flavio 2.7.1's measurements only."""
    return FlavioLikelihood(
        "flavio-2.7.1", FLAVIO_OBSERVABLES, MEASUREMENTS_FLAVIO, overlay=False,
        description="as flavio, with flavio 2.7.1's measurements only (MEG 2016, no Belle II)",
        references=_REFS_FLAVIO)


#: Charged-lepton flavour violation (issue 16): μ→3e, μ–e conversion in Au and Ti, τ→μγ, τ→eγ,
#: τ→3μ, τ→3e. μ→eγ is in ``flavio`` (MEG II 2025) and not here, so the two combine
#: without counting it twice.
LFV_OBSERVABLES = (
    _obs("BR(mu->eee)"), _obs("CR(mu->e, Au)"), _obs("CR(mu->e, Ti)"),
    _obs("BR(tau->mugamma)"), _obs("BR(tau->egamma)"), _obs("BR(tau->mumumu)"), _obs("BR(tau->eee)"),
)
#: One limit per observable (single-observable entries of the overlay where flavio's bundle
#: several): SINDRUM 1988, SINDRUM II 2006 (Au) and 1993 (Ti), Belle 2021 (τ→μγ), BaBar 2010
#: (τ→eγ), Belle II 2024 (τ→3μ), Belle 2010 (τ→3e).
LFV_MEASUREMENTS = (
    "SINDRUM mu->3e 1988", "Sindrum II Au 2006", "Sindrum II Ti 1993", "Belle tau->mugamma 2021",
    "BaBar tau->egamma 2010", "Belle II tau->3mu 2024", "Belle tau->3e 2010",
)
#: The coming μ–e experiments (bridge/data/measurements_projected.yml): Mu2e Run I (Al), Mu3e
#: phase I, MEG II design, with the current τ limits. Replaces ``flavio-lfv``; combine it with
#: ``flavio-quark`` but not with ``flavio`` (which holds today's μ→eγ).
LFV_PROJECTED_OBSERVABLES = (_obs("BR(mu->egamma)"), _obs("BR(mu->eee)"), _obs("CR(mu->e, Al)"),
                             *LFV_OBSERVABLES[3:])
LFV_PROJECTED_MEASUREMENTS = ("MEG II design projected", "Mu3e phase I projected",
                              "Mu2e Run I projected", *LFV_MEASUREMENTS[3:])
PROJECTED_FILE = "measurements_projected.yml"
#: Quark flavour beyond b→s (issue 16): B_d mixing (ΔM_d, S_ψK), B⁰→μμ, B⁺→π⁺μμ (LHCb 2015
#: bins), ε_K, K⁺→π⁺νν̄, K_L→π⁰νν̄, and the CP-violating D-mixing x12Im_D. ΔM_K is left out
#: (flavio predicts only its short-distance part; the `bridge run` table shows it).
QUARK_OBSERVABLES = (
    _obs("DeltaM_d"), _obs("S_psiK"), _obs("BR(B0->mumu)"),
    _obs("<dBR/dq2>(B+->pimumu)", 2.0, 4.0), _obs("<dBR/dq2>(B+->pimumu)", 4.0, 6.0),
    _obs("<dBR/dq2>(B+->pimumu)", 15.0, 22.0),
    _obs("eps_K"), _obs("BR(K+->pinunu)"), _obs("BR(KL->pinunu)"), _obs("x12Im_D"),
)
QUARK_MEASUREMENTS = (
    "HFAG osc summer 2015",  # ΔM_d (its ΔM_s is the `flavio` likelihood's)
    "HFLAV UT 2023",  # S_ψK
    "GSSS combination Bs->mumu 2022",  # BR(B⁰→μμ), marginalised over B_s→μμ
    "LHCb B->pimumu 2015",
    "PDG kaon CPV",  # ε_K
    "K+->pinunu E949 2009", "NA62 K+->pinunu 2024",  # independent experiments
    "KOTO KL->pi0nunu 2024",
    "HFLAV D mixing 2019",  # x12Im_D
)


def flavio_lfv() -> FlavioLikelihood:
    """``flavio-lfv``: charged-lepton flavour violation with today's limits."""
    return FlavioLikelihood(
        "flavio-lfv", LFV_OBSERVABLES, LFV_MEASUREMENTS, overlay=True,
        description="flavio FastLikelihood, 7 LFV observables (mu->3e, mu-e conversion Au/Ti, "
                    "tau->mu gamma, tau->e gamma, tau->3mu, tau->3e); mu->e gamma is in `flavio`",
        references=(*_REFS_FLAVIO, "SINDRUM, Nucl. Phys. B299 (1988) 1",
                    "SINDRUM II, Eur. Phys. J. C47 (2006) 337", "SINDRUM II, Phys. Lett. B317 (1993) 631",
                    "Belle, arXiv:2103.12994", "BaBar, arXiv:0908.2381", "Belle II, arXiv:2405.07386",
                    "Belle, arXiv:1001.3221"))


def flavio_lfv_projected() -> FlavioLikelihood:
    """``flavio-lfv-projected``: the LFV likelihood with the coming μ experiments' reach."""
    return FlavioLikelihood(
        "flavio-lfv-projected", LFV_PROJECTED_OBSERVABLES, LFV_PROJECTED_MEASUREMENTS,
        overlay=True, extra_overlays=(PROJECTED_FILE,),
        description="projected: MEG II design (mu->e gamma < 6e-14), Mu3e phase I (mu->3e < "
                    "4.6e-15), Mu2e Run I (CR(Al) < 6.2e-16) + today's tau limits; use instead "
                    "of flavio-lfv and without `flavio` (mu->e gamma)",
        references=(*_REFS_FLAVIO, "MEG II, arXiv:1801.04688", "Mu3e, arXiv:2009.11690",
                    "Mu2e, arXiv:2210.11380", "COMET, arXiv:1812.09018 (in the file, not used)"))


def flavio_quark() -> FlavioLikelihood:
    """``flavio-quark``: quark flavour beyond b→s."""
    return FlavioLikelihood(
        "flavio-quark", QUARK_OBSERVABLES, QUARK_MEASUREMENTS, overlay=True,
        description="flavio FastLikelihood, 10 observables beyond b->s (Delta M_d, S_psiK, "
                    "B0->mumu, B+->pi mu mu, eps_K, K+->pi+ nu nu, KL->pi0 nu nu, x12Im_D)",
        references=(*_REFS_FLAVIO, "NA62, arXiv:2412.12015", "KOTO, arXiv:2411.11237",
                    "HFLAV, arXiv:2206.07501"))


#: The b→sμμ part of ``flavio``: R_K(*), B_s→μμ, the b→sμμ branching ratios and P5'.
BSMUMU_OBSERVABLES = tuple(o for o in FLAVIO_OBSERVABLES
                           if any(k in o.name for k in ("Rmue", "mumu", "P5p")))
BSMUMU_MEASUREMENTS = tuple(m for m in MEASUREMENTS_FLAVIO
                            if m.startswith(("LHCb RK", "GSSS", "LHCb B", "LHCb Bs")))


def flavio_bsmumu() -> FlavioLikelihood:
    """``flavio-bsmumu``: the b→sμμ observables of ``flavio`` alone (the "b→sμμ band" of a
    seed-Fig.-2-style plane: examples/table2_fig2.sh)."""
    return FlavioLikelihood(
        "flavio-bsmumu", BSMUMU_OBSERVABLES, BSMUMU_MEASUREMENTS, overlay=False,
        description=f"the b->s mumu part of flavio ({len(BSMUMU_OBSERVABLES)} observables: R_K(*), "
                    "Bs->mumu, b->s mumu BRs, P5'), flavio 2.7.1 data",
        references=_REFS_FLAVIO)


#: The configurations whose covariances ship in bridge/data/flavio_covariances.json.
SHIPPED = (flavio_today, flavio_2_7_1, flavio_lfv, flavio_lfv_projected, flavio_quark, flavio_bsmumu)
