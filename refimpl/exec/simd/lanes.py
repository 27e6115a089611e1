"""The vocabulary the v128 semantics share: lane masks, lane structs and the
SWAR primitives.

A v128 is an ``int`` ``0 <= v < 2**128``; lane ``i`` of width ``w`` is
``v >> (i * w) & (2**w - 1)`` (little-endian, as in memory).

SWAR ("SIMD within a register"): integer lane operations are done on the
whole int at once, with masks that keep carries and borrows from crossing
lane boundaries.  For a lane width ``w``:

``rep(w)``
    1 in every lane (``0x0101...01`` for ``w = 8``); ``x * rep(w)`` splats a
    lane value ``x``.
``high(w)`` (H), ``M128 ^ H`` (L)
    the top bit of every lane, and all the other bits.
``add``
    ``((a & L) + (b & L)) ^ ((a ^ b) & H)``: the low bits of each lane add
    without reaching the next lane (at most ``2**w - 2``); the top bit is the
    xor of the operands' top bits and the carry into it.
``sub``
    ``((a | H) - (b & L)) ^ ((a ^ ~b) & H)``: setting the top bit of every
    minuend lane makes each lane's difference non-negative, so no borrow
    leaves the lane; the xor then fixes the top bit.
``unsigned a < b``, as top bits
    ``((~a & b) | ~((a ^ b) | d)) & H`` with ``d = (a | H) - (b & L)``: the
    top bits decide, unless they are equal, and then the borrow of the low
    bits (``d``'s top bit clear) does.  Signed: flip both top bits first.
``non-zero lanes``, as top bits
    ``(((x & L) + L) | x) & H``.
``expand``
    a lane's top bit to the whole lane: ``(h << 1) - (h >> (w - 1))``.
"""

from __future__ import annotations

import struct

M128 = (1 << 128) - 1
M8, M16, M32, M64 = 0xFF, 0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF
LANE_MASK = {8: M8, 16: M16, 32: M32, 64: M64}


def rep(width: int) -> int:
    """1 in every lane of ``width`` bits."""
    return M128 // ((1 << width) - 1)


def high(width: int) -> int:
    """The top bit of every lane of ``width`` bits."""
    return rep(width) << (width - 1)


REP8, REP16, REP32, REP64 = rep(8), rep(16), rep(32), rep(64)
H8, H16, H32, H64 = high(8), high(16), high(32), high(64)

# Whole-vector structs by lane shape.  ``F32X4`` widens through C (float ->
# double), which quiets a signalling NaN: use it only where a NaN operand's
# result is an arithmetic NaN anyway (or only its NaN-ness matters); bit-exact
# lane access goes through the integer structs and ``numerics.f32_from_bits``.
I8X16 = struct.Struct("<16b")
U8X16 = struct.Struct("<16B")
I16X8 = struct.Struct("<8h")
U16X8 = struct.Struct("<8H")
I32X4 = struct.Struct("<4i")
U32X4 = struct.Struct("<4I")
I64X2 = struct.Struct("<2q")
U64X2 = struct.Struct("<2Q")
F32X4 = struct.Struct("<4f")
F64X2 = struct.Struct("<2d")

# Half vectors (8 bytes): the sources of extend, extmul and load8x8 & co.
I8X8 = struct.Struct("<8b")
U8X8 = struct.Struct("<8B")
I16X4 = struct.Struct("<4h")
U16X4 = struct.Struct("<4H")
I32X2 = struct.Struct("<2i")
U32X2 = struct.Struct("<2I")
F32X2 = struct.Struct("<2f")


def to_bytes(v: int) -> bytes:
    return v.to_bytes(16, "little")


def from_bytes(b) -> int:
    return int.from_bytes(b, "little")


def named(name: str, fn):
    """``fn`` under the name of the instruction it implements (for tracebacks
    and for ``SIMD_OPS``'s lookup by ``OpInfo.ident``)."""
    fn.__name__ = fn.__qualname__ = name
    return fn
