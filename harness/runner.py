"""Run a script's commands on one or more engines, in step.

A ``ScriptRunner`` is the script's context, like the spec interpreter's
script runner or wasmtime's ``WastContext``: it owns the current module, the
module names and the registrations, and drives one session per engine.
Commands run in order; asking for a later command first replays the earlier
ones that can change state, silently, so any single command can run alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .engines.base import Engine, ScriptEngine, Session, SessionOptions
from .judge import Verdict, judge, outcome_category
from .outcomes import Crashed, Ok, Outcome, Unsupported
from .script.commands import (
    ActionCommand,
    AssertException,
    AssertExhaustion,
    AssertInvalid,
    AssertMalformed,
    AssertReturn,
    AssertTrap,
    AssertUninstantiable,
    AssertUnlinkable,
    Command,
    ConversionFailure,
    ModuleCommand,
    ModuleInstance,
    ModuleSource,
    Register,
    Script,
    changes_state,
)


@dataclass(frozen=True, slots=True)
class EngineResult:
    engine: str
    outcome: Outcome
    verdict: Verdict

    @property
    def status(self) -> str:
        return self.verdict.status


@dataclass(slots=True)
class CommandResult:
    file: Path
    command: Command
    results: list[EngineResult]
    divergence: str | None = None  # how the engines disagree, if they do

    @property
    def line(self) -> int:
        return self.command.line

    @property
    def status(self) -> str:
        """The item's status: fail if any engine failed or engines diverged."""
        statuses = {r.status for r in self.results}
        if self.divergence or "fail" in statuses:
            return "fail"
        for s in ("crash", "timeout", "pass", "unsupported", "skip"):
            if s in statuses:
                return s
        return "skip"


class _Lane:
    """One engine's view of the script: its session and which handles it has."""

    def __init__(self, engine: Engine | ScriptEngine, options: SessionOptions, script: Script):
        self.engine = engine
        self.options = options
        self.script = script
        self.session: Session | None = None
        self.profile_gap = (
            engine.unsupported_profile(options.profile) if isinstance(engine, Engine) else None
        )
        self.script_outcomes: dict[int, Outcome] | None = None
        # Handles whose module this engine could not instantiate, and why.
        self.missing: dict[str, Outcome] = {}

    @property
    def name(self) -> str:
        return self.engine.name

    def open(self) -> Session:
        if self.session is None:
            assert isinstance(self.engine, Engine)
            self.session = self.engine.open(self.options)
        return self.session

    def scripted(self, line: int) -> Outcome:
        if self.script_outcomes is None:
            assert isinstance(self.engine, ScriptEngine)
            try:
                self.script_outcomes = self.engine.run_script(self.script, self.options)
            except Exception as exc:  # the adapter itself failed: report, don't stop
                self.script_outcomes = {}
                self.failure = Crashed(f"{type(exc).__name__}: {exc}")
        return self.script_outcomes.get(line) or getattr(
            self, "failure", Unsupported(f"{self.name} reported no result for this command")
        )

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


@dataclass
class _Names:
    current: str | None = None
    by_name: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, ModuleSource] = field(default_factory=dict)
    counter: int = 0

    def new_handle(self) -> str:
        self.counter += 1
        return f"m{self.counter}"


