"""What image-based modes learn about a module once, at "compile time".

An image can stand for a memory's data segments only if nothing about them
depends on the instantiation: every active data segment targets a memory
the module defines (not an import, whose size is only known when linking),
its offset is a constant, and it fits in the memory's declared minimum (so
it can't trap, and neither can the ones after it).  Otherwise the module is
initialised segment by segment, and the reason is recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..syntax.module import Active, Module
from ..syntax.opcodes import Op


@dataclass(frozen=True)
class Segment:
    memory: int  # index in the memory index space
    offset: int
    data: bytes


@dataclass(frozen=True)
class DataPlan:
    """The active data segments, in order, once they are known to be safe."""

    segments: tuple[Segment, ...]
    memory_sizes: dict[int, int]  # memory index -> bytes at instantiation


@dataclass(frozen=True)
class Fallback:
    reason: str


def constant_offset(expr) -> int | None:
    """The value of an offset expression that is a single constant."""
    if len(expr) != 2:
        return None
    (op, value), (last, _) = expr
    return value if op in (Op.I32_CONST, Op.I64_CONST) and last == Op.END else None


def plan_data(module: Module) -> DataPlan | Fallback:
    imported = len(module.mem_types()) - len(module.mems)
    sizes = {imported + i: m.type.limits.min * m.type.page_size for i, m in enumerate(module.mems)}
    segments = []
    for data in module.datas:
        if not isinstance(data.mode, Active):
            continue
        if data.mode.index < imported:
            return Fallback("a data segment targets an imported memory")
        offset = constant_offset(data.mode.offset)
        if offset is None:
            return Fallback("a data segment's offset is not a constant")
        if offset + len(data.init) > sizes[data.mode.index]:
            return Fallback("a data segment does not fit the memory's minimum size")
        segments.append(Segment(data.mode.index, offset, data.init))
    return DataPlan(tuple(segments), sizes)


@dataclass
class Stats:
    """How often a mode applied, and why it fell back when it didn't."""

    applied: int = 0
    fallbacks: Counter = field(default_factory=Counter)

    def record(self, outcome) -> None:
        if isinstance(outcome, Fallback):
            self.fallbacks[outcome.reason] += 1
        else:
            self.applied += 1

    def __str__(self) -> str:
        parts = [f"applied {self.applied}"]
        parts += [f"fell back {n} ({reason})" for reason, n in self.fallbacks.most_common()]
        return ", ".join(parts)


def cached(module: Module, key: str, compute):
    """Compile-time results live on the decoded module, shared by instances."""
    if key not in module.derived:
        module.derived[key] = compute(module)
    return module.derived[key]
