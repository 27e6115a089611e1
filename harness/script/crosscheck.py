"""Cross-check refimpl's text parser against wasm-tools: the same script,
loaded both ways, must give the same module bytes, or differ only for a
documented reason.

Reasons a difference is allowed (each checked, never assumed):

- ``name section``: both write a ``name`` custom section for the text's
  ``$identifiers`` (``refimpl.text.names``), but wast2json (profile mvp)
  writes none, and wasm-tools also names function types' parameters
  (a subsection refimpl does not write).  The bytes are identical once the
  name sections are removed (names carry no semantics).
- ``encoding choice``: both decode to the same module; the binary format
  offers several encodings (e.g. element segments as function indices or as
  expressions, which wasm-tools chooses by the text's spelling while
  refimpl's encoder takes the shortest).
- ``wast2json's block forms`` (profile mvp and ``legacy/``, whose scripts
  wast2json converts): wast2json writes a block typed by a type use of
  ``[] -> []`` or ``[] -> [t]`` in the inline form, drops an empty
  ``else``, and reads ``func $f`` in a segment as ``funcref`` (Wasm 2.0)
  where Wasm 3.0 reads ``(ref func)``; the modules are equal once both are
  normalised that way.
- ``wasm-tools' implicit types``: a type use without an index takes the
  first type that is a singleton recursion group ``(sub final (func ...))``
  of the same signature (the spec interpreter's ``inline_func_type``), also
  one written ``(rec (type ...))`` or ``(sub final ...)``; wasm-tools
  appends a type for the former and takes a non-final ``(sub (func ...))``
  for the latter.  The modules are equal once every use of a function type
  alone in its group with no supertype is mapped onto the first such type
  of its signature, and wasm-tools' appended types dropped (this check
  can't tell final from non-final there).

Branch hint annotations are written as wasm-tools writes them (the
``metadata.code.branch_hint`` section before the code section, offsets from
refimpl's encoder), so those modules compare like any other.
``undecidable`` counts modules whose bytes differ where refimpl's decoder
can't read them yet (GC types, exception tags), so neither the encoding
choice nor a real difference can be shown; anything else is a
``difference``, reported with both encodings' sizes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from refimpl.binary.types import FUNC_INDEX_TYPE
from refimpl.errors import MalformedModule
from refimpl.syntax.module import FuncImport, Module
from refimpl.syntax.opcodes import Op, instr
from refimpl.syntax.types import FUNCREF, FuncType, TagType

from .commands import AssertMalformed, Command, ConversionFailure, ModuleSource

ALLOWED = (
    "identical",
    "name section",
    "encoding choice",
    "wast2json's block forms",
    "wasm-tools' implicit types",
)


@dataclass
class CrossCheck:
    verdicts: Counter = field(default_factory=Counter)
    differences: list[str] = field(default_factory=list)

    def add(self, where: str, verdict: str, detail: str = "") -> None:
        self.verdicts[verdict] += 1
        if verdict not in ALLOWED:
            self.differences.append(f"{where}: {verdict} {detail}".rstrip())


def strip_name_section(binary: bytes, names: tuple[bytes, ...] = (b"name",)) -> bytes:
    """``binary`` without its custom sections named ``name`` (or ``names``)."""
    from refimpl.binary.reader import Reader

    out = bytearray(binary[:8])
    r = Reader(binary)
    r.pos = 8
    while r.pos < len(binary):
        start = r.pos
        sid = r.byte()
        size = r.u32()
        body_start = r.pos
        r.pos += size
        if sid == 0:
            inner = Reader(binary[body_start : body_start + size])
            n = inner.u32()
            if inner.data[inner.pos : inner.pos + n] in names:
                continue
        out += binary[start : r.pos]
    return bytes(out)


def compare(mine: bytes, theirs: bytes, features) -> tuple[str, str]:
    """(verdict, detail) for two encodings of one text module."""
    if mine == theirs:
        return "identical", ""
    try:
        stripped = strip_name_section(theirs)
    except MalformedModule as exc:
        return "difference", f"(wasm-tools' binary unreadable: {exc})"
    mine = strip_name_section(mine)
    if mine == stripped:
        return "name section", ""
    from refimpl.binary.module import decode_module
    from refimpl.errors import UnsupportedFeature, WasmError

    try:
        a = decode_module(mine, features)
        b = decode_module(stripped, features)
    except UnsupportedFeature as exc:
        return "undecidable", f"(refimpl's decoder: {exc})"
    except WasmError as exc:
        return "difference", f"(does not decode: {exc})"
    if a == b and a.customs == b.customs:
        return "encoding choice", ""
    if _wast2json_forms(a) == _wast2json_forms(b):
        return "wast2json's block forms", ""
    n = len(a.types)
    if _implicit_types(a, n) == _implicit_types(b, n):
        return "wasm-tools' implicit types", ""
    return "difference", f"({len(mine)} vs {len(stripped)} bytes)"


def _wast2json_forms(module: Module) -> Module:
    """``module`` with blocks typed as wast2json writes them: a type index
    of ``[] -> []`` or ``[] -> [t]`` inline, and no empty ``else``."""

    def blocktype(bt):
        if isinstance(bt, int) and bt < len(module.types):
            ft = module.types[bt].comp
            if isinstance(ft, FuncType) and not ft.params and len(ft.results) <= 1:
                return ft.results[0] if ft.results else None
        return bt

    def body(code):
        out = []
        for i, ins in enumerate(code):
            if ins[0] == Op.ELSE and i + 1 < len(code) and code[i + 1][0] == Op.END:
                continue
            if ins[0] in (Op.BLOCK, Op.LOOP, Op.IF):
                ins = instr(ins[0], blocktype(ins[1]))
            out.append(ins)
        return tuple(out)

    funcs = tuple(replace(f, body=body(f.body)) for f in module.funcs)
    elems = tuple(
        replace(e, type=FUNCREF) if e.type == FUNC_INDEX_TYPE else e for e in module.elems
    )
    return replace(module, funcs=funcs, elems=elems)


def _implicit_types(module: Module, keep: int) -> Module:
    """``module`` with every type use of a function type that is alone in
    its group with no supertype replaced by the first such type of the same
    signature, and its types after the first ``keep`` dropped (where
    wasm-tools appends implicit types)."""
    groups = module.type_groups()
    first: dict = {}
    plain: dict[int, int] = {}
    start = 0
    for g in groups:
        st = g.subtypes[0]
        if len(g.subtypes) == 1 and not st.supertypes and isinstance(st.comp, FuncType):
            plain[start] = first.setdefault(st.comp, start)
        start += len(g.subtypes)
    extra = len(module.types) - keep
    if extra < 0 or any(len(g.subtypes) != 1 for g in groups[len(groups) - extra :]):
        return module

    def ty(x):
        return plain.get(x, x) if isinstance(x, int) else x

    def body(code):
        out = []
        for ins in code:
            if ins[0] in (Op.BLOCK, Op.LOOP, Op.IF, Op.TRY):
                ins = instr(ins[0], ty(ins[1]))
            elif ins[0] in (Op.TRY_TABLE, Op.CALL_INDIRECT, Op.RETURN_CALL_INDIRECT):
                type_use, rest = ins[1]
                ins = instr(ins[0], (ty(type_use), rest))
            out.append(ins)
        return tuple(out)

    imports = tuple(
        replace(i, desc=FuncImport(ty(i.desc.type_index))) if isinstance(i.desc, FuncImport) else i
        for i in module.imports
    )
    return replace(
        module,
        types=module.types[:keep],
        rec_groups=groups[: len(groups) - extra],
        imports=imports,
        funcs=tuple(
            replace(f, type_index=ty(f.type_index), body=body(f.body)) for f in module.funcs
        ),
        tags=tuple(replace(t, type=TagType(ty(t.type.type_index))) for t in module.tags),
    )


def _pairs(mine: list[Command], theirs: list[Command]):
    by_line: dict[int, list[Command]] = {}
    for c in theirs:
        by_line.setdefault(c.line, []).append(c)
    for c in mine:
        candidates = by_line.get(c.line) or []
        other = next((o for o in candidates if type(o) is type(c)), None)
        yield c, other


def check_script(path: Path, mine: list[Command], theirs: list[Command], features, result):
    """Compare every module of one script (a ``CrossCheck`` collects)."""
    for c, other in _pairs(mine, theirs):
        where = f"{path.name}:{c.line}"
        source = getattr(c, "module", None)
        if isinstance(c, ConversionFailure):
            result.add(where, "refimpl failed to read", c.message[:200])
            continue
        if not isinstance(source, ModuleSource):
            continue
        if isinstance(c, AssertMalformed) and source.text is not None:
            continue  # malformed text: judged by message, not by bytes
        if other is None:
            result.add(where, "unpaired", f"({type(c).__name__} has no wasm-tools counterpart)")
            continue
        theirs_src: ModuleSource = other.module  # type: ignore[attr-defined]
        if theirs_src.binary is None:
            continue  # wasm-tools doesn't encode it either
        if source.binary is None:
            result.add(where, "not encoded by refimpl", source.origin)
            continue
        verdict, detail = compare(source.binary, theirs_src.binary, features)
        result.add(where, verdict, detail)
