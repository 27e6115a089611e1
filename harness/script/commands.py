"""The typed command model of a spec script (the .wast "script" grammar).

Both converters' JSON is normalised into these records (see ``convert``), so
runners and engines never see converter quirks.  Every command carries the
line it starts on in its .wast file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from refimpl.fastinit import fast_init

from ..compact import Compact
from ..values import Expected, Value


@fast_init
@dataclass(frozen=True, slots=True)
class ModuleSource(Compact):
    """A module as the script gave it.

    ``binary`` is its binary encoding when there is one (a binary module, or
    a text module the converter could encode); ``text`` is the text for
    modules written as text in a way only a text parser can judge
    (``module quote`` and text-level assertions)."""

    binary: bytes | None
    text: bytes | None = None  # as written: a malformed text may not even be UTF-8
    origin: str = ""  # the converter's file name, for messages


@fast_init
@dataclass(frozen=True, slots=True)
class Action(Compact):
    kind: str  # "invoke" | "get"
    module: str | None  # a module name, None for the current module
    field: str
    args: tuple[Value, ...] = ()

    def __str__(self) -> str:
        target = f"{self.module} " if self.module else ""
        if self.kind == "get":
            return f'get {target}"{self.field}"'
        args = " ".join(f"({a})" for a in self.args)
        return f'invoke {target}"{self.field}"' + (f" {args}" if args else "")


@fast_init
@dataclass(frozen=True, slots=True)
class Command(Compact):
    line: int

    @property
    def wast_name(self) -> str:
        return _WAST_NAMES[type(self)]

    def describe(self) -> str:
        return self.wast_name


@fast_init
@dataclass(frozen=True, slots=True)
class ModuleCommand(Command):
    """``(module $name? ...)``; with ``definition_only`` a ``module definition``."""

    module: ModuleSource
    name: str | None = None
    definition_only: bool = False

    def describe(self) -> str:
        what = "module definition" if self.definition_only else "module"
        return f"{what} {self.name}" if self.name else what


@fast_init
@dataclass(frozen=True, slots=True)
class ModuleInstance(Command):
    """``(module instance $inst $def)``: instantiate a module definition."""

    instance: str | None
    definition: str

    def describe(self) -> str:
        return f"module instance {self.instance or ''} {self.definition}".replace("  ", " ")


@fast_init
@dataclass(frozen=True, slots=True)
class Register(Command):
    as_name: str
    module: str | None

    def describe(self) -> str:
        return f'register "{self.as_name}" {self.module or ""}'.rstrip()


@fast_init
@dataclass(frozen=True, slots=True)
class ActionCommand(Command):
    action: Action

    def describe(self) -> str:
        return str(self.action)


@fast_init
@dataclass(frozen=True, slots=True)
class AssertReturn(Command):
    action: Action
    expected: Expected

    def describe(self) -> str:
        return f"assert_return ({self.action})"


@fast_init
@dataclass(frozen=True, slots=True)
class AssertTrap(Command):
    action: Action
    text: str

    def describe(self) -> str:
        return f'assert_trap ({self.action}) "{self.text}"'


@fast_init
@dataclass(frozen=True, slots=True)
class AssertExhaustion(Command):
    action: Action
    text: str

    def describe(self) -> str:
        return f'assert_exhaustion ({self.action}) "{self.text}"'


@fast_init
@dataclass(frozen=True, slots=True)
class AssertException(Command):
    action: Action

    def describe(self) -> str:
        return f"assert_exception ({self.action})"


@fast_init
@dataclass(frozen=True, slots=True)
class ModuleAssertion(Command):
    """An assertion about a module as a whole."""

    module: ModuleSource
    text: str

    def describe(self) -> str:
        return f'{self.wast_name} "{self.text}"'


class AssertMalformed(ModuleAssertion):
    __slots__ = ()


class AssertInvalid(ModuleAssertion):
    __slots__ = ()


class AssertMalformedCustom(AssertMalformed):
    """Malformed content of a custom section or annotation (e.g. a
    ``@custom`` or branch-hint annotation).  The module stays well-formed
    Wasm: engines that ignore the custom content accept it, and can't be
    judged on this assertion."""

    __slots__ = ()


class AssertInvalidCustom(AssertInvalid):
    """Invalid custom-section content (e.g. a branch hint that targets no
    branch); like ``AssertMalformedCustom``, about the custom content only."""

    __slots__ = ()


CUSTOM_ASSERTIONS = (AssertMalformedCustom, AssertInvalidCustom)


class AssertUnlinkable(ModuleAssertion):
    __slots__ = ()


class AssertUninstantiable(ModuleAssertion):
    __slots__ = ()


@fast_init
@dataclass(frozen=True, slots=True)
class ConversionFailure(Command):
    """A command the converter could not translate (its text is kept)."""

    message: str
    defines_module: bool = False  # a module that later commands would use

    def describe(self) -> str:
        return "unconvertible command"


@fast_init
@dataclass(frozen=True, slots=True)
class UnsupportedCommand(Command):
    """A well-formed command the harness does not run (``thread``,
    ``wait``): every engine reports it unsupported, naming it."""

    what: str  # the command's keyword

    @property
    def wast_name(self) -> str:
        return self.what


_WAST_NAMES = {
    ModuleCommand: "module",
    ModuleInstance: "module instance",
    Register: "register",
    ActionCommand: "action",
    AssertReturn: "assert_return",
    AssertTrap: "assert_trap",
    AssertExhaustion: "assert_exhaustion",
    AssertException: "assert_exception",
    AssertMalformed: "assert_malformed",
    AssertInvalid: "assert_invalid",
    AssertMalformedCustom: "assert_malformed_custom",
    AssertInvalidCustom: "assert_invalid_custom",
    AssertUnlinkable: "assert_unlinkable",
    AssertUninstantiable: "assert_uninstantiable",
    ConversionFailure: "conversion failure",
}


def changes_state(cmd: Command) -> bool:
    """Whether a command can affect later commands (and so must be replayed
    when a later command runs on its own).  Failed instantiations count: in
    Wasm 2.0 they may have written to imported memories and tables."""
    return not isinstance(cmd, (AssertMalformed, AssertInvalid))


@dataclass(slots=True)
class Script:
    path: Path
    commands: list[Command]
    converter: str
    notes: list[str] = field(default_factory=list)  # e.g. fallbacks taken while converting
