"""Decoding types (spec 5.3).

Which encodings exist depends on the features: Wasm 1.0 knows only number
types, reference types add ``funcref``/``externref``, SIMD adds ``v128``,
typed function references add ``(ref null? ht)``, exception handling the
``exn`` heap types and GC the rest of the abstract heap types, recursion
groups, sub types and struct/array types.  An encoding whose feature is off
is malformed with the message of the spec interpreter of that generation.
"""

from __future__ import annotations

from ..errors import MalformedModule, UnsupportedFeature
from ..features import Features
from ..syntax.types import (
    EXTERNREF,
    F32,
    F64,
    FUNCREF,
    I32,
    I64,
    V128,
    AbsHeapType,
    AddrType,
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RecType,
    RefType,
    StructType,
    SubType,
    TableType,
    TagType,
    ValType,
)
from .reader import Reader

_NUM_TYPES = {-0x01: I32, -0x02: I64, -0x03: F32, -0x04: F64}

# Abstract heap types by their (negative) s33 code.  The first two exist
# since reference types; the rest come with GC and exception handling.
_ABS_HEAP = {
    -0x10: AbsHeapType.FUNC,
    -0x11: AbsHeapType.EXTERN,
    -0x12: AbsHeapType.ANY,
    -0x13: AbsHeapType.EQ,
    -0x14: AbsHeapType.I31,
    -0x15: AbsHeapType.STRUCT,
    -0x16: AbsHeapType.ARRAY,
    -0x17: AbsHeapType.EXN,
    -0x0D: AbsHeapType.NOFUNC,
    -0x0E: AbsHeapType.NOEXTERN,
    -0x0F: AbsHeapType.NONE,
    -0x0C: AbsHeapType.NOEXN,
}
_EXN_HEAP = frozenset({AbsHeapType.EXN, AbsHeapType.NOEXN})
_GC_HEAP = frozenset(_ABS_HEAP.values()) - {AbsHeapType.FUNC, AbsHeapType.EXTERN} - _EXN_HEAP
# Without GC, function references still have the bottom types of func and
# extern (nofunc, noextern), as in the typed function references proposal.
_FUNCREF_HEAP = frozenset({AbsHeapType.NOFUNC, AbsHeapType.NOEXTERN})


def _heap_enabled(heap: AbsHeapType, f: Features) -> bool:
    if heap in _EXN_HEAP:
        return f.exceptions
    if heap in _GC_HEAP:
        return f.gc or (heap in _FUNCREF_HEAP and f.function_references)
    return True


_REF_NULL = -0x1D  # 0x63: (ref null ht)
_REF = -0x1C  # 0x64: (ref ht)

# The type of an element segment of function indices with typed references.
FUNC_INDEX_TYPE = RefType(False, AbsHeapType.FUNC)

_ref_types: dict[tuple[bool, object, bool], RefType] = {
    (True, AbsHeapType.FUNC, False): FUNCREF,
    (True, AbsHeapType.EXTERN, False): EXTERNREF,
    (False, AbsHeapType.FUNC, False): FUNC_INDEX_TYPE,
}

_EXACT = 0x62  # custom descriptors: an exact type index follows


def ref_type_of(nullable: bool, heap: AbsHeapType | int, exact: bool = False) -> RefType:
    """Interned reference types, so that validation can compare by identity."""
    key = (nullable, heap, exact)
    t = _ref_types.get(key)
    if t is None:
        t = _ref_types[key] = RefType(nullable, heap, exact)
    return t


def _legacy(f: Features) -> bool:
    """Wasm 1.0's interpreter knew only number types and worded some
    errors differently."""
    return not f.reference_types


def heap_type(r: Reader, f: Features) -> AbsHeapType | int:
    """A heap type (typed function references): an abstract one or a type
    index, encoded as a signed 33-bit number."""
    pos = r.pos
    code = r.s33()
    if code >= 0:
        return code
    heap = _ABS_HEAP.get(code)
    if heap is None or not _heap_enabled(heap, f):
        raise MalformedModule("malformed heap type", pos)
    return heap


def ref_type_to(r: Reader, f: Features, nullable: bool) -> RefType:
    """The heap type after a nullability the caller knows, exact
    (``0x62 x``, custom descriptors) or not."""
    if f.custom_descriptors and r.peek() == _EXACT:
        r.pos += 1
        return ref_type_of(nullable, exact_index(r), exact=True)
    return ref_type_of(nullable, heap_type(r, f))


def exact_index(r: Reader) -> int:
    """The type index after the exact prefix: abstract heap types (and a
    second prefix) have no exact form."""
    pos = r.pos
    index = r.s33()
    if index < 0:
        raise MalformedModule("malformed heap type", pos)
    return index


def ref_type(r: Reader, f: Features) -> RefType:
    pos = r.pos
    code = r.s7() if not f.function_references else r.s33()
    if code == -0x10:
        return FUNCREF
    if code == -0x11 and f.reference_types:
        return EXTERNREF
    if f.function_references and code in (_REF_NULL, _REF):
        return ref_type_to(r, f, code == _REF_NULL)
    heap = _ABS_HEAP.get(code)
    if heap is not None and f.function_references and _heap_enabled(heap, f):
        return ref_type_of(True, heap)  # the shorthands anyref, exnref, ...
    if not f.reference_types:
        raise MalformedModule("malformed element type", pos)
    raise MalformedModule("malformed reference type", pos)


