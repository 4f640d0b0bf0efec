"""2D maps of a scan with matplotlib: χ² regions, σ bands, contour lines, exclusions.

Layers (each a small spec string ``COLUMN;key=value;...``, so column names may contain
``:`` and ``,``):

* ``--chi2 COLUMN``: filled Δχ² = χ² − χ²_min regions at 1, 2, 3σ for two parameters
  (Δχ² = 2.30, 6.18, 11.83), best point marked;
* ``--band "pull:LIK:TERM;n=2"``: where |pull| ≤ n; a value column needs its measurement,
  ``"COLUMN;central=C;sigma=S;n=N"``;
* ``--contour "COLUMN;levels=1e-13,1e-12"``: contour lines (``log`` for log-spaced auto levels);
* ``--allowed "COLUMN;lt=V"`` (``gt``, ``abs_lt``, ``abs_gt``; ``gt`` and ``lt`` together give
  a range; or central/sigma/n, or n for a pull column): filled where the condition holds;
  ``--exclude`` the same, hatched.

Nothing is guessed. A column name may leave out its prefix (``seed2021:Delta_a_mu`` for
``pull:seed2021:Delta_a_mu``) only if that names one column; an ambiguous or unknown name,
an unknown key, a key that does not fit the layer, a colour matplotlib does not know or two
filled layers of the same colour are errors naming them. A layer that draws nothing in the
plotted range says so on stderr and gets no legend entry; one that covers every point says so
too. Axes span the scanned range, labels are the model's symbols in mathtext
(:mod:`bridge.scan.labels`), automatic colours avoid those already used (the χ² fills, colours
given by hand), and the legend sits below the axes, where it covers no contour label.

A grid over the two plotted parameters is drawn on its own mesh (other grid parameters are
profiled: the point of lowest χ² per (x, y), else the first); samples are triangulated.
Without any layer the map shows the Δχ² regions of the scan's likelihood (if it has one) or
the scanned points.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import numbers
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bridge.errors import BridgeError, InputError
from bridge.scan import store
from bridge.scan.space import Space

PREFIXES = ("par:", "obs:", "chi2:", "pull:", "ol:", "wc:", "mass:", "in:", "contrib:", "mnu:", "dm:")
#: Colour-blind-safe palette (Okabe & Ito) for layers without ``color=``.
COLORS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
#: Δχ² fills at 1, 2, 3σ (the colours of seed 001's Fig. 2).
CHI2_COLORS = ("#f4a6b7", "#f7b267", "#fff3a0", "#fffbd6")
#: Two colours nearer than this (Euclidean distance in RGB, 0..√3) count as the same.
COLOR_DISTANCE = 0.2

_CONDITIONS = ("gt", "lt", "abs_gt", "abs_lt")
_COMMON = ("label", "color")
#: The keys each kind of layer takes (``log`` is a flag without a value).
LAYER_KEYS = {
    "band": ("n", "central", "sigma", "alpha", *_COMMON),
    "allowed": (*_CONDITIONS, "n", "central", "sigma", "alpha", *_COMMON),
    "exclude": (*_CONDITIONS, "n", "central", "sigma", "hatch", *_COMMON),
    "contour": ("levels", "log", "style", *_COMMON),
}
FLAGS = ("log",)
LINESTYLES = ("solid", "dashed", "dashdot", "dotted", "-", "--", "-.", ":")


def require_matplotlib():
    """matplotlib, or one clear error line (it is an optional dependency)."""
    try:
        import matplotlib
    except ImportError:
        raise BridgeError("bridge plot needs matplotlib, which is not installed: "
                          "pip install matplotlib (or pip install 'bridge-flavour[scan]')") from None
    return matplotlib


# ---------------------------------------------------------------------------
# specs
# ---------------------------------------------------------------------------
def resolve(name: str, columns: list[str], prefer: tuple[str, ...] = ()) -> str:
    """The column ``name`` names: itself, or the one column that ends in ``:name`` (case
    first as given, then ignoring case). Several → an error listing them, unless exactly one
    of them starts with a prefix of ``prefer`` (``-x MINPAR:1`` is ``par:MINPAR:1``, not the
    equal ``in:MINPAR:1``)."""
    if name in columns:
        return name
    for fold in (str, str.lower):
        key = fold(name)
        hits = [c for c in columns if fold(c) == key or fold(c).endswith(":" + key)]
        if len(hits) > 1 and prefer:
            preferred = [c for c in hits if c.startswith(prefer)]
            if len(preferred) == 1:
                return preferred[0]
        if len(hits) == 1:
            return hits[0]
        if hits:
            shown = ", ".join(hits[:8]) + (", ..." if len(hits) > 8 else "")
            raise InputError(f"column {name!r} is ambiguous: it could be {shown} "
                             "(give the full name)")
    near = [c for c in columns if f":{name.lower()}:" in f":{c.lower()}:"]
    near = near or difflib.get_close_matches(name, columns, n=3, cutoff=0.75)
    hint = f" (did you mean {' or '.join(near[:4])}?)" if near else \
        " (see `bridge plot RESULTS --columns`)"
    raise InputError(f"no column {name!r} in the results{hint}")


def parse_spec(text: str, kind: str | None = None) -> tuple[str, dict]:
    """``COLUMN;key=value;flag`` → (column, {key: value, flag: True}); with ``kind`` the keys
    are checked against :data:`LAYER_KEYS` (an unknown or repeated key is an error)."""
    parts = text.split(";")
    column = parts[0].strip()
    if not column:
        raise InputError(f"'{text}': a layer starts with a column name")
    opts: dict = {}
    allowed = LAYER_KEYS.get(kind) if kind else None
    for p in parts[1:]:
        if not p.strip():
            continue
        key, eq, value = p.partition("=")
        key = key.strip().lower()
        if allowed is not None and key not in allowed:
            raise InputError(f"--{kind} '{text}': unknown key {key!r} (a {kind} takes "
                             f"{', '.join(allowed)})")
        if key in opts:
            raise InputError(f"--{kind or 'layer'} '{text}': key {key!r} given twice")
        if allowed is not None and (key in FLAGS) == bool(eq):
            raise InputError(f"--{kind} '{text}': {key!r} " + ("takes no value" if key in FLAGS
                                                              else "needs a value (key=value)"))
        opts[key] = value.strip() if eq else True
    return column, opts


def _float(opts: dict, key: str, spec: str) -> float:
    try:
        value = float(opts[key])
    except (KeyError, ValueError, TypeError):
        raise InputError(f"'{spec}': needs a number for {key}=") from None
    if not math.isfinite(value):
        raise InputError(f"'{spec}': {key}= must be finite")
    return value


def _positive(opts: dict, key: str, spec: str, default: float | None = None) -> float:
    if key not in opts and default is not None:
        return default
    value = _float(opts, key, spec)
    if value <= 0:
        raise InputError(f"'{spec}': {key}= must be positive, got {value:g}")
    return value


def region(values: np.ndarray, opts: dict, spec: str, *, inside: bool, column: str = "",
           kind: str = "band"):
    """(g, lo, hi): the layer's region is lo <= g <= hi, g continuous so that contours are smooth.

    band: |pull| <= n for a ``pull:`` column, or |value − central| <= n sigma. allowed and
    exclude: the condition (gt, lt, both for a range, abs_gt, abs_lt), or as a band (exclude:
    outside it). Anything else (a band on a value without its measurement, conditions of two
    kinds) is an error naming the spec.
    """
    v = np.asarray(values, float)
    conds = [k for k in _CONDITIONS if k in opts]
    gaussian = [k for k in ("central", "sigma") if k in opts]
    is_pull = column.startswith("pull:")
    if kind == "band" and conds:
        raise InputError(f"--band '{spec}': a band takes n (and central, sigma), not "
                         f"{conds[0]}= (use --allowed or --exclude for a condition)")
    if conds and (gaussian or "n" in opts):
        raise InputError(f"--{kind} '{spec}': give either a condition ({', '.join(conds)}) or "
                         "central/sigma/n, not both")
    if conds:
        absolute = [k.startswith("abs_") for k in conds]
        if any(absolute) and not all(absolute):
            raise InputError(f"--{kind} '{spec}': conditions on the value and on its modulus "
                             "cannot be combined")
        g = np.abs(v) if absolute[0] else v
        lo = next((_float(opts, k, spec) for k in conds if k.endswith("gt")), -math.inf)
        hi = next((_float(opts, k, spec) for k in conds if k.endswith("lt")), math.inf)
        if lo >= hi:
            raise InputError(f"--{kind} '{spec}': the range is empty (gt >= lt)")
        return g, lo, hi  # allowed and exclude alike: where the condition holds
    n = _positive(opts, "n", spec, 1.0)
    if gaussian:
        if len(gaussian) < 2:
            raise InputError(f"--{kind} '{spec}': central= and sigma= go together")
        g = np.abs(v - _float(opts, "central", spec)) / _positive(opts, "sigma", spec)
    elif is_pull:
        g = np.abs(v)
    else:
        raise InputError(f"--{kind} '{spec}': {column} is a value, not a pull: give its "
                         "measurement (central=...;sigma=...) or a pull column (pull:LIK:TERM)"
                         + ("" if kind == "band" else ", or a condition (gt=, lt=, abs_gt=, abs_lt=)"))
    return (g, 0.0, n) if inside else (g, n, math.inf)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
class Frame:
    """The plotted points on a mesh (grid) or as scattered points (samples)."""

    def __init__(self, path, x: str, y: str, extra: list[str], chi2: str | None):
        self.path = str(path)
        self.meta = store.meta(path)
        self.columns = store.columns(path)
        self.x = resolve(x, self.columns, prefer=("par:",))
        self.y = resolve(y, self.columns, prefer=("par:",))
        self.chi2 = resolve(chi2, self.columns, prefer=("chi2:",)) if chi2 else None
        names = list(dict.fromkeys([self.x, self.y, *extra, *([self.chi2] if self.chi2 else []),
                                    "id", "status", "error"]))
        everything = store.read(path, names, failed=True)
        bad = everything["status"] != store.STATUS_OK
        self.data = {k: v[~bad] for k, v in everything.items()}
        failed = {k: everything[k][bad] for k in ("id", "error", self.x, self.y)}
        self.total = int(bad.size)
        if self.data["id"].size == 0:
            raise InputError(f"{path}: no successful points to plot ({int(bad.sum())} failed)")
        self.grid = None  # the grid's (x values, y values) when the plane is one
        self.mesh = self._mesh()
        self.failed_ids, self.failed_xy = self._failed(failed)
        self.first_error = str(failed["error"][0]) if failed["id"].size else ""

    def _mesh(self):
        space = self.meta.get("scan", {}).get("space", {})
        if space.get("sampler") != "grid":
            return None
        axes = [f"par:{a['name']}" for a in space["axes"]]
        if self.x not in axes or self.y not in axes:
            return None
        shape = tuple(space["shape"])
        ix, iy = axes.index(self.x), axes.index(self.y)
        # the coordinates are the scan's definition, not the stored points: a failed point has
        # no values (a chunk lost with its worker: not even its parameters)
        scan = Space.from_dict(space)  # (an earlier scan's log axes: numpy's map)
        self.grid = tuple(scan.axes[i].values(scan.log_map) for i in (ix, iy))
        self._axes = (shape, ix, iy)
        flat = self._cells(self.data["id"])
        nx, ny = shape[ix], shape[iy]
        # profile the other grid parameters: keep the lowest χ² per (x, y)
        order = np.argsort(self.data[self.chi2]) if self.chi2 else np.arange(flat.size)
        order = order[::-1]  # later assignments win: the lowest χ² is written last
        pick = np.full(nx * ny, -1)
        pick[flat[order]] = order
        return (ny, nx), pick

    def _cells(self, ids: np.ndarray) -> np.ndarray:
        """The flat (y, x) mesh cell of each grid point id."""
        shape, ix, iy = self._axes
        index = np.unravel_index(np.asarray(ids).astype(np.int64), shape)
        return index[iy] * shape[ix] + index[ix]

    def _failed(self, failed: dict) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Ids of the failed points and where to mark them: on a grid, the cells where no point
        succeeded (a profiled cell with a successful point is drawn); otherwise the failed
        points whose coordinates were stored."""
        ids = failed["id"].astype(np.int64)
        if self.mesh is None:
            fx, fy = (np.asarray(failed[c], float) for c in (self.x, self.y))
            keep = np.isfinite(fx) & np.isfinite(fy)
            return ids, (fx[keep], fy[keep])
        (_, nx), pick = self.mesh
        cells = np.unique(self._cells(ids))
        cells = cells[pick[cells] < 0]
        return ids, (self.grid[0][cells % nx], self.grid[1][cells // nx])

    def field(self, name: str) -> np.ndarray:
        return self.values(self.data[name])

    def values(self, v: np.ndarray) -> np.ndarray:
        """Per-point values on the mesh (ny, nx) with NaN where missing, or as they are."""
        if self.mesh is None:
            return np.asarray(v, float)
        shape, pick = self.mesh
        out = np.full(pick.size, np.nan)
        have = pick >= 0
        out[have] = np.asarray(v, float)[pick[have]]
        return out.reshape(shape)

    @property
    def xy(self):
        if self.grid is not None:
            return tuple(np.meshgrid(*self.grid))
        return self.field(self.x), self.field(self.y)

    @property
    def model(self):
        """The scan's model plugin (for its symbols), or None if it is not installed here."""
        try:
            from bridge.plugins import get_model

            return get_model(self.meta["scan"]["model"])
        except (BridgeError, KeyError, TypeError):
            return None


@dataclass
class Layer:
    kind: str  # band | allowed | exclude | contour
    spec: str
    column: str
    opts: dict
    label: str = ""
    color: object = None
    handle: object = None
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"--{self.kind} '{self.spec}'"


# ---------------------------------------------------------------------------
# colours
# ---------------------------------------------------------------------------
def _rgb(color):
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(color))


def _near(a, b) -> bool:
    return float(np.linalg.norm(_rgb(a) - _rgb(b))) < COLOR_DISTANCE


def assign_colors(layers: list[Layer], used: list) -> None:
    """Colours given by hand are checked (known to matplotlib; no two filled layers alike);
    the others take the first palette colour unlike any colour already in the figure."""
    from matplotlib.colors import is_color_like

    fills = [(c, "the chi2 regions") for c in used]
    for layer in layers:
        color = layer.opts.get("color")
        if color is None:
            continue
        if color is True or not is_color_like(color):
            raise InputError(f"{layer.where}: {color!r} is not a colour matplotlib knows")
        if layer.kind != "contour":
            clash = next((who for c, who in fills if _near(c, color)), None)
            if clash:
                raise InputError(f"{layer.where}: colour {color!r} is the colour of {clash}; "
                                 "give another color=")
            fills.append((color, layer.where))
        layer.color = color
    taken = [c for c, _ in fills] + [lay.color for lay in layers if lay.color is not None]
    for layer in layers:
        if layer.color is None:
            layer.color = next((c for c in COLORS if not any(_near(c, t) for t in taken)),
                               COLORS[len(taken) % len(COLORS)])
            taken.append(layer.color)


# ---------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------
def _drawn(cs) -> bool:
    """Whether a contour set drew anything (a region smaller than the mesh may draw nothing)."""
    paths = cs.get_paths() if hasattr(cs, "get_paths") else [
        p for c in cs.collections for p in c.get_paths()]
    return any(len(p.vertices) for p in paths)


def _fill(ax, frame: Frame, g: np.ndarray, lo: float, hi: float, color, alpha=0.5, hatch=None):
    """Fill lo <= g <= hi (contourf of the continuous g; hatched for exclusions). Returns
    whether anything was drawn."""
    finite = g[np.isfinite(g)]
    if finite.size == 0 or finite.max() < lo or finite.min() > hi:
        return False
    span = max(float(finite.max() - finite.min()), 1e-300)
    levels = [lo if math.isfinite(lo) else float(finite.min()) - span,
              hi if math.isfinite(hi) else float(finite.max()) + span]
    kw = {"colors": "none", "hatches": [hatch]} if hatch else {"colors": [color], "alpha": alpha}
    cs = _contours(ax, frame, g, levels, filled=True, **kw)
    if cs is None:
        return False
    edges = [lv for lv in (lo, hi) if math.isfinite(lv)]
    if hatch and edges:
        _contours(ax, frame, g, edges, filled=False, colors=[color], linewidths=1)
    if hatch:
        cs.set_edgecolor(color)
        cs.set_linewidth(0)
    return _drawn(cs)


def _contours(ax, frame: Frame, g: np.ndarray, levels, *, filled: bool, **kw):
    """contour(f) of g on the grid's mesh (NaN masked), or triangulated over the points where
    g is finite; None if fewer than 3 such points."""
    X, Y = frame.xy
    if frame.mesh is None:
        m = np.isfinite(g)
        if m.sum() < 3:
            return None
        draw = ax.tricontourf if filled else ax.tricontour
        return draw(X[m], Y[m], g[m], levels=levels, **kw)
    draw = ax.contourf if filled else ax.contour
    return draw(X, Y, np.ma.masked_invalid(g), levels=levels, **kw)


#: A filled region smaller than this fraction of the axes is not seen (about 6 pixels of the
#: default figure at 150 dpi); it gets no legend entry.
MIN_AREA = 1e-5


def _areas(cs, ax) -> list[float]:
    """The area of each band of a filled contour set, as a fraction of the axes (measured in
    the axes' coordinates, so log axes count as drawn). Holes are polygons of the other
    orientation, so the signed areas of a band's polygons add up to its area."""
    to_axes = ax.transScale + ax.transLimits
    out = []
    for path in cs.get_paths():
        total = 0.0
        for poly in path.to_polygons(closed_only=False):
            if len(poly) < 3:
                continue
            x, y = to_axes.transform(poly).T
            total += 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        out.append(abs(total))
    return out


def _note(message: str) -> None:
    print(f"bridge: note: {message}", file=sys.stderr)


def _default_label(layer: Layer, frame: Frame) -> str:
    from bridge.scan.labels import column_label

    col, opts = layer.column, layer.opts
    name = column_label(frame.model, col)
    if col.startswith("pull:"):
        lik = col.split(":", 2)[1]
        side = "beyond" if layer.kind == "exclude" else "within"
        return f"{name} ({lik}) {side} {opts.get('n', '1')}σ"
    for prefix in ("", "abs_"):
        shown = f"|{name}|" if prefix else name
        lo, hi = (level_label(float(opts[k])) if k in opts else None
                  for k in (prefix + "gt", prefix + "lt"))
        if lo is not None and hi is not None:
            return f"{lo} < {shown} < {hi}"
        if lo is not None or hi is not None:
            return f"{shown} {'>' if lo is not None else '<'} {lo if lo is not None else hi}"
    if "central" in opts:
        side = "beyond" if layer.kind == "exclude" else "within"
        name += f" {side} {opts.get('n', '1')}σ of {opts['central']}"
    return name


#: Largest --dpi: the default figure (6.4 x 5.6 in) at 1200 dpi is 7680 x 6720 pixels, ~200 MB of
#: image; 100 000 ended in a MemoryError traceback (review rev23).
MAX_DPI = 1200


def draw(path, x: str, y: str, out: str, *, dpi: int = 150, **options) -> str:
    """Draw the map to ``out`` (PNG, PDF, SVG: matplotlib's format by the suffix; through a
    symbolic link, to the file it names), written under a temporary name and renamed (no
    half-written file, a Ctrl-C or SIGTERM included: the temporary file removed, the command
    stopped); ``options`` are those of :func:`figure`. ``out`` and ``dpi`` are checked before the
    results file is read."""
    import signal

    from bridge import interrupts

    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not 1 <= dpi <= MAX_DPI:
        raise InputError(f"--dpi must be a number from 1 to {MAX_DPI}, got {dpi!r}")
    target, fmt = _output(out)
    fig = figure(path, x, y, **options)  # matplotlib is checked there
    import matplotlib.pyplot as plt

    tmp = None
    try:
        with interrupts.handled((signal.SIGINT, signal.SIGTERM), terminate=True):
            try:
                # a short name in the target's directory (its name plus a suffix could pass
                # the file system's 255 bytes, review rev23)
                handle, name = tempfile.mkstemp(prefix=".bridge-plot-", suffix=f".{fmt}",
                                                dir=target.parent)
                os.close(handle)
                tmp = Path(name)
                fig.savefig(tmp, dpi=float(dpi), format=fmt)
                if target.exists():
                    shutil.copymode(target, tmp)
                else:  # a new file's mode as open() gives it (mkstemp's is 0600, review rev24)
                    os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, target)
                tmp = None
            finally:
                if tmp is not None:
                    with contextlib.suppress(OSError):
                        tmp.unlink()
    except OSError as exc:
        raise BridgeError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return out


