"""Integer lane instructions (spec 4.3.2 applied lane-wise, 4.4.3).

Operations whose lanes never interact beyond carries -- add, sub, neg, abs,
comparisons, min/max, saturating add/sub, avgr_u, shifts, all_true -- are
SWAR: a handful of big-int operations on the whole vector (see ``lanes``).
They are made per lane width by the factories below.  Operations that
multiply, change lane width or need a per-lane clamp split the vector with
``struct`` and join it back.
"""

from __future__ import annotations

from operator import add as _add
from operator import mul as _mul

from ..numerics import M32
from .lanes import (
    I8X8,
    I8X16,
    I16X4,
    I16X8,
    I32X2,
    I32X4,
    LANE_MASK,
    M64,
    M128,
    U8X8,
    U8X16,
    U16X4,
    U16X8,
    U32X4,
    high,
    named,
    rep,
)

# ---------------------------------------------------------------------------
# SWAR factories: each returns the instruction for lanes of ``w`` bits.


def _add_fn(name: str, w: int):
    H = high(w)
    L = M128 ^ H

    def add(a: int, b: int) -> int:
        return ((a & L) + (b & L)) ^ ((a ^ b) & H)

    return named(name, add)


def _sub_fn(name: str, w: int):
    H = high(w)
    L = M128 ^ H

    def sub(a: int, b: int) -> int:
        return ((a | H) - (b & L)) ^ ((a ^ ~b) & H)

    return named(name, sub)


def _neg_fn(name: str, w: int):
    H = high(w)
    L = M128 ^ H

    def neg(v: int) -> int:
        return (H - (v & L)) ^ (~v & H)  # 0 - v

    return named(name, neg)


def _abs_fn(name: str, w: int):
    H = high(w)
    L = M128 ^ H
    top = w - 1

    def abs_(v: int) -> int:
        h = v & H
        if not h:
            return v
        m = (h << 1) - (h >> top)  # the negative lanes
        neg = (H - (v & L)) ^ (~v & H)
        return v ^ ((v ^ neg) & m)  # -min stays min, as imul wraps

    return named(name, abs_)


def _compare_fn(name: str, w: int, kind: str, signed: bool):
    """eq ne lt gt le ge, as all-ones / all-zeros lanes."""
    H = high(w)
    L = M128 ^ H
    top = w - 1
    flip = H if signed else 0

    if kind in ("eq", "ne"):
        invert = M128 if kind == "eq" else 0

        def cmp_eq(a: int, b: int) -> int:
            x = a ^ b
            h = (((x & L) + L) | x) & H  # top bits of the lanes that differ
            return ((h << 1) - (h >> top)) ^ invert

        return named(name, cmp_eq)

    # lt(a, b); gt(a, b) = lt(b, a); le(a, b) = not lt(b, a); ge = not lt(a, b)
    swap = kind in ("gt", "le")
    invert = M128 if kind in ("le", "ge") else 0

    def cmp_order(a: int, b: int) -> int:
        if swap:
            a, b = b, a
        a ^= flip
        b ^= flip
        d = (a | H) - (b & L)  # per lane, top bit set iff no borrow from the low bits
        h = ((~a & b) | ~((a ^ b) | d)) & H  # top bits of the lanes where a < b
        return ((h << 1) - (h >> top)) ^ invert

    return named(name, cmp_order)


def _minmax_fn(name: str, w: int, want_min: bool, signed: bool):
    H = high(w)
    L = M128 ^ H
    top = w - 1
    flip = H if signed else 0

    def minmax(a: int, b: int) -> int:
        # min: a where a < b; max: a where b < a; else b.
        x, y = (a ^ flip, b ^ flip) if want_min else (b ^ flip, a ^ flip)
        d = (x | H) - (y & L)
        h = ((~x & y) | ~((x ^ y) | d)) & H
        return b ^ ((a ^ b) & ((h << 1) - (h >> top)))

    return named(name, minmax)


