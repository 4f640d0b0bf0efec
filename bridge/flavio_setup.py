"""What the bridge hands to flavio: the ``wilson.Wilson`` of a point, flavio's parameters with
the card's SMINPUTS, and the observables the bridge registers with flavio. flavio and wilson are
imported inside the functions (this module is imported by commands that make no prediction)."""

from __future__ import annotations


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
