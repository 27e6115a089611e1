"""Parametric instructions (spec 4.4.4): drop and select."""

from __future__ import annotations

from ....syntax.opcodes import Op
from ..lowering import Lowering


def drop(f, ins):
    f.stack.pop()


def select(f, ins):
    s = f.stack
    c = s.pop()
    b = s.pop()
    if not c:
        s[-1] = b


def lower_drop(lw: Lowering, ins) -> None:
    lw.emit(drop)
    lw.pop()


def lower_select(lw: Lowering, ins) -> None:
    lw.emit(select)
    lw.pop(2)


LOWERINGS = {Op.DROP: lower_drop, Op.SELECT: lower_select, Op.SELECT_T: lower_select}
