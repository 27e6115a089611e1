"""What happened when an engine ran a command: outcomes as values.

Engines never raise for a command's result; they return one of these.  The
runner compares outcomes with the script's expectation and across engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from .values import Value, format_results


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    @property
    def kind(self) -> str:
        return _KINDS[type(self)]


@dataclass(frozen=True, slots=True)
class Ok(CommandOutcome):
    """Success: an instantiation (no values) or an action's results."""

    values: tuple[Value, ...] = ()

    def __str__(self) -> str:
        return f"returned {format_results(self.values)}" if self.values else "ok"


@dataclass(frozen=True, slots=True)
class Failure(CommandOutcome):
    """An outcome with a message: the engine's own text, and, for engines
    whose texts are not the spec interpreter's, the spec category it maps
    to: a name, or a sorted tuple of names when the text stands for several
    (``messages.categories``)."""

    message: str
    category: str | tuple[str, ...] | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.message!r}"


class Trapped(Failure):
    __slots__ = ()


class Exhausted(Failure):
    __slots__ = ()


class LinkFailed(Failure):
    __slots__ = ()


class Invalid(Failure):
    __slots__ = ()


class Malformed(Failure):
    __slots__ = ()


class Thrown(Failure):
    """An uncaught Wasm exception reached the embedder."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ExpectationFailed(CommandOutcome):
    """The engine judged the command itself and reports only that the
    script's expectation failed, with its own text (file-granularity
    engines such as wabt's spectest-interp)."""

    detail: str

    def __str__(self) -> str:
        return f"expectation failed: {self.detail}"


@dataclass(frozen=True, slots=True)
class HarnessError(CommandOutcome):
    """The command could not be carried out as the script states it (no
    such export, the wrong number of arguments, an unknown module
    definition): the harness's finding, not the engine's, so never a trap."""

    detail: str

    def __str__(self) -> str:
        return f"harness error: {self.detail}"


@dataclass(frozen=True, slots=True)
class Unsupported(CommandOutcome):
    """The engine cannot express this command (never a judgement)."""

    reason: str

    def __str__(self) -> str:
        return f"unsupported: {self.reason}"


@dataclass(frozen=True, slots=True)
class Crashed(CommandOutcome):
    """The engine died (its worker process ended) while running the command."""

    detail: str

    def __str__(self) -> str:
        return f"crashed: {self.detail}"


@dataclass(frozen=True, slots=True)
class TimedOut(CommandOutcome):
    seconds: float

    def __str__(self) -> str:
        return f"timed out after {self.seconds:g} s"


_KINDS = {
    Ok: "ok",
    Trapped: "trap",
    Exhausted: "exhaustion",
    LinkFailed: "link error",
    Invalid: "invalid",
    Malformed: "malformed",
    Thrown: "exception",
    ExpectationFailed: "mismatch",
    HarnessError: "harness error",
    Unsupported: "unsupported",
    Crashed: "crash",
    TimedOut: "timeout",
}
OUTCOME_TYPES = {kind: cls for cls, kind in _KINDS.items()}
