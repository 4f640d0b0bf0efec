"""Standard-Model plasma: effective degrees of freedom g_eff(T), h_eff(T) and g_*^{1/2}(T).

Source: K. Saikawa and S. Shirai, JCAP 05 (2018) 035, arXiv:1803.01038, Appendix C — their
fitting functions to the SM equation of state (lattice QCD with the HotQCD/Borsanyi input, the
electroweak crossover and the e⁺e⁻ annihilation), coefficients in ``data/saikawa_shirai_2018_fit.json``.
The shipped table ``data/sm_dof.csv`` is that fit evaluated on a grid (``make_table``; the test
suite checks that the file is what the fit gives, and compares it with the independent lattice
table S2 of Borsanyi et al., Nature 539 (2016) 69, arXiv:1606.07494).

In the Boltzmann equation (Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145, Eq. (3.8) and after)
only g_eff (energy), h_eff (entropy) and

    g_*^{1/2} = h_eff/√g_eff · (1 + ⅓ d ln h_eff / d ln T)

enter; the table carries all three.

Accuracy of the fit against Saikawa–Shirai's own tabulation (their data release of
arXiv:1803.01038, compared here once, not shipped): g_eff within 0.7% above 0.7 GeV and below
0.1 GeV, 1.3-1.5% between 0.3 and 0.5 GeV and 2.8% at 0.2 GeV (the QCD crossover, where the
fit is coarsest); h_eff likewise. On the required s-wave ⟨σv⟩ this is ≤ 0.7%.

:class:`EquationOfState` lets the solver use another g_eff/h_eff: :func:`ideal_gas` builds the
free-particle SM with a sharp QCD transition — the "conventional" equation of state of the
pre-lattice relic calculations, used by tests/test_darkmatter_relic.py to show that the
difference from Steigman–Dasgupta–Beacom (arXiv:1204.3622) between 10 GeV and 1 TeV is the
QCD equation of state, not the solver.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np

_DATA = resources.files("bridge.darkmatter") / "data"
TABLE_FILE = "sm_dof.csv"
FIT_FILE = "saikawa_shirai_2018_fit.json"
#: Grid of the shipped table: log10(T/GeV) from −5 to 5, 100 points per decade.
TABLE_LOG10_T = np.linspace(-5.0, 5.0, 1001)


@cache
def _fit() -> dict:
    return json.loads((_DATA / FIT_FILE).read_text())


def _low_T_function(name: str, x):
    f = _fit()["low_T"]["functions"][name]
    p = f["p"]
    return np.exp(-f["k"] * x) * (p[0] + x * (p[1] + x * (p[2] + x * p[3])))


def _poly(coeffs, t):
    return np.polynomial.polynomial.polyval(t, coeffs)


def fit_g_rho_g_s(T) -> tuple[np.ndarray, np.ndarray]:
    """(g_rho, g_s) of the Saikawa–Shirai fit at T [GeV] (arXiv:1803.01038, Eqs. (C.1)-(C.4))."""
    T = np.asarray(T, dtype=float)
    fit = _fit()
    hi, lo = fit["high_T"], fit["low_T"]
    t = np.log(T)
    g_hi = _poly(hi["a"], t) / _poly(hi["b"], t)
    gs_hi = g_hi / (1.0 + _poly(hi["c"], t) / _poly(hi["d"], t))
    m = lo["masses_GeV"]
    x = {k: m[k] / T for k in m}
    s_fit = 1.0 + 1.75 * _low_T_function("f_s", x["e"])
    gr, gs = lo["g_rho"], lo["g_s"]
    g_lo = gr["const"] + gr["S_fit_e_pow_4_3"] * s_fit ** (4.0 / 3.0)
    g_lo = g_lo + sum(c * _low_T_function("f_rho", x[k]) for k, c in gr["f_rho"].items())
    g_lo = g_lo + sum(c * _low_T_function("b_rho", x[k]) for k, c in gr["b_rho"].items())
    gs_lo = gs["const"] + gs["S_fit_e"] * s_fit
    gs_lo = gs_lo + sum(c * _low_T_function("f_s", x[k]) for k, c in gs["f_s"].items())
    gs_lo = gs_lo + sum(c * _low_T_function("b_s", x[k]) for k, c in gs["b_s"].items())
    high = T >= 0.12
    return np.where(high, g_hi, g_lo), np.where(high, gs_hi, gs_lo)


def make_table() -> np.ndarray:
    """Rows (log10 T/GeV, g_eff, h_eff, g_*^{1/2}) on TABLE_LOG10_T from the fit.

    d ln h_eff/d ln T by central differences of the fit (step 1e-4 in ln T; the fit is smooth
    apart from its 120 MeV junction, where the two branches meet continuously).
    """
    lt = TABLE_LOG10_T
    T = 10.0**lt
    g, h = fit_g_rho_g_s(T)
    eps = 1e-4
    _, h_up = fit_g_rho_g_s(T * np.exp(eps))
    _, h_dn = fit_g_rho_g_s(T * np.exp(-eps))
    dlnh = (np.log(h_up) - np.log(h_dn)) / (2 * eps)
    gstar_half = h / np.sqrt(g) * (1.0 + dlnh / 3.0)
    return np.column_stack([lt, g, h, gstar_half])


def write_table(path) -> None:
    """Regenerate the shipped table (``python -c 'from bridge.darkmatter import thermo;
    thermo.write_table("bridge/darkmatter/data/sm_dof.csv")'``)."""
    header = ("SM effective degrees of freedom from the Saikawa-Shirai fit, arXiv:1803.01038 App. C "
              "(bridge.darkmatter.thermo.make_table)\nlog10_T_GeV,g_eff,h_eff,gstar_half")
    np.savetxt(path, make_table(), delimiter=",", header=header, fmt="%.6f,%.8g,%.8g,%.8g")


@cache
def table() -> np.ndarray:
    """The shipped table, shape (n, 4): log10 T/GeV, g_eff, h_eff, g_*^{1/2}."""
    with (_DATA / TABLE_FILE).open() as fh:
        return np.loadtxt(fh, delimiter=",", comments="#")


def g_eff(T):
    """Energy-density degrees of freedom at T [GeV] (clamped outside 10⁻⁵–10⁵ GeV): :data:`SM`."""
    return SM.g_eff(T)


def h_eff(T):
    """Entropy degrees of freedom at T [GeV]: :data:`SM`."""
    return SM.h_eff(T)


def gstar_half(T):
    """g_*^{1/2} = h_eff/√g_eff (1 + ⅓ d ln h_eff/d ln T) at T [GeV] (Gondolo–Gelmini): :data:`SM`."""
    return SM.gstar_half(T)


class EquationOfState:
    """g_eff, h_eff and g_*^{1/2} interpolated (linearly in log10 T) in a table with the
    columns of :func:`table`; the default solver input is :data:`SM` (the shipped table)."""

    def __init__(self, rows: np.ndarray, name: str):
        self.rows = np.asarray(rows, float)
        self.name = name

    def _col(self, T, c):
        return np.interp(np.log10(T), self.rows[:, 0], self.rows[:, c])

    def g_eff(self, T):
        return self._col(T, 1)

    def h_eff(self, T):
        return self._col(T, 2)

    def gstar_half(self, T):
        return self._col(T, 3)


class _Shipped(EquationOfState):
    """The shipped Saikawa–Shirai table, read on first use."""

    def __init__(self):
        self.name = "Saikawa-Shirai 2018 (fit, shipped table)"

    @property
    def rows(self):
        return table()


#: The default equation of state of the solver.
SM = _Shipped()

#: Free SM content for :func:`ideal_gas`: (mass [GeV], internal dof, fermion?) — PDG masses
#: (quark pole/MSbar masses at their own scale; light-quark masses only matter above T_QCD).
_LEPTONS = ((0.000511, 4, True), (0.10566, 4, True), (1.77686, 4, True), (0.0, 6, True))
_ELECTROWEAK = ((0.0, 2, False), (80.377, 6, False), (91.1876, 3, False), (125.2, 1, False))
_QUARKS_GLUONS = ((0.00216, 12, True), (0.0047, 12, True), (0.0935, 12, True), (1.273, 12, True),
                  (4.18, 12, True), (172.69, 12, True), (0.0, 16, False))
#: Hadrons below T_QCD: π⁰, π±, K, η, ρ, ω (the states below 0.8 GeV; heavier ones are
#: Boltzmann-suppressed by > e⁻⁵ at T ≤ 0.15 GeV).
_HADRONS = ((0.13498, 1, False), (0.13957, 2, False), (0.4937, 4, False), (0.5479, 1, False),
            (0.7753, 9, False), (0.7827, 3, False))


def _free_rho_s(z: np.ndarray, fermion: bool) -> tuple[np.ndarray, np.ndarray]:
    """Energy and entropy of one free degree of freedom of mass m = zT, in units of a massless
    boson's (ρ/(π²T⁴/30), s/(2π²T³/45)). Series of the Bose/Fermi distributions,
    Σ_n (±1)^{n+1} e^{−n E/T}: ρ = T⁴/(2π²) Σ_n (±)^{n+1} [3 (nz)² K₂(nz) + (nz)³ K₁(nz)]/n⁴,
    p = T⁴/(2π²) Σ_n (±)^{n+1} (nz)² K₂(nz)/n⁴, s = (ρ + p)/T (zero chemical potential)."""
    from scipy.special import kv

    z = np.asarray(z, float)
    rho = np.zeros_like(z)
    pres = np.zeros_like(z)
    for n in range(1, 51):  # the massless tail Σ 1/n⁴ beyond 50 is < 3e-6 of the sum
        sign = (-1.0) ** (n + 1) if fermion else 1.0
        y = n * z
        # (nz)^2 K2(nz) -> 2 and (nz)^3 K1(nz) -> 0 as z -> 0
        y2k2 = np.where(y > 0, y**2 * kv(2, np.where(y > 0, y, 1.0)), 2.0)
        y3k1 = np.where(y > 0, y**3 * kv(1, np.where(y > 0, y, 1.0)), 0.0)
        rho += sign * (3 * y2k2 + y3k1) / n**4
        pres += sign * y2k2 / n**4
    rho *= 1 / (2 * np.pi**2)
    pres *= 1 / (2 * np.pi**2)
    return rho * 30 / np.pi**2, (rho + pres) * 45 / (2 * np.pi**2)


@cache
def ideal_gas(t_qcd: float = 0.15) -> EquationOfState:
    """The free-particle SM (every state an ideal Bose or Fermi gas, no interactions) with a
    sharp QCD transition at ``t_qcd`` [GeV]: quarks and gluons above, the light hadrons below.
    This is the "conventional" equation of state of the relic calculations before lattice QCD
    (e.g. Gondolo & Gelmini's, with T_QCD = 150 MeV); the shipped Saikawa–Shirai table replaces
    it. g_*^{1/2} from h_eff by central differences in ln T (the step at t_qcd is kept).
    Below 10 MeV (e⁺e⁻ annihilation and neutrino decoupling, which an equilibrium ideal gas
    does not describe; settled physics on which all tables agree) it is the shipped table."""
    lt = np.linspace(-2.0, 5.0, 701)
    T = 10.0**lt
    g = np.zeros_like(T)
    h = np.zeros_like(T)
    for states, where in ((_LEPTONS + _ELECTROWEAK, np.ones_like(T, bool)),
                          (_QUARKS_GLUONS, T > t_qcd), (_HADRONS, T <= t_qcd)):
        for mass, dof, fermion in states:
            r, s = _free_rho_s(mass / T, fermion)
            g += np.where(where, dof * r, 0.0)
            h += np.where(where, dof * s, 0.0)
    dlnh = np.gradient(np.log(h), np.log(T))
    rows = np.column_stack([lt, g, h, h / np.sqrt(g) * (1 + dlnh / 3)])
    low = table()[table()[:, 0] < lt[0]]
    return EquationOfState(np.vstack([low, rows]), f"free SM, T_QCD = {1e3 * t_qcd:g} MeV")
