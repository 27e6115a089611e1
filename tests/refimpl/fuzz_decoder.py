"""Longer robustness run for the decoder and validator (not collected by
pytest): mutate testsuite modules and check that nothing but the spec's
failures (MalformedModule, InvalidModule) escapes.  UnsupportedFeature,
which the decoder raises only for an implementation limit (more locals in
a function than refimpl keeps), is counted and reported apart.

    python tests/refimpl/fuzz_decoder.py --inputs 200000 [--seed 1] [--profile 2.0]

Modules come from the testsuite's .wast files, converted with
``wasm-tools json-from-wast`` into a temporary directory (WASM_TESTSUITE, or
../shared/testsuite next to the repository): all of wasm-2.0, and the Wasm
3.0 scripts of current/ (GC, typed references, tail calls, exceptions,
recursion groups) so that mutations hit their sections and opcodes; the
profiles include 3.0 with legacy exceptions, fed legacy ``try`` bodies.
"""

from __future__ import annotations

import argparse
import random
import re
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

EXPECTED = (MalformedModule, InvalidModule)

# Scripts of current/ whose modules use the Wasm 3.0 sections and opcodes.
WASM_3_SCRIPTS = [
    "array", "array_copy", "array_fill", "array_init_data", "array_init_elem", "array_new_data",
    "array_new_elem", "binary-gc", "br_on_cast", "br_on_cast_fail", "br_on_non_null",
    "br_on_null", "call_ref", "i31", "local_init", "ref_as_non_null", "ref_cast", "ref_eq",
    "ref_test", "return_call", "return_call_indirect", "return_call_ref", "struct", "tag",
    "throw", "throw_ref", "try_table", "type-canon", "type-equivalence", "type-rec",
    "type-subtyping", "instance", "extern", "table-sub", "elem", "table", "global",
]  # fmt: skip

# Legacy exception bodies (try/catch/catch_all/delegate/rethrow), as seeds:
# a type, a function, a tag of type 0, and the code.
_LEGACY_BODIES = (
    b"\x06\x40\x07\x00\x09\x00\x0b\x0b",
    b"\x06\x40\x08\x00\x19\x09\x00\x0b\x0b",
    b"\x02\x40\x06\x40\x18\x01\x0b\x0b",
    b"\x06\x7f\x41\x01\x07\x00\x41\x02\x0b\x1a\x0b",
)


def legacy_modules() -> list[bytes]:
    from binary_helpers import body, func_type, module, section, vec

    return [
        module(
            section(1, vec(func_type())),
            section(3, vec(b"\x00")),
            section(13, vec(b"\x00\x00")),
            section(10, vec(body(code))),
        )
        for code in _LEGACY_BODIES
    ]


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
    # Wasm 3.0: exception opcodes, typed reference opcodes, the GC prefix,
    # rec/sub/struct/array/packed type codes, heap types, the tag section id
    0x06,
    0x07,
    0x08,
    0x09,
    0x0A,
    0x0D,
    0x14,
    0x15,
    0x18,
    0x19,
    0x1F,
    0x4E,
    0x4F,
    0x50,
    0x5E,
    0x5F,
    0x63,
    0x64,
    0x69,
    0x6A,
    0x6B,
    0x6C,
    0x6D,
    0x6E,
    0x71,
    0x72,
    0x73,
    0x74,
    0x77,
    0x78,
    0xD3,
    0xD4,
    0xD5,
    0xD6,
    0xFB,
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
    modules += corpus_modules("current", WASM_3_SCRIPTS) + legacy_modules()
    rng = random.Random(seed)
    escaped = 0
    limits: dict[str, int] = {}
    start = time.perf_counter()
    for n in range(inputs):
        data = mutate(rng, rng.choice(modules))
        feats = Features.parse(profiles[n % len(profiles)])
        try:
            validate_module(decode_module(data, feats), feats)
        except EXPECTED:
            pass
        except UnsupportedFeature as exc:  # an implementation limit, not a failure
            key = re.sub(r"\d+", "N", exc.message)
            limits[key] = limits.get(key, 0) + 1
        except Exception:
            escaped += 1
            print(f"ESCAPED on input {n} (profile {feats.name}): {data.hex()}")
            traceback.print_exc()
    elapsed = time.perf_counter() - start
    print(f"{inputs} inputs ({len(modules)} seed modules) in {elapsed:.1f}s, {escaped} escaped")
    for reason, count in limits.items():
        print(f"  {count} UnsupportedFeature (implementation limit: {reason})")
    return 1 if escaped else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--profile", action="append", help="a feature description: mvp, 2.0, 3.0,+legacy ..."
    )
    args = p.parse_args()
    profiles = args.profile or ["2.0", "mvp", "3.0", "3.0,+legacy_exceptions"]
    return run(args.inputs, args.seed, profiles)


if __name__ == "__main__":
    sys.exit(main())
