"""Instantiate one module under several init modes and compare each with
the reference (``segmented``): the same outcome, and the same state.

State is everything instantiation can touch: the new instance's memories,
tables and globals (also after a failure: its functions may sit in an
imported table) and the imported memories, tables and globals.  Each mode
starts from the same imported state: it is saved before the first mode and
restored after each.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RefimplError
from ..exec.instantiate import Resolver, instantiate
from ..runtime.instances import GlobalInst, TableInst
from ..runtime.memory import MemInst, anonymous
from ..runtime.observe import KEEP_BYTES, extern_state, instance_state
from ..runtime.store import Store
from ..syntax.module import Module


@dataclass(frozen=True)
class ModeResult:
    mode: str
    outcome: tuple  # ("ok",) or (error class name, message)
    state: dict  # name -> comparable value


@dataclass(frozen=True)
class ModeDifference:
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
) -> tuple[list[ModeResult], list[ModeDifference]]:
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
            divergences.append(ModeDifference(r.mode, "outcome", reference.outcome, r.outcome))
        for key in sorted(set(reference.state) | set(r.state)):
            a, b = reference.state.get(key), r.state.get(key)
            if a != b:
                divergences.append(ModeDifference(r.mode, key, _short(a), _short(b)))
    return results, divergences


def _run(store, module, resolve, mode, imported, name) -> ModeResult:
    inst = None
    try:
        inst = instantiate(store, module, resolve, name, mode)
        outcome = ("ok",)
    except RefimplError as exc:
        inst = getattr(exc, "partial_instance", None)
        outcome = (type(exc).__name__, exc.message)
    # The new instance's own state, and what it wrote into imported objects;
    # its functions (in either) are "own", whatever object each mode made.
    state = {}
    if inst is not None:
        state.update(instance_state(inst, "new", skip=imported))
    for i, value in enumerate(imported):
        if extern_state(value) is not None:
            state[f"import {i}"] = extern_state(value, inst)
    return ModeResult(getattr(mode, "name", str(mode)), outcome, state)


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
            value.data = bytearray(copy) if len(copy) <= KEEP_BYTES else _mapped(copy)
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
