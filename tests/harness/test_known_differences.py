"""Known differences: reviewed data files excuse and count, never hide."""

from pathlib import Path

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.engines.refimpl_engine import RefimplEngine
from harness.known_differences import (
    KNOWN_DIR,
    KnownDifferenceError,
    KnownDifferences,
    read_file,
)
from harness.outcomes import Ok
from harness.report import Differential, format_differential, records_of
from harness.runner import ScriptRunner
from harness.script import load_script

pytest_plugins = ["pytester"]

SCRIPT = """(module
  (func (export "t") (unreachable))
  (func (export "f") (result i32) (i32.const 1))
)
(assert_trap (invoke "t") "unreachable")
(assert_trap (invoke "t") "unreachable")
(invoke "f")
"""


class NoTrap(RefimplEngine):
    """An engine with a 'known difference': "t" returns instead of trapping."""

    def __init__(self):
        super().__init__("interpreter")
        self.name = "notrap"

    def open(self, options):
        session = super().open(options)
        invoke = session.invoke
        session.invoke = lambda h, field, args: Ok() if field == "t" else invoke(h, field, args)
        return session


ENTRY = """
[[difference]]
id = "t-returns"
reason = "notrap's t returns: planted for this test"
files = ["known/k.wast"]
lines = ["5-5"]
commands = ["assert_trap"]
expected = ["unreachable"]
outcome = ["ok"]
"""


def known_dir(tmp_path, text=ENTRY, engine="notrap") -> Path:
    d = tmp_path / "entries"
    d.mkdir(exist_ok=True)
    (d / f"{engine}.toml").write_text(text)
    return d


def run(tmp_path, known, engines=None):
    folder = tmp_path / "known"
    folder.mkdir(exist_ok=True)
    path = folder / "k.wast"
    path.write_text(SCRIPT)
    script = load_script(path, profile="2.0")
    engines = engines or [create_engine("refimpl"), NoTrap()]
    runner = ScriptRunner(script, engines, SessionOptions(profile="2.0"), known=known)
    return path, list(runner.run_all())


def test_an_entry_excuses_exactly_the_commands_it_selects(tmp_path):
    known = KnownDifferences.load(known_dir(tmp_path))
    path, results = run(tmp_path, known)
    excused, not_excused = results[1], results[2]
    assert excused.status == "excused"
    notrap = excused.results[1]
    assert notrap.status == "excused" and notrap.excused_by == "notrap:t-returns"
    assert "notrap's t returns" in notrap.verdict.detail
    # The divergence is excused too, and still reported.
    (d,) = excused.divergences
    assert d.excused_by == "notrap:t-returns"
    # Line 6 is the same difference, but the entry names line 5 only.
    assert not_excused.status == "fail" and not not_excused.divergences[0].excused_by
    # Counted per entry, listed with its reason.
    diff = Differential()
    for r in results:
        diff.add_result(r, str(path))
    assert diff.excused == {"notrap:t-returns": 1}
    text = format_differential(diff, known, ["refimpl", "notrap"], [str(path)])
    assert "divergences: 1 unexplained, 1 excused by known differences" in text
    assert "     1  notrap:t-returns: notrap's t returns: planted for this test" in text
    records = {r.engine: r for r in records_of(excused, str(path))}
    assert records["notrap"].status == "excused" and records["refimpl"].status == "pass"


@pytest.mark.parametrize(
    ("line", "selector"),
    [
        ('outcome = ["ok"]', 'outcome = ["trap"]'),
        ('expected = ["unreachable"]', 'expected = ["other"]'),
        ('commands = ["assert_trap"]', 'commands = ["assert_return"]'),
        ('files = ["known/k.wast"]', 'files = ["other/k.wast"]'),
        ('outcome = ["ok"]', 'profiles = ["mvp"]'),
        ('outcome = ["ok"]', 'applies_to = "divergence"'),
    ],
)
def test_selectors_narrow_what_an_entry_covers(tmp_path, line, selector):
    known = KnownDifferences.load(known_dir(tmp_path, ENTRY.replace(line, selector)))
    _, results = run(tmp_path, known)
    assert results[1].status == "fail", selector
    if "applies_to" in selector:
        # The divergence is excused, the failure is not.
        assert results[1].divergences[0].excused_by == "notrap:t-returns"


def test_the_shipped_entries_are_valid_and_reasoned():
    entries = KnownDifferences.load().entries
    assert {e.engine for e in entries} >= {"wabt"}
    assert (KNOWN_DIR / "wasmtime.toml").exists()
    for e in entries:
        assert len(e.reason) > 80, e.ref  # a reason, not a label
        assert e.files and e.commands, e.ref  # names the commands it covers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[difference]]\nid = "a"\nfiles = ["x"]\n', "'reason' is required"),
        ('[[difference]]\nid = "a"\nreason = "r"\nfiles = ["x"]\nline = [1]\n', "unknown keys"),
        ('[[difference]]\nid = "a"\nreason = "r"\nfiles = ["x"]\nlines = ["a-b"]\n', "line range"),
        ('[[difference]]\nid = "a"\nreason = "r"\nfiles = "x"\napplies_to = "x"\n', "applies_to"),
        ("[[difference]]\nid = 'a'\nreason = 'r'\nfiles = ['x']\n" * 2, "duplicate id"),
        ("not toml = = 1", "Expected"),
    ],
)
def test_bad_entries_are_errors(tmp_path, text, message):
    path = tmp_path / "e.toml"
    path.write_text(text)
    with pytest.raises(KnownDifferenceError, match=message):
        read_file(path)


def test_pytest_reports_an_excused_item_as_xfail(project, tmp_path):
    entries = known_dir(
        tmp_path,
        '[[difference]]\nid = "wrong"\nreason = "the expectation is wrong, on purpose"\n'
        'files = ["x.wast"]\nlines = [2]\n',
        engine="refimpl",
    )
    project.makefile(
        ".wast",
        x='(module (func (export "f") (result i32) (i32.const 1)))\n'
        '(assert_return (invoke "f") (i32.const 2))\n',
    )
    result = project.runpytest("x.wast", "-rx", "--known-differences", str(entries))
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*wasm differential*",
            "known differences applied (commands excused):",
            "*1  refimpl:wrong: the expectation is wrong, on purpose",
            "*XFAIL*x.wast::line_2*known difference refimpl:wrong: the expectation is wrong*",
        ]
    )
