"""Decoding instructions (spec 5.4) into flat sequences of ``Instr``.

The opcode table (``syntax.opcodes``) says which immediates follow each
opcode; here every immediate kind has one reader, and per feature set we
precompute which opcodes exist and how to read them.  Structured
instructions stay flat (``block``/``loop``/``if`` ... ``else`` ... ``end``,
``try_table`` ... ``end``, legacy ``try`` ... ``catch``/``catch_all`` ...
``end`` or ``delegate``); the decoder only checks that they nest, the way
the binary format requires it: an ``else`` outside an ``if`` is "END opcode
expected", like a missing ``end`` that runs into other bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ..errors import MalformedModule, UnsupportedFeature
from ..features import Features
from ..syntax.opcodes import FB, FC, FD, FE, OPS, Catch, CatchKind, Instr, MemArg, prefixed
from ..syntax.types import RefType
from .reader import Reader
from .types import exact_index, heap_type, ref_type, ref_type_to, result_type, val_type

BLOCK, LOOP, IF, ELSE, END = 0x02, 0x03, 0x04, 0x05, 0x0B
I32_CONST = 0x41
TRY, CATCH, DELEGATE, CATCH_ALL, TRY_TABLE = 0x06, 0x07, 0x18, 0x19, 0x1F
# Instructions that name a data segment: the code needs a data count section.
USES_DATA = frozenset(
    (prefixed(FC, 0x08), prefixed(FC, 0x09), prefixed(FB, 0x09), prefixed(FB, 0x12))
)

# What an open structured instruction still allows (the decoder's frames).
_PLAIN, _IF, _TRY, _CATCHES, _CATCH_ALL = range(5)
END_INSTR = (END, None)
EMPTY_BLOCKS = {op: (op, None) for op in (BLOCK, LOOP, IF)}
ELSE_INSTR = (ELSE, None)

# The feature every post-MVP opcode needs, as inclusive opcode ranges.
_OPCODE_FEATURES: tuple[tuple[int, int, str], ...] = (
    (0x06, 0x07, "legacy_exceptions"),
    (0x08, 0x08, "exceptions"),
    (0x09, 0x09, "legacy_exceptions"),
    (0x0A, 0x0A, "exceptions"),
    (0x18, 0x19, "legacy_exceptions"),
    (0x1F, 0x1F, "exceptions"),
    (0x12, 0x13, "tail_call"),
    (0x14, 0x15, "function_references"),
    (0xD4, 0xD6, "function_references"),
    (0xD3, 0xD3, "gc"),
    (0x1C, 0x1C, "reference_types"),
    (0x25, 0x26, "reference_types"),
    (0xD0, 0xD2, "reference_types"),
    (0xC0, 0xC4, "sign_extension"),
    (prefixed(FC, 0x00), prefixed(FC, 0x07), "saturating_float_to_int"),
    (prefixed(FC, 0x08), prefixed(FC, 0x0E), "bulk_memory"),
    (prefixed(FC, 0x0F), prefixed(FC, 0x11), "reference_types"),
    (prefixed(FC, 0x13), prefixed(FC, 0x16), "wide_arithmetic"),
    (prefixed(FD, 0x000), prefixed(FD, 0x0FF), "simd"),
    (prefixed(FD, 0x100), prefixed(FD, 0xFFF), "relaxed_simd"),
    (prefixed(FB, 0x000), prefixed(FB, 0xFFF), "gc"),
    (prefixed(FE, 0x000), prefixed(FE, 0xFFF), "threads"),
)


# Custom descriptors: struct.new(_default)_desc, ref.get_desc,
# ref.cast_desc_eq(_null), br_on_cast_desc_eq(_fail); declined until
# descriptor clauses are implemented.
_DESCRIPTOR_OPS = range(0x20, 0x27)


def opcode_feature(code: int) -> str | None:
    """The feature flag an opcode needs (None: present since Wasm 1.0)."""
    for first, last, flag in _OPCODE_FEATURES:
        if first <= code <= last:
            return flag
    return None


def _needs(code: int) -> tuple[str, ...]:
    if code == 0x15:  # return_call_ref
        return ("function_references", "tail_call")
    flag = opcode_feature(code)
    return () if flag is None else (flag,)


# -- immediates, one reader per kind of the opcode table ----------------------

ImmReader = Callable[["InstrDecoder"], object]


def _index(d: InstrDecoder) -> int:
    return d.r.u32()


def _labels(d: InstrDecoder) -> tuple[tuple[int, ...], int]:
    r = d.r
    n = r.length()
    u32 = r.u32
    return tuple([u32() for _ in range(n)]), u32()


def _blocktype(d: InstrDecoder) -> object:
    """None, a value type, or a type index (spec 5.4.1): a type index is a
    positive s33, which cannot be confused with a one-byte type code."""
    r = d.r
    b = r.peek()
    if b == 0x40:
        r.pos += 1
        return None
    if (b is not None and b & 0xC0 == 0x40) or not d.f.multi_value:
        return val_type(r, d.f)
    return r.s33() & 0xFFFFFFFF  # negative: an index no module has


def _reserved(d: InstrDecoder) -> int:
    """A memory (or Wasm 1.0 table) index that must be a zero *byte*."""
    r = d.r
    if r.byte() != 0:
        raise MalformedModule(d.zero_message, r.pos - 1)
    return 0


def _zero(d: InstrDecoder) -> None:
    """``atomic.fence``'s reserved flags byte."""
    _reserved(d)


