"""Collect results and report them: a per-file table, totals, JSON, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .classify import feature_of
from .differential import Figures
from .known_differences import KnownDifferences, path_matches
from .runner import CommandResult
from .status import STATUSES, Status


@dataclass(frozen=True, slots=True)
class Record:
    """One command on one engine."""

    file: str
    line: int
    command: str
    engine: str
    status: Status
    detail: str = ""
    match: str = "exact"  # how a pass was established (messages.Match)
    divergence: str | None = None
    excused_by: str | None = None
    fingerprint: str = ""  # the command's in its file (harness.baseline)

    @property
    def by_category(self) -> bool:
        return self.match == "category"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "fingerprint": self.fingerprint,
            "command": self.command,
            "engine": self.engine,
            "status": self.status,
            "detail": self.detail,
            "match": self.match,
            "by_category": self.by_category,
            "divergence": self.divergence,
            "excused_by": self.excused_by,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Record:
        names = cls.__dataclass_fields__
        return cls(**{**{k: v for k, v in d.items() if k in names}, "status": Status(d["status"])})


def records_of(result: CommandResult, display_file: str, fingerprint: str = "") -> list[Record]:
    """One record per engine, with the status the runner settled."""
    return [
        Record(
            display_file,
            result.line,
            result.command.describe(),
            r.engine,
            r.status,
            r.verdict.detail,
            str(r.verdict.match),
            result.divergence,
            r.excused_by,
            fingerprint,
        )
        for r in result.results
    ]


@dataclass(frozen=True, slots=True)
class DivergenceRecord:
    """One divergence between two engines on one command."""

    file: str
    line: int
    command: str
    engines: tuple[str, str]
    aspect: str
    where: str
    detail: str
    excused_by: str | None = None

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "command": self.command,
            "engines": list(self.engines),
            "aspect": self.aspect,
            "where": self.where,
            "detail": self.detail,
            "excused_by": self.excused_by,
        }

    @classmethod
    def from_dict(cls, d: dict) -> DivergenceRecord:
        return cls(**{**d, "engines": tuple(d["engines"])})

    def __str__(self) -> str:
        a, b = self.engines
        where = f"{self.where}: " if self.where else ""
        excused = f" [excused by {self.excused_by}]" if self.excused_by else ""
        return f"{self.file}:{self.line}: {a} vs {b}: {where}{self.detail}{excused}"


@dataclass
class Differential:
    """What a run found across engines: divergences, figures, and how many
    commands each known difference excused."""

    divergences: list[DivergenceRecord] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)
    excused: Counter = field(default_factory=Counter)  # "engine:id" -> commands
    engine_stats: Counter = field(default_factory=Counter)  # "engine: what" -> count

    def add(self, other: Differential) -> None:
        self.divergences.extend(other.divergences)
        self.figures.add(other.figures)
        self.excused.update(other.excused)
        self.engine_stats.update(other.engine_stats)

    def add_result(self, result: CommandResult, display_file: str) -> None:
        self.figures.add(result.figures)
        for d in result.divergences:
            self.divergences.append(
                DivergenceRecord(
                    display_file,
                    result.line,
                    result.command.describe(),
                    d.engines,
                    d.aspect,
                    d.where,
                    d.detail,
                    d.excused_by,
                )
            )
        self.excused.update(result.excused_by)

    def as_dict(self) -> dict:
        return {
            "figures": self.figures.as_dict(),
            "divergences": [d.as_dict() for d in self.divergences],
            "excused": dict(self.excused),
            "engine_stats": dict(self.engine_stats),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Differential:
        return cls(
            [DivergenceRecord.from_dict(x) for x in d.get("divergences", [])],
            Figures.from_dict(d.get("figures", {})),
            Counter(d.get("excused", {})),
            Counter(d.get("engine_stats", {})),
        )


def differential_of(result: CommandResult, display_file: str) -> Differential:
    diff = Differential()
    diff.add_result(result, display_file)
    return diff


def format_differential(
    diff: Differential,
    known: KnownDifferences | None = None,
    engines: list[str] | tuple[str, ...] = (),
    files: list[str] | tuple[str, ...] = (),
    limit: int = 50,
) -> str:
    """The divergence report: figures, each divergence with file:line, the
    engines and what differs, and the known differences applied."""
    lines = []
    f = diff.figures
    if f.commands_compared or diff.divergences:
        lines.append(f"differential: {f.commands_compared} commands compared across engines")
    if f.instantiations_probed:
        lines[-1] += (
            f"; {f.instantiations_probed} instantiations probed ({f.instances_compared} instance "
            f"states, {f.modules_rewritten} modules rewritten): {f.memories_compared} memories "
            f"({f.memory_bytes_compared} bytes), {f.table_entries_compared} table entries "
            f"({f.table_entries_unidentified} functions compared as non-null only), "
            f"{f.globals_compared} globals"
            + (f", {f.items_unreadable} items unreadable" if f.items_unreadable else "")
        )
    if f.probes_failed:
        lines.append(
            f"probes: {f.probes_failed} instance states an engine could not report"
            " (those instances were not compared)"
        )
    open_ = [d for d in diff.divergences if not d.excused_by]
    excused = [d for d in diff.divergences if d.excused_by]
    if f.commands_compared or diff.divergences:
        lines.append(
            f"divergences: {len(open_)} unexplained, {len(excused)} excused by known differences"
        )
    for d in open_[:limit]:
        lines.append(f"  {d}")
    if len(open_) > limit:
        lines.append(f"  ... and {len(open_) - limit} more (see --json)")
    if diff.excused:
        lines.append("known differences applied (commands excused):")
        for ref, n in sorted(diff.excused.items()):
            entry = known.lookup(ref) if known is not None else None
            reason = f": {entry.reason}" if entry is not None else ""
            lines.append(f"  {n:6d}  {ref}{reason}")
    if known is not None:
        unused = [
            e.ref
            for e in known.entries
            if e.engine in engines
            and e.ref not in diff.excused
            and any(path_matches(file, p) for file in files for p in e.files)
        ]
        if unused:
            lines.append(f"known differences that excused nothing here: {', '.join(unused)}")
    return "\n".join(lines)


@dataclass
class Report:
    records: list[Record] = field(default_factory=list)
    file_errors: dict[str, str] = field(default_factory=dict)  # file -> message
    engines: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    differential: Differential = field(default_factory=Differential)
    known: KnownDifferences | None = None
    notes: list[str] = field(default_factory=list)
    engine_versions: dict[str, str] = field(default_factory=dict)  # name -> describe()
    testsuite: dict = field(default_factory=dict)  # {"path", "commits": {folder: commit}}
    official_files: set[str] = field(default_factory=set)  # files of the official testsuite

    def official_commands(self) -> int:
        """How many commands of the official testsuite ran (on any engine)."""
        return len(
            {(r.file, r.line, r.fingerprint) for r in self.records if r.file in self.official_files}
        )

    def format_official(self) -> str:
        """The line that says whether the official testsuite was run at all."""
        n = self.official_commands()
        if not n:
            return "official testsuite: no commands ran"
        return f"official testsuite: {n} commands ran, in {len(self.official_files)} files"

    def add(self, records: list[Record], differential: Differential | None = None) -> None:
        self.records.extend(records)
        if differential is not None:
            self.differential.add(differential)

    # -- figures -----------------------------------------------------------------

    def totals(self) -> dict[str, Counter]:
        totals: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            totals[r.engine][r.status] += 1
        return totals

    def failed(self) -> bool:
        return (
            bool(self.file_errors)
            or any(r.status.is_problem for r in self.records)
            or any(not d.excused_by for d in self.differential.divergences)
        )

    def matches(self) -> dict[str, Counter]:
        """engine -> how its passes were established (exact, category, unchecked)."""
        out: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            if r.status == Status.PASS:
                out[r.engine][r.match] += 1
        return out

    def by_feature(self) -> dict[str, dict[str, Counter]]:
        """feature -> engine -> status counts (``classify.feature_of``)."""
        table: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for r in self.records:
            table[feature_of(r.file)][r.engine][r.status] += 1
        return table

    def by_file(self) -> dict[str, dict[str, Counter]]:
        table: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for r in self.records:
            table[r.file][r.engine][r.status] += 1
        return table

    # -- text ----------------------------------------------------------------------

    def format_table(self, only_problems: bool = False) -> str:
        rows = []
        width = max([len(f) for f in self.by_file()] + [len(f) for f in self.file_errors] + [4])
        ew = max([len(e) for e in self.totals()] + [6])
        header = f"{'file':<{width}}  {'engine':<{ew}}" + "".join(f"{s:>12}" for s in STATUSES)
        rows.append(header)
        rows.append("-" * len(header))
        for file, engines in sorted(self.by_file().items()):
            for engine, counts in engines.items():
                if only_problems and not any(counts[s] for s in STATUSES if s.is_problem):
                    continue
                cells = "".join(f"{counts[s]:>12}" for s in STATUSES)
                rows.append(f"{file:<{width}}  {engine:<{ew}}{cells}")
        for file, message in sorted(self.file_errors.items()):
            rows.append(f"{file:<{width}}  {'(file)':<{ew}}  ERROR: {message.splitlines()[0]}")
        rows.append("-" * len(header))
        for engine, counts in self.totals().items():
            cells = "".join(f"{counts[s]:>12}" for s in STATUSES)
            rows.append(f"{'TOTAL':<{width}}  {engine:<{ew}}{cells}")
        return "\n".join(rows)

    def format_features(self) -> str:
        """The summary by feature or proposal: one row per feature and engine."""
        table = self.by_feature()
        width = max([len(f) for f in table] + [7])
        ew = max([len(e) for e in self.totals()] + [6])
        header = f"{'feature':<{width}}  {'engine':<{ew}}" + "".join(f"{s:>12}" for s in STATUSES)
        rows = [header, "-" * len(header)]
        for feature, engines in sorted(table.items()):
            for engine, counts in engines.items():
                cells = "".join(f"{counts[s]:>12}" for s in STATUSES)
                rows.append(f"{feature:<{width}}  {engine:<{ew}}{cells}")
        return "\n".join(rows)

    def format_notes(self, limit: int = 50, failures: bool = True) -> str:
        """Message policies, unsupported reasons, failures (``failures``: off
        when a baseline comparison lists what matters), divergences."""
        lines = []
        for engine, matches in self.matches().items():
            if set(matches) != {"exact"}:
                lines.append(
                    f"{engine}: passes: {matches['exact']} exact, {matches['category']} by "
                    f"message category, {matches['unchecked']} with the message unchecked"
                )
        reasons: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            if r.status == Status.UNSUPPORTED:
                reasons[r.engine][r.detail] += 1
        for engine, counter in reasons.items():
            lines.append(f"{engine}: unsupported commands by reason:")
            lines += [f"  {n:6d}  {reason}" for reason, n in counter.most_common(15)]
        problems = [r for r in self.records if r.status.is_problem]
        if problems and failures:
            lines.append(f"failures ({len(problems)}):")
            for r in problems[:limit]:
                lines.append(f"  {r.file}:{r.line}: [{r.engine}] {r.command}: {r.detail}")
            if len(problems) > limit:
                lines.append(f"  ... and {len(problems) - limit} more (see --json)")
        if len(self.engines) > 1 or self.differential.divergences or self.differential.excused:
            files = sorted({r.file.split("[")[0] for r in self.records})
            lines.append(
                format_differential(self.differential, self.known, self.engines, files, limit)
            )
        if self.differential.engine_stats:
            lines.append("engine statistics:")
            lines += [
                f"  {n:8d}  {key}" for key, n in sorted(self.differential.engine_stats.items())
            ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    # -- files ---------------------------------------------------------------------

    def write_json(self, path: Path) -> None:
        data = {
            "engines": self.engines,
            "wall_seconds": round(self.wall_seconds, 3),
            "engine_versions": self.engine_versions,
            "testsuite": self.testsuite,
            "official_commands": self.official_commands(),
            "passes_by_match": {e: dict(c) for e, c in self.matches().items()},
            "summary": {e: dict(c) for e, c in self.totals().items()},
            "files": {
                file: {e: dict(c) for e, c in engines.items()}
                for file, engines in sorted(self.by_file().items())
            },
            "file_errors": self.file_errors,
            "differential": self.differential.as_dict(),
            "records": [r.as_dict() for r in self.records],
        }
        path.write_text(json.dumps(data, indent=1))

    def write_junit(self, path: Path) -> None:
        """One testsuite per file with its counts; one test case per command
        and engine, named by line and command (``214: assert_trap (invoke
        "f") [v8]``) so a CI page reads without the .wast at hand."""
        root = ET.Element("testsuites", name="wasm-harness")
        by_file: dict[str, list[Record]] = defaultdict(list)
        for r in self.records:
            by_file[r.file].append(r)
        totals: Counter = Counter()
        for file in sorted(set(by_file) | set(self.file_errors)):
            records = by_file.get(file, [])
            counts = Counter(_junit_kind(r.status) for r in records)
            counts["errors"] += file in self.file_errors
            suite = ET.SubElement(
                root,
                "testsuite",
                name=file,
                tests=str(len(records) + (file in self.file_errors)),
                failures=str(counts["failures"]),
                errors=str(counts["errors"]),
                skipped=str(counts["skipped"]),
            )
            totals.update(counts)
            totals["tests"] += int(suite.get("tests", 0))
            if file in self.file_errors:
                case = ET.SubElement(suite, "testcase", classname=file, name="(file)")
                ET.SubElement(case, "error", message="file error").text = self.file_errors[file]
            for r in records:
                command = r.command if len(r.command) <= 100 else r.command[:97] + "..."
                case = ET.SubElement(
                    suite, "testcase", classname=file, name=f"{r.line}: {command} [{r.engine}]"
                )
                if r.status.is_problem:
                    tag = "failure" if r.status == Status.FAIL else "error"
                    el = ET.SubElement(case, tag, message=f"{r.status}: {r.detail}"[:200])
                    el.text = f"{r.command}\n{r.detail}"
                elif r.status != Status.PASS:
                    ET.SubElement(case, "skipped", message=f"{r.status}: {r.detail}")
        for key in ("tests", "failures", "errors", "skipped"):
            root.set(key, str(totals[key]))
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _junit_kind(status: Status) -> str:
    if status == Status.FAIL:
        return "failures"
    if status.is_problem:
        return "errors"
    return "passed" if status == Status.PASS else "skipped"


def testsuite_info(root: Path | None) -> dict:
    """Where the official testsuite came from, for the report: its folder and
    the commit of each snapshot, from a git checkout (``git rev-parse``) or
    the snapshot README's table (rows ``| `folder/` | commit | ...``)."""
    if root is None:
        return {}
    commits: dict[str, str] = {}
    readme = root / "README.md"
    if readme.is_file():
        for row in readme.read_text(errors="replace").splitlines():
            cells = [c.strip().strip("`").rstrip("/") for c in row.strip().strip("|").split("|")]
            if len(cells) > 1 and (root / cells[0]).is_dir() and cells[1].isalnum():
                commits[cells[0]] = cells[1]
    if (root / ".git").exists():
        import subprocess

        try:
            head = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "HEAD"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()  # fmt: skip
            commits["."] = head
        except (OSError, subprocess.SubprocessError):
            pass
    return {"path": str(root), "commits": commits}


def probe_notes(engines, probes: bool | None) -> list[str]:
    """What the run's state probes cover, for the report."""
    if len(engines) < 2:
        return []
    capable = [e.name for e in engines if e.probes]
    others = [e.name for e in engines if not e.probes]
    if probes is False:
        return ["state probes: off (--probe off); engines compared by command outcome only"]
    if len(capable) < 2:
        return ["state probes: off (they need two engines that can be probed: refimpl, wasmtime)"]
    note = f"state probes: on, comparing {' and '.join(capable)} after each instantiation"
    if others:
        note += f"; {', '.join(others)} compared by command outcome only (cannot be probed)"
    return [note]
