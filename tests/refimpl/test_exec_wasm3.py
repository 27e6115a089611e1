"""Executing Wasm 3.0's typed function references, tail calls and exception
handling (and legacy exceptions), in both executors, with instances that
carry canonical types."""

from __future__ import annotations

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import LinkError, Trap, UncaughtException
from refimpl.runtime.instances import ExnInst

V3 = refimpl.Features.profile("3.0")
LEGACY = refimpl.Features.parse("3.0,+legacy_exceptions")
EXECUTORS = ["compiled", "interpreter"]


def run(executor: str, text: str, imports=None, features=V3):
    store = refimpl.Store(features, executor_name=executor)
    module = refimpl.load(wat(text), features)
    return store, refimpl.instantiate(store, module, imports or {})


def call(store, inst, name: str, *args):
    return store.invoke(inst.exports[name], list(args))


@pytest.fixture(params=EXECUTORS)
def executor(request) -> str:
    return request.param


def no_fallbacks(store) -> None:
    """The fast path compiled every function it ran."""
    assert getattr(store._executor, "fallbacks", {}) == {}


SUBTYPES = """(module
  (type $super (sub (func (result i32))))
  (type $sub (sub $super (func (result i32))))
  (type $other (func (result i32)))
  (table 3 funcref)
  (func $f (type $sub) (i32.const 7))
  (func $g (type $other) (i32.const 8))
  (elem (i32.const 0) func $f $g)
  (func (export "via_super") (param i32) (result i32)
    (call_indirect (type $super) (local.get 0)))
  (func (export "f") (type $sub) (i32.const 9)))"""


def test_call_indirect_matches_by_declared_subtyping(executor):
    store, inst = run(executor, SUBTYPES)
    assert call(store, inst, "via_super", 0) == [7]  # $sub <: $super
    with pytest.raises(Trap, match="indirect call type mismatch"):
        call(store, inst, "via_super", 1)  # $other is not
    with pytest.raises(Trap, match="uninitialized element"):
        call(store, inst, "via_super", 2)
    no_fallbacks(store)


def test_imports_match_by_subtyping_and_instances_share_canonical_types(executor):
    store, exporter = run(executor, SUBTYPES)
    importer = """(module
      (type $super (sub (func (result i32))))
      (import "m" "f" (func (type $super))))"""
    inst = refimpl.instantiate(store, refimpl.load(wat(importer), V3), {"m": exporter})
    assert inst.funcs[0] is exporter.exports["f"]
    assert inst.types[0] is exporter.types[0]  # the same canonical DefType
    distinct = '(module (type (func (result i64))) (import "m" "f" (func (type 0))))'
    with pytest.raises(LinkError, match="incompatible import type"):
        refimpl.instantiate(store, refimpl.load(wat(distinct), V3), {"m": exporter})


TYPED_REFS = """(module
  (type $t (func (param i32) (result i32)))
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (elem declare func $inc)
  (table $tab 2 (ref null $t) (ref.func $inc))
  (global $g (ref null $t) (ref.null $t))
  (func (export "call_ref") (param i32) (result i32)
    (call_ref $t (local.get 0) (ref.func $inc)))
  (func (export "call_null") (result i32)
    (call_ref $t (i32.const 0) (global.get $g)))
  (func (export "from_table") (param i32) (result i32)
    (call_ref $t (local.get 0) (ref.as_non_null (table.get $tab (i32.const 1)))))
  (func (export "as_non_null") (ref.as_non_null (global.get $g)) (drop))
  (func (export "on_null") (param i32) (result i32)
    (block $null
      (return (call_ref $t (local.get 0) (br_on_null $null (global.get $g)))))
    (i32.const -1))
  (func (export "on_non_null") (result i32)
    (i32.const 41)
    (block $l (param i32) (result i32 (ref $t))
      (br_on_non_null $l (ref.func $inc))
      (return (i32.const -1)))
    (call_ref $t)))"""


def test_typed_function_references(executor):
    store, inst = run(executor, TYPED_REFS)
    assert call(store, inst, "call_ref", 4) == [5]
    assert call(store, inst, "from_table", 9) == [10]  # the table's initialiser
    assert call(store, inst, "on_null", 3) == [0xFFFFFFFF]
    assert call(store, inst, "on_non_null") == [42]
    with pytest.raises(Trap, match="null function reference"):
        call(store, inst, "call_null")
    with pytest.raises(Trap, match="null reference"):
        call(store, inst, "as_non_null")
    no_fallbacks(store)


TAIL = """(module
  (type $t (func (param i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) func $indirect)
  (func $direct (export "direct") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 42))
      (else (return_call $direct (i64.sub (local.get 0) (i64.const 1))))))
  (func $indirect (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 43))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1))
                                  (i32.const 0)))))
  (elem declare func $by_ref)
  (func $by_ref (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 44))
      (else (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (ref.func $by_ref)))))
  (func (export "indirect") (type $t) (return_call $indirect (local.get 0)))
  (func (export "by_ref") (type $t) (return_call $by_ref (local.get 0))))"""


