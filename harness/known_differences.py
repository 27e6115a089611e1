"""Known, reviewed differences of an engine: data, never special cases in code.

Each engine may have one file, ``harness/known/ENGINE.toml``, with one
``[[difference]]`` table per reviewed difference::

    [[difference]]
    id = "br-table-after-unreachable"        # unique in the file
    reason = "why this is the engine's known behaviour, not a bug of ours"
    files = ["pre-bulk-memory/unreached-invalid.wast"]   # globs, matched
                                             # against the end of the path
    lines = [538, "600-620"]                 # optional: lines or ranges
    commands = ["assert_invalid"]            # optional: command kinds
    profiles = ["mvp"]                       # optional
    expected = ["type mismatch"]             # optional: the command's expected text(s)
    outcome = ["ok"]                         # optional: this engine's outcome kinds
    message = "out of bounds"                # optional: in this engine's message
    applies_to = "both"                      # failure | divergence | both (default)
    aspects = ["outcome", "category"]        # optional: divergence aspects

An entry excuses this engine's failure of a command it selects, and any
divergence between this engine and another on such a command.  The runner
applies entries after judging; an excused command is reported as
"excused" with the entry, and the report counts how many commands each
entry excused.  Every key is checked, so a misspelt selector is an error,
not an entry that silently selects everything.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .differential import Divergence
from .outcomes import CommandOutcome, ExpectationFailed, Failure
from .script.commands import Command

KNOWN_DIR = Path(__file__).resolve().parent / "known"

_KEYS = {
    "id",
    "reason",
    "files",
    "lines",
    "commands",
    "profiles",
    "expected",
    "outcome",
    "message",
    "applies_to",
    "aspects",
}
_APPLIES = ("failure", "divergence", "both")


class KnownDifferenceError(ValueError):
    pass


@dataclass(frozen=True)
class KnownDifference:
    engine: str
    id: str
    reason: str
    files: tuple[str, ...]
    lines: tuple[tuple[int, int], ...] | None = None
    commands: tuple[str, ...] | None = None
    profiles: tuple[str, ...] | None = None
    expected: tuple[str, ...] | None = None
    outcome: tuple[str, ...] | None = None
    message: str | None = None
    applies_to: str = "both"
    aspects: tuple[str, ...] | None = None
    source: str = ""

    @property
    def ref(self) -> str:
        return f"{self.engine}:{self.id}"

    def _selects(
        self, path: Path | str, profile: str, cmd: Command, outcome: CommandOutcome
    ) -> bool:
        posix = Path(path).as_posix()
        if not any(path_matches(posix, pattern) for pattern in self.files):
            return False
        if self.lines is not None and not any(lo <= cmd.line <= hi for lo, hi in self.lines):
            return False
        if self.commands is not None and cmd.wast_name not in self.commands:
            return False
        if self.profiles is not None and profile.split(",")[0].strip() not in self.profiles:
            return False
        if self.expected is not None and getattr(cmd, "text", None) not in self.expected:
            return False
        if self.outcome is not None and outcome.kind not in self.outcome:
            return False
        if self.message is not None:
            text = (
                outcome.message
                if isinstance(outcome, Failure)
                else outcome.detail
                if isinstance(outcome, ExpectationFailed)
                else str(outcome)
            )
            if self.message not in text:
                return False
        return True

    def covers_failure(self, path, profile: str, cmd: Command, outcome: CommandOutcome) -> bool:
        return self.applies_to in ("failure", "both") and self._selects(path, profile, cmd, outcome)

    def covers_divergence(
        self, path, profile: str, cmd: Command, outcome: CommandOutcome, divergence: Divergence
    ) -> bool:
        if self.applies_to not in ("divergence", "both"):
            return False
        if self.aspects is not None and divergence.aspect not in self.aspects:
            return False
        return self._selects(path, profile, cmd, outcome)


class KnownDifferences:
    def __init__(self, entries: list[KnownDifference] | tuple = ()):
        self.entries = list(entries)
        self.by_engine: dict[str, list[KnownDifference]] = {}
        for e in self.entries:
            self.by_engine.setdefault(e.engine, []).append(e)

    @classmethod
    def load(cls, directory: Path = KNOWN_DIR) -> KnownDifferences:
        entries: list[KnownDifference] = []
        for path in sorted(Path(directory).glob("*.toml")):
            entries += read_file(path)
        return cls(entries)

    def _of(self, engine: str) -> list[KnownDifference]:
        """An engine's entries; a configured lane (``wasmtime[...]``) has its
        engine's unless it has a file of its own."""
        return self.by_engine.get(engine) or self.by_engine.get(engine.partition("[")[0], [])

    def failure(self, engine: str, path, profile: str, cmd: Command, outcome: CommandOutcome):
        for e in self._of(engine):
            if e.covers_failure(path, profile, cmd, outcome):
                return e
        return None

    def divergence(self, engine: str, path, profile: str, cmd, outcome, divergence: Divergence):
        for e in self._of(engine):
            if e.covers_divergence(path, profile, cmd, outcome, divergence):
                return e
        return None

    def lookup(self, ref: str) -> KnownDifference | None:
        return next((e for e in self.entries if e.ref == ref), None)


