"""Engines the harness can drive, by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from .base import Engine, ScriptEngine, Session, SessionOptions
from .isolated import EngineUnavailable, IsolatedEngine, ProgramEngine, _ProcessEngine


def _wasmtime() -> Engine:
    from .wasmtime_engine import WasmtimeEngine

    return WasmtimeEngine()


def _wasmtime_lane(name: str, settings) -> Engine:
    from .wasmtime_config import ConfigError
    from .wasmtime_engine import WasmtimeEngine

    try:
        return WasmtimeEngine(settings)
    except ConfigError as exc:
        raise UnknownEngine(f"{name!r}: {exc}") from None


def _refimpl() -> Engine:
    from .refimpl_engine import RefimplEngine

    return RefimplEngine("compiled")


def _refimpl_interpreter() -> Engine:
    from .refimpl_engine import RefimplEngine

    return RefimplEngine("interpreter")


def _wabt() -> ScriptEngine:
    from .wabt_engine import WabtEngine

    return WabtEngine()


def _v8() -> Engine:
    from ..adapters.v8_engine import v8_engine

    try:
        return v8_engine()
    except EngineUnavailable as exc:
        raise UnknownEngine(str(exc)) from None


def _pywasm() -> Engine:
    from ..adapters.pywasm_engine import PywasmEngine

    try:
        return PywasmEngine()
    except EngineUnavailable as exc:
        raise UnknownEngine(str(exc)) from None


def _wasm3() -> Engine:
    from ..adapters.wasm3_engine import Wasm3Engine

    try:
        return Wasm3Engine()
    except EngineUnavailable as exc:
        raise UnknownEngine(str(exc)) from None


FACTORIES: dict[str, Callable[[], Engine | ScriptEngine]] = {
    "refimpl": _refimpl,
    "refimpl-interpreter": _refimpl_interpreter,
    "wasmtime": _wasmtime,
    "wabt": _wabt,
    "v8": _v8,
    "pywasm": _pywasm,
    "wasm3": _wasm3,
}

# Engines that run in a worker process by default, so that a crash (an abort
# inside native code) or a hang costs one command, not the run.
ISOLATED_BY_DEFAULT = {"wasmtime", "pywasm", "wasm3"}
# Named engines that are program engines (ProgramEngine): never isolated again.
NAMED_PROGRAMS = {"v8"}


class UnknownEngine(ValueError):
    pass


def factory(name: str) -> Callable[[], Engine | ScriptEngine]:
    """The factory of a named engine, of ``python:MODULE:ATTR``, an engine
    class or factory of your own (a downstream runtime's adapter), or of
    ``program:NAME=COMMAND``, a program speaking the engine protocol.
    ``refimpl[MODE]`` is refimpl instantiating with an optimized init mode;
    ``wasmtime[NAME=VALUE,...]`` wasmtime with those ``Config`` settings."""
    if name in FACTORIES:
        return FACTORIES[name]
    if name.startswith("refimpl[") and name.endswith("]"):
        mode = name[len("refimpl[") : -1]
        from refimpl.init import MODES

        if mode not in MODES:
            raise UnknownEngine(f"unknown init mode {mode!r} (known: {', '.join(MODES)})")
        from .refimpl_engine import RefimplEngine

        return lambda: RefimplEngine("compiled", init_mode=mode)
    if name == "wasmtime-cli" or (name.startswith("wasmtime-cli[") and name.endswith("]")):
        from .wasmtime_cli import WasmtimeCliEngine

        return lambda: WasmtimeCliEngine(name[len("wasmtime-cli[") : -1] if "[" in name else "")
    if name.startswith("wasmtime[") and name.endswith("]"):
        from .wasmtime_config import ConfigError, checked_settings

        try:  # checked here, so a refused value is the user's error, not a worker's death
            settings = checked_settings(name[len("wasmtime[") : -1])
        except ConfigError as exc:
            raise UnknownEngine(f"{name!r}: {exc}") from None
        return lambda: _wasmtime_lane(name, settings)
    if name.startswith("program:"):
        return lambda: _program(name)
    if name.startswith("python:"):
        module_name, _, attr = name.removeprefix("python:").partition(":")
        try:
            made_by = getattr(importlib.import_module(module_name), attr)
        except Exception as exc:  # the user's module: any failure to import it
            raise UnknownEngine(f"cannot load engine {name!r}: {exc}") from None
        if not callable(made_by):
            raise UnknownEngine(f"{name!r} is not an engine class or factory")
        return lambda: _checked(name, made_by)
    known = ", ".join(sorted(FACTORIES))
    raise UnknownEngine(
        f"unknown engine {name!r} (known: {known}, python:MODULE:ATTR or program:NAME=COMMAND)"
    )


def _checked(name: str, made_by: Callable[[], object]) -> Engine | ScriptEngine:
    """An engine of the user's, made and checked to implement the interface."""
    try:
        engine = made_by()
    except Exception as exc:
        raise UnknownEngine(f"cannot create engine {name!r}: {type(exc).__name__}: {exc}") from None
    if not isinstance(engine, (Engine, ScriptEngine)):
        raise UnknownEngine(
            f"{name!r} made a {type(engine).__name__}, which does not subclass "
            "harness.engines.Engine (or ScriptEngine)"
        )
    if isinstance(engine, Engine) and engine.crossings:
        from .crossings import CrossingEngine

        return CrossingEngine(engine)
    return engine


def _program(spec: str, timeout: float = 60.0) -> Engine:
    try:
        return ProgramEngine(spec, timeout=timeout)
    except EngineUnavailable as exc:
        raise UnknownEngine(str(exc)) from None


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
    """The engine ``name`` gives; raises ``UnknownEngine`` if it gives none.
    ``isolate`` None means the engine's default.  An isolated engine is made
    in its worker process only (it describes itself over the protocol); a
    whole-script engine (wabt) runs its own process already: never isolated."""
    if name.startswith("program:"):  # in a process of its own already
        return _program(name, timeout)
    if "@" in name and not name.startswith("python:"):
        return _elsewhere(name, timeout)
    make = factory(name)
    if name in NAMED_PROGRAMS:  # a program engine of ours (v8): its own process already
        engine = make()
        engine.timeout = timeout
        return engine
    if isolate is None:
        isolate = name.partition("[")[0] in ISOLATED_BY_DEFAULT
    if isolate:
        try:
            engine = IsolatedEngine(name, timeout=timeout)
        except EngineUnavailable as exc:
            raise UnknownEngine(str(exc)) from None
        if not engine.whole_script:
            return engine
        engine.discard_worker()
    return make()


def _elsewhere(name: str, timeout: float) -> Engine:
    """``ENGINE@PYTHON``: a worker run by another Python interpreter."""
    inner, _, python = name.rpartition("@")
    if not Path(python).is_file():
        raise UnknownEngine(f"{name!r}: no Python interpreter at {python!r}")
    factory(inner)  # a name this checkout knows, checked here
    try:
        return IsolatedEngine(inner, timeout=timeout, python=python)
    except EngineUnavailable as exc:
        raise UnknownEngine(str(exc)) from None


_BUILT: dict[tuple, list] = {}


def engines_for(names: tuple[str, ...], isolate: bool | None, timeout: float) -> list:
    """The run's engines, built once per process and reused by every script
    it runs (an isolated engine keeps its worker process across them)."""
    key = (names, isolate, timeout)
    if key not in _BUILT:
        _BUILT[key] = [create_engine(name, isolate, timeout) for name in names]
    return _BUILT[key]


def stop_workers(engines: list) -> None:
    """Stop the worker processes of these engines (they restart on demand):
    before forking, so that no child inherits a parent's pipes."""
    for engine in engines:
        if isinstance(engine, _ProcessEngine):
            engine.discard_worker()


__all__ = [
    "Engine",
    "ScriptEngine",
    "Session",
    "SessionOptions",
    "UnknownEngine",
    "create_engine",
    "engines_for",
]
