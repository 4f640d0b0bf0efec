"""Scotogenic dark loops with a leptoquark: neutrino masses, b→sℓℓ and (g−2)_μ (seed 001).

Model: Cepedello, Escribano, Vicente, "Neutrino masses, flavor anomalies, and muon g−2 from dark
loops", PRD 107 (2023) 035034 [seed 001; arXiv number not confirmed, possibly 2209.02730].
Dark (Z2-odd) fields, (SU(3), SU(2))_Y: Majorana singlet N (1,1)_0, two inert doublets
η_a = (η_a^+, η_a^0) (1,2)_{1/2}, a = 1, 2, a leptoquark doublet S = (S^{2/3}, S^{−1/3})
(3,2)_{1/6} and a charged singlet φ = φ^− (1,1)_{−1}. Seed Eqs. (4)-(5):

    −L ⊃ (Y_N)_{αa} N̄ ℓ_{Lα} η_a + (Y_S)_i q̄_{Li} S N + κ_α N̄^c e_{Rα} φ† + ½ M_N N̄^c N + h.c.,
    V  ⊃ ½ λ5^{ab} (H†η_a)(H†η_b) + μ_a H η_a φ + h.c.

SU(2) contractions (ε_12 = +1, the same ε in both places): ℓ_L·η = ν η^0 − e η^+,
H·η = H^+ η^0 − H^0 η^+, q̄_L S = ū_L S^{2/3} + d̄_L S^{−1/3}. N is a right-handed Weyl
field completed to a Majorana spinor, so N̄ ℓ_L = N̄ P_L ℓ and N̄^c e_R = N̄ P_R e.

Spectrum (H^0 = v/√2, v = (√2 G_F)^{−1/2}):

* η_a mass parameters: MINPAR 2, 3 are the masses m_{η_a} that the charged AND neutral
  components of η_a would have for λ5 = 0 and μ = 0, i.e. the potential's η mass matrix
  (including λ3 v²/2) is taken diagonal and λ4 = 0 (the seed gives neither). λ5 then splits
  η_a^0 = (η_{Ra} + i η_{Ia})/√2: with D = diag(m_{η_a}²) and λ5 = A + iB,
  V ⊃ ½ (η_R, η_I) M0² (η_R, η_I)ᵀ, M0² = [[D + v²A/2, −v²B/2], [−v²B/2, D − v²A/2]]
  (the full 2 × 2 problem; for real λ5 the CP-even/odd blocks D ± v²λ5/2 separate).
  Real orthogonal O: (η_R, η_I) = O ψ; then η^0 = W ψ with W = (O_top + i O_bottom)/√2.
* Charged: μ_a H η_a φ → −(μ_a v/√2) η_a^+ φ^− + h.c. In the basis Φ^− = (η_1^−, η_2^−, φ^−)
  (η_a^− ≡ (η_a^+)^*), V ⊃ Φ^{−†} M±² Φ^− with M±² = [[m_{η1}², 0, −μ_1 v/√2],
  [0, m_{η2}², −μ_2 v/√2], [−μ_1^* v/√2, −μ_2^* v/√2, m_φ²]] = U diag(m_k²) U†, Φ^− = U h^−.
* S^{2/3}, S^{−1/3}: degenerate, mass m_S. N: mass M_N > 0.

Couplings in the engine's form L ⊃ f̄ (l P_R + r P_L) F S + h.c. (bridge.engine; l couples the
left-handed SM fermion; derived from −L above by taking the h.c. of each term):

    d_{Li} – N – S^{−1/3}:  l = −(Y_S)_i
    e_{Lα} – N – h_k^−:     l = Σ_a (Y_N)*_{αa} U_{ak}
    e_{Rα} – N – h_k^−:     r = −κ_α^* U_{3k}
    ν_α – N – ψ_k (real):   l = −Σ_a (Y_N)*_{αa} W*_{ak}   (real λ5: −Y*/√2 O_R for η_R, +iY*/√2 O_I for η_I)

physics.md §11.3 has the same table. Hence l_s l_b^* = (Y_S)_2 (Y_S)_3^*, the combination the seed
calls (Y_S)_2 × (Y_S)_3. The N–S^{−1/3} box has the Majorana crossed diagrams; for one N and one S,
CVLL_bsbs = −((Y_S)_2(Y_S)_3^*)² [F(x,x) + 2G(x,x)]/(128π² M_N²), x = m_S²/M_N², which vanishes
at m_S = M_N (physics.md §6; Arnan, Crivellin, Fedele, Mescia, arXiv:1904.05890) — the reason for
the seed's "S and N degenerate". The chirally enhanced Δa_μ ∝ M_N Re(l r^*) needs both Y_N and κ
and the η^±–φ^± mixing (∝ μ_a); the same l_e r_μ^* product drives μ→eγ, hence the seed's small κ_2.
The model is a description (bridge.fields): the core builds spectrum, couplings, Z couplings
and all coefficients from it; this module adds only what is the model's own: the card's
Y_N (Block YNIN or Casas–Ibarra), λ5 with its symmetric off-diagonal entry, and the one-loop
neutrino mass matrix. (The Z penguin vanishes here: N is a singlet and S^{−1/3} has the
T3 − s_W²Q of d_L, physics.md §9.)

Neutrino masses (exact one loop). With the Nambu doublet Φ = (η^0, η^{0*}),
V ⊃ ½ Φ† 𝕄 Φ, 𝕄 = [[D, L^*], [L, D]], L = v²λ5/2, the ⟨η^0 η^{0ᵀ}⟩ propagator is the (1,2) block of
(p² − 𝕄)^{−1}; the N mass insertion gives, for L ⊃ −½ νᵀ C m_ν ν (the hook's convention),

    m_ν = Y_N Σ Y_Nᵀ,   Σ = (M_N/16π²) [g(𝕄)]_{12},   g(u) = u ln(u/M_N²)/(u − M_N²),

which for real λ5 is Σ = (M_N/32π²)[g(D + v²λ5/2) − g(D − v²λ5/2)] (physics.md §10.1, the
corrected 1/32π² of Merle–Platscher arXiv:1507.06314 [unverified]) and to first order in λ5
Σ_ab = (v² M_N/32π²) λ5^{ab*} g[m_a², m_b²] = seed Eq. (6) (the seed has λ5, not λ5^*: the same
for its real λ5; for complex λ5 a spurion count — λ5 carries the lepton-number charge of η^0η^0 —
requires the conjugate in the νᵀCν coefficient). The overall sign is the seed's; it is a
rephasing convention (ν → iν) with no effect on masses, angles or phases. Numerically Σ is
computed from the exact identity g(𝕄) − g(𝔻) = Σ_ij g[μ_i, d_j] P_i (𝕄 − 𝔻) Q_j (Daleckii–Krein,
𝔻 = diag(D, D)), which multiplies the exact 𝕄 − 𝔻 and so keeps full relative precision at
λ5 ~ 10⁻¹⁰, where g(D + L) − g(D − L) computed directly would lose ~5 digits.

Casas–Ibarra (seed Eqs. (7)-(8), with the inverse on D_√Σ, physics.md §10.2):
Y_Nᵀ = V D_Σ^{−1/2} R D_m^{1/2} U_PMNS†, Vᵀ Σ V = D_Σ (Takagi), R = ((0, c, −s), (0, s, c)) for
normal ordering (m1 = 0; the rank-2 Y_N makes the lightest neutrino massless); for inverted
ordering R = ((c, −s, 0), (s, c, 0)) (m3 = 0). Oscillation defaults: de Salas et al.,
JHEP 02 (2021) 071 (seed ref. [51]), normal-ordering best fit — see bridge.neutrino.

Input cards (every entry of a declared block is declared; the core fills absent blocks with the
defaults, so absence is recognised by value): Y_N comes either from Block YNIN (any non-zero
entry) or from Block CASASIBARRA (entry 3 ≠ 0); both or neither is an InputError. Block
OSCILLATION is read only with CASASIBARRA.

Benchmark notes (cards/scotogenic.slha, tests/test_scotogenic.py): for Σ = s·1 (λ5 ∝ 1, equal η
masses) and real θ, (Y_N Y_N†)_μμ = Σ_i m_i |U_μi|²/s (Rᵀ R = diag(0, 1, 1)), independent of θ and
of the Majorana phases; with s = 3.9e-11 GeV it is 0.8, so C9^V_μ ≈ −0.07 at the seed's
Eqs. (10)-(12), not the −0.55 it quotes. MEG is met only on a tuned surface (split η masses,
Majorana phases), see the card's header.

Block MASS codes: 9910001 N; 9910011-9910014 neutral dark scalars eta0_1..4 (mass-ordered
real states); 9910021-9910023 charged h-_1..3 (ascending); 9910031 S^{2/3}; 9910032 S^{−1/3}.
Mixing blocks: SCOTOETA0MIX (O, rows (η_a^{0*})_R, _I), SCOTOCHMIX (U, rows η_a^{+*}, φ^−),
SCOTOYN (the Y_N used), UPMNS (from the computed m_ν).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bridge import hookimpl, loops
from bridge import neutrino as nu
from bridge.errors import InputError
from bridge.fields import (
    Derived,
    Fermion,
    ModelDescription,
    Quartic,
    Scalar,
    Trilinear,
    Yukawa,
    flavour_couplings,
    mass,
    trilinear,
)
from bridge.model import BatchInputs, Entry, InputBlock
from bridge.repeats import distinct_points

_LOOP = 16.0 * math.pi**2
MINPAR = "MINPAR"
#: Block CASASIBARRA entry 3.
ORDERINGS = {1: "NO", 2: "IO"}
_OSC = nu.DE_SALAS_2021_NO

EXTRA_BLOCKS = (
    InputBlock("LAMBDA5IN", imaginary="IMLAMBDA5IN", required=False,
               description="lambda5^{ab}, symmetric; give (1,2) or (2,1) or both equal; default 0",
               entries=tuple(Entry((a, b), f"lambda5_{a}{b}", "", 0.0, kind="coupling")
                             for a in (1, 2) for b in (1, 2))),
    InputBlock("YNIN", imaginary="IMYNIN", required=False,
               description="(Y_N)_{alpha a}, N-bar l_alpha eta_a Yukawa; alternative to CASASIBARRA",
               entries=tuple(Entry((al, a), f"Y_N_{al}{a}", "", 0.0, kind="coupling")
                             for al in (1, 2, 3) for a in (1, 2))),
    InputBlock("CASASIBARRA", required=False,
               description="Y_N from oscillation data (seed Eqs. 7-8); alternative to YNIN", entries=(
                   Entry(1, "sin_theta", "", 0.0, description="sin(theta) of R; or give entry 2"),
                   Entry(2, "theta", "rad", 0.0, description="theta of R; or give entry 1"),
                   Entry(3, "ordering", "", 0.0,
                         description="1 normal (m1 = 0), 2 inverted (m3 = 0); 0 = block not used"),
               )),
    InputBlock("OSCILLATION", required=False,
               description="oscillation data for CASASIBARRA; defaults: de Salas et al. "
                           "JHEP 02 (2021) 071, normal-ordering best fit", entries=(
                   Entry(1, "Delta_m2_21", "eV^2", _OSC.dm21),
                   Entry(2, "Delta_m2_31", "eV^2", _OSC.dm31,
                         description="m3^2 - m1^2, negative for inverted ordering"),
                   Entry(3, "sin2_theta12", "", _OSC.s12sq),
                   Entry(4, "sin2_theta13", "", _OSC.s13sq),
                   Entry(5, "sin2_theta23", "", _OSC.s23sq),
                   Entry(6, "delta_CP", "rad", _OSC.delta),
                   Entry(7, "alpha21", "rad", _OSC.alpha21, description="Majorana phase (PDG)"),
                   Entry(8, "alpha31", "rad", _OSC.alpha31, description="Majorana phase (PDG)"),
               )),
)

Y_N = [Derived("Y_N", "(Y_N)_{alpha a}", (3, 2), column=a, block="SCOTOYN") for a in (0, 1)]
LAMBDA5 = {k: Derived(f"lambda5_{k}", f"lambda5^{k}", ()) for k in ("11", "22", "12")}

DESCRIPTION = ModelDescription(
    name="scotogenic",
    description="scotogenic dark sector N, eta_1,2, phi + leptoquark S (Cepedello-Escribano-Vicente)",
    fields=(
        Fermion("N", mass(MINPAR, 1, "M_N", "Majorana singlet mass"), majorana=True, symbol="N"),
        Scalar("eta1", mass(MINPAR, 2, "m_eta1", "eta_1 mass for lambda5 = mu = 0 (charged = "
                            "neutral, lambda4 = 0)"), su2=2, Y="1/2", symbol=r"\eta_1"),
        Scalar("eta2", mass(MINPAR, 3, "m_eta2", "eta_2 mass, as entry 2"), su2=2, Y="1/2",
               symbol=r"\eta_2"),
        Scalar("S", mass(MINPAR, 4, "m_S", "leptoquark doublet mass"), su2=2, Y="1/6", colour=3,
               symbol="S"),
        Scalar("phi", mass(MINPAR, 5, "m_phi", "charged singlet mass for mu = 0"), Y=-1,
               symbol=r"\phi"),
    ),
    # seed Eq. (4) is written in -L; N-bar l eta and N^c-bar e_R phi^+ as their conjugates
    yukawas=(
        Yukawa("Q", "N", "S", flavour_couplings("YSIN", "Y_S", "q_L-bar S N Yukawa"), sign=-1),
        Yukawa("L", "N", "eta1*", Y_N[0], sign=-1, conjugate=True),
        Yukawa("L", "N", "eta2*", Y_N[1], sign=-1, conjugate=True),
        Yukawa("E", "N", "phi", flavour_couplings("KAPPAIN", "kappa", "N^c-bar e_R phi^dagger Yukawa"),
               sign=-1, conjugate=True),
    ),
    mixings=(
        Trilinear(("H", "eta1", "phi"), trilinear("MUIN", 1, "mu_1", complex=True,
                                                  description="trilinear mu_a H eta_a phi")),
        Trilinear(("H", "eta2", "phi"), trilinear("MUIN", 2, "mu_2", complex=True,
                                                  description="trilinear mu_a H eta_a phi")),
        Quartic((("H*", "eta1"), ("H*", "eta1")), LAMBDA5["11"], factor=0.5),
        Quartic((("H*", "eta2"), ("H*", "eta2")), LAMBDA5["22"], factor=0.5),
        Quartic((("H*", "eta1"), ("H*", "eta2")), LAMBDA5["12"]),  # ½(λ5^12 + λ5^21)
    ),
    references=(
        "Cepedello, Escribano, Vicente, PRD 107 (2023) 035034 (seed 001)",
        "Casas, Ibarra, Nucl. Phys. B618 (2001) 171, hep-ph/0103065",
        "Toma, Vicente, JHEP 01 (2014) 160, arXiv:1312.2840",
        "de Salas et al., JHEP 02 (2021) 071, arXiv:2006.11237",
        "Arnan, Crivellin, Fedele, Mescia, JHEP 06 (2019) 118, arXiv:1904.05890",
    ),
    code=9910000, extra_blocks=EXTRA_BLOCKS,
    sector_names={"S0": "eta0", "S-": "h-"},
    mixing_blocks={"S0": "SCOTOETA0MIX", "S-": "SCOTOCHMIX"},
)


@dataclass
class Parameters:
    """Validated model parameters (GeV), Y_N either given or None (Casas–Ibarra)."""

    m_n: float
    m_eta: np.ndarray
    m_s: float
    m_phi: float
    lam5: np.ndarray
    mu: np.ndarray
    kappa: np.ndarray
    y_s: np.ndarray
    y_n: np.ndarray | None
    theta: float = 0.0
    ordering: str = "NO"
    oscillation: nu.OscillationData | None = None


def _err(message, inputs, block, entry=None):
    return InputError(message, file=getattr(inputs, "source", "") or None, block=block, entry=entry)


def read_parameters(inputs) -> Parameters:
    """Collect and check the card's inputs (consistency checks the core cannot do)."""
    minpar = inputs["MINPAR"]
    lam = inputs["LAMBDA5IN"]
    l12, l21 = complex(lam[(1, 2)]), complex(lam[(2, 1)])
    if l12 != 0 and l21 != 0 and abs(l12 - l21) > 1e-12 * max(abs(l12), abs(l21)):
        raise _err(f"lambda5 must be symmetric: (1,2) = {l12} but (2,1) = {l21}", inputs,
                   "LAMBDA5IN", (2, 1))
    off = l12 if l12 != 0 else l21
    lam5 = np.array([[lam[(1, 1)], off], [off, lam[(2, 2)]]], dtype=complex)
    y_n_in = inputs.matrix("YNIN", 3, 2)
    ci = inputs["CASASIBARRA"]
    order_key = ci[3]
    sin_t, theta_in = ci[1], ci[2]
    if order_key == 0:
        if sin_t != 0 or theta_in != 0:
            raise _err("Casas-Ibarra needs the mass ordering (1 normal, 2 inverted)", inputs,
                       "CASASIBARRA", 3)
        if not np.any(y_n_in):
            raise _err("Y_N is not given: give Block YNIN or Block CASASIBARRA", inputs, "YNIN")
        changed = [e.key for e in EXTRA_BLOCKS[3].entries
                   if inputs["OSCILLATION"][e.key] != e.default]
        if changed:
            raise _err("oscillation data are used only with Block CASASIBARRA", inputs,
                       "OSCILLATION", changed[0])
        y_n, theta, ordering, osc = y_n_in, 0.0, "NO", None
    else:
        if order_key not in ORDERINGS:
            raise _err(f"mass ordering must be 1 (normal) or 2 (inverted), got {order_key:g}",
                       inputs, "CASASIBARRA", 3)
        if np.any(y_n_in):
            first = next((a + 1, b + 1) for a in range(3) for b in range(2) if y_n_in[a, b] != 0)
            raise _err("give Y_N either in Block YNIN or through Block CASASIBARRA, not both",
                       inputs, "YNIN", first)
        if sin_t != 0 and theta_in != 0:
            raise _err("give sin(theta) (entry 1) or theta (entry 2), not both", inputs,
                       "CASASIBARRA", 2)
        if abs(sin_t) > 1:
            raise _err(f"|sin(theta)| must not exceed 1, got {sin_t:g}", inputs, "CASASIBARRA", 1)
        theta = math.asin(sin_t) if sin_t != 0 else theta_in
        ordering = ORDERINGS[int(order_key)]
        o = inputs["OSCILLATION"]
        osc = nu.OscillationData(dm21=o[1], dm31=o[2], s12sq=o[3], s13sq=o[4], s23sq=o[5],
                                 delta=o[6], alpha21=o[7], alpha31=o[8])
        fields = {"dm21": 1, "dm31": 2, "s12sq": 3, "s13sq": 4, "s23sq": 5}
        try:
            osc.check()
        except ValueError as exc:
            raise _err(str(exc).split(": ", 1)[1], inputs, "OSCILLATION",
                       fields[str(exc).split(":")[0]]) from None
        if osc.ordering != ordering:
            raise _err(f"{'inverted' if ordering == 'IO' else 'normal'} ordering needs "
                       f"Delta_m2_31 {'< 0' if ordering == 'IO' else '> 0'} (the defaults are the "
                       "normal-ordering best fit; inverted: -2.45e-3 eV^2, sin2_theta13 0.02225, "
                       "sin2_theta23 0.578, delta 1.58 pi)", inputs, "OSCILLATION", 2)
        y_n = None
    return Parameters(
        m_n=minpar[1], m_eta=np.array([minpar[2], minpar[3]]), m_s=minpar[4], m_phi=minpar[5],
        lam5=lam5, mu=inputs.vector("MUIN", 2), kappa=inputs.vector("KAPPAIN", 3),
        y_s=inputs.vector("YSIN", 3), y_n=y_n, theta=theta, ordering=ordering, oscillation=osc)



