"""On-disk caches are validated on load (issue 13, item 3).

Each cache entry carries the key it was computed for and a checksum of its payload, and its
payload is checked (schema, finiteness, physical range). An invalid entry is recomputed with
ONE warning line on stderr naming the file and what was wrong: never a traceback, never used.
The cases of the issue are rebuilt twice: as the raw files an outside hand writes (no key, no
checksum), and as entries with a correct key and checksum whose payload is wrong, so that the
payload checks themselves are exercised.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bridge import cache

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path))
    return tmp_path


def warning_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def assert_one_warning(capsys, path: Path, what: str) -> None:
    err = capsys.readouterr().err
    lines = warning_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("bridge: warning: cache file ") and str(path) in lines[0]
    assert what in lines[0], lines[0]
    assert "Traceback" not in err


# ---------------------------------------------------------------------------
# the cache module (no flavio)
# ---------------------------------------------------------------------------
def _positive(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("x"), float) or payload["x"] <= 0:
        raise cache.Invalid("x must be a positive number")
    return payload["x"]


def test_directory_from_the_environment(cache_dir, monkeypatch):
    assert cache.cache_dir() == cache_dir
    monkeypatch.delenv("BRIDGE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir / "xdg"))
    assert cache.cache_dir() == cache_dir / "xdg" / "bridge"


def test_round_trip_and_file_name(cache_dir, capsys):
    key = {"flavio": "2.7.1", "overrides": {"GF": 1.2e-5}, "obs": ["a", ("b", 1.0, 2.0)]}
    path = cache.entry_path("demo", key)
    assert path.parent == cache_dir and path.name.startswith("demo-") and path.suffix == ".json"
    assert cache.entry_path("demo", json.loads(json.dumps(key))) == path  # tuples = lists
    assert cache.load(path, key, _positive) is None  # no file: silently absent
    assert cache.store(path, key, {"x": 2.5})
    assert cache.load(path, key, _positive) == 2.5
    assert capsys.readouterr().err == ""
    doc = json.loads(path.read_text())
    assert doc["key"] == json.loads(json.dumps(key)) and len(doc["sha256"]) == 64


@pytest.mark.parametrize(("damage", "what"), [
    (lambda d: "{not json", "not valid JSON"),
    (lambda d: json.dumps([1, 2, 3]), "not a bridge cache entry"),
    (lambda d: json.dumps({"x": 2.5}), "not a bridge cache entry"),  # the pre-validation format
    (lambda d: json.dumps({**d, "key": {"flavio": "0.0"}}), "computed for another key"),
    (lambda d: json.dumps({**d, "payload": {"x": 250.0}}), "checksum"),
    (lambda d: json.dumps({**d, "sha256": 12}), "checksum"),
    (lambda d: "", "not valid JSON"),
])
def test_damaged_entries_are_refused_with_one_line(cache_dir, capsys, damage, what):
    key = {"k": 1}
    path = cache.entry_path("demo", key)
    cache.store(path, key, {"x": 2.5})
    path.write_text(damage(json.loads(path.read_text())))
    assert cache.load(path, key, _positive) is None
    assert_one_warning(capsys, path, what)


def test_invalid_payload_with_a_correct_checksum(cache_dir, capsys):
    key = {"k": 2}
    path = cache.entry_path("demo", key)
    cache.store(path, key, {"x": -1.0})
    assert cache.load(path, key, _positive) is None
    assert_one_warning(capsys, path, "x must be a positive number")
    cache.store(path, key, {"y": "a string"})  # a parser that trips over the schema itself
    assert cache.load(path, key, lambda p: float(p["x"])) is None
    assert_one_warning(capsys, path, "malformed")


def test_unwritable_cache_only_costs_time(cache_dir, capsys):
    (cache_dir / "ro").write_text("a file where the cache directory should be")
    path = cache_dir / "ro" / "demo.json"
    assert cache.store(path, {"k": 3}, {"x": 1.0}) is False
    assert not any(p.name.endswith(".tmp") for p in cache_dir.iterdir())
    assert capsys.readouterr().err == ""


def test_checks_of_the_payload_helpers():
    assert cache.real(2, "x") == 2.0
    for bad in ("2", None, True, float("nan"), float("inf"), [1.0], 1j):
        with pytest.raises(cache.Invalid):
            cache.real(bad, "x")
    c = cache.covariance([[4.0, 1.0], [1.0, 1.0]], 2, "C")
    assert c.shape == (2, 2)
    for bad in ([[1.0, 2.0], [2.0, 1.0]],  # not positive semi-definite
                [[1.0, 0.5], [0.4, 1.0]],  # not symmetric
                [[-1.0, 0.0], [0.0, 1.0]],  # negative variance
                [[1.0, 0.0], [0.0, float("nan")]],
                [[1.0, 0.0]], "abc", [[1.0, "a"], ["a", 1.0]]):
        with pytest.raises(cache.Invalid):
            cache.covariance(bad, 2, "C")
    # scale-free: variances 1e-26 and 1 (a branching ratio and a ratio) are fine
    assert cache.covariance([[1e-26, 1e-14], [1e-14, 1.0]], 2, "C").shape == (2, 2)


# ---------------------------------------------------------------------------
# SM inputs of a scan (issue: G_F x 10 makes a scan's C9 ten times smaller, exit 0)
# ---------------------------------------------------------------------------
def _sm_payload(**changes):
    from bridge.sm import SMInputs

    sm = SMInputs(GF=1.1663788e-05, alpha_e_bsll=0.007569084895987922,
                  alpha_e_0=0.0072973525692838015, s2w=0.23121, m_W=80.379, m_Z=91.1876,
                  m_e=0.00051099895, m_mu=0.1056583755, m_tau=1.77686, m_s=0.09247, m_b=4.195,
                  m_t=172.5, lambda_t_re=-0.04119293936908705, lambda_t_im=0.0007457752431333196,
                  alpha_e_mz=0.0078125)
    return {**sm.as_dict(), **changes}


@pytest.mark.parametrize(("changes", "overrides", "what"), [
    ({"GF": 1.1663788e-04}, {}, "G_F"),  # x 10
    ({"m_t": 17.25}, {}, "m_t"),
    ({"alpha_e_mz": 1 / 12.8}, {}, "alpha_em^-1"),
    ({"lambda_t_re": -0.4119}, {}, "lambda_t"),
    ({"s2w": 2.3}, {}, "s2w"),
    ({"m_s": float("nan")}, {}, "m_s"),
    ({"m_b": "4.18"}, {}, "m_b"),
    ({"alpha_e_0": 0.0073}, {}, "alpha_e_0"),
    ({"GF": 1.2e-5}, {"GF": 1.1663788e-5}, "G_F"),  # in its window, but not what the card says
    ({"extra": 1.0}, {}, "extra"),
])
def test_sm_inputs_with_a_valid_checksum_but_wrong_values(cache_dir, capsys, changes, overrides, what):
    from bridge.sm import parse_sm_inputs, sm_inputs_entry

    path, key = sm_inputs_entry(overrides)
    payload = _sm_payload(**changes)
    if "extra" not in changes:
        assert parse_sm_inputs(_sm_payload(), {})  # the unchanged payload is accepted
    cache.store(path, key, payload)
    assert cache.load(path, key, lambda p: parse_sm_inputs(p, overrides)) is None
    assert_one_warning(capsys, path, what)


def test_sm_inputs_missing_field(cache_dir, capsys):
    from bridge.sm import parse_sm_inputs, sm_inputs_entry

    path, key = sm_inputs_entry({})
    payload = _sm_payload()
    del payload["m_W"]
    cache.store(path, key, payload)
    assert cache.load(path, key, lambda p: parse_sm_inputs(p, {})) is None
    assert_one_warning(capsys, path, "m_W")


@pytest.mark.flavio
def test_scan_with_tenfold_g_f_in_the_cache_is_recomputed(cache_dir, capsys, tmp_path):
    """The issue's reproducer: an sminputs-*.json with G_F x 10 (the old raw format, then an
    entry with a valid checksum) no longer makes the scan's C9 ten times smaller."""
    from bridge.run import run_card
    from bridge.scan.runner import ScanOptions, prepare, run_chunk
    from bridge.sm import SMInputs, cached_sm_inputs, sm_inputs_entry

    # a card with SMINPUTS: the SM inputs of flavio's defaults ship with the package, these
    # come from the disk cache
    card = tmp_path / "mt.slha"
    card.write_text(Path(CARD).read_text() + "Block SMINPUTS\n     6   1.73000000E+02 # m_t\n")
    overrides = {"m_t": 173.0}
    reference = SMInputs.from_flavio(overrides)
    path, key = sm_inputs_entry(overrides)
    card_c9 = run_card(str(card), predictions=False).coefficients["C9_bsmumu"]
    wrong = {**reference.as_dict(), "GF": 10 * reference.GF}
    for write, what in ((lambda: path.write_text(json.dumps(wrong)), "not a bridge cache entry"),
                        (lambda: cache.store(path, key, wrong), "G_F [GeV^-2] = 0.00011")):
        write()
        capsys.readouterr()
        ctx, _ = prepare(ScanOptions(str(card), ["MINPAR:1:200:200:1"], str(tmp_path / "s.db"),
                                     observables=False, progress=False))
        assert_one_warning(capsys, path, what)
        assert ctx.sm == reference
        res = run_chunk(ctx, np.array([0]), ctx.space.values(np.array([0])))
        c9 = complex(res.columns["wc:C9_bsmumu:re"][0], res.columns["wc:C9_bsmumu:im"][0])
        assert c9 == pytest.approx(card_c9, rel=1e-10)
    assert cached_sm_inputs(overrides) == reference  # rewritten valid: no second warning
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------
# flavio's SM uncertainties (bridge run)
# ---------------------------------------------------------------------------
def _specs():
    from bridge.observables import CORE_OBSERVABLES

    return [s for s in CORE_OBSERVABLES if s.name in ("BR(Bs->mumu)", "BR(mu->egamma)")]


