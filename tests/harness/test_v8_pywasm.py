"""--engine pywasm: the optional in-process adapter (harness/adapters/pywasm_engine.py)."""

from __future__ import annotations

import builtins
import json

import pytest

from harness.cli import main
from harness.engines import UnknownEngine, factory

pytest.importorskip("pywasm", reason="pywasm is not installed (pip install 'pywasm>=2,<3')")

TRAPS = """
(module
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 0) $f)
  (func $f (param i32))
  (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "call") (param i32) (call_indirect (type $v) (local.get 0)))
  (func $r (export "recurse") (call $r)))
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "trunc" (f32.const nan)) "invalid conversion to integer")
(assert_trap (invoke "trunc" (f32.const inf)) "integer overflow")
(assert_trap (invoke "call" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 2)) "undefined element")
(assert_exhaustion (invoke "recurse") "call stack exhausted")
(assert_return (invoke "div" (i32.const 1)) (i32.const 1))
"""


def test_check_engine_names_the_missing_validator(capsys):
    assert main(["check-engine", "pywasm"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  check: an invalid module is rejected" in out
    assert "pywasm: 27 checks ok, 1 wrong, 0 unsupported" in out


def test_traps_are_categorised_and_the_session_survives_them(tmp_path):
    wast = tmp_path / "t.wast"
    wast.write_text(TRAPS)
    out = tmp_path / "t.json"
    assert main(["run", str(wast), "--engine", "pywasm", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["summary"] == {"pywasm": {"pass": 9}}
    assert data["engine_versions"]["pywasm"].startswith("pywasm 2.")


def test_without_the_package_the_engine_is_unsupported(monkeypatch):
    real_import = builtins.__import__

    def no_pywasm(name, *args, **kwargs):
        if name == "pywasm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pywasm)
    with pytest.raises(UnknownEngine, match="pywasm package is not installed"):
        factory("pywasm")()
