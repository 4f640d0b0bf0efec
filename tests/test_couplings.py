"""bridge.couplings against flavio itself: α_s and α_e at many scales and SMINPUTS values, the
running and the F_Ib coefficients with flavio's functions in its place, and the checks of the
shipped constants. The one test that must not import flavio runs in a fresh process."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bridge import cache, couplings

ROOT = Path(__file__).resolve().parents[1]
F_IB = str(ROOT / "cards" / "F_Ib.slha")
#: α_s(M_Z), α_e(M_Z) pairs: flavio's defaults, PDG 2022 (SMINPUTS reference), and the ends of
#: the SMINPUTS windows (α_s 0.10..0.135; α_e^-1 85..190 is wider than any plausible card)
INPUTS = ((0.1184, 0.00781549), (0.1179, 1 / 127.951), (0.100, 1 / 125.0), (0.135, 1 / 131.0))
#: the scales the running uses: m_b .. m_t (five flavours), m_t .. 100 TeV (six), the
#: thresholds, the default hand-over scale, M_Z and the plateau around it (the first
#: integration step of RunDec overshoots within 1e-4 of ln M_Z)
SPECIAL = (4.18, 91.1876, 91.1876 * (1 + 5e-5), 91.1876 * (1 - 5e-5), 91.18, 91.19, 160.0, 170.0,
           173.21, 1200.0)


def scales(lo, hi, n, seed):
    rng = np.random.default_rng(seed)
    mus = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    extra = np.array([m for m in SPECIAL if lo <= m <= hi])
    return np.concatenate([mus, extra])


def flavio_alpha(kind, value, mus, nf):
    from flavio.physics.running.running import get_alpha_e, get_alpha_s

    fn, name = (get_alpha_s, "alpha_s") if kind == "s" else (get_alpha_e, "alpha_e")
    return np.array([fn({name: value}, float(m), nf_out=nf) for m in mus])


@pytest.mark.flavio
@pytest.mark.parametrize("a_s, a_e", INPUTS)
@pytest.mark.parametrize("nf, lo, hi", [(5, 4.18, 173.21), (6, 170.0, 1e5)])
def test_alpha_s_is_flavios(a_s, a_e, nf, lo, hi):
    """Batch and single-scale values against get_alpha_s (identical on this machine; the
    requirement is 1e-10)."""
    mus = scales(lo, hi, 400, seed=nf)
    theirs = flavio_alpha("s", a_s, mus, nf)
    batch = couplings.alpha_s(mus, nf, a_s)
    single = np.array([couplings.alpha_s(float(m), nf, a_s) for m in mus[::20]])
    assert np.max(np.abs(batch / theirs - 1)) <= 1e-13
    assert np.max(np.abs(single / theirs[::20] - 1)) <= 1e-13
    grid = mus[: 2 * (mus.size // 2)].reshape(2, -1)
    assert np.array_equal(couplings.alpha_s(grid, nf, a_s), theirs[: grid.size].reshape(grid.shape))


@pytest.mark.flavio
def test_alpha_s_reproduces_flavios_steps_not_a_smooth_curve():
    """flavio's α_s is constant within the first step around M_Z and jumps where RunDec's step
    sequence changes; the reproduction follows it there (a smooth fit would not)."""
    a_s = 0.1184
    near = np.array([91.1876 * (1 + d) for d in (-9e-5, -3e-5, 3e-5, 9e-5)])
    theirs = flavio_alpha("s", a_s, near, 5)
    assert theirs[0] == theirs[1] and theirs[2] == theirs[3]  # the plateau is flavio's
    assert np.array_equal(couplings.alpha_s(near, 5, a_s), theirs)
    assert couplings.alpha_s(91.1876, 5, a_s) == a_s


@pytest.mark.flavio
@pytest.mark.parametrize("a_s, a_e", INPUTS)
def test_alpha_e_is_flavios(a_s, a_e):
    for nf, lo, hi in ((5, 4.18, 173.21), (6, 170.0, 1e5)):
        mus = scales(lo, hi, 200, seed=7)
        assert np.max(np.abs(couplings.alpha_e(mus, nf, a_e) / flavio_alpha("e", a_e, mus, nf) - 1)) <= 1e-14
    mus = scales(1.0, 1e7, 300, seed=8)  # n_f from the scale, 3..6 (the lepton-mass running)
    assert np.max(np.abs(couplings.alpha_e(mus, None, a_e) / flavio_alpha("e", a_e, mus, None) - 1)) <= 1e-14


@pytest.mark.flavio
def test_shipped_constants_are_flavios():
    """bridge/data/couplings.json: the installed versions' key, flavio's defaults and
    thresholds, and the reference values this module reproduces."""
    import flavio
    from flavio.config import config

    doc = json.loads((ROOT / "bridge" / "data" / couplings.SHIPPED_FILE).read_text())
    assert doc["key"] == couplings._versions()
    c = couplings.constants()
    assert c.exact and c == couplings.parse_payload(couplings.compute_payload())
    par = flavio.default_parameters.get_central_all()
    assert c.defaults == {"alpha_s": par["alpha_s"], "alpha_e": par["alpha_e"]}
    assert c.thresholds == {k: config["RGE thresholds"][k] for k in ("mc", "mb", "mt")}
    assert couplings.mismatch(c) <= 1e-15


# ---------------------------------------------------------------------------
# the running and the coefficients, before/after
# ---------------------------------------------------------------------------
def _flavio_shaped(kind, value, mu, nf):
    values = flavio_alpha(kind, value, np.asarray(mu, dtype=float).reshape(-1), nf)
    return float(values[0]) if np.ndim(mu) == 0 else values.reshape(np.shape(mu))


def f_ib_coefficients(par, batch_masses=None):
    """F_Ib's coefficients at the hand-over scale: the card point, or a batch over M_Phi_q."""
    from bridge.model import BatchInputs
    from bridge.pipeline import evaluate, evaluate_batch
    from bridge.run import load_point
    from bridge.sm import cached_sm_inputs

    _, model, info, inputs, scale, _ = load_point(F_IB)
    sm = cached_sm_inputs({})
    if batch_masses is None:
        return evaluate(model, inputs, sm, info=info, handover_scale=scale, par=par).coefficients
    blocks = {b: dict(inputs[b]) for b in inputs}
    blocks["MINPAR"][3] = np.array(batch_masses, dtype=float)  # M_Phi_q, the heaviest state
    batch = BatchInputs(blocks, len(batch_masses))
    res = evaluate_batch(model, batch, sm, info=info, handover_scale=scale, par=par)
    assert all(e is None for e in res.errors) and res.vectorised
    return res.coefficients


