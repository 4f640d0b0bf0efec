"""A lean numpy kernel of a scan point's arithmetic: the bound the scan's throughput is held to.

What a scan point of issue 12's workload costs in the project (``bridge.scan.runner.run_chunk``
of a default ``bridge scan --likelihood seed2021``: the model, the 10 observables of ``bridge
run`` from the fast path, the seed χ²), done again here with plain arrays and functions (no
dataclasses, no caches, no hooks, no sanity checks):

1. the spectrum (:func:`f_ib_sector`, :func:`f_iib_sector`, :func:`s_ib_sector`,
   :func:`scotogenic_sector`, each documenting its own; F_Ib: the seed's Eq. (6) neutral mass
   matrix, arXiv:2104.03228, with M_Ψ' in its (2,3) entries as in plugins/F_Ib.py,
   Takagi-factorised by numpy's ``eigh`` with the phase i on negative eigenvalues, as
   bridge.linalg.takagi; the couplings
   d_L–F_j–Φ_q: Γ^Q V_1j^*, μ_L–F_j–Φ_ℓ^−: Γ^L V_1j^*, ν_μ–F_j–Φ_ℓ^0: Γ^L V_1j^*,
   μ_R–F_j–Φ_ℓ^−: Γ^E V_2j, μ_R–Ψ'^−–Φ_ℓ^0: −Γ^E, and the Z couplings
   G_ij = ½(V_2i^* V_2j − V_3i^* V_3j), −G^* on the right);
2. every Wilson coefficient the 10 observables read that the model has, at the matching scale
   (:func:`b_to_s`, :func:`lepton_dipoles`; bridge.matching): C9, C10 of e, μ, τ and CL_bs of
   the neutrino pairs — the boxes of ``bridge.engine.box_semileptonic`` (all six Wick
   topologies FD, FX, SD, SX, M1, M2 with their κ, ρ factors, LL and LR, on the coupled fermions
   and scalars), the photon penguin (J_S, J_F) and the Z penguin (fermion-line, scalar-line and
   leg terms, masses in units of the heaviest, the engine's 1e-13 residue cut); C7, C7p, C8,
   C8p (photon and gluon dipoles, f_N1, f_C1, f_N2, f_C2); CVLL_bsbs (``box_bsbs``); C7_μμ and,
   for the scotogenic model, Cgamma_μe, Cgamma_eμ, with every lepton mass at its running value
   m_ℓ(μ_M) as bridge.handover renormalises them;
3. the running to the hand-over scale (:func:`run`, bridge.running's leading-log rules): μ_M
   the heaviest dark mass, six flavours to m_t and five below, the (C7, C8) pairs and CVLL in
   QCD, the lepton dipoles in QED; C9, C10, CL are conserved currents (unrun);
4. the 10 observables from the coefficients at the hand-over scale (:func:`observables`): the
   fast path's own arithmetic written plainly — u = coefficients over their design steps,
   quadratic polynomials a + b·u + u·Q·u, the binned rates of R_K, R_K* as QUADPACK's QAGS on
   node values φ(y) W (y = P u, the first level and the two halves of DQAGSE, DQK21 as weight
   vectors), the forms (ratio, ΔM_s of the complex M_12 and Γ_12). The representation's
   arrays are data read once (:func:`observable_tables`, like the card);
5. Δa_μ (:func:`delta_a_mu`, the one-loop dipole the χ² reads unrun) and the seed χ²
   (:func:`seed_chi2`): Σ pull² of C_LL^μ = Re(C9 − C10)/2 at the hand-over scale and Δa_μ.

The loop functions are the project's own scalar functions (bridge.loops.box_integrals,
dd2_pair, dd2_u2logu, dipole_functions, penguin_functions: plain numpy on flat arrays, with
the degenerate-mass series branches, which every point of the scan grids takes: a box has
I(m_a², m_a², M_A², M_B²) for a = b, the two components of each doublet are exactly degenerate,
and S_Ib's Φ_R, Φ_I are split by λ_Φ v² only). They are the arithmetic, not
bookkeeping. Each box integral is evaluated once per distinct unordered set of four masses for
all boxes of the point (LL and LR, every topology: one loops.box_integrals call), as any careful
implementation would (I1, I2 are symmetric); the Z-penguin divided differences once per
unordered pair.

Less work than the project, legitimately (the project could skip it too for this workload):
the coefficients no one of the 10 observables reads (F_Ib: CVLL_ucuc; scotogenic: the LFV
four-fermion and τ dipoles, C7_ee, C7_ττ), the b→d and s→d sectors, the Δa_μ split and other
one-loop summaries, the Z-pole shifts, the mass and coefficient columns of the store, the
sanity flags and the Z-penguin pole check, the fast path's route bookkeeping (a point whose
coefficients leave the fast path, a quadrature QUADPACK bisects further: NaN here); what no
scanned parameter enters (the scotogenic η^0 and charged-scalar eigensystems, α at the
hand-over scale) is computed once per batch, not per point. Seed likelihoods only: the
``flavio`` likelihood's 21 observables (B_s→φμμ's time integration among them) have no lean
kernel.
S_Ib's 4×4 scalar matrix splits into (Φ_R, Φ'_R) and (Φ_I, Φ'_I) for real a_H, λ_Φ: two 2×2
Jacobi rotations, as bridge.linalg.real_symmetric. Faster still, and open to the project too: a
closed form for F_Ib's 3×3 instead of LAPACK ``eigh`` (about a tenth of its kernel's time).

Kept honest: every step runs on all points at once (no Python loop over points; the only
Python loops run over the few fermion/scalar index combinations, fixed by the model), no array
is copied that the arithmetic does not need, nothing is cached between calls (the benchmark
times whole calls: spectrum to χ²) but α_s, α_e at the batch's common scales (m_t, μ_0: constants
of the SM inputs, which bridge.running keeps too), and the outputs equal run_chunk's to 1e-10 relative
(tests/test_lean_kernel.py: every coefficient, observable, Δa_μ and the χ²; measured ≤ 8e-11,
the largest on the Z penguin's cancelling sum at S_Ib's near-degenerate scalars). α_s, α_e
are bridge.couplings' (flavio's RunDec values, numpy), m_ℓ(μ_M)/m_ℓ bridge.running's
lepton_mass_ratio (an interpolated table). The scotogenic Y_N uses
bridge.neutrino.casas_ibarra_batch, a vectorised numpy function like bridge.loops' (its canonical
Takagi of Σ fixes the convention R refers to).

Usage: imported by benchmarks/scan_throughput.py and tests/test_lean_kernel.py.
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np

from bridge import linalg, loops
from bridge import neutrino as nu

LOOP = 16.0 * math.pi**2
CHARGED = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
LEFT_LEPTONS = CHARGED + NEUTRINOS
#: flavio's names of the lepton flavours
FLAVIO = {"e": "e", "mu": "mu", "tau": "tau", "nu_e": "nue", "nu_mu": "numu", "nu_tau": "nutau"}


# ---------------------------------------------------------------------------
# spectra
# ---------------------------------------------------------------------------
def f_ib_sector(m_psi, m_psip, card: dict, sm) -> dict:
    """F_Ib's sector arrays at the scanned (M_Ψ, M_Ψ') (arrays (N,)) and the card's other values
    (``card``: m_phi_q, m_phi_l, lam_l, lam_r, gq (3,), gl (3,), ge (3,)). Fermions
    F0_1..3, Ψ'^−; scalars Φ_q^{2/3}, Φ_q^{−1/3}, Φ_ℓ^0, Φ_ℓ^− (plugins/F_Ib.py)."""
    n = m_psi.shape[0]
    hv = sm.vev / math.sqrt(2.0)
    mat = np.zeros((n, 3, 3))
    mat[:, 0, 0] = m_psi
    mat[:, 0, 1] = mat[:, 1, 0] = card["lam_l"] * hv
    mat[:, 0, 2] = mat[:, 2, 0] = card["lam_r"] * hv
    mat[:, 1, 2] = mat[:, 2, 1] = m_psip
    eig, orth = np.linalg.eigh(mat)
    order = np.argsort(np.abs(eig), axis=-1, kind="stable")
    if np.array_equal(order, np.broadcast_to(order[0], order.shape)):  # one order for the batch
        m = np.abs(eig)[:, order[0]]  # (as bridge.linalg._sort: one permutation)
        v = (orth * np.where(eig < 0, 1j, 1.0)[:, None, :])[:, :, order[0]]
    else:
        m = np.take_along_axis(np.abs(eig), order, axis=-1)
        v = np.take_along_axis(orth * np.where(eig < 0, 1j, 1.0)[:, None, :], order[:, None, :], axis=-1)
    mf = np.concatenate([m, m_psip[:, None]], axis=1)
    ms = np.broadcast_to(np.array([card["m_phi_q"], card["m_phi_q"], card["m_phi_l"], card["m_phi_l"]]),
                         (n, 4))
    v1c = v[:, 0, :].conj()
    zero = np.zeros((n, 4, 4), complex)
    ls, lb, lmu, rmu = zero.copy(), zero.copy(), zero.copy(), zero.copy()
    ls[:, :3, 1] = card["gq"][1] * v1c
    lb[:, :3, 1] = card["gq"][2] * v1c
    lmu[:, :3, 3] = card["gl"][1] * v1c
    rmu[:, :3, 3] = card["ge"][1] * v[:, 1, :]
    rmu[:, 3, 2] = -card["ge"][1]
    lnu = zero.copy()  # ν_μ–F_j–Φ_ℓ^0: the doublet partner of μ_L–F_j–Φ_ℓ^−
    lnu[:, :3, 2] = card["gl"][1] * v1c
    g = 0.5 * (v[:, 1, :, None].conj() * v[:, 1, None, :] - v[:, 2, :, None].conj() * v[:, 2, None, :])
    gl = zero.copy()
    gl[:, :3, :3] = g
    gr = zero.copy()
    gr[:, :3, :3] = -g.conj()
    gl[:, 3, 3] = gr[:, 3, 3] = -0.5 + sm.s2w
    s2w = sm.s2w
    gs = np.diag([0.5 - 2 * s2w / 3, -0.5 + s2w / 3, 0.5, -0.5 + s2w]).astype(complex)
    return {"mf": mf, "ms": ms, "qf": np.array([0.0, 0.0, 0.0, -1.0]),
            "qs": np.array([2 / 3, -1 / 3, 0.0, -1.0]), "maj": np.array([1.0, 1.0, 1.0, 0.0]),
            "real": np.zeros(4), "colour_f": np.ones(4, int), "colour_s": np.array([3, 3, 1, 1]),
            "ls": ls, "lb": lb, "rs": zero, "rb": zero, "lmu": lmu, "rmu": rmu,
            "lep": {"mu": lmu, "nu_mu": lnu}, "rlep": {"mu": rmu}, "gL": gl, "gR": gr, "gS": gs}


