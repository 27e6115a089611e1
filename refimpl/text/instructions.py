"""Instructions (spec 6.5): plain and folded, mixed freely, into the flat
``Instr`` sequence the decoder would produce.

Plain instructions are driven by the opcode table: an instruction's
immediate kind (``OpInfo.immediates``) selects its reader in ``READERS``,
so an instruction added to the table needs, at most, a reader for a new
immediate kind.  The readers return what the decoder returns for the same
kind (``cast``: label and two ``RefType``s, whose nullability the encoder
turns into castflags; ``try_table``: block type and ``Catch``es).  Where one
text name has several opcodes (``ref.test``/``ref.cast`` with a nullable or
non-null type, ``CODES_BY_NAME``), the type read picks the opcode.

Structured instructions (``block``, ``loop``, ``if``, legacy ``try``) and
``select``/``call_indirect`` have their own syntax and are read here.
"""

from __future__ import annotations

from functools import cache
from itertools import repeat
from typing import TYPE_CHECKING

from ..errors import UnsupportedFeature
from ..syntax import types as t
from ..syntax.opcodes import (
    BY_NAME,
    OPS,
    Catch,
    CatchKind,
    Instr,
    MemArg,
    Op,
    OpInfo,
    access_bytes,
)
from .keywords import DESCRIPTOR_INSTRUCTIONS, wasm3_texts
from .lexer import ID, KW, LP, NUM, RP, Token
from .numbers import F32, F64, is_int, parse_float, parse_int, parse_uint, to_int
from .reader import RP_EOF, Cursor, Names

if TYPE_CHECKING:
    from .module import ModuleContext

END = (Op.END, None)
ELSE = (Op.ELSE, None)
_BLOCKS = {"block": Op.BLOCK, "loop": Op.LOOP, "if": Op.IF}
_STRUCTURED = frozenset((*_BLOCKS, "try_table", "try"))  # read by ``folded`` itself
# Words that end a plain instruction sequence.
_TERMINATORS = frozenset(("end", "else", "catch", "catch_all", "delegate"))
# Forms that end a folded instruction's operands (or a function's body).
_NOT_OPERANDS = frozenset(
    ("then", "do", "catch", "catch_all", "delegate", "item", "result", "param", "type", "local")
)
# Instruction sequences nested deeper than this are declined (an
# implementation limit, ``UnsupportedFeature``): the parser recurses per
# level, and Python's stack must end in a typed error, not RecursionError.
NESTING_LIMIT = 1000
# Python frames one level of nesting takes at most (instrs, folded/plain, ...).
FRAMES_PER_LEVEL = 4
SHAPES = {
    "i8x16": (16, 8, None),
    "i16x8": (8, 16, None),
    "i32x4": (4, 32, None),
    "i64x2": (2, 64, None),
    "f32x4": (4, 32, F32),
    "f64x2": (2, 64, F64),
}
_CATCHES = {"catch": 0, "catch_ref": 1, "catch_all": 2, "catch_all_ref": 3}


@cache
def natural_alignment(name: str) -> int:
    """log2 of the access width an instruction named ``name`` implies."""
    return access_bytes(name).bit_length() - 1


