"""Hook specifications for model plugins (the whole plugin contract).

A model plugin is a module (or object) registered under the entry-point group
``bridge.models``; the entry-point name is the model name used in
``Block BRIDGE`` entry 1. Its hooks are called for that plugin alone, with
keyword arguments; an implementation may accept any subset of them.

``bridge_model_info``, ``bridge_spectrum`` and ``bridge_wilson_coefficients``
are required; ``bridge_dipoles`` and ``bridge_neutrino_mass_matrix`` are
optional (a model without them has no lepton dipoles / massless neutrinos).
``bridge_batch_spectrum`` is an optional speed-up for ``bridge scan``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from bridge import PROJECT_NAME

if TYPE_CHECKING:
    import numpy as np

    from bridge.model import ModelInfo, ModelInputs, Spectrum
    from bridge.sm import SMInputs

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def bridge_model_info() -> ModelInfo:
    """Declare the model: name, one-line description, input blocks (entries with
    symbols, units, defaults), and the references its formulas come from."""


@hookspec(firstresult=True)
def bridge_spectrum(inputs: ModelInputs, sm: SMInputs) -> Spectrum:
    """Build the mass spectrum: diagonalise mass matrices, return masses (with
    the codes they get in Block MASS) and mixing matrices. ``Spectrum.data``
    may carry anything the other hooks need (e.g. couplings in the mass basis);
    a dict ``Spectrum.data["contributions"]`` of numbers (e.g. box and penguin
    parts of C9), filled by any hook, is written to the JSON output."""


@hookspec(firstresult=True)
def bridge_wilson_coefficients(spectrum: Spectrum, inputs: ModelInputs,
                               sm: SMInputs) -> dict[str, complex]:
    """Return the NP Wilson coefficients of the quark sector (b→sℓℓ, b→sνν,
    b→sγ/g, B_s mixing) in the WET ``flavio`` basis at the matching scale,
    as {coefficient name: complex value}."""


@hookspec(firstresult=True)
def bridge_dipoles(spectrum: Spectrum, inputs: ModelInputs, sm: SMInputs) -> dict[str, complex]:
    """Return the lepton dipole coefficients in the WET ``flavio`` basis
    (``C7_mumu`` for g−2, ``Cgamma_mue``/``Cgamma_emu`` for μ→eγ, ...)."""


@hookspec(firstresult=True)
def bridge_neutrino_mass_matrix(spectrum: Spectrum, inputs: ModelInputs,
                                sm: SMInputs) -> np.ndarray:
    """Return the 3×3 Majorana neutrino mass matrix in GeV, flavour basis,
    L ⊃ −½ ν̄^c m_ν ν (zero for models without neutrino masses)."""


@hookspec(firstresult=True)
def bridge_batch_spectrum(inputs: ModelInputs, sm: SMInputs) -> Spectrum | None:
    """Optional: the spectrum of N parameter points at once, for ``bridge scan``.

    ``inputs`` is a :class:`bridge.scan.batch.BatchInputs` (``inputs.size`` = N): each
    value is a number or an array of shape (N,), and ``vector``/``matrix`` give arrays
    (N, n) / (N, r, c) where an entry varies. Return a :class:`Spectrum` whose masses are
    arrays (N,), whose mixings are (N, ...) and whose ``data["sector"]`` is a
    :class:`bridge.engine.DarkSector` with a leading batch axis. The plugin's
    ``bridge_wilson_coefficients`` and ``bridge_dipoles`` (and, if implemented,
    ``bridge_neutrino_mass_matrix``) are then called with this spectrum and must return
    arrays of shape (N,) (and (N, 3, 3)); :mod:`bridge.engine` and :mod:`bridge.matching`
    do this by themselves. Raise (or return None) and the scan evaluates the points one
    by one with ``bridge_spectrum``; a plugin without this hook is always evaluated so."""
