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

import math

import numpy as np

from bridge import engine
from bridge.engine import LEPTONS, NEUTRINOS, DarkSector

FLAVIO_LEPTON = {"e": "e", "mu": "mu", "tau": "tau"}


def n_f(sm) -> complex:
    """N_F = (4 G_F/√2) λ_t α/(4π) in GeV⁻² (α = α_e at 4.8 GeV)."""
    return 4.0 * sm.GF / math.sqrt(2.0) * sm.lambda_t * sm.alpha_e_bsll / (4.0 * math.pi)


def semileptonic(sector: DarkSector, sm, parts: dict | None = None) -> dict[str, complex]:
    """C9, C10, C9p, C10p for ℓ = e, μ, τ and CL, CR for all νν̄ pairs."""
    out: dict[str, complex] = {}
    two_nf = 2.0 * n_f(sm)
    c9_gamma = photon_c9(sector, sm, "L")
    c9p_gamma = photon_c9(sector, sm, "R")
    y_l, y_r = engine.z_penguin(sector, sm, "L"), engine.z_penguin(sector, sm, "R")
    z_norm = 8.0 * math.pi * sm.alpha_e_bsll * sm.lambda_t
    c10_z, c10p_z = y_l / z_norm, y_r / z_norm
    c9_z, c9p_z = (4 * sm.s2w - 1) * c10_z, (4 * sm.s2w - 1) * c10p_z
    if parts is not None:
        parts.update({"C9_photon_penguin": c9_gamma, "C9p_photon_penguin": c9p_gamma,
                      "C9_Z_penguin": c9_z, "C10_Z_penguin": c10_z,
                      "C9p_Z_penguin": c9p_z, "C10p_Z_penguin": c10p_z})
    for lep in LEPTONS:
        c_ll = engine.box_semileptonic(sector, "L", "L", lep, lep)
        c_lr = engine.box_semileptonic(sector, "L", "R", lep, lep)
        c_rr = engine.box_semileptonic(sector, "R", "R", lep, lep)
        c_rl = engine.box_semileptonic(sector, "R", "L", lep, lep)
        name = "bs" + 2 * FLAVIO_LEPTON[lep]
        box = {"C9": (c_ll + c_lr) / two_nf, "C10": (c_lr - c_ll) / two_nf,
               "C9p": (c_rr + c_rl) / two_nf, "C10p": (c_rr - c_rl) / two_nf}
        if parts is not None:
            for k, v in box.items():
                parts[f"{k}_{name}_box"] = v
        out[f"C9_{name}"] = box["C9"] + c9_gamma + c9_z
        out[f"C10_{name}"] = box["C10"] + c10_z
        out[f"C9p_{name}"] = box["C9p"] + c9p_gamma + c9p_z
        out[f"C10p_{name}"] = box["C10p"] + c10p_z
    for nu_bar in NEUTRINOS:
        for nu in NEUTRINOS:
            # flavio's CL_bs{X}{Y} multiplies ν̄_Y ... ν_X
            name = f"bs{engine.FLAVIO_NU[nu]}{engine.FLAVIO_NU[nu_bar]}"
            c_l = engine.box_semileptonic(sector, "L", "L", nu_bar, nu) / two_nf
            c_r = engine.box_semileptonic(sector, "R", "L", nu_bar, nu) / two_nf
            if nu == nu_bar:
                c_l += c10_z
                c_r += c10p_z
            out[f"CL_{name}"] = c_l
            out[f"CR_{name}"] = c_r
    return out


def photon_c9(sector: DarkSector, sm, chirality: str = "L") -> complex:
    """Lepton-universal C9 (C9p) from the photon penguin: e C_P/N_F = C_P/e × 16π²/(N_F 16π²/e²)."""
    c_p_over_e = engine.photon_penguin(sector, chirality)
    # e C_P / N_F with N_F = (4G_F/√2) λ_t e²/(16π²)  ->  C_P/e / ((4G_F/√2) λ_t/(16π²))
    return c_p_over_e * 16.0 * math.pi**2 / (4.0 * sm.GF / math.sqrt(2.0) * sm.lambda_t)


def quark_dipoles(sector: DarkSector, sm) -> dict[str, complex]:
    """C7_bs, C7p_bs, C8_bs, C8p_bs (physics.md §7.1)."""
    n7_over_e = 4.0 * sm.GF / math.sqrt(2.0) * sm.lambda_t * sm.m_b / (16.0 * math.pi**2)
    c7_r, c7_l = engine.dipole(sector, "s", "b", sm.m_s, sm.m_b, "photon")
    c8_r, c8_l = engine.dipole(sector, "s", "b", sm.m_s, sm.m_b, "gluon")
    return {"C7_bs": c7_r / n7_over_e, "C7p_bs": c7_l / n7_over_e,
            "C8_bs": c8_r / n7_over_e, "C8p_bs": c8_l / n7_over_e}


def bs_mixing(sector: DarkSector) -> dict[str, complex]:
    """CVLL_bsbs and CVRR_bsbs (GeV⁻²); mixed chiralities are refused by the engine."""
    engine._require_single_chirality(sector, ("s", "b"), "ΔF=2")
    return {"CVLL_bsbs": engine.box_bsbs(sector, "L"), "CVRR_bsbs": engine.box_bsbs(sector, "R")}


def quark_coefficients(sector: DarkSector, sm, parts: dict | None = None) -> dict[str, complex]:
    """All b→s coefficients of the sector in the flavio basis, zeros dropped."""
    engine._require_single_chirality(sector, ("s", "b"), "b→s")
    out = {}
    out.update(semileptonic(sector, sm, parts))
    out.update(quark_dipoles(sector, sm))
    out.update(bs_mixing(sector))
    return {k: v for k, v in out.items() if _nonzero(v)}


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
    """A coefficient is kept if it is non-zero (at any point of a batch, see bridge.engine)."""
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
