"""Same-sign fermion final states of two dark states, tree level, exact in s.

Two dark states neither of which is the other's antiparticle (:func:`.pairs.canonical` is None:
two particles, or two antiparticles, of complex scalars or Dirac fermions) can annihilate into two
SM fermions of the same fermion number when the state they exchange is self-conjugate:

* S_A S_B → f f' (and S̄_A S̄_B → f̄ f̄') through t- and u-channel exchange of Majorana fermions
  F_a (the scotogenic η⁻η⁻ → ℓ⁻ℓ⁻ via N; the MSSM's ν̃ν̃ → νν via neutralinos, Falk, Olive,
  Srednicki, Phys. Lett. B339 (1994) 248, hep-ph/9409270, the same topology);
* F_a F_b → f f' (and F̄_a F̄_b → f̄ f̄') of Dirac fermions through t- and u-channel exchange of
  real scalars S_A.

Couplings L ⊃ f̄ Γ_aA F_a S_A + h.c., Γ_aA = l_aA P_R + r_aA P_L (:class:`bridge.engine.DarkSector`);
the h.c. term is F̄_a Γ̄_aA f S_A*, Γ̄ = l* P_L + r* P_R.

Fermion flow (Denner, Eck, Hahn, Küblbeck, Nucl. Phys. B387 (1992) 467, Sec. 3 and Fig. 2).
Scalars: both diagrams of S_A(p₁) S_B(p₂) → f(k₁) f'(k₂) are one fermion chain from f'(k₂) to
f(k₁) through F_a; read with the flow running from k₂ to k₁, the vertex at k₂ is the reversed one,
F̄ Γ' f^c S with Γ' = C Γᵀ C⁻¹ = Γ (scalar and pseudoscalar couplings; Denner Eq. (3.6)), and the
outgoing f' there carries v(k₂). With both diagrams in this orientation the external spinors stand
in the same order, so Denner's sign factor is the same for both and

    M = ū(k₁) [Γ^f_aA (q̸_t + M_a) Γ^f'_aB / (q_t² − M_a²) + Γ^f_aB (q̸_u + M_a) Γ^f'_aA / (q_u² − M_a²)] v(k₂),

q_t = k₁ − p₁, q_u = k₁ − p₂ (momentum along the flow), summed over the Majorana F_a. (The u-channel
diagram read in its own natural orientation, ū(k₂) … v(k₁), enters with the minus sign of the
swapped identical fermions; reversing it with ū(a) X v(b) = −ū(b) C Xᵀ C⁻¹ v(a), valid for
v = C ūᵀ as in :func:`.helicity.v_spinors`, turns it into the + above: tests check it against the
natural orientation with explicit 4×4 matrices.) The anti-pair S̄_A S̄_B → f̄ f̄' is the same chain
with Γ → Γ̄ (the h.c. vertices; ū(k₁), v(k₂) now belong to the outgoing antifermions).

Only the M_a part survives for chiral couplings (l or r alone): P_R (q̸ + M) P_R = M P_R, so the
amplitude needs the Majorana mass insertion and vanishes as M_a → 0 (the lepton-number violation
of the scotogenic model, Ma, Phys. Rev. D73 (2006) 077301, hep-ph/0601225).

Dirac fermions: two separate lines joined by a real scalar (⟨S S⟩ ≠ 0 only for a real S),

    M = Σ_A {[ū(k₁) Γ^f_aA u(p₁)][ū(k₂) Γ^f'_bA u(p₂)] / (t − M_A²)
             − [ū(k₂) Γ^f'_aA u(p₁)][ū(k₁) Γ^f_bA u(p₂)] / (u − M_A²)},

t = (p₁ − k₁)², u = (p₁ − k₂)², the relative minus sign of two diagrams that differ by the swap of
two external fermions (Denner's (−1)^P); the anti-pair with [v̄(p) Γ̄ v(k)] brackets.

Identical finals (f = f') get the symmetry factor ½ in W. Colour: a colourless pair into leptons,
or a pair of colour triplets (or anti-triplets) exchanging colourless states into quarks, whose
t- and u-channel colour structures δ_ci δ_dj and δ_cj δ_di give, summed over final and averaged
over initial colours, |T|² + |U|² + (2/d) Re T U* (Σ δ_ci δ_dj δ_cj δ_di = d). The colour operator
T·1 + U·P (P the swap of the two colour indices) is T + U on the symmetric states (the 6 of 3 ⊗ 3,
d(d+1)/2 of them) and T − U on the antisymmetric ones (the 3̄, d(d−1)/2), so the same sum is
[d(d+1)/2 |T + U|² + d(d−1)/2 |T − U|²]/d²; with a :class:`.sommerfeld.Coulomb` of the pair each
part is multiplied by its Sommerfeld factor (6: repulsive, κ = −1/3; 3̄: attractive, κ = 2/3;
de Simone, Giudice, Strumia, arXiv:1402.6287, Sec. 2, for the decomposition of 3 ⊗ 3).

Coloured exchange (two triplets, or two anti-triplets, exchanging colour octets: a gluino-like
Majorana octet between two squark-like scalars, q̃ q̃ → q q, or a real octet scalar between two Dirac
triplets). The vertex q̄_c Γ F S carries the colour tensor Y of :func:`.coloured.quark_colour_tensor`,
normalised as δ is (Σ Y Y† = 1): Y = κ^{1/2} T^a_{cβ} for an octet, κ = 1/C_F = 2N/(N² − 1) (3/4 for
N = 3). The t-channel octet diagram (S_i → q_c, S_j → q_d, the octet index a summed through the
self-conjugate propagator, ⟨F^a F^b⟩ ∝ δ^{ab}) and the u-channel one (S_i → q_d, S_j → q_c) carry

    t: κ T^a_ci T^a_dj = κ/2 (δ_cj δ_di − δ_ci δ_dj/N),   u: κ T^a_di T^a_cj = κ/2 (δ_ci δ_dj − δ_cj δ_di/N)

by the SU(N) Fierz (completeness) identity T^a_ij T^a_kl = ½(δ_il δ_kj − δ_ij δ_kl/N) (Haber, "Useful
relations among the generators in the defining and adjoint representations of SU(N)", arXiv:1912.13302,
SciPost Phys. Lect. Notes 21 (2021), Eq. (6)). With T_1, U_1 the colour-stripped t- and u-channel
amplitudes of the colourless exchanged states and T_8, U_8 those of the octets, the amplitude is
A δ_ci δ_dj + B δ_cj δ_di = A·1 + B·P with

    A = T_1 + κ (U_8 − T_8/N)/2,      B = U_1 + κ (T_8 − U_8/N)/2,

and the colour sum above applies to (A, B) unchanged: |A|² + |B|² + (2/d) Re A B*, or the 6 / 3̄
split on A ± B with their Sommerfeld factors (A ± B = T_1 ± U_1 ± κ(1 ∓ 1/N)(T_8 ± U_8)/2: an octet
exchange adds κ(N − 1)/(2N) = 1/(N + 1) = 1/4 of T_8 + U_8 to the symmetric, −κ(N + 1)/(2N) =
−1/(N − 1) = −1/2 of T_8 − U_8 to the antisymmetric part). The anti-pair's vertices carry Y*: the
Fierz identity with conjugated generators has the same (real) δ δ on the right, so A, B are the
same combinations. The colour factors are independent of the Lorentz structure, so the same
recombination holds for the Dirac triplets with octet scalars (U including its fermionic minus sign).

W(√s) = k/(8π√s) ∫ dcos θ ⟨|M|²⟩ S as in :mod:`.annihilation` (same nodes, :func:`.annihilation.w_on_nodes`).
"""

