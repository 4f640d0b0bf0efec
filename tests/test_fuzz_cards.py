"""Card fuzzing (issue #7): a mutated card gives a valid result or one clear refusal.

Each case mutates a shipped card (cards/*.slha, seeded) and runs
``bridge.cli.main(["run", CARD, "-o", DIR, "--no-predictions", "-q"])`` in-process.
Accepted outcomes:

* exit 0: the three output files exist and parse (SLHA via pyslha and bridge.flha, JSON,
  WCxf via wilson), no number in them is NaN or infinite, the SLHA output reads back as an
  input card with the same inputs, and stderr holds only ``bridge: warning:`` lines;
* exit 2: stderr is one ``bridge: error:`` line naming the card file (and a block, unless
  the file as a whole is unreadable), and DIR holds no file.

Anything else fails: an exception escaping ``main``, another exit status, NaN/inf in an
output, several error lines. The mutators and the checker are reused by
benchmarks/fuzz_cards.py (10^4 cases).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import random
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CARDS = sorted((ROOT / "cards").glob("*.slha"))

# ------------------------------------------------------------------------------------------
# mutators: (rng, text) -> text or bytes

WEIRD_VALUES = [
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e300", "-1e300",
    "1e-300", "-1e-300", "5e-324", "1e-400", "0", "-0.0", "-1", "1e8", "1.0001e8", "1e9", "1e-9",
    "1e-12", "3.6", "12.6", "13", "1e4", "1e5", "0x10", "1_000", "1.0D+02", "1,5", "+.5", ".",
    "e5", "--1", "1e", "True", "None", "[1]", "(1, 2)", "1j", "'x'", "9" * 400, "9" * 5000,
    "(" * 200, "\u0661\u0662", "\uff11\uff12", "\u00bd", "1e-10", "2e-10", "4.2", "1.0",
]
UNICODE = ["\u00a0", "\u200b", "\ufeff", "\u2028", "\u2029", "\x0c", "\x85", "\x1c", "\U0001f600",
           "\u202e", "\u0301", "\uff11", "\u212a", "\u017f", "\u03bb", "\u00e9", "\t", "\r", "\x0b"]
BLOCK_NAMES = ["MINPAR", "GAMMAQIN", "GAMMALIN", "GAMMAEIN", "IMGAMMAQIN", "BRIDGE", "SMINPUTS",
               "MASS", "LAMBDA5IN", "MUIN", "KAPPAIN", "YSIN", "YNIN", "CASASIBARRA", "OSCILLATION",
               "IMMINPAR", "FWCOEF", "EXTPAR", "MODSEL", "GAMMAQN", "MINPARX", "minpar"]
MODELS = ["F_Ib", "F_IIb", "scotogenic", "F_Ix", "", "1", "F_Ib F_IIb", "\u00e9", "MINPAR"]


def _lines(text):
    return text.split("\n")


def _join(lines):
    return "\n".join(lines)


def _data_lines(lines):
    return [i for i, ln in enumerate(lines)
            if ln.strip() and not ln.lstrip().startswith("#") and not ln.upper().startswith("BLOCK")]


def _headers(lines):
    return [i for i, ln in enumerate(lines) if ln.upper().startswith("BLOCK")]


def _replace_value(rng, text, new):
    lines = _lines(text)
    idx = _data_lines(lines)
    if not idx:
        return text
    i = rng.choice(idx)
    body, sep, comment = lines[i].partition("#")
    tokens = body.split()
    if not tokens:
        return text
    tokens[-1] = new
    lines[i] = "   " + "   ".join(tokens) + (f"  {sep}{comment}" if sep else "")
    return _join(lines)


def m_weird_value(rng, text):
    return _replace_value(rng, text, rng.choice(WEIRD_VALUES))


def _rewrite_value(rng, text, rewrite):
    """The value of a random entry replaced by ``rewrite(value)`` (no change if not a number)."""
    lines = _lines(text)
    idx = _data_lines(lines)
    if not idx:
        return text
    i = rng.choice(idx)
    body, sep, comment = lines[i].partition("#")
    tokens = body.split()
    try:
        value = float(tokens[-1])
    except (ValueError, IndexError):
        return text
    tokens[-1] = rewrite(value)
    lines[i] = "   " + "   ".join(tokens) + (f"  {sep}{comment}" if sep else "")
    return _join(lines)


def m_scaled_value(rng, text):
    """A finite value scaled by 10^k: huge, tiny or negative numbers that still parse."""

    def scaled(value):
        k = rng.choice([rng.randint(-320, 320), rng.randint(-12, 12), rng.randint(-3, 3)])
        sign = rng.choice([1, 1, -1])
        try:
            return repr(sign * (value if value else 1.0) * 10.0**k)
        except OverflowError:
            return repr(sign * 1e308)

    return _rewrite_value(rng, text, scaled)


def m_random_value(rng, text):
    """A plausible value (log-uniform 1e-12..1e12, either sign): mostly valid cards."""
    value = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-12, 12)
    return _replace_value(rng, text, f"{value:.6e}")


def m_delete_line(rng, text):
    lines = _lines(text)
    if len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    return _join(lines)


def m_duplicate_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return _join(lines)


def m_swap_lines(rng, text):
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return _join(lines)


def m_swap_tokens(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    tokens = lines[i].split()
    if len(tokens) >= 2:
        a, b = rng.sample(range(len(tokens)), 2)
        tokens[a], tokens[b] = tokens[b], tokens[a]
        lead = "   " if lines[i][:1].isspace() else ""
        lines[i] = lead + " ".join(tokens)
    return _join(lines)


def m_delete_token(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    tokens = lines[i].split()
    if tokens:
        del tokens[rng.randrange(len(tokens))]
        lines[i] = ("   " if lines[i][:1].isspace() else "") + " ".join(tokens)
    return _join(lines)


def m_key(rng, text):
    """Change an entry's index: negative, zero, huge, two indices, non-integer."""
    lines = _lines(text)
    idx = _data_lines(lines)
    if not idx:
        return text
    i = rng.choice(idx)
    tokens = lines[i].split("#")[0].split()
    if len(tokens) < 2:
        return text
    tokens[0] = rng.choice(["-1", "0", "7", "99999999999999999999999", "1 1", "2 2", "1.5", "01",
                            "+2", "\u0662", "a", "0x2", "3 1", "1 2 3"])
    lines[i] = "   " + "   ".join(tokens)
    return _join(lines)


