"""Model "scotogenic" (seed 001, PRD 107 035034): spectrum, neutrino masses, Casas–Ibarra,
engine vs closed formulas, limits, bad input, and the seed's benchmark (flavio-marked parts)."""

from __future__ import annotations

import math
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from legacy import scotogenic as legacy
from models import SM, model_evaluate

from bridge import engine, loops, matching
from bridge.card import parse_inputs, read_card
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.errors import InputError
from bridge.model import ModelInputs
from bridge_plugins import scotogenic as sc

CARD = Path(__file__).resolve().parents[1] / "cards" / "scotogenic.slha"
INFO = sc.DESCRIPTION.info()

#: flavio 2.7.1 default central values (SMInputs.from_flavio()), so that these tests need no
#: flavio; the benchmark's μ→eγ cancellation is tuned with exactly these.
V = SM.vev
TAU_MU_TREE = 192 * math.pi**3 / (SM.GF**2 * SM.m_mu**5)

# seed 001 Eqs. (2), (9): 1σ ranges
C9V_RANGE = (-0.55 - 0.47, -0.55 + 0.44)
C10V_RANGE = (0.49 - 0.41, 0.49 + 0.35)
CU_RANGE = (-0.35 - 0.38, -0.35 + 0.42)
DA_RANGE = (2.51e-9 - 0.59e-9, 2.51e-9 + 0.59e-9)
MEG = 4.2e-13


Y_S_SEED = (0.0, math.sqrt(0.6), math.sqrt(0.6))


def inputs(m_n=1000.0, m_eta=(550.0, 550.0), m_s=1000.0, m_phi=1000.0, lam5=2e-10, mu=(-1000.0, 1000.0),
           kappa=(0.0, 0.04, 0.0), y_s=Y_S_SEED, y_n=None, sin_theta=0.25, theta=0.0, ordering=1,
           osc=None):
    """ModelInputs as the core builds them (every declared entry filled in)."""
    lam = np.array(lam5) * np.ones(1) if np.ndim(lam5) else lam5 * np.eye(2)
    oscillation = {e.key: e.default for e in INFO.block("OSCILLATION").entries}
    oscillation.update(osc or {})
    values = {
        "MINPAR": {1: m_n, 2: m_eta[0], 3: m_eta[1], 4: m_s, 5: m_phi},
        "LAMBDA5IN": {(a + 1, b + 1): complex(lam[a, b]) for a in range(2) for b in range(2)},
        "MUIN": {i + 1: complex(x) for i, x in enumerate(mu)},
        "KAPPAIN": {i + 1: complex(x) for i, x in enumerate(kappa)},
        "YSIN": {i + 1: complex(x) for i, x in enumerate(y_s)},
        "YNIN": {(a, b): 0j for a in (1, 2, 3) for b in (1, 2)},
        "CASASIBARRA": {1: sin_theta, 2: theta, 3: float(ordering)},
        "OSCILLATION": oscillation,
    }
    if y_n is not None:
        values["YNIN"] = {(a + 1, b + 1): complex(y_n[a][b]) for a in range(3) for b in range(2)}
        values["CASASIBARRA"] = {1: 0.0, 2: 0.0, 3: 0.0}
    return ModelInputs(values, "test-card")


def spectrum_of(inp):
    """The pipeline's spectrum, with its evaluation and the model's quantities in ``data``."""
    ev = model_evaluate("scotogenic", inp, SM)
    sp = ev.spectrum
    par = sc.read_parameters(inp)
    masses = {p.name: p.mass for p in sp.particles}
    mixing = {m.name: m.matrix for m in sp.mixings}
    parts = ("Delta_a_mu_chiral", "Delta_a_mu_LL", "Delta_a_mu_RR")
    sp.data.update(
        evaluation=ev, contributions=ev.contributions, Y_N=sp.data["derived"]["Y_N"],
        Sigma=sc.loop_sigma(par.m_n, par.m_eta, par.lam5, V), m_nu=ev.neutrino_mass_matrix,
        parameters=par, U_charged=mixing["SCOTOCHMIX"],
        charged_masses=np.array([masses[f"h-_{k}"] for k in (1, 2, 3)]),
        dipole_parts={"Delta_a_mu": ev.one_loop["Delta_a_mu"], **{k: ev.contributions[k] for k in parts}})
    return sp


def br_mu_egamma(dipoles):
    return matching.br_mu_egamma_one_loop(dipoles.get("Cgamma_mue", 0j), dipoles.get("Cgamma_emu", 0j),
                                          SM, TAU_MU_TREE)


Y_TEST = [[0.3 + 0.1j, -0.2], [0.9, 0.4 - 0.3j], [-0.5, 0.7 + 0.2j]]


@pytest.fixture(scope="module")
def bench():
    """The card: inputs, spectrum, coefficients, dipoles (no flavio)."""
    inp = parse_inputs(read_card(CARD), INFO)
    spectrum = spectrum_of(inp)
    return inp, spectrum, spectrum.data["evaluation"].quark_coefficients, \
        spectrum.data["evaluation"].lepton_dipoles


