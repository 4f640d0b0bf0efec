"""Standard-Model inputs the matching needs, taken from flavio's parameters.

SLHA ``Block SMINPUTS`` entries, when a card gives them, override flavio's
central values (and are passed on to flavio for the predictions, see
:mod:`bridge.observables`). :data:`SMINPUTS` is the one table of those entries (flavio
name, conversion, description, reference value, accepted window).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from bridge import cache

#: Accepted window of an SMINPUTS value without its own: reference / 1.5 .. reference * 1.5.
WINDOW_FACTOR = 1.5


@dataclass(frozen=True)
class SMInputEntry:
    """One SLHA SMINPUTS entry: what it is, how flavio calls it, where it must lie."""

    entry: int
    flavio: str  # flavio parameter
    description: str
    reference: float  # PDG 2022 central value, in the SLHA convention
    field: str | None = None  # the SMInputs attribute holding it (flavio convention)
    inverse: bool = False  # SLHA holds 1/x of flavio's parameter (alpha_em^-1)
    window: tuple[float, float] | None = None  # accepted values (SLHA convention)

    def __post_init__(self):
        if self.window is None:
            object.__setattr__(self, "window", (self.reference / WINDOW_FACTOR,
                                                self.reference * WINDOW_FACTOR))

    def to_flavio(self, value: float) -> float:
        """SLHA value -> flavio parameter."""
        return 1.0 / value if self.inverse else float(value)

    #: flavio parameter -> SLHA value: the same map (x -> 1/x is its own inverse)
    to_slha = to_flavio


#: The SM inputs a card may give (SLHA Block SMINPUTS): the one table that card parsing and
#: output (descriptions), flavio overrides, the sanity windows and the validation of cached
#: SM inputs read. The windows are wide but exclude typos (G_F x 10, GeV for MeV);
#: alpha_s above ~0.14 makes flavio's running fail at 2 GeV.
SMINPUTS = {row.entry: row for row in (
    SMInputEntry(1, "alpha_e", "alpha_em^-1(M_Z) MSbar", 127.951, "alpha_e_mz", inverse=True),
    SMInputEntry(2, "GF", "G_F [GeV^-2]", 1.1663788e-5, "GF"),
    SMInputEntry(3, "alpha_s", "alpha_s(M_Z) MSbar", 0.1179, "alpha_s_mz", window=(0.10, 0.135)),
    SMInputEntry(4, "m_Z", "m_Z pole [GeV]", 91.1876, "m_Z"),
    SMInputEntry(5, "m_b", "m_b(m_b) MSbar [GeV]", 4.18, "m_b"),
    SMInputEntry(6, "m_t", "m_t pole [GeV]", 172.69, "m_t"),
    SMInputEntry(7, "m_tau", "m_tau pole [GeV]", 1.77686, "m_tau"),
    SMInputEntry(11, "m_e", "m_e pole [GeV]", 0.51099895e-3, "m_e"),
    SMInputEntry(13, "m_mu", "m_mu pole [GeV]", 0.1056583755, "m_mu"),
)}

#: SMINPUTS entry -> description (a view of :data:`SMINPUTS`).
SMINPUTS_NAMES = {k: row.description for k, row in SMINPUTS.items()}

#: SMInputs quantities that are not SMINPUTS entries (flavio holds or derives them), with the
#: windows a cached value must lie in: reference / 1.5 .. reference * 1.5, except alpha_e at
#: 4.8 GeV, which runs from alpha_e(M_Z) and so spans what SMINPUTS 1's window allows.
DERIVED_WINDOWS = {
    "alpha_e_bsll": (1 / 200, 1 / 80),
    "s2w": (0.23121 / WINDOW_FACTOR, 0.23121 * WINDOW_FACTOR),
    "m_W": (80.379 / WINDOW_FACTOR, 80.379 * WINDOW_FACTOR),
    "m_s": (0.0935 / WINDOW_FACTOR, 0.0935 * WINDOW_FACTOR),  # m_s(2 GeV)
    "m_d": (0.00467 / WINDOW_FACTOR, 0.00467 * WINDOW_FACTOR),  # m_d(2 GeV)
    "|lambda_t|": (0.0412 / WINDOW_FACTOR, 0.0412 * WINDOW_FACTOR),  # |V_tb V_ts^*|
}

#: Scale at which alpha_e normalises C9, C10, CL: flavio evaluates the b->sll
#: prefactor with alpha_e at 4.8 GeV (flavio/physics/bdecays/bpll.py), so this
#: choice reproduces the physical four-fermion amplitude inside flavio.
ALPHA_E_SCALE_BSLL = 4.8

#: Thomson-limit fine-structure constant, for on-shell photons (lepton dipoles).
ALPHA_E_THOMSON = 1.0 / 137.035999084


@dataclass(frozen=True)
class SMInputs:
    """SM quantities used by the one-loop matching (GeV units)."""

    GF: float
    alpha_e_bsll: float  # alpha_e(4.8 GeV), C9/C10/CL normalisation
    alpha_e_0: float  # Thomson limit, e in lepton dipoles
    s2w: float
    m_W: float
    m_Z: float
    m_e: float
    m_mu: float
    m_tau: float
    m_s: float
    m_b: float
    m_t: float
    lambda_t_re: float  # V_tb V_ts^*
    lambda_t_im: float
    alpha_e_mz: float | None = None  # alpha_e(M_Z) MSbar, written back to SMINPUTS 1
    # the CKM matrix V (rows u, c, t; columns d, s, b), real and imaginary parts; None: flavio's
    # default parameters (computed on first use, for SMInputs written by hand in tests)
    ckm_re: tuple[tuple[float, ...], ...] | None = None
    ckm_im: tuple[tuple[float, ...], ...] | None = None
    m_d: float | None = None  # m_d(2 GeV) MSbar; None: flavio's default
    # alpha_s(M_Z) MSbar of the card's SMINPUTS 3; None: the card has none (the dark-matter code
    # then takes the PDG 2024 world average, bridge.darkmatter.constants.ALPHA_S_MZ)
    alpha_s_mz: float | None = None

    @property
    def lambda_t(self) -> complex:
        return complex(self.lambda_t_re, self.lambda_t_im)

    @property
    def ckm(self):
        """The CKM matrix V_{ij} (i = u, c, t; j = d, s, b) as a complex 3x3 numpy array."""
        if self.ckm_re is None or self.ckm_im is None:
            return default_ckm()
        return np.array(self.ckm_re) + 1j * np.array(self.ckm_im)

    def quark_mass(self, q: str) -> float:
        """m_d, m_s (at 2 GeV) or m_b(m_b), MSbar, as in the dipole normalisations of flavio."""
        if q == "d":
            return self.m_d if self.m_d is not None else flavio_parameters()["m_d"]
        return {"s": self.m_s, "b": self.m_b}[q]

    def xi_t(self, q_bar: str, q: str) -> complex:
        """V_{tq} V_{tq̄}^*, the CKM factor of flavio's (q̄ ... q) FCNC operators: λ_t for (s, b),
        V_tb V_td^* for (d, b), V_ts V_td^* for (d, s) (and V_td V_ts^* for (s, d))."""
        if (q_bar, q) == ("s", "b"):
            return self.lambda_t
        col = {"d": 0, "s": 1, "b": 2}
        v = self.ckm
        return complex(v[2, col[q]] * np.conj(v[2, col[q_bar]]))

    @property
    def vev(self) -> float:
        """v = (sqrt(2) G_F)^(-1/2) ~ 246.22 GeV."""
        return (math.sqrt(2.0) * self.GF) ** -0.5

    @property
    def norm_bs(self) -> complex:
        """The seed's 𝒩 = (4 G_F/√2 V_tb V_ts^*)^-1 in GeV^2 (arXiv:2104.03228)."""
        return 1.0 / (4.0 * self.GF / math.sqrt(2.0) * self.lambda_t)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_flavio(cls, overrides: dict[str, float] | None = None) -> SMInputs:
        """Central values of flavio's default parameters, with flavio-named overrides."""
        par = flavio_parameters(overrides)
        return cls.from_parameter_dict(par).replace(alpha_s_mz=(overrides or {}).get("alpha_s"))

    @classmethod
    def from_parameter_dict(cls, par: dict) -> SMInputs:
        from flavio.physics import ckm
        from flavio.physics.running import running

        lam = ckm.xi("t", "bs")(par)
        alpha_b = running.get_alpha_e(par, ALPHA_E_SCALE_BSLL)
        v = ckm.get_ckm(par)
        return cls(
            GF=par["GF"], alpha_e_bsll=alpha_b, alpha_e_0=ALPHA_E_THOMSON,
            s2w=par["s2w"], m_W=par["m_W"], m_Z=par["m_Z"], m_e=par["m_e"],
            m_mu=par["m_mu"], m_tau=par["m_tau"], m_s=par["m_s"], m_b=par["m_b"],
            m_t=par["m_t"], lambda_t_re=float(lam.real), lambda_t_im=float(lam.imag),
            alpha_e_mz=par["alpha_e"],
            ckm_re=tuple(tuple(float(x) for x in row) for row in v.real),
            ckm_im=tuple(tuple(float(x) for x in row) for row in v.imag),
            m_d=par["m_d"],
        )

    def replace(self, **changes) -> SMInputs:
        return replace(self, **changes)