def m_delete_block(rng, text):
    lines = _lines(text)
    heads = _headers(lines)
    if not heads:
        return text
    h = rng.choice(heads)
    end = next((j for j in heads if j > h), len(lines))
    if rng.random() < 0.5:
        h += 1  # keep the header, drop the entries
    del lines[h:end]
    return _join(lines)


def m_duplicate_block(rng, text):
    lines = _lines(text)
    heads = _headers(lines)
    if not heads:
        return text
    h = rng.choice(heads)
    end = next((j for j in heads if j > h), len(lines))
    chunk = lines[h:end]
    if rng.random() < 0.5 and len(chunk) > 2:
        chunk = chunk[:1] + rng.sample(chunk[1:], rng.randint(1, len(chunk) - 1))
    pos = rng.choice([*heads, len(lines)])
    lines[pos:pos] = chunk
    return _join(lines)


def _named_header(rng, lines):
    """(line index, words) of a random ``Block NAME`` header, or None."""
    heads = _headers(lines)
    if not heads:
        return None
    h = rng.choice(heads)
    words = lines[h].split()
    return (h, words) if len(words) >= 2 else None


def m_rename_block(rng, text):
    lines = _lines(text)
    header = _named_header(rng, lines)
    if header is None:
        return text
    h, words = header
    name = words[1]
    choice = rng.random()
    if choice < 0.4:
        new = rng.choice(BLOCK_NAMES)
    elif choice < 0.7 and len(name) > 1:
        k = rng.randrange(len(name))
        new = name[:k] + name[k + 1:]  # typo: a letter dropped
    else:
        new = name + rng.choice(["X", "-2", "\u00e9", " extra", " Q= 100", " Q=", "_"])
    lines[h] = f"{words[0]} {new}"
    return _join(lines)


def m_header(rng, text):
    """Damage a header: indent it, drop the name, misspell BLOCK, malformed DECAY."""
    lines = _lines(text)
    heads = _headers(lines)
    if not heads:
        return text
    h = rng.choice(heads)
    words = lines[h].split()
    name = words[1] if len(words) > 1 else ""
    lines[h] = rng.choice([f"   Block {name}", "Block", f"Blockx {name}", f"BLOC\u212a {name}",
                           f"block {name.lower()}", f"Block\t{name}", f"DECAY {name}", "DECAY",
                           "DECAY 1000022 0.0", f"XSECTION {name}", f"Block {name} Q= abc",
                           f"#Block {name}"])
    return _join(lines)


def m_model(rng, text):
    return re.sub(r"(?m)^(\s+1\s+)\S+", lambda m: m.group(1) + rng.choice(MODELS), text, count=1)


def m_indent(rng, text):
    """Remove the indentation of a data line (pyslha would skip it) or indent a comment."""
    lines = _lines(text)
    idx = _data_lines(lines)
    if not idx:
        return text
    i = rng.choice(idx)
    lines[i] = lines[i].lstrip()
    return _join(lines)


def m_comment(rng, text):
    """Comment a line out, or drop a '#' so that the comment becomes data."""
    lines = _lines(text)
    i = rng.randrange(len(lines))
    if "#" in lines[i] and rng.random() < 0.6:
        lines[i] = lines[i].replace("#", " ", 1)
    else:
        lines[i] = "#" + lines[i]
    return _join(lines)


def m_unicode(rng, text):
    k = rng.randrange(len(text) + 1)
    if rng.random() < 0.3 and k < len(text):
        return text[:k] + rng.choice(UNICODE) + text[k + 1:]
    if rng.random() < 0.1:
        return "\ufeff" + text
    return text[:k] + rng.choice(UNICODE) + text[k:]


