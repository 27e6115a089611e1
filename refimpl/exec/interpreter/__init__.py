"""The reference interpreter: plain, readable execution of lowered code.

Each function is lowered once (per decoded module) into an array of
``(handler, immediates...)`` tuples with resolved branch targets; ``run``
steps through it.  Operand stack and locals are Python lists, one per
activation; a wasm call is a Python call, bounded by ``max_call_depth``
(the calling convention, depth and tail calls: ``exec.calls``).
"""

from __future__ import annotations

from ...errors import Exhaustion, UncaughtException
from ...runtime.instances import FuncInst, HostFunc
from ...runtime.values import default_value
from ..calls import EXHAUSTED, DepthCell, TailCall, from_embedder
from ..exceptions import handler_values
from . import lowering
from .instructions import (
    atomic,
    control,
    exceptions,
    gc,
    memory,
    numeric,
    parametric,
    reference,
    table,
    variable,
    vector,
)
from .lowering import Lowered, Lowering

_FAMILIES = (
    atomic,
    control,
    exceptions,
    gc,
    memory,
    numeric,
    parametric,
    reference,
    table,
    variable,
    vector,
)
for _family in _FAMILIES:
    lowering.LOWERINGS.update(_family.LOWERINGS)

# Python frames one wasm call takes (run -> handler -> call), with headroom.
_PY_FRAMES_PER_CALL = 4


class Frame:
    """One activation: its operand stack, locals and module instance, and
    the exceptions its legacy ``catch`` blocks caught (for ``rethrow``)."""

    __slots__ = ("caught", "inst", "locals", "machine", "stack")

    def __init__(self, stack: list, locals_: list, inst, machine: Interpreter):
        self.stack = stack
        self.locals = locals_
        self.inst = inst
        self.machine = machine
        self.caught: dict | None = None


def lower_function(func: FuncInst) -> Lowered:
    """The lowered code of a function, shared by all instances of its module."""
    module = func.module.module
    key = ("interpreter", func.index)
    lowered = module.derived.get(key)
    if lowered is None:
        ftype = func.type
        lw = Lowering(module, ftype)
        code = lw.lower(func.code.body)
        defaults = tuple(default_value(t) for t in func.code.locals)
        lowered = Lowered(
            code,
            len(ftype.params) + len(defaults),
            len(ftype.params),
            len(ftype.results),
            defaults,
            tuple(lw.regions),
        )
        module.derived[key] = lowered
    return lowered


class Interpreter:
    name = "interpreter"

    def __init__(self, store, depth: DepthCell | None = None):
        self.store = store
        self.max_depth = store.max_call_depth
        # Shared with the compiled fast path when it falls back to this.
        self.depth = DepthCell() if depth is None else depth

    def invoke(self, func, args: list) -> list:
        """Embedder entry: run ``func`` to completion (spec 4.5.5)."""
        args = list(args)
        return from_embedder(
            self.depth, self.max_depth, _PY_FRAMES_PER_CALL, lambda: self.call(func, args)
        )

    def call(self, func, args: list) -> list:
        """Call ``func``, and then whatever it tail-calls, in this Python
        frame: the trampoline of ``exec.calls``."""
        depth = self.depth
        while True:
            if type(func) is HostFunc:
                return list(func.impl(args))
            lowered = func.lowered
            if lowered is None:
                lowered = func.lowered = lower_function(func)
            weight = lowered.weight
            if depth.n + weight > self.max_depth:
                raise Exhaustion(EXHAUSTED)
            depth.n += weight
            results = self.run(func, lowered, args)
            depth.n -= weight
            if type(results) is not TailCall:
                return results
            func, args = results.func, results.args

    def run(self, func: FuncInst, lowered: Lowered, args: list) -> list | TailCall:
        """One activation of ``func`` (its ``lowered`` code).  Its result is
        what ``f.stack`` holds when the code ends: the operand stack (the
        results), or, after a tail call, the ``TailCall`` its handler put
        there before jumping past the end."""
        args.extend(lowered.local_defaults)
        f = Frame([], args, func.module, self)
        code = lowered.code
        end = len(code)
        pc = 0
        depth = self.depth.n
        while True:
            # Entering ``try`` costs nothing (Python 3.11+): one loop serves
            # code with and without handlers.
            try:
                while pc < end:
                    ins = code[pc]
                    pc += 1
                    target = ins[0](f, ins)
                    if target is not None:
                        pc = target
                return f.stack
            except UncaughtException as exc:
                if not lowered.regions:
                    raise
                # Continue at the handler, the call depth put back to this
                # frame's (``exec.calls``).
                pc = self.handle(f, lowered, pc - 1, exc)
                self.depth.n = depth

    @staticmethod
    def handle(f: Frame, lowered: Lowered, at: int, exc: UncaughtException) -> int:
        """Where the exception ``exc``, raised by the instruction at ``at``,
        continues: the first handler that catches it, innermost region
        first, its values on the stack; re-raised if none does."""
        region = next((r for r in lowered.regions if r.start <= at < r.end), None)
        exn = exc.exn
        tags = f.inst.tags
        s = f.stack
        while region is not None:
            if region.kind == "try_table":
                for c, (target, height, _) in region.catches:
                    values = handler_values(c, tags, exn)
                    if values is not None:
                        del s[height:]
                        s.extend(values)
                        return target
            elif region.kind == "try":
                for tag, start in region.catches:
                    if tag is None or tags[tag] is exn.tag:
                        del s[region.height :]
                        if tag is not None:
                            s.extend(exn.payload)
                        if f.caught is None:
                            f.caught = {}
                        f.caught[region.index] = exn
                        return start
            else:  # delegate
                region = region.delegate_to
                continue
            region = region.outer
        raise exc


__all__ = ["Interpreter"]
