"""Tests for bridge.flha: FLHA round trips, pyslha's failure on FWCOEF, code tables."""

import importlib.util
import json
import re
from pathlib import Path

import pyslha
import pytest

from bridge.flha import (
    BINNED_OBSERVABLES,
    FDIPOLE_IDS,
    FLAVIO_TO_FLHA,
    FLHA_TO_FLAVIO,
    FOBS_IDS,
    DipoleEntry,
    FlhaDipoleBlock,
    FlhaFormatError,
    FlhaObsBlock,
    FlhaWCBlock,
    ObsEntry,
    WCEntry,
    blocks_by_scale,
    dipole_entry,
    flavio_wcs_from_blocks,
    fobs_key,
    format_dipole_block,
    format_obs_block,
    format_wc_block,
    obs_entry,
    read_flha_blocks,
    wc_blocks_from_flavio,
)

NORM = (
    "Values are WCxf WET flavio-basis coefficients (L_eff = sum_i C_i O_i + h.c., "
    "NP only), not the SARAH/FlavorKit SPheno normalisation."
)

# values with at most 9 significant digits survive the % .8E format exactly
COMPLEX_WCS = {
    "C7_bs": -1.23456789e-02 + 2.5e-03j,
    "C9_bsmumu": -8.7654321e-01 + 0j,
    "C10_bsmumu": 3.14159265e-40 - 2.71828183e-41j,
    "CL_bsnuenue": -1.0e-300 + 1.0e-300j,
    "CVLL_bsbs": 4.2e-12 - 1.0e-13j,
}

SLHA_HEAD = """\
# full SLHA file: ordinary blocks, FLHA blocks and a DECAY stanza
Block MODSEL  # model selection
    1    0   # generic
Block MINPAR  # input parameters
    1    1.00000000E+03   # m0
    3    1.00000000E+01   # tan(beta)
Block MASS  # pole masses
       25    1.25100000E+02   # h
  1000022    5.00000000E+02   # chi_1
"""
SLHA_TAIL = """\
DECAY        25    4.07700000E-03   # h decays
     5.80000000E-01    2           5        -5   # BR(h -> b bbar)
     2.10000000E-01    2          24       -24   # BR(h -> W W*)
Block FOBSERR  # not parsed (layout not pinned down)
    5    1   2.00000000E-05   0   2   3   22   # BR(b->s gamma)
"""


def _wc_blocks():
    re_block, im_block = wc_blocks_from_flavio(COMPLEX_WCS, 160.0)
    # one order-01 SM entry, to keep a non-trivial order and M
    re_block.entries.append(
        WCEntry("03051212", "4141", "01", 0, -6.4e-03, "CL nu_e nu_e (SM, NLO)")
    )
    return re_block, im_block


def _obs_block(name="FOBS"):
    entries = [
        obs_entry("<Rmue>(B0->K*ll)", 0.92, 0.045, 1.1),
        obs_entry("<Rmue>(B0->K*ll)", 0.95, 1.1, 6.0),
        obs_entry("<Rmue>(B+->Kll)", 0.97, 1.1, 6.0),
        obs_entry("BR(Bs->mumu)", 3.6e-09),
        obs_entry("DeltaM_s", 17.7),
        # same parent and type, different daughters (SuperIso writes both)
        ObsEntry(521, 1, 1.1e-04, 0.0, (-15, 16), "BR(B_u->tau nu)"),
        ObsEntry(521, 1, 7.7e-03, 0.0, (421, -15, 16), "BR(B+->D0 tau nu)"),
    ]
    return FlhaObsBlock(name, entries)


def _full_text():
    re_block, im_block = _wc_blocks()
    dipoles = FlhaDipoleBlock(entries=[dipole_entry("a_mu", 2.5e-09)])
    return (
        SLHA_HEAD
        + format_wc_block(re_block, NORM)
        + format_wc_block(im_block, NORM)
        + format_obs_block(_obs_block())
        + format_obs_block(
            _obs_block("FOBSSM"), note="SM: all Wilson coefficients NP = 0"
        )
        + format_dipole_block(dipoles, note="Delta a_mu = a_mu - a_mu(SM)")
        + SLHA_TAIL
    )


