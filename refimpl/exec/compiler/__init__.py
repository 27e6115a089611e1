"""The fast path: each wasm function compiled once into a Python function.

``codegen`` writes Python source per function; its code object is cached on
the decoded module, and every instance binds it to a namespace of its own
(its functions, globals, memories, tables ...).  Functions are compiled on
their first call.  A function the generator can't handle (or Python can't
compile, e.g. nesting beyond its limits) runs in the plain interpreter
instead, so the fast path never changes what runs, only how fast.

Calling convention of compiled callables: arguments as Python values;
result None (no results), the value (one), or a tuple (several).  Call depth
and tail calls follow ``exec.calls``: the generated prologue counts the
depth in ``D`` (shared with the fallback interpreter) and keeps its own in
``_d``; a function containing tail calls is wrapped in a trampoline.
"""

from __future__ import annotations

import types

from ...errors import Trap
from ...runtime.instances import FuncInst, HostFunc, ModuleInst
from ...syntax.opcodes import OPS
from ...syntax.types import I32, I64
from .. import calls, numerics, simd, tables
from ..interpreter import Interpreter
from ..simd import memory as vmem
from . import runtime
from .codegen import CannotCompile, Constants, FunctionCodegen

_PY_FRAMES_PER_CALL = 2  # generated function, plus a stub or wrapper now and then


def _base_namespace() -> dict:
    ns = {name: getattr(runtime, name) for name in dir(runtime) if not name.startswith("_")}
    ns.update({OPS[op].ident: fn for op, fn in numerics.NUMERIC_OPS.items()})
    ns.update({OPS[op].ident: fn for op, fn in numerics.WIDE_OPS.items()})
    ns.update({OPS[op].ident: fn for op, fn in simd.SIMD_OPS.items()})
    ns.update({OPS[op].ident: fn for op, fn in simd.LANE_OPS.items()})
    ns["i8x16_shuffle"] = simd.i8x16_shuffle
    for table in (vmem.LOADS, vmem.STORES, vmem.LANE_LOADS, vmem.LANE_STORES):
        ns.update({fn.__name__: fn for fn in table.values()})
    ns["f32_from_bits"] = numerics.f32_from_bits
    ns["f32_to_bits"] = numerics.f32_to_bits
    ns["Trap"] = Trap
    return ns


_BASE = _base_namespace()


