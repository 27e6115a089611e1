"""Encoding modules (spec 5): ``encode_module(module) -> bytes``, the
inverse of ``decode_module``.

Everything a decoded ``Module`` holds is written back: every section
(empty ones only where a custom section was recorded after them), custom
sections at their recorded positions, and every instruction from the opcode
table's immediate kinds, the inverse of ``binary.instructions``.  LEB128
numbers take their shortest form, so the bytes may differ from the input's,
but ``decode(encode(decode(b))) == decode(b)``.

Segment encodings depend on the generation: with ``features`` of a profile
without bulk memory and reference types (Wasm 1.0) segments are written in
the original form (a table or memory index, an offset, the contents);
otherwise in the flag forms of Wasm 2.0, choosing the shortest form that
decodes to the same segment (function indices where every element is a
``ref.func``).
"""

from __future__ import annotations

import struct

from ..features import Features
from ..syntax.module import (
    Active,
    Custom,
    Data,
    Declarative,
    Elem,
    Export,
    Expr,
    Func,
    FuncImport,
    Global,
    Import,
    Module,
    Passive,
    Table,
)
from ..syntax.opcodes import FB, FC, FD, FE, OPS, Catch, Instr, MemArg, Op
from ..syntax.types import (
    F32,
    F64,
    FUNCREF,
    I32,
    I64,
    V128,
    AbsHeapType,
    AddrType,
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RecType,
    RefType,
    StructType,
    SubType,
    TableType,
    TagType,
    ValType,
)
from .module import (
    CODE,
    CUSTOM,
    DATA,
    DATA_COUNT,
    ELEM,
    EXPORT,
    FUNC,
    GLOBAL,
    IMPORT,
    MAGIC,
    MEMORY,
    START,
    TABLE,
    TAG,
    TYPE,
    VERSION,
)
from .types import FUNC_INDEX_TYPE


class EncodeError(ValueError):
    """The module holds something that has no binary encoding here."""


# -- values (spec 5.2) ----------------------------------------------------------


def uleb(n: int) -> bytes:
    """Unsigned LEB128, shortest form."""
    if n < 0:
        raise EncodeError(f"negative unsigned number {n}")
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n: int) -> bytes:
    """Signed LEB128, shortest form."""
    if -0x40 <= n < 0x40:
        return bytes((n & 0x7F,))
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return uleb(len(raw)) + raw


def vec(items: list[bytes] | tuple[bytes, ...]) -> bytes:
    return uleb(len(items)) + b"".join(items)


# -- types (spec 5.3) -----------------------------------------------------------

_NUM = {I32: 0x7F, I64: 0x7E, F32: 0x7D, F64: 0x7C, V128: 0x7B}

# Abstract heap types by their one-byte code (the s33 code as a byte).
_HEAP_CODES = {
    AbsHeapType.FUNC: 0x70,
    AbsHeapType.EXTERN: 0x6F,
    AbsHeapType.ANY: 0x6E,
    AbsHeapType.EQ: 0x6D,
    AbsHeapType.I31: 0x6C,
    AbsHeapType.STRUCT: 0x6B,
    AbsHeapType.ARRAY: 0x6A,
    AbsHeapType.EXN: 0x69,
    AbsHeapType.NOFUNC: 0x73,
    AbsHeapType.NOEXTERN: 0x72,
    AbsHeapType.NONE: 0x71,
    AbsHeapType.NOEXN: 0x74,
}


def heap_type(h: AbsHeapType | int) -> bytes:
    if isinstance(h, AbsHeapType):
        return bytes((_HEAP_CODES[h],))
    return sleb(h)


def target_heap(t: RefType) -> bytes:
    """A cast target's heap type, ``0x62 x`` when exact (custom descriptors)."""
    return (b"\x62" if t.exact else b"") + heap_type(t.heap)


