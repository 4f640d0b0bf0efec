"""Model F_Ib: spectrum, engine vs the seed's closed formulas (arXiv:2104.03228), limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from legacy import F_Ib as legacy_F_Ib
from models import model, model_spectrum

from bridge import matching
from bridge.linalg import takagi
from bridge.model import ModelInputs

pytestmark = pytest.mark.flavio

G = math.sqrt(0.15)


def inputs(m_psi=200.0, m_psi_prime=1000.0, m_phi_q=1500.0, m_phi_l=800.0, lam_l=0.5, lam_r=0.3,
           gamma_l=1.5, gamma_e=0.5):
    return ModelInputs({
        "MINPAR": {1: m_psi, 2: m_psi_prime, 3: m_phi_q, 4: m_phi_l, 5: lam_l, 6: lam_r},
        "GAMMAQIN": {1: 0j, 2: G + 0j, 3: G + 0j},
        "GAMMALIN": {1: 0j, 2: complex(gamma_l), 3: 0j},
        "GAMMAEIN": {1: 0j, 2: complex(gamma_e), 3: 0j}})


def box_parts(inp, sm):
    spectrum = model_spectrum("F_Ib", inp, sm)
    parts = {}
    matching.quark_coefficients(spectrum.sector, sm, parts)
    return spectrum, parts["C9_bsmumu_box"], parts["C10_bsmumu_box"]


def real_basis(inp, sm):
    """Signed masses and real orthogonal V of the (real) mass matrix, as the seed uses them."""
    mm = legacy_F_Ib.neutral_mass_matrix(*(inp["MINPAR"][k] for k in (1, 2, 5, 6)), sm.vev).real
    eig, vec = np.linalg.eigh(mm)
    order = np.argsort(np.abs(eig))
    return eig[order], vec[:, order]


def test_takagi_gives_positive_masses_and_diagonalises(sm):
    spectrum = model_spectrum("F_Ib", inputs(), sm)
    mm = spectrum.data["mass_matrices"]["F0"]
    v = spectrum.mixings[0].matrix
    m = np.array([spectrum.mass(f"F0_{j}") for j in (1, 2, 3)])
    assert np.all(m > 0) and np.all(np.diff(m) >= 0)
    assert np.allclose(v.T @ mm @ v, np.diag(m), atol=1e-10 * m.max())
    assert np.allclose(v.conj().T @ v, np.eye(3), atol=1e-13)


def test_seed_eq6_needs_m_psi_prime_in_23_entries(sm):
    """With λ = 0 the states are Ψ (M_Ψ) and the Dirac pair Ψ'^0 (M_Ψ' twice): only true with
    M_Ψ' in the (2,3) entries; the printed M_Ψ there would give M_Ψ three times."""
    spectrum = model_spectrum("F_Ib", inputs(lam_l=0.0, lam_r=0.0), sm)
    masses = [spectrum.mass(f"F0_{j}") for j in (1, 2, 3)]
    assert masses == pytest.approx([200.0, 1000.0, 1000.0], rel=1e-14)


def test_engine_is_minus_printed_seed_formula_without_mixing(sm):
    """No mixing: only i = j = 1 contributes, where D̃ = D; the engine equals the printed
    δC9, δC10 of the seed with the opposite overall sign (the sign convention of F_Ib)."""
    inp = inputs(lam_l=0.0, lam_r=0.0)
    _, c9, c10 = box_parts(inp, sm)
    masses, v = real_basis(inp, sm)
    seed9, seed10 = legacy_F_Ib.seed_delta_c9_c10(masses, v, G, G, 1.5, 0.5, 1500.0, 800.0, sm)
    assert c9 == pytest.approx(-seed9, rel=1e-10)
    assert c10 == pytest.approx(-seed10, rel=1e-10)


def test_engine_equals_corrected_seed_formula_with_mixing(sm):
    """With mixing the engine equals the seed's structure with D̃(x,y,z; m_i/m_j) (signed
    masses) and the opposite sign; the printed D differs for i ≠ j by about 1% here."""
    inp = inputs()
    _, c9, c10 = box_parts(inp, sm)
    masses, v = real_basis(inp, sm)
    fixed9, fixed10 = legacy_F_Ib.seed_delta_c9_c10(masses, v, G, G, 1.5, 0.5, 1500.0, 800.0, sm,
                                             corrected=True)
    assert c9 == pytest.approx(fixed9, rel=1e-9)
    assert c10 == pytest.approx(fixed10, rel=1e-9)
    printed9, _ = legacy_F_Ib.seed_delta_c9_c10(masses, v, G, G, 1.5, 0.5, 1500.0, 800.0, sm)
    assert 1e-3 < abs(c9 + printed9) / abs(c9) < 5e-2


