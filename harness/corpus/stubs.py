"""Stub imports for real modules: one module per imported module name that
exports what is imported, of the imported types.

Functions trap (``unreachable``) by default: a real module's start function
that calls into its host then fails identically on every engine, and
instantiation (segments, images, tables) is what the corpus run compares;
``zeros=True`` makes them return zeros instead (the benchmarks, which time
refimpl's instantiation, want it to get through).  Memories, tables and
globals are defined at the imported minimum size (globals zero, references
null), tags with the imported type, so every engine sees the same initial
state.  Stubs are text, made binary by ``wasm-tools parse``; ``stub_registry``
instantiates them on refimpl.  This is the one stub builder.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from refimpl.syntax.module import FuncImport, Module
from refimpl.syntax.types import GlobalType, MemType, RefType, TableType, TagType


class StubError(ValueError):
    """An import no stub can stand for (e.g. a type index the text can't name)."""


@dataclass(frozen=True)
class Stub:
    name: str  # the import module name it is registered under
    wat: str
    binary: bytes


def _limits(lim) -> str:
    text = ("i64 " if str(lim.address).lower().endswith("i64") else "") + str(lim)
    return text + (" shared" if lim.shared else "")


def _ref(t: RefType) -> str:
    text = str(t)
    if text.startswith("(ref"):
        raise StubError(f"no stub for a table or global of type {text}")
    return text


def _zero(vtype: str) -> str:
    if vtype.endswith("ref"):
        return f"(ref.null {vtype[: -len('ref')]})"
    if vtype == "v128":
        return "(v128.const i64x2 0 0)"
    return f"({vtype}.const 0)"


def _signature(module: Module, type_index: int, what: str) -> tuple[str, str]:
    ft = module.func_type(type_index)
    if any(str(t).startswith("(ref") for t in (*ft.params, *ft.results)):
        raise StubError(f"no stub for a {what} of type {ft}")
    params = "".join(f" (param {t})" for t in ft.params)
    results = "".join(f" (result {t})" for t in ft.results)
    return params, results


def _export(module: Module, imp, zeros: bool) -> str:
    name = _quote(imp.name)
    desc = imp.desc
    if isinstance(desc, FuncImport):
        params, results = _signature(module, desc.type_index, "function")
        ft = module.func_type(desc.type_index)
        body = " ".join(_zero(str(t)) for t in ft.results) if zeros else "unreachable"
        return f'(func (export "{name}"){params}{results} {body})'
    if isinstance(desc, MemType):
        return f'(memory (export "{name}") {_limits(desc.limits)})'
    if isinstance(desc, TableType):
        return f'(table (export "{name}") {_limits(desc.limits)} {_ref(desc.elem)})'
    if isinstance(desc, GlobalType):
        vtype = _ref(desc.type) if isinstance(desc.type, RefType) else str(desc.type)
        gtype = f"(mut {vtype})" if desc.mutable else vtype
        return f'(global (export "{name}") {gtype} {_zero(vtype)})'
    if isinstance(desc, TagType):
        params, _ = _signature(module, desc.type_index, "tag")
        return f'(tag (export "{name}"){params})'
    raise StubError(f"no stub for an import of {type(desc).__name__}")


def _quote(text: str) -> str:
    return "".join(
        ch
        if 0x20 <= ord(ch) < 0x7F and ch not in '"\\'
        else "".join(f"\\{b:02x}" for b in ch.encode())
        for ch in text
    )


def stubs_for(module: Module, zeros: bool = False) -> list[Stub]:
    """One stub module per imported module name, in order of first import.
    An import name seen twice is exported once (the first import's type)."""
    groups: dict[str, dict[str, str]] = {}
    for imp in module.imports:
        if imp.name not in groups.setdefault(imp.module, {}):
            groups[imp.module][imp.name] = _export(module, imp, zeros)
    out = []
    for name, exports in groups.items():
        wat = "(module\n  " + "\n  ".join(exports.values()) + ")"
        out.append(Stub(name, wat, parse_wat(wat)))
    return out


def parse_wat(wat: str) -> bytes:
    """WAT text to a binary by ``wasm-tools parse``; ``StubError`` if it rejects it."""
    from ..script.convert import Converter

    proc = subprocess.run(
        [str(Converter("wasm-tools").executable()), "parse", "-", "-o", "/dev/stdout"],
        input=wat.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise StubError(f"wasm-tools rejected a stub: {proc.stderr.decode(errors='replace')[:300]}")
    return proc.stdout


def stub_registry(store, module: Module, features, zeros: bool = True) -> dict:
    """The stubs instantiated on refimpl in ``store``: import module name ->
    instance, for ``refimpl.instantiate``'s imports."""
    import refimpl
    from refimpl.binary import decode_module
    from refimpl.valid import validate_module

    out = {}
    for stub in stubs_for(module, zeros):
        decoded = decode_module(stub.binary, features)
        validate_module(decoded, features)
        out[stub.name] = refimpl.instantiate(store, decoded, {})
    return out
