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

When the node values are linear functions of a few known quantities (the fast path's φ(y) W,
bridge.scan.fastpath.Quadrature), QUADPACK's decision after the first bisection can often be
proved without the halves' 42 node values: :func:`certainty_columns` and :func:`certain` (the
derivation is in their docstrings). There the value is the sum of the halves' areas as one
linear functional, within a rigorous rounding bound of QUADPACK's (a few ulp of the sum of the
terms' magnitudes), and not bit for bit; elsewhere the halves are computed and QUADPACK's
arithmetic is run as above.
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
              limit: int = 50, shortcut_at=None):
    """:func:`qags` with the values at the 21 nodes of [a, b] (N, 21) and ``halves_at(todo)``
    giving those at the 42 nodes of the halves (len(todo), 42) for the points ``todo`` that
    QUADPACK bisects (so they are computed only there); ``shortcut_at``: see :func:`qags_many`."""
    return qags_rows(np.ascontiguousarray(first.T), lambda todo: side_by_side(halves_at(todo)), a, b,
                     epsabs, epsrel, limit, shortcut_at)


def side_by_side(values: np.ndarray) -> np.ndarray:
    """The halves' node values (m, 42) (:func:`nodes`) by row with the two halves side by side,
    (21, 2, m): [j, h] holds node j of half h at the m points, each contiguous (one copy, the
    transposition; :func:`qags_rows` runs one DQK21 over both halves; measured: DQK21 reading
    the strided transposed view instead costs more than the copy)."""
    m = values.shape[0]
    return np.ascontiguousarray(values.T).reshape(2, PER_INTERVAL, m).transpose(1, 0, 2)


def qags_rows(first: np.ndarray, halves_at, a: float, b: float, epsabs: float, epsrel: float,
              limit: int = 50, shortcut_at=None):
    """:func:`qags_lazy` with node values by row: ``first`` (21, N), ``halves_at(todo)`` (21,
    2, len(todo)), the halves side by side (:func:`side_by_side`): one :func:`qk21_rows` for
    both, each half with its own interval (the elementwise operations and the sums over rows
    are those of one call per half, point by point)."""
    out, deeper = qags_many(first[:, None], lambda k, todo: halves_at(todo),
                            [(a, b, epsabs, epsrel, limit)],
                            None if shortcut_at is None else lambda k, todo: shortcut_at(todo))
    return out[0], deeper[0]


