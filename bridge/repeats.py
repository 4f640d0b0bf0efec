"""The distinct points of a batch: scans of grids repeat the values a quantity depends on, so
spectra, lepton-side coefficients and neutrino masses are computed once per distinct set and
spread (exact to the bit: equal means equal bits)."""

from __future__ import annotations

import numpy as np


def distinct_points(columns: list, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(first, inverse) of the distinct points of a batch of ``n`` given by the values
    ``columns`` (arrays (n,), real or complex; equal means equal bits): ``first`` a point of
    each distinct set of values, ``inverse`` point → its position in ``first``. None unless there
    are at most n/2 of them (then computing on every point costs little more). ``columns`` may
    also be one real array (n, k), its columns the values (:func:`_distinct_rows`)."""
    if isinstance(columns, np.ndarray):
        return _distinct_rows(columns, n)
    parts = [np.broadcast_to(c, (n,)) for v in columns
             for c in ((np.real(v), np.imag(v)) if np.iscomplexobj(v) else (v,))]
    # the points grouped by the first value alone (its bits): more than n/2 groups, a random
    # scan, gives up early; where every other value is the same within each group (a grid scan
    # whose first value is the only one the quantity's inputs vary in, e.g. M_N for the
    # scotogenic leptons), those are the distinct points, with no key over all values
    head = np.ascontiguousarray(parts[0], dtype=float).view(np.uint64)
    # the number of groups from a plain sort first (~35 µs for 4096 points against ~270 µs for
    # unique's stable argsort with index and inverse, which a random scan would throw away)
    if sorted_count(head) > n // 2:
        return None
    _, first, inverse = np.unique(head, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    # (each value compared in place, as the bits of its float64 view: no copy of the columns)
    if all(np.array_equal(b, b[first][inverse])
           for b in (np.asarray(c, dtype=float).view(np.uint64) for c in parts[1:])):
        return first, inverse
    # each value's bits as a contiguous (n,) column (no (n, k) stack: numpy writes and reduces
    # an array of k short rows row by row, ~4 times the time of k passes over columns)
    bits = [np.ascontiguousarray(c, dtype=float).view(np.uint64) for c in parts]
    # one 64-bit key per point (the bits themselves, or a multiplicative hash of them: the
    # wrapping sum of bits_k · H_k, taken column by column, the same key in any order); a hash
    # collision is caught by comparing every point with its representative
    if len(bits) == 1:
        key = bits[0]
    else:
        key = bits[0] * _HASH[0]
        for k in range(1, len(bits)):
            key += bits[k] * _HASH[k]
    # the keys' count from a plain sort first, as for the first value: more than n/2 distinct
    # keys are more than n/2 distinct points (a collision only merges points), the answer None
    # without unique's index and inverse (a grid scan's chunk that varies two parameters the
    # quantity reads: every point distinct, though the first value repeats)
    if sorted_count(key) > n // 2:
        return None
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if len(bits) > 1 and not all(np.array_equal(b, b[first][inverse]) for b in bits):
        stacked = np.stack(bits, axis=-1)
        _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    if first.size > n // 2:
        return None
    return first, inverse


def sorted_count(values: np.ndarray) -> int:
    """The number of distinct entries of ``values`` from a plain sort (neighbours that differ;
    a NaN differs from everything, itself included): ~8 times cheaper than np.unique with
    index and inverse, for callers that only need the count (or to give up early)."""
    ordered = np.sort(np.ravel(values))
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 if ordered.size else 0


def _distinct_rows(values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`distinct_points` of the columns of a real array ``values`` (n, k) (the same
    answer): grouped by the first column, the others compared with their representatives as
    one (n, k) array of bits instead of column by column (the lepton-side values of a
    scotogenic grid: ~50 columns that repeat M_N's grouping, bridge.lfv.lepton_points); where
    they do not repeat it, the columns go to :func:`distinct_points` one by one."""
    values = np.broadcast_to(values, (n, values.shape[-1]))
    if values.dtype != float or not values.shape[-1]:
        return distinct_points(list(values.T), n)
    bits = np.ascontiguousarray(values).view(np.uint64)
    head = np.ascontiguousarray(bits[:, 0])
    if sorted_count(head) > n // 2:  # the early exit of distinct_points
        return None
    _, first, inverse = np.unique(head, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if np.array_equal(bits, bits[first][inverse]):
        return first, inverse
    return distinct_points(list(values.T), n)


#: odd 64-bit multipliers of :func:`distinct_points`' hash (wrapping arithmetic)
_HASH = np.random.default_rng(20261130).integers(1, 2**63, size=4096, dtype=np.uint64) * 2 + 1
