"""One-loop functions of the dark-loop matching (zero external momenta).

Contents (formula reference: ``physics.md`` of the project notes, section numbers quoted):

* box integrals ``box_I2``, ``box_I1`` (§3) and the derived ``arnan_F``, ``arnan_G`` (§3.1,
  arXiv:1608.07832), ``seed_D``, ``seed_D_tilde`` (§3.2, arXiv:2104.03228);
* dipole functions ``f_N1``, ``f_C1``, ``f_N2``, ``f_C2`` and ``seed_H_tilde`` (§7, §7.2);
* photon-penguin functions ``j_S``, ``j_F`` (§8);
* second divided differences ``dd2_u2logu``, ``dd2_ulogu`` for the Z penguin (§9);
* the scotogenic neutrino-mass kernel ``scoto_g``, ``scoto_kernel`` (§10.1).

All arguments are squared masses or squared-mass ratios (strictly positive), broadcast against
each other like numpy ufunc arguments. Results are float64 arrays, or numpy float64 scalars
(a ``float`` subclass) for scalar input.

Numerics. Every box-type function is a divided difference f[x_0, ..., x_n] of
f(u) = u^2 ln u or u ln u (or a combination). It is evaluated from the sorted points with the
Newton recursion, except that each table entry whose points lie within a relative spread
``_CLUSTER`` is summed as the Taylor series about the cluster centre c,
f[x_0..x_n] = sum_k f^(n+k)(c)/(n+k)! h_k(x - c), with h_k the complete homogeneous symmetric
polynomials. The offsets x_i - c are exact (Sterbenz), so exact and near degeneracies of any
pattern (pairs, triples, all equal, chains) keep full relative precision and no branch ever
divides by a small difference. The one-variable functions use their closed forms away from
x = 1 and their Taylor series in (x - 1), whose coefficients are Beta integrals of the
Feynman-parameter representations, for |x - 1| < ``_NEAR1``.
"""

from __future__ import annotations

from functools import cache
from math import comb

import numpy as np

__all__ = [
    "arnan_F",
    "arnan_G",
    "box_I1",
    "box_I2",
    "box_integrals",
    "dd2_pair",
    "dd2_u2logu",
    "dd2_ulogu",
    "dipole_functions",
    "f_C1",
    "f_C2",
    "f_N1",
    "f_N2",
    "j_F",
    "j_S",
    "penguin_functions",
    "scoto_g",
    "scoto_kernel",
    "seed_D",
    "seed_D_tilde",
    "seed_H_tilde",
]

# First divided differences f[a, b] are closed forms, with log1p(d/a)/d (d = b - a exact) in a
# cluster (below): accurate to a few ulp for any spacing. An entry of order >= 2 is summed as a Taylor
# series when (x_max - x_min) <= _CLUSTER * x_min; then |x - c|/c <= 0.3/2.3 < 0.131 and
# _NTAYLOR terms reach 1e-18 (each element takes the fewest terms its own spread needs);
# outside, the recursion from accurate first differences loses a few tens of ulp.
_CLUSTER = 0.3
_NTAYLOR = 26
_SERIES_TOL = 1e-18

# One-variable functions: series in eps = x - 1 for |eps| < _NEAR1 (0.3**36 < 1e-18); the
# closed forms lose ~ 1/eps^4 ulp, i.e. < 1e-12 relative at the switch.
_NEAR1 = 0.3
_NSER1 = 36


# --------------------------------------------------------------------------------------------
# argument handling


def _positive(*args):
    """Broadcast, check x > 0 and finite, return (shape, list of flat float64 arrays)."""
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    for a in arrs:
        if not (np.all(np.isfinite(a)) and np.all(a > 0)):
            raise ValueError("loop-function arguments must be finite and strictly positive")
    return arrs[0].shape, [np.array(a, dtype=np.float64).ravel() for a in arrs]


def _out(values, shape):
    """Reshape a flat result; 0-d input gives a numpy float64 scalar."""
    return values.reshape(shape)[()]


# --------------------------------------------------------------------------------------------
# divided differences of u^2 ln u ("u2"), u ln u ("u1") and u(u + 2s) ln u ("h")


def _fvalue(kind, x, s, lx=None):
    """f(x) for the divided-difference kinds u² ln u, u ln u, u (u + 2s) ln u."""
    lx = np.log(x) if lx is None else lx
    if kind == "u2":
        return x * x * lx
    if kind == "u1":
        return x * lx
    return x * (x + 2.0 * s) * lx


def _b_u2(m, logc):
    """c^-2 c^m f^(m)(c)/m! for f = u^2 ln u."""
    if m == 0:
        return logc
    if m == 1:
        return 2.0 * logc + 1.0
    if m == 2:
        return logc + 1.5
    return 2.0 * (-1) ** (m - 1) / (m * (m - 1) * (m - 2))


def _b_u1(m, logc):
    """c^-1 c^m f^(m)(c)/m! for f = u ln u."""
    if m == 0:
        return logc
    if m == 1:
        return logc + 1.0
    return (-1) ** m / (m * (m - 1))