def default_ckm():
    """flavio's CKM matrix at its default parameters (cached; imports flavio once)."""
    global _DEFAULT_CKM
    if _DEFAULT_CKM is None:
        from flavio.physics import ckm

        _DEFAULT_CKM = ckm.get_ckm(flavio_parameters())
    return _DEFAULT_CKM.copy()


_DEFAULT_CKM = None


def flavio_parameters(overrides: dict[str, float] | None = None) -> dict:
    """flavio's central parameter values as a dict, with overrides applied."""
    import flavio

    par = flavio.default_parameters.get_central_all()
    par.update(overrides or {})
    return par


def sminputs_overrides(sminputs: dict) -> dict[str, float]:
    """Translate SLHA SMINPUTS entries into flavio parameter overrides."""
    out = {}
    for key, value in sminputs.items():
        if key in SMINPUTS:
            row = SMINPUTS[key]
            out[row.flavio] = row.to_flavio(value)
    return out


# ---------------------------------------------------------------------------
# SM inputs cached on disk (a scan needs them without importing flavio)
# ---------------------------------------------------------------------------
#: Version of the cached SMInputs fields (2: the CKM matrix, 3: m_d, 4: alpha_s_mz), part of the cache
#: key so an entry written before a field was added is simply not found (no warning).
SM_INPUTS_FORMAT = 4


