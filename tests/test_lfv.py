"""Charged-lepton flavour violation (bridge.lfv, the τ dipoles) against independent computations.

* four-lepton boxes of μ→3e (two identical ē), τ→μee (four distinct fields, with the crossed
  operators) and the μ–e conversion box (ē μ)(ū u) against the Wick-contraction oracle
  (tests/wick_oracle.py): the engine's vector operators are exactly the oracle's vector part,
  and what is left is the same-chirality scalar/tensor part the module docstring says it omits;
* the lepton photon penguin against a Feynman-parameter quadrature of the charge-radius
  function (physics.md §8, Hisano et al.'s neutralino function), the lepton Z penguin against
  the charged-Higgs/heavy-neutrino closed form (Logan & Nierste hep-ph/0004139 form) and the
  Ward identity (photon couplings in place of Z couplings give nothing);
* the four-fermion map of the penguins (charges and Z couplings of the spectator);
* through flavio: the dipole-dominated ratio BR(μ→3e)/BR(μ→eγ) = (α/3π)(ln(m_μ²/m_e²) − 11/4)
  (Kuno & Okada, Rev. Mod. Phys. 73 (2001) 151, hep-ph/9909265), BR(τ→μγ) from Cgamma_taumu by
  the closed form Γ = m_τ³(|Cγ_τμ|² + |Cγ_μτ|²)/(4π), decoupling as 1/M⁴ of the rates.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import wick_oracle as oracle
from models import SM as FIXED_SM
from scipy import integrate

from bridge import engine, lfv, loops
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings

SM = replace(FIXED_SM, alpha_e_mz=1 / 127.95)  # the Z-pole tests need alpha_e(M_Z)
KEYS = (("L", "L"), ("R", "R"), ("L", "R"), ("R", "L"))


def rnd(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def lepton_sector(seed=5, right=("mu",), left=("e", "mu", "tau"), masses=(800.0, 1200.0, 950.0)):
    """Two Majorana singlets and a neutral Dirac fermion, two charged scalars; random couplings."""
    rng = np.random.default_rng(seed)
    fermions = (DarkFermion("N1", masses[0], 0.0, majorana=True),
                DarkFermion("N2", masses[1], 0.0, majorana=True), DarkFermion("P", masses[2], 0.0))
    scalars = (DarkScalar("h1", 500.0, -1.0), DarkScalar("h2", 700.0, -1.0))
    return DarkSector(fermions, scalars, {f: rnd(rng, 3, 2) for f in left},
                      {f: rnd(rng, 3, 2) for f in right})


def swap02(t):
    """The physical part of a tensor over (ē, μ, ē, e): antisymmetric in the two ē."""
    return t - t.transpose(2, 1, 0, 3)


def crossed_operator(x, y):
    """(ψ̄1 γ P_x ψ4)(ψ̄3 γ P_y ψ2) as a tensor over the order (ψ̄1, ψ2, ψ̄3, ψ4) (Grassmann sign −1)."""
    return -oracle.vector_operator({(x, y): 1.0}, 1, 1).transpose(0, 3, 2, 1)


def scalar_tensor_structures():
    """(ψ̄1 Γ P_A ψ2)(ψ̄3 Γ P_A ψ4) for Γ = 1 and σ^{μν}, A = L, R: what the engine leaves out."""
    out = []
    sigma = [[(oracle.GAMMA[m] @ oracle.GAMMA[n] - oracle.GAMMA[n] @ oracle.GAMMA[m]) * 0.5j
              for n in range(4)] for m in range(4)]
    for p in (oracle.PL, oracle.PR):
        out.append(np.einsum("ab,gd->abgd", p, p))
        out.append(sum(oracle.METRIC[m] * oracle.METRIC[n] * np.einsum("ab,gd->abgd", sigma[m][n] @ p,
                                                                        sigma[m][n] @ p)
                       for m in range(4) for n in range(4)))
    return out


def residual_outside(t, span):
    """|t − projection of t on span| / |t|."""
    basis = np.array([s.ravel() for s in span]).T
    coef, *_ = np.linalg.lstsq(basis, t.ravel(), rcond=None)
    return np.linalg.norm(basis @ coef - t.ravel()) / np.linalg.norm(t)


# ------------------------------------------------------------------------------------------
# boxes against the oracle


def test_mu_3e_box_identical_electrons_single_chirality():
    """e couples left-handed only: the antisymmetrised oracle tensor is exactly the engine's
    vector operators, with C_LL = ½ × the labelled box (two identical ē)."""
    sector = lepton_sector()
    t = oracle.WickOracle(sector).quartic((("e", True), ("mu", False), ("e", True), ("e", False))) / 2
    got = lfv.boxes(sector, "e", "mu", "e")
    expected = sum(got[k] * oracle.vector_operator({k: 1.0}, 1, 1) for k in KEYS)
    assert np.linalg.norm(swap02(t - expected)) < 1e-12 * np.linalg.norm(swap02(t))
    assert abs(got["L", "L"]) > 0 and got["L", "R"] == got["R", "L"] == got["R", "R"] == 0
    full = engine.box_semileptonic(sector, "L", "L", "e", "e", "e", "mu")
    assert got["L", "L"] == pytest.approx(0.5 * full, rel=1e-14)


def test_mu_3e_box_both_electron_chiralities():
    """e with both chiralities: the engine's four vector operators (C_XY = box for X ≠ Y) are
    the oracle's vector part; the remainder lies in the same-chirality scalar/tensor span."""
    sector = lepton_sector(right=("e", "mu"))
    t = swap02(oracle.WickOracle(sector).quartic((("e", True), ("mu", False), ("e", True),
                                                  ("e", False))) / 2)
    got = lfv.boxes(sector, "e", "mu", "e")
    assert all(abs(got[k]) > 0 for k in KEYS)
    rest = t - swap02(sum(got[k] * oracle.vector_operator({k: 1.0}, 1, 1) for k in KEYS))
    assert residual_outside(rest, [swap02(s) for s in scalar_tensor_structures()]) < 1e-10
    # ... and that remainder is not zero: the note names it
    assert np.linalg.norm(rest) > 1e-3 * np.linalg.norm(t)
    assert any("mu->eee" in n for n in lfv.scalar_box_note(sector))