def f_iib_sector(m_psi, m_phil, card: dict, sm) -> dict:
    """F_IIb's sector arrays at the scanned (M_Ψ, M_Φℓ) and the card's other values
    (plugins/F_IIb.py): the charged M = [[M_Ψ, λ_R v/√2], [λ_L v/√2, M_Ψ']] = U_L diag(m) U_R†
    (real: one Jacobi angle of MᵀM, as bridge.linalg's 2×2 path), fermions F^−_1, F^−_2, Ψ^0,
    scalars Φ_q (complex), Φ_ℓ (real); d_L–F_k: Γ^Q (U_R)_1k, μ_L–F_k: Γ^L (U_R)_1k,
    μ_R–F_k: Γ^E (U_L)_2k; Z: U†diag(T3 − s_W²Q)U on either side."""
    n = m_psi.shape[0]
    hv = sm.vev / math.sqrt(2.0)
    a, b, c, d = m_psi, card["lam_r"] * hv, card["lam_l"] * hv, card["m_psip"]
    h00, h01, h11 = a * a + c * c, a * b + c * d, b * b + d * d  # MᵀM
    t = 0.5 * np.arctan2(2.0 * h01, h00 - h11)
    cos, sin = np.cos(t), np.sin(t)
    ur = np.empty((n, 2, 2))
    ur[:, 0, 1], ur[:, 1, 1] = cos, sin  # the larger singular value's vector
    ur[:, 0, 0], ur[:, 1, 0] = -sin, cos
    mv1 = np.stack([a * cos + b * sin, c * cos + d * sin], axis=-1)
    s_big = np.hypot(mv1[:, 0], mv1[:, 1])
    u_big = mv1 / s_big[:, None]
    p = np.stack([-u_big[:, 1], u_big[:, 0]], axis=-1)
    w = p[:, 0] * (-a * sin + b * cos) + p[:, 1] * (-c * sin + d * cos)
    ul = np.empty((n, 2, 2))
    ul[:, :, 0] = p * np.where(w < 0, -1.0, 1.0)[:, None]
    ul[:, :, 1] = u_big
    mf = np.stack([np.abs(w), s_big, m_psi], axis=-1)
    ms = np.stack([np.full(n, card["m_phi_q"]), m_phil], axis=-1)
    zero = np.zeros((n, 3, 2), complex)
    ls, lb, lmu, rmu = zero.copy(), zero.copy(), zero.copy(), zero.copy()
    ls[:, :2, 0] = card["gq"][1] * ur[:, 0, :]
    lb[:, :2, 0] = card["gq"][2] * ur[:, 0, :]
    lmu[:, :2, 1] = card["gl"][1] * ur[:, 0, :]
    rmu[:, :2, 1] = card["ge"][1] * ul[:, 1, :]
    lnu = zero.copy()  # ν_μ–Ψ^0–Φ_ℓ: Γ^L
    lnu[:, 2, 1] = card["gl"][1]
    z = np.array([-0.5 + sm.s2w, sm.s2w])
    gl = np.zeros((n, 3, 3), complex)
    gr = np.zeros((n, 3, 3), complex)
    gl[:, :2, :2] = np.einsum("nai,a,naj->nij", ul, z, ul)
    gr[:, :2, :2] = np.einsum("nai,a,naj->nij", ur, z, ur)
    gl[:, 2, 2] = gr[:, 2, 2] = 0.5
    gs = np.diag([-2 * sm.s2w / 3, 0.0]).astype(complex)
    return {"mf": mf, "ms": ms, "qf": np.array([-1.0, -1.0, 0.0]), "qs": np.array([2 / 3, 0.0]),
            "maj": np.zeros(3), "real": np.array([0.0, 1.0]), "colour_f": np.ones(3, int),
            "colour_s": np.array([3, 1]), "ls": ls, "lb": lb, "rs": zero, "rb": zero,
            "lmu": lmu, "rmu": rmu, "lep": {"mu": lmu, "nu_mu": lnu}, "rlep": {"mu": rmu},
            "gL": gl, "gR": gr, "gS": gs}


def s_ib_sector(m_phi, m_psiq, card: dict, sm) -> dict:
    """S_Ib's sector arrays at the scanned (M_Φ, M_Ψq) and the card's other values
    (plugins/_table2.py, class S): the neutral scalars in x = (Φ_R, Φ_I, Φ'^0_R, Φ'^0_I),
    V = ½ xᵀ M² x, M² = [[M_Φ² ± λ_Φ v²/2 on R, I; a_H v/√2 to the same part of Φ'^0], [.., M_Φ'²]],
    x = O S (the two 2×2 blocks of M², as bridge.linalg.real_symmetric),
    Φ = (O_0k + i O_1k)/√2 S_k, Φ'^0 = (O_2k + i O_3k)/√2 S_k; fermions
    Ψ_q^{2/3}, Ψ_q^{−1/3}, Ψ_ℓ^0, Ψ_ℓ^− (Dirac), scalars S0_1..4 (real), Φ'^−;
    d_L–Ψ_q^{−1/3}–S_k: Γ^Q Φ_k, μ_L–Ψ_ℓ^−–S_k: Γ^L Φ_k, μ_R–Ψ_ℓ^−–S_k: −Γ^E Φ'^0_k,
    μ_R–Ψ_ℓ^0–Φ'^−: Γ^E; Z of the S_k: ½ Φ'^0_k^* Φ'^0_l."""
    n = m_phi.shape[0]
    v = sm.vev
    split = card["lam_phi"] * v * v / 2.0
    mix = card["a_h"] * v / math.sqrt(2.0)
    # real a_H, λ_Φ: M² is block-diagonal on (Φ_R, Φ'^0_R) and (Φ_I, Φ'^0_I), each 2×2 block
    # [[M_Φ² ± split, mix], [mix, M_Φ'²]] one Jacobi rotation (bridge.linalg._eigh2_parts, as
    # bridge.linalg.real_symmetric); S_k in the order of the blocks (the sums over states do not
    # depend on it)
    eig = np.empty((n, 4))
    o = np.zeros((n, 4, 4))
    heavy, off = np.full(n, card["m_phip"] ** 2), np.full(n, mix)
    for part, sign in ((0, 1.0), (1, -1.0)):
        low, high, first, second = linalg._eigh2_parts(m_phi * m_phi + sign * split, heavy, off, False)
        eig[:, 2 * part], eig[:, 2 * part + 1] = low, high
        o[:, part, 2 * part], o[:, part + 2, 2 * part] = first
        o[:, part, 2 * part + 1], o[:, part + 2, 2 * part + 1] = second
    phi = (o[:, 0, :] + 1j * o[:, 1, :]) / math.sqrt(2.0)
    phip = (o[:, 2, :] + 1j * o[:, 3, :]) / math.sqrt(2.0)
    mf = np.stack([m_psiq, m_psiq, np.full(n, card["m_psil"]), np.full(n, card["m_psil"])], axis=-1)
    ms = np.concatenate([np.sqrt(eig), np.full((n, 1), card["m_phip"])], axis=-1)
    zero = np.zeros((n, 4, 5), complex)
    ls, lb, lmu, rmu = zero.copy(), zero.copy(), zero.copy(), zero.copy()
    ls[:, 1, :4] = card["gq"][1] * phi
    lb[:, 1, :4] = card["gq"][2] * phi
    lmu[:, 3, :4] = card["gl"][1] * phi
    rmu[:, 3, :4] = -card["ge"][1] * phip
    rmu[:, 2, 4] = card["ge"][1]
    lnu = zero.copy()  # ν_μ–Ψ_ℓ^0–S_k: Γ^L Φ_k (the doublet partner of μ_L–Ψ_ℓ^−–S_k)
    lnu[:, 2, :4] = card["gl"][1] * phi
    s2w = sm.s2w
    gf = np.diag([0.5 - 2 * s2w / 3, -0.5 + s2w / 3, 0.5, -0.5 + s2w]).astype(complex)
    gs = np.zeros((n, 5, 5), complex)
    gs[:, :4, :4] = 0.5 * phip[:, :, None].conj() * phip[:, None, :]
    gs[:, 4, 4] = -0.5 + s2w
    return {"mf": mf, "ms": ms, "qf": np.array([2 / 3, -1 / 3, 0.0, -1.0]),
            "qs": np.array([0.0, 0.0, 0.0, 0.0, -1.0]), "maj": np.zeros(4),
            "real": np.array([1.0, 1.0, 1.0, 1.0, 0.0]), "colour_f": np.array([3, 3, 1, 1]),
            "colour_s": np.ones(5, int), "ls": ls, "lb": lb, "rs": zero, "rb": zero,
            "lmu": lmu, "rmu": rmu, "lep": {"mu": lmu, "nu_mu": lnu}, "rlep": {"mu": rmu},
            "gL": np.broadcast_to(gf, (n, 4, 4)),
            "gR": np.broadcast_to(gf, (n, 4, 4)), "gS": gs}


