"""The status of a command: on one engine, and of the command as a whole.

A ``Status`` is decided once, by the runner (``harness.runner``), from the
judge's verdict, the known differences and the comparison of engines;
records, reports (table, JSON, JUnit) and pytest items only read it.  The
values are the strings the JSON report has always written, so a ``Status``
compares equal to its string and serialises as it.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # the expectation failed, or engines disagreed
    # A failure (or divergence) a reviewed known-differences entry covers
    # (harness/known/ENGINE.toml): reported and counted, never a pass.
    EXCUSED = "excused"
    UNSUPPORTED = "unsupported"  # the engine cannot express the command: no judgement
    SKIP = "skip"  # not run: what it acts on is missing for another reason
    CRASH = "crash"  # the engine (its worker process) died
    TIMEOUT = "timeout"

    @property
    def is_problem(self) -> bool:
        """Whether the run fails because of it (exit status, pytest failure)."""
        return self in _PROBLEMS

    @classmethod
    def overall(cls, statuses: list[Status]) -> Status:
        """A command's status over its engines: the most severe one, so that
        no engine's failure, unsupported or skip hides behind another's pass."""
        return min(statuses, key=_SEVERITY.index, default=cls.SKIP)


_PROBLEMS = frozenset({Status.FAIL, Status.CRASH, Status.TIMEOUT})

# Most severe first.
_SEVERITY = [
    Status.FAIL,
    Status.CRASH,
    Status.TIMEOUT,
    Status.EXCUSED,
    Status.UNSUPPORTED,
    Status.SKIP,
    Status.PASS,
]

# Report columns, in the order the table has always shown them.
STATUSES: tuple[Status, ...] = tuple(Status)
