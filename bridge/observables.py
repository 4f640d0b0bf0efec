"""flavio predictions for the bridge's observables (flavio is imported here only).

For each observable: SM and NP central values, flavio's theory uncertainty, the experimental
value of the measurement set every part of the bridge uses
(:mod:`bridge.likelihoods.experiment`: the ``flavio`` likelihood's measurements, named in the
table and the JSON) and the pull.

* Theory uncertainty σ_th: flavio's SM uncertainty, the standard deviation of the prediction
  over seeded random draws of flavio's parameters.

  - *Portable draws*: numpy's ``multivariate_normal`` factorises the covariance by an SVD whose
    signs depend on the LAPACK build, so the same seed gave other draws (and σ_th) on another
    machine; the draws here use the unique Cholesky factor instead (:func:`portable_draws`).
  - *Enough draws*: ``samples`` (default 50) is the minimum. The relative error of a standard
    deviation from N draws is √((κ − 1)/(4N)) (κ the kurtosis), and a pull moves by
    |pull| f δσ/σ with f = σ_th²/(σ_th² + σ_exp²); draws are added (blocks of
    :data:`DRAW_BLOCK`, each seeded on its own, up to :data:`MAX_DRAWS`) until every pull up to
    |pull| = :data:`PULL_RANGE` is stable to :data:`PULL_TOLERANCE` σ. Observables whose σ_th
    is negligible beside the experiment (R_K, 5e-5 beside 0.047) keep the minimum; ΔM_s and
    a_μ, where σ_th dominates, take ~5000 cheap draws.
  - Cached on disk per flavio version, observables, sample sizes, seed and SM-parameter
    overrides; the default configuration ships in ``bridge/data/sm_uncertainties.json``
    (:func:`write_shipped_uncertainties`), so every installation prints the same numbers.
  - With ``np_samples > 0`` the uncertainty is instead computed at the NP point (as flavio's
    ``np_uncertainty``; slow, every draw reruns wilson).
* Pull: (NP − exp)/√(σ_exp² + σ_th²) for a measurement, one-sided NP/√(σ_L² + σ_th²) for an
  upper limit (:class:`bridge.likelihoods.experiment.Experiment`). For ``a_mu`` the table
  shows Δa_μ = a_μ − a_μ^SM.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bridge import cache
from bridge.flavio_setup import make_wilson, parameter_constraints
from bridge.likelihoods.covariances import check_theory_error
from bridge.observable import Observable
from bridge.versions import installed
from bridge.zpole import Z_POLE_OBSERVABLES, z_pole_wilson

#: Draws added per step beyond ``samples`` (each block seeded with (seed, block number)).
DRAW_BLOCK = 500
#: Largest number of draws per observable.
MAX_DRAWS = 25000
#: Pulls up to PULL_RANGE are stable to PULL_TOLERANCE σ at CONFIDENCE standard errors of σ_th.
PULL_TOLERANCE = 0.05
PULL_RANGE = 5.0
CONFIDENCE = 2.0
#: Version of the draw scheme (in the cache key): Cholesky draws, adaptive N.
DRAW_SCHEME = "cholesky-adaptive-1"
SHIPPED_UNCERTAINTIES = "sm_uncertainties.json"


@dataclass(frozen=True)
class RunObservable:
    """A row of the `bridge run` table: the observable and its label."""

    observable: Observable
    label: str = ""  # shown in the table (default: the observable's label)
    show_delta: bool = False  # show NP − SM (a_mu)
    #: flavio measurement compared with, for rows outside every flavio likelihood of the
    #: bridge (a_e, a_tau, R_l, CR(Al), ΔM_K); the others use the likelihoods' measurement set
    measurement: str = ""

    @property
    def name(self) -> str:
        return self.observable.name


def _row(name: str, q2, label: str, show_delta: bool = False, measurement: str = "") -> RunObservable:
    return RunObservable(Observable(name, q2 or ()), label, show_delta, measurement)


#: The observables of `bridge run`: all are observables of the `flavio` likelihood, compared
#: with the same measurements (R_K* at low q² in LHCb 2022's bin [0.1, 1.1]).
CORE_OBSERVABLES = (
    _row("<Rmue>(B+->Kll)", (1.1, 6.0), "R_K [1.1,6]"),
    _row("<Rmue>(B0->K*ll)", (0.1, 1.1), "R_K* [0.1,1.1]"),
    _row("<Rmue>(B0->K*ll)", (1.1, 6.0), "R_K* [1.1,6]"),
    _row("BR(B->Xsgamma)", None, "BR(B->X_s gamma)"),
    _row("DeltaM_s", None, "Delta M_s [GeV]"),
    _row("BR(B+->Knunu)", None, "BR(B+->K+ nu nu)"),
    _row("BR(B0->K*nunu)", None, "BR(B0->K*0 nu nu)"),
    _row("BR(Bs->mumu)", None, "BR(B_s->mu mu)"),
    _row("a_mu", None, "Delta a_mu", show_delta=True),
    _row("BR(mu->egamma)", None, "BR(mu->e gamma)"),
)

#: Flavour rows beyond b→s (issue 16), compared with the measurements of ``flavio-lfv`` and
#: ``flavio-quark`` (the overlay's newer ones, bridge/data/measurements.yml, where flavio 2.7.1
#: lacks them), or with the named measurement for rows in no likelihood. Not in
#: CORE_OBSERVABLES, the default observables of `bridge scan`.
FLAVOUR_OBSERVABLES = (
    # charged-lepton flavour violation
    _row("BR(mu->eee)", None, "BR(mu->3e)"),
    _row("CR(mu->e, Au)", None, "CR(mu->e, Au)"),
    _row("CR(mu->e, Al)", None, "CR(mu->e, Al)"),
    _row("CR(mu->e, Ti)", None, "CR(mu->e, Ti)"),
    _row("BR(tau->mugamma)", None, "BR(tau->mu gamma)"),
    _row("BR(tau->egamma)", None, "BR(tau->e gamma)"),
    _row("BR(tau->mumumu)", None, "BR(tau->3mu)"),
    _row("BR(tau->eee)", None, "BR(tau->3e)"),
    # lepton g-2
    _row("a_e", None, "Delta a_e", show_delta=True, measurement="PDG g-2 e tau"),
    _row("a_tau", None, "Delta a_tau", show_delta=True, measurement="PDG g-2 e tau"),
    # b→d, B_d, K and D mixing, s→dνν
    _row("DeltaM_d", None, "Delta M_d [GeV]"),
    _row("S_psiK", None, "S_psiK"),
    _row("BR(B0->mumu)", None, "BR(B0->mu mu)"),
    _row("<dBR/dq2>(B+->pimumu)", (15.0, 22.0), "dBR/dq2(B+->pi mu mu) [15,22]"),
    _row("eps_K", None, "eps_K"),
    _row("DeltaM_K", None, "Delta M_K (short dist.)", measurement="PDG DeltaM_K 2024"),
    _row("BR(K+->pinunu)", None, "BR(K+->pi+ nu nu)"),
    _row("BR(KL->pinunu)", None, "BR(KL->pi0 nu nu)"),
    _row("x12Im_D", None, "x12Im_D"),
    # Z couplings of the leptons (one-loop vertex shifts as SMEFT coefficients, bridge.zpole)
    _row("R_e", None, "R_e (Z)", measurement="LEP-SLD"),
    _row("R_mu", None, "R_mu (Z)", measurement="LEP-SLD"),
    _row("R_tau", None, "R_tau (Z)", measurement="LEP-SLD"),
)
#: The `bridge run` table.
RUN_OBSERVABLES = CORE_OBSERVABLES + FLAVOUR_OBSERVABLES


@dataclass
class Prediction:
    """One row of the `bridge run` table (values in flavio's units; a_mu as Δa_μ)."""

    key: str
    label: str
    flavio_name: str
    q2: tuple[float, float] | None
    sm: float
    np: float
    theory_error: float
    theory_error_kind: str
    exp_central: float | None  # Gaussian central value (None for an upper limit)
    exp_error_up: float | None
    exp_error_down: float | None
    measurement: str  # the measurements, named
    pull: float | None
    shown_as_delta: bool
    experiment: dict = field(default_factory=dict)  # Experiment.as_dict: set, kind, limit, CL
    flag: str | None = None  # why it is outside its experimental limit, if it is
    draws: int = 0  # parameter draws of theory_error

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def observable(self) -> Observable:
        return Observable(self.flavio_name, self.q2 or ())

    def describe_experiment(self) -> str:
        """``9.4792e-01 ± 4.7e-02`` or ``< 1.500e-13 (90% CL)``."""
        exp = self.experiment
        if exp.get("kind") == "upper limit":
            return f"< {exp['limit']:.3e} ({100 * exp['cl']:g}% CL)"
        if self.exp_central is None:
            return "-"
        return f"{self.exp_central:.4e} ± {self.exp_error_up:.1e}"


def sm_uncertainty_entry(specs, overrides, samples: int, seed: int,
                         sigma_exp: dict[str, float] | None = None) -> tuple[Path, dict]:
    """(cache file, key) of the SM uncertainties of ``specs`` (rows of the run table);
    ``sigma_exp`` (label → σ_exp, default: from the measurement set) sets how many draws
    each needs."""
    if sigma_exp is None:
        sigma_exp = experimental_sigmas(specs)
    key = {"flavio": installed("flavio"), "obs": [s.observable.label for s in specs],
           "N": samples, "seed": seed, "overrides": overrides or {}, "draws": DRAW_SCHEME,
           "precision": [PULL_TOLERANCE, PULL_RANGE, CONFIDENCE, DRAW_BLOCK, MAX_DRAWS],
           "sigma_exp": [sigma_exp.get(s.observable.label) for s in specs]}
    return cache.entry_path("sm-uncertainty", key), key


def experimental_sigmas(specs, exps: dict | None = None) -> dict[str, float]:
    """label → σ_exp (σ_L of a limit) of the rows, from the measurements the table compares
    them with (:func:`row_experiments`: the flavour rows too, not only the ``flavio``
    likelihood's); ``exps``: their Experiments, if known."""
    if exps is None:
        exps = row_experiments(specs)
    labels = {s.observable.label for s in specs}
    return {label: e.sigma for label, e in exps.items() if label in labels and e is not None}


def _parse_errors(payload, sm_values: dict[str, float]) -> tuple[dict[str, float], dict[str, int]]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, dict):
        raise cache.Invalid("no 'errors' object of observable -> sigma_th")
    missing = [k for k in sm_values if k not in errors]
    if missing:
        raise cache.Invalid(f"sigma_th missing for {', '.join(missing)}")
    checked = {k: check_theory_error(k, errors[k], sm) for k, sm in sm_values.items()}
    draws = payload.get("draws", {})
    if not isinstance(draws, dict) or any(not isinstance(draws.get(k), int) or draws[k] < 2
                                          for k in sm_values):
        raise cache.Invalid("no 'draws' object of observable -> number of draws (>= 2)")
    return checked, {k: int(draws[k]) for k in sm_values}


