"""Bad input: one line on stderr naming file, block and entry, exit 2, no traceback, no files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CARD = (Path(__file__).parent.parent / "cards" / "F_Ib.slha").read_text()


def run_bridge(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


CASES = {
    "missing_block": (lambda t: t.replace("Block MINPAR", "Block MINPARX"), ["MINPAR", "missing block"]),
    "missing_entry": (lambda t: "\n".join(x for x in t.splitlines() if "# M_Psi " not in x),
                      ["MINPAR", "entry 1", "missing"]),
    "nan": (lambda t: replace_line(t, "2.00000000E+02 # M_Psi ", "nan # M_Psi "), ["MINPAR", "entry 1"]),
    "inf": (lambda t: replace_line(t, "6.00000000E+02", "inf"), ["MINPAR", "entry 4"]),
    "text_value": (lambda t: replace_line(t, "2.00000000E+00 # Gamma^L_mu", "two # Gamma^L_mu"),
                   ["GAMMALIN", "entry 2", "not a number"]),
    "negative_mass": (lambda t: replace_line(t, "1.20000000E+03", "-1.2E+03"),
                      ["MINPAR", "entry 3", "positive"]),
    "zero_mass": (lambda t: replace_line(t, "1.00000000E+03 # M_Psi'", "0.0 # M_Psi'"),
                  ["MINPAR", "entry 2", "positive"]),
    "unknown_plugin": (lambda t: replace_line(t, "F_Ib           # model plugin", "F_Ix"),
                       ["BRIDGE", "entry 1", "unknown model 'F_Ix'"]),
    "missing_bridge": (lambda t: t.replace("Block BRIDGE", "Block BRIDGEX"), ["BRIDGE", "missing block"]),
    "duplicate_entry": (lambda t: replace_line(t, "     3   1.20000000E+03",
                                               "     3   1.2E+03\n     3   1.3E+03"),
                        ["MINPAR", "entry 3", "duplicate"]),
    "unknown_entry": (lambda t: replace_line(t, "     6   3.00000000E-01", "     6   0.3\n     7   0.1"),
                      ["MINPAR", "entry 7", "unknown entry"]),
    "stray_text": (lambda t: "hello world\n" + t, ["outside any block"]),
    "malformed_entry": (lambda t: replace_line(t, "     4   6.00000000E+02", "  M_Phi_l 600"),
                        ["MINPAR", "malformed entry"]),
    "bad_scale": (lambda t: replace_line(t, "1.60000000E+02 #", "-5 #"), ["BRIDGE", "entry 2"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_card(tmp_path, case):
    mutate, needles = CASES[case]
    card = tmp_path / "bad.slha"
    card.write_text(mutate(CARD))
    out = tmp_path / "out"
    proc = run_bridge("run", str(card), "-o", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(card) in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not out.exists()


@pytest.mark.parametrize("content", [None, b"\x00\x01\x02binary", b"\xff\xfe not utf8", b"",
                                     b"just some text\n", "dir"])
def test_unreadable_or_non_slha_file(tmp_path, content):
    path = tmp_path / "card.slha"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    proc = run_bridge("run", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert str(path) in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_coefficient_name_is_a_clear_error():
    """wilson raises a bare AssertionError for unknown names; the bridge names the coefficient."""
    from bridge.errors import ModelError
    from bridge.flavio_setup import make_wilson

    with pytest.raises(ModelError, match="C9_bsmumux"):
        make_wilson({"C9_bsmumux": 1.0}, 160.0)


def test_help_and_plugins_do_not_import_flavio():
    code = ("import sys; from bridge.cli import main; "
            "main(['plugins']); assert 'flavio' not in sys.modules and 'wilson' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "F_Ib" in proc.stdout


@pytest.mark.parametrize("command", ["run", "fit"])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_numpy_cannot_take_is_refused_at_once(tmp_path, capsys, command, seed):
    """``bridge run --seed -1`` and ``bridge fit --seed -2`` gave numpy's ValueError as a traceback,
    exit 1, after 3-5 s of set-up: np.random.seed takes 0 to 2**32 - 1. Now one line, exit 2,
    before anything is computed or written."""
    from bridge.cli import main

    card = Path(__file__).resolve().parent.parent / "cards" / "F_Ib.slha"
    extra = ["--free", "MINPAR:1", "--likelihood", "flavio"] if command == "fit" else []
    rc = main([command, str(card), *extra, "--seed", seed, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err == f"bridge: error: --seed must be an integer from 0 to 2**32 - 1, got {int(seed)}", err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "fit"])
@pytest.mark.parametrize("where", ["file", "under-a-file", "fifo", "dangling-link"])
def test_an_output_directory_that_cannot_be_made_is_refused_first(tmp_path, capsys, monkeypatch,
                                                                   command, where):
    """``-o`` naming a file, a FIFO, or a path under a file: one line, exit 2, before the model
    or a likelihood is computed (``bridge run -o FILE`` computed everything, then said "File
    exists"), and the file left as it was."""
    import os

    import bridge.fit
    import bridge.run
    from bridge.cli import main

    def not_reached(*args, **kwargs):
        raise AssertionError("computed before the output directory was checked")

    monkeypatch.setattr(bridge.run, "run_card", not_reached)
    monkeypatch.setattr(bridge.fit, "Objective", not_reached)
    blocker = tmp_path / "taken"
    if where == "fifo":
        os.mkfifo(blocker)
    elif where == "dangling-link":  # found only when the outputs were written (review rev23)
        blocker.symlink_to(tmp_path / "gone")
    else:
        blocker.write_text("mine")
    out = blocker / "sub" if where == "under-a-file" else blocker
    card = Path(__file__).resolve().parent.parent / "cards" / "F_Ib.slha"
    extra = ["--free", "MINPAR:1", "--likelihood", "seed2021"] if command == "fit" else []
    rc = main([command, str(card), *extra, "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith(f"bridge: error: -o {out}: ") and "not a directory" in err, err
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    if where in ("file", "under-a-file"):
        assert blocker.read_text() == "mine"
