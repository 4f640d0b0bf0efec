"""Leading-log running of the bridge's WET coefficients from the dark masses to the hand-over scale.

The one-loop coefficients of bridge.matching are μ-independent at this order; they belong at a
matching scale μ_M of the order of the dark masses. wilson runs WET (five flavours) below the
hand-over scale μ_0 (Block BRIDGE entry 2, default 160 GeV). This module supplies the running
μ_M → μ_0 in between, in the flavio WET basis and normalisation (L_eff = Σ C O, NP only):

    C(μ_0) = U(μ_0, μ_M) C(μ_M),    U = U^{(5)}(μ_0, m_t) U^{(6)}(m_t, μ_M)    (μ_0 < m_t < μ_M)

Leading-log solution per segment of constant n_f (Buchalla, Buras, Lautenbacher, Rev. Mod. Phys.
68 (1996) 1125, hep-ph/9512380, the LO RG evolution; dC/dlnμ = (α_s/4π) γᵀ C with γ_ij = mixing of
C_i into C_j, dα_s/dlnμ = −2β_0 α_s²/(4π)):

    U^{(n_f)} = η^{γᵀ/(2β_0)} = exp(ln η · γᵀ/(2β_0)),   η = α_s(μ_start)/α_s(μ_end),   β_0 = 11 − 2n_f/3,

with flavio's α_s (flavio.physics.running.running.get_alpha_s: three-loop RunDec values for
flavio's α_s(M_Z), n_f = 6 above flavio's threshold m_t = config['RGE thresholds']['mt'], 5
below), computed by bridge.couplings, which reproduces flavio's get_alpha_s and get_alpha_e
to the last bit from α_s(M_Z), α_e(M_Z) without importing flavio (a scan worker or a fit does
not pay flavio's ~10 s import for the running). The LO form evaluated with these α_s values is
also what wilson's WETrunner does, so below m_t this module and wilson's QCD running agree to
1e-16 for the same α_s(M_Z); with wilson's QED on they differ by the QED running neglected here
(0.35% C7, 0.3% CVLL over 150 → 5 GeV).

LO anomalous dimensions (units α_s/(4π), N = 3 colours; none depends on n_f):

* Dipoles (C7, C8) — flavio O7 = N_q e/(16π²) m_q(μ) (q̄_L σ q'_R) F, O8 with g_s(μ) T^a G^a,
  same for the primed (chirality-flipped) pair:
  γ_77 = 32/3, γ_88 = 28/3, γ_87 = (32/3) Q_q (= −32/9 for down quarks), γ_78 = 0
  (BBL hep-ph/9512380, b → sγ; Buras, Misiak, Münz, Pokorski hep-ph/9311345). γ_77 contains the
  running of m_q(μ) in the operator: γ_77 = γ_T + γ_m = 8/3 + 8 (tensor current + mass), so the
  flavio C7 at μ_M is the dimensionful dipole divided by m_b(μ_M). For the terms the engine
  computes ∝ m_b (photon or gluon emitted off the loop with the chirality flip on the external
  quark) m_b cancels between amplitude and normalisation, so bridge.matching's C7 is already
  C7(μ_M); a chirally enhanced term m_F/m_b (not present in the three shipped models) must use
  m_b(μ_M). For five flavours this gives the textbook
      C7(μ) = η^{16/23} C7(μ_M) + (8/3)(η^{14/23} − η^{16/23}) C8(μ_M),   C8(μ) = η^{14/23} C8(μ_M);
  six flavours the exponents are 16/21 and 14/21; the 8/3 does not depend on n_f.
  Flavours bs, bd, sd (Q = −1/3) and cu (Q = +2/3).
* ΔF = 2 (no prefactor in flavio): CVLL, CVRR: γ = 6 − 6/N = 4, i.e. η^{6/23} (n_f = 5),
  η^{6/21} (n_f = 6) (BBL, the ΔF = 2 sections). (CVLR, CSLR) — flavio's
  (s̄_Lγ^μb_L)(s̄_Rγ_μb_R) and (s̄_R b_L)(s̄_L b_R) are exactly Q_1^LR, Q_2^LR of Buras, Misiak,
  Urban hep-ph/0005183: γ = [[6/N, 12], [0, −6N + 6/N]] = [[2, 12], [0, −16]], hence
  CSLR(μ) = η^{−24/23} CSLR + (2/3)(η^{3/23} − η^{−24/23}) CVLR (n_f = 5). The bridge produces
  CVLL/CVRR today (mixed chiralities are refused by the engine); CVLR/CSLR are ready for it.
  Scalar and tensor ΔF = 2 operators (CSLL, CSRR, CTLL, CTRR) are not produced and not handled.
* C9, C10, C9p, C10p (ℓℓ') and CL, CR (νν'): vector (axial) quark currents are conserved, no
  QCD running. Their QED running above μ_0 is left out on purpose: in WET it is the C10 → C9
  mixing (≈ 0.5% of C10 from 1 TeV to 160 GeV, from wilson's 0.9% for 160 → 4.8 GeV) and the
  photon-penguin mixing into other lepton flavours (≈ 0.3%), but above the electroweak scale the
  physical running is the SU(2)×U(1) (and Yukawa) running of SMEFT, a different and larger
  effect (lq1 = lq3 at 1 TeV: C9, C10 at 160 GeV lower by 2.0%, 1.7%, and a CL_bsνν of 3% of C9
  appears; benchmarks/matching_scale.py) which a WET-QED factor would not describe.
* Lepton dipoles C7_ℓℓ (flavio: (4G_F/√2) e m_ℓ/(16π²) ℓ̄_L σ ℓ_R F) and Cgamma_ℓℓ': LL QED,
  γ_e = 16 Q_ℓ² = 16 (units α_e/(4π)), the coefficient of wilson's WET running (JMS ADM as
  implemented in wilson) and the model-independent LL QED factor of Degrassi and Giudice,
  hep-ph/9803384: Δa_μ^NP(low) = Δa_μ^NP(M) [1 − (4α/π) ln(M/μ)] (4α/π = 16 α/(4π)). Resummed
  with flavio's one-loop α_e(μ) (get_alpha_e, via bridge.couplings):
  U = (α_e(μ_start)/α_e(μ_end))^{γ_e/(2β_0e)},
  β_0e = −(4/3) Σ N_c Q_f² over the n_f quarks and three leptons (−80/9 for n_f = 5, −32/3 for
  n_f = 6, flavio's run_alpha_e; the W is not in flavio's α_e). γ_e = 16 = 10 (dimensionful
  dipole/e: tensor current + photon-emission diagrams) + 6 (running m_ℓ): like C7_bs, C7_ℓℓ at
  μ_M means the dipole divided by the running m_ℓ(μ_M). wilson treats Cgamma the same way.
  Caveat for the matching: bridge.matching divides C7_ℓℓ by the pole m_ℓ. Where the chirality
  flip sits on the heavy fermion (F_Ib's enhanced Δa_μ, C7_μμ ∝ m_F/m_μ) the consistent input
  divides by m_ℓ(μ_M), larger by ≈ 6 α/(4π) ln(μ_M/1 GeV) ≈ 2.5% at μ_M = 1 TeV.
  The QED running of the quark operators (0.1–0.4%) is neglected.

Scale choice and route (see matching_scale and route): the LL-WET route is used for every point;
why the SMEFT route (wilson's SMEFT running from μ_M) is not, is explained in route's docstring.

Wired into bridge.pipeline (``handover=``): run_coefficients for one point, run_batch for a batch
with one matching scale per point (the same evolution, eigen-decomposed instead of expm), and
lepton_mass_ratio for the lepton-dipole normalisation at μ_M. Vector four-lepton and lepton–quark
operators (μ→3e, τ→3ℓ, μ–e conversion) are conserved currents under QCD; their QED running is left
out as for C9.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

import numpy as np

from bridge import couplings
from bridge.linalg import point_rows
from bridge.repeats import sorted_count

N_COLOURS = 3

#: Electric charges of the quarks of a dipole pair (flavio sector names).
DIPOLE_CHARGE = {"bs": -1.0 / 3.0, "bd": -1.0 / 3.0, "sd": -1.0 / 3.0, "cu": 2.0 / 3.0}
#: ΔF = 2 sectors handled (flavio names: CVLL_bsbs, ...).
DF2_PAIRS = ("bsbs", "bdbd", "sdsd", "ucuc")
#: QED anomalous dimension of the lepton dipoles, units α_e/(4π) (Q_ℓ = −1).
GAMMA_LEPTON_DIPOLE = 16.0
#: "Much heavier than v" for the SMEFT route: lightest dark state above this many v (≈ 1 TeV).
SMEFT_HEAVY_FACTOR = 4.0


def beta0_qcd(nf: int) -> float:
    """β_0 = 11 − 2n_f/3 (dα_s/dlnμ = −2β_0 α_s²/(4π))."""
    return 11.0 - 2.0 * nf / 3.0


def beta0_qed(nf: int) -> float:
    """β_0e = −(4/3) Σ N_c Q² with the quarks of flavio's α_e running and three charged leptons."""
    n_up = {5: 2, 6: 3}[nf]
    n_down = 3
    return -4.0 / 3.0 * (N_COLOURS * (4.0 / 9.0 * n_up + 1.0 / 9.0 * n_down) + 3.0)


