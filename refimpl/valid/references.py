"""Validating typed function references and GC instructions (spec 3.0,
3.3.2-3.3.5): ``ref.as_non_null``, ``br_on_null``, ``br_on_non_null``,
``call_ref``, ``return_call_ref``, ``ref.eq``, struct, array and i31
instructions, ``ref.test``/``ref.cast``, ``br_on_cast(_fail)`` and the
extern/any conversions.

Rules register themselves in ``instructions.RULES``; messages are the spec
interpreter's (the harness compares prefixes).
"""

from __future__ import annotations

from ..errors import InvalidModule
from ..syntax.opcodes import OPS
from ..syntax.types import (
    EXTERNREF,
    I32,
    AbsHeapType,
    ArrayType,
    FieldType,
    FuncType,
    NumType,
    RefType,
    ValType,
    VecType,
    is_defaultable,
)
from .instructions import (
    HEIGHT,
    ExprChecker,
    call_type,
    rule,
    tail_call_type,
    type_mismatch,
)
from .match import match_val, top_of
from .types import check_val_type

EQREF = RefType(True, AbsHeapType.EQ)
I31REF = RefType(True, AbsHeapType.I31)
ARRAYREF = RefType(True, AbsHeapType.ARRAY)
ANYREF = RefType(True, AbsHeapType.ANY)


def unpacked(storage: ValType | str) -> ValType:
    """The operand type of a field: packed i8/i16 are i32 on the stack."""
    return I32 if isinstance(storage, str) else storage


# -- typed function references --------------------------------------------------


@rule("ref.as_non_null")
def _ref_as_non_null(v: ExprChecker, op: int, imm: object) -> None:
    rt = v.pop_ref()
    v.vals.append(RefType(False, rt.heap, rt.exact))


@rule("br_on_null")
def _br_on_null(v: ExprChecker, op: int, depth: int) -> None:
    rt = v.pop_ref()
    types = v.label_types(depth)
    v.pop_vals(types)
    v.vals.extend(types)
    v.vals.append(RefType(False, rt.heap, rt.exact))


def _split_label(v: ExprChecker, depth: int, what: str) -> tuple[tuple[ValType, ...], ValType]:
    """A label whose last value is a reference: (the others, that one)."""
    types = v.label_types(depth)
    if not types or not isinstance(types[-1], RefType):
        raise type_mismatch(f"a label ending in a reference for {what}", list(types))
    return types[:-1], types[-1]


@rule("br_on_non_null")
def _br_on_non_null(v: ExprChecker, op: int, depth: int) -> None:
    rt = v.pop_ref()
    rest, last = _split_label(v, depth, "br_on_non_null")
    if not v.matches(RefType(False, rt.heap, rt.exact), last):
        raise type_mismatch(last, RefType(False, rt.heap, rt.exact))
    v.pop_vals(rest)
    v.vals.extend(rest)  # the label's types, not the operands' (gc#516)


def _pop_func_ref(v: ExprChecker, x: int) -> FuncType:
    ft = v.c.func_type_at(x)
    v.pop_expect(RefType(True, x))
    return ft


@rule("call_ref")
def _call_ref(v: ExprChecker, op: int, x: int) -> None:
    call_type(v, _pop_func_ref(v, x))


@rule("return_call_ref")
def _return_call_ref(v: ExprChecker, op: int, x: int) -> None:
    tail_call_type(v, _pop_func_ref(v, x))


