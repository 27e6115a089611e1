"""The canonical type store and subtyping (refimpl.valid.canonical,
refimpl.valid.match): iso-recursive equivalence across modules, declared
supertypes and ``final``, the abstract heap type hierarchies, and import
matching by subtyping (``match_extern_type``)."""

from __future__ import annotations

import pytest
from binary_helpers import wat

from refimpl.binary import decode_module
from refimpl.errors import InvalidModule
from refimpl.features import Features
from refimpl.syntax.types import (
    EXTERNREF,
    FUNCREF,
    I32,
    I64,
    AbsHeapType,
    ExternKind,
    FieldType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RefType,
    StructType,
    TableType,
)
from refimpl.valid import validate_module
from refimpl.valid.canonical import canonical_types
from refimpl.valid.match import (
    ExternType,
    extern_type_at,
    import_extern_type,
    match_comp,
    match_extern_type,
    match_heap,
    match_val,
    top_of,
)

V3 = Features.profile("3.0")
A = AbsHeapType


def types_of(text: str):
    m = decode_module(wat(text), V3)
    validate_module(m, V3)
    return canonical_types(m)


# -- canonical types ------------------------------------------------------------------


def test_equivalent_rec_groups_of_two_modules_are_one_type():
    group = (
        "(rec (type $a (struct (field (ref null $b)))) (type $b (struct (field (ref null $a)))))"
    )
    first = types_of(f"(module {group})")
    second = types_of(f"(module (type (func)) {group})")  # at other indices
    assert first[0] is second[1] and first[1] is second[2]
    assert first[0] is not first[1]  # same shape, different positions in the group


def test_groups_that_differ_are_different_types():
    a = types_of("(module (rec (type (struct (field i32))) (type (struct))))")
    b = types_of("(module (rec (type (struct (field i32)))))")  # a group of one
    c = types_of("(module (rec (type (struct (field i64))) (type (struct))))")
    assert a[0] is not b[0] and a[0] is not c[0]


def test_equivalence_follows_references_out_of_the_group():
    """Types naming equivalent earlier types are equivalent themselves."""
    m1 = types_of("(module (type $f (func)) (type (struct (field (ref $f)))))")
    m2 = types_of(
        "(module (type (func (param i32))) (type $f (func)) (type (struct (field (ref $f)))))"
    )
    assert m1[1] is m2[2]
    m3 = types_of("(module (type $f (func (param i32))) (type (struct (field (ref $f)))))")
    assert m1[1] is not m3[1]


def test_final_and_supertypes_are_part_of_the_type():
    plain = types_of("(module (type (func)))")[0]
    open_ = types_of("(module (type (sub (func))))")[0]
    assert plain is not open_
    assert plain is types_of("(module (type (sub final (func))))")[0]


def test_canonical_definitions_name_canonical_types():
    (t,) = types_of("(module (rec (type $l (struct (field (ref null $l))))))")
    field = t.comp.fields[0]
    assert field.storage == RefType(True, t)  # the group member itself, not an index


def test_canonical_types_are_cached_on_the_module():
    m = decode_module(wat("(module (type (func)))"), V3)
    assert canonical_types(m) is canonical_types(m)


# -- subtyping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (A.I31, A.EQ),
        (A.I31, A.ANY),
        (A.STRUCT, A.EQ),
        (A.ARRAY, A.ANY),
        (A.NONE, A.I31),
        (A.NONE, A.ANY),
        (A.NOFUNC, A.FUNC),
        (A.NOEXTERN, A.EXTERN),
        (A.NOEXN, A.EXN),
        (A.EQ, A.EQ),
    ],
)
def test_abstract_hierarchy(sub, sup):
    assert match_heap(sub, sup)
    if sub is not sup:
        assert not match_heap(sup, sub)


@pytest.mark.parametrize(
    ("a", "b"),
    [(A.FUNC, A.ANY), (A.EXTERN, A.ANY), (A.NOFUNC, A.EXTERN), (A.NONE, A.FUNC), (A.EXN, A.ANY)],
)
def test_hierarchies_are_disjoint(a, b):
    assert not match_heap(a, b) and not match_heap(b, a)


def test_defined_types_sit_below_their_abstract_kind():
    s, a, f = types_of("(module (type (struct)) (type (array i8)) (type (func)))")
    for t, kind in ((s, A.STRUCT), (a, A.ARRAY), (f, A.FUNC)):
        assert match_heap(t, kind)
        assert not match_heap(kind, t)
    assert match_heap(s, A.EQ) and match_heap(a, A.ANY) and not match_heap(f, A.ANY)
    assert not match_heap(s, A.ARRAY) and not match_heap(a, A.I31)
    assert match_heap(A.NONE, s) and match_heap(A.NOFUNC, f) and not match_heap(A.NONE, f)
    assert top_of(s) is A.ANY and top_of(f) is A.FUNC and top_of(A.NOEXN) is A.EXN


