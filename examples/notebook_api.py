# %% [markdown]
# # The bridge from a notebook
#
# `bridge.evaluate` runs a model point exactly as `bridge run` does (same checks, same
# pipeline, same flavio predictions and measurements) and returns one result object.
# Each `# %%` block is a notebook cell (Jupyter, VS Code); the whole file also runs as a script:
# `python examples/notebook_api.py` (tests/test_api.py runs it).

# %%
from pathlib import Path

import bridge

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd()
card = ROOT / "cards" / "F_Ib.slha"

# %% [markdown]
# ## A card, with likelihoods and constraint terms
# `likelihoods` are the names of `bridge likelihoods`; `constraints` add single terms
# (here μ→eγ, b→sγ and B_s mixing to the seed's own χ²).

# %%
r = bridge.evaluate(card, likelihoods=["seed2021"], constraints=["mu_egamma", "bsgamma", "deltams"])
print(r)
print("C9_bsmumu =", r.coefficients["C9_bsmumu"])
print("Delta a_mu (one loop) =", r.one_loop["Delta_a_mu"])
print("R_K [1.1,6] =", r.prediction("R_K [1.1,6]").np, "pull", round(r.prediction("R_K [1.1,6]").pull, 2))
print("chi2 =", r.chi2)
print("outside the experimental limits:", *r.flags, sep="\n  ")

# %% [markdown]
# ## Everything as one pandas table
# One row per number: `kind` is mass, coefficient, contribution, one loop, observable,
# likelihood term or likelihood.

# %%
df = r.to_dataframe()
print(df.groupby("kind").size())
print(r.to_dataframe("observable")[["name", "value", "sigma", "central", "pull", "flag"]].to_string())
print(r.to_dataframe("likelihood term")[["name", "value", "central", "sigma", "pull"]].to_string())

# %% [markdown]
# ## A model from a dict of parameters (no card file)
# Blocks are keyword arguments named as on a card; entries the model gives defaults may be
# left out. The same point as the card gives the same coefficients.

# %%
params = dict(MINPAR={1: 200, 2: 1000, 3: 1200, 4: 600, 5: 0.5, 6: 0.3},
              GAMMAQIN={2: 0.387298335, 3: -0.387298335}, GAMMALIN={2: 2.0}, GAMMAEIN={2: -0.08})
p = bridge.evaluate("F_Ib", predictions=False, **params)
same = bridge.evaluate(card, predictions=False)
assert abs(p.coefficients["C9_bsmumu"] - same.coefficients["C9_bsmumu"]) < 1e-12
print(p, p.masses["F0_1"])

# %% [markdown]
# ## A quick line scan: Δa_μ and the seed2021 χ² along M_Ψ'
# (`bridge scan` is the tool for grids: vectorised, resumable, plotted by `bridge plot`.)

# %%
rows = []
for m_psi_prime in (400, 600, 800, 1000, 1400):
    changed = dict(params, MINPAR={**params["MINPAR"], 2: m_psi_prime})
    q = bridge.evaluate("F_Ib", predictions=False, likelihoods=["seed2021"], **changed)
    rows.append((m_psi_prime, q.one_loop["Delta_a_mu"], q.chi2))
for m, amu, chi2 in rows:
    print(f"M_Psi' = {m:5d} GeV: Delta a_mu = {amu:.3e}, chi2(seed2021) = {chi2:.2f}")
assert rows[0][1] > rows[-1][1] > 0  # Δa_μ falls as the doublet decouples

# %% [markdown]
# ## Bad input is one clear error, as on the command line

# %%
try:
    bridge.evaluate("F_Ib", MINPAR={1: 200})
except bridge.errors.InputError as exc:
    print("refused:", exc)