# ---------------------------------------------------------------------------
# spectrum
# ---------------------------------------------------------------------------
def neutral_states(m_eta, lam):
    """Masses and W (η_a^{0*} = Σ_k W_ak S_k) of the model's neutral dark scalars."""
    sp = spectrum_of(inputs(m_eta=m_eta, lam5=lam, mu=(0.0, 0.0), y_n=Y_TEST))
    o = {m.name: m.matrix for m in sp.mixings}["SCOTOETA0MIX"]
    masses = np.array([sp.mass(f"eta0_{k}") for k in (1, 2, 3, 4)])
    return masses, (o[0::2] + 1j * o[1::2]) / math.sqrt(2)


def test_neutral_split_real_lambda5():
    lam = np.array([[2e-3, 5e-4], [5e-4, -1e-3]], complex)
    m, w = neutral_states((500.0, 700.0), lam)
    d = np.diag([500.0**2, 700.0**2])
    split = np.concatenate([np.linalg.eigvalsh(d + V**2 / 2 * lam.real),
                            np.linalg.eigvalsh(d - V**2 / 2 * lam.real)])
    assert np.allclose(m**2, np.sort(split), rtol=1e-14)
    assert np.allclose(w @ w.T, 0, atol=1e-15)  # η^0 η^0 has no λ5-free propagator
    assert np.allclose(w @ w.conj().T, np.eye(2), atol=1e-15)


def test_neutral_complex_lambda5_masses_are_nambu_eigenvalues():
    lam = np.array([[2e-3 + 1e-3j, 5e-4j], [5e-4j, -1e-3 + 2e-3j]])
    m, w = neutral_states((500.0, 700.0), lam)
    L = V**2 / 2 * lam
    d = np.diag([500.0**2, 700.0**2])
    nambu = np.block([[d, L.conj()], [L, d]])
    assert np.allclose(m**2, np.linalg.eigvalsh(nambu), rtol=1e-14)
    assert np.allclose(w @ w.T, 0, atol=1e-15)


def test_charged_mixing_diagonalises_and_decouples_at_mu_zero():
    mu = np.array([-1000.0, 1000.0 + 200j])
    sp = spectrum_of(inputs(m_eta=(550.0, 600.0), m_phi=900.0, mu=mu, y_n=Y_TEST))
    m = np.array([sp.mass(f"h-_{k}") for k in (1, 2, 3)])
    u = sp.data["U_charged"]
    m2 = legacy.charged_mass_matrix((550.0, 600.0), 900.0, mu, V)  # the Lagrangian's, by hand
    assert np.allclose(u @ np.diag(m**2) @ u.conj().T, m2, rtol=0, atol=1e-9 * m2.real.max())
    assert np.allclose(sp.data["mass_matrices"]["S-"], m2, rtol=1e-14)
    assert m2[0, 2] == pytest.approx(1000.0 * V / math.sqrt(2))  # −μ_1 v/√2
    sp0 = spectrum_of(inputs(m_eta=(550.0, 600.0), m_phi=900.0, mu=(0.0, 0.0), y_n=Y_TEST))
    m0 = [sp0.mass(f"h-_{k}") for k in (1, 2, 3)]
    assert np.allclose(m0, [550.0, 600.0, 900.0])
    assert np.allclose(np.abs(sp0.data["U_charged"]), np.eye(3))


def test_spectrum_output(bench):
    _, spectrum, _, _ = bench
    codes = [p.code for p in spectrum.particles]
    assert len(set(codes)) == len(codes) == 10 and all(9910000 < c < 9910100 for c in codes)
    assert {m.name for m in spectrum.mixings} == {"SCOTOETA0MIX", "SCOTOCHMIX", "SCOTOYN", "UPMNS"}
    spectrum.check()
    assert spectrum.mass("S(-1/3)") == 1010.0


def test_coupling_table_signs():
    """Engine couplings at μ = 0, real λ5 (physics.md §11.3; module docstring of the plugin)."""
    kappa = (0.01j, 0.04, -0.02)
    sp = spectrum_of(inputs(y_n=Y_TEST, mu=(0.0, 0.0), m_eta=(500.0, 600.0), kappa=kappa,
                            y_s=(0.1, 0.2 + 0.1j, 0.7)))
    sec, y = sp.sector, np.array(Y_TEST)
    names = [s.name for s in sec.scalars]
    h = {round(s.mass): i for i, s in enumerate(sec.scalars) if s.charge == -1.0}
    for al, lep in enumerate(("e", "mu", "tau")):
        assert sec.l(lep)[0, h[500]] == pytest.approx(y[al, 0].conjugate(), abs=1e-15)
        assert sec.l(lep)[0, h[600]] == pytest.approx(y[al, 1].conjugate(), abs=1e-15)
        assert sec.r(lep)[0, h[1000]] == pytest.approx(-np.conj(kappa[al]), abs=1e-15)
        # ν–N–S_k: l = −Σ_a (Y_N)^*_αa W_ak with η_a^{0*} = Σ_k W_ak S_k (real states S_k)
        nu_l = sec.l(("nu_e", "nu_mu", "nu_tau")[al])[0]
        o = {m.name: m.matrix for m in sp.mixings}["SCOTOETA0MIX"]
        w = (o[0::2] + 1j * o[1::2]) / math.sqrt(2)
        neutral = [names.index(f"eta0_{k}") for k in (1, 2, 3, 4)]
        assert np.allclose(nu_l[neutral], -y[al].conj() @ w, atol=1e-15)
        assert np.sum(np.abs(nu_l) ** 2) == pytest.approx(np.sum(np.abs(y[al]) ** 2), rel=1e-14)
    i_s = names.index("S(-1/3)")
    assert sec.l("s")[0, i_s] == -(0.2 + 0.1j) and sec.l("b")[0, i_s] == -0.7


