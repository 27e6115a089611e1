"""The threads proposal in refimpl (single agent): every 0xFE op family on
both executors, their validation and decoding, shared memories in linking
and the text format.  The expected values are written out here, not
computed by refimpl's own ``exec.atomics``."""

from __future__ import annotations

import time

import pytest
from binary_helpers import wat

import refimpl
from refimpl.errors import Exhaustion, InvalidModule, LinkError, MalformedModule, Trap
from refimpl.exec.atomics import ATOMICS
from refimpl.host.spectest import spectest_instance
from refimpl.preinit.api import preinitialize
from refimpl.syntax.opcodes import FE, OPS, access_bytes
from refimpl.text import wat_to_binary

THREADS = refimpl.Features.parse("mvp,+threads")
THREADS3 = refimpl.Features.parse("3.0,+threads")
EXECUTORS = ["compiled", "interpreter"]
M32, M64 = (1 << 32) - 1, (1 << 64) - 1

# (text type, width in bits, name suffix) of every rmw/load/store width.
WIDTHS = [
    ("i32", 32, ""),
    ("i64", 64, ""),
    ("i32", 8, "8"),
    ("i32", 16, "16"),
    ("i64", 8, "8"),
    ("i64", 16, "16"),
    ("i64", 32, "32"),
]
RMW_MODEL = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "xchg": lambda a, b: b,
}


@pytest.fixture(params=EXECUTORS)
def executor(request) -> str:
    return request.param


def instance(executor: str, text: str, features=THREADS, imports=None):
    store = refimpl.Store(features, executor_name=executor)
    module = refimpl.load(wat(text), features)
    inst = refimpl.instantiate(store, module, imports or {})
    return lambda name, *args: store.invoke(inst.exports[name], list(args))


def shared_module(body: str, memory: str = "(memory 1 1 shared)") -> str:
    return f"""(module {memory}
  (func (export "init") (param i64) (i64.store (i32.const 0) (local.get 0)))
  (func (export "peek") (result i64) (i64.load (i32.const 0)))
  {body})"""


def _rmw_name(t: str, bits: int, suffix: str, op: str) -> str:
    return f"{t}.atomic.rmw{suffix}.{op}{'_u' if suffix else ''}"


def test_the_table_has_every_atomic_op_once_with_its_width():
    names = {info.name for code, info in OPS.items() if code >> 12 == FE}
    assert len(names) == 67 == len(ATOMICS)
    assert access_bytes("memory.atomic.notify") == 4
    assert access_bytes("memory.atomic.wait32") == 4
    assert access_bytes("memory.atomic.wait64") == 8
    assert access_bytes("i64.atomic.rmw32.cmpxchg_u") == 4
    assert access_bytes("i32.atomic.rmw8.xchg_u") == 1
    assert access_bytes("i64.atomic.rmw.sub") == 8
    assert access_bytes("i64.atomic.load16_u") == 2
    assert access_bytes("i32.atomic.store") == 4


def test_loads_zero_extend_and_stores_wrap(executor):
    funcs = []
    for t, _, suffix in WIDTHS:
        load = f"{t}.atomic.load{suffix}{'_u' if suffix else ''}"
        store = f"{t}.atomic.store{suffix}"
        funcs.append(
            f'(func (export "{load}") (param i32) (result {t}) ({load} (local.get 0)))'
            f'(func (export "{store}") (param i32 {t}) ({store} (local.get 0) (local.get 1)))'
        )
    call = instance(executor, shared_module("\n".join(funcs)))
    pattern = 0xF7F6F5F4F3F2F1F0
    for t, bits, suffix in WIDTHS:
        call("init", pattern)
        load = f"{t}.atomic.load{suffix}{'_u' if suffix else ''}"
        assert call(load, 0) == [pattern & ((1 << bits) - 1)], load
        store = f"{t}.atomic.store{suffix}"
        call(store, 0, M64 if t == "i64" else M32)  # high bits beyond the width dropped
        expected = (pattern & ~((1 << bits) - 1)) | ((1 << bits) - 1)
        assert call("peek") == [expected], store


