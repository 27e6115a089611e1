"""The pytest plugin: one item per command, precise failures."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GOOD = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (global (export "g") (mut i32) (i32.const 5))
  (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 1)))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(invoke "bump")
(assert_return (get "g") (i32.const 6))
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 4))
"""


def test_one_item_per_command_with_file_and_line(project):
    project.makefile(".wast", good=GOOD)
    result = project.runpytest("--collect-only", "-q", "good.wast")
    ids = [ln for ln in result.outlines if "::line_" in ln]
    assert ids == [f"good.wast::line_{n}" for n in (1, 5, 6, 7, 8)]


def test_all_pass_on_refimpl(project):
    project.makefile(".wast", good=GOOD)
    project.runpytest("good.wast").assert_outcomes(passed=5)


def test_one_wrong_expectation_fails_exactly_that_item(project):
    project.makefile(".wast", bad=GOOD.replace("(i32.const 4))", "(i32.const 5))"))
    result = project.runpytest("bad.wast")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            '*bad.wast:8: assert_return (invoke "add"*',
            "*refimpl: fail: expected (i32.const 5), got (i32.const 4)*",
        ]
    )


def test_a_single_item_replays_what_it_depends_on(project):
    project.makefile(".wast", good=GOOD)
    project.runpytest("good.wast::line_7").assert_outcomes(passed=1)


def test_unconvertible_command_is_one_clear_failure(project):
    project.makefile(".wast", broken=GOOD + '(assert_return (invoke "add" (i32.bogus 1)))\n')
    result = project.runpytest("broken.wast")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*the converter rejected this command*"])


def test_a_testsuite_asked_for_but_missing_is_an_error(project, tmp_path):
    """Never a silent green: a --testsuite (or $WASM_TESTSUITE) that isn't
    there fails the collection, saying so."""
    project.makefile(".testsuite", official="")
    result = project.runpytest("--testsuite", str(tmp_path / "nowhere"))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*official WebAssembly testsuite was not found*"])


def test_an_empty_suite_asked_for_is_an_error(project, tmp_path):
    project.makefile(".testsuite", official="")
    (tmp_path / "empty" / "wasm-2.0").mkdir(parents=True)
    result = project.runpytest("--testsuite", str(tmp_path / "empty"), "--suite", "wasm-2.0")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*suite wasm-2.0: no .wast files in*"])


def test_unknown_engine_is_a_usage_error(project):
    project.makefile(".wast", good=GOOD)
    result = project.runpytest("--engine", "nope", "good.wast")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown engine 'nope'*"])


def test_one_engines_unsupported_is_not_hidden_by_anothers_pass(project, monkeypatch):
    """An item passes only if it passed on every engine: refimpl passing
    the calls to "add" must not hide that the other engine couldn't run them."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # faulty_engine
    project.makefile(".wast", good=GOOD)
    engine = "python:faulty_engine:DecliningEngine"
    result = project.runpytest("-rs", "--engine", "refimpl", "--engine", engine, "good.wast")
    result.assert_outcomes(passed=3, skipped=2)
    result.stdout.fnmatch_lines(["*unsupported: declining: add is beyond this engine*"])


def test_xdist_keeps_each_scripts_commands_on_one_worker(project):
    """Commands share their script's state: with two workers, every script
    still runs in order on one of them (the "bump" before the "get")."""
    for n in range(4):
        project.makefile(".wast", **{f"s{n}": GOOD})
    result = project.runpytest("-n", "2", "-v")
    result.assert_outcomes(passed=20)
    workers: dict[str, set[str]] = {}
    for line in result.outlines:
        if "PASSED" in line and "::line_" in line and line.startswith("["):
            worker, _, rest = line.partition("]")
            workers.setdefault(rest.split("::")[0].split()[-1], set()).add(worker)
    assert len(workers) == 4 and all(len(w) == 1 for w in workers.values()), workers