def test_wc_round_trip_keeps_codes_values_scale_comments():
    re_block, im_block = _wc_blocks()
    got = read_flha_blocks(_full_text())
    (re_read,), (im_read,) = got["FWCOEF"], got["IMFWCOEF"]
    for written, read in ((re_block, re_read), (im_block, im_read)):
        assert read.scale == 160.0
        assert read.normalisation == NORM
        assert [e.key for e in read.entries] == [e.key for e in written.entries]
        for w, r in zip(written.entries, read.entries, strict=True):
            assert isinstance(r.fermions, str) and r.fermions == w.fermions
            assert r.value == pytest.approx(w.value, rel=1e-15, abs=0)
            assert r.comment == w.comment
    codes = {e.fermions for e in re_read.entries}
    assert {"0305", "03051313", "03051212", "03050305"} <= codes
    assert flavio_wcs_from_blocks(re_read, im_read) == pytest.approx(
        COMPLEX_WCS, rel=1e-15
    )


def test_format_is_fixed_width_slha():
    re_block, _ = _wc_blocks()
    text = format_wc_block(re_block, NORM)
    header, norm_line = text.splitlines()[:2]
    assert header.startswith("Block FWCOEF Q=  1.60000000E+02  # ")
    # issue 14 item 7: a short header (it was one 400-character comment), the sentence below it
    assert len(header) < 100 and header.endswith("(normalisation below)")
    assert norm_line.startswith("# normalisation: Values are WCxf")
    assert "      0305 4422   00  1  -1.23456789E-02   # C7_bs" in text
    assert "  03051212 4141   01  0  -6.40000000E-03   # CL nu_e nu_e (SM, NLO)" in text
    # no comma-joined values (pyslha writes those): columns are blank-separated
    assert all("," not in line.partition("#")[0] for line in text.splitlines())


def test_pyslha_loses_fwcoef_but_reads_the_ordinary_blocks():
    doc = pyslha.readSLHA(_full_text())
    n_written = len(_wc_blocks()[0].entries)
    fwcoef = doc.blocks["FWCOEF"]
    # every line has key None and overwrites the previous one
    assert list(fwcoef.keys()) == [None]
    assert len(fwcoef) == 1 < n_written
    # FOBS keyed by (parent, type): the two 521/1 lines and the R_K* bins collide
    assert len(doc.blocks["FOBS"]) < len(_obs_block().entries)
    assert doc.blocks["MASS"][25] == 125.1
    assert doc.blocks["MINPAR"][3] == 10.0
    assert doc.decays[25].totalwidth == pytest.approx(4.077e-3)


def test_fobs_round_trip_keeps_bins_and_daughters():
    got = read_flha_blocks(_full_text())
    (fobs,), (fobssm,) = got["FOBS"], got["FOBSSM"]
    written = _obs_block()
    assert fobs.as_dict() == written.as_dict()
    assert fobssm.as_dict() == written.as_dict()
    assert len(fobs.entries) == 7
    low = fobs_key("<Rmue>(B0->K*ll)", 0.045, 1.1)
    high = fobs_key("<Rmue>(B0->K*ll)", 1.1, 6.0)
    assert low != high and low[2] == 0.5725 and high[2] == 3.55
    assert fobs.as_dict()[low] == 0.92 and fobs.as_dict()[high] == 0.95
    assert (521, 1, 0.0, (-15, 16)) in fobs.as_dict()
    assert (521, 1, 0.0, (421, -15, 16)) in fobs.as_dict()
    assert [e.comment for e in fobs.entries] == [e.comment for e in written.entries]
    (fdipole,) = got["FDIPOLE"]
    assert fdipole.entries == [DipoleEntry(13, 2, 1, 2.5e-09, "Delta a_mu (NP)")]


