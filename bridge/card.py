"""Reading SLHA input cards (pyslha) and validating them against a model.

Every problem becomes an :class:`~bridge.errors.InputError` naming file,
block and entry. pyslha is lenient (it skips unknown sections with a print,
keeps the last of duplicate entries, leaves ``nan`` as a string), so the raw
text is checked here first.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyslha

from bridge.errors import InputError
from bridge.model import InputBlock, ModelInfo, ModelInputs
from bridge.sm import SMINPUTS_NAMES

DEFAULT_SCALE = 160.0
#: Blocks the bridge writes itself; an output card can be read back as input.
OUTPUT_ONLY_BLOCKS = ("FWCOEF", "IMFWCOEF", "FOBS", "FOBSSM", "FOBSERR", "FDIPOLE")

#: pyslha's header patterns (readSLHA), matched like there on the upper-cased line.
_PYSLHA_BLOCK = re.compile(r"BLOCK\s+(\w+)(\s+Q\s*=\s*.+)?")
_PYSLHA_DECAY = re.compile(r"DECAY\s+(-?\d+)\s+([\d\.E+-]+|NAN).*")
_PYSLHA_XSECTION = re.compile(r"XSECTION\s+([\d+\.E+-]+)\s+(-?\d+)\s+(-?\d+)\s+(\d+)\s+(.*)")
_INDENT = re.compile(r"^\s+")


@dataclass
class Card:
    """A parsed SLHA card and where it came from."""

    path: str
    doc: pyslha.Doc
    #: Blocks given twice (pyslha keeps the last): {name: (line, line of the repeat)}.
    duplicates: dict[str, tuple[int, int]] = field(default_factory=dict)

    def block(self, name: str):
        name = name.upper()
        if name in self.duplicates:
            lines = self.duplicates[name]
            raise InputError(f"block given twice (lines {lines[0]} and {lines[1]})", file=self.path,
                             block=name)
        return self.doc.blocks.get(name)

    def has_block(self, name: str) -> bool:
        return name.upper() in self.doc.blocks


def read_card(path: str | Path) -> Card:
    """Parse an SLHA file, refusing anything pyslha would silently mangle."""
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", file=path) from None
    if b"\x00" in raw:
        raise InputError("not an SLHA text file (binary content)", file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not an SLHA text file (not UTF-8 text)", file=path) from None
    text = text.removeprefix("\ufeff")  # byte-order mark of some editors
    text, duplicates = _prescan(text, path)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            doc = pyslha.readSLHA(text, ignorenomass=True, ignorenobr=True,
                                  ignoreblocks=list(OUTPUT_ONLY_BLOCKS))
    except Exception as exc:
        raise InputError(f"not a valid SLHA file ({_show(str(exc), 80)})", file=path) from None
    if not doc.blocks:
        raise InputError("no SLHA blocks found", file=path)
    return Card(path=path, doc=doc, duplicates=duplicates)


def _prescan(text: str, path: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """Follow pyslha's reading line by line and refuse what it would silently mangle.

    pyslha skips a malformed header (the previous block stays open), skips data lines
    without indentation, reads an indented header as data, replaces a repeated block
    and keeps the last of repeated entries. Returns the text with headers unindented
    and block entries indented (what the card means), and the repeated blocks
    ``{name: (line, line of the repeat)}``, refused by :meth:`Card.block` when read.
    """
    out = []
    mode = None  # "block" (entries checked), "other" (DECAY, XSECTION, output-only) or None
    block, keys = None, set()
    first: dict[str, int] = {}
    duplicates: dict[str, tuple[int, int]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0]
        stripped = body.strip()
        if not stripped:
            out.append(line)
            continue
        upper = stripped.upper()
        if upper.startswith(("BLOCK", "DECAY", "XSECTION")):
            mode, block = _header(upper, stripped, lineno, path)
            if mode == "block":
                keys = set()
                if block in first:
                    duplicates.setdefault(block, (first[block], lineno))
                first.setdefault(block, lineno)
            out.append(line.lstrip())
            continue
        tokens = stripped.split()
        if mode != "block":
            if _INDENT.match(line) is None and not (stripped[:1].isdigit() or stripped[:1] in "+-."):
                raise InputError(f"line {lineno}: text outside any block: {_show(stripped)}",
                                 file=path)
            out.append(line)  # DECAY/XSECTION data or output-only FLHA lines
            continue
        try:
            key = _entry_key(tokens)
        except Exception:  # whatever pyslha's token conversion trips over
            key = _MALFORMED
        if key is _MALFORMED or (key is None and (len(tokens) > 1 or keys)) \
                or (key is not None and (None in keys or not _sane_key(key))):
            raise InputError(f"line {lineno}: malformed entry {_show(stripped)}", file=path,
                             block=block)
        if key in keys:
            raise InputError(f"duplicate entry (line {lineno})", file=path, block=block,
                             entry=key)
        keys.add(key)  # None: the value of an unindexed single-value block such as ALPHA
        out.append(line if _INDENT.match(line) else " " + line)
    return "\n".join(out) + "\n", duplicates


def _header(upper: str, stripped: str, lineno: int, path: str) -> tuple[str, str | None]:
    """(mode, block name) of a header line, checked with pyslha's own patterns."""
    if upper.startswith("BLOCK"):
        if len(upper.split()) < 2:
            raise InputError(f"line {lineno}: BLOCK without a name", file=path)
        match = _PYSLHA_BLOCK.fullmatch(upper)
        if match is None or len(match.group(1)) > 40:  # SLHA block names are short
            raise InputError(f"line {lineno}: malformed BLOCK header {_show(stripped)}", file=path)
        name = match.group(1)
        return ("other", None) if name in OUTPUT_ONLY_BLOCKS else ("block", name)
    pattern = _PYSLHA_DECAY if upper.startswith("DECAY") else _PYSLHA_XSECTION
    if pattern.match(upper) is None:
        kind = upper.split()[0][:8]
        raise InputError(f"line {lineno}: malformed {kind} header {_show(stripped)}", file=path)
    return "other", None