def loop_sigma(m_n, m_eta, lam5, vev) -> np.ndarray:
    """Σ (2 × 2, GeV) of m_ν = Y_N Σ Y_Nᵀ, exact one loop (module docstring); a batch with
    m_n (N,), m_eta (N, 2), lam5 (N, 2, 2) gives (N, 2, 2).

    Σ = (M_N/16π²) [Σ_ij g[μ_i, d_j] P_i 𝕃 Q_j]_{12} with 𝕄 = 𝔻 + 𝕃 = Σ μ_i P_i, 𝔻 = Σ d_j Q_j
    and g[·,·] = loops.scoto_kernel (the divided difference of physics.md §10.1).
    """
    m_n = np.asarray(m_n, dtype=float)
    m_eta, lam5 = np.asarray(m_eta, float), np.asarray(lam5, complex)
    if m_eta.ndim > 1 and lam5.ndim > 2 and _one_point(m_eta) and _one_point(lam5):
        # no point of the batch changes 𝕄 (a scan of M_N, m_S): one eigensystem for all of
        # them, and 𝕄 built for one point (the inputs compared, not the 4n² entries of 𝕄)
        m_eta, lam5 = m_eta[:1], lam5[:1]
    d2 = m_eta**2
    n = d2.shape[-1]
    big_l = 0.5 * vev**2 * lam5
    pert = np.zeros((*d2.shape[:-1], 2 * n, 2 * n), complex)
    pert[..., :n, n:] = big_l.conj()
    pert[..., n:, :n] = big_l
    dd = np.concatenate([d2, d2], axis=-1)
    nambu = pert + dd[..., :, None] * np.eye(2 * n)
    mu2, u = np.linalg.eigh(nambu)
    if np.any(mu2 <= 0):
        raise ValueError("tachyonic neutral dark scalar")
    # 𝔻 repeats D: the kernel on its n distinct entries, spread to both halves
    half = loops.scoto_kernel(mu2[..., :, None], d2[..., None, :], (m_n**2)[..., None, None])
    kern = np.concatenate([half, half], axis=-1)
    x = u @ (kern * (np.swapaxes(u, -1, -2).conj() @ pert))
    sigma = m_n[..., None, None] / _LOOP * x[..., :n, n:]
    return 0.5 * (sigma + np.swapaxes(sigma, -1, -2))  # symmetric exactly; the asymmetry is rounding


