"""Long waits say what they are doing (issue 14 item 4): bridge.progress and its hooks.

The test session runs with BRIDGE_PROGRESS=0 (conftest); these tests switch reports on, with
the 2 s delay shortened so that they stay fast.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def reports(monkeypatch):
    from bridge import progress

    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.setattr(progress, "TICK", 0.02)
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.1)
    progress.set_enabled(True)
    yield progress
    progress.set_enabled(False)


def test_a_terminal_gets_a_redrawn_bar_with_eta(reports):
    out = _Terminal()
    with reports.task("flavio SM uncertainties", total=4, unit="observables", stream=out) as t:
        for _ in range(4):
            time.sleep(0.06)
            t.advance()
    text = out.getvalue()
    assert "\r" in text  # redrawn in place
    assert "flavio SM uncertainties [" in text and "/4 observables" in text and "ETA" in text
    assert text.rstrip().endswith("elapsed") is False
    assert "flavio SM uncertainties: done in 0:00" in text.splitlines()[-1]


def test_a_pipe_gets_plain_lines_and_an_opaque_call_a_spinner_with_eta(reports):
    out = io.StringIO()  # not a terminal: no carriage returns
    with reports.task("building smelli's global likelihood", expected=85.0, stream=out):
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) >= 2
    assert lines[0].startswith("bridge: building smelli's global likelihood [")
    assert "ETA ~1:2" in lines[0] and "(typically 1:25)" in lines[0]
    assert lines[-1] == "bridge: building smelli's global likelihood: done in 0:00"


def test_short_waits_nested_tasks_counters_and_quiet(reports, monkeypatch):
    out = io.StringIO()
    with reports.task("quick", stream=out):
        pass
    assert out.getvalue() == ""  # under the delay: nothing
    calls = [0]
    with reports.task("fit: MIGRAD", unit="evaluations", counter=lambda: calls[0], stream=out) as t:
        with reports.task("inner", stream=out):
            time.sleep(0.15)
        calls[0] = 17
        time.sleep(0.15)
    assert t.done == 17 and "fit: MIGRAD, 17 evaluations" in out.getvalue()
    assert "bridge: inner: done" in out.getvalue()
    reports.set_enabled(False)
    quiet = io.StringIO()
    with reports.task("anything", stream=quiet):
        time.sleep(0.15)
    assert quiet.getvalue() == ""


def test_minus_q_turns_reports_off_for_the_command_only(reports, tmp_path, monkeypatch):
    import bridge.observables
    import bridge.run
    from bridge.cli import main

    seen = []
    # the flavio import (a report of its own) and the predictions, stubbed: this test is about -q
    monkeypatch.setattr(bridge.run, "load_flavio", lambda: seen.append(reports.enabled()))
    monkeypatch.setattr(bridge.observables, "predict", lambda *a, **k: [])
    card = str(Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha")
    assert main(["run", card, "-q", "-o", str(tmp_path / "q")]) == 0
    assert main(["run", card, "-o", str(tmp_path / "v")]) == 0
    assert seen == [False, True]  # off during `-q`, on otherwise
    assert reports.enabled()  # and restored after the command


@pytest.mark.flavio
def test_the_sm_uncertainty_draws_report_their_progress(reports, capsys):
    """The cold first run's slow step (it printed nothing for minutes)."""
    from bridge.observables import CORE_OBSERVABLES, sm_uncertainty_draws

    specs = [s for s in CORE_OBSERVABLES if s.name in ("BR(Bs->mumu)", "BR(mu->egamma)")]
    sm_uncertainty_draws(specs, {}, 7, 11)  # a new key: drawn now
    err = capsys.readouterr().err
    assert "bridge: flavio SM uncertaint" in err and "/2 observables" in err
    assert "bridge: flavio SM uncertainties (first run only): done in" in err


def test_a_wait_longer_than_typical_says_so_instead_of_eta_zero(reports):
    """It printed "ETA ~0:00 (typically 3:01)" for seven minutes on a loaded machine."""
    out = io.StringIO()
    with reports.task("covariances of likelihood flavio-bsmumu", expected=0.1, stream=out):
        time.sleep(0.4)
    late = [line for line in out.getvalue().splitlines() if "longer than the typical 0:00" in line]
    assert late and not any("ETA ~0:00" in line for line in late)