def max_rel(a: dict, b: dict) -> float:
    assert set(a) == set(b)
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k]))
                            / np.maximum(np.abs(np.asarray(b[k])), 1e-300))) for k in b)


@pytest.mark.flavio
@pytest.mark.parametrize("par", [None, {"alpha_s": 0.125, "alpha_e": 1 / 126.0}])
def test_f_ib_coefficients_equal_with_flavios_couplings(par, monkeypatch):
    """The F_Ib card's coefficients (one point and a batch whose heaviest state crosses m_t and
    the hand-over scale) with this module and with flavio's functions: ≤ 1e-12."""
    masses = [150.0, 172.0, 400.0, 1200.0, 3.0e4]
    ours = f_ib_coefficients(par), f_ib_coefficients(par, masses)
    monkeypatch.setattr(couplings, "alpha_s", lambda mu, nf, v: _flavio_shaped("s", v, mu, nf))
    monkeypatch.setattr(couplings, "alpha_e", lambda mu, nf, v: _flavio_shaped("e", v, mu, nf))
    from bridge import running

    running._alpha_e_integral.cache_clear()
    try:
        theirs = f_ib_coefficients(par), f_ib_coefficients(par, masses)
    finally:
        running._alpha_e_integral.cache_clear()
    assert max_rel(ours[0], theirs[0]) <= 1e-12
    assert max_rel(ours[1], theirs[1]) <= 1e-12
    assert "C7_bs" in ours[0] and abs(ours[0]["C7_bs"]) > 0


