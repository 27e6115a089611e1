"""Loading .wast files: both converters normalise to the same commands."""

import pytest

from harness.script import load_script
from harness.script.commands import (
    ActionCommand,
    AssertInvalid,
    AssertMalformed,
    AssertReturn,
    AssertTrap,
    ConversionFailure,
    ModuleCommand,
    Register,
)
from harness.script.sexpr import SplitError, split_top_level
from harness.values import Either, Exact, FloatNan, RefPattern, V128Lanes, Value

SCRIPT = r"""
;; a comment with (parentheses
(module $M
  (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "f") (param f32) (result f32) (local.get 0))
  (func (export "v") (param v128) (result v128) (local.get 0))
  (func (export "r") (param externref) (result externref) (local.get 0))
  (func (export "nul") (result funcref) (ref.null func))
)
(register "m" $M)
(assert_return (invoke $M "neg" (i32.const 1)) (i32.const -1))
(assert_return (invoke "neg" (i32.const 0x80000000)) (i32.const 0x80000000))
(assert_return (invoke "f" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "f" (f32.const -0)) (f32.const -0))
(assert_return (invoke "f" (f32.const nan)) (f32.const nan:canonical))
(assert_return (invoke "v" (v128.const i16x8 -1 0 1 2 3 4 5 -32768))
               (v128.const i16x8 -1 0 1 2 3 4 5 -32768))
(assert_return (invoke "r" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "nul") (ref.null func))
(invoke "neg" (i32.const 5))
(assert_trap (invoke "neg" (i32.const 1)) "unreachable")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
"""


@pytest.fixture(params=["wasm-tools", "wast2json"])
def converter(request):
    return request.param


def load(tmp_path, text, converter="wasm-tools", name="t.wast"):
    path = tmp_path / name
    path.write_text(text)
    return load_script(path, converter)


def test_commands_are_typed_and_carry_lines(tmp_path, converter):
    script = load(tmp_path, SCRIPT, converter)
    kinds = [type(c) for c in script.commands]
    assert kinds[:3] == [ModuleCommand, Register, AssertReturn]
    assert isinstance(script.commands[-4], ActionCommand)
    assert isinstance(script.commands[-3], AssertTrap)
    assert isinstance(script.commands[-2], AssertInvalid)
    assert isinstance(script.commands[-1], AssertMalformed)
    module = script.commands[0]
    assert module.line == 3
    assert module.name == "M"  # no "$", whichever converter
    assert script.commands[1].module == "M"
    assert script.commands[2].action.module == "M"


def test_values_normalise_to_bit_patterns(tmp_path, converter):
    cmds = load(tmp_path, SCRIPT, converter).commands
    neg1 = cmds[2]
    assert neg1.action.args == (Value("i32", 1),)
    assert neg1.expected == (Exact(Value("i32", 0xFFFFFFFF)),)  # signed text -> unsigned bits
    assert cmds[3].action.args == (Value("i32", 0x80000000),)
    assert cmds[4].action.args == (Value("f32", 0x7FA00000),)  # signalling NaN kept
    assert cmds[5].expected == (Exact(Value("f32", 0x80000000)),)
    assert isinstance(cmds[6].expected[0], FloatNan)
    v = cmds[7]
    assert v.action.args[0].payload & 0xFFFF == 0xFFFF
    assert v.action.args[0].payload >> 112 == 0x8000
    assert isinstance(v.expected[0], V128Lanes)
    assert cmds[8].action.args[0].payload.payload == 7
    assert cmds[8].expected == (RefPattern("extern", 7),)
    assert cmds[9].expected == (RefPattern("null"),)


def test_both_converters_agree(tmp_path):
    a = load(tmp_path, SCRIPT, "wasm-tools", "a.wast").commands
    b = load(tmp_path, SCRIPT, "wast2json", "b.wast").commands
    assert [c.line for c in a] == [c.line for c in b]
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y)
        if isinstance(x, AssertReturn):
            assert x.action == y.action
            assert x.expected == y.expected


def test_either_from_both_converters(tmp_path, converter):
    text = """(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (either (i32.const 1) (i32.const 2)))"""
    cmd = load(tmp_path, text, converter).commands[1]
    assert isinstance(cmd.expected, Either)
    assert len(cmd.expected.alternatives) == 2


def test_text_modules_keep_their_text(tmp_path):
    cmd = load(tmp_path, SCRIPT).commands[-1]
    assert cmd.module.binary is None
    assert b"(func" in cmd.module.text


def test_rejected_command_is_one_failure_and_the_rest_still_runs(tmp_path):
    text = """(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1))
(module (func (export "g") (result i32) (i32.bogus)))
(assert_return (invoke "f") (i32.const 1))
"""
    script = load(tmp_path, text)
    failures = [c for c in script.commands if isinstance(c, ConversionFailure)]
    assert len(failures) == 1
    assert failures[0].line == 3
    assert "bogus" in failures[0].message
    assert failures[0].defines_module
    assert [c.line for c in script.commands] == [1, 2, 3, 4]


def test_mvp_profile_gets_wasm_1_binaries(tmp_path):
    text = """(module (table 1 funcref) (func $f) (elem (i32.const 0) $f))"""
    path = tmp_path / "e.wast"
    path.write_text(text)
    mvp = load_script(path, "auto", "mvp")
    assert "Wasm 1.0" in mvp.converter
    # Wasm 1.0: the segment starts with table index 0; since bulk memory, flags 0
    # mean the same, so compare the whole element section instead.
    assert (
        mvp.commands[0].module.binary
        == load_script(path, "wast2json", "mvp").commands[0].module.binary
    )


def test_wasm_1_syntax_reads_in_the_mvp_profile(tmp_path):
    text = """(module (table $t 10 funcref) (func $f)
                (elem $t (i32.const 0) $f) (elem $t (i32.const 1) $f))"""
    path = tmp_path / "old.wast"
    path.write_text(text)
    assert isinstance(load_script(path, "auto", "mvp").commands[0], ModuleCommand)
    assert isinstance(load_script(path, "auto", "2.0").commands[0], ConversionFailure)


def test_split_honours_strings_and_comments():
    text = '(a ")" (; ( ;) ;; (\n b)\n(c "\\"(")'
    forms = split_top_level(text)
    assert [(f.line, text[f.start : f.end][:2]) for f in forms] == [(1, "(a"), (3, "(c")]
    with pytest.raises(SplitError):
        split_top_level("(a (b)")


def test_unreadable_file_is_a_conversion_error(tmp_path):
    from harness.script import ConversionError

    with pytest.raises(ConversionError):
        load_script(tmp_path / "missing.wast")


@pytest.mark.parametrize("text", ["garbage", "(module) stray", '"a string"'])
def test_text_outside_any_command_cannot_be_split(text):
    with pytest.raises(SplitError, match="outside any command"):
        split_top_level(text)


@pytest.mark.parametrize("text", ["garbage\n", "\0asm\1\0\0\0"])
def test_a_file_that_is_no_script_is_one_conversion_error(tmp_path, converter, text):
    """Not zero commands and a silent pass: nothing in it can be salvaged."""
    from harness.script import ConversionError

    with pytest.raises(ConversionError, match=r"not-a-script.wast: (wasm-tools|wast2json) failed"):
        load(tmp_path, text, converter, name="not-a-script.wast")
