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