def _b_h(m, logc, c, s):
    """c^-1 c^m f^(m)(c)/m! for f = u (u + 2s) ln u."""
    if m >= 3:
        # combined so that the m = 3 term is (c - s)/3: exact when the cluster sits at u = s
        return 2.0 * (-1) ** (m - 1) * (c - (m - 2) * s) / (m * (m - 1) * (m - 2))
    return c * _b_u2(m, logc) + 2.0 * s * _b_u1(m, logc)


def _n_terms(rho, n):
    """Return the number of Taylor terms K with rho^K C(K+n, n) below _SERIES_TOL."""
    if rho == 0.0:
        return 1
    for k in range(1, _NTAYLOR):
        if rho**k * comb(k + n, n) < _SERIES_TOL:
            return k
    return _NTAYLOR


#: Term counts a cluster's series is evaluated with: each element gets the smallest one that
#: reaches _SERIES_TOL for its own spread (near-degenerate points need few terms).
_TERM_GROUPS = (1, 4, 7, 10, 14, 19, _NTAYLOR)


def _rho_limit(k, n):
    """Largest spread rho with rho^k C(k+n, n) < _SERIES_TOL."""
    return (_SERIES_TOL / comb(k + n, n)) ** (1.0 / k)


def _series_b(kind, m, logc, c, s):
    if kind == "u2":
        return _b_u2(m, logc)
    if kind == "u1":
        return _b_u1(m, logc)
    return _b_h(m, logc, c, s)


def _cluster_series(kinds, pts, s):
    """Divided differences over tight clusters of sorted points pts[(n+1), M] (Taylor series
    about the centre) for each kind in ``kinds``; the powers h_k of the offsets are shared.

    Each element takes the fewest of _TERM_GROUPS terms that reach _SERIES_TOL for its own
    spread (near-degenerate points need few terms; exactly degenerate points have h_k = 0 for
    k >= 1 and give b_n exactly). The elements are summed either group by group (a group per
    term count) or all in one pass of the largest term count with the terms beyond an element's
    own count set to exactly 0 (adding 0.0 leaves a sum's bits unchanged: the same numbers),
    whichever takes fewer array operations of the same size-weighted cost: a cluster of a few
    hundred elements spread over several groups pays the per-call cost of numpy, not its
    arithmetic, and one pass is cheaper."""
    n = pts.shape[0] - 1
    c = 0.5 * (pts[0] + pts[-1])
    dh = (pts - c) / c  # pts - c is exact (Sterbenz); |dh| < 0.131
    rho = np.max(np.abs(dh), axis=0)
    # group of each element: the first term count whose spread limit it meets (the limits
    # increase with the count; the last count takes every element)
    group = np.searchsorted(_rho_limits(n), rho, side="left")
    counts = np.bincount(group, minlength=len(_TERM_GROUPS))
    used = np.flatnonzero(counts)
    terms = np.array(_TERM_GROUPS)
    # cost of an array operation ~ _CALL_COST elements' worth of arithmetic plus its size;
    # (n + 3) operations per term either way, a group adds ~ 6 selections
    per_group = sum((terms[g] * (n + 3) + 6) * (_CALL_COST + counts[g]) for g in used)
    k_max = int(terms[used[-1]])
    if len(used) == 1 or k_max * (n + 3) * (_CALL_COST + c.size) <= per_group:
        own = None if len(used) == 1 else terms[group]
        return _series_group(kinds, n, k_max, dh, c, s, own)
    out = {kind: np.empty_like(c) for kind in kinds}
    for g in used:
        sel = group == g
        for kind, value in _series_group(kinds, n, int(terms[g]), dh[:, sel], c[sel],
                                         None if s is None else s[sel]).items():
            out[kind][sel] = value
    return out


#: the per-call cost of a numpy operation in elements' worth of its arithmetic (~1-2 µs against
#: ~1-2 ns an element): the break-even of :func:`_cluster_series`' two ways
_CALL_COST = 1000


@cache
def _rho_limits(n):
    """The spread limits of _TERM_GROUPS but the last (read only, increasing)."""
    out = np.array([_rho_limit(k, n) for k in _TERM_GROUPS[:-1]])
    assert np.all(np.diff(out) > 0)
    out.flags.writeable = False
    return out


