"""Long robustness run of the text parser (not collected by pytest):
mutated .wat inputs must end in MalformedModule or UnsupportedFeature
(custom page sizes), never another exception (an EncodeError is a bug too).

    python tests/refimpl/fuzz_text.py --inputs 100000 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

from text_mutations import mutate, seed_modules  # noqa: E402

from harness.testsuite import find_testsuite  # noqa: E402
from refimpl.errors import MalformedModule, UnsupportedFeature  # noqa: E402
from refimpl.features import Features  # noqa: E402
from refimpl.text import wat_to_binary  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slowest", help="write the slowest input to this file")
    args = ap.parse_args()
    seeds = seed_modules(find_testsuite(), limit=2000)
    profiles = [Features.profile(p) for p in ("3.0", "2.0", "mvp")]
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    slowest = (0.0, b"")
    bugs = 0
    start = time.perf_counter()
    for n in range(args.inputs):
        data = mutate(rng.choice(seeds), rng)
        t0 = time.perf_counter()
        try:
            wat_to_binary(data, profiles[n % 3])
            outcomes["accepted"] += 1
        except (MalformedModule, UnsupportedFeature) as exc:
            outcomes[type(exc).__name__] += 1
        except Exception:
            bugs += 1
            print(f"input {n}: {data[:300]!r}", file=sys.stderr)
            traceback.print_exc()
        took = time.perf_counter() - t0
        if took > slowest[0]:
            slowest = (took, data)
    total = time.perf_counter() - start
    print(f"{args.inputs} inputs from {len(seeds)} seeds in {total:.1f} s: {dict(outcomes)}")
    print(f"slowest input: {slowest[0] * 1000:.1f} ms ({len(slowest[1])} bytes)")
    print(f"unexpected exceptions: {bugs}")
    if args.slowest:
        Path(args.slowest).write_bytes(slowest[1])
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
