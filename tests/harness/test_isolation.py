"""A crashed or hung engine costs one command, not the run."""

from pathlib import Path

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.runner import ScriptRunner
from harness.script import load_script

HERE = Path(__file__).parent

SCRIPT = """(module (func (export "ok") (result i32) (i32.const 1))
                    (func (export "crash")) (func (export "hang")))
(assert_return (invoke "ok") (i32.const 1))
(invoke "crash")
(assert_return (invoke "ok") (i32.const 1))
(invoke "hang")
(assert_return (invoke "ok") (i32.const 1))
"""


def test_crash_and_hang_are_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    path = tmp_path / "faults.wast"
    path.write_text(SCRIPT)
    engine = create_engine("python:faulty_engine:FaultyEngine", isolate=True, timeout=2.0)
    runner = ScriptRunner(load_script(path), [engine], SessionOptions(timeout=2.0))
    statuses = [(r.line, r.status) for r in runner.run_all()]
    assert statuses == [
        (1, "pass"),
        (3, "pass"),
        (4, "crash"),
        (5, "pass"),
        (6, "timeout"),
        (7, "pass"),
    ]


def test_crash_detail_names_the_signal(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    path = tmp_path / "crash.wast"
    path.write_text(SCRIPT)
    engine = create_engine("python:faulty_engine:FaultyEngine", isolate=True, timeout=2.0)
    runner = ScriptRunner(load_script(path), [engine], SessionOptions(timeout=2.0))
    crash = next(r for r in runner.run_all() if r.line == 4).results[0]
    assert crash.outcome.kind == "crash"
    assert "SIGABRT" in crash.verdict.detail
