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
    TableType,
)
from ..valid.canonical import DefType, closed_func_deftype
from ..valid.match import ExternType
from .memory import MemInst

# Implementation limit on table sizes, in elements.
MAX_TABLE_ELEMENTS = 10_000_000


class FuncInst:
    """A function defined by a module (spec 4.2.6).  ``deftype`` is its
    canonical type (what ``call_indirect``, ``call_ref``, casts and import
    matching compare, by identity and declared subtyping); ``type`` the
    same function type as its module writes it (arities, value types)."""

    __slots__ = ("code", "compiled", "deftype", "index", "lowered", "module", "type")

    def __init__(
        self, ftype: FuncType, module: ModuleInst, code: Func, index: int, deftype: DefType
    ):
        self.type = ftype
        self.deftype = deftype
        self.module = module
        self.code = code
        self.index = index  # in the defining module's function index space
        # The executors' prepared forms, made on first call.
        self.lowered = None  # the interpreter's code
        self.compiled = None  # the compiled fast path's callable

    def __repr__(self) -> str:
        return f"<func {self.index} {self.type}>"


class HostFunc:
    """A function provided by the embedder: ``impl(args) -> results``.
    Its canonical type is made from ``ftype`` unless given (it must be when
    ``ftype`` names a module's type indices)."""

    __slots__ = ("compiled", "deftype", "impl", "name", "type")

    def __init__(
        self,
        ftype: FuncType,
        impl: Callable[[list], list],
        name: str = "host",
        deftype: DefType | None = None,
    ):
        self.type = ftype
        self.deftype = deftype if deftype is not None else closed_func_deftype(ftype)
        self.impl = impl
        self.name = name
        self.compiled = None  # the compiled fast path's wrapper

    def __repr__(self) -> str:
        return f"<host func {self.name} {self.type}>"


class TableInst:
    """A table (spec 4.2.7); its type's minimum is its current size, its
    element type canonical (a ``RefType`` whose heap may be a ``DefType``)."""

    __slots__ = ("address", "elem_type", "elements", "max")

    def __init__(self, ttype: TableType, init=None):
        self.elem_type: RefType = ttype.elem
        self.address = ttype.limits.address
        self.max = ttype.limits.max
        if ttype.limits.min > MAX_TABLE_ELEMENTS:  # never a MemoryError, nor GiBs eagerly
            raise Exhaustion(
                f"out of memory: a table of {ttype.limits.min} elements exceeds refimpl's "
                f"limit of {MAX_TABLE_ELEMENTS}"
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
    """A global (spec 4.2.9); its type canonical, as a table's."""

    __slots__ = ("type", "value")

    def __init__(self, gtype: GlobalType, value):
        self.type = gtype
        self.value = value

    def __repr__(self) -> str:
        return f"<global {self.type.type} = {self.value!r}>"


class TagInst:
    """An exception tag (Wasm 3.0 §4.2, "Tag Instances"): its identity is the object,
    its canonical type the function type of the values an exception carries."""

    __slots__ = ("deftype",)

    def __init__(self, deftype: DefType):
        self.deftype = deftype

    @property
    def type(self) -> FuncType:
        return self.deftype.comp  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<tag {self.type}>"


class ExnInst:
    """An exception instance (Wasm 3.0 §4.2, "Exception Instances"), what an
    ``exnref`` refers to: the tag it was thrown with and its payload."""

    __slots__ = ("payload", "tag")

    def __init__(self, tag: TagInst, payload: tuple):
        self.tag = tag
        self.payload = payload

    def __repr__(self) -> str:
        return f"<exception {self.tag} {self.payload!r}>"


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
    return MemType(
        Limits(mem.pages, limits.max, limits.address, limits.shared), mem.type.page_size_log2
    )


def extern_type(value: ExternVal) -> ExternType:
    """External typing (Wasm 3.0 §4.5.1): the canonical type the store
    gives a value, current sizes included, for import matching."""
    kind = extern_kind(value)
    if isinstance(value, MemInst):
        return ExternType(kind, memory_type_now(value))
    if isinstance(value, (TableInst, GlobalInst)):
        return ExternType(kind, value.type)  # tables: current size
    return ExternType(kind, value.deftype)


@dataclass(eq=False)
class ModuleInst:
    """A module instance (spec 4.2.5): the module's index spaces, resolved."""

    types: tuple[DefType, ...] = ()  # canonical, by type index
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
