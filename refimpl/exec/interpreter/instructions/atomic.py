"""Atomic memory instructions (threads proposal): lowered to calls of the
shared operations in ``exec.atomics``, which check alignment and bounds."""

from __future__ import annotations

from ... import atomics
from ..lowering import Lowering


def load(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    s[-1] = atomics.load(f.inst.mems[mem], s[-1] + offset, size)


def store(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    value = s.pop()
    atomics.store(f.inst.mems[mem], s.pop() + offset, size, value)


def rmw(f, ins):
    _, size, offset, mem, operation = ins
    s = f.stack
    operand = s.pop()
    s[-1] = atomics.rmw(f.inst.mems[mem], s[-1] + offset, size, operation, operand)


def cmpxchg(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    replacement = s.pop()
    expected = s.pop()
    s[-1] = atomics.cmpxchg(f.inst.mems[mem], s[-1] + offset, size, expected, replacement)


def notify(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    count = s.pop()
    s[-1] = atomics.notify(f.inst.mems[mem], s[-1] + offset, size, count)


def wait(f, ins):
    _, size, offset, mem = ins
    s = f.stack
    timeout = s.pop()
    expected = s.pop()
    s[-1] = atomics.wait(f.inst.mems[mem], s[-1] + offset, size, expected, timeout)


# kind -> (handler, operands popped beyond the address, with the result pushed back)
_HANDLERS = {
    "load": (load, 0),
    "store": (store, 2),
    "rmw": (rmw, 1),
    "cmpxchg": (cmpxchg, 2),
    "notify": (notify, 1),
    "wait": (wait, 2),
}


def lower_atomic(lw: Lowering, ins) -> None:
    a = atomics.ATOMICS[ins.op]
    if a.kind == "fence":
        return  # one agent: every access is already ordered
    handler, popped = _HANDLERS[a.kind]
    arg = ins.imm
    extra = (a.operation,) if a.kind == "rmw" else ()
    lw.emit(handler, a.size, arg.offset, arg.memory, *extra)
    lw.pop(popped)


LOWERINGS = {op: lower_atomic for op in atomics.ATOMICS}