def qags_many(first: np.ndarray, halves_at, integrals, shortcut_at=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`qags_rows` of Q integrals over the same N points at once: (result (Q, N), deeper
    (Q, N)). ``first`` (21, Q, N): the values at the 21 nodes of each integral's interval,
    ``halves_at(k, todo)`` (21, 2, len(todo)) those at the halves' nodes of integral k
    (:func:`side_by_side`), ``integrals`` [(a, b, epsabs, epsrel, limit)] per integral. Every
    operation is elementwise (each integral's constants broadcast over its row) or a sum over
    the node rows, so each value is the one a call per integral gives, bit for bit; the
    integrals that QUADPACK bisects at every point (all of them, for the binned rates of a
    scan) share one DQK21 of their halves.

    ``shortcut_at(k, todo)``, if given: (the columns (7, len(todo)) of :func:`certainty_columns`
    applied to the points' coefficients, their rounding bound ``dev`` (len(todo),)) of integral
    k; QUADPACK's second level is then decided by :func:`certain` where it can be, and the
    halves' node values are asked for (``halves_at``) only at the other points."""
    if shortcut_at is not None:
        return _qags_shortcut(first, halves_at, integrals, shortcut_at)
    q = len(integrals)
    result, abserr, done = _first_level(first, integrals)
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


def _first_level(first: np.ndarray, integrals):
    """DQAGSE's first level for Q integrals at N points: (result, abserr, done), each (Q, N)."""
    col = np.array([[float(x) for x in k[:4]] for k in integrals]).T[:, :, None]  # (4, Q, 1)
    a, b, epsabs, epsrel = col
    result, abserr, defabs, resabs = qk21_rows(first, a, b)
    errbnd = np.maximum(epsabs, epsrel * np.abs(result))
    ier = (abserr <= EPMACH * 100.0 * defabs) & (abserr > errbnd)
    ier[[int(k[4]) == 1 for k in integrals]] = True
    done = ier | ((abserr <= errbnd) & (abserr != resabs)) | (abserr == 0.0)
    return result, abserr, done


def _qags_shortcut(first: np.ndarray, halves_at, integrals, shortcut_at):
    """:func:`qags_many` deciding the second level by :func:`certain` where it can: the same
    first level, the same decisions; the halves' node values and QUADPACK's second level
    (:func:`_second_level`, bit for bit) only at the points :func:`certain` leaves open. Every
    operation is elementwise over the points of one integral, so a point's value does not
    depend on the other points or integrals evaluated with it."""
    result, abserr, done = _first_level(first, integrals)
    out = np.where(done, result, np.nan)
    deeper = np.zeros(result.shape, dtype=bool)
    for k, integral in enumerate(integrals):
        todo = np.arange(done.shape[1]) if not done[k].any() else np.flatnonzero(~done[k])
        if todo.size == 0:
            continue
        a, b, epsabs, epsrel = (float(x) for x in integral[:4])
        cols, dev = shortcut_at(k, todo)
        value, sure = certain(cols, dev, result[k, todo], abserr[k, todo], a, b, epsabs, epsrel)
        out[k, todo] = value
        if not sure.all():
            rest = todo[~sure]
            v, worse = _second_level(halves_at(k, rest)[:, None], [integral], result[k:k + 1, rest],
                                     abserr[k:k + 1, rest])
            out[k, rest], deeper[k, rest] = v[0], worse[0]
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


#: The certainty test's slack factor: (1 − 2⁻⁴⁰) against the ≤ 43 u of relative rounding its
#: own two sides carry (:func:`certain`)
_SLACK = 1.0 - 2.0 ** -40
#: Below this, the absolute errors of underflow (≤ 2⁻¹⁰⁷⁵ an operation) are covered (:func:`certain`)
_FLOOR = 1e-290
#: Above this rounding bound, QUADPACK's sums could overflow: no shortcut (:func:`certain`)
_DEV_MAX = 1e250
#: Half-lengths below this: no shortcut (an integrand of a finite ``dev`` could overflow there)
_H_MIN = 1e-10
#: Below this rounding bound, Â's own rounding errs by subnormal ulps that ``dev`` (underflowed)
#: does not cover: no shortcut (:func:`certain`; found by review with node values ~1e-322)
_DEV_MIN = 1e-280


def _rule_weights() -> tuple[np.ndarray, np.ndarray]:
    """DQK21's Kronrod and Gauss weights per node (21,) in the node order of :func:`nodes`
    (centre, centre − h x_k, centre + h x_k; the Gauss weight 0 at the Kronrod-only nodes)."""
    wk = np.array([WGK[10], *WGK[:10], *WGK[:10]])
    wg = np.zeros(PER_INTERVAL)
    for k in range(1, 10, 2):
        wg[1 + k] = wg[11 + k] = WG[(k - 1) // 2]
    return wk, wg


def certainty_columns(weights: np.ndarray, a: float, b: float, reference: np.ndarray):
    """The linear functionals of :func:`certain` for node values f = c W of the halves of [a,
    b]: ``weights`` W (K, 42) (the halves' nodes, :func:`nodes`), ``reference`` (42,) the node
    values of one typical integrand (its shape chooses a sign pattern below). Returns (S (K,
    7), m (K,)): c S = (A, G_1, G_2, T_1, T_2, P_1, P_2) for the coefficients c (1, K), and
    the magnitudes m, Σ_k |c_k| m_k ≥ Σ_j h_j (wk_j + wg_j) |Σ_k c_k W_kj| (the halves' node
    values' weighted magnitudes, M in :func:`certain`). With h_i the half-length of half i (as
    DQK21 computes it), wk, wg the Kronrod and Gauss weights of its nodes (Piessens et al.,
    QUADPACK, Springer 1983, DQK21), node values f_j = Σ_k c_k W_kj:

    * A = Σ_i h_i Σ_j wk_j f_j: area1 + area2 (DQK21's result of each half, resk·hlgth);
    * G_i = h_i Σ_j (wk_j − wg_j) f_j: DQK21's (resk − resg)·hlgth of half i;
    * T_i = h_i Σ_j wk_j s_j f_j, s_j = sign of the node's offset from the centre (Σ_j wk_j
      s_j = 0), and P_i = h_i Σ_j wk_j (s'_j − S'/2) f_j, s'_j = sign(f_j − resk/2) of the
      reference integrand, S' = Σ_j wk_j s'_j: each equals h_i Σ_j wk_j s_j (f_j − resk_i/2)
      (resk_i/2 = Σ_l wk_l f_l / 2), and since |s_j| ≤ 1, |T_i|, |P_i| ≤ h_i Σ_j wk_j |f_j −
      resk_i/2| = resasc_i (DQK21's resasc): lower bounds of resasc, exact where the signs of
      f − resk/2 are those of the pattern (a monotonic integrand: T; one shaped like the
      reference: P). |wk_j (s'_j − S'/2)| ≤ 2 wk_j (|S'| ≤ Σ wk = 2)."""
    wk, wg = _rule_weights()
    (a1, b1), (a2, b2) = halves(a, b)
    h = [(b1 - a1) * 0.5, (b2 - a2) * 0.5]
    side = np.array([0.0] + [-1.0] * 10 + [1.0] * 10)
    w = [weights[:, :PER_INTERVAL], weights[:, PER_INTERVAL:]]
    area = w[0] @ (h[0] * wk) + w[1] @ (h[1] * wk)
    cols = [area, *(w[i] @ (h[i] * (wk - wg)) for i in (0, 1)), *(w[i] @ (h[i] * wk * side) for i in (0, 1))]
    for i in (0, 1):
        f = reference[PER_INTERVAL * i:PER_INTERVAL * (i + 1)]
        pattern = np.sign(f - 0.5 * (wk @ f))
        cols.append(w[i] @ (h[i] * wk * (pattern - 0.5 * (wk @ pattern))))
    # |h| as DQK21's dhlgth: a reversed interval (a > b) has negative half-lengths
    m = np.abs(w[0]) @ (abs(h[0]) * (wk + wg)) + np.abs(w[1]) @ (abs(h[1]) * (wk + wg))
    return np.stack(cols, axis=1), m


def rounding_bound(magnitude, k: int):
    """``dev`` of :func:`certain` for node values and columns that are products of K = ``k``
    terms: (K + 64) ε M, M = Σ_k |c_k| m_k (``magnitude``; m from :func:`certainty_columns`).
    It covers the 2γ_K + γ_22 of the columns, DQK21's γ_15 and the 50 ε M of its floor, and
    M's own rounding (derivation in :func:`certain`)."""
    return (k + 64) * EPMACH * magnitude


def certain(cols: np.ndarray, dev: np.ndarray, result: np.ndarray, abserr: np.ndarray, a: float,
            b: float, epsabs: float, epsrel: float) -> tuple[np.ndarray, np.ndarray]:
    """(value, sure) of DQAGSE's step after the first bisection at m points, proved from the
    columns of :func:`certainty_columns` without the halves' node values: where ``sure``,
    QUADPACK accepts the two halves (errsum ≤ errbnd1, see :func:`_second_level`) and its value
    area1 + area2 is within ``dev`` of ``value``; elsewhere ``value`` is meaningless (the
    caller runs :func:`_second_level`). ``cols`` (7, m): Â, Ĝ_1, Ĝ_2, T̂_1, T̂_2, P̂_1, P̂_2 as
    computed (floating point) from the coefficients; ``dev`` (m,): a bound on |X̂ − X| for each
    of them (X the exact functional of the node values f_j QUADPACK would be given, rounded
    themselves: see below) and on the rounding of QUADPACK's own sums; ``result``, ``abserr``:
    the first level's DQK21.

    Derivation (u = ε/2 the unit roundoff, γ_n = nu/(1 − nu), and a sum of n terms in any
    order within γ_(n−1) Σ|terms| of its value: N. J. Higham, Accuracy and Stability of
    Numerical Algorithms, 2nd ed., SIAM 2002, Lemma 3.1 and §4.2; QUADPACK, Piessens et al.
    1983, DQK21 and DQAGSE; the caller's bound, :func:`rounding_bound` as
    bridge.scan.fastpath.Quadrature applies it: with node values f_j
    = fl(Σ_k c_k W_kj) (K terms, any order: |f_j − Σ_k c_k W_kj| ≤ γ_K Σ_k |c_k W_kj|), columns
    X̂ = fl(c · fl(W s)) for a weight vector s over the nodes with |s_j| ≤ κ h_j (wk_j + wg_j),
    and M = Σ_k |c_k| m_k, |X̂ − Σ_j s_j f_j| ≤ (2γ_K + γ_22) κ M; DQK21's sums on the same f_j
    (11 terms of w·(f_− + f_+), then × h) are within γ_15 Σ_j h (wk_j + wg_j)|f_j| ≤ γ_15 (1 +
    γ_K) M of the exact ones; the caller's dev = (K + 64) ε M bounds all of these with κ = 1,
    and 2·dev with κ = 2 (P̂), and 50 ε M):

    1. error_i (DQK21 of half i): raw_i = |resk_i − resg_i|·h_i ≤ |Ĝ_i| + dev =: c_i/200
       (the rounding of resk − resg and of × h inside γ_15). With resasc_i = s, DQK21 gives
       s·min(1, (200 raw/s)^1.5) = min(s, c^1.5 s^−0.5) (c = 200 raw), if s ≠ 0 and raw ≠ 0,
       else raw ≤ c: increasing in s up to s = c (value c), decreasing beyond. For any lower
       bound ρ of s: if ρ ≥ c, s ≥ c and the value is ≤ c^1.5 ρ^−0.5; if ρ < c, it is ≤ c
       (the maximum): error ≤ c·min(1, √(c/ρ)) (= c for ρ ≤ 0), increasing in c, decreasing
       in ρ, so it holds with c_i and ρ_i = max(|T̂_i|, |P̂_i|) − 2 dev (resasc_i ≥ |T_i|,
       |P_i|; DQK21's resasc is within γ_14 of h Σ wk |f_j − resk/2| with its rounded resk/2,
       |reskh − Σ wk f/2| ≤ γ_13 Σ wk |f|/2, Σ wk = 2: covered by 2 dev). DQK21's own rounding
       of s·min(1, (200 raw/s)^1.5) (two quotients and products, pow within 1 ulp) is ≤ 8u
       relative. Then error_i = max(50 ε resabs_i, that) where resabs_i > uflow/(50 ε), and
       resabs_1 + resabs_2 ≤ (1 + γ_15) M: error_1 + error_2 ≤ (1 + 10u)(e_1 + e_2 + dev),
       e_i = c_i min(1, √(c_i/ρ_i)) (dev ≥ 50 ε M).
    2. errsum = fl(fl(abserr + erro12) − abserr), erro12 = fl(error1 + error2), all ≥ 0:
       fl(abserr + erro12) − abserr ≤ erro12 + u (abserr + erro12), rounded once more:
       errsum ≤ (1 + 3u) erro12 + 2u·abserr (abserr's cancellation), so errsum ≤ (1 + 14u) U,
       U = e_1 + e_2 + dev + ε·abserr + 10⁻²⁹⁰ (the last term: every operation above that
       underflows errs by ≤ 2⁻¹⁰⁷⁵ absolutely, a few thousand of them ≪ 10⁻²⁹⁰).
    3. errbnd1 = max(epsabs, fl(epsrel·|fl(fl(result + area12) − result)|)), area12 =
       fl(area1 + area2) with |area12 − Â| ≤ dev: fl(result + area12) − result = area12 +
       δ(result + area12), |δ| ≤ u, rounded twice more: errbnd1 ≥ (1 − 3u) max(epsabs,
       epsrel(|Â| − dev − ε|result|)) =: (1 − 3u) L (the "result + area12 − result" of
       DQAGSE, not area12).
    4. Computed in floating point, U (sums and products of non-negative terms, one quotient,
       one square root; ρ's subtraction is rounded by ≤ u·2M, inside ``dev``'s margin of K +
       64 against ≤ K + 20) is ≥ (1 + 12u)⁻¹ times its exact value; L's bracket is computed as
       fl(fl(|Â| − dev) − 2ε|result|) ≤ (1 + u)²(|Â| − dev − ε|result|) (the doubled ε|result|
       absorbs the first subtraction's rounding; a negative bracket stays negative), so L
       computed ≤ (1 + 3u) L. So sure := fl(U) ≤ fl(fl(L)(1 − 2⁻⁴⁰)) gives errsum ≤ (1 +
       14u)(1 + 12u)(1 + 4u)(1 − 2⁻⁴⁰)(1 − 3u)⁻¹ errbnd1 < errbnd1 (33u ≈ 3.7e-15 ≪ 2⁻⁴⁰ ≈
       9.1e-13): QUADPACK accepts the halves.
    5. Its value is then (0.0 + first) + second, first/second = area1/area2 in the order of
       their errors: IEEE addition is commutative, so it is fl(area1 + area2) (+0.0 for −0.0),
       within dev of Â (item 3); ``value`` = Â + 0.0.

    Not sure: NaN anywhere (every comparison False), ``dev`` ≥ 1e250 (QUADPACK's sums could
    overflow: |f_j| ≤ M/(h wk_min)) or ≤ 1e-280 (subnormal node values: Â's rounding is no
    longer relative, item 5 fails), half-lengths below 1e-10, epsrel < 0 (DQAGSE accepts it
    when epsabs > 0, and its errbnd1 is then epsabs: L's bracket times a negative epsrel would
    overstate it). The derivation holds for a > b as well: every h enters through |h| (m,
    ``dev``) or a modulus."""
    (a1, b1), (a2, b2) = halves(a, b)
    if min(abs(b1 - a1), abs(b2 - a2)) * 0.5 < _H_MIN or epsrel < 0:
        return np.full(dev.shape, np.nan), np.zeros(dev.shape, dtype=bool)
    upper, lower = bounds(cols, dev, result, abserr, epsabs, epsrel)
    sure = (upper <= lower * _SLACK) & (dev < _DEV_MAX) & (dev > _DEV_MIN)
    return cols[0] + 0.0, sure


def bounds(cols: np.ndarray, dev: np.ndarray, result: np.ndarray, abserr: np.ndarray, epsabs: float,
           epsrel: float) -> tuple[np.ndarray, np.ndarray]:
    """(U, L) of :func:`certain`: errsum ≤ (1 + 14u) U and errbnd1 ≥ (1 − 3u) L (items 1–3 of
    its derivation; L with 2ε|result| for ε|result|, item 4)."""
    A, G1, G2, T1, T2, P1, P2 = cols
    upper = dev + EPMACH * abserr + _FLOOR
    with np.errstate(divide="ignore", invalid="ignore"):
        for g, t, p in ((G1, T1, P1), (G2, T2, P2)):
            c = 200.0 * (np.abs(g) + dev)
            rho = np.maximum(np.maximum(np.abs(t), np.abs(p)) - 2.0 * dev, 0.0)
            upper += c * np.minimum(1.0, np.sqrt(c / rho))  # ρ = 0: c (√inf); c = ρ = 0: NaN, not sure
    lower = np.maximum(epsabs, epsrel * (np.abs(A) - dev - 2.0 * EPMACH * np.abs(result)))
    return upper, lower
