"""SIGINT (Ctrl-C) and SIGTERM (``kill``; a batch system at its time limit, before SIGKILL):
how a signal asks a command, and a scan's loop, to stop.

Python's own SIGINT handler raises KeyboardInterrupt wherever the main thread is. Where that
is a weakref callback, a ``__del__`` or a gc callback, CPython reports the exception as
unraisable ("Exception ignored in ...") and goes on: the Ctrl-C is lost (about 1 in 100-300
Ctrl-Cs to a 2-worker ``bridge scan``, 2026-12-02, which then ran to its end with exit 0).
And SIGTERM's default action ended a scan without a word, its resource tracker reporting
"leaked semaphore" objects.

So the handler here (:func:`_handler`) records every signal (:func:`requested`), and raises
only where raising is safe (:func:`raising`): outside a scan's loop, as Python's own handler
does (KeyboardInterrupt; :class:`Stopped` for SIGTERM), but never inside the loop
(:func:`recording`), which looks at the record between its waits and stops in order
(:func:`stop`); a raise that was swallowed before is found there too. Once a stop is under
way, further signals are recorded and nothing else: the shutdown, whose length is bounded
(the workers are ended), is not cut short by a traceback or a death by signal.

:func:`handled` installs the handler for a block and restores the handlers it replaced on
every way out; the outermost block starts a new record, and on its way out hands the signals
nobody took (:func:`take`) to the restored handlers (a library caller's SIGTERM disposition
decides, not this module). :func:`keep_quiet` is for the console script only: SIGINT and
SIGTERM ignored for the interpreter's teardown (multiprocessing's atexit finalizers, where a
Ctrl-C printed a traceback, and the modules' release, where it ended the process by SIGINT).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

#: The signals that ask a command to stop, and the exit code of a command they stopped.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Stopped(KeyboardInterrupt):
    """A command stopped on a signal (``signum``); ``message``: its one line, without the
    ``bridge:`` prefix. A KeyboardInterrupt, so that what cleans up on a Ctrl-C cleans up on
    a SIGTERM too, and a library caller gets Python's convention for an interrupt."""

    def __init__(self, signum: int, message: str | None = None):
        super().__init__(signum)
        self.signum = signum
        self.message = message or describe(signum)

    def __str__(self) -> str:
        return self.message


def describe(signum: int) -> str:
    """What a command stopped by ``signum`` says."""
    if signum == signal.SIGINT:
        return "interrupted"
    return f"terminated ({signal.Signals(signum).name})"


def exit_code(signum: int) -> int:
    return EXIT_CODES.get(signum, 128 + signum)


_received: list[int] = []  # signals recorded since the outermost handled() began
_state = {"raising": True, "stopping": False, "quiet": False, "terminate": False, "depth": 0}


def _handler(signum, frame) -> None:
    _received.append(signum)
    if _state["quiet"] or _state["stopping"]:
        return
    if signum == signal.SIGTERM and not _state["terminate"]:
        # a command that does not stop on SIGTERM (only a scan does): its default action, as
        # before this handler
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    if _state["raising"]:
        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)


def requested() -> int | None:
    """The first signal recorded and not taken, or None."""
    return _received[0] if _received else None


def take() -> int | None:
    """The first signal recorded (None if none), and forget the record: the caller reports it."""
    signum = requested()
    _received.clear()
    return signum


def stop(message: str | None = None) -> None:
    """If a signal is recorded: from now on only record further ones, and raise
    :class:`Stopped` (``message``: its line for SIGTERM, default :func:`describe`)."""
    signum = requested()
    if signum is None:
        return
    _state["stopping"] = True
    raise Stopped(signum, None if signum == signal.SIGINT else message)


@contextlib.contextmanager
def _set(key: str, value: bool):
    # the handler runs in the main thread: a scan run from another thread (whose handled()
    # installed nothing) must not change what a Ctrl-C does there
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = _state[key]
    _state[key] = value
    try:
        yield
    finally:
        _state[key] = before


def recording():
    """A block where the handler records and does not raise: a scan's loop, which looks at
    :func:`requested` between its waits."""
    return _set("raising", False)


def raising():
    """A block where a signal raises (unless a stop is under way): a chunk computed in this
    thread, which nothing else would interrupt."""
    return _set("raising", True)


#: The dispositions this module takes over: Python's own (SIGINT raises KeyboardInterrupt,
#: SIGTERM ends the process). Not an ignored signal (a background job of a shell script
#: ignores SIGINT; nohup), a handler not set from Python (signal.getsignal: None, which could
#: not be restored), nor a library caller's own handler (a graceful-stop flag of its own: its
#: handler is called as before, review rev16).
_DEFAULTS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


def _ours(signum: int) -> bool:
    """Whether this module may handle ``signum``: only where its disposition is Python's
    default (:data:`_DEFAULTS`)."""
    return signal.getsignal(signum) is _DEFAULTS.get(signum)


@contextlib.contextmanager
def handled(signals=(signal.SIGINT,), terminate: bool = False):
    """Install :func:`_handler` for ``signals`` in this block (main thread only: elsewhere
    nothing changes). ``terminate``: SIGTERM stops the command as SIGINT does (a scan);
    without, SIGTERM keeps its default action. The outermost block starts a new record,
    restores the handlers, and hands the signals nobody :func:`take`-s to them (SIGINT not when
    a KeyboardInterrupt leaves the block: that is its delivery)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outermost = _state["depth"] == 0
    if outermost:
        _received.clear()
        _state.update(raising=True, stopping=False)
    saved = {}
    for signum in signals:
        if signal.getsignal(signum) is not _handler and _ours(signum):
            saved[signum] = signal.signal(signum, _handler)
    before = _state["terminate"]
    _state["terminate"] = before or terminate
    _state["depth"] += 1
    leaving = None
    try:
        yield
    except BaseException as exc:
        leaving = exc
        raise
    finally:
        _state["depth"] -= 1
        _state["terminate"] = before
        if not _state["quiet"]:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
        if outermost and not _state["quiet"]:
            _state["stopping"] = False
            left = list(dict.fromkeys(_received))
            _received.clear()
            for signum in left:
                if signum == signal.SIGINT and isinstance(leaving, KeyboardInterrupt):
                    continue
                signal.raise_signal(signum)


@contextlib.contextmanager
def deferred():
    """A block that SIGINT and SIGTERM do not cut short: both are recorded and act at its end
    (the outermost block hands them to the restored handlers: SIGTERM's default action ends
    the process then; inside a command, its end reports them: bridge.cli). For a few
    renames that must happen together (bridge.output.write_outputs)."""
    with handled((signal.SIGINT, signal.SIGTERM), terminate=True), recording():
        yield


def keep_quiet() -> None:
    """For good (the console script, once its command has returned): SIGINT and SIGTERM are
    ignored through the interpreter's teardown. Ignored, not handled: CPython's teardown
    (Py_FinalizeEx, _PySignal_Fini) sets every signal with a Python handler back to its default
    action before it frees the modules (0.1-0.3 s of a scan's numpy and model), where a Ctrl-C
    ended the process by SIGINT (returncode -2) and a SIGTERM by SIGTERM; SIG_IGN stays."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state["quiet"] = True
    for signum in EXIT_CODES:
        if signal.getsignal(signum) is _handler or _ours(signum):
            signal.signal(signum, signal.SIG_IGN)
