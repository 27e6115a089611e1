"""Engines in another process, spoken to in the JSON-lines protocol of
``protocol.py`` (docs/engine-protocol.md), so a crash or a hang costs one
command.

``IsolatedEngine`` runs one of our Python engines in ``worker.py``;
``ProgramEngine`` runs any program that speaks the protocol (a downstream
runtime's own adapter, in any language).  The process lives across scripts;
each script opens a session in it.  If it dies or a command exceeds the
timeout, the command is reported as crashed / timed out and the session is
lost; the runner then opens a new one (a new process starts) and replays
the script's earlier state-changing commands into it, by the one rule it
also uses to run a command on its own.
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

from ..outcomes import CommandOutcome, Crashed, TimedOut
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


class EngineUnavailable(Exception):
    """An engine in a process could not be started or did not answer ``describe``."""


class _ProcessEngine(Engine):
    """An engine whose sessions live in a process of its own.  What it is
    (its name, description, whether its messages are the spec's, whether it
    answers state probes) it says in answer to ``describe``, asked once at
    start; which profiles it can't run, to ``unsupported_profile``."""

    timeout: float
    _worker: _Worker | None = None

    def __init__(self, spec: str, name: str | None, timeout: float):
        self.spec = spec
        self.timeout = timeout
        self._worker = None
        self._gaps: dict[str, str | None] = {}
        try:
            answer = self.worker().request({"op": "describe"}, min(timeout, 30.0))
        except (OSError, TimeoutError, WorkerDied, ValueError) as exc:
            self.discard_worker()
            what = "did not answer describe in time" if isinstance(exc, TimeoutError) else exc
            raise EngineUnavailable(f"cannot start {self._program()!r}: {what}") from None
        self.name = name or str(answer.get("name") or spec)
        self._description = str(answer.get("describe", self.name))
        self.exact_messages = bool(answer.get("exact_messages", False))
        # "prefix", "categories", "substring" or "ignore" (messages.MessagePolicy).
        self.message_policy = _policy(answer.get("messages"))
        self.probes = bool(answer.get("probes", False))
        # A whole-script engine (ScriptEngine) can't be driven command by command.
        self.whole_script = bool(answer.get("whole_script", False))
        # The value types its API can't pass: exports using them go through trampolines.
        self.crossings = declared_crossings(answer.get("crossings"))

    def _start(self) -> _Worker:
        raise NotImplementedError

    def _program(self) -> str:
        """What runs in the process, for messages."""
        return self.spec

    def worker(self) -> _Worker:
        if self._worker is None or not self._worker.alive():
            self._worker = self._start()
        return self._worker

    def discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

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

    def __del__(self):
        if getattr(self, "_worker", None) is not None:
            # At interpreter exit contextlib itself may be gone: no suppress().
            try:  # noqa: SIM105
                self._worker.kill()
            except Exception:
                pass


def _policy(declared: object) -> str | None:
    """A declared message policy, or None (then exact_messages decides)."""
    from ..messages import MessagePolicy

    return str(declared) if declared in tuple(MessagePolicy) else None


class IsolatedEngine(_ProcessEngine):
    """One of our Python engines (a name ``factory`` knows) in ``worker.py``;
    with ``python``, run by that interpreter (another environment, e.g. a
    side virtual environment with an older wasmtime-py, for bisecting) and
    named ``NAME@PYTHON``."""

    def __init__(self, name: str, timeout: float = 60.0, python: str | None = None):
        self.python = python
        super().__init__(name, f"{name}@{python}" if python else None, timeout)

    def _program(self) -> str:
        return f"{self.spec} in {self.python}" if self.python else self.spec

    def _start(self) -> _Worker:
        # The worker imports the harness from where this process did, whatever
        # its working directory (a source checkout need not be installed).
        here = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": here + (os.pathsep + path if path else "")}
        python = self.python or sys.executable
        return _Worker([python, "-m", "harness.engines.worker", self.spec], env)


