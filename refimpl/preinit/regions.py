"""Which parts of a memory (or a table) a snapshot must write.

A fresh instance of the snapshot starts with zeroed memories, so only the
non-zero bytes need data segments.  Each segment costs a few bytes of
encoding (flags, an offset expression, a length) and some work at
instantiation, so runs separated by a short gap of zeros are merged, and
when there are still more runs than the cap allows, the runs separated by
the smallest gaps are merged first until the count fits.
"""

from __future__ import annotations

import re

# Runs separated by fewer zero bytes than this are merged: a segment's own
# overhead (flags, i32.const, a LEB128 offset, end, a length) is about this.
MIN_GAP = 8
# At most this many data segments per snapshot (wasmtime, for one, has a
# limit on segment counts; the rest get merged).
MAX_SEGMENTS = 10_000

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
