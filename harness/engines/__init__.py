"""Engines the harness can drive, by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .base import Engine, ScriptEngine, Session, SessionOptions


def _wasmtime() -> Engine:
    from .wasmtime_engine import WasmtimeEngine

    return WasmtimeEngine()


def _refimpl() -> Engine:
    from .refimpl_engine import RefimplEngine

    return RefimplEngine("compiled")


def _refimpl_interpreter() -> Engine:
    from .refimpl_engine import RefimplEngine

    return RefimplEngine("interpreter")


def _wabt() -> ScriptEngine:
    from .wabt_engine import WabtEngine

    return WabtEngine()


FACTORIES: dict[str, Callable[[], Engine | ScriptEngine]] = {
    "refimpl": _refimpl,
    "refimpl-interpreter": _refimpl_interpreter,
    "wasmtime": _wasmtime,
    "wabt": _wabt,
}

# Engines that run in a worker process by default, so that a crash (an abort
# inside native code) or a hang costs one command, not the run.
ISOLATED_BY_DEFAULT = {"wasmtime"}


class UnknownEngine(ValueError):
    pass


def factory(name: str) -> Callable[[], Engine | ScriptEngine]:
    """The factory of a named engine, or of ``python:MODULE:ATTR``, an
    engine class or factory of your own (a downstream runtime's adapter).
    ``refimpl[MODE]`` is refimpl instantiating with an optimized init mode."""
    if name in FACTORIES:
        return FACTORIES[name]
    if name.startswith("refimpl[") and name.endswith("]"):
        mode = name[len("refimpl[") : -1]
        from refimpl.init import MODES

        if mode not in MODES:
            raise UnknownEngine(f"unknown init mode {mode!r} (known: {', '.join(MODES)})")
        from .refimpl_engine import RefimplEngine

        return lambda: RefimplEngine("compiled", init_mode=mode)
    if name.startswith("python:"):
        module_name, _, attr = name.removeprefix("python:").partition(":")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise UnknownEngine(f"cannot load engine {name!r}: {exc}") from None
    known = ", ".join(sorted(FACTORIES))
    raise UnknownEngine(f"unknown engine {name!r} (known: {known}, or python:MODULE:ATTR)")


def engine_names(requested: list[str] | None, init_modes: list[str] | None = None) -> list[str]:
    """The engines of a run: those asked for (default: refimpl), plus a
    ``refimpl[MODE]`` lane per init mode to check against plain ``refimpl``
    (``all``: every optimized mode)."""
    names = list(requested or ["refimpl"])
    modes: list[str] = []
    for m in init_modes or []:
        if m == "all":
            from refimpl.init import MODES

            modes += [name for name in MODES if name != "segmented"]
        else:
            modes.append(m)
    if modes and "refimpl" not in names:
        names.insert(0, "refimpl")
    names += [f"refimpl[{m}]" for m in dict.fromkeys(modes) if f"refimpl[{m}]" not in names]
    return names


def create_engine(name: str, isolate: bool | None = None, timeout: float = 60.0):
    """An engine by name; ``isolate`` None means the engine's default.  A
    whole-script engine (wabt) runs its own process already: never isolated."""
    engine = factory(name)()
    if isolate is None:
        isolate = name in ISOLATED_BY_DEFAULT
    if isolate and not isinstance(engine, ScriptEngine):
        from .isolated import IsolatedEngine

        return IsolatedEngine(name, timeout=timeout)
    return engine


__all__ = ["Engine", "ScriptEngine", "Session", "SessionOptions", "create_engine"]
