"""wasmtime, through the ``wasmtime`` Python package.

Two limits of the Python API shape this adapter.  It has no v128 values, and
merely asking it about a v128 type aborts the process; and an f32 crossing it
goes through a C float, which quiets signalling NaNs.  So signatures come from
the binary (``harness.lenient_reader``), and any export whose signature mentions f32
or v128 is called through a generated trampoline module that passes f32 as
i32 bits and v128 as two i64 halves.  ``Config.wasm_reference_types = False``
also aborts the process, so a profile without reference types is unsupported.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import re
import struct
from functools import cache

import wasmtime as wt

from refimpl.features import Features
from refimpl.runtime.instances import MAX_TABLE_ELEMENTS

from ..lenient_reader import FuncSig, export_signatures
from ..messages import SPEC_MESSAGES
from ..outcomes import (
    CommandOutcome,
    Exhausted,
    HarnessError,
    Invalid,
    LinkFailed,
    Malformed,
    Ok,
    Thrown,
    Trapped,
    Unsupported,
)
from ..probes.rewrite import FUNC_ACCESSOR, PROBE_PREFIX, ModuleShape, module_shape
from ..script.commands import ModuleSource
from ..values import NULL, Ref, Value
from . import wasmtime_crossing as crossing
from .base import Engine, Session, SessionOptions
from .wasmtime_config import Setting, lane_name
from .wasmtime_config import apply as apply_settings

# Trap codes by name: older wasmtime-py releases have fewer (no GC traps).
_TRAP_NAMES = {
    "STACK_OVERFLOW": "call-stack-exhausted",
    "MEMORY_OUT_OF_BOUNDS": "memory-bounds",
    "HEAP_MISALIGNED": "unaligned-atomic",
    "ATOMIC_WAIT_NON_SHARED_MEMORY": "wait-unshared",
    "TABLE_OUT_OF_BOUNDS": "table-bounds",
    "INDIRECT_CALL_TO_NULL": "null-table-entry",
    "BAD_SIGNATURE": "signature-mismatch",
    "INTEGER_OVERFLOW": "integer-overflow",
    "INTEGER_DIVISION_BY_ZERO": "integer-divide-by-zero",
    "BAD_CONVERSION_TO_INTEGER": "invalid-conversion",
    "UNREACHABLE": "unreachable",
    "NULL_REFERENCE": "null-reference",
    "ARRAY_OUT_OF_BOUNDS": "array-bounds",
    "CAST_FAILURE": "cast-failure",
}
_TRAP_CATEGORIES = {
    getattr(wt.TrapCode, name): category
    for name, category in _TRAP_NAMES.items()
    if hasattr(wt.TrapCode, name)
}
assert set(_TRAP_CATEGORIES.values()) <= set(SPEC_MESSAGES.values())


# refimpl feature flag -> wasmtime's Config switch.  Features wasmtime has
# always on (sign extension ... extended-const) have no switch: a profile
# that leaves one out finds wasmtime more permissive, never stricter.
_SWITCHES = {
    "simd": "wasm_simd",
    "relaxed_simd": "wasm_relaxed_simd",
    "multi_memory": "wasm_multi_memory",
    "memory64": "wasm_memory64",
    "tail_call": "wasm_tail_call",
    "function_references": "wasm_function_references",
    "gc": "wasm_gc",
    "exceptions": "wasm_exceptions",
    "threads": "wasm_threads",
    "wide_arithmetic": "wasm_wide_arithmetic",
    "custom_page_sizes": "wasm_custom_page_sizes",
}
# Features wasmtime implements but wasmtime-py 50 can't switch on.
_NO_SWITCH = ("legacy_exceptions", "custom_descriptors")

# wasmtime's words for a table or memory minimum beyond the store's limits,
# or a memory the system can't reserve.
_LIMITS_EXCEEDED = re.compile(
    r"minimum size of \d+ \w+ exceeds (table|memory) limits|Cannot allocate memory"
)

_COMPILED_LIMIT = 256  # compiled modules kept per engine

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


@cache
def _version() -> str:
    from importlib.metadata import version

    return version("wasmtime")


def _has_setting(name: str) -> bool:
    """Whether this wasmtime-py's Config has the setting (releases differ)."""
    return isinstance(getattr(wt.Config, name, None), property)


@cache
def _features(profile: str) -> Features:
    return Features.parse(profile)


