"""``--engine pywasm``: pywasm (a pure-Python interpreter, 2.x) in process.

An optional engine: without the ``pywasm`` package it is unavailable, with
a message saying so.  It runs in a worker process by default (a hang or a
runaway allocation costs one command).  What pywasm can't say, the adapter
can't either:

- pywasm has no validator: an invalid module instantiates, so
  ``assert_invalid`` fails (the report shows it by assertion kind);
- its traps are Python exceptions, mostly bare assertions: a trap's
  category is read from the exception's type and the pywasm source line
  that failed (``TRAP_SOURCES``); an unknown one is left without category,
  and the message check fails;
- its call depth limit (1,024 frames) is an assertion too: reported as
  exhaustion.  Memories larger than ``MAX_PAGES`` are declined rather than
  allocated.
"""

from __future__ import annotations

import io
import traceback
from typing import Any

from refimpl.features import Features

from ..engines.base import Engine, Session, SessionOptions
from ..engines.isolated import EngineUnavailable
from ..outcomes import CommandOutcome, Exhausted, LinkFailed, Malformed, Ok, Trapped, Unsupported
from ..script.commands import ModuleSource
from ..values import NULL, Ref, Value

MAX_PAGES = 1 << 14  # 1 GiB
# The pywasm source line whose assertion failed -> the trap's category.
TRAP_SOURCES: tuple[tuple[str, str], ...] = (
    ("len(self.stack.frame) < 1024", "call-stack-exhausted"),
    ("len(mems.data)", "memory-bounds"),
    ("len(data.data)", "memory-bounds"),
    ("a != self.min or b != -1", "integer-overflow"),
    (".to_bytes(", "integer-overflow"),  # a truncation's result out of range
    ("self.data[4] == 0x01", "null-table-entry"),
    ("self.store.func[addr].type == type", "signature-mismatch"),
    ("tabl.elem[", "table-bounds"),
    ("len(tabl.elem)", "table-bounds"),
    ("len(tabx.elem)", "table-bounds"),
    ("len(taby.elem)", "table-bounds"),
    ("len(elem.data)", "table-bounds"),
    ("assert 0", "unreachable"),
)
# Python's own errors in a truncation: int(nan), int(inf).
TRAP_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (ZeroDivisionError, "integer-divide-by-zero"),
    (ValueError, "invalid-conversion"),
    (OverflowError, "integer-overflow"),
)


def _pywasm() -> Any:
    try:
        import pywasm
    except ImportError:
        raise EngineUnavailable(
            "engine 'pywasm' is unsupported here: the pywasm package is not installed "
            "(pip install 'pywasm>=2,<3')"
        ) from None
    return pywasm


class PywasmEngine(Engine):
    name = "pywasm"
    exact_messages = False
    probes = False

    def __init__(self) -> None:
        self.pywasm = _pywasm()

    def describe(self) -> str:
        from importlib.metadata import version

        return f"pywasm {version('pywasm')}"

    def unsupported_profile(self, profile: str) -> str | None:
        if not Features.parse(profile).bulk_memory:
            return "pywasm implements Wasm 2.0 semantics only (segments, traps on instantiation)"
        return None

    def open(self, options: SessionOptions) -> Session:
        return PywasmSession(self.pywasm)


