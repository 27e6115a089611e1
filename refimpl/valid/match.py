"""Matching of external types (Wasm 2.0 §4.5.2 "Import matching"; Wasm 3.0
§3.3 "Matching"): whether what an import is given (its external type, taken
from the store) may stand where the module expects ``expected``.

Instantiation asks only ``extern_type_matches``: subtyping (Wasm 3.0
reference and function subtypes, via the type store) is added here and
nowhere else.  Today function, global and tag types match when equal.
"""

from __future__ import annotations

from ..syntax.types import FuncType, GlobalType, Limits, MemType, TableType, TagType

# The type an import names: a function type for functions (and tags: a tag's
# type is the function type of its payload), else the import's own type.
ExternType = FuncType | TableType | MemType | GlobalType | TagType


def extern_type_matches(actual: ExternType, expected: ExternType) -> bool:
    """``actual`` matches ``expected`` (both of the same kind)."""
    if isinstance(expected, TableType):
        return (
            isinstance(actual, TableType)
            and actual.elem == expected.elem
            and limits_match(actual.limits, expected.limits)
        )
    if isinstance(expected, MemType):
        return (
            isinstance(actual, MemType)
            and actual.limits.shared == expected.limits.shared
            and limits_match(actual.limits, expected.limits)
        )
    return actual == expected


def limits_match(actual: Limits, expected: Limits) -> bool:
    """Limits subtyping: the same address type, at least as large, at most
    as unbounded."""
    if actual.address != expected.address or actual.min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual.max is not None and actual.max <= expected.max