def new_engine(config: wt.Config | None = None, settings: tuple[Setting, ...] = ()) -> wt.Engine:
    """A wasmtime engine that traps without signal handlers, unless a lane's
    ``settings`` (applied last) say otherwise.

    By default wasmtime turns hardware faults (SIGILL, SIGSEGV, SIGFPE) into
    traps with handlers of its own; anything that installs handlers after it
    (faulthandler, e.g. a nested pytest session) makes the next trap kill
    the process.  Explicit checks cost a little speed and nothing else."""
    config = config or wt.Config()
    if _has_setting("signals_based_traps"):  # older releases always use signals
        config.signals_based_traps = False
    apply_settings(config, settings)
    return wt.Engine(config)


class WasmtimeEngine(Engine):
    """wasmtime, plainly configured or as a lane (``wasmtime[SETTINGS]``,
    see ``wasmtime_config``)."""

    exact_messages = False
    probes = True

    def __init__(self, settings: tuple[Setting, ...] = ()) -> None:
        self.settings = settings
        self.name = lane_name(settings)
        apply_settings(wt.Config(), settings)  # a refused value fails here, not mid-run
        self._engines: dict[str, wt.Engine] = {}
        self._trampolines: dict[tuple[str, str], wt.Module] = {}
        # Compiled modules by (profile, content): a large real module takes
        # wasmtime tens of seconds to compile, and runs instantiate one
        # module many times (replays, sequences, several scripts).
        self._compiled: dict[tuple[str, bytes], wt.Module] = {}

    def compiled(self, profile: str, binary: bytes, engine: wt.Engine) -> wt.Module:
        """``binary`` compiled for the profile's engine, once (raises WasmtimeError)."""
        key = (profile, hashlib.blake2b(binary, digest_size=16).digest())
        if key not in self._compiled:
            if len(self._compiled) >= _COMPILED_LIMIT:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[key] = wt.Module(engine, binary)
        return self._compiled[key]

    def describe(self) -> str:
        configured = f", {', '.join(s.text() for s in self.settings)}" if self.settings else ""
        return f"wasmtime (wasmtime-py {_version()}{configured})"

    def unsupported_profile(self, profile: str) -> str | None:
        features = _features(profile)
        if not features.bulk_memory:
            return (
                "wasmtime cannot run Wasm 1.0 semantics: it writes segments in order "
                "whatever its flags say"
            )
        if not features.reference_types:
            return "turning reference types off aborts wasmtime 50"
        missing = [f for f in _NO_SWITCH if getattr(features, f)]
        missing += [
            f
            for f, switch in _SWITCHES.items()
            if getattr(features, f) and not _has_setting(switch)
        ]
        if features.threads and not _has_setting("shared_memory"):
            missing.append("shared memories")
        if missing:
            return f"wasmtime-py {_version()} has no switch to enable {', '.join(missing)}"
        return None

    def engine_for(self, features: Features) -> wt.Engine:
        key = features.name
        if key not in self._engines:
            config = wt.Config()
            for flag, switch in _SWITCHES.items():
                if _has_setting(switch):  # else: a feature the release can't switch
                    setattr(config, switch, getattr(features, flag))
            if _has_setting("shared_memory"):
                config.shared_memory = features.threads
            self._engines[key] = new_engine(config, self.settings)
        return self._engines[key]

    def trampoline(self, engine_key: str, wat: str, engine: wt.Engine) -> wt.Module:
        key = (engine_key, wat)
        if key not in self._trampolines:
            self._trampolines[key] = wt.Module(engine, wat)
        return self._trampolines[key]

    def open(self, options: SessionOptions) -> Session:
        return WasmtimeSession(self, options)


