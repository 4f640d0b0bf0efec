"""Reader and writer for the FLHA blocks FWCOEF, IMFWCOEF, FOBS, FOBSSM and FDIPOLE.

Why this module exists
----------------------
pyslha 3.3.2 cannot be used for these blocks. It reads each token with
``ast.literal_eval``, so fermion codes with leading zeros (``0305``,
``03051313``) stay strings. A FWCOEF line then has no integer key: it is stored
under ``None`` and every line overwrites the one before. It also keys FOBS by
(parent, type), so entries that differ only in daughters or q collide. On
writing it joins multi-column values with commas, which is not valid SLHA.
This module reads and writes only the FLHA blocks. The rest of a file can still
be read with pyslha (``tests/test_flha.py`` shows both).

Block layouts (Flavour Les Houches Accord, arXiv:1008.0762)
----------------------------------------------------------
``FWCOEF Q=<scale>`` and ``IMFWCOEF Q=<scale>``
    ``fermions operator order M value # comment``. Fermion and operator codes
    are strings of two-digit sub-codes. Leading zeros matter, so they are kept
    as strings. ``order`` is ``00``/``01``/``02`` (LO/NLO/NNLO term).
    ``M`` is 0 = SM, 1 = NP only, 2 = SM + NP. The imaginary parts go in
    IMFWCOEF under the same keys.
``FOBS`` / ``FOBSSM``
    ``parent type value q NDA ID1 ... IDn # comment``: the prediction and the SM
    prediction. Entries are keyed by (parent, type, q, daughters).
``FDIPOLE``
    ``PDG type M value # comment``. type 1 = EDM, 2 = (g-2)/2.
``FOBSERR``
    Left out on purpose. Its error columns (one symmetric error, or separate
    minus/plus columns) could not be pinned down. The paper's body was not
    readable here, and Hyperiso's ``lha_blocks.h`` only gives it the same
    9-column prototype as FOBS. The reader skips it like any other block, and
    the writer refuses to write it.

The accord does not fix the normalisation of the coefficients (flavio removed
its FLHA reader for this reason). So :func:`format_wc_block` requires a
normalisation sentence. It is written as ``# normalisation: ...`` lines (wrapped at 70
characters) right under the header, whose comment stays short, and
:func:`read_flha_blocks` reads it back into ``FlhaWCBlock.normalisation``.

Code table (:data:`FLAVIO_TO_FLHA`) and where each code comes from
------------------------------------------------------------------
Fermion codes are PDG numbers written as two digits. In every bilinear the
barred field comes first: ``0305`` is (s-bar ... b), ``03051313`` is
(s-bar b)(mu-bar mu), and Hyperiso's ``03040405`` is (s-bar c)(c-bar b).
Operator sub-codes, as used by the producers below: 41/42 = gamma^mu P_L/P_R,
33 = gamma_mu, 37 = gamma_mu gamma_5, 43/44 = sigma^{mu nu} P_L/P_R,
63/64 = sigma^{mu nu} T^a P_L/P_R, 31/32 = P_L/P_R, 22 = F_{mu nu},
21 = G^a_{mu nu}. These meanings are inferred from consistent use across the
producers. The operator table in the paper's body could not be read here.

Confirmed in producer code or output (public repositories, read via the search
index):

* b -> s gamma / g: ``0305 4422`` C7, ``4322`` C7', ``6421`` C8, ``6321`` C8'.
  Sources: HEPcodes/SARAH ``FlavorKit/FLHA_WilsonCoefficients.m``,
  HEPcodes/SuperIso ``src/fleshouches.c`` (``FLHA_Reader``),
  flav-io/flavio ``flavio/io/flha.py`` (removed in v1.0) and
  Hyperiso/Hyperiso ``DataBase/example.flha``.
* b -> s ee / mumu: ``03051111`` and ``03051313`` with ``4133`` C9, ``4233``
  C9', ``4137`` C10 and ``4237`` C10'. Sources: SARAH
  ``FLHA_WilsonCoefficients.m``, flavio ``flavio/io/flha.py``, and SuperIso
  ``src/fleshouches.c`` (mumu).
* b -> s nu_i nu_i (diagonal): ``03051212``/``03051414``/``03051616`` with
  ``4141`` for C_L and ``4241`` for C_R (flavio's right-handed *quark*
  current). Sources: flavio ``flavio/io/flha.py`` and SARAH 4.9 SPheno output
  shipped with flavio as ``flavio/data/test/SPheno.spc.MSSM``
  (``coeffCLnu1nu1`` = 4141, ``coeffCLPnu1nu1`` = 4241). Producers disagree
  here: current SARAH ``FLHA_WilsonCoefficients.m`` writes ``4137``/``4237``
  ("C11"), and standalone SPheno 4 is said to swap primed and unprimed. This
  table uses 4141/4241, because the sub-codes say gamma^mu P_L (x) gamma_mu P_L,
  which is the flavio operator up to a factor 2.
* B_s mixing: ``03050305`` with ``4141`` VLL, ``4242`` VRR, ``4142`` VLR,
  ``3131`` SLL, ``3232`` SRR, ``3132`` SLR, ``4343`` TLL and ``4444`` TRR.
  Source: ``flavio/data/test/SPheno.spc.MSSM`` (``coeffBsBs_VLL`` and so on).
  This is one producer's output, not the paper.

A code names the operator only. Values from another producer still need that
producer's normalisation and sign (SARAH/SPheno writes dimensionful Lagrangian
coefficients; flavio's C_i are normalised). Not in the table: the scalar and
pseudoscalar b -> s l l operators (CS, CP), for which no producer code was
found.

The bridge's own conventions (no producer found writing these):

* b -> s tau tau: ``03051515`` with the C9/C10 operator codes above.
* Off-diagonal nu-nu-bar: the barred neutrino comes first, as in ``0305``. The
  basis JSON gives ``CL_bsnuenumu`` as (s_L-bar gamma b_L)(nu_mu-bar gamma
  (1 - gamma_5) nu_e), so its code is ``03051412``. In general
  ``C?_bsnu<i>nu<j>`` maps to ``0305 <j> <i>``.
* Lepton dipoles, modelled on C7: ``4422`` = sigma^{mu nu} P_R (x) F_{mu nu}
  with the barred lepton first. ``Cgamma_mue`` (e_L-bar sigma mu_R F) is
  ``1113 4422`` and ``Cgamma_emu`` is ``1311 4422``; the tau pairs follow the
  same pattern. ``C7_ee``/``C7_mumu``/``C7_tautau`` are ``1111``/``1313``/
  ``1515 4422``. Cgamma_* is in GeV^-1 while C7_* is normalised; the
  normalisation sentence has to say which.

FOBS identification of the reported flavio observables (:data:`FOBS_IDS`)
------------------------------------------------------------------------
FOBS type codes: 1 = BR, 7 = mass difference, 11 = ratio of two BRs, where
the daughters are those of the numerator. Sources: SuperIso ``src/flha.c``
writes ``5 1 ... 2 3 22`` for BR(b->s gamma) and ``531 1 ... 2 13 -13`` for
BR(B_s->mu mu), and uses type 11 for BR(B->D tau nu)/BR(B->D e nu) with the
daughters ``421 -15 16``. Type 7 = Delta M is taken from the research note
on CPsuperH's writer (repository not identified), not from a source read here.

Own choices:

* B -> K(*) nu nu-bar: the neutrino flavours are summed, and the daughters are
  written as ``12 -12``.
* ``DeltaM_s``: parent 531, daughter -531 (B_s -> B_s-bar), in ps^-1 (the unit of
  NMSSMTools' and SuperIso's FLHA output and of HFLAV); flavio predicts it in GeV, which
  :func:`obs_entry_from_flavio` converts with hbar = 6.582119569e-13 GeV ps (CODATA 2018).
* q^2-binned ratios: no standard exists. The ``q`` column holds the bin centre
  in GeV^2, rounded to the 9 significant digits that are written, and the
  comment gives the bin. This keeps the two R_K* bins (centres 0.5725 and
  3.55) distinct. R_K and R_K* are type 11 with the numerator's daughters
  ``321/313 13 -13``.
* ``a_mu`` goes in FDIPOLE as ``13 2 1``, M = 1 (NP only). The value written
  must be Delta a_mu, not flavio's total ``a_mu`` (see :data:`FDIPOLE_IDS`); ``a_e`` and
  ``a_tau`` likewise as ``11 2 1`` and ``15 2 1``.
* The flavour rows beyond b -> s (issue 16) where the accord's scheme names the quantity: a
  branching ratio is type 1 with the parent's and the daughters' PDG codes, so
  BR(tau -> mu gamma) is ``15 1 ... 2 13 22``, BR(mu -> 3e) ``13 1 ... 3 11 11 -11``
  (like charges first), BR(B0 -> mu mu) ``511 1 ... 2 13 -13``, BR(K+ -> pi+ nu nu)
  ``321 1 ... 3 211 12 -12`` and BR(K_L -> pi0 nu nu) ``130 1 ... 3 111 12 -12`` (neutrino
  flavours summed, as for B -> K nu nu); Delta M_d is ``511 7 ... 1 -511`` in ps^-1, as
  NMSSMTools writes it.
* Not written, for want of a code (:data:`NO_FOBS_CODE` says why, and the FOBS block says
  so in a comment line): mu -> e conversion rates (normalised to muon capture, not a
  branching ratio), S_psiK, eps_K and x12Im_D (CP asymmetries and mixing parameters, for
  which producers use different type numbers), the short-distance part of Delta M_K (type 7
  would claim the physical mass difference), a q^2-differential branching ratio and the
  Z-pole ratios R_l.

Imaginary parts that are rounding noise
---------------------------------------
A real coupling passed through complex mixing matrices leaves imaginary parts ~1e-20 of
the value (``C7_ee -1.1156e-04+1.36e-24i``). :func:`is_rounding_noise` calls an imaginary
part noise below :data:`IMAG_NOISE` = 10^4 double-precision epsilons (2.2e-12) of the
value: the one-loop sums add up to ~10^2 terms that may cancel to ~1%, so their rounding
stays below ~10^4 epsilon of the result; and no measurement resolves a CP phase within many
orders of magnitude of 2e-12 rad (eps_K, the finest, resolves ~1e-5 of Im M12/Re M12). Such
a part is not written to IMFWCOEF and the `bridge run` table shows the value as real; the
JSON and WCxf files keep every digit.
"""

