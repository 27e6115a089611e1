"""Instantiation-heavy modules, for checking refimpl's init modes against
the reference path.

A hypothesis strategy (``modules(profile)``) draws a *description* of a
module -- memories and tables (defined, or imported and grown past their
declared minimum by the environment), data and element segments (active at
random and extreme offsets, constant or ``global.get``, overlapping, empty,
exactly at the end, one past it; passive; declarative) and a start function
that writes memory, tables and globals and then maybe traps.  ``render``
turns a description into WebAssembly text, ``environment`` makes the
objects its imports resolve to, and ``check`` runs it through
``refimpl.init.compare.compare_modes`` under every profile it is valid in.

Descriptions are plain frozen dataclasses, so hypothesis prints a shrunk
counterexample as something that can be pasted into a test.

Profiles: ``mvp`` keeps to Wasm 1.0 constructs (one memory, one funcref
table, active segments with the flag-0 encodings, no reference types or
bulk instructions); its modules are also run under ``2.0``, where the same
segments apply in order instead of being checked first.  ``2.0`` adds
several tables (funcref and externref), passive and declarative segments,
expression elements and the bulk and table instructions in the start
function.  ``multi`` is ``2.0`` with multi-memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import wasmtime
from hypothesis import strategies as st

import refimpl
from refimpl.init.compare import ModeDifference, ModeResult, compare_modes
from refimpl.runtime.instances import GlobalInst, HostFunc, TableInst
from refimpl.runtime.memory import MemInst
from refimpl.runtime.values import ExternRef
from refimpl.syntax.types import (
    EXTERNREF,
    FUNCREF,
    I32,
    PAGE_SIZE,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    TableType,
)

# Generator profile -> the feature profiles its modules run under.
RUN_PROFILES = {
    "mvp": ("mvp", "2.0"),
    "2.0": ("2.0",),
    "multi": ("2.0,+multi-memory",),
}
GENERATOR_PROFILES = tuple(RUN_PROFILES)

U32 = 0xFFFFFFFF
BIG_PAGES = 257  # just over refimpl's 16 MiB eager limit: a mapped memory

# -- descriptions -------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    min: int  # pages, as the module declares
    max: int | None = None
    imported: bool = False
    grown: int = 0  # pages the environment grew an imported memory by
    fill: int = 0  # seed of an imported memory's prior contents (0: zeros)

    @property
    def pages(self) -> int:
        """The size at instantiation."""
        return self.min + self.grown


@dataclass(frozen=True)
class Table:
    min: int
    max: int | None = None
    elem: str = "funcref"  # or "externref"
    imported: bool = False
    grown: int = 0
    fill: bool = False  # an imported table's entries start as host references

    @property
    def size(self) -> int:
        return self.min + self.grown


@dataclass(frozen=True)
class Offset:
    value: int
    via_global: bool = False  # ``global.get`` of an imported immutable i32 holding it


@dataclass(frozen=True)
class Bytes:
    length: int
    kind: str = "random"  # random | zeros | fill | sparse
    seed: int = 0

    def value(self) -> bytes:
        if self.kind == "zeros" or not self.length:
            return bytes(self.length)
        if self.kind == "fill":
            return bytes([self.seed % 255 + 1]) * self.length
        rng = random.Random(self.seed)
        if self.kind == "sparse":  # mostly zeros, a few bytes set
            buf = bytearray(self.length)
            for _ in range(1 + self.length // 512):
                buf[rng.randrange(self.length)] = rng.randrange(1, 256)
            return bytes(buf)
        return rng.randbytes(self.length)


@dataclass(frozen=True)
class Data:
    mode: str  # active | passive
    memory: int = 0
    offset: Offset | None = None
    bytes: Bytes = Bytes(0)


# Element items: ("func", function index) | ("null",) | ("global",) -- the
# imported global of the segment's reference type.
@dataclass(frozen=True)
class Elem:
    mode: str  # active | passive | declarative
    table: int = 0
    offset: Offset | None = None
    items: tuple = ()
    elem: str = "funcref"
    exprs: bool = False  # expression syntax (else function indices: the 1.0 form)


# Start function actions, as tuples (kind, *arguments):
#   ("store", mem, addr, byte)        ("copy", mem, src, dst)
#   ("load", mem, addr)               -> added into the global $trace
#   ("call", table, slot)             call_indirect (type $void)
#   ("grow", mem, pages)              ("set_import", value)
#   ("table_set", table, slot, item)  item: ("func", i) | ("null",) | ("get", slot)
#   ("table_grow", table, n)          ("memory_init", mem, data, dst, src, n)
#   ("data_drop", data)               ("table_init", table, elem, dst, src, n)
#   ("elem_drop", elem)
@dataclass(frozen=True)
class Start:
    actions: tuple = ()
    trap: bool = False


@dataclass(frozen=True)
class ModuleDesc:
    profile: str
    memories: tuple = ()
    tables: tuple = ()
    funcs: int = 1  # defined functions besides the start function
    host_func: bool = False  # an imported function first in the index space
    mut_import: bool = False  # an imported mutable i32 the start function may set
    datas: tuple = ()
    elems: tuple = ()
    start: Start | None = None

    @property
    def func_count(self) -> int:
        """Functions that element segments and the start function may name."""
        return int(self.host_func) + self.funcs


# -- rendering ---------------------------------------------------------------------------


def _const(v: int) -> str:
    return f"(i32.const {v & U32})"


class _Renderer:
    def __init__(self, desc: ModuleDesc):
        self.d = desc
        self.multi = len(desc.memories) > 1
        self.offset_globals: list[int] = []  # values of the imported offset globals
        self.ref_globals: set[str] = set()  # "funcref" / "externref" globals used

    def offset(self, off: Offset) -> str:
        if off.via_global:
            self.offset_globals.append(off.value)
            return f"(global.get $o{len(self.offset_globals) - 1})"
        return _const(off.value)

    def mem(self, i: int) -> str:
        return f" $m{i}" if self.multi else ""

    def item(self, it: tuple, elem: str) -> str:
        if it[0] == "func":
            return f"(ref.func $f{it[1]})"
        if it[0] == "global":
            self.ref_globals.add(elem)
            return "(global.get $gf)" if elem == "funcref" else "(global.get $ge)"
        return "(ref.null func)" if elem == "funcref" else "(ref.null extern)"

    def render(self) -> str:
        d = self.d
        # Imports first: the text format wants them before any definition.
        imports, body = [], []
        for i, m in enumerate(d.memories):
            limits = f"{m.min}" + ("" if m.max is None else f" {m.max}")
            if m.imported:
                imports.append(f'(import "env" "m{i}" (memory $m{i} {limits}))')
            else:
                body.append(f"(memory $m{i} {limits})")
        for i, t in enumerate(d.tables):
            limits = f"{t.min}" + ("" if t.max is None else f" {t.max}")
            if t.imported:
                imports.append(f'(import "env" "t{i}" (table $t{i} {limits} {t.elem}))')
            else:
                body.append(f"(table $t{i} {limits} {t.elem})")
        segments = [self.data(i, s) for i, s in enumerate(d.datas)]
        segments += [self.element(i, e) for i, e in enumerate(d.elems)]
        declared = {it[1] for e in d.elems for it in e.items if it[0] == "func"}
        start = self.start(declared) if d.start is not None else []

        if d.host_func:
            imports.append('(import "env" "hf" (func $f0))')
        imports += [
            f'(import "env" "o{i}" (global $o{i} i32))' for i in range(len(self.offset_globals))
        ]
        if d.mut_import:
            imports.append('(import "env" "mg" (global $mg (mut i32)))')
        if "funcref" in self.ref_globals:
            imports.append('(import "env" "gf" (global $gf funcref))')
        if "externref" in self.ref_globals:
            imports.append('(import "env" "ge" (global $ge externref))')

        funcs = ["(type $void (func))", "(type $int (func (param i32)))"]
        funcs.append("(global $trace (mut i32) (i32.const 0))")
        first = int(d.host_func)
        for k in range(d.funcs):
            index = first + k
            # Every other function takes a parameter: call_indirect (type $void)
            # on it is a signature mismatch.
            typ, extra = ("$int", "(local.get 0)") if k % 2 else ("$void", "(i32.const 0)")
            funcs.append(
                f"(func $f{index} (type {typ}) (global.set $trace (i32.add (i32.add "
                f"(i32.mul (global.get $trace) (i32.const 31)) (i32.const {index + 1})) {extra})))"
            )
        if d.start is not None:
            funcs.append("(func $start " + " ".join(start) + ")")
            funcs.append("(start $start)")
        lines = ["(module", *imports, *body, *funcs, *segments, ")"]
        return "\n  ".join(lines[:-1]) + "\n)"

    def data(self, i: int, s: Data) -> str:
        text = s.bytes.value().hex("\\")
        text = '"' + ("\\" + text if text else "") + '"'
        if s.mode == "passive":
            return f"(data $d{i} {text})"
        where = f"(memory $m{s.memory}) " if s.memory or self.multi else ""
        return f"(data $d{i} {where}{self.offset(s.offset)} {text})"

    def element(self, i: int, e: Elem) -> str:
        if e.exprs:
            items = f"{e.elem} " + " ".join(self.item(it, e.elem) for it in e.items)
        else:
            items = "func " + " ".join(f"$f{it[1]}" for it in e.items)
        if e.mode == "passive":
            return f"(elem $e{i} {items})"
        if e.mode == "declarative":
            return f"(elem $e{i} declare {items})"
        offset = self.offset(e.offset)
        if e.table == 0 and not e.exprs:
            # The Wasm 1.0 form (flag 0): table 0, function indices.
            return f"(elem $e{i} {offset} " + " ".join(f"$f{it[1]}" for it in e.items) + ")"
        return f"(elem $e{i} (table $t{e.table}) {offset} {items})"

    def start(self, declared: set[int]) -> list[str]:
        d = self.d
        out = []
        for a in d.start.actions:
            kind = a[0]
            if kind == "store":
                _, m, addr, byte = a
                out.append(f"(i32.store8{self.mem(m)} {_const(addr)} {_const(byte)})")
            elif kind == "copy":
                _, m, src, dst = a
                load = f"(i32.load8_u{self.mem(m)} {_const(src)})"
                out.append(f"(i32.store8{self.mem(m)} {_const(dst)} {load})")
            elif kind == "load":
                _, m, addr = a
                out.append(
                    f"(global.set $trace (i32.add (global.get $trace) "
                    f"(i32.load{self.mem(m)} {_const(addr)})))"
                )
            elif kind == "call":
                _, t, slot = a
                out.append(f"(call_indirect $t{t} (type $void) {_const(slot)})")
            elif kind == "grow":
                _, m, n = a
                out.append(f"(drop (memory.grow{self.mem(m)} {_const(n)}))")
            elif kind == "set_import":
                out.append(f"(global.set $mg {_const(a[1])})")
            elif kind == "table_set":
                _, t, slot, it = a
                elem = d.tables[t].elem
                if it[0] == "get":
                    value = f"(table.get $t{t} {_const(it[1])})"
                elif it[0] == "func" and it[1] in declared:
                    value = f"(ref.func $f{it[1]})"
                else:
                    value = "(ref.null func)" if elem == "funcref" else "(ref.null extern)"
                out.append(f"(table.set $t{t} {_const(slot)} {value})")
            elif kind == "table_grow":
                _, t, n = a
                null = "(ref.null func)" if d.tables[t].elem == "funcref" else "(ref.null extern)"
                out.append(f"(drop (table.grow $t{t} {null} {_const(n)}))")
            elif kind == "memory_init":
                _, m, s, dst, src, n = a
                mem = f" $m{m}" if self.multi else ""
                out.append(f"(memory.init{mem} $d{s} {_const(dst)} {_const(src)} {_const(n)})")
            elif kind == "data_drop":
                out.append(f"(data.drop $d{a[1]})")
            elif kind == "table_init":
                _, t, e, dst, src, n = a
                out.append(f"(table.init $t{t} $e{e} {_const(dst)} {_const(src)} {_const(n)})")
            elif kind == "elem_drop":
                out.append(f"(elem.drop $e{a[1]})")
            else:  # pragma: no cover - a description this module did not make
                raise ValueError(f"unknown start action {a!r}")
        if d.start.trap:
            out.append("(unreachable)")
        return out


def render(desc: ModuleDesc) -> str:
    """The module as WebAssembly text."""
    return _Renderer(desc).render()


def compile_desc(desc: ModuleDesc) -> bytes:
    return wasmtime.wat2wasm(render(desc))


# -- the environment ------------------------------------------------------------------


def environment(desc: ModuleDesc) -> dict[tuple[str, str], object]:
    """Fresh objects for the module's imports: memories and tables of the
    declared types, grown as described and holding prior contents, the
    offset globals, and references for expression elements."""
    r = _Renderer(desc)
    r.render()  # to learn which globals the module imports
    env: dict[tuple[str, str], object] = {}
    for i, m in enumerate(desc.memories):
        if not m.imported:
            continue
        mem = MemInst(MemType(Limits(m.min, m.max)))
        assert mem.grow(m.grown) == m.min
        if m.fill:
            mem.data[:] = random.Random(m.fill).randbytes(len(mem.data))
        env[("env", f"m{i}")] = mem
    for i, t in enumerate(desc.tables):
        if not t.imported:
            continue
        rtype = FUNCREF if t.elem == "funcref" else EXTERNREF
        table = TableInst(TableType(Limits(t.min, t.max), rtype))
        table.grow(t.grown, None)
        if t.fill:
            for k in range(len(table.elements)):
                table.elements[k] = (
                    HostFunc(FuncType((), ()), _nothing, f"t{i}[{k}]")
                    if t.elem == "funcref"
                    else ExternRef(("t", i, k))
                )
        env[("env", f"t{i}")] = table
    if desc.host_func:
        env[("env", "hf")] = HostFunc(FuncType((), ()), _nothing, "hf")
    for k, value in enumerate(r.offset_globals):
        env[("env", f"o{k}")] = GlobalInst(GlobalType(False, I32), value)
    if desc.mut_import:
        env[("env", "mg")] = GlobalInst(GlobalType(True, I32), 0x5A5A)
    if "funcref" in r.ref_globals:
        env[("env", "gf")] = GlobalInst(
            GlobalType(False, FUNCREF), HostFunc(FuncType((), ()), _nothing, "gf")
        )
    if "externref" in r.ref_globals:
        env[("env", "ge")] = GlobalInst(GlobalType(False, EXTERNREF), ExternRef("ge"))
    return env


def _nothing(args):
    return []


# -- checking -----------------------------------------------------------------------------


@dataclass
class Checked:
    profile: str
    round: int  # 0: the first instantiation of the decoded module; 1: again
    results: list[ModeResult]
    divergences: list[ModeDifference]


def check(
    desc: ModuleDesc,
    modes: list,
    profiles=None,
    binary: bytes | None = None,
    executor: str = "interpreter",
    rounds: int = 2,
    between=None,
) -> list[Checked]:
    """Instantiate ``desc`` under ``modes`` (the first is the reference) in
    each profile it runs under, from a fresh environment each time.

    Each decoded module is instantiated ``rounds`` times per mode: the first
    time a mode does its per-module work (images, plans) and the later
    times reuse it, so an instance that leaks into the cached work (or a
    pooled slot, if ``between`` gives slots back) shows up as a divergence."""
    binary = compile_desc(desc) if binary is None else binary
    out = []
    for profile in profiles or RUN_PROFILES[desc.profile]:
        features = refimpl.Features.parse(profile)
        module = refimpl.load(binary, features)
        for round_ in range(rounds):
            env = environment(desc)
            store = refimpl.Store(features, executor_name=executor, max_call_depth=200)
            results, divergences = compare_modes(
                store, module, lambda imp, env=env: env.get((imp.module, imp.name)), modes
            )
            if between is not None:
                between()
            out.append(Checked(profile, round_, results, divergences))
    return out


# -- the strategy ------------------------------------------------------------------------

_SIMPLE_LENGTHS = st.integers(0, 8)
_LENGTHS = st.one_of(_SIMPLE_LENGTHS, st.integers(0, 300), st.integers(0, 2 * PAGE_SIZE + 10))


@st.composite
def _bytes(draw) -> Bytes:
    length = draw(_LENGTHS)
    kind = draw(st.sampled_from(["random", "zeros", "fill", "sparse"]))
    return Bytes(length, kind, draw(st.integers(0, 255)))


_ELEM_TYPES = ["funcref", "funcref", "externref"]
_FITTING = ["zero", "fit", "fit", "fit", "end", "overlap", "declared_end"]
_EDGES = [
    "past", "end_empty", "end_plus_1", "declared_past", "page", "max", "wrap", "high",
    "beyond", "any",
]  # fmt: skip


@st.composite
def _offset(
    draw, size_now: int, size_declared: int, length: int, others: list[int], tame: bool
) -> Offset:
    """An offset for ``length`` units into a space of ``size_now`` (its
    declared minimum: ``size_declared``), favouring the edges.  ``tame``
    offsets fit, as far as the sizes allow."""
    kind = draw(st.sampled_from(_FITTING if tame else _FITTING + _EDGES))
    if kind == "zero":
        value = 0
    elif kind == "fit":
        value = draw(st.integers(0, max(0, size_now - length)))
    elif kind == "end":
        value = size_now - length
    elif kind == "declared_end":
        value = size_declared - length
    elif kind == "overlap" and others:
        value = draw(st.sampled_from(others)) + draw(st.integers(-4, 4))
        if tame:
            value = min(value, size_now - length)
    elif kind == "overlap":
        value = draw(st.integers(0, max(0, size_now - length)))
    elif kind == "past":
        value = size_now - length + 1
    elif kind == "end_empty":
        value = size_now
    elif kind == "end_plus_1":
        value = size_now + 1
    elif kind == "declared_past":
        value = size_declared - length + 1
    elif kind == "page":
        value = draw(st.integers(1, 3)) * PAGE_SIZE + draw(st.integers(-4, 4))
    elif kind == "max":
        value = U32
    elif kind == "wrap":  # offset + length wraps past 2^32
        value = U32 - max(length, 1) + 2
    elif kind == "high":
        value = draw(st.sampled_from([0x7FFFFFFF, 0x80000000, 0xFFFF0000]))
    elif kind == "beyond":
        value = size_now + draw(st.integers(2, 100))
    else:
        value = draw(st.integers(0, U32))
    value = min(max(value, 0), U32)
    # Rare choices are the high values, so that shrinking drops them.
    via_global = draw(st.integers(0, 7 if tame else 3)) == 3
    return Offset(value, via_global)


@st.composite
def _memory(draw, imported: bool) -> Memory:
    big = draw(st.integers(0, 49)) == 49
    if imported:
        lo = draw(st.integers(0, 2))
        grown = draw(st.integers(0, 2))
        if big:
            grown = BIG_PAGES - lo
    else:
        lo = BIG_PAGES if big else draw(st.integers(0, 3))
        grown = 0
    size = lo + grown
    cap = draw(st.one_of(st.none(), st.integers(0, 3)))
    mx = None if cap is None else size + cap
    fill = draw(st.integers(0, 3)) if imported else 0
    return Memory(lo, mx, imported, grown, fill)


@st.composite
def _table(draw, imported: bool, elem: str) -> Table:
    lo = draw(st.integers(0, 6))
    grown = draw(st.integers(0, 4)) if imported else 0
    cap = draw(st.one_of(st.none(), st.integers(0, 4)))
    mx = None if cap is None else lo + grown + cap
    fill = imported and draw(st.booleans())
    return Table(lo, mx, elem, imported, grown, fill)


@st.composite
def modules(draw, profile: str = "2.0") -> ModuleDesc:
    """A module description for generator profile ``mvp``, ``2.0`` or ``multi``."""
    mvp = profile == "mvp"
    max_mems = 3 if profile == "multi" else 1
    max_tables = 1 if mvp else 3

    # Most modules have a memory; "multi" ones up to three.
    n_mems = draw(st.integers(0, max_mems)) if max_mems > 1 else min(1, draw(st.integers(0, 4)))
    # A third of memories and tables are imported (imports come first).
    imported = sorted((draw(st.integers(0, 2)) == 2 for _ in range(n_mems)), reverse=True)
    memories = tuple(draw(_memory(imp)) for imp in imported)

    n_tables = min(max_tables, draw(st.integers(0, 5)))
    imp_tables = sorted((draw(st.integers(0, 2)) == 2 for _ in range(n_tables)), reverse=True)
    tables = tuple(
        draw(_table(imp, "funcref" if mvp else draw(st.sampled_from(_ELEM_TYPES))))
        for imp in imp_tables
    )

    funcs = draw(st.integers(1, 3))
    host_func = draw(st.booleans())
    func_count = int(host_func) + funcs
    func_item = st.tuples(st.just("func"), st.integers(0, func_count - 1))

    # Half the modules keep their segments in bounds (of the sizes at
    # instantiation): those are the ones image modes can apply to.
    tame = draw(st.booleans())
    datas: list[Data] = []
    offsets: dict[int, list[int]] = {}
    for _ in range(draw(st.integers(0, 6))):
        passive = not mvp and draw(st.integers(0, 4)) == 4
        data_bytes = draw(_bytes())
        if tame and memories:
            limit = min(m.pages for m in memories) * PAGE_SIZE
            data_bytes = Bytes(min(data_bytes.length, limit), data_bytes.kind, data_bytes.seed)
        if passive or not memories:
            if mvp:
                continue
            datas.append(Data("passive", bytes=data_bytes))
            continue
        m = draw(st.integers(0, len(memories) - 1))
        mem = memories[m]
        off = draw(
            _offset(
                mem.pages * PAGE_SIZE,
                mem.min * PAGE_SIZE,
                data_bytes.length,
                offsets.get(m, []),
                tame,
            )
        )
        offsets.setdefault(m, []).append(off.value)
        datas.append(Data("active", m, off, data_bytes))

    elems: list[Elem] = []
    toffsets: dict[int, list[int]] = {}
    for _ in range(draw(st.integers(0, 5))):
        mode = (
            "active"
            if mvp
            else draw(st.sampled_from(["active", "active", "passive", "declarative"]))
        )
        if mode == "active" and not tables:
            if mvp:
                continue
            mode = "passive"
        if mode == "active":
            t = draw(st.integers(0, len(tables) - 1))
            elem = tables[t].elem
        else:
            t = 0
            elem = "funcref" if mode == "declarative" else draw(st.sampled_from(_ELEM_TYPES))
        exprs = elem == "externref" or (not mvp and draw(st.booleans()))
        if not exprs:
            item = func_item
        elif elem == "funcref":
            # A global.get element makes a segment unfoldable: in some only.
            with_global = draw(st.integers(0, 3)) == 3
            item = st.one_of(
                func_item, st.just(("null",)), *([st.just(("global",))] if with_global else [])
            )
        else:
            item = st.one_of(st.just(("null",)), st.just(("global",)))
        most = draw(st.sampled_from([3, 6, 20]))
        if tame and mode == "active":
            most = min(most, tables[t].size)
        items = tuple(draw(st.lists(item, max_size=most)))
        off = None
        if mode == "active":
            table = tables[t]
            off = draw(_offset(table.size, table.min, len(items), toffsets.get(t, []), tame))
            toffsets.setdefault(t, []).append(off.value)
        elems.append(Elem(mode, t, off, items, elem, exprs))

    mut_import = draw(st.booleans())
    start = None
    if draw(st.integers(0, 3)):
        start = draw(_start(mvp, memories, tables, datas, elems, func_count, mut_import))
    return ModuleDesc(
        profile, memories, tables, funcs, host_func, mut_import, tuple(datas), tuple(elems), start
    )


@st.composite
def _start(draw, mvp, memories, tables, datas, elems, func_count, mut_import) -> Start:
    def addr(m):
        size = memories[m].pages * PAGE_SIZE
        return draw(
            st.one_of(
                st.integers(0, 64), st.integers(0, max(size, 1) + 2), st.just(max(size - 1, 0))
            )
        )

    def slot(t):
        return draw(st.integers(0, tables[t].size + 1))

    kinds = []
    if memories:
        kinds += ["store", "copy", "load", "grow"]
    funcref_tables = [i for i, t in enumerate(tables) if t.elem == "funcref"]
    if funcref_tables:
        kinds.append("call")
    if mut_import:
        kinds.append("set_import")
    if not mvp and tables:
        kinds += ["table_set", "table_grow"]
    if not mvp and datas and memories:
        kinds += ["memory_init", "data_drop"]
    if not mvp and elems and tables:
        kinds += ["table_init", "elem_drop"]
    actions = []
    for _ in range(draw(st.integers(0, 5)) if kinds else 0):
        kind = draw(st.sampled_from(kinds))
        if kind in ("store", "copy", "load", "grow"):
            m = draw(st.integers(0, len(memories) - 1))
            if kind == "store":
                actions.append(("store", m, addr(m), draw(st.integers(0, 255))))
            elif kind == "copy":
                actions.append(("copy", m, addr(m), addr(m)))
            elif kind == "load":
                actions.append(("load", m, addr(m)))
            else:
                actions.append(("grow", m, draw(st.integers(0, 2))))
        elif kind == "call":
            t = draw(st.sampled_from(funcref_tables))
            actions.append(("call", t, slot(t)))
        elif kind == "set_import":
            actions.append(("set_import", draw(st.integers(0, U32))))
        elif kind in ("table_set", "table_grow"):
            t = draw(st.integers(0, len(tables) - 1))
            if kind == "table_grow":
                actions.append(("table_grow", t, draw(st.integers(0, 3))))
                continue
            choices = [
                st.just(("null",)),
                st.tuples(st.just("get"), st.integers(0, tables[t].size)),
            ]
            if tables[t].elem == "funcref":
                choices.append(st.tuples(st.just("func"), st.integers(0, func_count - 1)))
            actions.append(("table_set", t, slot(t), draw(st.one_of(choices))))
        elif kind in ("memory_init", "data_drop"):
            s = draw(st.integers(0, len(datas) - 1))
            if kind == "data_drop":
                actions.append(("data_drop", s))
                continue
            m = draw(st.integers(0, len(memories) - 1))
            n = min(datas[s].bytes.length, 64)
            actions.append(
                ("memory_init", m, s, addr(m), draw(st.integers(0, 2)), draw(st.integers(0, n)))
            )
        else:
            e = draw(st.integers(0, len(elems) - 1))
            if kind == "elem_drop":
                actions.append(("elem_drop", e))
                continue
            matching = [i for i, t in enumerate(tables) if t.elem == elems[e].elem]
            if not matching:
                actions.append(("elem_drop", e))
                continue
            t = draw(st.sampled_from(matching))
            n = len(elems[e].items)
            actions.append(
                ("table_init", t, e, slot(t), draw(st.integers(0, 1)), draw(st.integers(0, n)))
            )
    # Probes: memory.init / table.init of 0 units from a segment's end trap
    # exactly when the segment was dropped (active and declarative ones are
    # dropped by instantiation, passive ones are not), writing nothing.
    probes = []
    if not mvp and memories:
        probes += [("memory_init", 0, i, 0, d.bytes.length, 0) for i, d in enumerate(datas)]
    if not mvp:
        for i, e in enumerate(elems):
            matching = [k for k, t in enumerate(tables) if t.elem == e.elem]
            if matching:
                probes.append(("table_init", matching[0], i, 0, len(e.items), 0))
    if probes and draw(st.integers(0, 3)):
        chosen = draw(st.lists(st.sampled_from(probes), min_size=1, max_size=3, unique=True))
        actions = chosen + actions if draw(st.booleans()) else actions + chosen
    return Start(tuple(actions), draw(st.booleans()))


# -- coverage ---------------------------------------------------------------------------------


def features_of(desc: ModuleDesc) -> set[str]:
    """What a description exercises, for a campaign's coverage counts."""
    out = set()
    for m in desc.memories:
        out.add("memory: imported" if m.imported else "memory: defined")
        if m.imported and m.grown:
            out.add("memory: imported, grown past its minimum")
        if m.imported and m.fill:
            out.add("memory: imported, prior contents")
        if m.pages >= BIG_PAGES:
            out.add("memory: > 16 MiB (mapped)")
        if m.pages == 0:
            out.add("memory: 0 pages")
    if len(desc.memories) > 1:
        out.add("memories: several")
    for t in desc.tables:
        out.add(f"table: {'imported' if t.imported else 'defined'} {t.elem}")
        if t.imported and t.grown:
            out.add("table: imported, grown past its minimum")
    if len(desc.tables) > 1:
        out.add("tables: several")
    segments = [("data", s, desc.memories[s.memory].pages * PAGE_SIZE, s.bytes.length)
                for s in desc.datas if s.mode == "active"]  # fmt: skip
    segments += [("elem", e, desc.tables[e.table].size, len(e.items))
                 for e in desc.elems if e.mode == "active"]  # fmt: skip
    for kind, s, size, n in segments:
        off = s.offset.value
        out.add(f"{kind}: global.get offset" if s.offset.via_global else f"{kind}: constant offset")
        if n == 0:
            out.add(f"{kind}: empty segment")
        if off + n == size:
            out.add(f"{kind}: ends exactly at the end")
        elif off + n == size + 1:
            out.add(f"{kind}: one past the end")
        elif off + n > size:
            out.add(f"{kind}: further out of bounds")
        if off >= 0x80000000:
            out.add(f"{kind}: offset >= 2^31")
        if off == U32:
            out.add(f"{kind}: offset 0xFFFFFFFF")
        if off + n > U32 + 1:
            out.add(f"{kind}: offset + length wraps 2^32")
    for kind, items in (("data", segments), ("elem", segments)):
        spans = [(s.offset.value, s.offset.value + n) for k, s, _, n in items if k == kind and n]
        if any(a < d and c < b for i, (a, b) in enumerate(spans) for c, d in spans[:i]):
            out.add(f"{kind}: overlapping segments")
    for s in desc.datas:
        if s.mode == "passive":
            out.add("data: passive")
        if s.bytes.length > PAGE_SIZE:
            out.add("data: segment > 64 KiB")
        if s.bytes.kind == "zeros" and s.bytes.length:
            out.add("data: all-zero bytes")
    for e in desc.elems:
        if e.mode != "active":
            out.add(f"elem: {e.mode}")
        if e.exprs:
            out.add(f"elem: expressions ({e.elem})")
        if any(it[0] == "global" for it in e.items):
            out.add("elem: global.get element")
    if desc.start is not None:
        out.add("start: traps at the end" if desc.start.trap else "start: returns")
        out.update(f"start: {a[0]}" for a in desc.start.actions)
    return out
