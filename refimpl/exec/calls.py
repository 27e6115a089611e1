"""The calling convention both executors share: the call-depth counter and
tail-call requests.

**Call depth.**  One ``DepthCell`` per executor counts the Wasm frames live
on the Python stack (the compiled fast path and the interpreter it falls
back to share it).  A call increments it on entry and decrements it on a
normal return only: nothing is paid per call to undo it on the way out of
an exception.  Instead, whoever stops an unwinding exception puts the count
back to its own frame's depth: the embedder's ``invoke`` (the depth it saw
on entry), and the frame whose ``try_table`` (or legacy ``try``) catches
-- generated code holds its own depth in the local ``_d`` (``D.n = _d``);
the interpreter's guarded loop saves ``depth.n`` when the activation starts
and restores it in the handler.  So the count stays
right however many frames an exception crossed, at no cost to calls.

**Frame weight.**  The count is in units, not frames: an activation takes
``frame_weight`` units, one per ``LOCALS_PER_UNIT`` locals (parameters
included) begun, so the limit bounds the memory of the stack, as real
engines' stacks in bytes do, rather than its frame count: 10,000 frames of
a function with 1,056 locals (``skip-stack-guard-page.wast``) held 85 MB of
Python frames and took seconds to reach, per ``assert_exhaustion``.  Both
executors weigh a function alike (from its Wasm locals), so they exhaust
at the same depth; the limit is the implementation's to choose (spec 4.5.5
leaves it open), and a function of up to 128 locals still takes one unit.

**Tail calls.**  ``return_call`` must run in O(1) stack.  A function
containing one ends its activation by returning ``TailCall(callee, args)``
instead of results; the caller's trampoline (a loop around the call) then
calls the callee in the same Python frame.  The interpreter's ``call`` loops
this way for every call (one type check per call); the compiled fast path
wraps only functions that contain tail calls (``trampoline``), so ordinary
calls between compiled functions are untouched.  A tail call leaves the
depth as its caller found it: the callee's activation replaces the caller's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..errors import Exhaustion, Trap
from ..syntax.opcodes import OPS

# return_call and its kin (Wasm 3.0), once the opcode table has them.
TAIL_CALL_OPS = frozenset(code for code, info in OPS.items() if info.name.startswith("return_call"))

EXHAUSTED = "call stack exhausted"
NULL_FUNC = "null function reference"  # call_ref, return_call_ref
NULL_REF = "null reference"  # ref.as_non_null


def ref_callee(ref):
    """The function ``call_ref`` calls: the reference, unless null.  (Its
    type needs no check: validation typed the reference.)"""
    if ref is None:
        raise Trap(NULL_FUNC)
    return ref


def non_null(ref):
    """``ref.as_non_null``."""
    if ref is None:
        raise Trap(NULL_REF)
    return ref


LOCALS_PER_UNIT = 128


def frame_weight(n_locals: int) -> int:
    """Units of the call-depth budget an activation with ``n_locals``
    locals (parameters included) takes: 1 up to 128 locals, and one more
    per 128 begun after that."""
    return 1 + max(n_locals - 1, 0) // LOCALS_PER_UNIT


class DepthCell:
    """The Wasm call depth of one executor, in units (``frame_weight``)."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


def exhausted():
    raise Exhaustion(EXHAUSTED)


def from_embedder(depth: DepthCell, max_depth: int, frames_per_call: int, run: Callable):
    """``run()``, entered from the embedder (spec 4.5.5, invocation):
    Python's recursion limit made to fit ``max_depth`` Wasm frames of
    ``frames_per_call`` Python frames each, running out of it reported as
    exhaustion, and the depth put back however many frames an error
    unwound."""
    needed = max_depth * frames_per_call + 1000
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)
    saved = depth.n
    try:
        return run()
    except RecursionError:
        raise Exhaustion(EXHAUSTED) from None
    finally:
        depth.n = saved


class TailCall:
    """An activation's request, in place of its results: call ``func``
    (the callee's *body*, which may itself return a ``TailCall``) with
    ``args``, and return what it returns."""

    __slots__ = ("args", "func")

    def __init__(self, func, args) -> None:
        self.func = func
        self.args = args


def trampoline(body):
    """The callable of a compiled function that contains tail calls: runs
    ``body`` and then every callee it hands over, in one Python frame."""

    def entry(*args):
        r = body(*args)
        while type(r) is TailCall:
            r = r.func(*r.args)
        return r

    entry.body = body  # what a tail call to this function calls
    return entry


def contains_tail_call(body) -> bool:
    """Whether a function's flat instruction sequence has a tail call."""
    return bool(TAIL_CALL_OPS) and any(ins[0] in TAIL_CALL_OPS for ins in body)