def m_line_endings(rng, text):
    return text.replace("\n", rng.choice(["\r\n", "\r", "\n\n", "\x0c", "\u2028"]))


def m_case(rng, text):
    return text.lower() if rng.random() < 0.5 else text.upper()


def m_long_line(rng, text):
    n = rng.choice([10**3, 10**5, 10**6])
    line = rng.choice(["   1   " + "9" * n, "   1   1.0   # " + "x" * n, " " * n + "1 2.0",
                       "   " + " ".join(["1"] * (n // 10)), "#" * n, "Block " + "A" * n,
                       "   1   " + "1" * n + ".5", "   " + "0" * n + "1   2.0"])
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return _join(lines)


def m_truncate(rng, text):
    data = text.encode("utf-8")
    return data[: rng.randrange(len(data) + 1)]


def m_binary(rng, text):
    data = bytearray(text.encode("utf-8"))
    garbage = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if rng.random() < 0.3:
        garbage = garbage.replace(b"\x00", b"\x01")  # only invalid UTF-8, no NUL
    k = rng.randrange(len(data) + 1)
    return bytes(data[:k]) + garbage + bytes(data[k:])


def m_add_block(rng, text):
    name = rng.choice(BLOCK_NAMES)
    rows = []
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(["1", "2", "3", "5", "13", "1 1", "2 1", "99", "-3"])
        rows.append(f"   {key}   {rng.choice([*WEIRD_VALUES[:30], '0.5', '172.5', '0.1181'])}")
    block = [f"Block {name}", *rows]
    if rng.random() < 0.2:
        block = ["DECAY 1000022 1.0", "   0.5   2   11   -11", "   0.5   2   13   -13"]
    if rng.random() < 0.1:
        block = ["Block FWCOEF Q= 1.6E+02", "   0305 4422   0   2   1.0E-01   # junk"]
    lines = _lines(text)
    heads = _headers(lines) or [0]
    pos = rng.choice([*heads, len(lines)])
    lines[pos:pos] = block
    return _join(lines)


def m_empty(rng, text):
    return rng.choice(["", " ", "\n\n", "# only a comment\n", "Block BRIDGE\n", "   1 2\n",
                       "\ufeff", "Block\n"])


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_l"


def _edit_name(rng, name: str) -> str:
    """One edit of a block name: transposition of neighbours, deletion, insertion, substitution."""
    k = rng.randrange(max(1, len(name)))
    kind = rng.choice(["transpose", "transpose", "delete", "insert", "substitute"])
    if kind == "transpose" and len(name) > 1:
        k = min(k, len(name) - 2)
        return name[:k] + name[k + 1] + name[k] + name[k + 2:]
    if kind == "delete" and len(name) > 1:
        return name[:k] + name[k + 1:]
    if kind == "insert":
        return name[:k] + rng.choice(LETTERS) + name[k:]
    return name[:k] + rng.choice(LETTERS) + name[k + 1:]


def m_block_typo(rng, text):
    """A block name misspelt by one to three edits (MUNI, YISN, MINPRA, MINPARS), or an extra
    block named like a read one next to it."""
    lines = _lines(text)
    header = _named_header(rng, lines)
    if header is None:
        return text
    h, words = header
    name = words[1]
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        name = _edit_name(rng, name)
    if rng.random() < 0.25:  # keep the block and add the look-alike with one of its entries
        entry = next((ln for ln in lines[h + 1:] if ln.strip() and not ln.lstrip().startswith("#")), "")
        return _join([*lines, f"Block {name}", entry])
    lines[h] = f"{words[0]} {name}" + (" " + " ".join(words[2:]) if len(words) > 2 else "")
    return _join(lines)


def _formats(value: float) -> tuple[list[str], list[str]]:
    """(renderings of ``value`` a card may use, renderings it must refuse)."""
    e = f"{value:.8E}"
    good = [e.replace("E", "D"), e.replace("E", "d"), e.lower(), repr(value), f"{value:.17g}",
            e.replace("E+0", "E+00"), e.replace("E+", "E"), f"{value:+.8E}"]
    if value == int(value) and abs(value) < 1e15:
        n = int(value)
        good += [str(n), f"{n}.", f"00{n}" if n >= 0 else f"-00{-n}"]
    bad = [e.replace("-", "\u2212") if "-" in e else "\u2212" + e, e + "\u00a0", "\u00a0" + e,
           e.replace("E", "\u00a0E"), e.replace(".", ","), e.replace(".", "_", 1) if "." in e else e + "_0",
           e[:2] + "_" + e[2:], e.translate(str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14"
                                                          "\uff15\uff16\uff17\uff18\uff19")),
           f"({e})", e + "j", e.replace("E", "E E"), e.replace("E", "\u2009E"), e + "\u200b"]
    if value == int(value) and abs(value) < 1e15:
        n = int(value)
        bad += [hex(n), bin(n), oct(n), f"{n:_}" if abs(n) >= 1000 else f"{n}_0"]
    return good, bad


def m_number_format(rng, text):
    """A value rewritten in another number format: Fortran D exponents, leading zeros (read
    as written) or hex, binary, underscores, a decimal comma, unicode minus, non-breaking and
    thin spaces, fullwidth digits (refused)."""

    def reformat(value):
        good, bad = _formats(value)
        return rng.choice(good if rng.random() < 0.5 else bad)

    return _rewrite_value(rng, text, reformat)


MUTATORS = [
    (m_weird_value, 12), (m_scaled_value, 12), (m_random_value, 10), (m_delete_line, 6),
    (m_duplicate_line, 4), (m_swap_lines, 3), (m_swap_tokens, 4), (m_delete_token, 3), (m_key, 4),
    (m_delete_block, 4), (m_duplicate_block, 4), (m_rename_block, 4), (m_header, 4), (m_model, 2),
    (m_indent, 3), (m_comment, 3), (m_unicode, 5), (m_line_endings, 2), (m_case, 1),
    (m_long_line, 2), (m_truncate, 3), (m_binary, 3), (m_add_block, 4), (m_empty, 1),
    (m_block_typo, 8), (m_number_format, 10),
]


def make_case(seed: int) -> tuple[str, str, bytes]:
    """(base card name, mutation names, card bytes) of case ``seed``; 1-3 stacked mutations."""
    rng = random.Random(seed)
    base = rng.choice(CARDS)
    content: str | bytes = base.read_text()
    funcs, weights = zip(*MUTATORS, strict=True)
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if isinstance(content, bytes):
            break  # truncated or binary: no further text mutation
        mutate = rng.choices(funcs, weights)[0]
        names.append(mutate.__name__[2:])
        content = mutate(rng, content)
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    return base.name, "+".join(names), data


# ------------------------------------------------------------------------------------------
# checking one case

#: Refusals about the file as a whole, which name no block.
FILE_LEVEL = ("cannot read file", "not an SLHA text file", "not a regular file", "above the limit of",
              "no SLHA blocks found", "text outside any block", "BLOCK without a name",
              "malformed BLOCK header", "malformed DECAY header", "line ", "the coupling of")


@dataclass
class Outcome:
    kind: str  # "valid", "refusal" or "bad"
    problems: list[str] = field(default_factory=list)
    stderr: str = ""
    traceback: bool = False
    nan: bool = False
    misread: bool = False  # accepted, but the inputs used are not what the card says


#: Problems of an accepted card that are silent misreads (misread_inputs).
MISREAD = ("misread", "misspelt", "accepted, but")


def _finite_tree(obj, where="") -> list[str]:
    bad = []
    if isinstance(obj, float):
        if not math.isfinite(obj):
            bad.append(f"{where} = {obj}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            bad += _finite_tree(v, f"{where}/{k}")
    elif isinstance(obj, (list, tuple)):
        for k, v in enumerate(obj):
            bad += _finite_tree(v, f"{where}[{k}]")
    elif isinstance(obj, complex):
        bad += _finite_tree(obj.real, where) + _finite_tree(obj.imag, where)
    return bad


_NONFINITE = re.compile(r"(?i)^[+-]?(nan|inf|infinity)$")


def check_slha_text(text: str) -> list[str]:
    """Every number outside comments is finite; pyslha and bridge.flha both read the file."""
    import pyslha

    from bridge.flha import read_flha_blocks

    bad = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for tok in line.split("#", 1)[0].split():
            if _NONFINITE.match(tok):
                bad.append(f"SLHA line {lineno}: {tok}")
            else:
                with contextlib.suppress(ValueError):
                    if not math.isfinite(float(tok)):
                        bad.append(f"SLHA line {lineno}: {tok}")
    with contextlib.redirect_stdout(io.StringIO()):
        pyslha.readSLHA(text, ignorenomass=True, ignoreblocks=["FWCOEF", "IMFWCOEF", "FOBS",
                                                               "FOBSSM", "FDIPOLE", "FOBSERR"])
    flha = read_flha_blocks(text)
    if not flha["FWCOEF"]:
        bad.append("SLHA: no FWCOEF block")
    return bad


#: A block the reference cannot read unambiguously (repeated, or an entry it cannot read).
AMBIGUOUS = "ambiguous"
_REF_INT = re.compile(r"[+-]?[0-9]+")
_REF_SPACE = re.compile(r"[ \t]+")


def _ref_number(token: str) -> float | None:
    """The SLHA number grammar, checked character by character (independently of bridge.card):
    sign, digits with at most one '.', at least one digit, then optionally E/e/D/d, a sign and
    at least one digit. ASCII only."""
    i, n = 0, len(token)
    if i < n and token[i] in "+-":
        i += 1
    digits = dot = 0
    while i < n and (token[i] in "0123456789" or (token[i] == "." and not dot)):
        digits += token[i] != "."
        dot += token[i] == "."
        i += 1
    if not digits:
        return None
    if i < n and token[i] in "EeDd":
        i += 1
        if i < n and token[i] in "+-":
            i += 1
        start = i
        while i < n and token[i] in "0123456789":
            i += 1
        if i == start:
            return None
    if i != n:
        return None
    value = float(token.replace("D", "E").replace("d", "e"))
    return value if math.isfinite(value) else None


def reference_blocks(text: str) -> dict:
    """What a reader of the card sees, independently of the bridge: {block: {key: value}}.

    Headers are "Block NAME" lines (any case or indentation), entries are integer keys and a
    last token in the SLHA number grammar (:func:`_ref_number`), separated by ASCII spaces or
    tabs. A block is AMBIGUOUS where a reader would hesitate over which entry a line is (a
    repeated block or entry, a line whose indices it cannot read), and an entry is AMBIGUOUS if
    its value is not a number: where the bridge reads one, it must then refuse the card.
    """
    blocks: dict[str, dict | str] = {}
    current = None
    for line in re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")):
        tokens = [t for t in _REF_SPACE.split(line.split("#", 1)[0]) if t]
        if not tokens:
            continue
        if tokens[0].upper() in ("BLOCK", "DECAY", "XSECTION"):
            current = tokens[1].upper() if tokens[0].upper() == "BLOCK" and len(tokens) > 1 else None
            if current is not None:
                blocks[current] = AMBIGUOUS if current in blocks else {}
            continue
        if current is None or blocks[current] is AMBIGUOUS:
            continue
        keys = tokens[:-1]
        if not keys or not all(_REF_INT.fullmatch(k) for k in keys):
            blocks[current] = AMBIGUOUS
            continue
        key = int(keys[0]) if len(keys) == 1 else tuple(int(k) for k in keys)
        if key in blocks[current]:
            blocks[current] = AMBIGUOUS
            continue
        value = tokens[-1] if current == "BRIDGE" and key == 1 else _ref_number(tokens[-1])
        blocks[current][key] = AMBIGUOUS if value is None else value
    return blocks


@functools.cache
def _ref_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, by recursion on the ends of the strings."""
    if not a or not b:
        return len(a) + len(b)
    best = min(_ref_distance(a[:-1], b) + 1, _ref_distance(a, b[:-1]) + 1,
               _ref_distance(a[:-1], b[:-1]) + (a[-1] != b[-1]))
    if len(a) > 1 and len(b) > 1 and a[-1] == b[-2] and a[-2] == b[-1]:
        best = min(best, _ref_distance(a[:-2], b[:-2]) + 1)
    return best


#: SMINPUTS entries the bridge reads (README, "Card format").
SMINPUTS_READ = (1, 2, 3, 4, 5, 6, 7, 11, 13)
#: Blocks the bridge reads or writes besides a model's (README, "Sanity checks").
KNOWN_BLOCKS = ("BRIDGE", "SMINPUTS", "MASS", "FCINFO", "SPINFO", "DCINFO", "MODSEL")


def misread_inputs(data: bytes, doc: dict) -> list[str]:
    """Inputs the bridge used that differ from what the card says (silent misreading), blocks
    the model reads that a reader finds ambiguous, and accepted misspellings of read blocks."""
    from bridge.plugins import get_model

    ref = reference_blocks(data.decode("utf-8"))
    info = get_model(doc["model"]).info()
    read = {b.name for b in info.blocks} | {b.imaginary for b in info.blocks if b.imaginary} \
        | {"BRIDGE", "SMINPUTS"}
    bad = [f"accepted, but a reader finds Block {name} ambiguous" for name in sorted(read)
           if ref.get(name) is AMBIGUOUS]
    for name in sorted(set(ref) - read - set(KNOWN_BLOCKS)):
        for target in sorted(read):
            if _ref_distance(name, target) <= (1 if len(target) <= 5 else 2):
                bad.append(f"misspelt Block {name} (like {target}) accepted")
    entries_read = [(b.name, e.key) for b in info.blocks for e in b.entries]
    entries_read += [(b.imaginary, e.key) for b in info.blocks if b.imaginary for e in b.entries]
    entries_read += [("BRIDGE", 1), ("BRIDGE", 2)] + [("SMINPUTS", k) for k in SMINPUTS_READ]
    bad += [f"accepted, but Block {b} entry {k} is not a number" for b, k in entries_read
            if isinstance(ref.get(b), dict) and ref[b].get(k) is AMBIGUOUS]
    if bad:
        return bad
    scale = ref.get("BRIDGE", {}).get(2, 160.0)
    if doc["scale"] != pytest.approx(scale, rel=1e-12, abs=0):
        bad.append(f"misread BRIDGE 2: used {doc['scale']}, the card says {scale}")
    for spec in info.blocks:
        used = doc["inputs"].get(spec.name, {})
        if not used:
            continue
        for entry in spec.entries:
            re_part = ref.get(spec.name, {}).get(entry.key, entry.default)
            im_part = ref.get(spec.imaginary, {}).get(entry.key, 0.0) if spec.imaginary else 0.0
            want = complex(re_part, im_part)
            key = ",".join(map(str, entry.key)) if isinstance(entry.key, tuple) else str(entry.key)
            value = used[key]
            got = complex(value["re"], value["im"]) if isinstance(value, dict) else value
            if not got == pytest.approx(want, rel=1e-12, abs=0):
                bad.append(f"misread {spec.name} {key}: used {got}, the card says {want}")
    return bad


def check_outputs(outdir: Path, stem: str, data: bytes | None = None) -> list[str]:
    """Problems with the three output files of a successful run (empty list: all good)."""
    import wilson

    from bridge import card as cardmod

    names = [f"{stem}.slha", f"{stem}.wcxf.yaml", f"{stem}.json"]
    present = sorted(p.name for p in outdir.iterdir()) if outdir.is_dir() else []
    if sorted(names) != present:
        return [f"output files {present}, expected {sorted(names)}"]
    bad = check_slha_text((outdir / names[0]).read_text())

    def no_constant(name):
        raise ValueError(f"JSON constant {name}")

    doc = json.loads((outdir / names[2]).read_text(), parse_constant=no_constant)
    bad += [f"JSON {b}" for b in _finite_tree(doc)]
    with open(outdir / names[1]) as fh:
        w = wilson.Wilson.load_wc(fh)
    bad += [f"WCxf {b}" for b in _finite_tree(dict(w.wc.dict))]
    # the SLHA output is a valid input card with the same inputs
    card = cardmod.read_card(outdir / names[0])
    from bridge.plugins import get_model

    info = get_model(doc["model"]).info()
    again = cardmod.parse_inputs(card, info)
    for block, values in doc["inputs"].items():
        for key, value in values.items():
            got = again[block][tuple(int(k) for k in key.split(",")) if "," in key else int(key)]
            want = complex(value["re"], value["im"]) if isinstance(value, dict) else value
            if not got == pytest.approx(want, rel=1e-7, abs=1e-300):
                bad.append(f"read-back {block} {key}: {got} != {want}")
    if data is not None:
        bad += misread_inputs(data, doc)
    return bad


def run_case(data: bytes, workdir: Path, name: str = "card.slha") -> Outcome:
    """Run ``bridge run`` in-process on a card with content ``data`` and judge the outcome."""
    workdir.mkdir(parents=True, exist_ok=True)
    card = workdir / name
    card.write_bytes(data)
    return run_path(card, workdir / "out", data)


def run_path(card: Path, outdir: Path, data: bytes | None = None) -> Outcome:
    """Run ``bridge run`` in-process on the file ``card`` (any kind of file) and judge the
    outcome; ``data``: the card's content where it is a regular file."""
    from bridge.cli import main

    name = card.name
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["run", str(card), "-o", str(outdir), "--no-predictions", "-q"])
    except BaseException:  # anything escaping main is a failure
        return Outcome("bad", [traceback.format_exc(limit=-6)], err.getvalue(), traceback=True)
    stderr = err.getvalue()
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if not ln.startswith("bridge: warning:")]
    problems = []
    if "Traceback" in stderr:
        problems.append("traceback on stderr")
    if rc == 0:
        if errors:
            problems.append(f"exit 0 with stderr {errors}")
        try:
            bad = check_outputs(outdir, name.rsplit(".", 1)[0], data)
        except Exception as exc:
            bad = [f"output does not parse: {type(exc).__name__}: {exc}"]
        nan = any("nan" in b.lower() or "inf" in b.lower() for b in bad)
        misread = any(b.startswith(MISREAD) for b in bad)
        return Outcome("bad" if problems or bad else "valid", problems + bad, stderr, nan=nan,
                       misread=misread)
    if rc != 2:
        problems.append(f"exit status {rc}")
    if len(errors) != 1 or not errors[0].startswith("bridge: error: "):
        problems.append(f"expected one error line, got {errors}")
    else:
        line = errors[0]
        if str(card) not in line:
            problems.append(f"error does not name the file: {line}")
        elif "Block " not in line and "model " not in line and not any(s in line for s in FILE_LEVEL):
            problems.append(f"error names no block: {line}")
        if len(line) > 400:
            problems.append(f"error line of {len(line)} characters")
    if outdir.exists() and any(outdir.iterdir()):
        problems.append(f"refusal left files {sorted(p.name for p in outdir.iterdir())}")
    if out.getvalue().strip():
        problems.append("stdout not empty with -q")
    return Outcome("bad" if problems else "refusal", problems, stderr)


