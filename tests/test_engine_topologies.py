"""All one-loop topologies of bridge.engine against an explicit Wick contraction, and limits.

The oracle (tests/wick_oracle.py) splits every dark field into Majorana / real components
with explicit colour indices, Wick-contracts the fourth order of the Yukawa Lagrangian with
4×4 Dirac matrices and Grassmann signs, and does the loop integrals by quadrature; it knows
nothing of the engine's box formulas. Compared here:

* b→sℓℓ and b→sνν boxes, all chiralities: class F (fermion mediator, Dirac and Majorana),
  class S (scalar mediator: complex, real, complex split into real components), class S with a
  Majorana lepton-side fermion, both classes in one sector, the anti-triplet lepton coupling
  of Table I row B, and a colourless toy in which every state couples to every vertex (all six
  contractions at once), at generic, exactly degenerate and 1e-9-split masses;
* B_s mixing with explicit colour indices (class F and class S colour flow), real scalars,
  Majorana fermions, and the toy with all contractions;
* the cancellations that follow: a real scalar exchanged between two Dirac fermion lines gives
  no box (class S) and, with one Dirac fermion, no B_s mixing at any mass;
* closed forms of arXiv:1608.07832 for one fermion and one scalar per side, class F and class S
  (``c9_class_f_closed_form``, ``c9_class_s_closed_form``: oracles for the model layer too),
  C9 = −C10 for left-handed couplings, the class F ↔ class S exchange, decoupling as 1/M²;
* colour: validation, NotImplementedError for both-coloured quark loops, the colour
  multiplicity of lepton dipoles against the expanded components, C7/C8 = Q for a gluon on
  the coloured particle, the q² = 0 photon-vertex Ward identity with coloured fermions;
* the Z penguin with real scalars (only the antisymmetric part of g^S counts; the complex
  limit; the divergence check with the model layer's Hermitian g^S);
* the batch axis for all of it.

No flavio: the SM inputs are fixed numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import wick_oracle as oracle
from models import SM

from bridge import engine, loops, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings

LOOP = 16 * math.pi**2
CHIRALITIES = [("L", "L"), ("L", "R"), ("R", "L"), ("R", "R")]


# ------------------------------------------------------------------------------------------
# closed forms of arXiv:1608.07832 (one fermion, one scalar per side), typed here on purpose


def arnan_f_closed(x: float, y: float) -> float:
    """F(x, y) of arXiv:1608.07832 (physics.md §3.1), x ≠ y, x, y ≠ 1."""
    return (1 / ((1 - x) * (1 - y)) + x**2 * math.log(x) / ((1 - x) ** 2 * (x - y))
            + y**2 * math.log(y) / ((1 - y) ** 2 * (y - x)))


def arnan_g_closed(x: float, y: float) -> float:
    """G(x, y) of arXiv:1608.07832 (physics.md §3.1), x ≠ y, x, y ≠ 1."""
    return (1 / ((1 - x) * (1 - y)) + x * math.log(x) / ((1 - x) ** 2 * (x - y))
            + y * math.log(y) / ((1 - y) ** 2 * (y - x)))


def c9_class_f_closed_form(m_fermion, m_scalar_q, m_scalar_l, l_s, l_b, l_l, *, norm, alpha,
                           chi=1.0, chi_majorana=0.0):
    """δC9 = −δC10 of class F (fermion flavour mediator Ψ, scalars Φ_q, Φ_ℓ), left-handed
    couplings, arXiv:1608.07832 form in the conventions of bridge (physics.md §4.1):

        δC9 = −𝒩 l_s l_b^* |l_ℓ|² [χ F(x_q, x_ℓ) + 2 χ^M G(x_q, x_ℓ)]/(32πα M_Ψ²),
        x_q = M_Φq²/M_Ψ², x_ℓ = M_Φℓ²/M_Ψ²,

    with (G) couplings l (l_s l_b^* is the seed's Γ_s^*Γ_b up to conjugation), ``norm`` = 𝒩 =
    (4G_F/√2 V_tb V_ts^*)⁻¹ and ``alpha`` the α of the C9 normalisation. Group factors (the
    SU(2) and colour structure of a representation, summed over the components that run in
    the box): ``chi`` = χ multiplies the direct box, Σ over the components of the product of
    the Clebsch–Gordan factors at the four vertices; ``chi_majorana`` = χ^M the crossed box,
    present only if Ψ is Majorana (the same sum over the crossed assignment; χ^M = χ = 1 for a
    Majorana singlet Ψ with Φ_q, Φ_ℓ coupling through one component each).
    """
    x_q, x_l = (m_scalar_q / m_fermion) ** 2, (m_scalar_l / m_fermion) ** 2
    loop = chi * arnan_f_closed(x_q, x_l) + 2 * chi_majorana * arnan_g_closed(x_q, x_l)
    return -norm * l_s * np.conj(l_b) * abs(l_l) ** 2 * loop / (32 * math.pi * alpha * m_fermion**2)


def c9_class_s_closed_form(m_scalar, m_fermion_q, m_fermion_l, l_s, l_b, l_l, *, norm, alpha,
                           chi=1.0, chi_real=0.0):
    """δC9 = −δC10 of class S (scalar flavour mediator Φ, vector-like fermions Ψ_q, Ψ_ℓ), left-
    handed couplings; the scalar-mediated box of bridge.engine.box_semileptonic (SD + SX):

        δC9 = −𝒩 l_s l_b^* |l_ℓ|² (χ − χ^R) F(y_q, y_ℓ)/(32πα M_Φ²),
        y_q = M_Ψq²/M_Φ², y_ℓ = M_Ψℓ²/M_Φ²,

    the class-S form of arXiv:1608.07832 (F, not G: the crossed box of a real scalar needs no
    mass insertion, and comes with the opposite sign because one fermion line runs against the
    loop momentum). ``chi`` = χ: product of the Clebsch–Gordan factors at the four vertices
    summed over the components (direct box); ``chi_real`` = χ^R: the same for the crossed
    assignment, present only if Φ is real (χ^R = χ = 1 for a real singlet Φ: the box
    vanishes). A Majorana Ψ_ℓ changes nothing (no crossed contraction: Ψ_ℓ does not couple to
    quarks). Arguments as in :func:`c9_class_f_closed_form`.
    """
    y_q, y_l = (m_fermion_q / m_scalar) ** 2, (m_fermion_l / m_scalar) ** 2
    loop = (chi - chi_real) * arnan_f_closed(y_q, y_l)
    return -norm * l_s * np.conj(l_b) * abs(l_l) ** 2 * loop / (32 * math.pi * alpha * m_scalar**2)


def cvll_closed_form(m_fermion, m_scalar, l_s, l_b, *, majorana=False, real=False):
    """CVLL_bsbs = −(l_s l_b^*)² [(1 − ρ) F(x,x) + 2κ G(x,x)]/(128π² M_F²), x = M_S²/M_F², for
    one fermion and one scalar (arXiv:1608.07832 for κ = Majorana, ρ = 0; ρ = real scalar).
    F(x,x), G(x,x) in the closed forms of physics.md §3.1."""
    x = (m_scalar / m_fermion) ** 2
    f_xx = (x**2 - 2 * x * math.log(x) - 1) / (x - 1) ** 3
    g_xx = (2 * x - (x + 1) * math.log(x) - 2) / (x - 1) ** 3
    loop = (1 - real) * f_xx + 2 * majorana * g_xx
    return -((l_s * np.conj(l_b)) ** 2) * loop / (128 * math.pi**2 * m_fermion**2)


# ------------------------------------------------------------------------------------------
# sectors


def rnd(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def class_s_sector(seed=0, m_phi=900.0, m_q=1300.0, m_l=(700.0, 1100.0), real=False,
                   split=None, lepton_majorana=False, right_leptons=True, phi_charge=0.0):
    """Class S: Ψ_q colour triplet (Dirac, charge −1/3 − Q_Φ), two lepton-side fermions
    (charge −1 − Q_Φ; the second couples to ℓ_R, as Ψ'_ℓ), the mediator Φ.

    ``real``: Φ real (then neutral), or "and complex" for a real Φ and a complex Φ' mixing in
    the couplings; ``split=(M_R, M_I)``: a neutral complex Φ given as its two
    real components (couplings l/√2 and i l/√2)."""
    rng = np.random.default_rng(seed)
    q_f = -1 / 3 - phi_charge
    fermions = (DarkFermion("Psi_q", m_q, q_f, colour=3),
                DarkFermion("Psi_l", m_l[0], -1.0 - phi_charge, majorana=lepton_majorana),
                DarkFermion("Psi_l'", m_l[1], -1.0 - phi_charge))
    gq = rnd(rng, 3)  # Γ^Q for d, s, b
    gl, ge = rnd(rng, 3), rnd(rng, 3)  # Γ^L, Γ^E for e, mu, tau
    if real == "and complex":  # a real Φ and a complex Φ' (both neutral) share the couplings
        scalars = (DarkScalar("Phi", m_phi, 0.0, real=True), DarkScalar("Phi'", 1.4 * m_phi, 0.0))
        w = np.array([1.0, 0.6 + 0.2j])
    elif split is None:
        scalars = (DarkScalar("Phi", m_phi, phi_charge, real=real),)
        w = np.array([1.0])
    else:
        scalars = (DarkScalar("Phi_R", split[0], 0.0, real=True),
                   DarkScalar("Phi_I", split[1], 0.0, real=True))
        w = np.array([1, 1j]) / math.sqrt(2)
    n_s = len(scalars)
    left, right = {}, {}
    for i, q in enumerate(("d", "s", "b")):
        c = np.zeros((3, n_s), complex)
        c[0] = gq[i] * w
        left[q] = c
    for i, lep in enumerate(("e", "mu", "tau")):
        c = np.zeros((3, n_s), complex)
        c[1] = gl[i] * w
        left[lep] = c
        if right_leptons:
            c = np.zeros((3, n_s), complex)
            c[2] = ge[i] * w
            # Ψ_ℓ–Ψ'_ℓ mixing lets Ψ_ℓ touch ℓ_R too
            c[1] = 0.3 * ge[i] * w
            right[lep] = c
    return DarkSector(fermions, scalars, left, right)


def class_f_sector(seed=1, m_f=900.0, m_q=1400.0, m_l=600.0, majorana=False):
    """Class F: neutral Ψ (Dirac or Majorana), Φ_q colour triplet (−1/3), Φ_ℓ (−1) and Φ_ℓ⁰."""
    rng = np.random.default_rng(seed)
    fermions = (DarkFermion("Psi", m_f, 0.0, majorana=majorana),
                DarkFermion("Psi'", 1.3 * m_f, 0.0, majorana=majorana))
    scalars = (DarkScalar("Phi_q", m_q, -1 / 3, colour=3), DarkScalar("Phi_l", m_l, -1.0),
               DarkScalar("Phi_l0", 1.1 * m_l, 0.0))
    left = {q: np.array([[g, 0, 0], [0.4 * g, 0, 0]]) for q, g in zip(("s", "b"), rnd(rng, 2), strict=True)}
    for lep, g in zip(("e", "mu"), rnd(rng, 2), strict=True):
        left[lep] = np.array([[0, g, 0], [0, -0.7 * g, 0]])
    for nu, g in zip(("nu_e", "nu_mu"), rnd(rng, 2), strict=True):
        left[nu] = np.array([[0, 0, g], [0, 0, 0.2 * g]])
    right = {"mu": np.array([[0, 0.3, 0], [0, 0.8j, 0]])}
    return DarkSector(fermions, scalars, left, right)


def both_classes_sector(seed=2, degenerate=False):
    """Both mediators in one sector: a Majorana singlet Ψ (quarks via Φ_q, leptons via Φ_ℓ) and
    Ψ_q, Ψ_ℓ with a real singlet Φ coupling to quarks and leptons. ``degenerate``: all masses
    equal and Φ complex (with Φ real every box of this sector cancels at degeneracy: F + 2G = 0,
    −½ m² I1 + ¼ I2 = 0 for the Majorana Ψ, SD + SX = 0 for Φ)."""
    rng = np.random.default_rng(seed)
    m = (1000.0, 1000.0, 1000.0) if degenerate else (800.0, 1200.0, 650.0)
    fermions = (DarkFermion("Psi", m[0], 0.0, majorana=True),
                DarkFermion("Psi_q", m[1], -1 / 3, colour=3), DarkFermion("Psi_l", m[2], -1.0))
    ms = (1000.0, 1000.0, 1000.0) if degenerate else (1500.0, 700.0, 900.0)
    scalars = (DarkScalar("Phi_q", ms[0], -1 / 3, colour=3), DarkScalar("Phi_l", ms[1], -1.0),
               DarkScalar("Phi", ms[2], 0.0, real=not degenerate))
    left = {}
    for q in ("s", "b"):
        c = np.zeros((3, 3), complex)
        c[0, 0], c[1, 2] = rnd(rng, 2)
        left[q] = c
    c = np.zeros((3, 3), complex)
    c[0, 1], c[2, 2] = rnd(rng, 2)
    left["mu"] = c
    return DarkSector(fermions, scalars, left, {"mu": c * 0.3j})


def row_b_sector(seed=3):
    """Table I row B colours: Ψ colour triplet, Φ_q singlet, Φ_ℓ anti-triplet (3 ⊗ 3̄ leptons)."""
    rng = np.random.default_rng(seed)
    fermions = (DarkFermion("Psi", 900.0, 2 / 3, colour=3),)
    scalars = (DarkScalar("Phi_q", 1300.0, -1.0), DarkScalar("Phi_l", 700.0, -5 / 3, colour=-3))
    g = rnd(rng, 4)
    left = {"s": [[g[0], 0]], "b": [[g[1], 0]], "mu": [[0, g[2]]]}
    return DarkSector(fermions, scalars, left, {"mu": [[0, g[3]]]})


@pytest.fixture
def colourless_toy(monkeypatch):
    """All SM fermions neutral colour singlets (engine and oracle), so that every dark state may
    couple to every vertex: Majorana and Dirac fermions, real and complex scalars. A test of
    the Lorentz and Wick structure alone, which gauge quantum numbers cannot switch off."""
    for f in ("d", "s", "b", "e", "mu", "tau"):
        monkeypatch.setitem(engine.SM_CHARGE, f, 0.0)
    for q in ("d", "s", "b"):
        monkeypatch.delitem(engine.SM_COLOUR, q)
        monkeypatch.delitem(oracle.SM_COLOUR, q)

    def build(seed, masses_f, majorana, masses_s, real):
        rng = np.random.default_rng(seed)
        fermions = tuple(DarkFermion(f"F{i}", m, 0.0, majorana=mj)
                         for i, (m, mj) in enumerate(zip(masses_f, majorana, strict=True)))
        scalars = tuple(DarkScalar(f"S{i}", m, 0.0, real=r)
                        for i, (m, r) in enumerate(zip(masses_s, real, strict=True)))
        shape = (len(fermions), len(scalars))
        left = {f: rnd(rng, *shape) for f in ("s", "b", "mu", "e")}
        right = {f: rnd(rng, *shape) for f in ("mu", "e")}
        return DarkSector(fermions, scalars, left, right), left, right

    return build


# ------------------------------------------------------------------------------------------
# the oracle itself


def test_oracle_dirac_algebra():
    for g in oracle.GAMMA:
        assert np.allclose(oracle.CC @ g @ oracle.CINV, -g.T)
    assert np.allclose(oracle.CC.T, -oracle.CC)
    # ⟨χ(x)χ(y)⟩ = −⟨χ(y)χ(x)⟩: the numerator (k̸ + m)C⁻¹ is antisymmetric under k → −k, transpose
    k = np.array([0.3, -1.2, 0.7, 2.0])
    kslash = sum(oracle.METRIC[m] * k[m] * oracle.GAMMA[m] for m in range(4))
    prop = lambda kk, m: (kk + m * np.eye(4)) @ oracle.CINV  # noqa: E731
    assert np.allclose(prop(kslash, 1.7).T, -prop(-kslash, 1.7))


def test_oracle_reproduces_the_sm_anchored_class_f_box():
    """The oracle against the class-F box that is tied to flavio's SM B_s mixing
    (tests/test_engine.py): top + charged scalar, and a Majorana class-F pair."""
    sector = DarkSector((DarkFermion("t", 2000.0, 2 / 3, colour=3),), (DarkScalar("H-", 300.0, -1.0),),
                        {"s": [[0.3 - 0.1j]], "b": [[0.8]]})
    t = oracle.mixing_tensor(sector)
    expected = engine.box_bsbs(sector) * oracle.antisymmetrise(oracle.vector_operator({("L", "L"): 1}, 3, 3))
    assert np.linalg.norm(t - expected) < 1e-12 * np.linalg.norm(t)


# ------------------------------------------------------------------------------------------
# b→sℓℓ, b→sνν boxes against the oracle


def assert_boxes_match(sector, lep_bar="mu", lep="mu", rel=1e-12):
    """Engine C_XY = oracle for all four chiralities, and nothing but these structures."""
    t = oracle.semileptonic_tensor(sector, lep_bar=lep_bar, lep=lep)
    coeffs, residual = oracle.project_vector(t, oracle._DIM[oracle.SM_COLOUR.get("s", 1)], 1)
    assert residual < 1e-12  # only (q̄ γ P q)(ℓ̄ γ P ℓ) structures, colour singlet
    scale = max(abs(c) for c in coeffs.values())
    assert scale > 0  # (a configuration that cancels completely is tested separately)
    for x, y in CHIRALITIES:
        got = engine.box_semileptonic(sector, x, y, lep_bar, lep)
        assert abs(got - coeffs[x, y]) <= rel * scale, (x, y, got, coeffs[x, y])
    return coeffs


@pytest.mark.parametrize("majorana", [False, True])
def test_class_f_boxes(majorana):
    sector = class_f_sector(majorana=majorana)
    assert_boxes_match(sector)
    assert_boxes_match(sector, "nu_mu", "nu_e")  # b→sν̄_μν_e


@pytest.mark.parametrize("case", ["complex", "real_and_complex", "split", "charged", "majorana_lepton"])
def test_class_s_boxes(case):
    """(A single real Φ gives no box at all: test_real_scalar_between_dirac_lines_gives_no_box.)"""
    kwargs = {"complex": {}, "real_and_complex": {"real": "and complex"}, "split": {"split": (800.0, 1000.0)},
              "charged": {"phi_charge": -1.0}, "majorana_lepton": {"phi_charge": -1.0,
                                                                      "lepton_majorana": True}}[case]
    coeffs = assert_boxes_match(class_s_sector(**kwargs))
    assert abs(coeffs["L", "R"]) > 0  # Ψ'_ℓ: the right-handed lepton box is exercised


def test_class_s_neutrino_box():
    """b→sν̄_iν_j with a neutral scalar mediator: Ψ_q (−1/3) and a neutral Ψ_ν."""
    rng = np.random.default_rng(5)
    fermions = (DarkFermion("Psi_q", 1200.0, -1 / 3, colour=3), DarkFermion("Psi_nu", 600.0, 0.0))
    g = rnd(rng, 4)
    couplings = {"s": [[g[0]], [0]], "b": [[g[1]], [0]], "nu_tau": [[0], [g[2]]], "nu_mu": [[0], [g[3]]]}
    sector = DarkSector(fermions, (DarkScalar("Phi", 800.0, 0.0),), couplings)
    assert_boxes_match(sector, "nu_tau", "nu_mu")
    real = DarkSector(fermions, (DarkScalar("Phi", 800.0, 0.0, real=True),), couplings)
    scale = abs(engine.box_semileptonic(sector, "L", "L", "nu_tau", "nu_mu"))
    assert abs(engine.box_semileptonic(real, "L", "L", "nu_tau", "nu_mu")) < 1e-14 * scale
    assert np.max(np.abs(oracle.semileptonic_tensor(real, lep_bar="nu_tau", lep="nu_mu"))) < 1e-12 * scale


@pytest.mark.parametrize("degenerate", [False, True])
def test_both_classes_in_one_sector(degenerate):
    assert_boxes_match(both_classes_sector(degenerate=degenerate))


def test_row_b_colour_flow():
    """A triplet fermion on both sides and an anti-triplet lepton-side scalar: colour factor 1."""
    assert_boxes_match(row_b_sector())


@pytest.mark.parametrize("masses", [
    ((700.0, 1100.0, 900.0), (800.0, 1300.0, 600.0)),
    ((1000.0, 1000.0, 1000.0), (1000.0, 1000.0, 1000.0)),  # all degenerate
    ((1000.0, 1000.0 * (1 + 1e-9), 1000.0), (1000.0 * (1 - 1e-9), 1000.0, 1000.0 * (1 + 1e-9))),
    ((300.0, 300.0 * (1 + 1e-9), 2000.0), (2000.0, 2000.0 * (1 + 1e-9), 300.0)),
])
def test_all_six_contractions_in_a_colourless_toy(colourless_toy, masses):
    """Every fermion and scalar couples to every vertex, Majorana and Dirac, real and complex:
    FD, FX, SD, SX, M1, M2 all contribute, for both quark chiralities (quarks with l and r are
    refused by matching, not by the engine's box)."""
    sector, _, _ = colourless_toy(11, masses[0], (True, False, True), masses[1], (True, False, True))
    assert_boxes_match(sector)
    assert_boxes_match(sector, "e", "mu")


@pytest.mark.parametrize("split", [1e-9, 0.0])
def test_class_s_near_degenerate(split):
    sector = class_s_sector(m_phi=1000.0, m_q=1000.0, m_l=(1000.0 * (1 + split), 1000.0 * (1 - split)),
                            split=(1000.0, 1000.0 * (1 + split)))
    assert_boxes_match(sector)


# ------------------------------------------------------------------------------------------
# B_s mixing against the oracle (explicit colour indices)


def assert_mixing_matches(sector, rel=1e-12):
    d = oracle._DIM[oracle.SM_COLOUR.get("s", 1)]
    t = oracle.mixing_tensor(sector)
    vll = oracle.antisymmetrise(oracle.vector_operator({("L", "L"): 1}, d, d))
    vrr = oracle.antisymmetrise(oracle.vector_operator({("R", "R"): 1}, d, d))
    expected = engine.box_bsbs(sector, "L") * vll + engine.box_bsbs(sector, "R") * vrr
    assert np.linalg.norm(t) > 0
    assert np.linalg.norm(t - expected) <= rel * np.linalg.norm(t)


@pytest.mark.parametrize("majorana", [False, True])
def test_bs_mixing_class_f(majorana):
    assert_mixing_matches(class_f_sector(majorana=majorana))


@pytest.mark.parametrize("kwargs", [{}, {"split": (800.0, 1000.0)}, {"phi_charge": -1.0},
                                    {"m_q": 1000.0, "m_phi": 1000.0 * (1 + 1e-9)}])
def test_bs_mixing_class_s(kwargs):
    """Ψ_q colour triplet: the colour flows along the fermion line (δ_ij δ_kl in one pairing,
    δ_il δ_kj in the other), both Fierz to the singlet VLL with coefficient 1."""
    assert_mixing_matches(class_s_sector(**kwargs))


def test_bs_mixing_both_classes():
    assert_mixing_matches(both_classes_sector())


@pytest.mark.parametrize("degenerate", [False, True])
def test_bs_mixing_all_contractions_colourless_toy(colourless_toy, degenerate):
    masses = ((900.0,) * 3, (900.0,) * 3) if degenerate else ((700.0, 1100.0, 900.0), (800.0, 1300.0, 600.0))
    sector, left, _ = colourless_toy(12, masses[0], (True, False, True), masses[1], (True, False, True))
    assert_mixing_matches(sector)
    # right-handed quark couplings only: CVRR
    rh = DarkSector(sector.fermions, sector.scalars, {"mu": left["mu"]},
                    {"s": left["s"], "b": left["b"]})
    assert_mixing_matches(rh)
    assert engine.box_bsbs(rh, "L") == 0


# ------------------------------------------------------------------------------------------
# cancellations of real scalars (and Majorana fermions)


@pytest.mark.parametrize("masses", [(900.0, 1300.0, 700.0), (1000.0, 1000.0, 1000.0), (400.0, 3000.0, 250.0)])
def test_real_scalar_between_dirac_lines_gives_no_box(masses):
    """One real Φ exchanged twice between Dirac Ψ_q and Ψ_ℓ: SD + SX = 0 (the current
    i(Φ∂Φ − ∂ΦΦ) of a real field vanishes), for both lepton chiralities and any masses;
    the same Φ complex gives the full box (and the oracle agrees on both)."""
    m_phi, m_q, m_l = masses
    real = class_s_sector(m_phi=m_phi, m_q=m_q, m_l=(m_l, 1.2 * m_l), real=True)
    cplx = class_s_sector(m_phi=m_phi, m_q=m_q, m_l=(m_l, 1.2 * m_l))
    for y in ("L", "R"):
        full = engine.box_semileptonic(cplx, "L", y, "mu", "mu")
        assert abs(full) > 0
        assert abs(engine.box_semileptonic(real, "L", y, "mu", "mu")) < 1e-14 * abs(full)
    coeffs, _ = oracle.project_vector(oracle.semileptonic_tensor(real), 3, 1)
    full = engine.box_semileptonic(cplx, "L", "L", "mu", "mu")
    assert max(abs(c) for c in coeffs.values()) < 1e-12 * abs(full)


def test_split_complex_scalar_gives_the_box_of_both_masses():
    """Φ = (Φ_R + iΦ_I)/√2: the box is −¼ I2(m_q², m_ℓ², M_R², M_I²) l_s l_b^* |l_ℓ|²/16π²
    (direct and crossed combine), the complex result at M_R = M_I."""
    m_q, m_l, m_r, m_i = 1300.0, 700.0, 800.0, 1000.0
    sector = class_s_sector(m_q=m_q, m_l=(m_l, 1100.0), split=(m_r, m_i), right_leptons=False)
    l_s, l_b, l_mu = sector.l("s")[0, 0] * math.sqrt(2), sector.l("b")[0, 0] * math.sqrt(2), \
        sector.l("mu")[1, 0] * math.sqrt(2)
    i2 = oracle.WickOracle._integral(2, tuple(sorted((m_q**2, m_l**2, m_r**2, m_i**2))))
    expected = -0.25 * i2 * l_s * np.conj(l_b) * abs(l_mu) ** 2 / LOOP
    assert engine.box_semileptonic(sector, "L", "L", "mu", "mu") == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("m_s", [600.0, 1000.0, 2500.0])
def test_dirac_fermion_with_one_real_scalar_gives_no_bs_mixing(m_s):
    """Direct and crossed ΔF=2 boxes cancel for every mass: (1 − ρ) F(x,x) = 0 (cf. the real
    singlet with a vector-like quark of arXiv:2605.04010); the oracle agrees."""
    f = (DarkFermion("D", 1000.0, -1 / 3, colour=3),)
    couplings = {"s": [[0.7 + 0.2j]], "b": [[-0.5 + 0.3j]]}
    real = DarkSector(f, (DarkScalar("S", m_s, 0.0, real=True),), couplings)
    cplx = DarkSector(f, (DarkScalar("S", m_s, 0.0),), couplings)
    assert abs(engine.box_bsbs(cplx)) > 0
    assert abs(engine.box_bsbs(real)) < 1e-14 * abs(engine.box_bsbs(cplx))
    assert np.linalg.norm(oracle.mixing_tensor(real)) < 1e-12 * np.linalg.norm(oracle.mixing_tensor(cplx))
    if m_s != 1000.0:  # (the closed form is 0/0 at x = 1)
        assert engine.box_bsbs(cplx) == pytest.approx(cvll_closed_form(1000.0, m_s, 0.7 + 0.2j, -0.5 + 0.3j),
                                                      rel=1e-10)


@pytest.mark.parametrize("m_s", [600.0, 1000.0, 2500.0])
def test_majorana_fermion_with_real_scalar_keeps_only_2g(colourless_toy, m_s):
    """Majorana F and real S (colourless toy): C = −(l_s l_b^*)² 2G(x,x)/(128π² M_F²), no
    cancellation at M_S = M_F (G(1,1) = −1/6); Majorana with complex S: F + 2G, zero at 1."""
    sector, left, _ = colourless_toy(13, (1000.0,), (True,), (m_s,), (True,))
    l_s, l_b = left["s"][0, 0], left["b"][0, 0]
    if m_s != 1000.0:
        assert engine.box_bsbs(sector) == pytest.approx(
            cvll_closed_form(1000.0, m_s, l_s, l_b, majorana=True, real=True), rel=1e-10)
    else:
        g11 = -1 / 6
        assert engine.box_bsbs(sector) == pytest.approx(
            -((l_s * np.conj(l_b)) ** 2) * 2 * g11 / (128 * math.pi**2 * 1000.0**2), rel=1e-10)
    assert_mixing_matches(sector)


# ------------------------------------------------------------------------------------------
# closed forms, C9 = −C10, class F ↔ class S, decoupling


def box_c9_c10(sector):
    wc = matching.semileptonic(sector, SM)
    return wc["C9_bsmumu"] - matching.photon_c9(sector, SM), wc["C10_bsmumu"]


@pytest.mark.parametrize("masses", [(900.0, 1400.0, 600.0), (1500.0, 400.0, 700.0)])
@pytest.mark.parametrize("real", [False, True])
def test_class_s_left_handed_closed_form(masses, real):
    """Left-handed class S with one scalar and Ψ_q, Ψ_ℓ: C9 = −C10 = c9_class_s_closed_form
    (χ = 1; χ^R = 1 for a real singlet Φ, where the box vanishes)."""
    m_phi, m_q, m_l = masses
    sector = class_s_sector(m_phi=m_phi, m_q=m_q, m_l=(m_l, 1.7 * m_l), real=real, right_leptons=False)
    c9, c10 = box_c9_c10(sector)
    expected = c9_class_s_closed_form(m_phi, m_q, m_l, sector.l("s")[0, 0], sector.l("b")[0, 0],
                                      sector.l("mu")[1, 0], norm=SM.norm_bs, alpha=SM.alpha_e_bsll,
                                      chi_real=1.0 if real else 0.0)
    scale = abs(c9_class_s_closed_form(m_phi, m_q, m_l, sector.l("s")[0, 0], sector.l("b")[0, 0],
                                       sector.l("mu")[1, 0], norm=SM.norm_bs, alpha=SM.alpha_e_bsll))
    assert abs(c9 - expected) <= 1e-10 * scale
    assert abs(c10 + expected) <= 1e-10 * scale


@pytest.mark.parametrize("majorana", [False, True])
def test_class_f_left_handed_closed_form(majorana):
    rng = np.random.default_rng(7)
    l_s, l_b, l_mu = rnd(rng, 3)
    sector = DarkSector((DarkFermion("Psi", 900.0, 0.0, majorana=majorana),),
                        (DarkScalar("Phi_q", 1400.0, -1 / 3, colour=3), DarkScalar("Phi_l", 600.0, -1.0)),
                        {"s": [[l_s, 0]], "b": [[l_b, 0]], "mu": [[0, l_mu]]})
    c9, c10 = box_c9_c10(sector)
    expected = c9_class_f_closed_form(900.0, 1400.0, 600.0, l_s, l_b, l_mu, norm=SM.norm_bs,
                                      alpha=SM.alpha_e_bsll, chi_majorana=1.0 if majorana else 0.0)
    assert c9 == pytest.approx(expected, rel=1e-10)
    assert c10 == pytest.approx(-expected, rel=1e-10)


@pytest.mark.parametrize("masses", [(900.0, 1400.0, 600.0), (1000.0, 1000.0, 1000.0),
                                    (1000.0, 1000.0 * (1 + 1e-9), 1000.0 * (1 - 1e-9))])
def test_class_f_class_s_exchange(masses):
    """The same box with fermions and scalars exchanged: a Dirac Ψ with complex Φ_q, Φ_ℓ
    (class F) equals a complex Φ with Dirac Ψ_q, Ψ_ℓ (class S) when M_Φ = m_Ψ, m_Ψq = M_Φq,
    m_Ψℓ = M_Φℓ (I2 is symmetric in its four masses): C_LL and CVLL. The crossed boxes do not
    map: a Majorana Ψ adds 2G (mass insertions), a real Φ subtracts F."""
    m, m_q, m_l = masses
    l_s, l_b, l_mu = 0.7 + 0.1j, -0.4 + 0.3j, 1.2 - 0.2j
    class_f = DarkSector((DarkFermion("Psi", m, 0.0),),
                         (DarkScalar("Phi_q", m_q, -1 / 3, colour=3), DarkScalar("Phi_l", m_l, -1.0)),
                         {"s": [[l_s, 0]], "b": [[l_b, 0]], "mu": [[0, l_mu]]})
    class_s = DarkSector((DarkFermion("Psi_q", m_q, -1 / 3, colour=3), DarkFermion("Psi_l", m_l, -1.0)),
                         (DarkScalar("Phi", m, 0.0),),
                         {"s": [[l_s], [0]], "b": [[l_b], [0]], "mu": [[0], [l_mu]]})
    f_ll = engine.box_semileptonic(class_f, "L", "L", "mu", "mu")
    s_ll = engine.box_semileptonic(class_s, "L", "L", "mu", "mu")
    assert s_ll == pytest.approx(f_ll, rel=1e-12)
    mixing_f = DarkSector(class_f.fermions, class_f.scalars[:1], {"s": [[l_s]], "b": [[l_b]]})
    mixing_s = DarkSector(class_s.fermions[:1], (DarkScalar("Phi", m, 0.0),), {"s": [[l_s]], "b": [[l_b]]})
    assert engine.box_bsbs(mixing_s) == pytest.approx(engine.box_bsbs(mixing_f), rel=1e-12)


def class_s_coefficients(sector):
    out = {"CVLL": engine.box_bsbs(sector), "photon": engine.photon_penguin(sector)}
    for x, y in (("L", "L"), ("L", "R")):
        out[f"box_{x}{y}"] = engine.box_semileptonic(sector, x, y, "mu", "mu")
    c7, _ = engine.dipole(sector, "s", "b", 0.0, SM.m_b)
    c8, _ = engine.dipole(sector, "s", "b", 0.0, SM.m_b, "gluon")
    out.update({"C7": c7, "C8": c8})
    return out


@pytest.mark.parametrize("kwargs", [{}, {"real": True}, {"phi_charge": -1.0}, {"split": (700.0, 950.0)}])
def test_class_s_decouples_as_inverse_mass_squared(kwargs):
    base = class_s_sector(**kwargs)
    k = 7.0
    heavy = DarkSector(
        tuple(DarkFermion(F.name, k * F.mass, F.charge, F.majorana, F.colour) for F in base.fermions),
        tuple(DarkScalar(S.name, k * S.mass, S.charge, S.colour, S.real) for S in base.scalars),
        base.left, base.right)
    lo, hi = class_s_coefficients(base), class_s_coefficients(heavy)
    for name, value in lo.items():
        if abs(value) == 0:
            continue
        assert hi[name] == pytest.approx(value / k**2, rel=1e-10), name


def test_class_s_left_handed_c9_equals_minus_c10_and_right_handed_breaks_it():
    lh = class_s_sector(right_leptons=False)
    c9, c10 = box_c9_c10(lh)
    assert abs(c9) > 0
    assert c9 == pytest.approx(-c10, rel=1e-12)
    c9, c10 = box_c9_c10(class_s_sector())
    assert abs(c9 + c10) > 1e-3 * abs(c9)


# ------------------------------------------------------------------------------------------
# colour: validation, dipoles, Ward identity


@pytest.mark.parametrize("build, match", [
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0, colour=2),), (DarkScalar("S", 1.0, 0.0),)), "colour 2"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0, majorana=True, colour=3),), (DarkScalar("S", 1.0, 0.0),)),
     "majorana"),
    (lambda: DarkSector((DarkFermion("F", 1.0, -1.0, majorana=True),), (DarkScalar("S", 1.0, 0.0),)),
     "majorana"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0),), (DarkScalar("S", 1.0, 0.0, colour=-3, real=True),)),
     "real"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0),), (DarkScalar("S", 1.0, -1.0, real=True),)), "real"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0),), (DarkScalar("S", 1.0, -1 / 3),), {"b": [[1.0]]}),
     "colour conservation"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 0.0),), (DarkScalar("S", 1.0, -1.0, colour=3),),
                        {"mu": [[1.0]]}), "colour conservation"),
    (lambda: DarkSector((DarkFermion("F", 1.0, 2 / 3, colour=3),), (DarkScalar("S", 1.0, -1.0, colour=3),),
                        {"b": [[1.0]]}), "colour conservation"),
])
def test_invalid_colours_are_rejected(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_both_coloured_quark_loops_raise_not_implemented():
    """3̄ ⊗ 3̄ → 3 is a valid quark coupling (a singlet exists), its colour factors are not
    implemented: every b→s function says so, the lepton functions still work."""
    sector = DarkSector((DarkFermion("F", 900.0, 1 / 3, colour=-3), DarkFermion("L", 500.0, 0.0)),
                        (DarkScalar("S", 1200.0, -2 / 3, colour=-3), DarkScalar("E", 700.0, -1.0)),
                        {"s": [[1.0, 0], [0, 0]], "b": [[0.5, 0], [0, 0]], "mu": [[0, 0], [0, 1.0]]})
    for call in (lambda: engine.box_bsbs(sector), lambda: engine.photon_penguin(sector),
                 lambda: engine.box_semileptonic(sector, "L", "L", "mu", "mu"),
                 lambda: engine.dipole(sector, "s", "b", 0.1, 4.2, "gluon"),
                 lambda: engine.dipole(sector, "s", "b", 0.1, 4.2)):
        with pytest.raises(NotImplementedError, match="both particles coloured"):
            call()
    assert engine.delta_a_lepton(sector, "mu", SM.m_mu) != 0


@pytest.mark.parametrize("colour", [3, 8])
def test_lepton_dipole_colour_multiplicity_equals_expanded_components(colour):
    """A lepton coupled to a coloured pair (3 ⊗ 3̄ or 8 ⊗ 8) sums over the colour of the loop:
    the same as the multiplet written as dim colour-singlet components with the same
    couplings (δ_ij normalisation)."""
    dim = {3: 3, 8: 8}[colour]
    majorana = colour == 8
    q_f = 0.0 if majorana else 2 / 3
    fermion = DarkFermion("F", 400.0, q_f, majorana=majorana, colour=colour)
    scalar = DarkScalar("S", 900.0, -1.0 - q_f, colour=-3 if colour == 3 else 8)
    cl, cr = 0.8 - 0.3j, 0.2 + 0.1j
    coloured = DarkSector((fermion,), (scalar,), {"mu": [[cl]], "e": [[0.3 * cl]]},
                          {"mu": [[cr]], "e": [[cr]]})
    expanded = DarkSector(tuple(DarkFermion(f"F{i}", 400.0, q_f, majorana=majorana) for i in range(dim)),
                          tuple(DarkScalar(f"S{i}", 900.0, -1.0 - q_f) for i in range(dim)),
                          {"mu": np.eye(dim) * cl, "e": np.eye(dim) * 0.3 * cl},
                          {"mu": np.eye(dim) * cr, "e": np.eye(dim) * cr})
    for f_out, f_in, m_out, m_in in (("mu", "mu", SM.m_mu, SM.m_mu), ("e", "mu", SM.m_e, SM.m_mu)):
        got = engine.dipole(coloured, f_out, f_in, m_out, m_in)
        ref = engine.dipole(expanded, f_out, f_in, m_out, m_in)
        assert got == pytest.approx(ref, rel=1e-13)
    single = DarkSector((DarkFermion("F", 400.0, q_f, majorana=majorana),),
                        (DarkScalar("S", 900.0, -1.0 - q_f),), {"mu": [[cl]]}, {"mu": [[cr]]})
    assert engine.delta_a_lepton(coloured, "mu", SM.m_mu) == pytest.approx(
        dim * engine.delta_a_lepton(single, "mu", SM.m_mu), rel=1e-13)


@pytest.mark.parametrize("q_fermion", [-1 / 3, 2 / 3, -4 / 3])
def test_gluon_on_the_coloured_fermion(q_fermion):
    """Class S: the gluon couples to the triplet fermion only, so with the photon also only on
    the fermion (neutral Φ) C7/C8 = Q_Ψ (cf. arXiv:2605.04010, vector-like quark and singlet);
    with a charged Φ the photon adds Q_Φ f_N1 while C8 keeps − f_C1. Class F mirrored."""
    l_s, l_b = 0.6 + 0.2j, -0.9
    q_phi = -1 / 3 - q_fermion
    sector = DarkSector((DarkFermion("Psi_q", 800.0, q_fermion, colour=3),),
                        (DarkScalar("Phi", 1300.0, q_phi),), {"s": [[l_s]], "b": [[l_b]]})
    c7, _ = engine.dipole(sector, "s", "b", SM.m_s, SM.m_b)
    c8, _ = engine.dipole(sector, "s", "b", SM.m_s, SM.m_b, "gluon")
    x = (800.0 / 1300.0) ** 2
    pre = l_s * np.conj(l_b) * SM.m_b / (64 * math.pi**2 * 1300.0**2)
    assert c8 == pytest.approx(-pre * loops.f_C1(x), rel=1e-12)
    assert c7 == pytest.approx(pre * (q_phi * loops.f_N1(x) - q_fermion * loops.f_C1(x)), rel=1e-12)
    if q_phi == 0:
        assert c7 / c8 == pytest.approx(q_fermion, rel=1e-12)
    class_f = DarkSector((DarkFermion("Psi", 800.0, 0.0),), (DarkScalar("Phi_q", 1300.0, -1 / 3, colour=3),),
                         {"s": [[l_s]], "b": [[l_b]]})
    c7f, _ = engine.dipole(class_f, "s", "b", SM.m_s, SM.m_b)
    c8f, _ = engine.dipole(class_f, "s", "b", SM.m_s, SM.m_b, "gluon")
    assert c7f / c8f == pytest.approx(-1 / 3, rel=1e-12)


@pytest.mark.parametrize("charges", [(-1 / 3, 0.0), (2 / 3, -1.0), (-4 / 3, 1.0)])
def test_photon_vertex_ward_identity_with_coloured_fermions(charges):
    """q² = 0 photon vertex (the Z penguin with g → Q, s_W² = ½ so g_L^d = Q_d) vanishes for a
    class-S loop with a colour-triplet fermion mixing with a second one (non-diagonal
    couplings), for any masses."""
    q_f, q_s = charges
    rng = np.random.default_rng(8)
    u = np.linalg.qr(rnd(rng, 2, 2))[0]
    sector = DarkSector((DarkFermion("Q1", 700.0, q_f, colour=3), DarkFermion("Q2", 1500.0, q_f, colour=3)),
                        (DarkScalar("Phi", 1000.0, q_s),),
                        {"s": (u @ rnd(rng, 2))[:, None], "b": (u @ rnd(rng, 2))[:, None]}, {},
                        ZCouplings(q_f * np.eye(2), q_f * np.eye(2), np.array([[q_s]])))
    assert abs(engine.z_penguin(sector, SM.replace(s2w=0.5))) < 1e-14
    assert abs(engine.photon_penguin(sector)) > 0


# ------------------------------------------------------------------------------------------
# Z penguin with real scalars


def split_doublet_sector(m_r, m_i, symmetric_junk=0.0):
    """Class S_IIc-like: Ψ_q (3,1)_{−1/3} (vector-like), Φ⁰ of a Y = ½ doublet (T3 = −½) split
    into real Φ_R, Φ_I; d_L couples through Φ⁰ = (Φ_R + iΦ_I)/√2. g^S = W† diag(−½) W as the
    model layer builds it (optionally plus a symmetric matrix, which must not matter)."""
    s2 = SM.s2w
    w = np.array([[1, 1j]]) / math.sqrt(2)
    g_s = w.conj().T @ np.array([[-0.5]]) @ w + symmetric_junk * np.array([[1.0, 0.3], [0.3, -2.0]])
    g_psi = np.array([[s2 / 3]])
    return DarkSector((DarkFermion("Psi_q", 1200.0, -1 / 3, colour=3),),
                      (DarkScalar("Phi_R", m_r, 0.0, real=True), DarkScalar("Phi_I", m_i, 0.0, real=True)),
                      {"s": 0.8 * w, "b": (0.5 - 0.2j) * w}, {}, ZCouplings(g_psi, g_psi, g_s))


def test_z_penguin_real_scalars():
    """(i) Only the antisymmetric part of g^S counts between real states (no Z Φ_R Φ_R); (ii)
    the divergence check passes with the Hermitian g^S of the model layer; (iii) degenerate
    components give the complex field, for which T3(d_L) = T3(Φ⁰) makes Y vanish exactly
    (SU(2)-invariant couplings without mixing); (iv) the splitting turns it on, quadratically
    (the two components enter symmetrically)."""
    y = engine.z_penguin(split_doublet_sector(800.0, 900.0), SM)
    assert abs(y) > 0
    junk = split_doublet_sector(800.0, 900.0, symmetric_junk=0.7)
    assert engine.z_penguin(junk, SM) == pytest.approx(y, rel=1e-12)
    g_psi = np.array([[SM.s2w / 3]])
    complex_field = DarkSector((DarkFermion("Psi_q", 1200.0, -1 / 3, colour=3),),
                               (DarkScalar("Phi0", 800.0, 0.0),), {"s": [[0.8]], "b": [[0.5 - 0.2j]]}, {},
                               ZCouplings(g_psi, g_psi, np.array([[-0.5]])))
    assert engine.z_penguin(complex_field, SM) == 0
    assert abs(engine.z_penguin(split_doublet_sector(800.0, 800.0), SM)) < 1e-13 * abs(y)
    # φ⁰ → iφ⁰ swaps the components (l → il leaves l_s l_b^*): Y is even in M_I − M_R
    assert engine.z_penguin(split_doublet_sector(900.0, 800.0), SM) == pytest.approx(y, rel=1e-12)
    small = [engine.z_penguin(split_doublet_sector(800.0, 800.0 * (1 + e)), SM) for e in (1e-4, 2e-4)]
    assert small[1] / small[0] == pytest.approx(4.0, rel=1e-3)


def test_z_penguin_refuses_real_scalars_without_gauge_invariance():
    """Real components with g^S of a wrong size: the pole check still bites."""
    sector = split_doublet_sector(800.0, 900.0)
    bad = DarkSector(sector.fermions, sector.scalars, sector.left, {},
                     ZCouplings(sector.z.left, sector.z.right, 2 * sector.z.scalar))
    with pytest.raises(ValueError, match="gauge invariant"):
        engine.z_penguin(bad, SM)


# ------------------------------------------------------------------------------------------
# batch axis


def test_batch_axis_class_s_and_both_classes():
    """A batch of points (masses (N,), couplings (N, nF, nS), Z couplings (N, ·, ·)) gives the
    point-by-point results for every function, with real scalars, a coloured Dirac fermion and
    a Majorana one."""
    points = [both_classes_sector(seed=s) for s in range(4)] + [both_classes_sector(seed=9, degenerate=True)]
    n = len(points)
    base = points[0]
    scale = np.array([1.0, 1.3, 0.8, 2.0, 1.0])
    fermions = tuple(DarkFermion(F.name, scale * np.array([p.fermions[i].mass for p in points]), F.charge,
                                 F.majorana, F.colour) for i, F in enumerate(base.fermions))
    scalars = tuple(DarkScalar(S.name, scale * np.array([p.scalars[i].mass for p in points]), S.charge,
                               S.colour, S.real) for i, S in enumerate(base.scalars))
    left = {f: np.stack([p.l(f) for p in points]) for f in base.left}
    right = {f: np.stack([p.r(f) for p in points]) for f in base.right}
    batch = DarkSector(fermions, scalars, left, right)
    singles = [DarkSector(tuple(DarkFermion(F.name, float(F.mass[k]), F.charge, F.majorana, F.colour)
                                for F in fermions),
                          tuple(DarkScalar(S.name, float(S.mass[k]), S.charge, S.colour, S.real)
                                for S in scalars),
                          {f: c[k] for f, c in left.items()}, {f: c[k] for f, c in right.items()})
               for k in range(n)]
    got = {**matching.quark_coefficients(batch, SM), **matching.lepton_dipoles(batch, SM)}
    for k, single in enumerate(singles):
        ref = {**matching.quark_coefficients(single, SM), **matching.lepton_dipoles(single, SM)}
        for name, value in ref.items():
            assert got[name][k] == pytest.approx(value, rel=1e-12, abs=1e-300), (name, k)
    # the Z penguin with real scalars on a batch
    zs = [split_doublet_sector(800.0 + 50 * k, 900.0) for k in range(3)]
    z_batch = ZCouplings(*(np.stack([getattr(zs[0].z, a)] * 3) for a in ("left", "right", "scalar")))
    zb = DarkSector(zs[0].fermions,
                    tuple(DarkScalar(S.name, np.array([p.scalars[i].mass for p in zs]), 0.0, real=True)
                          for i, S in enumerate(zs[0].scalars)),
                    {f: np.stack([p.l(f) for p in zs]) for f in ("s", "b")}, {}, z_batch)
    yb = engine.z_penguin(zb, SM)
    for k, single in enumerate(zs):
        assert yb[k] == pytest.approx(engine.z_penguin(single, SM), rel=1e-12)
