"""Hook specifications for model plugins: the whole plugin contract, in one place.

A model plugin is a module (or object) registered under the entry-point group
``bridge.models``; the entry-point name is the model name used in ``Block BRIDGE`` entry 1.
Its hooks are called for that plugin alone, with keyword arguments; an implementation may
accept any subset of them. :mod:`bridge.plugins` validates every plugin when it registers
(hook names, the description, unique names and MASS codes) and leaves a broken one out with
one warning line.

Two kinds of plugins:

**Described models** (the usual case) implement ``bridge_model_description`` and nothing
else: the core builds the card interface, the spectrum, the couplings in the mass basis and
every coefficient from the :class:`bridge.fields.ModelDescription`, for single points and
for batches. A model with a part of its own adds ``bridge_derived_parameters`` (couplings
computed from the card, e.g. a Casas–Ibarra Yukawa matrix) and
``bridge_neutrino_mass_matrix``.

**Hand-written models** (what a description cannot hold) implement ``bridge_model_info`` and
``bridge_spectrum`` and return a :class:`bridge.model.Spectrum` whose ``sector`` is a
:class:`bridge.engine.DarkSector` (with ``z`` set: the Z penguin needs it); the core then
computes the coefficients from the sector, or the plugin implements
``bridge_wilson_coefficients``/``bridge_dipoles`` itself. ``bridge_batch_spectrum`` is an
optional speed-up for scans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from bridge import PROJECT_NAME

if TYPE_CHECKING:
    import numpy as np

    from bridge.fields import ModelDescription
    from bridge.model import ModelInfo, ModelInputs, Spectrum
    from bridge.sm import SMInputs

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def bridge_model_description() -> ModelDescription:
    """The model as data: fields, Yukawa terms, Higgs-induced mixings, card parameters."""


@hookspec(firstresult=True)
def bridge_derived_parameters(inputs: ModelInputs, sm: SMInputs) -> dict:
    """Described models only: values of the description's :class:`bridge.fields.Derived`
    couplings, {name: array}, computed from the card (the model's own physics, e.g.
    Casas–Ibarra). For a batch, ``inputs`` is a :class:`bridge.model.BatchInputs` and
    each value carries a leading axis (N,). Raise :class:`bridge.errors.InputError` for
    inputs the model refuses (naming block and entry)."""


@hookspec(firstresult=True)
def bridge_model_info() -> ModelInfo:
    """Hand-written models: name, one-line description, input blocks (entries with symbols,
    units, defaults), and the references the formulas come from."""


@hookspec(firstresult=True)
def bridge_spectrum(inputs: ModelInputs, sm: SMInputs) -> Spectrum:
    """Hand-written models: masses (with their Block MASS codes), mixing matrices and, in
    ``Spectrum.sector``, the engine's DarkSector in the mass basis."""


@hookspec(firstresult=True)
def bridge_batch_spectrum(inputs: ModelInputs, sm: SMInputs) -> Spectrum | None:
    """Hand-written models, optional: the spectrum of N points at once (``bridge scan``).

    ``inputs`` is a :class:`bridge.model.BatchInputs` (``inputs.size`` = N); return a
    Spectrum whose masses are arrays (N,) and whose sector has a leading batch axis, or None
    to have the points evaluated one by one."""


@hookspec(firstresult=True)
def bridge_wilson_coefficients(spectrum: Spectrum, inputs: ModelInputs,
                               sm: SMInputs) -> dict[str, complex]:
    """Hand-written models, optional: the NP quark-sector coefficients (b→sℓℓ, b→sνν, b→sγ/g,
    B_s mixing) in the WET ``flavio`` basis at the matching scale. Without it the core
    computes them from ``spectrum.sector``."""


@hookspec(firstresult=True)
def bridge_dipoles(spectrum: Spectrum, inputs: ModelInputs, sm: SMInputs) -> dict[str, complex]:
    """Hand-written models, optional: the lepton dipole coefficients in the WET ``flavio``
    basis (``C7_mumu``, ``Cgamma_mue``, ...). Without it the core computes them from
    ``spectrum.sector``."""


@hookspec(firstresult=True)
def bridge_neutrino_mass_matrix(spectrum: Spectrum, inputs: ModelInputs,
                                sm: SMInputs) -> np.ndarray:
    """Optional: the 3×3 Majorana neutrino mass matrix in GeV, flavour basis,
    L ⊃ −½ ν̄^c m_ν ν ((N, 3, 3) for a batch). Derived couplings are in
    ``spectrum.data["derived"]``."""