def ref_type(t: RefType) -> bytes:
    if t.nullable and isinstance(t.heap, AbsHeapType):
        return bytes((_HEAP_CODES[t.heap],))  # the shorthands funcref, externref, ...
    return (b"\x63" if t.nullable else b"\x64") + target_heap(t)


def val_type(t: ValType) -> bytes:
    code = _NUM.get(t)  # type: ignore[call-overload]
    if code is not None:
        return bytes((code,))
    if isinstance(t, RefType):
        return ref_type(t)
    raise EncodeError(f"no encoding for value type {t!r}")


def result_type(ts: tuple[ValType, ...]) -> bytes:
    return vec([val_type(t) for t in ts])


_PACKED = {"i8": b"\x78", "i16": b"\x77"}


def field_type(ft: FieldType) -> bytes:
    packed = _PACKED.get(ft.storage) if isinstance(ft.storage, str) else None
    storage = packed if packed is not None else val_type(ft.storage)  # type: ignore[arg-type]
    return storage + (b"\x01" if ft.mutable else b"\x00")


def comp_type(ct: CompType) -> bytes:
    if isinstance(ct, FuncType):
        return b"\x60" + result_type(ct.params) + result_type(ct.results)
    if isinstance(ct, StructType):
        return b"\x5f" + vec([field_type(f) for f in ct.fields])
    if isinstance(ct, ArrayType):
        return b"\x5e" + field_type(ct.element)
    raise EncodeError(f"no encoding for type {ct!r}")


def sub_type(st: SubType) -> bytes:
    """A final type without supertypes is its bare comp type."""
    if st.final and not st.supertypes:
        return comp_type(st.comp)
    head = b"\x4f" if st.final else b"\x50"
    return head + vec([uleb(x) for x in st.supertypes]) + comp_type(st.comp)


def rec_type(group: RecType) -> bytes:
    """A group of one type is written without ``rec``, as it decodes."""
    if len(group.subtypes) == 1:
        return sub_type(group.subtypes[0])
    return b"\x4e" + vec([sub_type(st) for st in group.subtypes])


def limits(lim: Limits, page_size_log2: int | None = None) -> bytes:
    flags = (lim.max is not None) | (lim.shared << 1) | ((lim.address is AddrType.I64) << 2)
    flags |= (page_size_log2 is not None) << 3  # custom page sizes: the exponent follows
    out = bytes((flags,)) + uleb(lim.min)
    if lim.max is not None:
        out += uleb(lim.max)
    return out if page_size_log2 is None else out + uleb(page_size_log2)


def table_type(t: TableType) -> bytes:
    return ref_type(t.elem) + limits(t.limits)


def mem_type(t: MemType) -> bytes:
    return limits(t.limits, t.page_size_log2)


def global_type(t: GlobalType) -> bytes:
    return val_type(t.type) + (b"\x01" if t.mutable else b"\x00")


# -- instructions (spec 5.4) ----------------------------------------------------


def _blocktype(imm) -> bytes:
    if imm is None:
        return b"\x40"
    if isinstance(imm, int):
        return sleb(imm)  # a type index: a positive s33
    return val_type(imm)


def _memarg(arg: MemArg) -> bytes:
    if arg.memory:
        return uleb(arg.align | 0x40) + uleb(arg.memory) + uleb(arg.offset)
    return uleb(arg.align) + uleb(arg.offset)


def _labels(imm) -> bytes:
    depths, default = imm
    return vec([uleb(d) for d in depths]) + uleb(default)


def _pair(imm) -> bytes:
    a, b = imm
    return uleb(a) + uleb(b)


def _catch(c: Catch) -> bytes:
    tag = b"" if c.tag is None else uleb(c.tag)
    return bytes((int(c.kind),)) + tag + uleb(c.label)


def _try_table(imm) -> bytes:
    bt, catches = imm
    return _blocktype(bt) + vec([_catch(c) for c in catches])


def _cast(imm) -> bytes:
    label, rt1, rt2 = imm
    flags = rt1.nullable | rt2.nullable << 1
    return bytes((flags,)) + uleb(label) + target_heap(rt1) + target_heap(rt2)


