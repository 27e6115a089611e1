"""``wasm-harness preinit``: snapshot pre-initialization (Wizer semantics).

    wasm-harness preinit IN.wasm -o OUT.wasm [--init-func NAME] [--rename DST=SRC ...]
                         [--keep-init-func] [--no-init-func] [--profile 2.0] [--check]

Instantiates IN.wasm on refimpl with trapping stand-ins for its imported
functions, runs its start function and the init function, and writes a
module that starts in the resulting state (``refimpl.preinit``).  Exits 1
with the reason when a faithful snapshot is impossible, 2 on usage errors.
``--check`` also compares the snapshot with the run it stands for
(``harness.preinit.check``: state, then calls of every export) and exits 1
on a divergence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refimpl.preinit import DEFAULT_INIT_FUNC, Refused, preinitialize_module
from refimpl.preinit.api import load_input, resolve_features

from .outputs import unwritable
from .preinit.check import check_module


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "preinit",
        help="pre-initialize a module: run its init function and snapshot the state (Wizer)",
        description=__doc__.split("\n\n")[2].replace("\n", " "),
    )
    p.add_argument("input", type=Path, help="the module to pre-initialize (.wasm)")
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the snapshot")
    p.add_argument(
        "--init-func",
        default=DEFAULT_INIT_FUNC,
        metavar="NAME",
        help=f"the exported init function (default: {DEFAULT_INIT_FUNC})",
    )
    p.add_argument(
        "--no-init-func",
        action="store_true",
        help="call no init function: snapshot right after instantiation (the start function)",
    )
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="DST=SRC",
        help="rename the function export SRC to DST, replacing any export DST (repeatable)",
    )
    p.add_argument("--keep-init-func", action="store_true", help="keep exporting the init function")
    p.add_argument("--profile", default="2.0", help="feature profile (default: 2.0)")
    p.add_argument("-v", "--verbose", action="store_true", help="print what the snapshot writes")
    p.add_argument(
        "--check",
        action="store_true",
        help="compare the snapshot with the original run (state, then calls of every export)",
    )
    return p


def run(args) -> int:
    try:
        features = resolve_features(args.profile)
    except ValueError as exc:
        print(f"wasm-harness preinit: {exc}", file=sys.stderr)
        return 2
    try:
        binary = args.input.read_bytes()
    except OSError as exc:
        print(f"wasm-harness preinit: cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    problem = unwritable(args.output)  # before the work, not after it
    if problem:
        print(f"wasm-harness preinit: -o {args.output}: {problem}", file=sys.stderr)
        return 2
    init = None if args.no_init_func else args.init_func
    try:
        module = load_input(binary, features)
        result = preinitialize_module(module, features, init, args.rename, args.keep_init_func)
    except Refused as exc:
        print(f"wasm-harness preinit: {exc}", file=sys.stderr)
        return 1
    args.output.write_bytes(result.binary)
    if args.verbose:
        print(
            f"{args.output}: {len(result.binary)} bytes; {result.data_segments} data segments "
            f"({result.memory_bytes} bytes), {result.elem_segments} element segments"
        )
    if args.check:
        checked = check_module(
            module, features, init, renames=args.rename, keep_init=args.keep_init_func
        )
        for divergence in checked.divergences:
            print(f"wasm-harness preinit: divergence: {divergence}", file=sys.stderr)
        if not checked.ok:
            return 1
        print(f"{args.output}: checked, {checked.calls} later calls agree")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wasm-harness")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
