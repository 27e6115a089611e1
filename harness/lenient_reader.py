"""The harness's one reader of module binaries that does not decode them.

The harness needs a few facts about a module before (or instead of) an
engine decoding it: the module names it imports from, the signatures of
its exported functions (wasmtime-py can't describe every type), and the
shape the state probes need (``harness.probes.rewrite``).  Reading them
must not depend on any one engine accepting the module, so this reads only
the sections it needs, skips the rest, and understands encodings beyond
what refimpl implements (GC types, custom descriptors).  It is lenient in
*what* it reads, not in how: the primitives (LEB128, names, bounds) are
refimpl's strict ``Reader``.  Anything it does not understand raises
``UnreadableModule`` (or refimpl's ``MalformedModule``); the public
functions below turn that into "can't tell" (None, an empty set).
"""

from __future__ import annotations

from dataclasses import dataclass

from refimpl.binary.reader import Reader
from refimpl.errors import MalformedModule


class UnreadableModule(ValueError):
    """This reader does not understand the module (it may still be valid)."""


# What the readers below raise for a module they can't read.
UNREADABLE = (UnreadableModule, MalformedModule, IndexError)

_NUM = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_ABS_HEAP = {
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x69: "exn",
    0x71: "none",
    0x73: "nofunc",
    0x72: "noextern",
    0x74: "noexn",
}
IMPORT_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
# Where each known section goes (spec 5.5.2); the tag section (13) sits
# between memory and global, data count (12) between element and code.
SECTION_ORDER = {
    1: 1,
    2: 2,
    3: 3,
    4: 4,
    5: 5,
    13: 6,
    6: 7,
    7: 8,
    8: 9,
    9: 10,
    12: 11,
    10: 12,
    11: 13,
}


class LenientReader(Reader):
    """refimpl's reader, plus the harness's readings of types (as the text
    the harness uses: "i32", "funcref", "(ref null 3)") and of the parts of
    sections it skips."""

    __slots__ = ()

    def valtype(self) -> str:
        b = self.byte()
        if b in _NUM:
            return _NUM[b]
        if b in _ABS_HEAP:
            return f"{_ABS_HEAP[b]}ref"
        if b in (0x63, 0x64):
            null = "null " if b == 0x63 else ""
            first = self.peek()
            if first in _ABS_HEAP:
                self.byte()
                return f"(ref {null}{_ABS_HEAP[first]})"
            return f"(ref {null}{self.s33()})"
        raise UnreadableModule(f"unknown value type 0x{b:02x}")

    def limits(self) -> None:
        flags = self.byte()
        bound = self.u64 if flags & 0x04 else self.u32  # 64-bit memories and tables
        bound()
        if flags & 0x01:
            bound()
        if flags & 0x08:  # custom page sizes
            self.u32()

    def table_type(self, refs: set[int] | None = None) -> str:
        """A table's element type (Wasm 3.0's form with an initialiser too;
        ``refs`` collects the functions its initialiser names)."""
        if self.peek() == 0x40:
            self.byte()
            self.byte()
            elem = self.valtype()
            self.limits()
            self.skip_const_expr(refs)
            return elem
        elem = self.valtype()
        self.limits()
        return elem

    def skip_const_expr(self, refs: set[int] | None = None) -> None:
        """Skip a constant expression up to and including its ``end``;
        ``refs`` (if given) collects the function indices of its ``ref.func``s."""
        while True:
            op = self.byte()
            if op == 0x0B:
                return
            if op == 0x41:
                self.s32()
            elif op == 0x42:
                self.s64()
            elif op == 0x43:
                self.skip(4)
            elif op == 0x44:
                self.skip(8)
            elif op == 0x23:
                self.u32()
            elif op == 0xD2:
                index = self.u32()
                if refs is not None:
                    refs.add(index)
            elif op == 0xD0:
                if self.peek() in _ABS_HEAP:
                    self.byte()
                else:
                    self.s33()
            elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
                pass  # extended constants: add, sub, mul
            elif op == 0xFD:
                if self.u32() != 12:
                    raise UnreadableModule("unknown vector constant")
                self.skip(16)
            elif op == 0xFB:
                sub = self.u32()
                if sub in (0, 1, 6, 7):
                    self.u32()
                elif sub == 8:
                    self.u32()
                    self.u32()
                elif sub not in (0x1A, 0x1B, 0x1C):
                    raise UnreadableModule(f"unknown GC constant 0xfb {sub}")
            else:
                raise UnreadableModule(f"unknown constant instruction 0x{op:02x}")


@dataclass(frozen=True, slots=True)
class Section:
    id: int
    start: int  # of the section, its id byte
    payload: int  # of its contents
    end: int

    def reader(self, binary: bytes) -> LenientReader:
        """A reader over the section's contents alone."""
        return LenientReader(binary[self.payload : self.end])


def sections(binary: bytes) -> list[Section]:
    if binary[:4] != b"\x00asm" or binary[4:8] != b"\x01\x00\x00\x00":
        raise UnreadableModule("not a core module binary")
    r = LenientReader(binary, 8)
    out = []
    while not r.at_end():
        start = r.pos
        sid = r.byte()
        size = r.u32()
        payload = r.pos
        if payload + size > len(binary):
            raise UnreadableModule("section runs past the end")
        r.pos = payload + size
        if sid != 0 and sid not in SECTION_ORDER:
            raise UnreadableModule(f"unknown section {sid}")
        out.append(Section(sid, start, payload, payload + size))
    return out


