"""The two-boson channels a pair contributes, chosen by a check on the couplings
(bosons.has_amplitude), against the choice by probing W at two energies above threshold (what
relic._boson_channels did before; now pairs.boson_channels); and the spinor-first fermion amplitude
(bosons.fermion_pair_helicities) against the Dirac-matrix chain sandwiched afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from models import SM

from bridge import pipeline
from bridge.darkmatter import bosons as B
from bridge.darkmatter import helicity as H
from bridge.darkmatter import pairs, relic
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings
from bridge.run import load_point

CARDS = Path(__file__).resolve().parents[1] / "cards"
G = B.Gauge.from_sm(SM)


def card_sector(name):
    _, model, _, inputs, _, _ = load_point(CARDS / f"{name}.slha")
    return pipeline.spectrum(model, inputs, SM).sector


def points():
    """Coannihilation (a charged scalar 5% above χ, a colour triplet 7.5% above), the Z and h
    poles, and the cards with electroweak multiplets (singlet–doublet, inert doublet)."""
    chi = DarkFermion("chi", 100.0, 0.0, majorana=True)
    heavy = (DarkScalar("S-", 500.0, -1.0),)
    out = {
        "lepton portal, S- at 1.05 m": DarkSector((chi,), (DarkScalar("S-", 105.0, -1.0),),
                                                  right={"mu": np.array([[1.0]])}),
        "coloured partner": DarkSector((DarkFermion("chi", 200.0, 0.0, majorana=True),),
                                       (DarkScalar("Sq", 215.0, -1 / 3, colour=3),),
                                       right={"b": np.array([[0.39]]), "s": np.array([[-0.39]])}),
        "Z pole": DarkSector((DarkFermion("chi", 45.0, 0.0, majorana=True),), heavy,
                             right={"mu": np.array([[0.8]])},
                             z=ZCouplings(np.array([[0.05]]), np.array([[-0.05]]), np.zeros((1, 1)))),
        "h pole": DarkSector((DarkFermion("chi", 63.0, 0.0, majorana=True),), heavy,
                             right={"mu": np.array([[0.3]])},
                             higgs=HiggsCouplings(np.array([[0.02]]), np.zeros((1, 1)))),
    }
    for name in ("F_Ib", "F_IIb", "S_Ib", "S_IIb", "scotogenic"):
        out[name] = card_sector(name)
    return out


POINTS = points()


def probed(gauge, p, q):
    """The former selection: a final state counts if W is non-zero at 1.3 or 2.5 × threshold."""
    g, cp = gauge
    start, end = pairs.flow_states(p, q)
    fn = B.w_fermions if p.kind == "F" else B.w_scalars
    out = []
    for X, Y in B.FINAL_STATES.get(round(p.charge + q.charge), ()):
        threshold = max(p.mass + q.mass, g.mass(X) + g.mass(Y))
        if np.any(fn(cp, start, end, X, Y, np.array([1.3, 2.5]) * threshold)):
            out.append(f"{p.name} {q.name} -> {X} {Y}")
    return out


@pytest.mark.parametrize("name", list(POINTS))
def test_coupling_check_selects_the_probed_channels(name):
    sector = POINTS[name]
    gauge = (G, B.Couplings(sector, G, SM.s2w))
    species = relic.dark_species(sector)
    chosen = 0
    for p in species:
        for q in species:
            if p.kind != q.kind:
                continue
            selected = [label for label, _ in pairs.boson_channels(gauge, p, q, f"{p.name} {q.name}")]
            assert selected == probed(gauge, p, q), (p.name, q.name)
            chosen += len(selected)
    if sector.z is not None or sector.w is not None or sector.higgs is not None or "portal" in name:
        assert chosen  # the comparison saw channels, not only empty lists


def test_sandwich_with_a_non_diagonal_constant_matrix():
    """helicity.sandwich scales columns for diagonal (chiral) matrices; others take the product."""
    rng = np.random.default_rng(3)
    left, right = (rng.normal(size=(4, 3, 2, 4)) + 1j * rng.normal(size=(4, 3, 2, 4)) for _ in range(2))
    for m in (0.4 * H.PL - 0.1j * H.PR, H.GAMMA[1] @ H.PL + 0.2 * H.ONE):
        expected = np.einsum("...sa,ab,...rb->...sr", left, m, right)
        np.testing.assert_allclose(H.sandwich(left, m, right), expected, rtol=1e-13, atol=1e-14)
