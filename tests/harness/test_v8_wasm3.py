"""--engine wasm3: wasm3 through pywasm3 (harness/adapters/wasm3_engine.py), isolated."""

from __future__ import annotations

import json

import pytest

from harness.cli import main

pytest.importorskip("wasm3", reason="pywasm3 is not installed (pip install pywasm3)")

SCRIPT = """
(module $m
  (import "spectest" "print_i32" (func $print (param i32)))
  (table 2 funcref)
  (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "call") (param i32) (call_indirect (local.get 0)))
  (func $r (export "recurse") (call $r)))
(assert_return (invoke "add" (i64.const -1) (i64.const 3)) (i64.const 2))
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "call" (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 5)) "undefined element")
(assert_exhaustion (invoke "recurse") "call stack exhausted")
(register "m" $m)
(module (import "m" "add" (func $add (param i64 i64) (result i64)))
  (func (export "inc") (param i64) (result i64) (call $add (local.get 0) (i64.const 1))))
(assert_return (invoke "inc" (i64.const 41)) (i64.const 42))
(assert_unlinkable (module (import "m" "add" (func (param i32)))) "incompatible import type")
(module (global (export "g") i32 (i32.const 1)))
(assert_return (get "g") (i32.const 1))
"""


def test_wasm3_runs_links_and_traps(tmp_path):
    wast = tmp_path / "t.wast"
    wast.write_text(SCRIPT)
    out = tmp_path / "t.json"
    main(["run", str(wast), "--engine", "wasm3", "--json", str(out)])
    data = json.loads(out.read_text())
    statuses = [r["status"] for r in data["records"]]
    assert statuses == ["pass"] * 11 + ["unsupported"]
    assert data["records"][-1]["detail"] == "pywasm3 doesn't tell an exported global's type"
    assert data["engine_versions"]["wasm3"].startswith("wasm3 0.5")


def test_check_engine_lists_what_the_api_cannot_do(capsys):
    assert main(["check-engine", "wasm3"]) == 1
    out = capsys.readouterr().out
    assert "UNSUPPORTED  spectest: memory of 1 page (up to 2)" in out
    assert "pywasm3 links only function imports (spectest.memory)" in out
    assert "FAIL  f32 signalling NaN keeps its bits (nan:0x200000)" in out
