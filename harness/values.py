"""Values that cross the engine boundary, and the patterns scripts expect.

Numbers are carried as bit patterns (``int``), so a float's exact bits,
signalling NaNs included, survive every engine and every comparison.
References are ``Ref`` records: null, a host reference (``ref.extern N`` /
``ref.host N``), or an opaque reference of a kind (func, struct, ...) that
may carry an identity (for instance a function's defining module and index).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from refimpl.exec.numerics import signed
from refimpl.fastinit import fast_init

from .compact import Compact

NUM_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}
LANES = {
    "i8": (16, 8),
    "i16": (8, 16),
    "i32": (4, 32),
    "i64": (2, 64),
    "f32": (4, 32),
    "f64": (2, 64),
}

# The reference kinds a script can name, and which kinds each pattern admits.
REF_KINDS = ("func", "extern", "host", "i31", "struct", "array", "exn", "any", "eq")
_PATTERN_ADMITS = {
    "func": {"func"},
    "extern": {"extern", "host", "any", "i31", "struct", "array", "eq"},  # any.convert round trips
    "host": {"host"},
    "i31": {"i31"},
    "struct": {"struct"},
    "array": {"array"},
    "eq": {"eq", "i31", "struct", "array"},
    "any": {"any", "host", "i31", "struct", "array", "eq"},
    "exn": {"exn"},
}


@fast_init
@dataclass(frozen=True, slots=True)
class Ref(Compact):
    kind: str  # "null" or one of REF_KINDS
    payload: object = None  # host refs: the host int; func: an identity, if known

    @property
    def is_null(self) -> bool:
        return self.kind == "null"

    def __str__(self) -> str:
        if self.kind == "null":
            return "ref.null"
        if self.kind in ("extern", "host") and isinstance(self.payload, int):
            return f"ref.{self.kind} {self.payload}"
        return f"ref.{self.kind}" + ("" if self.payload is None else f" {self.payload}")


NULL = Ref("null")


@fast_init
@dataclass(frozen=True, slots=True)
class Printed(Compact):
    """A value an engine reports only as text that loses bits (wabt's
    spectest-interp prints floats with ``%f``): it is compared with other
    engines' values by rendering them the same way (``values_agree``)."""

    text: str

    def __str__(self) -> str:
        return self.text


@fast_init
@dataclass(frozen=True, slots=True)
class Value(Compact):
    """A typed Wasm value: ``type`` is a value type name (``i32`` ...
    ``v128``, ``funcref``, ``externref``, ``anyref`` ...); ``payload`` is the
    bit pattern for numbers and vectors, a ``Ref`` for references, and
    ``Printed`` for a value only known as an engine's lossy text."""

    type: str
    payload: int | Ref | Printed

    def __str__(self) -> str:
        return format_value(self)


# -- formatting -------------------------------------------------------------

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def f32_bits_to_float(bits: int) -> float:
    return _F32.unpack(_U32.pack(bits))[0]


def f64_bits_to_float(bits: int) -> float:
    return _F64.unpack(_U64.pack(bits))[0]


def format_float(ftype: str, bits: int) -> str:
    """A float as the text format writes it, exact for NaNs: ``nan:0x200000``."""
    width, mant = (32, 23) if ftype == "f32" else (64, 52)
    sign = "-" if bits >> (width - 1) else ""
    exp_mask = ((1 << (width - 1 - mant)) - 1) << mant
    payload = bits & ((1 << mant) - 1)
    if bits & exp_mask == exp_mask:
        if payload == 0:
            return f"{sign}inf"
        return f"{sign}nan:0x{payload:x}"
    x = f32_bits_to_float(bits) if ftype == "f32" else f64_bits_to_float(bits)
    return repr(x) if not math.isinf(x) else f"{sign}inf"


def lanes_of(bits: int, lane_type: str) -> list[int]:
    count, width = LANES[lane_type]
    mask = (1 << width) - 1
    return [(bits >> (i * width)) & mask for i in range(count)]


def format_lane(lane_type: str, bits: int) -> str:
    if lane_type in ("f32", "f64"):
        return format_float(lane_type, bits)
    return str(signed(bits, LANES[lane_type][1]))


def format_v128(bits: int, lane_type: str = "i32") -> str:
    lanes = " ".join(format_lane(lane_type, b) for b in lanes_of(bits, lane_type))
    return f"v128.const {lane_type}x{LANES[lane_type][0]} {lanes}"


def format_value(v: Value) -> str:
    if isinstance(v.payload, Printed):
        return f"{v.type}:{v.payload.text} (as printed)"
    if isinstance(v.payload, Ref):
        return str(v.payload)
    if v.type in ("f32", "f64"):
        return f"{v.type}.const {format_float(v.type, v.payload)}"
    if v.type == "v128":
        return format_v128(v.payload)
    width = NUM_BITS[v.type]
    s = signed(v.payload, width)
    extra = f" (0x{v.payload:x})" if s < 0 or v.payload > 0xFFFF else ""
    return f"{v.type}.const {s}{extra}"


# -- expected results ---------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class NanPattern(Compact):
    """``nan:canonical`` or ``nan:arithmetic`` for an f32/f64 (or a lane)."""

    type: str  # "f32" | "f64"
    kind: str  # "canonical" | "arithmetic"

    def matches_bits(self, bits: int) -> bool:
        width, mant = (32, 23) if self.type == "f32" else (64, 52)
        exp_mask = ((1 << (width - 1 - mant)) - 1) << mant
        quiet = 1 << (mant - 1)
        payload = bits & ((1 << mant) - 1)
        if bits & exp_mask != exp_mask:
            return False
        if self.kind == "canonical":
            return payload == quiet
        return payload & quiet != 0

    def __str__(self) -> str:
        return f"{self.type}.const nan:{self.kind}"


