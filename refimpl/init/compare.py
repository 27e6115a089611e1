"""Instantiate one module under several init modes and compare each with
the reference (``segmented``): the same outcome, and the same state.

State is everything instantiation can touch: the new instance's memories,
tables and globals (also after a failure: its functions may sit in an
imported table) and the imported memories, tables and globals.  Each mode
starts from the same imported state: it is saved before the first mode and
restored after each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..errors import WasmError
from ..exec.instantiate import Resolver, instantiate
from ..runtime.instances import FuncInst, GlobalInst, HostFunc, ModuleInst, TableInst
from ..runtime.memory import MemInst, anonymous
from ..runtime.store import Store
from ..syntax.module import Module

NEW = "<new>"  # the instance being made, whatever object each mode made


@dataclass(frozen=True)
class ModeResult:
    mode: str
    outcome: tuple  # ("ok",) or (error class name, message)
    state: dict  # name -> comparable value


@dataclass(frozen=True)
class Divergence:
    mode: str
    what: str
    reference: object
    actual: object

    def __str__(self) -> str:
        return (
            f"{self.mode}: {self.what}: segmented {self.reference!r}, {self.mode} {self.actual!r}"
        )


def compare_modes(
    store: Store, module: Module, resolve: Resolver, modes: list, name: str = ""
) -> tuple[list[ModeResult], list[Divergence]]:
    """Results per mode (the first is the reference) and the divergences.
    The imported state is left as it was before."""
    imported = [resolve(imp) for imp in module.imports]
    saved = _save(imported)
    results = []
    try:
        for mode in modes:
            results.append(_run(store, module, resolve, mode, imported, name))
            _restore(imported, saved)
    finally:
        _restore(imported, saved)
    reference = results[0]
    divergences = []
    for r in results[1:]:
        if r.outcome != reference.outcome:
            divergences.append(Divergence(r.mode, "outcome", reference.outcome, r.outcome))
        for key in sorted(set(reference.state) | set(r.state)):
            a, b = reference.state.get(key), r.state.get(key)
            if a != b:
                divergences.append(Divergence(r.mode, key, _short(a), _short(b)))
    return results, divergences


def _run(store, module, resolve, mode, imported, name) -> ModeResult:
    inst = None
    try:
        inst = instantiate(store, module, resolve, name, mode)
        outcome = ("ok",)
    except WasmError as exc:
        inst = getattr(exc, "partial_instance", None)
        outcome = (type(exc).__name__, exc.message)
    state = {}
    if inst is not None:
        state.update(instance_state(inst, NEW, skip=imported))
    for i, value in enumerate(imported):
        state.update(_object_state(f"import {i}", value, inst))
    return ModeResult(getattr(mode, "name", str(mode)), outcome, state)


def instance_state(inst: ModuleInst, label: str, skip=()) -> dict:
    """The state of an instance's own memories, tables and globals."""
    state = {}
    own = lambda items: [(i, x) for i, x in enumerate(items) if not any(x is s for s in skip)]  # noqa: E731
    for i, mem in own(inst.mems):
        state.update(_object_state(f"{label} memory {i}", mem, inst))
    for i, table in own(inst.tables):
        state.update(_object_state(f"{label} table {i}", table, inst))
    for i, glob in own(inst.globals):
        state.update(_object_state(f"{label} global {i}", glob, inst))
    return state


def _object_state(key: str, value, new_inst) -> dict:
    if isinstance(value, MemInst):
        return {key: MemoryState.of(value.data)}
    if isinstance(value, TableInst):
        return {key: tuple(_ref(e, new_inst) for e in value.elements)}
    if isinstance(value, GlobalInst):
        return {key: _value(value.value, new_inst)}
    return {}


# Memories up to this size are kept whole (to point at a first difference);
# larger ones only as a digest, read a chunk at a time: a module may grow its
# memory to 4 GiB, and a copy per mode would exhaust the machine.
KEEP_BYTES = 16 << 20
CHUNK = 1 << 20
_ZEROS = bytes(CHUNK)


@dataclass(frozen=True)
class MemoryState:
    size: int
    digest: str  # over the non-zero chunks and their offsets
    data: bytes | None = None  # the bytes, if at most KEEP_BYTES

    @classmethod
    def of(cls, buf) -> MemoryState:
        h = hashlib.sha256()
        for offset in range(0, len(buf), CHUNK):
            chunk = buf[offset : offset + CHUNK]
            if chunk != _ZEROS[: len(chunk)]:  # zero chunks (untouched pages) add nothing
                h.update(offset.to_bytes(8, "little"))
                h.update(chunk)
        data = bytes(buf) if len(buf) <= KEEP_BYTES else None
        return cls(len(buf), h.hexdigest(), data)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, MemoryState)
            and self.size == other.size
            and self.digest == other.digest
        )

    def __hash__(self) -> int:
        return hash((self.size, self.digest))

    def __repr__(self) -> str:
        return f"<{self.size} bytes, sha256 {self.digest[:16]}>"

    def first_difference(self, other: MemoryState) -> int | None:
        """Where the two first differ (None if equal, or not kept whole)."""
        if self.data is None or other.data is None:
            return None
        for i, (a, b) in enumerate(zip(self.data, other.data, strict=False)):
            if a != b:
                return i
        return None if len(self.data) == len(other.data) else min(len(self.data), len(other.data))


def _ref(e, new_inst):
    if e is None:
        return None
    if isinstance(e, FuncInst):
        owner = NEW if e.module is new_inst else e.module.name or hex(id(e.module))
        return ("func", owner, e.index)
    if isinstance(e, HostFunc):
        return ("host", e.name)
    return ("ref", repr(e))


def _value(v, new_inst):
    if isinstance(v, float):
        from ..exec.numerics import f64_to_bits

        return ("float", f64_to_bits(v))
    if v is None or isinstance(v, (FuncInst, HostFunc)):
        return _ref(v, new_inst)
    return v


def _save(imported) -> list:
    saved = []
    for value in imported:
        if isinstance(value, MemInst):
            saved.append(bytes(value.data))
        elif isinstance(value, TableInst):
            saved.append(list(value.elements))
        elif isinstance(value, GlobalInst):
            saved.append(value.value)
        else:
            saved.append(None)
    return saved


def _restore(imported, saved) -> None:
    for value, copy in zip(imported, saved, strict=True):
        if isinstance(value, MemInst):
            value.data = bytearray(copy) if len(copy) <= (16 << 20) else _mapped(copy)
        elif isinstance(value, TableInst):
            value.elements[:] = copy
        elif isinstance(value, GlobalInst):
            value.value = copy


def _mapped(data: bytes):
    buf = anonymous(len(data))
    buf[:] = data
    return buf


def _short(v):
    if isinstance(v, tuple) and len(v) > 8:
        return f"{v[:8]}... ({len(v)} entries)"
    return v
