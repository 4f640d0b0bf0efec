"""Ctrl-C ends ``python -m bridge.cli`` with exit code 130 and one line, also when the
KeyboardInterrupt leaves code compiled from a string (bridge.cli.interrupt_handled) or reaches
bridge.cli as the cause of a RuntimeError (CPython 3.11: a class's ``__set_name__``).

CPython since 3.8 (3.11.7 here) marks such an interrupt as unhandled even when bridge.cli
catches it, and under ``-m`` Py_RunMain then ends the process by SIGINT after ``bridge:
interrupted`` (returncode -2). A Ctrl-C while a scan imports its modules lands there often:
dataclasses compiles the methods it generates with ``exec`` (3 of 12 Ctrl-Cs 0.50-0.65 s into
a 2-worker scan on 2026-12-02, review rev14). Here the interrupt is raised inside
``exec``/``eval`` of a string where the scan would run, so the outcome does not depend on
timing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")

#: How the stand-in for the scan's run() is interrupted.
RAISES = {
    "exec": 'exec("raise KeyboardInterrupt", {})',
    "eval": 'eval("interrupt()", {"interrupt": interrupt})',
    "plain": "interrupt()",
    # a class defined while the Ctrl-C arrives: CPython 3.11 wraps what __set_name__ raises in
    # a RuntimeError (exit 1 and a traceback before); 3.12 and later raise it as it is
    "set_name": 'type("Late", (), {"field": SetName()})',
}


def _run_module(tmp_path: Path, how: str, after: str = "") -> subprocess.CompletedProcess:
    """``python -m`` a module that runs ``bridge.cli.main(["scan", ...])`` with the scan's run()
    interrupted ``how`` (a key of RAISES), then ``after``, then ``sys.exit`` with main's code."""
    db = tmp_path / "r.db"
    (tmp_path / "interrupted_scan.py").write_text(textwrap.dedent(f"""\
        import sys

        import bridge.scan.runner as runner
        from bridge import cli


        def interrupt():
            raise KeyboardInterrupt


        class SetName:
            def __set_name__(self, owner, name):
                interrupt()


        def run(opts, pm=None, say=None):
            {RAISES[how]}


        runner.run = run
        code = cli.main(["scan", {CARD!r}, "--vary", "MINPAR:1:100:200:3", "--workers", "2",
                         "--no-observables", "-o", {str(db)!r}, "-q"])
        {after}
        sys.exit(code)
        """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])}
    return subprocess.run([sys.executable, "-m", "interrupted_scan"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("how", sorted(RAISES))
def test_ctrl_c_in_string_code_exits_130_with_one_line(tmp_path, how):
    """exec and eval: returncode -2 before (the process killed itself with SIGINT after
    printing the line); set_name: exit 1 and a RuntimeError traceback before (CPython 3.11);
    plain: 130 before and after."""
    proc = _run_module(tmp_path, how)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr == "bridge: interrupted\n"
    assert not (tmp_path / "r.db").exists()


def test_an_interrupt_nobody_handles_still_ends_the_process_by_sigint(tmp_path):
    """The mark is cleared for the interrupt bridge.cli handled, not for good: a later
    KeyboardInterrupt that reaches the top level still ends ``python -m`` by SIGINT, as Python
    does for any uncaught Ctrl-C (its traceback after the scan's line)."""
    proc = _run_module(tmp_path, "exec", after="interrupt()")
    assert proc.returncode == -signal.SIGINT, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("bridge: interrupted\n")
    assert proc.stderr.rstrip().endswith("KeyboardInterrupt")


def test_ctrl_c_while_the_parser_imports_the_commands_is_one_line(tmp_path):
    """Building the parser imports the command modules (~0.1-0.2 s of every command's start):
    a Ctrl-C there printed a KeyboardInterrupt traceback (the parser was built before main's
    try). Here the import of the last command module is interrupted."""
    (tmp_path / "interrupted_parser.py").write_text(textwrap.dedent("""\
        import sys

        from bridge import cli


        class Interrupting:
            def find_spec(self, name, path=None, target=None):
                if name == cli.COMMAND_MODULES[-1]:
                    raise KeyboardInterrupt


        sys.meta_path.insert(0, Interrupting())
        sys.exit(cli.main(["plugins"]))
        """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])}
    proc = subprocess.run([sys.executable, "-m", "interrupted_parser"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (130, "bridge: interrupted\n")