def test_fobserr_and_unknown_blocks_are_skipped():
    got = read_flha_blocks(_full_text())
    assert set(got) == {"FWCOEF", "IMFWCOEF", "FOBS", "FOBSSM", "FDIPOLE"}
    with pytest.raises(FlhaFormatError, match="FOBSERR"):
        format_obs_block(FlhaObsBlock("FOBSERR", []))


def test_two_fwcoef_blocks_at_different_scales_are_kept():
    empty = FlhaWCBlock("FWCOEF", 91.1876)
    full, _ = _wc_blocks()
    text = format_wc_block(empty, NORM) + SLHA_HEAD + format_wc_block(full, NORM)
    blocks = blocks_by_scale(read_flha_blocks(text)["FWCOEF"])
    assert sorted(blocks) == [91.1876, 160.0]
    assert blocks[91.1876].entries == []
    assert len(blocks[160.0].entries) == len(full.entries)


def test_second_block_at_same_scale_raises():
    full, _ = _wc_blocks()
    text = format_wc_block(full, NORM) + format_wc_block(full, NORM)
    second = len(format_wc_block(full, NORM).splitlines()) + 1
    with pytest.raises(FlhaFormatError, match=rf"block FWCOEF, line {second}\b"):
        read_flha_blocks(text)


def _line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("good", "bad", "block", "match"),
    [
        ("-8.76543210E-01", "-8.7654321X-01", "FWCOEF", "not a number"),
        ("00  1  -8.76543210E-01", "00  1", "FWCOEF", "expected 5 columns"),
        ("00  1  -8.7", "00  7  -8.7", "FWCOEF", "M must be"),
        ("03051313 4133", "0305131x 4133", "FWCOEF", "not a digit string"),
        ("    2     13    -13", "    3     13    -13", "FOBS", "NDA=3"),
        ("13    2 1", "13    2 x", "FDIPOLE", "M 'x' is not an integer"),
    ],
)
def test_malformed_lines_name_block_and_line(good, bad, block, match):
    text = _full_text()
    # corrupt the first line of `block` that contains `good`
    start = _line_of(text, f"Block {block} ")
    lines = text.splitlines()
    lineno = next(i for i in range(start, len(lines) + 1) if good in lines[i - 1])
    lines[lineno - 1] = lines[lineno - 1].replace(good, bad, 1)
    with pytest.raises(
        FlhaFormatError, match=rf"block {block}, line {lineno}: .*{match}"
    ):
        read_flha_blocks("\n".join(lines))


def test_duplicate_key_and_missing_scale_raise():
    text = "Block FOBS\n 531 1 3.6e-09 0 2 13 -13\n 531 1 3.7e-09 0 2 13 -13 # again\n"
    with pytest.raises(
        FlhaFormatError, match=r"block FOBS, line 3: duplicate .*line 2"
    ):
        read_flha_blocks(text)
    with pytest.raises(FlhaFormatError, match=r"block FWCOEF, line 1: .*Q="):
        read_flha_blocks("Block FWCOEF # no scale\n 0305 4422 00 1 1.0\n")


def test_writer_rejects_bad_entries():
    with pytest.raises(FlhaFormatError, match="normalisation"):
        format_wc_block(FlhaWCBlock("FWCOEF", 160.0), "")
    bad = FlhaWCBlock("FWCOEF", 160.0, [WCEntry("305", "4422", "00", 1, 1.0)])
    with pytest.raises(FlhaFormatError, match="even-length"):
        format_wc_block(bad, NORM)
    cplx = FlhaWCBlock("FWCOEF", 160.0, [WCEntry("0305", "4422", "00", 1, 1j)])
    with pytest.raises(FlhaFormatError, match="IMFWCOEF"):
        format_wc_block(cplx, NORM)


def test_lost_zero_padding_is_restored_and_fortran_exponents_read():
    text = (
        "BLOCK fwcoef q= 160 # pyslha-style output\n"
        " 305 4422 0 1 -1.5D-02\n"
        " 3051313 4133 0 1 2\n"
    )
    (block,) = read_flha_blocks(text)["FWCOEF"]
    assert [e.key for e in block.entries] == [
        ("0305", "4422", "00", 1),
        ("03051313", "4133", "00", 1),
    ]
    assert block.entries[0].value == -1.5e-02


