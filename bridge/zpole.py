"""Z couplings of the leptons at one loop and flavio's Z-pole observables.

The dark loops shift the Z couplings of the leptons. The engine's Z penguin (physics.md §9,
bridge.engine.z_penguin) with a flavour-diagonal pair gives L ⊃ (g/c_W) Y_X/(16π²) Z_μ
(ℓ̄ γ^μ P_X ℓ) at q² = 0, and the SM term is −(g/c_W) Z_μ ℓ̄ γ^μ (g_L P_L + g_R P_R) ℓ, so

    δg_X^ℓ = −Y_X^ℓ/(16π²),   δg_L^ν = −Y_L^ν/(16π²).

The Z penguin is physics.md §9 (derived there; tested against the charged-Higgs closed form in
tests/test_lfv.py and tests/test_zpole.py). flavio computes the Z-pole observables (Γ(Z→ℓℓ), R_ℓ,
A_ℓ, ...) from SMEFT Warsaw coefficients at M_Z with the Z-coupling shifts of Brivio and Trott,
arXiv:1706.08945, Appendix A.1 (flavio/physics/zdecays/smeftew.py, which cites it):
δg_V^ℓ = −(C_φe + C_φl¹ + C_φl³)/(4√2 G_F), δg_V^ν =
−(C_φl¹ − C_φl³)/(4√2 G_F), the convention v² = 1/(√2 G_F)); the shifts above are that with

    C_φl¹ + C_φl³ = −2√2 G_F δg_L^ℓ,   C_φl¹ − C_φl³ = −2√2 G_F δg_L^ν,   C_φe = −2√2 G_F δg_R^ℓ.

The bridge hands its WET coefficients to wilson below the electroweak scale, where there is no Z;
these SMEFT coefficients are a separate wilson object used only for the Z-pole rows of the
`bridge run` table (:data:`Z_POLE_OBSERVABLES`).

Scope: the vertex at q² = 0: O(M_Z²/M²) corrections of the q² = M_Z² vertex are left out (1% for
M = 1 TeV, more for light states), as are the oblique corrections (S, T of the dark multiplets)
and the dipole and photon-penguin terms, which do not contribute at the Z pole at this order.
The Z penguin needs the sector's Z couplings (None: nothing is computed).

**Exact representation** (:func:`fast_values`). flavio's R_ℓ = Γ_had/Γ(Z→ℓℓ)
(flavio/physics/zdecays/gammaz.py ``Remutau``) with every partial width
Γ_f = Γ_f^SM + √2 G_F M_Z³ N_c/(3π) [2 g_V δg_V + 2 g_A δg_A + δg_V² + δg_A²] (``GammaZ_NP``)
and δg_V, δg_A linear in the SMEFT coefficients (smeftew.py: the flavour-specific terms and the
universal ones of d_GF, d_sh2, d_gZb through phil3_11 + phil3_22, which shift G_F) is, at fixed
SM parameters, a ratio of two polynomials of degree two in the coefficients
:func:`warsaw_coefficients` produces (:data:`Z_COEFFICIENTS`, real), the numerator Γ_had (the
quark couplings shift only through the universal terms). wilson hands flavio those coefficients
unchanged (same EFT, basis and scale as flavio's ``zdecays`` scale: no running). The two
polynomials are computed once with flavio (:func:`bridge.scan.fastpath_build.build_z_pole`:
f(0), f(±e_i), f(e_i + e_j) determine them exactly) and ship in the ``z_pole`` section of
bridge/data/fastpath.json; reading them imports neither flavio nor wilson.
"""

from __future__ import annotations

import math

import numpy as np

from bridge import engine
from bridge.engine import LEPTONS, NEUTRINOS, DarkSector

