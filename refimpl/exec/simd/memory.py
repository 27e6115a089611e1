"""v128 memory accesses (spec 4.4.7), as functions of the memory's buffer.

``data`` is the memory's ``bytearray`` (or mmap) and ``ea`` the effective
address (the address operand plus the static offset, an unbounded Python int).
These functions do not check bounds: the caller checks ``ea + size > len(data)``
first, ``size`` being the access size ``ACCESS_SIZE[opcode]`` (16 for v128.load,
8 for load8x8_s, 2 for load16_lane, ...), and traps with "out of bounds memory
access" -- before anything is written, for the stores.

- loads: ``fn(data, ea) -> v128``
- lane loads: ``fn(data, ea, v, lane) -> v128`` (``v`` with lane replaced)
- stores: ``fn(data, ea, v)``; lane stores: ``fn(data, ea, v, lane)``
"""

from __future__ import annotations

from ...syntax.opcodes import Op
from .lanes import (
    I8X8,
    I16X4,
    I16X8,
    I32X2,
    I32X4,
    I64X2,
    LANE_MASK,
    M128,
    REP8,
    REP16,
    REP32,
    REP64,
    U8X8,
    U16X4,
    U16X8,
    U32X2,
    U32X4,
    U64X2,
    named,
)


def v128_load(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 16], "little")


def _extending_load(name: str, src, dst):
    unpack_from, pack = src.unpack_from, dst.pack

    def load(data, ea: int) -> int:
        return int.from_bytes(pack(*unpack_from(data, ea)), "little")

    return named(name, load)


v128_load8x8_s = _extending_load("v128_load8x8_s", I8X8, I16X8)
v128_load8x8_u = _extending_load("v128_load8x8_u", U8X8, U16X8)
v128_load16x4_s = _extending_load("v128_load16x4_s", I16X4, I32X4)
v128_load16x4_u = _extending_load("v128_load16x4_u", U16X4, U32X4)
v128_load32x2_s = _extending_load("v128_load32x2_s", I32X2, I64X2)
v128_load32x2_u = _extending_load("v128_load32x2_u", U32X2, U64X2)


def v128_load8_splat(data, ea: int) -> int:
    return data[ea] * REP8


def v128_load16_splat(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 2], "little") * REP16


def v128_load32_splat(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 4], "little") * REP32


def v128_load64_splat(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 8], "little") * REP64


def v128_load32_zero(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 4], "little")


def v128_load64_zero(data, ea: int) -> int:
    return int.from_bytes(data[ea : ea + 8], "little")


def v128_store(data, ea: int, v: int) -> None:
    data[ea : ea + 16] = v.to_bytes(16, "little")


def _lane_load(name: str, nbytes: int):
    width = nbytes * 8
    mask = LANE_MASK[width]

    def load_lane(data, ea: int, v: int, lane: int) -> int:
        sh = lane * width
        x = int.from_bytes(data[ea : ea + nbytes], "little")
        return (v & (M128 ^ (mask << sh))) | x << sh

    return named(name, load_lane)


def _lane_store(name: str, nbytes: int):
    width = nbytes * 8
    mask = LANE_MASK[width]

    def store_lane(data, ea: int, v: int, lane: int) -> None:
        data[ea : ea + nbytes] = (v >> (lane * width) & mask).to_bytes(nbytes, "little")

    return named(name, store_lane)


v128_load8_lane = _lane_load("v128_load8_lane", 1)
v128_load16_lane = _lane_load("v128_load16_lane", 2)
v128_load32_lane = _lane_load("v128_load32_lane", 4)
v128_load64_lane = _lane_load("v128_load64_lane", 8)
v128_store8_lane = _lane_store("v128_store8_lane", 1)
v128_store16_lane = _lane_store("v128_store16_lane", 2)
v128_store32_lane = _lane_store("v128_store32_lane", 4)
v128_store64_lane = _lane_store("v128_store64_lane", 8)

LOADS = {
    Op.V128_LOAD: v128_load,
    Op.V128_LOAD8X8_S: v128_load8x8_s,
    Op.V128_LOAD8X8_U: v128_load8x8_u,
    Op.V128_LOAD16X4_S: v128_load16x4_s,
    Op.V128_LOAD16X4_U: v128_load16x4_u,
    Op.V128_LOAD32X2_S: v128_load32x2_s,
    Op.V128_LOAD32X2_U: v128_load32x2_u,
    Op.V128_LOAD8_SPLAT: v128_load8_splat,
    Op.V128_LOAD16_SPLAT: v128_load16_splat,
    Op.V128_LOAD32_SPLAT: v128_load32_splat,
    Op.V128_LOAD64_SPLAT: v128_load64_splat,
    Op.V128_LOAD32_ZERO: v128_load32_zero,
    Op.V128_LOAD64_ZERO: v128_load64_zero,
}
LANE_LOADS = {
    Op.V128_LOAD8_LANE: v128_load8_lane,
    Op.V128_LOAD16_LANE: v128_load16_lane,
    Op.V128_LOAD32_LANE: v128_load32_lane,
    Op.V128_LOAD64_LANE: v128_load64_lane,
}
STORES = {Op.V128_STORE: v128_store}
LANE_STORES = {
    Op.V128_STORE8_LANE: v128_store8_lane,
    Op.V128_STORE16_LANE: v128_store16_lane,
    Op.V128_STORE32_LANE: v128_store32_lane,
    Op.V128_STORE64_LANE: v128_store64_lane,
}

ACCESS_SIZE = {
    Op.V128_LOAD: 16,
    Op.V128_LOAD8X8_S: 8,
    Op.V128_LOAD8X8_U: 8,
    Op.V128_LOAD16X4_S: 8,
    Op.V128_LOAD16X4_U: 8,
    Op.V128_LOAD32X2_S: 8,
    Op.V128_LOAD32X2_U: 8,
    Op.V128_LOAD8_SPLAT: 1,
    Op.V128_LOAD16_SPLAT: 2,
    Op.V128_LOAD32_SPLAT: 4,
    Op.V128_LOAD64_SPLAT: 8,
    Op.V128_LOAD32_ZERO: 4,
    Op.V128_LOAD64_ZERO: 8,
    Op.V128_STORE: 16,
    Op.V128_LOAD8_LANE: 1,
    Op.V128_LOAD16_LANE: 2,
    Op.V128_LOAD32_LANE: 4,
    Op.V128_LOAD64_LANE: 8,
    Op.V128_STORE8_LANE: 1,
    Op.V128_STORE16_LANE: 2,
    Op.V128_STORE32_LANE: 4,
    Op.V128_STORE64_LANE: 8,
}

__all__ = [
    "ACCESS_SIZE",
    "LANE_LOADS",
    "LANE_STORES",
    "LOADS",
    "STORES",
    *(name for name in globals() if name.startswith("v128_")),
]