def sm_uncertainties(specs, overrides, samples: int, seed: int,
                     sm_values: dict[str, float] | None = None) -> dict[str, float]:
    """flavio's SM uncertainty per observable (label → σ_th); see :func:`sm_uncertainty_draws`."""
    return sm_uncertainty_draws(specs, overrides, samples, seed, sm_values)[0]


def sm_uncertainty_draws(specs, overrides, samples: int, seed: int,
                         sm_values: dict[str, float] | None = None, exps: dict | None = None
                         ) -> tuple[dict[str, float], dict[str, int]]:
    """(label → σ_th, label → number of draws): from the disk cache, the shipped defaults, or
    portable seeded draws (at least ``samples``, more where a pull needs them).

    ``sm_values`` (label → SM central value) bound the plausible uncertainties of a stored
    entry; computed here when not given. ``exps``: the rows' Experiments
    (:func:`row_experiments`), if the caller has them."""
    import flavio

    from bridge.progress import task

    par = parameter_constraints(overrides)
    if sm_values is None:
        central, wc_sm = par.get_central_all(), flavio.WilsonCoefficients()
        sm_values = {s.observable.label: float(flavio.Observable[s.name].prediction_par(
            central, wc_sm, *s.observable.args)) for s in specs}
    sigma_exp = experimental_sigmas(specs, exps)
    stored = stored_uncertainties(specs, overrides, samples, seed, sm_values, sigma_exp)
    if stored is not None:
        return stored
    path, key = sm_uncertainty_entry(specs, overrides, samples, seed, sigma_exp)
    draws = _Draws(par, samples, seed)
    wc_sm = flavio.WilsonCoefficients()
    errors, counts = {}, {}
    with task("flavio SM uncertainties (first run only)", total=len(specs), unit="observables") as bar:
        for spec in specs:
            o = spec.observable
            bar.describe(f"flavio SM uncertainty of {o.label}")
            obs = flavio.Observable[o.name]
            values: list[float] = []
            target = samples
            while len(values) < target:
                values += [obs.prediction_par(p, wc_sm, *o.args)
                           for p in draws.points(len(values), target)]
                target = min(MAX_DRAWS, max(target, draws_needed(values, sigma_exp.get(o.label))))
            errors[o.label] = float(np.std(values))
            counts[o.label] = len(values)
            bar.advance()
    cache.store(path, key, {"errors": errors, "draws": counts})
    return errors, counts


