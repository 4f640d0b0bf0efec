"""The flavour extension computes what its caller reads (issue 12).

bridge.pipeline.flavour_extension (b→d, s→d, B_d/K/D mixing, τ dipoles, LFV operators) leaves out
the processes none of whose coefficients the caller reads; a scan reads those of its
observables' fast-path representations (bridge.scan.runner.coefficients_read). Checked here:

* the coefficient names by process that decide what is skipped are exactly those the processes
  give (a sector coupling to every lepton and quark);
* a restricted computation gives the read coefficients as the whole one does, bit for bit;
* a scan stores the same numbers in every column it shares with ``--coefficients all``, and
  lacks only coefficients none of its columns reads; an extra observable brings its
  coefficients back; an older results file (every coefficient) resumes only with ``all``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge import lfv, matching
from bridge.engine import DarkFermion, DarkScalar, DarkSector
from bridge.errors import InputError
from bridge.pipeline import flavour_extension

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sm():
    """The shipped SM inputs (flavio 2.7.1's defaults, CKM included): no flavio import."""
    from bridge.sm import cached_sm_inputs

    return cached_sm_inputs({})
SCOTO = str(ROOT / "cards" / "scotogenic.slha")
VARY = ["MINPAR:1:500:2000:30", "MINPAR:4:500:2000:30"]


def rnd(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def full_sector(seed=3) -> DarkSector:
    """Two neutral fermions, a charged colourless scalar (leptons e, μ, τ of both chiralities) and two
    coloured ones (down quarks d, s, b and up quarks u, c, left); random complex couplings."""
    rng = np.random.default_rng(seed)
    fermions = (DarkFermion("N", 900.0, 0.0, majorana=True), DarkFermion("P", 1100.0, 0.0))
    scalars = (DarkScalar("h", 600.0, -1.0), DarkScalar("Sd", 1300.0, -1 / 3, colour=3),
               DarkScalar("Su", 1500.0, 2 / 3, colour=3))

    def coupling(column):
        out = np.zeros((2, 3), complex)
        out[:, column] = rnd(rng, 2)
        return out

    left = {"e": coupling(0), "mu": coupling(0), "tau": coupling(0),
            **{q: coupling(1) for q in ("d", "s", "b")}, **{q: coupling(2) for q in ("u", "c")}}
    return DarkSector(fermions, scalars, left, {lep: coupling(0) for lep in ("e", "mu", "tau")})


def test_down_quark_names_are_what_the_functions_give(sm):
    sector = full_sector()
    names = matching.down_quark_names()
    for pair in ("bd", "sd"):
        got = {*matching.semileptonic(sector, sm, None, pair), *matching.quark_dipoles(sector, sm, pair)}
        assert got == names[pair], pair
    up = matching.ckm_rotated(sector, sm)
    for meson in matching.MIXING:
        assert set(matching.meson_mixing(sector, up, (meson,))) == names[meson], meson
    whole = matching.down_quark_coefficients(sector, sm, up_sector=up)
    # zeros dropped (the quarks couple left-handed only): a subset, with something of each group
    assert set(whole) <= set().union(*names.values())
    assert all(set(whole) & group for group in names.values())


def test_lfv_process_names_cover_every_coefficient(sm):
    sector = full_sector()
    whole = lfv.lfv_coefficients(sector, sm, quark_sector=matching.ckm_rotated(sector, sm))
    processes = {**lfv.FOUR_LEPTON, **lfv.CONVERSION}
    union = set().union(*(lfv.process_names(p) for p in processes))
    assert set(whole) == union  # every operator of every process, crossed ones included
    assert set(lfv.tau_dipoles(sector, sm)) == set(lfv.TAU_DIPOLES)


@pytest.mark.parametrize("read", [
    frozenset(), {"CVLL_eemue"}, {"Cgamma_taumu"}, {"CVLL_bdbd"}, {"CVLL_ucuc"}, {"C9_sdmumu"},
    {"CVLL_mueuu"}, {"CVLR_mueetau", "CL_bdnuenue"}, {"C9_bsmumu"},  # the last: no extension
])
def test_a_restricted_extension_gives_the_read_coefficients_unchanged(sm, read):
    sector = full_sector()
    whole = flavour_extension(sector, sm, {})
    part = flavour_extension(full_sector(), sm, {}, read=read)
    groups = [*matching.down_quark_names().values(), *({n} for n in lfv.TAU_DIPOLES),
              *(lfv.process_names(p) for p in {**lfv.FOUR_LEPTON, **lfv.CONVERSION})]
    allowed = set().union(*(g for g in groups if not g.isdisjoint(read)))
    for kind in ("quark", "lepton"):
        got = part[kind]
        assert set(got) <= allowed, kind  # nothing of a process that is not read
        assert {k for k in whole[kind] if k in read} <= set(got), kind
        for name, value in got.items():
            assert np.asarray(value).tobytes() == np.asarray(whole[kind][name]).tobytes(), name
    if not read & {"CVLL_bdbd", "CVLL_ucuc", "C9_sdmumu", "CL_bdnuenue", "CVLL_mueuu", "CVLL_eemue",
                   "Cgamma_taumu", "CVLR_mueetau"}:
        assert part == {"quark": {}, "lepton": {}}


def _prepare(tmp_path, name, **options):
    from bridge.scan.runner import ScanOptions, prepare

    return prepare(ScanOptions(SCOTO, VARY, str(tmp_path / name), likelihoods=["seed2021"],
                               progress=False, **options), say=lambda msg: None)[0]


def test_a_scan_computes_the_coefficients_its_columns_read_and_stores_the_same(tmp_path):
    from bridge.scan.runner import run_chunk

    read = _prepare(tmp_path, "a.db")
    every = _prepare(tmp_path, "b.db", coefficients="all")
    assert every.read is None
    # the 10 observables: b→s, B_s mixing, C7_mumu, Cγ of μ→eγ; no LFV four-fermion operator
    assert {"C9_bsmumu", "CVLL_bsbs", "C7_mumu", "Cgamma_mue"} <= read.read
    assert not read.read & {"CVLL_eemue", "Cgamma_taumu", "CVLL_bdbd"}
    ids = np.arange(0, 900, 7)
    got = run_chunk(read, ids, read.space.values(ids))
    ref = run_chunk(every, ids, every.space.values(ids))
    assert got.errors == ref.errors and got.routes == ref.routes
    assert set(got.columns) < set(ref.columns)
    for name, col in got.columns.items():
        np.testing.assert_array_equal(col, ref.columns[name], err_msg=name)
    processes = {**lfv.FOUR_LEPTON, **lfv.CONVERSION}
    extension = set(lfv.TAU_DIPOLES).union(*matching.down_quark_names().values(),
                                           *(lfv.process_names(p) for p in processes))
    left_out = {c.split(":")[1] for c in set(ref.columns) - set(got.columns)}
    assert {c.split(":")[0] for c in set(ref.columns) - set(got.columns)} == {"wc"}
    assert left_out <= extension - read.read
    assert {"CVLL_eemue", "Cgamma_taumu"} <= left_out  # the scotogenic model gives them
    # an observable that reads them brings them back, with the same numbers
    more = _prepare(tmp_path, "c.db", extra_observables=["BR(mu->eee)"])
    assert "CVLL_eemue" in more.read
    with_eee = run_chunk(more, ids, more.space.values(ids))
    for name in ("wc:CVLL_eemue:re", "wc:CVLL_eemue:im"):
        np.testing.assert_array_equal(with_eee.columns[name], ref.columns[name], err_msg=name)
    # the stored breakdown may read anything
    assert _prepare(tmp_path, "d.db", contributions=True).read is None


def test_an_earlier_results_file_resumes_only_with_every_coefficient(tmp_path):
    from bridge.scan import store
    from bridge.scan.runner import ScanOptions, run

    db = tmp_path / "old.db"

    def options(**kw):
        return ScanOptions(SCOTO, ["MINPAR:1:500:2000:3", "MINPAR:4:500:2000:2"], str(db),
                           likelihoods=["seed2021"], workers=1, progress=False, **kw)

    run(options(coefficients="all"), say=lambda msg: None)
    scan = store.meta(db)["scan"]
    assert scan["coefficients"] == "all"
    del scan["coefficients"]  # as a file of an earlier version holds it
    with store.Store(db) as s:
        s.set_meta("scan", scan)
    with pytest.raises(InputError, match="--coefficients all"):
        run(options(), say=lambda msg: None)
    assert run(options(coefficients="all"), say=lambda msg: None).stored == 6
    with pytest.raises(InputError, match="--coefficients must be one of read, all"):
        run(options(coefficients="some"), say=lambda msg: None)
