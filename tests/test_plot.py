"""bridge plot never draws a silently wrong figure (issue 14 item 1; issue 13 item 11).

A small F_Ib grid scan with the seed2021 likelihood and no flavio observables (SM inputs
from the cache, so nothing imports flavio) is drawn with good, ambiguous and empty layers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from test_scan import SM

from bridge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "cards" / "F_Ib.slha")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from bridge import cache
    from bridge.cli import main
    from bridge.sm import sm_inputs_entry

    path, key = sm_inputs_entry({})
    cache.store(path, key, SM.as_dict())
    out = tmp_path_factory.mktemp("plot") / "fib.db"
    assert main(["scan", CARD, "--vary", "MINPAR:1:50:800:8", "--vary", "MINPAR:2:300:2000:7",
                 "--likelihood", "seed2021", "--no-observables", "--workers", "1", "-o", str(out),
                 "-q"]) == 0
    return str(out)


def _figure(db, **kw):
    import matplotlib.pyplot as plt

    from bridge.scan.plot import figure

    fig = figure(db, "MINPAR:1", "MINPAR:2", **kw)
    plt.close(fig)
    return fig


def _legend(fig) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()] + \
        [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


# ---------------------------------------------------------------------------
# names and keys: every ambiguity is an error naming it
# ---------------------------------------------------------------------------
COLUMNS = ["id", "par:MINPAR:1", "in:MINPAR:1", "ol:Delta_a_mu", "pull:seed2021:Delta_a_mu",
           "chi2:seed2021", "wc:C9_bsmumu:re", "wc:C9_bsmumu:im"]


def test_a_name_without_prefix_must_name_one_column():
    from bridge.scan.plot import resolve

    # the case: Delta_a_mu was taken as ol:Delta_a_mu, |value| <= 1 everywhere
    with pytest.raises(InputError, match=r"ambiguous.*ol:Delta_a_mu.*pull:seed2021:Delta_a_mu"):
        resolve("Delta_a_mu", COLUMNS)
    assert resolve("seed2021:Delta_a_mu", COLUMNS) == "pull:seed2021:Delta_a_mu"
    assert resolve("seed2021", COLUMNS) == "chi2:seed2021"
    with pytest.raises(InputError, match="did you mean wc:C9_bsmumu:re or wc:C9_bsmumu:im"):
        resolve("C9_bsmumu", COLUMNS)  # real or imaginary part?
    with pytest.raises(InputError, match="ambiguous"):
        resolve("MINPAR:1", COLUMNS)  # par: and in: (a layer says which)
    assert resolve("MINPAR:1", COLUMNS, prefer=("par:",)) == "par:MINPAR:1"  # an axis
    with pytest.raises(InputError, match="no column 'Delta'"):
        resolve("Delta", COLUMNS)  # no guessing from a substring


def test_unknown_and_misplaced_keys_are_errors():
    from bridge.scan.plot import parse_spec

    with pytest.raises(InputError, match="unknown key 'colour'"):
        parse_spec("pull:seed2021:Delta_a_mu;n=1;colour=red", "band")
    with pytest.raises(InputError, match="unknown key 'hatch'"):
        parse_spec("pull:seed2021:Delta_a_mu;hatch=//", "band")
    with pytest.raises(InputError, match="unknown key 'levels'"):
        parse_spec("ol:Delta_a_mu;levels=1", "allowed")
    with pytest.raises(InputError, match="given twice"):
        parse_spec("ol:Delta_a_mu;lt=1;lt=2", "allowed")
    with pytest.raises(InputError, match="needs a value"):
        parse_spec("pull:seed2021:Delta_a_mu;n", "band")
    assert parse_spec("ol:BR_mu_egamma;log;style=dotted", "contour") == \
        ("ol:BR_mu_egamma", {"log": True, "style": "dotted"})


def test_a_bad_layer_spec_is_refused_before_the_points_are_read(db, tmp_path, monkeypatch, capsys):
    """A band or condition whose options are wrong (a value without its measurement, a band with
    a condition, an empty range) or a --legend that is no location is refused in one line, exit
    2, before the results file's points are read: on a 10⁶-point file the line came after reading
    it (2.6 s of 4.1); a --dpi of 0 or below gave matplotlib's traceback, exit 1, once drawn."""
    from bridge.cli import main
    from bridge.scan import store

    def unread(*args, **kwargs):
        raise AssertionError("the points were read")

    monkeypatch.setattr(store, "read", unread)
    png = tmp_path / "m.png"
    for layer in (["--band", "ol:Delta_a_mu;n=1"], ["--band", "ol:Delta_a_mu;gt=0"],
                  ["--allowed", "ol:Delta_a_mu;gt=2;lt=1"], ["--legend", "nowhere"], ["--dpi", "0"],
                  ["--dpi", "-5"], ["--dpi", "100000"], ["--contour", "ol:Delta_a_mu;levels=a"],
                  ["--contour", "ol:Delta_a_mu;levels=1,nan"], ["--contour", "ol:Delta_a_mu;style=wavy"]):
        assert main(["plot", db, *layer, "-o", str(png)]) == 2, layer
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and layer[1] in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "needle"), [("", "is a directory"), ("map", "matplotlib's formats"),
                                              ("map.nope", "matplotlib's formats"),
                                              ("missing/map.png", "no such directory"),
                                              ("fifo.png", "not a regular file")])