def stored_uncertainties(specs, overrides, samples: int, seed: int, sm_values: dict[str, float],
                         sigma_exp: dict[str, float]) -> tuple[dict[str, float], dict[str, int]] | None:
    """(label → σ_th, label → draws) from the disk cache or the shipped defaults, None if
    neither holds them; needs no flavio (``sm_values`` and ``sigma_exp`` given)."""
    path, key = sm_uncertainty_entry(specs, overrides, samples, seed, sigma_exp)

    def parse(payload):
        return _parse_errors(payload, sm_values)

    return cache.load(path, key, parse) or _shipped_uncertainties(key, parse)


def draws_needed(values, sigma_exp: float | None) -> int:
    """Draws for which a pull up to PULL_RANGE moves by less than PULL_TOLERANCE σ when σ_th
    moves by CONFIDENCE standard errors: N ≥ (κ − 1)/4 · (CONFIDENCE PULL_RANGE f /
    PULL_TOLERANCE)², with
    f = σ_th²/(σ_th² + σ_exp²) and κ the kurtosis of the draws (3 for a Gaussian). Without a
    measurement (``sigma_exp`` None) no draws are added."""
    v = np.asarray(values, float)
    s2 = float(np.var(v))
    if sigma_exp is None or s2 == 0 or v.size < 2:
        return 0
    kurtosis = float(np.mean((v - v.mean()) ** 4) / s2**2)
    f = s2 / (s2 + sigma_exp**2)
    return math.ceil((kurtosis - 1) / 4 * (CONFIDENCE * PULL_RANGE * f / PULL_TOLERANCE) ** 2)


