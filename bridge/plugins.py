"""Plugin discovery, validation at registration, and a typed handle on one model.

Built-in and third-party models are found the same way: entry points in the
``bridge.models`` group (see the README for how a package declares one). Each plugin is
loaded, registered and validated on its own: a plugin that fails to import, implements a
hook that does not exist (a misspelled name), declares neither a description nor the
hand-written hooks, or whose description is inconsistent, is left out with one warning line
naming it, and every other model works. Set ``BRIDGE_DISABLE_PLUGIN_AUTOLOAD=1`` to skip
entry-point loading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pluggy

from bridge import ENTRY_POINT_GROUP, PROJECT_NAME, hookspecs
from bridge.errors import BridgeError, ModelError, UnknownModelError
from bridge.fields import DescriptionError, ModelDescription
from bridge.model import ModelInfo, ModelInputs, Spectrum

#: Hooks a hand-written model must implement (a described one needs only its description).
HANDWRITTEN_HOOKS = ("bridge_model_info", "bridge_spectrum")


@dataclass
class Registry:
    """The plugin manager with the models that passed validation."""

    pm: pluggy.PluginManager
    origin: dict[int, str] = field(default_factory=dict)  # id(plugin) → "dist version"
    rejected: dict[str, str] = field(default_factory=dict)  # name → why


_REGISTRIES: dict[int, Registry] = {}


def get_plugin_manager(autoload: bool = True, plugins=(), warn=None) -> pluggy.PluginManager:
    """A plugin manager with the hookspecs, the entry-point models and ``plugins``
    ((name, module) pairs); every plugin validated as it registers (module docstring).

    A plugin that is left out is recorded (:func:`rejected`) and reported through ``warn``;
    by default nothing is printed here: `bridge plugins` prints the list, and a card that names
    a left-out model gets the reason in its error, so a broken third-party package adds no
    line to the messages of commands that do not use it."""
    warn = warn or (lambda message: None)
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry(pm)
    _REGISTRIES[id(pm)] = registry
    if autoload and not os.environ.get("BRIDGE_DISABLE_PLUGIN_AUTOLOAD"):
        # imported here, not with the module: a scan worker registers its one plugin without
        # the entry points (bridge.scan.runner._model) and is spared importlib.metadata
        from importlib.metadata import entry_points

        origins: dict[int, str] = {}  # id(distribution) -> "name version"
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            origin = _origin(ep.dist, origins) if ep.dist is not None else ""
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken package must not take the others down
                why = f"{ep.value} not loaded: {type(exc).__name__}: {_one_line(exc)}"
                warn(f"model plugin {ep.name!r} left out: {why}")
                registry.rejected[ep.name] = why
                continue
            _register(registry, ep.name, plugin, origin, warn)
    for name, plugin in plugins:
        _register(registry, name, plugin, "", warn)
    return pm


def _origin(dist, known: dict[int, str]) -> str:
    """"name version" of an entry point's distribution. Its ``name`` and ``version`` each parse
    the whole METADATA file (bridge's holds the README: ~10 ms a parse), and bridge's own 19
    models share one distribution: parsed once for all of them."""
    if id(dist) not in known:
        metadata = dist.metadata
        known[id(dist)] = f"{metadata['Name']} {metadata['Version']}"
    return known[id(dist)]


def rejected(pm: pluggy.PluginManager) -> dict[str, str]:
    """Models left out at registration, with the reason (one line each)."""
    registry = _REGISTRIES.get(id(pm))
    return dict(registry.rejected) if registry else {}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _register(registry: Registry, name: str, plugin, origin: str, warn) -> None:
    pm = registry.pm
    try:
        pm.register(plugin, name=name)
        unknown = [impl.function.__name__ for impl in _impls(pm, plugin, unknown_only=True)]
        if unknown:
            raise ModelError(f"implements {', '.join(unknown)}, which is not a bridge hook "
                             f"(known: {', '.join(_hook_names())})")
        model = Model(name, plugin, pm, origin)
        model.validate(known_codes=_codes_in_use(registry, exclude=plugin))
    except Exception as exc:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        warn(f"model plugin {name!r} left out: {_one_line(exc)}")
        registry.rejected[name] = _one_line(exc)
        return
    if origin:
        registry.origin[id(plugin)] = origin


def _hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("bridge_"))


def _impls(pm: pluggy.PluginManager, plugin, unknown_only: bool = False):
    """Hook implementations of ``plugin`` (those without a spec if ``unknown_only``)."""
    for caller in pm.get_hookcallers(plugin) or []:
        if unknown_only and caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                yield impl


def _codes_in_use(registry: Registry, exclude) -> dict[int, str]:
    codes: dict[int, str] = {}
    for name, plugin in registry.pm.list_name_plugin():
        if plugin is None or plugin is exclude:
            continue
        desc = Model(name, plugin, registry.pm).description
        if desc is not None:
            for code in _description_codes(desc):
                codes[code] = name
    return codes


def _description_codes(desc: ModelDescription) -> list[int]:
    from bridge.assembly import plan

    p = plan(desc)
    return [c for s in p.fermion_sectors + p.scalar_sectors for c in s.codes]


@dataclass
class Model:
    """One registered model; every hook call goes to this plugin only."""

    name: str
    plugin: object
    pm: pluggy.PluginManager
    distribution: str = ""

    def call(self, hook: str, **kwargs):
        """Call ``hook`` of this plugin alone (None if it does not implement it); what the
        plugin raises, other than the bridge's own errors and the arithmetic errors of a bad
        point (handled by bridge.pipeline), becomes a one-line ModelError naming it."""
        if not self.implements(hook):
            return None
        others = [p for p in self.pm.get_plugins() if p is not self.plugin]
        try:
            return self.pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
        except (BridgeError, ValueError, ArithmeticError, NotImplementedError,
                np.linalg.LinAlgError):
            raise
        except Exception as exc:
            raise ModelError(f"plugin {self.name!r}: {hook} raised {type(exc).__name__}: "
                             f"{_one_line(exc)}") from None

    def implements(self, hook: str) -> bool:
        return any(impl.plugin is self.plugin for impl in getattr(self.pm.hook, hook).get_hookimpls())

    @property
    def description(self) -> ModelDescription | None:
        """The model as data, or None for a hand-written model."""
        if not self.implements("bridge_model_description"):
            return None
        desc = self.call("bridge_model_description")
        if not isinstance(desc, ModelDescription):
            raise ModelError(f"plugin {self.name!r}: bridge_model_description did not return a "
                             "ModelDescription")
        return desc

    def validate(self, known_codes: dict[int, str] | None = None) -> None:
        """Checks at registration (raise ModelError or DescriptionError with the reason)."""
        desc = self.description
        if desc is None:
            missing = [h for h in HANDWRITTEN_HOOKS if not self.implements(h)]
            if missing:
                raise ModelError(f"implements neither bridge_model_description nor "
                                 f"{' and '.join(missing)}")
            self.info()
            return
        for hook in ("bridge_spectrum", "bridge_batch_spectrum", "bridge_model_info"):
            if self.implements(hook):
                raise ModelError(f"a described model must not implement {hook} (the core builds it)")
        desc.validate()
        _description_codes(desc)
        for code in _description_codes(desc):
            if known_codes and code in known_codes:
                raise DescriptionError(f"Block MASS code {code} is already used by model "
                                       f"{known_codes[code]!r}; choose another `code`")

    def info(self) -> ModelInfo:
        desc = self.description
        if desc is not None:
            return desc.info()
        info = self.call("bridge_model_info")
        if not isinstance(info, ModelInfo):
            raise ModelError(f"plugin {self.name!r}: bridge_model_info did not return a ModelInfo")
        return info

    def neutrino_mass_matrix(self, spectrum: Spectrum, inputs: ModelInputs, sm) -> np.ndarray | None:
        return self.call("bridge_neutrino_mass_matrix", spectrum=spectrum, inputs=inputs, sm=sm)


def models(pm: pluggy.PluginManager | None = None) -> dict[str, Model]:
    """All registered (validated) models, by name."""
    pm = pm or get_plugin_manager()
    registry = _REGISTRIES.get(id(pm))
    origin = registry.origin if registry else {}
    return {name: Model(name, plugin, pm, origin.get(id(plugin), ""))
            for name, plugin in pm.list_name_plugin() if plugin is not None}


def get_model(name: str, pm: pluggy.PluginManager | None = None) -> Model:
    pm = pm or get_plugin_manager()
    available = models(pm)
    if name not in available:
        why = rejected(pm).get(name)
        if why:
            raise UnknownModelError(f"model {name!r} is installed but was left out: {why}")
        known = ", ".join(sorted(available)) or "none installed"
        raise UnknownModelError(f"unknown model {name!r} (available: {known})")
    return available[name]


def bridge_version() -> str:
    from bridge.versions import installed

    try:
        return installed("bridge-flavour")
    except Exception:
        return "unknown"
