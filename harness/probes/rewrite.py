"""Rewrite a module to export its whole state, the way Wizer prepares one.

``probe_binary`` appends to the export section (creating one, in its place
in the section order, if the module has none) an export of every function,
table, memory and global in the module's index spaces, imported ones
included, under reserved names: ``PROBE_PREFIX`` plus a kind letter and the
index (``\\0probe:m0`` is memory 0).  Every other byte is copied unchanged,
so indices, the start function and the segments keep their meaning; only
the export list grows.  A module whose own export names use the reserved
prefix, or whose binary this reader does not understand, is not rewritten
(``None``) and is simply not probed.

``module_shape`` reads what the probes need to know about a module without
decoding it fully: its imports, the size of each index space, table and
global types, its exports and whether it has a start function.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from refimpl.binary.encode import uleb

from ..lenient_reader import (
    IMPORT_KINDS,
    SECTION_ORDER,
    UNREADABLE,
    ImportInfo,
    LenientReader,
    Section,
    UnreadableModule,
    read_imports,
    sections,
)

# No script names an export this way: a NUL, then a word no spec test uses.
PROBE_PREFIX = "\x00probe:"
KINDS = ("func", "table", "memory", "global")
_KIND_CODES = {"func": 0, "table": 1, "memory": 2, "global": 3}
_LETTERS = {"func": "f", "table": "t", "memory": "m", "global": "g"}
_LETTER_KINDS = {v: k for k, v in _LETTERS.items()}

_EXPORT = 7


@dataclass(frozen=True)
class ModuleShape:
    imports: tuple[ImportInfo, ...]
    counts: dict[str, int]  # index space sizes by kind, imports included
    table_types: tuple[str, ...]  # element type of each table
    # (value type, mutable) of each global; None if the reader could not tell
    global_types: tuple[tuple[str, bool] | None, ...]
    exports: dict[str, tuple[str, int]]  # name -> (kind, index)
    has_start: bool
    probe_exports: dict[tuple[str, int], str] = field(default_factory=dict)

    def export_index(self, name: str, kind: str) -> int | None:
        item = self.exports.get(name)
        return item[1] if item is not None and item[0] == kind else None

    def imported(self, kind: str) -> list[ImportInfo]:
        return [i for i in self.imports if i.kind == kind]


def probe_name(kind: str, index: int) -> str:
    return f"{PROBE_PREFIX}{_LETTERS[kind]}{index}"


def parse_probe_name(name: str) -> tuple[str, int] | None:
    """(kind, index) of a reserved export name, or None."""
    if not name.startswith(PROBE_PREFIX):
        return None
    rest = name[len(PROBE_PREFIX) :]
    kind = _LETTER_KINDS.get(rest[:1])
    if kind is None or not rest[1:].isdigit():
        return None
    return kind, int(rest[1:])


# -- reading ---------------------------------------------------------------------


_SHAPES: dict[bytes, ModuleShape | None] = {}
_REWRITES: dict[bytes, tuple[bytes, ModuleShape] | None] = {}
_CACHE_LIMIT = 4096


def _key(binary: bytes) -> bytes:
    return hashlib.blake2b(binary, digest_size=16).digest()


def module_shape(binary: bytes) -> ModuleShape | None:
    """What the probes need to know about a module, or None if unreadable."""
    key = _key(binary)
    if key not in _SHAPES:
        if len(_SHAPES) > _CACHE_LIMIT:
            _SHAPES.clear()
        try:
            _SHAPES[key] = _read_shape(binary, sections(binary))
        except UNREADABLE:
            _SHAPES[key] = None
    return _SHAPES[key]


def _read_shape(binary: bytes, all_sections: list[Section]) -> ModuleShape:
    imports = read_imports(binary, all_sections)
    defined = dict.fromkeys(KINDS, 0)
    table_types: list[str] = []
    global_types: list[tuple[str, bool] | None] = []
    exports: dict[str, tuple[str, int]] = {}
    has_start = False
    for section in all_sections:
        sid, r = section.id, section.reader(binary)
        if sid == 3:
            defined["func"] = r.u32()
        elif sid == 4:
            n = defined["table"] = r.u32()
            for _ in range(n):
                table_types.append(r.table_type())
        elif sid == 5:
            defined["memory"] = r.u32()
        elif sid == 6:
            n = defined["global"] = r.u32()
            global_types.extend(_read_globals(r, n))
        elif sid == 7:
            for _ in range(r.u32()):
                name = r.name()
                kind = IMPORT_KINDS.get(r.byte(), "?")
                exports[name] = (kind, r.u32())
        elif sid == 8:
            has_start = True
    counts = {k: sum(1 for i in imports if i.kind == k) + defined[k] for k in KINDS}
    imported_tables = [i.type or "?" for i in imports if i.kind == "table"]
    imported_globals = [(i.type or "?", i.mutable) for i in imports if i.kind == "global"]
    probes = {}
    for name in exports:
        parsed = parse_probe_name(name)
        if parsed is not None:
            probes[parsed] = name
    return ModuleShape(
        imports=tuple(imports),
        counts=counts,
        table_types=tuple(imported_tables + table_types),
        global_types=tuple(imported_globals + global_types),
        exports=exports,
        has_start=has_start,
        probe_exports=probes,
    )


def _read_globals(r: LenientReader, n: int) -> list[tuple[str, bool] | None]:
    out: list[tuple[str, bool] | None] = []
    try:
        for _ in range(n):
            vtype = r.valtype()
            mut = r.byte()
            r.skip_const_expr()
            out.append((vtype, bool(mut & 1)))
    except UNREADABLE:
        pass  # the types of the rest are unknown; the count is still right
    return out + [None] * (n - len(out))


# -- writing ---------------------------------------------------------------------


def _name(s: str) -> bytes:
    data = s.encode("utf-8")
    return uleb(len(data)) + data


def probe_binary(binary: bytes) -> tuple[bytes, ModuleShape] | None:
    """The module with every function, table, memory and global exported
    under a reserved name, and its shape (``probe_exports`` names them);
    None if the module can't be rewritten.  Cached by content."""
    key = _key(binary)
    if key not in _REWRITES:
        if len(_REWRITES) > _CACHE_LIMIT:
            _REWRITES.clear()
        try:
            _REWRITES[key] = _rewrite(binary)
        except UNREADABLE:
            _REWRITES[key] = None
    return _REWRITES[key]