def _one_point(x: np.ndarray) -> bool:
    """The batch (first axis) of ``x`` holds one value (equal bits at every point)."""
    return np.array_equal(x, np.broadcast_to(x[:1], x.shape))


def yukawa_from_casas_ibarra(sigma, par: Parameters, inputs=None) -> np.ndarray:
    """Y_N (3 × 2) from seed Eq. (7) with the inverse on D_√Σ (bridge.neutrino.casas_ibarra)."""
    osc = par.oscillation
    r = nu.rank2_r(par.theta, par.ordering)
    try:
        return nu.casas_ibarra(sigma, nu.light_masses(osc), nu.pmns_from_data(osc), r)
    except nu.SingularSigma as exc:
        k = int(np.argmax(np.abs(exc.null_vector))) + 1
        raise _err(f"Casas-Ibarra (Block CASASIBARRA) needs an invertible Sigma of seed Eq. (7), "
                   f"but {exc}: lambda5 (with the eta masses) leaves a combination of the eta_a "
                   f"without a neutrino-mass loop", inputs, "LAMBDA5IN", (k, k)) from None


def derived_point(inputs, sm) -> dict:
    """λ5 and Y_N of one point (InputError for inconsistent inputs)."""
    par = read_parameters(inputs)
    if par.y_n is None:
        try:
            sigma = loop_sigma(par.m_n, par.m_eta, par.lam5, sm.vev)
        except ValueError as exc:
            raise _err(f"{exc}: m_eta_a^2 - v^2 |lambda5|/2 must stay positive", inputs,
                       "LAMBDA5IN", (1, 1)) from None
        y_n = yukawa_from_casas_ibarra(sigma, par, inputs)
    else:
        y_n = par.y_n
    return {"Y_N": y_n, "lambda5_11": par.lam5[0, 0], "lambda5_22": par.lam5[1, 1],
            "lambda5_12": par.lam5[0, 1]}


