"""Random init-heavy Wasm 2.0 modules, for the differential check.

Each module has a memory, a funcref table (and sometimes an externref one),
globals of every value type, passive, active and declarative segments, an
init function (exported as ``wizer.initialize``) that changes all of them
(stores, ``memory.fill``/``copy``/``init``/``grow``, ``data.drop``,
``table.set``/``grow``/``fill``/``copy``/``init``, ``elem.drop``,
``global.set`` with NaN payloads and references, loops writing patterns) and
exported functions that observe the state afterwards (loads, getters,
``call_indirect``, ``memory.init``/``table.init`` of every segment, drops).
Now and then the init function calls an import or traps, to exercise the
refusals.  The generator tracks sizes and dropped segments, so the init
function is straight-line code that only traps where meant to.

Modules are built as ``Module`` values and encoded with
``refimpl.binary.encode``; ``generate(seed, index)`` is reproducible.
"""

from __future__ import annotations

import random
import struct

from refimpl.binary.encode import encode_module
from refimpl.features import WASM_2_0
from refimpl.syntax.module import (
    DECLARATIVE,
    PASSIVE,
    Active,
    Data,
    Elem,
    Export,
    Func,
    FuncImport,
    Global,
    Import,
    Memory,
    Module,
    Table,
)
from refimpl.syntax.opcodes import BY_NAME, Instr, MemArg, instr
from refimpl.syntax.types import (
    EXTERNREF,
    F32,
    F64,
    FUNCREF,
    I32,
    I64,
    PAGE_SIZE,
    V128,
    AbsHeapType,
    ExternKind,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    RecType,
    RefType,
    SubType,
    TableType,
    ValType,
)
from refimpl.valid import validate_module

INIT_NAME = "wizer.initialize"

_WIDTH = {I32: 4, I64: 8, F32: 4, F64: 8, V128: 16}
_STORES = [
    ("i32.store", I32, 4),
    ("i64.store", I64, 8),
    ("f32.store", F32, 4),
    ("f64.store", F64, 8),
    ("v128.store", V128, 16),
    ("i32.store8", I32, 1),
    ("i32.store16", I32, 2),
    ("i64.store8", I64, 1),
    ("i64.store16", I64, 2),
    ("i64.store32", I64, 4),
]
_LOADS = {I32: "i32.load", I64: "i64.load", F32: "f32.load", F64: "f64.load", V128: "v128.load"}
_NANS32 = [0x7FC00000, 0x7FA00001, 0xFF800001, 0x7F800001, 0xFFFFFFFF]
_NANS64 = [0x7FF8000000000000, 0x7FF4000000000001, 0xFFF0000000000001, 0x7FF0000000000001]


def op(name: str, imm=None) -> Instr:
    return instr(BY_NAME[name].code, imm)


END = op("end")


def _log2(n: int) -> int:
    return n.bit_length() - 1


class _Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.types: list[FuncType] = []
        self.imports: list[Import] = []
        self.funcs: list[Func] = []
        self.exports: list[Export] = []
        self.globals: list[Global] = []
        self.n_imported_funcs = 0

    def type_index(self, params: tuple[ValType, ...], results: tuple[ValType, ...]) -> int:
        ft = FuncType(params, results)
        if ft not in self.types:
            self.types.append(ft)
        return self.types.index(ft)

    def add_func(
        self,
        params: tuple,
        results: tuple,
        body: list[Instr],
        export: str | None = None,
        locals_: tuple = (),
    ) -> int:
        index = self.n_imported_funcs + len(self.funcs)
        self.funcs.append(Func(self.type_index(params, results), locals_, (*body, END)))
        if export:
            self.exports.append(Export(export, ExternKind.FUNC, index))
        return index


def _const(t: ValType, rng: random.Random, helpers: list[int]) -> Instr:
    """A constant of type ``t`` (references: ref.func of a helper or null)."""
    r = rng.random()
    if t is I32:
        return op("i32.const", rng.choice([0, 1, 0xFFFFFFFF, rng.getrandbits(32)]))
    if t is I64:
        return op("i64.const", rng.choice([0, 1, rng.getrandbits(64), rng.getrandbits(64)]))
    if t is F32:
        bits = rng.choice(_NANS32) if r < 0.3 else struct.unpack("<I", struct.pack("<f", r))[0]
        return op("f32.const", 0 if r > 0.9 else bits)
    if t is F64:
        bits = rng.choice(_NANS64) if r < 0.3 else rng.getrandbits(64)
        return op("f64.const", 0 if r > 0.9 else bits)
    if t is V128:
        return op("v128.const", 0 if r > 0.8 else rng.getrandbits(128))
    if t == FUNCREF:
        return op("ref.func", rng.choice(helpers)) if r < 0.7 else op("ref.null", AbsHeapType.FUNC)
    return op("ref.null", AbsHeapType.EXTERN)