from __future__ import annotations

import math
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bridge.observable import Observable

__all__ = [
    "BINNED_OBSERVABLES",
    "FDIPOLE_IDS",
    "FLAVIO_TO_FLHA",
    "FLHA_BLOCKS",
    "FLHA_TO_FLAVIO",
    "FOBS_IDS",
    "IMAG_NOISE",
    "NO_FOBS_CODE",
    "DipoleEntry",
    "FlhaDipoleBlock",
    "FlhaFormatError",
    "FlhaObsBlock",
    "FlhaWCBlock",
    "ObsEntry",
    "WCEntry",
    "blocks_by_scale",
    "dipole_entry",
    "dipole_key",
    "flavio_wcs_from_blocks",
    "fobs_key",
    "format_dipole_block",
    "format_obs_block",
    "format_wc_block",
    "is_rounding_noise",
    "obs_entry",
    "obs_entry_from_flavio",
    "read_flha_blocks",
    "wc_blocks_from_flavio",
]

WC_BLOCKS = ("FWCOEF", "IMFWCOEF")
OBS_BLOCKS = ("FOBS", "FOBSSM")
DIPOLE_BLOCKS = ("FDIPOLE",)
FLHA_BLOCKS = WC_BLOCKS + OBS_BLOCKS + DIPOLE_BLOCKS

