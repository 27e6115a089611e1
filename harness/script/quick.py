"""The script commands most of a ``.wast`` file is made of, read by
indexing the tokens: ``(assert_return (invoke "f" v*) r*)``,
``(assert_trap (invoke "f" v*) "text")`` and ``(invoke "f" v*)`` whose
values are scalar constants (``(i32.const 1)``) or vectors
(``(v128.const i32x4 1 2 3 4)``), results also NaN patterns
(``(f32.const nan:canonical)``, a lane ``nan:arithmetic``).

Reading these through the grammar's methods (``wast._ScriptReader``) is
most of the time a script takes once its tokens are lexed; this is the
same reading without a method call per token.  Anything else, and any
error, is left to the grammar's methods (``QuickReader.read`` returns
None), which
give the commands their usual errors and lines: this path only has to
agree with them on what it accepts.
"""

from __future__ import annotations

from itertools import repeat
from operator import itemgetter

from refimpl.errors import MalformedModule
from refimpl.text.instructions import SHAPES
from refimpl.text.lexer import ID, KW, LP, NUM, RP, STR, Token
from refimpl.text.numbers import F32, F64, parse_float, parse_int

from ..values import Exact, FloatNan, NanPattern, Pattern, V128Lanes, Value
from .commands import Action, ActionCommand, AssertReturn, AssertTrap, Command

