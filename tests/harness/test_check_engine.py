"""wasm-harness check-engine: the self-test says exactly what an adapter gets wrong."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.cli import main

HERE = Path(__file__).parent


def test_refimpl_passes_every_check(capsys):
    assert main(["check-engine", "refimpl"]) == 0
    out = capsys.readouterr().out
    assert "refimpl: 28 checks ok, 0 wrong, 0 unsupported" in out
    assert out.startswith("engine: refimpl")
    assert "message policy prefix, probes yes, crossings none" in out.splitlines()[0]


def test_a_wrong_engine_is_named_check_by_check(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    # faulty_engine answers every invoke and get with i32 1.
    assert main(["check-engine", "python:faulty_engine:FaultyEngine"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  i64 values (beyond 53 bits, negative)" in out
    assert "expected (i64.const -1 (0xffffffffffffffff)), got (i32.const 1)" in out
    assert "FAIL  trap: unreachable" in out
    assert "ok  instantiate a module importing a spectest function" in out


def test_a_program_engine_runs_out_of_process(capsys):
    spec = f"program:ref={sys.executable} -m harness.engines.worker refimpl"
    assert main(["check-engine", spec]) == 0
    assert "ref: 28 checks ok" in capsys.readouterr().out


def test_an_engine_that_cannot_start_is_one_line(capsys):
    assert main(["check-engine", "program:bad=/nonexistent/runtime"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot start" in err and len(err.splitlines()) == 1
