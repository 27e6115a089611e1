"""Runtime structure (spec 4.2): instances of functions, tables, globals,
segments and modules.

The spec's store holds instances at addresses; here an address is simply the
Python object, so "the store" is the set of live instances and sharing an
instance (an import) is sharing the object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import Exhaustion
from ..syntax.module import Func, Module
from ..syntax.types import (
    ExternKind,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RefType,
    SubType,
    TableType,
)
from .memory import MemInst

# Implementation limit on table sizes, in elements.
MAX_TABLE_ELEMENTS = 10_000_000


class FuncInst:
    """A function defined by a module (spec 4.2.6)."""

    __slots__ = ("code", "compiled", "index", "lowered", "module", "type")

    def __init__(self, ftype: FuncType, module: ModuleInst, code: Func, index: int):
        self.type = ftype
        self.module = module
        self.code = code
        self.index = index  # in the defining module's function index space
        # The executors' prepared forms, made on first call.
        self.lowered = None  # the interpreter's code
        self.compiled = None  # the compiled fast path's callable

    def __repr__(self) -> str:
        return f"<func {self.index} {self.type}>"


class HostFunc:
    """A function provided by the embedder: ``impl(args) -> results``."""

    __slots__ = ("compiled", "impl", "name", "type")

    def __init__(self, ftype: FuncType, impl: Callable[[list], list], name: str = "host"):
        self.type = ftype
        self.impl = impl
        self.name = name
        self.compiled = None  # the compiled fast path's wrapper

    def __repr__(self) -> str:
        return f"<host func {self.name} {self.type}>"


class TableInst:
    """A table (spec 4.2.7); its type's minimum is its current size."""

    __slots__ = ("address", "elem_type", "elements", "max")

    def __init__(self, ttype: TableType, init=None):
        self.elem_type: RefType = ttype.elem
        self.address = ttype.limits.address
        self.max = ttype.limits.max
        if ttype.limits.min > MAX_TABLE_ELEMENTS:  # refused, not allocated element by element
            raise Exhaustion(
                f"out of memory: cannot allocate a table of {ttype.limits.min} elements"
            )
        self.elements: list = [init] * ttype.limits.min

    @property
    def type(self) -> TableType:
        return TableType(Limits(len(self.elements), self.max, self.address), self.elem_type)

    def grow(self, delta: int, init) -> int:
        """``table.grow`` (spec 4.4.6): the old size, or -1."""
        old = len(self.elements)
        new = old + delta
        limit = MAX_TABLE_ELEMENTS if self.max is None else min(self.max, MAX_TABLE_ELEMENTS)
        if new > limit:
            return -1
        self.elements.extend([init] * delta)
        return old

    def __repr__(self) -> str:
        return f"<table {len(self.elements)} {self.elem_type}>"


class GlobalInst:
    __slots__ = ("type", "value")

    def __init__(self, gtype: GlobalType, value):
        self.type = gtype
        self.value = value

    def __repr__(self) -> str:
        return f"<global {self.type.type} = {self.value!r}>"


class TagInst:
    """An exception tag (Wasm 3.0 §4.2, "Tag Instances"): its identity is the object,
    its type the function type of the values an exception carries."""

    __slots__ = ("type",)

    def __init__(self, ftype: FuncType):
        self.type = ftype

    def __repr__(self) -> str:
        return f"<tag {self.type}>"


class ElemInst:
    """An element segment at run time; dropping empties it (spec 4.2.12)."""

    __slots__ = ("elements", "type")

    def __init__(self, rtype: RefType, elements: list):
        self.type = rtype
        self.elements = elements


class DataInst:
    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data


ExternVal = FuncInst | HostFunc | TableInst | MemInst | GlobalInst | TagInst

EXTERN_KINDS: dict[type, ExternKind] = {
    FuncInst: ExternKind.FUNC,
    HostFunc: ExternKind.FUNC,
    TableInst: ExternKind.TABLE,
    MemInst: ExternKind.MEMORY,
    GlobalInst: ExternKind.GLOBAL,
    TagInst: ExternKind.TAG,
}


def extern_kind(value: ExternVal) -> ExternKind:
    return EXTERN_KINDS[type(value)]


def memory_type_now(mem: MemInst) -> MemType:
    """A memory's type with its current size as minimum (spec 4.5.1)."""
    limits = mem.type.limits
    return MemType(Limits(mem.pages, limits.max, limits.address, limits.shared))


def extern_type(value: ExternVal):
    """External typing (Wasm 2.0 §4.5.1, 3.0 §4.5.1): the type the store
    gives a value, current sizes included, for import matching."""
    if isinstance(value, MemInst):
        return memory_type_now(value)
    return value.type  # functions and tags: a FuncType; tables: current size


@dataclass(eq=False)
class ModuleInst:
    """A module instance (spec 4.2.5): the module's index spaces, resolved."""

    types: tuple[SubType, ...] = ()
    funcs: list = field(default_factory=list)
    tables: list[TableInst] = field(default_factory=list)
    mems: list[MemInst] = field(default_factory=list)
    globals: list[GlobalInst] = field(default_factory=list)
    tags: list[TagInst] = field(default_factory=list)
    elems: list[ElemInst] = field(default_factory=list)
    datas: list[DataInst] = field(default_factory=list)
    exports: dict[str, ExternVal] = field(default_factory=dict)
    name: str = ""
    module: Module | None = None  # the decoded module this instantiates
    executor_state: dict = field(default_factory=dict)  # e.g. compiled code's namespace

    def __repr__(self) -> str:
        return f"<module instance {self.name or hex(id(self))}>"
