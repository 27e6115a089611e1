"""The HTML conformance matrix (harness/html_report.py), in a real browser too."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.cli import main
from harness.html_report import assertion_kind, expected_and_got, feature_of, load_run, render

SCRIPT = """
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_malformed (module quote "(func") "unexpected end")
"""
SIMD_SCRIPT = """
(module (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0))))
(assert_return (invoke "splat" (i32.const 7)) (v128.const i32x4 7 7 7 7))
"""


@pytest.mark.parametrize(
    "file, feature",
    [
        ("wasm-2.0/i64.wast", "core"),
        ("current/f64_cmp.wast", "core"),
        ("current/address64.wast", "memory64"),
        ("current/memory64-imports.wast", "memory64"),
        ("current/load1.wast", "multi-memory"),
        ("current/proposals/threads/atomic.wast", "threads"),
        ("current/legacy/throw.wast", "legacy-exceptions"),
        ("current/simd_f64x2.wast", "simd"),
        ("current/i8x16_relaxed_swizzle.wast", "relaxed-simd"),
        ("current/struct.wast", "gc"),
        ("current/return_call.wast", "tail-call"),
        ("current/try_table.wast", "exceptions"),
        ("current/table_get.wast", "reference-types"),
        ("current/memory_copy.wast", "bulk-memory"),
        ("current/i32.wast[2.0]", "core"),
    ],
)
def test_feature_of_a_file(file, feature):
    assert feature_of(file) == feature


def test_kinds_and_details():
    assert assertion_kind('assert_return (invoke "f")') == "assert_return"
    assert expected_and_got("expected (i32.const 4), got (i32.const 3)") == (
        "(i32.const 4)",
        "(i32.const 3)",
    )
    assert expected_and_got("worker died") == ("", "worker died")


def _run(tmp_path: Path, name: str, script: str, *engines: str) -> Path:
    wast = tmp_path / f"{name}.wast"
    wast.write_text(script)
    out = tmp_path / f"{name}.json"
    args = ["run", str(wast), "--json", str(out)]
    for e in engines or ("refimpl",):
        args += ["--engine", e]
    main(args)
    return out


def test_json_has_versions_and_a_per_file_summary(tmp_path):
    data = json.loads(_run(tmp_path, "small", SCRIPT).read_text())
    assert data["engine_versions"]["refimpl"].startswith("refimpl")
    [(file, per_engine)] = data["files"].items()
    assert file.endswith("small.wast")
    assert per_engine["refimpl"] == data["summary"]["refimpl"]
    assert per_engine["refimpl"]["fail"] == 1


def test_page_lists_each_failing_command(tmp_path):
    run = load_run(str(_run(tmp_path, "small", SCRIPT)))
    page = render([run])
    assert "(i32.const 4)" in page and "small.wast:6" in page
    assert "1 failing" in page


def test_comparison_names_regressions(tmp_path):
    before = _run(tmp_path, "small", SCRIPT)
    data = json.loads(before.read_text())
    for r in data["records"]:
        if r["status"] == "pass" and r["command"].startswith("assert_trap"):
            r["status"], r["detail"] = "unsupported", "gone"
    after = tmp_path / "after.json"
    after.write_text(json.dumps(data))
    page = render([load_run(str(before)), load_run(str(after))])
    assert "1 regressed" in page and "assert_trap (invoke" in page


@pytest.mark.parametrize("content, message", [(None, "cannot read"), ("{", "not JSON"),
                                              ("[]", "not a run")])  # fmt: skip
def test_bad_run_files_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_an_output_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    run = _run(tmp_path, "small", SCRIPT)
    taken = tmp_path / "taken"
    taken.write_text("")
    assert main(["report", str(run), "-o", str(taken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"wasm-harness report: error: cannot write {taken}")
    assert len(err.splitlines()) == 1


# -- in a real browser -----------------------------------------------------------


class _Cells(HTMLParser):
    """The numbers the rendered page shows: totals by engine and status, and
    the matrix cells' counts by engine."""

    def __init__(self):
        super().__init__()
        self.totals: dict[str, Counter] = {}
        self.matrix: dict[str, dict[str, Counter]] = {}
        self._engine = None
        self._status = None
        self._table = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("data-matrix") or a.get("class")
        if tag == "tr" and self._table == "totals" and "data-engine" in a:
            self._engine = a["data-engine"]
            self.totals.setdefault(self._engine, Counter())
        if tag == "td" and "data-status" in a and self._engine:
            self._status = a["data-status"]
        if tag == "td" and "data-engine" in a and self._table in ("feature", "kind"):
            counts = self.matrix.setdefault(self._table, {}).setdefault(a["data-engine"], Counter())
            for c in ("pass", "fail", "unsupported", "excused"):
                counts[c] += int(a[f"data-{c}"])

    def handle_data(self, data):
        if self._status is not None:
            self.totals[self._engine][self._status] = int(data)
            self._status = None

    def handle_endtag(self, tag):
        if tag == "tr":
            self._engine = None


# Headless, and nothing that reaches for the network (there is none to reach).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does it)")
    return found


def test_the_browser_shows_the_json_totals(tmp_path):
    chromium = _chromium()
    engines = ["refimpl", "refimpl-interpreter"]
    runs = [_run(tmp_path, "small", SCRIPT, *engines), _run(tmp_path, "simd", SIMD_SCRIPT)]
    assert main(["report", *map(str, runs), "-o", str(tmp_path / "html")]) == 0
    page = tmp_path / "html" / "index.html"
    dom = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert "WebAssembly conformance" in dom
    every, _, rest = dom.partition('data-run="0"')
    first, _, _ = rest.partition('data-run="1"')
    shown = _Cells()
    shown.feed(first)
    summary = json.loads(runs[0].read_text())["summary"]
    assert set(shown.totals) == set(engines)
    # The matrix of all runs: refimpl ran in both, so it is named by run.
    across = _Cells()
    across.feed(every)
    second = json.loads(runs[1].read_text())["summary"]["refimpl"]
    assert across.totals["refimpl [run 2]"]["total"] == sum(second.values())
    assert across.totals["refimpl [run 1]"]["pass"] == summary["refimpl"]["pass"]
    assert across.totals["refimpl-interpreter"]["fail"] == summary["refimpl-interpreter"]["fail"]
    for engine in engines:
        want = Counter(summary[engine])
        got = shown.totals[engine]
        assert got["total"] == sum(want.values())
        for status, n in want.items():
            assert got[status] == n, (engine, status)
        for kind in ("feature", "kind"):
            cells = shown.matrix[kind][engine]
            assert cells["pass"] == want["pass"]
            assert cells["fail"] == want["fail"] + want["crash"] + want["timeout"]
            assert cells["unsupported"] == want["unsupported"] + want["skip"]


def test_testsuite_commits_are_recorded_only_for_its_files(tmp_path):
    data = json.loads(_run(tmp_path, "small", SCRIPT).read_text())
    assert data["testsuite"] == {}
