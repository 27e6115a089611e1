"""Run a script's commands on one or more engines, in step.

A ``ScriptRunner`` is the script's context, like the spec interpreter's
script runner or wasmtime's ``WastContext``: it owns the current module, the
module names and the registrations, and drives one session per engine.
Commands run in order; asking for a later command first replays the earlier
ones that can change state, silently, so any single command can run alone.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .dialect import Dialect, detect
from .differential import Divergence, Figures
from .engines.base import (
    Engine,
    ScriptEngine,
    ScriptTimedOut,
    ScriptUnsupported,
    Session,
    SessionOptions,
)
from .engines.isolated import _ProcessEngine
from .judge import Verdict, judge, outcome_categories
from .known_differences import KnownDifferences, shipped
from .lenient_reader import import_module_names
from .messages import MessagePolicy, policy_of
from .outcomes import (
    CommandOutcome,
    Crashed,
    HarnessError,
    Invalid,
    Malformed,
    Ok,
    TimedOut,
    Unsupported,
)
from .probes.compare import compare_instance
from .probes.rewrite import module_shape, probe_binary
from .probes.state import SPECTEST, InstanceState
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
    UnsupportedCommand,
    changes_state,
)
from .status import Status
from .values import results_agree
from .watchdog import DeadlineExceeded, deadline


@dataclass(frozen=True, slots=True)
class EngineResult:
    """One engine's result of a command, as the runner settled it: the
    verdict is final (known differences and divergences applied)."""

    engine: str
    outcome: CommandOutcome
    verdict: Verdict
    excused_by: str | None = None  # the known difference that excused a failure
    seconds: float = 0.0  # how long the lane took for the command (replays excluded)
    # CPU seconds this process spent on it, all threads (an isolated engine's
    # worker process is not counted)
    cpu: float = 0.0

    @property
    def status(self) -> Status:
        return self.verdict.status


@dataclass(slots=True)
class CommandResult:
    file: Path
    command: Command
    results: list[EngineResult]
    # How the engines disagree (outcomes, values, state after instantiation).
    divergences: list[Divergence] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)
    # The command's status over its engines, decided by the runner.
    status: Status = Status.SKIP

    @property
    def line(self) -> int:
        return self.command.line

    @property
    def divergence(self) -> str | None:
        """The divergences no known difference excuses, as text, or None."""
        open_ = [str(d) for d in self.divergences if not d.excused_by]
        return "; ".join(open_) if open_ else None

    @property
    def excused_by(self) -> list[str]:
        """The known differences that excused something of this command."""
        refs = [r.excused_by for r in self.results if r.excused_by]
        refs += [d.excused_by for d in self.divergences if d.excused_by]
        return list(dict.fromkeys(refs))


class _Lane:
    """One engine's view of the script: its session and which handles it has."""

    def __init__(
        self,
        engine: Engine | ScriptEngine,
        options: SessionOptions,
        script: Script,
        dialect: Dialect,
    ):
        self.engine = engine
        self.options = options
        self.script = script
        self.session: Session | None = None
        self.profile_gap = dialect.unsupported() or engine.unsupported_profile(options.profile)
        self.policy = dialect.policy(engine.name, policy_of(engine))
        # In-process engines get a watchdog; engines in a process are killed.
        in_process = not isinstance(engine, (_ProcessEngine, ScriptEngine))
        self.deadline = options.timeout if in_process else None
        self.abandoned = False  # timed out: its state can't be trusted
        self.can_probe = isinstance(engine, Engine) and engine.probes and not self.profile_gap
        self.script_outcomes: dict[int, CommandOutcome] | None = None
        # Handles whose module this engine could not instantiate, and why.
        self.missing: dict[str, CommandOutcome] = {}
        # Names registered for a module this engine could not support (and
        # host modules of the dialect nobody provides).
        self.unprovided = dialect.unprovided_modules
        self.unsupported_names: dict[str, str] = dict(self.unprovided)

    @property
    def name(self) -> str:
        return self.engine.name

    def open(self) -> Session:
        if self.session is None:
            assert isinstance(self.engine, Engine)
            self.session = self.engine.open(self.options)
        return self.session

    def scripted(self, line: int) -> CommandOutcome:
        if self.script_outcomes is None:
            assert isinstance(self.engine, ScriptEngine)
            try:
                self.script_outcomes = self.engine.run_script(self.script, self.options)
            except ScriptTimedOut as exc:  # its process was killed: the file is reported
                self.script_outcomes = {}
                self.failure = TimedOut(exc.seconds)
            except ScriptUnsupported as exc:
                self.script_outcomes = {}
                self.failure = Unsupported(str(exc))
            except Exception as exc:  # the adapter itself failed: report, don't stop
                self.script_outcomes = {}
                self.failure = Crashed(f"{type(exc).__name__}: {exc}")
        return self.script_outcomes.get(line) or getattr(
            self, "failure", Unsupported(f"{self.name} reported no result for this command")
        )

    def abandon(self) -> None:
        """Drop a session interrupted mid-command; the runner replays into a new one."""
        self.abandoned = True

    def lost(self) -> bool:
        return self.abandoned or (self.session is not None and self.session.lost())

    def close(self) -> None:
        self.abandoned = False
        if self.session is not None:
            with contextlib.suppress(Exception):  # an interrupted session may not close cleanly
                self.session.close()
            self.session = None


