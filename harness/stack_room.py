"""Run a long-lived loop on a stack chunk with room, for CPython 3.11.

CPython 3.11 and 3.12 keep Python frames in chunks of 16 KiB, mapped when a
call needs a new one and unmapped when the frame that opened it returns.  A
loop whose calls cross a chunk's end maps and unmaps a chunk on every call
(python/cpython#142183; 3.13 and later keep one spare chunk): measured here,
a call at that depth costs 8 us instead of 0.02 us.  The harness runs every
command a few frames deeper than the last, from the same depth each time,
so where a chunk ends inside a command's calls, every command pays for it:
``strace -c`` of the init-mode run over pre-bulk-memory counted 578,000
``mmap`` and ``munmap`` calls for 20,945 commands, a third of its time in
the kernel.

``with_stack_room(call)`` calls ``call()`` from a frame so large that it
opens a chunk of its own, of 512 KiB, and leaves most of it free: the
frames of everything ``call`` runs fit in it, and it is unmapped only when
``call`` returns.  The size comes from the frame's operand-stack reserve
(``co_stacksize``), which CPython sets aside but does not initialise, so
the call costs one mapping, once per run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Frame slots (8 bytes each) reserved: CPython 3.11 maps a new chunk of the
# next power of two above a frame's slots plus 1,000, so 33,000 slots
# (264 KiB) open a 512 KiB chunk with 248 KiB left for the frames above.
_SLOTS = 33_000


def _call(call):
    return call()


if sys.implementation.name == "cpython" and sys.version_info < (3, 13):
    _call.__code__ = _call.__code__.replace(co_stacksize=_SLOTS)


def with_stack_room(call: Callable[[], T]) -> T:
    """``call()``, with the frames it runs on a chunk of their own."""
    return _call(call)
