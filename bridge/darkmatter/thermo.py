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


def _interp(T, column: int):
    tab = table()
    return np.interp(np.log10(T), tab[:, 0], tab[:, column])


def g_eff(T):
    """Energy-density degrees of freedom at T [GeV] (clamped outside 10⁻⁵–10⁵ GeV)."""
    return _interp(T, 1)


def h_eff(T):
    """Entropy degrees of freedom at T [GeV]."""
    return _interp(T, 2)


def gstar_half(T):
    """g_*^{1/2} = h_eff/√g_eff (1 + ⅓ d ln h_eff/d ln T) at T [GeV] (Gondolo–Gelmini)."""
    return _interp(T, 3)
