"""Branch hints (``metadata.code.branch_hint``): annotations in the text
become the custom section wasm-tools writes, offsets from the encoder; the
section reads leniently, since hints are advice and a malformed section
leaves the module as it is."""

from __future__ import annotations

import pytest

import refimpl
from refimpl.binary import decode_module
from refimpl.binary.branch_hints import (
    SECTION_NAME,
    decode_branch_hints,
    encode_branch_hints,
    read_branch_hints,
)
from refimpl.binary.encode import instruction_offsets
from refimpl.errors import MalformedModule
from refimpl.text import parse_module, wat_to_binary

V3 = refimpl.Features.profile("3.0")

# wasm-tools 1.262's bytes for this text (`wasm-tools parse`), name section aside.
HINTED = """(module
  (func $a (param i32) (result i32) (local i64)
    (@metadata.code.branch_hint "\\01")
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
  (func $b (param i32)
    (block (local.get 0) (@metadata.code.branch_hint "\\00") (br_if 0))
    (local.get 0) (@metadata.code.branch_hint "\\01") (if (then))))"""
WASM_TOOLS = bytes.fromhex(
    "0061736d01000000010a0260017f017f60017f0003030200010028196d657461"
    "646174612e636f64652e6272616e63685f68696e740200010501010102050100"
    "0a01010a1f020e01017e2000047f41010541020b0b0e00024020000d000b2000"
    "04400b0b"
)


def test_folded_and_plain_hints_are_wasm_tools_bytes():
    binary = wat_to_binary(HINTED, V3)
    assert binary[: len(WASM_TOOLS)] == WASM_TOOLS
    section = parse_module(HINTED, V3).customs[0]
    assert section.name == SECTION_NAME
    assert decode_branch_hints(section.data) == {0: ((5, 1),), 1: ((5, 0), (10, 1))}


def test_offsets_count_from_the_locals():
    module = parse_module(HINTED, V3)
    # (local i64) is 3 bytes: 01 01 7e; local.get 0 is 2; so `if` is at 5.
    assert instruction_offsets(module.funcs[0])[:3] == [3, 5, 7]


def test_hints_go_before_the_code_section_and_count_imported_functions():
    text = """(module (import "m" "f" (func)) (memory 1) (export "m" (memory 0))
      (func (param i32) (local.get 0) (@metadata.code.branch_hint "\\01") (if (then)))
      (data "x"))"""
    module = decode_module(wat_to_binary(text, V3), V3)
    hints = [c for c in module.customs if c.name == SECTION_NAME]
    assert [c.after_section for c in hints] == [7]  # after exports, so before code
    assert read_branch_hints(module) == {1: ((3, 1),)}


@pytest.mark.parametrize("value", ['"\\02"', '"\\00\\00"', "1", ""])
def test_a_hint_value_is_one_byte_0_or_1(value):
    hint = f"(@metadata.code.branch_hint {value})"
    text = f"(module (func (param i32) (local.get 0) {hint} (if (then))))"
    with pytest.raises(MalformedModule) as caught:
        parse_module(text, V3)
    assert caught.value.message == "@metadata.code.branch_hint annotation: malformed branch hint"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes([1, 0, 1, 0, 2]), "malformed branch hint length"),  # wasmtime's misc test
        (bytes([1, 0, 1, 0, 1, 2]), "malformed branch hint value"),
        (bytes([1, 0, 1, 0, 1, 0, 9]), "unexpected content after last hint"),
        (bytes([2, 0]), "unexpected end"),
    ],
)
def test_a_malformed_section_is_ignored_by_the_module(data, message):
    with pytest.raises(MalformedModule, match=f"^{message}"):
        decode_branch_hints(data)
    escaped = "".join(f"\\{b:02x}" for b in data)
    text = f"""(module (@custom "{SECTION_NAME}" (after code) "{escaped}")
      (func (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0) (then (i32.const 10)) (else (i32.const 20)))))"""
    module = refimpl.load(wat_to_binary(text, V3), V3)
    assert read_branch_hints(module) is None
    store = refimpl.Store(V3)
    f = refimpl.instantiate(store, module, {}).exports["f"]
    assert store.invoke(f, [1]) == [10]


def test_encoding_round_trips():
    hints = {3: ((1, 0), (200, 1)), 0: ((7, 1),)}
    assert decode_branch_hints(encode_branch_hints(hints)) == hints
