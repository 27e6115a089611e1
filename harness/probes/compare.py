"""Compare two engines' states of one instance; find and describe differences.

Memories are compared by digest; only when digests differ are the engines
asked for per-page digests and then for the first differing page's bytes,
so the report can name the first differing offset and the bytes around it.
A function one engine cannot identify is compared as "some function"
(non-null) and counted, never reported as a divergence by itself.
"""

from __future__ import annotations

from ..differential import Divergence, Figures
from ..values import Value, format_value
from .state import CHUNK, GC_ENTRY_KINDS, SPECTEST, Entry, InstanceState, MemoryState, format_entry

WINDOW = 16  # bytes shown around a memory difference


def _entries_agree(a: Entry, b: Entry) -> tuple[bool, bool]:
    """(agree, identity unknown): functions one engine can't identify agree
    as long as both are functions."""
    if a is None or b is None:
        return a is b, False
    if ("any",) in (a, b) and {a[0], b[0]} <= {"any", *GC_ENTRY_KINDS}:
        return True, True  # an engine that reads no GC reference: kind only
    if a[0] == b[0] in GC_ENTRY_KINDS and (len(a) == 1 or len(b) == 1):
        return True, True  # the same kind; one engine can't read contents
    if a[0] != b[0]:
        return False, False
    if a[0] == "func" and (a[1] is None or b[1] is None):
        return True, True
    if a[0] == "extern" and (a[1] is None or b[1] is None):
        return True, True
    return a == b, False


def compare_instance(
    handle: str,
    label: str,
    a_name: str,
    a_session,
    sa: InstanceState,
    b_name: str,
    b_session,
    sb: InstanceState,
    figures: Figures,
) -> list[Divergence]:
    """Differences between two engines' states of instance ``handle``
    (``label`` names it in reports)."""
    engines = (a_name, b_name)
    out: list[Divergence] = []
    skip = set(sa.unreadable) | set(sb.unreadable)
    figures.items_unreadable += len(skip)

    def pairs(kind: str, mine: dict, theirs: dict):
        """(key, a's item, b's item) of every readable item both have; an
        item only one has is a divergence (except in the host modules,
        which differ in what they offer: imports decide)."""
        for key in sorted(set(mine) | set(theirs), key=_order):
            if f"{kind} {key}" in skip:
                continue
            a, b = mine.get(key), theirs.get(key)
            if a is not None and b is not None:
                yield key, a, b
            elif handle != SPECTEST:
                has = a_name if b is None else b_name
                out.append(Divergence(engines, kind, f"only {has} has it", f"{label} {kind} {key}"))

    for key, ma, mb in pairs("memory", sa.memories, sb.memories):
        figures.memories_compared += 1
        figures.memory_bytes_compared += max(ma.size, mb.size)
        if ma != mb:
            detail = _memory_difference(handle, key, engines, ma, mb, a_session, b_session)
            out.append(Divergence(engines, "memory", detail, f"{label} memory {key}"))

    for key, ta, tb in pairs("table", sa.tables, sb.tables):
        diffs = []
        for slot, (ea, eb) in enumerate(zip(ta.entries, tb.entries, strict=False)):
            figures.table_entries_compared += 1
            agree, unknown = _entries_agree(ea, eb)
            figures.table_entries_unidentified += unknown
            if not agree:
                diffs.append((slot, ea, eb))
        parts = []
        if ta.size != tb.size:
            parts.append(f"size {a_name} {ta.size}, {b_name} {tb.size}")
        if diffs:
            slot, ea, eb = diffs[0]
            more = f" ({len(diffs)} slots differ)" if len(diffs) > 1 else ""
            parts.append(
                f"slot {slot}: {a_name} {format_entry(ea)}, {b_name} {format_entry(eb)}{more}"
            )
        if parts:
            out.append(Divergence(engines, "table", "; ".join(parts), f"{label} table {key}"))

    for key, ga, gb in pairs("global", sa.globals, sb.globals):
        figures.globals_compared += 1
        if isinstance(ga.value, tuple | None) or isinstance(gb.value, tuple | None):
            agree, unknown = _entries_agree(_as_entry(ga.value), _as_entry(gb.value))
            if unknown:
                figures.extra["global_refs_unidentified"] = (
                    figures.extra.get("global_refs_unidentified", 0) + 1
                )
        else:
            agree = ga.value == gb.value
        if not agree:
            detail = f"{a_name} {_format_global(ga)}, {b_name} {_format_global(gb)}"
            out.append(Divergence(engines, "global", detail, f"{label} global {key} ({ga.type})"))
    return out


def _as_entry(v) -> Entry:
    return v if isinstance(v, tuple) or v is None else ("number", v)


def _format_global(g) -> str:
    if isinstance(g.value, int):
        try:
            return format_value(Value(g.type, g.value))
        except (KeyError, ValueError):
            return f"{g.type} 0x{g.value:x}"
    return format_entry(g.value)


def _order(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _memory_difference(handle, key, engines, ma: MemoryState, mb: MemoryState, sa, sb) -> str:
    a_name, b_name = engines
    parts = []
    if ma.size != mb.size:
        parts.append(
            f"size {a_name} {ma.size} bytes ({ma.size // 65536} pages), "
            f"{b_name} {mb.size} bytes ({mb.size // 65536} pages)"
        )
    ca = sa.memory_chunks(handle, key, CHUNK)
    cb = sb.memory_chunks(handle, key, CHUNK)
    if not isinstance(ca, list) or not isinstance(cb, list):
        why = ca if not isinstance(ca, list) else cb
        parts.append(f"digests differ ({ma.digest} vs {mb.digest}); no bytes to show: {why}")
        return "; ".join(parts)
    differing = [i for i in range(min(len(ca), len(cb))) if ca[i] != cb[i]]
    if not differing:
        return "; ".join(parts) or f"digests differ ({ma.digest} vs {mb.digest})"
    page = differing[0]
    start = page * CHUNK
    ba = sa.read_memory(handle, key, start, CHUNK)
    bb = sb.read_memory(handle, key, start, CHUNK)
    if not isinstance(ba, bytes | bytearray) or not isinstance(bb, bytes | bytearray):
        parts.append(f"page {page} differs; its bytes could not be read")
        return "; ".join(parts)
    n = min(len(ba), len(bb))
    first = next((i for i in range(n) if ba[i] != bb[i]), n)
    count = sum(1 for i in range(n) if ba[i] != bb[i])
    lo = max(0, first - first % WINDOW)
    hi = min(n, lo + WINDOW)
    offset = start + first
    pages = f" in {len(differing)} pages" if len(differing) > 1 else ""
    parts.append(
        f"first differing byte at offset {offset} (0x{offset:x}); bytes 0x{start + lo:x}.."
        f"0x{start + hi - 1:x}: {a_name} [{ba[lo:hi].hex(' ')}], {b_name} [{bb[lo:hi].hex(' ')}]"
        f"; {count} bytes differ in page {page}{pages}"
    )
    return "; ".join(parts)