# ---------------------------------------------------------------------------
# neutrino masses
# ---------------------------------------------------------------------------
def sigma_mpmath(m_n, m_eta, lam5, vev, dps=60):
    """Independent reference: diagonalise the real 4×4 M0² in mpmath, Σ = M_N/(16π²) Σ_k W W g(m_k²)."""
    with mp.workdps(dps):
        h, mn = mp.mpf(vev) ** 2 / 2, mp.mpf(m_n)
        m0 = mp.matrix(4, 4)
        for a in range(2):
            for b in range(2):
                lam = complex(lam5[a][b])
                dab = mp.mpf(m_eta[a]) ** 2 if a == b else 0
                m0[a, b] = dab + h * lam.real
                m0[a + 2, b + 2] = dab - h * lam.real
                m0[a, b + 2] = m0[a + 2, b] = -h * lam.imag
        e, q = mp.eigsy(m0)
        out = np.zeros((2, 2), complex)
        for a in range(2):
            for b in range(2):
                s = mp.mpc(0)
                for k in range(4):
                    g = e[k] * mp.log(e[k] / mn**2) / (e[k] - mn**2)
                    s += (q[a, k] + 1j * q[a + 2, k]) * (q[b, k] + 1j * q[b + 2, k]) / 2 * g
                out[a, b] = complex(mn / (16 * mp.pi**2) * s)
    return out


@pytest.mark.parametrize(("m_n", "m_eta", "lam5"), [
    (1000.0, (550.0, 550.0), 2e-10 * np.eye(2)),
    (1000.0, (491.4, 608.6), [[2e-10, 7e-11], [7e-11, 1e-10]]),
    (1000.0, (700.0, 650.0), [[1e-9j, 3e-10], [3e-10, 2e-10 - 1e-10j]]),
    (1000.0, (500.0, 1000.0), [[0.3, 0.1 + 0.2j], [0.1 + 0.2j, -0.2 + 0.05j]]),
    (800.0, (800.0, 800.0001), [[0.01, 0.002], [0.002, 0.03]]),
])
def test_sigma_exact_against_mpmath(m_n, m_eta, lam5):
    """Exact one-loop Σ (Daleckii–Krein form) vs a 60-digit diagonalisation in the real basis."""
    lam5 = np.asarray(lam5, complex)
    ref = sigma_mpmath(m_n, m_eta, lam5, V)
    got = sc.loop_sigma(m_n, np.array(m_eta), lam5, V)
    assert np.max(np.abs(got - ref)) < 2e-14 * np.max(np.abs(ref))


@pytest.mark.parametrize(("m_eta", "lam5"), [
    ((550.0, 550.0), 2e-10 * np.eye(2)),
    ((480.0, 620.0), [[2e-10, -7e-11], [-7e-11, 1.3e-10]]),
    ((300.0, 1500.0), [[1e-9, 4e-10], [4e-10, 1e-11]]),
])
def test_sigma_small_lambda5_is_seed_eq6(m_eta, lam5):
    """Seed Eq. (6) (including its a = b limit) is the exact result to O(λ5²) ~ 1e-20."""
    lam5 = np.asarray(lam5, complex)
    exact = sc.loop_sigma(1000.0, np.array(m_eta), lam5, V)
    eq6 = legacy.seed_eq6_sigma(1000.0, np.array(m_eta), lam5, V)
    assert np.max(np.abs(exact - eq6)) < 1e-13 * np.max(np.abs(eq6))


def test_complex_lambda5_enters_conjugated():
    """For L ⊃ −½ νᵀCm_ν ν the ⟨η^0η^0⟩ propagator carries λ5^*: Eq. (6) with λ5 → λ5^*."""
    lam5 = np.array([[1e-10 + 2e-10j, 3e-11j], [3e-11j, 2e-10]])
    exact = sc.loop_sigma(1000.0, np.array([550.0, 600.0]), lam5, V)
    eq6_conj = legacy.seed_eq6_sigma(1000.0, np.array([550.0, 600.0]), lam5.conj(), V)
    assert np.max(np.abs(exact - eq6_conj)) < 1e-13 * np.max(np.abs(exact))


