"""Constant expressions (spec 3.3.10).

Wasm 2.0 allows only ``t.const``, ``ref.null``, ``ref.func`` and
``global.get`` of an immutable global; the context a module gives its
global, element and data initialisers holds only the imported globals, so
other globals are "unknown" there.  Extended constant expressions (Wasm 3.0)
add integer ``add``, ``sub`` and ``mul``; GC adds allocations
(``struct.new``, ``array.new_fixed`` ...), ``ref.i31`` and the extern/any
conversions.
"""

from __future__ import annotations

from ..errors import InvalidModule
from ..syntax.module import Expr
from ..syntax.opcodes import BY_NAME
from ..syntax.types import F32, F64, I32, I64, AbsHeapType, RefType, ValType
from .context import Context
from .instructions import ExprChecker

CONSTANT = frozenset(
    BY_NAME[name].code
    for name in (
        "i32.const",
        "i64.const",
        "f32.const",
        "f64.const",
        "v128.const",
        "ref.null",
        "ref.func",
    )
)
EXTENDED = frozenset(
    BY_NAME[name].code
    for name in ("i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul")
)
GC = frozenset(
    BY_NAME[name].code
    for name in (
        "ref.i31",
        "struct.new",
        "struct.new_default",
        "array.new",
        "array.new_default",
        "array.new_fixed",
        "any.convert_extern",
        "extern.convert_any",
    )
)
GLOBAL_GET = BY_NAME["global.get"].code
END = BY_NAME["end"].code
REF_FUNC = BY_NAME["ref.func"].code
# ``t.const c`` alone is constant and of type t: most initialisers and
# offsets (Go modules have tens of thousands) need no checker.
_NUMERIC = {BY_NAME[f"{t}.const"].code: t for t in (I32, I64, F32, F64)}


def check_const(c: Context, expr: Expr, t: ValType) -> None:
    """``expr`` is constant and of type [] -> [t]."""
    if len(expr) == 2 and expr[1][0] == END:
        op, x = expr[0]
        if _NUMERIC.get(op) is t:
            return
        # The elements of a table of functions (tens of thousands in real
        # modules): any declared function's reference, (ref $t) or funcref,
        # is a (ref null? func).
        if (
            op == REF_FUNC
            and t.__class__ is RefType
            and t.heap is AbsHeapType.FUNC
            and not t.exact
            and 0 <= x < len(c.funcs)
            and x in c.refs
        ):
            return
    extended = c.features.extended_const
    gc = c.features.gc
    for op, imm in expr[:-1]:
        if op == GLOBAL_GET:
            if c.global_(imm).mutable:
                raise InvalidModule("constant expression required")
        elif op not in CONSTANT and not (extended and op in EXTENDED) and not (gc and op in GC):
            raise InvalidModule("constant expression required")
    ExprChecker(c, (), (t,)).check(expr)
