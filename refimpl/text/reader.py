"""A cursor over tokens with the spec interpreter's error texts, and the
pieces of the grammar every part needs: names, indices, value and heap
types (spec 6.3-6.4)."""

from __future__ import annotations

from ..syntax import types as t
from .keywords import is_known
from .lexer import ID, KW, LP, NUM, RESERVED, RP, STR, TextError, Token
from .numbers import parse_uint

_EOF = Token(RP, "", 0, 0, 0)

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
    """Tokens ``toks[i:]``; every method raises TextError on mismatch."""

    def __init__(self, toks: list[Token], i: int = 0):
        self.toks = toks
        self.i = i

    # -- looking ----------------------------------------------------------

    def peek(self, k: int = 0) -> Token:
        try:
            return self.toks[self.i + k]
        except IndexError:
            return _EOF

    def at_eof(self) -> bool:
        return self.i >= len(self.toks)

    def at_kw(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == KW and tok.value in words

    def at_form(self, *words: str) -> bool:
        """Whether an ``(word ...)`` form comes next."""
        if self.peek().kind != LP:
            return False
        tok = self.peek(1)
        return tok.kind == KW and tok.value in words

    def at_id(self) -> bool:
        return self.peek().kind == ID

    def at_rp(self) -> bool:  # true at the end too (``_EOF`` is a ")")
        i = self.i
        return i >= len(self.toks) or self.toks[i].kind == RP

    def line(self) -> int:
        return self.peek().line or (self.toks[-1].line if self.toks else 1)

    # -- errors -----------------------------------------------------------

    def error(self, message: str, tok: Token | None = None) -> TextError:
        return TextError(message, (tok or self.peek()).line or self.line())

    def unexpected(self, tok: Token | None = None) -> TextError:
        """ "unknown operator" for a word the format doesn't know (as the
        spec interpreter's lexer says), else "unexpected token"."""
        tok = tok or self.peek()
        if tok.kind == RESERVED or (tok.kind == KW and not is_known(tok.value)):
            return self.error(f"unknown operator {tok.value}", tok)
        if tok.kind == RP and not tok.value:
            return self.error("unexpected end of input", tok)
        return self.error("unexpected token", tok)

    # -- taking -----------------------------------------------------------

    def next(self) -> Token:
        tok = self.peek()
        if tok is _EOF:
            raise self.unexpected(tok)
        self.i += 1
        return tok

    # lp and rp index the tokens directly: they are the most called methods.
    def lp(self) -> None:
        i = self.i
        if i >= len(self.toks) or self.toks[i].kind != LP:
            raise self.unexpected()
        self.i = i + 1

    def rp(self) -> None:
        i = self.i
        if i >= len(self.toks) or self.toks[i].kind != RP:
            raise self.unexpected()
        self.i = i + 1

    def kw(self, word: str | None = None) -> str:
        tok = self.peek()
        if tok.kind != KW or (word is not None and tok.value != word):
            raise self.unexpected()
        self.i += 1
        return tok.value  # type: ignore[return-value]

    def open(self, word: str) -> None:
        """``(`` word."""
        if not self.at_form(word):
            raise self.unexpected(self.peek(1) if self.peek().kind == LP else None)
        self.i += 2

    def string(self) -> bytes:
        tok = self.peek()
        if tok.kind != STR:
            raise self.unexpected()
        self.i += 1
        return tok.value  # type: ignore[return-value]

    def name(self) -> str:
        tok = self.peek()
        raw = self.string()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding", tok) from None

    def opt_id(self) -> str | None:
        tok = self.peek()
        if tok.kind == ID:
            self.i += 1
            return tok.value  # type: ignore[return-value]
        return None

    def nat(self, bits: int = 32) -> int:
        tok = self.peek()
        if tok.kind != NUM:
            raise self.unexpected()
        self.i += 1
        return parse_uint(tok.value, bits, tok.line)  # type: ignore[arg-type]

    def at_nat(self) -> bool:
        tok = self.peek()
        return tok.kind == NUM and tok.value[0] not in "+-"  # type: ignore[index]

    def at_index(self) -> bool:
        return self.at_id() or self.at_nat()

    def skip_to_close(self) -> None:
        """Skip past the ``)`` closing the form the cursor is in."""
        depth = 0
        while True:
            tok = self.next()
            if tok.kind == LP:
                depth += 1
            elif tok.kind == RP:
                if depth == 0:
                    return
                depth -= 1

    def skip_form(self) -> None:
        """Skip one balanced ``( ... )``."""
        self.lp()
        depth = 1
        while depth:
            tok = self.next()
            if tok.kind == LP:
                depth += 1
            elif tok.kind == RP:
                depth -= 1


class Names:
    """One index space's identifiers."""

    def __init__(self, space: str):
        self.space = space
        self.ids: dict[str, int] = {}
        self.count = 0

    def bind(self, name: str | None, cur: Cursor, tok: Token | None = None) -> int:
        index = self.count
        if name is not None:
            if name in self.ids:
                raise cur.error(f"duplicate {self.space} ${name}", tok)
            self.ids[name] = index
        self.count += 1
        return index

    def resolve(self, cur: Cursor) -> int:
        tok = cur.peek()
        if tok.kind == ID:
            cur.i += 1
            index = self.ids.get(tok.value)  # type: ignore[arg-type]
            if index is None:
                raise cur.error(f"unknown {self.space} ${tok.value}", tok)
            return index
        if tok.kind == NUM:
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
