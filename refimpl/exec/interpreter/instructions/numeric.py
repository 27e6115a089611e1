"""Numeric instructions (spec 4.4.1): constants and the operators whose
semantics live in ``refimpl.exec.numerics``."""

from __future__ import annotations

from ....syntax.opcodes import OPS, Op
from ... import numerics
from ..lowering import Lowering


def const(f, ins):
    f.stack.append(ins[1])


def unop(f, ins):
    s = f.stack
    s[-1] = ins[1](s[-1])


def binop(f, ins):
    s = f.stack
    b = s.pop()
    s[-1] = ins[1](s[-1], b)


def ternop(f, ins):
    s = f.stack
    c = s.pop()
    b = s.pop()
    s[-1] = ins[1](s[-1], b, c)


def nullop(f, ins):
    f.stack.append(ins[1]())


BY_ARITY = {0: nullop, 1: unop, 2: binop, 3: ternop}


def wideop(f, ins):
    """An operator with two results (wide arithmetic): ins[2] operands in,
    the function's tuple out."""
    s = f.stack
    n = ins[2]
    s[-n:] = ins[1](*s[-n:])


def lower_wide(lw: Lowering, ins) -> None:
    n = len(OPS[ins[0]].params)
    lw.emit(wideop, numerics.WIDE_OPS[ins[0]], n)
    lw.pop(n)
    lw.push(2)


def lower_operator(semantics):
    """The lowering of an instruction with a fixed signature whose meaning is
    a function of its operands (numeric here, vector ops likewise)."""

    def lowering(lw: Lowering, ins) -> None:
        info = OPS[ins[0]]
        fn = semantics[ins[0]]
        lw.emit(BY_ARITY[len(info.params)], fn)
        lw.pop(len(info.params))
        lw.push(len(info.results))

    return lowering


def lower_const(convert):
    def lowering(lw: Lowering, ins) -> None:
        lw.emit(const, convert(ins[1]))
        lw.push()

    return lowering


def _identity(x):
    return x


LOWERINGS = {op: lower_operator(numerics.NUMERIC_OPS) for op in numerics.NUMERIC_OPS}
LOWERINGS.update({op: lower_wide for op in numerics.WIDE_OPS})
LOWERINGS.update(
    {
        Op.I32_CONST: lower_const(_identity),
        Op.I64_CONST: lower_const(_identity),
        Op.F32_CONST: lower_const(numerics.f32_from_bits),
        Op.F64_CONST: lower_const(numerics.f64_from_bits),
    }
)
