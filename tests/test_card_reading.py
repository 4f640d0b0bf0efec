"""Reading cards (issue 13, items 2, 6, 9, 14): misspelt blocks, non-regular files, size limit,
huge cards, number grammar, located messages.

The minimal reproducers of the audit, rebuilt: each failed before the fix (silently read card,
hang, memory exhaustion, traceback or unclear message).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from bridge import card as cardmod
from bridge.errors import InputError
from bridge.plugins import get_model

ROOT = Path(__file__).resolve().parents[1]
F_IB = (ROOT / "cards" / "F_Ib.slha").read_text()
SCOTO = (ROOT / "cards" / "scotogenic.slha").read_text()


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _read(tmp_path, text: str, model: str = "F_Ib", name: str = "card.slha"):
    path = tmp_path / name
    path.write_text(text)
    return cardmod.parse_inputs(cardmod.read_card(path), get_model(model).info())


def _refusal(tmp_path, text: str, model: str = "F_Ib") -> InputError:
    with pytest.raises(InputError) as err:
        _read(tmp_path, text, model)
    return err.value


def _bridge(*args, timeout=60, memory=3 << 30):
    """``python -m bridge.cli ARGS`` with a memory cap, so that a regression cannot eat the machine."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


def _one_clean_line(proc, path) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and str(path) in lines[0]
    return lines[0]


# ---------------------------------------------------------------------------
# item 2: misspelt block names (transpositions, single edits), every block a model reads
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("wrong", "meant"), [("MUNI", "MUIN"), ("MUlN", "MUIN"), ("UMIN", "MUIN"),
                                              ("SYIN", "YSIN"), ("YISN", "YSIN"),
                                              ("KAPAPIN", "KAPPAIN"), ("CASASIBRARA", "CASASIBARRA")])
def test_misspelt_scotogenic_block_is_refused(tmp_path, wrong, meant):
    """Dropped with a warning before: the model ran with mu_a = 0 or Y_S = 0."""
    err = _refusal(tmp_path, _edit(SCOTO, f"Block {meant} ", f"Block {wrong} "), "scotogenic")
    assert err.block == wrong.upper()
    assert f"did you mean {meant}" in str(err)


def test_near_miss_of_a_block_the_card_has_is_refused(tmp_path):
    """MINPARS next to MINPAR: the author meant one of them; the bridge cannot know which."""
    err = _refusal(tmp_path, F_IB + "Block MINPARS\n     1   3.0E+02\n")
    assert err.block == "MINPARS" and "did you mean MINPAR" in str(err)
    err = _refusal(tmp_path, F_IB + "Block SMINPUST\n     6   1.73E+02\n")
    assert err.block == "SMINPUST" and "did you mean SMINPUTS" in str(err)


def test_missing_block_names_its_look_alike(tmp_path):
    err = _refusal(tmp_path, _edit(F_IB, "Block MINPAR ", "Block MNIPAR "))
    assert err.block == "MINPAR" and "missing block" in str(err) and "MNIPAR" in str(err)


@pytest.mark.parametrize("name", ["EXTPAR", "MODSEL", "SPINFO", "YU", "UMIX", "NMIX", "ALPHA", "HMIX",
                                  "FIBNMIX", "IMFIBNMIX", "UPMNS", "SCOTOYN"])
def test_other_blocks_are_not_misspellings(tmp_path, name):
    """Standard SLHA blocks and the bridge's own output blocks are read without a refusal."""
    for model, text in (("F_Ib", F_IB), ("scotogenic", SCOTO)):
        inputs = _read(tmp_path, text + f"Block {name}\n     1   1.0\n", model)
        assert inputs["MINPAR"][1] > 0


def test_misspelling_rule():
    """Restricted Damerau-Levenshtein distance, at most 1 for names of up to 5 letters, else 2."""
    near = cardmod.resembles
    assert near("MUNI", ["MUIN"]) == "MUIN"  # transposition
    assert near("MUN", ["MUIN"]) == "MUIN"  # deletion
    assert near("NUIN", ["MUIN"]) == "MUIN"  # substitution
    assert near("UMNI", ["MUIN"]) is None  # two edits in four letters: too far
    assert near("MNIPRA", ["MINPAR"]) == "MINPAR"  # two transpositions in six letters
    assert near("EXTPAR", ["MINPAR"]) is None
    assert near("GAMMAXIN", ["GAMMAQIN", "GAMMALIN", "MINPAR"]) in ("GAMMAQIN", "GAMMALIN")