class ScriptRunner:
    def __init__(
        self,
        script: Script,
        engines: list[Engine | ScriptEngine],
        options: SessionOptions | None = None,
    ):
        self.script = script
        self.options = options or SessionOptions()
        self.lanes = [_Lane(e, self.options, script) for e in engines]
        self.names = _Names()
        self.next_index = 0

    # -- driving -----------------------------------------------------------------

    def run_all(self) -> Iterator[CommandResult]:
        try:
            for index in range(len(self.script.commands)):
                yield self.run(index)
        finally:
            self.close()

    def run(self, index: int) -> CommandResult:
        """Run command ``index``, first replaying what it depends on."""
        commands = self.script.commands
        if index < self.next_index:
            raise ValueError("commands run in order; start a new runner to go back")
        for earlier in range(self.next_index, index):
            if changes_state(commands[earlier]):
                self._execute(commands[earlier])
        self.next_index = index + 1
        return self._execute(commands[index])

    def close(self) -> None:
        for lane in self.lanes:
            lane.close()

    # -- one command -----------------------------------------------------------

    def _execute(self, cmd: Command) -> CommandResult:
        handle = self._handle_for(cmd)
        results = [self._on_lane(lane, cmd, handle) for lane in self.lanes]
        instantiates = isinstance(cmd, ModuleInstance) or (
            isinstance(cmd, ModuleCommand) and not cmd.definition_only
        )
        if instantiates:
            self._bind(cmd, handle)
        elif isinstance(cmd, ModuleCommand) and cmd.name:  # a definition
            self.names.definitions[cmd.name] = cmd.module
        result = CommandResult(self.script.path, cmd, results)
        result.divergence = _divergence(cmd, results, self.lanes)
        return result

    def _handle_for(self, cmd: Command) -> str | None:
        if isinstance(cmd, (ModuleCommand, ModuleInstance)):
            return self.names.new_handle()
        return None

    def _bind(self, cmd: ModuleCommand | ModuleInstance, handle: str | None) -> None:
        name = cmd.name if isinstance(cmd, ModuleCommand) else cmd.instance
        self.names.current = handle
        if name:
            self.names.by_name[name] = handle

    def _target(self, module_name: str | None) -> str | None:
        if module_name is None:
            return self.names.current
        return self.names.by_name.get(module_name)

    def _on_lane(self, lane: _Lane, cmd: Command, handle: str | None) -> EngineResult:
        if lane.profile_gap:
            outcome = Unsupported(lane.profile_gap)
        elif isinstance(lane.engine, ScriptEngine):
            outcome = lane.scripted(cmd.line)
        else:
            try:
                outcome = self._perform(lane, cmd, handle)
            except Exception as exc:  # an adapter bug must not stop the run
                outcome = Crashed(f"{type(exc).__name__} in the {lane.name} adapter: {exc}")
        if isinstance(cmd, ConversionFailure):
            verdict = Verdict("fail", f"the converter rejected this command: {cmd.message}")
        elif lane.profile_gap:
            verdict = Verdict("unsupported", lane.profile_gap)
        else:
            verdict = _dependent_verdict(lane, cmd, self) or judge(
                cmd, outcome, lane.engine.exact_messages
            )
        return EngineResult(lane.name, outcome, verdict)

    def _perform(self, lane: _Lane, cmd: Command, handle: str | None) -> Outcome:
        if isinstance(cmd, ConversionFailure):
            if cmd.defines_module:
                self.names.current = None  # later commands must not hit a stale module
            return Unsupported("not converted")
        if isinstance(cmd, ModuleCommand):
            session = lane.open()
            if cmd.definition_only:
                return session.check(cmd.module)
            return self._instantiate(lane, cmd.module, handle)
        if isinstance(cmd, ModuleInstance):
            module = self.names.definitions.get(cmd.definition)
            if module is None:
                return Crashed(f"unknown module definition {cmd.definition!r}")
            return self._instantiate(lane, module, handle)
        if isinstance(cmd, Register):
            target = self._target(cmd.module)
            if target is None or target in lane.missing:
                return lane.missing.get(target, Unsupported("no module to register"))
            return lane.open().register(cmd.as_name, target)
        if isinstance(
            cmd, (ActionCommand, AssertReturn, AssertTrap, AssertExhaustion, AssertException)
        ):
            action = cmd.action
            target = self._target(action.module)
            if target is None or target in lane.missing:
                return lane.missing.get(target, Unsupported("no module to act on"))
            session = lane.open()
            if action.kind == "get":
                return session.get(target, action.field)
            return session.invoke(target, action.field, action.args)
        if isinstance(cmd, (AssertMalformed, AssertInvalid)):
            return lane.open().check(cmd.module)
        if isinstance(cmd, (AssertUnlinkable, AssertUninstantiable)):
            return self._instantiate(lane, cmd.module, None)
        return Unsupported(f"command {cmd.wast_name} is not supported")

    def _instantiate(self, lane: _Lane, module: ModuleSource, handle: str | None) -> Outcome:
        outcome = lane.open().instantiate(module, handle)
        if handle is not None and not isinstance(outcome, Ok):
            lane.missing[handle] = outcome
        return outcome


def _dependent_verdict(lane: _Lane, cmd: Command, runner: ScriptRunner) -> Verdict | None:
    """Commands that act on a module this engine never instantiated are not
    judged: unsupported if the module was, skipped otherwise."""
    module_name = getattr(getattr(cmd, "action", None), "module", None)
    if isinstance(cmd, Register):
        module_name = cmd.module
    elif not hasattr(cmd, "action"):
        return None
    target = runner._target(module_name)
    cause = lane.missing.get(target) if target else None
    if target is None:
        return Verdict("skip", "no module is available (an earlier module was not converted)")
    if cause is None:
        return None
    if isinstance(cause, Unsupported):
        return Verdict("unsupported", f"its module is unsupported: {cause.reason}")
    return Verdict("skip", f"its module failed to instantiate: {cause}")


def _divergence(cmd: Command, results: list[EngineResult], lanes: list[_Lane]) -> str | None:
    """How engines that ran the command disagree, or None."""
    if len(results) < 2:
        return None
    comparable = [
        (r, lane) for r, lane in zip(results, lanes, strict=True) if r.status in ("pass", "fail")
    ]
    if len(comparable) < 2:
        return None
    (first, first_lane), rest = comparable[0], comparable[1:]
    for other, other_lane in rest:
        a, b = first.outcome, other.outcome
        if a.kind != b.kind:
            return f"{first.engine}: {a}; {other.engine}: {b}"
        ca = outcome_category(a, first_lane.engine.exact_messages)
        cb = outcome_category(b, other_lane.engine.exact_messages)
        if ca != cb and ca is not None and cb is not None:
            return f"{first.engine}: {a} [{ca}]; {other.engine}: {b} [{cb}]"
        compare_values = isinstance(cmd, ActionCommand) or (
            isinstance(cmd, AssertReturn) and first.status == other.status == "fail"
        )
        if compare_values and isinstance(a, Ok) and isinstance(b, Ok) and a.values != b.values:
            return f"{first.engine}: {a}; {other.engine}: {b}"
    return None