def _ckm_part(value, name: str):
    """A cached 3x3 real matrix (or None), as nested tuples of finite floats."""
    if value is None:
        return None
    if not (isinstance(value, (list, tuple)) and len(value) == 3
            and all(isinstance(r, (list, tuple)) and len(r) == 3 for r in value)):
        raise cache.Invalid(f"{name} is not a 3x3 matrix")
    return tuple(tuple(cache.real(x, name) for x in row) for row in value)


def sm_inputs_entry(overrides: dict) -> tuple[Path, dict]:
    """(cache file, key) of the SM inputs for these flavio-named overrides."""
    from bridge.versions import installed

    key = {"flavio": installed("flavio"), "overrides": overrides, "fields": SM_INPUTS_FORMAT}
    return cache.entry_path("sminputs", key), key


def parse_sm_inputs(payload, overrides: dict) -> SMInputs:
    """A cached SMInputs, checked: every field a finite number, the SMINPUTS entries within the
    windows of :data:`SMINPUTS`, the others within :data:`DERIVED_WINDOWS`, and the overrides
    it was computed for equal to the values it holds. Raises :class:`bridge.cache.Invalid`."""
    if not isinstance(payload, dict):
        raise cache.Invalid(f"SM inputs are not an object ({type(payload).__name__})")
    names = [f.name for f in fields(SMInputs)]
    missing = [n for n in names if n not in payload]
    extra = sorted(set(payload) - set(names))
    if missing or extra:
        raise cache.Invalid(", ".join([f"missing field {n}" for n in missing]
                                      + [f"unknown field {n}" for n in extra]))
    # alpha_e_mz may be None: the SLHA output then asks flavio for it
    matrices = ("ckm_re", "ckm_im")
    optional = ("alpha_e_mz", "m_d", "alpha_s_mz")
    values = {n: None if n in optional and payload[n] is None else cache.real(payload[n], n)
              for n in names if n not in matrices}
    values.update({n: _ckm_part(payload[n], n) for n in matrices})
    if (values["ckm_re"] is None) != (values["ckm_im"] is None):
        raise cache.Invalid("the CKM matrix has only one of its real and imaginary parts")
    if values["ckm_re"] is not None:
        v = np.array(values["ckm_re"]) + 1j * np.array(values["ckm_im"])
        if np.max(np.abs(v @ v.conj().T - np.eye(3))) > 1e-6:
            raise cache.Invalid("the CKM matrix is not unitary")

    def within(what, value, window, source):
        low, high = window
        if not low <= value <= high:
            raise cache.Invalid(f"{what} = {value:g} is outside {low:.4g}-{high:.4g} ({source})")

    for row in SMINPUTS.values():
        if row.field and values[row.field] is not None:
            within(row.description, row.to_slha(values[row.field]), row.window, "SMINPUTS window")
    derived = {**values, "|lambda_t|": math.hypot(values["lambda_t_re"], values["lambda_t_im"])}
    for name, window in DERIVED_WINDOWS.items():
        if derived[name] is not None:  # m_d may be absent (flavio's default then)
            within(name, derived[name], window, "physical window")
    if values["alpha_e_0"] != ALPHA_E_THOMSON:
        raise cache.Invalid(f"alpha_e_0 = {values['alpha_e_0']!r} is not the Thomson-limit constant")
    by_flavio = {row.flavio: row for row in SMINPUTS.values()}
    for name, value in overrides.items():
        row = by_flavio.get(name)
        if row is None or not row.field:
            continue
        held = values[row.field]
        if held is None or not math.isclose(held, value, rel_tol=1e-12):
            held_text = "absent" if held is None else f"{row.to_slha(held):g}"
            raise cache.Invalid(f"{row.description} = {held_text}, but the card gives "
                                f"{row.to_slha(value):g}")
    return SMInputs(**values)


