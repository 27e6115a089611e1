"""``pooled``: memories and tables taken from a pool, given back reset.

Instances get their defined memories' buffers (bytearrays: memories too
large for one are not pooled) and tables' element lists from free slots
when there are any; ``release(inst)`` returns them, reset
to zeros and nulls.  The reset is what matters: a slot that kept the
previous instance's bytes would leak them into the next (wasmtime's
CVE-2022-39393).  Segments are applied by the reference path.
"""

from __future__ import annotations

from ..exec.instantiate import Segmented
from ..runtime.instances import ModuleInst, TableInst
from ..runtime.memory import EAGER_BYTES, MemInst
from ..syntax.module import Module
from ..syntax.types import MemType, TableType


class Pooled(Segmented):
    name = "pooled"

    def __init__(self, slots: int = 16):
        self.slots = slots
        self.free_buffers: list = []
        self.free_element_lists: list[list] = []
        self.reused = 0

    def allocate_memory(self, module: Module, index: int, mtype: MemType) -> MemInst:
        size = mtype.limits.min * mtype.page_size
        if self.free_buffers and size <= EAGER_BYTES:
            buf = self.free_buffers.pop()
            if len(buf) > size:
                del buf[size:]
            else:
                buf.extend(bytes(size - len(buf)))
            self.reused += 1
            return MemInst(mtype, buf)
        return MemInst(mtype)

    def allocate_table(self, module: Module, index: int, ttype: TableType, value) -> TableInst:
        table = TableInst(ttype, value)
        if self.free_element_lists:
            elements = self.free_element_lists.pop()
            elements[:] = table.elements
            table.elements = elements
            self.reused += 1
        return table

    def release(self, inst: ModuleInst) -> None:
        """Give the instance's own memories and tables back, reset."""
        module = inst.module
        first_mem = len(module.mem_types()) - len(module.mems)
        first_table = len(module.table_types()) - len(module.tables)
        for mem in inst.mems[first_mem:]:
            self.release_memory(mem)
        for table in inst.tables[first_table:]:
            self.release_table(table)

    def release_memory(self, mem: MemInst) -> None:
        buf = mem.data
        # Slots are bytearrays; large memories (mappings) are not pooled.
        if isinstance(buf, bytearray) and len(self.free_buffers) < self.slots:
            buf[:] = bytes(len(buf))
            self.free_buffers.append(buf)
        mem.data = bytearray()  # the memory no longer owns the slot

    def release_table(self, table: TableInst) -> None:
        if len(self.free_element_lists) < self.slots:
            elements = table.elements
            elements[:] = [None] * len(elements)
            self.free_element_lists.append(elements)
        table.elements = []
