"""Decoding modules (spec 5.5): sections, segments, profile differences and
the spec interpreter's messages for malformed binaries."""

from __future__ import annotations

from dataclasses import replace

import pytest
from binary_helpers import (
    HEADER,
    body,
    func_type,
    module,
    name,
    one_func,
    s64,
    section,
    u32,
    vec,
    wat,
)

from refimpl.binary import decode_module
from refimpl.errors import MalformedModule, UnsupportedFeature
from refimpl.features import Features
from refimpl.syntax.module import (
    DECLARATIVE,
    PASSIVE,
    Active,
    Custom,
    Data,
    Elem,
    Export,
    FuncImport,
    Import,
    Module,
)
from refimpl.syntax.opcodes import Op, instr
from refimpl.syntax.types import (
    EXTERNREF,
    FUNCREF,
    I32,
    I64,
    AddrType,
    ExternKind,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    StructType,
    SubType,
    TableType,
)
from refimpl.valid import validate_module

MVP = Features.profile("mvp")
V2 = Features.profile("2.0")
V3 = Features.profile("3.0")

END = instr(Op.END)
MEMORY = section(5, vec(b"\x00\x01"))
TABLE = section(4, vec(b"\x70\x00\x01"))


def decode(data: bytes, f: Features = V2) -> Module:
    return decode_module(data, f)


def malformed(data: bytes, f: Features = V2) -> str:
    with pytest.raises(MalformedModule) as info:
        decode_module(data, f)
    return info.value.message


# -- the header and the section structure ------------------------------------------


def test_empty_module() -> None:
    assert decode(HEADER) == Module()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "unexpected end"),
        (b"\x00as", "unexpected end"),
        (b"\x00asm", "unexpected end"),
        (b"\x00asm\x01\x00\x00", "unexpected end"),
        (b"\x01asm\x01\x00\x00\x00", "magic header not detected"),
        (b"asm\x00\x01\x00\x00\x00", "magic header not detected"),
        (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
        (b"\x00asm\x00\x00\x00\x01", "unknown binary version"),
    ],
)
@pytest.mark.parametrize("f", [MVP, V2], ids=["mvp", "2.0"])
def test_header(data: bytes, message: str, f: Features) -> None:
    assert malformed(data, f).startswith(message)


def test_section_ids() -> None:
    assert malformed(HEADER + b"\x0d\x00") == "malformed section id"
    assert malformed(HEADER + b"\x7f\x00") == "malformed section id"
    # data count and tag sections belong to later generations
    assert malformed(HEADER + b"\x0c\x01\x00", MVP) == "malformed section id"
    assert decode(HEADER + b"\x0c\x01\x00").data_count == 0
    assert decode(HEADER + b"\x0d\x01\x00", V3).tags == ()


def test_section_order() -> None:
    types = section(1, vec(func_type()))
    funcs = section(3, vec(b"\x00"))
    assert malformed(module(funcs, types)) == "unexpected content after last section"
    assert malformed(module(types, types)) == "unexpected content after last section"
    assert malformed(module(funcs, types), MVP) == "junk after last section"
    # the data count section comes before the code section
    code = section(10, vec())
    assert malformed(module(code, section(12, b"\x00"))).startswith("unexpected content")


def test_section_size_mismatch() -> None:
    # a type section that claims one byte more than its contents
    assert malformed(HEADER + b"\x01\x05\x01\x60\x00\x00" + b"\x00") == "section size mismatch"
    # contents running past the end of the input are an unexpected end
    assert malformed(HEADER + b"\x01\x04\x02\x60\x00\x00").startswith("unexpected end")
    assert malformed(HEADER + b"\x01\x09\x01\x60\x00\x00") == "length out of bounds"


def test_custom_sections_keep_their_place() -> None:
    data = module(
        section(0, name("first") + b"\x01\x02"),
        section(1, vec(func_type())),
        section(0, name("second")),
        section(3, vec(b"\x00")),
        section(10, vec(body(b"\x0b"))),
        section(0, name("last") + b"xyz"),
    )
    m = decode(data)
    assert m.customs == (
        Custom("first", b"\x01\x02", 0),
        Custom("second", b"", 1),
        Custom("last", b"xyz", 10),
    )


