"""Unit tests of refimpl.exec.simd: the v128 lane semantics.

Integer operations (most of them SWAR tricks on the 128-bit int) are checked
against a naive lane-by-lane model on hypothesis-drawn vectors; the float
rules (NaN per lane, signed zeros, pmin/pmax, saturating truncation), the
relaxed choices and the memory accesses (bounds, through the interpreter) by
explicit cases.
"""

from __future__ import annotations

import math
import struct

import pytest
from binary_helpers import wat
from hypothesis import given, settings
from hypothesis import strategies as st

import refimpl
from refimpl.exec import simd
from refimpl.exec.numerics import f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits
from refimpl.syntax.opcodes import OPS, Op

M128 = (1 << 128) - 1
SHAPES = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64}
FAST = settings(max_examples=50, deadline=None, database=None)


# -- a naive lane model ----------------------------------------------------------------


def lanes(v: int, w: int, signed: bool = False) -> list[int]:
    m = (1 << w) - 1
    out = [(v >> (i * w)) & m for i in range(128 // w)]
    if signed:
        out = [x - (1 << w) if x >> (w - 1) else x for x in out]
    return out


def join(xs, w: int) -> int:
    m = (1 << w) - 1
    return sum((x & m) << (i * w) for i, x in enumerate(xs))


def sat(x: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, x))


def smin(w):
    return -(1 << (w - 1))


def smax(w):
    return (1 << (w - 1)) - 1


def f32x4(*xs: float) -> int:
    return int.from_bytes(struct.pack("<4f", *xs), "little")


def f32_bits_x4(*bits: int) -> int:
    return join(bits, 32)


def f64x2(*xs: float) -> int:
    return int.from_bytes(struct.pack("<2d", *xs), "little")


def f32_lanes(v: int) -> list[int]:
    return lanes(v, 32)


def f64_lanes(v: int) -> list[int]:
    return lanes(v, 64)


def is_nan32(b: int) -> bool:
    return b & 0x7FFF_FFFF > 0x7F80_0000


def is_canonical32(b: int) -> bool:
    return b & 0x7FFF_FFFF == 0x7FC0_0000


def is_arithmetic32(b: int) -> bool:
    return b & 0x7FC0_0000 == 0x7FC0_0000


def is_canonical64(b: int) -> bool:
    return b & (2**63 - 1) == 0x7FF8_0000_0000_0000


# -- strategies --------------------------------------------------------------------------


def _lane_values(w: int):
    m = (1 << w) - 1
    edges = [0, 1, 2, smax(w), smax(w) - 1, 1 << (w - 1), (1 << (w - 1)) + 1, m, m - 1, 3]
    return st.one_of(st.sampled_from(edges), st.integers(0, m))


def vectors_of(w: int):
    return st.lists(_lane_values(w), min_size=128 // w, max_size=128 // w).map(
        lambda xs: join(xs, w)
    )


V128 = st.one_of(st.integers(0, M128), *(vectors_of(w) for w in (8, 16, 32, 64)))
COUNTS = st.one_of(st.integers(0, 130), st.integers(0, 2**32 - 1))


# -- integer lane operations against the model --------------------------------------------

BINARY_MODEL = {
    "add": lambda x, y, w: x + y,
    "sub": lambda x, y, w: x - y,
    "mul": lambda x, y, w: x * y,
    "min_s": lambda x, y, w: min(x, y),
    "max_s": lambda x, y, w: max(x, y),
    "min_u": lambda x, y, w: min(x, y),
    "max_u": lambda x, y, w: max(x, y),
    "add_sat_s": lambda x, y, w: sat(x + y, smin(w), smax(w)),
    "sub_sat_s": lambda x, y, w: sat(x - y, smin(w), smax(w)),
    "add_sat_u": lambda x, y, w: sat(x + y, 0, (1 << w) - 1),
    "sub_sat_u": lambda x, y, w: sat(x - y, 0, (1 << w) - 1),
    "avgr_u": lambda x, y, w: (x + y + 1) >> 1,
    "eq": lambda x, y, w: -(x == y),
    "ne": lambda x, y, w: -(x != y),
    "lt_s": lambda x, y, w: -(x < y),
    "gt_s": lambda x, y, w: -(x > y),
    "le_s": lambda x, y, w: -(x <= y),
    "ge_s": lambda x, y, w: -(x >= y),
    "lt_u": lambda x, y, w: -(x < y),
    "gt_u": lambda x, y, w: -(x > y),
    "le_u": lambda x, y, w: -(x <= y),
    "ge_u": lambda x, y, w: -(x >= y),
}
BINARY_CASES = [
    (shape, op)
    for shape in SHAPES
    for op in BINARY_MODEL
    if hasattr(simd, f"{shape}_{op}") and f"{shape}.{op}" in {i.name for i in OPS.values()}
]


@pytest.mark.parametrize(("shape", "op"), BINARY_CASES, ids=lambda x: x)
def test_integer_binary_against_model(shape, op):
    w = SHAPES[shape]
    fn = getattr(simd, f"{shape}_{op}")
    signed = op.endswith("_s") or op in ("add", "sub", "mul")

    @FAST
    @given(V128, V128)
    def run(a, b):
        xs, ys = lanes(a, w, signed), lanes(b, w, signed)
        want = join([BINARY_MODEL[op](x, y, w) for x, y in zip(xs, ys, strict=True)], w)
        assert fn(a, b) == want

    run()


UNARY_MODEL = {
    "neg": lambda x, w: -x,
    "abs": lambda x, w: abs(x),
    "popcnt": lambda x, w: bin(x & 0xFF).count("1"),
}


@pytest.mark.parametrize(
    ("shape", "op"),
    [(s, o) for s in SHAPES for o in UNARY_MODEL if hasattr(simd, f"{s}_{o}")],
    ids=lambda x: x,
)
def test_integer_unary_against_model(shape, op):
    w = SHAPES[shape]
    fn = getattr(simd, f"{shape}_{op}")

    @FAST
    @given(V128)
    def run(v):
        assert fn(v) == join([UNARY_MODEL[op](x, w) for x in lanes(v, w, True)], w)

    run()


@pytest.mark.parametrize("shape", SHAPES)
def test_shifts_take_the_count_modulo_the_lane_width(shape):
    w = SHAPES[shape]
    shl, shr_s, shr_u = (getattr(simd, f"{shape}_{n}") for n in ("shl", "shr_s", "shr_u"))

    @FAST
    @given(V128, COUNTS)
    def run(v, count):
        k = count % w
        assert shl(v, count) == join([x << k for x in lanes(v, w)], w)
        assert shr_u(v, count) == join([x >> k for x in lanes(v, w)], w)
        assert shr_s(v, count) == join([x >> k for x in lanes(v, w, True)], w)

    run()
    v = join(list(range(1, 128 // w + 1)), w)
    assert shl(v, w) == v and shr_u(v, w + 1) == shr_u(v, 1)
    assert shr_s(M128, 2**32 - 1) == M128  # count 31 mod w of all-ones lanes


@pytest.mark.parametrize("shape", SHAPES)
def test_all_true_and_bitmask(shape):
    w = SHAPES[shape]
    all_true, bitmask = getattr(simd, f"{shape}_all_true"), getattr(simd, f"{shape}_bitmask")

    @FAST
    @given(V128)
    def run(v):
        xs = lanes(v, w)
        assert all_true(v) == (1 if all(xs) else 0)
        assert bitmask(v) == sum((x >> (w - 1)) << i for i, x in enumerate(xs))

    run()
    assert all_true(join([1] * (128 // w), w)) == 1
    assert all_true(join([1] * (128 // w - 1) + [0], w)) == 0
    assert bitmask(M128) == (1 << (128 // w)) - 1


@FAST
@given(V128, V128, V128)
def test_bitwise(a, b, c):
    assert simd.v128_not(a) == M128 ^ a
    assert simd.v128_andnot(a, b) == a & (M128 ^ b)
    assert simd.v128_bitselect(a, b, c) == (a & c) | (b & (M128 ^ c))
    assert simd.v128_any_true(a) == (1 if a else 0)


@FAST
@given(V128, V128)
def test_lane_shape_changes(a, b):
    for src, dst in ((8, 16), (16, 32)):
        pre, wide = {8: "i8x16", 16: "i16x8"}[src], {16: "i16x8", 32: "i32x4"}[dst]
        for sx, signed in (("s", True), ("u", False)):
            xs, ys = lanes(a, src, signed), lanes(b, src, signed)
            lo, hi = slice(0, 64 // src), slice(64 // src, 128 // src)
            name = f"{wide}_extend_low_{pre}_{sx}"
            assert getattr(simd, name)(a) == join(xs[lo], dst), name
            assert getattr(simd, f"{wide}_extend_high_{pre}_{sx}")(a) == join(xs[hi], dst)
            prods = [x * y for x, y in zip(xs, ys, strict=True)]
            assert getattr(simd, f"{wide}_extmul_low_{pre}_{sx}")(a, b) == join(prods[lo], dst)
            assert getattr(simd, f"{wide}_extmul_high_{pre}_{sx}")(a, b) == join(prods[hi], dst)
            pairs = [xs[i] + xs[i + 1] for i in range(0, len(xs), 2)]
            assert getattr(simd, f"{wide}_extadd_pairwise_{pre}_{sx}")(a) == join(pairs, dst)
            lo_n, hi_n = (smin(src), smax(src)) if sx == "s" else (0, (1 << src) - 1)
            narrowed = [sat(x, lo_n, hi_n) for x in lanes(a, dst, True) + lanes(b, dst, True)]
            assert getattr(simd, f"{pre}_narrow_{wide}_{sx}")(a, b) == join(narrowed, src)
    for sx, signed in (("s", True), ("u", False)):
        xs, ys = lanes(a, 32, signed), lanes(b, 32, signed)
        assert getattr(simd, f"i64x2_extend_low_i32x4_{sx}")(a) == join(xs[:2], 64)
        assert getattr(simd, f"i64x2_extend_high_i32x4_{sx}")(a) == join(xs[2:], 64)
        prods = [x * y for x, y in zip(xs, ys, strict=True)]
        assert getattr(simd, f"i64x2_extmul_low_i32x4_{sx}")(a, b) == join(prods[:2], 64)
        assert getattr(simd, f"i64x2_extmul_high_i32x4_{sx}")(a, b) == join(prods[2:], 64)
    xs, ys = lanes(a, 16, True), lanes(b, 16, True)
    dots = [xs[i] * ys[i] + xs[i + 1] * ys[i + 1] for i in range(0, 8, 2)]
    assert simd.i32x4_dot_i16x8_s(a, b) == join(dots, 32)
    q15 = [sat((x * y + 0x4000) >> 15, -32768, 32767) for x, y in zip(xs, ys, strict=True)]
    assert simd.i16x8_q15mulr_sat_s(a, b) == join(q15, 16)


@FAST
@given(V128, V128, st.lists(st.integers(0, 31), min_size=16, max_size=16))
def test_shuffle_and_swizzle(a, b, idx):
    ab = lanes(a, 8) + lanes(b, 8)
    assert simd.i8x16_shuffle(a, b, idx) == join([ab[i] for i in idx], 8)
    assert simd.i8x16_shuffle(a, b, bytes(idx)) == join([ab[i] for i in idx], 8)
    s = lanes(b, 8)
    assert simd.i8x16_swizzle(a, b) == join([ab[i] if i < 16 else 0 for i in s], 8)


def test_swizzle_out_of_range_indices_give_zero():
    a = join(list(range(100, 116)), 8)
    s = join([0, 15, 16, 17, 31, 32, 0x7F, 0x80, 0xFF, 1, 2, 3, 4, 5, 6, 7], 8)
    assert lanes(simd.i8x16_swizzle(a, s), 8) == [100, 115] + [0] * 7 + list(range(101, 108))


@FAST
@given(V128, st.integers(0, 2**64 - 1))
def test_lanes(v, x):
    for shape, w in SHAPES.items():
        n = 128 // w
        x_lane = x & ((1 << w) - 1)
        scalar = x & (2**64 - 1 if w == 64 else 2**32 - 1)
        assert getattr(simd, f"{shape}_splat")(scalar) == join([x_lane] * n, w)
        for lane in (0, n // 2, n - 1):
            replaced = lanes(v, w)
            replaced[lane] = x_lane
            assert getattr(simd, f"{shape}_replace_lane")(v, lane, scalar) == join(replaced, w)
            if w <= 16:
                got_u = getattr(simd, f"{shape}_extract_lane_u")(v, lane)
                got_s = getattr(simd, f"{shape}_extract_lane_s")(v, lane)
                assert got_u == lanes(v, w)[lane]
                assert got_s == lanes(v, w, True)[lane] & 0xFFFF_FFFF
            else:
                assert getattr(simd, f"{shape}_extract_lane")(v, lane) == lanes(v, w)[lane]


# -- saturation, explicitly ----------------------------------------------------------------


def test_saturating_arithmetic_bounds():
    def i8(*xs):
        return join(list(xs) + [0] * (16 - len(xs)), 8)

    assert lanes(simd.i8x16_add_sat_s(i8(127, 0x80, 100), i8(1, 0xFF, 27)), 8)[:3] == [
        127,
        0x80,
        127,
    ]
    assert lanes(simd.i8x16_sub_sat_s(i8(0x80, 127), i8(1, 0xFF)), 8)[:2] == [0x80, 127]
    assert lanes(simd.i8x16_add_sat_u(i8(255, 200), i8(1, 100)), 8)[:2] == [255, 255]
    assert lanes(simd.i8x16_sub_sat_u(i8(0, 5), i8(1, 10)), 8)[:2] == [0, 0]
    big = join([0x7FFF, 0x8000, 0xFFFF, 0, 0, 0, 0, 0], 16)
    one = join([1, 0xFFFF, 1, 0, 0, 0, 0, 0], 16)
    assert lanes(simd.i16x8_add_sat_s(big, one), 16)[:3] == [0x7FFF, 0x8000, 0]
    assert lanes(simd.i16x8_add_sat_u(big, one), 16)[:3] == [0x8000, 0xFFFF, 0xFFFF]


def test_narrow_saturates_signed_inputs():
    a = join([300, -300, 127, -129, 255, 256, -1, 0], 16)
    assert lanes(simd.i8x16_narrow_i16x8_s(a, 0), 8)[:8] == [
        127,
        0x80,
        127,
        0x80,
        127,
        127,
        0xFF,
        0,
    ]
    assert lanes(simd.i8x16_narrow_i16x8_u(a, 0), 8)[:8] == [255, 0, 127, 0, 255, 255, 0, 0]
    b = join([70000, -70000, 65535, -1], 32)
    assert lanes(simd.i16x8_narrow_i32x4_u(0, b), 16)[4:] == [0xFFFF, 0, 0xFFFF, 0]
    assert lanes(simd.i16x8_narrow_i32x4_s(0, b), 16)[4:] == [0x7FFF, 0x8000, 0x7FFF, 0xFFFF]


def test_q15mulr_overflow_saturates():
    a = join([0x8000, 0x8000, 0x7FFF, 0x4000, 1, 0xFFFF, 0, 0], 16)
    b = join([0x8000, 0x7FFF, 0x7FFF, 0x4000, 0x4000, 0x4000, 0, 0], 16)
    # -1 * 2**14 = -2**14: (-2**14 + 2**14) >> 15 = 0; 1 * 2**14 rounds to 1.
    want = [0x7FFF, (-32767) & 0xFFFF, 0x7FFE, 0x2000, 1, 0, 0, 0]
    assert lanes(simd.i16x8_q15mulr_sat_s(a, b), 16) == want
    assert simd.i16x8_relaxed_q15mulr_s(a, b) == simd.i16x8_q15mulr_sat_s(a, b)


def test_dot_wraps_at_the_single_overflow():
    a = join([0x8000] * 8, 16)
    assert lanes(simd.i32x4_dot_i16x8_s(a, a), 32) == [0x8000_0000] * 4


# -- floats ---------------------------------------------------------------------------------

QNAN32, SNAN32, NEG_QNAN32 = 0x7FC0_0000, 0x7FA0_0001, 0xFFC0_0000
ARITH_NAN32 = 0x7FE0_0000  # quiet, payload beyond the quiet bit


def test_f32_nan_rules_per_lane():
    a = f32_bits_x4(QNAN32, ARITH_NAN32, SNAN32, f32_to_bits(1.5))
    b = f32x4(1.0, 2.0, 3.0, 2.25)
    for fn in (simd.f32x4_add, simd.f32x4_sub, simd.f32x4_mul, simd.f32x4_div, simd.f32x4_min):
        r = f32_lanes(fn(a, b))
        assert is_canonical32(r[0]), fn.__name__
        assert is_arithmetic32(r[1]) and is_arithmetic32(r[2]), fn.__name__
        assert not is_nan32(r[3]), fn.__name__
    assert f32_lanes(simd.f32x4_add(a, b))[3] == f32_to_bits(3.75)
    # NaNs made from non-NaN operands: canonical, lane by lane.
    inf = math.inf
    r = f32_lanes(simd.f32x4_sub(f32x4(inf, 1, 0, -inf), f32x4(inf, 1, 0, -inf)))
    assert is_canonical32(r[0]) and r[1] == 0 and r[2] == 0 and is_canonical32(r[3])
    r = f32_lanes(simd.f32x4_div(f32x4(0.0, 1.0, -1.0, -0.0), f32x4(0.0, 0.0, 0.0, 2.0)))
    assert is_canonical32(r[0]) and r[1:] == [0x7F80_0000, 0xFF80_0000, 0x8000_0000]
    r = f32_lanes(simd.f32x4_sqrt(f32x4(-1.0, 4.0, -0.0, inf)))
    assert is_canonical32(r[0]) and r[1:] == [f32_to_bits(2.0), 0x8000_0000, 0x7F80_0000]
    r = f64_lanes(simd.f64x2_mul(f64x2(math.inf, 3.0), f64x2(0.0, 0.5)))
    assert is_canonical64(r[0]) and r[1] == f64_to_bits(1.5)


def test_f32_overflow_in_one_lane_rounds_only_that_lane():
    big = 3.0e38
    r = f32_lanes(simd.f32x4_add(f32x4(big, 1.0, -big, 0.5), f32x4(big, 2.0, -big, 0.25)))
    assert r == [0x7F80_0000, f32_to_bits(3.0), 0xFF80_0000, f32_to_bits(0.75)]
    # Just below the rounding boundary to infinity: FLT_MAX.
    flt_max = f32_from_bits(0x7F7F_FFFF)
    r = f32_lanes(simd.f32x4_mul(f32x4(flt_max, 1, 1, 1), f32x4(1.0, 1, 1, 1)))
    assert r[0] == 0x7F7F_FFFF


def test_float_min_max_signed_zeros_and_nans():
    pz, nz = 0.0, -0.0
    r = f32_lanes(simd.f32x4_min(f32x4(pz, nz, 1.0, pz), f32x4(nz, pz, -1.0, pz)))
    assert r == [0x8000_0000, 0x8000_0000, f32_to_bits(-1.0), 0]
    r = f32_lanes(simd.f32x4_max(f32x4(pz, nz, 1.0, nz), f32x4(nz, pz, -1.0, nz)))
    assert r == [0, 0, f32_to_bits(1.0), 0x8000_0000]
    r = f64_lanes(simd.f64x2_min(f64x2(pz, math.nan), f64x2(nz, 1.0)))
    assert r[0] == 1 << 63 and is_canonical64(r[1])
    r = f64_lanes(simd.f64x2_max(f64x2(nz, 1.0), f64x2(pz, -math.nan)))
    assert r[0] == 0 and is_canonical64(r[1])
    for fn in (simd.f32x4_relaxed_min, simd.f32x4_relaxed_max):
        assert fn(f32x4(pz, nz, 1, 2), f32_bits_x4(0x8000_0000, 0, QNAN32, 0)) == getattr(
            simd, fn.__name__.replace("relaxed_", "")
        )(f32x4(pz, nz, 1, 2), f32_bits_x4(0x8000_0000, 0, QNAN32, 0))


def test_pmin_pmax_return_an_operand_unchanged():
    # pmin(a, b) = b < a ? b : a -- NaNs and signed zeros are not special.
    a = f32_bits_x4(SNAN32, 0, 0x8000_0000, f32_to_bits(2.0))
    b = f32_bits_x4(f32_to_bits(1.0), 0x8000_0000, 0, SNAN32)
    assert f32_lanes(simd.f32x4_pmin(a, b)) == [SNAN32, 0, 0x8000_0000, f32_to_bits(2.0)]
    assert f32_lanes(simd.f32x4_pmax(a, b)) == [SNAN32, 0, 0x8000_0000, f32_to_bits(2.0)]
    c = f32x4(3.0, -1.0, 5.0, 0.0)
    d = f32x4(1.0, 2.0, 5.0, -7.0)
    assert simd.f32x4_pmin(c, d) == f32x4(1.0, -1.0, 5.0, -7.0)
    assert simd.f32x4_pmax(c, d) == f32x4(3.0, 2.0, 5.0, 0.0)
    snan64 = 0x7FF4_0000_0000_0001
    a64 = join([snan64, f64_to_bits(-0.0)], 64)
    b64 = join([f64_to_bits(1.0), f64_to_bits(0.0)], 64)
    assert simd.f64x2_pmin(a64, b64) == a64 and simd.f64x2_pmax(a64, b64) == a64
    assert simd.f64x2_pmin(b64, a64) == b64 and simd.f64x2_pmax(b64, a64) == b64


def test_sign_bit_ops_and_lane_access_keep_nan_bits():
    v = f32_bits_x4(SNAN32, NEG_QNAN32, 0x7F80_0001, 0xFFFF_FFFF)
    assert f32_lanes(simd.f32x4_neg(v)) == [b ^ 0x8000_0000 for b in f32_lanes(v)]
    assert f32_lanes(simd.f32x4_abs(v)) == [b & 0x7FFF_FFFF for b in f32_lanes(v)]
    for lane in range(4):
        x = simd.f32x4_extract_lane(v, lane)
        assert f32_to_bits(x) == f32_lanes(v)[lane]
        assert simd.f32x4_replace_lane(0, lane, x) == f32_lanes(v)[lane] << (32 * lane)
    assert simd.f32x4_splat(f32_from_bits(SNAN32)) == f32_bits_x4(*[SNAN32] * 4)
    snan64 = 0x7FF0_0000_0000_0001
    assert f64_to_bits(simd.f64x2_extract_lane(snan64 << 64, 1)) == snan64
    assert simd.f64x2_splat(f64_from_bits(snan64)) == join([snan64] * 2, 64)


def test_rounding_per_lane():
    r = simd.f32x4_nearest(f32x4(2.5, -0.5, 3.5, -2.5))
    assert r == f32x4(2.0, -0.0, 4.0, -2.0)
    assert simd.f32x4_ceil(f32x4(-0.5, 1.1, -1.1, 0.0)) == f32x4(-0.0, 2.0, -1.0, 0.0)
    assert simd.f32x4_floor(f32x4(-0.5, 1.1, -1.1, 0.5)) == f32x4(-1.0, 1.0, -2.0, 0.0)
    assert simd.f64x2_trunc(f64x2(-0.7, 2.0**53 + 2)) == f64x2(-0.0, 2.0**53 + 2)
    r = f32_lanes(simd.f32x4_trunc(f32_bits_x4(SNAN32, QNAN32, 0, 0)))
    assert is_arithmetic32(r[0]) and is_canonical32(r[1])


def test_trunc_sat_nan_inf_and_range():
    inf = math.inf
    v = f32x4(math.nan, inf, -inf, -2.9)
    assert lanes(simd.i32x4_trunc_sat_f32x4_s(v), 32) == [0, 0x7FFF_FFFF, 0x8000_0000, 2**32 - 2]
    assert lanes(simd.i32x4_trunc_sat_f32x4_u(v), 32) == [0, 0xFFFF_FFFF, 0, 0]
    v = f32x4(4294967296.0, 2147483648.0, -2147483904.0, -0.99)
    assert lanes(simd.i32x4_trunc_sat_f32x4_s(v), 32) == [0x7FFF_FFFF, 0x7FFF_FFFF, 2**31, 0]
    assert lanes(simd.i32x4_trunc_sat_f32x4_u(v), 32) == [2**32 - 1, 2**31, 0, 0]
    v = f64x2(-math.nan, 4294967295.9)
    assert simd.i32x4_trunc_sat_f64x2_s_zero(v) == join([0, 0x7FFF_FFFF, 0, 0], 32)
    assert simd.i32x4_trunc_sat_f64x2_u_zero(v) == join([0, 0xFFFF_FFFF, 0, 0], 32)
    for relaxed in ("f32x4_s", "f32x4_u", "f64x2_s_zero", "f64x2_u_zero"):
        ours = getattr(simd, f"i32x4_relaxed_trunc_{relaxed}")
        assert ours is getattr(simd, f"i32x4_trunc_sat_{relaxed}")


def test_conversions():
    v = join([0xFFFF_FFFF, 0x8000_0000, 16777217, 3], 32)
    assert simd.f32x4_convert_i32x4_u(v) == f32x4(4294967296.0, 2147483648.0, 16777216.0, 3.0)
    assert simd.f32x4_convert_i32x4_s(v) == f32x4(-1.0, -2147483648.0, 16777216.0, 3.0)
    assert simd.f64x2_convert_low_i32x4_s(v) == f64x2(-1.0, -2147483648.0)
    assert simd.f64x2_convert_low_i32x4_u(v) == f64x2(4294967295.0, 2147483648.0)
    r = f32_lanes(simd.f32x4_demote_f64x2_zero(f64x2(1e300, math.nan)))
    assert r[0] == 0x7F80_0000 and is_canonical32(r[1]) and r[2:] == [0, 0]
    r = f32_lanes(simd.f32x4_demote_f64x2_zero(join([0x7FF4_0000_0000_0000, 0], 64)))
    assert is_arithmetic32(r[0])  # a signalling f64 NaN comes out quiet
    r = f64_lanes(simd.f64x2_promote_low_f32x4(f32_bits_x4(SNAN32, QNAN32, 1, 1)))
    assert r[0] & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000 and is_canonical64(r[1])


# -- relaxed SIMD: the deterministic-profile choices -----------------------------------------


def test_relaxed_choices():
    a, s = join(list(range(16)), 8), join([16, 0x7F, 0x80, 1] * 4, 8)
    assert lanes(simd.i8x16_relaxed_swizzle(a, s), 8) == [0, 0, 0, 1] * 4
    mask = join([0xF0] * 16, 8)  # mixed mask bits: bitwise selection
    assert simd.i8x16_relaxed_laneselect(M128, 0, mask) == mask
    for name in ("i16x8", "i32x4", "i64x2"):
        assert getattr(simd, f"{name}_relaxed_laneselect")(M128, 0, mask) == mask
    # madd unfused: the product is rounded before the addition.
    x = 1 + 2.0**-30
    prod = x * x  # 1 + 2**-29 (+ 2**-60 lost)
    assert simd.f64x2_relaxed_madd(f64x2(x, 2), f64x2(x, 3), f64x2(-prod, 1)) == f64x2(0.0, 7)
    assert simd.f64x2_relaxed_nmadd(f64x2(x, 2), f64x2(x, 3), f64x2(prod, 1)) == f64x2(0.0, -5)
    y = 1 + 2.0**-12  # f32: y * y = 1 + 2**-11 + 2**-24, rounds to 1 + 2**-11 (even)
    got = simd.f32x4_relaxed_madd(
        f32x4(y, 1, 1, 1), f32x4(y, 1, 1, 1), f32x4(-(1 + 2.0**-11), 0, 0, 0)
    )
    assert got == f32x4(0.0, 1, 1, 1)
    got = simd.f32x4_relaxed_nmadd(f32x4(3e38, 1, 1, 1), f32x4(10, 1, 1, 1), f32x4(0, 0, 0, 0))
    assert f32_lanes(got)[0] == 0xFF80_0000  # the rounded product overflows
    # dot: signed x signed, pairs added with saturation.
    a = join([-128 & 0xFF] * 16, 8)
    b = join([-127 & 0xFF] * 16, 8)
    assert lanes(simd.i16x8_relaxed_dot_i8x16_i7x16_s(a, b), 16) == [32512] * 8
    assert lanes(simd.i16x8_relaxed_dot_i8x16_i7x16_s(a, a), 16) == [32767] * 8
    c = join([1, 2, 3, 4], 32)
    assert lanes(simd.i32x4_relaxed_dot_i8x16_i7x16_add_s(a, b, c), 32) == [
        65025,
        65026,
        65027,
        65028,
    ]
    assert simd.i32x4_relaxed_dot_i8x16_i7x16_add_s(a, a, 0) == join([65534] * 4, 32)


def test_every_vector_opcode_has_semantics():
    fd = {code for code in OPS if code >> 12 == 0xFD}
    covered = set(simd.SIMD_OPS) | set(simd.LANE_OPS)
    covered |= set(simd.memory.ACCESS_SIZE) | {Op.V128_CONST, Op.I8X16_SHUFFLE}
    assert fd == covered
    for code, fn in simd.SIMD_OPS.items():
        assert len(OPS[code].params) in (1, 2, 3) and callable(fn)


# -- memory, through the interpreter -------------------------------------------------------

MEMORY_WAT = """
(module
  (memory 1)
  (func (export "load") (param i32) (result v128) (v128.load (local.get 0)))
  (func (export "load_far") (param i32) (result v128) (v128.load offset=0xFFFFFFFF (local.get 0)))
  (func (export "store") (param i32 v128) (v128.store (local.get 0) (local.get 1)))
  (func (export "load8x8_s") (param i32) (result v128) (v128.load8x8_s (local.get 0)))
  (func (export "load32x2_u") (param i32) (result v128) (v128.load32x2_u offset=4 (local.get 0)))
  (func (export "load16_splat") (param i32) (result v128) (v128.load16_splat (local.get 0)))
  (func (export "load64_zero") (param i32) (result v128) (v128.load64_zero (local.get 0)))
  (func (export "load32_lane1") (param i32 v128) (result v128)
    (v128.load32_lane 1 (local.get 0) (local.get 1)))
  (func (export "load8_lane15") (param i32 v128) (result v128)
    (v128.load8_lane offset=1 15 (local.get 0) (local.get 1)))
  (func (export "store64_lane1") (param i32 v128) (v128.store64_lane 1 (local.get 0) (local.get 1)))
  (func (export "store16_lane7") (param i32 v128)
    (v128.store16_lane offset=2 7 (local.get 0) (local.get 1)))
)
"""

PAGE = 65536


@pytest.fixture(scope="module")
def mem_module():
    return refimpl.load(wat(MEMORY_WAT), refimpl.Features.profile("2.0"))


@pytest.fixture
def machine(mem_module):
    store = refimpl.Store(refimpl.Features.profile("2.0"))
    inst = refimpl.instantiate(store, mem_module, {})
    memory = inst.mems[0].data

    def call(name, *args):
        return store.invoke(inst.exports[name], list(args))

    return call, memory


def _traps(call, *args):
    with pytest.raises(refimpl.Trap) as info:
        call(*args)
    assert info.value.message == "out of bounds memory access"


def test_v128_load_store_bounds(machine):
    call, memory = machine
    v = join(list(range(1, 17)), 8)
    call("store", PAGE - 16, v)
    assert call("load", PAGE - 16) == [v]
    _traps(call, "store", PAGE - 15, v)
    _traps(call, "load", PAGE - 15)
    _traps(call, "load_far", 1)  # address + offset does not wrap
    assert bytes(memory[PAGE - 16 :]) == bytes(range(1, 17))


def test_extending_splat_and_zero_loads(machine):
    call, memory = machine
    memory[0:16] = bytes([0x80, 0x7F, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
    got = call("load8x8_s", 0)[0]
    assert lanes(got, 16, True) == [-128, 127, -1, 1, 2, 3, 4, 5]
    assert lanes(call("load32x2_u", 0)[0], 64) == [0x0504_0302, 0x0908_0706]
    assert call("load16_splat", 0)[0] == join([0x7F80] * 8, 16)
    assert call("load64_zero", 0)[0] == int.from_bytes(memory[0:8], "little")
    _traps(call, "load8x8_s", PAGE - 7)
    _traps(call, "load32x2_u", PAGE - 11)  # offset 4, 8 bytes: 1 past the end
    _traps(call, "load16_splat", PAGE - 1)
    _traps(call, "load64_zero", PAGE - 7)


def test_lane_loads_and_stores_check_bounds_before_writing(machine):
    call, memory = machine
    v = join([0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444], 32)
    memory[PAGE - 4 :] = b"\xaa\xbb\xcc\xdd"
    assert lanes(call("load32_lane1", PAGE - 4, v)[0], 32) == [
        0x1111_1111,
        0xDDCC_BBAA,
        0x3333_3333,
        0x4444_4444,
    ]
    _traps(call, "load32_lane1", PAGE - 3, v)
    assert lanes(call("load8_lane15", PAGE - 2, 0)[0], 8)[15] == 0xDD
    _traps(call, "load8_lane15", PAGE - 1, 0)
    # A store that does not fit writes nothing.
    _traps(call, "store64_lane1", PAGE - 7, v)
    assert bytes(memory[PAGE - 8 :]) == bytes(4) + b"\xaa\xbb\xcc\xdd"
    call("store64_lane1", PAGE - 8, v)
    assert bytes(memory[PAGE - 8 :]) == (0x4444_4444_3333_3333).to_bytes(8, "little")
    _traps(call, "store16_lane7", PAGE - 3, v)
    call("store16_lane7", PAGE - 4, v)
    assert bytes(memory[PAGE - 2 :]) == b"\x44\x44"
