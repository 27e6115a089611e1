"""``functable``: function tables precomputed per module.

Like wasmtime's ``try_func_table_init``: the leading element segments whose
effect is known before instantiation -- active, into a table the module
defines, at a constant offset, in bounds of the table's minimum, with
``ref.func``/``ref.null`` elements -- are folded into one array of function
indices per table.  The first segment that doesn't qualify, and every
segment after it, are "leftovers" applied at instantiation as the reference
does, so the order of writes (and what a trap leaves behind) is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LinkError
from ..exec import bulk
from ..exec.constants import evaluate
from ..exec.instantiate import (
    SEGMENTED,
    Segmented,
    apply_data_segments,
    apply_element_segment,
    check_data_segments,
    write_data_segments,
)
from ..features import Features
from ..runtime.instances import ModuleInst
from ..syntax.module import Active, Module, Passive
from ..syntax.opcodes import Op
from ..syntax.types import AbsHeapType
from .plan import Fallback, Stats, cached, constant_offset

NULL = -1  # a precomputed null entry


@dataclass(frozen=True)
class TablePlan:
    tables: dict[int, dict[int, int]]  # table index -> slot -> function index or NULL
    precomputed: int  # how many leading segments are folded in


class FuncTable(Segmented):
    name = "functable"

    def __init__(self) -> None:
        self.stats = Stats()

    def initialize(self, module: Module, inst: ModuleInst, features: Features) -> None:
        plan = cached(module, "init:functable", build)
        self.stats.record(plan)
        if isinstance(plan, Fallback):
            SEGMENTED.initialize(module, inst, features)
            return
        leftovers = list(enumerate(module.elems))[plan.precomputed :]
        if features.bulk_memory:
            # The folded segments come first, and they fit: write them, then
            # the rest in order, as the reference would.
            _write_precomputed(plan, inst)
            for i, elem in list(enumerate(module.elems))[: plan.precomputed]:
                if not isinstance(elem.mode, Passive):  # what applying them would drop
                    bulk.elem_drop(inst.elems[i])
            for i, elem in leftovers:
                apply_element_segment(inst, i, elem)
            apply_data_segments(module, inst)
        else:
            # Wasm 1.0: check the leftovers (the folded ones fit), then write.
            offsets = []
            for _, elem in leftovers:
                offset = evaluate(elem.mode.offset, inst.funcs, inst.globals)
                if offset + len(elem.init) > len(inst.tables[elem.mode.index].elements):
                    raise LinkError("elements segment does not fit")
                offsets.append(offset)
            data_offsets = check_data_segments(module, inst)
            # Only now that nothing can fail: a link error writes nothing.
            _write_precomputed(plan, inst)
            for (i, elem), offset in zip(leftovers, offsets, strict=True):
                table = inst.tables[elem.mode.index]
                table.elements[offset : offset + len(elem.init)] = inst.elems[i].elements
            write_data_segments(module, inst, data_offsets)


def _write_precomputed(plan: TablePlan, inst: ModuleInst) -> None:
    for table, slots in plan.tables.items():
        elements = inst.tables[table].elements
        for slot, func in slots.items():
            elements[slot] = None if func == NULL else inst.funcs[func]


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
        if head.op == Op.REF_FUNC:
            funcs.append(head.imm)
        elif head.op == Op.REF_NULL:
            funcs.append(NULL)
        else:
            return None
    return elem.mode.index, offset, funcs