def test_delta_a_mu_matches_seed_dominant_formula(sm):
    """Δa_μ of the engine vs the seed's chirally enhanced formula with H̃(x) = f_N2(x)/8:
    the remainder is O(m_μ), so Δa_μ/m_μ agrees as m_μ → 0."""
    inp = inputs()
    masses, v = real_basis(inp, sm)
    for scale, tol in ((1.0, 5e-3), (1e-4, 1e-7)):
        light = sm.replace(m_mu=sm.m_mu * scale)
        spectrum = model_spectrum("F_Ib", inp, light)
        parts = {}
        matching.lepton_dipoles(spectrum.sector, light, parts)
        engine_value = parts["Delta_a_mu_one_loop"]
        seed_value = legacy_F_Ib.seed_delta_a_mu(masses, v, 1.5, 0.5, 800.0, light.m_mu)
        assert engine_value == pytest.approx(seed_value, rel=tol)


def test_c9_equals_minus_c10_when_psi_prime_decouples(sm):
    """Ψ' → ∞: no mixing, no right-handed muon coupling to the light state, so the boxes
    give C9 = −C10; the Z penguin vanishes and only the universal photon penguin adds to C9."""
    spectrum = model_spectrum("F_Ib", inputs(m_psi_prime=1e7), sm)
    parts = {}
    wc = matching.quark_coefficients(spectrum.sector, sm, parts)
    box9, box10 = parts["C9_bsmumu_box"], parts["C10_bsmumu_box"]
    assert abs(box9 + box10) < 1e-6 * abs(box9)
    assert abs(box9) > 0.01
    assert abs(parts["C10_Z_penguin"]) < 1e-6 * abs(box9)
    assert wc["C9_bsmumu"] - parts["C9_photon_penguin"] == pytest.approx(-wc["C10_bsmumu"], rel=1e-6)


def test_degenerate_spectrum_is_finite(sm):
    """All masses equal (M_Ψ = M_Ψ' = M_Φ): finite, and continuous with a nearby point."""
    exact = matching.quark_coefficients(
        model_spectrum("F_Ib", inputs(1000.0, 1000.0, 1000.0, 1000.0, 0.0, 0.0), sm).sector, sm)
    near = matching.quark_coefficients(
        model_spectrum("F_Ib", inputs(1000.0, 1000.0 * (1 + 1e-9), 1000.0, 1000.0, 0.0, 0.0),
                       sm).sector, sm)
    for name, value in exact.items():
        assert np.isfinite(value)
        assert value == pytest.approx(near[name], rel=1e-6, abs=1e-18)


def test_benchmark_card_region(sm):
    """cards/F_Ib.slha: δC9 ≈ −δC10 < 0 of the size the fits want, Δa_μ ≈ 2.5e-9."""
    from pathlib import Path

    from bridge.card import parse_inputs, read_card

    card = read_card(Path(__file__).parent.parent / "cards" / "F_Ib.slha")
    inp = parse_inputs(card, model("F_Ib").info())
    spectrum = model_spectrum("F_Ib", inp, sm)
    wc = matching.quark_coefficients(spectrum.sector, sm)
    parts = {}
    matching.lepton_dipoles(spectrum.sector, sm, parts)
    assert -0.7 < wc["C9_bsmumu"].real < -0.3
    assert wc["C10_bsmumu"].real == pytest.approx(-wc["C9_bsmumu"].real, rel=0.1)
    assert parts["Delta_a_mu_one_loop"] == pytest.approx(2.5e-9, rel=0.05)
    assert abs(inp["GAMMAQIN"][2] * inp["GAMMAQIN"][3].conjugate()) == pytest.approx(0.15, rel=1e-8)


def test_takagi_complex_matrix():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    m_sym = a + a.T
    masses, v = takagi(m_sym)
    assert np.allclose(v.T @ m_sym @ v, np.diag(masses), atol=1e-12)
    assert np.allclose(v.conj().T @ v, np.eye(4), atol=1e-12)
    assert masses == pytest.approx(np.sort(np.linalg.svd(m_sym, compute_uv=False)), rel=1e-12)
