"""What the bridge hands to flavio: the ``wilson.Wilson`` of a point, flavio's parameters with
the card's SMINPUTS, and the observables the bridge registers with flavio. flavio and wilson are
imported inside the functions (this module is imported by commands that make no prediction)."""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from contextlib import contextmanager

_MEASUREMENTS_YML = ("flavio", "data/measurements.yml")
#: Per thread: the measurement names flavio's code enumerates (see :func:`enumerating_only`).
_ENUMERATION = threading.local()


def import_flavio_for_predictions():
    """``flavio``, imported (if no one has yet) without reading its measurement database.

    flavio 2.7.1's ``import flavio`` runs ``flavio.measurements.read_default()``: 311
    measurements whose numerical distributions (interpolated PDFs and CDFs) take ~580 MiB of
    heap that a prediction never reads. A scan process that sends one point to flavio (a
    fast-path quadrature refused there) carried them to its end: F_Vc, 2e4 random points,
    873 MiB peak RSS instead of 289 (flavio and wilson without the database: ~170 MiB).
    A measurement is built when code looks it up by name, the whole database when code goes
    through ``flavio.Measurement.instances`` (:class:`_DeferredMeasurements`; but within
    :func:`enumerating_only`, where FastLikelihood sees only its own): code that needs
    measurements sees them as flavio's import would have made them. ``bridge run`` of F_Ib's
    card reads a few dozen: 3.6 s and 292 MiB instead of 7.2 s and 824 MiB (2026-12-02)."""
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
    """``yaml.safe_load`` through libyaml's parser while flavio reads its data files at import:
    PyYAML's C parser with the constructors and resolvers ``yaml.SafeLoader`` has at each call
    (flavio's own: ``flavio.io`` makes mappings OrderedDicts, at the start of its import). The
    pure-Python parser took ~1.5 of the ~5.5 CPU-s of ``import flavio`` (measurements,
    parameters, form factors). The same data: tests/test_flavio_import.py compares the two
    parses of every YAML file flavio ships, types and order. Where PyYAML was built without
    libyaml, nothing changes. flavio looks ``yaml.safe_load`` up at each call (no ``from yaml
    import``)."""
    import yaml

    parser = getattr(yaml, "CSafeLoader", None)
    if parser is None:
        yield
        return
    safe_load = yaml.safe_load

    def c_safe_load(stream):
        safe = yaml.SafeLoader
        loader = type("LibyamlSafeLoader", (parser,), {
            "yaml_constructors": safe.yaml_constructors,
            "yaml_multi_constructors": safe.yaml_multi_constructors,
            "yaml_implicit_resolvers": safe.yaml_implicit_resolvers,
            "yaml_path_resolvers": safe.yaml_path_resolvers})
        return yaml.load(stream, Loader=loader)

    yaml.safe_load = c_safe_load
    try:
        yield
    finally:
        yaml.safe_load = safe_load


@contextmanager
def enumerating_only(names):
    """Within the block, in this thread, flavio's enumeration of its measurements
    (``Measurement.instances.items()``) yields the measurements of ``names`` that exist and
    those already built or assigned (the bridge's overlay, FastLikelihood pseudo-measurements)
    instead of reading the whole database (:class:`_DeferredMeasurements`; nothing changes
    once it is read whole, or if flavio was imported without the bridge).

    Exact for code that keeps only ``include_measurements`` ⊆ ``names`` from the enumeration:
    flavio 2.7.1's ``MeasurementLikelihood.get_measurements`` returns the set intersection of
    the measurements constraining its observables with ``include_measurements``, the same set
    from the whole database or from these (its list order follows a set's in both). The
    FastLikelihood of a flavio likelihood read all 311 measurements there (~2.5 CPU-s, ~540
    MiB peak RSS of ``bridge fit``) and enumerated them again at every point."""
    before = getattr(_ENUMERATION, "names", None)
    _ENUMERATION.names = tuple(names)
    try:
        yield
    finally:
        _ENUMERATION.names = before


