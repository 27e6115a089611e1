"""Resource exhaustion is an outcome: huge declared sizes, huge growth,
declared maxima and deep recursion end in the spec's result (-1 from a
grow) or a typed ``Exhaustion``, never ``MemoryError``/``RecursionError``/
``OSError`` or an eager allocation of gigabytes; on both executors."""

from __future__ import annotations

import resource

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import Exhaustion

FEATURES = refimpl.Features.parse("3.0")
EXECUTORS = ["compiled", "interpreter"]


def _run(text: str, executor: str, args=()):
    """The results of export "f" (None if the module exports none)."""
    store = refimpl.Store(FEATURES, executor_name=executor, max_call_depth=500)
    inst = refimpl.instantiate(store, refimpl.load(wat(text), FEATURES), {})
    f = inst.exports.get("f")
    return None if f is None else store.invoke(f, list(args))


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize(
    "text",
    [
        "(module (table 0xffffffff funcref))",
        "(module (table i64 0x10000000000 funcref))",
        "(module (table i64 0xffffffffffffffff externref))",
        "(module (memory i64 0x10000000000))",
        "(module (memory i64 0x1000000000000))",
    ],
    ids=["table-2^32-1", "table64-2^40", "table64-2^64-1", "memory64-2^40", "memory64-2^48"],
)
def test_huge_declared_sizes_are_exhaustion(text, executor):
    with pytest.raises(Exhaustion, match="out of memory"):
        _run(text, executor)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_4_gib_memory_is_not_allocated_eagerly(executor):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _run('(module (memory 65536) (func (export "f") (i32.store8 (i32.const -1) (i32.const 1))))',
         executor)  # fmt: skip
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 256 * 1024  # far below the 4 GiB it declares


GROWS = {
    "memory.grow": '(module (memory 1) (func (export "f") (param i32) (result i32) '
    "(memory.grow (local.get 0))))",
    "memory64.grow": '(module (memory i64 1) (func (export "f") (param i64) (result i64) '
    "(memory.grow (local.get 0))))",
    "table.grow": '(module (table 1 funcref) (func (export "f") (param i32) (result i32) '
    "(table.grow (ref.null func) (local.get 0))))",
    "table64.grow": '(module (table i64 1 externref) (func (export "f") (param i64) (result i64) '
    "(table.grow (ref.null extern) (local.get 0))))",
}


DELTAS = [0x7FFF_FFFF, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, (1 << 64) - 1]


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize(
    ("op", "delta"),
    [(op, d) for op in GROWS for d in DELTAS if d >> (64 if "64" in op else 32) == 0],
)
def test_huge_growth_fails_with_minus_one(op, delta, executor):
    bits = 64 if "64" in op else 32
    assert _run(GROWS[op], executor, [delta]) == [(1 << bits) - 1]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_declared_maxima_bound_growth(executor):
    text = """(module (memory 1 2) (table 1 3 funcref)
      (func (export "f") (result i32 i32 i32 i32)
        (memory.grow (i32.const 1)) (memory.grow (i32.const 1))
        (table.grow (ref.null func) (i32.const 2)) (table.grow (ref.null func) (i32.const 1))))"""
    assert _run(text, executor) == [1, 0xFFFF_FFFF, 1, 0xFFFF_FFFF]


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize(
    "text",
    [
        '(module (func $f (export "f") (call $f)))',
        "(module (type $t (func)) (table 1 funcref) (elem (i32.const 0) $f) "
        '(func $f (export "f") (call_indirect (type $t) (i32.const 0))))',
        '(module (func $f (export "f") (param i64) (result i64) '
        "(i64.add (call $f (local.get 0)) (i64.const 1))))",
    ],
    ids=["call", "call_indirect", "non-tail-with-operands"],
)
def test_deep_recursion_is_exhaustion(text, executor):
    args = [1] if "param i64" in text else []
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        _run(text, executor, args)


