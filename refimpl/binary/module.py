"""Decoding modules (spec 5.5): sections, their order and sizes.

Section order follows the spec interpreter: sections are tried in the
prescribed order, so a section that comes too late (or twice) is simply
not consumed and ends up as "unexpected content after last section".  The
cross-section checks (function vs. code, data count vs. data) come after
the whole input has been read, as in the interpreter.
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedModule, UnsupportedFeature
from ..features import Features
from ..gcpause import paused_collection
from ..syntax.module import (
    DECLARATIVE,
    PASSIVE,
    Active,
    Custom,
    Data,
    Elem,
    Export,
    Expr,
    Func,
    FuncImport,
    Global,
    Import,
    ImportDesc,
    Memory,
    Module,
    Passive,
    SegmentMode,
    Table,
    Tag,
)
from ..syntax.opcodes import Op
from ..syntax.types import FUNCREF, ExternKind, RecType, RefType, ValType
from .instructions import END_INSTR, InstrDecoder
from .reader import Reader
from .types import (
    FUNC_INDEX_TYPE,
    global_type,
    mem_type,
    rec_type,
    ref_type,
    table_type,
    tag_type,
    val_type,
)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

CUSTOM, TYPE, IMPORT, FUNC, TABLE, MEMORY, GLOBAL, EXPORT = range(8)
START, ELEM, CODE, DATA, DATA_COUNT, TAG = range(8, 14)

# Where each section may appear (spec 5.5.2): data count sits between the
# element and code sections, the tag section between memory and global.
_ORDER = {
    TYPE: 1,
    IMPORT: 2,
    FUNC: 3,
    TABLE: 4,
    MEMORY: 5,
    TAG: 6,
    GLOBAL: 7,
    EXPORT: 8,
    START: 9,
    ELEM: 10,
    DATA_COUNT: 11,
    CODE: 12,
    DATA: 13,
}

_READERS = {
    TYPE: "type_section",
    IMPORT: "import_section",
    FUNC: "func_section",
    TABLE: "table_section",
    MEMORY: "memory_section",
    TAG: "tag_section",
    GLOBAL: "global_section",
    EXPORT: "export_section",
    START: "start_section",
    ELEM: "elem_section",
    DATA_COUNT: "data_count_section",
    CODE: "code_section",
    DATA: "data_section",
}

# Locals are expanded into a tuple per function; more than this many is a
# limit of this implementation rather than an error in the module.
MAX_LOCALS = 50_000


_EXACT_FUNC = 0x20  # custom descriptors: an exact function import


def decode_module(data: bytes, features: Features) -> Module:
    """Decode a binary module (spec 5.5.16); raise MalformedModule with the
    spec interpreter's message if it is not well-formed.  The cyclic
    collector is paused meanwhile (``gcpause``: a third of the time)."""
    with paused_collection():
        return _ModuleDecoder(bytes(data), features).module()


class _ModuleDecoder:
    def __init__(self, data: bytes, f: Features):
        self.legacy = not (f.bulk_memory or f.reference_types)
        self.r = Reader(data, legacy_lengths=self.legacy)
        self.f = f
        self.instrs = InstrDecoder(self.r, f)
        self.code_uses_data = False

    # -- sections ----------------------------------------------------------

    def module(self) -> Module:
        r, f = self.r, self.f
        if r.size < 4:
            raise r.eof()
        if r.data[:4] != MAGIC:
            raise MalformedModule("magic header not detected", 0)
        if r.size < 8:
            raise r.eof()
        if r.data[4:8] != VERSION:
            raise MalformedModule("unknown binary version", 4)
        r.pos = 8
        contents: dict[int, Any] = {}  # section id -> what it holds
        customs: list[Custom] = []
        order = last_id = 0
        while not r.at_end():
            pos = r.pos
            sid = r.data[pos]
            known = _ORDER.get(sid)
            if sid != CUSTOM and (
                known is None
                or (sid == DATA_COUNT and not f.bulk_memory)
                or (sid == TAG and not f.exceptions)
            ):
                raise MalformedModule("malformed section id", pos)
            if sid != CUSTOM and known <= order:
                break  # out of order: left over for the final check
            r.pos += 1
            size = r.length()
            start = r.pos
            if sid == CUSTOM:
                customs.append(self.custom(size, last_id))
            else:
                order, last_id = known, sid
                contents[sid] = getattr(self, _READERS[sid])()
            if r.pos != start + size:
                raise MalformedModule("section size mismatch", start)
        if not r.at_end():
            message = "junk after" if self.legacy else "unexpected content after"
            raise MalformedModule(f"{message} last section", r.size)
        func_types: list[int] = contents.get(FUNC, [])
        codes: list = contents.get(CODE, [])
        if len(func_types) != len(codes):
            raise MalformedModule("function and code section have inconsistent lengths", r.size)
        datas: list[Data] = contents.get(DATA, [])
        data_count: int | None = contents.get(DATA_COUNT)
        if data_count is not None and data_count != len(datas):
            raise MalformedModule("data count and data section have inconsistent lengths", r.size)
        if data_count is None and self.code_uses_data:
            raise MalformedModule("data count section required", r.size)
        groups: list[RecType] = contents.get(TYPE, [])
        return Module(
            types=tuple(sub for group in groups for sub in group.subtypes),
            rec_groups=tuple(groups),
            imports=tuple(contents.get(IMPORT, ())),
            funcs=tuple(
                Func(x, locals_, body) for x, (locals_, body) in zip(func_types, codes, strict=True)
            ),
            tables=tuple(contents.get(TABLE, ())),
            mems=tuple(contents.get(MEMORY, ())),
            tags=tuple(contents.get(TAG, ())),
            globals=tuple(contents.get(GLOBAL, ())),
            elems=tuple(contents.get(ELEM, ())),
            datas=tuple(datas),
            start=contents.get(START),
            exports=tuple(contents.get(EXPORT, ())),
            customs=tuple(customs),
            data_count=data_count,
        )

    # One reader per section (spec 5.5.4 - 5.5.15), named in _READERS.

    def type_section(self) -> list[RecType]:
        return self.vec(lambda: rec_type(self.r, self.f))

    def import_section(self) -> list[Import]:
        return self.vec(self.import_)

    def func_section(self) -> list[int]:
        return self.vec(self.r.u32)

    def table_section(self) -> list[Table]:
        return self.vec(self.table)

    def memory_section(self) -> list[Memory]:
        return self.vec(lambda: Memory(mem_type(self.r, self.f)))

    def tag_section(self) -> list[Tag]:
        return self.vec(lambda: Tag(tag_type(self.r, self.f)))

    def global_section(self) -> list[Global]:
        return self.vec(self.global_)

    def export_section(self) -> list[Export]:
        return self.vec(self.export)

    def start_section(self) -> int:
        return self.r.u32()

    def elem_section(self) -> list[Elem]:
        return self.vec(self.elem)

    def data_count_section(self) -> int:
        return self.r.u32()

    def code_section(self) -> list[tuple[tuple[ValType, ...], Expr]]:
        self.instrs.uses_data = False  # only bodies need the data count
        codes = self.vec(self.code)
        self.code_uses_data = self.instrs.uses_data
        return codes

    def data_section(self) -> list[Data]:
        return self.vec(self.data)

    def vec(self, read) -> list:
        return [read() for _ in range(self.r.length())]

    def custom(self, size: int, after: int) -> Custom:
        """Spec 5.5.3: a name, then uninterpreted bytes up to the size."""
        r = self.r
        start = r.pos
        name = r.name()
        payload = r.bytes(size - (r.pos - start))
        return Custom(name, payload, after)

    # -- entries -----------------------------------------------------------

    def import_(self) -> Import:
        r, f = self.r, self.f
        module = r.name()
        name = r.name()
        pos = r.pos
        kind = r.byte()
        desc: ImportDesc
        if kind == ExternKind.FUNC:
            desc = FuncImport(r.u32())
        elif kind == _EXACT_FUNC and f.custom_descriptors:
            desc = FuncImport(r.u32(), exact=True)
        elif kind == ExternKind.TABLE:
            desc = table_type(r, f)
        elif kind == ExternKind.MEMORY:
            desc = mem_type(r, f)
        elif kind == ExternKind.GLOBAL:
            desc = global_type(r, f)
        elif kind == ExternKind.TAG and f.exceptions:
            desc = tag_type(r, f)
        else:
            raise MalformedModule("malformed import kind", pos)
        return Import(module, name, desc)

    def table(self) -> Table:
        """Spec 5.5.7; typed function references allow an initialiser."""
        r, f = self.r, self.f
        if f.function_references and r.peek() == 0x40:
            r.pos += 1
            r.expect(0x00, "malformed table")
            ttype = table_type(r, f)
            return Table(ttype, self.instrs.expr())
        return Table(table_type(r, f))

    def global_(self) -> Global:
        gtype = global_type(self.r, self.f)
        return Global(gtype, self.instrs.offset())

    def export(self) -> Export:
        r = self.r
        name = r.name()
        pos = r.pos
        kind = r.byte()
        if kind > (ExternKind.TAG if self.f.exceptions else ExternKind.GLOBAL):
            raise MalformedModule("malformed export kind", pos)
        return Export(name, ExternKind(kind), r.u32())

    def code(self) -> tuple[tuple[ValType, ...], Expr]:
        """Spec 5.5.13: a sized entry of locals and a body."""
        r, f = self.r, self.f
        size = r.length()
        start = r.pos
        groups = [(r.u32(), val_type(r, f)) for _ in range(r.length())]
        total = sum(n for n, _ in groups)
        if total >= 1 << 32:
            raise MalformedModule("too many locals", start)
        if total > MAX_LOCALS:
            raise UnsupportedFeature(f"{total} locals in a function (limit {MAX_LOCALS})")
        locals_: list[ValType] = []
        for n, t in groups:
            locals_ += [t] * n
        body = self.instrs.expr()
        if r.pos != start + size:
            raise MalformedModule("section size mismatch", start)
        return tuple(locals_), body

    # -- segments (spec 5.5.12, 5.5.14) -------------------------------------

    def elem(self) -> Elem:
        r, f = self.r, self.f
        if not (f.bulk_memory or f.reference_types):
            table = r.u32()
            offset = self.instrs.offset()
            return Elem(FUNCREF, self.func_indices(), Active(table, offset))
        pos = r.pos
        flags = r.u32()
        if flags > 7:
            raise MalformedModule("malformed elements segment kind", pos)
        mode: SegmentMode
        if flags & 1:
            mode = DECLARATIVE if flags & 2 else PASSIVE
        else:
            table = r.u32() if flags & 2 else 0
            mode = Active(table, self.instrs.offset())
        exprs = flags & 4
        # Function indices are non-null references since typed references.
        etype: RefType = FUNC_INDEX_TYPE if f.function_references and not exprs else FUNCREF
        if flags & 3:  # explicit element kind or type
            if exprs:
                etype = ref_type(r, f)
            else:
                kpos = r.pos
                if r.byte() != 0x00:
                    raise MalformedModule("malformed element kind", kpos)
        init = self.vec(self.instrs.expr) if exprs else self.func_indices()
        return Elem(etype, tuple(init), mode)

    def func_indices(self) -> tuple[Expr, ...]:
        """``vec(funcidx)``, as the constant expressions it abbreviates."""
        r = self.r
        ref_func = Op.REF_FUNC
        return tuple(((ref_func, r.u32()), END_INSTR) for _ in range(r.length()))

    def data(self) -> Data:
        r, f = self.r, self.f
        if not (f.bulk_memory or f.reference_types):
            memory = r.u32()
            offset = self.instrs.offset()
            return Data(r.bytes(r.length()), Active(memory, offset))
        pos = r.pos
        if pos < r.size and r.data[pos] == 0:
            # Active in memory 0, nearly every segment of real modules (Go
            # modules have tens of thousands): no further flag decoding.
            r.pos = pos + 1
            mode = Active(0, self.instrs.offset())
            return Data(r.bytes(r.length()), mode)
        flags = r.u32()
        if flags > 2:
            raise MalformedModule("malformed data segment kind", pos)
        mode: Passive | Active
        if flags == 1:
            mode = PASSIVE
        else:
            memory = r.u32() if flags == 2 else 0
            mode = Active(memory, self.instrs.offset())
        return Data(r.bytes(r.length()), mode)