# Scalar constants: result type, width (or float format), literal reader.
SCALARS = {
    "i32.const": ("i32", 32, parse_int),
    "i64.const": ("i64", 64, parse_int),
    "f32.const": ("f32", F32, parse_float),
    "f64.const": ("f64", F64, parse_float),
}
# Vector shapes (the text parser's): lane type, lane count, lane width (or
# float format), lane reader, lane bytes.
_SHAPES = {
    name: (name[:3].rstrip("x"), n, fmt or width, parse_float if fmt else parse_int, width // 8)
    for name, (n, width, fmt) in SHAPES.items()
}
_KIND, _VALUE = itemgetter(0), itemgetter(1)
_NANS = frozenset(("nan:canonical", "nan:arithmetic"))
_FLOATS = frozenset(("f32.const", "f64.const"))


class QuickReader:
    """Reads the common commands of one script.  Equal constants are one
    object (``Value`` and ``Exact`` are immutable): a script repeats its
    constants, and making them is a good part of reading them.  The memo
    lives as long as the reader: nothing is kept across scripts."""

    def __init__(self, toks: list[Token], lines: list[int]):
        self.toks = toks
        self.lines = lines
        self.values: dict[tuple[str, str], Value] = {}
        self.patterns: dict[tuple[str, str], Exact] = {}
        self.vectors: dict[tuple[bool, str, tuple[Token, ...]], Value | V128Lanes] = {}

    def read(self, start: int) -> tuple[Command, int] | None:
        """The command whose ``(`` is token ``start`` and the index after
        it, or None: not one of the common forms (or an error)."""
        try:
            return self._read(start)
        except (IndexError, MalformedModule, UnicodeDecodeError):
            return None

    def _read(self, start: int) -> tuple[Command, int] | None:
        toks = self.toks
        head = toks[start + 1]
        if head[0] != KW:
            return None
        word = head[1]
        a = start if word == "invoke" else start + 2  # the action's "("
        if a == start + 2 and word not in ("assert_return", "assert_trap"):
            return None
        if toks[a][0] != LP or toks[a + 1][1] != "invoke" or toks[a + 1][0] != KW:
            return None
        j = a + 2
        module = None
        if toks[j][0] == ID:
            module = toks[j][1]
            j += 1
        if toks[j][0] != STR:
            return None
        field = toks[j][1].decode("utf-8")
        args: list[Value] = []
        j = self._values(j + 1, args, self.values)
        if j < 0 or toks[j][0] != RP:
            return None
        action = Action("invoke", module, field, tuple(args))
        line = self.lines[a + 1]  # the converters' line: the action's keyword
        j += 1
        if word == "invoke":
            return ActionCommand(line, action), j
        if word == "assert_trap":
            if toks[j][0] != STR or toks[j + 1][0] != RP:
                return None
            return AssertTrap(line, action, toks[j][1].decode("utf-8", "replace")), j + 2
        patterns: list[Pattern] = []
        j = self._values(j, patterns, self.patterns)
        if j < 0 or toks[j][0] != RP:
            return None
        return AssertReturn(line, action, tuple(patterns)), j + 1

    def _values(self, j: int, out: list, memo: dict) -> int:
        """Constants from token ``j`` on, as values (arguments: ``memo`` is
        ``self.values``) or patterns (results); the index after them, or -1
        for a form this path leaves."""
        toks = self.toks
        patterns = memo is self.patterns
        while toks[j][0] == LP:
            head = toks[j + 1]
            num = toks[j + 2]
            if head[0] == KW and num[0] == NUM and toks[j + 3][0] == RP:
                key = (head[1], num[1])
                known = memo.get(key)
                if known is not None:
                    out.append(known)
                    j += 4
                    continue
                scalar = SCALARS.get(head[1])
                if scalar is None:
                    return -1
                kind, width, parse = scalar
                value = Value(kind, parse(num[1], width, self.lines[j + 2]))
                known = memo[key] = Exact(value) if patterns else value
                out.append(known)
                j += 4
                continue
            if patterns and num[0] == KW and num[1] in _NANS and head[1] in _FLOATS:
                if head[0] != KW or toks[j + 3][0] != RP:
                    return -1
                out.append(FloatNan(NanPattern(head[1][:3], num[1][4:])))
                j += 4
                continue
            j = self._vector(j, out, patterns)
            if j < 0:
                return -1
        return j

    def _vector(self, j: int, out: list, patterns: bool) -> int:
        """``(v128.const shape lane*)`` at ``j``: the index after it, or -1."""
        toks = self.toks
        head, shape_tok = toks[j + 1], toks[j + 2]
        if head[1] != "v128.const" or head[0] != KW:
            return -1
        shape = _SHAPES.get(shape_tok[1])
        if shape is None or shape_tok[0] != KW:
            return -1
        first = j + 3
        end = first + shape[1]
        if toks[end][0] != RP:
            return -1
        # Keyed by the lanes' tokens (shared by equal texts): their kinds too.
        lanes = tuple(toks[first:end])
        key = (patterns, shape_tok[1], lanes)
        known = self.vectors.get(key)
        if known is None:
            lane_type, count, width, parse, size = shape
            if [*map(_KIND, lanes)].count(NUM) != count:
                if patterns and lane_type in ("f32", "f64"):  # lanes may be NaN patterns
                    return self._nan_lanes(lanes, lane_type, first, out)
                return -1
            texts = map(_VALUE, lanes)
            bits = list(map(parse, texts, repeat(width), self.lines[first:end]))
            if patterns:
                known = V128Lanes(lane_type, tuple(bits))
            else:
                raw = b"".join(map(int.to_bytes, bits, repeat(size), repeat("little")))
                known = Value("v128", int.from_bytes(raw, "little"))
            self.vectors[key] = known
        out.append(known)
        return end + 1

    def _nan_lanes(self, lanes: tuple[Token, ...], lane_type: str, first: int, out: list) -> int:
        """A float vector result whose lanes are numbers or NaN patterns."""
        fmt = F32 if lane_type == "f32" else F64
        pattern: list[int | NanPattern] = []
        for k, lane in enumerate(lanes):
            if lane[0] == NUM:
                pattern.append(parse_float(lane[1], fmt, self.lines[first + k]))
            elif lane[0] == KW and lane[1] in _NANS:
                pattern.append(NanPattern(lane_type, lane[1][4:]))
            else:
                return -1
        out.append(V128Lanes(lane_type, tuple(pattern)))
        return first + len(lanes) + 1
