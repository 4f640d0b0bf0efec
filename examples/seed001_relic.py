"""Draw Ωh² of the seed-001 eta candidate against m_eta1 from a `bridge scan --dark-matter`
results file (examples/seed001_relic.sh): the Planck band, the 10% theory error of the ``relic``
likelihood around the curve, and where the card's charged singlet φ⁺ (m_φ, Block MINPAR 5)
joins the bath (m_η ≥ m_φ/1.2) or becomes the lightest dark state (no candidate)."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bridge.card import read_card
from bridge.darkmatter.relic import WINDOW
from bridge.scan import store

CARD = Path(__file__).resolve().parent / "cards" / "scotogenic_eta_dm.slha"


def main(results: str, out: str) -> None:
    d = store.read(results, ["par:MINPAR:2", "dm:omega_h2"])
    order = np.argsort(d["par:MINPAR:2"])
    m, omega = d["par:MINPAR:2"][order], d["dm:omega_h2"][order]
    m_phi = float(read_card(CARD).blocks["MINPAR"][5])
    ok = np.isfinite(omega)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.axhspan(0.119, 0.121, color="#D55E00", alpha=0.5, label=r"Planck 2018: $0.120 \pm 0.001$")
    ax.fill_between(m[ok], 0.9 * omega[ok], 1.1 * omega[ok], color="#0072B2", alpha=0.2,
                    label="±10% theory error (relic likelihood)")
    ax.plot(m[ok], omega[ok], "o-", color="#0072B2", ms=4,
            label=r"$\eta^0$ ($\eta^0_R$, $\eta^0_I$, $\eta^\pm$ coannihilating)")
    ax.axvspan(m_phi / (1 + WINDOW), m_phi, color="0.85", zorder=0,
               label=rf"$\phi^\pm$ ($m_\phi$ = {m_phi:g} GeV) within 20%: coannihilates")
    ax.axvspan(m_phi, max(m.max(), m_phi) + 25, color="0.6", zorder=0,
               label=r"$m_{\eta_1} > m_\phi$: $\phi^\pm$ lightest, no candidate")
    ax.set_xlim(m.min() - 25, m.max() + 25)
    ax.set_ylim(0, 1.15 * np.nanmax(omega))
    ax.set_xlabel(r"$m_{\eta_1}$ [GeV]")
    ax.set_ylabel(r"$\Omega h^2$")
    ax.set_title(r"Seed 001: inert doublet $\eta$ as dark matter ($\mu_{1,2} = 0$, $m_{\eta_2}$ = 1.2 TeV)",
                 fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    print(f"written: {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
