"""``functable``: function tables precomputed per module.

Like wasmtime's ``TableInitialization::initial_values`` (computed by
``try_func_table_init``): the leading element segments whose
effect is known before instantiation -- active, into a table the module
defines, at a constant offset, in bounds of the table's minimum, with
``ref.func``/``ref.null`` elements -- are folded into one array of function
indices per table.  The first segment that doesn't qualify, and every
segment after it, are "leftovers" that instantiation applies as it applies
any segment, so the order of writes (and what a trap leaves behind) is
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exec.instantiate import Segmented
from ..runtime.instances import ModuleInst
from ..syntax.module import Active, Module
from ..syntax.opcodes import Op
from ..syntax.types import AbsHeapType
from .plan import Fallback, Stats, cached, constant_offset

NULL = -1  # a precomputed null entry


@dataclass(frozen=True)
class TablePlan:
    """The ``TableInitialization`` instantiation asks for."""

    tables: dict[int, dict[int, int]]  # table index -> slot -> function index or NULL
    segments: int  # how many leading segments are folded in

    def write(self, inst: ModuleInst) -> None:
        for table, slots in self.tables.items():
            elements = inst.tables[table].elements
            for slot, func in slots.items():
                elements[slot] = None if func == NULL else inst.funcs[func]


class FuncTable(Segmented):
    name = "functable"

    def __init__(self) -> None:
        self.stats = Stats()

    def table_initialization(self, module: Module) -> TablePlan | None:
        plan = cached(module, "init:functable", build)
        self.stats.record(plan)
        return None if isinstance(plan, Fallback) else plan


def build(module: Module) -> TablePlan | Fallback:
    imported = len(module.table_types()) - len(module.tables)
    sizes = {imported + i: t.type.limits.min for i, t in enumerate(module.tables)}
    funcref = {
        imported + i
        for i, t in enumerate(module.tables)
        if t.type.elem.heap is AbsHeapType.FUNC and t.init is None
    }
    tables: dict[int, dict[int, int]] = {}
    count = 0
    for elem in module.elems:
        if not isinstance(elem.mode, Active):
            count += 1  # passive and declarative segments write no table
            continue
        entries = _foldable(elem, sizes, funcref)
        if entries is None:
            break
        table, offset, funcs = entries
        slots = tables.setdefault(table, {})
        for k, f in enumerate(funcs):
            slots[offset + k] = f
        count += 1
    if not tables:
        return Fallback("no element segment writes a table the module defines")
    return TablePlan(tables, count)


def _foldable(elem, sizes, funcref) -> tuple[int, int, list[int]] | None:
    """An active segment's (table, offset, function indices), if foldable."""
    if elem.mode.index not in funcref:
        return None
    offset = constant_offset(elem.mode.offset)
    if offset is None or offset + len(elem.init) > sizes[elem.mode.index]:
        return None
    funcs = []
    for expr in elem.init:
        head = expr[0]
        if head[0] == Op.REF_FUNC:
            funcs.append(head[1])
        elif head[0] == Op.REF_NULL:
            funcs.append(NULL)
        else:
            return None
    return elem.mode.index, offset, funcs