def test_malformed_custom_sections() -> None:
    assert malformed(HEADER + b"\x00").startswith("unexpected end")
    assert malformed(HEADER + b"\x00\x00").startswith("unexpected end")
    # a name longer than the section
    assert malformed(HEADER + b"\x00\x01\x05hello").startswith("unexpected end")
    assert malformed(HEADER + b"\x00\x03\x02\xc0\x80") == "malformed UTF-8 encoding"


# -- types, imports, tables, memories, globals, exports ------------------------------


def test_type_section() -> None:
    m = decode(module(section(1, vec(func_type(b"\x7f\x7e", b"\x7f"), func_type()))))
    assert m.types == (SubType(FuncType((I32, I64), (I32,))), SubType(FuncType((), ())))
    assert [g.subtypes for g in m.rec_groups] == [(t,) for t in m.types]
    assert malformed(module(section(1, vec(b"\x61\x00\x00")))) == "malformed function type"
    assert malformed(module(section(1, vec(b"\x60\x01\x7a\x00")))) == "malformed vector type"
    assert malformed(module(section(1, vec(b"\x60\x01\x40\x00")))) == "malformed reference type"
    assert malformed(module(section(1, vec(b"\x60\x01\x70\x00"))), MVP) == "malformed value type"
    # GC type definitions exist only with the GC feature
    assert malformed(module(section(1, vec(b"\x5f\x00")))) == "malformed function type"
    assert decode(module(section(1, vec(b"\x5f\x00"))), V3).types == (SubType(StructType(())),)
    assert malformed(module(section(1, vec(b"\x5d\x00"))), V3) == "malformed definition type"


def test_imports_and_exports() -> None:
    imports = vec(
        name("m") + name("f") + b"\x00\x00",
        name("m") + name("t") + b"\x01\x6f\x01\x01\x02",
        name("m") + name("mem") + b"\x02\x00\x01",
        name("m") + name("g") + b"\x03\x7e\x01",
    )
    exports = vec(name("e") + b"\x00\x00", name("g") + b"\x03\x00")
    m = decode(module(section(1, vec(func_type())), section(2, imports), section(7, exports)))
    assert m.imports == (
        Import("m", "f", FuncImport(0)),
        Import("m", "t", TableType(Limits(1, 2), EXTERNREF)),
        Import("m", "mem", MemType(Limits(1))),
        Import("m", "g", GlobalType(True, I64)),
    )
    assert m.exports == (Export("e", ExternKind.FUNC, 0), Export("g", ExternKind.GLOBAL, 0))
    bad_kind = section(2, vec(name("m") + name("x") + b"\x04\x00"))
    assert malformed(module(bad_kind)) == "malformed import kind"
    bad_export = section(7, vec(name("x") + b"\x05\x00"))
    assert malformed(module(bad_export)) == "malformed export kind"
    assert malformed(module(section(2, vec(b"\x01\xff" + name("x") + b"\x00\x00")))) == (
        "malformed UTF-8 encoding"
    )


def test_limits_and_mutability() -> None:
    m = decode(module(TABLE, section(5, vec(b"\x01\x01\x02"))))
    assert m.tables[0].type == TableType(Limits(1), FUNCREF)
    assert m.mems[0].type == MemType(Limits(1, 2))
    assert malformed(module(section(5, vec(b"\x02\x00")))) == "integer too large"
    assert malformed(module(section(5, vec(b"\x81\x00")))) == "integer representation too long"
    globals_ = section(6, vec(b"\x7f\x02\x41\x00\x0b"))
    assert malformed(module(globals_)) == "malformed mutability"


def test_memory64_limits() -> None:
    """Limits flag 0x04 selects 64-bit addresses (memory64, Wasm 3.0)."""
    mems = section(5, vec(b"\x05\x01\x80\x80\x80\x80\x20"))
    assert decode(module(mems), V3).mems[0].type == MemType(Limits(1, 2**33, AddrType.I64))
    assert malformed(module(mems)) == "integer too large"
    assert malformed(module(section(5, vec(b"\x08\x00"))), V3) == "malformed limits flags"