#: The SM inputs of flavio's default parameters, shipped with the package (bridge/data), so a
#: first run, scan or fit with a card without SMINPUTS does not import flavio for them.
SHIPPED_FILE = "sminputs.json"


def _shipped_sm_inputs(key: dict, overrides: dict) -> SMInputs | None:
    """The shipped entry for ``key`` (flavio version and overrides), checked as a cache entry."""
    from bridge.likelihoods.data import DATA_DIR, shipped_entries

    for entry in shipped_entries(SHIPPED_FILE):
        if entry.get("key") == key:
            try:
                return parse_sm_inputs(entry.get("sm_inputs"), overrides)
            except cache.Invalid as exc:
                cache.warn(DATA_DIR / SHIPPED_FILE, str(exc))
                return None
    return None


def cached_sm_inputs(overrides: dict) -> SMInputs:
    """SMInputs for these flavio-named overrides: shipped (flavio's defaults), or cached on disk
    (no flavio import then; an invalid entry is recomputed with one warning line)."""
    path, key = sm_inputs_entry(overrides)
    sm = _shipped_sm_inputs(key, overrides)
    if sm is not None:
        return sm
    sm = cache.load(path, key, lambda payload: parse_sm_inputs(payload, overrides))
    if sm is None:
        sm = SMInputs.from_flavio(overrides)
        cache.store(path, key, sm.as_dict())
    return sm


def write_shipped_sm_inputs(path=None) -> str:
    """Write bridge/data/sminputs.json (flavio's defaults, no overrides): ``python -c "from
    bridge.sm import write_shipped_sm_inputs as w; w()"`` after changing the flavio version."""
    import json

    from bridge.likelihoods.data import DATA_DIR

    _, key = sm_inputs_entry({})
    doc = {"description": "SM inputs of flavio's default parameters (bridge.sm.cached_sm_inputs); "
                          "used when the key matches exactly",
           "entries": [{"key": key, "sm_inputs": SMInputs.from_flavio({}).as_dict()}]}
    path = path or DATA_DIR / SHIPPED_FILE
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")
    return str(path)
