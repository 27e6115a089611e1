"""Validating modules (spec 3.4): constant expressions, limits, segments,
start, exports and the rules that differ between profiles."""

from __future__ import annotations

from dataclasses import replace

import pytest
from binary_helpers import HEADER, module, section, vec, wat

from refimpl.binary import decode_module
from refimpl.errors import InvalidModule
from refimpl.features import Features
from refimpl.syntax.module import Func, Global
from refimpl.syntax.opcodes import Op, instr
from refimpl.syntax.types import I32, GlobalType
from refimpl.valid import declared_funcs, module_context, validate_function, validate_module

MVP = Features.profile("mvp")
V2 = Features.profile("2.0")
V3 = Features.profile("3.0")


def check(text: str, f: Features = V2) -> None:
    validate_module(decode_module(wat(text), f), f)


def invalid(text: str, f: Features = V2) -> str:
    with pytest.raises(InvalidModule) as info:
        check(text, f)
    return info.value.message


@pytest.mark.parametrize(
    "text",
    [
        '(module (import "m" "g" (global i32)) (global i32 (global.get 0)))',
        "(module (global funcref (ref.null func)) (global externref (ref.null extern)))",
        "(module (func $f) (global funcref (ref.func $f)))",
        "(module (global v128 (v128.const i64x2 1 2)))",
        '(module (import "m" "g" (global i32)) (memory 1) (data (global.get 0) "x"))',
        "(module (table 1 funcref) (func $f) (elem (i32.const 0) funcref (ref.func $f)))",
        "(module (table 1 externref) (elem (table 0) (i32.const 0) externref (ref.null extern)))",
        "(module (elem declare func 0) (func))",
        "(module (memory 0 65536) (table 0 0xffffffff funcref))",
        "(module (func $s) (start $s))",
        '(module (func (export "a")) (func (export "b")))',
        '(module (global (export "g") (mut i32) (i32.const 0)))',
    ],
)
def test_valid_modules(text: str) -> None:
    check(text)


CONST = "constant expression required"
MUT_IMPORT = '(import "m" "g" (global (mut i32)))'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))", CONST),
        ("(module (global i32 (nop) (i32.const 1)))", CONST),
        (f"(module {MUT_IMPORT} (global i32 (global.get 0)))", CONST),
        ("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))", "unknown global 0"),
        ("(module (global i32 (i64.const 0)))", "type mismatch"),
        ("(module (global i32))", "type mismatch"),
        ("(module (global i32 (i32.const 0) (i32.const 0)))", "type mismatch"),
        ("(module (memory 1) (data (i64.const 0) \"\"))", "type mismatch"),
        ("(module (data (i32.const 0) \"\"))", "unknown memory 0"),
        ("(module (elem (i32.const 0) func))", "unknown table 0"),
        ("(module (table 1 externref) (func $f) (elem (i32.const 0) $f))", "type mismatch"),
        ("(module (elem funcref (ref.func 3)))", "unknown function 3"),
        ("(module (memory 2 1))", "size minimum must not be greater than maximum"),
        ("(module (table 2 1 funcref))", "size minimum must not be greater than maximum"),
        ("(module (memory 65537))", "memory size must be at most 65536 pages (4GiB)"),
        ("(module (memory 0 65537))", "memory size must be at most 65536 pages (4GiB)"),
        ("(module (func $s (param i32)) (start $s))", "start function"),
        ("(module (func $s (result i32) (i32.const 0)) (start $s))", "start function"),
        ("(module (start 1))", "unknown function 1"),
        ('(module (func (export "a")) (table (export "a") 0 funcref))', "duplicate export name"),
        ('(module (export "t" (table 0)))', "unknown table 0"),
        ('(module (export "g" (global 1)))', "unknown global 1"),
        ('(module (export "m" (memory 0)))', "unknown memory 0"),
        ('(module (import "m" "f" (func (type 3))))', "unknown type"),
        ("(module (func (type 1)))", "unknown type 1"),
        ("(module (memory 1) (memory 1))", "multiple memories"),
    ],
)  # fmt: skip
def test_invalid_modules(text: str, message: str) -> None:
    assert invalid(text).startswith(message)