# ------------------------------------------------------------------------------------------
# the tests

N_CASES = 320
CHUNK = 40


@pytest.mark.flavio
@pytest.mark.parametrize("start", range(0, N_CASES, CHUNK))
def test_fuzzed_cards(tmp_path, start):
    failures = []
    kinds = {"valid": 0, "refusal": 0}
    for seed in range(start, start + CHUNK):
        base, mutation, data = make_case(seed)
        outcome = run_case(data, tmp_path / str(seed))
        if outcome.kind == "bad":
            failures.append(f"seed {seed} ({base}: {mutation}): {outcome.problems}")
        else:
            kinds[outcome.kind] += 1
    assert not failures, "\n".join(failures)


@pytest.mark.flavio
@pytest.mark.parametrize("card", CARDS, ids=[c.stem for c in CARDS])
def test_unmutated_cards_are_valid(tmp_path, card):
    outcome = run_case(card.read_bytes(), tmp_path, card.name)
    assert outcome.kind == "valid", outcome.problems


def test_mutations_are_reproducible():
    assert make_case(12345) == make_case(12345)
    assert len({make_case(s)[2] for s in range(50)}) > 45


# ------------------------------------------------------------------------------------------
# regressions of what the fuzzer found, and the sanity rules (bridge.sanity)

