"""Real programs: exported functions of corpus modules over 1 MiB of input.

``python -m benchmarks --only programs``. hash-wasm's SHA-512 and
as-sha256's SIMD SHA-256 (checked against ``hashlib``), hash-wasm's BLAKE3,
xxhash-wasm's XXH64 and lz4-wasm's compress (checked by ``program_checks``),
brotli-wasm's compress (quality 5, checked by the system's libbrotlidec when
there is one), each on refimpl's compiled fast path, its plain interpreter,
pywasm (when installed), wasmtime (the native limit) and, with ``SPEC_WASM``
naming one, the OCaml spec interpreter (the run replayed as a ``.wast``
script, ``program_wast``: its time less that of the script's setup). Every
runtime must produce wasmtime's output; the slow ones run a smaller input,
scaled (marked ``*``), as the kernel benchmarks do, except brotli, which
runs one input everywhere. Not here, for want of a module or a host:
hash-wasm's xxhash128 and argon2 (not in the corpus), a tree-sitter parse
(web-tree-sitter reads its input through a JS callback and links its grammar
dynamically).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import wasmtime

import refimpl
from refimpl.runtime.instances import HostFunc

from . import spec_interp
from .program_checks import LZ4Error, lz4_block_decode, xxh64
from .program_wast import Transcript, Unsupported

FEATURES = refimpl.Features.profile("2.0")
MIB = 1 << 20
SMALL = 64 << 10  # the input of the pure-Python interpreters
CHUNK = 16 << 10  # hash-wasm's input buffer holds this much at a time


class Instance:
    """One instantiated module on one runtime: calls and linear memory."""

    def call(self, name: str, *args: int) -> list[int]:
        raise NotImplementedError

    def read(self, addr: int, n: int) -> bytes:
        raise NotImplementedError

    def write(self, addr: int, data: bytes) -> None:
        raise NotImplementedError

    def grow(self, pages: int) -> None:
        raise NotImplementedError

    def get(self, name: str) -> int:
        """An exported global's value (an i32 here)."""
        raise NotImplementedError


class Refimpl(Instance):
    def __init__(self, binary: bytes, executor: str):
        self.store = refimpl.Store(FEATURES, executor_name=executor)
        module = refimpl.load(binary, FEATURES)

        def stub(imp):  # lz4-wasm's one import, for error messages only
            ftype = module.func_type(imp.desc.type_index)
            return HostFunc(ftype, lambda args: [0] * len(ftype.results), imp.name)

        self.inst = refimpl.instantiate(self.store, module, stub)
        self.mem = next(v for v in self.inst.exports.values() if hasattr(v, "data"))

    def call(self, name, *args):
        return self.store.invoke(self.inst.exports[name], list(args))

    def read(self, addr, n):
        return bytes(self.mem.data[addr : addr + n])

    def write(self, addr, data):
        self.mem.data[addr : addr + len(data)] = data

    def grow(self, pages):
        self.mem.grow(pages)

    def get(self, name):
        return self.inst.exports[name].value


class Wasmtime(Instance):
    def __init__(self, binary: bytes):
        self.store = wasmtime.Store()
        module = wasmtime.Module(self.store.engine, binary)
        imports = []
        for imp in module.imports:
            ftype = imp.type
            n = len(ftype.results)
            zeros = None if n == 0 else 0 if n == 1 else (0,) * n
            imports.append(wasmtime.Func(self.store, ftype, lambda *a, zeros=zeros: zeros))
        self.inst = wasmtime.Instance(self.store, module, imports)
        exports = self.inst.exports(self.store)
        self.mem = next(e for _, e in exports.items() if isinstance(e, wasmtime.Memory))
        self.exports = exports

    def call(self, name, *args):
        signed = [a - (1 << 64) if a >= 1 << 63 else a for a in args]
        result = self.exports[name](self.store, *signed)
        if result is None:
            return []
        return list(result) if isinstance(result, tuple) else [result]

    def read(self, addr, n):
        return bytes(self.mem.read(self.store, addr, addr + n))

    def write(self, addr, data):
        self.mem.write(self.store, data, addr)

    def grow(self, pages):
        self.mem.grow(self.store, pages)

    def get(self, name):
        return self.exports[name].value(self.store)