def dipole_adm(charge: float) -> np.ndarray:
    """LO QCD ADM γ_ij of (C7, C8), i mixing into j (BBL hep-ph/9512380), units α_s/(4π)."""
    c_f = (N_COLOURS**2 - 1) / (2.0 * N_COLOURS)
    return np.array([[8.0 * c_f, 0.0],
                     [8.0 * c_f * charge, 16.0 * c_f - 4.0 * N_COLOURS]])


def df2_lr_adm() -> np.ndarray:
    """LO QCD ADM of (CVLR, CSLR) = (Q_1^LR, Q_2^LR) of Buras–Misiak–Urban hep-ph/0005183."""
    n = N_COLOURS
    return np.array([[6.0 / n, 12.0], [0.0, -6.0 * n + 6.0 / n]])


@dataclass(frozen=True)
class Sector:
    """Coefficients that run together: QCD ADM ``gamma_s`` (None: none) or a QED factor."""

    names: tuple[str, ...]
    gamma_s: np.ndarray | None = None
    gamma_e: float | None = None

    def matrix(self, segments) -> np.ndarray:
        """Evolution matrix over ``segments`` [(n_f, α_s ratio η, α_e ratio η_e), ...], in order."""
        # imported here: the batched running never calls this, and scipy.linalg at import was
        # ~0.25 CPU-s of every scan worker's start-up
        from scipy.linalg import expm

        u = np.eye(len(self.names))
        for nf, eta_s, eta_e in segments:
            if self.gamma_s is not None:
                u = expm(math.log(eta_s) * self.gamma_s.T / (2.0 * beta0_qcd(nf))) @ u
            if self.gamma_e is not None:
                u = eta_e ** (self.gamma_e / (2.0 * beta0_qed(nf))) * u
        return u