class FuncBody:
    """Reads the instructions of one function (or constant expression)."""

    def __init__(
        self,
        ctx: ModuleContext,
        locals_: Names | None = None,
        hints: dict[int, int] | None = None,
    ):
        self.ctx = ctx
        self.cur: Cursor = ctx.cur
        self.locals = locals_ or Names("local")
        self.labels: list[str | None] = []
        self.out: list[Instr] = []
        # Branch hints: token position -> hint value, in; the hinted
        # instructions' positions in ``out`` -> hint value, out.
        self.hints = hints
        self.hinted: dict[int, int] = {}
        # Label names by the label's number in the function (for the name section).
        self.label_names: dict[int, str] = {}
        self.n_labels = 0
        self.depth = 0  # instruction sequences open (see NESTING_LIMIT)

    def _push_label(self, label: str | None) -> None:
        if label is not None:
            self.label_names[self.n_labels] = label
        self.n_labels += 1
        self.labels.append(label)

    # -- sequences --------------------------------------------------------

    def expr(self) -> tuple[Instr, ...]:
        """Instructions up to the closing paren, plus the final ``end``."""
        self.instrs()
        if not self.cur.at_rp():
            raise self.cur.unexpected()
        self.out.append(END)
        return tuple(self.out)

    def instrs(self) -> None:
        """Plain and folded instructions, up to what ends a sequence."""
        if self.depth >= NESTING_LIMIT:  # (``_deeper``, inlined: this is hot)
            self._deeper()
        self.depth += 1
        cur = self.cur
        toks = cur.toks
        hints = self.hints
        while True:
            at = cur.i
            if at >= len(toks):  # (at the end: the caller reports it)
                break
            tok = toks[at]
            if tok[0] == LP:
                nxt = toks[at + 1] if at + 1 < len(toks) else RP_EOF
                if nxt[0] != KW or nxt[1] in _NOT_OPERANDS:
                    break
                cur.i = at + 1
                head = self._folded(nxt)
            elif tok[0] == KW and tok[1] not in _TERMINATORS:
                head = len(self.out)
                self.plain()
            else:
                break
            if hints is not None and at in hints:
                self.hinted[head] = hints[at]
        self.depth -= 1

    def _deeper(self) -> None:
        if self.depth >= NESTING_LIMIT:
            raise UnsupportedFeature(
                f"implementation limit: instructions nested more than {NESTING_LIMIT} deep"
            )
        self.depth += 1

    # -- labels -----------------------------------------------------------

    def label(self) -> int:
        cur = self.cur
        tok = cur.peek()
        if tok.kind == ID:
            cur.i += 1
            for depth, name in enumerate(reversed(self.labels)):
                if name == tok.value:
                    return depth
            raise cur.error(f"unknown label ${tok.value}", cur.i - 1)
        if tok.kind == NUM:
            return cur.nat()
        raise cur.unexpected()

    def _end_label(self, label: str | None) -> None:
        tok = self.cur.peek()
        if tok.kind == ID:
            self.cur.i += 1
            if tok.value != label:
                raise self.cur.error(f"mismatching label ${tok.value}", self.cur.i - 1)

    # -- one instruction --------------------------------------------------

    def _end_plain(self, label: str | None) -> None:
        """``end $label?`` closing a plain block."""
        self.cur.kw("end")
        self._end_label(label)
        self.labels.pop()
        self.out.append(END)

    def _block_head(self):
        """After a block keyword: its label and block type."""
        self.cur.i += 1
        label = self.cur.opt_id()
        return label, self.ctx.blocktype()

    def plain(self) -> None:
        cur = self.cur
        tok = cur.peek()
        name = tok[1]
        if name not in _STRUCTURED:  # most
            cur.i += 1
            self.out.append(_NO_IMMEDIATES.get(name) or self._operator(tok))
            return
        if name in _BLOCKS:
            label, bt = self._block_head()
            self._push_label(label)
            self.out.append((_BLOCKS[name], bt))
            self.instrs()
            if name == "if" and cur.at_kw("else"):
                cur.i += 1
                self._end_label(label)
                self.out.append(ELSE)
                self.instrs()
            self._end_plain(label)
            return
        if name == "try_table":
            cur.i += 1
            label = cur.opt_id()
            self.out.append((Op.TRY_TABLE, self._try_table_head(label)))
            self.instrs()
            self._end_plain(label)
            return
        if name == "try" and self.ctx.features.legacy_exceptions:
            cur.i += 1
            label = cur.opt_id()
            self.out.append((Op.TRY, self.ctx.blocktype()))
            self._push_label(label)
            self.instrs()
            while cur.at_kw("catch", "catch_all"):
                if cur.kw() == "catch":
                    self.out.append((Op.CATCH, self.ctx.space("tag").resolve(cur)))
                    self.instrs()
                    continue
                self.out.append((Op.CATCH_ALL, None))
                self.instrs()
                break  # catch_all comes last
            if cur.at_kw("delegate"):
                cur.i += 1
                self.labels.pop()
                self.out.append((Op.DELEGATE, self.label()))
                return
            self._end_plain(label)
            return
        raise cur.unexpected()  # try without legacy exceptions

    def _try_table_head(self, label: str | None) -> tuple:
        cur = self.cur
        bt = self.ctx.blocktype()
        catches = []
        while cur.peek().kind == LP and cur.peek(1).value in _CATCHES:
            cur.i += 1
            kind = _CATCHES[cur.kw()]
            tag = self.ctx.space("tag").resolve(cur) if kind < 2 else None
            catches.append(Catch(CatchKind(kind), tag, self.label()))
            cur.rp()
        self._push_label(label)  # the catches' labels are outside the block
        return (bt, tuple(catches))

    def folded(self) -> int:
        """One folded instruction; the position in ``out`` of its head (the
        instruction the form names, after its folded operands)."""
        cur = self.cur
        cur.lp()
        tok = cur.peek()
        if tok[0] != KW:
            raise cur.unexpected()
        return self._folded(tok)

    def _folded(self, tok: Token) -> int:
        """``folded`` after its ``(``: ``tok`` is the keyword at the cursor."""
        cur = self.cur
        name = tok[1]
        if name not in _STRUCTURED:  # most: indexing the tokens, as it is hot
            cur.i += 1
            ins = _NO_IMMEDIATES.get(name) or self._operator(tok)  # type: ignore[arg-type]
            toks = cur.toks
            i = cur.i
            if self.depth >= NESTING_LIMIT or (i < len(toks) and toks[i][0] != RP):
                self.instrs()  # its operands (most have none)
                i = cur.i
            head = len(self.out)
            self.out.append(ins)
            if i >= len(toks) or toks[i][0] != RP:
                raise cur.unexpected()
            cur.i = i + 1
            return head
        elif name in _BLOCKS:
            label, bt = self._block_head()
            if name == "if":
                self._conditions()
                self._push_label(label)
                head = len(self.out)
                self.out.append((Op.IF, bt))
                cur.open("then")
                self.instrs()
                cur.rp()
                if cur.at_form("else"):
                    cur.i += 2
                    self.out.append(ELSE)
                    self.instrs()
                    cur.rp()
            else:
                self._push_label(label)
                head = len(self.out)
                self.out.append((_BLOCKS[name], bt))
                self.instrs()
            self.labels.pop()
            self.out.append(END)
        elif name == "try_table":
            cur.i += 1
            label = cur.opt_id()
            head = len(self.out)
            self.out.append((Op.TRY_TABLE, self._try_table_head(label)))
            self.instrs()
            self.labels.pop()
            self.out.append(END)
        elif name == "try" and self.ctx.features.legacy_exceptions:
            cur.i += 1
            head = len(self.out)
            self._folded_try()
        else:  # try without legacy exceptions
            raise cur.unexpected()
        cur.rp()
        return head

    def _conditions(self) -> None:
        """A folded ``if``'s condition instructions (before ``then``): a
        level of nesting like any instruction sequence."""
        self._deeper()
        cur = self.cur
        while cur.peek().kind == LP and not cur.at_form("then"):
            at = cur.i
            operand = self.folded()
            if self.hints is not None and at in self.hints:
                self.hinted[operand] = self.hints[at]
        self.depth -= 1

    def _folded_try(self) -> None:
        cur = self.cur
        label = cur.opt_id()
        self.out.append((Op.TRY, self.ctx.blocktype()))
        self._push_label(label)
        cur.open("do")
        self.instrs()
        cur.rp()
        if cur.at_form("delegate"):
            cur.i += 2
            self.labels.pop()
            self.out.append((Op.DELEGATE, self.label()))
            cur.rp()
            return
        while cur.at_form("catch", "catch_all"):
            cur.i += 1
            last = cur.kw() == "catch_all"
            if last:
                self.out.append((Op.CATCH_ALL, None))
            else:
                self.out.append((Op.CATCH, self.ctx.space("tag").resolve(cur)))
            self.instrs()
            cur.rp()
            if last:
                break  # catch_all comes last
        self.labels.pop()
        self.out.append(END)

    def _operator(self, tok) -> Instr:
        """A non-structured instruction, its keyword (``tok``) just taken."""
        name = tok[1]
        if tok[0] != KW:
            raise self.cur.unexpected(self.cur.i - 1)
        plain = _NO_IMMEDIATES.get(name)
        if plain is not None:
            return plain
        operator = _OPERATORS.get(name)
        if operator is None:
            if name in DESCRIPTOR_INSTRUCTIONS:
                raise UnsupportedFeature(f"the descriptor instruction {name}")
            raise self.cur.unexpected(self.cur.i - 1)
        code, read, info = operator
        if code is None:  # an instruction with a syntax of its own
            return read(self, info)
        imm = read(self, info)
        if read is _reftype and imm.nullable:
            return (_NULL_VARIANT[code], imm)
        return (code, imm)

    def _call_indirect(self, info: OpInfo) -> Instr:
        table = self.ctx.space("table").resolve(self.cur) if self.cur.at_index() else 0
        type_index, _ = self.ctx.typeuse(names=False)
        return (info.code, (type_index, table))

    def _select(self, info: OpInfo) -> Instr:
        cur = self.cur
        if not cur.at_form("result"):
            return (Op.SELECT, None)
        types: list[t.ValType] = []
        while cur.at_form("result"):
            cur.i += 2
            while not cur.at_rp():
                types.append(self.ctx.tr.valtype())
            cur.rp()
        return (Op.SELECT_T, tuple(types))


