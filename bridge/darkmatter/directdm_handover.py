"""The candidate's couplings to quarks handed to DirectDM for SI and SD cross sections per nucleon.

DirectDM (PyPI ``directdm``; Bishara, Brod, Grinstein, Zupan, arXiv:1708.02678, with the
nucleon matching of arXiv:1707.06998 and the weak mixing below the weak scale of
arXiv:1801.04240) takes Wilson coefficients of the five-flavour DM EFT at μ = M_Z, runs them
(QCD, QED and the double insertions of SM four-fermion operators) down through the b and c
thresholds to 2 GeV and matches onto the non-relativistic coefficients c_i^N of
Anand, Fitzpatrick, Haxton (arXiv:1308.6288). It is optional (``pip install bridge-flavour[directdm]``);
without it :mod:`.direct` computes the same cross sections natively at tree level.

Compatibility layer (read against directdm 2.2.2, the newest release on PyPI; the upstream
repository's unreleased 2.2.3 of March 2025 has both problems below for a Majorana candidate):

1. ``directdm/run/adm.py`` does ``from pkg_resources import resource_filename``; recent
   setuptools (84.2 here) no longer ships ``pkg_resources``, and a Python ≥ 3.12 venv has no
   setuptools at all (directdm's own ``install_requires`` then brings the newest). When
   it cannot be imported, a stand-in module that provides only ``resource_filename`` (through
   :func:`importlib.resources.files`) is put in ``sys.modules`` for the import of directdm and
   removed after it (adm.py keeps its own reference), so nothing else sees it.
2. ``WC_4flavor.__init__`` and ``WC_5flavor.__init__`` (wilson_coefficients.py) build the
   dimension-six part of the dimension-eight mixing with ``np.delete(c, np.r_[0:8, 13:97])``
   and similar index lists that run past the end of the coefficient array (65 entries for
   Majorana, 58 in the four-flavour theory; for Dirac, 131 and 116, fixed upstream in 2.2.3 by
   shortening the ranges to the array end). numpy < 1.19 ignored out-of-bounds indices with a
   DeprecationWarning; numpy ≥ 1.19 raises IndexError (numpy 1.19.0 release notes, "numpy.delete
   no longer ignores out-of-bounds indices"). The layer gives that one module a numpy whose
   ``delete`` restores the old behaviour and nothing more: it drops indices past the end only
   when they continue a run that reaches the last element (``[13, ..., 96]`` on 65 entries means
   "13 to the end", exactly upstream's own fix for Dirac), and raises for anything else
   (negative indices, out-of-range indices that do not continue such a run), so it cannot
   silently delete the wrong entries.

3. The public ``cNR(DM_mass, q)`` raises KeyError for a real scalar: the "R" branch of
   ``WC_3flavor._my_cNR`` defines ``'cNR13p'`` twice and ``'cNR13n'`` never (2.2.2 and the
   upstream repository as of March 2025). The layer calls ``WC_5f(...)._my_cNR(DM_mass)``
   instead (documented there as "mainly for internal use"): the same coefficients with their
   q dependence split off, i.e. at q = 0, which is what σ_SI and σ_SD are defined at.

A check then refuses wrong results: before the first use for a DM type, DirectDM runs a
calibration point with one scalar and one axial coupling to light quarks, whose c_1^p and c_4^p
are its own nucleon inputs at leading order (c_1 = σ_u^p C_u, c_4 = −4 Δd^p C_d; the running
from M_Z to 2 GeV changes them by < 10⁻³); a result off by more than 1% makes DirectDM
unavailable, with the reason, and :mod:`.direct` falls back to the native formulas.

The map (operators and normalisation of DirectDM: the docstrings of ``WC_5flavor`` and
``WC_3flavor._my_cNR`` in wilson_coefficients.py; arXiv:1708.02678, Sec. 2):

* Fermion χ, Dirac ("D"): Q_{1,q}^(6) = (χ̄γ_μχ)(q̄γ^μq) ← b_q, Q_{4,q}^(6) = (χ̄γ_μγ5χ)(q̄γ^μγ5q)
  ← d_q, Q_{5,q}^(7) = m_q (χ̄χ)(q̄q) ← f_q/m_q, for q = u, d, s, c, b.
* Majorana ("M"): DirectDM's Majorana operators carry a factor ½ against the Dirac ones, so that
  their Feynman rules and the c_i^N matrices are the Dirac ones (wilson_coefficients.py: the "M"
  rows of ``_my_cNR`` equal the "D" rows; DirectDM-mma matchcnr.m copies the Dirac matrix for
  Majorana, and its changelog 1.0.1 removes the "extra factor of 2 in Majorana and real scalar
  matching"). Our f_q, d_q are coefficients of the full operators, so C = 2 f_q/m_q, 2 d_q. The
  Higgs-only test (tests/test_darkmatter_directdm.py) checks this factor against the textbook
  cross section: a wrong factor would be a factor 4 in σ.
* Scalars: Q_{3,q}^(6) = m_q (φ*φ)(q̄q) for a complex φ, ½ m_q φ²(q̄q) for a real one, so the
  Higgs exchange of the hSS vertex c_h (L ⊃ −c_h h φ*φ, −½ c_h h φ²) gives
  C_{3,q}^(6) = c_h/(v m_h²) in both cases. The Z vector exchange of a complex scalar is not
  mapped (no shipped card has one): such a candidate stays with the native formulas.
* The top quark is not in the five-flavour theory: it is integrated out at tree level,
  m_t t̄t → −α_s/(12π) G G (Shifman, Vainshtein, Zakharov, Phys. Lett. B78 (1978) 443), i.e.
  C_1^(7) = −C_{5,t}^(7) (fermions), C_5^(6) = −C_{3,t}^(6) (scalars) — the same step DirectDM
  takes itself at the b and c thresholds (``C71 = C71 − C75b`` in ``WC_5flavor.match``) and in
  its own electroweak matching of the Higgs portal (``WilCo_EW.match``: C75q = −C53/M_h²,
  C71 = +C53/M_h²).
* The couplings are tree-level exchanges of the Higgs, the Z and the coloured mediator; they are
  put in at μ = M_Z without running from the mediator mass down to M_Z.

Cross sections at zero momentum transfer from the non-relativistic coefficients (Anand et al.,
arXiv:1308.6288, and Fitzpatrick et al., arXiv:1203.3542, whose O_1 = 1, O_4 = S_χ·S_N with
amplitude normalised to 1 for a point-like nucleon): σ_SI^N = μ_N² (c_1^N)²/π for a fermion and a
scalar; σ_SD^N = 3 μ_N² (c_4^N)²/(16π) for a spin-½ χ (Σ over spins of |S_χ·S_N|² = 3/4, averaged
over 4 spin states). c_6^N (the pion pole of the axial current, ∝ q²) vanishes at q = 0.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import math
import sys
import types
import warnings

import numpy as np

#: The releases the compatibility layer was read against (2.2.3: the upstream repository's
#: unreleased version of March 2025, with the same two problems for a Majorana candidate).
TARGET_VERSIONS = ("2.2.2", "2.2.3")
#: Relative tolerance of the calibration check (module docstring).
CHECK_TOLERANCE = 0.01

_STATE: dict = {}


def _resource_filename(package: str, name: str) -> str:
    """pkg_resources.resource_filename for a package installed as plain files."""
    return str(importlib.resources.files(package).joinpath(name))


def _import_directdm():
    """Import directdm with the pkg_resources stand-in where setuptools lacks it (item 1)."""
    shim = None
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = _resource_filename
        sys.modules["pkg_resources"] = shim
    try:
        with warnings.catch_warnings():
            # importing builds its default inputs; one odeint call there (the top mass run
            # at a zero-length interval) warns and returns its start value
            warnings.simplefilter("ignore")
            return importlib.import_module("directdm")
    finally:
        if shim is not None and sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]


def legacy_delete(arr, obj, axis=None):
    """``np.delete`` with numpy < 1.19's treatment of indices past the end, restricted to the one
    use in DirectDM (item 2 of the module docstring): an index list whose out-of-range entries
    continue a run that reaches the last element; anything else past the end raises."""
    if isinstance(obj, slice):
        return np.delete(arr, obj, axis)
    idx = np.asarray(obj)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        return np.delete(arr, obj, axis)
    n = np.size(arr) if axis is None else np.shape(arr)[axis]
    if (idx < 0).any():
        raise IndexError("legacy_delete: negative indices (numpy < 1.19 ignored them; not a case "
                         "DirectDM relies on)")
    over = idx >= n
    if over.any():
        wanted = set(idx.tolist())
        run_to_end = all(k in wanted for k in range(n, int(idx.max()) + 1)) and (n - 1) in wanted
        if not run_to_end:
            raise IndexError(f"legacy_delete: indices past the end ({int(idx[over].min())}..."
                             f"{int(idx.max())} of {n}) that do not continue a run to the end")
        idx = idx[~over]
    return np.delete(arr, idx, axis)


class _NumpyWithLegacyDelete(types.ModuleType):
    """numpy for directdm.wilson_coefficients only: every name is numpy's except ``delete``."""

    def __init__(self):
        super().__init__("numpy_with_legacy_delete")

    def __getattr__(self, name):
        return getattr(np, name)

    delete = staticmethod(legacy_delete)


