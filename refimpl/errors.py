"""The outcomes a module or an invocation can end in, as exceptions.

Each carries a message; a ``WasmError``'s is the spec interpreter's text,
which the harness compares with a script's expectations.
"""

from __future__ import annotations


class RefimplError(Exception):
    """Anything refimpl reports about its input, never a bug: a failure the
    spec defines (``WasmError``) or something it does not implement
    (``UnsupportedFeature``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WasmError(RefimplError):
    """Something the spec defines as a failure."""


class MalformedModule(WasmError):
    """The binary does not decode (spec 5)."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset

    def __str__(self) -> str:
        return self.message if self.offset is None else f"{self.message} (at byte {self.offset})"


class InvalidModule(WasmError):
    """The module decodes but does not validate (spec 3)."""

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.where = where

    def __str__(self) -> str:
        return self.message if self.where is None else f"{self.message} (in {self.where})"


class LinkError(WasmError):
    """Instantiation failed before any state was touched: an import that does
    not match, or (profile mvp) a segment that does not fit."""


class Trap(WasmError):
    """Execution trapped (spec 4.4); also a trap during instantiation."""


class Exhaustion(WasmError):
    """A resource limit of this implementation, e.g. the call stack."""


class UncaughtException(WasmError):
    """A Wasm exception in flight (``throw``, ``throw_ref``, ``rethrow``):
    handlers catch it, and when it escapes to the embedder it is that
    outcome.  ``exn`` is the exception instance an ``exnref`` refers to;
    traps and exhaustion are other classes, so no handler can catch them."""

    def __init__(self, exn):
        super().__init__("uncaught exception")
        self.exn = exn
        # Compiled code's mark of a legacy ``delegate``: (activation depth,
        # target label), see ``exec.compiler.structure``.
        self.skip: tuple[int, int] | None = None

    @property
    def tag(self):
        return self.exn.tag

    @property
    def payload(self) -> tuple:
        return self.exn.payload


class UnsupportedFeature(RefimplError):
    """Well-formed input that uses something refimpl does not implement yet
    (for example a Wasm 3.0 proposal).  Never a judgement on the module, so
    not a ``WasmError``: code that handles the spec's failures must not take
    it for one."""
