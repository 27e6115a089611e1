"""The ``.wast`` script grammar (the spec interpreter's script format), read
by refimpl's own text parser: no converter process.

It lives in the harness because it produces the harness's command model;
the module grammar, the lexer and the token cursor are refimpl's
(``refimpl.text``), which never imports the harness.  Values are built in
the JSON shape the converters write and read by ``normalize``'s value
functions, so both paths share one mapping onto ``values``.

Modules written as text are encoded with refimpl's encoder (in the
profile's encoding); when refimpl can't represent one yet (GC types, ...)
it keeps only its text, for engines that read text.  A command that does
not parse becomes a ``ConversionFailure`` with the parser's message and
line, and the rest of the script still runs.
"""

from __future__ import annotations

from refimpl import Features
from refimpl.binary.encode import EncodeError, encode_module
from refimpl.errors import MalformedModule, UnsupportedFeature
from refimpl.gcpause import paused_collection
from refimpl.text.customs import module_annotations
from refimpl.text.instructions import v128_const
from refimpl.text.lexer import KW, LP, NUM, RP, STR, Lexed, TextError, lex
from refimpl.text.module import FIELDS, ModuleParser
from refimpl.text.numbers import F32, F64, parse_float, parse_int
from refimpl.text.reader import Cursor

from ..values import LANES, Exact, Pattern, V128Lanes, Value
from .commands import (
    Action,
    ActionCommand,
    AssertException,
    AssertExhaustion,
    AssertInvalid,
    AssertInvalidCustom,
    AssertMalformed,
    AssertMalformedCustom,
    AssertReturn,
    AssertTrap,
    AssertUninstantiable,
    AssertUnlinkable,
    Command,
    ConversionFailure,
    ModuleCommand,
    ModuleInstance,
    ModuleSource,
    Register,
    UnsupportedCommand,
)
from .normalize import NormalizeError, _expected, _value
from .quick import SCALARS, QuickReader

_MODULE_ASSERTIONS = {
    "assert_malformed": AssertMalformed,
    "assert_invalid": AssertInvalid,
    "assert_malformed_custom": AssertMalformedCustom,
    "assert_invalid_custom": AssertInvalidCustom,
    "assert_unlinkable": AssertUnlinkable,
    "assert_uninstantiable": AssertUninstantiable,
}
_NULL_TYPES = {
    "func": "funcref",
    "extern": "externref",
    "any": "anyref",
    "eq": "eqref",
    "i31": "i31ref",
    "struct": "structref",
    "array": "arrayref",
    "exn": "exnref",
    "none": "nullref",
    "nofunc": "nullfuncref",
    "noextern": "nullexternref",
    "noexn": "nullexnref",
}
_REF_RESULTS = {
    "ref.func": "funcref",
    "ref.extern": "externref",
    "ref.host": "anyref",
    "ref.any": "anyref",
    "ref.eq": "eqref",
    "ref.i31": "i31ref",
    "ref.struct": "structref",
    "ref.array": "arrayref",
    "ref.exn": "exnref",
}


def _pattern_json(pattern: Pattern) -> dict:
    """A pattern read by ``_scalar``/``_vector`` back in the JSON shape."""
    if isinstance(pattern, V128Lanes):
        lanes = [str(lane) for lane in pattern.lanes]
        return {"type": "v128", "lane_type": pattern.lane_type, "value": lanes}
    assert isinstance(pattern, Exact)
    return {"type": pattern.value.type, "value": str(pattern.value.payload)}


class ScriptParseError(ValueError):
    """The script as a whole can't be read (a lexical error outside any
    module text)."""


def parse_script(source: bytes | str, features: Features, *, quick: bool = True) -> list[Command]:
    """The commands of a .wast script. ``quick=False`` reads every command
    with the general reader (the guard test compares both paths).  The
    cyclic collector is paused meanwhile, as refimpl's readers do, and the
    commands join its oldest generation: they live as long as the run."""
    with paused_collection(long_lived=True):
        try:
            lexed = lex(source)
        except TextError as exc:
            raise ScriptParseError(str(exc)) from None
        raw = source.encode("utf-8") if isinstance(source, str) else source
        return _ScriptReader(lexed, raw, features).commands(quick)