_CONSERVED = re.compile(r"^(C9p?|C10p?)_(bs|bd|sd)(e|mu|tau)(e|mu|tau)$"
                        r"|^C[LR]_(bs|bd|sd)(nue|numu|nutau)(nue|numu|nutau)$"
                        # vector four-lepton and lepton–quark operators (μ→3e, τ→3ℓ, μ–e
                        # conversion): conserved currents, no QCD running; QED left out as for C9
                        r"|^CV(LL|RR|LR)_(e|mu|tau){4}$"
                        r"|^CV(LL|RR|LR)_(e|mu|tau){2}(u|c|d|s|b){2}$|^CVLR_(u|c|d|s|b){2}(e|mu|tau){2}$")
_LEPTON_DIPOLE = re.compile(r"^C7_(ee|mumu|tautau)$|^Cgamma_(mue|emu|taumu|mutau|taue|etau)$")


@cache
def _sectors_by_name() -> dict[str, Sector]:
    out: dict[str, Sector] = {}
    for flavours, charge in DIPOLE_CHARGE.items():
        for prime in ("", "p"):
            sector = Sector((f"C7{prime}_{flavours}", f"C8{prime}_{flavours}"), dipole_adm(charge))
            out.update(dict.fromkeys(sector.names, sector))
    for pair in DF2_PAIRS:
        for name in (f"CVLL_{pair}", f"CVRR_{pair}"):
            out[name] = Sector((name,), np.array([[6.0 - 6.0 / N_COLOURS]]))
        lr = Sector((f"CVLR_{pair}", f"CSLR_{pair}"), df2_lr_adm())
        out.update(dict.fromkeys(lr.names, lr))
    return out