class WasmtimeSession(Session):
    def __init__(self, owner: WasmtimeEngine, options: SessionOptions):
        self.owner = owner
        self.features = _features(options.profile)
        self.profile = self.features.name  # keys this engine's compiled trampolines
        self.engine = owner.engine_for(self.features)
        self.store = wt.Store(self.engine)
        # refimpl's limit on table elements: a table.grow beyond it returns
        # -1 on both engines (the spec lets growth fail), where wasmtime would
        # otherwise fill a table of 2^31 elements for minutes.
        self.store.set_limits(table_elements=MAX_TABLE_ELEMENTS)
        self.linker = wt.Linker(self.engine)
        self.linker.allow_shadowing = True
        self.instances: dict[str, tuple[wt.Instance, dict, dict[str, FuncSig] | None]] = {}
        self._calls: dict[tuple[str, str], wt.Func] = {}
        self._binaries: dict[str, bytes | None] = {}  # by handle: for module_types
        self._module_types: dict[str, crossing.ModuleTypes | None] = {}
        # For probes: what each registered name stands for, each instance's
        # shape, and the identity (defining handle, index) of every function
        # reference the session has seen, by its funcref pointer.
        self.registered: dict[str, str] = {"spectest": "spectest"}
        self.shapes: dict[str, ModuleShape | None] = {}
        self.func_ids: dict[str, list] = {}
        self.identities: dict[tuple[int, int], tuple] = {}
        self._define_spectest()

    def close(self) -> None:
        """Drop the store now, not whenever Python collects it: its
        instances' memory and table slots go back to a pooling allocator
        (``wasmtime[pooling=N]``) for the next session to reuse."""
        self.instances.clear()
        self._calls.clear()
        self.spectest_exports = {}
        self.linker = None
        store, self.store = self.store, None
        if store is not None and hasattr(store, "close"):  # older releases: collected
            store.close()

    # -- the spectest host module ------------------------------------------

    def _define_spectest(self) -> None:
        # Defined as a module rather than host objects: wasmtime-py cannot
        # pass a SharedMemory to Linker.define, and wasm functions that do
        # nothing are exactly the spec's print functions.
        self.spectest_exports = {}
        self.spectest_items = _spectest_items(self.features)
        for wat in _spectest_wats(self.spectest_items):
            module = self.owner.trampoline(self.profile, wat, self.engine)
            spectest = wt.Instance(self.store, module, [])
            self.linker.define_instance(self.store, "spectest", spectest)
            self.spectest_exports.update(spectest.exports(self.store).items())
        for name, item in self.spectest_exports.items():
            if isinstance(item, wt.Func):
                self.identities[_funcref_key(item)] = ("func", "spectest", name)

    # -- modules -------------------------------------------------------------

    def _compile(self, module: ModuleSource) -> wt.Module | CommandOutcome:
        source: bytes | str = module.binary if module.binary is not None else module.text or b""
        if isinstance(source, bytes) and module.binary is None:
            try:
                source = source.decode("utf-8")
            except UnicodeDecodeError:
                return Unsupported("wasmtime-py accepts module text only as UTF-8")
        try:
            if isinstance(source, bytes):
                return self.owner.compiled(self.profile, source, self.engine)
            return wt.Module(self.engine, source)
        except wt.WasmtimeError as exc:
            return _module_error(str(exc), text=module.binary is None)

    def check(self, module: ModuleSource) -> CommandOutcome:
        compiled = self._compile(module)
        return compiled if isinstance(compiled, CommandOutcome) else Ok()

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        compiled = self._compile(module)
        if isinstance(compiled, CommandOutcome):
            return compiled
        try:
            instance = self.linker.instantiate(self.store, compiled)
        except wt.Trap as exc:
            return _trap(exc)
        except wt.WasmtimeError as exc:
            # Not a trap: instantiation failed while linking, a table or
            # memory's minimum is beyond the store's limits (exhaustion), or
            # an exception escaped the start function (3.0 fuzz item 1185).
            first = str(exc).strip().splitlines()[0]
            cause = _cause(str(exc))
            if _LIMITS_EXCEEDED.search(cause):
                return Exhausted(cause)
            if "thrown Wasm exception" in cause:  # escaped the start function
                return Thrown(cause, "exception")
            return LinkFailed(first if first == cause else f"{first}: {cause}", "link")
        if handle is not None:
            sigs = export_signatures(module.binary) if module.binary is not None else None
            exports = _Exports(self.store, instance)
            self.instances[handle] = (instance, exports, sigs)
            self._binaries[handle] = module.binary
            self._learn_functions(handle, module, exports)
        return Ok()

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        instance, _, _ = self.instances[handle]
        self.linker.define_instance(self.store, as_name, instance)
        self.registered[as_name] = handle
        return Ok()

    # -- state probes --------------------------------------------------------
    #
    # wasmtime-py can't say which function a funcref is, but each function
    # reference has a stable funcref pointer: the same for every lookup of
    # one function *in one instance*.  An imported function gets a pointer
    # of its own in the importing instance, so identities follow the import
    # chain to the defining instance.  Functions wasmtime can't identify:
    # those of instances that were never named (a failed instantiation's
    # functions written into an imported table) and of modules that were
    # not rewritten; those entries are compared as "some function" only.

    def _learn_functions(self, handle: str, module: ModuleSource, exports: _Exports) -> None:
        if module.binary is None or _PROBE_MARK not in module.binary:
            self.shapes[handle] = None  # not rewritten for probes: nothing to learn
            return
        shape = module_shape(module.binary)
        self.shapes[handle] = shape
        if shape is None or not shape.func_accessor:
            return
        imported = shape.imported("func")
        ids: list = [self._import_identity(imp.module, imp.name) for imp in imported]
        ids += [("func", handle, i) for i in range(len(ids), shape.counts["func"])]
        self.func_ids[handle] = ids
        # Only a declared function can be in a table or global: ask the
        # accessor for those, one call each, and remember their pointers.
        accessor = exports.get(FUNC_ACCESSOR)
        for i in shape.refs or ():
            if isinstance(accessor, wt.Func) and i < len(ids) and ids[i][1] is not None:
                func = accessor(self.store, i)
                if isinstance(func, wt.Func):
                    self.identities[_funcref_key(func)] = ids[i]

    def _import_identity(self, module: str, name: str) -> tuple:
        provider = self.registered.get(module)
        if provider == "spectest":
            return ("func", "spectest", name)
        shape = self.shapes.get(provider) if provider else None
        index = shape.export_index(name, "func") if shape else None
        if index is None or provider not in self.func_ids:
            return ("func", None, None)
        return self.func_ids[provider][index]

    def _entry(self, ref, vtype: str):
        if isinstance(ref, wt.Val):
            ref = ref.value
        if ref is None:
            return None
        if isinstance(ref, wt.Func):
            return self.identities.get(_funcref_key(ref), ("func", None, None))
        if isinstance(ref, _HostRef):
            return ("extern", ref.n)
        return ("extern", None) if vtype == "externref" else ("any",)

    def _probe_items(self, handle: str):
        """(kind, key, wasmtime object, type) of everything a probe reads."""
        if handle == "spectest":
            for name, item in self.spectest_exports.items():
                kind, vtype, _ = self.spectest_items.get(name, ("func", None, ""))
                if kind != "func":
                    yield kind, name, item, vtype
            return
        _, exports, _ = self.instances[handle]
        shape = self.shapes.get(handle)
        if shape is None:
            return
        for (kind, index), name in shape.probe_exports.items():
            if kind == "func" or exports.get(name) is None:
                continue
            vtype = None
            if kind == "table":
                vtype = shape.table_types[index]
            elif kind == "global":
                gtype = shape.global_types[index]
                vtype = None if gtype is None else gtype[0]
            yield kind, str(index), exports.get(name), vtype

    def probe(self, handle: str):
        from ..probes.state import GlobalState, InstanceState, MemoryState, TableState, digest

        if handle != "spectest" and handle not in self.instances:
            return Unsupported(f"no instance {handle}")
        state = InstanceState()
        for kind, key, item, vtype in self._probe_items(handle):
            if kind == "memory":
                view = self._memory_view(item)
                state.memories[key] = MemoryState(len(view), digest(view))
            elif kind == "table":
                size = item.size(self.store)
                try:
                    entries = tuple(
                        self._entry(item.get(self.store, i), vtype) for i in range(size)
                    )
                except wt.WasmtimeError as exc:  # wasmtime-py reads no anyref entry, null or not
                    state.unreadable[f"table {key}"] = f"wasmtime-py: {_cause(str(exc))}"
                    continue
                if vtype == "externref" and None in entries:
                    nulls = self._externref_nulls(item, size)
                    if nulls is None:
                        state.unreadable[f"table {key}"] = "no trampoline could read its entries"
                        continue
                    entries = tuple(
                        ("extern", None) if e is None and not null else e
                        for e, null in zip(entries, nulls, strict=True)
                    )
                state.tables[key] = TableState(size, entries)
            else:
                value = self._global_value(item, vtype, handle)
                if isinstance(value, str):
                    state.unreadable[f"global {key}"] = value
                else:
                    state.globals[key] = GlobalState(vtype, value)
        return state

    def _externref_nulls(self, item: wt.Table, size: int) -> list[bool] | None:
        """Which entries of an externref table are null: wasmtime-py says
        None also for references it did not make (3.0 fuzz item 64: an i31
        made external).  None if no trampoline links to the table."""
        for index in ("i32", "i64"):
            wat = (
                f'(module (import "t" "t" (table $t {index} 0 externref))'
                f' (func (export "null") (param {index}) (result i32)'
                " (ref.is_null (table.get $t (local.get 0)))))"
            )
            try:
                module = self.owner.trampoline(self.profile, wat, self.engine)
                is_null = wt.Instance(self.store, module, [item]).exports(self.store)["null"]
            except wt.WasmtimeError:
                continue
            return [bool(is_null(self.store, i)) for i in range(size)]
        return None

    def _global_value(self, item: wt.Global, vtype: str | None, handle: str | None = None):
        """The global's bits or entry, or why it can't be read."""
        if vtype in ("f32", "v128"):
            outcome = self._get_through_trampoline(None, None, item, vtype)
            return outcome.values[0].payload
        if vtype in ("i32", "i64", "f64"):
            return _to_value(vtype, item.value(self.store)).payload
        if vtype == "funcref" or (vtype == "externref" and handle is None):
            return self._entry(item.value(self.store), vtype)
        if vtype == "externref":
            # None is also a reference wasmtime-py did not make (an i31 made
            # external, say): ask a trampoline whether it is null.
            entry = self._entry(item.value(self.store), vtype)
            return entry if entry is not None else self._ref_global_entry(handle, item, vtype)
        if vtype is not None and handle is not None:
            return self._ref_global_entry(handle, item, vtype)
        return f"wasmtime-py cannot read a {vtype or 'global of unknown type'}"

    def _ref_global_entry(self, handle: str, item: wt.Global, vtype: str):
        """A reference global wasmtime-py can't read, through a trampoline
        (``wasmtime_crossing``): null, or the kind of reference (i31, struct,
        array, a host value, ...) without contents; or why not."""
        types = self._types(handle)
        own = crossing.wat_type(vtype) is None
        if own and types is None:
            return f"a trampoline can't name the module's own type in {vtype}"
        kinds = types.kinds if types is not None else ()
        rc = crossing.result_crossing(vtype, kinds, _host_payload, own_types=own)
        if rc is None:
            return f"wasmtime-py cannot read a {vtype}"
        mutable = item.type(self.store).mutable
        gtype = f"(mut {rc.declared})" if mutable else rc.declared
        wat = (
            f"(module {types.wat if own and types is not None else ''}"
            f' (import "t" "g" (global $g {gtype}))'
            f' (func (export "get") (result {" ".join(rc.lowered)})'
            f" {rc.pull.format(v='(global.get $g)')}))"
        )
        try:
            module = self.owner.trampoline(self.profile, wat, self.engine)
            tramp = wt.Instance(self.store, module, [item])
            raw = tramp.exports(self.store)["get"](self.store)
        except wt.WasmtimeError as exc:
            return f"no trampoline could read the {vtype} global: {_cause(str(exc))}"
        ref = rc.decode(_as_list(raw, len(rc.lowered))).payload
        if ref.is_null:
            return None
        if ref.kind == "func":
            return ("func", None, None)
        if ref.kind in ("extern", "anyhost"):
            return (ref.kind, ref.payload)
        if ref.kind == "host":
            return ("anyhost", ref.payload)
        return (ref.kind,)

    def _memory_view(self, mem: wt.Memory) -> memoryview:
        # A shared memory (threads) belongs to no store: its accessors take none.
        store = () if _is_shared(mem) else (self.store,)
        size = mem.data_len(*store)
        if size == 0:
            return memoryview(b"")
        ptr = mem.data_ptr(*store)
        return memoryview((ctypes.c_ubyte * size).from_address(ctypes.addressof(ptr.contents)))

    def _memory(self, handle: str, key: str):
        if handle != "spectest" and handle not in self.instances:
            return None
        for kind, k, item, _ in self._probe_items(handle):
            if kind == "memory" and k == key:
                return item
        return None

    def memory_chunks(self, handle: str, key: str, chunk: int):
        from ..probes.state import chunk_digests

        mem = self._memory(handle, key)
        if mem is None:
            return Unsupported(f"no memory {key}")
        return chunk_digests(self._memory_view(mem), chunk)

    def read_memory(self, handle: str, key: str, offset: int, length: int):
        mem = self._memory(handle, key)
        if mem is None:
            return Unsupported(f"no memory {key}")
        return bytes(self._memory_view(mem)[offset : offset + length])

    # -- actions -------------------------------------------------------------

    def get(self, handle: str, field: str) -> CommandOutcome:
        _, exports, _ = self.instances[handle]
        item = exports.get(field)
        if not isinstance(item, wt.Global):
            return HarnessError(f"no exported global {field!r}")
        try:
            raw = item.value(self.store)
        except Exception:  # the API's way of saying "v128"
            return self._get_through_trampoline(handle, field, item, "v128")
        gtype = str(item.type(self.store).content)  # safe: not a v128
        if gtype == "f32":
            return self._get_through_trampoline(handle, field, item, "f32")
        return Ok((_to_value(gtype, raw),))

    def _get_through_trampoline(self, handle, field, item: wt.Global, vtype: str) -> CommandOutcome:
        mutable = item.type(self.store).mutable
        gtype = f"(mut {vtype})" if mutable else vtype
        lowered = " ".join(_GLOBAL_LOWERING[vtype])
        body = _lower_results([vtype], ["(global.get $g)"])
        wat = (
            f'(module (import "t" "g" (global $g {gtype}))'
            f' (func (export "get") (result {lowered}) {body}))'
        )
        module = self.owner.trampoline(self.profile, wat, self.engine)
        tramp = wt.Instance(self.store, module, [item])
        raw = tramp.exports(self.store)["get"](self.store)
        return Ok((_lift(vtype, _as_list(raw, len(_GLOBAL_LOWERING[vtype]))),))

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        _, exports, sigs = self.instances[handle]
        func = exports.get(field)
        if not isinstance(func, wt.Func):
            return HarnessError(f"no exported function {field!r}")
        sig = (sigs or {}).get(field)
        if sig is None:
            return Unsupported("the export's signature could not be read from the binary")
        if len(args) != len(sig.params):
            return HarnessError(f"wrong number of arguments: {len(args)} for {len(sig.params)}")
        tramp = None
        if not _direct(sig):
            tramp = self._trampoline_for(handle, field, func, sig)
            if isinstance(tramp, str):
                return Unsupported(tramp)
            if tramp is None and not _direct(sig, lossy_f32=True):
                return Unsupported("no trampoline could be linked to this export's type")
        try:
            if tramp is not None:
                trampoline, call = tramp
                raw_args = [
                    _api_value(kind, x)
                    for p, a in zip(trampoline.params, args, strict=True)
                    for kind, x in p.encode(a)
                ]
                raw = call(self.store, *raw_args)
            else:
                raw = func(self.store, *map(_to_val, sig.params, args))
        except ValueError as exc:  # an argument the API can't express
            return Unsupported(str(exc))
        except wt.Trap as exc:
            return _trap(exc)
        except wt.WasmtimeError as exc:
            return Trapped(_cause(str(exc)), _category_from_text(str(exc)))
        if tramp is None:
            raws = _as_list(raw, len(sig.results))
            return Ok(tuple(_to_value(t, r) for t, r in zip(sig.results, raws, strict=True)))
        return Ok(trampoline.decode(_as_list(raw, trampoline.lowered_result_count())))

    def _types(self, handle: str) -> crossing.ModuleTypes | None:
        """The module's types for trampolines that name them, decoded once."""
        if handle not in self._module_types:
            binary = self._binaries.get(handle)
            self._module_types[handle] = None if binary is None else crossing.module_types(binary)
        return self._module_types[handle]

    def _trampoline_for(self, handle: str, field: str, func: wt.Func, sig: FuncSig):
        """(trampoline, its ``call``) for the export; a reason if its values
        can't cross at all; None if the trampoline can't be linked (e.g. an
        import of a plain function type does not match a function whose type
        is a non-final GC sub type)."""
        key = (handle, field)
        if key not in self._calls:
            trampoline = crossing.plan(
                sig.params, sig.results, sig.kinds, _host_payload, self._types(handle), field
            )
            if isinstance(trampoline, str):
                self._calls[key] = trampoline
                return trampoline
            module = self.owner.trampoline(self.profile, trampoline.wat(), self.engine)
            try:
                instance = wt.Instance(self.store, module, [func])
                self._calls[key] = (trampoline, instance.exports(self.store)["call"])
            except wt.WasmtimeError:
                self._calls[key] = None
        return self._calls[key]


