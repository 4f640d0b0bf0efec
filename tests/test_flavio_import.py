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
