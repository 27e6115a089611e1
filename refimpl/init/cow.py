"""``cow``: memory images mapped copy-on-write from a file.

Once per module, each defined memory's initial contents (its data segments
applied in order over its minimum size) are written to a sparse file.  An
instance maps that file with ``mmap`` in copy access: pages are read from
the file when first touched and copied when first written, so instantiating
a module with a large image costs O(1) in the image's size, and writes
never reach the file, the image, or another instance.

The memory is allocated zeroed (an anonymous mapping, also O(1)) and the
image is mapped in at the point where the data segments would have been
applied, so even a function reachable after a failed instantiation sees
what the reference path leaves.
"""

from __future__ import annotations

import atexit
import contextlib
import mmap
import os
import shutil
import tempfile
import weakref

from ..runtime.instances import ModuleInst
from ..runtime.memory import MemInst, anonymous
from ..syntax.module import Module
from ..syntax.types import MemType
from .images import ImageMode
from .plan import Fallback, plan_data

_IMAGE_DIR: str | None = None


def _image_dir() -> str:
    global _IMAGE_DIR
    if _IMAGE_DIR is None:
        _IMAGE_DIR = tempfile.mkdtemp(prefix="refimpl-cow-")
        atexit.register(shutil.rmtree, _IMAGE_DIR, True)
    return _IMAGE_DIR


class ImageFile:
    """A memory's initial contents on disk (holes where it is zero).

    The file is removed when the image is collected (with its decoded
    module); instances that map it keep their pages, since an unlinked file
    lives on while mapped.  (Files used to stay until the process exited, one
    per module: a long-lived process accumulated them.)"""

    def __init__(self, size: int, segments):
        fd, self.path = tempfile.mkstemp(dir=_image_dir(), suffix=".image")
        weakref.finalize(self, _unlink, self.path)
        self.size = size
        with os.fdopen(fd, "r+b") as f:
            f.truncate(size)
            for seg in segments:
                f.seek(seg.offset)
                f.write(seg.data)

    def map(self):
        with open(self.path, "r+b") as f:
            return mmap.mmap(f.fileno(), self.size, access=mmap.ACCESS_COPY)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):  # e.g. the directory went at exit
        os.unlink(path)


class CopyOnWrite(ImageMode):
    name = "cow"

    def build(self, module: Module) -> dict[int, ImageFile] | Fallback:
        plan = plan_data(module)
        if isinstance(plan, Fallback):
            return plan
        files = {}
        for memory, size in plan.memory_sizes.items():
            segs = [s for s in plan.segments if s.memory == memory and s.data]
            if segs and size:
                files[memory] = ImageFile(size, segs)
        return files

    def allocate_memory(self, module: Module, index: int, mtype: MemType) -> MemInst:
        size = mtype.limits.min * mtype.page_size
        # Zero pages that cost nothing until touched, whatever the size.
        return MemInst(mtype, anonymous(size) if size else bytearray())

    def apply(self, files: dict[int, ImageFile], inst: ModuleInst) -> None:
        for memory, image in files.items():
            inst.mems[memory].data = image.map()
