"""2D maps of a scan with matplotlib: χ² regions, σ bands, contour lines, exclusions.

Layers (each a small spec string ``COLUMN;key=value;...``, so column names may contain
``:`` and ``,``):

* ``--chi2 COLUMN``: filled Δχ² = χ² − χ²_min regions at 1, 2, 3σ for two parameters
  (Δχ² = 2.30, 6.18, 11.83), best point marked;
* ``--band "COLUMN;n=2"``: where |COLUMN| ≤ n for a pull column (``pull:LIK:TERM``), or
  ``"COLUMN;central=C;sigma=S;n=N"`` for a value column;
* ``--contour "COLUMN;levels=1e-13,1e-12"``: contour lines (``log`` for log-spaced auto levels);
* ``--exclude "COLUMN;gt=V"`` (``lt``, ``abs_gt``, ``abs_lt``, or central/sigma/n as a band
  that is outside): hatched; ``--allowed`` the same, filled.

A grid over the two plotted parameters is drawn on its own mesh (other grid parameters are
profiled: the point of lowest χ² per (x, y), else the first); samples are triangulated.
"""

from __future__ import annotations

import math

import numpy as np

from bridge.errors import InputError
from bridge.scan import store

PREFIXES = ("par:", "obs:", "chi2:", "pull:", "ol:", "wc:", "mass:", "in:", "contrib:", "mnu:", "dm:")
COLORS = ("tab:green", "tab:orange", "tab:blue", "tab:purple", "tab:brown", "tab:olive", "tab:cyan")


def resolve(name: str, columns: list[str]) -> str:
    """A column by exact name, with a prefix added, or by a unique case-insensitive match."""
    if name in columns:
        return name
    for p in PREFIXES:
        if p + name in columns:
            return p + name
    low = name.lower()
    hits = [c for c in columns if c.lower() == low or c.lower().split(":", 1)[-1] == low]
    if len(hits) == 1:
        return hits[0]
    hits = [c for c in columns if low in c.lower()]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise InputError(f"no column {name!r} in the results (see `bridge plot RESULTS --columns`)")
    raise InputError(f"column {name!r} is ambiguous: {', '.join(hits[:6])}")


def parse_spec(text: str) -> tuple[str, dict]:
    """``COLUMN;key=value;flag`` → (column, {key: value, flag: True})."""
    parts = text.split(";")
    opts: dict = {}
    for p in parts[1:]:
        key, eq, value = p.partition("=")
        opts[key.strip().lower()] = value.strip() if eq else True
    return parts[0].strip(), opts


def _float(opts: dict, key: str, spec: str) -> float:
    try:
        return float(opts[key])
    except (KeyError, ValueError):
        raise InputError(f"{spec!r}: needs a number for {key}=") from None


def region(values: np.ndarray, opts: dict, spec: str, *, inside: bool):
    """(g, lo, hi): the spec's region is lo <= g <= hi, g continuous so that contours are smooth.

    band/allowed (``inside``): |pull| <= n, or the condition (gt, lt, abs_gt, abs_lt);
    exclude: |pull| > n, or the condition.
    """
    v = np.asarray(values, float)
    if "central" in opts or "sigma" in opts:
        g = np.abs(v - _float(opts, "central", spec)) / _float(opts, "sigma", spec)
        n = float(opts.get("n", 1))
        return (g, 0.0, n) if inside else (g, n, math.inf)
    for key, (absolute, above) in {"gt": (False, True), "lt": (False, False),
                                   "abs_gt": (True, True), "abs_lt": (True, False)}.items():
        if key in opts:
            g = np.abs(v) if absolute else v
            t = _float(opts, key, spec)
            return (g, t, math.inf) if above else (g, -math.inf, t)
    n = float(opts.get("n", 1))
    return (np.abs(v), 0.0, n) if inside else (np.abs(v), n, math.inf)


