"""bridge.sm.SMINPUTS is the one table of SMINPUTS entries: card reading, flavio overrides,
the sanity windows and the cached SM inputs all read it (no flavio needed here)."""

from __future__ import annotations

import dataclasses

import pytest

from bridge import sanity
from bridge.errors import InputError
from bridge.sm import SMINPUTS, SMINPUTS_NAMES, SMInputs, sminputs_overrides


def test_every_row_is_consistent():
    fields = {f.name for f in dataclasses.fields(SMInputs)}
    for key, row in SMINPUTS.items():
        assert row.entry == key
        low, high = row.window
        assert low < row.reference < high  # the measured value is accepted
        assert row.field is None or row.field in fields
        assert row.to_slha(row.to_flavio(row.reference)) == pytest.approx(row.reference, rel=1e-15)
    assert SMINPUTS_NAMES == {k: r.description for k, r in SMINPUTS.items()}


def test_overrides_convert_through_the_table():
    out = sminputs_overrides({1: 128.0, 2: 1.17e-5, 6: 173.0, 99: 1.0})
    assert out == {"alpha_e": 1 / 128.0, "GF": 1.17e-5, "m_t": 173.0}  # 99: not an SMINPUTS entry


class _Info:
    blocks = ()


@pytest.mark.parametrize(("key", "factor"), [(2, 10.0), (2, 0.1), (6, 100.0), (1, 1 / 137.0)])
def test_sanity_refuses_values_outside_the_table_window(key, factor):
    row = SMINPUTS[key]
    with pytest.raises(InputError, match=rf"Block SMINPUTS, entry {key}: .*is outside"):
        sanity.check_inputs(_Info(), {}, sminputs={key: row.reference * factor}, path="card.slha")
    # the window's edges move with the table, not with a copy in sanity
    low, high = row.window
    assert sanity.check_inputs(_Info(), {}, sminputs={key: 0.999 * high}) == []
    assert sanity.check_inputs(_Info(), {}, sminputs={key: 1.001 * low}) == []


def test_sanity_has_no_table_of_its_own():
    assert not any(hasattr(sanity, n) for n in ("SM_REFERENCE", "SM_WINDOW", "SM_FACTOR"))
