"""Validation contexts (spec 3.1.1).

``Context`` is the module-level part of the spec's C: the types of every
index space, plus the set of function indices that ``ref.func`` may name
(C.refs).  Locals, labels and the return type belong to the function being
checked and live in ``instructions.ExprChecker``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import InvalidModule
from ..features import Features
from ..syntax.types import (
    ArrayType,
    FuncType,
    GlobalType,
    MemType,
    RefType,
    StructType,
    SubType,
    TableType,
    TagType,
)
from .canonical import DefType


def spec_generation(f: Features) -> int:
    """Which generation of the spec interpreter's messages to use: 1, 2 or
    3 (a few were reworded; the harness compares them as prefixes)."""
    if f.gc or f.function_references or f.exceptions or f.memory64 or f.multi_memory:
        return 3
    return 2 if f.reference_types or f.bulk_memory else 1


def lookup(items: list | tuple, index: int, what: str):
    """Spec interpreter wording: "unknown <what> <index>"."""
    if 0 <= index < len(items):
        return items[index]
    raise InvalidModule(f"unknown {what} {index}")


@dataclass(slots=True)
class Context:
    features: Features
    types: tuple[SubType, ...] = ()
    # While the type section is checked: the types visible so far (up to
    # the end of the current recursion group); None afterwards.
    type_limit: int | None = None
    # The canonical type of every type index checked so far (``canonical``).
    defs: Sequence[DefType] = ()
    funcs: list[FuncType] = field(default_factory=list)
    func_type_indices: list[int] = field(default_factory=list)
    tables: list[TableType] = field(default_factory=list)
    mems: list[MemType] = field(default_factory=list)
    globals: list[GlobalType] = field(default_factory=list)
    tags: list[TagType] = field(default_factory=list)
    elems: list[RefType] = field(default_factory=list)
    datas: int = 0
    refs: frozenset[int] = frozenset()
    # Functions imported without ``exact`` (custom descriptors): ``ref.func``
    # of any other function has its exact type.
    inexact_funcs: set[int] = field(default_factory=set)

    def _comp_at(self, index: int, kind: type, what: str):
        """The comp type of type index ``index`` ("unknown type"), which
        must be of ``kind``."""
        comp = lookup(self.types, index, "type").comp
        if not isinstance(comp, kind):
            raise InvalidModule(f"type mismatch: type {index} is not {what}")
        return comp

    def func_type_at(self, index: int) -> FuncType:
        return self._comp_at(index, FuncType, "a function type")

    def struct_type_at(self, index: int) -> StructType:
        return self._comp_at(index, StructType, "a struct type")

    def array_type_at(self, index: int) -> ArrayType:
        return self._comp_at(index, ArrayType, "an array type")

    def tag(self, index: int) -> FuncType:
        """The function type of tag ``index``."""
        return self.func_type_at(lookup(self.tags, index, "tag").type_index)

    def func(self, index: int) -> FuncType:
        return lookup(self.funcs, index, "function")

    def table(self, index: int) -> TableType:
        return lookup(self.tables, index, "table")

    def mem(self, index: int) -> MemType:
        return lookup(self.mems, index, "memory")

    def global_(self, index: int) -> GlobalType:
        return lookup(self.globals, index, "global")

    def elem(self, index: int) -> RefType:
        return lookup(self.elems, index, "elem segment")

    def data(self, index: int) -> None:
        if not 0 <= index < self.datas:
            raise InvalidModule(f"unknown data segment {index}")
