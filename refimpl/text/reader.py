"""A cursor over tokens with the spec interpreter's error texts, and the
pieces of the grammar every part needs: names, indices, value and heap
types (spec 6.3-6.4)."""

from __future__ import annotations

from ..syntax import types as t
from .keywords import is_known
from .lexer import ID, KW, LP, NUM, RESERVED, RP, STR, Lexed, TextError, Token
from .numbers import parse_uint

_EOF = Token(RP, "")
RP_EOF = _EOF  # what the tokens' end reads as: a ")"

NUM_TYPES = {"i32": t.I32, "i64": t.I64, "f32": t.F32, "f64": t.F64, "v128": t.V128}
HEAP_TYPES = {h.value: h for h in t.AbsHeapType}
_N = t.AbsHeapType
REF_SHORTHANDS = {
    "funcref": _N.FUNC,
    "externref": _N.EXTERN,
    "anyref": _N.ANY,
    "eqref": _N.EQ,
    "i31ref": _N.I31,
    "structref": _N.STRUCT,
    "arrayref": _N.ARRAY,
    "exnref": _N.EXN,
    "nullref": _N.NONE,
    "nullfuncref": _N.NOFUNC,
    "nullexternref": _N.NOEXTERN,
    "nullexnref": _N.NOEXN,
}