@fast_init
@dataclass(frozen=True, slots=True)
class Exact(Compact):
    value: Value

    def matches(self, actual: Value) -> bool:
        return actual.type == self.value.type and actual.payload == self.value.payload

    def __str__(self) -> str:
        return str(self.value)


@fast_init
@dataclass(frozen=True, slots=True)
class FloatNan(Compact):
    nan: NanPattern

    def matches(self, actual: Value) -> bool:
        return (
            actual.type == self.nan.type
            and isinstance(actual.payload, int)
            and self.nan.matches_bits(actual.payload)
        )

    def __str__(self) -> str:
        return str(self.nan)


@fast_init
@dataclass(frozen=True, slots=True)
class V128Lanes(Compact):
    """A v128 given lane by lane; float lanes may be NaN patterns."""

    lane_type: str
    lanes: tuple[int | NanPattern, ...]

    def matches(self, actual: Value) -> bool:
        if actual.type != "v128":
            return False
        got = lanes_of(actual.payload, self.lane_type)
        for want, have in zip(self.lanes, got, strict=True):
            if isinstance(want, NanPattern):
                if not want.matches_bits(have):
                    return False
            elif want != have:
                return False
        return True

    def __str__(self) -> str:
        parts = [
            f"nan:{w.kind}" if isinstance(w, NanPattern) else format_lane(self.lane_type, w)
            for w in self.lanes
        ]
        return f"v128.const {self.lane_type}x{len(self.lanes)} {' '.join(parts)}"


@fast_init
@dataclass(frozen=True, slots=True)
class RefPattern(Compact):
    """``ref.null``, ``ref.func``, ``ref.extern N``, ``ref.extern``, ``ref.host N`` ...

    ``kind`` "null" matches any null (the spec's null patterns are lenient
    about the null's heap type); otherwise a non-null reference of an
    admitted kind, and if ``payload`` is given, with that host payload."""

    kind: str
    payload: int | None = None

    def matches(self, actual: Value) -> bool:
        ref = actual.payload
        if not isinstance(ref, Ref):
            return False
        if self.kind == "null":
            return ref.is_null
        if ref.is_null or ref.kind not in _PATTERN_ADMITS[self.kind]:
            return False
        return self.payload is None or ref.payload == self.payload

    def __str__(self) -> str:
        return f"ref.{self.kind}" + ("" if self.payload is None else f" {self.payload}")


Pattern = Exact | FloatNan | V128Lanes | RefPattern


@fast_init
@dataclass(frozen=True, slots=True)
class Either(Compact):
    """Several acceptable result vectors; the first that matches wins."""

    alternatives: tuple[tuple[Pattern, ...], ...]

    def __str__(self) -> str:
        return "either(" + " | ".join(format_results(a) for a in self.alternatives) + ")"


Expected = tuple[Pattern, ...] | Either


def results_match(expected: Expected, actual: tuple[Value, ...]) -> bool:
    if isinstance(expected, Either):
        return any(results_match(alt, actual) for alt in expected.alternatives)
    return len(expected) == len(actual) and all(
        p.matches(v) for p, v in zip(expected, actual, strict=True)
    )


def format_results(values) -> str:
    if isinstance(values, Either):
        return str(values)
    return "(" + ", ".join(str(v) for v in values) + ")"


# -- comparing values across engines ---------------------------------------------


def printf_f(ftype: str, bits: int) -> str:
    """A float as C's ``printf("%f")`` writes it (what wabt prints)."""
    x = f32_bits_to_float(bits) if ftype == "f32" else f64_bits_to_float(bits)
    if math.isnan(x):
        return "-nan" if bits >> (31 if ftype == "f32" else 63) else "nan"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:f}"


def _printed_agrees(printed: Value, other: Value) -> bool:
    text = printed.payload.text  # type: ignore[union-attr]
    if other.type in ("f32", "f64") and isinstance(other.payload, int):
        return printf_f(other.type, other.payload) == text
    if other.type == "externref" and isinstance(other.payload, Ref):
        # wabt numbers host references from 1 (0 is null): ref.extern N is N + 1.
        if other.payload.is_null:
            return text == "0"
        return isinstance(other.payload.payload, int) and text == str(other.payload.payload + 1)
    return True  # nothing comparable in the text (e.g. an engine-internal function index)


def values_agree(a: Value, b: Value) -> bool:
    """Whether two engines' results are the same value: bit-exact, except
    where one engine only printed it (``Printed``) or returned a reference
    without its identity (wasmtime's ``ref.func``)."""
    if isinstance(a.payload, Printed) and isinstance(b.payload, Printed):
        return a.payload == b.payload
    if isinstance(a.payload, Printed):
        return _printed_agrees(a, b)
    if isinstance(b.payload, Printed):
        return _printed_agrees(b, a)
    if isinstance(a.payload, Ref) and isinstance(b.payload, Ref):
        ra, rb = a.payload, b.payload
        if ra.kind == rb.kind != "null" and (ra.payload is None or rb.payload is None):
            return True  # one engine can't tell which one: the kind agrees (as probes do)
        # Both are results of one signature: the type is its result type,
        # spelled as each engine's adapter spells it ("(ref null none)",
        # "nullref", "anyref" for a GC reference lifted from a trampoline).
        return ra == rb
    return a == b


def results_agree(a: tuple[Value, ...], b: tuple[Value, ...]) -> bool:
    return len(a) == len(b) and all(values_agree(x, y) for x, y in zip(a, b, strict=True))
