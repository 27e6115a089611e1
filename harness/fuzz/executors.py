"""refimpl's fast path against its plain interpreter, on one module.

Both executors instantiate the module in stores of their own, then every
exported function is called with the same arguments on both; after each
call the outcomes (results bit for bit, or the trap / exhaustion message)
and the whole state (memories, tables, globals) must be equal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import refimpl
from refimpl.errors import UncaughtException
from refimpl.runtime.instances import FuncInst
from refimpl.runtime.observe import call_outcome, exception_key, extern_state

from .arguments import argument


@dataclass(frozen=True)
class ExecutorDifference:
    what: str
    fast: object
    plain: object

    def __str__(self) -> str:
        return f"{self.what}: fast path {self.fast!r} vs interpreter {self.plain!r}"


def state_of(inst) -> dict:
    """Every memory, table and global an instance exports."""
    return {
        name: extern_state(item, inst)
        for name, item in sorted(inst.exports.items())
        if extern_state(item) is not None
    }


def compare(
    binary: bytes, profile: str = "2.0", calls: int = 3, seed: int = 0
) -> list[ExecutorDifference]:
    """Run ``binary`` on both executors; the differences found."""
    features = refimpl.Features.parse(profile)
    module = refimpl.load(binary, features)
    stores = {
        ex: refimpl.Store(features, executor_name=ex, max_call_depth=500)
        for ex in ("compiled", "interpreter")
    }
    instances = {}
    outcomes = {}
    for ex, store in stores.items():
        try:
            instances[ex] = refimpl.instantiate(store, module, {})
            outcomes[ex] = "instantiated"
        except (refimpl.Trap, refimpl.LinkError, refimpl.Exhaustion) as exc:
            outcomes[ex] = (type(exc).__name__, exc.message)
        except UncaughtException as exc:  # thrown by the start function
            outcomes[ex] = ("UncaughtException", exception_key(exc)[1])
    if outcomes["compiled"] != outcomes["interpreter"]:
        return [ExecutorDifference("instantiation", outcomes["compiled"], outcomes["interpreter"])]
    if "compiled" not in instances:
        return []
    mismatches = []
    fast, plain = instances["compiled"], instances["interpreter"]
    rng = random.Random(seed)
    for name, item in sorted(fast.exports.items()):
        if not isinstance(item, FuncInst):
            continue
        for n in range(calls):
            args = [argument(t, rng) for t in item.type.params]
            a = call_outcome(stores["compiled"], item, args, fast)
            b = call_outcome(stores["interpreter"], plain.exports[name], args, plain)
            if a != b:
                mismatches.append(ExecutorDifference(f"call {n} of {name}{tuple(args)}", a, b))
            sa, sb = state_of(fast), state_of(plain)
            if sa != sb:
                diff = sorted(k for k in sa if sa[k] != sb.get(k))
                mismatches.append(
                    ExecutorDifference(f"state after {name} call {n}: {diff}", sa, sb)
                )
                return mismatches
    return mismatches
