"""Real modules: decode + validate and instantiation over ``../shared/corpus``.

``python -m benchmarks --only corpus [--corpus DIR] [--modules PATH ...]``
(``--modules``: more ``.wasm`` files, or directories of them, measured after
the corpus, e.g. large modules kept outside the repository). Per module:
decode and validate times, MB/s, the CPU seconds of both (others may load
the machine; each the best of ``--repeat`` runs, 3 by default: this
machine's speed drifts by a fifth between runs), peak Python heap during
decoding and validation (as a multiple of the module's size, measured in a
second pass under tracemalloc, which slows the run), the heap the decoded
module keeps per module byte, and the time to instantiate it with stub
imports (``harness.corpus.stubs``: functions that return zeros, fresh
tables, memories, globals and tags of the declared types). A module that
cannot be read, decoded or validated gets one line with the reason. With
``SPEC_WASM`` naming an OCaml spec interpreter binary (none is built or
shipped here), its ``wasm -d`` (decode and validate) wall time and peak RSS
are measured side by side, in the same run, also the best of the runs (a
module that takes it over ``SPEC_REPEAT_UNDER`` seconds runs once); a module
it rejects, or does not finish within ``SPEC_TIMEOUT``, shows its error
instead.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import refimpl
from harness.corpus.stubs import stub_registry
from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.valid import validate_module

from . import spec_interp

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
# Real modules use what their toolchains emit: legacy exceptions (Emscripten),
# shared memories (pthreads).
FEATURES = refimpl.Features.parse("3.0,+legacy_exceptions,+threads")
SPEC_TIMEOUT = 900.0  # seconds per module for the spec interpreter (esbuild: ~200 s)
SPEC_REPEAT_UNDER = 60.0  # seconds: a slower spec interpreter run is not repeated


@dataclass
class Figures:
    name: str
    size: int
    decode: float | None = None
    validate: float | None = None
    cpu: float | None = None  # CPU seconds of decode + validate
    peak: int | None = None  # bytes of Python heap at the peak of decode + validate
    kept: int | None = None  # bytes of Python heap the decoded module holds
    instantiate: float | None = None
    segments: int = 0
    spec: float | None = None  # the spec interpreter's wall time (SPEC_WASM)
    spec_rss: int | None = None  # its peak RSS, bytes
    spec_error: str = ""
    error: str = ""


def corpus_files(corpus: Path) -> list[Path]:
    manifest = corpus / "manifest.json"
    if not manifest.exists():
        raise SystemExit(f"no corpus at {corpus} (manifest.json missing)")
    entries = json.loads(manifest.read_text())
    return sorted((corpus / e["file"] for e in entries), key=lambda p: p.stat().st_size)


def module_files(paths: list[Path]) -> list[Path]:
    """``--modules``: files as given, directories as their ``.wasm`` files
    by size (a missing path is listed, and reported when measured)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.wasm"), key=lambda p: p.stat().st_size)
        else:
            files.append(path)
    return files


def measure(path: Path, instantiate: bool = True, repeat: int = 3) -> Figures:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Figures(path.stem, 0, error=f"unreadable: {exc.strerror or exc}")
    fig = Figures(path.stem, len(data))
    for _ in range(max(1, repeat)):
        module = None
        gc.collect()
        try:
            cpu = time.process_time()
            start = time.perf_counter()
            module = decode_module(data, FEATURES)
            decode = time.perf_counter() - start
            start = time.perf_counter()
            validate_module(module, FEATURES)
            validate = time.perf_counter() - start
            cpu = time.process_time() - cpu
        except RefimplError as exc:  # malformed, invalid, or beyond refimpl
            fig.decode = fig.validate = None
            fig.error = f"{type(exc).__name__}: {exc}"
            return fig
        if fig.decode is None or decode + validate < fig.decode + (fig.validate or 0):
            fig.decode, fig.validate, fig.cpu = decode, validate, cpu
    fig.segments = len(module.datas) + len(module.elems)
    del module
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    module = decode_module(data, FEATURES)
    fig.kept = tracemalloc.get_traced_memory()[0] - base
    validate_module(module, FEATURES)
    fig.peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    if instantiate:
        store = refimpl.Store(FEATURES)
        try:
            stubs = stub_registry(store, module, FEATURES)
            start = time.perf_counter()
            refimpl.instantiate(store, module, stubs)
            fig.instantiate = time.perf_counter() - start
        except Exception as exc:  # a trap in a start function, an unsupported feature
            fig.error = f"instantiate: {type(exc).__name__}: {exc}"
    return fig