def sector_of(name: str) -> Sector:
    """The running rule of a flavio WET coefficient; ValueError if the module has none."""
    known = _sectors_by_name().get(name)
    if known is not None:
        return known
    if _CONSERVED.match(name):
        return Sector((name,))
    if _LEPTON_DIPOLE.match(name):
        return Sector((name,), gamma_e=GAMMA_LEPTON_DIPOLE)
    raise ValueError(f"bridge.running has no leading-log rule for coefficient {name!r}")


def _thresholds() -> tuple[float, float]:
    """flavio's m_b and m_t thresholds of the running (config['RGE thresholds'])."""
    th = couplings.constants().thresholds
    return th["mb"], th["mt"]


def segments(mu_high: float, mu_low: float, par: Mapping | None = None) -> list[tuple]:
    """[(n_f, η_s, η_e), ...] from ``mu_high`` to ``mu_low`` (either order), split at m_t.

    η = α(start)/α(end) of each segment, flavio's α_s and α_e (bridge.couplings) with n_f fixed
    in the segment; ``par``: α_s(M_Z), α_e(M_Z) under flavio's names (None: flavio's defaults).
    """
    alphas = couplings.inputs(par)
    m_b, m_t = _thresholds()
    for mu in (mu_high, mu_low):
        if not (math.isfinite(mu) and mu >= m_b):
            raise ValueError(f"scale {mu!r} GeV is outside the five/six-flavour range (>= {m_b} GeV)")
    points = [mu_high]
    if min(mu_high, mu_low) < m_t < max(mu_high, mu_low):
        points.append(m_t)
    points.append(mu_low)
    out = []
    for start, end in pairwise(points):
        nf = 6 if min(start, end) >= m_t else 5
        eta_s = _alpha("s", alphas, start, nf) / _alpha("s", alphas, end, nf)
        eta_e = _alpha("e", alphas, start, nf) / _alpha("e", alphas, end, nf)
        out.append((nf, eta_s, eta_e))
    return out


def run_coefficients(coefficients: Mapping[str, complex], mu_high: float, mu_low: float,
                     par: Mapping | None = None) -> dict[str, complex]:
    """flavio WET coefficients at ``mu_low`` from their values at ``mu_high`` (leading log).

    ``coefficients``: flavio WET names → complex numbers, or numpy arrays of one shape (a batch
    at a common pair of scales). ``par``: α_s(M_Z) and α_e(M_Z) under flavio's names ('alpha_s',
    'alpha_e': a card's SMINPUTS overrides, bridge.couplings.inputs, or a whole flavio parameter
    dict); None or an absent name takes flavio's defaults. ``mu_low`` above
    ``mu_high`` runs upwards (the inverse evolution). Mixing can create coefficients absent from
    the input (C7 from C8, CSLR from CVLR); they are returned when non-zero. A name without a
    rule here raises ValueError (nothing passes through unrun by accident).
    """
    groups: dict[tuple[str, ...], Sector] = {}
    for name in coefficients:
        sector = sector_of(name)
        groups[sector.names] = sector
    if not groups:
        return {}
    steps = segments(mu_high, mu_low, par)
    out: dict[str, complex] = {}
    for sector in groups.values():
        u = _evolution(sector.names, tuple(steps))
        values = [coefficients.get(name, 0j) for name in sector.names]
        for i, name in enumerate(sector.names):
            value = sum(u[i, j] * values[j] for j in range(len(values)) if u[i, j] != 0)
            if name in coefficients or np.any(value != 0):
                out[name] = value + 0j
    return out


