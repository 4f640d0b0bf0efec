"""The bridge's on-disk caches: where they live, how an entry is written, and how it is checked.

Four things are cached, each by the module that computes it: flavio's SM uncertainties
(``sm-uncertainty-*``, :mod:`bridge.observables`), the covariances of the flavio likelihoods
(``flavio-likelihood-*``, :mod:`bridge.likelihoods.flavio_fast`), the fast path of a scan
(``fastpath-*``, :mod:`bridge.scan.fastpath`) and the SM inputs (``sminputs-*``,
:mod:`bridge.sm`). The directory is ``$BRIDGE_CACHE_DIR``, else ``$XDG_CACHE_HOME/bridge``,
else ``~/.cache/bridge``.

An entry is one JSON file ``{"bridge_cache": FORMAT, "key": ..., "sha256": ..., "payload": ...}``,
written atomically (a temporary file, then a rename). Its name holds a digest of the key; the
key itself is stored inside and compared on load, and ``sha256`` is the checksum of the
payload. :func:`load` trusts nothing: a file that is not JSON, not such an entry, computed
for another key, fails its checksum, or whose payload the owner's parser refuses (schema,
finiteness, physical range; the parser raises :class:`Invalid`) is reported in ONE warning
line on stderr naming the file and what was wrong, and the caller recomputes it. A cache that
cannot be written (read-only, full disk) only costs time.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: Version of the entry layout (an entry of another version is recomputed).
FORMAT = 1
#: Tolerances of the covariance checks (relative to the diagonal: scale-free).
SYMMETRY_TOL = 1e-9
PSD_TOL = 1e-8


class Invalid(ValueError):
    """What is wrong with a cache entry's payload (raised by the owners' parsers)."""


def cache_dir() -> Path:
    root = os.environ.get("BRIDGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bridge")
    return Path(root)


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True)


def digest(key) -> str:
    """16 hex digits of the key's SHA-256 (the file name part)."""
    return hashlib.sha256(_canonical(key).encode()).hexdigest()[:16]


def entry_path(kind: str, key, suffix: str = ".json") -> Path:
    """``<cache dir>/<kind>-<digest of key><suffix>``."""
    return cache_dir() / f"{kind}-{digest(key)}{suffix}"


def checksum(payload) -> str:
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` under a temporary name and rename it; False if that fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False  # a read-only or full cache only costs time
    return True


def store(path: Path, key, payload) -> bool:
    """Write ``payload`` (JSON data) as the entry for ``key``; False if it cannot be written."""
    doc = {"bridge_cache": FORMAT, "key": key, "sha256": checksum(payload), "payload": payload}
    return write_atomic(path, json.dumps(doc, allow_nan=True))


def warn(path: Path, what: str) -> None:
    """The one warning line of an invalid entry."""
    what = " ".join(str(what).split())
    if len(what) > 300:
        what = what[:300] + "..."
    print(f"bridge: warning: cache file {path}: {what}; recomputing it", file=sys.stderr)


def load(path: Path, key, parse: Callable):
    """``parse(payload)`` of the valid entry for ``key`` at ``path``, or None (absent or invalid:
    recompute). An invalid entry gets one warning line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        warn(path, "not valid JSON (not UTF-8 text)")
        return None
    except OSError as exc:
        warn(path, f"cannot be read ({exc.strerror or exc})")
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        warn(path, "not valid JSON (truncated or overwritten)")
        return None
    if not (isinstance(doc, dict) and doc.get("bridge_cache") == FORMAT
            and {"key", "sha256", "payload"} <= doc.keys()):
        warn(path, f"not a bridge cache entry of format {FORMAT} (no key, checksum and payload)")
        return None
    if _canonical(doc["key"]) != _canonical(json.loads(_canonical(key))):
        warn(path, "computed for another key")
        return None
    if doc["sha256"] != checksum(doc["payload"]):
        warn(path, "checksum mismatch: the payload was changed after it was written")
        return None
    try:
        return parse(doc["payload"])
    except Invalid as exc:
        warn(path, str(exc))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        warn(path, f"malformed entry ({type(exc).__name__}: {exc})")
    return None


# ---------------------------------------------------------------------------
# checks for the owners' parsers
# ---------------------------------------------------------------------------
def real(x, what: str) -> float:
    """A finite real number (not a bool, not a string)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Invalid(f"{what} is not a number ({type(x).__name__})")
    if not math.isfinite(x):
        raise Invalid(f"{what} is not finite ({x})")
    return float(x)


def array(x, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A finite float array of the given shape (from nested lists of numbers)."""
    def check(v, where):
        if isinstance(v, list):
            return [check(e, where) for e in v]
        return real(v, where)

    if not isinstance(x, list):
        raise Invalid(f"{what} is not a list ({type(x).__name__})")
    values = check(x, f"an entry of {what}")
    try:
        out = np.array(values, dtype=float)
    except ValueError:
        raise Invalid(f"{what} has the wrong shape (ragged)") from None
    if out.shape != shape:
        raise Invalid(f"{what} has the wrong shape {out.shape}, expected {shape}")
    return out


def covariance(x, n: int, what: str) -> np.ndarray:
    """A finite, symmetric, positive semi-definite n×n matrix (checked scale-free)."""
    c = array(x, (n, n), what)
    d = np.diag(c)
    if np.any(d < 0):
        raise Invalid(f"{what} has a negative variance ({d.min():g})")
    scale = np.sqrt(np.outer(d, d))
    if np.any(np.abs(c - c.T) > SYMMETRY_TOL * np.maximum(scale, np.abs(c))):
        raise Invalid(f"{what} is not symmetric")
    pos = d > 0
    if np.any(np.abs(c[~pos]) > 0):
        raise Invalid(f"{what} has correlations for an observable of zero variance")
    corr = c[np.ix_(pos, pos)] / scale[np.ix_(pos, pos)]
    if corr.size and np.linalg.eigvalsh(corr).min() < -PSD_TOL:
        raise Invalid(f"{what} is not positive semi-definite")
    return c
