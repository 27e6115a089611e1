"""The text format (spec 6): ``.wat`` modules into refimpl's ``Module``.

``parse_module(text, features)`` reads a module (``(module ...)`` or bare
fields, as ``module quote`` gives them); ``wat_to_binary`` encodes it.
Errors are ``MalformedModule`` (``TextError``, with a line) carrying the
spec interpreter's texts; ``UnsupportedFeature`` for well-formed text that
refimpl can't represent yet.  The script grammar is in ``script.py``.
"""

from __future__ import annotations

from ..features import Features
from ..syntax.module import Module
from .customs import module_annotations
from .lexer import KW, LP, TextError, lex
from .module import ModuleParser
from .reader import Cursor


def parse_module(source: bytes | str, features: Features | None = None) -> Module:
    features = features or Features.profile("3.0")
    lexed = lex(source)
    cur = Cursor(lexed.tokens)
    depth = 0
    name = None
    if cur.peek().kind == LP and cur.peek(1).kind == KW and cur.peek(1).value == "module":
        cur.i += 2
        name = cur.opt_id()
        depth = 1
    annotations = module_annotations(lexed.annotations, depth)
    module = ModuleParser(cur, features, annotations, name).parse()
    if depth:
        cur.rp()
    if not cur.at_eof():
        raise cur.unexpected()
    return module


def wat_to_binary(source: bytes | str, features: Features | None = None) -> bytes:
    return encode(parse_module(source, features), features)


def encode(module: Module, features: Features | None = None) -> bytes:
    """``encode_module``, refusing (EncodeError) an encoding that would not
    keep the module's recursion groups: an encoder that writes types one by
    one would turn ``(rec (type ...) (type ...))`` into other types."""
    from ..binary.encode import EncodeError, encode_module

    binary = encode_module(module, features)
    if len(module.rec_groups) != len(module.types) and _type_entries(binary) != len(
        module.rec_groups
    ):
        raise EncodeError("no encoding for recursion groups of several types (GC types)")
    return binary


def _type_entries(binary: bytes) -> int | None:
    """The entry count of the type section an encoding starts with."""
    from ..binary.reader import Reader

    r = Reader(binary, 8)
    if r.at_end() or r.byte() != 1:
        return None
    r.u32()
    return r.u32()


__all__ = ["TextError", "encode", "parse_module", "wat_to_binary"]
