"""Digests of large sparse memories read only what was written, and give
the same digest as a full read."""

import time

from refimpl.runtime import residency
from refimpl.runtime.memory import anonymous
from refimpl.runtime.observe import CHUNK, memory_digest

BIG = 32769 * 65536  # what a data offset at 2^31 needs


def test_untouched_pages_of_a_huge_memory_are_skipped():
    mem = anonymous(BIG)
    mem[0x80000000] = 7
    mem[5] = 1
    started = time.monotonic()
    memory_digest(mem)
    assert time.monotonic() - started < 1.0  # a full read of 2 GiB takes seconds
    assert list(residency.candidate_chunks(mem, CHUNK)) == [0, 0x80000000]


def test_sparse_digest_equals_a_full_read(monkeypatch):
    mem = anonymous(residency.SPARSE_BYTES + 3 * CHUNK)
    for at in (5, CHUNK - 1, residency.SPARSE_BYTES + CHUNK + 3):
        mem[at] = 1
    sparse = memory_digest(mem)
    assert list(residency.candidate_chunks(mem, CHUNK)) == [0, residency.SPARSE_BYTES + CHUNK]
    monkeypatch.setattr(residency, "SPARSE_BYTES", 1 << 62)  # read everything
    assert memory_digest(mem) == sparse


def test_digest_sees_every_written_byte():
    a, b = anonymous(BIG), anonymous(BIG)
    a[BIG - 1] = 1
    assert memory_digest(a) != memory_digest(b)
    b[BIG - 1] = 1
    assert memory_digest(a) == memory_digest(b)


def test_buffers_that_cant_be_asked_are_read_whole():
    data = bytes(3 * 65536)  # read-only: no address to ask about
    assert residency.resident_pages(data) is None
    assert list(residency.candidate_chunks(data, CHUNK)) == [0]