def _bytes(rng: random.Random, n: int) -> bytes:
    """Bytes with zero runs, sometimes all zeros."""
    if rng.random() < 0.15:
        return bytes(n)
    out = bytearray(rng.randbytes(n))
    for _ in range(rng.randrange(0, 4)):
        a = rng.randrange(0, n + 1)
        m = min(rng.randrange(0, 20), n - a)
        out[a : a + m] = bytes(m)
    return bytes(out)


def generate_module(seed: int, index: int, wizer: bool = False) -> Module:
    """Module ``index`` of campaign ``seed``.  With ``wizer``, only what
    Wizer accepts: no mutable reference globals, no table mutation, no
    segment drops (Wizer refuses these when it sees them anywhere)."""
    rng = random.Random(f"preinit{'-wizer' if wizer else ''}:{seed}:{index}")
    b = _Builder(rng)

    # An imported function (a trapping stand-in while pre-initializing).
    host = None
    if rng.random() < 0.4:
        b.imports.append(Import("env", "host", FuncImport(b.type_index((I32,), (I32,)))))
        b.n_imported_funcs = 1
        host = 0

    # Helpers: functions to put in tables and globals.
    helpers = [
        b.add_func((), (I32,), [op("i32.const", rng.getrandbits(32))])
        for _ in range(rng.randrange(2, 6))
    ]

    # Memory, tables.
    min_pages = rng.randrange(0, 3)
    max_pages = None if rng.random() < 0.5 else min_pages + rng.randrange(0, 4)
    mem = Memory(MemType(Limits(min_pages, max_pages)))
    t0_min = rng.randrange(1, 12)
    t0_max = None if rng.random() < 0.5 else t0_min + rng.randrange(0, 6)
    tables = [Table(TableType(Limits(t0_min, t0_max), FUNCREF))]
    if rng.random() < 0.5:
        tables.append(Table(TableType(Limits(rng.randrange(0, 5), None), EXTERNREF)))

    # Globals of every type.
    gtypes = [I32, I64, F32, F64, V128, FUNCREF, EXTERNREF]
    for _ in range(rng.randrange(2, 9)):
        t = rng.choice(gtypes)
        mutable = rng.random() < 0.75 and not (wizer and isinstance(t, RefType))
        b.globals.append(Global(GlobalType(mutable, t), (_const(t, rng, helpers), END)))

    # Data segments: active ones fit the memory's minimum.
    datas: list[Data] = []
    for _ in range(rng.randrange(0, 6)):
        n = rng.randrange(0, 40)
        if rng.random() < 0.5 and min_pages * PAGE_SIZE >= n:
            offset = rng.randrange(0, min_pages * PAGE_SIZE - n + 1)
            datas.append(Data(_bytes(rng, n), Active(0, (op("i32.const", offset), END))))
        else:
            datas.append(Data(_bytes(rng, n), PASSIVE))

    # Element segments.
    elems: list[Elem] = []
    for _ in range(rng.randrange(0, 5)):
        n = rng.randrange(0, 6)
        kind = rng.random()
        if kind < 0.35 and n <= t0_min:
            offset = rng.randrange(0, t0_min - n + 1)
            init = tuple((_const(FUNCREF, rng, helpers), END) for _ in range(n))
            elems.append(Elem(FUNCREF, init, Active(0, (op("i32.const", offset), END))))
        elif kind < 0.8:
            init = tuple((_const(FUNCREF, rng, helpers), END) for _ in range(n))
            elems.append(Elem(FUNCREF, init, PASSIVE))
        elif kind < 0.9 and len(tables) > 1:
            init = tuple((op("ref.null", AbsHeapType.EXTERN), END) for _ in range(n))
            elems.append(Elem(EXTERNREF, init, PASSIVE))
        else:
            init = tuple((op("ref.func", rng.choice(helpers)), END) for _ in range(max(n, 1)))
            elems.append(Elem(FUNCREF, init, DECLARATIVE))
    # Every helper may be named by ref.func in bodies.
    elems.append(Elem(FUNCREF, tuple((op("ref.func", h), END) for h in helpers), DECLARATIVE))

    state = _State(
        pages=min_pages,
        max_pages=max_pages,
        table_sizes=[t.type.limits.min for t in tables],
        table_max=[t.type.limits.max for t in tables],
        data_len=[0 if isinstance(d.mode, Active) else len(d.init) for d in datas],
        elem_len=[0 if e.mode != PASSIVE else len(e.init) for e in elems],
        elem_types=[e.type for e in elems],
        table_types=[t.type.elem for t in tables],
        global_types=[g.type for g in b.globals],
    )

    # The init function.
    body: list[Instr] = []
    statements = _WIZER_STATEMENTS if wizer else _STATEMENTS
    for _ in range(rng.randrange(3, 30)):
        body += _statement(rng, state, helpers, statements)
    r = rng.random()
    if host is not None and r < 0.08:
        body += [op("i32.const", 1), op("call", host), op("drop")]
    elif r < 0.12:
        body += [op("unreachable")]
    if rng.random() < 0.3:
        body += _statement(rng, state, helpers, statements)
    b.add_func((), (), body, INIT_NAME, locals_=(I32,))

    _observers(b, rng, state, datas, elems, host, wizer)
    b.exports.append(Export("mem", ExternKind.MEMORY, 0))
    b.exports.append(Export("tab", ExternKind.TABLE, 0))
    for i in range(len(b.globals)):
        if rng.random() < 0.5:
            b.exports.append(Export(f"g{i}", ExternKind.GLOBAL, i))

    types = tuple(SubType(t) for t in b.types)
    return Module(
        types=types,
        rec_groups=tuple(RecType((t,)) for t in types),
        imports=tuple(b.imports),
        funcs=tuple(b.funcs),
        tables=tuple(tables),
        mems=(mem,),
        globals=tuple(b.globals),
        elems=tuple(elems),
        datas=tuple(datas),
        exports=tuple(b.exports),
        data_count=len(datas),
    )


