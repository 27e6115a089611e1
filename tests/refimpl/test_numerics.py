"""Unit tests of refimpl.exec.numerics: the edge cases of spec 4.3, per family."""

from __future__ import annotations

import inspect
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.errors import Trap
from refimpl.exec import numerics as n
from refimpl.syntax.opcodes import FC, OPS, prefixed
from refimpl.syntax.types import F32, F64, I32, I64

M32, M64 = 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF
F32_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7F_FFFF))[0]

b32 = n.f32_from_bits
b64 = n.f64_from_bits
bits32 = n.f32_to_bits
bits64 = n.f64_to_bits


def canonical32(x: float) -> bool:
    return bits32(x) & 0x7FFF_FFFF == 0x7FC0_0000


def arithmetic32(x: float) -> bool:
    return bits32(x) & 0x7FC0_0000 == 0x7FC0_0000


def canonical64(x: float) -> bool:
    return bits64(x) & M64 >> 1 == 0x7FF8_0000_0000_0000


def arithmetic64(x: float) -> bool:
    return bits64(x) & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000


def in_f32_scheme(x: float) -> bool:
    """A float is a valid f32 value in the module's representation."""
    if x != x:
        d = bits64(x)
        return d & (1 << 29) - 1 == 0 and d & 0x000F_FFFF_E000_0000 != 0
    return math.isinf(x) or struct.unpack("<f", struct.pack("<f", x))[0] == x


def same32(x: float, y: float) -> bool:
    return bits64(x) == bits64(y)


# ---------------------------------------------------------------------------
# The table


def test_numeric_ops_cover_exactly_the_scalar_numeric_instructions():
    numeric = {I32, I64, F32, F64}
    sat = range(prefixed(FC, 0), prefixed(FC, 7) + 1)
    expected = {
        code
        for code, info in OPS.items()
        if (code < 0x100 or code in sat)
        and info.params is not None
        and info.results is not None
        and not info.name.endswith(".const")
        and len(info.params) >= 1
        and len(info.results) == 1
        and set(info.params) | set(info.results) <= numeric
    }
    assert set(n.NUMERIC_OPS) == expected
    assert len(expected) == 136  # 0x45-0xC4 and 0xFC 0x00-0x07
    for code, fn in n.NUMERIC_OPS.items():
        info = OPS[code]
        assert getattr(n, info.ident) is fn, info.name
        assert len(inspect.signature(fn).parameters) == len(info.params), info.name
        assert info.ident in n.__all__


# ---------------------------------------------------------------------------
# Representation: bits and f32 rounding

F32_SPECIAL = [
    0x0000_0000,
    0x8000_0000,
    0x0000_0001,
    0x807F_FFFF,
    0x0080_0000,
    0x7F7F_FFFF,
    0x7F80_0000,
    0xFF80_0000,
    0x7FC0_0000,
    0xFFC0_0000,
    0x7FA0_0000,
    0xFFA0_0001,
    0x7F80_0001,
    0x7FBF_FFFF,
    0x7FFF_FFFF,
    0xFFFF_FFFF,
    0x7FC0_0001,
    0x3F80_0000,
]
F64_SPECIAL = [
    0,
    1 << 63,
    1,
    0x7FEF_FFFF_FFFF_FFFF,
    0x7FF0_0000_0000_0000,
    0xFFF0_0000_0000_0000,
    0x7FF8_0000_0000_0000,
    0xFFF8_0000_0000_0000,
    0x7FF0_0000_0000_0001,
    0xFFF4_0000_0000_0000,
    0x7FF7_FFFF_FFFF_FFFF,
    0x7FF8_0000_0000_0001,
    M64,
]


@pytest.mark.parametrize("b", F32_SPECIAL, ids=hex)
def test_f32_bits_round_trip(b):
    x = b32(b)
    assert bits32(x) == b
    assert in_f32_scheme(x)


@pytest.mark.parametrize("b", F64_SPECIAL, ids=hex)
def test_f64_bits_round_trip(b):
    assert bits64(b64(b)) == b