def _memidx(d: InstrDecoder) -> int:
    return d.r.u32() if d.f.multi_memory else _reserved(d)


def _type_table(d: InstrDecoder) -> tuple[int, int]:
    x = d.r.u32()
    return x, (d.r.u32() if d.f.reference_types else _reserved(d))


def _memarg(d: InstrDecoder) -> MemArg:
    """Alignment flags and offset (spec 5.4.6); with multi-memory, bit 6 of
    the flags announces an explicit memory index."""
    r = d.r
    pos = r.pos
    flags = r.u32()
    mem = 0
    if d.f.multi_memory and flags & 0x40 and flags < 0x80:
        flags &= ~0x40
        mem = r.u32()
    if flags >= d.max_align:
        raise MalformedModule("malformed memop flags", pos)
    offset = r.u64() if d.f.memory64 else r.u32()
    key = (flags, offset, mem)
    arg = d.memargs.get(key)
    if arg is None:
        arg = d.memargs[key] = MemArg(flags, offset, mem)
    return arg


def _memarg_lane(d: InstrDecoder) -> tuple[MemArg, int]:
    arg = _memarg(d)
    return arg, d.r.byte()


def _two_indices(d: InstrDecoder) -> tuple[int, int]:
    x = d.r.u32()
    return x, d.r.u32()


def _data_mem(d: InstrDecoder) -> tuple[int, int]:
    x = d.r.u32()
    return x, _memidx(d)


def _mem_mem(d: InstrDecoder) -> tuple[int, int]:
    x = _memidx(d)
    return x, _memidx(d)


def _i32(d: InstrDecoder) -> int:
    return d.r.s32() & 0xFFFFFFFF


def _i64(d: InstrDecoder) -> int:
    return d.r.s64() & 0xFFFFFFFFFFFFFFFF


def _f32(d: InstrDecoder) -> int:
    return d.r.fixed_u32()


def _f64(d: InstrDecoder) -> int:
    return d.r.fixed(8)


def _v128(d: InstrDecoder) -> int:
    return d.r.fixed(16)


def _shuffle(d: InstrDecoder) -> tuple[int, ...]:
    return tuple(d.r.bytes(16))


def _lane(d: InstrDecoder) -> int:
    return d.r.byte()


def _heaptype(d: InstrDecoder) -> object:
    if d.f.custom_descriptors and d.r.peek() == 0x62:
        # ref.null (exact x): a null has every exact type of its hierarchy,
        # and validation types ``ref.null x`` exact anyway.
        d.r.pos += 1
        return exact_index(d.r)
    if d.f.function_references:
        return heap_type(d.r, d.f)
    return ref_type(d.r, d.f).heap


def _valtypes(d: InstrDecoder) -> tuple:
    return result_type(d.r, d.f)


def _reftype(d: InstrDecoder) -> RefType:
    """The target of ``ref.test``/``ref.cast``; the opcode, which the
    decoder has just read, says whether it is nullable."""
    return ref_type_to(d.r, d.f, OPS[d.op].variant == "null")


