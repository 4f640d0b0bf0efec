"""`bridge fit`: parameter specifications, the best-fit card, iminuit fits, bad input."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from bridge import card as cardmod
from bridge import fit as fitmod
from bridge import targets
from bridge.cli import main
from bridge.errors import InputError
from bridge.likelihoods.base import Likelihood
from bridge.plugins import get_model

F_IB = "cards/F_Ib.slha"
SCOTO = "cards/scotogenic.slha"


@pytest.fixture(scope="module")
def f_ib():
    card = cardmod.read_card(F_IB)
    info = get_model("F_Ib").info()
    return info, cardmod.parse_inputs(card, info)


def scoto_pm():
    """The scotogenic plugin, through its entry point or, before it has one, as a module."""
    from bridge.plugins import get_plugin_manager, models

    if "scotogenic" in models():
        return None
    if importlib.util.find_spec("bridge_plugins.scotogenic") is None:
        pytest.skip("scotogenic plugin not available")
    import bridge_plugins.scotogenic as module

    return get_plugin_manager(autoload=True, plugins=[("scotogenic", module)])


# ---------------------------------------------------------------------------
# specifications
# ---------------------------------------------------------------------------
def test_parse_single_entry_with_bounds_and_start(f_ib):
    info, inputs = f_ib
    p = fitmod.parse_free("GAMMAEIN:2", info, inputs)
    assert (p.name, p.start, p.lower, p.upper) == ("GAMMAEIN:2", -0.08, None, None)
    p = fitmod.parse_free("gammaein:2:-1:", info, inputs)
    assert (p.lower, p.upper) == (-1.0, None)
    p = fitmod.parse_free("GAMMAEIN:2:-1:1=0.2", info, inputs)
    assert (p.start, p.lower, p.upper) == (0.2, -1.0, 1.0)
    mass = fitmod.parse_free("MINPAR:1", info, inputs)  # a mass: positive, so bounded at 0
    assert mass.lower == 0.0


def test_product_parameter_keeps_the_ratio(f_ib):
    info, inputs = f_ib
    p = fitmod.parse_free("GAMMAQIN:2*GAMMAQIN:3", info, inputs)
    assert p.start == pytest.approx(-0.15) and p.upper == 0.0 and p.lower is None
    (t2, v2), (t3, v3) = p.assign(-0.6)
    assert v2 * v3 == pytest.approx(-0.6)
    assert v2 / v3 == pytest.approx(p.base[0] / p.base[1])
    assert (t2.label, t3.label) == ("GAMMAQIN:2", "GAMMAQIN:3")
    with pytest.raises(InputError, match="cannot change sign"):
        fitmod.parse_free("GAMMAQIN:2*GAMMAQIN:3:-1:1", info, inputs)
    with pytest.raises(InputError, match="non-zero"):
        fitmod.parse_free("GAMMAQIN:1*GAMMAQIN:3", info, inputs)  # Gamma^Q_d = 0 on the card


@pytest.mark.parametrize("spec, message", [
    ("NOSUCH:1", "Block NOSUCH is not an input block of model F_Ib"),
    ("SMINPUTS:5", "Block SMINPUTS is not an input block"),
    ("BRIDGE:2", "Block BRIDGE is not an input block"),
    ("MINPAR:9", "Block MINPAR has no entry 9"),
    ("MINPAR", "expected BLOCK:ENTRY"),
    ("MINPAR:x", "not an integer key"),
    ("MINPAR:1:2", "expected BLOCK:ENTRY or BLOCK:ENTRY:LO:HI"),
    ("GAMMAEIN:2:0:1", "start value -0.08 is outside its bounds [0, 1]"),
    ("GAMMAEIN:2:1:0", "lower bound 1 is not below upper bound 0"),
    ("GAMMAEIN:2:a:1", "lower bound 'a' is not a number"),
    ("MINPAR:1:-5:", "must be positive"),
    ("GAMMAQIN:2:0:1*GAMMAQIN:3", "bounds go after the last factor"),
    ("GAMMAEIN:2*GAMMAEIN:2", "appears twice"),
])
def test_bad_specifications(f_ib, spec, message):
    info, inputs = f_ib
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        fitmod.parse_free(spec, info, inputs)


def test_imaginary_and_matrix_targets():
    pm = scoto_pm()
    from bridge.run import load_point

    _, _, info, inputs, _, _ = load_point(SCOTO, pm)
    t = targets.resolve_target("YNIN:2,1", info)
    assert (t.block, t.key, t.imaginary) == ("YNIN", (2, 1), False)
    t = targets.resolve_target("IMYSIN:2", info)
    assert (t.block, t.key, t.imaginary, t.label) == ("YSIN", 2, True, "IMYSIN:2")
    changes = targets.changes_for([(t, 0.1)], inputs)
    assert changes["YSIN"][2] == complex(inputs["YSIN"][2].real, 0.1)


# ---------------------------------------------------------------------------
# the card at the best fit
# ---------------------------------------------------------------------------
def test_substitute_card_changes_only_the_values(tmp_path, f_ib):
    info, _ = f_ib
    text = Path(F_IB).read_text()
    new = fitmod.substitute_card(text, {("GAMMAEIN", 2): -0.1234, ("MINPAR", 3): 1500.0,
                                        ("IMGAMMAQIN", 2): 0.01})
    old_lines, new_lines = text.splitlines(), new.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=False) if a != b]
    assert len(changed) == 2
    # issue 14 item 7: the comment says the value was fitted and keeps the input value and the
    # old comment (which may describe the old value, e.g. "(Y_S)_2 = sqrt(0.6)")
    for a, b in changed:
        old_value = a.split("#")[0].split()[-1]
        assert b.split("#", 1)[1].strip() == f"fitted (input {old_value}: {a.split('#', 1)[1].strip()})"
    assert new_lines[-2].startswith("Block IMGAMMAQIN")
    path = tmp_path / "c.slha"
    path.write_text(new)
    inputs = cardmod.parse_inputs(cardmod.read_card(path), info)
    assert inputs["GAMMAEIN"][2] == -0.1234 and inputs["MINPAR"][3] == 1500.0
    assert inputs["GAMMAQIN"][2] == complex(0.387298335, 0.01)


def test_substitute_card_adds_missing_entries(tmp_path):
    text = "Block MINPAR  # masses\n    1   100.0   # M\nBlock YNIN\n  1  1   0.5   # y\n"
    new = fitmod.substitute_card(text, {("YNIN", (2, 1)): 0.25, ("MINPAR", 2): 3.0,
                                        ("YNIN", (1, 1)): -0.5})
    assert "  1  1   -5.0000000000E-01   # fitted (input 0.5: y)" in new
    lines = new.splitlines()
    assert lines[1].split() [:2] == ["2", "3.0000000000E+00"]
    assert any(line.split()[:3] == ["2", "1", "2.5000000000E-01"] for line in lines)


# ---------------------------------------------------------------------------
# fits (flavio is imported for the SM inputs)
# ---------------------------------------------------------------------------
@pytest.mark.flavio
def test_objective_is_a_chi2_function():
    obj = fitmod.Objective(F_IB, ["GAMMAQIN:2*GAMMAQIN:3", "GAMMAEIN:2"], "seed2023")
    assert obj.names == ["GAMMAQIN:2*GAMMAQIN:3", "GAMMAEIN:2"]
    assert obj.start == pytest.approx([-0.15, -0.08])
    at_card = obj(*obj.start)
    assert at_card == pytest.approx(1.4668, abs=1e-3)  # `bridge run --likelihood seed2023`
    assert obj(list(obj.start)) == at_card  # array form
    assert obj(-0.3, -0.08) != at_card
    assert obj.errordef == 1.0


@pytest.mark.flavio
def test_fit_f_ib_to_seed2023(tmp_path):
    obj = fitmod.Objective(F_IB, ["GAMMAQIN:2*GAMMAQIN:3", "GAMMAEIN:2"], "seed2023",
                           fixed=["MINPAR:3=1200"])
    res = fitmod.fit(obj, minos=True)
    assert res.valid
    assert res.chi2_min <= res.chi2_start
    assert res.chi2_sm == pytest.approx(22.7537, abs=1e-4)
    assert res.delta_chi2 == pytest.approx(res.chi2_sm - res.chi2_min)
    assert res.dof == 5 - 2 and res.p_value is not None
    damu = next(t for t in res.results[0].terms if t.name == "Delta_a_mu")
    assert damu.pull == pytest.approx(0.0, abs=0.05)  # Gamma^E_mu is fixed by Delta a_mu alone
    assert all(p.minos is not None and p.minos[0] < 0 < p.minos[1] for p in res.parameters)
    path = tmp_path / "best.slha"
    path.write_text(res.card_text)
    info = get_model("F_Ib").info()
    inputs = cardmod.parse_inputs(cardmod.read_card(path), info)
    prod, ge = res.parameters[0].value, res.parameters[1].value
    assert (inputs["GAMMAQIN"][2] * inputs["GAMMAQIN"][3]).real == pytest.approx(prod, rel=1e-8)
    assert inputs["GAMMAEIN"][2] == pytest.approx(ge, rel=1e-9)
    assert inputs["MINPAR"][3] == 1200
    assert obj(prod, ge) == pytest.approx(res.chi2_min, rel=1e-9)
    json.dumps(res.as_dict(), allow_nan=False)


@pytest.mark.flavio
def test_bind_gives_the_same_objective():
    from bridge.likelihoods import get_likelihood

    # bridge.fit.bind replaces Likelihood.bind: a likelihood knows nothing of fits
    lik = get_likelihood("seed2021")
    assert not hasattr(lik, "bind")
    f = fitmod.bind(lik, F_IB, ["GAMMALIN:2"])
    assert isinstance(f, fitmod.Objective) and f.likelihood is lik
    assert f.names == ["GAMMALIN:2"]
    from bridge.run import run_card

    at_card = get_likelihood("seed2021").chi2(run_card(F_IB, predictions=False))
    assert f(2.0) == pytest.approx(at_card, rel=1e-12)
    with pytest.raises(TypeError, match="evaluated point"):
        get_likelihood("seed2021").chi2(F_IB)


@pytest.mark.flavio
def test_scotogenic_fit_of_the_seed_parameters():
    """Seed 001 Eq. (12): (Y_S)_2 (Y_S)_3 and sin(theta) free, the rest as on the card."""
    obj = fitmod.Objective(SCOTO, ["YSIN:2*YSIN:3:0:5", "CASASIBARRA:1:-1:1"], "seed2023",
                           pm=scoto_pm())
    res = fitmod.fit(obj)
    assert res.chi2_min <= res.chi2_start
    assert math.isfinite(res.chi2_min) and res.chi2_sm == pytest.approx(22.7537, abs=1e-4)


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["--free", "GAMMAEIN:2", "--likelihood", "nope"], "unknown likelihood 'nope'"),
    (["--free", "NOSUCH:1", "--likelihood", "seed2023"], "Block NOSUCH is not an input block"),
    (["--free", "SMINPUTS:5", "--likelihood", "seed2023"], "Block SMINPUTS is not an input block"),
    (["--free", "MINPAR:9", "--likelihood", "seed2023"], "has no entry 9"),
    (["--free", "GAMMAEIN:2:0:1", "--likelihood", "seed2023"], "is outside its bounds"),
    (["--free", "GAMMAEIN:2", "--likelihood", "seed2023", "--fix", "GAMMAEIN:2=1"], "used twice"),
    (["--free", "GAMMAEIN:2", "--likelihood", "seed2023", "--fix", "MINPAR:1"], "BLOCK:ENTRY=VALUE"),
])
def test_cli_fit_bad_input_is_one_line(argv, message, tmp_path, capsys):
    code = main(["fit", F_IB, "-o", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err and err.startswith("bridge: error: ")
    assert not list(tmp_path.iterdir())


@pytest.mark.flavio
def test_cli_fit_writes_card_and_json(tmp_path, capsys):
    code = main(["fit", F_IB, "--free", "GAMMAEIN:2", "--likelihood", "seed2023", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "chi2_min = " in out and "valid minimum" in out
    assert {p.name for p in tmp_path.iterdir()} == {"F_Ib.bestfit.slha", "F_Ib.fit.json"}
    doc = json.loads((tmp_path / "F_Ib.fit.json").read_text())
    assert doc["parameters"][0]["name"] == "GAMMAEIN:2"
    assert doc["likelihoods"][0]["name"] == "seed2023"
    card = (tmp_path / "F_Ib.bestfit.slha").read_text()
    assert card.startswith("# best fit of `bridge fit` (seed2023)")


class _Counting(Likelihood):
    """A likelihood that records the points it evaluates."""

    def __init__(self, inner):
        self.inner, self.name, self.points = inner, inner.name, []

    def evaluate(self, point):
        self.points.append(point)
        return self.inner.evaluate(point)


@pytest.mark.flavio
def test_objective_evaluates_a_point_once():
    """bridge.fit.Objective keeps the results of its last KEPT_POINTS points, by the bits of
    their values: MIGRAD asks again for points it has had (`bridge fit` of F_Ib on `flavio`:
    28 calls, 21 points); a refused point counts as a failure at every call."""
    from bridge.fit.objective import KEPT_POINTS
    from bridge.likelihoods import get_likelihood

    lik = _Counting(get_likelihood("seed2023"))
    free = ["GAMMAEIN:2", "MINPAR:1"]
    obj = fitmod.Objective(F_IB, free, lik)
    x = obj.start
    first = obj(*x)
    assert obj(*x) == first and obj(list(x)) == first
    assert len(lik.points) == obj.evaluations == 1 and obj.calls == 3
    res = obj.results(*x)  # the kept results, completed: no evaluation
    assert len(lik.points) == 1 and res[0].n_free == 2 and res[0].chi2 == first
    res[0].notes.append("changed")  # a copy: the kept results stay as they were
    assert "changed" not in obj.results(*x)[0].notes
    fresh = fitmod.Objective(F_IB, free, "seed2023").results(*x)
    assert obj.results(*x)[0].as_dict() == fresh[0].as_dict()
    obj(0.0, x[1]), obj(-0.0, x[1])  # equal floats, different bits: two points
    assert len(lik.points) == 3
    assert obj(x[0], -1.0) == obj(x[0], -1.0) == fitmod.PENALTY  # a negative mass is refused
    assert obj.failures == 2 and obj.evaluations == 4 and obj.last_failure
    for i in range(KEPT_POINTS):
        obj(x[0] + 1e-3 * (i + 1), x[1])
    assert len(lik.points) == 3 + KEPT_POINTS
    assert obj(*x) == first and len(lik.points) == 4 + KEPT_POINTS  # x was dropped: evaluated again


@pytest.mark.flavio
def test_fit_with_kept_points_is_the_fit_without(monkeypatch):
    from bridge.fit import objective as objective_module

    def run():
        obj = fitmod.Objective(F_IB, ["GAMMAQIN:2*GAMMAQIN:3", "GAMMAEIN:2"], "seed2023")
        return obj, fitmod.fit(obj, check_limits=False)

    kept, with_kept = run()
    monkeypatch.setattr(objective_module, "KEPT_POINTS", 0)
    every, without = run()
    assert with_kept.as_dict() == without.as_dict() and with_kept.card_text == without.card_text
    assert kept.calls == every.calls == every.evaluations > kept.evaluations


def test_a_swapped_likelihood_is_not_answered_from_the_kept_points():
    """Objective keeps its last points' results; setting an attribute the evaluation reads (here
    the likelihood, through the API) forgets them: the new likelihood's χ², as a new Objective
    gives it (the old one's before, review rev23)."""
    from bridge.fit import Objective
    from bridge.likelihoods.registry import get_likelihoods

    card = str(Path(__file__).resolve().parent.parent / "cards" / "F_Ib.slha")
    f = Objective(card, ["MINPAR:1"], get_likelihoods(["seed2023", "seed2021"]))
    both = f(200.0)
    f.likelihood = get_likelihoods(["seed2021"])
    alone = Objective(card, ["MINPAR:1"], get_likelihoods(["seed2021"]))(200.0)
    assert f(200.0) == alone != both
