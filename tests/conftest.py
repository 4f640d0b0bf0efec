"""Shared fixtures. flavio is imported once per session, only by tests that need it."""

from __future__ import annotations

import os

import pytest

# progress reports (bridge.progress) write to stderr after 2 s; tests that read stderr must not
# see them: off for the test session, switched on by the tests of bridge.progress themselves
os.environ.setdefault("BRIDGE_PROGRESS", "0")


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Keep the on-disk caches of a test run away from the user's ~/.cache/bridge."""
    if "BRIDGE_CACHE_DIR" not in os.environ:
        os.environ["BRIDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("bridge-cache"))


@pytest.fixture(scope="session")
def sm():
    """SM inputs from flavio's default parameters (imports flavio)."""
    from bridge.sm import SMInputs

    return SMInputs.from_flavio()


@pytest.fixture(scope="module")
def shipped():
    """The fast path shipped in the package for the default observables at the 160 GeV hand-over
    scale, read without flavio (test_fastpath_eval, test_fastpath_gather)."""
    from bridge.scan import fastpath as fpm
    from bridge.scan.fastpath_build import default_observables

    observables = default_observables()
    found, _ = fpm.load(observables, 160.0, {}, use_cache=False)
    if not found:
        pytest.skip("no shipped fast path for the installed flavio")
    return fpm.FastPath([o for o in observables if o.label in found], 160.0, {}, found)
