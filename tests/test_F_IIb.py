"""Model F_IIb: couplings from the Lagrangian, limits, g−2 against the Feynman-parameter
integral, degenerate spectra, bad input, the benchmark card end to end.

The reference values are computed here from the charged mass matrix M of the Lagrangian
(L ⊃ −ψ̄_L M ψ_R, ψ = (Ψ^−, Ψ')) with matrix resolvents and scipy quadrature, without the
plugin's bi-unitary rotation: sums over mass eigenstates such as Σ_k U_R1k m_k U_L2k^* h(m_k²)
are matrix elements [h(M†M) M†]_12, so these tests check which of U_L/U_R goes with which
coupling as well as the engine's loop functions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from legacy import F_IIb as legacy_F_IIb
from models import SM, model, model_evaluate
from scipy import integrate

from bridge import card as cardmod
from bridge import matching
from bridge.errors import InputError
from bridge.model import ModelInputs

CARD = Path(__file__).resolve().parents[1] / "cards" / "F_IIb.slha"

#: flavio 2.7.1 central values (SMInputs.from_flavio()), fixed so that most tests need no flavio.

BENCH = dict(m_psi=600.0, m_psi_prime=900.0, m_phi_q=1200.0, m_phi_l=300.0, lam_l=0.5, lam_r=0.5,
             gamma_s=0.4, gamma_b=-0.375, gamma_l=2.15, gamma_e=-0.015)


def inputs(**kw) -> ModelInputs:
    p = {**BENCH, **kw}
    return ModelInputs({
        "MINPAR": {1: p["m_psi"], 2: p["m_psi_prime"], 3: p["m_phi_q"], 4: p["m_phi_l"],
                   5: p["lam_l"], 6: p["lam_r"]},
        "GAMMAQIN": {1: 0j, 2: complex(p["gamma_s"]), 3: complex(p["gamma_b"])},
        "GAMMALIN": {1: complex(p.get("gamma_l_e", 0.0)), 2: complex(p["gamma_l"]), 3: 0j},
        "GAMMAEIN": {1: 0j, 2: complex(p["gamma_e"]), 3: 0j}})


def evaluate(**kw):
    ev = model_evaluate("F_IIb", inputs(**kw), SM)
    return ev.spectrum, ev.quark_coefficients, ev.lepton_dipoles, ev.contributions


def mass_matrix(**kw) -> np.ndarray:
    p = {**BENCH, **kw}
    return legacy_F_IIb.charged_mass_matrix(p["m_psi"], p["m_psi_prime"], p["lam_l"], p["lam_r"], SM.vev)


def quad(f, a=0.0, b=None):
    """∫_a^b f; b = None means ∫_0^∞ via t = c u/(1 − u) (c = 10^6 GeV², the loop masses²)."""
    if b is None:
        c = 1e6

        def g(u):
            return f(c * u / (1 - u)) * c / (1 - u) ** 2 if u < 1 else 0.0

        val, _ = integrate.quad(g, 0.0, 1.0, epsabs=0.0, epsrel=1e-12, limit=400)
    else:
        val, _ = integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-12, limit=400)
    return val


# --------------------------------------------------------------------------------------------
# spectrum and couplings


def test_biunitary_diagonalises_and_codes_are_in_the_9920000_range():
    spectrum, *_ = evaluate()
    mm = spectrum.data["mass_matrices"]["F-"]
    mixings = {m.name: m.matrix for m in spectrum.mixings}
    u_l, u_r = mixings["FIIBUL"], mixings["FIIBUR"]
    m = np.array([spectrum.mass("F-_1"), spectrum.mass("F-_2")])
    assert np.allclose(u_l.conj().T @ mm @ u_r, np.diag(m), atol=1e-12 * m.max())
    # singular values = square roots of the eigenvalues of M†M
    assert np.sqrt(np.linalg.eigvalsh(mm.conj().T @ mm)) == pytest.approx(m, rel=1e-13)
    codes = [p.code for p in spectrum.particles]
    assert all(9920000 < c < 9930000 for c in codes) and len(set(codes)) == len(codes)
    assert spectrum.mass("Phi_l") < min(p.mass for p in spectrum.particles if p.name != "Phi_l")


def test_no_mixing_gives_the_gauge_eigenstates():
    spectrum, *_ = evaluate(lam_l=0.0, lam_r=0.0)
    sector = spectrum.sector
    assert [spectrum.mass("F-_1"), spectrum.mass("F-_2")] == pytest.approx([600.0, 900.0], rel=1e-15)
    # d_L and e_L couple to the doublet Ψ^− only, e_R to the singlet Ψ' only
    assert abs(sector.l("b")[0, 0]) == pytest.approx(0.375) and sector.l("b")[1, 0] == 0
    assert abs(sector.r("mu")[1, 1]) == pytest.approx(0.015) and sector.r("mu")[0, 1] == 0
    # the neutrino couples to Ψ^0 with Φ_ℓ, the quarks never to Φ_ℓ
    assert sector.l("nu_mu")[2, 1] == 2.15 and not np.any(sector.l("nu_mu")[:2])
    assert not np.any(sector.l("s")[:, 1])


def test_massless_charged_fermion_is_an_input_error():
    lam = 2.0 * 600.0 * 900.0 / SM.vev**2  # det M = M_Ψ M_Ψ' − λ_L λ_R v²/2 = 0
    with pytest.raises(InputError) as exc:
        evaluate(lam_l=lam, lam_r=1.0)
    assert exc.value.block == "MINPAR"


# --------------------------------------------------------------------------------------------
# limits


def test_no_mixing_no_chiral_enhancement():
    """λ_L = λ_R = 0: Δa_μ is only the m_μ² part, f_C1 for Ψ^− (Γ^L) and Ψ' (Γ^E)."""
    _, quark, dipoles, parts = evaluate(lam_l=0.0, lam_r=0.0)
    m_mu, ms = SM.m_mu, 300.0
    fc1 = [quad(lambda u, x=x: u * (1 - u) ** 2 / ((1 - u) * x + u), 0, 1)
           for x in ((600.0 / ms) ** 2, (900.0 / ms) ** 2)]
    expected = m_mu**2 / (16 * math.pi**2 * ms**2) * (2.15**2 * fc1[0] + 0.015**2 * fc1[1])
    assert parts["Delta_a_mu_one_loop"] == pytest.approx(expected, rel=1e-10)
    assert matching.delta_a_from_c7(dipoles["C7_mumu"], m_mu, SM) == pytest.approx(expected, rel=1e-12)
    # with mixing (benchmark λ) the chirally enhanced part is ~m_F/m_μ times larger
    no_mix = evaluate(lam_l=0.0, lam_r=0.0, gamma_e=1.0)[3]["Delta_a_mu_one_loop"]
    assert abs(evaluate(gamma_e=1.0)[3]["Delta_a_mu_one_loop"] / no_mix) > 100
    # no doublet–singlet mixing: the Z penguin vanishes (T3 conserved along the fermion line)
    assert abs(parts["C10_Z_penguin"]) < 1e-12 and abs(parts["C9_Z_penguin"]) < 1e-12  # roundoff
    assert abs(quark.get("CL_bsnumunumu", 0)) < 1e-12


