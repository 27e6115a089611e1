"""Evaluating constant expressions (spec 3.3.10, 4.4.10).

Constant expressions are tiny, so they get a direct evaluator over the
instructions validation admits in them, rather than a trip through an
executor.
"""

from __future__ import annotations

from ..errors import UnsupportedFeature
from ..syntax.module import Expr
from ..syntax.opcodes import Op
from . import numerics

_M32, _M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF


def evaluate(expr: Expr, funcs: list, globals_: list):
    """The value of ``expr`` given the function and global index spaces
    visible to it (spec 4.5.4: during instantiation, an auxiliary instance)."""
    stack: list = []
    for ins in expr:
        op = ins.op
        if op == Op.END:
            break
        if op == Op.I32_CONST or op == Op.I64_CONST or op == Op.V128_CONST:
            stack.append(ins.imm)
        elif op == Op.F32_CONST:
            stack.append(numerics.f32_from_bits(ins.imm))
        elif op == Op.F64_CONST:
            stack.append(numerics.f64_from_bits(ins.imm))
        elif op == Op.REF_NULL:
            stack.append(None)
        elif op == Op.REF_FUNC:
            stack.append(funcs[ins.imm])
        elif op == Op.GLOBAL_GET:
            stack.append(globals_[ins.imm].value)
        elif op in _EXTENDED:  # extended constant expressions (Wasm 3.0)
            b = stack.pop()
            a = stack.pop()
            stack.append(_EXTENDED[op](a, b))
        else:
            raise UnsupportedFeature(f"constant instruction {ins!r}")
    return stack[-1]


_EXTENDED = {
    Op.I32_ADD: lambda a, b: (a + b) & _M32,
    Op.I32_SUB: lambda a, b: (a - b) & _M32,
    Op.I32_MUL: lambda a, b: (a * b) & _M32,
    Op.I64_ADD: lambda a, b: (a + b) & _M64,
    Op.I64_SUB: lambda a, b: (a - b) & _M64,
    Op.I64_MUL: lambda a, b: (a * b) & _M64,
}
