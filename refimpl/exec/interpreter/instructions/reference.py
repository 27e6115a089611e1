"""Reference instructions (spec 4.4.2)."""

from __future__ import annotations

from ....syntax.opcodes import Op
from ...calls import non_null
from ..lowering import Lowering


def ref_null(f, ins):
    f.stack.append(None)


def ref_is_null(f, ins):
    s = f.stack
    s[-1] = 1 if s[-1] is None else 0


def ref_func(f, ins):
    f.stack.append(f.inst.funcs[ins[1]])


def ref_as_non_null(f, ins):
    non_null(f.stack[-1])


def lower_ref_as_non_null(lw: Lowering, ins) -> None:
    lw.emit(ref_as_non_null)


def lower_ref_null(lw: Lowering, ins) -> None:
    lw.emit(ref_null)
    lw.push()


def lower_ref_is_null(lw: Lowering, ins) -> None:
    lw.emit(ref_is_null)


def lower_ref_func(lw: Lowering, ins) -> None:
    lw.emit(ref_func, ins[1])
    lw.push()


LOWERINGS = {
    Op.REF_NULL: lower_ref_null,
    Op.REF_IS_NULL: lower_ref_is_null,
    Op.REF_FUNC: lower_ref_func,
    Op.REF_AS_NON_NULL: lower_ref_as_non_null,
}
