"""refimpl's text format reader: literals, abbreviations, errors."""

import struct

import pytest

from refimpl import Features
from refimpl.errors import MalformedModule
from refimpl.syntax import types as t
from refimpl.syntax.module import Active, Declarative, FuncImport, Passive
from refimpl.syntax.opcodes import BY_NAME, OPS, MemArg, Op, OpInfo, instr
from refimpl.text import parse_module, wat_to_binary
from refimpl.text.instructions import READERS, FuncBody
from refimpl.text.lexer import lex
from refimpl.text.module import ModuleContext
from refimpl.text.numbers import F32, F64, parse_float, parse_int
from refimpl.text.reader import Cursor
from refimpl.valid import validate_module

V2, V3, MVP = Features.profile("2.0"), Features.profile("3.0"), Features.profile("mvp")


def body(text: str, features=V3) -> tuple:
    return parse_module(f"(func {text})", features).funcs[0].body


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


# -- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bits", "value"),
    [
        ("0", 32, 0),
        ("-1", 32, 0xFFFFFFFF),
        ("4294967295", 32, 0xFFFFFFFF),
        ("-0x8000_0000", 32, 0x80000000),
        ("0x1_0", 32, 16),
        ("0123", 32, 123),
        ("-9223372036854775808", 64, 1 << 63),
    ],
)
def test_integers_accept_signed_and_unsigned_ranges(text, bits, value):
    assert parse_int(text, bits) == value


@pytest.mark.parametrize("text", ["4294967296", "-2147483649", "0x1_0000_0000"])
def test_integers_out_of_range(text):
    with pytest.raises(MalformedModule, match="constant out of range"):
        parse_int(text, 32)


@pytest.mark.parametrize(
    ("text", "fmt", "bits"),
    [
        ("1.5", F32, f32_bits(1.5)),
        ("0x1p-149", F32, 1),  # the smallest subnormal
        ("0x1.fffffep127", F32, 0x7F7FFFFF),
        ("-0", F32, 0x80000000),
        ("inf", F32, 0x7F800000),
        ("-nan:0x1", F32, 0xFF800001),
        ("nan", F64, 0x7FF8000000000000),
        ("1e-400", F64, 0),
        # Decimal to f32 directly: rounding via f64 first would give 0x3F800000.
        ("1.00000005960464477550", F32, 0x3F800001),
        ("0x1.000001p0", F32, 0x3F800000),  # a tie rounds to even
        ("0x1.0000011p0", F32, 0x3F800001),
        ("1_000.5", F64, 0x408F440000000000),
    ],
)
def test_floats_round_to_nearest_even_from_the_exact_value(text, fmt, bits):
    assert parse_float(text, fmt) == bits


@pytest.mark.parametrize(
    "text", ["0x1p128", "1e39", "0x1.ffffffp127", "nan:0x800000", "nan:0x0", "1e99999999999"]
)
def test_f32_out_of_range(text):
    with pytest.raises(MalformedModule, match="constant out of range"):
        parse_float(text, F32)


# -- modules and their abbreviations --------------------------------------------------


def test_inline_imports_exports_and_implied_types():
    m = parse_module(
        """(module
          (func $imp (import "m" "f") (param i32))
          (func $g (export "g") (export "h") (param $x i32) (result i32) (local.get $x))
          (type $t (func (param i32)))
          (func (type $t) (param i32))
          (func (param f32))
        )"""
    )
    assert m.imports[0].desc == FuncImport(0)  # the explicit type $t comes first
    assert [f.type_index for f in m.funcs] == [1, 0, 2]
    assert [(e.name, e.index) for e in m.exports] == [("g", 1), ("h", 1)]
    assert m.types[1].comp == t.FuncType((t.I32,), (t.I32,))


def test_folded_and_plain_instructions_mix():
    code = body("(result i32) (i32.add (i32.const 1) i32.const 2) i32.const 3 i32.mul")
    names = [instr(i[0], i[1]) for i in code]
    assert [i[0] for i in names] == [
        Op.I32_CONST,
        Op.I32_CONST,
        Op.I32_ADD,
        Op.I32_CONST,
        Op.I32_MUL,
        Op.END,
    ]


