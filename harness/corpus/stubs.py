"""Stub imports for real modules: one module per imported module name that
exports what is imported, of the imported types.

Functions trap (``unreachable``): a real module's start function that calls
into its host then fails identically on every engine, and instantiation
(segments, images, tables) is what the corpus run compares.  Memories,
tables and globals are defined at the imported minimum size (globals zero,
references null), so every engine sees the same initial state.  Stubs are
text, made binary by ``wasm-tools parse``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from refimpl.syntax.module import FuncImport, Module
from refimpl.syntax.types import GlobalType, MemType, RefType, TableType, TagType


class StubError(ValueError):
    """An import no stub can stand for (e.g. a tag or a type index the text can't name)."""


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


def _export(module: Module, imp) -> str:
    name = _quote(imp.name)
    desc = imp.desc
    if isinstance(desc, FuncImport):
        ft = module.func_type(desc.type_index)
        params = "".join(f" (param {t})" for t in ft.params)
        results = "".join(f" (result {t})" for t in ft.results)
        if any(str(t).startswith("(ref") for t in (*ft.params, *ft.results)):
            raise StubError(f"no stub for a function of type {ft}")
        return f'(func (export "{name}"){params}{results} unreachable)'
    if isinstance(desc, MemType):
        return f'(memory (export "{name}") {_limits(desc.limits)})'
    if isinstance(desc, TableType):
        return f'(table (export "{name}") {_limits(desc.limits)} {_ref(desc.elem)})'
    if isinstance(desc, GlobalType):
        vtype = _ref(desc.type) if isinstance(desc.type, RefType) else str(desc.type)
        gtype = f"(mut {vtype})" if desc.mutable else vtype
        return f'(global (export "{name}") {gtype} {_zero(vtype)})'
    if isinstance(desc, TagType):
        raise StubError("no stub for an imported tag")
    raise StubError(f"no stub for an import of {type(desc).__name__}")


def _quote(text: str) -> str:
    return "".join(
        ch
        if 0x20 <= ord(ch) < 0x7F and ch not in '"\\'
        else "".join(f"\\{b:02x}" for b in ch.encode())
        for ch in text
    )


def stubs_for(module: Module) -> list[Stub]:
    """One stub module per imported module name, in order of first import.
    An import name seen twice is exported once (the first import's type)."""
    groups: dict[str, dict[str, str]] = {}
    for imp in module.imports:
        groups.setdefault(imp.module, {}).setdefault(imp.name, _export(module, imp))
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
