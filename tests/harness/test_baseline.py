"""Baselines: fingerprints that survive inserted tests, regressions and
newly passing commands, the TOML file, and the CLI's exit statuses."""

from __future__ import annotations

import pytest

from harness.baseline import Baseline, BaselineError, Entry, compare, fingerprints, recorded
from harness.cli import main
from harness.report import Record
from harness.script import load_script
from harness.status import Status

SCRIPT = """
(module (func (export "f") (param i32) (result i32) (local.get 0)))
(assert_return (invoke "f" (i32.const 1)) (i32.const 1))
(assert_return (invoke "f" (i32.const 2)) (i32.const 2))
(assert_return (invoke "f" (i32.const 1)) (i32.const 1))
"""
INSERTED = """
(module (func (export "g") (result i32) (i32.const 0)))
(assert_return (invoke "g") (i32.const 0))
"""
FAILING = """
(module (func (export "f") (param i32) (result i32) (local.get 0)))
(assert_return (invoke "f" (i32.const 1)) (i32.const 1))
(assert_return (invoke "f" (i32.const 2)) (i32.const 3))
"""


def _fps(tmp_path, text: str) -> list[str]:
    path = tmp_path / "s.wast"
    path.write_text(text)
    return fingerprints(load_script(path).commands)


def test_fingerprints_do_not_move_when_tests_are_inserted_above(tmp_path):
    before = _fps(tmp_path, SCRIPT)
    after = _fps(tmp_path, INSERTED + SCRIPT)
    assert after[2:] == before
    assert before[1] != before[2]  # other arguments, other fingerprints
    assert before[3] == before[1] + "#2"  # the same command again: its occurrence


def _record(status: Status, fp: str = "a", engine: str = "v8") -> Record:
    return Record("x.wast", 7, "assert_return", engine, status, "why", fingerprint=fp)


def test_a_run_fails_on_moves_away_from_pass_or_from_the_recorded_status():
    base = Baseline({("v8", "x.wast", "b"): Entry("v8", "x.wast", "b", "unsupported")})
    same = compare(base, [_record(Status.PASS), _record(Status.UNSUPPORTED, "b")], {}, ["v8"])
    assert not same.failed(strict=True) and same.held == 2
    regressed = compare(base, [_record(Status.UNSUPPORTED), _record(Status.FAIL, "b")], {}, ["v8"])
    assert [(r.fingerprint, was) for r, was in regressed.regressed] == [
        ("a", "pass"),
        ("b", "unsupported"),
    ]
    assert regressed.failed(strict=False)


def test_newly_passing_and_stale_entries_are_reported_and_fail_only_when_strict():
    base = Baseline(
        {
            ("v8", "x.wast", "b"): Entry("v8", "x.wast", "b", "fail"),
            ("v8", "x.wast", "gone"): Entry("v8", "x.wast", "gone", "fail"),
            ("v8", "other.wast", "c"): Entry("v8", "other.wast", "c", "fail"),  # not run
        }
    )
    result = compare(base, [_record(Status.PASS, "b")], {}, ["v8"])
    assert len(result.newly_passing) == 1
    assert [e.fingerprint for e in result.stale] == ["gone"]
    assert not result.failed(strict=False) and result.failed(strict=True)
    assert "newly passing (1" in result.format() and "stale entries (1" in result.format()


def test_the_file_round_trips_and_keeps_edited_reasons(tmp_path):
    path = tmp_path / "b.toml"
    old = Baseline({("v8", "x.wast", "a"): Entry("v8", "x.wast", "a", "fail", "reviewed: bug 12")})
    new = recorded([_record(Status.FAIL), _record(Status.UNSUPPORTED, 'q"\\')], {}, ["v8"], old)
    new.write(path)
    again = Baseline.load(path)
    assert again.entries == new.entries
    assert again.entries[("v8", "x.wast", "a")].reason == "reviewed: bug 12"


V1 = """version = 1
[[entry]]
engine = "v8"
file = "x.wast"
fingerprint = "a"
command = "assert_return"
line = 3
status = "fail"
reason = "r"

[[entry]]
engine = "v8"
file = "x.wast"
fingerprint = "b"
line = 4
status = "fail"
reason = "r"
"""


def test_version_1_is_read_and_written_back_grouped(tmp_path):
    """Entries of one engine, file, status and reason become one group,
    every entry still itself."""
    old, new = tmp_path / "v1.toml", tmp_path / "v2.toml"
    old.write_text(V1)
    baseline = Baseline.load(old)
    assert baseline.entries[("v8", "x.wast", "b")] == Entry("v8", "x.wast", "b", "fail", "r", "", 4)
    baseline.write(new)
    assert new.read_text().count("[[group]]") == 1
    assert Baseline.load(new).entries == baseline.entries


@pytest.mark.parametrize(
    "text, message",
    [
        ("version = 3", "version must be 2"),
        ("version = 2\n[[group]]\nengine = 'v8'", "entry 1: missing or bad"),
        ("version = 2\n[[group]]\nengine='v8'\nfile='f'\nstatus='fail'\ncommands=[[1]]", "bad"),
        ("version = 1\n[[entry]]\nengine = 'v8'", "entry 1: missing or bad"),
        ("version = 1\n[[entry]]\nengine='v8'\nfile='f'\nfingerprint='x'\nstatus='pass'", "pass"),
        ("version = ", "not TOML"),
    ],
)
def test_a_bad_baseline_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "b.toml"
    path.write_text(text)
    with pytest.raises(BaselineError, match=message):
        Baseline.load(path)


def test_the_cli_exits_0_as_recorded_1_on_a_regression_2_on_bad_input(tmp_path, capsys):
    wast, base = tmp_path / "t.wast", tmp_path / "base.toml"
    wast.write_text(FAILING)
    assert main(["run", str(wast)]) == 1
    assert main(["run", str(wast), "--baseline", str(base), "--update-baseline"]) == 0
    assert 'status = "fail"' in base.read_text() and "version = 2" in base.read_text()
    assert main(["run", str(wast), "--baseline", str(base)]) == 0
    wast.write_text(FAILING.replace("(i32.const 1)) (i32.const 1)", "(i32.const 1)) (i32.const 5)"))
    capsys.readouterr()
    assert main(["run", str(wast), "--baseline", str(base)]) == 1
    out = capsys.readouterr().out
    assert "regressed (1):" in out and "t.wast:3: [refimpl]" in out and "was pass, now fail" in out
    for argv, said in [
        (["--baseline", str(tmp_path / "none.toml")], "no such file"),
        (["--update-baseline"], "--update-baseline needs --baseline"),
        (["--json", str(tmp_path / "no" / "r.json")], "no such folder"),
    ]:
        with pytest.raises(SystemExit) as exc:
            main(["run", str(wast), *argv])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1
