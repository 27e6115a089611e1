"""``pooled``: slots given back by ``release`` come out reset.

Module A fills its memory and table from segments (and can grow both, and
write into the grown parts); module B has no segments.  Instantiated from one
``Pooled`` in random orders, with releases in between, B must always see
zeros and nulls, at exactly its own sizes, and A exactly what the reference
path gives it -- a slot that kept a previous instance's bytes would leak them
(wasmtime's CVE-2022-39393).
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")
wasmtime = pytest.importorskip("wasmtime")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import refimpl  # noqa: E402
from refimpl.init import Pooled  # noqa: E402
from refimpl.runtime.observe import instance_state  # noqa: E402

FEATURES = refimpl.Features.profile("2.0")
PAGE = 65536

A_WAT = """(module
  (memory (export "mem") 1 8)
  (table (export "table") 4 10 funcref)
  (func $f (result i32) (i32.const 7)) (func $g (result i32) (i32.const 8))
  (elem (i32.const 0) $f $g)
  (elem (i32.const 3) $g)
  (data (i32.const 0) "AAAA")
  (data (i32.const 65532) "ZZZZ")
  (func (export "grow")
    (drop (memory.grow (i32.const 2)))
    (i32.store (i32.const 196604) (i32.const 0x5A5A5A5A))   ;; the last bytes of page 3
    (drop (table.grow (ref.func $f) (i32.const 5)))))"""


def b_wat(pages: int, entries: int) -> str:
    return f"""(module (memory (export "mem") {pages}) (table (export "table") {entries} funcref)
      (func (export "peek") (result i32) (i32.load (i32.const 0))))"""


B_SHAPES = [(0, 0), (1, 4), (2, 2), (3, 9)]
MODULES = {}


def module(key):
    if key not in MODULES:
        wat = A_WAT if key == "A" else b_wat(*B_SHAPES[key])
        MODULES[key] = refimpl.load(wasmtime.wat2wasm(wat), FEATURES)
    return MODULES[key]


def reference_state(key, grown=False) -> dict:
    store = refimpl.Store(FEATURES)
    inst = refimpl.instantiate(store, module(key), {})
    if grown:
        store.invoke(inst.exports["grow"], [])
    return instance_state(inst, "inst")


def instantiate(pool, key):
    store = refimpl.Store(FEATURES)
    return store, refimpl.instantiate(store, module(key), {}, init=pool)


def assert_fresh_b(inst, shape) -> None:
    pages, entries = shape
    data = inst.mems[0].data
    assert len(data) == pages * PAGE
    assert data == bytes(len(data)), "B sees a previous instance's bytes"
    assert inst.tables[0].elements == [None] * entries, "B sees a previous instance's entries"


@pytest.fixture(autouse=True, scope="module")
def _executor_ready():
    """The interpreter raises the recursion limit on its first call; do that
    before hypothesis starts watching it."""
    store = refimpl.Store(FEATURES)
    store.invoke(refimpl.instantiate(store, module(1), {}).exports["peek"], [])


# Steps: ("A", grow it before release?), ("B", shape), ("release", which live instance)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("A"), st.booleans()),
        st.tuples(st.just("B"), st.integers(0, len(B_SHAPES) - 1)),
        st.tuples(st.just("release"), st.integers(0, 7)),
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(STEPS, st.integers(1, 3))
def test_b_always_sees_zeros_and_nulls(steps, slots):
    pool = Pooled(slots=slots)
    live = []
    for step in steps:
        if step[0] == "release":
            if live:
                pool.release(live.pop(step[1] % len(live)))
            continue
        if step[0] == "A":
            store, inst = instantiate(pool, "A")
            assert instance_state(inst, "inst") == reference_state("A")
            if step[1]:
                store.invoke(inst.exports["grow"], [])
                assert instance_state(inst, "inst") == reference_state("A", grown=True)
        else:
            _, inst = instantiate(pool, step[1])
            assert_fresh_b(inst, B_SHAPES[step[1]])
        live.append(inst)
    for inst in live:  # and once everything is back, once more
        pool.release(inst)
    for shape in range(len(B_SHAPES)):
        assert_fresh_b(instantiate(pool, shape)[1], B_SHAPES[shape])


def test_a_grown_slot_comes_back_smaller_and_zeroed():
    pool = Pooled(slots=1)
    store, a = instantiate(pool, "A")
    store.invoke(a.exports["grow"], [])
    buffer, elements = a.mems[0].data, a.tables[0].elements
    assert len(buffer) == 3 * PAGE and len(elements) == 9
    pool.release(a)
    assert len(a.mems[0].data) == 0 and a.tables[0].elements == []  # A no longer owns them
    reused = pool.reused
    _, b = instantiate(pool, 1)  # 1 page, 4 entries
    assert b.mems[0].data is buffer and b.tables[0].elements is elements  # the same slots
    assert pool.reused == reused + 2
    assert_fresh_b(b, B_SHAPES[1])
    # B's own writes don't reach the next instance either.
    b.mems[0].data[0:4] = b"BBBB"
    pool.release(b)
    _, b2 = instantiate(pool, 3)  # larger than the slot: extended with zeros
    assert_fresh_b(b2, B_SHAPES[3])


def test_only_the_instances_own_memories_are_pooled():
    # An imported memory stays with its owner; a memory over refimpl's
    # 16 MiB eager limit (a mapping) is not pooled.
    pool = Pooled()
    owner = refimpl.instantiate(refimpl.Store(FEATURES), module("A"), {})
    user = refimpl.load(
        wasmtime.wat2wasm('(module (import "a" "mem" (memory 1)) (memory $big 300))'),
        refimpl.Features.parse("2.0,+multi-memory"),
    )
    inst = refimpl.instantiate(
        refimpl.Store(refimpl.Features.parse("2.0,+multi-memory")), user, {"a": owner}, init=pool
    )
    pool.release(inst)
    assert bytes(owner.mems[0].data[:4]) == b"AAAA"  # untouched
    assert pool.free_buffers == []