@lru_cache(maxsize=1024)
def _evolution(names: tuple[str, ...], steps: tuple) -> np.ndarray:
    """The evolution matrix of a sector over ``steps`` (a fit at fixed dark masses asks for the
    same ones at every point: cached, read-only)."""
    u = sector_of(names[0]).matrix(steps)
    u.setflags(write=False)
    return u


def matching_scale(masses: Iterable[float], rule: str = "heaviest") -> float:
    """μ_M from the masses [GeV] of the dark states in the loop (signed Majorana masses allowed).

    ``rule="heaviest"`` (default): the heaviest mass. The loop momenta that build the local
    operators reach up to it; the dipole functions (physics.md §7, f_N1, f_C1 finite for
    m_F ≪ M_S) are dominated by k ~ the heavy mass, and when the light state is a colourless
    fermion (F_Ib) the stretch between the two masses only carries the coloured heavy state's
    tree exchange, a conserved vector quark current with no QCD anomalous dimension, so the QCD
    logarithms start at the heaviest (coloured) state. ``rule="geometric"``: the geometric mean,
    the usual compromise when the loop function has a ln(M/m) between comparable-weight masses
    (boxes with a light coloured state). Either way the residual LL dependence on the choice is
    what varying μ_M by a factor 2 shows (benchmarks/matching_scale.py).
    """
    values = [abs(float(m)) for m in masses if m != 0]
    if not values or not all(math.isfinite(m) for m in values):
        raise ValueError("matching_scale needs at least one finite non-zero mass")
    if rule == "heaviest":
        return max(values)
    if rule == "geometric":
        return math.exp(sum(math.log(m) for m in values) / len(values))
    raise ValueError(f"unknown matching-scale rule {rule!r} (heaviest, geometric)")


def route(dark_masses: Iterable[float], vev: float = 246.22) -> str:
    """The running route of a point, with the reason (issue 16 asks: choose per point, say which).

    Always leading-log WET (this module). The alternative — treat the dark sector as SMEFT at
    μ_M (wilson.Wilson(eft='SMEFT') and match_run: SMEFT running to the electroweak scale, tree
    matching to WET) — would add the SU(2)×U(1) and Yukawa running. Measured for Warsaw inputs at
    1 TeV against tree matching there plus this module (benchmarks/matching_scale.py), at 160 GeV:
    C9/C10 −2.0%/−1.7% (lq1 = lq3; plus a CL_bsνν of 3% of C9), −1.1%/−0.8% (qe), C7 −3.4% (dB),
    C7 from dG −6.2%, C8 −3.4%, CVLL −2.3% (qq1): smaller than the QCD running (C7 −15%, CVLL
    −6%) and of the size of its residual scale dependence. It is not sound with what the bridge
    has:

    1. It needs the Warsaw-basis coefficients at μ_M, and the bridge's WET set does not fix them:
       one C7 (photon dipole) ↔ two SMEFT dipoles dB, dW (their Z-dipole combination has no
       low-energy counterpart the bridge computes), one CVLL_bsbs ↔ qq1 + qq3, the photon and Z
       penguins ↔ B/W-penguin four-fermion plus Hq operators; C9/C10/CL fix lq1, lq3, qe only
       where CL_bsν_ℓν_ℓ and the charged-lepton C_LL come from the same SU(2) multiplets, and
       the bridge has no C9 for ℓ ≠ ℓ' to go with its off-diagonal CL.
    2. The engine matches in the broken phase with v-dependent dark mixing (F_Ib: λ^H v): the
       SU(2) relations an inversion needs hold only up to O(v²/M²), and many points (the F_Ib
       benchmark: a 189 GeV state) are not much heavier than v at all.
    3. A sound SMEFT route is a new matching (the dark sector onto Warsaw operators in the
       unbroken phase), not a running step.
    """
    values = sorted(abs(float(m)) for m in dark_masses if m != 0)
    if not values:
        raise ValueError("route needs the dark masses")
    lightest = values[0]
    if lightest < SMEFT_HEAVY_FACTOR * vev:
        why = (f"the lightest dark state ({lightest:.4g} GeV) is not much heavier than v "
               f"(< {SMEFT_HEAVY_FACTOR:g} v): SMEFT at the matching scale does not apply")
    else:
        why = ("all dark states are much heavier than v, but the SMEFT route needs Warsaw-basis "
               "matching the engine does not provide (bridge.running.route)")
    return f"leading-log WET running (QCD 6/5 flavours, QED for lepton dipoles): {why}"


