"""v128 bitwise instructions (spec 4.4.3, vvunop/vvbinop/vvternop/vvtestop):
the int representation makes each one Python operator."""

from __future__ import annotations

from .lanes import M128


def v128_not(v: int) -> int:
    return v ^ M128


def v128_and(a: int, b: int) -> int:
    return a & b


def v128_andnot(a: int, b: int) -> int:
    return a & ~b  # a >= 0, so the result is within 128 bits


def v128_or(a: int, b: int) -> int:
    return a | b


def v128_xor(a: int, b: int) -> int:
    return a ^ b


def v128_bitselect(a: int, b: int, c: int) -> int:
    """Bits of ``a`` where ``c`` is 1, of ``b`` where it is 0."""
    return b ^ ((a ^ b) & c)


def v128_any_true(v: int) -> int:
    return 1 if v else 0


__all__ = [name for name in globals() if name.startswith("v128_")]
