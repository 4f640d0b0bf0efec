"""One flavio observable with its arguments: the key that run, likelihoods, scans and FLHA share.

``Observable("BR(Bs->mumu)")`` or ``Observable("<Rmue>(B+->Kll)", (1.1, 6.0))`` (a q² bin).
:attr:`Observable.key` is flavio's own form (the name, or ``(name, q2min, q2max)``: what
``flavio.Measurement.all_parameters`` and FastLikelihood use), :attr:`Observable.label` the
text form ``name [lo,hi]`` used in tables, result columns (``obs:LABEL``), JSON and the cache
keys. No flavio import here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.errors import InputError


@dataclass(frozen=True)
class Observable:
    """A flavio observable and its arguments (floats: a q² bin is ``(q2min, q2max)``)."""

    name: str
    args: tuple[float, ...] = ()

    def __post_init__(self):
        # (1.1, 6) and (1.1, 6.0) must be the same key: arguments are stored as floats
        object.__setattr__(self, "args", tuple(float(a) for a in (self.args or ())))

    @property
    def key(self):
        """flavio's form: the name, or (name, *args)."""
        return (self.name, *self.args) if self.args else self.name

    @property
    def label(self) -> str:
        """``name [lo,hi]`` (``name`` without arguments)."""
        if self.args:
            return f"{self.name} [{','.join(f'{a:g}' for a in self.args)}]"
        return self.name

    @property
    def q2(self) -> tuple[float, ...] | None:
        """The q² bin, or None."""
        return self.args or None

    @classmethod
    def from_key(cls, key) -> Observable:
        """From flavio's form (a name or a tuple (name, *args))."""
        if isinstance(key, (tuple, list)):
            return cls(str(key[0]), tuple(key[1:]))
        return cls(str(key))

    @classmethod
    def parse(cls, spec: str) -> Observable:
        """``NAME`` or ``NAME:Q2MIN:Q2MAX`` (the form of ``bridge scan --observable``)."""
        parts = spec.split(":")
        if len(parts) == 1:
            return cls(spec)
        try:
            return cls(":".join(parts[:-2]), (float(parts[-2]), float(parts[-1])))
        except ValueError:
            raise InputError(f"--observable {spec!r}: expected NAME or NAME:Q2MIN:Q2MAX") from None