_PROBE_MARK = PROBE_PREFIX.encode()


def _is_shared(mem) -> bool:
    shared = getattr(wt, "SharedMemory", None)
    return shared is not None and isinstance(mem, shared)


class _Exports:
    """An instance's exports, each looked up by name when first asked for.

    wasmtime-py's ``Instance.exports`` reads every export by position, and
    wasmtime finds the n-th export by walking to it: quadratic in the
    export count (minutes for a real module with 100,000 exports).  A
    lookup by name is a hash lookup."""

    def __init__(self, store: wt.Store, instance: wt.Instance) -> None:
        self.store = store
        self.instance = instance
        self._found: dict[str, object] = {}
        self._all: dict | None = None

    def get(self, name: str, default=None):
        if name not in self._found:
            self._found[name] = self._lookup(name)
        found = self._found[name]
        return default if found is None else found

    def _lookup(self, name: str):
        try:
            from wasmtime import _ffi as ffi
            from wasmtime._extern import wrap_extern

            item = ffi.wasmtime_extern_t()
            raw = name.encode("utf-8")
            found = ffi.wasmtime_instance_export_get(
                self.store._context(),
                ctypes.byref(self.instance._instance),
                raw,
                len(raw),
                ctypes.byref(item),
            )
            return wrap_extern(item) if found else None
        except (ImportError, AttributeError, ctypes.ArgumentError):
            # A release without these internals: read them all, once.
            if self._all is None:
                self._all = dict(self.instance.exports(self.store).items())
            return self._all.get(name)


