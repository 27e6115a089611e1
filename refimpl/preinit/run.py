"""Running a module up to the moment of its snapshot.

The module is instantiated with a trapping stand-in for each imported
function (so the start function runs) and then its init function is
called.  A stand-in that is called records it and traps with a message
naming the import: initialization that depends on the host can't be
snapshotted faithfully, since the snapshot would freeze one answer of it.
Imported memories, tables, globals and tags are refused up front, like
Wizer does: their contents at instantiation are the host's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Exhaustion, LinkError, Trap, WasmError
from ..exec.instantiate import instantiate
from ..features import Features
from ..runtime.instances import FuncInst, HostFunc, ModuleInst
from ..runtime.store import DEFAULT_CALL_DEPTH, Store
from ..syntax.module import FuncImport, Import, Module
from ..syntax.types import ExternKind, FuncType, GlobalType, MemType, TableType
from ..valid.canonical import DefType, canonical_types
from .errors import (
    CALLS_IMPORT,
    IMPORTED_GLOBAL,
    IMPORTED_MEMORY,
    IMPORTED_TABLE,
    IMPORTED_TAG,
    INIT_SIGNATURE,
    INIT_TRAPS,
    INSTANTIATION_FAILS,
    NO_INIT_FUNC,
    Refused,
)


class ImportCalled(Trap):
    """A trapping stand-in for an imported function was called."""


@dataclass
class StandIns:
    """The stand-ins of one instantiation, and which of them were called."""

    funcs: dict[Import, HostFunc] = field(default_factory=dict)
    called: list[str] = field(default_factory=list)

    def resolve(self, imp: Import) -> HostFunc | None:
        return self.funcs.get(imp)


def stand_ins(module: Module) -> StandIns:
    """A trapping host function for every imported function of ``module``."""
    s = StandIns()
    for imp in module.imports:
        if isinstance(imp.desc, FuncImport):
            ftype = module.func_type(imp.desc.type_index)
            deftype = canonical_types(module)[imp.desc.type_index]
            s.funcs[imp] = _stand_in(s, imp.module, imp.name, ftype, deftype)
    return s


def _stand_in(s: StandIns, mod: str, name: str, ftype: FuncType, deftype: DefType) -> HostFunc:
    label = f"{mod}.{name}"

    def trap(args: list) -> list:
        s.called.append(label)
        raise ImportCalled(f"the import {label} is not available during pre-initialization")

    return HostFunc(ftype, trap, label, deftype)


def check_imports(module: Module) -> None:
    """Refuse imports whose state a snapshot can't own."""
    reasons = {
        MemType: (IMPORTED_MEMORY, "memory"),
        TableType: (IMPORTED_TABLE, "table"),
        GlobalType: (IMPORTED_GLOBAL, "global"),
    }
    for imp in module.imports:
        if isinstance(imp.desc, FuncImport):
            continue
        reason, what = reasons.get(type(imp.desc), (IMPORTED_TAG, "tag"))
        raise Refused(reason, f"the module imports the {what} {imp.module}.{imp.name}")


def init_func_index(module: Module, init_func: str) -> int:
    """The function index exported as ``init_func``; it must take no
    parameters (its results, if any, are discarded)."""
    for e in module.exports:
        if e.name == init_func:
            if e.kind is not ExternKind.FUNC:
                raise Refused(
                    NO_INIT_FUNC, f"the export {init_func!r} is a {e.kind}, not a function"
                )
            ftype = module.func_type(module.func_type_indices()[e.index])
            if ftype.params:
                raise Refused(INIT_SIGNATURE, f"the init function {init_func!r} has type {ftype}")
            return e.index
    raise Refused(NO_INIT_FUNC, f"the module exports no function {init_func!r}")


@dataclass
class Initialized:
    """An instance after its start function and init function ran."""

    module: Module
    store: Store
    inst: ModuleInst
    stand_ins: StandIns


def instantiate_with_stand_ins(
    module: Module,
    features: Features,
    *,
    executor: str = "compiled",
    max_call_depth: int = DEFAULT_CALL_DEPTH,
) -> Initialized:
    """Instantiate ``module`` with trapping stand-ins (no refusal checks:
    failures propagate as the WasmError they are)."""
    store = Store(features, executor_name=executor, max_call_depth=max_call_depth)
    s = stand_ins(module)
    inst = instantiate(store, module, s.resolve)
    return Initialized(module, store, inst, s)


def initialize(
    module: Module,
    features: Features,
    init_func: str | None,
    *,
    executor: str = "compiled",
    max_call_depth: int = DEFAULT_CALL_DEPTH,
) -> Initialized:
    """Instantiate (the start function runs) and call ``init_func`` (None:
    none), refusing whatever makes a faithful snapshot impossible."""
    check_imports(module)
    index = None if init_func is None else init_func_index(module, init_func)
    store = Store(features, executor_name=executor, max_call_depth=max_call_depth)
    s = stand_ins(module)
    try:
        inst = instantiate(store, module, s.resolve)
    except WasmError as exc:
        if s.called:
            raise Refused(
                CALLS_IMPORT, f"the start function calls the import {s.called[0]}"
            ) from None
        if isinstance(exc, (Trap, Exhaustion, LinkError)):
            what = "traps" if isinstance(exc, Trap) else "fails"
            raise Refused(
                INSTANTIATION_FAILS, f"instantiating the module {what}: {exc.message}"
            ) from None
        raise
    if index is not None:
        func = inst.funcs[index]
        assert isinstance(func, (FuncInst, HostFunc))
        try:
            store.invoke(func, [])
        except (Trap, Exhaustion) as exc:
            if s.called:
                raise Refused(
                    CALLS_IMPORT, f"the init function calls the import {s.called[0]}"
                ) from None
            raise Refused(
                INIT_TRAPS, f"the init function {init_func!r} traps: {exc.message}"
            ) from None
        if s.called:  # pragma: no cover - a call always traps
            raise Refused(CALLS_IMPORT, f"the init function calls the import {s.called[0]}")
    return Initialized(module, store, inst, s)