def scotogenic_sector(m_n, m_s, card: dict, sm) -> dict:
    """The scotogenic model's sector arrays at the scanned (M_N, m_S) and the card's other values
    (plugins/scotogenic.py, seed 001, PRD 107 (2023) 035034): Σ of m_ν = Y_N Σ Y_Nᵀ exactly at
    one loop in the Nambu basis (η^0, η^0*) (plugins/scotogenic.loop_sigma: 𝕄 = 𝔻 + 𝕃 = U μ² U†,
    Σ = M_N/(16π²) [U (g[μ_i², d_j] ∘ U†𝕃)]_{12}, g the scotogenic kernel), Y_N by Casas–Ibarra
    (bridge.neutrino.casas_ibarra_batch, seed 001 Eqs. (7)-(8): its canonical Takagi of Σ fixes
    the convention R refers to); the charged M±² = [[m_η1², 0, −μ_1 v/√2], [0, m_η2², −μ_2 v/√2],
    [.., .., m_φ²]] = U diag(m²) U†. Fermion N (Majorana); scalars: the four real η^0 states
    (masses √(m_ηa² ± v²λ5_aa/2): they enter no output here), h^−_{1,2,3}, S^{2/3}, S^{−1/3};
    d_L–N–S^{−1/3}: −Y_S, μ_L–N–h_k: Σ_a Y_N^*_{μa} U_ak, μ_R–N–h_k: −κ_μ^* U_3k; Z couplings:
    N none, S^{−1/3}: −½ + s_W²/3 (the Z penguin cancels, as in the project)."""
    n = m_n.shape[0]
    v = sm.vev
    # Σ (the Nambu form of loop_sigma; the η^0 eigensystem has no scanned parameter: once)
    d2 = np.array(card["m_eta"]) ** 2
    big_l = 0.5 * v * v * np.asarray(card["lam5"], complex)
    pert = np.zeros((4, 4), complex)
    pert[:2, 2:] = big_l.conj()
    pert[2:, :2] = big_l
    dd = np.concatenate([d2, d2])
    mu2, u = np.linalg.eigh(pert + dd[:, None] * np.eye(4))
    # g[μ_i², d_j] with d = (d_1, d_2, d_1, d_2): the two distinct columns once
    half = loops.scoto_kernel(np.broadcast_to(mu2[:, None], (n, 4, 2)),
                              np.broadcast_to(d2[None, :], (n, 4, 2)), (m_n * m_n)[:, None, None])
    kern = np.concatenate([half, half], axis=-1)
    x = u @ (kern * (u.conj().T @ pert))
    sigma = m_n[:, None, None] / LOOP * x[:, :2, 2:]
    sigma = 0.5 * (sigma + np.swapaxes(sigma, -1, -2))
    y_n = nu.casas_ibarra_batch(sigma, card["light"], card["pmns"], card["r"])  # (N, 3, 2)
    # charged scalars: no scanned parameter enters, so once per batch
    m2 = np.zeros((3, 3), complex)
    m2[0, 0], m2[1, 1], m2[2, 2] = d2[0], d2[1], card["m_phi"] ** 2
    off = -np.asarray(card["mu"], complex) * v / math.sqrt(2.0)
    m2[0, 2], m2[1, 2] = off[0], off[1]
    m2[2, 0], m2[2, 1] = off[0].conjugate(), off[1].conjugate()
    mh2, uc = np.linalg.eigh(m2)
    # the real η^0 states: η_a^0 = (R_a + i I_a)/√2, V ⊃ η†Dη + Re(ηᵀ𝕃η) = ½ xᵀ M x on
    # x = (R, I), M = [[D + Re 𝕃, −Im 𝕃], [−Im 𝕃, D − Re 𝕃]] (the Nambu 𝕄's eigenvalues);
    # x = O S, so η_a^0 = Σ_k w_ak S_k with w = (O_R + i O_I)/√2 (once per batch)
    dmat = np.diag(d2)
    m_eta0_2, o = np.linalg.eigh(np.block([[dmat + big_l.real, -big_l.imag],
                                           [-big_l.imag, dmat - big_l.real]]))
    m_eta0 = np.sqrt(m_eta0_2)
    w = (o[:2, :] + 1j * o[2:, :]) / math.sqrt(2.0)
    ms = np.concatenate([np.broadcast_to(m_eta0, (n, 4)), np.broadcast_to(np.sqrt(mh2), (n, 3)),
                         m_s[:, None], m_s[:, None]], axis=-1)
    zero = np.zeros((n, 1, 9), complex)
    ls, lb, lmu, rmu = zero.copy(), zero.copy(), zero.copy(), zero.copy()
    ls[:, 0, 8] = -card["y_s"][1]
    lb[:, 0, 8] = -card["y_s"][2]
    lmu[:, 0, 4:7] = y_n[:, 1, :].conj() @ uc[:2, :]
    rmu[:, 0, 4:7] = -np.conj(card["kappa"][1]) * uc[2, :]
    lep, rlep = {"mu": lmu}, {"mu": rmu}
    for k, (name, nu_name) in enumerate((("e", "nu_e"), ("mu", "nu_mu"), ("tau", "nu_tau"))):
        if name != "mu":
            lep[name] = zero.copy()
            lep[name][:, 0, 4:7] = y_n[:, k, :].conj() @ uc[:2, :]
            if card["kappa"][k] != 0:
                rlep[name] = zero.copy()
                rlep[name][:, 0, 4:7] = -np.conj(card["kappa"][k]) * uc[2, :]
        # ν_α–N–S_k: the doublet partner of ℓ_α–N–h_k, through η_a^0 = Σ_k w_ak S_k
        lep[nu_name] = zero.copy()
        lep[nu_name][:, 0, :4] = y_n[:, k, :].conj() @ w
    gs = np.zeros((9, 9), complex)
    gs[8, 8] = -0.5 + sm.s2w / 3
    gs[7, 7] = 0.5 - 2 * sm.s2w / 3
    gs[4:7, 4:7] = np.eye(3) * (-0.5 + sm.s2w)  # the charged h^−: ηa^− and φ^− alike here
    zf = np.zeros((n, 1, 1), complex)
    return {"mf": m_n[:, None], "ms": ms, "qf": np.zeros(1),
            "qs": np.array([0.0, 0.0, 0.0, 0.0, -1.0, -1.0, -1.0, 2 / 3, -1 / 3]), "maj": np.ones(1),
            "real": np.array([1.0, 1.0, 1.0, 1.0, 0, 0, 0, 0, 0]), "colour_f": np.ones(1, int),
            "colour_s": np.array([1, 1, 1, 1, 1, 1, 1, 3, 3]), "ls": ls, "lb": lb, "rs": zero,
            "rb": zero, "lmu": lmu, "rmu": rmu, "lep": lep, "rlep": rlep, "gL": zf, "gR": zf, "gS": gs}


def scotogenic_card(inputs) -> dict:
    """The card's other values for :func:`scotogenic_sector` (the plugin's own card reader)."""
    from bridge_plugins.scotogenic import read_parameters

    par = read_parameters(inputs.point(0) if hasattr(inputs, "point") else inputs)
    osc = par.oscillation
    return {"m_eta": par.m_eta, "lam5": par.lam5, "m_phi": par.m_phi, "mu": par.mu,
            "kappa": par.kappa, "y_s": par.y_s, "light": nu.light_masses(osc),
            "pmns": nu.pmns_from_data(osc), "r": nu.rank2_r(par.theta, par.ordering)}


