"""``static``: one contiguous image per memory, when it is dense enough.

Like wasmtime's ``try_static_init(page_size, max_image_size_always_allowed)``:
segments are applied in order into one buffer covering their extent (later
bytes win), leading and trailing zeros are trimmed, and the start and length
are padded out to ``page_size``.  The image is used only if it is smaller
than twice the data it holds, or smaller than
``max_image_size_always_allowed``; otherwise the module stays segmented (a
few bytes at the far end of a huge memory would make a huge image).

Instantiating copies the image into the new memory, except into a memory
above refimpl's eager limit (16 MiB, a mapping anyway): there the memory's
initial contents -- the image at its page-aligned offset, zero elsewhere --
are written to a file once per module and mapped copy-on-write, as
wasmtime maps static images, so instantiating is O(1) in the image's size
rather than a copy of it (for a 128 MiB memory, a copy is as slow as
applying the segments).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..runtime.instances import ModuleInst
from ..runtime.memory import EAGER_BYTES
from ..syntax.module import Module
from .cow import ImageFile
from .images import ImageMode
from .plan import Fallback, plan_data


@dataclass(frozen=True)
class Image:
    offset: int
    data: bytes  # empty once in ``file``
    file: ImageFile | None = None  # the whole memory's initial contents, when large


class Static(ImageMode):
    name = "static"

    def __init__(self, page_size: int = 4096, max_image_size_always_allowed: int = 1 << 20):
        super().__init__()
        self.page_size = page_size
        self.max_always = max_image_size_always_allowed

    def key(self) -> str:
        return f"{self.page_size}:{self.max_always}"

    def build(self, module: Module) -> dict[int, Image] | Fallback:
        plan = plan_data(module)
        if isinstance(plan, Fallback):
            return plan
        images = {}
        for memory in sorted({s.memory for s in plan.segments}):
            segs = [s for s in plan.segments if s.memory == memory and s.data]
            if not segs:
                continue
            size = plan.memory_sizes[memory]
            image = self._image(segs, size)
            if isinstance(image, Fallback):
                return image
            if image is not None and size > EAGER_BYTES:
                image = Image(image.offset, b"", ImageFile(size, [image]))
            if image is not None:
                images[memory] = image
        return images

    def _image(self, segs, memory_size: int) -> Image | Fallback | None:
        lo = min(s.offset for s in segs)
        hi = max(s.offset + len(s.data) for s in segs)
        buf = bytearray(hi - lo)
        for s in segs:
            buf[s.offset - lo : s.offset - lo + len(s.data)] = s.data
        # The first and last non-zero bytes (scanned in C: a Python loop over
        # megabytes of leading zeros took seconds).
        last = len(buf.rstrip(b"\0"))
        if not last:
            return None  # only zeros: a new memory holds them already
        first = len(buf) - len(buf.lstrip(b"\0"))
        page = self.page_size
        start = (lo + first) // page * page
        end = min(-(-(lo + last) // page) * page, memory_size)
        size = end - start
        data_bytes = sum(len(s.data) for s in segs)
        if not (size < 2 * data_bytes or size < self.max_always):
            return Fallback(f"an image of {size} bytes for {data_bytes} bytes of data")
        image = bytearray(size)
        copy_lo, copy_hi = max(lo, start), min(hi, end)
        image[copy_lo - start : copy_hi - start] = buf[copy_lo - lo : copy_hi - lo]
        return Image(start, bytes(image))

    def apply(self, images: dict[int, Image], inst: ModuleInst) -> None:
        for memory, image in images.items():
            if image.file is not None:
                # In place of the fresh zero mapping, after the elements (as cow).
                inst.mems[memory].data = image.file.map()
            else:
                inst.mems[memory].data[image.offset : image.offset + len(image.data)] = image.data
