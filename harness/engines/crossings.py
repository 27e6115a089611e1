"""Value crossings for any engine whose API can't pass some values exactly.

A JS engine's API has no v128 and may quiet a signalling NaN on its way
through a JS Number; wasmtime-py has the same gaps.  An engine declares the
value types it can't pass (``Engine.crossings``; a program engine answers
``"crossings": ["f32", "f64", "v128"]`` to ``describe``) and its sessions
are wrapped here: an export whose signature mentions one of them is called
through a trampoline module (``wasmtime_crossing``) that the engine itself
instantiates, importing the export from the instance registered under a
reserved name, and that passes those values as integer bits.  Everything
goes through the ordinary session requests (register, instantiate,
invoke), so a program engine needs nothing beyond the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..lenient_reader import FuncSig, export_signatures
from ..outcomes import CommandOutcome, Ok, Unsupported
from ..script.commands import ModuleSource
from ..values import NULL, Ref, Value
from . import wasmtime_crossing as crossing
from .base import Engine, Session, SessionOptions

# The value types a trampoline can lower to integer bits.
CROSSABLE = frozenset({"f32", "f64", "v128"})
_RESERVED = "__harness_crossing"  # prefix of the names and handles used here
_MASKS = {"i32": (1 << 32) - 1, "i64": (1 << 64) - 1}


@dataclass(frozen=True)
class _Host:
    """A reference as the trampoline's decoders expect a raw API object."""

    n: object


def _host_payload(raw: object) -> object:
    return raw.n if isinstance(raw, _Host) else None


@cache
def _binary(wat: str) -> bytes:
    import wasmtime

    return wasmtime.wat2wasm(wat)


def _lowered_value(kind: str, x: object) -> Value:
    """A lowered argument (``wasmtime_crossing``'s API terms) as a value."""
    if kind in _MASKS:
        return Value(kind, int(x) & _MASKS[kind])  # type: ignore[call-overload]
    if kind == "extern":
        return Value("externref", NULL if x is None else Ref("extern", x))
    raise ValueError(f"cannot pass a lowered {kind}")


def _raw(v: Value) -> object:
    if isinstance(v.payload, Ref):
        return None if v.payload.is_null else _Host(v.payload.payload)
    return v.payload


class CrossingSession(Session):
    """A session that calls exports with values of ``types`` through trampolines."""

    def __init__(self, inner: Session, types: frozenset[str]):
        self.inner = inner
        self.types = types
        self.signatures: dict[str, dict[str, FuncSig]] = {}
        self.exposed: set[str] = set()  # handles registered under a reserved name
        self.trampolines: dict[tuple[str, str], tuple[str, crossing.Trampoline]] = {}

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        outcome = self.inner.instantiate(module, handle)
        if isinstance(outcome, Ok) and handle is not None and module.binary is not None:
            self.signatures[handle] = export_signatures(module.binary) or {}
        return outcome

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        sig = self.signatures.get(handle, {}).get(field)
        if sig is None or not self.types.intersection(sig.params + sig.results):
            return self.inner.invoke(handle, field, args)
        route = self._trampoline(handle, field, sig)
        if isinstance(route, CommandOutcome):
            return route
        tramp_handle, trampoline = route
        try:
            lowered = tuple(
                _lowered_value(kind, x)
                for p, a in zip(trampoline.params, args, strict=True)
                for kind, x in p.encode(a)
            )
        except ValueError as exc:
            return Unsupported(str(exc))
        outcome = self.inner.invoke(tramp_handle, "call", lowered)
        if not isinstance(outcome, Ok):
            return outcome
        if len(outcome.values) != trampoline.lowered_result_count():
            return Unsupported(f"the trampoline returned {len(outcome.values)} values")
        return Ok(trampoline.decode([_raw(v) for v in outcome.values]))

    def _trampoline(
        self, handle: str, field: str, sig: FuncSig
    ) -> tuple[str, crossing.Trampoline] | CommandOutcome:
        key = (handle, field)
        if key in self.trampolines:
            return self.trampolines[key]
        # f64 crosses as i64 bits whatever was declared: results come back
        # here as values (bit patterns), never as the API's floats.
        trampoline = crossing.plan(
            sig.params, sig.results, sig.kinds, _host_payload, exact_f64=False
        )
        if isinstance(trampoline, str):
            return Unsupported(trampoline.replace("wasmtime-py", "the engine's API"))
        exposed_as = f"{_RESERVED}:{handle}"
        if handle not in self.exposed:
            outcome = self.inner.register(exposed_as, handle)
            if not isinstance(outcome, Ok):
                return outcome
            self.exposed.add(handle)
        try:
            binary = _binary(trampoline.wat(exposed_as, field))
        except Exception as exc:  # no wat2wasm here, or a type it can't write
            return Unsupported(f"cannot build a trampoline: {exc}")
        tramp_handle = f"{_RESERVED}:{len(self.trampolines)}"
        module = ModuleSource(binary=binary, origin=f"trampoline for {field}")
        outcome = self.inner.instantiate(module, tramp_handle)
        if not isinstance(outcome, Ok):
            return Unsupported(f"the trampoline for {field!r} did not instantiate: {outcome}")
        self.trampolines[key] = (tramp_handle, trampoline)
        return self.trampolines[key]

    # -- everything else goes straight through ----------------------------------

    def check(self, module: ModuleSource) -> CommandOutcome:
        return self.inner.check(module)

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        return self.inner.register(as_name, handle)

    def get(self, handle: str, field: str) -> CommandOutcome:
        return self.inner.get(handle, field)

    def close(self) -> None:
        self.inner.close()

    def lost(self) -> bool:
        return self.inner.lost()

    def stats(self) -> dict[str, int]:
        return self.inner.stats()

    def probe(self, handle: str):
        return self.inner.probe(handle)

    def memory_chunks(self, handle: str, key: str, chunk: int):
        return self.inner.memory_chunks(handle, key, chunk)

    def read_memory(self, handle: str, key: str, offset: int, length: int):
        return self.inner.read_memory(handle, key, offset, length)


def declared_crossings(types: object) -> frozenset[str]:
    """The crossings an engine declared, checked: only types a trampoline can lower."""
    if not isinstance(types, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(str(t) for t in types) & CROSSABLE


class CrossingEngine(Engine):
    """An in-process engine of the user's (``python:``) that declared crossings."""

    def __init__(self, inner: Engine):
        self.inner = inner
        self.name = inner.name
        self.exact_messages = inner.exact_messages
        self.message_policy = inner.message_policy
        self.probes = inner.probes
        self.crossings = declared_crossings(inner.crossings)

    def open(self, options: SessionOptions) -> Session:
        return CrossingSession(self.inner.open(options), self.crossings)

    def describe(self) -> str:
        return self.inner.describe()

    def unsupported_profile(self, profile: str) -> str | None:
        return self.inner.unsupported_profile(profile)
