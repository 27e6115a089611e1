"""Validating the Wasm 3.0 instructions and module rules: typed function
references (with local initialisation), tail calls, exception handling
(and legacy exceptions under their flag), GC instructions and constant
expressions, with the spec interpreter's messages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from binary_helpers import body, func_type, module, section, vec, wat

from refimpl.binary import decode_module
from refimpl.errors import InvalidModule
from refimpl.features import Features
from refimpl.valid import validate_module

V3 = Features.profile("3.0")
LEGACY = replace(V3, legacy_exceptions=True)


def check(text: str, f: Features = V3) -> None:
    validate_module(decode_module(wat(text), f), f)


def invalid(text: str, f: Features = V3) -> str:
    with pytest.raises(InvalidModule) as info:
        check(text, f)
    return info.value.message


def legacy_func(code: bytes) -> bytes:
    """A module with one tag and one function ``code`` (legacy exception
    instructions, which the text tools here do not write)."""
    return module(
        section(1, vec(func_type())),
        section(3, vec(b"\x00")),
        section(13, vec(b"\x00\x00")),  # tag section: one tag of type 0
        section(10, vec(body(code))),
    )


def legacy_invalid(code: bytes) -> str:
    with pytest.raises(InvalidModule) as info:
        validate_module(decode_module(legacy_func(code), LEGACY), LEGACY)
    return info.value.message


# -- typed function references ---------------------------------------------------------

FUNC_T = "(type $t (func)) (elem declare func $f)"


def test_non_nullable_locals_must_be_set_before_use():
    check(
        f"(module {FUNC_T} (func $f (local (ref $t))"
        " (local.set 0 (ref.func $f)) (local.get 0) (drop)))"
    )
    unset = "(module (type $t (func)) (func (local (ref $t)) (local.get 0) (drop)))"
    assert invalid(unset).startswith("uninitialized local")
    # initialisation inside a block ends with the block
    scoped = (
        f"(module {FUNC_T} (func $f (local (ref $t))"
        " (block (local.set 0 (ref.func $f))) (local.get 0) (drop)))"
    )
    assert invalid(scoped).startswith("uninitialized local")


def test_ref_func_has_the_functions_own_type():
    check(
        "(module (type $t (func (param i32))) (func $f (type $t))"
        " (func (result (ref $t)) (ref.func $f)) (elem declare func $f))"
    )


def test_br_on_non_null_leaves_the_labels_types():
    body = (
        " (result (ref func)) (block (result (ref func))"
        " (br_on_non_null 0 (local.get 0)) (unreachable))))"
    )
    check("(module (func (param funcref)" + body)
    assert invalid("(module (func (param externref)" + body).startswith("type mismatch")


def test_call_ref_and_return_call_ref():
    check(
        "(module (type $t (func (param i32) (result i32)))"
        " (func (param (ref null $t)) (result i32) (call_ref $t (i32.const 1) (local.get 0)))"
        " (func (param (ref $t)) (result i32) (return_call_ref $t (i32.const 1) (local.get 0))))"
    )
    results = (
        "(module (type $t (func (result i64)))"
        " (func (param (ref $t)) (result i32) (return_call_ref $t (local.get 0))))"
    )
    assert invalid(results).startswith("type mismatch")


def test_tables_of_non_nullable_references_need_an_initialiser():
    check("(module (type $t (func)) (func $f) (table 1 (ref $t) (ref.func $f)))")
    assert invalid("(module (type $t (func)) (table 1 (ref $t)))").startswith("type mismatch")


# -- exception handling --------------------------------------------------------------------


def test_try_table_handlers_match_their_labels():
    check(
        "(module (tag $e (param i32)) (func (result i32) (block $h (result i32)"
        " (try_table (catch $e $h) (throw $e (i32.const 1))) (i32.const 0))))"
    )
    check(
        "(module (tag $e (param i32)) (func (result i32 exnref) (block $h (result i32 exnref)"
        " (try_table (catch_ref $e $h) (unreachable)) (unreachable))))"
    )
    wrong = (
        "(module (tag $e (param i64)) (func (result i32)"
        " (block $h (result i32) (try_table (catch $e $h)) (i32.const 0))))"
    )
    assert invalid(wrong).startswith("type mismatch")


def test_throw_messages_name_the_stack():
    assert invalid("(module (tag (param i32)) (func (throw 0)))") == (
        "type mismatch: instruction requires [i32] but stack has []"
    )
    assert invalid("(module (func (throw 0)))") == "unknown tag 0"
    assert invalid("(module (tag (result i32)) )").startswith("non-empty tag result type")


def test_legacy_rethrow_targets_only_catch_blocks():
    try_catch_rethrow = b"\x06\x40\x07\x00\x09\x00\x0b\x0b"  # try catch 0 rethrow 0 end
    validate_module(decode_module(legacy_func(try_catch_rethrow), LEGACY), LEGACY)
    assert legacy_invalid(b"\x02\x40\x09\x00\x0b\x0b") == "invalid rethrow label"  # in a block
    assert legacy_invalid(b"\x06\x40\x09\x00\x0b\x0b") == "invalid rethrow label"  # in try
    # delegate names a label around the try
    validate_module(decode_module(legacy_func(b"\x06\x40\x18\x00\x0b"), LEGACY), LEGACY)
    assert legacy_invalid(b"\x06\x40\x18\x01\x0b") == "unknown label 1"
    # legacy instructions exist only under their flag
    assert "legacy_exceptions" not in V3.enabled()


# -- GC ------------------------------------------------------------------------------------------


def test_struct_and_array_instructions():
    check(
        "(module (type $s (struct (field $x (mut i8)) (field f64)))"
        " (type $a (array (mut i16)))"
        " (func (param (ref $s) (ref $a)) (result i32)"
        "  (struct.set $s $x (local.get 0) (i32.const 1))"
        "  (array.set $a (local.get 1) (i32.const 0) (i32.const 2))"
        "  (i32.add (struct.get_s $s $x (local.get 0))"
        "   (array.get_u $a (local.get 1) (i32.const 0)))))"
    )
    field = (
        "(module (type $s (struct (field i32)))"
        " (func (param (ref $s)) (struct.set $s 0 (local.get 0) (i32.const 1))))"
    )
    assert invalid(field) == "immutable field"
    array = (
        "(module (type $a (array i32))"
        " (func (param (ref $a)) (array.set $a (local.get 0) (i32.const 0) (i32.const 1))))"
    )
    assert invalid(array) == "immutable array"
    packed = (
        "(module (type $s (struct (field i8)))"
        " (func (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0))))"
    )
    assert invalid(packed).startswith("type mismatch")


def test_casts_stay_within_a_hierarchy():
    check("(module (func (param anyref) (result i32) (ref.test i31ref (local.get 0))))")
    check(
        "(module (func (param anyref) (result (ref null i31))"
        " (ref.cast (ref null i31) (local.get 0))))"
    )
    other = "(module (func (param externref) (result i32) (ref.test i31ref (local.get 0))))"
    assert invalid(other).startswith("type mismatch")


def test_br_on_cast_types():
    check(
        "(module (type $s (struct)) (func (param anyref) (result (ref null $s))"
        " (block $l (result (ref null $s)) (br_on_cast $l anyref (ref null $s) (local.get 0))"
        " (drop) (ref.null $s))))"
    )
    # the cast type must be below the operand type
    wrong = (
        "(module (type $s (struct)) (func (param eqref) (result anyref)"
        " (block $l (result anyref) (br_on_cast $l (ref null $s) anyref (local.get 0)))))"
    )
    assert invalid(wrong).startswith("type mismatch")


def test_gc_constant_expressions():
    check(
        "(module (type $s (struct (field i32))) (type $a (array i8))"
        " (global (ref $s) (struct.new $s (i32.const 1)))"
        " (global (ref $a) (array.new_fixed $a 2 (i32.const 1) (i32.const 2)))"
        " (global (ref i31) (ref.i31 (i32.const 5)))"
        " (global externref (extern.convert_any (ref.i31 (i32.const 5))))"
        " (global (ref $s) (global.get 0)))"  # earlier globals are visible
    )
    data = (
        '(module (type $a (array i8)) (data "")'
        " (global (ref $a) (array.new_data $a 0 (i32.const 0) (i32.const 0))))"
    )
    assert invalid(data) == "constant expression required"


def test_element_segments_of_any_reference_type():
    check(
        "(module (table 2 anyref)"
        " (elem (table 0) (i32.const 0) anyref (ref.i31 (i32.const 1)) (ref.null none)))"
    )
    wrong = "(module (table 2 funcref) (elem (table 0) (i32.const 0) anyref (ref.null any)))"
    assert invalid(wrong).startswith("type mismatch")


def test_array_new_fixed_counts_do_not_loop_in_unreachable_code():
    """The operand count is a u32: unreachable code must not pop it one by one."""
    huge = "(module (type $a (array i32)) (func {} (array.new_fixed $a 4000000000) (drop)))"
    check(huge.format("(unreachable)"))
    assert invalid(huge.format("")).startswith("type mismatch")
