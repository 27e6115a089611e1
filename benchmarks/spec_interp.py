"""The OCaml spec interpreter side by side: ``$SPEC_WASM`` names a ``wasm``
binary the user built (none is built or shipped here).

One run of it under a timeout gives its wall time and its own peak RSS (from
``wait4``, the child's rusage; ``RUSAGE_CHILDREN`` would be the maximum over
every child so far).  A failure is a short text per run (its error line,
the timeout, a signal), never an exception: one module it rejects or cannot
finish must not end a benchmark over many.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

ENV = "SPEC_WASM"
NOT_GIVEN = "not given"  # what a column says without SPEC_WASM


def spec_wasm() -> str | None:
    """The interpreter's path, or None when ``SPEC_WASM`` is unset or empty."""
    return os.environ.get(ENV) or None


@dataclass(frozen=True)
class SpecRun:
    seconds: float | None  # wall time; None when the run failed
    max_rss: int | None  # bytes
    error: str = ""


def run(argv: list[str], timeout: float) -> SpecRun:
    """Run ``argv`` (the interpreter and its arguments) with a timeout."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
            )
        except OSError as exc:
            return SpecRun(None, None, f"cannot run {argv[0]}: {exc.strerror}")
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: leave no interpreter running
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    rss = usage.ru_maxrss * 1024  # KiB on Linux
    if expired.is_set():
        return SpecRun(None, rss, f"timeout after {timeout:g} s")
    if code != 0:
        return SpecRun(None, rss, error_text(stderr, code))
    return SpecRun(seconds, rss)


# "<file>:<position>: <category>: <message>", the position a byte offset in a
# binary or a line.column range in a script (the interpreter's Source.region).
_REPORT = re.compile(r"^.*?:(?:0x[0-9a-f]+|\d+\.\d+(?:-\d+\.\d+)?): (.+)$")


def error_text(stderr: str, code: int) -> str:
    """The interpreter's error without its ``file:position:`` prefix
    (``decoding error: malformed limits flags``), or the exit status."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if (m := _REPORT.match(line)) is not None:
            return m.group(1)
        if "uncaught exception" in line:  # an OCaml exception, its backtrace after it
            return line[line.index("uncaught exception") :]
    if lines:
        return lines[-1]
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"
