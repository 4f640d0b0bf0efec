"""Parameter scans: grids and samples of card entries, stored point by point on disk.

Modules (each cheap to import; flavio is imported only where observables are built):

* :mod:`bridge.scan.space`: ``--vary`` specifications, grids, random and Latin-hypercube samples;
* :mod:`bridge.pipeline` (core): vectorised model evaluation with a
  point-by-point fallback;
* :mod:`bridge.scan.fastpath`: the exact polynomial representation of flavio observables;
* :mod:`bridge.scan.chi2`: vectorised χ² of the named likelihoods;
* :mod:`bridge.scan.store`: the SQLite results file (resumable, exactly once per point);
* :mod:`bridge.scan.executors`: local process pool, Dask and MPI behind ``concurrent.futures``;
* :mod:`bridge.scan.runner`: the scan itself (chunks, progress, resume);
* :mod:`bridge.scan.plot`: 2D maps (matplotlib, imported only there).
"""

__all__ = ["read_results"]


def __getattr__(name):
    # read_results imported when asked for (PEP 562): importing this package imports no numpy,
    # so that an MPI worker's initializer (bridge.scan.executors) runs before numpy's import
    # and can still set its BLAS threads (bridge.blas)
    if name == "read_results":
        from bridge.scan.store import read_results

        return read_results
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "read_results"])
