"""Entry-point discovery: a third-party package's model appears and runs with no change here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bridge.plugins import get_model, get_plugin_manager, models

TOY_MODULE = '''
"""A throw-away model: one Dirac fermion, a coloured and a leptonic scalar."""
from bridge import hookimpl, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.model import Entry, InputBlock, ModelInfo, Particle, Spectrum

@hookimpl
def bridge_model_info():
    return ModelInfo("toy", "throw-away test model",
                     (InputBlock("MINPAR", (Entry(1, "M_F", "GeV", positive=True),
                                            Entry(2, "y", "", 0.5))),))

@hookimpl
def bridge_spectrum(inputs):
    m, y = inputs["MINPAR"][1], inputs["MINPAR"][2]
    sector = DarkSector((DarkFermion("F", m, 0.0),),
                        (DarkScalar("Sq", 1.5 * m, -1 / 3, colour=3), DarkScalar("Sl", 1.2 * m, -1.0)),
                        {"s": [[y, 0]], "b": [[-y, 0]], "mu": [[0, 1.0]]})
    return Spectrum([Particle(9990001, "F", m)], data={"sector": sector})

@hookimpl
def bridge_wilson_coefficients(spectrum, sm):
    return matching.quark_coefficients(spectrum.data["sector"], sm)
'''

TOY_PYPROJECT = '''
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
[project]
name = "bridge-toy-model"
version = "0.0.1"
[project.entry-points."bridge.models"]
toy = "bridge_toy_model"
[tool.setuptools]
py-modules = ["bridge_toy_model"]
'''


@pytest.fixture(scope="module")
def toy_site(tmp_path_factory):
    """pip-install the throw-away package into a private directory."""
    src = tmp_path_factory.mktemp("toy_src")
    (src / "pyproject.toml").write_text(TOY_PYPROJECT)
    (src / "bridge_toy_model.py").write_text(TOY_MODULE)
    site = tmp_path_factory.mktemp("toy_site")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--target", str(site), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return site


def env_with(site: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    return env


def test_installed_package_is_listed(toy_site):
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "plugins"], capture_output=True,
                          text=True, env=env_with(toy_site), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "toy" in proc.stdout and "throw-away test model" in proc.stdout
    assert "bridge-toy-model 0.0.1" in proc.stdout
    assert "F_Ib" in proc.stdout


@pytest.mark.flavio
def test_installed_package_runs(toy_site, tmp_path):
    card = tmp_path / "toy.slha"
    card.write_text(textwrap.dedent("""\
        Block BRIDGE
            1  toy
        Block MINPAR
            1  1.0E+03
            2  0.8
        """))
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(card), "-o",
                           str(tmp_path / "out"), "--no-predictions"], capture_output=True, text=True,
                          env=env_with(toy_site), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "C9_bsmumu" in proc.stdout
    assert (tmp_path / "out" / "toy.wcxf.yaml").exists()


def test_builtin_models_come_from_entry_points():
    found = models(get_plugin_manager())
    assert "F_Ib" in found
    assert found["F_Ib"].distribution.startswith("bridge-flavour")


def test_plugin_registered_by_hand_and_unknown_model():
    from bridge.errors import UnknownModelError
    from bridge_plugins import F_Ib

    pm = get_plugin_manager(autoload=False, plugins=[("mine", F_Ib)])
    assert get_model("mine", pm).info().name == "F_Ib"
    with pytest.raises(UnknownModelError, match="available: mine"):
        get_model("nope", pm)


def test_broken_plugin_does_not_take_others_down(tmp_path):
    dist = tmp_path / "broken_model-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-model\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[bridge.models]\nbroken = no_such_module_here\n")
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "plugins"], capture_output=True,
                          text=True, env=env_with(tmp_path), timeout=120)
    assert proc.returncode == 0
    assert "F_Ib" in proc.stdout
    assert "broken" in proc.stderr and "not loaded" in proc.stderr


# ---------------------------------------------------------------------------
# what a plugin returns or raises: one clear line naming it (issue 13, item 13)
# ---------------------------------------------------------------------------
def _toy(coefficients):
    """A hand-written plugin object whose coefficient hook returns ``coefficients()``."""
    from bridge import hookimpl
    from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings
    from bridge.model import Entry, InputBlock, ModelInfo, Particle, Spectrum

    class Toy:
        @hookimpl
        def bridge_model_info(self):
            return ModelInfo("toy", "test", (InputBlock("MINPAR", (Entry(1, "M_F", "GeV", positive=True),)),))

        @hookimpl
        def bridge_spectrum(self, inputs):
            m = inputs["MINPAR"][1]
            z = ZCouplings(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)))
            sector = DarkSector((DarkFermion("F", m, 0.0),), (DarkScalar("S", 1.5 * m, -1.0),), z=z)
            return Spectrum([Particle(9990001, "F", m)], sector=sector)

        @hookimpl
        def bridge_wilson_coefficients(self):
            return coefficients()

    return Toy()


@pytest.mark.parametrize(("returned", "words"), [
    (lambda: {"C9_bsmumu": None}, "returned NoneType for C9_bsmumu, not a number"),
    (lambda: {"C9_bsmumu": np.ones(3)}, "C9_bsmumu is an array at a single point"),
    (lambda: {}["missing"], "bridge_wilson_coefficients raised KeyError"),
    (lambda: {"C9_bs\nmumu": 1.0}, "returned the coefficient name 'C9_bs\\nmumu'"),
    (lambda: {"C9_nope": 1.0}, "returned 'C9_nope', which is not a coefficient"),
])
def test_bad_plugin_results_are_one_line_model_errors(returned, words):
    from bridge.errors import ModelError
    from bridge.model import ModelInputs
    from bridge.pipeline import evaluate
    from bridge.sm import SMInputs

    sm = SMInputs(GF=1.1663788e-05, alpha_e_bsll=0.0075691, alpha_e_0=0.0072974, s2w=0.23121,
                  m_W=80.379, m_Z=91.1876, m_e=0.000511, m_mu=0.10566, m_tau=1.77686, m_s=0.0925,
                  m_b=4.195, m_t=172.5, lambda_t_re=-0.0412, lambda_t_im=0.00075)
    pm = get_plugin_manager(autoload=False, plugins=[("toy", _toy(returned))])
    with pytest.raises(ModelError) as err:
        evaluate(get_model("toy", pm), ModelInputs({"MINPAR": {1: 500.0}}), sm, source="toy.slha")
    assert words in str(err.value) and str(err.value).startswith("toy.slha: ")
    assert "\n" not in str(err.value)


def test_broken_plugin_adds_no_line_to_other_commands(tmp_path):
    dist = tmp_path / "broken_model-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-model\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[bridge.models]\nbroken = no_such_module_here\n")
    card = tmp_path / "bad.slha"
    card.write_text("Block BRIDGE\n  1  F_Ib\nBlock MINPAR\n  1  -5\n")
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(card), "--no-predictions"],
                          capture_output=True, text=True, env=env_with(tmp_path), timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "no_such_module_here" not in proc.stderr
    card.write_text("Block BRIDGE\n  1  broken\n")
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(card), "--no-predictions"],
                          capture_output=True, text=True, env=env_with(tmp_path), timeout=120)
    assert proc.returncode == 2 and "installed but was left out" in proc.stderr
    assert "no_such_module_here" in proc.stderr


def test_entry_point_origin_parses_each_distribution_once():
    """plugins._origin: the "name version" the entry point's own dist.name / dist.version give,
    each distribution's METADATA read once for all its models."""
    from importlib.metadata import entry_points

    from bridge import plugins

    eps = list(entry_points(group=plugins.ENTRY_POINT_GROUP))
    assert eps
    known: dict = {}
    got = [plugins._origin(ep.dist, known) for ep in eps]
    assert got == [f"{ep.dist.name} {ep.dist.version}" for ep in eps]

    class Dist:  # counts the metadata reads
        reads = 0

        @property
        def metadata(self):
            Dist.reads += 1
            return {"Name": "pkg", "Version": "1.2"}

    one, other, known = Dist(), Dist(), {}
    assert [plugins._origin(d, known) for d in (one, one, other, one)] == ["pkg 1.2"] * 4
    assert Dist.reads == 2
