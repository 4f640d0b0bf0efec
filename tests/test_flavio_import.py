"""A scan's fallback points import flavio without its measurement database
(bridge.flavio_setup.import_flavio_for_predictions): the ~580 MiB of distributions
``import flavio`` builds are not read by a prediction. Each case runs in a fresh interpreter,
since the test process has usually imported flavio already."""

import json
import os
import subprocess
import sys

_PREDICT = """
import json
from bridge.observable import Observable
from bridge.scan import fastpath_build as fb
obs = [Observable("<P5p>(B0->K*mumu)", (2.5, 4.0)), Observable("BR(B->Xsgamma)")]
par = fb.flavio_parameters({})
values = fb.direct_values({"C9_bsmumu": 0.3 + 0.2j, "C7_bs": -0.01j}, 160.0, obs, par)
import flavio
inst = flavio.classes.Measurement.__dict__["instances"]
out = {"values": [float(v).hex() for v in values], "deferred": type(inst).__name__,
       "built": getattr(inst, "_loaded", inst) is not None and len(getattr(inst, "_loaded", inst) or ()) > 0}
out["names"] = list(flavio.Measurement.instances)  # the first look reads the database
out["constraints"] = len(flavio.Measurement["HFLAV rad 2018"]._constraints)
print(json.dumps(out))
"""


def _run(code: str) -> dict:
    import bridge

    env = dict(os.environ)  # the bridge under test, whatever the working directory
    here = os.path.dirname(os.path.dirname(bridge.__file__))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_fallback_predictions_leave_the_measurements_unread():
    lean = _run(_PREDICT)
    assert lean["deferred"] == "_DeferredMeasurements"
    assert not lean["built"]  # the predictions built no measurement distribution
    eager = _run("import flavio\n" + _PREDICT)  # flavio imported first, as flavio would
    assert eager["built"]
    assert lean["values"] == eager["values"]  # bit for bit
    assert lean["names"] == eager["names"]  # read on first look, in flavio's order
    assert lean["constraints"] == eager["constraints"] > 0


def _same(a, b) -> bool:
    """Equal values of equal types, in the same order (dicts), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


_PARSES = """
import importlib.util, json, os, sys
import yaml
sys.path.insert(0, sys.argv[1])
from test_flavio_import import _same
from bridge.flavio_setup import libyaml
root = os.path.dirname(importlib.util.find_spec("flavio").origin)
files = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names
               if f.endswith((".yml", ".yaml")))
out = {}
for stage in ("PyYAML's safe loader", "flavio's (mappings as OrderedDicts, flavio.io)"):
    if stage.startswith("flavio"):
        import flavio.io.yaml  # noqa: F401
    compared, differ, refused = 0, [], 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        try:
            python = yaml.safe_load(data)
        except yaml.YAMLError:
            try:
                with libyaml():
                    yaml.safe_load(data)
            except yaml.YAMLError:
                refused += 1
            continue
        with libyaml():
            c = yaml.safe_load(data)
        compared += 1
        if not _same(python, c):
            differ.append(path)
    out[stage] = {"compared": compared, "differ": differ, "refused": refused,
                  "mapping": type(c).__name__}
out["restored"] = yaml.safe_load.__module__ == "yaml"
print(json.dumps(out))
"""


def test_libyaml_parses_every_file_flavio_ships_as_pyyaml_does():
    """bridge.flavio_setup.libyaml (flavio's data read through libyaml's parser at import): each
    YAML file of the installed flavio gives the same data, types and key order as PyYAML's own
    parser, with PyYAML's safe loader and with flavio's (flavio.io makes mappings OrderedDicts,
    as it does at the start of ``import flavio``); the files the safe loader refuses (a test file
    with a custom tag) are refused by both. In a fresh interpreter: flavio.io changes PyYAML's
    safe loader for good."""
    import yaml

    if getattr(yaml, "CSafeLoader", None) is None:
        import pytest

        pytest.skip("PyYAML without libyaml: flavio's own parser is used")
    out = _run(_PARSES.replace("sys.argv[1]", repr(os.path.dirname(__file__))))
    assert out.pop("restored")
    for stage, found in out.items():
        assert found["compared"] >= 10 and found["differ"] == [], stage
    assert [found["mapping"] for found in out.values()] == ["dict", "OrderedDict"]
    assert [found["refused"] for found in out.values()] == [1, 1]


_DIGEST = """
import hashlib, json
import numpy as np
import flavio
par = flavio.default_parameters
h = hashlib.sha256()
for name, value in sorted(par.get_central_all().items()):
    h.update(name.encode() + np.asarray(value, dtype=float).tobytes())
for name in flavio.Measurement.instances:
    h.update(name.encode())
    for key, value in sorted(flavio.Measurement[name].get_central_all().items(), key=str):
        h.update(str(key).encode() + np.asarray(value, dtype=float).tobytes())
