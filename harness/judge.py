"""Judge one engine's outcome of a command against the script's expectation."""

from __future__ import annotations

from dataclasses import dataclass

from .messages import (
    SPEC_MESSAGES,
    Match,
    MessagePolicy,
    category_in_text,
    category_of,
    category_set,
    text_matches,
)
from .outcomes import (
    CommandOutcome,
    Crashed,
    Exhausted,
    ExpectationFailed,
    Failure,
    HarnessError,
    Invalid,
    LinkFailed,
    Malformed,
    Ok,
    Thrown,
    TimedOut,
    Trapped,
    Unsupported,
)
from .script.commands import (
    CUSTOM_ASSERTIONS,
    AssertException,
    AssertExhaustion,
    AssertInvalid,
    AssertInvalidCustom,
    AssertMalformed,
    AssertMalformedCustom,
    AssertReturn,
    AssertTrap,
    AssertUninstantiable,
    AssertUnlinkable,
    Command,
    ModuleAssertion,
)
from .status import Status
from .values import format_results, results_match


@dataclass(frozen=True, slots=True)
class Verdict:
    """One engine's outcome judged against the script's expectation.  The
    runner may still settle it otherwise (known differences, divergences)."""

    status: Status
    detail: str = ""
    match: Match = Match.EXACT  # how a pass was established

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS

    @property
    def by_category(self) -> bool:
        return self.match == Match.CATEGORY


PASS = Verdict(Status.PASS)

# The outcome an assertion about failure expects.
_EXPECTED_FAILURE = {
    AssertTrap: Trapped,
    AssertExhaustion: Exhausted,
    AssertInvalid: Invalid,
    AssertMalformed: Malformed,
    AssertMalformedCustom: Malformed,
    AssertInvalidCustom: Invalid,
    AssertUnlinkable: LinkFailed,
    AssertUninstantiable: Trapped,
}


def judge(
    command: Command, outcome: CommandOutcome, policy: MessagePolicy, foreign_texts: bool = False
) -> Verdict:
    """``policy``: the engine's message policy.  ``foreign_texts``: the
    script's texts are another runtime's (a wasmtime-dialect suite), so a
    category is also found inside them."""
    if isinstance(outcome, Unsupported):
        return Verdict(Status.UNSUPPORTED, outcome.reason)
    if isinstance(outcome, Crashed):
        return Verdict(Status.CRASH, outcome.detail)
    if isinstance(outcome, TimedOut):
        return Verdict(Status.TIMEOUT, str(outcome))
    if isinstance(outcome, (ExpectationFailed, HarnessError)):
        return Verdict(Status.FAIL, str(outcome))
    if isinstance(command, AssertReturn):
        if not isinstance(outcome, Ok):
            return Verdict(
                Status.FAIL, f"expected {format_results(command.expected)}, got {outcome}"
            )
        if results_match(command.expected, outcome.values):
            return PASS
        return Verdict(
            Status.FAIL,
            f"expected {format_results(command.expected)}, got {format_results(outcome.values)}",
        )
    if isinstance(command, AssertException):
        if isinstance(outcome, Thrown):
            return PASS
        return Verdict(Status.FAIL, f"expected an uncaught exception, got {outcome}")
    if isinstance(command, CUSTOM_ASSERTIONS) and isinstance(outcome, Ok):
        # The module is well-formed and valid Wasm; custom content is
        # optional for an engine to interpret, and this one didn't.
        return Verdict(Status.UNSUPPORTED, "the engine does not check this custom content")
    wanted = _EXPECTED_FAILURE.get(type(command))
    if wanted is None:  # module, register, action: expected to succeed
        if isinstance(outcome, Ok):
            return PASS
        return Verdict(Status.FAIL, f"expected success, got {outcome}")
    return _judge_failure(command, wanted, outcome, policy, foreign_texts)


def _judge_failure(
    command, wanted: type, outcome: CommandOutcome, policy: MessagePolicy, foreign: bool
) -> Verdict:
    text: str = command.text
    what = f'{wanted.__name__.lower()} "{text}"'
    if not isinstance(outcome, Failure):
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    if policy == MessagePolicy.PREFIX:
        if type(outcome) is wanted and text_matches(text, outcome.message):
            return PASS
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    # Texts of its own: malformed and invalid are both "rejected".
    rejected = (Malformed, Invalid)
    if isinstance(command, ModuleAssertion) and wanted in rejected:
        if not isinstance(outcome, rejected):
            return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    elif type(outcome) is not wanted and not (foreign and _both_traps(wanted, outcome)):
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    if policy == MessagePolicy.IGNORE:
        return Verdict(Status.PASS, f"{outcome.kind}: {outcome.message}", Match.UNCHECKED)
    if policy == MessagePolicy.SUBSTRING:
        if text in outcome.message:
            return PASS
        return Verdict(Status.FAIL, f"expected {what} (a substring), got {outcome}")
    if text_matches(text, outcome.message):
        return PASS
    if isinstance(outcome, rejected):  # no categories of validation or decoding errors
        return Verdict(Status.PASS, f"rejected: {outcome.message}", Match.CATEGORY)
    expected = expected_categories(text, wanted, foreign)
    got = failure_categories(outcome)
    if expected & got:
        return Verdict(Status.PASS, f"{min(expected & got)}: {outcome.message}", Match.CATEGORY)
    want, shown = "|".join(sorted(expected)) or None, "|".join(sorted(got)) or None
    return Verdict(Status.FAIL, f"expected {what} [{want}], got {outcome} [{shown}]")


def expected_categories(text: str, wanted: type, foreign: bool) -> frozenset[str]:
    """The categories a script's expected text names.  Another runtime's
    texts (``foreign``) name every category whose spec text contains them
    ("out of bounds": memory, table and array bounds) or that they contain
    ("wasm trap: integer divide by zero"); any link error is "link"."""
    own = category_of(text)
    if own is not None:
        return frozenset({own})
    if not foreign:
        return frozenset()
    found = {cat for msg, cat in SPEC_MESSAGES.items() if text in msg}
    inside = category_in_text(text)
    if inside:
        found.add(inside)
    if wanted is LinkFailed:
        found.add("link")
    return frozenset(found)


def _both_traps(wanted: type, outcome: Failure) -> bool:
    """Another runtime's suite (wasmtime's) asserts a stack overflow with
    ``assert_trap``: its runner doesn't tell exhaustion from a trap."""
    return {wanted, type(outcome)} <= {Trapped, Exhausted}


def failure_categories(outcome: Failure) -> frozenset[str]:
    """The categories a failure stands for: those the engine gave, else the
    one its message names (a spec text at its start)."""
    given = category_set(outcome.category)
    if given:
        return given
    own = category_of(outcome.message) if outcome.message else None
    return frozenset({own}) if own else frozenset()


def outcome_categories(outcome: CommandOutcome, policy: MessagePolicy) -> frozenset[str] | None:
    """The spec categories of a failure outcome, for comparing engines (None:
    not a failure; two engines agree when their sets share a category)."""
    if not isinstance(outcome, Failure):
        return None
    if isinstance(outcome, (Malformed, Invalid)):
        return frozenset({"rejected"})
    if policy == MessagePolicy.PREFIX:
        return frozenset({category_of(outcome.message) or outcome.message})
    return category_set(outcome.category) or None
