"""The scan's vectorised path (bridge.pipeline.evaluate_batch, as bridge.scan.runner.run_chunk
calls it: model, matching, running to the hand-over scale) changes no number with the speed-ups
of issue 12 (second round: cached Z-penguin and penguin functions, shared evaluations across a
batch, the assembly's shortcuts).

tests/data/batch_reference.json.gz (gzipped JSON) holds what evaluate_batch returned at commit 552ccba (main
before these speed-ups) for the batches of :func:`reference_batch`: for F_Ib, F_IIb, S_Ib and
the scotogenic model, the card, random masses, every pair of mass entries equal or split by
1e-12 ... 0.5 relative (exact and near degeneracies, around the loop functions' series switch),
all masses equal, and the Yukawa couplings of the card made complex (random phases, the zero
entries switched on: every LFV and Z-pole term); for the other shipped cards (Table II) a short
batch of the same kinds. It was written by this file run as a script
with that commit first on the path:

    git archive 552ccba | tar -x -C /tmp/ref
    PYTHONPATH=/tmp/ref python tests/test_batch_speedups.py --write

Every coefficient, contribution and one-loop summary c must satisfy, at every point,

    |c − c_ref| <= 1e-12 |c_ref| + k ε S,     ε = 2.2e-16, k = 256,

with S the sum of the magnitudes of the pieces added to make c: c = Σ_j L_j w_j over the
loop-function values L_j the engine evaluates (one box integral of one mass set, one penguin
divided difference, dipole or photon-penguin function, at one point; w_j collects the couplings
and constants; a one-loop c is linear in each), S = Σ_j |L_j w_j| (:func:`piece_scales`), plus
the same over the box topologies (FD, FX, SD, SX, M1, M2 of each box, :func:`topology_scales`:
pieces that share a loop value and cancel by their couplings, as SD + SX of a real scalar
between Dirac fermions, are apart there), stored in tests/data/batch_reference_scales.json.gz
(3 digits). The second term is the forward-error bound of the
same sum evaluated another way (Higham, Accuracy and Stability of Numerical Algorithms, 2nd
ed., §4.2: a sum of n terms in any order is exact to γ_{n−1} Σ|terms| ≈ (n−1) ε S, for the
old and the new order alike) plus the change of each L_j: the speed-ups of issue 12 (third
round: an artanh series for close first differences, the Taylor terms of a cluster summed as one
contraction, powers by multiplication) change loop-function values by their own rounding, a
few tens of ulp where their recursion loses them (I1, I2 of both versions agree with 50-digit quadrature to
≤ 3e-14 ≈ 140 ε relative). k = 256 covers both with a margin of ~2. Where c does not cancel
(S ≈ |c|) this is the 1e-12 relative comparison of before (changed by 6e-14 at most); where the
pieces cancel (Z penguins, S_Ib's C10_bsee, boxes of couplings the card sets to zero that the
batch switches on, the ν_e ν̄_e boxes of the scotogenic η⁰ components) it allows the rounding
any evaluation of those pieces has. :func:`test_the_bound_catches_a_1e10_change_of_what_does_not_cancel`
checks that the bound still catches a 1e-10 relative change of every value that does not cancel.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "batch_reference.json.gz"
#: S of every quantity and point (:func:`piece_scales`), written with the code of eb41224 (main
#: before these changes; its values equal the reference to 1e-12) by this file run as a script:
#:     git archive eb41224 | tar -x -C /tmp/base
#:     PYTHONPATH=/tmp/base python tests/test_batch_speedups.py --write-scales
#: (the shipped file was written in two passes, piece_scales then topology_scales added: the
#: same sums, rounded to 3 digits once more)
SCALES = ROOT / "tests" / "data" / "batch_reference_scales.json.gz"
#: full batches for these models; the other Table II cards get a short one (:data:`SHORT`)
FULL = ("F_Ib", "F_IIb", "S_Ib", "scotogenic")
TABLE2 = ("F_Ia", "F_Ic", "F_IIa", "F_IIc", "F_Va", "F_Vb", "F_Vc", "S_Ia", "S_Ic", "S_IIa",
          "S_IIb", "S_IIc", "S_Va", "S_Vb", "S_Vc")
CARDS = {name: f"cards/{name}.slha" for name in FULL + TABLE2}
MASSES = {name: (1, 2, 3, 4, 5) if name == "scotogenic" else (1, 2, 3, 4) for name in CARDS}
SPLITS = (0.0, 1e-12, 1e-8, 1e-4, 0.05, 0.29, 0.31, 0.5)
#: the short batch: these mass pairs and splits, no random points
SHORT = {"pairs": ((1, 2), (3, 4), (1, 4)), "splits": (0.0, 1e-8, 0.29)}
#: Yukawa blocks made complex (random phases; zero entries switched on at 0.1 × a phase)
COUPLINGS = ("GAMMAQIN", "GAMMALIN", "GAMMAEIN")
SCALE = 160.0
RTOL = 1e-12
#: unit roundoff of float64 and the k of the bound (module docstring)
EPS = 2.2e-16
K_EPS = 256


def reference_batch(name: str, inputs) -> dict[str, dict]:
    """Block → entry → value or (N,) array of the points (see the module docstring)."""
    rng = np.random.default_rng(12)
    base = {k: float(v) for k, v in inputs["MINPAR"].items()}
    points = [dict(base)]
    ms = MASSES[name]
    full = name in FULL
    for _ in range(8 if full else 0):
        p = dict(base)
        for m in ms:
            p[m] = base[m] * rng.uniform(0.3, 2.0)
        points.append(p)
    pairs = [(a, b) for i, a in enumerate(ms) for b in ms[i + 1:]] if full else SHORT["pairs"]
    for a, b in pairs:
        for split in SPLITS if full else SHORT["splits"]:
            p = dict(base)
            p[b] = p[a] * (1 + split)
            points.append(p)
    for split in SPLITS if full else (0.0, 1e-4):
        p = dict(base)
        for k, m in enumerate(ms):
            p[m] = 700.0 * (1 + split * (k % 2))
        points.append(p)
    n = len(points)
    blocks = {b: dict(inputs[b]) for b in inputs}
    blocks["MINPAR"] = {k: np.array([p[k] for p in points]) for k in base}
    complex_half = np.arange(n) % 2 == 1  # every other point with complex couplings
    for block in COUPLINGS:
        if block not in blocks:
            continue
        for k, v in blocks[block].items():
            v = complex(v)
            phase = np.exp(1j * rng.uniform(-np.pi, np.pi, n))
            size = abs(v) if v != 0 else 0.1
            blocks[block][k] = np.where(complex_half, size * phase * (np.sign(v.real) or 1.0), v)
    return blocks


def _evaluate(name: str, **options) -> tuple[dict[str, np.ndarray], list]:
    """quantity → complex (N,) array of evaluate_batch on the reference batch, and the errors;
    ``options`` go to evaluate_batch."""
    from bridge.model import BatchInputs
    from bridge.pipeline import evaluate_batch
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, info, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    blocks = reference_batch(name, inputs)
    n = blocks["MINPAR"][1].size
    res = evaluate_batch(model, BatchInputs(blocks, n, inputs.source), sm, info=info,
                         handover_scale=SCALE, par={}, **options)
    out = {}
    for kind, table in (("wc", res.coefficients), ("contrib", res.contributions),
                        ("ol", res.one_loop), ("mass", res.masses)):
        for k, v in table.items():
            out[f"{kind}:{k}"] = np.asarray(v, dtype=complex)
    return out, list(res.errors)


def evaluated(name: str, **options) -> dict[str, list]:
    """quantity → [re, im] per point of evaluate_batch on the reference batch (NaN → None);
    ``options`` go to evaluate_batch."""
    values, errors = _evaluate(name, **options)
    out = {key: [[None, None] if not np.isfinite(x) else [x.real, x.imag] for x in v]
           for key, v in values.items()}
    out["errors"] = errors
    return out


#: The loop functions through which bridge.engine's coefficients depend on the masses (it calls
#: them as ``loops.<name>``); each coefficient is linear in each value they return (one loop).
LOOP_FUNCTIONS = ("box_integrals", "dd2_pair", "dd2_u2logu", "dipole_functions", "penguin_functions")
#: relative step of a loop-function value in :func:`piece_scales` (any step: c is linear in it)
STEP = 2.0**-8


def piece_scales(name: str) -> dict[str, np.ndarray]:
    """S of every quantity at every point of the reference batch: Σ_j |L_j ∂c/∂L_j| over the
    loop-function values L_j the engine evaluates (each box integral of a mass set, each
    penguin divided difference, dipole and photon-penguin function: one value per point and
    argument set), i.e. the sum of the magnitudes of the pieces L_j w_j that are added to
    make c = Σ_j L_j w_j (w_j: couplings and constants). c is linear in each L_j, so
    L_j ∂c/∂L_j = (c(L_j (1 + h)) − c)/h exactly up to rounding: one evaluate_batch per
    value, with that value scaled by 1 + h at every point (the batch's points are
    independent). Values computed point by point (points the batch refuses) are not varied:
    those points are errors in the reference, not compared."""
    from bridge import loops

    originals = {f: getattr(loops, f) for f in LOOP_FUNCTIONS}
    n = len(reference_batch(name, _card_inputs(name))["MINPAR"][1])
    slots: list[tuple[int, int, int]] = []
    state = {"call": 0, "target": None, "record": False}

    def wrapped(function):
        def call(*args):
            values = originals[function](*args)
            many = isinstance(values, tuple)
            outs = [np.array(v, dtype=float) for v in (values if many else (values,))]
            k = state["call"]
            state["call"] += 1
            for o, v in enumerate(outs):
                if v.ndim < 2 or v.shape[0] != n:
                    continue  # a single point's values (see above)
                flat = v.reshape(n, -1)
                if state["record"]:
                    slots.extend((k, o, j) for j in range(flat.shape[1]))
                if state["target"] is not None and state["target"][:2] == (k, o):
                    flat[:, state["target"][2]] *= 1.0 + STEP
            return tuple(outs) if many else outs[0]
        return call

    try:
        for f in LOOP_FUNCTIONS:
            setattr(loops, f, wrapped(f))
        state["record"] = True
        base, _ = _evaluate(name)
        state["record"] = False
        return _step_changes(name, base, slots, lambda slot: state.update(call=0, target=slot))
    finally:
        for f, fn in originals.items():
            setattr(loops, f, fn)


def topology_scales(name: str) -> dict[str, np.ndarray]:
    """Σ_t |c_t| over the box topologies t of bridge.engine.box_semileptonic (each call of
    engine._box_topology: FD, FX, SD, SX, M1, M2 of one box, one value per point), by the same
    finite step as :func:`piece_scales`: the pieces that share a loop value there and cancel
    by their couplings (a real scalar between Dirac fermions: SD + SX = 0 for every mass;
    the rows of a unitary mixing) are apart here."""
    from bridge import engine

    original = engine._box_topology
    n = len(reference_batch(name, _card_inputs(name))["MINPAR"][1])
    state = {"call": 0, "target": None}

    def call(*args):
        value = np.array(original(*args), dtype=complex)
        k = state["call"]
        state["call"] += 1
        if k == state["target"] and value.shape == (n,):
            value *= 1.0 + STEP
        return value

    try:
        engine._box_topology = call
        base, _ = _evaluate(name)
        return _step_changes(name, base, range(state["call"]),
                             lambda target: state.update(call=0, target=target))
    finally:
        engine._box_topology = original


def _step_changes(name: str, base: dict, targets, aim) -> dict[str, np.ndarray]:
    """Σ over ``targets`` of |c(one piece × (1 + STEP)) − c|/STEP for every quantity c of
    ``base``; ``aim(target)`` sets the piece the next evaluation scales."""
    n = len(next(iter(base.values())))
    scales = {key: np.zeros(n) for key in base}
    for target in targets:
        aim(target)
        varied, _ = _evaluate(name)
        for key, v in base.items():
            if key in varied:
                change = np.abs(varied[key] - v) / STEP
                scales[key] += np.where(np.isfinite(change), change, 0.0)
    return {key: s for key, s in scales.items() if np.any(s > 0)}


def _card_inputs(name: str):
    from bridge.run import load_point

    return load_point(str(ROOT / CARDS[name]))[3]


def _reference() -> dict:
    with gzip.open(REFERENCE, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _scales() -> dict:
    with gzip.open(SCALES, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _values(column: list) -> np.ndarray:
    return np.array([complex(*x) if x[0] is not None else np.nan for x in column])


def _violations(ref: np.ndarray, got: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Where ``got`` leaves the bound |got − ref| <= RTOL |ref| + K_EPS ε S (module docstring)."""
    return np.abs(got - ref) > RTOL * np.abs(ref) + K_EPS * EPS * scale


