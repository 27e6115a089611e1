"""Bulk memory and table instructions (spec 4.4.6, 4.4.7), as operations on
instances.  Shared by the executors and by instantiation, which the spec
defines in terms of ``table.init``/``memory.init`` and the drops.

Each checks its bounds before it writes anything, as the Wasm 2.0 spec does,
so a trap leaves the target untouched.
"""

from __future__ import annotations

from ..errors import Trap
from ..runtime.instances import DataInst, ElemInst, TableInst
from ..runtime.memory import MemInst

MEMORY_OOB = "out of bounds memory access"
TABLE_OOB = "out of bounds table access"


def table_init(table: TableInst, elem: ElemInst, d: int, s: int, n: int) -> None:
    src = elem.elements
    dst = table.elements
    if s + n > len(src) or d + n > len(dst):
        raise Trap(TABLE_OOB)
    dst[d : d + n] = src[s : s + n]


def elem_drop(elem: ElemInst) -> None:
    elem.elements = []


def memory_init(mem: MemInst, data: DataInst, d: int, s: int, n: int) -> None:
    src = data.data
    buf = mem.data
    if s + n > len(src) or d + n > len(buf):
        raise Trap(MEMORY_OOB)
    if n:
        buf[d : d + n] = src[s : s + n]


def data_drop(data: DataInst) -> None:
    data.data = b""


def memory_copy(dst_mem: MemInst, src_mem: MemInst, d: int, s: int, n: int) -> None:
    dst, src = dst_mem.data, src_mem.data
    if s + n > len(src) or d + n > len(dst):
        raise Trap(MEMORY_OOB)
    if n:
        dst[d : d + n] = src[s : s + n]  # the slice is a copy: overlap is safe


def memory_fill(mem: MemInst, d: int, value: int, n: int) -> None:
    buf = mem.data
    if d + n > len(buf):
        raise Trap(MEMORY_OOB)
    if n:
        buf[d : d + n] = bytes([value & 0xFF]) * n


def table_copy(dst_table: TableInst, src_table: TableInst, d: int, s: int, n: int) -> None:
    dst, src = dst_table.elements, src_table.elements
    if s + n > len(src) or d + n > len(dst):
        raise Trap(TABLE_OOB)
    dst[d : d + n] = src[s : s + n]


def table_fill(table: TableInst, d: int, ref, n: int) -> None:
    elems = table.elements
    if d + n > len(elems):
        raise Trap(TABLE_OOB)
    elems[d : d + n] = [ref] * n
