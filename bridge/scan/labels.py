"""Axis and legend labels in matplotlib mathtext, from a model's own symbols.

A scan parameter ``par:MINPAR:2`` of F_Ib is the mass parameter of the field Ψ', whose
description carries the mathtext symbol ``\\Psi'``: its label is ``$M_{\\Psi'}$ [GeV]``. A
coupling has only its text symbol (``Gamma^Q_2``, ``lambda_L^H``, ``Y_S_2``, ``sin_theta``),
which :func:`mathtext` converts (``$\\Gamma^Q_2$``, ``$\\lambda_L^H$``, ``$(Y_S)_2$``,
``$\\sin\\theta$``). Every label is checked with matplotlib's own mathtext parser; a symbol
it cannot typeset is shown as plain text rather than breaking the figure.
"""

from __future__ import annotations

import re

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
         "omega")
FUNCTIONS = ("sin", "cos", "tan", "log", "ln", "exp")
_TOKEN = re.compile(r"^([A-Za-z]+)(\d*)('*)$")


def _greek(word: str) -> str:
    """``lambda`` → ``\\lambda``, ``Gamma`` → ``\\Gamma``, ``eta1`` → ``\\eta_1``, ``Psi'`` → ``\\Psi'``."""
    m = _TOKEN.match(word)
    if not m:
        return word
    name, digits, primes = m.groups()
    if name.lower() in GREEK and (name.islower() or (name[0].isupper() and name[1:].islower())):
        base = "\\" + name
    elif name in ("l", "ell"):
        base = "\\ell"
    else:
        base = name
    if digits:
        return f"{base}{primes}_{{{digits}}}" if base != name else f"{name}{digits}{primes}"
    return base + primes


def mathtext(symbol: str) -> str:
    """A text symbol of a card entry (``Gamma^Q_2``) as mathtext without the dollar signs."""
    parts = re.split(r"([_^])", symbol.strip())
    base, rest = parts[0], parts[1:]
    if base in FUNCTIONS and len(rest) >= 2 and rest[0] == "_":
        return f"\\{base}{mathtext(''.join(rest[1:]))}"
    power = re.fullmatch(r"(sin|cos|tan)(\d)", base)  # sin2_theta12: sin^2 theta_12
    if power and len(rest) >= 2 and rest[0] == "_":
        return f"\\{power[1]}^{power[2]}{mathtext(''.join(rest[1:]))}"
    if base == "Delta" and len(rest) >= 2 and rest[0] == "_":  # Delta_m2_21: a difference
        return f"\\{base} {mathtext(''.join(rest[1:]))}"
    if re.fullmatch(r"m\d", base):  # m2: a mass squared
        base = f"m^{base[1]}"
    text = _greek(base)
    subs, sups = [], []
    for op, token in zip(rest[::2], rest[1::2], strict=False):
        token = token.strip("{}")
        if token:
            (subs if op == "_" else sups).append(_greek(token) if _TOKEN.match(token) else token)
    # a second subscript (the flavour index of Y_S_2) indexes the first: (Y_S)_2
    indexed = "_" in text  # lambda5 -> \lambda_{5} already has one
    for sub in subs:
        if indexed:
            text = f"({text})"
        text += f"_{{{sub}}}"
        indexed = True
    for sup in sups:
        text += f"^{{{sup}}}"
    return text


def valid(tex: str) -> bool:
    """Whether matplotlib's mathtext typesets ``$tex$`` (matplotlib is imported here)."""
    try:
        from matplotlib.mathtext import MathTextParser

        MathTextParser("path").parse(f"${tex}$")
    except Exception:
        return False
    return True


def _field_symbols(model) -> dict[tuple[str, object], tuple[str, str]]:
    """(block, key) of a field's mass parameter → (mathtext of the field, text symbol)."""
    desc = getattr(model, "description", None)
    out = {}
    for f in getattr(desc, "fields", ()) or ():
        if f.symbol:
            out[(f.mass.block.upper(), f.mass.key)] = (f.symbol, f.mass.symbol)
    return out


def _key(text: str):
    if "," in text:
        return tuple(int(t) for t in text.split(","))
    return int(text) if text.lstrip("-").isdigit() else text


def parameter_label(model, name: str) -> str | None:
    """``$M_{\\Psi'}$ [GeV]`` for ``MINPAR:2`` of F_Ib; ``$(Y_S)_2\\,(Y_S)_3$`` for the product
    ``YSIN:2*YSIN:3``; ``Im $\\mu_1$ [GeV]`` for ``IMMUIN:1``; None if an entry is unknown."""
    info = model.info()
    fields = _field_symbols(model)
    texts, units = [], set()
    for factor in name.split("*"):
        block, _, key = factor.partition(":")
        block = block.upper()
        spec = info.block(block) or next((b for b in info.blocks if b.imaginary == block), None)
        if spec is None:
            return None
        try:
            entry = spec.entry(_key(key))
        except (ValueError, TypeError):
            return None
        if entry is None:
            return None
        field = fields.get((spec.name, entry.key))
        if field is not None:
            letter = entry.symbol[:1] if entry.symbol[:1] in "Mm" else "M"
            tex = f"{letter}_{{{field[0]}}}"
        else:
            tex = mathtext(entry.symbol)
        if not valid(tex):
            tex = None
        body = f"${tex}$" if tex else entry.symbol
        texts.append(("Im " if spec.name != block else "") + body)
        if entry.unit:
            units.add(entry.unit)
    text = r" $\times$ ".join(texts) if len(texts) > 1 else texts[0]
    if len(texts) > 1 and all(t.startswith("$") for t in texts):
        text = "$" + r"\,".join(t.strip("$") for t in texts) + "$"
    if len(units) == 1 and len(texts) == 1:
        unit = units.pop()
        text += f" [{_unit(unit)}]"
    return text


def _unit(unit: str) -> str:
    """``eV^2`` → ``eV$^2$``; plain units stay as they are."""
    if "^" in unit:
        base, _, power = unit.partition("^")
        return f"{base}$^{{{power}}}$"
    return unit


#: Labels of the one-loop and observable columns (mathtext), by column name without prefix.
QUANTITIES = {
    "Delta_a_mu": r"$\Delta a_\mu$", "Delta_a_e": r"$\Delta a_e$",
    "BR_mu_egamma": r"BR$(\mu\to e\gamma)$", "BR(mu->egamma)": r"BR$(\mu\to e\gamma)$",
    "BR(B->Xsgamma)": r"BR$(B\to X_s\gamma)$", "DeltaM_s": r"$\Delta M_s$ [GeV]",
    "BR(Bs->mumu)": r"BR$(B_s\to\mu^+\mu^-)$", "BR(B+->Knunu)": r"BR$(B^+\to K^+\nu\bar\nu)$",
    "BR(B0->K*nunu)": r"BR$(B^0\to K^{*0}\nu\bar\nu)$", "a_mu": r"$a_\mu$",
}


def column_label(model, column: str) -> str:
    """The label of a results column: the model's symbols for ``par:`` and ``in:`` columns,
    mathtext for known observables, masses as ``m(F0_1) [GeV]``, else the name."""
    prefix, _, name = column.partition(":")
    if prefix in ("par", "in") and model is not None:
        label = parameter_label(model, name)
        if label:
            return label
    if prefix in ("ol", "obs") and name in QUANTITIES:
        return QUANTITIES[name]
    if prefix == "mass":
        return f"m({name}) [GeV]"
    return name
