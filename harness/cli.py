"""``wasm-harness``: run spec scripts against engines and report.

wasm-harness run [PATHS...] [--engine E ...] [--suite S ...] [--json F] [--junit F]
                 [--baseline FILE [--update-baseline | --strict-baseline]]
wasm-harness fuzz CAMPAIGN [--profile P ...] [--count N | --time S] [--seed N] (docs/fuzzing.md)

Exit status: 0 when every command passed (with --baseline: when every
command has the status the baseline records); 1 when one failed, crashed,
timed out or moved away from its baseline status, or a file could not be
run; 2 for bad input (a missing or empty suite, an unwritable output path,
a .wasm instead of a script, an unreadable baseline), in one line.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import sys
import time
from pathlib import Path

from . import preinit_cli
from .baseline import Baseline, BaselineError, compare, recorded
from .corpus import cli as corpus_cli
from .engines import UnknownEngine, engines_for, stop_workers
from .execution import FileJob, display_name, run_file
from .fuzz import cli as fuzz_cli
from .known_differences import KnownDifferenceError, load_known
from .options import RunOptions, add_to_argparse
from .outputs import unwritable
from .probes import export_cli
from .report import Differential, Report, probe_notes, testsuite_info
from .testsuite import (
    MISSING_MESSAGE,
    OWN_SPECTESTS,
    SUITES,
    TESTSUITE_ENV,
    find_testsuite,
    profiles_for,
    suite_files,
)


class _Parser(argparse.ArgumentParser):
    """Errors in one line (exit status 2), without the usage block."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="wasm-harness", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run .wast scripts against engines")
    run.add_argument("paths", nargs="*", type=Path, help=".wast files or folders")
    add_to_argparse(run)
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="files run in parallel (default: CPU count)",
    )
    run.add_argument("--json", type=Path, help="write one record per command and engine")
    run.add_argument("--junit", type=Path, help="write a JUnit XML report")
    run.add_argument(
        "--all-files",
        action="store_true",
        help="list every file in the table, not only those with failures",
    )
    preinit_cli.add_parser(sub)
    report = sub.add_parser("report", help="write the HTML conformance matrix of runs")
    report.add_argument("runs", nargs="+", help="JSON files of runs (run --json); "
                        "later runs are compared with the first")  # fmt: skip
    report.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    check = sub.add_parser("check-engine", help="self-test an engine's adapter")
    check.add_argument("engine", help="an engine name, python:MODULE:ATTR or program:NAME=CMD")
    check.add_argument("--timeout", type=float, default=30.0, help="seconds per command")
    corpus_cli.add_parser(sub)
    export_cli.add_parser(sub)
    fuzz_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args, parser)
    if args.command == "preinit":
        return preinit_cli.run(args)
    if args.command == "report":
        return _report(args)
    if args.command == "check-engine":
        from .check_engine import main as check_engine_main

        return check_engine_main(args.engine, args.timeout)
    if args.command == "export-wast":
        return export_cli.run(args)
    if args.command == "corpus":
        return corpus_cli.run(args, parser)
    if args.command == "fuzz":
        return fuzz_cli.run(args)
    return 2


