"""refimpl, the project's reference runtime, as an engine (in process).

It speaks the spec interpreter's messages, so its failures are checked by
exact prefix.  Modules given only as text are read by refimpl's own text
parser (``refimpl.text``).
"""

from __future__ import annotations

from collections import OrderedDict

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
from ..script.commands import ModuleSource
from ..values import NULL, Ref, Value
from .base import Engine, Session, SessionOptions

# Decoded modules by (profile, source), shared by the sessions of one process:
# the lanes of a run (fast path, interpreter, every init mode) load the same
# modules one command after another, and a decoded module is immutable (its
# compiled code and init plans are cached on it), so it is decoded, validated
# and compiled once per process instead of once per lane.  A failure (an
# outcome) is shared the same way.  Small: lanes run each command in turn.
_LOADED: OrderedDict[tuple[str, bool, bytes | str], object] = OrderedDict()
_LOADED_MAX = 16


class RefimplEngine(Engine):
    """``refimpl`` runs the compiled fast path; ``refimpl-interpreter`` the
    plain reference interpreter (run both to check one against the other)."""

    exact_messages = True
    probes = True

    def __init__(self, executor: str = "compiled", init_mode: str | None = None):
        self.executor = executor
        self.init_mode = init_mode
        self.name = "refimpl" if executor == "compiled" else f"refimpl-{executor}"
        if init_mode:
            self.name += f"[{init_mode}]"

    def describe(self) -> str:
        return f"refimpl ({self.executor})"

    def unsupported_profile(self, profile: str) -> str | None:
        from refimpl import Features

        missing = Features.parse(profile).unimplemented()
        if missing:
            return f"refimpl does not implement {', '.join(missing)} yet"
        return None

    def open(self, options: SessionOptions) -> Session:
        executor = options.extra.get("executor", self.executor)
        return RefimplSession(options, executor, self.init_mode)


