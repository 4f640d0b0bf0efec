"""One observable key (bridge.observable.Observable) for the run table, the likelihoods, the
fast path, the scan and FLHA (no flavio needed)."""

from __future__ import annotations

import pytest

from bridge import flha
from bridge.errors import InputError
from bridge.observable import Observable


def test_key_and_label():
    binned = Observable("<Rmue>(B+->Kll)", (1.1, 6))
    assert binned.args == (1.1, 6.0) and binned == Observable("<Rmue>(B+->Kll)", (1.1, 6.0))
    assert binned.key == ("<Rmue>(B+->Kll)", 1.1, 6.0)  # flavio's form
    assert binned.label == "<Rmue>(B+->Kll) [1.1,6]"
    assert binned.q2 == (1.1, 6.0)
    plain = Observable("BR(Bs->mumu)")
    assert plain.key == plain.label == "BR(Bs->mumu)" and plain.q2 is None
    for o in (binned, plain):
        assert Observable.from_key(o.key) == o
    assert len({binned, Observable("<Rmue>(B+->Kll)", [1.1, 6.0])}) == 1


def test_parse_the_command_line_form():
    assert Observable.parse("BR(Bs->mumu)") == Observable("BR(Bs->mumu)")
    assert Observable.parse("<P5p>(B0->K*mumu):4:6") == Observable("<P5p>(B0->K*mumu)", (4.0, 6.0))
    with pytest.raises(InputError, match="NAME:Q2MIN:Q2MAX"):
        Observable.parse("<P5p>(B0->K*mumu):4:x")


def test_one_class_everywhere():
    from bridge.likelihoods import FLAVIO_OBSERVABLES
    from bridge.observables import CORE_OBSERVABLES
    from bridge.scan import fastpath

    assert fastpath.Observable is Observable
    assert all(type(o) is Observable for o in FLAVIO_OBSERVABLES)
    assert all(type(row.observable) is Observable for row in CORE_OBSERVABLES)
    # the run table's R_K row and the likelihood's are the same key
    rk = next(r.observable for r in CORE_OBSERVABLES if r.label == "R_K [1.1,6]")
    assert rk in FLAVIO_OBSERVABLES


def test_flha_keys_from_an_observable():
    rk = Observable("<Rmue>(B0->K*ll)", (0.045, 1.1))
    assert flha.fobs_key(rk) == flha.fobs_key("<Rmue>(B0->K*ll)", 0.045, 1.1)
    assert flha.obs_entry(rk, 0.9) == flha.obs_entry("<Rmue>(B0->K*ll)", 0.9, 0.045, 1.1)
    assert flha.dipole_entry(Observable("a_mu"), 2.5e-9) == flha.dipole_entry("a_mu", 2.5e-9)
    with pytest.raises(ValueError, match="part of the Observable"):
        flha.fobs_key(rk, 0.045, 1.1)
    with pytest.raises(ValueError, match="needs q2min < q2max"):
        flha.fobs_key(Observable("<Rmue>(B0->K*ll)"))
    with pytest.raises(ValueError, match="q2 bin"):
        flha.fobs_key(Observable("<Rmue>(B0->K*ll)", (1.0, 2.0, 3.0)))
