"""What two runs of refimpl compare (``refimpl.runtime.observe``): a
function by its defining instance as seen from the instance under
comparison, never by object identity."""

from __future__ import annotations

from binary_helpers import wat

import refimpl
from refimpl.runtime.observe import OWN, call_outcome, instance_state, ref_key
from refimpl.runtime.values import ExternRef

V2 = refimpl.Features.profile("2.0")
MODULE = wat(
    """(module
         (memory 1) (table 2 funcref) (global (mut f32) (f32.const nan:0x200000))
         (func $f (result i32) (i32.const 7))
         (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
         (elem (i32.const 1) $f)
         (data (i32.const 3) "x"))"""
)


def instance():
    store = refimpl.Store(V2)
    return store, refimpl.instantiate(store, refimpl.load(MODULE, V2), {}, name="m")


def test_two_instances_of_one_module_have_equal_state():
    (_, a), (_, b) = instance(), instance()
    assert instance_state(a) == instance_state(b)
    assert instance_state(a)["table 0"] == (None, ("func", OWN, 0))


def test_a_write_is_seen_and_floats_compare_by_bits():
    (_, a), (_, b) = instance(), instance()
    b.mems[0].data[0] = 1
    b.globals[0].value = float("nan")  # another NaN payload
    changed = {k for k, v in instance_state(a).items() if instance_state(b)[k] != v}
    assert changed == {"memory 0", "global 0"}


def test_references_of_other_instances_and_hosts():
    _, a = instance()
    assert ref_key(a.funcs[0]) == ("func", "m", 0)  # seen from elsewhere: by its name
    assert ref_key(a.funcs[0], a) == ("func", OWN, 0)
    assert ref_key(ExternRef(3)) == ("extern", 3)
    assert ref_key(None) is None


def test_call_outcomes():
    store, a = instance()
    assert call_outcome(store, a.exports["div"], [1], a) == ("ok", (1,))
    assert call_outcome(store, a.exports["div"], [0], a) == ("Trap", "integer divide by zero")


def test_an_escaped_exception_is_an_outcome_with_its_tag_and_payload():
    # Executors campaign 3.0 item 282 (seed 1): a call that throws was a
    # Python exception in the campaign ("refimpl rejected a valid module").
    v3 = refimpl.Features.profile("3.0")
    module = refimpl.load(
        wat(
            """(module (tag $t (param i32 f32)) (tag $u)
                 (func (export "throw") (param i32)
                   (throw $t (local.get 0) (f32.const nan:0x1))))"""
        ),
        v3,
    )
    for executor in ("compiled", "interpreter"):
        store = refimpl.Store(v3, executor_name=executor)
        inst = refimpl.instantiate(store, module, {})
        outcome = call_outcome(store, inst.exports["throw"], [5], inst)
        assert outcome == ("UncaughtException", 0, (5, 0x7F800001)), executor
