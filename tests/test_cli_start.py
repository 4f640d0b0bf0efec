"""What `bridge` imports before it runs a command: a `bridge scan` worker runs bridge.cli as its
main module (multiprocessing's spawn) and never parses a command line, and the parser reads
bridge's version from the installed metadata only for ``--version``."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import pytest


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_worker_main_module_imports_no_argument_parser():
    """bridge.cli as a worker imports it: argparse comes with the parser only."""
    out = _fresh("import sys, bridge.cli; print('argparse' in sys.modules); "
                 "bridge.cli._parser(); print('argparse' in sys.modules)")
    assert out.split() == ["False", "True"]


def test_the_parser_reads_no_metadata_until_version_is_asked(monkeypatch, capsys):
    """Building the parser (every command) does not look bridge's version up in the installed
    metadata; ``--version`` does, and prints it."""
    import bridge
    from bridge import cli

    looked_up = []
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: looked_up.append(name) or "9.9.9")
    # read anew (bridge.__getattr__); not delattr, whose hasattr would look the version up
    monkeypatch.delitem(vars(bridge), "__version__", raising=False)
    try:
        parser = cli._parser()
        assert looked_up == []
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(["--version"])
        assert exit_.value.code in (0, None)
        assert looked_up == ["bridge-flavour"]
        assert capsys.readouterr().out == "bridge 9.9.9\n"
    finally:  # the stand-in's version goes; monkeypatch puts the real one back, if read
        vars(bridge).pop("__version__", None)


def test_version_prints_the_installed_version():
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


@pytest.mark.parametrize("preset", [{}, {"OPENBLAS_NUM_THREADS": "3"}, {"OMP_NUM_THREADS": "2"},
                                    {"GOTO_NUM_THREADS": "2"}])
def test_the_bridge_script_runs_one_blas_thread_unless_told(preset):
    """``bridge`` (cli.console) sets numpy's BLAS threads to 1 before numpy is imported
    (bridge.blas: small products, and threads that spin on a shared machine); where the user set
    any of the thread variables, none is touched (OpenBLAS reads its own before OMP's: a 1 there
    overrode a user's OMP_NUM_THREADS)."""
    import os

    from bridge.blas import CHOSEN

    env = {k: v for k, v in os.environ.items() if k not in CHOSEN}
    env.update(preset)
    code = ("import os, sys; from bridge import cli; "
            "cli.main = lambda argv=None: print(os.environ.get('OPENBLAS_NUM_THREADS'), "
            "os.environ.get('OMP_NUM_THREADS'), 'numpy' in sys.modules) or 0; sys.exit(cli.console())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    want = ["1", "1"] if not preset else [preset.get("OPENBLAS_NUM_THREADS", "None"),
                                          preset.get("OMP_NUM_THREADS", "None")]
    assert out == [*want, "False"]


@pytest.mark.parametrize("preset", [{}, {"OPENBLAS_NUM_THREADS": "3"}])
def test_an_mpi_workers_initializer_runs_before_numpy(preset):
    """mpiexec starts a scan's MPI workers before its master sets anything; mpi4py imports the
    initializer's module (bridge.scan.executors) and calls it: neither that module nor the
    ``bridge.scan`` package imports numpy, so start_mpi_worker sets one BLAS thread in time (a
    user's own setting kept), takes SIGINT and SIGTERM as a local worker does (a signal noted
    under an earlier pool of the same MPI job forgotten; both ignored once the interpreter
    exits, whose teardown gave them their default actions back: a second SIGTERM ended the job
    with exit 15, review rev22) and computes its chunks in a local worker's parts
    (executors.CHUNK_WORKER); a second pool of the job starts no second watchdog. Runs without
    MPI (this process as the master). tests/test_scan_mpi.py reads the
    threads from OpenBLAS in the workers of a real MPI job."""
    import os

    from bridge.blas import CHOSEN

    env = {k: v for k, v in os.environ.items() if k not in CHOSEN}
    env.update(preset)
    code = ("import atexit, os, signal, sys; from bridge.scan import executors; "
            "before = 'numpy' in sys.modules; "
            # at the interpreter's exit, after the worker's own atexit function: SIGTERM ignored
            "atexit.register(lambda: print(signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)); "
            "executors._NOTED.append(signal.SIGINT); executors.TASK_RUNNING = True; "  # a last pool's
            # two pools of one job: one watchdog (of this process, on this host: never gone)
            "import socket, threading; "
            "[executors.start_mpi_worker(os.getpid(), socket.gethostname()) for _ in range(2)]; "
            "assert [t.name for t in threading.enumerate()].count('bridge-parent-watchdog') == 1; "
            "print(before, os.environ.get('OPENBLAS_NUM_THREADS'), "
            "all(signal.getsignal(s) is executors._worker_interrupted "
            "for s in (signal.SIGINT, signal.SIGTERM)), executors.CHUNK_WORKER, "
            "executors._NOTED == [] and not executors.TASK_RUNNING)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    assert out == ["False", preset.get("OPENBLAS_NUM_THREADS", "1"), "True", "True", "True", "True"]



@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: OpenBLAS runs one thread anyway")
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("preset", [{}, {"OPENBLAS_NUM_THREADS": "2"}])
def test_openblas_set_to_one_thread_after_numpys_import(preset):
    """bridge.blas.one_thread_loaded, where numpy is imported already: OpenBLAS's threads set to
    one through its own setter (read back with its getter), unless the user chose (kept)."""
    from bridge.blas import CHOSEN

    env = {k: v for k, v in os.environ.items() if k not in CHOSEN}
    env.update(preset)
    code = ("import numpy; from bridge import blas; done = blas.one_thread_loaded(); "
            "print(done, blas.openblas_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    if out[1] == "None":
        pytest.skip("numpy's BLAS is not OpenBLAS")
    assert out == (["True", "1"] if not preset else ["False", "2"])
