"""Mutated text for the text parser's robustness campaign and tests.

Byte flips and truncations alone mostly destroy the syntax, so that the
parser rejects nearly every input at its first token.  The structure-aware
mutations keep the input well-bracketed and change one thing a parser must
check: an instruction, type or keyword swapped for another of its class, a
number turned into an edge value (range limits, ``-0``, NaN payloads, huge
exponents), an identifier or string made long or odd, a form duplicated,
dropped or moved, an instruction wrapped in thousands of levels of nesting.

Seeds are the testsuite's text modules (``(module ...)`` forms of its
scripts) and a few of our own; script seeds are runs of consecutive
commands, for ``parse_script``.
"""

from __future__ import annotations

import functools
import random
import re
from pathlib import Path

from refimpl.syntax.opcodes import BY_NAME
from refimpl.text.keywords import STRUCTURE
from refimpl.text.lexer import LP, RP, TextError, lex

OWN_SEEDS = (
    b'(module (func $f (export "f") (param $x i32) (result i32)'
    b" (block $b (result i32) (br_if $b (local.get $x) (i32.const 1)) (i32.const 2))))",
    b'(module (memory 1) (data (i32.const 0) "\\00\\u{41}a") (table 2 funcref)'
    b" (elem (i32.const 0) $g) (func $g (drop (f64.const -0x1.8p3)) (v128.const i8x16 0 1"
    b" 2 3 4 5 6 7 8 9 10 11 12 13 14 15) drop))",
    b"(module (type $t (func (param i32))) (rec (type $s (struct (field $a (mut i8)))))"
    b" (func (type $t) (local i64) (loop $l (br_table $l 0 (local.get 0)))))",
    b'(module (@custom "x" (after func) "y") (global $g (mut f32) (f32.const nan:0x1))'
    b" (func (result f32) global.get $g (if (result f32) (i32.const 1) (then (f32.const"
    b" inf)) (else (f32.const 1_000.5e-3)))))",
)
SUITES = ("wasm-2.0", "current", "current/legacy")

TOKENS = re.compile(rb'\s+|\(|\)|"(?:[^"\\\n]|\\.)*"|[^\s()"]+')
INSTRUCTIONS = tuple(sorted(name.encode() for name in BY_NAME))
KEYWORDS = tuple(sorted(word.encode() for word in STRUCTURE.split()))
TYPES = tuple(
    b"i32 i64 f32 f64 v128 i8 i16 funcref externref anyref eqref i31ref structref arrayref"
    b" exnref nullref nullfuncref nullexternref nullexnref func extern any eq i31 struct"
    b" array exn none nofunc noextern noexn".split()
)
EDGE_NUMBERS = tuple(
    b"0 -0 +0 1 -1 0x7fff_ffff 0x8000_0000 -0x8000_0000 0xffff_ffff 4294967296 -2147483649"
    b" 0x7fff_ffff_ffff_ffff 0x8000_0000_0000_0000 -0x8000_0000_0000_0000"
    b" 0xffff_ffff_ffff_ffff 18446744073709551616 -9223372036854775809 65536 65537"
    b" nan -nan +nan nan:0x1 nan:0x0 nan:0x7f_ffff nan:0x80_0000 nan:0xf_ffff_ffff_ffff"
    b" nan:0x10_0000_0000_0000 inf -inf 0.0 -0.0 1e38 3.4e38 3.5e38 1e308 1.8e308 1e-400"
    b" 1e99999999 -1e-99999999 0x1p-149 0x1p-150 0x1p-1074 0x1p-1075 0x1p+128 0x1p+1024"
    b" 0x1.fffffep127 0x1.fffffffffffff8p1023 0x1.fffffffffffffp1023 1_000 0x_1 1__0 1_"
    b" 0x 0x1p 1e .5 5. 0x1.p1".split()
)
ODD_STRINGS = (
    b'""',
    b'"\\u{10ffff}"',
    b'"\\u{110000}"',
    b'"\\u{d800}"',
    b'"\\ff\\fe"',
    b'"\\"',
    b'"\xed\xa0\x80"',
    b'"\xc0\x80"',
    b'"' + b"a" * 70_000 + b'"',
)
SPECIAL = (b"(", b")", b'"', b"$", b";;", b"(;", b";)", b"\\", b"\xff", b"\x00", b"@", b"(@", b"0x")
NESTING = (2, 50, 999, 1001, 5000)


@functools.cache
def seed_texts(root: Path | None, limit: int = 3000) -> tuple[bytes, ...]:
    """Our seeds and up to ``limit`` text modules of the suites' scripts
    (not ``binary`` or ``quote`` modules), in a fixed order."""
    found: dict[bytes, None] = dict.fromkeys(OWN_SEEDS)
    for form in _forms(root):
        head = form[:60]
        if head.startswith(b"(module") and b" binary" not in head and b" quote" not in head:
            found[form] = None
    seeds = list(found)
    rest = seeds[len(OWN_SEEDS) :]
    rng = random.Random(3)
    return tuple(seeds[: len(OWN_SEEDS)] + rng.sample(rest, min(limit, len(rest))))


