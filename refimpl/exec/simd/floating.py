"""Floating-point lane instructions and the vector conversions (spec 4.3.3,
4.3.4 applied lane-wise, 4.4.3).

Lanes are split with ``struct`` into Python floats and computed with the
scalar semantics of ``refimpl.exec.numerics`` where those are more than one
operator (min/max, rounding, sqrt, division, truncation), so each lane
behaves exactly as the scalar instruction.

f32 lanes: ``struct`` format ``f`` widens each lane to a double through C,
exact except that it quiets a signalling NaN.  That is harmless where it is
used: every NaN an f32x4 arithmetic instruction returns is an arithmetic
(quiet) NaN anyway, and comparisons only see NaN-ness.  The instructions that
must keep a NaN's bits -- abs, neg, pmin, pmax, extract/replace lane -- work
on the bits.  Joining packs the doubles back with ``f``, which rounds to
nearest-even: one rounding of the exact-in-double result of + - * / sqrt
(53 >= 2 * 24 + 2), so correct; a finite result beyond the f32 range makes
``struct`` raise, and the lanes are then rounded one by one by
``numerics.f32_round`` (to +-inf).

NaN results per lane (spec 4.3.3): the double operation propagates an NaN
operand quieted with its payload (so a canonical NaN stays canonical), and
makes the canonical NaN (of either sign) from non-NaN operands; packing to f32
keeps the quiet bit and the top 22 payload bits.
"""

from __future__ import annotations

from operator import add as _add
from operator import eq as _eq
from operator import ge as _ge
from operator import gt as _gt
from operator import le as _le
from operator import lt as _lt
from operator import mul as _mul
from operator import ne as _ne
from operator import sub as _sub

from .. import numerics
from ..numerics import M32, f32_round
from .lanes import (
    F32X2,
    F32X4,
    F64X2,
    H32,
    H64,
    I32X2,
    I32X4,
    M64,
    M128,
    U32X2,
    U32X4,
    named,
)


def f32_lanes(v: int) -> tuple[float, ...]:
    """The four f32 lanes as doubles (a signalling NaN comes back quieted)."""
    return F32X4.unpack(v.to_bytes(16, "little"))


def f32_join(rs) -> int:
    """Four doubles rounded to f32 lanes."""
    try:
        return int.from_bytes(F32X4.pack(*rs), "little")
    except OverflowError:  # a finite lane that rounds to an f32 infinity
        return int.from_bytes(F32X4.pack(*map(f32_round, rs)), "little")


def f64_lanes(v: int) -> tuple[float, ...]:
    return F64X2.unpack(v.to_bytes(16, "little"))  # a memcpy: bit-exact


# -- sign bit operations: bit-exact, NaNs untouched ------------------------------

_NOT_SIGN32 = M128 ^ H32
_NOT_SIGN64 = M128 ^ H64


def f32x4_abs(v: int) -> int:
    return v & _NOT_SIGN32


def f32x4_neg(v: int) -> int:
    return v ^ H32


def f64x2_abs(v: int) -> int:
    return v & _NOT_SIGN64


def f64x2_neg(v: int) -> int:
    return v ^ H64


# -- arithmetic ------------------------------------------------------------------------
# Lanes are unpacked into locals and the results packed in one call: about
# twice as fast as a comprehension over zip (benchmarks/simd_repr.py).

_unpack_f32 = F32X4.unpack
_pack_f32 = F32X4.pack
_unpack_f64 = F64X2.unpack
_pack_f64 = F64X2.pack


def _f32_binary(name: str, op):
    def binary(a: int, b: int) -> int:
        x0, x1, x2, x3 = _unpack_f32(a.to_bytes(16, "little"))
        y0, y1, y2, y3 = _unpack_f32(b.to_bytes(16, "little"))
        r = op(x0, y0), op(x1, y1), op(x2, y2), op(x3, y3)
        try:
            return int.from_bytes(_pack_f32(*r), "little")
        except OverflowError:  # a finite lane that rounds to an f32 infinity
            return f32_join(r)

    return named(name, binary)