def _load():
    """directdm with the compatibility layer, or None; the reason lands in _STATE."""
    if "module" in _STATE:
        return _STATE["module"]
    _STATE["module"], _STATE["reason"] = None, ""
    try:
        ddm = _import_directdm()
    except ImportError as exc:
        _STATE["reason"] = f"directdm is not installed ({exc})"
        return None
    except Exception as exc:  # an import that fails for another reason: say so, never crash a run
        _STATE["reason"] = f"directdm failed to import: {type(exc).__name__}: {exc}"
        return None
    try:
        version = importlib.metadata.version("directdm")
    except importlib.metadata.PackageNotFoundError:  # on the path without metadata
        version = importlib.import_module("directdm._version").__version__
    _STATE["version"] = version
    if version in TARGET_VERSIONS:
        ddm.wilson_coefficients.np = _NumpyWithLegacyDelete()
    _STATE["module"] = ddm
    return ddm


def missing() -> str:
    """'' when directdm can be imported (with the compatibility layer), else why not."""
    return "" if _load() is not None else _STATE["reason"]


def label() -> str:
    """What :class:`.direct.DirectResult` calls this chain."""
    return f"DirectDM {_STATE.get('version', '?')}"


def dm_type(coup) -> str:
    """DirectDM's DM type of the candidate."""
    if coup.kind == "F":
        return "M" if coup.self_conjugate else "D"
    return "R" if coup.self_conjugate else "C"


