"""Validating instruction sequences (spec 3.3) with the spec's validation
algorithm (Appendix "Validation Algorithm"): an operand stack whose entries
are value types or Unknown (``None``, the bottom type of unreachable code),
and a control stack of frames.

Instructions with a fixed signature in the opcode table are checked from
that signature, after a check of their immediates chosen by immediate kind
(memory alignment, lane indices, index spaces).  Only instructions marked
``*`` in the table have a rule of their own, registered in ``RULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ..errors import InvalidModule, UnsupportedFeature
from ..features import Features
from ..syntax.opcodes import CODES_BY_NAME, OPS, Instr, MemArg, OpInfo, access_bytes
from ..syntax.types import (
    EXTERNREF,
    FUNCREF,
    I32,
    I64,
    AddrType,
    FuncType,
    NumType,
    RefType,
    ValType,
    VecType,
    is_defaultable,
)
from .context import Context, lookup, spec_generation
from .match import match_results, match_val
from .types import check_val_type

Unknown = None  # the operand type of unreachable code (spec: bottom)
StackType = ValType | None
# The reference popped in unreachable code: (ref bot), below every reference.
BOT_REF = RefType(False, None)  # type: ignore[arg-type]

# A control frame: [opcode, start types, end types, height, unreachable,
# locals initialised inside it (undone at its end)].
OPCODE, START, END_TYPES, HEIGHT, UNREACHABLE, INITS = range(6)

BLOCK, LOOP, IF, ELSE, END = 0x02, 0x03, 0x04, 0x05, 0x0B
LOCAL_GET, LOCAL_SET, LOCAL_TEE, GLOBAL_GET, GLOBAL_SET = 0x20, 0x21, 0x22, 0x23, 0x24
BR, BR_IF, CALL, DROP, SELECT = 0x0C, 0x0D, 0x10, 0x1A, 0x1B
_NUM_OR_VEC = (NumType, VecType)


def type_mismatch(expected: object, actual: object) -> InvalidModule:
    return InvalidModule(f"type mismatch: expected {expected}, got {actual}")


def result_text(types) -> str:
    """A result type as the spec interpreter prints it: ``[i32 i64]``."""
    return "[" + " ".join("bot" if t is None else str(t) for t in types) + "]"


def addr_type(limits_address: AddrType) -> NumType:
    return I64 if limits_address is AddrType.I64 else I32


class ExprChecker:
    """Checks one expression: a function body or a constant expression."""

    __slots__ = ("c", "ctrls", "locals", "mem64", "results", "uninit", "vals")

    def __init__(
        self,
        c: Context,
        locals_: tuple[ValType, ...],
        results: tuple[ValType, ...],
        uninit: set[int] | None = None,
    ):
        self.c = c
        self.locals = locals_
        self.results = results
        self.vals: list[StackType] = []
        self.ctrls: list[list] = []
        # Locals of non-defaultable types not yet set (spec 3.0, local_init).
        self.uninit: set[int] = uninit or set()
        # Per memory: whether it has 64-bit addresses (read by every memory
        # access, so not looked up through the context each time).
        self.mem64 = tuple(m.limits.address is AddrType.I64 for m in c.mems)

    def matches(self, actual: StackType, expected: ValType) -> bool:
        return match_val(actual, expected, self.c.defs)

    # -- operand stack ---------------------------------------------------

    def pop_val(self, expected: object = "a value") -> StackType:
        frame = self.ctrls[-1]
        if len(self.vals) == frame[HEIGHT]:
            if frame[UNREACHABLE]:
                return Unknown
            raise type_mismatch(expected, "nothing")
        return self.vals.pop()

    def pop_expect(self, expected: ValType) -> StackType:
        actual = self.pop_val(expected)
        if actual is not None and actual is not expected and not self.matches(actual, expected):
            raise type_mismatch(expected, actual)
        return actual

    def pop_ref(self) -> RefType:
        """Pop any reference; (ref bot) in unreachable code."""
        t = self.pop_val("a reference")
        if t is None:
            return BOT_REF
        if not isinstance(t, RefType):
            raise type_mismatch("a reference", t)
        return t

    def pop_vals(self, types: tuple[ValType, ...]) -> list[StackType]:
        """Pop values of ``types`` (the last on top); the message is the
        spec interpreter's, naming the top of the stack it found."""
        frame = self.ctrls[-1]
        vals = self.vals
        n = len(types)
        top = len(vals) - n
        if top >= frame[HEIGHT]:
            found = vals[top:]
            if tuple(found) == types:  # the common case: exactly these types
                del vals[top:]
                return found
        k = min(n, len(vals) - frame[HEIGHT])
        found = vals[len(vals) - k :]
        if (k < n and not frame[UNREACHABLE]) or not all(
            a is e or self.matches(a, e) for a, e in zip(found, types[n - k :], strict=True)
        ):
            raise InvalidModule(
                f"type mismatch: instruction requires {result_text(types)}"
                f" but stack has {result_text(found)}"
            )
        del vals[len(vals) - k :]
        return [Unknown] * (n - k) + found

    def pop_operands(self, params: list[ValType]) -> None:
        """Pop the operands of an instruction with a fixed signature: each
        exactly its type, or Unknown (top of the stack first)."""
        vals, frame = self.vals, self.ctrls[-1]
        height = frame[HEIGHT]
        n = len(vals)
        for t in reversed(params):
            if n == height:
                if frame[UNREACHABLE]:
                    continue
                raise type_mismatch(t, "nothing")
            n -= 1
            actual = vals[n]
            if actual is not t and actual is not None:
                raise type_mismatch(t, actual)
        del vals[n:]

    # -- control stack ---------------------------------------------------

    def push_ctrl(self, opcode: int, start: tuple, end: tuple) -> None:
        self.ctrls.append([opcode, start, end, len(self.vals), False, None])
        self.vals.extend(start)

    def pop_ctrl(self) -> list:
        frame = self.ctrls[-1]
        self.pop_vals(frame[END_TYPES])
        if len(self.vals) != frame[HEIGHT]:
            raise InvalidModule(
                f"type mismatch: block requires {result_text(frame[END_TYPES])}"
                f" but stack has {result_text(self.vals[frame[HEIGHT] :])}"
            )
        self.ctrls.pop()
        if frame[INITS]:  # initialisation does not outlive the block
            self.uninit.update(frame[INITS])
        return frame

    def set_local(self, x: int) -> None:
        """Record that local ``x`` is initialised from here to the end of
        the current block."""
        if x in self.uninit:
            self.uninit.discard(x)
            frame = self.ctrls[-1]
            if frame[INITS] is None:
                frame[INITS] = [x]
            else:
                frame[INITS].append(x)

    def label_types(self, depth: int) -> tuple[ValType, ...]:
        ctrls = self.ctrls
        if depth >= len(ctrls):
            raise InvalidModule(f"unknown label {depth}")
        frame = ctrls[-1 - depth]
        return frame[START] if frame[OPCODE] == LOOP else frame[END_TYPES]

    def unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame[HEIGHT] :]
        frame[UNREACHABLE] = True

    def block_type(self, bt: object) -> tuple[tuple[ValType, ...], tuple[ValType, ...]]:
        if bt is None:
            return (), ()
        if isinstance(bt, int):
            ft = self.c.func_type_at(bt)
            return ft.params, ft.results
        check_val_type(bt, self.c)
        return (), (bt,)

    # -- the loop ----------------------------------------------------------

    def check(self, expr: tuple[Instr, ...]) -> None:
        """Check ``expr`` against [] -> results.  The expression must end
        with the ``end`` that closes it, as decoded."""
        self.push_ctrl(BLOCK, (), self.results)
        vals, ctrls = self.vals, self.ctrls
        plain, plain64 = _plain_tables(self.c.features)
        rules = RULES
        locals_, uninit = self.locals, self.uninit
        n_locals = len(locals_)
        it = iter(expr)
        globals_ = self.c.globals
        n_globals = len(globals_)
        funcs = self.c.funcs
        n_funcs = len(funcs)
        # The commonest instructions are checked inline when their operands
        # are exactly as expected; anything else goes to their rule, which
        # checks from scratch (so an inline check only ever accepts).
        # Local types readable from the start, by index (None: not yet set,
        # left to the rule).
        readable = [None if x in uninit else t for x, t in enumerate(locals_)]
        memory0_32 = self.mem64[:1] == (False,)  # memory 0 has 32-bit addresses
        # The innermost frame's height, in step with ``ctrls``: refreshed
        # wherever a frame is pushed or popped (inline, or by any rule).
        height = ctrls[-1][HEIGHT]
        op = None
        try:
            for op, imm in it:
                if op == LOCAL_GET and imm < n_locals:
                    t = readable[imm]
                    if t is not None:
                        vals.append(t)
                        continue
                sig = plain[op]  # every opcode is a key: no call to ``get``
                if sig is not None:
                    shape, top, below, result, check_imm, max_align, _, _ = sig
                    if check_imm is None:
                        pass
                    elif (
                        imm.__class__ is MemArg  # a plain memarg (max_align >= 0)
                        and imm.memory == 0
                        and imm.align <= max_align
                        and imm.offset <= 0xFFFFFFFF
                        and memory0_32
                    ):
                        pass  # what check_imm accepts without 64-bit addresses
                    elif check_imm(self, imm):
                        sig = plain64[op]
                        shape, top, below, result, check_imm, max_align, _, _ = sig
                    # The operands exactly as expected, by the signature's
                    # shape: a comparison of the stack's top (types are
                    # singletons; Unknown fails it and goes to the exact
                    # check below).
                    if shape == _UNARY:
                        if len(vals) > height and vals[-1] is top:
                            vals[-1] = result
                            continue
                    elif shape == _CONST:
                        vals.append(result)
                        continue
                    elif shape == _BINARY:
                        if len(vals) - 2 >= height and vals[-1] is top and vals[-2] is below:
                            del vals[-1]
                            vals[-1] = result
                            continue
                    elif (
                        shape == _STORE
                        and len(vals) - 2 >= height
                        and vals[-1] is top
                        and vals[-2] is below
                    ):
                        del vals[-2:]
                        continue
                    self.pop_operands(sig[_PARAMS])
                    vals.extend(sig[_RESULTS])
                elif op == END:
                    frame = ctrls[-1]
                    types = frame[END_TYPES]
                    if (
                        not frame[START]
                        and frame[INITS] is None
                        and (
                            (not types and len(vals) == height)
                            or (
                                frame[OPCODE] != IF
                                and len(vals) - len(types) == height
                                and tuple(vals[height:]) == types
                            )
                        )
                    ):  # a block without parameters, exactly its results left on it
                        ctrls.pop()
                        if not ctrls:
                            break
                        vals[height:] = types
                        height = ctrls[-1][HEIGHT]
                        continue
                    _end(self, op, imm)
                    if not ctrls:
                        break
                    height = ctrls[-1][HEIGHT]
                elif op == GLOBAL_GET and 0 <= imm < n_globals:
                    vals.append(globals_[imm].type)
                elif (
                    op == LOCAL_SET
                    and 0 <= imm < n_locals
                    and len(vals) > height
                    and vals[-1] is locals_[imm]
                ):
                    vals.pop()
                    if uninit:
                        self.set_local(imm)
                elif (
                    op == LOCAL_TEE
                    and 0 <= imm < n_locals
                    and len(vals) > height
                    and vals[-1] is locals_[imm]
                ):
                    if uninit:
                        self.set_local(imm)
                elif op == IF and imm is None and len(vals) > height and vals[-1] is I32:
                    vals.pop()
                    height = len(vals)
                    ctrls.append([op, (), (), height, False, None])
                elif op in (BLOCK, LOOP) and imm is None:
                    height = len(vals)
                    ctrls.append([op, (), (), height, False, None])
                elif (
                    op == BR_IF and 0 <= imm < len(ctrls) and len(vals) > height and vals[-1] is I32
                ):
                    target = ctrls[-1 - imm]
                    types = target[START if target[OPCODE] == LOOP else END_TYPES]
                    n = len(vals) - 1 - len(types)
                    if not types:
                        vals.pop()
                    elif n >= height and tuple(vals[n:-1]) == types:
                        vals[n:] = types  # the label's values stay, typed as it types them
                    else:
                        _br_if(self, op, imm)
                elif op == BR and 0 <= imm < len(ctrls):
                    target = ctrls[-1 - imm]
                    if target[START if target[OPCODE] == LOOP else END_TYPES]:
                        _br(self, op, imm)  # a label with values
                    else:
                        del vals[height:]
                        ctrls[-1][UNREACHABLE] = True
                elif op == CALL and 0 <= imm < n_funcs:
                    ft = funcs[imm]
                    n = len(vals) - len(ft.params)
                    if n >= height and tuple(vals[n:]) == ft.params:
                        vals[n:] = ft.results  # arguments exactly as declared
                    else:
                        call_type(self, ft)
                elif op == DROP and len(vals) > height:
                    vals.pop()
                elif (
                    op == SELECT
                    and len(vals) >= height + 3
                    and vals[-1] is I32
                    and vals[-2] is vals[-3]
                    and vals[-2].__class__ in _NUM_OR_VEC
                ):  # two operands of one number or vector type, and a condition
                    del vals[-2:]
                elif (
                    op == GLOBAL_SET
                    and 0 <= imm < n_globals
                    and globals_[imm].mutable
                    and len(vals) > height
                    and vals[-1] is globals_[imm].type
                ):
                    vals.pop()
                else:
                    rule = rules.get(op)
                    if rule is None:
                        raise UnsupportedFeature(f"validation of {OPS[op].name}")
                    rule(self, op, imm)
                    if ctrls:
                        height = ctrls[-1][HEIGHT]
            else:
                raise InvalidModule("expression lacks its final end")
        except KeyError:
            if op in plain:  # not the lookup of an opcode
                raise
            raise UnsupportedFeature(f"validation of {hex(op)}") from None
        if next(it, None) is not None:
            raise InvalidModule("instructions after the final end")


