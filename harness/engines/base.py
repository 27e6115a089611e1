"""The engine interface the runner drives.

An ``Engine`` opens one ``Session`` per script (a store with its instances
and registered names).  The runner assigns every instance a handle and
resolves the script's module names itself, so a session only maps handles
to its own instances.  Every method returns an ``CommandOutcome``; an engine raises
only for bugs of its own, which the runner reports as crashes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ..outcomes import CommandOutcome, Unsupported
from ..script.commands import ModuleSource, Script
from ..values import Value


@dataclass(frozen=True)
class SessionOptions:
    """What a script run asks of an engine."""

    profile: str = "3.0"  # refimpl feature description: "mvp", "2.0", "3.0", "2.0,-simd" ...
    timeout: float | None = 60.0  # per command, for engines that can enforce it
    extra: dict = field(default_factory=dict)  # engine-specific settings


class Session(ABC):
    @abstractmethod
    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        """Decode, validate, link against registered instances and
        instantiate.  On success the instance is kept under ``handle``
        (None: a throwaway, as in assert_unlinkable)."""

    @abstractmethod
    def check(self, module: ModuleSource) -> CommandOutcome:
        """Decode and validate only: Ok, Malformed or Invalid."""

    @abstractmethod
    def register(self, as_name: str, handle: str) -> CommandOutcome:
        """Make the instance's exports importable under ``as_name``."""

    @abstractmethod
    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        """Call an exported function."""

    @abstractmethod
    def get(self, handle: str, field: str) -> CommandOutcome:
        """Read an exported global."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the session holds."""

    def lost(self) -> bool:
        """Whether the session lost its state (its engine's process died or
        was stopped); the runner then replays the script into a new one."""
        return False

    def stats(self) -> dict[str, int]:
        """Counts worth reporting about how the engine ran the script (e.g.
        how often an init mode applied); summed over the run."""
        return {}

    # -- state probes (optional; see harness.probes) ---------------------------

    def probe(self, handle: str):
        """The state of instance ``handle`` (``"spectest"``: the spectest
        module) as an ``InstanceState``: every memory, table and global it
        exports under the reserved probe names (``harness.probes.rewrite``),
        or an ``CommandOutcome`` (Unsupported) if the engine can't tell."""
        return Unsupported(f"{type(self).__name__} cannot probe state")

    def memory_chunks(self, handle: str, key: str, chunk: int):
        """Digests of memory ``key`` of ``handle``, ``chunk`` bytes at a
        time (``harness.probes.state.chunk_digests``), or an CommandOutcome."""
        return Unsupported(f"{type(self).__name__} cannot probe memory")

    def read_memory(self, handle: str, key: str, offset: int, length: int):
        """Up to ``length`` bytes of memory ``key`` of ``handle`` from
        ``offset``, or an CommandOutcome."""
        return Unsupported(f"{type(self).__name__} cannot probe memory")


class Engine(ABC):
    name: str = "?"
    # True if failure messages are the spec interpreter's texts.
    exact_messages: bool = False
    # How its failure messages are judged (messages.MessagePolicy): None
    # means "prefix" with exact_messages, else "categories".
    message_policy: str | None = None
    # True if its sessions implement the state probes (Session.probe ...).
    probes: bool = False
    # Value types its API can't pass exactly ("f32", "f64", "v128"): exports
    # that use them are called through trampolines (engines/crossings.py).
    crossings: frozenset[str] = frozenset()

    @abstractmethod
    def open(self, options: SessionOptions) -> Session: ...

    def describe(self) -> str:
        """Name and version, for reports."""
        return self.name

    def unsupported_profile(self, profile: str) -> str | None:
        """Why this engine can't run scripts of ``profile``; None if it can."""
        return None


class ScriptEngine(ABC):
    """An engine that can only run a whole converted script at once (wabt's
    spectest-interp).  The runner maps its per-command results back."""

    name: str = "?"
    exact_messages: bool = False
    probes: bool = False  # a whole-script engine has no state to ask about

    @abstractmethod
    def run_script(self, script: Script, options: SessionOptions) -> dict[int, CommandOutcome]:
        """Outcomes by command line; commands missing from the result are
        unsupported.  Raise ``ScriptUnsupported`` if the engine can't run
        the script at all."""

    def describe(self) -> str:
        return self.name

    def unsupported_profile(self, profile: str) -> str | None:
        return None


class ScriptTimedOut(Exception):
    """A whole-script engine ran past its deadline; its process was killed.
    Every command of the script is reported timed out."""

    def __init__(self, seconds: float):
        super().__init__(f"the script ran longer than {seconds:g} s")
        self.seconds = seconds


class ScriptUnsupported(Exception):
    """A whole-script engine can't run this script (the reason is the message)."""