def sector_arrays(sector) -> dict:
    """The same arrays from a batched bridge.engine.DarkSector (to test steps 2-5 alone)."""
    n = sector.batch_shape[0]
    shape = (n, len(sector.fermions), len(sector.scalars))

    def c(table, f):
        return np.broadcast_to(table[f], shape) if f in table else np.zeros(shape, complex)

    z = sector.z
    nf, ns = shape[1:]
    return {"mf": np.broadcast_to(sector.m_fermion, (n, nf)), "ms": np.broadcast_to(sector.m_scalar, (n, ns)),
            "qf": np.array([f.charge for f in sector.fermions], float),
            "qs": np.array([s.charge for s in sector.scalars], float),
            "maj": np.array([f.majorana for f in sector.fermions], float),
            "real": np.array([s.real for s in sector.scalars], float),
            "colour_f": np.array([f.colour for f in sector.fermions]),
            "colour_s": np.array([s.colour for s in sector.scalars]),
            "ls": c(sector.left, "s"), "lb": c(sector.left, "b"), "rs": c(sector.right, "s"),
            "rb": c(sector.right, "b"), "lmu": c(sector.left, "mu"), "rmu": c(sector.right, "mu"),
            "lep": {f: c(sector.left, f) for f in LEFT_LEPTONS if f in sector.left},
            "rlep": {f: c(sector.right, f) for f in CHARGED if f in sector.right},
            "gL": None if z is None else np.broadcast_to(z.left, (n, nf, nf)),
            "gR": None if z is None else np.broadcast_to(z.right, (n, nf, nf)),
            "gS": None if z is None else np.asarray(z.scalar)}


# ---------------------------------------------------------------------------
# loop tables
# ---------------------------------------------------------------------------
def _columns(m2) -> list[int]:
    """Each column's first column of equal mass at every point (degenerate multiplets)."""
    out: list[int] = []
    for k in range(m2.shape[1]):
        out.append(next((u for u in out[:k] if u == out[u] and np.array_equal(m2[:, u], m2[:, k])), k))
    return out


def _nz(c) -> np.ndarray:
    return np.any(c != 0, axis=0)


def _support(*masks):
    """The fermions and scalars with a non-zero coupling in any of the (nF, nS) masks."""
    used = masks[0]
    for m in masks[1:]:
        used = used | m
    return np.flatnonzero(used.any(axis=1)), np.flatnonzero(used.any(axis=0))


def _box_blocks(qmask, xmask):
    """The (fermion, fermion, scalar, scalar) blocks a box needs (see :func:`box`)."""
    fq, sq = _support(qmask)
    fl, sl = _support(xmask)
    fb, sb = np.intersect1d(fq, fl), np.intersect1d(sq, sl)
    blocks = []
    if fb.size:
        blocks.append((fb, fb, sq, sl))
    if sb.size:
        blocks.append((fq, fl, sb, sb))
        if fb.size:
            blocks.append((fb, fb, sb, sb))
    return (fq, sq, fl, sl, fb, sb), blocks


def _box_tables(mf2, ms2, blocks, i1: bool = True):
    """(I2, I1) on each block (N first), one loops.box_integrals call for all of them, each
    distinct unordered set of masses once (I1, I2 are symmetric in their four arguments);
    without ``i1`` (no topology reads it: class S boxes, B_s mixing without Majorana
    fermions) I2 alone (loops.box_I2, I1 None), as bridge.engine asks for the kinds it reads."""
    fc, sc = _columns(mf2), _columns(ms2)
    keys: dict = {}
    idxs = []
    for fa, fb, sa, sb in blocks:
        idx = np.empty((len(fa), len(fb), len(sa), len(sb)), int)
        for i, a in enumerate(fa):
            for j, b in enumerate(fb):
                for k, A in enumerate(sa):
                    for m, B in enumerate(sb):
                        key = (*sorted((fc[a], fc[b])), *sorted((sc[A], sc[B])))
                        idx[i, j, k, m] = keys.setdefault(key, len(keys))
        idxs.append(idx)
    ks = list(keys)
    args = (mf2[:, [k[0] for k in ks]], mf2[:, [k[1] for k in ks]],
            ms2[:, [k[2] for k in ks]], ms2[:, [k[3] for k in ks]])
    i2, i1 = loops.box_integrals(*args) if i1 else (loops.box_I2(*args), None)
    return {tuple(map(tuple, blk)): (i2[:, idx], None if i1 is None else i1[:, idx])
            for blk, idx in zip(blocks, idxs, strict=True)}


# ---------------------------------------------------------------------------
# coefficients
# ---------------------------------------------------------------------------
def _one_or_sum(spec: str, quark, kernel, axis: int):
    """np.einsum(spec, quark, kernel), a sum over the quark pair's ``axis``; one term (that axis
    of one entry) as the product alone, no addition to 0 (bridge.engine._sum_one does the same)."""
    if quark.shape[axis] != 1:
        return np.einsum(spec, quark, kernel)
    if axis == -1:
        return quark[..., 0, None] * kernel[..., 0, :]
    return quark[..., 0, None, :, :] * kernel[..., 0, :, :, :]


def box(s: dict, qs, qb, xb, x, same: bool, support, tables, weights: dict):
    """16π² × box_semileptonic (GeV⁻²) for couplings (N, nF, nS) on ``support`` (of
    :func:`_box_blocks`) with the loop ``tables`` of :func:`_box_tables`; bridge.engine's table
    of the six topologies: X = Y: FD −¼I2, FX +½mmI1, SD −¼I2, SX +¼I2, M1 +¼I2, M2 +½mmI1;
    X ≠ Y: FD −½mmI1, FX +¼I2, SD −¼I2, SX +¼I2, M1 −½mmI1, M2 −¼I2."""
    mf = s["mf"]
    fq, sq, fl, sl, fb, sb = support
    qbc, xc = qb.conj(), x.conj()
    total = 0
    ix = np.ix_

    def kern(fa, fc, sa, sc, name):
        i2, i1 = tables[(tuple(fa), tuple(fc), tuple(sa), tuple(sc))]
        coeff, kind = {"FD": ((-0.25, 2), (-0.5, 1)), "FX": ((0.5, 1), (0.25, 2)),
                       "M1": ((0.25, 2), (-0.5, 1)), "M2": ((0.5, 1), (-0.25, 2)),
                       "SD": ((-0.25, 2), (-0.25, 2)), "SX": ((0.25, 2), (0.25, 2))}[name][0 if same else 1]
        if kind == 2:
            k = coeff * i2
        else:
            k = coeff * (mf[:, fa, None] * mf[:, None, fc])[:, :, :, None, None] * i1
        if name in ("FX", "M2"):
            k = k * np.outer(s["maj"][fa], s["maj"][fc])[:, :, None, None]
        if name in ("SX", "M1"):
            k = k * np.outer(s["real"][sa], s["real"][sc])[None, None]
        return k

    kappa = fb.size and np.any(np.outer(s["maj"][fb], s["maj"][fb]))
    real = sb.size and np.any(np.outer(s["real"][sb], s["real"][sb]))
    if fb.size and not sb.size:
        # class F as bridge.engine.semileptonic_boxes: W_ab^B = Σ_A Q_s Q_b^* (K^FD + K^FX with
        # a ↔ b), shared by every lepton of the same support (``weights``), then one contraction
        key = ("F", same, tuple(fb), tuple(sq), tuple(sl))
        if key not in weights:
            a_s, a_b = qs[:, ix(fb, sq)[0], ix(fb, sq)[1]], qbc[:, ix(fb, sq)[0], ix(fb, sq)[1]]
            quark = np.einsum("naA,nbA->nabA", a_s, a_b)
            w = _one_or_sum("nabA,nabAB->nabB", quark, kern(fb, fb, sq, sl, "FD"), -1)
            if kappa:
                crossed = _one_or_sum("nabA,nabAB->nabB", quark, kern(fb, fb, sq, sl, "FX"), -1)
                w = w + np.swapaxes(crossed, 1, 2)
            weights[key] = w
        l_bar, l_c = xb[:, ix(fb, sl)[0], ix(fb, sl)[1]], xc[:, ix(fb, sl)[0], ix(fb, sl)[1]]
        return np.einsum("nabB,naB,nbB->n", weights[key], l_c, l_bar) / LOOP
    if sb.size and not fb.size:
        # class S likewise: V_c^{AB} = Σ_a Q_s Q_b^* (K^SD + K^SX with A ↔ B)
        key = ("S", same, tuple(fq), tuple(fl), tuple(sb))
        if key not in weights:
            quark = np.einsum("naA,naB->naAB", qs[:, ix(fq, sb)[0], ix(fq, sb)[1]],
                              qbc[:, ix(fq, sb)[0], ix(fq, sb)[1]])
            v = _one_or_sum("naAB,nacAB->ncAB", quark, kern(fq, fl, sb, sb, "SD"), -3)
            if real:
                crossed = _one_or_sum("naAB,nacAB->ncAB", quark, kern(fq, fl, sb, sb, "SX"), -3)
                v = v + np.swapaxes(crossed, 2, 3)
            weights[key] = v
        cut = ix(fl, sb)
        return np.einsum("ncAB,ncB,ncA->n", weights[key], xb[:, cut[0], cut[1]], xc[:, cut[0], cut[1]]) / LOOP
    # both classes at once (M1, M2 possible): every topology on its own
    if fb.size:
        a_s, a_b = qs[:, ix(fb, sq)[0], ix(fb, sq)[1]], qbc[:, ix(fb, sq)[0], ix(fb, sq)[1]]
        quark = np.einsum("naA,nbA->nabA", a_s, a_b)
        l_bar, l_c = xb[:, ix(fb, sl)[0], ix(fb, sl)[1]], xc[:, ix(fb, sl)[0], ix(fb, sl)[1]]
        total = total + np.einsum("nabA,nabB,nabAB->n", quark, np.einsum("naB,nbB->nabB", l_c, l_bar),
                                  kern(fb, fb, sq, sl, "FD"))
        if kappa:
            total = total + np.einsum("nabA,nabB,nabAB->n", quark,
                                      np.einsum("naB,nbB->nabB", l_bar, l_c), kern(fb, fb, sq, sl, "FX"))
    if sb.size:
        cut = [qs[:, ix(fq, sb)[0], ix(fq, sb)[1]], qbc[:, ix(fq, sb)[0], ix(fq, sb)[1]],
               xb[:, ix(fl, sb)[0], ix(fl, sb)[1]], xc[:, ix(fl, sb)[0], ix(fl, sb)[1]]]
        total = total + np.einsum("naA,naB,ncB,ncA,nacAB->n", *cut, kern(fq, fl, sb, sb, "SD"))
        if real:
            total = total + np.einsum("naA,naB,ncA,ncB,nacAB->n", *cut, kern(fq, fl, sb, sb, "SX"))
        if fb.size:
            c4 = [qs[:, ix(fb, sb)[0], ix(fb, sb)[1]], qbc[:, ix(fb, sb)[0], ix(fb, sb)[1]],
                  xb[:, ix(fb, sb)[0], ix(fb, sb)[1]], xc[:, ix(fb, sb)[0], ix(fb, sb)[1]]]
            if real:
                total = total + np.einsum("naA,nbB,nbA,naB,nabAB->n", *c4, kern(fb, fb, sb, sb, "M1"))
            if kappa:
                total = total + np.einsum("naA,nbB,naB,nbA,nabAB->n", *c4, kern(fb, fb, sb, sb, "M2"))
    return total / LOOP