F_IB = (ROOT / "cards" / "F_Ib.slha").read_text()
F_IIB = (ROOT / "cards" / "F_IIb.slha").read_text()
SCOTO = (ROOT / "cards" / "scotogenic.slha").read_text()


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _run(tmp_path, text):
    outcome = run_case(text.encode("utf-8"), tmp_path)
    doc = None
    if outcome.kind == "valid":
        doc = json.loads((tmp_path / "out" / "card.json").read_text())
    return outcome, doc


REFUSED = {
    # pyslha would drop the block after a malformed header and read on without it
    "kelvin_sign_header": (lambda t: _edit(t, "Block GAMMAQIN", "BLOC\u212a GAMMAQIN"),
                           ["line 22", "malformed entry"]),
    "malformed_decay_header": (lambda t: _edit(t, "Block GAMMALIN", "DECAY x\nBlock GAMMALIN"),
                               ["line 26", "malformed DECAY header"]),
    "junk_after_block_name": (lambda t: _edit(t, "Block GAMMAQIN", "Block GAMMAQIN-2"),
                              ["malformed BLOCK header"]),
    # pyslha keeps the second of two blocks of one name
    "repeated_block": (lambda t: t + "Block GAMMAQIN\n     2   1.0\n",
                       ["Block GAMMAQIN", "given twice (lines 22 and 34)"]),
    "integer_beyond_float": (lambda t: _edit(t, "3.87298335E-01 #", "9" * 400 + " #"),
                             ["Block GAMMAQIN, entry 2", "number too large"]),
    "key_of_many_indices": (lambda t: _edit(t, "     2   3.87298335E-01", " 1" * 5000 + " 0.1"),
                            ["Block GAMMAQIN", "malformed entry"]),
    "misspelled_block": (lambda t: _edit(t, "Block GAMMAQIN", "Block GAMMAQN"),
                         ["Block GAMMAQN", "did you mean GAMMAQIN"]),
    "imaginary_part_of_a_real_block": (lambda t: t + "Block IMMINPAR\n     5   0.1\n",
                                       ["Block IMMINPAR", "real"]),
    "mass_above_limit": (lambda t: _edit(t, "1.20000000E+03 # M_Phi_q", "1.2E+09 # M_Phi_q"),
                         ["Block MINPAR, entry 3", "limit"]),
    "coupling_above_4pi": (lambda t: _edit(t, "2.00000000E+00 # Gamma^L_mu", "13.0 #"),
                           ["Block GAMMALIN, entry 2", "4 pi"]),
    "scale_too_high": (lambda t: _edit(t, "1.60000000E+02 # scale", "1.0E+05 #"),
                       ["Block BRIDGE, entry 2", "hand-over scale"]),
    "scale_too_low": (lambda t: _edit(t, "1.60000000E+02 # scale", "0.5 #"),
                      ["Block BRIDGE, entry 2", "hand-over scale"]),
    "alpha_s_typo": (lambda t: t + "Block SMINPUTS\n     3   0.3\n", ["Block SMINPUTS, entry 3"]),
    "m_top_typo": (lambda t: t + "Block SMINPUTS\n     6   17300\n", ["Block SMINPUTS, entry 6"]),
    "hierarchy_beyond_loop_range": (lambda t: _no_mixing(_edit(t, "2.00000000E+02 # M_Psi ", "1e-2 #")),
                                    ["Block MINPAR", "mass ratio", "tested range"]),
    "dark_states_below_m_b": (
        lambda t: _no_mixing(_edit(_edit(t, "2.00000000E+02 # M_Psi ", "1.0 #"),
                                   "1.20000000E+03 # M_Phi_q", "2.0 #")),
        ["Block MINPAR", "lighter than the b"]),
}