@pytest.mark.parametrize("op", list(RMW_MODEL))
def test_rmw_every_width(executor, op):
    funcs = "\n".join(
        f'(func (export "{name}") (param i32 {t}) (result {t})'
        f" ({name} (local.get 0) (local.get 1)))"
        for t, bits, suffix in WIDTHS
        for name in [_rmw_name(t, bits, suffix, op)]
    )
    call = instance(executor, shared_module(funcs))
    before = 0x8877665544332211
    for t, bits, suffix in WIDTHS:
        mask = (1 << bits) - 1
        # High bits beyond the access width in the operand must not matter.
        operand = (0xDEADBEEF_00000000 if t == "i64" else 0xDE000000) | 0x99F0F0F1
        operand &= M64 if t == "i64" else M32
        name = _rmw_name(t, bits, suffix, op)
        call("init", before)
        assert call(name, 0, operand) == [before & mask], name
        new = RMW_MODEL[op](before & mask, operand & mask) & mask
        assert call("peek") == [(before & ~mask) | new], name


def test_cmpxchg_wraps_expected_and_replacement_to_the_width(executor):
    funcs = "\n".join(
        f'(func (export "{name}") (param i32 {t} {t}) (result {t})'
        f" ({name} (local.get 0) (local.get 1) (local.get 2)))"
        for t, bits, suffix in WIDTHS
        for name in [_rmw_name(t, bits, suffix, "cmpxchg")]
    )
    call = instance(executor, shared_module(funcs))
    before = 0x1111111111111111
    for t, bits, suffix in WIDTHS:
        mask = (1 << bits) - 1
        name = _rmw_name(t, bits, suffix, "cmpxchg")
        top = M64 if t == "i64" else M32
        replacement = 0xCAFEBABE_12345678 & top
        # Expected with high bits set beyond the width: compared wrapped.
        expected = ((before & mask) | (top & ~mask)) & top
        call("init", before)
        assert call(name, 0, expected, replacement) == [before & mask], name
        assert call("peek") == [(before & ~mask) | (replacement & mask)], name
        # A mismatch inside the width: no write, the old value returned.
        call("init", before)
        assert call(name, 0, (before & mask) ^ 1, replacement) == [before & mask], name
        assert call("peek") == [before], name


UNALIGNED = shared_module(
    """
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "load_off") (param i32) (result i32) (i32.atomic.load offset=2 (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "store64") (param i32) (i64.atomic.store (local.get 0) (i64.const -1)))
  (func (export "rmw16") (param i32) (result i32)
    (i32.atomic.rmw16.add_u (local.get 0) (i32.const 1)))
  (func (export "cmpxchg32") (param i32) (result i64)
    (i64.atomic.rmw32.cmpxchg_u (local.get 0) (i64.const 0) (i64.const 1)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (local.get 0) (i32.const 1)))
  (func (export "wait64") (param i32) (result i32)
    (memory.atomic.wait64 (local.get 0) (i64.const 0) (i64.const 0)))"""
)


def test_unaligned_effective_addresses_trap_before_bounds(executor):
    call = instance(executor, UNALIGNED)
    for name, addr in [("load", 2), ("store64", 4), ("rmw16", 1), ("cmpxchg32", 6)]:
        with pytest.raises(Trap, match=r"^unaligned atomic"):
            call(name, addr)
        with pytest.raises(Trap, match=r"^unaligned atomic"):  # and out of bounds
            call(name, 65536 + addr) if name != "store64" else call(name, 65532)
    with pytest.raises(Trap, match=r"^unaligned atomic"):
        call("load_off", 0)  # the offset makes it unaligned
    with pytest.raises(Trap, match=r"^unaligned atomic"):
        call("notify", 2)
    with pytest.raises(Trap, match=r"^unaligned atomic"):
        call("wait64", 4)
    assert call("load_off", 2) == [0]
    assert call("load8", 65535) == [0]  # bytes are always aligned
    assert call("peek") == [0]  # nothing written by a trapping access


