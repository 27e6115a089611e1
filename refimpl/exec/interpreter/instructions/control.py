"""Control instructions (spec 4.4.8): branches, calls, traps.

Structured blocks leave nothing behind at run time (see ``lowering``); what
remains are jumps that carry ``[target, height, arity]``: cut the operand
stack back to ``height`` keeping the top ``arity`` values, and continue at
``target``.
"""

from __future__ import annotations

from ....errors import Trap
from ....syntax.opcodes import Op
from ... import calls, tables
from ...calls import TailCall
from ..lowering import Lowering

# A jump past the end of any code: the activation is over (after a tail call,
# ``f.stack`` holds the ``TailCall`` its trampoline runs next).
PAST_END = 1 << 62


def _take(s: list, height: int, arity: int) -> None:
    if arity:
        if len(s) - arity != height:
            s[height:] = s[-arity:]
    else:
        del s[height:]


def unreachable(f, ins):
    raise Trap("unreachable")


def jump(f, ins):
    return ins[1]


def if_false_jump(f, ins):
    if not f.stack.pop():
        return ins[1]
    return None


def br(f, ins):
    target, height, arity = ins[1]
    _take(f.stack, height, arity)
    return target


def br_if(f, ins):
    s = f.stack
    if s.pop():
        target, height, arity = ins[1]
        _take(s, height, arity)
        return target
    return None


def br_table(f, ins):
    s = f.stack
    i = s.pop()
    targets = ins[1]
    target, height, arity = targets[i] if i < len(targets) else ins[2]
    _take(s, height, arity)
    return target


def call(f, ins):
    s = f.stack
    n = ins[2]
    if n:  # inline: the hottest handler
        args = s[-n:]
        del s[-n:]
    else:
        args = []
    s.extend(f.machine.call(f.inst.funcs[ins[1]], args))


def call_indirect(f, ins):
    _, type_index, table_index, n = ins
    s = f.stack
    i = s.pop()
    func = tables.indirect_callee(f.inst.tables[table_index], i, f.inst.types[type_index])
    s.extend(f.machine.call(func, _args(s, n)))


def br_on_null(f, ins):
    s = f.stack
    if s[-1] is None:
        s.pop()
        target, height, arity = ins[1]
        _take(s, height, arity)
        return target
    return None


def br_on_non_null(f, ins):
    s = f.stack
    if s[-1] is not None:
        target, height, arity = ins[1]
        _take(s, height, arity)
        return target
    s.pop()
    return None


def _args(s: list, n: int) -> list:
    if n:
        args = s[-n:]
        del s[-n:]
        return args
    return []


def call_ref(f, ins):
    s = f.stack
    func = calls.ref_callee(s.pop())
    s.extend(f.machine.call(func, _args(s, ins[1])))


def return_call(f, ins):
    f.stack = TailCall(f.inst.funcs[ins[1]], _args(f.stack, ins[2]))
    return PAST_END


def return_call_indirect(f, ins):
    _, type_index, table_index, n = ins
    s = f.stack
    i = s.pop()
    func = tables.indirect_callee(f.inst.tables[table_index], i, f.inst.types[type_index])
    f.stack = TailCall(func, _args(s, n))
    return PAST_END


def return_call_ref(f, ins):
    s = f.stack
    func = calls.ref_callee(s.pop())
    f.stack = TailCall(func, _args(s, ins[1]))
    return PAST_END


# -- lowering --------------------------------------------------------------------------


def lower_unreachable(lw: Lowering, ins) -> None:
    lw.emit(unreachable)
    lw.mark_dead()


def lower_nop(lw: Lowering, ins) -> None:
    pass


def lower_br(lw: Lowering, ins) -> None:
    lw.emit(br, lw.branch_target(ins[1]))
    lw.mark_dead()


def lower_br_if(lw: Lowering, ins) -> None:
    lw.pop()
    lw.emit(br_if, lw.branch_target(ins[1]))


def lower_br_table(lw: Lowering, ins) -> None:
    lw.pop()
    depths, default = ins[1]
    lw.emit(br_table, tuple(lw.branch_target(d) for d in depths), lw.branch_target(default))
    lw.mark_dead()


def lower_return(lw: Lowering, ins) -> None:
    lw.emit(br, lw.branch_target(len(lw.labels) - 1))
    lw.mark_dead()


def lower_call(lw: Lowering, ins) -> None:
    ftype = lw.module.func_type(lw.func_type_indices[ins[1]])
    lw.emit(call, ins[1], len(ftype.params))
    lw.pop(len(ftype.params))
    lw.push(len(ftype.results))


def lower_call_indirect(lw: Lowering, ins) -> None:
    type_index, table_index = ins[1]
    ftype = lw.module.func_type(type_index)
    lw.emit(call_indirect, type_index, table_index, len(ftype.params))
    lw.pop(1 + len(ftype.params))
    lw.push(len(ftype.results))


def lower_br_on_null(lw: Lowering, ins) -> None:
    lw.pop()  # the reference, gone on the branch; pushed back below
    lw.emit(br_on_null, lw.branch_target(ins[1]))
    lw.push()


def lower_br_on_non_null(lw: Lowering, ins) -> None:
    lw.emit(br_on_non_null, lw.branch_target(ins[1]))
    lw.pop()


def lower_call_ref(lw: Lowering, ins) -> None:
    ftype = lw.module.func_type(ins[1])
    lw.emit(call_ref, len(ftype.params))
    lw.pop(1 + len(ftype.params))
    lw.push(len(ftype.results))


def lower_return_call(lw: Lowering, ins) -> None:
    ftype = lw.module.func_type(lw.func_type_indices[ins[1]])
    lw.emit(return_call, ins[1], len(ftype.params))
    lw.mark_dead()


def lower_return_call_indirect(lw: Lowering, ins) -> None:
    type_index, table_index = ins[1]
    n = len(lw.module.func_type(type_index).params)
    lw.emit(return_call_indirect, type_index, table_index, n)
    lw.mark_dead()


def lower_return_call_ref(lw: Lowering, ins) -> None:
    lw.emit(return_call_ref, len(lw.module.func_type(ins[1]).params))
    lw.mark_dead()


LOWERINGS = {
    Op.UNREACHABLE: lower_unreachable,
    Op.NOP: lower_nop,
    Op.BR: lower_br,
    Op.BR_IF: lower_br_if,
    Op.BR_TABLE: lower_br_table,
    Op.RETURN: lower_return,
    Op.CALL: lower_call,
    Op.CALL_INDIRECT: lower_call_indirect,
    Op.BR_ON_NULL: lower_br_on_null,
    Op.BR_ON_NON_NULL: lower_br_on_non_null,
    Op.CALL_REF: lower_call_ref,
    Op.RETURN_CALL: lower_return_call,
    Op.RETURN_CALL_INDIRECT: lower_return_call_indirect,
    Op.RETURN_CALL_REF: lower_return_call_ref,
}
