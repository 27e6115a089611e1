"""The spec interpreter's failure messages and the categories they name.

Engines that speak the spec's messages are checked by prefix, as the spec's
own script runner does.  Engines with texts of their own report a category
with each failure; then a pass is "by category" and the report says so.
"""

from __future__ import annotations

# Spec message -> category.  Several messages can share a category: e.g.
# "undefined element" (call_indirect past the table's end) is a table bounds
# failure to an engine that does not distinguish it.
SPEC_MESSAGES: dict[str, str] = {
    "unreachable": "unreachable",
    "integer divide by zero": "integer-divide-by-zero",
    "integer overflow": "integer-overflow",
    "invalid conversion to integer": "invalid-conversion",
    "out of bounds memory access": "memory-bounds",
    "out of bounds table access": "table-bounds",
    "undefined element": "table-bounds",
    "uninitialized element": "null-table-entry",
    "indirect call type mismatch": "signature-mismatch",
    "null function reference": "null-reference",
    "null reference": "null-reference",
    "null structure reference": "null-reference",
    "null array reference": "null-reference",
    "null i31 reference": "null-reference",
    "null descriptor reference": "null-reference",
    "null exception reference": "null-reference",
    "out of bounds array access": "array-bounds",
    "cast failure": "cast-failure",
    "descriptor cast failure": "cast-failure",
    "unaligned atomic": "unaligned-atomic",
    "call stack exhausted": "call-stack-exhausted",
    "uncaught exception": "exception",  # the outcome, not a trap
    "incompatible import type": "link",
    "unknown import": "link",
    "data segment does not fit": "link",
    "elements segment does not fit": "link",
}


def category_of(expected_text: str) -> str | None:
    """The category a script's expected text names (it may be a prefix of
    the full message, e.g. "undefined" or "uninitialized")."""
    if expected_text in SPEC_MESSAGES:
        return SPEC_MESSAGES[expected_text]
    cats = {cat for msg, cat in SPEC_MESSAGES.items() if msg.startswith(expected_text)}
    if len(cats) == 1:
        return cats.pop()
    # A message with extra detail, e.g. "uninitialized element 2".
    longest = max((m for m in SPEC_MESSAGES if expected_text.startswith(m)), key=len, default=None)
    return SPEC_MESSAGES[longest] if longest else None


def text_matches(expected: str, actual: str) -> bool:
    """The spec runner's rule: the expected text is a prefix of the actual one."""
    return actual.startswith(expected)
