"""The text of `bridge plugins`: the models grouped by classification, and one model in detail.

Models with ``classification = ("F", row)`` or ``("S", row)`` (the two classes of
arXiv:2104.03228 Table II) are listed under their class in the order of the table's rows; every
other model (hand-written ones included) under "other". ``bridge plugins -v NAME`` prints the
model's row as the seed prints it — its five columns with the field, (SU(3), SU(2))_Y and kind —
then the dark-matter choice, the Lagrangian terms and the card blocks.
"""

from __future__ import annotations

from bridge.fields import FermionMixing, ModelDescription, Quartic, Trilinear, split_conjugate

#: Classes of arXiv:2104.03228 Table II: title and the order of the rows.
CLASSES = {"F": "class F (arXiv:2104.03228 Table II): fermion flavour mediator Psi, scalars "
                "Phi_q, Phi_l, and Phi_l' or Psi'",
           "S": "class S (arXiv:2104.03228 Table II): scalar flavour mediator Phi, fermions "
                "Psi_q, Psi_l, and Psi_l' or Phi'"}
TABLE_II_COLUMNS = ("Phi_q/Psi_q", "Phi_l/Psi_l", "Psi/Phi", "Phi_l'/Psi_l'", "Psi'/Phi'")
TABLE_II_ROWS = ("Ia", "Ib", "Ic", "IIa", "IIb", "IIc", "Va", "Vb", "Vc")
_COLOUR = {1: "1", 3: "3", -3: "3bar", 8: "8"}


def group(models: dict) -> list[tuple[str, list[tuple[str, object]]]]:
    """[(title, [(name, model), …]), …]: class F, class S (Table II order), then the others."""
    groups: dict[str, list] = {"F": [], "S": [], "other": []}
    for name, model in models.items():
        desc = model.description
        cls = desc.classification[0] if desc is not None and desc.classification else None
        groups[cls if cls in CLASSES else "other"].append((name, model))

    def order(item):
        desc = item[1].description
        row = desc.classification[1] if desc is not None and desc.classification else ""
        return (TABLE_II_ROWS.index(row) if row in TABLE_II_ROWS else len(TABLE_II_ROWS), item[0])

    return [(CLASSES.get(key, "other models"), sorted(items, key=order))
            for key, items in groups.items() if items]


def summary(models: dict) -> str:
    """One line per model, grouped."""
    if not models:
        return "no model plugins installed"
    width = max(len(n) for n in models)
    lines = []
    for title, items in group(models):
        lines += ["" if lines else None, title]
        for name, model in items:
            origin = f"  [{model.distribution}]" if model.distribution else ""
            lines.append(f"  {name:<{width}}  {model.info().description}{origin}")
    return "\n".join(line for line in lines if line is not None)


def detail(model, blocks: bool = True) -> str:
    """One model: its Table II row (if it has one), dark matter, Lagrangian, card blocks."""
    info = model.info()
    origin = f"  [{model.distribution}]" if model.distribution else ""
    lines = [f"{model.name}: {info.description}{origin}"]
    desc = model.description
    if desc is not None:
        lines += table(desc)
        if desc.dark_matter:
            lines.append(f"  dark matter: {desc.dark_matter} (the lightest neutral colourless state "
                         "at a point is the candidate)")
        lines += [f"  {line}" for line in lagrangian(desc)]
    if blocks:
        lines.append("  card:")
        for block in info.blocks:
            lines.append(f"    Block {block.name}: {block.description}")
            for e in block.entries:
                default = "required" if e.default is None else f"default {e.default:g}"
                unit = f" [{e.unit}]" if e.unit else ""
                lines.append(f"      {e.key!s:>6}  {e.symbol}{unit}  ({default})")
    if info.references:
        lines.append("  references: " + "; ".join(info.references))
    return "\n".join(lines)


def table(desc: ModelDescription) -> list[str]:
    """The model's row as the seed prints it: one column per field (column title, field,
    (SU(3), SU(2))_Y, kind); classified models show all five Table II columns, "–" if empty."""
    seed = bool(desc.classification and desc.classification[0] in CLASSES)
    if seed:
        cls, row = desc.classification
        head = f"  arXiv:2104.03228 Table II, class {cls}, row {row}:"
        reps = {f.name: _table_rep(f) for f in desc.fields}
        cells = [(c, n, reps.get(n, r), k) for c, n, r, k in desc.table_row(TABLE_II_COLUMNS)]
    else:
        head = "  fields:"
        cells = desc.table_row()
    titles = ("column", "field", "(SU(3),SU(2))_Y", "kind")
    rows = [[title, *(c[k] for c in cells)] for k, title in enumerate(titles)]
    if not seed and not any(c[0] for c in cells):
        rows = rows[1:]
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return [head] + ["    " + "  ".join(f"{x:<{w}}" for x, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows]


def _table_rep(f) -> str:
    """(3, 2)_{1/6} as the seed prints it."""
    y = f.hypercharge
    y_text = str(y.numerator) if y.denominator == 1 else f"{y.numerator}/{y.denominator}"
    return f"({_COLOUR[f.colour]},{f.su2})_{{{y_text}}}"


def lagrangian(desc: ModelDescription) -> list[str]:
    """The Yukawa and mixing terms in words (conventions of bridge.fields)."""
    chir = {"Q": "P_R", "L": "P_R", "U": "P_L", "D": "P_L", "E": "P_L"}
    terms = []
    for y in desc.yukawas:
        c = y.couplings
        symbol = c.symbol if not isinstance(c, tuple) else c[0].symbol.rsplit("_", 1)[0] + "_i"
        conj = "^*" if y.conjugate else ""
        terms.append((y.sign, f"{symbol}{conj} {y.sm}_i-bar {chir[y.sm]} {y.fermion} {_scalar(y.scalar)}"))
    text = "".join(f"{' - ' if sign < 0 else ' + '}{term}" for sign, term in terms)
    lines = ["L ⊃ " + (text[3:] if text.startswith(" + ") else "-" + text[3:]) + " + h.c."]
    for t in desc.mixings:
        if isinstance(t, FermionMixing):
            parts = [f"{p.symbol} {t.fermion}-bar {c} {t.partner} H"
                     for p, c in ((t.left, "P_L"), (t.right, "P_R")) if p is not None]
            lines.append("L ⊃ -(" + " + ".join(parts) + ") + h.c.  (H or H~ as hypercharge requires)")
        elif isinstance(t, Trilinear):
            lines.append(f"V ⊃ {_symbol(t.coupling)} {' '.join(_scalar(n) for n in t.fields)} + h.c.")
        elif isinstance(t, Quartic):
            factor = "" if t.factor == 1 else f"{t.factor:g} "
            brackets = " ".join("(" + " ".join(_scalar(n) for n in br) + ")" for br in t.brackets)
            lines.append(f"V ⊃ {factor}{_symbol(t.coupling)} {brackets} (+ h.c.)")
    return lines


def _symbol(p) -> str:
    return getattr(p, "symbol", str(p))


def _scalar(name: str) -> str:
    base, conj = split_conjugate(name)
    return f"{base}†" if conj else base
