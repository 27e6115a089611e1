"""Module instantiation, to be read beside Wasm 3.0 §4.5.4 "Instantiation"
(with §4.5.3 "Allocation").  Step numbers are 3.0's: 1-2 the module is
valid, 3-4 imports, 5-7 the auxiliary instance and its frame, 8 globals'
values, 9 tables' initial values, 10 element segments' references, 11 pop,
12 allocation, 13-14 the instance's frame, 15 element segments, 16 data
segments, 17 the start function, 18-19 pop.  (Wasm 2.0 has no step 9, and
splits step 15 in two: its steps 14-15.)

Where the generations differ, the code says so at the step:

- Wasm 1.0 (profile ``mvp``, no bulk memory) checks every element and data
  segment against the current table and memory sizes before writing any
  (1.0 steps 9-10); a misfit is the link error "elements segment does not
  fit" / "data segment does not fit" and nothing is written.  Then all
  element segments are written, then all data segments (1.0 steps 13-14).
- Wasm 2.0 and 3.0 apply each active segment as ``table.init`` /
  ``memory.init`` followed by a drop, in order; a misfit traps, and what
  earlier segments wrote stays written.

How memories and tables are allocated, and whether some segments were
folded into precomputed contents, is the business of an ``Initializer``
(the optimized init modes of ``refimpl.init``); the order of segments and
their checks live here only, so every mode follows them by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..errors import LinkError, WasmError
from ..features import Features
from ..runtime.instances import (
    DataInst,
    ElemInst,
    ExternVal,
    FuncInst,
    GlobalInst,
    ModuleInst,
    TableInst,
    TagInst,
    extern_kind,
    extern_type,
)
from ..runtime.memory import MemInst
from ..runtime.store import Store
from ..syntax.module import Active, Declarative, Import, Module
from ..syntax.types import ExternKind, GlobalType, MemType, TableType
from ..valid.canonical import canonical_types, canonical_val_type
from ..valid.match import import_extern_type, match_extern_type
from . import bulk
from .constants import evaluate

# Resolves an import to a value, or None if nothing is provided under its names.
Resolver = Callable[[Import], ExternVal | None]


# -- the hooks of init modes ------------------------------------------------------------


class TableInitialization(Protocol):
    """Leading element segments folded into precomputed table contents
    (wasmtime's ``TableInitialization::initial_values``): ``segments`` says
    how many, and they are known to fit, so writing them can't fail."""

    segments: int

    def write(self, inst: ModuleInst) -> None: ...


class MemoryInitialization(Protocol):
    """Every active data segment as precomputed memory contents (wasmtime's
    ``MemoryInitialization::Static``), known to fit."""

    def write(self, inst: ModuleInst) -> None: ...


class Initializer(Protocol):
    """What an init mode may replace: allocation of defined memories and
    tables, and precomputed contents standing for some segments."""

    name: str

    def allocate_memory(self, module: Module, index: int, mtype: MemType) -> MemInst: ...

    def allocate_table(self, module: Module, index: int, ttype: TableType, value) -> TableInst: ...

    def table_initialization(self, module: Module) -> TableInitialization | None: ...

    def memory_initialization(self, module: Module) -> MemoryInitialization | None: ...


class Segmented:
    """The reference: allocation as §4.5.3 says, nothing precomputed.
    Optimized modes subclass it and replace a hook or two."""

    name = "segmented"

    def allocate_memory(self, module: Module, index: int, mtype: MemType) -> MemInst:
        """Memory ``index`` (in the memory index space) of an instance."""
        return MemInst(mtype)

    def allocate_table(self, module: Module, index: int, ttype: TableType, value) -> TableInst:
        return TableInst(ttype, value)

    def table_initialization(self, module: Module) -> TableInitialization | None:
        return None

    def memory_initialization(self, module: Module) -> MemoryInitialization | None:
        return None


SEGMENTED = Segmented()


# -- instantiation ------------------------------------------------------------------------


def instantiate(
    store: Store,
    module: Module,
    resolve: Resolver,
    name: str = "",
    init: Initializer | None = None,
) -> ModuleInst:
    """Instantiate a decoded and validated ``module`` (§4.5.4).

    Raises LinkError (imports, or a Wasm 1.0 segment that does not fit),
    Trap (a later segment that does not fit, or the start function), or
    Exhaustion.  After a failure the instance is not returned, but what it
    wrote into imported tables and memories stays, as the spec says; it
    rides on the error as ``partial_instance`` for tools that compare state."""
    init = init or SEGMENTED
    # Steps 1-2: the module is valid (``refimpl.load`` validated it).
    # Steps 3-4: one value per import, each matching its external type.
    externvals = [match_import(module, i, resolve(imp)) for i, imp in enumerate(module.imports)]
    # Steps 5-12 and §4.5.3: the instance, with its globals, tables and
    # segments' references evaluated.
    inst = allocate(module, externvals, init, name)
    try:
        # Steps 13-16 (frame F: the instance is what segments run in).
        initialize_segments(module, inst, store.features, init)
        # Step 17: the start function.
        if module.start is not None:
            store.invoke(inst.funcs[module.start], [])
    except WasmError as exc:
        # Not returned, yet observable through functions it left in
        # imported tables.
        exc.partial_instance = inst
        raise
    # Steps 18-19: frame F popped.
    return inst


# -- steps 3-4: import matching -------------------------------------------------------------


def match_import(module: Module, index: int, value: ExternVal | None) -> ExternVal:
    """Step 4: ``value``, provided for the module's ``index``-th import, is
    valid with an external type (external typing, §4.5.1) that matches the
    import's (``valid.match.match_extern_type``, the one place matching is
    decided, over canonical types).  A missing import is "unknown import";
    both are link errors, raised before any state exists."""
    imp = module.imports[index]
    if value is None:
        raise LinkError(f"unknown import {imp.module}.{imp.name}")
    if not match_extern_type(extern_type(value), import_extern_type(module, index)):
        raise LinkError(f"incompatible import type for {imp.module}.{imp.name}")
    return value


# -- steps 5-12 and §4.5.3: allocation ----------------------------------------------------


def allocate(module: Module, externvals: list, init: Initializer, name: str) -> ModuleInst:
    """The new instance.  The spec evaluates constant expressions in an
    auxiliary instance (steps 5-11) that has the imported globals and every
    function address (the defined ones at the addresses allocation will
    give them), then allocates (step 12).  Here the instance is that
    auxiliary one, completed in place: functions first, so ``ref.func``
    anywhere resolves; each global sees only the globals before it.
    Instances carry canonical types (``valid.canonical``)."""
    defs = canonical_types(module)
    inst = ModuleInst(types=defs, name=name, module=module)
    imported = {kind: [v for v in externvals if extern_kind(v) is kind] for kind in ExternKind}
    # Step 5: the auxiliary instance's functions (imported, then defined).
    inst.funcs = list(imported[ExternKind.FUNC])
    first_defined = len(inst.funcs)
    for i, func in enumerate(module.funcs):
        ftype = module.func_type(func.type_index)
        inst.funcs.append(FuncInst(ftype, inst, func, first_defined + i, defs[func.type_index]))
    # Step 8: globals' initial values, in order (Wasm 3.0's extended
    # constants may read earlier globals; 1.0 and 2.0 only imported ones).
    inst.globals = list(imported[ExternKind.GLOBAL])
    for g in module.globals:
        gtype = GlobalType(g.type.mutable, canonical_val_type(g.type.type, defs))
        inst.globals.append(GlobalInst(gtype, evaluate(g.init, inst.funcs, inst.globals, defs)))
    # Step 9 (Wasm 3.0): tables' initial values; then allocation of tables
    # and memories by the init mode (§4.5.3 "alloctable", "allocmem").
    inst.tables = list(imported[ExternKind.TABLE])
    for t in module.tables:
        value = None if t.init is None else evaluate(t.init, inst.funcs, inst.globals, defs)
        ttype = TableType(t.type.limits, canonical_val_type(t.type.elem, defs))
        inst.tables.append(init.allocate_table(module, len(inst.tables), ttype, value))
    inst.mems = list(imported[ExternKind.MEMORY])
    for m in module.mems:
        inst.mems.append(init.allocate_memory(module, len(inst.mems), m.type))
    # Tags (Wasm 3.0, "alloctag"): a new identity per defined tag.
    inst.tags = list(imported[ExternKind.TAG])
    inst.tags += [TagInst(defs[t.type.type_index]) for t in module.tags]
    # Step 10: element segments' references (Wasm 1.0: function indices,
    # resolved the same way).  Data segments' bytes are the module's.
    space = inst.funcs, inst.globals, defs
    inst.elems = [
        ElemInst(canonical_val_type(e.type, defs), [evaluate(x, *space) for x in e.init])
        for e in module.elems
    ]
    inst.datas = [DataInst(d.init) for d in module.datas]
    inst.exports = {e.name: _index_space(inst, e.kind)[e.index] for e in module.exports}
    return inst


def _index_space(inst: ModuleInst, kind: ExternKind) -> list:
    return {
        ExternKind.FUNC: inst.funcs,
        ExternKind.TABLE: inst.tables,
        ExternKind.MEMORY: inst.mems,
        ExternKind.GLOBAL: inst.globals,
        ExternKind.TAG: inst.tags,
    }[kind]


# -- steps 15-16: segments ---------------------------------------------------------------


def initialize_segments(
    module: Module, inst: ModuleInst, features: Features, init: Initializer
) -> None:
    """Element segments, then data segments, as the generation says; the
    init mode's precomputed contents stand for the segments they cover."""
    tables = init.table_initialization(module)
    memories = init.memory_initialization(module)
    if features.bulk_memory:
        _in_order(module, inst, tables, memories)
    else:
        _checked_first(module, inst, tables, memories)


def _in_order(module, inst, tables, memories) -> None:
    """Wasm 2.0 and 3.0.

    Step 15: for each element segment in index order, an active one is
    ``table.init`` of all of it at its offset, then ``elem.drop``; a
    declarative one is ``elem.drop``.  Wasm 2.0's prose drops declarative
    segments in a step of their own after all active ones (its steps
    14-15), but its formal rule (``runelem_i``, in index order), Wasm 3.0,
    the OCaml interpreter, wasmtime and wabt drop them in index order, as
    here: a function left in an imported table by a failed instantiation can
    tell, through ``table.init``, which declarative segments are dropped
    (spectests/instantiation/declarative_segments_order.2.0.wast).

    Step 16: each active data segment is ``memory.init``, then ``data.drop``.
    A segment that does not fit traps; earlier writes stay."""
    folded = 0
    if tables is not None:
        # Folded segments fit and come first: writing them at once is what
        # applying them one by one would write.
        tables.write(inst)
        folded = tables.segments
    for i, elem in enumerate(module.elems):
        mode = elem.mode
        if isinstance(mode, Active):
            if i >= folded:
                offset = evaluate(mode.offset, inst.funcs, inst.globals)
                n = len(elem.init)
                bulk.table_init(inst.tables[mode.index], inst.elems[i], offset, 0, n)
            bulk.elem_drop(inst.elems[i])
        elif isinstance(mode, Declarative):
            bulk.elem_drop(inst.elems[i])
    if memories is not None:
        memories.write(inst)  # every active data segment, known to fit
    for i, data in enumerate(module.datas):
        if isinstance(data.mode, Active):
            if memories is None:
                offset = evaluate(data.mode.offset, inst.funcs, inst.globals)
                n = len(data.init)
                bulk.memory_init(inst.mems[data.mode.index], inst.datas[i], offset, 0, n)
            bulk.data_drop(inst.datas[i])


def _checked_first(module, inst, tables, memories) -> None:
    """Wasm 1.0, whose steps differ: every segment's offset is evaluated and
    checked first (1.0 steps 9-10: "elements segment does not fit", "data
    segment does not fit", link errors before any write), then all element
    segments are written (step 13), then all data segments (step 14).
    Wasm 1.0 has active segments only."""
    folded = 0 if tables is None else tables.segments
    elem_offsets = {}
    for i, elem in enumerate(module.elems):
        if i >= folded:
            offset = evaluate(elem.mode.offset, inst.funcs, inst.globals)
            if offset + len(elem.init) > len(inst.tables[elem.mode.index].elements):
                raise LinkError("elements segment does not fit")
            elem_offsets[i] = offset
    data_offsets = {}
    for i, data in enumerate(module.datas):
        if memories is None:
            offset = evaluate(data.mode.offset, inst.funcs, inst.globals)
            if offset + len(data.init) > len(inst.mems[data.mode.index].data):
                raise LinkError("data segment does not fit")
            data_offsets[i] = offset
    # Nothing can fail from here on.
    if tables is not None:
        tables.write(inst)
    for i, offset in elem_offsets.items():
        elem = module.elems[i]
        table = inst.tables[elem.mode.index]
        table.elements[offset : offset + len(elem.init)] = inst.elems[i].elements
    if memories is not None:
        memories.write(inst)
    for i, offset in data_offsets.items():
        data = module.datas[i]
        if data.init:
            inst.mems[data.mode.index].data[offset : offset + len(data.init)] = data.init