def test_tau_to_mu_ee_box_with_crossed_operators():
    """Four distinct fields, every lepton with both chiralities: direct (μ̄ τ)(ē e) and crossed
    (μ̄ e)(ē τ) vector operators from the engine = the oracle's vector part."""
    sector = lepton_sector(right=("e", "mu", "tau"))
    t = oracle.WickOracle(sector).quartic((("mu", True), ("tau", False), ("e", True), ("e", False)))
    direct = lfv.boxes(sector, "mu", "tau", "e")
    crossed = lfv.crossed_boxes(sector, "mu", "tau", "e")
    assert set(crossed) == {("L", "R"), ("R", "L")} and all(abs(v) > 0 for v in crossed.values())
    model = sum(direct[k] * oracle.vector_operator({k: 1.0}, 1, 1) for k in KEYS)
    model = model + sum(v * crossed_operator(*k) for k, v in crossed.items())
    rest = t - model
    assert residual_outside(rest, scalar_tensor_structures()) < 1e-10
    # without the crossed operators the remainder is not of scalar/tensor form
    assert residual_outside(t - sum(direct[k] * oracle.vector_operator({k: 1.0}, 1, 1) for k in KEYS),
                            scalar_tensor_structures()) > 1e-3


def test_flavio_names_of_the_crossed_operators():
    """CVLR_mueetau is the hermitian conjugate of (μ̄_L γ e_L)(ē_R γ τ_R): conjugated coefficient."""
    sector = lepton_sector(right=("e", "mu", "tau"))
    wcs = lfv.lfv_coefficients(sector, SM)
    crossed = lfv.crossed_boxes(sector, "mu", "tau", "e")
    assert wcs["CVLR_mueetau"] == pytest.approx(np.conj(crossed["L", "R"]), rel=1e-14)
    assert wcs["CVLR_taueemu"] == pytest.approx(crossed["R", "L"], rel=1e-14)


def test_mu_e_conversion_box_with_quarks():
    """(ē μ)(ū u) with u coupling through a coloured scalar: the oracle's tensor over
    (ē, μ, ū, u) with explicit colour is the engine's vector operators (colour singlet)."""
    rng = np.random.default_rng(11)
    fermions = (DarkFermion("N", 900.0, 0.0, majorana=True), DarkFermion("P", 1100.0, 0.0))
    scalars = (DarkScalar("h", 600.0, -1.0), DarkScalar("S", 1300.0, 2 / 3, colour=3))
    left = {"e": np.c_[rnd(rng, 2), np.zeros(2)], "mu": np.c_[rnd(rng, 2), np.zeros(2)],
            "u": np.c_[np.zeros(2), rnd(rng, 2)]}
    right = {"mu": np.c_[rnd(rng, 2), np.zeros(2)]}
    sector = DarkSector(fermions, scalars, left, right)
    t = oracle.WickOracle(sector).quartic((("e", True), ("mu", False), ("u", True), ("u", False)))
    coeffs, residual = oracle.project_vector(t, 1, 3)
    assert residual < 1e-12
    got = lfv.boxes(sector, "e", "mu", "u")
    scale = max(abs(c) for c in coeffs.values())
    assert scale > 0
    for k in KEYS:
        assert abs(got[k] - coeffs[k]) <= 1e-12 * scale