class PywasmSession(Session):
    def __init__(self, pywasm: Any):
        self.pw = pywasm
        self.runtime = pywasm.Runtime()
        self._reset_stack()
        self.instances: dict[str, Any] = {}
        self.runtime.imports["spectest"] = self._spectest()

    def _reset_stack(self) -> None:
        """After a trap pywasm's stacks hold the abandoned frames."""
        self.runtime.machine.stack = self.pw.Stack()

    def _spectest(self) -> dict:
        pw, rt = self.pw, self.runtime
        vt = pw.ValType
        prints = {
            "print": [], "print_i32": [vt.i32()], "print_i64": [vt.i64()],
            "print_f32": [vt.f32()], "print_f64": [vt.f64()],
            "print_i32_f32": [vt.i32(), vt.f32()], "print_f64_f64": [vt.f64(), vt.f64()],
        }  # fmt: skip
        exports = {
            name: rt.allocate_func_host(pw.FuncType(params, []), lambda *args: [])
            for name, params in prints.items()
        }
        for name, make in (
            ("global_i32", lambda: pw.ValInst.from_i32(666)),
            ("global_i64", lambda: pw.ValInst.from_i64(666)),
            ("global_f32", lambda: pw.ValInst.from_f32(666.6)),
            ("global_f64", lambda: pw.ValInst.from_f64(666.6)),
        ):
            value = make()
            exports[name] = rt.allocate_global(pw.GlobalType(value.type, 0), value)
        exports["table"] = rt.allocate_table(pw.TableType(vt.ref_func(), pw.Limits(10, 20)))
        exports["memory"] = rt.allocate_memory(pw.MemType(pw.Limits(1, 2)))
        return exports

    # -- modules -------------------------------------------------------------------

    def _decode(self, module: ModuleSource) -> Any:
        if module.binary is None:
            return Unsupported("pywasm has no text format parser")
        try:
            return self.pw.ModuleDesc.from_reader(io.BytesIO(module.binary))
        except Exception as exc:  # pywasm's decoder asserts; any failure is a rejection
            return Malformed(_text(exc))

    def check(self, module: ModuleSource) -> CommandOutcome:
        desc = self._decode(module)
        return desc if isinstance(desc, CommandOutcome) else Ok()

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        desc = self._decode(module)
        if isinstance(desc, CommandOutcome):
            return desc
        big = [m.limits.n for m in desc.mems if m.limits.n > MAX_PAGES]
        if big:
            return Unsupported(f"the adapter does not let pywasm allocate {big[0]} pages")
        extern = []
        for imp in desc.imps:
            item = self.runtime.imports.get(imp.module, {}).get(imp.name)
            if item is None:
                return LinkFailed(f"unknown import {imp.module}.{imp.name}", "link")
            why = self._mismatch(desc, imp, item)
            if why:
                return LinkFailed(f"incompatible import type: {why}", "link")
            extern.append(item)
        try:
            instance = self.runtime.machine.instance(desc, extern)
        except Exception as exc:
            self._reset_stack()
            return _failure(exc)
        if handle is not None:
            self.instances[handle] = instance
        return Ok()

    def _mismatch(self, desc: Any, imp: Any, item: Any) -> str | None:
        """Why ``item`` can't satisfy ``imp`` (pywasm only asserts it)."""
        store = self.runtime.machine.store
        if imp.kind != item.kind:
            return "a different kind of item"
        if imp.kind == 0x00 and store.func[item.data].type != desc.type[imp.desc]:
            return "function type"
        if imp.kind == 0x01:
            table = store.tabl[item.data]
            if table.type.type != imp.desc.type or not table.suit(imp.desc.limits):
                return "table type"
        if imp.kind == 0x02 and not store.mems[item.data].suit(imp.desc.limits):
            return "memory limits"
        if imp.kind == 0x03:
            glob = store.glob[item.data]
            if glob.data.type != imp.desc.type or glob.mut != imp.desc.mut:
                return "global type"
        return None

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        instance = self.instances[handle]
        self.runtime.imports[as_name] = {e.name: e.data for e in instance.exps}
        return Ok()

    def _export(self, handle: str, field: str, kind: int) -> Any:
        for e in self.instances[handle].exps:
            if e.name == field and e.data.kind == kind:
                return e.data.data
        raise KeyError(f"no export {field!r} of this kind")

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        addr = self._export(handle, field, 0x00)
        func = self.runtime.machine.store.func[addr]
        try:
            params = [_to_pywasm(self.pw, t, v) for t, v in zip(func.type.args, args, strict=True)]
        except ValueError as exc:
            return Unsupported(str(exc))
        try:
            results = self.runtime.machine.invocate(addr, params)
        except Exception as exc:
            self._reset_stack()
            return _failure(exc)
        return Ok(tuple(_from_pywasm(v) for v in results))

    def get(self, handle: str, field: str) -> CommandOutcome:
        addr = self._export(handle, field, 0x03)
        return Ok((_from_pywasm(self.runtime.machine.store.glob[addr].data),))


# -- values and failures -------------------------------------------------------------

_NUMBERS = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_REFS = {0x70: "funcref", 0x6F: "externref"}


def _to_pywasm(pw: Any, t: Any, v: Value) -> Any:
    if isinstance(v.payload, Ref):
        if v.payload.is_null:
            return pw.ValInst.zero(t)
        if t.data == 0x6F and isinstance(v.payload.payload, int):
            return pw.ValInst.from_ref(t, v.payload.payload)
        raise ValueError(f"cannot pass {v} to pywasm")
    bits = int(v.payload)  # type: ignore[arg-type]
    return pw.ValInst(t, bytearray(bits.to_bytes(16, "little")))


def _from_pywasm(v: Any) -> Value:
    code = v.type.data
    if code in _REFS:
        if v.data[4] == 0:
            return Value(_REFS[code], NULL)
        if code == 0x70:
            return Value("funcref", Ref("func"))
        return Value("externref", Ref("extern", v.into_i32()))
    width = {"i32": 4, "f32": 4, "i64": 8, "f64": 8, "v128": 16}[_NUMBERS[code]]
    return Value(_NUMBERS[code], int.from_bytes(bytes(v.data[:width]), "little"))


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _failure(exc: BaseException) -> CommandOutcome:
    if isinstance(exc, RecursionError):
        return Exhausted(_text(exc), "call-stack-exhausted")
    frames = traceback.extract_tb(exc.__traceback__)
    line = (frames[-1].line or "") if frames else ""
    where = f"{_text(exc)} at pywasm's {line!r}" if line else _text(exc)
    category = next((cat for text, cat in TRAP_SOURCES if text in line), None)
    if category is None:
        category = next((cat for t, cat in TRAP_ERRORS if isinstance(exc, t)), None)
    if category == "call-stack-exhausted":
        return Exhausted(where, category)
    return Trapped(where, category)