class Cursor:
    """Tokens ``toks[i:]`` (with their ``lines``); every method raises
    TextError on mismatch.  Errors name a token by its index (``at``):
    tokens are shared between positions, so they carry no line."""

    def __init__(self, lexed: Lexed, i: int = 0):
        self.toks = lexed.tokens
        self.lines = lexed.lines
        self.i = i

    # -- looking ----------------------------------------------------------
    # The hot methods index the tokens (``tok[0]`` is the kind, ``tok[1]``
    # the value) rather than call each other: reading a script is mostly
    # calls to them.

    def peek(self, k: int = 0) -> Token:
        try:
            return self.toks[self.i + k]
        except IndexError:
            return _EOF

    def at_eof(self) -> bool:
        return self.i >= len(self.toks)

    def at_kw(self, *words: str) -> bool:
        i = self.i
        if i >= len(self.toks):
            return False
        tok = self.toks[i]
        return tok[0] == KW and tok[1] in words

    def at_form(self, *words: str) -> bool:
        """Whether an ``(word ...)`` form comes next."""
        i = self.i
        toks = self.toks
        if i + 1 >= len(toks) or toks[i][0] != LP:
            return False
        tok = toks[i + 1]
        return tok[0] == KW and tok[1] in words

    def form(self) -> object:
        """The keyword of the ``(word ...)`` form that comes next, or None
        (one call where a field's optional parts are tried in turn)."""
        i = self.i
        toks = self.toks
        if i + 1 < len(toks) and toks[i][0] == LP:
            tok = toks[i + 1]
            if tok[0] == KW:
                return tok[1]
        return None

    def at_id(self) -> bool:
        i = self.i
        return i < len(self.toks) and self.toks[i][0] == ID

    def at_rp(self) -> bool:  # true at the end too (``_EOF`` is a ")")
        i = self.i
        return i >= len(self.toks) or self.toks[i][0] == RP

    def line(self, at: int | None = None) -> int:
        """Token ``at``'s line (default: the next token's); the last
        token's at the end."""
        at = self.i if at is None else at
        lines = self.lines
        return lines[at] if at < len(lines) else (lines[-1] if lines else 1)

    # -- errors -----------------------------------------------------------

    def error(self, message: str, at: int | None = None) -> TextError:
        return TextError(message, self.line(at))

    def unexpected(self, at: int | None = None) -> TextError:
        """ "unknown operator" for a word the format doesn't know (as the
        spec interpreter's lexer says), else "unexpected token"."""
        at = self.i if at is None else at
        tok = self.toks[at] if at < len(self.toks) else _EOF
        if tok.kind == RESERVED or (tok.kind == KW and not is_known(tok.value)):
            return self.error(f"unknown operator {tok.value}", at)
        if tok is _EOF:
            return self.error("unexpected end of input", at)
        return self.error("unexpected token", at)

    # -- taking -----------------------------------------------------------

    def next(self) -> Token:
        i = self.i
        if i >= len(self.toks):
            raise self.unexpected()
        self.i = i + 1
        return self.toks[i]

    def lp(self) -> None:
        i = self.i
        if i >= len(self.toks) or self.toks[i][0] != LP:
            raise self.unexpected()
        self.i = i + 1

    def rp(self) -> None:
        i = self.i
        if i >= len(self.toks) or self.toks[i][0] != RP:
            raise self.unexpected()
        self.i = i + 1

    def kw(self, word: str | None = None) -> str:
        i = self.i
        tok = self.toks[i] if i < len(self.toks) else _EOF
        if tok[0] != KW or (word is not None and tok[1] != word):
            raise self.unexpected()
        self.i = i + 1
        return tok[1]  # type: ignore[return-value]

    def open(self, word: str) -> None:
        """``(`` word."""
        if not self.at_form(word):
            raise self.unexpected(self.i + 1 if self.peek().kind == LP else None)
        self.i += 2

    def string(self) -> bytes:
        i = self.i
        tok = self.toks[i] if i < len(self.toks) else _EOF
        if tok[0] != STR:
            raise self.unexpected()
        self.i = i + 1
        return tok[1]  # type: ignore[return-value]

    def name(self) -> str:
        at = self.i
        raw = self.string()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding", at) from None

    def opt_id(self) -> str | None:
        i = self.i
        if i < len(self.toks):
            tok = self.toks[i]
            if tok[0] == ID:
                self.i = i + 1
                return tok[1]  # type: ignore[return-value]
        return None

    def nat(self, bits: int = 32) -> int:
        tok = self.peek()
        if tok.kind != NUM:
            raise self.unexpected()
        self.i += 1
        return parse_uint(tok.value, bits, self.lines[self.i - 1])  # type: ignore[arg-type]

    def at_nat(self) -> bool:
        tok = self.peek()
        return tok[0] == NUM and tok[1][0] not in "+-"  # type: ignore[index]

    def at_index(self) -> bool:
        tok = self.peek()
        return tok[0] == ID or (tok[0] == NUM and tok[1][0] not in "+-")  # type: ignore[index]

    def skip_to_close(self) -> None:
        """Skip past the ``)`` closing the form the cursor is in."""
        self.i = self.closing(self.i) + 1

    def skip_form(self) -> None:
        """Skip one balanced ``( ... )``."""
        self.lp()
        self.i = self.closing(self.i) + 1

    def closing(self, start: int) -> int:
        """The index of the ``)`` closing the form token ``start`` is in (an
        error at the end, for the cursor at the end)."""
        toks = self.toks
        depth = 0
        for i in range(start, len(toks)):
            kind = toks[i][0]
            if kind == RP:
                if not depth:
                    return i
                depth -= 1
            elif kind == LP:
                depth += 1
        self.i = len(toks)
        raise self.unexpected()


class Names:
    """One index space's identifiers."""

    def __init__(self, space: str):
        self.space = space
        self.ids: dict[str, int] = {}
        self.count = 0

    def bind(self, name: str | None, cur: Cursor, at: int | None = None) -> int:
        """The next index, named ``name`` (written at token ``at``)."""
        index = self.count
        if name is not None:
            if name in self.ids:
                raise cur.error(f"duplicate {self.space} ${name}", at)
            self.ids[name] = index
        self.count += 1
        return index

    def resolve(self, cur: Cursor) -> int:
        i = cur.i
        tok = cur.toks[i] if i < len(cur.toks) else _EOF
        if tok[0] == ID:
            cur.i = i + 1
            index = self.ids.get(tok[1])  # type: ignore[arg-type]
            if index is None:
                raise cur.error(f"unknown {self.space} ${tok[1]}", i)
            return index
        if tok[0] == NUM:
            text = tok[1]
            if len(text) < 10 and text.isdigit():  # most: a u32 for sure
                cur.i = i + 1
                return int(text)  # type: ignore[arg-type]
            return cur.nat()
        raise cur.unexpected()


