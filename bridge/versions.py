"""Installed versions of the packages whose shipped tables bridge keys by version (flavio,
wilson, rundec: bridge/data's couplings, sectors, Z-pole and fast-path files), looked up once
per process.

``importlib.metadata.version`` imports importlib.metadata and the email package (~30 ms) and
reads the metadata of the installed distributions on each call. A local scan worker runs on
the installation of the scanning process that started it, so it takes that process's versions
(:func:`adopt`, through bridge.scan.executors.make_backend's ``setup``) instead of looking them
up again.
"""

from __future__ import annotations

#: Versions looked up in (or adopted by) this process, by distribution name.
_KNOWN: dict[str, str] = {}


def installed(name: str) -> str:
    """``importlib.metadata.version(name)``, looked up once per process (it raises
    PackageNotFoundError as that does, and the next call looks again)."""
    found = _KNOWN.get(name)
    if found is None:
        from importlib.metadata import version

        found = _KNOWN[name] = version(name)
    return found


def known() -> dict[str, str]:
    """The versions this process has looked up so far (a copy)."""
    return dict(_KNOWN)


def adopt(versions: dict[str, str]) -> None:
    """Take ``versions`` (:func:`known` of a process with the same installation) as looked up."""
    for name, value in versions.items():
        if not (isinstance(name, str) and isinstance(value, str)):
            raise TypeError(f"a version is a str: {name!r}: {value!r}")
    _KNOWN.update(versions)
