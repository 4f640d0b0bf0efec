"""The DirectDM hand-over (bridge/darkmatter/directdm_handover.py): its compatibility layer,
the map of the couplings onto DirectDM's basis against textbook cross sections, and DirectDM
against the native formulas on the shipped cards. Tests that run DirectDM skip without it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from models import SM, model

from bridge import pipeline
from bridge.card import parse_inputs, read_card
from bridge.darkmatter import annihilation as A
from bridge.darkmatter import constants as C
from bridge.darkmatter import direct
from bridge.darkmatter import directdm_handover as H
from bridge.darkmatter.summary import report_lines, summary
from bridge.engine import DarkFermion, DarkScalar, DarkSector, HiggsCouplings, ZCouplings
from bridge.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]
SMC = A.SMCouplings.from_sm(SM)

needs_directdm = pytest.mark.skipif(bool(H.missing()), reason="directdm is not installed "
                                    "(pip install bridge-flavour[directdm])")


# --- the compatibility layer -------------------------------------------------------------------
def test_legacy_delete_drops_only_a_run_past_the_end():
    """numpy < 1.19 semantics for DirectDM's index lists (np.r_[0:8, 13:97] on 65 entries is
    "0-7 and 13 to the end"); in-range lists and slices are numpy's own."""
    c = np.arange(65.0)
    kept = H.legacy_delete(c, np.r_[np.s_[0:8], np.s_[13:97]])
    assert kept.tolist() == list(range(8, 13))
    assert H.legacy_delete(c, [1, 5, 64]).tolist() == np.delete(c, [1, 5, 64]).tolist()
    assert H.legacy_delete(c, np.s_[3:99]).tolist() == list(range(3))
    m = np.arange(12.0).reshape(3, 4)
    assert H.legacy_delete(m, [1, 2, 3, 4, 5], 1).tolist() == [[0.0], [4.0], [8.0]]
    with pytest.raises(IndexError):  # past the end, but not continuing a run to the end
        H.legacy_delete(c, [3, 70])
    with pytest.raises(IndexError):  # a gap inside the out-of-range run
        H.legacy_delete(c, [*range(60, 66), 68])
    with pytest.raises(IndexError):  # numpy < 1.19 ignored these; DirectDM never relies on it
        H.legacy_delete(c, [-1, 2])


def test_resource_filename_stand_in():
    """The pkg_resources stand-in finds a package's file as plain paths."""
    path = Path(H._resource_filename("bridge", "darkmatter/direct.py"))
    assert path.is_file() and path.samefile(Path(direct.__file__))


@needs_directdm
def test_import_leaves_no_stand_in_behind():
    import sys

    stand_in = sys.modules.get("pkg_resources")
    assert stand_in is None or getattr(stand_in, "resource_filename", None) is not H._resource_filename
    assert H.label().startswith("DirectDM ")


# --- the map against textbook cross sections ---------------------------------------------------
def _directdm_inputs():
    return H._load().dm_eft.default_input


def _f_prime(nucleon):
    """m_N (Σ_{u,d,s} f_Tq + (2/9) f_TG) with DirectDM's own nucleon inputs (σ terms, m_G =
    m_N f_TG): Shifman-Vainshtein-Zakharov heavy-quark term, each of c, b, t giving (2/27) m_G."""
    ip = _directdm_inputs()
    sig = ip["sigmaup"] + ip["sigmadp"] if nucleon == "p" else ip["sigmaun"] + ip["sigmadn"]
    return sig + ip["sigmas"] + 3 * 2 / 27 * ip["mG"]


@needs_directdm
@pytest.mark.parametrize("majorana", [True, False])
def test_higgs_only_fermion_reproduces_textbook_si(majorana):
    """Higgs exchange only, vertex −i y (L ⊃ −½ y h χ̄χ Majorana, −y h χ̄χ Dirac): σ_SI^N =
    y² μ_N² f_N'² /(π v² m_h⁴), f_N' = m_N(Σ f_Tq + 2/9 f_TG) (Jungman, Kamionkowski, Griest,
    Phys. Rept. 267 (1996) 195, Eqs. (7.30)-(7.33) with κ = 4 and f_q = y m_q/(2 v m_h²) for a
    Majorana χ; the same for a Dirac χ with κ = 1 and f_q = y m_q/(v m_h²)). With DirectDM's running
    off, the chain is tree level: equal to 1e-10; a wrong Majorana factor in the map would be 4."""
    m, y = 200.0, 0.05
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=majorana),), (DarkScalar("S", 900.0, 0.0),),
                     higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    sig = H.cross_sections(direct.quark_couplings(sec, SM), rge=False)
    for N in ("p", "n"):
        mn = direct.M_NUCLEON[N]
        mu = m * mn / (m + mn)
        expect = y**2 * mu**2 * _f_prime(N) ** 2 / (math.pi * SMC.vev**2 * SMC.m_h**4)
        assert sig[f"si_{N}"] == pytest.approx(expect, rel=1e-10)
        assert sig[f"sd_{N}"] == 0.0


