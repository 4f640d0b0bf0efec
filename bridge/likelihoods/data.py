"""The package data the likelihoods read from bridge/data: the seed likelihoods
(seed_likelihoods.yml), the measurement overlay (measurements.yml, flavio's YAML format) and
the shipped covariances (flavio_covariances.json)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: bridge/data in the source tree (write_shipped_covariances writes there).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def data_text(name: str) -> str:
    return resources.files("bridge").joinpath("data", name).read_text(encoding="utf-8")


def shipped_json(name: str) -> dict:
    """bridge/data/``name`` as a JSON object; {} if it is absent, unreadable or not an object
    (the one reader of the shipped JSON files: each owner then checks its own key)."""
    import json

    try:
        doc = json.loads(data_text(name))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def shipped_entries(name: str) -> list[dict]:
    """The ``entries`` objects of bridge/data/``name`` (files holding one entry per key)."""
    entries = shipped_json(name).get("entries")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def shipped_doc(name: str, key) -> dict | None:
    """bridge/data/``name`` as JSON if it is an object computed for ``key`` (its "key" entry),
    else None (absent, unreadable, or for other versions or settings)."""
    doc = shipped_json(name)
    return doc if doc and doc.get("key") == key else None


def data_file(name: str):
    """A context manager giving a real file path of bridge/data/``name``."""
    return resources.as_file(resources.files("bridge").joinpath("data", name))