@dataclass
class _Names:
    current: str | None = None
    by_name: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, ModuleSource] = field(default_factory=dict)
    counter: int = 0
    # Registered names (imports resolve against them) -> handles.
    registered: dict[str, str] = field(default_factory=lambda: {SPECTEST: SPECTEST})
    labels: dict[str, str] = field(default_factory=lambda: {SPECTEST: SPECTEST})

    def new_handle(self) -> str:
        self.counter += 1
        return f"m{self.counter}"


class ScriptRunner:
    """``probes``: compare the whole state of every engine that can be
    probed after each instantiation (None, the default: whenever at least
    two such engines run).  ``known``: the reviewed known differences to
    apply (default: those shipped in harness/known/)."""

    def __init__(
        self,
        script: Script,
        engines: list[Engine | ScriptEngine],
        options: SessionOptions | None = None,
        *,
        probes: bool | None = None,
        known: KnownDifferences | None = None,
        dialect: Dialect | None = None,
    ):
        self.script = script
        self.dialect = dialect if dialect is not None else detect(script.path)
        self.foreign_texts = self.dialect.foreign_texts
        self.engine_stats: Counter = Counter()  # summed from the sessions at close
        self.options = options or SessionOptions()
        self.lanes = [_Lane(e, self.options, script, self.dialect) for e in engines]
        # Seconds each lane spent answering probes (the corpus reports them).
        self.probe_seconds: Counter[str] = Counter()
        # The function accessor the probes add needs reference types.
        self._probe_functions = _has_reference_types(self.options.profile)
        self.names = _Names()
        self.next_index = 0
        probing_lanes = sum(lane.can_probe for lane in self.lanes)
        self.probing = probing_lanes >= 2 and probes is not False
        self.known = shipped() if known is None else known
        self._rewritten: set[bytes] = set()
        self._not_replayed: set[int] = set()  # commands that crashed or hung

    # -- driving -----------------------------------------------------------------

    def run_all(self) -> Iterator[CommandResult]:
        try:
            for index in range(len(self.script.commands)):
                yield self.run(index)
        finally:
            self.close()

    def run(self, index: int) -> CommandResult:
        """Run command ``index``, first replaying what it depends on: the
        earlier commands that can change state, silently.  The same replay
        rebuilds the state after an engine lost its session (its process
        crashed or hung): every lane starts afresh and the script is
        replayed up to here, but for the commands that crashed or hung."""
        commands = self.script.commands
        if index < self.next_index:
            raise ValueError("commands run in order; start a new runner to go back")
        if any(lane.lost() for lane in self.lanes):
            self._start_afresh()
        for earlier in range(self.next_index, index):
            if changes_state(commands[earlier]) and earlier not in self._not_replayed:
                self._note_faults(earlier, self._execute(commands[earlier], replay=True))
        self.next_index = index + 1
        return self._note_faults(index, self._execute(commands[index]))

    def _note_faults(self, index: int, result: CommandResult) -> CommandResult:
        if any(isinstance(r.outcome, (Crashed, TimedOut)) for r in result.results):
            self._not_replayed.add(index)  # replaying it would only crash or hang again
        return result

    def _start_afresh(self) -> None:
        self.close()
        for lane in self.lanes:
            lane.missing.clear()
            lane.unsupported_names = dict(lane.unprovided)
        self.names = _Names()
        self.next_index = 0

    def close(self) -> None:
        for lane in self.lanes:
            if lane.session is not None:
                for key, n in lane.session.stats().items():
                    self.engine_stats[f"{lane.name}: {key}"] += n
            lane.close()

    # -- one command -----------------------------------------------------------

    def _execute(self, cmd: Command, replay: bool = False) -> CommandResult:
        handle = self._handle_for(cmd)
        module = self._module_of(cmd)  # what an instantiating command instantiates
        results = [self._on_lane(lane, cmd, handle) for lane in self.lanes]
        if _instantiates(cmd):
            self._bind(cmd, handle)
            if self.dialect.auto_register and isinstance(cmd, ModuleCommand) and cmd.name:
                self._auto_register(cmd)
        elif isinstance(cmd, ModuleCommand):  # a definition; "" names the latest
            self.names.definitions[cmd.name or ""] = cmd.module
            self.names.definitions[""] = cmd.module
        elif isinstance(cmd, Register):
            target = self._target(cmd.module)
            if target is not None:
                self.names.registered[cmd.as_name] = target
        result = CommandResult(self.script.path, cmd, results)
        divergences, compared = _divergences(cmd, results, self.lanes)
        result.figures.commands_compared += compared
        if self.probing and not replay and module is not None:
            rewrites = handle is not None and module.binary is not None
            if rewrites and module.binary not in self._rewritten:
                self._rewritten.add(module.binary)
                rewritten = probe_binary(module.binary, self._probe_functions)
                result.figures.modules_rewritten += rewritten is not None
            divergences += self._probe(cmd, handle, module, results, result.figures)
        result.divergences = divergences
        self._apply_known(result)
        _settle(result)
        result.figures.divergences += len(result.divergences)
        result.figures.divergences_excused += sum(1 for d in result.divergences if d.excused_by)
        return result

    def _module_of(self, cmd: Command) -> ModuleSource | None:
        if isinstance(cmd, ModuleCommand) and not cmd.definition_only:
            return cmd.module
        if isinstance(cmd, ModuleInstance):
            return self.names.definitions.get(cmd.definition)
        if isinstance(cmd, (AssertUnlinkable, AssertUninstantiable)):
            return cmd.module
        return None

    def _handle_for(self, cmd: Command) -> str | None:
        if isinstance(cmd, (ModuleCommand, ModuleInstance)):
            return self.names.new_handle()
        return None

    def _auto_register(self, cmd: ModuleCommand) -> None:
        """wasmtime's dialect: ``(module $m ...)`` is importable as "m"."""
        assert cmd.name is not None
        register = Register(cmd.line, cmd.name.removeprefix("$"), cmd.name)
        for lane in self.lanes:
            if not lane.profile_gap and not isinstance(lane.engine, ScriptEngine):
                # Its failure shows on the import that needs it.
                with contextlib.suppress(Exception):
                    self._perform(lane, register, None)
        target = self._target(cmd.name)
        if target is not None:
            self.names.registered[register.as_name] = target

    def _bind(self, cmd: ModuleCommand | ModuleInstance, handle: str | None) -> None:
        name = cmd.name if isinstance(cmd, ModuleCommand) else cmd.instance
        self.names.current = handle
        if name:
            self.names.by_name[name] = handle
        if handle is not None:
            what = f"${name}, " if name else ""
            self.names.labels[handle] = f"{handle} ({what}instantiated at line {cmd.line})"

    def _target(self, module_name: str | None) -> str | None:
        if module_name is None:
            return self.names.current
        return self.names.by_name.get(module_name)

    def _on_lane(self, lane: _Lane, cmd: Command, handle: str | None) -> EngineResult:
        start, cpu = time.monotonic(), time.process_time()
        if lane.profile_gap:
            outcome = Unsupported(lane.profile_gap)
        elif isinstance(lane.engine, ScriptEngine):
            outcome = lane.scripted(cmd.line)
            if handle is not None and _instantiates(cmd) and not isinstance(outcome, Ok):
                lane.missing[handle] = outcome  # later commands must not act on a stale module
        else:
            try:
                with deadline(lane.deadline):
                    outcome = self._perform(lane, cmd, handle)
            except DeadlineExceeded:  # an in-process engine ran past --timeout
                outcome = TimedOut(lane.deadline or 0.0)
                lane.abandon()
            except Exception as exc:  # an adapter bug must not stop the run
                outcome = Crashed(f"{type(exc).__name__} in the {lane.name} adapter: {exc}")
        if isinstance(cmd, ConversionFailure):
            verdict = Verdict(Status.FAIL, f"the converter rejected this command: {cmd.message}")
        elif lane.profile_gap:
            verdict = Verdict(Status.UNSUPPORTED, lane.profile_gap)
        else:
            verdict = _dependent_verdict(lane, cmd, self) or judge(
                cmd, outcome, lane.policy, foreign_texts=self.foreign_texts
            )
        return EngineResult(
            lane.name,
            outcome,
            verdict,
            seconds=time.monotonic() - start,
            cpu=time.process_time() - cpu,
        )

    def _perform(self, lane: _Lane, cmd: Command, handle: str | None) -> CommandOutcome:
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
                return HarnessError(f"unknown module definition {cmd.definition!r}")
            return self._instantiate(lane, module, handle)
        if isinstance(cmd, Register):
            target = self._target(cmd.module)
            if target is None or target in lane.missing:
                cause = lane.missing.get(target, Unsupported("no module to register"))
                if isinstance(cause, Unsupported):
                    lane.unsupported_names[cmd.as_name] = cause.reason
                return cause
            lane.unsupported_names.pop(cmd.as_name, None)
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
        if isinstance(cmd, UnsupportedCommand):  # thread / wait
            return Unsupported(
                f"command {cmd.wast_name} is not supported: scripts in threads are not"
                " supported by the harness"
            )
        return Unsupported(f"command {cmd.wast_name} is not supported")

    def _instantiate(self, lane: _Lane, module: ModuleSource, handle: str | None) -> CommandOutcome:
        if handle is not None and self.probing and lane.can_probe:
            module = self._with_probe_exports(module)
        outcome = lane.open().instantiate(module, handle)
        if not isinstance(outcome, (Ok, Unsupported)) and lane.unsupported_names:
            # Importing from a module the engine couldn't support: that
            # module's absence says nothing about this one.
            names = import_module_names(module.binary) if module.binary else set()
            blocked = sorted(names & lane.unsupported_names.keys())
            if blocked:
                reason = lane.unsupported_names[blocked[0]]
                outcome = Unsupported(
                    f"imports from {blocked[0]!r}, whose module is unsupported: {reason}"
                )
        if handle is not None and not isinstance(outcome, Ok):
            lane.missing[handle] = outcome
        return outcome

    # -- state probes ----------------------------------------------------------

    def _with_probe_exports(self, module: ModuleSource) -> ModuleSource:
        """The module rewritten to export its whole state (cached by content);
        unchanged if it can't be rewritten (then it is not probed)."""
        if module.binary is None:
            return module
        rewritten = probe_binary(module.binary, self._probe_functions)
        if rewritten is None:
            return module
        return ModuleSource(binary=rewritten[0], text=module.text, origin=module.origin)

    def _probe_targets(
        self, handle: str | None, module: ModuleSource, instantiated: bool
    ) -> list[str]:
        """The instances whose state an instantiation can change: the new
        one, and those providing the memories, tables and globals it imports
        (if it has a start function, also those providing functions: the
        start function may call into their modules).  A new instance's index
        spaces include its imports, so unless it has a start function the
        providers are probed only when there is no new instance."""
        targets = [handle] if handle is not None and instantiated else []
        shape = module_shape(module.binary) if module.binary is not None else None
        if shape is None or (targets and not shape.has_start):
            return targets
        kinds = {"memory", "table", "global"} | ({"func"} if shape.has_start else set())
        for imp in shape.imports:
            provider = self.names.registered.get(imp.module)
            if imp.kind in kinds and provider is not None and provider not in targets:
                targets.append(provider)
        return targets

    def _probe(
        self,
        cmd: Command,
        handle: str | None,
        module: ModuleSource,
        results: list[EngineResult],
        figures: Figures,
    ) -> list[Divergence]:
        lanes = [
            (lane, r)
            for lane, r in zip(self.lanes, results, strict=True)
            if lane.can_probe and lane.session is not None
        ]
        out: list[Divergence] = []
        probed = False
        instantiated = sum(isinstance(r.outcome, Ok) for _, r in lanes) >= 2
        for target in self._probe_targets(handle, module, instantiated):
            states: list[tuple[_Lane, InstanceState]] = []
            for lane, r in lanes:
                if target in lane.missing or (target == handle and not isinstance(r.outcome, Ok)):
                    continue
                start = time.monotonic()
                try:
                    state = lane.session.probe(target)
                except Exception as exc:  # an adapter bug in process: counted, not fatal
                    state = None
                    key = f"probe failed in {lane.name}: {type(exc).__name__}"
                    figures.extra[key] = figures.extra.get(key, 0) + 1
                self.probe_seconds[lane.name] += time.monotonic() - start
                if isinstance(state, InstanceState):
                    states.append((lane, state))
                else:
                    figures.probes_failed += 1
            if len(states) < 2:
                continue
            (ref_lane, ref_state), others = states[0], states[1:]
            label = self.names.labels.get(target, target)
            for lane, state in others:
                figures.instances_compared += 1
                probed = True
                found = compare_instance(
                    target,
                    label,
                    ref_lane.name,
                    ref_lane.session,
                    ref_state,
                    lane.name,
                    lane.session,
                    state,
                    figures,
                )
                # One memory seen through two instances (an import and its
                # owner) is reported once.
                seen = {(d.engines, d.aspect, d.detail) for d in out}
                out += [d for d in found if (d.engines, d.aspect, d.detail) not in seen]
        figures.instantiations_probed += probed
        return out

    # -- known differences ----------------------------------------------------------

    def _apply_known(self, result: CommandResult) -> None:
        path, profile, cmd = self.script.path, self.options.profile, result.command
        for i, r in enumerate(result.results):
            if r.status != Status.FAIL:
                continue
            entry = self.known.failure(r.engine, path, profile, cmd, r.outcome)
            if entry is not None:
                detail = f"known difference {entry.ref}: {entry.reason} (was: {r.verdict.detail})"
                verdict = Verdict(Status.EXCUSED, detail, r.verdict.match)
                result.results[i] = replace(r, verdict=verdict, excused_by=entry.ref)
        outcomes = {r.engine: r.outcome for r in result.results}
        excused = []
        for d in result.divergences:
            for engine in d.engines:
                entry = self.known.divergence(engine, path, profile, cmd, outcomes[engine], d)
                if entry is not None:
                    d = replace(d, excused_by=entry.ref)
                    break
            excused.append(d)
        result.divergences = excused