def _add_sat_fn(name: str, w: int, signed: bool):
    H = high(w)
    L = M128 ^ H
    top = w - 1

    if signed:

        def add_sat_s(a: int, b: int) -> int:
            s = ((a & L) + (b & L)) ^ ((a ^ b) & H)
            over = ~(a ^ b) & (a ^ s) & H  # operands of one sign, sum of the other
            if not over:
                return s
            m = (over << 1) - (over >> top)
            bound = L + ((a & H) >> top)  # 0x7F..F, or 0x80..0 where a < 0
            return s ^ ((s ^ bound) & m)

        return named(name, add_sat_s)

    def add_sat_u(a: int, b: int) -> int:
        s = ((a & L) + (b & L)) ^ ((a ^ b) & H)
        carry = ((a & b) | ((a | b) & ~s)) & H  # carry out of each lane's top bit
        return s | ((carry << 1) - (carry >> top))

    return named(name, add_sat_u)


def _sub_sat_fn(name: str, w: int, signed: bool):
    H = high(w)
    L = M128 ^ H
    top = w - 1

    if signed:

        def sub_sat_s(a: int, b: int) -> int:
            d = ((a | H) - (b & L)) ^ ((a ^ ~b) & H)
            over = (a ^ b) & (a ^ d) & H  # operands of two signs, result not a's
            if not over:
                return d
            m = (over << 1) - (over >> top)
            bound = L + ((a & H) >> top)
            return d ^ ((d ^ bound) & m)

        return named(name, sub_sat_s)

    def sub_sat_u(a: int, b: int) -> int:
        d = (a | H) - (b & L)
        borrow = ((~a & b) | ~((a ^ b) | d)) & H  # lanes where a < b
        d ^= (a ^ ~b) & H
        return d & (M128 ^ ((borrow << 1) - (borrow >> top)))

    return named(name, sub_sat_u)


def _avgr_u_fn(name: str, w: int):
    L = M128 ^ high(w)

    def avgr_u(a: int, b: int) -> int:
        # (a + b + 1) >> 1 = (a | b) - ((a ^ b) >> 1), lane-wise without borrows;
        # & L drops the bit each lane's shift takes from the lane above.
        return (a | b) - (((a ^ b) >> 1) & L)

    return named(name, avgr_u)


def _shift_fns(w: int, prefix: str):
    """shl, shr_s, shr_u: the count is taken modulo the lane width."""
    H = high(w)
    R = rep(w)
    top = w - 1
    lane = LANE_MASK[w]
    # Per count k: the lane bits a left shift keeps, and those a right shift keeps.
    keep_left = [((lane << k) & lane) * R for k in range(w)]
    keep_right = [(lane >> k) * R for k in range(w)]

    def shl(v: int, k: int) -> int:
        k &= top
        return (v << k) & keep_left[k]

    def shr_u(v: int, k: int) -> int:
        k &= top
        return (v >> k) & keep_right[k]

    def shr_s(v: int, k: int) -> int:
        k &= top
        kept = keep_right[k]
        h = v & H
        if not h:
            return (v >> k) & kept
        neg = (h << 1) - (h >> top)  # all ones in the negative lanes
        return ((v >> k) & kept) | (neg & ~kept)

    return (
        named(prefix + "_shl", shl),
        named(prefix + "_shr_s", shr_s),
        named(prefix + "_shr_u", shr_u),
    )


def _all_true_fn(name: str, w: int):
    H = high(w)
    L = M128 ^ H

    def all_true(v: int) -> int:
        return 1 if (((v & L) + L) | v) & H == H else 0

    return named(name, all_true)


# ---------------------------------------------------------------------------
# The SWAR instructions, per shape


