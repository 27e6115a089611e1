"""The text format (spec 6): ``.wat`` modules into refimpl's ``Module``.

``parse_module(text, features)`` reads a module (``(module ...)`` or bare
fields, as ``module quote`` gives them); ``wat_to_binary`` encodes it.
Errors are ``MalformedModule`` (``TextError``, with a line) carrying the
spec interpreter's texts; ``UnsupportedFeature`` for well-formed text that
refimpl can't represent yet.  The script grammar is the harness's
(``harness/script/wast.py``).  Parsing pauses the cyclic collector
(``gcpause``), as decoding does.
"""

from __future__ import annotations

from ..features import Features
from ..gcpause import paused_collection
from ..syntax.module import Module
from .customs import module_annotations
from .lexer import KW, LP, TextError, lex
from .module import ModuleParser
from .reader import Cursor


def parse_module(source: bytes | str, features: Features | None = None) -> Module:
    with paused_collection():
        return _parse_module(source, features or Features.profile("3.0"))


def _parse_module(source: bytes | str, features: Features) -> Module:
    lexed = lex(source)
    cur = Cursor(lexed)
    depth = 0
    name = None
    if cur.peek().kind == LP and cur.peek(1).kind == KW and cur.peek(1).value == "module":
        cur.i += 2
        name = cur.opt_id()
        depth = 1
    annotations = module_annotations(lexed.annotations, depth)
    module = ModuleParser(cur, features, annotations, name, lexed.branch_hints, lexed.names).parse()
    if depth:
        cur.rp()
    if not cur.at_eof():
        raise cur.unexpected()
    return module


def wat_to_binary(source: bytes | str, features: Features | None = None) -> bytes:
    from ..binary.encode import encode_module

    return encode_module(parse_module(source, features), features)


__all__ = ["TextError", "parse_module", "wat_to_binary"]
