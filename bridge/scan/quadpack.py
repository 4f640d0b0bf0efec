"""scipy's ``quad`` (QUADPACK QAGS) on integrands known at its nodes, for N points at once.

flavio integrates its binned observables with ``scipy.integrate.quad`` (flavio/math/integrate.py
``nintegrate``): QUADPACK's QAGS, an adaptive 21-point Gauss–Kronrod rule (Piessens, de
Doncker-Kapenga, Überhuber, Kahaner, QUADPACK, Springer 1983, routines DQK21 and DQAGSE). Its
result is an exact function of the integrand's values at the nodes it visits, and which nodes it
visits depends on its error estimates. :func:`qags` reproduces that for the first two levels —
the whole interval, then its two halves — with the arithmetic of DQK21 and DQAGSE in the same
order (the bisection point, the running sums ``area`` and ``errsum``, the acceptance tests, the
order of the final sum), so that with the same node values the result is QUADPACK's to the last
bit; a point QUADPACK would bisect further is reported, not guessed.

:func:`nodes` gives the abscissae of those 63 nodes in the order the values are expected.
"""

from __future__ import annotations

import numpy as np

#: DQK21 abscissae (Kronrod, the odd ones also Gauss) and weights.
XGK = (0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
       0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
       0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
       0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
       0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0)
WGK = (0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
       0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
       0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
       0.123491976262065851077208980715781, 0.134709217311473325928054001771707,
       0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
       0.149445554002916905664936468389821)
WG = (0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
      0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
      0.295524224714752870173892994651338)
EPMACH = np.finfo(float).eps
UFLOW = np.finfo(float).tiny
#: Node values per interval: the centre, then centre − h·x_k and centre + h·x_k (k = 0..9).
PER_INTERVAL = 21
_WGK_COLUMN = np.array(WGK[:10])[:, None]
#: DQK21 sums the Gauss nodes k = 1, 3, .., 9 first, then the Kronrod-only ones k = 0, 2, .., 8.
_GAUSS, _KRONROD = slice(1, 10, 2), slice(0, 10, 2)
_WGK_GAUSS, _WGK_KRONROD = _WGK_COLUMN[_GAUSS], _WGK_COLUMN[_KRONROD]
WG_COLUMN = np.array(WG)[:, None]


def _interval_nodes(a: float, b: float) -> list[float]:
    centr = (a + b) * 0.5
    hlgth = (b - a) * 0.5
    absc = [hlgth * XGK[k] for k in range(10)]
    return [centr, *[centr - x for x in absc], *[centr + x for x in absc]]


