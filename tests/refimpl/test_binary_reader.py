"""The byte reader: LEB128 limits (spec 5.2.2), lengths and names."""

from __future__ import annotations

import pytest

from refimpl.binary.reader import Reader
from refimpl.errors import MalformedModule


def read(method: str, data: bytes) -> int:
    r = Reader(data)
    value = getattr(r, method)()
    assert r.pos == len(data), "the whole encoding is consumed"
    return value


def fails(method: str, data: bytes) -> str:
    with pytest.raises(MalformedModule) as info:
        getattr(Reader(data), method)()
    return info.value.message


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\x00", 0),
        (b"\x7f", 127),
        (b"\x80\x01", 128),
        (b"\x80\x00", 0),  # overlong but within 5 bytes: allowed
        (b"\x80\x80\x80\x80\x00", 0),
        (b"\xff\xff\xff\xff\x0f", 0xFFFFFFFF),
    ],
)
def test_u32(data: bytes, value: int) -> None:
    assert read("u32", data) == value


@pytest.mark.parametrize(
    ("method", "data", "message"),
    [
        ("u32", b"\x80\x80\x80\x80\x10", "integer too large"),
        ("u32", b"\xff\xff\xff\xff\x1f", "integer too large"),
        ("u32", b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
        ("u32", b"\x80", "unexpected end of section or function"),
        ("u32", b"", "unexpected end"),
        ("s32", b"\x80\x80\x80\x80\x70", "integer too large"),
        ("s32", b"\xff\xff\xff\xff\x0f", "integer too large"),
        ("s32", b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
        ("s33", b"\x80\x80\x80\x80\x20", "integer too large"),
        ("s64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", "integer too large"),
        ("s64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7e", "integer too large"),
        ("s64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", "integer representation too long"),
        ("u64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", "integer too large"),
        ("s7", b"\xe0\x7f", "integer representation too long"),
    ],
)
def test_leb_errors(method: str, data: bytes, message: str) -> None:
    assert fails(method, data).startswith(message)


@pytest.mark.parametrize(
    ("method", "data", "value"),
    [
        ("s32", b"\x7f", -1),
        ("s32", b"\x3f", 63),
        ("s32", b"\x40", -64),
        ("s32", b"\xc0\x00", 64),
        ("s32", b"\x80\x80\x80\x80\x78", -(2**31)),
        ("s32", b"\xff\xff\xff\xff\x07", 2**31 - 1),
        ("s32", b"\xff\xff\xff\xff\x7f", -1),  # overlong sign extension
        ("s33", b"\xff\xff\xff\xff\x0f", 2**32 - 1),
        ("s33", b"\x80\x80\x80\x80\x70", -(2**32)),
        ("s64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", -(2**63)),
        ("s64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 2**63 - 1),
        ("u64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 2**64 - 1),
        ("s7", b"\x60", -0x20),
    ],
)
def test_signed_and_wide(method: str, data: bytes, value: int) -> None:
    assert read(method, data) == value


def test_length_is_bounded_by_the_rest_of_the_input() -> None:
    """As in the spec interpreter, counted from the length's first byte."""
    assert Reader(b"\x02ab").length() == 2
    with pytest.raises(MalformedModule, match="length out of bounds"):
        Reader(b"\x04ab").length()
    with pytest.raises(MalformedModule, match="length out of bounds"):
        Reader(b"\xff\xff\xff\xff\x0f").length()


def test_legacy_lengths_are_bounded_by_the_whole_input() -> None:
    """Wasm 1.0's interpreter compared with the input length, so an
    overlong length fails later, as an unexpected end."""
    with pytest.raises(MalformedModule, match="length out of bounds"):
        Reader(b"xx\x04ab", 2).length()
    r = Reader(b"xx\x04ab", 2, legacy_lengths=True)
    assert r.length() == 4
    with pytest.raises(MalformedModule, match="unexpected end"):
        r.bytes(4)


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"\x00", ""), (b"\x03abc", "abc"), (b"\x02\xc3\xa9", "é"), (b"\x04\xf0\x9f\x98\x80", "😀")],
)
def test_names(data: bytes, text: str) -> None:
    assert Reader(data).name() == text


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x80",  # stray continuation byte
        b"\x02\xc0\x80",  # overlong NUL
        b"\x03\xed\xa0\x80",  # surrogate
        b"\x04\xf4\x90\x80\x80",  # beyond U+10FFFF
        b"\x01\xc3",  # truncated sequence
    ],
)
def test_malformed_names(data: bytes) -> None:
    with pytest.raises(MalformedModule, match="malformed UTF-8 encoding"):
        Reader(data).name()


