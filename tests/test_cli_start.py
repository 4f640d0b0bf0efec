"""What `bridge` imports before it runs a command: a `bridge scan` worker runs bridge.cli as its
main module (multiprocessing's spawn) and never parses a command line, and the parser reads
bridge's version from the installed metadata only for ``--version``."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_worker_main_module_imports_no_argument_parser():
    """bridge.cli as a worker imports it: argparse comes with the parser only."""
    out = _fresh("import sys, bridge.cli; print('argparse' in sys.modules); "
                 "bridge.cli._parser(); print('argparse' in sys.modules)")
    assert out.split() == ["False", "True"]


def test_the_parser_reads_no_metadata_until_version_is_asked():
    """Building the parser (every command) leaves importlib.metadata out where pluggy and numpy
    alone do not import it; --version prints the installed version, as before."""
    code = ("import sys, pluggy, numpy; before = 'importlib.metadata' in sys.modules; "
            "import bridge.cli; bridge.cli._parser(); "
            "print(before or 'importlib.metadata' not in sys.modules)")
    assert _fresh(code) == "True"
    out = subprocess.run([sys.executable, "-m", "bridge.cli", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout == f"bridge {importlib.metadata.version('bridge-flavour')}\n"
    assert out.stderr == ""


def test_help_lists_every_command_and_the_version_option():
    out = subprocess.run([sys.executable, "-m", "bridge.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "--version" in out and "show program's version number and exit" in out
    for command in ("run", "plugins", "likelihoods", "fit", "scan", "plot"):
        assert command in out
