"""A local scan worker leaves without tearing its interpreter down (bridge.scan.executors
._WorkerProcess), with multiprocessing's exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


PROBE = r"""
import atexit, sys
from bridge.scan.executors import _WorkerContext

def leave(path, how):
    atexit.register(lambda: open(path, "w").write("torn down"))
    if how == "raise":
        raise RuntimeError("a worker's error")
    if how == "exit":
        sys.exit(3)

if __name__ == "__main__":
    out = {}
    for how in ("return", "raise", "exit"):
        path = sys.argv[1] + "." + how
        p = _WorkerContext().Process(target=leave, args=(path, how))
        p.start()
        p.join(120)
        import os
        out[how] = (p.exitcode, os.path.exists(path))
    print(out)
"""


def test_a_worker_process_keeps_its_exit_code_and_skips_the_teardown(tmp_path):
    """_WorkerProcess: multiprocessing's exit code (0, 1 after an error, a SystemExit's code),
    and no interpreter teardown: an atexit handler of the worker does not run."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "torn")], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str({"return": (0, False), "raise": (1, False), "exit": (3, False)})
    assert "RuntimeError: a worker's error" in proc.stderr  # multiprocessing's report, flushed