def measure_spec(fig: Figures, path: Path, spec: str, repeat: int = 3) -> None:
    """``wasm -d``: the spec interpreter decodes and validates the binary
    (``-d``, dry: a script's instantiations and actions are not run; a binary
    file is a module definition only), then exits.  The best of ``repeat``
    runs, as for refimpl, while a run takes under ``SPEC_REPEAT_UNDER``."""
    for _ in range(max(1, repeat)):
        result = spec_interp.run([spec, "-d", str(path)], SPEC_TIMEOUT)
        if result.seconds is None:
            fig.spec, fig.spec_rss, fig.spec_error = None, None, result.error
            return
        if fig.spec is None or result.seconds < fig.spec:
            fig.spec, fig.spec_rss = result.seconds, result.max_rss
        if result.seconds > SPEC_REPEAT_UNDER:
            return


def _spec_cells(fig: Figures, ours: float | None) -> str:
    if fig.spec is None:
        return f"  spec: {fig.spec_error}"
    ratio = f"{fig.spec / ours:8.2f}x" if ours else "".rjust(9)
    return f" {fig.spec:7.3f} {(fig.spec_rss or 0) / 2**20:7.0f} {ratio}"


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def main(
    corpus: Path = CORPUS, instantiate: bool = True, modules: list[Path] = (), repeat: int = 3
) -> int:
    spec = spec_interp.spec_wasm()
    files = corpus_files(corpus) + module_files(list(modules))
    cols = "module                       MiB  decode  valid.   MB/s    cpu  peak/B kept/B"
    cols += "  segs  inst."
    print(cols + ("    spec  RSS MiB spec/ours" if spec else ""))
    total = total_size = 0.0
    worst_ratio = 0.0
    for path in files:
        fig = measure(path, instantiate, repeat)
        if spec:
            measure_spec(fig, path, spec, repeat)
        mib = fig.size / 2**20
        if fig.decode is None or fig.validate is None:
            line = f"{fig.name:26s} {mib:6.2f}  {fig.error}"
            print(line + (_spec_cells(fig, None) if spec else ""), flush=True)
            continue
        both = fig.decode + fig.validate
        total += both
        total_size += fig.size
        ratio = (fig.peak or 0) / fig.size
        worst_ratio = max(worst_ratio, ratio)
        line = (
            f"{fig.name:26s} {mib:6.2f} {fig.decode:7.3f} {fig.validate:7.3f} "
            f"{fig.size / 1e6 / both:6.2f} {_s(fig.cpu):>6s} {ratio:7.1f} "
            f"{(fig.kept or 0) / fig.size:6.1f} {fig.segments:5d} {_s(fig.instantiate):>6s}"
        )
        if spec:
            line += _spec_cells(fig, both)
        if fig.error:
            line += f"  ({fig.error})"
        print(line, flush=True)
    if not total:
        print("no module decoded and validated")
        return 1
    print(
        f"total decode + validate {total:.2f} s over {total_size / 1e6:.1f} MB "
        f"({total_size / 1e6 / total:.2f} MB/s); worst peak {worst_ratio:.1f} bytes per module byte"
    )
    if not spec:
        print(f"spec interpreter: {spec_interp.NOT_GIVEN} (set {spec_interp.ENV})")
    return 0
