"""Read the signatures of a module's exported functions from its binary.

Engines whose APIs can't describe every type (wasmtime-py aborts the process
when asked about a v128) need the export signatures from elsewhere.  This
reads only the type, import, function and export sections, which is enough
and never needs to understand instructions.  Unknown encodings make it give
up (``None``), never raise.
"""

from __future__ import annotations

from dataclasses import dataclass

_NUM = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_ABS_HEAP = {
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x69: "exn",
    0x71: "none",
    0x73: "nofunc",
    0x72: "noextern",
    0x74: "noexn",
}


@dataclass(frozen=True)
class FuncSig:
    params: tuple[str, ...]
    results: tuple[str, ...]
    # What each type index of the module defines ("func", "struct", "array"),
    # to tell which hierarchy a typed reference like "(ref null 3)" is in.
    kinds: tuple[str, ...] = ()


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise ValueError("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result
            if shift > 70:
                raise ValueError("leb too long")

    def sleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result
            if shift > 70:
                raise ValueError("leb too long")

    def name(self) -> str:
        n = self.uleb()
        if self.pos + n > self.end:
            raise ValueError("unexpected end")
        s = bytes(self.data[self.pos : self.pos + n]).decode("utf-8")
        self.pos += n
        return s

    def valtype(self) -> str:
        b = self.byte()
        if b in _NUM:
            return _NUM[b]
        if b in _ABS_HEAP:
            return f"{_ABS_HEAP[b]}ref"
        if b in (0x63, 0x64):
            null = "null " if b == 0x63 else ""
            pos = self.pos
            first = self.byte()
            if first in _ABS_HEAP:
                return f"(ref {null}{_ABS_HEAP[first]})"
            self.pos = pos
            return f"(ref {null}{self.sleb()})"
        raise ValueError(f"unknown value type 0x{b:02x}")

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()
        if flags & 0x08:  # custom page sizes
            self.uleb()


def export_signatures(binary: bytes) -> dict[str, FuncSig] | None:
    """Signatures of the exported functions by export name, or None if the
    module can't be read this way."""
    try:
        return _read(binary)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def _sections(binary: bytes):
    """(section id, a reader of its body) for each section, in order."""
    r = _Reader(binary, 8)
    while r.pos < r.end:
        sid = r.byte()
        size = r.uleb()
        yield sid, _Reader(binary, r.pos, r.pos + size)
        r.pos += size


@dataclass
class _Interface:
    types: list[FuncSig | str]
    imports: list[tuple[str, str, int | None]]  # module, name, type index of a function
    funcs: list[int]  # type index of every function, imported ones first
    exports: dict[str, int]  # exported function -> function index


def _interface(binary: bytes) -> _Interface:
    it = _Interface([], [], [], {})
    for sid, body in _sections(binary):
        if sid == 1:
            for _ in range(body.uleb()):
                _read_rec(body, it.types)
        elif sid == 2:
            for _ in range(body.uleb()):
                module, name = body.name(), body.name()
                before = len(it.funcs)
                _read_import(body, it.funcs)
                it.imports.append((module, name, it.funcs[-1] if len(it.funcs) > before else None))
        elif sid == 3:
            it.funcs.extend(body.uleb() for _ in range(body.uleb()))
        elif sid == 7:
            for _ in range(body.uleb()):
                name = body.name()
                kind = body.byte()
                index = body.uleb()
                if kind == 0:
                    it.exports[name] = index
    return it


def _read(binary: bytes) -> dict[str, FuncSig]:
    it = _interface(binary)
    kinds = tuple("func" if isinstance(t, FuncSig) else t for t in it.types)
    out = {}
    for name, index in it.exports.items():
        sig = it.types[it.funcs[index]]
        if isinstance(sig, FuncSig):
            out[name] = FuncSig(sig.params, sig.results, kinds)
    return out


def _read_rec(r: _Reader, types: list[FuncSig | str]) -> None:
    form = r.byte()
    if form == 0x4E:  # rec group
        for _ in range(r.uleb()):
            _read_sub(r, r.byte(), types)
    else:
        _read_sub(r, form, types)


def _read_sub(r: _Reader, form: int, types: list[FuncSig | str]) -> None:
    if form in (0x50, 0x4F):  # sub / sub final
        for _ in range(r.uleb()):
            r.uleb()
        form = r.byte()
    while form in (0x4D, 0x4C):  # descriptor / describes (custom descriptors)
        r.uleb()
        form = r.byte()
    if form == 0x60:
        params = tuple(r.valtype() for _ in range(r.uleb()))
        results = tuple(r.valtype() for _ in range(r.uleb()))
        types.append(FuncSig(params, results))
    elif form == 0x5F:
        for _ in range(r.uleb()):
            _field(r)
        types.append("struct")
    elif form == 0x5E:
        _field(r)
        types.append("array")
    else:
        raise ValueError(f"unknown type form 0x{form:02x}")


def _field(r: _Reader) -> None:
    pos = r.pos
    b = r.byte()
    if b not in (0x78, 0x77):  # i8 / i16 packed
        r.pos = pos
        r.valtype()
    r.byte()  # mutability


def _read_import(r: _Reader, funcs: list[int]) -> None:
    kind = r.byte()
    if kind == 0:
        funcs.append(r.uleb())
    elif kind == 1:
        r.valtype()
        r.limits()
    elif kind == 2:
        r.limits()
    elif kind == 3:
        r.valtype()
        r.byte()
    elif kind == 4:
        r.byte()
        r.uleb()
    else:
        raise ValueError(f"unknown import kind {kind}")


def import_module_names(binary: bytes) -> set[str]:
    """The module names a binary imports from (empty if unreadable)."""
    names: set[str] = set()
    try:
        r = _Reader(binary, 8)
        while r.pos < r.end:
            sid = r.byte()
            size = r.uleb()
            if sid == 2:
                body = _Reader(binary, r.pos, r.pos + size)
                for _ in range(body.uleb()):
                    names.add(body.name())
                    body.name()
                    _read_import(body, [])
                return names
            r.pos += size
    except (ValueError, IndexError, UnicodeDecodeError):
        pass
    return names


def import_signatures(binary: bytes) -> list[tuple[str, str, FuncSig | None]] | None:
    """The module's imports in order: (module, name, signature), the
    signature None for an import that is not a function; None if the module
    can't be read this way."""
    try:
        it = _interface(binary)
        sigs = [None if t is None else it.types[t] for _, _, t in it.imports]
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    return [
        (module, name, sig if isinstance(sig, FuncSig) else None)
        for (module, name, _), sig in zip(it.imports, sigs, strict=True)
    ]