def _funcref_key(func: wt.Func) -> tuple[int, int]:
    raw = func._func
    # A pointer (wasmtime-py >= 2x: ``__private``; older: ``index``), the
    # same for each lookup of one funcref.
    return (raw.store_id, raw.index if hasattr(raw, "index") else raw.__private)


def _spectest_items(features: Features) -> dict[str, tuple[str, str | None, str]]:
    """The spectest module as refimpl defines it (``refimpl.host.spectest``,
    the one definition), as name -> (kind, value or element type, WAT of
    the export's definition)."""
    from refimpl.host.spectest import spectest_instance
    from refimpl.runtime.instances import GlobalInst, HostFunc, TableInst
    from refimpl.runtime.memory import MemInst

    def limits(lim) -> str:
        address = "i64 " if lim.address.value == "i64" else ""
        shared = " shared" if lim.shared else ""
        return f"{address}{lim.min}" + ("" if lim.max is None else f" {lim.max}") + shared

    def reftype(t) -> str:
        if not t.nullable or not hasattr(t.heap, "value"):
            raise ValueError(f"spectest: no WAT shorthand for {t}")
        return f"{t.heap.value}ref"

    out: dict[str, tuple[str, str | None, str]] = {}
    for name, item in spectest_instance(features).exports.items():
        export = f'(export "{name}")'
        if isinstance(item, HostFunc):
            params = "".join(f" (param {t.value})" for t in item.type.params)
            out[name] = ("func", None, f"(func {export}{params})")
        elif isinstance(item, GlobalInst):
            vtype = item.type.type.value
            value = item.value.hex() if isinstance(item.value, float) else item.value
            out[name] = ("global", vtype, f"(global {export} {vtype} ({vtype}.const {value}))")
        elif isinstance(item, TableInst):
            elem = reftype(item.type.elem)
            out[name] = ("table", elem, f"(table {export} {limits(item.type.limits)} {elem})")
        elif isinstance(item, MemInst):
            out[name] = ("memory", None, f"(memory {export} {limits(item.type.limits)})")
        else:
            raise ValueError(f"spectest: cannot define {name!r} ({type(item).__name__})")
    return out