def test_neutrino_mass_hook_with_direct_yukawa():
    inp = inputs(y_n=Y_TEST, lam5=[[2e-10, 1e-11], [1e-11, 3e-10]], m_eta=(500.0, 650.0))
    sp = spectrum_of(inp)
    m_nu = sp.data["m_nu"]
    y = np.array(Y_TEST)
    assert np.allclose(m_nu, y @ sp.data["Sigma"] @ y.T, rtol=1e-14, atol=0)
    info = sp.data["neutrino"]
    assert all(isinstance(v, float) for v in info.values())
    masses = sorted((info["m1_eV"], info["m2_eV"], info["m3_eV"]))
    assert masses[0] < 1e-12 * masses[2]  # Y_N is 3×2: rank 2
    assert np.allclose(m_nu, m_nu.T, rtol=0, atol=1e-30)


@pytest.mark.parametrize("ordering", [1, 2])
def test_casas_ibarra_round_trip_in_the_model(ordering):
    """Y_N from Block CASASIBARRA reproduces the oscillation inputs to 1e-10; lightest massless."""
    osc = {2: -2.45e-3, 4: 0.02225, 5: 0.578, 6: 1.58 * math.pi, 7: 1.1, 8: 2.9} if ordering == 2 \
        else {7: 2.0, 8: 5.5}
    sp = spectrum_of(inputs(osc=osc, ordering=ordering, m_eta=(480.0, 630.0),
                            lam5=[[2e-10, 3e-11], [3e-11, 1.5e-10]]))
    info = sp.data["neutrino"]
    full = {e.key: e.default for e in INFO.block("OSCILLATION").entries} | osc
    assert info["ordering"] == float(ordering)
    assert info["dm21_eV2"] == pytest.approx(full[1], rel=1e-10)
    assert info["dm31_eV2"] == pytest.approx(full[2], rel=1e-10)
    for key, entry in (("s12sq", 3), ("s13sq", 4), ("s23sq", 5)):
        assert info[key] == pytest.approx(full[entry], rel=1e-10)
    assert abs((info["delta_CP"] - full[6] + math.pi) % (2 * math.pi) - math.pi) < 1e-10
    lightest = info["m1_eV"] if ordering == 1 else info["m3_eV"]
    assert lightest < 1e-12 * max(info["m2_eV"], info["m3_eV"])
    if ordering == 1:  # α31 − α21 is the physical phase for m1 = 0
        phys = full[8] - full[7]
        assert abs((info["alpha31"] - phys + math.pi) % (2 * math.pi) - math.pi) < 1e-9
    else:
        assert abs((info["alpha21"] - full[7] + math.pi) % (2 * math.pi) - math.pi) < 1e-9
    assert np.linalg.matrix_rank(sp.data["m_nu"], tol=1e-12 * np.abs(sp.data["m_nu"]).max()) == 2


def test_casas_ibarra_theta_and_sin_theta_agree():
    a = spectrum_of(inputs(sin_theta=0.25)).data["Y_N"]
    b = spectrum_of(inputs(sin_theta=0.0, theta=math.asin(0.25))).data["Y_N"]
    assert np.allclose(a, b, rtol=1e-14)


def test_casas_ibarra_uses_the_eta_basis_for_diagonal_sigma():
    """λ5 ∝ 1 with split η masses: Σ diagonal, V = 1 (no re-ordering by size), so the rows of R
    refer to η_1, η_2 whichever Σ_a is larger (Y_N continuous across m_eta1 = m_eta2)."""
    y = [spectrum_of(inputs(m_eta=(550.0 + d, 550.0 - d))).data["Y_N"] for d in (-1e-6, 0.0, 1e-6)]
    assert np.allclose(y[0], y[1], rtol=1e-7) and np.allclose(y[2], y[1], rtol=1e-7)


# ---------------------------------------------------------------------------
# engine vs closed formulas
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("m_s", [500.0, 900.0, 999.0, 1000.0, 1001.0, 1500.0, 3000.0])
def test_bs_mixing_single_n_s(m_s):
    """CVLL = −((Y_S)_2(Y_S)_3^*)² [F(x,x) + 2G(x,x)]/(128π² M_N²), x = m_S²/M_N² (physics.md §6)."""
    y_s = (0.0, 0.7 + 0.2j, 0.9 - 0.1j)
    sp = spectrum_of(inputs(m_s=m_s, y_s=y_s))
    cvll = engine.box_bsbs(sp.sector, "L")
    x = (m_s / 1000.0) ** 2
    closed = -(y_s[1] * np.conj(y_s[2])) ** 2 * (loops.arnan_F(x, x) + 2 * loops.arnan_G(x, x)) \
        / (128 * math.pi**2 * 1000.0**2)
    if m_s == 1000.0:
        scale = abs(y_s[1] * y_s[2]) ** 2 * loops.arnan_F(1.0, 1.0) / (128 * math.pi**2 * 1e6)
        assert np.isfinite(cvll) and abs(cvll) < 1e-15 * scale
    else:
        assert cvll == pytest.approx(closed, rel=1e-11)