class _DeferredMeasurements(MutableMapping):
    """``flavio.Measurement.instances`` until it is read whole. A measurement looked up by name
    (``flavio.Measurement[name]``, ``name in instances``: a likelihood's measurements, a row of
    the ``bridge run`` table) is built alone, by flavio's own reader (``measurements._load``)
    from its entry of flavio's database; names assigned meanwhile (the bridge's overlay,
    ``flavio.measurements.read_file``) are kept, in their order. Iteration (but within
    :func:`enumerating_only`), ``len`` or a deletion reads the whole database, as ``import
    flavio`` would have, into a plain OrderedDict that replaces this mapping (which forwards
    to it from then on): flavio's entries in its order (those built already kept), then the
    names assigned meanwhile, in theirs: the mapping flavio's import and the same assignments
    give. The ~311 measurements' distributions took ~2.5 CPU-s and ~580 MiB; a ``bridge run``
    reads a few dozen. One thread reads at a time; a build that fails leaves nothing. Unlike
    flavio's OrderedDict it is not a dict (no ``copy``, ``move_to_end``), and ``bool()`` reads
    it whole; pickled or copied, it is the whole OrderedDict (nothing in flavio 2.7.1 or
    bridge needs more, review rev21)."""

    def __init__(self):
        self._entries = None  # flavio's database, parsed: name -> entry, in its order
        self._built: dict = {}  # flavio's measurements built one at a time
        self._assigned: dict = {}  # names assigned by others, in their order
        self._building = False
        self._loaded = None  # the whole mapping, once read
        self._filling = None  # the whole mapping while it is read (where the constructor adds)
        # one reader at a time (threads of a Dask worker, of a notebook): the others wait for
        # its end, and see no half-read mapping (review rev21: a lookup during the whole read
        # found the bridge's overlay missing, a measurement None or a KeyError)
        self._lock = threading.RLock()

    def _database(self) -> dict:
        if self._entries is None:
            import pkgutil

            import yaml

            with libyaml():
                self._entries = yaml.safe_load(pkgutil.get_data(*_MEASUREMENTS_YML)) or {}
        return self._entries

    def _read(self, name) -> None:
        """flavio's reader on the entry ``name`` of its database (``measurements._load``, its
        ``yaml.safe_load`` handed the parsed entry): the measurement's constructor adds it to
        ``Measurement.instances``."""
        import flavio
        import yaml

        entry = {name: self._database()[name]}
        safe_load = yaml.safe_load
        yaml.safe_load = lambda stream: entry if stream is entry else safe_load(stream)
        try:
            flavio.measurements._load(entry)
        finally:
            yaml.safe_load = safe_load

    def _measurements(self):
        """The whole mapping (see the class)."""
        with self._lock:
            return self._whole()

    def _whole(self):
        """The whole mapping, read under the lock with ``Measurement.instances`` still this
        mapping (the constructor's assignments go to ``_filling``), published once complete;
        a read that fails leaves nothing of itself."""
        if self._loaded is None:
            from collections import OrderedDict

            import flavio

            self._filling = whole = OrderedDict()
            try:
                for name in self._database():
                    if name in self._built:
                        whole[name] = self._built[name]
                    else:
                        self._read(name)
                whole.update(self._assigned)
            finally:
                self._filling = None
            self._loaded = whole
            flavio.classes.Measurement.instances = whole
        return self._loaded

    def __getitem__(self, name):
        with self._lock:
            if self._loaded is not None:
                return self._loaded[name]
            if name in self._assigned:
                return self._assigned[name]
            if name not in self._built and name in self._database():
                before = set(self._built)
                self._building = True
                try:
                    self._read(name)
                except BaseException:  # (a Ctrl-C): no half-made measurement kept
                    for added in set(self._built) - before:
                        del self._built[added]
                    raise
                finally:
                    self._building = False
            return self._built[name]

    def __contains__(self, name):
        with self._lock:
            if self._loaded is not None:
                return name in self._loaded
            return name in self._assigned or name in self._built or name in self._database()

    def __setitem__(self, name, value):
        with self._lock:
            if self._loaded is not None:
                self._loaded[name] = value
            elif self._filling is not None:
                self._filling[name] = value
            elif self._building:
                self._built[name] = value
            else:
                self._assigned[name] = value

    def __delitem__(self, name):
        del self._measurements()[name]

    def __iter__(self):
        names = getattr(_ENUMERATION, "names", None)
        if names is not None:
            with self._lock:
                if self._loaded is None:
                    return iter(self._enumerated(names))
        return iter(self._measurements())

    def _enumerated(self, names) -> list:
        """The names :func:`enumerating_only` lets flavio see: those of ``names`` that exist,
        then the others already built or assigned."""
        present = [n for n in dict.fromkeys(names) if n in self]
        seen = set(present)
        return present + [n for n in dict.fromkeys((*self._built, *self._assigned)) if n not in seen]

    def __len__(self):
        return len(self._measurements())

    def __reduce__(self):  # pickled or copied: the whole mapping, as flavio's own
        from collections import OrderedDict

        return OrderedDict, (list(self._measurements().items()),)


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