def spectest_wats(features: Features) -> list[str]:
    """The spec runner's ``spectest`` module as the profile has it, as
    modules whose exports together make it up: refimpl's definition, every
    memory after the first (threads' ``shared_memory``) in a module of its
    own (two memories in one module would need multi-memory, which the
    profile may not have)."""
    return _spectest_wats(_spectest_items(features))


def _spectest_wats(items: dict) -> list[str]:
    main: list[str] = []
    alone: list[str] = []
    has_memory = False
    for kind, _, wat in items.values():
        if kind == "memory" and has_memory:
            alone.append(f"(module {wat})")
        else:
            main.append(wat)
            has_memory = has_memory or kind == "memory"
    return ["(module\n  " + "\n  ".join(main) + ")", *alone]


# -- trampolines (see wasmtime_crossing) --------------------------------------

_PLAIN = {"i32", "i64", "f64"}


def _direct(sig: FuncSig, lossy_f32: bool = False) -> bool:
    """Whether the API can call the export as it is: plain numbers, null
    funcref / host externref arguments, funcref results (and, when nothing
    better links, f32 through a C float, which may quiet a NaN)."""
    plain = _PLAIN | ({"f32"} if lossy_f32 else set())
    return all(t in plain or t in ("funcref", "externref") for t in sig.params) and all(
        t in plain or t == "funcref" for t in sig.results
    )