from __future__ import annotations

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import helicity as H


def label(f: str, fp: str, anti: bool) -> str:
    """The final state of a same-sign channel as it appears in channel names ("e e", "e~ e~")."""
    bar = "~" if anti else ""
    return f"{f}{bar} {fp}{bar}"


def _chiral(sector, f: str, anti: bool):
    """(c_R, c_L): the P_R and P_L coefficients of the vertex that emits f (f̄ for ``anti``)
    per (fermion, scalar): Γ = l P_R + r P_L, or Γ̄ = l* P_L + r* P_R for the h.c. vertex."""
    lf, rf = np.asarray(sector.l(f)), np.asarray(sector.r(f))
    return (np.conj(rf), np.conj(lf)) if anti else (lf, rf)


def majorana_fermions(sector) -> list[int]:
    return [a for a, F in enumerate(sector.fermions) if F.majorana]


def real_scalars(sector) -> list[int]:
    return [A_ for A_, S in enumerate(sector.scalars) if S.real]


def scalar_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos, mediators=None):
    """(T, U) of S_i(p₁) S_j(p₂) → f(k₁) f'(k₂) (S̄ S̄ → f̄ f̄' when both are antiparticles), each
    (s_f, s_f', n_s, n_cos) in the layout of :func:`.helicity.soa`, from the chain of the module
    docstring in Weyl blocks: ū P_R v = ū_hi·v_hi, ū P_L v = ū_lo·v_lo, ū q̸ P_L v = ū_hi (q·σ̄) v_lo,
    ū q̸ P_R v = ū_lo (q·σ) v_hi (Dreiner, Haber, Martin, arXiv:0812.1594, Sec. 3.1); ``mediators``: the
    exchanged Majorana fermions summed over (default all), colour-stripped."""
    anti = si.conj
    p1, p2, k1, k2 = H.cm_momenta(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], cos)
    ub, v = H.soa(H.bar(H.u_spinors(k1))), H.soa(H.v_spinors(k2))
    (ub_lo, ub_hi), (v_lo, v_hi) = H.weyl(ub), H.weyl(v)
    rr, ll = H.bracket_dot(ub_hi, v_hi), H.bracket_dot(ub_lo, v_lo)
    c_rf, c_lf = _chiral(sector, f, anti)
    c_rfp, c_lfp = _chiral(sector, fp, anti)
    out = []
    for X, Y, q in ((si.index, sj.index, k1 - p1), (sj.index, si.index, k1 - p2)):
        q2 = H.dot(q, q)
        amp = 0j
        mass_rr = mass_ll = flip_rl = flip_lr = 0j
        for a in majorana_fermions(sector) if mediators is None else mediators:
            m = sector.fermions[a].mass
            prop = 1.0 / (q2 - m * m)
            # Γ^f_X (q̸ + M) Γ^f'_Y: M (R R, L L) and q̸ (R q̸ L, L q̸ R) pieces
            if c_rf[a, X] * c_rfp[a, Y] != 0:
                mass_rr = mass_rr + m * c_rf[a, X] * c_rfp[a, Y] * prop
            if c_lf[a, X] * c_lfp[a, Y] != 0:
                mass_ll = mass_ll + m * c_lf[a, X] * c_lfp[a, Y] * prop
            if c_rf[a, X] * c_lfp[a, Y] != 0:
                flip_rl = flip_rl + c_rf[a, X] * c_lfp[a, Y] * prop
            if c_lf[a, X] * c_rfp[a, Y] != 0:
                flip_lr = flip_lr + c_lf[a, X] * c_rfp[a, Y] * prop
        if np.ndim(mass_rr):
            amp = amp + mass_rr * rr
        if np.ndim(mass_ll):
            amp = amp + mass_ll * ll
        if np.ndim(flip_rl):  # ū P_R q̸ P_L v = ū_hi (q·σ̄) v_lo
            amp = amp + flip_rl * H.bracket_dot(ub_hi, H.sigma_times(q, v_lo, True))
        if np.ndim(flip_lr):  # ū P_L q̸ P_R v = ū_lo (q·σ) v_hi
            amp = amp + flip_lr * H.bracket_dot(ub_lo, H.sigma_times(q, v_hi, False))
        out.append(amp)
    return tuple(out)