@pytest.mark.parametrize("lam", [(0.5, 0.5), (0.0, 0.0), (1.2, -0.3)])
def test_c9_equals_minus_c10_from_boxes_when_gamma_e_vanishes(lam):
    _, quark, _, parts = evaluate(gamma_e=0.0, lam_l=lam[0], lam_r=lam[1])
    assert parts["C9_bsmumu_box"] == pytest.approx(-parts["C10_bsmumu_box"], rel=1e-14)
    box9 = quark["C9_bsmumu"] - parts["C9_photon_penguin"] - parts["C9_Z_penguin"]
    assert box9 == pytest.approx(parts["C9_bsmumu_box"], rel=1e-12)
    # Γ^E ≠ 0 breaks it through the LR box, which needs the doublet–singlet mixing
    # (quarks couple to Ψ^−, e_R to Ψ'): C9 + C10 = C_LR/N_F ∝ |Γ^E|² (U_R1a U_L2a^*)²
    _, _, _, p2 = evaluate(gamma_e=0.8, lam_l=lam[0], lam_r=lam[1])
    c_lr = p2["C9_bsmumu_box"] + p2["C10_bsmumu_box"]
    if lam == (0.0, 0.0):
        assert c_lr == 0
    else:
        assert abs(c_lr) > 1e-5 * abs(p2["C9_bsmumu_box"])


