"""Mutated .wat inputs for the text parser's robustness checks: byte
flips, truncations, token shuffles and token swaps of seed modules (the
testsuite's text modules when it is there, a few of our own otherwise)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from harness.script.sexpr import SplitError, split_top_level

OWN_SEEDS = [
    b'(module (func $f (export "f") (param $x i32) (result i32)'
    b" (block $b (result i32) (br_if $b (local.get $x) (i32.const 1)) (i32.const 2))))",
    b'(module (memory 1) (data (i32.const 0) "\\00\\u{41}a") (table 2 funcref)'
    b" (elem (i32.const 0) $g) (func $g (drop (f64.const -0x1.8p3)) (v128.const i8x16 0 1"
    b" 2 3 4 5 6 7 8 9 10 11 12 13 14 15) drop))",
    b"(module (type $t (func (param i32))) (rec (type $s (struct (field $a (mut i8)))))"
    b" (func (type $t) (local i64) (loop $l (br_table $l 0 (local.get 0)))))",
    b'(module (@custom "x" (after func) "y") (global $g (mut f32) (f32.const nan:0x1))'
    b" (func (result f32) global.get $g (if (result f32) (i32.const 1) (then (f32.const"
    b" inf)) (else (f32.const 1_000.5e-3)))))",
]
_TOKENS = re.compile(rb'\s+|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+')
_SPECIAL = [b"(", b")", b'"', b"$", b";;", b"(;", b"\\", b"\xff", b"\x00", b"@", b"0x", b"nan:"]


def seed_modules(testsuite: Path | None, limit: int = 400) -> list[bytes]:
    """Text modules of the testsuite's wasm-2.0 and current scripts."""
    seeds = list(OWN_SEEDS)
    if testsuite is None:
        return seeds
    for folder in ("wasm-2.0", "current"):
        for path in sorted((testsuite / folder).glob("*.wast")):
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                forms = split_top_level(text)
            except SplitError:
                continue
            for form in forms:
                body = text[form.start : form.end]
                if body.startswith("(module") and " binary" not in body[:40]:
                    seeds.append(body.encode("utf-8"))
    rng = random.Random(3)
    return seeds[:4] + rng.sample(seeds[4:], min(limit, len(seeds) - 4))


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of: flip bytes, truncate, shuffle or swap tokens, insert a special."""
    how = rng.randrange(5)
    if how == 0 or not data:
        out = bytearray(data or b"(")
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == 1:
        return data[: rng.randrange(len(data))]
    tokens = _TOKENS.findall(data)
    if how == 2 and len(tokens) > 2:
        i = rng.randrange(len(tokens))
        j = min(len(tokens), i + rng.randint(2, 8))
        window = tokens[i:j]
        rng.shuffle(window)
        tokens[i:j] = window
    elif how == 3 and len(tokens) > 2:
        i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
        tokens[i] = tokens[j]
    else:
        i = rng.randrange(len(tokens) + 1)
        tokens.insert(i, rng.choice(_SPECIAL))
    return b"".join(tokens)
