#!/usr/bin/python3
"""Atheris (libFuzzer) target: a module that decodes and validates is
instantiated (imports from the spectest host module; others fail to link)
and its exported functions called once with zero arguments; every outcome
is a ``WasmError`` (trap, exhaustion, link error) or ``UnsupportedFeature``,
never another exception, ``MemoryError`` or ``RecursionError``.  A call
runs under a call depth of 200 and a time budget (SIGALRM), so an
infinite loop is a skip, not a hang (libFuzzer's -timeout catches the rest)."""

import contextlib
import signal
import sys

import atheris

with atheris.instrument_imports():
    import refimpl
    from refimpl.errors import RefimplError
    from refimpl.host.spectest import spectest_instance
    from refimpl.runtime.instances import FuncInst

PROFILES = [refimpl.Features.parse(p) for p in ("mvp", "2.0", "3.0")]
SECONDS = 0.5


class _Slow(Exception):
    pass


def _expire(signum, frame):
    raise _Slow


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    features = PROFILES[data[0] % len(PROFILES)]
    try:
        module = refimpl.load(data[1:], features)
    except RefimplError:
        return
    store = refimpl.Store(features, max_call_depth=200)
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        inst = refimpl.instantiate(store, module, {"spectest": spectest_instance(features)})
        for item in list(inst.exports.values()):
            if isinstance(item, FuncInst) and not item.type.params:
                with contextlib.suppress(RefimplError):
                    store.invoke(item, [])
    except (RefimplError, _Slow):
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
