"""Custom page sizes (proposal, flag ``custom_page_sizes``): memory types
with a page size of 1 byte or 64 KiB, through the binary and text formats,
validation, linking, both executors, every init mode and snapshots."""

from __future__ import annotations

import pytest

import refimpl
from refimpl.binary import decode_module
from refimpl.binary.encode import encode_module
from refimpl.errors import InvalidModule, LinkError, MalformedModule
from refimpl.exec.instantiate import SEGMENTED
from refimpl.init import MODES, Pooled, make_mode
from refimpl.init.compare import compare_modes
from refimpl.preinit import preinitialize
from refimpl.syntax.types import AddrType, Limits, MemType
from refimpl.text import wat_to_binary

CPS = refimpl.Features.parse("3.0,+custom_page_sizes")
V3 = refimpl.Features.profile("3.0")
EXECUTORS = ["interpreter", "compiled"]
HEADER = b"\0asm\1\0\0\0"


def memory_section(*entry: int) -> bytes:
    return HEADER + bytes((5, len(entry) + 1, 1, *entry))


def load(text: str) -> refimpl.syntax.module.Module:
    return refimpl.load(wat_to_binary(text, CPS), CPS)


# -- binary format -----------------------------------------------------------------


def test_flag_bit_3_adds_the_exponent_after_the_limits():
    (mem,) = decode_module(memory_section(0x09, 2, 5, 0), CPS).mems
    assert mem.type == MemType(Limits(2, 5), 0)
    assert mem.type.page_size == 1
    (mem,) = decode_module(memory_section(0x0C, 1, 16), CPS).mems
    assert mem.type == MemType(Limits(1, None, AddrType.I64), 16)
    assert mem.type.page_size == 65536


def test_the_flag_is_malformed_without_the_proposal_and_on_tables():
    with pytest.raises(MalformedModule, match=r"^malformed limits flags"):
        decode_module(memory_section(0x08, 0, 0), V3)
    table = HEADER + bytes((4, 5, 1, 0x70, 0x08, 0, 0))
    with pytest.raises(MalformedModule, match=r"^malformed limits flags"):
        decode_module(table, CPS)


@pytest.mark.parametrize("log2", [64, 65, 1000])
def test_an_exponent_past_a_u64_is_malformed(log2):
    with pytest.raises(MalformedModule, match=r"^invalid custom page size"):
        decode_module(memory_section(0x08, 0, *_uleb(log2)), CPS)


def _uleb(n: int) -> list[int]:
    out = []
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return out


def test_the_encoder_writes_the_page_size_as_written():
    text = "(module (memory 1 (pagesize 65536)) (memory 1 2 (pagesize 1)) (memory 3))"
    binary = wat_to_binary(text, CPS)
    # wasm-tools' bytes: an explicit 65536 keeps its flag and exponent 16.
    assert bytes.fromhex("05 0a 03 08 01 10 09 01 02 00 00 03") in binary
    assert encode_module(decode_module(binary, CPS)) == binary


# -- text format and validation ----------------------------------------------------


@pytest.mark.parametrize("size", [0, 3, 65535])
def test_a_page_size_that_is_no_power_of_two_is_malformed(size):
    with pytest.raises(MalformedModule) as caught:
        wat_to_binary(f"(module (memory 0 (pagesize {size})))", CPS)
    assert caught.value.message == "invalid custom page size"


def test_pagesize_is_unknown_text_without_the_proposal():
    with pytest.raises(MalformedModule):
        wat_to_binary("(module (memory 0 (pagesize 1)))", V3)


@pytest.mark.parametrize("size", [2, 4096, 32768, 0x20000, 1 << 63])
def test_only_1_and_65536_are_valid(size):
    with pytest.raises(InvalidModule, match=r"^invalid custom page size"):
        load(f"(module (memory 0 (pagesize {size})))")


@pytest.mark.parametrize(
    ("memory", "valid"),
    [
        ("0xFFFF_FFFF (pagesize 1)", True),
        ("0x1_0000_0000 (pagesize 1)", False),
        ("65536 (pagesize 65536)", True),
        ("65537 (pagesize 65536)", False),
        ("i64 0xFFFF_FFFF_FFFF_FFFF (pagesize 1)", True),
        ("i64 0x1_0000_0000_0000 (pagesize 65536)", True),
        ("i64 0x1_0000_0000_0001 (pagesize 65536)", False),
    ],
)
def test_limits_are_bounded_by_what_the_address_space_holds(memory, valid):
    # Declared as imports, so a valid one is not allocated.
    text = f'(module (import "m" "m" (memory {memory})))'
    if valid:
        load(text)
    else:
        with pytest.raises(InvalidModule, match=r"^memory size must be at most"):
            load(text)


