"""The spectrum and lepton-flavour speed-ups of issue 12 ("scans at the arithmetic limit": mass
matrices that no scanned parameter enters diagonalised once per batch, Yukawa couplings built on
the sectors' blocks, the scotogenic Nambu eigensystem once per batch) change no number.

tests/data/spectrum_reference.npz holds, for the batches of
test_batch_speedups.reference_batch (every shipped card; random masses, exact and near
degeneracies, complex couplings), what the code before these speed-ups (commit eb41224) gave:
every mass, mixing matrix, Yukawa, Z, W and Higgs coupling of the mass eigenstates, the
multiplets' shares of the states, the model's derived parameters (scotogenic Y_N, Σ), the LFV
coefficients (bridge.lfv) and the neutrino mass matrix. It was written by this file run as a
script with that commit first on the path:

    git archive eb41224 | tar -x -C /tmp/ref
    PYTHONPATH=/tmp/ref python tests/test_spectrum_speedups.py --write

Each array must agree to 1e-12 of the largest |entry| of the same quantity at the same point
(a mixing matrix's or a coupling matrix's own scale: the entries are sums of products of
unit-norm mixing columns, whose rounding is bounded by a few ε times that scale). Mixing
matrices are compared as they are: the speed-ups keep LAPACK's phase conventions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "spectrum_reference.npz"
RTOL = 1e-12

sys.path.insert(0, str(ROOT / "tests"))
from test_batch_speedups import CARDS, reference_batch  # noqa: E402


def computed(name: str) -> dict[str, np.ndarray]:
    """quantity → array (N, ...) of the spectrum, couplings and LFV coefficients of the
    reference batch of ``name`` (see the module docstring)."""
    from bridge import lfv, matching, pipeline
    from bridge.model import BatchInputs
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    sm = cached_sm_inputs({})
    _, model, _, inputs, _, _ = load_point(str(ROOT / CARDS[name]))
    blocks = reference_batch(name, inputs)
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
    return out


def _reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as data:
        return {k: data[k] for k in data.files}


def _compare(name: str, reference: dict, got: dict) -> None:
    mine = {k.split("/", 1)[1]: v for k, v in reference.items() if k.startswith(name + "/")}
    assert len(mine) > 10
    assert set(mine) == set(got), (sorted(set(mine) - set(got)), sorted(set(got) - set(mine)))
    for key, ref in mine.items():
        value = got[key]
        assert value.shape == ref.shape, key
        assert np.array_equal(np.isnan(ref), np.isnan(value)), key
        r, v = np.nan_to_num(ref), np.nan_to_num(value)
        axes = tuple(range(1, r.ndim))
        scale = np.max(np.abs(r), axis=axes, keepdims=True) if axes else np.abs(r)
        bad = np.abs(v - r) > RTOL * scale
        assert not bad.any(), (name, key, np.argwhere(bad)[:3], r[bad][:3], v[bad][:3])


@pytest.mark.parametrize("name", list(CARDS))
def test_spectrum_and_lfv_equal_the_code_before_the_speedups(name):
    _compare(name, _reference(), computed(name))


def test_a_changed_coupling_is_seen():
    """The comparison can fail: the reference of F_Ib against a batch whose quark Yukawa is
    rescaled by 1 + 1e-9 (every Yukawa-derived coupling and LFV coefficient moves)."""
    got = computed("F_Ib")
    key = next(k for k in got if k.startswith("yukawa_l:"))
    got[key] = got[key] * (1 + 1e-9)
    with pytest.raises(AssertionError):
        _compare("F_Ib", _reference(), got)


def _write() -> None:
    out = {}
    for name in CARDS:
        for key, value in computed(name).items():
            out[f"{name}/{key}"] = np.ascontiguousarray(value)
    np.savez_compressed(REFERENCE, **out)


if __name__ == "__main__" and "--write" in sys.argv:
    _write()
