"""Bugs the fuzz campaigns found (docs/fuzzing.md), each reduced to a
module and pinned on both executors."""

from __future__ import annotations

import pytest
from binary_helpers import wat

import refimpl


@pytest.mark.parametrize("executor", ["compiled", "interpreter"])
@pytest.mark.parametrize(
    ("size", "message"), [(2, "uninitialized element 1"), (1, "undefined element 1")]
)
def test_call_indirect_trap_names_the_index_as_a_number(size, message, executor):
    """Found by ``wasm-harness fuzz executors`` (mvp, seed 1, item 185): the
    fast path computes a comparison as a Python bool, and its trap message
    said "uninitialized element True" where the interpreter said "... 1"."""
    features = refimpl.Features.parse("2.0")
    text = f"""(module (type $t (func)) (table {size} funcref)
      (func (export "f") (call_indirect (type $t) (i32.eqz (i32.const 0)))))"""
    store = refimpl.Store(features, executor_name=executor)
    inst = refimpl.instantiate(store, refimpl.load(wat(text), features), {})
    with pytest.raises(refimpl.Trap) as trap:
        store.invoke(inst.exports["f"], [])
    assert trap.value.message == message
