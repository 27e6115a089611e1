"""Instantiation under refimpl's init modes: ``python -m benchmarks.init_modes``
(also ``python -m benchmarks --only init``).

Modules with 1, 16 and 64 MiB of initialised data in 1,000 active segments
(spread over a memory twice that size: ``kernels.data_heavy_module``) are
decoded and validated once, then instantiated many times per mode.  A mode's
per-module work (images, plans) is cached on the decoded module, so the first
instantiation under a mode ("cold") is reported apart from the later ones
("warm", the median of ``--repeat``).  A mode that falls back for a module
(``static``'s density rule: an image must be smaller than twice its data or
than 1 MiB) is marked ``*``: its figures are then the reference path's.

Checked (``--check`` makes a miss the exit status): ``cow`` is flat in the
image size (warm at 64 MiB within 3x of warm at 1 MiB), and ``static`` and
``cow`` are at least 10x faster than ``segmented`` at 64 MiB (warm).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import refimpl
from refimpl.init import make_mode

from .kernels import data_heavy_module

FEATURES = refimpl.Features.profile("2.0")
SIZES_MIB = (1, 16, 64)
SEGMENTS = 1000
MODES = ("segmented", "static", "cow")


def instantiate_once(module, mode) -> float:
    start = time.perf_counter()
    inst = refimpl.instantiate(refimpl.Store(FEATURES), module, {}, init=mode)
    seconds = time.perf_counter() - start
    del inst  # give the memory back before the next run
    gc.collect()
    return seconds


def measure(size_mib: int, modes, repeat: int) -> dict:
    binary = data_heavy_module(size_mib << 20, SEGMENTS)
    start = time.perf_counter()
    module = refimpl.load(binary, FEATURES)
    row = {"size": size_mib, "load": time.perf_counter() - start}
    for name in modes:
        mode = make_mode(name)
        cold = instantiate_once(module, mode)
        warm = statistics.median(instantiate_once(module, mode) for _ in range(repeat))
        stats = getattr(mode, "stats", None)
        if stats is not None and stats.fallbacks:
            row.setdefault("fallbacks", []).append(f"{name} at {size_mib} MiB: {stats}")
            name += "*"
        row[name.rstrip("*")] = (cold, warm, name.endswith("*"))
    return row


def checks(rows: list[dict], modes) -> list[tuple[str, bool]]:
    by_size = {r["size"]: r for r in rows}
    out = []
    if "cow" in modes and {1, 64} <= set(by_size):
        ratio = by_size[64]["cow"][1] / by_size[1]["cow"][1]
        out.append((f"cow flat in the image size: warm 64 MiB / 1 MiB = {ratio:.2f}x", ratio < 3))
    if 64 in by_size and "segmented" in modes:
        seg = by_size[64]["segmented"][1]
        for name in ("static", "cow"):
            if name in modes:
                speedup = seg / by_size[64][name][1]
                out.append((f"{name} vs segmented at 64 MiB: {speedup:.0f}x faster", speedup >= 10))
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.init_modes", description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="warm runs per figure (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES_MIB), help="MiB")
    parser.add_argument("--modes", nargs="+", default=list(MODES))
    parser.add_argument("--check", action="store_true", help="exit 1 if a check fails")
    args = parser.parse_args(argv)

    print(f"instantiation, {SEGMENTS} data segments, times in ms (warm: median of {args.repeat})")
    header = f"{'data':>7} {'decode+validate':>16}"
    for name in args.modes:
        header += f" {name + ' cold':>16} {name + ' warm':>16}"
    print(header)
    rows = []
    for size in args.sizes:
        row = measure(size, args.modes, args.repeat)
        rows.append(row)
        line = f"{size:>4} MiB {ms(row['load']):>16}"
        for name in args.modes:
            cold, warm, fell_back = row[name]
            mark = "*" if fell_back else " "
            line += f" {ms(cold) + mark:>16} {ms(warm) + mark:>16}"
        print(line, flush=True)
    for row in rows:
        for note in row.get("fallbacks", []):
            print(f"* fell back to segment by segment: {note}")
    failed = False
    for text, ok in checks(rows, args.modes):
        print(f"{'ok  ' if ok else 'MISS'} {text}")
        failed |= not ok
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