def test_labels_resolve_by_name_and_blocks_by_type():
    code = body(
        """(block $out (result i32)
             (loop $l (br_if $l (i32.const 0)) (br $out (i32.const 1)))
             (unreachable))
           drop
           (if (param i32) (result i32) (i32.const 1) (i32.const 0) (then) (else))
           drop"""
    )
    ops = [(i[0], i[1]) for i in code]
    assert (Op.BR_IF, 0) in ops and (Op.BR, 1) in ops
    assert ops[0] == (Op.BLOCK, t.I32)
    if_ = next(i for i in code if i[0] == Op.IF)
    assert isinstance(if_[1], int)  # a multi-value block: a type index


def test_br_table_memarg_select_call_indirect():
    m = parse_module(
        """(module (memory 1) (memory $m 1) (table 1 funcref) (type $t (func))
          (func (param i32)
            (block (block (br_table 0 1 0 (local.get 0))))
            (drop (i64.load16_s $m offset=4 align=1 (i32.const 0)))
            (drop (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)))
            (call_indirect (type $t) (i32.const 0))
            (memory.copy 0 $m (i32.const 0) (i32.const 0) (i32.const 0))))""",
        V3,
    )
    code = m.funcs[0].body
    imms = {Op(i[0]).name: i[1] for i in code if i[1] is not None}
    assert imms["BR_TABLE"] == ((0, 1), 0)
    assert imms["I64_LOAD16_S"] == MemArg(0, 4, 1)
    assert imms["SELECT_T"] == (t.I32,)
    assert imms["CALL_INDIRECT"] == (0, 0)
    assert imms["MEMORY_COPY"] == (0, 1)


def test_segments_in_every_form():
    m = parse_module(
        """(module
          (table $t 2 funcref) (memory 1)
          (func $f)
          (elem (i32.const 0) $f)
          (elem $p func $f)
          (elem declare funcref (ref.func $f))
          (elem (table $t) (offset (i32.const 1)) funcref (item ref.func $f))
          (data (i32.const 8) "a" "b")
          (data $d "\\00\\u{e9}")
          (table funcref (elem $f $f))
          (memory (data "xyz")))"""
    )
    modes = [type(e.mode) for e in m.elems]
    assert modes == [Active, Passive, Declarative, Active, Active]
    assert m.elems[3].mode.offset[0] == instr(Op.I32_CONST, 1)
    assert m.tables[1].type.limits == t.Limits(2, 2)
    assert m.datas[0].init == b"ab"
    assert m.datas[1].init == b"\x00\xc3\xa9"
    assert m.mems[1].type.limits == t.Limits(1, 1)


def test_gc_types_map_onto_syntax_types():
    m = parse_module(
        """(module (rec (type $a (sub (struct (field $x i32) (field (mut i8)))))
                        (type $b (sub final $a (struct (field i32) (field (mut i8))))))
                   (type $arr (array (mut (ref null $a)))))"""
    )
    assert len(m.rec_groups) == 2 and len(m.rec_groups[0].subtypes) == 2
    b = m.types[1]
    assert b.supertypes == (0,) and b.final
    assert b.comp.fields[1] == t.FieldType("i8", True)
    assert m.types[2].comp == t.ArrayType(t.FieldType(t.RefType(True, 0), True))


def test_custom_annotations_become_custom_sections():
    m = parse_module('(module (@custom "a" (after func) "x" "y") (func) (@custom "b" "z"))')
    assert [(c.name, c.data, c.after_section) for c in m.customs] == [
        ("a", b"xy", 3),
        ("b", b"z", 10),  # after the last section the module has: code
    ]