@settings(max_examples=2000, deadline=None, database=None)
@given(st.integers(0, M32), st.integers(0, M64))
def test_bits_round_trip_property(b, d):
    assert bits32(b32(b)) == b
    assert bits64(b64(d)) == d


def test_f32_nan_mapping():
    # sign, quiet bit and payload move to the top of the double's payload
    assert bits64(b32(0x7FA0_0000)) == 0x7FF4_0000_0000_0000  # sNaN stays signalling
    assert bits64(b32(0xFFC0_0000)) == 0xFFF8_0000_0000_0000  # canonical -> canonical
    assert bits64(b32(0x7F80_0001)) == 0x7FF0_0000_2000_0000
    assert bits64(b32(0x7F80_0000)) == 0x7FF0_0000_0000_0000  # inf is no NaN
    # a double NaN outside the scheme never becomes an infinity
    assert bits32(b64(0x7FF0_0000_0000_0001)) == 0x7FC0_0000
    assert bits32(b64(0xFFF0_0000_1FFF_FFFF)) == 0xFFC0_0000


def test_canonical_nan_constant():
    assert bits64(n._NAN) == 0x7FF8_0000_0000_0000
    assert bits32(n._NAN) == 0x7FC0_0000


def test_reinterpret_round_trips_signalling_nans():
    for b in (0x7FA0_0000, 0xFF80_0001, 0x7FBF_FFFF):
        assert n.i32_reinterpret_f32(n.f32_reinterpret_i32(b)) == b
    for d in (0x7FF0_0000_0000_0001, 0xFFF4_0000_0000_0000):
        assert n.i64_reinterpret_f64(n.f64_reinterpret_i64(d)) == d
    assert n.i32_reinterpret_f32(-0.0) == 0x8000_0000
    assert n.f64_reinterpret_i64(0x3FF0_0000_0000_0000) == 1.0


def test_f32_round_ties_and_overflow():
    r = n.f32_round
    assert r(1 + 2.0**-24) == 1.0  # tie -> even
    assert r(1 + 3 * 2.0**-24) == 1 + 2.0**-22  # tie -> even (up)
    assert r(1 + 2.0**-24 + 2.0**-50) == 1 + 2.0**-23
    threshold = 2.0**128 - 2.0**103  # FLT_MAX + half an ulp: the tie rounds up to inf
    assert r(threshold) == math.inf
    assert r(-threshold) == -math.inf
    assert r(math.nextafter(threshold, 0)) == F32_MAX  # just below: down to FLT_MAX
    assert r(-math.nextafter(threshold, 0)) == -F32_MAX
    assert r(1e300) == math.inf and r(-1e300) == -math.inf
    assert r(math.inf) == math.inf
    # subnormals: 2**-150 is the tie between 0 and the least subnormal
    assert same32(r(2.0**-150), 0.0)
    assert same32(r(-(2.0**-150)), -0.0)
    assert r(1.5 * 2.0**-149) == 2 * 2.0**-149
    assert r(math.nextafter(2.0**-150, 1)) == 2.0**-149
    assert same32(r(-0.0), -0.0)


def test_f32_round_nan_is_quiet_f32_nan():
    for d, expect in [
        (0x7FF8_0000_0000_0000, 0x7FC0_0000),
        (0xFFF8_0000_0000_0000, 0xFFC0_0000),
        (0x7FF0_0000_0000_0001, 0x7FC0_0000),  # signalling, payload in the low bits
        (0x7FF4_0000_2000_0000, 0x7FE0_0001),
        (0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF),
    ]:
        x = n.f32_round(b64(d))
        assert in_f32_scheme(x)
        assert bits32(x) == expect


# ---------------------------------------------------------------------------
# Bitwise float operations must not touch NaNs