def _report(args) -> int:
    from .html_report import ReportError, load_run, render

    try:
        runs = [load_run(path) for path in args.runs]
        args.output.mkdir(parents=True, exist_ok=True)
        page = args.output / "index.html"
        page.write_text(render(runs), encoding="utf-8")
    except ReportError as exc:
        print(f"wasm-harness report: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"wasm-harness report: error: cannot write {args.output}: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    print(page)
    return 0


def _collect(args, run: RunOptions, parser) -> tuple[list[FileJob], list[str]]:
    testsuite = find_testsuite(run.testsuite)
    notes: list[str] = []
    paths: list[Path] = list(args.paths)
    explicit = run.testsuite or os.environ.get(TESTSUITE_ENV)
    if explicit and testsuite is None:
        parser.error(f"testsuite {explicit}: no such folder ({MISSING_MESSAGE})")
    if run.suites:
        if testsuite is None:
            parser.error(MISSING_MESSAGE)
        for s in run.suites:
            found = suite_files(testsuite, s, nested=run.recursive)
            if not found:
                parser.error(f"suite {s}: no .wast files in {testsuite / SUITES[s].folder}")
            paths += found
    if not paths:  # the embedded default: our own scripts, and the official suites if found
        if OWN_SPECTESTS.is_dir():
            paths.append(OWN_SPECTESTS)
        if testsuite is None:
            notes.append(MISSING_MESSAGE)
        else:
            official = [f for s in SUITES for f in suite_files(testsuite, s, run.recursive)]
            if explicit and not official:
                parser.error(f"testsuite {testsuite}: no .wast files in its suites' folders")
            paths += official
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            pattern = "**/*.wast" if run.recursive or p == OWN_SPECTESTS else "*.wast"
            files += sorted(p.glob(pattern))
        elif p.suffix == ".wasm" or (p.is_file() and _is_binary(p)):
            parser.error(
                f"{p}: a Wasm binary; run takes .wast scripts "
                "(hint: a .wast with (module binary ...), or `wasm-tools print` for its text)"
            )
        elif p.is_file():
            files.append(p)
        else:
            parser.error(f"no such file or folder: {p}")
    jobs = []
    for f in files:
        profiles = profiles_for(f, testsuite, run.profile, run.dialect)
        for profile in profiles:
            name = display_name(f, testsuite)
            if len(profiles) > 1:
                name += f"[{profile}]"
            jobs.append(FileJob(f, profile, name))
    return jobs, notes


def _is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\0asm"


def _run(args, parser) -> int:
    config = RunOptions.read(vars(args).get)
    _check_outputs(args, config, parser)
    jobs, notes = _collect(args, config, parser)
    if not jobs:
        parser.error("no .wast files to run")
    try:
        known = load_known(config.known)
        engines = engines_for(config.engines, config.isolate, config.timeout)
        baseline = _load_baseline(config)
    except (UnknownEngine, KnownDifferenceError, BaselineError) as exc:
        parser.error(str(exc))
    report = Report(engines=list(config.engines), known=known)
    report.engine_versions = {e.name: e.describe() for e in engines}
    root = find_testsuite(config.testsuite)
    report.official_files = {job.display for job in jobs if _official(job.path, root)}
    if report.official_files:
        report.testsuite = testsuite_info(root)
    report.notes += probe_notes(engines, config.probes)
    progress = _Progress(len(jobs), sys.stderr.isatty())
    start = time.monotonic()
    for job, (records, diff, error) in _execute(jobs, config, args.jobs):
        report.add(records, diff)
        if error:
            report.file_errors[job.display] = error
        progress.update(job, records, error)
    report.wall_seconds = time.monotonic() - start
    progress.done()
    print(report.format_table(only_problems=not args.all_files and len(jobs) > 40))
    print(report.format_features())
    notes_text = report.format_notes(failures=baseline is None)
    if notes_text:
        print(notes_text)
    for note in notes:
        print(f"note: {note}")
    print(report.format_official())
    print(f"{len(jobs)} files, {len(report.records)} results, {report.wall_seconds:.1f} s")
    if args.json:
        report.write_json(args.json)
    if args.junit:
        report.write_junit(args.junit)
    if config.update_baseline:
        assert config.baseline is not None  # checked before the run
        recorded(report.records, report.file_errors, config.engines, baseline).write(
            Path(config.baseline)
        )
        print(f"baseline written: {config.baseline}")
        return 0
    if baseline is not None:
        comparison = compare(baseline, report.records, report.file_errors, config.engines)
        print(comparison.format())
        return 1 if comparison.failed(config.strict_baseline) else 0
    return 1 if report.failed() else 0


def _official(path: Path, root: Path | None) -> bool:
    return root is not None and root in path.resolve().parents


def _load_baseline(config: RunOptions) -> Baseline | None:
    """The baseline to compare with (None: none, or one to be written anew)."""
    if config.baseline is None:
        return None
    path = Path(config.baseline)
    if config.update_baseline and not path.exists():
        return None
    return Baseline.load(path)


def _check_outputs(args, config: RunOptions, parser) -> None:
    """Every file the run will write can be written: checked before the run,
    so a bad path costs a usage error, not the results."""
    if config.update_baseline and config.baseline is None:
        parser.error("--update-baseline needs --baseline FILE (the file to write)")
    if config.strict_baseline and config.baseline is None:
        parser.error("--strict-baseline needs --baseline FILE")
    outputs = [("--json", args.json), ("--junit", args.junit)]
    if config.update_baseline:
        outputs.append(("--baseline", Path(config.baseline)))
    for flag, path in outputs:
        if path is not None:
            problem = unwritable(path)
            if problem:
                parser.error(f"{flag} {path}: {problem}")


def _execute(jobs: list[FileJob], config: RunOptions, parallel: int):
    if parallel <= 1 or len(jobs) == 1:
        for job in jobs:
            yield job, run_file(job, config)
        return
    # The files run in forked processes, which use the engines this one
    # built; their worker processes are their own.
    stop_workers(engines_for(config.engines, config.isolate, config.timeout))
    with cf.ProcessPoolExecutor(max_workers=parallel) as pool:
        futures = {pool.submit(run_file, job, config): job for job in jobs}
        for future in cf.as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as exc:  # a worker died: report the file, go on
                yield job, ([], Differential(), f"worker failed: {type(exc).__name__}: {exc}")


class _Progress:
    def __init__(self, total: int, live: bool):
        self.total, self.live, self.count = total, live, 0
        self.failures = 0

    def update(self, job: FileJob, records, error) -> None:
        self.count += 1
        self.failures += sum(r.status.is_problem for r in records)
        self.failures += bool(error)
        if self.live:
            line = f"[{self.count}/{self.total}] {job.display}  failures so far: {self.failures}"
            print(f"\r\x1b[K{line[:120]}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.live:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