class Pywasm(Instance):
    def __init__(self, binary: bytes):
        import pywasm

        self.rt = pywasm.core.Runtime()
        desc = pywasm.core.ModuleDesc.from_reader(io.BytesIO(binary))
        for imp in desc.imps:
            ftype = desc.type[imp.desc]
            zeros = [0] * len(ftype.rets)
            extern = self.rt.allocate_func_host(ftype, lambda m, a, zeros=zeros: zeros)
            self.rt.imports.setdefault(imp.module, {})[imp.name] = extern
        self.inst = self.rt.instance(desc)
        name = next(e.name for e in self.inst.exps if e.data.kind == 0x02)
        self.mem = self.rt.exported_memory(self.inst, name)

    def call(self, name, *args):
        # pywasm takes signed integers (only i32 arguments are this large here)
        signed = [a - (1 << 32) if 1 << 31 <= a < 1 << 32 else a for a in args]
        return list(self.rt.invocate(self.inst, name, signed))

    def read(self, addr, n):
        return bytes(self.mem.get(addr, n))

    def write(self, addr, data):
        self.mem.put(addr, bytearray(data))

    def grow(self, pages):
        self.mem.grow(pages)

    def get(self, name):
        return self.rt.exported_global(self.inst, name).data.into_u32()


# -- the programs: each takes an instance and input bytes, returns output bytes ---------


def _hash_wasm(bits: int, *final: int) -> Callable[[Instance, bytes], bytes]:
    """hash-wasm's protocol: input goes through the buffer the module owns;
    ``final``: what ``Hash_Final`` takes (BLAKE3: the digest's length)."""

    def run(inst: Instance, data: bytes) -> bytes:
        (buf,) = inst.call("Hash_GetBuffer")
        inst.call("Hash_Init", bits)
        for i in range(0, len(data), CHUNK):
            chunk = data[i : i + CHUNK]
            inst.write(buf, chunk)
            inst.call("Hash_Update", len(chunk))
        inst.call("Hash_Final", *final)
        return inst.read(buf, bits // 8)

    return run


def _as_sha256(inst: Instance, data: bytes) -> bytes:
    """as-sha256's protocol (AssemblyScript, SIMD): input and output buffers
    the module owns, their addresses and size in exported globals."""
    buf, out, step = (inst.get(g) & 0xFFFFFFFF for g in ("input", "output", "INPUT_LENGTH"))
    inst.call("init")
    for i in range(0, len(data), step):
        chunk = data[i : i + step]
        inst.write(buf, chunk)
        inst.call("update", buf, len(chunk))
    inst.call("final", out)
    return inst.read(out, 32)


def _xxh64(inst: Instance, data: bytes) -> bytes:
    inst.grow((len(data) >> 16) + 1)
    inst.write(0, data)
    (h,) = inst.call("xxh64", 0, len(data), 0)
    return (h & (1 << 64) - 1).to_bytes(8, "little")


def _lz4(inst: Instance, data: bytes) -> bytes:
    """wasm-bindgen's calling convention: arguments copied into memory from
    ``__wbindgen_malloc``, results returned through a stack slot."""
    (ret,) = inst.call("__wbindgen_add_to_stack_pointer", (-16) & 0xFFFFFFFF)
    ret &= 0xFFFFFFFF
    (ptr,) = inst.call("__wbindgen_malloc", len(data))
    inst.write(ptr & 0xFFFFFFFF, data)
    inst.call("compress", ret, ptr, len(data))
    out = inst.read(ret, 8)
    out_ptr, out_len = int.from_bytes(out[:4], "little"), int.from_bytes(out[4:], "little")
    inst.call("__wbindgen_add_to_stack_pointer", 16)
    return inst.read(out_ptr, out_len)


def _words(inst: Instance, addr: int, n: int) -> list[int]:
    raw = inst.read(addr, 4 * n)
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 4 * n, 4)]


BROTLI_QUALITY = 5  # brotli's middle; 11, its default, is ~25x slower
BROTLI_OUTPUT = 1 << 17  # output buffer per step, as brotli-wasm's own stream example
# BrotliStreamResultCode
_SUCCESS, _NEEDS_MORE_INPUT, _NEEDS_MORE_OUTPUT = 1, 2, 3