def halves(a: float, b: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two intervals DQAGSE bisects [a, b] into first."""
    mid = (a + b) * 0.5
    return (a, mid), (mid, b)


def nodes(a: float, b: float) -> list[float]:
    """The 63 abscissae of levels 0 and 1: [a, b], then its two halves (21 each)."""
    (a1, b1), (a2, b2) = halves(a, b)
    return _interval_nodes(a, b) + _interval_nodes(a1, b1) + _interval_nodes(a2, b2)


def qk21(f: np.ndarray, a: float, b: float):
    """DQK21 on [a, b] for node values f (N, 21): (result, abserr, resabs, resasc), each (N,)."""
    return qk21_rows(np.ascontiguousarray(f.T), a, b)


def qk21_rows(g: np.ndarray, a, b):
    """:func:`qk21` for node values by row, g (21, *S) (S: the points, or integrals × points;
    each node's values contiguous over the points); ``a``, ``b`` floats or arrays that
    broadcast to S (an interval per integral: :func:`qags_many`). DQK21's sums run point by
    point over the nodes in its order: the terms of each sum are written as the rows of one
    array, in that order, and summed by one ``np.add.reduce`` over the rows (on a C-contiguous
    array numpy adds whole rows one after the other, the same additions in the same order as
    DQK21's loop, so the same numbers to the last bit, in a few calls instead of ~60: a
    chunk's fixed cost).

    Where every node value is positive (a rate: the binned observables' integrands) |f| = f,
    so DQK21's ``resabs`` has the terms of ``resk`` in the same order: the same number, taken
    from ``resk`` instead of summed again (a NaN or a value ≤ 0 anywhere: summed as DQK21 does)."""
    if g.shape[-1] == 1:  # numpy would sum the rows of a (k, 1) array as one contiguous vector: pairwise
        return tuple(x[..., :1] for x in qk21_rows(np.concatenate([g, g], axis=-1), a, b))
    rows = g.shape[1:]  # the points (and the intervals side by side: (2, m) for the halves)
    col = (-1,) + (1,) * (g.ndim - 1)  # a weight per row, broadcast over the points
    hlgth = (np.subtract(b, a)) * 0.5
    dhlgth = np.abs(hlgth)
    fc, fm, fp = g[0], g[1:11], g[11:21]
    terms = np.empty((11, *rows))  # a sum's terms: the centre, then DQK21's nodes in its order
    raw = np.add(fm, fp)
    np.multiply(raw[_GAUSS], WG_COLUMN.reshape(col), out=terms[1:6])  # resg = 0 + Σ_j wg_j (f_-k + f_+k)
    resg = np.add.reduce(terms[1:6], axis=0)
    np.multiply(WGK[10], fc, out=terms[0])
    np.multiply(raw[_GAUSS], _WGK_GAUSS.reshape(col), out=terms[1:6])  # Gauss nodes first, then Kronrod-only
    np.multiply(raw[_KRONROD], _WGK_KRONROD.reshape(col), out=terms[6:11])
    resk = np.add.reduce(terms, axis=0)
    if g.min() > 0.0:  # resabs: resk's terms (NaN compares False)
        resabs = resk.copy()
    else:
        np.abs(terms[0], out=terms[0])
        wabs = np.abs(fm)
        wabs += np.abs(fp, out=raw)
        np.multiply(wabs[_GAUSS], _WGK_GAUSS.reshape(col), out=terms[1:6])
        np.multiply(wabs[_KRONROD], _WGK_KRONROD.reshape(col), out=terms[6:11])
        resabs = np.add.reduce(terms, axis=0)
    reskh = resk * 0.5
    dev = np.subtract(g, reskh, out=np.empty((PER_INTERVAL, *rows)))  # |f - resk/2| at every node
    np.abs(dev, out=dev)
    np.add(dev[1:11], dev[11:21], out=terms[1:11])  # resasc: the nodes in their natural order
    terms[1:11] *= _WGK_COLUMN.reshape(col)
    np.multiply(dev[0], WGK[10], out=terms[0])
    resasc = np.add.reduce(terms, axis=0)
    result = resk * hlgth
    resabs *= dhlgth
    resasc *= dhlgth
    abserr = np.abs((resk - resg) * hlgth)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = resasc * np.minimum(1.0, (abserr * 200.0 / resasc) ** 1.5)
    abserr = np.where((resasc != 0) & (abserr != 0), scaled, abserr)
    abserr = np.where(resabs > UFLOW / (EPMACH * 50.0), np.maximum(EPMACH * 50.0 * resabs, abserr), abserr)
    return result, abserr, resabs, resasc


def qags(values: np.ndarray, a: float, b: float, epsabs: float, epsrel: float, limit: int = 50):
    """(result (N,), deeper (N,) bool) of DQAGSE for node values (N, 63) (:func:`nodes`):
    ``deeper`` marks the points at which QUADPACK would bisect beyond the two halves (their
    result is NaN)."""
    return qags_lazy(values[:, :PER_INTERVAL], lambda todo: values[todo, PER_INTERVAL:], a, b,
                     epsabs, epsrel, limit)


def qags_lazy(first: np.ndarray, halves_at, a: float, b: float, epsabs: float, epsrel: float,
              limit: int = 50):
    """:func:`qags` with the values at the 21 nodes of [a, b] (N, 21) and ``halves_at(todo)``
    giving those at the 42 nodes of the halves (len(todo), 42) for the points ``todo`` that
    QUADPACK bisects (so they are computed only there)."""
    return qags_rows(np.ascontiguousarray(first.T), lambda todo: side_by_side(halves_at(todo)), a, b,
                     epsabs, epsrel, limit)


def side_by_side(values: np.ndarray) -> np.ndarray:
    """The halves' node values (m, 42) (:func:`nodes`) by row with the two halves side by side,
    (21, 2, m): [j, h] holds node j of half h at the m points, each contiguous (one copy, the
    transposition; :func:`qags_rows` runs one DQK21 over both halves; measured: DQK21 reading
    the strided transposed view instead costs more than the copy)."""
    m = values.shape[0]
    return np.ascontiguousarray(values.T).reshape(2, PER_INTERVAL, m).transpose(1, 0, 2)


def qags_rows(first: np.ndarray, halves_at, a: float, b: float, epsabs: float, epsrel: float,
              limit: int = 50):
    """:func:`qags_lazy` with node values by row: ``first`` (21, N), ``halves_at(todo)`` (21,
    2, len(todo)), the halves side by side (:func:`side_by_side`): one :func:`qk21_rows` for
    both, each half with its own interval (the elementwise operations and the sums over rows
    are those of one call per half, point by point)."""
    out, deeper = qags_many(first[:, None], lambda k, todo: halves_at(todo),
                            [(a, b, epsabs, epsrel, limit)])
    return out[0], deeper[0]


def qags_many(first: np.ndarray, halves_at, integrals) -> tuple[np.ndarray, np.ndarray]:
    """:func:`qags_rows` of Q integrals over the same N points at once: (result (Q, N), deeper
    (Q, N)). ``first`` (21, Q, N): the values at the 21 nodes of each integral's interval,
    ``halves_at(k, todo)`` (21, 2, len(todo)) those at the halves' nodes of integral k
    (:func:`side_by_side`), ``integrals`` [(a, b, epsabs, epsrel, limit)] per integral. Every
    operation is elementwise (each integral's constants broadcast over its row) or a sum over
    the node rows, so each value is the one a call per integral gives, bit for bit; the
    integrals that QUADPACK bisects at every point (all of them, for the binned rates of a
    scan) share one DQK21 of their halves."""
    q = len(integrals)
    col = np.array([[float(x) for x in k[:4]] for k in integrals]).T[:, :, None]  # (4, Q, 1)
    a, b, epsabs, epsrel = col
    limit = [int(k[4]) for k in integrals]
    result, abserr, defabs, resabs = qk21_rows(first, a, b)
    errbnd = np.maximum(epsabs, epsrel * np.abs(result))
    ier = (abserr <= EPMACH * 100.0 * defabs) & (abserr > errbnd)
    ier[[lim == 1 for lim in limit]] = True
    done = ier | ((abserr <= errbnd) & (abserr != resabs)) | (abserr == 0.0)
    every = [k for k in range(q) if not done[k].any()]
    some = [k for k in range(q) if k not in every and not done[k].all()]
    if every:
        n = first.shape[-1]
        if len(every) == 1:
            v = halves_at(every[0], np.arange(n))[:, None]
        else:
            v = np.empty((PER_INTERVAL, len(every), 2, n))
            for j, k in enumerate(every):
                v[:, j] = halves_at(k, np.arange(n))
        if len(every) == q:  # the common case: no gathers
            return _second_level(v, integrals, result, abserr)
    out = np.where(done, result, np.nan)
    deeper = np.zeros(result.shape, dtype=bool)
    if every:
        out[every], deeper[every] = _second_level(v, [integrals[k] for k in every], result[every],
                                                  abserr[every])
    for k in some:
        todo = np.flatnonzero(~done[k])
        value, worse = _second_level(halves_at(k, todo)[:, None], [integrals[k]], result[k:k + 1, todo],
                                     abserr[k:k + 1, todo])
        out[k, todo], deeper[k, todo] = value[0], worse[0]
    return out, deeper


def _too_small(first: tuple[float, float], second: tuple[float, float]) -> bool:
    """DQAGSE's test that the halves are too small to bisect (ier = 4)."""
    (a1, _), (a2, b2) = first, second
    return max(abs(a1), abs(b2)) <= (EPMACH * 100.0 + 1.0) * (abs(a2) + UFLOW * 1e3)


def _second_level(v: np.ndarray, integrals, result: np.ndarray, abserr: np.ndarray):
    """DQAGSE's step after the first bisection for Q integrals at m points: the halves' node
    values v (21, Q, 2, m), the whole interval's result and abserr (Q, m): (value (Q, m), NaN
    where QUADPACK bisects further; deeper (Q, m))."""
    ends = np.array([[halves(float(k[0]), float(k[1]))] for k in integrals])  # (Q, 1, 2, 2)
    area, error, _, _ = qk21_rows(v, ends[:, 0, :, :1], ends[:, 0, :, 1:])  # (Q, 2, m)
    area1, area2, error1, error2 = area[:, 0], area[:, 1], error[:, 0], error[:, 1]
    epsabs = np.array([[float(k[2])] for k in integrals])
    epsrel = np.array([[float(k[3])] for k in integrals])
    area12 = area1 + area2
    erro12 = error1 + error2
    errsum = abserr + erro12 - abserr
    area = result + area12 - result
    errbnd1 = np.maximum(epsabs, epsrel * np.abs(area))
    # DQAGSE also stops here (and sums the two halves) when it may not bisect further:
    # the limit of subintervals reached, or an interval too small to bisect (ier = 1, 4)
    stop = np.array([[int(k[4]) == 2 or _too_small(*halves(float(k[0]), float(k[1])))] for k in integrals])
    ok = (errsum <= errbnd1) | stop
    swap = error2 > error1
    first = np.where(swap, area2, area1)
    second = np.where(swap, area1, area2)
    total = (0.0 + first) + second
    return np.where(ok, total, np.nan), ~ok
