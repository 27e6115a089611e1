"""Runtime values (spec 4.2.1) as Python objects.

- i32, i64: ``int`` holding the unsigned bit pattern.
- f32, f64: ``float``; an f32 is a double whose value is an f32, with NaN
  payloads mapped bit-for-bit (see ``refimpl.exec.numerics``).
- v128: ``int`` of 128 bits, little-endian lane order.
- references: ``None`` is null; a function reference is the function
  instance itself; an external reference is an ``ExternRef``; GC objects
  are a ``StructRef`` / ``ArrayRef`` (identity is the object: ``ref.eq``),
  an i31 an ``I31Ref`` (equal by value), a host value inside ``any`` a
  ``HostRef`` (``ref.host N`` in scripts).

Structs and arrays are slotted objects holding their canonical type and a
list of fields/elements.  Measured against the fastest alternative, a bare
list with the type at index 0 (about 3x cheaper to allocate, equal to read):
a list compares by contents and cannot be hashed, so identity (``ref.eq``,
an ``ExternRef`` wrapping an internal reference, probes keyed by reference)
would need care at every use; the slotted object is safe everywhere.
Packed fields (i8, i16) hold the wrapped unsigned value.
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


@dataclass(frozen=True, slots=True)
class HostRef:
    """A host value in the ``any`` hierarchy (``ref.host N`` in scripts;
    ``any.convert_extern`` of a host ``ExternRef``), equal by payload."""

    payload: object

    def __repr__(self) -> str:
        return f"ref.host {self.payload!r}"


class I31Ref:
    """An unboxed scalar (``ref.i31``): the low 31 bits, unsigned; equal by value."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is I31Ref and other.value == self.value

    def __hash__(self) -> int:
        return hash(("i31", self.value))

    def __repr__(self) -> str:
        return f"ref.i31 {self.value}"


class StructRef:
    """A struct (``struct.new``): its canonical ``DefType`` and field values."""

    __slots__ = ("fields", "type")

    def __init__(self, dtype, fields: list):
        self.type = dtype
        self.fields = fields

    def __repr__(self) -> str:
        return f"<struct of {len(self.fields)} fields>"


class ArrayRef:
    """An array (``array.new``...): its canonical ``DefType`` and elements."""

    __slots__ = ("elements", "type")

    def __init__(self, dtype, elements: list):
        self.type = dtype
        self.elements = elements

    def __repr__(self) -> str:
        return f"<array of {len(self.elements)} elements>"


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
