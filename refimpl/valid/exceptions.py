"""Validating exception handling (spec 3.0, 3.3.8): ``throw``,
``throw_ref`` and ``try_table`` with its handlers, and, under the
``legacy_exceptions`` flag, the legacy ``try`` ... ``catch``/``catch_all``
... ``end``/``delegate`` and ``rethrow``.

A ``try_table`` handler branches to a label of the context *around* the
``try_table`` with the tag's values (and the exception for the ``_ref``
kinds), so its labels are checked before the block's frame is pushed.
Legacy ``catch`` blocks are frames of their own kind: only they are
targets of ``rethrow``.
"""

from __future__ import annotations

from ..errors import InvalidModule
from ..syntax.opcodes import BY_NAME, Catch, CatchKind
from ..syntax.types import AbsHeapType, RefType, ValType
from .instructions import END_TYPES, OPCODE, RULES, ExprChecker, rule, type_mismatch
from .match import match_results

EXNREF = RefType(True, AbsHeapType.EXN)
EXN = RefType(False, AbsHeapType.EXN)
TRY, CATCH, CATCH_ALL = (BY_NAME[n].code for n in ("try", "catch", "catch_all"))


@rule("throw")
def _throw(v: ExprChecker, op: int, x: int) -> None:
    v.pop_vals(v.c.tag(x).params)
    v.unreachable()


@rule("throw_ref")
def _throw_ref(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_expect(EXNREF)
    v.unreachable()


def _handler_values(v: ExprChecker, c: Catch) -> tuple[ValType, ...]:
    """What a handler passes to its label."""
    values = v.c.tag(c.tag).params if c.tag is not None else ()
    if c.kind in (CatchKind.CATCH_REF, CatchKind.CATCH_ALL_REF):
        values += (EXN,)
    return values


@rule("try_table")
def _try_table(v: ExprChecker, op: int, imm: tuple[object, tuple[Catch, ...]]) -> None:
    bt, catches = imm
    params, results = v.block_type(bt)
    for c in catches:
        values = _handler_values(v, c)
        label = v.label_types(c.label)
        if not match_results(values, label, v.c.defs):
            raise type_mismatch(f"{list(label)} for the {c.kind} handler", list(values))
    v.pop_vals(params)
    v.push_ctrl(op, params, results)


# -- legacy exceptions ---------------------------------------------------------------


# A legacy ``try`` opens its body like a ``block``.
RULES[TRY] = RULES[BY_NAME["block"].code]


def _end_try_part(v: ExprChecker) -> list:
    """Close the ``try`` body or the previous ``catch`` like an ``end``."""
    frame = v.pop_ctrl()
    if frame[OPCODE] not in (TRY, CATCH):
        raise InvalidModule("catch without try")
    return frame


@rule("catch")
def _catch(v: ExprChecker, op: int, x: int) -> None:
    frame = _end_try_part(v)
    v.push_ctrl(CATCH, v.c.tag(x).params, frame[END_TYPES])


@rule("catch_all")
def _catch_all(v: ExprChecker, op: int, imm: object) -> None:
    frame = _end_try_part(v)
    v.push_ctrl(CATCH_ALL, (), frame[END_TYPES])


@rule("delegate")
def _delegate(v: ExprChecker, op: int, depth: int) -> None:
    frame = v.pop_ctrl()
    if frame[OPCODE] != TRY:
        raise InvalidModule("delegate without try")
    v.label_types(depth)  # relative to the context around the try
    v.vals.extend(frame[END_TYPES])


@rule("rethrow")
def _rethrow(v: ExprChecker, op: int, depth: int) -> None:
    v.label_types(depth)
    if v.ctrls[-1 - depth][OPCODE] not in (CATCH, CATCH_ALL):
        raise InvalidModule("invalid rethrow label")
    v.unreachable()