def test_bs_mixing_cancellation_needs_the_majorana_crossed_boxes():
    """At m_S = M_N the crossed boxes cancel the direct ones; a Dirac N would give F(1,1)/(128π²M²)."""
    sp = spectrum_of(inputs(m_s=1000.0))
    sec = sp.sector
    dirac = DarkSector((DarkFermion("N", 1000.0, 0.0, majorana=False),), sec.scalars, sec.left, sec.right)
    assert abs(engine.box_bsbs(sec)) < 1e-15 * abs(engine.box_bsbs(dirac))
    assert engine.box_bsbs(dirac) == pytest.approx(-0.36 / 3 / (128 * math.pi**2 * 1e6), rel=1e-12)
    wcs = sp.data["evaluation"].quark_coefficients
    assert abs(wcs.get("CVLL_bsbs", 0j)) < 1e-28


def test_c9_box_against_arnan_formula():
    """One lepton-side scalar (μ = 0, only η_1 couples to μ, κ = 0): C9 = −C10 =
    −𝒩 l_s l_b^* |l_μ|² [F(x_q, x_ℓ) + 2G(x_q, x_ℓ)]/(32πα M_N²) (physics.md §4.1)."""
    y_n = [[0, 0], [1.3 - 0.4j, 0], [0, 0]]
    y_s = (0.0, 0.8, 0.75 + 0.1j)
    sp = spectrum_of(inputs(y_n=y_n, mu=(0.0, 0.0), kappa=(0, 0, 0), m_s=1100.0, y_s=y_s))
    c = sp.data["contributions"]
    xq, xl = 1.1**2, 0.55**2
    closed = -SM.norm_bs * y_s[1] * np.conj(y_s[2]) * abs(y_n[1][0]) ** 2 \
        * (loops.arnan_F(xq, xl) + 2 * loops.arnan_G(xq, xl)) / (32 * math.pi * SM.alpha_e_bsll * 1e6)
    assert c["C9V_mu"] == pytest.approx(closed, rel=1e-11)
    assert c["C10V_mu"] == pytest.approx(-closed, rel=1e-11)
    assert c["C9V_e"] == 0 and c["C10U"] == 0


def test_penguins_and_dipoles_against_closed_forms():
    """C9^γ = (𝒩/3) l_s l_b^* J_S(x)/m_S², C7 = −(𝒩/12) l_s l_b^* f_N1(x)/m_S²,
    C8 = (𝒩/4) l_s l_b^* f_N1(x)/m_S², x = M_N²/m_S² (physics.md §11.3); Z penguin = 0."""
    y_s = (0.0, 0.8, 0.75 + 0.1j)
    sp = spectrum_of(inputs(y_s=y_s, m_s=1010.0))
    wcs = sp.data["evaluation"].quark_coefficients
    c = sp.data["contributions"]
    lslb = y_s[1] * np.conj(y_s[2])
    x, ms2 = (1000.0 / 1010.0) ** 2, 1010.0**2
    assert c["C9U_photon"] == pytest.approx(SM.norm_bs / 3 * lslb * loops.j_S(x) / ms2, rel=1e-12)
    assert wcs["C7_bs"] == pytest.approx(-SM.norm_bs / 12 * lslb * loops.f_N1(x) / ms2, rel=1e-12)
    assert wcs["C8_bs"] == pytest.approx(SM.norm_bs / 4 * lslb * loops.f_N1(x) / ms2, rel=1e-12)
    assert abs(c["C9U_Z"]) < 1e-15 * abs(c["C9U_photon"]) and abs(c["C10U"]) < 1e-15 * abs(c["C9U"])
    assert wcs["C9_bsee"] == pytest.approx(c["C9V_e"] + c["C9U"], rel=1e-14)


def test_bsnunu_real_scalars_equal_complex_eta0_at_small_lambda5():
    """The η_R, η_I decomposition (couplings −Y^*/√2 O_R, +iY^*/√2 O_I) reproduces the boxes of a
    complex η^0 with coupling −Y^* for all nine ν flavour pairs when λ5 → 0."""
    sp = spectrum_of(inputs(y_n=Y_TEST, m_eta=(500.0, 650.0), lam5=[[2e-10, 1e-10], [1e-10, 3e-10]]))
    sec = sp.sector
    y = np.array(Y_TEST)
    i_s = [s.name for s in sec.scalars].index("S(-1/3)")
    scalars = (sec.scalars[i_s], DarkScalar("eta1^0*", 500.0, 0.0), DarkScalar("eta2^0*", 650.0, 0.0))
    left = {q: np.concatenate([sec.l(q)[:, i_s:i_s + 1], np.zeros((1, 2))], axis=1)
            for q in ("d", "s", "b")}
    for al, name in enumerate(("nu_e", "nu_mu", "nu_tau")):
        left[name] = np.concatenate([[[0]], -y[al:al + 1].conj()], axis=1)
    ref = matching.semileptonic(DarkSector(sec.fermions, scalars, left, {}), SM)
    got = matching.semileptonic(sec, SM)
    for key in (k for k in ref if k.startswith("CL_bsnu")):
        assert got[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12 * abs(ref["CL_bsnumunumu"]))