# ---------------------------------------------------------------------------
# batches: one matching scale per point
# ---------------------------------------------------------------------------
def _alpha(kind: str, alphas: Mapping, scales, nf: int):
    """flavio's α_s or α_e with n_f fixed (bridge.couplings), at a scale or an array of them.
    An array is evaluated at its distinct scales only (a batch's lower ends are one scale, and
    the clamped upper ends often m_t): bridge.couplings treats the scales of one call
    elementwise, with the same path for the same set of scales, so the numbers are the same."""
    if np.ndim(scales):
        first = np.ravel(scales)[:1]
        # one scale (a batch's lower ends, m_t): unique's [x] without the sort
        if np.size(scales) > 1 and np.all(scales == first):
            return np.broadcast_to(_alpha_fixed(kind, alphas, first, nf), np.shape(scales))
        if not _all_distinct(scales):
            distinct, where = np.unique(scales, return_inverse=True)
            if distinct.size < np.size(scales):
                return _alpha(kind, alphas, distinct, nf)[where].reshape(np.shape(scales))
    if kind == "s":
        return couplings.alpha_s(scales, nf, alphas["alpha_s"])
    return couplings.alpha_e(scales, nf, alphas["alpha_e"])


def _all_distinct(scales) -> bool:
    """Whether numpy's unique would find every scale distinct (a random sample's upper ends),
    from a plain sort (~4 times cheaper than unique's index and inverse, which :func:`_alpha`
    then does not need): equal neighbours by value as unique compares them (−0.0 = 0.0), and
    a NaN, which unique merges with another NaN, leaves the answer to unique."""
    flat = np.ravel(scales)
    return sorted_count(flat) == flat.size and not (flat.size and np.isnan(flat).any())


#: α at a batch's common scales, kept by :func:`_alpha_fixed`
_FIXED: dict = {}


def _alpha_fixed(kind: str, alphas: Mapping, scale: np.ndarray, nf: int) -> np.ndarray:
    """:func:`_alpha` at one scale (an array (1,)), kept per (α_s(M_Z) or α_e(M_Z), scale, n_f and
    bridge.couplings' constants): a batch's common scales — m_t, the hand-over scale — are the
    same in every chunk of a scan, and α there is a constant of the SM inputs, like them
    (~0.2 ms for α_s, ~0.08 ms for α_e per evaluation; six per chunk). A deterministic function of
    the key: the same numbers as evaluating it again. Read only."""
    consts = couplings.constants()
    value = float(alphas["alpha_s" if kind == "s" else "alpha_e"])
    key = (kind, value, float(scale[0]), nf)
    hit = _FIXED.get(key)
    if hit is None or hit[0] is not consts:
        if len(_FIXED) > 256:  # a process that tries many inputs: start again
            _FIXED.clear()
        out = np.array(_alpha(kind, alphas, scale, nf), dtype=float)
        out.flags.writeable = False
        hit = _FIXED[key] = (consts, out)
    return hit[1]


@cache
def _eigen(sector_names: tuple[str, ...]):
    """γᵀ = V diag(λ) V⁻¹ of a QCD sector (None without QCD running)."""
    sector = sector_of(sector_names[0])
    if sector.gamma_s is None:
        return None
    lam, vec = np.linalg.eig(sector.gamma_s.T)
    return lam.real, vec.real, np.linalg.inv(vec.real)