def test_declared_supertypes_are_transitive_and_nominal():
    base, mid, leaf, twin = types_of(
        "(module (type $b (sub (struct)))"
        " (type $m (sub $b (struct (field i32))))"
        " (type $l (sub final $m (struct (field i32) (field i64))))"
        " (type (struct (field i32) (field i64))))"  # the same shape, no supertype
    )
    assert match_heap(leaf, mid) and match_heap(leaf, base) and match_heap(mid, base)
    assert not match_heap(base, leaf)
    assert not match_heap(twin, base)  # structure alone does not make a subtype


def test_reference_and_value_types():
    f = types_of("(module (type (func)))")[0]
    assert match_val(RefType(False, f), FUNCREF)
    assert not match_val(RefType(True, f), RefType(False, A.FUNC))  # null into non-null
    assert match_val(RefType(False, A.NOFUNC), RefType(False, f))
    assert match_val(None, I32)  # the bottom type of unreachable code
    assert not match_val(I32, I64) and not match_val(FUNCREF, I32)


def test_module_indices_resolve_through_the_canonical_types():
    defs = types_of("(module (type $b (sub (func))) (type (sub $b (func))))")
    assert match_val(RefType(False, 1), RefType(True, 0), defs)
    assert not match_val(RefType(False, 0), RefType(True, 1), defs)


def test_composite_subtyping():
    mut_i32 = FieldType(I32, True)
    assert match_comp(StructType((mut_i32, FieldType(I64, False))), StructType((mut_i32,)))
    assert not match_comp(StructType((mut_i32,)), StructType((FieldType(I32, False),)))
    # immutable fields are covariant, mutable ones invariant
    eq, any_ = RefType(True, A.EQ), RefType(True, A.ANY)
    assert match_comp(StructType((FieldType(eq, False),)), StructType((FieldType(any_, False),)))
    assert not match_comp(StructType((FieldType(eq, True),)), StructType((FieldType(any_, True),)))
    # functions: contravariant parameters, covariant results
    assert match_comp(FuncType((any_,), (eq,)), FuncType((eq,), (any_,)))
    assert not match_comp(FuncType((eq,), ()), FuncType((any_,), ()))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(module (type $t (func)) (type (sub $t (func))))", "sub type 1 has final super type 0"),
        (
            "(module (type $t (sub (func (param i32)))) (type (sub $t (func))))",
            "sub type 1 does not match super type 0",
        ),
        (
            "(module (type $t (sub (struct))) (type (sub $t (array i8))))",
            "sub type 1 does not match super type 0",
        ),
        ("(module (rec (type (sub 1 (struct))) (type (sub (struct)))))", "sub type 0 has forward"),
        ("(module (type (struct (field (ref 1)))))", "unknown type 1"),
    ],
)
def test_invalid_type_definitions(text, message):
    with pytest.raises(InvalidModule) as info:
        types_of(text)
    assert info.value.message.startswith(message)


# -- external types ------------------------------------------------------------------------


def test_import_matching_uses_canonical_types_and_subtyping():
    exporter = decode_module(
        wat(
            "(module (type $b (sub (func))) (type $s (sub $b (func)))"
            ' (func (export "f") (type $s)) (tag (export "t") (type $b)))'
        ),
        V3,
    )
    importer = decode_module(
        wat(
            "(module (type $b (sub (func))) (type $s (sub $b (func)))"
            ' (import "m" "f" (func (type $b))) (import "m" "f2" (func (type $s)))'
            ' (import "m" "t" (tag (type $b))))'
        ),
        V3,
    )
    for m in (exporter, importer):
        validate_module(m, V3)
    f = extern_type_at(exporter, ExternKind.FUNC, 0)
    tag = extern_type_at(exporter, ExternKind.TAG, 0)
    assert match_extern_type(f, import_extern_type(importer, 0))  # $s <: $b
    assert match_extern_type(f, import_extern_type(importer, 1))
    assert match_extern_type(tag, import_extern_type(importer, 2))
    assert not match_extern_type(tag, import_extern_type(importer, 0))  # kinds differ


def test_extern_types_of_tables_memories_globals():
    def g(mut, t):
        return ExternType(ExternKind.GLOBAL, GlobalType(mut, t))

    non_null_func = RefType(False, A.FUNC)
    assert match_extern_type(g(False, non_null_func), g(False, FUNCREF))  # covariant
    assert not match_extern_type(g(True, non_null_func), g(True, FUNCREF))  # invariant
    assert not match_extern_type(g(True, I32), g(False, I32))

    def t(lim, elem):
        return ExternType(ExternKind.TABLE, TableType(lim, elem))

    assert match_extern_type(t(Limits(2, 5), FUNCREF), t(Limits(1, 10), FUNCREF))
    assert not match_extern_type(t(Limits(2), FUNCREF), t(Limits(1, 10), FUNCREF))
    assert not match_extern_type(t(Limits(2), non_null_func), t(Limits(1), FUNCREF))
    assert not match_extern_type(t(Limits(1), EXTERNREF), t(Limits(1), FUNCREF))

    def m(lim):
        return ExternType(ExternKind.MEMORY, MemType(lim))

    assert match_extern_type(m(Limits(1, 1)), m(Limits(0)))
    assert not match_extern_type(m(Limits(0)), m(Limits(0, 1)))
