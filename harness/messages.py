"""The spec interpreter's failure messages and the categories they name.

Engines that speak the spec's messages are checked by prefix, as the spec's
own script runner does.  Engines with texts of their own report a category
with each failure; then a pass is "by category" and the report says so.
"""

from __future__ import annotations

from enum import StrEnum

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
    "expected shared memory": "wait-unshared",  # threads: wait on an unshared memory
    "call stack exhausted": "call-stack-exhausted",
    "uncaught exception": "exception",  # the outcome, not a trap
    "incompatible import type": "link",
    "unknown import": "link",
    "data segment does not fit": "link",
    "elements segment does not fit": "link",
}


class MessagePolicy(StrEnum):
    """How an engine's failure messages are judged against a script's text.

    ``prefix``: the script's text starts the engine's message (the spec
    interpreter's texts; the spec's own runner, refimpl, wasmi).
    ``categories``: traps compare spec categories (``SPEC_MESSAGES``), a
    message that starts with the spec's text still matching exactly;
    malformed and invalid are judged together as "rejected".
    ``substring``: the script's text occurs in the engine's message
    (wasmtime's runner on its own suites, WAMR).
    ``ignore``: only the kind of failure is checked."""

    PREFIX = "prefix"
    CATEGORIES = "categories"
    SUBSTRING = "substring"
    IGNORE = "ignore"


class Match(StrEnum):
    """How a pass was established, for the report's per-engine counts."""

    EXACT = "exact"  # values compared, or the message's text matched
    CATEGORY = "category"  # the message's category, not its text
    UNCHECKED = "unchecked"  # the kind of failure only (policy ignore)


def policy_of(engine) -> MessagePolicy:
    """An engine's policy: its declared one, else prefix for engines whose
    texts are the spec's and categories for the rest."""
    declared = getattr(engine, "message_policy", None)
    if declared:
        return MessagePolicy(declared)
    return MessagePolicy.PREFIX if engine.exact_messages else MessagePolicy.CATEGORIES


Category = str | tuple[str, ...]


def categories(value: object) -> Category | None:
    """A category as an engine gave it: a name, a list of names, or ``a|b``.
    Several names stand for a text that means any of them (V8's "null
    function or function signature mismatch"): a sorted tuple."""
    if value is None or value == [] or value == "":
        return None
    names = value.split("|") if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
    unique = sorted(set(names))
    return unique[0] if len(unique) == 1 else tuple(unique)


def category_set(category: Category | None) -> frozenset[str]:
    """The categories a failure's ``category`` stands for."""
    if category is None:
        return frozenset()
    return frozenset((category,) if isinstance(category, str) else category)


def category_in_text(text: str) -> str | None:
    """The category of a spec text contained anywhere in ``text`` (another
    runtime's message: "wasm trap: integer divide by zero"), longest first."""
    for spec_text in sorted(SPEC_MESSAGES, key=len, reverse=True):
        if spec_text in text:
            return SPEC_MESSAGES[spec_text]
    return None


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
