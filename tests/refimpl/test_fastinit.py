"""``fast_init``: the same records as the dataclass's own ``__init__``."""

from __future__ import annotations

import dataclasses

import pytest

from refimpl.fastinit import fast_init


@fast_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Base:
    line: int


@fast_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Record(_Base):
    name: str
    args: tuple = ()


def test_records_are_built_as_the_dataclass_builds_them():
    r = _Record(3, "f")
    assert (r.line, r.name, r.args) == (3, "f", ())
    assert r == _Record(line=3, name="f", args=()) and hash(r) == hash(_Record(3, "f"))
    assert repr(r) == "_Record(line=3, name='f', args=())"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.name = "g"  # type: ignore[misc]
    with pytest.raises(TypeError):
        _Record(3)  # type: ignore[call-arg]


def test_classes_it_cannot_build_are_refused():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        items: list = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(slots=True)
    class Mutable:
        x: int

    for cls in (Factory, Mutable):
        with pytest.raises(TypeError, match="fast_init"):
            fast_init(cls)