SM_UNCERTAINTY_CASES = [
    ("strings", lambda labels: {"errors": {k: "0.1" for k in labels}}, "not a number"),
    ("list", lambda labels: [0.1, 0.2], "errors"),
    ("list of errors", lambda labels: {"errors": [0.1, 0.2]}, "errors"),
    ("missing key", lambda labels: {"errors": {labels[0]: 1e-10}}, "missing"),
    ("no errors", lambda labels: {}, "errors"),
    ("huge", lambda labels: {"errors": {labels[0]: 1e30, labels[1]: 0.0}}, "SM value"),
    ("negative", lambda labels: {"errors": {labels[0]: -1.0, labels[1]: 0.0}}, "negative"),
    ("nan", lambda labels: {"errors": {labels[0]: math.nan, labels[1]: 0.0}}, "not finite"),
    ("zero SM", lambda labels: {"errors": {labels[0]: 1e-10, labels[1]: 1e-13}}, "SM value"),
]


@pytest.mark.flavio
@pytest.mark.parametrize(("case", "payload", "what"), SM_UNCERTAINTY_CASES,
                         ids=[c[0] for c in SM_UNCERTAINTY_CASES])
def test_sm_uncertainty_cache_is_validated(cache_dir, capsys, case, payload, what):
    from bridge.observables import predict, sm_uncertainty_entry

    specs = _specs()
    labels = [s.observable.label for s in specs]
    fresh = {p.key: p.theory_error for p in predict({}, 160.0, specs=specs, samples=5)}
    assert fresh["BR(Bs->mumu)"] > 0 and fresh["BR(mu->egamma)"] == 0.0
    path, key = sm_uncertainty_entry(specs, None, 5, 1)
    assert path.exists()
    for raw in (True, False):  # the issue's raw file, then with a valid key and checksum
        if raw:
            body = payload(labels)
            path.write_text(json.dumps({"id": key, **body} if isinstance(body, dict) else body))
        else:
            cache.store(path, key, payload(labels))
        capsys.readouterr()
        got = {p.key: p.theory_error for p in predict({}, 160.0, specs=specs, samples=5)}
        assert got == fresh
        assert_one_warning(capsys, path, "not a bridge cache entry" if raw else what)
    predict({}, 160.0, specs=specs, samples=5)  # the entry was rewritten: no warning now
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------
# the fast path of a scan
# ---------------------------------------------------------------------------
@pytest.mark.flavio
def test_fastpath_cache_is_validated(cache_dir, capsys):
    from bridge.observable import Observable
    from bridge.scan import fastpath as fpm
    from bridge.scan import fastpath_build

    # SMINPUTS that differ from flavio's: not the shipped representation, one built and cached
    obs, scale, overrides = [Observable("BR(Bs->mumu)")], 160.0, {"m_t": 173.0}
    first = fastpath_build.obtain(obs, scale, overrides, workers=1)
    assert first.representations["BR(Bs->mumu)"].info["source"] == "built now"
    key = fpm.entry_key(obs[0], scale, overrides)
    path = cache.entry_path("fastpath", key)
    again = fastpath_build.obtain(obs, scale, overrides, workers=1)
    assert again.representations["BR(Bs->mumu)"].info["source"].startswith("cache")
    good = json.loads(path.read_text())["payload"]
    u = np.zeros((1, fpm.N_VARIABLES))
    u[0, fpm.POSITION["C10_bsmumu"][0]] = 0.5

    def damaged(edit):
        payload = json.loads(json.dumps(good))
        edit(payload)
        return payload

    cases = [
        (lambda: path.write_text(path.read_text()[:100]), "not valid JSON"),
        (lambda: cache.store(path, key, damaged(lambda r: r["components"][0].update(a=math.nan))),
         "not finite"),
        (lambda: cache.store(path, key, damaged(lambda r: r["components"][0].update(index=[700]))),
         "index"),
        (lambda: cache.store(path, key, damaged(lambda r: r.update(form="cubic"))), "form"),
        (lambda: cache.store(path, key, damaged(lambda r: r["components"][0].update(q=[1.0, 2.0]))),
         "wrong shape"),
        (lambda: cache.store(path, key, damaged(lambda r: r.update(name="DeltaM_s"))), "holds"),
    ]
    for write, what in cases:
        write()
        capsys.readouterr()
        fp = fastpath_build.obtain(obs, scale, overrides, workers=1)
        assert_one_warning(capsys, path, what)
        assert fp.representations["BR(Bs->mumu)"].info["source"] == "built now"
        np.testing.assert_array_equal(fp.evaluate(u)["BR(Bs->mumu)"], first.evaluate(u)["BR(Bs->mumu)"])
    # a representation that missed the tolerance is used as direct (flavio at every point)
    cache.store(path, key, damaged(lambda r: r.update(max_rel_diff=0.5)))
    fp = fastpath_build.obtain(obs, scale, overrides, workers=1)
    assert fp.direct == obs and "above the tolerance" in fp.representations["BR(Bs->mumu)"].info["why"]