class _State:
    """What the init function has done so far (it is straight-line code)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def mem_bytes(self) -> int:
        return self.pages * PAGE_SIZE


def _statement(rng: random.Random, s: _State, helpers: list[int], statements) -> list[Instr]:
    """One stack-neutral statement that does not trap."""
    for _ in range(10):
        out = rng.choice(statements)(rng, s, helpers)
        if out is not None:
            return out
    return [op("nop")]


def _st_store(rng, s, helpers):
    name, t, width = rng.choice(_STORES)
    offset = rng.randrange(0, 17)
    if s.mem_bytes < width + offset:
        return None
    addr = rng.randrange(0, s.mem_bytes - width - offset + 1)
    if rng.random() < 0.5:
        addr = min(addr, rng.randrange(0, 512))
    align = rng.randrange(0, _log2(width) + 1)
    return [op("i32.const", addr), _const(t, rng, helpers), op(name, MemArg(align, offset))]


def _st_fill(rng, s, helpers):
    if not s.mem_bytes:
        return None
    n = rng.randrange(0, 300)
    if n > s.mem_bytes:
        return None
    d = rng.randrange(0, s.mem_bytes - n + 1)
    v = rng.choice([0, 0xAB, rng.getrandbits(8)])
    return [op("i32.const", d), op("i32.const", v), op("i32.const", n), op("memory.fill", 0)]


def _st_copy(rng, s, helpers):
    n = rng.randrange(0, 200)
    if n > s.mem_bytes:
        return None
    d = rng.randrange(0, s.mem_bytes - n + 1)
    src = rng.randrange(0, s.mem_bytes - n + 1)
    return [op("i32.const", d), op("i32.const", src), op("i32.const", n), op("memory.copy", (0, 0))]


def _st_minit(rng, s, helpers):
    if not s.data_len:
        return None
    k = rng.randrange(len(s.data_len))
    length = s.data_len[k]
    src = rng.randrange(0, length + 1)
    n = rng.randrange(0, length - src + 1)
    if n > s.mem_bytes:
        return None
    d = rng.randrange(0, s.mem_bytes - n + 1)
    return [op("i32.const", d), op("i32.const", src), op("i32.const", n), op("memory.init", (k, 0))]


def _st_ddrop(rng, s, helpers):
    if not s.data_len:
        return None
    k = rng.randrange(len(s.data_len))
    s.data_len[k] = 0
    return [op("data.drop", k)]


def _st_mgrow(rng, s, helpers):
    delta = rng.randrange(0, 3)
    if s.pages + delta <= (65536 if s.max_pages is None else s.max_pages):
        if s.pages + delta > 4:
            return None  # would succeed, but keep memories small
        s.pages += delta
    return [op("i32.const", delta), op("memory.grow", 0), op("drop")]


def _st_gset(rng, s, helpers):
    mutable = [i for i, g in enumerate(s.global_types) if g.mutable]
    if not mutable:
        return None
    g = rng.choice(mutable)
    t = s.global_types[g].type
    if t == FUNCREF and s.table_sizes[0] and rng.random() < 0.4:
        i = rng.randrange(s.table_sizes[0])
        return [op("i32.const", i), op("table.get", 0), op("global.set", g)]
    return [_const(t, rng, helpers), op("global.set", g)]


def _table_ref(rng, s, t, helpers):
    if s.table_types[t] == FUNCREF:
        return _const(FUNCREF, rng, helpers)
    return op("ref.null", AbsHeapType.EXTERN)


def _st_tset(rng, s, helpers):
    t = rng.randrange(len(s.table_sizes))
    if not s.table_sizes[t]:
        return None
    i = rng.randrange(s.table_sizes[t])
    return [op("i32.const", i), _table_ref(rng, s, t, helpers), op("table.set", t)]


def _st_tgrow(rng, s, helpers):
    t = rng.randrange(len(s.table_sizes))
    delta = rng.randrange(0, 6)
    limit = s.table_max[t]
    if limit is None or s.table_sizes[t] + delta <= limit:
        s.table_sizes[t] += delta
    return [_table_ref(rng, s, t, helpers), op("i32.const", delta), op("table.grow", t), op("drop")]


def _st_tfill(rng, s, helpers):
    t = rng.randrange(len(s.table_sizes))
    size = s.table_sizes[t]
    n = rng.randrange(0, size + 1)
    d = rng.randrange(0, size - n + 1)
    ref = _table_ref(rng, s, t, helpers)
    return [op("i32.const", d), ref, op("i32.const", n), op("table.fill", t)]


def _st_tcopy(rng, s, helpers):
    size = s.table_sizes[0]
    n = rng.randrange(0, size + 1)
    d = rng.randrange(0, size - n + 1)
    src = rng.randrange(0, size - n + 1)
    return [op("i32.const", d), op("i32.const", src), op("i32.const", n), op("table.copy", (0, 0))]


def _st_tinit(rng, s, helpers):
    choices = [
        (k, t)
        for k, et in enumerate(s.elem_types)
        for t, tt in enumerate(s.table_types)
        if et == tt
    ]
    if not choices:
        return None
    k, t = rng.choice(choices)
    length = s.elem_len[k]
    src = rng.randrange(0, length + 1)
    n = rng.randrange(0, length - src + 1)
    if n > s.table_sizes[t]:
        return None
    d = rng.randrange(0, s.table_sizes[t] - n + 1)
    return [op("i32.const", d), op("i32.const", src), op("i32.const", n), op("table.init", (k, t))]


def _st_edrop(rng, s, helpers):
    if not s.elem_len:
        return None
    k = rng.randrange(len(s.elem_len))
    s.elem_len[k] = 0
    return [op("elem.drop", k)]


def _st_loop(rng, s, helpers):
    """A loop storing a byte pattern: many short non-zero runs."""
    count = rng.randrange(1, 200)
    stride = rng.choice([1, 2, 3, 5, 9, 17, 40])
    span = (count - 1) * stride + 1
    if span > s.mem_bytes:
        return None
    base = rng.randrange(0, s.mem_bytes - span + 1)
    mul, add = rng.randrange(1, 256), rng.randrange(0, 256)
    return [
        op("i32.const", 0),
        op("local.set", 0),
        op("loop", None),
        op("local.get", 0),
        op("i32.const", stride),
        op("i32.mul"),
        op("i32.const", base),
        op("i32.add"),
        op("local.get", 0),
        op("i32.const", mul),
        op("i32.mul"),
        op("i32.const", add),
        op("i32.add"),
        op("i32.store8", MemArg(0, 0)),
        op("local.get", 0),
        op("i32.const", 1),
        op("i32.add"),
        op("local.tee", 0),
        op("i32.const", count),
        op("i32.lt_u"),
        op("br_if", 0),
        END,
    ]


def _st_call(rng, s, helpers):
    return [op("call", rng.choice(helpers)), op("drop")]


_STATEMENTS = [
    _st_store,
    _st_store,
    _st_store,
    _st_fill,
    _st_copy,
    _st_minit,
    _st_minit,
    _st_ddrop,
    _st_mgrow,
    _st_gset,
    _st_gset,
    _st_tset,
    _st_tgrow,
    _st_tfill,
    _st_tcopy,
    _st_tinit,
    _st_tinit,
    _st_edrop,
    _st_loop,
    _st_call,
]
_WIZER_STATEMENTS = [
    st
    for st in _STATEMENTS
    if st not in (_st_ddrop, _st_tset, _st_tgrow, _st_tfill, _st_tcopy, _st_tinit, _st_edrop)
]


def _observers(b: _Builder, rng, s: _State, datas, elems, host, wizer: bool) -> None:
    """Exported functions that look at (and change) the state afterwards."""
    for t, name in _LOADS.items():
        b.add_func((I32,), (t,), [op("local.get", 0), op(name, MemArg(0, 0))], f"load_{t}")
    for i, g in enumerate(b.globals):
        b.add_func((), (g.type.type,), [op("global.get", i)], f"get_g{i}")
        if g.type.mutable and g.type.type in _WIDTH:
            b.add_func((g.type.type,), (), [op("local.get", 0), op("global.set", i)], f"set_g{i}")
    ti = b.type_index((), (I32,))
    b.add_func((I32,), (I32,), [op("local.get", 0), op("call_indirect", (ti, 0))], "call_t")
    b.add_func((I32,), (FUNCREF,), [op("local.get", 0), op("table.get", 0)], "tget")
    for t in range(len(s.table_sizes)):
        b.add_func((), (I32,), [op("table.size", t)], f"tsize{t}")
    b.add_func((), (I32,), [op("memory.size", 0)], "msize")
    b.add_func((I32,), (I32,), [op("local.get", 0), op("memory.grow", 0)], "grow")
    for k, d in enumerate(datas):
        n = len(d.init)
        body = [op("i32.const", rng.randrange(0, 64)), op("i32.const", 0), op("i32.const", n)]
        b.add_func((), (), [*body, op("memory.init", (k, 0))], f"minit{k}")
        zero = [op("i32.const", 0), op("i32.const", 0), op("i32.const", 0)]
        b.add_func((), (), [*zero, op("memory.init", (k, 0))], f"minit0_{k}")
        args = [op("local.get", 0), op("local.get", 1), op("local.get", 2)]
        b.add_func((I32, I32, I32), (), [*args, op("memory.init", (k, 0))], f"minit_any{k}")
        if not wizer:
            b.add_func((), (), [op("data.drop", k)], f"ddrop{k}")
    for k, e in enumerate([] if wizer else elems):
        tables = [t for t, tt in enumerate(s.table_types) if tt == e.type]
        for t in tables:
            body = [op("i32.const", 0), op("i32.const", 0), op("i32.const", len(e.init))]
            b.add_func((), (), [*body, op("table.init", (k, t))], f"tinit{k}_{t}")
            zero = [op("i32.const", 0), op("i32.const", 0), op("i32.const", 0)]
            b.add_func((), (), [*zero, op("table.init", (k, t))], f"tinit0_{k}_{t}")
        b.add_func((), (), [op("elem.drop", k)], f"edrop{k}")
    if host is not None:
        b.add_func((I32,), (I32,), [op("local.get", 0), op("call", host)], "call_host")


SYNTHESIZED_INIT = "preinit.init"


def with_init_calling(module: Module, func_index: int) -> Module:
    """``module`` plus an exported ``[] -> []`` function ``preinit.init``
    that calls function ``func_index`` with zero arguments and drops its
    results (an init function for modules that have none)."""
    from dataclasses import replace

    ftype = module.func_type(module.func_type_indices()[func_index])
    body = [_zero(t) for t in ftype.params]
    body += [op("call", func_index)] + [op("drop")] * len(ftype.results)
    plain = SubType(FuncType((), ()))
    types = module.types if plain in module.types else (*module.types, plain)
    index = len(module.func_type_indices())
    return replace(
        module,
        types=types,
        rec_groups=tuple(RecType((t,)) for t in types),
        funcs=(*module.funcs, Func(types.index(plain), (), (*body, END))),
        exports=(*module.exports, Export(SYNTHESIZED_INIT, ExternKind.FUNC, index)),
        _index_spaces={},
        derived={},
    )


def _zero(t: ValType) -> Instr:
    if isinstance(t, RefType):
        return op("ref.null", t.heap)
    name = {I32: "i32.const", I64: "i64.const", F32: "f32.const", F64: "f64.const"}
    return op(name.get(t, "v128.const"), 0)


def generate(seed: int, index: int, wizer: bool = False) -> bytes:
    """The binary of generated module ``index`` of campaign ``seed``."""
    module = generate_module(seed, index, wizer)
    validate_module(module, WASM_2_0)  # a generator bug otherwise
    return encode_module(module)
