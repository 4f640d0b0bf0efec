"""The dark-matter summary in the tool: pipeline, bridge run outputs, likelihoods, batches."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from models import model
from test_darkmatter_couplings import SM

from bridge import pipeline
from bridge.card import parse_inputs, read_card
from bridge.darkmatter import limits
from bridge.darkmatter.summary import NUMBERS, report_lines, summary
from bridge.likelihoods.darkmatter import (
    Z90,
    Z95,
    DirectDetectionLikelihood,
    InvisibleLikelihood,
    RelicLikelihood,
)
from bridge.likelihoods.point import ModelPoint
from bridge.likelihoods.registry import get_likelihoods, needs_dark_matter
from bridge.model import BatchInputs

ROOT = Path(__file__).resolve().parents[1]


def inputs(name):
    return parse_inputs(read_card(ROOT / "cards" / f"{name}.slha"), model(name).info())


def test_flavour_only_evaluation_has_no_dark_matter_by_default():
    ev = pipeline.evaluate(model("F_Ib"), inputs("F_Ib"), SM)
    assert ev.dark_matter is None


def test_f_ib_summary_outputs():
    ev = pipeline.evaluate(model("F_Ib"), inputs("F_Ib"), SM, dark_matter=True)
    dm = ev.dark_matter
    assert dm["candidate"] == "F0_1" and not dm["error"] and not dm["missing"]
    assert 0.02 < dm["omega_h2"] < 0.1 and 20 < dm["x_f"] < 30
    assert sum(dm["shares"].values()) == pytest.approx(1.0, rel=1e-9)
    assert any("W+ W-" in k for k in dm["shares"])  # the gauge channels are in
    assert dm["si_ratio"] > 1  # λ_L = 0.5, λ_R = 0.3: excluded by LZ (tests/test_darkmatter_couplings.py)
    text = "\n".join(report_lines(dm))
    assert "Omega h^2" in text and "sigma_SI" in text
    # the SI bound is the strongest curve at the mass, the SD ones XENONnT's, each named
    assert dm["si_experiment"] == "LZ 2024" and dm["si_limit"] == limits.LZ_2024_SI(dm["mass"])
    assert dm["sd_experiment"] == "XENONnT 2025"
    assert dm["sd_n_ratio"] == pytest.approx(dm["sigma_sd_n"] / limits.XENONNT_2025_SD_NEUTRON(dm["mass"]))
    assert dm["sd_p_ratio"] == pytest.approx(dm["sigma_sd_p"] / limits.XENONNT_2025_SD_PROTON(dm["mass"]))
    assert 0 < dm["sd_ratio"] < dm["sd_n_ratio"]  # Z exchange: a_p a_n < 0, destructive on xenon
    assert "LZ 2024 limit" in text and "XENONnT 2025 SD limits" in text


def test_run_outputs_carry_the_summary(tmp_path):
    from bridge.output import json_text, slha_text
    from bridge.run import run_card

    r = run_card(str(ROOT / "cards" / "F_Ib.slha"), predictions=False, dark_matter=True)
    doc = json.loads(json_text(r))
    assert doc["dark_matter"]["omega_h2"] == pytest.approx(r.dark_matter["omega_h2"])
    slha = slha_text(r)
    block = slha.split("Block DARKMATTER", 1)[1].split("Block ", 1)[0]
    first = next(line.split() for line in block.splitlines()[1:] if line.strip())
    assert first[0] == "1" and float(first[1]) == pytest.approx(r.dark_matter["omega_h2"], rel=1e-7)
    assert "Block DMCHANNELS" in slha
    rows = {int(line.split()[0]): line for line in block.splitlines()[1:] if line.strip()}
    assert sorted(rows) == list(range(1, len(NUMBERS) + 1)) and rows[19].split("#")[1].strip() == "sd_n_ratio"
    assert float(rows[19].split()[1]) == pytest.approx(r.dark_matter["sd_n_ratio"], rel=1e-7)
    assert doc["dark_matter"]["sd_experiment"] == "XENONnT 2025"
    # bridge run asks for DirectDM: the outputs say which direct-detection chain ran
    method = r.dark_matter["direct_method"]
    assert method.startswith(("DirectDM ", "native tree level (DirectDM not used: "))
    assert doc["dark_matter"]["direct_method"] == method
    assert f"direct detection: {method}" in slha.split("Block DARKMATTER", 1)[1].splitlines()[0]


def test_charged_lightest_state_is_a_clear_statement_not_a_number():
    ev = pipeline.evaluate(model("scotogenic"), inputs("scotogenic"), SM, dark_matter=True)
    dm = ev.dark_matter
    assert "charged" in dm["error"] and math.isnan(dm["omega_h2"])
    res = RelicLikelihood().evaluate(ModelPoint({}, 160.0, dark_matter=dm))
    assert res.chi2 == math.inf and any("charged" in n for n in res.notes)


def test_dark_matter_likelihood_terms():
    dm = dict.fromkeys(NUMBERS, 0.0)
    dm.update(omega_h2=0.132, si_ratio=2.0, h_inv_ratio=0.5, z_inv_ratio=0.0, error="", missing=[])
    point = ModelPoint({}, 160.0, dark_matter=dm)
    relic = RelicLikelihood().evaluate(point)
    assert relic.chi2 == pytest.approx(0.012**2 / (0.001**2 + 0.0132**2))
    # the 90% and 95% one-sided Gaussian quantiles (tables: 1.28155, 1.64485)
    assert (Z90, Z95) == pytest.approx((1.2815516, 1.6448536), abs=1e-7)
    assert DirectDetectionLikelihood().evaluate(point).chi2 == pytest.approx((Z90 * 2.0) ** 2)
    assert InvisibleLikelihood().evaluate(point).chi2 == pytest.approx((Z95 * 0.5) ** 2)
    assert needs_dark_matter(get_likelihoods(["seed2021", "relic"]))
    assert not needs_dark_matter(get_likelihoods(["seed2021"]))


def test_batch_summary_equals_single_points():
    base = inputs("F_Ib")
    values = {b: dict(base[b]) for b in base}
    values["MINPAR"][1] = np.array([150.0, 300.0])
    binputs = BatchInputs(values, 2)
    res = pipeline.evaluate_batch(model("F_Ib"), binputs, SM, dark_matter=True)
    for k, m in enumerate((150.0, 300.0)):
        ev = pipeline.evaluate(model("F_Ib"), base.with_values({"MINPAR": {1: m}}), SM)
        single = summary(ev.sector, SM)
        assert res.dark_matter["omega_h2"][k] == pytest.approx(single["omega_h2"], rel=1e-10)
    assert np.all(np.isfinite(res.dark_matter["x_f"]))


def test_batch_summary_with_directdm_equals_single_points():
    """evaluate_batch(direct="auto") (what `bridge scan --direct-detection auto` asks for) gives
    each point the σ_SI, σ_SD of the one-point summary through DirectDM, which differ from the
    native batch (the running of the gluonic operator: ~1.5% on F_Ib's Higgs exchange)."""
    from bridge.darkmatter import directdm_handover

    if directdm_handover.missing():
        pytest.skip(directdm_handover.missing())
    base = inputs("F_Ib")
    values = {b: dict(base[b]) for b in base}
    values["MINPAR"][1] = np.array([150.0, 300.0])
    binputs = BatchInputs(values, 2)
    res = pipeline.evaluate_batch(model("F_Ib"), binputs, SM, dark_matter=True, direct="auto")
    native = pipeline.evaluate_batch(model("F_Ib"), binputs, SM, dark_matter=True)
    for k, m in enumerate((150.0, 300.0)):
        ev = pipeline.evaluate(model("F_Ib"), base.with_values({"MINPAR": {1: m}}), SM)
        single = summary(ev.sector, SM, "auto")
        assert single["direct_method"].startswith("DirectDM")
        for name in ("sigma_si_p", "sigma_si_n", "sigma_sd_p", "sigma_sd_n"):
            assert res.dark_matter[name][k] == pytest.approx(single[name], rel=1e-10, abs=0)
        assert abs(res.dark_matter["sigma_si_p"][k] / native.dark_matter["sigma_si_p"][k] - 1) > 1e-3


@pytest.mark.parametrize("extra, message", [
    ({"direct_detection": "directdm"}, "expected one of native, auto"),
    ({"direct_detection": "auto", "dark_matter": False}, "needs the dark-matter summary"),
])
def test_scan_refuses_a_direct_detection_it_cannot_use(tmp_path, extra, message):
    from bridge.errors import InputError
    from bridge.scan.runner import ScanOptions, prepare

    opts = ScanOptions(str(ROOT / "cards" / "F_Ib.slha"), ["MINPAR:1:100:200:2"], str(tmp_path / "s.db"),
                       observables=False, progress=False, dark_matter=True)
    for key, value in extra.items():
        setattr(opts, key, value)
    with pytest.raises(InputError, match=message):
        prepare(opts, say=lambda m: None)
    assert not (tmp_path / "s.db").exists()
