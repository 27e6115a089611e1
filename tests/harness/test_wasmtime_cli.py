"""The ``wasmtime wast`` engine: its per-directive results mapped back to
commands (passes stand for what was asserted; the failed directive; nothing
after it), under -O options."""

import pytest

from harness.cli import main
from harness.engines import factory
from harness.engines.wasmtime_cli import CliUnavailable, executable

SCRIPT = """(module (memory 1) (data (i32.const 0) "\\01")
  (func (export "b") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "end") (result i32) (i32.load8_u (i32.mul (memory.size) (i32.const 65536)))))
(assert_return (invoke "b") (i32.const 1))
(assert_trap (invoke "end") "out of bounds memory access")
"""


def _cli_or_skip():
    try:
        executable()
    except CliUnavailable as exc:
        pytest.skip(str(exc))


def test_options_name_the_lane():
    engine = factory("wasmtime-cli[-O pooling-allocator=y -O memory-init-cow=n]")()
    assert engine.name == "wasmtime-cli[-O pooling-allocator=y -O memory-init-cow=n]"
    assert engine.options == ["-O", "pooling-allocator=y", "-O", "memory-init-cow=n"]


def test_passes_agree_with_refimpl(tmp_path, capsys):
    _cli_or_skip()
    script = tmp_path / "s.wast"
    script.write_text(SCRIPT)
    argv = ["run", str(script), "--engine", "refimpl"]
    assert main([*argv, "--engine", "wasmtime-cli[-O pooling-allocator=y]"]) == 0
    assert "divergences: 0 unexplained" in capsys.readouterr().out


def test_a_failed_directive_fails_and_stops_the_script(tmp_path, capsys):
    _cli_or_skip()
    script = tmp_path / "s.wast"
    script.write_text(SCRIPT.replace("(i32.const 1))", "(i32.const 2))"))
    assert main(["run", str(script), "--engine", "wasmtime-cli"]) == 1
    out = capsys.readouterr().out
    assert "expectation failed: result 0 didn't match" in out
    assert "wasmtime wast stopped at line 4" in out