def _series_group(kinds, n, k_terms, dh, c, s, own=None):
    """:func:`_cluster_series` of one group with ``k_terms`` terms (offsets dh, centres c);
    ``own``: per element its own term count (<= k_terms; its terms beyond it are exactly 0).

    The complete homogeneous polynomials h_k(d_0..d_v) obey h_k(d_0..d_v) = h_k(d_0..d_{v-1})
    + d_v h_{k-1}(d_0..d_v), i.e. h_k(d_0..d_v) = Σ_{u<=v} d_u h_{k-1}(d_0..d_u): for each k one
    product over all offsets and a running sum over them (u = 0, 1, … in this order, the
    order of the point-by-point recursion: the same numbers; n + 1 array operations per term
    instead of 2(n + 1))."""
    # h_k row by row (two rows of (n + 1, M) at a time: the whole (k_terms, n + 1, M) table of
    # a large cluster does not fit in a cache), each term added to the sums as it is formed
    prev = np.ones_like(dh)  # h_0 = 1
    row = np.empty_like(dh)
    masked = np.empty_like(c) if own is not None else None
    first_dead = int(own.min()) if own is not None else k_terms
    logc = np.log(c)
    plain = [kind for kind in kinds if kind != "h"]
    if plain:
        # term by term, in order (an einsum over k sums a single element in another order,
        # which made a point's value depend on its batch); every kind in one (kinds, M) array,
        # each term's product in one reused buffer
        constants = _stacked_constants(tuple(plain), n, k_terms)
        total = constants[:, 0] * prev[-1]
        term = np.empty_like(total)
    if "h" in kinds:  # coefficients depend on c and s (seed_D_tilde only)
        total_h = np.zeros_like(c)
        total_h += _series_b("h", n, logc, c, s) * prev[-1]
    for k in range(1, k_terms):
        np.multiply(dh, prev, out=row)
        for v in range(1, dh.shape[0]):
            row[v] += row[v - 1]
        last = row[-1]  # h_k(d_0..d_n)
        if k >= first_dead:  # elements past their own term count add exactly 0
            np.multiply(last, own > k, out=masked)
            last = masked
        if plain:
            np.multiply(constants[:, k], last, out=term)
            total += term
        if "h" in kinds:
            total_h += _series_b("h", n + k, logc, c, s) * last
        prev, row = row, prev
    out = {}
    if plain:
        for index, kind in enumerate(plain):
            value = total[index]
            if kind == "u2" and n == 2:  # b_2 of u² ln u is ln c + 3/2 (n >= 2 here)
                value = value + logc
            power = 2 - n if kind == "u2" else 1 - n
            out[kind] = value * c**power
    if "h" in kinds:
        out["h"] = total_h * c ** (1 - n)
    return out


@cache
def _stacked_constants(kinds, n, k_terms):
    """(kinds, k_terms, 1): :func:`_series_constants` of each kind, stacked (read only)."""
    out = np.stack([_series_constants(kind, n, k_terms) for kind in kinds])[:, :, None]
    out.flags.writeable = False
    return out


@cache
def _series_constants(kind, n, k_terms):
    """b_{n+k}, k < k_terms, of u² ln u or u ln u without their ln c parts (n >= 2: only
    b_2 of u² ln u has one, added by the caller)."""
    out = np.array([_series_b(kind, n + k, 0.0, None, None) for k in range(k_terms)])
    out.flags.writeable = False  # cached
    return out


#: Comparator networks sorting 2, 3 or 4 rows elementwise (min/max of contiguous rows is
#: much faster than np.sort along a short first axis).
_NETWORKS = {2: ((0, 1),), 3: ((0, 1), (1, 2), (0, 1)), 4: ((0, 1), (2, 3), (0, 2), (1, 3), (1, 2))}


def _sorted(pts, overwrite=False):
    """pts (n+1, M) sorted along the first axis, elementwise; ``overwrite``: pts is a float64
    array of the caller's own that may be sorted in place (no copies: one scratch row)."""
    net = _NETWORKS.get(len(pts))
    if net is None:
        return np.sort(np.asarray(pts, dtype=np.float64), axis=0)
    x = pts if overwrite else np.array(pts, dtype=np.float64)
    low = np.empty_like(x[0])
    for i, j in net:
        np.minimum(x[i], x[j], out=low)
        np.maximum(x[i], x[j], out=x[j])
        x[i] = low
    return x


def _divdiff(pts, kind, s=None, overwrite=False):
    """f[x_0, ..., x_n] for pts of shape (n+1, N), any order; s (N,) only for kind 'h'."""
    return _divdiffs(pts, (kind,), s, overwrite)[kind]


#: 1/(2k + 1), k < 10: ln(b/a) = 2 artanh(z) = 2 Σ_k z^(2k+1)/(2k + 1), z = (b − a)/(b + a); in a
#: cluster (b − a <= _CLUSTER a) z² <= (0.3/2.3)² < 0.018, and 0.018^10/21 < 1e-19.
_ATANH_SERIES = 1.0 / (2.0 * np.arange(10) + 1.0)


def _log_ratio_close(a, b, d, total=None, close=None):
    """ln(b/a)/(b − a) for 0 < a <= b <= (1 + _CLUSTER) a, d = b − a (exact there, Sterbenz):
    (2/(a + b)) artanh(z)/z as its series in z² (a few ulp; the limit 1/a at d = 0 exactly,
    no log1p, no division by d). ``total``: a + b if at hand. ``close``: where a, b are that
    close (None: everywhere); elsewhere the result is not this function's value.

    At an exact tie (d = 0: the repeated masses of a multiplet, a box's m_a² twice) the series
    is exactly 1 (z = 0) and the result 2/(a + b): the series is summed only on the other
    elements when they are few (:data:`_SERIES_SHARE`), element by element the same
    operations, so the same numbers."""
    total = a + b if total is None else total
    scale = 2.0 / total
    moving = d != 0 if close is None else close & (d != 0)
    n_moving = np.count_nonzero(moving)
    if n_moving > _SERIES_SHARE * d.size:  # most elements need it: on all (no gather)
        z = d / total
        z *= z
        out = _horner(_ATANH_SERIES, z)
        out *= scale
        return out
    if n_moving:
        at = np.flatnonzero(moving)
        z = d[at] / total[at]
        z *= z
        part = _horner(_ATANH_SERIES, z)
        part *= scale[at]
        scale[at] = part
    return scale