# -- immediate readers, by immediate kind ----------------------------------------


def _space(kind: str):
    def read(body: FuncBody, info: OpInfo) -> int:
        return body.ctx.space(kind).resolve(body.cur)

    return read


def _optional(kind: str):
    def read(body: FuncBody, info: OpInfo) -> int:
        if body.cur.at_index():
            return body.ctx.space(kind).resolve(body.cur)
        return 0

    return read


def _local(body: FuncBody, info: OpInfo) -> int:
    return body.locals.resolve(body.cur)


def _label(body: FuncBody, info: OpInfo) -> int:
    return body.label()


def _labels(body: FuncBody, info: OpInfo) -> tuple:
    labels = [body.label()]
    while body.cur.at_index():
        labels.append(body.label())
    return (tuple(labels[:-1]), labels[-1])


def _two(first: str, second: str, optional_first: bool):
    """Two indices, the first optional (``memory.init $m? $d``) or both
    optional (``memory.copy``); the result is (second, first) for init
    forms, whose immediates are (segment, memory/table)."""

    def read(body: FuncBody, info: OpInfo) -> tuple[int, int]:
        cur = body.cur
        ctx = body.ctx
        both = cur.at_index() and _index_at(cur, 1)
        if optional_first:
            a = ctx.space(first).resolve(cur) if both else 0
            b = ctx.space(second).resolve(cur)
            return (b, a)
        if both:
            return (ctx.space(first).resolve(cur), ctx.space(second).resolve(cur))
        if cur.at_index():
            raise cur.unexpected(cur.i + 1)
        return (0, 0)

    return read