def test_four_lepton_box_with_a_coloured_loop_carries_the_colour_trace():
    """Leptons coupling through a colour triplet fermion and an anti-triplet scalar: the oracle
    (explicit colour indices) gives 3 × the colourless box."""
    def build(colour):
        rng = np.random.default_rng(3)
        return DarkSector((DarkFermion("F", 900.0, -1 / 3 if colour else 0.0, colour=3 if colour else 1),),
                          (DarkScalar("S", 600.0, -2 / 3 if colour else -1.0, colour=-3 if colour else 1),),
                          {"e": rnd(rng, 1, 1), "mu": rnd(rng, 1, 1)})
    coloured, plain = build(True), build(False)
    t = swap02(oracle.WickOracle(coloured).quartic((("e", True), ("mu", False), ("e", True),
                                                    ("e", False))) / 2)
    got = lfv.boxes(coloured, "e", "mu", "e")
    assert np.linalg.norm(t - swap02(got["L", "L"] * oracle.vector_operator({("L", "L"): 1.0}, 1, 1))) \
        < 1e-12 * np.linalg.norm(t)
    assert got["L", "L"] == pytest.approx(3 * lfv.boxes(plain, "e", "mu", "e")["L", "L"], rel=1e-12)


# ------------------------------------------------------------------------------------------
# penguins


def charge_radius_integral(x):
    """J_S(x) = ∫₀¹ du (1−u)³/(6(ux + 1 − u)) (physics.md §8), by quadrature."""
    return integrate.quad(lambda u: (1 - u) ** 3 / (6 * (u * x + 1 - u)), 0, 1, epsabs=0, epsrel=1e-13)[0]


@pytest.mark.parametrize("m_f", [300.0, 700.0, 2500.0])
def test_lepton_photon_penguin_against_quadrature(m_f):
    """Neutral fermion, charged scalar (the scotogenic topology): C_P/e = Σ l_e l_μ^* J_S/(16π² M²)
    with J_S from a quadrature, 36 J_S = Hisano et al.'s neutralino function."""
    m_s, l_e, l_mu = 700.0, 0.3 - 0.4j, 1.1 + 0.2j
    sector = DarkSector((DarkFermion("N", m_f, 0.0, majorana=True),), (DarkScalar("h", m_s, -1.0),),
                        {"e": [[l_e]], "mu": [[l_mu]]})
    x = (m_f / m_s) ** 2
    expected = l_e * np.conj(l_mu) * charge_radius_integral(x) / (16 * math.pi**2 * m_s**2)
    assert engine.photon_penguin(sector, "L", "e", "mu") == pytest.approx(expected, rel=1e-10)


def test_lepton_z_penguin_heavy_neutral_lepton_closed_form():
    """A Dirac neutral lepton (T3 = ½ left-handed) and a charged scalar (T3 = −½): the same
    quantum numbers as top + H⁻ for b→s, so Y = −½ l_e l_μ^* y(y − 1 − ln y)/(y − 1)², y = m²/M²
    (the charged-Higgs Z penguin, Logan & Nierste hep-ph/0004139)."""
    s2 = SM.s2w
    z = ZCouplings(np.array([[0.5]]), np.array([[0.0]]), np.array([[-0.5 + s2]]))
    for m_n, m_h in ((400.0, 900.0), (1500.0, 600.0)):
        sector = DarkSector((DarkFermion("N", m_n, 0.0),), (DarkScalar("H-", m_h, -1.0),),
                            {"e": [[0.4 + 0.1j]], "mu": [[0.9]]}, {}, z)
        y = (m_n / m_h) ** 2
        expected = -0.5 * (0.4 + 0.1j) * 0.9 * y * (y - 1 - math.log(y)) / (y - 1) ** 2
        assert engine.z_penguin(sector, SM, "L", "e", "mu") == pytest.approx(expected, rel=1e-9)
        # Ward identity: photon charges in place of the Z couplings give no q² = 0 vertex (the
        # external legs' T3 − s² Q equals Q_ℓ = −1 for s² = −½)
        photon = ZCouplings(np.array([[0.0]]), np.array([[0.0]]), np.array([[-1.0]]))
        ward = DarkSector(sector.fermions, sector.scalars, {"e": [[0.4 + 0.1j]], "mu": [[0.9]]}, {},
                          photon)
        assert abs(engine.z_penguin(ward, SM.replace(s2w=-0.5), "L", "e", "mu")) < 1e-14