#: Above this share of elements that need the series of :func:`_log_ratio_close`, it is summed
#: on all of them (a gather and a scatter cost about what ~5 of its ~20 operations on all do).
_SERIES_SHARE = 0.6


def _firsts(kinds, a, b, la, s, lb=None):
    """{kind: f[a, b]} for sorted rows a <= b (exact ties included): in a cluster
    (b − a <= _CLUSTER a: d = b − a exact) from L = ln(b/a)/(b − a) (:func:`_log_ratio_close`),
    f = (a + b) ln a + b² L for u² ln u and ln a + b L for u ln u (no cancellation); elsewhere the
    plain difference quotient. u(u + 2s) ln u is u² ln u + 2s u ln u. ``lb``: ln b if at hand.
    Where both forms occur both are evaluated everywhere and one is picked per element (cheaper
    than selecting the elements of each: the series is a handful of multiplications). The
    pieces shared by the forms and kinds (a + b, b², ...) are formed once, the rest in place:
    each form is the same sequence of roundings as its formula written out."""
    d = b - a
    close = d <= _CLUSTER * a
    n_close = np.count_nonzero(close)
    every = n_close == close.size
    wanted = {"h": ("u2", "u1")}.get(kinds[0], ()) + tuple(k for k in kinds if k != "h")
    with np.errstate(divide="ignore", invalid="ignore"):
        if n_close:
            total = a + b
            ratio = _log_ratio_close(a, b, d, total, None if every else close)
        if not every:
            lb = np.log(b) if lb is None else lb
            far_pick = ~close if n_close else None
        bb = b * b if "u2" in wanted else None
        out = {}
        for kind in wanted:
            if kind in out:
                continue
            near = far = None
            if kind == "u2":
                if n_close:  # (a + b) ln a + b² L
                    near = total * la
                    near += bb * ratio
                if not every:  # (b² ln b − a² ln a)/d
                    far = bb * lb
                    aa = a * a
                    aa *= la
                    far -= aa
                    far /= d
            else:
                if n_close:  # ln a + b L
                    near = b * ratio
                    near += la
                if not every:  # (b ln b − a ln a)/d
                    far = b * lb
                    far -= a * la
                    far /= d
            if near is not None and far is not None:
                np.copyto(near, far, where=far_pick)
            out[kind] = far if near is None else near
    if "h" in kinds:
        out["h"] = out["u2"] + 2.0 * s * out["u1"]
    return out


def _divdiffs(pts, kinds, s=None, overwrite=False):
    """{kind: f[x_0, ..., x_n]} for several kinds over the same points (shared sort, logs,
    cluster detection and series powers; see _CLUSTER). ``overwrite``: pts is a float64 array
    of the caller's own, sorted in place. The clustered entries of an order are summed in one
    :func:`_cluster_series` call (a call costs ~0.3-0.7 ms of per-array-operation overhead on a
    4096-point chunk's few thousand clustered elements; an element's series depends on its own
    points alone, so the numbers are those of a call per entry)."""
    size = pts.shape[1]
    if size > _BLOCK_MAX:
        return _divdiffs_blocked(pts, kinds, s, overwrite)
    x = _sorted(pts, overwrite)
    npts = x.shape[0]
    last = npts - 1
    logs = np.log(x)  # one call: the same numbers as row by row
    if last == 0:
        return {kind: _fvalue(kind, x[0], s, logs[0]) for kind in kinds}
    tables = {kind: {} for kind in kinds}
    for i in range(last):
        first = _firsts(kinds, x[i], x[i + 1], logs[i], s, logs[i + 1])
        for kind in kinds:
            tables[kind][i, i + 1] = first[kind]
    if last == 1:
        return {kind: tables[kind][0, 1] for kind in kinds}
    clus = {(i, j): x[j] - x[i] <= _CLUSTER * x[i] for i in range(npts) for j in range(i + 2, npts)}
    # top-down: which entries of order >= 2 are needed where (a clustered entry needs no
    # sub-entries; first differences are always at hand)
    need = {(0, last): np.ones(size, dtype=bool)}
    for order in range(last, 2, -1):
        for i in range(npts - order):
            j = i + order
            rec = need[i, j] & ~clus[i, j]
            for key in ((i + 1, j), (i, j - 1)):
                need[key] = need[key] | rec if key in need else rec
    for order in range(2, npts):
        clustered = []  # (i, j, elements) of this order's entries summed as series
        for i in range(npts - order):
            j = i + order
            # the recursion for every element (cheaper than selecting); where an entry is
            # clustered it is replaced by the series, where it is not needed it is never used
            gap = x[j] - x[i]
            with np.errstate(divide="ignore", invalid="ignore"):
                for kind in kinds:
                    t = tables[kind]
                    t[i, j] = (t[i + 1, j] - t[i, j - 1]) / gap
            if (i, j) in need:
                ser = need[i, j] & clus[i, j]
                if ser.any():
                    clustered.append((i, j, np.flatnonzero(ser)))
        if clustered:
            # the series of all the clustered entries of this order in one call (an element's
            # series depends on its own points alone: the same numbers as a call per entry)
            series = _cluster_series(
                kinds, np.concatenate([x[i:j + 1, at] for i, j, at in clustered], axis=1),
                None if s is None else np.concatenate([s[at] for _, _, at in clustered]))
            start = 0
            for i, j, at in clustered:
                for kind in kinds:
                    tables[kind][i, j][at] = series[kind][start:start + at.size]
                start += at.size
    return {kind: tables[kind][0, last] for kind in kinds}


