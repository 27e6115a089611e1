"""Collect results and report them: a per-file table, totals, JSON, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .judge import STATUSES
from .runner import CommandResult


@dataclass(frozen=True, slots=True)
class Record:
    """One command on one engine."""

    file: str
    line: int
    command: str
    engine: str
    status: str
    detail: str = ""
    by_category: bool = False
    divergence: str | None = None

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "command": self.command,
            "engine": self.engine,
            "status": self.status,
            "detail": self.detail,
            "by_category": self.by_category,
            "divergence": self.divergence,
        }


def records_of(result: CommandResult, display_file: str) -> list[Record]:
    out = []
    for r in result.results:
        status = r.status
        detail = r.verdict.detail
        if result.divergence and status == "pass":
            status, detail = "fail", f"engines disagree: {result.divergence}"
        out.append(
            Record(
                display_file,
                result.line,
                result.command.describe(),
                r.engine,
                status,
                detail,
                r.verdict.by_category,
                result.divergence,
            )
        )
    return out


@dataclass
class Report:
    records: list[Record] = field(default_factory=list)
    file_errors: dict[str, str] = field(default_factory=dict)  # file -> message
    engines: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def add(self, records: list[Record]) -> None:
        self.records.extend(records)

    # -- figures -----------------------------------------------------------------

    def totals(self) -> dict[str, Counter]:
        totals: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            totals[r.engine][r.status] += 1
        return totals

    def failed(self) -> bool:
        return bool(self.file_errors) or any(
            r.status in ("fail", "crash", "timeout") for r in self.records
        )

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
                if only_problems and not (counts["fail"] + counts["crash"] + counts["timeout"]):
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

    def format_notes(self, limit: int = 50) -> str:
        lines = []
        by_cat = Counter(r.engine for r in self.records if r.status == "pass" and r.by_category)
        for engine, n in by_cat.items():
            lines.append(f"{engine}: {n} passes matched by message category, not exact text")
        reasons: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            if r.status == "unsupported":
                reasons[r.engine][r.detail] += 1
        for engine, counter in reasons.items():
            lines.append(f"{engine}: unsupported commands by reason:")
            lines += [f"  {n:6d}  {reason}" for reason, n in counter.most_common(15)]
        problems = [r for r in self.records if r.status in ("fail", "crash", "timeout")]
        if problems:
            lines.append(f"failures ({len(problems)}):")
            for r in problems[:limit]:
                lines.append(f"  {r.file}:{r.line}: [{r.engine}] {r.command}: {r.detail}")
            if len(problems) > limit:
                lines.append(f"  ... and {len(problems) - limit} more (see --json)")
        divergences = {(r.file, r.line, r.divergence) for r in self.records if r.divergence}
        if divergences:
            lines.append(f"divergences between engines ({len(divergences)}):")
            for file, line, what in sorted(divergences)[:limit]:
                lines.append(f"  {file}:{line}: {what}")
        return "\n".join(lines)

    # -- files ---------------------------------------------------------------------

    def write_json(self, path: Path) -> None:
        data = {
            "engines": self.engines,
            "wall_seconds": round(self.wall_seconds, 3),
            "summary": {e: dict(c) for e, c in self.totals().items()},
            "file_errors": self.file_errors,
            "records": [r.as_dict() for r in self.records],
        }
        path.write_text(json.dumps(data, indent=1))

    def write_junit(self, path: Path) -> None:
        root = ET.Element("testsuites", name="wasm-harness")
        by_file: dict[str, list[Record]] = defaultdict(list)
        for r in self.records:
            by_file[r.file].append(r)
        for file in sorted(set(by_file) | set(self.file_errors)):
            records = by_file.get(file, [])
            suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(records)))
            if file in self.file_errors:
                case = ET.SubElement(suite, "testcase", classname=file, name="(file)")
                ET.SubElement(case, "error", message="file error").text = self.file_errors[file]
            for r in records:
                case = ET.SubElement(
                    suite, "testcase", classname=file, name=f"line_{r.line}[{r.engine}]"
                )
                if r.status in ("fail", "crash", "timeout"):
                    tag = "failure" if r.status == "fail" else "error"
                    el = ET.SubElement(case, tag, message=r.status)
                    el.text = f"{r.command}\n{r.detail}"
                elif r.status in ("unsupported", "skip"):
                    ET.SubElement(case, "skipped", message=f"{r.status}: {r.detail}")
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