def test_annotations_keep_their_depth_and_place_among_many():
    # One line, so one chunk matched once: each annotation is read in
    # Python and lexing goes on among the chunk's texts after it; the depth
    # is counted on from the previous annotation.
    filler = " (nop)" * 2000
    text, plain, places, before = "(module ", ["(module "], [], 2
    for k in range(40):
        depth = 1 + k % 3
        text += "(block " * (depth - 1)
        before += 2 * (depth - 1)
        places.append(before)
        text += f'(@custom "c{k}" "x")' + ")" * (depth - 1) + f" (@other {k} (x))" + filler
        plain.append("(block " * (depth - 1) + ")" * (depth - 1) + filler)
        before += depth - 1 + 3 * 2000
    lexed = lex(text + ")")
    assert [a.depth for a in lexed.annotations] == [1 + k % 3 for k in range(40)]
    assert [a.index for a in lexed.annotations] == places
    assert lexed.tokens == lex("".join(plain) + ")").tokens


def test_a_construct_ending_inside_a_match_is_lexed_anew_after_it():
    # The regex reads the quote in these nested comments as the start of a
    # string that runs past the comment's end; lexing restarts after it.
    text = '(module (; (; ;) " ;) (func $f) (; (; ;) " ;) (func))'
    words = [tok[:2] for tok in lex(text).tokens]
    assert words == [tok[:2] for tok in lex("(module (func $f) (func))").tokens]


def test_many_constructs_ending_inside_matches_on_one_line():
    # Each stops a run of matches; lexing goes on lazily after it (runs of
    # matches that double), across runs of every length, on line 1.
    text = "(module " + '(; (; ;) " ;) (func $f) ' * 3000 + ")"
    lexed = lex(text)
    assert [tok[:2] for tok in lexed.tokens] == [
        tok[:2] for tok in lex("(module " + "(func $f) " * 3000 + ")").tokens
    ]
    assert set(lexed.lines) == {1}


@pytest.mark.parametrize("before", range(0, 48, 4))
def test_a_block_comment_across_a_chunks_end_then_more_comments(before):
    """The regex sees a comment cut at the chunk's end; the comment is read
    whole in Python, and only it: the comments and tokens after it (this
    once read "illegal character")."""
    from refimpl.text.lexer import _CHUNK

    pad = "(module)\n" * (_CHUNK // 9 - 2) + " " * before
    text = pad + "(;x\n" + "y\n" * 3 + ";)\n(;c;)(module)\n"
    assert [tok[1] for tok in lex(text).tokens[-3:]] == ["(", "module", ")"]
    assert lex(text).lines[-1] == text.count("\n")


def test_legacy_exceptions_only_under_their_flag():
    text = "(module (tag $e) (func (try (do) (catch $e) (catch_all))))"
    code = parse_module(text, V3.with_flag("legacy_exceptions")).funcs[0].body
    assert [i[0] for i in code] == [Op.TRY, Op.CATCH, Op.CATCH_ALL, Op.END, Op.END]
    with pytest.raises(MalformedModule, match=r"unexpected token|unknown operator"):
        parse_module(text, V3)


def test_encodes_like_the_binary_format():
    assert wat_to_binary("(module)") == b"\x00asm\x01\x00\x00\x00"
    binary = wat_to_binary('(func (export "f") (result i32) (i32.const -1))')
    assert binary.endswith(b"\x41\x7f\x0b")


# -- the immediate readers of GC instructions (not in the opcode table yet) -----------


@pytest.mark.parametrize(
    ("kind", "text", "imm"),
    [
        ("type_field", "$s $y", (0, 1)),
        ("type_n", "$arr 3", (1, 3)),
        ("type_type", "$arr $arr", (1, 1)),
        ("type_data", "$arr $d", (1, 0)),
        ("reftype", "(ref null $s)", t.RefType(True, 0)),
        (
            "cast",
            "0 anyref (ref $s)",
            (0, t.RefType(True, t.AbsHeapType.ANY), t.RefType(False, 0)),
        ),
    ],
)
def test_gc_immediate_readers(kind, text, imm):
    prelude = "(type $s (struct (field $x i32) (field $y i64))) (type $arr (array i8)) (data $d)"
    cur = Cursor(lex(f"{prelude} {text}"))
    ctx = ModuleContext(cur, V3)
    ctx.space("type").bind("s", cur)
    ctx.space("type").bind("arr", cur)
    ctx.space("data").bind("d", cur)
    names = ctx.fields.setdefault(0, type(ctx.space("type"))("field"))
    names.bind("x", cur)
    names.bind("y", cur)
    cur.i = len(lex(prelude).tokens)
    info = OpInfo(0xFB000, "gc.op", kind, None, None)
    assert READERS[kind](FuncBody(ctx), info) == imm


# -- errors: the spec interpreter's texts ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(func (i32.add_x))", "unknown operator"),
        ("(func (i32.const 0x))", "unknown operator"),
        ("(func (i32.const 0x1_0000_0000) drop)", "constant out of range"),
        ("(func (f32.const nan:0x800000) drop)", "constant out of range"),
        ('(func (export "\\ff"))', "malformed UTF-8 encoding"),
        ("(type $t (func)) (func (type $t) (param i32))", "inline function type"),
        ("(func $f) (func $f)", "duplicate func"),
        ("(func (local $x i32) (local $x i32))", "duplicate local"),
        ("(func (call $nope))", "unknown func"),
        ("(func (br $l))", "unknown label"),
        ("(func block $a end $b)", "mismatching label"),
        ("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))", "alignment"),
        ('(func) (import "m" "f" (func))', "import after function"),
        ("(func (nop)", "unexpected end"),
        ("(func) (start 0) (start 0)", "multiple start sections"),
        ('(data "a""b")', "unknown operator"),
        ("(func $)", "empty identifier"),
        ("(@)", "empty annotation id"),
        ("(func \x01)", "illegal character"),
        ('(func (@custom "x"))', "misplaced @custom annotation"),
        ("(func (result i32) (v128.const i32x4 0 0 0) drop)", "wrong number of lane literals"),
    ],
)
def test_malformed_texts(text, message):
    with pytest.raises(MalformedModule) as info:
        parse_module(text, V3)
    assert info.value.message.startswith(message)


