"""`bridge plugins`: models grouped by class, one model as its row of arXiv:2104.03228 Table II."""

from __future__ import annotations

import pytest

from bridge import listing
from bridge.cli import main
from bridge.plugins import get_plugin_manager, models
from bridge_plugins._table2 import ROWS, table_ii_model


@pytest.fixture(scope="module")
def installed():
    return models(get_plugin_manager())


def test_models_are_grouped_by_class_in_table_order(installed):
    groups = listing.group(installed)
    assert [title.split(" (")[0] for title, _ in groups] == ["class F", "class S", "other models"]
    assert [n for n, _ in groups[0][1]] == [f"F_{r}" for r in ROWS]
    assert [n for n, _ in groups[1][1]] == [f"S_{r}" for r in ROWS]
    assert "scotogenic" in [n for n, _ in groups[2][1]]
    text = listing.summary(installed)
    assert text.index("class F") < text.index("  F_Ia") < text.index("class S") < text.index("  S_Vc")


def test_table_row_has_the_five_columns_with_empty_cells():
    row = table_ii_model("S", "IIc").table_row(listing.TABLE_II_COLUMNS)
    assert [c[0] for c in row] == list(listing.TABLE_II_COLUMNS)
    assert row[0][1:] == ("Psi_q", "(3,1)_-1/3", "Dirac fermion")
    assert row[3][1:] == ("–", "–", "–")
    assert row[4][1:] == ("Phi'", "(1,1)_0", "real scalar")


@pytest.mark.parametrize(("name", "cells"), [
    ("F_Ia", ["(3,2)_{1/6}", "(1,2)_{-1/2}", "(1,1)_{0}", "(1,1)_{-1}", "–", "Majorana fermion"]),
    ("S_Vc", ["(3,3)_{-1/3}", "(1,1)_{-1}", "(1,2)_{1/2}", "–", "(1,1)_{0}", "real scalar"]),
])
def test_plugins_verbose_name_shows_the_table_ii_row(name, cells, capsys):
    assert main(["plugins", "-v", name]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{name}: ")
    rep_line = next(ln for ln in lines if ln.strip().startswith("(SU(3),SU(2))_Y"))
    kind_line = next(ln for ln in lines if ln.strip().startswith("kind"))
    for cell in cells[:5]:
        assert cell in rep_line
    assert cells[5] in kind_line
    assert "dark matter:" in out and "Block MINPAR" in out and "L ⊃ Gamma^Q_i" in out


def test_plugins_unknown_name_is_one_line(capsys):
    assert main(["plugins", "-v", "F_IV"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model 'F_IV'" in err