IMMEDIATES = {
    "-": lambda imm: b"",
    "blocktype": _blocktype,
    "label": uleb,
    "labels": _labels,
    "func": uleb,
    "local": uleb,
    "global": uleb,
    "table": uleb,
    "elem": uleb,
    "data": uleb,
    "tag": uleb,
    "type": uleb,
    "mem": uleb,
    "type_table": _pair,
    "memarg": _memarg,
    "memarg_lane": lambda imm: _memarg(imm[0]) + bytes((imm[1],)),
    "atomic": _memarg,
    "zero": lambda imm: b"\x00",
    "data_mem": _pair,
    "elem_table": _pair,
    "mem_mem": _pair,
    "table_table": _pair,
    "i32": lambda imm: sleb(_signed(imm, 32)),
    "i64": lambda imm: sleb(_signed(imm, 64)),
    "f32": lambda imm: struct.pack("<I", imm),
    "f64": lambda imm: struct.pack("<Q", imm),
    "v128": lambda imm: imm.to_bytes(16, "little"),
    "shuffle": bytes,
    "lane": lambda imm: bytes((imm,)),
    "heaptype": heap_type,
    "valtypes": result_type,
    "try_table": _try_table,
    "reftype": target_heap,  # the opcode holds the nullability
    "cast": _cast,
    "type_field": _pair,
    "type_n": _pair,
    "type_data": _pair,
    "type_elem": _pair,
    "type_type": _pair,
}

_PREFIXES = {FC, FD, FB, FE}


def _opcode_bytes(code: int) -> bytes:
    if code < 0x100:
        return bytes((code,))
    prefix, sub = code >> 12, code & 0xFFF
    if prefix not in _PREFIXES:
        raise EncodeError(f"unknown opcode {code:#x}")
    return bytes((prefix,)) + uleb(sub)


# Per opcode: its bytes and the encoder of its immediates.
_ENCODERS = {code: (_opcode_bytes(code), IMMEDIATES[info.immediates]) for code, info in OPS.items()}
# Instructions without immediates, shared Instr objects included, by value.
_PLAIN: dict[Instr, bytes] = {
    (code, None): enc[0] for code, enc in _ENCODERS.items() if OPS[code].immediates == "-"
}
_PLAIN[(Op.BLOCK, None)] = b"\x02\x40"
_PLAIN[(Op.LOOP, None)] = b"\x03\x40"
_PLAIN[(Op.IF, None)] = b"\x04\x40"
# Those with one integer immediate (consts, indices), as they are met: code
# repeats them.  Bounded; an Instr's bytes depend on nothing else.
_SEEN: dict[Instr, bytes] = dict(_PLAIN)
_SEEN_MAX = len(_PLAIN) + 100_000


def instr(ins: Instr) -> bytes:
    plain = _PLAIN.get(ins)
    if plain is not None:
        return plain
    try:
        head, imm = _ENCODERS[ins[0]]
    except KeyError:
        raise EncodeError(f"unknown opcode {ins[0]:#x}") from None
    return head + imm(ins[1])


def expr(instrs: Expr) -> bytes:
    """A sequence of instructions, its final ``end`` included."""
    out = bytearray()
    seen = _SEEN
    encoders = _ENCODERS
    for ins in instrs:
        b = seen.get(ins)
        if b is None:
            try:
                head, imm = encoders[ins[0]]
            except KeyError:
                raise EncodeError(f"unknown opcode {ins[0]:#x}") from None
            arg = ins[1]
            b = head + imm(arg)
            if type(arg) is int and len(seen) < _SEEN_MAX:
                seen[ins] = b
        out += b
    return bytes(out)


# -- module (spec 5.5) ----------------------------------------------------------


def _section(sid: int, payload: bytes) -> bytes:
    return bytes((sid,)) + uleb(len(payload)) + payload


