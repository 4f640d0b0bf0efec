"""Relic density of the dark-matter candidate of a DarkSector, with coannihilation.

The candidate is the lightest dark state; it must be electrically neutral and colourless. Every
dark state within ``window`` (default 20%) of its mass joins the bath (Edsjö–Gondolo, see
:mod:`.freezeout`); W_ij of each pair comes from the tree-level amplitudes of
:mod:`.annihilation`, :mod:`.bosons` and (coloured pairs, fermion–scalar pairs) :mod:`.coloured`,
tabulated on a p_eff grid that resolves the thresholds and the Z and h
poles, thermally averaged and fed to the Boltzmann solver. Pairs of coloured states carry the
Sommerfeld factors of gluon exchange per colour representation (:mod:`.sommerfeld`; on by
default, ``sommerfeld=False`` switches them off). Pairs or final states whose
amplitudes are not implemented are listed in ``RelicResult.missing`` (their omission makes Ωh²
an upper estimate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import coloured, freezeout, pairs, samesign
from bridge.darkmatter import constants as C
from bridge.engine import COLOUR_DIM, DarkSector
from bridge.errors import ModelError

#: Sommerfeld factors of coloured pairs (gluon exchange, :mod:`.sommerfeld`) on by default;
#: ``sommerfeld=False`` in relic_density etc. gives the tree-level W.
SOMMERFELD = True
#: Coannihilation window: states with m ≤ (1 + WINDOW) m_1 join the bath.
WINDOW = 0.2
#: Coloured states join the bath up to this splitting: their α_s² annihilation outweighs the
#: Boltzmann factor e^{−Δ x_f} at Δ = 0.2 (a coloured partner of a weakly annihilating χ leaving
#: the 20% window moved Ωh² by ×2 to ×5, tests/test_darkmatter_coloured.py); at 0.5 its weight
#: is e^{−12} or less at x_f ≳ 25.
WINDOW_COLOURED = 0.5
#: Momentum nodes clustered above each threshold (freezeout.momentum_grid's n_threshold).
N_THRESHOLD = 32
#: A coannihilating pair is evaluated on the nodes of its own thresholds and on every node of
#: the grid from its threshold to (1 + ONSET) times it, where its W rises as √(s − s_th) and
#: the nodes other pairs bring are needed (w_eff_table).
ONSET = 0.03


@dataclass
class RelicResult:
    """Ωh², x_f = m_1/T_f and the share of each annihilation channel (fractions of 1/Y_0)."""

    omega_h2: float
    x_f: float
    candidate: str
    mass: float
    coannihilators: tuple[str, ...]
    shares: dict[str, float]
    sigma_v_xf: float  # ⟨σ_eff v⟩ at x_f [cm³/s]
    missing: tuple[str, ...] = ()
    detail: freezeout.FreezeOut | None = field(default=None, repr=False)


def dark_species(sector: DarkSector) -> list[A.Species]:
    """All dark species, antiparticles of Dirac fermions and complex scalars listed separately."""
    if sector.batched:
        raise ValueError("dark_species takes one point; use relic_density_batch for a batch")
    out = []
    for i, F in enumerate(sector.fermions):
        g = 2 * COLOUR_DIM[F.colour]  # an anti-triplet (colour −3) has 3 colour states
        if F.majorana:
            out.append(A.Species(F.name, "F", i, float(F.mass), F.charge, F.colour, g, True))
        else:
            out.append(A.Species(F.name, "F", i, float(F.mass), F.charge, F.colour, g, False))
            out.append(A.Species(F.name + "~", "F", i, float(F.mass), -F.charge, F.colour, g, False, True))
    for i, S in enumerate(sector.scalars):
        g = COLOUR_DIM[S.colour]
        if S.real:
            out.append(A.Species(S.name, "S", i, float(S.mass), S.charge, S.colour, g, True))
        else:
            out.append(A.Species(S.name, "S", i, float(S.mass), S.charge, S.colour, g, False))
            out.append(A.Species(S.name + "~", "S", i, float(S.mass), -S.charge, S.colour, g,
                                 False, True))
    return out


def candidate(species: list[A.Species]) -> A.Species:
    """The lightest dark state, which must be neutral and colourless (else a ModelError)."""
    if not species:
        raise ModelError("the dark sector has no states: no dark-matter candidate")
    lightest = min(species, key=lambda s: s.mass)
    if lightest.charge != 0 or lightest.colour != 1:
        what = "charged" if lightest.charge != 0 else "coloured"
        raise ModelError(f"the lightest dark state {lightest.name} (m = {lightest.mass:g} GeV) is "
                         f"{what}: the sector has no neutral colourless dark-matter candidate")
    return lightest


def pair_channels(sector: DarkSector, smc: A.SMCouplings, si: A.Species, sj: A.Species, gauge=None,
                  sommerfeld: bool = SOMMERFELD):
    """[(label, function √s → W)] for the implemented final states of the pair, and the list
    of final states of this pair that are not implemented. ``gauge``: (bosons.Gauge,
    bosons.Couplings) of the sector for the two-boson final states; ``sommerfeld``: the
    Sommerfeld factors of two coloured states (:mod:`.sommerfeld`)."""
    channels, missing = [], []
    label = f"{si.name} {sj.name}"
    if si.kind != sj.kind:
        return coloured.fermion_scalar_channels(sector, smc, si, sj, gauge, label, sommerfeld)
    if si.colour != sj.colour:
        return coloured.mixed_colour_channels(sector, smc, si, sj, label)
    if si.colour != 1:
        return coloured.coloured_pair_channels(sector, smc, si, sj, gauge, label, sommerfeld)
    pair = pairs.canonical(si, sj)
    if pair is None:  # two particles or two antiparticles: same-sign fermion finals
        channels, missing = samesign.pair_channels(sector, smc, si, sj, label)
        channels += pairs.boson_channels(gauge, si, sj, label)
        return channels, missing
    p, q = pair
    func = A.fermion_pair_to_fermions if p.kind == "F" else A.scalar_pair_to_fermions
    finals = pairs.fermion_final_states(sector, p, q)
    # F F → f f̄' of all final states in stacked passes (f = f' in one, the W partners in another),
    # computed at the first channel's call and read by the others (w_eff_table calls all channels
    # of a pair on the same √s)
    groups = {}
    if p.kind == "F":
        for f, fp, _ in finals:
            kind = "s" if f == fp else "w" if A.W_PARTNER.get(f) == fp else None
            if kind:
                groups.setdefault(kind, []).append((f, fp))
    memo = {}

    def stacked(rs, kind, final):
        key = (kind, np.asarray(rs, float).tobytes())
        if key not in memo:
            if len(memo) > 1:  # one √s per pair and group: older entries are not read again
                memo.clear()
            memo[key] = A.fermion_pair_to_fermion_pairs(sector, smc, p, q, groups[kind], rs)
        return memo[key][final]

    for f, fp, _ in finals:
        kind = next((k for k, members in groups.items() if (f, fp) in members), None)
        fn = (lambda rs, kind=kind, final=(f, fp): stacked(rs, kind, final)) if kind else \
            (lambda rs, f=f, fp=fp: func(sector, smc, p, q, f, fp, rs))
        channels.append((f"{label} -> {f} {fp}~", fn))
    if p.index == q.index and p.charge != 0 and not p.self_conjugate and gauge is None:
        photons = A.scalar_pair_to_photons if p.kind == "S" else A.fermion_pair_to_photons
        channels.append((f"{label} -> a a", lambda rs: photons(smc, p.mass, p.charge, rs)))
    channels += pairs.boson_channels(gauge, p, q, label)
    return channels, missing


def w_eff_table(sector: DarkSector, sm, window: float = WINDOW, sommerfeld: bool = SOMMERFELD):
    """(species in the bath, p_eff grid, {channel: W_eff contribution on the grid}, missing)."""
    species = dark_species(sector)
    chi = candidate(species)
    m1 = chi.mass
    bath = sorted([s for s in species if s.mass <= (1 + _window(s, window)) * m1], key=lambda s: s.mass)
    bath.remove(chi)
    bath.insert(0, chi)
    smc = A.SMCouplings.from_sm(sm)
    from bridge.darkmatter import bosons

    g = bosons.Gauge.from_sm(sm)
    gauge = (g, bosons.Couplings(sector, g, sm.s2w))
    poles = s_channel_poles(smc)
    pairs, missing, thresholds = [], [], []
    for i, si in enumerate(bath):
        for sj in bath[i:]:
            channels, miss = pair_channels(sector, smc, si, sj, gauge, sommerfeld)
            missing += miss
            if channels:
                # nodes where the pair or one of its final states opens (only the channels present)
                opens = [si.mass + sj.mass] + [_final_mass(name, smc, g) for name, _ in channels]
                pairs.append((si, sj, channels, opens))
                thresholds += opens
    # 32 nodes above each threshold (freezeout's default 16 leaves 1.5e-3 in Ωh² once an s-wave
    # coannihilation channel such as χ S → f γ opens at the pair threshold: √ onset)
    p = freezeout.momentum_grid(m1, poles, thresholds, n_threshold=N_THRESHOLD)
    sqrt_s_all = 2 * np.sqrt(p**2 + m1**2)
    g1 = chi.g
    contributions = {}
    for si, sj, channels, opens in pairs:
        # each pair on the nodes of its own thresholds and the poles (a subset of p) and, above
        # its own threshold, on all nodes up to ONSET: its W has no structure where another pair
        # opens, so it is carried onto the rest of p by a monotone cubic in p² (a bath of one
        # state, whose thresholds are all the grid's, is evaluated on p itself)
        own = np.isin(p, freezeout.momentum_grid(m1, poles, opens, n_threshold=N_THRESHOLD))
        if si.mass + sj.mass > 2 * m1:  # its √ onset
            own |= (sqrt_s_all >= opens[0]) & (sqrt_s_all <= (1 + ONSET) * opens[0])
        p_ij = p[own]
        sqrt_s = sqrt_s_all[own]
        k_ij = A.H.two_body_momentum(sqrt_s, si.mass, sj.mass)
        at_rest = np.ones_like(p_ij) if si.mass + sj.mass == 2 * m1 else np.zeros_like(p_ij)
        ratio = np.divide(k_ij, p_ij, out=at_rest, where=p_ij > 0)
        weight = ratio * si.g * sj.g / g1**2 * (1 if si is sj else 2)
        ws = {name: weight * fn(sqrt_s) for name, fn in channels}
        ws = {name: w for name, w in ws.items() if np.any(w)}
        if ws and not own.all():  # all channels of the pair in one interpolation
            ws = dict(zip(ws, _onto(p, p_ij, np.array(list(ws.values())).T, own).T, strict=True))
        contributions.update(ws)
    return bath, p, contributions, missing


def _onto(p, p_own, w_own, own):
    """W tabulated on the nodes p_own (a subset of p, ``own`` marks them; columns of w_own
    (n_own, …) are separate channels) on all of p: the same values on p_own, a monotone cubic
    in p² in between (Fritsch–Carlson/PCHIP: exact for W linear in p², the s- plus p-wave,
    and without overshoot at a threshold)."""
    from scipy.interpolate import PchipInterpolator

    out = PchipInterpolator(p_own**2, w_own, axis=0)(p**2)
    out[own] = w_own  # exactly, not through the interpolation formula
    return out


def s_channel_poles(smc: A.SMCouplings) -> list[tuple[float, float]]:
    """(mass, width) of the s-channel resonances of W_eff: the Z and the h."""
    return [(smc.m_z, smc.gamma_z), (smc.m_h, smc.gamma_h)]


def _window(s: A.Species, window: float) -> float:
    """The coannihilation window of a species: ``window``, widened to WINDOW_COLOURED for coloured
    states unless ``window`` is already wider."""
    return max(window, WINDOW_COLOURED) if s.colour != 1 else window


def _final_mass(label: str, smc: A.SMCouplings, gauge) -> float:
    """m₃ + m₄ of a channel from its label ("… -> X Y" or "… -> f f'~")."""
    final = label.split(" -> ")[1].split()
    total = 0.0
    for name in final:
        name = name.rstrip("~")
        total += smc.mass[name] if name in smc.mass else (0.0 if name == "g" else gauge.mass(name))
    return total


def relic_density(sector: DarkSector, sm, window: float = WINDOW,
                  sommerfeld: bool = SOMMERFELD) -> RelicResult:
    """Ωh², x_f and channel shares for one DarkSector point (see module docstring); ``sommerfeld``:
    the Sommerfeld factors of coloured pairs (default on; :mod:`.sommerfeld`)."""
    out = relic_densities(sector, sm, window, sommerfeld)[0]
    if isinstance(out, ModelError):
        raise out
    return out


def relic_densities(sector: DarkSector, sm, window: float = WINDOW,
                    sommerfeld: bool = SOMMERFELD) -> list[RelicResult | ModelError]:
    """:func:`relic_density` at every point of a batched DarkSector (leading batch axis; one
    point for an unbatched one), the ModelError of a point without a result in its place.

    The amplitudes and the thermal average run point by point (each point has its own bath,
    channels and momentum nodes); the Boltzmann equations of all points are integrated together
    (:func:`.freezeout.solve_many`: the same steps on the common x grid, so every point gets
    the numbers it gets alone, to rounding)."""
    sectors = [point(sector, k) for k in range(sector.batch_shape[0])] if sector.batched else [sector]
    out: list = []
    todo = []  # (index in out, candidate, masses, g, ⟨σv⟩ per channel, bath, missing)
    for s in sectors:
        try:
            prepared = _thermal_averages(s, sm, window, sommerfeld)
        except ModelError as exc:
            out.append(exc)
            continue
        todo.append((len(out), *prepared))
        out.append(None)
    sols = freezeout.solve_many(
        [t[1].mass for t in todo], [t[2] for t in todo], [t[3] for t in todo],
        [t[4].sum(axis=1) for t in todo],
        [dict(zip(t[6], t[4].T, strict=True)) for t in todo])
    x = freezeout.x_grid()
    for (k, chi, _, _, per_channel, bath, _names, missing), sol in zip(todo, sols, strict=True):
        sv_xf = float(np.interp(sol.x_f, x, per_channel.sum(axis=1))) * C.GEV2_TO_CM3_S
        out[k] = RelicResult(sol.omega_h2, sol.x_f, chi.name, chi.mass, tuple(s.name for s in bath[1:]),
                             sol.shares, sv_xf, tuple(dict.fromkeys(missing)), sol)
    return out


def _thermal_averages(sector: DarkSector, sm, window: float, sommerfeld: bool = SOMMERFELD):
    """(candidate, bath masses, bath g, ⟨σv⟩ per channel on the x grid (n_x, n_channels), bath,
    channel names, missing) of one point; a ModelError when it has no candidate or no channel."""
    bath, p, contributions, missing = w_eff_table(sector, sm, window, sommerfeld)
    chi = bath[0]
    if not contributions:
        raise ModelError(f"{chi.name} has no implemented annihilation channel: Ωh² not computed")
    masses = np.array([s.mass for s in bath])
    g = np.array([s.g for s in bath], float)
    names = list(contributions)
    w = np.array([contributions[n] for n in names])
    per_channel = freezeout.sigma_v_on_grid(p, chi.mass, masses, g, w.T,  # (n_x, n_channels)
                                            s_channel_poles(A.SMCouplings.from_sm(sm)))
    return chi, masses, g, per_channel, bath, names, missing


def point(sector: DarkSector, k) -> DarkSector:
    """Point k of a batched DarkSector as an unbatched one."""
    from dataclasses import replace

    def pick(v):
        v = np.asarray(v)
        return v[k] if v.ndim and v.shape[0] == sector.batch_shape[0] and v.ndim > 0 else v

    fermions = tuple(replace(F, mass=float(np.broadcast_to(F.mass, sector.batch_shape)[k]))
                     for F in sector.fermions)
    scalars = tuple(replace(S, mass=float(np.broadcast_to(S.mass, sector.batch_shape)[k]))
                    for S in sector.scalars)
    nf, ns = len(fermions), len(scalars)

    def coupling(c, shape):
        c = np.asarray(c)
        return c[k] if c.ndim == len(shape) + 1 else c

    left = {f: coupling(c, (nf, ns)) for f, c in sector.left.items()}
    right = {f: coupling(c, (nf, ns)) for f, c in sector.right.items()}
    z = w = h = None
    if sector.z is not None:
        z = type(sector.z)(coupling(sector.z.left, (nf, nf)), coupling(sector.z.right, (nf, nf)),
                           coupling(sector.z.scalar, (ns, ns)))
    if sector.w is not None:
        w = type(sector.w)(coupling(sector.w.left, (nf, nf)), coupling(sector.w.right, (nf, nf)),
                           coupling(sector.w.scalar, (ns, ns)))
    if sector.higgs is not None:
        s2 = sector.higgs.scalar2
        h = type(sector.higgs)(coupling(sector.higgs.fermion, (nf, nf)),
                               coupling(sector.higgs.scalar, (ns, ns)),
                               None if s2 is None else coupling(s2, (ns, ns)))
    return DarkSector(fermions, scalars, left, right, z, w, h)


def relic_density_batch(sector: DarkSector, sm, window: float = WINDOW,
                        sommerfeld: bool = SOMMERFELD) -> dict[str, np.ndarray]:
    """Ωh² and x_f over a batched DarkSector (leading batch axis, :func:`relic_densities`); a
    point without a candidate gets NaN (scans keep going)."""
    results = relic_densities(sector, sm, window, sommerfeld)
    omega = np.array([np.nan if isinstance(r, ModelError) else r.omega_h2 for r in results])
    x_f = np.array([np.nan if isinstance(r, ModelError) else r.x_f for r in results])
    return {"omega_h2": omega, "x_f": x_f}
