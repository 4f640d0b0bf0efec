"""Published direct-detection limits: the collaborations' 90% CL curves, shipped as data.

Shipped in ``data/`` (each file's header names its source; the numbers are copied unchanged):

* ``lz_2024_si.csv`` — LZ, WS2022+WS2024, 4.2 tonne-years (arXiv:2410.17036v3, PRL 135 (2025)
  011802), SI WIMP-nucleon: HEPData record ins2841863 **version 2**
  (doi:10.17182/hepdata.155182.v2/t1, table "SI cross section", CC0), columns ``limit`` (observed,
  power-constrained) and ``median`` (median expected sensitivity), 26 masses 9-10⁴ GeV. The copy
  read here is the record's YAML export as stored in github.com/apapaefs/twosingletDM at commit
  34beddb7bce88197019929f994e89c2a83dd9cf2, ``DM/data/lz2024/hepdata-si-v2.yaml``; its 9 and
  40 GeV values agree digit for digit with a second, independently downloaded CSV export of the
  same table quoted in another public repository. Version 1 of the record (the arXiv v1
  numbers, "2.1 × 10⁻⁴⁸ cm² at 36 GeV") differs by −8% to +6% and is not used.
  LZ's spin-dependent tables (same record) were not found in any reachable copy: not shipped.
* ``xenonnt_2025_si.csv``, ``xenonnt_2025_sd_neutron.csv``, ``xenonnt_2025_sd_proton.csv`` —
  XENONnT SR0+SR1, 3.1 tonne-years (arXiv:2502.18005, PRL 135 (2025) 221003), the
  collaboration's own release github.com/XENONnT/wimp_data_release at commit
  0a5942061f0667c9b82d50aa6060b33f9c9b732e (doi:10.5281/zenodo.17381424), files
  ``SR0+SR1/xenonnt_2025_{si,sd_neutron,sd_proton}_wimp.csv``, columns ``upper_limit``
  (power-constrained at −1σ) and ``sensitivity_0`` (median), 103 masses 10-10⁴ GeV.
* ``xenon1t_2018_si.csv`` — XENON1T, 1 tonne-year (arXiv:1805.12562, PRL 121 (2018) 111302),
  the limit that seed 000 (arXiv:2104.03228, Fig. 2) draws: the collaboration's file
  ``xe_likelihood/data/ancillary_data/xenon1t_1ty.csv`` of
  github.com/XENON1T/xenon1t_approximate_nuclear_recoil_likelihood at commit
  e4632582c5e17187c29f04f8bede7ed09c10c79d, columns "upper limit" and "0 sigma", 16 masses
  6-10⁴ GeV.

Checks against the numbers the collaborations quote (tests/test_darkmatter_limits.py): LZ's
abstract, "strongest SI exclusion 2.2 × 10⁻⁴⁸ cm² ... best median sensitivity 5.1 × 10⁻⁴⁸ cm²,
both for a mass of 40 GeV/c²" (the table: 2.18 and 5.06 × 10⁻⁴⁸ at 40 GeV, 40 GeV its
minimum); XENONnT's minimum 1.7 × 10⁻⁴⁷ cm² at 30 GeV (the table: 1.72 × 10⁻⁴⁷ at 30.5 GeV);
XENON1T's minimum 4.1 × 10⁻⁴⁷ cm² at 30 GeV (the table: 4.05 × 10⁻⁴⁷ at 30 GeV).

Between the published masses the curve is interpolated linearly in (log m, log σ). Above the
heaviest mass it is continued ∝ m: there the recoil spectrum no longer changes shape, so the
expected events per unit σ fall as the number density ρ/m and the limit on σ rises ∝ m (the
published curves themselves do so over their last decade, slope 1.02 for LZ between 5 and
10 TeV). Below the lightest published mass (LZ 9 GeV, XENONnT 10 GeV, XENON1T 6 GeV) nothing is
claimed: NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

_DATA = resources.files("bridge.darkmatter") / "data"


@dataclass(frozen=True)
class PublishedLimit:
    """One collaboration's 90% CL curve σ(m) per nucleon [cm²] (module docstring)."""

    file: str
    label: str
    experiment: str  # short ASCII name for reports and flags, e.g. "LZ 2024"

    @property
    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _read(self.file)

    def __call__(self, m: float) -> float:
        """The observed limit at mass m [GeV]; NaN below the published range."""
        return _interpolate(self.table[0], self.table[1], m)

    def median(self, m: float) -> float:
        """The median expected limit (sensitivity) at mass m [GeV]."""
        return _interpolate(self.table[0], self.table[2], m)


@cache
def _read(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mass, limit, median) of a shipped file: '#' lines, a header line, then rows."""
    lines = [s for s in (_DATA / name).read_text().splitlines() if s and not s.startswith("#")]
    rows = np.array([[float(x) for x in s.split(",")] for s in lines[1:]])
    if rows.shape[1] != 3 or np.any(np.diff(rows[:, 0]) <= 0) or np.any(rows[:, 1:] <= 0):
        raise ValueError(f"{name}: expected increasing masses and positive limits in 3 columns")
    return rows[:, 0], rows[:, 1], rows[:, 2]


def _interpolate(mass: np.ndarray, sigma: np.ndarray, m: float) -> float:
    if not m >= mass[0]:
        return float("nan")
    if m >= mass[-1]:
        return float(sigma[-1] * m / mass[-1])
    return math.exp(float(np.interp(math.log(m), np.log(mass), np.log(sigma))))


LZ_2024_SI = PublishedLimit("lz_2024_si.csv", "LZ 2024 (4.2 t·y) SI", "LZ 2024")
XENONNT_2025_SI = PublishedLimit("xenonnt_2025_si.csv", "XENONnT 2025 (3.1 t·y) SI", "XENONnT 2025")
XENONNT_2025_SD_NEUTRON = PublishedLimit("xenonnt_2025_sd_neutron.csv", "XENONnT 2025 SD neutron",
                                         "XENONnT 2025")
XENONNT_2025_SD_PROTON = PublishedLimit("xenonnt_2025_sd_proton.csv", "XENONnT 2025 SD proton",
                                        "XENONnT 2025")
XENON1T_2018_SI = PublishedLimit("xenon1t_2018_si.csv", "XENON1T 2018 (1 t·y) SI", "XENON1T 2018")

#: The limits the summary, the flags and the ``direct-detection`` likelihood compare with: per
#: cross section the latest published curves; at each mass the strongest covering it is used
#: (:func:`strongest`), so one nucleon coupling is never counted twice. XENON1T 2018 is shipped
#: for comparison with seed 000 only. LZ's SD curves are not shipped (module docstring).
CURRENT = {"si": (LZ_2024_SI, XENONNT_2025_SI),
           "sd_p": (XENONNT_2025_SD_PROTON,),
           "sd_n": (XENONNT_2025_SD_NEUTRON,)}


def strongest(curves, m: float) -> tuple[float, str]:
    """(limit [cm²], experiment) of the lowest of ``curves`` at mass m [GeV]; (NaN, "") when none
    covers m. Measured: LZ 2024 SI lies 4-13× below XENONnT 2025 SI over 10 GeV-20 TeV."""
    best, who = math.nan, ""
    for curve in curves:
        value = curve(m)
        if math.isfinite(value) and not value >= best:
            best, who = value, curve.experiment
    return best, who
