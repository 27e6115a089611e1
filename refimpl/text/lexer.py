"""The text format's tokens (spec 6.2), read from bytes.

Comments and annotations are dropped here, as the spec's lexical grammar
does, except ``(@custom ...)`` annotations, which are kept (with their
tokens and nesting depth) for the module parser to turn into custom
sections.  Errors are ``MalformedModule`` with the OCaml spec interpreter's
texts ("illegal character", "unclosed string", "malformed UTF-8 encoding",
...).  A token that is neither a keyword, a number, an identifier nor a
string is *reserved*; the parser reports it as "unknown operator" where it
meets it, as the spec interpreter's lexer does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import MalformedModule

LP, RP, KW, ID, STR, NUM, RESERVED = range(7)
BRANCH_HINT = "metadata.code.branch_hint"
KIND_NAMES = ("(", ")", "keyword", "identifier", "string", "number", "reserved")


class Token(NamedTuple):
    kind: int
    value: object  # KW/NUM/RESERVED: str; ID: str without "$"; STR: bytes
    line: int
    start: int  # byte offsets in the source
    end: int


# Tokens are made with tuple's own constructor (no Python-level call):
# lexing is most of the time reading a script takes.
_new = tuple.__new__


@dataclass(slots=True)
class Annotation:
    """A kept ``(@custom ...)`` annotation: its tokens (without the opening
    ``(@custom`` and the closing paren) and where it stood."""

    tokens: list[Token]
    line: int
    depth: int  # parenthesis depth at which it appeared (1: a module field)
    index: int  # position in the token list it precedes


@dataclass(slots=True)
class Lexed:
    tokens: list[Token]
    annotations: list[Annotation] = field(default_factory=list)
    # ``(@metadata.code.branch_hint ...)``: checked, not written yet.
    branch_hints: list[Annotation] = field(default_factory=list)


class TextError(MalformedModule):
    """A malformed text; ``line`` locates it."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


_IDCHARS = rb"0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~"
_TOKEN = re.compile(
    rb"(?P<ws>[ \t\r]+)|(?P<nl>\n)|(?P<lc>;;[^\n\r]*)|(?P<bc>\(;)|(?P<ann>\(@)"
    rb'|(?P<lp>\()|(?P<rp>\))|(?P<str>")|(?P<idc>[' + _IDCHARS + rb"]+)|(?P<res>[,;\[\]{}])"
)
_NUM = re.compile(
    rb"[+-]?(?:"
    rb"(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?)"
    rb"|(?:0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*(?:\.(?:[0-9A-Fa-f](?:_?[0-9A-Fa-f])*)?)?"
    rb"(?:[pP][+-]?[0-9](?:_?[0-9])*)?)"
    rb"|inf|nan|nan:0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*)\Z"
)
_KEYWORD = re.compile(rb"[a-z][" + _IDCHARS + rb"]*\Z")
_ESCAPES = {ord("t"): 9, ord("n"): 10, ord("r"): 13, ord('"'): 34, ord("'"): 39, ord("\\"): 92}
_HEX = b"0123456789abcdefABCDEF"
_SEPARATORS = b" \t\n\r();"
_CHUNK = 8192  # bytes read by one findall, at least


# One match per token with the whitespace before it (group 1), read with
# ``findall`` so that no Python call is made per token (lexing is most of
# the time reading a script takes); few groups, because findall builds a
# tuple of them per token: 2 "(", ")" or a word (one ending in a quote is
# an error or a ``$"quoted id"``), 3 a string without escapes or non-ASCII
# that is properly separated, 4 anything else: a comment, an annotation, a
# string that needs decoding (by ``_string``), reserved punctuation or an
# illegal character.  Every non-whitespace character starts some match, so
# the matches are contiguous.
_MAIN = re.compile(
    rb"([ \t\r\n]*)(?:(\((?![;@])|\)|[" + _IDCHARS + rb"]+\"?)"
    rb'|("[^"\\\x00-\x1f\x7f-\xff]*")(?![^ \t\n\r();])'
    rb'|(;;[^\n\r]*|\(;|\(@|"(?:[^"\\\n]|\\[^\n])*"|[^ \t\r\n]))'
)
_RESERVED = frozenset(b",;[]{}")


def lex(source: bytes | str) -> Lexed:
    """All tokens of ``source``; raises TextError on lexical errors."""
    if isinstance(source, str):
        source = source.encode("utf-8")
    tokens: list[Token] = []
    append = tokens.append
    out = Lexed(tokens)
    pos, line = 0, 1
    words = _WORDS
    findall = _MAIN.findall
    new = _new
    n = len(source)
    while True:
        # Chunks end after a newline, where no token the chunk's matches
        # can make continues; a slow construct restarts the chunk after it.
        stop = source.find(b"\n", pos + _CHUNK) + 1 or n
        resume = stop
        for ws, word, simple, other in findall(source, pos, stop):
            if ws:
                pos += len(ws)
                line += ws.count(b"\n")
            if word:
                end = pos + len(word)
                known = words.get(word)
                if known is None:
                    if word[-1] == 0x22:  # a quote right after a word
                        if word == b'$"':  # $"quoted id"
                            resume = _quoted_id(source, pos, end - 1, line, append)
                            break
                        raise TextError("unknown operator", line)
                    known = _known(word, line)
                append(new(Token, (known[0], known[1], line, pos, end)))
                pos = end
            elif simple:
                end = pos + len(simple)
                append(new(Token, (STR, simple[1:-1], line, pos, end)))
                pos = end
            else:
                c = other[0]
                if other.startswith(b";;"):
                    pos += len(other)
                elif c == 0x22:
                    if len(other) == 1:  # a string the regex can't take: an error
                        _string(source, pos, line)
                        raise TextError("unclosed string", line)
                    value, end, _ = _string(source, pos, line)
                    append(new(Token, (STR, value, line, pos, end)))
                    _separated(source, end, line)
                    if end != pos + len(other):
                        resume = end
                        break
                    pos = end
                elif other == b"(;":
                    resume, line = _block_comment(source, pos, line)
                    break
                elif other == b"(@":
                    resume, line = _annotation(source, pos, line, out, _depth(tokens))
                    break
                elif c in _RESERVED:
                    append(new(Token, (RESERVED, other.decode(), line, pos, pos + 1)))
                    pos += 1
                else:
                    raise TextError(_illegal(source, pos), line)
        if resume >= n:
            return out
        if resume == stop:  # the chunk ended: go on from its last token
            continue
        pos = resume


def _depth(tokens: list[Token]) -> int:
    """The parenthesis depth after ``tokens`` (for an annotation: rare, so
    counted when needed rather than tracked per token)."""
    depth = 0
    for tok in tokens:
        if tok[0] == LP:
            depth += 1
        elif tok[0] == RP:
            depth -= 1
    return depth


def _quoted_id(source: bytes, start: int, end: int, line: int, append) -> int:
    """``$"..."``: an identifier written as a string; returns its end."""
    try:
        value, end, _ = _string(source, end, line)
    except TextError:
        raise TextError("empty identifier", line) from None
    if not value:
        raise TextError("empty identifier", line)
    append(_new(Token, (ID, _utf8(value, line), line, start, end)))
    _separated(source, end, line)
    return end


def _separated(source: bytes, end: int, line: int) -> None:
    """Tokens after a string must be separated from it."""
    if end < len(source) and source[end] not in _SEPARATORS:
        raise TextError("unknown operator", line)


# Words seen before (scripts repeat them), and the parentheses.
_WORDS: dict[bytes, tuple[int, str]] = {b"(": (LP, "("), b")": (RP, ")")}


def _known(text: bytes, line: int) -> tuple[int, str]:
    """A word's kind and value, remembered in ``_WORDS``."""
    known = _classify(text, line)
    if len(_WORDS) < 100_000:
        _WORDS[text] = known
    return known


def _classify(text: bytes, line: int) -> tuple[int, str]:
    if text[0] == 0x24:  # "$"
        if len(text) == 1:
            raise TextError("empty identifier", line)
        return ID, text[1:].decode("ascii")
    s = text.decode("ascii")
    if _NUM.match(text):
        return NUM, s
    if _KEYWORD.match(text):
        return KW, s
    return RESERVED, s


def _illegal(source: bytes, pos: int) -> str:
    b = source[pos]
    if b >= 0x80:
        try:
            source[pos : pos + 4].decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            if exc.start == 0:
                return "malformed UTF-8 encoding"
    return "illegal character"


def _block_comment(source: bytes, pos: int, line: int) -> tuple[int, int]:
    depth = 0
    n = len(source)
    start_line = line
    while pos < n:
        if source.startswith(b"(;", pos):
            depth += 1
            pos += 2
        elif source.startswith(b";)", pos):
            depth -= 1
            pos += 2
            if depth == 0:
                return pos, line
        else:
            if source[pos] == 0x0A:
                line += 1
            pos += 1
    raise TextError("unclosed comment", start_line)


def _string(source: bytes, pos: int, line: int) -> tuple[bytes, int, int]:
    """A string literal starting at the quote at ``pos``: (bytes, end, line)."""
    out = bytearray()
    i = pos + 1
    n = len(source)
    while True:
        if i >= n:
            raise TextError("unclosed string", line)
        c = source[i]
        if c == 0x22:
            return bytes(out), i + 1, line
        if c == 0x5C:  # backslash
            if i + 1 >= n:
                raise TextError("unclosed string", line)
            e = source[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
            elif e == ord("u"):
                j = source.find(b"}", i)
                digits = source[i + 3 : j] if source[i + 2 : i + 3] == b"{" and j > 0 else b""
                if not digits or not re.fullmatch(rb"[0-9A-Fa-f](?:_?[0-9A-Fa-f])*", digits):
                    raise TextError("illegal escape", line)
                cp = int(digits.replace(b"_", b""), 16)
                if cp >= 0x110000 or 0xD800 <= cp < 0xE000:
                    raise TextError("illegal escape", line)
                out += chr(cp).encode("utf-8")
                i = j + 1
            elif e in _HEX and i + 2 < n and source[i + 2] in _HEX:
                out.append(int(source[i + 1 : i + 3], 16))
                i += 3
            else:
                raise TextError("illegal escape", line)
        elif c == 0x0A:
            raise TextError("unclosed string", line)
        elif c < 0x20 or c == 0x7F:
            raise TextError("illegal control character in string", line)
        elif c < 0x80:
            out.append(c)
            i += 1
        else:
            j = i + 1
            while j < n and 0x80 <= source[j] < 0xC0 and j - i < 4:
                j += 1
            try:
                source[i:j].decode("utf-8")
            except UnicodeDecodeError:
                raise TextError("malformed UTF-8 encoding", line) from None
            out += source[i:j]
            i = j


def _utf8(value: bytes, line: int) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise TextError("malformed UTF-8 encoding", line) from None


def _annotation(source: bytes, pos: int, line: int, out: Lexed, depth: int) -> tuple[int, int]:
    """Skip ``(@id ...)``, keeping it if it is a ``@custom`` or branch hint
    annotation."""
    start_line = line
    m = _TOKEN.match(source, pos + 2)
    if m is None or m.lastgroup not in ("idc", "str"):
        raise TextError("empty annotation id", line)
    if m.lastgroup == "str":
        try:
            raw, id_end, line = _string(source, pos + 2, line)
        except TextError:
            raise TextError("empty annotation id", line) from None
        name = _utf8(raw, line)
        if not name:
            raise TextError("empty annotation id", line)
    else:
        name = m.group().decode("ascii")
        id_end = m.end()
    inner = Lexed([])
    level = 1
    p = id_end
    n = len(source)
    while True:
        if p >= n:
            raise TextError("unclosed annotation", start_line)
        m = _TOKEN.match(source, p)
        if m is None:
            raise TextError(_illegal(source, p), line)
        kind = m.lastgroup
        end = m.end()
        if kind == "nl":
            line += 1
        elif kind == "bc":
            end, line = _block_comment(source, p, line)
        elif kind == "str":
            try:
                value, end, line2 = _string(source, p, line)
            except TextError as exc:
                if exc.message.startswith("illegal escape"):
                    raise
                raise TextError(exc.message, line) from None
            inner.tokens.append(_new(Token, (STR, value, line, p, end)))
            line = line2
        elif kind in ("lp", "ann"):
            level += 1
            inner.tokens.append(_new(Token, (LP, "(", line, p, p + 1)))
            end = p + 1
        elif kind == "rp":
            level -= 1
            if level == 0:
                p = end
                break
            inner.tokens.append(_new(Token, (RP, ")", line, p, end)))
        elif kind == "idc":
            try:
                known = _WORDS.get(m.group()) or _known(m.group(), line)
                inner.tokens.append(_new(Token, (known[0], known[1], line, p, end)))
            except TextError:
                inner.tokens.append(_new(Token, (RESERVED, m.group().decode(), line, p, end)))
        elif kind == "res":
            inner.tokens.append(_new(Token, (RESERVED, m.group().decode(), line, p, end)))
        p = end
    if name == "custom":
        out.annotations.append(Annotation(inner.tokens, start_line, depth, len(out.tokens)))
    elif name == BRANCH_HINT:
        out.branch_hints.append(Annotation(inner.tokens, start_line, depth, len(out.tokens)))
    return p, line
