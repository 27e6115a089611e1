"""Differential runs: every command on every engine, disagreements reported
(values of plain actions, trap vs no trap, category), in the runner, the
CLI's report and JSON, and pytest's failure text."""

import json

import refimpl.exec.bulk as bulk
from harness.cli import main
from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.engines.refimpl_engine import RefimplEngine
from harness.known_differences import KnownDifferences
from harness.outcomes import Ok, Trapped
from harness.runner import ScriptRunner
from harness.script import load_script
from harness.values import Value

pytest_plugins = ["pytester"]

NONE = KnownDifferences()

SCRIPT = """(module
  (func (export "f") (result i32) (i32.const 1))
  (func (export "t") (unreachable))
  (func (export "d") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
)
(invoke "f")
(assert_trap (invoke "t") "unreachable")
(invoke "d" (i32.const 0))
(assert_return (invoke "d" (i32.const 1)) (i32.const 1))
(assert_malformed
  (module binary "\\00asm" "\\01\\00\\00\\00" "\\05\\08\\01" "\\00\\82\\80\\80\\80\\80\\00")
  "integer representation too long"
)
"""


class Skewed(RefimplEngine):
    """refimpl with planted differences in what it returns: "f" gives 2,
    "t" does not trap, and a division by zero reports an overflow."""

    def __init__(self):
        super().__init__("interpreter")
        self.name = "skewed"

    def open(self, options):
        session = super().open(options)
        invoke = session.invoke

        def skewed(handle, field, args):
            out = invoke(handle, field, args)
            if field == "f":
                return Ok((Value("i32", 2),))
            if field == "t":
                return Ok()
            if isinstance(out, Trapped):
                return Trapped("integer overflow")
            return out

        session.invoke = skewed
        return session


def run(tmp_path, engines, text=SCRIPT, known=NONE):
    path = tmp_path / "d.wast"
    path.write_text(text)
    script = load_script(path, profile="2.0")
    runner = ScriptRunner(script, engines, SessionOptions(profile="2.0"), known=known)
    return {r.line: r for r in runner.run_all()}


def test_engines_are_compared_on_every_command(tmp_path):
    results = run(tmp_path, [create_engine("refimpl"), Skewed()])
    # A plain action has no expectation: only the comparison can fail it.
    f = results[6]
    assert [r.status for r in f.results] == ["fail", "fail"]
    assert all(r.verdict.detail.startswith("engines disagree: ") for r in f.results)
    assert f.status == "fail"
    (d,) = f.divergences
    assert d.aspect == "values"
    assert d.detail == "refimpl: returned (i32.const 1); skewed: returned (i32.const 2)"
    # Trap vs no trap.
    t = results[7]
    assert [r.status for r in t.results] == ["fail", "fail"]
    assert t.results[0].verdict.detail.startswith("engines disagree: ")  # it passed alone
    assert t.divergences[0].aspect == "outcome"
    # Which trap.
    d = results[8].divergences[0]
    assert d.aspect == "category"
    assert "[integer-divide-by-zero]" in d.detail and "[integer-overflow]" in d.detail
    assert results[9].status == "pass" and not results[9].divergences
    assert sum(r.figures.commands_compared for r in results.values()) == 6


def test_malformed_and_invalid_are_one_kind_for_engines_with_own_texts(tmp_path):
    """wasmtime can't always tell a malformed module from an invalid one;
    the judge accepts either, and so does the comparison."""
    results = run(tmp_path, [create_engine("refimpl"), create_engine("wasmtime")])
    (malformed,) = [r for r in results.values() if r.command.wast_name == "assert_malformed"]
    kinds = [r.outcome.kind for r in malformed.results]
    assert kinds[0] == "malformed"
    assert malformed.status == "pass" and not malformed.divergences


