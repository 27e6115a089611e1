"""The conformance matrix: one static HTML page from the JSON of runs.

``wasm-harness report RUN.json... -o DIR`` writes ``DIR/index.html``: for
each run, engines x feature (``feature_of``) and engines x assertion kind
with their pass / fail / unsupported counts, every failing command
(file:line, command, expected, got), engine versions and testsuite commits;
with two runs or more, each later run compared with the first.  The page is
self-contained (inline CSS, no script, no network), so it can be archived
as a CI artifact and opened from disk.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from .classify import assertion_kind, feature_of
from .status import STATUSES

# How a status is counted in the matrix: failures of any kind together, and
# commands not run (unsupported, skipped) together; excused stays apart.
GROUPS = {
    "pass": "pass",
    "fail": "fail",
    "crash": "fail",
    "timeout": "fail",
    "unsupported": "unsupported",
    "skip": "unsupported",
    "excused": "excused",
}
COLUMNS = ("pass", "fail", "unsupported", "excused")
FAILING = ("fail", "crash", "timeout")


def expected_and_got(detail: str) -> tuple[str, str]:
    """A failure's detail as (expected, got), when it says both."""
    if detail.startswith("expected ") and ", got " in detail:
        expected, _, got = detail.removeprefix("expected ").partition(", got ")
        return expected, got
    return "", detail


class ReportError(Exception):
    """A run file that can't be read: the message says which and why."""


@dataclass
class Run:
    path: str
    data: dict

    @property
    def records(self) -> list[dict]:
        return self.data.get("records", [])

    @property
    def engines(self) -> list[str]:
        """The engines of the records, in the run's order (the run names a
        program engine by its whole ``program:NAME=...``, records by NAME)."""
        seen = list(dict.fromkeys(r["engine"] for r in self.records))
        order = [n.partition("=")[0].removeprefix("program:") for n in self.data.get("engines", [])]
        return sorted(seen, key=lambda e: (order.index(e) if e in order else len(order), e))

    def summary(self) -> dict[str, Counter]:
        totals: dict[str, Counter] = defaultdict(Counter)
        for r in self.records:
            totals[r["engine"]][r["status"]] += 1
        return totals


def load_run(path: str) -> Run:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ReportError(f"{path}: not a run (write one with wasm-harness run --json)")
    for r in data["records"]:
        if not isinstance(r, dict) or not {"file", "line", "engine", "status"} <= r.keys():
            raise ReportError(f"{path}: a record lacks file, line, engine or status")
    return Run(path, data)


def _grouped(records, key) -> dict[tuple[str, str], Counter]:
    table: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in records:
        table[(key(r), r["engine"])][GROUPS.get(r["status"], "fail")] += 1
    return table


