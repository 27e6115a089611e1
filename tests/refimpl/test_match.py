"""Import matching (``refimpl.valid.match``): the one function instantiation
asks whether a provided value's external type may stand for an import's."""

from __future__ import annotations

import pytest

from refimpl.exec.numerics import signed
from refimpl.syntax.types import (
    EXTERNREF,
    FUNCREF,
    I32,
    I64,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    TableType,
)
from refimpl.valid.match import extern_type_matches, limits_match


@pytest.mark.parametrize(
    ("actual", "expected", "matches"),
    [
        (Limits(2, 5), Limits(1, 6), True),  # larger minimum, tighter maximum
        (Limits(2, 5), Limits(2, 5), True),
        (Limits(1, 5), Limits(2, 5), False),  # too small
        (Limits(2, 7), Limits(2, 5), False),  # may grow beyond the import's maximum
        (Limits(2, None), Limits(2, 5), False),  # unbounded where a maximum is expected
        (Limits(2, 5), Limits(2, None), True),
        (Limits(2, 5, AddrType.I64), Limits(2, 5), False),  # address types differ
    ],
)
def test_limits(actual, expected, matches):
    assert limits_match(actual, expected) is matches


def test_tables_need_the_same_element_type():
    lim = Limits(1)
    assert extern_type_matches(TableType(lim, FUNCREF), TableType(lim, FUNCREF))
    assert not extern_type_matches(TableType(lim, EXTERNREF), TableType(lim, FUNCREF))


def test_memories_need_the_same_sharedness():
    shared, unshared = MemType(Limits(1, 2, shared=True)), MemType(Limits(1, 2))
    assert extern_type_matches(unshared, unshared)
    assert not extern_type_matches(shared, unshared)


def test_functions_and_globals_match_when_equal():
    f = FuncType((I32,), (I64,))
    assert extern_type_matches(f, FuncType((I32,), (I64,)))
    assert not extern_type_matches(f, FuncType((I64,), (I64,)))
    assert extern_type_matches(GlobalType(True, I32), GlobalType(True, I32))
    assert not extern_type_matches(GlobalType(True, I32), GlobalType(False, I32))


def test_signed():
    assert signed(0xFFFFFFFF, 32) == -1
    assert signed(0x7FFFFFFF, 32) == 0x7FFFFFFF
    assert signed(0x8000000000000000, 64) == -(1 << 63)
    assert signed(0x1FF, 8) == -1  # only the low bits count
