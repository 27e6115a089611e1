"""Values wasmtime-py can't pass itself cross through trampolines."""

from wasmtime import wat2wasm

from harness.engines.base import SessionOptions
from harness.engines.wasmtime_crossing import module_types, plan, wat_type
from harness.engines.wasmtime_engine import WasmtimeEngine
from harness.runner import ScriptRunner
from harness.script import load_script

SCRIPT = """(module
  (type $s (struct))
  (type $a (array i8))
  (func (export "i31") (result anyref) (ref.i31 (i32.const 5)))
  (func (export "struct") (result anyref) (struct.new $s))
  (func (export "array") (result eqref) (array.new_default $a (i32.const 1)))
  (func (export "null-any") (result anyref) (ref.null none))
  (func (export "roundtrip") (param anyref) (result anyref) (local.get 0))
  (func (export "is-null-func") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (func (export "nonnull-extern") (param (ref extern)) (result externref) (local.get 0))
  (func (export "null-exn") (result exnref) (ref.null exn))
  (func (export "f32-sig") (param f32) (result f32) (local.get 0))
  (func (export "typed") (result (ref null $s)) (ref.null $s))
  (rec (type $node (sub (struct (field i32) (field (ref null $node))))) (type $f (func)))
  (func (export "own") (param (ref null $node)) (result (ref $node))
    (struct.new $node (i32.const 1) (local.get 0)))
)
(assert_return (invoke "i31") (ref.i31))
(assert_return (invoke "struct") (ref.struct))
(assert_return (invoke "array") (ref.array))
(assert_return (invoke "array") (ref.eq))
(assert_return (invoke "null-any") (ref.null any))
(assert_return (invoke "roundtrip" (ref.host 7)) (ref.host 7))
(assert_return (invoke "roundtrip" (ref.null any)) (ref.null))
(assert_return (invoke "is-null-func" (ref.null func)) (i32.const 1))
(assert_return (invoke "nonnull-extern" (ref.extern 3)) (ref.extern 3))
(assert_return (invoke "null-exn") (ref.null exn))
(assert_return (invoke "f32-sig" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "typed") (ref.null))
(assert_return (invoke "own" (ref.null any)) (ref.struct))
"""


def test_references_and_floats_cross_exactly(tmp_path):
    path = tmp_path / "refs.wast"
    path.write_text(SCRIPT)
    runner = ScriptRunner(load_script(path), [WasmtimeEngine()], SessionOptions(profile="3.0"))
    results = {r.line: (r.status, r.results[0].verdict.detail) for r in runner.run_all()}
    # The last two name the module's own types: the trampoline copies them.
    assert all(status == "pass" for status, _ in results.values()), results


def test_trampolines_copy_the_modules_recursion_groups():
    types = module_types(
        wat2wasm(
            """(module
                 (rec (type $n (sub (struct (field (mut i8)) (field (ref null $n)))))
                      (type $a (sub final $n (struct (field (mut i8)) (field (ref null $n))))))
                 (type $v (array (mut f64)))
                 (func (export "f") (param (ref 2))))"""
        )
    )
    assert types is not None and types.export_types == {"f": 3}
    assert types.wat.startswith("(rec (type (sub (struct (field (mut i8)) (field (ref null 0)))))")
    assert "(sub final 0 (struct" in types.wat and "(type (array (mut f64)))" in types.wat
    t = plan(("(ref 2)",), (), ("struct", "struct", "array", "func"), lambda r: None, types, "f")
    assert isinstance(t, str)  # a non-null (ref 2) argument can't be made by a script
    t = plan(
        ("(ref null 2)",), (), ("struct", "struct", "array", "func"), lambda r: None, types, "f"
    )
    assert t.wat().startswith("(module (rec ") and "(func $f (type 3))" in t.wat()


def test_declared_types_are_the_exports_own():
    assert wat_type("noneref") == "nullref"
    assert wat_type("(ref null func)") == "(ref null func)"
    assert wat_type("(ref 3)") is None
    t = plan(("funcref", "anyref"), ("eqref",), (), lambda r: None)
    wat = t.wat()
    assert "(param funcref anyref)" in wat and "(result eqref)" in wat
    assert "(ref.null func)" in wat and "(any.convert_extern" in wat


