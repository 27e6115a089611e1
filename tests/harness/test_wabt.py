"""wabt's spectest-interp as a whole-script engine: its output mapped back
to commands."""

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.engines.wabt_engine import _outcomes, _parse_value
from harness.known_differences import KnownDifferences
from harness.outcomes import Crashed, Exhausted, Ok, Trapped, Unsupported
from harness.runner import ScriptRunner
from harness.script import load_script
from harness.values import Printed, Ref, Value, values_agree
from harness.wabt_features import feature_flags

NONE = KnownDifferences()

SCRIPT = """(module $M
  (func $p (import "spectest" "print_i32") (param i32))
  (func (export "i") (result i32) (i32.const -1))
  (func (export "f") (result f32) (f32.const 1.5))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "trap") (result i32) (unreachable))
  (func $rec (export "rec") (call $rec))
  (func (export "print") (call $p (i32.const 42)))
)
(invoke "i")
(invoke "f")
(invoke "print")
(assert_return (invoke "i") (i32.const -1))
(assert_return (invoke "i") (i32.const 2))
(assert_return (invoke "two") (i32.const 1) (i64.const 3))
(assert_trap (invoke "trap") "unreachable")
(assert_exhaustion (invoke "rec") "call stack exhausted")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(module $Bad (func $s unreachable) (start $s))
(assert_return (invoke "i") (i32.const -1))
"""


def run(tmp_path, text, engines, profile="2.0", name="w.wast"):
    path = tmp_path / name
    path.write_text(text)
    script = load_script(path, profile=profile)
    runner = ScriptRunner(script, engines, SessionOptions(profile=profile), known=NONE)
    return {r.line: r for r in runner.run_all()}


@pytest.fixture
def results(tmp_path):
    return run(tmp_path, SCRIPT, [create_engine("refimpl"), create_engine("wabt")])


def wabt(result):
    return next(r for r in result.results if r.engine == "wabt")


def test_silent_passes_and_printed_passes_map_to_their_lines(results):
    for line in (1, 13, 16, 17, 18, 19, 20, 21):
        assert wabt(results[line]).status == "pass", line
    assert wabt(results[16]).outcome == Trapped("unreachable executed", "unreachable")
    assert isinstance(wabt(results[17]).outcome, Exhausted)
    assert wabt(results[19]).verdict.by_category  # its own text, its category


def test_plain_actions_carry_values_and_are_compared(results):
    assert wabt(results[10]).outcome == Ok((Value("i32", 0xFFFFFFFF),))
    assert wabt(results[11]).outcome == Ok((Value("f32", Printed("1.500000")),))
    assert wabt(results[12]).outcome == Ok()  # a host call's print is not a result
    assert not results[10].divergences and not results[11].divergences


def test_a_wrong_expectation_fails_on_both_with_wabts_values(results):
    r = results[14]
    assert [x.status for x in r.results] == ["fail", "fail"]
    assert wabt(r).outcome == Ok((Value("i32", 0xFFFFFFFF),))
    assert "expected (i32.const 2), got (i32.const -1" in wabt(r).verdict.detail
    assert not r.divergences  # they agree on the value
    # Multi-value: the result it did not print matched the expectation.
    r = results[15]
    assert wabt(r).outcome == Ok((Value("i32", 1), Value("i64", 2)))
    assert not r.divergences


def test_commands_on_a_module_that_failed_are_skipped(results):
    assert wabt(results[22]).status == "fail"
    # wabt would run this on the previous module: the runner skips it.
    assert wabt(results[23]).status == "skip"


def test_a_run_that_stops_early_reports_no_results_after(tmp_path):
    path = tmp_path / "s.wast"
    path.write_text(SCRIPT)
    script = load_script(path, profile="2.0")
    data = {
        "source_filename": "s.wast",
        "commands": [
            {"type": "module", "line": 1},
            {"type": "assert_return", "line": 13, "action": {"type": "invoke", "field": "i"}},
            {"type": "assert_trap", "line": 16, "action": {"type": "invoke", "field": "trap"}},
            {"type": "assert_exhaustion", "line": 17, "action": {"type": "invoke", "field": "rec"}},
            {"type": "assert_invalid", "line": 18},
        ],
    }
    stdout = "s.wast:16: assert_trap passed: unreachable executed\n"  # then it died
    out = _outcomes(script, data, stdout, -11)
    assert out[1] == Ok() and isinstance(out[13], Ok)  # before its last words: passed
    assert out[16] == Trapped("unreachable executed", "unreachable")
    assert isinstance(out[17], Crashed) and "signal 11" in out[17].detail
    assert isinstance(out[18], Unsupported)


def test_mvp_flags_turn_off_everything_after_wasm_1():
    flags = feature_flags("spectest-interp", "mvp")
    for f in ("bulk-memory", "reference-types", "simd", "multi-memory", "memory64"):
        assert f"--disable-{f}" in flags
    assert "--disable-bulk-memory" not in feature_flags("spectest-interp", "2.0")


def test_2_0_scripts_are_converted_with_the_profiles_flags(tmp_path):
    """Two imports from one module: with --enable-all wast2json would use the
    compact-imports encoding, which spectest-interp rejects under 2.0."""
    text = """(module $M (memory (export "mem") 1) (table (export "tab") 1 funcref))
(register "M" $M)
(module (import "M" "tab" (table 1 funcref)) (import "M" "mem" (memory 1)))
"""
    results = run(tmp_path, text, [create_engine("wabt")], name="imports.wast")
    assert [r.status for r in results.values()] == ["pass", "pass", "pass"]


def test_mvp_segment_misfit_writes_nothing_in_wabt(tmp_path):
    """Why wabt is the oracle for the mvp profile: a misfit fails the
    instantiation and the earlier segment is not written."""
    text = """(module $M (memory (export "mem") 1)
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(register "M" $M)
(assert_unlinkable
  (module (import "M" "mem" (memory 1)) (data (i32.const 0) "a") (data (i32.const 65536) "b"))
  "data segment does not fit")
(assert_return (invoke $M "load" (i32.const 0)) (i32.const 0))
"""
    results = run(tmp_path, text, [create_engine("wabt")], profile="mvp", name="mvp.wast")
    unlinkable, load = list(results.values())[2:]
    assert unlinkable.results[0].outcome.kind == "link error"  # its text: see harness/known
    assert load.command.describe().startswith("assert_return") and load.status == "pass"


def test_printed_values_compare_as_printed():
    assert values_agree(Value("f32", Printed("1.500000")), Value("f32", 0x3FC00000))
    assert not values_agree(Value("f32", Printed("1.500000")), Value("f32", 0x3FC80000))
    assert values_agree(Value("f64", Printed("nan")), Value("f64", 0x7FF8000000000000))
    assert values_agree(Value("externref", Printed("4")), Value("externref", Ref("extern", 3)))
    assert _parse_value("v128 i32x4:0x00000001 0x00000002 0x00000003 0xffffffff") == Value(
        "v128", 1 | 2 << 32 | 3 << 64 | 0xFFFFFFFF << 96
    )
    assert _parse_value("i64:18446744073709551614") == Value("i64", 2**64 - 2)


def test_spectest_interp_runs_under_the_address_space_cap():
    """A script asking for more memory than the cap fails its allocation at
    once instead of filling the machine (table_grow_limit.2.0.wast: 16 GiB)."""
    import subprocess

    from harness.engines.wabt_engine import _capped

    out = subprocess.run(
        [*_capped(3 << 30), "/bin/sh", "-c", "ulimit -v"], capture_output=True, text=True
    )
    assert out.stdout.strip() == str(3 << 20)  # KiB
