"""The ``relic`` likelihood term: Ωh² against Planck, with a theory error.

Measurement: Ω_c h² = 0.120 ± 0.001 (Planck 2018, arXiv:1807.06209, Table 2; constants.py).
Theory error: 10% of the prediction, added in quadrature. Why 10%: the tree-level cross sections
miss O(α_s) QCD corrections to quark final states (≈ 10-20% on b b̄, t t̄; e.g. Drees & Nojiri,
Phys. Rev. D47 (1993) 376) and electroweak Sommerfeld/bound-state effects for coannihilating
charged states (a few % at the masses of the seeds' figures, more for TeV multiplets); the
g_eff(T) tables of Saikawa–Shirai (arXiv:1803.01038) and Borsanyi et al. (arXiv:1606.07494)
differ by 3-5% between 1 and 20 GeV (tests/test_darkmatter_thermo.py), which moves Ωh² by 1-3%;
against the free-particle plasma of the older calculations the lattice-based table moves Ωh² by
4-12% between 10 GeV and 1 TeV (the constant-σv toy reproduces Steigman–Dasgupta–Beacom's curve
to 2% with their kind of plasma, and sits 3-7% above it with the shipped one:
tests/test_darkmatter_relic.py) — the spread between equation-of-state determinations is part
of this error. Channels not implemented at a point (gg,
fermion–scalar coannihilation, coloured coannihilators; listed per point) are not covered:
such points are upper estimates.
"""

from __future__ import annotations

import math

from bridge.darkmatter import constants as C

#: Relative theory error of the tree-level freeze-out prediction (see module docstring).
THEORY_REL_ERROR = 0.10


def relic_sigma(omega_h2: float, theory_rel_error: float = THEORY_REL_ERROR) -> float:
    """σ = √(0.001² + (δ_th Ωh²)²): Planck's error and the theory error in quadrature."""
    return math.hypot(C.OMEGA_H2_PLANCK_ERR, theory_rel_error * omega_h2)


def relic_chi2(omega_h2: float, theory_rel_error: float = THEORY_REL_ERROR) -> float:
    """χ² = (Ωh² − 0.120)² / (0.001² + (δ_th Ωh²)²)."""
    return ((omega_h2 - C.OMEGA_H2_PLANCK) / relic_sigma(omega_h2, theory_rel_error)) ** 2


def relic_loglikelihood(omega_h2: float, theory_rel_error: float = THEORY_REL_ERROR) -> float:
    """Gaussian log-likelihood −χ²/2 − ½ ln(2π σ²) of the ``relic`` term."""
    sigma = relic_sigma(omega_h2, theory_rel_error)
    return -0.5 * relic_chi2(omega_h2, theory_rel_error) - 0.5 * math.log(2 * math.pi * sigma**2)
