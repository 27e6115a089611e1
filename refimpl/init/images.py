"""The common shape of image modes: precomputed memory contents standing
for every active data segment (wasmtime's ``MemoryInitialization::Static``),
written where instantiation would apply the data segments."""

from __future__ import annotations

from dataclasses import dataclass

from ..exec.instantiate import Segmented
from ..runtime.instances import ModuleInst
from ..syntax.module import Module
from .plan import Fallback, Stats, cached


class ImageMode(Segmented):
    """Subclasses compute ``build(module) -> image | Fallback`` once per
    module and ``apply(image, inst)`` per instance."""

    name = "image"

    def __init__(self) -> None:
        self.stats = Stats()

    def build(self, module: Module):
        raise NotImplementedError

    def apply(self, image, inst: ModuleInst) -> None:
        raise NotImplementedError

    def key(self) -> str:
        """What distinguishes this mode's images from another configuration's."""
        return ""

    def memory_initialization(self, module: Module) -> BoundImage | None:
        image = cached(module, f"init:{self.name}:{self.key()}", self.build)
        self.stats.record(image)
        return None if isinstance(image, Fallback) else BoundImage(self, image)


@dataclass(frozen=True)
class BoundImage:
    """A module's image with the mode that writes it: the
    ``MemoryInitialization`` instantiation asks for."""

    mode: ImageMode
    image: object

    def write(self, inst: ModuleInst) -> None:
        self.mode.apply(self.image, inst)