def test_penguins_map_to_four_fermion_operators_with_the_spectator_couplings():
    """Photon: −e² Q_f C_P for both spectator chiralities; Z: 4√2 G_F Y g_Y^f/(16π²)."""
    s2 = SM.s2w
    z = ZCouplings(np.array([[0.5]]), np.array([[0.0]]), np.array([[-0.5 + s2]]))
    sector = DarkSector((DarkFermion("N", 600.0, 0.0),), (DarkScalar("H-", 900.0, -1.0),),
                        {"e": [[0.4]], "mu": [[0.9]]}, {}, z)
    e2 = 4 * math.pi / 127.95
    cp = engine.photon_penguin(sector, "L", "e", "mu")
    y = engine.z_penguin(sector, SM, "L", "e", "mu")
    zn = 4 * math.sqrt(2) * SM.GF / (16 * math.pi**2)
    parts: dict = {}
    for f, g_l, g_r in (("e", -0.5 + s2, s2), ("u", 0.5 - 2 / 3 * s2, -2 / 3 * s2),
                        ("d", -0.5 + s2 / 3, s2 / 3)):
        c = lfv.four_fermion(sector, SM, "e", "mu", f, parts=parts, prefix=f)
        q = engine.SM_CHARGE[f]
        assert parts[f"{f}LL_photon"] == pytest.approx(-e2 * q * cp, rel=1e-13)
        assert parts[f"{f}LR_photon"] == pytest.approx(-e2 * q * cp, rel=1e-13)
        assert parts[f"{f}LL_Z"] == pytest.approx(zn * y * g_l, rel=1e-13)
        assert parts[f"{f}LR_Z"] == pytest.approx(zn * y * g_r, rel=1e-13)
        assert c["R", "L"] == 0 == c["R", "R"]  # no right-handed lepton couplings


def test_lfv_coefficients_decouple():
    light = lfv.lfv_coefficients(lepton_sector(masses=(800.0, 1200.0, 950.0)), SM)
    sector = lepton_sector()
    heavy = DarkSector(tuple(DarkFermion(F.name, 10 * F.mass, F.charge, F.majorana) for F in sector.fermions),
                       tuple(DarkScalar(S.name, 10 * S.mass, S.charge) for S in sector.scalars),
                       sector.left, sector.right)
    heavy_wcs = lfv.lfv_coefficients(heavy, SM)
    assert set(heavy_wcs) == set(light)
    for name, value in light.items():
        assert heavy_wcs[name] == pytest.approx(value / 100, rel=1e-9)


def test_tau_dipoles_are_the_engine_dipole_times_e():
    sector = lepton_sector(right=("mu", "tau"))
    e0 = math.sqrt(4 * math.pi * SM.alpha_e_0)
    got = lfv.tau_dipoles(sector, SM)
    c_r, c_l = engine.dipole(sector, "mu", "tau", SM.m_mu, SM.m_tau)
    assert got["Cgamma_taumu"] == pytest.approx(e0 * c_r, rel=1e-14)
    # Cgamma_mutau (τ̄_L σ μ_R) is the conjugate of the P_L part of μ̄ σ τ: (c_L^{μτ})^*
    assert got["Cgamma_mutau"] == pytest.approx(e0 * np.conj(c_l), rel=1e-12)


# ------------------------------------------------------------------------------------------
# through flavio


@pytest.mark.flavio
def test_dipole_dominated_mu_to_3e_ratio_in_flavio():
    """Only Cgamma_emu: BR(μ→3e)/BR(μ→eγ) = (α/3π)(ln(m_μ²/m_e²) − 11/4) (Kuno & Okada)."""
    import flavio

    from bridge.flavio_setup import make_wilson

    w = make_wilson({"Cgamma_emu": 1e-14}, 2.0, "WET-4")
    par = flavio.default_parameters.get_central_all()
    ratio = flavio.np_prediction("BR(mu->eee)", w) / flavio.np_prediction("BR(mu->egamma)", w)
    alpha = flavio.physics.running.running.get_alpha_e(par, 1.0, nf_out=3)
    expected = alpha / (3 * math.pi) * (math.log(par["m_mu"] ** 2 / par["m_e"] ** 2) - 11 / 4)
    assert ratio == pytest.approx(expected, rel=1e-2)  # measured 0.5% (flavio keeps m_e/m_μ terms)