# ---------------------------------------------------------------------------
# item 6: only regular files, at most MAX_CARD_BYTES
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_files_are_refused_at_once(tmp_path, device):
    """/dev/zero and /dev/urandom were read until memory ran out."""
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    proc = _bridge("run", device, "-o", str(tmp_path / "out"), timeout=30)
    assert "not a regular file" in _one_clean_line(proc, device)
    assert not (tmp_path / "out").exists()


def test_fifo_without_writer_is_refused_at_once(tmp_path):
    """A FIFO with no writer made ``bridge run`` hang forever."""
    fifo = tmp_path / "card.slha"
    os.mkfifo(fifo)
    proc = _bridge("run", str(fifo), "-o", str(tmp_path / "out"), timeout=30)
    assert "not a regular file" in _one_clean_line(proc, fifo)


def test_directory_and_symlink_to_device(tmp_path):
    link = tmp_path / "card.slha"
    link.symlink_to("/dev/zero")
    proc = _bridge("run", str(link), "-o", str(tmp_path / "out"), timeout=30)
    assert "not a regular file" in _one_clean_line(proc, link)
    with pytest.raises(InputError, match="directory"):
        cardmod.read_card(tmp_path)


def test_size_limit(tmp_path):
    """Above MAX_CARD_BYTES a file is refused from its size, without reading it (sparse here)."""
    assert cardmod.MAX_CARD_BYTES == 10 * 2**20
    big = tmp_path / "big.slha"
    with open(big, "wb") as fh:
        fh.truncate(50 * 2**20)  # the audit's 50 MB card, as a sparse file
    with pytest.raises(InputError, match="above the limit of 10 MiB") as err:
        cardmod.read_card(big)
    assert err.value.file == str(big)
    just = tmp_path / "just.slha"
    just.write_text(F_IB + "#" * (cardmod.MAX_CARD_BYTES - len(F_IB) - 1) + "\n")
    assert just.stat().st_size == cardmod.MAX_CARD_BYTES
    assert _read(tmp_path, just.read_text())["MINPAR"][1] == 200.0


# ---------------------------------------------------------------------------
# item 9: many unread blocks: bounded warnings (speed: benchmarks/fuzz_cards.py --files)
# ---------------------------------------------------------------------------
def test_warning_about_unread_blocks_is_bounded(tmp_path):
    from bridge import sanity

    text = F_IB + "".join(f"Block X{i}\n   1   1.0\n" for i in range(5000))
    path = tmp_path / "many.slha"
    path.write_text(text)
    card = cardmod.read_card(path)
    info = get_model("F_Ib").info()
    cardmod.parse_inputs(card, info)
    warnings = sanity.unread_blocks(card, info)
    assert len(warnings) == 1 and len(warnings[0]) < 400, len(warnings[0])
    assert "5000 blocks" in warnings[0] and "X0" in warnings[0]


def test_block_count_limit(tmp_path):
    """The audit's card of 1.6 M unread blocks, within the size limit: refused at block 10001."""
    assert cardmod.MAX_CARD_BLOCKS == 10_000
    text = F_IB + "".join(f"Block X{i}\n" for i in range(cardmod.MAX_CARD_BLOCKS))
    with pytest.raises(InputError, match="more than 10000 blocks") as err:
        _read(tmp_path, text)
    assert "line 10029" in str(err.value)
    fewer = _read(tmp_path, F_IB + "".join(f"Block X{i}\n" for i in range(cardmod.MAX_CARD_BLOCKS - 5)))
    assert fewer["MINPAR"][1] == 200.0


# ---------------------------------------------------------------------------
# item 14: number grammar and located messages
# ---------------------------------------------------------------------------
MASS_LINE = "     3   1.20000000E+03 # M_Phi_q"


@pytest.mark.parametrize("value", ["0x4b0", "0b10010110000", "0o2260", "1_200", "1_200.0", "1200j",
                                   "\u22121200", "\uff11\uff12\uff10\uff10", "1200\u00a0", "1,200.0",
                                   "(1200)", "True", "1.2E+03E1", "1.2E", "E+03", "--1200", "1.2.3"])
