"""Models as data (bridge.fields, bridge.assembly): the described models against the hand-written
reference implementations (tests/legacy), a new row of Table II written in ~20 lines, the
electroweak couplings the core computes, and registration checks."""

from __future__ import annotations

import math
import textwrap
from fractions import Fraction

import numpy as np
import pytest
from legacy import F_Ib as legacy_F_Ib
from legacy import F_IIb as legacy_F_IIb
from legacy import scotogenic as legacy_scotogenic
from models import SM, model

from bridge import assembly, matching, pipeline
from bridge.card import parse_inputs, read_card
from bridge.engine import UP_QUARKS, DarkSector
from bridge.fields import (
    DescriptionError,
    Fermion,
    ModelDescription,
    Scalar,
    Trilinear,
    Yukawa,
    flavour_couplings,
    mass,
    trilinear,
)
from bridge.plugins import get_model, get_plugin_manager
from bridge_plugins import scotogenic as scotogenic_plugin

CARDS = {"F_Ib": "cards/F_Ib.slha", "F_IIb": "cards/F_IIb.slha", "scotogenic": "cards/scotogenic.slha"}
LEGACY = {"F_Ib": legacy_F_Ib, "F_IIb": legacy_F_IIb, "scotogenic": legacy_scotogenic}


def card_inputs(name, changes=None):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / CARDS[name]
    inputs = parse_inputs(read_card(path), model(name).info())
    return inputs.with_values(changes) if changes else inputs


def legacy_coefficients(name, inputs):
    """Coefficients of the hand-written implementation, registered as a hand-written plugin."""
    pm = get_plugin_manager(autoload=False, plugins=[(name, LEGACY[name])])
    ev = pipeline.evaluate(get_model(name, pm), inputs, SM, checks=False)
    return ev


#: Perturbed points: complex couplings, near-degenerate and exactly degenerate masses.
PERTURBED = {
    "F_Ib": [
        {"GAMMAQIN": {2: 0.3 + 0.2j, 3: -0.35 + 0.05j}, "GAMMALIN": {1: 0.2j, 2: 1.2 - 0.4j},
         "GAMMAEIN": {2: -0.1 + 0.03j, 3: 0.2j}},
        {"MINPAR": {1: 1000.0 * (1 + 1e-9), 2: 1000.0, 5: 0.0, 6: 0.0}},
        {"MINPAR": {1: 999.0, 2: 1000.0, 3: 1000.0 * (1 + 1e-9), 4: 1000.0}},
    ],
    "F_IIb": [
        {"GAMMAQIN": {2: 0.3 + 0.2j, 3: -0.35 + 0.05j}, "GAMMAEIN": {2: -0.1 + 0.03j}},
        {"MINPAR": {1: 900.0 * (1 + 1e-9), 2: 900.0, 5: 0.0, 6: 0.0}},
        {"MINPAR": {1: 900.0, 2: 900.0 * (1 + 1e-7)}},
    ],
    "scotogenic": [
        {"LAMBDA5IN": {(1, 1): 2e-10 + 1e-10j, (2, 2): 3e-10, (1, 2): 5e-11j}, "MUIN": {1: -900 + 200j}},
        {"MINPAR": {2: 550.0, 3: 550.0 * (1 + 1e-9)}},
        {"CASASIBARRA": {1: 0.0, 3: 0.0}, "YNIN": {(1, 1): 0.1 + 0.2j, (2, 1): 0.9, (2, 2): -0.4j,
                                                   (3, 2): 0.3},
         "OSCILLATION": {e.key: e.default for e in scotogenic_plugin.EXTRA_BLOCKS[3].entries}},
    ],
}


def _points():
    for name, changes in PERTURBED.items():
        yield pytest.param(name, None, id=f"{name}-card")
        for k, c in enumerate(changes):
            yield pytest.param(name, c, id=f"{name}-perturbed{k}")


