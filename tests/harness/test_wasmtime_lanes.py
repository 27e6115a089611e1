"""Configured wasmtime lanes: ``wasmtime[SETTINGS]`` parses to one canonical
lane, refuses what the installed Config lacks, and is compared by the probes
with refimpl and with other lanes."""

import pytest

from harness.cli import main
from harness.engines import UnknownEngine, create_engine, factory
from harness.engines.wasmtime_config import ConfigError, lane_name, parse_settings
from harness.known_differences import KnownDifference, KnownDifferences

SCRIPT = """(module
  (memory 1) (data (i32.const 8) "abc")
  (table 2 funcref) (elem (i32.const 1) $f) (func $f)
  (global (export "g") (mut i32) (i32.const 3))
  (func (export "end") (result i32) (i32.load8_u (i32.const 65536))))
(assert_trap (invoke "end") "out of bounds memory access")
(module (memory 0))
"""


def test_settings_have_one_canonical_spelling():
    a = parse_settings("memory-init-cow=n, memory_guard_size=0")
    b = parse_settings("memory_guard_size=0x0,memory_init_cow=false")
    assert a == b
    assert lane_name(a) == "wasmtime[memory_guard_size=0,memory_init_cow=false]"
    assert lane_name(()) == "wasmtime"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("no_such_setting=1", "has no setting 'no_such_setting'"),
        ("memory_init_cow", "has no value"),
        ("wasm_simd=false", "has no setting 'wasm_simd'"),  # the profile decides features
    ],
)
def test_bad_settings_are_named(text, why):
    with pytest.raises(ConfigError, match=why):
        parse_settings(text)


def test_a_refused_value_is_an_unknown_engine_not_a_worker_crash():
    with pytest.raises(UnknownEngine, match="refused memory_guard_size=abc"):
        factory("wasmtime[memory_guard_size=abc]")


def test_a_lane_runs_in_a_worker_under_its_own_name():
    engine = create_engine("wasmtime[memory_init_cow=false]")
    try:
        assert engine.name == "wasmtime[memory_init_cow=false]"
        assert "memory_init_cow=false" in engine.describe()
    finally:
        engine.discard_worker()


def test_lanes_are_probed_against_refimpl_and_each_other(tmp_path, capsys):
    script = tmp_path / "lanes.wast"
    script.write_text(SCRIPT)
    lanes = ["wasmtime", "wasmtime[memory_init_cow=false,memory_guard_size=0]"]
    argv = ["run", str(script), "--engine", "refimpl", "--isolate", "none"]
    assert main(argv + [a for lane in lanes for a in ("--engine", lane)]) == 0
    out = capsys.readouterr().out
    assert "2 instantiations probed (4 instance states" in out  # each lane against refimpl
    assert "divergences: 0 unexplained" in out


def test_a_lane_has_its_engines_known_differences():
    entry = KnownDifference(engine="wasmtime", id="x", reason="r", files=("*",))
    known = KnownDifferences([entry])
    assert known._of("wasmtime[memory_init_cow=false]") == [entry]
    assert known._of("wabt") == []


def test_an_engine_in_another_python_is_named_by_it():
    import sys

    engine = create_engine(f"wasmtime@{sys.executable}")
    try:
        assert engine.name == f"wasmtime@{sys.executable}"
        assert "wasmtime-py" in engine.describe()  # the release, for bisecting
    finally:
        engine.discard_worker()


def test_a_missing_interpreter_is_an_unknown_engine(tmp_path):
    with pytest.raises(UnknownEngine, match="no Python interpreter"):
        create_engine(f"wasmtime@{tmp_path / 'python'}")