def _brotli(inst: Instance, data: bytes) -> bytes:
    """brotli-wasm's CompressStream (quality from an argument; ``compress``
    wants a JS options object): the input in one step, repeated while the
    output buffer fills, then steps without input until the stream ends."""
    (stream,) = inst.call("compressstream_new", 1, BROTLI_QUALITY)
    (ret,) = inst.call("__wbindgen_add_to_stack_pointer", (-16) & 0xFFFFFFFF)
    ret &= 0xFFFFFFFF
    out = bytearray()

    def step(chunk: bytes | None) -> tuple[int, int]:
        ptr = 0
        if chunk is not None:
            (ptr,) = inst.call("__wbindgen_malloc", len(chunk))
            ptr &= 0xFFFFFFFF
            inst.write(ptr, chunk)
        size = 0 if chunk is None else len(chunk)
        inst.call("compressstream_compress", ret, stream, ptr, size, BROTLI_OUTPUT)
        result, _, failed = _words(inst, ret, 3)
        if failed:
            raise RuntimeError("brotli-wasm: compress failed")
        (code,) = inst.call("__wbg_get_brotlistreamresult_code", result)
        (consumed,) = inst.call("__wbg_get_brotlistreamresult_input_offset", result)
        inst.call("__wbg_get_brotlistreamresult_buf", ret, result)
        buf, n = _words(inst, ret, 2)
        out.extend(inst.read(buf, n))
        inst.call("__wbindgen_free", buf, n)
        inst.call("__wbg_brotlistreamresult_free", result)
        return code, consumed

    pos, code = 0, _NEEDS_MORE_OUTPUT
    while code == _NEEDS_MORE_OUTPUT:
        code, consumed = step(data[pos:])
        pos += consumed
    while code in (_NEEDS_MORE_INPUT, _NEEDS_MORE_OUTPUT):
        code, _ = step(None)
    if code != _SUCCESS:
        raise RuntimeError(f"brotli-wasm: stream ended with code {code}")
    inst.call("__wbindgen_add_to_stack_pointer", 16)
    return bytes(out)


def _brotli_decodes(data: bytes, out: bytes) -> bool | None:
    """The system's libbrotlidec decodes ``out`` back to ``data`` (None:
    no libbrotlidec here, the output is only compared with wasmtime's)."""
    lib = ctypes.util.find_library("brotlidec")
    if lib is None:
        return None
    decoder = ctypes.CDLL(lib)
    buf = ctypes.create_string_buffer(len(data) + 1)
    n = ctypes.c_size_t(len(buf))
    ok = decoder.BrotliDecoderDecompress(ctypes.c_size_t(len(out)), out, ctypes.byref(n), buf)
    return ok == 1 and buf.raw[: n.value] == data


def _lz4_decodes(data: bytes, out: bytes) -> bool:
    """lz4_flex's ``compress_prepend_size``: the input's size, then a block."""
    try:
        return out[:4] == len(data).to_bytes(4, "little") and (
            lz4_block_decode(out[4:], len(data)) == data
        )
    except LZ4Error:
        return False


@dataclass
class Program:
    name: str
    module: str  # file in the corpus
    run: Callable[[Instance, bytes], bytes]
    # A check of the output independent of the runtimes (a known digest):
    # False is a wrong output; None, no check could be made.
    check: Callable[[bytes, bytes], bool | None] | None = None
    # The input of refimpl's fast path and wasmtime, which times are given
    # for; and that of the others, scaled to ``size``.  brotli's are equal:
    # its fixed costs (zeroing its tables: a loop per byte in the spec
    # interpreter) would not scale.
    size: int = MIB
    small: int = SMALL


PROGRAMS = [
    Program("sha512 (hash-wasm)", "hash-wasm-sha512.wasm", _hash_wasm(512),
            lambda d, out: out == hashlib.sha512(d).digest()),
    Program("blake3 (hash-wasm)", "hash-wasm-blake3.wasm", _hash_wasm(256, 32)),
    Program("sha256 SIMD (as-sha256)", "as-sha256-simd.wasm", _as_sha256,
            lambda d, out: out == hashlib.sha256(d).digest()),
    Program("xxh64 (xxhash-wasm)", "xxhash-wasm.wasm", _xxh64,
            lambda d, out: int.from_bytes(out, "little") == xxh64(d)),
    Program("lz4 compress (lz4-wasm)", "lz4-wasm.wasm", _lz4, _lz4_decodes),
    Program(f"brotli-{BROTLI_QUALITY} (brotli-wasm)", "brotli-wasm.wasm", _brotli,
            _brotli_decodes, size=16 << 10, small=16 << 10),
]  # fmt: skip