def test_sign_convention_c9_negative_needs_negative_gamma_s_gamma_b():
    """As for F_Ib: the engine's box has the opposite sign to the seed's printed class-F
    formula, so C9 < 0 comes with Γ_sΓ_b^* < 0; the photon penguin has the opposite sign."""
    _, quark, _, parts = evaluate()
    assert parts["C9_bsmumu_box"].real < 0 < parts["C9_photon_penguin"].real
    _, quark_flip, _, _ = evaluate(gamma_b=0.375)
    assert quark_flip["C9_bsmumu"].real > 0
    assert quark_flip["CVLL_bsbs"] == pytest.approx(quark["CVLL_bsbs"], rel=1e-14)


# --------------------------------------------------------------------------------------------
# against integrals built from the mass matrix


def resolvent(mm, t):
    """(t + M†M)^{-1} and (t + M M†)^{-1}."""
    one = np.eye(2)
    return (np.linalg.inv(t * one + mm.conj().T @ mm), np.linalg.inv(t * one + mm @ mm.conj().T))


@pytest.mark.parametrize("kw", [{}, {"lam_l": 1.1, "lam_r": -0.4, "gamma_e": 0.9},
                                {"m_psi": 1500.0, "m_psi_prime": 400.0, "m_phi_l": 350.0,
                                 "gamma_e": -0.7, "lam_l": -0.8, "lam_r": 0.0}])
def test_g_minus_2_against_feynman_parameter_integral(kw):
    """Neutral scalar + charged fermion F (photon on F), L = μ̄(C_S + C_P γ5) F φ + h.c.:

        Δa_μ = m_μ²/(8π²) ∫_0^1 dx [|C_S|²(x² − x³ + (m_F/m_μ) x²) + |C_P|²(x² − x³ − (m_F/m_μ) x²)]
               / [m_μ² x² + (m_F² − m_μ²) x + M_φ²(1 − x)]

    (Leveille, Nucl. Phys. B137 (1978) 63; Lindner, Platscher, Queiroz arXiv:1610.06587,
    neutral-scalar formula), with C_S = (l + r)/2, C_P = (l − r)/2 for μ̄(l P_R + r P_L)F.
    Summed over F_k with l_k = Γ^L (U_R)_1k, r_k = Γ^E (U_L)_2k this is a matrix function of M:
    Σ|l_k|² h(m_k²) = |Γ^L|² [h(M†M)]_11, Σ|r_k|² h = |Γ^E|² [h(MM†)]_22,
    Σ m_k l_k r_k^* h = Γ^L Γ^E* [h(M†M) M†]_12. The engine works at leading order in m_μ/M:
    with m_μ dropped from the denominator the two agree to 1e-8 (the brief's tolerance)."""
    p = {**BENCH, **kw}
    mm, ms, m_mu = mass_matrix(**kw), p["m_phi_l"], SM.m_mu
    gl, ge = p["gamma_l"], p["gamma_e"]

    def integrand(x, full):
        shift = (m_mu**2 * x * x - m_mu**2 * x) if full else 0.0
        a = np.linalg.inv(x * mm.conj().T @ mm + (ms**2 * (1 - x) + shift) * np.eye(2))
        b = np.linalg.inv(x * mm @ mm.conj().T + (ms**2 * (1 - x) + shift) * np.eye(2))
        no_flip = 0.5 * (abs(gl) ** 2 * a[0, 0].real + abs(ge) ** 2 * b[1, 1].real) * (x * x - x**3)
        flip = (gl * np.conj(ge) * (a @ mm.conj().T)[0, 1]).real * x * x / m_mu
        return no_flip + flip

    reference = m_mu**2 / (8 * math.pi**2) * quad(lambda x: integrand(x, False), 0, 1)
    full = m_mu**2 / (8 * math.pi**2) * quad(lambda x: integrand(x, True), 0, 1)
    engine = evaluate(**kw)[3]["Delta_a_mu_one_loop"]
    assert engine == pytest.approx(reference, rel=1e-8)
    assert engine == pytest.approx(full, rel=1e-5)  # the neglected O(m_μ²/M²)


