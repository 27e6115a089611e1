"""Baselines: the recorded non-pass statuses of a run, to catch regressions.

A downstream runtime rarely passes everything; what its CI needs to know is
whether anything *moved*.  A baseline (``--baseline FILE``, written by
``--update-baseline``) lists, per engine, every command whose status was not
``pass`` with a reason.  A later run fails on any command that moved away
from pass or from its recorded status; commands that now pass and entries
that matched nothing are reported (failures under ``--strict-baseline``).

Entries are keyed by file and a **command fingerprint**, not by line: the
fingerprint hashes what the command is (its text, the module it carries,
its expected results), so inserting tests above it doesn't churn the file.
Identical commands in one file are told apart by their occurrence (``#2``).

This is distinct from ``harness/known/*.toml`` (reviewed known differences):
those are hand-written, reviewed *semantic* differences of an engine from
the spec that turn a failure into ``excused``; a baseline is machine-written
bookkeeping of where an engine stands today, and never changes a status.
The file format is TOML (docs/baselines.md); entries that share an engine,
file, status and reason are one group, so a file where hundreds of commands
fail for one reason costs a line per command, not a table::

    version = 2
    [[group]]
    engine = "v8"
    file = "simd_lane.wast"
    status = "unsupported"
    reason = "..."
    commands = [
      # fingerprint, line (where it was when recorded; informative only), command
      ["3f2a9c0d1b7e4a55", 42, 'assert_return (invoke "f" (v128.const i32x4 0 0 0 0))'],
    ]

Version 1 (one ``[[entry]]`` table per command) is still read.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .script.commands import Command, ModuleSource
from .status import Status

VERSION = 2  # what is written; READABLE: what is read
READABLE = (1, 2)
# What a file that could not be run at all is recorded as.
FILE_ERROR = "error"
FILE_FINGERPRINT = "(file)"


class BaselineError(ValueError):
    """A baseline file that can't be read: one line for the user."""


def fingerprints(commands: list[Command] | tuple[Command, ...]) -> list[str]:
    """Each command's fingerprint in its script, in order."""
    seen: Counter = Counter()
    out = []
    for cmd in commands:
        h = hashlib.sha256(type(cmd).__name__.encode() + b"\0" + cmd.describe().encode())
        module = getattr(cmd, "module", None)
        if isinstance(module, ModuleSource):
            h.update(b"\0" + (module.binary or module.text or b""))
        expected = getattr(cmd, "expected", None)
        if expected is not None:
            h.update(b"\0" + repr(expected).encode())
        fp = h.hexdigest()[:16]
        seen[fp] += 1
        out.append(fp if seen[fp] == 1 else f"{fp}#{seen[fp]}")
    return out


Key = tuple[str, str, str]  # engine, file, fingerprint


@dataclass(frozen=True)
class Entry:
    engine: str
    file: str
    fingerprint: str
    status: str
    reason: str = ""
    command: str = ""
    line: int = 0

    @property
    def key(self) -> Key:
        return (self.engine, self.file, self.fingerprint)