def _no_mixing(text):
    """F_Ib with lambda^H_L = lambda^H_R = 0: F0_1 is the singlet Psi with mass M_Psi."""
    return _edit(_edit(text, "5.00000000E-01 # lambda", "0.0 #"), "3.00000000E-01 # lambda", "0.0 #")


@pytest.mark.flavio
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_corner(tmp_path, case):
    mutate, needles = REFUSED[case]
    outcome, _ = _run(tmp_path, mutate(F_IB))
    assert outcome.kind == "refusal", outcome.problems
    line = outcome.stderr.strip().splitlines()[-1]
    for needle in needles:
        assert needle in line, line


@pytest.mark.flavio
def test_unindented_entry_and_indented_header_are_read(tmp_path):
    """pyslha skips an unindented data line and reads an indented header as data."""
    text = _edit(F_IB, "     6   3.00000000E-01", "6   3.00000000E-01")
    text = _edit(text, "Block GAMMAQIN", "   Block GAMMAQIN")
    text = "\ufeff" + text.replace("\n", "\r\n")  # byte-order mark and CRLF are fine too
    outcome, doc = _run(tmp_path, text)
    assert outcome.kind == "valid", outcome.problems
    assert doc["inputs"]["MINPAR"]["6"] == 0.3
    assert doc["inputs"]["GAMMAQIN"]["2"]["re"] == pytest.approx(0.387298335)