#: :func:`_divdiffs` of more elements than this runs over column blocks of at most this size:
#: its ~100-250 array operations of a (4, 131072) box call each stream 1 MiB per row through
#: the cache; on blocks of ~32768 they stay in a core's 2 MiB L2 (14.5 against 16.9 ms for the
#: 131072 elements of an F_Vc chunk's boxes; blocks of 8192 pay numpy's per-call cost instead)
_BLOCK_MAX = 32768


def _divdiffs_blocked(pts, kinds, s=None, overwrite=False):
    """:func:`_divdiffs` over equal column blocks of at most _BLOCK_MAX elements, joined. Every
    element's value depends on its own points alone (the choices made per call, which form of
    a first difference, series on all or on some, one pass or a group per term count, give the
    same numbers element by element), so these are the numbers of one call."""
    size = pts.shape[1]
    n_blocks = -(-size // _BLOCK_MAX)
    step = -(-size // n_blocks)
    out = {kind: np.empty(size) for kind in kinds}
    for start in range(0, size, step):
        cols = slice(start, min(size, start + step))
        part = _divdiffs(pts[:, cols], kinds, None if s is None else s[cols], overwrite)
        for kind in kinds:
            out[kind][cols] = part[kind]
    return out


def _box_dd(args, kinds):
    """3rd divided differences of ``kinds`` over 4 points, rescaled by an exact power of two
    (the checks of :func:`_positive` on one stacked copy of the points)."""
    arrs = [np.asarray(a, dtype=np.float64) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    pts = np.empty((len(arrs), *shape))
    for k, a in enumerate(arrs):
        pts[k, ...] = a  # broadcast straight into the stacked copy
    pts = pts.reshape(len(arrs), -1)
    top = pts.max(axis=0) if pts.size else np.ones(0)
    if not (np.all(pts > 0) and np.all(np.isfinite(top))):
        raise ValueError("loop-function arguments must be finite and strictly positive")
    scale = np.ldexp(1.0, np.frexp(top)[1])
    pts /= scale
    return shape, _divdiffs(pts, kinds, overwrite=True), scale


def box_I2(a1, a2, a3, a4):
    r"""Box integral I_2 = ∫_0^∞ dt t² / Π_k (t + a_k)   [1/mass²].

    Source: physics.md §3 (zero-external-momentum box, Euclidean t = k_E²); equals the third
    divided difference (u² ln u)[a1, a2, a3, a4] = Σ_k a_k² ln a_k / Π_{j≠k} (a_k − a_j), and
    by Hermite–Genocchi 2 ∫_simplex dτ / (Σ τ_k a_k). Fully symmetric, positive,
    I_2(λ a) = I_2(a)/λ, I_2(a, a, a, a) = 1/(3a).

    Parameters
    ----------
    a1, a2, a3, a4 : array_like
        Squared masses (or ratios), > 0; broadcast together.
    """
    shape, dd, scale = _box_dd((a1, a2, a3, a4), ("u2",))
    return _out(dd["u2"] / scale, shape)


def box_I1(a1, a2, a3, a4):
    r"""Box integral I_1 = ∫_0^∞ dt t / Π_k (t + a_k)   [1/mass⁴].

    Source: physics.md §3; equals minus the third divided difference
    −(u ln u)[a1, a2, a3, a4] = −Σ_k a_k ln a_k / Π_{j≠k} (a_k − a_j), and by Hermite–Genocchi
    ∫_simplex dτ / (Σ τ_k a_k)². Fully symmetric, positive, I_1(λ a) = I_1(a)/λ²,
    I_1(a, a, a, a) = 1/(6a²).

    Parameters
    ----------
    a1, a2, a3, a4 : array_like
        Squared masses (or ratios), > 0; broadcast together.
    """
    shape, dd, scale = _box_dd((a1, a2, a3, a4), ("u1",))
    return _out(-dd["u1"] / scale / scale, shape)


def box_integrals(a1, a2, a3, a4):
    """(I_2, I_1) of :func:`box_I2` and :func:`box_I1` from one evaluation (shared points)."""
    shape, dd, scale = _box_dd((a1, a2, a3, a4), ("u2", "u1"))
    return _out(dd["u2"] / scale, shape), _out(-dd["u1"] / scale / scale, shape)


def arnan_F(x, y):
    r"""F(x, y) = I_2(1, 1, x, y) of Arnan et al., arXiv:1608.07832 (equation number not verified).

    Source: physics.md §3.1. Closed form
    1/((1−x)(1−y)) + x² ln x/((1−x)²(x−y)) + y² ln y/((1−y)²(y−x)); integral
    ∫_0^∞ dt t² / ((t+1)² (t+x)(t+y)). Variables are scalar²/fermion². F > 0, F(x, y) = F(y, x),
    F(1, 1) = 1/3, F(x, x) = f_N2(x).
    """
    return box_I2(1.0, 1.0, x, y)


def arnan_G(x, y):
    r"""G(x, y) = −I_1(1, 1, x, y) of Arnan et al., arXiv:1608.07832 (equation number not verified).

    Source: physics.md §3.1. Closed form
    1/((1−x)(1−y)) + x ln x/((1−x)²(x−y)) + y ln y/((1−y)²(y−x)); integral
    −∫_0^∞ dt t / ((t+1)² (t+x)(t+y)). G < 0, symmetric, G(1, 1) = −1/6 (so F + 2G = 0 there).
    """
    return -box_I1(1.0, 1.0, x, y)


def seed_D_tilde(x, y, z, s):
    r"""Corrected PRL box function D̃(x, y, z; s) = I_2(x, y, z, 1) − 2 s I_1(x, y, z, 1).

    Source: physics.md §3.2 (correction of the D of arXiv:2104.03228 for i ≠ j, s = m_i/m_j
    signed, physically z = s²). Equals the third divided difference h_s[x, y, z, 1] with
    h_s(u) = u (u + 2s) ln u, i.e. Σ_{u∈{x,y,z}} u(u+2s) ln u / ((u−1) Π_{w≠u}(u−w)); integral
    ∫_0^∞ dt t (t − 2s) / ((t+x)(t+y)(t+z)(t+1)). D̃(1, 1, 1; 1) = 0.

    x, y, z > 0 are squared-mass ratios (to m_j²); s is any finite real number.
    Where D̃ crosses zero only absolute accuracy ~1e-16 (I_2 + 2|s| I_1) is meaningful.
    """
    x, y, z, s = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z, s)))
    if not np.all(np.isfinite(s)):
        raise ValueError("seed_D_tilde: s must be finite")
    shape, (xf, yf, zf) = _positive(x, y, z)
    sf = np.array(s, dtype=np.float64).ravel()
    pts = np.stack([xf, yf, zf, np.ones_like(xf)])
    return _out(_divdiff(pts, "h", sf), shape)


