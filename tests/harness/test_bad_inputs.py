"""Bad inputs to ``wasm-harness run``: one line saying what is wrong, exit
status 2 (docs: harness/cli.py), before any script runs."""

from __future__ import annotations

import pytest

from harness.cli import main

GOOD = '(module (func (export "f")))\n(assert_return (invoke "f"))\n'


def _usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["run", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.fixture
def wast(tmp_path):
    path = tmp_path / "good.wast"
    path.write_text(GOOD)
    return path


def test_a_suite_of_an_empty_testsuite(tmp_path, capsys):
    (tmp_path / "ts" / "wasm-2.0").mkdir(parents=True)
    err = _usage_error(capsys, ["--suite", "wasm-2.0", "--testsuite", str(tmp_path / "ts")])
    assert "suite wasm-2.0: no .wast files in" in err


def test_a_testsuite_that_is_not_there(tmp_path, capsys):
    err = _usage_error(capsys, ["--testsuite", str(tmp_path / "nowhere")])
    assert "nowhere: no such folder" in err


def test_an_empty_testsuite_with_no_paths(tmp_path, capsys):
    (tmp_path / "ts").mkdir()
    err = _usage_error(capsys, ["--testsuite", str(tmp_path / "ts")])
    assert "no .wast files" in err


def test_a_wasm_binary_gets_a_hint(tmp_path, capsys):
    binary = tmp_path / "m.wasm"
    binary.write_bytes(b"\0asm\1\0\0\0")
    assert "a Wasm binary; run takes .wast scripts (hint:" in _usage_error(capsys, [str(binary)])


@pytest.mark.parametrize("flag", ["--json", "--junit"])
def test_output_paths_are_checked_before_the_run(tmp_path, wast, capsys, flag):
    assert "no such folder" in _usage_error(capsys, [str(wast), flag, str(tmp_path / "x" / "o")])
    assert "is a folder" in _usage_error(capsys, [str(wast), flag, str(tmp_path)])


def test_a_syntax_error_keeps_file_line_and_what_was_expected(tmp_path, capsys):
    bad = tmp_path / "bad.wast"
    bad.write_text(GOOD + '(assert_return (invoke "f"\n')
    assert main(["run", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.wast:4:1: expected `)`" in out


def test_an_infinite_loop_times_out_on_the_in_process_engine(tmp_path, capsys):
    """refimpl runs in this process: the watchdog interrupts it, the command
    is reported timed out, and the script goes on in a fresh session."""
    loop = tmp_path / "loop.wast"
    loop.write_text(
        "(module (global $g (mut i32) (i32.const 0))\n"
        '  (func (export "set") (global.set $g (i32.const 5)))\n'
        '  (func (export "get") (result i32) (global.get $g))\n'
        '  (func (export "spin") (loop $l (br $l))))\n'
        '(invoke "set")\n(invoke "spin")\n(assert_return (invoke "get") (i32.const 5))\n'
    )
    assert main(["run", str(loop), "--timeout", "1", "-j", "1"]) == 1
    out = capsys.readouterr().out
    assert 'loop.wast:6: [refimpl] invoke "spin": timed out after 1 s' in out
    assert "1 files, 4 results" in out and "failures (1)" in out


def test_preinit_checks_its_output_path_before_the_work(tmp_path, capsys):
    module = tmp_path / "m.wasm"
    module.write_bytes(b"\0asm\1\0\0\0")
    out = tmp_path / "no" / "out.wasm"
    assert main(["preinit", str(module), "--no-init-func", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"wasm-harness preinit: -o {out}: no such folder: {out.parent}"
