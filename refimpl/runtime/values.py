"""Runtime values (spec 4.2.1) as Python objects.

- i32, i64: ``int`` holding the unsigned bit pattern.
- f32, f64: ``float``; an f32 is a double whose value is an f32, with NaN
  payloads mapped bit-for-bit (see ``refimpl.exec.numerics``).
- v128: ``int`` of 128 bits, little-endian lane order.
- references: ``None`` is null; a function reference is the function
  instance itself; an external reference is an ``ExternRef``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..syntax.types import F32, F64, I32, I64, V128, RefType, ValType


@dataclass(frozen=True, slots=True)
class ExternRef:
    """A host reference (``ref.extern N`` in scripts), equal by payload."""

    payload: object

    def __repr__(self) -> str:
        return f"ref.extern {self.payload!r}"


def default_value(t: ValType):
    """The zero value of a type (spec 4.2.1, default values)."""
    if t is I32 or t is I64:
        return 0
    if t is F32 or t is F64:
        return 0.0
    if t is V128:
        return 0
    if isinstance(t, RefType):
        return None
    raise TypeError(f"no default value for {t}")
