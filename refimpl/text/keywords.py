"""The words of the text format.

A word outside this set is an "unknown operator" (the spec interpreter's
lexer text); a known word in the wrong place is an "unexpected token".
Instruction names come from the opcode table, so instructions added there
are known here without an edit.
"""

from __future__ import annotations

from ..syntax.opcodes import BY_NAME

STRUCTURE = """
module type rec sub final func struct array field mut param result local import export
table memory global tag elem data start declare item offset then else end block loop if
try try_table do catch catch_ref catch_all catch_all_ref delegate binary quote definition
instance ref null shared pagesize before after first last i8 i16 i32 i64 f32 f64 v128
i8x16 i16x8 i32x4 i64x2 f32x4 f64x2 funcref externref anyref eqref i31ref structref
arrayref exnref nullref nullfuncref nullexternref nullexnref extern any eq i31 exn none
nofunc noextern noexn register invoke get assert_return assert_trap assert_exhaustion
assert_malformed assert_invalid assert_unlinkable assert_uninstantiable assert_exception
assert_malformed_custom assert_invalid_custom script input output either thread wait
ref.extern ref.host ref.any ref.eq ref.i31 ref.struct ref.array ref.exn nan:canonical
nan:arithmetic select call_indirect return_call_indirect exact descriptor describes
"""

# Custom descriptors' instructions, parsed nowhere yet: the parser declines
# them (``UnsupportedFeature``) rather than calling them unknown.
DESCRIPTOR_INSTRUCTIONS = frozenset(
    [
        "struct.new_desc",
        "struct.new_default_desc",
        "ref.get_desc",
        "ref.cast_desc_eq",
        "br_on_cast_desc_eq",
        "br_on_cast_desc_eq_fail",
    ]
)

KNOWN_KEYWORDS = frozenset(STRUCTURE.split()) | frozenset(BY_NAME)


def is_known(word: str) -> bool:
    """Known words, and the immediates written as one word (``offset=N``)."""
    return word in KNOWN_KEYWORDS or word.startswith(("offset=", "align="))


def wasm3_texts(features) -> bool:
    """Whether to speak the Wasm 3.0 spec interpreter's texts where they
    changed (lane indices, 64-bit limits and offsets)."""
    return bool(features.memory64 or features.gc or features.exceptions)