def test_shared_memory_limits() -> None:
    """Limits flag 0x02 marks a shared memory, with threads only; tables
    cannot be shared."""
    threads = Features.parse("3.0,+threads")
    mvp_threads = Features.parse("mvp,+threads")
    mems = module(section(5, vec(b"\x03\x01\x02")))
    assert decode(mems, threads).mems[0].type == MemType(Limits(1, 2, shared=True))
    assert decode(mems, mvp_threads).mems[0].type == MemType(Limits(1, 2, shared=True))
    assert malformed(mems, V3) == "malformed limits flags"
    assert malformed(module(section(5, vec(b"\x07\x01\x02"))), mvp_threads) == (
        "malformed limits flags"
    )
    tables = module(section(4, vec(b"\x70\x03\x01\x02")))
    assert malformed(tables, threads) == "malformed limits flags"


# -- code ---------------------------------------------------------------------------


def test_function_and_code_lengths() -> None:
    types = section(1, vec(func_type()))
    two_funcs = section(3, vec(b"\x00", b"\x00"))
    one_body = section(10, vec(body(b"\x0b")))
    message = "function and code section have inconsistent lengths"
    assert malformed(module(types, two_funcs, one_body)) == message
    assert malformed(module(types, two_funcs)) == message
    assert malformed(module(types, one_body)) == message


def test_locals() -> None:
    m = decode(one_func(b"\x0b", locals_=vec(b"\x02\x7f", b"\x01\x7e")))
    assert m.funcs[0].locals == (I32, I32, I64)
    too_many = vec(b"\xff\xff\xff\xff\x0f\x7f", b"\x02\x7e")
    assert malformed(one_func(b"\x0b", locals_=too_many)) == "too many locals"
    assert malformed(one_func(b"\x0b", locals_=vec(b"\x80\x80\x80\x80\x10\x7f"))) == (
        "integer too large"
    )
    huge = vec(b"\xff\xff\xff\xff\x07\x7f")  # valid, but refimpl keeps locals in a tuple
    with pytest.raises(UnsupportedFeature):
        decode(one_func(b"\x0b", locals_=huge))


def test_body_structure() -> None:
    """Bodies are flat, in binary order, and end with their final ``end``."""
    m = decode(one_func(b"\x02\x40\x04\x40\x05\x01\x0b\x0b\x0b"))  # block if else nop end end
    assert [i[0] for i in m.funcs[0].body] == [
        Op.BLOCK,
        Op.IF,
        Op.ELSE,
        Op.NOP,
        Op.END,
        Op.END,
        Op.END,
    ]
    assert malformed(one_func(b"\x05\x0b")) == "END opcode expected"  # else outside if
    assert malformed(one_func(b"\x02\x40\x05\x0b\x0b")) == "END opcode expected"
    assert malformed(one_func(b"\x04\x40\x05\x05\x0b\x0b")) == "END opcode expected"
    # a missing final end at the end of the input
    data = module(
        section(1, vec(func_type())), section(3, vec(b"\x00")), section(10, vec(body(b"\x01")))
    )
    assert malformed(data).startswith("unexpected end")
    # ... or followed by more bytes: they are read as instructions, as in the
    # spec interpreter, so the body outgrows its size
    assert malformed(data + b"\x0b\x01\x00") == "section size mismatch"


def test_illegal_opcodes() -> None:
    assert malformed(one_func(b"\x06\x0b")) == "illegal opcode 06"
    assert malformed(one_func(b"\x27\x0b")) == "illegal opcode 27"
    assert malformed(one_func(b"\xfc\x12\x0b")) == "illegal opcode fc 12"
    assert malformed(one_func(b"\xfc\x80\x80\x80\x80\x10\x0b")) == "integer too large"
    # legacy exceptions only under their flag
    assert malformed(one_func(b"\x06\x40\x0b\x0b"), V3) == "illegal opcode 06"
    legacy = replace(V3, legacy_exceptions=True)
    assert decode(one_func(b"\x06\x40\x0b\x0b"), legacy).funcs[0].body[0] == instr(Op.TRY)