def test_full_precision_round_trip():
    values = {"C9_bsee": 0.1 + 0.2j, "Cgamma_mue": -1.0 / 3.0 + 1e-17j}
    # keep_zero_imag: the 1e-17 is below the rounding-noise threshold, written only when asked
    re_block, im_block = wc_blocks_from_flavio(values, 160.0, keep_zero_imag=True)
    text = format_wc_block(re_block, NORM, digits=16) + format_wc_block(
        im_block, NORM, digits=16
    )
    got = read_flha_blocks(text)
    assert flavio_wcs_from_blocks(got["FWCOEF"][0], got["IMFWCOEF"][0]) == values


def _spheno_file():
    spec = importlib.util.find_spec(
        "flavio"
    )  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("flavio not installed")
    path = (
        Path(next(iter(spec.submodule_search_locations))) / "data/test/SPheno.spc.MSSM"
    )
    if not path.exists():
        pytest.skip("flavio's SPheno test file not found")
    return path.read_text()


def test_reads_real_spheno_output():
    got = read_flha_blocks(_spheno_file())
    (fwcoef,), (imfwcoef,) = got["FWCOEF"], got["IMFWCOEF"]
    assert fwcoef.scale == 160.0 and len(fwcoef.entries) == 132 == len(imfwcoef.entries)
    assert fwcoef.as_dict()["03051313", "4133", "00", 1] == -0.14466810e-12
    assert fwcoef.entries[0].comment == "coeffC7sm"
    # SARAH/SPheno uses the same codes as the table for these coefficients
    np_only = flavio_wcs_from_blocks(fwcoef, imfwcoef, strict=False)
    assert {"C7_bs", "C9_bsmumu", "CL_bsnuenue", "CVLL_bsbs", "CTRR_bsbs"} <= set(
        np_only
    )


# --------------------------------------------------------------------------
# code tables


def _flavio_basis():
    spec = importlib.util.find_spec("wilson")
    path = (
        Path(next(iter(spec.submodule_search_locations)))
        / "wcxf/bases/wet.flavio.basis.json"
    )
    sectors = json.loads(path.read_text())["sectors"]
    return {name: info for sector in sectors.values() for name, info in sector.items()}


def test_code_table_keys_are_flavio_wet_names_and_injective():
    basis = _flavio_basis()
    assert not set(FLAVIO_TO_FLHA) - set(basis)
    assert len(set(FLAVIO_TO_FLHA.values())) == len(FLAVIO_TO_FLHA)
    assert {v: k for k, v in FLHA_TO_FLAVIO.items()} == FLAVIO_TO_FLHA
    required = {"C7_bs", "C7p_bs", "C8_bs", "C8p_bs", "C7_mumu", "C7_ee"}
    required |= {"CVLL_bsbs", "CVRR_bsbs", "CVLR_bsbs", "Cgamma_mue", "Cgamma_emu"}
    vector = ("C9", "C9p", "C10", "C10p")
    required |= {f"{c}_bs{ll}" for c in vector for ll in ("ee", "mumu", "tautau")}
    nus = ("nue", "numu", "nutau")
    required |= {f"C{h}_bs{a}{b}" for h in "LR" for a in nus for b in nus}
    assert required <= set(FLAVIO_TO_FLHA)
    for code, op in FLAVIO_TO_FLHA.values():
        assert re.fullmatch(r"(?:[0-9]{2})+", code) and re.fullmatch(r"[0-9]{4}", op)