def val_type(r: Reader, f: Features) -> ValType:
    pos = r.pos
    b = r.peek()
    if b is None:
        raise r.eof()
    if b >= 0x7C:  # number types; longer encodings fail in s7
        t = _NUM_TYPES.get(r.s7())
        if t is None:  # pragma: no cover - s7 rejects every other byte >= 0x7C
            raise MalformedModule("malformed number type", pos)
        return t
    if b == 0x7B and f.simd:
        r.pos += 1
        return V128
    if _legacy(f):
        r.pos += 1
        raise MalformedModule("malformed value type", pos)
    if b >= 0x71 and not (f.gc or f.function_references):
        r.pos += 1
        raise MalformedModule("malformed vector type" if f.simd else "malformed value type", pos)
    return ref_type(r, f)


def result_type(r: Reader, f: Features) -> tuple[ValType, ...]:
    return tuple([val_type(r, f) for _ in range(r.length())])


def func_type(r: Reader, f: Features) -> FuncType:
    params = result_type(r, f)
    results = result_type(r, f)
    return FuncType(params, results)


_PACKED = {-0x08: "i8", -0x09: "i16"}


def field_type(r: Reader, f: Features) -> FieldType:
    """A storage type (a value type or packed i8/i16) and a mutability."""
    b = r.peek()
    storage: ValType | str
    if b in (0x78, 0x77):
        storage = _PACKED[r.s7()]
    elif f.custom_descriptors:
        pos = r.pos
        try:
            storage = val_type(r, f)
        except MalformedModule as exc:
            raise MalformedModule("malformed storage type", pos) from exc
    else:
        storage = val_type(r, f)
    pos = r.pos
    mut = r.byte()
    if mut > 1:
        raise MalformedModule("malformed mutability", pos)
    return FieldType(storage, mut == 1)


def comp_type(r: Reader, f: Features) -> CompType:
    """func, struct or array (spec 5.3.8); before GC only func."""
    pos = r.pos
    if f.custom_descriptors and r.peek() in (0x4D, 0x4C):
        raise UnsupportedFeature("descriptor and describes clauses")
    form = r.s7()
    if form == -0x20:
        return func_type(r, f)
    if f.gc and form == -0x21:
        return StructType(tuple(field_type(r, f) for _ in range(r.length())))
    if f.gc and form == -0x22:
        return ArrayType(field_type(r, f))
    raise MalformedModule("malformed definition type" if f.gc else "malformed function type", pos)


def sub_type(r: Reader, f: Features) -> SubType:
    """``sub final? x* ct``, or a bare comp type (final, no supertypes)."""
    b = r.peek()
    if f.gc and b in (0x50, 0x4F):
        r.pos += 1
        supers = tuple(r.u32() for _ in range(r.length()))
        return SubType(comp_type(r, f), supers, final=b == 0x4F)
    return SubType(comp_type(r, f))


def rec_type(r: Reader, f: Features) -> RecType:
    """A recursion group (``rec``, 0x4E) or a single sub type."""
    if f.gc and r.peek() == 0x4E:
        r.pos += 1
        return RecType(tuple(sub_type(r, f) for _ in range(r.length())))
    return RecType((sub_type(r, f),))


def tag_type(r: Reader, f: Features) -> TagType:
    """An attribute byte (0: exception) and a type index."""
    r.expect(0x00, "malformed tag attribute")
    return TagType(r.u32())


def limits(r: Reader, f: Features) -> Limits:
    """Limits (spec 5.3.7).  Before memory64 the flag is a one-bit LEB128
    number; since then a byte whose bit 2 selects 64-bit addresses.  With
    threads, bit 1 marks a shared memory."""
    return _limits(r, f, 0)[0]


def _limits(r: Reader, f: Features, extra: int) -> tuple[Limits, int]:
    """The limits and their flag byte; ``extra`` are further flag bits the
    caller reads (a memory's custom page size, bit 3)."""
    if not f.memory64 and not f.threads and not extra:
        has_max = r.uleb(1)
        lo = r.u32()
        return Limits(lo, r.u32() if has_max else None), has_max
    pos = r.pos
    flags = r.byte()
    if flags & ~((0x04 if f.memory64 else 0) | (0x02 if f.threads else 0) | 0x01 | extra):
        raise MalformedModule("malformed limits flags", pos)
    wide = bool(flags & 0x04)
    num = r.u64 if f.memory64 else r.u32  # the validator bounds 32-bit limits
    lo = num()
    hi = num() if flags & 0x01 else None
    return Limits(lo, hi, AddrType.I64 if wide else AddrType.I32, bool(flags & 0x02)), flags


def table_type(r: Reader, f: Features) -> TableType:
    elem = ref_type(r, f)
    pos = r.pos
    lim = limits(r, f)
    if lim.shared:  # only memories can be shared (threads proposal)
        raise MalformedModule("malformed limits flags", pos)
    return TableType(lim, elem)


# A page size of 2^64 or more cannot be a size at all; smaller powers of two
# decode and are the validator's to refuse (only 1 and 65536 are valid).
PAGE_LOG2_LIMIT = 64


def mem_type(r: Reader, f: Features) -> MemType:
    """With custom page sizes, flag bit 3 adds the page size's exponent
    after the limits."""
    lim, flags = _limits(r, f, 0x08 if f.custom_page_sizes else 0)
    if not flags & 0x08:
        return MemType(lim)
    pos = r.pos
    log2 = r.u32()
    if log2 >= PAGE_LOG2_LIMIT:
        raise MalformedModule("invalid custom page size", pos)
    return MemType(lim, log2)


def global_type(r: Reader, f: Features) -> GlobalType:
    t = val_type(r, f)
    pos = r.pos
    mut = r.byte()
    if mut > 1:
        raise MalformedModule("malformed mutability", pos)
    return GlobalType(mut == 1, t)
