"""Differential tests of refimpl.exec.numerics against wasmtime.

One module exports every scalar numeric instruction as a function named by its
ident.  Float operands and results cross the API as raw bits (i32/i64 params
and results with ``*.reinterpret_*`` around the instruction), since wasmtime's
Python API converts f32 through a C float, which quiets signalling NaNs.
Exact bits are compared, except for NaN results of the operations whose NaN
payload is nondeterministic (spec 4.3.3): there both must be NaNs, and ours must
be canonical or arithmetic as the spec requires.  Traps compare by message.

Every op runs on all (pairs of) edge values, then on hypothesis-drawn inputs.
"""

from __future__ import annotations

import functools
import itertools
import math
import struct

import pytest

from harness.engines.wasmtime_engine import new_engine

wasmtime = pytest.importorskip("wasmtime")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refimpl.errors import Trap  # noqa: E402
from refimpl.exec import numerics as n  # noqa: E402
from refimpl.syntax.opcodes import OPS  # noqa: E402
from refimpl.syntax.types import F32, F64, I32, I64  # noqa: E402

M32, M64 = 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF
MASK = {I32: M32, F32: M32, I64: M64, F64: M64}
CARRIER = {I32: "i32", I64: "i64", F32: "i32", F64: "i64"}

CODES = sorted(n.NUMERIC_OPS)

# Operations whose NaN results are nondeterministic (canonical or arithmetic
# NaNs); the other float-producing ones (neg, abs, copysign, reinterpret,
# convert) are exact.
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
    "demote_f64",
    "promote_f32",
}

TRAP_MESSAGES = {
    "INTEGER_DIVISION_BY_ZERO": "integer divide by zero",
    "INTEGER_OVERFLOW": "integer overflow",
    "BAD_CONVERSION_TO_INTEGER": "invalid conversion to integer",
}