def test_texts_of_earlier_interpreters():
    lane = "(func (result i32) (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))"
    with pytest.raises(MalformedModule, match="malformed lane index"):
        parse_module(lane, V2)
    with pytest.raises(MalformedModule, match="i8 constant out of range"):
        parse_module(lane, V3)
    with pytest.raises(MalformedModule, match="i32 constant out of range"):
        parse_module("(memory 0x1_0000_0000)", V2)
    assert parse_module("(memory 0x1_0000_0000)", V3).mems[0].type.limits.min == 1 << 32
    with pytest.raises(MalformedModule, match="result before parameter"):
        parse_module("(type (func (result i32) (param i32)))", MVP)


def test_every_instruction_name_is_known():
    # Every name of the opcode table reads as an instruction (or, for the
    # few with text syntax of their own, as that syntax's head).
    special = {"select_t", "try", "catch", "catch_all", "delegate", "block", "loop", "if"}
    special |= {"else", "end", "try_table"}
    for name in BY_NAME:
        if name in special:
            continue
        try:
            parse_module(f"(func {name})", V3)
        except MalformedModule as exc:
            assert not exc.message.startswith("unknown operator"), name


def test_every_immediate_kind_of_the_table_has_a_reader():
    # Structured instructions, select and call_indirect have their own syntax.
    own_syntax = {"blocktype", "valtypes", "type_table", "try_table"}
    kinds = {info.immediates for info in OPS.values()} - own_syntax - {"-"}
    assert kinds <= set(READERS), kinds - set(READERS)


def test_ref_test_and_cast_pick_the_opcode_by_nullability():
    m = parse_module(
        """(module (type $s (struct))
          (func (param anyref)
            (drop (ref.test (ref $s) (local.get 0)))
            (drop (ref.test (ref null $s) (local.get 0)))
            (drop (ref.cast structref (local.get 0)))
            (drop (ref.cast (ref any) (local.get 0)))))""",
        V3,
    )
    ops = [i[0] for i in m.funcs[0].body if OPS[i[0]].immediates == "reftype"]
    assert ops == [Op.REF_TEST, Op.REF_TEST_NULL, Op.REF_CAST_NULL, Op.REF_CAST]


