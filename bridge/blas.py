"""The threads of numpy's BLAS in bridge's processes: one, unless the user chose.

bridge's matrix products are small: a point's mass matrices and couplings, a chunk's fast-path
rows (:func:`bridge.linalg.point_rows`). Threads buy nothing there, and on a machine shared with
other work they spin on the same cores: reading an ``obs:`` column of a 10⁶-point results file
(:mod:`bridge.scan.store` evaluates the fast path on every chunk) took 14-17 s with OpenBLAS's
two threads beside a busy process, 4.7-5.3 s with one, the same bits (2026-12-02); on a loaded
2-core machine a scan worker's small products were 10-30x slower with threads. No numpy here:
the setting must come before numpy's import, where its BLAS reads it, once.
"""

from __future__ import annotations

import os
import sys

#: Environment variables that set the threads of numpy's BLAS (OpenBLAS, MKL, OpenMP builds).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
#: Those in which a user may have chosen the threads (GotoBLAS's name, which OpenBLAS reads too):
#: with any of them set, none is touched. OpenBLAS reads OPENBLAS_NUM_THREADS before
#: OMP_NUM_THREADS (MKL likewise its own first), so setting the others to 1 beside a user's
#: OMP_NUM_THREADS=4 overrode it (review rev20).
CHOSEN = (*BLAS_THREADS, "GOTO_NUM_THREADS")


def set_one() -> bool:
    """Set each of :data:`BLAS_THREADS` to 1 in this process's environment (for numpy's later
    import here and for the processes it starts), unless one of :data:`CHOSEN` is set; whether
    it did."""
    if any(name in os.environ for name in CHOSEN):
        return False
    for name in BLAS_THREADS:
        os.environ[name] = "1"
    return True


def one_thread() -> bool:
    """:func:`set_one` if numpy is not imported yet (where it would come too late); whether it
    set them. The ``bridge`` script calls it first (:func:`bridge.cli.console`); the processes it
    starts (a scan's workers) inherit the setting."""
    return "numpy" not in sys.modules and set_one()


#: OpenBLAS's setter of its threads, by the names numpy's wheels (scipy-openblas, 64- and 32-bit
#: integers) and system builds export.
OPENBLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                    "openblas_set_num_threads64_", "openblas_set_num_threads")


def one_thread_loaded() -> bool:
    """Where numpy is imported already (its BLAS read the environment when it loaded): the
    environment set as :func:`set_one` sets it (for the processes this one starts) and this
    process's OpenBLAS set to one thread through its own setter (:func:`_openblas`); whether it
    did. Nothing where the user chose (:data:`CHOSEN`). An MPI worker of a script that imports
    numpy before mpi4py starts the pool ran OpenBLAS's default threads (review rev22)."""
    if not set_one():
        return False
    setter = _openblas("set")
    if setter is None:
        return False
    setter(1)
    return True


def openblas_threads() -> int | None:
    """The threads this process's OpenBLAS runs (its own getter), None where none is loaded."""
    getter = _openblas("get")
    return None if getter is None else int(getter())


def _openblas(verb: str):
    """OpenBLAS's ``set_num_threads`` or ``get_num_threads`` (``verb``) in a library this
    process has mapped (Linux's /proc/self/maps), by the names of :data:`OPENBLAS_SETTERS`;
    None where there is none."""
    import ctypes

    try:
        with open("/proc/self/maps") as fh:
            paths = [line.split()[-1] for line in fh if "openblas" in line.lower() and ".so" in line]
    except OSError:
        return None
    for path in dict.fromkeys(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in OPENBLAS_SETTERS:
            function = getattr(library, name.replace("_set_", f"_{verb}_"), None)
            if function is not None:
                return function
    return None
