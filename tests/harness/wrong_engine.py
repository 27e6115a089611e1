"""refimpl with a planted bug, to test that campaigns find divergences.

Used as ``python:wrong_engine:OffByOne`` (this folder on PYTHONPATH): every
i32 result is one more than refimpl's."""

from harness.engines.refimpl_engine import RefimplEngine
from harness.outcomes import Ok
from harness.values import Value


class OffByOne(RefimplEngine):
    def __init__(self):
        super().__init__()
        self.name = "off-by-one"

    def open(self, options):
        session = super().open(options)
        invoke = session.invoke

        def wrong(handle, field, args):
            out = invoke(handle, field, args)
            if not isinstance(out, Ok):
                return out
            return Ok(tuple(
                Value("i32", (v.payload + 1) & 0xFFFFFFFF) if v.type == "i32" else v
                for v in out.values
            ))  # fmt: skip

        session.invoke = wrong
        return session
