"""Reading SLHA input cards (pyslha) and validating them against a model.

Every problem becomes an :class:`~bridge.errors.InputError` naming file,
block and entry. pyslha is lenient (it skips unknown sections with a print,
keeps the last of duplicate entries, leaves ``nan`` as a string), so the raw
text is checked here first.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pyslha

from bridge.errors import InputError
from bridge.model import InputBlock, ModelInfo, ModelInputs
from bridge.sm import SMINPUTS_NAMES

DEFAULT_SCALE = 160.0
#: Blocks the bridge writes itself; an output card can be read back as input.
OUTPUT_ONLY_BLOCKS = ("FWCOEF", "IMFWCOEF", "FOBS", "FOBSSM", "FOBSERR", "FDIPOLE")

_HEADER = re.compile(r"^(BLOCK|DECAY)\b", re.IGNORECASE)


@dataclass
class Card:
    """A parsed SLHA card and where it came from."""

    path: str
    doc: pyslha.Doc

    def block(self, name: str):
        return self.doc.blocks.get(name.upper())

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
    _prescan(text, path)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            doc = pyslha.readSLHA(text, ignorenomass=True, ignorenobr=True,
                                  ignoreblocks=list(OUTPUT_ONLY_BLOCKS))
    except Exception as exc:
        raise InputError(f"not a valid SLHA file ({exc})", file=path) from None
    if not doc.blocks:
        raise InputError("no SLHA blocks found", file=path)
    return Card(path=path, doc=doc)


def _prescan(text: str, path: str) -> None:
    """Reject stray lines and duplicate entries, which pyslha would accept silently."""
    block = None
    seen: set = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        if _HEADER.match(body):
            words = body.split()
            if words[0].upper() == "DECAY":
                block = None
                continue
            if len(words) < 2:
                raise InputError(f"line {lineno}: BLOCK without a name", file=path)
            block = words[1].upper()
            if block in OUTPUT_ONLY_BLOCKS:
                block = None
            seen = set()
            continue
        if block is None:
            if line[:1].isspace() or body[:1].isdigit() or body[:1] in "+-.":
                continue  # DECAY channel lines or output-only FLHA lines
            raise InputError(f"line {lineno}: text outside any block: {body[:40]!r}", file=path)
        tokens = body.split()
        key = _leading_ints(tokens)
        if key is None:
            if len(tokens) > 1 or not _is_number(tokens[0]):
                raise InputError(f"line {lineno}: malformed entry {body[:40]!r}", file=path,
                                 block=block)
            continue  # an unindexed single-value block such as ALPHA
        if key in seen:
            raise InputError(f"duplicate entry (line {lineno})", file=path, block=block,
                             entry=key)
        seen.add(key)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _leading_ints(tokens: list[str]):
    """The entry key as pyslha forms it: the leading integers before the value."""
    ints = []
    for tok in tokens[:-1]:
        if re.fullmatch(r"[+-]?\d+", tok):
            ints.append(int(tok))
        else:
            break
    if not ints:
        return None
    return ints[0] if len(ints) == 1 else tuple(ints)


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
        raise InputError(f"not a number: {value!r}", file=path, block=block, entry=entry)
    value = float(value)
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
    return ModelInputs(values, source=card.path)


def _parse_block(card: Card, spec: InputBlock) -> dict:
    block = card.block(spec.name)
    if block is None and spec.required and any(e.default is None for e in spec.entries):
        raise InputError("missing block", file=card.path, block=spec.name)
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
