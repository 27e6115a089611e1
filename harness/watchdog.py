"""A deadline for engines that run in this process (refimpl, python: engines).

Engines in a process of their own are killed when a command exceeds
``--timeout`` (``engines/isolated.py``).  An in-process engine can't be
killed, but refimpl and the Python adapters are pure Python: a SIGALRM timer
interrupts them between bytecodes.  The exception derives from
BaseException so no engine's ``except Exception`` swallows it; the session
is then abandoned and the runner replays the script into a new one, as for
a crashed process.  Measured (docs/architecture.md): the timer costs two
system calls per command (1.4 s -> 1.7 s on 4,113 commands), where
isolating refimpl by default costs a JSON round trip per command (4.1 s).

Only the main thread can take signals: elsewhere (or on systems without
SIGALRM) the deadline is not enforced and ``enforced`` says so.
"""

from __future__ import annotations

import signal
import threading
import time


class DeadlineExceeded(BaseException):
    """The command ran past its deadline."""


def enforced() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _expire(signum, frame):
    raise DeadlineExceeded


class deadline:  # lower case: used as a function, ``with deadline(seconds):``
    """Raise DeadlineExceeded in this block after ``seconds`` (None: never).
    Nested in another deadline, the outer one is re-armed with what is left
    of it when the block ends.  A class, not a generator context manager:
    it wraps every command of an in-process engine, and the generator's
    machinery doubled its cost (10 vs 20 us a command, measured)."""

    __slots__ = ("_handler", "_outer", "_seconds", "_start")

    def __init__(self, seconds: float | None):
        self._seconds = seconds if seconds and enforced() else None

    def __enter__(self) -> None:
        if self._seconds is None:
            return
        self._handler = signal.signal(signal.SIGALRM, _expire)
        self._start = time.monotonic()
        self._outer = signal.setitimer(signal.ITIMER_REAL, self._seconds)[0]

    def __exit__(self, *exc) -> None:
        if self._seconds is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._handler)
        if self._outer:
            left = self._outer - (time.monotonic() - self._start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
