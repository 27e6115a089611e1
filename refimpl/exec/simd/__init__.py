"""Fixed-width SIMD (v128) and relaxed SIMD semantics (spec 4.3, 4.4.3).

Every vector instruction has a plain function here named by its
``OpInfo.ident`` (``i32x4.add`` -> ``i32x4_add``), taking its operands in
stack order and, after them, its immediates:

- operators without immediates: ``fn(*operands) -> result``; ``SIMD_OPS``
  maps each such opcode (0xFD prefix, relaxed SIMD included) to its function,
  for ``lower_operator`` and for the compiler;
- ``*.extract_lane(v, lane)``, ``*.replace_lane(v, lane, x)``
  (``LANE_OPS``), ``i8x16_shuffle(a, b, lanes)``;
- memory: ``refimpl.exec.simd.memory`` (functions of the buffer and the
  effective address; the caller checks bounds).

None of them touches a frame or a store.

Representation
--------------

A v128 is a Python ``int`` of 128 bits, lane 0 in the low bits, as at the
runtime's API.  Chosen by measurement: ``benchmarks/simd_repr.py`` (CPython
3.11, x86-64, best of 25 runs; ns per op) compares a 128-bit int, ``bytes``
and a tuple of four u32 lanes, each op including its split into lanes and
join back, and a kernel loop of 2 loads, i32x4.add, i8x16.add_sat_s,
f32x4.mul, i8x16.shuffle, extract_lane, replace_lane, i8x16.eq, bitselect
and a store::

    op                       int    bytes    tuple
    i32x4.add                266     1498      965
    i8x16.add_sat_s          679     2621     3143
    f32x4.mul               1675     1323     1697
    i8x16.shuffle            466      221      570
    i32x4.extract_lane       175      227      113
    i32x4.replace_lane       268      341      316
    v128.bitselect           222     1053     1317
    i8x16.eq                 329     1508     1963
    v128.load                348      268      233
    v128.store               339      286      351
    kernel (us/iteration)   5.06     9.90    11.39

    split/join: int -> bytes 79, bytes -> int 138, int -> 4 lanes 185,
    4 lanes -> int 207, 16 lanes -> int 334

The int wins wherever the work can stay on the int -- SWAR: a few big-int
operations with lane masks instead of 16 lane operations (add_sat_s 679 ns
against 2967 ns split and joined); bitwise ops are one operator -- and loses
only the to_bytes/from_bytes (~220 ns) of the ops that need lanes (float
arithmetic, shuffle, load/store), which bytes and tuples pay elsewhere
instead.  The kernel runs twice as fast on ints, so the API representation
stays.  The functions here add unrolled lanes (f32x4.mul 734 ns, i16x8.mul
1233 ns) and ``bytes.translate`` for shuffle/swizzle/popcnt/bitmask
(shuffle 499 ns, swizzle 372 ns).

Modules: ``lanes`` (masks, structs, the SWAR vocabulary), ``bitwise``,
``shape`` (splat, lanes, shuffle, swizzle), ``integer``, ``floating``
(including conversions), ``relaxed`` (the relaxed SIMD choices, documented
there), ``memory``.
"""

from __future__ import annotations

from collections.abc import Callable

from ...syntax.opcodes import FD, OPS
from . import bitwise, floating, integer, memory, relaxed, shape
from .bitwise import *  # noqa: F403
from .floating import *  # noqa: F403
from .integer import *  # noqa: F403
from .lanes import M128
from .relaxed import *  # noqa: F403
from .shape import *  # noqa: F403
from .shape import i8x16_shuffle


def _table(kind: str) -> dict[int, Callable]:
    scope = {}
    for module in (bitwise, shape, integer, floating, relaxed):
        scope.update(vars(module))
    table: dict[int, Callable] = {}
    for code, info in OPS.items():
        if code >> 12 == FD and info.immediates == kind:
            table[code] = scope[info.ident]  # a KeyError here: a missing function
    return table


# Opcode -> function, for every 0xFD instruction without immediates.
SIMD_OPS: dict[int, Callable] = _table("-")
# Opcode -> fn(v, lane) / fn(v, lane, x), for extract_lane / replace_lane.
LANE_OPS: dict[int, Callable] = _table("lane")

__all__ = [
    "LANE_OPS",
    "M128",
    "SIMD_OPS",
    "memory",
    *(OPS[code].ident for code in SIMD_OPS),
    *(OPS[code].ident for code in LANE_OPS),
    "i8x16_shuffle",
]