def _compare(name: str, reference: dict, got: dict) -> None:
    assert got["errors"] == reference["errors"]
    ok = np.array([e is None for e in reference["errors"]])
    assert sum(ok) > (50 if name in FULL else 10)
    # every quantity the reference has must be there (new ones are tested where they are added)
    assert set(reference) <= set(got), sorted(set(reference) - set(got))
    scales = _scales()[name]
    for key, ref in reference.items():
        if key == "errors":
            continue
        r, v = _values(ref), _values(got[key])
        assert np.array_equal(np.isnan(r), np.isnan(v)), key
        s = np.array(scales.get(key, np.zeros(r.size)))
        keep = ok & ~np.isnan(r)
        r, v, s = r[keep], v[keep], s[keep]
        bad = _violations(r, v, s)
        assert not bad.any(), (name, key, np.flatnonzero(bad)[:5], r[bad][:3], v[bad][:3], s[bad][:3])


@pytest.mark.parametrize("name", list(CARDS))
def test_batch_equals_the_pipeline_before_the_speedups(name):
    _compare(name, _reference()[name], evaluated(name))


#: a quantity "does not cancel" at a point where the pieces add up to at most this many times
#: its size (S <= PLAIN |c|)
PLAIN = 10.0


@pytest.mark.parametrize("name", list(CARDS))
def test_the_bound_catches_a_1e10_change_of_what_does_not_cancel(name):
    """The bound is no blanket: every value of the reference that is not a cancellation
    (S <= 10 |c|), changed by 1e-10 of itself, violates it; and those values are a large part
    of the reference (more than 30%: 47% for S_Ib, whose Z penguins, lepton Z couplings and
    boxes of the couplings the batch switches on cancel, to 80% for F_Ib)."""
    reference, scales = _reference()[name], _scales()[name]
    ok = np.array([e is None for e in reference["errors"]])
    plain = total = 0
    for key, ref in reference.items():
        if key == "errors":
            continue
        r = _values(ref)
        s = np.array(scales.get(key, np.zeros(r.size)))
        keep = ok & ~np.isnan(r) & (r != 0)
        r, s = r[keep], s[keep]
        check = s <= PLAIN * np.abs(r)
        changed = r * (1 + 1e-10 * np.exp(1j * np.arange(r.size)))  # any direction in C
        assert _violations(r, changed, s)[check].all(), key
        plain += int(check.sum())
        total += r.size
    assert plain > 0.3 * total, (plain, total)


