"""Map a converter's JSON onto the command model.

The two converters differ in small ways this module absorbs:
integers are signed text in wasm-tools and unsigned in wast2json; module
names keep their ``$`` in wast2json; wasm-tools writes text modules (module
quote) as .wat plus, when it can, a binary; ``either`` is a result-position
pattern in wasm-tools and a command-level list in wast2json; only wasm-tools
knows module definitions and instances.
"""

from __future__ import annotations

from pathlib import Path

from ..values import (
    LANES,
    NULL,
    NUM_BITS,
    Either,
    Exact,
    FloatNan,
    NanPattern,
    Pattern,
    Ref,
    RefPattern,
    V128Lanes,
    Value,
)
from .commands import (
    Action,
    ActionCommand,
    AssertException,
    AssertExhaustion,
    AssertInvalid,
    AssertInvalidCustom,
    AssertMalformed,
    AssertMalformedCustom,
    AssertReturn,
    AssertTrap,
    AssertUninstantiable,
    AssertUnlinkable,
    Command,
    ConversionFailure,
    ModuleCommand,
    ModuleInstance,
    ModuleSource,
    Register,
    UnsupportedCommand,
)


class NormalizeError(ValueError):
    pass


# Reference type names in the JSON, and the reference kind a non-null
# value or pattern of that type denotes.
_REF_TYPES = {
    "funcref": "func",
    "externref": "extern",
    "anyref": "host",  # (ref.host N) is an internalised host reference
    "exnref": "exn",
    "eqref": "eq",
    "i31ref": "i31",
    "structref": "struct",
    "arrayref": "array",
    "nullref": None,
    "nullfuncref": None,
    "nullexternref": None,
    "nullexnref": None,
    "refnull": None,
}


def normalize(data: dict, files: Path) -> list[Command]:
    commands: list[Command] = []
    for raw in data.get("commands", []):
        try:
            commands.append(_command(raw, files))
        except (NormalizeError, KeyError, ValueError, TypeError, OSError) as exc:
            commands.append(
                ConversionFailure(int(raw.get("line", 0)), f"cannot read converter output: {exc!r}")
            )
    return commands


def _name(name: str | None) -> str | None:
    if name is None:
        return None
    return name[1:] if name.startswith("$") else name


def _module(raw: dict, files: Path) -> ModuleSource:
    filename = raw["filename"]
    is_text = raw.get("module_type") == "text" or filename.endswith(".wat")
    if not is_text:
        return ModuleSource(binary=(files / filename).read_bytes(), origin=filename)
    text = (files / filename).read_bytes()
    binary_name = raw.get("binary_filename")
    binary = None
    if binary_name and (files / binary_name).exists():
        binary = (files / binary_name).read_bytes()
    return ModuleSource(binary=binary, text=text, origin=filename)


def _action(raw: dict) -> Action:
    kind = raw["type"]
    if kind not in ("invoke", "get"):
        raise NormalizeError(f"unknown action type {kind!r}")
    args = tuple(_value(a) for a in raw.get("args", []))
    return Action(kind, _name(raw.get("module")), raw["field"], args)