def test_bsnunu_su2_relation_without_mixing():
    """μ = κ = 0: ν and e couple with the same |Y_N| to degenerate η components, so
    CL_bsν_ℓν_ℓ = C9^{box}_ℓ (physics.md §5)."""
    sp = spectrum_of(inputs(y_n=Y_TEST, mu=(0.0, 0.0), kappa=(0, 0, 0), m_eta=(500.0, 650.0)))
    wcs = sp.data["evaluation"].quark_coefficients
    c = sp.data["contributions"]
    for lep, nu_name in (("e", "nue"), ("mu", "numu"), ("tau", "nutau")):
        assert wcs[f"CL_bs{nu_name}{nu_name}"] == pytest.approx(c[f"C9V_{lep}"], rel=1e-9)


def test_delta_a_mu_mass_insertion_limit():
    """Small μ_a: the chirally enhanced part is linear in μ and equals the mass-insertion form
    (m_μ M_N/16π²) Re[κ_μ Σ_a (Y_N)_μa^* (−μ_a v/√2) F[m_a², m_φ²]], F(m²) = f_N2(M_N²/m²)/m²."""
    y_n, mu = np.array(Y_TEST), np.array([-1.0, 0.5])
    kappa = (0.0, 0.04 - 0.01j, 0.0)
    m_eta, m_phi = (500.0, 650.0), 900.0
    parts = [spectrum_of(inputs(y_n=Y_TEST, mu=s * mu, kappa=kappa, m_eta=m_eta,
                                m_phi=m_phi)).data["dipole_parts"] for s in (0, 1, 2)]
    assert abs(parts[0]["Delta_a_mu_chiral"]) < 1e-12 * abs(parts[1]["Delta_a_mu_chiral"])
    assert parts[2]["Delta_a_mu_chiral"] == pytest.approx(2 * parts[1]["Delta_a_mu_chiral"], rel=1e-5)

    def big_f(m2):
        return loops.f_N2(1e6 / m2) / m2

    total = 0j
    for a in range(2):
        dd = (big_f(m_eta[a] ** 2) - big_f(m_phi**2)) / (m_eta[a] ** 2 - m_phi**2)
        total += kappa[1] * np.conj(y_n[1, a]) * (-mu[a] * V / math.sqrt(2)) * dd
    insertion = SM.m_mu * 1000.0 / (16 * math.pi**2) * total.real
    assert parts[1]["Delta_a_mu_chiral"] == pytest.approx(insertion, rel=1e-5)


@pytest.mark.parametrize("mu", [(0.0, 0.0), (1e-4, -2e-4)])
def test_mu_to_e_gamma_matches_toma_vicente(mu):
    """μ_a → 0 (κ_e = 0): BR = 3(4π)³α/(4G_F²)|A_D|² (1 + m_e²/m_μ²) with
    A_D = Σ_a (Y_N)_ea^*(Y_N)_μa F2(M_N²/m_a²)/(2(4π)² m_a²), F2 = f_N1 (Toma, Vicente,
    arXiv:1312.2840, physics.md §7.2; the m_e² term is the engine's Cγ_emu ∝ m_e)."""
    m_eta = (500.0, 650.0)
    sp = spectrum_of(inputs(y_n=Y_TEST, mu=mu, m_eta=m_eta, kappa=(0, 0.04, 0.02)))
    br = br_mu_egamma(sp.data["evaluation"].lepton_dipoles)
    y = np.array(Y_TEST)
    a_d = sum(np.conj(y[0, a]) * y[1, a] * loops.f_N1(1e6 / m_eta[a] ** 2)
              / (2 * (4 * math.pi) ** 2 * m_eta[a] ** 2) for a in range(2))
    tv = 3 * (4 * math.pi) ** 3 * SM.alpha_e_0 / (4 * SM.GF**2) * abs(a_d) ** 2 \
        * (1 + (SM.m_e / SM.m_mu) ** 2)
    assert br == pytest.approx(tv, rel=1e-10 if mu == (0.0, 0.0) else 1e-3)


def test_delta_a_mu_engine_formula_at_benchmark(bench):
    """Δa_μ = Σ_k [(m_μ M_N/16π²) Re(κ_μ (Y_N)^*_μ·U_·k U_3k^*) f_N2 − (m_μ²/16π²)(|l|²+|r|²) f_N1]/M_k²."""
    _, sp, _, dip = bench
    y, u, m = sp.data["Y_N"], sp.data["U_charged"], sp.data["charged_masses"]
    kap = sp.data["parameters"].kappa[1]
    x = 1000.0**2 / m**2
    lk, rk = y[1].conj() @ u[:2], -np.conj(kap) * u[2]
    da = np.sum((SM.m_mu * 1000.0 / (16 * math.pi**2) * (kap * lk * u[2].conj()).real * loops.f_N2(x)
                 - SM.m_mu**2 / (16 * math.pi**2) * (abs(lk) ** 2 + abs(rk) ** 2) * loops.f_N1(x)) / m**2)
    assert matching.delta_a_from_c7(dip["C7_mumu"], SM.m_mu, SM) == pytest.approx(da, rel=1e-12)
    assert sp.data["dipole_parts"]["Delta_a_mu"] == pytest.approx(da, rel=1e-12)


