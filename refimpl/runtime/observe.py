"""What can be observed of refimpl instances, as comparable values: one
encoding of references and values, memory digests, an instance's state, a
call's outcome.

Every tool that runs refimpl twice and compares (init modes against the
reference path, a snapshot against the run it stands for, the fast path
against the interpreter) compares through these, so two runs agree or
differ for the same reasons everywhere.  Instances are different objects in
the two runs: a function reference is encoded by its defining instance as
seen from ``home`` (the instance under comparison) and its index, never by
object identity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..errors import Exhaustion, Trap, UncaughtException
from ..exec.numerics import f32_to_bits, f64_to_bits
from ..syntax.types import F32, F64, RefType, ValType
from .instances import FuncInst, GlobalInst, HostFunc, ModuleInst, TableInst
from .memory import MemInst
from .residency import candidate_chunks
from .values import ArrayRef, ExternRef, HostRef, I31Ref, StructRef

OWN = "own"  # a function of the instance under comparison


def ref_key(ref, home: ModuleInst | None = None):
    """A reference as a comparable value, in the shape of the harness's
    probe entries: None (null), ("func", owner, index), ("host", name),
    ("extern", payload), ("i31", value), ("anyhost", payload) (a host value
    in ``any``), ("struct"|"array", contents) (``gc_contents``), or ("ref",
    its text) for other kinds."""
    if ref is None:
        return None
    if isinstance(ref, FuncInst):
        owner = ref.module
        name = OWN if owner is home else owner.name or f"instance {id(owner):x}"
        return ("func", name, ref.index)
    if isinstance(ref, HostFunc):
        return ("host", ref.name)
    if isinstance(ref, ExternRef):
        payload = ref.payload
        if isinstance(payload, _GC_KINDS):  # an internal reference, externalized
            return ("extern", "extern of " + gc_contents(payload, home))
        return ("extern", payload)
    if isinstance(ref, _GC_KINDS):
        kind = "i31" if type(ref) is I31Ref else type(ref).__name__.removesuffix("Ref").lower()
        return (kind, ref.value if type(ref) is I31Ref else gc_contents(ref, home))
    if isinstance(ref, HostRef):
        return ("anyhost", ref.payload)
    return ("ref", repr(ref))


_GC_KINDS = (StructRef, ArrayRef, I31Ref)
# How deep ``gc_contents`` follows references between GC objects, and how
# many array elements it shows: enough to tell results apart, bounded for
# cyclic and long structures.
GC_DEPTH = 3
GC_ELEMENTS = 16


def gc_contents(ref, home: ModuleInst | None = None, depth: int = GC_DEPTH) -> str:
    """A GC reference's shape and contents as text, ``depth`` references
    deep (identity is not observable across runs; contents are)."""
    if ref is None:
        return "null"
    if type(ref) is I31Ref:
        return f"i31 {ref.value}"
    if type(ref) is StructRef:
        types = [f.storage for f in ref.type.comp.fields]
        values = ref.fields
        head = "struct"
    elif type(ref) is ArrayRef:
        n = len(ref.elements)
        types = [ref.type.comp.element.storage] * min(n, GC_ELEMENTS)
        values = ref.elements[:GC_ELEMENTS]
        head = f"array[{n}]"
    else:
        return repr(ref_key(ref, home))
    if depth == 0:
        return head + "{...}"
    parts = []
    for t, v in zip(types, values, strict=True):
        if isinstance(t, RefType) and (v is None or isinstance(v, _GC_KINDS)):
            parts.append(gc_contents(v, home, depth - 1))
        else:
            parts.append(repr(value_key(t, v, home) if not isinstance(t, str) else v))
    return head + "{" + ", ".join(parts) + "}"


def value_key(t: ValType, v, home: ModuleInst | None = None):
    """A value as a comparable value: floats by their bits (NaN payloads
    count), references by ``ref_key``, integers as they are."""
    if t is F32:
        return f32_to_bits(v)
    if t is F64:
        return f64_to_bits(v)
    if isinstance(t, RefType):
        return ref_key(v, home)
    return int(v)


def call_outcome(store, func, args: list, home: ModuleInst | None = None) -> tuple:
    """("ok", results as ``value_key``), (error class name, message), or
    ("UncaughtException", the tag's index in ``home`` (None if another
    instance's), the payload as ``value_key``)."""
    try:
        results = store.invoke(func, list(args))
    except (Trap, Exhaustion) as exc:
        return (type(exc).__name__, exc.message)
    except UncaughtException as exc:
        return ("UncaughtException", *exception_key(exc, home))
    keys = tuple(value_key(t, v, home) for t, v in zip(func.type.results, results, strict=True))
    return ("ok", keys)


def exception_key(exc: UncaughtException, home: ModuleInst | None = None) -> tuple:
    """An escaped exception as a comparable value: (its tag's index among
    ``home``'s tags, or None, and its payload as ``value_key``)."""
    tags = home.tags if home is not None else []
    index = next((i for i, t in enumerate(tags) if t is exc.tag), None)
    types = exc.tag.type.params
    return index, tuple(value_key(t, v, home) for t, v in zip(types, exc.payload, strict=True))


# Memories up to this size are kept whole (to point at a first difference);
# larger ones only as a digest, read a chunk at a time: a module may grow its
# memory to 4 GiB, and a copy per run would exhaust the machine.
KEEP_BYTES = 16 << 20
CHUNK = 1 << 20
_ZEROS = bytes(CHUNK)


def memory_digest(buf) -> str:
    """sha256 over the non-zero chunks of ``buf`` and their offsets: zero
    chunks (untouched pages) add nothing, and a large sparse mapping is read
    only where it is resident (``residency``), so a 2 GiB memory holding a
    few bytes costs what those bytes cost."""
    h = hashlib.sha256()
    for offset in candidate_chunks(buf, CHUNK):
        chunk = buf[offset : offset + CHUNK]
        if isinstance(chunk, memoryview):
            chunk = chunk.tobytes()  # a memoryview compares item by item: slow
        if chunk != _ZEROS[: len(chunk)]:
            h.update(offset.to_bytes(8, "little"))
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class MemoryDigest:
    """A memory's contents, compared by size and digest."""

    size: int
    digest: str  # over the non-zero chunks and their offsets
    data: bytes | None = None  # the bytes, if at most KEEP_BYTES

    @classmethod
    def of(cls, buf) -> MemoryDigest:
        data = bytes(buf) if len(buf) <= KEEP_BYTES else None
        return cls(len(buf), memory_digest(buf), data)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, MemoryDigest)
            and self.size == other.size
            and self.digest == other.digest
        )

    def __hash__(self) -> int:
        return hash((self.size, self.digest))

    def __repr__(self) -> str:
        return f"<{self.size} bytes, sha256 {self.digest[:16]}>"

    def first_difference(self, other: MemoryDigest) -> int | None:
        """Where the two first differ (None if equal, or not kept whole)."""
        if self.data is None or other.data is None:
            return None
        return first_difference(self.data, other.data)


