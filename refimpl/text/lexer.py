"""The text format's tokens (spec 6.2), read from bytes.

Comments and annotations are dropped here, as the spec's lexical grammar
does, except ``(@custom ...)`` annotations, which are kept (with their
tokens and nesting depth) for the module parser to turn into custom
sections.  Errors are ``MalformedModule`` with the OCaml spec interpreter's
texts ("illegal character", "unclosed string", "malformed UTF-8 encoding",
...).  A token that is neither a keyword, a number, an identifier nor a
string is *reserved*; the parser reports it as "unknown operator" where it
meets it, as the spec interpreter's lexer does.

Lexing is most of the time reading a script takes, so no Python code runs
per token in the common case: one ``findall`` per chunk of lines gives
each token's text *with* the whitespace and comments before it, a cache of
texts seen before gives the shared ``Token`` (kind, value, newlines before
it) by ``map``, and line numbers are the running sum of those newlines
(``accumulate``).  Python code runs only for texts not seen before and for
the rare constructs that need their byte position (nested block comments,
annotations, strings that are malformed or not separated, ``$"..."``
identifiers, illegal characters).  Byte offsets are kept implicitly (the
chunks' texts) and computed only when asked (``Lexed.span``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, islice
from operator import itemgetter
from typing import NamedTuple

from ..errors import MalformedModule

LP, RP, KW, ID, STR, NUM, RESERVED = range(7)
BRANCH_HINT = "metadata.code.branch_hint"
KIND_NAMES = ("(", ")", "keyword", "identifier", "string", "number", "reserved")


class Token(NamedTuple):
    """A token; equal texts share one (so it holds no position: a token's
    line is ``Lexed.lines[i]``, its bytes ``Lexed.span(i)``)."""

    kind: int
    value: object  # KW/NUM/RESERVED: str; ID: str without "$"; STR: bytes
    newlines: int = 0  # in the whitespace and comments before it


@dataclass(slots=True)
class Lexed:
    """Tokens and their lines, as parallel lists."""

    tokens: list[Token]
    lines: list[int]
    annotations: list[Annotation] = field(default_factory=list)
    # ``(@metadata.code.branch_hint ...)``: checked, not written yet.
    branch_hints: list[Annotation] = field(default_factory=list)
    # ``(@name "...")`` (the annotations proposal): names for the name section.
    names: list[Annotation] = field(default_factory=list)
    # Where tokens' texts lie: (index of the first token, byte offset of its
    # text, the texts with their leading whitespace) per run of tokens.
    runs: list[tuple[int, int, list[bytes]]] = field(default_factory=list)
    # The parenthesis depth after the first ``depth_at[0]`` tokens (for
    # annotations: counted on from there when one comes, not per token).
    depth_at: tuple[int, int] = (0, 0)

    def span(self, i: int) -> tuple[int, int]:
        """Token ``i``'s byte offsets in the source (without the whitespace
        before it); computed on demand, as few callers need them."""
        r = bisect_right(self.runs, i, key=itemgetter(0)) - 1
        first, offset, texts = self.runs[r]
        start = offset + sum(map(len, texts[: i - first]))
        text = texts[i - first]
        return start + _PREFIX.match(text).end(), start + len(text)


@dataclass(slots=True)
class Annotation:
    """A kept ``(@custom ...)`` annotation: its tokens (without the opening
    ``(@custom`` and the closing paren) and where it stood."""

    tokens: Lexed
    line: int
    depth: int  # parenthesis depth at which it appeared (1: a module field)
    index: int  # position in the token list it precedes


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
_CHUNK = 16384  # bytes read by one findall, at least
_RUN = 64  # texts taken in the first run after a construct read in Python

# Whitespace, line comments and unnested block comments: what leads a token.
_LEADING = rb"[ \t\r\n]*+(?:(?:;;[^\n\r]*+|\(;(?:[^;(]|;(?!\))|\((?!;))*+;\))[ \t\r\n]*+)*+"
_PREFIX = re.compile(_LEADING)
# One match per token, with what leads it; every position is the start of
# a match (the last alternatives take any other character, and the end),
# so the matches are contiguous and cover the chunk.  "(;" and "(@" are
# the nested or unclosed comments and annotations (handled in Python), a
# lone quote a string the two string forms can't take (an error, or one
# not separated from the next token).
_MAIN = re.compile(
    _LEADING + rb"(?:\([;@]?|\)|[" + _IDCHARS + rb"]++\"?"
    rb'|"[^"\\\x00-\x1f\x7f-\xff]*+"(?![^ \t\n\r();])'
    rb'|"(?:[^"\\\n]|\\[^\n])*+"(?![^ \t\n\r();])'
    rb"|(?!;;)[^ \t\r\n]|\Z)"
)
_RESERVED = frozenset(b",;[]{}")
_newlines = itemgetter(2)
_GROUP = re.Match.group


def lex(source: bytes | str) -> Lexed:
    """All tokens of ``source``; raises TextError on lexical errors."""
    if isinstance(source, str):
        source = source.encode("utf-8")
    out = Lexed([], [])
    findall = _MAIN.findall
    pos, line, n = 0, 1, len(source)
    whole = True
    while pos < n:
        # Chunks end after a newline, where no token the chunk's matches
        # can make continues (the last match is what trails the last token).
        stop = source.find(b"\n", pos + _CHUNK) + 1 or n
        if not whole:  # the last chunk stopped inside a match
            pos, line, whole = _resume(source, pos, stop, line, out)
            continue
        texts = findall(source, pos, stop)
        trailing = _chunk_end(texts)
        pos, line, whole = _take(texts, pos, line, source, out)
        if whole:
            line += trailing.count(b"\n")
            pos = stop
    return out


def _chunk_end(texts: list[bytes]) -> bytes:
    """Drop a chunk's last matches that are no token: the empty match at
    its end, and what trails its last token (returned)."""
    texts.pop()
    return texts.pop() if texts and _PREFIX.fullmatch(texts[-1]) else b""


def _resume(source: bytes, pos: int, stop: int, line: int, out: Lexed) -> tuple[int, int, bool]:
    """The chunk from ``pos`` to ``stop``, after a construct that ended
    inside a match (returns like ``_take``).  Its matches are taken lazily,
    in runs that double from ``_RUN``: matching the rest of the chunk at
    once would match a long line anew after each such construct on it."""
    matches = map(_GROUP, _MAIN.finditer(source, pos, stop))
    size, held = _RUN, []
    while True:
        texts = held + list(islice(matches, size))
        if len(texts) - len(held) < size:  # the chunk's end: as in ``lex``
            trailing = _chunk_end(texts)
            at, line, whole = _take(texts, pos, line, source, out)
            return (stop, line + trailing.count(b"\n"), True) if whole else (at, line, False)
        held = [texts.pop()]  # it may be what trails the chunk's last token
        after = pos + sum(map(len, texts))
        at, line, whole = _take(texts, pos, line, source, out)
        if not whole:
            return at, line, False
        pos, size = after, size * 2


def _take(
    texts: list[bytes], pos: int, line: int, source: bytes, out: Lexed
) -> tuple[int, int, bool]:
    """The tokens of a chunk's ``texts`` (the first at ``pos``): (the
    position and line after them, whether all were taken).  A construct
    read in Python (``_rare``) ends a run of tokens; the next run starts
    among the same texts where it ends, so a chunk is matched once however
    many it holds.  Runs after one are short at first (a run's texts are
    copied), doubling as they go.  A construct that ends within a text
    (rare) stops the chunk: lexing goes on from its end (``_resume``)."""
    tokens, lines, runs, known = out.tokens, out.lines, out.runs, _KNOWN.get
    k, size, n = 0, len(texts), len(texts)
    while k < n:
        part = texts if k == 0 and size >= n else texts[k : k + size]
        toks = list(map(known, part))
        rare = None if all(toks) else _fill(toks, part, line)  # (tokens are true, misses None)
        if rare is not None:  # stop before it, read it in Python, go on after it
            part = part[:rare]
            del toks[rare:]
        if toks:
            runs.append((len(tokens), pos, part))
            tokens += toks
            first = len(lines)
            lines += accumulate(map(_newlines, toks), initial=line)
            del lines[first]
            line = lines[-1]
        k += len(part)
        if rare is None:
            if k < n:
                pos += sum(map(len, part))
                size *= 2
            continue
        at = pos + sum(map(len, part))
        pos, line = _rare(source, at, at + len(texts[k]), line, out)
        while k < n and at < pos:  # the texts it covered
            at += len(texts[k])
            k += 1
        if at != pos:
            return pos, line, False
        size = _RUN
    return pos, line, True


def _fill(toks: list[Token | None], texts: list[bytes], line: int) -> int | None:
    """Fill in the tokens of texts not seen before (remembering them), up
    to the first that must be read with its position (returned)."""
    i = -1
    while True:
        try:
            i = toks.index(None, i + 1)
        except ValueError:
            return None
        text = texts[i]
        lead = _PREFIX.match(text).end()
        core = text[lead:]
        try:
            kind, value = _classify(core)
        except TextError as exc:
            # Errors are reported where the token stands.
            exc.line = line + sum(t.count(b"\n") for t in texts[: i + 1])
            raise
        if kind < 0:
            return i
        tok = Token(kind, value, text.count(b"\n", 0, lead))
        # Kept: short texts (not long strings or a comment's text), and a
        # bounded number of them.
        if len(text) < 256 and lead < 64 and len(_KNOWN) < 100_000:
            _KNOWN[text] = tok
        toks[i] = tok


# Texts seen before (scripts repeat them).
_KNOWN: dict[bytes, Token] = {}
_SLOW = -1  # a text to read with its position


def _classify(core: bytes) -> tuple[int, object]:
    """A token's kind and value from its text (_SLOW for those read with
    their position by ``_rare``)."""
    c = core[0]
    if c == 0x28:  # "("
        return (LP, "(") if len(core) == 1 else (_SLOW, None)
    if c == 0x29:
        return RP, ")"
    if c == 0x22:  # a string the regex found well formed and separated
        if len(core) == 1:
            return _SLOW, None
        return STR, _string(core, 0, None)[0]
    if core[-1] == 0x22:  # a quote right after a word
        if core == b'$"':  # $"quoted id"
            return _SLOW, None
        raise TextError("unknown operator")
    if len(core) == 1 and c in _RESERVED:
        return RESERVED, core.decode()
    if c == 0x24:  # "$"
        if len(core) == 1:
            raise TextError("empty identifier")
        return ID, core[1:].decode("ascii")
    if c < 0x21 or c > 0x7E:
        return _SLOW, None  # an illegal character
    s = core.decode("ascii")
    if _NUM.match(core):
        return NUM, s
    if _KEYWORD.match(core):
        return KW, s
    return RESERVED, s


def _rare(source: bytes, pos: int, end: int, line: int, out: Lexed) -> tuple[int, int]:
    """The construct whose text lies from ``pos`` to ``end`` (after leading
    whitespace) and needs its position: (where lexing resumes, its line).
    Only the text's own leading whitespace is skipped: a block comment the
    chunk's end cut is this construct, even if it is whole in the source."""
    lead = _PREFIX.match(source, pos, end).end()
    line += source.count(b"\n", pos, lead)
    pos = lead
    c = source[pos]
    if source.startswith(b"(;", pos):
        return _block_comment(source, pos, line)
    if source.startswith(b"(@", pos):
        return _annotation(source, pos, line, out, _depth(out))
    if c == 0x22:
        value, end, _ = _string(source, pos, line)
        _separated(source, end, line)
        _append(out, Token(STR, value), line, source, pos, end)
        return end, line
    if c == 0x24:
        return _quoted_id(source, pos, line, out), line
    raise TextError(_illegal(source, pos), line)


