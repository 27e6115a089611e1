"""Pool slot reuse: the sequences' modules instantiated one after another
through one small pool whose slots are released after every step.

    python -m harness.fuzz.pool_reuse --sequences 1000 [--slots 1] [--seed N]

The script lanes of ``sequences`` keep every instance of a sequence alive,
so a pool never hands out a slot twice there.  Here refimpl's ``pooled``
mode (``RecyclingPool``: memories and tables go back to the pool, reset,
once a step is compared) runs each step of ``sequences``' scenarios and
random sequences beside a fresh ``segmented`` instantiation, and
``compare_modes`` compares outcome and full state (sizes, contents,
tables, globals, what landed in spectest's imported memory and table).  A
slot that kept the previous instance's bytes or size (CVE-2022-39393,
GHSA-6wgr-89rj-399p) shows up as a state difference at the next step.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

import refimpl
from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.exec.instantiate import SEGMENTED
from refimpl.host.spectest import spectest_instance
from refimpl.init.compare import compare_modes
from refimpl.valid import validate_module

from .init_campaign import RecyclingPool
from .sequences import PROFILE, SCENARIOS, _binary, _Gen


def sequence_divergences(steps: list[str], pool: RecyclingPool) -> tuple[int, list[str]]:
    """Run ``steps`` through ``pool`` (released after each step) and fresh
    instantiation; (steps compared, divergences)."""
    features = refimpl.Features.parse(PROFILE)
    store = refimpl.Store(features, max_call_depth=200)
    spectest = spectest_instance(features)

    def resolve(imp):
        return spectest.exports.get(imp.name) if imp.module == "spectest" else None

    compared, found = 0, []
    for step, wat in enumerate(steps):
        binary = _binary(wat)
        if binary is None:
            continue
        try:
            module = decode_module(binary, features)
            validate_module(module, features)
        except RefimplError:
            continue  # the generator's invalid modules check nothing here
        _, divergences = compare_modes(store, module, resolve, [SEGMENTED, pool])
        pool.recycle()
        compared += 1
        found += [f"step {step}: {d}" for d in divergences]
    return compared, found


def campaign(sequences: int, seed: int, slots: int = 1) -> tuple[Counter, list[str]]:
    """The scenarios, then ``sequences`` random sequences, all through one
    pool of ``slots`` slots (slots are reused across sequences too)."""
    pool = RecyclingPool(slots)
    gen = _Gen(random.Random(seed))
    figures: Counter = Counter()
    failures: list[str] = []
    start = time.monotonic()
    work = [(name, steps) for name, steps in SCENARIOS.items()]
    work += [(f"seed {seed} sequence {i}", gen.sequence()) for i in range(sequences)]
    for label, steps in work:
        compared, found = sequence_divergences(steps, pool)
        figures["sequences"] += 1
        figures["steps compared"] += compared
        if found:
            figures["sequences with divergences"] += 1
            failures.append(f"{label}: {found[0]}")
    figures["slots reused"] = pool.reused
    figures["seconds"] = round(time.monotonic() - start, 1)
    return figures, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.fuzz.pool_reuse")
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slots", type=int, default=1, choices=(1, 2))
    args = parser.parse_args(argv)
    figures, failures = campaign(args.sequences, args.seed, args.slots)
    print(", ".join(f"{k} {v}" for k, v in figures.items()))
    for line in failures[:20]:
        print("  " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
