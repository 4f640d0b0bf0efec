"""The spectrum and lepton-flavour speed-ups of issue 12 ("scans at the arithmetic limit": mass
matrices that no scanned parameter enters diagonalised once per batch, Yukawa couplings built on
the sectors' blocks, the scotogenic Nambu eigensystem once per batch) change no number.

tests/data/spectrum_reference.npz holds, for the batches of
test_batch_speedups.reference_batch (every shipped card; random masses, exact and near
degeneracies, complex couplings) and for scan-like batches of F_Ib, F_IIb, S_Ib and the
scotogenic model (:func:`scan_batch`: two masses on a grid, everything else the card's, so that
some sectors no scanned parameter enters), what the code before these speed-ups (commit
eb41224) gave:
every mass, mixing matrix, Yukawa, Z, W and Higgs coupling of the mass eigenstates, the
multiplets' shares of the states, the model's derived parameters (scotogenic Y_N, Σ), the LFV
coefficients (bridge.lfv) and the neutrino mass matrix. It was written by this file run as a
script with that code first on the path — eb41224 with the loop-function and engine speed-ups
of branch wt-bsfast-3 (e64fa31), which move the loop integrals, and so the LFV coefficients
that cancel, by rounding (≤ 4e-14 per loop value; tests/test_loops.py), while the spectrum
speed-ups pinned here are separate:

    git archive e64fa31 | tar -x -C /tmp/ref   # and /tmp/ref/plugins as bridge_plugins
    PYTHONPATH=/tmp/ref:<dir with bridge_plugins> OPENBLAS_NUM_THREADS=1 \
        python tests/test_spectrum_speedups.py --write

Each array must agree to 1e-12 of the largest |entry| of the same quantity at the same point
(a mixing matrix's or a coupling matrix's own scale: the entries are sums of products of
unit-norm mixing columns, whose rounding is bounded by a few ε times that scale).

Up to each mass eigenstate's sign. A real eigenvector of a non-degenerate eigenvalue is
defined up to its sign and nothing else, and linalg.real_symmetric diagonalises a matrix that
splits into blocks of at most two (the real neutral scalars of S_Ib, F_Ic, F_IIa, F_Va, S_IIc,
S_Vc, ...) block by block, not by LAPACK, whose sign conventions the reference holds. So each
state of a real mixing takes the sign of its column's overlap with the reference's column
(:func:`state_signs`), and that sign is applied to every quantity carrying the state's index
(:func:`signed`: the mixing's column, the Yukawa tables' scalar axis, both axes of the Z, W and
Higgs scalar couplings); a quantity the signs leave unchanged (masses, mass matrices, derived
parameters, shares |O|², LFV coefficients, m_ν) is compared as it is, and a quantity of any
other kind is refused (:func:`_kind`). A column overlapping its reference column by less than
1/√2 has no sign (a degenerate eigenvalue, whose eigenvectors are any rotation of each other,
or another state): refused with its name, never skipped (none in these batches). The complex
mixings (Takagi, Hermitian, bi-unitary) are compared as they are: no route changed their phase
conventions. Matching the signs leaves the comparison able to fail on one entry's sign, a 1e-10
change of one coupling, or two exchanged states (test_the_signed_comparison_can_fail).

S_Ib against mpmath. With real a_H and λ_Φ S_Ib's 4×4 neutral-scalar matrix is two 2×2 blocks
whose eigenvalues pair up within λ_Φ v²/2 (~1e-6 relative): LAPACK's 4×4 eigh, which wrote the
reference, mixes the pair's eigenvectors across the blocks by its rounding over that gap, so
the stored mixing is off by up to 1e-7 (6e-9 on the scan batch) and the couplings with a scalar
index by 9e-11 to 1e-7. There the mixing, every coupling with a scalar index and the LFV
coefficients (AGAINST_MPMATH) are compared instead, at the same tolerance, with the same code
fed mpmath's eigensystem (50 digits, rounded to float64) of the same float64 mass matrices
(:func:`mpmath_evaluated`), and the test asserts why: the stored reference is farther from it
than the new code (in the mixing and the couplings beyond 1e-12 and by more than 1e3 times the
new code's distance; in the LFV coefficients, second order in those errors, over the set).
The rest of S_Ib (masses, mass matrices, shares, fermion couplings) stays against the reference.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_batch_speedups import CARDS, reference_batch

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "spectrum_reference.npz"
RTOL = 1e-12



#: the two MINPAR entries of the scan-like batches (those of benchmarks/scan_throughput.py)
SCANNED = {"F_Ib": (1, 2), "F_IIb": (1, 4), "S_Ib": (1, 3), "scotogenic": (1, 4)}


def scan_batch(name: str, inputs) -> dict[str, dict]:
    """The card with two MINPAR masses on a 6 × 6 grid (0.5 to 2 times the card's)."""
    a, b = SCANNED[name]
    grid = np.linspace(0.5, 2.0, 6)
    fa, fb = (x.ravel() for x in np.meshgrid(grid, grid))
    blocks = {block: dict(inputs[block]) for block in inputs}
    blocks["MINPAR"][a] = float(inputs["MINPAR"][a]) * fa
    blocks["MINPAR"][b] = float(inputs["MINPAR"][b]) * fb
    return blocks


def computed(name: str, scan: bool = False) -> dict[str, np.ndarray]:
    """quantity → array (N, ...) of the spectrum, couplings and LFV coefficients of the
    reference batch of ``name`` (``scan``: of its scan-like batch; module docstring)."""
    return evaluated(name, scan)[0]


def evaluated(name: str, scan: bool = False) -> tuple[dict[str, np.ndarray], dict]:
    """:func:`computed` and the layout of its state indices: the sector's fermions and
    scalars (the axes of the couplings) and each mixing's columns and whether it is real."""
    from bridge import lfv, matching, pipeline
    from bridge.model import BatchInputs
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, _, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    blocks = scan_batch(name, inputs) if scan else reference_batch(name, inputs)
    n = blocks["MINPAR"][1].size
    batch = BatchInputs(blocks, n, inputs.source)
    spec = pipeline.spectrum(model, batch, sm, batch=True)
    out: dict[str, np.ndarray] = {}

    def grow(v):  # (N, ...): a value the batch does not change is repeated
        arr = np.asarray(v, complex)
        return arr if arr.ndim and arr.shape[0] == n else np.broadcast_to(arr, (n, *arr.shape))

    for p in spec.particles:
        out[f"mass:{p.name}"] = np.broadcast_to(np.asarray(p.mass, complex), (n,))
    for m in spec.mixings:
        out[f"mixing:{m.name}"] = grow(m.matrix)
    for key, mat in spec.data["mass_matrices"].items():
        out[f"mass_matrix:{key}"] = grow(mat)
    for key, value in spec.data["derived"].items():
        out[f"derived:{key}"] = grow(value)
    for state, shares in spec.data["composition"].items():
        for field, w in shares.items():
            out[f"share:{state}:{field}"] = np.broadcast_to(np.asarray(w, complex), (n,))
    sec = spec.sector
    for table, couplings in (("l", sec.left), ("r", sec.right)):
        for key, c in couplings.items():
            out[f"yukawa_{table}:{key}"] = grow(c)
    for kind, obj in (("z", sec.z), ("w", sec.w), ("higgs", sec.higgs)):
        for attr, value in vars(obj).items():
            if value is not None and np.asarray(value).dtype != object:
                out[f"{kind}:{attr}"] = grow(value)
    up = matching.ckm_rotated(sec, sm)
    coefficients = {**lfv.tau_dipoles(sec, sm), **lfv.lfv_coefficients(sec, sm, {}, quark_sector=up)}
    for key, value in coefficients.items():
        out[f"lfv:{key}"] = np.broadcast_to(np.asarray(value, complex), (n,))
    if model.implements("bridge_neutrino_mass_matrix"):
        m_nu = model.call("bridge_neutrino_mass_matrix", spectrum=spec, inputs=batch, sm=sm)
        out["m_nu"] = grow(m_nu)
    layout = {"fermions": tuple(f.name for f in sec.fermions),
              "scalars": tuple(s.name for s in sec.scalars),
              "mixings": {f"mixing:{m.name}": (tuple(m.columns), not np.iscomplexobj(m.matrix))
                          for m in spec.mixings}}
    return out, layout


def _reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as data:
        return {k: data[k] for k in data.files}


#: the state lists indexing the last two axes of the quantities that carry state indices
#: ("f": the sector's fermions, "s": its scalars); a mixing matrix's columns are its states
STATE_AXES = {"yukawa_l": "fs", "yukawa_r": "fs",
              "z:left": "ff", "z:right": "ff", "z:scalar": "ss",
              "w:left": "ff", "w:right": "ff", "w:scalar": "ss",
              "higgs:fermion": "ff", "higgs:scalar": "ss", "higgs:scalar2": "ss"}
#: quantities unchanged by a state's sign: masses, mass matrices (interaction basis), derived
#: parameters, shares |O|², LFV coefficients (sums over the states of products G G*), m_ν
INVARIANT = ("mass", "mass_matrix", "derived", "share", "lfv", "m_nu")


def _kind(key: str) -> str:
    for kind in STATE_AXES:
        if key == kind or key.startswith(kind + ":"):
            return kind
    head = key.split(":", 1)[0]
    if head == "mixing" or head in INVARIANT:
        return head
    raise AssertionError(f"{key}: neither state-indexed nor known to be invariant")


def state_signs(reference: dict, got: dict, layout: dict) -> dict[str, np.ndarray]:
    """state → (N,) ±1: the sign of each mass eigenstate of a real mixing in ``got`` relative
    to ``reference`` (the sign of its column's overlap with the reference's column). A real
    eigenvector of a non-degenerate eigenvalue is fixed up to that sign and nothing else; a
    column whose overlap is below 1/√2 in magnitude is no signed copy of the reference's (a
    degenerate eigenvalue, whose vectors are any rotation of each other, or another state):
    refused, naming it. States of complex mixings keep the sign +1 (compared as they are: no
    route changed their phase conventions)."""
    signs: dict[str, np.ndarray] = {}
    for key, (columns, real) in layout["mixings"].items():
        if not real:
            continue
        overlap = np.sum(np.real(reference[key]) * np.real(got[key]), axis=-2)
        for c, state in enumerate(columns):
            lost = np.flatnonzero(~(np.abs(overlap[:, c]) >= 2 ** -0.5))
            assert not lost.size, (
                f"{key}: the sign of {state} is undefined at points {lost.tolist()[:5]} "
                f"(|overlap| {np.abs(overlap[lost, c])[:5]}): a degenerate eigenvalue or "
                "another state; compare its eigenspace instead")
            sign = np.where(overlap[:, c] < 0, -1.0, 1.0)
            assert state not in signs or np.array_equal(signs[state], sign), (key, state)
            signs[state] = sign
    return signs


def signed(key: str, value: np.ndarray, signs: dict, layout: dict) -> np.ndarray:
    """``value`` with each state's sign applied to every index of that state."""
    kind = _kind(key)
    if kind in INVARIANT:
        return value
    n = value.shape[0]

    def of(states):
        return np.stack([signs.get(s, np.ones(n)) for s in states], axis=-1)

    if kind == "mixing":
        columns, _ = layout["mixings"][key]
        return value * of(columns)[:, None, :]
    lists = {"f": layout["fermions"], "s": layout["scalars"]}
    rows, cols = (of(lists[a]) for a in STATE_AXES[kind])
    return value * rows[:, :, None] * cols[:, None, :]


def deviation(ref: np.ndarray, value: np.ndarray) -> np.ndarray:
    """(N,) the largest |value − ref| of each point over the largest |ref| of the same
    quantity at the same point (module docstring); NaN must sit where the reference's is."""
    assert value.shape == ref.shape
    assert np.array_equal(np.isnan(ref), np.isnan(value))
    r, v = np.nan_to_num(ref), np.nan_to_num(value)
    axes = tuple(range(1, r.ndim))
    scale = np.max(np.abs(r), axis=axes) if axes else np.abs(r)
    diff = np.max(np.abs(v - r), axis=axes) if axes else np.abs(v - r)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(diff == 0, 0.0, diff / scale)


def _compare(name: str, reference: dict, got: dict, layout: dict, skip=()) -> None:
    """``name``: the card, "+scan" for its scan-like batch; ``got`` is compared after each
    state's sign is matched to the reference's (:func:`state_signs`); ``skip``: quantities
    compared elsewhere."""
    mine = {k.split("/", 1)[1]: v for k, v in reference.items() if k.split("/", 1)[0] == name}
    assert len(mine) > 10
    assert set(mine) == set(got), (sorted(set(mine) - set(got)), sorted(set(got) - set(mine)))
    signs = state_signs(mine, got, layout)
    for key, ref in mine.items():
        if key in skip:
            continue
        dev = deviation(ref, signed(key, got[key], signs, layout))
        bad = ~(dev <= RTOL)
        assert not bad.any(), (name, key, np.flatnonzero(bad)[:3], dev[bad][:3])


#: quantities of S_Ib compared with an mpmath eigensystem instead of the stored reference
#: (module docstring): the neutral-scalar mixing, every coupling with a scalar index, and the
#: LFV coefficients (bilinears of those couplings)
AGAINST_MPMATH = ("mixing:SIBSNMIX", "yukawa_l", "yukawa_r", "z:scalar", "w:scalar",
                  "higgs:scalar", "higgs:scalar2", "lfv")


def _mpmath_compared(key: str) -> bool:
    return any(key == k or key.startswith(k + ":") for k in AGAINST_MPMATH)


def _mp_real_symmetric(mass_matrix):
    """linalg.real_symmetric's contract (m² ascending, O with M² = O diag(m²) Oᵀ) from mpmath's
    Jacobi eigensystem (mpmath.eigsy) at 50 digits, rounded to float64."""
    import mpmath

    m = np.real(np.asarray(mass_matrix))
    flat = m.reshape(-1, *m.shape[-2:])
    values, vectors = np.empty(flat.shape[:-1]), np.empty(flat.shape)
    with mpmath.workdps(50):
        for k, x in enumerate(flat):
            e, q = mpmath.eigsy(mpmath.matrix(x.tolist()))
            order = sorted(range(len(e)), key=lambda i: e[i])
            values[k] = [float(e[i]) for i in order]
            vectors[k] = [[float(q[r, i]) for i in order] for r in range(x.shape[0])]
    return values.reshape(m.shape[:-1]), vectors.reshape(m.shape)


def mpmath_evaluated(name: str, scan: bool, monkeypatch) -> dict[str, np.ndarray]:
    """:func:`computed` with every real symmetric mass matrix diagonalised by mpmath
    (:func:`_mp_real_symmetric`): the same float64 mass matrices, the same float64 couplings."""
    from bridge import linalg

    with monkeypatch.context() as patch:
        patch.setattr(linalg, "real_symmetric", _mp_real_symmetric)
        return computed(name, scan)


def _max_deviations(reference: dict, got: dict, layout: dict, keys) -> dict[str, float]:
    """key → the largest deviation over the points of ``got`` from ``reference``, each state's
    sign matched to the reference's."""
    signs = state_signs(reference, got, layout)
    return {k: float(np.max(deviation(reference[k], signed(k, got[k], signs, layout))))
            for k in keys}


def _check_s_ib(name: str, scan: bool, monkeypatch, mutate=None) -> None:
    """S_Ib: the quantities AGAINST_MPMATH against mpmath, the rest against the reference
    (``mutate``: changes the computed quantities first, for the tests that this fails)."""
    got, layout = evaluated(name, scan)
    if mutate is not None:
        mutate(got)
    label = name + ("+scan" if scan else "")
    reference = _reference()
    stored = {k.split("/", 1)[1]: v for k, v in reference.items() if k.split("/", 1)[0] == label}
    exact = mpmath_evaluated(name, scan, monkeypatch)
    keys = [k for k in got if _mpmath_compared(k)]
    _compare(label, reference, got, layout, skip=keys)
    new = _max_deviations(exact, got, layout, keys)
    old = _max_deviations(exact, stored, layout, keys)
    assert all(v <= RTOL for v in new.values()), {k: v for k, v in new.items() if v > RTOL}
    first = [k for k in keys if not k.startswith("lfv:")]  # linear or bilinear in O's columns
    assert "mixing:SIBSNMIX" in first
    # the stored reference (LAPACK's 4×4 eigh) misses the mpmath eigensystem beyond RTOL in
    # the mixing and every coupling with a scalar index, orders of magnitude farther than the
    # blocks; in the LFV coefficients (second order) it is farther over the set as a whole
    # (single coefficients differ from mpmath's by rounding either way, within RTOL for both)
    for k in first:
        assert old[k] > RTOL and old[k] > 1e3 * new[k], (k, old[k], new[k])
    lfv = [k for k in keys if k.startswith("lfv:")]
    if lfv:
        assert max(old[k] for k in lfv) > max(new[k] for k in lfv), (
            max(old[k] for k in lfv), max(new[k] for k in lfv))


@pytest.mark.parametrize("name", list(CARDS))
def test_spectrum_and_lfv_equal_the_code_before_the_speedups(name, monkeypatch):
    if name == "S_Ib":
        _check_s_ib(name, False, monkeypatch)
        return
    _compare(name, _reference(), *evaluated(name))


@pytest.mark.parametrize("name", list(SCANNED))
def test_scan_batches_equal_the_code_before_the_speedups(name, monkeypatch):
    """Sectors no scanned parameter enters are diagonalised once for the batch (the scotogenic
    η⁰ and charged scalars, its Nambu eigensystem): the same numbers as before."""
    if name == "S_Ib":
        _check_s_ib(name, True, monkeypatch)
        return
    _compare(name + "+scan", _reference(), *evaluated(name, scan=True))


def test_a_changed_coupling_is_seen():
    """The comparison can fail: the reference of F_Ib against a batch whose quark Yukawa is
    rescaled by 1 + 1e-9 (every Yukawa-derived coupling and LFV coefficient moves)."""
    got, layout = evaluated("F_Ib")
    key = next(k for k in got if k.startswith("yukawa_l:"))
    got[key] = got[key] * (1 + 1e-9)
    with pytest.raises(AssertionError):
        _compare("F_Ib", _reference(), got, layout)


def _flip_entry(got, key="mixing:FICSNMIX", at=(3, 1, 0)):
    """One entry's sign (|entry| < 1/√2: its column's sign stays determined), not its column."""
    got[key] = got[key].copy()
    assert 0 < abs(got[key][at]) < 2 ** -0.5
    got[key][at] *= -1


def _nudge_coupling(got, key="yukawa_l:e"):  # 1e-10 of the table's scale, one entry, one point
    got[key] = got[key].copy()
    got[key][5, 0, 1] += 1e-10 * np.max(np.abs(got[key][5]))


def _swap_states(got, layout, a=0, b=1):
    """Two states of the real mixing exchanged everywhere: masses, mixing columns, couplings."""
    key = next(k for k, (_, real) in layout["mixings"].items() if real)
    columns = layout["mixings"][key][0]
    first, second = columns[a], columns[b]
    got[f"mass:{first}"], got[f"mass:{second}"] = got[f"mass:{second}"], got[f"mass:{first}"]
    scalars = list(layout["scalars"])
    order = list(range(len(scalars)))
    i, j = scalars.index(first), scalars.index(second)
    order[i], order[j] = j, i
    cols = list(range(len(columns)))
    cols[a], cols[b] = b, a
    for k, v in list(got.items()):
        kind = _kind(k)
        if k == key:
            got[k] = v[..., cols]
        elif kind in STATE_AXES:
            axes = STATE_AXES[kind]
            v = v[:, :, order] if axes[1] == "s" else v
            got[k] = v[:, order, :] if axes[0] == "s" else v


def _rotate_pair(got, key, a=0, b=1):
    """Columns a, b of ``key`` rotated into each other by 60° (what an eigen-solver may return
    for a degenerate pair)."""
    v = got[key].copy()
    ca, cb = v[..., a].copy(), v[..., b].copy()
    c, s = np.cos(np.pi / 3), np.sin(np.pi / 3)
    v[..., a], v[..., b] = c * ca + s * cb, c * cb - s * ca
    got[key] = v


def _flip_state(got, layout, key, column):
    """The state of ``column`` of the real mixing ``key`` with its sign flipped everywhere."""
    state = layout["mixings"][key][0][column]
    sign = np.array([-1.0 if s == state else 1.0 for s in layout["scalars"]])
    flip = np.ones(got[key].shape[-1])
    flip[column] = -1.0
    got[key] = got[key] * flip
    for k in list(got):
        axes = STATE_AXES.get(_kind(k))
        if axes == "fs":
            got[k] = got[k] * sign
        elif axes == "ss":
            got[k] = got[k] * sign[:, None] * sign


@pytest.mark.parametrize("mutation", ["entry sign", "coupling 1e-10", "swapped states",
                                      "column sign alone", "degenerate rotation"])
def test_the_signed_comparison_can_fail(mutation):
    """Matching each state's sign leaves the comparison able to fail (F_Ic's three neutral
    scalars, a real mixing): one mixing entry's sign flipped (not its column), one Yukawa entry
    moved by 1e-10 of its table's scale, two states exchanged in masses, mixing and couplings
    (each column then overlaps the other state's: no sign), one column's sign flipped in the
    mixing but not in the couplings, and two columns rotated into each other by 60° (a degenerate
    pair's freedom: refused, naming the state, not compared as if signed). The batch as it is,
    and with one state's sign flipped in every quantity that carries it, passes."""
    reference = _reference()
    got, layout = evaluated("F_Ic")
    _compare("F_Ic", reference, got, layout)
    flipped = dict(got)
    _flip_state(flipped, layout, "mixing:FICSNMIX", 1)
    _compare("F_Ic", reference, flipped, layout)
    if mutation == "entry sign":
        _flip_entry(got)
    elif mutation == "coupling 1e-10":
        _nudge_coupling(got)
    elif mutation == "swapped states":
        _swap_states(got, layout)
    elif mutation == "column sign alone":
        got["mixing:FICSNMIX"] = got["mixing:FICSNMIX"] * np.array([1.0, -1.0, 1.0])
    else:
        _rotate_pair(got, "mixing:FICSNMIX")
    with pytest.raises(AssertionError) as failure:
        _compare("F_Ic", reference, got, layout)
    if mutation in ("swapped states", "degenerate rotation"):
        assert "the sign of S0_1 is undefined" in str(failure.value)


@pytest.mark.parametrize("mutation", ["entry sign", "coupling 1e-10", "swapped states"])
def test_the_mpmath_comparison_of_s_ib_can_fail(mutation, monkeypatch):
    """S_Ib's quantities compared with mpmath fail as the others do: a SIBSNMIX entry's sign,
    one Yukawa entry moved by 1e-10 of its scale, its two lightest neutral scalars exchanged;
    one state's sign flipped in every quantity that carries it passes."""
    layout = evaluated("S_Ib", True)[1]
    _check_s_ib("S_Ib", True, monkeypatch,
                lambda got: _flip_state(got, layout, "mixing:SIBSNMIX", 2))

    def mutate(got):
        if mutation == "entry sign":
            _flip_entry(got, "mixing:SIBSNMIX", (3, 3, 0))
        elif mutation == "coupling 1e-10":
            _nudge_coupling(got, "yukawa_l:mu")
        else:
            _swap_states(got, layout)

    with pytest.raises(AssertionError):
        _check_s_ib("S_Ib", True, monkeypatch, mutate)


def _write() -> None:
    out = {}
    for name in CARDS:
        for key, value in computed(name).items():
            out[f"{name}/{key}"] = np.ascontiguousarray(value)
    for name in SCANNED:
        for key, value in computed(name, scan=True).items():
            out[f"{name}+scan/{key}"] = np.ascontiguousarray(value)
    np.savez_compressed(REFERENCE, **out)


if __name__ == "__main__" and "--write" in sys.argv:
    _write()


def test_distinct_points_find_the_repeated_points():
    """repeats.distinct_points: every point maps to a representative with the same bits (real
    and complex columns, a column that does not vary), -0.0 and 0.0 are different points, and a
    batch with more than half its points distinct is left alone (None)."""
    from bridge.repeats import distinct_points

    rng = np.random.default_rng(3)
    n = 60
    values = rng.normal(size=3)
    a = values[rng.integers(0, 3, n)]
    b = (values + 1j * values[::-1])[rng.integers(0, 3, n)]
    first, inverse = distinct_points([a, b, np.full(n, 2.0)], n)
    assert np.array_equal(a[first][inverse], a) and np.array_equal(b[first][inverse], b)
    assert len({(x, y) for x, y in zip(a, b, strict=True)}) == first.size <= 9
    zeros = np.where(np.arange(n) % 2 == 0, 0.0, -0.0)
    first, inverse = distinct_points([zeros], n)
    assert first.size == 2 and np.array_equal(np.signbit(zeros[first][inverse]), np.signbit(zeros))
    assert distinct_points([rng.normal(size=n)], n) is None
    assert distinct_points([a, rng.normal(size=n)], n) is None


def test_distinct_points_split_by_every_value_not_only_the_first():
    """The grouping by the first value is taken only where every other value agrees within each
    group: a second value that splits the first one's groups gives the product of the two
    (a grid over two parameters), a third that repeats the first's grouping changes nothing,
    and a NaN counts as a value (bits)."""
    from bridge.repeats import distinct_points

    rng = np.random.default_rng(7)
    n = 48
    ia, ib = rng.integers(0, 4, n), rng.integers(0, 3, n)
    a, b = rng.normal(size=4)[ia], rng.normal(size=3)[ib]
    for columns, groups in (([a], 4), ([a, 2 * a + 1j * a], 4), ([a, b], 12), ([b, a, a * a], 12)):
        first, inverse = distinct_points(columns, n)
        assert first.size == len({tuple(np.asarray(c)[i] for c in columns) for i in range(n)}) == groups
        for c in columns:
            assert np.array_equal(np.asarray(c)[first][inverse], c)
    with_nan = np.where(ia == 0, np.nan, b)
    first, inverse = distinct_points([a, with_nan], n)
    assert np.array_equal(with_nan[first][inverse], with_nan, equal_nan=True)
    assert first.size == len({(x, y) for x, y in zip(ia, np.where(ia == 0, -1, ib), strict=True)})


def test_distinct_points_early_exit_at_half_the_points():
    """The early exit counts the first value's groups from a plain sort: n/2 groups are still
    grouped (the same representatives as numpy's unique), n/2 + 1 are left alone; the bits
    decide (−0.0 and 0.0, two NaN), and an empty batch keeps its empty grouping."""
    from bridge.repeats import distinct_points

    rng = np.random.default_rng(19)
    n = 40
    for groups in (n // 2 - 1, n // 2, n // 2 + 1):
        values = rng.normal(size=groups)
        values[0], values[1] = 0.0, -0.0
        index = np.concatenate([np.arange(groups), rng.integers(0, groups, n - groups)])
        column = values[rng.permutation(index)]
        pick = distinct_points([column], n)
        if groups > n // 2:
            assert pick is None
            continue
        _, first, inverse = np.unique(column.view(np.uint64), return_index=True, return_inverse=True)
        assert np.array_equal(pick[0], first) and np.array_equal(pick[1], inverse.reshape(-1))
    nan = np.where(np.arange(n) < n // 2, np.nan, 1.0)
    assert distinct_points([nan], n)[0].size == 2
    first, inverse = distinct_points([np.zeros(0)], 0)
    assert first.size == 0 and inverse.size == 0


def test_sort_of_a_batch_in_one_order_equals_the_per_point_argsort():
    """linalg._sort: a batch whose points share the first point's order takes one permutation
    (checked by neighbouring columns), any other the per-point stable argsort; either way the
    values and matrix columns of numpy's per-point take: one order, ties (equal values,
    0.0 against -0.0) in index order, a tie broken the other way at one point, mixed orders,
    a point tied where the first point is not, NaN."""
    from bridge import linalg

    rng = np.random.default_rng(23)
    n, k = 200, 4
    base = np.sort(rng.uniform(1.0, 2.0, k))[[2, 0, 3, 1]]
    one = base + rng.uniform(0.0, 1e-3, (n, k)) * [1, 0, 1, 0]  # keeps the order of base
    ties = np.repeat(np.array([[1.0, 0.5, 1.0, 0.5]]), n, axis=0)
    zeros = np.repeat(np.array([[0.0, -0.0, 1.0, 0.0]]), n, axis=0)
    broken = ties.copy()
    broken[7, 2] = np.nextafter(1.0, 0)  # the tie at point 7 now orders 2 before 0
    tie_later = one.copy()
    tie_later[9, 0] = tie_later[9, 3]  # 3 before 0 at point 0, a tie (0 first) at point 9
    mixed = rng.uniform(size=(n, k))
    nan = one.copy()
    nan[3, 1] = np.nan
    nan_first = one.copy()
    nan_first[0, 2] = np.nan
    for values in (one, ties, zeros, broken, tie_later, mixed, nan, nan_first):
        mats = rng.normal(size=(n, k, k)) + 1j * rng.normal(size=(n, k, k))
        order = np.argsort(values, axis=-1, kind="stable")
        got = linalg._sort(values, mats)
        want = (np.take_along_axis(values, order, axis=-1),
                np.take_along_axis(mats, order[:, None, :], axis=-1))
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(g, w, equal_nan=True)
            assert np.array_equal(np.signbit(g.real), np.signbit(w.real))
    rows = one.reshape(-1, k)
    assert linalg._in_order(rows, np.argsort(rows[0], kind="stable"))
    assert not linalg._in_order(broken, np.argsort(broken[0], kind="stable"))
    assert not linalg._in_order(tie_later, np.argsort(tie_later[0], kind="stable"))
    assert not linalg._in_order(nan, np.argsort(nan[0], kind="stable"))


@pytest.mark.parametrize("name", sorted(CARDS))
def test_takagi_mass_matrices_are_symmetric_to_the_bit(name):
    """bridge.assembly hands linalg.takagi its Majorana sectors' matrices with ``symmetric=True``
    (no symmetry test): on every shipped card's reference batch (random complex couplings,
    degeneracies) they equal their transposes bit for bit, and takagi gives the same masses and
    mixing with and without the test."""
    from bridge import assembly, linalg, pipeline
    from bridge.model import BatchInputs
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, _, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    blocks = reference_batch(name, inputs)
    batch = BatchInputs(blocks, blocks["MINPAR"][1].size, inputs.source)
    plan = assembly.plan(model.description)
    values = assembly.parameter_values(plan, batch)
    derived = model.call("bridge_derived_parameters", inputs=batch, sm=sm) or {}
    sectors = [s for s in plan.fermion_sectors if s.method == "takagi"]
    for s in sectors:
        mat, _ = assembly._fermion_matrix(s, values, derived, (batch.size,), sm.vev)
        assert np.array_equal(mat, np.swapaxes(mat, -1, -2))
        for got, want in zip(linalg.takagi(mat, symmetric=True), linalg.takagi(mat), strict=True):
            assert np.array_equal(got, want)
    if not sectors:
        assert pipeline.spectrum(model, batch, sm, batch=True).sector is not None


def test_takagi_symmetric_flag_refuses_what_the_test_refuses():
    """``symmetric=True`` refuses a matrix with a NaN entry as the symmetry test does, and lets
    a symmetric one with infinite entries through as it does (to LAPACK)."""
    from bridge import linalg

    m = np.array([[[1.0, 2.0], [2.0, 3.0]]] * 3, complex)
    m[1, 0, 1] = m[1, 1, 0] = np.nan
    for symmetric in (False, True):
        with pytest.raises(ValueError, match="symmetric"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the test's allclose: atol NaN
            linalg.takagi(m, symmetric=symmetric)
    inf = np.array([[np.inf, 1.0], [1.0, 2.0]], complex)
    outcomes = []
    for symmetric in (False, True):
        try:
            with np.errstate(invalid="ignore"):  # inf − inf in the test, in LAPACK
                outcomes.append(linalg.takagi(inf, symmetric=symmetric))
        except np.linalg.LinAlgError as exc:  # LAPACK's verdict, the same either way
            outcomes.append(type(exc))
    assert type(outcomes[0]) is type(outcomes[1])
    if isinstance(outcomes[0], tuple):
        for got, want in zip(outcomes[1], outcomes[0], strict=True):
            assert np.array_equal(got, want, equal_nan=True)


def test_couplings_keep_exactly_the_tables_with_a_non_zero_entry():
    """assembly._couplings keeps a table where some entry is non-zero at some point: a block
    with one product is judged by the product, one with several by their sum (exact
    cancellation, −0.0 rows, a NaN row, a non-zero entry at one point only)."""
    from types import SimpleNamespace

    from bridge import assembly

    n, nf, ns = 5, 3, 2
    rng = np.random.default_rng(29)
    row = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
    zero = np.full((n, 2), -0.0 + 0.0j)
    nan = row.copy()
    nan[2, 1] = np.nan
    one = np.zeros((n, 2), complex)
    one[3, 0] = 1e-300
    f_rows = {"L": {}, "R": {0: (slice(0, 2), row), 1: (slice(0, 2), zero), 2: (slice(0, 2), nan),
                             3: (slice(0, 2), one)}}
    s_rows = {0: (slice(0, 1), np.ones((n, 1), complex)), 1: (slice(1, 2), np.full((n, 1), 0.5 + 0j))}
    values = {"y": np.asarray(0.7 + 0.2j), "w": np.asarray(-0.7 - 0.2j)}
    y, w = (("y",), 0), (("w",), 0)
    yukawa = {("e", "l"): [(y, 1.0, 0, 0, False, False)],  # one product
              ("mu", "l"): [(y, 1.0, 1, 0, False, False)],  # a −0.0 row: dropped
              ("tau", "l"): [(y, 1.0, 2, 1, False, False)],  # a NaN: kept
              ("d", "l"): [(y, 1.0, 0, 1, False, False), (w, 1.0, 0, 1, False, False)],  # cancel
              ("s", "l"): [(y, 1.0, 0, 1, False, False), (w, 0.5, 0, 1, False, False)],
              ("b", "l"): [(y, 1.0, 1, 0, False, False), (y, 1.0, 3, 1, False, False)],  # one point
              ("u", "l"): [(y, 1.0, 1, 0, False, False), (y, 1.0, 1, 0, False, False)]}  # −0.0 twice
    left, _ = assembly._couplings(SimpleNamespace(yukawa=yukawa), values, {}, f_rows, s_rows,
                                  (n,), nf, ns)
    assert sorted(left) == ["b", "e", "s", "tau"]
    assert np.allclose(left["e"][:, :2, 0], (0.7 + 0.2j) * row, rtol=1e-15, atol=0)
    assert not np.any(left["e"][:, 2]) and not np.any(left["e"][:, :, 1])


def test_real_coordinates_written_part_by_part_as_by_complex_sums():
    """The complex components of a real-coordinate scalar sector, ψ = (x_R + i x_I)/√2, written
    into w's real and imaginary parts (bridge.assembly) are bit for bit the complex sums
    w += o_R/√2, w += 1j·o_I/√2 (either order; signed zeros, tiny and huge entries)."""
    rng = np.random.default_rng(31)
    o = rng.normal(size=(2, 4000)) * np.exp(rng.uniform(-700, 700, size=(2, 4000)))
    o[:, :10] = [[0.0, -0.0, 0.0, -0.0, 1e-320, -1e-320, 1.0, -1.0, 5e-324, -5e-324],
                 [-0.0, 0.0, 0.0, -0.0, -1e-320, 1e-320, -1.0, 1.0, -5e-324, 5e-324]]
    sqrt2 = np.sqrt(2.0)
    for order in ((0, 1), (1, 0)):
        want = np.zeros(o.shape[1], complex)
        got = np.zeros(o.shape[1], complex)
        for part in order:
            if part == 0:
                want += o[0] / sqrt2
                got.real += o[0] / sqrt2
            else:
                want += 1j * o[1] / sqrt2
                got.imag += o[1] * (1 / sqrt2)
        assert np.array_equal(got, want)
        assert np.array_equal(np.signbit(got.real), np.signbit(want.real))
        assert np.array_equal(np.signbit(got.imag), np.signbit(want.imag))


def test_distinct_points_of_several_values_count_their_keys_first():
    """Where the first value repeats but the others split its groups (a grid chunk varying two
    parameters), the points' keys are counted by a plain sort before numpy's unique: n/2
    distinct points are still grouped (numpy's unique on the rows of bits gives the same
    representatives), n/2 + 1 are left alone; and a hash that collides on every point (all
    multipliers 0) still gives the exact grouping (the comparison with the representatives)."""
    from bridge import repeats

    rng = np.random.default_rng(23)
    n = 40
    for groups in (n // 2 - 1, n // 2, n // 2 + 1):
        # point → its group g; the first value (4 values) is that of g mod 4, the second
        # (complex) that of g: `groups` distinct points, each first value shared by several
        g = rng.permutation(np.concatenate([np.arange(groups), rng.integers(0, groups, n - groups)]))
        head = rng.normal(size=4)[g % 4]
        second = (rng.normal(size=groups) + 1j * rng.normal(size=groups))[g]
        pick = repeats.distinct_points([head, second], n)
        rows = np.stack([head, second.real, second.imag], axis=-1).view(np.uint64)
        _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        assert first.size == groups
        if groups > n // 2:
            assert pick is None
            continue
        assert pick is not None and pick[0].size == groups
        for c in (head, second):  # representatives with the same bits as every point
            assert np.array_equal(c[pick[0]][pick[1]], c)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(repeats, "_HASH", np.zeros_like(repeats._HASH))
            collided = repeats.distinct_points([head, second], n)
        assert np.array_equal(collided[0], first) and np.array_equal(collided[1], inverse.reshape(-1))


def test_distinct_points_of_an_array_are_those_of_its_columns():
    """distinct_points of one real array (n, k) (bridge.lfv.lepton_points' values) gives what
    its columns as a list give: columns that repeat the first one's grouping (one comparison of
    the whole array), one that splits it (then the columns one by one), NaN and −0.0 by bits,
    and None above n/2."""
    from bridge.repeats import distinct_points

    rng = np.random.default_rng(29)
    n = 64
    group = rng.integers(0, 6, n)
    follows = [rng.normal(size=6)[group] for _ in range(3)]
    splits = rng.normal(size=2)[rng.integers(0, 2, n)]
    signed = np.where(group == 1, -0.0, 0.0)
    nan = np.where(group == 2, np.nan, follows[0])
    for cols in ([*follows], [*follows, splits], [follows[0], signed, nan], [follows[0], nan, splits],
                 [rng.normal(size=n), *follows], [follows[1]]):
        array = np.stack(cols, axis=-1)
        listed, whole = distinct_points(list(array.T), n), distinct_points(array, n)
        assert (listed is None) == (whole is None)
        if listed is not None:
            assert np.array_equal(listed[0], whole[0]) and np.array_equal(listed[1], whole[1])
            assert np.array_equal(array[whole[0]][whole[1]], array, equal_nan=True)
    assert distinct_points(np.stack([rng.normal(size=n), *follows], axis=-1), n) is None


def test_couplings_of_narrow_blocks_formed_points_last_equal_the_general_path():
    """assembly._couplings' narrow blocks (at most _NARROW fermion × scalar states, formed with
    the points last and added entry by entry) equal the general path (_NARROW = 0: the block
    products and additions on (N, nF, nS)) to the bit, −0.0 included: rows spread over the
    batch (zero strides) and per point, signed zeros, NaN and inf entries, a block with several
    products (added in the entries' order), conjugated rows and Yukawas, a Yukawa per point and
    one number, a block wider than _NARROW (the general path in both)."""
    from types import SimpleNamespace

    from bridge import assembly

    n, nf, ns = 7, 4, 12
    rng = np.random.default_rng(31)

    def cplx(*shape):
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    f1 = cplx(n, 1)
    f1[0, 0] = complex(-0.0, 0.0)
    f1[1, 0] = complex(np.nan, 1.0)
    f3 = cplx(n, 3)
    f3[2, 1] = complex(np.inf, -0.0)
    s4 = np.broadcast_to(cplx(4), (n, 4))  # a sector no scanned parameter enters: zero strides
    s3 = cplx(n, 3)
    s3[3] = -0.0
    s5 = cplx(n, 5)
    f_rows = {"L": {0: (slice(0, 1), f1), 1: (slice(1, 4), f3)},
              "R": {0: (slice(0, 1), f1.conj()), 1: (slice(1, 4), f3)}}
    s_rows = {0: (slice(0, 4), s4), 1: (slice(4, 7), s3), 2: (slice(7, 12), s5)}
    values = {"y": cplx(n), "c": np.asarray(-0.3 + 0.4j)}
    values["y"][4] = complex(0.0, -0.0)
    y, c = (("y",), 0), (("c",), 0)
    yukawa = {("e", "l"): [(y, 1.0, 0, 0, False, True), (c, -1.0, 0, 0, True, False)],  # one block twice
              ("mu", "l"): [(y, 0.5, 0, 1, True, True), (c, 1.0, 1, 0, False, False)],
              ("tau", "l"): [(c, 2.0, 1, 2, False, True)],  # 3 × 5 states: the general path
              ("e", "r"): [(y, -1.0, 0, 1, False, False), (y, 1.0, 1, 1, True, False)],
              ("nu_e", "l"): [(c, 1.0, 0, 2, False, False)]}
    plan = SimpleNamespace(yukawa=yukawa)
    with np.errstate(invalid="ignore"):  # inf × 0 in either path
        narrow = assembly._couplings(plan, values, {}, f_rows, s_rows, (n,), nf, ns)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(assembly, "_NARROW", 0)
            general = assembly._couplings(plan, values, {}, f_rows, s_rows, (n,), nf, ns)
    for mine, theirs in zip(narrow, general, strict=True):
        assert sorted(mine) == sorted(theirs) and mine
        for key in mine:
            assert mine[key].shape == (n, nf, ns) and mine[key].flags.c_contiguous
            assert np.array_equal(mine[key].view(np.uint64), theirs[key].view(np.uint64)), key