@functools.cache
def seed_scripts(root: Path | None, limit: int = 3000) -> tuple[bytes, ...]:
    """Runs of one to six consecutive commands of the suites' scripts (so a
    module comes with the assertions that use it)."""
    forms = _forms(root)
    rng = random.Random(4)
    runs = []
    for _ in range(min(limit, len(forms))):
        i = rng.randrange(len(forms))
        runs.append(b"\n".join(forms[i : i + rng.randint(1, 6)]))
    return tuple(runs) or (OWN_SEEDS[0] + b'\n(assert_return (invoke "f" (i32.const 1)))',)


@functools.cache
def _forms(root: Path | None) -> tuple[bytes, ...]:
    """Every top-level form of the suites' scripts (split by refimpl's
    lexer; a script it can't lex is left out)."""
    out: list[bytes] = []
    for suite in SUITES if root else ():
        folder = root / suite
        for path in sorted(folder.glob("*.wast")) if folder.is_dir() else ():
            source = path.read_bytes()
            try:
                lexed = lex(source)
            except TextError:
                continue
            depth = start = 0
            for i, tok in enumerate(lexed.tokens):
                if tok.kind == LP:
                    if depth == 0:
                        start = lexed.span(i)[0]
                    depth += 1
                elif tok.kind == RP:
                    depth -= 1
                    if depth == 0:
                        out.append(source[start : lexed.span(i)[1]])
    return tuple(out)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One mutation, chosen by ``rng``: a fifth are byte-level (flips,
    truncation, a shuffled window, a special character), the rest keep the
    brackets and change one thing of the text's structure."""
    tokens = TOKENS.findall(data)
    words = [i for i, tok in enumerate(tokens) if not tok.isspace() and tok not in (b"(", b")")]
    how = rng.randrange(10)
    if how == 0 or not words:
        return _bytes(data, rng)
    if how == 1:
        return data[: rng.randrange(len(data) + 1)]
    if how == 2:
        i = rng.randrange(len(tokens))
        window = tokens[i : i + rng.randint(2, 8)]
        rng.shuffle(window)
        tokens[i : i + len(window)] = window
    elif how == 3:
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(SPECIAL))
    elif how in (4, 5):
        i = rng.choice(words)
        tokens[i] = _same_class(tokens[i], tokens, rng)
    elif how == 6:
        numbers = [i for i in words if _is_number(tokens[i])] or words
        tokens[rng.choice(numbers)] = rng.choice(EDGE_NUMBERS)
    else:
        forms = _forms_of(tokens)
        if not forms:
            return _bytes(data, rng)
        start, end = rng.choice(forms)
        form = tokens[start : end + 1]
        if how == 7:  # duplicate a form
            tokens[end + 1 : end + 1] = [b" ", *form]
        elif how == 8:  # drop it, or move it elsewhere
            del tokens[start : end + 1]
            if rng.random() < 0.5 and tokens:
                at = rng.randrange(len(tokens) + 1)
                tokens[at:at] = form
        else:  # nest it deeply
            depth = rng.choice(NESTING)
            head = rng.choice((b"(block ", b"(i32.eqz ", b"(loop ", b"(if (then "))
            closing = b"))" if head == b"(if (then " else b")"
            tokens[start : end + 1] = [head * depth, *form, closing * depth]
    return b"".join(tokens)


def _bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data or b"(")
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _same_class(tok: bytes, tokens: list[bytes], rng: random.Random) -> bytes:
    """Another token of ``tok``'s class: instruction, type, keyword,
    number, identifier or string."""
    if tok.startswith(b"$"):
        ids = [t for t in tokens if t.startswith(b"$")]
        if rng.random() < 0.3:
            return b"$" + rng.choice((b"x", b"\xc3\xa9", b'"q"', b"")) * rng.choice((1, 2, 5000))
        return rng.choice(ids)
    if tok.startswith(b'"'):
        strings = [t for t in tokens if t.startswith(b'"')]
        return rng.choice(ODD_STRINGS) if rng.random() < 0.5 else rng.choice(strings)
    if _is_number(tok):
        return rng.choice(EDGE_NUMBERS)
    if tok in TYPES:
        return rng.choice(TYPES)
    if b"." in tok or tok.decode("latin-1") in BY_NAME:
        return rng.choice(INSTRUCTIONS)
    if tok.startswith((b"offset=", b"align=")):
        return tok.split(b"=")[0] + b"=" + rng.choice(EDGE_NUMBERS)
    return rng.choice(KEYWORDS)


def _is_number(tok: bytes) -> bool:
    return bool(tok) and (tok[:1] in b"+-0123456789" or tok.startswith((b"nan", b"inf")))


def _forms_of(tokens: list[bytes]) -> list[tuple[int, int]]:
    """(open, close) token indices of every parenthesized form."""
    stack: list[int] = []
    forms = []
    for i, tok in enumerate(tokens):
        if tok == b"(":
            stack.append(i)
        elif tok == b")" and stack:
            forms.append((stack.pop(), i))
    return forms