_M_VALUES = (0, 1, 2)  # SM, NP only, SM + NP
_NORM_PREFIX = "# normalisation:"
_DEFAULT_COMMENT = {
    "FWCOEF": "Wilson coefficients at scale Q",
    "IMFWCOEF": "Im(Wilson coefficients) at scale Q",
    "FOBS": "Flavour observables",
    "FOBSSM": "SM predictions for flavour observables",
    "FDIPOLE": "Electric and magnetic dipole moments",
}


class FlhaFormatError(ValueError):
    """Malformed FLHA text or data; the message names the block and line."""


# --------------------------------------------------------------------------
# data classes


@dataclass(frozen=True)
class WCEntry:
    """One FWCOEF/IMFWCOEF line; codes are strings so zero padding survives."""

    fermions: str
    operator: str
    order: str
    m: int
    value: float
    comment: str = ""

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.fermions, self.operator, self.order, self.m)


@dataclass
class FlhaWCBlock:
    """A FWCOEF or IMFWCOEF block at one scale (GeV)."""

    name: str
    scale: float
    entries: list[WCEntry] = field(default_factory=list)
    comment: str = ""
    normalisation: str = ""

    def as_dict(self) -> dict[tuple[str, str, str, int], float]:
        return {e.key: e.value for e in self.entries}


@dataclass(frozen=True)
class ObsEntry:
    """One FOBS/FOBSSM line."""

    parent: int
    type: int
    value: float
    q: float
    daughters: tuple[int, ...]
    comment: str = ""

    @property
    def key(self) -> tuple[int, int, float, tuple[int, ...]]:
        return (self.parent, self.type, self.q, self.daughters)


@dataclass
class FlhaObsBlock:
    """A FOBS or FOBSSM block."""

    name: str
    entries: list[ObsEntry] = field(default_factory=list)
    comment: str = ""

    def as_dict(self) -> dict[tuple[int, int, float, tuple[int, ...]], float]:
        return {e.key: e.value for e in self.entries}


@dataclass(frozen=True)
class DipoleEntry:
    """One FDIPOLE line: PDG code, type (1 EDM, 2 (g-2)/2), M, value."""

    pdg: int
    type: int
    m: int
    value: float
    comment: str = ""

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.pdg, self.type, self.m)


@dataclass
class FlhaDipoleBlock:
    """A FDIPOLE block."""

    name: str = "FDIPOLE"
    entries: list[DipoleEntry] = field(default_factory=list)
    comment: str = ""

    def as_dict(self) -> dict[tuple[int, int, int], float]:
        return {e.key: e.value for e in self.entries}


# --------------------------------------------------------------------------
# code tables

_LEPTONS = {"e": "11", "mu": "13", "tau": "15"}
_NEUTRINOS = {"nue": "12", "numu": "14", "nutau": "16"}
_VECTOR_CODES = {"C9": "4133", "C9p": "4233", "C10": "4137", "C10p": "4237"}
_NUNU_CODES = {"CL": "4141", "CR": "4241"}  # flavio CR = right-handed quark current
_BSBS_CODES = {
    "CVLL": "4141", "CVRR": "4242", "CVLR": "4142",
    "CSLL": "3131", "CSRR": "3232", "CSLR": "3132",
    "CTLL": "4343", "CTRR": "4444",
}  # fmt: skip