def _index_at(cur: Cursor, k: int) -> bool:
    tok = cur.peek(k)
    return tok.kind == ID or (tok.kind == NUM and tok.value[0] not in "+-")


def _memarg(body: FuncBody, info: OpInfo) -> MemArg:
    cur = body.cur
    mem = body.ctx.space("memory").resolve(cur) if cur.at_index() else 0
    offset = 0
    align = natural_alignment(info.name)
    tok = cur.peek()
    if tok.kind == KW and tok.value.startswith("offset="):
        cur.i += 1
        offset = _keyword_nat(cur, 64 if wasm3_texts(body.ctx.features) else 32)
        tok = cur.peek()
    if tok.kind == KW and tok.value.startswith("align="):
        cur.i += 1
        value = _keyword_nat(cur, 64)
        if value <= 0 or value & (value - 1):
            raise cur.error("alignment must be a power of two", cur.i - 1)
        align = value.bit_length() - 1
    return MemArg(align, offset, mem)


def _keyword_nat(cur: Cursor, bits: int) -> int:
    """The number of the ``offset=``/``align=`` keyword just taken."""
    at = cur.i - 1
    word = cur.toks[at].value
    text = word.partition("=")[2]
    if not text or text[0] in "+-" or not is_int(text):
        raise cur.error(f"unknown operator {word}", at)
    return parse_uint(text, bits, cur.lines[at])