class RefimplSession(Session):
    def __init__(self, options: SessionOptions, executor: str, init_mode: str | None = None):
        import refimpl
        from refimpl.host.spectest import spectest_instance
        from refimpl.init import make_mode

        self.refimpl = refimpl
        self.profile = options.profile
        self.features = refimpl.Features.parse(options.profile)
        self.store = refimpl.Store(self.features, executor_name=executor)
        self.registry = {"spectest": spectest_instance(self.features)}
        self.instances: dict[str, object] = {}
        self.init = make_mode(init_mode) if init_mode else None

    def _load(self, module: ModuleSource):
        binary = module.binary
        source = module.text or b"" if binary is None else binary
        if not isinstance(source, bytes | str):
            source = bytes(source)  # a bytearray (a trampoline is built in place)
        key = (self.profile, binary is None, source)
        loaded = _LOADED.get(key)
        if loaded is None:
            loaded = self._decode(module)
            _LOADED[key] = loaded
            if len(_LOADED) > _LOADED_MAX:
                _LOADED.popitem(last=False)
        else:
            _LOADED.move_to_end(key)
        return loaded

    def _decode(self, module: ModuleSource):
        r = self.refimpl
        try:
            binary = module.binary
            if binary is None:
                binary = self._encode_text(module.text or b"")
                if isinstance(binary, CommandOutcome):
                    return binary
            return r.load(binary, self.features)
        except r.MalformedModule as exc:
            return Malformed(exc.message)
        except r.InvalidModule as exc:
            return Invalid(exc.message)
        except r.UnsupportedFeature as exc:
            return Unsupported(f"refimpl: {exc.message}")

    def _encode_text(self, text: bytes) -> bytes | CommandOutcome:
        from refimpl.binary.encode import EncodeError
        from refimpl.text import wat_to_binary

        try:
            return wat_to_binary(text, self.features)
        except EncodeError as exc:
            return Unsupported(f"refimpl can't encode this module yet: {exc}")

    def check(self, module: ModuleSource) -> CommandOutcome:
        loaded = self._load(module)
        return loaded if isinstance(loaded, CommandOutcome) else Ok()

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        loaded = self._load(module)
        if isinstance(loaded, CommandOutcome):
            return loaded
        outcome, inst = self._guard(
            lambda: self.refimpl.instantiate(
                self.store, loaded, self.registry, handle or "", self.init
            )
        )
        if inst is not None and handle is not None:
            self.instances[handle] = inst
        return outcome

    def stats(self) -> dict[str, int]:
        out: dict[str, int] = {}
        mode_stats = getattr(self.init, "stats", None)
        if mode_stats is not None:
            out["init mode applied"] = mode_stats.applied
            for reason, n in mode_stats.fallbacks.items():
                out[f"init mode fell back: {reason}"] = n
        executor = self.store._executor
        for why in getattr(executor, "fallbacks", {}).values():
            key = f"functions interpreted: {why.split(':')[0]}"
            out[key] = out.get(key, 0) + 1
        return out

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        self.registry[as_name] = self.instances[handle]
        return Ok()

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        from refimpl.runtime.instances import FuncInst, HostFunc

        func = self.instances[handle].exports.get(field)
        if not isinstance(func, (FuncInst, HostFunc)):
            return HarnessError(f"no exported function {field!r}")
        ftype = func.type
        if len(args) != len(ftype.params):
            return HarnessError(f"wrong number of arguments: {len(args)} for {len(ftype.params)}")
        try:
            py_args = [_to_refimpl(a) for a in args]
        except ValueError as exc:
            return Unsupported(str(exc))
        outcome, results = self._guard(lambda: self.store.invoke(func, py_args))
        if results is None:
            return outcome
        return Ok(tuple(_to_value(t, r) for t, r in zip(ftype.results, results, strict=True)))

    def get(self, handle: str, field: str) -> CommandOutcome:
        from refimpl.runtime.instances import GlobalInst

        glob = self.instances[handle].exports.get(field)
        if not isinstance(glob, GlobalInst):
            return HarnessError(f"no exported global {field!r}")
        inst = self.instances[handle]
        return Ok((_to_value(_module_type(glob.type.type, inst), glob.value),))

    # -- state probes ------------------------------------------------------------

    def _probe_items(self, handle: str):
        """(kind, key, instance object) of everything a probe reads."""
        from refimpl.runtime.instances import GlobalInst, TableInst
        from refimpl.runtime.memory import MemInst

        from ..probes.rewrite import parse_probe_name
        from ..probes.state import SPECTEST

        if handle == SPECTEST:
            kinds = {MemInst: "memory", TableInst: "table", GlobalInst: "global"}
            for name, item in self.registry[SPECTEST].exports.items():
                if type(item) in kinds:
                    yield kinds[type(item)], name, item
            return
        inst = self.instances.get(handle)
        if inst is None:
            return
        for name, item in inst.exports.items():
            parsed = parse_probe_name(name)
            if parsed is not None and parsed[0] != "func":
                yield parsed[0], str(parsed[1]), item

    def probe(self, handle: str):
        from ..probes.state import GlobalState, InstanceState, MemoryState, TableState, digest

        if handle != "spectest" and handle not in self.instances:
            return Unsupported(f"no instance {handle}")
        state = InstanceState()
        for kind, key, item in self._probe_items(handle):
            if kind == "memory":
                state.memories[key] = MemoryState(len(item.data), digest(item.data))
            elif kind == "table":
                entries = tuple(_entry(e) for e in item.elements)
                state.tables[key] = TableState(len(entries), entries)
            else:
                owner = self.instances.get(handle)
                vtype = item.type.type if owner is None else _module_type(item.type.type, owner)
                value = _to_value(vtype, item.value)
                payload = value.payload
                state.globals[key] = GlobalState(
                    value.type, _entry(item.value) if isinstance(payload, Ref) else payload
                )
        return state

    def _memory(self, handle: str, key: str):
        for kind, k, item in self._probe_items(handle):
            if kind == "memory" and k == key:
                return item
        return None

    def memory_chunks(self, handle: str, key: str, chunk: int):
        from ..probes.state import chunk_digests

        mem = self._memory(handle, key)
        return Unsupported(f"no memory {key}") if mem is None else chunk_digests(mem.data, chunk)

    def read_memory(self, handle: str, key: str, offset: int, length: int):
        mem = self._memory(handle, key)
        return (
            Unsupported(f"no memory {key}")
            if mem is None
            else bytes(mem.data[offset : offset + length])
        )

    def _guard(self, action):
        """Run ``action``; (Ok, result) or (failure outcome, None)."""
        from refimpl.errors import UncaughtException

        r = self.refimpl
        try:
            return Ok(), action()
        except r.Trap as exc:
            return Trapped(exc.message), None
        except r.LinkError as exc:
            return LinkFailed(exc.message), None
        except r.Exhaustion as exc:
            return Exhausted(exc.message), None
        except r.UnsupportedFeature as exc:
            return Unsupported(f"refimpl: {exc.message}"), None
        except UncaughtException as exc:
            return Thrown(exc.message), None