@pytest.mark.parametrize("name", ["F_Ib", "scotogenic"])
def test_without_z_pole_only_the_lepton_z_couplings_are_missing(name):
    """evaluate_batch(z_pole=False) (a scan reading no Z-pole row) leaves out the one-loop Z
    couplings of the leptons and nothing else: every other number as before."""
    reference = _reference()[name]
    got = evaluated(name, z_pole=False)
    shifts = {k for k in reference if k.startswith(("contrib:dgL_Z_", "contrib:dgR_Z_"))}
    assert shifts and not shifts & set(got)
    _compare(name, {k: v for k, v in reference.items() if k not in shifts}, got)


@pytest.mark.parametrize("name", ["F_Ib", "scotogenic", "S_Ib", "F_IIb"])
def test_without_dark_matter_couplings_no_flavour_number_changes(name):
    """evaluate_batch(dark_matter_couplings=False) (a scan with no dark-matter request) skips the
    sector's Higgs and W couplings and the composition: every number identical, bit for bit, to
    the default evaluation, and the reference still holds."""
    full = evaluated(name, z_pole=False)
    lean = evaluated(name, z_pole=False, dark_matter_couplings=False)
    assert lean == full


def test_without_lfv_parts_only_the_lfv_pieces_are_missing():
    """evaluate_batch(lfv_parts=False) (a scan that stores no contrib: breakdown) leaves out the
    photon/Z/box pieces of the LFV operators and nothing else: every coefficient, flag and other
    contribution identical, bit for bit, to the evaluation that keeps them."""
    from bridge import lfv

    pieces = {f"contrib:{op}_{kind}" for ops in (*lfv.FOUR_LEPTON.values(), *lfv.CONVERSION.values())
              for op in ops for kind in ("photon", "Z", "box")}
    full = evaluated("scotogenic", z_pole=False, dark_matter_couplings=False)
    lean = evaluated("scotogenic", z_pole=False, dark_matter_couplings=False, lfv_parts=False)
    missing = set(full) - set(lean)
    assert len(missing) > 50 and missing <= pieces, sorted(missing - pieces)
    assert set(lean) <= set(full)
    assert any(k.startswith("wc:CVLL_") for k in lean)  # the LFV coefficients themselves stay
    for key, value in lean.items():
        assert value == full[key], key