#: flavio's family index of the leptons in Warsaw names (phil1_22: the muon doublet).
FAMILY = {"e": 1, "mu": 2, "tau": 3, "nu_e": 1, "nu_mu": 2, "nu_tau": 3}
#: The Z-pole observables of the `bridge run` table (flavio computes them from SMEFT at M_Z).
Z_POLE_OBSERVABLES = ("R_e", "R_mu", "R_tau")
#: Scale of the SMEFT coefficients handed to flavio for the Z-pole observables.
Z_SCALE = 91.1876
#: The coefficients :func:`warsaw_coefficients` can produce: the variables of the exact
#: representation of the Z-pole rows (u_i = C_i / Z_STEP, real).
Z_COEFFICIENTS = tuple(f"{c}_{i}{i}" for i in (1, 2, 3) for c in ("phil1", "phil3", "phie"))
#: Design step of the representation (GeV⁻²): C = 2√2 G_F δg, so u = 1 is δg ≈ 0.3, where
#: the quadratic part of Γ(Z→ℓℓ) is as large as the linear one and both are read off the design
#: points to rounding (the representation is exact; the step only sets that rounding).
Z_STEP = 1e-5
#: Version of the ``z_pole`` section of bridge/data/fastpath.json.
Z_FORMAT = 1
#: Acceptance of the shipped representation: max |fast − flavio|/|flavio| at its validation
#: points (the representation is exact up to rounding).
Z_TOLERANCE = 1e-12


def vertex_shifts(sector: DarkSector, sm) -> dict[str, complex]:
    """δg_L, δg_R of e, μ, τ and δg_L of the neutrinos (names dgL_Z_mu, dgR_Z_mu, dgL_Z_nu_mu),
    zeros dropped; empty without Z couplings."""
    if sector.z is None:
        return {}
    out = {}
    for lep in LEPTONS:
        for x in ("L", "R"):
            out[f"dg{x}_Z_{lep}"] = -engine.z_penguin(sector, sm, x, lep, lep) / (16.0 * math.pi**2)
    for nu in NEUTRINOS:
        out[f"dgL_Z_{nu}"] = -engine.z_penguin(sector, sm, "L", nu, nu) / (16.0 * math.pi**2)
    return {k: v for k, v in out.items() if np.any(v != 0)}


def _warsaw(shifts: dict, sm) -> dict[str, np.ndarray]:
    """All nine coefficients of :func:`warsaw_coefficients`, zeros kept, for one point (0-d
    arrays) or a batch (arrays of the shifts' shape)."""
    norm = -2.0 * math.sqrt(2.0) * sm.GF
    out = {}
    for lep, nu in zip(LEPTONS, NEUTRINOS, strict=True):
        i = FAMILY[lep]
        g_l, g_r, g_nu = (np.real(np.asarray(shifts.get(k, 0.0), dtype=complex))
                          for k in (f"dgL_Z_{lep}", f"dgR_Z_{lep}", f"dgL_Z_{nu}"))
        plus, minus = norm * g_l, norm * g_nu  # C1 + C3, C1 − C3
        out.update({f"phil1_{i}{i}": 0.5 * (plus + minus), f"phil3_{i}{i}": 0.5 * (plus - minus),
                    f"phie_{i}{i}": norm * g_r})
    return out


def warsaw_coefficients(shifts: dict, sm) -> dict[str, float]:
    """phil1_ii, phil3_ii, phie_ii (GeV⁻², real parts: the flavour-diagonal couplings of a
    hermitian Lagrangian are real) reproducing the shifts in flavio's smeftew; zeros dropped."""
    return {k: float(v) for k, v in _warsaw(shifts, sm).items() if v != 0}


def represented(names=Z_POLE_OBSERVABLES) -> bool:
    """Whether the shipped exact representation holds every row of ``names`` for the installed
    flavio and wilson."""
    reps = shipped_representations()
    return all(n in reps for n in names)


def batch_values(shifts: dict[str, np.ndarray], sm, size: int,
                 names=Z_POLE_OBSERVABLES) -> dict[str, np.ndarray] | None:
    """The Z-pole rows ``names`` at ``size`` points from their vertex shifts (arrays under the
    names of :func:`vertex_shifts`; absent = zero): the coefficients of
    :func:`warsaw_coefficients` and the shipped exact representation, point for point the
    arithmetic of :func:`fast_values` (so the same bits). None when a row has no shipped
    representation (flavio or wilson versions)."""
    if not represented(names):
        return None
    reps = shipped_representations()
    coefficients = _warsaw(shifts, sm)
    u = np.zeros((size, len(Z_COEFFICIENTS)))
    for k, name in enumerate(Z_COEFFICIENTS):  # the division to_units makes for one point
        u[:, k] = coefficients[name] / Z_STEP
    return {n: np.asarray(reps[n](u), dtype=float).reshape(size) for n in names}


