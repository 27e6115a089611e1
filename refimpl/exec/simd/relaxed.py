"""Relaxed SIMD (Wasm 3.0, spec 4.3.5 "Relaxed Operations").

Each relaxed operator may return any one of a short list of results, chosen
by a global parameter ``R`` that an implementation fixes once.  refimpl
fixes every parameter to 0, the choice the spec prescribes for its
*deterministic profile*: it is always allowed, it is exact and simple (each
operator is the corresponding non-relaxed instruction), and one choice
everywhere means the interpreter, the compiler fast path (which calls these
functions) and any platform agree.  The current suite's ``either``
assertions all list these results.

================================  ==============================================
instruction                       refimpl's result (the alternatives allowed)
================================  ==============================================
i8x16.relaxed_swizzle             ``i8x16.swizzle``: 0 for every index >= 16
                                  (alt.: lane ``j mod 16`` for 16 <= j < 128)
i32x4.relaxed_trunc_f32x4_s/u,    ``trunc_sat``: NaN -> 0, out of range ->
i32x4.relaxed_trunc_f64x2_*_zero  saturated (alt.: INT_MIN, or 2**32-1 /
                                  2**32-2 / 2**31 for _u)
f32x4/f64x2.relaxed_madd          unfused ``a * b + c``: the product rounded,
                                  then the sum (alt.: fused, one rounding).
                                  Exact in Python with two roundings; a fused
                                  f64 result would need exact arithmetic
                                  (``math.fma`` is Python 3.13+)
f32x4/f64x2.relaxed_nmadd         ``relaxed_madd(-a, b, c)``, unfused likewise
iNxM.relaxed_laneselect           ``v128.bitselect`` with the mask as is (alt.:
                                  each lane's top bit expanded to the lane)
f32x4/f64x2.relaxed_min/max       ``fmin``/``fmax``: NaN -> NaN, min(-0, +0) =
                                  -0 (alt.: an operand, as x86 minps does)
i16x8.relaxed_q15mulr_s           ``q15mulr_sat_s``: -2**15 * -2**15 -> 2**15-1
                                  (alt.: wrap to -2**15)
i16x8.relaxed_dot_i8x16_i7x16_s   signed x signed products, pairs added with
                                  signed saturation (``ivdotsat``; alt.: the
                                  second operand's lanes read unsigned)
i32x4.relaxed_dot_..._add_s       the i16x8 relaxed dot above, pairs of it
                                  extended and added, plus c (wrapping)
================================  ==============================================
"""

from __future__ import annotations

from operator import add as _add
from operator import mul as _mul

from ..numerics import M32
from .bitwise import v128_bitselect
from .floating import (
    F64X2,
    f32_join,
    f32_lanes,
    f32x4_max,
    f32x4_min,
    f64_lanes,
    f64x2_max,
    f64x2_min,
    i32x4_trunc_sat_f32x4_s,
    i32x4_trunc_sat_f32x4_u,
    i32x4_trunc_sat_f64x2_s_zero,
    i32x4_trunc_sat_f64x2_u_zero,
)
from .integer import i16x8_q15mulr_sat_s
from .lanes import I8X16, I16X8, I32X4, U32X4
from .shape import i8x16_swizzle

i8x16_relaxed_swizzle = i8x16_swizzle
i32x4_relaxed_trunc_f32x4_s = i32x4_trunc_sat_f32x4_s
i32x4_relaxed_trunc_f32x4_u = i32x4_trunc_sat_f32x4_u
i32x4_relaxed_trunc_f64x2_s_zero = i32x4_trunc_sat_f64x2_s_zero
i32x4_relaxed_trunc_f64x2_u_zero = i32x4_trunc_sat_f64x2_u_zero
i8x16_relaxed_laneselect = v128_bitselect
i16x8_relaxed_laneselect = v128_bitselect
i32x4_relaxed_laneselect = v128_bitselect
i64x2_relaxed_laneselect = v128_bitselect
f32x4_relaxed_min = f32x4_min
f32x4_relaxed_max = f32x4_max
f64x2_relaxed_min = f64x2_min
f64x2_relaxed_max = f64x2_max
i16x8_relaxed_q15mulr_s = i16x8_q15mulr_sat_s


def f32x4_relaxed_madd(a: int, b: int, c: int) -> int:
    # The f32 product, rounded (an f32 * f32 product is exact in double), then
    # the f32 sum, rounded.
    products = f32_lanes(f32_join(list(map(_mul, f32_lanes(a), f32_lanes(b)))))
    return f32_join(list(map(_add, products, f32_lanes(c))))


def f32x4_relaxed_nmadd(a: int, b: int, c: int) -> int:
    products = f32_lanes(f32_join([-p for p in map(_mul, f32_lanes(a), f32_lanes(b))]))
    return f32_join(list(map(_add, products, f32_lanes(c))))


def f64x2_relaxed_madd(a: int, b: int, c: int) -> int:
    (x0, x1), (y0, y1), (z0, z1) = f64_lanes(a), f64_lanes(b), f64_lanes(c)
    return int.from_bytes(F64X2.pack(x0 * y0 + z0, x1 * y1 + z1), "little")


def f64x2_relaxed_nmadd(a: int, b: int, c: int) -> int:
    (x0, x1), (y0, y1), (z0, z1) = f64_lanes(a), f64_lanes(b), f64_lanes(c)
    return int.from_bytes(F64X2.pack(-x0 * y0 + z0, -x1 * y1 + z1), "little")


def _dot_i16_sat(a: int, b: int) -> list[int]:
    xs = I8X16.unpack(a.to_bytes(16, "little"))
    ys = I8X16.unpack(b.to_bytes(16, "little"))
    p = list(map(_mul, xs, ys))
    sums = [p[i] + p[i + 1] for i in range(0, 16, 2)]
    # Only (-128 * -128) * 2 = 32768 leaves the i16 range.
    return [s if s < 0x8000 else 0x7FFF for s in sums]


def i16x8_relaxed_dot_i8x16_i7x16_s(a: int, b: int) -> int:
    return int.from_bytes(I16X8.pack(*_dot_i16_sat(a, b)), "little")


def i32x4_relaxed_dot_i8x16_i7x16_add_s(a: int, b: int, c: int) -> int:
    d = _dot_i16_sat(a, b)
    cs = I32X4.unpack(c.to_bytes(16, "little"))
    return int.from_bytes(
        U32X4.pack(*[(d[2 * i] + d[2 * i + 1] + cs[i]) & M32 for i in range(4)]), "little"
    )


__all__ = [name for name in globals() if "relaxed" in name]