def seed_D(x, y, z):
    r"""D(x, y, z) exactly as printed in arXiv:2104.03228 (PRL 127, 061802), below the δC9 formula.

    D = x(x+2) ln x/((x−1)(x−y)(x−z)) + y(y+2) ln y/((y−1)(y−x)(y−z))
        + z(z+2) ln z/((z−1)(z−x)(z−y))
      = I_2(x, y, z, 1) − 2 I_1(x, y, z, 1) = seed_D_tilde(x, y, z, 1)     (physics.md §3.2),
    integral ∫_0^∞ dt t (t − 2) / ((t+x)(t+y)(t+z)(t+1)). D(1, 1, 1) = 0.
    """
    return seed_D_tilde(x, y, z, 1.0)


# --------------------------------------------------------------------------------------------
# Z-penguin divided differences (§9) and the scotogenic kernel (§10.1)


def dd2_u2logu(a, b, c):
    r"""Second divided difference (u² ln u)[a, b, c]  (physics.md §9, Z penguin "f[·]").

    Natural log of the arguments as given (the caller fixes the units; scaling all arguments by
    λ adds ln λ). Integral: ∫_0^∞ dt [1/(t+1) − t² / ((t+a)(t+b)(t+c))]; Hermite–Genocchi
    ∫_simplex (2 ln u + 3). Symmetric; (u² ln u)[a, a, a] = ln a + 3/2.
    """
    shape, flat = _positive(a, b, c)
    return _out(_divdiff(np.stack(flat), "u2", overwrite=True), shape)


def dd2_ulogu(a, b, c):
    r"""Second divided difference (u ln u)[a, b, c]  (physics.md §9, Z penguin "g[·]").

    Integral: ∫_0^∞ dt t / ((t+a)(t+b)(t+c)) (> 0); Hermite–Genocchi ∫_simplex dτ/u.
    Symmetric, scale λ → result/λ, (u ln u)[a, a, a] = 1/(2a).
    """
    shape, flat = _positive(a, b, c)
    return _out(_divdiff(np.stack(flat), "u1", overwrite=True), shape)


def dd2_pair(a, b, c):
    """((u² ln u)[a, b, c], (u ln u)[a, b, c]) of :func:`dd2_u2logu` and :func:`dd2_ulogu` from
    one evaluation (shared points)."""
    shape, flat = _positive(a, b, c)
    dd = _divdiffs(np.stack(flat), ("u2", "u1"), overwrite=True)
    return _out(dd["u2"], shape), _out(dd["u1"], shape)


def scoto_g(u, MN2):
    r"""g(u) = u ln(u/M_N²)/(u − M_N²), with g(M_N²) = 1 (dimensionless).

    Source: physics.md §10.1 (SEED-001 = PRD 107, 035034, Eq. 6, rewritten as a divided
    difference). Integral: u ∫_0^∞ dt / ((t+u)(t+M_N²)).
    """
    shape, (uf, mf) = _positive(u, MN2)
    r = uf / mf
    t = r - 1.0
    out = np.ones_like(r)
    mid = (r >= 0.5) & (r <= 2.0) & (t != 0.0)  # t exact here, log1p keeps precision
    out[mid] = r[mid] * np.log1p(t[mid]) / t[mid]
    far = (r < 0.5) | (r > 2.0)
    out[far] = r[far] * np.log(r[far]) / t[far]
    return _out(out, shape)


