"""Garbage-collected data (Wasm 3.0 §4.4.3-4.4.4): structs, arrays, i31,
casts and the extern/any conversions, as plain functions shared by both
executors and by constant expressions.

Values are ``runtime.values``' ``StructRef``/``ArrayRef``/``I31Ref``/
``HostRef``.  Immediates arrive resolved: a type index is its canonical
``DefType``; a packed field's wrapping is a mask (``mask_of``) chosen when
the code is prepared.  Every operation checks before it writes, so a trap
leaves its target untouched; messages are the spec interpreter's.
"""

from __future__ import annotations

import struct as _struct
from dataclasses import dataclass

from ..errors import Exhaustion, Trap
from ..runtime.instances import MAX_TABLE_ELEMENTS, DataInst, ElemInst, FuncInst, HostFunc
from ..runtime.values import ArrayRef, ExternRef, HostRef, I31Ref, StructRef, default_value
from ..syntax.types import F32, F64, I32, I64, V128, AbsHeapType, FieldType
from ..valid.canonical import DefType
from ..valid.match import match_heap
from . import numerics
from .bulk import MEMORY_OOB, TABLE_OOB

NULL_STRUCT = "null structure reference"
NULL_ARRAY = "null array reference"
NULL_I31 = "null i31 reference"
ARRAY_OOB = "out of bounds array access"
CAST_FAILURE = "cast failure"

# Implementation limit on an array's length: beyond it an allocation is the
# resource exhaustion "out of memory", never an eager multi-GiB list.
MAX_ARRAY_ELEMENTS = MAX_TABLE_ELEMENTS

_MASKS = {"i8": 0xFF, "i16": 0xFFFF}
_SIGN = {0xFF: 0x80, 0xFFFF: 0x8000}


# -- fields ---------------------------------------------------------------------------


def mask_of(ft: FieldType) -> int | None:
    """What a packed field keeps of an i32 (None: the value as it is)."""
    return _MASKS.get(ft.storage) if isinstance(ft.storage, str) else None


def field_default(ft: FieldType):
    return 0 if isinstance(ft.storage, str) else default_value(ft.storage)


def struct_masks(dt: DefType) -> tuple | None:
    """Per field the mask ``mask_of``; None when no field is packed."""
    masks = tuple(mask_of(f) for f in dt.comp.fields)  # type: ignore[union-attr]
    return masks if any(m is not None for m in masks) else None


def extend_s(value: int, mask: int) -> int:
    """A packed value sign-extended to an i32 (``_s`` accessors)."""
    sign = _SIGN[mask]
    return ((value ^ sign) - sign) & 0xFFFFFFFF


# -- structs --------------------------------------------------------------------------


def struct_new(dt: DefType, values: list, masks: tuple | None = None) -> StructRef:
    if masks is not None:
        values = [v if m is None else v & m for v, m in zip(values, masks, strict=True)]
    return StructRef(dt, values)


def struct_new_default(dt: DefType) -> StructRef:
    return StructRef(dt, [field_default(f) for f in dt.comp.fields])  # type: ignore[union-attr]


def struct_get(ref: StructRef | None, i: int):
    if ref is None:
        raise Trap(NULL_STRUCT)
    return ref.fields[i]


def struct_get_s(ref: StructRef | None, i: int, mask: int) -> int:
    return extend_s(struct_get(ref, i), mask)


def struct_set(ref: StructRef | None, i: int, value, mask: int | None = None) -> None:
    if ref is None:
        raise Trap(NULL_STRUCT)
    ref.fields[i] = value if mask is None else value & mask


# -- arrays ---------------------------------------------------------------------------


def _allocatable(n: int) -> None:
    if n > MAX_ARRAY_ELEMENTS:
        raise Exhaustion(
            f"out of memory: an array of {n} elements exceeds refimpl's limit "
            f"of {MAX_ARRAY_ELEMENTS}"
        )


def array_new(dt: DefType, value, n: int, mask: int | None = None) -> ArrayRef:
    _allocatable(n)
    return ArrayRef(dt, [value if mask is None else value & mask] * n)


def array_new_default(dt: DefType, n: int) -> ArrayRef:
    _allocatable(n)
    return ArrayRef(dt, [field_default(dt.comp.element)] * n)  # type: ignore[union-attr]


def array_new_fixed(dt: DefType, values: list, mask: int | None = None) -> ArrayRef:
    if mask is not None:
        values = [v & mask for v in values]
    return ArrayRef(dt, values)


def _live(ref: ArrayRef | None) -> list:
    if ref is None:
        raise Trap(NULL_ARRAY)
    return ref.elements


def array_get(ref: ArrayRef | None, i: int):
    elements = _live(ref)
    if i >= len(elements):
        raise Trap(ARRAY_OOB)
    return elements[i]


def array_get_s(ref: ArrayRef | None, i: int, mask: int) -> int:
    return extend_s(array_get(ref, i), mask)


def array_set(ref: ArrayRef | None, i: int, value, mask: int | None = None) -> None:
    elements = _live(ref)
    if i >= len(elements):
        raise Trap(ARRAY_OOB)
    elements[i] = value if mask is None else value & mask


def array_len(ref: ArrayRef | None) -> int:
    return len(_live(ref))


def array_fill(ref: ArrayRef | None, d: int, value, n: int, mask: int | None = None) -> None:
    elements = _live(ref)
    if d + n > len(elements):
        raise Trap(ARRAY_OOB)
    elements[d : d + n] = [value if mask is None else value & mask] * n


def array_copy(dst: ArrayRef | None, d: int, src: ArrayRef | None, s: int, n: int) -> None:
    to, frm = _live(dst), _live(src)
    if d + n > len(to) or s + n > len(frm):
        raise Trap(ARRAY_OOB)
    to[d : d + n] = frm[s : s + n]  # the slice is a copy: overlap is safe