def test_memory_index_in_data_segments() -> None:
    """Wasm 1.0 data segments carry any memory index: invalid unless 0."""
    data = module(section(5, vec(b"\x00\x01")), section(11, vec(b"\x01\x41\x00\x0b\x00")))
    with pytest.raises(InvalidModule, match="unknown memory 1"):
        validate_module(decode_module(data, MVP), MVP)


def test_multiple_tables_by_profile() -> None:
    text = "(module (table 1 funcref) (table 1 funcref))"
    check(text, V2)
    assert invalid(text, MVP).startswith("multiple tables")


def test_mutable_globals_feature() -> None:
    no_mut = replace(MVP, mutable_globals=False)
    imported = '(module (import "m" "g" (global (mut i32))))'
    check(imported, MVP)
    assert invalid(imported, no_mut) == "mutable globals cannot be imported"
    exported = '(module (global (export "g") (mut i32) (i32.const 0)))'
    assert invalid(exported, no_mut) == "mutable globals cannot be exported"


def test_multi_value_feature() -> None:
    no_multi = replace(MVP, multi_value=False)
    text = "(module (func (result i32 i32) (i32.const 1) (i32.const 2)))"
    check(text, MVP)
    assert invalid(text, no_multi) == "invalid result arity"


def test_extended_constant_expressions() -> None:
    text = "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))"
    check(text, V3)
    assert invalid(text, V2) == "constant expression required"


def test_declared_funcs() -> None:
    m = decode_module(
        wat(
            """(module (func $a) (func $b) (func $c) (func $d)
                 (global funcref (ref.func $a)) (elem declare func $b)
                 (export "c" (func $c)) (start $d))"""
        ),
        V2,
    )
    assert declared_funcs(m) == {0, 1, 2}


def test_validate_function_alone() -> None:
    """Executors may validate function by function, with a context built once."""
    text = "(module (global i32 (i32.const 7)) (func (result i32) global.get 0))"
    m = decode_module(wat(text), V2)
    c = module_context(m, V2)
    validate_function(c, m.funcs[0])
    bad = Func(0, (), (instr(Op.I64_CONST, 0), instr(Op.END)))
    with pytest.raises(InvalidModule, match="type mismatch"):
        validate_function(c, bad)


def test_hand_built_module() -> None:
    """The validator works on any Module, not just decoded ones."""
    m = decode_module(HEADER, V2)
    gt = GlobalType(False, I32)
    good = replace(m, globals=(Global(gt, (instr(Op.I32_CONST, 1), instr(Op.END))),))
    validate_module(good, V2)
    no_end = replace(m, globals=(Global(gt, (instr(Op.I32_CONST, 1),)),))
    with pytest.raises(InvalidModule):
        validate_module(no_end, V2)


def test_table_size_limit() -> None:
    """With memory64, 32-bit limits decode as u64 and validation bounds them."""
    table = module(section(4, vec(b"\x70\x00\x80\x80\x80\x80\x10")))  # min 2^32
    m = decode_module(table, V3)
    with pytest.raises(InvalidModule, match="table size must be at most 2\\^32-1"):
        validate_module(m, V3)
    memory = module(section(5, vec(b"\x00\x81\x80\x04")))  # min 65537
    with pytest.raises(InvalidModule, match="memory size must be at most 65536 pages"):
        validate_module(decode_module(memory, V3), V3)


def test_shared_memory_needs_a_maximum() -> None:
    """Threads proposal: a shared memory must declare its maximum."""
    threads = Features.parse("3.0,+threads")
    validate_module(decode_module(module(section(5, vec(b"\x03\x01\x02"))), threads), threads)
    unbounded = decode_module(module(section(5, vec(b"\x02\x01"))), threads)
    with pytest.raises(InvalidModule, match="shared memory must have maximum"):
        validate_module(unbounded, threads)
