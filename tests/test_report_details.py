"""The smaller things a user reads (issue 14 item 7): smelli's table, rounding noise shown as an
imaginary part, the did-you-mean of a misspelt block the model needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_rounding_noise_is_not_shown_as_an_imaginary_part():
    from bridge.cli import _num

    assert _num(-1.1156e-04 + 1.36e-24j) == "-1.1156e-04"  # the C7_ee
    assert _num(4.6261e-01 + 8.38e-03j) == " 4.6261e-01+8.38e-03i"  # a real phase stays
    assert _num(0j) == " 0.0000e+00"


class _Point:
    def __init__(self, dll):
        self.dll = dll

    def log_likelihood_dict(self):
        return self.dll

    def log_likelihood_global(self):
        return sum(self.dll.values())


class _GlobalLikelihood:
    """What smelli's GlobalLikelihood returns: Δlog L per file against the SM."""

    def parameter_point(self, w):
        return _Point({"global": 0.0, "likelihood_lfu_fcnc.yaml": 1.8, "likelihood_rd_rds.yaml": -0.2,
                       "fast_likelihood_quarks.yaml": -0.365})


def test_smelli_table_uses_its_own_sign_and_no_p_value(monkeypatch):
    """It showed chi2 = -2.47, a sign-flipped "pull", dof 9 and p "-" (smelli itself is
    replaced by what its GlobalLikelihood returns: Δlog L per file)."""
    from bridge.likelihoods import ModelPoint, SmelliLikelihood, format_results

    monkeypatch.setattr(SmelliLikelihood, "available", staticmethod(lambda: True))
    lik = SmelliLikelihood()
    lik._gl = _GlobalLikelihood()
    res = lik.evaluate(ModelPoint({"C9_bsmumu": -0.5}, 160.0))
    assert res.relative and res.p_value is None
    assert res.delta_chi2 == pytest.approx(2 * 1.235)  # 2 Δlog L > 0: better than the SM
    assert all(t.pull is None and t.central is None for t in res.terms)
    text = format_results([res])
    assert "2 Delta log L = +2.47" in text and "no p-value" in text
    assert "dof" not in text and "pull" not in text
    lfu = next(line for line in text.splitlines() if "lfu_fcnc" in line)
    assert lfu.split()[-1] == "+3.6"  # smelli's sign: the file favours the point
    doc = res.as_dict()
    assert doc["dof"] is None and doc["p_value"] is None and doc["relative_to_sm"] is True
    json.dumps(doc, allow_nan=False)


def test_misspelt_required_block_gets_a_did_you_mean(tmp_path):
    from bridge.run import load_point

    card = tmp_path / "c.slha"
    card.write_text((ROOT / "cards" / "F_Ib.slha").read_text().replace("Block MINPAR ", "Block MINPARS "))
    with pytest.raises(InputError, match=r"Block MINPAR: missing block \(the card has Block MINPARS"):
        load_point(str(card))
