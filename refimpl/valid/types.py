"""Validating types (spec 3.2)."""

from __future__ import annotations

from ..errors import InvalidModule
from ..features import Features
from ..syntax.module import Module
from ..syntax.types import (
    DEFAULT_PAGE_LOG2,
    AddrType,
    ArrayType,
    CompType,
    FuncType,
    Limits,
    MemType,
    RefType,
    StructType,
    TableType,
    ValType,
)
from .canonical import DefType, canonicalize_group
from .context import Context
from .match import match_comp

_MEMORY_SIZE_MESSAGES = {
    (False, DEFAULT_PAGE_LOG2): "memory size must be at most 65536 pages (4GiB)",
    (True, DEFAULT_PAGE_LOG2): "memory size must be at most 2^48 pages",
    (False, 0): "memory size must be at most 2^32-1 pages",
    (True, 0): "memory size must be at most 2^64-1 pages",
}


def check_limits(lim: Limits, bound: int, message: str) -> None:
    """Spec 3.2.7: both ends within ``bound``, and min <= max."""
    if lim.min > bound:
        raise InvalidModule(message)
    if lim.max is not None:
        if lim.max > bound:
            raise InvalidModule(message)
        if lim.min > lim.max:
            raise InvalidModule("size minimum must not be greater than maximum")


def check_val_type(t: ValType, c: Context) -> None:
    """Spec 3.2.2: a reference type's type index must be known (within
    the type section, up to the end of the current recursion group)."""
    if isinstance(t, RefType) and isinstance(t.heap, int):
        limit = len(c.types) if c.type_limit is None else c.type_limit
        if t.heap >= limit:
            raise InvalidModule(f"unknown type {t.heap}")


def check_storage_type(s: ValType | str, c: Context) -> None:
    if not isinstance(s, str):
        check_val_type(s, c)


def check_comp_type(ct: CompType, c: Context) -> None:
    """Spec 3.0, 3.2.4-3.2.6: every type in a func/struct/array type."""
    if isinstance(ct, FuncType):
        check_func_type(ct, c)
    elif isinstance(ct, StructType):
        for f in ct.fields:
            check_storage_type(f.storage, c)
    else:
        assert isinstance(ct, ArrayType)
        check_storage_type(ct.element.storage, c)


def check_func_type(ft: FuncType, c: Context) -> None:
    """Spec 3.2.3; before multi-value a function had at most one result."""
    for t in ft.params + ft.results:
        check_val_type(t, c)
    if len(ft.results) > 1 and not c.features.multi_value:
        raise InvalidModule("invalid result arity")


def check_table_type(tt: TableType, c: Context) -> None:
    """Spec 3.2.8."""
    wide = tt.limits.address is AddrType.I64
    check_limits(
        tt.limits,
        (1 << 64) - 1 if wide else (1 << 32) - 1,
        "table size must be at most 2^64-1" if wide else "table size must be at most 2^32-1",
    )
    check_val_type(tt.elem, c)


def check_mem_type(mt: MemType, f: Features) -> None:
    """Spec 3.2.9: at most 4GiB of 64KiB pages (2^48 pages with memory64);
    with custom page sizes, pages of 1 byte or 64 KiB, as many as the
    address space holds."""
    if mt.page_size_log2 not in (None, 0, DEFAULT_PAGE_LOG2):
        raise InvalidModule("invalid custom page size")
    wide = mt.limits.address is AddrType.I64
    check_limits(mt.limits, mt.page_limit, _MEMORY_SIZE_MESSAGES[wide, mt.page_log2])
    if mt.limits.shared and mt.limits.max is None:  # threads proposal
        raise InvalidModule("shared memory must have maximum")


def check_type_section(module: Module, c: Context) -> None:
    """Spec 3.0, 3.2.11-3.2.12, group by group: the types of a recursion
    group may refer to each other and to earlier groups, a declared
    supertype must be an earlier, non-final type whose definition the sub
    type's matches.  Sets ``c.types`` and ``c.defs`` (the canonical types)."""
    c.types = module.types
    defs: list[DefType] = []
    c.defs = defs  # grows group by group; a tuple once complete
    for group in module.type_groups():
        start = len(defs)
        c.type_limit = end = start + len(group.subtypes)
        for st in group.subtypes:
            check_comp_type(st.comp, c)
            for y in st.supertypes:
                if y >= end:
                    raise InvalidModule(f"unknown type {y}")
        defs += canonicalize_group(group, start, defs)
        for x in range(start, end):
            _check_supertypes(c, x)
    c.type_limit = None
    c.defs = module.derived.setdefault("canonical_types", tuple(defs))


def _check_supertypes(c: Context, x: int) -> None:
    st = c.types[x]
    if not st.supertypes:
        return
    if len(st.supertypes) > 1:
        raise InvalidModule(f"sub type {x} has multiple supertypes")
    for y in st.supertypes:
        if y >= x:
            raise InvalidModule(f"sub type {x} has forward super type {y}")
        sup = c.types[y]
        if sup.final:
            raise InvalidModule(f"sub type {x} has final super type {y}")
        if not match_comp(st.comp, sup.comp, c.defs):
            raise InvalidModule(f"sub type {x} does not match super type {y}")