# -- rules for the instructions marked ``*`` ------------------------------------

Rule = Callable[[ExprChecker, int, object], None]
RULES: dict[int, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    """Register a rule for every opcode of these text names (variants such
    as ``ref.test/null`` included)."""

    def register(fn: Rule) -> Rule:
        for name in names:
            for code in CODES_BY_NAME[name]:
                RULES[code] = fn
        return fn

    return register


@rule("unreachable")
def _unreachable(v: ExprChecker, op: int, imm: object) -> None:
    v.unreachable()


@rule("block", "loop")
def _block(v: ExprChecker, op: int, bt: object) -> None:
    params, results = v.block_type(bt)
    v.pop_vals(params)
    v.push_ctrl(op, params, results)


@rule("if")
def _if(v: ExprChecker, op: int, bt: object) -> None:
    params, results = v.block_type(bt)
    v.pop_expect(I32)
    v.pop_vals(params)
    v.push_ctrl(op, params, results)


@rule("else")
def _else(v: ExprChecker, op: int, imm: object) -> None:
    frame = v.pop_ctrl()
    if frame[OPCODE] != IF:
        raise InvalidModule("else without if")
    v.push_ctrl(ELSE, frame[START], frame[END_TYPES])


@rule("end")
def _end(v: ExprChecker, op: int, imm: object) -> None:
    frame = v.pop_ctrl()
    if frame[OPCODE] == IF and not match_results(frame[START], frame[END_TYPES], v.c.defs):
        raise type_mismatch(f"an else branch producing {frame[END_TYPES]}", "none")
    v.vals.extend(frame[END_TYPES])


@rule("br")
def _br(v: ExprChecker, op: int, depth: int) -> None:
    v.pop_vals(v.label_types(depth))
    v.unreachable()


@rule("br_if")
def _br_if(v: ExprChecker, op: int, depth: int) -> None:
    types = v.label_types(depth)
    v.pop_expect(I32)
    v.pop_vals(types)
    v.vals.extend(types)


@rule("br_table")
def _br_table(v: ExprChecker, op: int, imm: tuple[tuple[int, ...], int]) -> None:
    depths, default = imm
    default_types = v.label_types(default)
    v.pop_expect(I32)
    arity = len(default_types)
    if (
        not arity
        and max(depths, default=0) < len(v.ctrls)
        and not any(map(v.label_types, set(depths)))
    ):
        # Labels without values (most of real code): every target exists
        # and takes nothing, as the default does.
        v.unreachable()
        return
    # Before reference types, all targets had to agree exactly, even in
    # unreachable code; since then only their arity must.
    same_types = not v.c.features.reference_types
    for depth in depths:
        types = v.label_types(depth)
        if len(types) != arity or (same_types and types != default_types):
            raise type_mismatch(f"{arity} values for every br_table target", len(types))
        v.vals.extend(v.pop_vals(types))
    v.pop_vals(default_types)
    v.unreachable()


@rule("return")
def _return(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_vals(v.results)
    v.unreachable()


def call_type(v: ExprChecker, ft: FuncType) -> None:
    v.pop_vals(ft.params)
    v.vals.extend(ft.results)


def tail_call_type(v: ExprChecker, ft: FuncType) -> None:
    check_tail_results(v, ft)
    v.pop_vals(ft.params)
    v.unreachable()


def check_tail_results(v: ExprChecker, ft: FuncType) -> None:
    """A tail call returns the callee's results from the caller (spec
    3.3.8, tail calls)."""
    if not match_results(ft.results, v.results, v.c.defs):
        raise type_mismatch(f"results {v.results}", ft.results)


def _call_indirect_type(v: ExprChecker, imm: tuple[int, int]) -> FuncType:
    type_index, table_index = imm
    tt = v.c.table(table_index)
    ft = v.c.func_type_at(type_index)
    if not v.matches(tt.elem, FUNCREF):
        raise type_mismatch("a table of functions", tt.elem)
    v.pop_expect(addr_type(tt.limits.address))
    return ft


@rule("call")
def _call(v: ExprChecker, op: int, x: int) -> None:
    call_type(v, v.c.func(x))


@rule("call_indirect")
def _call_indirect(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    call_type(v, _call_indirect_type(v, imm))


@rule("return_call")
def _return_call(v: ExprChecker, op: int, x: int) -> None:
    tail_call_type(v, v.c.func(x))


@rule("return_call_indirect")
def _return_call_indirect(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    tail_call_type(v, _call_indirect_type(v, imm))


@rule("drop")
def _drop(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_val()


def _is_num_or_vec(t: StackType) -> bool:
    return t is None or isinstance(t, NumType | VecType)


@rule("select")
def _select(v: ExprChecker, op: int, imm: object) -> None:
    """Without a type annotation only number and vector operands (spec 3.3.4)."""
    v.pop_expect(I32)
    t1 = v.pop_val()
    t2 = v.pop_val()
    if not (_is_num_or_vec(t1) and _is_num_or_vec(t2)):
        raise type_mismatch("number or vector operands for select", t1 if t2 is None else t2)
    if t1 is not None and t2 is not None and t1 != t2:
        raise type_mismatch(t1, t2)
    v.vals.append(t2 if t1 is None else t1)


@rule("select_t")
def _select_t(v: ExprChecker, op: int, types: tuple[ValType, ...]) -> None:
    if len(types) != 1:
        raise InvalidModule("invalid result arity")
    t = types[0]
    check_val_type(t, v.c)
    v.pop_expect(I32)
    v.pop_expect(t)
    v.pop_expect(t)
    v.vals.append(t)


@rule("local.get")
def _local_get(v: ExprChecker, op: int, x: int) -> None:
    t = lookup(v.locals, x, "local")
    if x in v.uninit:
        raise InvalidModule(f"uninitialized local {x}")
    v.vals.append(t)


@rule("local.set")
def _local_set(v: ExprChecker, op: int, x: int) -> None:
    v.pop_expect(lookup(v.locals, x, "local"))
    v.set_local(x)


@rule("local.tee")
def _local_tee(v: ExprChecker, op: int, x: int) -> None:
    t = lookup(v.locals, x, "local")
    v.pop_expect(t)
    v.set_local(x)
    v.vals.append(t)


@rule("global.get")
def _global_get(v: ExprChecker, op: int, x: int) -> None:
    v.vals.append(v.c.global_(x).type)


@rule("global.set")
def _global_set(v: ExprChecker, op: int, x: int) -> None:
    gt = v.c.global_(x)
    if not gt.mutable:
        new = spec_generation(v.c.features) >= 3
        raise InvalidModule("immutable global" if new else "global is immutable")
    v.pop_expect(gt.type)


@rule("table.get")
def _table_get(v: ExprChecker, op: int, x: int) -> None:
    tt = v.c.table(x)
    v.pop_expect(addr_type(tt.limits.address))
    v.vals.append(tt.elem)


@rule("table.set")
def _table_set(v: ExprChecker, op: int, x: int) -> None:
    tt = v.c.table(x)
    v.pop_expect(tt.elem)
    v.pop_expect(addr_type(tt.limits.address))


@rule("table.grow")
def _table_grow(v: ExprChecker, op: int, x: int) -> None:
    tt = v.c.table(x)
    at = addr_type(tt.limits.address)
    v.pop_expect(at)
    v.pop_expect(tt.elem)
    v.vals.append(at)


@rule("table.fill")
def _table_fill(v: ExprChecker, op: int, x: int) -> None:
    tt = v.c.table(x)
    at = addr_type(tt.limits.address)
    v.pop_expect(at)
    v.pop_expect(tt.elem)
    v.pop_expect(at)


@rule("table.copy")
def _table_copy(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    dst, src = imm
    tt_dst, tt_src = v.c.table(dst), v.c.table(src)
    if not v.matches(tt_src.elem, tt_dst.elem):
        raise type_mismatch(tt_dst.elem, tt_src.elem)
    at_dst = addr_type(tt_dst.limits.address)
    at_src = addr_type(tt_src.limits.address)
    v.pop_expect(I32 if I32 in (at_dst, at_src) else I64)
    v.pop_expect(at_src)
    v.pop_expect(at_dst)


@rule("table.init")
def _table_init(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    elem, table = imm
    tt = v.c.table(table)
    et = v.c.elem(elem)
    if not v.matches(et, tt.elem):
        raise type_mismatch(tt.elem, et)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(addr_type(tt.limits.address))


@rule("memory.init")
def _memory_init(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    data, mem = imm
    mt = v.c.mem(mem)
    v.c.data(data)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(addr_type(mt.limits.address))


@rule("memory.copy")
def _memory_copy(v: ExprChecker, op: int, imm: tuple[int, int]) -> None:
    dst, src = imm
    at_dst = addr_type(v.c.mem(dst).limits.address)
    at_src = addr_type(v.c.mem(src).limits.address)
    v.pop_expect(I32 if I32 in (at_dst, at_src) else I64)
    v.pop_expect(at_src)
    v.pop_expect(at_dst)


_NULLABLE = {FUNCREF.heap: FUNCREF, EXTERNREF.heap: EXTERNREF}


@rule("ref.null")
def _ref_null(v: ExprChecker, op: int, heap: object) -> None:
    # With custom descriptors ``ref.null x`` is exact: null is a value of
    # every type of its hierarchy, ``(ref.null (exact x))`` decodes to ``x``.
    exact = isinstance(heap, int) and v.c.features.custom_descriptors
    t = _NULLABLE.get(heap) or RefType(True, heap, exact)  # type: ignore[arg-type]
    check_val_type(t, v.c)
    v.vals.append(t)


@rule("ref.is_null")
def _ref_is_null(v: ExprChecker, op: int, imm: object) -> None:
    v.pop_ref()
    v.vals.append(I32)


@rule("ref.func")
def _ref_func(v: ExprChecker, op: int, x: int) -> None:
    """Typed function references make the result (ref $t) of the
    function's own type."""
    v.c.func(x)
    if x not in v.c.refs:
        raise InvalidModule(f"undeclared function reference {x}")
    if v.c.features.function_references:
        exact = v.c.features.custom_descriptors and x not in v.c.inexact_funcs
        v.vals.append(RefType(False, v.c.func_type_indices[x], exact))
    else:
        v.vals.append(FUNCREF)


# -- plain instructions: signatures and immediate checks ------------------------

ImmCheck = Callable[[ExprChecker, object], bool]  # True: 64-bit addresses


def natural_alignment(info: OpInfo) -> int:
    """Bytes accessed by a memory instruction (``syntax.opcodes.access_bytes``)."""
    return access_bytes(info.name)


def lane_count(info: OpInfo) -> int:
    """Lanes addressed by a lane immediate: ``i16x8.extract_lane_s`` has 8,
    ``v128.load32_lane`` 4."""
    if info.immediates == "memarg_lane":
        return 16 // natural_alignment(info)
    return int(info.name.split(".")[0].split("x")[1])


def _memarg_check(info: OpInfo) -> ImmCheck:
    max_align = natural_alignment(info).bit_length() - 1

    def check(v: ExprChecker, arg: MemArg) -> bool:
        mem64 = v.mem64
        if arg.memory >= len(mem64):
            v.c.mem(arg.memory)  # raises "unknown memory"
        if arg.align > max_align:
            raise InvalidModule("alignment must not be larger than natural")
        if mem64[arg.memory]:
            return True
        if arg.offset > 0xFFFFFFFF:  # only memory64 decodes 64-bit offsets
            raise InvalidModule("offset out of range")
        return False

    return check


def _atomic_check(info: OpInfo) -> ImmCheck:
    """Atomic accesses (threads) must state exactly their natural alignment;
    they are valid on unshared memories too."""
    memarg = _memarg_check(info)
    natural = natural_alignment(info).bit_length() - 1

    def check(v: ExprChecker, arg: MemArg) -> bool:
        wide = memarg(v, arg)
        if arg.align != natural:
            raise InvalidModule("atomic alignment must be natural")
        return wide

    return check


def _memarg_lane_check(info: OpInfo) -> ImmCheck:
    memarg = _memarg_check(info)
    lanes = lane_count(info)

    def check(v: ExprChecker, imm: tuple[MemArg, int]) -> bool:
        wide = memarg(v, imm[0])
        if imm[1] >= lanes:
            raise InvalidModule("invalid lane index")
        return wide

    return check


def _lane_check(info: OpInfo) -> ImmCheck:
    lanes = lane_count(info)

    def check(v: ExprChecker, lane: int) -> bool:
        if lane >= lanes:
            raise InvalidModule("invalid lane index")
        return False

    return check


def _shuffle_check(info: OpInfo) -> ImmCheck:
    def check(v: ExprChecker, lanes: tuple[int, ...]) -> bool:
        if any(lane >= 32 for lane in lanes):
            raise InvalidModule("invalid lane index")
        return False

    return check


def _mem_check(info: OpInfo) -> ImmCheck:
    def check(v: ExprChecker, x: int) -> bool:
        return v.c.mem(x).limits.address is AddrType.I64

    return check


def _table_check(info: OpInfo) -> ImmCheck:
    def check(v: ExprChecker, x: int) -> bool:
        return v.c.table(x).limits.address is AddrType.I64

    return check


def _data_check(info: OpInfo) -> ImmCheck:
    def check(v: ExprChecker, x: int) -> bool:
        v.c.data(x)
        return False

    return check


def _elem_check(info: OpInfo) -> ImmCheck:
    def check(v: ExprChecker, x: int) -> bool:
        v.c.elem(x)
        return False

    return check


IMMEDIATE_CHECKS: dict[str, Callable[[OpInfo], ImmCheck]] = {
    "memarg": _memarg_check,
    "memarg_lane": _memarg_lane_check,
    "atomic": _atomic_check,
    "lane": _lane_check,
    "shuffle": _shuffle_check,
    "mem": _mem_check,
    "table": _table_check,
    "data": _data_check,
    "elem": _elem_check,
}

# A fixed signature, by the shape the checking loop tests inline:
# (shape, the top operand, the one below it, the single result, immediate
# check or None, for a plain memarg the largest valid alignment (else -1: the
# check decides), params, results); unused parts are None.
_Type = ValType | None
PlainSig = tuple[int, _Type, _Type, _Type, ImmCheck | None, int, tuple, tuple]
# The shapes: other, [] -> [t], [a] -> [t], [b a] -> [t], [b a] -> [].
_OTHER, _CONST, _UNARY, _BINARY, _STORE = range(5)
_PARAMS, _RESULTS = 6, 7


def _resolve(types: tuple, addr: NumType) -> tuple[ValType, ...]:
    return tuple(addr if t == "addr" else t for t in types)


def _sig(info: OpInfo, addr: NumType, check: ImmCheck | None) -> PlainSig:
    params = _resolve(info.params, addr)
    results = _resolve(info.results, addr)
    max_align = natural_alignment(info).bit_length() - 1 if info.immediates == "memarg" else -1
    shape = {(0, 1): _CONST, (1, 1): _UNARY, (2, 1): _BINARY, (2, 0): _STORE}.get(
        (len(params), len(results)), _OTHER
    )
    top = params[-1] if params else None
    below = params[-2] if len(params) > 1 else None
    result = results[0] if len(results) == 1 else None
    return shape, top, below, result, check, max_align, params, results


@lru_cache(maxsize=16)
def _plain_tables(f: Features) -> tuple[dict[int, PlainSig | None], dict[int, PlainSig]]:
    """Every opcode to its signature for 32-bit addresses, or None if it
    has no fixed signature; the signatures for 64-bit addresses of the
    instructions whose immediate check says which applies."""
    plain: dict[int, PlainSig | None] = {}
    plain64: dict[int, PlainSig] = {}
    for code, info in OPS.items():
        plain[code] = None
        if info.params is None or info.results is None:
            continue
        make_check = IMMEDIATE_CHECKS.get(info.immediates)
        plain[code] = _sig(info, I32, make_check(info) if make_check else None)
        if make_check:
            plain64[code] = _sig(info, I64, None)
    return plain, plain64


def check_func_body(
    c: Context, ft: FuncType, locals_: tuple[ValType, ...], body: tuple[Instr, ...]
) -> None:
    """Spec 3.4.1: the body has type [] -> results under params + locals;
    locals of non-defaultable types must be set before they are read."""
    refs = [(i, t) for i, t in enumerate(locals_) if t.__class__ is RefType]
    for _, t in refs:  # only reference types name types to check
        check_val_type(t, c)
    n = len(ft.params)
    uninit = {n + i for i, t in refs if not is_defaultable(t)}
    ExprChecker(c, ft.params + locals_, ft.results, uninit).check(body)