def _lane_index(body: FuncBody) -> int:
    """A lane index: a u8.  Out of range, the Wasm 2.0 interpreter says
    "malformed lane index", the 3.0 one "i8 constant out of range"."""
    cur = body.cur
    tok = cur.peek()
    if tok.kind != NUM or tok.value[0] in "+-" or not is_int(tok.value):
        raise cur.unexpected()
    cur.i += 1
    return _u8(body)


def _u8(body: FuncBody) -> int:
    """The number just taken, as a u8."""
    at = body.cur.i - 1
    text = body.cur.toks[at].value
    bad = "i8 constant out of range" if wasm3_texts(body.ctx.features) else "malformed lane index"
    if text[0] in "+-" or not is_int(text):
        raise body.cur.error(bad, at)
    value = to_int(text)
    if value > 0xFF:
        raise body.cur.error(bad, at)
    return value


def _lane(body: FuncBody, info: OpInfo) -> int:
    return _lane_index(body)


def _memarg_lane(body: FuncBody, info: OpInfo) -> tuple[MemArg, int]:
    cur = body.cur
    # ``v128.load8_lane 1 0``: a lone number after a memarg-less op is the lane.
    after = cur.peek(1)
    if (
        cur.peek().kind == NUM
        and after.kind != NUM
        and not (after.kind == KW and after.value.startswith(("offset=", "align=")))
    ):
        return (MemArg(natural_alignment(info.name), 0, 0), _lane_index(body))
    arg = _memarg(body, info)
    return (arg, _lane_index(body))


def _shuffle(body: FuncBody, info: OpInfo) -> tuple[int, ...]:
    cur = body.cur
    lanes = []
    for _ in range(16):
        if cur.peek().kind != NUM:
            raise cur.error("invalid lane length")
        cur.i += 1
        lanes.append(_u8(body))
    if cur.peek().kind == NUM:
        raise cur.error("invalid lane length")
    return tuple(lanes)


def _literal(parse, width):
    """The reader of a number immediate: ``parse(text, width, line)``
    (``parse_int`` with bits, ``parse_float`` with a format)."""

    def read(body: FuncBody, info: OpInfo) -> int:
        cur = body.cur
        i = cur.i
        tok = cur.toks[i] if i < len(cur.toks) else None
        if tok is None or tok[0] != NUM:
            raise cur.unexpected()
        cur.i = i + 1
        return parse(tok[1], width, cur.lines[i])

    return read


