"""Modules (spec 2.5): the immutable result of decoding.

Function bodies and constant expressions are flat tuples of ``Instr`` in
binary order (structured instructions delimited by ``block``/``loop``/``if``,
``else`` and ``end``), exactly what the validation algorithm consumes.
Executors lower them into their own forms (see ``refimpl.exec``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fastinit import fast_init
from .opcodes import Instr
from .types import (
    ExternKind,
    FuncType,
    GlobalType,
    MemType,
    RecType,
    RefType,
    SubType,
    TableType,
    TagType,
    ValType,
)

Expr = tuple[Instr, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class FuncImport:
    """``exact`` (custom descriptors): the function must have exactly this
    type, not a subtype, and ``ref.func`` of it is then exact."""

    type_index: int
    exact: bool = False


ImportDesc = FuncImport | TableType | MemType | GlobalType | TagType


def import_kind(desc: ImportDesc) -> ExternKind:
    return _DESC_KINDS[type(desc)]


_DESC_KINDS = {
    FuncImport: ExternKind.FUNC,
    TableType: ExternKind.TABLE,
    MemType: ExternKind.MEMORY,
    GlobalType: ExternKind.GLOBAL,
    TagType: ExternKind.TAG,
}


@fast_init
@dataclass(frozen=True, slots=True)
class Import:
    module: str
    name: str
    desc: ImportDesc

    @property
    def kind(self) -> ExternKind:
        return import_kind(self.desc)


@fast_init
@dataclass(frozen=True, slots=True)
class Export:
    name: str
    kind: ExternKind
    index: int


@fast_init
@dataclass(frozen=True, slots=True)
class Func:
    type_index: int
    locals: tuple[ValType, ...]
    body: Expr  # ends with the function's final ``end``


@fast_init
@dataclass(frozen=True, slots=True)
class Table:
    type: TableType
    init: Expr | None = None  # Wasm 3.0 table initialiser; None means null


@fast_init
@dataclass(frozen=True, slots=True)
class Memory:
    type: MemType


@fast_init
@dataclass(frozen=True, slots=True)
class Global:
    type: GlobalType
    init: Expr


@fast_init
@dataclass(frozen=True, slots=True)
class Tag:
    type: TagType


@fast_init
@dataclass(frozen=True, slots=True)
class Passive:
    pass


@fast_init
@dataclass(frozen=True, slots=True)
class Declarative:
    pass


@fast_init
@dataclass(frozen=True, slots=True)
class Active:
    index: int  # table index for element segments, memory index for data
    offset: Expr


SegmentMode = Passive | Active | Declarative
PASSIVE = Passive()
DECLARATIVE = Declarative()


@fast_init
@dataclass(frozen=True, slots=True)
class Elem:
    type: RefType
    init: tuple[Expr, ...]  # one constant expression per element
    mode: SegmentMode


@fast_init
@dataclass(frozen=True, slots=True)
class Data:
    init: bytes
    mode: Passive | Active


@fast_init
@dataclass(frozen=True, slots=True)
class Custom:
    name: str
    data: bytes
    after_section: int  # id of the last non-custom section before it (0: none)


@dataclass(frozen=True, slots=True)
class Module:
    types: tuple[SubType, ...] = ()
    rec_groups: tuple[RecType, ...] = ()
    imports: tuple[Import, ...] = ()
    funcs: tuple[Func, ...] = ()
    tables: tuple[Table, ...] = ()
    mems: tuple[Memory, ...] = ()
    globals: tuple[Global, ...] = ()
    tags: tuple[Tag, ...] = ()
    elems: tuple[Elem, ...] = ()
    datas: tuple[Data, ...] = ()
    start: int | None = None
    exports: tuple[Export, ...] = ()
    customs: tuple[Custom, ...] = ()
    data_count: int | None = None
    _index_spaces: dict = field(default_factory=dict, compare=False, repr=False)
    # Derived data executors attach to a decoded module (lowered code, ...),
    # so every instance of the module shares it.
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    # -- index spaces (spec 2.5.1): imports come first ------------------

    def imported(self, kind: ExternKind) -> tuple[Import, ...]:
        cached = self._index_spaces.get(kind)
        if cached is None:
            cached = tuple(i for i in self.imports if i.kind is kind)
            self._index_spaces[kind] = cached
        return cached

    def type_groups(self) -> tuple[RecType, ...]:
        """The recursion groups, which partition ``types`` in order; a module
        built by hand with ``types`` alone has one group per type."""
        if sum(len(g.subtypes) for g in self.rec_groups) == len(self.types):
            return self.rec_groups
        return tuple(RecType((t,)) for t in self.types)

    def func_type(self, type_index: int) -> FuncType:
        comp = self.types[type_index].comp
        assert isinstance(comp, FuncType)
        return comp

    def block_arity(self, blocktype) -> tuple[int, int]:
        """How many values a block of this type takes and leaves: it is
        empty (None), one value type, or a type index."""
        if blocktype is None:
            return 0, 0
        if isinstance(blocktype, int):
            ft = self.func_type(blocktype)
            return len(ft.params), len(ft.results)
        return 0, 1

    def func_type_indices(self) -> list[int]:
        """The type index of every function in the function index space."""
        return [i.desc.type_index for i in self.imported(ExternKind.FUNC)] + [
            f.type_index for f in self.funcs
        ]

    def table_types(self) -> list[TableType]:
        return [i.desc for i in self.imported(ExternKind.TABLE)] + [t.type for t in self.tables]

    def mem_types(self) -> list[MemType]:
        return [i.desc for i in self.imported(ExternKind.MEMORY)] + [m.type for m in self.mems]

    def global_types(self) -> list[GlobalType]:
        return [i.desc for i in self.imported(ExternKind.GLOBAL)] + [g.type for g in self.globals]

    def tag_types(self) -> list[TagType]:
        return [i.desc for i in self.imported(ExternKind.TAG)] + [t.type for t in self.tags]