class _Draws:
    """Random parameter points, reproducible and the same on every machine: the first
    ``samples`` drawn with ``seed``, then blocks of DRAW_BLOCK each seeded with (seed, block),
    so that point i is the same whoever asks for it and however many are used."""

    def __init__(self, par, samples: int, seed: int):
        self.par, self.samples, self.seed = par, samples, seed
        self.blocks: dict[int, dict[str, np.ndarray]] = {}  # arrays: 25000 dicts would take GBs

    def _block(self, b: int) -> dict[str, np.ndarray]:
        if b not in self.blocks:
            size, seed = (self.samples, self.seed) if b == 0 else (DRAW_BLOCK, [self.seed, b])
            self.blocks[b] = _random_arrays(self.par, size, seed)
        return self.blocks[b]

    def points(self, start: int, stop: int):
        """Parameter points start..stop-1 (dicts made one at a time)."""
        for i in range(start, stop):
            b, j = (0, i) if i < self.samples else (1 + (i - self.samples) // DRAW_BLOCK,
                                                     (i - self.samples) % DRAW_BLOCK)
            yield {k: v[j] for k, v in self._block(b).items()}


@contextlib.contextmanager
def portable_draws():
    """numpy's global ``multivariate_normal`` replaced, for the duration, by draws through the
    Cholesky factor of the covariance. numpy factorises by an SVD, whose singular vectors'
    signs depend on the LAPACK build, so one seed gave different flavio parameter draws on
    different machines. The replacement consumes the same standard normals (size × n), so the
    rest of the random stream is unchanged."""
    original = np.random.multivariate_normal

    def draw(mean, cov, size=None, check_valid="warn", tol=1e-8):
        mean = np.asarray(mean, float)
        shape = (*np.atleast_1d(size).astype(int), mean.size) if size is not None else (mean.size,)
        z = np.random.standard_normal(shape)
        return mean + z @ _factor(np.asarray(cov, float)).T

    np.random.multivariate_normal = draw
    try:
        yield
    finally:
        np.random.multivariate_normal = original


def _factor(cov: np.ndarray) -> np.ndarray:
    """L with L Lᵀ = cov: Cholesky (unique), or for a singular covariance the eigenvectors
    with a fixed sign (largest component positive) scaled by √eigenvalue."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(cov)
        v = v * np.sign(v[np.argmax(np.abs(v), axis=0), np.arange(v.shape[1])])
        return v * np.sqrt(np.clip(w, 0.0, None))


def _random_arrays(par, samples: int, seed) -> dict[str, np.ndarray]:
    """N random parameter points as arrays, reproducible: flavio draws from numpy's global RNG
    (seeded here and restored), with portable multivariate draws."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        with portable_draws():
            # copies: a view would keep each multivariate constraint's whole (N, n) draw alive
            return {k: np.array(v) for k, v in par.get_random_all(size=samples).items()}
    finally:
        np.random.set_state(state)


