"""Scalar numeric semantics of Wasm 2.0 (spec 4.3 "Numerics").

Every numeric instruction -- opcodes 0x45-0xC4 and the saturating truncations
0xFC 0x00-0x07 -- has a function here named by its ``OpInfo.ident``
(``i32.add`` -> ``i32_add``).  It takes the operands in stack order (first
pushed = first argument) and returns the single result, or raises
``refimpl.errors.Trap`` with the spec interpreter's message.  ``NUMERIC_OPS``
maps each such opcode to its function; ``WIDE_OPS`` the wide-arithmetic
proposal's, which return two results as a tuple.

Value representation (shared with the executors):

``i32`` ``i64``
    ``int`` holding the unsigned bit pattern (``0 <= v < 2**N``).  Signed
    operations convert explicitly; results are masked back into range.
``f64``
    ``float``, bit-exact, NaN payloads and signalling NaNs included.  Only
    ``-x``, ``abs`` and ``math.copysign`` touch a NaN without quieting it
    (they are bit operations on x86-64; see the tests).
``f32``
    ``float`` too, whose value is exactly an f32 value.  An f32 NaN with sign
    ``s`` and 23-bit payload ``p`` is the double NaN with sign ``s`` and 52-bit
    payload ``p << 29``: the quiet bit maps to the quiet bit, so an f32
    signalling NaN is a double signalling NaN.  (Widening through C, e.g.
    ``struct`` format ``'f'``, would quiet it: use ``f32_from_bits``.)

Arithmetic on f32 computes in double and rounds once to f32, which is exact
for + - * / and sqrt (53 >= 2 * 24 + 2).  Results that are NaN follow spec
4.3.3: a NaN operand propagates quieted (an arithmetic NaN; canonical if it
was canonical), and a NaN made from non-NaN operands (inf - inf, 0 / 0,
sqrt(-1)) is a canonical NaN of either sign -- which is what the x86-64 SSE
double operations that CPython executes produce.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

from ..errors import Trap
from ..syntax.opcodes import FC, OPS, prefixed
from ..syntax.types import F32, F64, I32, I64

M32 = 0xFFFF_FFFF
S32 = 0x8000_0000  # the sign bit
M64 = 0xFFFF_FFFF_FFFF_FFFF
S64 = 0x8000_0000_0000_0000

_INF = math.inf
_NEG_INF = -math.inf
# The positive canonical NaN, 0x7FF8_0000_0000_0000 (also as an f32: 0x7FC0_0000).
_NAN = math.nan

_DIV_ZERO = "integer divide by zero"
_OVERFLOW = "integer overflow"
_BAD_CONVERSION = "invalid conversion to integer"

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")
_pack_f32, _unpack_f32 = _F32.pack, _F32.unpack
_pack_u32, _unpack_u32 = _U32.pack, _U32.unpack
_pack_f64, _unpack_f64 = _F64.pack, _F64.unpack
_pack_u64, _unpack_u64 = _U64.pack, _U64.unpack

_sqrt = math.sqrt
_copysign = math.copysign
_ceil = math.ceil
_floor = math.floor

_TWO52 = 4503599627370496.0  # 2.0**52: every double at least this large is an integer
_TWO53 = 1 << 53


# ---------------------------------------------------------------------------
# Bit patterns and rounding to f32


def f64_from_bits(b: int) -> float:
    """The f64 with bit pattern ``b`` (exact, signalling NaNs included)."""
    return _unpack_f64(_pack_u64(b))[0]


def f64_to_bits(x: float) -> int:
    """The bit pattern of the f64 ``x``."""
    return _unpack_u64(_pack_f64(x))[0]


def f32_from_bits(b: int) -> float:
    """The f32 with bit pattern ``b``, in the module's representation."""
    if b & 0x7FFF_FFFF <= 0x7F80_0000:
        # Not a NaN: C's float -> double widening is exact.
        return _unpack_f32(_pack_u32(b))[0]
    # A NaN: widen by hand, since C would quiet a signalling NaN.
    return _unpack_f64(_pack_u64((b & S32) << 32 | 0x7FF0_0000_0000_0000 | (b & 0x7F_FFFF) << 29))[
        0
    ]