def first_difference(a, b) -> int | None:
    """The first offset where two buffers (bytes, bytearray, mmap) differ,
    or None; compared a chunk at a time, so large mappings are not copied."""
    n = min(len(a), len(b))
    if len(a) == len(b) and type(a) is type(b) and type(a) in (bytes, bytearray) and a == b:
        return None
    for start in range(0, n, CHUNK):
        ca, cb = bytes(a[start : start + CHUNK]), bytes(b[start : start + CHUNK])
        if ca != cb:
            return start + next(j for j in range(len(ca)) if ca[j] != cb[j])
    return None if len(a) == len(b) else n


def extern_state(value, home: ModuleInst | None = None):
    """The comparable state of a memory, table or global (None otherwise)."""
    if isinstance(value, MemInst):
        return MemoryDigest.of(value.data)
    if isinstance(value, TableInst):
        return tuple(ref_key(e, home) for e in value.elements)
    if isinstance(value, GlobalInst):
        return value_key(value.type.type, value.value, home)
    return None


def instance_state(inst: ModuleInst, label: str = "", skip=(), home=None) -> dict:
    """Every memory, table and global of an instance (but those in ``skip``,
    e.g. imported ones compared elsewhere), keyed "LABEL memory I", ...;
    references are seen from ``home`` (default: the instance itself)."""
    home = inst if home is None else home
    prefix = f"{label} " if label else ""
    state = {}
    for kind, items in (("memory", inst.mems), ("table", inst.tables), ("global", inst.globals)):
        for i, item in enumerate(items):
            if not any(item is s for s in skip):
                state[f"{prefix}{kind} {i}"] = extern_state(item, home)
    return state