def _f64_binary(name: str, op):
    def binary(a: int, b: int) -> int:
        x0, x1 = _unpack_f64(a.to_bytes(16, "little"))
        y0, y1 = _unpack_f64(b.to_bytes(16, "little"))
        return int.from_bytes(_pack_f64(op(x0, y0), op(x1, y1)), "little")

    return named(name, binary)


def _f32_unary(name: str, op):
    def unary(v: int) -> int:
        x0, x1, x2, x3 = _unpack_f32(v.to_bytes(16, "little"))
        r = op(x0), op(x1), op(x2), op(x3)
        try:
            return int.from_bytes(_pack_f32(*r), "little")
        except OverflowError:
            return f32_join(r)

    return named(name, unary)


def _f64_unary(name: str, op):
    def unary(v: int) -> int:
        x0, x1 = _unpack_f64(v.to_bytes(16, "little"))
        return int.from_bytes(_pack_f64(op(x0), op(x1)), "little")

    return named(name, unary)


# The lane operations.  + - * are the double operations (Python refuses only
# division by zero, and math.sqrt a negative operand: the scalar functions
# handle those).  The f32 variants of the scalar functions are the f64 ones
# on f32 values (``numerics``), the packing rounds.

f32x4_add = _f32_binary("f32x4_add", _add)
f32x4_sub = _f32_binary("f32x4_sub", _sub)
f32x4_mul = _f32_binary("f32x4_mul", _mul)
f32x4_div = _f32_binary("f32x4_div", numerics.f64_div)
f32x4_sqrt = _f32_unary("f32x4_sqrt", numerics.f64_sqrt)
f64x2_add = _f64_binary("f64x2_add", _add)
f64x2_sub = _f64_binary("f64x2_sub", _sub)
f64x2_mul = _f64_binary("f64x2_mul", _mul)
f64x2_div = _f64_binary("f64x2_div", numerics.f64_div)
f64x2_sqrt = _f64_unary("f64x2_sqrt", numerics.f64_sqrt)

# min/max: the scalar fmin/fmax -- NaN operands propagate quieted, and
# min(-0, +0) = -0, max(-0, +0) = +0.
f32x4_min = _f32_binary("f32x4_min", numerics.f64_min)
f32x4_max = _f32_binary("f32x4_max", numerics.f64_max)
f64x2_min = _f64_binary("f64x2_min", numerics.f64_min)
f64x2_max = _f64_binary("f64x2_max", numerics.f64_max)

# Rounding to integral: the scalar functions (NaN quieted, sign of zero kept).
f32x4_ceil = _f32_unary("f32x4_ceil", numerics.f32_ceil)
f32x4_floor = _f32_unary("f32x4_floor", numerics.f32_floor)
f32x4_trunc = _f32_unary("f32x4_trunc", numerics.f32_trunc)
f32x4_nearest = _f32_unary("f32x4_nearest", numerics.f32_nearest)
f64x2_ceil = _f64_unary("f64x2_ceil", numerics.f64_ceil)
f64x2_floor = _f64_unary("f64x2_floor", numerics.f64_floor)
f64x2_trunc = _f64_unary("f64x2_trunc", numerics.f64_trunc)
f64x2_nearest = _f64_unary("f64x2_nearest", numerics.f64_nearest)


# -- comparisons: all-ones / all-zeros lanes ----------------------------------------------

_LANE32 = (M32, M32 << 32, M32 << 64, M32 << 96)
_LANE64 = (M64, M64 << 64)


def _f32_compare(name: str, op):
    l0, l1, l2, l3 = _LANE32

    def compare(a: int, b: int) -> int:
        x0, x1, x2, x3 = _unpack_f32(a.to_bytes(16, "little"))
        y0, y1, y2, y3 = _unpack_f32(b.to_bytes(16, "little"))
        return (
            (l0 if op(x0, y0) else 0)
            | (l1 if op(x1, y1) else 0)
            | (l2 if op(x2, y2) else 0)
            | (l3 if op(x3, y3) else 0)
        )

    return named(name, compare)


def _f64_compare(name: str, op):
    l0, l1 = _LANE64

    def compare(a: int, b: int) -> int:
        x0, x1 = _unpack_f64(a.to_bytes(16, "little"))
        y0, y1 = _unpack_f64(b.to_bytes(16, "little"))
        return (l0 if op(x0, y0) else 0) | (l1 if op(x1, y1) else 0)

    return named(name, compare)