def _settle(result: CommandResult) -> None:
    """The final status of each engine and of the command: an engine that
    passed fails if engines disagree (excused if a known difference of its
    own covers the disagreement); the command takes its most severe status."""
    if (
        not result.divergences
        and result.results
        and all(r.status == Status.PASS for r in result.results)
    ):
        result.status = Status.PASS  # the common case
        return
    open_ = result.divergence
    for i, r in enumerate(result.results):
        if r.status != Status.PASS:
            continue
        if open_:
            verdict = Verdict(Status.FAIL, f"engines disagree: {open_}", r.verdict.match)
            result.results[i] = replace(r, verdict=verdict)
            continue
        # Excused on the result of the engine whose known difference it is.
        own = [
            d for d in result.divergences if d.excused_by and d.excused_by.split(":")[0] == r.engine
        ]
        if own:
            verdict = Verdict(Status.EXCUSED, f"engines disagree: {own[0]}", r.verdict.match)
            result.results[i] = replace(r, verdict=verdict, excused_by=own[0].excused_by)
    statuses = [r.status for r in result.results]
    if open_:
        statuses.append(Status.FAIL)
    elif any(d.excused_by for d in result.divergences):
        statuses.append(Status.EXCUSED)
    result.status = Status.overall(statuses)


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
        return Verdict(Status.SKIP, "no module is available (an earlier module was not converted)")
    if cause is None:
        return None
    if isinstance(cause, Unsupported):
        return Verdict(Status.UNSUPPORTED, f"its module is unsupported: {cause.reason}")
    return Verdict(Status.SKIP, f"its module failed to instantiate: {cause}")


