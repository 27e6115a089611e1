"""Which parts of a large buffer may hold anything but zeros.

A memory of 2 GiB or more (what an i32 data offset at or beyond 2^31 needs
to be in bounds) is a mapping whose untouched pages the OS has not
allocated.  Reading all of it to digest it costs seconds (every page faults
in, measured ~7 s for 2 GiB here), and campaigns digest memories after
every step.  ``mincore`` says which pages are resident; a page that is not
resident in an anonymous or shared-memory mapping is a zero page never
written, so readers skip it and read only what was written: the cost is
the data, not the size.  Where ``mincore`` is missing, the buffer can't be
addressed, or the buffer is small, every chunk is a candidate.

Only sound without swap (a swapped-out page holds data but is not
resident), so it is used only on Linux with no swap configured
(``/proc/swaps`` lists none); anywhere else every chunk is read.  A
private mapping of a file on disk (refimpl's ``cow`` images) may still
have evicted pages that hold data: such a page reads as zero on that side
only, a false difference that a reader re-checks, never a hidden one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
from collections.abc import Iterator

# Below this size a buffer is read whole: cheaper than asking the kernel.
SPARSE_BYTES = 64 << 20
_PAGE = mmap.PAGESIZE


def _mincore():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.mincore
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    fn.restype = ctypes.c_int
    return fn


def _no_swap() -> bool:
    """True on Linux with no swap area: then a non-resident page of an
    anonymous mapping was never written."""
    try:
        with open("/proc/swaps") as f:
            return len(f.read().strip().splitlines()) <= 1  # the header only
    except OSError:
        return False


_MINCORE = _mincore() if _no_swap() else None


def _address(buffer) -> int | None:
    """The address of a writable buffer's first byte, or None."""
    try:
        view = (ctypes.c_char * 1).from_buffer(buffer)
    except (TypeError, ValueError, BufferError):
        return None
    try:
        return ctypes.addressof(view)
    finally:
        del view  # release the export: an mmap with one can't be resized


def resident_pages(buffer) -> bytes | None:
    """One byte per OS page of ``buffer``, non-zero where the page is
    resident; None where that can't be asked."""
    if _MINCORE is None:
        return None
    address = _address(buffer)
    if address is None:
        return None
    start = address - address % _PAGE
    length = address + len(buffer) - start
    vec = ctypes.create_string_buffer((length + _PAGE - 1) // _PAGE)
    if _MINCORE(start, length, vec) != 0:
        return None
    raw = vec.raw
    # Only the low bit is defined; Linux sets no other, so translating is
    # rarely needed.
    return raw if not raw.strip(b"\0\1") else raw.translate(_LOW_BIT)


_LOW_BIT = bytes(i & 1 for i in range(256))


def candidate_chunks(buffer, chunk: int) -> Iterator[int]:
    """Offsets of the ``chunk``-sized pieces of ``buffer`` that may hold a
    non-zero byte (all of them unless the buffer is large and sparse)."""
    size = len(buffer)
    pages = resident_pages(buffer) if size >= SPARSE_BYTES and chunk % _PAGE == 0 else None
    if pages is None:
        yield from range(0, size, chunk)
        return
    skew = (_address(buffer) or 0) % _PAGE  # 0 for mappings, which start on a page
    page = pages.find(1)
    while page != -1:  # from one resident page to the next, skipping the rest
        offset = max(page * _PAGE - skew, 0) // chunk * chunk
        if offset >= size:
            return
        yield offset
        page = pages.find(1, (offset + chunk + skew) // _PAGE)