# ---------------------------------------------------------------------------
# the seed's benchmark (cards/scotogenic.slha), one loop, no flavio
# ---------------------------------------------------------------------------
def test_benchmark_neutrino_data(bench):
    _, sp, _, _ = bench
    info = sp.data["neutrino"]
    assert info["dm21_eV2"] == pytest.approx(7.50e-5, rel=1e-10)
    assert info["dm31_eV2"] == pytest.approx(2.55e-3, rel=1e-10)
    assert (info["s12sq"], info["s13sq"], info["s23sq"]) == pytest.approx((0.318, 0.022, 0.574), rel=1e-10)
    assert info["delta_CP"] == pytest.approx(3.392920066, rel=1e-10)
    assert info["m1_eV"] < 1e-12 * info["m3_eV"]


def test_benchmark_dipoles_within_seed_ranges(bench):
    """Δa_μ in (2.51 ± 0.59)×10⁻⁹ and BR(μ→eγ) < 4.2×10⁻¹³ — with the open choices of the card."""
    _, sp, _, dip = bench
    da = sp.data["dipole_parts"]
    assert DA_RANGE[0] < da["Delta_a_mu"] < DA_RANGE[1]
    assert da["Delta_a_mu_chiral"] > 0.99 * da["Delta_a_mu"]  # the M_N μ κ Y_N term dominates
    assert br_mu_egamma(dip) < MEG


def test_benchmark_universal_coefficients_within_seed_range(bench):
    _, sp, _, _ = bench
    c = sp.data["contributions"]
    assert CU_RANGE[0] < c["C9U"].real < CU_RANGE[1] and CU_RANGE[0] < c["C10U"].real < CU_RANGE[1]
    assert -0.08 < c["C9V_mu"].real < -0.06  # what this implementation gives (seed: −0.55)


@pytest.mark.xfail(strict=True, reason="not reproduced: C9V_mu ≈ −0.068, C10V_mu ≈ +0.069 at the seed's "
                   "benchmark; Σ_a|(Y_N)_μa|² is fixed by the oscillation data for λ5 ∝ 1 and real θ")
def test_benchmark_c9v_c10v_within_seed_1sigma(bench):
    _, sp, _, _ = bench
    c = sp.data["contributions"]
    assert C9V_RANGE[0] < c["C9V_mu"].real < C9V_RANGE[1]
    assert C10V_RANGE[0] < c["C10V_mu"].real < C10V_RANGE[1]


def test_benchmark_mu_to_e_gamma_needs_the_tuned_open_choices():
    """With the seed's stated values but m_eta1 = m_eta2 = 550 GeV, no choice of Majorana phases
    brings BR(μ→eγ) below ~1e-7 (the cancellation needs the split η masses of the card)."""
    best = min(br_mu_egamma(spectrum_of(inputs(osc={7: 0.0, 8: a31})).data["evaluation"].lepton_dipoles)
               for a31 in np.linspace(0, 4 * math.pi, 60, endpoint=False))
    assert best > 5e-8


# ---------------------------------------------------------------------------
# bad input: one-line InputError naming block and entry
# ---------------------------------------------------------------------------
def card_variant(tmp_path, replace: dict[str, str], append: str = "") -> Path:
    text = CARD.read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "variant.slha"
    path.write_text(text + append)
    return path


def error_for(path):
    inp = parse_inputs(read_card(path), INFO)
    with pytest.raises(InputError) as info:
        model_evaluate("scotogenic", inp, SM, source=str(path))
    return info.value


ORDER_1 = "    3   1            # mass ordering"
ORDER_0 = "    3   0            # mass ordering"
SIN_025 = "    1   0.25         # sin(theta)"
SIN_0 = "    1   0.0          # sin(theta)"
LAMBDA_BLOCK = "    1  1   2.0E-10   # lambda5_11\n    1  2   0.0       # lambda5_12 (= lambda5_21)\n" \
               "    2  2   2.0E-10   # lambda5_22\n"


