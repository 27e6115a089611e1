"""V8's committed baselines (harness/adapters/v8/baseline-*.toml) catch an
adapter that regressed, naming exactly the assertions that moved."""

from __future__ import annotations

import re

import pytest

from harness.adapters.v8_engine import ADAPTER, NODE_FLAGS, find_node
from harness.cli import main
from harness.script import load_script
from harness.testsuite import find_testsuite

NODE, _ = find_node()
TESTSUITE = find_testsuite()
pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node >= 20 is not installed"),
    pytest.mark.skipif(TESTSUITE is None, reason="the official testsuite is not here"),
]
BASELINE = ADAPTER.with_name("baseline-wasm-2.0.toml")
FILES = ("i32.wast", "simd_lane.wast")
# The fixture's breakage: "rotl" answers a wrong value (pass -> fail) and
# "clz" says it can't run (pass -> unsupported).
BROKEN = {
    "function invoke(req) {": "function invoke(req) {\n"
    '  if (req.field === "rotl") return { kind: "ok", values: [{ type: "i32", bits: "7" }] };\n'
    '  if (req.field === "clz") return { kind: "unsupported", message: "fixture" };'
}


def _run(adapter, capsys) -> tuple[int, str]:
    engine = f"program:v8={NODE} {' '.join(NODE_FLAGS)} {adapter}"
    paths = [str(TESTSUITE / "wasm-2.0" / f) for f in FILES]
    code = main(["run", *paths, "--engine", engine, "--baseline", str(BASELINE), "-j", "1"])
    return code, capsys.readouterr().out


def test_the_shipped_adapter_holds_its_baseline(capsys):
    code, out = _run(ADAPTER, capsys)
    assert code == 0, out
    assert ", 0 regressed," in out


def test_a_broken_copy_fails_naming_exactly_the_regressed_assertions(tmp_path, capsys):
    broken = tmp_path / "adapter.mjs"
    text = ADAPTER.read_text()
    for old, new in BROKEN.items():
        assert old in text
        text = text.replace(old, new)
    broken.write_text(text)
    code, out = _run(broken, capsys)
    assert code == 1
    script = load_script(TESTSUITE / "wasm-2.0" / "i32.wast", profile="2.0")
    expected = {
        (c.line, "fail" if c.action.field == "rotl" else "unsupported")
        for c in script.commands
        if getattr(getattr(c, "action", None), "field", None) in ("rotl", "clz")
    }
    named = {
        (int(line), now)
        for line, now in re.findall(r"wasm-2.0/i32.wast:(\d+): \[v8\] .*: was pass, now (\w+)", out)
    }
    assert named == expected
    assert f"{len(expected)} regressed" in out
