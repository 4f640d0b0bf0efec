"""Output files of ``bridge run``: SLHA card with FLHA blocks, WCxf YAML, JSON.

All three texts are built before anything touches the disk, and each file is
written to a temporary name and renamed, so a failure or an interrupt never
leaves a half-written or partial set of files behind.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import numpy as np

from bridge import flha, interrupts
from bridge.plugins import bridge_version
from bridge.sm import SMINPUTS_NAMES
from bridge.versions import installed

NORMALISATION = (
    "flavio WET basis of WCxf (wilson wet.flavio.basis.json), L_eff = sum C_i O_i, "
    "NP contributions only; C9/C10/CL dimensionless with prefactor 4G_F/sqrt2 VtbVts* e^2/16pi^2, "
    "C7/C8 with 4G_F/sqrt2 VtbVts* e(g_s)/16pi^2 m_b, C7_ll with 4G_F/sqrt2 e/16pi^2 m_l, "
    "CVLL_bsbs in GeV^-2, Cgamma in GeV^-1")


def versions() -> dict[str, str]:
    out = {"bridge": bridge_version(), "python": platform.python_version()}
    for dist in ("flavio", "wilson", "pyslha", "pluggy", "numpy", "scipy", "particle"):
        try:
            out[dist] = installed(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


# ---------------------------------------------------------------------------
# SLHA
# ---------------------------------------------------------------------------
def _fmt(value: float) -> str:
    return f"{value: .8E}"


def _key(key) -> str:
    if isinstance(key, tuple):
        return " ".join(f"{k:>3d}" for k in key)
    return f"{key:>6d}"


def slha_block(name: str, rows, comment: str = "", scale: float | None = None) -> str:
    head = f"Block {name}"
    if scale is not None:
        head += f" Q= {_fmt(scale)}"
    if comment:
        head += f"   # {comment}"
    lines = [head]
    for key, value, note in rows:
        val = value if isinstance(value, str) else _fmt(float(value))
        lines.append(f"  {_key(key)}   {val}   # {note}" if note else f"  {_key(key)}   {val}")
    return "\n".join(lines) + "\n"


def _input_blocks(result) -> list[str]:
    out = []
    for spec in result.info.blocks:
        values = result.inputs[spec.name]
        if not values:
            continue  # an optional block the card did not use
        rows, im_rows = [], []
        for entry in spec.entries:
            v = values[entry.key]
            unit = f" [{entry.unit}]" if entry.unit else ""
            rows.append((entry.key, complex(v).real, f"{entry.symbol}{unit}"))
            if spec.imaginary and complex(v).imag != 0:
                im_rows.append((entry.key, complex(v).imag, f"Im {entry.symbol}"))
        out.append(slha_block(spec.name, rows, spec.description))
        if im_rows:
            out.append(slha_block(spec.imaginary, im_rows, f"imaginary parts of {spec.name}"))
    return out


def _mixing_blocks(result) -> list[str]:
    out = []
    for mix in result.spectrum.mixings:
        mat = np.asarray(mix.matrix, dtype=complex)
        rows, im_rows = [], []
        for i in range(mat.shape[0]):
            for j in range(mat.shape[1]):
                label = ""
                if mix.rows and mix.columns:
                    label = f"{mix.rows[i]} -> {mix.columns[j]}"
                rows.append(((i + 1, j + 1), mat[i, j].real, label))
                im_rows.append(((i + 1, j + 1), mat[i, j].imag, label))
        out.append(slha_block(mix.name, rows, mix.description))
        if np.any(mat.imag != 0):
            out.append(slha_block("IM" + mix.name, im_rows, f"imaginary part of {mix.name}"))
    return out


def slha_text(result) -> str:
    parts = [
        f"# bridge {bridge_version()}: model {result.model.name}, input {result.card_path}\n"
        f"# {result.info.description}\n",
        slha_block("BRIDGE", [(1, result.model.name, "model plugin"),
                              (2, result.scale, "WET hand-over scale [GeV]")], "bridge control"),
        slha_block("FCINFO", [(1, "BRIDGE", "flavour calculator"),
                              (2, bridge_version(), "version")], "program information"),
    ]
    parts += _input_blocks(result)
    sm = result.sm
    alpha_mz = sm.alpha_e_mz or _alpha_mz(result)
    sm_rows = [(1, 1.0 / alpha_mz, SMINPUTS_NAMES[1]), (2, sm.GF, SMINPUTS_NAMES[2]),
               (4, sm.m_Z, SMINPUTS_NAMES[4]), (5, sm.m_b, SMINPUTS_NAMES[5]),
               (6, sm.m_t, SMINPUTS_NAMES[6]), (7, sm.m_tau, SMINPUTS_NAMES[7]),
               (11, sm.m_e, SMINPUTS_NAMES[11]), (13, sm.m_mu, SMINPUTS_NAMES[13])]
    parts.append(slha_block("SMINPUTS", sm_rows, "SM inputs used (flavio defaults unless given)"))
    parts.append(slha_block("MASS", [(p.code, p.mass, p.name) for p in result.spectrum.particles],
                            "dark-sector mass eigenstates [GeV]"))
    parts += _mixing_blocks(result)
    parts += _dark_matter_blocks(result)
    parts += _flha_blocks(result)
    return "\n".join(parts)


def _flha_blocks(result) -> list[str]:
    """FWCOEF, IMFWCOEF, FOBS, FOBSSM, FDIPOLE. What FLHA has no code for is not written with a
    made-up one: a comment line names it (the WCxf and JSON files hold it)."""
    parts = []
    uncoded = sorted(k for k, v in result.coefficients.items()
                     if k not in flha.FLAVIO_TO_FLHA and v != 0)
    note = (f"not written here, for want of an FLHA code (in the WCxf and JSON files): "
            f"{', '.join(uncoded)}") if uncoded else ""
    re_block, im_block = flha.wc_blocks_from_flavio(
        {k: v for k, v in result.coefficients.items() if k in flha.FLAVIO_TO_FLHA}, result.scale)
    parts.append(flha.format_wc_block(re_block, NORMALISATION, note=note))
    if im_block.entries:
        parts.append(flha.format_wc_block(im_block, NORMALISATION))
    if result.predictions:
        fobs = [p for p in result.predictions if p.flavio_name in flha.FOBS_IDS]
        skipped = [f"{p.label} ({flha.NO_FOBS_CODE.get(p.flavio_name, 'no code')})"
                   for p in result.predictions
                   if p.flavio_name not in flha.FOBS_IDS and p.flavio_name not in flha.FDIPOLE_IDS]
        missing = (" Not written, for want of an FLHA code (in the JSON file): "
                   + "; ".join(skipped) + ".") if skipped else ""
        np_entries = [flha.obs_entry_from_flavio(p.flavio_name, p.np, *(p.q2 or ())) for p in fobs]
        sm_entries = [flha.obs_entry_from_flavio(p.flavio_name, p.sm, *(p.q2 or ())) for p in fobs]
        parts.append(flha.format_obs_block(flha.FlhaObsBlock("FOBS", np_entries),
                                           "flavio predictions, SM + NP." + missing))
        parts.append(flha.format_obs_block(flha.FlhaObsBlock("FOBSSM", sm_entries),
                                           "flavio SM predictions." + missing))
        dip = [flha.dipole_entry(p.flavio_name, p.np) for p in result.predictions
               if p.flavio_name in flha.FDIPOLE_IDS]
        if dip:
            parts.append(flha.format_dipole_block(flha.FlhaDipoleBlock("FDIPOLE", dip),
                                                  "NP shift predicted by flavio"))
    return parts


def _dark_matter_blocks(result) -> list[str]:
    """Block DARKMATTER (entries: bridge.darkmatter.summary.NUMBERS, NaN written as -1 with a
    comment) and Block DMCHANNELS (shares above 0.1%, named in the comments)."""
    dm = getattr(result, "dark_matter", None)
    if dm is None:
        return []
    from bridge.darkmatter.summary import slha_rows

    rows = []
    for key, value, name in slha_rows(dm):
        finite = value == value and abs(value) != float("inf")
        rows.append((key, value if finite else -1.0, name if finite else f"{name}: not computed"))
    comment = "bridge.darkmatter.summary: relic density, direct detection, invisible widths"
    if dm.get("error"):
        comment += "; " + " ".join(dm["error"].split())
    elif dm.get("direct_method"):
        comment += f"; direct detection: {dm['direct_method']}"
    out = [slha_block("DARKMATTER", rows, comment)]
    shares = [(k, v) for k, v in dm.get("shares", {}).items() if v >= 1e-3]
    if shares:
        out.append(slha_block("DMCHANNELS", [(i + 1, v, k) for i, (k, v) in enumerate(shares)],
                              "share of each annihilation channel after freeze-out"))
    return out


def _alpha_mz(result) -> float:
    from bridge.sm import flavio_parameters, sminputs_overrides

    return flavio_parameters(sminputs_overrides(result.sminputs))["alpha_e"]


# ---------------------------------------------------------------------------
# WCxf and JSON
# ---------------------------------------------------------------------------
def wcxf_text(result) -> str:
    """WCxf YAML written by wilson, with provenance in its metadata."""
    from bridge.flavio_setup import make_wilson

    w = make_wilson(result.coefficients, result.scale)
    wc = w.wc
    wc.metadata = {"generator": f"bridge {bridge_version()}", "model": result.model.name,
                   "card": str(result.card_path), "versions": versions()}
    return wc.dump(fmt="yaml")


def _cplx(z: complex) -> dict | float:
    z = complex(z)
    return {"re": z.real, "im": z.imag}


def json_text(result) -> str:
    spectrum = result.spectrum
    doc = {
        "model": result.model.name,
        "description": result.info.description,
        "references": list(result.info.references),
        "card": str(result.card_path),
        "scale": result.scale,
        "inputs": {b: {_jkey(k): _cplx(v) if isinstance(v, complex) else v
                       for k, v in vals.items()} for b, vals in result.inputs.items()},
        "sm_inputs": result.sm.as_dict(),
        "spectrum": {
            "masses": [{"code": p.code, "name": p.name, "mass": p.mass}
                       for p in spectrum.particles],
            "mixings": {m.name: {"description": m.description, "rows": list(m.rows),
                                 "columns": list(m.columns),
                                 "re": np.real(m.matrix).tolist(), "im": np.imag(m.matrix).tolist()}
                        for m in spectrum.mixings},
        },
        "wilson_coefficients": {"eft": "WET", "basis": "flavio", "scale": result.scale,
                                "values": {k: _cplx(v) for k, v in sorted(result.coefficients.items())}},
        "matching": {"scale": getattr(result, "matching_scale", result.scale),
                     "route": getattr(result, "route", "not run"),
                     "values": {k: _cplx(v) for k, v in sorted(
                         getattr(result, "matching_coefficients", result.coefficients).items())}},
        # the box/penguin breakdown and the one-loop summaries are at the matching scale
        "contributions_scale": getattr(result, "matching_scale", result.scale),
        "contributions": {k: _cplx(v) if isinstance(v, complex) else float(v)
                          for k, v in sorted(result.contributions.items())},
        "one_loop": result.one_loop,
        "neutrino_mass_matrix_GeV": {"re": np.real(result.neutrino_mass_matrix).tolist(),
                                     "im": np.imag(result.neutrino_mass_matrix).tolist()},
        "observables": [p.as_dict() for p in result.predictions],
        "likelihoods": [r.as_dict() for r in getattr(result, "likelihoods", [])],
        "dark_matter": _json_dark_matter(getattr(result, "dark_matter", None)),
        "warnings": result.warnings,
        "outside_experimental_limits": list(getattr(result, "flags", [])),
        "versions": versions(),
    }
    text = json.dumps(doc, indent=2, allow_nan=False)
    return text + "\n"


def _json_dark_matter(dm):
    """The summary with NaN as null (JSON has no NaN)."""
    if dm is None:
        return None
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in dm.items()}


def _jkey(key) -> str:
    return ",".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


# ---------------------------------------------------------------------------
# atomic writing
# ---------------------------------------------------------------------------
def output_stem(card) -> str:
    """Stem of the output files of ``card``: its name without the last suffix and without
    leading dots (a card named ``.slha`` gives ``slha.json``, not hidden ``.json``)."""
    name = Path(card).name.lstrip(".")
    return (name.rsplit(".", 1)[0] if "." in name else name) or "card"


def refuse_overwriting(paths, card) -> None:
    """Refuse outputs that would replace the input card: the same path, or the same file through
    a symbolic link (of the file or a directory) or a hard link."""
    from bridge.errors import InputError

    for path in paths:
        try:
            same = os.path.samefile(path, card)
        except OSError:  # the output does not exist (yet), so it is not the card
            continue
        if same:
            raise InputError(f"the output {path} would replace the input card; give another output "
                             "directory (-o)", file=str(card))


def check_output_directory(outdir: Path) -> None:
    """Refuse, before any work, an output directory (``-o``) that cannot be made: an existing
    path that is not a directory, or one whose nearest existing parent is not a directory or not
    writable (found when the outputs were written, after the whole run: ``bridge run -o FILE``
    computed everything, then said "File exists")."""
    from bridge.errors import InputError

    outdir = Path(outdir)
    # (lexists: a dangling link is something, and no directory; review rev23)
    existing = next(p for p in (outdir, *outdir.parents, Path(".")) if os.path.lexists(p))
    if not existing.is_dir():
        what = "is" if existing == outdir else f"lies under {existing}, which is"
        raise InputError(f"-o {outdir}: {what} not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"-o {outdir}: directory {existing} is not writable")


#: The files of ``bridge run``: DIR/<stem> + these.
RUN_SUFFIXES = (".slha", ".wcxf.yaml", ".json")


def output_texts(result, stem: str) -> dict[str, str]:
    texts = (slha_text(result), wcxf_text(result), json_text(result))
    return {stem + suffix: text for suffix, text in zip(RUN_SUFFIXES, texts, strict=True)}


class _Staged:
    """``text`` written (UTF-8) and fsync'ed next to ``path``, not yet under its final name.

    On Linux the data go to an unnamed O_TMPFILE inode, so a writer killed before
    :meth:`commit` leaves nothing behind; elsewhere to a hidden ``.NAME.xxxxxxxx`` file,
    which only a SIGKILL can leave behind. Either way the final name only ever points to a
    complete file (``os.replace``), created with mode 0666 & ~umask like any other file.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.tmp, self.data = path, None, text.encode("utf-8")
        self.fd = _unnamed_file(path.parent)
        if self.fd is None:
            self.fd, self.tmp = _hidden_file(path)
        try:
            self._write()
        except BaseException:
            self.discard()
            raise

    def _write(self) -> None:
        view = memoryview(self.data)
        while view:
            view = view[os.write(self.fd, view):]
        os.fsync(self.fd)

    def commit(self) -> None:
        if self.tmp is None:  # name the unnamed inode (hidden), then rename it
            self.tmp = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}"
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:  # a dir_fd makes os.link use linkat(AT_SYMLINK_FOLLOW), needed for /proc
                os.link(f"/proc/self/fd/{self.fd}", self.tmp.name, dst_dir_fd=dir_fd,
                        follow_symlinks=True)
            except OSError:  # no /proc magic links here: write a hidden file instead
                os.close(self.fd)
                self.fd = self.tmp = None
                self.fd, self.tmp = _hidden_file(self.path)
                self._write()
            finally:
                os.close(dir_fd)
        os.replace(self.tmp, self.path)
        self.tmp = None
        self.discard()

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.tmp is not None:
            Path(self.tmp).unlink(missing_ok=True)
            self.tmp = None


