"""The state of one instance as an engine reports it to a probe.

Kept small, since isolated engines send it over the JSON protocol: a memory
is its size and a digest (its bytes travel only when engines disagree, see
``compare``), a table its entries (run-length encoded on the wire), a global
its value.  Keys are the index in the instance's index space as a string
(``"0"``), or the export name for the ``spectest`` host module.

A table entry (or a reference-typed global's value) is one of:

- ``None``: null;
- ``("func", OWNER, INDEX)``: a function, identified by the handle of the
  instance that defines it and its index there (``("func", "spectest",
  NAME)`` for the spectest module's functions), or ``("func", None, None)``
  when the engine cannot tell which function it is;
- ``("extern", PAYLOAD)``: a host reference (``ref.extern PAYLOAD``);
- ``("i31", VALUE)``, ``("struct", TEXT)``, ``("array", TEXT)``,
  ``("anyhost", PAYLOAD)``: GC references with what is observable of them
  (an i31's value; a struct's or array's contents, a few references deep,
  as ``refimpl.runtime.observe.gc_contents`` writes them; a host value
  inside ``any``), from engines that can read them;
- ``(KIND,)``: another non-null reference, without identity (``("any",)``
  from an engine that cannot read GC references agrees with any of the GC
  entries above; ``("i31",)``, ``("struct",)``, ``("array",)`` from one that
  reads only their kind agree with the same kind; both counted as
  unidentified).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from refimpl.runtime.observe import memory_digest

# Memories are compared by digest, then chunk by chunk to find the first
# differing byte; one chunk is one Wasm page.
CHUNK = 65536
SPECTEST = "spectest"  # the pseudo-handle of the spectest host module

Entry = tuple | None
GC_ENTRY_KINDS = ("i31", "struct", "array", "anyhost")


def digest(buffer) -> str:
    """The digest of a memory's bytes (any buffer: bytearray, mmap, memoryview):
    refimpl's, which reads a large sparse memory only where it was written."""
    return memory_digest(buffer)[:32]


def chunk_digests(buffer, chunk: int = CHUNK) -> list[str]:
    view = memoryview(buffer)
    return [digest(view[i : i + chunk]) for i in range(0, len(view), chunk)]


@dataclass(frozen=True, slots=True)
class MemoryState:
    size: int  # bytes
    digest: str


@dataclass(frozen=True, slots=True)
class TableState:
    size: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class GlobalState:
    type: str  # value type name
    value: int | Entry  # bit pattern for numbers and vectors, an entry for references


@dataclass
class InstanceState:
    memories: dict[str, MemoryState] = field(default_factory=dict)
    tables: dict[str, TableState] = field(default_factory=dict)
    globals: dict[str, GlobalState] = field(default_factory=dict)
    # Items the engine could not read, and why ("global 3" -> "anyref").
    unreadable: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "memories": {k: [m.size, m.digest] for k, m in self.memories.items()},
            "tables": {k: [t.size, _rle(t.entries)] for k, t in self.tables.items()},
            "globals": {k: [g.type, _encode(g.value)] for k, g in self.globals.items()},
            "unreadable": self.unreadable,
        }

    @classmethod
    def from_json(cls, d: dict) -> InstanceState:
        return cls(
            memories={k: MemoryState(v[0], v[1]) for k, v in d.get("memories", {}).items()},
            tables={
                k: TableState(v[0], tuple(_unrle(v[1]))) for k, v in d.get("tables", {}).items()
            },
            globals={k: GlobalState(v[0], _decode(v[1])) for k, v in d.get("globals", {}).items()},
            unreadable=dict(d.get("unreadable", {})),
        )


def _encode(value):
    if isinstance(value, tuple):
        return {"entry": list(value)}
    if isinstance(value, int) and value > (1 << 53):
        return {"bits": str(value)}  # JSON numbers lose precision beyond 2**53
    return value


def _decode(value):
    if isinstance(value, dict):
        if "entry" in value:
            return tuple(value["entry"])
        return int(value["bits"])
    return value


def _rle(entries: tuple[Entry, ...]) -> list:
    out: list = []
    for e in entries:
        enc = None if e is None else list(e)
        if out and out[-1][1] == enc:
            out[-1][0] += 1
        else:
            out.append([1, enc])
    return out


def _unrle(runs: list):
    for count, enc in runs:
        e = None if enc is None else tuple(enc)
        for _ in range(count):
            yield e


def format_entry(e: Entry) -> str:
    if e is None:
        return "null"
    if e[0] == "func":
        if e[1] is None:
            return "a function (unidentified)"
        return f"func {e[1]}[{e[2]}]" if e[1] != SPECTEST else f"func spectest.{e[2]}"
    if e[0] == "extern":
        return f"ref.extern {e[1]}" if e[1] is not None else "ref.extern (unidentified)"
    return f"ref.{e[0]}"