def test_aligned_out_of_bounds_traps_as_usual(executor):
    call = instance(executor, UNALIGNED)
    for name, addr in [("load", 65536), ("store64", 65536), ("rmw16", 65536)]:
        with pytest.raises(Trap, match=r"^out of bounds memory access"):
            call(name, addr)
    with pytest.raises(Trap, match=r"^out of bounds memory access"):
        call("load8", 65536)
    with pytest.raises(Trap, match=r"^out of bounds memory access"):
        call("notify", 65536)
    assert call("load", 65532) == [0]


WAIT = """(module (memory {memory})
  (func (export "store") (param i64) (i64.store (i32.const 8) (local.get 0)))
  (func (export "wait32") (param i32 i64) (result i32)
    (memory.atomic.wait32 (i32.const 8) (local.get 0) (local.get 1)))
  (func (export "wait64") (param i64 i64) (result i32)
    (memory.atomic.wait64 (i32.const 8) (local.get 0) (local.get 1)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (i32.const 8) (local.get 0)))
  (func (export "fence") (atomic.fence)))"""


def test_wait_in_a_single_agent(executor):
    call = instance(executor, WAIT.format(memory="1 1 shared"))
    call("store", 0x0000000500000007)
    assert call("wait32", 8, 0) == [1]  # not-equal
    assert call("wait64", 7, 0) == [1]
    assert call("wait32", 7, 0) == [2]  # equal, timeout 0: timed-out
    start = time.monotonic()
    assert call("wait64", 0x0000000500000007, 10**12) == [2]  # 1000 s: not slept
    assert time.monotonic() - start < 5
    with pytest.raises(Exhaustion, match=r"^deadlock"):
        call("wait32", 7, M64)  # infinite (-1): no other agent could notify
    with pytest.raises(Exhaustion, match=r"^deadlock"):
        call("wait64", 0x0000000500000007, 1 << 63)
    assert call("wait32", 6, M64) == [1]  # infinite, but not equal
    assert call("notify", 5) == [0]
    assert call("fence") == []


def test_wait_on_an_unshared_memory_traps_notify_returns_0(executor):
    call = instance(executor, WAIT.format(memory="1 1"))
    with pytest.raises(Trap, match=r"^expected shared memory"):
        call("wait32", 0, 0)  # even when the value differs
    with pytest.raises(Trap, match=r"^expected shared memory"):
        call("wait64", 0, 0)
    assert call("notify", 1) == [0]


def test_memory64_and_multi_memory_atomics(executor):
    text = """(module
  (memory $a 1 1)
  (memory $b i64 1 1 shared)
  (func (export "add_b") (param i64 i32) (result i32)
    (i32.atomic.rmw.add $b offset=4 (local.get 0) (local.get 1)))
  (func (export "far") (param i64) (result i64)
    (i64.atomic.load $b offset=4294967296 (local.get 0)))
  (func (export "load_a") (result i32) (i32.atomic.load $a offset=4 (i32.const 0))))"""
    call = instance(executor, text, THREADS3)
    assert call("add_b", 0, 5) == [0]
    assert call("add_b", 0, 1) == [5]
    assert call("load_a") == [0]  # a different memory
    with pytest.raises(Trap, match=r"^out of bounds memory access"):
        call("far", 0)
    with pytest.raises(Trap, match=r"^unaligned atomic"):
        call("far", 4)


def test_compiled_functions_with_atomics_do_not_fall_back():
    store = refimpl.Store(THREADS, executor_name="compiled")
    module = refimpl.load(wat(UNALIGNED), THREADS)
    inst = refimpl.instantiate(store, module, {})
    assert store.invoke(inst.exports["rmw16"], [0]) == [0]
    assert store.invoke(inst.exports["cmpxchg32"], [0]) == [1]
    assert store.executor.fallbacks == {}


# -- validation and decoding ----------------------------------------------------


@pytest.mark.parametrize(
    ("instr", "message"),
    [
        ("(drop (i32.atomic.load align=2 (i32.const 0)))", "atomic alignment must be natural"),
        ("(drop (i64.atomic.rmw.add align=4 (i32.const 0) (i64.const 0)))", "atomic alignment"),
        ("(drop (i32.atomic.load8_u align=2 (i32.const 0)))", "alignment must not be larger"),
        (
            "(drop (memory.atomic.wait64 align=4 (i32.const 0) (i64.const 0) (i64.const 0)))",
            "atomic alignment must be natural",
        ),
    ],
)
def test_atomic_alignment_must_be_natural(instr, message):
    binary = wat(f"(module (memory 1) (func {instr}))")
    with pytest.raises(InvalidModule, match=rf"^{message}"):
        refimpl.load(binary, THREADS)