def fermion_amplitude(sector, smc, si, sj, f, fp, sqrt_s, cos, mediators=None):
    """(T, −U) of F_i(p₁) F_j(p₂) → f(k₁) f'(k₂) (F̄ F̄ → f̄ f̄' when both are antiparticles), each
    (s_i, s_j, s_f, s_f', n_s, n_cos) (module docstring): particle brackets ū(k) Γ u(p), with
    ū P_R u = ū_hi·u_hi and ū P_L u = ū_lo·u_lo; antiparticle brackets v̄(p) Γ̄ v(k); ``mediators``:
    the exchanged real scalars summed over (default all), colour-stripped."""
    anti = si.conj
    p1, p2, k1, k2 = H.cm_momenta(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], cos)
    if anti:  # [v̄(p) Γ̄ v(k)]: rows the initial spin, columns the final
        outs = [H.weyl(H.soa(H.v_spinors(k))) for k in (k1, k2)]
        ins = [H.weyl(H.soa(H.bar(H.v_spinors(p)))) for p in (p1, p2)]

        def bracket(p_i, k_i, c_r, c_l):
            (x_lo, x_hi), (y_lo, y_hi) = ins[p_i], outs[k_i]
            return c_r * H.bracket_dot(x_hi, y_hi) + c_l * H.bracket_dot(x_lo, y_lo)
    else:  # [ū(k) Γ u(p)] transposed to (s_p, s_k)
        outs = [H.weyl(H.soa(H.bar(H.u_spinors(k)))) for k in (k1, k2)]
        ins = [H.weyl(H.soa(H.u_spinors(p))) for p in (p1, p2)]

        def bracket(p_i, k_i, c_r, c_l):
            (x_lo, x_hi), (y_lo, y_hi) = outs[k_i], ins[p_i]
            return np.swapaxes(c_r * H.bracket_dot(x_hi, y_hi) + c_l * H.bracket_dot(x_lo, y_lo), 0, 1)

    c_rf, c_lf = _chiral(sector, f, anti)
    c_rfp, c_lfp = _chiral(sector, fp, anti)
    a, b = si.index, sj.index
    t, u = H.dot(p1 - k1, p1 - k1), H.dot(p1 - k2, p1 - k2)
    t_amp = u_amp = 0j
    for S in real_scalars(sector) if mediators is None else mediators:
        m2 = sector.scalars[S].mass ** 2
        # t: F_i → f(k₁), F_j → f'(k₂);  u: F_i → f'(k₂), F_j → f(k₁)
        if (c_rf[a, S] or c_lf[a, S]) and (c_rfp[b, S] or c_lfp[b, S]):
            x = bracket(0, 0, c_rf[a, S], c_lf[a, S])  # (s_i, s_f)
            y = bracket(1, 1, c_rfp[b, S], c_lfp[b, S])  # (s_j, s_f')
            t_amp = t_amp + x[:, None, :, None] * y[None, :, None, :] / (t - m2)
        if (c_rfp[a, S] or c_lfp[a, S]) and (c_rf[b, S] or c_lf[b, S]):
            x = bracket(0, 1, c_rfp[a, S], c_lfp[a, S])  # (s_i, s_f')
            y = bracket(1, 0, c_rf[b, S], c_lf[b, S])  # (s_j, s_f)
            u_amp = u_amp - x[:, None, None, :] * y[None, :, :, None] / (u - m2)
    return t_amp, u_amp