def z_pole_wilson(coefficients: dict[str, float]):
    """A wilson.Wilson in the SMEFT Warsaw basis at M_Z holding the coefficients (may be empty)."""
    import wilson

    return wilson.Wilson({k: v for k, v in coefficients.items() if v != 0}, scale=Z_SCALE,
                         eft="SMEFT", basis="Warsaw")


# ---------------------------------------------------------------------------
# the exact representation of the Z-pole rows (built by bridge.scan.fastpath_build)
# ---------------------------------------------------------------------------
def z_pole_key() -> dict:
    """What the representation depends on: flavio and wilson versions (flavio's central
    parameters, no SMINPUTS overrides: the callers send those to flavio)."""
    from bridge.versions import installed as version  # once per process

    return {"format": Z_FORMAT, "flavio": version("flavio"), "wilson": version("wilson"),
            "scale": Z_SCALE, "variables": list(Z_COEFFICIENTS), "step": Z_STEP}


def to_units(coefficients: dict[str, float]) -> np.ndarray | None:
    """u (1, n) of one point; None if a non-zero coefficient is not in :data:`Z_COEFFICIENTS`,
    has an imaginary part or is not finite (flavio computes the rows then)."""
    u = np.zeros((1, len(Z_COEFFICIENTS)))
    where = {c: i for i, c in enumerate(Z_COEFFICIENTS)}
    for name, value in coefficients.items():
        if value == 0:
            continue
        if name not in where or complex(value).imag != 0 or not math.isfinite(complex(value).real):
            return None
        u[0, where[name]] = complex(value).real / Z_STEP
    return u


def parse_representations(section) -> dict:
    """observable name → :class:`bridge.scan.fastpath.Representation` of the ``z_pole``
    section (checked: raises :class:`bridge.cache.Invalid`); ``ratio`` forms on the variables
    0 .. len(Z_COEFFICIENTS) − 1 only."""
    from bridge import cache
    from bridge.scan.fastpath import Representation

    if not isinstance(section, dict) or not isinstance(section.get("entries"), dict):
        raise cache.Invalid("the z_pole section has no entries")
    out = {}
    for name, entry in section["entries"].items():
        rep = Representation.from_dict(entry)
        if rep.form != "ratio" or rep.observable.name != name:
            raise cache.Invalid(f"entry {name}: not a ratio of {name}")
        if any(i >= len(Z_COEFFICIENTS) for i in rep.variables):
            raise cache.Invalid(f"entry {name}: a variable outside the Z-pole coefficients")
        out[name] = rep
    return out


def shipped_representations() -> dict:
    """name → representation of the shipped ``z_pole`` section for the installed flavio and
    wilson; {} if absent, for other versions or damaged (one warning line)."""
    from bridge import cache
    from bridge.scan import fastpath as fpm

    section = fpm.shipped().get("z_pole")
    if not isinstance(section, dict) or section.get("key") != z_pole_key():
        return {}
    try:
        reps = parse_representations(section)
    except (cache.Invalid, KeyError, TypeError, ValueError) as exc:
        cache.warn(fpm.shipped_path(), f"z_pole: {exc}")
        return {}
    return {k: r for k, r in reps.items() if r.max_rel_diff <= Z_TOLERANCE}


def fast_values(coefficients: dict[str, float], names=Z_POLE_OBSERVABLES) -> dict[str, float]:
    """name → flavio's value of the Z-pole rows ``names`` at the SMEFT coefficients
    :func:`warsaw_coefficients` gives, from the shipped exact representation (module
    docstring), at flavio's central parameters; the rows it cannot give are absent."""
    reps = shipped_representations()
    u = to_units(coefficients)
    if u is None:
        return {}
    return {n: float(reps[n](u)[0]) for n in names if n in reps}
