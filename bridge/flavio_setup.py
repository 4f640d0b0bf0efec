"""What the bridge hands to flavio: the ``wilson.Wilson`` of a point, flavio's parameters with
the card's SMINPUTS, and the observables the bridge registers with flavio. flavio and wilson are
imported inside the functions (this module is imported by commands that make no prediction)."""

from __future__ import annotations

from collections.abc import MutableMapping
from contextlib import contextmanager

_MEASUREMENTS_YML = ("flavio", "data/measurements.yml")


def import_flavio_for_predictions():
    """``flavio``, imported (if no one has yet) without reading its measurement database.

    flavio 2.7.1's ``import flavio`` runs ``flavio.measurements.read_default()``: 311
    measurements whose numerical distributions (interpolated PDFs and CDFs) take ~580 MiB of
    heap that a prediction never reads. A scan process that sends one point to flavio (a
    fast-path quadrature refused there) carried them to its end: F_Vc, 2e4 random points,
    873 MiB peak RSS instead of 289 (flavio and wilson without the database: ~170 MiB).
    The database is read, as flavio would, the first time ``flavio.Measurement.instances`` is
    looked at (:class:`_DeferredMeasurements`), so code that needs measurements sees them."""
    import sys

    if "flavio" in sys.modules:
        return sys.modules["flavio"]
    import pkgutil

    get_data = pkgutil.get_data

    def without_measurements(package, resource):
        if (package, resource) == _MEASUREMENTS_YML:
            return b"{}"  # flavio's _load of an empty mapping creates nothing
        return get_data(package, resource)

    pkgutil.get_data = without_measurements
    try:
        with libyaml():
            import flavio
    finally:
        pkgutil.get_data = get_data
    flavio.classes.Measurement.instances = _DeferredMeasurements()
    return flavio


@contextmanager
def libyaml():
    """``yaml.safe_load`` through libyaml's parser (PyYAML's ``CSafeLoader``: the C parser, the
    same constructor and resolver) while flavio reads its data files at import: the pure-Python
    parser took ~1.5 of the ~5.5 CPU-s of ``import flavio`` (measurements, parameters, form
    factors). The same data: tests/test_flavio_import.py compares the two parses of every YAML
    file flavio ships. Where PyYAML was built without libyaml, nothing changes. flavio looks
    ``yaml.safe_load`` up at each call (no ``from yaml import``)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        yield
        return
    safe_load = yaml.safe_load
    yaml.safe_load = lambda stream: yaml.load(stream, Loader=loader)
    try:
        yield
    finally:
        yaml.safe_load = safe_load


class _DeferredMeasurements(MutableMapping):
    """``flavio.Measurement.instances`` until first used: reads flavio's default measurements
    then (into a plain OrderedDict, as ``import flavio`` would have) and forwards to them."""

    def __init__(self):
        self._loaded = None

    def _measurements(self):
        if self._loaded is None:
            from collections import OrderedDict

            import flavio

            flavio.classes.Measurement.instances = OrderedDict()
            with libyaml():
                flavio.measurements.read_default()
            self._loaded = flavio.classes.Measurement.instances
        return self._loaded

    def __getitem__(self, name):
        return self._measurements()[name]

    def __setitem__(self, name, value):
        self._measurements()[name] = value

    def __delitem__(self, name):
        del self._measurements()[name]

    def __iter__(self):
        return iter(self._measurements())

    def __len__(self):
        return len(self._measurements())


def register_observables() -> None:
    """Observables the bridge adds to flavio (idempotent): ``DeltaM_K``, the K_L–K_S mass
    difference 2|M_12| from flavio's own K mixing amplitude (short distance: SM top, charm and
    top–charm boxes with flavio's η factors, plus the NP CVLL..CSLR_sdsd), the quantity flavio
    2.7.1 takes as an input parameter (``DeltaM_K0``) but does not predict. The long-distance
    part (tens of percent of the measured value) is not in it: read the pull with that in mind."""
    import flavio
    from flavio.physics.mesonmixing import observables as mixing

    if "DeltaM_K" in flavio.Observable.instances:
        return
    obs = flavio.classes.Observable("DeltaM_K")
    obs.tex = r"$\Delta M_K$"
    obs.set_description("K_L-K_S mass difference, short-distance 2|M_12| (registered by bridge)")
    flavio.classes.Prediction("DeltaM_K", lambda wc_obj, par: mixing.DeltaM_positive(wc_obj, par, "K0"))


def parameter_constraints(overrides: dict[str, float] | None):
    """flavio's default parameters with SMINPUTS overrides fixed to their values."""
    import flavio

    par = flavio.default_parameters
    if overrides:
        par = par.copy()
        for name, value in overrides.items():
            par.set_constraint(name, repr(float(value)))
    return par


def make_wilson(coefficients: dict[str, complex], scale: float, eft: str = "WET"):
    """A wilson.Wilson in the flavio basis, refusing unknown names with a clear error."""
    import wilson
    from wilson.wcxf import Basis

    from bridge.errors import ModelError

    known = set(Basis[eft, "flavio"].all_wcs)
    unknown = sorted(set(coefficients) - known)
    if unknown:
        raise ModelError(f"coefficient {unknown[0]!r} is not in wilson's {eft} flavio basis")
    values = {k: complex(v) for k, v in coefficients.items() if v != 0}
    return wilson.Wilson(values, scale=scale, eft=eft, basis="flavio")
