"""``wasm-harness export-wast``: self-checking scripts of the probes' checks
(``export_wast``), from .wast scripts (their modules) or .wasm modules."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ..script import ConversionError, load_script
from ..script.commands import ModuleCommand
from .export_wast import export_modules


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export-wast",
        help="write self-checking .wast scripts of the state refimpl leaves after instantiation",
    )
    p.add_argument("paths", nargs="+", type=Path, help=".wast scripts, .wasm modules or folders")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to write into")
    p.add_argument("--profile", default="2.0", help="feature profile (default: 2.0)")


def _inputs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out += sorted([*p.glob("*.wast"), *p.glob("*.wasm")]) if p.is_dir() else [p]
    return out


def run(args: argparse.Namespace) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    inputs = _inputs(args.paths)
    modules = [p for p in inputs if p.suffix == ".wasm"]
    jobs: list[tuple[str, list[bytes]]] = [("modules", [p.read_bytes() for p in modules])]
    failed = 0
    for path in (p for p in inputs if p.suffix != ".wasm"):
        try:
            script = load_script(path, "auto", args.profile)
        except ConversionError as exc:
            print(f"{path}: {exc.message}", file=sys.stderr)
            failed += 1
            continue
        binaries = [
            c.module.binary
            for c in script.commands
            if isinstance(c, ModuleCommand) and c.module.binary and not c.definition_only
        ]
        jobs.append((path.stem, binaries))
    totals, skipped, files = Counter(), Counter(), 0
    for stem, binaries in jobs:
        if not binaries:
            continue
        exported = export_modules(binaries, args.profile)
        if not exported.assertions:
            skipped.update(exported.skipped)
            continue
        (args.output / f"{stem}.wast").write_text(exported.text)
        files += 1
        totals["modules"] += exported.modules
        totals["assertions"] += exported.assertions
        skipped.update(exported.skipped)
    print(
        f"{files} scripts written to {args.output}: {totals['modules']} modules, "
        f"{totals['assertions']} assertions"
    )
    for reason, n in skipped.most_common():
        print(f"  skipped {n}: {reason}")
    return 1 if failed else 0
