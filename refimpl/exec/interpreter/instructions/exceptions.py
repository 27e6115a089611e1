"""Exception handling (Wasm 3.0 §4.4.8): ``throw``, ``throw_ref``,
``try_table``, and the legacy ``try``/``catch``/``catch_all``/
``delegate``/``rethrow``.

Handlers leave nothing in the code: a guarded body is a ``Region`` of code
positions (``lowering``), and the interpreter's ``run`` looks a raised
exception up there (``Interpreter.handle``).  Only ``throw``, ``throw_ref``
and ``rethrow`` are instructions.
"""

from __future__ import annotations

from ....syntax.opcodes import Op
from ... import exceptions
from ..lowering import Label, Lowering, Region, _JumpFixup, end_block


def throw(f, ins):
    s = f.stack
    n = ins[2]
    payload = s[-n:] if n else ()
    if n:
        del s[-n:]
    raise exceptions.throw(f.inst.tags[ins[1]], payload)


def throw_ref(f, ins):
    raise exceptions.throw_ref(f.stack.pop())


def rethrow(f, ins):
    raise exceptions.throw_ref(f.caught[ins[1]])


def lower_throw(lw: Lowering, ins) -> None:
    lw.emit(throw, ins[1], lw.tag_arity(ins[1]))
    lw.mark_dead()


def lower_throw_ref(lw: Lowering, ins) -> None:
    lw.emit(throw_ref)
    lw.mark_dead()


def lower_try_table(lw: Lowering, ins) -> None:
    bt, catches = ins[1]
    # Handlers branch to labels around the try_table: resolve them first.
    handlers = [(c, lw.branch_target(c.label)) for c in catches]
    params, results = lw.module.block_arity(bt)
    label = Label("block", lw.height - params, params, results, 0)
    lw.push_label(label)
    lw.open_region(label, Region("try_table", len(lw.code), lw.region, catches=handlers))


def lower_try(lw: Lowering, ins) -> None:
    params, results = lw.module.block_arity(ins[1])
    label = Label("try", lw.height - params, params, results, 0)
    lw.push_label(label)
    label.handlers = Region("try", len(lw.code), lw.region, height=label.height)
    lw.open_region(label, label.handlers)


def _next_clause(lw: Lowering, tag: int | None, n_values: int) -> None:
    """The end of the try's body or of the previous catch: it falls
    through to the end; a handler's code starts here."""
    label = lw.labels[-1]
    label.fixups.append(_JumpFixup(lw.emit(_jump, None)))
    if label.region is not label.outer_region:  # the body ends
        lw.close_region(label)
    assert label.handlers is not None
    label.handlers.catches.append((tag, len(lw.code)))
    lw.height = label.height + n_values


def _jump(f, ins):
    return ins[1]


def lower_catch(lw: Lowering, ins) -> None:
    _next_clause(lw, ins[1], lw.tag_arity(ins[1]))


def lower_catch_all(lw: Lowering, ins) -> None:
    _next_clause(lw, None, 0)


def lower_delegate(lw: Lowering, ins) -> None:
    label = lw.labels[-1]
    region = lw.close_region(label)
    region.kind = "delegate"
    # The label is counted in the context around the try.
    region.delegate_to = lw.labels[-2 - ins[1]].region
    end_block(lw, ins)


def lower_rethrow(lw: Lowering, ins) -> None:
    label = lw.labels[-1 - ins[1]]
    assert label.handlers is not None
    lw.emit(rethrow, label.handlers.index)
    lw.mark_dead()


LOWERINGS = {
    Op.THROW: lower_throw,
    Op.THROW_REF: lower_throw_ref,
    Op.TRY_TABLE: lower_try_table,
    Op.TRY: lower_try,
    Op.CATCH: lower_catch,
    Op.CATCH_ALL: lower_catch_all,
    Op.DELEGATE: lower_delegate,
    Op.RETHROW: lower_rethrow,
}