def _unnamed_file(directory: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, flag | os.O_WRONLY, 0o666)
    except OSError:  # a filesystem without O_TMPFILE
        return None


def _hidden_file(path: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


def _sync_directory(directory: Path) -> None:
    """Make the renames durable too (best effort: not every platform opens directories)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically: readers see the old or the new file, whole."""
    staged = _Staged(Path(path), text)
    try:
        staged.commit()
    finally:
        staged.discard()
    _sync_directory(Path(path).parent)


def write_outputs(texts: dict[str, str], outdir: Path) -> list[Path]:
    """Write all files, each atomically; none is replaced before all are safely on disk.

    A failure while writing (disk full, permissions) leaves the previous set untouched; only
    a SIGKILL between the final renames (microseconds) can leave a mix of old and new files,
    each of them complete: SIGINT and SIGTERM wait for the end (bridge.interrupts.deferred).
    """
    created = _make_directories(outdir)
    staged = []
    # SIGINT and SIGTERM act once the files are written and renamed or discarded: a SIGTERM's
    # default action between a commit's link and its rename left the hidden name behind
    # (.F_Ib.slha.093223a4, a SIGTERM sent from os.replace: main and before this)
    with interrupts.deferred():
        try:
            for name, text in texts.items():
                staged.append(_Staged(outdir / name, text))
            for item in staged:
                item.commit()
        except BaseException:
            for directory in reversed(created):  # a failed write leaves no empty directory behind
                try:
                    directory.rmdir()
                except OSError:  # not empty (a file made it) or gone
                    break
            raise
        finally:
            for item in staged:
                item.discard()
    _sync_directory(outdir)
    return [item.path for item in staged]


def _make_directories(directory: Path) -> list[Path]:
    """``mkdir -p directory``; returns the directories it created, outermost first."""
    missing = []
    for parent in (directory, *directory.parents):
        if parent.exists():
            break
        missing.append(parent)
    created = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:  # made by someone else meanwhile: not ours to remove
            continue
        created.append(path)
    directory.mkdir(parents=True, exist_ok=True)  # raises if the path is a file
    return created
