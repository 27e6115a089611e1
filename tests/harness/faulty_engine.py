"""An engine that crashes or hangs on demand, to test the harness's survival.

Used as ``python:faulty_engine:FaultyEngine`` (this folder on PYTHONPATH).
Every module instantiates; invoking "crash" aborts the process, "hang"
sleeps forever, anything else returns i32 1.
"""

import os
import time

from harness.engines.base import Engine, Session
from harness.outcomes import Ok, Unsupported
from harness.values import Value


class FaultySession(Session):
    def instantiate(self, module, handle):
        return Ok()

    def check(self, module):
        return Ok()

    def register(self, as_name, handle):
        return Ok()

    def invoke(self, handle, field, args):
        if field == "crash":
            os.abort()
        if field == "hang":
            time.sleep(3600)
        return Ok((Value("i32", 1),))

    def get(self, handle, field):
        return Ok((Value("i32", 1),))


class FaultyEngine(Engine):
    name = "faulty"

    def open(self, options):
        return FaultySession()


class DecliningSession(FaultySession):
    """Runs everything but calls to "add", which it cannot express."""

    def invoke(self, handle, field, args):
        if field == "add":
            return Unsupported("add is beyond this engine")
        return Ok()

    def get(self, handle, field):
        return Ok((Value("i32", 6),))


class DecliningEngine(Engine):
    name = "declining"

    def open(self, options):
        return DecliningSession()


class UnopenableEngine(Engine):
    """An adapter whose sessions can't even be opened."""

    name = "unopenable"

    def open(self, options):
        raise RuntimeError("no runtime here")


class NotAnEngine:
    """Has the look of an engine, but not the interface."""

    name = "not-an-engine"


class CrashingRefimpl(Engine):
    """refimpl, but invoking "crash" aborts the process."""

    name = "crashing-refimpl"
    exact_messages = True

    def __init__(self):
        from harness.engines.refimpl_engine import RefimplEngine

        self.inner = RefimplEngine("compiled")

    def open(self, options):
        session = self.inner.open(options)
        invoke = session.invoke

        def crashing_invoke(handle, field, args):
            if field == "crash":
                os.abort()
            return invoke(handle, field, args)

        session.invoke = crashing_invoke
        return session
