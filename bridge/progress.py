"""What the bridge is doing during a long wait, on stderr.

``with task("flavio SM uncertainties", total=10, unit="observables") as t: ... t.advance()``
reports a wait once it has lasted :data:`DELAY` seconds (a quick step prints nothing):

* on a terminal, one line redrawn every 0.2 s: a spinner, what is being done, a bar with
  done/total and the ETA from the rate so far (or, for a single opaque call, the elapsed time
  against its ``expected`` duration), and the elapsed time; a last line says how long it took;
* otherwise (a pipe, a log file, a notebook), plain lines: one when the wait starts, one every
  :data:`PLAIN_EVERY` seconds with the same numbers, one at the end.

Nested tasks show the innermost one. ``-q`` (:func:`set_enabled`) or ``BRIDGE_PROGRESS=0`` in
the environment turns all of it off. A drawing thread per task keeps a spinner alive while
the main thread sits in one long call (smelli's construction, an import).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time

#: Seconds a wait must last before it is reported.
DELAY = 2.0
#: Seconds between plain lines when stderr is not a terminal.
PLAIN_EVERY = 15.0
#: Redraw interval on a terminal.
TICK = 0.2
SPINNER = "|/-\\"

_state = {"enabled": os.environ.get("BRIDGE_PROGRESS", "1") != "0"}
_stack: list[Task] = []
_lock = threading.Lock()


def set_enabled(flag: bool) -> None:
    """Turn progress reports on or off (``-q`` turns them off)."""
    _state["enabled"] = bool(flag)


def enabled() -> bool:
    return _state["enabled"]


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Task:
    """One reported wait (use :func:`task`)."""

    def __init__(self, what: str, total: int | None = None, unit: str = "",
                 expected: float | None = None, stream=None, counter=None):
        self.what, self.total, self.unit, self.expected = what, total, unit, expected
        self.counter = counter  # a callable giving `done` (e.g. a fit's evaluation count)
        self._done = 0
        self.detail = ""
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.shown = False
        self.last_plain = 0.0
        self.frame = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- what the caller does -------------------------------------------------------
    @property
    def done(self) -> int:
        return self.counter() if self.counter else self._done

    def advance(self, n: int = 1) -> None:
        self._done += n

    def describe(self, detail: str) -> None:
        """What is being done right now (e.g. the observable being computed); a plain report
        (not a terminal) that is already showing gets a line for it at once."""
        changed = detail != self.detail
        self.detail = detail
        if changed and self.shown and not self.tty:
            with _lock:
                self._write(f"bridge: {self.status()}")
                self.last_plain = time.monotonic()

    # ---- the numbers ----------------------------------------------------------------
    def status(self) -> str:
        elapsed = time.monotonic() - self.start
        what = self.detail or self.what
        if self.total:
            frac = min(self.done / self.total, 1.0)
            rate = self.done / elapsed if elapsed > 0 else 0.0
            eta = (self.total - self.done) / rate if rate > 0 else math.inf
            bar = "#" * int(20 * frac)
            unit = f" {self.unit}" if self.unit else ""
            return (f"{what} [{bar:<20s}] {self.done}/{self.total}{unit}, "
                    f"{_clock(elapsed)} elapsed, ETA {_clock(eta)}")
        if self.expected and elapsed > self.expected:  # no "ETA ~0:00" for minutes on end
            return (f"{what}, {_clock(elapsed)} elapsed, longer than the typical "
                    f"{_clock(self.expected)} (a busy machine or a cold disk cache)")
        if self.expected:
            frac = min(elapsed / self.expected, 0.99)
            bar = "#" * int(20 * frac)
            eta = max(self.expected - elapsed, 0.0)
            return (f"{what} [{bar:<20s}] {_clock(elapsed)} elapsed, ETA ~{_clock(eta)} "
                    f"(typically {_clock(self.expected)})")
        done = self.done
        each = f" ({elapsed / done:.2g} s each)" if done and self.unit else ""
        count = f", {done} {self.unit}{each}" if self.unit else ""
        return f"{what}{count}, {_clock(elapsed)} elapsed"

    # ---- drawing --------------------------------------------------------------------
    def _write(self, text: str, end: str = "\n") -> None:
        try:
            self.stream.write(text + end)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr costs the report only
            pass

    def draw(self) -> None:
        now = time.monotonic()
        if not self.shown and now - self.start < DELAY:
            return
        if self.tty:
            self.frame += 1
            line = f"{SPINNER[self.frame % len(SPINNER)]} {self.status()}"
            width = 119
            self._write("\r" + line[:width].ljust(width), end="")
        elif not self.shown or now - self.last_plain >= PLAIN_EVERY:
            self._write(f"bridge: {self.status()}")
            self.last_plain = now
        self.shown = True

    def finish(self, failed: bool = False) -> None:
        if not self.shown:
            return
        elapsed = _clock(time.monotonic() - self.start)
        end = "stopped" if failed else "done"
        if self.tty:
            self._write("\r" + f"{self.what}: {end} in {elapsed}".ljust(119))
        else:
            self._write(f"bridge: {self.what}: {end} in {elapsed}")

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            with _lock:
                if _stack and _stack[-1] is self:
                    self.draw()


@contextlib.contextmanager
def task(what: str, total: int | None = None, unit: str = "", expected: float | None = None,
         stream=None, counter=None):
    """Report this wait on stderr if it lasts more than DELAY seconds (see the module doc)."""
    t = Task(what, total, unit, expected, stream, counter)
    if not enabled():
        yield t
        return
    with _lock:
        _stack.append(t)
    t._thread = threading.Thread(target=t._run, name="bridge-progress", daemon=True)
    t._thread.start()
    failed = True
    try:
        yield t
        failed = False
    finally:
        t._stop.set()
        t._thread.join()
        with _lock:
            _stack.remove(t)
            t.finish(failed)


def load_flavio():
    """``import flavio`` with a report: its first import in a process takes 5-60 s (data
    files, numba) and used to look like a hang. Its measurement database is read when first
    used (bridge.flavio_setup.import_flavio_for_predictions: a prediction does not)."""
    if "flavio" not in sys.modules:
        from bridge.flavio_setup import import_flavio_for_predictions

        with task("loading flavio (once per process)", expected=15.0):
            import_flavio_for_predictions()
    return sys.modules["flavio"]
