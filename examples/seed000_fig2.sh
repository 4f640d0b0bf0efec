#!/usr/bin/env bash
# Seed 000 (Arcadi, Calibbi, Fedele, Mescia, PRL 127 (2021) 061802, arXiv:2104.03228), Fig. 2:
# model F_Ib in the (M_Psi, M_Psi') plane at the benchmark of cards/F_Ib.slha
# (Gamma_s Gamma_b^* = -0.15, i.e. the seed's +0.15, M_Phi_q = 1.2 TeV, M_Phi_l = 600 GeV,
# lambda_L = 0.5, lambda_R = 0.3, Gamma^L_mu = 2, Gamma^E_mu = -0.08).
#   green:  Delta a_mu within 1 sigma of 251(59)e-11 (the seed's Eq. 1; likelihood seed2021)
#   orange: C9_mu = -C10_mu within 2 sigma of the 2021 fit, -0.39 +- 0.07 (seed2021)
#   dashed: mass of the dark-matter candidate F0_1 [GeV]
# Not drawn (outside the bridge): relic density, XENON1T, invisible Higgs and Z widths.
# About 1.5 min on 2 cores the first time (the fast path is built and cached), seconds after.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${TMPDIR:-/tmp}/bridge-seed-figures}"  # results files and PNGs (not in the repository)
mkdir -p "$out"
bridge scan cards/F_Ib.slha --vary MINPAR:1:10:1000:120 --vary MINPAR:2:100:2000:120 \
    --likelihood seed2021 -o "$out/seed000_fig2.db"
# axis labels are the model's own symbols; the legend sits below the axes
bridge plot "$out/seed000_fig2.db" -x MINPAR:1 -y MINPAR:2 \
    --band 'pull:seed2021:Delta_a_mu;n=1;label=$(g-2)_\mu$ at 1$\sigma$ (251 ± 59)$\times10^{-11}$;color=#009E73;alpha=0.55' \
    --band 'pull:seed2021:C9_mu=-C10_mu;n=2;label=$b\to s\mu\mu$: $C_9 = -C_{10}$ at 2$\sigma$ (2021 fit);color=#E69F00;alpha=0.5' \
    --contour 'mass:F0_1;levels=50,100,200,300,500,800;label=mass of the dark-matter candidate $F^0_1$ [GeV];color=0.35;style=dotted' \
    --title 'F_Ib (seed 000 Fig. 2): $\Gamma_s\Gamma_b^* = -0.15$, $M_{\Phi_q}$ = 1.2 TeV, $M_{\Phi_\ell}$ = 600 GeV' \
    -o "$out/seed000_fig2.png"