def _import(imp: Import) -> bytes:
    desc = imp.desc
    head = name(imp.module) + name(imp.name)
    if isinstance(desc, FuncImport):
        return head + (b"\x20" if desc.exact else b"\x00") + uleb(desc.type_index)
    if isinstance(desc, TableType):
        return head + b"\x01" + table_type(desc)
    if isinstance(desc, MemType):
        return head + b"\x02" + mem_type(desc)
    if isinstance(desc, GlobalType):
        return head + b"\x03" + global_type(desc)
    if isinstance(desc, TagType):
        return head + b"\x04\x00" + uleb(desc.type_index)
    raise EncodeError(f"no encoding for import {imp!r}")


def _table(t: Table) -> bytes:
    if t.init is None:
        return table_type(t.type)
    return b"\x40\x00" + table_type(t.type) + expr(t.init)


def _global(g: Global) -> bytes:
    return global_type(g.type) + expr(g.init)


def _export(e: Export) -> bytes:
    return name(e.name) + bytes((int(e.kind),)) + uleb(e.index)


def _func_indices(init: tuple[Expr, ...]) -> list[int] | None:
    """The function indices a segment's elements abbreviate, if they do."""
    out = []
    for e in init:
        if len(e) != 2:
            return None
        (op, index), (last, _) = e
        if op != Op.REF_FUNC or last != Op.END:
            return None
        out.append(index)
    return out


def _elem(e: Elem, legacy: bool, typed: bool) -> bytes:
    """``typed``: function indices decode to (ref func), else to funcref."""
    index_type = FUNC_INDEX_TYPE if typed else FUNCREF
    indices = _func_indices(e.init) if e.type == index_type or legacy else None
    mode = e.mode
    if legacy:  # Wasm 1.0: table index, offset, function indices
        if not isinstance(mode, Active) or indices is None:
            raise EncodeError("a Wasm 1.0 element segment is active and holds function indices")
        return uleb(mode.index) + expr(mode.offset) + vec([uleb(i) for i in indices])
    if indices is not None:
        contents = vec([uleb(i) for i in indices])
        if isinstance(mode, Active):
            if mode.index == 0:
                return b"\x00" + expr(mode.offset) + contents
            return b"\x02" + uleb(mode.index) + expr(mode.offset) + b"\x00" + contents
        flags = b"\x01" if isinstance(mode, Passive) else b"\x03"
        return flags + b"\x00" + contents
    contents = vec([expr(x) for x in e.init])
    if isinstance(mode, Active):
        if mode.index == 0 and e.type == FUNCREF:
            return b"\x04" + expr(mode.offset) + contents
        return b"\x06" + uleb(mode.index) + expr(mode.offset) + ref_type(e.type) + contents
    if isinstance(mode, Declarative):
        return b"\x07" + ref_type(e.type) + contents
    return b"\x05" + ref_type(e.type) + contents


def _locals(locals_: tuple[ValType, ...]) -> bytes:
    if not locals_:
        return b"\x00"  # most functions
    groups: list[bytes] = []
    i = 0
    while i < len(locals_):
        j = i
        while j < len(locals_) and locals_[j] == locals_[i]:
            j += 1
        groups.append(uleb(j - i) + val_type(locals_[i]))
        i = j
    return vec(groups)


def instruction_offsets(f: Func) -> list[int]:
    """The byte offset of each of ``f``'s instructions in its encoded body
    (from the first byte after the body's size, locals included): the
    offsets code metadata sections name instructions by."""
    pos = len(_locals(f.locals))
    offsets = []
    for ins in f.body:
        offsets.append(pos)
        pos += len(instr(ins))
    return offsets


def _code(f: Func) -> bytes:
    body = _locals(f.locals) + expr(f.body)
    return uleb(len(body)) + body