@pytest.mark.flavio
def test_warnings_perturbativity_unread_block_threshold(tmp_path):
    text = _edit(F_IB, "2.00000000E+00 # Gamma^L_mu", "4.0 #") + "Block EXTPAR\n     1   1.0\n"
    outcome, doc = _run(tmp_path, text)
    assert outcome.kind == "valid", outcome.problems
    warnings = " | ".join(doc["warnings"])
    assert "Block GAMMALIN, entry 2: |Gamma^L_2| = 4 is above sqrt(4 pi)" in warnings
    assert "Block EXTPAR not read by model F_Ib" in warnings
    text = _edit(_edit(F_IB, "2.00000000E+02 # M_Psi ", "5.0 #"), "1.20000000E+03 # M_Phi_q", "6.0 #")
    outcome, doc = _run(tmp_path / "2", text)
    assert outcome.kind == "valid", outcome.problems
    assert any("close to the b mass" in w for w in doc["warnings"]), doc["warnings"]


@pytest.mark.flavio
def test_dark_matter_candidate_warning(tmp_path):
    outcome, doc = _run(tmp_path, SCOTO)  # the seed's benchmark: a charged h1- is lightest
    assert outcome.kind == "valid"
    assert any("lightest dark state h-_1" in w and "no dark-matter candidate" in w
               for w in doc["warnings"]), doc["warnings"]
    outcome, doc = _run(tmp_path / "2", F_IIB)  # real scalar singlet Phi_l is lightest
    assert outcome.kind == "valid" and doc["warnings"] == []
    heavy_phi_l = _edit(F_IIB, "300.0         # M_Phi_l", "2000.0 #")  # F-_1 becomes lightest
    outcome, doc = _run(tmp_path / "3", heavy_phi_l)
    assert any("lightest dark state F-_1 (charge -1)" in w for w in doc["warnings"]), doc["warnings"]


