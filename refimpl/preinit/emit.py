"""Writing a snapshot out as a module that starts already initialized.

From the original module and a ``Snapshot``:

- globals get constant initialisers of their current values; memories and
  tables get their current sizes as minimum;
- memory contents become active data segments (non-zero runs, merged, see
  ``regions``), table contents active element segments;
- the start section goes (it already ran), the init export too unless kept,
  and export renames are applied.

Index spaces of segments (Wasm 2.0, bulk memory) are preserved, so that
``memory.init``/``data.drop``/``table.init``/``elem.drop`` after the
snapshot behave as they would have in the original instance: every original
segment keeps its index; an active one (applied and dropped at
instantiation) or one the instance dropped becomes an *empty passive*
segment, which every instruction treats exactly like a dropped one (both
hold no bytes or references; ``memory.init`` with ``n = 0, s = 0``
succeeds on both and anything more traps on both); a passive segment not
dropped keeps its contents; a declarative one stays (it is dropped at
instantiation anyway).  Data segments past the highest index any
instruction names are left out (nothing can observe them), so a snapshot
does not carry hundreds of empty ones.  The snapshot's own segments are
appended after the originals, and the data count follows.  Since emptied active element
segments (and a removed init export) no longer declare the functions they
named, a declarative segment is appended with every function that a
``ref.func`` in a function body names and the snapshot otherwise wouldn't
declare.

Without bulk memory (Wasm 1.0) segments have no identity after
instantiation: the original active ones are simply left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..features import Features
from ..syntax.module import (
    DECLARATIVE,
    PASSIVE,
    Active,
    Data,
    Elem,
    Export,
    Global,
    Memory,
    Module,
    Table,
)
from ..syntax.opcodes import Op, instr
from ..syntax.types import FUNCREF, ExternKind, TableType
from ..valid.module import declared_funcs
from . import regions
from .errors import BAD_RENAME, Refused
from .snapshot import END, Snapshot, offset_expr

# Null entries between table runs shorter than this are written as
# ``ref.null`` inside one segment rather than splitting it.
TABLE_MIN_GAP = 4


def emit(
    module: Module,
    snap: Snapshot,
    features: Features,
    *,
    init_func: str | None = None,
    keep_init: bool = False,
    renames: Sequence[tuple[str, str]] = (),
    min_gap: int = regions.MIN_GAP,
    max_segments: int = regions.MAX_SEGMENTS,
    near_gap: int = regions.NEAR_GAP,
) -> Module:
    """The pre-initialized module (not yet validated)."""
    bulk = features.bulk_memory
    n_mems = len(module.mem_types()) - len(module.mems)
    n_tables = len(module.table_types()) - len(module.tables)

    globals_ = tuple(
        Global(g.type, init) for g, init in zip(module.globals, snap.globals, strict=True)
    )
    mems = tuple(
        Memory(replace(m.type, limits=replace(m.type.limits, min=s.pages)))
        for m, s in zip(module.mems, snap.memories, strict=True)
    )
    tables = tuple(
        Table(TableType(replace(t.type.limits, min=s.size), t.type.elem), t.init)
        for t, s in zip(module.tables, snap.tables, strict=True)
    )

    # Data segments: the originals code can name, in place, then the memory
    # contents, merged down to the input's segment count where gaps are near.
    datas: list[Data] = []
    named = named_datas(module) if bulk else 0
    for i, d in enumerate(module.datas[:named]):
        if isinstance(d.mode, Active) or i in snap.dropped_datas:
            datas.append(Data(b"", PASSIVE))
        else:
            datas.append(d)
    every = [
        regions.merge_runs(regions.nonzero_runs(s.data), min_gap, regions.SEGMENT_LIMIT)
        for s in snap.memories
    ]
    every = regions.merge_to_target(
        every,
        target=len(module.datas) - named,
        cap=min(max_segments, regions.SEGMENT_LIMIT - named),
        near_gap=near_gap,
    )
    for i, (m, s, runs) in enumerate(zip(module.mems, snap.memories, every, strict=True)):
        for start, end in runs:
            offset = offset_expr(m.type.limits.address, start)
            datas.append(Data(bytes(s.data[start:end]), Active(n_mems + i, offset)))

    # Element segments: the originals in place, then the table contents.
    elems: list[Elem] = []
    for i, e in enumerate(module.elems):
        if not bulk:
            if not isinstance(e.mode, Active):
                elems.append(e)
        elif isinstance(e.mode, Active) or (i in snap.dropped_elems and e.mode == PASSIVE):
            elems.append(Elem(e.type, (), PASSIVE))
        else:
            elems.append(e)
    for i, (t, s) in enumerate(zip(module.tables, snap.tables, strict=True)):
        runs = regions.present_runs(list(s.entries), None)
        if features.reference_types and t.init is None:
            cap = min(max_segments, regions.SEGMENT_LIMIT - len(elems))
            runs = regions.merge_runs(runs, TABLE_MIN_GAP, cap)
        null = (instr(Op.REF_NULL, t.type.elem.heap), END)
        for start, end in runs:
            init = tuple(x if x is not None else null for x in s.entries[start:end])
            offset = offset_expr(t.type.limits.address, start)
            elems.append(Elem(t.type.elem, init, Active(n_tables + i, offset)))

    exports = _exports(module, init_func, keep_init, renames)
    out = replace(
        module,
        globals=globals_,
        mems=mems,
        tables=tables,
        datas=tuple(datas),
        elems=tuple(elems),
        exports=exports,
        start=None,
        data_count=None if module.data_count is None else len(datas),
        _index_spaces={},
        derived={},
    )
    if features.reference_types:
        used = {ins[1] for f in module.funcs for ins in f.body if ins[0] == Op.REF_FUNC}
        missing = used - declared_funcs(out)
        if missing:
            decl = Elem(
                FUNCREF, tuple((instr(Op.REF_FUNC, x), END) for x in sorted(missing)), DECLARATIVE
            )
            out = replace(out, elems=(*out.elems, decl), _index_spaces={}, derived={})
    return out


def named_datas(module: Module) -> int:
    """How many leading data segments code can name (one past the highest
    index a ``memory.init``, ``data.drop`` or ``array.*_data`` names): the
    rest have no observable identity after instantiation and can go."""
    highest = -1
    for f in module.funcs:
        for op, imm in f.body:
            if op == Op.DATA_DROP:
                highest = max(highest, imm)
            elif op == Op.MEMORY_INIT:
                data, _ = imm
                highest = max(highest, data)
            elif op in (Op.ARRAY_NEW_DATA, Op.ARRAY_INIT_DATA):
                _, data = imm
                highest = max(highest, data)
    return highest + 1


def _exports(
    module: Module, init_func: str | None, keep_init: bool, renames: Sequence[tuple[str, str]]
) -> tuple[Export, ...]:
    """Wizer's rules: the init export goes unless kept; ``dst=src`` renames
    the function export ``src`` to ``dst``, replacing any export ``dst``."""
    exports = [e for e in module.exports if keep_init or init_func is None or e.name != init_func]
    by_src: dict[str, str] = {}
    dsts: set[str] = set()
    for dst, src in renames:
        if src in by_src:
            raise Refused(BAD_RENAME, f"the export {src!r} is renamed twice")
        if dst in dsts:
            raise Refused(BAD_RENAME, f"two exports are renamed to {dst!r}")
        by_src[src] = dst
        dsts.add(dst)
    names = {e.name: e for e in exports}
    for src in by_src:
        e = names.get(src)
        if e is None or e.kind is not ExternKind.FUNC:
            raise Refused(BAD_RENAME, f"there is no function export {src!r} to rename")
    out = []
    for e in exports:
        if e.name in by_src:
            out.append(Export(by_src[e.name], e.kind, e.index))
        elif e.name not in dsts:
            out.append(e)
    return tuple(out)


__all__ = ["TABLE_MIN_GAP", "emit"]
