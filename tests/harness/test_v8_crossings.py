"""Value crossings (harness/engines/crossings.py) for engines of the user's."""

from __future__ import annotations

import json
from pathlib import Path

from harness.cli import main
from harness.engines import factory
from harness.engines.crossings import CrossingEngine, CrossingSession, declared_crossings
from harness.engines.refimpl_engine import RefimplEngine

HERE = Path(__file__).parent

SCRIPT = """
(module $m
  (func (export "swap") (param v128 f64 f32) (result f32 f64 v128)
    (local.get 2) (local.get 1) (local.get 0))
  (func (export "plain") (param i32) (result i32) (local.get 0)))
(assert_return (invoke "swap" (v128.const i64x2 -1 2) (f64.const nan:0x4000000000001)
                              (f32.const -nan:0x1))
               (f32.const -nan:0x1) (f64.const nan:0x4000000000001) (v128.const i64x2 -1 2))
(assert_return (invoke "plain" (i32.const 5)) (i32.const 5))
(register "m" $m)
(module (func (export "\\00odd \\"name\\"") (param f32) (result f32) (local.get 0)))
(assert_return (invoke "\\00odd \\"name\\"" (f32.const 1.5)) (f32.const 1.5))
"""


class RefimplThroughTrampolines(RefimplEngine):
    """refimpl pretending its API can't pass f32, f64 or v128."""

    crossings = frozenset({"f32", "f64", "v128"})

    def __init__(self):
        super().__init__("compiled")
        self.name = "crossed"


class Counting(CrossingSession):
    calls: list[str] = []

    def invoke(self, handle, field, args):
        Counting.calls.append(field)
        return super().invoke(handle, field, args)


def test_a_python_engine_that_declares_crossings_is_wrapped(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    engine = factory("python:test_v8_crossings:RefimplThroughTrampolines")()
    assert isinstance(engine, CrossingEngine)
    assert engine.crossings == {"f32", "f64", "v128"}


def test_values_cross_bit_exactly_through_trampolines(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    wast = tmp_path / "t.wast"
    wast.write_text(SCRIPT)
    out = tmp_path / "t.json"
    engine = "python:test_v8_crossings:RefimplThroughTrampolines"
    assert main(["run", str(wast), "--engine", engine, "--json", str(out)]) == 0
    summary = json.loads(out.read_text())["summary"]
    assert summary == {"crossed": {"pass": 6}}


def test_only_exports_that_need_it_go_through_a_trampoline(tmp_path):
    from harness.engines.base import SessionOptions
    from harness.script import load_script
    from harness.values import Value

    wast = tmp_path / "t.wast"
    wast.write_text(SCRIPT)
    script = load_script(wast, "auto", "2.0")
    module = script.commands[0].module
    session = Counting(RefimplEngine("compiled").open(SessionOptions("2.0")), frozenset({"v128"}))
    Counting.calls = []
    assert session.instantiate(module, "m").kind == "ok"

    assert session.invoke("m", "plain", (Value("i32", 5),)).kind == "ok"
    assert Counting.calls == ["plain"]
    assert len(session.trampolines) == 0
    v128 = Value("v128", (2 << 64) | 1)
    f64, f32 = Value("f64", 0x7FF4000000000001), Value("f32", 0xFFA00001)
    swapped = session.invoke("m", "swap", (v128, f64, f32))
    assert swapped.values == (f32, f64, v128)
    assert list(session.trampolines) == [("m", "swap")]


def test_declared_crossings_are_checked():
    assert declared_crossings(["v128", "f32", "i31ref"]) == {"v128", "f32"}
    assert declared_crossings("v128") == frozenset()
    assert declared_crossings(None) == frozenset()