def _data(d: Data, legacy: bool) -> bytes:
    contents = uleb(len(d.init)) + d.init
    mode = d.mode
    if legacy:
        if not isinstance(mode, Active):
            raise EncodeError("a Wasm 1.0 data segment is active")
        return uleb(mode.index) + expr(mode.offset) + contents
    if isinstance(mode, Active):
        if mode.index == 0:
            return b"\x00" + expr(mode.offset) + contents
        return b"\x02" + uleb(mode.index) + expr(mode.offset) + contents
    return b"\x01" + contents


# The sections in their prescribed order (spec 5.5.2).
SECTION_ORDER = (TYPE, IMPORT, FUNC, TABLE, MEMORY, TAG, GLOBAL, EXPORT, START, ELEM)
SECTION_ORDER += (DATA_COUNT, CODE, DATA)
_RANK = {sid: i for i, sid in enumerate((0, *SECTION_ORDER))}


def encode_module(module: Module, features: Features | None = None) -> bytes:
    """The binary encoding of ``module``.  ``features`` only matters for
    element segments: without bulk memory and reference types they have
    the Wasm 1.0 encoding, and function indices stand for funcref elements
    before typed references and for (ref func) since (the default)."""
    legacy = features is not None and not (features.bulk_memory or features.reference_types)
    typed = features is None or features.function_references
    m = module
    groups = m.type_groups()
    payloads: dict[int, bytes] = {}  # the sections written, in order
    if groups:
        payloads[TYPE] = vec([rec_type(g) for g in groups])
    if m.imports:
        payloads[IMPORT] = vec([_import(i) for i in m.imports])
    if m.funcs:
        payloads[FUNC] = vec([uleb(f.type_index) for f in m.funcs])
    if m.tables:
        payloads[TABLE] = vec([_table(t) for t in m.tables])
    if m.mems:
        payloads[MEMORY] = vec([mem_type(x.type) for x in m.mems])
    if m.tags:
        payloads[TAG] = vec([b"\x00" + uleb(t.type.type_index) for t in m.tags])
    if m.globals:
        payloads[GLOBAL] = vec([_global(g) for g in m.globals])
    if m.exports:
        payloads[EXPORT] = vec([_export(e) for e in m.exports])
    if m.start is not None:
        payloads[START] = uleb(m.start)
    if m.elems:
        payloads[ELEM] = vec([_elem(e, legacy, typed) for e in m.elems])
    if m.data_count is not None:
        payloads[DATA_COUNT] = uleb(m.data_count)
    if m.funcs:
        payloads[CODE] = vec([_code(f) for f in m.funcs])
    if m.datas:
        payloads[DATA] = vec([_data(d, legacy) for d in m.datas])
    out = bytearray(MAGIC + VERSION)
    if not m.customs:  # most modules
        for sid, payload in payloads.items():
            out += _section(sid, payload)
        return bytes(out)
    # A custom section recorded after an empty vector section: write that
    # section (empty), so the custom section decodes at the same place.
    for c in m.customs:
        if c.after_section and c.after_section not in payloads:
            if c.after_section in (START, DATA_COUNT):
                continue  # nothing to write: placed after an earlier section
            payloads[c.after_section] = b"\x00"
    written = [0] + [sid for sid in SECTION_ORDER if sid in payloads]
    customs_after: dict[int, list[Custom]] = {}
    rank = _RANK
    for c in m.customs:
        # The last written section at or before the recorded one.
        place = max((s for s in written if rank[s] <= rank.get(c.after_section, 0)), key=rank.get)
        customs_after.setdefault(place, []).append(c)
    for c in customs_after.get(0, ()):
        out += _section(CUSTOM, name(c.name) + c.data)
    for sid in written[1:]:
        out += _section(sid, payloads[sid])
        for c in customs_after.get(sid, ()):
            out += _section(CUSTOM, name(c.name) + c.data)
    return bytes(out)


__all__ = [
    "EncodeError",
    "encode_module",
    "expr",
    "instr",
    "instruction_offsets",
    "sleb",
    "uleb",
]