def run_batch(coefficients: Mapping[str, np.ndarray], mu_high, mu_low: float,
              par: Mapping | None = None) -> dict[str, np.ndarray]:
    """run_coefficients with one ``mu_high`` per point (arrays of shape (N,)); points with
    mu_high <= mu_low are not run. The same leading-log evolution U^(5)(μ_0, m_t) U^(6)(m_t, μ_M)
    per point, written as V diag(η^{λ/(2β_0)}) V⁻¹ with γᵀ = V diag(λ) V⁻¹ (the ADMs here have
    distinct eigenvalues) so that a batch needs no matrix exponential per point."""
    alphas = couplings.inputs(par)
    mu_high = np.maximum(np.asarray(mu_high, dtype=float), mu_low)
    m_b, m_t = _thresholds()
    if not (math.isfinite(mu_low) and mu_low >= m_b):
        raise ValueError(f"scale {mu_low!r} GeV is outside the five/six-flavour range")
    lo = np.full_like(mu_high, mu_low)
    # η of each segment (1 where a segment is empty): six flavours above m_t, five below
    eta = {}
    for kind in ("s", "e"):
        hi6, lo6 = np.maximum(mu_high, m_t), np.maximum(lo, m_t)
        hi5, lo5 = np.minimum(mu_high, m_t), np.minimum(lo, m_t)
        eta[kind, 6] = _ratio(_alpha(kind, alphas, hi6, 6), _alpha(kind, alphas, lo6, 6))
        eta[kind, 5] = _ratio(_alpha(kind, alphas, hi5, 5), _alpha(kind, alphas, lo5, 5))
    groups: dict[tuple[str, ...], Sector] = {}
    for name in coefficients:
        sector = sector_of(name)
        groups[sector.names] = sector
    out: dict[str, np.ndarray] = {}
    run = mu_high > mu_low
    memo: dict = {}  # the η powers of one ADM, shared by the sectors that have it
    for names, sector in groups.items():
        if sector.gamma_s is None and sector.gamma_e is None:  # conserved: handed over as is
            out.update({k: np.broadcast_to(np.asarray(coefficients[k], dtype=complex), mu_high.shape)
                        for k in names if k in coefficients})
            continue
        values = np.stack([np.broadcast_to(np.asarray(coefficients.get(k, 0j), dtype=complex),
                                           mu_high.shape) for k in names], axis=-1)
        # points not run (μ_M at or below the hand-over scale) keep their values exactly
        ran = _evolve(values, sector, _eigen(names), eta, memo)
        if not run.all():
            ran = np.where(run[..., None], ran, values)
        for i, name in enumerate(names):
            if name in coefficients or np.any(ran[..., i] != 0):
                out[name] = ran[..., i]
    return out


