"""Portable expectation scripts: the probes' state checks as a ``.wast``
that any spec runner checks on its own (``wasmtime wast`` under any ``-O``
configuration, the OCaml spec interpreter, ``spectest-interp``).

Each module is run on refimpl (the reference path) and written into the
script rewritten for probes (its memories, tables and globals exported under
reserved names), registered, and followed by assertions of the state it was
left in by instantiation:

- a global: ``assert_return`` of its ``get``;
- a memory: a checker module importing it asserts its size in pages, a
  digest of its bytes (FNV-style over little-endian 64-bit words: cheap in
  Wasm, computed in Python from refimpl's bytes; for a memory of 64 MiB or
  more, digests of its first and last page and of every page written, the
  rest being zero), and that a load at its current end traps (the
  out-of-bounds boundary);
- a table: a checker asserts its size and a digest of which entries are
  null (references have no portable identity in scripts).

Exports named ``act...`` (nullary, no results) are actions: each is invoked
in name order after the checks, its outcome asserted, and the checks
repeated (the state after ``memory.init``, ``table.init``, drops...).

A module that fails to instantiate becomes ``assert_trap``/``assert_unlinkable``
of refimpl's message.  One spectest instance serves the whole script, as in
the runners, so writes into its memory or table carry over.  Modules that
import anything but ``spectest``, memories that can't be checked portably
(64-bit, 4 GiB) and non-null reference globals are skipped, with a reason
counted.  A shared memory (threads) is checked like any other, through a
shared import.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass, field

import refimpl
from refimpl.errors import Exhaustion, LinkError, RefimplError, Trap, UnsupportedFeature
from refimpl.host.spectest import spectest_instance
from refimpl.runtime.instances import FuncInst, GlobalInst, TableInst
from refimpl.runtime.memory import MemInst
from refimpl.runtime.residency import SPARSE_BYTES, candidate_chunks
from refimpl.syntax.types import PAGE_SIZE

from ..lenient_reader import UnreadableModule, sections
from .rewrite import parse_probe_name, probe_binary

# Exports named so are actions: invoked after instantiation (no parameters,
# no results), each followed by the state checks again.
ACTION_PREFIX = "act"
_PRIME = 0x100000001B3
_M64 = (1 << 64) - 1
_WORDS = struct.Struct("<Q")


def memory_digest(data) -> int:
    """The checker's digest of a memory: h = h * P + word, mod 2^64, over
    8-byte words, then each byte of a ragged end (1-byte pages) as a word."""
    data = bytes(data)
    whole = len(data) - len(data) % 8
    h = 0
    for (word,) in _WORDS.iter_unpack(data[:whole]):
        h = (h * _PRIME + word) & _M64
    for byte in data[whole:]:
        h = (h * _PRIME + byte) & _M64
    return h


def null_digest(elements: list) -> int:
    """The checker's digest of a table's nulls: h = h * 3 + (1 if null else 2), mod 2^32."""
    h = 0
    for e in elements:
        h = (h * 3 + (1 if e is None else 2)) & 0xFFFFFFFF
    return h


_MEMORY_CHECKER = """(module
  (import "{mod}" "{name}" (memory {limits}{pagesize}))
  (func (export "size") (result i32) (memory.size))
  (func (export "digest") (result i64)
    (call $window (i32.const 0) (i32.mul (memory.size) (i32.const {page}))))
  (func $window (export "window") (param $i i32) (param $n i32) (result i64) (local $h i64)
    (block $done (loop $next
      (br_if $done (i32.lt_u (i32.sub (local.get $n) (local.get $i)) (i32.const 8)))
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const {prime}))
                             (i64.load (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const {prime}))
                             (i64.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $h))
  (func (export "end") (result i32) (i32.load8_u (i32.mul (memory.size) (i32.const {page})))))"""

_TABLE_CHECKER = """(module
  (import "{mod}" "{name}" (table 0 {elem}))
  (func (export "size") (result i32) (table.size))
  (func (export "nulls") (result i32) (local $i i32) (local $h i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (table.size)))
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 3))
        (select (i32.const 1) (i32.const 2) (ref.is_null (table.get (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $h)))"""


@dataclass
class Exported:
    text: str = ""
    modules: int = 0  # modules written
    assertions: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> items


def _bytes(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


def _name(text: str) -> str:
    return _bytes(text.encode())


def _const(vtype: str, value) -> str | None:
    if vtype in ("i32", "i64"):
        return f"({vtype}.const {value})"
    if vtype in ("f32", "f64"):
        if math.isnan(value):
            return None  # a NaN's payload is the bits refimpl keeps, not the float
        if math.isinf(value):
            return f"({vtype}.const {'-' if value < 0 else ''}inf)"
        return f"({vtype}.const {value.hex()})"
    if vtype == "v128":
        return f"(v128.const i64x2 {value & _M64} {value >> 64})"
    return None


class _Writer:
    def __init__(self, profile: str):
        self.features = refimpl.Features.parse(profile)
        self.store = refimpl.Store(self.features)
        self.registry = {"spectest": spectest_instance(self.features)}
        self.out = Exported()
        self.lines: list[str] = []
        self.count = 0

    def module(self, binary: bytes) -> None:
        rewritten = probe_binary(_without_names(binary), functions=False)
        if rewritten is None:
            self.out.skipped["module not rewritable for probes"] += 1
            return
        data, shape = rewritten
        if any(i.module != "spectest" for i in shape.imports):
            self.out.skipped["module imports beyond spectest"] += 1
            return
        try:
            module = refimpl.load(data, self.features)
        except RefimplError:
            self.out.skipped["module refimpl rejects or can't run"] += 1
            return
        text = f'(module binary "{_bytes(data)}")'
        try:
            inst = refimpl.instantiate(self.store, module, self.registry)
        except UnsupportedFeature:
            self.out.skipped["module refimpl can't run"] += 1
            return
        except (Trap, Exhaustion) as exc:
            self._emit(f'(assert_trap {text} "{_escape(str(exc))}")')
            return
        except LinkError as exc:
            self._emit(f'(assert_unlinkable {text} "{_escape(str(exc))}")')
            return
        self.count += 1
        label = f"m{self.count}"
        self.out.modules += 1
        self._emit(f'(module ${label} binary "{_bytes(data)}")', count=False)
        self._emit(f'(register "{label}" ${label})', count=False)
        checks = []
        for name, item in inst.exports.items():
            parsed = parse_probe_name(name)
            if parsed is None:
                continue
            if isinstance(item, MemInst):
                checks.append(self._memory(label, name, item))
            elif isinstance(item, TableInst):
                checks.append(self._table(label, name, item))
            elif isinstance(item, GlobalInst):
                checks.append(
                    lambda label=label, name=name, item=item: self._global(label, name, item)
                )
        for check in checks:
            if check is not None:
                check()
        for name in sorted(n for n in inst.exports if n.startswith(ACTION_PREFIX)):
            self._action(label, name, inst.exports[name], checks)

    def _action(self, label: str, name: str, func, checks) -> None:
        """Invoke a nullary action export, assert its outcome, check again."""
        if not isinstance(func, FuncInst) or func.type.params or func.type.results:
            return
        call = f'(invoke ${label} "{_name(name)}")'
        try:
            self.store.invoke(func, [])
        except (Trap, Exhaustion) as exc:
            self._emit(f'(assert_trap {call} "{_escape(str(exc))}")')
        else:
            self._emit(f"(assert_return {call})")
        for check in checks:
            if check is not None:
                check()

    def _emit(self, line: str, count: bool = True) -> None:
        self.lines.append(line)
        self.out.assertions += count

    def _memory(self, label: str, name: str, mem: MemInst):
        """Write the memory's checker; its checks (None if it can't be checked)."""
        limits = mem.type.limits
        if str(limits.address).lower().endswith("i64"):
            self.out.skipped["64-bit memory"] += 1
            return None
        if len(mem.data) >= 1 << 32:
            self.out.skipped["4 GiB memory (its end does not fit in i32)"] += 1
            return None
        log2 = mem.type.page_size_log2  # custom page sizes: the import says it too
        checker = f"$c{len(self.lines)}"
        # A shared memory imports only as shared, which needs a maximum: the
        # most pages a 32-bit memory of its page size has matches any.
        most = min((1 << 32) // mem.type.page_size, (1 << 32) - 1)
        wat = _MEMORY_CHECKER.format(
            mod=label,
            name=_name(name),
            prime=_PRIME,
            page=mem.type.page_size,
            limits=f"0 {most} shared" if limits.shared else "0",
            pagesize="" if log2 is None else f" (pagesize {mem.type.page_size})",
        )
        self._emit(wat.replace("(module", f"(module {checker}", 1), count=False)
        return lambda: self._memory_checks(checker, mem)

    def _memory_checks(self, checker: str, mem: MemInst) -> None:
        pages = mem.pages
        self._emit(f'(assert_return (invoke {checker} "size") (i32.const {pages}))')
        if len(mem.data) < SPARSE_BYTES:
            digest = memory_digest(mem.data)
            self._emit(f'(assert_return (invoke {checker} "digest") (i64.const {digest}))')
        else:  # a whole-memory digest would read gigabytes on every runner
            for lo, hi in _windows(mem.data):
                digest = memory_digest(mem.data[lo:hi])
                self._emit(
                    f'(assert_return (invoke {checker} "window" (i32.const {lo}) (i32.const {hi}))'
                    f" (i64.const {digest}))"
                )
        self._emit(f'(assert_trap (invoke {checker} "end") "out of bounds memory access")')

    def _table(self, label: str, name: str, table: TableInst):
        """Write the table's checker; its checks (None if it can't be checked)."""
        elem = str(table.elem_type)
        if elem not in ("funcref", "externref") or str(table.address).lower().endswith("i64"):
            self.out.skipped["table of a type checkers can't import"] += 1
            return None
        checker = f"$c{len(self.lines)}"
        wat = _TABLE_CHECKER.format(mod=label, name=_name(name), elem=elem)
        self._emit(wat.replace("(module", f"(module {checker}", 1), count=False)
        return lambda: self._table_checks(checker, table)

    def _table_checks(self, checker: str, table: TableInst) -> None:
        size = len(table.elements)
        self._emit(f'(assert_return (invoke {checker} "size") (i32.const {size}))')
        digest = null_digest(table.elements)
        self._emit(f'(assert_return (invoke {checker} "nulls") (i32.const {digest}))')

    def _global(self, label: str, name: str, g: GlobalInst) -> None:
        vtype = str(g.type.type)
        value = g.value
        if vtype in ("funcref", "externref") and value is None:
            expected = f"(ref.null {vtype[:-3]})"
        else:
            expected = _const(vtype, value)
        if expected is None:
            self.out.skipped[f"{vtype} global with no portable expectation"] += 1
            return
        self._emit(f'(assert_return (get ${label} "{_name(name)}") {expected})')


def _windows(data) -> list[tuple[int, int]]:
    """The page ranges a large memory's checks cover: its first and last
    page and every page that holds a non-zero byte (``residency`` finds them
    without reading the untouched gigabytes); the rest is zero and left to
    the probes' whole-memory digests."""
    size = len(data)
    pages = {0, size - PAGE_SIZE}
    for offset in candidate_chunks(data, PAGE_SIZE):
        if data[offset : offset + PAGE_SIZE].count(0) != PAGE_SIZE:
            pages.add(offset)
    runs: list[tuple[int, int]] = []
    for lo in sorted(pages):
        if runs and runs[-1][1] == lo:
            runs[-1] = (runs[-1][0], lo + PAGE_SIZE)
        else:
            runs.append((lo, lo + PAGE_SIZE))
    return runs


def _without_names(binary: bytes) -> bytes:
    """The module without its "name" custom sections: debug names only,
    which some runners fail to read (spectest-interp and a global-names
    subsection), so they would make a script fail for nothing it checks."""
    try:
        found = sections(binary)
    except UnreadableModule:
        return binary
    out, at = bytearray(binary[:8]), 8
    for s in found:
        if s.id == 0 and s.reader(binary).name() == "name":
            out += binary[at : s.start]
            at = s.end
    return bytes(out + binary[at:])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').splitlines()[0] if text else ""


def export_modules(binaries, profile: str = "2.0") -> Exported:
    """A self-checking script of these modules (bytes), instantiated in order."""
    writer = _Writer(profile)
    for binary in binaries:
        writer.module(binary)
    writer.out.text = "\n".join(writer.lines) + "\n"
    return writer.out
