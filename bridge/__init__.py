"""bridge: dark-loop models from an SLHA card to flavour predictions.

Model plugins implement the hooks of :mod:`bridge.hookspecs`, marked with
:data:`hookimpl`, and are discovered through the ``bridge.models`` entry-point
group. Importing this package is cheap: flavio and wilson are imported only
where a prediction or a WCxf object is made.
"""

import pluggy

PROJECT_NAME = "bridge"
ENTRY_POINT_GROUP = "bridge.models"

#: Marker for hook implementations in model plugins.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["ENTRY_POINT_GROUP", "PROJECT_NAME", "Result", "__version__", "evaluate", "hookimpl"]


def __getattr__(name: str):
    """``bridge.evaluate`` and ``bridge.Result`` (:mod:`bridge.api`), imported on first use, and
    ``bridge.__version__``, read from the installed metadata on first use: importlib.metadata
    (with the email package it imports) is ~30 ms of every scan worker's start, which never
    reads the version."""
    if name in ("evaluate", "Result"):
        from bridge import api

        return getattr(api, name)
    if name == "__version__":
        global __version__
        from importlib.metadata import PackageNotFoundError, version

        try:
            __version__ = version("bridge-flavour")
        except PackageNotFoundError:  # running from a source tree that is not installed
            __version__ = "0+unknown"
        return __version__
    raise AttributeError(f"module 'bridge' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names and the ones :func:`__getattr__` gives on first use."""
    return sorted(set(globals()) | set(__all__))