def test_values_must_be_plain_decimal_numbers(tmp_path, value):
    """pyslha's literal_eval read 0x3e8, 0b101 and 1_000 as numbers."""
    err = _refusal(tmp_path, _edit(F_IB, MASS_LINE, f"     3   {value} # M_Phi_q"))
    assert (err.block, err.entry) == ("MINPAR", 3), str(err)
    assert "not a number" in str(err) and "line 18" in str(err), str(err)


@pytest.mark.parametrize(("value", "expected"), [("1.2D+03", 1200.0), ("1.2d3", 1200.0), ("12E2", 1200.0),
                                                 ("+1200", 1200.0), ("1200.", 1200.0), ("1.2e+003", 1200.0),
                                                 ("0012.0E2", 1200.0)])
def test_decimal_and_fortran_exponents_are_read(tmp_path, value, expected):
    """Fortran D exponents (1.2D+03) are read as E exponents: they cannot mean anything else."""
    inputs = _read(tmp_path, _edit(F_IB, MASS_LINE, f"     3   {value} # M_Phi_q"))
    assert inputs["MINPAR"][3] == expected


def test_decimal_comma_is_reported_as_written(tmp_path):
    """It was reported as the Python tuple (1000, 0)."""
    err = _refusal(tmp_path, _edit(F_IB, MASS_LINE, "     3   1200,0 # M_Phi_q"))
    assert "'1200,0'" in str(err) and "(1200, 0)" not in str(err) and "decimal comma" in str(err)


def test_unicode_minus_is_named(tmp_path):
    err = _refusal(tmp_path, _edit(F_IB, "  -8.00000000E-02", "  \u22128.00000000E-02"))
    assert "U+2212" in str(err) and err.block == "GAMMAEIN"


@pytest.mark.parametrize("lines", ["DECAY 1000022 1.0\n   0.5   3   11   -11\n",
                                   "DECAY 1000022 1.0\n   0.5   2   11\n",
                                   "DECAY 1000022 1.0\n   0.5\n",
                                   "DECAY 1000022 1.0\n   0.5   2   11   x\n"])
def test_decay_entry_errors_name_the_line(tmp_path, lines):
    """A product count that disagrees gave 'not a valid SLHA file ('')'."""
    text = F_IB + lines
    err = _refusal(tmp_path, text)
    lineno = len(text.splitlines())
    assert f"line {lineno}" in str(err) and "DECAY" in str(err) and "('')" not in str(err)


def test_valid_decay_table_is_ignored(tmp_path):
    text = F_IB + "DECAY 1000022 1.0\n   0.5   2   11   -11\n   5.0E-01   3   1   2   3  # comment\n"
    assert _read(tmp_path, text)["MINPAR"][1] == 200.0


def test_limit_messages_print_enough_digits():
    """'1e+08 GeV is above the limit of 1e+08 GeV' hid the difference."""
    from bridge import sanity
    from bridge.model import ModelInputs

    info = get_model("F_Ib").info()
    inputs = ModelInputs({"MINPAR": {1: 200.0, 2: 1000.0, 3: 100000001.0, 4: 600.0, 5: 0.5, 6: 0.3}})
    with pytest.raises(InputError, match=r"100000001 GeV is above the bridge's limit of 1e\+08 GeV"):
        sanity.check_inputs(info, inputs)
    with pytest.raises(InputError, match=r"0\.13500001 is outside 0\.1-0\.135"):
        sanity.check_inputs(info, ModelInputs({"MINPAR": {}}), sminputs={3: 0.13500001})


def test_vary_errors_speak_of_scan_parameters():
    """--vary errors said 'cannot be a fit parameter'."""
    from bridge.run import load_point
    from bridge.scan.space import parse_vary

    _, _, info, inputs, _, _ = load_point(str(ROOT / "cards" / "F_Ib.slha"))
    for spec in ("SMINPUTS:1:1:2:3", "FOO:1:1:2:3", "MINPAR:9:1:2:3"):
        with pytest.raises(InputError) as err:
            parse_vary(spec, info, inputs)
        assert "fit" not in str(err.value) and "--vary" in str(err.value), str(err.value)