@pytest.mark.parametrize("b", [0x7FA0_0000, 0xFF80_0001, 0x7FC0_0000, 0xFFFF_FFFF])
def test_f32_neg_abs_copysign_bitwise(b):
    x = b32(b)
    assert bits32(n.f32_neg(x)) == b ^ 0x8000_0000
    assert bits32(n.f32_abs(x)) == b & 0x7FFF_FFFF
    assert bits32(n.f32_copysign(x, -1.0)) == b | 0x8000_0000
    assert bits32(n.f32_copysign(x, 1.0)) == b & 0x7FFF_FFFF
    assert bits32(n.f32_copysign(1.0, x)) == 0x3F80_0000 | (b & 0x8000_0000)


@pytest.mark.parametrize("d", [0x7FF0_0000_0000_0001, 0xFFF4_0000_0000_0000, 0x7FF8_0000_0000_0001])
def test_f64_neg_abs_copysign_bitwise(d):
    x = b64(d)
    s = 1 << 63
    assert bits64(n.f64_neg(x)) == d ^ s
    assert bits64(n.f64_abs(x)) == d & ~s
    assert bits64(n.f64_copysign(x, b64(s | 0x7FF0_0000_0000_0001))) == d | s
    assert bits64(n.f64_copysign(2.0, x)) == 0x4000_0000_0000_0000 | (d & s)


# ---------------------------------------------------------------------------
# Integers


def test_comparisons_return_int():
    for fn, args in [
        (n.i32_eqz, (0,)),
        (n.i64_eq, (3, 3)),
        (n.f32_lt, (1.0, 2.0)),
        (n.f64_ne, (math.nan, math.nan)),
        (n.i32_lt_s, (M32, 0)),
    ]:
        r = fn(*args)
        assert type(r) is int and r == 1


def test_signed_comparisons():
    assert n.i32_lt_s(0xFFFF_FFFF, 0) == 1 and n.i32_lt_u(0xFFFF_FFFF, 0) == 0
    assert n.i32_gt_s(0x7FFF_FFFF, 0x8000_0000) == 1
    assert n.i32_le_s(0x8000_0000, 0x8000_0000) == 1
    assert n.i32_ge_s(0x8000_0000, 0x7FFF_FFFF) == 0
    assert n.i64_lt_s(M64, 0) == 1 and n.i64_lt_u(M64, 0) == 0
    assert n.i64_ge_s(1 << 63, 1) == 0 and n.i64_ge_u(1 << 63, 1) == 1


def test_wrapping_arithmetic():
    assert n.i32_add(M32, 1) == 0
    assert n.i32_sub(0, 1) == M32
    assert n.i32_mul(0x1_0001, 0x1_0001) == 0x0002_0001
    assert n.i64_add(M64, 2) == 1
    assert n.i64_sub(0, 1) == M64
    assert n.i64_mul(1 << 63, 2) == 0


@pytest.mark.parametrize(
    "a, b, q, r",
    [
        (7, 2, 3, 1),
        (-7, 2, -3, -1),
        (7, -2, -3, 1),
        (-7, -2, 3, -1),
        (-8, 2, -4, 0),
        (1, -1, -1, 0),
        (0, -5, 0, 0),
    ],
)
def test_division_truncates_toward_zero(a, b, q, r):
    assert n.i32_div_s(a & M32, b & M32) == q & M32
    assert n.i32_rem_s(a & M32, b & M32) == r & M32
    assert n.i64_div_s(a & M64, b & M64) == q & M64
    assert n.i64_rem_s(a & M64, b & M64) == r & M64


