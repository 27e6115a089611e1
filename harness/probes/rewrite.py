"""Rewrite a module so an engine's API can reach its whole state.

``probe_binary`` appends to the export section (creating one, in its place
in the section order, if the module has none) an export of every table,
memory and global in the module's index spaces, imported ones included,
under reserved names: ``PROBE_PREFIX`` plus a kind letter and the index
(``\\0probe:m0`` is memory 0).  Functions are not exported one by one: a
real module has tens of thousands, and wasmtime-py reads an instance's
exports in time quadratic in their count.  One generated accessor,
``FUNC_ACCESSOR`` (``[i32] -> [funcref]``), returns ``ref.func i`` for every
function the module declares (``ModuleShape.refs``: those its segments,
exports and initialisers name, the only ones a table or global of it can
hold) and null for the others, so an engine tells which function a
reference is by comparing it with the accessor's answers.  The accessor is
appended (a type, a function, its code) after everything the module
defines, so indices, the start function and the segments keep their
meaning.  A module whose own export names use the reserved prefix, or whose
binary this reader does not understand, is not rewritten (``None``) and is
simply not probed.

``module_shape`` reads what the probes need to know about a module without
decoding it fully: its imports, the size of each index space, table and
global types, its exports, the functions it declares and whether it has a
start function.
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
    type_count,
)

# No script names an export this way: a NUL, then a word no spec test uses.
PROBE_PREFIX = "\x00probe:"
KINDS = ("func", "table", "memory", "global")
# The kinds exported item by item; functions go through FUNC_ACCESSOR.
EXPORTED_KINDS = ("table", "memory", "global")
FUNC_ACCESSOR = f"{PROBE_PREFIX}ref.func"
_KIND_CODES = {"func": 0, "table": 1, "memory": 2, "global": 3}
_LETTERS = {"func": "f", "table": "t", "memory": "m", "global": "g"}
_LETTER_KINDS = {v: k for k, v in _LETTERS.items()}

_TYPE, _FUNCTION, _EXPORT, _ELEMENT, _CODE = 1, 3, 7, 9, 10
# The accessor's type: [i32] -> [funcref].
_ACCESSOR_TYPE = bytes([0x60, 0x01, 0x7F, 0x01, 0x70])


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
    # The functions the module declares, sorted (None if the reader could
    # not tell): the only ones its tables and globals can hold.
    refs: tuple[int, ...] | None = ()

    @property
    def func_accessor(self) -> bool:
        """Whether the module exports ``FUNC_ACCESSOR`` (it was rewritten with it)."""
        return self.exports.get(FUNC_ACCESSOR, ("",))[0] == "func"

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
    refs: set[int] | None = set()
    has_start = False
    for section in all_sections:
        sid, r = section.id, section.reader(binary)
        if sid == 3:
            defined["func"] = r.u32()
        elif sid == 4:
            n = defined["table"] = r.u32()
            for _ in range(n):
                table_types.append(r.table_type(refs))
        elif sid == 5:
            defined["memory"] = r.u32()
        elif sid == 6:
            n = defined["global"] = r.u32()
            types, known = _read_globals(r, n, refs)
            global_types.extend(types)
            refs = refs if known else None
        elif sid == _ELEMENT and refs is not None:
            refs = _element_refs(section.reader(binary), refs)
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
    for name, (kind, index) in exports.items():
        parsed = parse_probe_name(name)
        if parsed is not None:
            probes[parsed] = name
        elif kind == "func" and refs is not None and not name.startswith(PROBE_PREFIX):
            refs.add(index)
    return ModuleShape(
        imports=tuple(imports),
        counts=counts,
        table_types=tuple(imported_tables + table_types),
        global_types=tuple(imported_globals + global_types),
        exports=exports,
        has_start=has_start,
        probe_exports=probes,
        refs=None if refs is None else tuple(sorted(refs)),
    )


def _read_globals(
    r: LenientReader, n: int, refs: set[int] | None
) -> tuple[list[tuple[str, bool] | None], bool]:
    """The globals' types, and whether all of them could be read."""
    out: list[tuple[str, bool] | None] = []
    try:
        for _ in range(n):
            vtype = r.valtype()
            mut = r.byte()
            r.skip_const_expr(refs)
            out.append((vtype, bool(mut & 1)))
    except UNREADABLE:
        pass  # the types of the rest are unknown; the count is still right
    return out + [None] * (n - len(out)), len(out) == n