def _sum_points(x: np.ndarray) -> np.ndarray:
    """Σ over every axis but the first (the points) through einsum, as bridge.engine._sum_fast
    sums the dipoles, photon penguins and the Z penguin's residue bound: numpy's reduction over
    a few trailing axes pays its per-row overhead at every point."""
    return np.einsum("n" + "ijkl"[:x.ndim - 1] + "->n", x)


def photon_penguin(s: dict, qs, qb, f, a):
    """C_P/e (GeV⁻²) = −1/(16π²) Σ Q_s Q_b^* [Q_a J_F(x) + Q_A J_S(x)]/M_A² (bridge.engine), on
    the fermions f and scalars a coupled to both quarks."""
    mf, ms = s["mf"][:, f, None], s["ms"][:, None, a]
    js, jf = loops.penguin_functions((mf / ms) ** 2)
    k = (s["qf"][f][:, None] * jf + s["qs"][a][None, :] * js) / ms**2
    cut = np.ix_(f, a)
    return -_sum_points(qs[:, cut[0], cut[1]] * qb[:, cut[0], cut[1]].conj() * k) / LOOP


def z_penguin(s: dict, qs, qb, g_d: float, gl, gr, f, a):
    """Y_sb of bridge.engine.z_penguin (physics.md §9), masses in units of the heaviest, on the
    fermions f and scalars a coupled to both quarks."""
    cf, ca = np.ix_(f, a)
    qs, qb = qs[:, cf, ca], qb[:, cf, ca]
    ff = np.ix_(f, f)
    gl, gr = gl[:, ff[0], ff[1]], gr[:, ff[0], ff[1]]
    gs = s["gS"][..., a[:, None], a[None, :]]  # cut first, as bridge.engine._z_vertices
    rho = np.outer(s["real"][a], s["real"][a])
    if np.any(rho):
        gs = gs - rho * np.swapaxes(gs, -1, -2)
    mf2, ms2 = s["mf"][:, f] ** 2, s["ms"][:, a] ** 2
    unit2 = np.maximum(mf2.max(axis=1), ms2.max(axis=1))[:, None]
    mf2, ms2 = mf2 / unit2, ms2 / unit2
    mf = np.sqrt(mf2)
    nf, ns = f.size, a.size
    iA, jA = np.triu_indices(ns)
    spair = np.zeros((ns, ns), int)
    spair[iA, jA] = spair[jA, iA] = np.arange(iA.size)
    f3 = loops.dd2_u2logu(mf2[:, :, None], ms2[:, None, iA], ms2[:, None, jA])  # (N, a, pairs)
    f_fss = f3[:, :, spair]
    f_leg = f3[:, :, np.diagonal(spair)]
    mm = mf[:, :, None] * mf[:, None, :]
    coup_ss = np.einsum("naB,naA->naAB", qs, qb.conj())
    t_s = coup_ss * (0.5 * np.swapaxes(gs, -1, -2))[..., None, :, :] * (f_fss - 1.5)
    qq = qs * qb.conj()
    t_leg = -g_d * qq * 0.5 * (f_leg - 1.5)
    sum_s, sum_leg = t_s.sum(axis=(1, 2, 3)), t_leg.sum(axis=(1, 2))
    pieces = ((t_s, (1, 2, 3)), (t_leg, (1, 2)))
    if not (np.any(gr) or np.any(gl)):  # fermions without Z couplings: exact zeros, left out (as bridge)
        total = sum_s + sum_leg
    else:
        iu, ju = np.triu_indices(nf)
        pair = np.zeros((nf, nf), int)
        pair[iu, ju] = pair[ju, iu] = np.arange(iu.size)
        f2, g2 = loops.dd2_pair(mf2[:, iu, None], mf2[:, ju, None], ms2[:, None, :])
        f_ffs, g_ffs = f2[:, pair], g2[:, pair]  # (N, a, b, A)
        coup_ff = np.einsum("nbA,naA->nabA", qs, qb.conj())
        t_r = coup_ff * (0.5 * np.swapaxes(gr, 1, 2))[..., None] * (f_ffs - 0.5)
        t_l = coup_ff * (np.swapaxes(gl, 1, 2) * mm)[..., None] * g_ffs
        # bridge.engine's order, (term_f + term_s) + term_leg, with the sums taken above
        total = (t_r.sum(axis=(1, 2, 3)) - t_l.sum(axis=(1, 2, 3))) + sum_s + sum_leg
        pieces = ((t_r, (1, 2, 3)), (t_l, (1, 2, 3)), *pieces)
    # the residue cut as bridge.engine._cut_residue: Σ(|Re| + |Im|) bounds Σ|term| from above,
    # the exact scale only on the points under 1e-13 of the bound
    bound = sum(_sum_points(np.abs(np.ascontiguousarray(t).view(float))) for t, _ in pieces)
    size = np.abs(total)
    maybe = size < 1e-13 * (1.0 + 1e-9) * bound
    if np.any(maybe):
        scale = sum(np.abs(t[maybe]).sum(axis=ax) for t, ax in pieces)
        near = total[maybe]
        near[size[maybe] < 1e-13 * scale] = 0
        total[maybe] = near
    return total


