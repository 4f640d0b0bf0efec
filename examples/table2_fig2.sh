#!/usr/bin/env bash
# The seed's Fig. 2 (arXiv:2104.03228) for one row of each class of its Table II, with today's
# flavio likelihood instead of the 2021 fits:
#   class F: F_Ib in the (M_Psi, M_Psi') plane at cards/F_Ib.slha (the seed's own model and point:
#            Majorana singlet Psi + doublet Psi', M_Phi_q = 1.2 TeV, M_Phi_l = 600 GeV);
#   class S: S_Ib, its mirror (complex singlet mediator Phi + scalar doublet Phi', fermions Psi_q,
#            Psi_l), in the (M_Phi, M_Phi') plane at cards/S_Ib.slha (M_Psi_q = 1.2 TeV,
#            M_Psi_l = 600 GeV).
#   green:  (g-2)_mu within 1 sigma: the a_mu term of likelihood `flavio` (FNAL 2025 combination
#           with flavio 2.7.1's WP25 SM value: the anomaly of the seed's Eq. (1) is gone, so the
#           band sits where Delta a_mu is small)
#   orange: b->s mumu within 2 sigma (Delta chi2 <= 6.18, two parameters) of its best point in the
#           plane: likelihood `flavio-bsmumu` (R_K(*), Bs->mumu, b->s mumu branching ratios, P5')
#   dashed: Delta a_mu (one loop) of the seed's 251e-11 and its 1 sigma edges
#   dotted: mass of the dark-matter candidate [GeV]
# Not drawn (outside these likelihoods): relic density, direct detection, invisible widths.
# 12 x 12 points per plane (S_Ib from M_Phi = 50 GeV, M_Phi' = 200 GeV: below, a_H = 50 GeV makes
# the lightest neutral scalar tachyonic and the scan refuses the point). Measured on 2 cores
# shared with other jobs (load ~7): ~0.85 points/s, 3 min per plane plus 3-4 min of fast-path
# setup (the covariances of flavio-bsmumu ship with the package). At load ~9, with every point
# sent to flavio (main after the flavour merge: CVLL_ucuc was outside the fast path's
# variables), 0.15-0.17 points/s: 14-16 min per plane.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${TMPDIR:-/tmp}/bridge-table2-figures}"  # results files (not in the repository)
figures="examples/figures"
mkdir -p "$out" "$figures"

plane() {  # model, title, candidate state, lowest M_1, lowest M_2
    local model=$1 db="$out/table2_$1.db"
    bridge scan "cards/$model.slha" --vary "MINPAR:1:$4:1000:12" --vary "MINPAR:2:$5:2000:12" \
        --likelihood flavio --likelihood flavio-bsmumu --no-observables -o "$db"
    # 2 sigma for two parameters: Delta chi2 = 6.18 above the best point of the plane
    local cut
    cut=$(python -c "import sys, numpy as np; from bridge.scan.store import read
c = read(sys.argv[1], ['chi2:flavio-bsmumu'])['chi2:flavio-bsmumu']; print(np.nanmin(c) + 6.18)" "$db")
    # axis labels: the model's own symbols; legend below the axes (it covers no contour label)
    bridge plot "$db" -x MINPAR:1 -y MINPAR:2 \
        --allowed "chi2:flavio-bsmumu;lt=$cut;label=\$b\to s\mu\mu\$ at 2\$\sigma\$ (flavio-bsmumu: \$\Delta\chi^2 \leq 6.18\$);color=tab:orange;alpha=0.5" \
        --band "pull:flavio:a_mu;n=1;label=\$(g-2)_\mu\$ at 1\$\sigma\$ (flavio: FNAL 2025, WP25 SM);color=tab:green;alpha=0.45" \
        --contour "ol:Delta_a_mu;levels=1.92e-9,2.51e-9,3.1e-9;label=\$\Delta a_\mu = 251(59)\times10^{-11}\$ (seed Eq. 1);color=darkgreen;style=dashed" \
        --contour "mass:$3;levels=50,100,200,400,800;label=mass of the dark-matter candidate $3 [GeV];color=0.35;style=dotted" \
        --title "$2" -o "$figures/table2_$model.png"
}

plane F_Ib $'F_Ib (class F), the seed\'s Fig. 2 plane with today\'s flavio data\n$\\Gamma_s\\Gamma_b^* = -0.15$, $M_{\\Phi_q}$ = 1.2 TeV, $M_{\\Phi_\\ell}$ = 600 GeV, $\\lambda^H_L = 0.5$, $\\lambda^H_R = 0.3$' F0_1 20 100
plane S_Ib $'S_Ib (class S), its mirror, with today\'s flavio data\n$\\Gamma_s\\Gamma_b^* = -0.141$, $M_{\\Psi_q}$ = 1.2 TeV, $M_{\\Psi_\\ell}$ = 600 GeV, $a_H$ = 50 GeV' S0_1 50 200