def _api_value(kind: str, x) -> wt.Val:
    if kind == "i32":
        return wt.Val.i32(x)
    if kind == "i64":
        return wt.Val.i64(x)
    if kind == "f64bits":
        return wt.Val.f64(_F64.unpack(_U64.pack(x))[0])
    if kind == "extern":
        return wt.Val.externref(None if x is None else _HostRef(x))
    raise ValueError(f"cannot pass a {kind}")


def _host_payload(raw):
    return raw.n if isinstance(raw, _HostRef) else None


def _lower_results(types, exprs) -> str:
    out = []
    for t, e in zip(types, exprs, strict=True):
        if t == "f32":
            out.append(f"(i32.reinterpret_f32 {e})")
        elif t == "v128":
            out.append(f"(i64x2.extract_lane 0 {e}) (i64x2.extract_lane 1 {e})")
        else:
            out.append(e)
    return " ".join(out)


_GLOBAL_LOWERING = {"f32": ("i32",), "v128": ("i64", "i64")}


def _lift(t: str, raws: list) -> Value:
    if t == "f32":
        return Value("f32", raws[0] & 0xFFFFFFFF)
    return Value("v128", (raws[0] & (2**64 - 1)) | ((raws[1] & (2**64 - 1)) << 64))


# -- value conversion ------------------------------------------------------------


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _to_val(t: str, v: Value) -> wt.Val:
    if t == "i32":
        return wt.Val.i32(_signed(v.payload, 32))
    if t == "i64":
        return wt.Val.i64(_signed(v.payload, 64))
    if t == "f64":
        return wt.Val.f64(_F64.unpack(_U64.pack(v.payload))[0])
    ref = v.payload
    if t == "funcref":
        if isinstance(ref, Ref) and ref.is_null:
            return wt.Val.funcref(None)
        raise ValueError("only null funcref arguments can be passed")
    if t == "externref":
        if isinstance(ref, Ref) and ref.is_null:
            return wt.Val.externref(None)
        return wt.Val.externref(_HostRef(ref.payload))
    raise ValueError(f"cannot pass {t}")