def _mediator_colours(sector, scalars: bool) -> dict[int, int]:
    """{index: colour} of the self-conjugate states a same-sign pair exchanges: Majorana fermions
    for scalars, real scalars for Dirac fermions."""
    if scalars:
        return {a: sector.fermions[a].colour for a in majorana_fermions(sector)}
    return {S: sector.scalars[S].colour for S in real_scalars(sector)}


def fierz_recombine(t1, u1, t8, u8, n: int = 3):
    """(A, B), the coefficients of δ_ci δ_dj and δ_cj δ_di, from the colour-stripped t- and u-channel
    amplitudes of the colourless (t1, u1) and octet (t8, u8) exchanges between two SU(n)
    (anti-)triplets, the octet vertices normalised as :func:`.coloured.quark_colour_tensor` does
    (κ^{1/2} T^a, κ = 2n/(n² − 1)): A = T_1 + κ(U_8 − T_8/n)/2, B = U_1 + κ(T_8 − U_8/n)/2 (module
    docstring, Fierz identity)."""
    kappa = 2 * n / (n * n - 1)
    return t1 + kappa * (u8 - t8 / n) / 2, u1 + kappa * (t8 - u8 / n) / 2


def _spin_sum(t_amp, u_amp, n_spins: int, interference: float):
    """Σ_spins [|T|² + |U|² + 2 w Re T U*] (n_s, n_cos): w = 1 for a colourless pair (|T + U|²),
    1/d for colour (anti-)triplets (module docstring)."""
    if not np.ndim(t_amp):
        return H.spin_sum_leading(u_amp, n_spins) if np.ndim(u_amp) else None
    if not np.ndim(u_amp):
        return H.spin_sum_leading(t_amp, n_spins)
    total = H.spin_sum_leading(t_amp + u_amp, n_spins)
    if interference != 1.0:
        total = interference * total + (1 - interference) * (
            H.spin_sum_leading(t_amp, n_spins) + H.spin_sum_leading(u_amp, n_spins))
    return total