# ---------------------------------------------------------------------------
# covariances of the flavio likelihoods
# ---------------------------------------------------------------------------
@pytest.mark.flavio
def test_covariance_cache_is_validated(cache_dir, capsys):
    from bridge.likelihoods import ModelPoint
    from bridge.likelihoods.flavio_fast import FlavioLikelihood, _obs

    lik = FlavioLikelihood("flavio-tiny", (_obs("BR(Bs->mumu)"), _obs("DeltaM_s"), _obs("BR(mu->egamma)")),
                           ("GSSS combination Bs->mumu 2022", "HFAG osc summer 2015", "PDG 2017 mu LFV"),
                           overlay=False, samples=6, exp_samples=300)
    point = ModelPoint({"C10_bsmumu": 0.3}, 160.0)
    first = lik.evaluate(point).chi2
    capsys.readouterr()  # "computing the covariances" is said once, on first use
    (sm_path, sm_key), (exp_path, exp_key) = lik.cache_entries()
    sm_good = json.loads(sm_path.read_text())["payload"]
    exp_good = json.loads(exp_path.read_text())["payload"]

    def edit(payload, fn):
        payload = json.loads(json.dumps(payload))
        fn(payload)
        return payload

    def diag(i, value):
        return lambda p: p["covariance"][i].__setitem__(i, value)

    cases = [
        (sm_path, lambda: sm_path.write_bytes(b"\x80\x04garbage"), "not valid JSON"),
        (exp_path, lambda: exp_path.write_text(""), "not valid JSON"),
        (sm_path, lambda: cache.store(sm_path, sm_key, edit(sm_good, diag(0, -1e-20))), "negative"),
        (sm_path, lambda: cache.store(sm_path, sm_key, edit(sm_good, diag(0, 1.0))), "SM value"),
        (exp_path, lambda: cache.store(exp_path, exp_key, edit(exp_good, diag(1, math.nan))), "not finite"),
        (exp_path, lambda: cache.store(exp_path, exp_key,
                                       edit(exp_good, lambda p: p["covariance"][0].__setitem__(1, 1.0))),
         "symmetric"),
        (exp_path, lambda: cache.store(exp_path, exp_key, edit(exp_good, lambda p: p["central"].pop())),
         "central"),
        (sm_path, lambda: cache.store(sm_path, sm_key, edit(sm_good, lambda p: p["observables"].reverse()
                                                            or p["observables"].__setitem__(0, "x"))),
         "observables"),
        (sm_path, lambda: cache.store(sm_path, exp_key, sm_good), "another key"),
    ]
    for path, write, what in cases:
        write()
        again = lik.with_options()  # a new object reads the files
        st = again.prepare()
        err = capsys.readouterr().err
        lines = warning_lines(err)
        assert lines[0].startswith("bridge: warning: cache file ") and str(path) in lines[0], err
        assert what in lines[0], lines[0]
        assert len([x for x in lines if x.startswith("bridge: warning")]) == 1, err
        assert "Traceback" not in err and st.cold
        assert again.evaluate(point).chi2 == first
    assert not lik.with_options().prepare().cold  # rewritten valid
    assert capsys.readouterr().err == ""
