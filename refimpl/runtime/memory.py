"""Memory instances (spec 4.2.8) and their backing buffers.

A memory's bytes live in a ``bytearray`` while small, and in an anonymous
``mmap`` once large, whose pages the OS allocates only when touched: a module
declaring 4 GiB costs nothing until it writes.  Growing keeps the buffer
object where it can; executors re-read ``MemInst.data`` after any call or
``memory.grow``, since an init mode (copy-on-write images) or a switch of
backing may replace it.
"""

from __future__ import annotations

import mmap

from ..errors import Exhaustion
from ..syntax.types import MemType

# Above this many bytes a memory is backed by an anonymous mapping.
EAGER_BYTES = 16 * 1024 * 1024


def anonymous(nbytes: int) -> mmap.mmap:
    """Zero pages the OS allocates when touched.  Private, not the default
    shared mapping: growing a shared anonymous mapping in place leaves the
    new pages unbacked, and touching them is a SIGBUS."""
    return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def zeroed(nbytes: int):
    """A zero-filled buffer of ``nbytes``."""
    if nbytes <= EAGER_BYTES:
        return bytearray(nbytes)
    return anonymous(nbytes)


def _allocated(pages: int, page_size: int):
    """A new memory's zero pages; a size the machine can't map (a 64-bit
    minimum, say) is the resource exhaustion the spec allows allocation to
    end in, not a Python error."""
    try:
        return zeroed(pages * page_size)
    except (MemoryError, OSError, OverflowError, ValueError):
        raise Exhaustion(f"out of memory: cannot allocate a memory of {pages} pages") from None


class MemInst:
    """Sizes are in the memory's own pages (64 KiB, or 1 byte with custom
    page sizes): ``page_log2`` is the shift from bytes to pages."""

    __slots__ = ("data", "max_pages", "page_log2", "type")

    def __init__(self, mtype: MemType, data=None):
        self.type = mtype
        self.page_log2 = mtype.page_log2
        limit = mtype.page_limit  # the spec's own maximum is the implementation's
        declared = mtype.limits.max
        self.max_pages = limit if declared is None else min(declared, limit)
        self.data = _allocated(mtype.limits.min, mtype.page_size) if data is None else data

    @property
    def pages(self) -> int:
        return len(self.data) >> self.page_log2

    def grow(self, delta: int) -> int:
        """``memory.grow`` (spec 4.4.7): the old size in pages, or -1 (as
        the unsigned value the caller wraps) if the memory can't grow."""
        old = self.pages
        new = old + delta
        if new > self.max_pages:
            return -1
        try:
            self.data = _grown(self.data, new << self.page_log2)
        except (MemoryError, OSError, OverflowError, ValueError):
            return -1
        return old

    def __repr__(self) -> str:
        return f"<memory {self.pages} pages, max {self.max_pages}>"


def _grown(buf, nbytes: int):
    if isinstance(buf, bytearray):
        if nbytes <= EAGER_BYTES:
            buf.extend(bytes(nbytes - len(buf)))
            return buf
        bigger = anonymous(nbytes)
        bigger[: len(buf)] = buf
        return bigger
    if isinstance(buf, mmap.mmap):
        try:
            buf.resize(nbytes)  # anonymous mappings grow in place
            return buf
        except (SystemError, OSError, TypeError):
            pass  # a file-backed copy-on-write image: copy into a new mapping
    bigger = zeroed(nbytes)
    bigger[: len(buf)] = buf
    return bigger
