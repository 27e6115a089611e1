"""Judge one engine's outcome of a command against the script's expectation."""

from __future__ import annotations

from dataclasses import dataclass

from .messages import category_of, text_matches
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
    by_category: bool = False  # a pass on the message's category, not its text


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


def judge(command: Command, outcome: CommandOutcome, exact_messages: bool) -> Verdict:
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
    return _judge_failure(command, wanted, outcome, exact_messages)


def _judge_failure(command, wanted: type, outcome: CommandOutcome, exact: bool) -> Verdict:
    text: str = command.text
    what = f'{wanted.__name__.lower()} "{text}"'
    if not isinstance(outcome, Failure):
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    if exact:
        if type(outcome) is wanted and text_matches(text, outcome.message):
            return PASS
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    # An engine with texts of its own: compare the kind of failure and its category.
    rejected = (Malformed, Invalid)
    if isinstance(command, ModuleAssertion) and wanted in rejected:
        if isinstance(outcome, rejected):
            return Verdict(Status.PASS, f"rejected: {outcome.message}", by_category=True)
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    if type(outcome) is not wanted:
        return Verdict(Status.FAIL, f"expected {what}, got {outcome}")
    if text_matches(text, outcome.message):
        return PASS
    expected_category = category_of(text)
    if expected_category is not None and expected_category == outcome.category:
        return Verdict(Status.PASS, f"{expected_category}: {outcome.message}", by_category=True)
    return Verdict(
        Status.FAIL, f"expected {what} [{expected_category}], got {outcome} [{outcome.category}]"
    )


def outcome_category(outcome: CommandOutcome, exact_messages: bool) -> str | None:
    """The spec category of a failure outcome, for comparing engines."""
    if not isinstance(outcome, Failure):
        return None
    if isinstance(outcome, (Malformed, Invalid)):
        return "rejected"
    if exact_messages:
        return category_of(outcome.message) or outcome.message
    return outcome.category