def test_br_on_cast_flags_come_from_the_types():
    wat = """(module (func (param anyref) (result anyref)
        (block (result eqref) (br_on_cast_fail 0 anyref (ref i31) (local.get 0)))))"""
    binary = wat_to_binary(wat, V3)
    # castflags 0b01: the source type is nullable, the target not.
    assert bytes((0xFB, 0x19, 0x01, 0x00, 0x6E, 0x6C)) in binary


def test_func_lists_are_ref_func_since_typed_references():
    # spec 3.0: ``func x*`` abbreviates ``(ref func) (ref.func x)*``; so a
    # (ref func) table takes the segment, which Wasm 2.0 would reject.
    text = """(module (func $f) (table 1 (ref func) (ref.func $f))
        (elem (table 0) (i32.const 0) func $f))"""
    m = parse_module(text, V3)
    assert m.elems[0].type == t.RefType(False, t.AbsHeapType.FUNC)
    validate_module(m, V3)
    wasm2 = parse_module("(module (func $f) (elem func $f))", Features.profile("2.0"))
    assert wasm2.elems[0].type == t.FUNCREF


def test_inline_elements_of_a_typed_table_take_an_elem_index():
    m = parse_module(
        """(module (type $f (func)) (func $g)
          (table (ref null $f) (elem $g))
          (elem $later func $g)
          (func (elem.drop $later)))"""
    )
    assert len(m.elems) == 2
    assert m.funcs[1].body[0] == instr(Op.ELEM_DROP, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '(func (param i32) local.get 0 (@metadata.code.branch_hint "\\01")'
            ' (@metadata.code.branch_hint "\\01") if end)',
            "@metadata.code.branch_hint annotation: duplicate annotation",
        ),
        (
            '(module (@metadata.code.branch_hint "\\01") (func))',
            "@metadata.code.branch_hint annotation: not in a function",
        ),
    ],
)
def test_misplaced_branch_hints_are_malformed(text, message):
    with pytest.raises(MalformedModule) as exc:
        parse_module(text, V3)
    assert exc.value.message == message


def test_a_branch_hint_on_an_if_is_written_as_a_section():
    text = (
        '(module (func (param i32) (@metadata.code.branch_hint "\\00") (if (local.get 0) (then))))'
    )
    module = parse_module(text, V3)
    assert module.funcs[0].body[1][0] == Op.IF
    (custom,) = module.customs
    # One function (0), one hint: offset 3 (locals byte, local.get 0), length 1, value 0.
    assert (custom.name, custom.data) == ("metadata.code.branch_hint", bytes([1, 0, 1, 3, 1, 0]))


def test_name_annotations_name_the_module_and_definitions():
    """``(@name "...")`` over the $id, in the name section (as wasm-tools
    writes it: byte-identical on these, checked when this was written)."""
    binary = wat_to_binary('(module $m (@name "Modül") (func $f (@name "λ")) (tag (@name "θ")))')
    names = binary[binary.index(b"\x04name") :]
    assert "Modül".encode() in names and "λ".encode() in names and "θ".encode() in names
    assert b"\x01m" not in names and b"\x01f" not in names
    text = (
        '(module (func (param (@name "p") i32) (local (@name "l") i64)'
        ' (local $z (@name "zz") f32)))'
    )
    names = wat_to_binary(text).split(b"\x04name", 1)[1]
    assert b"\x01p" in names and b"\x01l" in names and b"\x02zz" in names and b"\x01z" not in names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('(module (@name "M1") (@name "M2"))', "@name annotation: multiple module"),
        ('(module (func) (@name "M"))', "misplaced @name annotation"),
        ('(module (start $f (@name "M")) (func $f))', "misplaced @name annotation"),
        ('(module (func (@name "a" "b")))', "@name annotation: malformed name"),
    ],
)
def test_misplaced_or_malformed_name_annotations(text, message):
    with pytest.raises(MalformedModule, match=message):
        parse_module(text)
