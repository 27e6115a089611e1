"""What a run tells: the by-feature summary, how many official commands ran,
how passes were established, and JUnit files with counts and readable names."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from harness.cli import main

SCRIPT = """
(module (func (export "f") (param i32) (result i32) (local.get 0))
        (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))
(assert_return (invoke "f" (i32.const 1)) (i32.const 1))
(assert_return (invoke "f" (i32.const 2)) (i32.const 3))
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
"""


def test_the_console_has_features_official_count_and_junit_counts(tmp_path, capsys):
    wast = tmp_path / "myproposal" / "x.wast"  # a folder of its own: its feature
    wast.parent.mkdir()
    wast.write_text(SCRIPT)
    junit, data = tmp_path / "r.xml", tmp_path / "r.json"
    code = main(["run", str(wast), "--junit", str(junit), "--json", str(data)])
    assert code == 1
    out = capsys.readouterr().out
    feature_rows = [line.split() for line in out.splitlines() if line.startswith("myproposal ")]
    assert feature_rows == [["myproposal", "refimpl", "3", "1", "0", "0", "0", "0", "0"]]
    assert "official testsuite: no commands ran" in out
    assert json.loads(data.read_text())["official_commands"] == 0
    assert json.loads(data.read_text())["passes_by_match"] == {"refimpl": {"exact": 3}}
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    [suite] = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "0")
    names = [case.get("name") for case in suite.findall("testcase")]
    assert '5: assert_return (invoke "f" (i32.const 2)) [refimpl]' in names


def test_the_official_commands_are_counted(capsys):
    from harness.testsuite import find_testsuite

    root = find_testsuite()
    if root is None:
        import pytest

        pytest.skip("the official testsuite is not here")
    assert main(["run", str(root / "wasm-2.0" / "nop.wast"), "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "official testsuite: " in out and " commands ran, in 1 files" in out