def test_mu_to_e_gamma_scales_with_the_electron_coupling():
    """Γ^L_e ≠ 0: c_R^{eμ} = (Γ^L_e/Γ^L_μ) c_R^{μμ} up to the m_μ-suppressed terms, and
    BR(μ→eγ) = τ_μ m_μ³ |Cγ_mue|²/(4π); c_R^{μe} needs Γ^E_e (zero here) or m_e."""
    _, _, d0, parts = evaluate(gamma_l_e=1e-5)
    c_mumu = parts["Delta_a_mu_one_loop"] / (4 * SM.m_mu)  # Re c_R^{μμ}/e
    e0 = math.sqrt(4 * math.pi * SM.alpha_e_0)
    assert d0["Cgamma_mue"].real / e0 == pytest.approx(1e-5 / 2.15 * c_mumu, rel=1e-3)
    assert abs(d0.get("Cgamma_emu", 0)) < 1e-3 * abs(d0["Cgamma_mue"])  # ∝ m_e, no flip


ASYM = {"lam_l": 1.1, "lam_r": -0.4, "gamma_e": 0.9}  # M not symmetric: U_L ≠ U_R


@pytest.mark.parametrize("kw", [{"gamma_e": 0.9}, ASYM])
def test_boxes_against_resolvent_integrals(kw):
    """physics.md §4, §6 for Dirac fermions (direct boxes only), with the eigenstate sums as
    matrix elements: Σ_ab |U_R1a|²|U_R1b|² I_2 = ∫ t² [(t+M†M)^{-1}]_11² /((t+M_q²)(t+M_ℓ²)) dt,
    Σ_ab U_R1a U_L2a^* U_L2b U_R1b^* m_a m_b I_1 = ∫ t |[(t+M†M)^{-1} M†]_12|² /(...) dt."""
    p = {**BENCH, **kw}
    mm, mq2, ml2 = mass_matrix(**kw), p["m_phi_q"] ** 2, p["m_phi_l"] ** 2
    gsgb = p["gamma_s"] * p["gamma_b"]

    def ll(t):
        return t * t * resolvent(mm, t)[0][0, 0].real ** 2 / ((t + mq2) * (t + ml2))

    def lr(t):
        return t * abs((resolvent(mm, t)[0] @ mm.conj().T)[0, 1]) ** 2 / ((t + mq2) * (t + ml2))

    def bb(t):
        return t * t * resolvent(mm, t)[0][0, 0].real ** 2 / (t + mq2) ** 2

    loop = 16 * math.pi**2
    c_ll = -0.25 * gsgb * p["gamma_l"] ** 2 * quad(ll) / loop
    c_lr = -0.5 * gsgb * p["gamma_e"] ** 2 * quad(lr) / loop
    cvll = -0.125 * gsgb**2 * quad(bb) / loop
    two_nf = 2 * matching.n_f(SM)
    _, quark, _, parts = evaluate(**kw)
    assert parts["C9_bsmumu_box"] == pytest.approx((c_ll + c_lr) / two_nf, rel=1e-9)
    assert parts["C10_bsmumu_box"] == pytest.approx((c_lr - c_ll) / two_nf, rel=1e-9)
    assert quark["CVLL_bsbs"] == pytest.approx(cvll, rel=1e-9)
    assert cvll < 0  # constructive with the SM (physics.md §6)


