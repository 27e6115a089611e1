"""The canonical type store (spec 3.0, 2.3.8 and 3.2.10): one ``DefType``
object per defined type up to iso-recursive equivalence, process-wide.

Wasm 3.0 types are equivalent when their recursion groups are: the same
definitions, in the same order, where references into the group compare by
position and references out of it by (canonical) identity.  So each group is
interned under a structural key in which an index inside the group becomes
``("rec", position)`` and an index before it becomes the ``DefType`` it
already canonicalised to.  Two modules that define equivalent groups get
the very same ``DefType`` objects, and type equality anywhere (validation,
import matching, ``call_indirect``, casts) is ``is``.

A ``DefType`` holds its definition with every type index replaced by the
``DefType`` it names (``RefType.heap`` a ``DefType``), and its declared
supertype, so subtyping (``match``) never needs the defining module.
Groups are interned forever: a long-running process that loads ever new
types grows, as the store of an engine does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..syntax.module import Module
from ..syntax.types import (
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    RecType,
    RefType,
    StructType,
    SubType,
    ValType,
)


@dataclass(eq=False, slots=True)
class DefType:
    """A canonical defined type; compared by identity."""

    position: int  # within its recursion group
    final: bool = True
    supertype: DefType | None = None
    comp: CompType = field(default=FuncType((), ()))
    group: tuple[DefType, ...] = ()

    def __repr__(self) -> str:
        # Not the definition: recursive types would print forever.
        kind = type(self.comp).__name__.removesuffix("Type").lower()
        return f"<{kind} type {self.position} of a group of {len(self.group)}>"

    __str__ = __repr__

    def is_subtype_of(self, other: DefType) -> bool:
        """Declared subtyping, reflexive and transitive (spec 3.0, 3.3.3)."""
        t: DefType | None = self
        while t is not None:
            if t is other:
                return True
            t = t.supertype
        return False


_groups: dict[tuple, tuple[DefType, ...]] = {}
# A shortcut for the most common group (every type of a Wasm 2.0 module):
# one type that names no other type is its own key.
_singles: dict[SubType, tuple[DefType, ...]] = {}
_lock = threading.Lock()


def _map_val(t: ValType, heap: Callable) -> object:
    if isinstance(t, RefType):
        return RefType(t.nullable, heap(t.heap), t.exact)
    return t


def _map_field(ft: FieldType, heap: Callable) -> FieldType:
    storage = ft.storage if isinstance(ft.storage, str) else _map_val(ft.storage, heap)
    return FieldType(storage, ft.mutable)  # type: ignore[arg-type]


def map_comp(ct: CompType, heap: Callable) -> CompType:
    """``ct`` with every heap type replaced by ``heap(h)``."""
    if isinstance(ct, FuncType):
        return FuncType(
            tuple(_map_val(t, heap) for t in ct.params),  # type: ignore[misc]
            tuple(_map_val(t, heap) for t in ct.results),  # type: ignore[misc]
        )
    if isinstance(ct, StructType):
        return StructType(tuple(_map_field(f, heap) for f in ct.fields))
    return ArrayType(_map_field(ct.element, heap))


def _names_no_type(st: SubType) -> bool:
    if st.supertypes:
        return False
    found: list[object] = []

    def note(h: object) -> object:
        if isinstance(h, int):
            found.append(h)
        return h

    map_comp(st.comp, note)
    return not found


def canonicalize_group(group: RecType, start: int, defs: Sequence[DefType]) -> tuple[DefType, ...]:
    """The canonical types of ``group``, whose first type has index
    ``start``; ``defs`` are the canonical types of indices below it.  The
    caller has checked that every index is below ``start + len(group)``."""

    if len(group.subtypes) == 1:
        found = _singles.get(group.subtypes[0])
        if found is not None:  # a type alone in its group naming no other
            return found

    def key_heap(h: object) -> object:
        if isinstance(h, int):
            return ("rec", h - start) if h >= start else defs[h]
        return h

    key = tuple(
        (st.final, tuple(key_heap(x) for x in st.supertypes), map_comp(st.comp, key_heap))
        for st in group.subtypes
    )
    found = _groups.get(key)
    if found is not None:
        return found
    with _lock:
        found = _groups.get(key)
        if found is not None:
            return found
        members = tuple(DefType(i) for i in range(len(group.subtypes)))

        def resolve(h: object) -> object:
            if isinstance(h, tuple):  # ("rec", position)
                return members[h[1]]
            return h

        for member, (final, supers, comp) in zip(members, key, strict=True):
            member.final = final
            member.supertype = resolve(supers[0]) if supers else None  # type: ignore[assignment]
            member.comp = map_comp(comp, resolve)
            member.group = members
        _groups[key] = members
        if len(members) == 1 and _names_no_type(group.subtypes[0]):
            _singles[group.subtypes[0]] = members
        return members


def canonical_types(module: Module) -> tuple[DefType, ...]:
    """The canonical type of every type index of a *valid* module, cached
    on the module (validation computes and caches them on the way)."""
    cached = module.derived.get("canonical_types")
    if cached is None:
        defs: list[DefType] = []
        for group in module.type_groups():
            defs += canonicalize_group(group, len(defs), defs)
        cached = module.derived["canonical_types"] = tuple(defs)
    return cached


def canonical_val_type(t: ValType, defs: Sequence[DefType]) -> ValType:
    """A module's value type with its type index replaced by the
    canonical type, for comparison across modules."""
    if isinstance(t, RefType) and isinstance(t.heap, int):
        return RefType(t.nullable, defs[t.heap], t.exact)  # type: ignore[arg-type]
    return t


def closed_func_deftype(ft: FuncType) -> DefType:
    """The canonical type of a function type that names no type index (a
    host function's): a final type alone in its recursion group."""
    st = SubType(ft)
    if not _names_no_type(st):
        raise ValueError(f"{ft} names a type index; give the canonical type instead")
    return canonicalize_group(RecType((st,)), 0, ())[0]
