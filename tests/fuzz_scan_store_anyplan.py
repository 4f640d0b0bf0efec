"""Review fuzzer: "a badly stale plan can only cost bytes or time, never values" taken
literally. A table is encoded once under a key (the choice and its plan cached), then the
cached plan is replaced by an arbitrary one (any kind at any plane row: ZERO, RAW, DEFLATED,
PACK1/2/4, also plans _planned never makes) and tables with other values are encoded under
it; each blob decoded, bit for bit (review revstore ran it with main's decoder beside: 541 594
chunks, 1.1e10 values). tests/test_scan_store_review.py runs ten seeds; for longer runs:

    python tests/fuzz_scan_store_anyplan.py SEED SECONDS
"""

from __future__ import annotations

import sys
import time
import traceback

import numpy as np

from bridge.scan import store

KINDS = np.array([store.ZERO, store.RAW, store.DEFLATED, store.PACK1, store.PACK2, store.PACK4],
                 dtype=np.uint8)


def _table(r, m, n):
    """Rows whose residuals under "" (no transform: residual = the bits) reach chosen planes:
    values with a chosen number of bytes, a few spikes (first, last point), zeros."""
    t = np.zeros((m, n), dtype=np.int64)
    for k in range(m):
        c = r.integers(0, 6)
        top = int(r.integers(0, 8))
        if c == 0:
            t[k] = r.integers(0, 1 << (8 * top), n) if top else 0
        elif c == 1:  # small, with spikes
            t[k] = r.integers(0, 16, n)
            at = np.concatenate([r.integers(0, n, int(r.integers(0, n // 16))), [0, n - 1, n - 2]])
            t[k, at] = r.integers(-(1 << 62), 1 << 62, at.size)
        elif c == 2:  # exactly the spike budget: n // 32 large values
            at = r.choice(n, n // 32 + int(r.integers(-1, 2)), replace=False)
            t[k, at] = r.integers(1 << 20, 1 << 40, at.size)
        elif c == 3:
            t[k] = r.integers(-(1 << 63), (1 << 63) - 1, n, dtype=np.int64)
        elif c == 4:  # one value at the last point only, or only at the head points
            t[k, [n - 1] if r.random() < 0.5 else [0, 1]] = r.integers(1, 1 << 62)
        else:
            t[k] = r.integers(0, 2, n) << int(r.integers(0, 63))
    return t


def run(seed, stats):
    r = np.random.default_rng(seed)
    m, n = int(r.integers(1, 12)), int(r.choice([1024, 1025, 2048, 4096, 8192]))
    width = int(r.choice([0, 64, 7, 1024]))
    codes = list(r.choice(["", "1", "11", "1W", "11W"] if width else ["", "1", "11"], m))
    key = ("anyplan", seed)
    store._CHOICE_CACHE.clear()
    first = _table(r, m, n)
    # the choice fixed by hand: the cache entry _encode makes, with these codes
    store._CHOICE_CACHE[key] = [codes, 1e9, 0, False, None]
    store.encode_table(first.view(np.float64), width, key=key, reuse=10**9)
    for chunk in range(int(r.integers(5, 30))):
        entry = store._CHOICE_CACHE.get(key)
        if entry is None:
            store._CHOICE_CACHE[key] = entry = [codes, 1e9, 0, False, None]
        entry[1] = 1e9  # no growth guard: the plan stays
        if r.random() < 0.7:
            entry[4] = KINDS[r.integers(0, KINDS.size, 8 * m)]
        nn = int(r.choice([n, 1024, 1025, 8192]))
        t = _table(r, m, nn)
        got_codes, blob = store.encode_table(t.view(np.float64), width, key=key, reuse=10**9)
        assert got_codes == codes, (got_codes, codes)
        out = store.decode_table(blob, got_codes, nn, width).view(np.int64)
        if not np.array_equal(out, t):
            bad = np.argwhere(out != t)
            raise AssertionError(f"seed {seed} chunk {chunk} m {m} n {nn} width {width} "
                                 f"codes {codes}: {len(bad)} differ, first {bad[0]}")
        stats["chunks"] += 1
        stats["values"] += m * nn


def main():
    seed, seconds = int(sys.argv[1]), float(sys.argv[2])
    stats = {"chunks": 0, "values": 0, "sequences": 0}
    end, fails = time.time() + seconds, 0
    while time.time() < end:
        try:
            run(seed, stats)
        except Exception:
            fails += 1
            print(f"FAIL seed {seed}")
            traceback.print_exc()
            if fails >= 5:
                break
        stats["sequences"] += 1
        seed += 1
    print("stats", stats, "failures", fails, flush=True)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
