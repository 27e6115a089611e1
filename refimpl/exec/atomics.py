"""Atomic memory instructions of the threads proposal, for a single agent.

Shared by both executors.  refimpl runs one agent (thread), so every
access is trivially sequentially consistent: an atomic access is a plain
access that also traps when its effective address is not a multiple of
its width ("unaligned atomic", checked before the bounds, as the spec
interpreter and wasmtime do).  Every width uses the same functions: the
value is an unsigned int of ``size`` bytes, little-endian, so the narrow
``_u`` forms are zero-extending by construction and their operands are
wrapped to the width (``cmpxchg``'s expected value too).

Wait and notify have fixed outcomes without other agents: nobody waits,
so ``notify`` wakes 0; a wait whose value differs returns 1 ("not-equal");
a wait whose value matches could only end by a notify from another agent
or by its timeout, so with a finite timeout it returns 2 ("timed-out")
without sleeping (no agent can change memory or notify meanwhile, so the
outcome is already decided and sleeping would only delay it), and with an
infinite one (a negative timeout) it can never end: refimpl reports that
as ``Exhaustion`` (``DEADLOCK``), its one agent being the resource that ran
out, rather than hang.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Exhaustion, Trap
from ..runtime.memory import MemInst
from ..syntax.opcodes import FE, OPS, access_bytes
from .bulk import MEMORY_OOB

UNALIGNED = "unaligned atomic"
NOT_SHARED = "expected shared memory"
DEADLOCK = "deadlock: an infinite wait in a single agent can never be notified"
NOT_EQUAL, TIMED_OUT = 1, 2

_RMW: dict[str, Callable[[int, int], int]] = {
    "add": operator.add,
    "sub": operator.sub,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
    "xchg": lambda old, new: new,
}


@dataclass(frozen=True, slots=True)
class Atomic:
    """What one 0xFE opcode does: its kind (``load``, ``store``, ``rmw``,
    ``cmpxchg``, ``notify``, ``wait``, ``fence``), the bytes it accesses and,
    for ``rmw``, the operation on (old, operand), before wrapping."""

    kind: str
    size: int
    operation: Callable[[int, int], int] | None = None


def _atomic(name: str) -> Atomic:
    if name == "atomic.fence":
        return Atomic("fence", 0)
    size = access_bytes(name)
    kind = name.split(".")[2]  # load8_u, store, rmw16, notify, wait32
    if kind.startswith("rmw"):
        op = name.split(".")[3].removesuffix("_u")
        if op == "cmpxchg":
            return Atomic("cmpxchg", size)
        return Atomic("rmw", size, _RMW[op])
    return Atomic(kind.rstrip("0123456789_u") or kind, size)


ATOMICS: dict[int, Atomic] = {code: _atomic(i.name) for code, i in OPS.items() if code >> 12 == FE}


def _checked(mem: MemInst, ea: int, size: int):
    """The buffer, once the access is aligned and in bounds."""
    if ea % size:
        raise Trap(UNALIGNED)
    data = mem.data
    if ea + size > len(data):
        raise Trap(MEMORY_OOB)
    return data


def load(mem: MemInst, ea: int, size: int) -> int:
    data = _checked(mem, ea, size)
    return int.from_bytes(data[ea : ea + size], "little")


def store(mem: MemInst, ea: int, size: int, value: int) -> None:
    data = _checked(mem, ea, size)
    data[ea : ea + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")


def rmw(mem: MemInst, ea: int, size: int, operation, operand: int) -> int:
    """Read, modify, write; the old value, zero-extended."""
    data = _checked(mem, ea, size)
    old = int.from_bytes(data[ea : ea + size], "little")
    new = operation(old, operand) & ((1 << 8 * size) - 1)
    data[ea : ea + size] = new.to_bytes(size, "little")
    return old


def cmpxchg(mem: MemInst, ea: int, size: int, expected: int, replacement: int) -> int:
    """Write ``replacement`` if the value equals ``expected`` wrapped to the
    width; the old value, zero-extended, either way."""
    data = _checked(mem, ea, size)
    old = int.from_bytes(data[ea : ea + size], "little")
    mask = (1 << 8 * size) - 1
    if old == expected & mask:
        data[ea : ea + size] = (replacement & mask).to_bytes(size, "little")
    return old


def notify(mem: MemInst, ea: int, size: int, count: int) -> int:
    """Waiters woken: none can exist in a single agent (also what the spec
    returns for an unshared memory); ``size`` is 4, the width checked."""
    _checked(mem, ea, size)
    return 0


def wait(mem: MemInst, ea: int, size: int, expected: int, timeout: int) -> int:
    """``memory.atomic.wait32/64`` (see the module's docstring): traps on an
    unshared memory after the address checks; ``timeout`` is the i64's
    unsigned pattern, negative (infinite) from 2^63."""
    data = _checked(mem, ea, size)
    if not mem.type.limits.shared:
        raise Trap(NOT_SHARED)
    if int.from_bytes(data[ea : ea + size], "little") != expected:
        return NOT_EQUAL
    if timeout >> 63:
        raise Exhaustion(DEADLOCK)
    return TIMED_OUT