def test_cli_reports_divergences_and_figures(tmp_path, monkeypatch, capsys):
    """The planted fault of test_probes, end to end through the CLI."""
    original = bulk.memory_init

    def skip_second(mem, data, d, s, n):
        if bytes(data.data) != b"second":
            original(mem, data, d, s, n)

    monkeypatch.setattr(bulk, "memory_init", skip_second)
    path = tmp_path / "c.wast"
    path.write_text(
        '(module (memory 1) (data (i32.const 0) "first") (data (i32.const 70000) "x"))\n'
        '(module (memory 2) (data (i32.const 0) "first") (data (i32.const 70000) "second"))\n'
    )
    out_json = tmp_path / "out.json"
    engines = ["--engine", "refimpl", "--engine", "wasmtime"]
    assert main(["run", str(path), *engines, "--json", str(out_json)]) == 1
    text = capsys.readouterr().out
    assert "differential: 2 commands compared across engines; 1 instantiations probed" in text
    assert "1 memories (131072 bytes)" in text
    assert "divergences: 1 unexplained, 0 excused" in text
    assert f"{path.name}:2: refimpl vs wasmtime: m2 (instantiated at line 2) memory 0" in text
    assert "first differing byte at offset 70000 (0x11170)" in text
    data = json.loads(out_json.read_text())
    diff = data["differential"]
    assert diff["figures"]["memory_bytes_compared"] == 131072
    (d,) = diff["divergences"]
    assert d["line"] == 2 and d["aspect"] == "memory" and d["engines"] == ["refimpl", "wasmtime"]
    assert "first differing byte at offset 70000" in d["detail"]


PYTEST_SCRIPT = """(module (memory 1) (data (i32.const 3) "abc"))
(module (memory 1))
"""


def test_pytest_item_shows_the_divergence(project, monkeypatch):
    original = bulk.memory_init

    def skip(mem, data, d, s, n):
        if bytes(data.data) != b"abc":
            original(mem, data, d, s, n)

    monkeypatch.setattr(bulk, "memory_init", skip)
    project.makefile(".wast", diff=PYTEST_SCRIPT)
    result = project.runpytest("diff.wast", "--engine", "refimpl", "--engine", "wasmtime")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*diff.wast:1: module",
            "*refimpl: fail: engines disagree*",
            "*divergence: refimpl vs wasmtime: m1 (instantiated at line 1) memory 0: "
            "first differing byte at offset 3 (0x3)*"
            "refimpl [00 00 00 00*wasmtime [00 00 00 61 62 63*",
            "*wasm differential*",
            "differential: 2 commands compared across engines; 2 instantiations probed*",
            "divergences: 1 unexplained, 0 excused by known differences",
            "*diff.wast:1: refimpl vs wasmtime: m1*",
        ]
    )


def test_pytest_a_run_stopped_at_a_failure_still_reports_what_it_compared(project, monkeypatch):
    """A script's figures travel with the report of its last command, or of
    a failure: ``-x`` ends the run there, and the summary still has them."""
    monkeypatch.setattr(bulk, "memory_init", lambda *args: None)
    project.makefile(".wast", diff=PYTEST_SCRIPT)
    result = project.runpytest("diff.wast", "-x", "--engine", "refimpl", "--engine", "wasmtime")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*wasm differential*",
            "differential: 1 commands compared across engines; 1 instantiations probed*",
            "divergences: 1 unexplained, 0 excused by known differences",
        ]
    )


def test_pytest_probe_option_turns_probes_off(project, monkeypatch):
    monkeypatch.setattr(bulk, "memory_init", lambda *args: None)
    project.makefile(".wast", diff=PYTEST_SCRIPT)
    result = project.runpytest(
        "diff.wast", "--engine", "refimpl", "--engine", "wasmtime", "--probe", "off"
    )
    result.assert_outcomes(passed=2)


def test_a_missing_export_is_a_harness_error_not_a_trap(tmp_path):
    """The script asks for what the module does not have: every engine
    reports the harness's finding, which fails the command and is no trap."""
    text = '(module (func (export "f")))\n(assert_trap (invoke "g") "unreachable")\n'
    results = run(tmp_path, [create_engine("refimpl"), create_engine("wasmtime")], text)
    missing = results[2]
    assert [r.outcome.kind for r in missing.results] == ["harness error", "harness error"]
    assert missing.status == "fail"
    assert "no exported function 'g'" in missing.results[0].verdict.detail


def test_an_uncaught_exception_is_one_category_across_engines():
    """refimpl's "uncaught exception" and another engine's own text for
    an exception that escaped compare as the same outcome."""
    from harness.judge import outcome_categories
    from harness.messages import MessagePolicy
    from harness.outcomes import Thrown

    prefix, categories = MessagePolicy.PREFIX, MessagePolicy.CATEGORIES
    refimpl_outcome = outcome_categories(Thrown("uncaught exception"), prefix)
    other = outcome_categories(Thrown("thrown Wasm exception", "exception"), categories)
    assert refimpl_outcome == other == {"exception"}
    assert outcome_categories(Trapped("null exception reference"), prefix) == {"null-reference"}