def test_immediates_follow_the_opcode_table() -> None:
    """An instruction's immediates for each immediate kind, as ``syntax.opcodes`` fixes it."""
    m = decode(
        wat(
            """(module
              (type $t (func (param i32) (result i32)))
              (table $a 1 funcref) (table $b 1 funcref) (memory 1)
              (data $d "x") (elem $e func $f)
              (func $f (type $t) (local i64)
                (block (result i32) (i32.const -1))
                (loop (type $t))
                (br_table 0 0 (i32.const 1))
                (call_indirect $b (type $t) (i32.const 5) (i32.const 0))
                (i32.load offset=8 align=2)
                (i64.const -2) (f32.const 1.5) (f64.const -0.0)
                (v128.const i32x4 1 0 0 0)
                (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31)
                (i32x4.extract_lane 3)
                (v128.load8_lane offset=1 7)
                (ref.null extern) (select (result i32))
                (memory.init $d) (table.init $b $e) (table.copy $a $b)
                (memory.copy) (memory.size) (data.drop $d) (elem.drop $e)
                (ref.func $f) (local.get 1) (global.get 0) (call $f)))"""
        )
    )
    found = {Op(i[0]).name: i[1] for i in m.funcs[0].body}
    memarg = found["I32_LOAD"]
    assert (memarg.align, memarg.offset, memarg.memory) == (1, 8, 0)
    assert found["BLOCK"] == I32
    assert found["LOOP"] == 0
    assert found["BR_TABLE"] == ((0,), 0)
    assert found["CALL_INDIRECT"] == (0, 1)
    assert found["I32_CONST"] in (0xFFFFFFFF, 1, 5, 0)
    assert found["I64_CONST"] == 2**64 - 2
    assert found["F32_CONST"] == 0x3FC00000
    assert found["F64_CONST"] == 0x8000000000000000
    assert found["V128_CONST"] == 1
    assert found["I8X16_SHUFFLE"] == (*range(15), 31)
    assert found["I32X4_EXTRACT_LANE"] == 3
    lane_arg, lane = found["V128_LOAD8_LANE"]
    assert (lane_arg.align, lane_arg.offset, lane) == (0, 1, 7)
    assert found["REF_NULL"].value == "extern"
    assert found["SELECT_T"] == (I32,)
    assert found["MEMORY_INIT"] == (0, 0)
    assert found["TABLE_INIT"] == (0, 1)
    assert found["TABLE_COPY"] == (0, 1)
    assert found["MEMORY_COPY"] == (0, 0)
    assert found["MEMORY_SIZE"] == 0
    assert found["DATA_DROP"] == 0 and found["ELEM_DROP"] == 0
    assert found["REF_FUNC"] == 0 and found["LOCAL_GET"] == 1 and found["CALL"] == 0
    assert m.funcs[0].body[-1] == END


def test_multi_memory_memarg() -> None:
    """Bit 6 of the alignment flags announces a memory index (multi-memory)."""
    code = b"\x41\x00\x28\x42\x01\x04\x1a\x0b"  # i32.load mem=1 align=2 offset=4
    data = one_func(code, b"", b"", section(5, vec(b"\x00\x01", b"\x00\x01")))
    load = decode(data, V3).funcs[0].body[1]
    assert (load[1].align, load[1].offset, load[1].memory) == (2, 4, 1)
    assert malformed(data) == "malformed memop flags"


# -- segments ---------------------------------------------------------------------------


OFFSET = b"\x41\x00\x0b"
REF_F0 = (instr(Op.REF_FUNC, 0), END)


