"""GC execution (Wasm 3.0): exec.gc's semantics, both executors, GC constant
expressions, the probes' encoding of GC references, and resource limits
that end in Exhaustion rather than MemoryError."""

from __future__ import annotations

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import Exhaustion, Trap
from refimpl.exec import gc
from refimpl.runtime.instances import TableInst
from refimpl.runtime.memory import MemInst
from refimpl.runtime.observe import ref_key
from refimpl.runtime.values import ExternRef, HostRef, I31Ref, StructRef
from refimpl.syntax.types import FUNCREF, AbsHeapType, AddrType, Limits, MemType, TableType

EXECUTORS = ["interpreter", "compiled"]
A = AbsHeapType

LIST = """(module
  (type $node (struct (field $v i32) (field $next (ref null $node))))
  (type $bytes (array (mut i8)))
  (global $g (ref $node) (struct.new $node (i32.const 7) (ref.null $node)))
  (global $a (ref $bytes) (array.new_fixed $bytes 3 (i32.const 1) (i32.const 0x1ff) (i32.const 3)))
  (func $build (export "build") (param $n i32) (result (ref null $node))
    (local $l (ref null $node))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $l (struct.new $node (local.get $n) (local.get $l)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $l))
  (func (export "sum") (param $n i32) (result i32)
    (local $l (ref null $node)) (local $s i32)
    (local.set $l (call $build (local.get $n)))
    (block $done (loop $next
      (br_if $done (ref.is_null (local.get $l)))
      (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $l))))
      (local.set $l (struct.get $node $next (local.get $l)))
      (br $next)))
    (local.get $s))
  (func (export "packed") (param i32) (result i32 i32)
    (array.get_s $bytes (global.get $a) (local.get 0))
    (array.get_u $bytes (global.get $a) (local.get 0)))
  (func (export "null-get") (result i32)
    (struct.get $node $v (ref.null $node)))
  (func (export "cast") (param anyref) (result i32)
    (block $is (result (ref $node))
      (br_on_cast $is anyref (ref $node) (local.get 0))
      (return (i32.const 0)))
    (struct.get $node $v))
  (func (export "global") (result anyref) (global.get $g))
  (func (export "i31") (param i32) (result i32 i32)
    (i31.get_s (ref.i31 (local.get 0))) (i31.get_u (ref.i31 (local.get 0))))
  (func (export "huge") (result i32)
    (array.len (array.new_default $bytes (i32.const 0x7fff_ffff))))
)"""


@pytest.fixture(scope="module")
def module():
    return refimpl.load(wat(LIST), refimpl.Features.profile("3.0"))


@pytest.mark.parametrize("executor", EXECUTORS)
def test_structs_arrays_i31_and_casts_in_both_executors(module, executor):
    store = refimpl.Store(executor_name=executor)
    inst = refimpl.instantiate(store, module, {})
    ex = inst.exports
    assert store.invoke(ex["sum"], [100]) == [5050]
    assert store.invoke(ex["packed"], [1]) == [0xFFFFFFFF, 0xFF]  # 0x1ff stored as i8
    with pytest.raises(Trap, match="null structure reference"):
        store.invoke(ex["null-get"], [])
    node = store.invoke(ex["global"], [])[0]
    assert store.invoke(ex["cast"], [node]) == [7]
    assert store.invoke(ex["cast"], [I31Ref(7)]) == [0]
    assert store.invoke(ex["cast"], [None]) == [0]
    assert store.invoke(ex["i31"], [0x7FFFFFFF]) == [0xFFFFFFFF, 0x7FFFFFFF]
    with pytest.raises(Exhaustion, match="out of memory"):
        store.invoke(ex["huge"], [])
    if executor == "compiled":
        assert store.executor.fallbacks == {}


def test_values_identity_and_conversions():
    a, b = StructRef(None, [1]), StructRef(None, [1])
    assert gc.ref_eq(a, a) == 1 and gc.ref_eq(a, b) == 0
    assert gc.ref_eq(I31Ref(5), I31Ref(5)) == 1 and gc.ref_eq(None, None) == 1
    host = ExternRef(3)
    assert gc.any_convert_extern(host) == HostRef(3)
    assert gc.extern_convert_any(gc.any_convert_extern(host)) == host
    assert gc.any_convert_extern(gc.extern_convert_any(a)) is a
    assert gc.ref_test(HostRef(3), A.ANY, False) == 1
    assert gc.ref_test(HostRef(3), A.EQ, False) == 0
    assert gc.ref_test(None, A.I31, True) == 1
    with pytest.raises(Trap, match="cast failure"):
        gc.ref_cast(None, A.I31, False)


def test_array_operations_check_before_writing():
    arr = gc.array_new_fixed(None, [0, 1, 2, 3])
    gc.array_copy(arr, 1, arr, 0, 3)  # overlapping
    assert arr.elements == [0, 0, 1, 2]
    with pytest.raises(Trap, match="out of bounds array access"):
        gc.array_fill(arr, 2, 9, 3)
    assert arr.elements == [0, 0, 1, 2]
    with pytest.raises(Trap, match="null array reference"):
        gc.array_len(None)
    with pytest.raises(Trap, match="null i31 reference"):
        gc.i31_get_s(None)


def test_probes_see_gc_contents_and_i31_values(module):
    store = refimpl.Store()
    inst = refimpl.instantiate(store, module, {})
    node = store.invoke(inst.exports["global"], [])[0]
    assert ref_key(node) == ("struct", "struct{7, null}")
    assert ref_key(I31Ref(4)) == ("i31", 4)
    assert ref_key(HostRef(2)) == ("anyhost", 2)


def test_huge_tables_and_memories_are_exhaustion_not_memory_error():
    with pytest.raises(Exhaustion, match="out of memory"):
        TableInst(TableType(Limits(1 << 32, None, AddrType.I64), FUNCREF))
    with pytest.raises(Exhaustion, match="out of memory"):
        MemInst(MemType(Limits(1 << 48, None, AddrType.I64)))
