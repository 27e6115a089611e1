"""Pool slot reuse: the sequences' modules instantiated one after another
through one small pool whose slots are released after every step.

    python -m harness.fuzz.pool_reuse --sequences 1000 [--slots 1] [--seed N] [--modes]

The script lanes of ``sequences`` keep every instance of a sequence alive,
so a pool never hands out a slot twice there.  Here refimpl's ``pooled``
mode (``RecyclingPool``: memories and tables go back to the pool, reset,
once a step is compared) runs each step of ``sequences``' scenarios and
random sequences beside a fresh ``segmented`` instantiation, and
``compare_modes`` compares outcome and full state (sizes, contents,
tables, globals, what landed in spectest's imported memory and table).  A
slot that kept the previous instance's bytes or size (CVE-2022-39393,
GHSA-6wgr-89rj-399p) shows up as a state difference at the next step.
With ``--modes`` every init mode is compared at every step too: the
refimpl mode lanes of a sequence campaign at the cost of the instantiations
alone (script lanes also run each checker's digest loop on every mode).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import refimpl
from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.exec.instantiate import SEGMENTED
from refimpl.host.spectest import spectest_instance
from refimpl.init import make_mode
from refimpl.init.compare import compare_modes
from refimpl.valid import validate_module

from .init_campaign import RecyclingPool
from .sequences import PROFILE, SCENARIOS, _binary, _shard, batches

# refimpl's init modes, each compared with ``segmented`` at every step.
MODES = ("paged", "static", "functable", "cow", "pooled")
REUSE = "pool-slot reuse"  # the RecyclingPool's name in results


def sequence_divergences(
    steps: list[str], pool: RecyclingPool, modes: tuple = ()
) -> tuple[int, list[str]]:
    """Run ``steps`` through ``pool`` (released after each step), the
    ``modes`` and fresh instantiation; (steps compared, divergences)."""
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
        lanes = [SEGMENTED, *(make_mode(m) for m in modes), pool]
        _, divergences = compare_modes(store, module, resolve, lanes)
        pool.recycle()
        compared += 1
        found += [f"step {step}: {d}" for d in divergences]
    return compared, found


def campaign(
    sequences: int,
    seed: int,
    slots: int = 1,
    modes: tuple = (),
    shard: tuple[int, int] = (0, 1),
    progress: bool = False,
) -> tuple[Counter, list[str]]:
    """The scenarios, then ``sequences`` random sequences (``sequences``'
    batches: the same sequences as the script lanes of that seed), all
    through one pool of ``slots`` slots (slots are reused across sequences
    too) and each of ``modes``."""
    pool = RecyclingPool(slots)
    pool.name = REUSE
    figures: Counter = Counter()
    failures: list[str] = []
    start = time.monotonic()
    work = list(SCENARIOS.items()) if shard[0] == 0 else []
    for label, seqs, _ in batches(sequences, seed, BATCH, shard):
        work += [(f"{label} #{i}", steps) for i, steps in enumerate(seqs)]
    for n, (label, steps) in enumerate(work, 1):
        compared, found = sequence_divergences(steps, pool, modes)
        figures["sequences"] += 1
        figures["steps compared"] += compared
        if found:
            figures["sequences with divergences"] += 1
            failures.append(f"{label}: {found[0]}")
            print(f"FAILED {failures[-1]}", flush=True)
        if progress and n % BATCH == 0:  # a run stopped early still reports
            print(
                f"{label}: {figures['sequences']} sequences, {figures['steps compared']} steps,"
                f" {pool.reused} slots reused, {len(failures)} with divergences,"
                f" {time.monotonic() - start:.0f} s",
                flush=True,
            )
    figures["slots reused"] = pool.reused
    figures["seconds"] = round(time.monotonic() - start, 1)
    return figures, failures


BATCH = 50  # sequences per batch, as the script lanes' campaigns draw them


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.fuzz.pool_reuse")
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slots", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--modes", action="store_true", help=f"also compare every init mode ({', '.join(MODES)})"
    )
    parser.add_argument("--shard", type=_shard, default=(0, 1), help="K/N: every Nth batch from K")
    parser.add_argument("--json", type=Path, help="write the summary here")
    args = parser.parse_args(argv)
    modes = MODES if args.modes else ()
    figures, failures = campaign(
        args.sequences, args.seed, args.slots, modes, args.shard, progress=True
    )
    if args.json:
        summary = {"lanes": [*modes, REUSE], "figures": figures, "failures": failures}
        args.json.write_text(json.dumps(summary, indent=1))
    print(", ".join(f"{k} {v}" for k, v in figures.items()))
    for line in failures[:20]:
        print("  " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