def test_dark_matter_couplings_are_skipped_only_without_a_dark_matter_request(monkeypatch):
    """The flag removes sector.higgs, sector.w and the composition from the spectrum; with
    ``dark_matter=True`` the summary still gets them (equal to the default spectrum's)."""
    from bridge import pipeline
    from bridge.darkmatter import summary as dm_summary
    from bridge.model import BatchInputs
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, info, inputs, _, _ = load_point(str(ROOT / CARDS["F_Ib"]))
    blocks = reference_batch("F_Ib", inputs)
    batch = BatchInputs(blocks, blocks["MINPAR"][1].size, inputs.source)
    full = pipeline.spectrum(model, batch, sm, batch=True)
    lean = pipeline.spectrum(model, batch, sm, batch=True, dark_matter_couplings=False)
    assert full.sector.higgs is not None and full.sector.w is not None and full.data["composition"]
    assert lean.sector.higgs is None and lean.sector.w is None and not lean.data["composition"]
    seen = []
    monkeypatch.setattr(dm_summary, "summary_batch",
                        lambda sector, sm, direct="native": seen.append(sector) or {})
    pipeline.evaluate_batch(model, batch, sm, info=info, dark_matter=True, dark_matter_couplings=False)
    assert len(seen) == 1 and seen[0].higgs is not None and seen[0].w is not None
    for a, b in ((seen[0].higgs.fermion, full.sector.higgs.fermion),
                 (seen[0].higgs.scalar, full.sector.higgs.scalar), (seen[0].w.left, full.sector.w.left)):
        assert np.array_equal(a, b)


