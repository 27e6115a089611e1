"""Deterministic arguments for calling generated modules' exports, shared
by every campaign that calls the same function on two runs and compares
(the fast path against the interpreter, a snapshot against its original)."""

from __future__ import annotations

import random

from refimpl.exec.numerics import f32_from_bits, f64_from_bits
from refimpl.syntax.types import F32, F64, I32, I64, V128, ValType

# Small values (loop counts, offsets) and the edges of signed and unsigned ranges.
EDGE_INTS = [0, 1, 2, 3, 4, 7, 8, 16, 0x7F, 0x80, 100, 0xFF, 256, 1000, 0xFFFF, 0x10000]
EDGE_INTS += [0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


def argument(t: ValType, rng: random.Random, small: bool = False):
    """An argument of type ``t``: with ``small``, an integer below 9 (so
    loops driven by it end soon); else mostly edge values, or random bits.
    References are null: a generated module's exports can't be handed
    anything else from outside."""
    if small and t in (I32, I64):
        return rng.randrange(0, 9)
    if t is I32:
        return rng.choice(EDGE_INTS) if rng.random() < 0.6 else rng.getrandbits(32)
    if t is I64:
        return rng.choice(EDGE_INTS) if rng.random() < 0.5 else rng.getrandbits(64)
    if t is F32:
        return f32_from_bits(rng.getrandbits(32))
    if t is F64:
        return f64_from_bits(rng.getrandbits(64))
    if t is V128:
        return rng.getrandbits(128)
    return None