def _entry(ref):
    """A reference as a probe reports it (see harness.probes.state)."""
    from refimpl.runtime.instances import ExnInst, FuncInst, HostFunc
    from refimpl.runtime.observe import ref_key
    from refimpl.runtime.values import ExternRef

    from ..probes.state import GC_ENTRY_KINDS

    if ref is None:
        return None
    if isinstance(ref, FuncInst):
        # An instance the runner never named (a failed or throwaway
        # instantiation) has no handle to identify it by.
        owner = ref.module.name or None
        return ("func", owner, ref.index if owner else None)
    if isinstance(ref, HostFunc):
        return ("func", "spectest", ref.name)
    if isinstance(ref, ExternRef):
        return ref_key(ref)  # ("extern", payload): a host's, or an internal ref's text
    if isinstance(ref, ExnInst):
        return ("exn",)
    key = ref_key(ref)
    return key if key[0] in GC_ENTRY_KINDS else ("any",)


def _to_refimpl(v: Value):
    from refimpl.exec.numerics import f32_from_bits, f64_from_bits
    from refimpl.runtime.values import ExternRef, HostRef

    t, p = v.type, v.payload
    if t in ("i32", "i64", "v128"):
        return p
    if t == "f32":
        return f32_from_bits(p)
    if t == "f64":
        return f64_from_bits(p)
    if isinstance(p, Ref):
        if p.is_null:
            return None
        if p.kind == "extern":
            return ExternRef(p.payload)
        if p.kind == "host":
            return HostRef(p.payload)
    raise ValueError(f"refimpl cannot take a {v} argument from a script")


def _module_type(vtype, inst):
    """A value type as the module writes it, as other engines name it:
    a canonical type (an instance's global's) back to the instance's first
    type index with that canonical type."""
    from refimpl.syntax.types import RefType
    from refimpl.valid.canonical import DefType

    if isinstance(vtype, RefType) and isinstance(vtype.heap, DefType):
        index = next((i for i, d in enumerate(inst.types) if d is vtype.heap), None)
        if index is not None:
            return RefType(vtype.nullable, index)
    return vtype


def _to_value(vtype, raw) -> Value:
    from refimpl.exec.numerics import f32_to_bits, f64_to_bits
    from refimpl.runtime.instances import ExnInst, FuncInst, HostFunc
    from refimpl.runtime.values import ArrayRef, ExternRef, HostRef, I31Ref, StructRef
    from refimpl.syntax.types import RefType

    name = str(vtype)
    if name in ("i32", "i64", "v128"):
        return Value(name, raw)
    if name == "f32":
        return Value(name, f32_to_bits(raw))
    if name == "f64":
        return Value(name, f64_to_bits(raw))
    if isinstance(vtype, RefType):
        if raw is None:
            return Value(name, NULL)
        if isinstance(raw, ExternRef):
            host = not isinstance(raw.payload, StructRef | ArrayRef | I31Ref)
            return Value(name, Ref("extern", raw.payload if host else None))
        if isinstance(raw, HostRef):
            return Value(name, Ref("host", raw.payload))
        if isinstance(raw, I31Ref):
            return Value(name, Ref("i31", raw.value))
        if isinstance(raw, StructRef):
            return Value(name, Ref("struct"))
        if isinstance(raw, ArrayRef):
            return Value(name, Ref("array"))
        if isinstance(raw, FuncInst):
            return Value(name, Ref("func", (raw.module.name, raw.index)))
        if isinstance(raw, HostFunc):
            return Value(name, Ref("func", ("host", raw.name)))
        if isinstance(raw, ExnInst):
            return Value(name, Ref("exn"))
        return Value(name, Ref("any"))
    raise ValueError(f"unknown value type {vtype}")