def scoto_kernel(ma2, mb2, MN2):
    r"""Scotogenic kernel g[m_a², m_b²] = (g(m_a²) − g(m_b²))/(m_a² − m_b²)   [1/mass²].

    Source: physics.md §10.1 (bracket of SEED-001 Eq. 6 = M_N g[m_a², m_b²]);
    m_ν ≈ v² M_N λ5^{ab} g[m_a², m_b²]/(32π²). It equals (u ln u)[m_a², m_b², M_N²], hence the
    integral ∫_0^∞ dt t / ((t+m_a²)(t+m_b²)(t+M_N²)); the limits a = b (g′) and m² = M_N² are
    regular. Symmetric in (ma2, mb2), positive.
    """
    return dd2_ulogu(ma2, mb2, MN2)


# --------------------------------------------------------------------------------------------
# one-variable dipole and penguin functions (§7, §8), x = m_F²/M_S²


def _horner(coeffs, t):
    """Σ_k coeffs[k] t^k."""
    acc = np.full_like(t, coeffs[-1])
    for c in coeffs[-2::-1]:  # in place: the same operations without a temporary per step
        acc *= t
        acc += c
    return acc


def _near1(x, closed, coeffs):
    """Evaluate the closed form for |x − 1| ≥ _NEAR1, the series Σ_k coeffs[k] (1 − x)^k otherwise."""
    shape, (xf,) = _positive(x)
    eps = xf - 1.0  # exact near 1
    near = np.abs(eps) < _NEAR1
    far = ~near
    out = np.empty_like(xf)
    if far.any():
        out[far] = closed(xf[far])
    if near.any():
        out[near] = _horner(coeffs, -eps[near])
    return _out(out, shape)


_K1 = np.arange(_NSER1, dtype=np.float64)
# Σ_k (−ε)^k ∫_0^1 du u^p (1−u)^q u^k = Beta-function coefficients of the Feynman integrals
_SER_N1 = 2.0 / ((_K1 + 2) * (_K1 + 3) * (_K1 + 4))
_SER_C1 = 1.0 / ((_K1 + 3) * (_K1 + 4))
_SER_N2 = 2.0 / ((_K1 + 2) * (_K1 + 3))
_SER_C2 = 2.0 / (_K1 + 3)
_SER_JS = 1.0 / ((_K1 + 1) * (_K1 + 2) * (_K1 + 3) * (_K1 + 4))
_SER_JF = (2 * _K1 + 9) / (6 * (_K1 + 3) * (_K1 + 4))


def _near1_many(x, functions):
    """:func:`_near1` for several (closed form, series) pairs at the same x: one argument check,
    one split, one logarithm (the closed forms take (x, ln x))."""
    shape, (xf,) = _positive(x)
    eps = xf - 1.0  # exact near 1
    near = np.abs(eps) < _NEAR1
    n_near = np.count_nonzero(near)
    far = None if n_near == 0 else ~near
    x_far = xf if far is None else xf[far]
    lx = np.log(x_far) if x_far.size else x_far
    # the series of all the functions at once: one (functions, near) array, a row per function
    series = _horner_rows(np.stack([coeffs for _, coeffs in functions]), -eps[near]) if n_near else None
    outs = []
    for row, (closed, _) in enumerate(functions):
        if n_near == 0:
            outs.append(_out(closed(x_far, lx), shape))
            continue
        out = np.empty_like(xf)
        if x_far.size:
            out[far] = closed(x_far, lx)
        out[near] = series[row]
        outs.append(_out(out, shape))
    return outs


def _horner_rows(coeffs, t):
    """(F, M): row f is :func:`_horner` (coeffs[f], t), all rows in one pass (coeffs (F, K)):
    each element the same operations in the same order (a multiplication by t, an addition of
    the coefficient), with 2 array operations a term instead of 2F."""
    acc = np.empty((coeffs.shape[0], t.size))
    acc[...] = coeffs[:, -1:]
    for k in range(coeffs.shape[1] - 2, -1, -1):
        acc *= t
        acc += coeffs[:, k:k + 1]
    return acc


def _pow3(t):
    """t³ by multiplication (numpy's power with a float exponent calls pow: several times slower)."""
    return t * t * t


def _pow4(t):
    """t⁴ by multiplication (see :func:`_pow3`)."""
    t2 = t * t
    return t2 * t2


def _closed_N1(x, lx=None):
    """f_N1 closed form, physics.md §7."""
    lx = np.log(x) if lx is None else lx
    return (((2.0 * x + 3.0) * x - 6.0) * x + 1.0 - 6.0 * x * x * lx) / (6.0 * _pow4(1.0 - x))


def _closed_C1(x, lx=None):
    """f_C1 closed form, physics.md §7."""
    lx = np.log(x) if lx is None else lx
    return (((x - 6.0) * x + 3.0) * x + 2.0 + 6.0 * x * lx) / (6.0 * _pow4(1.0 - x))


def _closed_N2(x, lx=None):
    """f_N2 closed form, physics.md §7."""
    lx = np.log(x) if lx is None else lx
    return (1.0 - x * x + 2.0 * x * lx) / _pow3(1.0 - x)


def _closed_C2(x, lx=None):
    """f_C2 closed form, physics.md §7."""
    lx = np.log(x) if lx is None else lx
    return ((4.0 - x) * x - 3.0 - 2.0 * lx) / _pow3(1.0 - x)