def f32_to_bits(x: float) -> int:
    """The bit pattern of the f32 ``x`` (a float holding an f32 value)."""
    if x == x:
        return _unpack_u32(_pack_f32(x))[0]
    d = _unpack_u64(_pack_f64(x))[0]
    # A NaN: the top 23 payload bits.  A double NaN outside the scheme (payload
    # only in the low 29 bits) becomes the quiet NaN of its sign, never an inf.
    return (d >> 32 & S32) | 0x7F80_0000 | ((d >> 29 & 0x7F_FFFF) or 0x40_0000)


def _f32_inf(x: float) -> float:
    # struct refuses finite doubles that round to an f32 infinity (at or above
    # FLT_MAX + half an ulp); those that round down to FLT_MAX pack fine.
    return _INF if x > 0.0 else _NEG_INF


def _f32_quiet_nan(x: float) -> float:
    # A double NaN -> the quiet f32 NaN (as a double) with its sign and the top
    # 23 bits of its payload: clear the low 29 payload bits, set the quiet bit.
    d = _unpack_u64(_pack_f64(x))[0]
    return _unpack_f64(_pack_u64(d & 0xFFFF_FFFF_E000_0000 | 0x0008_0000_0000_0000))[0]


def f32_round(x: float) -> float:
    """``x`` rounded to the nearest f32 (ties to even; overflow to +-inf).

    A NaN becomes a quiet f32 NaN with the same sign and the top 23 bits of the
    payload (the low 29 payload bits zero)."""
    if x != x:
        return _f32_quiet_nan(x)
    try:
        # The C double -> float conversion rounds to nearest, ties to even.
        return _unpack_f32(_pack_f32(x))[0]
    except OverflowError:
        return _f32_inf(x)


# ---------------------------------------------------------------------------
# i32 and i64: one definition per operation, made for each width


def signed(bits: int, width: int) -> int:
    """signed_N (spec 4.3.1): the two's complement value of the low
    ``width`` bits of ``bits``."""
    bits &= (1 << width) - 1
    return bits - (1 << width) if bits >> (width - 1) else bits


