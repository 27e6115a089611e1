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
    "out of bounds array access": "array-bounds",
    "cast failure": "cast-failure",
    "descriptor cast failure": "cast-failure",
    "unaligned atomic": "unaligned-atomic",
    "call stack exhausted": "call-stack-exhausted",
    "incompatible import type": "link",
    "unknown import": "link",
    "data segment does not fit": "link",
    "elements segment does not fit": "link",
}


class Categories(str):
    """A failure that stands for any of several categories: V8 says "null
    function or function signature mismatch" both for a null table entry
    and for a signature mismatch.  Equal to each of them (and written as
    ``a|b``), so the category comparisons of a single category hold as they
    are."""

    options: frozenset[str]

    def __new__(cls, options) -> Categories:
        names = sorted(set(options))
        self = super().__new__(cls, "|".join(names))
        self.options = frozenset(names)
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Categories):
            return self.options == other.options
        return isinstance(other, str) and other in self.options

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def categories(value: object) -> str | None:
    """A category as an engine gave it: a name, a list of names, or ``a|b``."""
    if value is None or value == []:
        return None
    names = value.split("|") if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
    return names[0] if len(names) == 1 else Categories(names)


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
