"""pytest plugin: spec scripts as tests, one item per command.

``pytest spectests`` collects the project's own ``.wast`` files and, through
``spectests/official.testsuite``, the official suites.  Items of one file
share the script's state and run in order on one xdist worker; running one
item alone replays the commands before it that can change state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.outcomes import Exit
from _pytest.runner import CallInfo

from refimpl.features import Features

from .engines import FACTORIES, UnknownEngine, check_engine, create_engine, engine_names
from .engines.base import SessionOptions
from .known_differences import KnownDifferenceError, load_known
from .report import Differential, differential_of, format_differential, probe_notes, records_of
from .runner import CommandResult, ScriptRunner
from .script import CONVERTERS, ConversionError, load_script
from .testsuite import MISSING_MESSAGE, SUITES, find_testsuite, profiles_for, suite_files

ENGINES_KEY = pytest.StashKey[list]()
OFFICIAL_MARKER = ".testsuite"  # spectests/official.testsuite stands for the official suites


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasm", "WebAssembly spec scripts")
    group.addoption(
        "--engine",
        action="append",
        help="engine to run the scripts on (repeatable; default: refimpl): "
        f"{', '.join(sorted(FACTORIES))}, python:MODULE:ATTR or program:NAME=COMMAND",
    )
    group.addoption(
        "--testsuite",
        help="official testsuite folder (default: $WASM_TESTSUITE, else ../shared/testsuite)",
    )
    group.addoption(
        "--init-mode",
        action="append",
        help="also instantiate with this init mode of refimpl (repeatable, or all): "
        "paged, static, functable, cow, pooled; compared with plain refimpl",
    )
    group.addoption(
        "--suite",
        action="append",
        choices=sorted(SUITES),
        help="official suite to collect (repeatable; default: all)",
    )
    group.addoption(
        "--suite-recursive",
        action="store_true",
        help="also collect proposals/, legacy/ ... below the suites",
    )
    group.addoption("--profile", help="judge every script under this feature profile")
    group.addoption(
        "--converter",
        choices=CONVERTERS,
        default="auto",
        help="how scripts are read: a converter (wasm-tools, wast2json) or refimpl's parser",
    )
    group.addoption(
        "--isolate",
        choices=["auto", "all", "none"],
        default="auto",
        help="run engines in worker processes (auto: those that can crash)",
    )
    group.addoption(
        "--probe",
        choices=["auto", "on", "off"],
        default="auto",
        help="compare every memory, table and global across engines after each instantiation "
        "(auto: when at least two engines that can be probed run, i.e. refimpl and wasmtime)",
    )
    group.addoption(
        "--known-differences",
        metavar="DIR",
        help="folder of reviewed known differences, one ENGINE.toml per engine "
        "(default: harness/known)",
    )
    group.addoption(
        "--engine-timeout",
        type=float,
        default=60.0,
        help="seconds an engine may take for one command",
    )


def pytest_configure(config: pytest.Config) -> None:
    names = engine_names(config.getoption("engine"), config.getoption("init_mode"))
    try:
        engines = [check_engine(name) for name in names]
    except UnknownEngine as exc:
        raise pytest.UsageError(str(exc)) from None
    profile = config.getoption("profile")
    if profile:
        try:
            Features.parse(profile)
        except ValueError as exc:
            raise pytest.UsageError(f"--profile: {exc}") from None
    try:
        load_known(config.getoption("known_differences"))
    except KnownDifferenceError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistScheduling(), "wasm-xdist-scheduling")
    config.pluginmanager.register(_DifferentialSummary(config, engines), "wasm-differential")


DIFF_PROPERTY = "wasm_differential"


class _DifferentialSummary:
    """Collects what items compared across engines (their reports carry it,
    also from xdist workers) and ends the run with the divergence report."""

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
        config = self.config
        engines = engine_names(config.getoption("engine"), config.getoption("init_mode"))
        diff = self.diff
        if len(engines) < 2 and not diff.divergences and not diff.excused:
            return
        terminalreporter.section("wasm differential")
        known = load_known(self.config.getoption("known_differences"))
        text = format_differential(diff, known, engines, sorted(self.files))
        for line in text.splitlines():
            terminalreporter.write_line(line)
        probes = {"auto": None, "on": True, "off": False}[self.config.getoption("probe")]
        for note in probe_notes(self.engines, probes):
            terminalreporter.write_line(f"note: {note}")


class _XdistScheduling:
    """Keep each script's commands on one worker (they share its state)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        if config.getvalue("dist") not in ("load", "loadscope", "loadfile"):
            return None
        from .xdist_scheduling import ScriptScheduling

        return ScriptScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """A lean protocol for script commands, which have no fixtures: pytest's
    full setup/call/teardown machinery costs more than most commands do."""
    if not isinstance(item, CommandItem):
        return None
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reraise: tuple[type[BaseException], ...] = (Exit,)
    if not item.config.getoption("usepdb", False):
        reraise += (KeyboardInterrupt,)
    call = CallInfo.from_call(item.runtest, when="call", reraise=reraise)
    report = ihook.pytest_runtest_makereport(item=item, call=call)
    ihook.pytest_runtest_logreport(report=report)
    if item.config.option.xmlpath:  # junitxml writes a test case on its teardown report
        done = CallInfo.from_call(lambda: None, when="teardown")
        ihook.pytest_runtest_logreport(report=ihook.pytest_runtest_makereport(item=item, call=done))
    if nextitem is None or getattr(nextitem, "state", None) is not item.state:
        item.state.close()
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _engines(config: pytest.Config) -> list:
    if ENGINES_KEY not in config.stash:
        isolate = {"auto": None, "all": True, "none": False}[config.getoption("isolate")]
        timeout = config.getoption("engine_timeout")
        names = engine_names(config.getoption("engine"), config.getoption("init_mode"))
        config.stash[ENGINES_KEY] = [create_engine(n, isolate, timeout) for n in names]
    return config.stash[ENGINES_KEY]


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".wast":
        return WastFile.from_parent(parent, path=file_path)
    if file_path.name.endswith(OFFICIAL_MARKER):
        return OfficialSuites.from_parent(parent, path=file_path)
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    root = find_testsuite(config.getoption("testsuite"))
    names = engine_names(config.getoption("engine"), config.getoption("init_mode"))
    return [
        f"wasm engines: {', '.join(names)}; converter: {config.getoption('converter')}",
        f"wasm testsuite: {root if root else 'not found'}",
    ]


