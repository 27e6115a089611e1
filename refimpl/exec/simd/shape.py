"""Lane access and rearrangement (spec 4.4.3): splat, extract_lane,
replace_lane, shuffle, swizzle.

``extract_lane``/``replace_lane`` take the lane index as their second
argument (an immediate in the instruction); ``i8x16_shuffle`` takes the 16
lane indices as a ``bytes`` (or any sequence of ints < 32).
"""

from __future__ import annotations

from ..numerics import M32, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits
from .lanes import M8, M16, M64, M128, REP8, REP16, REP32, REP64

# bytes.translate tables: index bytes >= 16 (swizzle) or >= 32 (shuffle) fall
# on these zeros.
_ZEROS_240 = bytes(240)
_ZEROS_224 = bytes(224)


# -- splat ------------------------------------------------------------------------


def i8x16_splat(x: int) -> int:
    return (x & M8) * REP8


def i16x8_splat(x: int) -> int:
    return (x & M16) * REP16


def i32x4_splat(x: int) -> int:
    return x * REP32


def i64x2_splat(x: int) -> int:
    return x * REP64


def f32x4_splat(x: float) -> int:
    return f32_to_bits(x) * REP32


def f64x2_splat(x: float) -> int:
    return f64_to_bits(x) * REP64


# -- extract_lane ------------------------------------------------------------------


def i8x16_extract_lane_s(v: int, lane: int) -> int:
    return (((v >> (lane << 3) & M8) ^ 0x80) - 0x80) & M32


def i8x16_extract_lane_u(v: int, lane: int) -> int:
    return v >> (lane << 3) & M8


def i16x8_extract_lane_s(v: int, lane: int) -> int:
    return (((v >> (lane << 4) & M16) ^ 0x8000) - 0x8000) & M32


def i16x8_extract_lane_u(v: int, lane: int) -> int:
    return v >> (lane << 4) & M16


def i32x4_extract_lane(v: int, lane: int) -> int:
    return v >> (lane << 5) & M32


def i64x2_extract_lane(v: int, lane: int) -> int:
    return v >> (lane << 6) & M64


def f32x4_extract_lane(v: int, lane: int) -> float:
    return f32_from_bits(v >> (lane << 5) & M32)  # bit-exact, signalling NaNs too


def f64x2_extract_lane(v: int, lane: int) -> float:
    return f64_from_bits(v >> (lane << 6) & M64)


# -- replace_lane ------------------------------------------------------------------


def i8x16_replace_lane(v: int, lane: int, x: int) -> int:
    sh = lane << 3
    return (v & (M128 ^ (M8 << sh))) | (x & M8) << sh


def i16x8_replace_lane(v: int, lane: int, x: int) -> int:
    sh = lane << 4
    return (v & (M128 ^ (M16 << sh))) | (x & M16) << sh


def i32x4_replace_lane(v: int, lane: int, x: int) -> int:
    sh = lane << 5
    return (v & (M128 ^ (M32 << sh))) | x << sh


def i64x2_replace_lane(v: int, lane: int, x: int) -> int:
    sh = lane << 6
    return (v & (M128 ^ (M64 << sh))) | x << sh


def f32x4_replace_lane(v: int, lane: int, x: float) -> int:
    return i32x4_replace_lane(v, lane, f32_to_bits(x))


def f64x2_replace_lane(v: int, lane: int, x: float) -> int:
    return i64x2_replace_lane(v, lane, f64_to_bits(x))


# -- shuffle / swizzle ---------------------------------------------------------------


def i8x16_shuffle(a: int, b: int, lanes) -> int:
    """Lane ``i`` of the result is byte ``lanes[i]`` of ``a`` ++ ``b``.

    ``bytes.translate`` looks every byte of ``lanes`` up in a 256-byte table:
    the 32 bytes of the operands, then zeros (validation keeps indices < 32)."""
    table = a.to_bytes(16, "little") + b.to_bytes(16, "little") + _ZEROS_224
    return int.from_bytes(bytes(lanes).translate(table), "little")


def i8x16_swizzle(a: int, s: int) -> int:
    """Lane ``i`` is byte ``s[i]`` of ``a``, or 0 for an index >= 16."""
    return int.from_bytes(
        s.to_bytes(16, "little").translate(a.to_bytes(16, "little") + _ZEROS_240), "little"
    )


__all__ = [
    name for name in globals() if name[:5] in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2")
]