def test_atomics_need_a_memory_and_the_threads_flag():
    with pytest.raises(InvalidModule, match=r"^unknown memory"):
        refimpl.load(
            wat("(module (func (atomic.fence) (drop (i32.atomic.load (i32.const 0)))))"), THREADS
        )
    binary = wat("(module (memory 1) (func (drop (i32.atomic.load (i32.const 0)))))")
    with pytest.raises(MalformedModule, match=r"^illegal opcode"):
        refimpl.load(binary, refimpl.Features.profile("3.0"))
    refimpl.load(binary, THREADS)  # unshared memories are fine for atomics


def test_fence_flags_must_be_zero():
    good = wat("(module (func (atomic.fence)))")
    assert good.count(b"\xfe\x03\x00") == 1
    refimpl.load(good, THREADS)
    with pytest.raises(MalformedModule, match=r"^zero"):
        refimpl.load(good.replace(b"\xfe\x03\x00", b"\xfe\x03\x01"), THREADS)


def test_shared_memory_must_have_a_maximum_and_imports_must_agree_on_sharing():
    with pytest.raises(InvalidModule, match=r"^shared memory must have maximum"):
        refimpl.load(wat("(module (memory 1 shared))"), THREADS)
    store = refimpl.Store(THREADS)
    spectest = spectest_instance(THREADS)
    assert spectest.exports["shared_memory"].type.limits.shared
    imports = {"spectest": spectest}
    for name, limits in [("shared_memory", "1 2"), ("memory", "1 2 shared")]:
        module = refimpl.load(
            wat(f'(module (import "spectest" "{name}" (memory {limits})))'), THREADS
        )
        with pytest.raises(LinkError, match=r"^incompatible import type"):
            refimpl.instantiate(store, module, imports)
    module = refimpl.load(
        wat('(module (import "spectest" "shared_memory" (memory 1 2 shared)))'), THREADS
    )
    refimpl.instantiate(store, module, imports)


def test_the_text_parser_and_encoder_agree_with_wasm_tools():
    """Every atomic instruction, on memory 0 and on a 64-bit memory 1 with an
    offset beyond 32 bits, parsed by refimpl encodes as wasm-tools'."""
    lines = []
    for code, info in OPS.items():
        if code >> 12 != FE or info.name == "atomic.fence":
            continue
        operands = "".join(f" ({p.value}.const 0)" for p in info.params[1:])
        for memarg, address in [("", "(i32.const 4)"), (" 1 offset=4294967296", "(i64.const 8)")]:
            instr = f"({info.name}{memarg} {address}{operands})"
            lines.append(f"(drop {instr})" if info.results else instr)
    text = "(module (memory 1 1 shared) (memory i64 0 1 shared) (func\n  "
    text += "\n  ".join(lines) + "\n  (atomic.fence)))"
    assert wat_to_binary(text, THREADS3) == wat(text)
    refimpl.load(wat(text), THREADS3)


def test_a_snapshot_keeps_the_memory_shared_and_its_contents():
    """Pre-initialization treats a shared memory as a memory: same contents,
    same limits (the shared bit included)."""
    src = wat(
        """(module (memory (export "m") 1 2 shared)
  (func (export "init") (drop (i32.atomic.rmw.add (i32.const 16) (i32.const 42))))
  (func (export "get") (result i32) (i32.atomic.load (i32.const 16))))"""
    )
    snapshot = refimpl.load(preinitialize(src, "init", features=THREADS3), THREADS3)
    assert snapshot.mems[0].type.limits.shared and snapshot.mems[0].type.limits.max == 2
    store = refimpl.Store(THREADS3)
    inst = refimpl.instantiate(store, snapshot, {})
    assert store.invoke(inst.exports["get"], []) == [42]
