"""--engine v8: V8 through Node, a program engine shipped in harness/adapters/."""

from __future__ import annotations

import json
import sys

import pytest

from harness.adapters import v8_engine
from harness.adapters.v8_engine import ADAPTER, NODE_FLAGS, find_node
from harness.cli import main
from harness.engines import UnknownEngine, factory

NODE, _ = find_node()
needs_node = pytest.mark.skipif(NODE is None, reason="node >= 20 is not installed")

SIMD = """
(module
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "id-f32") (param f32) (result f32) (local.get 0)))
(assert_return (invoke "add" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))
               (v128.const i32x4 11 22 33 44))
(assert_return (invoke "id-f32" (f32.const nan:0x200001)) (f32.const nan:0x200001))
"""
TRAPS = """
(module
  (type $ii (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $f)
  (func $f (result i32) (i32.const 1))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $ii) (i32.const 0) (local.get 0)))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0))))
(assert_trap (invoke "call" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 5)) "undefined element")
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "trunc" (f32.const nan)) "invalid conversion to integer")
(assert_trap (invoke "trunc" (f32.const 1e10)) "integer overflow")
"""


def _run(tmp_path, script: str, engine: str) -> dict:
    wast = tmp_path / "t.wast"
    wast.write_text(script)
    out = tmp_path / "t.json"
    main(["run", str(wast), "--engine", engine, "--json", str(out)])
    return json.loads(out.read_text())


def _program(extra: str = "", adapter=ADAPTER) -> str:
    return f"program:v8={NODE} {' '.join(NODE_FLAGS)} {adapter} {extra}"


def test_without_node_the_engine_is_unsupported_with_a_reason(monkeypatch):
    monkeypatch.setattr(v8_engine.shutil, "which", lambda name: None)
    with pytest.raises(UnknownEngine, match="engine 'v8' is unsupported here: node not found"):
        factory("v8")()


@needs_node
def test_check_engine_passes(capsys):
    assert main(["check-engine", "v8"]) == 0
    assert "v8: 28 checks ok, 0 wrong, 0 unsupported" in capsys.readouterr().out


@needs_node
def test_simd_and_signalling_nans_cross_through_trampolines(tmp_path):
    data = _run(tmp_path, SIMD, "v8")
    assert data["summary"]["v8"] == {"pass": 3}
    assert data["engine_versions"]["v8"].startswith("v8 ")


@needs_node
def test_without_crossings_they_cannot(tmp_path):
    records = _run(tmp_path, SIMD, _program("--no-crossings"))["records"]
    statuses = [r["status"] for r in records]
    assert statuses == ["pass", "unsupported", "fail"]
    assert records[1]["detail"] == "the JS API cannot pass v128 values"


@needs_node
def test_trap_texts_map_to_categories_one_text_to_several(tmp_path):
    records = _run(tmp_path, TRAPS, "v8")["records"]
    assert [r["status"] for r in records] == ["pass"] * 7, records
    assert all(r["by_category"] for r in records[1:])


@needs_node
def test_a_broken_adapter_fails_exactly_the_regressed_assertions(tmp_path):
    broken = tmp_path / "adapter.mjs"
    text = ADAPTER.read_text()
    assert '["divide by zero", ["integer-divide-by-zero"]],' in text
    broken.write_text(text.replace('["divide by zero", ["integer-divide-by-zero"]],', ""))
    data = _run(tmp_path, TRAPS, _program(adapter=broken))
    failed = [(r["line"], r["status"]) for r in data["records"] if r["status"] != "pass"]
    assert failed == [(14, "fail")]


@needs_node
def test_a_crash_of_node_costs_one_command(tmp_path):
    wast = tmp_path / "t.wast"
    wast.write_text(TRAPS)
    crashing = tmp_path / "adapter.mjs"
    text = ADAPTER.read_text()
    marker = "function invoke(req) {"
    crashing.write_text(text.replace(marker, marker + ' if (req.field === "div") process.exit(3);'))
    data = _run(tmp_path, TRAPS, _program(adapter=crashing))
    statuses = {r["line"]: r["status"] for r in data["records"]}
    assert statuses[14] == "crash"
    assert statuses[15] == statuses[16] == "pass"  # replayed into a new process


def test_find_node_rejects_an_old_node(tmp_path, monkeypatch):
    old = tmp_path / "node"
    old.write_text(f"#!{sys.executable}\nprint('v18.19.0')\n")
    old.chmod(0o755)
    monkeypatch.setattr(v8_engine.shutil, "which", lambda name: str(old))
    assert find_node() == (None, "node v18.19.0 is too old (V8 needs node >= 20)")


@needs_node
def test_v8_declines_wasm_1_semantics():
    engine = factory("v8")()
    try:
        assert "bulk memory is always on" in engine.unsupported_profile("mvp")
        assert "bulk memory is always on" in engine.unsupported_profile("mvp,+threads")
        assert engine.unsupported_profile("2.0") is None
        assert engine.unsupported_profile("3.0,+legacy_exceptions") is None
    finally:
        engine.discard_worker()
