"""Capturing an initialized instance's state as module-level constants.

- Globals: each defined global's current value as a constant expression
  (exact bits for floats, NaN payloads included; ``v128.const``;
  ``ref.null``; ``ref.func`` of a function of the instance's own function
  index space, imported stand-ins included, since the snapshot imports the
  same functions at the same indices).
- Memories: the current page count and bytes.
- Tables: the current size and, per entry, a constant expression
  (``ref.func``/``ref.null``), or None where the entry still holds the
  value a fresh table starts with.
- Segments: which data and element segments the instance has dropped.

A reference that no constant expression can produce (a host reference, a
function of another instance) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exec.constants import evaluate
from ..exec.numerics import f32_to_bits, f64_to_bits
from ..runtime.instances import ModuleInst
from ..runtime.memory import MemInst
from ..syntax.module import Expr, Module
from ..syntax.opcodes import Op, instr
from ..syntax.types import F32, F64, I32, I64, V128, AddrType, RefType, ValType
from .errors import UNREPRESENTABLE, Refused

END = instr(Op.END)


@dataclass(frozen=True)
class MemorySnapshot:
    pages: int
    data: object  # the memory's buffer (bytes-like); not copied


@dataclass(frozen=True)
class TableSnapshot:
    size: int
    # Per entry: a constant expression, or None where the entry equals the
    # table's initial value (null, or its Wasm 3.0 initialiser).
    entries: tuple[Expr | None, ...]


@dataclass(frozen=True)
class Snapshot:
    globals: tuple[Expr, ...]  # per defined global
    memories: tuple[MemorySnapshot, ...]  # per defined memory
    tables: tuple[TableSnapshot, ...]  # per defined table
    dropped_datas: frozenset[int]
    dropped_elems: frozenset[int]


def take_snapshot(module: Module, inst: ModuleInst) -> Snapshot:
    """The state of ``inst`` (an instance of ``module`` without imported
    memories, tables or globals) as constants."""
    refs = _RefWriter(inst)
    n_globals = len(module.global_types()) - len(module.globals)
    globals_ = tuple(
        const_expr(g.type.type, inst.globals[n_globals + i].value, refs, f"global {n_globals + i}")
        for i, g in enumerate(module.globals)
    )
    n_mems = len(module.mem_types()) - len(module.mems)
    memories = tuple(_memory(inst.mems[n_mems + i]) for i in range(len(module.mems)))
    n_tables = len(module.table_types()) - len(module.tables)
    tables = []
    for i, t in enumerate(module.tables):
        index = n_tables + i
        table = inst.tables[index]
        initial = None if t.init is None else evaluate(t.init, inst.funcs, inst.globals, inst.types)
        entries = tuple(
            None
            if e is initial or (e is None and initial is None)
            else refs.expr(t.type.elem, e, f"table {index} entry {j}")
            for j, e in enumerate(table.elements)
        )
        tables.append(TableSnapshot(len(table.elements), entries))
    dropped_datas = frozenset(
        i for i, d in enumerate(module.datas) if d.init and not inst.datas[i].data
    )
    dropped_elems = frozenset(
        i for i, e in enumerate(module.elems) if e.init and not inst.elems[i].elements
    )
    return Snapshot(globals_, memories, tuple(tables), dropped_datas, dropped_elems)


def _memory(mem: MemInst) -> MemorySnapshot:
    return MemorySnapshot(mem.pages, mem.data)


class _RefWriter:
    """References as ``ref.func``/``ref.null`` expressions."""

    def __init__(self, inst: ModuleInst):
        # The first index of each function object (a function imported twice
        # is the same stand-in only if the imports name the same function).
        self.indices: dict[int, int] = {}
        for i, f in enumerate(inst.funcs):
            self.indices.setdefault(id(f), i)

    def expr(self, t: RefType, value, where: str) -> Expr:
        if value is None:
            return (instr(Op.REF_NULL, t.heap), END)
        index = self.indices.get(id(value))
        if index is None:
            raise Refused(
                UNREPRESENTABLE,
                f"{where} holds {value!r}, which no constant expression can produce",
            )
        return (instr(Op.REF_FUNC, index), END)


def const_expr(t: ValType, value, refs: _RefWriter, where: str) -> Expr:
    """A constant expression producing ``value`` of type ``t``."""
    if t is I32:
        return (instr(Op.I32_CONST, value), END)
    if t is I64:
        return (instr(Op.I64_CONST, value), END)
    if t is F32:
        return (instr(Op.F32_CONST, f32_to_bits(value)), END)
    if t is F64:
        return (instr(Op.F64_CONST, f64_to_bits(value)), END)
    if t is V128:
        return (instr(Op.V128_CONST, value), END)
    if isinstance(t, RefType):
        return refs.expr(t, value, where)
    raise Refused(UNREPRESENTABLE, f"{where} has type {t}, which has no constant form here")


def offset_expr(address: AddrType, offset: int) -> Expr:
    op = Op.I64_CONST if address is AddrType.I64 else Op.I32_CONST
    return (instr(op, offset), END)
