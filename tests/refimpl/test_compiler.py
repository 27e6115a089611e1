"""The compiled fast path agrees with the plain interpreter.

Targeted shapes of control flow and evaluation order first, then a bounded
run over modules from ``wasm-tools smith`` (a longer campaign:
``python -m harness.fuzz.campaign executors``)."""

from __future__ import annotations

import pytest
import wasmtime

import refimpl
from harness.fuzz import executors
from harness.fuzz.smith import generate
from refimpl.exec.compiler.codegen import Constants, FunctionCodegen

FEATURES = refimpl.Features.profile("2.0")


def run_both(wat: str, export: str, *args, then: str | None = None):
    """Results (or the trap message) of ``export`` on both executors; with
    ``then``, the results of that export called afterwards."""
    module = refimpl.load(wasmtime.wat2wasm(wat), FEATURES)
    out = []
    for ex in ("compiled", "interpreter"):
        store = refimpl.Store(FEATURES, executor_name=ex)
        inst = refimpl.instantiate(store, module, {})
        try:
            result = store.invoke(inst.exports[export], list(args))
            if then:
                result = store.invoke(inst.exports[then], [])
            out.append(result)
        except refimpl.Trap as exc:
            out.append(f"trap: {exc.message}")
    assert out[0] == out[1], f"fast path {out[0]} vs interpreter {out[1]}"
    return out[0]


def source(wat: str, index: int = 0) -> str:
    module = refimpl.load(wasmtime.wat2wasm(wat), FEATURES)
    return FunctionCodegen(module, index, "F", Constants()).generate()


def test_branch_out_of_nested_loops():
    wat = """(module (func (export "f") (param i32) (result i32) (local i32)
      (block $out (result i32)
        (loop $a
          (loop $b
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if $out (local.get 1) (i32.ge_u (local.get 1) (local.get 0)))
            (br_if $a (i32.eqz (i32.rem_u (local.get 1) (i32.const 3))))
            (br $b)))
        (i32.const -1))))"""
    assert run_both(wat, "f", 10) == [10]
    assert "_br" in source(wat)  # the exit crosses two Python loops


def test_br_table_to_loop_block_and_function():
    wat = """(module (global $g (mut i32) (i32.const 0))
      (func (export "f") (param i32) (local i32)
        (block $b (loop $l
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (global.set $g (local.get 1))
          ;; 0: again while the counter is below n, 1: leave the block; n = 99: return
          (br_table $l $b 2 (select (i32.const 2) (i32.ge_u (local.get 1) (local.get 0))
                                    (i32.eq (local.get 0) (i32.const 99))))))
        (global.set $g (i32.add (local.get 1) (i32.const 100))))
      (func (export "g") (result i32) (global.get $g)))"""
    assert run_both(wat, "f", 3, then="g") == [103]  # three rounds, then out of the block
    assert run_both(wat, "f", 99, then="g") == [1]  # returns at once


def test_loop_with_parameters_and_multi_value_block():
    wat = """(module
      (func (export "f") (param i32) (result i32)
        (i32.const 0)                         ;; the accumulator, carried by the loop
        (loop $l (param i32) (result i32)
          (i32.add (local.get 0))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br_if $l (local.get 0))))
      (func (export "g") (param i32) (result i32 i32)
        (block $b (result i32 i32)
          (i32.const 1) (i32.const 2)
          (br_if $b (local.get 0))
          (drop) (drop) (i32.const 3) (i32.const 4))))"""
    assert run_both(wat, "f", 4) == [10]
    assert run_both(wat, "g", 1) == [1, 2]
    assert run_both(wat, "g", 0) == [3, 4]


def test_if_without_else_targeted_by_a_branch():
    wat = """(module (func (export "f") (param i32) (result i32) (local i32)
      (if (local.get 0) (then
        (local.set 1 (i32.const 1))
        (br_if 0 (i32.eq (local.get 0) (i32.const 5)))
        (local.set 1 (i32.const 2))))
      (local.get 1)))"""
    assert [run_both(wat, "f", n) for n in (0, 5, 6)] == [[0], [1], [2]]


def test_pending_operand_is_read_before_its_local_changes():
    wat = """(module (func (export "f") (param i32) (result i32)
      (local.get 0)                                   ;; old value, still pending
      (local.set 0 (i32.add (local.get 0) (i32.const 10)))
      (local.get 0)
      (i32.sub)))"""
    assert run_both(wat, "f", 3) == [(3 - 13) & 0xFFFFFFFF]


def test_global_read_before_a_call_that_changes_it():
    wat = """(module (global $g (mut i32) (i32.const 1))
      (func $bump (global.set $g (i32.const 100)))
      (func (export "f") (result i32)
        (global.get $g) (call $bump) (global.get $g) (i32.add)))"""
    assert run_both(wat, "f") == [101]


def test_trap_order_store_then_division():
    wat = """(module (memory (export "m") 1)
      (func (export "f") (param i32) (result i32)
        (i32.store (i32.const 0) (i32.const 7))
        (i32.div_u (i32.const 1) (local.get 0))))"""
    assert run_both(wat, "f", 0) == "trap: integer divide by zero"


def test_out_of_bounds_load_traps_with_the_spec_message():
    wat = """(module (memory 1) (func (export "f") (param i32) (result i64)
      (i64.load offset=8 (local.get 0))))"""
    assert run_both(wat, "f", 65528) == "trap: out of bounds memory access"
    assert run_both(wat, "f", 65520) == [0]


def test_nesting_beyond_python_limits_falls_back_to_the_interpreter():
    depth = 30  # Python allows 20 statically nested loops
    loops = "".join("(loop " for _ in range(depth)) + "(nop)" + ")" * depth
    wat = f'(module (func (export "f") (result i32) {loops} (i32.const 42)))'
    module = refimpl.load(wasmtime.wat2wasm(wat), FEATURES)
    store = refimpl.Store(FEATURES, executor_name="compiled")
    inst = refimpl.instantiate(store, module, {})
    assert store.invoke(inst.exports["f"], []) == [42]
    assert "F0" in store.executor.fallbacks


def test_comparison_results_reach_the_embedder_as_int():
    wat = '(module (func (export "f") (param i32) (result i32) (i32.eqz (local.get 0))))'
    (result,) = run_both(wat, "f", 0)
    assert type(result) is int and result == 1


@pytest.mark.parametrize("seed", [11, 12])
def test_generated_modules_agree(seed):
    mismatches = []
    for index in range(40):
        binary = generate(seed, index, "2.0").binary
        mismatches += [f"{seed}:{index}: {m}" for m in executors.compare(binary, "2.0")]
    assert not mismatches, "\n".join(mismatches[:5])


def test_large_memory_grows_and_its_new_pages_are_usable():
    # Above 16 MiB a memory is an anonymous mapping; growing it in place must
    # give backed, zero pages (a shared mapping would SIGBUS here).
    wat = """(module (memory 300)
      (func (export "f") (result i32)
        (drop (memory.grow (i32.const 10)))
        (i32.store (i32.const 0x12F0000) (i32.const 7))
        (i32.add (i32.load (i32.const 0x12F0000)) (i32.load (i32.const 0x1300000)))))"""
    assert run_both(wat, "f") == [7]
