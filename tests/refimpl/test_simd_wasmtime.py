"""Differential tests of refimpl.exec.simd against wasmtime.

wasmtime-py has no v128 values, so one module wraps each instruction in a
function of i64 pairs: a v128 operand arrives as (low, high) and is rebuilt
with i64x2.splat / replace_lane, a v128 result leaves as two i64 results;
f32/f64 scalars cross as their bits.  Our side calls the semantic functions
directly.

Exact bits are compared, except in NaN lanes of the float operations whose
NaN results are nondeterministic (spec 4.3.3): there both must be NaNs, and
ours canonical when every NaN among the lane's inputs is canonical, else
arithmetic.  Relaxed SIMD is left out: its results are implementation-defined
(test_simd checks our choices are allowed ones).
"""

from __future__ import annotations

import functools
import math
import struct

import pytest

from harness.engines.wasmtime_engine import new_engine

wasmtime = pytest.importorskip("wasmtime")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refimpl.exec import numerics, simd  # noqa: E402
from refimpl.syntax.opcodes import OPS, Op  # noqa: E402
from refimpl.syntax.types import F32, F64, I32, I64, V128  # noqa: E402

M32, M64, M128 = 2**32 - 1, 2**64 - 1, 2**128 - 1

# Float results whose NaNs may be any canonical/arithmetic NaN, per lane.
NAN_NONDET = {
    "add",
    "sub",
    "mul",
    "div",
    "sqrt",
    "min",
    "max",
    "ceil",
    "floor",
    "trunc",
    "nearest",
    "demote_f64x2_zero",
    "promote_low_f32x4",
}


def _lane_width(name: str) -> int:
    """``i16x8.add`` -> 16."""
    return int(name.split(".")[0][1:].split("x")[0])


