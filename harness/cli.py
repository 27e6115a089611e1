"""``wasm-harness``: run spec scripts against engines and report.

wasm-harness run [PATHS...] [--engine E ...] [--suite S ...] [--json F] [--junit F]
wasm-harness fuzz CAMPAIGN [--profile P ...] [--count N | --time S] [--seed N] (docs/fuzzing.md)
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import sys
import time
from pathlib import Path

from . import preinit_cli
from .engines import UnknownEngine, engines_for, stop_workers
from .execution import FileJob, display_name, run_file
from .fuzz import cli as fuzz_cli
from .known_differences import KnownDifferenceError, load_known
from .options import RunOptions, add_to_argparse
from .report import Differential, Report, probe_notes
from .testsuite import (
    MISSING_MESSAGE,
    OWN_SPECTESTS,
    SUITES,
    find_testsuite,
    profiles_for,
    suite_files,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wasm-harness", description=__doc__.split("\n")[0])
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
    fuzz_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args, parser)
    if args.command == "preinit":
        return preinit_cli.run(args)
    if args.command == "fuzz":
        return fuzz_cli.run(args)
    return 2


def _collect(args, run: RunOptions, parser) -> tuple[list[FileJob], list[str]]:
    testsuite = find_testsuite(run.testsuite)
    notes: list[str] = []
    paths: list[Path] = list(args.paths)
    if run.suites:
        if testsuite is None:
            parser.error(MISSING_MESSAGE)
        for s in run.suites:
            paths += suite_files(testsuite, s, nested=run.recursive)
    if not paths:  # the embedded default: our own scripts, and the official suites if found
        if OWN_SPECTESTS.is_dir():
            paths.append(OWN_SPECTESTS)
        if testsuite is None:
            notes.append(MISSING_MESSAGE)
        else:
            for s in SUITES:
                paths += suite_files(testsuite, s, nested=run.recursive)
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            pattern = "**/*.wast" if run.recursive or p == OWN_SPECTESTS else "*.wast"
            files += sorted(p.glob(pattern))
        elif p.is_file():
            files.append(p)
        else:
            parser.error(f"no such file or folder: {p}")
    jobs = []
    for f in files:
        profiles = profiles_for(f, testsuite, run.profile)
        for profile in profiles:
            name = display_name(f, testsuite)
            if len(profiles) > 1:
                name += f"[{profile}]"
            jobs.append(FileJob(f, profile, name))
    return jobs, notes


def _run(args, parser) -> int:
    config = RunOptions.read(vars(args).get)
    jobs, notes = _collect(args, config, parser)
    if not jobs:
        print("no .wast files to run", file=sys.stderr)
        return 1
    try:
        known = load_known(config.known)
        engines = engines_for(config.engines, config.isolate, config.timeout)
    except (UnknownEngine, KnownDifferenceError) as exc:
        parser.error(str(exc))
    report = Report(engines=list(config.engines), known=known)
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
    notes_text = report.format_notes()
    if notes_text:
        print(notes_text)
    for note in notes:
        print(f"note: {note}")
    print(f"{len(jobs)} files, {len(report.records)} results, {report.wall_seconds:.1f} s")
    if args.json:
        report.write_json(args.json)
    if args.junit:
        report.write_junit(args.junit)
    return 1 if report.failed() else 0


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
