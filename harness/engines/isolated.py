"""Engines in another process, spoken to in the JSON-lines protocol of
``protocol.py`` (docs/engine-protocol.md), so a crash or a hang costs one
command.

``IsolatedEngine`` runs one of our Python engines in ``worker.py``;
``ProgramEngine`` runs any program that speaks the protocol (a downstream
runtime's own adapter, in any language).  The process lives across scripts;
each script opens a session in it.  If it dies or a command exceeds the
timeout, the command is reported as crashed / timed out, a new process
starts, and the session's earlier state-changing requests are replayed into
it before the next command.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from ..outcomes import Crashed, Ok, Outcome, TimedOut
from ..probes.state import InstanceState
from ..script.commands import ModuleSource
from ..values import Value
from .base import Engine, Session, SessionOptions
from .crossings import CrossingSession, declared_crossings
from .protocol import decode_outcome, encode_module, encode_value


class WorkerDied(Exception):
    pass


class _Worker:
    def __init__(self, argv: list[str], env: dict[str, str] | None = None):
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
            env=env,
        )
        self.buffer = b""

    def request(self, message: dict, timeout: float | None) -> dict:
        assert self.proc.stdin and self.proc.stdout
        data = (json.dumps(message) + "\n").encode()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.proc.stdin.fileno(), view) :]
        except OSError as exc:
            raise WorkerDied(self._death_note()) from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerDied(self._death_note())
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise WorkerDied(f"protocol violation: the answer {line[:200]!r} is not a JSON object")
        return answer

    def _death_note(self) -> str:
        code = self.proc.wait(timeout=10)
        what = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
        with contextlib.suppress(ValueError):
            what = f"{what} ({signal.Signals(-code).name})" if code < 0 else what
        self.stderr.seek(0)
        tail = self.stderr.read()[-600:].decode(errors="replace").strip()
        return f"worker {what}" + (f"; stderr: {tail}" if tail else "")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.stderr.close()

    def alive(self) -> bool:
        return self.proc.poll() is None


class _ProcessEngine(Engine):
    """An engine whose sessions live in a process of its own."""

    timeout: float
    _worker: _Worker | None = None

    def _start(self) -> _Worker:
        raise NotImplementedError

    def worker(self) -> _Worker:
        if self._worker is None or not self._worker.alive():
            self._worker = self._start()
        return self._worker

    def discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def open(self, options: SessionOptions) -> Session:
        return IsolatedSession(self, options)

    def __del__(self):
        if getattr(self, "_worker", None) is not None:
            # At interpreter exit contextlib itself may be gone: no suppress().
            try:  # noqa: SIM105
                self._worker.kill()
            except Exception:
                pass


class IsolatedEngine(_ProcessEngine):
    """One of our Python engines (a name ``factory`` knows) in ``worker.py``."""

    def __init__(self, name: str, timeout: float = 60.0):
        from . import factory

        self.spec = name
        self.timeout = timeout
        # The engine object here only answers questions about itself; the
        # work happens in the worker.
        self._local = factory(name)()
        self.name = self._local.name
        self.exact_messages = self._local.exact_messages
        self.probes = self._local.probes
        self._worker = None

    def describe(self) -> str:
        return self._local.describe()

    def unsupported_profile(self, profile: str) -> str | None:
        return self._local.unsupported_profile(profile)

    def _start(self) -> _Worker:
        # The worker imports the harness from where this process did, whatever
        # its working directory (a source checkout need not be installed).
        here = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": here + (os.pathsep + path if path else "")}
        return _Worker([sys.executable, "-m", "harness.engines.worker", self.spec], env)


class EngineUnavailable(Exception):
    """A program engine could not be started or did not answer ``describe``."""


class ProgramEngine(_ProcessEngine):
    """``program:NAME=COMMAND``: a program that speaks the engine protocol on
    its stdin and stdout.  What it is (its description, whether its messages
    are the spec's, whether it answers state probes) it says in answer to
    ``describe``; which profiles it can't run, to ``unsupported_profile``."""

    def __init__(self, spec: str, timeout: float = 60.0):
        name, sep, command = spec.removeprefix("program:").partition("=")
        if not sep or not name.strip() or not command.strip():
            raise EngineUnavailable(f"{spec!r}: write program:NAME=COMMAND")
        self.spec = spec
        self.name = name.strip()
        self.timeout = timeout
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise EngineUnavailable(f"{spec!r}: {exc}") from None
        self._worker = None
        self._gaps: dict[str, str | None] = {}
        try:
            answer = self.worker().request({"op": "describe"}, min(timeout, 30.0))
        except (OSError, TimeoutError, WorkerDied, ValueError) as exc:
            self.discard_worker()
            what = "did not answer describe in time" if isinstance(exc, TimeoutError) else exc
            raise EngineUnavailable(f"cannot start {self.argv[0]!r}: {what}") from None
        self._description = str(answer.get("describe", self.name))
        self.exact_messages = bool(answer.get("exact_messages", False))
        self.probes = bool(answer.get("probes", False))
        self.crossings = declared_crossings(answer.get("crossings"))

    def _start(self) -> _Worker:
        return _Worker(self.argv)

    def open(self, options: SessionOptions) -> Session:
        session = IsolatedSession(self, options)
        return CrossingSession(session, self.crossings) if self.crossings else session

    def describe(self) -> str:
        return self._description

    def unsupported_profile(self, profile: str) -> str | None:
        if profile not in self._gaps:
            try:
                answer = self.worker().request(
                    {"op": "unsupported_profile", "profile": profile}, self.timeout
                )
            except (TimeoutError, WorkerDied, ValueError):
                self.discard_worker()
                answer = {}
            # A program that doesn't know the request runs every profile.
            reason = answer.get("reason")
            self._gaps[profile] = str(reason) if reason else None
        return self._gaps[profile]


class IsolatedSession(Session):
    def __init__(self, engine: _ProcessEngine, options: SessionOptions):
        self.engine = engine
        self.options = options
        self.timeout = options.timeout if options.timeout is not None else engine.timeout
        self.log: list[dict] = []  # state-changing requests that succeeded
        self.opened = False

    def _open(self) -> None:
        worker = self.engine.worker()
        options = asdict(self.options)
        worker.request({"op": "open", "options": options}, self.timeout)
        for request in self.log:  # after a restart: rebuild the state
            worker.request(request, self.timeout)
        self.opened = True

    def _request(self, request: dict) -> dict | Outcome:
        try:
            if not self.opened:
                self._open()
            return self.engine.worker().request(request, self.timeout)
        except TimeoutError:
            self.engine.discard_worker()
            self.opened = False
            return TimedOut(self.timeout)
        except WorkerDied as exc:
            self.engine.discard_worker()
            self.opened = False
            return Crashed(str(exc))

    def _call(self, request: dict, changes_state: bool) -> Outcome:
        response = self._request(request)
        if isinstance(response, Outcome):
            return response
        outcome = decode_outcome(response)
        if changes_state and isinstance(outcome, Ok):
            self.log.append(request)
        return outcome

    # -- state probes: data back, or an outcome saying why not ------------------

    def probe(self, handle: str):
        response = self._request({"op": "probe", "handle": handle})
        if isinstance(response, Outcome):
            return response
        if response.get("kind") == "probe":
            return InstanceState.from_json(response["state"])
        return decode_outcome(response)

    def memory_chunks(self, handle: str, key: str, chunk: int):
        request = {"op": "memory_chunks", "handle": handle, "key": key, "chunk": chunk}
        response = self._request(request)
        if isinstance(response, Outcome):
            return response
        return response["digests"] if response.get("kind") == "data" else decode_outcome(response)

    def read_memory(self, handle: str, key: str, offset: int, length: int):
        request = {
            "op": "read_memory",
            "handle": handle,
            "key": key,
            "offset": offset,
            "length": length,
        }
        response = self._request(request)
        if isinstance(response, Outcome):
            return response
        if response.get("kind") == "data":
            return base64.b64decode(response["bytes"])
        return decode_outcome(response)

    def instantiate(self, module: ModuleSource, handle: str | None) -> Outcome:
        request = {"op": "instantiate", "module": encode_module(module), "handle": handle}
        return self._call(request, changes_state=True)

    def check(self, module: ModuleSource) -> Outcome:
        return self._call({"op": "check", "module": encode_module(module)}, changes_state=False)

    def register(self, as_name: str, handle: str) -> Outcome:
        return self._call({"op": "register", "as": as_name, "handle": handle}, True)

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> Outcome:
        request = {
            "op": "invoke",
            "handle": handle,
            "field": field,
            "args": [encode_value(a) for a in args],
        }
        return self._call(request, changes_state=True)

    def get(self, handle: str, field: str) -> Outcome:
        return self._call({"op": "get", "handle": handle, "field": field}, changes_state=False)

    def close(self) -> None:
        if self.opened and self.engine._worker is not None and self.engine._worker.alive():
            try:
                self.engine.worker().request({"op": "close"}, self.timeout)
            except (TimeoutError, WorkerDied):
                self.engine.discard_worker()
        self.opened = False