@pytest.mark.flavio
def test_tachyonic_scalar_is_refused(tmp_path):
    """Scotogenic: m_eta1^2 - v^2 lambda5/2 < 0 makes the neutral scalar tachyonic."""
    text = _edit(SCOTO, "1  1   2.0E-10", "1  1   1.0")
    text = _edit(text, "491.408371   # m_eta1", "100.0   # m_eta1")
    outcome, _ = _run(tmp_path, text)
    assert outcome.kind == "refusal", outcome.problems
    assert "Block LAMBDA5IN" in outcome.stderr and "tachyonic" in outcome.stderr


def test_entry_kinds_and_negative_mass_squared():
    from bridge import sanity
    from bridge.errors import InputError
    from bridge.model import Entry, InputBlock, ModelInfo, ModelInputs

    entries = (Entry(1, "M_F", "GeV", positive=True), Entry(2, "mu_1", "GeV", 0.0),
               Entry(3, "m2_S", "GeV^2", 0.0), Entry(4, "lambda_3", "", 0.0),
               Entry(5, "sin_theta", "", 0.0), Entry(6, "Y_N_11", "", 0.0),
               Entry(7, "delta_CP", "rad", 0.0))
    kinds = [sanity.entry_kind(e) for e in entries]
    assert kinds == ["mass", "dimensionful", "mass2", "coupling", "other", "coupling", "other"]
    info = ModelInfo("toy", "toy", (InputBlock("MINPAR", entries),))
    good = {1: 500.0, 2: -300.0, 3: 1e4, 4: 0.5, 5: 2.0, 6: 1.0, 7: 1.0}
    assert sanity.check_inputs(info, ModelInputs({"MINPAR": good}), path="c.slha") == []
    with pytest.raises(InputError, match="tachyonic") as err:
        sanity.check_inputs(info, ModelInputs({"MINPAR": {**good, 3: -1e4}}), path="c.slha")
    assert (err.value.block, err.value.entry) == ("MINPAR", 3)


@pytest.mark.flavio
def test_derived_coupling_above_4pi_is_refused(tmp_path):
    """Casas-Ibarra with a tiny lambda5 needs Y_N far beyond 4 pi: refused, not computed."""
    text = _edit(_edit(SCOTO, "1  1   2.0E-10", "1  1   1e-16"), "2  2   2.0E-10", "2  2   1e-16")
    outcome, _ = _run(tmp_path, text)
    assert outcome.kind == "refusal", outcome.problems
    assert "in the mass basis (derived from the inputs), above 4 pi" in outcome.stderr
