"""Run whole script files and turn their results into report records.

Shared by the CLI (which may run files in parallel worker processes) and
anything else that runs files outside pytest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .baseline import fingerprints
from .dialect import detect
from .engines import engines_for
from .engines.base import SessionOptions
from .known_differences import load_known
from .options import RunOptions
from .report import Differential, Record, records_of
from .runner import ScriptRunner
from .script import ConversionError, load_script
from .stack_room import with_stack_room


@dataclass(frozen=True)
class FileJob:
    path: Path
    profile: str
    display: str


def run_file(job: FileJob, config: RunOptions) -> tuple[list[Record], Differential, str | None]:
    """All commands of one file: (records, what engines compared and how
    they diverged, file-level error or None)."""
    diff = Differential()
    try:
        script = load_script(job.path, config.converter, job.profile)
    except ConversionError as exc:
        return [], diff, exc.one_line(job.display)
    options = SessionOptions(profile=job.profile, timeout=config.timeout)
    engines = engines_for(config.engines, config.isolate, config.timeout)
    runner = ScriptRunner(
        script,
        engines,
        options,
        probes=config.probes,
        known=load_known(config.known),
        dialect=detect(job.path, config.dialect),
    )
    records: list[Record] = []

    def run() -> None:
        for result, fp in zip(runner.run_all(), fingerprints(script.commands), strict=False):
            records.extend(records_of(result, job.display, fp))
            diff.add_result(result, job.display)

    with_stack_room(run)  # see stack_room.py: CPython 3.11's stack chunks
    diff.engine_stats.update(runner.engine_stats)
    return records, diff, None


def display_name(path: Path, testsuite: Path | None) -> str:
    path = path.resolve()
    for base in (testsuite, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return os.fspath(path)