def _define_swar(prefix: str, w: int, g: dict) -> None:
    def put(fn):
        g[fn.__name__] = fn

    put(_add_fn(f"{prefix}_add", w))
    put(_sub_fn(f"{prefix}_sub", w))
    put(_neg_fn(f"{prefix}_neg", w))
    put(_abs_fn(f"{prefix}_abs", w))
    put(_all_true_fn(f"{prefix}_all_true", w))
    for fn in _shift_fns(w, prefix):
        put(fn)
    put(_compare_fn(f"{prefix}_eq", w, "eq", False))
    put(_compare_fn(f"{prefix}_ne", w, "ne", False))
    for kind in ("lt", "gt", "le", "ge"):
        put(_compare_fn(f"{prefix}_{kind}_s", w, kind, True))
        if w != 64:  # i64x2 has signed comparisons only
            put(_compare_fn(f"{prefix}_{kind}_u", w, kind, False))
    if w <= 32:
        for signed, sx in ((True, "s"), (False, "u")):
            put(_minmax_fn(f"{prefix}_min_{sx}", w, True, signed))
            put(_minmax_fn(f"{prefix}_max_{sx}", w, False, signed))
    if w <= 16:
        for signed, sx in ((True, "s"), (False, "u")):
            put(_add_sat_fn(f"{prefix}_add_sat_{sx}", w, signed))
            put(_sub_sat_fn(f"{prefix}_sub_sat_{sx}", w, signed))
        put(_avgr_u_fn(f"{prefix}_avgr_u", w))


_define_swar("i8x16", 8, globals())
_define_swar("i16x8", 16, globals())
_define_swar("i32x4", 32, globals())
_define_swar("i64x2", 64, globals())


# ---------------------------------------------------------------------------
# Lane-wise by struct: multiplication, popcnt, bitmask, narrow, extend, extmul,
# extadd_pairwise, dot, q15mulr.

_POPCNT = bytes(bin(i).count("1") for i in range(256))
_SIGN_DIGIT = bytes(0x31 if i & 0x80 else 0x30 for i in range(256))  # b"0" / b"1"


def i8x16_popcnt(v: int) -> int:
    return int.from_bytes(v.to_bytes(16, "little").translate(_POPCNT), "little")


def i16x8_mul(a: int, b: int) -> int:
    x0, x1, x2, x3, x4, x5, x6, x7 = U16X8.unpack(a.to_bytes(16, "little"))
    y0, y1, y2, y3, y4, y5, y6, y7 = U16X8.unpack(b.to_bytes(16, "little"))
    m = 0xFFFF
    return int.from_bytes(
        U16X8.pack(
            x0 * y0 & m,
            x1 * y1 & m,
            x2 * y2 & m,
            x3 * y3 & m,
            x4 * y4 & m,
            x5 * y5 & m,
            x6 * y6 & m,
            x7 * y7 & m,
        ),
        "little",
    )


def i32x4_mul(a: int, b: int) -> int:
    return (
        ((a & M32) * (b & M32) & M32)
        | ((a >> 32 & M32) * (b >> 32 & M32) & M32) << 32
        | ((a >> 64 & M32) * (b >> 64 & M32) & M32) << 64
        | ((a >> 96) * (b >> 96) & M32) << 96
    )


def i64x2_mul(a: int, b: int) -> int:
    return ((a & M64) * (b & M64) & M64) | ((a >> 64) * (b >> 64) & M64) << 64


# bitmask: the lanes' top bits, lane 0 in bit 0.  For 8 and 16-bit lanes,
# translate the bytes holding the top bits to ASCII digits and read them as a
# binary numeral, lane 0 last.


def i8x16_bitmask(v: int) -> int:
    return int(v.to_bytes(16, "little").translate(_SIGN_DIGIT)[::-1], 2)


def i16x8_bitmask(v: int) -> int:
    return int(v.to_bytes(16, "little")[1::2].translate(_SIGN_DIGIT)[::-1], 2)


def i32x4_bitmask(v: int) -> int:
    return (v >> 31 & 1) | (v >> 62 & 2) | (v >> 93 & 4) | (v >> 124 & 8)


def i64x2_bitmask(v: int) -> int:
    return (v >> 63 & 1) | (v >> 126 & 2)


# narrow: the lanes of a then b, signed, saturated to the narrower lane.


def _narrow_fn(name: str, src, dst, lo: int, hi: int):
    def narrow(a: int, b: int) -> int:
        xs = src.unpack(a.to_bytes(16, "little")) + src.unpack(b.to_bytes(16, "little"))
        return int.from_bytes(
            dst.pack(*[lo if x < lo else hi if x > hi else x for x in xs]), "little"
        )

    return named(name, narrow)


