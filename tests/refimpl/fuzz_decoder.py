"""Longer robustness run for the decoder and validator (not collected by
pytest): mutate testsuite modules and check that nothing but the spec's
failures (MalformedModule, InvalidModule) or UnsupportedFeature escapes.

    python tests/refimpl/fuzz_decoder.py --inputs 200000 [--seed 1] [--profile 2.0]

Modules come from the testsuite's .wast files, converted with
``wasm-tools json-from-wast`` into a temporary directory (WASM_TESTSUITE, or
../shared/testsuite next to the repository).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

from binary_helpers import corpus_modules  # noqa: E402

from refimpl.binary import decode_module  # noqa: E402
from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature  # noqa: E402
from refimpl.features import Features  # noqa: E402
from refimpl.valid import validate_module  # noqa: E402

EXPECTED = (MalformedModule, InvalidModule, UnsupportedFeature)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Truncation, bit flips, random bytes, insertions, deletions or
    "interesting" bytes (opcodes, LEB continuation), mostly past the header."""
    buf = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0 and buf:
        return bytes(buf[: rng.randrange(len(buf))])
    low = 8 if len(buf) > 8 and rng.random() < 0.95 else 0
    for _ in range(rng.randint(1, 4)):
        if len(buf) <= low:
            break
        i = rng.randrange(low, len(buf))
        if kind == 1:
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 2:
            buf[i] = rng.randrange(256)
        elif kind == 3:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 4:
            j = rng.randrange(low, len(buf))
            del buf[min(i, j) : max(i, j) + 1]
        else:
            buf[i] = rng.choice(INTERESTING)
    return bytes(buf)


INTERESTING = (
    0x00,
    0x01,
    0x02,
    0x04,
    0x05,
    0x0B,
    0x0C,
    0x0E,
    0x11,
    0x1C,
    0x40,
    0x41,
    0x60,
    0x6F,
    0x70,
    0x7B,
    0x7F,
    0x80,
    0xD0,
    0xD2,
    0xFC,
    0xFD,
    0xFF,
)


def run(inputs: int, seed: int, profiles: list[str]) -> int:
    modules = corpus_modules()
    if not modules:
        print("no testsuite modules found (set WASM_TESTSUITE)")
        return 2
    rng = random.Random(seed)
    escaped = 0
    start = time.perf_counter()
    for n in range(inputs):
        data = mutate(rng, rng.choice(modules))
        feats = Features.profile(profiles[n % len(profiles)])
        try:
            validate_module(decode_module(data, feats), feats)
        except EXPECTED:
            pass
        except Exception:
            escaped += 1
            print(f"ESCAPED on input {n} (profile {feats.name}): {data.hex()}")
            traceback.print_exc()
    elapsed = time.perf_counter() - start
    print(f"{inputs} inputs in {elapsed:.1f}s, {escaped} escaped")
    return 1 if escaped else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", action="append", help="mvp, 2.0 or 3.0 (repeatable)")
    args = p.parse_args()
    return run(args.inputs, args.seed, args.profile or ["2.0", "mvp", "3.0"])


if __name__ == "__main__":
    sys.exit(main())