@pytest.mark.parametrize(("replace", "append", "block", "entry", "words"), [
    ({}, "Block YNIN\n  1 1 0.3\n", "YNIN", (1, 1), "not both"),
    ({ORDER_1: ORDER_0, SIN_025: SIN_0}, "", "YNIN", None, "not given"),
    ({LAMBDA_BLOCK: "    1  1   0.0\n"}, "", "LAMBDA5IN", (1, 1), "invertible Sigma"),
    ({LAMBDA_BLOCK: "    1  1   2.0E-10\n"}, "", "LAMBDA5IN", (2, 2), "invertible Sigma"),
    ({ORDER_1: ORDER_0}, "", "CASASIBARRA", 3, "ordering"),
    ({ORDER_1: ORDER_1.replace("1", "2", 1)}, "", "OSCILLATION", 2, "inverted ordering needs"),
    ({LAMBDA_BLOCK: "    1  2   1.0E-10\n    2  1   2.0E-10\n"}, "", "LAMBDA5IN", (2, 1), "symmetric"),
    ({"    2    1000.0      # mu_2": "    2    1.0E+6      # mu_2"}, "", "MUIN", 1, "tachyonic"),
    ({SIN_025: SIN_025.replace("0.25", "1.50")}, "", "CASASIBARRA", 1, "sin(theta)"),
    ({ORDER_1: "    2   0.3          # theta [rad]\n" + ORDER_1}, "", "CASASIBARRA", 2, "not both"),
])
def test_bad_input_is_one_located_error(tmp_path, replace, append, block, entry, words):
    path = card_variant(tmp_path, replace, append)
    err = error_for(path)
    assert (err.block, err.entry) == (block, entry)
    assert words in err.message and str(path) in str(err) and "\n" not in str(err)


def test_oscillation_block_without_casas_ibarra_is_an_error(tmp_path):
    path = card_variant(tmp_path, {ORDER_1: ORDER_0, SIN_025: SIN_0,
                                   "    4   0.02200      # sin^2 theta_13": "    4   0.0230"},
                        "Block YNIN\n  2 1 0.5\n")
    err = error_for(path)
    assert (err.block, err.entry) == ("OSCILLATION", 4)


# ---------------------------------------------------------------------------
# flavio: predictions at the benchmark, b→sγ, output round trip
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flavio_point():
    from bridge.plugins import get_plugin_manager
    from bridge.run import run_card

    pm = get_plugin_manager(autoload=False, plugins=[("scotogenic", sc)])
    return run_card(str(CARD), predictions=False, pm=pm)


def np_prediction(coefficients, obs, *args):
    import flavio

    from bridge.flavio_setup import make_wilson

    return flavio.np_prediction(obs, make_wilson(coefficients, 160.0), *args)


@pytest.mark.flavio
def test_benchmark_flavio_predictions(flavio_point):
    """Seed: compatible with b→sγ, B_s mixing, B→K(*)νν, MEG; explains (g−2)_μ (flavio's running)."""
    import flavio

    q, lep = flavio_point.quark_coefficients, flavio_point.lepton_dipoles
    bsg = np_prediction(q, "BR(B->Xsgamma)")
    assert abs(bsg - 3.49e-4) < 3 * math.hypot(0.19e-4, 0.23e-4)  # HFLAV (seed ref. [58]), flavio th.
    assert abs(bsg / flavio.sm_prediction("BR(B->Xsgamma)") - 1) < 0.005
    assert abs(np_prediction(q, "DeltaM_s") / flavio.sm_prediction("DeltaM_s") - 1) < 0.02
    assert np_prediction(q, "BR(B+->Knunu)") / flavio.sm_prediction("BR(B+->Knunu)") < 3.9
    assert np_prediction(q, "BR(B0->K*nunu)") / flavio.sm_prediction("BR(B0->K*nunu)") < 2.7
    assert 0.95 < np_prediction(q, "<Rmue>(B+->Kll)", 1.1, 6.0) < 0.99
    assert np_prediction(lep, "BR(mu->egamma)") < MEG
    da = np_prediction(lep, "a_mu") - flavio.sm_prediction("a_mu")
    assert DA_RANGE[0] < da < DA_RANGE[1]


@pytest.mark.flavio
def test_b_to_s_gamma_does_not_bound_ys_product(flavio_point):
    """At M_N ≈ m_S ≈ 1 TeV one-loop C7, C8 ∝ (Y_S)_2(Y_S)_3 move BR(B→X_sγ) by < 2% even for
    (Y_S)_2(Y_S)_3 = 3: the seed's b→sγ bound (Y_S)_2(Y_S)_3 ≲ 1 is not reproduced."""
    import flavio

    sm_value = flavio.sm_prediction("BR(B->Xsgamma)")
    q = flavio_point.quark_coefficients
    for product in (1.0, 3.0):
        scaled = {k: v * product / 0.6 for k, v in q.items() if k in ("C7_bs", "C7p_bs", "C8_bs", "C8p_bs")}
        assert abs(np_prediction(scaled, "BR(B->Xsgamma)") / sm_value - 1) < 0.02


@pytest.mark.flavio
def test_output_card_round_trip(flavio_point, tmp_path):
    """The written card (inputs echoed with defaults, mixing blocks) reads back to the same point."""
    from bridge.output import json_text, slha_text

    path = tmp_path / "out.slha"
    path.write_text(slha_text(flavio_point))
    json_text(flavio_point)  # finite, serialisable
    again = spectrum_of(parse_inputs(read_card(path), INFO))
    assert np.allclose(again.data["Y_N"], flavio_point.spectrum.data["derived"]["Y_N"], rtol=1e-7)