def _colour_split(t_amp, u_amp, n_spins: int, d: int, sym, anti):
    """Σ_spins [d(d+1)/2 S_sym |T + U|² + d(d−1)/2 S_anti |T − U|²]/d² (n_s, n_cos): the colour
    sum of two (anti-)triplets split into the symmetric and antisymmetric representations
    (module docstring), ``sym``, ``anti`` their Sommerfeld factors (n_s,)."""
    t_amp = t_amp if np.ndim(t_amp) else np.zeros_like(u_amp)
    u_amp = u_amp if np.ndim(u_amp) else np.zeros_like(t_amp)
    plus = H.spin_sum_leading(t_amp + u_amp, n_spins)
    minus = H.spin_sum_leading(t_amp - u_amp, n_spins)
    return ((d + 1) / (2 * d) * sym[:, None] * plus + (d - 1) / (2 * d) * anti[:, None] * minus)


def same_sign_w(sector, smc, si, sj, f, fp, sqrt_s, interference: float = 1.0, coulomb=None) -> np.ndarray:
    """W(√s) of X_i X_j → f f' (X̄ X̄ → f̄ f̄'), X two scalars or two Dirac fermions, neither the
    other's antiparticle; ½ for f = f'; ``interference`` the colour weight of T U* (module
    docstring: 1 colourless, 1/d for two colour (anti-)triplets exchanging colourless states);
    ``coulomb`` (two (anti-)triplets only): the pair's :class:`.sommerfeld.Coulomb`, whose factors
    multiply the symmetric and antisymmetric colour parts."""
    if si.conj != sj.conj or si.self_conjugate or sj.self_conjugate:
        raise ValueError(f"{si.name} {sj.name} is not a pair of two particles or two antiparticles")
    scalars = si.kind == "S"
    stripped = scalar_amplitude if scalars else fermion_amplitude
    n_spins = 2 if scalars else 4
    colours = _mediator_colours(sector, scalars)  # 1 or 8 (engine: self-conjugate states)
    octets = [k for k, c in colours.items() if c == 8]
    # an octet couples a quark only to a triplet (engine colour check): for other pairs its diagrams
    # vanish on the couplings, and the colour-stripped sum over all mediators is the amplitude
    if octets and si.colour == sj.colour and abs(si.colour) == 3:
        singlets = [k for k, c in colours.items() if c == 1]

        def amplitude(sector, smc, si, sj, f, fp, rs, cos):
            t1, u1 = stripped(sector, smc, si, sj, f, fp, rs, cos, singlets) if singlets else (0j, 0j)
            t8, u8 = stripped(sector, smc, si, sj, f, fp, rs, cos, octets)
            return fierz_recombine(t1, u1, t8, u8)
    else:
        amplitude = stripped
    if coulomb is not None:
        d = abs(si.colour)
        if si.colour != sj.colour or d != 3:
            raise ValueError("Sommerfeld factors of a same-sign pair: two colour (anti-)triplets only")
        rep = -si.colour if si.conj else si.colour  # an antiparticle's species keeps its field's label
        q_sym, q_anti = (6, -3) if rep == 3 else (6, 3)  # 3 ⊗ 3 = 6 ⊕ 3̄; 3̄ ⊗ 3̄ = 6̄ ⊕ 3 (C_6̄ = C_6)

        def spin_summed(rs, cos):
            t_amp, u_amp = amplitude(sector, smc, si, sj, f, fp, rs, cos)
            return _colour_split(t_amp, u_amp, n_spins, d, coulomb(rs, q_sym), coulomb(rs, q_anti))
    else:
        def spin_summed(rs, cos):
            return _spin_sum(*amplitude(sector, smc, si, sj, f, fp, rs, cos), n_spins, interference)

    return A.w_on_nodes(sqrt_s, si.mass, sj.mass, smc.mass[f], smc.mass[fp], spin_summed,
                        1.0 if scalars else 0.25, 0.5 if f == fp else 1.0)


