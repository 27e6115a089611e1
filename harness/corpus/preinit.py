"""Snapshots of real modules: ``wasm-harness corpus --preinit``.

Each module with an init export is pre-initialized by refimpl (Wizer
semantics; refusals name their reason), in a child process with a time
limit (an init function of a real module may run long in a Python
interpreter); the snapshot must validate in ``wasm-tools validate``, compile
in wasmtime, and keep its data segment count within what runtimes accept
(never more segments than the input needlessly: 100,000 is wasm-tools' and
wasmtime's limit).
"""

from __future__ import annotations

import multiprocessing
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from refimpl import Features
from refimpl.binary import decode_module
from refimpl.preinit.regions import SEGMENT_LIMIT
from refimpl.syntax.module import ExternKind, Module

from ..script.convert import Converter

INIT_EXPORTS = ("wizer.initialize", "_initialize", "__wasm_call_ctors", "_start")


@dataclass
class Snapshot:
    init: str | None = None
    outcome: str = ""  # "snapshot", "refused (REASON)", "no init export", "timeout", ...
    segments_before: int = 0
    segments_after: int = 0
    wasm_tools: str = ""
    wasmtime: str = ""


def init_export(module: Module) -> str | None:
    names = {e.name for e in module.exports if e.kind == ExternKind.FUNC}
    return next((n for n in INIT_EXPORTS if n in names), None)


def _child(binary: bytes, profile: str, init: str, conn) -> None:
    from refimpl.preinit import Refused
    from refimpl.preinit.api import load_input, preinitialize_module, resolve_features

    try:
        f = resolve_features(profile)
        done = preinitialize_module(load_input(binary, f), f, init)
        conn.send(("snapshot", done.binary))
    except Refused as exc:
        conn.send((f"refused ({exc.reason})", exc.message[:200]))
    except Exception as exc:  # reported per module, never a crash of the run
        conn.send((f"error {type(exc).__name__}", str(exc)[:200]))


def snapshot(binary: bytes, module: Module, profile: str, timeout: float) -> Snapshot:
    out = Snapshot(init=init_export(module), segments_before=len(module.datas))
    if out.init is None:
        out.outcome = "no init export"
        return out
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(binary, profile, out.init, child))
    proc.start()
    child.close()
    if not parent.poll(timeout):
        proc.kill()
        proc.join()
        out.outcome = f"timeout after {timeout:g} s"
        return out
    outcome, payload = parent.recv()
    proc.join()
    out.outcome = outcome
    if outcome != "snapshot":
        out.outcome = f"{outcome}: {payload}"
        return out
    snap: bytes = payload
    out.segments_after = len(decode_module(snap, Features.parse(profile)).datas)
    if out.segments_after > SEGMENT_LIMIT:
        out.outcome = f"snapshot over the limit of {SEGMENT_LIMIT} data segments"
    out.wasm_tools = _validate(snap)
    out.wasmtime = _compiles(snap, profile)
    return out


def _validate(binary: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".wasm") as f:
        Path(f.name).write_bytes(binary)
        exe = str(Converter("wasm-tools").executable())
        proc = subprocess.run(
            [exe, "validate", "--features", "all", f.name], capture_output=True, text=True
        )
    return "valid" if proc.returncode == 0 else proc.stderr.strip()[:160]


def _compiles(binary: bytes, profile: str) -> str:
    try:
        import wasmtime

        from ..engines.wasmtime_engine import WasmtimeEngine

        engine = WasmtimeEngine().engine_for(Features.parse(profile))
        wasmtime.Module(engine, binary)
    except Exception as exc:  # wasmtime's refusal, as text
        return f"rejected: {str(exc).strip().splitlines()[0][:160]}"
    return "compiles"
