"""Seed 000's direct-detection layer with the seed's own data: XENON1T 2018 instead of LZ 2024.

A `bridge scan --dark-matter` results file holds σ_SI / limit against LZ 2024 (``dm:si_ratio``,
``dm:si_limit``). Seed 000 (arXiv:2104.03228, Fig. 2) drew XENON1T's limit (its Ref. [79],
arXiv:1805.12562). This copies the results file and adds one column that `bridge plot` draws like
any other,

    dm:si_ratio_xenon1t = σ_Xe / σ_XENON1T(m),   σ_Xe = dm:si_ratio × dm:si_limit,

σ_Xe being the xenon-weighted per-nucleon cross section the LZ ratio was formed with and
σ_XENON1T the collaboration's published curve (:data:`bridge.darkmatter.limits.XENON1T_2018_SI`).

usage: python examples/seed000_fig2.py RESULTS OUT   (OUT is written anew)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bridge.darkmatter.limits import XENON1T_2018_SI
from bridge.scan import store

COLUMN = "dm:si_ratio_xenon1t"


def add_xenon1t_ratio(results: str, out: str) -> int:
    """Write ``out``: every point of ``results`` with :data:`COLUMN` added. Returns the points."""
    data = store.read(results, failed=True)
    meta = store.meta(results)
    xenon_weighted = data["dm:si_ratio"] * data["dm:si_limit"]
    limit = np.array([XENON1T_2018_SI(m) if np.isfinite(m) else np.nan for m in data["dm:mass"]])
    data[COLUMN] = xenon_weighted / limit
    ok = data["status"] == store.STATUS_OK
    errors = [None if good else str(e) for good, e in zip(ok, data["error"], strict=True)]
    columns = {k: v for k, v in data.items() if k not in store.FIXED}
    target = Path(out)
    store.remove(target)  # a new file: a copy, never a resumed one
    with store.Store(target) as w:
        for key, value in meta.items():
            if key != store.MARKER:
                w.set_meta(key, value)
        return w.write(data["id"], columns, errors, list(data["route"]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    n = add_xenon1t_ratio(*sys.argv[1:])
    print(f"{sys.argv[2]}: {n} points, with {COLUMN}")