@pytest.mark.parametrize("kw", [{}, ASYM])
def test_penguins_and_dipoles_against_integral_representations(kw):
    """Photon on F^− (Q = −1) and on Φ_q (Q = 2/3), gluon on Φ_q (physics.md §7.1, §8), with
    Σ_k |U_R1k|² f(m_k²/M_q²) = [f(M†M/M_q²)]_11 from the integral representations."""
    p = {**BENCH, **kw}
    mm, mq2 = mass_matrix(**kw), p["m_phi_q"] ** 2
    gsgb = p["gamma_s"] * p["gamma_b"]
    x_mat = mm.conj().T @ mm / mq2
    one = np.eye(2)

    def fn1(u):  # photon on the scalar: u(1−u)²/(1 − u + x u)
        return u * (1 - u) ** 2 * np.linalg.inv((1 - u) * one + u * x_mat)[0, 0].real

    def fc1(u):  # photon on the fermion: u(1−u)²/((1 − u) x + u)
        return u * (1 - u) ** 2 * np.linalg.inv((1 - u) * x_mat + u * one)[0, 0].real

    def js(u):
        return (1 - u) ** 3 / 6 * np.linalg.inv(u * x_mat + (1 - u) * one)[0, 0].real

    def jf(u):
        inv = np.linalg.inv((1 - u) * x_mat + u * one)
        return ((1 - u) ** 3 / 6 * (2 * inv + x_mat @ inv @ inv))[0, 0].real

    n = SM.norm_bs
    q_f, q_s = -1.0, 2.0 / 3.0
    c9_gamma = -n * gsgb * (q_f * quad(jf, 0, 1) + q_s * quad(js, 0, 1)) / mq2
    c7 = n / 4 * gsgb * (q_s * quad(fn1, 0, 1) - q_f * quad(fc1, 0, 1)) / mq2
    c8 = n / 4 * gsgb * quad(fn1, 0, 1) / mq2
    _, quark, _, parts = evaluate(**kw)
    assert parts["C9_photon_penguin"] == pytest.approx(c9_gamma, rel=1e-9)
    assert quark["C9_bsee"] == pytest.approx(c9_gamma + parts["C9_Z_penguin"], rel=1e-12)
    assert quark["C7_bs"] == pytest.approx(c7, rel=1e-9)
    assert quark["C8_bs"] == pytest.approx(c8, rel=1e-9)
    assert quark["C7p_bs"] == pytest.approx(SM.m_s / SM.m_b * c7, rel=1e-9)


@pytest.mark.parametrize("kw", [{}, ASYM, {"lam_l": 0.0, "lam_r": 0.9, "m_psi_prime": 500.0}])
def test_z_penguin_in_the_gauge_basis(kw):
    """physics.md §9 with the eigenstate sums written through the gauge-basis Z couplings
    G = diag(T3 − s²Q) = diag(−½ + s², s²) (same for L and R, vector-like) and the resolvent
    R = (t + M†M)^{-1}, using (u² ln u)[a,b,c] = ∫ [1/(t+1) − t²/Π(t+a_k)] dt and
    (u ln u)[a,b,c] = ∫ t/Π(t+a_k) dt:

        Y/(Γ_sΓ_b^*) = ∫ dt {−½ t² [R G R]_11/(t+M_q²) − t [R M† G M R]_11/(t+M_q²)
                             − ½ (g^S − g^d_L) t² R_11/(t+M_q²)²} − ¼ G_11 − ¾ (g^S − g^d_L),

    the 1/(t+1) terms cancelling by gauge invariance (½ G_11 + ½ g^S − ½ g^d_L = 0). The mass
    insertions (M† … M) pick the left-handed F couplings, the rest the right-handed ones."""
    p = {**BENCH, **kw}
    mm, mq2, s2 = mass_matrix(**kw), p["m_phi_q"] ** 2, SM.s2w
    g = np.diag([-0.5 + s2, s2])
    g_s, g_d = -2.0 / 3.0 * s2, -0.5 + s2 / 3.0

    def integrand(t):
        r = resolvent(mm, t)[0]
        return (-0.5 * t * t * (r @ g @ r)[0, 0].real / (t + mq2)
                - t * (r @ mm.conj().T @ g @ mm @ r)[0, 0].real / (t + mq2)
                - 0.5 * (g_s - g_d) * t * t * r[0, 0].real / (t + mq2) ** 2)

    y = p["gamma_s"] * p["gamma_b"] * (quad(integrand) - 0.25 * g[0, 0] - 0.75 * (g_s - g_d))
    _, _, _, parts = evaluate(**kw)
    c10_z = y / (8 * math.pi * SM.alpha_e_bsll * SM.lambda_t)
    assert parts["C10_Z_penguin"] == pytest.approx(c10_z, rel=1e-8)
    assert abs(c10_z) > 1e-4  # ∝ (doublet–singlet mixing)², not a roundoff zero


