"""Reading SLHA input cards and validating them against a model.

Every problem becomes an :class:`~bridge.errors.InputError` naming file, block and entry
(and the line where it helps). The reader is the bridge's own, strict and linear in the
size of the file (pyslha's reader is lenient: it skips unknown sections, keeps the last of
duplicate entries, and reads values with ``ast.literal_eval``, so ``0x3e8``, ``1_000`` or
``(5)`` became numbers):

* only a regular file of at most :data:`MAX_CARD_BYTES` is read (no FIFO, device or
  directory), UTF-8, with an optional byte-order mark and any of LF, CRLF, CR line ends;
* ``#`` starts a comment; tokens are separated by ASCII spaces and tabs only;
* a header is ``BLOCK NAME [Q= VALUE]``, ``DECAY PDG WIDTH`` or ``XSECTION ...`` (any case,
  indented or not); every other non-blank line is an entry of the open section;
* a block entry is ``[INDEX ...] VALUE``: up to 4 integer indices (ASCII digits, below
  10^10) then the value; the value is kept as written and read as a number only when the
  bridge needs it, by :func:`number` (a plain decimal or exponent number, see there);
* DECAY entries must be ``BR NDA ID_1 ... ID_NDA``; DECAY and XSECTION sections and the
  FLHA output blocks (:data:`OUTPUT_ONLY_BLOCKS`) are not read further.
"""

from __future__ import annotations

import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bridge.errors import InputError
from bridge.model import InputBlock, ModelInfo, ModelInputs
from bridge.sm import SMINPUTS_NAMES

DEFAULT_SCALE = 160.0
#: Largest card read (bytes). SLHA cards are a few kB; a spectrum file with decay tables
#: and cross sections stays below 1 MB. Anything larger is refused from its size.
MAX_CARD_BYTES = 10 * 2**20
#: Most BLOCK sections in a card (the shipped cards have 5 to 9; a spectrum file some 50).
MAX_CARD_BLOCKS = 10_000
#: Blocks the bridge writes itself; an output card can be read back as input.
OUTPUT_ONLY_BLOCKS = ("FWCOEF", "IMFWCOEF", "FOBS", "FOBSSM", "FOBSERR", "FDIPOLE")
#: Blocks the bridge reads besides the model's own; their near misses are refused too.
BRIDGE_READS = ("BRIDGE", "SMINPUTS")

_BLOCK = re.compile(r"BLOCK[ \t]+([A-Z0-9_]+)(?:[ \t]+Q[ \t]*=[ \t]*\S.*)?", re.ASCII | re.IGNORECASE)
_DECAY = re.compile(r"DECAY[ \t]+[+-]?[0-9]+[ \t]+(?:[0-9.E+-]+|NAN)(?:[ \t].*)?", re.ASCII | re.IGNORECASE)
_XSECTION = re.compile(r"XSECTION[ \t]+[0-9.E+-]+[ \t]+[+-]?[0-9]+[ \t]+[+-]?[0-9]+[ \t]+([0-9]+)"
                       r"((?:[ \t]+[+-]?[0-9]+)*)[ \t]*", re.ASCII | re.IGNORECASE)
_INDEX = re.compile(r"[+-]?[0-9]{1,11}", re.ASCII)
_COUNT = re.compile(r"[0-9]{1,3}", re.ASCII)
#: A card value: a plain decimal number with an optional exponent, E or Fortran's D.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[EeDd][+-]?[0-9]+)?", re.ASCII)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_MAX_INDICES, _MAX_INDEX = 4, 10**10


@dataclass
class Card:
    """A parsed SLHA card: block entries as written, and where they came from."""

    path: str
    #: {block: {key: value text}}; key an int, a tuple of ints, or None (unindexed block).
    blocks: dict[str, dict] = field(default_factory=dict)
    #: Line of each entry, {(block, key): line}.
    lines: dict[tuple, int] = field(default_factory=dict)
    #: Blocks given twice (the last is kept): {name: (line, line of the repeat)}.
    duplicates: dict[str, tuple[int, int]] = field(default_factory=dict)

    def block(self, name: str) -> dict | None:
        """The entries of Block ``name`` ({key: value text}), refused if it is given twice."""
        name = name.upper()
        if name in self.duplicates:
            lines = self.duplicates[name]
            raise InputError(f"block given twice (lines {lines[0]} and {lines[1]})", file=self.path,
                             block=name)
        return self.blocks.get(name)

    def has_block(self, name: str) -> bool:
        return name.upper() in self.blocks

    def line(self, block: str, key) -> int | None:
        return self.lines.get((block.upper(), key))


