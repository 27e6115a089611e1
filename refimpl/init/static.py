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
        # The final contents by page, only where segments write: one buffer
        # over the segments' extent would be 2 GiB for a byte at 0 and one
        # at 2^31 (wasmtime also decides before it allocates).
        page = self.page_size
        pages: dict[int, bytearray] = {}
        for s in segs:
            pos, end = s.offset, s.offset + len(s.data)
            while pos < end:
                base = pos // page * page
                n = min(end, base + page) - pos
                buf = pages.get(base)
                if buf is None:
                    buf = pages[base] = bytearray(page)
                buf[pos - base : pos - base + n] = s.data[pos - s.offset : pos - s.offset + n]
                pos += n
        written = sorted(base for base, buf in pages.items() if buf.count(0) != page)
        if not written:
            return None  # only zeros: a new memory holds them already
        start = written[0]
        end = min(written[-1] + page, memory_size)
        size = end - start
        data_bytes = sum(len(s.data) for s in segs)
        if not (size < 2 * data_bytes or size < self.max_always):
            return Fallback(f"an image of {size} bytes for {data_bytes} bytes of data")
        image = bytearray(size)
        for base in written:
            n = min(page, end - base)
            image[base - start : base - start + n] = pages[base][:n]
        return Image(start, bytes(image))

    def apply(self, images: dict[int, Image], inst: ModuleInst) -> None:
        for memory, image in images.items():
            if image.file is not None:
                # In place of the fresh zero mapping, after the elements (as cow).
                inst.mems[memory].data = image.file.map()
            else:
                inst.mems[memory].data[image.offset : image.offset + len(image.data)] = image.data