def test_tail_calls_run_in_constant_stack(executor):
    store, inst = run(executor, TAIL)
    deep = 200_000  # beyond the call depth limit by far
    assert call(store, inst, "direct", deep) == [42]
    assert call(store, inst, "indirect", deep) == [43]
    assert call(store, inst, "by_ref", deep) == [44]
    no_fallbacks(store)


EXCEPTIONS = """(module
  (tag $e (export "e") (param i32))
  (tag $other)
  (func $throw (param i32) (throw $e (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $throw (local.get 0)))
      (i32.const -1)))
  (func (export "catch_ref") (param i32) (result i32)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (call $throw (local.get 0)))
      (return (i32.const -1)))
    (drop))
  (func (export "rethrown") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (call $throw (local.get 0)))
          (return (i32.const -1)))
        (throw_ref))
      (i32.const -2)))
  (func (export "unmatched") (block $h (try_table (catch $other $h) (call $throw (i32.const 5)))))
  (func (export "trap_passes") (block $h (try_table (catch_all $h) (unreachable))))
  (func $deep (call $deep))
  (func (export "exhaustion_passes") (block $h (try_table (catch_all $h) (call $deep))))
  (func (export "null_ref") (throw_ref (ref.null exn)))
  (func (export "depth_restored") (param i32) (result i32)
    (local $n i32)
    (loop $l
      (block $h (try_table (catch_all $h) (call $throw (local.get 0))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (local.get 0))))
    (local.get $n)))"""


def test_try_table_handlers(executor):
    store, inst = run(executor, EXCEPTIONS)
    assert call(store, inst, "catch", 7) == [7]
    assert call(store, inst, "catch_ref", 8) == [8]
    assert call(store, inst, "rethrown", 9) == [9]
    with pytest.raises(UncaughtException) as caught:
        call(store, inst, "unmatched")
    assert caught.value.tag is inst.exports["e"] and caught.value.payload == (5,)
    assert isinstance(caught.value.exn, ExnInst)
    with pytest.raises(Trap, match="unreachable"):
        call(store, inst, "trap_passes")
    with pytest.raises(refimpl.Exhaustion):
        call(store, inst, "exhaustion_passes")
    with pytest.raises(Trap, match="null exception reference"):
        call(store, inst, "null_ref")
    # Each catch puts the depth back: far more throws than the depth limit.
    assert call(store, inst, "depth_restored", 3 * store.max_call_depth) == [
        3 * store.max_call_depth
    ]
    assert store._executor.depth.n == 0
    no_fallbacks(store)


def test_exceptions_cross_modules_by_tag_identity(executor):
    store, thrower = run(executor, EXCEPTIONS)
    catcher = """(module
      (import "m" "e" (tag $e (param i32)))
      (tag $mine (param i32))
      (import "m" "catch" (func $inner (param i32) (result i32)))
      (func $throw (import "m" "unmatched"))
      (func (export "outer") (result i32)
        (block $h (result i32)
          (try_table (catch $mine $h) (catch $e $h) (call $throw))
          (i32.const -1))))"""
    module = refimpl.load(wat(catcher), V3)
    inst = refimpl.instantiate(store, module, {"m": thrower})
    assert inst.tags[0] is thrower.exports["e"]
    assert call(store, inst, "outer") == [5]


LEGACY_TEXT = """(module
  (tag $e (param i32))
  (tag $f)
  (func $throw (param i32) (throw $e (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    try (result i32)
      local.get 0 call $throw i32.const -1
    catch $f
      i32.const -2
    catch $e
      i32.const 100 i32.add
    end)
  (func (export "catch_all") (result i32)
    try (result i32)
      i32.const 1 call $throw i32.const -1
    catch_all
      i32.const 3
    end)
  (func (export "rethrow") (result i32)
    try (result i32)
      try
        i32.const 4 call $throw
      catch_all
        rethrow 0
      end
      i32.const -1
    catch $e
    end)
  (func (export "delegate") (result i32)
    try (result i32)
      block
        try
          i32.const 6 call $throw
        delegate 1
      end
      i32.const -1
    catch $e
    end)
  (func (export "delegate_skips") (result i32)
    try (result i32)
      try (result i32)
        try
          i32.const 7 call $throw
        delegate 1
        i32.const -1
      catch_all
        i32.const -5
      end
    catch $e
    end)
  (func (export "delegate_out")
    try
      i32.const 2 call $throw
    delegate 0))"""


def test_legacy_exceptions(executor):
    store, inst = run(executor, LEGACY_TEXT, features=LEGACY)
    assert call(store, inst, "catch", 5) == [105]
    assert call(store, inst, "catch_all") == [3]
    assert call(store, inst, "rethrow") == [4]
    assert call(store, inst, "delegate") == [6]
    assert call(store, inst, "delegate_skips") == [7]  # not the catch_all in between
    with pytest.raises(UncaughtException):
        call(store, inst, "delegate_out")
    no_fallbacks(store)
