"""Optimized initialization modes, each beside the reference path.

Real runtimes make instantiation fast by precomputing memory and table
contents and by reusing memory.  Each mode here is one such technique, as an
``Initializer`` (``refimpl.exec.instantiate``): it allocates memories and
tables, and may hand instantiation precomputed contents standing for some
segments; the order of segments and their checks stay instantiation's
(``Segmented`` is the reference, with nothing precomputed):

- ``segmented``: the reference, segment by segment.
- ``paged``: per-page memory images computed once per module (the shape of
  wasmtime's former ``MemoryInitialization::Paged``).
- ``static``: one trimmed, page-aligned image per memory, when it is dense
  enough (``try_static_init(page_size, max_image_size_always_allowed)``).
- ``functable``: function tables precomputed from the leading element
  segments that allow it; the rest ("leftovers") applied at instantiation
  (``try_func_table_init``).
- ``cow``: images mapped copy-on-write from a file, so instantiating costs
  O(1) in the image's size.
- ``pooled``: memory and table slots taken from a pool and given back, reset,
  by ``release``.

A mode that can't apply to a module falls back to the reference path and
says why (``stats``).  Every mode must be observationally identical to
``segmented``: ``compare`` checks that.
"""

from __future__ import annotations

from collections.abc import Callable

from ..exec.instantiate import SEGMENTED, Initializer
from .cow import CopyOnWrite
from .functable import FuncTable
from .paged import Paged
from .pooled import Pooled
from .static import Static

MODES: dict[str, Callable[[], Initializer]] = {
    "segmented": lambda: SEGMENTED,
    "paged": Paged,
    "static": Static,
    "functable": FuncTable,
    "cow": CopyOnWrite,
    "pooled": Pooled,
}


def make_mode(name: str) -> Initializer:
    try:
        return MODES[name]()
    except KeyError:
        raise ValueError(f"unknown init mode {name!r} (known: {', '.join(MODES)})") from None


__all__ = ["MODES", "CopyOnWrite", "FuncTable", "Paged", "Pooled", "Static", "make_mode"]