def _input(size: int) -> bytes:
    """Compressible but not trivial: words drawn from a small vocabulary."""
    rng = random.Random(20)
    words = [bytes(rng.choices(range(97, 123), k=rng.randint(2, 9))) for _ in range(500)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


RUNTIMES: dict[str, Callable[[bytes], Instance]] = {
    "refimpl (fast)": lambda b: Refimpl(b, "compiled"),
    "refimpl (interp.)": lambda b: Refimpl(b, "interpreter"),
    "pywasm": Pywasm,
    "wasmtime": Wasmtime,
}
FULL_SIZE = {"refimpl (fast)", "wasmtime"}


SPEC = "OCaml spec"  # the column of the spec interpreter (SPEC_WASM)
SPEC_TIMEOUT = 900.0  # seconds per script


def measure_spec(prog: Program, binary: bytes, data: bytes, spec: str) -> spec_interp.SpecRun:
    """The program as a .wast script (``program_wast``) on the spec
    interpreter: the script's time less that of its setup alone."""
    try:
        transcript = Transcript(binary, Wasmtime(binary))
        prog.run(transcript, data)
    except Unsupported as exc:
        return spec_interp.SpecRun(None, None, f"can't run in a .wast: {exc}")
    with tempfile.TemporaryDirectory() as tmp:
        setup, script = Path(tmp, "setup.wast"), Path(tmp, "program.wast")
        setup.write_text(transcript.setup())
        script.write_text(transcript.script())
        before = spec_interp.run([spec, str(setup)], SPEC_TIMEOUT)
        if before.seconds is None:
            return before
        full = spec_interp.run([spec, str(script)], SPEC_TIMEOUT)
    if full.seconds is None:
        return full
    return spec_interp.SpecRun(full.seconds - before.seconds, full.max_rss)


def main(corpus: Path, repeat: int = 3, only: str = "") -> int:
    """The table; ``only``: a substring of the programs' names to run."""
    spec = spec_interp.spec_wasm()
    names = [*RUNTIMES, SPEC]
    print(
        "program".ljust(26)
        + "".join(n.rjust(19) for n in names)
        + "   interp/fast  pywasm/fast    spec/fast  fast/wasmtime"
    )
    notes = []
    for prog in PROGRAMS:
        if only not in prog.name:
            continue
        binary = (corpus / prog.module).read_bytes()
        # wasmtime's outputs are the reference every runtime must match.
        reference = {n: prog.run(Wasmtime(binary), _input(n)) for n in (prog.size, prog.small)}
        checks = (
            {prog.check(_input(n), out) for n, out in reference.items()} if prog.check else {None}
        )
        if False in checks:
            print(prog.name.ljust(26) + "wasmtime's output fails the check", flush=True)
            continue
        if None in checks:
            notes.append(f"{prog.name}: compared with wasmtime's output only")
        if prog.size == prog.small:
            notes.append(f"{prog.name}: seconds over {_kib(prog.size)}, on every runtime")
        elif (prog.size, prog.small) != (MIB, SMALL):
            notes.append(f"{prog.name}: seconds per {_kib(prog.size)}; * over {_kib(prog.small)}")
        seconds: dict[str, float] = {}
        cells = []
        for name, make in RUNTIMES.items():
            size = prog.size if name in FULL_SIZE else prog.small
            data = _input(size)
            try:
                times = []
                for _ in range(repeat if name in FULL_SIZE else 1):
                    inst = make(binary)  # fresh state per run; not timed
                    start = time.perf_counter()
                    out = prog.run(inst, data)
                    times.append(time.perf_counter() - start)
            except ImportError:
                cells.append("not installed".rjust(19))
                continue
            except Exception as exc:  # a runtime that can't run this program
                cells.append(f"n/a ({type(exc).__name__})".rjust(19))
                continue
            if out != reference[size]:
                cells.append("WRONG OUTPUT".rjust(19))
                continue
            seconds[name] = statistics.median(times) * prog.size / size
            cells.append(_seconds_cell(seconds[name], size != prog.size))
        if spec is None:
            cells.append(spec_interp.NOT_GIVEN.rjust(19))
        else:
            result = measure_spec(prog, binary, _input(prog.small), spec)
            if result.seconds is None:
                cells.append("n/a (see below)".rjust(19))
                notes.append(f"{prog.name}: OCaml spec interpreter: {result.error}")
            else:
                seconds[SPEC] = result.seconds * prog.size / prog.small
                cells.append(_seconds_cell(seconds[SPEC], prog.small != prog.size))
        fast = seconds.get("refimpl (fast)")

        def ratio(a, b):
            return f"{a / b:12.1f}x" if a and b else "".rjust(13)

        print(
            prog.name.ljust(26) + "".join(cells)
            + ratio(seconds.get("refimpl (interp.)"), fast)
            + ratio(seconds.get("pywasm"), fast)
            + ratio(seconds.get(SPEC), fast)
            + ratio(fast, seconds.get("wasmtime")),
            flush=True,
        )  # fmt: skip
    print(f"seconds per MiB of input (or as noted); * run over {_kib(SMALL)} and scaled")
    if spec is None:
        print(f"OCaml spec: {spec_interp.NOT_GIVEN} (set {spec_interp.ENV} to a spec interpreter)")
    for note in notes:
        print(note)
    return 0


def _kib(size: int) -> str:
    return f"{size >> 10} KiB"


def _seconds_cell(seconds: float, scaled: bool) -> str:
    return (f"{seconds:8.3f} s" + ("*" if scaled else " ")).rjust(19)
