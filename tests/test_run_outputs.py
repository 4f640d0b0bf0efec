"""Outputs of ``bridge run`` and ``bridge fit`` (issue 13, items 1 and 15): the input card is
never overwritten, a failed write leaves no empty directory, a card named ``.slha`` gives
visible files, and a bad ``--fix`` is refused before any work.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "cards" / "F_Ib.slha"


def _run(capsys, *args):
    from bridge.cli import main

    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def _one_error(err: str) -> str:
    # the card's physics flags (printed even with -q) come before a failed write
    lines = [ln for ln in err.splitlines()
             if ln.strip() and not ln.startswith("bridge: warning: outside its experimental limit")]
    assert len(lines) == 1 and lines[0].startswith("bridge: error: "), err
    return lines[0]


@pytest.mark.flavio
@pytest.mark.parametrize("name", ["F_Ib.slha", "F_Ib.json"])
def test_output_directory_holding_the_card_does_not_overwrite_it(tmp_path, capsys, name):
    """``bridge run DIR/card.slha -o DIR`` replaced the card by the output card (exit 0)."""
    card = tmp_path / name
    shutil.copy(CARD, card)
    before = card.read_bytes()
    rc, _, err = _run(capsys, "run", str(card), "-o", str(tmp_path), "--no-predictions", "-q")
    assert rc == 2
    line = _one_error(err)
    assert "input card" in line and str(card) in line
    assert card.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.flavio
def test_output_through_a_link_does_not_overwrite_the_card(tmp_path, capsys):
    """The same file under another name: a hard link, and a symbolic link to the directory."""
    src = tmp_path / "src"
    src.mkdir()
    card = src / "F_Ib.slha"
    shutil.copy(CARD, card)
    before = card.read_bytes()
    (tmp_path / "alias").symlink_to(src)
    rc, _, err = _run(capsys, "run", str(card), "-o", str(tmp_path / "alias"), "--no-predictions", "-q")
    assert rc == 2 and "input card" in _one_error(err)
    other = tmp_path / "other"
    other.mkdir()
    os.link(card, other / "F_Ib.slha")
    rc, _, err = _run(capsys, "run", str(card), "-o", str(other), "--no-predictions", "-q")
    assert rc == 2 and "input card" in _one_error(err)
    assert card.read_bytes() == before


@pytest.mark.flavio
def test_card_named_dot_slha_gives_visible_outputs(tmp_path, capsys):
    """A card named ``.slha`` gave hidden ``.slha``, ``.json`` and ``.wcxf.yaml`` outputs."""
    card = tmp_path / ".slha"
    shutil.copy(CARD, card)
    out = tmp_path / "out"
    rc, _, err = _run(capsys, "run", str(card), "-o", str(out), "--no-predictions", "-q")
    assert rc == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["slha.json", "slha.slha", "slha.wcxf.yaml"], names


@pytest.mark.flavio
def test_full_disk_leaves_no_empty_output_directory(tmp_path, capsys, monkeypatch):
    """A failed write left the output directory (and its new parents) behind, empty."""
    from bridge import output

    def full_disk(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output._Staged, "_write", full_disk)
    out = tmp_path / "new" / "out"
    rc, _, err = _run(capsys, "run", str(CARD), "-o", str(out), "--no-predictions", "-q")
    assert rc == 2 and "No space left on device" in _one_error(err)
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "kept"
    existing.mkdir()
    rc, _, err = _run(capsys, "run", str(CARD), "-o", str(existing), "--no-predictions", "-q")
    assert rc == 2 and existing.is_dir() and list(existing.iterdir()) == []


@pytest.mark.parametrize(("fix", "needles"), [("MINPAR:4=-5", ["MINPAR", "entry 4", "must be positive"]),
                                              ("MINPAR:3=1e9", ["MINPAR", "entry 3", "limit"]),
                                              ("GAMMALIN:2=13", ["GAMMALIN", "entry 2", "4 pi"])])
def test_bad_fix_is_refused_before_any_work(tmp_path, capsys, monkeypatch, fix, needles):
    """``--fix MINPAR:4=-5`` was refused only after flavio's import and the first fit points."""
    from bridge import sm

    def no_flavio(*args, **kwargs):
        raise AssertionError("the fit started")

    monkeypatch.setattr(sm.SMInputs, "from_flavio", no_flavio)
    rc, _, err = _run(capsys, "fit", str(CARD), "--free", "MINPAR:1", "--fix", fix, "--likelihood",
                      "seed2021", "-o", str(tmp_path / "out"))
    assert rc == 2
    line = _one_error(err)
    assert f"--fix {fix!r}" in line, line
    for needle in needles:
        assert needle in line, line
    assert not (tmp_path / "out").exists()


def test_refuse_overwriting_inputs(tmp_path):
    """The check ``bridge run`` and ``bridge fit`` make before any work: an output path that exists
    and is the input file (same path, a symlinked directory or file, a hard link) is refused."""
    from bridge.errors import InputError
    from bridge.output import refuse_overwriting

    card = tmp_path / "c.slha"
    card.write_text("x")
    (tmp_path / "d").symlink_to(tmp_path)
    (tmp_path / "s.slha").symlink_to(card)
    for path in (card, tmp_path / "d" / "c.slha", tmp_path / "s.slha"):
        with pytest.raises(InputError, match="input card"):
            refuse_overwriting([tmp_path / "other.json", path], card)
    refuse_overwriting([tmp_path / "c.json", tmp_path / "new" / "c.slha"], card)  # no error
