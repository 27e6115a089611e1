"""The benchmarks' side-by-side runs with the OCaml spec interpreter: its
error lines, its runs under a timeout, and the .wast transcript of a program
(replayed by the harness on refimpl: every recorded result must hold); and
the programs' checks of their outputs that owe nothing to a runtime."""

import ctypes.util
import sys

import pytest

from benchmarks import program_wast, spec_interp
from benchmarks.program_checks import LZ4Error, lz4_block_decode, xxh64
from benchmarks.programs import Wasmtime, _brotli_decodes
from harness.corpus.stubs import parse_wat
from harness.execution import FileJob, run_file
from harness.options import RunOptions
from harness.status import Status


@pytest.mark.parametrize(
    ("stderr", "code", "text"),
    [
        (
            "/c/tfjs.wasm:0x654: decoding error: malformed limits flags\n",
            1,
            "decoding error: malformed limits flags",
        ),
        (
            "Result: 8 : [i64]\nExpect: 1 : [i64]\n"
            "/tmp/x/program.wast:19.1-19.89: assertion failure: wrong return values\n",
            1,
            "assertion failure: wrong return values",
        ),
        (
            "./wasm: uncaught exception Stack_overflow\nRaised by primitive operation at ...\n",
            2,
            "uncaught exception Stack_overflow",
        ),
        ("", -9, "killed by signal 9"),
        ("", 3, "exit status 3"),
    ],
)
def test_error_text_drops_the_position(stderr, code, text):
    assert spec_interp.error_text(stderr, code) == text


def test_run_reports_failures_as_text():
    fails = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('m.wasm:0x1: validation error: type mismatch\\n');"
        " sys.exit(1)",
    ]
    result = spec_interp.run(fails, timeout=60)
    assert (result.seconds, result.error) == (None, "validation error: type mismatch")
    assert result.max_rss > 0
    assert spec_interp.run(["/nonexistent/wasm"], 60).error.startswith("cannot run")
    slow = spec_interp.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert (slow.seconds, slow.error) == (None, "timeout after 0.5 s")
    ok = spec_interp.run([sys.executable, "-c", "pass"], timeout=60)
    assert ok.seconds is not None and ok.error == ""


def test_spec_wasm_unset_or_empty_is_none(monkeypatch):
    monkeypatch.setenv(spec_interp.ENV, "")
    assert spec_interp.spec_wasm() is None
    monkeypatch.setenv(spec_interp.ENV, "/opt/wasm")
    assert spec_interp.spec_wasm() == "/opt/wasm"


def test_constants_are_signed_and_strings_escaped():
    assert program_wast.const("i32", 0xFFFFFFF0) == "(i32.const -16)"
    assert program_wast.const("i32", -16) == "(i32.const -16)"
    assert program_wast.const("i64", 1 << 63) == f"(i64.const {-(1 << 63)})"
    assert program_wast.const("i64", 5) == "(i64.const 5)"
    with pytest.raises(program_wast.Unsupported):
        program_wast.const("f32", 0)
    assert program_wast.wast_string(b'a"\\\x00\xff ~') == '"a\\22\\5c\\00\\ff ~"'


# A program of our own standing in for the corpus: a function import, a
# memory the host writes, grows and reads, results of two types, a global.
PROGRAM = """(module
  (import "env" "log" (func $log (param i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "base") i32 (i32.const 70000))
  (func (export "sum") (param $p i32) (param $n i32) (result i64)
    (local $s i64)
    (drop (call $log (local.get $n)))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 0x100000001b3))
                             (i64.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "store") (param $p i32) (param $v i64)
    (i64.store (local.get $p) (local.get $v))))"""


def _program(inst, data: bytes) -> bytes:
    inst.grow(1)
    base = inst.get("base")
    inst.write(base, data)
    (s,) = inst.call("sum", base, len(data))
    inst.call("store", 16, s)
    return inst.read(16, 11)


def _replay(tmp_path, text: str) -> list:
    path = tmp_path / "program.wast"
    path.write_text(text)
    records, _, error = run_file(FileJob(path, "2.0", path.name), RunOptions())
    assert error is None
    return records


def test_transcript_replays_every_result_on_refimpl(tmp_path):
    binary = parse_wat(PROGRAM)
    data = bytes(range(256)) * 3
    transcript = program_wast.Transcript(binary, Wasmtime(binary))
    out = _program(transcript, data)
    assert out == _program(Wasmtime(binary), data)
    records = _replay(tmp_path, transcript.script())
    assert all(r.status == Status.PASS for r in records)
    # the global, sum and store, the grow, one i64 word and three bytes of output
    assert sum(r.command.startswith("assert_return") for r in records) == 8
    setup = _replay(tmp_path, transcript.setup())
    assert all(r.status == Status.PASS for r in setup)
    # a result the program does not compute fails the replay
    script = transcript.script()
    assert script.count("(i32.const 16)) (i64.const ") == 1
    wrong = script.replace("(i32.const 16)) (i64.const ", "(i32.const 16)) (i64.const 1")
    assert Status.FAIL in [r.status for r in _replay(tmp_path, wrong)]


# -- the programs' own checks (benchmarks.program_checks) --


def test_xxh64_gives_the_published_digests():
    assert xxh64(b"") == 0xEF46DB3751D8E999
    assert xxh64(b"a") == 0xD24EC4F1A98C6E5B
    assert xxh64(b"abc") == 0x44BC2CF5AD770999


def test_lz4_block_decode_copies_literals_and_overlapping_matches():
    # "abc" then a match of 7 at offset 3 (overlapping its own output), then
    # the last literals "xyz"; a literal length of 15 + 1 extra byte.
    block = bytes([0x33]) + b"abc" + (3).to_bytes(2, "little") + bytes([0x30]) + b"xyz"
    assert lz4_block_decode(block, 13) == b"abcabcabcaxyz"
    long = bytes([0xF0, 1]) + b"q" * 16
    assert lz4_block_decode(long, 16) == b"q" * 16
    with pytest.raises(LZ4Error):
        lz4_block_decode(bytes([0x10]) + b"a" + (2).to_bytes(2, "little"), 5)  # offset past start
    with pytest.raises(LZ4Error):
        lz4_block_decode(block, 14)


def test_brotli_check_decodes_with_the_system_library():
    if ctypes.util.find_library("brotlidec") is None:
        pytest.skip("no libbrotlidec here")
    empty = b"\x06"  # a stream of one empty, last meta-block
    assert _brotli_decodes(b"", empty) is True
    assert _brotli_decodes(b"x", empty) is False
    assert _brotli_decodes(b"", b"\xff\xff") is False
