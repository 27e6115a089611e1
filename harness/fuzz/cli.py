"""``wasm-harness fuzz CAMPAIGN``: every fuzz campaign, one entry point.

    wasm-harness fuzz differential --profile 3.0 --count 20000 [--engine refimpl
        --engine wasmtime] [--seed N] [--time S] [--shard K/N] [--out DIR] [--json F]
    wasm-harness fuzz executors|binary|text|script ...    wasm-harness fuzz init -- ARGS

Exits 1 if any item failed (a divergence, a stray exception, a hang).
Ctrl-C or SIGTERM stops it early, with the summary so far.
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
from pathlib import Path

from .campaign import Config, drive
from .campaigns import CAMPAIGNS, DELEGATED


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fuzz",
        help="run a fuzz campaign (differential, executors, binary, text, script, init)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("campaign", choices=[*CAMPAIGNS, *DELEGATED])
    p.add_argument("rest", nargs="*", help="for init: its own arguments, after --")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, help="items per profile (default 100 without --time)")
    p.add_argument("--time", type=float, help="seconds for the whole campaign")
    p.add_argument(
        "--engine",
        action="append",
        help="engines to compare (repeatable; default: refimpl and wasmtime)",
    )
    p.add_argument(
        "--profile",
        "--features",
        dest="profiles",
        action="append",
        help="a profile or feature description (repeatable; default 2.0)",
    )
    p.add_argument("--calls", type=int, default=2, help="calls of each export (default 2)")
    p.add_argument("--start", type=int, default=0, help="the first item (to resume)")
    p.add_argument("--shard", default="0/1", help="K/N: this process runs items K, K+N, ...")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per item or command")
    p.add_argument("--out", type=Path, help="where reproducers and reduced .wast files go")
    p.add_argument("--no-minimize", action="store_true", help="don't shrink divergences")
    p.add_argument("--json", type=Path, help="write the summary here")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    return p


def run(args) -> int:
    if args.campaign in DELEGATED:
        return importlib.import_module(DELEGATED[args.campaign]).main(args.rest)
    try:
        k, n = (int(x) for x in args.shard.split("/"))
        if not 0 <= k < n:
            raise ValueError
    except ValueError:
        print(f"--shard wants K/N with 0 <= K < N, not {args.shard!r}", file=sys.stderr)
        return 2
    config = Config(
        seed=args.seed,
        count=args.count if args.count is not None or args.time else 100,
        time=args.time,
        engines=tuple(args.engine or ("refimpl", "wasmtime")),
        profiles=tuple(args.profiles or ("2.0",)),
        calls=args.calls,
        out=args.out,
        minimize=not args.no_minimize,
        shard=(k, n),
        start=args.start,
        timeout=args.timeout,
        progress=not args.quiet,
    )
    # Ctrl-C, and SIGTERM (a background job ignores SIGINT), end the
    # campaign with its summary.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    summary = drive(args.campaign, CAMPAIGNS[args.campaign], config)
    text = json.dumps(summary, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    for profile, s in summary["profiles"].items():
        top = ", ".join(f"{o} {c}" for o, c in s["outcomes"].items())
        print(f"{args.campaign} [{profile}]: {s['items']} items in {s['seconds']} s "
              f"({s['per_second']}/s), {len(s['failures'])} failures; {top}")  # fmt: skip
        for f in s["failures"][:20]:
            print(
                f"  item {f['index']}: {f['outcome']}: {f['detail'][:300]} {' '.join(f['files'])}"
            )
    return 1 if summary["failures"] else 0