for _kind, _op in (("eq", _eq), ("ne", _ne), ("lt", _lt), ("gt", _gt), ("le", _le), ("ge", _ge)):
    globals()[f"f32x4_{_kind}"] = _f32_compare(f"f32x4_{_kind}", _op)
    globals()[f"f64x2_{_kind}"] = _f64_compare(f"f64x2_{_kind}", _op)

# pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a, lane-wise: the
# comparison's mask picks one operand's lane bits unchanged (a NaN never
# compares, so a's lane comes back as it was, signalling or not).
_f32_b_lt_a = _f32_compare("_f32_b_lt_a", lambda x, y: y < x)
_f32_a_lt_b = _f32_compare("_f32_a_lt_b", _lt)
_f64_b_lt_a = _f64_compare("_f64_b_lt_a", lambda x, y: y < x)
_f64_a_lt_b = _f64_compare("_f64_a_lt_b", _lt)


def f32x4_pmin(a: int, b: int) -> int:
    return a ^ ((a ^ b) & _f32_b_lt_a(a, b))


def f32x4_pmax(a: int, b: int) -> int:
    return a ^ ((a ^ b) & _f32_a_lt_b(a, b))


def f64x2_pmin(a: int, b: int) -> int:
    return a ^ ((a ^ b) & _f64_b_lt_a(a, b))


def f64x2_pmax(a: int, b: int) -> int:
    return a ^ ((a ^ b) & _f64_a_lt_b(a, b))


# -- conversions -----------------------------------------------------------------------------


def f32x4_convert_i32x4_s(v: int) -> int:
    # An i32 is exact as a double; packing rounds it once to f32 (ties to even).
    return int.from_bytes(F32X4.pack(*I32X4.unpack(v.to_bytes(16, "little"))), "little")


def f32x4_convert_i32x4_u(v: int) -> int:
    return int.from_bytes(F32X4.pack(*U32X4.unpack(v.to_bytes(16, "little"))), "little")


def f64x2_convert_low_i32x4_s(v: int) -> int:
    return int.from_bytes(F64X2.pack(*I32X2.unpack_from(v.to_bytes(16, "little"))), "little")


def f64x2_convert_low_i32x4_u(v: int) -> int:
    return int.from_bytes(F64X2.pack(*U32X2.unpack_from(v.to_bytes(16, "little"))), "little")


_trunc_sat_s = numerics.i32_trunc_sat_f64_s
_trunc_sat_u = numerics.i32_trunc_sat_f64_u


def i32x4_trunc_sat_f32x4_s(v: int) -> int:
    return int.from_bytes(U32X4.pack(*map(_trunc_sat_s, f32_lanes(v))), "little")


def i32x4_trunc_sat_f32x4_u(v: int) -> int:
    return int.from_bytes(U32X4.pack(*map(_trunc_sat_u, f32_lanes(v))), "little")


def i32x4_trunc_sat_f64x2_s_zero(v: int) -> int:
    x0, x1 = f64_lanes(v)
    return _trunc_sat_s(x0) | _trunc_sat_s(x1) << 32


def i32x4_trunc_sat_f64x2_u_zero(v: int) -> int:
    x0, x1 = f64_lanes(v)
    return _trunc_sat_u(x0) | _trunc_sat_u(x1) << 32


def f32x4_demote_f64x2_zero(v: int) -> int:
    # The scalar demotion rounds (overflow to +-inf) and quiets NaNs; its
    # results are f32 values, which pack exactly.
    x0, x1 = f64_lanes(v)
    demote = numerics.f32_demote_f64
    return int.from_bytes(F32X2.pack(demote(x0), demote(x1)), "little")


def f64x2_promote_low_f32x4(v: int) -> int:
    # Widening is exact; * 1.0 makes sure a NaN comes out quiet (arithmetic).
    x0, x1 = F32X2.unpack_from(v.to_bytes(16, "little"))
    return int.from_bytes(F64X2.pack(x0 * 1.0, x1 * 1.0), "little")


__all__ = [name for name in globals() if name[:5] in ("f32x4", "f64x2", "i32x4")]