def b_to_s(s: dict, sm) -> dict:
    """Every b→s coefficient the 10 observables read, at the matching scale (bridge.matching:
    semileptonic, quark_dipoles, bs_mixing): C9, C10 of e, μ, τ (boxes on each lepton's
    couplings, the universal photon and Z penguins), CL_bs of every neutrino pair (boxes, the
    Z penguin on the diagonal), C7, C7p, C8, C8p, CVLL_bsbs. The right-handed quark couplings
    of the four models vanish (no C9p, C10p, CR, CVRR: absent, as the project drops them)."""
    xi = sm.xi_t("s", "b")
    gf = 4.0 * sm.GF / math.sqrt(2.0)
    two_nf = 2.0 * gf * xi * sm.alpha_e_bsll / (4.0 * math.pi)
    ls, lb = s["ls"], s["lb"]
    nq = _nz(ls) | _nz(lb)
    f, a = _support(nq)
    c9_gamma = photon_penguin(s, ls, lb, f, a) * LOOP / (gf * xi)
    c10_z = 0
    if s["gL"] is not None:
        c10_z = z_penguin(s, ls, lb, -0.5 + sm.s2w / 3, s["gL"], s["gR"], f, a) / (
            8.0 * math.pi * sm.alpha_e_bsll * xi)
    c9_z = (4 * sm.s2w - 1) * c10_z
    # the boxes: (name, X̄, X, quark and lepton chirality equal), every loop table in one call
    lep, rlep = s["lep"], s["rlep"]
    boxes = []
    for name in CHARGED:
        if name in lep:
            boxes.append(((name, "L"), lep[name], lep[name], True))
        if name in rlep:
            boxes.append(((name, "R"), rlep[name], rlep[name], False))
    for nu_bar in NEUTRINOS:
        for nu_ in NEUTRINOS:
            if nu_bar in lep and nu_ in lep:
                boxes.append(((nu_bar, nu_), lep[nu_bar], lep[nu_], True))
    supports, blocks = {}, []
    for key, xb, x, _ in boxes:
        supports[key], more = _box_blocks(nq, _nz(xb) | _nz(x))
        blocks += more
    fs, ss = np.flatnonzero(nq.any(axis=1)), np.flatnonzero(nq.any(axis=0))
    blocks.append((fs, fs, ss, ss))  # B_s mixing
    # I1 is read by the class-F and mixed topologies (a fermion on both sides: fb) and by the
    # crossed B_s box of Majorana fermions; class S (SD, SX) and B_s mixing otherwise take I2
    i1 = any(support[4].size for support in supports.values()) or bool(np.any(s["maj"][fs]))
    tables = _box_tables(s["mf"] ** 2, s["ms"] ** 2, blocks, i1)
    weights: dict = {}  # the quark × kernel contractions shared by the leptons
    c = {key: box(s, ls, lb, xb, x, same, supports[key], tables, weights) for key, xb, x, same in boxes}
    out = {}
    for name in CHARGED:
        c_ll, c_lr = c.get((name, "L"), 0), c.get((name, "R"), 0)
        tag = "bs" + 2 * FLAVIO[name]
        out[f"C9_{tag}"] = (c_ll + c_lr) / two_nf + c9_gamma + c9_z
        out[f"C10_{tag}"] = (c_lr - c_ll) / two_nf + c10_z
    for nu_bar in NEUTRINOS:
        for nu_ in NEUTRINOS:  # flavio's CL_bs{X}{Y} multiplies ν̄_Y … ν_X
            if nu_ == nu_bar or (nu_bar, nu_) in c:
                value = c.get((nu_bar, nu_), 0) / two_nf + (c10_z if nu_ == nu_bar else 0)
                out[f"CL_bs{FLAVIO[nu_]}{FLAVIO[nu_bar]}"] = value
    out.update(quark_dipoles(s, sm, f, a))
    out["CVLL_bsbs"] = bs_mixing(s, ls, lb, fs, ss, tables)
    return out


def _dipole_kernels(s: dict, f, a, charge_f, charge_s, mult=1.0):
    """(no-flip, flip) = N[Q_A f_N1 − Q_a f_C1]/M_A², N m_a[Q_A f_N2 − Q_a f_C2]/M_A² on the
    fermions f × scalars a (bridge.engine.dipole; Hisano et al. hep-ph/9510309)."""
    mf, ms2 = s["mf"][:, f, None], s["ms"][:, None, a] ** 2
    fn1, fc1, fn2, fc2 = loops.dipole_functions(mf * mf / ms2)
    qf, qs = charge_f[f][:, None], charge_s[a][None, :]
    return mult * (qs * fn1 - qf * fc1) / ms2, mult * mf * (qs * fn2 - qf * fc2) / ms2


def _c_r(lo, li, ro, ri, m_out, m_in, kernels):
    """c_R/e = 1/(64π²) Σ [(l_o l_i^* m_in + r_o r_i^* m_out) no-flip + l_o r_i^* flip]
    (bridge.engine.dipole); c_L is this with l ↔ r."""
    no_flip, flip = kernels
    if np.ndim(m_in):  # one mass per point (the lepton masses at μ_M)
        m_in, m_out = np.reshape(m_in, (-1, 1, 1)), np.reshape(m_out, (-1, 1, 1))
    t = (lo * li.conj() * m_in + ro * ri.conj() * m_out) * no_flip + lo * ri.conj() * flip
    return _sum_points(t) / (64.0 * math.pi**2)


def quark_dipoles(s: dict, sm, f, a) -> dict:
    """C7, C7p, C8, C8p of b→s (bridge.matching.quark_dipoles): c_R, c_L of the photon (charges)
    and gluon (1 on the colour triplet, 0 on the singlet) dipoles over N_7 = (4G_F/√2) ξ_t
    m_b/(16π²), external masses m_s, m_b."""
    cf, ca = np.ix_(f, a)
    ls, lb, rs, rb = (s[k][:, cf, ca] for k in ("ls", "lb", "rs", "rb"))
    m_s, m_b = sm.quark_mass("s"), sm.quark_mass("b")
    n7 = 4.0 * sm.GF / math.sqrt(2.0) * sm.xi_t("s", "b") * m_b / LOOP
    out = {}
    gauges = (("C7", s["qf"], s["qs"]),
              ("C8", (s["colour_f"] == 3).astype(float), (s["colour_s"] == 3).astype(float)))
    for name, charge_f, charge_s in gauges:
        k = _dipole_kernels(s, f, a, charge_f, charge_s)
        out[f"{name}_bs"] = _c_r(ls, lb, rs, rb, m_s, m_b, k) / n7
        out[f"{name}p_bs"] = _c_r(rs, rb, ls, lb, m_s, m_b, k) / n7
    return out


def bs_mixing(s: dict, ls, lb, f, a, tables):
    """CVLL_bsbs (GeV⁻²): 16π² C = Σ [−⅛ I2 Q_s^{aA} Q_b^{aB*} Q_s^{bB} Q_b^{bA*} + κ ¼ m_a m_b I1
    Q_s^{aA} Q_s^{aB} Q_b^{bA*} Q_b^{bB*} + ρ ⅛ I2 Q_s^{aA} Q_s^{bA} Q_b^{aB*} Q_b^{bB*}]
    (bridge.engine.box_bsbs, physics.md §6)."""
    cf, ca = np.ix_(f, a)
    qs, qbc = ls[:, cf, ca], lb[:, cf, ca].conj()
    i2, i1 = tables[(tuple(f), tuple(f), tuple(a), tuple(a))]
    kappa = np.outer(s["maj"][f], s["maj"][f])
    # P_aAB = Q_s^{aA} Q_b^{aB*} formed once (it is both pairs of the direct and the real-scalar
    # box), the crossed Majorana box only where κ ≠ 0 (bridge.engine.box_bsbs does the same)
    pair = np.einsum("naA,naB->naAB", qs, qbc)
    total = -0.125 * np.einsum("naAB,nbBA,nabAB->n", pair, pair, i2)
    if np.any(kappa):
        mf = s["mf"][:, f]
        mm_i1 = (mf[:, :, None] * mf[:, None, :])[:, :, :, None, None] * i1
        total = total + 0.25 * np.einsum("naAB,nbAB,nabAB->n", np.einsum("naA,naB->naAB", qs, qs),
                                         np.einsum("naA,naB->naAB", qbc, qbc),
                                         kappa[None, :, :, None, None] * mm_i1)
    rho = np.outer(s["real"][a], s["real"][a])
    if np.any(rho):
        total = total + 0.125 * np.einsum("naAB,nbAB,nabAB->n", pair, pair, rho[None, None, None] * i2)
    return total / LOOP


def lepton_dipoles(s: dict, sm, ratio) -> dict:
    """C7_mumu, Cgamma_mue, Cgamma_emu at the matching scale (bridge.matching.lepton_dipoles with
    bridge.handover's renormalisation: every lepton mass m_ℓ → λ m_ℓ, λ = m_ℓ(μ_M)/m_ℓ, in the
    dipole and in C7_ℓℓ's normalisation; the dipole is linear in the lepton masses, so this is
    what the hand-over's c + (λ − 1)(c − F) gives, F its chirality-flip part). Colour
    multiplicity N_{aA}: dim(F) where both loop particles are coloured."""
    lep, rlep = s["lep"], s["rlep"]
    zero = np.zeros_like(lep["mu"])
    f, a = _support(*[_nz(c) for k, c in (*lep.items(), *rlep.items()) if k in CHARGED])
    cf, ca = np.ix_(f, a)
    both = (s["colour_f"][f][:, None] != 1) & (s["colour_s"][a][None, :] != 1)
    mult = np.where(both, s["colour_f"][f][:, None].astype(float), 1.0)
    k = _dipole_kernels(s, f, a, s["qf"], s["qs"], mult)
    l = {n: lep.get(n, zero)[:, cf, ca] for n in ("e", "mu")}  # noqa: E741
    r = {n: rlep.get(n, zero)[:, cf, ca] for n in ("e", "mu")}
    m_e, m_mu = ratio * sm.m_e, ratio * sm.m_mu
    out = {"C7_mumu": _c_r(l["mu"], l["mu"], r["mu"], r["mu"], m_mu, m_mu, k)
           / (4.0 * sm.GF / math.sqrt(2.0) * m_mu / LOOP)}
    if "e" in lep or "e" in rlep:
        e0 = math.sqrt(4.0 * math.pi * sm.alpha_e_0)
        out["Cgamma_mue"] = e0 * _c_r(l["e"], l["mu"], r["e"], r["mu"], m_e, m_mu, k)
        out["Cgamma_emu"] = e0 * _c_r(l["mu"], l["e"], r["mu"], r["e"], m_mu, m_e, k)
    return out


