"""Pausing Python's cyclic garbage collector around bulk work.

Decoding a real module makes millions of small tuples and validating it
millions of short-lived lists, none of them part of a cycle.  Their
allocation keeps triggering collections, and each full one traverses every
object decoded so far: about a third of the decoding time of a 5 MB module.
Reference counting still frees everything acyclic at once; the collector
only resumes afterwards (if it was running), so nothing is lost, only
deferred to the end of the call.  After bulk work (``BULK`` objects or
more), what the pause allocated joins the oldest generation directly:
otherwise the first young collection after it traverses all of it (a tenth
of the decoding time).  Such bulk is a
decoded module, long-lived and acyclic; cyclic garbage among it waits for
the next full collection, as anything long-lived does.  A short pause only
resumes the collector, so the young generations keep working as usual,
unless the caller says its result is ``long_lived`` whatever its size (a
script's commands: a young collection after each script traversed them
all, then an older one again, a twentieth of reading the suite).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK = 100_000  # tracked objects allocated (net) during a pause


@contextmanager
def paused_collection(long_lived: bool = False) -> Iterator[None]:
    """Disable the cyclic collector for the ``with`` body; re-enable it
    after, unless the caller had disabled it already.  ``long_lived``:
    what the body allocated joins the oldest generation even if it is
    less than ``BULK``."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        bulk = long_lived or gc.get_count()[0] >= BULK
        if bulk and not gc.get_freeze_count():
            # Move every tracked object to the oldest generation: freeze and
            # unfreeze only splice the generations' lists, where a young
            # collection would traverse all that the pause allocated.
            gc.freeze()
            gc.unfreeze()
        gc.enable()