def _cast(d: InstrDecoder) -> tuple[int, RefType, RefType]:
    """``br_on_cast(_fail)``: castflags, a label and two heap types."""
    r = d.r
    pos = r.pos
    flags = r.byte()
    if flags > 3:
        raise MalformedModule("malformed br_on_cast flags", pos)
    label = r.u32()
    rt1 = ref_type_to(r, d.f, bool(flags & 1))
    rt2 = ref_type_to(r, d.f, bool(flags & 2))
    return label, rt1, rt2


def _catch(d: InstrDecoder) -> Catch:
    r = d.r
    pos = r.pos
    kind = r.byte()
    if kind > CatchKind.CATCH_ALL_REF:
        raise MalformedModule("malformed catch clause", pos)
    tag = r.u32() if kind <= CatchKind.CATCH_REF else None
    return Catch(CatchKind(kind), tag, r.u32())


def _try_table(d: InstrDecoder) -> tuple[object, tuple[Catch, ...]]:
    bt = _blocktype(d)
    return bt, tuple(_catch(d) for _ in range(d.r.length()))


IMMEDIATES: dict[str, ImmReader] = {
    "blocktype": _blocktype,
    "label": _index,
    "labels": _labels,
    "func": _index,
    "local": _index,
    "global": _index,
    "table": _index,
    "elem": _index,
    "data": _index,
    "tag": _index,
    "type": _index,
    "mem": _memidx,
    "type_table": _type_table,
    "memarg": _memarg,
    "memarg_lane": _memarg_lane,
    "atomic": _memarg,
    "zero": _zero,
    "data_mem": _data_mem,
    "elem_table": _two_indices,
    "mem_mem": _mem_mem,
    "table_table": _two_indices,
    "i32": _i32,
    "i64": _i64,
    "f32": _f32,
    "f64": _f64,
    "v128": _v128,
    "shuffle": _shuffle,
    "lane": _lane,
    "heaptype": _heaptype,
    "valtypes": _valtypes,
    "try_table": _try_table,
    "reftype": _reftype,
    "cast": _cast,
    "type_field": _two_indices,
    "type_n": _two_indices,
    "type_data": _two_indices,
    "type_elem": _two_indices,
    "type_type": _two_indices,
}


# One-byte immediates are most of real code (``local.get 3``, ``i32.const
# -1``): for these opcodes every one-byte encoding has a shared ``Instr``,
# which is as fast to look up as an opcode and costs no memory per use.
_SMALL_IMMEDIATES = {
    "local": lambda b: b,
    "global": lambda b: b,
    "label": lambda b: b,
    "func": lambda b: b,
    "i32": lambda b: (b - 0x80 if b & 0x40 else b) & 0xFFFFFFFF,
    "i64": lambda b: (b - 0x80 if b & 0x40 else b) & 0xFFFFFFFFFFFFFFFF,
}


# Two-byte immediates of the same kinds are read inline too, as unsigned
# (``_UNSIGNED``) or as signed numbers wrapped to this mask.
_UNSIGNED = -1
_WIDE_IMMEDIATES = {
    "local": _UNSIGNED,
    "global": _UNSIGNED,
    "label": _UNSIGNED,
    "func": _UNSIGNED,
    "i32": 0xFFFFFFFF,
    "i64": 0xFFFFFFFFFFFFFFFF,
}


class _Tables:
    """Per feature set: for every opcode that exists, either its one shared
    ``Instr`` (no immediates) or the reader of its immediates; for opcodes
    with a small immediate, the shared ``Instr`` of each one-byte encoding;
    for memory accesses, whether the memarg fast path applies."""

    def __init__(self, f: Features):
        self.singles: list[Instr | None] = [None] * 256
        self.readers: list[ImmReader | None] = [None] * 256
        self.small: list[tuple[Instr, ...] | None] = [None] * 256
        self.memops: list[bool] = [False] * 256
        self.wide: list[int] = [0] * 256  # _WIDE_IMMEDIATES by opcode, 0: none
        self.prefixed: dict[int, Instr | ImmReader] = {}
        for code, info in OPS.items():
            needs = _needs(code)
            if not all(getattr(f, flag) for flag in needs):
                continue
            if code in _STRUCTURE:
                continue  # handled by the decoding loop
            entry: Instr | ImmReader
            entry = (code, None) if info.immediates == "-" else IMMEDIATES[info.immediates]
            if code >= 0x100:
                self.prefixed[code] = entry
            elif isinstance(entry, tuple):
                self.singles[code] = entry
            else:
                self.readers[code] = entry
                value = _SMALL_IMMEDIATES.get(info.immediates)
                if value is not None:
                    self.small[code] = tuple((code, value(b)) for b in range(0x80))
                self.memops[code] = info.immediates == "memarg"
                self.wide[code] = _WIDE_IMMEDIATES.get(info.immediates, 0)