@needs_directdm
@pytest.mark.parametrize("real", [True, False])
def test_higgs_only_scalar_reproduces_textbook_si(real):
    """Real scalar singlet, Higgs exchange only: σ_SI = λ_hs² f_N'² μ²/(4π m_h⁴ m_S²) (Cline,
    Scott, Kainulainen, Weniger, arXiv:1306.4710, Eq. (3.2); the hSS vertex is λ_hs v). A complex
    scalar with the same vertex (L ⊃ −λ_hs v h S*S) has the same amplitude, hence the same σ."""
    ms, lam = 300.0, 0.1
    sec = DarkSector((DarkFermion("F-", 500.0, -1.0),), (DarkScalar("S", ms, 0.0, real=real),),
                     higgs=HiggsCouplings(np.zeros((1, 1)), np.array([[lam * SMC.vev]])))
    sig = H.cross_sections(direct.quark_couplings(sec, SM), rge=False)
    for N in ("p", "n"):
        mn = direct.M_NUCLEON[N]
        mu = ms * mn / (ms + mn)
        expect = lam**2 * _f_prime(N) ** 2 * mu**2 / (4 * math.pi * SMC.m_h**4 * ms**2)
        assert sig[f"si_{N}"] == pytest.approx(expect, rel=1e-10)


@needs_directdm
def test_higgs_only_with_running_differs_by_the_gluon_operator_only():
    """With DirectDM's running on, the light-quark parts stay (m_q q̄q is RG invariant) and only
    the gluonic α_s G G/(12π) pieces of c, b, t change (the top one, put in at M_Z, most): σ_SI
    grows by 1-3%, not more."""
    m, y = 200.0, 0.05
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),), (DarkScalar("S", 900.0, 0.0),),
                     higgs=HiggsCouplings(np.array([[y]]), np.zeros((1, 1))))
    coup = direct.quark_couplings(sec, SM)
    off, on = H.nr_coefficients(coup, rge=False), H.nr_coefficients(coup, rge=True)
    ip = _directdm_inputs()
    light = (ip["sigmaup"] + ip["sigmadp"] + ip["sigmas"]) * 2 * coup.f_over_m["u"]
    heavy_off, heavy_on = off["cNR1p"] - light, on["cNR1p"] - light
    assert heavy_off == pytest.approx(3 * 2 / 27 * ip["mG"] * 2 * coup.f_over_m["u"], rel=1e-12)
    assert 1.003 < heavy_on / heavy_off < 1.03
    assert 1.005 < (on["cNR1p"] / off["cNR1p"]) ** 2 < 1.03


@needs_directdm
def test_dirac_z_exchange_goodman_witten_and_the_running_weak_charge():
    """Dirac χ with a neutrino's Z couplings, running off: σ_χN = G_F² μ² Q_W²/(8π), Q_W = 1 per
    neutron, −(1 − 4 s_W²) per proton (Goodman & Witten, Phys. Rev. D31 (1985) 3059). With the
    running (QED and the weak double insertions of arXiv:1801.04240) the neutron is unchanged
    and the accidentally small proton charge drops: σ_SI^p is lower by 20-40%."""
    m = 100.0
    sec = DarkSector((DarkFermion("chi", m, 0.0),), (DarkScalar("S", 900.0, 0.0),),
                     z=ZCouplings(np.array([[0.5]]), np.zeros((1, 1)), np.zeros((1, 1))))
    coup = direct.quark_couplings(sec, SM)
    off = H.cross_sections(coup, rge=False)
    for N, qw in (("n", 1.0), ("p", 1 - 4 * SM.s2w)):
        mu = m * direct.M_NUCLEON[N] / (m + direct.M_NUCLEON[N])
        assert off[f"si_{N}"] == pytest.approx(SM.GF**2 * mu**2 * qw**2 / (8 * math.pi), rel=1e-10)
    on = H.cross_sections(coup)
    assert on["si_n"] == pytest.approx(off["si_n"], rel=1e-3)
    assert 0.6 < on["si_p"] / off["si_p"] < 0.8


@needs_directdm
def test_axial_couplings_give_native_sd():
    """σ_SD = 3 μ² (c_4)²/(16π) from DirectDM's c_4 = −4 Σ Δq C_{4,q} equals the native
    3κ μ²/π (Σ d_q Δq)² (κ = 4 Majorana) for a coloured-mediator plus Z axial coupling."""
    m = 300.0
    sec = DarkSector((DarkFermion("chi", m, 0.0, majorana=True),),
                     (DarkScalar("Phi", 1000.0, -1 / 3, colour=3),), left={"s": np.array([[0.5]])},
                     z=ZCouplings(np.array([[0.01]]), np.array([[-0.01]]), np.zeros((1, 1))))
    coup = direct.quark_couplings(sec, SM)
    nat, dd = direct.native_cross_sections(coup), H.cross_sections(coup)
    for N in ("p", "n"):
        assert dd[f"sd_{N}"] == pytest.approx(nat[f"sd_{N}"], rel=1e-6)
        assert dd[f"si_{N}"] == 0.0