CODES = sorted(c for c in simd.SIMD_OPS if "relaxed" not in OPS[c].name)
LANE_CASES = [
    (c, lane)
    for c in sorted(simd.LANE_OPS)
    for lane in sorted({0, 1, 128 // _lane_width(OPS[c].name) - 1})
]
SHUFFLES = [
    tuple(range(16)),
    tuple(range(31, 15, -1)),
    (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
    (31, 0, 30, 1, 7, 7, 7, 7, 16, 16, 16, 16, 9, 25, 11, 27),
]

_CARRIER = {I32: "i32", I64: "i64", F32: "i32", F64: "i64"}


def _params_wat(params) -> tuple[list[str], list[str]]:
    """(wasm params, instructions pushing the operands)."""
    decl, body = [], []
    i = 0
    for t in params:
        if t is V128:
            decl += ["i64", "i64"]
            body += [f"local.get {i}", "i64x2.splat", f"local.get {i + 1}", "i64x2.replace_lane 1"]
            i += 2
        else:
            decl.append(_CARRIER[t])
            body.append(f"local.get {i}")
            if t is F32:
                body.append("f32.reinterpret_i32")
            elif t is F64:
                body.append("f64.reinterpret_i64")
            i += 1
    return decl, body


def _result_wat(t, first_local: int) -> tuple[list[str], list[str], list[str]]:
    """(wasm results, extra locals, instructions after the operation)."""
    if t is V128:
        r = first_local
        unpack = [f"local.set {r}", f"local.get {r}", "i64x2.extract_lane 0"]
        unpack += [f"local.get {r}", "i64x2.extract_lane 1"]
        return ["i64", "i64"], ["v128"], unpack
    tail = {F32: ["i32.reinterpret_f32"], F64: ["i64.reinterpret_f64"]}.get(t, [])
    return [_CARRIER[t]], [], tail


def _func(export: str, instr: str, params, result) -> str:
    decl, body = _params_wat(params)
    results, local_types, tail = _result_wat(result, len(decl))
    return (
        f'(func (export "{export}") (param {" ".join(decl)}) (result {" ".join(results)})'
        + (f" (local {' '.join(local_types)})" if local_types else "")
        + " "
        + " ".join([*body, instr, *tail])
        + ")"
    )


def _lane_signature(code):
    name = OPS[code].name
    scalar = {"i8": I32, "i16": I32, "i32": I32, "i64": I64, "f32": F32, "f64": F64}[
        name.split("x")[0]
    ]
    if "extract" in name:
        return (V128,), scalar
    return (V128, scalar), V128


@functools.cache
def _oracle():
    funcs = [_func(OPS[c].ident, OPS[c].name, OPS[c].params, OPS[c].results[0]) for c in CODES]
    for c, lane in LANE_CASES:
        params, result = _lane_signature(c)
        funcs.append(_func(f"{OPS[c].ident}_{lane}", f"{OPS[c].name} {lane}", params, result))
    for k, pattern in enumerate(SHUFFLES):
        instr = "i8x16.shuffle " + " ".join(map(str, pattern))
        funcs.append(_func(f"shuffle_{k}", instr, (V128, V128), V128))
    engine = new_engine()
    store = wasmtime.Store(engine)
    wasm = wasmtime.wat2wasm("(module\n" + "\n".join(funcs) + "\n)")
    instance = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    return store, instance.exports(store)


def _theirs(export: str, params, args, result):
    store, exports = _oracle()
    flat = []
    for t, a in zip(params, args, strict=True):
        flat += [a & M64, a >> 64] if t is V128 else [a]
    # wasmtime-py takes and returns i64s as signed Python ints.
    flat = [x - (1 << 64) if x >> 63 else x for x in flat]
    out = exports[export](store, *flat)
    if result is V128:
        lo, hi = out
        return (lo & M64) | (hi & M64) << 64
    return out & (M32 if result in (I32, F32) else M64)


def _ours(fn, params, args, result, *imm):
    values = []
    for t, a in zip(params, args, strict=True):
        values.append(
            numerics.f32_from_bits(a) if t is F32 else numerics.f64_from_bits(a) if t is F64 else a
        )
    # A lane immediate comes after the vector operand: fn(v, lane[, x]).
    v = fn(values[0], *imm, *values[1:]) if imm else fn(*values)
    if result is F32:
        return numerics.f32_to_bits(v)
    if result is F64:
        return numerics.f64_to_bits(v)
    assert 0 <= v <= (M128 if result is V128 else M64)
    return v


def _is_nan(x: int, w: int) -> bool:
    return x & ((1 << (w - 1)) - 1) > (0x7F80_0000 if w == 32 else 0x7FF << 52)


def _is_canonical(x: int, w: int) -> bool:
    return x & ((1 << (w - 1)) - 1) == (0x7FC0_0000 if w == 32 else 0x7FF8 << 48)


def _is_arithmetic(x: int, w: int) -> bool:
    q = 0x7FC0_0000 if w == 32 else 0x7FF8 << 48
    return x & q == q


def _nan_lanes_ok(name: str, args, ours: int, theirs: int) -> bool:
    """Lane-wise comparison of a float result with nondeterministic NaNs."""
    w = _lane_width(name)
    # The input lanes result lane i comes from: the same lane, but f64 lane i
    # for demote and f32 lane i for promote.
    src_w = {"demote_f64x2_zero": 64, "promote_low_f32x4": 32}.get(name.split(".")[1], w)
    m, sm = (1 << w) - 1, (1 << src_w) - 1
    for i in range(128 // w):
        o, t = ours >> (i * w) & m, theirs >> (i * w) & m
        if o == t:
            continue
        if not (_is_nan(o, w) and _is_nan(t, w)):
            return False
        nans = [x for x in (a >> (i * src_w) & sm for a in args) if _is_nan(x, src_w)]
        if all(_is_canonical(x, src_w) for x in nans):
            if not _is_canonical(o, w):
                return False
        elif not _is_arithmetic(o, w):
            return False
    return True


def check(code, args):
    info = OPS[code]
    result = info.results[0]
    ours = _ours(simd.SIMD_OPS[code], info.params, args, result)
    theirs = _theirs(info.ident, info.params, args, result)
    where = f"{info.name}{tuple(hex(a) for a in args)}: ours {ours:#x}, wasmtime {theirs:#x}"
    if ours != theirs and info.name.split(".")[1] in NAN_NONDET:
        assert _nan_lanes_ok(info.name, args, ours, theirs), where
        return
    assert ours == theirs, where


# -- inputs -------------------------------------------------------------------------------


def _f32b(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64b(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


LANE_EDGES = {
    8: [0, 1, 0x7F, 0x80, 0x81, 0xFE, 0xFF],
    16: [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x00FF, 0xFF00],
    32: [0, 1, 0x7FFF_FFFF, 0x8000_0000, M32]
    + [0x7FC0_0000, 0xFFC0_0000, 0x7FA0_0000, 0x7FE0_0001, 0x7F80_0000, 0xFF80_0000]
    + [_f32b(x) for x in (1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 1.5e-45, 3.4e38, 2.0**31, 4.3e9)]
    + [0x8000_0000, 0x4F00_0000, 0xCF00_0000, 0x4F80_0000, 0x3F7F_FFFF],
    64: [0, 1, 2**63 - 1, 2**63, M64]
    + [0x7FF8 << 48, 0xFFF8 << 48, 0x7FF4 << 48, (0x7FFC << 48) | 1, 0x7FF << 52, 0xFFF << 52]
    + [_f64b(x) for x in (1.0, -0.5, 2.5, 1e300, 5e-324, 2.0**31, -(2.0**31) - 1, 4294967295.5)]
    + [_f64b(x) for x in (3.4028235677973366e38, 1.401298464324817e-45, math.pi)],
}


def _vector(w: int):
    lane = st.one_of(st.sampled_from(LANE_EDGES[w]), st.integers(0, (1 << w) - 1))
    return st.lists(lane, min_size=128 // w, max_size=128 // w).map(
        lambda xs: sum(x << (i * w) for i, x in enumerate(xs))
    )


V128S = st.one_of(st.integers(0, M128), *(_vector(w) for w in (8, 16, 32, 64)))
SCALARS = {
    I32: st.one_of(
        st.sampled_from([0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, M32]), st.integers(0, M32)
    ),
    I64: st.one_of(st.sampled_from([0, 1, 63, 64, 2**63, M64]), st.integers(0, M64)),
    F32: st.sampled_from(LANE_EDGES[32]),
    F64: st.sampled_from(LANE_EDGES[64]),
    V128: V128S,
}
SETTINGS = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("code", CODES, ids=lambda c: OPS[c].name)
def test_against_wasmtime(code):
    info = OPS[code]
    # Every op on vectors made of one repeated edge lane first, then drawn inputs.
    for w, edges in LANE_EDGES.items():
        for x in edges:
            v = x * (M128 // ((1 << w) - 1))
            args = [v if t is V128 else x & (M32 if t in (I32, F32) else M64) for t in info.params]
            check(code, args)

    @SETTINGS
    @given(st.tuples(*(SCALARS[t] for t in info.params)))
    def run(args):
        check(code, list(args))

    run()


@SETTINGS
@given(V128S, V128S, st.integers(0, M64))
def test_lanes_and_shuffles_against_wasmtime(a, b, x):
    for code, lane in LANE_CASES:
        info = OPS[code]
        params, result = _lane_signature(code)
        args = [a] if len(params) == 1 else [a, x & (M64 if params[1] in (I64, F64) else M32)]
        if params[-1] is F32 and len(params) == 2:
            args[1] = LANE_EDGES[32][x % len(LANE_EDGES[32])]
        ours = _ours(simd.LANE_OPS[code], params, args, result, lane)
        theirs = _theirs(f"{info.ident}_{lane}", params, args, result)
        assert ours == theirs, f"{info.name} {lane} {[hex(v) for v in args]}"
    for k, pattern in enumerate(SHUFFLES):
        assert simd.i8x16_shuffle(a, b, pattern) == _theirs(
            f"shuffle_{k}", (V128, V128), (a, b), V128
        )


def test_the_wrappers_cover_the_vector_ops():
    assert Op.I8X16_SHUFFLE not in simd.SIMD_OPS
    assert len(CODES) + 20 == len(simd.SIMD_OPS)  # the 20 relaxed instructions left out
