"""refimpl.binary.encode: the inverse of the decoder.

Every instruction of the opcode table, hand-built modules with every
section and custom sections in every position, and every module of the
official wasm-2.0 and pre-bulk-memory suites (and current, for the Wasm 3.0
encodings refimpl decodes): ``decode(encode(decode(b))) == decode(b)``, and
wasmtime validates the encoding of every valid 2.0 module.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.engines.wasmtime_engine import new_engine
from refimpl.binary import decode_module
from refimpl.binary.encode import EncodeError, encode_module, expr, sleb, uleb
from refimpl.binary.instructions import InstrDecoder
from refimpl.binary.reader import Reader
from refimpl.errors import RefimplError
from refimpl.features import MVP, WASM_2_0, WASM_3_0
from refimpl.syntax.module import (
    DECLARATIVE,
    PASSIVE,
    Active,
    Custom,
    Data,
    Elem,
    Export,
    Func,
    FuncImport,
    Global,
    Import,
    Memory,
    Module,
    Table,
    Tag,
)
from refimpl.syntax.opcodes import OPS, Catch, CatchKind, MemArg, Op, instr
from refimpl.syntax.types import (
    EXTERNREF,
    F32,
    FUNCREF,
    I32,
    I64,
    V128,
    AbsHeapType,
    AddrType,
    ArrayType,
    ExternKind,
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
)
from refimpl.valid import validate_module

END = instr(Op.END)


# -- values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "encoded"),
    [(0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (624485, b"\xe5\x8e\x26")],
)
def test_uleb_is_minimal(n, encoded):
    assert uleb(n) == encoded
    assert Reader(encoded).uleb(32) == n


@pytest.mark.parametrize(
    "n", [0, 1, -1, 63, 64, -64, -65, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63)]
)
def test_sleb_roundtrip_and_minimal(n):
    encoded = sleb(n)
    assert Reader(encoded).sleb(64) == n
    bits = (n if n >= 0 else ~n).bit_length() + 1  # with the sign bit
    assert len(encoded) == max(1, -(-bits // 7))  # the shortest form


def test_negative_unsigned_is_an_error():
    with pytest.raises(EncodeError):
        uleb(-1)


# -- instructions --------------------------------------------------------------------

_SAMPLES = {
    "-": [None],
    "blocktype": [None, I32, V128, FUNCREF, RefType(False, 0), 0, 5],
    "label": [0, 200],
    "labels": [((), 0), ((0, 1, 300), 2)],
    "func": [0, 1000],
    "local": [3],
    "global": [1],
    "table": [0, 2],
    "elem": [7],
    "data": [9],
    "tag": [0],
    "type": [1],
    "mem": [0, 3],
    "type_table": [(0, 0), (2, 1)],
    "memarg": [MemArg(0, 0), MemArg(2, 2**32 + 5), MemArg(3, 8, 1), MemArg(1, 0, 200)],
    "memarg_lane": [(MemArg(0, 1), 3), (MemArg(3, 0, 2), 1)],
    "atomic": [MemArg(2, 0), MemArg(3, 2**32 + 8, 1)],
    "zero": [None],
    "data_mem": [(0, 0), (3, 1)],
    "elem_table": [(1, 2)],
    "mem_mem": [(0, 0), (1, 2)],
    "table_table": [(0, 3)],
    "i32": [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x40],
    "i64": [0, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 12345678901234],
    "f32": [0, 0x7FA00001, 0xFFFFFFFF],
    "f64": [0, 0x7FF4000000000001],
    "v128": [0, (1 << 128) - 1, 0x0102030405060708090A0B0C0D0E0F10],
    "shuffle": [tuple(range(16)), (31,) * 16],
    "lane": [0, 15],
    "heaptype": [AbsHeapType.FUNC, AbsHeapType.EXTERN, 4],
    "valtypes": [(), (I32,), (V128, EXTERNREF, RefType(True, 2))],
    "try_table": [
        (None, ()),
        (
            I32,
            (
                Catch(CatchKind.CATCH, 0, 1),
                Catch(CatchKind.CATCH_REF, 3, 0),
                Catch(CatchKind.CATCH_ALL, None, 2),
                Catch(CatchKind.CATCH_ALL_REF, None, 200),
            ),
        ),
    ],
    "reftype": [AbsHeapType.ANY, AbsHeapType.NOEXN, 3, 300],  # heap types: see below
    "cast": [
        (0, RefType(False, AbsHeapType.ANY), RefType(False, 1)),
        (2, RefType(True, AbsHeapType.EQ), RefType(False, AbsHeapType.I31)),
        (1, RefType(False, 7), RefType(True, AbsHeapType.NONE)),
        (5, RefType(True, AbsHeapType.FUNC), RefType(True, AbsHeapType.NOFUNC)),
    ],
    "type_field": [(0, 0), (3, 200)],
    "type_n": [(1, 0), (2, 1000)],
    "type_data": [(0, 4)],
    "type_elem": [(5, 0)],
    "type_type": [(1, 2)],
}
_LEGACY = replace(WASM_3_0, legacy_exceptions=True, threads=True, wide_arithmetic=True)
# (every opcode decodes: the proposals' too)
# Instructions that only occur inside a legacy try: the instructions around.
_IN_TRY = {
    Op.CATCH: ((instr(Op.TRY, None),), (END, END)),
    Op.CATCH_ALL: ((instr(Op.TRY, None),), (END, END)),
    Op.DELEGATE: ((instr(Op.TRY, None),), (END,)),
}


@pytest.mark.parametrize("code", list(OPS), ids=lambda c: OPS[c].ident)
def test_every_instruction_roundtrips(code):
    info = OPS[code]
    for imm in _SAMPLES[info.immediates]:
        if info.immediates == "reftype":  # nullable exactly for the /null opcodes
            imm = RefType(bool(info.variant), imm)
        ins = instr(code, imm)
        if code in (Op.BLOCK, Op.LOOP, Op.IF, Op.TRY, Op.TRY_TABLE):
            instrs = (ins, END, END)
        elif code in _IN_TRY:
            before, after = _IN_TRY[code]
            instrs = (*before, ins, *after)
        elif code in (Op.ELSE, Op.END):
            continue  # structure: covered by the block forms
        else:
            instrs = (ins, END)
        decoded = InstrDecoder(Reader(expr(instrs)), _LEGACY).expr()
        assert decoded == instrs, info.name


def test_if_else_structure():
    instrs = (
        instr(Op.IF, I64),
        instr(Op.I64_CONST, 1),
        instr(Op.ELSE),
        instr(Op.I64_CONST, 2),
        END,
    )
    instrs += (instr(Op.DROP), END)
    assert InstrDecoder(Reader(expr(instrs)), WASM_2_0).expr() == instrs


# -- modules --------------------------------------------------------------------


def _c(op, imm=None):
    return (instr(op, imm), END)


def _everything(customs=()) -> Module:
    types = (
        SubType(FuncType((), ())),
        SubType(FuncType((I32, I64), (F32,))),
        SubType(FuncType((), (I32,))),
    )
    return Module(
        types=types,
        rec_groups=tuple(RecType((t,)) for t in types),
        imports=(
            Import("m", "f", FuncImport(1)),
            Import("m", "t", TableType(Limits(1, 5), FUNCREF)),
            Import("m", "mem", MemType(Limits(1))),
            Import("m", "g", GlobalType(False, I32)),
            Import("ünï", "cödé", GlobalType(True, V128)),
        ),
        funcs=(
            Func(0, (), (END,)),
            Func(2, (I32, I32, I64, I32, FUNCREF), (instr(Op.I32_CONST, 0xFFFFFFFF), END)),
        ),
        tables=(Table(TableType(Limits(3), EXTERNREF)), Table(TableType(Limits(0, 0), FUNCREF))),
        globals=(Global(GlobalType(True, FUNCREF), _c(Op.REF_FUNC, 1)),),
        elems=(
            Elem(FUNCREF, (_c(Op.REF_FUNC, 0), _c(Op.REF_FUNC, 1)), Active(0, _c(Op.I32_CONST, 0))),
            Elem(FUNCREF, (_c(Op.REF_FUNC, 1),), Active(2, _c(Op.GLOBAL_GET, 0))),
            Elem(FUNCREF, (_c(Op.REF_NULL, AbsHeapType.FUNC),), Active(0, _c(Op.I32_CONST, 1))),
            Elem(EXTERNREF, (_c(Op.REF_NULL, AbsHeapType.EXTERN),), Active(1, _c(Op.I32_CONST, 0))),
            Elem(FUNCREF, (_c(Op.REF_FUNC, 2),), PASSIVE),
            Elem(FUNCREF, (_c(Op.REF_NULL, AbsHeapType.FUNC),), PASSIVE),
            Elem(FUNCREF, (), DECLARATIVE),
            Elem(FUNCREF, (_c(Op.REF_NULL, AbsHeapType.FUNC),), DECLARATIVE),
        ),
        datas=(
            Data(b"abc", Active(0, _c(Op.I32_CONST, 8))),
            Data(b"", PASSIVE),
            Data(b"\x00" * 300, Active(0, _c(Op.GLOBAL_GET, 0))),
        ),
        start=2,
        exports=(Export("f", ExternKind.FUNC, 0), Export("t", ExternKind.TABLE, 2)),
        customs=customs,
        data_count=3,
    )


def test_every_section():
    m = _everything()
    assert decode_module(encode_module(m), WASM_2_0) == m


@pytest.mark.parametrize("after", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11])
def test_custom_sections_at_their_positions(after):
    customs = (Custom("a", b"\x01\x02", after), Custom("name", b"", after), Custom("z", b"", 11))
    m = _everything(customs)
    assert decode_module(encode_module(m), WASM_2_0) == m


def test_custom_after_an_empty_section_keeps_its_position():
    m = Module(customs=(Custom("y", b"2", 3), Custom("x", b"1", 5)))  # function, memory
    assert decode_module(encode_module(m), WASM_2_0) == m


def test_memory64_and_multi_memory():
    m = Module(
        mems=(Memory(MemType(Limits(1, 10, AddrType.I64))), Memory(MemType(Limits(0)))),
        datas=(
            Data(b"x", Active(1, _c(Op.I32_CONST, 0))),
            Data(b"y", Active(0, _c(Op.I64_CONST, 7))),
        ),
    )
    assert decode_module(encode_module(m), WASM_3_0) == m


def test_wasm_1_0_segments():
    m = Module(
        types=(SubType(FuncType((), ())),),
        rec_groups=(RecType((SubType(FuncType((), ())),)),),
        funcs=(Func(0, (), (END,)),),
        tables=(Table(TableType(Limits(1), FUNCREF)),),
        mems=(Memory(MemType(Limits(1))),),
        elems=(Elem(FUNCREF, (_c(Op.REF_FUNC, 0),), Active(0, _c(Op.I32_CONST, 0))),),
        datas=(Data(b"hi", Active(0, _c(Op.I32_CONST, 0))),),
    )
    assert decode_module(encode_module(m, MVP), MVP) == m
    with pytest.raises(EncodeError):
        encode_module(Module(datas=(Data(b"", PASSIVE),)), MVP)


# -- the official suites ------------------------------------------------------------


def _suite_modules(suite: str, profile: str):
    from harness.script import load_script
    from harness.script.commands import ModuleAssertion, ModuleCommand
    from harness.testsuite import find_testsuite

    root = find_testsuite()
    if root is None or not (root / suite).is_dir():
        pytest.skip(f"the official testsuite ({suite}) was not found")
    for path in sorted((root / suite).glob("*.wast")):
        for cmd in load_script(path, "auto", profile).commands:
            if isinstance(cmd, (ModuleCommand, ModuleAssertion)) and cmd.module.binary:
                yield f"{path.name}:{cmd.line}", cmd.module.binary


@pytest.mark.parametrize(
    ("suite", "profile", "features"),
    [
        ("wasm-2.0", "2.0", WASM_2_0),
        ("pre-bulk-memory", "mvp", MVP),
        ("current", "3.0", WASM_3_0),
        ("current/legacy", "3.0,+legacy_exceptions", _LEGACY),
    ],
)
def test_suite_roundtrip(suite, profile, features):
    import wasmtime

    engine = new_engine()
    checked = validated = 0
    failures = []
    for where, binary in _suite_modules(suite, profile):
        try:
            module = decode_module(binary, features)
        except RefimplError:
            continue  # malformed on purpose
        encoded = encode_module(module, features)
        checked += 1
        if decode_module(encoded, features) != module:
            failures.append(f"{where}: differs after a round trip")
            continue
        if profile == "mvp":
            continue
        try:
            validate_module(module, features)
        except RefimplError:
            continue
        validated += 1
        if features.legacy_exceptions:
            continue  # wasmtime-py has no switch for legacy exceptions
        try:
            wasmtime.Module.validate(engine, encoded)
        except Exception as exc:
            failures.append(f"{where}: wasmtime rejects the encoding: {exc}")
    assert not failures, "\n".join(failures[:20])
    least = 5 if features.legacy_exceptions else 1000  # legacy/: 18 modules, 6 valid
    assert checked > least
    assert profile == "mvp" or validated > least


def test_wasm_3_types_tags_and_tables():
    """Recursion groups, sub types, struct/array types with packed fields,
    tags and their imports/exports, and tables with initialisers."""
    s = SubType(StructType((FieldType("i8", True), FieldType(RefType(True, 1), False))), (), False)
    a = SubType(ArrayType(FieldType("i16", False)), (), True)
    sub = SubType(StructType((FieldType("i8", True), FieldType(RefType(True, 1), False))), (0,))
    f = SubType(FuncType((I32,), ()))
    groups = (RecType((s, a)), RecType((sub,)), RecType(()), RecType((f,)))
    m = Module(
        types=(s, a, sub, f),
        rec_groups=groups,
        imports=(Import("m", "t", TagType(3)),),
        tables=(Table(TableType(Limits(1), RefType(False, 2)), _c(Op.REF_NULL, 2)),),
        tags=(Tag(TagType(3)),),
        exports=(Export("e", ExternKind.TAG, 1),),
    )
    assert decode_module(encode_module(m), WASM_3_0) == m