def test_exports_of_non_final_or_grouped_function_types_are_called(tmp_path):
    # wasm-smith's GC modules declare most function types as (sub (func ...))
    # or in a rec group: a distinct canonical type, which a trampoline's
    # plain (func ...) import does not match (a quarter of 3.0 items were
    # "no trampoline could be linked" until the import named the copied type).
    path = tmp_path / "subfunc.wast"
    path.write_text(
        """(module
          (type $t (sub (func (param f32) (result v128))))
          (rec (type $u (func (param i32) (result f32))) (type (struct)))
          (func (export "sub") (type $t) (f32x4.splat (local.get 0)))
          (func (export "rec") (type $u) (f32.reinterpret_i32 (local.get 0))))
        (assert_return (invoke "sub" (f32.const nan:0x200000))
          (v128.const i32x4 0x7fa00000 0x7fa00000 0x7fa00000 0x7fa00000))
        (assert_return (invoke "rec" (i32.const 0x7f800001)) (f32.const nan:0x1))
        """
    )
    runner = ScriptRunner(load_script(path), [WasmtimeEngine()], SessionOptions(profile="3.0"))
    results = {r.line: (r.status, r.results[0].verdict.detail) for r in runner.run_all()}
    assert len(results) == 3 and all(s == "pass" for s, _ in results.values()), results
    binary = wat2wasm(path.read_text().split("(assert_return")[0])
    types = module_types(binary)
    assert types is not None and types.plain == frozenset()
    t = plan(("f32",), ("v128",), types.kinds, lambda r: None, types, "sub")
    assert "(func $f (type 0))" in t.wat()


def test_a_table_of_gc_references_is_unreadable_not_an_error(tmp_path):
    # wasmtime-py's Table.get raises for anyref entries (3.0 fuzz item 123,
    # shrinking in process, ended the campaign with a WasmtimeError).
    from harness.engines.refimpl_engine import RefimplEngine

    path = tmp_path / "anytable.wast"
    path.write_text(
        """(module (type $s (struct (field i32))) (table (export "t") 2 anyref)
             (func (export "f") (result i32)
               (table.set (i32.const 0) (struct.new $s (i32.const 1))) (i32.const 0)))
           (assert_return (invoke "f") (i32.const 0))"""
    )
    engines = [RefimplEngine(), WasmtimeEngine()]
    runner = ScriptRunner(load_script(path), engines, SessionOptions(profile="3.0"), probes=True)
    results = list(runner.run_all())
    assert not any(r.divergences for r in results)
    assert sum(r.figures.items_unreadable for r in results) == 1


def test_externref_made_of_an_i31_is_not_read_as_null(tmp_path):
    # wasmtime-py says None for a reference it did not make; the probe asks a
    # trampoline (3.0 fuzz item 64: global 0 "refimpl ref.extern, wasmtime null").
    from harness.engines.refimpl_engine import RefimplEngine

    path = tmp_path / "extern.wast"
    path.write_text(
        """(module
             (table (export "t") 3 externref) (table (export "t64") i64 2 externref)
             (elem (table 0) (i32.const 1) externref (extern.convert_any (ref.i31 (i32.const 7))))
             (elem (table 1) (i64.const 0) externref (extern.convert_any (ref.i31 (i32.const 7))))
             (global (export "g") externref (extern.convert_any (ref.i31 (i32.const 5))))
             (global (export "n") externref (ref.null extern)))"""
    )
    engines = [RefimplEngine(), WasmtimeEngine()]
    runner = ScriptRunner(load_script(path), engines, SessionOptions(profile="3.0"), probes=True)
    results = list(runner.run_all())
    assert not any(r.divergences for r in results), [r.divergences for r in results]
    figures = results[0].figures
    assert figures.table_entries_compared == 5 and figures.globals_compared == 2
    assert figures.items_unreadable == 0
