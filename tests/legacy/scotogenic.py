"""Reference implementation of the scotogenic model (seed 001), written by hand before models
became descriptions: spectrum, couplings in the mass basis and Z couplings built explicitly.
tests/test_descriptions.py checks the described model (plugins/scotogenic.py, whose docstring
has the physics and conventions) against it to 1e-12."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bridge import engine, hookimpl, loops, matching
from bridge import neutrino as nu
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings
from bridge.model import Mixing, ModelInfo, Particle, Spectrum
from bridge_plugins.scotogenic import DESCRIPTION, Parameters, _err, read_parameters, yukawa_from_casas_ibarra

NAME = "scotogenic"
DOWN = ("d", "s", "b")
CHARGED = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
_LOOP = 16.0 * math.pi**2

# input parsing and Casas–Ibarra are shared with the described model (not what this reference
# implementation checks: its spectrum and couplings below are built by hand)
INFO = DESCRIPTION.info()


# ---------------------------------------------------------------------------
# spectrum
# ---------------------------------------------------------------------------
@dataclass
class NeutralScalars:
    masses: np.ndarray  # GeV, 4
    o: np.ndarray  # real orthogonal, (eta_R1, eta_R2, eta_I1, eta_I2) = O psi
    w: np.ndarray  # 2 x 4 complex, eta^0 = W psi
    names: tuple[str, ...]
    cp_conserving: bool


def neutral_scalars(m_eta, lam5, vev) -> NeutralScalars:
    """Diagonalise M0² of the module docstring; real λ5 keeps CP-even/odd blocks apart."""
    d = np.diag(np.asarray(m_eta, float) ** 2)
    a, b = lam5.real, lam5.imag
    half = 0.5 * vev**2
    if not np.any(b):
        mr, o_r = np.linalg.eigh(d + half * a)
        mi, o_i = np.linalg.eigh(d - half * a)
        m2 = np.concatenate([mr, mi])
        o = np.zeros((4, 4))
        o[:2, :2], o[2:, 2:] = o_r, o_i
        names = ("eta0_R1", "eta0_R2", "eta0_I1", "eta0_I2")
        cp = True
    else:
        m0 = np.block([[d + half * a, -half * b], [-half * b, d - half * a]])
        m2, o = np.linalg.eigh(m0)
        names = tuple(f"eta0_{k}" for k in range(1, 5))
        cp = False
    if np.any(m2 <= 0):
        raise ValueError("tachyonic neutral dark scalar")
    w = (o[:2, :] + 1j * o[2:, :]) / math.sqrt(2.0)
    return NeutralScalars(np.sqrt(m2), o, w, names, cp)


def charged_mass_matrix(m_eta, m_phi, mu, vev) -> np.ndarray:
    """M±² in the basis (η_1^−, η_2^−, φ^−) (module docstring)."""
    x = -np.asarray(mu, complex) * vev / math.sqrt(2.0)
    m2 = np.diag(np.concatenate([np.asarray(m_eta, float) ** 2, [m_phi**2]])).astype(complex)
    m2[:2, 2] = x
    m2[2, :2] = x.conj()
    return m2


def charged_scalars(m_eta, m_phi, mu, vev):
    """(masses ascending, U) with M±² = U diag(m²) U†."""
    m2, u = np.linalg.eigh(charged_mass_matrix(m_eta, m_phi, mu, vev))
    if np.any(m2 <= 0):
        raise ValueError("tachyonic charged dark scalar")
    return np.sqrt(m2), u


def loop_sigma(m_n, m_eta, lam5, vev) -> np.ndarray:
    """Σ (2 × 2, GeV) of m_ν = Y_N Σ Y_Nᵀ, exact one loop (module docstring).

    Σ = (M_N/16π²) [Σ_ij g[μ_i, d_j] P_i 𝕃 Q_j]_{12} with 𝕄 = 𝔻 + 𝕃 = Σ μ_i P_i, 𝔻 = Σ d_j Q_j
    and g[·,·] = loops.scoto_kernel (the divided difference of physics.md §10.1).
    """
    n = len(m_eta)
    d2 = np.asarray(m_eta, float) ** 2
    big_l = 0.5 * vev**2 * np.asarray(lam5, complex)
    pert = np.zeros((2 * n, 2 * n), complex)
    pert[:n, n:] = big_l.conj()
    pert[n:, :n] = big_l
    nambu = np.diag(np.concatenate([d2, d2])).astype(complex) + pert
    mu2, u = np.linalg.eigh(nambu)
    if np.any(mu2 <= 0):
        raise ValueError("tachyonic neutral dark scalar")
    dd = np.concatenate([d2, d2])
    kern = loops.scoto_kernel(mu2[:, None], dd[None, :], m_n**2)
    x = u @ (kern * (u.conj().T @ pert))
    sigma = m_n / _LOOP * x[:n, n:]
    return 0.5 * (sigma + sigma.T)  # symmetric exactly; the asymmetry is rounding


def seed_eq6_sigma(m_n, m_eta, lam5, vev) -> np.ndarray:
    """Σ of seed 001 Eq. (6) as printed (small λ5): m_ν ≈ Y_N Σ Y_Nᵀ with
    Σ_ab = v²/(32π²) λ5^{ab} M_N/(m_b² − M_N²) [m_b²/(m_a² − m_b²) ln(m_a²/m_b²)
    − M_N²/(m_a² − M_N²) ln(m_a²/M_N²)], the first term → 1 for m_a = m_b (its limit).
    Closed form only: singular at m_a = M_N or m_b = M_N."""
    out = np.zeros((2, 2), complex)
    mn2 = m_n**2
    for a in range(2):
        for b in range(2):
            ma2, mb2 = m_eta[a] ** 2, m_eta[b] ** 2
            first = 1.0 if ma2 == mb2 else mb2 / (ma2 - mb2) * math.log(ma2 / mb2)
            bracket = first - mn2 / (ma2 - mn2) * math.log(ma2 / mn2)
            out[a, b] = vev**2 / (32 * math.pi**2) * lam5[a, b] * m_n / (mb2 - mn2) * bracket
    return out


def build_sector(par: Parameters, y_n, neutral: NeutralScalars, m_charged, u_charged,
                 s2w: float) -> DarkSector:
    """The dark sector in the mass basis with the couplings of the module docstring."""
    fermions = (DarkFermion("N", par.m_n, 0.0, majorana=True),)
    scalars = [DarkScalar("S(-1/3)", par.m_s, -1 / 3, colour=3),
               DarkScalar("S(2/3)", par.m_s, 2 / 3, colour=3)]
    scalars += [DarkScalar(n, m, 0.0) for n, m in zip(neutral.names, neutral.masses, strict=True)]
    scalars += [DarkScalar(f"h{k + 1}-", m, -1.0) for k, m in enumerate(m_charged)]
    i_s, i_neu, i_ch = 0, slice(2, 6), slice(6, 9)
    ns = len(scalars)
    left, right = {}, {}
    for i, q in enumerate(DOWN):
        c = np.zeros((1, ns), complex)
        c[0, i_s] = -par.y_s[i]
        left[q] = c
    for al in range(3):
        c = np.zeros((1, ns), complex)
        c[0, i_ch] = y_n[al].conj() @ u_charged[:2, :]
        left[CHARGED[al]] = c
        c = np.zeros((1, ns), complex)
        c[0, i_ch] = -par.kappa[al].conjugate() * u_charged[2, :]
        right[CHARGED[al]] = c
        c = np.zeros((1, ns), complex)
        c[0, i_neu] = -(y_n[al].conj() @ neutral.w.conj())
        left[NEUTRINOS[al]] = c
    # Z couplings T3 − s_W² Q of the fields as they appear in the couplings (physics.md §9)
    z_s = np.zeros((ns, ns), complex)
    z_s[0, 0] = -0.5 + s2w / 3
    z_s[1, 1] = 0.5 - 2 * s2w / 3
    z_s[i_neu, i_neu] = 0.5 * neutral.w.T @ neutral.w.conj()  # η^{0*}: T3 = +½, Q = 0
    g_ch = np.array([-0.5 + s2w, -0.5 + s2w, s2w])  # η_a^− (doublet), φ^− (singlet)
    z_s[i_ch, i_ch] = u_charged.conj().T @ np.diag(g_ch) @ u_charged
    zero = np.zeros((1, 1), complex)
    return DarkSector(fermions, tuple(scalars), left, right, ZCouplings(zero, zero, z_s))


def spectrum_from_parameters(par: Parameters, sm, inputs=None) -> Spectrum:
    vev = sm.vev
    try:
        neutral = neutral_scalars(par.m_eta, par.lam5, vev)
    except ValueError as exc:
        raise _err(f"{exc}: m_eta_a^2 - v^2 |lambda5|/2 must stay positive", inputs,
                   "LAMBDA5IN", (1, 1)) from None
    try:
        m_ch, u_ch = charged_scalars(par.m_eta, par.m_phi, par.mu, vev)
    except ValueError as exc:
        raise _err(f"{exc}: |mu_a| v/sqrt2 too large for m_eta, m_phi", inputs, "MUIN", 1) from None
    sigma = loop_sigma(par.m_n, par.m_eta, par.lam5, vev)
    y_n = par.y_n if par.y_n is not None else yukawa_from_casas_ibarra(sigma, par, inputs)
    sector = build_sector(par, y_n, neutral, m_ch, u_ch, sm.s2w)
    m_nu = y_n @ sigma @ y_n.T
    m_nu = 0.5 * (m_nu + m_nu.T)
    particles = [Particle(9910001, "N", par.m_n)]
    particles += [Particle(9910011 + k, n, float(m)) for k, (n, m) in
                  enumerate(zip(neutral.names, neutral.masses, strict=True))]
    particles += [Particle(9910021 + k, f"h{k + 1}-", float(m)) for k, m in enumerate(m_ch)]
    particles += [Particle(9910031, "S(2/3)", par.m_s), Particle(9910032, "S(-1/3)", par.m_s)]
    mixings = [
        Mixing("SCOTOETA0MIX", neutral.o, "neutral dark scalars: (eta_R, eta_I) = O psi",
               rows=("eta_R1", "eta_R2", "eta_I1", "eta_I2"), columns=neutral.names),
        Mixing("SCOTOCHMIX", u_ch, "charged dark scalars: (eta_1-, eta_2-, phi-) = U h-",
               rows=("eta_1-", "eta_2-", "phi-"), columns=("h1-", "h2-", "h3-")),
        Mixing("SCOTOYN", y_n, "Y_N used (Block YNIN or Casas-Ibarra)",
               rows=("e", "mu", "tau"), columns=("eta_1", "eta_2")),
    ]
    data = {"sector": sector, "parameters": par, "Y_N": y_n, "Sigma": sigma, "m_nu": m_nu,
            "neutral": neutral, "charged_masses": m_ch, "U_charged": u_ch}
    if np.any(m_nu):
        params = nu.analyse(m_nu)
        mixings.append(Mixing("UPMNS", params.u, "PMNS from the one-loop m_nu (m_nu = U* m U^dagger)",
                              rows=("nu_e", "nu_mu", "nu_tau"), columns=("nu_1", "nu_2", "nu_3")))
        data["neutrino"] = params.as_dict()
    else:
        data["neutrino"] = {}
    return Spectrum(particles, mixings, data=data)


# ---------------------------------------------------------------------------
# contributions (the seed's Eq. (9) split) and the Δa_μ split
# ---------------------------------------------------------------------------
def coefficients_with_parts(spectrum: Spectrum, sm) -> dict:
    """quark_coefficients of the engine, storing spectrum.data["contributions"]:
    C9V_ℓ, C10V_ℓ = the ℓ boxes; C9U = photon + Z penguin, C10U = Z penguin (lepton universal);
    C9V_mu_minus_e = C9_bsmumu − C9_bsee (what a fit with C9_e = C9^U, C9_μ = C9^U + C9^V_μ sees)."""
    wcs = matching.spectrum_quark_coefficients(spectrum, sm)
    contrib = spectrum.data["contributions"]
    contrib["C9V_mu_minus_e"] = wcs.get("C9_bsmumu", 0j) - wcs.get("C9_bsee", 0j)
    contrib["C10V_mu_minus_e"] = wcs.get("C10_bsmumu", 0j) - wcs.get("C10_bsee", 0j)
    return wcs


def delta_a_mu_parts(sector: DarkSector, sm) -> dict[str, float]:
    """Δa_μ total, chirally enhanced (∝ M_N Re(l r*), i.e. ∝ M_N μ_a κ Y_N) and the rest."""
    total = engine.delta_a_lepton(sector, "mu", sm.m_mu)
    only_l = DarkSector(sector.fermions, sector.scalars, {"mu": sector.l("mu")}, {})
    only_r = DarkSector(sector.fermions, sector.scalars, {}, {"mu": sector.r("mu")})
    ll = engine.delta_a_lepton(only_l, "mu", sm.m_mu)
    rr = engine.delta_a_lepton(only_r, "mu", sm.m_mu)
    return {"Delta_a_mu": total, "Delta_a_mu_chiral": total - ll - rr,
            "Delta_a_mu_LL": ll, "Delta_a_mu_RR": rr}


# ---------------------------------------------------------------------------
# hooks
# ---------------------------------------------------------------------------
@hookimpl
def bridge_model_info() -> ModelInfo:
    return INFO


@hookimpl
def bridge_spectrum(inputs, sm) -> Spectrum:
    par = read_parameters(inputs)
    spectrum = spectrum_from_parameters(par, sm, inputs)
    spectrum.data["dipole_parts"] = delta_a_mu_parts(spectrum.data["sector"], sm)
    return spectrum


@hookimpl
def bridge_wilson_coefficients(spectrum, sm) -> dict:
    return coefficients_with_parts(spectrum, sm)


@hookimpl
def bridge_dipoles(spectrum, sm) -> dict:
    return matching.spectrum_lepton_dipoles(spectrum, sm)


@hookimpl
def bridge_neutrino_mass_matrix(spectrum) -> np.ndarray:
    return spectrum.data["m_nu"]
