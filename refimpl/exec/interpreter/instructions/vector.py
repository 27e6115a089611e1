"""Vector instructions (spec 4.4.3, and the v128 memory accesses of 4.4.7).

The operators without immediates are lowered by ``lower_operator`` onto
their functions in ``refimpl.exec.simd``; this module adds the instructions
with immediates: v128.const, shuffle, lane access and memory.
"""

from __future__ import annotations

from ....errors import Trap
from ....syntax.opcodes import Op
from ... import bulk, simd
from ...simd import memory as vmem
from ..lowering import Lowering
from .numeric import const, lower_operator

MEMORY_OOB = bulk.MEMORY_OOB
_ZEROS_224 = bytes(224)


def shuffle(f, ins):
    # simd.i8x16_shuffle inlined; ins[1] is the lane indices as bytes.
    s = f.stack
    b = s.pop()
    table = s[-1].to_bytes(16, "little") + b.to_bytes(16, "little") + _ZEROS_224
    s[-1] = int.from_bytes(ins[1].translate(table), "little")


def extract_lane(f, ins):
    s = f.stack
    s[-1] = ins[1](s[-1], ins[2])


def replace_lane(f, ins):
    s = f.stack
    x = s.pop()
    s[-1] = ins[1](s[-1], ins[2], x)


def load(f, ins):
    _, fn, size, offset, mem = ins
    s = f.stack
    ea = s[-1] + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    s[-1] = fn(data, ea)


def load128(f, ins):
    s = f.stack
    ea = s[-1] + ins[1]
    data = f.inst.mems[ins[2]].data
    if ea + 16 > len(data):
        raise Trap(MEMORY_OOB)
    s[-1] = int.from_bytes(data[ea : ea + 16], "little")


def store128(f, ins):
    s = f.stack
    v = s.pop()
    ea = s.pop() + ins[1]
    data = f.inst.mems[ins[2]].data
    if ea + 16 > len(data):
        raise Trap(MEMORY_OOB)
    data[ea : ea + 16] = v.to_bytes(16, "little")


def load_lane(f, ins):
    _, fn, size, offset, mem, lane = ins
    s = f.stack
    v = s.pop()
    ea = s[-1] + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    s[-1] = fn(data, ea, v, lane)


def store_lane(f, ins):
    _, fn, size, offset, mem, lane = ins
    s = f.stack
    v = s.pop()
    ea = s.pop() + offset
    data = f.inst.mems[mem].data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)  # checked before anything is written
    fn(data, ea, v, lane)


# -- lowerings ---------------------------------------------------------------------------


def lower_v128_const(lw: Lowering, ins) -> None:
    lw.emit(const, ins[1])
    lw.push()


def lower_shuffle(lw: Lowering, ins) -> None:
    lw.emit(shuffle, bytes(ins[1]))
    lw.pop()


def lower_extract_lane(lw: Lowering, ins) -> None:
    lw.emit(extract_lane, simd.LANE_OPS[ins[0]], ins[1])


def lower_replace_lane(lw: Lowering, ins) -> None:
    lw.emit(replace_lane, simd.LANE_OPS[ins[0]], ins[1])
    lw.pop()


def lower_load(lw: Lowering, ins) -> None:
    arg = ins[1]
    if ins[0] == Op.V128_LOAD:
        lw.emit(load128, arg.offset, arg.memory)
    else:
        lw.emit(load, vmem.LOADS[ins[0]], vmem.ACCESS_SIZE[ins[0]], arg.offset, arg.memory)


def lower_store(lw: Lowering, ins) -> None:
    arg = ins[1]
    lw.emit(store128, arg.offset, arg.memory)
    lw.pop(2)


def lower_load_lane(lw: Lowering, ins) -> None:
    arg, lane = ins[1]
    size = vmem.ACCESS_SIZE[ins[0]]
    lw.emit(load_lane, vmem.LANE_LOADS[ins[0]], size, arg.offset, arg.memory, lane)
    lw.pop()


def lower_store_lane(lw: Lowering, ins) -> None:
    arg, lane = ins[1]
    size = vmem.ACCESS_SIZE[ins[0]]
    lw.emit(store_lane, vmem.LANE_STORES[ins[0]], size, arg.offset, arg.memory, lane)
    lw.pop(2)


LOWERINGS = {op: lower_operator(simd.SIMD_OPS) for op in simd.SIMD_OPS}
LOWERINGS.update({op: lower_load for op in vmem.LOADS})
LOWERINGS.update({op: lower_store for op in vmem.STORES})
LOWERINGS.update({op: lower_load_lane for op in vmem.LANE_LOADS})
LOWERINGS.update({op: lower_store_lane for op in vmem.LANE_STORES})
LOWERINGS.update(
    {
        op: (lower_extract_lane if "extract" in simd.LANE_OPS[op].__name__ else lower_replace_lane)
        for op in simd.LANE_OPS
    }
)
LOWERINGS[Op.V128_CONST] = lower_v128_const
LOWERINGS[Op.I8X16_SHUFFLE] = lower_shuffle
