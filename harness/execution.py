"""Run whole script files and turn their results into report records.

Shared by the CLI (which may run files in parallel worker processes) and
anything else that runs files outside pytest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .engines import create_engine
from .engines.base import SessionOptions
from .known_differences import load_known
from .report import Differential, Record, records_of
from .runner import ScriptRunner
from .script import ConversionError, load_script


@dataclass(frozen=True)
class FileJob:
    path: Path
    profile: str
    display: str


@dataclass(frozen=True)
class RunConfig:
    engines: tuple[str, ...]
    converter: str = "auto"
    isolate: bool | None = None
    timeout: float = 60.0
    probes: bool | None = None  # state probes: None = when two engines can be probed
    known: str | None = None  # folder of known differences (None: harness/known)


_ENGINE_CACHE: dict[tuple, list] = {}


def engines_for(config: RunConfig) -> list:
    """Engine objects, made once per process and reused across files."""
    key = (config.engines, config.isolate, config.timeout)
    if key not in _ENGINE_CACHE:
        _ENGINE_CACHE[key] = [
            create_engine(name, isolate=config.isolate, timeout=config.timeout)
            for name in config.engines
        ]
    return _ENGINE_CACHE[key]


def run_file(job: FileJob, config: RunConfig) -> tuple[list[Record], Differential, str | None]:
    """All commands of one file: (records, what engines compared and how
    they diverged, file-level error or None)."""
    diff = Differential()
    try:
        script = load_script(job.path, config.converter, job.profile)
    except ConversionError as exc:
        return [], diff, exc.message
    options = SessionOptions(profile=job.profile, timeout=config.timeout)
    runner = ScriptRunner(
        script, engines_for(config), options, probes=config.probes, known=load_known(config.known)
    )
    records: list[Record] = []
    for result in runner.run_all():
        records.extend(records_of(result, job.display))
        diff.add_result(result, job.display)
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
