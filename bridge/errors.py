"""Errors the bridge reports to users as one line: exit status 2 for bad input, 1 for a
run that could not finish (:class:`WorkerLost`)."""

from __future__ import annotations


class BridgeError(Exception):
    """Base class of errors that the command line reports without a traceback."""

    #: the command line's exit status for this error
    exit_code = 2


class InputError(BridgeError):
    """Bad user input, located by file, block and entry where they are known."""

    def __init__(self, message: str, *, file: str | None = None, block: str | None = None,
                 entry: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.block = block
        self.entry = entry

    def located(self, *, file: str | None = None, block: str | None = None,
                entry: object | None = None) -> InputError:
        """Return a copy with missing location fields filled in."""
        return InputError(self.message, file=self.file or file, block=self.block or block,
                          entry=self.entry if self.entry is not None else entry)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.block:
            where.append(f"Block {self.block}")
        if self.entry is not None:
            key = self.entry
            if isinstance(key, tuple):
                key = " ".join(str(k) for k in key)
            where.append(f"entry {key}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class UnknownModelError(InputError):
    """The card names a model that no installed plugin provides."""


class ModelError(BridgeError):
    """A plugin failed or returned something the bridge cannot use."""


class WorkerLost(BridgeError):
    """A scan's local worker process ended before its chunk did (killed by a signal, the OOM
    killer): not the input's fault, so exit status 1; the results file keeps what was stored."""

    exit_code = 1


def check_seed(seed, option: str = "--seed") -> int:
    """``seed`` if numpy's legacy generator takes it (``np.random.seed``, which the SM-uncertainty
    draws of ``bridge run`` and flavio likelihoods' covariance draws use: 0 to 2**32 - 1), else an
    :class:`InputError` naming ``option`` (numpy's ValueError came as a traceback, after seconds
    of set-up)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError(f"{option} must be an integer from 0 to 2**32 - 1, got {seed!r}")
    return seed
