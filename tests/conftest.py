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