def test_a_bad_output_is_refused_before_the_points_are_read(db, tmp_path, monkeypatch, capsys, name,
                                                             needle):
    """-o naming a directory, no suffix or one matplotlib has no format for, a missing directory
    or a special file: one line, exit 2, before the points are read, and nothing written. Before,
    -o DIR wrote DIR.png and said it wrote DIR, an unknown suffix gave matplotlib's ValueError
    (exit 1), and a missing directory was found after reading and drawing the whole file."""
    import os

    from bridge.cli import main
    from bridge.scan import store

    def unread(*args, **kwargs):
        raise AssertionError("the points were read")

    monkeypatch.setattr(store, "read", unread)
    out = tmp_path / name
    if name == "fifo.png":
        os.mkfifo(out)
    assert main(["plot", db, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["fifo.png"] if name == "fifo.png" else [])
    assert not Path(str(tmp_path) + ".png").exists()


def test_the_output_is_written_through_a_link_and_keeps_its_mode(db, tmp_path, capsys):
    """-o naming a symbolic link writes the file it names (the link kept), an existing file keeps
    its mode, a 250-byte name is written (its temporary name stays short), and a file this user
    may not write is refused (it was replaced; review rev23)."""
    import os
    import stat

    from bridge.cli import main

    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.png"
    link.symlink_to(real)
    assert main(["plot", db, "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_bytes()[:4] == b"\x89PNG"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    long = tmp_path / ("L" * 246 + ".png")
    assert main(["plot", db, "-o", str(long)]) == 0 and long.read_bytes()[:4] == b"\x89PNG"
    if os.geteuid() != 0:  # (root may write anything)
        os.chmod(real, 0o440)
        capsys.readouterr()
        assert main(["plot", db, "-o", str(real)]) == 2
        assert "not writable" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["real.png", "link.png", long.name])


def test_a_new_plot_has_the_mode_the_umask_gives(db, tmp_path, capsys):
    """A new plot file gets 0666 less the umask, as matplotlib's own open gave it (the temporary
    file's 0600 was kept, review rev24); a loop of symbolic links is refused (it was replaced by
    a file); a dpi below 1 through the API is refused in one line (matplotlib's ValueError)."""
    import os
    import stat

    from bridge.cli import main
    from bridge.scan.plot import draw

    old = os.umask(0o027)
    try:
        assert main(["plot", db, "-o", str(tmp_path / "new.png")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.png").stat().st_mode) == 0o640
    (tmp_path / "l1.png").symlink_to(tmp_path / "l2.png")
    (tmp_path / "l2.png").symlink_to(tmp_path / "l1.png")
    capsys.readouterr()
    assert main(["plot", db, "-o", str(tmp_path / "l1.png")]) == 2
    assert "loop of symbolic links" in capsys.readouterr().err
    assert (tmp_path / "l1.png").is_symlink()
    with pytest.raises(InputError, match="--dpi must be a number from 1"):
        draw(db, "par:MINPAR:1", "par:MINPAR:2", str(tmp_path / "api.png"), dpi=0.01)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_stop_while_the_figure_is_written_leaves_nothing(db, tmp_path, monkeypatch, capsys, sig):
    """A Ctrl-C or SIGTERM while matplotlib writes the figure: the command stops (130 / 143) and
    neither the plot nor its temporary file is left (a SIGTERM left the temporary file, review
    rev23)."""
    import signal

    from matplotlib.figure import Figure

    from bridge.cli import main

    def stopped(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        signal.raise_signal(getattr(signal, sig))

    monkeypatch.setattr(Figure, "savefig", stopped)
    rc = main(["plot", db, "-o", str(tmp_path / "map.png")])
    assert rc == (130 if sig == "SIGINT" else 143)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file(db, tmp_path, monkeypatch, capsys):
    """The figure is written under a temporary name and renamed: a write that fails midway (a
    full disk) leaves neither a half-written plot nor the temporary file."""
    from matplotlib.figure import Figure

    from bridge.cli import main

    def half_written(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", half_written)
    assert main(["plot", db, "-o", str(tmp_path / "map.png")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_band_needs_a_pull_or_its_measurement():
    from bridge.scan.plot import region

    v = np.array([1e-9, 2e-9, 3e-9])
    with pytest.raises(InputError, match="is a value, not a pull"):
        region(v, {"n": "1"}, "ol:Delta_a_mu;n=1", inside=True, column="ol:Delta_a_mu")
    with pytest.raises(InputError, match="central= and sigma= go together"):
        region(v, {"central": "2e-9"}, "x", inside=True, column="ol:Delta_a_mu")
    with pytest.raises(InputError, match="not gt="):
        region(v, {"gt": "0"}, "x", inside=True, column="ol:Delta_a_mu", kind="band")
    with pytest.raises(InputError, match="either a condition"):
        region(v, {"gt": "0", "n": "2"}, "x", inside=True, column="ol:Delta_a_mu", kind="allowed")
    g, lo, hi = region(v, {"central": "2e-9", "sigma": "1e-9", "n": "1"}, "x", inside=True,
                       column="ol:Delta_a_mu")
    assert list((g >= lo) & (g <= hi)) == [True, True, True]
    g, lo, hi = region(v, {"gt": "1.5e-9", "lt": "2.5e-9"}, "x", inside=True,
                       column="ol:Delta_a_mu", kind="allowed")  # a range
    assert list((g >= lo) & (g <= hi)) == [False, True, False]
    g, lo, hi = region(-v, {"n": "2"}, "x", inside=False, column="pull:a:b", kind="exclude")
    assert (lo, hi) == (2.0, np.inf)


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------
def test_ambiguous_band_is_refused_by_the_command(db, tmp_path, capsys):
    from bridge.cli import main

    png = tmp_path / "x.png"
    assert main(["plot", db, "--band", "Delta_a_mu;n=1", "-o", str(png)]) == 2
    assert main(["plot", db, "--band", "pull:seed2021:Delta_a_mu;n=1;colour=red", "-o",
                 str(png)]) == 2
    assert main(["plot", db, "--band", "ol:Delta_a_mu;n=1", "-o", str(png)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("bridge: error: ") for line in err)
    assert "ambiguous" in err[0] and "'colour'" in err[1] and "not a pull" in err[2]
    assert not png.exists()  # nothing half-drawn


def test_a_layer_that_draws_nothing_says_so_and_has_no_legend_entry(db, capsys):
    fig = _figure(db, bands=["pull:seed2021:Delta_a_mu;n=1;label=g-2"],
                  alloweds=["ol:Delta_a_mu;lt=-1;label=never"],
                  contours=["mass:F0_1;levels=1e6;label=far away"])
    labels = _legend(fig)
    assert "g-2" in labels and "never" not in labels and "far away" not in labels
    err = capsys.readouterr().err
    assert "--allowed 'ol:Delta_a_mu;lt=-1;label=never' draws nothing" in err
    assert "--contour 'mass:F0_1;levels=1e6;label=far away' draws nothing" in err


def test_a_layer_covering_everything_is_reported(db, capsys):
    fig = _figure(db, alloweds=["ol:Delta_a_mu;abs_lt=1;label=all"])
    assert "all" in _legend(fig)
    assert "covers every plotted point" in capsys.readouterr().err


def test_default_figure_has_data_axes_symbols_and_an_outside_legend(db, capsys):
    """No layer: the Δχ² regions of the scan's likelihood, on the scanned range (not 0..1),
    with the model's symbols in mathtext and the legend below the axes."""
    fig = _figure(db)
    (ax,) = fig.axes
    assert ax.get_xlim() == pytest.approx((50, 800)) and ax.get_ylim() == pytest.approx((300, 2000))
    assert ax.get_xlabel() == r"$M_{\Psi}$ [GeV]"
    assert ax.get_ylabel() == r"$M_{\Psi'}$ [GeV]"
    assert fig.legends and not ax.get_legend()  # outside the axes: it covers no contour label
    assert any(t.startswith("best point") for t in _legend(fig))
    assert "drawing the Delta chi2 regions of chi2:seed2021" in capsys.readouterr().err


def test_colours_do_not_collide(db):
    from matplotlib.colors import to_rgb

    from bridge.scan.plot import CHI2_COLORS, COLOR_DISTANCE

    fig = _figure(db, chi2="seed2021", bands=["pull:seed2021:Delta_a_mu;n=1;label=a",
                                              "pull:seed2021:C9_mu=-C10_mu;n=2;label=b"])
    fills = [np.array(to_rgb(c)) for c in CHI2_COLORS[:3]]
    for leg in fig.legends:
        for handle, text in zip(leg.legend_handles, leg.get_texts(), strict=True):
            if text.get_text() in ("a", "b"):
                fills.append(np.array(handle.get_facecolor()[:3]))
    assert len(fills) == 5
    for i in range(len(fills)):
        for j in range(i):
            assert np.linalg.norm(fills[i] - fills[j]) >= COLOR_DISTANCE
    with pytest.raises(InputError, match="is the colour of"):
        _figure(db, bands=["pull:seed2021:Delta_a_mu;n=1;color=tab:green",
                           "pull:seed2021:C9_mu=-C10_mu;n=2;color=tab:green"])
    with pytest.raises(InputError, match="not a colour"):
        _figure(db, bands=["pull:seed2021:Delta_a_mu;n=1;color=greenish"])


def test_plot_without_matplotlib_is_one_line(db, tmp_path, monkeypatch, capsys):
    """issue 13 item 11: no ModuleNotFoundError traceback."""
    from bridge.cli import main

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    assert main(["plot", db, "-o", str(tmp_path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs matplotlib" in err and "pip install" in err


def test_model_symbols_in_mathtext():
    from bridge.plugins import get_model
    from bridge.scan.labels import mathtext, parameter_label

    fib, scoto = get_model("F_Ib"), get_model("scotogenic")
    assert parameter_label(fib, "MINPAR:2") == r"$M_{\Psi'}$ [GeV]"
    assert parameter_label(fib, "MINPAR:4") == r"$M_{\Phi_\ell}$ [GeV]"
    assert parameter_label(fib, "IMGAMMAQIN:2") == r"Im $\Gamma_{2}^{Q}$"
    assert parameter_label(scoto, "YSIN:2*YSIN:3") == r"$(Y_{S})_{2}\,(Y_{S})_{3}$"
    assert parameter_label(scoto, "CASASIBARRA:1") == r"$\sin\theta$"
    assert parameter_label(scoto, "MINPAR:2") == r"$m_{\eta_1}$ [GeV]"
    assert parameter_label(scoto, "NOPE:1") is None
    assert mathtext("Delta_m2_21") == r"\Delta m^2_{21}"


def test_a_chi2_region_that_adds_nothing_has_no_legend_entry(db, capsys):
    fig = _figure(db, chi2="seed2021", sigmas=(1, 1.0001))  # a region of zero width
    labels = _legend(fig)
    assert any(t.startswith("1σ") for t in labels) and not any(t.startswith("1.0001σ") for t in labels)
    assert "the 1.0001 sigma region of chi2:seed2021 adds nothing" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# failed points: the grid's coordinates come from the scan's definition, never from the points
# ---------------------------------------------------------------------------
def _grid_with_failures(path, failed_ids, chi2_of=None):
    """A 9 x 7 grid over (MINPAR:1, MINPAR:2) with χ² = a smooth bowl (or chi2_of(x, y)); the
    failed points have no values at all, coordinates included (as a chunk lost with its worker
    is stored)."""
    from bridge.scan import store

    xs, ys = np.linspace(100, 900, 9), np.linspace(200, 1400, 7)
    ids = np.arange(xs.size * ys.size)
    ix, iy = np.unravel_index(ids, (xs.size, ys.size))
    x, y = xs[ix], ys[iy]
    chi2 = chi2_of(x, y) if chi2_of else ((x - 500) / 150) ** 2 + ((y - 800) / 300) ** 2
    bad = np.isin(ids, failed_ids)
    cols = {"par:MINPAR:1": np.where(bad, np.nan, x), "par:MINPAR:2": np.where(bad, np.nan, y),
            "chi2:seed2021": np.where(bad, np.nan, chi2)}
    axes = [{"spec": "MINPAR:1:100:900:9", "name": "MINPAR:1", "lo": 100.0, "hi": 900.0, "n": 9,
             "log": False},
            {"spec": "MINPAR:2:200:1400:7", "name": "MINPAR:2", "lo": 200.0, "hi": 1400.0, "n": 7,
             "log": False}]
    with store.Store(path) as st:
        st.set_meta("scan", {"model": "F_Ib", "space": {"axes": axes, "sampler": "grid",
                                                        "size": int(ids.size), "seed": 1,
                                                        "shape": [9, 7]}})
        st.write(ids, cols, ["worker died" if b else None for b in bad], ["none"] * ids.size)
    return str(path)


def test_failed_grid_points_leave_a_marked_hole_not_a_wrong_plane(tmp_path, capsys):
    """Failed points (the middle of the plane and the top edge) used to give NaN coordinates
    to the mesh: the plane came out empty, cut or wrong. The mesh is the scan's grid; the failed
    points are drawn as crosses, counted in the legend and on stderr."""
    from bridge.scan.plot import Frame

    middle = [4 * 7 + 3, 4 * 7 + 2, 3 * 7 + 3]  # around the χ² minimum at (500, 800)
    top = [i * 7 + 6 for i in range(9)]  # every point of the last row
    db = _grid_with_failures(tmp_path / "f.db", middle + top)
    frame = Frame(db, "MINPAR:1", "MINPAR:2", [], "chi2:seed2021")
    X, Y = frame.xy
    assert np.isfinite(X).all() and np.isfinite(Y).all()
    assert X[0] == pytest.approx(np.linspace(100, 900, 9)) and Y[:, 0] == pytest.approx(
        np.linspace(200, 1400, 7))
    assert sorted(frame.failed_ids.tolist()) == sorted(middle + top)
    fig = _figure_xy(db, chi2="chi2:seed2021")
    (ax,) = fig.axes
    assert ax.get_xlim() == pytest.approx((100, 900)) and ax.get_ylim() == pytest.approx((200, 1400))
    labels = _legend(fig)
    assert "failed points (12)" in labels and any(t.startswith("1σ") for t in labels)
    err = capsys.readouterr().err
    assert "12 of 63 points failed (first: worker died)" in err
    # the crosses sit on the failed points' grid coordinates
    crosses = next(line for line in ax.lines if line.get_marker() == "x")
    assert sorted(zip(*crosses.get_data(), strict=True)) == sorted(
        (100 + 100 * (i // 7), 200 + 200 * (i % 7)) for i in middle + top)


def _figure_xy(db, **kw):
    import matplotlib.pyplot as plt

    from bridge.scan.plot import figure

    fig = figure(db, "MINPAR:1", "MINPAR:2", **kw)
    plt.close(fig)
    return fig


def test_a_chi2_region_drawn_between_grid_points_has_its_legend_entry(tmp_path, capsys):
    """No grid point has 2.30 < Δχ² <= 6.18 (Δχ² jumps from 0 to 9 between neighbours), but
    the filled map interpolates and draws the 2σ band: it is in the legend (it was left out,
    an orange band without a name)."""
    db = _grid_with_failures(tmp_path / "j.db", [], lambda x, y: np.where(x <= 400, 0.0, 9.0))
    labels = _legend(_figure_xy(db, chi2="chi2:seed2021"))
    assert [t for t in labels if "σ" in t] == ["1σ (Δχ² ≤ 2.30)", "2σ (Δχ² ≤ 6.18)",
                                               "3σ (Δχ² ≤ 11.83)"]
    assert "adds nothing" not in capsys.readouterr().err


def test_default_labels_are_mathtext_and_automatic_levels_round(db):
    """A band on a pull is named by its term in mathtext (it read "Delta_a_mu (seed2021)"),
    and automatic contour levels are round numbers (they were 2.25e-09, 5.45e-09, ...)."""
    from matplotlib.contour import ContourSet

    fig = _figure(db, bands=["pull:seed2021:Delta_a_mu;n=1", "seed2021:C9_mu=-C10_mu;n=2"],
                  contours=["ol:Delta_a_mu"])
    labels = _legend(fig)
    assert r"$\Delta a_\mu$ (seed2021) within 1σ" in labels
    assert r"$C_9^\mu = -C_{10}^\mu$ (seed2021) within 2σ" in labels
    (ax,) = fig.axes
    (lines,) = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    assert len(lines.levels) >= 3
    for level in lines.levels:  # axis-tick numbers: 1, 2, 2.5, 5 times a power of ten
        mantissa = abs(level) / 10 ** np.floor(np.log10(abs(level))) if level else 0
        assert mantissa * 100 == pytest.approx(round(mantissa * 100)), level


def test_observable_labels_carry_their_bin():
    from bridge.observables import RUN_OBSERVABLES
    from bridge.scan.labels import column_label

    assert column_label(None, "obs:<Rmue>(B0->K*ll) [0.1,1.1]") == r"$R_{K^*}$ [0.1, 1.1]"
    assert column_label(None, "pull:flavio:a_mu") == r"$a_\mu$"
    for row in RUN_OBSERVABLES:  # every observable of the run table has a typeset label
        assert column_label(None, f"obs:{row.name}").count("$") >= 2, row.name


def test_labels_of_two_contour_layers_do_not_overlap(db):
    """matplotlib places each contour set's labels on its own: two layers' labels could sit on
    each other (the shipped table2_F_Ib figure had Δa_μ's 2.51e-9 on the mass contour's 400).
    Here two layers with the same lines put their labels at the same places unless moved."""
    import matplotlib.pyplot as plt
    from matplotlib.contour import ContourSet

    from bridge.scan.plot import figure

    fig = figure(db, "MINPAR:1", "MINPAR:2",
                 contours=["ol:Delta_a_mu;label=a", "ol:Delta_a_mu;label=b;color=black"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    sets = [c for c in ax.collections if isinstance(c, ContourSet)]
    texts = [t for cs in sets for t in cs.labelTexts]
    assert len(sets) == 2 and all(cs.labelTexts for cs in sets)
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    from bridge.scan.plot import level_label

    for cs in sets:  # a moved label still names the line it sits on
        for t in cs.labelTexts:
            x, y = ax.transData.transform(t.get_position())
            dist = [np.min(np.hypot(*(ax.transData.transform(p.vertices) - (x, y)).T))
                    if len(p.vertices) else np.inf for p in cs.get_paths()]
            assert level_label(cs.levels[int(np.argmin(dist))]) == t.get_text()
    plt.close(fig)


def test_delta_chi2_of_two_parameters_is_the_chi2_quantile():
    """The Δχ² levels of the χ² regions (two parameters): PDG's table (Review of Particle
    Physics, "Statistics", Table 40.2, 2 parameters: 2.30, 6.18, 11.83), and the χ² quantile of
    two degrees of freedom by quadrature of its density (x/2 ... e^{-x/2}/2) at p = erf(n/√2),
    also where p rounds to 1 in double precision."""
    import math

    from scipy.integrate import quad

    from bridge.scan.plot import delta_chi2_two_dof

    for n, pdg in ((1, 2.30), (2, 6.18), (3, 11.83)):
        assert round(delta_chi2_two_dof(n), 2) == pdg
    for n in (0.5, 1.0, 2.0, 3.0, 5.0, 9.0):
        x = delta_chi2_two_dof(n)
        tail, _ = quad(lambda t: 0.5 * math.exp(-0.5 * t), x, math.inf, epsabs=0, epsrel=1e-13)
        assert math.isclose(tail, math.erfc(n / math.sqrt(2)), rel_tol=1e-10), n


def test_sigmas_out_of_order_or_not_positive_are_one_line_and_far_ones_draw(db, tmp_path, capsys):
    """--sigmas: levels out of order, zero, negative, NaN or infinite are refused in one line
    (matplotlib's traceback before); a region of 40 σ (erfc underflows: an infinite level, every
    point) is drawn, and so are more regions than the four colours (as before)."""
    import math

    from bridge.cli import main
    from bridge.scan.plot import delta_chi2_two_dof

    png = tmp_path / "s.png"
    for bad in ("3,1", "0,1", "-1", "nan", "1,inf", "1,,x", ""):
        assert main(["plot", db, "--sigmas", bad, "-o", str(png)]) == 2, bad
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("bridge: error: --sigmas"), (bad, err)
        assert not png.exists()
    assert delta_chi2_two_dof(40.0) == math.inf and math.isfinite(delta_chi2_two_dof(38.0))
    for good in ("1,40", "1,2,3,4,5"):
        assert main(["plot", db, "--sigmas", good, "-o", str(png)]) == 0, good
        assert png.stat().st_size > 0
        png.unlink()