AT0 = Active(0, (instr(Op.I32_CONST, 0), END))
AT1 = Active(1, (instr(Op.I32_CONST, 0), END))
NULL_EXTERN = (instr(Op.REF_NULL, EXTERNREF.heap), END)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        (b"\x00" + OFFSET + vec(b"\x00"), Elem(FUNCREF, (REF_F0,), AT0)),
        (b"\x01\x00" + vec(b"\x00"), Elem(FUNCREF, (REF_F0,), PASSIVE)),
        (b"\x02\x01" + OFFSET + b"\x00" + vec(b"\x00"), Elem(FUNCREF, (REF_F0,), AT1)),
        (b"\x03\x00" + vec(b"\x00"), Elem(FUNCREF, (REF_F0,), DECLARATIVE)),
        (b"\x04" + OFFSET + vec(b"\xd2\x00\x0b"), Elem(FUNCREF, (REF_F0,), AT0)),
        (b"\x05\x6f" + vec(b"\xd0\x6f\x0b"), Elem(EXTERNREF, (NULL_EXTERN,), PASSIVE)),
        (b"\x06\x01" + OFFSET + b"\x70" + vec(b"\xd2\x00\x0b"), Elem(FUNCREF, (REF_F0,), AT1)),
        (b"\x07\x70" + vec(b"\xd2\x00\x0b"), Elem(FUNCREF, (REF_F0,), DECLARATIVE)),
    ],
)
def test_element_segment_encodings(encoding: bytes, expected: Elem) -> None:
    assert decode(module(section(9, vec(encoding)))).elems == (expected,)


def test_malformed_element_segments() -> None:
    assert malformed(module(section(9, vec(b"\x08")))) == "malformed elements segment kind"
    assert malformed(module(section(9, vec(b"\x01\x01" + vec())))) == "malformed element kind"
    assert malformed(module(section(9, vec(b"\x05\x7f" + vec())))) == "malformed reference type"


def test_data_segment_encodings() -> None:
    segments = vec(
        b"\x00" + OFFSET + name("ab"), b"\x01" + name("c"), b"\x02\x01" + OFFSET + b"\x00"
    )
    m = decode(module(section(11, segments)))
    offset = (instr(Op.I32_CONST, 0), END)
    assert m.datas == (
        Data(b"ab", Active(0, offset)),
        Data(b"c", PASSIVE),
        Data(b"", Active(1, offset)),
    )
    assert malformed(module(section(11, vec(b"\x03")))) == "malformed data segment kind"


def test_mvp_segments_start_with_an_index() -> None:
    """Wasm 1.0: a table or memory index, not flags."""
    elem = section(9, vec(b"\x01" + OFFSET + vec(b"\x00")))
    m = decode(module(elem), MVP)
    assert m.elems == (Elem(FUNCREF, (REF_F0,), Active(1, (instr(Op.I32_CONST, 0), END))),)
    data = section(11, vec(b"\x02" + OFFSET + name("x")))
    assert decode(module(data), MVP).datas == (Data(b"x", Active(2, m.elems[0].mode.offset)),)


def test_data_count() -> None:
    data = section(11, vec(b"\x01" + name("x")))
    assert decode(module(section(12, b"\x01"), data)).data_count == 1
    message = "data count and data section have inconsistent lengths"
    assert malformed(module(section(12, b"\x02"), data)) == message
    assert malformed(module(section(12, b"\x01"))) == message
    # memory.init and data.drop need the data count section
    drop = b"\xfc\x09\x00\x0b"
    assert malformed(one_func(drop, b"", b"", data)) == "data count section required"
    assert decode(one_func(drop, b"", b"", section(12, b"\x01"), data)).data_count == 1
    assert decode(one_func(b"\x0b", b"", b"", data)).data_count is None


# -- profiles ---------------------------------------------------------------------------


