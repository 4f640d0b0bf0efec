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


#: Labels of the one-loop, observable and likelihood-term columns (mathtext), by column name
#: without prefix (and without a q² bin, which is appended): the `bridge run` observables and
#: the terms of the seed likelihoods.
QUANTITIES = {
    "Delta_a_mu": r"$\Delta a_\mu$", "Delta_a_e": r"$\Delta a_e$", "a_mu": r"$a_\mu$",
    "a_e": r"$a_e$", "a_tau": r"$a_\tau$",
    "BR_mu_egamma": r"BR$(\mu\to e\gamma)$", "BR(mu->egamma)": r"BR$(\mu\to e\gamma)$",
    "<Rmue>(B+->Kll)": r"$R_K$", "<Rmue>(B0->K*ll)": r"$R_{K^*}$",
    "BR(B->Xsgamma)": r"BR$(B\to X_s\gamma)$", "DeltaM_s": r"$\Delta M_s$ [GeV]",
    "BR(Bs->mumu)": r"BR$(B_s\to\mu^+\mu^-)$", "BR(B+->Knunu)": r"BR$(B^+\to K^+\nu\bar\nu)$",
    "BR(B0->K*nunu)": r"BR$(B^0\to K^{*0}\nu\bar\nu)$",
    "BR(mu->eee)": r"BR$(\mu\to 3e)$", "BR(tau->mugamma)": r"BR$(\tau\to\mu\gamma)$",
    "BR(tau->egamma)": r"BR$(\tau\to e\gamma)$", "BR(tau->mumumu)": r"BR$(\tau\to 3\mu)$",
    "BR(tau->eee)": r"BR$(\tau\to 3e)$", "CR(mu->e, Au)": r"CR$(\mu\to e$, Au$)$",
    "CR(mu->e, Al)": r"CR$(\mu\to e$, Al$)$", "CR(mu->e, Ti)": r"CR$(\mu\to e$, Ti$)$",
    "DeltaM_d": r"$\Delta M_d$ [GeV]", "S_psiK": r"$S_{\psi K_S}$",
    "BR(B0->mumu)": r"BR$(B^0\to\mu^+\mu^-)$", "<dBR/dq2>(B+->pimumu)": r"$dBR/dq^2(B^+\to\pi^+\mu^+\mu^-)$",
    "eps_K": r"$\epsilon_K$", "DeltaM_K": r"$\Delta M_K$ [GeV]",
    "BR(K+->pinunu)": r"BR$(K^+\to\pi^+\nu\bar\nu)$", "BR(KL->pinunu)": r"BR$(K_L\to\pi^0\nu\bar\nu)$",
    "x12Im_D": r"Im $x_{12}^D$", "R_e": r"$R_e$", "R_mu": r"$R_\mu$", "R_tau": r"$R_\tau$",
    # likelihood terms (bridge/data/seed_likelihoods.yml)
    "C9_mu=-C10_mu": r"$C_9^\mu = -C_{10}^\mu$", "C9V_mu": r"$C_{9,\mu}^V$",
    "C10V_mu": r"$C_{10,\mu}^V$", "C9U": r"$C_9^U$", "C10U": r"$C_{10}^U$",
}


def quantity_label(name: str) -> str:
    """``<Rmue>(B+->Kll) [1.1,6]`` → ``$R_K$ [1.1, 6]``; a name without a label stays as it is."""
    base, bin_ = name, ""
    if name.endswith("]") and " [" in name:
        base, _, rest = name.rpartition(" [")
        bin_ = " [" + rest[:-1].replace(",", ", ") + "]"
    label = QUANTITIES.get(base)
    return label + bin_ if label else name


def column_label(model, column: str) -> str:
    """The label of a results column: the model's symbols for ``par:`` and ``in:`` columns,
    mathtext for known observables and likelihood terms, masses as ``m(F0_1) [GeV]``, else the
    name."""
    prefix, _, name = column.partition(":")
    if prefix in ("par", "in") and model is not None:
        label = parameter_label(model, name)
        if label:
            return label
    if prefix in ("ol", "obs"):
        return quantity_label(name)
    if prefix == "pull":
        return quantity_label(name.split(":", 1)[-1])
    if prefix == "mass":
        return f"m({name}) [GeV]"
    return name