class _ScriptReader:
    def __init__(self, lexed: Lexed, source: bytes, features: Features):
        self.lexed = lexed
        self.source = source
        self.features = features
        self.cur = Cursor(lexed)

    def commands(self, use_quick: bool = True) -> list[Command]:
        cur = self.cur
        out: list[Command] = []
        if cur.peek().kind == LP and cur.peek(1).value in FIELDS:
            return [self.inline_module()]
        quick = QuickReader(cur.toks, cur.lines).read if use_quick else None
        toks = cur.toks
        while cur.i < len(toks):
            start = cur.i
            if toks[start][0] != LP:
                text = "unexpected token outside any command"
                out.append(ConversionFailure(cur.line(start), text))
                cur.i += 1
                continue
            read = quick(start) if quick is not None else None
            if read is not None:
                command, cur.i = read
                out.append(command)
                continue
            try:
                out.append(self.command())
            except (MalformedModule, NormalizeError) as exc:
                defines = (
                    cur.toks[start + 1].value == "module" if start + 1 < len(cur.toks) else False
                )
                out.append(ConversionFailure(cur.line(start), str(exc), defines_module=defines))
                cur.i = start
                try:
                    cur.skip_form()
                except MalformedModule:
                    break
        return out

    # -- commands -----------------------------------------------------------

    def command(self) -> Command:
        cur = self.cur
        head = cur.peek(1)
        line = cur.line(cur.i + 1)  # the converters' line: the command's keyword
        word = head.value if head.kind == KW else ""
        if word == "module":
            return self.module_command(line)
        if word in ("invoke", "get"):
            return ActionCommand(line, self.action())
        cur.lp()
        cur.next()
        if word == "register":
            name = cur.name()
            module = cur.opt_id()
            cur.rp()
            return Register(line, name, module)
        if word == "assert_return":
            line = cur.line(cur.i + 1)  # the converters' line: the action's
            action = self.action()
            patterns: list[Pattern] = []
            while not cur.at_rp():
                scalars: list[Value] = []
                self._scalars(scalars)
                patterns += map(Exact, scalars)
                if cur.at_rp():
                    continue
                pattern = self._vector(result=True)
                if pattern is None:
                    break
                patterns.append(pattern)
            else:
                cur.rp()
                return AssertReturn(line, action, tuple(patterns))
            # Anything else: through the converters' JSON shape.
            results = [_pattern_json(p) for p in patterns]
            while not cur.at_rp():
                results.append(self.result())
            cur.rp()
            return AssertReturn(line, action, _expected({"expected": results}))
        if word in ("assert_trap", "assert_exhaustion", "assert_exception"):
            if word == "assert_trap" and cur.at_form("module"):
                line = cur.line(cur.i + 1)
                source, _ = self.module_form()
                text = cur.string().decode("utf-8", "replace")
                cur.rp()
                return AssertUninstantiable(line, source, text)
            line = cur.line(cur.i + 1)
            action = self.action()
            if word == "assert_exception":
                cur.rp()
                return AssertException(line, action)
            text = cur.string().decode("utf-8", "replace")
            cur.rp()
            kind = AssertTrap if word == "assert_trap" else AssertExhaustion
            return kind(line, action, text)
        if word in _MODULE_ASSERTIONS:
            line = cur.line(cur.i + 1)  # the converters' line: the module's
            source, _ = self.module_form()
            text = cur.string().decode("utf-8", "replace")
            cur.rp()
            return _MODULE_ASSERTIONS[word](line, source, text)
        if word in ("thread", "wait", "script", "input", "output"):
            cur.i -= 2
            cur.skip_form()
            return UnsupportedCommand(line, word)
        raise cur.unexpected(cur.i - 1)

    def inline_module(self) -> Command:
        """A script that is a module's fields only (an inline module)."""
        cur = self.cur
        line = cur.line(cur.i + 1)
        try:
            annotations = module_annotations(self.lexed.annotations, 0)
            module = ModuleParser(
                cur, self.features, annotations, None, self.lexed.branch_hints, self.lexed.names
            ).parse()
            if not cur.at_eof():
                raise cur.unexpected()
        except MalformedModule as exc:
            return ConversionFailure(line, str(exc), defines_module=True)
        except UnsupportedFeature:
            return ModuleCommand(line, ModuleSource(None, self.source, "text"))
        try:
            binary = encode_module(module, self.features)
        except EncodeError:
            return ModuleCommand(line, ModuleSource(None, self.source, "text"))
        return ModuleCommand(line, ModuleSource(binary, origin="text"))

    def module_command(self, line: int) -> Command:
        cur = self.cur
        if cur.peek(2).kind == KW and cur.peek(2).value == "instance":
            cur.i += 3
            instance = cur.opt_id()
            definition = cur.opt_id()
            cur.rp()
            if definition is None:
                definition, instance = instance, None
            if definition is None:
                raise cur.unexpected()
            return ModuleInstance(line, instance, definition)
        definition = cur.peek(2).kind == KW and cur.peek(2).value == "definition"
        source, name = self.module_form(depth=1)
        return ModuleCommand(line, source, name, definition_only=definition)

    def module_form(self, depth: int = 2) -> tuple[ModuleSource, str | None]:
        """``(module definition? $id? ...)`` in its three forms."""
        cur = self.cur
        cur.open("module")
        if cur.at_kw("definition"):
            cur.i += 1
        name = cur.opt_id()
        if cur.at_kw("binary", "quote"):
            form = cur.kw()
            data = bytearray()
            while cur.peek().kind == STR:
                data += cur.string()
            cur.rp()
            if form == "binary":
                return ModuleSource(binary=bytes(data), origin="module binary"), name
            return self._quoted(bytes(data)), name
        first = cur.i
        lexed = self.lexed
        kept = (lexed.annotations, lexed.branch_hints, lexed.names)
        annotations, hints, names = [], [], []
        if any(kept):  # those in this module
            last = cur.closing(first)
            annotations, hints, names = (
                [a for a in anns if first <= a.index <= last] for anns in kept
            )
            annotations = module_annotations(annotations, depth)
        parser = ModuleParser(cur, self.features, annotations, name, hints, names)
        try:
            module = parser.parse()
            cur.rp()
        except UnsupportedFeature as exc:
            cur.i = first
            cur.skip_to_close()
            return self._text(first, cur.i - 1, f"text ({exc.message})"), name
        except MalformedModule:
            # A module that is not closed is that error, wherever else the
            # parser stopped (found without a scan of every module first).
            cur.closing(first)
            raise
        try:
            binary = encode_module(module, self.features)
        except EncodeError as exc:
            return self._text(first, cur.i - 1, f"text ({exc})"), name
        return ModuleSource(binary=binary, origin="text"), name

    def _text(self, first: int, last: int, origin: str) -> ModuleSource:
        """A module refimpl can't represent, as its text: the fields
        (tokens ``first`` to ``last``, the closing paren)."""
        start = self.lexed.span(first)[0]
        text = b"(module " + self.source[start : self.lexed.span(last)[1]]
        return ModuleSource(binary=None, text=text, origin=origin)

    def _quoted(self, text: bytes) -> ModuleSource:
        from refimpl.text import parse_module

        try:
            binary = encode_module(parse_module(text, self.features), self.features)
        except (MalformedModule, UnsupportedFeature, EncodeError):
            binary = None
        return ModuleSource(binary=binary, text=text, origin="module quote")

    # -- actions and values -------------------------------------------------

    def action(self) -> Action:
        cur = self.cur
        cur.lp()
        kind = cur.kw()
        if kind not in ("invoke", "get"):
            raise cur.unexpected(cur.i - 1)
        module = cur.opt_id()
        field = cur.name()
        args: list[Value] = []
        while kind == "invoke" and not cur.at_rp():
            self._scalars(args)
            if cur.at_rp():
                break
            value = self._vector(result=False)
            args.append(_value(self.const(result=False)) if value is None else value)
        cur.rp()
        return Action(kind, module, field, tuple(args))

    def result(self, in_either: bool = False) -> dict:
        cur = self.cur
        if cur.at_form("either"):
            if in_either:  # alternatives are results, not alternatives again
                raise cur.unexpected(cur.i + 1)
            cur.i += 2
            values = []
            while not cur.at_rp():
                values.append(self.result(in_either=True))
            cur.rp()
            return {"type": "either", "values": values}
        return self.const(result=True)

    def _scalars(self, out: list[Value], most: int = 1 << 30) -> None:
        """The ``(t.const number)`` forms that come next (``most`` of
        them; most of a script's values), read straight into ``Value``s by
        indexing the tokens (the hot path of reading a script)."""
        cur = self.cur
        toks, lines = cur.toks, cur.lines
        i = cur.i
        last = min(len(toks), i + 4 * most) - 4
        while i <= last:
            lp, head, num, rp = toks[i], toks[i + 1], toks[i + 2], toks[i + 3]
            if lp[0] != LP or num[0] != NUM or rp[0] != RP or head[0] != KW:
                break
            scalar = SCALARS.get(head[1])
            if scalar is None:
                break
            kind, width, parse = scalar
            out.append(Value(kind, parse(num[1], width, lines[i + 2])))
            i += 4
            cur.i = i

    def _vector(self, result: bool) -> Value | V128Lanes | None:
        """``(v128.const shape lane*)`` straight into a ``Value`` (an
        argument) or a ``V128Lanes`` pattern (a result); None (nothing
        taken) for any other form, and for float results with NaN patterns
        or the wrong number of lanes (read as converter JSON, whose reading
        reports those errors)."""
        cur = self.cur
        toks = cur.toks
        i = cur.i
        if i + 2 >= len(toks) or toks[i][0] != LP or toks[i + 1][0] != KW:
            return None
        shape = toks[i + 2]
        if toks[i + 1][1] != "v128.const" or shape[0] != KW:
            return None
        if result and shape[1] in ("f32x4", "f64x2"):
            n = 4 if shape[1] == "f32x4" else 2
            lanes = toks[i + 3 : i + 4 + n]
            if len(lanes) <= n or lanes[n][0] != RP or any(t[0] != NUM for t in lanes[:n]):
                return None
        cur.i = i + 2
        bits = v128_const(cur)
        cur.rp()
        if not result:
            return Value("v128", bits)
        lane_type = shape.value[:3].rstrip("x")
        count, width = LANES[lane_type]
        mask = (1 << width) - 1
        return V128Lanes(lane_type, tuple((bits >> (k * width)) & mask for k in range(count)))

    def const(self, result: bool) -> dict:
        """A constant (or, in results, a pattern) as converter JSON."""
        cur = self.cur
        scalars: list[Value] = []
        self._scalars(scalars, most=1)
        if scalars:
            return _pattern_json(Exact(scalars[0]))
        cur.lp()
        at = cur.i
        word = cur.kw()
        if word in ("i32.const", "i64.const"):
            num = self._num()
            bits = 32 if word[1:3] == "32" else 64
            value = {"type": word[:3], "value": str(parse_int(num.value, bits, cur.line(at + 1)))}
        elif word in ("f32.const", "f64.const"):
            num = self._num(patterns=result)
            fmt = F32 if word[1:3] == "32" else F64
            text = num.value
            if text.startswith("nan:") and not text.startswith("nan:0x"):
                value = {"type": word[:3], "value": text}
            else:
                value = {"type": word[:3], "value": str(parse_float(text, fmt, cur.line(at + 1)))}
        elif word == "v128.const":
            value = self._v128(result)
        elif word == "ref.null":
            if cur.at_rp():
                value = {"type": "refnull"}
            else:
                ht = cur.kw()
                if ht not in _NULL_TYPES:
                    raise cur.unexpected(cur.i - 1)
                value = {"type": _NULL_TYPES[ht], "value": "null"}
        elif word in _REF_RESULTS:
            value = {"type": _REF_RESULTS[word]}
            if not cur.at_rp():
                value["value"] = str(cur.nat())
            elif not result:
                raise cur.unexpected()
        else:
            raise cur.unexpected(at)
        cur.rp()
        return value

    def _num(self, patterns: bool = False):
        cur = self.cur
        tok = cur.peek()
        if tok.kind == NUM or (
            patterns and tok.kind == KW and tok.value in ("nan:canonical", "nan:arithmetic")
        ):
            cur.i += 1
            return tok
        raise cur.unexpected()

    def _v128(self, result: bool) -> dict:
        cur = self.cur
        shape_at = cur.i
        shape = cur.peek()
        if result and shape.kind == KW and shape.value in ("f32x4", "f64x2"):
            lanes_n, bits = (4, 32) if shape.value == "f32x4" else (2, 64)
            cur.i += 1
            fmt = F32 if bits == 32 else F64
            lanes = []
            for _ in range(lanes_n):
                tok = self._num(patterns=True)
                if tok.kind == KW:
                    lanes.append(tok.value)
                else:
                    lanes.append(str(parse_float(tok.value, fmt, cur.line(cur.i - 1))))
            return {"type": "v128", "lane_type": shape.value[:3], "value": lanes}
        bits_all = v128_const(cur)
        if shape.kind != KW:
            raise cur.unexpected(shape_at)
        lane_type = shape.value[:3].rstrip("x")
        count, width = LANES[lane_type]
        lanes = [str((bits_all >> (i * width)) & ((1 << width) - 1)) for i in range(count)]
        return {"type": "v128", "lane_type": lane_type, "value": lanes}
