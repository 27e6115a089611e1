"""Table instructions (spec 4.4.6)."""

from __future__ import annotations

from ....syntax.opcodes import Op
from ... import bulk, tables
from ..lowering import Lowering


def table_get(f, ins):
    s = f.stack
    s[-1] = tables.table_get(f.inst.tables[ins[1]], s[-1])


def table_set(f, ins):
    s = f.stack
    ref = s.pop()
    tables.table_set(f.inst.tables[ins[1]], s.pop(), ref)


def table_size(f, ins):
    f.stack.append(len(f.inst.tables[ins[1]].elements))


def table_grow(f, ins):
    s = f.stack
    n = s.pop()
    s[-1] = tables.table_grow(f.inst.tables[ins[1]], s[-1], n)


def table_fill(f, ins):
    s = f.stack
    n = s.pop()
    ref = s.pop()
    bulk.table_fill(f.inst.tables[ins[1]], s.pop(), ref, n)


def table_copy(f, ins):
    s = f.stack
    n = s.pop()
    src = s.pop()
    tables = f.inst.tables
    bulk.table_copy(tables[ins[1]], tables[ins[2]], s.pop(), src, n)


def table_init(f, ins):
    s = f.stack
    n = s.pop()
    src = s.pop()
    bulk.table_init(f.inst.tables[ins[2]], f.inst.elems[ins[1]], s.pop(), src, n)


def elem_drop(f, ins):
    bulk.elem_drop(f.inst.elems[ins[1]])


def _lowering(handler, pops: int, pushes: int, pair: bool = False):
    def lowering(lw: Lowering, ins) -> None:
        if pair:
            lw.emit(handler, *ins[1])
        else:
            lw.emit(handler, ins[1])
        lw.pop(pops)
        lw.push(pushes)

    return lowering


LOWERINGS = {
    Op.TABLE_GET: _lowering(table_get, 1, 1),
    Op.TABLE_SET: _lowering(table_set, 2, 0),
    Op.TABLE_SIZE: _lowering(table_size, 0, 1),
    Op.TABLE_GROW: _lowering(table_grow, 2, 1),
    Op.TABLE_FILL: _lowering(table_fill, 3, 0),
    Op.TABLE_COPY: _lowering(table_copy, 3, 0, pair=True),
    Op.TABLE_INIT: _lowering(table_init, 3, 0, pair=True),
    Op.ELEM_DROP: _lowering(elem_drop, 0, 0),
}
