"""Instantiation sequences: modules instantiated one after another in one
store, the state and the out-of-bounds boundary checked after each step.

Runtime init bugs show up after a *sequence*: a memory slot reused by a
module without an image (CVE-2022-39393), a smaller memory after a larger
one (GHSA-6wgr-89rj-399p), a failed instantiation's partial writes into an
imported memory, a second instantiation of one module (WAMR#1115).  A
sequence here mixes modules with and without data, larger and smaller,
imported (spectest's memory and table, which persist across the sequence)
and defined memories and tables, multi-memory, funcref and externref
segments (active, passive, declarative) used by ``memory.init``,
``table.init``, ``data.drop`` and ``elem.drop`` in the start function, and
data offsets at and beyond 2^31.

Each sequence becomes a self-checking script (``probes.export_wast``: the
state refimpl's reference path leaves after each step, as assertions), run
by the ordinary runner on every lane: refimpl, its init modes and wasmtime
lanes are compared by the probes too; ``wasmtime-cli[...]`` lanes check the
assertions.  ``SCENARIOS`` are the known bugs the harness can express,
written out; every campaign runs them first.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import refimpl
from refimpl.errors import RefimplError
from refimpl.text import wat_to_binary

from ..engines import engine_names, engines_for
from ..engines.base import SessionOptions
from ..engines.wasmtime_config import POOLING
from ..probes.export_wast import export_modules
from ..runner import ScriptRunner
from ..script import load_script
from ..status import Status

PROFILE = "2.0,+multi-memory"
_FEATURES = refimpl.Features.parse(PROFILE)

# Memory sizes in pages: small ones, and one just over 2 GiB, the smallest
# in which an i32 offset at or beyond 2^31 is in bounds (wasmtime#7559 needs
# it; refimpl maps it lazily, wasmtime reserves it, probes read it sparsely).
HUGE_PAGES = 32769
_TWO_GIB = 0x80000000

# The known bugs a sequence can express (module texts, in order).
SCENARIOS: dict[str, list[str]] = {
    # A slot reused by a module without an image kept the previous image.
    "CVE-2022-39393 image kept on slot reuse": [
        '(module (memory 1) (data (i32.const 0) "secret"))',
        "(module (memory 1))",
    ],
    # Slot reset kept the previous accessible size: a load past a smaller
    # memory's end read another instance's bytes.
    "GHSA-6wgr-89rj-399p accessible size kept": [
        '(module (memory 3) (data (i32.const 70000) "other"))',
        "(module (memory 1))",
    ],
    # An i32 data offset >= 2^31 sign-extended: a segment that fits a
    # memory of 2 GiB + 64 KiB failed instantiation (wasmtime-py 14.0.0).
    "wasmtime#7559 offset >= 2^31": [
        f'(module (memory {HUGE_PAGES}) (data (i32.const 0x80000000) "x")'
        ' (data (i32.const 0x8000ffff) "y"))',
        '(module (memory 1) (data (i32.const 0x80000000) "x"))',
        '(module (memory 1) (data (i32.const 0xffffffff) ""))',
        "(module (memory 1))",
    ],
    # ref.null written by a segment to an imported table, then accessed.
    "wasmtime#4455 ref.null into an imported table": [
        '(module (import "spectest" "table" (table 10 funcref)) (func $f)'
        " (elem (i32.const 2) funcref (ref.null func) (ref.func $f)))",
    ],
    # Paged init copying to the wrong range: data straddling page boundaries.
    "wasmtime#2801 paged init range": [
        '(module (memory 3) (data (i32.const 65530) "0123456789abcdef")'
        ' (data (i32.const 131070) "zz"))',
    ],
    # Memories initialised before tables: a failing element segment must
    # leave an imported memory unwritten (2.0 writes elements first).
    "wabt#2168 memories before tables": [
        '(module (import "spectest" "memory" (memory 1)) (table 1 funcref) (func $f)'
        ' (elem (i32.const 1) $f) (data (i32.const 0) "written"))',
        '(module (import "spectest" "memory" (memory 1)))',  # its state, asserted
    ],
    # A segment offset modified in place: a second instantiation differs.
    "WAMR#1115 second instantiation": [
        '(module (import "spectest" "global_i32" (global i32)) (memory 1)'
        ' (data (global.get 0) "ab"))',
    ]
    * 2,
    # Element segment bounds not checked (binaryen#6431).
    "binaryen#6431 element bounds": [
        "(module (table 1 funcref) (func $f) (elem (i32.const 1) $f $f))",
        "(module (table 2 funcref) (func $f) (elem (i32.const 1) $f))",
    ],
}


class _Gen:
    """Random module texts biased toward init edge cases."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def offset(self, size: int, length: int) -> int:
        """Mostly in bounds (a module that traps checks less), else at the
        edges: the end, one past it, 2^31, 2^32-1."""
        r = self.r
        fits = [0, r.randrange(max(size - length, 1)), max(size - length, 0)]
        if size > _TWO_GIB:  # at, just below and beyond 2^31, in bounds
            fits += [_TWO_GIB, _TWO_GIB - 1, _TWO_GIB + r.randrange(size - _TWO_GIB - length)]
        if r.random() < 0.7:
            return r.choice(fits)
        return r.choice([size - length + 1, size, size + 1, _TWO_GIB, 0xFFFFFFFF])

    def payload(self) -> str:
        n = self.r.choice([0, 1, 3, 8, 17])
        return "".join(f"\\{self.r.randrange(256):02x}" for _ in range(n))

    def module(self) -> str:
        r = self.r
        parts: list[str] = []
        imported_memory = r.random() < 0.25
        memories = 1 if imported_memory else 0
        if imported_memory:
            parts.append('(import "spectest" "memory" (memory 1))')
        defined = r.choice([0, 1, 1, 1, 2])
        pages = []
        for _ in range(defined):
            p = r.choice([0, 1, 1, 2, 3]) if r.random() >= 0.12 else HUGE_PAGES
            parts.append(f"(memory {p})")
            pages.append(p)
        memories += defined
        imported_table = r.random() < 0.25
        if imported_table:  # imports come before definitions
            parts.insert(int(imported_memory), '(import "spectest" "table" (table 10 funcref))')
        tables = ["funcref"] if imported_table else []
        for _ in range(r.choice([0, 1, 1, 2])):
            elem = r.choice(["funcref", "externref"])
            parts.append(f"(table {r.choice([0, 1, 2, 5])} {elem})")
            tables.append(elem)
        nfuncs = r.choice([1, 2, 3])
        parts += [f"(func $f{i})" for i in range(nfuncs)]
        datas = 0
        for _ in range(r.choice([0, 1, 2, 3]) if memories else 0):
            m = r.randrange(memories)
            size = 65536 * (1 if imported_memory and m == 0 else pages[m - imported_memory])
            data = self.payload()
            if r.random() < 0.3:
                parts.append(f'(data "{data}")')
            else:
                off = self.offset(size, len(data) // 3)
                parts.append(f'(data (memory {m}) (i32.const {off}) "{data}")')
            datas += 1
        elems = []
        for _ in range(r.choice([0, 1, 2]) if tables else 0):
            t = r.randrange(len(tables))
            elem = tables[t]
            if elem == "funcref":
                items = [
                    r.choice([f"(ref.func $f{r.randrange(nfuncs)})", "(ref.null func)"])
                    for _ in range(r.choice([0, 1, 2, 3]))
                ]
            else:
                items = ["(ref.null extern)" for _ in range(r.choice([0, 1, 2]))]
            kind = r.choice(["active", "active", "passive", "declare"])
            body = f"{elem} {' '.join(items)}"
            if kind == "active":
                off = r.choice([0, 0, 1, 2, 5, 9, 10, _TWO_GIB, 0xFFFFFFFF])
                parts.append(f"(elem (table {t}) (i32.const {off}) {body})")
            elif kind == "passive":
                parts.append(f"(elem {body})")
            else:
                parts.append(f"(elem declare {body})")
            elems.append((kind, t, len(items)))
        start = self.bulk(datas, elems, memories, pages, imported_memory)
        if start:
            parts.append("(func $start " + " ".join(start) + ") (start $start)")
        # Actions the script invokes after instantiation (and checks the
        # state after): segments used, dropped, used again.
        for i in range(r.choice([0, 0, 1, 2])):
            ops = self.bulk(datas, elems, memories, pages, imported_memory)
            parts.append(f'(func (export "act{i}") {" ".join(ops)})')
        return "(module " + " ".join(parts) + ")"

    def bulk(self, datas: int, elems: list, memories: int, pages: list, imported: bool) -> list:
        """``memory.init``/``data.drop``/``table.init``/``elem.drop`` of the
        module's segments, at offsets near each memory's end and 2^31."""
        r = self.r
        ops = []
        for i in range(datas):
            if memories and r.random() < 0.3:
                m = r.randrange(memories)
                size = 65536 * (1 if imported and m == 0 else pages[m - imported])
                at = r.choice([0, 4, 65530, max(size - 2, 0), _TWO_GIB])
                ops.append(
                    f"(memory.init {m} {i} (i32.const {at})"
                    f" (i32.const 0) (i32.const {r.choice([0, 1, 2])}))"
                )
            if r.random() < 0.3:
                ops.append(f"(data.drop {i})")
        for i, (_, t, n) in enumerate(elems):
            if r.random() < 0.3:
                ops.append(
                    f"(table.init {t} {i} (i32.const {r.choice([0, 1, 9])})"
                    f" (i32.const 0) (i32.const {r.choice([0, 1, n])}))"
                )
            if r.random() < 0.3:
                ops.append(f"(elem.drop {i})")
        return ops

    def sequence(self) -> list[str]:
        steps = [self.module() for _ in range(self.r.choice([2, 3, 4]))]
        if self.r.random() < 0.3:
            steps.append(self.r.choice(steps))  # the same module again
        return steps


def _binary(wat: str) -> bytes | None:
    """The module's binary, by refimpl's text parser in process (30 times
    faster than a ``wasm-tools parse`` process per module, measured; its
    encodings are the compact ones, e.g. element segments as function
    indices); None if it rejects the text."""
    try:
        return wat_to_binary(wat, _FEATURES)
    except RefimplError:
        return None


def per_step(lane: str) -> bool:
    """Lanes whose slots are reused between steps (``wasmtime[pooling=N]``):
    each step runs in a store of its own, dropped before the next, so a
    small pool hands the next module a slot the previous one used.  Script
    lanes keep a whole script's instances alive in one store."""
    return f"{POOLING}=" in lane


@dataclass
class _Run:
    """One script on some lanes: what it checked and what failed."""

    engines: list
    timeout: float
    converter: str
    figures: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def script(self, label: str, binaries: list[bytes], count: int, tmp: Path) -> bool:
        path = tmp / "sequence.wast"
        exported = export_modules(binaries, PROFILE)
        path.write_text(exported.text)
        if not exported.assertions:
            self.figures["scripts with nothing to check"] += 1
            return True
        self.figures["assertions"] += exported.assertions
        script = load_script(path, self.converter, PROFILE)
        options = SessionOptions(PROFILE, timeout=self.timeout)
        bad = [
            r
            for r in ScriptRunner(script, self.engines, options).run_all()
            if r.status is not Status.PASS or r.divergence
        ]
        self.figures["sequences"] += count
        self.figures["steps"] += len(binaries)
        if bad:
            self.figures["scripts with failures"] += 1
            self.failures.append(
                f"{label}: {bad[0].command.describe()}: {bad[0].divergence or ''}"
                f" {[(e.engine, str(e.outcome)) for e in bad[0].results]}"
            )
            name = f"sequence-failure-{label.replace(' ', '-')}.wast"
            (Path.cwd() / name).write_text(path.read_text())
        return not bad


def batches(sequences: int, seed: int, per_script: int, shard: tuple[int, int] = (0, 1)):
    """(label, steps, count) of this shard's batches; batch ``b`` is drawn
    from its own generator, so it is the same whichever shard runs it."""
    k, n = shard
    for b, first in enumerate(range(0, sequences, per_script)):
        if b % n != k:
            continue
        gen = _Gen(random.Random(f"{seed}:{first}"))
        count = min(per_script, sequences - first)
        label = f"seed {seed} sequences {first}-{first + count - 1}"
        yield label, [gen.sequence() for _ in range(count)], count


def campaign(
    sequences: int,
    seed: int,
    lanes: list[str],
    timeout: float = 60.0,
    per_script: int = 25,
    progress: bool = False,
    shard: tuple[int, int] = (0, 1),
    isolate: bool | None = None,
    converter: str = "auto",
) -> dict:
    """Run the scenarios, then ``sequences`` random sequences on every lane.
    Script lanes run ``per_script`` sequences one after another in one
    script (one store: a longer sequence, and one conversion and runner for
    many); per-step lanes (``per_step``) run each step in a store of its
    own beside ``refimpl``, which the probes compare them with."""
    names = tuple(engine_names(lanes))
    script_lanes = tuple(n for n in names if not per_step(n))
    step_lanes = tuple(n for n in names if per_step(n))
    if step_lanes and "refimpl" not in step_lanes:
        step_lanes = ("refimpl", *step_lanes)
    scripts = _Run(engines_for(script_lanes, isolate, timeout), timeout, converter)
    steps = _Run(engines_for(step_lanes, isolate, timeout), timeout, converter)
    started = time.monotonic()
    work = [(name, [steps_], 1) for name, steps_ in SCENARIOS.items()] if shard[0] == 0 else []
    work += list(batches(sequences, seed, per_script, shard))
    with tempfile.TemporaryDirectory() as tmp:
        for label, seqs, count in work:
            binaries = [[b for b in map(_binary, seq) if b is not None] for seq in seqs]
            ok = True
            if script_lanes:
                ok &= scripts.script(label, [b for seq in binaries for b in seq], count, Path(tmp))
            for i, seq in enumerate(binaries if step_lanes else []):
                for j, binary in enumerate(seq):
                    ok &= steps.script(f"{label} #{i} step {j}", [binary], 0, Path(tmp))
                steps.figures["sequences"] += 1
            if progress:  # with the figures so far: a run stopped early still reports
                figures = scripts.figures if script_lanes else steps.figures
                print(
                    f"{label}: {'ok' if ok else 'FAILED'} ({figures['sequences']} sequences,"
                    f" {figures['steps']} steps, {figures['assertions']} assertions,"
                    f" {figures['scripts with failures']} scripts with failures,"
                    f" {time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    result = {"lanes": list(names), "shard": list(shard), "failures": []}
    if script_lanes:
        result["script lanes"] = {"lanes": list(script_lanes), **scripts.figures}
    if step_lanes:
        result["per-step lanes"] = {"lanes": list(step_lanes), **steps.figures}
    result["failures"] = scripts.failures + steps.failures
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    try:
        shard = (int(k), int(n))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: write K/N, e.g. 0/2") from None
    if not 0 <= shard[0] < shard[1]:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: K must be in 0..N-1")
    return shard


DEFAULT_LANES = ["refimpl", "wasmtime"] + [
    f"refimpl[{m}]" for m in ("paged", "static", "functable", "cow", "pooled")
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.fuzz.sequences", description=__doc__)
    p.add_argument("--sequences", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--engine",
        action="append",
        help="lane (repeatable; default: refimpl, refimpl's modes, wasmtime); "
        "wasmtime[pooling=N] lanes run each step in a store of their own",
    )
    p.add_argument("--per-script", type=int, default=25, help="sequences per script lane script")
    p.add_argument("--shard", type=_shard, default=(0, 1), help="K/N: every Nth batch from K")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="run wasmtime lanes in this process (faster; a crash ends the campaign)",
    )
    p.add_argument("--converter", default="auto", help="script converter (as wasm-harness run)")
    p.add_argument("--json", type=Path, help="write the summary here")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    result = campaign(
        args.sequences,
        args.seed,
        args.engine or DEFAULT_LANES,
        per_script=args.per_script,
        progress=not args.quiet,
        shard=args.shard,
        isolate=False if args.in_process else None,
        converter=args.converter,
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(f"lanes: {', '.join(result['lanes'])} (shard {result['shard'][0]}/{result['shard'][1]})")
    for group in ("script lanes", "per-step lanes"):
        if group in result:
            print(f"  {group}: " + ", ".join(f"{k} {v}" for k, v in result[group].items()))
    print(f"  seconds: {result['seconds']}")
    for f in result["failures"][:20]:
        print(f"  FAILED {f}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
