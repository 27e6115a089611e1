"""A failure that stands for several categories (V8's shared trap texts)."""

from __future__ import annotations

from harness.engines.protocol import decode_outcome, encode_outcome
from harness.judge import judge
from harness.messages import Categories, categories
from harness.outcomes import Trapped
from harness.script.commands import Action, AssertTrap


def test_categories_equal_each_of_theirs():
    both = Categories(["signature-mismatch", "null-table-entry"])
    assert both == "null-table-entry"
    assert "signature-mismatch" == both  # noqa: SIM300 - the judge compares in this order
    assert both != "table-bounds"
    assert str(both) == "null-table-entry|signature-mismatch"
    assert both == Categories(["null-table-entry", "signature-mismatch"])


def test_the_protocol_takes_a_name_a_list_or_a_joined_string():
    assert categories(None) is None and categories([]) is None
    assert categories("memory-bounds") == "memory-bounds"
    assert isinstance(categories(["a"]), str) and categories(["a"]) == "a"
    listed = decode_outcome({"kind": "trap", "message": "m", "category": ["a", "b"]})
    assert isinstance(listed.category, Categories) and listed.category == "b"
    again = decode_outcome(encode_outcome(listed))
    assert again.category == listed.category


def test_the_judge_passes_either_category_and_no_other():
    shared = Trapped(
        "null function or function signature mismatch",
        Categories(["null-table-entry", "signature-mismatch"]),
    )

    def trap(text: str) -> AssertTrap:
        return AssertTrap(line=1, action=Action("invoke", None, "f"), text=text)

    assert judge(trap("uninitialized element"), shared, False).status == "pass"
    assert judge(trap("indirect call type mismatch"), shared, False).status == "pass"
    assert judge(trap("out of bounds table access"), shared, False).status == "fail"
