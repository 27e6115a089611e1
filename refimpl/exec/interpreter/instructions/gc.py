"""GC instructions (Wasm 3.0 §4.4.3-4.4.4): structs, arrays, i31, ``ref.eq``,
casts and the extern/any conversions.  The semantics are ``exec.gc``'s;
lowering resolves type indices to canonical types and packed fields to
masks, so a handler only moves operands."""

from __future__ import annotations

from ....syntax.opcodes import Op
from ....valid.canonical import canonical_types
from ... import gc
from ..lowering import Lowering
from .control import _take
from .numeric import binop, unop


def _defs(lw: Lowering):
    return canonical_types(lw.module)


# -- handlers -----------------------------------------------------------------------


def new_from_operands(f, ins):
    """struct.new / array.new_fixed: ``(handler, new, type, count, masks)``."""
    s = f.stack
    n = ins[3]
    values = s[len(s) - n :]
    del s[len(s) - n :]
    s.append(ins[1](ins[2], values, ins[4]))


def struct_new_default(f, ins):
    f.stack.append(gc.struct_new_default(ins[1]))


def struct_get(f, ins):
    s = f.stack
    s[-1] = gc.struct_get(s[-1], ins[1])


def struct_get_s(f, ins):
    s = f.stack
    s[-1] = gc.struct_get_s(s[-1], ins[1], ins[2])


def struct_set(f, ins):
    s = f.stack
    v = s.pop()
    gc.struct_set(s.pop(), ins[1], v, ins[2])


def array_new(f, ins):
    s = f.stack
    n = s.pop()
    s[-1] = gc.array_new(ins[1], s[-1], n, ins[2])


def array_new_default(f, ins):
    s = f.stack
    s[-1] = gc.array_new_default(ins[1], s[-1])


def array_new_segment(f, ins):
    """array.new_data / array.new_elem: ``(handler, new, type, segments, index)``."""
    s = f.stack
    n = s.pop()
    s[-1] = ins[1](ins[2], getattr(f.inst, ins[3])[ins[4]], s[-1], n)


def array_get(f, ins):
    s = f.stack
    i = s.pop()
    s[-1] = gc.array_get(s[-1], i)


def array_get_s(f, ins):
    s = f.stack
    i = s.pop()
    s[-1] = gc.array_get_s(s[-1], i, ins[1])


def array_set(f, ins):
    s = f.stack
    v = s.pop()
    i = s.pop()
    gc.array_set(s.pop(), i, v, ins[1])


def array_len(f, ins):
    s = f.stack
    s[-1] = gc.array_len(s[-1])


def array_fill(f, ins):
    s = f.stack
    n = s.pop()
    v = s.pop()
    d = s.pop()
    gc.array_fill(s.pop(), d, v, n, ins[1])


def array_copy(f, ins):
    s = f.stack
    n = s.pop()
    si = s.pop()
    src = s.pop()
    d = s.pop()
    gc.array_copy(s.pop(), d, src, si, n)


def array_init_segment(f, ins):
    """array.init_data / array.init_elem: ``(handler, init, segments, index)``."""
    s = f.stack
    n = s.pop()
    si = s.pop()
    d = s.pop()
    ins[1](s.pop(), getattr(f.inst, ins[2])[ins[3]], d, si, n)


def ref_test(f, ins):
    s = f.stack
    s[-1] = gc.ref_test(s[-1], ins[1], ins[2])


def ref_cast(f, ins):
    s = f.stack
    s[-1] = gc.ref_cast(s[-1], ins[1], ins[2])


def br_on_cast(f, ins):
    s = f.stack
    if gc.ref_test(s[-1], ins[2], ins[3]) == ins[4]:
        target, height, arity = ins[1]
        _take(s, height, arity)
        return target
    return None


# -- lowering -----------------------------------------------------------------------


def _simple(handler, pops: int, pushes: int):
    def lowering(lw: Lowering, ins) -> None:
        lw.emit(handler)
        lw.pop(pops)
        lw.push(pushes)

    return lowering


def lower_struct_new(lw: Lowering, ins) -> None:
    dt = _defs(lw)[ins[1]]
    n = len(dt.comp.fields)
    lw.emit(new_from_operands, gc.struct_new, dt, n, gc.struct_masks(dt))
    lw.pop(n)
    lw.push()


def lower_struct_new_default(lw: Lowering, ins) -> None:
    lw.emit(struct_new_default, _defs(lw)[ins[1]])
    lw.push()


def lower_struct_get(lw: Lowering, ins) -> None:
    t, i = ins[1]
    if ins[0] == Op.STRUCT_GET_S:
        lw.emit(struct_get_s, i, gc.mask_of(_defs(lw)[t].comp.fields[i]))
    else:  # get and get_u: a packed field holds its unsigned value
        lw.emit(struct_get, i)


def lower_struct_set(lw: Lowering, ins) -> None:
    t, i = ins[1]
    lw.emit(struct_set, i, gc.mask_of(_defs(lw)[t].comp.fields[i]))
    lw.pop(2)


