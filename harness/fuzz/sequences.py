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
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import refimpl
from refimpl.errors import RefimplError
from refimpl.text import wat_to_binary

from ..engines import engine_names, engines_for
from ..engines.base import SessionOptions
from ..probes.export_wast import export_modules
from ..runner import ScriptRunner
from ..script import load_script
from ..status import Status

PROFILE = "2.0,+multi-memory"
_FEATURES = refimpl.Features.parse(PROFILE)

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
    # An i32 data offset >= 2^31 sign-extended.
    "wasmtime#7559 offset >= 2^31": [
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


# Memory sizes in pages: small ones, and one just over 2 GiB, the smallest
# in which an i32 offset at or beyond 2^31 is in bounds (wasmtime#7559 needs
# it; refimpl maps it lazily, wasmtime reserves it, probes read it sparsely).
HUGE_PAGES = 32769
_TWO_GIB = 0x80000000


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


def sequence_script(steps: list[str], path: Path) -> int:
    """Write the self-checking script of a sequence; its assertion count."""
    binaries = [b for b in map(_binary, steps) if b is not None]
    exported = export_modules(binaries, PROFILE)
    path.write_text(exported.text)
    return exported.assertions


def campaign(
    sequences: int,
    seed: int,
    lanes: list[str],
    timeout: float = 60.0,
    per_script: int = 25,
    progress: bool = False,
) -> dict:
    """Run the scenarios, then ``sequences`` random sequences on every lane,
    ``per_script`` of them one after another in one script (one store: a
    longer sequence, and one conversion and runner for many)."""
    names = tuple(engine_names(lanes))
    engines = engines_for(names, None, timeout)
    rng = random.Random(seed)
    gen = _Gen(rng)
    figures: Counter = Counter()
    failures: list[str] = []
    start = time.monotonic()
    work = [(name, steps, 1) for name, steps in SCENARIOS.items()]
    for first in range(0, sequences, per_script):
        count = min(per_script, sequences - first)
        steps = [step for _ in range(count) for step in gen.sequence()]
        work.append((f"seed {seed} sequences {first}-{first + count - 1}", steps, count))
    with tempfile.TemporaryDirectory() as tmp:
        for label, steps, count in work:
            path = Path(tmp) / "sequence.wast"
            assertions = sequence_script(steps, path)
            if not assertions:
                figures["sequences with nothing to check"] += 1
                continue
            figures["assertions"] += assertions
            script = load_script(path, "auto", PROFILE)
            runner = ScriptRunner(script, engines, SessionOptions(PROFILE, timeout=timeout))
            bad = [r for r in runner.run_all() if r.status is not Status.PASS or r.divergence]
            figures["sequences"] += count
            figures["steps"] += len(steps)
            if progress:
                print(
                    f"{label}: {'FAILED' if bad else 'ok'} ({figures['sequences']} sequences,"
                    f" {time.monotonic() - start:.0f} s)",
                    flush=True,
                )
            if bad:
                figures["scripts with failures"] += 1
                failures.append(
                    f"{label}: {bad[0].command.describe()}: {bad[0].divergence or ''}"
                    f" {[(e.engine, str(e.outcome)) for e in bad[0].results]}"
                )
                (Path.cwd() / f"sequence-failure-{figures['sequences']}.wast").write_text(
                    path.read_text()
                )
    figures["seconds"] = round(time.monotonic() - start, 1)
    return {"lanes": list(names), "figures": dict(figures), "failures": failures}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.fuzz.sequences", description=__doc__)
    p.add_argument("--sequences", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--engine",
        action="append",
        help="lane (repeatable; default: refimpl, refimpl's modes, wasmtime)",
    )
    args = p.parse_args(argv)
    lanes = args.engine or ["refimpl", "wasmtime"]
    result = campaign(
        args.sequences,
        args.seed,
        lanes
        + [
            f"refimpl[{m}]"
            for m in ("paged", "static", "functable", "cow", "pooled")
            if not args.engine
        ],
        progress=True,
    )
    print(f"lanes: {', '.join(result['lanes'])}")
    for k, v in result["figures"].items():
        print(f"  {k}: {v}")
    for f in result["failures"][:20]:
        print(f"  FAILED {f}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