def _build_code_table() -> dict[str, tuple[str, str]]:
    table = {
        "C7_bs": ("0305", "4422"),
        "C7p_bs": ("0305", "4322"),
        "C8_bs": ("0305", "6421"),
        "C8p_bs": ("0305", "6321"),
    }
    for lep, pdg in _LEPTONS.items():
        for wc, op in _VECTOR_CODES.items():
            table[f"{wc}_bs{lep}{lep}"] = ("0305" + pdg + pdg, op)
    # CX_bsnu<i>nu<j> is (s-bar b)(nu_j-bar nu_i) in the basis JSON: barred first.
    for wc, op in _NUNU_CODES.items():
        for nu_i, pdg_i in _NEUTRINOS.items():
            for nu_j, pdg_j in _NEUTRINOS.items():
                table[f"{wc}_bs{nu_i}{nu_j}"] = ("0305" + pdg_j + pdg_i, op)
    for wc, op in _BSBS_CODES.items():
        table[f"{wc}_bsbs"] = ("03050305", op)
    for lep, pdg in _LEPTONS.items():
        table[f"C7_{lep}{lep}"] = (pdg + pdg, "4422")
    # Cgamma_<i><j> is (l_j-bar sigma l_i,R) F in the basis JSON.
    for lep_i, pdg_i in _LEPTONS.items():
        for lep_j, pdg_j in _LEPTONS.items():
            if lep_i != lep_j:
                table[f"Cgamma_{lep_i}{lep_j}"] = (pdg_j + pdg_i, "4422")
    return table


#: flavio WET-basis coefficient name -> (fermion code, operator code).
FLAVIO_TO_FLHA: dict[str, tuple[str, str]] = _build_code_table()
#: Inverse of :data:`FLAVIO_TO_FLHA`.
FLHA_TO_FLAVIO: dict[tuple[str, str], str] = {v: k for k, v in FLAVIO_TO_FLHA.items()}

#: flavio observable -> (parent PDG, FOBS type, daughter PDG codes).
FOBS_IDS: dict[str, tuple[int, int, tuple[int, ...]]] = {
    "BR(B->Xsgamma)": (5, 1, (3, 22)),
    "BR(Bs->mumu)": (531, 1, (13, -13)),
    "BR(B+->Knunu)": (521, 1, (321, 12, -12)),
    "BR(B0->K*nunu)": (511, 1, (313, 12, -12)),
    "BR(mu->egamma)": (13, 1, (11, 22)),
    "DeltaM_s": (531, 7, (-531,)),
    "<Rmue>(B+->Kll)": (521, 11, (321, 13, -13)),
    "<Rmue>(B0->K*ll)": (511, 11, (313, 13, -13)),
    # beyond b -> s: branching ratios (type 1) and Delta M_d (type 7, as NMSSMTools)
    "BR(mu->eee)": (13, 1, (11, 11, -11)),
    "BR(tau->mugamma)": (15, 1, (13, 22)),
    "BR(tau->egamma)": (15, 1, (11, 22)),
    "BR(tau->mumumu)": (15, 1, (13, 13, -13)),
    "BR(tau->eee)": (15, 1, (11, 11, -11)),
    "DeltaM_d": (511, 7, (-511,)),
    "BR(B0->mumu)": (511, 1, (13, -13)),
    "BR(K+->pinunu)": (321, 1, (211, 12, -12)),
    "BR(KL->pinunu)": (130, 1, (111, 12, -12)),
}
#: Observables that take (q2min, q2max); their FOBS q is the bin centre.
BINNED_OBSERVABLES = frozenset({"<Rmue>(B+->Kll)", "<Rmue>(B0->K*ll)"})
#: flavio observable -> FDIPOLE (PDG, type, M). The value is the NP shift only.
FDIPOLE_IDS: dict[str, tuple[int, int, int]] = {"a_mu": (13, 2, 1), "a_e": (11, 2, 1),
                                                "a_tau": (15, 2, 1)}
#: Observables of `bridge run` that have no FLHA code, and why: not written (a comment line of
#: the FOBS block names them), never given a made-up code.
NO_FOBS_CODE: dict[str, str] = {
    "CR(mu->e, Au)": "a conversion rate", "CR(mu->e, Al)": "a conversion rate",
    "CR(mu->e, Ti)": "a conversion rate", "S_psiK": "a CP asymmetry", "eps_K": "a CP parameter",
    "x12Im_D": "a mixing parameter", "DeltaM_K": "the short-distance part only",
    "<dBR/dq2>(B+->pimumu)": "a differential rate", "R_e": "a ratio of Z widths",
    "R_mu": "a ratio of Z widths", "R_tau": "a ratio of Z widths",
}

#: Imaginary parts at most this fraction of the value are rounding noise (module docstring).
IMAG_NOISE = 1e4 * sys.float_info.epsilon


def is_rounding_noise(value: complex) -> bool:
    """Whether the imaginary part of ``value`` is rounding noise (|Im| <= IMAG_NOISE |value|)."""
    value = complex(value)
    return abs(value.imag) <= IMAG_NOISE * abs(value)


def _name_and_bin(
    obs: Observable | str, q2min: float | None, q2max: float | None
) -> tuple[str, float | None, float | None]:
    """(flavio name, q2min, q2max) of an :class:`~bridge.observable.Observable` or a name."""
    if not isinstance(obs, Observable):
        return obs, q2min, q2max
    if q2min is not None or q2max is not None:
        raise ValueError(f"{obs.label!r}: the bin is part of the Observable, not extra arguments")
    if len(obs.args) not in (0, 2):
        raise ValueError(f"{obs.label!r}: expected no arguments or a q2 bin (q2min, q2max)")
    lo, hi = obs.args or (None, None)
    return obs.name, lo, hi