print(json.dumps({"digest": h.hexdigest(), "measurements": len(flavio.Measurement.instances)}))
"""


def test_flavio_read_through_libyaml_has_the_same_parameters_and_measurements():
    """flavio imported by the bridge (libyaml, measurements deferred) and by itself: the same
    central values of every parameter and of every measurement, in the same order."""
    ours = _run("from bridge.flavio_setup import import_flavio_for_predictions as f; f()\n" + _DIGEST)
    theirs = _run(_DIGEST)
    assert ours == theirs and ours["measurements"] > 300


_LOOKUPS = """
import hashlib, json
import numpy as np
import flavio
from bridge.likelihoods.flavio_fast import register_overlay
BY_NAME = ["HFLAV rad 2018", "CMS Bs->mumu 2013", "LHCb phigamma 2019", "LHCb B->K*mumu 2020 S 1.1-2.5"]
first = {name: flavio.Measurement[name] for name in BY_NAME}  # built alone where deferred
inside = [name in flavio.Measurement.instances for name in BY_NAME + ["no such measurement"]]
register_overlay()  # assigned before the whole read
overlay = flavio.Measurement["Belle II B+->Knunu 2023"]
inst = flavio.classes.Measurement.__dict__["instances"]
partial = len(getattr(inst, "_built", inst)) if type(inst).__name__ == "_DeferredMeasurements" else None
names = list(flavio.Measurement.instances)  # the whole read
h = hashlib.sha256()
for name in names:
    m = flavio.Measurement[name]
    h.update(name.encode() + str(m.all_parameters).encode())
    for key, value in sorted(m.get_central_all().items(), key=str):
        h.update(str(key).encode() + np.asarray(value, dtype=float).tobytes())
same = all(flavio.Measurement[n] is m for n, m in first.items())
print(json.dumps({"names": names, "digest": h.hexdigest(), "inside": inside, "partial": partial,
                  "same_objects": same and flavio.Measurement["Belle II B+->Knunu 2023"] is overlay,
                  "whole": type(flavio.classes.Measurement.__dict__["instances"]).__name__}))
"""


def test_measurements_built_by_name_then_read_whole_equal_flavios_own():
    """bridge.flavio_setup._DeferredMeasurements: measurements looked up by name are built alone
    (a univariate limit, multivariate and correlated ones), the overlay assigned before the
    whole database is read; then read whole, the mapping equals the one of flavio's own import
    followed by the same overlay: the same names in the same order, the same observables and
    central values, and the objects built alone kept."""
    ours = _run("from bridge.flavio_setup import import_flavio_for_predictions as f; f()\n" + _LOOKUPS)
    theirs = _run(_LOOKUPS)
    assert ours["inside"] == theirs["inside"] == [True, True, True, True, False]
    assert theirs["partial"] is None and 4 <= ours["partial"] < 20  # built alone, not the database
    assert ours["names"] == theirs["names"] and len(ours["names"]) > 311
    assert ours["digest"] == theirs["digest"]
    assert ours["same_objects"] and theirs["same_objects"]
    assert ours["whole"] == theirs["whole"] == "OrderedDict"


_EDGES = """
import json, os, pickle, sys, tempfile, threading, time
import numpy as np
import flavio
from bridge.likelihoods.flavio_fast import register_overlay
deferred = type(flavio.classes.Measurement.__dict__["instances"]).__name__ == "_DeferredMeasurements"
out = {}

def numbers(m):
    # every numeric attribute of every constraint's distribution (not only its central value)
    rows = []
    for dist, params in m._constraints:
        rows.append([type(dist).__name__, str(params)] + [
            [k, np.asarray(v).tobytes().hex()] for k, v in sorted(vars(dist).items())
            if np.asarray(v).dtype.kind in "fiuc"])
    return rows

# a build that fails (a Ctrl-C inside flavio's reader) leaves nothing: the next look builds it
if deferred:
    real = flavio.classes.Measurement.set_constraint
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    flavio.classes.Measurement.set_constraint = interrupted
    try:
        flavio.Measurement["HFLAV rad 2018"]
    except KeyboardInterrupt:
        out["interrupted"] = True
    flavio.classes.Measurement.set_constraint = real
out["retried"] = numbers(flavio.Measurement["HFLAV rad 2018"])
# a measurement of the same name as one of flavio's, read after it was looked up: it replaces it
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
    f.write("HFLAV rad 2018:\\n  experiment: a test\\n  values:\\n    BR(B->Xsgamma): 3.1(2)e-4\\n")
