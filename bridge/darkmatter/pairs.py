"""What a pair of dark species can annihilate through: which of its couplings are non-zero
(Yukawa couplings to SM fermions, W and s-channel Z/h/γ vertices), how its fermion line is
oriented, and its two-boson final states. Shared by :mod:`.relic` (colourless pairs) and
:mod:`.coloured` (coloured and fermion–scalar pairs), so that both select channels by the same
checks on the couplings."""

from __future__ import annotations

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.engine import SM_CHARGE, SM_FERMIONS


def canonical(si: A.Species, sj: A.Species):
    """Order a pair so that the first is particle-like and the second anti-like, or None."""
    if si.particle_like and sj.anti_like:
        return si, sj
    if sj.particle_like and si.anti_like:
        return sj, si
    return None


def yukawa_used(sector, kind: str, index: int) -> set[str]:
    """SM fermions with a non-zero Yukawa coupling to the dark state."""
    used = set()
    for f in SM_FERMIONS:
        c = np.abs(sector.l(f)) + np.abs(sector.r(f))
        row = c[index, :] if kind == "F" else c[:, index]
        if np.any(row):
            used.add(f)
    return used


def flow_states(p: A.Species, q: A.Species):
    """(index, orientation) of the line entering at p₁ and of the one leaving through p₂
    (bosons.fermion_pair_amplitude): +1 along the field's particle number."""
    start = (p.index, -1 if p.conj else 1)
    end = (q.index, 1 if (q.conj or q.self_conjugate) else -1)
    return start, end


def w_vertex(sector, p, q) -> bool:
    w = sector.w
    if p.kind == "F":
        m = np.abs(np.asarray(w.left)) + np.abs(np.asarray(w.right))
    else:
        m = np.abs(np.asarray(w.scalar))
    return bool(m[p.index, q.index] or m[q.index, p.index])


def s_channel_nonzero(sector, p, q, f) -> bool:
    """Whether any s-channel (Z, h, γ) vertex of the dark pair is non-zero."""
    a, b = p.index, q.index
    if a == b and p.charge != 0 and not p.self_conjugate:
        return True
    if p.kind == "F":
        z = sector.z is not None and (sector.z.left[b, a] != 0 or sector.z.right[b, a] != 0)
        h = sector.higgs is not None and (sector.higgs.fermion[b, a] != 0 or sector.higgs.fermion[a, b] != 0)
    else:
        z = sector.z is not None and (sector.z.scalar[b, a] != 0 or sector.z.scalar[a, b] != 0)
        h = sector.higgs is not None and sector.higgs.scalar[b, a] != 0
    return bool(z or h)


def fermion_final_states(sector, p: A.Species, q: A.Species, gluon: bool = False, exchanged: bool = True):
    """[(f, f', t-channel?)]: the f f̄' final states of the canonical pair (p, q) (:func:`canonical`)
    with at least one diagram whose couplings are all non-zero — the t-channel (p couples to f,
    q to f'; with ``exchanged``, for two self-conjugate states, also the u-channel, either
    order), the s-channel Z, h or γ (f = f', :func:`s_channel_nonzero`), the s-channel W
    (SU(2) partners, a W vertex of the pair) and, with ``gluon``, the s-channel gluon into
    quarks. The one selection of :func:`.relic.pair_channels` (colourless pairs) and
    :func:`.coloured.coloured_pair_channels`."""
    q_total = p.charge + q.charge
    yuk_p, yuk_q = yukawa_used(sector, p.kind, p.index), yukawa_used(sector, q.kind, q.index)
    if exchanged and p.self_conjugate and q.self_conjugate:
        yuk_p = yuk_q = yuk_p | yuk_q
    s_channel = q_total == 0 and (sector.z is not None or sector.higgs is not None
                                  or (p.index == q.index and p.charge != 0 and not p.self_conjugate))
    w_channel = abs(q_total) == 1 and sector.w is not None and w_vertex(sector, p, q)
    out = []
    for f in SM_FERMIONS:
        for fp in SM_FERMIONS:
            if abs(SM_CHARGE[f] - SM_CHARGE[fp] - q_total) > 1e-9:
                continue
            t_chan = f in yuk_p and fp in yuk_q
            w_pair = w_channel and (A.W_PARTNER.get(f) == fp or A.W_PARTNER.get(fp) == f)
            g_chan = gluon and f == fp and A.COLOUR[f] == 3
            s_chan = f == fp and s_channel and s_channel_nonzero(sector, p, q, f)
            if t_chan or w_pair or g_chan or s_chan:
                out.append((f, fp, t_chan))
    return out


def boson_channels(gauge, p: A.Species, q: A.Species, label: str):
    """The two-boson final states of the pair with at least one diagram whose couplings are all
    non-zero (bosons.has_amplitude: a check on the couplings, not on W at trial energies)."""
    from bridge.darkmatter import bosons

    if gauge is None:
        return []
    _, cp = gauge
    start, end = flow_states(p, q)
    fermions = p.kind == "F"
    fn = bosons.w_fermions if fermions else bosons.w_scalars
    out = []
    for X, Y in bosons.FINAL_STATES.get(round(p.charge + q.charge), ()):
        if not bosons.has_amplitude(cp, start, end, X, Y, fermions):
            continue
        out.append((f"{label} -> {X} {Y}", lambda rs, X=X, Y=Y: fn(cp, start, end, X, Y, rs)))
    return out


def same_sign_final_states(sector, si: A.Species, sj: A.Species):
    """[(f, f', coloured)] the same-sign final states f f' (f̄ f̄' for two antiparticles) of a pair
    that :func:`canonical` rejects (two particles or two antiparticles, neither self-conjugate),
    f ≤ f' in SM_FERMIONS order, with at least one diagram whose couplings are all non-zero: a
    Majorana fermion (for scalars) or a real scalar (for Dirac fermions) coupled to f and si and
    to f' and sj, or to f and sj and to f' and si (:mod:`.samesign`); ``coloured``: whether one
    of those exchanged states is coloured. Exchanging a Dirac fermion or a complex scalar conserves
    the dark and SM fermion numbers: no same-sign diagram exists then."""
    anti = si.conj
    scalars = si.kind == "S"
    if scalars:
        mediators = [a for a, F in enumerate(sector.fermions) if F.majorana]
        colours = [sector.fermions[a].colour for a in mediators]
    else:
        mediators = [S for S, X in enumerate(sector.scalars) if X.real]
        colours = [sector.scalars[S].colour for S in mediators]
    if not mediators:
        return []
    # per SM fermion: which mediators couple it to si and to sj (one look at each coupling table)
    to_i, to_j = {}, {}
    for f in SM_FERMIONS:
        c = np.abs(sector.l(f)) + np.abs(sector.r(f))
        c = c[mediators, :] if scalars else c[:, mediators].T  # (mediator, dark state)
        if np.any(c):
            to_i[f], to_j[f] = c[:, si.index] != 0, c[:, sj.index] != 0
    sign = -1.0 if anti else 1.0
    out = []
    for n, f in enumerate(SM_FERMIONS):
        for fp in SM_FERMIONS[n:]:
            if f not in to_i or fp not in to_i:
                continue
            if abs(sign * (SM_CHARGE[f] + SM_CHARGE[fp]) - si.charge - sj.charge) > 1e-9:
                continue
            live = (to_i[f] & to_j[fp]) | (to_j[f] & to_i[fp])
            if np.any(live):
                out.append((f, fp, any(c != 1 for c, on in zip(colours, live, strict=True) if on)))
    return out
