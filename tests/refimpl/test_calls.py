"""The calling convention of both executors (``refimpl.exec.calls``): tail
calls run in O(1) stack through the caller's trampoline, and the call depth
is one count per executor that the embedder's entry puts back after errors."""

from __future__ import annotations

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import Exhaustion, Trap
from refimpl.exec.calls import TailCall, frame_weight, trampoline
from refimpl.exec.interpreter import Interpreter
from refimpl.exec.interpreter.lowering import Lowered
from refimpl.runtime.instances import FuncInst, ModuleInst
from refimpl.syntax.module import Func
from refimpl.syntax.types import I32, FuncType
from refimpl.valid.canonical import closed_func_deftype

DEEP = 100_000  # far beyond both the depth limit and Python's recursion limit


def counting_down(seen: list) -> FuncInst:
    """A function (i32) -> i32 whose lowered code tail-calls itself with
    n - 1 until n is 0, then returns 42: what ``return_call`` will lower to."""
    ftype = FuncType((I32,), (I32,))
    func = FuncInst(ftype, ModuleInst(), Func(0, (), ()), 0, closed_func_deftype(ftype))

    def step(f, ins):
        seen.append(f.machine.depth.n)
        n = f.locals[0]
        if n:
            f.stack = TailCall(func, [n - 1])  # the activation's result
            return 1 << 62  # past the end: the activation is over
        f.stack.append(42)
        return None

    func.lowered = Lowered([(step,)], 1, 1, 1, ())
    return func


def test_interpreter_tail_calls_run_in_constant_stack_and_depth():
    store = refimpl.Store(max_call_depth=50)
    interp = Interpreter(store)
    seen: list = []
    assert interp.invoke(counting_down(seen), [DEEP]) == [42]
    assert len(seen) == DEEP + 1
    assert set(seen) == {1}  # each activation replaced its caller's
    assert interp.depth.n == 0


def test_compiled_trampoline_runs_what_bodies_hand_over():
    calls = []

    def body(n):
        calls.append(n)
        return TailCall(body, (n - 1,)) if n else 7

    entry = trampoline(body)
    assert entry.body is body
    assert entry(DEEP) == 7
    assert len(calls) == DEEP + 1


def test_ordinary_results_pass_through_the_trampoline():
    assert trampoline(lambda a, b: (a, b))(1, 2) == (1, 2)
    assert trampoline(lambda: None)() is None


def test_the_fast_path_and_its_fallback_interpreter_count_depth_once():
    store = refimpl.Store(executor_name="compiled")
    executor = store.executor
    assert executor.interpreter.depth is executor.depth


@pytest.mark.parametrize("executor", ["interpreter", "compiled"])
def test_depth_is_put_back_after_an_error_unwinds_any_number_of_frames(executor):
    module = refimpl.load(
        wat(
            """(module
                 (func $down (export "down") (param i32)
                   (if (local.get 0)
                     (then (call $down (i32.sub (local.get 0) (i32.const 1))))
                     (else unreachable))))"""
        ),
        refimpl.Features.profile("2.0"),
    )
    store = refimpl.Store(max_call_depth=100, executor_name=executor)
    inst = refimpl.instantiate(store, module, {})
    for _ in range(20):  # each trap unwinds 90 frames; 20 x 90 > 100
        with pytest.raises(Trap):
            store.invoke(inst.exports["down"], [90])
    assert store.executor.depth.n == 0
    with pytest.raises(Exhaustion):
        store.invoke(inst.exports["down"], [100])
    assert store.executor.depth.n == 0


@pytest.mark.parametrize("executor", ["interpreter", "compiled"])
def test_an_activation_takes_a_unit_of_depth_per_128_locals(executor):
    """One parameter and 200 locals: two units, so 50 activations fill a
    budget of 100 and a 51st is exhaustion, on both executors alike."""
    assert [frame_weight(n) for n in (0, 1, 128, 129, 256, 257)] == [1, 1, 1, 2, 2, 3]
    many = " ".join(["(local i64)"] * 200)
    module = refimpl.load(
        wat(
            f"""(module
                 (func $down (export "down") (param i32) {many}
                   (if (local.get 0)
                     (then (call $down (i32.sub (local.get 0) (i32.const 1)))))))"""
        ),
        refimpl.Features.profile("2.0"),
    )
    store = refimpl.Store(max_call_depth=100, executor_name=executor)
    inst = refimpl.instantiate(store, module, {})
    assert store.invoke(inst.exports["down"], [49]) == []
    with pytest.raises(Exhaustion):
        store.invoke(inst.exports["down"], [50])
    assert store.executor.depth.n == 0