def _data_reader(ft: FieldType):
    """(bytes per element, decoder of one element) for ``array.*_data``."""
    storage = ft.storage
    if storage == "i8":
        return 1, lambda b: b[0]
    if storage == "i16":
        return 2, lambda b: int.from_bytes(b, "little")
    if storage is I32 or storage is I64 or storage is V128:
        size = {I32: 4, I64: 8, V128: 16}[storage]
        return size, lambda b: int.from_bytes(b, "little")
    if storage is F32:
        return 4, lambda b: numerics.f32_from_bits(int.from_bytes(b, "little"))
    if storage is F64:
        return 8, lambda b: _struct.unpack("<d", b)[0]
    raise TypeError(f"no data layout for {storage}")  # validation rules it out


def _data_elements(ft: FieldType, data: DataInst, s: int, n: int) -> list:
    size, decode = _data_reader(ft)
    if s + n * size > len(data.data):
        raise Trap(MEMORY_OOB)
    raw = data.data
    return [decode(raw[s + k * size : s + (k + 1) * size]) for k in range(n)]


def array_new_data(dt: DefType, data: DataInst, s: int, n: int) -> ArrayRef:
    elements = _data_elements(dt.comp.element, data, s, n)  # type: ignore[union-attr]
    return ArrayRef(dt, elements)


def array_new_elem(dt: DefType, elem: ElemInst, s: int, n: int) -> ArrayRef:
    src = elem.elements
    if s + n > len(src):
        raise Trap(TABLE_OOB)
    return ArrayRef(dt, src[s : s + n])


def array_init_data(ref: ArrayRef | None, data: DataInst, d: int, s: int, n: int) -> None:
    elements = _live(ref)
    if d + n > len(elements):
        raise Trap(ARRAY_OOB)
    elements[d : d + n] = _data_elements(ref.type.comp.element, data, s, n)  # type: ignore[union-attr]


def array_init_elem(ref: ArrayRef | None, elem: ElemInst, d: int, s: int, n: int) -> None:
    elements = _live(ref)
    if d + n > len(elements):
        raise Trap(ARRAY_OOB)
    src = elem.elements
    if s + n > len(src):
        raise Trap(TABLE_OOB)
    elements[d : d + n] = src[s : s + n]


# -- i31, equality --------------------------------------------------------------------


def ref_i31(x: int) -> I31Ref:
    return I31Ref(x & 0x7FFFFFFF)


def i31_get_u(ref: I31Ref | None) -> int:
    if ref is None:
        raise Trap(NULL_I31)
    return ref.value


def i31_get_s(ref: I31Ref | None) -> int:
    if ref is None:
        raise Trap(NULL_I31)
    return ((ref.value ^ 0x40000000) - 0x40000000) & 0xFFFFFFFF


def ref_eq(a, b) -> int:
    """Identity, except i31 values, which are equal by value."""
    return 1 if a is b or (type(a) is I31Ref and a == b) else 0


# -- extern/any ----------------------------------------------------------------------


def any_convert_extern(ref):
    """An external reference inside ``any``: the internal reference it
    wraps, or a ``HostRef`` for a host value."""
    if ref is None:
        return None
    payload = ref.payload
    if type(payload) in _INTERNAL:
        return payload
    return HostRef(payload)


def extern_convert_any(ref):
    if ref is None:
        return None
    if type(ref) is HostRef:
        return ExternRef(ref.payload)
    return ExternRef(ref)


_INTERNAL = (StructRef, ArrayRef, I31Ref)


# -- casts ----------------------------------------------------------------------------

_A = AbsHeapType
_ABSTRACT_OF = {I31Ref: _A.I31, HostRef: _A.ANY, ExternRef: _A.EXTERN}


def heap_of(ref):
    """The heap type a non-null reference has at run time (its most precise)."""
    kind = type(ref)
    if kind is StructRef or kind is ArrayRef:
        return ref.type
    found = _ABSTRACT_OF.get(kind)
    if found is not None:
        return found
    if kind is FuncInst or kind is HostFunc:
        return ref.deftype
    return _A.EXN  # exception references: the only other kind


@dataclass(frozen=True, slots=True)
class Exact:
    """An exact cast target (custom descriptors): canonical types are
    interned, so a value matches only if its type is this very one."""

    deftype: object

    def __repr__(self) -> str:
        # By identity: structurally equal types may be distinct canonical
        # types (their supertypes differ), and the compiler names constants
        # by repr.
        return f"Exact(<type at {id(self.deftype):#x}>)"


def _matches(ref, heap) -> bool:
    if type(heap) is Exact:
        return heap_of(ref) is heap.deftype
    return match_heap(heap_of(ref), heap)


def ref_test(ref, heap, nullable: bool) -> int:
    """``ref.test``: ``heap`` is resolved (an abstract type, a ``DefType``
    or an ``Exact`` one)."""
    if ref is None:
        return 1 if nullable else 0
    return 1 if _matches(ref, heap) else 0


def ref_cast(ref, heap, nullable: bool):
    if ref is None:
        if nullable:
            return None
        raise Trap(CAST_FAILURE)
    if not _matches(ref, heap):
        raise Trap(CAST_FAILURE)
    return ref


def resolve_heap(heap, defs):
    """A module's heap type with its type index made canonical."""
    return defs[heap] if isinstance(heap, int) else heap


def resolve_target(rt, defs):
    """A cast target's heap type made canonical, exact if the type is."""
    heap = resolve_heap(rt.heap, defs)
    return Exact(heap) if rt.exact else heap
