"""A scan worker's start-up: what it imports, how the pool starts (bridge.scan.executors)."""

import subprocess
import sys


def test_worker_imports_leave_scipy_linalg_out():
    """A worker imports bridge.scan.runner (and a `bridge scan` worker bridge.cli as its main
    module); scipy.linalg (only the point-by-point running's expm needs it) must not come with
    them: it was ~0.25 CPU-s of every worker's start-up."""
    code = ("import sys, bridge.cli, bridge.scan.runner; "
            "print(sorted(m for m in sys.modules if m == 'scipy.linalg' or m.startswith('scipy.linalg.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_running_matrix_after_the_lazy_import():
    """The QCD evolution the lazily imported expm gives, against the closed form of the
    exponential of a triangular 2x2 matrix: the ΔF=2 LR ADM γ = [[a, b], [0, d]]
    (Buras-Misiak-Urban hep-ph/0005183), U = exp(t γᵀ) with t = ln η / (2 β0):
    U = [[e^{ta}, 0], [b (e^{ta} - e^{td}) / (a - d), e^{td}]]."""
    import math

    import numpy as np

    from bridge import running

    gamma = running.df2_lr_adm()
    (a, b), d = gamma[0], gamma[1, 1]
    sector = running.Sector(("CVLR_bsbs", "CSLR_bsbs"), gamma_s=gamma)
    eta = 1.7
    t = math.log(eta) / (2.0 * running.beta0_qcd(5))
    closed = np.array([[math.exp(t * a), 0.0],
                       [b * (math.exp(t * a) - math.exp(t * d)) / (a - d), math.exp(t * d)]])
    np.testing.assert_allclose(sector.matrix([(5, eta, 1.0)]), closed, rtol=1e-13, atol=0)