# Written once, made for each width by ``_define_integer_ops``: ``iN_``
# becomes ``i32_``/``i64_``, and WIDTH, MASK (M32/M64), SIGN (S32/S64, the
# sign bit) and SHIFT (the shift count mask) become literal constants, which
# Python reads fastest (a closure's cells or module globals are measurably
# slower on these hot paths).
_INTEGER_OPS = """
def iN_eqz(a: int) -> int:
    return 0 if a else 1


def iN_eq(a: int, b: int) -> int:
    return 1 if a == b else 0


def iN_ne(a: int, b: int) -> int:
    return 1 if a != b else 0


# Flipping the sign bit maps signed order onto unsigned order.
def iN_lt_s(a: int, b: int) -> int:
    return 1 if (a ^ SIGN) < (b ^ SIGN) else 0


def iN_lt_u(a: int, b: int) -> int:
    return 1 if a < b else 0


def iN_gt_s(a: int, b: int) -> int:
    return 1 if (a ^ SIGN) > (b ^ SIGN) else 0


def iN_gt_u(a: int, b: int) -> int:
    return 1 if a > b else 0


def iN_le_s(a: int, b: int) -> int:
    return 1 if (a ^ SIGN) <= (b ^ SIGN) else 0


def iN_le_u(a: int, b: int) -> int:
    return 1 if a <= b else 0


def iN_ge_s(a: int, b: int) -> int:
    return 1 if (a ^ SIGN) >= (b ^ SIGN) else 0


def iN_ge_u(a: int, b: int) -> int:
    return 1 if a >= b else 0


def iN_clz(a: int) -> int:
    return WIDTH - a.bit_length()


def iN_ctz(a: int) -> int:
    # a & -a isolates the lowest set bit.
    return (a & -a).bit_length() - 1 if a else WIDTH


def iN_popcnt(a: int) -> int:
    return a.bit_count()


def iN_add(a: int, b: int) -> int:
    return (a + b) & MASK


def iN_sub(a: int, b: int) -> int:
    return (a - b) & MASK


def iN_mul(a: int, b: int) -> int:
    return (a * b) & MASK


def iN_div_s(a: int, b: int) -> int:
    if 0 < b < SIGN and a < SIGN:
        return a // b  # both non-negative: floor is truncation
    if not b:
        raise Trap(_DIV_ZERO)
    if a == SIGN and b == MASK:
        raise Trap(_OVERFLOW)
    # (v ^ S) - S reads the pattern v as two's complement.
    a = (a ^ SIGN) - SIGN
    b = (b ^ SIGN) - SIGN
    q = a // b
    # // rounds toward -inf; Wasm truncates toward zero.
    if q < 0 and q * b != a:
        q += 1
    return q & MASK


def iN_div_u(a: int, b: int) -> int:
    if not b:
        raise Trap(_DIV_ZERO)
    return a // b


def iN_rem_s(a: int, b: int) -> int:
    if 0 < b < SIGN and a < SIGN:
        return a % b  # both non-negative
    if not b:
        raise Trap(_DIV_ZERO)
    a = (a ^ SIGN) - SIGN
    # The remainder takes the dividend's sign (INT_MIN rem -1 = 0, no trap).
    r = abs(a) % abs((b ^ SIGN) - SIGN)
    return (-r & MASK) if a < 0 else r


def iN_rem_u(a: int, b: int) -> int:
    if not b:
        raise Trap(_DIV_ZERO)
    return a % b


def iN_and(a: int, b: int) -> int:
    return a & b


def iN_or(a: int, b: int) -> int:
    return a | b


def iN_xor(a: int, b: int) -> int:
    return a ^ b


def iN_shl(a: int, b: int) -> int:
    return (a << (b & SHIFT)) & MASK


def iN_shr_s(a: int, b: int) -> int:
    return (((a ^ SIGN) - SIGN) >> (b & SHIFT)) & MASK


def iN_shr_u(a: int, b: int) -> int:
    return a >> (b & SHIFT)


def iN_rotl(a: int, b: int) -> int:
    k = b & SHIFT
    # For k = 0, a >> WIDTH is 0.
    return ((a << k) | (a >> (WIDTH - k))) & MASK


def iN_rotr(a: int, b: int) -> int:
    k = b & SHIFT
    # For k = 0, a << WIDTH is masked away.
    return ((a >> k) | (a << (WIDTH - k))) & MASK
"""

# iN.extendM_s: sign-extend the low M bits (LOW their mask, TOP their sign bit).
_EXTEND_OP = """
def iN_extendM_s(a: int) -> int:
    return (((a & LOW) ^ TOP) - TOP) & MASK
"""


def _define_integer_ops(width: int) -> None:
    """Define i32_* or i64_* in this module from the sources above."""
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    source = _INTEGER_OPS
    for m in (8, 16, 32):
        if m < width:
            low, top = hex((1 << m) - 1), hex(1 << (m - 1))
            source += _EXTEND_OP.replace("M_s", f"{m}_s").replace("LOW", low).replace("TOP", top)
    for token, value in (
        ("iN_", f"i{width}_"),
        ("WIDTH", str(width)),
        ("MASK", hex(mask)),
        ("SIGN", hex(sign)),
        ("SHIFT", str(width - 1)),
    ):
        source = source.replace(token, value)
    exec(compile(source, f"<{__name__}: i{width} operations>", "exec"), globals())


_define_integer_ops(32)
_define_integer_ops(64)


# ---------------------------------------------------------------------------
# Wide arithmetic (proposal, 0xFC 0x13-0x16): 128-bit integers as two i64
# halves, low half first, on the stack as in the arguments; each returns
# (low, high).

_M128 = (1 << 128) - 1


