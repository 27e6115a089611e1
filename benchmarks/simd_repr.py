"""Which Python object should hold a v128?  Three candidates, one workload.

    python benchmarks/simd_repr.py [--quick]

Candidates:

``int``
    one 128-bit Python int (lane 0 in the low bits), what the runtime's API
    already uses.  Lane-wise integer ops can often stay on the int (SWAR: the
    lanes are added/compared/shifted in one big-int operation with masks that
    stop carries at lane boundaries); other ops split with
    ``int.to_bytes`` + ``struct`` and join with ``struct`` + ``int.from_bytes``.
``bytes``
    16 bytes, little-endian.  ``struct`` reads lanes from it directly, but
    every bitwise op needs a round trip through an int.
``tuple``
    a tuple of four u32 lanes (the shape of i32x4/f32x4).  i32x4 ops are
    plain generator work; other lane shapes and bitwise ops go through
    ``struct``.

The workload is a loop body of a SIMD-heavy kernel: two loads from a
bytearray, i32x4.add, i8x16.add_sat_s, f32x4.mul, i8x16.shuffle, an
extract_lane / replace_lane pair, v128.bitselect, i8x16.eq and a store.  Each
op is also timed on its own.  The split/join cost is inside every op that
needs lanes: no candidate gets its preferred lane shape for free.

A last section times the real semantic functions of ``refimpl.exec.simd``
(int representation) on the same ops, when the package is importable.
"""

from __future__ import annotations

import struct
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

M128 = (1 << 128) - 1
_B16 = struct.Struct("<16b")
_U32X4 = struct.Struct("<4I")
_F32X4 = struct.Struct("<4f")
_U8X16 = struct.Struct("<16B")

