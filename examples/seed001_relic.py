"""Draw Ωh² of the seed-001 eta candidate against m_eta1 from a `bridge scan --dark-matter`
results file (examples/seed001_relic.sh): the Planck band, and the 10% theory error of the
``relic`` likelihood around the curve."""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bridge.scan import store


def main(results: str, out: str) -> None:
    d = store.read(results, ["par:MINPAR:2", "dm:omega_h2"])
    order = np.argsort(d["par:MINPAR:2"])
    m, omega = d["par:MINPAR:2"][order], d["dm:omega_h2"][order]
    fig, ax = plt.subplots(figsize=(6.0, 4.4))
    ax.axhspan(0.119, 0.121, color="tab:red", alpha=0.35, label="Planck 2018: 0.120 ± 0.001")
    ax.fill_between(m, 0.9 * omega, 1.1 * omega, color="tab:blue", alpha=0.2, label="±10% theory error")
    ax.plot(m, omega, "o-", color="tab:blue", label="η⁰ (η⁰_R, η⁰_I, η± coannihilating)")
    ax.set_xlabel("m_η1 [GeV]")
    ax.set_ylabel("Ωh²")
    ax.set_title("seed 001, inert doublet η as dark matter (μ = 0)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    print(f"written: {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