i8x16_narrow_i16x8_s = _narrow_fn("i8x16_narrow_i16x8_s", I16X8, I8X16, -128, 127)
i8x16_narrow_i16x8_u = _narrow_fn("i8x16_narrow_i16x8_u", I16X8, U8X16, 0, 255)
i16x8_narrow_i32x4_s = _narrow_fn("i16x8_narrow_i32x4_s", I32X4, I16X8, -32768, 32767)
i16x8_narrow_i32x4_u = _narrow_fn("i16x8_narrow_i32x4_u", I32X4, U16X8, 0, 0xFFFF)


# extend: the low or high half's lanes, sign- or zero-extended to twice the width.


def _extend_fn(name: str, src, dst, offset: int):
    def extend(v: int) -> int:
        return int.from_bytes(
            dst.pack(*src.unpack_from(v.to_bytes(16, "little"), offset)), "little"
        )

    return named(name, extend)


i16x8_extend_low_i8x16_s = _extend_fn("i16x8_extend_low_i8x16_s", I8X8, I16X8, 0)
i16x8_extend_high_i8x16_s = _extend_fn("i16x8_extend_high_i8x16_s", I8X8, I16X8, 8)
i16x8_extend_low_i8x16_u = _extend_fn("i16x8_extend_low_i8x16_u", U8X8, U16X8, 0)
i16x8_extend_high_i8x16_u = _extend_fn("i16x8_extend_high_i8x16_u", U8X8, U16X8, 8)
i32x4_extend_low_i16x8_s = _extend_fn("i32x4_extend_low_i16x8_s", I16X4, I32X4, 0)
i32x4_extend_high_i16x8_s = _extend_fn("i32x4_extend_high_i16x8_s", I16X4, I32X4, 8)
i32x4_extend_low_i16x8_u = _extend_fn("i32x4_extend_low_i16x8_u", U16X4, U32X4, 0)
i32x4_extend_high_i16x8_u = _extend_fn("i32x4_extend_high_i16x8_u", U16X4, U32X4, 8)


def i64x2_extend_low_i32x4_s(v: int) -> int:
    return (((v & M32) ^ 0x8000_0000) - 0x8000_0000) & M64 | (
        (((v >> 32 & M32) ^ 0x8000_0000) - 0x8000_0000) & M64
    ) << 64


def i64x2_extend_high_i32x4_s(v: int) -> int:
    return i64x2_extend_low_i32x4_s(v >> 64)


def i64x2_extend_low_i32x4_u(v: int) -> int:
    return (v & M32) | (v >> 32 & M32) << 64


def i64x2_extend_high_i32x4_u(v: int) -> int:
    return (v >> 64 & M32) | (v >> 96) << 64


# extmul: extend both operands' halves, multiply.  The products fit the wide
# lane (signed: at most 2**(2w-2); unsigned: below 2**(2w)), so no wrap.


def _extmul_fn(name: str, src, dst, offset: int):
    def extmul(a: int, b: int) -> int:
        xs = src.unpack_from(a.to_bytes(16, "little"), offset)
        ys = src.unpack_from(b.to_bytes(16, "little"), offset)
        return int.from_bytes(dst.pack(*map(_mul, xs, ys)), "little")

    return named(name, extmul)


i16x8_extmul_low_i8x16_s = _extmul_fn("i16x8_extmul_low_i8x16_s", I8X8, I16X8, 0)
i16x8_extmul_high_i8x16_s = _extmul_fn("i16x8_extmul_high_i8x16_s", I8X8, I16X8, 8)
i16x8_extmul_low_i8x16_u = _extmul_fn("i16x8_extmul_low_i8x16_u", U8X8, U16X8, 0)
i16x8_extmul_high_i8x16_u = _extmul_fn("i16x8_extmul_high_i8x16_u", U8X8, U16X8, 8)
i32x4_extmul_low_i16x8_s = _extmul_fn("i32x4_extmul_low_i16x8_s", I16X4, I32X4, 0)
i32x4_extmul_high_i16x8_s = _extmul_fn("i32x4_extmul_high_i16x8_s", I16X4, I32X4, 8)
i32x4_extmul_low_i16x8_u = _extmul_fn("i32x4_extmul_low_i16x8_u", U16X4, U32X4, 0)
i32x4_extmul_high_i16x8_u = _extmul_fn("i32x4_extmul_high_i16x8_u", U16X4, U32X4, 8)