def _command(raw: dict, files: Path) -> Command:
    kind = raw["type"]
    line = int(raw["line"])
    if kind == "module":
        return ModuleCommand(line, _module(raw, files), _name(raw.get("name")))
    if kind == "module_definition":
        return ModuleCommand(
            line, _module(raw, files), _name(raw.get("name")), definition_only=True
        )
    if kind == "module_instance":
        # Without a name: the latest module definition.
        return ModuleInstance(line, _name(raw.get("instance")), _name(raw.get("module")) or "")
    if kind == "register":
        return Register(line, raw["as"], _name(raw.get("name")))
    if kind == "action":
        return ActionCommand(line, _action(raw["action"]))
    if kind == "assert_return":
        return AssertReturn(line, _action(raw["action"]), _expected(raw))
    if kind == "assert_trap":
        if "action" not in raw:  # the old spelling of assert_uninstantiable
            return AssertUninstantiable(line, _module(raw, files), raw["text"])
        return AssertTrap(line, _action(raw["action"]), raw["text"])
    if kind == "assert_exhaustion":
        return AssertExhaustion(line, _action(raw["action"]), raw["text"])
    if kind == "assert_exception":
        return AssertException(line, _action(raw["action"]))
    module_asserts = {
        "assert_malformed": AssertMalformed,
        "assert_invalid": AssertInvalid,
        "assert_malformed_custom": AssertMalformedCustom,
        "assert_invalid_custom": AssertInvalidCustom,
        "assert_unlinkable": AssertUnlinkable,
        "assert_uninstantiable": AssertUninstantiable,
    }
    if kind in module_asserts:
        return module_asserts[kind](line, _module(raw, files), raw["text"])
    if kind in ("thread", "wait"):
        return UnsupportedCommand(line, kind)
    return ConversionFailure(line, f"command {kind!r} is not supported by the harness")


# -- values -------------------------------------------------------------------


def _int_bits(text: str, width: int) -> int:
    return int(text, 0) & ((1 << width) - 1)


def _value(raw: dict) -> Value:
    """An argument: a concrete value."""
    t = raw["type"]
    if t in NUM_BITS and t != "v128":
        return Value(t, _int_bits(raw["value"], NUM_BITS[t]))
    if t == "v128":
        return Value("v128", _v128_bits(raw["lane_type"], raw["value"]))
    if t in _REF_TYPES:
        v = raw.get("value")
        if v is None or v == "null":
            return Value(t, NULL)
        kind = _REF_TYPES[t]
        if kind is None:
            raise NormalizeError(f"non-null value for {t}")
        return Value(t, Ref(kind, int(v)))
    raise NormalizeError(f"unknown value type {t!r}")


def _v128_bits(lane_type: str, lanes: list[str]) -> int:
    count, width = LANES[lane_type]
    if len(lanes) != count:
        raise NormalizeError(f"v128 {lane_type} needs {count} lanes, got {len(lanes)}")
    bits = 0
    for i, lane in enumerate(lanes):
        bits |= _int_bits(lane, width) << (i * width)
    return bits


def _pattern(raw: dict) -> Pattern:
    t = raw["type"]
    if t in ("f32", "f64") and str(raw.get("value", "")).startswith("nan:"):
        return FloatNan(NanPattern(t, raw["value"][4:]))
    if t == "v128":
        lane_type = raw["lane_type"]
        count, width = LANES[lane_type]
        lanes: list[int | NanPattern] = []
        for lane in raw["value"]:
            if lane.startswith("nan:"):
                lanes.append(NanPattern(lane_type, lane[4:]))
            else:
                lanes.append(_int_bits(lane, width))
        if len(lanes) != count:
            raise NormalizeError(f"v128 {lane_type} needs {count} lanes")
        return V128Lanes(lane_type, tuple(lanes))
    if t in _REF_TYPES:
        v = raw.get("value")
        if v == "null" or _REF_TYPES[t] is None:
            return RefPattern("null")
        if v is None:
            return RefPattern(_REF_TYPES[t])
        return RefPattern(_REF_TYPES[t], int(v))
    return Exact(_value(raw))


def _expected(raw: dict):
    if "either" in raw:  # wast2json: alternatives of a single result
        return Either(tuple((_pattern(alt),) for alt in raw["either"]))
    expected = raw.get("expected", [])
    eithers = [i for i, e in enumerate(expected) if e["type"] == "either"]
    if not eithers:
        return tuple(_pattern(e) for e in expected)
    # wasm-tools: an `either` in a result position; expand into whole vectors.
    alternatives: list[tuple[Pattern, ...]] = [()]
    for e in expected:
        options = [_pattern(v) for v in e["values"]] if e["type"] == "either" else [_pattern(e)]
        alternatives = [(*prefix, o) for prefix in alternatives for o in options]
    return Either(tuple(alternatives))