def fobs_key(
    obs: Observable | str, q2min: float | None = None, q2max: float | None = None
) -> tuple[int, int, float, tuple[int, ...]]:
    """FOBS key (parent, type, q, daughters) of a flavio observable.

    ``obs`` is an :class:`~bridge.observable.Observable` (its q^2 bin included) or a
    flavio name with the bin as ``q2min``, ``q2max``. For q^2-binned observables q is the
    bin centre, rounded to the digits the writer emits, so the key read back from a file
    equals this one.
    """
    obs_name, q2min, q2max = _name_and_bin(obs, q2min, q2max)
    if obs_name in FDIPOLE_IDS:
        raise KeyError(f"{obs_name!r} is written in FDIPOLE; use dipole_key()")
    if obs_name not in FOBS_IDS:
        raise KeyError(
            f"no FOBS identification for {obs_name!r}; known: {sorted(FOBS_IDS)}"
        )
    parent, obs_type, daughters = FOBS_IDS[obs_name]
    return (parent, obs_type, _bin_centre(obs_name, q2min, q2max), daughters)


def _bin_centre(obs_name: str, q2min: float | None, q2max: float | None) -> float:
    if obs_name not in BINNED_OBSERVABLES:
        if q2min is not None or q2max is not None:
            raise ValueError(f"{obs_name!r} is not q2-binned")
        return 0.0
    if q2min is None or q2max is None or not q2min < q2max:
        raise ValueError(f"{obs_name!r} needs q2min < q2max, got {q2min}, {q2max}")
    return float(_fmt((q2min + q2max) / 2))


def obs_entry(
    obs: Observable | str, value: float, q2min: float | None = None, q2max: float | None = None
) -> ObsEntry:
    """FOBS entry for a flavio prediction; the comment names it (and its bin)."""
    obs_name, q2min, q2max = _name_and_bin(obs, q2min, q2max)
    parent, obs_type, q, daughters = fobs_key(obs_name, q2min, q2max)
    comment = obs_name
    if obs_name in BINNED_OBSERVABLES:
        comment += f" q2=[{q2min:g},{q2max:g}] GeV^2 (q = bin centre)"
    return ObsEntry(parent, obs_type, float(value), q, daughters, comment)


#: hbar in GeV ps (CODATA 2018, exact since the 2019 SI): 1 GeV = 1/HBAR_GEV_PS ps^-1.
HBAR_GEV_PS = 6.582119569e-13
#: flavio observable -> (factor from flavio's unit to the FOBS unit, FOBS unit).
FOBS_UNITS: dict[str, tuple[float, str]] = {"DeltaM_s": (1.0 / HBAR_GEV_PS, "ps^-1"),
                                             "DeltaM_d": (1.0 / HBAR_GEV_PS, "ps^-1")}


def obs_entry_from_flavio(
    obs: Observable | str, value: float, q2min: float | None = None, q2max: float | None = None
) -> ObsEntry:
    """FOBS entry for a value in flavio's units (Delta M_s in GeV), written in the FOBS unit
    (Delta M_s in ps^-1); the comment names the unit where one is converted."""
    obs_name, q2min, q2max = _name_and_bin(obs, q2min, q2max)
    factor, unit = FOBS_UNITS.get(obs_name, (1.0, ""))
    entry = obs_entry(obs_name, float(value) * factor, q2min, q2max)
    return replace(entry, comment=f"{entry.comment} [{unit}]") if unit else entry


def dipole_key(obs: Observable | str) -> tuple[int, int, int]:
    """FDIPOLE key (PDG, type, M) of a flavio dipole observable."""
    obs_name, _, _ = _name_and_bin(obs, None, None)
    if obs_name not in FDIPOLE_IDS:
        raise KeyError(
            f"no FDIPOLE identification for {obs_name!r}; known: {sorted(FDIPOLE_IDS)}"
        )
    return FDIPOLE_IDS[obs_name]


def dipole_entry(obs: Observable | str, np_value: float) -> DipoleEntry:
    """FDIPOLE entry; ``np_value`` is the NP shift (e.g. Delta a_mu), not the total."""
    obs_name, _, _ = _name_and_bin(obs, None, None)
    pdg, dip_type, m = dipole_key(obs_name)
    return DipoleEntry(pdg, dip_type, m, float(np_value), f"Delta {obs_name} (NP)")


# --------------------------------------------------------------------------
# flavio <-> FLHA blocks


def wc_blocks_from_flavio(
    wcs: Mapping[str, complex],
    scale: float,
    *,
    m: int = 1,
    order: str = "00",
    keep_zero_imag: bool = False,
) -> tuple[FlhaWCBlock, FlhaWCBlock]:
    """Split flavio-basis coefficients into (FWCOEF, IMFWCOEF) blocks.

    Values are copied unchanged: the normalisation stays flavio's WET basis and
    must be stated when the blocks are formatted. An imaginary part that is rounding noise
    (:func:`is_rounding_noise`) gets no IMFWCOEF line unless ``keep_zero_imag``.
    """
    unknown = sorted(set(wcs) - FLAVIO_TO_FLHA.keys())
    if unknown:
        raise ValueError(f"no FLHA code for {unknown}")
    rank = {name: i for i, name in enumerate(FLAVIO_TO_FLHA)}
    re_block, im_block = FlhaWCBlock("FWCOEF", scale), FlhaWCBlock("IMFWCOEF", scale)
    for name in sorted(wcs, key=rank.__getitem__):
        value = complex(wcs[name])
        fermions, operator = FLAVIO_TO_FLHA[name]
        re_block.entries.append(WCEntry(fermions, operator, order, m, value.real, name))
        if keep_zero_imag or (value.imag != 0 and not is_rounding_noise(value)):
            im_block.entries.append(
                WCEntry(fermions, operator, order, m, value.imag, f"Im {name}")
            )
    return re_block, im_block