def _element_refs(r: LenientReader, refs: set[int]) -> set[int] | None:
    """``refs`` plus the functions the element segments name; None if a
    segment can't be read."""
    try:
        for _ in range(r.u32()):
            flags = r.u32()
            if flags & 1 == 0:  # active
                if flags & 2:
                    r.u32()  # table index
                r.skip_const_expr()
            if flags & 3:  # an element kind or a reference type
                if flags & 4:
                    r.valtype()
                else:
                    r.byte()
            for _ in range(r.u32()):
                if flags & 4:
                    r.skip_const_expr(refs)
                else:
                    refs.add(r.u32())
    except UNREADABLE:
        return None
    return refs


# -- writing ---------------------------------------------------------------------


def _name(s: str) -> bytes:
    data = s.encode("utf-8")
    return uleb(len(data)) + data


def probe_binary(binary: bytes, functions: bool = True) -> tuple[bytes, ModuleShape] | None:
    """The module with every table, memory and global exported under a
    reserved name and (``functions``: the profile has reference types) the
    function accessor, and its shape (``probe_exports`` names them); None if
    the module can't be rewritten.  Cached by content."""
    key = _key(binary) + bytes([functions])
    if key not in _REWRITES:
        if len(_REWRITES) > _CACHE_LIMIT:
            _REWRITES.clear()
        try:
            _REWRITES[key] = _rewrite(binary, functions)
        except UNREADABLE:
            _REWRITES[key] = None
    return _REWRITES[key]


def _rewrite(binary: bytes, functions: bool) -> tuple[bytes, ModuleShape] | None:
    all_sections = sections(binary)
    shape = _read_shape(binary, all_sections)
    if any(name.startswith(PROBE_PREFIX) for name in shape.exports):
        return None  # the module's own names collide with the reserved ones
    added = {
        (kind, i): probe_name(kind, i) for kind in EXPORTED_KINDS for i in range(shape.counts[kind])
    }
    entries = b"".join(
        _name(name) + bytes([_KIND_CODES[kind]]) + uleb(index)
        for (kind, index), name in added.items()
    )
    additions = {_EXPORT: (len(added), entries)}
    if functions and shape.refs:
        type_index = type_count(binary, all_sections)
        additions[_TYPE] = (1, _ACCESSOR_TYPE)
        additions[_FUNCTION] = (1, uleb(type_index))
        additions[_CODE] = (1, _accessor_code(shape.refs))
        export = _name(FUNC_ACCESSOR) + bytes([_KIND_CODES["func"]]) + uleb(shape.counts["func"])
        additions[_EXPORT] = (len(added) + 1, entries + export)
    out = _with_entries(binary, all_sections, additions)
    rewritten = _read_shape(out, sections(out))
    if rewritten.probe_exports != added or rewritten.refs != shape.refs:
        raise UnreadableModule("the rewritten module does not read back")
    _SHAPES.setdefault(_key(out), rewritten)
    return out, rewritten


def _accessor_code(refs: tuple[int, ...]) -> bytes:
    """The body of ``FUNC_ACCESSOR``: one block per declared function and one
    for null, a ``br_table`` from the function index to its block (constant
    time per call, however many functions)."""
    depth = {f: j for j, f in enumerate(refs)}
    n, top = len(refs), refs[-1]
    code = bytearray(b"\x02\x40" * (n + 1))  # block ... (empty block type)
    code += b"\x20\x00\x0e" + uleb(top + 1)  # local.get 0; br_table
    code += b"".join(uleb(depth.get(i, n)) for i in range(top + 1)) + uleb(n)
    for f in refs:
        code += b"\x0b\xd2" + uleb(f) + b"\x0f"  # end; ref.func f; return
    code += b"\x0b\xd0\x70\x0b"  # end; ref.null func; end
    body = b"\x00" + bytes(code)  # no locals
    return uleb(len(body)) + body


def _with_entries(binary: bytes, all_sections: list[Section], additions: dict) -> bytes:
    """``binary`` with entries appended to sections (id -> (count, bytes)); a
    section it lacks is created before the first one that must follow it
    (after the custom sections preceding that one).  Every other byte is
    copied unchanged."""
    present = {s.id for s in all_sections}
    pending = sorted((sid for sid in additions if sid not in present), key=SECTION_ORDER.get)
    out = bytearray(binary[:8])

    def emit(sid: int, count: int, data: bytes) -> None:
        body = uleb(count) + data
        out.extend(bytes([sid]) + uleb(len(body)) + body)

    for s in all_sections:
        while s.id != 0 and pending and SECTION_ORDER[pending[0]] < SECTION_ORDER[s.id]:
            sid = pending.pop(0)
            emit(sid, *additions[sid])
        if s.id in additions:
            r = s.reader(binary)
            count = r.u32()
            n, data = additions[s.id]
            emit(s.id, count + n, binary[s.payload + r.pos : s.end] + data)
        else:
            out.extend(binary[s.start : s.end])
    for sid in pending:
        emit(sid, *additions[sid])
    return bytes(out)