def test_which_coefficients_are_generated():
    """No right-handed quark couplings, no νν box, flavour-diagonal universal Z penguin."""
    _, quark, _, parts = evaluate(gamma_l_e=0.3)
    for name in ("C9p_bsmumu", "C10p_bsmumu", "CVRR_bsbs", "CVLR_bsbs", "CR_bsnumunumu",
                 "CL_bsnuenumu", "CL_bsnumunue"):
        assert name not in quark
    c10_z = parts["C10_Z_penguin"]
    assert c10_z != 0
    for nu in ("nue", "numu", "nutau"):
        assert quark[f"CL_bs{nu}{nu}"] == pytest.approx(c10_z, rel=1e-14)
    assert quark["C10_bstautau"] == pytest.approx(c10_z, rel=1e-14)
    assert parts["C9_Z_penguin"] == pytest.approx((4 * SM.s2w - 1) * c10_z, rel=1e-14)
    # electrons: box from Γ^L_e, so C9_bsee ≠ C9_bstautau
    assert quark["C9_bsee"] != pytest.approx(quark["C9_bstautau"], rel=1e-6)


# --------------------------------------------------------------------------------------------
# degenerate spectra


def _all_values(kw):
    _, quark, dipoles, parts = evaluate(**kw)
    keys = ("C9_bsmumu", "C10_bsmumu", "C9_bsee", "C7_bs", "C8_bs", "CVLL_bsbs", "C7_mumu")
    vals = {k: {**quark, **dipoles}.get(k, 0j) for k in keys}
    vals["C10_Z"] = parts["C10_Z_penguin"]
    return vals


def _charged_mass_1(m, lam):
    return m - lam * SM.vev / math.sqrt(2.0)  # M = [[m, δ], [δ, m]]: m ± δ


@pytest.mark.parametrize("kw", [
    # everything degenerate, no mixing
    dict(m_psi=700.0, m_psi_prime=700.0, m_phi_q=700.0, m_phi_l=700.0, lam_l=0.0, lam_r=0.0),
    # degenerate diagonal with mixing; scalars equal to each other and to the lighter F^−
    dict(m_psi=700.0, m_psi_prime=700.0, m_phi_q=_charged_mass_1(700.0, 0.4),
         m_phi_l=_charged_mass_1(700.0, 0.4), lam_l=0.4, lam_r=0.4),
    # scalars equal to the doublet mass, Ψ^0 = Φ
    dict(m_psi=800.0, m_psi_prime=800.0, m_phi_q=800.0, m_phi_l=800.0, lam_l=0.3, lam_r=0.0),
])
def test_degenerate_masses_are_finite_and_continuous(kw):
    exact = _all_values(kw)
    near = _all_values({k: v * (1 + 1e-6 * (i + 1)) if k.startswith("m_") else v
                        for i, (k, v) in enumerate(kw.items())})
    for key, value in exact.items():
        assert np.isfinite(value), key
        scale = max(abs(value), 1e-12 if key != "CVLL_bsbs" else 1e-25)
        assert abs(value - near[key]) <= 1e-4 * scale, key


