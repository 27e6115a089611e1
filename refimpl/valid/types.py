"""Validating types (spec 3.2)."""

from __future__ import annotations

from ..errors import InvalidModule, UnsupportedFeature
from ..features import Features
from ..syntax.types import AddrType, FuncType, Limits, MemType, RefType, TableType, ValType
from .context import Context

MAX_PAGES_32 = 1 << 16
MAX_PAGES_64 = 1 << 48


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
    """Wasm 2.0 value types are all valid.  Typed references (Wasm 3.0)
    decode, but their validation (subtyping, type equivalence, local
    initialisation) is not implemented yet."""
    if isinstance(t, RefType) and (isinstance(t.heap, int) or not t.nullable):
        if isinstance(t.heap, int) and t.heap >= len(c.types):
            raise InvalidModule(f"unknown type {t.heap}")
        raise UnsupportedFeature(f"validation of typed reference type {t}")


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
    """Spec 3.2.9: at most 4GiB of 64KiB pages (2^48 pages with memory64)."""
    if mt.limits.address is AddrType.I64:
        check_limits(mt.limits, MAX_PAGES_64, "memory size must be at most 2^48 pages")
    else:
        check_limits(mt.limits, MAX_PAGES_32, "memory size must be at most 65536 pages (4GiB)")
