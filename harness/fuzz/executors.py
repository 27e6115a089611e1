"""refimpl's fast path against its plain interpreter, on one module.

Both executors instantiate the module in stores of their own, then every
exported function is called with the same arguments on both; after each
call the outcomes (results bit for bit, or the trap / exhaustion message)
and the whole state (memories, tables, globals) must be equal.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import refimpl
from refimpl.exec.numerics import f32_to_bits, f64_to_bits
from refimpl.runtime.instances import FuncInst, GlobalInst, HostFunc, TableInst
from refimpl.runtime.memory import MemInst
from refimpl.syntax.types import F32, F64, I32, I64, V128, RefType

EDGE_INTS = [0, 1, 2, 7, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


@dataclass(frozen=True)
class Mismatch:
    what: str
    fast: object
    plain: object

    def __str__(self) -> str:
        return f"{self.what}: fast path {self.fast!r} vs interpreter {self.plain!r}"


def _outcome(store, func, args):
    try:
        results = store.invoke(func, list(args))
    except (refimpl.Trap, refimpl.Exhaustion) as exc:
        return (type(exc).__name__, exc.message)
    return ("ok", tuple(_bits(t, v) for t, v in zip(func.type.results, results, strict=True)))


def _bits(t, v):
    if t is F32:
        return f32_to_bits(v)
    if t is F64:
        return f64_to_bits(v)
    if t in (I32, I64, V128):
        return int(v)
    if isinstance(t, RefType):
        return _ref(v)
    return v


def _ref(v):
    if v is None:
        return None
    if isinstance(v, FuncInst):
        return ("func", v.index)
    if isinstance(v, HostFunc):
        return ("host", v.name)
    return ("extern", repr(v))


def state_of(inst) -> dict:
    """Every memory (digest), table and global an instance exports."""
    state = {}
    for name, item in sorted(inst.exports.items()):
        if isinstance(item, MemInst):
            state[name] = hashlib.sha256(bytes(item.data)).hexdigest()
        elif isinstance(item, TableInst):
            state[name] = tuple(_ref(e) for e in item.elements)
        elif isinstance(item, GlobalInst):
            state[name] = _bits(item.type.type, item.value)
    return state


def _arg(t, rng: random.Random):
    if t is I32:
        return rng.choice(EDGE_INTS) if rng.random() < 0.5 else rng.getrandbits(32)
    if t is I64:
        return rng.getrandbits(64) if rng.random() < 0.5 else rng.choice(EDGE_INTS)
    if t is F32:
        return refimpl.exec.numerics.f32_from_bits(rng.getrandbits(32))
    if t is F64:
        return refimpl.exec.numerics.f64_from_bits(rng.getrandbits(64))
    if t is V128:
        return rng.getrandbits(128)
    return None  # references: null


def compare(binary: bytes, profile: str = "2.0", calls: int = 3, seed: int = 0) -> list[Mismatch]:
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
    if outcomes["compiled"] != outcomes["interpreter"]:
        return [Mismatch("instantiation", outcomes["compiled"], outcomes["interpreter"])]
    if "compiled" not in instances:
        return []
    mismatches = []
    fast, plain = instances["compiled"], instances["interpreter"]
    rng = random.Random(seed)
    for name, item in sorted(fast.exports.items()):
        if not isinstance(item, FuncInst):
            continue
        for n in range(calls):
            args = [_arg(t, rng) for t in item.type.params]
            a = _outcome(stores["compiled"], item, args)
            b = _outcome(stores["interpreter"], plain.exports[name], args)
            if a != b:
                mismatches.append(Mismatch(f"call {n} of {name}{tuple(args)}", a, b))
            sa, sb = state_of(fast), state_of(plain)
            if sa != sb:
                diff = sorted(k for k in sa if sa[k] != sb.get(k))
                mismatches.append(Mismatch(f"state after {name} call {n}: {diff}", sa, sb))
                return mismatches
    return mismatches
