"""Subtyping (spec 3.0, 3.3 "Matching"): value, heap, composite and
external types.

Heap types come in four forms here: an ``AbsHeapType``; an ``int``, a type
index of the module being validated, resolved through ``defs`` (its
canonical types, ``valid.canonical``); a canonical ``DefType``; and ``None``,
the bottom heap type of unreachable code, below everything.  Defined types
match by identity of their canonical types and by declared supertypes, so
no rule here recurses through type definitions.

The abstract hierarchies (spec 3.0, 3.3.3)::

    any > eq > i31, struct > (struct types), array > (array types); none below all
    func > (function types); nofunc below all
    extern; noextern below      exn; noexn below
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..syntax.module import FuncImport, Module
from ..syntax.types import (
    AbsHeapType,
    ArrayType,
    CompType,
    ExternKind,
    FieldType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RefType,
    StructType,
    TableType,
    TagType,
    ValType,
)
from .canonical import DefType, canonical_types, canonical_val_type

A = AbsHeapType
_SUPERS: dict[AbsHeapType, frozenset[AbsHeapType]] = {
    A.ANY: frozenset({A.ANY}),
    A.EQ: frozenset({A.EQ, A.ANY}),
    A.I31: frozenset({A.I31, A.EQ, A.ANY}),
    A.STRUCT: frozenset({A.STRUCT, A.EQ, A.ANY}),
    A.ARRAY: frozenset({A.ARRAY, A.EQ, A.ANY}),
    A.NONE: frozenset({A.NONE, A.I31, A.STRUCT, A.ARRAY, A.EQ, A.ANY}),
    A.FUNC: frozenset({A.FUNC}),
    A.NOFUNC: frozenset({A.NOFUNC, A.FUNC}),
    A.EXTERN: frozenset({A.EXTERN}),
    A.NOEXTERN: frozenset({A.NOEXTERN, A.EXTERN}),
    A.EXN: frozenset({A.EXN}),
    A.NOEXN: frozenset({A.NOEXN, A.EXN}),
}
# The abstract type a defined type's kind sits directly below, and the
# bottom type below it.
_KIND = {FuncType: A.FUNC, StructType: A.STRUCT, ArrayType: A.ARRAY}
_BOTTOM = {A.FUNC: A.NOFUNC, A.STRUCT: A.NONE, A.ARRAY: A.NONE}
_TOP = {
    A.ANY: A.ANY, A.EQ: A.ANY, A.I31: A.ANY, A.STRUCT: A.ANY, A.ARRAY: A.ANY, A.NONE: A.ANY,
    A.FUNC: A.FUNC, A.NOFUNC: A.FUNC, A.EXTERN: A.EXTERN, A.NOEXTERN: A.EXTERN,
    A.EXN: A.EXN, A.NOEXN: A.EXN,
}  # fmt: skip

Heap = AbsHeapType | int | DefType | None
NO_DEFS: tuple[DefType, ...] = ()


def kind_of(d: DefType) -> AbsHeapType:
    """func, struct or array: the abstract type just above ``d``."""
    return _KIND[type(d.comp)]


def top_of(h: Heap, defs: Sequence[DefType] = NO_DEFS) -> AbsHeapType | None:
    """The top of ``h``'s hierarchy: any, func, extern or exn (None for bot)."""
    if isinstance(h, int):
        h = defs[h]
    if isinstance(h, DefType):
        return _TOP[kind_of(h)]
    return None if h is None else _TOP[h]


def match_heap(a: Heap, b: Heap, defs: Sequence[DefType] = NO_DEFS) -> bool:
    if a is None or a is b:
        return True
    if isinstance(a, int):
        a = defs[a]
    if isinstance(b, int):
        b = defs[b]
    if isinstance(a, DefType):
        if isinstance(b, DefType):
            return a.is_subtype_of(b)
        return b is not None and b in _SUPERS[kind_of(a)]
    if isinstance(b, DefType):
        return a is _BOTTOM[kind_of(b)]
    return b is not None and b in _SUPERS[a]


def match_ref(a: RefType, b: RefType, defs: Sequence[DefType] = NO_DEFS) -> bool:
    if not (b.nullable or not a.nullable):
        return False
    if b.exact and not a.exact:
        # Only the bottom types reach below an exact type.
        return not isinstance(a.heap, (int, DefType)) and match_heap(a.heap, b.heap, defs)
    if b.exact:
        return match_heap(a.heap, b.heap, defs) and match_heap(b.heap, a.heap, defs)
    return match_heap(a.heap, b.heap, defs)


def match_val(a: ValType | None, b: ValType, defs: Sequence[DefType] = NO_DEFS) -> bool:
    """``a <: b``; ``a`` None is the bottom value type of unreachable code."""
    if a is None or a is b:
        return True
    if isinstance(a, RefType) and isinstance(b, RefType):
        return match_ref(a, b, defs)
    return a == b