# --------------------------------------------------------------------------------------------
# card input


def test_card_parses_with_comments_on_every_line():
    card = cardmod.read_card(CARD)
    inp = cardmod.parse_inputs(card, model("F_IIb").info())
    assert inp["MINPAR"] == {1: 600.0, 2: 900.0, 3: 1200.0, 4: 300.0, 5: 0.5, 6: 0.5}
    assert inp.vector("GAMMAQIN", 3)[1] * inp.vector("GAMMAQIN", 3)[2] == pytest.approx(-0.15)
    for line in CARD.read_text().splitlines():
        assert "#" in line, line


def _bad_card(tmp_path, old, new):
    text = CARD.read_text()
    assert old in text
    path = tmp_path / "bad.slha"
    path.write_text(text.replace(old, new))
    return cardmod.parse_inputs(cardmod.read_card(path), model("F_IIb").info())


def test_negative_mass_names_block_and_entry(tmp_path):
    with pytest.raises(InputError) as exc:
        _bad_card(tmp_path, "    4   300.0 ", "    4   -300.0 ")
    assert (exc.value.block, exc.value.entry) == ("MINPAR", 4)
    assert "Block MINPAR, entry 4" in str(exc.value)


def test_missing_minpar_entry_names_block_and_entry(tmp_path):
    line = next(ln for ln in CARD.read_text().splitlines() if ln.startswith("    3   1200.0"))
    with pytest.raises(InputError) as exc:
        _bad_card(tmp_path, line + "\n", "")
    assert (exc.value.block, exc.value.entry) == ("MINPAR", 3)
    assert "M_Phi_q" in str(exc.value)


# --------------------------------------------------------------------------------------------
# end to end with flavio


@pytest.fixture(scope="module")
def card_result():
    import bridge_plugins.F_IIb as plugin
    from bridge.plugins import get_plugin_manager
    from bridge.run import run_card

    pm = get_plugin_manager(autoload=False, plugins=[("F_IIb", plugin)])
    return run_card(str(CARD), pm=pm)  # default samples: shipped SM uncertainties, no draws


@pytest.mark.flavio
def test_card_runs_end_to_end(card_result):
    r = card_result
    assert r.model.name == "F_IIb" and not r.warnings
    # today's data pull against the benchmark (as for F_Ib): flagged, not warned about the card
    assert any(f.startswith("R_K [1.1,6]") for f in r.flags)
    q = r.quark_coefficients
    assert -0.5 < q["C9_bsmumu"].real < -0.4 and 0.4 < q["C10_bsmumu"].real < 0.5
    assert abs(q["C9_bsmumu"] + q["C10_bsmumu"]) < 0.05 * abs(q["C9_bsmumu"])
    assert r.one_loop["Delta_a_mu"] == pytest.approx(2.65e-9, rel=0.02)
    assert r.one_loop["BR_mu_egamma"] == 0.0
    # the same numbers as the plugin called directly with the fixed SM inputs
    assert q["C9_bsmumu"] == pytest.approx(evaluate()[1]["C9_bsmumu"], rel=1e-6)
    pred = {p.flavio_name: p for p in r.predictions}
    # flavio's a_mu includes the QED running of C7_mumu from 160 GeV (−5.5%, physics.md §1.4)
    assert pred["a_mu"].np == pytest.approx(0.945 * r.one_loop["Delta_a_mu"], rel=0.01)
    assert pred["<Rmue>(B+->Kll)"].np < 0.85


@pytest.mark.flavio
def test_card_bs_mixing_within_two_sigma(card_result):
    """ΔM_s with flavio's SM theory error (converged draws): the B_s-mixing bound on Γ_sΓ_b^*."""
    from bridge.observables import CORE_OBSERVABLES, predict

    spec = [s for s in CORE_OBSERVABLES if s.name == "DeltaM_s"]
    (dms,) = predict(card_result.coefficients, card_result.scale, specs=spec)
    assert dms.np > dms.sm  # constructive (Dirac fermions, real couplings)
    assert abs(dms.pull) < 2.0
