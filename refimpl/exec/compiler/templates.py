"""Inline Python for the numeric instructions worth inlining.

Each template takes the operands' Python expressions and returns the result
expression, parenthesised.  Values follow ``refimpl.exec.numerics`` (unsigned
ints, floats); comparisons yield ``bool``, which Python treats as 0/1 in
every later integer operation (the executor turns results handed to the
embedder back into ``int``).  Everything not here calls the function of the
same name in ``numerics``.
"""

from __future__ import annotations

from ...syntax.opcodes import BY_NAME

M32, M64 = "0xFFFFFFFF", "0xFFFFFFFFFFFFFFFF"
S32, S64 = "0x80000000", "0x8000000000000000"


def _int_templates(width: str, mask: str, sign: str, bits: int) -> dict:
    def signed(x: str) -> str:
        return f"({x} ^ {sign})"

    return {
        f"{width}.eqz": lambda a: f"({a} == 0)",
        f"{width}.eq": lambda a, b: f"({a} == {b})",
        f"{width}.ne": lambda a, b: f"({a} != {b})",
        f"{width}.lt_u": lambda a, b: f"({a} < {b})",
        f"{width}.gt_u": lambda a, b: f"({a} > {b})",
        f"{width}.le_u": lambda a, b: f"({a} <= {b})",
        f"{width}.ge_u": lambda a, b: f"({a} >= {b})",
        # Flipping the sign bit maps signed order onto unsigned order.
        f"{width}.lt_s": lambda a, b: f"({signed(a)} < {signed(b)})",
        f"{width}.gt_s": lambda a, b: f"({signed(a)} > {signed(b)})",
        f"{width}.le_s": lambda a, b: f"({signed(a)} <= {signed(b)})",
        f"{width}.ge_s": lambda a, b: f"({signed(a)} >= {signed(b)})",
        f"{width}.add": lambda a, b: f"(({a} + {b}) & {mask})",
        f"{width}.sub": lambda a, b: f"(({a} - {b}) & {mask})",
        f"{width}.mul": lambda a, b: f"(({a} * {b}) & {mask})",
        f"{width}.and": lambda a, b: f"({a} & {b})",
        f"{width}.or": lambda a, b: f"({a} | {b})",
        f"{width}.xor": lambda a, b: f"({a} ^ {b})",
        f"{width}.shl": lambda a, b: f"(({a} << ({b} & {bits - 1})) & {mask})",
        f"{width}.shr_u": lambda a, b: f"({a} >> ({b} & {bits - 1}))",
        f"{width}.shr_s": lambda a, b: f"((({signed(a)} - {sign}) >> ({b} & {bits - 1})) & {mask})",
    }


def _float_templates(width: str) -> dict:
    return {
        f"{width}.eq": lambda a, b: f"({a} == {b})",
        f"{width}.ne": lambda a, b: f"({a} != {b})",
        f"{width}.lt": lambda a, b: f"({a} < {b})",
        f"{width}.gt": lambda a, b: f"({a} > {b})",
        f"{width}.le": lambda a, b: f"({a} <= {b})",
        f"{width}.ge": lambda a, b: f"({a} >= {b})",
        # Negation is a sign-bit flip in CPython (also for NaNs).
        f"{width}.neg": lambda a: f"(-{a})",
    }


_BY_NAME = {
    **_int_templates("i32", M32, S32, 32),
    **_int_templates("i64", M64, S64, 64),
    **_float_templates("f32"),
    **_float_templates("f64"),
    # f64 arithmetic that cannot raise in Python (division by zero can).
    "f64.add": lambda a, b: f"({a} + {b})",
    "f64.sub": lambda a, b: f"({a} - {b})",
    "f64.mul": lambda a, b: f"({a} * {b})",
    "i32.wrap_i64": lambda a: f"({a} & {M32})",
    "i64.extend_i32_u": lambda a: a,
    "i64.extend_i32_s": lambda a: f"((({a} ^ {S32}) - {S32}) & {M64})",
}

TEMPLATES = {BY_NAME[name].code: fn for name, fn in _BY_NAME.items()}

# Numeric instructions that can trap: their results are computed in a
# statement of their own, in program order.
TRAPPING = {
    BY_NAME[name].code
    for name in (
        "i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u",
        "i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u",
        "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u",
        "i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
    )
}  # fmt: skip