@pytest.mark.parametrize(("name", "changes"), list(_points()))
def test_described_model_equals_the_handwritten_one(name, changes):
    """Every coefficient, mass and one-loop quantity equal to the reference to 1e-12 relative."""
    inputs = card_inputs(name, changes)
    ref = legacy_coefficients(name, inputs)
    new = pipeline.evaluate(model(name), inputs, SM, checks=False)
    # the hand-written references predate the flavour extension (b→d, s→d, meson mixing, LFV):
    # it comes from Spectrum.sector (not every reference sets it) and from the up-type couplings
    # (the references have none); everything else is the same set
    extension = pipeline.flavour_extension(new.sector, SM, {})
    assert set(new.coefficients) - set(ref.coefficients) <= {k for d in extension.values() for k in d}
    assert set(ref.coefficients) <= set(new.coefficients)
    # μ–e conversion on u quarks: the references have no up-type couplings, compare without them
    sec = new.sector
    no_up = DarkSector(sec.fermions, sec.scalars,
                       {f: c for f, c in sec.left.items() if f not in UP_QUARKS},
                       {f: c for f, c in sec.right.items() if f not in UP_QUARKS}, sec.z)
    without_up = pipeline.flavour_extension(no_up, SM, {})["lepton"]
    for key, value in ref.coefficients.items():
        got = without_up.get(key, 0j) if key.endswith("uu") or "_uu" in key else new.coefficients[key]
        assert abs(got - value) <= 1e-12 * max(abs(value), abs(got)), (key, got, value)
    assert sorted(p.mass for p in new.spectrum.particles) == pytest.approx(
        sorted(p.mass for p in ref.spectrum.particles), rel=1e-13)
    for key, value in ref.one_loop.items():
        assert new.one_loop[key] == pytest.approx(value, rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(new.neutrino_mass_matrix, ref.neutrino_mass_matrix, rtol=1e-12,
                               atol=1e-12 * np.abs(ref.neutrino_mass_matrix).max())


def test_codes_names_and_mixing_blocks_are_kept():
    """F_Ib and F_IIb keep their Block MASS codes, state names and mixing-block names."""
    for name in ("F_Ib", "F_IIb"):
        inputs = card_inputs(name)
        pm = get_plugin_manager(autoload=False, plugins=[(name, LEGACY[name])])
        old = pipeline.spectrum(get_model(name, pm), inputs, SM)
        new = pipeline.spectrum(model(name), inputs, SM)
        assert [(p.code, p.name) for p in new.particles] == [(p.code, p.name) for p in old.particles]
        assert {m.name for m in new.mixings} == {m.name for m in old.mixings}


# ---------------------------------------------------------------------------
# a new row of Table II in ~20 lines: F_Ia
# ---------------------------------------------------------------------------
# F_Ia of arXiv:2104.03228 Table II: Φ_q (3,2)_{1/6}, Φ_ℓ (1,2)_{−1/2}, Majorana Ψ (1,1)_0,
# Φ'_ℓ (1,1)_{−1} mixing with Φ_ℓ through a_H Φ_ℓ† Φ'_ℓ H.
F_Ia = ModelDescription(
    name="F_Ia", description="Majorana singlet DM, scalars Phi_q, Phi_l and a charged singlet Phi_l'",
    fields=(
        Fermion("Psi", mass("MINPAR", 1, "M_Psi"), majorana=True),
        Scalar("Phi_l'", mass("MINPAR", 2, "M_Phi_l'"), Y=-1),
        Scalar("Phi_q", mass("MINPAR", 3, "M_Phi_q"), su2=2, Y=Fraction(1, 6), colour=3),
        Scalar("Phi_l", mass("MINPAR", 4, "M_Phi_l"), su2=2, Y=Fraction(-1, 2)),
    ),
    yukawas=(
        Yukawa("Q", "Psi", "Phi_q", flavour_couplings("GAMMAQIN", "Gamma^Q")),
        Yukawa("L", "Psi", "Phi_l", flavour_couplings("GAMMALIN", "Gamma^L")),
        Yukawa("E", "Psi", "Phi_l'", flavour_couplings("GAMMAEIN", "Gamma^E")),
    ),
    mixings=(Trilinear(("Phi_l*", "Phi_l'", "H"), trilinear("MINPAR", 5, "a_H")),),
    code=9980000,
)

F_IA_CARD = """\
Block BRIDGE
    1   F_Ia
Block MINPAR
    1   2.0E+02   # M_Psi
    2   7.0E+02   # M_Phi_l'
    3   1.2E+03   # M_Phi_q
    4   6.0E+02   # M_Phi_l
    5   {a_h}     # a_H [GeV]
Block GAMMAQIN
    2   3.87298335E-01
    3  -3.87298335E-01
Block GAMMALIN
    2   1.8
Block GAMMAEIN
    2   {gamma_e}
"""


class _Plugin:
    """A plugin object holding a description (a module would do the same)."""

    def __init__(self, description):
        self.description = description

    from bridge import hookimpl

    @hookimpl
    def bridge_model_description(self):
        return self.description


@pytest.fixture(scope="module")
def f_ia_pm():
    return get_plugin_manager(autoload=False, plugins=[("F_Ia", _Plugin(F_Ia))])


def run_f_ia(pm, tmp_path, a_h=50.0, gamma_e=-0.3):
    from bridge.run import run_card

    card = tmp_path / f"F_Ia_{a_h}_{gamma_e}.slha"
    card.write_text(F_IA_CARD.format(a_h=a_h, gamma_e=gamma_e))
    return run_card(str(card), predictions=False, pm=pm)


def test_f_ia_description_is_short():
    import inspect

    source = inspect.getsource(__import__(__name__))
    start = source.index("F_Ia = ModelDescription(")
    end = source.index("\n)\n", start)
    assert source[start:end].count("\n") + 1 <= 25


def test_f_ia_runs_end_to_end(f_ia_pm, tmp_path):
    r = run_f_ia(f_ia_pm, tmp_path)
    names = [p.name for p in r.spectrum.particles]
    # Φ_ℓ^- and Φ'_ℓ mix through a_H v/√2 into two charged states; Φ_ℓ^0 stays alone
    assert names == ["Psi", "S-_1", "S-_2", "Phi_q(2/3)", "Phi_q(-1/3)", "Phi_l0"]
    m_charged = [r.spectrum.mass("S-_1"), r.spectrum.mass("S-_2")]
    off = 50.0 * SM.vev / math.sqrt(2)
    exact = np.linalg.eigvalsh([[600.0**2, off], [off, 700.0**2]])  # seed Eq. (5)
    assert np.array(m_charged) ** 2 == pytest.approx(exact, rel=1e-6)
    assert r.quark_coefficients["C9_bsmumu"].real < 0 and r.one_loop["Delta_a_mu"] != 0
    assert not [w for w in r.warnings if "candidate" in w]  # Ψ is the lightest, neutral


def test_f_ia_left_handed_limit_and_chiral_enhancement(f_ia_pm, tmp_path):
    """a_H = Γ^E = 0: the b→sμμ box is purely left-handed, C9 = −C10; either term breaks it,
    and the chirally enhanced Δa_μ (∝ M_Ψ a_H Γ^L Γ^E) needs both."""
    lh = run_f_ia(f_ia_pm, tmp_path, a_h=0.0, gamma_e=0.0).contributions
    assert lh["C9_bsmumu_box"] == pytest.approx(-lh["C10_bsmumu_box"], rel=1e-14)
    assert abs(lh["Delta_a_mu_chiral"]) < 1e-14 * abs(lh["Delta_a_mu_LL"])
    full = run_f_ia(f_ia_pm, tmp_path).contributions
    assert abs(full["C9_bsmumu_box"] + full["C10_bsmumu_box"]) > 1e-3 * abs(full["C9_bsmumu_box"])
    assert abs(full["Delta_a_mu_chiral"]) > 10 * abs(full["Delta_a_mu_LL"])
    no_mixing = run_f_ia(f_ia_pm, tmp_path, a_h=0.0).contributions
    assert abs(no_mixing["Delta_a_mu_chiral"]) < 1e-14 * abs(full["Delta_a_mu_chiral"])


@pytest.mark.parametrize("name", ["F_Ia", "F_Ib", "F_IIb", "scotogenic"])
def test_photon_ward_identity_of_the_computed_z_couplings(name, f_ia_pm, tmp_path):
    """g^Z = T3 − s_W² Q rotated into the mass basis: its s_W² derivative is −Q·1, diagonal (the
    photon couples to each state with its charge and to no pair of different states), for
    fermions of both chiralities and scalars; the Z penguin's 1/ε poles cancel (else the engine
    raises)."""
    if name == "F_Ia":
        desc, inputs = F_Ia, parse_inputs(read_card(_write(tmp_path, F_IA_CARD.format(
            a_h=50.0, gamma_e=-0.3))), F_Ia.info())
    else:
        desc, inputs = model(name).description, card_inputs(name)
    plan = assembly.plan(desc)
    derived = model(name).call("bridge_derived_parameters", inputs=inputs, sm=SM) or {} \
        if name != "F_Ia" else {}
    a = assembly.assemble(plan, inputs, SM, derived).sector
    b = assembly.assemble(plan, inputs, SM.replace(s2w=SM.s2w + 0.01), derived).sector
    qf = np.array([f.charge for f in a.fermions])
    qs = np.array([s.charge for s in a.scalars])
    for ga, gb, q in ((a.z.left, b.z.left, qf), (a.z.scalar, b.z.scalar, qs)):
        np.testing.assert_allclose((gb - ga) / 0.01, -np.diag(q), atol=1e-12)
    dirac = [k for k, f in enumerate(a.fermions) if not f.majorana]
    np.testing.assert_allclose(((b.z.right - a.z.right) / 0.01)[np.ix_(dirac, dirac)],
                               -np.diag(qf[dirac]), atol=1e-12)
    matching.quark_coefficients(a, SM)  # the Z penguin's divergence check passes


def _write(tmp_path, text):
    path = tmp_path / "card.slha"
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------
# descriptions the core refuses at registration
# ---------------------------------------------------------------------------
def _variant(**changes):
    from dataclasses import replace

    return replace(F_Ia, **changes)


@pytest.mark.parametrize(("changes", "words"), [
    ({"yukawas": (Yukawa("Q", "Psi", "Phi_l", flavour_couplings("GAMMAQIN", "Gamma^Q")),)},
     "hypercharge is not conserved"),
    ({"yukawas": (Yukawa("L", "Psi", "Phi_q", flavour_couplings("GAMMAQIN", "Gamma^Q")),)},
     "hypercharge"),
    ({"fields": (Fermion("Psi", mass("MINPAR", 1, "M"), majorana=True, Y=1),)}, "needs Y = 0"),
    ({"fields": (Fermion("Psi", mass("MINPAR", 1, "M"), colour=8),)}, "not supported by the"),
    ({"mixings": (Trilinear(("Phi_l*", "Phi_l'", "H*"), trilinear("MINPAR", 5, "a_H")),)},
     "hypercharge is not conserved"),
    ({"mixings": (Trilinear(("Phi_l", "Phi_l'", "H"), trilinear("MINPAR", 1, "a_H")),)},
     "bound to two different parameters"),
])
def test_inconsistent_descriptions_are_refused(changes, words):
    with pytest.raises(DescriptionError, match=words):
        _variant(**changes).validate()


def test_registration_leaves_out_a_bad_model_with_one_warning():
    warnings: list[str] = []
    bad = _variant(name="bad", code=9970000, yukawas=(
        Yukawa("Q", "Psi", "Phi_l", flavour_couplings("GAMMAQIN", "Gamma^Q")),))
    clash = _variant(name="clash")  # the same MASS codes as F_Ia
    pm = get_plugin_manager(autoload=False, warn=warnings.append, plugins=[
        ("F_Ia", _Plugin(F_Ia)), ("bad", _Plugin(bad)), ("clash", _Plugin(clash))])
    assert [n for n, _ in pm.list_name_plugin()] == ["F_Ia"]
    assert len(warnings) == 2
    assert "'bad' left out" in warnings[0] and "hypercharge" in warnings[0]
    assert "'clash' left out" in warnings[1] and "already used by model 'F_Ia'" in warnings[1]


def test_misspelled_hook_in_an_installed_package(tmp_path):
    """`bridge plugins` lists the others and names the broken one in one warning line, exit 0."""
    import subprocess
    import sys

    (tmp_path / "typo_model.py").write_text(textwrap.dedent("""\
        from bridge import hookimpl
        from bridge_plugins.F_Ib import DESCRIPTION

        @hookimpl
        def bridge_model_descripton():
            return DESCRIPTION
        """))
    dist = tmp_path / "typo_model-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: typo-model\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[bridge.models]\ntypo = typo_model\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "plugins"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "F_Ib" in proc.stdout and "scotogenic" in proc.stdout and "typo" not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln]
    assert len(lines) == 1 and "'typo'" in lines[0] and "bridge_model_descripton" in lines[0]