_MALFORMED = object()


def _entry_key(tokens: list[str]):
    """The key pyslha files an entry under (its own Block.add_entry on a scratch block)."""
    probe = pyslha.Block("PROBE")
    probe.add_entry(tokens)
    return next(iter(probe.entries))


def _sane_key(key) -> bool:
    """SLHA indices: at most 4 integers, each below 10^10 (PDG codes have 7-9 digits)."""
    ints = key if isinstance(key, tuple) else (key,)
    return len(ints) <= 4 and all(abs(k) < 10**10 for k in ints)


def _show(value, limit: int = 40) -> str:
    """A short one-line repr of user input for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------
# Block BRIDGE
# ---------------------------------------------------------------------------
def model_name(card: Card) -> str:
    block = card.block("BRIDGE")
    if block is None:
        raise InputError("missing block (entry 1 names the model plugin)", file=card.path,
                         block="BRIDGE")
    if 1 not in block.keys():
        raise InputError("missing entry (the model plugin name)", file=card.path,
                         block="BRIDGE", entry=1)
    name = block[1]
    if not isinstance(name, str):
        name = str(name)
    if len(name) > 100 or not name.isprintable():
        raise InputError(f"not a model name: {_show(name)}", file=card.path, block="BRIDGE",
                         entry=1)
    return name


def handover_scale(card: Card) -> float:
    """Block BRIDGE entry 2: the scale (GeV) at which WET coefficients go to wilson."""
    block = card.block("BRIDGE")
    if block is None or 2 not in block.keys():
        return DEFAULT_SCALE
    value = number(block[2], card.path, "BRIDGE", 2)
    if value <= 0:
        raise InputError(f"scale must be positive, got {value:g}", file=card.path,
                         block="BRIDGE", entry=2)
    return value


def number(value, path: str, block: str, entry) -> float:
    """A finite real number from a pyslha value, or an InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"not a number: {_show(value)}", file=path, block=block, entry=entry)
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range
        raise InputError(f"number too large: {_show(value)}", file=path, block=block,
                         entry=entry) from None
    if not math.isfinite(value):
        raise InputError(f"not a finite number: {value}", file=path, block=block, entry=entry)
    return value