def flavio_wcs_from_blocks(
    re_block: FlhaWCBlock | None,
    im_block: FlhaWCBlock | None = None,
    *,
    m: int = 1,
    order: str = "00",
    strict: bool = True,
) -> dict[str, complex]:
    """Combine FWCOEF/IMFWCOEF entries with the given M and order into flavio names.

    No normalisation is converted. With ``strict`` an entry whose codes are not
    in :data:`FLHA_TO_FLAVIO` raises; otherwise it is skipped.
    """
    if re_block and im_block and re_block.scale != im_block.scale:
        raise ValueError(
            f"FWCOEF Q={re_block.scale} and IMFWCOEF Q={im_block.scale} differ"
        )
    out: dict[str, complex] = {}
    for block, unit in ((re_block, 1), (im_block, 1j)):
        for e in block.entries if block else ():
            if e.m != m or e.order != order:
                continue
            name = FLHA_TO_FLAVIO.get((e.fermions, e.operator))
            if name is None:
                if strict:
                    raise ValueError(
                        f"{block.name}: no flavio name for {e.fermions} {e.operator}"
                    )
                continue
            out[name] = out.get(name, 0j) + unit * e.value
    return out


def blocks_by_scale(blocks: Iterable[FlhaWCBlock]) -> dict[float, FlhaWCBlock]:
    """Index WC blocks of one name by their scale Q."""
    out: dict[float, FlhaWCBlock] = {}
    for block in blocks:
        if block.scale in out:
            raise ValueError(f"two {block.name} blocks at Q={block.scale}")
        out[block.scale] = block
    return out


# --------------------------------------------------------------------------
# writer


def _fmt(value: float, digits: int = 8) -> str:
    return f"{float(value): .{digits}E}"


def _clean(text: str) -> str:
    # one line, single spaces: what the reader gives back after stripping
    return " ".join(str(text).split())


def _tail(comment: str) -> str:
    comment = _clean(comment)
    return f"   # {comment}" if comment else ""


def _check_code(code: str, what: str, where: str) -> None:
    if not (isinstance(code, str) and re.fullmatch(r"(?:[0-9]{2})+", code)):
        raise FlhaFormatError(
            f"{where}: {what} code {code!r} is not an even-length digit string"
        )


def _check_unique(keys: Iterable[object], where: str) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise FlhaFormatError(f"{where}: duplicate entry {key}")
        seen.add(key)


def _check_m(m: int, where: str) -> None:
    if m not in _M_VALUES:
        raise FlhaFormatError(
            f"{where}: M must be 0 (SM), 1 (NP) or 2 (total), got {m!r}"
        )


def _real(value: object, where: str) -> float:
    if isinstance(value, complex):
        raise FlhaFormatError(
            f"{where}: complex value {value}; put Im parts in IMFWCOEF"
        )
    return float(value)  # type: ignore[arg-type]


def format_wc_block(
    block: FlhaWCBlock, normalisation: str | None = None, *, digits: int = 8, note: str = ""
) -> str:
    """SLHA text of a FWCOEF/IMFWCOEF block.

    ``normalisation`` (default: ``block.normalisation``) is required because
    the accord leaves it open; it goes into the header comment and into
    ``# normalisation:`` lines under the header. ``note`` adds comment lines after them.
    """
    where = f"block {block.name}"
    if block.name not in WC_BLOCKS:
        raise FlhaFormatError(f"{where}: not one of {WC_BLOCKS}")
    norm = _clean(normalisation if normalisation is not None else block.normalisation)
    if not norm:
        raise FlhaFormatError(f"{where}: a normalisation sentence is required")
    if not (math.isfinite(block.scale) and block.scale > 0):
        raise FlhaFormatError(f"{where}: scale must be positive, got {block.scale!r}")
    _check_unique((e.key for e in block.entries), where)
    comment = _clean(block.comment) or _DEFAULT_COMMENT[block.name]
    # the header stays short; the normalisation follows as wrapped comment lines
    lines = [f"Block {block.name} Q= {_fmt(block.scale)}  # {comment} (normalisation below)"]
    lines += [f"{_NORM_PREFIX} {chunk}" for chunk in textwrap.wrap(norm, 70)]
    lines += [f"# {chunk}" for chunk in textwrap.wrap(_clean(note), 76)]
    lines.append("#  fermions oper order M       value            comment")
    for e in block.entries:
        _check_code(e.fermions, "fermion", where)
        _check_code(e.operator, "operator", where)
        if not re.fullmatch(r"[0-9]{2}", e.order):
            raise FlhaFormatError(f"{where}: order {e.order!r} must be two digits")
        _check_m(e.m, where)
        value = _fmt(_real(e.value, where), digits)
        lines.append(
            f" {e.fermions:>9} {e.operator:>4}   {e.order}  {e.m}  {value}"
            + _tail(e.comment)
        )
    return "\n".join(lines) + "\n"


