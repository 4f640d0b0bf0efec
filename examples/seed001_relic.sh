#!/usr/bin/env bash
# Seed 001 (Cepedello, Escribano, Vicente, PRD 107 (2023) 035034): relic density of its inert
# doublet eta (examples/cards/scotogenic_eta_dm.slha: the benchmark with mu_1 = mu_2 = 0, the
# only way eta^0 is the lightest dark state in this description, see the card's header) as a
# function of m_eta1, with eta_2 decoupled. eta^0_R, eta^0_I and eta^+ coannihilate (they are
# degenerate up to lambda5 v^2); W+W-, ZZ, Z gamma, gamma gamma, W gamma, WZ and the lepton
# channels through N. bridge plot draws planes only, so the line is drawn by seed001_relic.py.
# About 2 min on 2 cores (25 points).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${TMPDIR:-/tmp}/bridge-seed-figures}"
mkdir -p "$out"
bridge scan examples/cards/scotogenic_eta_dm.slha --vary MINPAR:2:300:900:25 --dark-matter \
    --no-observables -o "$out/seed001_relic.db"
python3 examples/seed001_relic.py "$out/seed001_relic.db" "$out/seed001_relic.png"
