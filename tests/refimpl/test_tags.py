"""Tag instances (Wasm 3.0 exception handling, groundwork): instantiation
allocates one per defined tag, exports them, and matches imported ones by
type.  The decoder does not read tag sections yet, so the modules here are
built from decoded ones."""

from __future__ import annotations

import dataclasses

import pytest
from binary_helpers import wat

import refimpl
from refimpl.runtime.instances import TagInst
from refimpl.syntax.module import Export, Import, Tag
from refimpl.syntax.types import I32, ExternKind, FuncType, TagType

V3 = refimpl.Features.profile("3.0")
TYPES = wat("(module (type (func (param i32))) (type (func (param i64))))")


def with_tags(tags=(), imports=(), exports=()):
    module = refimpl.load(TYPES, V3)
    return dataclasses.replace(module, tags=tags, imports=imports, exports=exports)


def test_defined_tags_are_allocated_and_exported():
    module = with_tags(tags=(Tag(TagType(0)),), exports=(Export("t", ExternKind.TAG, 0),))
    a = refimpl.instantiate(refimpl.Store(V3), module, {})
    b = refimpl.instantiate(refimpl.Store(V3), module, {})
    assert len(a.tags) == 1 and isinstance(a.tags[0], TagInst)
    assert a.tags[0].type == FuncType((I32,), ())
    assert a.exports["t"] is a.tags[0]
    assert a.tags[0] is not b.tags[0]  # a new identity per instantiation


def test_imported_tags_match_by_type():
    exporter = with_tags(tags=(Tag(TagType(0)),), exports=(Export("t", ExternKind.TAG, 0),))
    tag = refimpl.instantiate(refimpl.Store(V3), exporter, {}).exports["t"]

    def importer(type_index):
        return with_tags(
            imports=(Import("m", "t", TagType(type_index)),),
            tags=(Tag(TagType(1)),),
        )

    inst = refimpl.instantiate(refimpl.Store(V3), importer(0), lambda imp: tag)
    assert inst.tags[0] is tag and len(inst.tags) == 2  # imported first
    with pytest.raises(refimpl.LinkError, match="incompatible import type"):
        refimpl.instantiate(refimpl.Store(V3), importer(1), lambda imp: tag)