@rule("ref.eq")
def _ref_eq(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_expect(EQREF)
    v.pop_expect(EQREF)
    v.vals.append(I32)


# -- structs -----------------------------------------------------------------------


def _field(v: ExprChecker, x: int, i: int) -> FieldType:
    st = v.c.struct_type_at(x)
    if i >= len(st.fields):
        raise InvalidModule(f"unknown field {i}")
    return st.fields[i]


def _require_defaultable(fields: tuple[FieldType, ...], what: str) -> None:
    for f in fields:
        if not is_defaultable(unpacked(f.storage)):
            raise InvalidModule(f"type mismatch: {what} has a non-defaultable field")


@rule("struct.new")
def _struct_new(v: ExprChecker, op: int, x: int) -> None:
    st = v.c.struct_type_at(x)
    v.pop_vals(tuple(unpacked(f.storage) for f in st.fields))
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


@rule("struct.new_default")
def _struct_new_default(v: ExprChecker, op: int, x: int) -> None:
    st = v.c.struct_type_at(x)
    _require_defaultable(st.fields, f"struct type {x}")
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


def _check_packing(f: FieldType, name: str, what: str) -> None:
    """``_s``/``_u`` exactly for packed fields."""
    extends = name.endswith(("_s", "_u"))
    if extends != isinstance(f.storage, str):
        raise InvalidModule(f"type mismatch: {what} is {'un' if extends else ''}packed")


@rule("struct.get", "struct.get_s", "struct.get_u")
def _struct_get(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, i = imm
    f = _field(v, x, i)
    _check_packing(f, _NAMES[op], "field")
    v.pop_expect(RefType(True, x))
    v.vals.append(unpacked(f.storage))


@rule("struct.set")
def _struct_set(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, i = imm
    f = _field(v, x, i)
    if not f.mutable:
        raise InvalidModule("immutable field")
    v.pop_expect(unpacked(f.storage))
    v.pop_expect(RefType(True, x))


# -- arrays ------------------------------------------------------------------------


def _mutable_array(v: ExprChecker, x: int) -> ArrayType:
    at = v.c.array_type_at(x)
    if not at.element.mutable:
        raise InvalidModule("immutable array")
    return at


def _check_source(v: ExprChecker, op: int, at: ArrayType, segment: int) -> None:
    """The segment of ``array.new_data`` ... ``array.init_elem``: bytes for
    numeric or vector elements, references of a matching type for elems."""
    if _NAMES[op].endswith("_data"):
        if not isinstance(at.element.storage, str | NumType | VecType):
            raise InvalidModule("array type is not numeric or vector")
        v.c.data(segment)
    else:
        et = v.c.elem(segment)
        t = unpacked(at.element.storage)
        if not v.matches(et, t):
            raise type_mismatch(t, et)


@rule("array.new")
def _array_new(v: ExprChecker, op: int, x: int) -> None:
    at = v.c.array_type_at(x)
    v.pop_expect(I32)
    v.pop_expect(unpacked(at.element.storage))
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


@rule("array.new_default")
def _array_new_default(v: ExprChecker, op: int, x: int) -> None:
    at = v.c.array_type_at(x)
    _require_defaultable((at.element,), f"array type {x}")
    v.pop_expect(I32)
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


@rule("array.new_fixed")
def _array_new_fixed(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, n = imm
    t = unpacked(v.c.array_type_at(x).element.storage)
    # n is a u32: pop what the stack holds, not n times in unreachable code
    available = len(v.vals) - v.ctrls[-1][HEIGHT]
    for _ in range(min(n, available + 1)):
        v.pop_expect(t)
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


@rule("array.new_data", "array.new_elem")
def _array_new_segment(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, segment = imm
    at = v.c.array_type_at(x)
    _check_source(v, op, at, segment)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.vals.append(RefType(False, x, v.c.features.custom_descriptors))  # exact: allocated here


@rule("array.get", "array.get_s", "array.get_u")
def _array_get(v: ExprChecker, op: int, x: int) -> None:
    at = v.c.array_type_at(x)
    _check_packing(at.element, _NAMES[op], "array")
    v.pop_expect(I32)
    v.pop_expect(RefType(True, x))
    v.vals.append(unpacked(at.element.storage))


@rule("array.set")
def _array_set(v: ExprChecker, op: int, x: int) -> None:
    at = _mutable_array(v, x)
    v.pop_expect(unpacked(at.element.storage))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, x))


@rule("array.len")
def _array_len(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_expect(ARRAYREF)
    v.vals.append(I32)


@rule("array.fill")
def _array_fill(v: ExprChecker, op: int, x: int) -> None:
    at = _mutable_array(v, x)
    v.pop_expect(I32)
    v.pop_expect(unpacked(at.element.storage))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, x))


@rule("array.copy")
def _array_copy(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, y = imm
    dst = _mutable_array(v, x)
    src = v.c.array_type_at(y)
    a, b = src.element.storage, dst.element.storage
    if isinstance(a, str) or isinstance(b, str):
        fits = a == b
    else:
        fits = match_val(a, b, v.c.defs)
    if not fits:
        raise InvalidModule("array types do not match")
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(RefType(True, y))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, x))


@rule("array.init_data", "array.init_elem")
def _array_init_segment(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    x, segment = imm
    at = _mutable_array(v, x)
    _check_source(v, op, at, segment)
    for _ in range(3):
        v.pop_expect(I32)
    v.pop_expect(RefType(True, x))


# -- i31 -----------------------------------------------------------------------------


@rule("ref.i31")
def _ref_i31(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_expect(I32)
    v.vals.append(RefType(False, AbsHeapType.I31))


@rule("i31.get_s", "i31.get_u")
def _i31_get(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_expect(I31REF)
    v.vals.append(I32)


# -- casts -------------------------------------------------------------------------


def _top_ref(v: ExprChecker, rt: RefType) -> RefType:
    """(ref null top) of ``rt``'s hierarchy: what a cast to ``rt`` accepts."""
    return RefType(True, top_of(rt.heap, v.c.defs))  # type: ignore[arg-type]


@rule("ref.test", "ref.cast")  # and their /null variants
def _ref_test(v: ExprChecker, op: int, rt: RefType) -> None:
    check_val_type(rt, v.c)
    v.pop_expect(_top_ref(v, rt))
    v.vals.append(rt if _NAMES[op] == "ref.cast" else I32)


def _diff(rt1: RefType, rt2: RefType) -> RefType:
    """rt1 \\ rt2: what is left of rt1 when a cast to rt2 failed."""
    return RefType(rt1.nullable and not rt2.nullable, rt1.heap, rt1.exact)


def _castable(v: ExprChecker, rt1: RefType, rt2: RefType) -> bool:
    """GC wants the target below the operand type; custom descriptors relax
    that to one hierarchy (a cast may then just always fail)."""
    if v.c.features.custom_descriptors:
        return top_of(rt1.heap, v.c.defs) == top_of(rt2.heap, v.c.defs)
    return v.matches(rt2, rt1)


@rule("br_on_cast", "br_on_cast_fail")
def _br_on_cast(v: ExprChecker, op: int, imm: tuple[int, RefType, RefType]) -> None:
    depth, rt1, rt2 = imm
    check_val_type(rt1, v.c)
    check_val_type(rt2, v.c)
    if not _castable(v, rt1, rt2):
        raise type_mismatch(f"a cast type below {rt1}", rt2)
    rest, last = _split_label(v, depth, _NAMES[op])
    fail = _NAMES[op] == "br_on_cast_fail"
    taken, left = (_diff(rt1, rt2), rt2) if fail else (rt2, _diff(rt1, rt2))
    if not v.matches(taken, last):
        raise type_mismatch(last, taken)
    v.pop_expect(rt1)
    v.pop_vals(rest)
    v.vals.extend(rest)  # the label's types, not the operands' (gc#516)
    v.vals.append(left)


# The conversions keep nullability and move between the two hierarchies.
_CONVERSIONS = {
    "any.convert_extern": (EXTERNREF, AbsHeapType.ANY),
    "extern.convert_any": (ANYREF, AbsHeapType.EXTERN),
}


@rule(*_CONVERSIONS)
def _convert(v: ExprChecker, op: int, imm: object) -> None:
    operand, result = _CONVERSIONS[_NAMES[op]]
    rt = v.pop_ref()
    if not v.matches(rt, operand):
        raise type_mismatch(operand, rt)
    v.vals.append(RefType(rt.nullable, result))


_NAMES = {code: info.name for code, info in OPS.items()}