def test_inline_data_counts_pages_of_the_memory_s_size():
    small = load('(module (memory (pagesize 1) (data "xyz")))')
    assert small.mems[0].type == MemType(Limits(3, 3), 0)
    large = load('(module (memory (pagesize 65536) (data "xyz")))')
    assert large.mems[0].type == MemType(Limits(1, 1), 16)


# -- execution ---------------------------------------------------------------------

SMALL = """(module
  (memory (export "mem") 0 (pagesize 1))
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"""


@pytest.mark.parametrize("executor", EXECUTORS)
def test_one_byte_pages_in_both_executors(executor):
    store = refimpl.Store(CPS, executor_name=executor)
    ex = refimpl.instantiate(store, load(SMALL), {}).exports

    def call(name, *args):
        return store.invoke(ex[name], list(args))

    assert call("size") == [0]
    with pytest.raises(refimpl.Trap, match="out of bounds memory access"):
        call("load", 0)
    assert call("grow", 5) == [0]
    assert call("size") == [5]
    assert len(ex["mem"].data) == 5
    call("store", 4, 7)
    assert call("load", 4) == [7]
    with pytest.raises(refimpl.Trap, match="out of bounds memory access"):
        call("load", 5)
    assert call("grow", 0xFFFF_FFFF) == [0xFFFF_FFFF]  # past 2^32-1 bytes: -1
    assert call("size") == [5]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_default_pages_written_explicitly_stay_at_65536(executor):
    store = refimpl.Store(CPS, executor_name=executor)
    text = SMALL.replace("(pagesize 1)", "(pagesize 65536)")
    ex = refimpl.instantiate(store, load(text), {}).exports
    assert store.invoke(ex["grow"], [65537]) == [0xFFFF_FFFF]
    assert store.invoke(ex["grow"], [1]) == [0]
    assert len(ex["mem"].data) == 65536


def test_imports_match_only_the_same_page_size():
    store = refimpl.Store(CPS)
    registry = {"m": refimpl.instantiate(store, load(SMALL), {})}
    importer = '(module (import "m" "mem" (memory 0 (pagesize {}))))'
    refimpl.instantiate(store, load(importer.format(1)), registry)
    with pytest.raises(LinkError, match=r"^incompatible import type"):
        refimpl.instantiate(store, load(importer.format(65536)), registry)


# -- init modes and snapshots ------------------------------------------------------

# 70,000 one-byte pages: the last 64 KiB image a mode may build is partial.
DATA = """(module
  (memory (export "small") 5 (pagesize 1))
  (memory (export "odd") 70000 (pagesize 1))
  (data (memory 0) (i32.const 1) "abc")
  (data (memory 1) (i32.const 65530) "0123456789")
  (data (memory 1) (i32.const 69990) "end of it!"))"""


@pytest.mark.parametrize("mode", list(MODES))
def test_every_init_mode_keeps_one_byte_pages(mode):
    module = load(DATA)
    initializer = make_mode(mode)
    results, divergences = compare_modes(
        refimpl.Store(CPS), module, lambda imp: None, [SEGMENTED, initializer]
    )
    assert not divergences, "\n".join(map(str, divergences))
    assert results[1].outcome == ("ok",)
    inst = refimpl.instantiate(refimpl.Store(CPS), module, {}, init=make_mode(mode))
    small, odd = inst.exports["small"], inst.exports["odd"]
    assert (len(small.data), small.pages) == (5, 5)
    assert bytes(small.data) == b"\0abc\0"
    assert (len(odd.data), odd.pages) == (70000, 70000)
    assert bytes(odd.data[69990:]) == b"end of it!"


def test_a_pooled_slot_is_resized_in_one_byte_pages():
    pool = Pooled()
    store = refimpl.Store(CPS)
    first = refimpl.instantiate(store, load(DATA), {}, init=pool)
    pool.release(first)
    again = refimpl.instantiate(store, load(SMALL), {}, init=pool)
    assert pool.reused == 1
    assert len(again.exports["mem"].data) == 0


def test_a_snapshot_keeps_the_page_size():
    text = """(module
      (memory (export "m") 2 (pagesize 1))
      (func (export "wizer.initialize")
        (drop (memory.grow (i32.const 3)))
        (i32.store8 (i32.const 4) (i32.const 9))))"""
    snap = decode_module(preinitialize(wat_to_binary(text, CPS), features=CPS), CPS)
    assert snap.mems[0].type == MemType(Limits(5, None), 0)
    inst = refimpl.instantiate(refimpl.Store(CPS), snap, {})
    assert bytes(inst.exports["m"].data) == b"\0\0\0\0\x09"
