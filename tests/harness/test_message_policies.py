"""Message policies (prefix, categories, substring, ignore) and failures that
stand for several categories (V8's shared trap texts)."""

from __future__ import annotations

from harness.dialect import Dialect
from harness.engines.protocol import decode_outcome, encode_outcome
from harness.judge import judge, outcome_categories
from harness.messages import Match, MessagePolicy, categories, category_set
from harness.outcomes import Exhausted, Invalid, LinkFailed, Malformed, Trapped
from harness.script.commands import (
    Action,
    AssertInvalid,
    AssertMalformed,
    AssertTrap,
    AssertUnlinkable,
    ModuleSource,
)

P = MessagePolicy
MODULE = ModuleSource(binary=b"\0asm\1\0\0\0")


def trap(text: str) -> AssertTrap:
    return AssertTrap(line=1, action=Action("invoke", None, "f"), text=text)


SHARED = Trapped(
    "null function or function signature mismatch", ("null-table-entry", "signature-mismatch")
)


def test_the_protocol_takes_a_name_a_list_or_a_joined_string():
    assert categories(None) is None and categories([]) is None
    assert categories("memory-bounds") == "memory-bounds"
    assert categories(["a"]) == "a"
    assert categories("b|a") == ("a", "b")
    listed = decode_outcome({"kind": "trap", "message": "m", "category": ["b", "a"]})
    assert listed.category == ("a", "b")
    assert category_set(listed.category) == {"a", "b"}
    assert decode_outcome(encode_outcome(listed)).category == listed.category


def test_the_judge_passes_either_category_and_no_other():
    assert judge(trap("uninitialized element"), SHARED, P.CATEGORIES).status == "pass"
    assert judge(trap("indirect call type mismatch"), SHARED, P.CATEGORIES).match == "category"
    failed = judge(trap("out of bounds table access"), SHARED, P.CATEGORIES)
    assert failed.status == "fail"
    assert "[table-bounds]" in failed.detail
    assert "[null-table-entry|signature-mismatch]" in failed.detail


def test_engines_agree_when_their_categories_overlap():
    single = Trapped("uninitialized element 3")
    assert outcome_categories(single, P.PREFIX) & outcome_categories(SHARED, P.CATEGORIES)
    other = Trapped("x", "memory-bounds")
    assert not outcome_categories(other, P.CATEGORIES) & outcome_categories(SHARED, P.CATEGORIES)


def test_prefix_is_the_spec_runners_rule():
    assert (
        judge(trap("integer divide"), Trapped("integer divide by zero"), P.PREFIX).match == "exact"
    )
    assert judge(trap("divide"), Trapped("integer divide by zero"), P.PREFIX).status == "fail"
    # The kind must be exact: malformed for invalid fails.
    invalid = AssertInvalid(1, MODULE, "type mismatch")
    assert judge(invalid, Malformed("type mismatch"), P.PREFIX).status == "fail"


def test_substring_is_wasmtimes_rule():
    got = Trapped("wasm trap: integer divide by zero")
    assert judge(trap("divide by zero"), got, P.SUBSTRING).match == "exact"
    assert judge(trap("overflow"), got, P.SUBSTRING).status == "fail"


def test_ignore_checks_only_the_kind():
    verdict = judge(trap("anything"), Trapped("whatever", "memory-bounds"), P.IGNORE)
    assert verdict.status == "pass" and verdict.match == Match.UNCHECKED
    malformed = AssertMalformed(1, MODULE, "unexpected end")
    assert judge(malformed, Invalid("type mismatch"), P.IGNORE).status == "pass"  # rejected
    assert judge(malformed, LinkFailed("unknown import"), P.IGNORE).status == "fail"


def test_foreign_texts_name_every_category_they_fit():
    """wasmtime's "out of bounds" is memory, table or array bounds; its link
    texts are any link error."""
    oob = trap("out of bounds")
    assert judge(oob, Trapped("x", "table-bounds"), P.CATEGORIES).status == "fail"
    assert judge(oob, Trapped("x", "table-bounds"), P.CATEGORIES, foreign_texts=True).passed
    unlinkable = AssertUnlinkable(1, MODULE, "expected mutable global, found immutable global")
    got = LinkFailed("incompatible import type for m.g i32")
    assert judge(unlinkable, got, P.CATEGORIES, foreign_texts=True).status == "pass"
    assert judge(unlinkable, got, P.CATEGORIES).status == "fail"


def test_the_wasmtime_dialect_judges_wasmtime_by_substring_and_others_by_category():
    dialect = Dialect("wasmtime", {"gc": True, "simd": False})
    assert dialect.policy("wasmtime", P.CATEGORIES) == P.SUBSTRING
    assert dialect.policy("refimpl", P.PREFIX) == P.CATEGORIES
    assert dialect.policy("v8", P.IGNORE) == P.IGNORE
    assert dialect.profile() == "3.0,+gc,-simd"
    assert Dialect().policy("refimpl", P.PREFIX) == P.PREFIX


def test_a_foreign_suites_trap_may_be_an_exhaustion():
    overflow = trap("call stack exhausted")
    got = Exhausted("call stack exhausted")
    assert judge(overflow, got, P.SUBSTRING, foreign_texts=True).status == "pass"
    assert judge(overflow, got, P.PREFIX).status == "fail"
