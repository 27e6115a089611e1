"""wasmtime's own suite in its dialect: ;;! headers, auto-registered named
modules, wasmtime's messages, thread/wait unsupported with a reason."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.dialect import detect
from harness.testsuite import profiles_for

HEADED = """;;! multi_memory = true
;;! bulk_memory = true

(module $m
  (memory (export "mem") 1)
  (global (export "g") i32 (i32.const 1))
  (func (export "boom") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))
(module
  (import "m" "g" (global i32))
  (import "m" "mem" (memory 1)))
(assert_trap (invoke $m "boom" (i32.const 0)) "divide by zero")
(assert_unlinkable
  (module (import "m" "g" (global (mut i32))))
  "expected mutable global, found immutable global")
(thread $t (module (memory 1)))
(wait $t)
"""


def test_the_header_makes_the_profile_and_the_dialect(tmp_path):
    path = tmp_path / "x.wast"
    path.write_text(HEADED)
    assert detect(path).name == "wasmtime"
    assert profiles_for(path, None) == ["3.0,+multi_memory,+bulk_memory"]
    plain = tmp_path / "plain.wast"
    plain.write_text("(module)\n")
    assert detect(plain).name == "spec" and detect(plain, "wasmtime").name == "wasmtime"


@pytest.mark.parametrize("engine", ["refimpl", "wasmtime"])
def test_a_wasmtime_suite_runs_on_every_engine(tmp_path, engine):
    if engine == "wasmtime":
        pytest.importorskip("wasmtime")
    path = tmp_path / "x.wast"
    path.write_text(HEADED)
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--engine", engine, "--json", str(out)]) == 0
    records = {r["line"]: r for r in json.loads(out.read_text())["records"]}
    assert records[8]["status"] == "pass"  # "m" imported without register
    assert records[13]["status"] == "pass"  # wasmtime's link text
    assert records[15]["status"] == records[16]["status"] == "unsupported"
    assert "scripts in threads are not supported" in records[15]["detail"]
    # wasmtime by substring (exact), others by category.
    assert records[11]["match"] == ("exact" if engine == "wasmtime" else "category")


def test_the_wasmtime_host_module_is_unsupported_with_a_reason(tmp_path):
    path = tmp_path / "gc.wast"
    path.write_text(';;! gc = true\n(module (import "wasmtime" "gc" (func)))\n')
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--json", str(out)]) == 0
    [record] = json.loads(out.read_text())["records"]
    assert record["status"] == "unsupported"
    assert "host module of wasmtime's own runner" in record["detail"]