class Frame:
    """The plotted points on a mesh (grid) or as scattered points (samples)."""

    def __init__(self, path, x: str, y: str, extra: list[str], chi2: str | None):
        self.meta = store.meta(path)
        self.columns = store.columns(path)
        self.x, self.y = resolve(x, self.columns), resolve(y, self.columns)
        self.chi2 = resolve(chi2, self.columns) if chi2 else None
        names = list(dict.fromkeys([self.x, self.y, *(resolve(e, self.columns) for e in extra),
                                    *([self.chi2] if self.chi2 else []), "id"]))
        self.data = store.read(path, names)
        if self.data["id"].size == 0:
            raise InputError(f"{path}: no successful points to plot")
        self.mesh = self._mesh()

    def _mesh(self):
        space = self.meta.get("scan", {}).get("space", {})
        if space.get("sampler") != "grid":
            return None
        axes = [f"par:{a['name']}" for a in space["axes"]]
        if self.x not in axes or self.y not in axes:
            return None
        shape = tuple(space["shape"])
        ix, iy = axes.index(self.x), axes.index(self.y)
        index = np.unravel_index(self.data["id"].astype(np.int64), shape)
        nx, ny = shape[ix], shape[iy]
        flat = index[iy] * nx + index[ix]
        # profile the other grid parameters: keep the lowest χ² per (x, y)
        order = np.argsort(self.data[self.chi2]) if self.chi2 else np.arange(flat.size)
        order = order[::-1]  # later assignments win: the lowest χ² is written last
        pick = np.full(nx * ny, -1)
        pick[flat[order]] = order
        return (ny, nx), pick

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
        return self.field(self.x), self.field(self.y)


def _fill(ax, frame: Frame, g: np.ndarray, lo: float, hi: float, color, alpha=0.5, hatch=None):
    """Fill lo <= g <= hi (contourf of the continuous g; hatched for exclusions)."""
    finite = g[np.isfinite(g)]
    if finite.size == 0 or finite.max() < lo or finite.min() > hi:
        return
    span = max(float(finite.max() - finite.min()), 1e-300)
    levels = [lo if math.isfinite(lo) else float(finite.min()) - span,
              hi if math.isfinite(hi) else float(finite.max()) + span]
    X, Y = frame.xy
    kw = {"colors": "none", "hatches": [hatch]} if hatch else {"colors": [color], "alpha": alpha}
    edges = [lv for lv in (lo, hi) if math.isfinite(lv)]
    if frame.mesh is None:
        m = np.isfinite(g)
        cs = ax.tricontourf(X[m], Y[m], g[m], levels=levels, **kw)
        if hatch and edges:
            ax.tricontour(X[m], Y[m], g[m], levels=edges, colors=[color], linewidths=1)
    else:
        gm = np.ma.masked_invalid(g)
        cs = ax.contourf(X, Y, gm, levels=levels, **kw)
        if hatch and edges:
            ax.contour(X, Y, gm, levels=edges, colors=[color], linewidths=1)
    if hatch:
        cs.set_edgecolor(color)
        cs.set_linewidth(0)


def axis_label(meta: dict, column: str) -> str:
    """``M_Psi [GeV]`` for par:MINPAR:1 of F_Ib (the plugin's symbols), else the name."""
    name = column.split(":", 1)[-1]
    if not column.startswith("par:"):
        return name
    try:
        from bridge.plugins import get_model

        info = get_model(meta["scan"]["model"]).info()
    except Exception:  # no plugin here: the raw name is still a label
        return name
    labels = []
    for factor in name.split("*"):
        block, _, key = factor.partition(":")
        b = info.block(block) or next((x for x in info.blocks if x.imaginary == block), None)
        k = tuple(int(t) for t in key.split(",")) if "," in key else (int(key) if key.isdigit() else key)
        e = b.entry(k) if b else None
        if e is None:
            return name
        im = "Im " if b.name != block else ""
        labels.append((im + e.symbol, e.unit))
    units = {u for _, u in labels if u}
    text = " × ".join(sym for sym, _ in labels)
    return f"{text} [{units.pop()}]" if len(labels) == 1 and units else text