def v128_const(cur: Cursor) -> int:
    """``shape lane*`` (the v128.const immediate; also script constants)."""
    i = cur.i
    toks = cur.toks
    tok = cur.peek()
    shape = SHAPES.get(tok[1]) if tok[0] == KW else None  # type: ignore[arg-type]
    if shape is None:
        raise cur.unexpected()
    count, width, fmt = shape
    first = end = i + 1
    while end < len(toks) and toks[end][0] == NUM:
        end += 1
    cur.i = end
    if cur.peek()[0] not in (RP, LP):
        raise cur.unexpected()
    if end - first != count:
        raise cur.error("wrong number of lane literals")
    texts = [lane[1] for lane in toks[first:end]]
    if fmt is None:
        lanes = map(parse_int, texts, repeat(width), cur.lines[first:end])
    else:
        lanes = map(parse_float, texts, repeat(fmt), cur.lines[first:end])
    # The lanes' bytes, little-endian, make the vector's.
    raw = b"".join(map(int.to_bytes, lanes, repeat(width // 8), repeat("little")))
    return int.from_bytes(raw, "little")


def _v128(body: FuncBody, info: OpInfo) -> int:
    return v128_const(body.cur)


def _heaptype(body: FuncBody, info: OpInfo) -> t.HeapType:
    if body.cur.at_form("exact"):  # ref.null (exact x): see valid ref.null
        return body.ctx.tr.exact_typeidx()
    return body.ctx.tr.heaptype()


def _reftype(body: FuncBody, info: OpInfo) -> t.RefType:
    return body.ctx.tr.reftype()


def _type_field(body: FuncBody, info: OpInfo) -> tuple[int, int]:
    ctx = body.ctx
    type_index = ctx.space("type").resolve(body.cur)
    return (type_index, ctx.fields_of(type_index).resolve(body.cur))


def _type_n(body: FuncBody, info: OpInfo) -> tuple[int, int]:
    return (body.ctx.space("type").resolve(body.cur), body.cur.nat())


def _type_and(second: str):
    def read(body: FuncBody, info: OpInfo) -> tuple[int, int]:
        ctx = body.ctx
        return (ctx.space("type").resolve(body.cur), ctx.space(second).resolve(body.cur))

    return read


def _cast(body: FuncBody, info: OpInfo) -> tuple:
    label = body.label()
    return (label, body.ctx.tr.reftype(), body.ctx.tr.reftype())


READERS = {
    "func": _space("func"),
    "global": _space("global"),
    "elem": _space("elem"),
    "data": _space("data"),
    "tag": _space("tag"),
    "type": _space("type"),
    "table": _optional("table"),
    "mem": _optional("memory"),
    "local": _local,
    "label": _label,
    "labels": _labels,
    "memarg": _memarg,
    "memarg_lane": _memarg_lane,
    "atomic": _memarg,
    "zero": lambda body, info: None,
    "data_mem": _two("memory", "data", True),
    "elem_table": _two("table", "elem", True),
    "mem_mem": _two("memory", "memory", False),
    "table_table": _two("table", "table", False),
    "i32": _literal(parse_int, 32),
    "i64": _literal(parse_int, 64),
    "f32": _literal(parse_float, F32),
    "f64": _literal(parse_float, F64),
    "v128": _v128,
    "shuffle": _shuffle,
    "lane": _lane,
    "heaptype": _heaptype,
    "reftype": _reftype,
    "type_field": _type_field,
    "type_n": _type_n,
    "type_type": _type_and("type"),
    "type_data": _type_and("data"),
    "type_elem": _type_and("elem"),
    "cast": _cast,
}

# Instructions without immediates, by name: one shared ``Instr`` each.
_OWN_SYNTAX = {"select": FuncBody._select, "call_indirect": FuncBody._call_indirect}
_OWN_SYNTAX["return_call_indirect"] = FuncBody._call_indirect
_NOT_OPERATORS = frozenset(("select_t", "try", "catch", "catch_all", "delegate"))
_NO_IMMEDIATES = {
    name: (info.code, None)
    for name, info in BY_NAME.items()
    if info.immediates == "-"
    and name not in _OWN_SYNTAX
    and name not in _NOT_OPERATORS
    and name not in DESCRIPTOR_INSTRUCTIONS
}
# The others, by name: (opcode, immediate reader, info), or (None, reader of
# the whole instruction, info) for those with a syntax of their own.
_OPERATORS = {
    name: (info.code, READERS[info.immediates], info)
    for name, info in BY_NAME.items()
    if info.immediates in READERS  # (not the structured ones: read apart)
    and name not in _OWN_SYNTAX
    and name not in _NOT_OPERATORS
    and name not in DESCRIPTOR_INSTRUCTIONS
}
_OPERATORS.update((name, (None, read, BY_NAME[name])) for name, read in _OWN_SYNTAX.items())
# ``ref.test``/``ref.cast`` -> the opcode of the same name for a nullable type.
_NULL_VARIANT = {
    BY_NAME[info.name].code: code for code, info in OPS.items() if info.variant == "null"
}

__all__ = ["ELSE", "END", "READERS", "FuncBody", "natural_alignment", "v128_const"]
