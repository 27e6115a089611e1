"""Atomic memory instructions (threads proposal): lowered to calls of the
shared operations in ``exec.atomics``, which check alignment and bounds."""

from __future__ import annotations

from functools import partial

from ... import atomics
from ..lowering import Lowering


def access(f, ins):
    """Every atomic with a result: ``operation(memory, address, size,
    *operands)`` replaces the address and the ``n`` operands above it."""
    _, operation, n, size, offset, mem = ins
    s = f.stack
    operands = s[-n:] if n else ()
    if n:
        del s[-n:]
    s[-1] = operation(f.inst.mems[mem], s[-1] + offset, size, *operands)


def store(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    value = s.pop()
    atomics.store(f.inst.mems[mem], s.pop() + offset, size, value)


# kind -> (operation, operands above the address)
_ACCESSES = {
    "load": (atomics.load, 0),
    "cmpxchg": (atomics.cmpxchg, 2),
    "notify": (atomics.notify, 1),
    "wait": (atomics.wait, 2),
}


def lower_atomic(lw: Lowering, ins) -> None:
    a = atomics.ATOMICS[ins[0]]
    arg = ins[1]
    if a.kind == "fence":
        return  # one agent: every access is already ordered
    if a.kind == "store":
        lw.emit(store, a.size, arg.offset, arg.memory)
        lw.pop(2)
        return
    if a.kind == "rmw":
        operation, n = partial(_rmw, a.operation), 1
    else:
        operation, n = _ACCESSES[a.kind]
    lw.emit(access, operation, n, a.size, arg.offset, arg.memory)
    lw.pop(n)


def _rmw(modify, mem, ea: int, size: int, operand: int) -> int:
    return atomics.rmw(mem, ea, size, modify, operand)


LOWERINGS = {op: lower_atomic for op in atomics.ATOMICS}