@dataclass(frozen=True, slots=True)
class ImportInfo:
    module: str
    name: str
    kind: str  # func, table, memory, global or tag
    type: str | None = None  # a table's element type or a global's value type
    mutable: bool = False
    type_index: int | None = None  # a function's type


def read_import(r: LenientReader) -> ImportInfo:
    module, name = r.name(), r.name()
    code = r.byte()
    if code == 0:
        return ImportInfo(module, name, "func", type_index=r.u32())
    if code == 1:
        elem = r.valtype()
        r.limits()
        return ImportInfo(module, name, "table", elem)
    if code == 2:
        r.limits()
        return ImportInfo(module, name, "memory")
    if code == 3:
        vtype = r.valtype()
        mut = r.byte()
        return ImportInfo(module, name, "global", vtype, bool(mut & 1))
    if code == 4:
        r.byte()
        r.u32()
        return ImportInfo(module, name, "tag")
    raise UnreadableModule(f"unknown import kind {code}")


def read_imports(binary: bytes, all_sections: list[Section]) -> list[ImportInfo]:
    for section in all_sections:
        if section.id == 2:
            r = section.reader(binary)
            return [read_import(r) for _ in range(r.u32())]
    return []


def import_module_names(binary: bytes) -> set[str]:
    """The module names a binary imports from (empty if unreadable)."""
    try:
        return {i.module for i in read_imports(binary, sections(binary))}
    except UNREADABLE:
        return set()


# -- export signatures ----------------------------------------------------------


@dataclass(frozen=True)
class FuncSig:
    params: tuple[str, ...]
    results: tuple[str, ...]
    # What each type index of the module defines ("func", "struct", "array"),
    # to tell which hierarchy a typed reference like "(ref null 3)" is in.
    kinds: tuple[str, ...] = ()


def export_signatures(binary: bytes) -> dict[str, FuncSig] | None:
    """Signatures of the exported functions by export name, or None if the
    module can't be read this way."""
    try:
        return _export_signatures(binary)
    except UNREADABLE:
        return None


def import_signatures(binary: bytes) -> list[tuple[str, str, FuncSig | None]] | None:
    """The module's imports in order: (module, name, signature), the
    signature None for an import that is not a function; None if the module
    can't be read this way."""
    try:
        all_sections = sections(binary)
        types = _types(binary, all_sections)
        imports = read_imports(binary, all_sections)
        out = []
        for i in imports:
            sig = None if i.type_index is None else types[i.type_index]
            out.append((i.module, i.name, sig if isinstance(sig, FuncSig) else None))
        return out
    except UNREADABLE:
        return None


def type_count(binary: bytes, all_sections: list[Section]) -> int:
    """How many types the module defines (recursion groups expanded)."""
    return len(_types(binary, all_sections))


def _types(binary: bytes, all_sections: list[Section]) -> list[FuncSig | str]:
    types: list[FuncSig | str] = []
    for section in all_sections:
        if section.id == 1:
            r = section.reader(binary)
            for _ in range(r.u32()):
                _read_rec(r, types)
    return types


def _export_signatures(binary: bytes) -> dict[str, FuncSig]:
    all_sections = sections(binary)
    types = _types(binary, all_sections)
    funcs = [i.type_index for i in read_imports(binary, all_sections) if i.kind == "func"]
    exports: dict[str, int] = {}
    for section in all_sections:
        r = section.reader(binary)
        if section.id == 3:
            funcs.extend(r.u32() for _ in range(r.u32()))
        elif section.id == 7:
            for _ in range(r.u32()):
                name = r.name()
                kind = r.byte()
                index = r.u32()
                if kind == 0:
                    exports[name] = index
    kinds = tuple("func" if isinstance(t, FuncSig) else t for t in types)
    out = {}
    for name, index in exports.items():
        sig = types[funcs[index]]
        if isinstance(sig, FuncSig):
            out[name] = FuncSig(sig.params, sig.results, kinds)
    return out


def _read_rec(r: LenientReader, types: list[FuncSig | str]) -> None:
    form = r.byte()
    if form == 0x4E:  # rec group
        for _ in range(r.u32()):
            _read_sub(r, r.byte(), types)
    else:
        _read_sub(r, form, types)


def _read_sub(r: LenientReader, form: int, types: list[FuncSig | str]) -> None:
    if form in (0x50, 0x4F):  # sub / sub final
        for _ in range(r.u32()):
            r.u32()
        form = r.byte()
    while form in (0x4D, 0x4C):  # descriptor / describes (custom descriptors)
        r.u32()
        form = r.byte()
    if form == 0x60:
        params = tuple(r.valtype() for _ in range(r.u32()))
        results = tuple(r.valtype() for _ in range(r.u32()))
        types.append(FuncSig(params, results))
    elif form == 0x5F:
        for _ in range(r.u32()):
            _field(r)
        types.append("struct")
    elif form == 0x5E:
        _field(r)
        types.append("array")
    else:
        raise UnreadableModule(f"unknown type form 0x{form:02x}")


def _field(r: LenientReader) -> None:
    if r.peek() in (0x78, 0x77):  # i8 / i16 packed
        r.byte()
    else:
        r.valtype()
    r.byte()  # mutability
