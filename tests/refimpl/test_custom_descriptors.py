"""Custom descriptors (proposal, flag ``custom_descriptors``): exact
reference types through the text parser, the binary format, validation and
both executors; exact function imports; descriptor clauses and
instructions declined as UnsupportedFeature until they are implemented."""

from __future__ import annotations

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import InvalidModule, LinkError, MalformedModule, Trap, UnsupportedFeature
from refimpl.syntax.module import FuncImport
from refimpl.text import wat_to_binary

CD = refimpl.Features.parse("3.0,+custom_descriptors")
EXECUTORS = ["interpreter", "compiled"]

# $super and $sub are structurally equal but distinct canonical types.
CASTS = """(module
  (type $super (sub (struct)))
  (type $sub (sub $super (struct)))
  (global $super anyref (struct.new $super))
  (global $sub anyref (struct.new $sub))
  (func (export "test-super") (param anyref) (result i32)
    (ref.test (ref (exact $super)) (local.get 0)))
  (func (export "test-sub") (param anyref) (result i32)
    (ref.test (ref null (exact $sub)) (local.get 0)))
  (func (export "cast-sub") (param anyref) (result anyref)
    (ref.cast (ref null (exact $sub)) (local.get 0)))
  (func (export "br-super") (param anyref) (result i32)
    (block (result anyref)
      (br_on_cast 0 anyref (ref (exact $super)) (local.get 0))
      (return (i32.const 0)))
    (drop) (i32.const 1))
  (func (export "super") (result anyref) (global.get $super))
  (func (export "sub") (result anyref) (global.get $sub))
  (func (export "exact-is-inexact") (result (ref null $super))
    (ref.null (exact $super)))
)"""


def load(text: str) -> refimpl.syntax.module.Module:
    return refimpl.load(wat_to_binary(text, CD), CD)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_exact_casts_reject_subtypes_in_both_executors(executor):
    store = refimpl.Store(CD, executor_name=executor)
    ex = refimpl.instantiate(store, load(CASTS), {}).exports
    sup = store.invoke(ex["super"], [])[0]
    sub = store.invoke(ex["sub"], [])[0]
    assert store.invoke(ex["test-super"], [sup]) == [1]
    assert store.invoke(ex["test-super"], [sub]) == [0]  # a subtype is not exact
    assert store.invoke(ex["test-sub"], [sub]) == [1]
    assert store.invoke(ex["test-sub"], [sup]) == [0]
    assert store.invoke(ex["test-sub"], [None]) == [1]
    assert store.invoke(ex["cast-sub"], [sub]) == [sub]
    with pytest.raises(Trap, match="cast failure"):
        store.invoke(ex["cast-sub"], [sup])
    assert store.invoke(ex["br-super"], [sup]) == [1]
    assert store.invoke(ex["br-super"], [sub]) == [0]


def test_wasm_tools_encoding_decodes_to_the_same_exact_types():
    text = """(module (type $t (struct)) (type (func))
      (import "m" "f" (func (exact (type 1))))
      (global (ref null (exact $t)) (ref.null (exact $t))))"""
    ours, theirs = wat_to_binary(text, CD), wat(text)
    assert refimpl.load(theirs, CD).globals == refimpl.load(ours, CD).globals
    assert refimpl.load(theirs, CD).globals[0].type.type.exact
    assert refimpl.load(theirs, CD).imports[0].desc == FuncImport(1, exact=True)
    with pytest.raises(MalformedModule):  # no exact types without the flag
        refimpl.load(theirs, refimpl.Features.profile("3.0"))


@pytest.mark.parametrize(
    "body",
    [
        "(func (param (ref $sub)) (result (ref (exact $super))) (local.get 0))",
        "(func (param (ref $super)) (result (ref (exact $super))) (local.get 0))",
        "(func (param (ref (exact $sub))) (result (ref (exact $super))) (local.get 0))",
    ],
)
def test_only_the_type_itself_and_bottom_are_below_an_exact_type(body):
    types = "(type $super (sub (struct))) (type $sub (sub $super (struct)))"
    load(f"(module {types} (func (result (ref null (exact $sub))) (ref.null none)))")
    load(f"(module {types} (func (result (ref $super)) (struct.new $super)))")
    with pytest.raises(InvalidModule, match="type mismatch"):
        load(f"(module {types} {body})")


def test_exact_function_imports_link_only_the_very_type():
    exporter = """(module (type $super (sub (func))) (type $sub (sub $super (func)))
      (func (export "sub") (type $sub)) (func (export "super") (type $super)))"""
    importer = """(module (type $super (sub (func))) (type $sub (sub $super (func)))
      (import "m" "{name}" (func {exact})))"""
    store = refimpl.Store(CD)
    m = refimpl.instantiate(store, load(exporter), {})
    refimpl.instantiate(store, load(importer.format(name="sub", exact="(type $super)")), {"m": m})
    refimpl.instantiate(
        store, load(importer.format(name="super", exact="(exact (type $super))")), {"m": m}
    )
    with pytest.raises(LinkError, match="incompatible import type"):
        refimpl.instantiate(
            store, load(importer.format(name="sub", exact="(exact (type $super))")), {"m": m}
        )


def test_ref_func_is_exact_unless_imported_inexactly():
    types = '(type $f (func)) (import "m" "f" (func $i (type $f))) (elem declare func $i $d)'
    load(f"(module {types} (func $d (type $f)) (func (result (ref (exact $f))) (ref.func $d)))")
    with pytest.raises(InvalidModule, match="type mismatch"):
        load(f"(module {types} (func $d (type $f)) (func (result (ref (exact $f))) (ref.func $i)))")


@pytest.mark.parametrize(
    "text",
    [
        "(module (rec (type (descriptor 1) (struct)) (type (describes 0) (struct))))",
        "(module (type $t (struct))"
        " (func (param (ref $t)) (drop (ref.get_desc $t (local.get 0)))))",
    ],
)
def test_descriptors_are_declined_not_misread(text):
    with pytest.raises(UnsupportedFeature):
        wat_to_binary(text, CD)
    with pytest.raises(UnsupportedFeature):
        refimpl.load(wat(text), CD)
