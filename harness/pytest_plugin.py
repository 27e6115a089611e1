"""pytest plugin: spec scripts as tests, one item per command.

``pytest spectests`` collects the project's own ``.wast`` files and, through
``spectests/official.testsuite``, the official suites.  Items of one file
share the script's state and run in order on one xdist worker; running one
item alone replays the commands before it that can change state.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .baseline import Baseline, BaselineError, compare, fingerprints, recorded
from .dialect import detect
from .engines import UnknownEngine, engines_for
from .engines.base import SessionOptions
from .execution import display_name
from .known_differences import KnownDifferenceError, load_known
from .options import RunOptions, add_to_pytest
from .report import (
    Differential,
    Record,
    format_differential,
    probe_notes,
    records_of,
)
from .runner import CommandResult, ScriptRunner
from .script import ConversionError, load_script
from .script.convert import cache_root
from .stack_room import with_stack_room
from .status import Status
from .testsuite import (
    MISSING_MESSAGE,
    SUITES,
    TESTSUITE_ENV,
    find_testsuite,
    profiles_for,
    suite_files,
)

RUN_KEY = pytest.StashKey[RunOptions]()
OFFICIAL_MARKER = ".testsuite"  # spectests/official.testsuite stands for the official suites
_ROOMY = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config):
    """The whole session with stack room (``stack_room.py``: CPython 3.11
    maps and unmaps a stack chunk per call where a chunk ends inside the
    commands' calls).  The hook is called again from within the room; there
    this returns None, so the implementations that run sessions (pytest's,
    xdist's, or one for ``--help``) take their turn."""
    if config.stash.get(_ROOMY, False):
        return None
    config.stash[_ROOMY] = True
    return with_stack_room(lambda: config.hook.pytest_cmdline_main(config=config))


def pytest_addoption(parser: pytest.Parser) -> None:
    add_to_pytest(parser.getgroup("wasm", "WebAssembly spec scripts"))


def pytest_configure(config: pytest.Config) -> None:
    run = RunOptions.read(config.getoption)
    try:
        load_known(run.known)
        engines = engines_for(run.engines, run.isolate, run.timeout)
    except (UnknownEngine, KnownDifferenceError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RUN_KEY] = run
    try:
        baseline = _baseline_of(run)
    except BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None
    if run.baseline is not None:
        config.stash[BASELINE_KEY] = baseline
        config.pluginmanager.register(_BaselineSummary(config, baseline), "wasm-baseline")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistScheduling(), "wasm-xdist-scheduling")
    config.pluginmanager.register(_DifferentialSummary(config, engines), "wasm-differential")


def _run_options(config: pytest.Config) -> RunOptions:
    return config.stash[RUN_KEY]


def _baseline_of(run: RunOptions) -> Baseline | None:
    if run.update_baseline and run.baseline is None:
        raise BaselineError("--update-baseline needs --baseline FILE (the file to write)")
    if run.strict_baseline and run.baseline is None:
        raise BaselineError("--strict-baseline needs --baseline FILE")
    if run.baseline is None or (run.update_baseline and not Path(run.baseline).exists()):
        return None
    return Baseline.load(Path(run.baseline))


BASELINE_KEY = pytest.StashKey[Baseline | None]()
BASELINE_PROPERTY = "wasm_baseline"


class _BaselineSummary:
    """Gathers every command's records (also from xdist workers, through
    their reports) and, at the end, compares them with the baseline (newly
    passing, stale entries; ``--strict-baseline`` fails on them) or writes
    it (``--update-baseline``).  Regressions already failed their items."""

    def __init__(self, config: pytest.Config, baseline: Baseline | None):
        self.config = config
        self.baseline = baseline
        self.records: list[Record] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == BASELINE_PROPERTY:
                self.records += [Record.from_dict(r) for r in value]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        run = _run_options(self.config)
        if self.config.pluginmanager.hasplugin("xdist") and hasattr(self.config, "workerinput"):
            return  # a worker: the controller sums up
        assert run.baseline is not None
        if run.update_baseline:
            recorded(self.records, {}, run.engines, self.baseline).write(Path(run.baseline))
            return
        assert self.baseline is not None
        self.comparison = compare(self.baseline, self.records, {}, run.engines)
        if self.comparison.failed(run.strict_baseline) and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        run = _run_options(self.config)
        terminalreporter.section("wasm baseline")
        if run.update_baseline:
            terminalreporter.write_line(f"baseline written: {run.baseline}")
            return
        comparison = getattr(self, "comparison", None)
        if comparison is not None:
            for line in comparison.format().splitlines():
                terminalreporter.write_line(line)


DIFF_PROPERTY = "wasm_differential"


class _DifferentialSummary:
    """Collects what items compared across engines (their reports carry it,
    also from xdist workers; a script's commands sum theirs into the report
    of the last one run, see ``ScriptState.differential``) and ends the run
    with the divergence report."""

    def __init__(self, config: pytest.Config, engines: list):
        self.config = config
        self.engines = engines
        self.diff = Differential()
        self.files: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == DIFF_PROPERTY:
                self.diff.add(Differential.from_dict(value["diff"]))
                self.files.add(value["file"])

    def pytest_terminal_summary(self, terminalreporter) -> None:
        run = _run_options(self.config)
        diff = self.diff
        if len(run.engines) < 2 and not diff.divergences and not diff.excused:
            return
        terminalreporter.section("wasm differential")
        known = load_known(run.known)
        text = format_differential(diff, known, run.engines, sorted(self.files))
        for line in text.splitlines():
            terminalreporter.write_line(line)
        for note in probe_notes(self.engines, run.probes):
            terminalreporter.write_line(f"note: {note}")


class _XdistScheduling:
    """Keep each script's commands on one worker (they share its state), the
    longest scripts first as earlier runs measured them (the durations file
    sits beside the conversion cache)."""

    scheduler = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        if config.getvalue("dist") not in ("load", "loadscope", "loadfile"):
            return None
        from .xdist_scheduling import ScriptScheduling, read_durations

        self.scheduler = ScriptScheduling(config, log, read_durations(_durations_file()))
        return self.scheduler

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.scheduler is not None and self.scheduler.measured:
            from .xdist_scheduling import write_durations

            write_durations(_durations_file(), self.scheduler.measured)


def _durations_file() -> Path:
    return cache_root() / "durations.json"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """A lean protocol for script commands, which have no fixtures: pytest's
    full setup/call/teardown machinery costs more than most commands do."""
    if not isinstance(item, CommandItem):
        return None
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reraise: tuple[type[BaseException], ...] = (pytest.exit.Exception,)
    if not item.config.getoption("usepdb", False):
        reraise += (KeyboardInterrupt,)
    call = pytest.CallInfo.from_call(item.runtest, when="call", reraise=reraise)
    last = nextitem is None or getattr(nextitem, "state", None) is not item.state
    if last or (call.excinfo is not None and not call.excinfo.errisinstance(_NOT_FAILURES)):
        item.attach_differential()  # a failure may end the run (-x): never lose what it had
    report = ihook.pytest_runtest_makereport(item=item, call=call)
    ihook.pytest_runtest_logreport(report=report)
    if item.config.option.xmlpath:  # junitxml writes a test case on its teardown report
        done = pytest.CallInfo.from_call(lambda: None, when="teardown")
        ihook.pytest_runtest_logreport(report=ihook.pytest_runtest_makereport(item=item, call=done))
    if nextitem is None or getattr(nextitem, "state", None) is not item.state:
        item.state.close()
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


_NOT_FAILURES = (pytest.skip.Exception, pytest.xfail.Exception)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".wast":
        return WastFile.from_parent(parent, path=file_path)
    if file_path.name.endswith(OFFICIAL_MARKER):
        return OfficialSuites.from_parent(parent, path=file_path)
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = _run_options(config)
    root = find_testsuite(run.testsuite)
    return [
        f"wasm engines: {', '.join(run.engines)}; converter: {run.converter}",
        f"wasm testsuite: {root if root else 'not found'}",
    ]


class OfficialSuites(pytest.File):
    """The official testsuite's scripts, found outside the repository."""

    def collect(self):
        run = _run_options(self.config)
        root = find_testsuite(run.testsuite)
        explicit = run.testsuite or os.environ.get(TESTSUITE_ENV)
        if root is None:
            if explicit or run.suites:  # asked for: an error, never a silent skip
                raise self.CollectError(f"testsuite {explicit or ''}: {MISSING_MESSAGE}")
            pytest.skip(MISSING_MESSAGE)
        asked = run.suites or tuple(SUITES)
        found = {suite: suite_files(root, suite, nested=run.recursive) for suite in asked}
        for suite, paths in found.items():
            if not paths and (run.suites or not any(found.values())):
                raise self.CollectError(
                    f"suite {suite}: no .wast files in {root / SUITES[suite].folder}"
                )
        for suite, paths in found.items():
            for path in paths:
                rel = path.relative_to(root / SUITES[suite].folder)
                for profile in profiles_for(path, root, run.profile, run.dialect):
                    yield WastScript.from_parent(
                        self, name=f"{suite}/{rel}", script_path=path, profile=profile
                    )


class WastFile(pytest.File):
    """One of the project's own scripts; it may ask for several profiles."""

    def collect(self):
        run = _run_options(self.config)
        root = find_testsuite(run.testsuite)
        profiles = profiles_for(self.path, root, run.profile, run.dialect)
        if len(profiles) == 1:
            yield from WastScript.items_of(self, self.path, profiles[0])
        else:
            for profile in profiles:
                yield WastScript.from_parent(
                    self, name=f"[{profile}]", script_path=self.path, profile=profile
                )


class WastScript(pytest.Collector):
    """A script under one profile; its items are its commands."""

    def __init__(self, *, script_path: Path, profile: str, **kwargs):
        super().__init__(**kwargs)
        self.script_path = script_path
        self.profile = profile

    def collect(self):
        yield from self.items_of(self, self.script_path, self.profile)

    @staticmethod
    def items_of(parent: pytest.Collector, path: Path, profile: str):
        try:
            script = load_script(path, _run_options(parent.config).converter, profile)
        except ConversionError as exc:
            yield ScriptError.from_parent(parent, name="conversion", message=exc.message)
            return
        run = _run_options(parent.config)
        root = find_testsuite(run.testsuite)
        display = display_name(path, root)
        if len(profiles_for(path, root, run.profile, run.dialect)) > 1:
            display += f"[{profile}]"
        state = ScriptState(script, profile, parent.config, display)
        seen: dict[int, int] = {}
        for index, cmd in enumerate(script.commands):
            n = seen[cmd.line] = seen.get(cmd.line, 0) + 1
            name = f"line_{cmd.line}" + (f"_{n}" if n > 1 else "")
            yield CommandItem.from_parent(parent, name=name, state=state, index=index)


class ScriptState:
    """The script's runner, shared by its items, started on first use."""

    def __init__(self, script, profile: str, config: pytest.Config, display: str):
        self.script = script
        self.profile = profile
        self.config = config
        self.display = display  # the file as reports and baselines name it
        self._fingerprints: list[str] | None = None
        self.runner: ScriptRunner | None = None
        # What the commands run since the last report compared across
        # engines: sent once, with the report of the script's last command
        # (or of a failure), not with each command's.  Measured on wasm-2.0's
        # f32/f64 scripts (29,492 commands, 3 engines): per-command
        # properties cost 1.8 s of the controller's CPU and 2.7 s of the
        # workers'.
        self.differential: Differential | None = None

    @property
    def fingerprints(self) -> list[str]:
        """Computed when the script first runs, not at collection: every
        xdist worker collects every script but runs only its share."""
        if self._fingerprints is None:
            self._fingerprints = fingerprints(self.script.commands)
        return self._fingerprints

    def run(self, index: int) -> CommandResult:
        if self.runner is None or index < self.runner.next_index:
            self.close()
            run = _run_options(self.config)
            options = SessionOptions(profile=self.profile, timeout=run.timeout)
            engines = engines_for(run.engines, run.isolate, run.timeout)
            self.runner = ScriptRunner(
                self.script,
                engines,
                options,
                probes=run.probes,
                known=load_known(run.known),
                dialect=detect(self.script.path, run.dialect),
            )
        return self.runner.run(index)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None


class WastFailure(Exception):
    def __init__(self, result: CommandResult, display: str):
        super().__init__(display)
        self.result = result


class CommandItem(pytest.Item):
    def __init__(self, *, state: ScriptState, index: int, **kwargs):
        super().__init__(**kwargs)
        self.state = state
        self.index = index
        self.command = state.script.commands[index]

    def runtest(self) -> None:
        result = self.state.run(self.index)
        if result.figures.any() or result.divergences or result.excused_by:
            if self.state.differential is None:
                self.state.differential = Differential()
            self.state.differential.add_result(result, str(self.state.script.path))
        baselined = (
            self.config.stash.get(BASELINE_KEY, None) is not None
            or _run_options(self.config).update_baseline
        )
        if result.status == Status.PASS and not baselined:
            return  # the records are for reasons, failures and baselines
        records = records_of(result, self.state.display, self.state.fingerprints[self.index])
        if baselined:
            self.user_properties.append((BASELINE_PROPERTY, [r.as_dict() for r in records]))
            baseline = self.config.stash.get(BASELINE_KEY, None)
            if baseline is not None:
                return self._against(baseline, records, result)
        if result.status == Status.PASS:
            return
        if result.status.is_problem:
            raise WastFailure(result, self._describe(records, result))
        if result.status == Status.EXCUSED:  # reported as xfail, with the entry: never a pass
            pytest.xfail("; ".join(f"{r.engine}: {r.detail}" for r in records if r.excused_by))
        # unsupported or skip, on at least one engine: the reasons of those
        reasons = "; ".join(
            f"{r.engine}: {r.detail}" for r in records if r.status != Status.PASS and r.detail
        )
        pytest.skip(f"{result.status}: {reasons}")

    def attach_differential(self) -> None:
        """Put what the script's commands compared so far into this item's
        report (the controller's ``_DifferentialSummary`` sums them)."""
        diff, self.state.differential = self.state.differential, None
        if diff is not None:
            path = str(self.state.script.path)
            self.user_properties.append((DIFF_PROPERTY, {"file": path, "diff": diff.as_dict()}))

    def _against(self, baseline: Baseline, records, result: CommandResult) -> None:
        """With a baseline: fail only on a status that moved away from pass
        or from the recorded one; a recorded non-pass is an xfail."""
        moved = []
        for r in records:
            entry = baseline.entries.get((r.engine, r.file, r.fingerprint))
            was = entry.status if entry is not None else Status.PASS
            if r.status != was and r.status != Status.PASS:
                moved.append(f"{r.engine}: was {was}, now {r.status}: {r.detail}")
        if moved:
            text = self._describe(records, result) + "\n  baseline: " + "; ".join(moved)
            raise WastFailure(result, text)
        if result.status != Status.PASS:
            pytest.xfail(f"as the baseline records: {result.status}")

    def _describe(self, records, result: CommandResult) -> str:
        lines = [f"{self.state.script.path}:{self.command.line}: {self.command.describe()}"]
        lines.append(f"  profile: {self.state.profile}")
        for r in records:
            lines.append(f"  {r.engine}: {r.status}" + (f": {r.detail}" if r.detail else ""))
        for d in result.divergences:
            lines.append(f"  divergence: {d}")
        return "\n".join(lines)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, WastFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return (
            self.state.script.path,
            self.command.line - 1,
            f"{self.name}: {self.command.describe()}",
        )


class ScriptError(pytest.Item):
    """A file that could not be turned into commands at all."""

    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise WastFailure(None, self.message)  # type: ignore[arg-type]

    def repr_failure(self, excinfo, style=None):
        return f"{self.path}: cannot convert: {self.message}"

    def reportinfo(self):
        return self.path, 0, "conversion"
