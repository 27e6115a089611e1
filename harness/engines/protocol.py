"""The engine protocol: JSON lines over a pipe.

Isolated engines run in a worker process that speaks this protocol, and it is
simple enough for a runtime in any language to implement (see
docs/engine-protocol.md): one request per line, one response per line.
"""

from __future__ import annotations

import base64
from typing import Any

from ..messages import categories
from ..outcomes import (
    OUTCOME_TYPES,
    CommandOutcome,
    Crashed,
    ExpectationFailed,
    Failure,
    HarnessError,
    Ok,
    TimedOut,
    Unsupported,
)
from ..script.commands import ModuleSource
from ..values import NULL, Printed, Ref, Value


def encode_value(v: Value) -> dict[str, Any]:
    if isinstance(v.payload, Printed):
        return {"type": v.type, "printed": v.payload.text}
    if isinstance(v.payload, Ref):
        ref = None if v.payload.is_null else {"kind": v.payload.kind, "payload": v.payload.payload}
        return {"type": v.type, "ref": ref}
    return {"type": v.type, "bits": str(v.payload)}


def decode_value(d: dict[str, Any]) -> Value:
    if "printed" in d:
        return Value(d["type"], Printed(d["printed"]))
    if "ref" in d:
        ref = d["ref"]
        payload = ref.get("payload") if ref else None
        if isinstance(payload, list):  # JSON has no tuples
            payload = tuple(payload)
        return Value(d["type"], NULL if ref is None else Ref(ref["kind"], payload))
    return Value(d["type"], int(d["bits"]))


def encode_module(m: ModuleSource) -> dict[str, Any]:
    return {
        "binary": None if m.binary is None else base64.b64encode(m.binary).decode(),
        "text": None if m.text is None else base64.b64encode(m.text).decode(),
        "origin": m.origin,
    }


def decode_module(d: dict[str, Any]) -> ModuleSource:
    return ModuleSource(
        binary=None if d.get("binary") is None else base64.b64decode(d["binary"]),
        text=None if d.get("text") is None else base64.b64decode(d["text"]),
        origin=d.get("origin", ""),
    )


def encode_outcome(o: CommandOutcome) -> dict[str, Any]:
    if isinstance(o, Ok):
        return {"kind": "ok", "values": [encode_value(v) for v in o.values]}
    if isinstance(o, Failure):
        return {"kind": o.kind, "message": o.message, "category": o.category}
    if isinstance(o, Unsupported):
        return {"kind": "unsupported", "message": o.reason}
    if isinstance(o, (ExpectationFailed, HarnessError)):
        return {"kind": o.kind, "message": o.detail}
    if isinstance(o, Crashed):
        return {"kind": "crash", "message": o.detail}
    if isinstance(o, TimedOut):
        return {"kind": "timeout", "message": str(o.seconds)}
    raise TypeError(f"cannot encode {o!r}")


def decode_outcome(d: dict[str, Any]) -> CommandOutcome:
    kind = d.get("kind")
    if kind == "ok":
        return Ok(tuple(decode_value(v) for v in d.get("values", [])))
    cls = OUTCOME_TYPES.get(kind)
    if cls is None:
        return Crashed(f"engine answered with an unknown outcome kind {kind!r}")
    if issubclass(cls, Failure):
        return cls(d.get("message", ""), categories(d.get("category")))
    if cls is Unsupported:
        return Unsupported(d.get("message", ""))
    if cls in (ExpectationFailed, HarnessError):
        return cls(d.get("message", ""))
    if cls is TimedOut:
        return TimedOut(float(d.get("message") or 0))
    return Crashed(d.get("message", ""))