def test_reserved_bytes() -> None:
    """Wasm 1.0 and 2.0 reserve a zero byte (not a LEB128 zero) for memory
    indices; Wasm 1.0 also for call_indirect's table."""
    grow = b"\x41\x00\x40\x00\x1a\x0b"
    assert decode(one_func(grow, b"", b"", MEMORY), MVP).funcs[0].body[1][1] == 0
    long_zero = b"\x41\x00\x40\x80\x00\x1a\x0b"
    assert malformed(one_func(long_zero, b"", b"", MEMORY)) == "zero byte expected"
    assert malformed(one_func(long_zero, b"", b"", MEMORY), MVP) == "zero flag expected"
    call = b"\x41\x00\x11\x00\x01\x0b"
    assert decode(one_func(call, b"", b"", TABLE)).funcs[0].body[1][1] == (0, 1)
    assert malformed(one_func(call, b"", b"", TABLE), MVP) == "zero flag expected"
    copy = b"\x41\x00\x41\x00\x41\x00\xfc\x0a\x00\x01\x0b"
    assert malformed(one_func(copy, b"", b"", MEMORY)) == "zero byte expected"
    assert decode(one_func(copy, b"", b"", MEMORY), V3).funcs[0].body[3][1] == (0, 1)


@pytest.mark.parametrize(
    ("code", "mvp", "v2", "v3"),
    [
        (b"\x43\x00\x00\x00\x00\xfc\x00\x1a\x0b", True, True, True),  # i32.trunc_sat_f32_s
        (b"\x41\x00\xc0\x1a\x0b", True, True, True),  # i32.extend8_s
        (b"\xfc\x0d\x00\x0b", False, True, True),  # elem.drop
        (b"\xfc\x10\x00\x1a\x0b", False, True, True),  # table.size
        (b"\xd0\x70\x1a\x0b", False, True, True),  # ref.null func
        (b"\xfd\x0c" + bytes(16) + b"\x1a\x0b", False, True, True),  # v128.const
        (b"\xfd\x80\x02\x0b", False, False, True),  # i8x16.relaxed_swizzle
        (b"\x12\x00\x0b", False, False, True),  # return_call
    ],
)
def test_opcodes_by_profile(code: bytes, mvp: bool, v2: bool, v3: bool) -> None:
    elems = section(9, vec(b"\x00" + OFFSET + vec(b"\x00")))
    data = one_func(code, b"", b"", TABLE, elems)
    for f, legal in ((MVP, mvp), (V2, v2), (V3, v3)):
        if legal:
            decode(data, f)
        else:
            assert malformed(data, f).startswith("illegal opcode")


def test_value_types_by_profile() -> None:
    data = module(section(1, vec(func_type(b"\x7b"))))
    assert decode(data).types[0].comp.params[0].value == "v128"
    assert malformed(data, MVP) == "malformed value type"
    data = module(section(1, vec(func_type(b"\x6f"))))
    assert decode(data).types[0].comp.params == (EXTERNREF,)
    assert malformed(data, MVP) == "malformed value type"
    assert malformed(module(section(4, vec(b"\x6f\x00\x00"))), MVP) == "malformed element type"
    # multi-value block types are type indices
    block = b"\x02\x00\x0b\x0b"
    assert decode(one_func(block)).funcs[0].body[0][1] == 0
    assert malformed(one_func(b"\x02\x7a\x0b\x0b")) == "malformed vector type"


def test_memop_flags() -> None:
    load = b"\x41\x00\x28\x20\x00\x1a\x0b"  # align = 2**32
    assert malformed(one_func(load, b"", b"", MEMORY)) == "malformed memop flags"
    ok = b"\x41\x00\x28\x1f\x00\x1a\x0b"  # too large an alignment is a validation error
    assert decode(one_func(ok, b"", b"", MEMORY)).funcs[0].body[1][1].align == 31


def test_input_types() -> None:
    data = one_func(b"\x0b")
    assert decode(bytearray(data)) == decode(memoryview(data)) == decode(data)


def test_typed_references() -> None:
    """Typed function references (Wasm 3.0) decode and validate."""
    data = wat("(module (type $t (func)) (func (param (ref null $t)) (param (ref extern))))")
    params = decode(data, V3).types[1].comp.params
    assert [(p.nullable, p.heap) for p in params] == [(True, 0), (False, EXTERNREF.heap)]
    assert malformed(data) == "malformed reference type"
    validate_module(decode(data, V3), V3)
    # tables with an initialiser
    table = wat("(module (table 1 funcref (ref.null func)))")
    m = decode(table, V3)
    assert m.tables[0].init == (instr(Op.REF_NULL, FUNCREF.heap), END)
    validate_module(m, V3)
    assert malformed(table) == "malformed reference type"