def _random_parameters(par, samples: int, seed) -> list[dict]:
    """N random parameter points (dicts), as :func:`_random_arrays`."""
    rand = _random_arrays(par, samples, seed)
    return [{k: v[i] for k, v in rand.items()} for i in range(samples)]


def _shipped_uncertainties(key: dict, parse):
    """The shipped entry for ``key`` (bridge/data/sm_uncertainties.json), checked as a cache
    entry is; None if there is none."""
    from bridge.likelihoods.data import shipped_entries

    # σ_th of one observable depends on its own settings only (draw i is the same parameter
    # point for every observable), so an entry serves any subset of its observables
    wanted = dict(zip(key["obs"], key["sigma_exp"], strict=True))
    rest = {k: v for k, v in key.items() if k not in ("obs", "sigma_exp")}
    for entry in shipped_entries(SHIPPED_UNCERTAINTIES):
        ekey = entry.get("key") if isinstance(entry.get("key"), dict) else {}
        have = dict(zip(ekey.get("obs", []), ekey.get("sigma_exp", []), strict=False))
        same = json.dumps({k: v for k, v in ekey.items() if k not in ("obs", "sigma_exp")},
                          sort_keys=True) == json.dumps(rest, sort_keys=True)
        if not same or any(label not in have or have[label] != s for label, s in wanted.items()):
            continue
        try:
            subset = {part: {label: entry[part][label] for label in wanted}
                      for part in ("errors", "draws")}
            return parse(subset)
        except (cache.Invalid, TypeError, KeyError) as exc:
            from bridge.likelihoods.data import DATA_DIR

            cache.warn(DATA_DIR / SHIPPED_UNCERTAINTIES, str(exc))
    return None


def write_shipped_uncertainties(path: str | Path | None = None) -> Path:
    """Compute (or take from the disk cache) σ_th of the `bridge run` table for the defaults
    (50 draws minimum, seed 1, no SMINPUTS overrides) and write them to the package's data
    file, so that every installation prints the same numbers without the slow first step.
    Run after changing the observables, the measurement set or the flavio version:
    ``python -c "from bridge.observables import write_shipped_uncertainties as w; w()"``."""
    from bridge.likelihoods.data import DATA_DIR

    _, key = sm_uncertainty_entry(RUN_OBSERVABLES, {}, 50, 1)
    errors, draws = sm_uncertainty_draws(RUN_OBSERVABLES, {}, 50, 1)
    doc = {"description": "flavio SM uncertainties of the `bridge run` table for the default "
                          "settings (bridge.observables.write_shipped_uncertainties); used when "
                          "the key matches exactly", "entries": [{"key": key, "errors": errors,
                                                                  "draws": draws}]}
    path = Path(path) if path else DATA_DIR / SHIPPED_UNCERTAINTIES
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


def row_experiments(specs) -> dict:
    """label → :class:`bridge.likelihoods.experiment.Experiment` for the rows of ``specs``: the
    measurement set of the bridge's flavio likelihood that holds the observable (``flavio``,
    then ``flavio-lfv``, then ``flavio-quark``: the same numbers their χ² uses); a row in none
    of them (a_e, a_τ, R_ℓ, CR(μ→e, Al), ΔM_K) is compared with the flavio measurement it
    names (:attr:`RunObservable.measurement`), or none."""
    from bridge.likelihoods.experiment import experiments, measurement_experiment
    from bridge.likelihoods.flavio_fast import flavio_lfv, flavio_quark, flavio_today

    out, left = {}, list(specs)
    for make in (flavio_today, flavio_lfv, flavio_quark):
        if not left:
            break
        lik = make()
        held = {o.label for o in lik.observables}
        mine = [s.observable for s in left if s.observable.label in held]
        if mine:
            out.update(experiments(mine, lik))
        left = [s for s in left if s.observable.label not in held]
    for spec in left:
        if spec.measurement:
            exp = measurement_experiment(spec.observable, spec.measurement)
            if exp is not None:
                out[spec.observable.label] = exp
    return out


