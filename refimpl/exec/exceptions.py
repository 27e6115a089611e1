"""Exception handling's semantics (Wasm 3.0 §4.4.8: ``throw``,
``throw_ref``, ``try_table``'s handlers, and the legacy ``try``), written
once for both executors.

An exception in flight is a Python ``UncaughtException`` carrying the
exception instance (``ExnInst``, what an ``exnref`` is).  Each throw raises
a new Python exception, even of the same instance (``throw_ref``,
``rethrow``), so no traceback grows with the times it is thrown.  Handlers
catch ``UncaughtException`` only: a ``Trap`` or ``Exhaustion`` (and
Python's ``RecursionError``, which the embedder's entry turns into
exhaustion) passes every handler, as the spec says.
"""

from __future__ import annotations

from ..errors import Trap, UncaughtException
from ..runtime.instances import ExnInst, TagInst
from ..syntax.opcodes import Catch, CatchKind

NULL_EXN = "null exception reference"


def throw(tag: TagInst, payload) -> UncaughtException:
    """The exception ``throw`` raises (the caller raises it, so tracebacks
    start where the Wasm code threw)."""
    return UncaughtException(ExnInst(tag, tuple(payload)))


def throw_ref(exn: ExnInst | None) -> UncaughtException:
    if exn is None:
        raise Trap(NULL_EXN)
    return UncaughtException(exn)


def handler_values(c: Catch, tags: list, exn: ExnInst) -> tuple | None:
    """What ``try_table``'s handler ``c`` passes to its label if it catches
    ``exn`` (tags compare by identity: the instance's tag index space), or
    None if it does not catch it."""
    kind = c.kind
    if kind is CatchKind.CATCH or kind is CatchKind.CATCH_REF:
        if tags[c.tag] is not exn.tag:
            return None
        return exn.payload if kind is CatchKind.CATCH else (*exn.payload, exn)
    return () if kind is CatchKind.CATCH_ALL else (exn,)