# ---------------------------------------------------------------------------
# running to the hand-over scale (bridge.running, bridge.handover)
# ---------------------------------------------------------------------------
def matching_scale(s: dict, handover: float):
    """μ_M = the heaviest dark mass, at least the hand-over scale (bridge.handover)."""
    return np.maximum(np.maximum(np.abs(s["mf"]).max(axis=1), np.abs(s["ms"]).max(axis=1)), handover)


def _alpha(kind: str, scale, nf: int, value: float):
    """bridge.couplings' α_s or α_e at ``scale``; at one scale (m_t, the hand-over scale: a
    constant of the SM inputs) kept between calls, as bridge.running keeps it."""
    if np.ndim(scale) == 0:
        return _alpha_at(kind, float(scale), nf, float(value))
    from bridge import couplings

    return (couplings.alpha_s if kind == "s" else couplings.alpha_e)(scale, nf, value)


@functools.lru_cache(maxsize=64)
def _alpha_at(kind: str, scale: float, nf: int, value: float) -> float:
    from bridge import couplings

    return (couplings.alpha_s if kind == "s" else couplings.alpha_e)(scale, nf, value)


def run(c: dict, mu_m, handover: float, alphas: dict) -> dict:
    """The coefficients at the hand-over scale μ_0 from μ_M (bridge.running, leading log):
    six flavours from μ_M to m_t, five from m_t to μ_0 (η = α(start)/α(end) of each,
    flavio's α_s, α_e as bridge.couplings gives them). (C7, C8) and the primed pair:
    γ = [[32/3, 0], [−32/9, 28/3]] (BBL hep-ph/9512380), so per segment
    C8 → η^{γ88/2β0} C8, C7 → η^{γ77/2β0} C7 + γ87 (η^{γ77/2β0} − η^{γ88/2β0})/(γ77 − γ88) C8;
    CVLL: η^{4/2β0}; C7_ℓℓ, Cgamma: η_e^{16/2β0e}, β0e = −80/9 (n_f = 5), −32/3 (6);
    C9, C10, CL: unrun (conserved currents)."""
    from bridge import couplings

    m_t = couplings.constants().thresholds["mt"]
    segments = []  # (n_f, η_s, η_e), μ_M → m_t → μ_0
    for nf, hi, lo in ((6, np.maximum(mu_m, m_t), max(handover, m_t)),
                       (5, np.minimum(mu_m, m_t), min(handover, m_t))):
        if np.all(hi == hi[0]):  # one scale for the batch (every μ_M above m_t): η and its powers once
            hi = hi[0]
        a_s, a_e = alphas["alpha_s"], alphas["alpha_e"]
        segments.append((nf, _alpha("s", hi, nf, a_s) / _alpha("s", lo, nf, a_s),
                         _alpha("e", hi, nf, a_e) / _alpha("e", lo, nf, a_e)))
    g77, g88, g87 = 32.0 / 3.0, 28.0 / 3.0, -32.0 / 9.0
    out = dict(c)
    for prime in ("", "p"):
        c7, c8 = c[f"C7{prime}_bs"], c[f"C8{prime}_bs"]
        for nf, eta, _ in segments:
            b0 = 2.0 * (11.0 - 2.0 * nf / 3.0)
            e7, e8 = eta ** (g77 / b0), eta ** (g88 / b0)
            c7, c8 = e7 * c7 + g87 * (e7 - e8) / (g77 - g88) * c8, e8 * c8
        out[f"C7{prime}_bs"], out[f"C8{prime}_bs"] = c7, c8
    qcd = qed = 1.0
    for nf, eta, eta_e in segments:
        qcd = qcd * eta ** (4.0 / (2.0 * (11.0 - 2.0 * nf / 3.0)))
        qed = qed * eta_e ** (16.0 / (2.0 * {5: -80.0 / 9.0, 6: -32.0 / 3.0}[nf]))
    out["CVLL_bsbs"] = qcd * c["CVLL_bsbs"]
    for name in ("C7_mumu", "Cgamma_mue", "Cgamma_emu"):
        if name in c:
            out[name] = qed * c[name]
    return out


def delta_a_mu(s: dict, m_mu: float):
    """Δa_μ = 4 m_μ Re c_R^{μμ}, c_R = 1/(64π²) Σ N [(|l|² + |r|²) m_μ (Q_A f_N1 − Q_a f_C1)
    + l r^* m_a (Q_A f_N2 − Q_a f_C2)]/M_A² (bridge.engine.dipole, Hisano et al. hep-ph/9510309)."""
    lmu, rmu = s["lmu"], s["rmu"]
    f, a = _support(_nz(lmu), _nz(rmu))
    cf, ca = np.ix_(f, a)
    lm, rm = lmu[:, cf, ca], rmu[:, cf, ca]
    mf, ms2 = s["mf"][:, f, None], s["ms"][:, None, a] ** 2
    fn1, fc1, fn2, fc2 = loops.dipole_functions(mf * mf / ms2)
    qf, qs = s["qf"][f][:, None], s["qs"][a][None, :]
    both = (s["colour_f"][f][:, None] != 1) & (s["colour_s"][a][None, :] != 1)
    mult = np.where(both, np.array([{1: 1, 3: 3, 8: 8}[c] for c in s["colour_f"][f]])[:, None], 1.0)
    no_flip = mult * (qs * fn1 - qf * fc1) / ms2
    flip = mult * mf * (qs * fn2 - qf * fc2) / ms2
    c_r = _sum_points((lm * lm.conj() * m_mu + rm * rm.conj() * m_mu) * no_flip + lm * rm.conj() * flip)
    return 4.0 * m_mu * (c_r / (64.0 * math.pi**2)).real


def seed_chi2(c9, c10, da, terms):
    """Σ pull² of the seed terms (name, quantity, central, sigma): C_LL_mu, Delta_a_mu."""
    q = {"C_LL_mu": (c9 - c10).real / 2, "Delta_a_mu": da}
    total = 0
    for _, quantity, central, sigma in terms:
        total = total + ((q[quantity] - central) / sigma) ** 2
    return total


# ---------------------------------------------------------------------------
# the observables from the coefficients (bridge.scan.fastpath, written plainly)
# ---------------------------------------------------------------------------
def observable_tables(fastpath, labels) -> dict:
    """The fast path's representations of ``labels`` as plain arrays (setup, like the card
    reader: the data of bridge/data/fastpath.json, read once): {"variables": [(coefficient,
    part, step), ...] of the columns of u, "rows": [(label, form, [component, ...])]}, each
    component a dict: polynomial {a, b, q, cols}; quadrature {cols, proj, w1 (K, 28): the first
    level's 21 node columns and the 7 of quadpack.certain, w2 (K, 42): the halves' nodes, mags
    (r, r + 1), m0, dev: the rounding bound's magnitudes (bridge.scan.fastpath.Quadrature
    ._certainty), a, b, epsabs, epsrel, alpha, beta (a polynomial)}."""
    from bridge.scan import fastpath as fpm

    variables: dict = {}

    def cols(index):
        return np.array([variables.setdefault(int(i), len(variables)) for i in index], dtype=int)

    def poly(c):
        return {"a": c.a, "b": np.asarray(c.b), "q": np.asarray(c.q), "cols": cols(c.index)}

    rows = []
    for label in labels:
        rep = fastpath.representations[label]
        if rep.form not in ("quadratic", "ratio", "deltam"):
            raise ValueError(f"{label}: no lean form {rep.form}")
        comps = []
        for c in rep.components:
            if isinstance(c, fpm.Quadrature):
                if c.limit <= 2:
                    raise ValueError(f"{label}: a lean quadrature needs QUADPACK's limit > 2")
                first, mags, m0, k = c._certainty  # [W's 21 first columns | S], the magnitudes
                comps.append({"quad": True, "cols": cols(c.index), "proj": c.proj, "w1": first,
                              "w2": c.weights[:, 21:], "mags": mags, "m0": m0, "dev": (k + 64) * _EPS,
                              "a": c.a, "b": c.b, "epsabs": c.epsabs, "epsrel": c.epsrel,
                              "alpha": c.alpha, "beta": poly(c.beta)})
            else:
                comps.append(poly(c))
        rows.append((label, rep.form, comps))
    var = [fpm.VARIABLES[i] for i in sorted(variables, key=variables.get)]
    return {"variables": [(v.coefficient, v.part, v.step) for v in var], "rows": rows}


def _poly(p: dict, u, present):
    """a + b·u_S + u_S·Q·u_S (complex a, b, Q for an amplitude), on the variables of S that the
    model has (``present``: the others are zero at every point of every call)."""
    keep = present[p["cols"]]
    us = u[:, p["cols"][keep]]
    return p["a"] + us @ p["b"][keep] + ((us @ p["q"][np.ix_(keep, keep)]) * us).sum(axis=1)


#: DQK21's weights in the node order of bridge.scan.quadpack (centre, centre − h x_k, centre + h x_k)
_WK = np.array([0.149445554002916905664936468389821, *[0.0] * 20])
_WG = np.zeros(21)


