"""How each value type crosses an embedding API, with trampolines.

Written for wasmtime-py, and used for any engine that declares the value
types its API can't pass exactly (``harness/engines/crossings.py``: V8's JS
API has no v128 and may quiet signalling NaNs in f32 and f64).

wasmtime-py passes i32, i64 and f64 exactly, funcref and externref partly,
and the rest not at all: no v128, f32 through a C float (quieting signalling
NaNs), no GC or exception references.  A trampoline is a generated module
that imports the export under a declared type and exports ``call`` with
*lowered* parameters and results that the API can pass:

- f32 as its i32 bits; v128 as two i64 halves;
- an externref result with its ``ref.is_null`` (the API says None both for
  null and for references it did not make);
- an anyref-hierarchy result as (is null, kind by ``ref.test``, the value
  externalised), so (ref.i31), (ref.struct), (ref.host N) ... can be told
  apart; funcref- and exnref-hierarchy results as themselves / a null test;
- reference parameters: externref (and anyref, internalised from an
  externref) as values; other nullable references as null only.

The import declares the export's own type: wasmtime links function imports
by declared type, not structurally.  A signature that mentions one of the
module's own types (``(ref null 3)``) is named through a copy of the
module's recursion groups at the head of the trampoline (``module_types``):
the same groups at the same indices are the same canonical types, so the
import is declared as exactly the export's type index.  Without the copy
(the module can't be decoded) such an export is unsupported.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..values import NULL, Ref, Value

_ABSTRACT = {
    "func": "func", "nofunc": "func",
    "extern": "extern", "noextern": "extern",
    "any": "any", "eq": "any", "i31": "any", "struct": "any", "array": "any", "none": "any",
    "exn": "exn", "noexn": "exn",
}  # fmt: skip
# Shorthands of bottom types: lenient_reader writes "noneref", WAT "nullref".
_WAT_SHORTHAND = {
    "noneref": "nullref", "nofuncref": "nullfuncref",
    "noexternref": "nullexternref", "noexnref": "nullexnref",
}  # fmt: skip
_ANY_KINDS = {1: "i31", 2: "struct", 3: "array"}
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def wat_type(t: str, own_types: bool = False) -> str | None:
    """The type as WAT text, if it names no type of the module itself
    (or the trampoline has a copy of the module's types)."""
    if t in _WAT_SHORTHAND:
        return _WAT_SHORTHAND[t]
    if not own_types and t.startswith("(ref ") and t[:-1].split(" ")[-1].isdigit():
        return None
    return t


@dataclass(frozen=True)
class ModuleTypes:
    """A module's type section as WAT (its recursion groups, in order) and
    the type index of each exported function."""

    wat: str
    export_types: dict[str, int]
    kinds: tuple[str, ...] = ()  # "func", "struct" or "array" per type index
    # Type indices a plain ``(func ...)`` in another module matches: final,
    # no supertypes, alone in its recursion group.  Any other function type
    # (``(sub (func))``, a member of a ``rec``) is a distinct canonical type,
    # so an import can only be declared as it through the copied groups.
    plain: frozenset[int] = frozenset()


def module_types(binary: bytes) -> ModuleTypes | None:
    """The types a trampoline copies, from refimpl's decoder (None if it
    can't decode the module)."""
    from refimpl.binary.module import decode_module
    from refimpl.errors import RefimplError
    from refimpl.features import Features
    from refimpl.syntax.types import ExternKind

    try:
        module = decode_module(binary, Features.profile("3.0"))
    except RefimplError:
        return None
    indices = module.func_type_indices()
    exports = {e.name: indices[e.index] for e in module.exports if e.kind is ExternKind.FUNC}
    groups = module.type_groups()
    kinds = tuple(
        type(st.comp).__name__.removesuffix("Type").lower() for g in groups for st in g.subtypes
    )
    plain, index = set(), 0
    for g in groups:
        if len(g.subtypes) == 1 and g.subtypes[0].final and not g.subtypes[0].supertypes:
            plain.add(index)
        index += len(g.subtypes)
    wat = " ".join(_group_wat(g) for g in groups)
    return ModuleTypes(wat, exports, kinds, frozenset(plain))


def _val_wat(t) -> str:
    from refimpl.syntax.types import RefType

    if isinstance(t, RefType):
        return f"(ref {'null ' if t.nullable else ''}{t.heap})"
    return str(t)


def _field_wat(ft) -> str:
    storage = ft.storage if isinstance(ft.storage, str) else _val_wat(ft.storage)
    return f"(mut {storage})" if ft.mutable else storage


def _comp_wat(ct) -> str:
    from refimpl.syntax.types import FuncType, StructType

    if isinstance(ct, FuncType):
        params = " ".join(_val_wat(t) for t in ct.params)
        results = " ".join(_val_wat(t) for t in ct.results)
        return f"(func (param {params}) (result {results}))"
    if isinstance(ct, StructType):
        return "(struct " + " ".join(f"(field {_field_wat(f)})" for f in ct.fields) + ")"
    return f"(array {_field_wat(ct.element)})"


def _group_wat(group) -> str:
    types = []
    for st in group.subtypes:
        comp = _comp_wat(st.comp)
        if not st.final or st.supertypes:
            head = ["sub", *(["final"] if st.final else []), *map(str, st.supertypes)]
            comp = f"({' '.join(head)} {comp})"
        types.append(f"(type {comp})")
    return types[0] if len(types) == 1 else "(rec " + " ".join(types) + ")"


def reference(t: str, kinds: tuple[str, ...]) -> tuple[str, bool, str] | None:
    """(hierarchy, nullable, heap type) of a reference type as
    ``lenient_reader`` writes it ("anyref", "(ref null 3)" ...), or None if
    ``t`` is not a reference type."""
    if t.endswith("ref") and not t.startswith("("):
        heap = t[: -len("ref")]
        return (_ABSTRACT[heap], True, heap) if heap in _ABSTRACT else None
    if not t.startswith("(ref "):
        return None
    inner = t[len("(ref ") : -1]
    nullable = inner.startswith("null ")
    heap = inner[len("null ") :] if nullable else inner
    if heap in _ABSTRACT:
        return _ABSTRACT[heap], nullable, heap
    kind = kinds[int(heap)] if heap.isdigit() and int(heap) < len(kinds) else None
    hierarchy = {"func": "func", "struct": "any", "array": "any"}.get(kind)
    return (hierarchy, nullable, heap) if hierarchy else None


@dataclass(frozen=True)
class ParamCrossing:
    declared: str  # the parameter's type in the trampoline's import
    lowered: tuple[str, ...]  # the trampoline export's parameters for it
    push: str  # WAT building the value; {0}, {1}: the lowered parameters' indices
    # What the harness passes: Value -> the lowered values, in the API's terms
    # ("i32:<int>", "i64:<int>", "extern:<payload or None>"); raises ValueError.
    encode: Callable[[Value], list[tuple[str, object]]]


@dataclass(frozen=True)
class ResultCrossing:
    declared: str  # the result's type in the trampoline's import
    lowered: tuple[str, ...]
    pull: str  # WAT from "{v}", an expression of the value, to the lowered values
    decode: Callable[[list], Value]  # the lowered values (API objects) -> Value


def _f64_bits(x: float) -> int:
    return _U64.unpack(_F64.pack(x))[0]


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _null_only(t: str) -> Callable[[Value], list]:
    def encode(v: Value) -> list:
        if isinstance(v.payload, Ref) and v.payload.is_null:
            return []
        raise ValueError(f"only null {t} arguments can be passed through wasmtime-py")

    return encode


def _extern_arg(v: Value) -> list:
    ref = v.payload
    if not isinstance(ref, Ref):
        raise ValueError(f"not a reference: {v}")
    return [("extern", None if ref.is_null else ref.payload)]


def param_crossing(
    t: str, kinds: tuple[str, ...], own_types: bool = False, exact_f64: bool = True
) -> ParamCrossing | None:
    """``exact_f64``: the API passes f64 bit-exactly (else as its i64 bits)."""
    if t == "f64" and not exact_f64:
        return ParamCrossing(
            t, ("i64",), "(f64.reinterpret_i64 (local.get {0}))",
            lambda v: [("i64", _signed(v.payload, 64))],
        )  # fmt: skip
    if t in ("i32", "i64"):
        width = int(t[1:])
        return ParamCrossing(t, (t,), "(local.get {0})", lambda v: [(t, _signed(v.payload, width))])
    if t == "f64":
        return ParamCrossing(t, (t,), "(local.get {0})", lambda v: [("f64bits", v.payload)])
    if t == "f32":
        return ParamCrossing(
            t, ("i32",), "(f32.reinterpret_i32 (local.get {0}))",
            lambda v: [("i32", _signed(v.payload, 32))],
        )  # fmt: skip
    if t == "v128":
        return ParamCrossing(
            t, ("i64", "i64"),
            "(i64x2.replace_lane 1 (i64x2.splat (local.get {0})) (local.get {1}))",
            lambda v: [("i64", _signed(v.payload & (2**64 - 1), 64)),
                       ("i64", _signed(v.payload >> 64, 64))],
        )  # fmt: skip
    ref = reference(t, kinds)
    declared = wat_type(t, own_types)
    if ref is None or declared is None:
        return None
    hierarchy, nullable, heap = ref
    if hierarchy == "extern" and heap == "extern":
        push = "(local.get {0})" if nullable else "(ref.as_non_null (local.get {0}))"
        return ParamCrossing(declared, ("externref",), push, _extern_arg)
    if hierarchy == "any" and heap == "any" and nullable:
        return ParamCrossing(
            declared, ("externref",), "(any.convert_extern (local.get {0}))", _extern_arg
        )
    if nullable:
        return ParamCrossing(declared, (), f"(ref.null {heap})", _null_only(t))
    return None  # a non-null reference a script can't construct


def _lift_any(raws: list) -> Value:
    is_null, kind, ext = raws
    if is_null:
        return Value("anyref", NULL)
    if kind in _ANY_KINDS:
        return Value("anyref", Ref(_ANY_KINDS[kind]))
    host = getattr(ext, "n", None)
    return Value("anyref", Ref("host", host) if host is not None else Ref("any"))


def result_crossing(
    t: str,
    kinds: tuple[str, ...],
    host_payload: Callable[[object], object],
    own_types: bool = False,
    exact_f64: bool = True,
) -> ResultCrossing | None:
    """``host_payload`` recovers a host reference's payload from the object
    the API returns for an externref (None if it is not one of ours)."""
    if t == "f64" and not exact_f64:
        return ResultCrossing(
            t, ("i64",), "(i64.reinterpret_f64 {v})", lambda r: Value(t, r[0] & (2**64 - 1))
        )
    if t in ("i32", "i64"):
        mask = (1 << int(t[1:])) - 1
        return ResultCrossing(t, (t,), "{v}", lambda r: Value(t, r[0] & mask))
    if t == "f64":
        return ResultCrossing(t, (t,), "{v}", lambda r: Value(t, _f64_bits(r[0])))
    if t == "f32":
        return ResultCrossing(
            t, ("i32",), "(i32.reinterpret_f32 {v})", lambda r: Value(t, r[0] & 0xFFFFFFFF)
        )
    if t == "v128":
        return ResultCrossing(
            t, ("i64", "i64"), "(i64x2.extract_lane 0 {v}) (i64x2.extract_lane 1 {v})",
            lambda r: Value(t, (r[0] & (2**64 - 1)) | ((r[1] & (2**64 - 1)) << 64)),
        )  # fmt: skip
    ref = reference(t, kinds)
    declared = wat_type(t, own_types)
    if ref is None or declared is None:
        return None
    hierarchy = ref[0]
    if hierarchy == "extern":

        def lift_extern(r: list) -> Value:
            raw, is_null = r
            return Value(t, NULL if is_null else Ref("extern", host_payload(raw)))

        return ResultCrossing(declared, ("externref", "i32"), "{v} (ref.is_null {v})",
                              lift_extern)  # fmt: skip
    if hierarchy == "func":
        return ResultCrossing(
            declared, ("funcref",), "{v}",
            lambda r: Value(t, NULL if r[0] is None else Ref("func")),
        )  # fmt: skip
    if hierarchy == "exn":
        return ResultCrossing(
            declared, ("i32",), "(ref.is_null {v})",
            lambda r: Value(t, NULL if r[0] else Ref("exn")),
        )  # fmt: skip
    kind = (
        "(if (result i32) (ref.test (ref i31) {v}) (then (i32.const 1)) (else"
        " (if (result i32) (ref.test (ref struct) {v}) (then (i32.const 2)) (else"
        " (if (result i32) (ref.test (ref array) {v}) (then (i32.const 3))"
        " (else (i32.const 0)))))))"
    )
    return ResultCrossing(
        declared, ("i32", "i32", "externref"),
        "(ref.is_null {v}) " + kind + " (extern.convert_any {v})",
        _lift_any,
    )  # fmt: skip


def _unsupported_reason(t: str) -> str:
    if wat_type(t) is None:
        return f"a trampoline can't name the module's own type in {t}"
    return f"wasmtime-py cannot pass {t} values"


@dataclass(frozen=True)
class Trampoline:
    """A signature's crossings and the module text that implements them."""

    params: tuple[ParamCrossing, ...]
    results: tuple[ResultCrossing, ...]
    types: str = ""  # a copy of the module's types, when the signature names them
    type_index: int | None = None  # then: the export's own type index

    def wat(self, module: str = "t", field: str = "f") -> str:
        """The trampoline, importing the function as ``module``.``field``."""
        lowered_params = [lt for p in self.params for lt in p.lowered]
        pushes, i = [], 0
        for p in self.params:
            pushes.append(p.push.format(*range(i, i + len(p.lowered))))
            i += len(p.lowered)
        first = len(lowered_params)
        locals_ = [f"(local.get {first + k})" for k in range(len(self.results))]
        pops = " ".join(f"(local.set {first + k})" for k in reversed(range(len(self.results))))
        pulls = " ".join(r.pull.format(v=v) for r, v in zip(self.results, locals_, strict=True))
        declared_params = " ".join(p.declared for p in self.params)
        declared_results = " ".join(r.declared for r in self.results)
        lowered_results = " ".join(lt for r in self.results for lt in r.lowered)
        imported = (
            f"(type {self.type_index})"
            if self.type_index is not None
            else f"(param {declared_params}) (result {declared_results})"
        )
        return (
            f"(module {self.types} (import {wat_string(module)} {wat_string(field)}"
            f" (func $f {imported}))"
            f' (func (export "call") (param {" ".join(lowered_params)})'
            f" (result {lowered_results}) (local {declared_results})"
            f" (call $f {' '.join(pushes)}) {pops} {pulls}))"
        )

    def lowered_result_count(self) -> int:
        return sum(len(r.lowered) for r in self.results)

    def decode(self, raws: list) -> tuple[Value, ...]:
        values, pos = [], 0
        for r in self.results:
            n = len(r.lowered)
            values.append(r.decode(raws[pos : pos + n]))
            pos += n
        return tuple(values)


def wat_string(text: str) -> str:
    """A WAT string literal of ``text`` (its UTF-8 bytes, escaped)."""
    return (
        '"'
        + "".join(
            chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\{b:02x}"
            for b in text.encode()
        )
        + '"'
    )


def plan(
    params,
    results,
    kinds,
    host_payload,
    types: ModuleTypes | None = None,
    export: str = "",
    exact_f64: bool = True,
) -> Trampoline | str:
    """The trampoline for a signature, or why its values can't cross.
    ``types``: the module's, copied into the trampoline when the signature
    names one of them (``export`` says which function's type to import);
    ``exact_f64``: the API passes f64 bit-exactly (else as its i64 bits)."""
    own = (
        types is not None
        and export in types.export_types
        and (
            any(wat_type(t) is None for t in (*params, *results))
            or types.export_types[export] not in types.plain
        )
    )
    ps = []
    for t in params:
        c = param_crossing(t, kinds, own, exact_f64)
        if c is None:
            return _unsupported_reason(t)
        ps.append(c)
    rs = []
    for t in results:
        c = result_crossing(t, kinds, host_payload, own, exact_f64)
        if c is None:
            return _unsupported_reason(t)
        rs.append(c)
    if own:
        return Trampoline(tuple(ps), tuple(rs), types.wat, types.export_types[export])  # type: ignore[union-attr]
    return Trampoline(tuple(ps), tuple(rs))
