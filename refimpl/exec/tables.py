"""Table instructions (spec 4.4.6) and ``call_indirect``'s lookup (4.4.8),
as operations on instances: written once, called by both executors (the
interpreter's handlers and the code the compiler generates), so a rule such
as what ``table.grow`` answers on failure lives in one place."""

from __future__ import annotations

from ..errors import Trap
from ..runtime.instances import TableInst
from ..syntax.types import AddrType
from ..valid.canonical import DefType
from .bulk import TABLE_OOB

# table.grow's failure value, -1 as an unsigned value of the table's address type.
_GROW_FAILED = {AddrType.I32: 0xFFFFFFFF, AddrType.I64: 0xFFFFFFFFFFFFFFFF}


def table_get(table: TableInst, i: int):
    elements = table.elements
    if i >= len(elements):
        raise Trap(TABLE_OOB)
    return elements[i]


def table_set(table: TableInst, i: int, ref) -> None:
    elements = table.elements
    if i >= len(elements):
        raise Trap(TABLE_OOB)
    elements[i] = ref


def table_size(table: TableInst) -> int:
    return len(table.elements)


def table_grow(table: TableInst, ref, n: int) -> int:
    """The old size, or -1 as an i32 or i64 after the table's address type."""
    old = table.grow(n, ref)
    return old if old >= 0 else _GROW_FAILED[table.address]


def indirect_callee(table: TableInst, i: int, expected: DefType):
    """The function ``call_indirect`` calls, after its checks: in bounds,
    not null, of a type that matches the expected one (``expected`` is the
    instance's canonical type at the instruction's type index): the same
    canonical type, or (Wasm 3.0) one declared below it."""
    elements = table.elements
    if i >= len(elements):
        raise Trap(f"undefined element {i:d}")  # :d, as i may be a compiled bool
    f = elements[i]
    if f is None:
        raise Trap(f"uninitialized element {i:d}")
    d = f.deftype
    if d is not expected and not d.is_subtype_of(expected):
        raise Trap("indirect call type mismatch")
    return f
