"""Entry-point discovery: a third-party package's model appears and runs with no change here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
