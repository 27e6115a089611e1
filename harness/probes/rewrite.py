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

from ..engines.wasm_interface import _Reader

# No script names an export this way: a NUL, then a word no spec test uses.
PROBE_PREFIX = "\x00probe:"
KINDS = ("func", "table", "memory", "global")
_KIND_CODES = {"func": 0, "table": 1, "memory": 2, "global": 3}
_CODE_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_LETTERS = {"func": "f", "table": "t", "memory": "m", "global": "g"}
_LETTER_KINDS = {v: k for k, v in _LETTERS.items()}

_EXPORT = 7
# Where each known section goes (spec 5.5.2); the tag section (13) sits
# between memory and global, data count (12) between element and code.
_ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}


class UnreadableModule(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ImportInfo:
    module: str
    name: str
    kind: str  # func, table, memory, global or tag
    type: str | None = None  # a table's element type or a global's value type
    mutable: bool = False


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


def read_sections(binary: bytes) -> list[tuple[int, int, int, int]]:
    if binary[:4] != b"\x00asm" or binary[4:8] != b"\x01\x00\x00\x00":
        raise UnreadableModule("not a core module binary")
    r = _Reader(binary, 8)
    out = []
    while r.pos < r.end:
        start = r.pos
        sid = r.byte()
        size = r.uleb()
        payload = r.pos
        if payload + size > r.end:
            raise UnreadableModule("section runs past the end")
        r.pos = payload + size
        if sid != 0 and sid not in _ORDER:
            raise UnreadableModule(f"unknown section {sid}")
        out.append((sid, start, payload, payload + size))
    return out


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
            _SHAPES[key] = _read_shape(binary, read_sections(binary))
        except (UnreadableModule, ValueError, IndexError, UnicodeDecodeError):
            _SHAPES[key] = None
    return _SHAPES[key]


def _read_shape(binary: bytes, sections) -> ModuleShape:
    imports: list[ImportInfo] = []
    defined = dict.fromkeys(KINDS, 0)
    table_types: list[str] = []
    global_types: list[tuple[str, bool] | None] = []
    exports: dict[str, tuple[str, int]] = {}
    has_start = False
    for sid, _, start, end in sections:
        r = _Reader(binary, start, end)
        if sid == 2:
            for _ in range(r.uleb()):
                imports.append(_read_import(r))
        elif sid == 3:
            defined["func"] = r.uleb()
        elif sid == 4:
            n = defined["table"] = r.uleb()
            for _ in range(n):
                table_types.append(_read_table(r))
        elif sid == 5:
            defined["memory"] = r.uleb()
        elif sid == 6:
            n = defined["global"] = r.uleb()
            global_types.extend(_read_globals(r, n))
        elif sid == 7:
            for _ in range(r.uleb()):
                name = r.name()
                kind = _CODE_KINDS.get(r.byte(), "?")
                exports[name] = (kind, r.uleb())
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


def _read_import(r: _Reader) -> ImportInfo:
    module, name = r.name(), r.name()
    code = r.byte()
    if code == 0:
        r.uleb()
        return ImportInfo(module, name, "func")
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
        r.uleb()
        return ImportInfo(module, name, "tag")
    raise UnreadableModule(f"unknown import kind {code}")


def _read_table(r: _Reader) -> str:
    if r.data[r.pos] == 0x40:  # Wasm 3.0: a table with an initialiser
        r.byte()
        r.byte()
        elem = r.valtype()
        r.limits()
        _skip_const_expr(r)
        return elem
    elem = r.valtype()
    r.limits()
    return elem


def _read_globals(r: _Reader, n: int) -> list[tuple[str, bool] | None]:
    out: list[tuple[str, bool] | None] = []
    try:
        for _ in range(n):
            vtype = r.valtype()
            mut = r.byte()
            _skip_const_expr(r)
            out.append((vtype, bool(mut & 1)))
    except (UnreadableModule, ValueError, IndexError):
        pass  # the types of the rest are unknown; the count is still right
    return out + [None] * (n - len(out))


def _skip_const_expr(r: _Reader) -> None:
    """Skip a constant expression up to and including its ``end``."""
    while True:
        op = r.byte()
        if op == 0x0B:
            return
        if op in (0x41, 0x42):
            r.sleb()
        elif op == 0x43:
            r.pos += 4
        elif op == 0x44:
            r.pos += 8
        elif op in (0x23, 0xD2):
            r.uleb()
        elif op == 0xD0:
            if r.data[r.pos] in (0x70, 0x6F, 0x6E, 0x6D, 0x6C, 0x6B, 0x6A, 0x69, 0x71, 0x73, 0x72):
                r.byte()
            else:
                r.sleb()
        elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
            pass  # extended constants: add, sub, mul
        elif op == 0xFD:
            if r.uleb() != 12:
                raise UnreadableModule("unknown vector constant")
            r.pos += 16
        elif op == 0xFB:
            sub = r.uleb()
            if sub in (0, 1, 6, 7):
                r.uleb()
            elif sub == 8:
                r.uleb()
                r.uleb()
            elif sub not in (0x1A, 0x1B, 0x1C):
                raise UnreadableModule(f"unknown GC constant 0xfb {sub}")
        else:
            raise UnreadableModule(f"unknown constant instruction 0x{op:02x}")
        if r.pos > r.end:
            raise UnreadableModule("constant expression runs past its section")


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
        except (UnreadableModule, ValueError, IndexError, UnicodeDecodeError):
            _REWRITES[key] = None
    return _REWRITES[key]


def _rewrite(binary: bytes) -> tuple[bytes, ModuleShape] | None:
    sections = read_sections(binary)
    shape = _read_shape(binary, sections)
    if any(name.startswith(PROBE_PREFIX) for name in shape.exports):
        return None  # the module's own names collide with the reserved ones
    added = {(kind, i): probe_name(kind, i) for kind in KINDS for i in range(shape.counts[kind])}
    entries = b"".join(
        _name(name) + bytes([_KIND_CODES[kind]]) + uleb(index)
        for (kind, index), name in added.items()
    )
    existing = [s for s in sections if s[0] == _EXPORT]
    if existing:
        _, head, start, end = existing[0]
        r = _Reader(binary, start, end)
        count = r.uleb()
        body = uleb(count + len(added)) + binary[r.pos : end] + entries
        out = binary[:head] + bytes([_EXPORT]) + uleb(len(body)) + body + binary[end:]
    else:
        body = uleb(len(added)) + entries
        section = bytes([_EXPORT]) + uleb(len(body)) + body
        # Before the first section that must follow the export section.
        later = [s for s in sections if s[0] != 0 and _ORDER[s[0]] > _ORDER[_EXPORT]]
        at = later[0][1] if later else len(binary)
        out = binary[:at] + section + binary[at:]
    rewritten = _read_shape(out, read_sections(out))
    if rewritten.probe_exports != added:
        raise UnreadableModule("the rewritten module does not read back")
    _SHAPES.setdefault(_key(out), rewritten)
    return out, rewritten
