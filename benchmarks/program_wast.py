"""A real program's run as a ``.wast`` script, for the OCaml spec interpreter.

The spec interpreter runs scripts, not host code, so a program's run (its
calls, its writes of input into linear memory, its reads of output) is
recorded while wasmtime runs it, and written as a script that replays it:

- the module itself as ``(module $prog binary "...")``, unchanged, its
  imports satisfied by registered stub modules (``harness.corpus.stubs``,
  functions returning zeros: what the other runtimes get too);
- every call as an ``assert_return`` of wasmtime's results: the spec
  interpreter must compute the same values at every step;
- every write as a small module whose active data segment, written at
  instantiation, lands in the program's (imported) memory;
- every read as ``assert_return``s of a helper that loads the bytes wasmtime
  read, so the output is checked too; a memory grow through that helper;
  a global's read as an ``assert_return`` of ``get``.

``setup()`` is the script up to the first step (definition, instantiation,
stubs), timed on its own so that the program's time excludes it.
"""

from __future__ import annotations

import wasmtime

from harness.corpus.stubs import StubError, stubs_for
from refimpl import Features
from refimpl.binary import decode_module

_MASK = {"i32": (1 << 32) - 1, "i64": (1 << 64) - 1}
# Printable ASCII stands for itself in a string literal; all else is \hh.
_ESCAPE = [chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\' else f"\\{b:02x}" for b in range(256)]


class Unsupported(Exception):
    """The module or program can't be replayed in a script."""


def wast_string(data: bytes) -> str:
    return '"' + "".join(map(_ESCAPE.__getitem__, data)) + '"'


def const(valtype: str, value: int) -> str:
    """An integer constant, written signed (what every text parser accepts)."""
    if valtype not in _MASK:
        raise Unsupported(f"a {valtype} value")
    bits = _MASK[valtype].bit_length()
    value &= _MASK[valtype]
    if value >> (bits - 1):
        value -= 1 << bits
    return f"({valtype}.const {value})"


def stub_modules(binary: bytes) -> list[str]:
    """The program's imports: ``harness.corpus.stubs`` (functions return
    zeros), each stub module registered under its import module name."""
    module = decode_module(binary, Features.parse("3.0"))
    try:
        stubs = stubs_for(module, zeros=True)
    except StubError as exc:
        raise Unsupported(str(exc)) from exc
    return [line for s in stubs for line in (s.wat, f"(register {wast_string(s.name.encode())})")]


class Transcript:
    """Runs a program on ``ref`` (a wasmtime instance of ``programs``) and
    records it as a script; it answers every call with ``ref``'s results."""

    def __init__(self, binary: bytes, ref):
        self.ref = ref
        module = wasmtime.Module(ref.store.engine, binary)
        self.types = {
            e.name: e.type for e in module.exports if isinstance(e.type, wasmtime.FuncType)
        }
        self.globals = {
            e.name: e.type.content
            for e in module.exports
            if isinstance(e.type, wasmtime.GlobalType)
        }
        memory = next(
            (e.name for e in module.exports if isinstance(e.type, wasmtime.MemoryType)), None
        )
        if memory is None:
            raise Unsupported("exports no memory")
        self.memory = wast_string(memory.encode())
        self.setup_lines = [
            *stub_modules(binary),
            f"(module $prog binary {wast_string(binary)})",
            '(register "prog" $prog)',
            f'(module $mem (import "prog" {self.memory} (memory 0))\n'
            '  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))\n'
            '  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))\n'
            '  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))',
        ]
        self.steps: list[str] = []

    # -- the Instance protocol of programs.py --

    def call(self, name: str, *args: int) -> list[int]:
        ftype = self.types[name]
        results = self.ref.call(name, *args)
        invoke = f'(invoke $prog "{name}"' + "".join(
            " " + const(str(t), a) for t, a in zip(ftype.params, args, strict=True)
        )
        expect = "".join(
            " " + const(str(t), r) for t, r in zip(ftype.results, results, strict=True)
        )
        self.steps.append(f"(assert_return {invoke}){expect})")
        return results

    def read(self, addr: int, n: int) -> bytes:
        data = self.ref.read(addr, n)
        whole = n - n % 8
        for i in range(0, whole, 8):
            word = int.from_bytes(data[i : i + 8], "little")
            self.steps.append(
                f'(assert_return (invoke $mem "load64" {const("i32", addr + i)}) '
                f"{const('i64', word)})"
            )
        for i in range(whole, n):
            self.steps.append(
                f'(assert_return (invoke $mem "load8" {const("i32", addr + i)}) '
                f"{const('i32', data[i])})"
            )
        return data

    def write(self, addr: int, data: bytes) -> None:
        self.ref.write(addr, data)
        self.steps.append(
            f'(module (import "prog" {self.memory} (memory 0)) '
            f"(data {const('i32', addr)} {wast_string(data)}))"
        )

    def grow(self, pages: int) -> None:
        old = self.ref.mem.size(self.ref.store)
        self.ref.grow(pages)
        self.steps.append(
            f'(assert_return (invoke $mem "grow" {const("i32", pages)}) {const("i32", old)})'
        )

    def get(self, name: str) -> int:
        value = self.ref.get(name)
        vtype = str(self.globals[name])
        self.steps.append(f'(assert_return (get $prog "{name}") {const(vtype, value)})')
        return value

    # -- the scripts --

    def setup(self) -> str:
        """Definition, instantiation, stubs: what the other runtimes don't time."""
        return "\n".join(self.setup_lines) + "\n"

    def script(self) -> str:
        return "\n".join(self.setup_lines + self.steps) + "\n"
