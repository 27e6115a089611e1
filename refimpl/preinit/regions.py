"""Which parts of a memory (or a table) a snapshot must write.

A fresh instance of the snapshot starts with zeroed memories, so only the
non-zero bytes need data segments.  Each segment costs a few bytes of
encoding (flags, an offset expression, a length) and some work at
instantiation, so runs separated by a short gap of zeros are merged; then,
while there are more runs than a target (the input's own segment count: a
snapshot should not need more segments than its module had), runs
separated by *near* gaps (at most ``NEAR_GAP`` zeros) are merged smallest
gap first; and whatever the gaps, never more than a hard cap (runtimes
reject modules with more than ``SEGMENT_LIMIT`` data segments).
"""

from __future__ import annotations

import re

# Runs separated by fewer zero bytes than this are merged: a segment's own
# overhead (flags, i32.const, a LEB128 offset, end, a length) is about this.
MIN_GAP = 8
# Data (and element) segments wasm-tools and wasmtime accept in one module.
SEGMENT_LIMIT = 100_000
# At most this many segments of snapshot contents by default (the rest get
# merged), leaving room for the input's own segments under ``SEGMENT_LIMIT``.
MAX_SEGMENTS = 10_000
# To reach the target count, gaps up to this many zero bytes are written
# inline; larger ones would grow the module more than a segment costs.
NEAR_GAP = 4096

_NONZERO = re.compile(rb"[^\x00]+")


def nonzero_runs(data) -> list[tuple[int, int]]:
    """``(start, end)`` of every maximal run of non-zero bytes."""
    return [m.span() for m in _NONZERO.finditer(data)]


def merge_runs(
    runs: list[tuple[int, int]], min_gap: int = MIN_GAP, max_count: int = MAX_SEGMENTS
) -> list[tuple[int, int]]:
    """Merge runs whose gap is below ``min_gap``, then, while more than
    ``max_count`` remain, those with the smallest gaps."""
    if not runs:
        return []
    merged = [runs[0]]
    for start, end in runs[1:]:
        last_start, last_end = merged[-1]
        if start - last_end < min_gap:
            merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
    excess = len(merged) - max(max_count, 1)
    if excess <= 0:
        return merged
    gaps = sorted(range(1, len(merged)), key=lambda i: (merged[i][0] - merged[i - 1][1], i))
    join = set(gaps[:excess])  # merge run i into run i - 1
    out = [merged[0]]
    for i in range(1, len(merged)):
        if i in join:
            out[-1] = (out[-1][0], merged[i][1])
        else:
            out.append(merged[i])
    return out


def merge_to_target(
    runs: list[list[tuple[int, int]]], target: int, cap: int, near_gap: int = NEAR_GAP
) -> list[list[tuple[int, int]]]:
    """Merge runs of several memories (one list each) so that their total is
    at most ``target`` using gaps up to ``near_gap`` only, and at most
    ``cap`` using any gap (smallest gaps first in both cases).  A memory
    with runs keeps at least one."""
    out = [list(r) for r in runs]
    for limit, widest in ((target, near_gap), (cap, None)):
        excess = sum(map(len, out)) - max(limit, sum(1 for r in out if r))
        if excess <= 0:
            continue
        gaps = sorted(
            (r[i][0] - r[i - 1][1], m, i)
            for m, r in enumerate(out)
            for i in range(1, len(r))
            if widest is None or r[i][0] - r[i - 1][1] <= widest
        )
        join = {(m, i) for _, m, i in gaps[:excess]}
        for m, r in enumerate(out):
            merged = r[:1]
            for i in range(1, len(r)):
                if (m, i) in join:
                    merged[-1] = (merged[-1][0], r[i][1])
                else:
                    merged.append(r[i])
            out[m] = merged
    return out


def present_runs(entries: list, absent) -> list[tuple[int, int]]:
    """``(start, end)`` of every maximal run of entries that are not ``absent``."""
    runs = []
    start = None
    for i, e in enumerate(entries):
        if e is absent:
            if start is not None:
                runs.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        runs.append((start, len(entries)))
    return runs
