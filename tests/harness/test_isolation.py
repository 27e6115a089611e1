"""A crashed or hung engine costs one command, not the run."""

import sys
from pathlib import Path

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.runner import ScriptRunner
from harness.script import load_script

HERE = Path(__file__).parent
WORKER = f"{sys.executable} -m harness.engines.worker"  # speaks the engine protocol

SCRIPT = """(module (func (export "ok") (result i32) (i32.const 1))
                    (func (export "crash")) (func (export "hang")))
(assert_return (invoke "ok") (i32.const 1))
(invoke "crash")
(assert_return (invoke "ok") (i32.const 1))
(invoke "hang")
(assert_return (invoke "ok") (i32.const 1))
"""


@pytest.mark.parametrize(
    "spec",
    [
        "python:faulty_engine:FaultyEngine",  # our worker process
        # The same engine as a program speaking the protocol.
        f"program:faulty={WORKER} python:faulty_engine:FaultyEngine",
    ],
)
def test_crash_and_hang_are_reported_and_the_run_goes_on(tmp_path, monkeypatch, spec):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    path = tmp_path / "faults.wast"
    path.write_text(SCRIPT)
    engine = create_engine(spec, isolate=True, timeout=2.0)
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


def test_an_adapter_that_cannot_open_fails_its_commands_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    monkeypatch.syspath_prepend(str(HERE))
    path = tmp_path / "open.wast"
    path.write_text(SCRIPT)
    for isolate in (False, True):
        engine = create_engine("python:faulty_engine:UnopenableEngine", isolate=isolate)
        runner = ScriptRunner(load_script(path), [engine], SessionOptions(timeout=5.0))
        first = next(iter(runner.run_all())).results[0]
        assert first.verdict.status == "crash"
        assert "RuntimeError" in first.verdict.detail and "no runtime here" in first.verdict.detail


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("python:faulty_engine:NotAnEngine", "does not subclass harness.engines.Engine"),
        ("python:faulty_engine:HERE_IS_NOTHING", "cannot load engine"),
        ("python:faulty_engine:__doc__", "is not an engine class or factory"),
        ("python:no_such_module:X", "No module named"),
    ],
)
def test_a_wrong_engine_of_the_users_is_a_usage_error(monkeypatch, capsys, name, complaint):
    from harness.cli import main

    monkeypatch.syspath_prepend(str(HERE))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(HERE.parent.parent / "spectests"), "--engine", name])
    assert exit_info.value.code == 2
    assert complaint in capsys.readouterr().err


# A program that answers every request with a line that isn't JSON.
CHATTY = "import sys; [print('hi', flush=True) for _ in sys.stdin]"


def _program(engine: str) -> str:
    """A program that speaks the engine protocol: our worker, serving ``engine``."""
    return f"program:prog={WORKER} {engine}"


def test_a_program_speaking_the_protocol_is_an_engine(tmp_path):
    path = tmp_path / "p.wast"
    path.write_text(
        '(module (memory 1) (data (i32.const 0) "\\2a")\n'
        '  (func (export "load") (result i32) (i32.load8_u (i32.const 0))))\n'
        '(assert_return (invoke "load") (i32.const 42))\n'
        '(assert_trap (invoke "load") "unreachable")\n'
    )
    engine = create_engine(_program("refimpl"))
    assert engine.name == "prog" and engine.exact_messages and engine.probes
    assert "refimpl" in engine.describe()
    # The profile question crosses the protocol (every flag is implemented).
    assert engine.unsupported_profile("3.0,+wide_arithmetic,+threads") is None
    runner = ScriptRunner(load_script(path), [engine, create_engine("refimpl")], SessionOptions())
    results = list(runner.run_all())
    assert [[r.status for r in c.results] for c in results] == [
        ["pass", "pass"],
        ["pass", "pass"],
        ["fail", "fail"],  # the script's own wrong expectation, on both
    ]
    # Whole-state probes ran across the process boundary, and agree.
    assert results[0].figures.instantiations_probed == 1
    assert all(c.divergences == [] for c in results)


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("program:x=/nonexistent/runtime --serve", "cannot start '/nonexistent/runtime'"),
        ("program:x=true", "cannot start 'true'"),
        ("program:x", "write program:NAME=COMMAND"),
        ("program:x=run 'unclosed", "No closing quotation"),
        (
            f'program:x={sys.executable} -c "{CHATTY}"',
            "protocol violation: the answer b'hi' is not a JSON object",
        ),
    ],
)
def test_a_program_that_cannot_serve_is_a_usage_error(capsys, spec, complaint):
    from harness.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(HERE.parent.parent / "spectests"), "--engine", spec])
    assert exit_info.value.code == 2
    assert complaint in capsys.readouterr().err


def test_after_a_crash_the_state_is_replayed_with_what_failed_but_wrote(tmp_path, monkeypatch):
    """After the worker dies, the script's state is rebuilt by the runner's
    one replay rule: a call that trapped after writing memory changed state
    too, and is replayed; the call that crashed is not."""
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    path = tmp_path / "replay.wast"
    path.write_text(
        "(module (memory 1)\n"
        '  (func (export "write-then-trap") (i32.store (i32.const 0) (i32.const 7)) unreachable)\n'
        '  (func (export "load") (result i32) (i32.load (i32.const 0)))\n'
        '  (func (export "crash")))\n'
        '(assert_trap (invoke "write-then-trap") "unreachable")\n'
        '(invoke "crash")\n'
        '(assert_return (invoke "load") (i32.const 7))\n'
    )
    engine = create_engine("python:faulty_engine:CrashingRefimpl", isolate=True, timeout=10.0)
    runner = ScriptRunner(load_script(path), [engine], SessionOptions(profile="2.0"))
    assert [(r.line, r.status) for r in runner.run_all()] == [
        (1, "pass"),
        (5, "pass"),
        (6, "crash"),
        (7, "pass"),
    ]
