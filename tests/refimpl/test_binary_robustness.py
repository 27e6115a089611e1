"""Robustness: whatever the bytes, decoding and validation end in one of
the spec's failures (or UnsupportedFeature), never another exception.

A bounded, deterministic sample: testsuite modules truncated at (many)
byte offsets and with bytes changed.  ``wasm-harness fuzz binary`` is the long run.
"""

from __future__ import annotations

import contextlib
import random

import pytest
from binary_helpers import corpus_modules, one_func

from refimpl.binary import decode_module
from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature
from refimpl.features import Features
from refimpl.valid import validate_module

SCRIPTS = [
    "binary", "binary-leb128", "custom", "elem", "data", "call_indirect", "simd_lane",
    "memory_init", "table_copy", "global", "unreached-invalid",
]  # fmt: skip
# Wasm 3.0 scripts of current/: GC types and instructions, rec groups,
# typed references, tags and try_table.
SCRIPTS_3 = ["binary-gc", "type-rec", "try_table", "struct", "array", "br_on_cast", "call_ref"]
PROFILES = [Features.parse(p) for p in ("2.0", "mvp", "3.0", "3.0,+legacy_exceptions")]
EXPECTED = (MalformedModule, InvalidModule, UnsupportedFeature)
SAMPLE = 200
OFFSETS_PER_MODULE = 60
CHANGES_PER_MODULE = 40


@pytest.fixture(scope="module")
def modules() -> list[bytes]:
    found = [m for m in corpus_modules("wasm-2.0", SCRIPTS) if m]
    found += [m for m in corpus_modules("current", SCRIPTS_3) if m]
    if not found:
        pytest.skip("testsuite not found: set WASM_TESTSUITE (and have wasm-tools installed)")
    return random.Random(7).sample(found, min(SAMPLE, len(found)))


def check(data: bytes, features: Features) -> None:
    with contextlib.suppress(EXPECTED):
        validate_module(decode_module(data, features), features)


def test_truncations(modules: list[bytes]) -> None:
    for n, data in enumerate(modules):
        step = max(1, len(data) // OFFSETS_PER_MODULE)
        for end in range(0, len(data), step):
            check(data[:end], PROFILES[(n + end) % len(PROFILES)])


def test_changed_bytes(modules: list[bytes]) -> None:
    rng = random.Random(20240601)
    for n, data in enumerate(modules):
        for k in range(CHANGES_PER_MODULE):
            buf = bytearray(data)
            i = rng.randrange(8, len(buf)) if len(buf) > 8 else 0
            if k % 2:
                buf[i] ^= 1 << rng.randrange(8)
            else:
                buf[i] = rng.randrange(256)
            check(bytes(buf), PROFILES[(n + k) % len(PROFILES)])


def test_absurd_lengths() -> None:
    """Lengths and counts near 2^32 fail cleanly, without allocating."""
    header = b"\x00asm\x01\x00\x00\x00"
    for data in (
        header + b"\x01\xff\xff\xff\xff\x0f",
        header + b"\x01\x05\xff\xff\xff\xff\x0f",
        header + b"\x0a\x07\x01\x05\xff\xff\xff\xff\x0f",
        header + b"\x00\x06\xff\xff\xff\xff\x0f",
    ):
        for f in PROFILES:
            with pytest.raises(MalformedModule):
                decode_module(data, f)


def test_deep_nesting() -> None:
    """Nesting is bounded only by the input: nothing recurses."""
    depth = 50_000
    data = one_func(b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b")
    f = PROFILES[0]
    validate_module(decode_module(data, f), f)
    with pytest.raises(MalformedModule):
        decode_module(data[:-1], f)
