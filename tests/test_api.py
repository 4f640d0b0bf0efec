"""The Python API (issue 14 item 5): bridge.evaluate from a card or a dict, one result object
with to_dataframe(), and the notebook-style example in examples/ that the README shows."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "cards" / "F_Ib.slha"
SCOTO = ROOT / "cards" / "scotogenic.slha"


def test_dict_inputs_are_checked_like_a_card():
    import bridge

    with pytest.raises(InputError, match=r"F_Ib parameters \(bridge.evaluate\), Block MINPAR, "
                                         r"entry 2: missing entry"):
        bridge.evaluate("F_Ib", MINPAR={1: 200})
    with pytest.raises(InputError, match="Block MINPAR, entry 1: not a number: 'x'"):
        bridge.evaluate("F_Ib", MINPAR={1: "x"})
    with pytest.raises(InputError, match="entry key 'a' is not an int"):
        bridge.evaluate("F_Ib", MINPAR={"a": 1.0})
    with pytest.raises(InputError, match="unknown model"):
        bridge.evaluate("F_Nope", MINPAR={1: 200})
    with pytest.raises(TypeError):
        bridge.evaluate(3)


@pytest.mark.flavio
def test_dict_and_card_give_the_same_point_and_complex_values_fill_im_blocks():
    import bridge
    from bridge.run import run_card

    blocks = dict(MINPAR={1: 200, 2: 1000, 3: 1200, 4: 600, 5: 0.5, 6: 0.3},
                  GAMMAQIN={2: 0.387298335, 3: -0.387298335}, GAMMALIN={2: 2.0},
                  GAMMAEIN={2: -0.08})
    r = bridge.evaluate("F_Ib", predictions=False, **blocks)
    ref = run_card(str(CARD), predictions=False)
    assert r.coefficients.keys() == ref.coefficients.keys()
    for k, v in ref.coefficients.items():
        assert r.coefficients[k] == pytest.approx(v, rel=1e-12, abs=1e-30)
    phased = bridge.evaluate(CARD, predictions=False, GAMMAQIN={2: 0.387298335 + 0.1j})
    assert phased.point.inputs["GAMMAQIN"][2] == complex(0.387298335, 0.1)
    assert "with entries changed by bridge.evaluate" in phased.point.card_path
    moved = bridge.evaluate(SCOTO, predictions=False, LAMBDA5IN={(2, 2): 3e-10})
    assert moved.point.inputs["LAMBDA5IN"][(2, 2)] == 3e-10  # a matrix entry
    assert moved.point.inputs["LAMBDA5IN"][(1, 1)] == 2e-10  # the card's other entries are kept
    assert moved.point.inputs["CASASIBARRA"][1] == 0.25


@pytest.mark.flavio
def test_result_has_everything_and_a_dataframe(tmp_path):
    import bridge

    r = bridge.evaluate(CARD, likelihoods="seed2021", constraints=["mu_egamma", "bsgamma"])
    df = r.to_dataframe()
    assert list(df.columns) == ["kind", "name", "value", "imag", "sm", "sigma", "central", "pull",
                                "flag", "source"]
    assert set(df["kind"]) == {"mass", "coefficient", "contribution", "one loop", "observable",
                               "likelihood term", "likelihood"}
    obs = r.to_dataframe("observable")
    from bridge.observables import RUN_OBSERVABLES

    assert len(obs) == len(RUN_OBSERVABLES)
    assert obs["pull"].notna().sum() == len(obs) - 1  # CR(mu->e, Al): no measurement yet
    rk = obs[obs["name"] == "R_K [1.1,6]"].iloc[0]
    assert rk["value"] == pytest.approx(r.prediction("<Rmue>(B+->Kll) [1.1,6]").np)
    assert rk["flag"] and "LHCb RK RK* 2022" in rk["source"]
    terms = r.to_dataframe("likelihood term")
    assert list(terms["name"]) == ["seed2021: C9_mu=-C10_mu", "seed2021: Delta_a_mu",
                                   "constraints: mu_egamma", "constraints: bsgamma"]
    assert r.chi2 == pytest.approx(sum(x.chi2 for x in r.likelihoods))
    wc = r.to_dataframe("coefficient").set_index("name")
    assert complex(wc.loc["C9_bsmumu", "value"], wc.loc["C9_bsmumu", "imag"]) == r.coefficients["C9_bsmumu"]
    with pytest.raises(KeyError, match="no rows of kind 'nope'"):
        r.to_dataframe("nope")
    assert "flavio predictions" in r.report() and "likelihood seed2021" in r.report()
    written = r.write(tmp_path)
    assert sorted(Path(p).name for p in written) == ["F_Ib.json", "F_Ib.slha", "F_Ib.wcxf.yaml"]


@pytest.mark.flavio
def test_the_notebook_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "examples" / "notebook_api.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "outside the experimental limits:" in out and "refused: F_Ib parameters" in out


@pytest.mark.flavio
def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    """The README's lines, in its order (the third evaluate used to replace the result that
    had the likelihoods, and r.likelihoods[0] failed)."""
    import shutil

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = text.split("<!-- API example: run by tests/test_api.py -->", 1)[1]
    code = code.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(ROOT / "cards", tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    r, d, c = names["r"], names["d"], names["c"]
    assert (tmp_path / "output" / "F_Ib.json").is_file()
    assert r.likelihoods[0].name == "seed2021" and len(r.to_dataframe("observable")) == 32
    assert d.coefficients["C9_bsmumu"] == pytest.approx(r.coefficients["C9_bsmumu"], rel=1e-3)
    assert c.masses["F0_1"] != r.masses["F0_1"]
