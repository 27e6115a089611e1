"""One generated module on several engines (refimpl against wasmtime, or
any engines ``engines_for`` builds), compared as the runner compares a
script: the module becomes an in-memory script (the module, then each
exported function invoked with generated arguments), run by
``ScriptRunner`` in lockstep, so outcomes, trap categories, values (bit for
bit) and the state after instantiation are compared by the same code as in
``wasm-harness run``; the whole state is probed again after every call.

A module an engine does not support is counted as skipped, never as
agreement.  Nor is a command on which engines diverge after one of them
ran out of resources (an array, memory or call stack beyond its limits):
the spec lets any instruction exhaust resources, so neither engine is
wrong, but nothing was compared; the item is counted as ``skipped: resource limit
(ENGINE)``, with the engine's message in ``ModuleRun.unsupported``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ..differential import Divergence, Figures
from ..engines import SessionOptions
from ..known_differences import KnownDifferences
from ..lenient_reader import FuncSig, export_signatures
from ..outcomes import Exhausted, Unsupported
from ..probes.compare import compare_instance
from ..probes.state import InstanceState
from ..runner import ScriptRunner
from ..script.commands import Action, ActionCommand, ModuleCommand, ModuleSource, Script
from ..status import Status
from ..values import NULL, Value
from .arguments import EDGE_INTS

# Outcomes of one module, as the campaign counts them.
AGREED = "agreed"
DIVERGED = "diverged"
UNSUPPORTED = "skipped: unsupported by an engine"
RESOURCE_LIMIT = "skipped: resource limit"
TIMED_OUT = "timeout"  # an engine ran a command past --timeout: a failure, not reduced


@dataclass
class ModuleRun:
    outcome: str  # AGREED, DIVERGED, UNSUPPORTED, RESOURCE_LIMIT or TIMED_OUT
    divergences: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)  # "invoke:values", "module:memory" ...
    unsupported: str = ""  # "ENGINE: why", when an engine declined or ran out of resources
    calls: int = 0  # calls compared
    script: Script | None = None


def _number(t: str, rng: random.Random) -> int:
    """An argument's bit pattern: edge values (small counts, sign edges) or
    random bits (floats included, so NaN payloads travel)."""
    bits = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}[t]
    if t in ("i32", "i64") and rng.random() < 0.6:
        return rng.choice(EDGE_INTS)
    return rng.getrandbits(bits)


def arguments(sig: FuncSig, rng: random.Random) -> tuple[Value, ...] | None:
    """Arguments for a call, or None when a parameter can't be given from
    outside (a non-nullable reference)."""
    out = []
    for t in sig.params:
        if t in ("i32", "i64", "f32", "f64", "v128"):
            out.append(Value(t, _number(t, rng)))
        elif t.startswith("(ref ") and not t.startswith("(ref null"):
            return None
        else:
            out.append(Value(t, NULL))
    return tuple(out)


def script_for(binary: bytes, calls: int, seed: int) -> Script | None:
    """The module, then ``calls`` invocations of each exported function
    (None if its exports can't be read)."""
    sigs = export_signatures(binary)
    if sigs is None:
        return None
    rng = random.Random(seed)
    commands: list = [ModuleCommand(1, ModuleSource(binary, origin="generated"))]
    for name, sig in sorted(sigs.items()):
        for _ in range(calls):
            args = arguments(sig, rng)
            if args is None:
                break
            commands.append(ActionCommand(len(commands) + 1, Action("invoke", None, name, args)))
    return Script(Path("generated.wast"), commands, "fuzz")


def run_module(
    binary: bytes, engines: list, profile: str, calls: int = 2, seed: int = 0, timeout: float = 20
) -> ModuleRun:
    script = script_for(binary, calls, seed)
    if script is None:
        return ModuleRun(DIVERGED, ["the harness can't read the module's exports"])
    options = SessionOptions(profile=profile, timeout=timeout)
    runner = ScriptRunner(script, engines, options, probes=True, known=KnownDifferences())
    run = ModuleRun(AGREED, script=script)
    try:
        for index, cmd in enumerate(script.commands):
            result = runner.run(index)  # after a failed instantiation: skipped on both
            unsupported = [r for r in result.results if isinstance(r.outcome, Unsupported)]
            if unsupported:
                run.outcome = UNSUPPORTED
                run.unsupported = f"{unsupported[0].engine}: {unsupported[0].outcome.reason}"
                return run
            found = list(result.divergences)
            if isinstance(cmd, ActionCommand):
                run.calls += 1
                found += _state_divergences(runner)
            exhausted = [r for r in result.results if isinstance(r.outcome, Exhausted)]
            if found and exhausted:
                run.outcome = RESOURCE_LIMIT
                run.unsupported = f"{exhausted[0].engine}: {exhausted[0].outcome.message}"
                return run
            problems = [(d.aspect, str(d)) for d in found]
            problems += [
                (str(r.status), f"{r.engine}: {r.status} {r.outcome}")
                for r in result.results
                if r.status in (Status.CRASH, Status.TIMEOUT)
            ]
            if problems:
                kind = "invoke" if isinstance(cmd, ActionCommand) else "module"
                timed_out = [r.engine for r in result.results if r.status == Status.TIMEOUT]
                run.outcome = TIMED_OUT if timed_out else DIVERGED
                run.unsupported = f"{timed_out[0]}: timeout" if timed_out else ""
                run.aspects += [f"{kind}:{a}" for a, _ in problems]
                run.divergences += [f"{cmd.describe()}: {p}" for _, p in problems]
                return run
    finally:
        runner.close()
    return run


def _state_divergences(runner: ScriptRunner) -> list[Divergence]:
    """The current instance's whole state, probed on every engine that
    can be, compared with the first (the runner probes only after
    instantiation)."""
    handle = runner.names.current
    if handle is None:
        return []
    states = []
    for lane in runner.lanes:
        if lane.can_probe and lane.session is not None and handle not in lane.missing:
            state = lane.session.probe(handle)
            if isinstance(state, InstanceState):
                states.append((lane, state))
    out: list[Divergence] = []
    for lane, state in states[1:]:
        ref_lane, ref_state = states[0]
        out += compare_instance(
            handle,
            "module",
            ref_lane.name,
            ref_lane.session,
            ref_state,
            lane.name,
            lane.session,
            state,
            Figures(),
        )
    return out