def predict(coefficients: dict[str, complex], scale: float, *, overrides=None,
            specs=RUN_OBSERVABLES, samples: int = 50, seed: int = 1,
            np_samples: int = 0, z_pole: dict | None = None) -> list[Prediction]:
    """SM and NP predictions with uncertainties, the measurement set's values and pulls for
    ``specs``; each row outside its experimental limit has ``flag`` set. ``z_pole``: SMEFT
    Warsaw coefficients at M_Z for the Z-pole rows (bridge.zpole; flavio reads those rows from
    SMEFT, the WET coefficients do not enter them)."""
    import flavio

    from bridge.likelihoods.flavio_fast import register_overlay
    from bridge.progress import task

    register_overlay()  # the bridge's observables and the newer measurements the rows name
    par = parameter_constraints(overrides)
    par_central = par.get_central_all()
    w = make_wilson(coefficients, scale)
    wc_np = flavio.WilsonCoefficients.from_wilson(w, par_central)
    w_z = z_pole_wilson(z_pole or {})
    wc_z = flavio.WilsonCoefficients.from_wilson(w_z, par_central)
    wc_sm = flavio.WilsonCoefficients()
    with task("flavio SM predictions", total=len(specs), unit="observables") as bar:
        sm_values = {}
        for s in specs:  # the q^2 integrals of R_K(*) take seconds the first time
            sm_values[s.observable.label] = float(flavio.Observable[s.name].prediction_par(
                par_central, wc_sm, *s.observable.args))
            bar.advance()
    exps = row_experiments(specs)
    if np_samples <= 0:
        sigma_th, counts = sm_uncertainty_draws(specs, overrides, samples, seed, sm_values, exps)
    else:
        sigma_th, counts = {}, {s.observable.label: np_samples for s in specs}
    draws = _random_parameters(par, np_samples, seed) if np_samples > 0 else []
    np_values = {}
    with task("flavio predictions at the point", total=len(specs), unit="observables") as bar:
        for spec in specs:
            o = spec.observable
            obs = flavio.Observable[o.name]
            z_row = o.name in Z_POLE_OBSERVABLES
            np_values[o.label] = float(obs.prediction_par(par_central, wc_z if z_row else wc_np, *o.args))
            if draws:
                w_row = w_z if z_row else w
                values = [obs.prediction_par(p, flavio.WilsonCoefficients.from_wilson(w_row, p), *o.args)
                          for p in draws]
                sigma_th[o.label] = float(np.std(values))
            bar.advance()
    return table_rows(specs, sm_values, np_values, sigma_th, counts, exps,
                      at_point=np_samples > 0)


def table_rows(specs, sm_values: dict, np_values: dict, sigma_th: dict, draws: dict, exps: dict,
               at_point: bool = False) -> list[Prediction]:
    """The rows of ``specs`` from their numbers (each a dict label → value; ``exps`` label →
    Experiment): the one row builder of the table, for the rows flavio computes
    (:func:`predict`) and those :mod:`bridge.runtable` takes from the shipped SM values.
    ``at_point``: σ_th from draws at the NP point, else flavio's SM uncertainty."""
    out = []
    for spec in specs:
        label = spec.observable.label
        n = draws[label]
        kind = f"NP point, N={n}" if at_point else f"SM, N={n} draws"
        out.append(prediction_row(spec, sm_values[label], np_values[label], sigma_th[label], kind,
                                  n, exps.get(label)))
    return out


def prediction_row(spec: RunObservable, sm_value: float, np_value: float, sigma_th: float,
                   kind: str, draws: int, exp) -> Prediction:
    """One row of the table from its numbers: Δ shown for a_ℓ, the measurement set's
    :class:`~bridge.likelihoods.experiment.Experiment` (or None), pull and flag."""
    o = spec.observable
    shift = sm_value if spec.show_delta else 0.0
    shown = np_value - shift
    row = Prediction(o.label, spec.label or o.label, o.name, o.q2, sm_value - shift, shown,
                     sigma_th, kind, None, None, None, "", None, spec.show_delta, draws=draws)
    if exp is not None:
        row.measurement = exp.source()
        row.experiment = exp.as_dict(shift)
        if not exp.is_limit:
            row.exp_central = exp.central - shift
            row.exp_error_up = row.exp_error_down = exp.error
        row.pull = exp.pull(shown, sigma_th, shift)
        if exp.outside(shown, sigma_th, shift):
            row.flag = exp.flag_text(spec.label or o.label, shown, sigma_th, shift)
    return row
