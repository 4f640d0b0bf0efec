"""bridge run end to end: files, SLHA/FLHA round trip, WCxf → wilson → flavio."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CARDS = sorted((ROOT / "cards").glob("*.slha"))

# One `bridge run` of F_Ib (module fixture) is in the default run; every other card through the
# command line is `slow` (~30 s each: a flavio import and 32 predictions per process).
pytestmark = [pytest.mark.flavio]


def bridge_run(card: Path, outdir: Path):
    # default --samples: the SM uncertainties of the defaults are shipped (no draws)
    proc = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(card), "-o", str(outdir)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def f_ib_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("f_ib")
    proc = bridge_run(ROOT / "cards" / "F_Ib.slha", out)
    return out, proc


def test_outputs_written_and_table_printed(f_ib_run):
    out, proc = f_ib_run
    assert {p.name for p in out.iterdir()} == {"F_Ib.slha", "F_Ib.wcxf.yaml", "F_Ib.json"}
    for label in ("R_K [1.1,6]", "Delta a_mu", "BR(mu->e gamma)", "Delta M_s"):
        assert label in proc.stdout
    doc = json.loads((out / "F_Ib.json").read_text())
    assert doc["versions"]["flavio"] == "2.7.1"
    from bridge.observables import RUN_OBSERVABLES

    assert len(doc["observables"]) == len(RUN_OBSERVABLES)
    assert all(math.isfinite(o["np"]) for o in doc["observables"])


def test_slha_output_reads_back(f_ib_run):
    """pyslha reads the ordinary blocks, the bridge's FLHA reader the FWCOEF codes with zeros."""
    import pyslha

    from bridge.flha import flavio_wcs_from_blocks, read_flha_blocks

    out, _ = f_ib_run
    text = (out / "F_Ib.slha").read_text()
    doc = json.loads((out / "F_Ib.json").read_text())
    slha = pyslha.readSLHA(text, ignorenomass=True, ignoreblocks=["FWCOEF", "IMFWCOEF", "FOBS",
                                                                   "FOBSSM", "FDIPOLE"])
    masses = {m["code"]: m["mass"] for m in doc["spectrum"]["masses"]}
    for code, mass in masses.items():
        assert slha.blocks["MASS"][code] == pytest.approx(mass, rel=1e-8)
    assert slha.blocks["MINPAR"][1] == pytest.approx(200.0)
    flha = read_flha_blocks(text)
    codes = {(e.fermions, e.operator) for e in flha["FWCOEF"][0].entries}
    assert ("03051313", "4133") in codes and ("0305", "4422") in codes
    wcs = flavio_wcs_from_blocks(flha["FWCOEF"][0], flha["IMFWCOEF"][0])
    from bridge.flha import FLAVIO_TO_FLHA

    for name, value in doc["wilson_coefficients"]["values"].items():
        if name not in FLAVIO_TO_FLHA:  # no FLHA code (ΔF=2 beyond B_s, LFV): JSON/WCxf only
            continue
        z = complex(value["re"], value["im"])
        assert wcs[name] == pytest.approx(z, rel=1e-7, abs=1e-20)
    assert flha["FWCOEF"][0].scale == pytest.approx(160.0)


def test_wcxf_file_gives_same_rk_as_in_memory(f_ib_run):
    import flavio
    import wilson

    from bridge.run import run_card

    out, _ = f_ib_run
    with open(out / "F_Ib.wcxf.yaml") as fh:
        w = wilson.Wilson.load_wc(fh)
    from_file = flavio.np_prediction("<Rmue>(B+->Kll)", w, 1.1, 6.0)
    result = run_card(str(ROOT / "cards" / "F_Ib.slha"))
    in_memory = next(p.np for p in result.predictions if p.key == "<Rmue>(B+->Kll) [1.1,6]")
    assert from_file == pytest.approx(in_memory, rel=1e-10)
    assert from_file < 0.9  # the benchmark's C9 = -C10 < 0 lowers R_K


def test_flavio_delta_a_mu_includes_qed_running(f_ib_run):
    """C7_mumu handed over at 160 GeV: flavio's Δa_μ is the one-loop value less ~5.5% QED running."""
    out, _ = f_ib_run
    doc = json.loads((out / "F_Ib.json").read_text())
    one_loop = doc["one_loop"]["Delta_a_mu"]
    flavio_value = next(o["np"] for o in doc["observables"] if o["flavio_name"] == "a_mu")
    assert flavio_value / one_loop == pytest.approx(0.945, abs=0.01)


@pytest.mark.parametrize("card", CARDS, ids=[c.stem for c in CARDS])
def test_every_shipped_card_evaluates(card):
    """Every card through the run pipeline in this process (no flavio predictions): finite
    coefficients, a spectrum and the dark-matter summary; the command line below is `slow`."""
    from bridge.run import run_card

    result = run_card(str(card), predictions=False, dark_matter=True)
    assert result.coefficients and result.spectrum.particles
    assert all(math.isfinite(abs(v)) for v in result.coefficients.values())
    assert result.dark_matter is not None


@pytest.mark.slow
@pytest.mark.parametrize("card", CARDS, ids=[c.stem for c in CARDS])
def test_every_shipped_card_runs(card, tmp_path):
    bridge_run(card, tmp_path)
    doc = json.loads((tmp_path / f"{card.stem}.json").read_text())
    assert doc["model"]
    assert all(math.isfinite(o["np"]) for o in doc["observables"])
