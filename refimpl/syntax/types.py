"""Types (spec 2.3), shaped for Wasm 3.0.

Value types are interned objects compared by identity or equality.  Reference
types carry nullability and a heap type that is either abstract (``func``,
``extern``, ``any`` ...) or a type index, so typed function references and GC
fit without changing this module's shape.  Defined types live in recursion
groups of sub types (spec 3.0, 2.3.8); a Wasm 2.0 module simply has one final
function type per group.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..fastinit import fast_init


class _Singletons(enum.Enum):
    """An enum of types.  Members are singletons, equal only to themselves:
    hashed by identity in C, not by ``Enum.__hash__`` (Python code hashing
    the name), as types key many tables (the encoder's, the text parser's
    function types)."""

    __hash__ = object.__hash__


class NumType(_Singletons):
    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"

    def __str__(self) -> str:
        return self.value


class VecType(_Singletons):
    V128 = "v128"

    def __str__(self) -> str:
        return self.value


class AbsHeapType(_Singletons):
    """Abstract heap types (spec 3.0, 2.3.3)."""

    FUNC = "func"
    EXTERN = "extern"
    ANY = "any"
    EQ = "eq"
    I31 = "i31"
    STRUCT = "struct"
    ARRAY = "array"
    EXN = "exn"
    NONE = "none"
    NOFUNC = "nofunc"
    NOEXTERN = "noextern"
    NOEXN = "noexn"

    def __str__(self) -> str:
        return self.value


HeapType = AbsHeapType | int  # an int is a type index


@fast_init
@dataclass(frozen=True, slots=True)
class RefType:
    """``exact`` (custom descriptors) excludes the subtypes of a defined
    heap type: only values of exactly that type inhabit it."""

    nullable: bool
    heap: HeapType
    exact: bool = False

    def __str__(self) -> str:
        short = _SHORTHANDS.get(self)
        if short:
            return short
        heap = f"(exact {self.heap})" if self.exact else str(self.heap)
        return f"(ref {'null ' if self.nullable else ''}{heap})"


I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
V128 = VecType.V128
FUNCREF = RefType(True, AbsHeapType.FUNC)
EXTERNREF = RefType(True, AbsHeapType.EXTERN)

_SHORTHANDS = {FUNCREF: "funcref", EXTERNREF: "externref"}

ValType = NumType | VecType | RefType


def is_num(t: ValType) -> bool:
    return isinstance(t, NumType)


def is_ref(t: ValType) -> bool:
    return isinstance(t, RefType)


def is_defaultable(t: ValType) -> bool:
    return not isinstance(t, RefType) or t.nullable


@fast_init
@dataclass(frozen=True, slots=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]

    def __str__(self) -> str:
        ps = " ".join(map(str, self.params))
        rs = " ".join(map(str, self.results))
        return f"[{ps}] -> [{rs}]"


@fast_init
@dataclass(frozen=True, slots=True)
class FieldType:
    """A struct field or array element (GC; decoded from Wasm 3.0 on)."""

    storage: ValType | str  # a value type, or the packed types "i8" / "i16"
    mutable: bool


@fast_init
@dataclass(frozen=True, slots=True)
class StructType:
    fields: tuple[FieldType, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class ArrayType:
    element: FieldType


CompType = FuncType | StructType | ArrayType


@fast_init
@dataclass(frozen=True, slots=True)
class SubType:
    """A defined type with its declared supertypes (spec 3.0, 2.3.8)."""

    comp: CompType
    supertypes: tuple[int, ...] = ()
    final: bool = True


@fast_init
@dataclass(frozen=True, slots=True)
class RecType:
    """A recursion group; Wasm 2.0 modules have one single-type group per type."""

    subtypes: tuple[SubType, ...]


DEFAULT_PAGE_LOG2 = 16


class AddrType(_Singletons):
    I32 = "i32"
    I64 = "i64"


@fast_init
@dataclass(frozen=True, slots=True)
class Limits:
    min: int
    max: int | None = None
    address: AddrType = AddrType.I32
    shared: bool = False

    def __str__(self) -> str:
        return f"{self.min}" + ("" if self.max is None else f" {self.max}")


@fast_init
@dataclass(frozen=True, slots=True)
class TableType:
    limits: Limits
    elem: RefType


@fast_init
@dataclass(frozen=True, slots=True)
class MemType:
    """``page_size_log2`` is the custom-page-sizes proposal's exponent as
    written (None: the default 64 KiB, not written); kept as written so a
    module encodes back to the same bytes, compared by ``page_size``."""

    limits: Limits
    page_size_log2: int | None = None

    @property
    def page_size(self) -> int:
        return 1 << self.page_log2

    @property
    def page_log2(self) -> int:
        return DEFAULT_PAGE_LOG2 if self.page_size_log2 is None else self.page_size_log2

    @property
    def page_limit(self) -> int:
        """The most pages the address space holds (spec 3.2.9): 2^16 or
        2^48 of 64 KiB pages; of 1-byte pages, 2^32-1 or 2^64-1 (a limit is
        at most the largest address value)."""
        bits = 64 if self.limits.address is AddrType.I64 else 32
        return min((1 << bits) >> self.page_log2, (1 << bits) - 1)


@fast_init
@dataclass(frozen=True, slots=True)
class GlobalType:
    mutable: bool
    type: ValType


@fast_init
@dataclass(frozen=True, slots=True)
class TagType:
    """An exception tag's type (exception handling, Wasm 3.0)."""

    type_index: int


class ExternKind(enum.IntEnum):
    FUNC = 0
    TABLE = 1
    MEMORY = 2
    GLOBAL = 3
    TAG = 4

    def __str__(self) -> str:
        return self.name.lower()


PAGE_SIZE = 65536
