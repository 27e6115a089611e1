"""The differential check of a snapshot against the run it stands for.

For a module and an init function:

1. pre-initialize it (or record the refusal and its reason);
2. the original: instantiate (trapping stand-ins for imported functions)
   and call the init function; the snapshot: instantiate, nothing more;
3. compare their full state: every memory (bytes, size and maximum),
   table (entries and maximum) and global (bits; references by function
   index),
   and the state of every original data and element segment (dropped or
   not, contents), which is what bulk-memory instructions can observe;
4. call every exported function of the snapshot, and the same function of
   the original, with the same deterministic arguments, a few times each:
   the outcomes (results bit for bit, or the trap) and then the full state
   must stay equal;
5. optionally (``wasmtime``), check that wasmtime validates and
   instantiates the snapshot, and that every memory, global and table the
   snapshot exports reads the same there as on refimpl (what wasmtime-py
   can read: memories' bytes, globals but v128 and f32 NaNs, tables' sizes
   and null entries).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.exec.numerics import f32_to_bits, f64_to_bits
from refimpl.features import Features
from refimpl.preinit.api import (
    DEFAULT_INIT_FUNC,
    Renames,
    load_input,
    preinitialize_module,
    resolve_features,
)
from refimpl.preinit.emit import named_datas
from refimpl.preinit.errors import Refused
from refimpl.preinit.run import initialize, instantiate_with_stand_ins
from refimpl.runtime.instances import ModuleInst
from refimpl.runtime.observe import call_outcome, extern_state, first_difference, ref_key
from refimpl.syntax.module import Module
from refimpl.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, ExternKind
from refimpl.valid import validate_module

from ..fuzz.arguments import argument
from ..watchdog import DeadlineExceeded, deadline

# Deeper recursion than this is "call stack exhausted" on both sides alike;
# a small limit keeps runaway recursion cheap.
CHECK_CALL_DEPTH = 500


@dataclass
class CheckResult:
    snapshotted: bool
    reason: str | None = None  # the refusal's category
    message: str = ""
    divergences: list[str] = field(default_factory=list)
    calls: int = 0  # later calls compared
    # Calls of the original that ran over the time limit (then the checks
    # went on with fresh instances, skipping the rest of that export's calls).
    cut_short: list[str] = field(default_factory=list)
    data_segments: int = 0
    elem_segments: int = 0
    binary: bytes | None = None  # the snapshot

    @property
    def ok(self) -> bool:
        return not self.divergences


def check_module(
    binary: bytes | Module,
    features: Features | str | None = None,
    init_func: str | None = DEFAULT_INIT_FUNC,
    *,
    renames: Renames = (),
    keep_init: bool = False,
    calls: int = 2,
    seed: int = 0,
    wasmtime: bool = True,
    executor: str = "interpreter",
    max_call_depth: int = CHECK_CALL_DEPTH,
    call_timeout: float | None = None,
) -> CheckResult:
    """Pre-initialize and compare (see the module's doc).  A later call of
    the original that runs over ``call_timeout`` seconds is abandoned (listed
    in ``cut_short``) and the calls go on with fresh instances."""
    f = resolve_features(features)
    try:
        module = load_input(binary, f) if isinstance(binary, bytes) else binary
        pre = preinitialize_module(
            module,
            f,
            init_func,
            renames,
            keep_init,
            executor=executor,
            max_call_depth=max_call_depth,
        )
    except Refused as exc:
        return CheckResult(False, exc.reason, exc.message)
    result = CheckResult(
        True, data_segments=pre.data_segments, elem_segments=pre.elem_segments, binary=pre.binary
    )
    div = result.divergences
    if wasmtime:
        problem = wasmtime_rejects(pre.binary)
        if problem:
            div.append(f"wasmtime rejects the snapshot: {problem}")

    snap_module = decode_module(pre.binary, f)
    validate_module(snap_module, f)
    options = dict(executor=executor, max_call_depth=max_call_depth)

    def fresh():
        """The original after init, and a fresh instance of the snapshot."""
        original = initialize(module, f, init_func, **options)
        return original, instantiate_with_stand_ins(snap_module, f, **options)

    try:
        original, snapshot = fresh()
    except RefimplError as exc:
        div.append(f"the snapshot does not instantiate: {type(exc).__name__}: {exc.message}")
        return result
    segments = f.bulk_memory
    div += state_divergences(module, original.inst, snapshot.inst, "after init", segments)
    if wasmtime and not div:
        div += wasmtime_divergences(pre.binary, snap_module, snapshot.inst)
    if div:
        return result

    rng = random.Random(seed)
    for export in sorted(snap_module.exports, key=lambda e: e.name):
        if export.kind is not ExternKind.FUNC:
            continue
        for n in range(calls):
            a, b = original.inst, snapshot.inst
            fa, fb = a.funcs[export.index], b.funcs[export.index]
            small = n == 0  # the first call with small arguments: loops end sooner
            args = [argument(t, rng, small) for t in fb.type.params]
            try:
                with deadline(call_timeout):
                    oa = call_outcome(original.store, fa, args, a)
            except DeadlineExceeded:
                # The original is left mid-call: go on with fresh instances.
                result.cut_short.append(f"{export.name}{tuple(args)}")
                original, snapshot = fresh()
                break
            ob = call_outcome(snapshot.store, fb, args, b)
            result.calls += 1
            what = f"call {n} of {export.name}{tuple(args)}"
            if oa != ob:
                div.append(f"{what}: original {oa!r}, snapshot {ob!r}")
                return result
            found = state_divergences(module, a, b, f"after {what}", segments)
            if found:
                div += found
                return result
    return result


def full_state(module: Module, inst: ModuleInst, segments: bool = True) -> dict:
    """Tables, globals, limits, and (with ``segments``) the original
    segments code can name; memories are compared in place by ``state_divergences``."""
    state: dict = {}
    for i, mem in enumerate(inst.mems):
        state[f"memory {i} max"] = mem.max_pages
        state[f"memory {i} pages"] = mem.pages
    for i, table in enumerate(inst.tables):
        state[f"table {i}"] = extern_state(table, inst)
        state[f"table {i} max"] = table.max
    for i, g in enumerate(inst.globals):
        state[f"global {i}"] = extern_state(g, inst)
    # Data segments no instruction names are unobservable (a snapshot leaves
    # them out); only those code can name are compared.
    for i in range(named_datas(module) if segments else 0):
        state[f"data segment {i}"] = bytes(inst.datas[i].data)
    for i in range(len(module.elems) if segments else 0):
        state[f"elem segment {i}"] = tuple(ref_key(e, inst) for e in inst.elems[i].elements)
    return state


def state_divergences(
    module: Module,
    a: ModuleInst,
    b: ModuleInst,
    when: str,
    segments: bool = True,
    names: tuple[str, str] = ("original", "snapshot"),
) -> list[str]:
    """Where the state of ``a`` (the original) and ``b`` (the snapshot)
    differ.  Segments only count where instructions can see them (bulk
    memory): Wasm 1.0 instances keep their segments' contents unobservably."""
    out = []
    for what in ("funcs", "tables", "mems", "globals"):
        na, nb = len(getattr(a, what)), len(getattr(b, what))
        if na != nb:
            out.append(f"{when}: {na} {what} in the {names[0]}, {nb} in the {names[1]}")
    for i, (ma, mb) in enumerate(zip(a.mems, b.mems, strict=False)):
        diff = first_difference(ma.data, mb.data)
        if diff is not None:
            out.append(f"{when}: memory {i} differs from byte {diff}")
    sa, sb = full_state(module, a, segments), full_state(module, b, segments)
    for key in sorted(set(sa) | set(sb)):
        va, vb = sa.get(key, "<missing>"), sb.get(key, "<missing>")
        if va != vb:
            out.append(f"{when}: {key}: {names[0]} {_short(va)}, {names[1]} {_short(vb)}")
    return out


def _short(v):
    if isinstance(v, (bytes, tuple)) and len(v) > 16:
        return f"{v[:16]!r}... ({len(v)} entries)"
    return repr(v)


_ENGINE = None


def wasmtime_rejects(binary: bytes) -> str | None:
    """wasmtime's validation error, or None if it accepts the module (or
    the ``wasmtime`` package is missing)."""
    global _ENGINE
    try:
        import wasmtime
    except ImportError:  # pragma: no cover
        return None
    if _ENGINE is None:
        _ENGINE = _wasmtime_engine(wasmtime)
    try:
        wasmtime.Module.validate(_ENGINE, binary)
    except Exception as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def _wasmtime_type(wasmtime, t):
    return {
        I32: wasmtime.ValType.i32,
        I64: wasmtime.ValType.i64,
        F32: wasmtime.ValType.f32,
        F64: wasmtime.ValType.f64,
    }.get(t) or (
        wasmtime.ValType.funcref
        if t == FUNCREF
        else wasmtime.ValType.externref
        if t == EXTERNREF
        else None
    )


def _unwrap(wasmtime, v):
    """wasmtime-py gives null references as a ``Val`` holding None."""
    return v.value if isinstance(v, wasmtime.Val) else v


def wasmtime_divergences(binary: bytes, module: Module, inst: ModuleInst) -> list[str]:
    """Instantiate the snapshot in wasmtime (imported functions trap) and
    compare what its exports show with refimpl's instance ``inst``."""
    try:
        import wasmtime
    except ImportError:  # pragma: no cover
        return []
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _wasmtime_engine(wasmtime)
    store = wasmtime.Store(_ENGINE)
    imports = []
    for imp in module.imports:
        ftype = module.func_type(imp.desc.type_index)
        types = [_wasmtime_type(wasmtime, t) for t in (*ftype.params, *ftype.results)]
        if any(t is None for t in types):
            return []  # wasmtime-py can't pass v128 (or typed references)
        params, results = types[: len(ftype.params)], types[len(ftype.params) :]

        def trap(*args, _name=f"{imp.module}.{imp.name}"):
            raise RuntimeError(f"the import {_name} is not available")

        imports.append(
            wasmtime.Func(
                store, wasmtime.FuncType([p() for p in params], [r() for r in results]), trap
            )
        )
    try:
        exports = wasmtime.Instance(store, wasmtime.Module(_ENGINE, binary), imports).exports(store)
    except Exception as exc:
        return [f"wasmtime does not instantiate the snapshot: {str(exc).splitlines()[0]}"]
    out = []
    for e in module.exports:
        item = exports[e.name]
        where = f"in wasmtime, export {e.name!r}"
        if e.kind is ExternKind.MEMORY:
            mem = inst.mems[e.index]
            data = item.read(store, 0, item.data_len(store))
            diff = first_difference(bytes(data), mem.data)
            if diff is not None:
                out.append(f"{where}: memory differs from byte {diff}")
        elif e.kind is ExternKind.GLOBAL:
            g = inst.globals[e.index]
            t = g.type.type
            if t is V128:
                continue
            value = _unwrap(wasmtime, item.value(store))
            if t in (I32, I64):
                mask = (1 << (32 if t is I32 else 64)) - 1
                same = value & mask == g.value
            elif t is F64:
                same = f64_to_bits(value) == f64_to_bits(g.value)
            elif t is F32:
                same = g.value != g.value or f32_to_bits(value) == f32_to_bits(g.value)
            else:
                same = (value is None) == (g.value is None)
            if not same:
                out.append(f"{where}: global {value!r}, refimpl {g.value!r}")
        elif e.kind is ExternKind.TABLE:
            table = inst.tables[e.index]
            size = item.size(store)
            nulls = [_unwrap(wasmtime, item.get(store, i)) is None for i in range(size)]
            if nulls != [x is None for x in table.elements]:
                out.append(f"{where}: table entries differ (null or not, {size} entries)")
    return out


def _wasmtime_engine(wasmtime):
    # Traps by explicit checks, not signal handlers a later faulthandler
    # could replace (see harness.engines.wasmtime_engine.new_engine).
    config = wasmtime.Config()
    config.signals_based_traps = False
    return wasmtime.Engine(config)
