"""Benchmarks: ``python -m benchmarks [--repeat N] [--only NAME] [--no-suite]``
(``--only init``: instantiation under refimpl's init modes, ``init_modes.py``;
``--only corpus``: decode, validate, instantiate real modules, ``corpus.py``;
``--only programs``: real programs of the corpus over 1 MiB, ``programs.py``;
both measure the OCaml spec interpreter side by side when ``SPEC_WASM``
names one, ``spec_interp.py``).

Each figure is the median of several runs, measured in this run for every
runtime that can run the kernel: refimpl's compiled fast path, its plain
interpreter, and pywasm (the pure-Python peer; ``pip install pywasm``).
Slow runtimes run a smaller size of a kernel and are scaled to the full size
(marked ``*``): time per unit of work is what is compared.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import wasmtime

import refimpl

from .kernels import KERNELS, Kernel, data_heavy_module

FEATURES = refimpl.Features.profile("2.0")
REPO = Path(__file__).resolve().parent.parent


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- runtimes -------------------------------------------------------------------


def refimpl_runner(executor: str):
    def prepare(binary: bytes, profile: str = "2.0"):
        features = refimpl.Features.profile(profile)
        store = refimpl.Store(features, executor_name=executor)
        inst = refimpl.instantiate(store, refimpl.load(binary, features), {})
        run = inst.exports["run"]
        return lambda size: store.invoke(run, [size])

    return prepare


def pywasm_runner():
    try:
        import pywasm
    except ImportError:
        return None

    def prepare(binary: bytes, profile: str = "2.0"):
        runtime = pywasm.core.Runtime()
        module = runtime.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(binary)))
        return lambda size: runtime.invocate(module, "run", [size])

    return prepare


def measure_kernel(kernel: Kernel, prepare, size: int, repeat: int) -> float:
    binary = wasmtime.wat2wasm(kernel.wat)
    run = prepare(binary, kernel.profile)
    run(min(size, kernel.small))  # warm up: compile, first-call costs
    seconds = median_time(lambda: run(size), repeat)
    return seconds * kernel.size / size


# -- report -------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per figure (kernels: the median of 5; corpus: the best of 3)",
    )
    parser.add_argument("--only", action="append", help="substring of benchmark names to run")
    parser.add_argument("--no-suite", action="store_true", help="skip the wasm-2.0 suite run")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument(
        "--modules",
        type=Path,
        action="append",
        default=[],
        help="--only corpus: more .wasm files or directories of them, measured after the corpus",
    )
    args = parser.parse_args(argv)
    if args.only and any(o.startswith("init") for o in args.only):
        from . import init_modes  # instantiation under refimpl's init modes

        return init_modes.main(["--repeat", str(args.repeat or 5)])
    if args.only and "programs" in args.only:
        from . import programs  # real programs of the corpus

        return programs.main(args.corpus)
    if args.only and "corpus" in args.only:
        from . import corpus  # decode, validate, instantiate real modules

        return corpus.main(args.corpus, modules=args.modules, repeat=args.repeat or 3)

    repeat = args.repeat or 5
    runtimes = {
        "refimpl (fast)": refimpl_runner("compiled"),
        "refimpl (interp.)": refimpl_runner("interpreter"),
    }
    pywasm = pywasm_runner()
    if pywasm is not None:
        runtimes["pywasm"] = pywasm
    else:
        print("pywasm is not installed: `pip install pywasm` to measure it too\n")
    full_size_runtimes = {"refimpl (fast)"}

    rows = []
    for kernel in KERNELS:
        if args.only and not any(o in kernel.name for o in args.only):
            continue
        row = {"benchmark": kernel.name}
        for name, prepare in runtimes.items():
            size = kernel.size if name in full_size_runtimes else kernel.small
            try:
                seconds = measure_kernel(kernel, prepare, size, repeat)
            except Exception as exc:  # a runtime that can't run this kernel
                row[name] = f"n/a ({type(exc).__name__})"
                continue
            row[name] = f"{seconds:8.3f} s" + ("*" if size != kernel.size else "")
            row[f"_{name}"] = seconds
        rows.append(row)
        print_row(row, runtimes)
    if not args.only or any("instantiat" in o for o in args.only):
        rows.append(instantiation_row(runtimes, repeat))
        print_row(rows[-1], runtimes)
    if not args.no_suite and not args.only:
        suite_figures()
    return 0


def print_row(row: dict, runtimes: dict) -> None:
    if not getattr(print_row, "header", False):
        cols = (
            ["benchmark".ljust(40)] + [n.rjust(20) for n in runtimes] + ["pywasm / fast".rjust(14)]
        )
        print(" ".join(cols))
        print("-" * (41 + 21 * len(runtimes) + 15))
        print_row.header = True
    cells = [row["benchmark"].ljust(40)] + [str(row.get(n, "")).rjust(20) for n in runtimes]
    fast, peer = row.get("_refimpl (fast)"), row.get("_pywasm")
    cells.append(f"{peer / fast:13.1f}x" if fast and peer else "".rjust(14))
    print(" ".join(cells), flush=True)


def instantiation_row(runtimes: dict, repeat: int) -> dict:
    """Decode, validate and instantiate a module with 16 MiB of data in 1,000 segments."""
    binary = data_heavy_module(16 * 1024 * 1024, 1000)
    row = {"benchmark": "instantiate 16 MiB data, 1000 segments"}
    for name in runtimes:
        if name.startswith("refimpl"):
            executor = "compiled" if "fast" in name else "interpreter"

            def go(executor=executor):
                store = refimpl.Store(FEATURES, executor_name=executor)
                refimpl.instantiate(store, refimpl.load(binary, FEATURES), {})

        else:
            import pywasm

            def go():
                rt = pywasm.core.Runtime()
                rt.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(binary)))

        try:
            seconds = median_time(go, repeat)
        except Exception as exc:
            row[name] = f"n/a ({type(exc).__name__})"
            continue
        row[name] = f"{seconds:8.3f} s"
        row[f"_{name}"] = seconds
    return row


def suite_figures() -> None:
    """The whole wasm-2.0 suite through the harness (CLI, and pytest -n 2)."""
    env = dict(os.environ)
    commands = {
        "wasm-harness run --suite wasm-2.0 --engine refimpl -j 2": [
            sys.executable, "-m", "harness.cli", "run", "--suite", "wasm-2.0",
            "--engine", "refimpl", "-j", "2",
        ],
        "pytest spectests --engine refimpl --suite wasm-2.0 -n 2": [
            sys.executable, "-m", "pytest", "spectests", "-q", "-p", "no:cacheprovider",
            "--engine", "refimpl", "--suite", "wasm-2.0", "-n", "2",
        ],
    }  # fmt: skip
    print()
    for label, argv in commands.items():
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"{label}: {seconds:.1f} s wall, exit {proc.returncode}: {last}")


if __name__ == "__main__":
    sys.exit(main())