def format_obs_block(block: FlhaObsBlock, note: str = "", *, digits: int = 8) -> str:
    """SLHA text of a FOBS/FOBSSM block; ``note`` adds comment lines under it."""
    where = f"block {block.name}"
    if block.name == "FOBSERR":
        raise FlhaFormatError(
            f"{where}: FOBSERR layout is not pinned down; not written"
        )
    if block.name not in OBS_BLOCKS:
        raise FlhaFormatError(f"{where}: not one of {OBS_BLOCKS}")
    _check_unique((e.key for e in block.entries), where)
    lines = [
        f"Block {block.name}  # {_clean(block.comment) or _DEFAULT_COMMENT[block.name]}"
    ]
    lines += [f"# {chunk}" for chunk in textwrap.wrap(_clean(note), 76)]
    lines.append(
        "# ParentPDG type       value              q          NDA  ID1 ... IDn"
    )
    for e in block.entries:
        ids = "".join(f" {d:>6d}" for d in e.daughters)
        lines.append(
            f" {e.parent:>9d} {e.type:>4d}  {_fmt(_real(e.value, where), digits)}"
            f"  {_fmt(e.q)}  {len(e.daughters):>3d}{ids}{_tail(e.comment)}"
        )
    return "\n".join(lines) + "\n"


