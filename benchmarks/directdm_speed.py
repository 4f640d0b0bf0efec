"""Direct detection: CPU time of the native formulas and of the DirectDM chain
(bridge/darkmatter/directdm_handover.py) on shipped cards, and the first-call costs of DirectDM
(its import, which builds its default inputs, and the calibration check per DM type).

Cards: F_Ib (Majorana singlet-doublet: Higgs, Z, coloured mediator), F_Ia (Majorana, SD only),
S_Ib (real scalar, Higgs only). Needs directdm (pip install "bridge-flavour[directdm]").

Usage: python benchmarks/directdm_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bridge import pipeline
from bridge.card import parse_inputs, read_card
from bridge.darkmatter import direct
from bridge.darkmatter import directdm_handover as H
from bridge.plugins import get_model
from bridge.sm import SMInputs

SM = SMInputs(GF=1.1663788e-05, alpha_e_bsll=0.007569084895987922, alpha_e_0=0.0072973525692838015,
              s2w=0.23121, m_W=80.379, m_Z=91.1876, m_e=0.00051099895, m_mu=0.1056583755, m_tau=1.77686,
              m_s=0.09247, m_b=4.195, m_t=172.5, lambda_t_re=-0.04119293936908705,
              lambda_t_im=0.0007457752431333196)
ROOT = Path(__file__).resolve().parents[1]


def sector(name):
    model = get_model(name)
    inputs = parse_inputs(read_card(ROOT / "cards" / f"{name}.slha"), model.info())
    return pipeline.spectrum(model, inputs, SM).sector


def cpu(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    t = time.process_time()
    if H._load() is None:
        raise SystemExit(f"DirectDM unavailable: {H._STATE['reason']}")
    print(f"import directdm (with the compatibility layer): {time.process_time() - t:.2f} s CPU")
    for name in ("F_Ib", "F_Ia", "S_Ib"):
        sec = sector(name)
        coup = direct.quark_couplings(sec, SM)
        t = time.process_time()
        reason = H.unavailable(coup)
        first = time.process_time() - t
        native = cpu(lambda s=sec: direct.direct_detection(s, SM, "native"), args.repeat)
        chain = cpu(lambda s=sec: direct.direct_detection(s, SM, "directdm"), args.repeat)
        print(f"{name}: DM type {H.dm_type(coup)}, calibration {first:.2f} s ({reason or 'passed'}); "
              f"per point native {1e3 * native:.2f} ms, DirectDM {1e3 * chain:.0f} ms CPU")


if __name__ == "__main__":
    main()