def test_division_large_i64_exact():
    a, b = (1 << 63) - 1, 3
    assert n.i64_div_s(a, b) == a // 3
    assert n.i64_div_s(-a & M64, b) == -(a // 3) & M64
    assert n.i64_div_u(M64, 3) == M64 // 3
    assert n.i64_rem_u(M64, 10) == 5


def test_int_min_div_minus_one_traps_rem_does_not():
    with pytest.raises(Trap, match=r"^integer overflow$"):
        n.i32_div_s(0x8000_0000, M32)
    with pytest.raises(Trap, match=r"^integer overflow$"):
        n.i64_div_s(1 << 63, M64)
    assert n.i32_rem_s(0x8000_0000, M32) == 0
    assert n.i64_rem_s(1 << 63, M64) == 0
    assert n.i32_div_u(0x8000_0000, M32) == 0
    assert n.i32_div_s(0x8000_0000, 1) == 0x8000_0000


@pytest.mark.parametrize("name", ["div_s", "div_u", "rem_s", "rem_u"])
def test_divide_by_zero(name):
    for fn in (getattr(n, "i32_" + name), getattr(n, "i64_" + name)):
        with pytest.raises(Trap, match=r"^integer divide by zero$"):
            fn(1, 0)
        with pytest.raises(Trap, match=r"^integer divide by zero$"):
            fn(0, 0)
    with pytest.raises(Trap, match=r"^integer divide by zero$"):
        n.i32_div_s(0x8000_0000, 0)


def test_shifts_take_count_mod_width():
    assert n.i32_shl(1, 32) == 1 and n.i32_shl(1, 33) == 2 and n.i32_shl(1, 31) == 0x8000_0000
    assert n.i32_shl(3, 0xFFFF_FFFF) == 0x8000_0000
    assert n.i32_shr_u(0x8000_0000, 63) == 1
    assert n.i32_shr_s(0x8000_0000, 31) == M32
    assert n.i32_shr_s(0x8000_0000, 32) == 0x8000_0000
    assert n.i32_shr_s(0x4000_0000, 30) == 1
    assert n.i64_shl(1, 64) == 1 and n.i64_shl(1, 127) == 1 << 63
    assert n.i64_shr_s(1 << 63, 63) == M64
    assert n.i64_shr_s(1 << 63, 64) == 1 << 63
    assert n.i64_shr_u(1 << 63, 0xFFFF_FFFF_FFFF_FFFF) == 1


def test_rotates():
    assert n.i32_rotl(0x8000_0001, 1) == 3
    assert n.i32_rotl(0x1234_5678, 0) == 0x1234_5678
    assert n.i32_rotl(0x1234_5678, 32) == 0x1234_5678
    assert n.i32_rotl(0x1234_5678, 4) == 0x2345_6781
    assert n.i32_rotr(0x1234_5678, 4) == 0x8123_4567
    assert n.i32_rotr(0x1234_5678, 36) == 0x8123_4567
    assert n.i32_rotr(1, 0) == 1
    assert n.i64_rotl(1 << 63, 1) == 1
    assert n.i64_rotr(1, 1) == 1 << 63
    assert n.i64_rotr(0xABCD, 64) == 0xABCD
    assert n.i64_rotl(0x0123_4567_89AB_CDEF, 68) == 0x1234_5678_9ABC_DEF0


def test_bit_counts():
    assert n.i32_clz(0) == 32 and n.i32_ctz(0) == 32 and n.i32_popcnt(0) == 0
    assert n.i64_clz(0) == 64 and n.i64_ctz(0) == 64 and n.i64_popcnt(0) == 0
    assert n.i32_clz(1) == 31 and n.i32_clz(M32) == 0 and n.i32_ctz(0x8000_0000) == 31
    assert n.i64_clz(1) == 63 and n.i64_ctz(1 << 63) == 63 and n.i64_popcnt(M64) == 64
    assert n.i32_ctz(0x0001_0100) == 8


def test_sign_extension():
    assert n.i32_extend8_s(0x80) == 0xFFFF_FF80 and n.i32_extend8_s(0x7F) == 0x7F
    assert n.i32_extend8_s(0x1234_5680) == 0xFFFF_FF80
    assert n.i32_extend16_s(0x8000) == 0xFFFF_8000 and n.i32_extend16_s(0xFFFF_7FFF) == 0x7FFF
    assert n.i64_extend8_s(0xFF) == M64
    assert n.i64_extend16_s(0x1_8000) == 0xFFFF_FFFF_FFFF_8000
    assert n.i64_extend32_s(0x8000_0000) == 0xFFFF_FFFF_8000_0000
    assert n.i64_extend32_s(0xFFFF_FFFF_7FFF_FFFF) == 0x7FFF_FFFF
    assert n.i64_extend_i32_s(0x8000_0000) == 0xFFFF_FFFF_8000_0000
    assert n.i64_extend_i32_s(0x7FFF_FFFF) == 0x7FFF_FFFF
    assert n.i64_extend_i32_u(0x8000_0000) == 0x8000_0000
    assert n.i32_wrap_i64(0x1_2345_6789) == 0x2345_6789


# ---------------------------------------------------------------------------
# Floats


def test_f64_division_by_zero_follows_ieee():
    assert n.f64_div(1.0, 0.0) == math.inf
    assert n.f64_div(-1.0, 0.0) == -math.inf
    assert n.f64_div(1.0, -0.0) == -math.inf
    assert n.f64_div(-1.0, -0.0) == math.inf
    assert canonical64(n.f64_div(0.0, 0.0))
    assert canonical64(n.f64_div(-0.0, 0.0))
    snan = b64(0x7FF0_0000_0000_0001)
    assert bits64(n.f64_div(snan, 0.0)) == 0x7FF8_0000_0000_0001  # propagated, quieted
    assert n.f32_div(F32_MAX, 0.0) == math.inf
    assert canonical32(n.f32_div(0.0, -0.0))


def test_invalid_operations_give_canonical_nans():
    assert canonical64(n.f64_sub(math.inf, math.inf))
    assert canonical64(n.f64_mul(0.0, -math.inf))
    assert canonical64(n.f64_sqrt(-1.0)) and canonical64(n.f64_sqrt(-math.inf))
    assert canonical32(n.f32_sqrt(-(2.0**-149)))
    assert canonical32(n.f32_add(math.inf, -math.inf))
    assert canonical32(n.f32_mul(math.inf, 0.0))
    assert canonical32(n.f32_div(math.inf, math.inf))


def test_sqrt_signed_zero():
    assert same32(n.f64_sqrt(-0.0), -0.0)
    assert same32(n.f32_sqrt(-0.0), -0.0)
    assert n.f32_sqrt(2.0) == n.f32_round(math.sqrt(2.0))


ARITH_F32 = ["add", "sub", "mul", "div", "min", "max"]
UNARY_F32 = ["sqrt", "ceil", "floor", "trunc", "nearest"]


@pytest.mark.parametrize("width", [32, 64])
def test_nan_operands_give_arithmetic_nans(width):
    frombits, tobits = (b32, bits32) if width == 32 else (b64, bits64)
    arith = arithmetic32 if width == 32 else arithmetic64
    canon = canonical32 if width == 32 else canonical64
    snan = frombits(0x7FA0_0001 if width == 32 else 0x7FF4_0000_0000_0001)
    qnan = frombits(0xFFC0_0000 if width == 32 else 0xFFF8_0000_0000_0000)
    for name in ARITH_F32:
        fn = getattr(n, f"f{width}_{name}")
        for args in [(snan, 1.0), (1.0, snan), (snan, qnan), (snan, math.inf)]:
            r = fn(*args)
            assert arith(r), (name, args)
            if width == 32:
                assert in_f32_scheme(r)
        for args in [(qnan, 1.0), (2.0, qnan), (qnan, qnan)]:
            assert canon(fn(*args)), (name, args)
    for name in UNARY_F32:
        fn = getattr(n, f"f{width}_{name}")
        r = fn(snan)
        assert arith(r) and tobits(r) & 0xFFFF == 1, name  # payload kept
        assert canon(fn(qnan)), name
        if width == 32:
            assert in_f32_scheme(r)


def test_min_max():
    for mn, mx in [(n.f32_min, n.f32_max), (n.f64_min, n.f64_max)]:
        assert same32(mn(-0.0, 0.0), -0.0) and same32(mn(0.0, -0.0), -0.0)
        assert same32(mx(-0.0, 0.0), 0.0) and same32(mx(0.0, -0.0), 0.0)
        assert same32(mn(0.0, 0.0), 0.0) and same32(mx(-0.0, -0.0), -0.0)
        assert same32(mn(-0.0, -0.0), -0.0) and same32(mx(0.0, 0.0), 0.0)
        assert mn(-math.inf, 1.0) == -math.inf and mx(math.inf, 1.0) == math.inf
        assert mn(3.0, 3.0) == 3.0 and mx(-3.0, -3.0) == -3.0
        assert mn(1.0, 2.0) == 1.0 and mx(1.0, 2.0) == 2.0
        assert math.isnan(mn(math.nan, 1.0)) and math.isnan(mx(1.0, math.nan))
        assert math.isnan(mn(-math.inf, math.nan)) and math.isnan(mx(math.inf, math.nan))


@pytest.mark.parametrize(
    "x, ceil, floor, trunc, nearest",
    [
        (-0.5, -0.0, -1.0, -0.0, -0.0),
        (0.5, 1.0, 0.0, 0.0, 0.0),
        (-0.0, -0.0, -0.0, -0.0, -0.0),
        (0.0, 0.0, 0.0, 0.0, 0.0),
        (1.5, 2.0, 1.0, 1.0, 2.0),
        (2.5, 3.0, 2.0, 2.0, 2.0),
        (-2.5, -2.0, -3.0, -2.0, -2.0),
        (-1.5, -1.0, -2.0, -1.0, -2.0),
        (0.49999997, 1.0, 0.0, 0.0, 0.0),
        (-0.9, -0.0, -1.0, -0.0, -1.0),
        (2.0**52 - 0.5, 2.0**52, 2.0**52 - 1, 2.0**52 - 1, 2.0**52),
        (2.0**52 + 1, 2.0**52 + 1, 2.0**52 + 1, 2.0**52 + 1, 2.0**52 + 1),
        (-(2.0**60), -(2.0**60), -(2.0**60), -(2.0**60), -(2.0**60)),
        (math.inf, math.inf, math.inf, math.inf, math.inf),
        (-math.inf, -math.inf, -math.inf, -math.inf, -math.inf),
    ],
)
def test_rounding_to_integral(x, ceil, floor, trunc, nearest):
    for width in (32, 64):
        for name, want in [
            ("ceil", ceil),
            ("floor", floor),
            ("trunc", trunc),
            ("nearest", nearest),
        ]:
            got = getattr(n, f"f{width}_{name}")(x)
            assert same32(got, want), (width, name, x, got)


def test_f32_rounding_to_integral_of_large_f32():
    x = b32(0x4B00_0001)  # 2**23 + 1: already integral
    assert n.f32_nearest(x) == x and n.f32_ceil(x) == x
    y = b32(0x4AFF_FFFF)  # 2**23 - 0.5
    assert n.f32_nearest(y) == 2.0**23 and n.f32_floor(y) == 2.0**23 - 1


def test_f32_arithmetic_rounds_once_and_overflows():
    assert n.f32_add(F32_MAX, F32_MAX) == math.inf
    assert n.f32_sub(-F32_MAX, F32_MAX) == -math.inf
    assert n.f32_mul(F32_MAX, -2.0) == -math.inf
    assert n.f32_div(F32_MAX, 0.5) == math.inf
    ulp = 2.0**104
    assert n.f32_add(F32_MAX, ulp / 4) == F32_MAX
    assert n.f32_add(F32_MAX, ulp / 2) == math.inf  # the tie rounds to even: inf
    assert n.f32_add(1.0, 2.0**-24) == 1.0
    assert n.f32_add(1.0, b32(0x3380_0001)) == b32(0x3F80_0001)  # 2**-24 + tiny: up
    assert n.f32_mul(2.0**-149, 0.5) == 0.0
    assert same32(n.f32_mul(-(2.0**-149), 0.5), -0.0)
    assert n.f32_div(1.0, 3.0) == b32(0x3EAA_AAAB)
    assert n.f32_sqrt(b32(0x7F7F_FFFF)) == b32(0x5F7F_FFFF)
    for x in (n.f32_add(0.1, 0.2), n.f32_div(1.0, 3.0), n.f32_sqrt(3.0)):
        assert in_f32_scheme(x)


# ---------------------------------------------------------------------------
# Conversions


@pytest.mark.parametrize(
    "fn, ok, bad",
    [
        (
            n.i32_trunc_f64_s,
            [(-2147483648.9, 0x8000_0000), (2147483647.9, 0x7FFF_FFFF), (-0.9, 0), (-1.5, M32)],
            [-2147483649.0, 2147483648.0],
        ),
        (
            n.i32_trunc_f64_u,
            [(-0.9, 0), (4294967295.9, M32), (2147483648.0, 0x8000_0000)],
            [-1.0, 4294967296.0],
        ),
        (
            n.i32_trunc_f32_s,
            [(-2147483648.0, 0x8000_0000), (b32(0x4EFF_FFFF), 2147483520)],
            [2147483648.0, b32(0xCF00_0001)],
        ),
        (
            n.i32_trunc_f32_u,
            [(b32(0x4F7F_FFFF), 4294967040), (b32(0xBF7F_FFFF), 0)],
            [4294967296.0, -1.0],
        ),
        (
            n.i64_trunc_f64_s,
            [(-(2.0**63), 1 << 63), (math.nextafter(2.0**63, 0), 2**63 - 1024)],
            [2.0**63, math.nextafter(-(2.0**63), -math.inf)],
        ),
        (
            n.i64_trunc_f64_u,
            [(math.nextafter(2.0**64, 0), 2**64 - 2048), (-0.99, 0)],
            [2.0**64, -1.0],
        ),
        (
            n.i64_trunc_f32_s,
            [(-(2.0**63), 1 << 63), (b32(0x5EFF_FFFF), 2**63 - 2**39)],
            [2.0**63, b32(0xDF00_0001)],
        ),
        (n.i64_trunc_f32_u, [(b32(0x5F7F_FFFF), 2**64 - 2**40)], [2.0**64, -1.0]),
    ],
)
def test_trunc_limits_and_traps(fn, ok, bad):
    for x, want in ok:
        assert fn(x) == want, x
    for x in [*bad, math.inf, -math.inf]:
        with pytest.raises(Trap, match=r"^integer overflow$"):
            fn(x)
    for nan in (math.nan, b64(0xFFF0_0000_0000_0001), b32(0x7FA0_0000)):
        with pytest.raises(Trap, match=r"^invalid conversion to integer$"):
            fn(nan)


def test_trunc_sat():
    nans = [math.nan, -math.nan, b32(0xFFA0_0000), b64(0x7FF0_0000_0000_0001)]
    cases = [
        (n.i32_trunc_sat_f64_s, 0x7FFF_FFFF, 0x8000_0000, -2147483648.9, 0x8000_0000),
        (n.i32_trunc_sat_f32_s, 0x7FFF_FFFF, 0x8000_0000, -1.5, M32),
        (n.i32_trunc_sat_f64_u, M32, 0, 4294967295.5, M32),
        (n.i32_trunc_sat_f32_u, M32, 0, -0.99, 0),
        (n.i64_trunc_sat_f64_s, 2**63 - 1, 1 << 63, -(2.0**63), 1 << 63),
        (n.i64_trunc_sat_f32_s, 2**63 - 1, 1 << 63, -1.0, M64),
        (n.i64_trunc_sat_f64_u, M64, 0, math.nextafter(2.0**64, 0), 2**64 - 2048),
        (n.i64_trunc_sat_f32_u, M64, 0, 1.9, 1),
    ]
    for fn, hi, lo, x, want in cases:
        assert fn(math.inf) == hi and fn(1e30) == hi and fn(2.0**64) == hi
        assert fn(-math.inf) == lo and fn(-1e30) == lo and fn(-(2.0**64)) == lo
        assert fn(x) == want
        for nan in nans:
            assert fn(nan) == 0


@pytest.mark.parametrize(
    "a, want",
    [
        # from conversions.wast: a single rounding to 24 bits, ties to even
        (0x0020_0000_2000_0001, 0x5A00_0001),  # 0x1.000002p+53
        (0x7FFF_FF40_0000_0001, 0x5EFF_FFFF),  # 0x1.fffffep+62
        (0x8000_0080_0000_0001, 0x5F00_0001),  # 0x1.000002p+63
        (0xFFFF_FE80_0000_0001, 0x5F7F_FFFF),  # 0x1.fffffep+63
        (0x1000_0010_0000_0001, 0x5D80_0001),  # 2**60 + 2**36 + 1: above the tie
        (0x1000_0010_0000_0000, 0x5D80_0000),  # exactly the tie: even (down)
        (0x1000_0030_0000_0000, 0x5D80_0002),  # the tie: even (up)
        (0xFFFF_FFFF_FFFF_FFFF, 0x5F80_0000),  # 2**64
        (0x0000_0000_0100_0001, 0x4B80_0000),  # 2**24 + 1 -> 2**24
        (0x0000_0000_0100_0003, 0x4B80_0002),
    ],
)
def test_f32_convert_i64_u_rounds_once(a, want):
    assert bits32(n.f32_convert_i64_u(a)) == want
    if a < 1 << 63:
        assert bits32(n.f32_convert_i64_s(a)) == want
        assert bits32(n.f32_convert_i64_s(-a & M64)) == want | 0x8000_0000


def test_int_to_float_conversions():
    assert n.f32_convert_i64_s(1 << 63) == -(2.0**63)
    assert n.f32_convert_i64_s(M64) == -1.0
    assert same32(n.f32_convert_i64_s(0), 0.0)
    assert n.f32_convert_i32_s(0x8000_0000) == -(2.0**31)
    assert n.f32_convert_i32_u(M32) == 2.0**32
    assert bits32(n.f32_convert_i32_s(0x0100_0001)) == 0x4B80_0000  # 16777217 -> even
    assert bits32(n.f32_convert_i32_u(0x7FFF_FFC0)) == 0x4F00_0000
    assert n.f64_convert_i32_s(M32) == -1.0 and n.f64_convert_i32_u(M32) == 4294967295.0
    assert n.f64_convert_i64_u(0x0020_0000_0000_0001) == 2.0**53  # tie -> even
    assert n.f64_convert_i64_u(0x0020_0000_0000_0003) == 2.0**53 + 4
    assert n.f64_convert_i64_s(1 << 63) == -(2.0**63)
    assert n.f64_convert_i64_u(M64) == 2.0**64
    assert n.f64_convert_i64_s(-0x0020_0000_0000_0001 & M64) == -(2.0**53)


def test_promote_demote():
    snan32 = b32(0x7FA0_0001)
    p = n.f64_promote_f32(snan32)
    assert arithmetic64(p) and bits64(p) == 0x7FFC_0000_2000_0000
    assert canonical64(n.f64_promote_f32(b32(0xFFC0_0000)))
    assert same32(n.f64_promote_f32(-0.0), -0.0)
    assert n.f64_promote_f32(b32(0x7F7F_FFFF)) == F32_MAX
    d = n.f32_demote_f64
    assert bits32(d(b64(0x7FF0_0000_0000_0001))) == 0x7FC0_0000  # sNaN -> quiet
    assert bits32(d(b64(0xFFF4_0000_2000_0000))) == 0xFFE0_0001
    assert canonical32(d(b64(0x7FF8_0000_0000_0000)))
    assert d(2.0**128 - 2.0**103) == math.inf
    assert d(math.nextafter(2.0**128 - 2.0**103, 0)) == F32_MAX
    assert d(-1e300) == -math.inf
    assert same32(d(-(2.0**-1074)), -0.0)
    assert d(1 + 2.0**-24) == 1.0
    assert d(b64(0x3FF0_0000_1000_0001)) == b32(0x3F80_0001)  # above the tie: up