def _single(x) -> bool:
    """``x`` is one number spread over the batch (a zero-stride view, as :func:`_alpha` returns
    for a batch's common scale)."""
    return isinstance(x, np.ndarray) and x.ndim > 0 and not any(x.strides)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a/b elementwise: one division, spread, where both are one number over the batch (a
    segment no point's scale enters: the five-flavour one when every μ_M is above m_t)."""
    if _single(a) and _single(b) and a.shape == b.shape:
        return np.broadcast_to(a.flat[0] / b.flat[0], a.shape)
    return a / b


def _one(eta):
    """η as one number where it is one spread over the batch (its powers are then taken once:
    the same numbers, the power being elementwise), else as it is."""
    return np.asarray(eta.flat[0]) if _single(eta) else eta


def _evolve(values: np.ndarray, sector: Sector, eig, eta: dict, memo: dict | None = None) -> np.ndarray:
    """U^(5) U^(6) c for a batch (values (..., n)) without an n×n matrix per point: the LO
    QCD ADM is the same for five and six flavours, so both segments share V and
    U c = V (η_6^{λ/(2β_0^(6))} η_5^{λ/(2β_0^(5))} ∘ V⁻¹ c), times the QED factor. ``memo``: the
    powers of η by ADM, for the sectors of one batch (C7/C8 and C7p/C8p, the lepton dipoles)."""
    memo = {} if memo is None else memo
    if eig is not None:
        lam, vec, inv = eig
        key = ("s", lam.tobytes())
        if key not in memo:
            power = 1.0
            for nf in (6, 5):
                power = power * _one(eta["s", nf])[..., None] ** (lam / (2.0 * beta0_qcd(nf)))
            memo[key] = power
        # through point_rows: a point's BLAS row (and so its C7, C7') must not depend on the
        # batch size or its place in it; one point (values (n,)) as a batch of one
        rows = values if values.ndim > 1 else values[None]
        rows = point_rows(memo[key] * point_rows(rows, inv.T), vec.T)
        values = rows if values.ndim > 1 else rows[0]
    if sector.gamma_e is not None:
        key = ("e", sector.gamma_e)
        if key not in memo:
            factor = None
            for nf in (6, 5):
                f = _one(eta["e", nf]) ** (sector.gamma_e / (2.0 * beta0_qed(nf)))
                factor = f if factor is None else factor * f
            memo[key] = factor[..., None]
        values = memo[key] * values
    return values


#: QED anomalous dimension of a lepton mass, dm/dlnμ = −γ_m (α_e/4π) m (γ_m = 6 Q_ℓ²): the
#: abelian case (C_F → Q_ℓ²) of the one-loop quark-mass anomalous dimension γ_m^(0) = 6 C_F
#: (Buras, hep-ph/9806471, Sec. 3); the part of GAMMA_LEPTON_DIPOLE (16, Degrassi–Giudice
#: hep-ph/9803384: a_ℓ runs as 1 − (4α/π) ln) that is the running of m_ℓ in the C7_ℓℓ
#: normalisation.
GAMMA_LEPTON_MASS = 6.0
#: The scale at which flavio evaluates a_ℓ (config['renormalization scale']['mudecays']) and at
#: which the m_ℓ of its normalisation is the pole mass.
LEPTON_MASS_SCALE = 1.0


def lepton_mass_ratio(mu, par: Mapping | None = None) -> np.ndarray | float:
    """m_ℓ(μ)/m_ℓ(1 GeV) at leading log in QED, exp(−(γ_m/4π) ∫_{ln 1 GeV}^{ln μ} α_e dlnμ'),
    with flavio's α_e(μ') (its thresholds); μ in [1 GeV, 10⁷ GeV].

    The m_ℓ that C7_ℓℓ at μ_M is divided by, given that wilson runs C7_ℓℓ down with γ_e = 16
    (tensor current 10 + this 6) and flavio reads it at 1 GeV with the pole m_ℓ; at 1 TeV the
    ratio is ≈ 0.975, the 2.5% of the module docstring. The same for every lepton (Q_ℓ = −1).
    The integral is tabulated once per α_e(M_Z) (Gauss–Legendre, 16 nodes per interval of a
    200-point grid in ln μ) and interpolated linearly (3e-8 from an adaptive quadrature)."""
    grid, integral = _alpha_e_integral(couplings.inputs(par)["alpha_e"])
    mu_arr = np.asarray(mu, dtype=float)
    logs = np.log(mu_arr)
    if np.any(logs < grid[0] - 1e-12) or np.any(logs > grid[-1] + 1e-12):
        raise ValueError(f"lepton_mass_ratio: scale outside 1 GeV .. 1e7 GeV ({mu!r})")
    out = np.exp(-GAMMA_LEPTON_MASS / (4.0 * math.pi) * np.interp(logs, grid, integral))
    return float(out) if out.ndim == 0 else out


@lru_cache(maxsize=8)
def _alpha_e_integral(alpha_e_mz: float):
    """(ln μ grid, ∫_{ln 1 GeV}^{ln μ} α_e dlnμ') for the lepton-mass running (flavio's α_e
    depends on α_e(M_Z) only: it takes M_Z as a constant)."""
    grid = np.linspace(math.log(LEPTON_MASS_SCALE), math.log(1e7), 201)
    nodes, weights = np.polynomial.legendre.leggauss(16)
    halves = [0.5 * (b - a) for a, b in pairwise(grid)]
    scales = np.array([[math.exp(t) for t in a + half * (nodes + 1.0)]
                       for a, half in zip(grid[:-1], halves, strict=True)])
    alphas = couplings.alpha_e(scales, None, alpha_e_mz)
    pieces = [half * float(np.dot(weights, row)) for half, row in zip(halves, alphas, strict=True)]
    return grid, np.concatenate([[0.0], np.cumsum(pieces)])