def _element_mask(lw: Lowering, t: int):
    return gc.mask_of(_defs(lw)[t].comp.element)


def lower_array_new(lw: Lowering, ins) -> None:
    lw.emit(array_new, _defs(lw)[ins[1]], _element_mask(lw, ins[1]))
    lw.pop()


def lower_array_new_default(lw: Lowering, ins) -> None:
    lw.emit(array_new_default, _defs(lw)[ins[1]])


def lower_array_new_fixed(lw: Lowering, ins) -> None:
    t, n = ins[1]
    lw.emit(new_from_operands, gc.array_new_fixed, _defs(lw)[t], n, _element_mask(lw, t))
    lw.pop(n)
    lw.push()


def lower_array_new_segment(lw: Lowering, ins) -> None:
    t, segment = ins[1]
    if ins[0] == Op.ARRAY_NEW_DATA:
        lw.emit(array_new_segment, gc.array_new_data, _defs(lw)[t], "datas", segment)
    else:
        lw.emit(array_new_segment, gc.array_new_elem, _defs(lw)[t], "elems", segment)
    lw.pop()


def lower_array_get(lw: Lowering, ins) -> None:
    if ins[0] == Op.ARRAY_GET_S:
        lw.emit(array_get_s, _element_mask(lw, ins[1]))
    else:
        lw.emit(array_get)
    lw.pop()


def lower_array_set(lw: Lowering, ins) -> None:
    lw.emit(array_set, _element_mask(lw, ins[1]))
    lw.pop(3)


def lower_array_fill(lw: Lowering, ins) -> None:
    lw.emit(array_fill, _element_mask(lw, ins[1]))
    lw.pop(4)


def lower_array_init(lw: Lowering, ins) -> None:
    op, (_, segment) = ins
    if op == Op.ARRAY_INIT_DATA:
        lw.emit(array_init_segment, gc.array_init_data, "datas", segment)
    else:
        lw.emit(array_init_segment, gc.array_init_elem, "elems", segment)
    lw.pop(4)


def _unary(fn):
    def lowering(lw: Lowering, ins) -> None:
        lw.emit(unop, fn)

    return lowering


def lower_ref_eq(lw: Lowering, ins) -> None:
    lw.emit(binop, gc.ref_eq)
    lw.pop()


def lower_ref_test(lw: Lowering, ins) -> None:
    rt = ins[1]
    handler = ref_test if ins[0] in (Op.REF_TEST, Op.REF_TEST_NULL) else ref_cast
    lw.emit(handler, gc.resolve_target(rt, _defs(lw)), rt.nullable)


def lower_br_on_cast(lw: Lowering, ins) -> None:
    depth, _, rt2 = ins[1]
    taken = 1 if ins[0] == Op.BR_ON_CAST else 0
    heap = gc.resolve_target(rt2, _defs(lw))
    lw.emit(br_on_cast, lw.branch_target(depth), heap, rt2.nullable, taken)


LOWERINGS = {
    Op.STRUCT_NEW: lower_struct_new,
    Op.STRUCT_NEW_DEFAULT: lower_struct_new_default,
    Op.STRUCT_GET: lower_struct_get,
    Op.STRUCT_GET_S: lower_struct_get,
    Op.STRUCT_GET_U: lower_struct_get,
    Op.STRUCT_SET: lower_struct_set,
    Op.ARRAY_NEW: lower_array_new,
    Op.ARRAY_NEW_DEFAULT: lower_array_new_default,
    Op.ARRAY_NEW_FIXED: lower_array_new_fixed,
    Op.ARRAY_NEW_DATA: lower_array_new_segment,
    Op.ARRAY_NEW_ELEM: lower_array_new_segment,
    Op.ARRAY_GET: lower_array_get,
    Op.ARRAY_GET_S: lower_array_get,
    Op.ARRAY_GET_U: lower_array_get,
    Op.ARRAY_SET: lower_array_set,
    Op.ARRAY_LEN: _simple(array_len, 1, 1),
    Op.ARRAY_FILL: lower_array_fill,
    Op.ARRAY_COPY: _simple(array_copy, 5, 0),
    Op.ARRAY_INIT_DATA: lower_array_init,
    Op.ARRAY_INIT_ELEM: lower_array_init,
    Op.REF_I31: _unary(gc.ref_i31),
    Op.I31_GET_S: _unary(gc.i31_get_s),
    Op.I31_GET_U: _unary(gc.i31_get_u),
    Op.REF_EQ: lower_ref_eq,
    Op.ANY_CONVERT_EXTERN: _unary(gc.any_convert_extern),
    Op.EXTERN_CONVERT_ANY: _unary(gc.extern_convert_any),
    Op.BR_ON_CAST: lower_br_on_cast,
    Op.BR_ON_CAST_FAIL: lower_br_on_cast,
    Op.REF_TEST: lower_ref_test,
    Op.REF_TEST_NULL: lower_ref_test,
    Op.REF_CAST: lower_ref_test,
    Op.REF_CAST_NULL: lower_ref_test,
}
