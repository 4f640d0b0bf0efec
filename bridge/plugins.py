"""Plugin discovery and a typed handle on one model plugin.

Built-in and third-party models are found the same way: entry points in the
``bridge.models`` group (see the README for how a package declares one).
Set ``BRIDGE_DISABLE_PLUGIN_AUTOLOAD=1`` to skip entry-point loading.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from importlib.metadata import version as dist_version

import numpy as np
import pluggy

from bridge import ENTRY_POINT_GROUP, PROJECT_NAME, hookspecs
from bridge.errors import ModelError, UnknownModelError
from bridge.model import ModelInfo, ModelInputs, Spectrum

#: Distribution "name version" of plugins loaded from entry points, by id(plugin).
_ORIGIN: dict[int, str] = {}

REQUIRED_HOOKS = ("bridge_model_info", "bridge_spectrum", "bridge_wilson_coefficients")


def get_plugin_manager(autoload: bool = True, plugins=()) -> pluggy.PluginManager:
    """A plugin manager with the hookspecs, entry-point models and ``plugins``."""
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if autoload and not os.environ.get("BRIDGE_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(pm)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Register every ``bridge.models`` entry point; a broken one is skipped with a warning.

    pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails
    to import, which would take every other model down with it.
    """
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            print(f"bridge: warning: model plugin {ep.name!r} ({ep.value}) not loaded: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        if ep.dist is not None:
            _ORIGIN[id(plugin)] = f"{ep.dist.name} {ep.dist.version}"


@dataclass
class Model:
    """One registered model plugin; every hook call goes to this plugin only."""

    name: str
    plugin: object
    pm: pluggy.PluginManager
    distribution: str = ""

    def _call(self, hook: str, **kwargs):
        others = [p for p in self.pm.get_plugins() if p is not self.plugin]
        caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
        return caller(**kwargs)

    def info(self) -> ModelInfo:
        info = self._call("bridge_model_info")
        if not isinstance(info, ModelInfo):
            raise ModelError(f"plugin {self.name!r}: bridge_model_info did not return a ModelInfo")
        return info

    def spectrum(self, inputs: ModelInputs, sm) -> Spectrum:
        spectrum = self._call("bridge_spectrum", inputs=inputs, sm=sm)
        if not isinstance(spectrum, Spectrum):
            raise ModelError(f"plugin {self.name!r}: bridge_spectrum did not return a Spectrum")
        spectrum.check()
        return spectrum

    def wilson_coefficients(self, spectrum: Spectrum, inputs: ModelInputs, sm) -> dict:
        wcs = self._call("bridge_wilson_coefficients", spectrum=spectrum, inputs=inputs, sm=sm)
        return _check_coefficients(self.name, "bridge_wilson_coefficients", wcs)

    def dipoles(self, spectrum: Spectrum, inputs: ModelInputs, sm) -> dict:
        wcs = self._call("bridge_dipoles", spectrum=spectrum, inputs=inputs, sm=sm)
        return _check_coefficients(self.name, "bridge_dipoles", wcs or {})

    def neutrino_mass_matrix(self, spectrum: Spectrum, inputs: ModelInputs, sm) -> np.ndarray:
        m = self._call("bridge_neutrino_mass_matrix", spectrum=spectrum, inputs=inputs, sm=sm)
        if m is None:
            return np.zeros((3, 3), dtype=complex)
        m = np.asarray(m, dtype=complex)
        if m.shape != (3, 3) or not np.all(np.isfinite(m)):
            raise ModelError(f"plugin {self.name!r}: neutrino mass matrix is not a finite 3x3 array")
        return m


def _check_coefficients(model: str, hook: str, wcs) -> dict[str, complex]:
    if not isinstance(wcs, dict):
        raise ModelError(f"plugin {model!r}: {hook} did not return a dict")
    out = {}
    for name, value in wcs.items():
        value = complex(value)
        if not (np.isfinite(value.real) and np.isfinite(value.imag)):
            raise ModelError(f"plugin {model!r}: coefficient {name} is not finite ({value})")
        out[name] = value
    return out


def models(pm: pluggy.PluginManager | None = None) -> dict[str, Model]:
    """All models whose plugins implement the required hooks, by name."""
    pm = pm or get_plugin_manager()
    found = {}
    for name, plugin in pm.list_name_plugin():
        if plugin is None or not all(_implements(pm, plugin, h) for h in REQUIRED_HOOKS):
            continue
        found[name] = Model(name=name, plugin=plugin, pm=pm, distribution=_ORIGIN.get(id(plugin), ""))
    return found


def _implements(pm: pluggy.PluginManager, plugin, hook: str) -> bool:
    return any(impl.plugin is plugin for impl in getattr(pm.hook, hook).get_hookimpls())


def get_model(name: str, pm: pluggy.PluginManager | None = None) -> Model:
    available = models(pm)
    if name not in available:
        known = ", ".join(sorted(available)) or "none installed"
        raise UnknownModelError(f"unknown model {name!r} (available: {known})")
    return available[name]


def bridge_version() -> str:
    try:
        return dist_version("bridge-flavour")
    except Exception:
        return "unknown"
