"""``--engine wasm3``: wasm3 (a C interpreter) through pywasm3, in a worker.

An optional engine: without the ``pywasm3`` package it is unavailable, with
a message saying so.  It runs isolated by default (a native crash costs one
command).  pywasm3's API shapes what it can run:

- it links only **function** imports, by a signature string, and only after
  the module is loaded: spectest's print functions are no-ops, and a
  registered instance's function is called through Python.  A module that
  imports a memory, table or global is unsupported, and so is a signature
  with anything but i32, i64, f32, f64 or more than one result;
- each instance lives in a runtime of its own (wasm3 finds functions by name
  across a runtime's modules);
- values cross as Python numbers, floats through C floats (a signalling NaN
  may come back quiet: reported as it is);
- wasm3 compiles a function when it is first called, so an invalid module
  is found out at its first call, if at all;
- the type of an exported global isn't exposed: ``get`` is unsupported.

Its trap texts are the spec's, after a ``[trap]`` prefix, except a few
mapped by ``TRAPS``.
"""

from __future__ import annotations

import struct
from typing import Any

from ..engines.base import Engine, Session, SessionOptions
from ..engines.isolated import EngineUnavailable
from ..lenient_reader import FuncSig, export_signatures, import_signatures
from ..messages import SPEC_MESSAGES, Categories
from ..outcomes import CommandOutcome, Exhausted, LinkFailed, Malformed, Ok, Trapped, Unsupported
from ..script.commands import ModuleSource
from ..values import Value

# wasm3 reports exhaustion of this stack as a trap; a larger one lets deep
# recursion overflow the C stack first (a crash).
STACK_BYTES = 1 << 16
_CODES = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}
_MASKS = {"i32": (1 << 32) - 1, "i64": (1 << 64) - 1}
# wasm3's texts that aren't the spec's -> category.
TRAPS: dict[str, str | Categories] = {
    "unreachable executed": "unreachable",
    # both past the table's end and a null entry
    "undefined element": Categories(["table-bounds", "null-table-entry"]),
    "stack overflow": "call-stack-exhausted",
    "indirect call to null": "null-table-entry",
    "null table element": "null-table-entry",
    "table index is out of range": "table-bounds",
    "integer conversion overflow": "integer-overflow",
}


def _wasm3() -> Any:
    try:
        import wasm3
    except ImportError:
        raise EngineUnavailable(
            "engine 'wasm3' is unsupported here: the pywasm3 package is not installed "
            "(pip install pywasm3)"
        ) from None
    return wasm3


class Wasm3Engine(Engine):
    name = "wasm3"
    exact_messages = False
    probes = False

    def __init__(self) -> None:
        self.wasm3 = _wasm3()

    def describe(self) -> str:
        from importlib.metadata import version

        return f"wasm3 {self.wasm3.M3_VERSION} (pywasm3 {version('pywasm3')})"

    def open(self, options: SessionOptions) -> Session:
        return Wasm3Session(self.wasm3)


