"""A scan worker's start-up (what it imports) and how a chunk is split into parts (bridge.scan.runner)."""

import subprocess
import sys
from pathlib import Path


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


def test_a_chunk_in_parts_leaves_no_batch_of_one(monkeypatch, tmp_path):
    """run_packed splits a chunk into parts of equal size: 289 points of the 90 x 90 F_Ib grid
    (ids 320-608) with parts of at most 144 were 144 + 144 + 1, and point 608 alone, a batch
    of one, had C7_bs and C7p_bs 1-2 ulp from its batched value (the running's BLAS product,
    since taken through linalg.point_rows: tests/test_batch_independence.py). Every column
    read back equals the chunk computed in one call, bit for bit, and the batch of one agrees."""
    import numpy as np

    from bridge.scan import runner
    from bridge.scan.runner import ScanOptions, prepare, run_chunk, run_packed
    from bridge.scan.store import fastpath_from, unpack
    from bridge.sm import cached_sm_inputs

    cached_sm_inputs({})
    card = str(Path(__file__).resolve().parents[1] / "cards" / "F_Ib.slha")
    ctx, _ = prepare(ScanOptions(card, ["MINPAR:1:20:1000:90", "MINPAR:2:100:2000:90"],
                                 str(tmp_path / "a.db"), likelihoods=["seed2021"], progress=False),
                     say=lambda m: None)
    ids = np.arange(320, 609)
    values = ctx.space.values(ids)
    whole = run_chunk(ctx, ids, values)
    alone = run_chunk(ctx, ids[-1:], values[-1:])  # the batch of one the parts once made
    for name in ("wc:C7_bs:re", "wc:C7_bs:im", "wc:C7p_bs:re", "wc:C7p_bs:im"):
        assert alone.columns[name][0] == whole.columns[name][-1], name
    monkeypatch.setattr(runner, "COMPUTE_PART_ALL", 144)
    packed, _, _ = run_packed(ctx, ids, values)
    i, cols, errors, routes, *_ = unpack(packed, ctx.space, fastpath_from(runner.fastpath_recipe(ctx)))
    assert i.tolist() == ids.tolist() and errors == whole.errors and routes == whole.routes
    for name, col in whole.columns.items():
        np.testing.assert_array_equal(cols[name], col, err_msg=name)
