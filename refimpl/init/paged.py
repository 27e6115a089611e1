"""``paged``: memory contents as 64 KiB images, computed per module.

Segments are applied in order into 64 KiB images (later bytes win; the
last image of a memory ends at the memory's size, which with custom page
sizes need not be a multiple of 64 KiB);
pages that end up all zero are omitted, since a new memory is zero already.
Instantiating copies the non-zero pages.  This is the shape of wasmtime's
former ``MemoryInitialization::Paged`` (made for its userfaultfd pooling
allocator, since removed); wasmtime's images today are
``MemoryInitialization::Static``, as ``static`` and ``cow`` here.
"""

from __future__ import annotations

from ..runtime.instances import ModuleInst
from ..syntax.module import Module
from ..syntax.types import PAGE_SIZE as IMAGE_SIZE
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
                start = page * IMAGE_SIZE
                buf[start : start + len(image)] = image


def pages_of(plan: DataPlan) -> dict[int, dict[int, bytes]]:
    """memory -> image number -> its 64 KiB (fewer at the memory's end),
    for non-zero images."""
    pages: dict[int, dict[int, bytearray]] = {}
    for seg in plan.segments:
        images = pages.setdefault(seg.memory, {})
        size = plan.memory_sizes[seg.memory]
        pos, end = seg.offset, seg.offset + len(seg.data)
        while pos < end:
            page, within = divmod(pos, IMAGE_SIZE)
            n = min(IMAGE_SIZE - within, end - pos)
            image = images.get(page)
            if image is None:
                image = images[page] = bytearray(min(IMAGE_SIZE, size - page * IMAGE_SIZE))
            start = pos - seg.offset
            image[within : within + n] = seg.data[start : start + n]
            pos += n
    return {
        memory: {p: bytes(img) for p, img in sorted(images.items()) if any(img)}
        for memory, images in pages.items()
    }