# --- the shipped cards -------------------------------------------------------------------------
def _card_sector(name):
    info = model(name).info()
    inputs = parse_inputs(read_card(ROOT / "cards" / f"{name}.slha"), info)
    return pipeline.spectrum(model(name), inputs, SM).sector


@needs_directdm
@pytest.mark.parametrize("name", ["F_Ib", "F_Ia", "S_Ib"])
def test_shipped_cards_directdm_against_native(name):
    """F_Ib (Majorana singlet-doublet: Higgs, Z, coloured mediator), F_Ia (Majorana, SD only),
    S_Ib (real scalar, Higgs only). DirectDM without running equals the native formulas to
    5e-4 (the only difference: DirectDM's m_G = 0.836 GeV against the native m_N f_TG); with
    running SI grows by 1.4% (proton), 1.5% (neutron) — the gluonic operator's running — and SD
    does not move (the axial currents do not run at the order DirectDM works)."""
    sec = _card_sector(name)
    coup = direct.quark_couplings(sec, SM)
    nat = direct.native_cross_sections(coup)
    off, on = H.cross_sections(coup, rge=False), H.cross_sections(coup)
    for key in nat:
        if nat[key] == 0.0:
            assert off[key] == 0.0 and on[key] == 0.0
            continue
        assert off[key] == pytest.approx(nat[key], rel=5e-4)
        if key.startswith("sd"):
            assert on[key] == pytest.approx(nat[key], rel=1e-9)
        else:
            assert 1.010 < on[key] / nat[key] < 1.02


# --- wiring and refusals -----------------------------------------------------------------------
@needs_directdm
def test_auto_uses_directdm_and_says_so():
    sec = _card_sector("F_Ib")
    res = direct.direct_detection(sec, SM, "auto")
    assert res.method == H.label()
    assert direct.direct_detection(sec, SM).method == "native tree level"
    dm = summary(sec, SM, "auto")
    assert dm["direct_method"] == H.label()
    assert any(H.label() in line for line in report_lines(dm))


@needs_directdm
def test_failed_calibration_refuses_directdm(monkeypatch):
    """A chain whose calibration point comes out wrong (here: every c_i doubled, as a factor-2
    convention change would) is not used: auto falls back to native and says why."""
    ddm = H._load()
    true = H._nr_coefficients
    monkeypatch.setattr(H, "_nr_coefficients",
                        lambda *a, **k: {key: 2 * v for key, v in true(*a, **k).items()})
    monkeypatch.setattr(H, "_STATE", {"module": ddm, "reason": "", "version": "test"})
    sec = _card_sector("F_Ib")
    res = direct.direct_detection(sec, SM, "auto")
    assert res.method.startswith("native tree level (DirectDM not used: self-check failed for DM type M")
    with pytest.raises(ModelError, match="self-check failed"):
        direct.direct_detection(sec, SM, "directdm")


def test_without_directdm_auto_is_native(monkeypatch):
    monkeypatch.setattr(H, "_STATE", {"module": None, "reason": "directdm is not installed (test)"})
    sec = _card_sector("F_Ib")
    res = direct.direct_detection(sec, SM, "auto")
    nat = direct.direct_detection(sec, SM, "native")
    assert res.sigma_si_p == nat.sigma_si_p and res.sigma_sd_n == nat.sigma_sd_n
    assert res.method == "native tree level (DirectDM not used: directdm is not installed (test))"
    with pytest.raises(ModelError, match="not installed"):
        direct.direct_detection(sec, SM, "directdm")
    native_si_p = direct.native_cross_sections(direct.quark_couplings(sec, SM))["si_p"]
    assert res.sigma_si_p == pytest.approx(native_si_p * C.GEV2_TO_CM2, rel=1e-15)


@needs_directdm
def test_directdm_failing_at_a_point_falls_back_with_the_reason(monkeypatch):
    def broken(*a, **k):
        raise FloatingPointError("odeint gave up")

    sec = _card_sector("F_Ia")
    direct.direct_detection(sec, SM, "auto")  # calibrated before the chain breaks
    monkeypatch.setattr(H, "_nr_coefficients", broken)
    res = direct.direct_detection(sec, SM, "auto")
    assert res.method == ("native tree level (DirectDM not used: DirectDM failed here: "
                          "FloatingPointError: odeint gave up)")
    assert res.sigma_sd_p == direct.direct_detection(sec, SM, "native").sigma_sd_p
    with pytest.raises(ModelError, match="odeint gave up"):
        direct.direct_detection(sec, SM, "directdm")