class Wasm3Session(Session):
    def __init__(self, wasm3: Any):
        self.env = wasm3.Environment()
        self.instances: dict[str, tuple[Any, Any, dict[str, FuncSig], bytes]] = {}
        self.registered: dict[str, str] = {}  # name -> handle

    def _parse(self, module: ModuleSource) -> Any:
        if module.binary is None:
            return Unsupported("wasm3 has no text format parser")
        try:
            return self.env.parse_module(bytes(module.binary))
        except RuntimeError as exc:
            return Malformed(str(exc))

    def check(self, module: ModuleSource) -> CommandOutcome:
        parsed = self._parse(module)
        return parsed if isinstance(parsed, CommandOutcome) else Ok()

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        imports = import_signatures(module.binary) if module.binary is not None else []
        if imports is None:
            return Unsupported("the adapter can't read this module's imports")
        for mod, name, sig in imports:
            if sig is None:
                return Unsupported(f"pywasm3 links only function imports ({mod}.{name})")
            if _signature(sig) is None:
                return Unsupported(f"pywasm3 can't link a function of type {sig.params} -> "
                                   f"{sig.results}")  # fmt: skip
        parsed = self._parse(module)
        if isinstance(parsed, CommandOutcome):
            return parsed
        binary = bytes(module.binary or b"")
        runtime = self.env.new_runtime(STACK_BYTES)
        links = []
        for mod, name, sig in imports:
            target = self._import(mod, name, sig)  # type: ignore[arg-type]
            if isinstance(target, CommandOutcome):
                return target
            links.append((mod, name, sig, target))
        try:
            runtime.load(parsed)
            for mod, name, sig, target in links:
                parsed.link_function(mod, name, _signature(sig), target)
        except RuntimeError as exc:
            return _failure(str(exc), loading=True)
        if handle is not None:
            self.instances[handle] = (runtime, parsed, export_signatures(binary) or {}, binary)
        return Ok()

    def _import(self, mod: str, name: str, sig: FuncSig) -> Any:
        """The Python callable standing for an imported function."""
        if mod == "spectest" and name.startswith("print"):
            return lambda *args: None
        handle = self.registered.get(mod)
        if handle is None:
            return LinkFailed(f"unknown import {mod}.{name}", "link")
        runtime, _, sigs, _ = self.instances[handle]
        if sigs.get(name) is None:
            return LinkFailed(f"unknown import {mod}.{name}", "link")
        if (sigs[name].params, sigs[name].results) != (sig.params, sig.results):
            return LinkFailed(f"incompatible import type {mod}.{name}", "link")
        return runtime.find_function(name)

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        self.registered[as_name] = handle
        return Ok()

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        runtime, _, sigs, _ = self.instances[handle]
        sig = sigs.get(field)
        if sig is None or _signature(sig) is None:
            return Unsupported("pywasm3 can't call a function of this type")
        try:
            func = runtime.find_function(field)
            raw = func(*(_to_python(a) for a in args))
        except RuntimeError as exc:
            return _failure(str(exc))
        if not sig.results:
            return Ok()
        return Ok((_from_python(sig.results[0], raw),))

    def get(self, handle: str, field: str) -> CommandOutcome:
        return Unsupported("pywasm3 doesn't tell an exported global's type")


def _signature(sig: FuncSig) -> str | None:
    """wasm3's signature string ("i(iI)"), or None if it can't say the type."""
    if len(sig.results) > 1 or any(t not in _CODES for t in sig.params + sig.results):
        return None
    result = _CODES[sig.results[0]] if sig.results else "v"
    return f"{result}({''.join(_CODES[t] for t in sig.params)})"


def _to_python(v: Value) -> int | float:
    bits = int(v.payload)  # type: ignore[arg-type]
    if v.type == "f32":
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    if v.type == "f64":
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    width = 32 if v.type == "i32" else 64
    return bits - (1 << width) if bits >> (width - 1) else bits


def _from_python(t: str, x: Any) -> Value:
    if t == "f32":
        return Value(t, struct.unpack("<I", struct.pack("<f", x))[0])
    if t == "f64":
        return Value(t, struct.unpack("<Q", struct.pack("<d", x))[0])
    return Value(t, int(x) & _MASKS[t])


def _failure(message: str, loading: bool = False) -> CommandOutcome:
    text = message.split("==== wasm backtrace", 1)[0].strip()
    if not text.startswith("[trap]"):
        if loading and "segment out of bounds" in text:  # initialising memory or a table
            return Trapped(text, "memory-bounds" if "data" in text else "table-bounds")
        if loading:
            return LinkFailed(text, "link") if "import" in text else Malformed(text)
        return Trapped(text)
    text = text.removeprefix("[trap]").strip()
    category: str | None = next((c for t, c in TRAPS.items() if text.startswith(t)), None)
    if category is None:
        category = next((c for t, c in SPEC_MESSAGES.items() if text.startswith(t)), None)
    if category == "call-stack-exhausted":
        return Exhausted(text, category)
    return Trapped(text, category)
