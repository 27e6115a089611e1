"""Memory instructions (spec 4.4.7).

Addresses are computed as Python ints, so ``address + offset`` never wraps,
and each access is checked against the memory's current size before it
touches the buffer.  ``f.inst.mems[i].data`` is read at every access: a
``memory.grow`` or a call may have replaced the buffer.
"""

from __future__ import annotations

import struct

from ....errors import Trap
from ....syntax.opcodes import Op
from ... import bulk, numerics
from ..lowering import Lowering

MEMORY_OOB = bulk.MEMORY_OOB
_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def load(f, ins):
    _, unpack, size, offset, mem = ins
    s = f.stack
    ea = s[-1] + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    s[-1] = unpack(data, ea)[0]


def load_converted(f, ins):
    _, unpack, size, offset, mem, convert = ins
    s = f.stack
    ea = s[-1] + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    s[-1] = convert(unpack(data, ea)[0])


def store(f, ins):
    _, pack, size, offset, mem, convert = ins
    s = f.stack
    value = s.pop()
    ea = s.pop() + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    pack(data, ea, convert(value) if convert else value)


def memory_size(f, ins):
    f.stack.append(f.inst.mems[ins[1]].pages)


def memory_grow(f, ins):
    s = f.stack
    s[-1] = f.inst.mems[ins[1]].grow(s[-1]) & ins[2]


def memory_fill(f, ins):
    s = f.stack
    n = s.pop()
    value = s.pop()
    bulk.memory_fill(f.inst.mems[ins[1]], s.pop(), value, n)


def memory_copy(f, ins):
    s = f.stack
    n = s.pop()
    src = s.pop()
    mems = f.inst.mems
    bulk.memory_copy(mems[ins[1]], mems[ins[2]], s.pop(), src, n)


def memory_init(f, ins):
    s = f.stack
    n = s.pop()
    src = s.pop()
    bulk.memory_init(f.inst.mems[ins[2]], f.inst.datas[ins[1]], s.pop(), src, n)


def data_drop(f, ins):
    bulk.data_drop(f.inst.datas[ins[1]])


def _s(fmt: str):
    return struct.Struct(fmt)


# opcode -> (struct, access size, conversion of the loaded value or None)
_LOADS = {
    Op.I32_LOAD: (_s("<I"), 4, None),
    Op.I64_LOAD: (_s("<Q"), 8, None),
    Op.F32_LOAD: (_s("<I"), 4, numerics.f32_from_bits),
    Op.F64_LOAD: (_s("<d"), 8, None),  # a memcpy: bit-exact, signalling NaNs too
    Op.I32_LOAD8_S: (_s("<b"), 1, lambda v: v & _M32),
    Op.I32_LOAD8_U: (_s("<B"), 1, None),
    Op.I32_LOAD16_S: (_s("<h"), 2, lambda v: v & _M32),
    Op.I32_LOAD16_U: (_s("<H"), 2, None),
    Op.I64_LOAD8_S: (_s("<b"), 1, lambda v: v & _M64),
    Op.I64_LOAD8_U: (_s("<B"), 1, None),
    Op.I64_LOAD16_S: (_s("<h"), 2, lambda v: v & _M64),
    Op.I64_LOAD16_U: (_s("<H"), 2, None),
    Op.I64_LOAD32_S: (_s("<i"), 4, lambda v: v & _M64),
    Op.I64_LOAD32_U: (_s("<I"), 4, None),
}

# opcode -> (struct, access size, conversion of the stored value or None)
_STORES = {
    Op.I32_STORE: (_s("<I"), 4, None),
    Op.I64_STORE: (_s("<Q"), 8, None),
    Op.F32_STORE: (_s("<I"), 4, numerics.f32_to_bits),
    Op.F64_STORE: (_s("<d"), 8, None),
    Op.I32_STORE8: (_s("<B"), 1, lambda v: v & 0xFF),
    Op.I32_STORE16: (_s("<H"), 2, lambda v: v & 0xFFFF),
    Op.I64_STORE8: (_s("<B"), 1, lambda v: v & 0xFF),
    Op.I64_STORE16: (_s("<H"), 2, lambda v: v & 0xFFFF),
    Op.I64_STORE32: (_s("<I"), 4, lambda v: v & _M32),
}


def lower_load(lw: Lowering, ins) -> None:
    fmt, size, convert = _LOADS[ins[0]]
    arg = ins[1]
    if convert is None:
        lw.emit(load, fmt.unpack_from, size, arg.offset, arg.memory)
    else:
        lw.emit(load_converted, fmt.unpack_from, size, arg.offset, arg.memory, convert)


def lower_store(lw: Lowering, ins) -> None:
    fmt, size, convert = _STORES[ins[0]]
    arg = ins[1]
    lw.emit(store, fmt.pack_into, size, arg.offset, arg.memory, convert)
    lw.pop(2)


def lower_memory_size(lw: Lowering, ins) -> None:
    lw.emit(memory_size, ins[1])
    lw.push()


def lower_memory_grow(lw: Lowering, ins) -> None:
    mask = _M64 if lw.module.mem_types()[ins[1]].limits.address.value == "i64" else _M32
    lw.emit(memory_grow, ins[1], mask)


def lower_memory_fill(lw: Lowering, ins) -> None:
    lw.emit(memory_fill, ins[1])
    lw.pop(3)


def lower_memory_copy(lw: Lowering, ins) -> None:
    dst, src = ins[1]
    lw.emit(memory_copy, dst, src)
    lw.pop(3)


def lower_memory_init(lw: Lowering, ins) -> None:
    data, mem = ins[1]
    lw.emit(memory_init, data, mem)
    lw.pop(3)


def lower_data_drop(lw: Lowering, ins) -> None:
    lw.emit(data_drop, ins[1])


LOWERINGS = {op: lower_load for op in _LOADS}
LOWERINGS.update({op: lower_store for op in _STORES})
LOWERINGS.update(
    {
        Op.MEMORY_SIZE: lower_memory_size,
        Op.MEMORY_GROW: lower_memory_grow,
        Op.MEMORY_FILL: lower_memory_fill,
        Op.MEMORY_COPY: lower_memory_copy,
        Op.MEMORY_INIT: lower_memory_init,
        Op.DATA_DROP: lower_data_drop,
    }
)
