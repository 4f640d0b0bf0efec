"""Constants of the dark-matter module that bridge.sm.SMInputs does not carry (GeV units).

Each value names its source; SMInputs (flavio's parameters) supplies G_F, s_W², m_W, m_Z and the
lepton, b, t masses, so these are only the extra inputs of freeze-out, direct detection and the
invisible widths.
"""

from __future__ import annotations

# --- cosmology (PDG 2024 Review, "Astrophysical constants and parameters", Table 2.1) ----------
#: Planck mass G_N^{-1/2} [GeV].
M_PLANCK = 1.220890e19
#: Present entropy density s_0/k [cm⁻³] (T_0 = 2.7255 K).
S0_CM3 = 2891.2
#: Critical density ρ_c/h² [GeV cm⁻³].
RHO_CRIT_H2_GEV_CM3 = 1.05371e-5
#: 1 GeV⁻² in cm³ s⁻¹ (ħ²c³/GeV²: 0.3893794e-27 cm² × c).
GEV2_TO_CM3_S = 0.3893794e-27 * 2.99792458e10
#: 1 GeV⁻² in cm² (ħc)² .
GEV2_TO_CM2 = 0.3893794e-27

# --- relic density measurement ----------------------------------------------------------------
#: Planck 2018 TT,TE,EE+lowE+lensing+BAO, Ω_c h² = 0.1200 ± 0.0012 (arXiv:1807.06209, Table 2,
#: last column: 0.11933 ± 0.00091 with BAO; the issue's 0.120 ± 0.001 is this rounded).
OMEGA_H2_PLANCK = 0.120
OMEGA_H2_PLANCK_ERR = 0.001

# --- SM masses and widths not in SMInputs (PDG 2024 summary tables) ----------------------------
M_HIGGS = 125.20
#: SM Higgs width (LHC Higgs WG, CERN Yellow Report 4, arXiv:1610.07922, m_h = 125.09: 4.088 MeV).
GAMMA_HIGGS_SM = 4.088e-3
GAMMA_Z = 2.4955
#: W width [GeV] (PDG 2024 summary table: 2.085 ± 0.042), in the s-channel W propagators.
GAMMA_W = 2.085
#: Top width [GeV] (PDG 2024 summary table, 1.42 +0.19 −0.15), in the s-channel top of F S → t V
#: where m_F + m_S < m_t puts its pole inside the physical region.
GAMMA_TOP = 1.42
#: Light-quark and charm masses used as kinematic masses in the final states (PDG 2024:
#: m_u, m_d, m_s MSbar at 2 GeV, m_c(m_c)); only thresholds and helicity suppression use them.
M_UP, M_DOWN, M_STRANGE, M_CHARM = 2.16e-3, 4.70e-3, 93.5e-3, 1.273
#: Strong coupling α_s(M_Z) (PDG 2024 world average), for the gluon final states.
ALPHA_S_MZ = 0.1180
#: Nucleon masses.
M_PROTON, M_NEUTRON = 0.93827209, 0.93956542
M_NUCLEON = {"p": M_PROTON, "n": M_NEUTRON}