# SWAR masks: the high bit of every lane, and the rest.
H8 = 0x80 * (M128 // 0xFF)
L8 = M128 ^ H8
H32 = 0x8000_0000 * (M128 // 0xFFFF_FFFF)
L32 = M128 ^ H32
REP8 = M128 // 0xFF  # 0x0101...01


def _pack_f32x4(xs: list) -> bytes:
    try:
        return _F32X4.pack(*xs)
    except OverflowError:  # a finite double that rounds to an f32 infinity
        return _F32X4.pack(*[x if abs(x) < 3.5e38 else x * 1e300 for x in xs])


def _sat8(x: int) -> int:
    return -128 if x < -128 else 127 if x > 127 else x


_SHUF = (0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31)
# Shuffle by bytes.translate: the lane indices, looked up in a 256-byte table
# made of the 32 operand bytes (then zeros) -- faster than indexing in Python.
_SHUF_BYTES = bytes(_SHUF)
_Z224 = bytes(224)

# ---------------------------------------------------------------------------
# int


def int_i32x4_add(a: int, b: int) -> int:
    return ((a & L32) + (b & L32)) ^ ((a ^ b) & H32)


def int_i8x16_add_sat_s(a: int, b: int) -> int:
    s = ((a & L8) + (b & L8)) ^ ((a ^ b) & H8)
    over = ~(a ^ b) & (a ^ s) & H8  # same-sign operands, sign changed
    if not over:
        return s
    m = (over >> 7) * 0xFF
    sat = L8 + ((a & H8) >> 7)  # 0x7F, or 0x80 where a is negative
    return (s & ~m) | (sat & m)


def int_i8x16_add_sat_s_lanes(a: int, b: int) -> int:
    xs = _B16.unpack(a.to_bytes(16, "little"))
    ys = _B16.unpack(b.to_bytes(16, "little"))
    return int.from_bytes(_B16.pack(*[_sat8(x + y) for x, y in zip(xs, ys, strict=True)]), "little")


def int_f32x4_mul(a: int, b: int) -> int:
    xs = _F32X4.unpack(a.to_bytes(16, "little"))
    ys = _F32X4.unpack(b.to_bytes(16, "little"))
    return int.from_bytes(_pack_f32x4([x * y for x, y in zip(xs, ys, strict=True)]), "little")


def int_shuffle(a: int, b: int) -> int:
    table = a.to_bytes(16, "little") + b.to_bytes(16, "little") + _Z224
    return int.from_bytes(_SHUF_BYTES.translate(table), "little")


def int_extract_i32(v: int, lane: int) -> int:
    return (v >> (lane * 32)) & 0xFFFF_FFFF


def int_replace_i32(v: int, lane: int, x: int) -> int:
    sh = lane * 32
    return (v & ~(0xFFFF_FFFF << sh)) | (x << sh)


def int_bitselect(a: int, b: int, c: int) -> int:
    return (a & c) | (b & ~c)


def int_i8x16_eq(a: int, b: int) -> int:
    x = a ^ b
    nonzero = (((x & L8) + L8) | x) & H8
    return M128 ^ ((nonzero >> 7) * 0xFF)


def int_load(mem: bytearray, ea: int) -> int:
    return int.from_bytes(mem[ea : ea + 16], "little")


def int_store(mem: bytearray, ea: int, v: int) -> None:
    mem[ea : ea + 16] = v.to_bytes(16, "little")


def int_kernel(mem: bytearray, n: int) -> None:
    for i in range(n):
        ea = (i * 16) & 1023
        a = int_load(mem, ea)
        b = int_load(mem, ea + 16)
        c = int_i32x4_add(a, b)
        d = int_i8x16_add_sat_s(c, b)
        e = int_f32x4_mul(a, b)
        f = int_shuffle(d, e)
        x = int_extract_i32(f, 2)
        g = int_replace_i32(f, 1, x)
        h = int_bitselect(g, a, int_i8x16_eq(a, b))
        int_store(mem, OUT + ea, h)


# ---------------------------------------------------------------------------
# bytes


def bytes_i32x4_add(a: bytes, b: bytes) -> bytes:
    xs, ys = _U32X4.unpack(a), _U32X4.unpack(b)
    return _U32X4.pack(*[(x + y) & 0xFFFF_FFFF for x, y in zip(xs, ys, strict=True)])


def bytes_i8x16_add_sat_s(a: bytes, b: bytes) -> bytes:
    return _B16.pack(*[_sat8(x + y) for x, y in zip(_B16.unpack(a), _B16.unpack(b), strict=True)])


def bytes_f32x4_mul(a: bytes, b: bytes) -> bytes:
    return _pack_f32x4([x * y for x, y in zip(_F32X4.unpack(a), _F32X4.unpack(b), strict=True)])


def bytes_shuffle(a: bytes, b: bytes) -> bytes:
    return _SHUF_BYTES.translate(a + b + _Z224)


def bytes_extract_i32(v: bytes, lane: int) -> int:
    return _U32X4.unpack(v)[lane]


def bytes_replace_i32(v: bytes, lane: int, x: int) -> bytes:
    o = lane * 4
    return v[:o] + x.to_bytes(4, "little") + v[o + 4 :]


def bytes_bitselect(a: bytes, b: bytes, c: bytes) -> bytes:
    ia, ib, ic = (int.from_bytes(v, "little") for v in (a, b, c))
    return ((ia & ic) | (ib & ~ic)).to_bytes(16, "little")


def bytes_i8x16_eq(a: bytes, b: bytes) -> bytes:
    return bytes([255 if x == y else 0 for x, y in zip(a, b, strict=True)])


def bytes_load(mem: bytearray, ea: int) -> bytes:
    return bytes(mem[ea : ea + 16])


def bytes_store(mem: bytearray, ea: int, v: bytes) -> None:
    mem[ea : ea + 16] = v


def bytes_kernel(mem: bytearray, n: int) -> None:
    for i in range(n):
        ea = (i * 16) & 1023
        a = bytes_load(mem, ea)
        b = bytes_load(mem, ea + 16)
        c = bytes_i32x4_add(a, b)
        d = bytes_i8x16_add_sat_s(c, b)
        e = bytes_f32x4_mul(a, b)
        f = bytes_shuffle(d, e)
        x = bytes_extract_i32(f, 2)
        g = bytes_replace_i32(f, 1, x)
        h = bytes_bitselect(g, a, bytes_i8x16_eq(a, b))
        bytes_store(mem, OUT + ea, h)


# ---------------------------------------------------------------------------
# tuple of four u32 lanes


def tuple_i32x4_add(a: tuple, b: tuple) -> tuple:
    return tuple([(x + y) & 0xFFFF_FFFF for x, y in zip(a, b, strict=True)])


def tuple_i8x16_add_sat_s(a: tuple, b: tuple) -> tuple:
    xs = _B16.unpack(_U32X4.pack(*a))
    ys = _B16.unpack(_U32X4.pack(*b))
    return _U32X4.unpack(_B16.pack(*[_sat8(x + y) for x, y in zip(xs, ys, strict=True)]))


def tuple_f32x4_mul(a: tuple, b: tuple) -> tuple:
    xs = _F32X4.unpack(_U32X4.pack(*a))
    ys = _F32X4.unpack(_U32X4.pack(*b))
    return _U32X4.unpack(_pack_f32x4([x * y for x, y in zip(xs, ys, strict=True)]))


def tuple_shuffle(a: tuple, b: tuple) -> tuple:
    return _U32X4.unpack(_SHUF_BYTES.translate(_U32X4.pack(*a) + _U32X4.pack(*b) + _Z224))


def tuple_extract_i32(v: tuple, lane: int) -> int:
    return v[lane]


def tuple_replace_i32(v: tuple, lane: int, x: int) -> tuple:
    return (*v[:lane], x, *v[lane + 1 :])


def tuple_bitselect(a: tuple, b: tuple, c: tuple) -> tuple:
    return tuple([(x & z) | (y & ~z) for x, y, z in zip(a, b, c, strict=True)])


def tuple_i8x16_eq(a: tuple, b: tuple) -> tuple:
    xs = _U32X4.pack(*a)
    ys = _U32X4.pack(*b)
    return _U32X4.unpack(bytes([255 if x == y else 0 for x, y in zip(xs, ys, strict=True)]))


def tuple_load(mem: bytearray, ea: int) -> tuple:
    return _U32X4.unpack_from(mem, ea)


def tuple_store(mem: bytearray, ea: int, v: tuple) -> None:
    _U32X4.pack_into(mem, ea, *v)


def tuple_kernel(mem: bytearray, n: int) -> None:
    for i in range(n):
        ea = (i * 16) & 1023
        a = tuple_load(mem, ea)
        b = tuple_load(mem, ea + 16)
        c = tuple_i32x4_add(a, b)
        d = tuple_i8x16_add_sat_s(c, b)
        e = tuple_f32x4_mul(a, b)
        f = tuple_shuffle(d, e)
        x = tuple_extract_i32(f, 2)
        g = tuple_replace_i32(f, 1, x)
        h = tuple_bitselect(g, a, tuple_i8x16_eq(a, b))
        tuple_store(mem, OUT + ea, h)


# ---------------------------------------------------------------------------
# Measurement


REPEAT = 25  # many short runs, best taken: robust to a busy machine


def _best_ns(stmt, number: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=REPEAT)) / number * 1e9


OUT = 2048  # results go here, past the 1024 + 16 bytes the kernel reads


def _memory() -> bytearray:
    """Input bytes whose f32 lanes are moderate (exponent byte 0x3F or 0x40),
    so that f32x4.mul never overflows: the common path is measured."""
    mem = bytearray(OUT + 1024 + 16)
    for i in range(OUT):
        mem[i] = (0x3F + (i >> 2 & 1)) if i % 4 == 3 else (i * 37 + 11) & 0xFF
    return mem


def _split_join_figures(number: int) -> list[tuple[str, float]]:
    v = int.from_bytes(bytes(range(1, 17)), "little")
    b = v.to_bytes(16, "little")
    x0, x1, x2, x3 = _U32X4.unpack(b)
    sixteen = list(b)
    return [
        ("int -> bytes (to_bytes)", _best_ns(lambda: v.to_bytes(16, "little"), number)),
        ("bytes -> int (from_bytes)", _best_ns(lambda: int.from_bytes(b, "little"), number)),
        (
            "int -> 4 lanes (to_bytes+unpack)",
            _best_ns(lambda: _U32X4.unpack(v.to_bytes(16, "little")), number),
        ),
        (
            "int -> 4 lanes (shifts)",
            _best_ns(
                lambda: (v & 0xFFFFFFFF, v >> 32 & 0xFFFFFFFF, v >> 64 & 0xFFFFFFFF, v >> 96),
                number,
            ),
        ),
        (
            "4 lanes -> int (pack+from_bytes)",
            _best_ns(lambda: int.from_bytes(_U32X4.pack(x0, x1, x2, x3), "little"), number),
        ),
        (
            "4 lanes -> int (shifts/or)",
            _best_ns(lambda: x0 | x1 << 32 | x2 << 64 | x3 << 96, number),
        ),
        (
            "16 lanes -> int (bytes()+from_bytes)",
            _best_ns(lambda: int.from_bytes(bytes(sixteen), "little"), number),
        ),
    ]


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    number = 2_000 if quick else 20_000
    kernel_n = 500 if quick else 2_000
    mem = _memory()
    a_bytes, b_bytes, c_bytes = bytes(mem[0:16]), bytes(mem[16:32]), bytes(mem[32:48])
    reps = {
        "int": (
            int.from_bytes(a_bytes, "little"),
            int.from_bytes(b_bytes, "little"),
            int.from_bytes(c_bytes, "little"),
        ),
        "bytes": (a_bytes, b_bytes, c_bytes),
        "tuple": (_U32X4.unpack(a_bytes), _U32X4.unpack(b_bytes), _U32X4.unpack(c_bytes)),
    }
    impls = {
        name: {k[len(name) + 1 :]: f for k, f in globals().items() if k.startswith(name + "_")}
        for name in reps
    }

    # Cross-check: the three representations compute the same kernel.
    results = {}
    for name, fns in impls.items():
        m = _memory()
        fns["kernel"](m, 200)
        results[name] = bytes(m)
    assert results["int"] == results["bytes"] == results["tuple"], "representations disagree"
    a, b, c = reps["int"]
    assert int_i8x16_add_sat_s(a, b) == int_i8x16_add_sat_s_lanes(a, b)

    ops = [
        ("i32x4.add", lambda f, a, b, c: f["i32x4_add"](a, b)),
        ("i8x16.add_sat_s", lambda f, a, b, c: f["i8x16_add_sat_s"](a, b)),
        ("f32x4.mul", lambda f, a, b, c: f["f32x4_mul"](a, b)),
        ("i8x16.shuffle", lambda f, a, b, c: f["shuffle"](a, b)),
        ("i32x4.extract_lane", lambda f, a, b, c: f["extract_i32"](a, 2)),
        ("i32x4.replace_lane", lambda f, a, b, c: f["replace_i32"](a, 1, 7)),
        ("v128.bitselect", lambda f, a, b, c: f["bitselect"](a, b, c)),
        ("i8x16.eq", lambda f, a, b, c: f["i8x16_eq"](a, b)),
        ("v128.load", lambda f, a, b, c: f["load"](mem, 64)),
        ("v128.store", lambda f, a, b, c: f["store"](mem, OUT, a)),
    ]
    print(f"per op, ns (best of {REPEAT} x {number})")
    print(f"{'op':24}" + "".join(f"{name:>10}" for name in reps))
    for label, call in ops:
        row = []
        for name, (a, b, c) in reps.items():
            f = impls[name]
            row.append(_best_ns(lambda f=f, a=a, b=b, c=c, call=call: call(f, a, b, c), number))
        print(f"{label:24}" + "".join(f"{t:10.0f}" for t in row))
    a, b, _ = reps["int"]
    t = _best_ns(lambda: int_i8x16_add_sat_s_lanes(a, b), number)
    print(f"{'i8x16.add_sat_s (lanes)':24}{t:10.0f}   (int, split/join instead of SWAR)")

    print(f"\nkernel (10 ops + 2 loads + 1 store), us per iteration, {kernel_n} iterations")
    for name, fns in impls.items():
        m = _memory()
        t = min(
            timeit.repeat(lambda fns=fns, m=m: fns["kernel"](m, kernel_n), number=1, repeat=REPEAT)
        )
        print(f"  {name:8}{t / kernel_n * 1e6:8.2f}")

    print("\nsplit / join, ns")
    for label, t in _split_join_figures(number):
        print(f"  {label:40}{t:8.0f}")

    try:
        from refimpl.exec import simd
    except ImportError:
        return
    a, b, c = reps["int"]
    shuffle_lanes = bytes(_SHUF)
    print("\nrefimpl.exec.simd (int), ns per call")
    calls = [
        ("i32x4.add", lambda: simd.i32x4_add(a, b)),
        ("i8x16.add_sat_s", lambda: simd.i8x16_add_sat_s(a, b)),
        ("f32x4.mul", lambda: simd.f32x4_mul(a, b)),
        ("i8x16.shuffle", lambda: simd.i8x16_shuffle(a, b, shuffle_lanes)),
        ("i32x4.extract_lane", lambda: simd.i32x4_extract_lane(a, 2)),
        ("i32x4.replace_lane", lambda: simd.i32x4_replace_lane(a, 1, 7)),
        ("v128.bitselect", lambda: simd.v128_bitselect(a, b, c)),
        ("i8x16.eq", lambda: simd.i8x16_eq(a, b)),
        ("i32x4.lt_s", lambda: simd.i32x4_lt_s(a, b)),
        ("i16x8.mul", lambda: simd.i16x8_mul(a, b)),
        ("i8x16.swizzle", lambda: simd.i8x16_swizzle(a, b)),
        ("f64x2.add", lambda: simd.f64x2_add(a, b)),
        ("f32x4.min", lambda: simd.f32x4_min(a, b)),
        ("i16x8.narrow_i32x4_s", lambda: simd.i16x8_narrow_i32x4_s(a, b)),
        ("i8x16.bitmask", lambda: simd.i8x16_bitmask(a)),
        ("i8x16.shr_s", lambda: simd.i8x16_shr_s(a, 3)),
    ]
    for label, call in calls:
        print(f"  {label:24}{_best_ns(call, number):8.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