def test_wasm_3_immediates() -> None:
    """castflags, try_table handlers and ref.test's nullability by opcode."""
    cast = b"\xd0\x6e\xfb\x18\x03\x00\x6e\x6c\x1a\x0b\x0b"  # ref.null any; br_on_cast
    label, rt1, rt2 = decode(one_func(b"\x02\x40" + cast), V3).funcs[0].body[2][1]
    assert (label, rt1.nullable, rt2.nullable) == (0, True, True)
    bad_flags = b"\x02\x40\xd0\x6e\xfb\x18\x04\x00\x6e\x6c\x1a\x0b\x0b"
    assert malformed(one_func(bad_flags), V3) == "malformed br_on_cast flags"
    handlers = b"\x1f\x40\x02\x02\x00\x03\x01\x0b\x0b"  # catch_all 0, catch_all_ref 1
    imm = decode(one_func(handlers), V3).funcs[0].body[0][1]
    assert [(c.kind, c.tag, c.label) for c in imm[1]] == [(2, None, 0), (3, None, 1)]
    assert malformed(one_func(b"\x1f\x40\x01\x04\x00\x0b\x0b"), V3) == "malformed catch clause"
    tests = b"\xd0\x6e\xfb\x14\x6c\x1a\xd0\x6e\xfb\x15\x6c\x1a\x0b"  # ref.test, ref.test null
    body = decode(one_func(tests), V3).funcs[0].body
    assert (body[1][1].nullable, body[4][1].nullable) == (False, True)
    # GC instructions exist only with the GC feature
    i31 = one_func(b"\x41\x00\xfb\x1c\x1a\x0b")  # i32.const 0; ref.i31; drop
    assert malformed(i31, Features.profile("2.0")) == "illegal opcode fb 1c"


def test_short_immediates_read_inline_as_their_readers_read_them() -> None:
    """The instruction loop reads two- and three-byte indices and constants
    and memargs with offsets of up to three bytes without the readers; the
    values are the readers', equal memargs share one ``Instr``, and each
    truncation is "unexpected end" as the readers make it."""
    f = replace(V3, memory64=True)
    for value in (0x7F, 0x80, 0x2000, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000):
        code = b"\x23" + u32(value) + b"\x1a\x0b"  # global.get x drop end
        assert decode(one_func(code), f).funcs[0].body[0] == instr(Op.GLOBAL_GET, value)
        for cut in range(len(u32(value))):  # the body, and the input, end inside it
            assert malformed(one_func(code[: 1 + cut]), f).startswith("unexpected end")
    for value in (-0x41, -0x2000, -0x2001, 0x1FFF, 0x2000, -0x100000, 0xFFFFF, -0x100001):
        code = b"\x42" + s64(value) + b"\x1a\x0b"  # i64.const c drop end
        assert decode(one_func(code), f).funcs[0].body[0] == instr(Op.I64_CONST, value % 2**64)
        code = b"\x41" + s64(value) + b"\x1a\x0b"  # i32.const c drop end
        assert decode(one_func(code), f).funcs[0].body[0] == instr(Op.I32_CONST, value % 2**32)
    memory = section(5, vec(b"\x00\x01"))
    for offset in (0, 0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000):
        load = b"\x41\x00\x28\x02" + u32(offset)  # i32.const 0 i32.load align=2
        code = load + b"\x1a" + load + b"\x1a\x0b"
        first, second = decode(one_func(code, b"", b"", memory), f).funcs[0].body[1::3]
        assert first[1].offset == offset and first[1].align == 2 and first == second
        assert (first is second) == (len(u32(offset)) <= 3)  # shared up to three bytes
        for cut in range(4, len(load)):  # the body, and the input, end inside it
            assert malformed(one_func(load[:cut], b"", b"", memory), f).startswith("unexpected end")