def test_z_pole_rows_are_the_ones_that_need_the_shifts():
    """bridge.sectors.reads_z_pole: the `bridge run` table needs the shifts (R_e, R_mu, R_tau),
    its other rows and the flavio likelihoods' observables do not."""
    from bridge import sectors
    from bridge.observable import Observable
    from bridge.observables import RUN_OBSERVABLES
    from bridge.zpole import Z_POLE_OBSERVABLES

    table = [s.observable for s in RUN_OBSERVABLES]
    assert sectors.reads_z_pole(table)
    assert not sectors.reads_z_pole([o for o in table if o.name not in Z_POLE_OBSERVABLES])
    assert not sectors.reads_z_pole(sectors.known_observables())
    assert sectors.reads_z_pole([Observable("R_mu")]) and sectors.reads_z_pole(["R_e"])


if __name__ == "__main__" and "--write" in sys.argv:
    REFERENCE.parent.mkdir(exist_ok=True)
    doc = {name: evaluated(name) for name in CARDS}
    with gzip.GzipFile(REFERENCE, "wb", mtime=0) as raw:
        raw.write((json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8"))
    print(f"written {REFERENCE}")

if __name__ == "__main__" and "--write-scales" in sys.argv:
    # one model at a time, kept in the file as it is done (``--only A,B`` to redo some)
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else list(CARDS)
    doc = _scales() if SCALES.exists() else {}
    for name in only:
        scales = piece_scales(name)
        for key, s in topology_scales(name).items():  # S: both splits of c into pieces
            scales[key] = scales.get(key, 0.0) + s
        doc[name] = {key: [float(f"{x:.3g}") for x in s] for key, s in scales.items()}
        with gzip.GzipFile(SCALES, "wb", mtime=0) as raw:
            raw.write((json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8"))
        print(name, len(doc[name]), flush=True)
    print(f"written {SCALES}")
