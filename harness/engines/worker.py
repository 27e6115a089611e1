"""A worker process hosting one engine, speaking the engine protocol.

``python -m harness.engines.worker ENGINE``.  Requests arrive on stdin, one
JSON object per line; each gets one JSON response line on the original
stdout.  Anything the engine itself prints goes to stderr instead, so it can
never corrupt the protocol.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback

from ..outcomes import Crashed, Ok
from ..probes.state import InstanceState
from . import factory
from .base import ScriptEngine, SessionOptions
from .protocol import decode_module, decode_value, encode_outcome


def serve(engine_name: str) -> int:
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints of the engine land on stderr
    sys.stdout = sys.stderr
    engine = factory(engine_name)()
    session = None
    no_session = "no session was opened"  # why ``session`` is None
    stdin = sys.stdin.buffer
    while line := stdin.readline():
        request = json.loads(line)
        op = request["op"]
        try:
            if op == "open":
                if session is not None:
                    session.close()
                session = None
                try:
                    session = engine.open(SessionOptions(**request["options"]))
                except Exception as exc:
                    no_session = f"opening the session failed: {type(exc).__name__}: {exc}"
                    raise
                outcome = Ok()
            elif op == "close":
                if session is not None:
                    session.close()
                session = None
                outcome = Ok()
            elif op == "describe":
                about = {
                    "name": engine.name,
                    "describe": engine.describe(),
                    "exact_messages": engine.exact_messages,
                    "messages": getattr(engine, "message_policy", None),
                    "probes": engine.probes,
                    "whole_script": isinstance(engine, ScriptEngine),
                }
                proto_out.write(json.dumps(about).encode() + b"\n")
                continue
            elif op == "unsupported_profile":
                reason = engine.unsupported_profile(request["profile"])
                proto_out.write(json.dumps({"reason": reason}).encode() + b"\n")
                continue
            elif session is None:
                outcome = Crashed(f"{engine_name}: {no_session}")
            elif op == "instantiate":
                outcome = session.instantiate(decode_module(request["module"]), request["handle"])
            elif op == "check":
                outcome = session.check(decode_module(request["module"]))
            elif op == "register":
                outcome = session.register(request["as"], request["handle"])
            elif op == "invoke":
                args = tuple(decode_value(a) for a in request["args"])
                outcome = session.invoke(request["handle"], request["field"], args)
            elif op == "get":
                outcome = session.get(request["handle"], request["field"])
            elif op in ("probe", "memory_chunks", "read_memory"):
                proto_out.write(json.dumps(_probe_request(session, request)).encode() + b"\n")
                continue
            else:
                outcome = Crashed(f"unknown request {op!r}")
        except Exception as exc:  # an adapter bug: report it, keep serving
            traceback.print_exc()
            outcome = Crashed(f"{type(exc).__name__} in the {engine_name} adapter: {exc}")
        proto_out.write(json.dumps(encode_outcome(outcome)).encode() + b"\n")
    return 0


def _probe_request(session, request: dict) -> dict:
    """Probe requests answer with data, or with an outcome saying why not."""
    op = request["op"]
    try:
        if op == "probe":
            result = session.probe(request["handle"])
            if isinstance(result, InstanceState):
                return {"kind": "probe", "state": result.to_json()}
        elif op == "memory_chunks":
            result = session.memory_chunks(request["handle"], request["key"], request["chunk"])
            if isinstance(result, list):
                return {"kind": "data", "digests": result}
        else:
            result = session.read_memory(
                request["handle"], request["key"], request["offset"], request["length"]
            )
            if isinstance(result, bytes | bytearray):
                return {"kind": "data", "bytes": base64.b64encode(result).decode()}
    except Exception as exc:
        traceback.print_exc()
        result = Crashed(f"{type(exc).__name__} in the adapter's probe: {exc}")
    return encode_outcome(result)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