def test_neutrino_and_dipole_codes_follow_the_basis_tex():
    # fermion codes list the barred field first; check that against the tex
    pdg = {"e": "11", "\\mu": "13", "\\tau": "15"}
    basis = _flavio_basis()
    for name, (code, _) in FLAVIO_TO_FLHA.items():
        tex = basis[name]["tex"]
        nu = re.search(r"\(\\bar \\nu_(\\?\w+) .*\\nu_(\\?\w+)\)", tex)
        if name.startswith(("CL_bs", "CR_bs")):
            barred, plain = (int(pdg[x]) + 1 for x in nu.groups())
            assert code == f"0305{barred}{plain}", name
        if name.startswith("Cgamma_"):
            lep = re.search(r"\\bar (\\?\w+)_L .*? (\\?\w+)_R", tex)
            assert code == pdg[lep.group(1)] + pdg[lep.group(2)], name
    assert FLAVIO_TO_FLHA["CL_bsnuenumu"] == ("03051412", "4141")


def test_fobs_keys():
    assert fobs_key("BR(B->Xsgamma)") == (5, 1, 0.0, (3, 22))
    assert fobs_key("BR(Bs->mumu)") == (531, 1, 0.0, (13, -13))
    assert fobs_key("<Rmue>(B+->Kll)", 1.1, 6) == (521, 11, 3.55, (321, 13, -13))
    keys = {
        fobs_key(n, *((1.1, 6.0) if n in BINNED_OBSERVABLES else ())) for n in FOBS_IDS
    }
    assert len(keys) == len(FOBS_IDS)
    assert FDIPOLE_IDS["a_mu"] == (13, 2, 1)
    with pytest.raises(KeyError, match="FDIPOLE"):
        fobs_key("a_mu")
    with pytest.raises(ValueError, match="q2min"):
        fobs_key("<Rmue>(B0->K*ll)")
    with pytest.raises(ValueError, match="not q2-binned"):
        fobs_key("DeltaM_s", 1.0, 2.0)


def test_fobs_delta_ms_is_written_in_inverse_picoseconds():
    """issue 14 item 7: flavio predicts Delta M_s in GeV; FOBS (NMSSMTools, SuperIso) is in ps^-1."""
    from bridge.flha import HBAR_GEV_PS, obs_entry_from_flavio

    entry = obs_entry_from_flavio("DeltaM_s", 1.1688e-11)  # HFLAV's 17.757 ps^-1 in GeV
    assert entry.value == pytest.approx(17.757, rel=1e-4)
    assert entry.comment == "DeltaM_s [ps^-1]"
    assert 1.1688e-11 / HBAR_GEV_PS == pytest.approx(entry.value, rel=1e-15)
    # the other observables keep flavio's (dimensionless) values
    assert obs_entry_from_flavio("BR(Bs->mumu)", 3.6e-9).value == 3.6e-9


def test_read_flha_blocks_takes_a_path_or_the_text(tmp_path):
    """issue 14 item 7: `read_flha_blocks(path)` as well as `read_flha_blocks(text)`."""
    text = _full_text()
    path = tmp_path / "out.slha"
    path.write_text(text)
    from_text = read_flha_blocks(text)
    for source in (path, str(path)):
        got = read_flha_blocks(source)
        assert got["FOBS"][0].as_dict() == from_text["FOBS"][0].as_dict()
        assert got["FWCOEF"][0].normalisation == from_text["FWCOEF"][0].normalisation == NORM
    with pytest.raises(FileNotFoundError):
        read_flha_blocks(str(tmp_path / "missing.slha"))
    with pytest.raises(TypeError):
        read_flha_blocks(3)


# ---------------------------------------------------------------------------
# the 32 rows of `bridge run` (issue 16) in FLHA: a code from the accord's scheme or none
# ---------------------------------------------------------------------------
def test_every_run_observable_has_a_code_or_a_reason_for_none():
    from bridge.flha import NO_FOBS_CODE
    from bridge.observables import RUN_OBSERVABLES

    for row in RUN_OBSERVABLES:
        homes = [row.name in table for table in (FOBS_IDS, FDIPOLE_IDS, NO_FOBS_CODE)]
        assert sum(homes) == 1, row.name
    # the accord's scheme: a branching ratio is type 1 with parent and daughters by PDG code
    assert fobs_key("BR(tau->mugamma)") == (15, 1, 0.0, (13, 22))
    assert fobs_key("BR(mu->eee)") == (13, 1, 0.0, (11, 11, -11))
    assert fobs_key("BR(KL->pinunu)") == (130, 1, 0.0, (111, 12, -12))
    assert fobs_key("DeltaM_d") == (511, 7, 0.0, (-511,))  # as NMSSMTools writes it
    assert FDIPOLE_IDS["a_e"] == (11, 2, 1) and FDIPOLE_IDS["a_tau"] == (15, 2, 1)