@pytest.mark.flavio
def test_tau_to_mu_gamma_from_the_engine_through_flavio():
    """BR(τ→μγ) = τ_τ m_τ³(|Cγ_τμ|² + |Cγ_μτ|²)/(4π) at the scale flavio evaluates it."""
    import flavio

    from bridge.flavio_setup import make_wilson

    sector = lepton_sector(right=("mu", "tau"))
    wcs = lfv.tau_dipoles(sector, SM)
    par = flavio.default_parameters.get_central_all()
    w = make_wilson({k: v for k, v in wcs.items() if "taumu" in k or "mutau" in k}, par["m_tau"], "WET-4")
    br = flavio.np_prediction("BR(tau->mugamma)", w)
    cg2 = abs(wcs["Cgamma_taumu"]) ** 2 + abs(wcs["Cgamma_mutau"]) ** 2
    width = par["m_tau"] ** 3 * cg2 / (4 * math.pi)
    assert br == pytest.approx(width * par["tau_tau"], rel=2e-2)  # tau_tau in GeV⁻¹


def test_loops_charge_radius_function_matches_quadrature():
    for x in (0.05, 0.9, 1.0, 3.0):
        assert float(loops.j_S(x)) == pytest.approx(charge_radius_integral(x), rel=1e-10)


def test_a_batched_sector_is_freed_by_reference_counting():
    """lepton_points caches its answer on the sector; when the answer is the sector itself it
    must not be stored there (a sector holding itself is a reference cycle: every scan chunk's
    arrays then waited for the cyclic collector, and a worker of the 10⁶-point F_Ib grid grew
    to ~600 MiB instead of ~125)."""
    import gc
    import weakref
    from pathlib import Path

    from bridge import lfv as lfv_module
    from bridge import pipeline
    from bridge.run import load_point
    from bridge.scan.space import Space, batch_inputs, parse_vary

    card = Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha"
    _, model, info, inputs, _, _ = load_point(card)
    space = Space([parse_vary("MINPAR:1:20:1000:8", info, inputs)], "grid", None, 1)
    batch, _ = batch_inputs(space, inputs, space.values(np.arange(8)))
    sector = pipeline.spectrum(model, batch, SM, batch=True).sector
    sub, _ = lfv_module.lepton_points(sector)
    assert sub is sector  # the case that made the cycle (no point repeats)
    ref = weakref.ref(sector)
    gc.disable()
    try:
        del sector, sub
        assert ref() is None
    finally:
        gc.enable()


def test_lepton_points_find_the_repeated_points_of_masses_and_couplings():
    """lfv.lepton_points: masses and lepton couplings that repeat 5 points over a batch of 20
    give a sub-sector of 5 points whose spread results equal the whole batch's (μ→3e); masses
    that repeat but couplings that do not, or masses that do not repeat (a random sample: it
    gives up on the masses alone), give the sector itself."""
    rng = np.random.default_rng(11)
    n = 20
    tiled = np.tile(np.arange(5), 4)

    def sector(mass_at, coupling_at):
        def draw(at, *shape):
            return rng.normal(size=(at.max() + 1, *shape))[at]

        fermions = (DarkFermion("N", 700 + 200 * draw(mass_at) ** 2, 0.0, majorana=True),)
        scalars = (DarkScalar("h1", 500 + 300 * draw(mass_at) ** 2, -1.0),
                   DarkScalar("h2", 500 + 300 * draw(mass_at) ** 2, -1.0))
        left = {f: draw(coupling_at, 1, 2) + 1j * draw(coupling_at, 1, 2) for f in ("e", "mu")}
        g = engine._z_coupling_sm("e", "L", SM.s2w)  # h1, h2 doublet components, as e_L
        z = ZCouplings(np.zeros((1, 1)), np.zeros((1, 1)), np.diag([g, g]))
        return DarkSector(fermions, scalars, left, {}, z)

    repeated = sector(tiled, tiled)
    sub, _ = lfv.lepton_points(repeated)
    assert sub.batch_shape == (5,)
    whole = DarkSector(repeated.fermions, repeated.scalars, repeated.left, {}, repeated.z)
    whole.__dict__["_lepton_points"] = (None, lfv._same)  # every point computed
    got, ref = lfv.lfv_coefficients(repeated, SM), lfv.lfv_coefficients(whole, SM)
    assert set(got) == set(ref) and got
    for name in ref:
        np.testing.assert_array_equal(got[name], ref[name])
    for mass_at, coupling_at in ((tiled, np.arange(n)), (np.arange(n), tiled)):
        s = sector(mass_at, coupling_at)
        assert lfv.lepton_points(s)[0] is s