class OfficialSuites(pytest.File):
    """The official testsuite's scripts, found outside the repository."""

    def collect(self):
        root = find_testsuite(self.config.getoption("testsuite"))
        if root is None:
            pytest.skip(MISSING_MESSAGE)
        recursive = self.config.getoption("suite_recursive")
        for suite in self.config.getoption("suite") or list(SUITES):
            for path in suite_files(root, suite, nested=recursive):
                rel = path.relative_to(root / SUITES[suite].folder)
                for profile in profiles_for(path, root, self.config.getoption("profile")):
                    yield WastScript.from_parent(
                        self, name=f"{suite}/{rel}", script_path=path, profile=profile
                    )


class WastFile(pytest.File):
    """One of the project's own scripts; it may ask for several profiles."""

    def collect(self):
        root = find_testsuite(self.config.getoption("testsuite"))
        profiles = profiles_for(self.path, root, self.config.getoption("profile"))
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
            script = load_script(path, parent.config.getoption("converter"), profile)
        except ConversionError as exc:
            yield ScriptError.from_parent(parent, name="conversion", message=exc.message)
            return
        state = ScriptState(script, profile, parent.config)
        seen: dict[int, int] = {}
        for index, cmd in enumerate(script.commands):
            n = seen[cmd.line] = seen.get(cmd.line, 0) + 1
            name = f"line_{cmd.line}" + (f"_{n}" if n > 1 else "")
            yield CommandItem.from_parent(parent, name=name, state=state, index=index)


class ScriptState:
    """The script's runner, shared by its items, started on first use."""

    def __init__(self, script, profile: str, config: pytest.Config):
        self.script = script
        self.profile = profile
        self.config = config
        self.runner: ScriptRunner | None = None

    def run(self, index: int) -> CommandResult:
        if self.runner is None or index < self.runner.next_index:
            self.close()
            options = SessionOptions(
                profile=self.profile, timeout=self.config.getoption("engine_timeout")
            )
            probes = {"auto": None, "on": True, "off": False}[self.config.getoption("probe")]
            known = load_known(self.config.getoption("known_differences"))
            self.runner = ScriptRunner(
                self.script, _engines(self.config), options, probes=probes, known=known
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
        path = str(self.state.script.path)
        if result.figures.any() or result.divergences or result.excused_by:
            diff = differential_of(result, path).as_dict()
            self.user_properties.append((DIFF_PROPERTY, {"file": path, "diff": diff}))
        if result.status == "pass":
            return
        records = records_of(result, path)
        if result.status in ("fail", "crash", "timeout"):
            raise WastFailure(result, self._describe(records, result))
        if result.status == "excused":  # reported as xfail, with the entry: never a plain pass
            pytest.xfail("; ".join(f"{r.engine}: {r.detail}" for r in records if r.excused_by))
        if result.status in ("unsupported", "skip"):
            reasons = "; ".join(f"{r.engine}: {r.detail}" for r in records if r.detail)
            pytest.skip(f"{result.status}: {reasons}")

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