# ---------------------------------------------------------------------------
# model inputs
# ---------------------------------------------------------------------------
def parse_inputs(card: Card, info: ModelInfo) -> ModelInputs:
    """Validate the card against the model's declared blocks and collect values."""
    values: dict[str, dict] = {}
    for spec in info.blocks:
        values[spec.name] = _parse_block(card, spec)
    _refuse_misnamed_blocks(card, info)  # after "missing block": this catches optional ones
    return ModelInputs(values, source=card.path)


def _refuse_misnamed_blocks(card: Card, info: ModelInfo) -> None:
    """A block the model does not read but that looks meant for it would be ignored silently:
    imaginary parts of a real block, or a near-miss of a block the card lacks (a typo)."""
    wanted = {b.name for b in info.blocks} | {b.imaginary for b in info.blocks if b.imaginary}
    real_only = {b.name for b in info.blocks if not b.imaginary}
    missing = sorted(name for name in wanted | {"SMINPUTS"} if not card.has_block(name))
    for name in card.doc.blocks:
        if name in wanted or name in ("BRIDGE", "SMINPUTS", "MASS", "FCINFO", "SPINFO"):
            continue
        if name.startswith("IM") and name[2:] in real_only:
            raise InputError(f"model {info.name} takes Block {name[2:]} real (no imaginary parts)",
                             file=card.path, block=name)
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.8)
        if close:
            raise InputError(f"unknown block, not read by model {info.name} (did you mean "
                             f"{close[0]}?)", file=card.path, block=name)


def _parse_block(card: Card, spec: InputBlock) -> dict:
    block = card.block(spec.name)
    if block is None and spec.required and any(e.default is None for e in spec.entries):
        near = difflib.get_close_matches(spec.name, list(card.doc.blocks), n=1, cutoff=0.6)
        hint = f" (the card has Block {near[0]}: did you mean {spec.name}?)" if near else ""
        raise InputError(f"missing block{hint}", file=card.path, block=spec.name)
    if block is None and not spec.required and any(e.default is None for e in spec.entries):
        return {}  # an optional block with required entries: absent means "not used"
    present = dict(block.items()) if block is not None else {}
    known = {e.key for e in spec.entries}
    for key in present:
        if key not in known:
            raise InputError(f"unknown entry (this model reads {_keys(spec)})", file=card.path,
                             block=spec.name, entry=key)
    imag = {}
    if spec.imaginary:
        im_block = card.block(spec.imaginary)
        imag = dict(im_block.items()) if im_block is not None else {}
        for key in imag:
            if key not in known:
                raise InputError("unknown entry", file=card.path, block=spec.imaginary, entry=key)
    out = {}
    for entry in spec.entries:
        if entry.key in present:
            value = number(present[entry.key], card.path, spec.name, entry.key)
        elif entry.default is not None:
            value = float(entry.default)
        else:
            raise InputError(f"missing entry ({entry.symbol})", file=card.path,
                             block=spec.name, entry=entry.key)
        if entry.positive and not value > 0:
            raise InputError(f"{entry.symbol} must be positive, got {value:g}", file=card.path,
                             block=spec.name, entry=entry.key)
        if spec.imaginary:
            im = number(imag[entry.key], card.path, spec.imaginary, entry.key) \
                if entry.key in imag else 0.0
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
        value = number(value, card.path, "SMINPUTS", key)
        if value <= 0:
            raise InputError(f"{SMINPUTS_NAMES[key]} must be positive, got {value:g}",
                             file=card.path, block="SMINPUTS", entry=key)
        out[key] = value
    return out