class ProgramEngine(_ProcessEngine):
    """``program:NAME=COMMAND``: a program that speaks the engine protocol on
    its stdin and stdout, named by the user."""

    def __init__(self, spec: str, timeout: float = 60.0):
        name, sep, command = spec.removeprefix("program:").partition("=")
        if not sep or not name.strip() or not command.strip():
            raise EngineUnavailable(f"{spec!r}: write program:NAME=COMMAND")
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise EngineUnavailable(f"{spec!r}: {exc}") from None
        super().__init__(spec, name.strip(), timeout)

    def _start(self) -> _Worker:
        return _Worker(self.argv)

    def _program(self) -> str:
        return self.argv[0]


class IsolatedSession(Session):
    """A session in the engine's process.  If the process dies or a request
    times out, the process is stopped and the session is lost: every later
    request answers Crashed, and the runner rebuilds the script's state in
    a new session (``ScriptRunner``'s replay)."""

    def __init__(self, engine: _ProcessEngine, options: SessionOptions):
        self.engine = engine
        self.options = options
        self.timeout = options.timeout if options.timeout is not None else engine.timeout
        self.opened = False
        self.lost_because: str | None = None

    def lost(self) -> bool:
        return self.lost_because is not None

    def _request(self, request: dict) -> dict | CommandOutcome:
        if self.lost_because is not None:
            return Crashed(f"the session was lost earlier: {self.lost_because}")
        try:
            if not self.opened:
                self.engine.worker().request(
                    {"op": "open", "options": asdict(self.options)}, self.timeout
                )
                self.opened = True
            return self.engine.worker().request(request, self.timeout)
        except TimeoutError:
            outcome: CommandOutcome = TimedOut(self.timeout)
        except WorkerDied as exc:
            outcome = Crashed(str(exc))
        self.engine.discard_worker()
        self.lost_because = str(outcome)
        return outcome

    def _call(self, request: dict) -> CommandOutcome:
        response = self._request(request)
        if isinstance(response, CommandOutcome):
            return response
        return decode_outcome(response)

    # -- state probes: data back, or an outcome saying why not ------------------

    def probe(self, handle: str):
        response = self._request({"op": "probe", "handle": handle})
        if isinstance(response, CommandOutcome):
            return response
        if response.get("kind") == "probe":
            return InstanceState.from_json(response["state"])
        return decode_outcome(response)

    def memory_chunks(self, handle: str, key: str, chunk: int):
        request = {"op": "memory_chunks", "handle": handle, "key": key, "chunk": chunk}
        response = self._request(request)
        if isinstance(response, CommandOutcome):
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
        if isinstance(response, CommandOutcome):
            return response
        if response.get("kind") == "data":
            return base64.b64decode(response["bytes"])
        return decode_outcome(response)

    def instantiate(self, module: ModuleSource, handle: str | None) -> CommandOutcome:
        request = {"op": "instantiate", "module": encode_module(module), "handle": handle}
        return self._call(request)

    def check(self, module: ModuleSource) -> CommandOutcome:
        return self._call({"op": "check", "module": encode_module(module)})

    def register(self, as_name: str, handle: str) -> CommandOutcome:
        return self._call({"op": "register", "as": as_name, "handle": handle})

    def invoke(self, handle: str, field: str, args: tuple[Value, ...]) -> CommandOutcome:
        request = {
            "op": "invoke",
            "handle": handle,
            "field": field,
            "args": [encode_value(a) for a in args],
        }
        return self._call(request)

    def get(self, handle: str, field: str) -> CommandOutcome:
        return self._call({"op": "get", "handle": handle, "field": field})

    def close(self) -> None:
        worker = self.engine._worker
        if self.opened and not self.lost() and worker is not None and worker.alive():
            try:
                worker.request({"op": "close"}, self.timeout)
            except (TimeoutError, WorkerDied):
                self.engine.discard_worker()
        self.opened = False
