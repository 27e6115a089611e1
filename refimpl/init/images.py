"""The common shape of image modes: elements as the reference does them,
then a precomputed image instead of the data segments."""

from __future__ import annotations

from ..exec.instantiate import (
    Segmented,
    apply_element_segments,
    check_element_segments,
    drop_active_data_segments,
    write_element_segments,
)
from ..features import Features
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

    def image_for(self, module: Module):
        return cached(module, f"init:{self.name}:{self.key()}", self.build)

    def key(self) -> str:
        """What distinguishes this mode's images from another configuration's."""
        return ""

    def initialize(self, module: Module, inst: ModuleInst, features: Features) -> None:
        image = self.image_for(module)
        self.stats.record(image)
        if isinstance(image, Fallback):
            super().initialize(module, inst, features)
            return
        # The image was checked to fit: only elements can fail, and they come
        # first in both generations, so the data goes in after them.
        if features.bulk_memory:
            apply_element_segments(module, inst)
            self.apply(image, inst)
            drop_active_data_segments(module, inst)
        else:
            offsets = check_element_segments(module, inst)
            write_element_segments(module, inst, offsets)
            self.apply(image, inst)