#: Key of Σ in the derived parameters of a batch (not a model parameter: a computed intermediate).
_SIGMA = "_sigma"

#: Entries that change which inputs are read or how (checked point by point if they vary).
_STRUCTURAL = ("YNIN", "CASASIBARRA", "OSCILLATION")


@hookimpl
def bridge_derived_parameters(inputs, sm) -> dict:
    if not isinstance(inputs, BatchInputs):
        return derived_point(inputs, sm)
    varies = {b for b in inputs for v in inputs[b].values() if np.ndim(v)}
    lam = inputs["LAMBDA5IN"]
    if varies & set(_STRUCTURAL) or np.ndim(lam[(1, 2)]) or np.ndim(lam[(2, 1)]):
        points = [derived_point(inputs.point(i), sm) for i in range(inputs.size)]
        return {k: np.stack([np.asarray(p[k]) for p in points]) for k in points[0]}
    # the card's structure is that of point 0; what varies are masses and couplings
    par = read_parameters(inputs.point(0))
    n = inputs.size
    minpar = inputs["MINPAR"]
    lam5 = np.broadcast_to(np.asarray(par.lam5, complex), (n, 2, 2)).copy()
    lam5[:, 0, 0] = lam[(1, 1)]
    lam5[:, 1, 1] = lam[(2, 2)]
    out = {"lambda5_11": lam5[:, 0, 0], "lambda5_22": lam5[:, 1, 1], "lambda5_12": lam5[:, 0, 1]}
    if par.y_n is not None:
        return {**out, "Y_N": np.broadcast_to(par.y_n, (n, 3, 2))}
    m_n = np.broadcast_to(np.asarray(minpar[1], float), (n,))
    m_eta = np.stack([np.broadcast_to(np.asarray(minpar[k], float), (n,)) for k in (2, 3)], -1)
    # a grid scan repeats each value of M_N, m_eta, lambda5 (Sigma and Y_N depend on no other
    # input): each distinct point once, the same numbers spread to its repetitions
    varying = [x for x in (m_n, m_eta[:, 0], m_eta[:, 1], *lam5.reshape(n, 4).T)
               if not _one_point(x)]
    pick = distinct_points(varying, n) if varying else (np.zeros(1, int), np.zeros(n, int))
    first, spread = pick if pick is not None else (slice(None), slice(None))
    try:
        sigma = loop_sigma(m_n[first], m_eta[first], lam5[first], sm.vev)
        osc = par.oscillation
        y_n = nu.casas_ibarra_batch(sigma, nu.light_masses(osc), nu.pmns_from_data(osc),
                                    nu.rank2_r(par.theta, par.ordering))
        sigma, y_n = sigma[spread], y_n[spread]
    except ValueError:  # a tachyonic or singular point: each point alone, with its message
        points = [derived_point(inputs.point(i), sm) for i in range(inputs.size)]
        return {k: np.stack([np.asarray(p[k]) for p in points]) for k in points[0]}
    # Sigma goes along to bridge_neutrino_mass_matrix, which would compute it again
    return {**out, "Y_N": y_n, _SIGMA: sigma}