def draw(path, x: str, y: str, out: str, *, chi2: str | None = None, sigmas=(1, 2, 3),
         bands=(), contours=(), excludes=(), alloweds=(), logx=None, logy=None, title=None,
         xlabel=None, ylabel=None, dpi: int = 150, legend: str = "best") -> str:
    """Draw the map to ``out`` (PNG, PDF, SVG: matplotlib's choice by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from scipy.stats import chi2 as chi2_dist

    specs = [(kind, *parse_spec(s)) for kind, group in (("band", bands), ("contour", contours),
                                                         ("exclude", excludes), ("allowed", alloweds))
             for s in group]
    frame = Frame(path, x, y, [c for _, c, _ in specs], chi2)
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    handles = []
    X, Y = frame.xy
    if frame.chi2:
        c2 = frame.field(frame.chi2)
        best = np.nanargmin(c2)
        delta = c2 - np.nanmin(c2)
        levels = [float(chi2_dist.ppf(math.erf(s / math.sqrt(2)), 2)) for s in sigmas]
        colors = ("#f4a6b7", "#f7b267", "#fff3a0", "#fffbd6")
        for lev, col in reversed(list(zip(levels, colors, strict=False))):
            _fill(ax, frame, delta, -1.0, lev, col, alpha=1.0)
        for s_, lev, col in zip(sigmas, levels, colors, strict=False):
            handles.append(Patch(color=col, label=f"{s_:g}σ (Δχ² ≤ {lev:.2f})"))
        bx, by = np.ravel(X)[best], np.ravel(Y)[best]
        ax.plot([bx], [by], "o", color="#e8590c", ms=6, zorder=5)
        handles.append(Line2D([], [], marker="o", ls="", color="#e8590c",
                              label=f"best point (χ² = {np.nanmin(c2):.3g})"))
    k = 0
    for kind, col, opts in specs:
        name = resolve(col, frame.columns)
        values = frame.field(name)
        label = opts.get("label") or name.split(":", 1)[-1]
        color = opts.get("color") or COLORS[k % len(COLORS)]
        k += 1
        if kind == "contour":
            _contour(ax, frame, values, opts, color, col)
            handles.append(Line2D([], [], color=color, ls=opts.get("style", "--"), label=label))
        elif kind in ("band", "allowed"):
            _fill(ax, frame, *region(values, opts, col, inside=True), color,
                  alpha=float(opts.get("alpha", 0.45)))
            handles.append(Patch(color=color, alpha=float(opts.get("alpha", 0.45)), label=label))
        else:
            _fill(ax, frame, *region(values, opts, col, inside=False), color,
                  hatch=opts.get("hatch", "//"))
            handles.append(Patch(facecolor="none", edgecolor=color, hatch=opts.get("hatch", "//"),
                                 label=label))
    axes = {f"par:{a['name']}": a for a in frame.meta.get("scan", {}).get("space", {}).get("axes", [])}
    if logx if logx is not None else axes.get(frame.x, {}).get("log", False):
        ax.set_xscale("log")
    if logy if logy is not None else axes.get(frame.y, {}).get("log", False):
        ax.set_yscale("log")
    ax.set_xlabel(xlabel or axis_label(frame.meta, frame.x))
    ax.set_ylabel(ylabel or axis_label(frame.meta, frame.y))
    if title:
        ax.set_title(title, fontsize=10)
    if handles:
        ax.legend(handles=handles, loc=legend, fontsize=8, framealpha=0.85)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


def _contour(ax, frame: Frame, values: np.ndarray, opts: dict, color, spec: str):
    X, Y = frame.xy
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return
    if "levels" in opts and opts["levels"] is not True:
        try:
            levels = sorted(float(v) for v in str(opts["levels"]).split(","))
        except ValueError:
            raise InputError(f"{spec!r}: levels must be numbers separated by commas") from None
    elif opts.get("log") and np.all(finite > 0):
        lo, hi = math.floor(math.log10(finite.min())), math.ceil(math.log10(finite.max()))
        levels = [10.0**e for e in range(lo, hi + 1)]
    else:
        levels = list(np.linspace(finite.min(), finite.max(), 7)[1:-1])
    style = opts.get("style", "--")
    if frame.mesh is None:
        m = np.isfinite(values)
        cs = ax.tricontour(X[m], Y[m], values[m], levels=levels, colors=[color], linestyles=style)
    else:
        cs = ax.contour(X, Y, np.ma.masked_invalid(values), levels=levels, colors=[color],
                        linestyles=style)
    ax.clabel(cs, fontsize=7, fmt=lambda v: f"{v:g}")
