"""Wide arithmetic (proposal, flag ``wide_arithmetic``): i64.add128,
i64.sub128, i64.mul_wide_s and i64.mul_wide_u (0xFC 0x13-0x16), two i64
results each, through the table, validation, both executors, text and
encoder."""

from __future__ import annotations

import pytest

import refimpl
from refimpl.binary import decode_module
from refimpl.binary.encode import encode_module
from refimpl.errors import InvalidModule, MalformedModule
from refimpl.exec import numerics
from refimpl.syntax.opcodes import BY_NAME, FC, prefixed
from refimpl.text import wat_to_binary

WIDE = refimpl.Features.parse("3.0,+wide_arithmetic")
V3 = refimpl.Features.profile("3.0")
EXECUTORS = ["interpreter", "compiled"]
M64 = (1 << 64) - 1


def test_the_table_numbers_them_0xfc_19_to_22():
    names = ["i64.add128", "i64.sub128", "i64.mul_wide_s", "i64.mul_wide_u"]
    assert [BY_NAME[n].code for n in names] == [prefixed(FC, c) for c in (19, 20, 21, 22)]
    assert all(len(BY_NAME[n].results) == 2 for n in names)


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        (numerics.i64_add128, (M64, 0, 1, 0), (0, 1)),  # carry into the high half
        (numerics.i64_add128, (M64, M64, 1, 0), (0, 0)),  # wraps at 2^128
        (numerics.i64_sub128, (0, 0, 1, 0), (M64, M64)),
        (numerics.i64_sub128, (0, 1, 1, 0), (M64, 0)),  # borrow from the high half
        (numerics.i64_mul_wide_u, (M64, M64), (1, M64 - 1)),
        (numerics.i64_mul_wide_s, (M64, M64), (1, 0)),  # -1 * -1
        (numerics.i64_mul_wide_s, (M64, 2), (M64 - 1, M64)),  # -1 * 2 = -2
        (numerics.i64_mul_wide_s, (1 << 63, 1 << 63), (0, 1 << 62)),  # (-2^63)^2
    ],
)
def test_semantics_on_halves(fn, args, expected):
    assert fn(*args) == expected


MODULE = """(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_wide_s") (param i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  ;; the results feed further operators: the low half minus the high half
  (func (export "lo-hi") (param i64 i64) (result i64)
    (local $hi i64)
    (i64.mul_wide_u (local.get 0) (local.get 1))
    (local.set $hi)
    (i64.sub (local.get $hi))))"""


@pytest.mark.parametrize("executor", EXECUTORS)
def test_both_executors(executor):
    store = refimpl.Store(WIDE, executor_name=executor)
    module = refimpl.load(wat_to_binary(MODULE, WIDE), WIDE)
    ex = refimpl.instantiate(store, module, {}).exports
    assert store.invoke(ex["add128"], [M64, 0, 1, 0]) == [0, 1]
    assert store.invoke(ex["sub128"], [0, 0, 1, 0]) == [M64, M64]
    assert store.invoke(ex["mul_wide_s"], [M64, 2]) == [M64 - 1, M64]
    # M64 * 3 = 2 * 2^64 + (2^64 - 3): high 2, low M64 - 2.
    assert store.invoke(ex["lo-hi"], [M64, 3]) == [M64 - 4]


def test_text_and_encoder_agree_with_the_binary():
    binary = wat_to_binary(MODULE, WIDE)
    assert bytes.fromhex("fc 13") in binary and bytes.fromhex("fc 16") in binary
    assert encode_module(decode_module(binary, WIDE)) == binary


def test_the_opcodes_need_the_proposal():
    binary = wat_to_binary(MODULE, WIDE)
    with pytest.raises(MalformedModule):
        decode_module(binary, V3)


@pytest.mark.parametrize(
    "body",
    [
        "(i64.add128 (local.get 0) (local.get 0) (local.get 0))",
        "(drop (i64.mul_wide_u (i64.const 1) (i32.const 2)))",
    ],
)
def test_validation_types_the_operands_and_both_results(body):
    text = f"(module (func (param i64) (result i64 i64) {body}))"
    with pytest.raises(InvalidModule, match=r"^type mismatch"):
        refimpl.load(wat_to_binary(text, WIDE), WIDE)