@hookimpl
def bridge_model_description() -> ModelDescription:
    return DESCRIPTION


@hookimpl
def bridge_neutrino_mass_matrix(spectrum, inputs, sm) -> np.ndarray:
    """m_ν = Y_N Σ Y_Nᵀ (exact one loop, module docstring)."""
    derived = spectrum.data["derived"]
    minpar = inputs["MINPAR"]
    lam = [np.asarray(derived[f"lambda5_{k}"], complex) for k in ("11", "12", "22")]
    y_n = np.asarray(derived["Y_N"], complex)
    batch = np.broadcast_shapes(*(np.shape(minpar[k]) for k in (1, 2, 3)),
                                *(np.shape(x) for x in lam), y_n.shape[:-2])
    sigma = derived.get(_SIGMA)
    if sigma is None or np.shape(sigma) != (*batch, 2, 2):  # (the inputs of Σ built only here)
        m_n = np.broadcast_to(np.asarray(minpar[1], float), batch)
        m_eta = np.stack([np.broadcast_to(np.asarray(minpar[k], float), batch) for k in (2, 3)],
                         axis=-1)
        lam11, lam12, lam22 = (np.broadcast_to(x, batch) for x in lam)
        lam5 = np.stack([np.stack([lam11, lam12], -1), np.stack([lam12, lam22], -1)], axis=-2)
        sigma = loop_sigma(m_n, m_eta, lam5, sm.vev)
    m_nu = y_n @ sigma @ np.swapaxes(y_n, -1, -2)
    return 0.5 * (m_nu + np.swapaxes(m_nu, -1, -2))
