"""Import matching (``refimpl.valid.match``): the one function instantiation
asks whether a provided value's external type may stand for an import's."""

from __future__ import annotations

import pytest

from refimpl.exec.numerics import signed
from refimpl.syntax import types as t
from refimpl.valid.match import ExternType, match_extern_type, match_limits


@pytest.mark.parametrize(
    ("actual", "expected", "matches"),
    [
        (t.Limits(2, 5), t.Limits(1, 6), True),  # larger minimum, tighter maximum
        (t.Limits(2, 5), t.Limits(2, 5), True),
        (t.Limits(1, 5), t.Limits(2, 5), False),  # too small
        (t.Limits(2, 7), t.Limits(2, 5), False),  # may grow beyond the import's maximum
        (t.Limits(2, None), t.Limits(2, 5), False),  # unbounded where a maximum is expected
        (t.Limits(2, 5), t.Limits(2, None), True),
        (t.Limits(2, 5, t.AddrType.I64), t.Limits(2, 5), False),  # address types differ
    ],
)
def test_limits(actual, expected, matches):
    assert match_limits(actual, expected) is matches


def test_memories_need_the_same_sharedness():
    def mem(shared: bool) -> ExternType:
        return ExternType(t.ExternKind.MEMORY, t.MemType(t.Limits(1, 2, shared=shared)))

    assert match_extern_type(mem(False), mem(False))
    assert not match_extern_type(mem(True), mem(False))


def test_signed():
    assert signed(0xFFFFFFFF, 32) == -1
    assert signed(0x7FFFFFFF, 32) == 0x7FFFFFFF
    assert signed(0x8000000000000000, 64) == -(1 << 63)
    assert signed(0x1FF, 8) == -1  # only the low bits count