def equal_val(a: ValType, b: ValType, defs: Sequence[DefType] = NO_DEFS) -> bool:
    """Type equivalence: subtyping both ways (canonical types make that
    identity of defined types)."""
    return match_val(a, b, defs) and match_val(b, a, defs)


def match_results(
    a: Sequence[ValType | None], b: Sequence[ValType], defs: Sequence[DefType] = NO_DEFS
) -> bool:
    return len(a) == len(b) and all(match_val(x, y, defs) for x, y in zip(a, b, strict=True))


def _match_storage(a: ValType | str, b: ValType | str, defs: Sequence[DefType]) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return match_val(a, b, defs)


def match_field(a: FieldType, b: FieldType, defs: Sequence[DefType] = NO_DEFS) -> bool:
    """Immutable fields are covariant, mutable ones invariant."""
    if a.mutable != b.mutable:
        return False
    if not _match_storage(a.storage, b.storage, defs):
        return False
    return not a.mutable or _match_storage(b.storage, a.storage, defs)


def match_comp(a: CompType, b: CompType, defs: Sequence[DefType] = NO_DEFS) -> bool:
    """Composite types (spec 3.0, 3.3.4): functions contravariant in their
    parameters and covariant in their results; a struct may add fields."""
    if isinstance(a, FuncType) and isinstance(b, FuncType):
        return match_results(b.params, a.params, defs) and match_results(a.results, b.results, defs)
    if isinstance(a, StructType) and isinstance(b, StructType):
        return len(a.fields) >= len(b.fields) and all(
            match_field(x, y, defs) for x, y in zip(a.fields, b.fields, strict=False)
        )
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return match_field(a.element, b.element, defs)
    return False


# -- external types (spec 3.0, 3.3.11), for import matching -----------------------


@dataclass(frozen=True, slots=True)
class ExternType:
    """An external type with canonical types in it: ``type`` is the
    function's or tag's ``DefType``, or a ``TableType``/``MemType``/
    ``GlobalType`` whose reference types name ``DefType``s."""

    kind: ExternKind
    type: DefType | TableType | MemType | GlobalType
    exact: bool = False  # an exact function import (custom descriptors)


def match_limits(a: Limits, b: Limits) -> bool:
    if a.address is not b.address or a.shared != b.shared or a.min < b.min:
        return False
    return b.max is None or (a.max is not None and a.max <= b.max)


def match_extern_type(actual: ExternType, expected: ExternType) -> bool:
    """Whether an external value of type ``actual`` may be imported where
    ``expected`` is declared: functions by subtyping, tags by equality,
    tables by equal element types, globals covariant when immutable and
    invariant when mutable, limits by range."""
    if actual.kind is not expected.kind:
        return False
    a, b = actual.type, expected.type
    if isinstance(a, DefType) and isinstance(b, DefType):
        if actual.kind is ExternKind.FUNC and not expected.exact:
            return a.is_subtype_of(b)
        return a is b
    if isinstance(a, TableType) and isinstance(b, TableType):
        return equal_val(a.elem, b.elem) and match_limits(a.limits, b.limits)
    if isinstance(a, MemType) and isinstance(b, MemType):
        return a.page_size == b.page_size and match_limits(a.limits, b.limits)
    if isinstance(a, GlobalType) and isinstance(b, GlobalType):
        if a.mutable != b.mutable:
            return False
        return equal_val(a.type, b.type) if a.mutable else match_val(a.type, b.type)
    return False


def _canonical_desc(
    desc: object, defs: Sequence[DefType]
) -> DefType | TableType | MemType | GlobalType:
    if isinstance(desc, FuncImport | TagType):
        return defs[desc.type_index]
    if isinstance(desc, TableType):
        return TableType(desc.limits, canonical_val_type(desc.elem, defs))  # type: ignore[arg-type]
    if isinstance(desc, GlobalType):
        return GlobalType(desc.mutable, canonical_val_type(desc.type, defs))
    assert isinstance(desc, MemType)
    return desc


def import_extern_type(module: Module, index: int) -> ExternType:
    """The canonical external type the module's ``index``-th import expects."""
    imp = module.imports[index]
    exact = isinstance(imp.desc, FuncImport) and imp.desc.exact
    return ExternType(imp.kind, _canonical_desc(imp.desc, canonical_types(module)), exact)


def extern_type_at(module: Module, kind: ExternKind, index: int) -> ExternType:
    """The canonical external type of entry ``index`` of one of the module's
    index spaces (imports included), e.g. for what an instance exports."""
    defs = canonical_types(module)
    desc: object
    if kind is ExternKind.FUNC:
        desc = FuncImport(module.func_type_indices()[index])
    elif kind is ExternKind.TABLE:
        desc = module.table_types()[index]
    elif kind is ExternKind.MEMORY:
        desc = module.mem_types()[index]
    elif kind is ExternKind.GLOBAL:
        desc = module.global_types()[index]
    else:
        desc = module.tag_types()[index]
    return ExternType(kind, _canonical_desc(desc, defs))
