"""Module instantiation (spec 4.5.3 Allocation, 4.5.4 Instantiation).

Written once, in the spec's order, to be read beside it.  The one place the
generations differ is how segments initialise tables and memories:

- Wasm 1.0 (profile ``mvp``, no bulk memory): every element and data segment
  is checked against the current table and memory sizes first; if one does
  not fit, instantiation fails with a link error and nothing is written.
  Then all element segments are written, then all data segments.
- Wasm 2.0 (bulk memory): each active segment is applied as
  ``table.init``/``memory.init`` followed by a drop, in order; a segment that
  does not fit traps, and what earlier segments wrote stays written.

Imports are matched first (spec 4.5.2); a missing import is "unknown import"
and a mismatch "incompatible import type", both link errors raised before
any state is created.

How memories and tables are allocated and how segments are applied is the
business of an ``Initializer``; ``SEGMENTED`` is the reference, written here,
and the optimized init modes of ``refimpl.init`` are checked against it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import LinkError, UnsupportedFeature, WasmError
from ..features import Features, runtime_gap
from ..runtime.instances import (
    DataInst,
    ElemInst,
    ExternVal,
    FuncInst,
    GlobalInst,
    HostFunc,
    ModuleInst,
    TableInst,
    extern_kind,
    memory_type_now,
)
from ..runtime.memory import MemInst
from ..runtime.store import Store
from ..syntax.module import Active, Declarative, Elem, FuncImport, Import, Module
from ..syntax.types import ExternKind, GlobalType, Limits, MemType, TableType
from . import bulk
from .constants import evaluate

# Resolves an import to a value, or None if nothing is provided under its names.
Resolver = Callable[[Import], ExternVal | None]


def instantiate(
    store: Store,
    module: Module,
    resolve: Resolver,
    name: str = "",
    init: Initializer | None = None,
) -> ModuleInst:
    """Instantiate a decoded and validated ``module`` (spec 4.5.4).

    Raises LinkError (imports, or a Wasm 1.0 segment that does not fit),
    Trap (a Wasm 2.0 segment that does not fit, or the start function), or
    Exhaustion.  After a trap the instance is not returned, but what it
    wrote into imported tables and memories stays, as the spec says."""
    if (gap := runtime_gap(module)) is not None:  # until linking uses canonical types
        raise UnsupportedFeature(gap)
    features = store.features
    init = init or SEGMENTED

    # Steps 1-4: resolve and match the imports.
    imported = [_match_import(imp, resolve(imp), module) for imp in module.imports]

    # Step 5 and allocation (spec 4.5.3.10): the instance, its functions,
    # tables and memories.  Functions come first, since the constant
    # expressions of globals and segments may refer to any of them.
    inst = ModuleInst(types=module.types, name=name, module=module)
    inst.funcs = [v for v in imported if isinstance(v, (FuncInst, HostFunc))]
    first_defined = len(inst.funcs)
    for i, func in enumerate(module.funcs):
        ftype = module.func_type(func.type_index)
        inst.funcs.append(FuncInst(ftype, inst, func, first_defined + i))
    inst.tables = [v for v in imported if isinstance(v, TableInst)]
    inst.mems = [v for v in imported if isinstance(v, MemInst)]
    inst.globals = [v for v in imported if isinstance(v, GlobalInst)]

    # Steps 5-7: global initial values, evaluated where only the imported
    # globals (and, with extended constants, earlier globals) are visible.
    for g in module.globals:
        inst.globals.append(GlobalInst(g.type, evaluate(g.init, inst.funcs, inst.globals)))

    for t in module.tables:
        value = None if t.init is None else evaluate(t.init, inst.funcs, inst.globals)
        inst.tables.append(init.allocate_table(module, len(inst.tables), t.type, value))
    for m in module.mems:
        inst.mems.append(init.allocate_memory(module, len(inst.mems), m.type))

    # Element segments' references (step 7), and data segments' bytes.
    inst.elems = [
        ElemInst(e.type, [evaluate(x, inst.funcs, inst.globals) for x in e.init])
        for e in module.elems
    ]
    inst.datas = [DataInst(d.init) for d in module.datas]

    inst.exports = {e.name: _index_space(inst, e.kind)[e.index] for e in module.exports}

    try:
        # Steps 8-13: segments.
        init.initialize(module, inst, features)
        # Step 14: the start function.
        if module.start is not None:
            store.invoke(inst.funcs[module.start], [])
    except WasmError as exc:
        # Not returned, yet observable (through functions it left in imported
        # tables): keep it with the error for tools that compare state.
        exc.partial_instance = inst
        raise
    return inst


# -- segments ------------------------------------------------------------------


class Segmented:
    """The reference initialisation: allocate as the spec says, and apply
    segments one by one (spec 4.5.4 steps 8-13).  Optimized init modes
    subclass it and replace parts, reusing the steps below."""

    name = "segmented"

    def allocate_memory(self, module: Module, index: int, mtype: MemType) -> MemInst:
        """Memory ``index`` (in the memory index space) of an instance."""
        return MemInst(mtype)

    def allocate_table(self, module: Module, index: int, ttype: TableType, value) -> TableInst:
        return TableInst(ttype, value)

    def initialize(self, module: Module, inst: ModuleInst, features: Features) -> None:
        if features.bulk_memory:
            apply_element_segments(module, inst)
            apply_data_segments(module, inst)
        else:
            elem_offsets = check_element_segments(module, inst)
            data_offsets = check_data_segments(module, inst)
            write_element_segments(module, inst, elem_offsets)
            write_data_segments(module, inst, data_offsets)


Initializer = Segmented  # the interface: what a mode may replace
SEGMENTED = Segmented()


# Wasm 2.0, spec 4.5.4 steps 11-13: segment by segment, as instructions.


def apply_element_segments(module: Module, inst: ModuleInst) -> None:
    """table.init + elem.drop per active segment, elem.drop per declarative one."""
    for i, elem in enumerate(module.elems):
        apply_element_segment(inst, i, elem)


def apply_element_segment(inst: ModuleInst, i: int, elem: Elem) -> None:
    if isinstance(elem.mode, Active):
        offset = evaluate(elem.mode.offset, inst.funcs, inst.globals)
        n = len(elem.init)
        bulk.table_init(inst.tables[elem.mode.index], inst.elems[i], offset, 0, n)
        bulk.elem_drop(inst.elems[i])
    elif isinstance(elem.mode, Declarative):
        bulk.elem_drop(inst.elems[i])


def apply_data_segments(module: Module, inst: ModuleInst) -> None:
    """memory.init + data.drop per active segment."""
    for i, data in enumerate(module.datas):
        if isinstance(data.mode, Active):
            offset = evaluate(data.mode.offset, inst.funcs, inst.globals)
            n = len(data.init)
            bulk.memory_init(inst.mems[data.mode.index], inst.datas[i], offset, 0, n)
            bulk.data_drop(inst.datas[i])


def drop_active_data_segments(module: Module, inst: ModuleInst) -> None:
    """What ``apply_data_segments`` leaves behind, for modes that wrote the
    bytes another way."""
    for i, data in enumerate(module.datas):
        if isinstance(data.mode, Active):
            bulk.data_drop(inst.datas[i])


# Wasm 1.0, spec 4.5.4 steps 9-14: check every segment, then write them all.


def check_element_segments(module: Module, inst: ModuleInst) -> list[int]:
    offsets = []
    for elem in module.elems:
        offset = evaluate(elem.mode.offset, inst.funcs, inst.globals)
        if offset + len(elem.init) > len(inst.tables[elem.mode.index].elements):
            raise LinkError("elements segment does not fit")
        offsets.append(offset)
    return offsets


def check_data_segments(module: Module, inst: ModuleInst) -> list[int]:
    offsets = []
    for data in module.datas:
        offset = evaluate(data.mode.offset, inst.funcs, inst.globals)
        if offset + len(data.init) > len(inst.mems[data.mode.index].data):
            raise LinkError("data segment does not fit")
        offsets.append(offset)
    return offsets


def write_element_segments(module: Module, inst: ModuleInst, offsets: list[int]) -> None:
    for i, (elem, offset) in enumerate(zip(module.elems, offsets, strict=True)):
        table = inst.tables[elem.mode.index]
        table.elements[offset : offset + len(elem.init)] = inst.elems[i].elements


def write_data_segments(module: Module, inst: ModuleInst, offsets: list[int]) -> None:
    for data, offset in zip(module.datas, offsets, strict=True):
        if data.init:
            inst.mems[data.mode.index].data[offset : offset + len(data.init)] = data.init


# -- import matching (spec 4.5.2) --------------------------------------------------


def _match_import(imp: Import, value: ExternVal | None, module: Module) -> ExternVal:
    if value is None:
        raise LinkError(f"unknown import {imp.module}.{imp.name}")
    desc = imp.desc
    kind = imp.kind
    if extern_kind(value) is not kind or not _matches(value, desc, module):
        raise LinkError(f"incompatible import type for {imp.module}.{imp.name}")
    return value


def _matches(value: ExternVal, desc, module: Module) -> bool:
    if isinstance(desc, FuncImport):
        return value.type == module.func_type(desc.type_index)
    if isinstance(desc, TableType):
        actual = value.type
        return actual.elem == desc.elem and _limits_match(actual.limits, desc.limits)
    if isinstance(desc, MemType):
        actual = memory_type_now(value)
        return (
            actual.limits.shared == desc.limits.shared
            and actual.limits.address == desc.limits.address
            and _limits_match(actual.limits, desc.limits)
        )
    if isinstance(desc, GlobalType):
        return value.type == desc
    return False


def _limits_match(actual: Limits, expected: Limits) -> bool:
    """Limits subtyping: at least as large, at most as unbounded."""
    if actual.address != expected.address or actual.min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual.max is not None and actual.max <= expected.max


def _index_space(inst: ModuleInst, kind: ExternKind) -> list:
    return {
        ExternKind.FUNC: inst.funcs,
        ExternKind.TABLE: inst.tables,
        ExternKind.MEMORY: inst.mems,
        ExternKind.GLOBAL: inst.globals,
    }[kind]