def i64x2_extmul_low_i32x4_s(a: int, b: int) -> int:
    x0, x1 = I32X2.unpack_from(a.to_bytes(16, "little"))
    y0, y1 = I32X2.unpack_from(b.to_bytes(16, "little"))
    return (x0 * y0 & M64) | (x1 * y1 & M64) << 64


def i64x2_extmul_high_i32x4_s(a: int, b: int) -> int:
    x0, x1 = I32X2.unpack_from(a.to_bytes(16, "little"), 8)
    y0, y1 = I32X2.unpack_from(b.to_bytes(16, "little"), 8)
    return (x0 * y0 & M64) | (x1 * y1 & M64) << 64


def i64x2_extmul_low_i32x4_u(a: int, b: int) -> int:
    return (a & M32) * (b & M32) | ((a >> 32 & M32) * (b >> 32 & M32)) << 64


def i64x2_extmul_high_i32x4_u(a: int, b: int) -> int:
    return (a >> 64 & M32) * (b >> 64 & M32) | ((a >> 96) * (b >> 96)) << 64


# extadd_pairwise: lanes 2i and 2i+1, extended, added.  Unsigned is SWAR: the
# even and odd lanes, each spread to the wide lanes, added (no carry out).

_EVEN8 = 0xFF * rep(16)
_EVEN16 = 0xFFFF * rep(32)


def i16x8_extadd_pairwise_i8x16_u(v: int) -> int:
    return (v & _EVEN8) + (v >> 8 & _EVEN8)


def i32x4_extadd_pairwise_i16x8_u(v: int) -> int:
    return (v & _EVEN16) + (v >> 16 & _EVEN16)


def i16x8_extadd_pairwise_i8x16_s(v: int) -> int:
    xs = I8X16.unpack(v.to_bytes(16, "little"))
    return int.from_bytes(I16X8.pack(*map(_add, xs[0::2], xs[1::2])), "little")


def i32x4_extadd_pairwise_i16x8_s(v: int) -> int:
    xs = I16X8.unpack(v.to_bytes(16, "little"))
    return int.from_bytes(I32X4.pack(*map(_add, xs[0::2], xs[1::2])), "little")


def i32x4_dot_i16x8_s(a: int, b: int) -> int:
    """Pairwise sums of the signed products, wrapping (only
    (-2**15)**2 * 2 = 2**31 does)."""
    x0, x1, x2, x3, x4, x5, x6, x7 = I16X8.unpack(a.to_bytes(16, "little"))
    y0, y1, y2, y3, y4, y5, y6, y7 = I16X8.unpack(b.to_bytes(16, "little"))
    return (
        ((x0 * y0 + x1 * y1) & M32)
        | ((x2 * y2 + x3 * y3) & M32) << 32
        | ((x4 * y4 + x5 * y5) & M32) << 64
        | ((x6 * y6 + x7 * y7) & M32) << 96
    )


def i16x8_q15mulr_sat_s(a: int, b: int) -> int:
    """(a * b + 2**14) >> 15, saturated: only -2**15 * -2**15 overflows."""
    xs = I16X8.unpack(a.to_bytes(16, "little"))
    ys = I16X8.unpack(b.to_bytes(16, "little"))
    rs = [(p + 0x4000) >> 15 for p in map(_mul, xs, ys)]
    return int.from_bytes(I16X8.pack(*[r if r < 0x8000 else 0x7FFF for r in rs]), "little")


__all__ = [name for name in globals() if name[:5] in ("i8x16", "i16x8", "i32x4", "i64x2")]