def _closed_JS(x, lx=None):
    """J_S closed form, physics.md §8."""
    lx = np.log(x) if lx is None else lx
    poly = ((-11.0 * x + 18.0) * x - 9.0) * x + 2.0
    return (poly + 6.0 * x**3 * lx) / (36.0 * _pow4(1.0 - x))


def _closed_JF(x, lx=None):
    """J_F closed form, physics.md §8."""
    lx = np.log(x) if lx is None else lx
    poly = ((-7.0 * x + 36.0) * x - 45.0) * x + 16.0
    return -(poly + 6.0 * (2.0 - 3.0 * x) * lx) / (36.0 * _pow4(1.0 - x))


def dipole_functions(x):
    """(f_N1, f_C1, f_N2, f_C2) at the same x = m_F²/M_S² in one evaluation (the values of
    :func:`f_N1` ... :func:`f_C2`)."""
    return tuple(_near1_many(x, ((_closed_N1, _SER_N1), (_closed_C1, _SER_C1),
                                 (_closed_N2, _SER_N2), (_closed_C2, _SER_C2))))


def penguin_functions(x):
    """(J_S, J_F) at the same x = m_F²/M_S² in one evaluation (the values of :func:`j_S`,
    :func:`j_F`)."""
    return tuple(_near1_many(x, ((_closed_JS, _SER_JS), (_closed_JF, _SER_JF))))


def f_N1(x):
    r"""Dipole function, photon on the scalar: f_N1(x) = ∫_0^1 du u(1−u)² / (1 − u + x u).

    Closed form (1 − 6x + 3x² + 2x³ − 6x² ln x)/(6(1−x)⁴); physics.md §7. Shape of the
    neutralino ℓ→ℓ′γ function of Hisano et al., hep-ph/9510309 (up to the factor 1/6 shown).
    Limits: f_N1(1) = 1/12, f_N1(0) = 1/6, f_N1 ~ 1/(3x) for x → ∞. x = m_F²/M_S².
    """
    return _near1(x, _closed_N1, _SER_N1)


def f_C1(x):
    r"""Dipole function, photon on the fermion: f_C1(x) = ∫_0^1 du u(1−u)² / ((1−u) x + u).

    Closed form (2 + 3x − 6x² + x³ + 6x ln x)/(6(1−x)⁴); physics.md §7; chargino-type function of
    hep-ph/9510309. Limits: f_C1(1) = 1/12, f_C1(0) = 1/3, f_C1 ~ 1/(6x). x = m_F²/M_S².
    """
    return _near1(x, _closed_C1, _SER_C1)


def f_N2(x):
    r"""Chirally enhanced dipole function, photon on the scalar: 2 ∫_0^1 du u(1−u) / (1 − u + x u).

    Closed form (1 − x² + 2x ln x)/(1−x)³; physics.md §7 (hep-ph/9510309 shape).
    Limits: f_N2(1) = 1/3, f_N2(0) = 1, f_N2 ~ 1/x. Equals arnan_F(x, x). x = m_F²/M_S².
    """
    return _near1(x, _closed_N2, _SER_N2)


def f_C2(x):
    r"""Chirally enhanced dipole function, photon on the fermion: 2 ∫_0^1 du (1−u)² / ((1−u) x + u).

    Closed form (−3 + 4x − x² − 2 ln x)/(1−x)³; physics.md §7 (hep-ph/9510309 shape).
    Limits: f_C2(1) = 2/3, f_C2 ~ −2 ln x − 3 for x → 0, f_C2 ~ 1/x. x = m_F²/M_S².
    """
    return _near1(x, _closed_C2, _SER_C2)


def seed_H_tilde(x):
    r"""H̃(x) = (x² − 1 − 2x ln x)/(8(x−1)³) = f_N2(x)/8 of arXiv:2104.03228 (Δa_μ formula).

    Source: SEED-000 (PRL 127, 061802), physics.md §7.2; integral ¼ ∫_0^1 du u(1−u)/(1 − u + x u).
    H̃(1) = 1/24.
    """
    return f_N2(x) / 8.0


def j_S(x):
    r"""Photon-penguin function, photon on the scalar: J_S(x) = ∫_0^1 du (1−u)³ / (6 (u x + 1 − u)).

    Closed form (2 − 9x + 18x² − 11x³ + 6x³ ln x)/(36(1−x)⁴); physics.md §8; 36 J_S is the
    neutralino off-shell-photon function of hep-ph/9510309. J_S(1) = 1/24, J_S(0) = 1/18,
    J_S ~ ln x/(6x). x = m_F²/M_S².
    """
    return _near1(x, _closed_JS, _SER_JS)


def j_F(x):
    r"""Photon-penguin function, photon on the fermion (physics.md §8).

    J_F(x) = ∫_0^1 du (1−u)³/6 [2/((1−u)x + u) + x/((1−u)x + u)²]
           = −(16 − 45x + 36x² − 7x³ + 6(2 − 3x) ln x)/(36(1−x)⁴);
    −36 J_F is the chargino off-shell-photon function of hep-ph/9510309. J_F(1) = 1/8,
    J_F ~ −(ln x)/3 for x → 0, J_F → 7/(36x) for x → ∞. x = m_F²/M_S².
    """
    return _near1(x, _closed_JF, _SER_JF)