def wilson_coefficients(coup) -> dict[str, float]:
    """DirectDM's five-flavour coefficients at μ = M_Z [GeV^(4−d)] from the couplings
    (module docstring for the map and its sources)."""
    light5 = ("u", "d", "s", "c", "b")
    if coup.kind == "F":
        factor = 2.0 if coup.self_conjugate else 1.0  # Majorana operators carry ½
        out = {f"C75{q}": factor * coup.f_over_m.get(q, 0.0) for q in light5}
        out["C71"] = -factor * coup.f_over_m.get("t", 0.0)
        for q in ("u", "d", "s"):
            out[f"C64{q}"] = factor * coup.d[q]
            if not coup.self_conjugate:
                out[f"C61{q}"] = coup.b[q]
        return out
    c3 = coup.c_h / (coup.vev * coup.m_h**2)
    out = {f"C63{q}": c3 for q in light5}
    out["C65"] = -c3
    return out


def _nr_coefficients(ddm, kind: str, coeffs: dict, mass: float, rge: bool = True) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the odeint warning of its quark-mass running
        # _my_cNR: the c_i with their q dependence split off, i.e. at q = 0 (item 3 above)
        return ddm.WC_5f(coeffs, kind)._my_cNR(mass, RGE=rge)


def _calibrated(ddm, kind: str) -> str:
    """'' if DirectDM passes the calibration check for this DM type, else the reason."""
    key = f"check-{kind}"
    if key in _STATE:
        return _STATE[key]
    ip = ddm.dm_eft.default_input
    mass = 100.0
    if kind in ("D", "M"):
        coeffs = {"C75u": 1.0, "C64d": 1.0}
        expect = {"cNR1p": ip["sigmaup"], "cNR4p": -4 * ip["Deltadp"]}
    else:
        coeffs = {"C63u": 1.0}
        expect = {"cNR1p": ip["sigmaup"] / (2 * mass)}
    reason = ""
    try:
        got = _nr_coefficients(ddm, kind, coeffs, mass)
        for name, value in expect.items():
            if not math.isclose(got[name], value, rel_tol=CHECK_TOLERANCE):
                reason = (f"self-check failed for DM type {kind}: {name} = {got[name]:.6g}, "
                          f"expected {value:.6g} at leading order")
                break
    except Exception as exc:
        reason = f"DirectDM fails for DM type {kind}: {type(exc).__name__}: {exc}"
    _STATE[key] = reason
    return reason


def unavailable(coup) -> str:
    """Why DirectDM cannot compute this candidate's cross sections ('' if it can)."""
    ddm = _load()
    if ddm is None:
        return _STATE["reason"]
    if coup.kind == "S" and not coup.self_conjugate and any(coup.b.values()):
        return "the Z vector exchange of a complex scalar is not mapped onto DirectDM's basis"
    return _calibrated(ddm, dm_type(coup))


def nr_coefficients(coup, rge: bool = True) -> dict:
    """DirectDM's c_1^N, c_4^N (N = p, n) of the candidate [GeV⁻²]; ``rge=False`` switches its
    running off (thresholds and nucleon matching only: the tree-level chain, for checks)."""
    ddm = _load()
    c = _nr_coefficients(ddm, dm_type(coup), wilson_coefficients(coup), coup.mass, rge)
    return {k: float(c[k]) for k in ("cNR1p", "cNR1n", "cNR4p", "cNR4n")}


def cross_sections(coup, rge: bool = True) -> dict:
    """σ_SI and σ_SD per proton and neutron [GeV⁻²] (module docstring)."""
    from bridge.darkmatter.constants import M_NUCLEON

    c = nr_coefficients(coup, rge)
    out = {}
    for N in ("p", "n"):
        mu = coup.mass * M_NUCLEON[N] / (coup.mass + M_NUCLEON[N])
        out[f"si_{N}"] = mu**2 * c[f"cNR1{N}"] ** 2 / math.pi
        out[f"sd_{N}"] = 3 * mu**2 * c[f"cNR4{N}"] ** 2 / (16 * math.pi) if coup.kind == "F" else 0.0
    return out
