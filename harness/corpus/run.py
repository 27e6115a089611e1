"""One real module under every engine lane: validation agreement, then an
instantiation with stub imports, every lane's state compared by the probes.

A module becomes a little script (stubs registered under their import
names, then the module), run by the ordinary ``ScriptRunner``: the lanes,
the probes, the init-mode statistics and the known differences are the ones
``wasm-harness run`` has, not a second copy.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from refimpl import Features
from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.valid import validate_module

from ..engines.base import SessionOptions
from ..known_differences import KnownDifferences
from ..runner import ScriptRunner
from ..script.commands import ModuleCommand, ModuleSource, Register, Script
from ..script.convert import Converter
from .preinit import Snapshot, snapshot
from .stubs import StubError, stubs_for

# Profiles a real module may need, tried in order: the first that decodes
# and validates it is the one its lanes run under.
PROFILES = ("3.0", "3.0,+threads", "3.0,+legacy_exceptions", "3.0,+threads,+legacy_exceptions")


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    toolchain: str = ""
    sha256: str | None = None


def entries(corpus: Path) -> list[Entry]:
    """The corpus's modules: its manifest.json if it has one, else every .wasm."""
    manifest = corpus / "manifest.json"
    if manifest.exists():
        items = json.loads(manifest.read_text())
        return [
            Entry(i["id"], corpus / i["file"], i.get("toolchain", ""), i.get("sha256"))
            for i in items
        ]
    return [Entry(p.stem, p) for p in sorted(corpus.glob("*.wasm"))]


@dataclass
class ModuleReport:
    entry: Entry
    size: int = 0
    wasm_tools: str = ""  # "valid" or its message
    refimpl: str = ""  # "valid (PROFILE)" or its message
    agree: bool = False
    # The module needs the threads proposal (wasm-tools rejects it without),
    # and refimpl, which lacks it, rejects it: no verdict on agreement; the
    # other lanes still run, under the profile that got furthest.
    profile: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)  # lane -> outcome of the module
    # lane -> seconds its instantiation of the module took (compiling included)
    lane_seconds: dict[str, float] = field(default_factory=dict)
    lane_cpu: dict[str, float] = field(default_factory=dict)  # lane -> CPU s in this process
    probe_seconds: dict[str, float] = field(default_factory=dict)  # lane -> answering probes
    divergences: list[str] = field(default_factory=list)
    modes: dict[str, str] = field(default_factory=dict)  # lane -> applied / fell back (why)
    probed: str = ""  # what the probes compared after the module's instantiation
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's and its finished children's (wasm-tools)
    # The process's peak resident size while checking this module (Linux:
    # the peak is reset before each module), else its peak so far.
    peak_mb: float = 0.0
    peak_per_module: bool = False
    note: str = ""
    preinit: Snapshot | None = None


def _wasm_tools_verdict(path: Path, features: str = "all") -> str:
    exe = str(Converter("wasm-tools").executable())
    proc = subprocess.run(
        [exe, "validate", "--features", features, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode == 0:
        return "valid"
    return (proc.stderr.strip().splitlines() or ["rejected"])[0][:160]


def _refimpl_verdict(binary: bytes):
    """(profile, module, None) of the first profile that accepts it, or
    (the profile that got furthest, None, its error): the error of the
    profile closest to accepting it says most about why."""
    best: tuple[float, str, str] = (-1, PROFILES[0], "")
    for profile in PROFILES:
        try:
            module = decode_module(binary, Features.parse(profile))
            validate_module(module, Features.parse(profile))
            return profile, module, None
        except RefimplError as exc:
            reached = getattr(exc, "offset", None)
            reached = len(binary) if reached is None else reached  # validation: decoded
            if reached > best[0]:
                best = (reached, profile, f"{type(exc).__name__} ({profile}): {exc}"[:160])
    return best[1], None, best[2]


def _check(
    report: ModuleReport, engines: list, known, timeout, preinit_timeout, wizer
) -> ModuleReport:
    entry = report.entry
    binary = entry.path.read_bytes()
    report.size = len(binary)
    if entry.sha256 and hashlib.sha256(binary).hexdigest() != entry.sha256:
        report.note = "sha256 differs from the manifest"
    report.wasm_tools = _wasm_tools_verdict(entry.path)
    profile, module, error = _refimpl_verdict(binary)
    report.refimpl = f"valid ({profile})" if error is None else error
    report.agree = (error is None) == (report.wasm_tools == "valid")
    if error is not None:
        return report
    report.profile = profile
    if preinit_timeout is not None:
        report.preinit = snapshot(binary, module, profile, preinit_timeout, wizer)
    try:
        stubs = stubs_for(module)
    except StubError as exc:
        report.note = str(exc)
        return report
    commands: list = []
    for stub in stubs:
        commands.append(
            ModuleCommand(len(commands) + 1, ModuleSource(stub.binary, origin=stub.name))
        )
        commands.append(Register(len(commands) + 1, stub.name, None))
    commands.append(ModuleCommand(len(commands) + 1, ModuleSource(binary, origin=entry.path.name)))
    script = Script(entry.path, commands, "corpus")
    runner = ScriptRunner(
        script, engines, SessionOptions(profile=profile, timeout=timeout), known=known
    )
    results = list(runner.run_all())
    last = results[-1]
    for r in last.results:
        message = getattr(r.outcome, "message", "") or getattr(r.outcome, "reason", "")
        report.statuses[r.engine] = f"{r.outcome.kind} {message}".strip()[:120]
        report.lane_seconds[r.engine] = round(r.seconds, 2)
        report.lane_cpu[r.engine] = round(r.cpu, 2)
    report.probe_seconds = {k: round(v, 2) for k, v in runner.probe_seconds.items()}
    f = last.figures
    if f.instantiations_probed:
        report.probed = (
            f"{f.instances_compared} states: {f.memory_bytes_compared} memory bytes, "
            f"{f.table_entries_compared} table entries, {f.globals_compared} globals"
        )
    for result in results:
        report.divergences += [str(d) for d in result.divergences if not d.excused_by]
        failed = [f"{k} ({n})" for k, n in result.figures.extra.items() if k.startswith("probe ")]
        report.note = "; ".join(filter(None, [report.note, *failed]))
    for key, n in runner.engine_stats.items():
        lane, _, what = key.partition(": ")
        if what.startswith("init mode "):
            done = f"{what.removeprefix('init mode ')} {n}"
            report.modes[lane] = f"{report.modes[lane]}; {done}" if lane in report.modes else done
    return report


def run_module(
    entry: Entry,
    engines: list,
    known: KnownDifferences,
    timeout: float,
    preinit_timeout: float | None = None,
    wizer: Sequence[str] | None = None,
) -> ModuleReport:
    """The module checked on every lane (``preinit_timeout``: also
    pre-initialized, and compared with Wizer's snapshot if ``wizer``, see
    ``corpus.preinit``), with its time and the peak."""
    per_module = _reset_peak()
    start, cpu = time.monotonic(), _cpu()
    report = _check(ModuleReport(entry), engines, known, timeout, preinit_timeout, wizer)
    report.seconds = time.monotonic() - start
    report.cpu_seconds = _cpu() - cpu
    peak = _peak_kb() if per_module else None
    report.peak_per_module = peak is not None
    report.peak_mb = (peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    return report


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reset_peak() -> bool:
    """Reset the process's peak resident size (Linux ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None