def i64_add128(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> tuple[int, int]:
    r = ((a_hi << 64 | a_lo) + (b_hi << 64 | b_lo)) & _M128
    return r & M64, r >> 64


def i64_sub128(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> tuple[int, int]:
    r = ((a_hi << 64 | a_lo) - (b_hi << 64 | b_lo)) & _M128
    return r & M64, r >> 64


def i64_mul_wide_s(a: int, b: int) -> tuple[int, int]:
    r = (signed(a, 64) * signed(b, 64)) & _M128
    return r & M64, r >> 64


def i64_mul_wide_u(a: int, b: int) -> tuple[int, int]:
    r = a * b
    return r & M64, r >> 64


# ---------------------------------------------------------------------------
# f64 (and the f32 operations that are exact on doubles, aliased below)


def f64_eq(a: float, b: float) -> int:
    return 1 if a == b else 0


def f64_ne(a: float, b: float) -> int:
    return 1 if a != b else 0


def f64_lt(a: float, b: float) -> int:
    return 1 if a < b else 0


def f64_gt(a: float, b: float) -> int:
    return 1 if a > b else 0


def f64_le(a: float, b: float) -> int:
    return 1 if a <= b else 0


def f64_ge(a: float, b: float) -> int:
    return 1 if a >= b else 0


def f64_abs(x: float) -> float:
    return abs(x)  # fabs: clears the sign bit, NaNs untouched


def f64_neg(x: float) -> float:
    return -x  # flips the sign bit, NaNs untouched


def f64_copysign(a: float, b: float) -> float:
    return _copysign(a, b)  # bitwise, NaNs on either side included


# ceil/floor/trunc/nearest: below 2**52 in magnitude, round through an int and
# restore the sign of a zero result from x (ceil(-0.5) = -0.0; x * 0.0 is a
# zero with x's sign).  At or above 2**52, x is already an integer (or inf);
# NaN fails the range test too, and x * 1.0 returns it quieted.


def f64_ceil(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return float(_ceil(x)) or x * 0.0
    return x * 1.0


def f64_floor(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return float(_floor(x)) or x * 0.0
    return x * 1.0


def f64_trunc(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return float(int(x)) or x * 0.0
    return x * 1.0


def f64_nearest(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        # Adding 2**52 pushes the fraction out of the significand, so the
        # hardware rounds it to nearest, ties to even; copysign keeps -0.0.
        return _copysign(abs(x) + _TWO52 - _TWO52, x)
    return x * 1.0


def f64_sqrt(x: float) -> float:
    try:
        return _sqrt(x)  # sqrt(-0.0) = -0.0; a NaN comes back quieted
    except ValueError:  # x < 0: math.sqrt raises instead of making a NaN
        return _NAN


def f64_add(a: float, b: float) -> float:
    return a + b


def f64_sub(a: float, b: float) -> float:
    return a - b


def f64_mul(a: float, b: float) -> float:
    return a * b


def _div_by_zero(a: float, b: float) -> float:
    # Python refuses x / +-0.0.  IEEE: NaN / 0 propagates the NaN (quieted),
    # 0 / 0 is a canonical NaN, otherwise an infinity signed by the xor of signs.
    if a != a:
        return a * 1.0
    if a == 0.0:
        return _NAN
    return _copysign(_INF, a) * _copysign(1.0, b)


def f64_div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        return _div_by_zero(a, b)


# min/max: the ordered cases return an operand unchanged.  Equal operands are
# identical unless they are zeros of opposite signs: min(-0, +0) = -0 and
# -(-a - b) is -0.0 unless both are +0.0; max(-0, +0) = +0 and a + b is +0.0
# unless both are -0.0.  Unordered: a + b propagates the NaN quieted.


def f64_min(a: float, b: float) -> float:
    if a < b:
        return a
    if b < a:
        return b
    if a == b:
        return a if a else -(-a - b)
    return a + b


def f64_max(a: float, b: float) -> float:
    if a > b:
        return a
    if b > a:
        return b
    if a == b:
        return a if a else a + b
    return a + b


# ---------------------------------------------------------------------------
# f32
#
# The arithmetic ops inline f32_round's struct round trip (a Python call less
# on the hot path).  Their NaN results are quiet NaNs made by the double
# operation, which the C double -> float -> double round trip maps onto the
# representation (low 29 payload bits dropped).

f32_eq = f64_eq
f32_ne = f64_ne
f32_lt = f64_lt
f32_gt = f64_gt
f32_le = f64_le
f32_ge = f64_ge
f32_abs = f64_abs
f32_neg = f64_neg
f32_copysign = f64_copysign
# Integral results of f32 inputs are f32 values: below 2**23 every integer is
# one, above it the input is already integral.  A NaN input comes back quiet
# with its payload, which the representation keeps in the top 23 bits.
f32_ceil = f64_ceil
f32_floor = f64_floor
f32_trunc = f64_trunc
f32_nearest = f64_nearest
# min and max return an operand, a zero or a quieted NaN operand.
f32_min = f64_min
f32_max = f64_max


def f32_sqrt(x: float) -> float:
    try:
        return _unpack_f32(_pack_f32(_sqrt(x)))[0]
    except ValueError:
        return _NAN


def f32_add(a: float, b: float) -> float:
    try:
        return _unpack_f32(_pack_f32(a + b))[0]
    except OverflowError:
        return _f32_inf(a + b)


def f32_sub(a: float, b: float) -> float:
    try:
        return _unpack_f32(_pack_f32(a - b))[0]
    except OverflowError:
        return _f32_inf(a - b)


def f32_mul(a: float, b: float) -> float:
    try:
        return _unpack_f32(_pack_f32(a * b))[0]
    except OverflowError:
        return _f32_inf(a * b)


def f32_div(a: float, b: float) -> float:
    try:
        return _unpack_f32(_pack_f32(a / b))[0]
    except ZeroDivisionError:
        return _div_by_zero(a, b)  # +-inf or a NaN: f32 values already
    except OverflowError:
        return _f32_inf(a / b)


# ---------------------------------------------------------------------------
# Conversions


def i32_wrap_i64(a: int) -> int:
    return a & M32


# trunc: the range tests are exact in double (the bounds are exactly
# representable) and fail for NaN, which is told apart only when trapping.
# int(x) truncates toward zero.  f32 operands are doubles, so the f32
# variants are the same functions.


def i32_trunc_f64_s(x: float) -> int:
    if -2147483649.0 < x < 2147483648.0:
        return int(x) & M32
    raise Trap(_OVERFLOW if x == x else _BAD_CONVERSION)


def i32_trunc_f64_u(x: float) -> int:
    if -1.0 < x < 4294967296.0:
        return int(x)
    raise Trap(_OVERFLOW if x == x else _BAD_CONVERSION)


def i64_trunc_f64_s(x: float) -> int:
    # -2**63 - 1 is no double; the next double below -2**63 is out of range.
    if -9223372036854775808.0 <= x < 9223372036854775808.0:
        return int(x) & M64
    raise Trap(_OVERFLOW if x == x else _BAD_CONVERSION)


def i64_trunc_f64_u(x: float) -> int:
    if -1.0 < x < 18446744073709551616.0:
        return int(x)
    raise Trap(_OVERFLOW if x == x else _BAD_CONVERSION)


i32_trunc_f32_s = i32_trunc_f64_s
i32_trunc_f32_u = i32_trunc_f64_u
i64_trunc_f32_s = i64_trunc_f64_s
i64_trunc_f32_u = i64_trunc_f64_u


def i32_trunc_sat_f64_s(x: float) -> int:
    if -2147483649.0 < x < 2147483648.0:
        return int(x) & M32
    if x != x:
        return 0
    return 0x7FFF_FFFF if x > 0.0 else S32


def i32_trunc_sat_f64_u(x: float) -> int:
    if -1.0 < x < 4294967296.0:
        return int(x)
    return M32 if x > 0.0 else 0  # NaN -> 0


def i64_trunc_sat_f64_s(x: float) -> int:
    if -9223372036854775808.0 <= x < 9223372036854775808.0:
        return int(x) & M64
    if x != x:
        return 0
    return 0x7FFF_FFFF_FFFF_FFFF if x > 0.0 else S64


def i64_trunc_sat_f64_u(x: float) -> int:
    if -1.0 < x < 18446744073709551616.0:
        return int(x)
    return M64 if x > 0.0 else 0  # NaN -> 0


i32_trunc_sat_f32_s = i32_trunc_sat_f64_s
i32_trunc_sat_f32_u = i32_trunc_sat_f64_u
i64_trunc_sat_f32_s = i64_trunc_sat_f64_s
i64_trunc_sat_f32_u = i64_trunc_sat_f64_u


def i64_extend_i32_s(a: int) -> int:
    return ((a ^ S32) - S32) & M64


def i64_extend_i32_u(a: int) -> int:
    return a


# Integer -> float: float(int) is correctly rounded (ties to even), and exact
# below 2**53, so an i32 reaches f32 with a single rounding.  A larger i64
# must be rounded to 24 bits directly: float() first would round twice.


def f32_convert_i32_s(a: int) -> float:
    return _unpack_f32(_pack_f32(float((a ^ S32) - S32)))[0]


def f32_convert_i32_u(a: int) -> float:
    return _unpack_f32(_pack_f32(float(a)))[0]


def _f32_from_big(v: int) -> float:
    # v >= 2**53: keep the top 24 bits, round to nearest, ties to even.  The
    # result has at most 25 significant bits and is at most 2**64: exact.
    shift = v.bit_length() - 24
    q = v >> shift
    rest = v & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and q & 1):
        q += 1
    return float(q << shift)


def f32_convert_i64_s(a: int) -> float:
    v = (a ^ S64) - S64
    if -_TWO53 < v < _TWO53:
        return _unpack_f32(_pack_f32(float(v)))[0]
    return _f32_from_big(v) if v > 0 else -_f32_from_big(-v)


def f32_convert_i64_u(a: int) -> float:
    if a < _TWO53:
        return _unpack_f32(_pack_f32(float(a)))[0]
    return _f32_from_big(a)


def f64_convert_i32_s(a: int) -> float:
    return float((a ^ S32) - S32)


def f64_convert_i32_u(a: int) -> float:
    return float(a)


def f64_convert_i64_s(a: int) -> float:
    return float((a ^ S64) - S64)


def f64_convert_i64_u(a: int) -> float:
    return float(a)


def f32_demote_f64(x: float) -> float:
    # Explicit for NaNs: a signalling f64 NaN must come out quiet (arithmetic).
    if x != x:
        return _f32_quiet_nan(x)
    try:
        return _unpack_f32(_pack_f32(x))[0]
    except OverflowError:
        return _f32_inf(x)


def f64_promote_f32(x: float) -> float:
    # The f32 value already is the double; x * 1.0 only quiets a NaN.
    return x * 1.0


i32_reinterpret_f32 = f32_to_bits
i64_reinterpret_f64 = f64_to_bits
f32_reinterpret_i32 = f32_from_bits
f64_reinterpret_i64 = f64_from_bits


# ---------------------------------------------------------------------------
# The opcode table

_NUMTYPES = (I32, I64, F32, F64)
_SAT_FIRST, _SAT_LAST = prefixed(FC, 0x00), prefixed(FC, 0x07)


def _numeric_ops() -> dict[int, Callable]:
    g = globals()
    ops: dict[int, Callable] = {}
    for code, info in OPS.items():
        if not (code < 0x100 or _SAT_FIRST <= code <= _SAT_LAST):
            continue
        if info.immediates != "-" or not info.params or info.results is None:
            continue
        if len(info.results) != 1:
            continue
        if all(t in _NUMTYPES for t in (*info.params, *info.results)):
            ops[code] = g[info.ident]  # a KeyError here: a missing function
    return ops


NUMERIC_OPS: dict[int, Callable] = _numeric_ops()
# Operators with two results (wide arithmetic): their functions return a tuple.
WIDE_OPS: dict[int, Callable] = {
    code: globals()[OPS[code].ident] for code in range(prefixed(FC, 0x13), prefixed(FC, 0x17))
}

__all__ = [
    "M32",
    "M64",
    "NUMERIC_OPS",
    "WIDE_OPS",
    "S32",
    "S64",
    "f32_from_bits",
    "f32_round",
    "f32_to_bits",
    "f64_from_bits",
    "f64_to_bits",
    *(OPS[code].ident for code in NUMERIC_OPS),
    *(OPS[code].ident for code in WIDE_OPS),
]