def format_dipole_block(
    block: FlhaDipoleBlock, note: str = "", *, digits: int = 8
) -> str:
    """SLHA text of a FDIPOLE block; ``note`` adds comment lines under the header."""
    where = f"block {block.name}"
    if block.name != "FDIPOLE":
        raise FlhaFormatError(f"{where}: not FDIPOLE")
    _check_unique((e.key for e in block.entries), where)
    lines = [f"Block FDIPOLE  # {_clean(block.comment) or _DEFAULT_COMMENT['FDIPOLE']}"]
    lines += [f"# {chunk}" for chunk in textwrap.wrap(_clean(note), 76)]
    lines.append("#   PDG_code type M       value")
    for e in block.entries:
        _check_m(e.m, where)
        value = _fmt(_real(e.value, where), digits)
        lines.append(f" {e.pdg:>11d} {e.type:>4d} {e.m}  {value}{_tail(e.comment)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# reader

_HEADER = re.compile(r"\s*block\s+(\S+)\s*(.*?)\s*", re.IGNORECASE)
_HEADER_Q = re.compile(r"(?:Q\s*=\s*(\S+))?", re.IGNORECASE)
_DECAY = re.compile(r"\s*decay\b", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_INT = re.compile(r"[+-]?[0-9]+")


def _int(token: str, what: str, where: str) -> int:
    if not _INT.fullmatch(token):
        raise FlhaFormatError(f"{where}: {what} {token!r} is not an integer")
    return int(token)


def _float(token: str, what: str, where: str) -> float:
    try:
        return float(token.replace("D", "E").replace("d", "e"))  # Fortran exponents
    except ValueError:
        raise FlhaFormatError(f"{where}: {what} {token!r} is not a number") from None


def _code_token(token: str, what: str, where: str) -> str:
    if not _DIGITS.fullmatch(token):
        raise FlhaFormatError(f"{where}: {what} code {token!r} is not a digit string")
    # an odd length means a writer (e.g. pyslha) dropped the leading zero
    return token if len(token) % 2 == 0 else "0" + token


def _parse_wc(tokens: list[str], comment: str, where: str) -> WCEntry:
    if len(tokens) != 5:
        raise FlhaFormatError(
            f"{where}: expected 5 columns (fermions operator order M value),"
            f" got {len(tokens)}"
        )
    fermions = _code_token(tokens[0], "fermion", where)
    operator = _code_token(tokens[1], "operator", where)
    if not (_DIGITS.fullmatch(tokens[2]) and len(tokens[2]) <= 2):
        raise FlhaFormatError(f"{where}: order {tokens[2]!r} is not a 1-2 digit number")
    m = _int(tokens[3], "M", where)
    _check_m(m, where)
    value = _float(tokens[4], "value", where)
    return WCEntry(fermions, operator, tokens[2].zfill(2), m, value, comment)


def _parse_obs(tokens: list[str], comment: str, where: str) -> ObsEntry:
    if len(tokens) < 5:
        raise FlhaFormatError(
            f"{where}: expected parent type value q NDA IDs, got {tokens}"
        )
    nda = _int(tokens[4], "NDA", where)
    if nda < 0 or len(tokens) != 5 + nda:
        raise FlhaFormatError(
            f"{where}: NDA={tokens[4]} but {len(tokens) - 5} daughter IDs follow"
            " (an extra M column, as CPsuperH writes, is not FLHA)"
        )
    daughters = tuple(_int(t, "daughter ID", where) for t in tokens[5:])
    return ObsEntry(
        _int(tokens[0], "parent", where),
        _int(tokens[1], "type", where),
        _float(tokens[2], "value", where),
        _float(tokens[3], "q", where),
        daughters,
        comment,
    )


def _parse_dipole(tokens: list[str], comment: str, where: str) -> DipoleEntry:
    if len(tokens) != 4:
        raise FlhaFormatError(
            f"{where}: expected 4 columns (PDG type M value), got {len(tokens)}"
        )
    m = _int(tokens[2], "M", where)
    _check_m(m, where)
    return DipoleEntry(
        _int(tokens[0], "PDG", where),
        _int(tokens[1], "type", where),
        m,
        _float(tokens[3], "value", where),
        comment,
    )


_PARSERS = {
    **dict.fromkeys(WC_BLOCKS, _parse_wc),
    **dict.fromkeys(OBS_BLOCKS, _parse_obs),
    **dict.fromkeys(DIPOLE_BLOCKS, _parse_dipole),
}


class _Open:
    """The FLHA block being read, with the line of each key seen so far."""

    def __init__(self, block: FlhaWCBlock | FlhaObsBlock | FlhaDipoleBlock) -> None:
        self.block = block
        self.key_lines: dict[object, int] = {}
        self.norm_chunks: list[str] = []

    def add_line(self, data: str, comment: str, lineno: int) -> None:
        where = f"block {self.block.name}, line {lineno}"
        entry = _PARSERS[self.block.name](data.split(), comment, where)
        if entry.key in self.key_lines:
            raise FlhaFormatError(
                f"{where}: duplicate entry {entry.key}"
                f" (first on line {self.key_lines[entry.key]})"
            )
        self.key_lines[entry.key] = lineno
        self.block.entries.append(entry)  # type: ignore[arg-type]

    def add_comment(self, line: str) -> None:
        if not self.block.entries and line.lower().startswith(_NORM_PREFIX):
            self.norm_chunks.append(line[len(_NORM_PREFIX) :].strip())
            if isinstance(self.block, FlhaWCBlock):
                self.block.normalisation = " ".join(self.norm_chunks)


def _open_block(
    name: str,
    rest: str,
    comment: str,
    lineno: int,
    scales: dict[tuple[str, float], int],
) -> _Open:
    where = f"block {name}, line {lineno}"
    header_q = _HEADER_Q.fullmatch(rest)
    if header_q is None:
        raise FlhaFormatError(f"{where}: unexpected header text {rest!r}")
    if name not in WC_BLOCKS:
        cls = FlhaObsBlock if name in OBS_BLOCKS else FlhaDipoleBlock
        return _Open(cls(name=name, comment=comment))
    if header_q.group(1) is None:
        raise FlhaFormatError(f"{where}: {name} needs a scale 'Q= ...' in its header")
    scale = _float(header_q.group(1), "scale Q", where)
    if (name, scale) in scales:
        raise FlhaFormatError(
            f"{where}: second {name} block at Q={scale}"
            f" (first on line {scales[name, scale]})"
        )
    scales[name, scale] = lineno
    # the normalisation is in "# normalisation:" lines under the header; files of bridge
    # versions before 0.1 also appended it to the header comment, which is still read
    comment, _, norm = comment.partition("; normalisation:")
    comment = comment.removesuffix("(normalisation below)")
    block = FlhaWCBlock(
        name=name, scale=scale, comment=comment.strip(), normalisation=norm.strip()
    )
    return _Open(block)


def read_flha_blocks(source: str | os.PathLike) -> dict[str, list]:
    """Parse the FLHA blocks FWCOEF, IMFWCOEF, FOBS, FOBSSM, FDIPOLE out of SLHA text or a file.

    ``source`` is a path (``pathlib.Path`` or a string naming a file, e.g. the
    ``output/F_Ib.slha`` of ``bridge run``) or the text itself (a string with a line
    break or starting with ``Block``, ``Decay`` or ``#``).

    Returns ``{block name: [blocks in file order]}`` with every name present.
    A fermion or operator code of odd length gets its leading zero back, because
    writers such as pyslha drop it (``305`` -> ``0305``). Fortran ``D``
    exponents are accepted.
    Other blocks (FOBSERR included) and DECAY stanzas are skipped. Several WC
    blocks at different Q are all kept (see :func:`blocks_by_scale`). Malformed
    lines, duplicate keys and two WC blocks of one name at the same Q raise
    :class:`FlhaFormatError` naming the block and the line.
    """
    text = _flha_text(source)
    result: dict[str, list] = {name: [] for name in FLHA_BLOCKS}
    scales: dict[tuple[str, float], int] = {}
    current: _Open | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        data, _, comment = line.partition("#")
        header = _HEADER.fullmatch(data)
        if header:
            name = header.group(1).upper()
            current = None
            if name in FLHA_BLOCKS:
                current = _open_block(
                    name, header.group(2), comment.strip(), lineno, scales
                )
                result[name].append(current.block)
        elif _DECAY.match(data):
            current = None
        elif current is not None and data.strip():
            current.add_line(data, comment.strip(), lineno)
        elif current is not None and line.strip():
            current.add_comment(line.strip())
    return result


def _flha_text(source: str | os.PathLike) -> str:
    """The SLHA text of ``source`` (a path or the text; see :func:`read_flha_blocks`)."""
    if isinstance(source, str):
        head = source.lstrip()[:6].upper()
        if "\n" in source or head.startswith(("BLOCK", "DECAY", "#")) or not source.strip():
            return source
    elif not isinstance(source, os.PathLike):
        raise TypeError(f"read_flha_blocks takes SLHA text or a path, not {type(source).__name__}")
    return Path(source).read_text(encoding="utf-8")
