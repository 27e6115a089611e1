"""Why a module can't be pre-initialized: ``Refused``, with a reason.

Each reason is a short category (for counting in campaigns); the message
names the cause in the module (the import, the global, the table entry ...).
"""

from __future__ import annotations

# Categories of refusal.
INVALID_INPUT = "invalid input"
UNSUPPORTED = "unsupported by refimpl"
IMPORTED_MEMORY = "imports a memory"
IMPORTED_TABLE = "imports a table"
IMPORTED_GLOBAL = "imports a global"
IMPORTED_TAG = "imports a tag"
NO_INIT_FUNC = "no such init function"
INIT_SIGNATURE = "init function takes parameters"
CALLS_IMPORT = "calls an import"
INSTANTIATION_FAILS = "instantiation fails"
INIT_TRAPS = "init function traps"
UNREPRESENTABLE = "reference not expressible as a constant"
BAD_RENAME = "bad rename"

REASONS = (
    INVALID_INPUT,
    UNSUPPORTED,
    IMPORTED_MEMORY,
    IMPORTED_TABLE,
    IMPORTED_GLOBAL,
    IMPORTED_TAG,
    NO_INIT_FUNC,
    INIT_SIGNATURE,
    CALLS_IMPORT,
    INSTANTIATION_FAILS,
    INIT_TRAPS,
    UNREPRESENTABLE,
    BAD_RENAME,
)


class Refused(Exception):
    """A faithful snapshot of this module (with these options) is impossible."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"refused ({self.reason}): {self.message}"