class TypeReader:
    """Value, heap and reference types; type indices through ``types``."""

    def __init__(self, cur: Cursor, types: Names, wide_limits: bool = True):
        self.cur = cur
        self.types = types
        # Wasm 2.0 reads limits as u32 ("i32 constant out of range"); 3.0 as u64.
        self.wide_limits = wide_limits

    def at_valtype(self) -> bool:
        cur = self.cur
        tok = cur.peek()
        if tok.kind == KW:
            return tok.value in NUM_TYPES or tok.value in REF_SHORTHANDS
        return cur.at_form("ref")

    def valtype(self) -> t.ValType:
        cur = self.cur
        tok = cur.peek()
        if tok.kind == KW:
            if tok.value in NUM_TYPES:
                cur.i += 1
                return NUM_TYPES[tok.value]  # type: ignore[index]
            if tok.value in REF_SHORTHANDS:
                cur.i += 1
                return t.RefType(True, REF_SHORTHANDS[tok.value])  # type: ignore[index]
        if cur.at_form("ref"):
            return self.reftype()
        raise cur.unexpected()

    def reftype(self) -> t.RefType:
        cur = self.cur
        tok = cur.peek()
        if tok.kind == KW and tok.value in REF_SHORTHANDS:
            cur.i += 1
            return t.RefType(True, REF_SHORTHANDS[tok.value])  # type: ignore[index]
        cur.open("ref")
        nullable = cur.at_kw("null")
        if nullable:
            cur.i += 1
        if cur.at_form("exact"):
            heap, exact = self.exact_typeidx(), True
        else:
            heap, exact = self.heaptype(), False
        cur.rp()
        return t.RefType(nullable, heap, exact)

    def exact_typeidx(self) -> int:
        """``(exact x)`` (custom descriptors): only a type index, never an
        abstract heap type, may be exact."""
        cur = self.cur
        cur.open("exact")
        if cur.peek().kind not in (ID, NUM):
            raise cur.unexpected()
        index = self.types.resolve(cur)
        cur.rp()
        return index

    def heaptype(self) -> t.HeapType:
        cur = self.cur
        tok = cur.peek()
        if tok.kind == KW and tok.value in HEAP_TYPES:
            cur.i += 1
            return HEAP_TYPES[tok.value]  # type: ignore[index]
        if tok.kind in (ID, NUM):
            return self.types.resolve(cur)
        raise cur.unexpected()

    def storagetype(self) -> t.ValType | str:
        if self.cur.at_kw("i8", "i16"):
            return self.cur.kw()
        return self.valtype()

    def _maybe_mut(self, read):
        """``(mut X)`` or ``X``: (mutable, X)."""
        cur = self.cur
        if not cur.at_form("mut"):
            return False, read()
        cur.i += 2
        inner = read()
        cur.rp()
        return True, inner

    def fieldtype(self) -> t.FieldType:
        mutable, st = self._maybe_mut(self.storagetype)
        return t.FieldType(st, mutable)

    def globaltype(self) -> t.GlobalType:
        mutable, vt = self._maybe_mut(self.valtype)
        return t.GlobalType(mutable, vt)

    def addrtype(self) -> t.AddrType:
        if self.cur.at_kw("i64"):
            self.cur.i += 1
            return t.AddrType.I64
        if self.cur.at_kw("i32"):
            self.cur.i += 1
        return t.AddrType.I32

    def limits(self, address: t.AddrType) -> t.Limits:
        cur = self.cur
        bits = 64 if address is t.AddrType.I64 or self.wide_limits else 32
        lo = cur.nat(bits)
        hi = cur.nat(bits) if cur.at_nat() else None
        shared = cur.at_kw("shared")
        if shared:
            cur.i += 1
        return t.Limits(lo, hi, address, shared)