def _umask() -> int:
    """This process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _output(out) -> tuple[Path, str]:
    """(path, format) of a plot's ``-o`` (a symbolic link: the file it names), refused in one
    line unless it is a file name whose suffix is one of matplotlib's formats, in an existing,
    writable directory, and no directory, special file or file this user may not write:
    matplotlib added ".png" to a name without a suffix (-o DIR wrote DIR.png and said it wrote
    DIR), raised its ValueError for an unknown suffix, and a missing directory was found once the
    whole file had been read and drawn."""
    require_matplotlib()
    from matplotlib.figure import Figure

    given = Path(out)
    formats = Figure().canvas.get_supported_filetypes()
    if given.is_dir():
        raise InputError(f"{out}: is a directory; give a file name (e.g. {given / 'map.png'})")
    target = Path(os.path.realpath(given))  # written through a link, as matplotlib wrote
    if target.is_symlink():  # (realpath leaves a loop of links as it is; review rev24)
        raise InputError(f"{out}: a loop of symbolic links")
    if target.exists() and not target.is_file():
        raise InputError(f"{out}: not a regular file")
    fmt = given.suffix[1:].lower()
    if fmt not in formats:
        raise InputError(f"{out}: give a file name ending in one of matplotlib's formats: "
                         f"{', '.join('.' + f for f in sorted(formats))}")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{out}: no such directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{out}: directory {parent} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise InputError(f"{out}: the file is not writable")
    return target, fmt


def figure(path, x: str, y: str, *, chi2: str | None = None, sigmas=(1, 2, 3), bands=(),
           contours=(), excludes=(), alloweds=(), logx=None, logy=None, title=None, xlabel=None,
           ylabel=None, legend: str = "outside"):
    """The map as a matplotlib Figure (every layer spec is checked before anything is drawn)."""
    matplotlib = require_matplotlib()
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # no display needed; a notebook that imported pyplot keeps its own
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from bridge.scan.labels import column_label

    _check_legend(legend)
    columns = store.columns(path)
    layers = []
    for kind, group in (("band", bands), ("allowed", alloweds), ("exclude", excludes),
                        ("contour", contours)):
        for text in group:
            col, opts = parse_spec(text, kind)
            layers.append(Layer(kind, text, resolve(col, columns), opts))
    if chi2 is None and not layers:
        chi2 = _default_chi2(columns)
    for layer in layers:  # each spec's options checked before the file's points are read
        if layer.kind == "contour":
            _contour_spec(layer)
        else:
            region(np.zeros(0), layer.opts, layer.spec, inside=layer.kind != "exclude",
                   column=layer.column, kind=layer.kind)
    frame = Frame(path, x, y, [lay.column for lay in layers], chi2)
    regions = {}
    for layer in layers:  # every spec is checked before anything is drawn
        if layer.kind != "contour":
            regions[id(layer)] = region(frame.field(layer.column), layer.opts, layer.spec,
                                        inside=layer.kind != "exclude", column=layer.column,
                                        kind=layer.kind)
        layer.label = layer.opts.get("label") or _default_label(layer, frame)
    assign_colors(layers, list(CHI2_COLORS[:len(sigmas)]) if frame.chi2 else [])
    fig, ax = plt.subplots(figsize=(6.4, 5.6), layout="constrained")
    handles = []
    X, Y = frame.xy
    _axes(ax, frame, X, Y, logx, logy)  # first: the areas of the regions are measured on them
    if frame.chi2:
        handles += _chi2_regions(ax, frame, sigmas, Patch, Line2D)
    labels: list = []  # the contour labels placed so far (display boxes): none may overlap
    for layer in layers:
        values = frame.field(layer.column)
        if layer.kind == "contour":
            drawn = _contour(ax, frame, values, layer, labels)
            if drawn:
                layer.handle = Line2D([], [], color=layer.color,
                                      ls=layer.opts.get("style", "--"), label=layer.label)
        else:
            g, lo, hi = regions[id(layer)]
            inside = np.isfinite(g) & (g >= lo) & (g <= hi)
            hatch = _hatch(layer) if layer.kind == "exclude" else None
            alpha = _alpha(layer)
            drawn = inside.any() and _fill(ax, frame, g, lo, hi, layer.color, alpha, hatch)
            if not inside.any():
                _note(f"{layer.where} draws nothing: no plotted point satisfies it")
            elif not drawn:
                _note(f"{layer.where} draws nothing: its {int(inside.sum())} point(s) do not "
                      "make an area on this mesh")
            elif inside[np.isfinite(g)].all():
                _note(f"{layer.where} covers every plotted point")
            if drawn:
                layer.handle = (Patch(facecolor="none", edgecolor=layer.color, hatch=hatch,
                                      label=layer.label) if hatch else
                                Patch(color=layer.color, alpha=alpha, label=layer.label))
        if layer.handle is not None:
            handles.append(layer.handle)
    if not frame.chi2 and not any(lay.handle for lay in layers):
        # nothing else on the map: show where the scan has points
        px, py = frame.field(frame.x), frame.field(frame.y)
        ax.plot(np.ravel(px), np.ravel(py), ".", color="0.55", ms=2, zorder=1, clip_on=False)
        handles.append(Line2D([], [], marker=".", ls="", color="0.55",
                              label=f"scan points ({frame.data['id'].size})"))
    handles += _failed_points(ax, frame, Line2D)
    ax.set_xlabel(xlabel or column_label(frame.model, frame.x))
    ax.set_ylabel(ylabel or column_label(frame.model, frame.y))
    if title is None:  # say what the map is; --title "" for none
        model = frame.meta.get("scan", {}).get("model", "")
        title = f"{model}: Δχ² of {frame.chi2.split(':', 1)[1]}" if frame.chi2 else model
    if title:
        ax.set_title(title, fontsize=10)
    _legend(fig, ax, handles, legend)
    return fig


def _default_chi2(columns: list[str]) -> str | None:
    chi2s = [c for c in columns if c.startswith("chi2:")]
    if chi2s:
        others = f" (also in the file: {', '.join(chi2s[1:])})" if len(chi2s) > 1 else ""
        _note(f"no layer given: drawing the Delta chi2 regions of {chi2s[0]}{others}")
        return chi2s[0]
    _note("no layer given and no chi2 column: drawing the scanned points")
    return None


def _failed_points(ax, frame: Frame, Line2D) -> list:
    """Crosses where points failed (a hole in the map is never silent), with a note."""
    n = frame.failed_ids.size
    if not n:
        return []
    fx, fy = frame.failed_xy
    shown = f"drawn as crosses ({fx.size})" if fx.size else "not drawn (no coordinates stored)"
    _note(f"{n} of {frame.total} points failed (first: {frame.first_error}); {shown}; "
          "bridge.scan.read_results(RESULTS, failed=True) lists them")
    if not fx.size:
        return []
    ax.plot(fx, fy, "x", color="0.3", ms=4, mew=0.9, zorder=4, clip_on=False)
    return [Line2D([], [], marker="x", ls="", color="0.3", mew=0.9,
                   label=f"failed points ({fx.size})")]


def _hatch(layer: Layer) -> str:
    hatch = layer.opts.get("hatch", "//")
    if hatch is True or not hatch or set(hatch) - set("/\\|-+xoO.*"):
        raise InputError(f"{layer.where}: hatch= is a pattern of the characters / \\ | - + x o O . *")
    return hatch


def _alpha(layer: Layer) -> float:
    if "alpha" not in layer.opts:
        return 0.45
    a = _float(layer.opts, "alpha", layer.spec)
    if not 0 < a <= 1:
        raise InputError(f"{layer.where}: alpha= must lie in (0, 1]")
    return a


def delta_chi2_two_dof(sigmas: float) -> float:
    """Δχ² of the region of two fitted parameters whose probability content is that of ±n σ
    of a Gaussian, p = erf(n/√2): the χ² distribution of two degrees of freedom has the CDF
    1 − exp(−x/2), so Δχ² = −2 ln(1 − p) = −2 ln erfc(n/√2) (PDG, Review of Particle Physics,
    "Statistics", Table 40.2: 2.30, 6.18, 11.83 for 1, 2, 3 σ). erfc keeps 1 − p exact where
    p rounds to 1 (large n); scipy.stats, which gave it before, took ~1 s to import. Beyond
    ~38.5 σ erfc underflows to 0: the level is infinite (a region of every point), as scipy's
    was from 8.4 σ."""
    tail = math.erfc(sigmas / math.sqrt(2.0))
    return -2.0 * math.log(tail) if tail > 0.0 else math.inf


def _chi2_regions(ax, frame: Frame, sigmas, Patch, Line2D) -> list:
    c2 = frame.field(frame.chi2)
    if not np.isfinite(c2).any():
        raise InputError(f"{frame.path}: column {frame.chi2} has no finite value")
    X, Y = frame.xy
    best = np.nanargmin(c2)
    delta = c2 - np.nanmin(c2)
    levels = [delta_chi2_two_dof(s) for s in sigmas]
    colors = list(CHI2_COLORS[:len(levels)])
    # one filled contour set, a band per region: each region's legend entry follows what it
    # draws (between grid points too, where the interpolated Δχ² crosses its band)
    cs = _contours(ax, frame, delta, [-1.0, *levels], filled=True, colors=colors)
    areas = _areas(cs, ax) if cs is not None else [0.0] * len(levels)
    handles = []
    below = 0.0
    for s_, lev, col, area in zip(sigmas, levels, colors, areas, strict=False):
        if area >= MIN_AREA:
            handles.append(Patch(color=col, label=f"{s_:g}σ (Δχ² ≤ {lev:.2f})"))
        else:
            _note(f"the {s_:g} sigma region of {frame.chi2} adds nothing on this map "
                  f"({below:.2f} < Delta chi2 <= {lev:.2f} covers {100 * area:.2g}% of it): "
                  "no legend entry")
        below = lev
    bx, by = np.ravel(X)[best], np.ravel(Y)[best]
    ax.plot([bx], [by], "o", color="#e8590c", ms=6, zorder=5, clip_on=False)
    handles.append(Line2D([], [], marker="o", ls="", color="#e8590c",
                          label=f"best point (χ² = {np.nanmin(c2):.3g})"))
    return handles


def _axes(ax, frame: Frame, X, Y, logx, logy) -> None:
    """Log axes as scanned (or as asked) and limits spanning the plotted points."""
    axes = {f"par:{a['name']}": a for a in frame.meta.get("scan", {}).get("space", {}).get("axes", [])}
    for values, column, log, set_scale, set_lim in (
            (X, frame.x, logx, ax.set_xscale, ax.set_xlim),
            (Y, frame.y, logy, ax.set_yscale, ax.set_ylim)):
        is_log = log if log is not None else axes.get(column, {}).get("log", False)
        finite = np.asarray(values, float)[np.isfinite(values)]
        if is_log:
            if finite.size and finite.min() <= 0:
                raise InputError(f"{column} has values <= 0: it cannot be drawn on a log axis")
            set_scale("log")
        if finite.size and finite.max() > finite.min():
            set_lim(float(finite.min()), float(finite.max()))


def _legend(fig, ax, handles: list, where: str) -> None:
    """Below the axes by default (``outside``), where it hides no contour label; ``none``
    draws none; anything else is a matplotlib location inside the axes."""
    if not handles or where == "none":
        return
    if where == "outside":
        fig.legend(handles=handles, loc="outside lower center", ncols=2 if len(handles) > 2 else 1,
                   fontsize=8, frameon=False)
    else:
        ax.legend(handles=handles, loc=where, fontsize=8, framealpha=0.85)


def _check_legend(where: str) -> None:
    """Refuse a ``--legend`` that is not ``outside``, ``none`` or one of matplotlib's locations
    inside the axes (before the file's points are read: it was refused when drawn)."""
    from matplotlib.legend import Legend

    if where not in ("outside", "none") and where not in Legend.codes:
        raise InputError(f"--legend {where!r}: not a legend location (outside, none, or "
                         "matplotlib's: best, upper right, lower left, ...)")


def _contour_spec(layer: Layer) -> tuple[list[float] | None, str]:
    """(the levels given, or None; the line style) of a contour layer, its options checked (by
    :func:`figure` before the file's points are read)."""
    opts = layer.opts
    levels = None
    if "levels" in opts:
        if "log" in opts:
            raise InputError(f"{layer.where}: give levels= or log, not both")
        try:
            levels = sorted(float(v) for v in str(opts["levels"]).split(","))
        except ValueError:
            raise InputError(f"{layer.where}: levels must be numbers separated by commas") from None
        if not all(math.isfinite(v) for v in levels):
            raise InputError(f"{layer.where}: levels must be finite numbers")
    style = opts.get("style", "--")
    if style not in LINESTYLES:
        raise InputError(f"{layer.where}: style must be one of {', '.join(LINESTYLES)}")
    return levels, style


def _contour(ax, frame: Frame, values: np.ndarray, layer: Layer, labels: list) -> bool:
    """Contour lines of ``values``; returns whether any line was drawn (notes why not)."""
    opts = layer.opts
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        _note(f"{layer.where} draws nothing: {layer.column} has no finite value")
        return False
    levels, style = _contour_spec(layer)
    if levels is None and opts.get("log"):
        if not np.all(finite > 0):
            raise InputError(f"{layer.where}: log levels need positive values of {layer.column}")
        lo, hi = math.floor(math.log10(finite.min())), math.ceil(math.log10(finite.max()))
        levels = [10.0**e for e in range(lo, hi + 1)]
    elif levels is None:  # round numbers, as an axis would have: labels a reader can read
        from matplotlib.ticker import MaxNLocator

        ticks = MaxNLocator(nbins=6).tick_values(finite.min(), finite.max())
        levels = [float(v) for v in ticks if finite.min() < v < finite.max()]
    inside = [lv for lv in levels if finite.min() <= lv <= finite.max()]
    if not inside:
        _note(f"{layer.where} draws nothing: no level lies in the plotted range "
              f"{finite.min():.3g} .. {finite.max():.3g} of {layer.column}")
        return False
    outside = [lv for lv in levels if lv not in inside]
    if outside:
        _note(f"{layer.where}: level(s) {', '.join(f'{v:g}' for v in outside)} outside the "
              f"plotted range {finite.min():.3g} .. {finite.max():.3g}: not drawn")
    cs = _contours(ax, frame, values, inside, filled=False, colors=[layer.color], linestyles=style)
    if cs is None or not _drawn(cs):
        _note(f"{layer.where} draws nothing on this mesh")
        return False
    _label_lines(ax, cs, labels)
    return True


#: Candidate places of a contour label along its line (fractions of the line's points).
_LABEL_PLACES = (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9)


def _label_lines(ax, cs, taken: list) -> None:
    """Inline labels of a contour set that overlap no label placed before (``taken``: their
    boxes in display coordinates; this set's are added): matplotlib places each set's labels
    on its own, so two layers' labels could sit on each other (Δa_μ's 2.51e-9 on the 400 of
    a mass contour). A label that would collide moves along its line; with no free place on
    it, it is left out."""
    renderer = ax.figure.canvas.get_renderer()
    frame_box = ax.get_window_extent(renderer)
    trial = list(ax.clabel(cs, fontsize=7, fmt=level_label, inline=False))
    places, mine = [], []
    for text, value in zip(trial, list(cs.labelCValues), strict=True):
        box = text.get_window_extent(renderer).expanded(1.15, 1.3)
        text.remove()
        # labelCValues holds colour values or, with colours given, indices into labelIndiceList
        level = int(cs.labelIndiceList[list(cs.labelCValueList).index(value)])
        for xy in [text.get_position(), *_along(cs, level)]:
            cx, cy = ax.transData.transform(xy)
            moved = box.translated(cx - box.x0 - box.width / 2, cy - box.y0 - box.height / 2)
            inside = frame_box.contains(*moved.p0) and frame_box.contains(*moved.p1)
            if inside and not any(moved.overlaps(other) for other in taken + mine):
                places.append(tuple(xy))
                mine.append(moved)
                break
    del cs.labelTexts[:], cs.labelCValues[:]
    if places:  # inline at the chosen places: the line is cut under each label only
        ax.clabel(cs, fontsize=7, fmt=level_label, inline=True, manual=places)
    taken.extend(mine)


def _along(cs, level: int) -> list:
    """Points along the line(s) of one level of a contour set, in data coordinates."""
    paths = cs.get_paths()
    if level >= len(paths) or len(paths[level].vertices) == 0:
        return []
    vertices = paths[level].vertices
    return [tuple(vertices[int(f * (len(vertices) - 1))]) for f in _LABEL_PLACES]


def level_label(v: float) -> str:
    """A contour label: ``300``, ``0.25``, or ``$10^{-6}$``, ``$4.2\times10^{-13}$`` in mathtext."""
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:g}"
    exponent = math.floor(math.log10(abs(v)))
    mantissa = v / 10.0**exponent
    if abs(mantissa - round(mantissa)) < 1e-9 and round(abs(mantissa)) == 1:
        return f"${'-' if v < 0 else ''}10^{{{exponent}}}$"
    return f"${mantissa:.3g}\\times10^{{{exponent}}}$"