ARRAYS = {
    "array.new_default": '(func (export "f") (drop (array.new_default $a (i32.const -1))))',
    "array.new": '(func (export "f") (drop (array.new $a (i32.const 7) (i32.const -1))))',
    "global-initializer": "(global (ref $a) (array.new_default $a (i32.const 668670663)))",
}


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize("where", list(ARRAYS))
def test_huge_array_new_is_exhaustion(where, executor):
    """An array of 2^32-1 (or 668,670,663: 3.0 fuzz item 56) elements is
    refused before a list of that length is built."""
    text = f"(module (type $a (array (mut i8))) {ARRAYS[where]})"
    with pytest.raises(Exhaustion, match="out of memory: an array of"):
        _run(text, executor)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_declared_64_bit_maxima_bound_growth(executor):
    text = """(module (memory i64 1 2) (table i64 1 3 funcref)
      (func (export "f") (result i64 i64 i64 i64)
        (memory.grow (i64.const 1)) (memory.grow (i64.const 1))
        (table.grow (ref.null func) (i64.const 2)) (table.grow (ref.null func) (i64.const 1))))"""
    assert _run(text, executor) == [1, (1 << 64) - 1, 1, (1 << 64) - 1]


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize(
    "text",
    [
        '(module (type $t (func)) (elem declare func $f) (func $f (export "f") '
        "(call_ref $t (ref.func $f))))",
        '(module (tag $e) (func $f (export "f") (block $h (try_table (catch $e $h) (call $f)))))',
    ],
    ids=["call_ref", "inside-try_table"],
)
def test_deep_recursion_through_references_and_handlers_is_exhaustion(text, executor):
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        _run(text, executor)


TAIL_CALLS = {
    "return_call": "(return_call $f (i32.sub (local.get 0) (i32.const 1)))",
    "return_call_ref": "(return_call_ref $t (i32.sub (local.get 0) (i32.const 1)) (ref.func $f))",
}


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize("call", list(TAIL_CALLS))
def test_tail_calls_run_in_constant_stack(call, executor):
    """100,000 tail calls, far beyond the call depth of 500: no exhaustion."""
    text = f"""(module (type $t (func (param i32) (result i32))) (elem declare func $f)
      (func $f (export "f") (type $t)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 7)) (else {TAIL_CALLS[call]}))))"""
    assert _run(text, executor, [100_000]) == [7]


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_deeply_nested_blocks_decode_validate_and_run(executor):
    """20,000 nested blocks: no RecursionError, no C stack overflow (100,000
    crashed the fast path), and no minutes of planning (20,000 took 110 s):
    the fast path leaves such a function to the interpreter."""
    depth = 20_000
    body = b"\x00" + b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"

    def section(n: int, content: bytes) -> bytes:
        return bytes([n]) + _leb(len(content)) + content

    binary = (
        b"\0asm\1\0\0\0"
        + section(1, b"\x01\x60\x00\x00")
        + section(3, b"\x01\x00")
        + section(7, b"\x01\x01f\x00\x00")
        + section(10, b"\x01" + _leb(len(body)) + body)
    )
    store = refimpl.Store(FEATURES, executor_name=executor)
    inst = refimpl.instantiate(store, refimpl.load(binary, FEATURES), {})
    assert store.invoke(inst.exports["f"], []) == []


@pytest.mark.parametrize("executor", EXECUTORS)
def test_recursion_of_many_locals_is_exhaustion_in_bounded_memory(executor):
    """An activation takes a unit of the depth budget per 128 locals begun
    (``exec.calls.frame_weight``): at the default budget of 10,000, 10,000
    frames of 20,000 locals would hold 1.6 GB of slots; weighed (157 units
    each), 63 activations run on both executors, and the 64th is refused."""
    text = f"""(module (global $n (export "n") (mut i32) (i32.const 0))
      (func $f (export "f") (local {"i64 " * 20_000})
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (call $f)))"""
    store = refimpl.Store(FEATURES, executor_name=executor)
    inst = refimpl.instantiate(store, refimpl.load(wat(text), FEATURES), {})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        store.invoke(inst.exports["f"], [])
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert inst.exports["n"].value == 10_000 // 157 == 63
    assert grown_kib < 256 * 1024
