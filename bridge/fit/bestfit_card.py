"""The input card with fitted values substituted: only the freed (and ``--fix``ed) entries
change, each with its comment rewritten to say so and to keep the input value, since a
comment such as ``# (Y_S)_2 = sqrt(0.6)`` describes the value that was replaced; the layout
and every other line stay."""

from __future__ import annotations

import re
from pathlib import Path

_HEADER = re.compile(r"^\s*BLOCK\s+(\S+)", re.IGNORECASE)


def _format_value(x: float) -> str:
    return f"{x:.10E}"


def _key_text(key) -> str:
    return "  ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def substitute_card(text: str, values: dict[tuple[str, object], float], note: str = "fitted",
                    notes: dict[tuple[str, object], str] | None = None) -> str:
    """The card text with the value of each (BLOCK, key) replaced.

    The value token changes and the line's comment becomes ``# <note> (input <old value>:
    <old comment>)`` (``notes`` per entry, else ``note``); an entry the card does not have is
    added after its block header, and a missing block is appended.
    """
    notes = {(b.upper(), k): v for (b, k), v in (notes or {}).items()}
    lines = text.splitlines()
    todo = {(b.upper(), k): v for (b, k), v in values.items()}
    block = None
    header_at: dict[str, int] = {}
    for i, line in enumerate(lines):
        body = line.split("#", 1)[0]
        m = _HEADER.match(body)
        if m:
            block = m.group(1).upper()
            header_at.setdefault(block, i)
            continue
        if body.strip().upper().startswith("DECAY"):
            block = None
            continue
        if block is None or not body.strip():
            continue
        tokens = body.split()
        ints = []
        for tok in tokens[:-1]:
            if re.fullmatch(r"[+-]?\d+", tok):
                ints.append(int(tok))
            else:
                break
        if not ints:
            continue
        key = ints[0] if len(ints) == 1 else tuple(ints)
        if (block, key) not in todo:
            continue
        value = todo.pop((block, key))
        pattern = r"^(\s*" + r"\s+".join(re.escape(t) for t in tokens[:len(ints)]) + r"\s+)(\S+)"
        mm = re.match(pattern, line)
        old_comment = line.split("#", 1)[1].strip() if "#" in line else ""
        why = notes.get((block, key), note)
        comment = f"{why} (input {mm.group(2)}: {old_comment})" if old_comment else \
            f"{why} (input {mm.group(2)})"
        lines[i] = f"{mm.group(1)}{_format_value(value)}   # {comment}"
    inserts: dict[int, list[str]] = {}
    appended: dict[str, list[str]] = {}
    for (blk, key), value in todo.items():
        row = f"  {_key_text(key):>6}   {_format_value(value)}   # {note} (not on the input card)"
        if blk in header_at:
            inserts.setdefault(header_at[blk], []).append(row)
        else:
            appended.setdefault(blk, []).append(row)
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    for blk, rows in appended.items():
        out.append(f"Block {blk}   # written by bridge fit")
        out.extend(rows)
    return "\n".join(out) + "\n"


def bestfit_card_text(objective, best: list[float], result) -> str:
    """The input card of ``objective`` (an :class:`~bridge.fit.objective.Objective`) with the
    fitted (and --fix) values substituted, and a header comment from ``result`` (a
    :class:`~bridge.fit.minimise.FitResult`)."""
    values: dict[tuple[str, object], float] = {}
    notes = {}
    for target, value in objective.fixes:
        values[(target.card_block or target.block, target.key)] = value
        notes[(target.card_block or target.block, target.key)] = "set by --fix"
    for target, value in objective.assignments(best):
        values[(target.card_block or target.block, target.key)] = value
    text = Path(objective.card).read_text(encoding="utf-8")
    head = [f"# best fit of `bridge fit` ({result.likelihood}): chi2_min = {result.chi2_min:.6g}, "
            f"chi2_SM = {result.chi2_sm:.6g}, Delta chi2 = {result.delta_chi2:.6g}",
            "# fitted: " + ", ".join(f"{p.name} = {p.value:.6g} +- {p.error:.2g}"
                                     for p in result.parameters)]
    if objective.fixed:
        head.append("# fixed: " + ", ".join(f"{k} = {v:g}" for k, v in objective.fixed.items()))
    return "\n".join(head) + "\n" + substitute_card(text, values, notes=notes)