def _qk_weights():
    from bridge.scan.quadpack import WG, WGK

    for k in range(10):
        _WK[1 + k] = _WK[11 + k] = WGK[k]
        if k % 2 == 1:  # the Gauss nodes
            _WG[1 + k] = _WG[11 + k] = WG[(k - 1) // 2]


_qk_weights()
_EPS, _TINY = np.finfo(float).eps, np.finfo(float).tiny


def _qk21(f, a: float, b: float):
    """DQK21 (QUADPACK, Piessens et al. 1983) of node values f (N, 21): (result, error, resabs,
    resasc), with weight vectors instead of the node-by-node sums; resabs is resk where every
    node value is positive (as bridge.scan.quadpack takes it)."""
    h = 0.5 * (b - a)
    resk, resg = f @ _WK, f @ _WG
    # positive node values (rates): |f| = f, resabs is resk (bridge.scan.quadpack does the same)
    resabs = resk if f.min() > 0.0 else np.abs(f) @ _WK
    resasc = np.abs(f - 0.5 * resk[:, None]) @ _WK
    err = np.abs((resk - resg) * h)
    resabs, resasc = resabs * abs(h), resasc * abs(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = resasc * np.minimum(1.0, (200.0 * err / resasc) ** 1.5)
    err = np.where((resasc != 0) & (err != 0), scaled, err)
    err = np.where(resabs > _TINY / (50.0 * _EPS), np.maximum(50.0 * _EPS * resabs, err), err)
    return resk * h, err, resabs, resasc


def _quadrature(c: dict, u, present):
    """α · QAGS + β with QAGS's first two levels (DQAGSE): the whole interval, accepted if its
    error is within max(epsabs, epsrel |I|) (and not a round-off case), else the two halves,
    accepted if their summed error is; NaN where QUADPACK would bisect further (the project
    asks flavio there). Node values: φ(y) W, y = P u_S, φ = (1, y_i, y_i y_j (i ≤ j)), built
    by row (y_i times y_i..y_r in one product). The halves are decided as the project decides
    them (bridge.scan.quadpack.certain): from 7 more columns of φ and the magnitude M of the
    rounding bound where that proves QUADPACK accepts them (their area sum is then one of
    the columns), from their 42 node values elsewhere."""
    keep = present[c["cols"]]
    y = c["proj"][:, keep] @ u[:, c["cols"][keep]].T  # (r, N)
    r, n = y.shape
    phi = np.empty((1 + r + r * (r + 1) // 2, n))
    phi[0], phi[1:1 + r] = 1.0, y
    k = 1 + r
    for i in range(r):
        np.multiply(y[i], y[i:], out=phi[k:k + r - i])
        k += r - i
    nodes = phi.T @ c["w1"]  # the first level's 21 node values, then quadpack.certain's 7 columns
    a, b = c["a"], c["b"]
    res, err, resabs, resasc = _qk21(nodes[:, :21], a, b)
    bound = np.maximum(c["epsabs"], c["epsrel"] * np.abs(res))
    roundoff = (err <= 100.0 * _EPS * resabs) & (err > bound)
    done = roundoff | ((err <= bound) & (err != resasc)) | (err == 0.0)
    area, g1, g2, t1, t2, p1, p2 = nodes[:, 21:].T
    ay = np.abs(y.T)
    t = ay @ c["mags"]
    dev = c["dev"] * (c["m0"] + t[:, r] + (t[:, :r] * ay).sum(axis=1))
    upper = dev + _EPS * err + 1e-290
    with np.errstate(divide="ignore", invalid="ignore"):
        for g, s, p in ((g1, t1, p1), (g2, t2, p2)):
            cg = 200.0 * (np.abs(g) + dev)
            rho = np.maximum(np.maximum(np.abs(s), np.abs(p)) - 2.0 * dev, 0.0)
            upper += cg * np.minimum(1.0, np.sqrt(cg / rho))
    lower = np.maximum(c["epsabs"], c["epsrel"] * (np.abs(area) - dev - 2.0 * _EPS * np.abs(res)))
    sure = (upper <= lower * (1.0 - 2.0 ** -40)) & (dev < 1e250)
    value = np.where(done, res, np.where(sure, area, np.nan))
    rest = np.flatnonzero(~done & ~sure)
    if rest.size:
        halves = phi[:, rest].T @ c["w2"]
        mid = 0.5 * (a + b)
        r1, e1, _, _ = _qk21(halves[:, :21], a, mid)
        r2, e2, _, _ = _qk21(halves[:, 21:], mid, b)
        ok = e1 + e2 <= np.maximum(c["epsabs"], c["epsrel"] * np.abs(r1 + r2))
        value[rest] = np.where(ok, r1 + r2, np.nan)
    return c["alpha"] * value + _poly(c["beta"], u, present)


def _delta_m(m12, g12):
    """|ΔM| = |−2 Re[(q/p)(M_12 − iΓ_12/2)]|, q/p = −√((2M_12^* − iΓ_12^*)/(2M_12 − iΓ_12))
    (flavio's mesonmixing.common)."""
    qp = -np.sqrt(np.conj(2 * m12 + 1j * g12) / (2 * m12 - 1j * g12))
    return np.abs(2 * (qp * (m12 - 0.5j * g12)).real)


def observables(coefficients: dict, tables: dict, n: int) -> dict:
    """The observables of ``tables`` from the coefficients at the hand-over scale: u (the
    coefficients over their design steps; a coefficient the model does not produce is zero,
    its variables are left out of the products), then each form of its components."""
    u = np.zeros((n, len(tables["variables"])))
    present = np.zeros(len(tables["variables"]), dtype=bool)
    for k, (name, part, step) in enumerate(tables["variables"]):
        value = coefficients.get(name)
        if value is not None:
            u[:, k] = (value.real if part == "re" else value.imag) / step
            present[k] = True
    out = {}
    for label, form, comps in tables["rows"]:
        v = [_quadrature(c, u, present) if c.get("quad") else _poly(c, u, present) for c in comps]
        if form == "quadratic":
            out[label] = np.real(v[0])
        elif form == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                out[label] = np.where(v[0] == 0, 0.0, v[0] / v[1])
        else:
            out[label] = _delta_m(v[0], v[1])
    return out


# ---------------------------------------------------------------------------
# the whole point
# ---------------------------------------------------------------------------
def point(s: dict, sm, terms, tables: dict, handover: float, alphas: dict) -> dict:
    """One batch of the issue's workload from the spectrum: the coefficients the observables
    read at the matching scale, run to the hand-over scale, the observables of ``tables`` (the
    fast path's arithmetic), Δa_μ and the seed χ²."""
    from bridge.running import lepton_mass_ratio

    n = s["mf"].shape[0]
    mu_m = matching_scale(s, handover)
    c = b_to_s(s, sm)
    c.update(lepton_dipoles(s, sm, lepton_mass_ratio(mu_m, alphas)))
    c = run(c, mu_m, handover, alphas)
    da = delta_a_mu(s, sm.m_mu)
    return {"coefficients": c, "observables": observables(c, tables, n), "Delta_a_mu": da,
            "chi2": seed_chi2(c["C9_bsmumu"], c["C10_bsmumu"], da, terms)}


def _value(inputs, block: str, entry: int) -> float:
    return float(np.real(inputs[block][entry]))


def _minpar(inputs, entries: dict[str, int]) -> dict:
    """{name: MINPAR entry} read, with the card's Γ vectors (:func:`_gammas`)."""
    return {**{name: _value(inputs, "MINPAR", k) for name, k in entries.items()}, **_gammas(inputs)}


def _gammas(inputs) -> dict:
    """The Γ^Q, Γ^L, Γ^E vectors of a card (blocks GAMMAQIN, GAMMALIN, GAMMAEIN)."""
    return {key: [_value(inputs, block, i) for i in (1, 2, 3)]
            for key, block in (("gq", "GAMMAQIN"), ("gl", "GAMMALIN"), ("ge", "GAMMAEIN"))}


def f_iib_card(inputs) -> dict:
    """The card's other values for :func:`f_iib_sector`."""
    return _minpar(inputs, {"m_psip": 2, "m_phi_q": 3, "lam_l": 5, "lam_r": 6})


def s_ib_card(inputs) -> dict:
    """The card's other values for :func:`s_ib_sector`."""
    return _minpar(inputs, {"m_phip": 2, "m_psil": 4, "a_h": 5, "lam_phi": 7})


def f_ib_card(inputs) -> dict:
    """The card's other values for :func:`f_ib_sector` (bridge.model.ModelInputs of F_Ib)."""
    return _minpar(inputs, {"m_phi_q": 3, "m_phi_l": 4, "lam_l": 5, "lam_r": 6})


def points_per_cpu_second(call, n: int, repeats: int = 3) -> float:
    """Points per CPU second of ``call()`` on n points (best of ``repeats``, after one warm call)."""
    call()
    best = np.inf
    for _ in range(repeats):
        t = time.process_time()
        call()
        best = min(best, time.process_time() - t)
    return n / best
