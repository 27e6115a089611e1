"""Evaluating constant expressions (spec 3.3.10, 4.4.10).

Constant expressions are tiny, so they get a direct evaluator over the
instructions validation admits in them, rather than a trip through an
executor.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UnsupportedFeature
from ..syntax.module import Expr
from ..syntax.opcodes import Op
from . import gc, numerics

_M32, _M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF


def evaluate(expr: Expr, funcs: list, globals_: list, types: Sequence = ()):
    """The value of ``expr`` given the function and global index spaces
    visible to it (spec 4.5.4: during instantiation, an auxiliary instance)
    and the module's canonical types (``valid.canonical``; GC allocations)."""
    stack: list = []
    for ins in expr:
        op = ins[0]
        if op == Op.END:
            break
        if op == Op.I32_CONST or op == Op.I64_CONST or op == Op.V128_CONST:
            stack.append(ins[1])
        elif op == Op.F32_CONST:
            stack.append(numerics.f32_from_bits(ins[1]))
        elif op == Op.F64_CONST:
            stack.append(numerics.f64_from_bits(ins[1]))
        elif op == Op.REF_NULL:
            stack.append(None)
        elif op == Op.REF_FUNC:
            stack.append(funcs[ins[1]])
        elif op == Op.GLOBAL_GET:
            stack.append(globals_[ins[1]].value)
        elif op in _GC:
            _GC[op](stack, ins[1], types)
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


def _struct_new(stack: list, t: int, types: Sequence) -> None:
    dt = types[t]
    n = len(dt.comp.fields)
    values = stack[len(stack) - n :]
    del stack[len(stack) - n :]
    stack.append(gc.struct_new(dt, values, gc.struct_masks(dt)))


def _array_new(stack: list, t: int, types: Sequence) -> None:
    n = stack.pop()
    stack.append(gc.array_new(types[t], stack.pop(), n, gc.mask_of(types[t].comp.element)))


def _array_new_fixed(stack: list, imm: tuple, types: Sequence) -> None:
    t, n = imm
    values = stack[len(stack) - n :]
    del stack[len(stack) - n :]
    stack.append(gc.array_new_fixed(types[t], values, gc.mask_of(types[t].comp.element)))


def _unary(fn):
    def apply(stack: list, imm, types: Sequence) -> None:
        stack.append(fn(stack.pop()))

    return apply


# GC constant instructions (Wasm 3.0 §3.3.10): (stack, immediate, canonical types).
_GC = {
    Op.STRUCT_NEW: _struct_new,
    Op.STRUCT_NEW_DEFAULT: lambda stack, t, types: stack.append(gc.struct_new_default(types[t])),
    Op.ARRAY_NEW: _array_new,
    Op.ARRAY_NEW_DEFAULT: lambda stack, t, types: stack.append(
        gc.array_new_default(types[t], stack.pop())
    ),
    Op.ARRAY_NEW_FIXED: _array_new_fixed,
    Op.REF_I31: _unary(gc.ref_i31),
    Op.ANY_CONVERT_EXTERN: _unary(gc.any_convert_extern),
    Op.EXTERN_CONVERT_ANY: _unary(gc.extern_convert_any),
}