flavio.measurements.read_file(f.name)
os.unlink(f.name)
register_overlay()
out["collided"] = numbers(flavio.Measurement["HFLAV rad 2018"])
# a look from another thread while one thread reads the database whole: it waits for the end
reader = threading.Thread(target=lambda: list(flavio.Measurement.instances))
reader.start()
time.sleep(0.3)
out["while_read"] = ["MEG II mu->egamma 2025" in flavio.Measurement.instances,
                     flavio.Measurement["Belle II B+->Knunu 2023"].name]
reader.join()
names = list(flavio.Measurement.instances)
out["names"] = names
out["numbers"] = {n: numbers(flavio.Measurement[n]) for n in names}
out["pickled"] = list(pickle.loads(pickle.dumps(flavio.Measurement.instances))) == names
print(json.dumps(out))
"""


def test_failed_builds_same_names_threads_and_pickles_as_flavios_own():
    """bridge.flavio_setup._DeferredMeasurements against flavio's own import (review rev21): a
    build interrupted inside flavio's reader leaves nothing (the next look builds the whole
    measurement); a file that reads a measurement of one of flavio's names replaces it where
    it stands; a look from another thread while one thread reads the database whole waits for
    the end (before: the overlay missing, a KeyError); pickled, the mapping is flavio's; and
    every numeric attribute of every distribution of every measurement is the same."""
    ours = _run("from bridge.flavio_setup import import_flavio_for_predictions as f; f()\n" + _EDGES)
    theirs = _run(_EDGES)
    assert ours.pop("interrupted") and "interrupted" not in theirs
    assert ours["retried"] == theirs["retried"] and len(ours["retried"]) > 0
    assert ours["collided"] == theirs["collided"] != ours["retried"]
    assert ours["while_read"] == theirs["while_read"] == [True, "Belle II B+->Knunu 2023"]
    assert ours["names"] == theirs["names"] and ours["pickled"] and theirs["pickled"]
    assert ours["numbers"] == theirs["numbers"]


_FLAVIO_LIKELIHOOD = """
import json, sys, threading
from bridge.flavio_setup import enumerating_only, import_flavio_for_predictions
from bridge.likelihoods import get_likelihood
from bridge.likelihoods.point import ModelPoint
flavio = import_flavio_for_predictions()
whole_first = sys.argv[1] == "whole"
if whole_first:
    len(flavio.Measurement.instances)  # the database read whole first, as flavio's import does
lik = get_likelihood("flavio")
res = lik.evaluate(ModelPoint({"C9_bsmumu": -0.7, "C10_bsmumu": 0.2, "C7_bs": 0.01j}, 160.0))
st = lik.prepare()
with enumerating_only(lik.measurements):  # as the likelihood enumerates them
    out = {"used": sorted(st.fast.full_measurement_likelihood.get_measurements),
           "pseudo": sorted(st.fast.likelihood.measurement_likelihood.get_measurements)}
inst = flavio.classes.Measurement.__dict__["instances"]
out.update({"deferred": type(inst).__name__, "read_whole": getattr(inst, "_loaded", inst) is not None,
            "chi2": [res.chi2.hex(), res.chi2_sm.hex()], "terms": [t.as_dict() for t in res.terms]})
if not whole_first:
    seen = {}
    def other_thread():  # enumerating_only holds for its own thread only
        seen["other"] = sum(1 for _ in flavio.classes.Measurement.instances)
    with enumerating_only(["HFLAV rad 2018"]):  # (list() would ask len(), which reads it whole)
        seen["here"] = [name for name in flavio.classes.Measurement.instances]
        t = threading.Thread(target=other_thread)
        t.start(); t.join()
    out["here"], out["other"] = seen["here"], seen["other"]
print(json.dumps(out))
"""


def test_flavio_likelihood_reads_only_its_measurements():
    """bridge.flavio_setup.enumerating_only: the `flavio` likelihood's FastLikelihood, built
    and evaluated, enumerates its own measurements (and those already read), not flavio's
    whole database (~2.5 CPU-s, ~540 MiB of `bridge fit`): the same χ² bit for bit, terms and
    measurements as with the database read whole first."""
    lean = _run(_FLAVIO_LIKELIHOOD.replace("sys.argv[1]", "'lean'"))
    whole = _run(_FLAVIO_LIKELIHOOD.replace("sys.argv[1]", "'whole'"))
    assert lean["deferred"] == "_DeferredMeasurements" and not lean["read_whole"]
    assert whole["read_whole"]
    for key in ("chi2", "terms", "used", "pseudo"):
        assert lean[key] == whole[key], key
    from bridge.likelihoods.flavio_fast import MEASUREMENTS_TODAY

    assert lean["used"] == sorted(MEASUREMENTS_TODAY) and len(lean["pseudo"]) == 1
    assert lean["here"][0] == "HFLAV rad 2018" and len(lean["here"]) < 40
    assert lean["other"] > 300  # another thread enumerates the whole database