@pytest.mark.parametrize(("method", "general", "bits"), [
    ("u32", "uleb", 32), ("s32", "sleb", 32), ("s64", "sleb", 64),
])  # fmt: skip
def test_short_encodings_read_as_the_general_loop_reads_them(method, general, bits):
    """The inline one- and two-byte paths agree with the LEB128 loop on every
    one- and two-byte encoding, followed by more input or not."""
    encodings = [bytes([b]) for b in range(0x80)]
    encodings += [bytes([b, b2]) for b in range(0x80, 0x100) for b2 in range(0x80)]
    for enc in encodings:
        for data in (enc, enc + b"\x0b"):
            fast, slow = Reader(data), Reader(data)
            assert getattr(fast, method)() == getattr(slow, general)(bits), data
            assert fast.pos == slow.pos == len(enc)


@pytest.mark.parametrize(("method", "bits"), [("s32", 32), ("s64", 64)])
def test_signed_numbers_of_up_to_four_bytes_read_as_the_general_loop_reads_them(method, bits):
    """With four bytes of input left the signed readers decode up to four
    bytes inline (segment offsets, constants); every length's boundaries and
    a sample between them agree with the LEB128 loop, non-minimal encodings
    included."""
    groups = [0x00, 0x01, 0x3F, 0x40, 0x41, 0x7E, 0x7F]
    encodings = []
    for n in (1, 2, 3, 4):
        for last in groups:
            for middle in (0x80, 0x81, 0xBF, 0xC0, 0xFF):
                encodings.append(bytes([middle] * (n - 1) + [last]))
    for b in range(128):
        encodings.append(bytes([0x80 | b, 0x80 | (b * 7 % 128), 0x80 | (b * 13 % 128), b]))
    encodings.append(b"\x80\x80\x80\x80\x00")  # five bytes: the general loop's
    for enc in encodings:
        data = enc + b"\x0b\x0b\x0b\x0b"
        fast, slow = Reader(data), Reader(data)
        assert getattr(fast, method)() == slow.sleb(bits), enc
        assert fast.pos == slow.pos == len(enc)


def test_paused_collection_restores_the_collector_even_on_errors():
    import gc

    from refimpl.gcpause import paused_collection

    assert gc.isenabled()
    with pytest.raises(MalformedModule), paused_collection():
        assert not gc.isenabled()
        raise MalformedModule("x", 0)
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()


def test_bulk_a_pause_allocated_joins_the_oldest_generation_and_stays_collectable():
    """No young collection traverses bulk work after the pause; a cycle made
    during it is still freed by a full collection; a short pause leaves the
    generations alone, and so does any pause while a caller has objects
    frozen."""
    import gc
    import weakref

    from refimpl.gcpause import BULK, paused_collection

    class Node:
        pass

    def oldest(obj: object) -> bool:
        return any(o is obj for o in gc.get_objects(generation=2))

    gc.collect()
    with paused_collection():
        cycle = Node()
        cycle.self = cycle
        kept = [Node() for _ in range(BULK)]
    assert gc.get_count()[0] < 1000  # young generations emptied, not traversed
    assert oldest(kept)
    alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is None
    with paused_collection():
        few = [Node() for _ in range(10)]
    assert not oldest(few)
    frozen = [Node()]
    gc.freeze()
    try:
        with paused_collection():
            bulk = [Node() for _ in range(BULK)]
        assert gc.get_freeze_count() > 0 and not oldest(bulk)
    finally:
        gc.unfreeze()
    del frozen, kept, few, bulk


def test_a_long_lived_pause_promotes_even_a_few_objects():
    """``long_lived``: the caller's result is bulk whatever its size (a
    script's commands), so no young collection traverses it afterwards."""
    import gc

    from refimpl.gcpause import paused_collection

    class Node:
        pass

    gc.collect()
    with paused_collection(long_lived=True):
        few = [Node() for _ in range(10)]
    assert any(o is few for o in gc.get_objects(generation=2))
    assert gc.get_count()[0] < 10