# -- HTML ------------------------------------------------------------------------

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; vertical-align: top; }
th { background: #f2f2f2; } td.name, th.name { text-align: left; }
td.cell { min-width: 11em; }
.pass { color: #17692b; } .fail { color: #b3261e; font-weight: bold; }
.unsupported { color: #8a6d00; } .excused { color: #555; }
.bar { display: flex; height: 6px; margin-top: 2px; background: #eee; }
.bar span.pass { background: #3a9a4f; } .bar span.fail { background: #d33; }
.bar span.unsupported { background: #e0b400; } .bar span.excused { background: #999; }
.failures td { text-align: left; font-family: ui-monospace, monospace; font-size: 12px; }
.failures td.where { white-space: nowrap; } .failures th { text-align: left; }
details { margin: .3em 0; } summary { cursor: pointer; }
.meta td { text-align: left; } .muted { color: #777; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tone(group: str, n: int) -> str:
    return group if n else "muted"


def _cell(counts: Counter, engine: str, row: str, kind: str) -> str:
    total = sum(counts[c] for c in COLUMNS)
    if not total:
        return '<td class="cell muted">-</td>'
    attrs = "".join(f' data-{c}="{counts[c]}"' for c in COLUMNS)
    shown = [c for c in COLUMNS if c != "excused" or counts[c]]
    parts = [f'<span class="{_tone(c, counts[c])}">{counts[c]}</span>' for c in shown]
    bar = "".join(
        f'<span class="{c}" style="width:{100 * counts[c] / total:.2f}%"></span>'
        for c in COLUMNS
        if counts[c]
    )
    title = f"{row} on {engine}: " + ", ".join(f"{counts[c]} {c}" for c in COLUMNS)
    return (
        f'<td class="cell" data-{kind}="{_e(row)}" data-engine="{_e(engine)}"{attrs}'
        f' title="{_e(title)}">{" / ".join(parts)}<div class="bar">{bar}</div></td>'
    )


def _matrix(title: str, kind: str, table: dict[tuple[str, str], Counter], engines) -> str:
    rows = sorted({row for row, _ in table}, key=lambda r: (r == "core", r))
    out = [f"<h3>{_e(title)}</h3>", f'<table class="matrix" data-matrix="{kind}">']
    out.append(
        f'<tr><th class="name">{kind}</th>'
        + "".join(f"<th>{_e(e)}<br><small>pass / fail / unsupported</small></th>" for e in engines)
        + "</tr>"
    )
    for row in rows:
        cells = "".join(_cell(table.get((row, e), Counter()), e, row, kind) for e in engines)
        out.append(f'<tr><td class="name">{_e(row)}</td>{cells}</tr>')
    out.append("</table>")
    return "\n".join(out)


def _totals(run: Run) -> str:
    summary = run.summary()
    out = ['<table class="totals">', '<tr><th class="name">engine</th>']
    out[-1] += "".join(f"<th>{s}</th>" for s in STATUSES)
    out[-1] += (
        "<th>total</th><th>passes by category<br><small>not exact text</small></th>"
        "<th>passes unchecked<br><small>message ignored</small></th></tr>"
    )
    by_category = Counter(
        r["engine"] for r in run.records if r["status"] == "pass" and r.get("by_category")
    )
    unchecked = Counter(
        r["engine"] for r in run.records if r["status"] == "pass" and r.get("match") == "unchecked"
    )
    for engine in run.engines:
        counts = summary.get(engine, Counter())
        cells = "".join(
            f'<td class="{_tone(GROUPS[s], counts[s])}" data-status="{s}">{counts[s]}</td>'
            for s in STATUSES
        )
        out.append(
            f'<tr data-engine="{_e(engine)}"><td class="name">{_e(engine)}</td>{cells}'
            f'<td data-status="total">{sum(counts.values())}</td>'
            f"<td>{by_category[engine]}</td><td>{unchecked[engine]}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _meta(run: Run) -> str:
    data = run.data
    versions = data.get("engine_versions", {})
    suite = data.get("testsuite") or {}
    commits = ", ".join(f"{k}: {v}" for k, v in (suite.get("commits") or {}).items())
    rows = [("run file", run.path)]
    rows += [(f"engine {e}", versions.get(e, "(version not recorded)")) for e in run.engines]
    rows.append(("testsuite", (suite.get("path", "") + (f" ({commits})" if commits else "")) or
                 "(not recorded)"))  # fmt: skip
    rows.append(("files", str(len({r["file"] for r in run.records}))))
    rows.append(("results (command, engine)", str(len(run.records))))
    if "wall_seconds" in data:
        rows.append(("wall time", f"{data['wall_seconds']} s"))
    body = "".join(f'<tr><th class="name">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in rows)
    return f'<table class="meta">{body}</table>'


def _failures(run: Run) -> str:
    failing: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in run.records:
        if r["status"] in FAILING:
            failing[r["engine"]][feature_of(r["file"])].append(r)
    errors = run.data.get("file_errors") or {}
    out = ["<h3>Failing commands</h3>"]
    if not failing and not errors:
        out.append('<p class="muted">none</p>')
    for engine in run.engines:
        for feature, records in sorted(failing.get(engine, {}).items()):
            out.append(
                f'<details data-engine="{_e(engine)}" data-feature="{_e(feature)}">'
                f"<summary>{_e(engine)} · {_e(feature)}: {len(records)} failing</summary>"
                '<table class="failures"><tr><th>where</th><th>status</th><th>command</th>'
                "<th>expected</th><th>got</th></tr>"
            )
            for r in records:
                expected, got = expected_and_got(r.get("detail", ""))
                out.append(
                    f'<tr><td class="where">{_e(r["file"])}:{r["line"]}</td>'
                    f"<td>{_e(r['status'])}</td>"
                    f"<td>{_e(r.get('command', ''))}</td><td>{_e(expected)}</td>"
                    f"<td>{_e(got)}</td></tr>"
                )
            out.append("</table></details>")
    if errors:
        out.append(f"<details><summary>{len(errors)} files that did not run</summary><table>")
        out += [
            f'<tr><td class="name">{_e(f)}</td><td class="name">{_e(m)}</td></tr>'
            for f, m in sorted(errors.items())
        ]
        out.append("</table></details>")
    return "\n".join(out)


def _keyed(run: Run) -> dict[tuple, str]:
    """Statuses keyed by engine, file and command (and its occurrence among
    equal commands), not by line: inserting tests above doesn't move them."""
    seen: Counter = Counter()
    out = {}
    for r in run.records:
        base = (r["engine"], r["file"], r.get("command", ""))
        seen[base] += 1
        out[(*base, seen[base])] = r["status"]
    return out


def _comparison(base: Run, new: Run, anchor: str, limit: int = 500) -> str:
    """Status changes of the engines both runs have (an engine only one run
    has is not a regression of the other's)."""
    common = set(base.engines) & set(new.engines)
    title = f'<h2 id="{_e(anchor)}">Comparison: {_e(base.path)} → {_e(new.path)}</h2>'
    if not common:
        return title + '<p class="muted">no engine in common</p>'
    old = {k: v for k, v in _keyed(base).items() if k[0] in common}
    now = {k: v for k, v in _keyed(new).items() if k[0] in common}
    changes: dict[str, list[tuple]] = defaultdict(list)
    for key in sorted(old.keys() | now.keys()):
        a, b = old.get(key, "absent"), now.get(key, "absent")
        if a == b:
            continue
        kind = "regressed" if a == "pass" else "newly passing" if b == "pass" else "changed"
        changes[kind].append((key, a, b))
    engines = [e for e in base.engines if e in common]
    features = sorted({feature_of(k[1]) for k in old.keys() | now.keys()})
    out = [title]
    out.append('<table class="comparison"><tr><th class="name">feature</th>')
    out[-1] += "".join(f"<th>{_e(e)}: passes</th>" for e in engines) + "</tr>"
    for feature in features:
        cells = []
        for e in engines:
            a = sum(1 for k, s in old.items() if k[0] == e and s == "pass" and
                    feature_of(k[1]) == feature)  # fmt: skip
            b = sum(1 for k, s in now.items() if k[0] == e and s == "pass" and
                    feature_of(k[1]) == feature)  # fmt: skip
            cls = "fail" if b < a else "pass" if b > a else ""
            cells.append(f'<td class="{cls}">{a} → {b} ({b - a:+d})</td>')
        out.append(f'<tr><td class="name">{_e(feature)}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    for kind in ("regressed", "newly passing", "changed"):
        items = changes.get(kind, [])
        out.append(
            f'<details data-changes="{kind}"{" open" if kind == "regressed" and items else ""}>'
            f"<summary>{len(items)} {kind}</summary>"
            '<table class="failures"><tr><th>engine</th><th>file</th><th>command</th>'
            "<th>before</th><th>after</th></tr>"
        )
        for (engine, file, command, _), a, b in items[:limit]:
            out.append(
                f'<tr><td>{_e(engine)}</td><td class="where">{_e(file)}</td><td>{_e(command)}</td>'
                f"<td>{_e(a)}</td><td>{_e(b)}</td></tr>"
            )
        if len(items) > limit:
            out.append(f'<tr><td colspan="5">… and {len(items) - limit} more</td></tr>')
        out.append("</table></details>")
    return "\n".join(out)


def combined(runs: list[Run]) -> Run:
    """The runs' records as one run, for a matrix of every engine: an engine
    that several runs have is named with its run (``v8 [run 2]``)."""
    owners = Counter(e for run in runs for e in run.engines)
    records, engines, versions = [], [], {}
    for i, run in enumerate(runs, start=1):
        for engine in run.engines:
            name = engine if owners[engine] == 1 else f"{engine} [run {i}]"
            engines.append(name)
            versions[name] = run.data.get("engine_versions", {}).get(engine, "")
        for r in run.records:
            name = r["engine"] if owners[r["engine"]] == 1 else f"{r['engine']} [run {i}]"
            records.append({**r, "engine": name})
    return Run("all runs", {"engines": engines, "engine_versions": versions, "records": records})


def render(runs: list[Run]) -> str:
    """The whole page for these runs (the first is the base of comparisons)."""
    body = ["<h1>WebAssembly conformance</h1>"]
    if len(runs) > 1:
        every = combined(runs)
        body.append('<section class="all">')
        body.append("<h2>All runs</h2>")
        body.append(_totals(every))
        by_feature = _grouped(every.records, lambda r: feature_of(r["file"]))
        body.append(_matrix("By feature / proposal", "feature", by_feature, every.engines))
        body.append("</section>")
    for i, run in enumerate(runs):
        engines = run.engines
        body.append(f'<section class="run" data-run="{i}">')
        body.append(f'<h2 id="run-{i + 1}">Run {i + 1}: {_e(run.path)}</h2>')
        body.append(_meta(run))
        body.append("<h3>Totals</h3>")
        body.append(_totals(run))
        by_feature = _grouped(run.records, lambda r: feature_of(r["file"]))
        body.append(_matrix("By feature / proposal", "feature", by_feature, engines))
        by_kind = _grouped(run.records, lambda r: assertion_kind(r.get("command", "")))
        body.append(_matrix("By assertion kind", "kind", by_kind, engines))
        body.append(_failures(run))
        body.append("</section>")
    for i, run in enumerate(runs[1:], start=2):
        body.append(_comparison(runs[0], run, f"comparison-{i}"))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>WebAssembly conformance</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
