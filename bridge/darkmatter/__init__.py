"""Dark matter from the DarkSector: freeze-out relic density with coannihilation, direct
detection and invisible Higgs and Z widths (issue 15).

Public entry points (``bridge run`` prints their summary, :mod:`.summary`; scans store it with
``--dark-matter``; the ``relic`` likelihood term reads it):

* :func:`relic_density` (sector, sm) → :class:`RelicResult` (Ωh², x_f, channel shares, the
  coannihilating states and the channels not implemented), :func:`relic_density_batch`;
* :func:`direct_detection` (sector, sm, method) → :class:`DirectResult` (SI/SD per nucleon,
  exclusion ratios against LZ 2024 / XENONnT 2025; native tree level or through DirectDM,
  :mod:`.directdm_handover`);
* :func:`invisible_widths` (sector, sm) → :class:`InvisibleResult`;
* :func:`relic_loglikelihood`, :func:`relic_chi2` (the ``relic`` term).

Modules: thermo (SM g_eff, h_eff), helicity (spinors), annihilation (F F, S S → f f̄', γγ:
amplitudes → W_ij), bosons (two-boson final states), coloured (coloured and fermion–scalar
pairs), samesign (f f', f̄ f̄' of two dark particles), sommerfeld (gluon-exchange factors of
coloured pairs), pairs (channel selection), freezeout (thermal average, Boltzmann equation),
relic (species, bath, result), direct, directdm_handover (the optional DirectDM chain),
invisible, limits, likelihood, summary, constants (inputs beyond bridge.sm.SMInputs).
"""

from bridge.darkmatter.direct import DirectResult, direct_detection
from bridge.darkmatter.invisible import InvisibleResult, invisible_widths
from bridge.darkmatter.likelihood import relic_chi2, relic_loglikelihood
from bridge.darkmatter.relic import RelicResult, relic_density, relic_density_batch

__all__ = ["DirectResult", "InvisibleResult", "RelicResult", "direct_detection", "invisible_widths",
           "relic_chi2", "relic_density", "relic_density_batch", "relic_loglikelihood"]
