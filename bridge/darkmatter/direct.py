"""Direct detection: SI and SD cross sections per nucleon, LZ 2024 / XENONnT 2025 exclusion.

Two chains compute σ from the same couplings (:func:`quark_couplings`): the native tree-level
formulas below (:func:`native_cross_sections`, always available) and DirectDM (PyPI
``directdm``, Bishara, Brod, Grinstein, Zupan, arXiv:1708.02678; optional extra
``bridge-flavour[directdm]``), to which :mod:`.directdm_handover` hands the couplings — with a
compatibility layer for directdm 2.2.2 under current numpy and setuptools, documented there —
for its running from M_Z, heavy-quark thresholds and nucleon matching. :func:`direct_detection`
takes ``method`` "native", "directdm" or "auto" (DirectDM when installed and passing its
calibration check); ``bridge run`` uses "auto", scans the native formulas unless asked for "auto"
(``--direct-detection``; speed), fits the native formulas, and
:attr:`DirectResult.method` says which ran. Measured on the shipped cards (all candidates are
Majorana fermions or real scalars; tests/test_darkmatter_directdm.py): σ_SD identical to 1e-9;
σ_SI from Higgs exchange higher with DirectDM by 1.4% (proton) and 1.5% (neutron), from the
running of its gluonic operator α_s G G/(12π) between M_Z, m_b and 2 GeV (the top piece +2.6%,
the b piece +0.75%); with DirectDM's running off the two agree to 5e-4. For Z vector exchange of
a Dirac χ DirectDM's running (QED, weak double insertions, arXiv:1801.04240) lowers the
accidentally small proton coupling, σ_SI^p by ~33%; no shipped card has a Dirac candidate.

Effective Lagrangians (tree level, heavy mediators), L_eff = Σ_q [f_q χ̄χ q̄q + b_q χ̄γ^μχ q̄γ_μq
+ d_q χ̄γ^μγ5χ q̄γ_μγ5q] for a fermion candidate χ:

* Higgs exchange: f_q = y_χ m_q/(v m_h²), y_χ the scalar χχh coupling of the Lagrangian
  (Dirac: L ⊃ −h y_χ χ̄χ with y_χ = Re Y_11; Majorana: −½ h Re Y_11 χ̄χ, y_χ = ½ Re Y_11).
* Z exchange: L_eff = −(g/c_W)² J_χ·J_q/m_Z² (−J²/2m_Z² for J = (g/c_W)(J_χ + J_q)), giving
  b_q = −(g/c_W)² v_χ v_q/m_Z², d_q = −(g/c_W)² a_χ a_q/m_Z² with v = (z_L + z_R)/2,
  a = −(z_L − z_R)/2 (× ½ for a Majorana χ, whose current carries the ½ of a real field);
  v_q = T3/2 − Q s_W², a_q = −T3/2.
* Coloured dark scalar S coupled as q̄(l P_R + r P_L)χ S: L_eff = (q̄ l P_R χ)(χ̄ l* P_L q)/Δ
  + (l → r, P_R ↔ P_L), Fierzed with the anticommuting-field sign (−½), Δ = M_S² − (m_χ + m_q)²
  (Drees & Nojiri, Phys. Rev. D48 (1993) 3483; Jungman, Kamionkowski, Griest, Phys. Rept. 267
  (1996) 195, §7): d_q += (|l|² + |r|²)/(8Δ), b_q −= (|l|² + |r|²)/(8Δ) (Dirac only).
  The mixed-chirality scalar piece ∝ Re(l r*) and the twist-2 operators are not included.

Per nucleon (Jungman et al. Eqs. (7.30), (7.15), (7.34)-(7.36); Ellis, Ferstl, Olive,
hep-ph/0001005):

    f_N/m_N = Σ_{u,d,s} f_Tq^N f_q/m_q + (2/27) f_TG^N Σ_{c,b,t} f_q/m_q,  f_TG = 1 − Σ f_Tq,
    σ_SI^N = μ_N²/π (√κ f_N + b_N)²,  b_p = 2b_u + b_d, b_n = b_u + 2b_d,
    σ_SD^N = 3κ μ_N²/π |Σ_q d_q Δq^N|²,

with κ = 4 for Majorana χ (two Wick contractions) and 1 for Dirac χ (the vector b_N only for
Dirac). Scalar candidates: Higgs only (σ_SI = c_h² f_N'² μ² m_N²/(4π m_S² v² m_h⁴), c_h the hSS
vertex, f_N' = Σ f_Tq + (2/9) f_TG), plus Z vector exchange for complex scalars.

Nucleon inputs (DirectDM defaults, arXiv:1708.02678 and refs. there): σ_u^p = 17 MeV,
σ_d^p = 32 MeV, σ_u^n = 15 MeV, σ_d^n = 36 MeV, σ_s = 52.9 MeV (f_Tq = σ_q/m_N);
g_A = 1.2756, Δu + Δd = 0.440, Δs = −0.035.

Exclusion (:func:`exclusion`; curves, sources and interpolation in :mod:`.limits`):

* SI: the strongest of LZ 2024 (4.2 tonne-years, arXiv:2410.17036, HEPData ins2841863 v2) and
  XENONnT 2025 (arXiv:2502.18005) at the candidate's mass — LZ everywhere above 9 GeV (4-13×
  stronger) — against the xenon-weighted per-nucleon σ = ((54 √σ_p + 77 √σ_n)/131)².
* SD: XENONnT 2025's proton-only and neutron-only curves (LZ's SD tables are not shipped):
  ``sd_p_ratio`` = σ_SD^p/σ_lim^p, ``sd_n_ratio`` = σ_SD^n/σ_lim^n, and, because both curves
  come from the same xenon events, one combined ratio for the likelihood (Tovey, Gaitskell,
  Gondolo, Ramachers, Roszkowski, hep-ph/0005041, Sec. 3): the xenon SD amplitude is
  c_p a_p + c_n a_n, each curve assumes the other coupling zero, so σ_lim^N ∝ 1/c_N² and

      sd_ratio = (√sd_p_ratio + sign(a_p a_n) √sd_n_ratio)²,

  exact for one isotope with one momentum dependence; for xenon c_p/c_n > 0 in both ¹²⁹Xe and
  ¹³¹Xe (one-body ⟨S_p⟩/⟨S_n⟩ ≈ +0.03, and the two-body currents, which give the proton
  coupling its reach through the neutron spin, keep the sign: Klos, Menéndez, Gazit, Schwenk,
  arXiv:1304.7684), hence only sign(a_p a_n) enters. a_N = Σ_q d_q Δq^N from the native
  couplings (DirectDM's σ_SD agree with them to 1e-9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import constants as C
from bridge.darkmatter import limits
from bridge.errors import ModelError

SIGMA_Q = {"p": {"u": 17e-3, "d": 32e-3, "s": 52.9e-3}, "n": {"u": 15e-3, "d": 36e-3, "s": 52.9e-3}}
G_A, DU_PLUS_DD, DELTA_S = 1.2756, 0.440, -0.035
DELTA_Q = {"p": {"u": (G_A + DU_PLUS_DD) / 2, "d": (DU_PLUS_DD - G_A) / 2, "s": DELTA_S},
           "n": {"u": (DU_PLUS_DD - G_A) / 2, "d": (G_A + DU_PLUS_DD) / 2, "s": DELTA_S}}
M_NUCLEON = C.M_NUCLEON
LIGHT, HEAVY = ("u", "d", "s"), ("c", "b", "t")


@dataclass(frozen=True)
class Exclusion:
    """The 90% CL limits at the candidate's mass [cm²], the experiments that set them, and
    σ/limit (module docstring: which curves, the xenon-weighted SI σ, the combined SD ratio)."""

    si_limit: float
    si_ratio: float
    si_experiment: str
    sd_p_limit: float
    sd_n_limit: float
    sd_p_ratio: float
    sd_n_ratio: float
    sd_ratio: float
    sd_experiment: str


@dataclass
class DirectResult:
    """Cross sections per nucleon [cm²], the exclusion ratios (> 1: excluded; :class:`Exclusion`)
    and the chain that computed them (``method``: "native tree level" or "DirectDM <version>")."""

    sigma_si_p: float
    sigma_si_n: float
    sigma_sd_p: float
    sigma_sd_n: float
    exclusion: Exclusion
    method: str = "native tree level"


@dataclass
class QuarkCouplings:
    """The candidate's tree-level couplings to quarks, ready for the nucleon level (module
    docstring): what the native formulas and :mod:`.directdm_handover` both start from.

    Fermion χ (``kind`` "F"): L_eff = Σ_q [f_q χ̄χ q̄q + b_q χ̄γ^μχ q̄γ_μq + d_q χ̄γ^μγ5χ q̄γ_μγ5q]
    with the full operators (no ½ for a Majorana χ), ``f_over_m`` = f_q/m_q for u…t, ``b`` and
    ``d`` for u, d, s. Scalar S (``kind`` "S"): ``c_h`` the hSS vertex (L ⊃ −½ c_h h S² for a real
    S, −c_h h S*S for a complex one) and ``b`` the Z-exchange vector coefficients (complex S).
    """

    kind: str
    self_conjugate: bool
    mass: float
    f_over_m: dict = field(default_factory=dict)
    b: dict = field(default_factory=lambda: dict.fromkeys(LIGHT, 0.0))
    d: dict = field(default_factory=lambda: dict.fromkeys(LIGHT, 0.0))
    c_h: float = 0.0
    vev: float = 0.0
    m_h: float = 0.0


def exclusion(m: float, si_p: float, si_n: float, sd_p: float, sd_n: float, sd_sign: float) -> Exclusion:
    """Limits and ratios at mass m [GeV] of the per-nucleon cross sections [cm²]; ``sd_sign`` the
    sign of a_p a_n (module docstring). NaN where no shipped curve covers m."""
    si_limit, si_who = limits.strongest(limits.CURRENT["si"], m)
    sd_p_limit, p_who = limits.strongest(limits.CURRENT["sd_p"], m)
    sd_n_limit, n_who = limits.strongest(limits.CURRENT["sd_n"], m)
    # xenon: A ≈ 131, Z = 54 — compare the isospin-averaged per-nucleon cross section
    si_xe = ((54 * math.sqrt(si_p) + 77 * math.sqrt(si_n)) / 131) ** 2
    r_p, r_n = sd_p / sd_p_limit, sd_n / sd_n_limit
    combined = (math.sqrt(r_p) + math.copysign(1.0, sd_sign) * math.sqrt(r_n)) ** 2
    who = " / ".join(dict.fromkeys(w for w in (p_who, n_who) if w))
    return Exclusion(si_limit, si_xe / si_limit, si_who, sd_p_limit, sd_n_limit, r_p, r_n, combined, who)


def sd_amplitude_sign(c: QuarkCouplings) -> float:
    """sign(a_p a_n), a_N = Σ_q d_q Δq^N (+1 when either vanishes)."""
    a = [sum(c.d[q] * DELTA_Q[N][q] for q in LIGHT) for N in ("p", "n")]
    return -1.0 if a[0] * a[1] < 0 else 1.0


def lz_si_limit(m: float) -> float:
    """LZ 2024 90% CL SI limit per nucleon [cm²] at mass m [GeV], NaN below 9 GeV (:mod:`.limits`)."""
    return limits.LZ_2024_SI(m)


def _heavy_f(f_q_over_m: dict, nucleon: str) -> float:
    """f_N/m_N from the coefficients f_q/m_q (SVZ heavy-quark gluon term)."""
    m_n = M_NUCLEON[nucleon]
    ftq = {q: SIGMA_Q[nucleon][q] / m_n for q in LIGHT}
    ftg = 1 - sum(ftq.values())
    return sum(ftq[q] * f_q_over_m.get(q, 0.0) for q in LIGHT) \
        + 2 / 27 * ftg * sum(f_q_over_m.get(q, 0.0) for q in HEAVY)


def quark_couplings(sector, sm) -> QuarkCouplings:
    """The candidate's tree-level couplings to quarks (Higgs, Z and coloured-mediator exchange;
    module docstring for the formulas and their sources)."""
    from bridge.darkmatter.relic import candidate, dark_species

    chi = candidate(dark_species(sector))
    smc = A.SMCouplings.from_sm(sm)
    m = chi.mass
    i = chi.index
    out = QuarkCouplings(chi.kind, chi.self_conjugate, m, vev=smc.vev, m_h=smc.m_h)
    if chi.kind == "F":
        majorana = chi.self_conjugate
        if sector.higgs is not None:
            y = float(np.real(np.asarray(sector.higgs.fermion)[i, i])) * (0.5 if majorana else 1.0)
            for q in LIGHT + HEAVY:
                out.f_over_m[q] = y / (smc.vev * smc.m_h**2)
        if sector.z is not None:
            zl, zr = np.asarray(sector.z.left)[i, i], np.asarray(sector.z.right)[i, i]
            v_chi = 0.0 if majorana else float(np.real(zl + zr)) / 2
            a_chi = -float(np.real(zl - zr)) / 2 * (0.5 if majorana else 1.0)
            for q in LIGHT:
                gl, gr = smc.z_chiral(q)
                out.b[q] += -smc.g_z2 * v_chi * (gl + gr) / 2 / smc.m_z**2
                out.d[q] += -smc.g_z2 * a_chi * (-(gl - gr) / 2) / smc.m_z**2
        for q in LIGHT:
            l_q, r_q = sector.l(q)[i], sector.r(q)[i]
            for A_idx, S in enumerate(sector.scalars):
                c2 = abs(l_q[A_idx]) ** 2 + abs(r_q[A_idx]) ** 2
                if c2 == 0:
                    continue
                delta = S.mass**2 - (m + smc.mass[q]) ** 2
                out.d[q] += c2 / (8 * delta)
                if not majorana:
                    out.b[q] -= c2 / (8 * delta)
    else:
        out.c_h = float(np.real(np.asarray(sector.higgs.scalar)[i, i])) if sector.higgs is not None else 0.0
        z_s = 0.0
        if sector.z is not None and not chi.self_conjugate:
            z_s = float(np.real(np.asarray(sector.z.scalar)[i, i]))
        for q in ("u", "d"):
            out.b[q] = -smc.g_z2 * z_s * sum(smc.z_chiral(q)) / 2 / smc.m_z**2
    return out


def native_cross_sections(c: QuarkCouplings) -> dict:
    """σ_SI and σ_SD per proton and neutron [GeV⁻²] from the couplings at tree level, with the
    SVZ heavy-quark term (module docstring)."""
    result = {}
    m = c.mass
    for N in ("p", "n"):
        mn = M_NUCLEON[N]
        mu = m * mn / (m + mn)
        b_n = 2 * c.b["u"] + c.b["d"] if N == "p" else c.b["u"] + 2 * c.b["d"]
        if c.kind == "F":
            kappa = 4.0 if c.self_conjugate else 1.0
            f_n = mn * _heavy_f(c.f_over_m, N)
            a_n = sum(c.d[q] * DELTA_Q[N][q] for q in LIGHT)
            # scalar and vector exchange both give the NR operator 1 and add coherently
            result[f"si_{N}"] = mu**2 / math.pi * (math.sqrt(kappa) * f_n + b_n) ** 2
            result[f"sd_{N}"] = 3 * kappa * mu**2 / math.pi * a_n**2
        else:
            fprime = mn * _heavy_f(dict.fromkeys(LIGHT + HEAVY, 1.0), N)  # Σ f_Tq + 2/9 f_TG, × m_N
            si_h = c.c_h**2 * fprime**2 * mu**2 / (4 * math.pi * m**2 * c.vev**2 * c.m_h**4)
            result[f"si_{N}"] = si_h + mu**2 / math.pi * b_n**2
            result[f"sd_{N}"] = 0.0
    return result


def direct_detection(sector, sm, method: str = "native") -> DirectResult:
    """SI and SD cross sections per nucleon of the candidate (module docstring).

    ``method``: "native" (the tree-level formulas here), "directdm" (the couplings handed to
    DirectDM, :mod:`.directdm_handover`; raises ModelError when it cannot be used) or "auto"
    (DirectDM when it is installed and covers the candidate, else native; ``method`` of the
    result says which ran)."""
    from bridge.darkmatter import directdm_handover

    coup = quark_couplings(sector, sm)
    label = "native tree level"
    if method == "native":
        result = native_cross_sections(coup)
    elif method in ("directdm", "auto"):
        reason, result = directdm_handover.unavailable(coup), None
        if not reason:
            try:
                result = directdm_handover.cross_sections(coup)
                label = directdm_handover.label()
            except Exception as exc:  # DirectDM failing at this point: say so, never crash a run
                reason = f"DirectDM failed here: {type(exc).__name__}: {exc}"
        if reason and method == "directdm":
            raise ModelError(f"DirectDM cannot be used: {reason}")
        if reason:
            result = native_cross_sections(coup)
            label += " (DirectDM not used: " + " ".join(reason.split()) + ")"
    else:
        raise ValueError(f"unknown direct-detection method {method!r}")
    conv = C.GEV2_TO_CM2
    sigma = {k: result[k] * conv for k in ("si_p", "si_n", "sd_p", "sd_n")}
    excl = exclusion(coup.mass, **sigma, sd_sign=sd_amplitude_sign(coup))
    return DirectResult(sigma["si_p"], sigma["si_n"], sigma["sd_p"], sigma["sd_n"], excl, label)
