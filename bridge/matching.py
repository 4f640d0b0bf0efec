"""From engine amplitudes to flavio WET-basis Wilson coefficients.

Normalisations are those of the operators in wilson's
``wcxf/bases/wet.flavio.basis.json`` (L_eff = Σ C_i O_i, NP part only):

* O9 = N_F (s̄_L γ^μ b_L)(ℓ̄ γ_μ ℓ), O10 with γ_μγ5, N_F = (4G_F/√2) λ_t e²/(16π²):
  C9 = (C_LL + C_LR)/(2 N_F), C10 = (C_LR − C_LL)/(2 N_F) (primes with s̄_R b_R),
  α = α_e(4.8 GeV) as in flavio's own b→sℓℓ prefactor (a 3% choice: 1/132 vs 1/128).
* CL_bsν_jν_i multiplies N_F (s̄_L γ^μ b_L)(ν̄_i γ_μ(1−γ5) ν_j): CL = C_LL^{(ν̄_i ν_j)}/(2 N_F).
* O7 = (4G_F/√2) λ_t e m_b/(16π²) (s̄_L σ^{μν} b_R) F_{μν}: C7 = c_R^{sb}/N_7; C8 likewise with g_s.
* CVLL_bsbs multiplies (s̄_L γ^μ b_L)² with no prefactor (GeV⁻²).
* C7_ℓℓ = c_R^{ℓℓ}/((4G_F/√2) e m_ℓ/(16π²)), so Δa_ℓ = m_ℓ² G_F/(√2π²) Re C7_ℓℓ
  (flavio/physics/mdms/al.py); Cgamma_mue = c_R^{eμ}, Cgamma_emu = c_R^{μe} (GeV⁻¹),
  with e = √(4πα(0)) for the on-shell photon.
* Z penguin: C10^Z = Y/(8παλ_t), C9^Z = (4s_W² − 1) Y/(8παλ_t), CL^Z = Y/(8παλ_t)
  (physics.md §9, from integrating out the Z at tree level).

A batched sector (bridge.engine) gives arrays of shape (N,) in place of numbers; a
coefficient is then dropped only if it vanishes at every point of the batch.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Collection
from functools import cache

import numpy as np

from bridge import engine
from bridge.engine import LEPTONS, NEUTRINOS, UP_QUARKS, DarkSector

FLAVIO_LEPTON = {"e": "e", "mu": "mu", "tau": "tau"}


#: flavio's down-type FCNC sectors: name → (q̄, q) of its (q̄ γ P q) charged-lepton, dipole and
#: ΔF=2 operators (C9_bsmumu: s̄ b, C9_bdmumu: d̄ b, C9_sdmumu: d̄ s; CVLL_bsbs, _bdbd, _sdsd).
PAIRS = {"bs": ("s", "b"), "bd": ("d", "b"), "sd": ("d", "s")}
#: ... and of its νν̄ operators: CL_sdνν multiplies (s̄ d), the others as above.
NU_PAIRS = {"bs": ("s", "b"), "bd": ("d", "b"), "sd": ("s", "d")}


def n_f(sm, q_bar: str = "s", q: str = "b") -> complex:
    """N_F = (4 G_F/√2) ξ_t α/(4π) in GeV⁻² (α = α_e at 4.8 GeV), ξ_t = V_tq V_tq̄^* (λ_t for b→s)."""
    return 4.0 * sm.GF / math.sqrt(2.0) * sm.xi_t(q_bar, q) * sm.alpha_e_bsll / (4.0 * math.pi)


def semileptonic(sector: DarkSector, sm, parts: dict | None = None, pair: str = "bs") -> dict[str, complex]:
    """C9, C10, C9p, C10p for ℓ = e, μ, τ and CL, CR for all νν̄ pairs of one quark pair
    (``pair``: "bs", "bd" or "sd", flavio's sector names; :data:`PAIRS`, :data:`NU_PAIRS`)."""
    q_bar, q = PAIRS[pair]
    out: dict[str, complex] = {}
    two_nf = 2.0 * n_f(sm, q_bar, q)
    z_norm = 8.0 * math.pi * sm.alpha_e_bsll * sm.xi_t(q_bar, q)
    # the penguins of a quark chirality without couplings are exactly 0 (None: left out below)
    c9_gamma = c9p_gamma = c10_z = c10p_z = c9_z = c9p_z = None
    if sector.has(*engine._quark_couplings(sector, "L", q_bar, q)):
        c9_gamma = photon_c9(sector, sm, "L", q_bar, q)
        c10_z = engine.z_penguin(sector, sm, "L", q_bar, q) / z_norm
        c9_z = (4 * sm.s2w - 1) * c10_z
    if sector.has(*engine._quark_couplings(sector, "R", q_bar, q)):
        c9p_gamma = photon_c9(sector, sm, "R", q_bar, q)
        c10p_z = engine.z_penguin(sector, sm, "R", q_bar, q) / z_norm
        c9p_z = (4 * sm.s2w - 1) * c10p_z
    tag = "" if pair == "bs" else pair + "_"  # the b→s names predate the other pairs
    if parts is not None:
        penguins = {f"C9_{tag}photon_penguin": c9_gamma, f"C9p_{tag}photon_penguin": c9p_gamma,
                    f"C9_{tag}Z_penguin": c9_z, f"C10_{tag}Z_penguin": c10_z,
                    f"C9p_{tag}Z_penguin": c9p_z, f"C10p_{tag}Z_penguin": c10p_z}
        parts.update({key: _value(sector, value) for key, value in penguins.items()})
    # the boxes of every lepton flavour and chirality in one contraction each (None: exactly 0)
    boxes = {(x, y): engine.semileptonic_boxes(sector, x, y, LEPTONS, True, q_bar, q)
             for x in "LR" for y in "LR"}
    for lep in LEPTONS:
        c_ll, c_lr = boxes["L", "L"][lep, lep], boxes["L", "R"][lep, lep]
        c_rr, c_rl = boxes["R", "R"][lep, lep], boxes["R", "L"][lep, lep]
        name = pair + 2 * FLAVIO_LEPTON[lep]
        box = {"C9": _over(_plus(c_ll, c_lr), two_nf), "C10": _over(_minus(c_lr, c_ll), two_nf),
               "C9p": _over(_plus(c_rr, c_rl), two_nf), "C10p": _over(_minus(c_rr, c_rl), two_nf)}
        if parts is not None:
            for k, v in box.items():
                parts[f"{k}_{name}_box"] = _value(sector, v)
        out[f"C9_{name}"] = _value(sector, _plus(_plus(box["C9"], c9_gamma), c9_z))
        out[f"C10_{name}"] = _value(sector, _plus(box["C10"], c10_z))
        out[f"C9p_{name}"] = _value(sector, _plus(_plus(box["C9p"], c9p_gamma), c9p_z))
        out[f"C10p_{name}"] = _value(sector, _plus(box["C10p"], c10p_z))
    nu_q_bar, nu_q = NU_PAIRS[pair]
    two_nf_nu = 2.0 * n_f(sm, nu_q_bar, nu_q)
    if (nu_q_bar, nu_q) == (q_bar, q):
        cl_z, cr_z = c10_z, c10p_z
    else:  # (s̄ d): its own Z penguin and normalisation
        z_norm_nu = 8.0 * math.pi * sm.alpha_e_bsll * sm.xi_t(nu_q_bar, nu_q)
        cl_z = cr_z = None
        if sector.has(*engine._quark_couplings(sector, "L", nu_q_bar, nu_q)):
            cl_z = engine.z_penguin(sector, sm, "L", nu_q_bar, nu_q) / z_norm_nu
        if sector.has(*engine._quark_couplings(sector, "R", nu_q_bar, nu_q)):
            cr_z = engine.z_penguin(sector, sm, "R", nu_q_bar, nu_q) / z_norm_nu
    nu_l = engine.semileptonic_boxes(sector, "L", "L", NEUTRINOS, False, nu_q_bar, nu_q)
    nu_r = engine.semileptonic_boxes(sector, "R", "L", NEUTRINOS, False, nu_q_bar, nu_q)
    for nu_bar in NEUTRINOS:
        for nu in NEUTRINOS:
            # flavio's CL_bs{X}{Y} multiplies ν̄_Y ... ν_X
            name = f"{pair}{engine.FLAVIO_NU[nu]}{engine.FLAVIO_NU[nu_bar]}"
            c_l = _over(nu_l[nu_bar, nu], two_nf_nu)
            c_r = _over(nu_r[nu_bar, nu], two_nf_nu)
            if nu == nu_bar:
                c_l = _plus(c_l, cl_z)
                c_r = _plus(c_r, cr_z)
            out[f"CL_{name}"] = _value(sector, c_l)
            out[f"CR_{name}"] = _value(sector, c_r)
    return out


# Sums of terms that may be exactly zero over the whole batch (None, or a penguin that vanished):
# a zero term is left out, which changes no number (x + 0 = x, 0 − x = −x, 0/y = 0 exactly, up
# to the sign of a zero) and spares the array operations on zeros.
def _is_zero(x) -> bool:
    return x is None or (not isinstance(x, np.ndarray) and x == 0)


def _plus(a, b):
    return b if _is_zero(a) else a if _is_zero(b) else a + b


def _minus(a, b):
    return (None if _is_zero(b) else -b) if _is_zero(a) else a if _is_zero(b) else a - b


def _over(a, y):
    return None if _is_zero(a) else a / y


def _value(sector: DarkSector, x):
    """The coefficient as the engine returns it (zeros over the batch for an exact zero)."""
    return sector._result(0j) if _is_zero(x) else x


def photon_c9(sector: DarkSector, sm, chirality: str = "L", q_bar: str = "s", q: str = "b") -> complex:
    """Lepton-universal C9 (C9p) from the photon penguin: e C_P/N_F = C_P/e × 16π²/(N_F 16π²/e²)."""
    c_p_over_e = engine.photon_penguin(sector, chirality, q_bar, q)
    # e C_P / N_F with N_F = (4G_F/√2) ξ_t e²/(16π²)  ->  C_P/e / ((4G_F/√2) ξ_t/(16π²))
    return c_p_over_e * 16.0 * math.pi**2 / (4.0 * sm.GF / math.sqrt(2.0) * sm.xi_t(q_bar, q))


def quark_dipoles(sector: DarkSector, sm, pair: str = "bs") -> dict[str, complex]:
    """C7, C7p, C8, C8p of one quark pair (physics.md §7.1): O7 = (4G_F/√2) ξ_t e m_q/(16π²)
    (q̄_bar_L σ q_R) F with m_q the heavier quark's mass (m_b for bs, bd; m_s for sd)."""
    q_bar, q = PAIRS[pair]
    m_bar, m_q = sm.quark_mass(q_bar), sm.quark_mass(q)
    n7_over_e = 4.0 * sm.GF / math.sqrt(2.0) * sm.xi_t(q_bar, q) * m_q / (16.0 * math.pi**2)
    c7_r, c7_l = engine.dipole(sector, q_bar, q, m_bar, m_q, "photon")
    c8_r, c8_l = engine.dipole(sector, q_bar, q, m_bar, m_q, "gluon")
    return {f"C7_{pair}": c7_r / n7_over_e, f"C7p_{pair}": c7_l / n7_over_e,
            f"C8_{pair}": c8_r / n7_over_e, f"C8p_{pair}": c8_l / n7_over_e}


def bs_mixing(sector: DarkSector) -> dict[str, complex]:
    """CVLL_bsbs and CVRR_bsbs (GeV⁻²); mixed chiralities are refused by the engine."""
    engine._require_single_chirality(sector, ("s", "b"), "ΔF=2")
    return {"CVLL_bsbs": engine.box_bsbs(sector, "L"), "CVRR_bsbs": engine.box_bsbs(sector, "R")}


def quark_coefficients(sector: DarkSector, sm, parts: dict | None = None) -> dict[str, complex]:
    """All b→s coefficients of the sector in the flavio basis, zeros dropped."""
    engine._require_single_chirality(sector, ("s", "b"), "b→s")
    engine.plan_bsbs_boxes(sector)  # the mixing boxes join the semileptonic ones' loops call
    out = {}
    out.update(semileptonic(sector, sm, parts))
    out.update(quark_dipoles(sector, sm))
    out.update(bs_mixing(sector))
    return {k: v for k, v in out.items() if _nonzero(v)}


#: ΔF=2 operators beyond B_s: flavio name → (q̄, q) of (q̄ γ P q)².
MIXING = {"bdbd": ("d", "b"), "sdsd": ("d", "s"), "ucuc": ("c", "u")}


#: DarkSector caches whose entries depend on the couplings and are keyed without them.
COUPLING_CACHES = ("_colour_checked", "_photon_penguin_cache", "_z_penguin_cache", "_z_vertex_cache")


def ckm_rotated(sector: DarkSector, sm) -> DarkSector:
    """The sector with its left-handed up-type couplings in the quark mass basis.

    Models give Q-doublet couplings per family in the interaction basis Q_i = (V†u_L, d_L)_i
    (bridge.fields), so ū_j (mass) couples with l_j = Σ_i V_ji l_i. Down-type quarks and the
    right-handed (U) couplings are mass-basis already. A shallow copy: the loop tensors (masses
    only) are shared, the colour check and the penguins are redone for the new couplings.
    """
    if not any(u in sector.left for u in UP_QUARKS):
        return sector
    stacked = np.stack(np.broadcast_arrays(*(sector.l(u) for u in UP_QUARKS)))  # (3, ..., nF, nS)
    rotated = np.tensordot(sm.ckm, stacked, axes=(1, 0))
    out = copy.copy(sector)
    # the caches of results that depend on the couplings are keyed by particle names only
    # (bridge.engine): the rotated copy starts them afresh, those of masses are shared
    out.__dict__ = {k: v for k, v in sector.__dict__.items() if k not in COUPLING_CACHES}
    out.left = {**sector.left, **{u: rotated[k] for k, u in enumerate(UP_QUARKS)}}
    return out


def meson_mixing(sector: DarkSector, up_sector: DarkSector | None = None,
                 mesons: Collection[str] = tuple(MIXING)) -> dict[str, complex]:
    """CVLL, CVRR of B_d, K and D mixing (GeV⁻², no prefactor): (d̄ b)², (d̄ s)², (c̄ u)²
    (``mesons``: those of :data:`MIXING` to compute); D mixing from ``up_sector``
    (:func:`ckm_rotated`). Mixed chiralities are refused."""
    out = {}
    for name in mesons:
        q_bar, q = MIXING[name]
        sec = up_sector if q in UP_QUARKS else sector
        if sec is None:
            continue
        engine._require_single_chirality(sec, (q_bar, q), "ΔF=2")
        out[f"CVLL_{name}"] = engine.box_bsbs(sec, "L", q_bar, q)
        out[f"CVRR_{name}"] = engine.box_bsbs(sec, "R", q_bar, q)
    return out


def down_quark_coefficients(sector: DarkSector, sm, parts: dict | None = None,
                            up_sector: DarkSector | None = None,
                            read: Collection[str] | None = None) -> dict[str, complex]:
    """b→d and s→d coefficients (C9, C10, primes, CL, CR, C7, C8) and B_d, K, D mixing,
    zeros dropped; the b→s set is :func:`quark_coefficients`. ``up_sector``: the sector with
    up-type couplings in the mass basis (computed with :func:`ckm_rotated` if not given).
    ``read``: the coefficients the caller reads (None: all); a quark pair or a meson none of
    whose coefficients (:func:`down_quark_names`) is read is not computed (nor checked)."""
    names = down_quark_names()
    out = {}
    for pair in ("bd", "sd"):
        if not reads(read, names[pair]):
            continue
        q_bar, q = PAIRS[pair]
        engine._require_single_chirality(sector, (q_bar, q), pair)
        out.update(semileptonic(sector, sm, parts, pair))
        out.update(quark_dipoles(sector, sm, pair))
    mesons = [m for m in MIXING if reads(read, names[m])]
    if mesons:
        if up_sector is None and "ucuc" in mesons:
            up_sector = ckm_rotated(sector, sm)
        out.update(meson_mixing(sector, up_sector, mesons))
    return {k: v for k, v in out.items() if _nonzero(v)}


def reads(read: Collection[str] | None, names: Collection[str]) -> bool:
    """Whether a caller that reads ``read`` (None: every coefficient) reads one of ``names``."""
    return read is None or not set(names).isdisjoint(read)


@cache
def down_quark_names() -> dict[str, frozenset[str]]:
    """The coefficients :func:`down_quark_coefficients` can give, by quark pair ("bd", "sd":
    :func:`semileptonic` and :func:`quark_dipoles`) and by meson ("bdbd", "sdsd", "ucuc":
    :func:`meson_mixing`). tests/test_flavour_extension.py checks them against the functions'
    output for a sector coupling to every fermion."""
    out = {}
    for pair in ("bd", "sd"):
        leptons = [pair + 2 * FLAVIO_LEPTON[lep] for lep in LEPTONS]
        nus = [pair + engine.FLAVIO_NU[a] + engine.FLAVIO_NU[b] for a in NEUTRINOS for b in NEUTRINOS]
        out[pair] = frozenset([f"{c}_{x}" for c in ("C9", "C10", "C9p", "C10p") for x in leptons]
                              + [f"{c}_{x}" for c in ("CL", "CR") for x in nus]
                              + [f"{c}_{pair}" for c in ("C7", "C7p", "C8", "C8p")])
    for meson in MIXING:
        out[meson] = frozenset((f"CVLL_{meson}", f"CVRR_{meson}"))
    return out


def lepton_dipoles(sector: DarkSector, sm, parts: dict | None = None) -> dict[str, complex]:
    """C7_ee, C7_mumu, C7_tautau, Cgamma_mue, Cgamma_emu (flavio basis)."""
    masses = {"e": sm.m_e, "mu": sm.m_mu, "tau": sm.m_tau}
    e0 = math.sqrt(4.0 * math.pi * sm.alpha_e_0)
    out = {}
    for lep, m in masses.items():
        c_r, _ = engine.dipole(sector, lep, lep, m, m, chiralities="R")
        out[f"C7_{lep}{lep}"] = c_r / (4.0 * sm.GF / math.sqrt(2.0) * m / (16.0 * math.pi**2))
        if parts is not None:
            parts[f"Delta_a_{lep}_one_loop"] = 4.0 * m * c_r.real
    c_r_emu, _ = engine.dipole(sector, "e", "mu", sm.m_e, sm.m_mu, chiralities="R")
    c_r_mue, _ = engine.dipole(sector, "mu", "e", sm.m_mu, sm.m_e, chiralities="R")
    out["Cgamma_mue"] = e0 * c_r_emu
    out["Cgamma_emu"] = e0 * c_r_mue
    return {k: v for k, v in out.items() if _nonzero(v)}


def _nonzero(value) -> bool:
    """A coefficient is kept if it is non-zero (at any point of a batch, see bridge.engine).

    A complex batch is tested on its real and imaginary parts as floats, whose truth is
    x != 0 (NaN true, −0.0 false) and a complex number is non-zero where a part is: the same
    answer without the comparison's boolean array (a third of the time)."""
    if isinstance(value, np.ndarray) and value.ndim and value.dtype == complex and value.flags.c_contiguous:
        return bool(value.view(float).any())
    return bool(np.any(value != 0))


def delta_a_from_c7(c7: complex, m_lepton: float, sm) -> float:
    """Δa_ℓ = m_ℓ² G_F/(√2 π²) Re C7_ℓℓ (flavio/physics/mdms/al.py)."""
    return m_lepton**2 * sm.GF / (math.sqrt(2.0) * math.pi**2) * c7.real


def br_mu_egamma_one_loop(cgamma_mue: complex, cgamma_emu: complex, sm, tau_mu: float) -> float:
    """BR(μ→eγ) = τ_μ m_μ³ (|Cγ_mue|² + |Cγ_emu|²)/(4π) (flavio's taulgamma/GammaFvf, m_e→0)."""
    width = sm.m_mu**3 * (abs(cgamma_mue) ** 2 + abs(cgamma_emu) ** 2) / (4.0 * math.pi)
    return width * tau_mu


# ---------------------------------------------------------------------------
# plugin conveniences: coefficients of spectrum.data["sector"], with the breakdown kept
# ---------------------------------------------------------------------------
def universality_split(parts: dict) -> dict[str, complex]:
    """The split of seed 001 Eq. (9): lepton-specific boxes (V) and universal penguins (U).

    C9V_ℓ, C10V_ℓ = the ℓℓ boxes; C9U = photon + Z penguin; C10U = Z penguin.
    """
    out = {}
    for lep in LEPTONS:
        name = "bs" + 2 * FLAVIO_LEPTON[lep]
        out[f"C9V_{lep}"] = parts[f"C9_{name}_box"]
        out[f"C10V_{lep}"] = parts[f"C10_{name}_box"]
    out["C9U_photon"] = parts["C9_photon_penguin"]
    out["C9U_Z"] = parts["C9_Z_penguin"]
    out["C9U"] = parts["C9_photon_penguin"] + parts["C9_Z_penguin"]
    out["C10U"] = parts["C10_Z_penguin"]
    return out


def spectrum_quark_coefficients(spectrum, sm) -> dict[str, complex]:
    """quark_coefficients of ``spectrum.data["sector"]``; the box/penguin breakdown and the
    universality split go to ``spectrum.data["contributions"]`` (written to the JSON output)."""
    parts: dict = {}
    wcs = quark_coefficients(spectrum.data["sector"], sm, parts)
    contributions = spectrum.data.setdefault("contributions", {})
    contributions.update(parts)
    contributions.update(universality_split(parts))
    return wcs


def spectrum_lepton_dipoles(spectrum, sm) -> dict[str, complex]:
    """lepton_dipoles of ``spectrum.data["sector"]``, one-loop Δa_ℓ into the contributions."""
    return lepton_dipoles(spectrum.data["sector"], sm, spectrum.data.setdefault("contributions", {}))