def _rewrite(binary: bytes) -> tuple[bytes, ModuleShape] | None:
    all_sections = sections(binary)
    shape = _read_shape(binary, all_sections)
    if any(name.startswith(PROBE_PREFIX) for name in shape.exports):
        return None  # the module's own names collide with the reserved ones
    added = {(kind, i): probe_name(kind, i) for kind in KINDS for i in range(shape.counts[kind])}
    entries = b"".join(
        _name(name) + bytes([_KIND_CODES[kind]]) + uleb(index)
        for (kind, index), name in added.items()
    )
    existing = [s for s in all_sections if s.id == _EXPORT]
    if existing:
        section = existing[0]
        r = section.reader(binary)
        count = r.u32()
        body = uleb(count + len(added)) + binary[section.payload + r.pos : section.end] + entries
        out = binary[: section.start] + bytes([_EXPORT]) + uleb(len(body)) + body
        out += binary[section.end :]
    else:
        body = uleb(len(added)) + entries
        section = bytes([_EXPORT]) + uleb(len(body)) + body
        # Before the first section that must follow the export section.
        later = [
            s for s in all_sections if s.id != 0 and SECTION_ORDER[s.id] > SECTION_ORDER[_EXPORT]
        ]
        at = later[0].start if later else len(binary)
        out = binary[:at] + section + binary[at:]
    rewritten = _read_shape(out, sections(out))
    if rewritten.probe_exports != added:
        raise UnreadableModule("the rewritten module does not read back")
    _SHAPES.setdefault(_key(out), rewritten)
    return out, rewritten
