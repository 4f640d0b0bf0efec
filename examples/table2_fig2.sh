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
#   filled: b->s mumu within 2 sigma (Delta chi2 <= 6.18, two parameters) of its best point in the
#           plane: likelihood `flavio-bsmumu` (R_K(*), Bs->mumu, b->s mumu branching ratios, P5')
#   dashed: Delta a_mu (one loop) of the seed's 251e-11 and its 1 sigma edges
#   dotted: mass of the dark-matter candidate [GeV]
# Not drawn (outside these likelihoods): relic density, direct detection, invisible widths.
# 12 x 12 points per plane; ~6 min per plane on 2 busy cores (about 11 min more the first time:
# the covariances of flavio-bsmumu are computed once and cached), see the README.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${TMPDIR:-/tmp}/bridge-table2-figures}"  # results files (not in the repository)
figures="examples/figures"
mkdir -p "$out" "$figures"

plane() {  # model, x label, y label, title, candidate state
    local model=$1
    bridge scan "cards/$model.slha" --vary MINPAR:1:20:1000:12 --vary MINPAR:2:100:2000:12 \
        --likelihood flavio --likelihood flavio-bsmumu --no-observables -o "$out/table2_$model.db"
    bridge plot "$out/table2_$model.db" -x MINPAR:1 -y MINPAR:2 --chi2 chi2:flavio-bsmumu --sigmas 2 \
        --band "pull:flavio:a_mu;n=1;label=(g−2)_μ at 1σ (flavio: FNAL 2025, WP25 SM);color=tab:green;alpha=0.5" \
        --contour "ol:Delta_a_mu;levels=1.92e-9,2.51e-9,3.1e-9;label=Δa_μ = 251(59)e-11 (seed Eq. 1);color=tab:green;style=dashed" \
        --contour "mass:$5;levels=50,100,200,400,800;label=m($5) [GeV];color=0.35;style=dotted" \
        --xlabel "$2" --ylabel "$3" --legend "upper left" --title "$4" -o "$figures/table2_$model.png"
}

plane F_Ib "M_Ψ [GeV]" "M_Ψ' [GeV]" \
    "F_Ib, b→sμμ at 2σ (filled, flavio today): Γ_sΓ_b* = −0.15, M_Φq = 1.2 TeV, M_Φℓ = 600 GeV" F0_1
plane S_Ib "M_Φ [GeV]" "M_Φ' [GeV]" \
    "S_Ib, b→sμμ at 2σ (filled, flavio today): Γ_sΓ_b* = −0.141, M_Ψq = 1.2 TeV, M_Ψℓ = 600 GeV" S0_1