def test_the_running_imports_no_flavio():
    """F_Ib run from its dark masses to 160 GeV, one point and a batch, in a fresh process."""
    code = ("import sys; from tests.test_couplings import f_ib_coefficients as f; "
            "c = f(None); b = f({'alpha_s': 0.12}, [300.0, 2000.0]); "
            "print(len(c), 'flavio' in sys.modules, 'wilson' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    n, flavio, wilson = out.stdout.split()
    assert int(n) > 10 and (flavio, wilson) == ("False", "False")


# ---------------------------------------------------------------------------
# the shipped data and the checks
# ---------------------------------------------------------------------------
def test_inputs_take_overrides_then_flavios_defaults():
    c = couplings.constants()
    assert couplings.inputs(None) == c.defaults
    assert couplings.inputs({"alpha_s": 0.12, "GF": 1.2e-5}) == {"alpha_s": 0.12,
                                                                 "alpha_e": c.defaults["alpha_e"]}


@pytest.mark.parametrize("edit, message", [
    (lambda p: p.update(m_z="91"), "m_z is not a number"),
    (lambda p: p["thresholds"].update(mt=4.0), "physical order"),
    (lambda p: p["defaults"].update(alpha_s=1.2), "outside its window"),
    (lambda p: p["reference"]["alpha_s_6"].pop(), "has not"),
    (lambda p: p.pop("reference"), "no reference values"),
])
def test_payload_checks(edit, message):
    payload = json.loads((ROOT / "bridge" / "data" / couplings.SHIPPED_FILE).read_text())["payload"]
    assert couplings.parse_payload(payload) == couplings.constants()
    edit(payload)
    with pytest.raises(cache.Invalid, match=message):
        couplings.parse_payload(payload)


def test_a_reproduction_off_flavios_reference_falls_back_with_one_warning(monkeypatch, capsys):
    """If the installed versions computed α_s otherwise (here: a reference value moved by
    1e-9), the values come from flavio's functions and one warning line says so."""
    good = couplings.constants()
    moved = dict(good.reference, alpha_s_6=[v * (1 + 1e-9) for v in good.reference["alpha_s_6"]])
    bad = couplings.Constants(good.m_z, good.thresholds, good.decoupling, good.defaults, moved)
    monkeypatch.setattr(couplings, "_shipped", lambda key: bad)
    couplings.constants.cache_clear()
    try:
        c = couplings.constants()
        err = capsys.readouterr().err
    finally:
        couplings.constants.cache_clear()
    assert not c.exact
    assert err.count("\n") == 1 and "differs from flavio's alpha_s/alpha_e by 1.0e-09" in err


def test_other_versions_are_computed_once_and_cached(monkeypatch, tmp_path):
    """For versions without shipped data the constants come from flavio once, then from the
    disk cache (a corrupted entry is recomputed with one warning)."""
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(couplings, "_versions", lambda: {"flavio": "0.0-test", "format": 1})
    payload = json.loads((ROOT / "bridge" / "data" / couplings.SHIPPED_FILE).read_text())["payload"]
    calls = []
    monkeypatch.setattr(couplings, "compute_payload", lambda: calls.append(1) or payload)
    couplings.constants.cache_clear()
    try:
        first = couplings.constants()
        couplings.constants.cache_clear()
        second = couplings.constants()
        (entry,) = tmp_path.iterdir()
        entry.write_text(entry.read_text().replace("173.21", "173.3"))
        couplings.constants.cache_clear()
        third = couplings.constants()
    finally:
        couplings.constants.cache_clear()
    assert first == second == third and first.exact
    assert len(calls) == 2  # once, and once more after the corruption


def test_logs_are_the_c_library_logs_on_either_path(monkeypatch):
    """couplings._logs is math.log elementwise, bit for bit, whether numpy's log is taken (where
    _numpy_log_is_libm holds) or math.log scale by scale: random scales over 10⁻³⁰⁰..10³⁰⁰ and
    near 1, batches of one and of many; a scale ≤ 0 raises math.log's ValueError on both
    (no silent −inf or NaN), a NaN scale gives NaN."""
    import math

    rng = np.random.default_rng(41)
    scales = np.concatenate([10.0 ** rng.uniform(-300, 300, 3000), rng.uniform(0.99, 1.01, 1000),
                             rng.uniform(100.0, 5000.0, 3000)])
    expected = np.array([math.log(x) for x in scales])
    for libm in (couplings._numpy_log_is_libm(), False):
        monkeypatch.setattr(couplings, "_numpy_log_is_libm", lambda libm=libm: libm)
        assert np.array_equal(couplings._logs(scales), expected)
        assert np.array_equal(couplings._logs(scales[:1]), expected[:1])
        assert np.array_equal(couplings._logs(scales.reshape(7, 1000)), expected.reshape(7, 1000))
        for bad in (0.0, -1.0):
            with pytest.raises(ValueError):
                couplings._logs(np.array([2.0, bad, 3.0]))
        assert np.isnan(couplings._logs(np.array([2.0, np.nan]))[1])