class CompiledExecutor:
    name = "compiled"

    def __init__(self, store):
        self.store = store
        self.depth = runtime.DepthCell()
        self.limit = store.max_call_depth
        # For what the generator can't compile; one depth count for both.
        self.interpreter = Interpreter(store, self.depth)
        self.fallbacks: dict[str, str] = {}  # function -> why it is interpreted

    # -- the embedder's entry -------------------------------------------------------

    def invoke(self, func, args: list) -> list:
        raw = calls.from_embedder(
            self.depth, self.limit, _PY_FRAMES_PER_CALL, lambda: self.callable_of(func)(*args)
        )
        return _as_results(raw, func.type.results)

    # -- callables ------------------------------------------------------------------

    def callable_of(self, func):
        c = func.compiled
        if c is None:
            c = func.compiled = self._prepare(func)
        return c

    def _prepare(self, func):
        if isinstance(func, HostFunc):
            return _host_wrapper(func)
        code = self._code(func)
        if code is None:
            return self._interpreted(func)
        ns = self._namespace(func.module)
        ns.update(func.module.module.derived["compiled_consts"].values)
        fn = types.FunctionType(code, ns, f"F{func.index}")
        if calls.contains_tail_call(func.code.body):
            fn = calls.trampoline(fn)
        ns[f"F{func.index}"] = fn
        return fn

    def body_of(self, func):
        """What a tail call to ``func`` calls: its code without the
        trampoline (the caller's trampoline runs what it hands over)."""
        c = self.callable_of(func)
        return getattr(c, "body", c)

    def _code(self, func: FuncInst):
        """The function's code object, made once per decoded module; None if
        it must be interpreted."""
        module = func.module.module
        key = ("compiled", func.index)
        name = f"F{func.index}"
        if key in module.derived:
            code, why = module.derived[key]
            if code is None:  # every executor reports what it interprets
                self.fallbacks[name] = why
            return code
        consts = module.derived.setdefault("compiled_consts", Constants())
        why = ""
        try:
            source = FunctionCodegen(module, func.index, name, consts).generate()
            unit = compile(source, f"<wasm function {func.index}>", "exec")
            code = next(c for c in unit.co_consts if isinstance(c, types.CodeType))
        except CannotCompile as exc:
            code, why = None, str(exc)
        except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
            # Python's own limits: nesting depth, indentation, code size.
            code, why = None, f"Python cannot compile it: {exc}"
        if code is None:
            self.fallbacks[name] = why
        module.derived[key] = code, why
        return code

    def _interpreted(self, func: FuncInst):
        interp = self.interpreter
        results = func.type.results

        def run_interpreted(*args):
            return _convention(interp.call(func, list(args)), len(results))

        return run_interpreted

    def _namespace(self, inst: ModuleInst) -> dict:
        ns = inst.executor_state.get("compiled")
        if ns is not None:
            return ns
        ns = dict(_BASE)
        ns["D"] = self.depth
        ns["LIMIT"] = self.limit
        ns["indirect"] = self._indirect
        ns["indirect_body"] = self._indirect_body
        ns["ref_callable"] = self._ref_callable
        ns["ref_body"] = self._ref_body
        for i, f in enumerate(inst.funcs):
            ns[f"F{i}"] = self._stub(ns, f"F{i}", f)
            ns[f"B{i}"] = self._stub(ns, f"B{i}", f, body=True)
            ns[f"FI{i}"] = f
        for kind, items in (
            ("G", inst.globals),
            ("M", inst.mems),
            ("T", inst.tables),
            ("TAG", inst.tags),
            ("E", inst.elems),
            ("DATA", inst.datas),
        ):
            for i, item in enumerate(items):
                ns[f"{kind}{i}"] = item
        for i, t in enumerate(inst.types):
            ns[f"TY{i}"] = t
        inst.executor_state["compiled"] = ns
        return ns

    def _stub(self, ns: dict, name: str, func, body: bool = False):
        """Compiles ``func`` on its first call, then steps out of the way
        (``body``: the stub of what a tail call to it calls, ``body_of``)."""

        def first_call(*args):
            c = self.body_of(func) if body else self.callable_of(func)
            ns[name] = c
            return c(*args)

        return first_call

    def _indirect(self, table, i, expected):
        """call_indirect's checks (spec 4.4.8); the callee's callable."""
        f = tables.indirect_callee(table, i, expected)
        c = f.compiled
        return c if c is not None else self.callable_of(f)

    def _indirect_body(self, table, i, expected):
        """return_call_indirect's callee, after call_indirect's checks."""
        return self.body_of(tables.indirect_callee(table, i, expected))

    def _ref_callable(self, ref):
        """call_ref's callee (null traps)."""
        return self.callable_of(calls.ref_callee(ref))

    def _ref_body(self, ref):
        return self.body_of(calls.ref_callee(ref))


def _host_wrapper(func: HostFunc):
    n = len(func.type.results)
    impl = func.impl

    def call_host(*args):
        return _convention(impl(list(args)), n)

    return call_host


def _convention(results, n: int):
    if n == 0:
        return None
    if n == 1:
        return results[0]
    return tuple(results)


def _as_results(raw, types_) -> list:
    """Back to the embedder: a list, integers as ``int`` (not ``bool``)."""
    if not types_:
        return []
    values = [raw] if len(types_) == 1 else list(raw)
    return [int(v) if t is I32 or t is I64 else v for v, t in zip(values, types_, strict=True)]