class _HostRef:
    """A host reference as wasmtime stores it; distinct from plain ints so
    nothing else can be mistaken for one."""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n


def _to_value(t: str, raw) -> Value:
    if isinstance(raw, wt.Val):
        raw = raw.value
    if t in ("i32", "i64"):
        return Value(t, raw & ((1 << int(t[1:])) - 1))
    if t == "f64":
        return Value(t, _U64.unpack(_F64.pack(raw))[0])
    if t == "f32":
        return Value(t, _U32.unpack(_F32.pack(raw))[0] if not math.isnan(raw) else 0x7FC00000)
    if t == "funcref":
        return Value(t, NULL if raw is None else Ref("func"))
    if t == "externref":
        if raw is None:
            return Value(t, NULL)
        return Value(t, Ref("extern", raw.n if isinstance(raw, _HostRef) else None))
    return Value(t, NULL if raw is None else Ref("any"))


def _as_list(raw, count: int) -> list:
    """wasmtime-py returns None, one value, or a list, by result count."""
    if count == 0:
        return []
    if count == 1:
        return [raw]
    return list(raw)


# -- errors -----------------------------------------------------------------------


def _cause(message: str) -> str:
    """The innermost cause of a wasmtime error, without the backtrace."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    if "Caused by:" in lines:
        lines = lines[lines.index("Caused by:") + 1 :]
    text = lines[-1] if lines else message
    for prefix in ("wasm trap: ",):
        text = text.split(prefix, 1)[-1]
    if ": " in text and text.split(": ", 1)[0].strip().isdigit():
        text = text.split(": ", 1)[1]
    return text


def _trap(exc: wt.Trap) -> CommandOutcome:
    message = _cause(str(exc))
    code = exc.trap_code
    if code == wt.TrapCode.STACK_OVERFLOW:
        return Exhausted(message, "call-stack-exhausted")
    if code == getattr(wt.TrapCode, "ALLOCATION_TOO_LARGE", None):
        # A GC allocation beyond wasmtime's heap: resource exhaustion, which
        # the spec allows anywhere (refimpl says "out of memory: ...").
        return Exhausted(message)
    if code is None and "exception" in message:
        return Thrown(message, "exception")
    return Trapped(message, _TRAP_CATEGORIES.get(code) or _category_from_text(message))


def _category_from_text(message: str) -> str | None:
    for spec_text, category in SPEC_MESSAGES.items():
        if spec_text in message:
            return category
    return None


def _module_error(message: str, text: bool) -> CommandOutcome:
    cause = _cause(message)
    compiled = "failed to compile" in message or "Invalid input WebAssembly" in message
    if "failed to parse WebAssembly module" in message or (text and not compiled):
        return Malformed(cause, "rejected")
    return Invalid(cause, "rejected")
