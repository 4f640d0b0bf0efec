"""Run a scan: chunks of points through an executor into the results file, resumable.

The process that starts the scan does the one-off work (card, SM inputs, probe points,
the fast path, the likelihoods' covariances) and packs it into a :class:`Context` of
plain arrays and dataclasses. Each chunk is a task ``run_packed(context, ids, values)``:
:func:`run_chunk` computes its columns (the dark-matter summary too, through
``evaluate_batch(dark_matter=...)``), and the worker encodes them as the results file holds
them (bridge.scan.store.pack); only this process writes to the store, one transaction per
chunk. Chunk sizes follow :class:`ChunkPlan`: a small first chunk a worker and larger ones
queued behind it, then about a second of a worker's time each, so that the progress line
moves, and smaller last chunks, so that the workers finish together.
A restart with the same command skips every stored id, so each point is stored exactly
once; a chunk in flight when the scan was killed is computed again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import signal
import sys
import time
import types
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bridge import linalg, sectors, zpole
from bridge.errors import BridgeError, InputError, WorkerLost
from bridge.observable import Observable
from bridge.pipeline import evaluate_batch, failed_points
from bridge.scan import fastpath as fpm
from bridge.scan.chi2 import FlavioVector, GaussianVector, PointData, direct, vectorise
from bridge.scan.space import Space, batch_inputs, parse_vary
from bridge.scan.store import Packed, Store, pack

ROUTES = ("fast", "direct")
#: Largest chunk (points per task): vectorised models, point-by-point models, direct flavio, and
#: any model with the dark-matter summary (0.02-0.5 s CPU per point: a 10⁴-point plane in
#: chunks of 4096 would keep one worker of two busy with most of it). Vectorised: 8192, not
#: 4096, computed COMPUTE_PART points at a time and stored as one: the store's encoding costs
#: 5-15% less a point and its chunks hold 1-3% fewer bytes (benchmarks/scan_store.py); a
#: `bridge scan` of the 10⁶-point F_Ib grid stores 59.0 instead of 63.2 B a point, CPU ratio
#: 0.99 (0.94-1.17, three pairs), its largest process at 127 MiB instead of 113.
CHUNK = {"vectorised": 8192, "points": 64, "direct": 2, "dark matter": 128}
#: Most points the model computes at once within a chunk (:func:`run_packed`, :func:`compute_part`):
#: its temporaries set a process's peak memory. A local worker of a scan that reads at most
#: :data:`LARGE_PART_READ` coefficients computes a whole 8192-point chunk at once: 2-worker
#: scans of 2·10⁵ points spent 3-16% less worker CPU a point than in parts of 4096 (F_Ib,
#: F_IIb, scotogenic, S_Ib, grid and random; benchmarks/two_cores.py --scans), the largest
#: worker at 96-150 MiB instead of 80-102 (S_Ib the largest; 16384 took F_Ib to 215, S_Ib to
#: 253); of the 19 models with seed2021 and flavio (37 coefficients read), F_Vc's worker the
#: largest at 161 MiB.
COMPUTE_PART = 8192
#: :func:`compute_part` everywhere else: a scan that computes every coefficient (``--coefficients
#: all``, ``--contributions``, the direct route: Context.read None; about twice the bytes a point,
#: and at 8192 an F_Ib scan with ``--contributions --coefficients all --likelihood flavio`` took a
#: worker to 195 MiB, in parts of 4096 to 137), one that reads more than LARGE_PART_READ
#: coefficients (S_Ib with the seed2021, flavio, flavio-lfv and flavio-quark likelihoods, 105
#: read: 218 MiB at 8192 in a 6·10⁵-point scan in one process, 155 at 4096), and the scanning
#: process itself (``--workers 1``, which also holds the results file) or a Dask worker, whose
#: memory at 8192 was not measured. An MPI worker computes COMPUTE_PART at once, as a local one:
#: 2 MPI workers on the 10⁶-point F_Ib grid spent 0.97 (0.96-0.98) of the CPU of parts of 4096,
#: the largest process at 153 MiB instead of 119 (farm-bench, 3 pairs, 2026-12-02).
COMPUTE_PART_ALL = 4096
#: Most coefficients a scan may read for its local workers to compute COMPUTE_PART points at once
#: (seed2021 and flavio read 37).
LARGE_PART_READ = 48
#: Points of each worker's first chunk (see :class:`ChunkPlan`): small, as it also pays the
#: worker's warm-up (0.1-0.13 CPU-s of an F_Ib worker) and reports an early failure fast (a batch
#: that raises is computed point by point, 3-5 ms each); "dark matter": any scan with
#: --dark-matter (relic density per point, ~0.1-0.5 s each today).
FIRST_CHUNK = {"vectorised": 16, "points": 2, "direct": 1, "dark matter": 2}
#: Points of the chunks handed out after the workers' first ones while no other chunk has ended
#: (the first chunks' rate is mostly their warm-up: 123 points/s of F_Ib's 16-point chunks
#: against 5·10⁴ after it). A vectorised model's 512 points take 10-30 ms on the shipped models
#: (1 s at 2 ms a point), and GROWTH times them is the full chunk: a worker of a 2-worker
#: F_Ib scan went 16, 512, 8192 instead of 16, 16, 256, 1826, 8192.
SECOND_CHUNK = {"vectorised": 512, "points": 2, "direct": 1, "dark matter": 2}
#: Largest factor between two chunk sizes (:class:`ChunkPlan`): 512 → 8192 after a vectorised
#: model's SECOND_CHUNK, 2 → 32 → 512 for a model computed point by point; fewer small chunks
#: than at 4 (each small chunk costs the ~30 ms of a chunk's fixed work for a few points; a scan
#: of 3.6e5 F_Ib points made nine chunks below 4096 points with 4).
GROWTH = 16
#: The scan's last chunks (:meth:`ChunkPlan.tail`): at most the points left / (TAIL_SHARE × the
#: workers) each, and at least the largest chunk / TAIL_FLOOR.
TAIL_SHARE = 1
TAIL_FLOOR = 4
#: Seconds between two chunk ends across the pool (a worker's chunk: this times the number of
#: workers): the progress line moves when a chunk ends, and a larger chunk is stored in fewer
#: bytes per point.
CHUNK_SECONDS = 1.0
#: CPU seconds of a worker between two reports of the points it has done within a chunk
#: (a chunk expected to take more than twice this runs in parts of about this size, each
#: reported when done; see :func:`run_packed`).
REPORT_SECONDS = 1.0
#: Seconds between two looks of a scan's loop at a stop request (SIGINT, SIGTERM; bridge.interrupts)
#: while it waits for its chunks.
STOP_CHECK_SECONDS = 0.1


@dataclass
class Context:
    """Everything a worker needs (pickled to it with each chunk; no flavio objects)."""

    digest: str
    model_name: str
    plugin_module: str
    inputs: object  # ModelInputs of the card
    space: Space
    sm: object  # SMInputs
    scale: float
    overrides: dict
    route: str
    observables: list  # bridge.observable.Observable, flavio predictions to store
    fastpath: fpm.FastPath | None
    vector_likelihoods: list
    likelihood: object | None  # bridge.likelihoods object, for the direct route
    vectorised: bool = True
    card: str = ""  # names the card in the messages of refused points
    dark_matter: bool = False  # store the dark-matter summary (columns dm:NAME)
    contributions: bool = False  # store the box/penguin breakdown (contrib: columns)
    #: direct-detection chain of the dark-matter summary: "native" (tree-level formulas, 0.4 ms a
    #: point) or "auto" (DirectDM's running and nucleon matching where it covers the candidate,
    #: as `bridge run`; 30-90 ms a point)
    direct_detection: str = "native"
    #: the plugin object's name in plugin_module ("": the module is the plugin; None: not known,
    #: the worker loads the installed models to find it)
    plugin_attr: str | None = None
    #: the Wilson coefficients the scan computes beyond the model's b→s, B_s-mixing and lepton
    #: dipole ones (:func:`coefficients_read`; None: every one the model gives)
    read: frozenset[str] | None = None


@dataclass
class ChunkResult:
    ids: np.ndarray
    columns: dict
    errors: list
    routes: list
    seconds: float
    fallback_points: int = 0
    derived: tuple = ()  # obs: columns the fast path gives at every point (see bridge.scan.store)


# ---------------------------------------------------------------------------
# worker side
# ---------------------------------------------------------------------------
_WORKER: dict = {}  # per process: model handle and flavio parameters, by context digest


def _model(ctx: Context):
    """The context's model, one per process. A worker registers the one plugin the scan uses
    (``plugin_module``, ``plugin_attr``) instead of loading every installed model through the
    entry points: that reads the metadata of every installed package and validates each model,
    ~0.5 CPU-s per worker (a tenth of a 10⁵-point scan's CPU). The parent validated it."""
    key = ("model", ctx.digest)
    if key not in _WORKER:
        from bridge.plugins import get_model, get_plugin_manager

        try:
            model = _registered_alone(ctx)
        except (BridgeError, ImportError, AttributeError):
            try:
                model = get_model(ctx.model_name)
            except BridgeError:  # a plugin registered by hand in the parent (tests, scripts)
                import importlib

                module = importlib.import_module(ctx.plugin_module)
                model = get_model(ctx.model_name,
                                  get_plugin_manager(plugins=[(ctx.model_name, module)]))
        _WORKER[key] = model
    return _WORKER[key]


def _registered_alone(ctx: Context):
    """The model of ``ctx`` from its plugin object alone (no entry-point scan)."""
    import importlib

    from bridge.plugins import get_model, get_plugin_manager

    if ctx.plugin_attr is None:
        raise ImportError("no module-level name of the plugin")
    module = importlib.import_module(ctx.plugin_module)
    plugin = getattr(module, ctx.plugin_attr) if ctx.plugin_attr else module
    return get_model(ctx.model_name, get_plugin_manager(autoload=False,
                                                        plugins=[(ctx.model_name, plugin)]))


def _plugin_reference(plugin) -> tuple[str, str | None]:
    """(module, attribute) under which a worker finds ``plugin``: a module plugin by its name
    (attribute ""), an object plugin by the module-level name bound to it (None if none)."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__, ""
    module = sys.modules.get(type(plugin).__module__)
    attr = next((k for k, v in vars(module).items() if v is plugin), None) if module else None
    if attr is None:  # as before: a hand-registered plugin's module, loaded by the fallback
        return getattr(plugin, "__name__", type(plugin).__module__), None
    return type(plugin).__module__, attr


def _flavio_par(ctx: Context) -> dict:
    from bridge.scan.fastpath_build import flavio_parameters

    key = ("par", json.dumps(ctx.overrides, sort_keys=True))
    if key not in _WORKER:
        _WORKER[key] = flavio_parameters(ctx.overrides)
    return _WORKER[key]


def _fast(ctx: Context) -> fpm.FastPath | None:
    """The context's fast path, one per process (its evaluator is compiled once)."""
    if ctx.fastpath is None:
        return None
    return _WORKER.setdefault(("fastpath", ctx.digest), ctx.fastpath)


def _reads_anything(ctx: Context) -> bool:
    """Whether the chunk's columns may read any quantity of a point: the stored contrib:
    breakdown, the direct route's likelihood, or a vector likelihood other than the fast path's
    Gaussian and flavio vectors (those read declared quantities and observables)."""
    return ctx.contributions or ctx.route == "direct" or any(
        not isinstance(vl, (GaussianVector, FlavioVector)) for vl in ctx.vector_likelihoods)


def _needs_z_pole(ctx: Context) -> bool:
    """Whether the chunk must compute the leptons' one-loop Z couplings: they enter no Wilson
    coefficient, only the Z-pole rows (bridge.zpole) and the stored contrib: breakdown, and cost
    ~20% of a batch. Likelihoods other than the fast path's Gaussian and flavio vectors may read
    anything, so they keep them."""
    if _reads_anything(ctx) or sectors.reads_z_pole(ctx.observables):
        return True
    return any(sectors.reads_z_pole(getattr(vl, "observables", ())) for vl in ctx.vector_likelihoods)


def fastpath_recipe(ctx: Context) -> dict:
    """The meta entry ``fastpath_representations``: the recipe of the derived obs: columns a
    reader evaluates again (bridge.scan.store.fastpath_from)."""
    return {k: r.as_dict() for k, r in ctx.fastpath.representations.items() if r.fast}


def _needs_lfv_parts(ctx: Context) -> bool:
    """Whether the chunk must keep the photon/Z/box pieces of the LFV coefficients in the
    contributions (bridge.lfv; ~100 of a scotogenic batch's ~150): only the stored contrib:
    breakdown and likelihoods that may read any contribution (the direct route's, vector
    likelihoods other than the fast path's Gaussian and flavio vectors) see them."""
    return _reads_anything(ctx)


def coefficients_read(ctx: Context, which: str) -> frozenset[str] | None:
    """The Wilson coefficients a scan's columns read (``which`` = "read", the default of
    ``--coefficients``), or None: every coefficient the model gives (``which`` = "all", as
    ``bridge run``). What reads coefficients: the fast path's observables (their
    representations' variables, :meth:`FastPath.coefficients_read`) and the seed likelihoods
    (b→s coefficients and Δa_μ, always computed); the stored contrib: breakdown, the direct
    route, observables without a representation and likelihoods evaluated point by point may
    read any, so they get all. The model's own b→s, B_s-mixing and lepton-dipole coefficients
    are computed regardless; the others (b→d, s→d, K and D mixing, τ dipoles, the LFV
    operators: bridge.pipeline.flavour_extension) only where read. A point's coefficients and
    observables are the same numbers either way; the results file holds fewer wc: columns."""
    if which == "all" or _reads_anything(ctx):
        return None
    wet_rows = [o for o in ctx.observables if not _is_z_pole(o)]
    if not wet_rows:
        return frozenset()
    return None if ctx.fastpath is None else ctx.fastpath.coefficients_read()


def _is_z_pole(o: Observable) -> bool:
    """A Z-pole row (bridge.zpole): flavio computes it from SMEFT coefficients at M_Z, not
    from the WET coefficients of the hand-over, so neither the fast path nor the direct WET
    route holds it."""
    return o.name in zpole.Z_POLE_OBSERVABLES and not o.args


def _check_z_pole_rows(rows: list, overrides) -> None:
    """A scan computes the Z-pole rows from the shipped exact representation (flavio's
    functions of the SMEFT coefficients, 4e-16 from flavio): refuse them where it does not
    hold rather than fail at every point."""
    labels = ", ".join(o.label for o in rows)
    if fpm.normalised_overrides(overrides):
        raise InputError(f"{labels}: a scan computes the Z-pole rows for flavio's SM inputs; "
                         "leave SMINPUTS at flavio's values or compute them with bridge run")
    if not zpole.represented([o.name for o in rows]):
        raise InputError(f"{labels}: no Z-pole representation for the installed flavio/wilson "
                         "(python -c 'from bridge.scan.fastpath_build import write_shipped_z_pole "
                         "as w; w()' builds one)")


def run_chunk(ctx: Context, ids, values) -> ChunkResult:
    """Evaluate the points ``ids`` (parameter values (n, n_axes)); never raises for a point."""
    start = time.perf_counter()
    ids = np.asarray(ids, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    n = ids.size
    binputs, entries = batch_inputs(ctx.space, ctx.inputs, values)
    # the running needs only α_s(M_Z), α_e(M_Z): the overrides (bridge.couplings), no flavio import
    res = evaluate_batch(_model(ctx), binputs, ctx.sm, source=ctx.card, vectorised=ctx.vectorised,
                         dark_matter=ctx.dark_matter, handover_scale=ctx.scale, par=ctx.overrides,
                         point_ids=ids, z_pole=_needs_z_pole(ctx), direct=ctx.direct_detection,
                         lfv_parts=_needs_lfv_parts(ctx), read=ctx.read,
                         dark_matter_couplings=False)  # dark_matter=True overrides it
    ok = res.ok
    cols: dict[str, np.ndarray] = {}
    for k, axis in enumerate(ctx.space.axes):
        cols[f"par:{axis.name}"] = values[:, k]
    cols.update({k: np.broadcast_to(v, (n,)) for k, v in entries.items()})
    for name, v in res.masses.items():
        cols[f"mass:{name}"] = v
    for name, v in res.coefficients.items():
        cols[f"wc:{name}:re"], cols[f"wc:{name}:im"] = v.real, v.imag
    if ctx.contributions:
        for name, v in res.contributions.items():
            cols[f"contrib:{name}"] = v.real
            if np.any(v.imag[ok] != 0):
                cols[f"contrib:{name}:im"] = v.imag
    for name, v in res.one_loop.items():
        cols[f"ol:{name}"] = v
    for name, v in res.dark_matter.items():
        cols[f"dm:{name}"] = v
    if res.m_nu is not None and np.any(np.nan_to_num(res.m_nu[ok]) != 0):
        sv = np.full((n, 3), np.nan)
        good = ok & np.all(np.isfinite(res.m_nu), axis=(1, 2))
        sv[good] = linalg.singular_values(res.m_nu[good])  # once per distinct m_nu
        for j in range(3):
            cols[f"mnu:m{j + 1}"] = sv[:, j]
    routes = ["none"] * n
    errors = list(res.errors)
    data = PointData(n, res.coefficients, res.contributions, res.one_loop, {}, ctx.scale,
                     ctx.overrides, ctx.model_name, res.dark_matter)
    fallback = 0
    derived: tuple = ()
    if ctx.observables:
        data.observables, routes, fallback, refused = _observables(ctx, res, ok, errors)
        for label, v in data.observables.items():
            cols[f"obs:{label}"] = v
    failed = failed_points(errors)  # (the likelihoods below set no error)
    if ctx.observables:
        fp = _fast(ctx)
        if ctx.route == "fast" and fp is not None and _all_fast(routes, failed):
            # every value of these comes from the fast path: the store keeps the recipe, not
            # the numbers (it evaluates them again from the wc: columns when read)
            derived = tuple(f"obs:{o.label}" for o in ctx.observables
                            if o.label in fp.representations  # not the Z-pole rows
                            and fp.representations[o.label].fast and o.label not in refused)
    # this chunk's own arrays (the likelihoods' and the dark-matter summary's are theirs)
    own = {name for name in cols if not name.startswith("dm:")}
    if ctx.route == "direct" and ctx.likelihood is not None:
        good = np.ones(n, dtype=bool)
        good[failed] = False
        cols.update(direct(ctx.likelihood, data, good))
    else:
        for vl in ctx.vector_likelihoods:
            cols.update(vl.evaluate(data))
    for name, v in cols.items():
        # a copy only of views into other arrays (Re/Im parts, broadcast inputs, a column of
        # values) and of the likelihoods' arrays where failed points are overwritten: the
        # chunk's own fresh arrays take the NaN of a failed point in place (the same numbers)
        fresh = type(v) is np.ndarray and v.dtype == float and v.flags.c_contiguous \
            and v.flags.owndata and v.flags.writeable and (not failed.size or name in own)
        v = v if fresh else np.array(v, dtype=float)
        if failed.size and not name.startswith(("par:", "in:")):
            v[failed] = np.nan  # a failed point keeps its inputs and its message only
        cols[name] = v
    return ChunkResult(ids, cols, errors, routes, time.perf_counter() - start, fallback, derived)


def _all_fast(routes: list, failed: np.ndarray) -> bool:
    """Whether every point without an error (``failed``: the indices of those with one) took
    the fast path ("fast" or "mixed"): counted over the list (C loops), less the few failed
    points that carry such a route (a point whose flavio fallback failed)."""
    taken = routes.count("fast") + routes.count("mixed")
    taken -= sum(routes[i] in ("fast", "mixed") for i in failed.tolist())
    return taken == len(routes) - failed.size


def run_packed(ctx: Context, ids, values, report=None) -> tuple[Packed, int, float]:
    """The task a worker runs: :func:`run_chunk`, then the chunk encoded as the results file
    holds it (bridge.scan.store.pack): (packed chunk, fallback points, CPU seconds). The
    workers share the encoding, and send the scanning process a few hundred bytes per point.
    CPU, not wall seconds, size the next chunks (:class:`ChunkPlan`): on a machine shared with
    other work, wall seconds would shrink the chunks, whose fixed costs then grow.

    ``report``: (slot, step): the points of the chunk run ``step`` at a time (step None: all
    at once), and after each part the points done so far go to counter ``slot`` of
    :data:`bridge.scan.executors.REPORTS` (shared memory the scanning process reads: its
    progress line moves within a slow chunk). The parts are joined into one chunk: each point
    is computed alone or in a vectorised batch whatever the chunk, so the values are the
    ones a single call gives (the chunk sizes of a scan already vary with its speed)."""
    from bridge.scan import executors

    cpu = time.process_time()
    executors.check_task()
    executors.TASK_RUNNING = True  # a Ctrl-C now interrupts the task (a local worker's handler)
    try:
        return _run_packed(ctx, ids, values, report, cpu)
    finally:
        executors.TASK_RUNNING = False


def _run_packed(ctx: Context, ids, values, report, cpu: float) -> tuple[Packed, int, float]:
    from bridge.scan import executors

    slot, step = report if report is not None else (None, None)
    # the model runs on at most compute_part(ctx) points at a time: its temporaries, not the
    # chunk's columns, set a worker's peak memory
    part = compute_part(ctx)
    step = part if step is None else min(step, part)
    if len(ids) <= step:
        res = run_chunk(ctx, ids, values)
    else:
        # parts of equal size (within one point), not `step` points and a remainder: balanced
        # parts, and no batch of one (a point's values no longer depend on its batch, see
        # tests/test_batch_independence.py, but a batch of one costs a whole batch's overhead)
        bounds = np.linspace(0, len(ids), -(-len(ids) // step) + 1).round().astype(int)
        parts = []
        for start, end in itertools.pairwise(bounds.tolist()):
            parts.append(run_chunk(ctx, ids[start:end], values[start:end]))
            _report(slot, end)
            executors.check_task()
        res = _joined(parts)
    executors.check_task()
    packed = pack(res.ids, res.columns, res.errors, res.routes, res.derived, ctx.space, _pulls(ctx),
                  values=values)
    return packed, res.fallback_points, time.process_time() - cpu


def compute_part(ctx: Context) -> int:
    """Most points :func:`run_packed` gives the model at once: :data:`COMPUTE_PART` in a local
    or MPI worker of a scan that reads at most :data:`LARGE_PART_READ` coefficients, otherwise
    :data:`COMPUTE_PART_ALL` (every coefficient computed, ``ctx.read`` None; many read; the
    scanning process itself, or a Dask worker)."""
    from bridge.scan import executors

    if executors.CHUNK_WORKER and ctx.read is not None and len(ctx.read) <= LARGE_PART_READ:
        return COMPUTE_PART
    return COMPUTE_PART_ALL


#: In the scanning process with the in-process backend: called after each report (the
#: progress line is drawn while the chunk runs, as no other thread waits for it).
_LISTENER: list = []


def _report(slot, done: int) -> None:
    """Counter ``slot`` of the shared reports := ``done`` points of the chunk in hand."""
    from bridge.scan import executors

    if slot is None or executors.REPORTS is None:
        return
    executors.REPORTS[slot] = done
    for listener in _LISTENER:
        listener()


def _joined(parts: list[ChunkResult]) -> ChunkResult:
    """One chunk of the parts of a chunk (run one after the other by :func:`run_packed`). A
    column some part lacks (the box breakdown's imaginary parts where all are zero, the
    neutrino masses) is NaN at that part's points, as the results file reads a column that a
    chunk lacks; a column is derived (bridge.scan.store) only if it is in every part."""
    if len(parts) == 1:
        return parts[0]
    names = list(dict.fromkeys(k for p in parts for k in p.columns))
    columns = {k: np.concatenate([p.columns[k] if k in p.columns else np.full(p.ids.size, np.nan)
                                  for p in parts]) for k in names}
    derived = tuple(c for c in parts[0].derived if all(c in p.derived for p in parts[1:]))
    return ChunkResult(np.concatenate([p.ids for p in parts]), columns,
                       [e for p in parts for e in p.errors], [r for p in parts for r in p.routes],
                       sum(p.seconds for p in parts), sum(p.fallback_points for p in parts), derived)


def _pulls(ctx: Context) -> dict:
    """{pull column: (obs column, central, sigma)} of the likelihoods whose pulls are
    (prediction - central) / sigma of an observable (bridge.scan.chi2.FlavioVector): the store
    keeps those it finds equal bit for bit as a recipe, the others as numbers."""
    out = {}
    for vl in ctx.vector_likelihoods:
        central, sigma = getattr(vl, "central", None), getattr(vl, "sigma", None)
        observables = getattr(vl, "observables", ())
        if central is None or sigma is None or len(observables) != len(central):
            continue
        for k, o in enumerate(observables):
            label = getattr(o, "label", None)
            if label is not None:
                out[f"pull:{vl.name}:{label}"] = (f"obs:{label}", float(central[k]), float(sigma[k]))
    return out


def _observables(ctx: Context, res, ok, errors):
    """Fast-path values where possible, flavio elsewhere: (values, routes, fallback points,
    labels flavio computed at some point of the chunk although the fast path covers them)."""
    n = res.size
    out = {o.label: np.full(n, np.nan) for o in ctx.observables}
    routes = ["none"] * n
    todo: dict[int, list] = {}  # point -> observables flavio computes there
    fallback = 0
    refused: set = set()
    z_rows = [o for o in ctx.observables if _is_z_pole(o)]
    if z_rows:  # from the Z-coupling shifts, exactly (bridge.zpole), on either route
        z_values = zpole.batch_values(res.contributions, ctx.sm, n, [o.name for o in z_rows])
        for o in z_rows:
            out[o.label][ok] = z_values[o.name][ok]
    observables = [o for o in ctx.observables if not _is_z_pole(o)]
    if not observables:
        return out, ["fast" if good else "none" for good in ok], 0, refused
    fp = _fast(ctx)
    if ctx.route == "fast" and fp is not None:
        # only the coefficients these observables can depend on (bridge.sectors: CVLL_ucuc,
        # say, no b->s row reads) decide whether a point leaves the fast path
        u, outside = fp.units(sectors.relevant(res.coefficients, observables), n)
        fast = ok & ~outside
        idx = np.flatnonzero(fast)
        values = fp.evaluate_units(u if idx.size == n else u[fast])
        direct_obs = [o for o in observables if o.label not in values]
        for label, v in values.items():
            if idx.size == n:
                out[label][:] = v
            else:
                out[label][fast] = v
        route = "mixed" if direct_obs else "fast"
        routes = [route] * n if idx.size == n else [route if f else "none" for f in fast.tolist()]
        if direct_obs:
            for i in idx.tolist():
                todo[i] = list(direct_obs)
        extra = set()
        for o in observables:  # NaN: a quadrature QUADPACK would bisect further (or none)
            v = values.get(o.label)
            if v is not None and np.isnan(v).any():
                refused.add(o.label)
                for i in idx[np.isnan(v)]:
                    todo.setdefault(i, []).append(o)
                    routes[i] = "mixed"
                    extra.add(int(i))
        fallback = int((ok & outside).sum()) + len(extra)
        for i in np.flatnonzero(ok & outside):
            todo[i] = list(observables)
            routes[i] = "direct"
    else:
        for i in np.flatnonzero(ok):
            todo[i] = list(observables)
            routes[i] = "direct"
    if todo:
        from bridge.scan.fastpath_build import direct_values

        par = _flavio_par(ctx)
        for i, obs in sorted(todo.items()):
            coeffs = {k: complex(v[i]) for k, v in res.coefficients.items() if v[i] != 0}
            try:
                vals = direct_values(coeffs, ctx.scale, obs, par)
            except Exception as exc:  # flavio/wilson failing at a point: store the message
                errors[i] = f"flavio: {type(exc).__name__}: {exc}"
                continue
            for o, v in zip(obs, vals, strict=True):
                out[o.label][i] = v
    return out, routes, fallback, refused


# ---------------------------------------------------------------------------
# the scan
# ---------------------------------------------------------------------------
@dataclass
class ScanOptions:
    card: str
    vary: list[str]
    results: str
    sample: str | None = None  # "random:N" or "lhs:N"
    seed: int = 1
    likelihoods: list = field(default_factory=list)  # names or bridge.likelihoods objects
    observables: bool = True  # the bridge run observables (flavio)
    extra_observables: list[str] = field(default_factory=list)  # "NAME" or "NAME:LO:HI"
    route: str = "fast"
    workers: int | None = None
    scheduler: str | None = None
    mpi: bool = False
    chunk_size: int | None = None
    tolerance: float = fpm.TOLERANCE
    validate: int = 0  # model points of the scan compared with flavio at setup (imports flavio)
    retry_failed: bool = False
    progress: bool = True
    vectorised: bool = True
    max_points: int | None = None  # stop after this many new points (benchmarks, tests)
    dark_matter: bool = False  # dark-matter summary per point (on anyway for relic & co.)
    contributions: bool = False  # also store the box/penguin breakdown of the coefficients
    #: σ_SI, σ_SD of the dark-matter summary: "native" or "auto" (DIRECT_DETECTION)
    direct_detection: str = "native"
    #: "read": the coefficients the scan's observables and likelihoods read; "all": every one
    #: the model gives (COEFFICIENTS, :func:`coefficients_read`)
    coefficients: str = "read"


#: Which Wilson coefficients a scan computes and stores (ScanOptions.coefficients).
COEFFICIENTS = ("read", "all")

#: The direct-detection chains a scan can use (bridge.darkmatter.direct.direct_detection's
#: methods): the native tree-level formulas, or "auto" — DirectDM (an optional extra) wherever it
#: covers the candidate, the native formulas elsewhere, as `bridge run` does; refused at setup
#: when DirectDM cannot be imported.
DIRECT_DETECTION = ("native", "auto")


@dataclass
class ScanSummary:
    results: str
    size: int
    stored: int
    failed: int
    computed: int
    seconds: float
    setup_seconds: float
    fallback_points: int
    backend: str
    direct_observables: list[str]
    validation: dict = field(default_factory=dict)

    def report(self) -> str:
        rate = self.computed / self.seconds if self.seconds > 0 else math.nan
        lines = [f"scan {self.results}: {self.stored}/{self.size} points stored "
                 f"({self.failed} failed), {self.computed} computed now in {self.seconds:.1f} s "
                 f"({rate:.3g} points/s) on {self.backend}; setup {self.setup_seconds:.1f} s"]
        if self.fallback_points:
            lines.append(f"  {self.fallback_points} points left the fast path's coefficients "
                         "and were computed with flavio directly")
        if self.direct_observables:
            lines.append("  no exact fast path (flavio at every point): "
                         + ", ".join(self.direct_observables))
        if self.validation:
            worst = max(self.validation.items(), key=lambda kv: kv[1])
            lines.append(f"  fast path vs flavio at points of this scan: max rel. diff {worst[1]:.1e} "
                         f"({worst[0]})")
        return "\n".join(lines)


def _parse_sample(sample: str | None) -> tuple[str, int | None]:
    if not sample:
        return "grid", None
    kind, _, n = sample.partition(":")
    try:
        return kind.strip().lower(), int(n)
    except ValueError:
        raise InputError(f"--sample {sample!r}: expected random:N or lhs:N") from None


def _check_direct_detection(opts) -> None:
    """Refuse, before any point, a direct-detection chain the scan cannot use: an unknown name,
    "auto" without the dark-matter summary, or DirectDM not importable (InputError, exit 2)."""
    if opts.direct_detection not in DIRECT_DETECTION:
        raise InputError(f"--direct-detection {opts.direct_detection}: expected one of "
                         f"{', '.join(DIRECT_DETECTION)}")
    if not opts.dark_matter:
        raise InputError(f"--direct-detection {opts.direct_detection} needs the dark-matter summary "
                         "(--dark-matter or a likelihood that reads it)")
    from bridge.darkmatter import directdm_handover

    reason = directdm_handover.missing()
    if reason:
        raise InputError(f"--direct-detection {opts.direct_detection}: {reason}")


def prepare(opts: ScanOptions, pm=None, say=print) -> tuple[Context, dict]:
    """The context of a scan (one-off work) and its identity (stored in the results file)."""
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs, sminputs_overrides

    if opts.route not in ROUTES:
        raise InputError(f"--route must be one of {', '.join(ROUTES)}")
    if opts.coefficients not in COEFFICIENTS:
        raise InputError(f"--coefficients must be one of {', '.join(COEFFICIENTS)}")
    _, model, info, inputs, scale, sminputs = load_point(opts.card, pm)
    overrides = sminputs_overrides(sminputs)
    sampler, size = _parse_sample(opts.sample)
    space = Space([parse_vary(v, info, inputs) for v in opts.vary], sampler, size, opts.seed)
    likelihood = None
    if opts.likelihoods:
        from bridge.likelihoods.base import CombinedLikelihood
        from bridge.likelihoods.registry import get_likelihood

        # names (bridge likelihoods) or Likelihood objects (the Python API)
        parts = [get_likelihood(x) if isinstance(x, str) else x for x in opts.likelihoods]
        names = [p.name for p in parts]
        if len(set(names)) != len(names):
            raise InputError(f"a likelihood is given twice: {', '.join(names)}")
        likelihood = parts[0] if len(parts) == 1 else CombinedLikelihood(parts)
    extra = [Observable.parse(s) for s in opts.extra_observables]
    card_hash = hashlib.sha256(Path(opts.card).read_bytes()).hexdigest()
    # the card by content, never by path: the same command from another folder resumes
    identity = {"card_sha256": card_hash,
                "model": model.name, "vary": list(opts.vary), "space": space.as_dict(),
                "likelihoods": [lk if isinstance(lk, str) else lk.name for lk in opts.likelihoods],
                "observables": bool(opts.observables),
                "extra_observables": [o.label for o in extra], "route": opts.route,
                "scale": scale, "overrides": overrides, "contributions": bool(opts.contributions),
                "coefficients": opts.coefficients}
    if likelihood is not None:
        from bridge.likelihoods.registry import needs_dark_matter

        opts.dark_matter = opts.dark_matter or needs_dark_matter(likelihood)
    if opts.dark_matter:  # only then, so the identity of earlier scans stays what it was
        identity["dark_matter"] = True
    if opts.direct_detection != "native":
        _check_direct_detection(opts)
        identity["direct_detection"] = opts.direct_detection
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    sm = cached_sm_inputs(overrides)
    module, attr = _plugin_reference(model.plugin)
    ctx = Context(digest, model.name, module, inputs, space, sm, scale, overrides, opts.route, [],
                  None, [], likelihood, opts.vectorised, str(opts.card), opts.dark_matter,
                  bool(opts.contributions), opts.direct_detection, plugin_attr=attr)
    _WORKER[("model", digest)] = model  # this process has it: no second plugin load
    observables = []
    if opts.observables:
        from bridge.observables import CORE_OBSERVABLES

        observables += [s.observable for s in CORE_OBSERVABLES]
    observables += extra
    flavio_parts = []
    if likelihood is not None:
        from bridge.likelihoods.base import CombinedLikelihood
        from bridge.likelihoods.flavio_fast import FlavioLikelihood

        parts = likelihood.parts if isinstance(likelihood, CombinedLikelihood) else [likelihood]
        flavio_parts = [p for p in parts if isinstance(p, FlavioLikelihood)]
        for p in flavio_parts:
            observables += list(p.observables)
    ctx.observables = list(dict.fromkeys(observables))
    z_rows = [o for o in ctx.observables if _is_z_pole(o)]
    if z_rows:
        _check_z_pole_rows(z_rows, overrides)
    wet_rows = [o for o in ctx.observables if not _is_z_pole(o)]
    if wet_rows and opts.route == "fast":
        # a property of the observables in coefficient space: shipped, cached or built once
        from bridge.scan.fastpath_build import obtain

        ctx.fastpath = obtain(wet_rows, scale, overrides, tolerance=opts.tolerance,
                              progress=say, workers=opts.workers)
    if likelihood is not None and opts.route == "fast":
        sm_values = None
        if flavio_parts and ctx.fastpath is not None:  # the SM predictions: u = 0
            sm_values = {k: float(v[0]) for k, v in
                         ctx.fastpath.evaluate(np.zeros((1, fpm.N_VARIABLES))).items()}
        ctx.vector_likelihoods = vectorise(likelihood, overrides, sm_values)
    ctx.read = coefficients_read(ctx, opts.coefficients)
    return ctx, identity


def validate(ctx: Context, points: int, seed: int = 1) -> dict[str, float]:
    """Max relative difference fast path vs flavio per observable at ``points`` random points
    of the scan (imports flavio; a check the user can ask for with --validate)."""
    from bridge.scan.fastpath_build import _max_rel_diff, direct_values

    rng = np.random.default_rng([seed, 104729])
    ids = np.sort(rng.choice(ctx.space.size, min(points, ctx.space.size), replace=False))
    binputs, _ = batch_inputs(ctx.space, ctx.inputs, ctx.space.values(ids))
    res = evaluate_batch(_model(ctx), binputs, ctx.sm, source=ctx.card, vectorised=ctx.vectorised,
                         handover_scale=ctx.scale, par=ctx.overrides, point_ids=ids)
    u, outside = fpm.to_units(res.coefficients, res.size)
    good = np.flatnonzero(res.ok & ~outside)
    fast = ctx.fastpath.evaluate(u[good])
    par = _flavio_par(ctx)
    obs = [o for o in ctx.observables if o.label in fast]
    direct = np.array([direct_values({k: complex(v[i]) for k, v in res.coefficients.items() if v[i] != 0},
                                     ctx.scale, obs, par) for i in good]).reshape(good.size, len(obs))
    return {o.label: _max_rel_diff(fast[o.label], direct[:, j]) for j, o in enumerate(obs)}


class Progress:
    """A progress line on stderr: done/total, rate and ETA, after every chunk and every report
    of points done within the chunks in flight (:func:`run_packed`; redrawn in place on a
    terminal; elsewhere a line at most every :data:`PLAIN_EVERY` seconds). With the chunk
    sizes of :class:`ChunkPlan` and the reports it moves about every second."""

    #: Seconds between two plain lines (stderr not a terminal: a log file, a pipe).
    PLAIN_EVERY = 2.0

    def __init__(self, total: int, done: int, enabled: bool = True, stream=None):
        self.total, self.done, self.start_done = total, done, done
        self.running = 0  # points done within the chunks in flight (not stored yet)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, n: int, failed: int = 0) -> None:
        """``n`` more points stored."""
        self.done += n
        self._draw()

    def in_flight(self, n: int) -> None:
        """``n`` points done within the chunks in flight."""
        if n != self.running:
            self.running = n
            self._draw()

    def _draw(self) -> None:
        now = time.perf_counter()
        done = min(self.done + self.running, self.total)
        if not self.enabled or (not self.tty and now - self.last < self.PLAIN_EVERY
                                and done < self.total):
            return
        self.last = now
        rate = (done - self.start_done) / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else math.inf
        frac = done / self.total if self.total else 1.0
        bar = "#" * int(30 * frac)
        eta_s = time.strftime("%H:%M:%S", time.gmtime(eta)) if math.isfinite(eta) else "--:--:--"
        line = (f"[{bar:<30s}] {100 * frac:5.1f}% {done}/{self.total} points, "
                f"{rate:.3g} points/s, ETA {eta_s}")
        try:
            self.stream.write(("\r" + line) if self.tty else line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed stderr costs the report only
            pass

    def close(self) -> None:
        if self.enabled and self.tty:
            try:
                self.stream.write("\n")
            except (OSError, ValueError):
                pass


def run(opts: ScanOptions, pm=None, say=None) -> ScanSummary:
    """Run (or resume) a scan; see the module docstring. Everything that can refuse the scan
    is checked before the results file is created or changed.

    SIGINT and SIGTERM stop it in order (bridge.interrupts): the chunks in flight are given up,
    the workers ended, every point stored is kept, and :class:`bridge.interrupts.Stopped` (a
    KeyboardInterrupt) is raised; the handlers are restored on the way out, and a SIGTERM then
    takes its default action (the process ends by it). Where the caller installed its own SIGINT
    or SIGTERM handler, that handler is left in place and decides (bridge.interrupts._ours)."""
    import signal

    from bridge import interrupts

    with interrupts.handled((signal.SIGINT, signal.SIGTERM), terminate=True):
        try:
            return _run(opts, pm, say)
        except interrupts.Stopped as exc:  # raised by the handler before the loop: the line
            if exc.signum == signal.SIGINT or exc.message != interrupts.describe(exc.signum):
                raise
            raise interrupts.Stopped(exc.signum, _stopped(opts, exc.signum)) from None


def _run(opts: ScanOptions, pm=None, say=None) -> ScanSummary:
    from bridge import interrupts
    from bridge.scan.executors import make_backend

    t0 = time.perf_counter()
    _check_counts(opts)
    backend = None
    if opts.mpi:
        # the MPI workers started, and their initializer run (their SIGINT and SIGTERM handled),
        # before the set-up and before the results file exists: mpiexec starts them with the
        # master, and until the pool was made (after the set-up, ~1 s; 20 s with --validate 50)
        # a Ctrl-C gave their tracebacks and an MPI_Abort, a SIGTERM ended them (review rev22)
        with interrupts.raising():
            backend = make_backend(scheduler=opts.scheduler, mpi=True)  # (both: refused there)
    try:
        return _scan(opts, pm, say, backend, t0)
    finally:
        if backend is not None:
            backend.close()  # (closed already when the scan ran: then nothing)


def _scan(opts: ScanOptions, pm, say, backend, t0: float) -> ScanSummary:
    from bridge import interrupts
    from bridge.scan import store as stm

    say = say or (lambda msg: print(msg, file=sys.stderr))
    results = Path(opts.results)
    existed = results.exists()
    if existed:
        stm.open_results(results).close()  # a foreign, empty or damaged file: refused now
    ctx, identity = prepare(opts, pm, say)
    if existed:
        stored = stm.meta(results).get("scan")
        if stored is not None and _legacy_log_map(stored):
            # an earlier scan's log axes: its points as it computed them (numpy's exp)
            sp = ctx.space
            ctx.space = Space(sp.axes, sp.sampler, sp.size, sp.seed, log_map="numpy")
            identity["space"] = ctx.space.as_dict()
        if stored is not None and _comparable(stored) != identity:
            comparable = _comparable(stored)
            changed = sorted(k for k in set(identity) | set(comparable)
                             if identity.get(k) != comparable.get(k))
            hint = ""
            if changed == ["coefficients"] and "coefficients" not in stored:
                hint = " (a scan of an earlier version, which stored every coefficient: resume it " \
                       "with --coefficients all)"
            raise InputError(f"{opts.results} holds a different scan (differs in: {', '.join(changed)})"
                             f"{hint}; give another -o or remove the file")
        # the stored points as this process computes them, before a chunk is added
        stm.check_points(results, ctx.space)
    checks = validate(ctx, opts.validate) if opts.validate and ctx.fastpath is not None else None
    store = stm.Store(results, ctx.space)
    try:
        store.set_meta("scan", identity)
        store.set_meta("card_text", Path(opts.card).read_text(errors="replace"))
        if ctx.fastpath is not None:
            store.set_meta("fastpath", {"summary": ctx.fastpath.summary(), "info": ctx.fastpath.info,
                                        **({"validation": checks} if checks else {})})
            # the recipe of the derived obs: columns (bridge.scan.store)
            store.set_meta("fastpath_representations", fastpath_recipe(ctx))
        if opts.retry_failed:
            store.retry_failed()
        setup = time.perf_counter() - t0
        summary = _run_chunks(opts, ctx, store, say, backend)
        summary.setup_seconds = setup
        summary.validation = checks or {}
        store.set_meta("last_run", {"seconds": summary.seconds, "computed": summary.computed,
                                    "backend": summary.backend, "setup_seconds": setup})
        return summary
    except BaseException as exc:
        if not existed and store.count()[0] == 0:  # nothing of this new file is worth keeping
            store.close()
            stm.remove(results)
            store = None
            # their lines, made while the file existed, said that the points stored are kept
            if isinstance(exc, interrupts.Stopped) and exc.message != interrupts.describe(exc.signum):
                raise interrupts.Stopped(exc.signum, _stopped(opts, exc.signum)) from None
            if isinstance(exc, WorkerLost):
                raise WorkerLost(_lost(opts)) from None
        raise
    finally:
        if store is not None:
            store.close()


#: Most local worker processes a scan starts (--workers), per core of this process (at least
#: 8 in all): 10¹² raised an OSError from the shared counters' file (review rev23), and 1024 on 2
#: cores would take ~130 GB (a worker's ~130 MB; review rev24). CPU-bound workers gain nothing
#: beyond the cores.
WORKERS_PER_CORE = 4


def _check_counts(opts: ScanOptions) -> None:
    """Refuse a count option out of range in one line (InputError), before anything is done,
    and make a numpy integer a Python one (``opts`` changed): --workers -2 raised a ValueError
    from multiprocessing's shared counters, --seed -1 one from numpy's generator, --chunk-size 0
    or below was taken as its default or as 1, and np.int64 workers a TypeError there."""
    from bridge.scan.executors import default_workers

    most_workers = max(8, WORKERS_PER_CORE * default_workers())
    for attribute, option, least, most in (("workers", "--workers", 1, most_workers),
                                           ("chunk_size", "--chunk-size", 1, None),
                                           ("seed", "--seed", 0, None)):
        value = getattr(opts, attribute)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least \
                or (most is not None and value > most):
            bound = f">= {least}" if most is None else f"from {least} to {most}"
            raise InputError(f"{option} must be an integer {bound}, got {value!r}")
        setattr(opts, attribute, int(value))


def _comparable(stored: dict) -> dict:
    """A stored scan identity as today's (older files also held the card's path, and stored
    every coefficient: ``coefficients`` "all"; their log axes used numpy's map, ``log_map``
    "numpy")."""
    out = {"coefficients": "all", **{k: v for k, v in stored.items() if k != "card"}}
    if _legacy_log_map(stored):
        out["space"] = {**stored["space"], "log_map": "numpy"}
    return out


def _legacy_log_map(stored: dict) -> bool:
    """Whether a stored scan identity is of a scan whose log axes used numpy's map (one from
    before bridge.scan.space.portable_exp: a log axis, no ``log_map``, or "numpy" once resumed)."""
    space = stored.get("space")
    return (isinstance(space, dict) and space.get("log_map", "numpy") == "numpy"
            and any(isinstance(a, dict) and a.get("log") for a in space.get("axes", ())))


class ChunkPlan:
    """Points per chunk: small first chunks, then as many as a worker computes in ``seconds``
    (:data:`CHUNK_SECONDS` times the workers) at the rate of the recent chunks (at most
    ``largest``, at most :data:`GROWTH` times the previous size), so that the progress line moves every second
    or so whatever the model's speed; a ``--chunk-size`` fixes it. The rate is the best of the
    last few chunks: a worker's first chunk also pays its start-up (imports, the model's set-up),
    and a chunk's fixed costs weigh more the smaller it is, so an average over all chunks
    would keep the chunks small.

    The first ``slots`` chunks (one a worker, :meth:`next_size`) have ``first`` points, the next
    ``slots`` ``second`` (default ``first``): both are handed out before any chunk ends. A first
    chunk's rate is mostly the worker's warm-up (``measured(..., first=True)``: not a rate when
    ``second`` differs), so no further chunk is planned (:meth:`ready`) until another chunk
    has ended, whose rate may take the next straight to GROWTH times ``second``."""

    RECENT = 4

    def __init__(self, first: int, largest: int, seconds: float = CHUNK_SECONDS, fixed: bool = False,
                 second: int | None = None):
        self.size, self.largest, self.seconds, self.fixed = max(1, first), max(1, largest), seconds, fixed
        self.first = self.size
        self.second = max(1, min(self.first if second is None else second, self.largest))
        self.rates: list[float] = []  # points per second of the last chunks
        self.handed = 0  # chunks handed out

    def measured(self, points: int, seconds: float, first: bool = False) -> None:
        """A chunk of ``points`` took a worker ``seconds`` (of CPU: see :func:`run_packed`);
        ``first``: one of the first chunks (:meth:`next_size`), whose time holds the warm-up."""
        if not (first and self.second != self.first):
            self.rates = [*self.rates[1 - self.RECENT:], points / max(seconds, 1e-9)]

    def ready(self, slots: int = 1) -> bool:
        """Whether the next chunk can be planned: after the first 2 × ``slots`` chunks, only
        once a rate is known (the caller hands out the next chunk anyway when none is in
        flight: then one of those has ended and given a rate)."""
        return self.fixed or bool(self.rates) or self.second == self.first \
            or self.handed < 2 * slots

    def step(self, seconds: float | None = None) -> int | None:
        """Points a worker computes in ``seconds`` (default :data:`REPORT_SECONDS`) at the best
        recent rate (None before the first chunk ends)."""
        seconds = REPORT_SECONDS if seconds is None else seconds
        return max(1, int(max(self.rates) * seconds)) if self.rates else None

    def next_size(self, remaining: int | None = None, slots: int = 1) -> int:
        """Points of the next chunk; ``remaining``: points of the scan not yet handed out,
        ``slots``: the backend's workers (the first ``slots`` chunks are the first ones; see
        also :meth:`tail`)."""
        size = self.size
        if not self.fixed and self.rates:
            wanted = int(max(self.rates) * self.seconds)
            size = self.size = max(1, min(wanted, GROWTH * self.size, self.largest))
        elif not self.fixed and self.handed >= slots:  # queued behind the workers' first chunks
            size = self.size = self.second
        self.handed += 1
        if remaining is None or self.fixed or slots < 2:  # one worker never waits for another
            return size
        return self.tail(remaining, slots, size)

    def tail(self, remaining: int, slots: int, planned: int | None = None) -> int:
        """The chunk size near the scan's end: at most 1/(:data:`TAIL_SHARE` × ``slots``) of the
        points left, never below 1/:data:`TAIL_FLOOR` of the largest chunk (nor above the planned
        size), and all of them once fewer than half that floor and half this chunk would be
        left and they fit the planned size (no last chunk of a few points; a small scan's first
        chunks stay small). The workers take chunks from one queue, so the last one to finish
        runs on alone for at most a chunk: with chunks of the full size to the end, one worker of
        two idled for up to a whole chunk (0.2-0.4 s of a 2·10⁵-point scan). Not for one worker
        (:meth:`next_size`). ``planned``: the planned size (default the plan's)."""
        planned = self.size if planned is None else planned
        floor = max(1, self.largest // TAIL_FLOOR)
        size = min(planned, max(-(-remaining // (TAIL_SHARE * slots)), floor))
        merge = remaining - size < -(-min(floor, size) // 2) and remaining <= planned
        return remaining if merge else size


def _chunk_plan(opts: ScanOptions, ctx: Context) -> ChunkPlan:
    if opts.chunk_size:
        size = max(1, int(opts.chunk_size))
        return ChunkPlan(size, size, fixed=True)
    if ctx.route == "direct":
        kind = "direct"
    elif ctx.dark_matter:  # the relic density dominates whatever the model's batch speed
        kind = "dark matter"
    else:
        model = _model(ctx)
        batched = model.description is not None or model.implements("bridge_batch_spectrum")
        kind = "vectorised" if ctx.vectorised and batched else "points"
    return ChunkPlan(FIRST_CHUNK[kind], CHUNK[kind], second=SECOND_CHUNK[kind])


def _run_chunks(opts: ScanOptions, ctx: Context, store: Store, say, backend=None) -> ScanSummary:
    """The chunks through the backend (``backend``, or one made here) into ``store``. Once the
    backend has started, to its close, a signal is only recorded (bridge.interrupts.recording:
    nothing there can swallow it) and the loop looks at the record between its waits
    (:data:`STOP_CHECK_SECONDS`)."""
    from bridge import interrupts

    with interrupts.recording():
        return _loop(opts, ctx, store, say, backend)


def _stop_if_requested(opts: ScanOptions) -> None:
    """bridge.interrupts.stop with the scan's line for SIGTERM (SIGINT's is "interrupted")."""
    from bridge import interrupts

    signum = interrupts.requested()
    if signum is not None:
        interrupts.stop(_stopped(opts, signum))


def _stopped(opts: ScanOptions, signum: int) -> str:
    """The line of a scan stopped by ``signum`` (other than SIGINT's "interrupted")."""
    from bridge import interrupts

    if not os.path.exists(opts.results):  # stopped while it prepared: nothing stored yet
        return f"{interrupts.describe(signum)}; no results file was written"
    return (f"{interrupts.describe(signum)}; the points stored in {opts.results} are kept: "
            f"the same command resumes the scan")


def _lost(opts: ScanOptions) -> str:
    """The line of a scan whose local worker ended without finishing its chunk."""
    lost = ("a worker process of the scan ended without finishing its chunk (killed by a signal "
            "or out of memory)")
    if not os.path.exists(opts.results):  # no point stored: the new file was removed
        return f"{lost}; no results file was written"
    return f"{lost}; the points stored in {opts.results} are kept: the same command resumes the scan"


def _loop(opts: ScanOptions, ctx: Context, store: Store, say, backend=None) -> ScanSummary:
    from bridge import interrupts
    from bridge.scan import executors
    from bridge.scan.executors import make_backend

    size = ctx.space.size
    done = store.done_ids()
    mask = np.ones(size, dtype=bool)
    mask[done[(done >= 0) & (done < size)]] = False
    todo = np.flatnonzero(mask)
    if opts.max_points is not None:
        todo = todo[: opts.max_points]
    plan = _chunk_plan(opts, ctx)
    progress = Progress(size, size - int(mask.sum()), opts.progress)
    start = time.perf_counter()
    computed = fallback = 0
    workers = opts.workers if todo.size else 1
    local = not (opts.scheduler or opts.mpi)
    # points done within the chunks in flight, one counter per task slot, in memory the local
    # workers share (Dask and MPI workers report at the end of their chunks only)
    reports = _shared_counters(4 * (workers or executors.default_workers()) + 4) if local else None
    # local worker processes take this process's versions and constants (Dask and MPI workers
    # and the in-process backend need none from here: not computed for them)
    pool = local and (workers or executors.default_workers()) > 1
    # a signal raises while the backend starts, as outside the loop: a Dask connection waits up
    # to its timeout in a thread join that a record-only Ctrl-C would not cut short (review
    # rev16: 13.5 s, then the connection's error and exit 2 instead of 130)
    if backend is None:
        with interrupts.raising():
            backend = make_backend(workers, opts.scheduler, opts.mpi, reports=reports,
                                   setup=_worker_setup() if pool else None)
    plan.seconds = CHUNK_SECONDS * backend.slots
    taken = 0
    free = list(range(len(reports))) if reports is not None else []
    slot_of: dict = {}  # future -> its counter
    busy: set = set()  # counters of the chunks in flight
    first_round: set = set()  # futures of the workers' first chunks
    unstored: set = set()  # chunks ended, not yet stored and measured
    number: dict = {}  # future -> its place in the order of submission

    def in_flight() -> None:
        progress.in_flight(sum(reports[k] for k in busy))

    serial = isinstance(backend.executor, executors.SerialExecutor)
    if serial and reports is not None:  # the chunk runs in this thread: draw from its reports
        executors.REPORTS = reports
        _LISTENER.append(in_flight)

    def submit() -> bool:
        nonlocal taken
        if interrupts.requested() is not None:  # stopping: nothing more (an in-process chunk
            return False                        # ran and was interrupted in this thread)
        if taken >= todo.size or ((pending or unstored) and not plan.ready(backend.slots)):
            return False  # (a chunk still to end or to be looked at gives the plan its rate)
        first = plan.handed < backend.slots  # a worker's first chunk (ChunkPlan.measured)
        ids = todo[taken:taken + plan.next_size(todo.size - taken, backend.slots)]
        taken += ids.size
        report = None
        if reports is not None:
            slot = free.pop()
            reports[slot] = 0
            busy.add(slot)
            step = plan.step()
            report = (slot, step if step is not None and ids.size > 2 * step else None)
        fut = backend.executor.submit(run_packed, ctx, ids, ctx.space.values(ids), report)
        if report is not None:
            slot_of[fut] = report[0]
        if first:
            first_round.add(fut)
        number[fut] = plan.handed
        pending.add(fut)
        return True

    completed = False
    try:
        pending: set = set()
        _stop_if_requested(opts)  # a signal recorded before (its KeyboardInterrupt swallowed)
        while len(pending) < 2 * backend.slots and submit():
            pass
        reported = time.monotonic()
        while pending:
            finished, pending = wait(pending, timeout=STOP_CHECK_SECONDS, return_when=FIRST_COMPLETED)
            backend.watch()  # (a local pool stuck on a worker killed mid-result: executors._LocalPool)
            unstored.update(finished)
            # in the order handed out: chunks that end together (the in-process backend's) are
            # stored in id order, and the plan hears of a worker's first chunk first
            for fut in sorted(finished, key=number.pop):
                unstored.discard(fut)
                try:
                    packed, fallback_points, seconds = fut.result()
                except KeyboardInterrupt as exc:  # a worker's (a signal to it alone) or this thread's
                    _stop_if_requested(opts)
                    signum = getattr(exc, "signum", signal.SIGINT)  # (a worker's SIGTERM: Stopped)
                    if signum == signal.SIGINT:
                        raise
                    raise interrupts.Stopped(signum, _stopped(opts, signum)) from None
                store.write_packed(packed)
                if fut in slot_of:
                    slot = slot_of.pop(fut)
                    busy.discard(slot)
                    free.append(slot)
                    progress.running = sum(reports[k] for k in busy)  # stored now, not in flight
                plan.measured(packed.ids.size, seconds, first=fut in first_round)
                first_round.discard(fut)
                computed += packed.ids.size
                fallback += fallback_points
                progress.update(packed.ids.size)
                while len(pending) < 2 * backend.slots and submit():  # (ChunkPlan.ready)
                    pass
            if reports is not None and (finished or time.monotonic() - reported >= REPORT_SECONDS):
                in_flight()
                reported = time.monotonic()
            # a stop after the chunks that ended in this wait are stored (a few ms): their
            # results are in hand (a starved scanning process dropped a finished first chunk,
            # and with it the file)
            _stop_if_requested(opts)
        _stop_if_requested(opts)  # (the in-process backend: nothing pending once submit refuses)
        completed = True
    except BrokenExecutor:  # a local worker killed (a signal, the OOM killer): no traceback
        # a SIGTERM to the process group ends a worker still starting (its default action,
        # before the worker's handler is in place): the scan's stop, not a lost worker. Its
        # handler here has run by now (the signal reached this process before any worker died
        # of it); the pause is a margin.
        if interrupts.requested() is None:
            time.sleep(STOP_CHECK_SECONDS)
        try:
            _stop_if_requested(opts)
        except interrupts.Stopped as exc:
            raise exc from None
        raise WorkerLost(_lost(opts)) from None
    finally:
        if serial and reports is not None:
            executors.REPORTS = None
            _LISTENER.remove(in_flight)
        progress.close()
        backend.close(halt=not completed)  # a stop: the chunks in flight end at their next part
    n, bad = store.count()
    return ScanSummary(str(opts.results), size, n, bad, computed, time.perf_counter() - start, 0.0,
                       fallback, backend.label,
                       [o.label for o in ctx.fastpath.direct] if ctx.fastpath else [])


def _worker_setup() -> tuple:
    """What a local worker takes from this process when it starts (executors.make_backend's
    ``setup``): the installed versions of flavio, wilson and rundec (bridge.versions), the
    checked constants of α_s and α_e and whether numpy's log is the C library's
    (bridge.couplings), the same for every process of this installation on this machine: a
    worker is spared importlib.metadata, the constants' check and the log's."""
    from bridge import couplings, versions

    constants = couplings.constants()  # (looks the versions up, if this process has not)
    return _adopt, (versions.known(), constants, couplings.log_check())


def _adopt(known: dict, constants, log_check: bool) -> None:
    """In a local worker: :func:`_worker_setup`'s state of the scanning process."""
    from bridge import couplings, versions

    versions.adopt(known)
    couplings.adopt(constants)
    couplings.adopt_log_check(log_check)


def _shared_counters(n: int):
    """``n`` int64 counters in shared memory (no lock: each has one writer at a time, a worker
    while its chunk runs; a killed worker cannot leave a lock held)."""
    import multiprocessing

    return multiprocessing.get_context("spawn").RawArray("q", n)