def read_card(path: str | Path) -> Card:
    """Read an SLHA card, refusing anything that is not plainly what its author meant."""
    path = str(path)
    text = _read_text(path)
    card = Card(path=path)
    _parse(text, card)
    if not card.blocks:
        raise InputError("no SLHA blocks found", file=path)
    return card


def _read_text(path: str) -> str:
    """The text of a regular file of at most MAX_CARD_BYTES; never blocks, never reads more."""
    try:
        _check_regular(os.stat(path), path)  # devices and FIFOs are not even opened
        # O_NONBLOCK: should the path become a FIFO now, opening it still returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", file=path) from None
    try:
        _check_regular(os.fstat(fd), path)
        chunks, size = [], 0
        while size <= MAX_CARD_BYTES:
            chunk = os.read(fd, MAX_CARD_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CARD_BYTES:  # the file grew while it was read
            raise InputError(_too_big(size), file=path)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", file=path) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if b"\x00" in raw:
        raise InputError("not an SLHA text file (binary content)", file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not an SLHA text file (not UTF-8 text)", file=path) from None
    return text.removeprefix("\ufeff")  # byte-order mark of some editors


def _check_regular(info: os.stat_result, path: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputError("cannot read file (it is a directory)", file=path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a regular file (a {_file_kind(info.st_mode)}): a card must be a "
                         "file on disk", file=path)
    if info.st_size > MAX_CARD_BYTES:
        raise InputError(_too_big(info.st_size), file=path)


def _too_big(size: int) -> str:
    return (f"file of {size / 2**20:.1f} MiB is above the limit of {MAX_CARD_BYTES // 2**20} MiB "
            "for a card")


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return kind
    return "special file"


def _parse(text: str, card: Card) -> None:
    """Fill ``card`` from ``text``, one pass over the lines (see the module docstring)."""
    path = card.path
    mode = None  # "block", "decay" or "skip" (XSECTION, output-only blocks), None before any header
    block = entries = None
    headers = 0
    first: dict[str, int] = {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for lineno, line in enumerate(lines, start=1):
        stripped = line.partition("#")[0].strip(" \t")
        if not stripped:
            continue
        if stripped[0] in "BbDdXx" and stripped[:8].upper().startswith(("BLOCK", "DECAY", "XSECTION")):
            mode, block = _header(stripped, lineno, path)
            if mode == "block":
                headers += 1
                if headers > MAX_CARD_BLOCKS:
                    raise InputError(f"line {lineno}: more than {MAX_CARD_BLOCKS} blocks, the limit for "
                                     "a card", file=path)
                entries = {}
                if block in first:
                    card.duplicates.setdefault(block, (first[block], lineno))
                first.setdefault(block, lineno)
                card.blocks[block] = entries
            continue
        tokens = stripped.replace("\t", " ").split(" ")
        if len(tokens) > 1:
            tokens = [t for t in tokens if t]
        if mode == "block":
            key, value = _entry(tokens, entries, lineno, path, block)
            entries[key] = value
            card.lines[(block, key)] = lineno
        elif mode == "decay":
            _decay_entry(tokens, lineno, path)
        elif mode is None or (line[0] not in " \t" and not (stripped[0].isdigit() or stripped[0] in "+-.")):
            raise InputError(f"line {lineno}: text outside any block: {_show(stripped)}", file=path)


def _header(stripped: str, lineno: int, path: str) -> tuple[str, str | None]:
    """(mode, block name) of a header line."""
    upper = stripped.upper()
    if upper.startswith("BLOCK"):
        if len(stripped.split()) < 2:
            raise InputError(f"line {lineno}: BLOCK without a name", file=path)
        match = _BLOCK.fullmatch(stripped)
        if match is None or len(match.group(1)) > 40:  # SLHA block names are short
            raise InputError(f"line {lineno}: malformed BLOCK header {_show(stripped)}", file=path)
        name = match.group(1).upper()
        return ("skip", None) if name in OUTPUT_ONLY_BLOCKS else ("block", name)
    if upper.startswith("DECAY"):
        if _DECAY.fullmatch(stripped) is None:
            raise InputError(f"line {lineno}: malformed DECAY header {_show(stripped)}", file=path)
        return "decay", None
    match = _XSECTION.fullmatch(stripped)
    if match is None:
        raise InputError(f"line {lineno}: malformed XSECTION header {_show(stripped)}", file=path)
    if len(match.group(2).split()) != int(match.group(1)):
        raise InputError(f"line {lineno}: XSECTION header announces {int(match.group(1))} final-state "
                         f"particles but lists {len(match.group(2).split())}", file=path)
    return "skip", None


def _entry(tokens: list[str], entries: dict, lineno: int, path: str, block: str):
    """(key, value text) of a block entry: leading integer indices, then the value."""
    n = 0
    while n < len(tokens) - 1 and _INDEX.fullmatch(tokens[n]):
        n += 1
    if n == 1:
        key = int(tokens[0])
        bad = abs(key) >= _MAX_INDEX
    elif n == 0:
        key = None
        bad = len(tokens) > 1 or bool(entries)
    else:
        key = tuple(int(t) for t in tokens[:n])
        bad = n > _MAX_INDICES or max(abs(k) for k in key) >= _MAX_INDEX
    if bad or None in entries:
        raise InputError(f"line {lineno}: malformed entry {_show(' '.join(tokens))}", file=path,
                         block=block)
    if key in entries:
        raise InputError(f"duplicate entry (line {lineno})", file=path, block=block, entry=key)
    return key, tokens[n] if n == len(tokens) - 1 else " ".join(tokens[n:])


def _decay_entry(tokens: list[str], lineno: int, path: str) -> None:
    """``BR NDA ID_1 ... ID_NDA`` (SLHA 1, sec. 2.3); the bridge reads no decay, but a damaged
    table means a damaged file."""
    if len(tokens) < 2 or not (_NUMBER.fullmatch(tokens[0]) or tokens[0].upper() == "NAN") \
            or not _COUNT.fullmatch(tokens[1]) or not all(_INDEX.fullmatch(t) for t in tokens[2:]):
        raise InputError(f"line {lineno}: malformed DECAY entry {_show(' '.join(tokens))} "
                         "(expected BR NDA ID_1 ... ID_NDA)", file=path)
    if int(tokens[1]) != len(tokens) - 2:
        raise InputError(f"line {lineno}: DECAY entry with NDA = {int(tokens[1])} lists "
                         f"{len(tokens) - 2} daughter codes", file=path)


def _show(value, limit: int = 40) -> str:
    """A short one-line repr of user input for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------
# misspelt block names
# ---------------------------------------------------------------------------
def distance(a: str, b: str, limit: int) -> int:
    """Restricted Damerau-Levenshtein distance (insertions, deletions, substitutions and
    transpositions of adjacent letters; "optimal string alignment"), or ``limit + 1`` once it
    is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


def misspelling_limit(name: str) -> int:
    """Edits that still make a misspelling of ``name``: 1 up to 5 letters (MUNI, YISN), 2 above
    (MNIPRA, CASASIBRRA). Standard SLHA names (EXTPAR, UMIX, YU) stay 3 or more away from the
    shipped models' blocks."""
    return 1 if len(name) <= 5 else 2


def resembles(name: str, candidates, prefer=()) -> str | None:
    """The candidate that ``name`` is a plausible misspelling of (the closest; on a tie one in
    ``prefer``, then the first in alphabetical order), or None."""
    best = None
    for cand in sorted(set(candidates) - {name}):
        limit = misspelling_limit(cand)
        d = distance(name, cand, limit)
        rank = (d, cand not in prefer)
        if d <= limit and (best is None or rank < best[0]):
            best = (rank, cand)
    return None if best is None else best[1]


def _deletions(word: str, depth: int) -> set[str]:
    out = frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out = out | frontier
    return out


class Lookalikes:
    """Finds, among many names, those that resemble a few targets, in linear time.

    Symmetric deletion (as in SymSpell): two names within restricted Damerau-Levenshtein
    distance d share a string obtained from each by at most d deletions (a substitution or a
    transposition is one deletion on each side), so each name costs a few dictionary
    look-ups, and only the hits are checked with :func:`distance`.
    """

    def __init__(self, targets) -> None:
        self.targets = sorted(set(targets))
        self.index: dict[str, set[str]] = {}
        for t in self.targets:
            for variant in _deletions(t, misspelling_limit(t)):
                self.index.setdefault(variant, set()).add(t)
        self.depth = max((misspelling_limit(t) for t in self.targets), default=0)
        lengths = [len(t) for t in self.targets] or [0]
        self.lengths = (min(lengths) - self.depth, max(lengths) + self.depth)
        # a name within the limit of target t shares at least len(t) - limit letters with it
        self.letters = frozenset("".join(self.targets))
        self.shared = min((len(t) - misspelling_limit(t) for t in self.targets), default=0)

    def find(self, name: str, prefer=()) -> str | None:
        if not self.lengths[0] <= len(name) <= self.lengths[1]:
            return None
        if sum(ch in self.letters for ch in name) < self.shared:
            return None
        hits = set()
        for variant in _deletions(name, self.depth):
            hits |= self.index.get(variant, set())
        return resembles(name, hits, prefer) if hits else None


# ---------------------------------------------------------------------------
# Block BRIDGE
# ---------------------------------------------------------------------------
def model_name(card: Card) -> str:
    block = card.block("BRIDGE")
    if block is None:
        raise InputError(f"missing block (entry 1 names the model plugin){_lookalike_note(card, 'BRIDGE')}",
                         file=card.path, block="BRIDGE")
    if 1 not in block:
        raise InputError("missing entry (the model plugin name)", file=card.path,
                         block="BRIDGE", entry=1)
    name = block[1]
    if len(name) > 100 or not name.isprintable():
        raise InputError(f"not a model name: {_show(name)}", file=card.path, block="BRIDGE",
                         entry=1)
    return name


def handover_scale(card: Card) -> float:
    """Block BRIDGE entry 2: the scale (GeV) at which WET coefficients go to wilson."""
    block = card.block("BRIDGE")
    if block is None or 2 not in block:
        return DEFAULT_SCALE
    value = number(block[2], card.path, "BRIDGE", 2, card.line("BRIDGE", 2))
    if value <= 0:
        raise InputError(f"scale must be positive, got {value:g}", file=card.path,
                         block="BRIDGE", entry=2)
    return value


def number(value, path: str, block: str, entry, line: int | None = None) -> float:
    """A card value as a finite float, or an InputError naming file, block, entry and line.

    A card value is a plain decimal number with an optional exponent: ``1200``, ``-0.5``,
    ``.5``, ``1.2E+03``, ``1.2e3``. A Fortran ``D`` exponent (``1.2D+03``, written by Fortran
    spectrum generators) reads as ``E``: it cannot mean anything else. Everything else is
    refused: Python literals (``0x4b0``, ``0b101``, ``1_200``, ``(1200)``, ``1200j``), a
    decimal comma, non-ASCII digits, minus signs or spaces, NaN and infinities.
    """
    if not isinstance(value, str):  # a number from Python code (not from a card)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"not a number: {_show(value)}", file=path, block=block, entry=entry)
        value = repr(value) if isinstance(value, float) else str(value)
    where = f" on line {line}" if line else ""
    if _NUMBER.fullmatch(value) is None:
        if _NONFINITE.fullmatch(value):
            raise InputError(f"not a finite number: {value}{where}", file=path, block=block,
                             entry=entry)
        raise InputError(f"not a number: {_show(value)}{where}{_number_hint(value)}", file=path,
                         block=block, entry=entry)
    result = float(value.replace("D", "E").replace("d", "e"))
    if not math.isfinite(result):
        raise InputError(f"number too large: {_show(value)}{where}", file=path, block=block,
                         entry=entry)
    return result


def _number_hint(text: str) -> str:
    """Why a value that looks numeric is not read as a number."""
    odd = next((c for c in text if not c.isascii() or not c.isprintable()), None)
    if odd is not None:
        name = unicodedata.name(odd, "a control character")
        fix = ": write '-'" if odd in "\u2212\u2012\u2013\u2014\ufe63\uff0d" else ""
        return f" (character U+{ord(odd):04X} {name}{fix}; a card value is ASCII)"
    if re.search(r"[0-9],[0-9]", text):
        return " (a decimal comma? a card value uses '.', e.g. 1.5)"
    if re.match(r"[+-]?0[xXbBoO]", text) or "_" in text:
        return " (a Python literal: a card value is a decimal number such as 1200 or 1.2E+03)"
    return " (expected a decimal number such as 1200 or 1.2E+03)"


# ---------------------------------------------------------------------------
# model inputs
# ---------------------------------------------------------------------------
def parse_inputs(card: Card, info: ModelInfo) -> ModelInputs:
    """Validate the card against the model's declared blocks and collect values."""
    lookalikes = _lookalikes(card, info)
    values: dict[str, dict] = {}
    for spec in info.blocks:
        values[spec.name] = _parse_block(card, spec, lookalikes)
    _refuse_misnamed_blocks(card, info, lookalikes)  # after "missing block": this catches optional ones
    return ModelInputs(values, source=card.path)


def read_blocks(info: ModelInfo) -> set[str]:
    """Every block the bridge reads for this model: its own, their IM partners, BRIDGE, SMINPUTS."""
    return {b.name for b in info.blocks} | {b.imaginary for b in info.blocks if b.imaginary} \
        | set(BRIDGE_READS)


def _lookalikes(card: Card, info: ModelInfo) -> dict[str, str]:
    """{block of the card that no one reads: the block it resembles (a misspelling)}."""
    from bridge.sanity import BRIDGE_BLOCKS

    wanted = read_blocks(info)
    finder = Lookalikes(wanted)
    prefer = {name for name in wanted if not card.has_block(name)}
    out = {}
    for name in card.blocks:
        if name in wanted or name in BRIDGE_BLOCKS:
            continue
        close = finder.find(name, prefer)
        if close is not None:
            out[name] = close
    return out


def _lookalike_note(card: Card, name: str, lookalikes: dict[str, str] | None = None) -> str:
    if lookalikes is None:
        finder = Lookalikes([name])
        lookalikes = {b: name for b in card.blocks if b != name and finder.find(b)}
    alike = sorted(b for b, target in lookalikes.items() if target == name)
    return f" (the card has Block {alike[0]}: misspelt?)" if alike else ""


def _refuse_misnamed_blocks(card: Card, info: ModelInfo, lookalikes: dict[str, str]) -> None:
    """A block the model does not read but that looks meant for it would be ignored silently:
    imaginary parts of a real block, or a near miss of a block the bridge reads (a typo)."""
    from bridge.sanity import BRIDGE_BLOCKS

    wanted = read_blocks(info)
    real_only = {b.name for b in info.blocks if not b.imaginary}
    for name in card.blocks:
        if name in wanted or name in BRIDGE_BLOCKS:
            continue
        if name.startswith("IM") and name[2:] in real_only:
            raise InputError(f"model {info.name} takes Block {name[2:]} real (no imaginary parts)",
                             file=card.path, block=name)
        if name in lookalikes:
            raise InputError(f"unknown block, not read by model {info.name} (did you mean "
                             f"{lookalikes[name]}?)", file=card.path, block=name)


def check_entry(entry, value: float, path: str | None, block: str) -> None:
    """The declaration's own rule on a value (``positive``), as for a card entry."""
    if entry.positive and not value > 0:
        raise InputError(f"{entry.symbol} must be positive, got {value:g}", file=path, block=block,
                         entry=entry.key)


def _parse_block(card: Card, spec: InputBlock, lookalikes: dict[str, str]) -> dict:
    block = card.block(spec.name)
    if block is None and spec.required and any(e.default is None for e in spec.entries):
        raise InputError(f"missing block{_lookalike_note(card, spec.name, lookalikes)}", file=card.path,
                         block=spec.name)
    if block is None and not spec.required and any(e.default is None for e in spec.entries):
        return {}  # an optional block with required entries: absent means "not used"
    present = block if block is not None else {}
    known = {e.key for e in spec.entries}
    for key in present:
        if key not in known:
            raise InputError(f"unknown entry (this model reads {_keys(spec)})", file=card.path,
                             block=spec.name, entry=key)
    imag = {}
    if spec.imaginary:
        im_block = card.block(spec.imaginary)
        imag = im_block if im_block is not None else {}
        for key in imag:
            if key not in known:
                raise InputError("unknown entry", file=card.path, block=spec.imaginary, entry=key)
    out = {}
    for entry in spec.entries:
        if entry.key in present:
            value = number(present[entry.key], card.path, spec.name, entry.key,
                           card.line(spec.name, entry.key))
        elif entry.default is not None:
            value = float(entry.default)
        else:
            raise InputError(f"missing entry ({entry.symbol})", file=card.path,
                             block=spec.name, entry=entry.key)
        check_entry(entry, value, card.path, spec.name)
        if spec.imaginary:
            im = number(imag[entry.key], card.path, spec.imaginary, entry.key,
                        card.line(spec.imaginary, entry.key)) if entry.key in imag else 0.0
            out[entry.key] = complex(value, im)
        else:
            out[entry.key] = value
    return out


def _keys(spec: InputBlock) -> str:
    return ", ".join(str(e.key) for e in spec.entries)


def parse_sminputs(card: Card) -> dict[int, float]:
    """Optional Block SMINPUTS: the entries the bridge understands, validated."""
    block = card.block("SMINPUTS")
    if block is None:
        return {}
    out = {}
    for key, value in block.items():
        if key not in SMINPUTS_NAMES:
            continue  # other SLHA2 entries are legal but unused here
        value = number(value, card.path, "SMINPUTS", key, card.line("SMINPUTS", key))
        if value <= 0:
            raise InputError(f"{SMINPUTS_NAMES[key]} must be positive, got {value:g}",
                             file=card.path, block="SMINPUTS", entry=key)
        out[key] = value
    return out