@dataclass
class Baseline:
    entries: dict[Key, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            why = "no such file (write one: --update-baseline)"
            raise BaselineError(f"baseline {path}: {why}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"baseline {path}: cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise BaselineError(f"baseline {path}: not TOML: {exc}") from None
        version = data.get("version")
        if version not in READABLE:
            raise BaselineError(f"baseline {path}: version must be {VERSION} (or 1)")
        out = cls()
        known = {*Status, FILE_ERROR} - {Status.PASS}
        for n, entry in enumerate(_entries(data, path), start=1):
            if entry.status not in known:
                raise BaselineError(
                    f"baseline {path}: entry {n}: status {entry.status!r} is not one of "
                    f"{', '.join(sorted(known))}"
                )
            out.entries[entry.key] = entry
        return out

    def write(self, path: Path) -> None:
        """Version 2: one group per engine, file, status and reason, listing
        its commands as ``[fingerprint, line, command]``."""
        lines = [
            "# wasm-harness baseline (docs/baselines.md): every command whose status",
            "# was not pass, per engine, grouped by file, status and reason.",
            "# Written by --update-baseline; reasons may be edited.",
            f"version = {VERSION}",
        ]
        groups: dict[tuple[str, str, str, str], list[Entry]] = {}
        for e in sorted(self.entries.values(), key=lambda e: (e.engine, e.file, e.line)):
            groups.setdefault((e.engine, e.file, e.status, e.reason), []).append(e)
        for (engine, file, status, reason), entries in groups.items():
            lines += [
                "",
                "[[group]]",
                f"engine = {_s(engine)}",
                f"file = {_s(file)}",
                f"status = {_s(status)}",
                f"reason = {_s(reason)}",
                "commands = [",
                *(f"  [{_s(e.fingerprint)}, {e.line}, {_s(e.command)}]," for e in entries),
                "]",
            ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _entries(data: dict, path: Path):
    """The entries of a parsed baseline: version 1's ``[[entry]]`` tables,
    version 2's ``[[group]]`` tables of ``[fingerprint, line, command]``."""
    n = 0  # entries read
    try:
        for raw in data.get("entry", []) if data["version"] == 1 else ():
            entry = Entry(
                str(raw["engine"]),
                str(raw["file"]),
                str(raw["fingerprint"]),
                str(raw["status"]),
                str(raw.get("reason", "")),
                str(raw.get("command", "")),
                int(raw.get("line", 0)),
            )
            n += 1
            yield entry
        for group in data.get("group", []) if data["version"] == 2 else ():
            head = [str(group[k]) for k in ("engine", "file", "status")]
            reason = str(group.get("reason", ""))
            for fingerprint, line, command in group["commands"]:
                entry = Entry(*head[:2], str(fingerprint), head[2], reason, str(command), int(line))
                n += 1
                yield entry
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"baseline {path}: entry {n + 1}: missing or bad {exc}") from None


def _s(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for ``\\/``)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Comparison:
    """A run against a baseline."""

    regressed: list[tuple[object, str]] = field(default_factory=list)  # (record, was)
    newly_passing: list[tuple[object, Entry]] = field(default_factory=list)
    stale: list[Entry] = field(default_factory=list)
    held: int = 0  # commands at their recorded status (pass or not)

    def failed(self, strict: bool) -> bool:
        return bool(self.regressed) or (strict and bool(self.newly_passing or self.stale))

    def format(self, limit: int = 50) -> str:
        lines = [
            f"baseline: {self.held} results as recorded, {len(self.regressed)} regressed, "
            f"{len(self.newly_passing)} newly passing, {len(self.stale)} stale entries"
        ]
        if self.regressed:
            lines.append(f"regressed ({len(self.regressed)}):")
            for r, was in self.regressed[:limit]:
                lines.append(
                    f"  {r.file}:{r.line}: [{r.engine}] {r.command}: was {was}, now {r.status}"
                    + (f": {r.detail}" if r.detail else "")
                )
        if self.newly_passing:
            lines.append(f"newly passing ({len(self.newly_passing)}; update the baseline):")
            for r, e in self.newly_passing[:limit]:
                lines.append(f"  {r.file}:{r.line}: [{r.engine}] {r.command}: was {e.status}")
        if self.stale:
            lines.append(f"stale entries ({len(self.stale)}; no such command ran):")
            for e in self.stale[:limit]:
                lines.append(f"  {e.file}:{e.line}: [{e.engine}] {e.command} ({e.fingerprint})")
        return "\n".join(lines)


def compare(baseline: Baseline, records, file_errors: dict[str, str], engines) -> Comparison:
    """The run's records (and files that could not run) against the baseline.
    Stale entries are counted only for the files and engines the run had."""
    out = Comparison()
    seen: set[Key] = set()
    for r in records:
        key = (r.engine, r.file, r.fingerprint)
        seen.add(key)
        entry = baseline.entries.get(key)
        was = entry.status if entry is not None else Status.PASS
        if r.status == was:
            out.held += 1
        elif r.status == Status.PASS:
            out.newly_passing.append((r, entry))
        else:
            out.regressed.append((r, was))
    for file, message in file_errors.items():
        for engine in engines:
            key = (engine, file, FILE_FINGERPRINT)
            seen.add(key)
            if key in baseline.entries:
                out.held += 1
            else:
                out.regressed.append((_FileRecord(file, engine, message), Status.PASS))
    files = {r.file for r in records} | set(file_errors)
    out.stale = [
        e
        for key, e in baseline.entries.items()
        if key not in seen and e.file in files and e.engine in engines
    ]
    return out


@dataclass(frozen=True)
class _FileRecord:
    """A file that could not be run, in a comparison's terms."""

    file: str
    engine: str
    detail: str
    line: int = 0
    command: str = "(the whole file)"
    status: str = FILE_ERROR


def recorded(records, file_errors: dict[str, str], engines, previous: Baseline | None) -> Baseline:
    """The baseline of this run: every non-pass result, keeping the reasons
    someone wrote into the previous baseline for entries that still hold."""
    out = Baseline()
    for r in records:
        if r.status == Status.PASS:
            continue
        key = (r.engine, r.file, r.fingerprint)
        old = previous.entries.get(key) if previous else None
        reason = old.reason if old is not None and old.status == r.status else r.detail
        out.entries[key] = Entry(
            r.engine, r.file, r.fingerprint, str(r.status), reason, r.command, r.line
        )
    for file, message in file_errors.items():
        for engine in engines:
            entry = Entry(engine, file, FILE_FINGERPRINT, FILE_ERROR, message.splitlines()[0])
            out.entries[entry.key] = entry
    if previous is not None:  # entries of files or engines this run didn't have stay
        files = {r.file for r in records} | set(file_errors)
        for key, e in previous.entries.items():
            if e.file not in files or e.engine not in engines:
                out.entries.setdefault(key, e)
    return out
