"""Variable instructions (spec 4.4.5): locals and globals."""

from __future__ import annotations

from ....syntax.opcodes import Op
from ..lowering import Lowering


def local_get(f, ins):
    f.stack.append(f.locals[ins[1]])


def local_set(f, ins):
    f.locals[ins[1]] = f.stack.pop()


def local_tee(f, ins):
    f.locals[ins[1]] = f.stack[-1]


def global_get(f, ins):
    f.stack.append(f.inst.globals[ins[1]].value)


def global_set(f, ins):
    f.inst.globals[ins[1]].value = f.stack.pop()


def _lowering(handler, delta: int):
    def lowering(lw: Lowering, ins) -> None:
        lw.emit(handler, ins[1])
        lw.push(delta)

    return lowering


LOWERINGS = {
    Op.LOCAL_GET: _lowering(local_get, 1),
    Op.LOCAL_SET: _lowering(local_set, -1),
    Op.LOCAL_TEE: _lowering(local_tee, 0),
    Op.GLOBAL_GET: _lowering(global_get, 1),
    Op.GLOBAL_SET: _lowering(global_set, -1),
}
