"""Standard-Model inputs the matching needs, taken from flavio's parameters.

SLHA ``Block SMINPUTS`` entries, when a card gives them, override flavio's
central values (and are passed on to flavio for the predictions, see
:mod:`bridge.observables`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

#: SMINPUTS entry -> (flavio parameter name, how to convert the SLHA value).
SMINPUTS_TO_FLAVIO = {
    1: ("alpha_e", lambda inv_alpha: 1.0 / inv_alpha),  # alpha_em^-1(M_Z) MSbar
    2: ("GF", float),
    3: ("alpha_s", float),
    4: ("m_Z", float),
    5: ("m_b", float),  # m_b(m_b) MSbar
    6: ("m_t", float),  # pole mass
    7: ("m_tau", float),
    11: ("m_e", float),
    13: ("m_mu", float),
}

SMINPUTS_NAMES = {
    1: "alpha_em^-1(M_Z) MSbar", 2: "G_F [GeV^-2]", 3: "alpha_s(M_Z) MSbar",
    4: "m_Z pole [GeV]", 5: "m_b(m_b) MSbar [GeV]", 6: "m_t pole [GeV]",
    7: "m_tau pole [GeV]", 11: "m_e pole [GeV]", 13: "m_mu pole [GeV]",
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

    @property
    def lambda_t(self) -> complex:
        return complex(self.lambda_t_re, self.lambda_t_im)

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
        return cls.from_parameter_dict(par)

    @classmethod
    def from_parameter_dict(cls, par: dict) -> SMInputs:
        from flavio.physics import ckm
        from flavio.physics.running import running

        lam = ckm.xi("t", "bs")(par)
        alpha_b = running.get_alpha_e(par, ALPHA_E_SCALE_BSLL)
        return cls(
            GF=par["GF"], alpha_e_bsll=alpha_b, alpha_e_0=ALPHA_E_THOMSON,
            s2w=par["s2w"], m_W=par["m_W"], m_Z=par["m_Z"], m_e=par["m_e"],
            m_mu=par["m_mu"], m_tau=par["m_tau"], m_s=par["m_s"], m_b=par["m_b"],
            m_t=par["m_t"], lambda_t_re=float(lam.real), lambda_t_im=float(lam.imag),
            alpha_e_mz=par["alpha_e"],
        )

    def replace(self, **changes) -> SMInputs:
        return replace(self, **changes)


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
        if key in SMINPUTS_TO_FLAVIO:
            name, convert = SMINPUTS_TO_FLAVIO[key]
            out[name] = convert(value)
    return out