def _f32b(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64b(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


EDGES = {
    I32: [
        0,
        1,
        2,
        3,
        31,
        32,
        33,
        63,
        64,
        0x7F,
        0x80,
        0xFF,
        0x7FFF,
        0x8000,
        0xFFFF,
        0x0100_0001,
        0x0100_0003,
        0x7FFF_FFC0,
        0x7FFF_FFFF,
        0x8000_0000,
        0x8000_0001,
        0xFFFF_FF80,
        0xFFFF_FFFE,
        0xFFFF_FFFF,
        0x1234_5678,
    ],
    I64: [
        0,
        1,
        2,
        63,
        64,
        65,
        0xFFFF_FFFF,
        0x8000_0000,
        0x1_0000_0000,
        0x0020_0000_0000_0001,
        0x0020_0000_0000_0003,
        0x0020_0000_2000_0001,
        0x7FFF_FF40_0000_0001,
        0x8000_0080_0000_0001,
        0xFFFF_FE80_0000_0001,
        0xFFDF_FFFF_DFFF_FFFF,
        0x1000_0010_0000_0001,
        0x1000_0010_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0001,
        0xFFFF_FFFF_8000_0000,
        0xFFFF_FFFF_FFFF_FFFE,
        M64,
    ],
    F32: [
        0x0000_0000,
        0x8000_0000,
        0x0000_0001,
        0x8000_0001,
        0x007F_FFFF,
        0x0080_0000,
        0x7F7F_FFFF,
        0xFF7F_FFFF,
        0x7F80_0000,
        0xFF80_0000,
        0x7FC0_0000,
        0xFFC0_0000,
        0x7FA0_0000,
        0xFFA0_0001,
        0x7FC0_0001,
        0x7F80_0001,
        0x3F80_0000,
        0xBF80_0000,
        0x3F00_0000,
        0xBF00_0000,
        0x3FC0_0000,
        0x4020_0000,
        0xC020_0000,
        0xBF7F_FFFF,
        0x4B00_0001,
        0x4AFF_FFFF,
        0x4EFF_FFFF,
        0x4F00_0000,
        0xCF00_0000,
        0xCF00_0001,
        0x4F7F_FFFF,
        0x4F80_0000,
        0x5EFF_FFFF,
        0x5F00_0000,
        0xDF00_0000,
        0xDF00_0001,
        0x5F7F_FFFF,
        0x5F80_0000,
        0x3EAA_AAAB,
    ],
    F64: [
        _f64b(x)
        for x in (
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            -1.7976931348623157e308,
            math.inf,
            -math.inf,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            2.0**31,
            -(2.0**31),
            -(2.0**31) - 1,
            -2147483648.5,
            2147483647.5,
            2.0**32,
            2.0**32 - 0.5,
            2.0**63,
            -(2.0**63),
            math.nextafter(2.0**63, 0),
            math.nextafter(-(2.0**63), -math.inf),
            2.0**64,
            math.nextafter(2.0**64, 0),
            2.0**52 - 0.5,
            2.0**52 + 1,
            2.0**128 - 2.0**103,
            math.nextafter(2.0**128 - 2.0**103, 0),
            3.4028234663852886e38,
            2.0**-149,
            2.0**-150,
            1 + 2.0**-24,
            1e300,
            0.1,
        )
    ]
    + [
        0x7FF8_0000_0000_0000,
        0xFFF8_0000_0000_0000,
        0x7FF0_0000_0000_0001,
        0x7FF4_0000_0000_0000,
        0x7FF8_0000_0000_0001,
        0xFFF0_0000_2000_0000,
    ],
}


def _bits_strategy(t):
    edges = st.sampled_from(EDGES[t])
    if t is I32:
        return st.one_of(edges, st.integers(0, M32))
    if t is I64:
        return st.one_of(
            edges, st.integers(0, M64), st.integers(-(2**53), 2**53).map(lambda v: v & M64)
        )
    if t is F32:
        parts = st.builds(
            lambda s, e, m: s << 31 | e << 23 | m,
            st.integers(0, 1),
            st.one_of(st.integers(0, 255), st.sampled_from([0, 126, 127, 158, 190, 255])),
            st.integers(0, (1 << 23) - 1),
        )
        near_ints = st.floats(-(2.0**65), 2.0**65, width=32).map(_f32b)
        return st.one_of(edges, parts, near_ints, st.integers(0, M32))
    parts = st.builds(
        lambda s, e, m: s << 63 | e << 52 | m,
        st.integers(0, 1),
        st.one_of(st.integers(0, 2047), st.sampled_from([0, 1022, 1023, 1054, 1086, 1150, 2047])),
        st.integers(0, (1 << 52) - 1),
    )
    near_ints = st.floats(-(2.0**65), 2.0**65).map(_f64b)
    return st.one_of(edges, parts, near_ints, st.integers(0, M64))


def _wat_func(info) -> str:
    params = " ".join(CARRIER[t] for t in info.params)
    body = []
    for i, t in enumerate(info.params):
        body.append(f"local.get {i}")
        if t is F32:
            body.append("f32.reinterpret_i32")
        elif t is F64:
            body.append("f64.reinterpret_i64")
    body.append(info.name)
    res = info.results[0]
    if res is F32:
        body.append("i32.reinterpret_f32")
    elif res is F64:
        body.append("i64.reinterpret_f64")
    return (
        f'(func (export "{info.ident}") (param {params}) (result {CARRIER[res]}) '
        + " ".join(body)
        + ")"
    )


@functools.cache
def _oracle():
    """(store, exports) of one module with every op, compiled once."""
    wat = "(module\n" + "\n".join(_wat_func(OPS[c]) for c in CODES) + "\n)"
    engine = new_engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, wasmtime.wat2wasm(wat))
    instance = wasmtime.Instance(store, module, [])
    exports = instance.exports(store)
    return store, {OPS[c].ident: exports[OPS[c].ident] for c in CODES}


def _decode(t, b):
    if t is F32:
        return n.f32_from_bits(b)
    if t is F64:
        return n.f64_from_bits(b)
    return b


def _encode(t, v):
    if t is F32:
        return n.f32_to_bits(v)
    if t is F64:
        return n.f64_to_bits(v)
    return v


def _is_nan(t, b):
    if t is F32:
        return b & 0x7FFF_FFFF > 0x7F80_0000
    return b & (M64 >> 1) > 0x7FF0_0000_0000_0000


def _canonical(t, b):
    if t is F32:
        return b & 0x7FFF_FFFF == 0x7FC0_0000
    return b & (M64 >> 1) == 0x7FF8_0000_0000_0000


def _arithmetic(t, b):
    if t is F32:
        return b & 0x7FC0_0000 == 0x7FC0_0000
    return b & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000


def _ours(info, args):
    try:
        values = [_decode(t, a) for t, a in zip(info.params, args, strict=True)]
        v = n.NUMERIC_OPS[info.code](*values)
    except Trap as e:
        return ("trap", e.message)
    res = info.results[0]
    if res in (I32, I64):
        assert type(v) is int, info.name
    else:
        assert type(v) is float, info.name
        if res is F32 and v == v:
            assert v == struct.unpack("<f", struct.pack("<f", v))[0], info.name
    b = _encode(res, v)
    assert 0 <= b <= MASK[res], info.name
    return b


def _theirs(info, args):
    store, exports = _oracle()
    try:
        v = exports[info.ident](store, *args)
    except wasmtime.Trap as e:
        return ("trap", TRAP_MESSAGES.get(e.trap_code.name, e.message))
    return v & MASK[info.results[0]]


def check(info, args):
    ours, theirs = _ours(info, args), _theirs(info, args)
    where = f"{info.name}{tuple(hex(a) for a in args)}: ours {ours!r}, wasmtime {theirs!r}"
    res = info.results[0]
    op = info.name.split(".", 1)[1]
    if res in (F32, F64) and op in NAN_NONDET and isinstance(theirs, int) and _is_nan(res, theirs):
        assert isinstance(ours, int) and _is_nan(res, ours), where
        nan_in = [
            (t, a)
            for t, a in zip(info.params, args, strict=True)
            if t in (F32, F64) and _is_nan(t, a)
        ]
        if any(not _canonical(t, a) for t, a in nan_in):
            assert _arithmetic(res, ours), "arithmetic NaN required: " + where
        else:
            assert _canonical(res, ours), "canonical NaN required: " + where
        return
    assert ours == theirs, where


@pytest.mark.parametrize("code", CODES, ids=lambda c: OPS[c].name)
def test_edges_against_wasmtime(code):
    info = OPS[code]
    for args in itertools.product(*(EDGES[t] for t in info.params)):
        check(info, args)


@pytest.mark.parametrize("code", CODES, ids=lambda c: OPS[c].name)
def test_random_against_wasmtime(code):
    info = OPS[code]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.tuples(*(_bits_strategy(t) for t in info.params)))
    def run(args):
        check(info, args)

    run()
