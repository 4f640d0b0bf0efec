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


def data_file(name: str):
    """A context manager giving a real file path of bridge/data/``name``."""
    return resources.as_file(resources.files("bridge").joinpath("data", name))
