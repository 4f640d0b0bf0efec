"""The bridge from Python (a notebook, a script): one call, one result object.

    import bridge
    r = bridge.evaluate("F_Ib", MINPAR={1: 300, 2: 1000, 3: 1200, 4: 600, 5: 0.5, 6: 0.3},
                        GAMMAQIN={2: 0.3873, 3: -0.3873}, GAMMALIN={2: 2.0},
                        likelihoods=["seed2021"], constraints=["mu_egamma"])
    r.coefficients["C9_bsmumu"], r.one_loop["Delta_a_mu"], r.predictions[0].pull
    r.to_dataframe()                      # every number in one pandas table
    bridge.evaluate("cards/F_Ib.slha")    # a card...
    bridge.evaluate("cards/F_Ib.slha", MINPAR={1: 250})   # ... with entries changed

The inputs go through exactly what ``bridge run`` does (the card reader's checks, the model's
blocks and defaults, the sanity checks, the point pipeline, flavio, the measurement set), so a
dict that ``bridge run`` would refuse raises the same :class:`bridge.errors.InputError`,
naming block and entry. Blocks are keyword arguments named as on a card (any case); an entry
key is an int or a tuple of ints (``YNIN={(2, 1): 0.3}``); a complex value fills the block and
its ``IM`` block. ``scale`` is Block BRIDGE entry 2, ``SMINPUTS`` a block like the others.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

from bridge.errors import InputError

#: What to_dataframe returns: one row per number, with these columns.
COLUMNS = ("kind", "name", "value", "imag", "sm", "sigma", "central", "pull", "flag", "source")


@dataclass
class Result:
    """Everything computed for one point: see the attributes and :meth:`to_dataframe`."""

    point: object  # bridge.run.PointResult: spectrum, inputs, coefficients, predictions, ...
    likelihoods: list = field(default_factory=list)  # LikelihoodResult per likelihood

    # ---- what a user reads -----------------------------------------------------------
    @property
    def model(self) -> str:
        return self.point.model.name

    @property
    def coefficients(self) -> dict[str, complex]:
        """WET coefficients at the hand-over scale (flavio basis, NP only)."""
        return self.point.coefficients

    @property
    def one_loop(self) -> dict[str, float]:
        """Δa_μ, Δa_e and BR(μ→eγ) at one loop (matching scale)."""
        return self.point.one_loop

    @property
    def contributions(self) -> dict:
        """The box/penguin breakdown of C9, C10 and the split of Δa_μ."""
        return self.point.contributions

    @property
    def predictions(self) -> list:
        """The `bridge run` table: :class:`bridge.observables.Prediction` rows."""
        return self.point.predictions

    @property
    def masses(self) -> dict[str, float]:
        return {p.name: p.mass for p in self.point.spectrum.particles}

    @property
    def warnings(self) -> list[str]:
        return list(self.point.warnings)

    @property
    def flags(self) -> list[str]:
        """Observables outside their experimental limits (one-loop μ→eγ without predictions)."""
        return list(self.point.flags)

    @property
    def chi2(self) -> float:
        """The summed χ² of the likelihoods asked for."""
        return float(sum(r.chi2 for r in self.likelihoods))

    def prediction(self, label: str):
        """A row of the table by its label (``"R_K [1.1,6]"``) or flavio key (``"a_mu"``)."""
        for p in self.predictions:
            if label in (p.label, p.key, p.flavio_name):
                return p
        raise KeyError(f"no prediction {label!r} (have: {', '.join(p.label for p in self.predictions)})")

    # ---- tables ---------------------------------------------------------------------
    def rows(self) -> list[dict]:
        """The numbers as dicts with the keys :data:`COLUMNS`."""
        rows = []

        def add(kind, name, value, **kw):
            z = complex(value)
            rows.append({"kind": kind, "name": name, "value": z.real, "imag": z.imag, "sm": None,
                         "sigma": None, "central": None, "pull": None, "flag": None,
                         "source": "", **kw})

        for p in self.point.spectrum.particles:
            add("mass", p.name, p.mass, source=f"Block MASS {p.code} [GeV]")
        for name, v in sorted(self.coefficients.items()):
            add("coefficient", name, v, source=f"WET flavio basis at {self.point.scale:g} GeV")
        for name, v in sorted(self.contributions.items()):
            add("contribution", name, v)
        for name, v in self.one_loop.items():
            add("one loop", name, v, source="matching scale")
        for p in self.predictions:
            central = p.experiment.get("limit") if p.exp_central is None else p.exp_central
            add("observable", p.label, p.np, sm=p.sm, sigma=p.theory_error, central=central,
                pull=p.pull, flag=p.flag, source=p.measurement)
        for r in self.likelihoods:
            for t in r.terms:
                add("likelihood term", f"{r.name}: {t.name}",
                    t.prediction if t.prediction is not None else float("nan"), sm=t.sm,
                    sigma=t.sigma, central=t.central, pull=t.pull, source=t.source)
            add("likelihood", r.name, r.chi2, sm=r.chi2_sm, source=f"chi2; dof {r.dof}")
        return rows

    def to_dataframe(self, kind: str | None = None):
        """A pandas DataFrame of every number (columns :data:`COLUMNS`), or of one ``kind``:
        mass, coefficient, contribution, one loop, observable, likelihood term, likelihood."""
        import pandas as pd

        df = pd.DataFrame(self.rows(), columns=list(COLUMNS))
        if kind is not None:
            kinds = sorted(set(df["kind"]))
            if kind not in kinds:
                raise KeyError(f"no rows of kind {kind!r} (have: {', '.join(kinds)})")
            df = df[df["kind"] == kind].reset_index(drop=True)
        return df

    def report(self) -> str:
        """The text `bridge run` prints."""
        from bridge.cli import format_report
        from bridge.likelihoods.report import format_results

        text = format_report(self.point)
        return text + ("\n\n" + format_results(self.likelihoods) if self.likelihoods else "")

    def write(self, directory, stem: str | None = None) -> list[str]:
        """The SLHA, WCxf and JSON files of `bridge run`, written to ``directory``."""
        from bridge.output import output_texts, write_outputs

        self.point.likelihoods = self.likelihoods
        stem = stem or Path(str(self.point.card_path)).name.rsplit(".", 1)[0] or self.model
        return [str(p) for p in write_outputs(output_texts(self.point, stem), Path(directory))]

    def __repr__(self) -> str:
        chi2 = f", chi2 = {self.chi2:.4g}" if self.likelihoods else ""
        return (f"<bridge.Result {self.model} ({self.point.card_path}): {len(self.coefficients)} "
                f"coefficients, {len(self.predictions)} predictions{chi2}, "
                f"{len(self.flags)} outside experimental limits>")


def evaluate(model_or_card, /, *, predictions: bool = True, likelihoods=(), constraints=(),
             samples: int = 50, seed: int = 1, scale: float | None = None, pm=None,
             **blocks) -> Result:
    """Evaluate a model point (a registered model name with its blocks as keyword arguments,
    or a card path, optionally with entries changed) as ``bridge run`` does; see the module
    docstring. ``likelihoods``/``constraints``: names as in ``bridge likelihoods``."""
    from bridge.run import run_card

    card = _card(model_or_card, blocks, scale)
    lik = None
    if likelihoods or constraints:
        from bridge.likelihoods.registry import get_likelihoods

        names = [likelihoods] if isinstance(likelihoods, str) else list(likelihoods)
        cons = [constraints] if isinstance(constraints, str) else list(constraints)
        lik = get_likelihoods(names, cons)
    point = run_card(card, predictions=predictions, samples=samples, seed=seed, pm=pm)
    results = []
    if lik is not None:
        from bridge.likelihoods.base import evaluate_all
        from bridge.likelihoods.point import ModelPoint

        results = evaluate_all(lik, ModelPoint.from_result(point))
    return Result(point, results)


# ---------------------------------------------------------------------------
# a card from keyword arguments
# ---------------------------------------------------------------------------
def _is_card(x) -> bool:
    if isinstance(x, os.PathLike):
        return True
    text = str(x)
    return text.lower().endswith((".slha", ".spc", ".dat", ".txt")) or os.sep in text or \
        (os.path.isfile(text) and not text.isidentifier())


def _card(model_or_card, blocks: dict, scale):
    """A :class:`bridge.card.Card`: the card read from its file, or written from the blocks."""
    from bridge import card as cardmod

    if not isinstance(model_or_card, (str, os.PathLike)):
        raise TypeError("bridge.evaluate takes a model name or a card path, not "
                        f"{type(model_or_card).__name__}")
    values = {name.upper(): _entries(name.upper(), entries) for name, entries in blocks.items()}
    if scale is not None:
        values.setdefault("BRIDGE", {})[2] = _number("BRIDGE", 2, scale)
    if _is_card(model_or_card):
        card = cardmod.read_card(model_or_card)
        if not values:
            return card
        text = _slha({name: dict(card.block(name)) for name in card.blocks}, values)
        return _parse(text, f"{card.path} (with entries changed by bridge.evaluate)")
    if "BRIDGE" in values and 1 in values["BRIDGE"]:
        raise InputError("give the model as the first argument, not as BRIDGE entry 1")
    values.setdefault("BRIDGE", {})[1] = str(model_or_card)
    return _parse(_slha({}, values), f"{model_or_card} parameters (bridge.evaluate)")


def _entries(block: str, entries) -> dict:
    if not isinstance(entries, dict):
        raise InputError(f"block {block}: give a dict of entry -> value, e.g. {block}={{1: 300}}")
    out = {}
    for key, value in entries.items():
        if isinstance(key, tuple) and all(isinstance(k, int) and not isinstance(k, bool) for k in key):
            pass
        elif not isinstance(key, int) or isinstance(key, bool):
            raise InputError(f"block {block}: entry key {key!r} is not an int or a tuple of ints")
        out[key] = _number(block, key, value)
    return out


def _number(block: str, key, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        if not (block == "BRIDGE" and key == 1 and isinstance(value, str)):
            raise InputError(f"not a number: {value!r}", file="bridge.evaluate", block=block,
                             entry=key)
    return value


def _slha(base: dict, changes: dict) -> str:
    """SLHA text of ``base`` blocks with ``changes`` applied (complex values split into the
    block and its IM block)."""
    blocks = {name: dict(entries) for name, entries in base.items()}
    for name, entries in changes.items():
        for key, value in entries.items():
            if isinstance(value, complex):
                blocks.setdefault(name, {})[key] = value.real
                blocks.setdefault("IM" + name, {})[key] = value.imag
            else:
                blocks.setdefault(name, {})[key] = value
    lines = []
    for name, entries in blocks.items():
        lines.append(f"Block {name}")
        for key, value in entries.items():
            text = value if isinstance(value, str) else repr(float(value))
            if key is None:  # an unindexed block: its one value
                lines.append(f"  {text}")
                continue
            keys = " ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
            lines.append(f"  {keys}  {text}")
    return "\n".join(lines) + "\n"


def _parse(text: str, label: str):
    """The card of ``text`` through the reader's own checks, named ``label`` in messages."""
    import tempfile

    from bridge import card as cardmod

    with tempfile.TemporaryDirectory(prefix="bridge-evaluate-") as tmp:
        path = Path(tmp) / "card.slha"
        path.write_text(text, encoding="utf-8")
        try:
            card = cardmod.read_card(path)
        except InputError as exc:
            raise InputError(exc.message, file=label, block=exc.block, entry=exc.entry) from None
    card.path = label
    return card
