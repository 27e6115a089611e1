"""``paged``: memory contents as 64 KiB page images, computed per module.

Segments are applied in order into page-sized images (later bytes win);
pages that end up all zero are omitted, since a new memory is zero already.
Instantiating copies the non-zero pages.  This is the shape of wasmtime's
former ``MemoryInitialization::Paged`` (made for its userfaultfd pooling
allocator, since removed); wasmtime's images today are
``MemoryInitialization::Static``, as ``static`` and ``cow`` here.
"""

from __future__ import annotations

from ..runtime.instances import ModuleInst
from ..syntax.module import Module
from ..syntax.types import PAGE_SIZE
from .images import ImageMode
from .plan import DataPlan, Fallback, plan_data


class Paged(ImageMode):
    name = "paged"

    def build(self, module: Module) -> dict[int, dict[int, bytes]] | Fallback:
        plan = plan_data(module)
        if isinstance(plan, Fallback):
            return plan
        return pages_of(plan)

    def apply(self, pages: dict[int, dict[int, bytes]], inst: ModuleInst) -> None:
        for memory, images in pages.items():
            buf = inst.mems[memory].data
            for page, image in images.items():
                start = page * PAGE_SIZE
                buf[start : start + PAGE_SIZE] = image


def pages_of(plan: DataPlan) -> dict[int, dict[int, bytes]]:
    """memory -> page number -> the page's 64 KiB, for non-zero pages."""
    pages: dict[int, dict[int, bytearray]] = {}
    for seg in plan.segments:
        images = pages.setdefault(seg.memory, {})
        pos, end = seg.offset, seg.offset + len(seg.data)
        while pos < end:
            page, within = divmod(pos, PAGE_SIZE)
            n = min(PAGE_SIZE - within, end - pos)
            image = images.get(page)
            if image is None:
                image = images[page] = bytearray(PAGE_SIZE)
            start = pos - seg.offset
            image[within : within + n] = seg.data[start : start + n]
            pos += n
    return {
        memory: {p: bytes(img) for p, img in sorted(images.items()) if any(img)}
        for memory, images in pages.items()
    }