@cache
def shipped() -> KnownDifferences:
    """The reviewed entries that ship with the harness (harness/known/)."""
    return KnownDifferences.load()


@cache
def load_known(directory: str | None) -> KnownDifferences:
    """The entries of ``directory`` (one ENGINE.toml per engine), or the
    shipped ones for None."""
    return shipped() if directory is None else KnownDifferences.load(Path(directory))


def read_file(path: Path) -> list[KnownDifference]:
    engine = path.stem
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnownDifferenceError(f"{path}: {exc}") from None
    extra = set(data) - {"difference"}
    if extra:
        raise KnownDifferenceError(f"{path}: unknown top-level keys {sorted(extra)}")
    out, seen = [], set()
    for n, raw in enumerate(data.get("difference", []), 1):
        where = f"{path}: difference #{n}"
        unknown = set(raw) - _KEYS
        if unknown:
            raise KnownDifferenceError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "reason", "files"):
            if not raw.get(key):
                raise KnownDifferenceError(f"{where}: {key!r} is required")
        if raw["id"] in seen:
            raise KnownDifferenceError(f"{where}: duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        applies = raw.get("applies_to", "both")
        if applies not in _APPLIES:
            raise KnownDifferenceError(f"{where}: applies_to must be one of {_APPLIES}")
        out.append(
            KnownDifference(
                engine=engine,
                id=raw["id"],
                reason=" ".join(str(raw["reason"]).split()),
                files=_strings(raw["files"], where, "files"),
                lines=_lines(raw["lines"], where) if "lines" in raw else None,
                commands=_strings(raw["commands"], where, "commands")
                if "commands" in raw
                else None,
                profiles=_strings(raw["profiles"], where, "profiles")
                if "profiles" in raw
                else None,
                expected=_strings(raw["expected"], where, "expected")
                if "expected" in raw
                else None,
                outcome=_strings(raw["outcome"], where, "outcome") if "outcome" in raw else None,
                message=raw.get("message"),
                applies_to=applies,
                aspects=_strings(raw["aspects"], where, "aspects") if "aspects" in raw else None,
                source=str(path),
            )
        )
    return out


def path_matches(posix: str, pattern: str) -> bool:
    """A glob matching the whole path or its end (``wasm-2.0/data.wast``)."""
    return fnmatch.fnmatch(posix, pattern) or fnmatch.fnmatch(posix, "*/" + pattern)


def _strings(value, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnownDifferenceError(f"{where}: {key!r} must be a string or a list of strings")
    return tuple(value)


def _lines(value, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        value = [value]
    out = []
    for v in value:
        if isinstance(v, int):
            out.append((v, v))
        elif isinstance(v, str) and "-" in v:
            lo, _, hi = v.partition("-")
            try:
                out.append((int(lo), int(hi)))
            except ValueError:
                raise KnownDifferenceError(f"{where}: bad line range {v!r}") from None
        else:
            raise KnownDifferenceError(f"{where}: 'lines' holds line numbers or 'a-b' ranges")
    return tuple(out)