class _Prediction:
    def __init__(self, name, label, np_value, sm_value):
        self.flavio_name, self.label, self.np, self.sm, self.q2 = name, label, np_value, sm_value, None


class _Result:
    def __init__(self):
        self.scale = 160.0
        self.coefficients = {"C9_bsmumu": -0.48 - 0.0087j, "C7_ee": -1.0950e-4 - 2.99e-24j,
                             "C7_mumu": 0.27 + 0.0j, "CVLL_ucuc": -4.1e-13 + 1.2e-14j,
                             "C9_bdmumu": 0j}
        self.predictions = [_Prediction("BR(tau->mugamma)", "BR(tau->mu gamma)", 2e-9, 0.0),
                            _Prediction("DeltaM_d", "Delta M_d [GeV]", 3.5e-13, 3.4e-13),
                            _Prediction("CR(mu->e, Au)", "CR(mu->e, Au)", 1e-13, 0.0),
                            _Prediction("a_e", "Delta a_e", -2e-14, 0.0)]


def test_flha_output_writes_what_has_a_code_and_names_the_rest():
    """FOBS gets the new rows with codes from the accord's scheme (Delta M_d in ps^-1); what has
    no code is named in a comment line, not written with a made-up code; an imaginary part that
    is rounding noise (C7_ee's 3e-24) gets no IMFWCOEF line, a real phase keeps its line."""
    from bridge.flha import HBAR_GEV_PS
    from bridge.output import _flha_blocks

    text = "\n".join(_flha_blocks(_Result()))
    blocks = read_flha_blocks(text)
    fobs = blocks["FOBS"][0].as_dict()
    assert fobs[(15, 1, 0.0, (13, 22))] == pytest.approx(2e-9)
    assert fobs[(511, 7, 0.0, (-511,))] == pytest.approx(3.5e-13 / HBAR_GEV_PS)
    assert len(fobs) == 2 and blocks["FOBSSM"][0].as_dict()[(511, 7, 0.0, (-511,))] > 0
    assert blocks["FDIPOLE"][0].as_dict() == {(11, 2, 1): pytest.approx(-2e-14)}
    comments = " ".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    assert "CR(mu->e, Au) (a conversion rate)" in comments
    assert "for want of an FLHA code (in the WCxf and JSON files): CVLL_ucuc" in comments
    assert "C9_bdmumu" not in comments  # zero: nothing to say
    im = {e.comment for e in blocks["IMFWCOEF"][0].entries}
    assert im == {"Im C9_bsmumu"}
    re_ = {e.comment: e.value for e in blocks["FWCOEF"][0].entries}
    assert re_["C7_ee"] == pytest.approx(-1.0950e-4) and "CVLL_ucuc" not in re_


def test_rounding_noise_threshold():
    from bridge.flha import IMAG_NOISE, is_rounding_noise

    assert 1e-12 < IMAG_NOISE < 1e-11  # 1e4 double-precision epsilons
    assert is_rounding_noise(-1.0950e-4 - 2.99e-24j)  # scotogenic C7_ee
    assert is_rounding_noise(0.2668 + 0.2668 * 4.9e-15j)  # S_Ib's C7_mumu
    assert is_rounding_noise(0j) and is_rounding_noise(3.0)
    assert not is_rounding_noise(1 + 1e-9j)  # a phase of 1e-9 is kept
    assert not is_rounding_noise(-4.1e-13 + 1.2e-14j)  # CVLL_ucuc's CKM phase