def _instantiates(cmd: Command) -> bool:
    return isinstance(cmd, ModuleInstance) or (
        isinstance(cmd, ModuleCommand) and not cmd.definition_only
    )


def _kind(outcome: CommandOutcome, exact: bool) -> str:
    """The outcome's kind for comparing engines: unless both engines speak
    the spec's texts, malformed and invalid are one kind (rejected), as the
    judge counts them."""
    if not exact and isinstance(outcome, (Malformed, Invalid)):
        return "rejected"
    return outcome.kind


def _divergences(
    cmd: Command, results: list[EngineResult], lanes: list[_Lane]
) -> tuple[list[Divergence], int]:
    """How engines that ran the command disagree, and whether at least two
    were compared (1) or not (0).  The first engine judged is the reference
    every other is compared with."""
    comparable = [
        (r, lane)
        for r, lane in zip(results, lanes, strict=True)
        if r.status in (Status.PASS, Status.FAIL)
    ]
    if len(comparable) < 2:
        return [], 0
    out: list[Divergence] = []
    (first, first_lane), rest = comparable[0], comparable[1:]
    for other, other_lane in rest:
        a, b = first.outcome, other.outcome
        engines = (first.engine, other.engine)
        exact = first_lane.policy == other_lane.policy == MessagePolicy.PREFIX
        if _kind(a, exact) != _kind(b, exact):
            out.append(Divergence(engines, "outcome", f"{first.engine}: {a}; {other.engine}: {b}"))
            continue
        ca = outcome_categories(a, first_lane.policy)
        cb = outcome_categories(b, other_lane.policy)
        if ca is not None and cb is not None and not ca & cb:
            shown_a, shown_b = "|".join(sorted(ca)), "|".join(sorted(cb))
            detail = f"{first.engine}: {a} [{shown_a}]; {other.engine}: {b} [{shown_b}]"
            out.append(Divergence(engines, "category", detail))
            continue
        compare_values = isinstance(cmd, ActionCommand) or (
            isinstance(cmd, AssertReturn) and first.status == other.status == Status.FAIL
        )
        if (
            compare_values
            and isinstance(a, Ok)
            and isinstance(b, Ok)
            and not results_agree(a.values, b.values)
        ):
            out.append(Divergence(engines, "values", f"{first.engine}: {a}; {other.engine}: {b}"))
    return out, 1


def _has_reference_types(profile: str) -> bool:
    from refimpl import Features

    try:
        return Features.parse(profile).reference_types
    except ValueError:
        return False
