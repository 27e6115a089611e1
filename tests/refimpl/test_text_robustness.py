"""Robustness of the text parser: whatever the input, reading (and
encoding) a module ends in MalformedModule or UnsupportedFeature, and
reading a script in its parse error or per-command failures; never another
exception, never a long stall.  ``wasm-harness fuzz text`` and
``wasm-harness fuzz script`` are the long runs (docs/fuzzing.md)."""

from __future__ import annotations

import contextlib
import random
import time

import pytest

from harness.fuzz.text_mutation import mutate, seed_texts
from harness.script.wast import ScriptParseError, parse_script
from harness.testsuite import find_testsuite
from refimpl.errors import MalformedModule, UnsupportedFeature
from refimpl.features import Features
from refimpl.text import wat_to_binary

PROFILES = [Features.profile(p) for p in ("3.0", "2.0", "mvp")]
INPUTS = 1500  # the long runs are the fuzz campaigns
SLOWEST_ALLOWED = 2.0  # seconds for one input


@pytest.fixture(scope="module")
def seeds() -> list[bytes]:
    return list(seed_texts(find_testsuite(), limit=150))


def test_mutated_modules(seeds):
    rng = random.Random(11)
    slowest = 0.0
    for n in range(INPUTS):
        data = mutate(rng.choice(seeds), rng)
        start = time.perf_counter()
        with contextlib.suppress(MalformedModule, UnsupportedFeature):
            wat_to_binary(data, PROFILES[n % 3])
        slowest = max(slowest, time.perf_counter() - start)
    assert slowest < SLOWEST_ALLOWED


def test_mutated_scripts(seeds):
    rng = random.Random(12)
    for n in range(INPUTS // 10):
        module = mutate(rng.choice(seeds), rng)
        script = module + b'\n(assert_return (invoke "f" (i32.const 1)) (i32.const 2))\n'
        script = mutate(script, rng) if n % 2 else script
        with contextlib.suppress(ScriptParseError):
            parse_script(script, PROFILES[n % 3])


DEEP = [
    "(i32.add " * 5000 + "(i32.const 1)" + " (i32.const 1))" * 5000,
    "(block " * 5000 + ")" * 5000,
    "block " * 5000 + "end " * 5000,
    "(if " * 5000 + "(i32.const 0)" + "(then))" * 5000,
    "try_table " * 5000 + "end " * 5000,
]


@pytest.mark.parametrize("body", DEEP, ids=["folded", "blocks", "plain", "if", "try_table"])
def test_deep_nesting_is_an_implementation_limit(body):
    """Thousands of nested instructions: a typed limit, not RecursionError."""
    src = "(module (func (result i32) " + body + " drop i32.const 0))"
    with pytest.raises(UnsupportedFeature, match="nested more than"):
        wat_to_binary(src, PROFILES[0])


def test_nesting_below_the_limit_parses():
    src = "(module (func " + "block " * 900 + "end " * 900 + "))"
    assert wat_to_binary(src, PROFILES[0])


def test_nested_either_is_a_command_failure():
    either = "(either " * 5000 + ")" * 5000
    script = f'(module (func (export "f")))(assert_return (invoke "f") {either})'.encode()
    commands = parse_script(script, PROFILES[0])
    assert type(commands[1]).__name__ == "ConversionFailure"