def pair_channels(sector, smc, si, sj, label_of_pair: str, sommerfeld: bool = False):
    """([(label, √s → W)], [missing]) of the same-sign final states of a pair that
    :func:`.pairs.canonical` rejects (relic.pair_channels, coloured.coloured_pair_channels and
    coloured.mixed_colour_channels call it). Computed: colourless exchanged states between two
    colourless states (into leptons), two colour (anti-)triplets (into quarks, T U* weighted 1/d)
    or a colourless and an (anti-)triplet state (a lepton and a quark: one colour structure, δ_cj,
    so the colour-averaged W is the colour-stripped one); two (anti-)triplets also through
    colour-octet exchanged states (a gluino-like Majorana octet between squark-like triplets, a real
    octet scalar between Dirac triplets: Fierz recombination, module docstring). Listed as missing:
    the pairs 3 3̄ (both particles), 3 8, 8 8 and any other coloured exchange (none exists for the
    colours the engine admits: a self-conjugate state is a singlet or an octet, and an octet couples
    a quark only to a triplet)."""
    from bridge.darkmatter import pairs

    channels, missing = [], []
    covered = si.colour == sj.colour != 8 or sorted((abs(si.colour), abs(sj.colour))) == [1, 3]
    octet_exchange = si.colour == sj.colour and abs(si.colour) == 3
    weight = 1.0 / abs(si.colour) if si.colour == sj.colour and si.colour != 1 else 1.0
    coulomb = None
    if sommerfeld and si.colour == sj.colour and abs(si.colour) == 3:
        from bridge.darkmatter import sommerfeld as SF

        rep = -si.colour if si.conj else si.colour
        coulomb = SF.Coulomb(si.mass, sj.mass, rep, rep, smc.alpha_s_mz)
    for f, fp, coloured_exchange in pairs.same_sign_final_states(sector, si, sj):
        final = label(f, fp, si.conj)
        if not covered or (coloured_exchange and not octet_exchange):
            missing.append(f"{label_of_pair} -> {final}: same-sign final state of colours other than 1 1, "
                           "3 3, 3̄ 3̄, 1 3, 1 3̄, or through a coloured exchanged state other than an octet "
                           "between two (anti-)triplets (colour algebra not implemented)")
            continue
        channels.append((f"{label_of_pair} -> {final}", lambda rs, f=f, fp=fp: same_sign_w(
            sector, smc, si, sj, f, fp, rs, weight, coulomb)))
    return channels, missing
