"""α_s of the coloured dark-matter channels from the card's SMINPUTS 3 (issue 15): the SM inputs
carry it, SMCouplings hands it to bridge.darkmatter.coloured, and the coloured ⟨σv⟩ follow it —
as α_s² where |M|² has two gluon vertices (S S̄ → g g), as α_s with one (χ S → q g)."""

from __future__ import annotations

import numpy as np
import pytest
from models import SM

from bridge.darkmatter import annihilation as A
from bridge.darkmatter import coloured as CO
from bridge.darkmatter import constants as C
from bridge.darkmatter import relic
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.sm import SMInputs, sminputs_overrides


def coloured_partner(m=200.0, M=215.0):
    """Majorana χ and a colour-triplet scalar inside the window, coupled to b_R and s_R."""
    return DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("Sq", M, -1 / 3, colour=3),),
                      right={"b": np.array([[0.39]]), "s": np.array([[-0.39]])})


def channels(sector, sm):
    """{label: W on a √s grid} of every pair of the bath, with the pairs' masses."""
    from bridge.darkmatter import bosons

    smc = A.SMCouplings.from_sm(sm)
    g = bosons.Gauge.from_sm(sm)
    gauge = (g, bosons.Couplings(sector, g, sm.s2w))
    bath = relic.dark_species(sector)
    out = {}
    for i, si in enumerate(bath):
        for sj in bath[i:]:
            # tree level: the Sommerfeld factors' own α_s is tested in test_darkmatter_sommerfeld
            found, _ = relic.pair_channels(sector, smc, si, sj, gauge, sommerfeld=False)
            rs = (si.mass + sj.mass) * np.array([1.001, 1.05, 1.3, 2.0])
            out.update({label: (fn(rs), si.mass + sj.mass) for label, fn in found})
    return out


def test_sminputs_3_reaches_the_sm_inputs_and_the_default_is_stated():
    overrides = sminputs_overrides({3: 0.125})
    assert overrides == {"alpha_s": 0.125}
    assert SMInputs.from_flavio(overrides).alpha_s_mz == 0.125
    assert SMInputs.from_flavio({}).alpha_s_mz is None  # no SMINPUTS 3: the PDG value below
    assert A.SMCouplings.from_sm(SM).alpha_s_mz == C.ALPHA_S_MZ == 0.1180
    assert A.SMCouplings.from_sm(SM.replace(alpha_s_mz=0.125)).alpha_s_mz == 0.125


def test_coloured_coannihilation_follows_alpha_s_squared():
    """Raising α_s(M_Z) from the PDG 0.1180 to 0.125: each channel's W moves by (α_s'(μ)/α_s(μ))^n
    at its own μ = m_i + m_j, n = 2 for g g, 1 for one gluon (g γ, g Z, χ S → q g), 0 for the
    colourless pairs; S S̄ → q q̄ (t-channel χ and s-channel gluon interfering) is no power."""
    sector = coloured_partner()
    base = channels(sector, SM)
    high = channels(sector, SM.replace(alpha_s_mz=0.125))
    assert set(base) == set(high)
    powers = {}
    for label, (w, mu) in base.items():
        if not np.any(w):
            continue
        live = w > 0
        ratio = high[label][0][live] / w[live]
        r = CO.alpha_s(mu, 0.125) / CO.alpha_s(mu, C.ALPHA_S_MZ)
        assert r > 1.04  # 6% apart at M_Z, 4.8% at 430 GeV: the check below can fail
        n = label.split(" -> ")[1].split().count("g")
        if n == 0 and "chi chi" not in label:
            continue  # S S̄ → q q̄: gluon and Yukawa diagrams together
        np.testing.assert_allclose(ratio, r**n, rtol=1e-12, err_msg=label)
        powers[label] = n
    assert 2 in powers.values() and 1 in powers.values()


def test_relic_density_of_a_coloured_partner_moves_with_alpha_s():
    """Ωh² of the coannihilating triplet falls when α_s rises (more g g annihilation), and a
    colourless sector does not notice α_s."""
    sector = coloured_partner()
    low = relic.relic_density(sector, SM.replace(alpha_s_mz=0.112))
    high = relic.relic_density(sector, SM.replace(alpha_s_mz=0.125))
    assert high.omega_h2 < low.omega_h2 * 0.99
    lepton = DarkSector((DarkFermion("chi", 100.0, 0.0, majorana=True),), (DarkScalar("S-", 110.0, -1.0),),
                        right={"mu": np.array([[1.0]])})
    a = relic.relic_density(lepton, SM.replace(alpha_s_mz=0.112)).omega_h2
    assert relic.relic_density(lepton, SM.replace(alpha_s_mz=0.125)).omega_h2 == pytest.approx(a, rel=1e-14)
