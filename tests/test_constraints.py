"""Constraint terms and limit flags (issue 14 item 2).

The README's own fit (scotogenic, seed2023) landed at BR(μ→eγ) = 5.5e-7, 10⁶ times the MEG
limit, with no flag: now every fit flags the observables outside their experimental limits at
its best fit, whatever likelihood it used, and constraint terms can be added to any likelihood.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCOTO = str(ROOT / "cards" / "scotogenic.slha")


def test_constraints_compose_and_double_counting_is_refused():
    from bridge.likelihoods import CombinedLikelihood
    from bridge.likelihoods.constraints import FLAVOUR_LIMITS, TERMS, ConstraintLikelihood
    from bridge.likelihoods.registry import get_likelihood, get_likelihoods

    lik = get_likelihoods(["seed2023"], ["mu_egamma", "bsgamma"])
    assert isinstance(lik, CombinedLikelihood) and lik.name == "seed2023+constraints"
    assert [t.name for t in lik.parts[1].terms] == ["mu_egamma", "bsgamma"]
    named = get_likelihood("seed2023-constrained")
    assert [t.name for t in named.parts[1].terms] == list(FLAVOUR_LIMITS)
    assert set(get_likelihood("constraints").constrains()) >= {"BR(mu->egamma)", "a_mu", "DeltaM_s"}
    with pytest.raises(InputError, match="seed2023 both constrain Delta_a_mu"):
        get_likelihoods(["seed2023"], ["g_minus_2"])  # seed2023 has its own Δa_μ term
    with pytest.raises(InputError, match="flavio both constrain BR"):
        get_likelihoods(["flavio"], ["mu_egamma"])  # the flavio likelihood has μ→eγ
    with pytest.raises(InputError, match="seed2023-constrained both constrain BR"):
        get_likelihoods(["seed2023-constrained"], ["mu_egamma"])
    with pytest.raises(InputError, match="given twice"):
        get_likelihoods(["seed2023"], ["bsgamma", "bsgamma"])
    with pytest.raises(InputError, match=r"unknown constraint 'meg' \(known: mu_egamma"):
        ConstraintLikelihood(["meg"])
    # every term cites its measurement
    assert all(TERMS[n]().references for n in TERMS)


@pytest.mark.flavio
def test_mu_egamma_term_is_one_sided_and_counts():
    import bridge

    tuned = bridge.evaluate(SCOTO, predictions=False, constraints=["mu_egamma", "bsgamma"])
    off = bridge.evaluate(SCOTO, predictions=False, constraints=["mu_egamma", "bsgamma"],
                          CASASIBARRA={1: 0.31})  # sin θ off the card's μ→eγ cancellation
    (res_t,), (res_o,) = tuned.likelihoods, off.likelihoods
    meg_t, meg_o = res_t.terms[0], res_o.terms[0]
    assert meg_t.name == meg_o.name == "mu_egamma"
    assert meg_t.prediction < 1.5e-13 and meg_t.chi2 < 2.71  # the card's tuned cancellation
    assert meg_o.prediction > 1e-8 and meg_o.chi2 > 1e9  # sin θ = 0.31: far above MEG II
    assert meg_o.central is None and "MEG II" in meg_o.source
    assert res_o.chi2_sm == pytest.approx(res_t.chi2_sm)  # the SM side does not depend on the point
    assert res_o.terms[1].chi2 == pytest.approx(res_o.terms[1].pull ** 2)  # b→sγ: Gaussian


@pytest.mark.flavio
def test_a_fit_flags_observables_outside_their_limits_at_its_best_fit():
    """The issue's fit (one parameter here, sin θ fixed at 0.31 as the fit found): seed2023 knows
    nothing of μ→eγ, and the best fit is flagged."""
    from bridge.fit import Objective, fit, format_fit

    objective = Objective(SCOTO, ["YSIN:2*YSIN:3:0:10"], "seed2023", fixed=["CASASIBARRA:1=0.31"])
    result = fit(objective)
    meg = [f for f in result.flags if f.startswith("BR(mu->e gamma)")]
    assert meg and "exceeds the limit 1.5e-13 (90% CL, MEG II mu->egamma 2025)" in meg[0]
    from bridge.observables import RUN_OBSERVABLES

    assert len(result.predictions) == len(RUN_OBSERVABLES)
    report = format_fit(result)
    assert "OUTSIDE ITS EXPERIMENTAL LIMIT: BR(mu->e gamma)" in report
    # 32 rows, one column each: the long labels (dBR/dq2(B+->pi mu mu) [15,22]) pushed theirs
    rows = report.split("observables at the best fit", 1)[1].splitlines()[1:len(RUN_OBSERVABLES) + 1]
    assert len({row.index(" pull ") for row in rows}) == 1, rows
    doc = result.as_dict()
    assert doc["outside_experimental_limits"] == result.flags
    assert {p["key"] for p in doc["observables_at_best_fit"]} >= {"BR(mu->egamma)", "a_mu"}


@pytest.mark.flavio
def test_bridge_run_flags_with_and_without_predictions(tmp_path, capsys):
    from bridge.cli import main

    card = tmp_path / "s.slha"
    card.write_text(Path(SCOTO).read_text().replace("1   0.25", "1   0.31", 1))
    assert main(["run", str(card), "--no-predictions", "-q", "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "outside its experimental limit: BR(mu->e gamma) = " in err and "(one loop)" in err
    # the dark-matter flags (F_Ib's candidate is 472 times the LZ limit), also in the JSON
    fib = str(Path(SCOTO).with_name("F_Ib.slha"))
    assert main(["run", fib, "--no-predictions", "-q", "-o", str(tmp_path / "b")]) == 0
    err = capsys.readouterr().err
    assert "outside its experimental limit: sigma_SI of F0_1 (m = 188.6 GeV) = " in err
    doc = json.loads((tmp_path / "b" / "F_Ib.json").read_text())
    assert any("times the LZ 2024 limit" in f for f in doc["outside_experimental_limits"])
    assert main(["run", fib, "--no-predictions", "--no-dark-matter", "-q", "-o",
                 str(tmp_path / "c")]) == 0
    assert "sigma_SI" not in capsys.readouterr().err  # not computed, not flagged


@pytest.mark.flavio
def test_a_new_kind_of_term_is_added_the_same_way(monkeypatch):
    """What the dark-matter `relic` term will do: a term object in TERMS, reading the dark
    sector of the point (here: a toy term on the lightest dark fermion mass)."""
    from bridge.likelihoods.constraints import TERMS
    from bridge.likelihoods.point import ModelPoint
    from bridge.likelihoods.registry import get_likelihoods
    from bridge.likelihoods.result import Term

    class LightestMass:
        name, description, references = "toy", "lightest dark fermion at 200 +- 10 GeV", ("toy",)
        constrains = ("m_dm",)

        def evaluate(self, point, context):
            m = min(f.mass for f in point.sector.fermions) if point is not None else 0.0
            pull = (m - 200.0) / 10.0
            return Term(self.name, m, 200.0, 10.0, pull, pull**2, "toy")

        def sm_chi2(self, context):
            return 400.0

    monkeypatch.setitem(TERMS, "toy", LightestMass)
    lik = get_likelihoods(["seed2021"], ["toy"])
    from bridge.run import run_card

    res = lik.evaluate(ModelPoint.from_result(run_card(str(ROOT / "cards" / "F_Ib.slha"),
                                                       predictions=False)))
    toy = next(t for t in res.terms if t.name.endswith("toy"))
    assert toy.prediction == pytest.approx(188.556, rel=1e-5)  # F0_1 of the card
    assert toy.chi2 == pytest.approx(((188.556 - 200) / 10) ** 2, rel=1e-4)


def test_dark_matter_flags_name_value_limit_and_source():
    """`bridge run` flags the dark-matter numbers outside their limits with the observable, its
    value, the limit and the experiment; too little dark matter is not flagged (another
    component may make up the rest), a summary without a result flags nothing."""
    import math

    from bridge.likelihoods.experiment import dark_matter_flags

    dm = {"candidate": "F0_1", "mass": 188.56, "omega_h2": 0.046, "si_ratio": 472.0,
          "sigma_si_p": 5.036e-45, "si_limit": 1.076e-47, "h_inv_ratio": 0.0, "br_h_inv": 0.0,
          "z_inv_ratio": 0.0, "gamma_z_inv": 0.0, "error": ""}
    (si,) = dark_matter_flags(dm)
    assert si == ("sigma_SI of F0_1 (m = 188.6 GeV) = 5.04e-45 cm^2 (proton) is 472 times the "
                  "LZ 2024 limit 1.08e-47 cm^2 (90% CL)")
    heavy = {**dm, "si_ratio": 0.5, "omega_h2": 0.5, "h_inv_ratio": 3.0, "br_h_inv": 0.27,
             "z_inv_ratio": 2.0, "gamma_z_inv": 4e-3}
    flags = dark_matter_flags(heavy)
    assert len(flags) == 3
    assert flags[0] == ("BR(h -> inv) = 0.27 from F0_1 (m = 188.6 GeV) is 3 times its limit 0.107 "
                        "(95% CL, ATLAS 2023)")
    assert flags[1] == ("Gamma(Z -> inv) = 4 MeV from F0_1 (m = 188.6 GeV) is 2 times its limit "
                        "2 MeV (95% CL, LEP)")
    assert flags[2].startswith("Omega h^2 = 0.5 of F0_1") and "overclose" in flags[2]
    assert dark_matter_flags({**dm, "si_ratio": 0.9, "omega_h2": 0.001}) == []
    assert dark_matter_flags({**dm, "error": "no candidate: the lightest dark state is charged"}) == []
    assert dark_matter_flags({**dm, "si_ratio": math.nan}) == []