_STRUCTURE = frozenset((BLOCK, LOOP, IF, ELSE, END, TRY, CATCH, CATCH_ALL, DELEGATE, TRY_TABLE))


@lru_cache(maxsize=16)
def _tables(f: Features) -> _Tables:
    return _Tables(f)


# Bytes after the input: an opcode that exists in no feature set and is read
# by no reader, and never the last byte of a LEB128 number, so the loop
# reaches its last branch, "unexpected end", without a bounds check per
# instruction (it looks at most four bytes ahead).
_PAD = b"\xff" * 4


class InstrDecoder:
    """Reads expressions (function bodies, constant expressions)."""

    __slots__ = (
        "f",
        "max_align",
        "memargs",
        "memops",
        "op",
        "padded",
        "r",
        "short_flags",
        "tables",
        "uses_data",
        "zero_message",
    )

    def __init__(self, r: Reader, f: Features):
        self.r = r
        self.f = f
        # The input and bytes that no opcode or LEB128 number ends with:
        # ``expr`` looks ahead without comparing positions with the end.
        self.padded = r.data + _PAD
        self.tables = _tables(f)
        self.memargs: dict[tuple[int, int, int], MemArg] = {}
        # Memory accesses whose flags are one byte and offset up to three,
        # by their encoding (opcode included): shared like small immediates.
        self.memops: dict[bytes, Instr] = {}
        # A flags byte below this is a plain alignment (no memory index bit).
        self.max_align = 64 if f.memory64 else 32
        self.short_flags = min(self.max_align, 0x40)
        # The spec interpreter renamed this error with Wasm 2.0.
        self.zero_message = (
            "zero byte expected" if f.bulk_memory or f.reference_types else "zero flag expected"
        )
        # Whether memory.init or data.drop occurred: they need a data count
        # section (spec 5.5.13).
        self.uses_data = False
        self.op = 0  # the prefixed opcode whose immediates are being read

    def expr(self) -> tuple[Instr, ...]:
        """Instructions up to and including the ``end`` that closes the
        expression (spec 5.4.9).

        The hot loop keeps the position in a local ``pos`` (an attribute
        store and load per instruction cost a fifth of the loop) and hands
        it to the reader only around immediate readers, which read from
        ``r.pos``.  The opcodes of real code are tried commonest first:
        shared ``Instr`` s, one-byte immediates, short memargs, ``end``."""
        r = self.r
        data, size = r.data, r.size
        tables = self.tables
        singles, readers = tables.singles, tables.readers
        small, memops, wide = tables.small, tables.memops, tables.wide
        memop_cache, short_flags = self.memops, self.short_flags
        out: list[Instr] = []
        append = out.append
        frames = [_PLAIN]  # per open construct: what may still come (_IF ...)
        legacy = self.f.legacy_exceptions
        has_try_table = self.f.exceptions
        atomics = self.f.threads
        data = self.padded  # past the input's end: _PAD, never read as part of it
        pos = r.pos
        while True:
            op = data[pos]
            pos += 1
            ins = singles[op]
            if ins is not None:
                append(ins)
                continue
            b = data[pos]
            if b < 0x80:
                shared = small[op]
                if shared is not None:
                    append(shared[b])
                    pos += 1
                    continue
                if memops[op] and b < short_flags:
                    # Flags and an offset of up to three bytes: the
                    # encoding is the key of a shared ``Instr``.
                    end = (
                        pos + 2
                        if data[pos + 1] < 0x80
                        else pos + 3
                        if data[pos + 2] < 0x80
                        else pos + 4
                        if data[pos + 3] < 0x80
                        else 0
                    )
                    if end:
                        key = data[pos - 1 : end]
                        ins = memop_cache.get(key)
                        if ins is None:
                            r.pos = pos
                            ins = memop_cache[key] = (op, _memarg(self))
                        pos = end
                        append(ins)
                        continue
            if op == END:
                append(END_INSTR)
                frames.pop()
                if not frames:
                    r.pos = pos
                    return tuple(out)
                continue
            if b == 0x40 and BLOCK <= op <= IF:  # no parameters or results: shared
                append(EMPTY_BLOCKS[op])
                frames.append(_IF if op == IF else _PLAIN)
                pos += 1
                continue
            if b >= 0x80:
                mask = wide[op]
                if mask:
                    # Two- and three-byte LEB128 immediates (as
                    # Reader.uleb and Reader.sleb read them; no check of
                    # any width can reject one); ``mask`` says signed how.
                    b2 = data[pos + 1]
                    if b2 < 0x80:
                        value = (b & 0x7F) | (b2 << 7)
                        if b2 & 0x40 and mask != _UNSIGNED:
                            value = (value - 0x4000) & mask
                        append((op, value))
                        pos += 2
                        continue
                    b3 = data[pos + 2]
                    if b3 < 0x80:
                        value = (b & 0x7F) | ((b2 & 0x7F) << 7) | (b3 << 14)
                        if b3 & 0x40 and mask != _UNSIGNED:
                            value = (value - 0x200000) & mask
                        append((op, value))
                        pos += 3
                        continue
            r.pos = pos
            reader = readers[op]
            if reader is not None:
                append((op, reader(self)))
                pos = r.pos
                continue
            pos -= 1  # the opcode's position, for errors
            if op == ELSE:
                if frames[-1] != _IF:
                    raise MalformedModule("END opcode expected", pos)
                frames[-1] = _PLAIN
                append(ELSE_INSTR)
            elif BLOCK <= op <= IF:
                append((op, _blocktype(self)))
                frames.append(_IF if op == IF else _PLAIN)
            elif op == TRY_TABLE and has_try_table:
                append((op, _try_table(self)))
                frames.append(_PLAIN)
            elif op == TRY and legacy:
                append((op, _blocktype(self)))
                frames.append(_TRY)
            elif op in (CATCH, CATCH_ALL) and legacy:
                if frames[-1] not in (_TRY, _CATCHES):
                    raise MalformedModule("END opcode expected", pos)
                if op == CATCH:
                    append((op, r.u32()))
                    frames[-1] = _CATCHES
                else:
                    append((op, None))
                    frames[-1] = _CATCH_ALL
            elif op == DELEGATE and legacy:
                if frames[-1] != _TRY:
                    raise MalformedModule("END opcode expected", pos)
                append((op, r.u32()))
                frames.pop()  # delegate ends the try block
                if not frames:  # pragma: no cover - the body frame is plain
                    return tuple(out)
            elif op in (FC, FD, FB) or (op == FE and atomics):
                append(self._prefixed(op, pos))
            elif pos >= size:  # the padding: the input ended
                raise r.eof()
            else:
                raise self._illegal(op, pos)
            pos = r.pos

    def offset(self) -> tuple[Instr, ...]:
        """A constant expression, usually a segment's offset: ``i32.const n``
        ``end``, read directly (Go modules have tens of thousands); anything
        else as ``expr`` reads it, errors included."""
        r = self.r
        data, start = r.data, r.pos
        if start < r.size and data[start] == I32_CONST:
            r.pos = start + 1
            value = r.s32() & 0xFFFFFFFF
            if r.pos < r.size and data[r.pos] == END:
                r.pos += 1
                if value < 0x40:
                    return self.tables.small[I32_CONST][value], END_INSTR
                return (I32_CONST, value), END_INSTR
            r.pos = start
        return self.expr()

    def _prefixed(self, prefix: int, pos: int) -> Instr:
        sub = self.r.u32()
        code = prefixed(prefix, sub) if sub < 0x1000 else -1
        entry = self.tables.prefixed.get(code)
        if entry is None:
            if prefix == FB and sub in _DESCRIPTOR_OPS and self.f.custom_descriptors:
                raise UnsupportedFeature(f"the descriptor instruction fb {sub:02x}")
            raise self._illegal(code, pos, f"{prefix:02x} {sub:02x}")
        if isinstance(entry, tuple):
            return entry
        if code in USES_DATA:
            self.uses_data = True
        self.op = code
        return (code, entry(self))

    def _illegal(self, code: int, pos: int, text: str | None = None) -> MalformedModule:
        return MalformedModule(f"illegal opcode {text or f'{code:02x}'}", pos)
