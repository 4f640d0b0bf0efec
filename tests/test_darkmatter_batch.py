"""The dark-matter summary of a batch of points against the same points one by one, and the
fast paths of the spinor algebra against the general ones."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from models import SM

from bridge.darkmatter import freezeout as fo
from bridge.darkmatter import helicity as H
from bridge.darkmatter import relic
from bridge.darkmatter.summary import NUMBERS, summaries, summary, summary_batch
from bridge.engine import DarkFermion, DarkScalar, DarkSector, ZCouplings
from bridge.errors import ModelError

#: (m_χ, m_S): the Z pole, a coannihilating S⁻ (10% above χ), plain t-channel, and a charged
#: lightest state (no candidate: its ModelError must stay in its place, not shift the others).
POINTS = [(45.6, 400.0), (100.0, 110.0), (150.0, 400.0), (300.0, 250.0)]


def lepton_portal(m_chi, m_s):
    return DarkSector((DarkFermion("chi", m_chi, 0.0, majorana=True),), (DarkScalar("S-", m_s, -1.0),),
                      right={"mu": np.array([[0.8]])},
                      z=ZCouplings(np.array([[0.05]]), np.array([[-0.05]]), np.zeros((1, 1))))


def batch():
    m_chi, m_s = (np.array(v) for v in zip(*POINTS, strict=True))
    return lepton_portal(m_chi, m_s)


def test_relic_of_a_batch_equals_point_by_point():
    results = relic.relic_densities(batch(), SM)
    assert len(results) == len(POINTS)
    assert isinstance(results[3], ModelError)
    assert results[1].coannihilators  # the window case is exercised
    for (m_chi, m_s), r in zip(POINTS[:3], results[:3], strict=True):
        alone = relic.relic_density(lepton_portal(m_chi, m_s), SM)
        assert r.omega_h2 == pytest.approx(alone.omega_h2, rel=1e-12, abs=0)
        assert r.x_f == pytest.approx(alone.x_f, rel=1e-12, abs=0)
        assert r.sigma_v_xf == pytest.approx(alone.sigma_v_xf, rel=1e-12, abs=0)
        assert r.shares.keys() == alone.shares.keys()
        for name, share in alone.shares.items():
            assert r.shares[name] == pytest.approx(share, rel=1e-12, abs=1e-15)


def test_summaries_of_a_batch_equal_point_by_point():
    rows = summaries(batch(), SM)
    cols = summary_batch(batch(), SM)
    for k, point in enumerate(POINTS):
        alone = summary(lepton_portal(*point), SM)
        assert rows[k]["error"] == alone["error"]
        assert rows[k]["shares"] == pytest.approx(alone["shares"], rel=1e-12)
        for name in NUMBERS:
            if math.isnan(alone[name]):
                assert math.isnan(rows[k][name]) and math.isnan(cols[name][k])
            else:
                assert rows[k][name] == pytest.approx(alone[name], rel=1e-12, abs=0)
                assert cols[name][k] == rows[k][name]
    assert "charged" in rows[3]["error"]


def test_bdf2_rows_of_a_batch_are_the_one_point_solutions():
    x = fo.x_grid()
    rng = np.random.default_rng(3)
    lam = np.exp(rng.uniform(20, 30, (3, 1))) / x**2
    yeq = 0.1 * x**1.5 * np.exp(-x) + 1e-30
    together = fo.bdf2(x, lam, np.broadcast_to(yeq, lam.shape))
    for k in range(3):
        alone = fo.bdf2(x, lam[k:k + 1], yeq[None, :])[0]
        # the same expressions step by step (numpy arrays against Python floats: rounding only)
        np.testing.assert_allclose(together[k], alone, rtol=1e-14, atol=0)


def _random_spinors(rng, shape):
    return rng.normal(size=(*shape, 2, 4)) + 1j * rng.normal(size=(*shape, 2, 4))


def test_constant_matrix_fast_paths_against_explicit_contractions():
    rng = np.random.default_rng(7)
    left, right = _random_spinors(rng, (5, 3)), _random_spinors(rng, (5, 3))
    m = (0.3 - 0.2j) * H.PL + 0.7 * H.PR
    current = np.einsum("...sa,mab,bc,...rc->...srm", left, H.GAMMA, m, right)
    np.testing.assert_allclose(H.vector_current(left, m, right), current, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(H.sandwich(left, m, right), np.einsum("...sa,ab,...rb->...sr", left, m, right),
                               rtol=1e-13, atol=1e-14)
    # a matrix per node takes the general path: the same contraction
    per_node = np.broadcast_to(m, (5, 3, 4, 4))
    np.testing.assert_allclose(H.vector_current(left, per_node, right), current, rtol=1e-13, atol=1e-14)


def test_spinors_of_momenta_at_rest_and_along_axes():
    p = np.array([[5.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 3.0], [5.0, 3.0, 0.0, 0.0], [5.0, 1.0, 2.0, -2.0]])
    m = np.sqrt(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1))
    u = H.u_spinors(p)
    # Σ_s u ū = p̸ + m (Peskin & Schroeder 3.66)
    spin_sum = np.einsum("ksa,ksb->kab", u, H.bar(u))
    np.testing.assert_allclose(spin_sum, H.slash(p) + m[:, None, None] * H.ONE, atol=1e-12)


def test_dark_matter_scans_spread_over_workers():
    from bridge.scan import runner

    ctx = SimpleNamespace(route="fast", dark_matter=True)
    opts = SimpleNamespace(chunk_size=None)
    plan = runner._chunk_plan(opts, ctx)
    assert plan.size == runner.FIRST_CHUNK["dark matter"]
    assert plan.largest == runner.CHUNK["dark matter"] < runner.CHUNK["vectorised"] // 8
    opts.chunk_size = 7
    plan = runner._chunk_plan(opts, ctx)
    assert plan.size == plan.largest == 7 and plan.fixed


#: Points of the shipped models (card, the two varied MINPAR entries, values): F_Ib at the h pole
#: (the Z pole: the toy above) and coannihilating with Φ_ℓ, F_IIb's real-scalar candidate with a
#: coannihilating fermion, the scotogenic N with a charged scalar within 20%.
MODEL_POINTS = [("F_Ib.slha", (1, 2), [(62.3, 1500.0), (580.0, 2000.0)]),
                ("F_IIb.slha", (1, 4), [(330.0, 300.0)]),
                ("scotogenic.slha", (1, 5), [(370.0, 800.0)])]


@pytest.mark.parametrize("card, entries, values", MODEL_POINTS)
def test_model_batch_equals_cards_point_by_point(card, entries, values):
    """The batched spectrum's relic densities against each point's own (unbatched) spectrum."""
    from pathlib import Path

    from bridge import pipeline
    from bridge.run import load_point
    from bridge.scan.space import Space, batch_inputs, parse_vary

    path = Path(__file__).resolve().parents[1] / "cards" / card
    _, model, info, inputs, _, _ = load_point(path)
    space = Space([parse_vary(f"MINPAR:{e}:10:3000:2", info, inputs) for e in entries])
    binputs, _ = batch_inputs(space, inputs, np.array(values, float))
    together = relic.relic_densities(pipeline.spectrum(model, binputs, SM, batch=True).sector, SM)
    for k in range(len(values)):
        alone = relic.relic_density(pipeline.spectrum(model, binputs.point(k), SM).sector, SM)
        r = together[k]
        assert r.candidate == alone.candidate and r.coannihilators == alone.coannihilators
        for name in ("omega_h2", "x_f", "sigma_v_xf"):
            assert getattr(r, name) == pytest.approx(getattr(alone, name), rel=1e-10, abs=0)
        assert r.shares.keys() == alone.shares.keys()
        for name, share in alone.shares.items():
            assert r.shares[name] == pytest.approx(share, rel=1e-10, abs=1e-14)
