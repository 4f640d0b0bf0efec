"""The README's models table: every shipped model at its benchmark card, computed.

For each model (the 18 rows of arXiv:2104.03228 Table II, then the scotogenic model) the card
cards/<model>.slha is run as `bridge run` does: C9_bsmumu, C10_bsmumu, C7_bs at the hand-over
scale (160 GeV, NP only), ΔM_s/ΔM_s^SM from flavio's prediction with these coefficients, the
one-loop Δa_μ, the dark-matter candidate (bridge.sanity.dark_matter_candidate: the lightest
dark state if neutral and colourless, with its kind, mass and multiplet shares) and its relic
density Ωh² from bridge.darkmatter (freeze-out with coannihilation; "≥" where channels it does
not implement are open, then Ωh² is an upper estimate). The cards are not tuned to Ωh². Prints the
markdown table; ``--update README.md`` replaces the table between the markers
``<!-- models-table:begin -->`` and ``<!-- models-table:end -->``.

    python examples/table2_table.py [--update README.md]

About 3 min (flavio: one ΔM_s prediction per card, SM uncertainties from 2 draws, cached;
the scotogenic relic density with its many coannihilating scalars takes most of it).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from bridge.run import run_card
from bridge.sanity import dark_matter_candidate
from bridge_plugins._table2 import ROWS

ROOT = Path(__file__).resolve().parents[1]
MODELS = [f"{cls}_{row}" for cls in "FS" for row in ROWS] + ["scotogenic"]
BEGIN, END = "<!-- models-table:begin -->", "<!-- models-table:end -->"


def candidate_text(spectrum) -> str:
    c = dark_matter_candidate(spectrum)
    if c is None:
        return "none: lightest state charged or coloured"
    kind = {"Majorana fermion": "Majorana", "Dirac fermion": "Dirac", "real scalar": "real scalar",
            "complex scalar": "complex scalar"}[c.kind]
    shares = sorted(c.composition.items(), key=lambda kv: -kv[1])
    mix = ", ".join(f"{100 * w:.0f}% {name}" for name, w in shares if w >= 0.005)
    return f"{c.name}, {kind}, {c.mass:.0f} GeV ({mix})"


def relic_text(dm) -> str:
    if not dm or dm.get("omega_h2") is None or not math.isfinite(dm["omega_h2"]):
        return "–"
    missing = dm.get("missing")
    return ("≥ " if missing else "") + f"{dm['omega_h2']:.3g}"


def row(name: str) -> str:
    result = run_card(str(ROOT / "cards" / f"{name}.slha"), predictions=True, samples=2,
                      dark_matter=True)
    wc = result.coefficients
    dms = next(p for p in result.predictions if p.flavio_name == "DeltaM_s")
    cells = [f"`{name}`", f"{wc.get('C9_bsmumu', 0j).real:+.3f}", f"{wc.get('C10_bsmumu', 0j).real:+.3f}",
             f"{wc.get('C7_bs', 0j).real:+.2e}", f"{dms.np / dms.sm:.3f}",
             f"{result.one_loop['Delta_a_mu']:.2e}", candidate_text(result.spectrum),
             relic_text(result.dark_matter)]
    return "| " + " | ".join(cells) + " |"


def table() -> str:
    head = ["| model | C9_bsmumu | C10_bsmumu | C7_bs | ΔM_s/SM | Δa_μ (1 loop) "
            "| DM candidate (lightest state) | Ωh² |", "|---|---|---|---|---|---|---|---|"]
    return "\n".join(head + [row(name) for name in MODELS])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", metavar="README", help="replace the table in this file")
    args = parser.parse_args(argv)
    text = table()
    print(text)
    if args.update:
        path = Path(args.update)
        readme = path.read_text()
        start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
        path.write_text(readme[:start] + "\n" + text + "\n" + readme[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