def _depth(out: Lexed) -> int:
    """The parenthesis depth after the tokens so far (for an annotation:
    rare, so counted when needed, from where the last count ended, rather
    than tracked per token)."""
    counted, depth = out.depth_at
    for tok in out.tokens[counted:]:
        if tok[0] == LP:
            depth += 1
        elif tok[0] == RP:
            depth -= 1
    out.depth_at = (len(out.tokens), depth)
    return depth


def _quoted_id(source: bytes, pos: int, line: int, out: Lexed) -> int:
    """``$"..."``: an identifier written as a string; returns its end."""
    try:
        value, end, _ = _string(source, pos + 1, line)
    except TextError:
        raise TextError("empty identifier", line) from None
    if not value:
        raise TextError("empty identifier", line)
    _append(out, Token(ID, _utf8(value, line)), line, source, pos, end)
    _separated(source, end, line)
    return end


def _append(out: Lexed, tok: Token, line: int, source: bytes, start: int, end: int) -> None:
    """A token read by ``_rare``, with its own run of texts."""
    out.runs.append((len(out.tokens), start, [source[start:end]]))
    out.tokens.append(tok)
    out.lines.append(line)


def _separated(source: bytes, end: int, line: int) -> None:
    """Tokens after a string must be separated from it."""
    if end < len(source) and source[end] not in _SEPARATORS:
        raise TextError("unknown operator", line)


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
    """Skip ``(@id ...)``, keeping it if it is a ``@custom``, branch hint or
    ``@name`` annotation."""
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
    inner = Lexed([], [])
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
            inner.tokens.append(Token(STR, value))
            inner.lines.append(line)
            line = line2
        elif kind in ("lp", "ann"):
            level += 1
            inner.tokens.append(Token(LP, "("))
            inner.lines.append(line)
            end = p + 1
        elif kind == "rp":
            level -= 1
            if level == 0:
                p = end
                break
            inner.tokens.append(Token(RP, ")"))
            inner.lines.append(line)
        elif kind == "idc":
            try:
                kind, value = _classify(m.group())
            except TextError:
                kind, value = RESERVED, m.group().decode()
            inner.tokens.append(Token(kind, value))
            inner.lines.append(line)
        elif kind == "res":
            inner.tokens.append(Token(RESERVED, m.group().decode()))
            inner.lines.append(line)
        p = end
    if name == "custom":
        out.annotations.append(Annotation(inner, start_line, depth, len(out.tokens)))
    elif name == BRANCH_HINT:
        out.branch_hints.append(Annotation(inner, start_line, depth, len(out.tokens)))
    elif name == "name":
        out.names.append(Annotation(inner, start_line, depth, len(out.tokens)))
    return p, line
